/* kiln-export-onnx.c: the Export step's ONNX group.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Building a large forest's graph takes a while, so the export runs on a worker thread (a GTask
 * holding a reference to the immutable bundle). Then two checks: Kiln reads the file it wrote
 * back and checks its structure (kiln_onnx_model_load()), and, when /usr/bin/python3 has the
 * onnx module, onnx.checker.check_model(full_check=True) runs in a subprocess, which also
 * checks every operator against its schema. Results of an earlier export (the model changed
 * meanwhile) are dropped by their serial number.
 */
#define G_LOG_DOMAIN "kiln-export-page"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "kiln-export-onnx.h"
#include "kiln-page.h"
#ifdef KILN_HAVE_ONNX
#include "kiln-onnx.h"
#include "kiln-task.h"
#endif

#define PYTHON "/usr/bin/python3"

struct _KilnExportOnnx
{
  AdwPreferencesGroup parent_instance;

  KilnBundle     *bundle;
  char           *source;
  guint           serial;        /* of the current export; older answers are dropped */
  gboolean        busy;
  GCancellable   *cancellable;   /* the running export and check */

  AdwActionRow   *export_row;
  GtkWidget      *export_button;
  AdwActionRow   *check_row;
  GtkWidget      *check_icon;
  AdwExpanderRow *inputs_row;
  AdwExpanderRow *outputs_row;
  GPtrArray      *value_rows;    /* rows inside the two expanders */
  GtkWidget      *snippet_box;
  GtkTextBuffer  *snippet;
  char           *snippet_text;
  char           *kiln_check;    /* what Kiln's own check said */
};

G_DEFINE_FINAL_TYPE (KilnExportOnnx, kiln_export_onnx, ADW_TYPE_PREFERENCES_GROUP)

static void
toast (KilnExportOnnx *self, const char *message)
{
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (self), KILN_TYPE_PAGE);

  if (page != NULL)
    kiln_page_toast (KILN_PAGE (page), message);
}

static void
set_check (KilnExportOnnx *self, const char *icon, const char *text)
{
  gtk_image_set_from_icon_name (GTK_IMAGE (self->check_icon), icon);
  adw_action_row_set_subtitle (self->check_row, text);
  gtk_widget_set_visible (GTK_WIDGET (self->check_row), TRUE);
}

static void
clear_values (KilnExportOnnx *self)
{
  for (guint i = 0; i < self->value_rows->len; i++)
    {
      GtkWidget *row = self->value_rows->pdata[i];
      GtkWidget *expander = gtk_widget_get_ancestor (row, ADW_TYPE_EXPANDER_ROW);

      if (expander != NULL)
        adw_expander_row_remove (ADW_EXPANDER_ROW (expander), row);
    }
  g_ptr_array_set_size (self->value_rows, 0);
}

static void
update_actions (KilnExportOnnx *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "onnx.export", self->bundle != NULL && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "onnx.copy-snippet", self->snippet_text != NULL);
}

static void
reset (KilnExportOnnx *self)
{
  self->serial++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->busy = FALSE;
  clear_values (self);
  g_clear_pointer (&self->snippet_text, g_free);
  g_clear_pointer (&self->kiln_check, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->check_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->inputs_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->outputs_row), FALSE);
  gtk_widget_set_visible (self->snippet_box, FALSE);
  update_actions (self);
}

void
kiln_export_onnx_set_bundle (KilnExportOnnx *self,
                             KilnBundle     *bundle,
                             const char     *source)
{
  g_return_if_fail (KILN_IS_EXPORT_ONNX (self));

  if (bundle != NULL)
    kiln_bundle_ref (bundle);
  g_clear_pointer (&self->bundle, kiln_bundle_unref);
  self->bundle = bundle;
  g_free (self->source);
  self->source = g_strdup (source);
  reset (self);
}

gboolean
kiln_export_onnx_is_busy (KilnExportOnnx *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_ONNX (self), FALSE);
  return self->busy;
}

const char *
kiln_export_onnx_get_snippet (KilnExportOnnx *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_ONNX (self), NULL);
  return self->snippet_text;
}

#ifdef KILN_HAVE_ONNX

typedef struct {
  KilnExportOnnx *self;     /* a reference */
  guint           serial;
  KilnBundle     *bundle;
  char           *path;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_object_unref (job->self);
  kiln_bundle_unref (job->bundle);
  g_free (job->path);
  g_free (job);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  GError *error = NULL;
  KilnOnnxModel *model = kiln_onnx_model_new_from_bundle (job->bundle, &error);

  if (model != NULL && !kiln_onnx_model_save (model, job->path, cancellable, &error))
    g_clear_pointer (&model, kiln_onnx_model_free);
  if (model == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, model, (GDestroyNotify) kiln_onnx_model_free);
}

static void
add_values (KilnExportOnnx *self, AdwExpanderRow *expander, const KilnOnnxValue *values, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *type = kiln_onnx_value_describe (&values[i]);
      GtkWidget *label = gtk_label_new (type);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), values[i].name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_add_css_class (label, "monospace");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_expander_row_add_row (expander, row);
      g_ptr_array_add (self->value_rows, row);
    }
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  KilnExportOnnx *self = job->self;
  GSubprocess *proc = G_SUBPROCESS (source);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *icon = "emblem-ok-symbolic";

  g_subprocess_communicate_utf8_finish (proc, result, &out, &err, &error);
  if (job->serial != self->serial)
    {
      job_free (job);
      return;
    }
  if (error != NULL)
    {
      icon = "dialog-warning-symbolic";
      /* TRANSLATORS: "<Kiln's check>; onnx.checker did not run: <reason>" */
      text = g_strdup_printf (_("%s; onnx.checker did not run: %s"), self->kiln_check, error->message);
    }
  else if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    /* TRANSLATORS: "<Kiln's check>; onnx.checker 1.12.0 (full check): passed" */
    text = g_strdup_printf (_("%s; onnx.checker %s (full check): passed"), self->kiln_check,
                            g_strstrip (out));
  else if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 3)
    text = g_strdup_printf (_("%s; onnx.checker not run: python3-onnx is not installed"),
                            self->kiln_check);
  else
    {
      g_auto(GStrv) lines = g_strsplit (g_strstrip (err), "\n", -1);
      guint n = g_strv_length (lines);

      icon = "dialog-error-symbolic";
      text = g_strdup_printf (_("onnx.checker found a problem: %s"), n > 0 ? lines[n - 1] : "");
    }
  set_check (self, icon, text);
  self->busy = FALSE;
  update_actions (self);
  job_free (job);
}

/* onnx.checker in a subprocess: exit 0 and the onnx version, 3 without the module, else a
 * traceback whose last line says what is wrong. */
static gboolean
start_checker (KilnExportOnnx *self, Job *job)
{
  static const char script[] =
    "import sys\n"
    "try:\n"
    "    import onnx\n"
    "except ImportError:\n"
    "    sys.exit(3)\n"
    "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)\n"
    "print(onnx.__version__)\n";
  g_autoptr(GSubprocess) proc = NULL;

  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           NULL, PYTHON, "-c", script, job->path, NULL);
  if (proc == NULL)
    return FALSE;
  g_subprocess_communicate_utf8_async (proc, NULL, self->cancellable, on_checked, job);
  return TRUE;
}

static void
on_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KilnExportOnnx *self = KILN_EXPORT_ONNX (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  KilnOnnxModel *model = kiln_task_propagate_pointer (G_TASK (result), &error);
  const KilnOnnxValue *values;
  guint n_inputs, n_outputs;
  g_autofree char *name = NULL, *opsets = NULL, *subtitle = NULL, *msg = NULL;
  g_autofree char *size = NULL;
  Job *check;

  if (job->serial != self->serial)
    {
      g_clear_pointer (&model, kiln_onnx_model_free);
      return;
    }
  if (model == NULL)
    {
      self->busy = FALSE;
      update_actions (self);
      set_check (self, "dialog-error-symbolic", error->message);
      toast (self, error->message);
      return;
    }

  name = g_path_get_basename (job->path);
  opsets = kiln_onnx_model_describe_opsets (model);
  size = g_format_size (g_bytes_get_size (kiln_onnx_model_get_bytes (model)));
  /* TRANSLATORS: "Read back: a well-formed graph of 42 nodes (ai.onnx 17, ai.onnx.ml 3)" */
  self->kiln_check = g_strdup_printf (_("Read back: a well-formed graph of %u nodes (%s)"),
                                      kiln_onnx_model_get_n_nodes (model), opsets);

  values = kiln_onnx_model_get_inputs (model, &n_inputs);
  clear_values (self);
  add_values (self, self->inputs_row, values, n_inputs);
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u raw column, by name",
                                           "%u raw columns, by name", n_inputs), n_inputs);
  adw_expander_row_set_subtitle (self->inputs_row, subtitle);
  g_clear_pointer (&subtitle, g_free);
  values = kiln_onnx_model_get_outputs (model, &n_outputs);
  add_values (self, self->outputs_row, values, n_outputs);
  subtitle = g_strdup_printf (_("%s; N is the number of rows"),
                              kiln_bundle_get_task (job->bundle) == KILN_TASK_CLASSIFICATION
                              ? _("The class names and their probabilities")
                              : _("The predicted value"));
  adw_expander_row_set_subtitle (self->outputs_row, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->inputs_row), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->outputs_row), TRUE);

  self->snippet_text = kiln_onnx_python_snippet (job->bundle, job->path);
  gtk_text_buffer_set_text (self->snippet, self->snippet_text, -1);
  update_actions (self);
  gtk_widget_set_visible (self->snippet_box, TRUE);

  /* TRANSLATORS: "Saved model.onnx (12.3 kB)" */
  msg = g_strdup_printf (_("Saved %s (%s)"), name, size);
  toast (self, msg);
  kiln_onnx_model_free (model);

  check = g_new0 (Job, 1);
  check->self = g_object_ref (self);
  check->serial = job->serial;
  check->bundle = kiln_bundle_ref (job->bundle);
  check->path = g_strdup (job->path);
  if (start_checker (self, check))
    set_check (self, "content-loading-symbolic", self->kiln_check);
  else
    {
      g_autofree char *text = g_strdup_printf (_("%s; onnx.checker not run: %s is not there"),
                                               self->kiln_check, PYTHON);
      set_check (self, "emblem-ok-symbolic", text);
      self->busy = FALSE;
      update_actions (self);
      job_free (check);
    }
}

void
kiln_export_onnx_export_to (KilnExportOnnx *self,
                            GFile          *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  Job *job;

  g_return_if_fail (KILN_IS_EXPORT_ONNX (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->bundle == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      toast (self, _("ONNX models can only be saved to local files"));
      return;
    }
  if (self->source != NULL && g_strcmp0 (path, self->source) == 0)
    {
      toast (self, _("Kiln never writes over the data it read; choose another file"));
      return;
    }
  reset (self);
  self->busy = TRUE;
  self->cancellable = g_cancellable_new ();
  update_actions (self);
  set_check (self, "content-loading-symbolic", _("Writing the graph…"));

  job = g_new0 (Job, 1);
  job->self = g_object_ref (self);
  job->serial = self->serial;
  job->bundle = kiln_bundle_ref (self->bundle);
  job->path = g_steal_pointer (&path);
  task = g_task_new (self, self->cancellable, on_exported, NULL);
  g_task_set_task_data (task, job, job_free);
  kiln_task_run_in_thread (task, export_thread);
}

#else

void
kiln_export_onnx_export_to (KilnExportOnnx *self,
                            GFile          *file)
{
  g_return_if_fail (KILN_IS_EXPORT_ONNX (self));
  toast (self, _("This Kiln was built without ONNX export"));
}

#endif

static void
on_save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  KilnExportOnnx *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      kiln_export_onnx_export_to (self, file);
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnExportOnnx *self = KILN_EXPORT_ONNX (widget);
  GtkWidget *window = gtk_widget_get_ancestor (widget, GTK_TYPE_WINDOW);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();
  g_autofree char *base = self->source ? g_path_get_basename (self->source) : g_strdup ("model");
  g_autofree char *name = NULL;
  char *dot = strrchr (base, '.');

  if (self->bundle == NULL || self->busy)
    return;
  if (dot != NULL)
    *dot = '\0';
  name = g_strconcat (base, ".onnx", NULL);
  dialog = gtk_file_chooser_native_new (_("Export ONNX Model"), GTK_WINDOW (window),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("ONNX models"));
  gtk_file_filter_add_pattern (filter, "*.onnx");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  kiln_page_set_save_folder (widget, GTK_FILE_CHOOSER (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
copy_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnExportOnnx *self = KILN_EXPORT_ONNX (widget);

  if (self->snippet_text == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->snippet_text);
  toast (self, _("Copied the snippet"));
}

static void
kiln_export_onnx_dispose (GObject *object)
{
  KilnExportOnnx *self = KILN_EXPORT_ONNX (object);

  self->serial++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->bundle, kiln_bundle_unref);
  G_OBJECT_CLASS (kiln_export_onnx_parent_class)->dispose (object);
}

static void
kiln_export_onnx_finalize (GObject *object)
{
  KilnExportOnnx *self = KILN_EXPORT_ONNX (object);

  g_ptr_array_unref (self->value_rows);
  g_free (self->source);
  g_free (self->snippet_text);
  g_free (self->kiln_check);
  G_OBJECT_CLASS (kiln_export_onnx_parent_class)->finalize (object);
}

static void
kiln_export_onnx_class_init (KilnExportOnnxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_export_onnx_dispose;
  object_class->finalize = kiln_export_onnx_finalize;
  gtk_widget_class_install_action (widget_class, "onnx.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "onnx.copy-snippet", NULL, copy_action);
}

static void
kiln_export_onnx_init (KilnExportOnnx *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (self);
  GtkWidget *view, *frame, *scroll, *header, *title, *copy;

  self->value_rows = g_ptr_array_new ();
  adw_preferences_group_set_title (group, _("ONNX"));
  adw_preferences_group_set_description (group,
    _("The recipe and the model in one graph, for ONNX Runtime and other ONNX tools. It takes "
      "the raw columns by name, like the CSV."));

  self->export_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->export_row), _("ONNX model (.onnx)"));
  adw_action_row_set_subtitle (self->export_row,
                               _("Numbers as doubles (NaN where missing), categories as text "
                                 "(empty where missing)"));
  self->export_button = gtk_button_new_with_mnemonic (_("E_xport ONNX…"));
  gtk_widget_set_valign (self->export_button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->export_button), "onnx.export");
  adw_action_row_add_suffix (self->export_row, self->export_button);
  adw_action_row_set_activatable_widget (self->export_row, self->export_button);
  adw_preferences_group_add (group, GTK_WIDGET (self->export_row));

  self->check_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->check_row), _("Check"));
  adw_action_row_set_subtitle_lines (self->check_row, 0);
  self->check_icon = gtk_image_new ();
  adw_action_row_add_prefix (self->check_row, self->check_icon);
  adw_preferences_group_add (group, GTK_WIDGET (self->check_row));

  self->inputs_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->inputs_row), _("Inputs"));
  adw_preferences_group_add (group, GTK_WIDGET (self->inputs_row));
  self->outputs_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->outputs_row), _("Outputs"));
  adw_expander_row_set_expanded (self->outputs_row, TRUE);
  adw_preferences_group_add (group, GTK_WIDGET (self->outputs_row));

  /* the snippet: a header with a copy button over a monospace view */
  self->snippet_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (self->snippet_box, 12);
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  title = gtk_label_new (_("Run it with ONNX Runtime (Python)"));
  gtk_widget_set_hexpand (title, TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  copy = gtk_button_new_with_mnemonic (_("C_opy"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), "onnx.copy-snippet");
  gtk_box_append (GTK_BOX (header), title);
  gtk_box_append (GTK_BOX (header), copy);
  gtk_box_append (GTK_BOX (self->snippet_box), header);
  self->snippet = gtk_text_buffer_new (NULL);
  view = gtk_text_view_new_with_buffer (self->snippet);
  g_object_unref (self->snippet);   /* the view holds it */
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), view);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_NEVER);
  frame = gtk_frame_new (NULL);
  gtk_frame_set_child (GTK_FRAME (frame), scroll);
  gtk_box_append (GTK_BOX (self->snippet_box), frame);
  adw_preferences_group_add (group, self->snippet_box);

  reset (self);
}

GtkWidget *
kiln_export_onnx_new (void)
{
  return g_object_new (KILN_TYPE_EXPORT_ONNX, NULL);
}
