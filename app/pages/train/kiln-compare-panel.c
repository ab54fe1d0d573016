/* kiln-compare-panel.c: "Let Kiln choose": the comparison's progress, Cancel and leaderboard.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The comparison runs as the core's compare job on the training worker; its events arrive through
 * the coalesced wake callback and are drained here, one leaderboard rebuild per batch. While it
 * runs, the finished trials are listed by mean score; when it ends (or is cancelled) the ranked
 * comparison adds the chance that the top model beats each of the others.
 */
#define G_LOG_DOMAIN "kiln-compare-panel"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "kiln-compare-job.h"
#include "kiln-compare-panel.h"
#include "kiln-format.h"
#include "kiln-widgets.h"

struct _KilnComparePanel
{
  GtkBox          parent_instance;

  GtkLabel       *title;
  GtkLabel       *status;
  GtkProgressBar *progress;
  GtkButton      *cancel_button;
  GtkButton      *use_button;
  GtkListBox     *board;
  GtkListBox     *not_run;
  GtkWidget      *not_run_title;

  KilnTrainRun   *run;
  guint           run_id;
  KilnTask        task;
  GPtrArray      *plan;       /* KilnCompareTrial copies, by plan index */
  KilnCompare    *compare;    /* once finished or cancelled */
};

G_DEFINE_FINAL_TYPE (KilnComparePanel, kiln_compare_panel, GTK_TYPE_BOX)

enum { USE_TRIAL, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- Rows -------------------------------------------------------------------------------- */

static char *
family_title (const KilnCompareTrial *t)
{
  const KilnModelClass *klass = kiln_model_lookup_class (t->family);
  g_autofree char *settings = kiln_compare_trial_describe (t);

  /* Translators: a model family and its settings, "Random forest · min-samples-leaf = 3" */
  return g_strdup_printf (_("%s · %s"), klass ? _(klass->display_name) : t->family, settings);
}

static char *
per_fold_seconds (double seconds)
{
  if (!isfinite (seconds))
    return g_strdup ("—");
  if (seconds < 0.0001)
    return g_strdup (_("< 0.1 ms"));
  if (seconds < 0.1)
    return g_strdup_printf (_("%.1f ms"), seconds * 1000);
  return kiln_format_seconds (seconds);
}

/* Rows take markup: the texts (settings, error messages, "< 0.1 ms") are escaped. */
static void
set_row_text (GtkWidget *row, const char *title, const char *subtitle)
{
  g_autofree char *t = g_markup_escape_text (title, -1);
  g_autofree char *s = g_markup_escape_text (subtitle, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), t);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), s);
}

static GtkWidget *
board_row (KilnComparePanel *self, guint rank, guint index, const KilnCompareTrial *t)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *name = family_title (t);
  g_autofree char *title = g_strdup_printf (_("%u. %s"), rank, name);
  g_autofree char *main_text = NULL, *second = NULL, *secs = per_fold_seconds (t->seconds_mean);
  g_autofree char *sub = NULL;

  if (self->task == KILN_TASK_CLASSIFICATION)
    {
      g_autofree char *mean = kiln_format_percent (t->mean);
      g_autofree char *f1 = kiln_format_metric ("macro_f1", t->second_mean);
      /* Translators: mean accuracy over the folds ± its spread in percentage points */
      main_text = g_strdup_printf (_("accuracy %s ± %.1f"), mean, t->std * 100);
      second = g_strdup_printf (_("macro F1 %s"), f1);
    }
  else
    {
      g_autofree char *mean = kiln_format_metric ("r2", t->mean);
      g_autofree char *rmse = kiln_format_metric ("rmse", t->second_mean);
      main_text = g_strdup_printf (_("R² %s ± %.3f"), mean, t->std);
      second = g_strdup_printf (_("RMSE %s"), rmse);
    }
  /* Translators: score · second score · time to fit and predict one fold */
  sub = g_strdup_printf (_("%s · %s · %s per fold"), main_text, second, secs);
  set_row_text (row, title, sub);
  if (isfinite (t->p_top))
    {
      g_autofree char *p = kiln_format_percent (t->p_top);
      g_autofree char *text = g_strdup_printf (_("#1 better: %s"), p);
      GtkWidget *label = gtk_label_new (text);
      gtk_widget_add_css_class (label, "dim-label");
      kiln_widgets_set_tooltip (label,
                                   _("The chance that the model on top truly beats this one, from "
                                     "their fold scores (a t-test corrected for overlapping folds)"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  g_object_set_data (G_OBJECT (row), "trial-index", GUINT_TO_POINTER (index));
  return row;
}

static void
clear_list (GtkListBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))))
    gtk_list_box_remove (box, child);
}

static int
by_mean (gconstpointer a, gconstpointer b)
{
  const KilnCompareTrial *x = *(KilnCompareTrial * const *) a;
  const KilnCompareTrial *y = *(KilnCompareTrial * const *) b;

  return (x->mean < y->mean) - (x->mean > y->mean);
}

static void
update_use_button (KilnComparePanel *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->use_button),
                            self->compare != NULL && self->run == NULL
                            && gtk_list_box_get_selected_row (self->board) != NULL);
}

/* The leaderboard: from the ranked comparison when there is one, else the trials finished so far. */
static void
rebuild (KilnComparePanel *self)
{
  guint n_not_run = 0;

  clear_list (self->board);
  clear_list (self->not_run);
  if (self->compare != NULL)
    {
      guint n;
      const guint *board = kiln_compare_get_leaderboard (self->compare, &n);

      for (guint i = 0; i < n; i++)
        gtk_list_box_append (self->board, board_row (self, i + 1, board[i],
                                                     kiln_compare_get_trial (self->compare, board[i])));
    }
  else if (self->plan != NULL)
    {
      g_autoptr(GPtrArray) done = g_ptr_array_new ();

      for (guint i = 0; i < self->plan->len; i++)
        if (((KilnCompareTrial *) self->plan->pdata[i])->status == KILN_COMPARE_DONE)
          g_ptr_array_add (done, self->plan->pdata[i]);
      g_ptr_array_sort (done, by_mean);
      for (guint i = 0; i < done->len; i++)
        {
          guint index = 0;
          g_ptr_array_find (self->plan, done->pdata[i], &index);
          gtk_list_box_append (self->board, board_row (self, i + 1, index, done->pdata[i]));
        }
    }

  for (guint i = 0; self->plan && i < self->plan->len; i++)
    {
      const KilnCompareTrial *t = self->compare ? kiln_compare_get_trial (self->compare, i)
                                                : self->plan->pdata[i];
      g_autofree char *title = NULL;
      GtkWidget *row;

      if (t->status == KILN_COMPARE_DONE || (t->status == KILN_COMPARE_PENDING && self->run))
        continue;
      title = family_title (t);
      row = adw_action_row_new ();
      set_row_text (row, title, t->reason ? t->reason : _("Not run: the comparison was cancelled"));
      gtk_list_box_append (self->not_run, row);
      n_not_run++;
    }
  gtk_widget_set_visible (self->not_run_title, n_not_run > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->not_run), n_not_run > 0);
  if (self->compare != NULL)
    gtk_list_box_select_row (self->board, gtk_list_box_get_row_at_index (self->board, 0));
  update_use_button (self);
}

/* ---- The job ----------------------------------------------------------------------------- */

static void
set_running (KilnComparePanel *self, gboolean running)
{
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), running);
  gtk_widget_set_visible (GTK_WIDGET (self->use_button), !running);
  update_use_button (self);
}

static void
finish (KilnComparePanel *self, KilnCompare *compare, gboolean cancelled)
{
  g_autofree char *text = NULL;
  guint n_board = 0;

  g_clear_pointer (&self->compare, kiln_compare_unref);
  if (compare)
    {
      self->compare = kiln_compare_ref (compare);
      kiln_compare_get_leaderboard (compare, &n_board);
    }
  if (n_board == 0)
    text = g_strdup (cancelled ? _("Cancelled before any model finished")
                               : _("No model could be trained on this data; see why below"));
  else if (cancelled)
    text = g_strdup_printf (ngettext ("Cancelled: %u model finished and is ranked",
                                      "Cancelled: %u models finished and are ranked", n_board),
                            n_board);
  else
    text = g_strdup_printf (ngettext ("Done: %u model ranked by cross-validation",
                                      "Done: %u models ranked by cross-validation", n_board),
                            n_board);
  gtk_label_set_text (self->status, text);
  if (compare && kiln_compare_get_note (compare))
    kiln_widgets_set_tooltip (GTK_WIDGET (self->status), kiln_compare_get_note (compare));
}

static void
handle_event (KilnComparePanel *self, KilnTrainEvent *event, gboolean *changed)
{
  const KilnCompareProgress *progress;
  GPtrArray *plan;

  switch (event->kind)
    {
    case KILN_TRAIN_EVENT_STAGE:
      plan = kiln_compare_job_get_plan (event);
      if (plan != NULL)
        {
          guint n_families = 0, n_runnable = 0;
          const char *last = NULL;
          g_autofree char *families = NULL, *text = NULL;

          g_clear_pointer (&self->plan, g_ptr_array_unref);
          self->plan = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_compare_trial_free);
          for (guint i = 0; i < plan->len; i++)
            {
              KilnCompareTrial *t = plan->pdata[i];
              g_ptr_array_add (self->plan, kiln_compare_trial_copy (t));
              if (t->status == KILN_COMPARE_SKIPPED)
                continue;
              n_runnable++;
              if (g_strcmp0 (last, t->family) != 0)
                n_families++, last = t->family;
            }
          families = g_strdup_printf (ngettext ("%u family", "%u families", n_families), n_families);
          /* Translators: "19 settings of 7 families, each by 5-fold cross-validation" */
          text = g_strdup_printf (ngettext ("%u setting of %s, each by %u-fold cross-validation",
                                            "%u settings of %s, each by %u-fold cross-validation",
                                            n_runnable),
                                  n_runnable, families,
                                  plan->len ? ((KilnCompareTrial *) plan->pdata[0])->n_folds : 0);
          gtk_label_set_text (self->title, text);
          *changed = TRUE;
        }
      break;
    case KILN_TRAIN_EVENT_PROGRESS:
      gtk_progress_bar_set_fraction (self->progress, event->fraction);
      progress = kiln_compare_job_get_progress (event);
      if (progress != NULL && self->plan != NULL && progress->index < self->plan->len)
        {
          g_autofree char *name = family_title (progress->trial);
          g_autofree char *text = g_strdup_printf (_("%u of %u done · last: %s"), progress->done,
                                                   progress->total, name);
          kiln_compare_trial_free (self->plan->pdata[progress->index]);
          self->plan->pdata[progress->index] = kiln_compare_trial_copy (progress->trial);
          gtk_label_set_text (self->status, text);
          *changed = TRUE;
        }
      break;
    case KILN_TRAIN_EVENT_FINISHED:
    case KILN_TRAIN_EVENT_CANCELLED:
      g_clear_pointer (&self->run, kiln_train_run_unref);
      set_running (self, FALSE);
      if (event->kind == KILN_TRAIN_EVENT_FINISHED)
        gtk_progress_bar_set_fraction (self->progress, 1);
      finish (self, kiln_compare_job_get_compare (event), event->kind == KILN_TRAIN_EVENT_CANCELLED);
      *changed = TRUE;
      break;
    case KILN_TRAIN_EVENT_FAILED:
      g_clear_pointer (&self->run, kiln_train_run_unref);
      set_running (self, FALSE);
      gtk_label_set_text (self->status, event->error ? event->error->message
                                                     : _("The comparison failed"));
      *changed = TRUE;
      break;
    case KILN_TRAIN_EVENT_STARTED:
    case KILN_TRAIN_EVENT_EPOCH:
    default:
      break;
    }
}

static void
on_wake (KilnTrainRun *run,
         gpointer      user_data)
{
  KilnComparePanel *self = user_data;
  KilnTrainEvent *event;
  gboolean changed = FALSE;

  while (self->run == run && (event = kiln_train_run_try_pop (run)) != NULL)
    {
      gboolean terminal = kiln_train_event_is_terminal (event);

      if (event->run_id == self->run_id)
        handle_event (self, event, &changed);
      kiln_train_event_free (event);
      if (terminal)
        break;
    }
  if (changed)
    rebuild (self);
}

void
kiln_compare_panel_start (KilnComparePanel           *self,
                          KilnFrame                  *frame,
                          const KilnPipelineOptions  *options,
                          guint                       k)
{
  KilnTask task = KILN_TASK_CLASSIFICATION;

  g_return_if_fail (KILN_IS_COMPARE_PANEL (self));
  g_return_if_fail (frame != NULL && options != NULL);

  kiln_compare_panel_stop (self);
  g_clear_pointer (&self->compare, kiln_compare_unref);
  g_clear_pointer (&self->plan, g_ptr_array_unref);
  kiln_pipeline_resolve_task (frame, options, &task, NULL);
  self->task = task;
  gtk_label_set_text (self->title, _("Comparing every model family…"));
  gtk_label_set_text (self->status, _("Preparing the folds…"));
  kiln_widgets_set_tooltip (GTK_WIDGET (self->status), NULL);
  gtk_progress_bar_set_fraction (self->progress, 0);
  self->run = kiln_compare_job_start (frame, NULL, options, k, NULL, ++self->run_id, on_wake,
                                      self);
  set_running (self, TRUE);
  rebuild (self);
}

void
kiln_compare_panel_cancel (KilnComparePanel *self)
{
  g_return_if_fail (KILN_IS_COMPARE_PANEL (self));

  if (self->run)
    {
      gtk_label_set_text (self->status, _("Cancelling… the finished models are kept"));
      kiln_train_run_cancel (self->run);
    }
}

void
kiln_compare_panel_stop (KilnComparePanel *self)
{
  g_return_if_fail (KILN_IS_COMPARE_PANEL (self));

  if (self->run)
    {
      kiln_train_run_disconnect (self->run);
      kiln_train_run_cancel (self->run);
      g_clear_pointer (&self->run, kiln_train_run_unref);
      set_running (self, FALSE);
    }
}

gboolean
kiln_compare_panel_is_running (KilnComparePanel *self)
{
  g_return_val_if_fail (KILN_IS_COMPARE_PANEL (self), FALSE);
  return self->run != NULL;
}

guint
kiln_compare_panel_get_n_finished (KilnComparePanel *self)
{
  guint n = 0;

  g_return_val_if_fail (KILN_IS_COMPARE_PANEL (self), 0);
  for (guint i = 0; self->plan && i < self->plan->len; i++)
    n += ((KilnCompareTrial *) self->plan->pdata[i])->status == KILN_COMPARE_DONE;
  return n;
}

KilnCompare *
kiln_compare_panel_get_compare (KilnComparePanel *self)
{
  g_return_val_if_fail (KILN_IS_COMPARE_PANEL (self), NULL);
  return self->compare;
}

static void
on_use (KilnComparePanel *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->board);

  if (row == NULL || self->compare == NULL || self->run != NULL)
    return;
  g_signal_emit (self, signals[USE_TRIAL], 0,
                 GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "trial-index")));
}

/* ---- Widget ------------------------------------------------------------------------------ */

static void
kiln_compare_panel_dispose (GObject *object)
{
  KilnComparePanel *self = KILN_COMPARE_PANEL (object);

  kiln_compare_panel_stop (self);
  if (self->board)
    g_signal_handlers_disconnect_by_data (self->board, self);
  self->board = NULL;
  g_clear_pointer (&self->compare, kiln_compare_unref);
  g_clear_pointer (&self->plan, g_ptr_array_unref);
  G_OBJECT_CLASS (kiln_compare_panel_parent_class)->dispose (object);
}

static void
kiln_compare_panel_class_init (KilnComparePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kiln_compare_panel_dispose;
  signals[USE_TRIAL] = g_signal_new ("use-trial", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
kiln_compare_panel_init (KilnComparePanel *self)
{
  GtkWidget *header, *scroller, *content, *buttons, *board_title;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->title = GTK_LABEL (gtk_label_new (_("Let Kiln choose")));
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_wrap (self->title, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->title), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "title-4");
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->title));
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->cancel_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Stop Comparing")));
  gtk_widget_add_css_class (GTK_WIDGET (self->cancel_button), "destructive-action");
  kiln_widgets_set_tooltip (GTK_WIDGET (self->cancel_button),
                               _("Stop; the models that finished stay on the leaderboard"));
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (kiln_compare_panel_cancel), self);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->cancel_button));
  self->use_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Use This Model")));
  gtk_widget_add_css_class (GTK_WIDGET (self->use_button), "suggested-action");
  kiln_widgets_set_tooltip (GTK_WIDGET (self->use_button),
                               _("Train the chosen model on the whole training split and evaluate it"));
  g_signal_connect_swapped (self->use_button, "clicked", G_CALLBACK (on_use), self);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->use_button));
  gtk_widget_set_valign (buttons, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (header), buttons);
  gtk_box_append (GTK_BOX (self), header);

  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->progress));
  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status, 0);
  gtk_label_set_ellipsize (self->status, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->status));

  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  board_title = gtk_label_new (_("Leaderboard"));
  gtk_label_set_xalign (GTK_LABEL (board_title), 0);
  gtk_widget_add_css_class (board_title, "heading");
  gtk_box_append (GTK_BOX (content), board_title);
  self->board = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->board, GTK_SELECTION_SINGLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->board), "boxed-list");
  g_signal_connect_swapped (self->board, "selected-rows-changed", G_CALLBACK (update_use_button), self);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->board));
  self->not_run_title = gtk_label_new (_("Not run"));
  gtk_label_set_xalign (GTK_LABEL (self->not_run_title), 0);
  gtk_widget_add_css_class (self->not_run_title, "heading");
  gtk_box_append (GTK_BOX (content), self->not_run_title);
  self->not_run = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->not_run, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->not_run), "boxed-list");
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->not_run));

  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), content);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self), scroller);

  set_running (self, FALSE);
  rebuild (self);
}

GtkWidget *
kiln_compare_panel_new (void)
{
  return g_object_new (KILN_TYPE_COMPARE_PANEL, NULL);
}
