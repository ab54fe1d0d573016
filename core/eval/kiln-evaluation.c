/* kiln-evaluation.c: the immutable result of evaluating a model on the test rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-evaluation"

#include "config.h"

#include <math.h>

#include "kiln-evaluation.h"

struct _KilnEvaluation {
  gatomicrefcount ref_count;
  KilnTask        task;
  guint           n_rows;
  KilnMetrics     metrics;
  KilnFrame      *rows;
  /* classification */
  GStrv           classes;
  guint           n_classes;
  gint32         *y_true;
  gint32         *y_pred;
  double         *proba;
  double         *precision, *recall, *f1;
  guint          *support;
  KilnConfusion  *confusion;
  GPtrArray      *roc;        /* KilnRocCurve */
  /* regression */
  double         *v_true;
  double         *v_pred;
  double         *residuals;
};

G_DEFINE_BOXED_TYPE (KilnEvaluation, kiln_evaluation, kiln_evaluation_ref, kiln_evaluation_unref)

static KilnEvaluation *
evaluation_alloc (KilnTask task, guint n_rows, KilnFrame *rows)
{
  KilnEvaluation *ev = g_new0 (KilnEvaluation, 1);

  g_atomic_ref_count_init (&ev->ref_count);
  ev->task = task;
  ev->n_rows = n_rows;
  ev->rows = rows ? kiln_frame_ref (rows) : NULL;
  ev->metrics = (KilnMetrics) { NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
  return ev;
}

KilnEvaluation *
kiln_evaluation_new_classification (const char * const *classes,
                                    guint               n_classes,
                                    const gint32       *y_true,
                                    const double       *proba,
                                    guint               n_rows,
                                    KilnFrame          *rows)
{
  KilnEvaluation *ev;
  KilnMetrics *m;

  g_return_val_if_fail (classes != NULL && n_classes > 0, NULL);
  g_return_val_if_fail (n_rows == 0 || (y_true != NULL && proba != NULL), NULL);
  g_return_val_if_fail (rows == NULL || kiln_frame_get_n_rows (rows) == n_rows, NULL);

  ev = evaluation_alloc (KILN_TASK_CLASSIFICATION, n_rows, rows);
  ev->n_classes = n_classes;
  ev->classes = g_new0 (char *, n_classes + 1);
  for (guint c = 0; c < n_classes; c++)
    ev->classes[c] = g_strdup (classes[c]);
  ev->y_true = g_memdup2 (y_true, sizeof (gint32) * MAX (n_rows, 1));
  ev->proba = g_memdup2 (proba, sizeof (double) * n_classes * MAX (n_rows, 1));
  ev->y_pred = g_new (gint32, MAX (n_rows, 1));
  kiln_metrics_argmax (ev->proba, n_rows, n_classes, ev->y_pred);

  ev->precision = g_new (double, n_classes);
  ev->recall = g_new (double, n_classes);
  ev->f1 = g_new (double, n_classes);
  ev->support = g_new (guint, n_classes);
  m = &ev->metrics;
  m->accuracy = kiln_metrics_accuracy (ev->y_true, ev->y_pred, n_rows);
  kiln_metrics_precision_recall_f1 (ev->y_true, ev->y_pred, n_rows, n_classes,
                                    ev->precision, ev->recall, ev->f1, ev->support,
                                    &m->macro_precision, &m->macro_recall, &m->macro_f1);
  m->log_loss = kiln_metrics_log_loss (ev->y_true, ev->proba, n_rows, n_classes);
  ev->confusion = kiln_confusion_new (ev->y_true, ev->y_pred, n_rows, n_classes);

  ev->roc = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_roc_curve_free);
  if (n_classes == 2)
    g_ptr_array_add (ev->roc, kiln_roc_curve_new (ev->y_true, 1, ev->proba + 1, 2, n_rows, TRUE));
  else if (n_classes > 2)
    for (guint c = 0; c < n_classes; c++)
      g_ptr_array_add (ev->roc, kiln_roc_curve_new (ev->y_true, (gint32) c, ev->proba + c,
                                                    n_classes, n_rows, TRUE));
  if (n_classes >= 2)
    {
      double sum = 0;
      guint n = 0;
      for (guint i = 0; i < ev->roc->len; i++)
        {
          const KilnRocCurve *curve = g_ptr_array_index (ev->roc, i);
          if (!isnan (curve->auc))
            {
              sum += curve->auc;
              n++;
            }
        }
      m->roc_auc = n ? sum / n : NAN;
    }
  return ev;
}

KilnEvaluation *
kiln_evaluation_new_regression (const double *y_true,
                                const double *y_pred,
                                guint         n_rows,
                                KilnFrame    *rows)
{
  KilnEvaluation *ev;
  KilnRegressionMetrics r;

  g_return_val_if_fail (n_rows == 0 || (y_true != NULL && y_pred != NULL), NULL);
  g_return_val_if_fail (rows == NULL || kiln_frame_get_n_rows (rows) == n_rows, NULL);

  ev = evaluation_alloc (KILN_TASK_REGRESSION, n_rows, rows);
  ev->v_true = g_memdup2 (y_true, sizeof (double) * MAX (n_rows, 1));
  ev->v_pred = g_memdup2 (y_pred, sizeof (double) * MAX (n_rows, 1));
  ev->residuals = g_new (double, MAX (n_rows, 1));
  kiln_metrics_residuals (ev->v_true, ev->v_pred, n_rows, ev->residuals);
  kiln_metrics_regression (ev->v_true, ev->v_pred, n_rows, &r);
  ev->metrics.r2 = r.r2;
  ev->metrics.rmse = r.rmse;
  ev->metrics.mae = r.mae;
  return ev;
}

KilnEvaluation *
kiln_evaluation_ref (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  g_atomic_ref_count_inc (&evaluation->ref_count);
  return evaluation;
}

void
kiln_evaluation_unref (KilnEvaluation *ev)
{
  g_return_if_fail (ev != NULL);
  if (!g_atomic_ref_count_dec (&ev->ref_count))
    return;
  g_clear_pointer (&ev->rows, kiln_frame_unref);
  g_strfreev (ev->classes);
  g_free (ev->y_true);
  g_free (ev->y_pred);
  g_free (ev->proba);
  g_free (ev->precision);
  g_free (ev->recall);
  g_free (ev->f1);
  g_free (ev->support);
  g_clear_pointer (&ev->confusion, kiln_confusion_unref);
  g_clear_pointer (&ev->roc, g_ptr_array_unref);
  g_free (ev->v_true);
  g_free (ev->v_pred);
  g_free (ev->residuals);
  g_free (ev);
}

KilnTask
kiln_evaluation_get_task (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, KILN_TASK_CLASSIFICATION);
  return evaluation->task;
}

guint
kiln_evaluation_get_n_rows (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, 0);
  return evaluation->n_rows;
}

const char * const *
kiln_evaluation_get_classes (KilnEvaluation *evaluation,
                             guint          *n_classes)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  if (n_classes)
    *n_classes = evaluation->n_classes;
  return (const char * const *) evaluation->classes;
}

const KilnMetrics *
kiln_evaluation_get_metrics (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return &evaluation->metrics;
}

KilnFrame *
kiln_evaluation_get_rows (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->rows;
}

const gint32 *
kiln_evaluation_get_true_classes (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->y_true;
}

const gint32 *
kiln_evaluation_get_predicted_classes (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->y_pred;
}

const double *
kiln_evaluation_get_probabilities (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->proba;
}

KilnConfusion *
kiln_evaluation_get_confusion (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->confusion;
}

void
kiln_evaluation_get_class_metrics (KilnEvaluation *evaluation,
                                   guint           class_index,
                                   double         *precision,
                                   double         *recall,
                                   double         *f1,
                                   guint          *support)
{
  g_return_if_fail (evaluation != NULL);
  g_return_if_fail (evaluation->task == KILN_TASK_CLASSIFICATION);
  g_return_if_fail (class_index < evaluation->n_classes);

  if (precision)
    *precision = evaluation->precision[class_index];
  if (recall)
    *recall = evaluation->recall[class_index];
  if (f1)
    *f1 = evaluation->f1[class_index];
  if (support)
    *support = evaluation->support[class_index];
}

guint
kiln_evaluation_get_n_roc_curves (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, 0);
  return evaluation->roc ? evaluation->roc->len : 0;
}

const KilnRocCurve *
kiln_evaluation_get_roc_curve (KilnEvaluation *evaluation,
                               guint           index)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  g_return_val_if_fail (evaluation->roc != NULL && index < evaluation->roc->len, NULL);
  return g_ptr_array_index (evaluation->roc, index);
}

const double *
kiln_evaluation_get_true_values (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->v_true;
}

const double *
kiln_evaluation_get_predicted_values (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->v_pred;
}

const double *
kiln_evaluation_get_residuals (KilnEvaluation *evaluation)
{
  g_return_val_if_fail (evaluation != NULL, NULL);
  return evaluation->residuals;
}

void
kiln_evaluation_add_json_number (JsonBuilder *builder,
                                 const char  *name,
                                 double       value)
{
  g_return_if_fail (builder != NULL);

  if (name != NULL)
    json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

JsonNode *
kiln_evaluation_metrics_to_json (KilnEvaluation *evaluation)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const KilnMetrics *m;

  g_return_val_if_fail (evaluation != NULL, NULL);

  m = &evaluation->metrics;
  json_builder_begin_object (b);
  if (evaluation->task == KILN_TASK_CLASSIFICATION)
    {
      kiln_evaluation_add_json_number (b, "accuracy", m->accuracy);
      kiln_evaluation_add_json_number (b, "macro_f1", m->macro_f1);
      kiln_evaluation_add_json_number (b, "log_loss", m->log_loss);
      if (evaluation->n_classes == 2)
        kiln_evaluation_add_json_number (b, "roc_auc", m->roc_auc);
    }
  else
    {
      kiln_evaluation_add_json_number (b, "r2", m->r2);
      kiln_evaluation_add_json_number (b, "rmse", m->rmse);
      kiln_evaluation_add_json_number (b, "mae", m->mae);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
kiln_evaluation_confusion_to_json (KilnEvaluation *evaluation)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (evaluation != NULL, NULL);

  if (evaluation->task != KILN_TASK_CLASSIFICATION)
    return json_node_new (JSON_NODE_NULL);
  json_builder_begin_array (b);
  for (guint a = 0; a < evaluation->n_classes; a++)
    {
      json_builder_begin_array (b);
      for (guint p = 0; p < evaluation->n_classes; p++)
        json_builder_add_int_value (b, kiln_confusion_get_count (evaluation->confusion, a, p));
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}
