/* kiln-prep-iqr.c: interquartile-range outliers, dropped (training rows) or clipped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Quartiles as numpy's percentile with linear interpolation, over the non-missing training
 * values, found by selection rather than a sort; bounds Q1 - k*IQR and Q3 + k*IQR. Missing
 * values are never outliers.
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-parallel.h"
#include "kiln-prep-private.h"

typedef struct {
  KilnStep     *step;
  KilnPrepWork *work;
  int          *where;      /* work column of each step column */
  guint        *counts;
  KilnColumn  **clipped;    /* apply (clip): new columns, NULL when nothing changed */
} Iqr;

static void
fit_column (guint i, gpointer data)
{
  Iqr *q = data;
  KilnStep *step = q->step;
  gsize n;
  double *values = _kiln_prep_work_values (q->work, (guint) q->where[i], &n);
  double range;

  _kiln_prep_quartiles (values, n, &step->q1[i], &step->q3[i]);
  range = step->q3[i] - step->q1[i];
  step->lower[i] = step->q1[i] - step->k * range;
  step->upper[i] = step->q3[i] + step->k * range;
  g_free (values);
}


gboolean
_kiln_step_iqr_fit (KilnStep *step, KilnPrepWork *work, GError **error)
{
  Iqr q = { step, work, NULL, NULL, NULL };
  guint n;

  if (!_kiln_step_resolve_columns (step, work,
                                   step->asked ? _kiln_prep_accept_numeric
                                               : _kiln_prep_accept_continuous,
                                   _("checked for outliers"), error))
    return FALSE;
  n = step->n_columns;
  step->q1 = g_new (double, MAX (n, 1));
  step->q3 = g_new (double, MAX (n, 1));
  step->lower = g_new (double, MAX (n, 1));
  step->upper = g_new (double, MAX (n, 1));
  q.where = g_new (int, MAX (n, 1));
  if (!_kiln_step_locate (step, work, _kiln_prep_accept_numeric, _("checked for outliers"), q.where, error))
    {
      g_free (q.where);
      return FALSE;
    }
  kiln_parallel_for (n, fit_column, &q);
  g_free (q.where);
  return TRUE;
}

static void
count_column (guint i, gpointer data)
{
  Iqr *q = data;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (q->work, (guint) q->where[i]);
  const double *dv = kiln_column_get_doubles (wc->column);
  const guint8 *bv = kiln_column_get_booleans (wc->column);
  const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
  double lo = q->step->lower[i], hi = q->step->upper[i];
  gboolean clip = q->step->action == KILN_IQR_CLIP;
  double *out = NULL;
  guint n = q->work->n_rows, count = 0;

  if (isnan (lo) || isnan (hi))
    return;
  for (guint r = 0; r < n; r++)
    {
      guint p = _kiln_prep_row (wc, r);
      double v;
      if (dv)
        v = dv[p];
      else
        v = kiln_bitmap_get (missing, p) ? NAN : bv[p];
      if (v < lo || v > hi)
        {
          if (clip && out == NULL)
            {
              /* first outlier: copy what came before */
              out = g_new (double, MAX (n, 1));
              for (guint s = 0; s < r; s++)
                {
                  guint ps = _kiln_prep_row (wc, s);
                  out[s] = dv ? dv[ps] : (kiln_bitmap_get (missing, ps) ? NAN : bv[ps]);
                }
            }
          count++;
          v = v < lo ? lo : hi;
        }
      if (out)
        out[r] = v;
    }
  q->counts[i] = count;
  if (out)
    q->clipped[i] = kiln_column_new_numeric (kiln_column_get_name (wc->column), out, n);
}

gboolean
_kiln_step_iqr_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  guint n = step->n_columns;
  Iqr q = { step, work, NULL, NULL, NULL };
  gboolean ok = FALSE;

  q.where = g_new (int, MAX (n, 1));
  q.counts = g_new0 (guint, MAX (n, 1));
  q.clipped = g_new0 (KilnColumn *, MAX (n, 1));
  if (!_kiln_step_locate (step, work, _kiln_prep_accept_numeric, _("checked for outliers"), q.where, error))
    goto out;

  kiln_parallel_for (n, count_column, &q);
  for (guint i = 0; i < n; i++)
    _kiln_prep_entry_add_count (entry, step->columns[i], q.counts[i]);

  if (step->action == KILN_IQR_CLIP)
    {
      for (guint i = 0; i < n; i++)
        if (q.clipped[i])
          _kiln_prep_work_set_compact (work, (guint) q.where[i], g_steal_pointer (&q.clipped[i]));
    }
  else if (work->training)
    {
      g_autofree guint8 *keep = g_new (guint8, MAX (work->n_rows, 1));
      gboolean any = FALSE;

      memset (keep, 1, work->n_rows);
      for (guint i = 0; i < n; i++)
        {
          KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) q.where[i]);
          const double *dv = kiln_column_get_doubles (wc->column);
          const guint8 *bv = kiln_column_get_booleans (wc->column);
          const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
          double lo = step->lower[i], hi = step->upper[i];

          if (q.counts[i] == 0)
            continue;
          any = TRUE;
          for (guint r = 0; r < work->n_rows; r++)
            {
              guint p = _kiln_prep_row (wc, r);
              double v = dv ? dv[p] : (kiln_bitmap_get (missing, p) ? NAN : bv[p]);
              if (v < lo || v > hi)
                keep[r] = 0;
            }
        }
      if (any)
        _kiln_prep_work_keep_rows (work, keep);
    }
  ok = TRUE;

out:
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&q.clipped[i], kiln_column_unref);
  g_free (q.clipped);
  g_free (q.counts);
  g_free (q.where);
  return ok;
}

guint
kiln_prep_count_outliers (KilnFrame *frame,
                          double     k,
                          guint     *counts_out)
{
  KilnStep *step;
  KilnPrepWork *work;
  g_autofree guint8 *flag = NULL;
  guint n_rows_any = 0, n_cols;

  g_return_val_if_fail (frame != NULL, 0);

  n_cols = kiln_frame_get_n_columns (frame);
  if (counts_out)
    memset (counts_out, 0, sizeof (guint) * n_cols);
  work = _kiln_prep_work_new (frame, FALSE);
  step = kiln_step_new_iqr (k, KILN_IQR_DROP, NULL);
  flag = g_new0 (guint8, MAX (work->n_rows, 1));
  if (_kiln_step_iqr_fit (step, work, NULL))
    for (guint i = 0; i < step->n_columns; i++)
      {
        int c = _kiln_prep_work_find (work, step->columns[i]);
        KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) c);
        guint count = 0;

        if (isnan (step->lower[i]))
          continue;
        for (guint r = 0; r < work->n_rows; r++)
          {
            double v = kiln_column_get_double (wc->column, _kiln_prep_row (wc, r));
            if (v < step->lower[i] || v > step->upper[i])
              {
                count++;
                flag[r] = 1;
              }
          }
        if (counts_out)
          counts_out[c] = count;
      }
  for (guint r = 0; r < work->n_rows; r++)
    n_rows_any += flag[r];
  kiln_step_free (step);
  _kiln_prep_work_free (work);
  return n_rows_any;
}
