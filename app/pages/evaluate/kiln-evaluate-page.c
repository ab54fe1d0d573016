/* kiln-evaluate-page.c: metric cards, the confusion matrix (click a cell for its rows), plots,
 * and the predictions next to the data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-evaluate-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "kiln-pages.h"
#include "kiln-chart.h"
#include "kiln-confusion-matrix.h"
#include "kiln-data-table.h"
#include "kiln-format.h"
#include "kiln-plot.h"
#include "kiln-pipeline.h"
#include "kiln-why-panel.h"
#include "kiln-task.h"
#include "kiln-widgets.h"

struct _KilnEvaluatePage
{
  KilnPage            parent_instance;

  GtkFlowBox         *cards;
  GtkStack           *plots;
  GtkStackSwitcher   *plot_switcher;
  KilnConfusionMatrix *confusion;
  GtkWidget          *confusion_page;
  GtkWidget          *classes_page;
  GtkWidget          *roc_page;       /* the class chooser and the plot */
  GtkWidget          *roc_bar;
  GtkDropDown        *roc_class;
  GtkWidget          *roc_plot;
  GtkWidget          *scatter_plot;
  GtkWidget          *residual_plot;
  GtkWidget          *importance_plot;
  KilnWhyPanel       *why;
  GtkWidget          *words_plot;       /* text models: the n-grams that push hardest */
  GtkWidget          *try_box;          /* text models: "Try it" */
  GtkEntry           *try_entry;
  GtkLabel           *try_label;
  guint               try_timeout;
  GCancellable       *try_cancellable;
  KilnBundle         *try_bundle;
  char               *try_column;
  GtkGrid            *class_grid;
  GtkToggleButton    *normalize;
  KilnDataTable      *predictions;
  GtkLabel           *predictions_label;
  GtkButton          *show_all;

  KilnFrame          *prediction_frame;   /* predictions + the test rows' columns */
  guint               fill_table_source;  /* the table is filled after the page's first frame */
};

G_DEFINE_FINAL_TYPE (KilnEvaluatePage, kiln_evaluate_page, KILN_TYPE_PAGE)

static GtkWidget *
metric_card (const char *name, const char *value, const char *tooltip)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *v = gtk_label_new (value);
  GtkWidget *n = gtk_label_new (name);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "metric-card");
  gtk_widget_add_css_class (v, "metric-value");
  gtk_widget_add_css_class (n, "metric-name");
  gtk_label_set_xalign (GTK_LABEL (v), 0);
  gtk_label_set_xalign (GTK_LABEL (n), 0);
  gtk_box_append (GTK_BOX (box), v);
  gtk_box_append (GTK_BOX (box), n);
  kiln_widgets_set_tooltip (box, tooltip);
  return box;
}

/* @metric: the core's name for it ("accuracy", "r2", ...), which sets how it is written */
static void
add_card (KilnEvaluatePage *self, const char *name, const char *metric, double value, const char *tooltip)
{
  g_autofree char *text = NULL;

  if (!isfinite (value))
    return;
  text = kiln_format_metric (metric, value);
  gtk_flow_box_append (self->cards, metric_card (name, text, tooltip));
}

/* Decimals that suit values of this size: four significant digits of the typical one. */
static int
decimals_for (const double *values, guint n)
{
  double m = 0;

  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      m = MAX (m, fabs (values[i]));
  return m > 0 ? CLAMP (3 - (int) floor (log10 (m)), 0, 6) : 3;
}

static void
round_to (double *values, guint n, int decimals)
{
  double f = pow (10, decimals);

  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      values[i] = round (values[i] * f) / f;
}

static void
clear_container (GtkWidget *w)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (w)))
    {
      if (GTK_IS_FLOW_BOX (w))
        gtk_flow_box_remove (GTK_FLOW_BOX (w), child);
      else if (GTK_IS_GRID (w))
        gtk_grid_remove (GTK_GRID (w), child);
      else
        gtk_widget_unparent (child);
    }
}

/* The predictions table: actual, predicted, probability (or residual), then the test rows. */
static KilnFrame *
build_prediction_frame (KilnEvaluation *ev, KilnFrame *test_rows)
{
  guint n = kiln_evaluation_get_n_rows (ev);
  g_autoptr(KilnFrame) flat = kiln_frame_materialize (test_rows);
  GPtrArray *cols = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  KilnFrame *frame;

  if (kiln_evaluation_get_task (ev) == KILN_TASK_CLASSIFICATION)
    {
      guint n_classes = 0;
      const char * const *classes = kiln_evaluation_get_classes (ev, &n_classes);
      const gint32 *truth = kiln_evaluation_get_true_classes (ev);
      const gint32 *pred = kiln_evaluation_get_predicted_classes (ev);
      const double *prob = kiln_evaluation_get_probabilities (ev);
      GPtrArray *cats_a = g_ptr_array_new_with_free_func (g_free);
      GPtrArray *cats_p = g_ptr_array_new_with_free_func (g_free);
      gint32 *a = g_new (gint32, MAX (n, 1));
      gint32 *p = g_new (gint32, MAX (n, 1));
      double *pr = g_new (double, MAX (n, 1));

      for (guint c = 0; c < n_classes; c++)
        {
          g_ptr_array_add (cats_a, g_strdup (classes[c]));
          g_ptr_array_add (cats_p, g_strdup (classes[c]));
        }
      for (guint i = 0; i < n; i++)
        {
          a[i] = truth[i];
          p[i] = pred[i];
          pr[i] = prob ? prob[(gsize) i * n_classes + (guint) pred[i]] : NAN;
        }
      round_to (pr, n, 3);
      g_ptr_array_add (cols, kiln_column_new_coded (_("actual"), KILN_COLUMN_CATEGORICAL, a, cats_a, n));
      g_ptr_array_add (cols, kiln_column_new_coded (_("predicted"), KILN_COLUMN_CATEGORICAL, p, cats_p, n));
      g_ptr_array_add (cols, kiln_column_new_numeric (_("probability"), pr, n));
    }
  else
    {
      double *a = g_memdup2 (kiln_evaluation_get_true_values (ev), sizeof (double) * MAX (n, 1));
      double *p = g_memdup2 (kiln_evaluation_get_predicted_values (ev), sizeof (double) * MAX (n, 1));
      double *r = g_memdup2 (kiln_evaluation_get_residuals (ev), sizeof (double) * MAX (n, 1));
      /* as many decimals as the actual values need, not the model's 17 digits */
      int decimals = decimals_for (a, n);
      round_to (p, n, decimals);
      round_to (r, n, decimals);
      g_ptr_array_add (cols, kiln_column_new_numeric (_("actual"), a, n));
      g_ptr_array_add (cols, kiln_column_new_numeric (_("predicted"), p, n));
      g_ptr_array_add (cols, kiln_column_new_numeric (_("residual"), r, n));
    }
  if (kiln_frame_get_n_rows (flat) == n)
    for (guint c = 0; c < kiln_frame_get_n_columns (flat); c++)
      g_ptr_array_add (cols, kiln_column_ref (kiln_frame_get_column (flat, c)));
  frame = kiln_frame_new ((KilnColumn * const *) cols->pdata, cols->len);
  g_ptr_array_unref (cols);
  return frame;
}

static void
show_all_rows (KilnEvaluatePage *self)
{
  g_autofree char *text = NULL;
  guint n = self->prediction_frame ? kiln_frame_get_n_rows (self->prediction_frame) : 0;

  kiln_data_table_set_frame (self->predictions, self->prediction_frame);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "All %u test row", "All %u test rows", n), n);
  gtk_label_set_text (self->predictions_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->show_all), FALSE);
}

static gboolean
fill_table (gpointer data)
{
  KilnEvaluatePage *self = data;

  self->fill_table_source = 0;
  show_all_rows (self);
  return G_SOURCE_REMOVE;
}

static void
on_cell_activated (KilnEvaluatePage *self,
                   guint             actual,
                   guint             predicted)
{
  const KilnPipelineResult *result = kiln_project_get_result (kiln_page_get_project (KILN_PAGE (self)));
  KilnConfusion *cm;
  const guint32 *rows;
  guint n = 0, n_classes = 0;
  const char * const *classes;
  g_autofree char *text = NULL;

  if (result == NULL || self->prediction_frame == NULL)
    return;
  g_clear_handle_id (&self->fill_table_source, g_source_remove);
  cm = kiln_evaluation_get_confusion (result->evaluation);
  classes = kiln_evaluation_get_classes (result->evaluation, &n_classes);
  rows = kiln_confusion_get_rows (cm, actual, predicted, &n);
  g_assert (kiln_confusion_matrix_get_confusion (self->confusion) == cm);
  kiln_data_table_set_frame (self->predictions, self->prediction_frame);
  kiln_data_table_set_rows (self->predictions, rows, n);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u row: actual %s, predicted %s",
                                       "%u rows: actual %s, predicted %s", n),
                          n, classes[actual], classes[predicted]);
  gtk_label_set_text (self->predictions_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->show_all), TRUE);
}

static void show_page (KilnEvaluatePage *self, GtkWidget *child, gboolean visible);

/* "Why this prediction?": the row clicked, explained on the Why? page. */
static void
on_row_activated (KilnEvaluatePage *self,
                  guint             row)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  const KilnPipelineResult *result = project ? kiln_project_get_result (project) : NULL;
  KilnFrame *test_rows;

  if (result == NULL || result->bundle == NULL || result->pipeline == NULL)
    return;
  test_rows = kiln_pipeline_get_test_rows (result->pipeline);
  /* the table's rows are the test rows, in order, when it shows their columns */
  if (test_rows == NULL || row >= kiln_frame_get_n_rows (test_rows) ||
      kiln_frame_get_n_rows (test_rows) != kiln_evaluation_get_n_rows (result->evaluation))
    return;
  show_page (self, GTK_WIDGET (self->why), TRUE);
  gtk_stack_set_visible_child (self->plots, GTK_WIDGET (self->why));
  kiln_why_panel_explain (self->why, result->bundle, test_rows, row);
}

static void
on_normalize_toggled (KilnEvaluatePage *self)
{
  kiln_confusion_matrix_set_normalized (self->confusion, gtk_toggle_button_get_active (self->normalize));
}

static void
fill_class_grid (KilnEvaluatePage *self, KilnEvaluation *ev)
{
  guint n_classes = 0;
  const char * const *classes = kiln_evaluation_get_classes (ev, &n_classes);
  const char *heads[] = { N_("Class"), N_("Precision"), N_("Recall"), N_("F1"), N_("Rows") };

  clear_container (GTK_WIDGET (self->class_grid));
  for (guint h = 0; h < G_N_ELEMENTS (heads); h++)
    {
      GtkWidget *l = gtk_label_new (_(heads[h]));
      gtk_widget_add_css_class (l, "heading");
      gtk_label_set_xalign (GTK_LABEL (l), h == 0 ? 0 : 1);
      gtk_grid_attach (self->class_grid, l, (int) h, 0, 1, 1);
    }
  for (guint c = 0; c < n_classes; c++)
    {
      double p, r, f;
      guint support;
      char buf[4][32];
      GtkWidget *name = gtk_label_new (classes[c]);
      kiln_evaluation_get_class_metrics (ev, c, &p, &r, &f, &support);
      g_snprintf (buf[0], sizeof buf[0], "%.3f", p);
      g_snprintf (buf[1], sizeof buf[1], "%.3f", r);
      g_snprintf (buf[2], sizeof buf[2], "%.3f", f);
      g_snprintf (buf[3], sizeof buf[3], "%u", support);
      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
      gtk_grid_attach (self->class_grid, name, 0, (int) c + 1, 1, 1);
      for (guint k = 0; k < 4; k++)
        {
          GtkWidget *l = gtk_label_new (buf[k]);
          gtk_label_set_xalign (GTK_LABEL (l), 1);
          gtk_widget_add_css_class (l, "numeric");
          gtk_grid_attach (self->class_grid, l, (int) k + 1, (int) c + 1, 1, 1);
        }
    }
}

static void
show_page (KilnEvaluatePage *self, GtkWidget *child, gboolean visible)
{
  gtk_stack_page_set_visible (gtk_stack_get_page (self->plots, child), visible);
}

/* The ROC curve of the class chosen (binary: the second class). */
static void
show_roc_curve (KilnEvaluatePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  const KilnPipelineResult *result = project ? kiln_project_get_result (project) : NULL;
  const char * const *classes;
  const KilnRocCurve *roc;
  g_autofree char *label = NULL;
  guint n_classes = 0, chosen;

  if (result == NULL || result->evaluation == NULL ||
      kiln_evaluation_get_n_roc_curves (result->evaluation) == 0)
    return;
  classes = kiln_evaluation_get_classes (result->evaluation, &n_classes);
  if (n_classes == 2)
    {
      roc = kiln_evaluation_get_roc_curve (result->evaluation, 0);
      label = g_strdup (classes[1]);
    }
  else
    {
      chosen = gtk_drop_down_get_selected (self->roc_class);
      if (chosen >= n_classes)
        return;
      roc = kiln_evaluation_get_roc_curve (result->evaluation, chosen);
      /* Translators: a ROC curve of one class (one-vs-rest) */
      label = g_strdup_printf (_("%s against the rest"), classes[chosen]);
    }
  kiln_plot_set_roc (KILN_PLOT (self->roc_plot), roc->fpr, roc->tpr, roc->n_points, roc->auc, label);
}

/* ---- Text models: the words that decided, and "Try it" ------------------------------------ */

/* The text features' weights as signed bars: for two classes the strongest toward each (positive:
 * toward the second class), for more the strongest toward each class. */
static gboolean
fill_words_plot (KilnEvaluatePage *self, KilnRecipe *recipe, KilnModel *model,
                 const char * const *classes, guint n_classes)
{
  guint n_features = 0, n_text = kiln_recipe_get_n_text_features (recipe), n_out = 0, first;
  const char * const *names = kiln_recipe_get_feature_names (recipe, &n_features);
  const double *coef = kiln_model_get_coefficients (model, &n_out);
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  const guint per_side = 12;
  g_autofree char *title = NULL;

  if (n_text == 0 || coef == NULL || n_features != kiln_model_get_n_features (model) || n_classes < 2)
    return FALSE;
  first = n_features - n_text;
  for (guint c = 0; c < n_out; c++)
    for (guint side = 0; side < (n_out == 1 ? 2u : 1u); side++)
      {
        const double *w = coef + (gsize) c * n_features;
        double sign = side == 0 ? 1.0 : -1.0;
        g_autofree guint *best = g_new (guint, per_side);
        guint n_best = 0;

        /* the per_side largest sign * w over the text features, by insertion */
        for (guint j = first; j < n_features; j++)
          {
            double v = sign * w[j];
            guint k;
            if (v <= 0 || (n_best == per_side && v <= sign * w[best[n_best - 1]]))
              continue;
            k = n_best < per_side ? n_best++ : per_side - 1;
            while (k > 0 && sign * w[best[k - 1]] < v)
              {
                best[k] = best[k - 1];
                k--;
              }
            best[k] = j;
          }
        for (guint i = 0; i < n_best; i++)
          {
            double v = w[best[i]];
            const char *cls = n_out == 1 ? classes[side == 0 ? 1 : 0] : classes[c];
            /* the n-gram after "column:", with its class */
            const char *term = strchr (names[best[i]], ':');
            g_ptr_array_add (shown, g_strdup_printf ("%s  → %s", term ? term + 1 : names[best[i]], cls));
            g_array_append_val (values, v);
          }
      }
  g_ptr_array_add (shown, NULL);
  if (n_out == 1)
    /* Translators: the axis of the words plot of a text model with two classes */
    title = g_strdup_printf (_("Weight: toward “%s” (right) or “%s” (left)"), classes[1], classes[0]);
  else
    title = g_strdup (_("Weight toward the class"));
  kiln_plot_set_bars (KILN_PLOT (self->words_plot), (const char * const *) shown->pdata,
                      (const double *) values->data, values->len, TRUE, title);
  return values->len > 0;
}

typedef struct {
  KilnBundle *bundle;
  char       *column;
  char       *text;
} TryJob;

static void
try_job_free (TryJob *job)
{
  kiln_bundle_unref (job->bundle);
  g_free (job->column);
  g_free (job->text);
  g_free (job);
}

/* On a worker: the bundle's prediction for one row holding the text. */
static void
try_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  TryJob *job = data;
  GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
  gint32 *codes = g_new (gint32, 1);
  KilnColumn *col;
  g_autoptr(KilnFrame) frame = NULL;
  GError *error = NULL;
  double *out;
  guint n;

  g_ptr_array_add (cats, g_strdup (job->text));
  codes[0] = 0;
  col = kiln_column_new_coded (job->column, KILN_COLUMN_TEXT, codes, cats, 1);
  frame = kiln_frame_new (&col, 1);
  kiln_column_unref (col);
  out = kiln_bundle_predict (job->bundle, frame, &n, &error);
  if (out == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, out, g_free);
}

static void
try_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree double *out = kiln_task_propagate_pointer (G_TASK (result), &error);
  KilnEvaluatePage *self;
  guint n_classes = 0, best = 0;
  const char * const *classes;
  g_autofree char *text = NULL;

  if (out == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = KILN_EVALUATE_PAGE (source);
  if (out == NULL || self->try_bundle == NULL)
    {
      gtk_label_set_text (self->try_label, error ? error->message : "");
      return;
    }
  classes = kiln_bundle_get_classes (self->try_bundle, &n_classes);
  for (guint c = 1; c < n_classes; c++)
    if (out[c] > out[best])
      best = c;
  /* Translators: the class "Try it" predicts, and its probability in percent */
  text = g_strdup_printf (_("%s · %.0f %%"), classes[best], 100 * out[best]);
  gtk_label_set_text (self->try_label, text);
}

static gboolean
try_now (gpointer data)
{
  KilnEvaluatePage *self = data;
  g_autoptr(GTask) task = NULL;
  TryJob *job;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->try_entry));

  self->try_timeout = 0;
  if (self->try_bundle == NULL)
    return G_SOURCE_REMOVE;
  if (self->try_cancellable)
    g_cancellable_cancel (self->try_cancellable);
  g_clear_object (&self->try_cancellable);
  if (text[0] == '\0')
    {
      gtk_label_set_text (self->try_label, "");
      return G_SOURCE_REMOVE;
    }
  self->try_cancellable = g_cancellable_new ();
  job = g_new0 (TryJob, 1);
  job->bundle = kiln_bundle_ref (self->try_bundle);
  job->column = g_strdup (self->try_column);
  job->text = g_strdup (text);
  task = g_task_new (self, self->try_cancellable, try_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) try_job_free);
  g_task_set_return_on_cancel (task, TRUE);
  kiln_task_run_in_thread (task, try_thread);
  return G_SOURCE_REMOVE;
}

/* Typing: predict once the text rests for a moment (every key would queue a prediction). */
static void
on_try_changed (KilnEvaluatePage *self)
{
  if (self->try_timeout)
    g_source_remove (self->try_timeout);
  self->try_timeout = g_timeout_add (120, try_now, self);
}

/* "Try it" for a model whose one input is a text column; hidden otherwise. */
static void
setup_try (KilnEvaluatePage *self, const KilnPipelineResult *result)
{
  KilnRecipe *recipe = kiln_pipeline_get_recipe (result->pipeline);
  guint n_inputs = 0;
  const KilnRecipeColumn *inputs = kiln_recipe_get_input_columns (recipe, &n_inputs);
  gboolean ok = result->bundle != NULL && kiln_recipe_get_n_text_features (recipe) > 0
                && n_inputs == 1 && kiln_recipe_get_task (recipe) == KILN_TASK_CLASSIFICATION;

  g_clear_pointer (&self->try_bundle, kiln_bundle_unref);
  g_clear_pointer (&self->try_column, g_free);
  gtk_widget_set_visible (self->try_box, ok);
  if (!ok)
    return;
  self->try_bundle = kiln_bundle_ref (result->bundle);
  self->try_column = g_strdup (inputs[0].name);
  on_try_changed (self);
}

static void
on_result_changed (KilnEvaluatePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  const KilnPipelineResult *result = kiln_project_get_result (project);
  KilnRun *run = kiln_project_get_current_run (project);
  KilnEvaluation *ev;
  const KilnMetrics *m;
  gboolean cls;

  g_clear_handle_id (&self->fill_table_source, g_source_remove);
  if ((result == NULL || result->evaluation == NULL) && run != NULL)
    {
      /* a reopened run: scored again on its data, or why it cannot be */
      if (run->restore_error != NULL)
        kiln_page_set_not_ready (KILN_PAGE (self), "dialog-warning-symbolic", _("The Saved Model Could Not Be Scored"),
                                 run->restore_error, _("Go to _Train"), KILN_PAGE_TRAIN);
      else
        kiln_page_set_not_ready (KILN_PAGE (self), "view-grid-symbolic", _("Scoring the Saved Model"),
                                 _("The project’s model is scored again on the test rows of its data…"),
                                 NULL, KILN_PAGE_TRAIN);
      return;
    }
  if (result == NULL || result->evaluation == NULL)
    {
      kiln_page_set_not_ready (KILN_PAGE (self), "view-grid-symbolic", _("No Model Yet"),
                               _("Train a model first; its scores on the test rows appear here."),
                               _("Go to _Train"), KILN_PAGE_TRAIN);
      return;
    }
  kiln_page_set_ready (KILN_PAGE (self));
  kiln_why_panel_clear (self->why);
  ev = result->evaluation;
  m = kiln_evaluation_get_metrics (ev);
  cls = kiln_evaluation_get_task (ev) == KILN_TASK_CLASSIFICATION;

  clear_container (GTK_WIDGET (self->cards));
  if (cls)
    {
      add_card (self, _("Accuracy"), "accuracy", m->accuracy, _("Share of test rows predicted right"));
      add_card (self, _("Macro F1"), "macro_f1", m->macro_f1, _("Harmonic mean of precision and recall, averaged over classes"));
      add_card (self, _("Precision"), "precision", m->macro_precision, _("Of the rows predicted as a class, the share that were (macro average)"));
      add_card (self, _("Recall"), "recall", m->macro_recall, _("Of the rows of a class, the share found (macro average)"));
      add_card (self, _("Log loss"), "log_loss", m->log_loss, _("How confident and right the probabilities are; lower is better"));
      add_card (self, _("ROC AUC"), "roc_auc", m->roc_auc, _("Area under the ROC curve; 0.5 is chance, 1 is perfect"));
    }
  else
    {
      add_card (self, _("R²"), "r2", m->r2, _("Share of the target’s variance explained; 1 is perfect"));
      add_card (self, _("RMSE"), "rmse", m->rmse, _("Root mean squared error, in the target’s units"));
      add_card (self, _("MAE"), "mae", m->mae, _("Mean absolute error, in the target’s units"));
    }
  {
    g_autofree char *rows = kiln_format_count (kiln_evaluation_get_n_rows (ev));
    gtk_flow_box_append (self->cards, metric_card (_("Test rows"), rows, _("Rows the model never saw while learning")));
  }

  /* plots */
  show_page (self, self->confusion_page, cls);
  show_page (self, self->classes_page, cls);
  if (cls)
    {
      guint n_classes = 0;
      const char * const *classes = kiln_evaluation_get_classes (ev, &n_classes);
      kiln_confusion_matrix_set_confusion (self->confusion, kiln_evaluation_get_confusion (ev), classes);
      fill_class_grid (self, ev);
      if (kiln_evaluation_get_n_roc_curves (ev) > 0)
        {
          /* two classes: the curve of the second; more: one class against the rest, chosen */
          g_autoptr(GtkStringList) names = gtk_string_list_new (n_classes > 2 ? classes : NULL);
          gtk_widget_set_visible (self->roc_bar, n_classes > 2);
          gtk_drop_down_set_model (self->roc_class, G_LIST_MODEL (names));
          gtk_drop_down_set_selected (self->roc_class, 0);
          show_roc_curve (self);
        }
      show_page (self, self->roc_page, kiln_evaluation_get_n_roc_curves (ev) > 0);
      show_page (self, self->scatter_plot, FALSE);
      show_page (self, self->residual_plot, FALSE);
      gtk_stack_set_visible_child_name (self->plots, "confusion");
    }
  else
    {
      guint n = kiln_evaluation_get_n_rows (ev);
      kiln_plot_set_predicted_vs_actual (KILN_PLOT (self->scatter_plot), kiln_evaluation_get_true_values (ev),
                                         kiln_evaluation_get_predicted_values (ev), n);
      kiln_plot_set_residuals (KILN_PLOT (self->residual_plot), kiln_evaluation_get_true_values (ev),
                               kiln_evaluation_get_predicted_values (ev), n);
      show_page (self, self->roc_page, FALSE);
      show_page (self, self->scatter_plot, TRUE);
      show_page (self, self->residual_plot, TRUE);
      gtk_stack_set_visible_child_name (self->plots, "scatter");
    }
  {
    KilnRecipe *recipe = kiln_pipeline_get_recipe (result->pipeline);
    guint n_features = 0;
    const char * const *names = kiln_recipe_get_feature_names (recipe, &n_features);
    g_autofree double *imp = g_new0 (double, MAX (n_features, 1));
    gboolean has = n_features > 0 && kiln_model_get_importances (result->model, imp);
    if (has)
      kiln_plot_set_bars (KILN_PLOT (self->importance_plot), names, imp, n_features, TRUE, _("Importance"));
    show_page (self, self->importance_plot, has);
    {
      guint n_classes = 0;
      const char * const *classes = cls ? kiln_evaluation_get_classes (ev, &n_classes) : NULL;
      gboolean words = cls && fill_words_plot (self, recipe, result->model, classes, n_classes);
      show_page (self, self->words_plot, words);
      if (words)
        gtk_stack_set_visible_child_name (self->plots, "words");
    }
    setup_try (self, result);
  }

  g_clear_pointer (&self->prediction_frame, kiln_frame_unref);
  self->prediction_frame = build_prediction_frame (ev, kiln_pipeline_get_test_rows (result->pipeline));
  /* The scores, plots and matrix show in this frame; the table's hundreds of cells in the next
     (after the redraw: a low priority), so no frame does both. */
  kiln_data_table_set_frame (self->predictions, NULL);
  g_clear_handle_id (&self->fill_table_source, g_source_remove);
  self->fill_table_source = g_idle_add_full (G_PRIORITY_LOW, fill_table, self, NULL);
}

/* The chart of a plot page, which may wrap it in boxes with its controls. */
static GtkWidget *
find_chart (GtkWidget *widget)
{
  if (widget == NULL || KILN_IS_CHART (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *chart = find_chart (child);
      if (chart)
        return chart;
    }
  return NULL;
}

static void
on_save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  KilnEvaluatePage *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;
      GtkWidget *chart = find_chart (gtk_stack_get_visible_child (self->plots));

      if (chart == NULL || !kiln_plot_save (chart, path, &error))
        kiln_page_toast (KILN_PAGE (self), error ? error->message : _("This view cannot be saved as a picture"));
      else
        kiln_page_toast (KILN_PAGE (self), _("Plot saved"));
    }
  g_object_unref (dialog);
}

static void
save_plot_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnEvaluatePage *self = KILN_EVALUATE_PAGE (widget);
  GtkWidget *window = gtk_widget_get_ancestor (widget, GTK_TYPE_WINDOW);
  GtkFileChooserNative *dialog;
  GtkFileFilter *png = gtk_file_filter_new (), *svg = gtk_file_filter_new ();
  g_autofree char *name = g_strdup_printf ("%s.png", gtk_stack_get_visible_child_name (self->plots));

  dialog = gtk_file_chooser_native_new (_("Save Plot"), GTK_WINDOW (window), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (png, _("PNG image"));
  gtk_file_filter_add_pattern (png, "*.png");
  gtk_file_filter_set_name (svg, _("SVG drawing"));
  gtk_file_filter_add_pattern (svg, "*.svg");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), png);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), svg);
  g_object_unref (png);
  g_object_unref (svg);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  kiln_page_set_save_folder (widget, GTK_FILE_CHOOSER (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
kiln_evaluate_page_project_changed (KilnPage *page, KilnProject *project)
{
  KilnEvaluatePage *self = KILN_EVALUATE_PAGE (page);

  g_signal_connect_object (project, "result-changed", G_CALLBACK (on_result_changed), self, G_CONNECT_SWAPPED);
  on_result_changed (self);
}

static void
kiln_evaluate_page_dispose (GObject *object)
{
  KilnEvaluatePage *self = KILN_EVALUATE_PAGE (object);

  g_clear_handle_id (&self->fill_table_source, g_source_remove);
  g_clear_pointer (&self->prediction_frame, kiln_frame_unref);
  g_clear_handle_id (&self->try_timeout, g_source_remove);
  if (self->try_cancellable)
    g_cancellable_cancel (self->try_cancellable);
  g_clear_object (&self->try_cancellable);
  g_clear_pointer (&self->try_bundle, kiln_bundle_unref);
  g_clear_pointer (&self->try_column, g_free);
  G_OBJECT_CLASS (kiln_evaluate_page_parent_class)->dispose (object);
}

static void
kiln_evaluate_page_class_init (KilnEvaluatePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_evaluate_page_dispose;
  KILN_PAGE_CLASS (klass)->project_changed = kiln_evaluate_page_project_changed;
  gtk_widget_class_install_action (widget_class, "evaluate.save-plot", NULL, save_plot_action);
}

/* The first time the paned shows with a width, the divider goes in the middle; after that it
 * stays where it is (scaled with the window) until the user drags it. */
static gboolean
halve_paned_tick (GtkWidget     *paned,
                  GdkFrameClock *clock,
                  gpointer       unused)
{
  int width = gtk_widget_get_width (paned);

  if (width <= 0)
    return G_SOURCE_CONTINUE;
  gtk_paned_set_position (GTK_PANED (paned), width / 2);
  return G_SOURCE_REMOVE;
}

static void
halve_paned (GtkWidget *paned)
{
  if (g_object_get_data (G_OBJECT (paned), "kiln-halved"))
    return;
  g_object_set_data (G_OBJECT (paned), "kiln-halved", GINT_TO_POINTER (1));
  gtk_widget_add_tick_callback (paned, halve_paned_tick, NULL, NULL);
}

static void
kiln_evaluate_page_init (KilnEvaluatePage *self)
{
  GtkWidget *content, *paned, *left, *right, *bar, *save, *confusion_box, *cm_bar, *scroller;

  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_start (content, 18);
  gtk_widget_set_margin_end (content, 18);

  self->cards = GTK_FLOW_BOX (gtk_flow_box_new ());
  gtk_flow_box_set_selection_mode (self->cards, GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (self->cards, 8);
  gtk_flow_box_set_column_spacing (self->cards, 12);
  gtk_flow_box_set_row_spacing (self->cards, 12);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->cards));

  /* plots and predictions side by side, half and half: a divider set once, so the matrix does
     not move under the pointer whatever the table shows; the user may drag it. (Equal halves of
     a box would need twice the wider half's minimum: wider than a 1024-pixel window.) */
  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_widget_set_vexpand (paned, TRUE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  g_signal_connect (paned, "map", G_CALLBACK (halve_paned), NULL);

  /* left: the plots */
  left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->plots = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->plots), TRUE);
  self->plot_switcher = GTK_STACK_SWITCHER (gtk_stack_switcher_new ());
  gtk_stack_switcher_set_stack (self->plot_switcher, self->plots);
  gtk_widget_set_hexpand (GTK_WIDGET (self->plot_switcher), TRUE);
  gtk_widget_set_halign (GTK_WIDGET (self->plot_switcher), GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->plot_switcher));
  save = gtk_button_new_from_icon_name ("document-save-symbolic");
  kiln_widgets_set_tooltip (save, _("Save this plot as PNG or SVG"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "evaluate.save-plot");
  gtk_widget_add_css_class (save, "flat");
  gtk_box_append (GTK_BOX (bar), save);
  gtk_box_append (GTK_BOX (left), bar);

  confusion_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->confusion = KILN_CONFUSION_MATRIX (kiln_confusion_matrix_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->confusion), TRUE);
  g_signal_connect_swapped (self->confusion, "cell-activated", G_CALLBACK (on_cell_activated), self);
  gtk_box_append (GTK_BOX (confusion_box), GTK_WIDGET (self->confusion));
  cm_bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->normalize = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (_("Row percentages")));
  kiln_widgets_set_tooltip (GTK_WIDGET (self->normalize), _("Show each actual class’s row as shares instead of counts"));
  g_signal_connect_swapped (self->normalize, "toggled", G_CALLBACK (on_normalize_toggled), self);
  gtk_box_append (GTK_BOX (cm_bar), GTK_WIDGET (self->normalize));
  {
    GtkWidget *hint = gtk_label_new (_("Click a cell to see its rows."));
    gtk_widget_add_css_class (hint, "dim-label");
    gtk_box_append (GTK_BOX (cm_bar), hint);
  }
  gtk_box_append (GTK_BOX (confusion_box), cm_bar);
  gtk_stack_add_titled (self->plots, confusion_box, "confusion", _("Confusion"));
  self->confusion_page = confusion_box;

  self->class_grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (self->class_grid, 24);
  gtk_grid_set_row_spacing (self->class_grid, 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self->class_grid), 12);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->class_grid));
  gtk_stack_add_titled (self->plots, scroller, "classes", _("Per Class"));
  self->classes_page = scroller;

  self->roc_page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->roc_bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  {
    GtkWidget *label = gtk_label_new_with_mnemonic (_("C_lass"));
    self->roc_class = GTK_DROP_DOWN (gtk_drop_down_new (NULL, NULL));
    gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->roc_class));
    kiln_widgets_set_tooltip (GTK_WIDGET (self->roc_class),
                                 _("With more than two classes, each has its own curve: how well the "
                                   "model tells it from all the others"));
    g_signal_connect_swapped (self->roc_class, "notify::selected", G_CALLBACK (show_roc_curve), self);
    gtk_box_append (GTK_BOX (self->roc_bar), label);
    gtk_box_append (GTK_BOX (self->roc_bar), GTK_WIDGET (self->roc_class));
  }
  gtk_box_append (GTK_BOX (self->roc_page), self->roc_bar);
  self->roc_plot = kiln_plot_new ();
  gtk_widget_set_vexpand (self->roc_plot, TRUE);
  gtk_box_append (GTK_BOX (self->roc_page), self->roc_plot);
  gtk_stack_add_titled (self->plots, self->roc_page, "roc", _("ROC"));
  self->scatter_plot = kiln_plot_new ();
  gtk_stack_add_titled (self->plots, self->scatter_plot, "scatter", _("Fit"));
  self->residual_plot = kiln_plot_new ();
  gtk_stack_add_titled (self->plots, self->residual_plot, "residuals", _("Residuals"));
  self->importance_plot = kiln_plot_new ();
  gtk_stack_add_titled (self->plots, self->importance_plot, "importances", _("Importances"));
  self->why = KILN_WHY_PANEL (kiln_why_panel_new ());
  /* Translators: the page that explains one row's prediction; short, it is a tab */
  gtk_stack_add_titled (self->plots, GTK_WIDGET (self->why), "why", _("Why?"));
  self->words_plot = kiln_plot_new ();
  gtk_stack_add_titled (self->plots, self->words_plot, "words", _("Words"));
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (self->plots));
  gtk_stack_set_hhomogeneous (self->plots, FALSE);
  show_page (self, self->roc_page, FALSE);
  show_page (self, self->scatter_plot, FALSE);
  show_page (self, self->residual_plot, FALSE);
  show_page (self, self->importance_plot, FALSE);
  show_page (self, self->words_plot, FALSE);

  /* text models: type a sentence, see the prediction */
  self->try_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  {
    GtkWidget *label = gtk_label_new_with_mnemonic (_("_Try it"));
    gtk_widget_add_css_class (label, "heading");
    self->try_entry = GTK_ENTRY (gtk_entry_new ());
    gtk_entry_set_placeholder_text (self->try_entry, _("Type a sentence to see what the model predicts"));
    gtk_widget_set_hexpand (GTK_WIDGET (self->try_entry), TRUE);
    gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->try_entry));
    g_signal_connect_swapped (self->try_entry, "changed", G_CALLBACK (on_try_changed), self);
    self->try_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_widget_add_css_class (GTK_WIDGET (self->try_label), "title-4");
    gtk_label_set_width_chars (self->try_label, 16);
    gtk_label_set_xalign (self->try_label, 0);
    gtk_box_append (GTK_BOX (self->try_box), label);
    gtk_box_append (GTK_BOX (self->try_box), GTK_WIDGET (self->try_entry));
    gtk_box_append (GTK_BOX (self->try_box), GTK_WIDGET (self->try_label));
  }
  gtk_widget_set_visible (self->try_box, FALSE);
  gtk_box_append (GTK_BOX (content), self->try_box);

  /* right: the predictions next to the data */
  right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->predictions_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->predictions_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->predictions_label), "heading");
  gtk_widget_set_hexpand (GTK_WIDGET (self->predictions_label), TRUE);
  gtk_label_set_ellipsize (self->predictions_label, PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->predictions_label));
  self->show_all = GTK_BUTTON (gtk_button_new_with_mnemonic (_("Show _All")));
  g_signal_connect_swapped (self->show_all, "clicked", G_CALLBACK (show_all_rows), self);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->show_all));
  gtk_box_append (GTK_BOX (right), bar);
  self->predictions = KILN_DATA_TABLE (kiln_data_table_new ());
  kiln_data_table_set_rows_activatable (self->predictions, TRUE);
  kiln_widgets_set_tooltip (GTK_WIDGET (self->predictions), _("Click a row to see why it was predicted so"));
  g_signal_connect_swapped (self->predictions, "row-activated", G_CALLBACK (on_row_activated), self);
  gtk_widget_set_vexpand (GTK_WIDGET (self->predictions), TRUE);
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->predictions));
  gtk_widget_set_margin_bottom (right, 12);
  gtk_widget_set_margin_bottom (left, 12);

  gtk_widget_set_hexpand (right, TRUE);
  gtk_widget_set_hexpand (left, TRUE);
  gtk_widget_set_margin_end (left, 9);
  gtk_widget_set_margin_start (right, 9);
  gtk_paned_set_start_child (GTK_PANED (paned), left);
  gtk_paned_set_end_child (GTK_PANED (paned), right);
  gtk_box_append (GTK_BOX (content), paned);
  kiln_page_set_content (KILN_PAGE (self), content);
}
