/* kiln-dataset.c: the dense feature matrix + target that models learn from.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-dataset"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model.h"

KilnDataset *
kiln_dataset_new (guint    n_rows,
                  guint    n_features,
                  KilnTask task,
                  guint    n_classes)
{
  KilnDataset *dataset;

  g_return_val_if_fail (task == KILN_TASK_CLASSIFICATION || task == KILN_TASK_REGRESSION, NULL);

  dataset = g_new0 (KilnDataset, 1);
  dataset->n_rows = n_rows;
  dataset->n_features = n_features;
  dataset->task = task;
  dataset->n_classes = task == KILN_TASK_CLASSIFICATION ? n_classes : 0;
  dataset->x = g_new0 (float, (gsize) n_rows * n_features);
  if (task == KILN_TASK_CLASSIFICATION)
    dataset->y_class = g_new0 (gint32, n_rows);
  else
    dataset->y_value = g_new0 (double, n_rows);
  dataset->owns_data = TRUE;
  return dataset;
}

void
kiln_dataset_free (KilnDataset *dataset)
{
  if (dataset == NULL)
    return;
  if (dataset->owns_data)
    {
      g_free (dataset->x);
      g_free (dataset->y_class);
      g_free (dataset->y_value);
    }
  g_free (dataset);
}

KilnDataset *
kiln_dataset_new_rows (const KilnDataset *dataset,
                       const guint32     *rows,
                       guint              n_rows)
{
  KilnDataset *out;
  gsize d;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);

  d = dataset->n_features;
  out = kiln_dataset_new (n_rows, dataset->n_features, dataset->task, dataset->n_classes);
  for (guint i = 0; i < n_rows; i++)
    {
      g_return_val_if_fail (rows[i] < dataset->n_rows, out);
      if (d > 0)
        memcpy (out->x + i * d, dataset->x + (gsize) rows[i] * d, d * sizeof (float));
      if (dataset->task == KILN_TASK_CLASSIFICATION)
        out->y_class[i] = dataset->y_class[rows[i]];
      else
        out->y_value[i] = dataset->y_value[rows[i]];
    }
  return out;
}

gboolean
kiln_dataset_check (const KilnDataset *dataset,
                    GError           **error)
{
  gsize n;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (dataset->n_rows == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA, _("There are no rows to learn from."));
      return FALSE;
    }
  if (dataset->n_features == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA, _("There are no feature columns to learn from."));
      return FALSE;
    }
  if (dataset->x == NULL
      || (dataset->task == KILN_TASK_CLASSIFICATION && dataset->y_class == NULL)
      || (dataset->task == KILN_TASK_REGRESSION && dataset->y_value == NULL))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA, _("The data set has no values."));
      return FALSE;
    }

  n = (gsize) dataset->n_rows * dataset->n_features;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (dataset->x[i]))
      {
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                     _("Row %u, feature %u is missing or not a finite number; fill in or drop missing values first."),
                     (guint) (i / dataset->n_features) + 1, (guint) (i % dataset->n_features) + 1);
        return FALSE;
      }

  if (dataset->task == KILN_TASK_CLASSIFICATION)
    {
      if (dataset->n_classes < 2)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                       _("Classification needs at least two classes in the target."));
          return FALSE;
        }
      for (guint i = 0; i < dataset->n_rows; i++)
        if (dataset->y_class[i] < 0 || (guint) dataset->y_class[i] >= dataset->n_classes)
          {
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                         _("Row %u has no valid class in the target."), i + 1);
            return FALSE;
          }
    }
  else
    {
      for (guint i = 0; i < dataset->n_rows; i++)
        if (!isfinite (dataset->y_value[i]))
          {
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                         _("Row %u has a missing or infinite target value."), i + 1);
            return FALSE;
          }
    }
  return TRUE;
}
