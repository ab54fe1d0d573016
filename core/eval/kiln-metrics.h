/* kiln-metrics.h: how good a model is, measured the way scikit-learn measures it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain functions over arrays, so they can be checked against sklearn.metrics on fixed inputs.
 * Classes are indices 0 .. n_classes - 1; probabilities are row-major n_rows x n_classes.
 *
 * Semantics follow scikit-learn 1.2 (the reference on these machines):
 *  - precision / recall / F1 use zero_division=0 (an undefined ratio counts as 0);
 *  - the macro averages run over the classes that occur in y_true or y_pred (sklearn's
 *    behaviour when no `labels` are given);
 *  - log loss clips probabilities to [eps, 1 - eps] with eps = DBL_EPSILON (sklearn 1.2's
 *    eps="auto" for float64), renormalises each row, and averages -log p(true class);
 *  - ROC curves merge tied scores into one point (a diagonal step, so ties count one half in the
 *    AUC), start at (0, 0) with threshold max + 1 and, with drop_intermediate, drop collinear
 *    points exactly like roc_curve(); one-vs-rest AUC is the unweighted mean over classes;
 *  - R² is 1 when the targets are constant and predicted exactly, 0 when constant and not
 *    (force_finite=True).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- Classification ------------------------------------------------------------------- */

/* The most probable class of each row (the first one on ties, like numpy's argmax). */
void    kiln_metrics_argmax            (const double *proba,
                                        guint         n_rows,
                                        guint         n_classes,
                                        gint32       *out);
/* NaN when n_rows == 0. */
double  kiln_metrics_accuracy          (const gint32 *y_true,
                                        const gint32 *y_pred,
                                        guint         n_rows);
/* Per class (arrays of n_classes, each may be NULL). Returns the macro averages (over the
 * classes present in y_true or y_pred) in the *macro_* outs, which may be NULL. */
void    kiln_metrics_precision_recall_f1 (const gint32 *y_true,
                                          const gint32 *y_pred,
                                          guint         n_rows,
                                          guint         n_classes,
                                          double       *precision,
                                          double       *recall,
                                          double       *f1,
                                          guint        *support,
                                          double       *macro_precision,
                                          double       *macro_recall,
                                          double       *macro_f1);
double  kiln_metrics_log_loss          (const gint32 *y_true,
                                        const double *proba,
                                        guint         n_rows,
                                        guint         n_classes);

/* ---- ROC ------------------------------------------------------------------------------ */

typedef struct {
  guint   n_points;
  double *fpr;
  double *tpr;
  double *thresholds;   /* decreasing; thresholds[0] = max score + 1 */
  double  auc;          /* NaN when only one of positives / negatives occurs */
} KilnRocCurve;

/* The curve of "class == @positive" scored by scores[i * stride], i < n_rows. */
KilnRocCurve *kiln_roc_curve_new       (const gint32 *y_true,
                                        gint32        positive,
                                        const double *scores,
                                        gsize         stride,
                                        guint         n_rows,
                                        gboolean      drop_intermediate);
KilnRocCurve *kiln_roc_curve_copy      (const KilnRocCurve *curve);
void          kiln_roc_curve_free      (KilnRocCurve *curve);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnRocCurve, kiln_roc_curve_free)

/* Binary: the AUC of class 1 scored by proba[:, 1]. More classes: the one-vs-rest macro mean over
 * the classes that have both positives and negatives. NaN when no class qualifies. */
double  kiln_metrics_roc_auc           (const gint32 *y_true,
                                        const double *proba,
                                        guint         n_rows,
                                        guint         n_classes);

/* ---- Confusion matrix ----------------------------------------------------------------- */

/* Immutable and ref-counted: counts per (actual, predicted) cell, and the rows (indices into the
 * evaluated rows, ascending) behind each cell. */
typedef struct _KilnConfusion KilnConfusion;

KilnConfusion  *kiln_confusion_new          (const gint32 *y_true,
                                             const gint32 *y_pred,
                                             guint         n_rows,
                                             guint         n_classes);
KilnConfusion  *kiln_confusion_ref          (KilnConfusion *cm);
void            kiln_confusion_unref        (KilnConfusion *cm);
guint           kiln_confusion_get_n_classes (KilnConfusion *cm);
guint           kiln_confusion_get_count    (KilnConfusion *cm,
                                             guint          actual,
                                             guint          predicted);
const guint32  *kiln_confusion_get_rows     (KilnConfusion *cm,
                                             guint          actual,
                                             guint          predicted,
                                             guint         *n_rows);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnConfusion, kiln_confusion_unref)

/* ---- Regression ----------------------------------------------------------------------- */

typedef struct {
  double r2;
  double rmse;
  double mae;
  double mse;
} KilnRegressionMetrics;

/* All NaN when n_rows == 0. */
void    kiln_metrics_regression        (const double          *y_true,
                                        const double          *y_pred,
                                        guint                  n_rows,
                                        KilnRegressionMetrics *out);
/* out[i] = y_true[i] - y_pred[i] */
void    kiln_metrics_residuals         (const double *y_true,
                                        const double *y_pred,
                                        guint         n_rows,
                                        double       *out);

G_END_DECLS
