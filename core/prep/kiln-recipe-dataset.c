/* kiln-recipe-dataset.c: a prepared frame as the KilnDataset a model learns from or predicts on,
 * one-hot encoded columns kept as categorical codes (the recipe's one-hot groups).
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

/* ---- The one-hot groups ------------------------------------------------------------------ */

/* Whether one-hot encoded columns can stay codes while the recipe runs on @frame (the training
 * frame): no step after a one-hot ENCODE names a column other than a non-categorical column of
 * the input, since it could mean an indicator "col=category" or the encoded column itself. */
gboolean
_kiln_recipe_codable (KilnRecipe *recipe,
                      KilnFrame  *frame)
{
  gboolean after_onehot = FALSE;

  for (guint s = 0; s < recipe->steps->len; s++)
    {
      KilnStep *step = recipe->steps->pdata[s];

      if (after_onehot && step->asked != NULL)
        for (guint i = 0; step->asked[i]; i++)
          {
            int c = kiln_frame_find_column (frame, step->asked[i]);
            if (c < 0 || kiln_column_get_column_type (kiln_frame_get_column (frame, (guint) c))
                           == KILN_COLUMN_CATEGORICAL)
              return FALSE;
          }
      if (step->kind == KILN_STEP_ENCODE && step->encoding == KILN_ENCODE_ONEHOT)
        after_onehot = TRUE;
    }
  return TRUE;
}

/* The categories the last one-hot ENCODE step fitted for column @name, or NULL. */
static GPtrArray *
onehot_categories (KilnRecipe *recipe, const char *name)
{
  for (guint s = recipe->steps->len; s-- > 0;)
    {
      KilnStep *step = recipe->steps->pdata[s];

      if (step->kind != KILN_STEP_ENCODE || step->encoding != KILN_ENCODE_ONEHOT
          || !step->fitted || step->categories == NULL)
        continue;
      for (guint i = 0; i < step->n_columns; i++)
        if (strcmp (step->columns[i], name) == 0)
          return step->categories[i];
    }
  return NULL;
}

gboolean
_kiln_recipe_set_onehot (KilnRecipe  *recipe,
                         char       **names,
                         GError     **error)
{
  guint n = names ? g_strv_length (names) : 0, total = 0;
  g_autofree guint *levels = g_new (guint, MAX (n, 1));

  for (guint g = 0; g < n; g++)
    {
      GPtrArray *cats = onehot_categories (recipe, names[g]);
      if (cats == NULL)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT,
                       _("The recipe keeps column “%s” as one-hot codes but does not encode it"),
                       names[g]);
          return FALSE;
        }
      levels[g] = cats->len;
      total += cats->len;
    }
  if ((guint64) total + recipe->n_text > recipe->n_features)
    goto mismatch;
  for (guint g = 0, k = recipe->n_features - recipe->n_text - total; g < n; g++)
    {
      GPtrArray *cats = onehot_categories (recipe, names[g]);
      for (guint c = 0; c < cats->len; c++, k++)
        {
          g_autofree char *expect = g_strdup_printf ("%s=%s", names[g], (const char *) cats->pdata[c]);
          if (strcmp (recipe->features[k], expect) != 0)
            goto mismatch;
        }
    }
  g_strfreev (recipe->onehot);
  g_free (recipe->onehot_levels);
  recipe->onehot = g_strdupv (names ? names : (char *[]) { NULL });
  recipe->onehot_levels = g_steal_pointer (&levels);
  recipe->n_onehot = n;
  recipe->n_dense = recipe->n_features - recipe->n_text - total;
  recipe->coded = TRUE;
  return TRUE;

mismatch:
  g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT,
               _("The recipe's features do not match its one-hot encoded columns"));
  return FALSE;
}

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
               recipe->coded ? recipe->n_dense : recipe->n_features - recipe->n_text, NULL, NULL,
               -1 };

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
  if (m.missing_column >= 0 && !recipe->keeps_missing)
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

/* The text features of @prepared: every TEXT step's columns vectorised, in feature order,
 * into @ds's compressed rows (a single text column's rows as they come). */
static gboolean
fill_text (KilnRecipe   *recipe,
           KilnFrame    *prepared,
           KilnDataset  *ds,
           GError      **error)
{
  guint n = ds->n_rows, offset = 0;
  const guint32 *rows = kiln_frame_get_row_index (prepared);
  g_autoptr(GArray) parts = g_array_new (FALSE, TRUE, sizeof (KilnTextRows));   /* per column */
  KilnTextRows all = { NULL, NULL, NULL };

  for (guint s = 0; s < recipe->steps->len; s++)
    {
      KilnStep *step = recipe->steps->pdata[s];

      if (step->kind != KILN_STEP_TEXT)
        continue;
      for (guint i = 0; i < step->n_columns; i++)
        {
          int c = kiln_frame_find_column (prepared, step->columns[i]);
          KilnColumn *col;
          KilnTextRows part = { NULL, NULL, NULL };

          if (c < 0 || !kiln_column_is_coded (col = kiln_frame_get_column (prepared, (guint) c)))
            {
              g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                           _("The prepared data has no text column “%s”"), step->columns[i]);
              for (guint p = 0; p < parts->len; p++)
                _kiln_text_rows_clear (&g_array_index (parts, KilnTextRows, p));
              return FALSE;
            }
          if (!_kiln_text_vocab_take_training (step->vocab[i], col, rows, n, offset, &part))
            _kiln_text_vectorise (step->vocab[i], &step->text, col, rows, n, offset, &part);
          offset += _kiln_text_vocab_size (step->vocab[i]);
          g_array_append_val (parts, part);
        }
    }

  if (parts->len == 1)
    all = g_array_index (parts, KilnTextRows, 0);
  else
    {
      /* row by row, each column's entries after the previous column's */
      gsize nnz = 0, e = 0;

      for (guint p = 0; p < parts->len; p++)
        nnz += g_array_index (parts, KilnTextRows, p).ptr[n];
      all.ptr = g_new (gsize, (gsize) n + 1);
      all.index = kiln_alloc_large (MAX (nnz, 1) * sizeof (guint32));
      all.value = kiln_alloc_large (MAX (nnz, 1) * sizeof (float));
      all.ptr[0] = 0;
      for (guint r = 0; r < n; r++)
        {
          for (guint p = 0; p < parts->len; p++)
            {
              KilnTextRows *part = &g_array_index (parts, KilnTextRows, p);
              gsize k = part->ptr[r + 1] - part->ptr[r];
              memcpy (all.index + e, part->index + part->ptr[r], k * sizeof (guint32));
              memcpy (all.value + e, part->value + part->ptr[r], k * sizeof (float));
              e += k;
            }
          all.ptr[r + 1] = e;
        }
      for (guint p = 0; p < parts->len; p++)
        _kiln_text_rows_clear (&g_array_index (parts, KilnTextRows, p));
    }
  kiln_dataset_set_sparse (ds, recipe->n_text, all.ptr, all.index, all.value);
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
    {
      g_free (ds->codes);
      ds->codes = g_new (guint32, MAX ((gsize) ds->n_rows * ds->n_categorical, 1));
    }
  for (guint g = 0; g < ds->n_categorical; g++)
    if (!fill_codes (recipe, prepared, g, ds, error))
      {
        kiln_dataset_free (ds);
        return NULL;
      }
  if (recipe->n_text > 0 && !fill_text (recipe, prepared, ds, error))
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
