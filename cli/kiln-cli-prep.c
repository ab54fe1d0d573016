/* kiln-cli-prep.c: `kiln-cli prep`, the preprocessing recipe on a CSV.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Applies only the steps the flags ask for (`train` adds DESIGN.md's defaults), prints what each
 * step did, and with --out writes the prepared table as CSV (atomically, never over the input).
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "kiln-cli.h"
#include "kiln-prep-settings.h"
#include "kiln-recipe.h"

static void
add_counts (JsonBuilder *b, const char *name, KilnPrepReport *report, KilnStepKind kind)
{
  g_autoptr(GHashTable) per_column = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();

  kiln_prep_report_total (report, kind, &per_column);
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  /* in the order the steps reported them (column order) */
  for (guint e = 0; e < report->entries->len; e++)
    {
      KilnPrepEntry *entry = report->entries->pdata[e];
      if (entry->kind != kind)
        continue;
      for (guint i = 0; i < entry->counts->len; i++)
        {
          const char *col = g_array_index (entry->counts, KilnPrepCount, i).column;
          gboolean done = FALSE;
          for (guint j = 0; j < seen->len && !done; j++)
            done = strcmp (seen->pdata[j], col) == 0;
          if (done)
            continue;
          g_ptr_array_add (seen, (gpointer) col);
          json_builder_set_member_name (b, col);
          json_builder_add_int_value (b, GPOINTER_TO_UINT (g_hash_table_lookup (per_column, col)));
        }
    }
  json_builder_end_object (b);
}

int
kiln_cli_prep (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("DATA.csv"));
  KilnPrepSettings prep;
  GOptionGroup *group = g_option_group_new ("prep", NULL, NULL, &prep, NULL);
  KilnCliImport import = { 0 };
  g_autofree char *target = NULL;
  g_autofree char *task_name = NULL;
  g_autofree char *out = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "target", 0, 0, G_OPTION_ARG_STRING, &target,
      N_("The column to predict: never a feature, rows without it are removed"), N_("COLUMN") },
    { "task", 0, 0, G_OPTION_ARG_STRING, &task_name,
      N_("classification or regression (default: from the target's type)"), N_("TASK") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("Write the prepared table to this CSV file"), N_("CLEAN.csv") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnFrame) prepared = NULL;
  g_autoptr(KilnRecipe) recipe = NULL;
  g_autoptr(KilnPrepReport) report = kiln_prep_report_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  double t_read, t_prep, t_write = 0;
  int status = KILN_CLI_EXIT_OK;

  g_option_context_set_summary (context, _("Cleans a CSV with the steps the flags ask for: "
                                           "duplicates, outliers, missing values, encoding, "
                                           "scaling."));
  kiln_prep_settings_init_empty (&prep);
  g_option_group_add_entries (group, entries);
  kiln_prep_settings_add_entries (group);
  kiln_cli_import_add_entries (group, &import);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    {
      status = KILN_CLI_EXIT_USAGE;
      goto out;
    }
  if (argc != 2)
    {
      kiln_cli_error (_("prep takes one CSV file"));
      status = KILN_CLI_EXIT_USAGE;
      goto out;
    }
  if (out && kiln_cli_same_file (out, argv[1]))
    {
      kiln_cli_error (_("--out “%s” is the input file; Kiln never writes over its input"), out);
      status = KILN_CLI_EXIT_USAGE;
      goto out;
    }

  recipe = kiln_prep_settings_to_recipe (&prep, target, FALSE, FALSE, &error);
  if (recipe == NULL)
    {
      kiln_cli_error ("%s", error->message);
      status = KILN_CLI_EXIT_USAGE;
      goto out;
    }
  if (task_name)
    {
      if (g_strcmp0 (task_name, "classification") == 0)
        kiln_recipe_set_task (recipe, KILN_TASK_CLASSIFICATION);
      else if (g_strcmp0 (task_name, "regression") == 0)
        kiln_recipe_set_task (recipe, KILN_TASK_REGRESSION);
      else
        {
          kiln_cli_error (_("--task “%s” is not one of: classification, regression"), task_name);
          status = KILN_CLI_EXIT_USAGE;
          goto out;
        }
      if (target == NULL)
        {
          kiln_cli_error (_("--task needs --target"));
          status = KILN_CLI_EXIT_USAGE;
          goto out;
        }
    }

  frame = kiln_cli_load (argv[1], &import, NULL);
  if (frame == NULL)
    {
      status = KILN_CLI_EXIT_ERROR;
      goto out;
    }
  t_read = g_timer_elapsed (timer, NULL);

  prepared = kiln_recipe_fit_apply (recipe, frame, report, &error);
  if (prepared == NULL)
    {
      kiln_cli_error ("%s: %s", argv[1], error->message);
      status = KILN_CLI_EXIT_ERROR;
      goto out;
    }
  t_prep = g_timer_elapsed (timer, NULL) - t_read;

  if (out)
    {
      if (!kiln_csv_write (prepared, out, &error))
        {
          kiln_cli_error ("%s", error->message);
          status = KILN_CLI_EXIT_ERROR;
          goto out;
        }
      t_write = g_timer_elapsed (timer, NULL) - t_read - t_prep;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(JsonNode) report_json = kiln_prep_report_to_json (report);
      guint n_cols = kiln_frame_get_n_columns (prepared);
      guint n_features = 0;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rows_in");
      json_builder_add_int_value (b, kiln_frame_get_n_rows (frame));
      json_builder_set_member_name (b, "rows_out");
      json_builder_add_int_value (b, kiln_frame_get_n_rows (prepared));
      json_builder_set_member_name (b, "duplicates");
      json_builder_add_int_value (b, kiln_prep_report_total (report, KILN_STEP_DEDUPE, NULL));
      add_counts (b, "outliers", report, KILN_STEP_IQR);
      add_counts (b, "imputed", report, KILN_STEP_IMPUTE);
      json_builder_set_member_name (b, "columns_in");
      json_builder_add_int_value (b, kiln_frame_get_n_columns (frame));
      json_builder_set_member_name (b, "columns_out");
      json_builder_add_int_value (b, n_cols);
      json_builder_set_member_name (b, "columns");
      json_builder_begin_array (b);
      for (guint c = 0; c < n_cols; c++)
        json_builder_add_string_value (b, kiln_column_get_name (kiln_frame_get_column (prepared, c)));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "features");
      kiln_recipe_get_feature_names (recipe, &n_features);
      json_builder_add_int_value (b, n_features);
      json_builder_set_member_name (b, "steps");
      json_builder_add_value (b, json_node_copy (json_object_get_member (
                                   json_node_get_object (report_json), "entries")));
      json_builder_set_member_name (b, "recipe");
      json_builder_add_value (b, kiln_recipe_to_json (recipe));
      json_builder_set_member_name (b, "seconds");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "read");
      json_builder_add_double_value (b, t_read);
      json_builder_set_member_name (b, "prep");
      json_builder_add_double_value (b, t_prep);
      json_builder_set_member_name (b, "write");
      json_builder_add_double_value (b, t_write);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "memory");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "frame_in");
      json_builder_add_int_value (b, (gint64) kiln_frame_get_memory_size (frame));
      json_builder_set_member_name (b, "frame_out");
      json_builder_add_int_value (b, (gint64) kiln_frame_get_memory_size (prepared));
      json_builder_end_object (b);
      if (out)
        {
          json_builder_set_member_name (b, "out");
          json_builder_add_string_value (b, out);
        }
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      kiln_cli_print_json (root);
    }
  else
    {
      for (guint e = 0; e < report->entries->len; e++)
        {
          KilnPrepEntry *entry = report->entries->pdata[e];
          printf ("%s\n", entry->description);
          for (guint i = 0; i < entry->counts->len; i++)
            {
              KilnPrepCount *pc = &g_array_index (entry->counts, KilnPrepCount, i);
              printf ("  %s: %u\n", pc->column, pc->count);
            }
        }
      printf (_("%u rows, %u columns in; %u rows, %u columns out\n"),
              kiln_frame_get_n_rows (frame), kiln_frame_get_n_columns (frame),
              kiln_frame_get_n_rows (prepared), kiln_frame_get_n_columns (prepared));
      if (out)
        printf (_("Wrote %s\n"), out);
    }

out:
  kiln_cli_import_clear (&import);
  kiln_prep_settings_clear (&prep);
  return status;
}
