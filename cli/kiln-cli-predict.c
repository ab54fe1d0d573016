/* kiln-cli-predict.c: `kiln-cli predict MODEL.kiln DATA.csv [--out PRED.csv]`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The output holds DATA.csv's columns, then "prediction", then (classification) one "p_<class>"
 * column per class. DATA.csv is read, predicted and written a piece at a time (kiln_csv_stream), so
 * a file larger than memory streams through. Probabilities are written with the shortest text that reads back to the same
 * double, so the file carries the model's exact output.
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "kiln-atomic-file.h"
#include "kiln-bundle.h"
#include "kiln-cli.h"

/* Rows predicted at a time: a few megabytes of memory whatever the file's size. */
#define PIECE_ROWS 65536

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

/* A failed write, naming PRED.csv (the stream's own messages name its temporary file, or none) */
static void
write_error (const char *out, const GError *error)
{
  if (out != NULL)
    {
      g_autofree char *display = g_filename_display_name (out);
      kiln_cli_error (_("Cannot write “%s”: %s"), display, error->message);
    }
  else
    kiln_cli_error ("%s", error->message);
}

int
kiln_cli_predict (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL.kiln DATA.csv"));
  GOptionGroup *group = g_option_group_new ("predict", NULL, NULL, NULL, NULL);
  KilnCliImport import = { 0 };
  KilnCsvOptions options;
  g_autofree char *out = NULL;
  const GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out,
      N_("Write the predictions here (default: standard output)"), N_("PRED.csv") },
    { NULL }
  };
  g_autoptr(KilnBundle) bundle = NULL;
  g_autoptr(KilnCsvStream) stream = NULL;
  g_autoptr(GOutputStream) sink = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *display = NULL;
  KilnFrame *piece;
  gboolean first = TRUE;
  int status = KILN_CLI_EXIT_USAGE;

  kiln_csv_options_init (&options);
  g_option_context_set_summary (context, _("Predicts every row of a CSV with a saved model. The file "
                                           "is read and written a piece at a time, so it may be "
                                           "larger than memory."));
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
  if (!kiln_cli_import_to_options (&import, &options, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto done;
    }
  if (out != NULL && (kiln_cli_same_file (out, argv[2]) || kiln_cli_same_file (out, argv[1])))
    {
      kiln_cli_error (_("--out “%s” is the input file; Kiln never writes over its input"), out);
      goto done;
    }

  status = KILN_CLI_EXIT_ERROR;
  display = g_filename_display_name (argv[2]);
  bundle = kiln_bundle_load (argv[1], NULL, &error);
  if (bundle == NULL)
    {
      kiln_cli_error ("%s", error->message);
      goto done;
    }
  stream = kiln_csv_stream_open (argv[2], &options, NULL, &error);
  if (stream == NULL)
    {
      kiln_cli_error ("%s", error->message);
      goto done;
    }
  if (out != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (out);
      /* a temporary file beside the target, renamed over it when everything is written */
      sink = kiln_atomic_file_create (file, NULL, &error);
      if (sink == NULL)
        {
          write_error (out, error);
          goto done;
        }
    }
  else
    sink = g_object_new (KILN_TYPE_STDOUT_STREAM, NULL);

  while ((piece = kiln_csv_stream_next (stream, PIECE_ROWS, &error)) != NULL)
    {
      g_autoptr(KilnFrame) predicted = kiln_bundle_predict_frame (bundle, piece, &error);

      kiln_frame_unref (piece);
      if (predicted == NULL)
        {
          kiln_cli_error ("%s: %s", display, error->message);
          goto done;
        }
      if (!kiln_csv_write_rows (predicted, sink, first, NULL, &error))
        {
          write_error (out, error);
          goto done;
        }
      first = FALSE;
    }
  if (error != NULL)
    {
      kiln_cli_error ("%s", error->message);
      goto done;
    }
  if (!g_output_stream_close (sink, NULL, &error))
    {
      write_error (out, error);
      goto done;
    }
  status = KILN_CLI_EXIT_OK;

done:
  if (out != NULL && sink != NULL && status != KILN_CLI_EXIT_OK)
    kiln_atomic_file_abort (sink);   /* the temporary file goes, an old PRED.csv stays */
  kiln_csv_options_clear (&options);
  kiln_cli_import_clear (&import);
  return status;
}
