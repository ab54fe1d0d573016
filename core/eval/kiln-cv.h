/* kiln-cv.h: k-fold cross-validation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two levels: kiln_cross_validate() deals the rows into k folds (stratified when given a class
 * per row) and calls back once per fold with the training and held-out rows, so a caller can
 * refit a whole recipe + model per fold without leakage; kiln_cross_validate_model() is the
 * common case on an already prepared dataset (accuracy for classification, R² for regression).
 * The folds depend only on the rows, k, the strata and the seed.
 */
#pragma once

#include <gio/gio.h>

#include "kiln-model.h"

G_BEGIN_DECLS

#define KILN_EVAL_ERROR (kiln_eval_error_quark ())
GQuark kiln_eval_error_quark (void);

typedef enum {
  KILN_EVAL_ERROR_INVALID,     /* k out of range, too few rows */
} KilnEvalError;

/* Fit on @train_rows, score on @test_rows (indices into the caller's rows, ascending), store the
 * score in *@score. Return FALSE with @error set to stop. */
typedef gboolean (*KilnFoldFunc) (guint           fold,
                                  const guint32  *train_rows,
                                  guint           n_train,
                                  const guint32  *test_rows,
                                  guint           n_test,
                                  double         *score,
                                  gpointer        user_data,
                                  GCancellable   *cancellable,
                                  GError        **error);

/* fold_of_row[i] in 0 .. k - 1. @strata (may be NULL) holds a class per row (< 0: its own
 * stratum); each class is then spread evenly over the folds. Needs 2 <= k <= n_rows. */
gboolean kiln_kfold_assign          (guint          n_rows,
                                     guint          k,
                                     const gint32  *strata,
                                     guint64        seed,
                                     guint         *fold_of_row,
                                     GError       **error);

/* k scores (free with g_free), or NULL with @error. */
double  *kiln_cross_validate        (guint          n_rows,
                                     guint          k,
                                     const gint32  *strata,
                                     guint64        seed,
                                     KilnFoldFunc   func,
                                     gpointer       user_data,
                                     GCancellable  *cancellable,
                                     GError       **error);

/* Cross-validates the family @name with @options on @data (stratified for classification, seed
 * from @options). Scores: accuracy (classification) or R² (regression); k of them in @scores. */
gboolean kiln_cross_validate_model  (const char              *name,
                                     const KilnModelOptions  *options,
                                     const KilnDataset       *data,
                                     guint                    k,
                                     double                  *scores,
                                     GCancellable            *cancellable,
                                     GError                 **error);

G_END_DECLS
