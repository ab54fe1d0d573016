/* kiln-prep-impute.c: missing values filled (mean, median, mode, a constant) or rows dropped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mean and median as pandas computes them over the non-missing training values (the median
 * interpolates the middle two); the mode is the most frequent value, ties going to the smallest
 * (pandas' mode()[0]; categories compare as strings, in byte order). Categorical columns in a
 * MEAN or MEDIAN step get their mode. A DROP step also learns the median / mode, which fills
 * the column on frames that are not training data (their rows are always kept).
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-parallel.h"
#include "kiln-prep-private.h"

typedef struct {
  KilnStep      *step;
  KilnPrepWork  *work;
  int           *where;
  guint         *counts;
  KilnColumn   **filled;
} Impute;

static gboolean
is_coded (KilnPrepWork *work, int i)
{
  return kiln_column_is_coded (_kiln_prep_work_column (work, (guint) i)->column);
}

/* The most frequent category over the work's rows; ties to the smallest string. */
static char *
categorical_mode (KilnPrepWork *work, guint i)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);
  const gint32 *codes = kiln_column_get_codes (wc->column);
  guint nc = kiln_column_get_n_categories (wc->column);
  g_autofree guint *counts = g_new0 (guint, MAX (nc, 1));
  gint32 best = -1;

  for (guint r = 0; r < work->n_rows; r++)
    {
      gint32 c = codes[_kiln_prep_row (wc, r)];
      if (c >= 0)
        counts[c]++;
    }
  for (guint c = 0; c < nc; c++)
    if (counts[c] > 0 &&
        (best < 0 || counts[c] > counts[best] ||
         (counts[c] == counts[best] &&
          strcmp (kiln_column_get_category (wc->column, c),
                  kiln_column_get_category (wc->column, (guint) best)) < 0)))
      best = (gint32) c;
  return best < 0 ? NULL : g_strdup (kiln_column_get_category (wc->column, (guint) best));
}

static void
fit_column (guint i, gpointer data)
{
  Impute *im = data;
  KilnStep *step = im->step;
  KilnPrepWork *work = im->work;
  KilnImputeStrategy s = step->strategy;
  int w = im->where[i];

  step->fill_number[i] = NAN;
  step->fill_text[i] = NULL;
  if (is_coded (work, w))
    {
      if (s == KILN_IMPUTE_CONSTANT && step->const_text != NULL)
        step->fill_text[i] = g_strdup (step->const_text);
      else
        {
          step->fill_text[i] = categorical_mode (work, (guint) w);
          if (s != KILN_IMPUTE_DROP)
            s = KILN_IMPUTE_MODE;
        }
      step->col_strategy[i] = s;
      return;
    }

  step->col_strategy[i] = s;
  if (s == KILN_IMPUTE_CONSTANT)
    step->fill_number[i] = step->const_number;
  else
    {
      gsize n;
      g_autofree double *values = _kiln_prep_work_values (work, (guint) w, &n);
      double v;

      switch (s)
        {
        case KILN_IMPUTE_MEAN:
          v = n ? _kiln_prep_sum (values, n) / (double) n : NAN;
          break;
        case KILN_IMPUTE_MODE:
          v = _kiln_prep_mode_double (values, n);
          break;
        case KILN_IMPUTE_MEDIAN:
        case KILN_IMPUTE_DROP:
        case KILN_IMPUTE_CONSTANT:
        default:
          v = _kiln_prep_median (values, n);
          break;
        }
      /* a column with no value at all in training: nothing to learn, fill with 0 */
      step->fill_number[i] = isnan (v) ? 0.0 : v;
    }
}

static gboolean
locate (KilnStep *step, KilnPrepWork *work, int *where, GError **error)
{
  if (!_kiln_step_locate (step, work, _kiln_prep_accept_imputable, _("filled in"), where, error))
    return FALSE;
  for (guint i = 0; i < step->n_columns; i++)
    {
      if (is_coded (work, where[i]) != (step->fill_text[i] != NULL || isnan (step->fill_number[i])))
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                       is_coded (work, where[i])
                       ? _("Column “%s” holds text where the recipe expects numbers")
                       : _("Column “%s” holds numbers where the recipe expects text"),
                       step->columns[i]);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
_kiln_step_impute_fit (KilnStep *step, KilnPrepWork *work, GError **error)
{
  Impute im = { step, work, NULL, NULL, NULL };
  guint n;

  if (!_kiln_step_resolve_columns (step, work, _kiln_prep_accept_imputable,
                                   _("filled in"), error))
    return FALSE;
  n = step->n_columns;
  step->col_strategy = g_new (KilnImputeStrategy, MAX (n, 1));
  step->fill_number = g_new (double, MAX (n, 1));
  step->fill_text = g_new0 (char *, n + 1);
  im.where = g_new (int, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    im.where[i] = _kiln_prep_work_find (work, step->columns[i]);
  kiln_parallel_for (n, fit_column, &im);
  g_free (im.where);
  return TRUE;
}

static void
fill_column (guint i, gpointer data)
{
  Impute *im = data;
  KilnStep *step = im->step;
  KilnPrepWork *work = im->work;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) im->where[i]);
  KilnColumn *col = wc->column;
  const guint64 *missing = kiln_column_get_missing_bitmap (col);
  const char *name = kiln_column_get_name (col);
  guint n = work->n_rows, count = 0;

  if (missing == NULL)
    return;
  for (guint r = 0; r < n; r++)
    count += kiln_bitmap_get (missing, _kiln_prep_row (wc, r));
  im->counts[i] = count;
  if (count == 0 || (work->training && step->col_strategy[i] == KILN_IMPUTE_DROP))
    return;

  switch (kiln_column_get_column_type (col))
    {
    case KILN_COLUMN_NUMERIC:
      {
        const double *src = kiln_column_get_doubles (col);
        double fill = step->fill_number[i];
        double *out = g_new (double, MAX (n, 1));
        for (guint r = 0; r < n; r++)
          {
            double v = src[_kiln_prep_row (wc, r)];
            out[r] = isnan (v) ? fill : v;
          }
        im->filled[i] = kiln_column_new_numeric (name, out, n);
        break;
      }
    case KILN_COLUMN_BOOLEAN:
      {
        const guint8 *src = kiln_column_get_booleans (col);
        double fill = step->fill_number[i];
        if (fill == 0 || fill == 1)
          {
            guint8 *out = g_new (guint8, MAX (n, 1));
            for (guint r = 0; r < n; r++)
              {
                guint p = _kiln_prep_row (wc, r);
                out[r] = kiln_bitmap_get (missing, p) ? (guint8) fill : src[p];
              }
            im->filled[i] = kiln_column_new_boolean (name, out, NULL, n);
          }
        else
          {
            double *out = g_new (double, MAX (n, 1));
            for (guint r = 0; r < n; r++)
              {
                guint p = _kiln_prep_row (wc, r);
                out[r] = kiln_bitmap_get (missing, p) ? fill : src[p];
              }
            im->filled[i] = kiln_column_new_numeric (name, out, n);
          }
        break;
      }
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
      {
        const gint32 *src = kiln_column_get_codes (col);
        guint nc = kiln_column_get_n_categories (col);
        GPtrArray *cats;
        gint32 fill, *out;

        if (step->fill_text[i] == NULL)
          {
            im->counts[i] = 0; /* nothing learnt to fill with */
            return;
          }
        cats = g_ptr_array_new_full (nc + 1, g_free);
        for (guint c = 0; c < nc; c++)
          g_ptr_array_add (cats, g_strdup (kiln_column_get_category (col, c)));
        fill = kiln_column_lookup_category (col, step->fill_text[i]);
        if (fill < 0)
          {
            fill = (gint32) nc;
            g_ptr_array_add (cats, g_strdup (step->fill_text[i]));
          }
        out = g_new (gint32, MAX (n, 1));
        for (guint r = 0; r < n; r++)
          {
            gint32 c = src[_kiln_prep_row (wc, r)];
            out[r] = c < 0 ? fill : c;
          }
        im->filled[i] = kiln_column_new_coded (name, kiln_column_get_column_type (col), out, cats, n);
        break;
      }
    case KILN_COLUMN_DATETIME:
    default:
      break;
    }
}

gboolean
_kiln_step_impute_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  guint n = step->n_columns;
  Impute im = { step, work, NULL, NULL, NULL };
  gboolean ok = FALSE;
  g_autofree guint8 *keep = NULL;

  im.where = g_new (int, MAX (n, 1));
  im.counts = g_new0 (guint, MAX (n, 1));
  im.filled = g_new0 (KilnColumn *, MAX (n, 1));
  if (!locate (step, work, im.where, error))
    goto out;

  kiln_parallel_for (n, fill_column, &im);
  for (guint i = 0; i < n; i++)
    {
      _kiln_prep_entry_add_count (entry, step->columns[i], im.counts[i]);
      if (im.filled[i])
        _kiln_prep_work_set_compact (work, (guint) im.where[i], g_steal_pointer (&im.filled[i]));
      else if (im.counts[i] && work->training && step->col_strategy[i] == KILN_IMPUTE_DROP)
        {
          KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) im.where[i]);
          const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
          if (keep == NULL)
            {
              keep = g_new (guint8, MAX (work->n_rows, 1));
              memset (keep, 1, work->n_rows);
            }
          for (guint r = 0; r < work->n_rows; r++)
            if (kiln_bitmap_get (missing, _kiln_prep_row (wc, r)))
              keep[r] = 0;
        }
    }
  if (keep)
    _kiln_prep_work_keep_rows (work, keep);
  ok = TRUE;

out:
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&im.filled[i], kiln_column_unref);
  g_free (im.filled);
  g_free (im.counts);
  g_free (im.where);
  return ok;
}

guint
kiln_prep_count_missing (KilnFrame *frame,
                         guint     *counts_out)
{
  guint n_rows, n_cols, any = 0;
  g_autofree guint8 *flag = NULL;

  g_return_val_if_fail (frame != NULL, 0);

  n_rows = kiln_frame_get_n_rows (frame);
  n_cols = kiln_frame_get_n_columns (frame);
  flag = g_new0 (guint8, MAX (n_rows, 1));
  for (guint c = 0; c < n_cols; c++)
    {
      KilnColumn *col = kiln_frame_get_column (frame, c);
      const guint64 *missing = kiln_column_get_missing_bitmap (col);
      guint count = 0;

      if (missing)
        for (guint r = 0; r < n_rows; r++)
          if (kiln_bitmap_get (missing, kiln_frame_get_physical_row (frame, r)))
            {
              count++;
              flag[r] = 1;
            }
      if (counts_out)
        counts_out[c] = count;
    }
  for (guint r = 0; r < n_rows; r++)
    any += flag[r];
  return any;
}
