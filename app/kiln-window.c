/* kiln-window.c: the main window — welcome, loading, and the five steps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-window"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-window.h"
#include "kiln-recent.h"
#include "kiln-pages.h"
#include "kiln-widgets.h"
#include "kiln-task.h"
#include "kiln-bundle.h"
#include "kiln-conform.h"
#include "kiln-csv.h"
#include "kiln-cv.h"
#include "kiln-dataset.h"
#include "kiln-model.h"
#include "kiln-onnx.h"
#include "kiln-pipeline.h"
#include "kiln-recipe.h"
#include <string.h>

struct _KilnWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  AdwHeaderBar         *header_bar;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *welcome_page;
  AdwPreferencesGroup  *examples_group;
  AdwPreferencesGroup  *recent_group;
  AdwStatusPage        *loading_page;
  GtkProgressBar       *loading_progress;
  AdwViewStack         *view_stack;

  KilnProject          *project;
  GtkWidget            *pages[KILN_N_PAGES];

  /* loading */
  GCancellable         *load_cancellable;
  guint                 load_serial;
  gint                  load_progress;   /* ten-thousandths: the reader thread's, read by a UI timer (atomic) */
  guint                 progress_source;
  GtkWidget            *recent_rows[8];

  /* closing with unsaved work */
  gboolean              close_confirmed;
  gboolean              close_after_save;
  gboolean              saving;            /* a save runs on a worker thread */

  /* a reopened project's run, scored again */
  GCancellable         *restore_cancellable;
  GCancellable         *recent_cancellable;
};

G_DEFINE_FINAL_TYPE (KilnWindow, kiln_window, ADW_TYPE_APPLICATION_WINDOW)

static const struct {
  const char *file;
  const char *title;
  const char *subtitle;
} examples[] = {
  { "iris.csv", N_("Iris flowers"), N_("150 flowers, 3 species: a first classification") },
  { "penguins.csv", N_("Palmer penguins"), N_("344 penguins, with missing values") },
  { "pima_missing.csv", N_("Pima diabetes"), N_("768 patients, gaps to fill in") },
  { "digits.csv", N_("Handwritten digits"), N_("8×8 pixel images: watch a network learn") },
};

KilnProject *
kiln_window_get_project (KilnWindow *self)
{
  g_return_val_if_fail (KILN_IS_WINDOW (self), NULL);
  return self->project;
}

void
kiln_window_toast (KilnWindow *self,
                   const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
kiln_window_show_page (KilnWindow *self,
                       const char *name)
{
  g_return_if_fail (KILN_IS_WINDOW (self));

  if (kiln_project_get_frame (self->project) == NULL)
    return;
  gtk_stack_set_visible_child_name (self->main_stack, "workspace");
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

const char *
kiln_window_get_page (KilnWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "workspace") != 0)
    return gtk_stack_get_visible_child_name (self->main_stack);
  return adw_view_stack_get_visible_child_name (self->view_stack);
}

gboolean
kiln_window_is_loading (KilnWindow *self)
{
  return self->load_cancellable != NULL;
}

gboolean
kiln_window_is_training (KilnWindow *self)
{
  g_return_val_if_fail (KILN_IS_WINDOW (self), FALSE);
  return kiln_train_page_is_running (KILN_TRAIN_PAGE (self->pages[KILN_PAGE_TRAIN]));
}

/* ---- Loading a file on a worker thread ------------------------------------------------- */

typedef struct {
  KilnWindow     *window;      /* a reference */
  char           *path;
  KilnCsvOptions  options;
  KilnCsvInfo     info;
  guint           serial;
  gint           *progress;    /* the window's load_progress */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->window);
  g_free (data->path);
  kiln_csv_options_clear (&data->options);
  kiln_csv_info_clear (&data->info);
  g_free (data);
}

static void
on_read_progress (double fraction, gpointer user_data)
{
  LoadData *data = user_data;
  /* the UI polls it from a timer; no GTK in this thread */
  g_atomic_int_set (data->progress, (gint) (CLAMP (fraction, 0.0, 1.0) * 10000.0));
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  GError *error = NULL;
  KilnFrame *frame;

  frame = kiln_csv_read (data->path, &data->options, on_read_progress, data, cancellable,
                         &data->info, &error);
  if (frame == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, frame, (GDestroyNotify) kiln_frame_unref);
}

static gboolean
update_progress (gpointer user_data)
{
  KilnWindow *self = user_data;
  double fraction = g_atomic_int_get (&self->load_progress) / 10000.0;
  g_autofree char *text = g_strdup_printf (_("%.0f %%"), fraction * 100);

  gtk_progress_bar_set_fraction (self->loading_progress, fraction);
  gtk_progress_bar_set_text (self->loading_progress, text);
  return G_SOURCE_CONTINUE;
}

static void
stop_loading (KilnWindow *self)
{
  g_clear_object (&self->load_cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-loading", FALSE);
}

static void start_loading (KilnWindow *self, const char *path, const KilnCsvOptions *options);
static void maybe_restore_run (KilnWindow *self);

static void
on_error_response (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  LoadData *data = user_data;

  if (g_strcmp0 (response, "skip") == 0)
    {
      data->options.skip_bad_rows = TRUE;
      start_loading (data->window, data->path, &data->options);
    }
  load_data_free (data);
}

static void
show_load_error (KilnWindow *self, LoadData *data, const GError *error)
{
  GtkWidget *dialog;
  g_autofree char *name = g_path_get_basename (data->path);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Could Not Read the File"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), "%s", error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  if (g_error_matches (error, KILN_CSV_ERROR, KILN_CSV_ERROR_RAGGED))
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "skip", _("_Skip Bad Rows"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "skip",
                                                  ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "skip");
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_signal_connect (dialog, "response", G_CALLBACK (on_error_response), data);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  KilnWindow *self = KILN_WINDOW (source);
  GTask *task = G_TASK (result);
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = NULL;

  if (data->serial != self->load_serial)
    return;  /* a newer load replaced this one */
  stop_loading (self);

  frame = kiln_task_propagate_pointer (task, &error);
  if (frame == NULL)
    {
      gboolean had_data = kiln_project_get_frame (self->project) != NULL;
      gtk_stack_set_visible_child_name (self->main_stack, had_data ? "workspace" : "welcome");
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* the dialog owns a copy of the request, to offer "skip bad rows" */
          LoadData *copy = g_new0 (LoadData, 1);
          copy->window = g_object_ref (self);
          copy->path = g_strdup (data->path);
          kiln_csv_options_copy (&data->options, &copy->options);
          show_load_error (self, copy, error);
        }
      return;
    }

  kiln_project_set_data (self->project, data->path, &data->options, frame);
  {
    g_autofree char *name = g_path_get_basename (data->path);
    gtk_window_set_title (GTK_WINDOW (self), name);
    adw_view_switcher_title_set_subtitle (self->switcher_title, name);
    /* off the main thread: GtkRecentManager rewrote the whole shared list on it */
    kiln_recent_add (data->path, "text/csv", NULL, NULL);
  }
  if (data->info.n_skipped_rows > 0)
    {
      g_autofree char *msg = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Skipped %u bad row",
                                                           "Skipped %u bad rows",
                                                           data->info.n_skipped_rows),
                                              data->info.n_skipped_rows);
      kiln_window_toast (self, msg);
    }
  kiln_data_page_set_info (KILN_DATA_PAGE (self->pages[KILN_PAGE_DATA]), &data->info);
  gtk_stack_set_visible_child_name (self->main_stack, "workspace");
  adw_view_stack_set_visible_child_name (self->view_stack, "data");
  maybe_restore_run (self);
}

static void
start_loading (KilnWindow *self, const char *path, const KilnCsvOptions *options)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *title = g_strdup_printf (_("Reading %s…"), name);

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  stop_loading (self);

  self->load_cancellable = g_cancellable_new ();
  g_atomic_int_set (&self->load_progress, 0);
  data = g_new0 (LoadData, 1);
  data->window = g_object_ref (self);
  data->path = g_strdup (path);
  if (options)
    kiln_csv_options_copy (options, &data->options);
  else
    kiln_csv_options_init (&data->options);
  data->serial = ++self->load_serial;
  data->progress = &self->load_progress;

  adw_status_page_set_title (self->loading_page, title);
  gtk_progress_bar_set_fraction (self->loading_progress, 0);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-loading", TRUE);
  self->progress_source = g_timeout_add (50, update_progress, self);

  task = g_task_new (self, self->load_cancellable, load_done, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_set_name (task, "kiln-load-csv");
  kiln_task_run_in_thread (task, load_thread);
}

static void
on_project_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KilnWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnProject) project = kiln_project_load_finish (result, &error);

  if (project == NULL)
    {
      kiln_window_toast (self, error->message);
      return;
    }
  kiln_window_set_project (self, project);
  if (kiln_project_get_source (project))
    start_loading (self, kiln_project_get_source (project), kiln_project_get_csv_options (project));
}

void
kiln_window_open (KilnWindow *self,
                  GFile      *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (KILN_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      kiln_window_toast (self, _("Only local files can be opened"));
      return;
    }
  if (g_str_has_suffix (path, ".kilnproj"))
    {
      /* read on a worker thread: a project keeps every run's model */
      kiln_project_load_async (file, NULL, on_project_loaded, g_object_ref (self));
      return;
    }
  start_loading (self, path, NULL);
}

void
kiln_window_reload (KilnWindow           *self,
                    const KilnCsvOptions *options)
{
  const char *source = kiln_project_get_source (self->project);

  if (source)
    start_loading (self, source, options);
}

/* ---- Projects --------------------------------------------------------------------------- */

static void
restore_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(KilnWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!kiln_project_restore_run_finish (KILN_PROJECT (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *msg = g_strdup_printf (_("The saved model could not be scored again: %s"),
                                              error->message);
      kiln_window_toast (self, msg);
    }
  if (KILN_PROJECT (source) == self->project)
    g_clear_object (&self->restore_cancellable);
}

/* A reopened project's current run has its model but not yet its scores: score it again on the
 * data as read (the same split and recipe), so Evaluate shows what it showed. */
static void
maybe_restore_run (KilnWindow *self)
{
  KilnRun *run = kiln_project_get_current_run (self->project);

  if (run == NULL || kiln_run_is_restored (run) || kiln_project_get_frame (self->project) == NULL ||
      self->restore_cancellable != NULL || self->load_cancellable != NULL)
    return;
  self->restore_cancellable = g_cancellable_new ();
  kiln_project_restore_run_async (self->project, run, self->restore_cancellable, restore_done,
                                  g_object_ref (self));
}

void
kiln_window_set_project (KilnWindow  *self,
                         KilnProject *project)
{
  if (self->restore_cancellable)
    g_cancellable_cancel (self->restore_cancellable);
  g_clear_object (&self->restore_cancellable);
  if (self->project)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_set_object (&self->project, project);
  g_signal_connect_swapped (project, "result-changed", G_CALLBACK (maybe_restore_run), self);
  g_signal_connect_swapped (project, "notify::frame", G_CALLBACK (maybe_restore_run), self);
  for (guint i = 0; i < KILN_N_PAGES; i++)
    if (self->pages[i])
      kiln_page_set_project (KILN_PAGE (self->pages[i]), project);
}

static void
on_project_saved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(KilnWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project-as", TRUE);
  if (!kiln_project_save_finish (KILN_PROJECT (source), result, &error))
    {
      self->close_after_save = FALSE;
      kiln_window_toast (self, error->message);
      return;
    }
  kiln_window_toast (self, _("Project saved"));
  if (self->close_after_save)
    {
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

/* The models are written on a worker thread; saving again meanwhile waits for this one. */
static void
save_project_to (KilnWindow *self, GFile *file)
{
  if (self->saving)
    return;
  self->saving = TRUE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project-as", FALSE);
  kiln_project_save_async (self->project, file, NULL, on_project_saved, g_object_ref (self));
}

static void
on_save_dialog_response (GtkNativeDialog *dialog,
                         int              response,
                         gpointer         user_data)
{
  KilnWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      if (!g_str_has_suffix (path, ".kilnproj"))
        {
          g_autofree char *with = g_strconcat (path, ".kilnproj", NULL);
          g_object_unref (file);
          file = g_file_new_for_path (with);
        }
      save_project_to (self, file);
    }
  else
    self->close_after_save = FALSE;
  g_object_unref (dialog);
}

static void
save_project_as (KilnWindow *self)
{
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  if (kiln_project_get_frame (self->project) == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Save Project"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  if (kiln_project_get_source (self->project))
    {
      g_autofree char *base = g_path_get_basename (kiln_project_get_source (self->project));
      char *dot = strrchr (base, '.');
      if (dot)
        *dot = '\0';
      name = g_strconcat (base, ".kilnproj", NULL);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
    }
  {
    g_autoptr(GFile) folder = kiln_project_get_save_folder (self->project);
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
  }
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_dialog_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_project_action (GtkWidget  *widget,
                     const char *action,
                     GVariant   *param)
{
  KilnWindow *self = KILN_WINDOW (widget);
  GFile *file = kiln_project_get_file (self->project);

  if (file)
    save_project_to (self, file);
  else
    save_project_as (self);
}

static void
save_project_as_action (GtkWidget  *widget,
                        const char *action,
                        GVariant   *param)
{
  save_project_as (KILN_WINDOW (widget));
}

/* ---- Opening files ---------------------------------------------------------------------- */

static void
on_open_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  KilnWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      kiln_window_open (self, file);
    }
  g_object_unref (dialog);
}

static void
show_open_dialog (KilnWindow *self, gboolean project)
{
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (project ? _("Open Project") : _("Open CSV File"),
                                        GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"), _("_Cancel"));
  if (project)
    {
      gtk_file_filter_set_name (filter, _("Kiln projects"));
      gtk_file_filter_add_pattern (filter, "*.kilnproj");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("CSV and text files"));
      gtk_file_filter_add_mime_type (filter, "text/csv");
      gtk_file_filter_add_mime_type (filter, "text/plain");
      gtk_file_filter_add_mime_type (filter, "text/tab-separated-values");
      gtk_file_filter_add_pattern (filter, "*.csv");
      gtk_file_filter_add_pattern (filter, "*.tsv");
      gtk_file_filter_add_pattern (filter, "*.txt");
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_action (GtkWidget *widget, const char *action, GVariant *param)
{
  show_open_dialog (KILN_WINDOW (widget), FALSE);
}

static void
open_project_action (GtkWidget *widget, const char *action, GVariant *param)
{
  show_open_dialog (KILN_WINDOW (widget), TRUE);
}

static void
open_example_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnWindow *self = KILN_WINDOW (widget);
  g_autofree char *dir = kiln_application_get_examples_dir ();
  g_autofree char *path = NULL;

  if (dir == NULL)
    {
      kiln_window_toast (self, _("The example files are not installed"));
      return;
    }
  path = g_build_filename (dir, g_variant_get_string (param, NULL), NULL);
  start_loading (self, path, NULL);
}

static void
open_path_action (GtkWidget *widget, const char *action, GVariant *param)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (param, NULL));
  kiln_window_open (KILN_WINDOW (widget), file);
}

static void
cancel_loading_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnWindow *self = KILN_WINDOW (widget);

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
}

static void
goto_page_action (GtkWidget *widget, const char *action, GVariant *param)
{
  kiln_window_show_page (KILN_WINDOW (widget), g_variant_get_string (param, NULL));
}

static void
set_target_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnWindow *self = KILN_WINDOW (widget);
  KilnFrame *frame = kiln_project_get_frame (self->project);
  const char *target = g_variant_get_string (param, NULL);

  if (frame == NULL || kiln_frame_find_column (frame, target) < 0)
    {
      g_autofree char *msg = g_strdup_printf (_("There is no column “%s”"), target);
      kiln_window_toast (self, msg);
      return;
    }
  kiln_project_set_target (self->project, target);
}

static void
set_model_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnWindow *self = KILN_WINDOW (widget);
  const char *name = g_variant_get_string (param, NULL);

  if (kiln_model_lookup_class (name) == NULL)
    return;
  kiln_project_set_model_name (self->project, name);
}

static void
train_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnWindow *self = KILN_WINDOW (widget);

  if (kiln_project_get_frame (self->project) == NULL)
    return;
  kiln_window_show_page (self, "train");
  gtk_widget_activate_action (self->pages[KILN_PAGE_TRAIN], "train.start", NULL);
}

static void
cancel_training_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnWindow *self = KILN_WINDOW (widget);
  gtk_widget_activate_action (self->pages[KILN_PAGE_TRAIN], "train.cancel", NULL);
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         gpointer       user_data)
{
  KilnWindow *self = user_data;
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  kiln_window_open (self, files->data);
  g_slist_free (files);
  return TRUE;
}

static void
on_recent_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = kiln_recent_list_finish (result, &error);
  KilnWindow *self;

  if (files == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No recent files: %s", error->message);
      return;
    }
  self = KILN_WINDOW (user_data);   /* alive: its dispose cancels the listing */
  for (guint i = 0; i < files->len; i++)
    {
      KilnRecentFile *file = g_ptr_array_index (files, i);
      g_autofree char *dir = g_path_get_dirname (file->path);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), file->display_name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), dir);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-path");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", file->path);
      adw_preferences_group_add (self->recent_group, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group), files->len > 0);
}

static void
fill_welcome (KilnWindow *self)
{
  static const char * const suffixes[] = { ".csv", ".tsv", ".txt", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("go-next-symbolic");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(examples[i].title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(examples[i].subtitle));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-example");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", examples[i].file);
      adw_preferences_group_add (self->examples_group, row);
    }

  /* the files opened before, newest first: read off the main thread, shown when read */
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group), FALSE);
  self->recent_cancellable = g_cancellable_new ();
  kiln_recent_list_async (suffixes, 5, self->recent_cancellable, on_recent_listed, self);
}

/* The step switchers only where there are steps: not on the welcome and loading pages, where
   their tabs would lead nowhere. The bottom bar stands in when the title is too narrow. */
static void
update_switchers (KilnWindow *self)
{
  gboolean workspace = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "workspace") == 0;

  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, workspace);
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    workspace && adw_view_switcher_title_get_title_visible (self->switcher_title));
}

static void
on_page_changed (KilnWindow *self)
{
  for (guint i = 0; i < KILN_N_PAGES; i++)
    if (self->pages[i] && gtk_widget_get_mapped (self->pages[i]))
      kiln_page_shown (KILN_PAGE (self->pages[i]));
}

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   KilnWindow       *self)
{
  if (g_strcmp0 (response, "discard") == 0)
    {
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
  else if (g_strcmp0 (response, "save") == 0)
    {
      self->close_after_save = TRUE;
      save_project_action (GTK_WIDGET (self), NULL, NULL);
    }
}

/* Asks before unsaved settings or a trained model are lost. */
static gboolean
confirm_close (KilnWindow *self)
{
  GtkWidget *dialog;
  GFile *file = kiln_project_get_file (self->project);
  g_autofree char *name = file ? g_file_get_basename (file) : NULL;

  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   name ? _("Save Changes to the Project?") : _("Save the Project?"),
                                   NULL);
  if (name)
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    _("“%s” has changes that are not saved. Without saving, they are lost."),
                                    name);
  else
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                 _("Your settings and trained models are not saved in a project. "
                                   "Without saving, they are lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static gboolean
on_close_request (GtkWindow *window)
{
  KilnWindow *self = KILN_WINDOW (window);

  if (!self->close_confirmed && kiln_project_get_frame (self->project) != NULL &&
      kiln_project_get_modified (self->project))
    return confirm_close (self);

  if (self->restore_cancellable)
    g_cancellable_cancel (self->restore_cancellable);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  for (guint i = 0; i < KILN_N_PAGES; i++)
    if (self->pages[i])
      kiln_page_closing (KILN_PAGE (self->pages[i]));
  return FALSE;
}

static void
kiln_window_dispose (GObject *object)
{
  KilnWindow *self = KILN_WINDOW (object);

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  if (self->recent_cancellable)
    g_cancellable_cancel (self->recent_cancellable);
  stop_loading (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), KILN_TYPE_WINDOW);
  G_OBJECT_CLASS (kiln_window_parent_class)->dispose (object);
}

static void
kiln_window_finalize (GObject *object)
{
  KilnWindow *self = KILN_WINDOW (object);

  if (self->project)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_clear_object (&self->restore_cancellable);
  g_clear_object (&self->recent_cancellable);
  g_clear_object (&self->project);
  G_OBJECT_CLASS (kiln_window_parent_class)->finalize (object);
}

static void
kiln_window_class_init (KilnWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = kiln_window_dispose;
  object_class->finalize = kiln_window_finalize;
  window_class->close_request = on_close_request;

  /* the core's error domains registered here, on the main thread: G_DEFINE_QUARK's first call is
   * not thread-safe, and two loads (or a load and a training) may fail at once in workers */
  (void) kiln_csv_error_quark ();
  (void) kiln_conform_error_quark ();
  (void) kiln_dataset_error_quark ();
  (void) kiln_prep_error_quark ();
  (void) kiln_model_error_quark ();
  (void) kiln_pipeline_error_quark ();
  (void) kiln_eval_error_quark ();
  (void) kiln_bundle_error_quark ();
  (void) kiln_onnx_error_quark ();

  gtk_widget_class_set_template_from_resource (widget_class, "/org/kiln/Kiln/ui/kiln-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, examples_group);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, recent_group);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, loading_progress);
  gtk_widget_class_bind_template_child (widget_class, KilnWindow, view_stack);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-project", NULL, open_project_action);
  gtk_widget_class_install_action (widget_class, "win.open-example", "s", open_example_action);
  gtk_widget_class_install_action (widget_class, "win.open-path", "s", open_path_action);
  gtk_widget_class_install_action (widget_class, "win.save-project", NULL, save_project_action);
  gtk_widget_class_install_action (widget_class, "win.save-project-as", NULL, save_project_as_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-loading", NULL, cancel_loading_action);
  gtk_widget_class_install_action (widget_class, "win.goto-page", "s", goto_page_action);
  gtk_widget_class_install_action (widget_class, "win.set-target", "s", set_target_action);
  gtk_widget_class_install_action (widget_class, "win.set-model", "s", set_model_action);
  gtk_widget_class_install_action (widget_class, "win.train", NULL, train_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-training", NULL, cancel_training_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-project", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-project", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-project-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel-loading", NULL);
  /* train from any step, wherever the focus is (the Train page also binds it for itself) */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.train", NULL);
  for (guint i = 0; i < KILN_N_PAGES; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK, "win.goto-page",
                                         "s", kiln_page_names[i]);
}

static void
kiln_window_init (KilnWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  kiln_widgets_init ();

  self->project = kiln_project_new ();
  g_signal_connect_swapped (self->project, "result-changed", G_CALLBACK (maybe_restore_run), self);
  g_signal_connect_swapped (self->project, "notify::frame", G_CALLBACK (maybe_restore_run), self);
  for (guint i = 0; i < KILN_N_PAGES; i++)
    {
      AdwViewStackPage *page;
      self->pages[i] = kiln_page_new (i, self->project);
      page = adw_view_stack_add_titled (self->view_stack, self->pages[i], kiln_page_names[i],
                                        _(kiln_page_titles[i]));
      adw_view_stack_page_set_icon_name (page, kiln_page_icons[i]);
    }
  g_signal_connect_swapped (self->view_stack, "notify::visible-child", G_CALLBACK (on_page_changed), self);
  g_signal_connect_swapped (self->main_stack, "notify::visible-child-name", G_CALLBACK (update_switchers), self);
  g_signal_connect_swapped (self->switcher_title, "notify::title-visible", G_CALLBACK (update_switchers), self);
  update_switchers (self);

  fill_welcome (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-loading", FALSE);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  if (g_strcmp0 (PACKAGE_VERSION, "") != 0 && g_str_has_suffix (APPLICATION_ID, "Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

KilnWindow *
kiln_window_new (KilnApplication *application)
{
  return g_object_new (KILN_TYPE_WINDOW, "application", application, NULL);
}
