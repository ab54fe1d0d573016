/* kiln-cv.h: k-fold cross-validation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two levels: kiln_cross_validate() deals the rows into k folds (stratified when given a class
 * per row) and calls back once per fold with the training and held-out rows, so a caller can
 * refit a whole recipe + model per fold without leakage; kiln_cross_validate_model() is the
 * common case on an already prepared dataset (accuracy for classification, R² for regression).
 * The folds depend only on the rows, k, the strata and the seed.
 *
 * Rows in time order get forward-chaining folds instead (kiln_forward_assign()): the rows, from
 * the earliest to the latest, are cut into k + 1 consecutive blocks; fold f (0 .. k - 1) trains
 * on blocks 0 .. f and scores on block f + 1, so no fold ever learns from a row later than one
 * it is scored on (scikit-learn's TimeSeriesSplit, with blocks whose sizes differ by at most one).
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

/* Forward-chaining: @order lists the rows 0 .. n_rows - 1 from the earliest to the latest;
 * block_of_row[i] gets row i's block, 0 .. k (consecutive in @order, sizes differing by at most
 * one, the earlier blocks the larger). Needs 2 <= k + 1 <= n_rows and @order a permutation. */
gboolean kiln_forward_assign        (guint          n_rows,
                                     guint          k,
                                     const guint32 *order,
                                     guint         *block_of_row,
                                     GError       **error);

/* Fold @f's rows (ascending) into @train and @test (room for n_rows each): k-fold (@forward
 * FALSE: held out the rows of fold f, trained on the rest) or forward-chaining (held out block
 * f + 1, trained on blocks 0 .. f; later blocks left out). */
void     kiln_fold_rows             (const guint   *fold_of_row,
                                     guint          n_rows,
                                     guint          f,
                                     gboolean       forward,
                                     guint32       *train,
                                     guint         *n_train,
                                     guint32       *test,
                                     guint         *n_test);

/* k scores (free with g_free), or NULL with @error. */
double  *kiln_cross_validate        (guint          n_rows,
                                     guint          k,
                                     const gint32  *strata,
                                     guint64        seed,
                                     KilnFoldFunc   func,
                                     gpointer       user_data,
                                     GCancellable  *cancellable,
                                     GError       **error);

/* As kiln_cross_validate() over k forward-chaining folds of the rows in @order. */
double  *kiln_cross_validate_forward (guint          n_rows,
                                      guint          k,
                                      const guint32 *order,
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
