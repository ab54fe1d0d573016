/* kiln-prep-encode.c: categorical columns to numbers: one-hot (boolean columns "col=value") or
 * ordinal codes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The categories are those seen in the training rows, sorted in byte order (as Python sorts
 * str, so pandas.get_dummies and scikit-learn's encoders list them the same way). On other
 * frames a category unseen at fit time becomes all zeros (one-hot) or -1 (ordinal) and is
 * counted in the report; a missing value is all zeros / NaN and is not counted.
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-prep-private.h"

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

typedef struct {
  KilnStep      *step;
  KilnPrepWork  *work;
  int           *where;
  guint         *unseen;
  GPtrArray    **outputs;   /* per step column: the new columns */
} Encode;

static void
fit_column (guint i, gpointer data)
{
  Encode *en = data;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (en->work, (guint) en->where[i]);
  const gint32 *codes = kiln_column_get_codes (wc->column);
  guint nc = kiln_column_get_n_categories (wc->column);
  g_autofree guint8 *seen = g_new0 (guint8, MAX (nc, 1));
  GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);

  for (guint r = 0; r < en->work->n_rows; r++)
    {
      gint32 c = codes[_kiln_prep_row (wc, r)];
      if (c >= 0)
        seen[c] = 1;
    }
  for (guint c = 0; c < nc; c++)
    if (seen[c])
      g_ptr_array_add (cats, g_strdup (kiln_column_get_category (wc->column, c)));
  g_ptr_array_sort (cats, compare_strings);
  en->step->categories[i] = cats;
}

gboolean
_kiln_step_encode_fit (KilnStep *step, KilnPrepWork *work, GError **error)
{
  Encode en = { step, work, NULL, NULL, NULL };
  guint n;

  if (!_kiln_step_resolve_columns (step, work, _kiln_prep_accept_categorical,
                                   _("encoded as categories"), error))
    return FALSE;
  n = step->n_columns;
  step->categories = g_new0 (GPtrArray *, MAX (n, 1));
  en.where = g_new (int, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    en.where[i] = _kiln_prep_work_find (work, step->columns[i]);
  _kiln_prep_parallel (n, fit_column, &en);
  g_free (en.where);
  return TRUE;
}

/* For each code of the column, the index of its category among the fitted ones, or -1. */
static gint32 *
code_map (KilnColumn *column, GPtrArray *cats)
{
  guint nc = kiln_column_get_n_categories (column);
  gint32 *map = g_new (gint32, MAX (nc, 1));
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint j = 0; j < cats->len; j++)
    g_hash_table_insert (index, cats->pdata[j], GUINT_TO_POINTER (j + 1));
  for (guint c = 0; c < nc; c++)
    map[c] = (gint32) GPOINTER_TO_UINT (g_hash_table_lookup (index,
                                          kiln_column_get_category (column, c))) - 1;
  return map;
}

static void
apply_column (guint i, gpointer data)
{
  Encode *en = data;
  KilnStep *step = en->step;
  KilnPrepWork *work = en->work;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) en->where[i]);
  const gint32 *codes = kiln_column_get_codes (wc->column);
  const char *name = kiln_column_get_name (wc->column);
  GPtrArray *cats = step->categories[i];
  g_autofree gint32 *map = code_map (wc->column, cats);
  guint n = work->n_rows, unseen = 0;
  GPtrArray *out = g_ptr_array_new ();

  if (step->encoding == KILN_ENCODE_ONEHOT)
    {
      guint8 **cols = g_new (guint8 *, MAX (cats->len, 1));

      /* zeroed memory comes straight from the kernel for large columns: only the pages
       * holding a 1 are ever written */
      for (guint j = 0; j < cats->len; j++)
        cols[j] = g_malloc0 (MAX (n, 1));
      if (wc->index)
        for (guint r = 0; r < n; r++)
          {
            gint32 c = codes[wc->index->rows[r]];
            if (c >= 0)
              {
                gint32 j = map[c];
                if (j >= 0)
                  cols[j][r] = 1;
                else
                  unseen++;
              }
          }
      else
        for (guint r = 0; r < n; r++)
          {
            gint32 c = codes[r];
            if (c >= 0)
              {
                gint32 j = map[c];
                if (j >= 0)
                  cols[j][r] = 1;
                else
                  unseen++;
              }
          }
      for (guint j = 0; j < cats->len; j++)
        {
          g_autofree char *cname = g_strdup_printf ("%s=%s", name, (const char *) cats->pdata[j]);
          g_ptr_array_add (out, kiln_column_new_boolean (cname, cols[j], NULL, n));
        }
      g_free (cols);
    }
  else
    {
      double *values = g_new (double, MAX (n, 1));
      for (guint r = 0; r < n; r++)
        {
          gint32 c = codes[_kiln_prep_row (wc, r)];
          if (c < 0)
            values[r] = NAN;
          else
            {
              values[r] = map[c];
              unseen += map[c] < 0;
            }
        }
      g_ptr_array_add (out, kiln_column_new_numeric (name, values, n));
    }
  en->unseen[i] = unseen;
  en->outputs[i] = out;
}

gboolean
_kiln_step_encode_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  guint n = step->n_columns;
  Encode en = { step, work, NULL, NULL, NULL };

  en.where = g_new (int, MAX (n, 1));
  en.unseen = g_new0 (guint, MAX (n, 1));
  en.outputs = g_new0 (GPtrArray *, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      en.where[i] = _kiln_prep_work_find (work, step->columns[i]);
      if (en.where[i] < 0)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                       _("There is no column “%s”"), step->columns[i]);
          goto fail;
        }
      if (!kiln_column_is_coded (_kiln_prep_work_column (work, (guint) en.where[i])->column) ||
          (_kiln_prep_work_column (work, (guint) en.where[i])->flags & KILN_PREP_COL_TARGET))
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                       _("Column “%s” is not categorical"), step->columns[i]);
          goto fail;
        }
    }

  _kiln_prep_parallel (n, apply_column, &en);

  /* splice from the last column backwards so earlier positions stay valid */
  for (guint i = n; i-- > 0;)
    {
      GPtrArray *out = en.outputs[i];
      guint pos = (guint) _kiln_prep_work_find (work, step->columns[i]);
      _kiln_prep_work_splice (work, pos, (KilnColumn **) out->pdata, out->len,
                              KILN_PREP_COL_ENCODED);
    }
  for (guint i = 0; i < n; i++)
    {
      _kiln_prep_entry_add_count (entry, step->columns[i], en.unseen[i]);
      g_ptr_array_free (en.outputs[i], TRUE);
    }
  g_free (en.outputs);
  g_free (en.unseen);
  g_free (en.where);
  return TRUE;

fail:
  g_free (en.outputs);
  g_free (en.unseen);
  g_free (en.where);
  return FALSE;
}
