/* kiln-runs-group.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-runs-group"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "kiln-format.h"
#include "kiln-model.h"
#include "kiln-page.h"
#include "kiln-run-compare.h"
#include "kiln-runs-group.h"
#include "kiln-task.h"
#include "kiln-widgets.h"

struct _KilnRunsGroup
{
  AdwPreferencesGroup parent_instance;

  KilnProject *project;
  GtkListBox  *list;
  GtkButton   *compare;
  GArray      *ticked;       /* guint run ids, in the order ticked */
  KilnRun     *removed;      /* the last deleted run, until its toast goes: for Undo */
  guint        removed_at;
  gboolean     removed_was_current;
  AdwToast    *removed_toast;
  gboolean     rebuilding;
};

G_DEFINE_FINAL_TYPE (KilnRunsGroup, kiln_runs_group, ADW_TYPE_PREFERENCES_GROUP)

double
kiln_run_get_metric (KilnRun *run, const char *name)
{
  JsonNode *metrics = kiln_bundle_get_metrics (run->result.bundle);
  JsonObject *o = metrics && JSON_NODE_HOLDS_OBJECT (metrics) ? json_node_get_object (metrics) : NULL;
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : NAN;
}

char *
kiln_run_get_title (KilnRun *run)
{
  const KilnModelClass *klass = kiln_model_lookup_class (kiln_model_get_name (run->result.model));
  const char *family = klass ? _(klass->display_name) : "?";

  if (kiln_bundle_get_task (run->result.bundle) == KILN_TASK_CLASSIFICATION)
    {
      g_autofree char *acc = kiln_format_percent (kiln_run_get_metric (run, "accuracy"));
      return g_strdup_printf (_("%s · accuracy %s"), family, acc);
    }
  else
    {
      g_autofree char *r2 = kiln_format_metric ("r2", kiln_run_get_metric (run, "r2"));
      return g_strdup_printf (_("%s · R² %s"), family, r2);
    }
}

static KilnRun *
find_run (KilnRunsGroup *self, guint id)
{
  GPtrArray *runs = self->project ? kiln_project_get_runs (self->project) : NULL;

  for (guint i = 0; runs && i < runs->len; i++)
    if (((KilnRun *) runs->pdata[i])->id == id)
      return runs->pdata[i];
  return NULL;
}

static void
toast (KilnRunsGroup *self, AdwToast *t)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), t);
  else
    {
      g_message ("%s", adw_toast_get_title (t));
      g_object_unref (t);
    }
}

static void
toast_text (KilnRunsGroup *self, const char *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 4);
  toast (self, t);
}

/* ---- The list ----------------------------------------------------------------------------- */

static void
update_compare (KilnRunsGroup *self)
{
  /* ticked runs that were deleted no longer count */
  for (guint i = self->ticked->len; i-- > 0;)
    if (find_run (self, g_array_index (self->ticked, guint, i)) == NULL)
      g_array_remove_index (self->ticked, i);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.compare", self->ticked->len == 2);
}

static void
on_tick_toggled (GtkCheckButton *check, KilnRunsGroup *self)
{
  guint id = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (check), "run-id"));

  if (self->rebuilding)
    return;
  for (guint i = 0; i < self->ticked->len; i++)
    if (g_array_index (self->ticked, guint, i) == id)
      g_array_remove_index (self->ticked, i--);
  if (gtk_check_button_get_active (check))
    g_array_append_val (self->ticked, id);
  update_compare (self);
}

static GMenuModel *
run_menu (guint id)
{
  GMenu *menu = g_menu_new ();
  GMenuItem *item;

  item = g_menu_item_new (_("Show on _Evaluate"), NULL);
  g_menu_item_set_action_and_target_value (item, "runs.show", g_variant_new_uint32 (id));
  g_menu_append_item (menu, item);
  g_object_unref (item);
  item = g_menu_item_new (_("E_xport Bundle…"), NULL);
  g_menu_item_set_action_and_target_value (item, "runs.export", g_variant_new_uint32 (id));
  g_menu_append_item (menu, item);
  g_object_unref (item);
  item = g_menu_item_new (_("_Delete"), NULL);
  g_menu_item_set_action_and_target_value (item, "runs.delete", g_variant_new_uint32 (id));
  g_menu_append_item (menu, item);
  g_object_unref (item);
  return G_MENU_MODEL (menu);
}

static void
rebuild (KilnRunsGroup *self)
{
  GPtrArray *runs = self->project ? kiln_project_get_runs (self->project) : NULL;
  KilnRun *current = self->project ? kiln_project_get_current_run (self->project) : NULL;
  GtkWidget *child;

  self->rebuilding = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; runs && i < runs->len; i++)
    {
      KilnRun *run = runs->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      GtkWidget *more = gtk_menu_button_new ();
      g_autoptr(GMenuModel) menu = run_menu (run->id);
      g_autofree char *title = kiln_run_get_title (run), *sub = NULL, *time = NULL, *seconds = NULL;
      g_autoptr(GDateTime) when = run->when ? g_date_time_new_from_iso8601 (run->when, NULL) : NULL;

      time = when ? g_date_time_format (when, "%x %X") : g_strdup ("");
      seconds = kiln_format_seconds (run->result.fit_seconds);
      sub = g_strdup_printf (run->cancelled ? _("%s · %s · cancelled, best model kept") : _("%s · %s"),
                             time, seconds);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      kiln_widgets_set_tooltip (row, _("Show this run on the Evaluate step"));

      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      kiln_widgets_set_tooltip (check, _("Tick two runs to compare them"));
      g_object_set_data (G_OBJECT (check), "run-id", GUINT_TO_POINTER (run->id));
      for (guint t = 0; t < self->ticked->len; t++)
        if (g_array_index (self->ticked, guint, t) == run->id)
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
      g_signal_connect (check, "toggled", G_CALLBACK (on_tick_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);

      if (run == current)
        {
          GtkWidget *mark = gtk_image_new_from_icon_name ("object-select-symbolic");
          kiln_widgets_set_tooltip (mark, _("Shown on the Evaluate step"));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), mark);
        }
      gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (more), "view-more-symbolic");
      gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (more), menu);
      gtk_widget_set_valign (more, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (more, "flat");
      kiln_widgets_set_tooltip (more, _("Export or delete this run"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), more);

      g_object_set_data (G_OBJECT (row), "run-id", GUINT_TO_POINTER (run->id));
      gtk_list_box_prepend (self->list, row);
    }
  self->rebuilding = FALSE;
  update_compare (self);
  gtk_widget_set_visible (GTK_WIDGET (self), runs && runs->len > 0);
}

static void
show_run (KilnRunsGroup *self, KilnRun *run)
{
  kiln_project_set_current_run (self->project, run);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.goto-page", "s", "evaluate");
}

static void
on_row_activated (GtkListBox *box, GtkListBoxRow *row, KilnRunsGroup *self)
{
  KilnRun *run = find_run (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "run-id")));

  if (run)
    show_run (self, run);
}

/* ---- Actions ------------------------------------------------------------------------------ */

static void
show_action (GtkWidget *widget, const char *name, GVariant *param)
{
  KilnRunsGroup *self = KILN_RUNS_GROUP (widget);
  KilnRun *run = find_run (self, g_variant_get_uint32 (param));

  if (run)
    show_run (self, run);
}

static void
forget_removed (KilnRunsGroup *self)
{
  g_clear_pointer (&self->removed, kiln_run_free);
  g_clear_object (&self->removed_toast);
}

static void
on_removed_toast_dismissed (AdwToast *t, KilnRunsGroup *self)
{
  if (t == self->removed_toast)
    forget_removed (self);
}

static void
undo_delete (KilnRunsGroup *self)
{
  KilnRun *run = g_steal_pointer (&self->removed);

  if (run == NULL || self->project == NULL)
    return;
  kiln_project_insert_run (self->project, run, self->removed_at);
  if (self->removed_was_current)
    kiln_project_set_current_run (self->project, run);
  g_clear_object (&self->removed_toast);
}

static void
delete_action (GtkWidget *widget, const char *name, GVariant *param)
{
  KilnRunsGroup *self = KILN_RUNS_GROUP (widget);
  KilnRun *run = find_run (self, g_variant_get_uint32 (param));
  g_autofree char *title = NULL, *text = NULL;
  AdwToast *t;

  if (run == NULL)
    return;
  title = kiln_run_get_title (run);
  forget_removed (self);
  self->removed_was_current = run == kiln_project_get_current_run (self->project);
  self->removed_at = kiln_project_remove_run (self->project, run);
  self->removed = run;
  /* Translators: a toast after a run was deleted; %s is the run's title */
  text = g_strdup_printf (_("Deleted the run “%s”"), title);
  t = adw_toast_new (text);
  adw_toast_set_button_label (t, _("_Undo"));
  adw_toast_set_timeout (t, 8);
  self->removed_toast = g_object_ref (t);
  g_signal_connect_object (t, "dismissed", G_CALLBACK (on_removed_toast_dismissed), self, 0);
  /* the toast lives in the window's overlay, outside this group: a signal, not an action */
  g_signal_connect_object (t, "button-clicked", G_CALLBACK (undo_delete), self, G_CONNECT_SWAPPED);
  toast (self, t);
}

typedef struct {
  KilnBundle *bundle;
  char       *path;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  kiln_bundle_unref (job->bundle);
  g_free (job->path);
  g_free (job);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ExportJob *job = data;
  GError *error = NULL;

  if (kiln_bundle_save (job->bundle, job->path, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
exported (GObject *source, GAsyncResult *result, gpointer data)
{
  KilnRunsGroup *self = KILN_RUNS_GROUP (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (kiln_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *base = g_path_get_basename (job->path);
      g_autofree char *text = g_strdup_printf (_("Saved %s"), base);
      toast_text (self, text);
    }
  else
    toast_text (self, error->message);
}

static void
on_export_response (GtkNativeDialog *dialog, int response, KilnRunsGroup *self)
{
  KilnRun *run = find_run (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "run-id")));

  if (response == GTK_RESPONSE_ACCEPT && run != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GTask) task = NULL;
      ExportJob *job;

      if (path == NULL || g_strcmp0 (path, kiln_project_get_source (self->project)) == 0)
        {
          toast_text (self, _("Kiln never writes over the data it read; choose another file"));
          g_object_unref (dialog);
          return;
        }
      job = g_new0 (ExportJob, 1);
      job->bundle = kiln_bundle_ref (run->result.bundle);
      job->path = g_steal_pointer (&path);
      task = g_task_new (self, NULL, exported, NULL);
      g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
      kiln_task_run_in_thread (task, export_thread);
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  KilnRunsGroup *self = KILN_RUNS_GROUP (widget);
  KilnRun *run = find_run (self, g_variant_get_uint32 (param));
  GtkWidget *window = gtk_widget_get_ancestor (widget, GTK_TYPE_WINDOW);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter;
  g_autofree char *suggested = NULL;

  if (run == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Export the Run’s Bundle"), GTK_WINDOW (window),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Kiln bundle"));
  gtk_file_filter_add_pattern (filter, "*.kiln");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  suggested = g_strdup_printf ("%s-run-%u.kiln", kiln_model_get_name (run->result.model), run->id);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  kiln_page_set_save_folder (widget, GTK_FILE_CHOOSER (dialog));
  g_object_set_data (G_OBJECT (dialog), "run-id", GUINT_TO_POINTER (run->id));
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
compare_action (GtkWidget *widget, const char *name, GVariant *param)
{
  KilnRunsGroup *self = KILN_RUNS_GROUP (widget);
  KilnRun *a, *b;
  GtkWidget *window;

  update_compare (self);
  if (self->ticked->len != 2)
    return;
  a = find_run (self, g_array_index (self->ticked, guint, 0));
  b = find_run (self, g_array_index (self->ticked, guint, 1));
  window = kiln_run_compare_new (GTK_WINDOW (gtk_widget_get_ancestor (widget, GTK_TYPE_WINDOW)),
                                 self->project, a->id < b->id ? a : b, a->id < b->id ? b : a);
  gtk_window_present (GTK_WINDOW (window));
}

/* ---- GObject ------------------------------------------------------------------------------ */

void
kiln_runs_group_set_project (KilnRunsGroup *self, KilnProject *project)
{
  g_return_if_fail (KILN_IS_RUNS_GROUP (self));

  if (self->project)
    g_signal_handlers_disconnect_by_data (self->project, self);
  forget_removed (self);
  g_array_set_size (self->ticked, 0);
  g_set_object (&self->project, project);
  if (project)
    {
      g_signal_connect_object (project, "runs-changed", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (project, "result-changed", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
    }
  rebuild (self);
}

static void
kiln_runs_group_dispose (GObject *object)
{
  KilnRunsGroup *self = KILN_RUNS_GROUP (object);

  forget_removed (self);
  if (self->project)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_clear_object (&self->project);
  G_OBJECT_CLASS (kiln_runs_group_parent_class)->dispose (object);
}

static void
kiln_runs_group_finalize (GObject *object)
{
  KilnRunsGroup *self = KILN_RUNS_GROUP (object);

  g_array_unref (self->ticked);
  G_OBJECT_CLASS (kiln_runs_group_parent_class)->finalize (object);
}

static void
kiln_runs_group_class_init (KilnRunsGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_runs_group_dispose;
  object_class->finalize = kiln_runs_group_finalize;
  gtk_widget_class_install_action (widget_class, "runs.show", "u", show_action);
  gtk_widget_class_install_action (widget_class, "runs.export", "u", export_action);
  gtk_widget_class_install_action (widget_class, "runs.delete", "u", delete_action);
  gtk_widget_class_install_action (widget_class, "runs.compare", NULL, compare_action);
}

static void
kiln_runs_group_init (KilnRunsGroup *self)
{
  self->ticked = g_array_new (FALSE, FALSE, sizeof (guint));
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Runs"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         _("Newest first, scored on the test rows. Tick two to compare them."));
  self->compare = GTK_BUTTON (gtk_button_new_with_mnemonic (_("Co_mpare")));
  gtk_widget_set_valign (GTK_WIDGET (self->compare), GTK_ALIGN_CENTER);
  kiln_widgets_set_tooltip (GTK_WIDGET (self->compare), _("Show the two ticked runs side by side"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->compare), "runs.compare");
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->compare));
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  g_signal_connect (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->list));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
kiln_runs_group_new (void)
{
  return g_object_new (KILN_TYPE_RUNS_GROUP, NULL);
}
