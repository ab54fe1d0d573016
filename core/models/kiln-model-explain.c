/* kiln-model-explain.c: the exact explanations a family offers (kiln-model.h): TreeSHAP for the
 * tree families, the coefficients of the linear ones.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-model"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-model-private.h"

gboolean
kiln_model_has_tree_shap (KilnModel      *model,
                          KilnModelScore *score)
{
  KilnModelScore s = KILN_MODEL_SCORE_VALUE;

  g_return_val_if_fail (model != NULL, FALSE);

  if (!model->fitted || model->klass->ops->tree_shap == NULL
      || !model->klass->ops->tree_shap (model, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, &s))
    return FALSE;
  if (score != NULL)
    *score = s;
  return TRUE;
}

double
kiln_model_tree_shap (KilnModel          *model,
                      const KilnDataset  *rows,
                      guint               row,
                      guint               output,
                      const guint        *slots,
                      guint               n_slots,
                      double             *phi,
                      double             *base)
{
  g_autofree guint *view_slot = NULL, *column_slot = NULL;
  g_autofree double *all = NULL;
  guint n_columns;
  double b = NAN, value = NAN;
  KilnModelScore score;

  g_return_val_if_fail (kiln_model_has_tree_shap (model, NULL), NAN);
  g_return_val_if_fail (rows != NULL && row < rows->n_rows && slots != NULL && phi != NULL, NAN);
  g_return_val_if_fail (rows->n_features == model->n_dense
                        && rows->n_categorical == model->n_categorical, NAN);
  g_return_val_if_fail (output < kiln_model_get_n_outputs (model), NAN);

  /* one more slot for columns mapped to none (>= n_slots): their share is left out */
  n_columns = model->n_dense + model->n_categorical;
  column_slot = g_new (guint, MAX (n_columns, 1));
  for (guint c = 0; c < n_columns; c++)
    column_slot[c] = MIN (slots[c], n_slots);
  view_slot = g_new (guint, MAX (model->n_features, 1));
  for (guint f = 0; f < model->n_dense; f++)
    view_slot[f] = column_slot[f];
  for (guint j = 0; j < model->n_categorical; j++)
    for (guint k = 0; k < model->n_levels[j]; k++)
      view_slot[model->level_offset[j] + k] = column_slot[model->n_dense + j];
  all = g_new0 (double, n_slots + 1);
  model->klass->ops->tree_shap (model, rows, row, output, view_slot, column_slot, all, &b, &value,
                                &score);
  memcpy (phi, all, n_slots * sizeof (double));
  if (base != NULL)
    *base = b;
  return value;
}

gboolean
kiln_model_get_linear (KilnModel       *model,
                       guint           *n_scores,
                       const double   **coef,
                       const double   **intercept,
                       KilnModelScore  *score)
{
  guint n = 0;
  const double *c = NULL, *i = NULL;
  KilnModelScore s = KILN_MODEL_SCORE_VALUE;

  g_return_val_if_fail (model != NULL, FALSE);

  if (!model->fitted || model->klass->ops->linear == NULL
      || !model->klass->ops->linear (model, &n, &c, &i, &s))
    return FALSE;
  if (n_scores != NULL)
    *n_scores = n;
  if (coef != NULL)
    *coef = c;
  if (intercept != NULL)
    *intercept = i;
  if (score != NULL)
    *score = s;
  return TRUE;
}
