/* kiln-split.c: seeded train / validation / test splits and k folds, stratified or not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-rng.h"
#include "kiln-split.h"

/* ---- Fractions ---------------------------------------------------------------------------- */

gboolean
kiln_split_parse_fractions (const char          *text,
                            KilnSplitFractions  *fractions,
                            GError             **error)
{
  g_auto(GStrv) parts = NULL;
  double v[3] = { 0, 0, 0 }, sum = 0;
  guint n;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (fractions != NULL, FALSE);

  parts = g_strsplit (text, ":", -1);
  n = g_strv_length (parts);
  if (n < 1 || n > 3)
    goto bad;
  for (guint i = 0; i < n; i++)
    {
      char *end = NULL;
      g_strstrip (parts[i]);
      v[i] = g_ascii_strtod (parts[i], &end);
      if (parts[i][0] == '\0' || end == NULL || *end != '\0' || !isfinite (v[i]) || v[i] < 0)
        goto bad;
      sum += v[i];
    }
  if (n == 1)
    {
      double f = v[0] > 1 ? v[0] / 100 : v[0];
      if (f <= 0 || f > 1)
        goto bad;
      fractions->train = f;
      fractions->validation = 0;
      fractions->test = 1 - f;
      return TRUE;
    }
  if (sum <= 0)
    goto bad;
  fractions->train = v[0] / sum;
  if (n == 2)
    {
      fractions->validation = 0;
      fractions->test = v[1] / sum;
    }
  else
    {
      fractions->validation = v[1] / sum;
      fractions->test = v[2] / sum;
    }
  return TRUE;

bad:
  g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
               _("“%s” is not a split; write TRAIN:VAL:TEST such as 0.8:0:0.2 or 70:15:15"), text);
  return FALSE;
}

static gboolean
check_fractions (const KilnSplitFractions *f, double out[3], GError **error)
{
  double sum = f->train + f->validation + f->test;

  if (!(f->train >= 0 && f->validation >= 0 && f->test >= 0) || !(sum > 0) || !isfinite (sum))
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("Split fractions must be non-negative and not all zero"));
      return FALSE;
    }
  out[0] = f->train / sum;
  out[1] = f->validation / sum;
  out[2] = f->test / sum;
  return TRUE;
}

/* Largest remainder; ties go to the test part, then validation, then training (so 10 rows at
 * 75:25 give 7:3, as scikit-learn's ceil of the test size). */
static void
largest_remainder (guint n, const double f[3], guint out[3])
{
  static const guint order[3] = { 2, 1, 0 };
  double frac[3];
  guint assigned = 0;

  for (guint p = 0; p < 3; p++)
    {
      double exact = n * f[p];
      double fl = floor (exact + 1e-9);
      out[p] = (guint) MIN (fl, (double) n);
      frac[p] = f[p] > 0 ? MAX (exact - fl, 0) : -1;
      assigned += out[p];
    }
  while (assigned < n)
    {
      int best = -1;
      for (guint i = 0; i < 3; i++)
        {
          guint p = order[i];
          if (f[p] > 0 && (best < 0 || frac[p] > frac[best] + 1e-12))
            best = (int) p;
        }
      out[best]++;
      frac[best] = -1;
      assigned++;
      if (frac[0] < 0 && frac[1] < 0 && frac[2] < 0)
        for (guint p = 0; p < 3; p++)
          frac[p] = f[p] > 0 ? 0 : -1;
    }
  while (assigned > n)
    {
      for (guint p = 0; p < 3 && assigned > n; p++)
        if (out[p] > 0)
          {
            out[p]--;
            assigned--;
          }
    }
}

void
kiln_split_sizes (guint                     n,
                  const KilnSplitFractions *fractions,
                  guint                    *n_train,
                  guint                    *n_val,
                  guint                    *n_test)
{
  double f[3];
  guint out[3] = { n, 0, 0 };

  g_return_if_fail (fractions != NULL);
  if (check_fractions (fractions, f, NULL))
    largest_remainder (n, f, out);
  if (n_train)
    *n_train = out[0];
  if (n_val)
    *n_val = out[1];
  if (n_test)
    *n_test = out[2];
}

/* ---- Classes ------------------------------------------------------------------------------ */

typedef struct {
  double value;
  guint32 row;
} ValueRow;

static int
compare_value_row (gconstpointer a, gconstpointer b)
{
  const ValueRow *x = a, *y = b;
  if (x->value != y->value)
    return x->value < y->value ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

/* The rows with a target, grouped by class (classes in a fixed order, rows ascending within
 * each). Returns a GPtrArray of GArray(guint32). Without @stratify, one group. */
static GPtrArray *
group_rows (KilnFrame *frame, int target, gboolean stratify)
{
  guint n = kiln_frame_get_n_rows (frame);
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  KilnColumn *col = target >= 0 ? kiln_frame_get_column (frame, (guint) target) : NULL;

  if (!stratify || col == NULL)
    {
      GArray *all = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
      for (guint32 r = 0; r < n; r++)
        if (col == NULL || !kiln_column_is_missing (col, kiln_frame_get_physical_row (frame, r)))
          g_array_append_val (all, r);
      g_ptr_array_add (groups, all);
      return groups;
    }

  if (kiln_column_is_coded (col) || kiln_column_get_column_type (col) == KILN_COLUMN_BOOLEAN)
    {
      guint nc = kiln_column_is_coded (col) ? kiln_column_get_n_categories (col) : 2;
      g_autofree GArray **by = g_new0 (GArray *, MAX (nc, 1));
      for (guint32 r = 0; r < n; r++)
        {
          guint p = kiln_frame_get_physical_row (frame, r);
          gint32 c;
          if (kiln_column_is_missing (col, p))
            continue;
          c = kiln_column_is_coded (col) ? kiln_column_get_codes (col)[p]
                                         : kiln_column_get_booleans (col)[p];
          if (by[c] == NULL)
            by[c] = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_array_append_val (by[c], r);
        }
      for (guint c = 0; c < nc; c++)
        if (by[c])
          g_ptr_array_add (groups, by[c]);
    }
  else
    {
      g_autoptr(GArray) vr = g_array_new (FALSE, FALSE, sizeof (ValueRow));
      GArray *cur = NULL;
      for (guint32 r = 0; r < n; r++)
        {
          double v = kiln_column_get_double (col, kiln_frame_get_physical_row (frame, r));
          ValueRow x = { v == 0 ? 0 : v, r };
          if (!isnan (v))
            g_array_append_val (vr, x);
        }
      g_array_sort (vr, compare_value_row);
      for (guint i = 0; i < vr->len; i++)
        {
          ValueRow *x = &g_array_index (vr, ValueRow, i);
          if (i == 0 || x->value != g_array_index (vr, ValueRow, i - 1).value)
            {
              cur = g_array_new (FALSE, FALSE, sizeof (guint32));
              g_ptr_array_add (groups, cur);
            }
          g_array_append_val (cur, x->row);
        }
    }
  return groups;
}

static int
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return (x > y) - (x < y);
}

typedef struct {
  double frac;
  guint  cls;
  guint  part;
} Pair;

static int
compare_pair (gconstpointer a, gconstpointer b)
{
  const Pair *x = a, *y = b;
  if (x->frac != y->frac)
    return x->frac > y->frac ? -1 : 1;
  if (x->part != y->part)
    return x->part > y->part ? -1 : 1;   /* test first, as largest_remainder */
  return (x->cls > y->cls) - (x->cls < y->cls);
}

static gboolean
check_target (KilnFrame *frame, int target, gboolean stratify, GError **error)
{
  if (target >= (int) kiln_frame_get_n_columns (frame))
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                   _("There is no column %d"), target);
      return FALSE;
    }
  if (stratify && target < 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                   _("A stratified split needs a target column"));
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_split_train_val_test (KilnFrame                 *frame,
                           int                        target_column,
                           const KilnSplitFractions  *fractions,
                           gboolean                   stratify,
                           guint64                    seed,
                           GArray                   **train_rows,
                           GArray                   **val_rows,
                           GArray                   **test_rows,
                           GError                   **error)
{
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GArray) pairs = NULL;
  GArray *parts[3];
  KilnRng rng;
  double f[3];
  guint total = 0, sizes[3], need[3];
  guint ng;
  g_autofree guint *alloc = NULL;   /* ng x 3 */
  g_autofree guint *residual = NULL;

  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (fractions != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_fractions (fractions, f, error) || !check_target (frame, target_column, stratify, error))
    return FALSE;

  groups = group_rows (frame, target_column, stratify);
  ng = groups->len;
  for (guint g = 0; g < ng; g++)
    total += ((GArray *) groups->pdata[g])->len;
  if (total == 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_EMPTY,
                   target_column >= 0 ? _("There are no rows with a target value to split")
                                      : _("There are no rows to split"));
      return FALSE;
    }

  kiln_rng_init (&rng, seed);
  for (guint g = 0; g < ng; g++)
    {
      GArray *a = groups->pdata[g];
      kiln_rng_shuffle (&rng, (guint32 *) a->data, a->len);
    }

  largest_remainder (total, f, sizes);
  memcpy (need, sizes, sizeof need);
  alloc = g_new0 (guint, ng * 3);
  residual = g_new0 (guint, MAX (ng, 1));
  pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  for (guint g = 0; g < ng; g++)
    {
      guint nc = ((GArray *) groups->pdata[g])->len, used = 0;
      for (guint p = 0; p < 3; p++)
        {
          double exact = nc * f[p];
          double fl = floor (exact + 1e-9);
          guint a = (guint) MIN (fl, (double) nc);
          alloc[g * 3 + p] = a;
          used += a;
          if (f[p] > 0)
            {
              Pair pr = { MAX (exact - fl, 0), g, p };
              g_array_append_val (pairs, pr);
            }
        }
      /* floors can overshoot only by rounding noise */
      while (used > nc)
        for (guint p = 0; p < 3 && used > nc; p++)
          if (alloc[g * 3 + p] > 0)
            {
              alloc[g * 3 + p]--;
              used--;
            }
      residual[g] = nc - used;
      for (guint p = 0; p < 3; p++)
        need[p] = need[p] >= alloc[g * 3 + p] ? need[p] - alloc[g * 3 + p] : 0;
    }
  g_array_sort (pairs, compare_pair);
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pr = &g_array_index (pairs, Pair, i);
      if (residual[pr->cls] > 0 && need[pr->part] > 0)
        {
          alloc[pr->cls * 3 + pr->part]++;
          residual[pr->cls]--;
          need[pr->part]--;
        }
    }
  /* whatever the greedy pass could not place (rare): any part that still needs rows */
  for (guint g = 0; g < ng; g++)
    while (residual[g] > 0)
      {
        guint best = 0;
        for (guint p = 1; p < 3; p++)
          if (need[p] > need[best])
            best = p;
        if (need[best] == 0)
          best = 0;
        else
          need[best]--;
        alloc[g * 3 + best]++;
        residual[g]--;
      }

  for (guint p = 0; p < 3; p++)
    parts[p] = g_array_sized_new (FALSE, FALSE, sizeof (guint32), sizes[p]);
  for (guint g = 0; g < ng; g++)
    {
      GArray *a = groups->pdata[g];
      guint at = 0;
      for (guint p = 0; p < 3; p++)
        {
          g_array_append_vals (parts[p], (guint32 *) a->data + at, alloc[g * 3 + p]);
          at += alloc[g * 3 + p];
        }
    }
  for (guint p = 0; p < 3; p++)
    g_array_sort (parts[p], compare_u32);

  if (train_rows)
    *train_rows = parts[0];
  else
    g_array_unref (parts[0]);
  if (val_rows)
    *val_rows = parts[1];
  else
    g_array_unref (parts[1]);
  if (test_rows)
    *test_rows = parts[2];
  else
    g_array_unref (parts[2]);
  return TRUE;
}

/* ---- By time ------------------------------------------------------------------------------ */

gboolean
kiln_split_find_time_column (KilnFrame   *frame,
                             const char  *name,
                             int         *column,
                             GError     **error)
{
  KilnColumnType type;
  int c;

  g_return_val_if_fail (frame != NULL && name != NULL && column != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name[0] == '\0')
    {
      *column = -1;
      return TRUE;
    }
  c = kiln_frame_find_column (frame, name);
  if (c < 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                   _("There is no column “%s” to put the rows in time order"), name);
      return FALSE;
    }
  type = kiln_column_get_column_type (kiln_frame_get_column (frame, (guint) c));
  if (type != KILN_COLUMN_DATETIME && type != KILN_COLUMN_NUMERIC)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("Column “%s” holds neither dates nor numbers, so it cannot put the rows in "
                     "time order"), name);
      return FALSE;
    }
  *column = c;
  return TRUE;
}

typedef struct {
  gint64  dated;   /* 0: no time (first), 1: a time */
  double  time;    /* microseconds (datetime) or the number */
  guint32 row;
} TimeRow;

static int
compare_time_row (gconstpointer a, gconstpointer b)
{
  const TimeRow *x = a, *y = b;

  if (x->dated != y->dated)
    return x->dated < y->dated ? -1 : 1;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

guint32 *
kiln_split_time_order (KilnFrame  *frame,
                       int         time_column,
                       int         target_column,
                       guint      *n_rows)
{
  guint n, m = 0;
  KilnColumn *time = NULL, *target = NULL;
  g_autofree TimeRow *rows = NULL;
  guint32 *order;

  g_return_val_if_fail (frame != NULL && n_rows != NULL, NULL);
  g_return_val_if_fail (time_column < (int) kiln_frame_get_n_columns (frame), NULL);
  g_return_val_if_fail (target_column < (int) kiln_frame_get_n_columns (frame), NULL);

  n = kiln_frame_get_n_rows (frame);
  if (time_column >= 0)
    time = kiln_frame_get_column (frame, (guint) time_column);
  if (target_column >= 0)
    target = kiln_frame_get_column (frame, (guint) target_column);
  rows = g_new (TimeRow, MAX (n, 1));
  for (guint32 r = 0; r < n; r++)
    {
      guint p = kiln_frame_get_physical_row (frame, r);
      TimeRow t = { 1, 0.0, r };

      if (target != NULL && kiln_column_is_missing (target, p))
        continue;
      if (time != NULL)
        {
          if (kiln_column_is_missing (time, p))
            t.dated = 0;
          else if (kiln_column_get_column_type (time) == KILN_COLUMN_DATETIME)
            t.time = (double) kiln_column_get_datetime (time, p);
          else
            {
              t.time = kiln_column_get_double (time, p);
              if (isnan (t.time))
                t = (TimeRow) { 0, 0.0, r };
            }
        }
      rows[m++] = t;
    }
  /* qsort is not stable, but the row breaks every tie */
  if (time != NULL)
    qsort (rows, m, sizeof (TimeRow), compare_time_row);
  order = g_new (guint32, MAX (m, 1));
  for (guint i = 0; i < m; i++)
    order[i] = rows[i].row;
  *n_rows = m;
  return order;
}

gboolean
kiln_split_by_time (KilnFrame                 *frame,
                    int                        target_column,
                    int                        time_column,
                    const KilnSplitFractions  *fractions,
                    GArray                   **train_rows,
                    GArray                   **val_rows,
                    GArray                   **test_rows,
                    GError                   **error)
{
  g_autofree guint32 *order = NULL;
  GArray *parts[3];
  GArray **out[3] = { train_rows, val_rows, test_rows };
  double f[3];
  guint n, sizes[3], at = 0;

  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (fractions != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_fractions (fractions, f, error) || !check_target (frame, target_column, FALSE, error))
    return FALSE;
  if (time_column >= (int) kiln_frame_get_n_columns (frame))
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                   _("There is no column %d"), time_column);
      return FALSE;
    }
  order = kiln_split_time_order (frame, time_column, target_column, &n);
  if (n == 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_EMPTY,
                   target_column >= 0 ? _("There are no rows with a target value to split")
                                      : _("There are no rows to split"));
      return FALSE;
    }
  largest_remainder (n, f, sizes);
  for (guint p = 0; p < 3; p++)
    {
      parts[p] = g_array_sized_new (FALSE, FALSE, sizeof (guint32), sizes[p]);
      g_array_append_vals (parts[p], order + at, sizes[p]);
      at += sizes[p];
      g_array_sort (parts[p], compare_u32);
      if (out[p])
        *out[p] = parts[p];
      else
        g_array_unref (parts[p]);
    }
  return TRUE;
}

GPtrArray *
kiln_split_kfold (KilnFrame  *frame,
                  int         target_column,
                  guint       k,
                  gboolean    stratify,
                  guint64     seed,
                  GError    **error)
{
  g_autoptr(GPtrArray) groups = NULL;
  GPtrArray *folds;
  KilnRng rng;
  guint total = 0, at = 0;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_target (frame, target_column, stratify, error))
    return NULL;
  groups = group_rows (frame, target_column, stratify);
  for (guint g = 0; g < groups->len; g++)
    total += ((GArray *) groups->pdata[g])->len;
  if (k < 2 || k > total)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("Cannot make %u folds of %u rows"), k, total);
      return NULL;
    }

  kiln_rng_init (&rng, seed);
  folds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint i = 0; i < k; i++)
    g_ptr_array_add (folds, g_array_sized_new (FALSE, FALSE, sizeof (guint32), total / k + 1));
  for (guint g = 0; g < groups->len; g++)
    {
      GArray *a = groups->pdata[g];
      kiln_rng_shuffle (&rng, (guint32 *) a->data, a->len);
      for (guint i = 0; i < a->len; i++, at++)
        g_array_append_val (folds->pdata[at % k], g_array_index (a, guint32, i));
    }
  for (guint i = 0; i < k; i++)
    g_array_sort (folds->pdata[i], compare_u32);
  return folds;
}

GArray *
kiln_split_complement (guint         n_rows,
                       const GArray *rows)
{
  g_autofree guint8 *in = g_new0 (guint8, MAX (n_rows, 1));
  GArray *out;

  g_return_val_if_fail (rows != NULL, NULL);
  for (guint i = 0; i < rows->len; i++)
    {
      guint32 r = g_array_index (rows, guint32, i);
      if (r < n_rows)
        in[r] = 1;
    }
  out = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_rows - MIN (rows->len, n_rows));
  for (guint32 r = 0; r < n_rows; r++)
    if (!in[r])
      g_array_append_val (out, r);
  return out;
}
