/* kiln-recipe-dataset.c: a prepared frame as the KilnDataset a model learns from or predicts on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-memory.h"
#include "kiln-parallel.h"
#include "kiln-prep-private.h"

/* ---- Data sets ---------------------------------------------------------------------------- */

typedef struct {
  KilnFrame   *frame;
  guint        n_rows;
  guint        n_features;
  int         *where;
  float       *x;
  gint         missing_column;   /* first feature with a missing value, or -1 */
} Matrix;

#define MATRIX_BLOCK 4096
#define MATRIX_TILE  64

static void
matrix_block (guint task, gpointer data)
{
  Matrix *m = data;
  guint r0 = task * MATRIX_BLOCK, r1 = MIN (m->n_rows, r0 + MATRIX_BLOCK);
  const guint32 *rows = kiln_frame_get_row_index (m->frame);
  gsize d = m->n_features;

  /* rows in tiles that stay in cache while every column writes its value into them (with
   * hundreds of one-hot columns a row of the matrix is kilobytes long) */
  for (guint t0 = r0; t0 < r1; t0 += MATRIX_TILE)
    {
      guint t1 = MIN (r1, t0 + MATRIX_TILE);

      for (guint j = 0; j < m->n_features; j++)
        {
          KilnColumn *col = kiln_frame_get_column (m->frame, (guint) m->where[j]);
          const double *dv = kiln_column_get_doubles (col);
          const guint8 *bv = kiln_column_get_booleans (col);
          const guint64 *missing = kiln_column_get_missing_bitmap (col);
          float *x = m->x + j;

          for (guint r = t0; r < t1; r++)
            {
              guint p = rows ? rows[r] : r;
              if (dv)
                x[r * d] = (float) dv[p];
              else
                x[r * d] = bv[p];
              if (G_UNLIKELY (kiln_bitmap_get (missing, p)))
                {
                  x[r * d] = NAN;
                  g_atomic_int_compare_and_exchange (&m->missing_column, -1, (gint) j);
                }
            }
        }
    }
}

static float *
build_matrix (KilnRecipe *recipe, KilnFrame *prepared, GError **error)
{
  Matrix m = { prepared, kiln_frame_get_n_rows (prepared),
               recipe->coded ? recipe->n_dense : recipe->n_features, NULL, NULL, -1 };

  m.where = g_new (int, MAX (m.n_features, 1));
  for (guint j = 0; j < m.n_features; j++)
    {
      guint n_cols = kiln_frame_get_n_columns (prepared);
      guint next = j > 0 && m.where[j - 1] >= 0 ? (guint) m.where[j - 1] + 1 : 0;
      KilnColumn *col;

      /* the features are in the prepared frame's order: look right after the previous one
       * first (a name search per feature costs more than predicting a row) */
      if (next < n_cols
          && strcmp (kiln_column_get_name (kiln_frame_get_column (prepared, next)),
                     recipe->features[j]) == 0)
        m.where[j] = (int) next;
      else
        m.where[j] = kiln_frame_find_column (prepared, recipe->features[j]);
      if (m.where[j] < 0)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                       _("The prepared data has no feature column “%s”"), recipe->features[j]);
          g_free (m.where);
          return NULL;
        }
      col = kiln_frame_get_column (prepared, (guint) m.where[j]);
      if (!kiln_column_is_numeric_like (col))
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                       _("Feature column “%s” is not numeric"), recipe->features[j]);
          g_free (m.where);
          return NULL;
        }
    }
  m.x = kiln_alloc_large (MAX ((gsize) m.n_rows * m.n_features, 1) * sizeof (float));
  kiln_parallel_for ((m.n_rows + MATRIX_BLOCK - 1) / MATRIX_BLOCK, matrix_block, &m);
  g_free (m.where);
  if (m.missing_column >= 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_MISSING,
                   _("Feature “%s” has missing values; fill them in or drop those rows first"),
                   recipe->features[m.missing_column]);
      g_free (m.x);
      return NULL;
    }
  return m.x;
}

/* Categorical feature @g's codes from @prepared: its column kept as codes (kiln_recipe_apply_coded),
 * or its indicator columns (kiln_recipe_apply). */
static gboolean
fill_codes (KilnRecipe   *recipe,
            KilnFrame    *prepared,
            guint         g,
            KilnDataset  *ds,
            GError      **error)
{
  const char *name = recipe->onehot[g];
  guint n = ds->n_rows, stride = ds->n_categorical, levels = recipe->onehot_levels[g];
  const char * const *features = (const char * const *) recipe->features + recipe->n_dense;
  int c = kiln_frame_find_column (prepared, name);
  guint32 *codes = ds->codes + g;

  for (guint h = 0; h < g; h++)
    features += recipe->onehot_levels[h];
  if (c >= 0 && kiln_column_get_column_type (kiln_frame_get_column (prepared, (guint) c))
                  == KILN_COLUMN_CATEGORICAL)
    {
      KilnColumn *col = kiln_frame_get_column (prepared, (guint) c);
      const gint32 *src = kiln_column_get_codes (col);
      guint nc = kiln_column_get_n_categories (col);
      g_autofree guint32 *map = g_new (guint32, MAX (nc, 1));

      /* the coded column has the fitted categories; checked by name all the same */
      for (guint k = 0; k < nc; k++)
        {
          const char *cat = kiln_column_get_category (col, k);
          const char *eq;
          map[k] = KILN_CODE_NONE;
          for (guint l = 0; l < levels; l++)
            if ((eq = strchr (features[l] + strlen (name), '=')) != NULL
                && eq == features[l] + strlen (name) && strcmp (eq + 1, cat) == 0)
              {
                map[k] = l;
                break;
              }
        }
      for (guint r = 0; r < n; r++)
        {
          gint32 k = src[kiln_frame_get_physical_row (prepared, r)];
          codes[(gsize) r * stride] = k < 0 ? KILN_CODE_NONE : map[k];
        }
      return TRUE;
    }

  for (guint r = 0; r < n; r++)
    codes[(gsize) r * stride] = KILN_CODE_NONE;
  for (guint l = 0; l < levels; l++)
    {
      int ci = kiln_frame_find_column (prepared, features[l]);
      KilnColumn *col;

      if (ci < 0)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                       _("The prepared data has no feature column “%s”"), features[l]);
          return FALSE;
        }
      col = kiln_frame_get_column (prepared, (guint) ci);
      if (!kiln_column_is_numeric_like (col))
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                       _("Feature column “%s” is not numeric"), features[l]);
          return FALSE;
        }
      for (guint r = 0; r < n; r++)
        if (kiln_column_get_double (col, kiln_frame_get_physical_row (prepared, r)) != 0.0)
          codes[(gsize) r * stride] = l;
    }
  return TRUE;
}

/* The features of @prepared as a dataset without target. */
static KilnDataset *
build_features (KilnRecipe *recipe, KilnFrame *prepared, GError **error)
{
  KilnDataset *ds;
  float *x = build_matrix (recipe, prepared, error);

  if (x == NULL)
    return NULL;
  if (recipe->coded)
    ds = kiln_dataset_new_features (0, recipe->n_dense, recipe->n_onehot, recipe->onehot_levels);
  else
    ds = kiln_dataset_new_features (0, recipe->n_features, 0, NULL);
  g_free (ds->x);
  ds->x = x;
  ds->n_rows = kiln_frame_get_n_rows (prepared);
  if (ds->n_categorical > 0)
    ds->codes = g_new (guint32, MAX ((gsize) ds->n_rows * ds->n_categorical, 1));
  for (guint g = 0; g < ds->n_categorical; g++)
    if (!fill_codes (recipe, prepared, g, ds, error))
      {
        kiln_dataset_free (ds);
        return NULL;
      }
  return ds;
}

KilnDataset *
kiln_recipe_to_features (KilnRecipe  *recipe,
                         KilnFrame   *prepared,
                         GError     **error)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (prepared != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!recipe->fitted)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE,
                   _("The recipe has not been fitted to training data yet"));
      return NULL;
    }
  return build_features (recipe, prepared, error);
}

gboolean
kiln_recipe_to_dataset (KilnRecipe   *recipe,
                        KilnFrame    *prepared,
                        KilnDataset **dataset,
                        GError      **error)
{
  KilnDataset *ds;
  KilnColumn *target;
  guint n;
  int t;

  g_return_val_if_fail (recipe != NULL, FALSE);
  g_return_val_if_fail (prepared != NULL, FALSE);
  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!recipe->fitted)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE,
                   _("The recipe has not been fitted to training data yet"));
      return FALSE;
    }
  t = recipe->target ? kiln_frame_find_column (prepared, recipe->target) : -1;
  if (t < 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                   recipe->target ? _("The data has no target column “%s”")
                                  : _("The recipe has no target column%s"),
                   recipe->target ? recipe->target : "");
      return FALSE;
    }
  target = kiln_frame_get_column (prepared, (guint) t);
  if (recipe->task == KILN_TASK_REGRESSION && !kiln_column_is_numeric_like (target))
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                   _("The target “%s” is not numeric; regression needs numbers"), recipe->target);
      return FALSE;
    }
  ds = build_features (recipe, prepared, error);
  if (ds == NULL)
    return FALSE;

  n = ds->n_rows;
  ds->task = recipe->task;
  if (recipe->task == KILN_TASK_CLASSIFICATION)
    {
      g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
      guint nc = kiln_column_is_coded (target) ? kiln_column_get_n_categories (target) : 0;
      g_autofree gint32 *code_class = g_new (gint32, MAX (nc, 1));

      ds->n_classes = recipe->n_classes;
      ds->y_class = g_new (gint32, MAX (n, 1));
      for (guint k = 0; k < recipe->n_classes; k++)
        g_hash_table_insert (index, recipe->classes[k], GUINT_TO_POINTER (k + 1));
      for (guint c = 0; c < nc; c++)
        code_class[c] = (gint32) GPOINTER_TO_UINT (
          g_hash_table_lookup (index, kiln_column_get_category (target, c))) - 1;
      for (guint r = 0; r < n; r++)
        {
          guint p = kiln_frame_get_physical_row (prepared, r);
          gint32 k = -1;
          if (nc > 0 || kiln_column_is_coded (target))
            {
              gint32 code = kiln_column_get_codes (target)[p];
              k = code < 0 ? -1 : code_class[code];
            }
          else
            {
              g_autofree char *name = _kiln_prep_class_name (target, p);
              if (name)
                k = (gint32) GPOINTER_TO_UINT (g_hash_table_lookup (index, name)) - 1;
            }
          if (k < 0)
            {
              g_autofree char *name = _kiln_prep_class_name (target, p);
              if (name == NULL)
                g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                             _("Row %u has no target value"), r + 1);
              else
                g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_UNSEEN_CLASS,
                             _("Row %u has the class “%s”, which the training data does not have"),
                             r + 1, name);
              kiln_dataset_free (ds);
              return FALSE;
            }
          ds->y_class[r] = k;
        }
    }
  else
    {
      ds->y_value = g_new (double, MAX (n, 1));
      for (guint r = 0; r < n; r++)
        {
          ds->y_value[r] = kiln_column_get_double (target, kiln_frame_get_physical_row (prepared, r));
          if (isnan (ds->y_value[r]))
            {
              g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                           _("Row %u has no target value"), r + 1);
              kiln_dataset_free (ds);
              return FALSE;
            }
        }
    }
  *dataset = ds;
  return TRUE;
}
