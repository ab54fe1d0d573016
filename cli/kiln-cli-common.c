/* kiln-cli-common.c: import overrides, loading and output shared by the subcommands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-cli.h"
#include "kiln-json-text.h"

void
kiln_cli_error (const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "kiln-cli: %s\n", msg);
}

void
kiln_cli_import_add_entries (GOptionGroup  *group,
                             KilnCliImport *import)
{
  const GOptionEntry entries[] = {
    { "encoding", 0, 0, G_OPTION_ARG_STRING, &import->encoding,
      N_("Text encoding of the file (default: detect), e.g. UTF-8, CP949"), N_("NAME") },
    { "delimiter", 0, 0, G_OPTION_ARG_STRING, &import->delimiter,
      N_("Field delimiter: , ; tab | (default: detect)"), N_("CHAR") },
    { "decimal", 0, 0, G_OPTION_ARG_STRING, &import->decimal,
      N_("Decimal separator: . or , (default: detect)"), N_("CHAR") },
    { "no-header", 0, 0, G_OPTION_ARG_NONE, &import->no_header,
      N_("The first row is data, not column names"), NULL },
    { "na", 0, 0, G_OPTION_ARG_STRING_ARRAY, &import->na,
      N_("A missing-value marker (repeatable or comma-separated; default: empty, NA, N/A, NaN, null, ?)"),
      N_("TEXT") },
    { "skip-bad-rows", 0, 0, G_OPTION_ARG_NONE, &import->skip_bad_rows,
      N_("Skip rows with the wrong number of fields instead of failing"), NULL },
    { NULL }
  };

  g_option_group_add_entries (group, entries);
}

static gboolean
parse_split_by_time (const char  *name,
                     const char  *value,
                     gpointer     data,
                     GError     **error)
{
  KilnPrepSettings *prep = data;

  g_free (prep->split_by);
  prep->split_by = g_strdup (value != NULL ? value : "");
  return TRUE;
}

void
kiln_cli_split_add_entries (GOptionGroup *group)
{
  const GOptionEntry entries[] = {
    { "split-by-time", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_split_by_time,
      N_("Split by time instead of at random: the latest rows are the test rows, the ones just "
         "before them the validation rows (no shuffling, no stratification), in the order of the "
         "date COLUMN (--split-by-time=COLUMN; rows without a date count as the earliest) or, "
         "without one, of the file; cross-validation then uses forward-chaining folds"),
      N_("COLUMN") },
    { NULL }
  };

  g_option_group_add_entries (group, entries);
}

static gboolean
parse_char (const char *value, const char *what, const char *allowed, char *out, GError **error)
{
  if (value == NULL)
    {
      *out = 0;
      return TRUE;
    }
  if (g_ascii_strcasecmp (value, "tab") == 0 || strcmp (value, "\\t") == 0)
    value = "\t";
  else if (g_ascii_strcasecmp (value, "comma") == 0)
    value = ",";
  else if (g_ascii_strcasecmp (value, "semicolon") == 0)
    value = ";";
  else if (g_ascii_strcasecmp (value, "dot") == 0)
    value = ".";
  if (strlen (value) != 1 || strchr (allowed, value[0]) == NULL)
    {
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPTIONS,
                   _("%s “%s” is not one of the supported ones"), what, value);
      return FALSE;
    }
  *out = value[0];
  return TRUE;
}

gboolean
kiln_cli_import_to_options (KilnCliImport   *import,
                            KilnCsvOptions  *options,
                            GError         **error)
{
  kiln_csv_options_init (options);
  if (import->encoding)
    options->encoding = g_strdup (import->encoding);
  if (!parse_char (import->delimiter, _("Delimiter"), ",;\t|", &options->delimiter, error) ||
      !parse_char (import->decimal, _("Decimal separator"), ".,", &options->decimal, error))
    return FALSE;
  options->header = import->no_header ? 0 : -1;
  options->skip_bad_rows = import->skip_bad_rows;
  if (import->na)
    {
      GPtrArray *na = g_ptr_array_new ();
      for (guint i = 0; import->na[i]; i++)
        {
          g_auto(GStrv) parts = g_strsplit (import->na[i], ",", -1);
          for (guint j = 0; parts[j]; j++)
            g_ptr_array_add (na, g_strdup (parts[j]));
        }
      g_ptr_array_add (na, NULL);
      options->na_values = (char **) g_ptr_array_free (na, FALSE);
    }
  return TRUE;
}

void
kiln_cli_import_clear (KilnCliImport *import)
{
  g_clear_pointer (&import->encoding, g_free);
  g_clear_pointer (&import->delimiter, g_free);
  g_clear_pointer (&import->decimal, g_free);
  g_clear_pointer (&import->na, g_strfreev);
}

KilnFrame *
kiln_cli_load (const char    *path,
               KilnCliImport *import,
               KilnCsvInfo   *info)
{
  KilnCsvOptions options;
  g_autoptr(GError) error = NULL;
  KilnFrame *frame;

  if (!kiln_cli_import_to_options (import, &options, &error))
    {
      /* a bad override is bad usage, whatever the command */
      kiln_cli_error ("%s", error->message);
      kiln_csv_options_clear (&options);
      exit (KILN_CLI_EXIT_USAGE);
    }
  frame = kiln_csv_read (path, &options, NULL, NULL, NULL, info, &error);
  kiln_csv_options_clear (&options);
  if (frame == NULL)
    kiln_cli_error ("%s", error->message);
  return frame;
}

/* TRUE when @a and @b name the same file (or would: the same canonical path). */
gboolean
kiln_cli_same_file (const char *a,
                    const char *b)
{
  GStatBuf sa, sb;
  g_autofree char *ca = NULL, *cb = NULL;

  if (g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  ca = g_canonicalize_filename (a, NULL);
  cb = g_canonicalize_filename (b, NULL);
  return g_strcmp0 (ca, cb) == 0;
}

gboolean
kiln_cli_parse (GOptionContext *context,
                int            *argc,
                char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      kiln_cli_error ("%s", error->message);
      fprintf (stderr, "%s\n", _("Run with --help for the options."));
      return FALSE;
    }
  return TRUE;
}

void
kiln_cli_print_json (JsonNode *node)
{
  g_autofree char *text = kiln_json_to_data (node, FALSE, NULL);

  fputs (text, stdout);
  fputc ('\n', stdout);
}
