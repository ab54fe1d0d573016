/* kiln-cv.c: k-fold cross-validation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-cv"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-cv.h"
#include "kiln-metrics.h"
#include "kiln-rng.h"

G_DEFINE_QUARK (kiln-eval-error-quark, kiln_eval_error)

static int
compare_int64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

gboolean
kiln_kfold_assign (guint          n_rows,
                   guint          k,
                   const gint32  *strata,
                   guint64        seed,
                   guint         *fold_of_row,
                   GError       **error)
{
  g_autofree guint32 *order = NULL;
  KilnRng rng;

  g_return_val_if_fail (n_rows == 0 || fold_of_row != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (k < 2 || k > n_rows)
    {
      g_set_error (error, KILN_EVAL_ERROR, KILN_EVAL_ERROR_INVALID,
                   _("Cross-validation needs between 2 and %u folds (the number of rows), not %u"),
                   n_rows, k);
      return FALSE;
    }

  /* Shuffle the rows, group them by stratum keeping the shuffled order, and deal them round
   * robin: each stratum is spread evenly over the folds, whose sizes differ by at most one. */
  kiln_rng_init (&rng, seed);
  order = g_new (guint32, n_rows);
  for (guint i = 0; i < n_rows; i++)
    order[i] = i;
  kiln_rng_shuffle (&rng, order, n_rows);
  if (strata != NULL)
    {
      g_autofree gint64 *packed = g_new (gint64, n_rows);
      g_autofree guint32 *sorted = g_new (guint32, n_rows);

      for (guint i = 0; i < n_rows; i++)
        {
          gint32 s = strata[order[i]];
          packed[i] = ((gint64) (s < 0 ? G_MAXINT32 : s) << 32) | i;
        }
      qsort (packed, n_rows, sizeof (gint64), compare_int64);
      for (guint i = 0; i < n_rows; i++)
        sorted[i] = order[packed[i] & 0xffffffff];
      memcpy (order, sorted, sizeof (guint32) * n_rows);
    }
  for (guint i = 0; i < n_rows; i++)
    fold_of_row[order[i]] = i % k;
  return TRUE;
}

gboolean
kiln_forward_assign (guint          n_rows,
                     guint          k,
                     const guint32 *order,
                     guint         *block_of_row,
                     GError       **error)
{
  guint at = 0;

  g_return_val_if_fail (n_rows == 0 || (order != NULL && block_of_row != NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (k < 1 || k >= n_rows)
    {
      g_set_error (error, KILN_EVAL_ERROR, KILN_EVAL_ERROR_INVALID,
                   _("Forward-chaining cross-validation of %u rows needs between 1 and %u folds, "
                     "not %u"), n_rows, n_rows > 1 ? n_rows - 1 : 0, k);
      return FALSE;
    }
  for (guint b = 0; b <= k; b++)
    {
      guint size = n_rows / (k + 1) + (b < n_rows % (k + 1) ? 1 : 0);
      for (guint i = 0; i < size; i++, at++)
        {
          g_return_val_if_fail (order[at] < n_rows, FALSE);
          block_of_row[order[at]] = b;
        }
    }
  return TRUE;
}

void
kiln_fold_rows (const guint   *fold_of_row,
                guint          n_rows,
                guint          f,
                gboolean       forward,
                guint32       *train,
                guint         *n_train,
                guint32       *test,
                guint         *n_test)
{
  guint nt = 0, nh = 0;

  g_return_if_fail (n_rows == 0 || (fold_of_row != NULL && train != NULL && test != NULL));
  for (guint i = 0; i < n_rows; i++)
    {
      guint b = fold_of_row[i];
      if (forward ? b == f + 1 : b == f)
        test[nh++] = i;
      else if (!forward || b <= f)
        train[nt++] = i;
    }
  *n_train = nt;
  *n_test = nh;
}

static double *
run_folds (const guint   *fold,
           guint          n_rows,
           guint          k,
           gboolean       forward,
           KilnFoldFunc   func,
           gpointer       user_data,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autofree guint32 *train = g_new (guint32, MAX (n_rows, 1));
  g_autofree guint32 *test = g_new (guint32, MAX (n_rows, 1));
  g_autofree double *scores = g_new (double, k);

  for (guint f = 0; f < k; f++)
    {
      guint n_train, n_test;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      kiln_fold_rows (fold, n_rows, f, forward, train, &n_train, test, &n_test);
      scores[f] = NAN;
      if (!func (f, train, n_train, test, n_test, &scores[f], user_data, cancellable, error))
        return NULL;
    }
  return g_steal_pointer (&scores);
}

double *
kiln_cross_validate (guint          n_rows,
                     guint          k,
                     const gint32  *strata,
                     guint64        seed,
                     KilnFoldFunc   func,
                     gpointer       user_data,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autofree guint *fold = NULL;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fold = g_new (guint, MAX (n_rows, 1));
  if (!kiln_kfold_assign (n_rows, k, strata, seed, fold, error))
    return NULL;
  return run_folds (fold, n_rows, k, FALSE, func, user_data, cancellable, error);
}

double *
kiln_cross_validate_forward (guint          n_rows,
                             guint          k,
                             const guint32 *order,
                             KilnFoldFunc   func,
                             gpointer       user_data,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autofree guint *block = NULL;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  block = g_new (guint, MAX (n_rows, 1));
  if (!kiln_forward_assign (n_rows, k, order, block, error))
    return NULL;
  return run_folds (block, n_rows, k, TRUE, func, user_data, cancellable, error);
}

/* ---- On a prepared dataset ------------------------------------------------------------- */

typedef struct {
  const char             *name;
  const KilnModelOptions *options;
  const KilnDataset      *data;
} ModelCv;

static gboolean
model_fold (guint           fold,
            const guint32  *train_rows,
            guint           n_train,
            const guint32  *test_rows,
            guint           n_test,
            double         *score,
            gpointer        user_data,
            GCancellable   *cancellable,
            GError        **error)
{
  ModelCv *cv = user_data;
  g_autoptr(KilnDataset) train = kiln_dataset_new_rows (cv->data, train_rows, n_train);
  g_autoptr(KilnDataset) test = kiln_dataset_new_rows (cv->data, test_rows, n_test);
  g_autoptr(KilnModel) model = kiln_model_new (cv->name, cv->options, error);
  g_autofree double *out = NULL;
  guint width;

  if (model == NULL || !kiln_model_fit (model, train, NULL, NULL, cancellable, error))
    return FALSE;
  width = cv->data->task == KILN_TASK_CLASSIFICATION ? cv->data->n_classes : 1;
  out = g_new (double, (gsize) MAX (n_test, 1) * width);
  kiln_model_predict (model, test, out);
  if (cv->data->task == KILN_TASK_CLASSIFICATION)
    {
      g_autofree gint32 *pred = g_new (gint32, MAX (n_test, 1));
      kiln_metrics_argmax (out, n_test, width, pred);
      *score = kiln_metrics_accuracy (test->y_class, pred, n_test);
    }
  else
    {
      KilnRegressionMetrics m;
      kiln_metrics_regression (test->y_value, out, n_test, &m);
      *score = m.r2;
    }
  return TRUE;
}

gboolean
kiln_cross_validate_model (const char              *name,
                           const KilnModelOptions  *options,
                           const KilnDataset       *data,
                           guint                    k,
                           double                  *scores,
                           GCancellable            *cancellable,
                           GError                 **error)
{
  ModelCv cv = { name, options, data };
  g_autofree double *s = NULL;

  g_return_val_if_fail (name != NULL && options != NULL && data != NULL, FALSE);
  g_return_val_if_fail (scores != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kiln_model_check_options (name, options, error))
    return FALSE;
  s = kiln_cross_validate (data->n_rows, k,
                           data->task == KILN_TASK_CLASSIFICATION ? data->y_class : NULL,
                           options->seed, model_fold, &cv, cancellable, error);
  if (s == NULL)
    return FALSE;
  memcpy (scores, s, sizeof (double) * k);
  return TRUE;
}
