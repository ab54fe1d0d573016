/* kiln-cli-predict.c: `kiln-cli predict MODEL.kiln DATA.csv [--out PRED.csv]`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The output holds DATA.csv's columns, then "prediction", then (classification) one "p_<class>"
 * column per class. Probabilities are written with the shortest text that reads back to the same
 * double, so the file carries the model's exact output.
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "kiln-bundle.h"
#include "kiln-cli.h"

/* A GOutputStream over stdout (gio-unix is not among the CLI's dependencies), so a large
 * prediction file streams out instead of being built in memory first. */
#define KILN_TYPE_STDOUT_STREAM (kiln_stdout_stream_get_type ())
G_DECLARE_FINAL_TYPE (KilnStdoutStream, kiln_stdout_stream, KILN, STDOUT_STREAM, GOutputStream)

struct _KilnStdoutStream {
  GOutputStream parent_instance;
};

G_DEFINE_FINAL_TYPE (KilnStdoutStream, kiln_stdout_stream, G_TYPE_OUTPUT_STREAM)

static gssize
kiln_stdout_stream_write (GOutputStream  *stream,
                          const void     *buffer,
                          gsize           count,
                          GCancellable   *cancellable,
                          GError        **error)
{
  gsize n = fwrite (buffer, 1, count, stdout);

  if (n == 0 && count > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Cannot write the predictions to standard output"));
      return -1;
    }
  return (gssize) n;
}

static gboolean
kiln_stdout_stream_flush (GOutputStream  *stream,
                          GCancellable   *cancellable,
                          GError        **error)
{
  if (fflush (stdout) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Cannot write the predictions to standard output"));
      return FALSE;
    }
  return TRUE;
}

static void
kiln_stdout_stream_class_init (KilnStdoutStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = kiln_stdout_stream_write;
  stream_class->flush = kiln_stdout_stream_flush;
}

static void
kiln_stdout_stream_init (KilnStdoutStream *self)
{
}

static gboolean
write_stdout (KilnFrame *frame, GError **error)
{
  g_autoptr(GOutputStream) out = g_object_new (KILN_TYPE_STDOUT_STREAM, NULL);

  return kiln_csv_write_to_stream (frame, out, NULL, error) &&
         g_output_stream_close (out, NULL, error);
}

int
kiln_cli_predict (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL.kiln DATA.csv"));
  GOptionGroup *group = g_option_group_new ("predict", NULL, NULL, NULL, NULL);
  KilnCliImport import = { 0 };
  g_autofree char *out = NULL;
  const GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out,
      N_("Write the predictions here (default: standard output)"), N_("PRED.csv") },
    { NULL }
  };
  g_autoptr(KilnBundle) bundle = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnFrame) predicted = NULL;
  g_autoptr(GError) error = NULL;
  int status = KILN_CLI_EXIT_USAGE;

  g_option_context_set_summary (context, _("Predicts every row of a CSV with a saved model."));
  g_option_group_add_entries (group, entries);
  kiln_cli_import_add_entries (group, &import);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    goto done;
  if (argc != 3)
    {
      kiln_cli_error (_("predict takes a model bundle and a CSV file"));
      goto done;
    }

  status = KILN_CLI_EXIT_ERROR;
  bundle = kiln_bundle_load (argv[1], NULL, &error);
  if (bundle == NULL)
    {
      kiln_cli_error ("%s", error->message);
      goto done;
    }
  frame = kiln_cli_load (argv[2], &import, NULL);
  if (frame == NULL)
    goto done;
  predicted = kiln_bundle_predict_frame (bundle, frame, &error);
  if (predicted == NULL)
    {
      g_autofree char *display = g_filename_display_name (argv[2]);
      kiln_cli_error ("%s: %s", display, error->message);
      goto done;
    }
  if (out ? !kiln_csv_write (predicted, out, &error) : !write_stdout (predicted, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto done;
    }
  status = KILN_CLI_EXIT_OK;

done:
  kiln_cli_import_clear (&import);
  return status;
}
