/* kiln-metrics.c: classification and regression metrics, confusion matrix, ROC.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-metrics"

#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-metrics.h"

/* ---- Classification ------------------------------------------------------------------- */

void
kiln_metrics_argmax (const double *proba,
                     guint         n_rows,
                     guint         n_classes,
                     gint32       *out)
{
  g_return_if_fail (n_rows == 0 || (proba != NULL && out != NULL));
  g_return_if_fail (n_classes > 0);

  for (guint i = 0; i < n_rows; i++)
    {
      const double *p = proba + (gsize) i * n_classes;
      guint best = 0;

      for (guint c = 1; c < n_classes; c++)
        if (p[c] > p[best])
          best = c;
      out[i] = (gint32) best;
    }
}

double
kiln_metrics_accuracy (const gint32 *y_true,
                       const gint32 *y_pred,
                       guint         n_rows)
{
  guint correct = 0;

  if (n_rows == 0)
    return NAN;
  g_return_val_if_fail (y_true != NULL && y_pred != NULL, NAN);

  for (guint i = 0; i < n_rows; i++)
    correct += y_true[i] == y_pred[i];
  return (double) correct / n_rows;
}

static inline double
safe_div (double a, double b)
{
  return b > 0 ? a / b : 0.0;
}

void
kiln_metrics_precision_recall_f1 (const gint32 *y_true,
                                  const gint32 *y_pred,
                                  guint         n_rows,
                                  guint         n_classes,
                                  double       *precision,
                                  double       *recall,
                                  double       *f1,
                                  guint        *support,
                                  double       *macro_precision,
                                  double       *macro_recall,
                                  double       *macro_f1)
{
  g_autofree guint *tp = NULL, *n_true = NULL, *n_pred = NULL;
  double sum_p = 0, sum_r = 0, sum_f = 0;
  guint n_present = 0;

  g_return_if_fail (n_classes > 0);
  g_return_if_fail (n_rows == 0 || (y_true != NULL && y_pred != NULL));

  tp = g_new0 (guint, n_classes);
  n_true = g_new0 (guint, n_classes);
  n_pred = g_new0 (guint, n_classes);
  for (guint i = 0; i < n_rows; i++)
    {
      gint32 t = y_true[i], p = y_pred[i];

      if (t < 0 || (guint) t >= n_classes || p < 0 || (guint) p >= n_classes)
        continue;
      n_true[t]++;
      n_pred[p]++;
      if (t == p)
        tp[t]++;
    }

  for (guint c = 0; c < n_classes; c++)
    {
      double pr = safe_div (tp[c], n_pred[c]);
      double re = safe_div (tp[c], n_true[c]);
      double f = pr + re > 0 ? 2 * pr * re / (pr + re) : 0.0;

      if (precision)
        precision[c] = pr;
      if (recall)
        recall[c] = re;
      if (f1)
        f1[c] = f;
      if (support)
        support[c] = n_true[c];
      if (n_true[c] > 0 || n_pred[c] > 0)
        {
          n_present++;
          sum_p += pr;
          sum_r += re;
          sum_f += f;
        }
    }

  if (macro_precision)
    *macro_precision = n_present ? sum_p / n_present : NAN;
  if (macro_recall)
    *macro_recall = n_present ? sum_r / n_present : NAN;
  if (macro_f1)
    *macro_f1 = n_present ? sum_f / n_present : NAN;
}

double
kiln_metrics_log_loss (const gint32 *y_true,
                       const double *proba,
                       guint         n_rows,
                       guint         n_classes)
{
  const double eps = DBL_EPSILON;
  double total = 0;

  if (n_rows == 0)
    return NAN;
  g_return_val_if_fail (y_true != NULL && proba != NULL && n_classes > 0, NAN);

  for (guint i = 0; i < n_rows; i++)
    {
      const double *p = proba + (gsize) i * n_classes;
      double sum = 0, pt = 0;
      gint32 t = y_true[i];

      if (t < 0 || (guint) t >= n_classes)
        return NAN;
      for (guint c = 0; c < n_classes; c++)
        {
          double v = CLAMP (p[c], eps, 1 - eps);
          if (isnan (p[c]))
            return NAN;
          sum += v;
          if ((gint32) c == t)
            pt = v;
        }
      total -= log (pt / sum);
    }
  return total / n_rows;
}

/* ---- ROC ------------------------------------------------------------------------------ */

typedef struct {
  double score;
  guint8 positive;
} ScoredRow;

static int
compare_scored_desc (const void *a, const void *b)
{
  const ScoredRow *x = a, *y = b;

  /* Descending; NaN scores (which a model should never produce) go last. */
  if (x->score > y->score || (!isnan (x->score) && isnan (y->score)))
    return -1;
  if (x->score < y->score || (isnan (x->score) && !isnan (y->score)))
    return 1;
  return 0;
}

KilnRocCurve *
kiln_roc_curve_new (const gint32 *y_true,
                    gint32        positive,
                    const double *scores,
                    gsize         stride,
                    guint         n_rows,
                    gboolean      drop_intermediate)
{
  g_autofree ScoredRow *rows = NULL;
  g_autofree double *fps = NULL, *tps = NULL, *thr = NULL;
  g_autofree guint *keep = NULL;
  KilnRocCurve *curve;
  guint n_dist = 0, n_keep = 0;
  double tp = 0, fp = 0;

  g_return_val_if_fail (n_rows == 0 || (y_true != NULL && scores != NULL), NULL);
  g_return_val_if_fail (stride > 0, NULL);

  rows = g_new (ScoredRow, MAX (n_rows, 1));
  for (guint i = 0; i < n_rows; i++)
    {
      rows[i].score = scores[(gsize) i * stride];
      rows[i].positive = y_true[i] == positive;
    }
  qsort (rows, n_rows, sizeof *rows, compare_scored_desc);

  /* One point per distinct score (ties merged), as sklearn's _binary_clf_curve. */
  fps = g_new (double, n_rows + 1);
  tps = g_new (double, n_rows + 1);
  thr = g_new (double, n_rows + 1);
  for (guint i = 0; i < n_rows; i++)
    {
      if (rows[i].positive)
        tp++;
      else
        fp++;
      if (i + 1 == n_rows || rows[i + 1].score != rows[i].score)
        {
          fps[n_dist] = fp;
          tps[n_dist] = tp;
          thr[n_dist] = rows[i].score;
          n_dist++;
        }
    }

  keep = g_new (guint, n_dist + 1);
  for (guint i = 0; i < n_dist; i++)
    {
      if (drop_intermediate && n_dist > 2 && i > 0 && i + 1 < n_dist)
        {
          double d2f = fps[i + 1] - 2 * fps[i] + fps[i - 1];
          double d2t = tps[i + 1] - 2 * tps[i] + tps[i - 1];
          if (d2f == 0 && d2t == 0)
            continue;
        }
      keep[n_keep++] = i;
    }

  curve = g_new0 (KilnRocCurve, 1);
  curve->n_points = n_keep + 1;
  curve->fpr = g_new (double, curve->n_points);
  curve->tpr = g_new (double, curve->n_points);
  curve->thresholds = g_new (double, curve->n_points);
  curve->fpr[0] = 0;
  curve->tpr[0] = 0;
  curve->thresholds[0] = n_keep ? thr[keep[0]] + 1 : 1;
  for (guint j = 0; j < n_keep; j++)
    {
      guint i = keep[j];
      curve->fpr[j + 1] = fp > 0 ? fps[i] / fp : NAN;
      curve->tpr[j + 1] = tp > 0 ? tps[i] / tp : NAN;
      curve->thresholds[j + 1] = thr[i];
    }
  if (fp == 0)
    curve->fpr[0] = NAN;
  if (tp == 0)
    curve->tpr[0] = NAN;

  if (fp > 0 && tp > 0)
    {
      double area = 0;
      for (guint j = 1; j < curve->n_points; j++)
        area += (curve->fpr[j] - curve->fpr[j - 1]) * (curve->tpr[j] + curve->tpr[j - 1]) / 2;
      curve->auc = area;
    }
  else
    curve->auc = NAN;
  return curve;
}

KilnRocCurve *
kiln_roc_curve_copy (const KilnRocCurve *curve)
{
  KilnRocCurve *copy;

  g_return_val_if_fail (curve != NULL, NULL);

  copy = g_new0 (KilnRocCurve, 1);
  copy->n_points = curve->n_points;
  copy->auc = curve->auc;
  copy->fpr = g_memdup2 (curve->fpr, sizeof (double) * curve->n_points);
  copy->tpr = g_memdup2 (curve->tpr, sizeof (double) * curve->n_points);
  copy->thresholds = g_memdup2 (curve->thresholds, sizeof (double) * curve->n_points);
  return copy;
}

void
kiln_roc_curve_free (KilnRocCurve *curve)
{
  if (curve == NULL)
    return;
  g_free (curve->fpr);
  g_free (curve->tpr);
  g_free (curve->thresholds);
  g_free (curve);
}

double
kiln_metrics_roc_auc (const gint32 *y_true,
                      const double *proba,
                      guint         n_rows,
                      guint         n_classes)
{
  double sum = 0;
  guint n = 0;

  g_return_val_if_fail (n_classes >= 2, NAN);
  if (n_rows == 0)
    return NAN;
  g_return_val_if_fail (y_true != NULL && proba != NULL, NAN);

  if (n_classes == 2)
    {
      g_autoptr(KilnRocCurve) curve = kiln_roc_curve_new (y_true, 1, proba + 1, 2, n_rows, TRUE);
      return curve->auc;
    }
  for (guint c = 0; c < n_classes; c++)
    {
      g_autoptr(KilnRocCurve) curve = kiln_roc_curve_new (y_true, (gint32) c, proba + c,
                                                          n_classes, n_rows, TRUE);
      if (!isnan (curve->auc))
        {
          sum += curve->auc;
          n++;
        }
    }
  return n ? sum / n : NAN;
}

/* ---- Confusion matrix ----------------------------------------------------------------- */

struct _KilnConfusion {
  gatomicrefcount ref_count;
  guint           n_classes;
  guint          *offsets;   /* n_classes² + 1, CSR-style into rows */
  guint32        *rows;
};

KilnConfusion *
kiln_confusion_new (const gint32 *y_true,
                    const gint32 *y_pred,
                    guint         n_rows,
                    guint         n_classes)
{
  KilnConfusion *cm;
  g_autofree guint *fill = NULL;
  gsize n_cells;

  g_return_val_if_fail (n_classes > 0, NULL);
  g_return_val_if_fail (n_rows == 0 || (y_true != NULL && y_pred != NULL), NULL);

  n_cells = (gsize) n_classes * n_classes;
  cm = g_new0 (KilnConfusion, 1);
  g_atomic_ref_count_init (&cm->ref_count);
  cm->n_classes = n_classes;
  cm->offsets = g_new0 (guint, n_cells + 1);
  for (guint i = 0; i < n_rows; i++)
    {
      gint32 t = y_true[i], p = y_pred[i];
      if (t >= 0 && (guint) t < n_classes && p >= 0 && (guint) p < n_classes)
        cm->offsets[(gsize) t * n_classes + p + 1]++;
    }
  for (gsize c = 0; c < n_cells; c++)
    cm->offsets[c + 1] += cm->offsets[c];
  cm->rows = g_new (guint32, MAX (cm->offsets[n_cells], 1));
  fill = g_memdup2 (cm->offsets, sizeof (guint) * n_cells);
  for (guint i = 0; i < n_rows; i++)
    {
      gint32 t = y_true[i], p = y_pred[i];
      if (t >= 0 && (guint) t < n_classes && p >= 0 && (guint) p < n_classes)
        cm->rows[fill[(gsize) t * n_classes + p]++] = i;
    }
  return cm;
}

KilnConfusion *
kiln_confusion_ref (KilnConfusion *cm)
{
  g_return_val_if_fail (cm != NULL, NULL);
  g_atomic_ref_count_inc (&cm->ref_count);
  return cm;
}

void
kiln_confusion_unref (KilnConfusion *cm)
{
  g_return_if_fail (cm != NULL);
  if (g_atomic_ref_count_dec (&cm->ref_count))
    {
      g_free (cm->offsets);
      g_free (cm->rows);
      g_free (cm);
    }
}

guint
kiln_confusion_get_n_classes (KilnConfusion *cm)
{
  g_return_val_if_fail (cm != NULL, 0);
  return cm->n_classes;
}

guint
kiln_confusion_get_count (KilnConfusion *cm,
                          guint          actual,
                          guint          predicted)
{
  gsize cell;

  g_return_val_if_fail (cm != NULL, 0);
  g_return_val_if_fail (actual < cm->n_classes && predicted < cm->n_classes, 0);

  cell = (gsize) actual * cm->n_classes + predicted;
  return cm->offsets[cell + 1] - cm->offsets[cell];
}

const guint32 *
kiln_confusion_get_rows (KilnConfusion *cm,
                         guint          actual,
                         guint          predicted,
                         guint         *n_rows)
{
  gsize cell;

  g_return_val_if_fail (cm != NULL, NULL);
  g_return_val_if_fail (n_rows != NULL, NULL);
  g_return_val_if_fail (actual < cm->n_classes && predicted < cm->n_classes, NULL);

  cell = (gsize) actual * cm->n_classes + predicted;
  *n_rows = cm->offsets[cell + 1] - cm->offsets[cell];
  return cm->rows + cm->offsets[cell];
}

/* ---- Regression ----------------------------------------------------------------------- */

void
kiln_metrics_regression (const double          *y_true,
                         const double          *y_pred,
                         guint                  n_rows,
                         KilnRegressionMetrics *out)
{
  double mean = 0, ss_res = 0, ss_tot = 0, abs_err = 0;

  g_return_if_fail (out != NULL);
  if (n_rows == 0)
    {
      out->r2 = out->rmse = out->mae = out->mse = NAN;
      return;
    }
  g_return_if_fail (y_true != NULL && y_pred != NULL);

  for (guint i = 0; i < n_rows; i++)
    mean += y_true[i];
  mean /= n_rows;
  for (guint i = 0; i < n_rows; i++)
    {
      double e = y_true[i] - y_pred[i];
      double d = y_true[i] - mean;
      ss_res += e * e;
      ss_tot += d * d;
      abs_err += fabs (e);
    }
  out->mse = ss_res / n_rows;
  out->rmse = sqrt (out->mse);
  out->mae = abs_err / n_rows;
  if (ss_tot != 0)
    out->r2 = 1 - ss_res / ss_tot;
  else
    out->r2 = ss_res == 0 ? 1.0 : 0.0;
}

void
kiln_metrics_residuals (const double *y_true,
                        const double *y_pred,
                        guint         n_rows,
                        double       *out)
{
  g_return_if_fail (n_rows == 0 || (y_true != NULL && y_pred != NULL && out != NULL));

  for (guint i = 0; i < n_rows; i++)
    out[i] = y_true[i] - y_pred[i];
}
