/* kiln-dataset.c: the features and target that models learn from (numbers dense, categories as
 * codes), and the tasks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-dataset"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-dataset.h"

G_DEFINE_QUARK (kiln-dataset-error-quark, kiln_dataset_error)

/* ---- Tasks ---------------------------------------------------------------------------- */

const char *
kiln_task_to_string (KilnTask task)
{
  switch (task)
    {
    case KILN_TASK_CLASSIFICATION:
      return "classification";
    case KILN_TASK_REGRESSION:
      return "regression";
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
kiln_task_from_string (const char *str,
                       KilnTask   *task)
{
  g_return_val_if_fail (task != NULL, FALSE);

  if (g_strcmp0 (str, "classification") == 0)
    *task = KILN_TASK_CLASSIFICATION;
  else if (g_strcmp0 (str, "regression") == 0)
    *task = KILN_TASK_REGRESSION;
  else
    return FALSE;
  return TRUE;
}

/* ---- Construction ------------------------------------------------------------------------ */

static KilnDataset *
dataset_alloc (guint        n_rows,
               guint        n_features,
               guint        n_categorical,
               const guint *n_levels,
               KilnTask     task,
               guint        n_classes,
               gboolean     with_target)
{
  KilnDataset *dataset = g_new0 (KilnDataset, 1);

  dataset->n_rows = n_rows;
  dataset->n_features = n_features;
  dataset->n_categorical = n_categorical;
  dataset->task = task;
  dataset->n_classes = task == KILN_TASK_CLASSIFICATION ? n_classes : 0;
  dataset->x = g_new0 (float, MAX ((gsize) n_rows * n_features, 1));
  if (n_categorical > 0)
    {
      dataset->codes = g_new (guint32, MAX ((gsize) n_rows * n_categorical, 1));
      memset (dataset->codes, 0xff, (gsize) n_rows * n_categorical * sizeof (guint32));
      dataset->n_levels = g_memdup2 (n_levels, n_categorical * sizeof (guint));
    }
  if (with_target && task == KILN_TASK_CLASSIFICATION)
    dataset->y_class = g_new0 (gint32, MAX (n_rows, 1));
  else if (with_target)
    dataset->y_value = g_new0 (double, MAX (n_rows, 1));
  dataset->owns_data = TRUE;
  return dataset;
}

KilnDataset *
kiln_dataset_new (guint    n_rows,
                  guint    n_features,
                  KilnTask task,
                  guint    n_classes)
{
  g_return_val_if_fail (task == KILN_TASK_CLASSIFICATION || task == KILN_TASK_REGRESSION, NULL);

  return dataset_alloc (n_rows, n_features, 0, NULL, task, n_classes, TRUE);
}

KilnDataset *
kiln_dataset_new_coded (guint        n_rows,
                        guint        n_features,
                        guint        n_categorical,
                        const guint *n_levels,
                        KilnTask     task,
                        guint        n_classes)
{
  g_return_val_if_fail (task == KILN_TASK_CLASSIFICATION || task == KILN_TASK_REGRESSION, NULL);
  g_return_val_if_fail (n_levels != NULL || n_categorical == 0, NULL);

  return dataset_alloc (n_rows, n_features, n_categorical, n_levels, task, n_classes, TRUE);
}

KilnDataset *
kiln_dataset_new_features (guint        n_rows,
                           guint        n_features,
                           guint        n_categorical,
                           const guint *n_levels)
{
  g_return_val_if_fail (n_levels != NULL || n_categorical == 0, NULL);

  return dataset_alloc (n_rows, n_features, n_categorical, n_levels, KILN_TASK_REGRESSION, 0,
                        FALSE);
}

void
kiln_dataset_free (KilnDataset *dataset)
{
  if (dataset == NULL)
    return;
  if (dataset->owns_data)
    {
      g_free (dataset->x);
      g_free (dataset->codes);
      g_free (dataset->n_levels);
      g_free (dataset->y_class);
      g_free (dataset->y_value);
      g_free (dataset->sp_ptr);
      g_free (dataset->sp_index);
      g_free (dataset->sp_value);
    }
  g_free (dataset);
}

KilnDataset *
kiln_dataset_new_rows (const KilnDataset *dataset,
                       const guint32     *rows,
                       guint              n_rows)
{
  KilnDataset *out;
  gsize d, m;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);

  d = dataset->n_features;
  m = dataset->n_categorical;
  out = dataset_alloc (n_rows, dataset->n_features, dataset->n_categorical, dataset->n_levels,
                       dataset->task, dataset->n_classes, kiln_dataset_has_target (dataset));
  for (guint i = 0; i < n_rows; i++)
    {
      g_return_val_if_fail (rows[i] < dataset->n_rows, out);
      if (d > 0)
        memcpy (out->x + i * d, dataset->x + (gsize) rows[i] * d, d * sizeof (float));
      if (m > 0)
        memcpy (out->codes + i * m, dataset->codes + (gsize) rows[i] * m, m * sizeof (guint32));
      if (dataset->y_class != NULL)
        out->y_class[i] = dataset->y_class[rows[i]];
      else if (dataset->y_value != NULL)
        out->y_value[i] = dataset->y_value[rows[i]];
    }
  if (dataset->n_sparse > 0)
    {
      gsize *ptr = g_new (gsize, (gsize) n_rows + 1), nnz = 0;
      guint32 *index;
      float *value;

      ptr[0] = 0;
      for (guint i = 0; i < n_rows; i++)
        {
          nnz += dataset->sp_ptr[rows[i] + 1] - dataset->sp_ptr[rows[i]];
          ptr[i + 1] = nnz;
        }
      index = g_new (guint32, MAX (nnz, 1));
      value = g_new (float, MAX (nnz, 1));
      for (guint i = 0; i < n_rows; i++)
        {
          gsize from = dataset->sp_ptr[rows[i]], n = ptr[i + 1] - ptr[i];
          memcpy (index + ptr[i], dataset->sp_index + from, n * sizeof (guint32));
          memcpy (value + ptr[i], dataset->sp_value + from, n * sizeof (float));
        }
      kiln_dataset_set_sparse (out, dataset->n_sparse, ptr, index, value);
    }
  return out;
}

void
kiln_dataset_set_sparse (KilnDataset *dataset,
                         guint        n_sparse,
                         gsize       *ptr,
                         guint32     *index,
                         float       *value)
{
  g_return_if_fail (dataset != NULL && dataset->owns_data && dataset->sp_ptr == NULL);
  g_return_if_fail (ptr != NULL && index != NULL && value != NULL);

  dataset->n_sparse = n_sparse;
  dataset->sp_ptr = ptr;
  dataset->sp_index = index;
  dataset->sp_value = value;
}

guint
kiln_dataset_get_sparse_offset (const KilnDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, 0);

  return dataset->n_features + kiln_dataset_get_level_offset (dataset, dataset->n_categorical);
}

void
kiln_dataset_slice (const KilnDataset *dataset,
                    guint              first,
                    guint              n_rows,
                    KilnDataset       *view)
{
  g_return_if_fail (dataset != NULL && view != NULL);
  g_return_if_fail ((guint64) first + n_rows <= dataset->n_rows);

  *view = *dataset;
  view->owns_data = FALSE;
  view->n_rows = n_rows;
  view->x = dataset->x + (gsize) first * dataset->n_features;
  if (dataset->codes != NULL)
    view->codes = dataset->codes + (gsize) first * dataset->n_categorical;
  if (dataset->y_class != NULL)
    view->y_class = dataset->y_class + first;
  if (dataset->y_value != NULL)
    view->y_value = dataset->y_value + first;
  if (dataset->sp_ptr != NULL)
    view->sp_ptr = dataset->sp_ptr + first;
}

void
kiln_dataset_init_dense (KilnDataset *view,
                         const float *x,
                         guint        n_rows,
                         guint        n_features)
{
  g_return_if_fail (view != NULL);
  g_return_if_fail (x != NULL || (gsize) n_rows * n_features == 0);

  memset (view, 0, sizeof *view);
  view->n_rows = n_rows;
  view->n_features = n_features;
  view->x = (float *) x;
}

/* ---- The one-hot view --------------------------------------------------------------------- */

gboolean
kiln_dataset_has_target (const KilnDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, FALSE);

  return dataset->y_class != NULL || dataset->y_value != NULL;
}

guint
kiln_dataset_get_level_offset (const KilnDataset *dataset,
                               guint              j)
{
  guint offset = 0;

  g_return_val_if_fail (dataset != NULL, 0);
  g_return_val_if_fail (j <= dataset->n_categorical, 0);

  for (guint i = 0; i < j; i++)
    offset += dataset->n_levels[i];
  return offset;
}

guint
kiln_dataset_get_width (const KilnDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, 0);

  return dataset->n_features + kiln_dataset_get_level_offset (dataset, dataset->n_categorical)
         + dataset->n_sparse;
}

gboolean
kiln_dataset_same_layout (const KilnDataset *a,
                          const KilnDataset *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->n_features != b->n_features || a->n_categorical != b->n_categorical
      || a->n_sparse != b->n_sparse)
    return FALSE;
  for (guint j = 0; j < a->n_categorical; j++)
    if (a->n_levels[j] != b->n_levels[j])
      return FALSE;
  return TRUE;
}

void
kiln_dataset_expand (const KilnDataset *dataset,
                     guint              first,
                     guint              n_rows,
                     float             *out)
{
  guint d, m, width;

  g_return_if_fail (dataset != NULL);
  g_return_if_fail ((guint64) first + n_rows <= dataset->n_rows);
  g_return_if_fail (out != NULL || n_rows == 0);

  d = dataset->n_features;
  m = dataset->n_categorical;
  width = kiln_dataset_get_width (dataset);
  for (guint i = 0; i < n_rows; i++)
    {
      float *row = out + (gsize) i * width;
      const guint32 *codes = dataset->codes + (gsize) (first + i) * m;
      guint offset = d;

      if (d > 0)
        memcpy (row, dataset->x + (gsize) (first + i) * d, d * sizeof (float));
      memset (row + d, 0, (gsize) (width - d) * sizeof (float));
      for (guint j = 0; j < m; j++)
        {
          if (codes[j] != KILN_CODE_NONE)
            row[offset + codes[j]] = 1.0f;
          offset += dataset->n_levels[j];
        }
      if (dataset->n_sparse > 0)
        for (gsize e = dataset->sp_ptr[first + i]; e < dataset->sp_ptr[first + i + 1]; e++)
          row[offset + dataset->sp_index[e]] = dataset->sp_value[e];
    }
}

KilnDataset *
kiln_dataset_new_expanded (const KilnDataset *dataset)
{
  KilnDataset *out;

  g_return_val_if_fail (dataset != NULL, NULL);

  out = dataset_alloc (dataset->n_rows, kiln_dataset_get_width (dataset), 0, NULL, dataset->task,
                       dataset->n_classes, kiln_dataset_has_target (dataset));
  kiln_dataset_expand (dataset, 0, dataset->n_rows, out->x);
  if (dataset->y_class != NULL)
    memcpy (out->y_class, dataset->y_class, dataset->n_rows * sizeof (gint32));
  else if (dataset->y_value != NULL)
    memcpy (out->y_value, dataset->y_value, dataset->n_rows * sizeof (double));
  return out;
}

/* ---- Checks ------------------------------------------------------------------------------- */

gboolean
kiln_dataset_check (const KilnDataset *dataset,
                    gboolean           allow_missing,
                    GError           **error)
{
  gsize n;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (dataset->n_rows == 0)
    {
      g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_EMPTY,
                   _("There are no rows to learn from."));
      return FALSE;
    }
  if (dataset->n_features == 0 && dataset->n_categorical == 0 && dataset->n_sparse == 0)
    {
      g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_EMPTY,
                   _("There are no feature columns to learn from."));
      return FALSE;
    }
  if ((dataset->n_features > 0 && dataset->x == NULL)
      || (dataset->n_categorical > 0 && (dataset->codes == NULL || dataset->n_levels == NULL))
      || (dataset->n_sparse > 0 && (dataset->sp_ptr == NULL || dataset->sp_index == NULL
                                    || dataset->sp_value == NULL))
      || (dataset->task == KILN_TASK_CLASSIFICATION && dataset->y_class == NULL)
      || (dataset->task == KILN_TASK_REGRESSION && dataset->y_value == NULL))
    {
      g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_EMPTY,
                   _("The data set has no values."));
      return FALSE;
    }

  n = (gsize) dataset->n_rows * dataset->n_features;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (dataset->x[i]) && !(allow_missing && isnan (dataset->x[i])))
      {
        g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_VALUE,
                     _("Row %u, feature %u is missing or not a finite number; fill in or drop missing values first."),
                     (guint) (i / dataset->n_features) + 1, (guint) (i % dataset->n_features) + 1);
        return FALSE;
      }
  for (guint j = 0; j < dataset->n_categorical; j++)
    for (guint i = 0; i < dataset->n_rows; i++)
      {
        guint32 code = dataset->codes[(gsize) i * dataset->n_categorical + j];
        if (code != KILN_CODE_NONE && code >= dataset->n_levels[j])
          {
            g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_VALUE,
                         _("Row %u, feature %u is missing or not a finite number; fill in or drop missing values first."),
                         i + 1, dataset->n_features + j + 1);
            return FALSE;
          }
      }

  for (guint i = 0; i < dataset->n_rows && dataset->n_sparse > 0; i++)
    {
      if (dataset->sp_ptr[i + 1] < dataset->sp_ptr[i])
        {
          g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_VALUE,
                       _("Row %u's text features are damaged."), i + 1);
          return FALSE;
        }
      for (gsize e = dataset->sp_ptr[i]; e < dataset->sp_ptr[i + 1]; e++)
        if (dataset->sp_index[e] >= dataset->n_sparse || !isfinite (dataset->sp_value[e])
            || (e > dataset->sp_ptr[i] && dataset->sp_index[e] <= dataset->sp_index[e - 1]))
          {
            g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_VALUE,
                         _("Row %u's text features are damaged."), i + 1);
            return FALSE;
          }
    }

  if (dataset->task == KILN_TASK_CLASSIFICATION)
    {
      if (dataset->n_classes < 2)
        {
          g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_VALUE,
                       _("Classification needs at least two classes in the target."));
          return FALSE;
        }
      for (guint i = 0; i < dataset->n_rows; i++)
        if (dataset->y_class[i] < 0 || (guint) dataset->y_class[i] >= dataset->n_classes)
          {
            g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_VALUE,
                         _("Row %u has no valid class in the target."), i + 1);
            return FALSE;
          }
    }
  else
    {
      for (guint i = 0; i < dataset->n_rows; i++)
        if (!isfinite (dataset->y_value[i]))
          {
            g_set_error (error, KILN_DATASET_ERROR, KILN_DATASET_ERROR_VALUE,
                         _("Row %u has a missing or infinite target value."), i + 1);
            return FALSE;
          }
    }
  return TRUE;
}
