/* kiln-evaluation.h: everything the Evaluate page shows about a fitted model on the test rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KilnEvaluation is built once from the truth and the model's output on the evaluated rows, then
 * never changes; it is ref-counted and can be read from any thread. It holds the task, the classes,
 * the predictions (and probabilities), the metrics, the confusion matrix with the rows behind each
 * cell, the ROC curves (classification) and the residuals (regression). Row indices are positions
 * in the evaluated rows; kiln_evaluation_get_rows() returns those rows as a frame when the builder
 * passed one (the GUI shows the rows behind a confusion-matrix cell from it).
 */
#pragma once

#include <json-glib/json-glib.h>

#include "kiln-frame.h"
#include "kiln-metrics.h"
#include "kiln-dataset.h"

G_BEGIN_DECLS

typedef struct {
  /* classification (NaN for regression) */
  double accuracy;
  double macro_precision;
  double macro_recall;
  double macro_f1;
  double log_loss;
  double roc_auc;       /* binary: AUC of the second class; more: one-vs-rest macro */
  /* regression (NaN for classification) */
  double r2;
  double rmse;
  double mae;
} KilnMetrics;

typedef struct _KilnEvaluation KilnEvaluation;

#define KILN_TYPE_EVALUATION (kiln_evaluation_get_type ())
GType kiln_evaluation_get_type (void) G_GNUC_CONST;

/* @classes: n_classes names (copied). @y_true: class indices. @proba: n_rows x n_classes (copied).
 * @rows (may be NULL): the evaluated rows, as the user sees them (a reference is taken). */
KilnEvaluation *kiln_evaluation_new_classification (const char * const *classes,
                                                    guint               n_classes,
                                                    const gint32       *y_true,
                                                    const double       *proba,
                                                    guint               n_rows,
                                                    KilnFrame          *rows);
KilnEvaluation *kiln_evaluation_new_regression     (const double *y_true,
                                                    const double *y_pred,
                                                    guint         n_rows,
                                                    KilnFrame    *rows);

KilnEvaluation *kiln_evaluation_ref                (KilnEvaluation *evaluation);
void            kiln_evaluation_unref              (KilnEvaluation *evaluation);

KilnTask        kiln_evaluation_get_task           (KilnEvaluation *evaluation);
guint           kiln_evaluation_get_n_rows         (KilnEvaluation *evaluation);
/* NULL-terminated; NULL for regression. */
const char * const *kiln_evaluation_get_classes    (KilnEvaluation *evaluation,
                                                    guint          *n_classes);
const KilnMetrics *kiln_evaluation_get_metrics     (KilnEvaluation *evaluation);
/* The evaluated rows (borrowed), or NULL. */
KilnFrame      *kiln_evaluation_get_rows           (KilnEvaluation *evaluation);

/* Classification (NULL for regression). */
const gint32   *kiln_evaluation_get_true_classes      (KilnEvaluation *evaluation);
const gint32   *kiln_evaluation_get_predicted_classes (KilnEvaluation *evaluation);
const double   *kiln_evaluation_get_probabilities     (KilnEvaluation *evaluation);
KilnConfusion  *kiln_evaluation_get_confusion         (KilnEvaluation *evaluation); /* borrowed */
/* Per class: precision, recall, F1 and support (the count in the truth). */
void            kiln_evaluation_get_class_metrics     (KilnEvaluation *evaluation,
                                                       guint           class_index,
                                                       double         *precision,
                                                       double         *recall,
                                                       double         *f1,
                                                       guint          *support);
/* Binary: one curve (the second class as positive). More classes: one per class, one-vs-rest.
 * Returns the number of curves. */
guint           kiln_evaluation_get_n_roc_curves      (KilnEvaluation *evaluation);
const KilnRocCurve *kiln_evaluation_get_roc_curve     (KilnEvaluation *evaluation,
                                                       guint           index);

/* Regression (NULL for classification). */
const double   *kiln_evaluation_get_true_values       (KilnEvaluation *evaluation);
const double   *kiln_evaluation_get_predicted_values  (KilnEvaluation *evaluation);
const double   *kiln_evaluation_get_residuals         (KilnEvaluation *evaluation);

/* The metrics object of `kiln-cli train --json`, exactly: classification {"accuracy",
 * "macro_f1", "log_loss"[, "roc_auc" with two classes]}; regression {"r2", "rmse", "mae"}.
 * Numbers that are not finite are written as null. */
JsonNode       *kiln_evaluation_metrics_to_json       (KilnEvaluation *evaluation);
/* [[count, ...], ...] rows = actual, columns = predicted; null for regression. */
JsonNode       *kiln_evaluation_confusion_to_json     (KilnEvaluation *evaluation);

/* Adds @value to @builder, as member @name (NULL: an array element, or a member already named),
 * as a JSON number, or null when it is not finite (JSON has neither NaN nor infinities): how
 * the metrics above, the comparison's leaderboard and explanations write their numbers. */
void            kiln_evaluation_add_json_number       (JsonBuilder    *builder,
                                                       const char     *name,
                                                       double          value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnEvaluation, kiln_evaluation_unref)

G_END_DECLS
