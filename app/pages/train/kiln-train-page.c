/* kiln-train-page.c: model, options, Train and Cancel, the live loss plot and the run history.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training never blocks the main loop: the whole run (split, recipe, model, evaluation, bundle)
 * is the core's pipeline job (core/pipeline), on its worker thread; its events arrive through the
 * coalesced wake callback and are drained here with one redraw per batch. The option rows are
 * built from the model registry's option descriptions.
 */
#define G_LOG_DOMAIN "kiln-train-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "kiln-pages.h"
#include "kiln-compare-panel.h"
#include "kiln-runs-group.h"
#include "kiln-format.h"
#include "kiln-loss-plot.h"
#include "kiln-pipeline-job.h"
#include "kiln-prepare-plan.h"
#include "kiln-widgets.h"

struct _KilnTrainPage
{
  KilnPage        parent_instance;

  AdwComboRow    *model_row;
  GtkStringList  *model_names;       /* display names */
  GPtrArray      *model_ids;         /* const char*, parallel to model_names */
  AdwPreferencesGroup *options_group;
  GPtrArray      *option_rows;
  GtkButton      *train_button;
  GtkButton      *cancel_button;
  GtkButton      *compare_button;
  KilnComparePanel *compare_panel;
  GtkProgressBar *progress;
  GtkLabel       *status;
  KilnLossPlot   *plot;
  GtkToggleButton *log_toggle;
  GtkStack       *plot_stack;
  AdwStatusPage  *idle_page;
  KilnRunsGroup  *runs;

  /* the running training */
  KilnTrainRun   *run;
  guint           run_id;
  gint64          started;
  guint           best_epoch;
  gboolean        preparing;      /* the job is preparing the data: its PROGRESS is that */
  gboolean        updating;
};

G_DEFINE_FINAL_TYPE (KilnTrainPage, kiln_train_page, KILN_TYPE_PAGE)

static void set_running (KilnTrainPage *self, gboolean running);

/* ---- Options per family ---------------------------------------------------------------- */

static void
on_option_changed (GtkWidget *widget, KilnTrainPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnModelOptions *mo = kiln_project_get_model_options (project);
  const KilnModelOption *option = g_object_get_data (G_OBJECT (widget), "option");

  if (self->updating)
    return;
  if (option->kind == KILN_MODEL_OPTION_LAYERS)
    {
      /* what parses is kept; while the text is being typed, the last good sizes stay */
      if (!kiln_model_option_parse (option, gtk_editable_get_text (GTK_EDITABLE (widget)), mo, NULL))
        return;
    }
  else
    kiln_model_option_set_value (option, mo, gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)));
  kiln_project_model_changed (project);
}

static void
rebuild_options (KilnTrainPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnModelOptions *mo = kiln_project_get_model_options (project);
  const KilnModelClass *klass = kiln_model_lookup_class (kiln_project_get_model_name (project));
  AdwExpanderRow *advanced = NULL;

  for (guint i = 0; i < self->option_rows->len; i++)
    adw_preferences_group_remove (self->options_group, self->option_rows->pdata[i]);
  g_ptr_array_set_size (self->option_rows, 0);

  self->updating = TRUE;
  for (guint i = 0; klass != NULL && klass->options[i] != NULL; i++)
    {
      const KilnModelOption *spec = klass->options[i];
      GtkWidget *row, *w;
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(spec->title));
      if (spec->description)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(spec->description));
      if (spec->kind == KILN_MODEL_OPTION_LAYERS)
        {
          g_autofree char *text = kiln_model_option_format (spec, mo);
          w = gtk_entry_new ();
          gtk_editable_set_text (GTK_EDITABLE (w), text);
          gtk_editable_set_width_chars (GTK_EDITABLE (w), 10);
          g_signal_connect (w, "changed", G_CALLBACK (on_option_changed), self);
        }
      else
        {
          w = gtk_spin_button_new_with_range (spec->min, spec->max, spec->step);
          gtk_spin_button_set_digits (GTK_SPIN_BUTTON (w), spec->digits);
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), kiln_model_option_get_value (spec, mo));
          g_signal_connect (w, "value-changed", G_CALLBACK (on_option_changed), self);
        }
      gtk_widget_set_valign (w, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (w), "option", (gpointer) spec);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), w);
      if (spec->advanced)
        {
          if (advanced == NULL)
            {
              advanced = ADW_EXPANDER_ROW (adw_expander_row_new ());
              adw_preferences_row_set_title (ADW_PREFERENCES_ROW (advanced), _("Advanced"));
              adw_preferences_group_add (self->options_group, GTK_WIDGET (advanced));
              g_ptr_array_add (self->option_rows, advanced);
            }
          adw_expander_row_add_row (advanced, row);
        }
      else
        {
          adw_preferences_group_add (self->options_group, row);
          g_ptr_array_add (self->option_rows, row);
        }
    }
  if (self->option_rows->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No options to tune"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("This model learns everything it needs from the data."));
      adw_preferences_group_add (self->options_group, row);
      g_ptr_array_add (self->option_rows, row);
    }
  self->updating = FALSE;
}

static void
fill_models (KilnTrainPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnTask task = kiln_project_get_task (project);
  const KilnModelClass * const *classes;
  guint n, selected = 0;
  gboolean found = FALSE;

  self->updating = TRUE;
  gtk_string_list_splice (self->model_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->model_names)), NULL);
  g_ptr_array_set_size (self->model_ids, 0);
  classes = kiln_model_list_classes (&n);
  for (guint i = 0; i < n; i++)
    {
      if ((task == KILN_TASK_CLASSIFICATION && !classes[i]->classification) ||
          (task == KILN_TASK_REGRESSION && !classes[i]->regression))
        continue;
      if (g_strcmp0 (classes[i]->name, kiln_project_get_model_name (project)) == 0)
        selected = self->model_ids->len, found = TRUE;
      g_ptr_array_add (self->model_ids, (gpointer) classes[i]->name);
      gtk_string_list_append (self->model_names, _(classes[i]->display_name));
    }
  adw_combo_row_set_selected (self->model_row, selected);
  self->updating = FALSE;
  if (!found && self->model_ids->len > 0)
    {
      KilnModelOptions *mo = kiln_project_get_model_options (project);
      guint64 seed = mo->seed;
      kiln_model_options_init (mo, task);
      mo->seed = seed;
      kiln_project_set_model_name (project, self->model_ids->pdata[selected]);
    }
  rebuild_options (self);
}

static void
on_model_selected (KilnTrainPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  guint i = adw_combo_row_get_selected (self->model_row);

  if (self->updating || i >= self->model_ids->len)
    return;
  self->updating = TRUE;
  kiln_project_set_model_name (project, self->model_ids->pdata[i]);
  self->updating = FALSE;
  rebuild_options (self);
}

/* ---- Training ---------------------------------------------------------------------------- */


/* The job's result: a new run of the project, the status line. */
static void
show_result (KilnTrainPage *self, KilnPipelineResult *result, gboolean cancelled)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  const KilnMetrics *m;
  g_autofree char *msg = NULL;

  kiln_project_add_run (project, result, cancelled);
  m = kiln_evaluation_get_metrics (result->evaluation);
  if (kiln_evaluation_get_task (result->evaluation) == KILN_TASK_CLASSIFICATION)
    msg = g_strdup_printf (_("Trained: %.1f %% of the test rows right"), m->accuracy * 100);
  else
    msg = g_strdup_printf (_("Trained: R² %.3f on the test rows"), m->r2);
  gtk_label_set_text (self->status, msg);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->plot_stack), "idle") == 0)
    {
      adw_status_page_set_icon_name (self->idle_page, "object-select-symbolic");
      adw_status_page_set_title (self->idle_page, _("Trained"));
      adw_status_page_set_description (self->idle_page, msg);
    }
  if (cancelled)
    {
      g_autofree char *toast = self->best_epoch
        ? g_strdup_printf (_("Cancelled: kept the best model, from epoch %u"), self->best_epoch)
        : g_strdup (_("Cancelled: kept the best model so far"));
      kiln_page_toast (KILN_PAGE (self), toast);
    }
  else if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.goto-page", "s", "evaluate");
}

static void
handle_event (KilnTrainPage *self, KilnTrainEvent *event)
{
  switch (event->kind)
    {
    case KILN_TRAIN_EVENT_STARTED:
      gtk_label_set_text (self->status, _("Preparing the data…"));
      self->preparing = TRUE;
      break;
    case KILN_TRAIN_EVENT_STAGE:
      self->preparing = event->stage == KILN_TRAIN_STAGE_PREPARE;
      if (event->stage == KILN_TRAIN_STAGE_FIT)
        {
          gtk_progress_bar_set_fraction (self->progress, 0);
          gtk_label_set_text (self->status, _("Training…"));
        }
      else if (event->stage == KILN_TRAIN_STAGE_EVALUATE)
        {
          gtk_label_set_text (self->status, _("Scoring the test rows…"));
          gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.cancel", FALSE);
          gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
        }
      break;
    case KILN_TRAIN_EVENT_EPOCH:
      {
        g_autofree char *text = NULL;
        double left = event->fraction > 0 ? event->elapsed * (1 - event->fraction) / event->fraction : NAN;
        kiln_loss_plot_append (self->plot, event->epoch, event->train_loss, event->val_loss, event->val_metric);
        gtk_stack_set_visible_child_name (self->plot_stack, "plot");
        if (event->best)
          self->best_epoch = event->epoch;
        gtk_progress_bar_set_fraction (self->progress, event->fraction);
        if (isfinite (left))
          text = g_strdup_printf (_("Epoch %u · loss %.4f · about %.0f s left"), event->epoch,
                                  event->train_loss, ceil (left));
        else
          text = g_strdup_printf (_("Epoch %u · loss %.4f"), event->epoch, event->train_loss);
        gtk_label_set_text (self->status, text);
      }
      break;
    case KILN_TRAIN_EVENT_PROGRESS:
      if (self->preparing)
        {
          /* the split, each step of the recipe, then the datasets */
          g_autofree char *text = g_strdup_printf (_("Preparing the data… %.0f %%"), event->fraction * 100);
          gtk_progress_bar_set_fraction (self->progress, event->fraction);
          gtk_label_set_text (self->status, text);
          break;
        }
      {
        double left = event->fraction > 0 ? event->elapsed * (1 - event->fraction) / event->fraction : NAN;
        g_autofree char *text = isfinite (left)
          ? g_strdup_printf (_("%.0f %% · about %.0f s left"), event->fraction * 100, ceil (left))
          : g_strdup_printf (_("%.0f %%"), event->fraction * 100);
        gtk_progress_bar_set_fraction (self->progress, event->fraction);
        gtk_label_set_text (self->status, text);
      }
      break;
    case KILN_TRAIN_EVENT_FINISHED:
      set_running (self, FALSE);
      gtk_progress_bar_set_fraction (self->progress, 1);
      if (kiln_pipeline_job_get_result (event))
        show_result (self, kiln_pipeline_job_get_result (event), FALSE);
      break;
    case KILN_TRAIN_EVENT_CANCELLED:
      set_running (self, FALSE);
      if (kiln_pipeline_job_get_result (event))
        show_result (self, kiln_pipeline_job_get_result (event), TRUE);
      else
        gtk_label_set_text (self->status, _("Cancelled"));
      break;
    case KILN_TRAIN_EVENT_FAILED:
      {
        GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_WINDOW);
        set_running (self, FALSE);
        gtk_label_set_text (self->status, _("Training failed"));
        if (window)
          {
            GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (window), _("Training Failed"),
                                                        event->error ? event->error->message : NULL);
            adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
            gtk_window_present (GTK_WINDOW (dialog));
          }
      }
      break;
    default:
      break;
    }
}

/* Called on the main context by the worker's coalesced wake-up: drain everything queued. */
static void
on_wake (KilnTrainRun *run,
         gpointer      user_data)
{
  KilnTrainPage *self = user_data;
  KilnTrainEvent *event;

  while (self->run == run && (event = kiln_train_run_try_pop (run)) != NULL)
    {
      gboolean terminal = kiln_train_event_is_terminal (event);
      if (event->run_id == self->run_id)
        handle_event (self, event);
      kiln_train_event_free (event);
      if (terminal)
        {
          g_clear_pointer (&self->run, kiln_train_run_unref);
          break;
        }
    }
}

static void
train_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnTrainPage *self = KILN_TRAIN_PAGE (widget);
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  g_autoptr(KilnTrainSetup) setup = NULL;
  g_autoptr(GError) error = NULL;

  if (self->run || kiln_project_get_frame (project) == NULL)
    return;

  setup = kiln_train_setup_new (project, &error);
  if (setup == NULL)
    {
      kiln_page_toast (KILN_PAGE (self), error->message);
      return;
    }

  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->status)), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), TRUE);
  kiln_loss_plot_clear (self->plot);
  kiln_loss_plot_set_metric_name (self->plot, kiln_project_get_task (project) == KILN_TASK_CLASSIFICATION
                                              ? _("Validation accuracy") : _("Validation R²"));
  self->best_epoch = 0;
  self->started = g_get_monotonic_time ();
  gtk_progress_bar_set_fraction (self->progress, 0);
  gtk_label_set_text (self->status, _("Preparing the data…"));
  {
    const KilnModelClass *klass = kiln_model_lookup_class (setup->model);
    if (klass && klass->iterative)
      gtk_stack_set_visible_child_name (self->plot_stack, "plot");
    else
      {
        adw_status_page_set_icon_name (self->idle_page, "media-playback-start-symbolic");
        adw_status_page_set_title (self->idle_page, _("Training…"));
        adw_status_page_set_description (self->idle_page,
                                         _("This model does not learn in epochs; the bar shows how far it is."));
        gtk_stack_set_visible_child_name (self->plot_stack, "idle");
      }
  }
  set_running (self, TRUE);
  self->run = kiln_pipeline_job_start (setup->frame, NULL, &setup->options, KILN_PIPELINE_JOB_BUNDLE,
                                       ++self->run_id, on_wake, self);
}

gboolean
kiln_train_page_is_running (KilnTrainPage *self)
{
  g_return_val_if_fail (KILN_IS_TRAIN_PAGE (self), FALSE);
  return self->run != NULL || kiln_compare_panel_is_running (self->compare_panel);
}

/* "Let Kiln choose": the comparison runs in its panel, in place of the plot. */
static void
compare_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnTrainPage *self = KILN_TRAIN_PAGE (widget);
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  g_autoptr(KilnTrainSetup) setup = NULL;
  g_autoptr(GError) error = NULL;

  if (self->run || kiln_project_get_frame (project) == NULL)
    return;
  setup = kiln_train_setup_new (project, &error);
  if (setup == NULL)
    {
      kiln_page_toast (KILN_PAGE (self), error->message);
      return;
    }
  /* the panel has its own title, progress and status */
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->status)), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), FALSE);
  gtk_stack_set_visible_child_name (self->plot_stack, "compare");
  kiln_compare_panel_start (self->compare_panel, setup->frame, &setup->options, 5);
}

/* "Use this model": the trial's family and settings become the project's, then Train. */
static void
on_use_trial (KilnTrainPage *self, guint index)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnCompare *compare = kiln_compare_panel_get_compare (self->compare_panel);
  KilnModelOptions *mo = kiln_project_get_model_options (project);
  KilnPipelineOptions chosen = { 0 };
  guint64 seed = mo->seed;

  if (compare == NULL)
    return;
  kiln_compare_apply_trial (compare, index, &chosen);
  *mo = chosen.model_options;
  mo->seed = seed;
  kiln_project_set_model_name (project, chosen.model);
  kiln_project_model_changed (project);
  rebuild_options (self);
  gtk_widget_activate_action (GTK_WIDGET (self), "train.start", NULL);
}

static void
cancel_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnTrainPage *self = KILN_TRAIN_PAGE (widget);

  if (self->run)
    {
      gtk_label_set_text (self->status, _("Cancelling…"));
      kiln_train_run_cancel (self->run);
    }
}

static void
set_running (KilnTrainPage *self, gboolean running)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.start", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.compare", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.cancel", running);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->model_row), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->options_group), !running);
}

static void
on_log_toggled (KilnTrainPage *self)
{
  kiln_loss_plot_set_log_scale (self->plot, gtk_toggle_button_get_active (self->log_toggle));
}

/* ---- Page -------------------------------------------------------------------------------- */

static void
update_ready (KilnTrainPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));

  if (kiln_project_get_frame (project) == NULL)
    kiln_page_set_not_ready (KILN_PAGE (self), "document-open-symbolic", _("No Data Yet"),
                             _("Open a CSV file on the Data step first."), _("Go to _Data"), KILN_PAGE_DATA);
  else if (kiln_project_get_target (project) == NULL)
    kiln_page_set_not_ready (KILN_PAGE (self), "find-location-symbolic", _("Choose What to Predict"),
                             _("Pick the target column on the Prepare step."), _("Go to _Prepare"),
                             KILN_PAGE_PREPARE);
  else
    kiln_page_set_ready (KILN_PAGE (self));
}

/* A comparison of other data, or of the other task's families, has nothing left to offer: it
 * stops (its worker with it) and the page shows the plot's place again. */
static void
leave_compare (KilnTrainPage *self)
{
  kiln_compare_panel_stop (self->compare_panel);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->plot_stack), "compare") == 0)
    {
      gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->status)), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->progress), TRUE);
      gtk_stack_set_visible_child_name (self->plot_stack, "idle");
    }
}

static void
on_frame_changed (KilnTrainPage *self)
{
  leave_compare (self);
  update_ready (self);
}

static void
on_task_changed (KilnTrainPage *self)
{
  leave_compare (self);
  fill_models (self);
  update_ready (self);
}

static void
on_model_name_changed (KilnTrainPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));

  if (self->updating)
    return;
  for (guint i = 0; i < self->model_ids->len; i++)
    if (g_strcmp0 (self->model_ids->pdata[i], kiln_project_get_model_name (project)) == 0 &&
        adw_combo_row_get_selected (self->model_row) != i)
      {
        self->updating = TRUE;
        adw_combo_row_set_selected (self->model_row, i);
        self->updating = FALSE;
        rebuild_options (self);
      }
}

static void
kiln_train_page_project_changed (KilnPage *page, KilnProject *project)
{
  KilnTrainPage *self = KILN_TRAIN_PAGE (page);

  leave_compare (self);
  g_signal_connect_object (project, "notify::model-name", G_CALLBACK (on_model_name_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "notify::frame", G_CALLBACK (on_frame_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "notify::target", G_CALLBACK (update_ready), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "notify::task", G_CALLBACK (on_task_changed), self, G_CONNECT_SWAPPED);
  kiln_runs_group_set_project (self->runs, project);
  fill_models (self);
  update_ready (self);
}

static void
kiln_train_page_closing (KilnPage *page)
{
  KilnTrainPage *self = KILN_TRAIN_PAGE (page);

  if (self->run)
    {
      kiln_train_run_disconnect (self->run);
      kiln_train_run_cancel (self->run);
      g_clear_pointer (&self->run, kiln_train_run_unref);
    }
  if (self->compare_panel)
    kiln_compare_panel_stop (self->compare_panel);
}

static void
kiln_train_page_dispose (GObject *object)
{
  KilnTrainPage *self = KILN_TRAIN_PAGE (object);

  kiln_train_page_closing (KILN_PAGE (self));
  g_clear_pointer (&self->model_ids, g_ptr_array_unref);
  g_clear_pointer (&self->option_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (kiln_train_page_parent_class)->dispose (object);
}

static void
kiln_train_page_class_init (KilnTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KilnPageClass *page_class = KILN_PAGE_CLASS (klass);

  object_class->dispose = kiln_train_page_dispose;
  page_class->project_changed = kiln_train_page_project_changed;
  page_class->closing = kiln_train_page_closing;

  gtk_widget_class_install_action (widget_class, "train.start", NULL, train_action);
  gtk_widget_class_install_action (widget_class, "train.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "train.compare", NULL, compare_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "train.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "train.cancel", NULL);
}

static void
kiln_train_page_init (KilnTrainPage *self)
{
  GtkWidget *box, *prefs, *group, *buttons, *right, *header, *scroller;

  self->model_ids = g_ptr_array_new ();
  self->option_rows = g_ptr_array_new ();

  prefs = adw_preferences_page_new ();
  gtk_widget_set_size_request (prefs, 380, -1);
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Model"));
  self->model_names = gtk_string_list_new (NULL);
  self->model_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->model_row), _("Family"));
  adw_combo_row_set_model (self->model_row, G_LIST_MODEL (self->model_names));
  g_signal_connect_swapped (self->model_row, "notify::selected", G_CALLBACK (on_model_selected), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->model_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (group));

  self->options_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->options_group, _("Options"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), self->options_group);

  group = adw_preferences_group_new ();
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  self->train_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Train")));
  gtk_widget_add_css_class (GTK_WIDGET (self->train_button), "suggested-action");
  gtk_widget_add_css_class (GTK_WIDGET (self->train_button), "pill");
  kiln_widgets_set_tooltip (GTK_WIDGET (self->train_button), _("Train the model (Ctrl+Enter)"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->train_button), "train.start");
  self->cancel_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Cancel")));
  gtk_widget_add_css_class (GTK_WIDGET (self->cancel_button), "destructive-action");
  gtk_widget_add_css_class (GTK_WIDGET (self->cancel_button), "pill");
  kiln_widgets_set_tooltip (GTK_WIDGET (self->cancel_button), _("Stop and keep the best model so far (Esc)"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->cancel_button), "train.cancel");
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->train_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->cancel_button));
  self->compare_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("Let Kiln _Choose")));
  gtk_widget_add_css_class (GTK_WIDGET (self->compare_button), "pill");
  kiln_widgets_set_tooltip (GTK_WIDGET (self->compare_button),
                               _("Compare every model family by cross-validation and rank them"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->compare_button), "train.compare");
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->compare_button));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), buttons);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (group));

  self->runs = KILN_RUNS_GROUP (kiln_runs_group_new ());
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (self->runs));

  /* right: status, progress, plot */
  right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_hexpand (right, TRUE);
  gtk_widget_set_margin_top (right, 24);
  gtk_widget_set_margin_bottom (right, 24);
  gtk_widget_set_margin_start (right, 12);
  gtk_widget_set_margin_end (right, 24);
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->status = GTK_LABEL (gtk_label_new (_("Choose a model and press Train.")));
  gtk_label_set_xalign (self->status, 0);
  gtk_label_set_ellipsize (self->status, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->status), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "heading");
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->status));
  self->log_toggle = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (_("Log scale")));
  kiln_widgets_set_tooltip (GTK_WIDGET (self->log_toggle), _("Show the loss on a logarithmic axis"));
  g_signal_connect_swapped (self->log_toggle, "toggled", G_CALLBACK (on_log_toggled), self);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->log_toggle));
  gtk_box_append (GTK_BOX (right), header);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->progress));

  self->plot_stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->plot_stack), TRUE);
  self->idle_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->idle_page, "media-playback-start-symbolic");
  adw_status_page_set_title (self->idle_page, _("Ready to Train"));
  adw_status_page_set_description (self->idle_page,
                                   _("Networks show their training and validation loss here, epoch by epoch, as they learn."));
  gtk_stack_add_named (self->plot_stack, GTK_WIDGET (self->idle_page), "idle");
  self->plot = KILN_LOSS_PLOT (kiln_loss_plot_new ());
  gtk_stack_add_named (self->plot_stack, GTK_WIDGET (self->plot), "plot");
  self->compare_panel = KILN_COMPARE_PANEL (kiln_compare_panel_new ());
  g_signal_connect_swapped (self->compare_panel, "use-trial", G_CALLBACK (on_use_trial), self);
  gtk_stack_add_named (self->plot_stack, GTK_WIDGET (self->compare_panel), "compare");
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->plot_stack));

  scroller = prefs;
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_append (GTK_BOX (box), scroller);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), right);
  kiln_page_set_content (KILN_PAGE (self), box);
  set_running (self, FALSE);
}
