/* kiln-prep-scale.c: standard (mean 0, population std 1) or min-max scaling.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As scikit-learn's StandardScaler: mean and variance over the non-missing training values
 * (the variance with the same correction term), a constant column scaled by 1; MinMaxScaler's
 * range, a zero range replaced by 1. Missing values stay missing.
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <float.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-parallel.h"
#include "kiln-prep-private.h"

typedef struct {
  KilnStep      *step;
  KilnPrepWork  *work;
  int           *where;
  KilnColumn   **scaled;
} Scale;

static void
fit_column (guint i, gpointer data)
{
  Scale *sc = data;
  KilnStep *step = sc->step;
  gsize n;
  g_autofree double *v = _kiln_prep_work_values (sc->work, (guint) sc->where[i], &n);

  if (n == 0)
    {
      step->offset[i] = 0;
      step->scale[i] = 1;
      return;
    }
  if (step->scaling == KILN_SCALE_STANDARD)
    {
      double mean = _kiln_prep_sum (v, n) / (double) n;
      double correction, var;

      for (gsize j = 0; j < n; j++)
        v[j] -= mean;
      correction = _kiln_prep_sum (v, n);
      for (gsize j = 0; j < n; j++)
        v[j] *= v[j];
      var = (_kiln_prep_sum (v, n) - correction * correction / (double) n) / (double) n;
      step->offset[i] = mean;
      /* sklearn's _is_constant_feature and _handle_zeros_in_scale */
      if (var <= (double) n * DBL_EPSILON * var + pow ((double) n * mean * DBL_EPSILON, 2) ||
          sqrt (var) < 10 * DBL_EPSILON)
        step->scale[i] = 1;
      else
        step->scale[i] = sqrt (var);
    }
  else if (step->scaling == KILN_SCALE_MINMAX)
    {
      double lo = v[0], hi = v[0];
      for (gsize j = 1; j < n; j++)
        {
          lo = MIN (lo, v[j]);
          hi = MAX (hi, v[j]);
        }
      step->offset[i] = lo;
      step->scale[i] = hi - lo < 10 * DBL_EPSILON ? 1 : hi - lo;
    }
  else
    {
      step->offset[i] = 0;
      step->scale[i] = 1;
    }
}


gboolean
_kiln_step_scale_fit (KilnStep *step, KilnPrepWork *work, GError **error)
{
  Scale sc = { step, work, NULL, NULL };
  guint n;

  if (!_kiln_step_resolve_columns (step, work,
                                   step->asked ? _kiln_prep_accept_numeric
                                               : _kiln_prep_accept_plain_numeric,
                                   _("scaled"), error))
    return FALSE;
  n = step->n_columns;
  step->offset = g_new (double, MAX (n, 1));
  step->scale = g_new (double, MAX (n, 1));
  sc.where = g_new (int, MAX (n, 1));
  if (!_kiln_step_locate (step, work, _kiln_prep_accept_numeric, _("scaled"), sc.where, error))
    {
      g_free (sc.where);
      return FALSE;
    }
  kiln_parallel_for (n, fit_column, &sc);
  g_free (sc.where);
  return TRUE;
}

static void
apply_column (guint i, gpointer data)
{
  Scale *sc = data;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (sc->work, (guint) sc->where[i]);
  const double *dv = kiln_column_get_doubles (wc->column);
  const guint8 *bv = kiln_column_get_booleans (wc->column);
  const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
  double offset = sc->step->offset[i], scale = sc->step->scale[i];
  guint n = sc->work->n_rows;
  double *out;

  if (sc->step->scaling == KILN_SCALE_NONE)
    return;
  out = g_new (double, MAX (n, 1));
  if (dv && wc->index == NULL)
    for (guint r = 0; r < n; r++)
      out[r] = (dv[r] - offset) / scale;
  else if (dv)
    for (guint r = 0; r < n; r++)
      out[r] = (dv[wc->index->rows[r]] - offset) / scale;
  else
    for (guint r = 0; r < n; r++)
      {
        guint p = _kiln_prep_row (wc, r);
        out[r] = kiln_bitmap_get (missing, p) ? NAN : (bv[p] - offset) / scale;
      }
  sc->scaled[i] = kiln_column_new_numeric (kiln_column_get_name (wc->column), out, n);
}

gboolean
_kiln_step_scale_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  guint n = step->n_columns;
  Scale sc = { step, work, NULL, NULL };
  gboolean ok = FALSE;

  sc.where = g_new (int, MAX (n, 1));
  sc.scaled = g_new0 (KilnColumn *, MAX (n, 1));
  if (!_kiln_step_locate (step, work, _kiln_prep_accept_numeric, _("scaled"), sc.where, error))
    goto out;
  kiln_parallel_for (n, apply_column, &sc);
  for (guint i = 0; i < n; i++)
    if (sc.scaled[i])
      {
        _kiln_prep_work_set_compact (work, (guint) sc.where[i], g_steal_pointer (&sc.scaled[i]));
        if (entry)
          entry->count++;
      }
  ok = TRUE;

out:
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&sc.scaled[i], kiln_column_unref);
  g_free (sc.scaled);
  g_free (sc.where);
  return ok;
}
