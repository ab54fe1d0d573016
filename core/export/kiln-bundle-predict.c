/* kiln-bundle-predict.c: predicting with a .kiln bundle: raw rows through its recipe into its
 * model, and the labels of the predictions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-bundle"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-bundle.h"

double *
kiln_bundle_predict (KilnBundle  *bundle,
                     KilnFrame   *raw,
                     guint       *n_rows,
                     GError     **error)
{
  g_autoptr(KilnFrame) inputs = NULL;
  g_autoptr(KilnFrame) prepared = NULL;
  g_autoptr(KilnDataset) rows = NULL;
  g_autoptr(GError) local = NULL;
  KilnRecipe *recipe;
  KilnModel *model;
  double *out;
  guint n = 0, width;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  recipe = kiln_bundle_get_recipe (bundle);
  model = kiln_bundle_get_model (bundle);
  inputs = kiln_recipe_conform (recipe, raw, FALSE, &local);
  if (inputs == NULL)
    {
      g_set_error_literal (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INPUT, local->message);
      return NULL;
    }
  prepared = kiln_recipe_apply_coded (recipe, inputs, FALSE, NULL, error);
  if (prepared == NULL)
    return NULL;
  rows = kiln_recipe_to_features (recipe, prepared, error);
  if (rows == NULL)
    return NULL;
  n = rows->n_rows;
  if (n != kiln_frame_get_n_rows (raw))
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INPUT,
                   _("The recipe kept %u of %u rows; every row needs a prediction"),
                   n, kiln_frame_get_n_rows (raw));
      return NULL;
    }
  width = kiln_model_get_n_outputs (model);
  out = g_new (double, (gsize) MAX (n, 1) * width);
  if (n > 0)
    kiln_model_predict (model, rows, out);
  if (n_rows)
    *n_rows = n;
  return out;
}

void
kiln_bundle_labels (KilnBundle   *bundle,
                    const double *output,
                    guint         n_rows,
                    gint32       *labels)
{
  guint k;

  g_return_if_fail (bundle != NULL);
  g_return_if_fail (kiln_model_get_task (kiln_bundle_get_model (bundle))
                    == KILN_TASK_CLASSIFICATION);

  k = kiln_model_get_n_classes (kiln_bundle_get_model (bundle));
  for (guint i = 0; i < n_rows; i++)
    {
      const double *p = output + (gsize) i * k;
      guint best = 0;
      for (guint c = 1; c < k; c++)
        if (p[c] > p[best])
          best = c;
      labels[i] = (gint32) best;
    }
}

KilnFrame *
kiln_bundle_predict_frame (KilnBundle  *bundle,
                           KilnFrame   *raw,
                           GError     **error)
{
  g_autofree double *out = NULL;
  g_autoptr(KilnFrame) dense = NULL;
  g_autoptr(GPtrArray) columns = NULL;
  guint n = 0, n_cols;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = kiln_bundle_predict (bundle, raw, &n, error);
  if (out == NULL)
    return NULL;

  dense = kiln_frame_is_view (raw) ? kiln_frame_materialize (raw) : kiln_frame_ref (raw);
  n_cols = kiln_frame_get_n_columns (dense);
  columns = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  for (guint c = 0; c < n_cols; c++)
    g_ptr_array_add (columns, kiln_column_ref (kiln_frame_get_column (dense, c)));

  if (kiln_model_get_task (kiln_bundle_get_model (bundle)) == KILN_TASK_CLASSIFICATION)
    {
      guint k = kiln_model_get_n_classes (kiln_bundle_get_model (bundle));
      const char * const *classes = kiln_recipe_get_classes (kiln_bundle_get_recipe (bundle), NULL);
      GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
      gint32 *labels = g_new (gint32, MAX (n, 1));

      kiln_bundle_labels (bundle, out, n, labels);
      for (guint c = 0; c < k; c++)
        g_ptr_array_add (cats, g_strdup (classes[c]));
      g_ptr_array_add (columns, kiln_column_new_coded ("prediction", KILN_COLUMN_CATEGORICAL,
                                                       labels, cats, n));
      for (guint c = 0; c < k; c++)
        {
          double *p = g_new (double, MAX (n, 1));
          g_autofree char *name = g_strdup_printf ("p_%s", classes[c]);
          for (guint i = 0; i < n; i++)
            p[i] = out[(gsize) i * k + c];
          g_ptr_array_add (columns, kiln_column_new_numeric (name, p, n));
        }
    }
  else
    g_ptr_array_add (columns, kiln_column_new_numeric ("prediction",
                                                       g_memdup2 (out, sizeof (double) * MAX (n, 1)),
                                                       n));
  return kiln_frame_new ((KilnColumn * const *) columns->pdata, columns->len);
}
