/* kiln-cli-inspect.c: `kiln-cli inspect` and `kiln-cli show`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kiln-cli.h"
#include "kiln-number.h"
#include "kiln-stats.h"

static const char *
delimiter_name (char d)
{
  switch (d)
    {
    case '\t': return "\t";
    case ';': return ";";
    case '|': return "|";
    default: return ",";
    }
}

static void
add_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

int
kiln_cli_inspect (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("DATA.csv"));
  GOptionGroup *group = g_option_group_new ("inspect", NULL, NULL, NULL, NULL);
  KilnCliImport import = { 0 };
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(KilnFrame) frame = NULL;
  KilnCsvInfo info = { 0 };
  int status = KILN_CLI_EXIT_OK;
  KilnColumnStats **all_stats = NULL;

  g_option_context_set_summary (context, _("Shows how Kiln reads a CSV: its columns, their types, "
                                           "missing and distinct counts."));
  g_option_group_add_entries (group, entries);
  kiln_cli_import_add_entries (group, &import);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    return KILN_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      kiln_cli_error (_("inspect takes one CSV file"));
      kiln_cli_import_clear (&import);
      return KILN_CLI_EXIT_USAGE;
    }

  frame = kiln_cli_load (argv[1], &import, &info);
  kiln_cli_import_clear (&import);
  if (frame == NULL)
    return KILN_CLI_EXIT_ERROR;

  all_stats = kiln_frame_compute_stats (frame, 5);
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      char dec[2] = { info.decimal, 0 };

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, argv[1]);
      json_builder_set_member_name (b, "rows");
      json_builder_add_int_value (b, kiln_frame_get_n_rows (frame));
      json_builder_set_member_name (b, "encoding");
      json_builder_add_string_value (b, info.encoding);
      json_builder_set_member_name (b, "delimiter");
      json_builder_add_string_value (b, delimiter_name (info.delimiter));
      json_builder_set_member_name (b, "decimal");
      json_builder_add_string_value (b, dec);
      json_builder_set_member_name (b, "header");
      json_builder_add_boolean_value (b, info.header);
      json_builder_set_member_name (b, "frame_bytes");
      json_builder_add_int_value (b, (gint64) kiln_frame_get_memory_size (frame));
      json_builder_set_member_name (b, "skipped_rows");
      json_builder_add_int_value (b, info.n_skipped_rows);
      json_builder_set_member_name (b, "columns");
      json_builder_begin_array (b);
      for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
        {
          KilnColumn *col = kiln_frame_get_column (frame, c);
          KilnColumnStats *st = all_stats[c];

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, kiln_column_get_name (col));
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, kiln_column_type_to_string (st->type));
          json_builder_set_member_name (b, "missing");
          json_builder_add_int_value (b, st->n_missing);
          json_builder_set_member_name (b, "distinct");
          json_builder_add_int_value (b, st->n_distinct);
          if (!kiln_column_is_coded (col))
            {
              add_number (b, "min", st->min);
              add_number (b, "max", st->max);
              add_number (b, "mean", st->mean);
              add_number (b, "std", st->std);
            }
          if (st->top->len)
            {
              json_builder_set_member_name (b, "top");
              json_builder_begin_array (b);
              for (guint i = 0; i < st->top->len; i++)
                {
                  KilnCategoryCount *cc = &g_array_index (st->top, KilnCategoryCount, i);
                  json_builder_begin_object (b);
                  json_builder_set_member_name (b, "value");
                  json_builder_add_string_value (b, cc->value);
                  json_builder_set_member_name (b, "count");
                  json_builder_add_int_value (b, cc->count);
                  json_builder_end_object (b);
                }
              json_builder_end_array (b);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      kiln_cli_print_json (root);
    }
  else
    {
      g_autofree char *rows = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u row", "%u rows",
                                                            kiln_frame_get_n_rows (frame)),
                                               kiln_frame_get_n_rows (frame));
      g_autofree char *cols = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u column", "%u columns",
                                                            kiln_frame_get_n_columns (frame)),
                                               kiln_frame_get_n_columns (frame));
      /* Translators: file: 150 rows, 5 columns (UTF-8, delimiter “,”, decimal “.”, header row) */
      printf (_("%s: %s, %s (%s, delimiter “%s”, decimal “%c”, %s)\n"), argv[1], rows, cols,
              info.encoding, info.delimiter == '\t' ? "tab" : delimiter_name (info.delimiter),
              info.decimal, info.header ? _("header row") : _("no header row"));
      if (info.n_skipped_rows)
        printf (g_dngettext (GETTEXT_PACKAGE, "Skipped %u bad row; the first: %s\n",
                             "Skipped %u bad rows; the first: %s\n", info.n_skipped_rows),
                info.n_skipped_rows, info.first_skipped_message);
      printf ("%-24s %-12s %9s %9s  %s\n", _("column"), _("type"), _("missing"), _("distinct"),
              _("summary"));
      for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
        {
          KilnColumn *col = kiln_frame_get_column (frame, c);
          KilnColumnStats *st = all_stats[c];
          g_autoptr(GString) summary = g_string_new (NULL);

          if (st->type == KILN_COLUMN_NUMERIC && isfinite (st->mean))
            g_string_append_printf (summary, "min %g, max %g, mean %g, std %g",
                                    st->min, st->max, st->mean, st->std);
          else if (st->type == KILN_COLUMN_DATETIME && isfinite (st->min))
            {
              g_autofree char *a = kiln_format_datetime ((gint64) st->min * 1000000);
              g_autofree char *z = kiln_format_datetime ((gint64) st->max * 1000000);
              g_string_append_printf (summary, "%s … %s", a, z);
            }
          else
            for (guint i = 0; i < MIN (st->top->len, 3); i++)
              {
                KilnCategoryCount *cc = &g_array_index (st->top, KilnCategoryCount, i);
                g_string_append_printf (summary, "%s%s (%u)", i ? ", " : "", cc->value, cc->count);
              }
          printf ("%-24s %-12s %9u %9u  %s\n", kiln_column_get_name (col),
                  kiln_column_type_to_string (st->type), st->n_missing, st->n_distinct,
                  summary->str);
        }
    }
  kiln_column_stats_free_all (all_stats);
  kiln_csv_info_clear (&info);
  return status;
}

int
kiln_cli_show (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("DATA.csv"));
  GOptionGroup *group = g_option_group_new ("show", NULL, NULL, NULL, NULL);
  KilnCliImport import = { 0 };
  gboolean json = FALSE;
  int n_rows = 10;
  const GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT, &n_rows, N_("How many rows to show (default 10, -1 all)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(KilnFrame) frame = NULL;
  guint n, n_cols;

  g_option_context_set_summary (context, _("Prints the cells of a CSV as Kiln parsed them."));
  g_option_group_add_entries (group, entries);
  kiln_cli_import_add_entries (group, &import);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    return KILN_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      kiln_cli_error (_("show takes one CSV file"));
      kiln_cli_import_clear (&import);
      return KILN_CLI_EXIT_USAGE;
    }

  frame = kiln_cli_load (argv[1], &import, NULL);
  kiln_cli_import_clear (&import);
  if (frame == NULL)
    return KILN_CLI_EXIT_ERROR;

  n_cols = kiln_frame_get_n_columns (frame);
  n = n_rows < 0 ? kiln_frame_get_n_rows (frame) : MIN ((guint) n_rows, kiln_frame_get_n_rows (frame));
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "columns");
      json_builder_begin_array (b);
      for (guint c = 0; c < n_cols; c++)
        json_builder_add_string_value (b, kiln_column_get_name (kiln_frame_get_column (frame, c)));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "rows");
      json_builder_begin_array (b);
      for (guint r = 0; r < n; r++)
        {
          json_builder_begin_array (b);
          for (guint c = 0; c < n_cols; c++)
            {
              KilnColumn *col = kiln_frame_get_column (frame, c);
              guint pr = kiln_frame_get_physical_row (frame, r);
              if (kiln_column_is_missing (col, pr))
                json_builder_add_null_value (b);
              else if (kiln_column_get_column_type (col) == KILN_COLUMN_NUMERIC)
                {
                  double v = kiln_column_get_double (col, pr);
                  if (isfinite (v))
                    json_builder_add_double_value (b, v);
                  else
                    json_builder_add_null_value (b);
                }
              else if (kiln_column_get_column_type (col) == KILN_COLUMN_BOOLEAN)
                json_builder_add_boolean_value (b, kiln_column_get_boolean (col, pr));
              else
                {
                  g_autofree char *cell = kiln_column_format_cell (col, pr);
                  json_builder_add_string_value (b, cell);
                }
            }
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      kiln_cli_print_json (root);
    }
  else
    {
      g_autoptr(GString) line = g_string_new (NULL);
      for (guint c = 0; c < n_cols; c++)
        {
          if (c)
            g_string_append_c (line, ',');
          kiln_csv_append_field (line, kiln_column_get_name (kiln_frame_get_column (frame, c)));
        }
      puts (line->str);
      for (guint r = 0; r < n; r++)
        {
          g_string_truncate (line, 0);
          for (guint c = 0; c < n_cols; c++)
            {
              g_autofree char *cell = kiln_frame_format_cell (frame, c, r);
              if (c)
                g_string_append_c (line, ',');
              kiln_csv_append_field (line, cell);
            }
          puts (line->str);
        }
    }
  return KILN_CLI_EXIT_OK;
}
