/* kiln-export-predict.c: the Export step's "Predict a File" group.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One worker function serves both passes: it streams the CSV through kiln_csv_stream (the reader
 * `kiln-cli predict` uses), predicts each piece with the bundle (its recipe converts the raw
 * values by the one conversion rule, kiln-conform), keeps the first rows for the table, and, when
 * saving, writes every predicted piece to a temporary file beside the target that replaces it
 * only when all went well (kiln-atomic-file). Memory stays at a piece or two whatever the file's
 * size. The worker publishes its progress under a lock; the UI reads it ten times a second and
 * never waits for the worker. Answers of an earlier run (the model changed meanwhile, or a new
 * file was chosen) are dropped by their serial number.
 *
 * Errors name the line and the column: the CSV reader's own errors do already; a value the model
 * cannot read (a word in a numeric column) is found again in the failing piece with the same
 * conversion (kiln_conform_text) to learn its row, and the row's line is the piece's first line
 * plus the rows and quoted line breaks before it.
 */
#define G_LOG_DOMAIN "kiln-export-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "kiln-atomic-file.h"
#include "kiln-conform.h"
#include "kiln-csv.h"
#include "kiln-data-table.h"
#include "kiln-export-predict.h"
#include "kiln-format.h"
#include "kiln-page.h"
#include "kiln-task.h"
#include "kiln-tsan.h"
#include "kiln-widgets.h"

/* Rows read and predicted at a time: a few megabytes, and Cancel answers within a piece. */
#define PIECE_ROWS 16384
#define PREVIEW_ROWS KILN_EXPORT_PREDICT_PREVIEW_ROWS

typedef struct {
  guint         serial;
  KilnBundle   *bundle;
  char         *input;
  char         *output;       /* NULL: only the preview */
  GCancellable *cancellable;
  gint64        started;      /* monotonic µs */

  GMutex        lock;         /* guards fraction and rows while the worker runs */
  double        fraction;
  guint64       rows;

  /* the worker's results, read once the task returns */
  KilnFrame    *preview;
  guint64       n_rows;
  guint         n_classes;    /* classification: rows per predicted class */
  guint64      *class_rows;
  double        sum, min, max;   /* regression: of the predicted values */
} Job;

struct _KilnExportPredict
{
  AdwPreferencesGroup parent_instance;

  KilnBundle     *bundle;
  char           *source;       /* the training data: never written over */
  char           *input;        /* the file predicted last */
  guint           serial;
  Job            *job;          /* the running job (the task owns it) */
  guint           poll_id;
  gboolean        busy;
  gboolean        input_ok;     /* the last prediction of @input went through */
  guint64         n_rows;
  KilnFrame      *preview;
  char           *error;

  AdwActionRow   *open_row;
  AdwActionRow   *progress_row;
  GtkWidget      *progress_bar;
  AdwActionRow   *status_row;
  GtkWidget      *status_icon;
  GtkWidget      *table_box;
  GtkWidget      *table;
  GtkWidget      *table_note;
};

G_DEFINE_FINAL_TYPE (KilnExportPredict, kiln_export_predict, ADW_TYPE_PREFERENCES_GROUP)

static void
job_free (gpointer data)
{
  Job *job = data;

  kiln_bundle_unref (job->bundle);
  g_free (job->input);
  g_free (job->output);
  g_clear_object (&job->cancellable);
  g_mutex_clear (&job->lock);
  g_clear_pointer (&job->preview, kiln_frame_unref);
  g_free (job->class_rows);
  g_free (job);
}

static void
toast (KilnExportPredict *self, const char *message)
{
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (self), KILN_TYPE_PAGE);

  if (page != NULL)
    kiln_page_toast (KILN_PAGE (page), message);
}

/* ---- The worker ----------------------------------------------------------------------------- */

/* Quoted line breaks in the cells of rows 0 .. @row - 1 of @piece (only text cells hold any). */
static guint64
line_breaks_before (KilnFrame *piece, guint row)
{
  guint64 n = 0;

  for (guint c = 0; c < kiln_frame_get_n_columns (piece); c++)
    {
      KilnColumn *column = kiln_frame_get_column (piece, c);

      if (!kiln_column_is_coded (column))
        continue;
      for (guint r = 0; r < row; r++)
        {
          const char *s = kiln_frame_get_string (piece, c, r);

          for (; s != NULL && (s = strchr (s, '\n')) != NULL; s++)
            n++;
        }
    }
  return n;
}

/* The error of predicting @piece (whose rows begin on line @first_line, after @rows_before rows
 * of the file) with the line and column of the value at fault when there is one: the first
 * value, column by column in the model's order as the recipe converts them, that the one
 * conversion rule refuses. Takes @error. */
static GError *
locate_error (KilnBundle *bundle,
              KilnFrame  *piece,
              const char *display,
              guint64     first_line,
              guint64     rows_before,
              GError     *error)
{
  guint n_inputs = 0, n_rows = kiln_frame_get_n_rows (piece);
  const KilnRecipeColumn *inputs = kiln_bundle_get_input_columns (bundle, &n_inputs);
  GError *located;

  for (guint i = 0; i < n_inputs; i++)
    {
      int c = kiln_frame_find_column (piece, inputs[i].name);
      KilnColumn *column = c >= 0 ? kiln_frame_get_column (piece, (guint) c) : NULL;

      if (column == NULL
          || !kiln_conform_needed (kiln_column_get_column_type (column), inputs[i].type))
        continue;
      for (guint r = 0; r < n_rows; r++)
        {
          g_autofree char *text = kiln_frame_format_cell (piece, (guint) c, r);
          g_autoptr(GError) local = NULL;
          KilnValue value;

          if (text == NULL
              || kiln_conform_text (text, inputs[i].type, inputs[i].name,
                                    (guint) MIN (rows_before + r + 1, G_MAXUINT), &value, &local))
            continue;
          guint64 line = first_line + r + line_breaks_before (piece, r);

          /* TRANSLATORS: "new.csv, line 18, column 3: Column “age”, row 17: “abc” is not a
           * number" */
          located = g_error_new (error->domain, error->code, _("%s, line %llu, column %d: %s"),
                                 display, (unsigned long long) line, c + 1, local->message);
          g_error_free (error);
          return located;
        }
    }
  located = g_error_new (error->domain, error->code, "%s: %s", display, error->message);
  g_error_free (error);
  return located;
}

/* The first rows of @predicted for the table: the prediction columns first, then the input's. */
static KilnFrame *
make_preview (KilnFrame *predicted, guint n_input_columns)
{
  guint n_cols = kiln_frame_get_n_columns (predicted);
  guint n = MIN (kiln_frame_get_n_rows (predicted), PREVIEW_ROWS);
  g_autofree guint *order = g_new (guint, n_cols);
  g_autofree guint32 *rows = g_new (guint32, MAX (n, 1));
  g_autoptr(KilnFrame) reordered = NULL;
  g_autoptr(KilnFrame) view = NULL;
  guint k = 0;

  for (guint c = n_input_columns; c < n_cols; c++)
    order[k++] = c;
  for (guint c = 0; c < n_input_columns; c++)
    order[k++] = c;
  for (guint r = 0; r < n; r++)
    rows[r] = r;
  reordered = kiln_frame_select_columns (predicted, order, n_cols);
  view = kiln_frame_new_view (reordered, rows, n);
  return kiln_frame_materialize (view);
}

/* Adds the predictions of @predicted to the job's summary of the whole file. */
static void
summarize (Job *job, KilnFrame *predicted)
{
  int c = kiln_frame_find_column (predicted, "prediction");
  guint n = kiln_frame_get_n_rows (predicted);

  g_assert (c >= 0);
  for (guint r = 0; r < n; r++)
    if (job->class_rows != NULL)
      {
        gint32 code = kiln_frame_get_code (predicted, (guint) c, r);
        if (code >= 0 && (guint) code < job->n_classes)
          job->class_rows[code]++;
      }
    else
      {
        double v = kiln_frame_get_double (predicted, (guint) c, r);
        job->sum += v;
        job->min = MIN (job->min, v);
        job->max = MAX (job->max, v);
      }
}

static void
set_progress (Job *job, double fraction, guint64 rows)
{
  g_mutex_lock (&job->lock);
  KILN_TSAN_ACQUIRE (&job->lock);
  job->fraction = fraction;
  job->rows = rows;
  KILN_TSAN_RELEASE (&job->lock);
  g_mutex_unlock (&job->lock);
}

static void
predict_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  g_autoptr(KilnCsvStream) stream = NULL;
  g_autoptr(GOutputStream) sink = NULL;
  g_autofree char *display = g_filename_display_basename (job->input);
  GError *error = NULL;
  guint64 rows = 0;
  gboolean first = TRUE;

  stream = kiln_csv_stream_open (job->input, NULL, cancellable, &error);
  if (stream == NULL)
    goto fail;
  if (job->output != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (job->output);

      sink = kiln_atomic_file_create (file, cancellable, &error);
      if (sink == NULL)
        goto fail;
    }

  for (;;)
    {
      guint64 line = kiln_csv_stream_get_line (stream);
      g_autoptr(KilnFrame) piece = kiln_csv_stream_next (stream, PIECE_ROWS, &error);
      g_autoptr(KilnFrame) predicted = NULL;

      if (piece == NULL)
        break;
      predicted = kiln_bundle_predict_frame (job->bundle, piece, &error);
      if (predicted == NULL)
        {
          error = locate_error (job->bundle, piece, display, line, rows, error);
          goto fail;
        }
      if (job->preview == NULL)
        job->preview = make_preview (predicted, kiln_frame_get_n_columns (piece));
      summarize (job, predicted);
      if (sink != NULL && !kiln_csv_write_rows (predicted, sink, first, cancellable, &error))
        goto fail;
      first = FALSE;
      rows += kiln_frame_get_n_rows (piece);
      set_progress (job, kiln_csv_stream_get_fraction (stream), rows);
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        goto fail;
    }
  if (error != NULL)
    goto fail;
  if (sink != NULL && !g_output_stream_close (sink, cancellable, &error))
    goto fail;
  job->n_rows = rows;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  if (sink != NULL)
    kiln_atomic_file_abort (sink);   /* the temporary file goes; an old file stays */
  job->n_rows = rows;
  g_task_return_error (task, error);
}

/* ---- The UI --------------------------------------------------------------------------------- */

static void
update_actions (KilnExportPredict *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "predict.open", self->bundle != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "predict.save",
                                 self->bundle != NULL && self->input != NULL && self->input_ok &&
                                 !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "predict.cancel", self->busy);
}

static void
set_status (KilnExportPredict *self, const char *icon, const char *title, const char *text)
{
  gtk_image_set_from_icon_name (GTK_IMAGE (self->status_icon), icon);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), title);
  adw_action_row_set_subtitle (self->status_row, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_row), TRUE);
}

static void
stop_polling (KilnExportPredict *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
}

/* Stops a running job (its answer will be dropped) and forgets the last prediction. */
static void
reset (KilnExportPredict *self)
{
  self->serial++;
  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
  self->job = NULL;
  stop_polling (self);
  self->busy = FALSE;
  self->input_ok = FALSE;
  self->n_rows = 0;
  g_clear_pointer (&self->input, g_free);
  g_clear_pointer (&self->preview, kiln_frame_unref);
  g_clear_pointer (&self->error, g_free);
  kiln_data_table_set_frame (KILN_DATA_TABLE (self->table), NULL);
  gtk_widget_set_visible (self->table_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->status_row), FALSE);
  adw_action_row_set_subtitle (self->open_row,
                               _("A CSV with the columns the model was trained on; the target "
                                 "may be absent"));
  update_actions (self);
}

static gboolean
poll_progress (gpointer data)
{
  KilnExportPredict *self = data;
  g_autofree char *count = NULL, *text = NULL;
  double fraction;
  guint64 rows;

  if (self->job == NULL)
    {
      self->poll_id = 0;
      return G_SOURCE_REMOVE;
    }
  g_mutex_lock (&self->job->lock);
  KILN_TSAN_ACQUIRE (&self->job->lock);
  fraction = self->job->fraction;
  rows = self->job->rows;
  KILN_TSAN_RELEASE (&self->job->lock);
  g_mutex_unlock (&self->job->lock);

  count = kiln_format_count (rows);
  /* TRANSLATORS: the progress bar's text, "120,000 rows" */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s row", "%s rows",
                                       (gulong) MIN (rows, G_MAXULONG)),
                          count);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), fraction);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), text);
  return G_SOURCE_CONTINUE;
}

/* What the whole file was predicted as: each class's share, or the values' mean and range. */
static char *
describe_summary (KilnExportPredict *self, Job *job)
{
  GString *out = g_string_new (NULL);

  if (job->n_rows == 0)
    return g_string_free (out, FALSE);
  if (job->class_rows != NULL)
    {
      const char * const *classes = kiln_bundle_get_classes (self->bundle, NULL);

      for (guint k = 0; k < job->n_classes; k++)
        {
          g_autofree char *share = kiln_format_percent ((double) job->class_rows[k] /
                                                        (double) job->n_rows);
          if (k > 0)
            g_string_append (out, " · ");
          g_string_append_printf (out, "%s %s", classes[k], share);
        }
    }
  else
    {
      g_autofree char *mean = kiln_format_value (job->sum / (double) job->n_rows);
      g_autofree char *lo = kiln_format_value (job->min);
      g_autofree char *hi = kiln_format_value (job->max);

      /* TRANSLATORS: predicted values, "Mean 4,201, from 2,712 to 6,307" */
      g_string_append_printf (out, _("Mean %s, from %s to %s"), mean, lo, hi);
    }
  return g_string_free (out, FALSE);
}

static void
show_preview (KilnExportPredict *self, const char *name, double seconds, const char *summary)
{
  g_autofree char *count = kiln_format_count (self->n_rows);
  g_autofree char *time = kiln_format_seconds (seconds);
  g_autofree char *subtitle = NULL, *note = NULL;
  guint shown = self->preview ? kiln_frame_get_n_rows (self->preview) : 0;

  /* TRANSLATORS: "new.csv: 3,000,000 rows predicted in 4.2 s" */
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %s row predicted in %s",
                                           "%s: %s rows predicted in %s",
                                           (gulong) MIN (self->n_rows, G_MAXULONG)),
                              name, count, time);
  adw_action_row_set_subtitle (self->open_row, subtitle);
  set_status (self, "emblem-ok-symbolic", _("Predicted, every row"), summary);

  if (shown < self->n_rows)
    {
      g_autofree char *first = kiln_format_count (shown);
      g_autofree char *rest = kiln_format_count (self->n_rows - shown);
      /* TRANSLATORS: "The first 1,000 rows are shown; 2,999,000 more are counted, not kept. Save
       * Predictions writes every row." */
      note = g_strdup_printf (_("The first %s rows are shown; %s more were predicted and counted, "
                                "not kept. Save Predictions writes every row."), first, rest);
    }
  else
    note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "All %s row, with its prediction first.",
                                         "All %s rows, with their predictions first.",
                                         (gulong) MIN (self->n_rows, G_MAXULONG)),
                            count);
  gtk_label_set_text (GTK_LABEL (self->table_note), note);
  kiln_data_table_set_frame (KILN_DATA_TABLE (self->table), self->preview);
  gtk_widget_set_visible (self->table_box, self->preview != NULL);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KilnExportPredict *self = KILN_EXPORT_PREDICT (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL, *count = NULL, *text = NULL;
  double seconds;
  gboolean saving;

  kiln_task_propagate_boolean (G_TASK (result), &error);
  if (job->serial != self->serial)
    return;
  self->job = NULL;
  self->busy = FALSE;
  stop_polling (self);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_row), FALSE);
  seconds = (double) (g_get_monotonic_time () - job->started) / G_USEC_PER_SEC;
  saving = job->output != NULL;
  count = kiln_format_count (job->n_rows);

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (saving)
        {
          name = g_filename_display_basename (job->output);
          /* TRANSLATORS: "Cancelled after 120,000 rows; predictions.csv was not written" */
          text = g_strdup_printf (_("Cancelled after %s rows; %s was not written"), count, name);
        }
      else
        text = g_strdup_printf (_("Cancelled after %s rows"), count);
      set_status (self, "process-stop-symbolic", _("Cancelled"), text);
      if (!saving)
        self->input_ok = FALSE;
    }
  else if (error != NULL)
    {
      g_free (self->error);
      self->error = g_strdup (error->message);
      set_status (self, "dialog-error-symbolic",
                  saving ? _("The predictions were not saved")
                         : _("Kiln could not predict this file"),
                  error->message);
      if (!saving)
        {
          self->input_ok = FALSE;
          gtk_widget_set_visible (self->table_box, FALSE);
        }
    }
  else if (saving)
    {
      name = g_filename_display_basename (job->output);
      /* TRANSLATORS: "Saved 3,000,000 rows to predictions.csv" */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saved %s row to %s",
                                           "Saved %s rows to %s",
                                           (gulong) MIN (job->n_rows, G_MAXULONG)),
                              count, name);
      set_status (self, "emblem-ok-symbolic", _("Saved"), text);
      toast (self, text);
    }
  else
    {
      g_autofree char *summary = describe_summary (self, job);

      self->n_rows = job->n_rows;
      g_clear_pointer (&self->preview, kiln_frame_unref);
      self->preview = g_steal_pointer (&job->preview);
      self->input_ok = TRUE;
      name = g_filename_display_basename (job->input);
      show_preview (self, name, seconds, summary);
    }
  update_actions (self);
}

static void
start (KilnExportPredict *self, const char *output)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  self->serial++;
  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
  g_clear_pointer (&self->error, g_free);

  job = g_new0 (Job, 1);
  job->serial = self->serial;
  job->bundle = kiln_bundle_ref (self->bundle);
  job->input = g_strdup (self->input);
  job->output = g_strdup (output);
  job->cancellable = g_cancellable_new ();
  job->started = g_get_monotonic_time ();
  g_mutex_init (&job->lock);
  if (kiln_bundle_get_task (self->bundle) == KILN_TASK_CLASSIFICATION)
    {
      kiln_bundle_get_classes (self->bundle, &job->n_classes);
      job->class_rows = g_new0 (guint64, MAX (job->n_classes, 1));
    }
  job->min = INFINITY;
  job->max = -INFINITY;
  self->job = job;
  self->busy = TRUE;

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), 0.0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), NULL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->progress_row),
                                 output ? _("Saving the predictions…") : _("Predicting…"));
  gtk_widget_set_visible (GTK_WIDGET (self->progress_row), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->status_row), FALSE);
  if (self->poll_id == 0)
    self->poll_id = g_timeout_add (100, poll_progress, self);
  update_actions (self);

  task = g_task_new (self, job->cancellable, on_done, NULL);
  g_task_set_task_data (task, job, job_free);
  kiln_task_run_in_thread (task, predict_thread);
}

void
kiln_export_predict_set_bundle (KilnExportPredict *self,
                                KilnBundle        *bundle,
                                const char        *source)
{
  g_return_if_fail (KILN_IS_EXPORT_PREDICT (self));

  if (bundle != NULL)
    kiln_bundle_ref (bundle);
  g_clear_pointer (&self->bundle, kiln_bundle_unref);
  self->bundle = bundle;
  g_free (self->source);
  self->source = g_strdup (source);
  reset (self);
}

void
kiln_export_predict_open (KilnExportPredict *self,
                          GFile             *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (KILN_IS_EXPORT_PREDICT (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->bundle == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      toast (self, _("Kiln can only predict local files"));
      return;
    }
  reset (self);
  self->input = g_steal_pointer (&path);
  start (self, NULL);
}

static gboolean
same_file (const char *a, const char *b)
{
  g_autoptr(GFile) fa = NULL, fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  fa = g_file_new_for_path (a);
  fb = g_file_new_for_path (b);
  return g_file_equal (fa, fb);
}

void
kiln_export_predict_save_to (KilnExportPredict *self,
                             GFile             *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (KILN_IS_EXPORT_PREDICT (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->bundle == NULL || self->input == NULL || self->busy)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      toast (self, _("Predictions can only be saved to local files"));
      return;
    }
  if (same_file (path, self->input) || same_file (path, self->source))
    {
      toast (self, _("Kiln never writes over the data it read; choose another file"));
      return;
    }
  start (self, path);
}

void
kiln_export_predict_cancel (KilnExportPredict *self)
{
  g_return_if_fail (KILN_IS_EXPORT_PREDICT (self));

  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
}

gboolean
kiln_export_predict_is_busy (KilnExportPredict *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_PREDICT (self), FALSE);
  return self->busy;
}

guint64
kiln_export_predict_get_n_rows (KilnExportPredict *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_PREDICT (self), 0);
  return self->n_rows;
}

KilnFrame *
kiln_export_predict_get_preview (KilnExportPredict *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_PREDICT (self), NULL);
  return self->preview;
}

const char *
kiln_export_predict_get_error (KilnExportPredict *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_PREDICT (self), NULL);
  return self->error;
}

/* ---- Actions -------------------------------------------------------------------------------- */

static GtkFileChooserNative *
chooser (KilnExportPredict    *self,
         const char           *title,
         GtkFileChooserAction  action,
         const char           *accept)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_WINDOW);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (window), action, accept, _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_filter_add_pattern (filter, "*.CSV");
  gtk_file_filter_add_pattern (filter, "*.tsv");
  gtk_file_filter_add_pattern (filter, "*.txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  kiln_page_set_save_folder (GTK_WIDGET (self), GTK_FILE_CHOOSER (dialog));
  return dialog;
}

static void
on_open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      kiln_export_predict_open (KILN_EXPORT_PREDICT (user_data), file);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnExportPredict *self = KILN_EXPORT_PREDICT (widget);
  GtkFileChooserNative *dialog;

  if (self->bundle == NULL)
    return;
  dialog = chooser (self, _("Predict a File"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Predict"));
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      kiln_export_predict_save_to (KILN_EXPORT_PREDICT (user_data), file);
    }
  g_object_unref (dialog);
}

static void
save_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnExportPredict *self = KILN_EXPORT_PREDICT (widget);
  GtkFileChooserNative *dialog;
  g_autofree char *base = NULL, *name = NULL;
  char *dot;

  if (self->input == NULL || self->busy)
    return;
  base = g_path_get_basename (self->input);
  if ((dot = strrchr (base, '.')) != NULL)
    *dot = '\0';
  name = g_strconcat (base, "-predictions.csv", NULL);
  dialog = chooser (self, _("Save Predictions"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
cancel_action (GtkWidget *widget, const char *action, GVariant *param)
{
  kiln_export_predict_cancel (KILN_EXPORT_PREDICT (widget));
}

static void
kiln_export_predict_dispose (GObject *object)
{
  KilnExportPredict *self = KILN_EXPORT_PREDICT (object);

  self->serial++;
  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
  self->job = NULL;
  stop_polling (self);
  g_clear_pointer (&self->bundle, kiln_bundle_unref);
  g_clear_pointer (&self->preview, kiln_frame_unref);
  G_OBJECT_CLASS (kiln_export_predict_parent_class)->dispose (object);
}

static void
kiln_export_predict_finalize (GObject *object)
{
  KilnExportPredict *self = KILN_EXPORT_PREDICT (object);

  g_free (self->source);
  g_free (self->input);
  g_free (self->error);
  G_OBJECT_CLASS (kiln_export_predict_parent_class)->finalize (object);
}

static void
kiln_export_predict_class_init (KilnExportPredictClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_export_predict_dispose;
  object_class->finalize = kiln_export_predict_finalize;
  gtk_widget_class_install_action (widget_class, "predict.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "predict.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "predict.cancel", NULL, cancel_action);
}

static GtkWidget *
row_button (AdwActionRow *row, const char *label, const char *action)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  adw_action_row_add_suffix (row, button);
  return button;
}

static void
kiln_export_predict_init (KilnExportPredict *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (self);
  GtkWidget *button, *frame, *header;

  adw_preferences_group_set_title (group, _("Predict a File"));
  adw_preferences_group_set_description (group,
    _("Kiln reads a new CSV with the model’s recipe a piece at a time, so the file may be "
      "larger than memory, and puts each row’s prediction beside it."));

  self->open_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->open_row), _("New data (.csv)"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->open_row), FALSE);
  button = row_button (self->open_row, _("_Predict a File…"), "predict.open");
  adw_action_row_set_activatable_widget (self->open_row, button);
  adw_preferences_group_add (group, GTK_WIDGET (self->open_row));

  self->progress_row = ADW_ACTION_ROW (adw_action_row_new ());
  self->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (self->progress_bar), TRUE);
  gtk_widget_set_hexpand (self->progress_bar, TRUE);
  gtk_widget_set_valign (self->progress_bar, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (self->progress_row, self->progress_bar);
  row_button (self->progress_row, _("_Cancel"), "predict.cancel");
  adw_preferences_group_add (group, GTK_WIDGET (self->progress_row));

  self->status_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_action_row_set_subtitle_lines (self->status_row, 0);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->status_row), FALSE);
  self->status_icon = gtk_image_new ();
  adw_action_row_add_prefix (self->status_row, self->status_icon);
  adw_preferences_group_add (group, GTK_WIDGET (self->status_row));

  /* the first rows with their predictions */
  self->table_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (self->table_box, 12);
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->table_note = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->table_note), 0);
  gtk_label_set_wrap (GTK_LABEL (self->table_note), TRUE);
  gtk_widget_set_hexpand (self->table_note, TRUE);
  gtk_widget_add_css_class (self->table_note, "dim-label");
  gtk_box_append (GTK_BOX (header), self->table_note);
  /* every row with its prediction (and each class's probability), as kiln-cli predict writes */
  button = gtk_button_new_with_mnemonic (_("Save Pre_dictions…"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "predict.save");
  kiln_widgets_set_tooltip (button, _("Every row of the file with its prediction and, for "
                                         "classes, their probabilities"));
  gtk_box_append (GTK_BOX (header), button);
  gtk_box_append (GTK_BOX (self->table_box), header);
  self->table = kiln_data_table_new ();
  gtk_widget_set_size_request (self->table, -1, 320);
  frame = gtk_frame_new (NULL);
  gtk_frame_set_child (GTK_FRAME (frame), self->table);
  gtk_box_append (GTK_BOX (self->table_box), frame);
  adw_preferences_group_add (group, self->table_box);

  reset (self);
}

GtkWidget *
kiln_export_predict_new (void)
{
  return g_object_new (KILN_TYPE_EXPORT_PREDICT, NULL);
}
