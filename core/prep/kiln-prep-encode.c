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
#include <sys/mman.h>

#include "kiln-parallel.h"
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
  kiln_parallel_for (n, fit_column, &en);
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

/* A zeroed byte column. When most of its pages will hold a 1, the pages are faulted in with
 * one call instead of one trap per 4 KiB page (a large share of one-hot encoding's time). */
static guint8 *
alloc_indicator (guint n, guint ones)
{
  guint8 *p = g_malloc0 (MAX (n, 1));

#ifdef MADV_POPULATE_WRITE
  if (n >= (1u << 20) && (guint64) ones * 4096 >= n)
    {
      guintptr start = ((guintptr) p + 4095) & ~(guintptr) 4095;
      guintptr stop = ((guintptr) p + n) & ~(guintptr) 4095;
      if (stop > start)
        madvise ((gpointer) start, stop - start, MADV_POPULATE_WRITE);  /* a hint: may fail */
    }
#endif
  return p;
}

typedef struct {
  guint8 **cols;     /* per category */
  gint32  *map;      /* column code -> category index or -1 */
  guint   *ones;     /* per category */
  guint    unseen;
} OneHot;

#define ROWS_PER_TASK 262144

typedef struct {
  Encode  *en;
  OneHot  *oh;       /* per step column */
  guint   *task_column;
  guint   *task_first;
  guint   *alloc_column;
  guint   *alloc_category;
} OneHotRun;

static void
onehot_alloc (guint t, gpointer data)
{
  OneHotRun *run = data;
  OneHot *oh = &run->oh[run->alloc_column[t]];
  guint j = run->alloc_category[t];

  oh->cols[j] = alloc_indicator (run->en->work->n_rows, oh->ones[j]);
}

static void
onehot_scatter (guint t, gpointer data)
{
  OneHotRun *run = data;
  guint i = run->task_column[t];
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (run->en->work, (guint) run->en->where[i]);
  const gint32 *codes = kiln_column_get_codes (wc->column);
  OneHot *oh = &run->oh[i];
  guint r0 = run->task_first[t], r1 = MIN (run->en->work->n_rows, r0 + ROWS_PER_TASK);

  for (guint r = r0; r < r1; r++)
    {
      gint32 c = codes[_kiln_prep_row (wc, r)];
      if (c >= 0 && oh->map[c] >= 0)
        oh->cols[oh->map[c]][r] = 1;
    }
}

static void
onehot_count (guint i, gpointer data)
{
  OneHotRun *run = data;
  Encode *en = run->en;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (en->work, (guint) en->where[i]);
  const gint32 *codes = kiln_column_get_codes (wc->column);
  guint nc = kiln_column_get_n_categories (wc->column);
  g_autofree guint *per_code = g_new0 (guint, MAX (nc, 1));
  OneHot *oh = &run->oh[i];

  oh->map = code_map (wc->column, en->step->categories[i]);
  oh->ones = g_new0 (guint, MAX (en->step->categories[i]->len, 1));
  oh->cols = g_new0 (guint8 *, MAX (en->step->categories[i]->len, 1));
  for (guint r = 0; r < en->work->n_rows; r++)
    {
      gint32 c = codes[_kiln_prep_row (wc, r)];
      if (c >= 0)
        per_code[c]++;
    }
  for (guint c = 0; c < nc; c++)
    {
      if (oh->map[c] >= 0)
        oh->ones[oh->map[c]] += per_code[c];
      else
        oh->unseen += per_code[c];
    }
}

/* One-hot: count each category, allocate the indicator columns, then fill them by blocks of
 * rows (every core busy even for a single categorical column). */
static void
apply_onehot (Encode *en)
{
  KilnStep *step = en->step;
  guint n_cols = step->n_columns, n_rows = en->work->n_rows;
  guint blocks = (n_rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, n_alloc = 0, t = 0;
  OneHotRun run = { en, g_new0 (OneHot, MAX (n_cols, 1)), NULL, NULL, NULL, NULL };

  kiln_parallel_for (n_cols, onehot_count, &run);

  for (guint i = 0; i < n_cols; i++)
    n_alloc += step->categories[i]->len;
  run.alloc_column = g_new (guint, MAX (n_alloc, 1));
  run.alloc_category = g_new (guint, MAX (n_alloc, 1));
  for (guint i = 0; i < n_cols; i++)
    for (guint j = 0; j < step->categories[i]->len; j++, t++)
      {
        run.alloc_column[t] = i;
        run.alloc_category[t] = j;
      }
  kiln_parallel_for (n_alloc, onehot_alloc, &run);

  run.task_column = g_new (guint, MAX (n_cols * blocks, 1));
  run.task_first = g_new (guint, MAX (n_cols * blocks, 1));
  for (guint i = 0, k = 0; i < n_cols; i++)
    for (guint b = 0; b < blocks; b++, k++)
      {
        run.task_column[k] = i;
        run.task_first[k] = b * ROWS_PER_TASK;
      }
  kiln_parallel_for (n_cols * blocks, onehot_scatter, &run);

  for (guint i = 0; i < n_cols; i++)
    {
      OneHot *oh = &run.oh[i];
      GPtrArray *cats = step->categories[i];
      const char *name = step->columns[i];
      GPtrArray *out = g_ptr_array_new ();

      for (guint j = 0; j < cats->len; j++)
        {
          g_autofree char *cname = g_strconcat (name, "=", (const char *) cats->pdata[j], NULL);
          g_ptr_array_add (out, kiln_column_new_boolean (cname, oh->cols[j], NULL, n_rows));
        }
      en->unseen[i] = oh->unseen;
      en->outputs[i] = out;
      g_free (oh->cols);
      g_free (oh->map);
      g_free (oh->ones);
    }
  g_free (run.oh);
  g_free (run.alloc_column);
  g_free (run.alloc_category);
  g_free (run.task_column);
  g_free (run.task_first);
}

static void
apply_ordinal (guint i, gpointer data)
{
  Encode *en = data;
  KilnStep *step = en->step;
  KilnPrepWork *work = en->work;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) en->where[i]);
  const gint32 *codes = kiln_column_get_codes (wc->column);
  g_autofree gint32 *map = code_map (wc->column, step->categories[i]);
  guint n = work->n_rows, unseen = 0;
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
  en->unseen[i] = unseen;
  en->outputs[i] = g_ptr_array_new ();
  g_ptr_array_add (en->outputs[i], kiln_column_new_numeric (step->columns[i], values, n));
}

/* One-hot kept as codes: one categorical column of the fitted categories, in their order. */
static void
apply_coded (guint i, gpointer data)
{
  Encode *en = data;
  KilnPrepWork *work = en->work;
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) en->where[i]);
  const gint32 *codes = kiln_column_get_codes (wc->column);
  GPtrArray *cats = en->step->categories[i];
  g_autofree gint32 *map = code_map (wc->column, cats);
  GPtrArray *names = g_ptr_array_new_full (MAX (cats->len, 1), g_free);
  guint n = work->n_rows, unseen = 0;
  gint32 *out = g_new (gint32, MAX (n, 1));

  for (guint r = 0; r < n; r++)
    {
      gint32 c = codes[_kiln_prep_row (wc, r)];
      out[r] = c < 0 ? -1 : map[c];
      unseen += c >= 0 && map[c] < 0;
    }
  for (guint j = 0; j < cats->len; j++)
    g_ptr_array_add (names, g_strdup (cats->pdata[j]));
  en->unseen[i] = unseen;
  en->outputs[i] = g_ptr_array_new ();
  g_ptr_array_add (en->outputs[i], kiln_column_new_coded (en->step->columns[i],
                                                          KILN_COLUMN_CATEGORICAL, out, names, n));
}

void
_kiln_prep_work_expand_onehot (KilnPrepWork *work)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) categories = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  KilnStep step = { 0 };
  Encode en = { &step, work, NULL, NULL, NULL };
  guint n;

  for (guint i = 0; i < work->columns->len; i++)
    {
      KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);
      guint nc;
      GPtrArray *cats;

      if (!(wc->flags & KILN_PREP_COL_ONEHOT))
        continue;
      nc = kiln_column_get_n_categories (wc->column);
      cats = g_ptr_array_sized_new (MAX (nc, 1));
      for (guint c = 0; c < nc; c++)
        g_ptr_array_add (cats, (gpointer) kiln_column_get_category (wc->column, c));
      g_ptr_array_add (names, (gpointer) kiln_column_get_name (wc->column));
      g_ptr_array_add (categories, cats);
    }
  n = names->len;
  if (n == 0)
    return;
  g_ptr_array_add (names, NULL);
  step.n_columns = n;
  step.columns = (char **) names->pdata;
  step.categories = (GPtrArray **) categories->pdata;
  en.where = g_new (int, n);
  en.unseen = g_new0 (guint, n);
  en.outputs = g_new0 (GPtrArray *, n);
  for (guint i = 0; i < n; i++)
    en.where[i] = _kiln_prep_work_find (work, step.columns[i]);
  apply_onehot (&en);
  for (guint i = n; i-- > 0;)
    {
      GPtrArray *out = en.outputs[i];
      _kiln_prep_work_splice (work, (guint) en.where[i], (KilnColumn **) out->pdata, out->len,
                              KILN_PREP_COL_ENCODED);
      g_ptr_array_free (out, TRUE);
    }
  g_free (en.outputs);
  g_free (en.unseen);
  g_free (en.where);
}

gboolean
_kiln_step_encode_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  guint n = step->n_columns;
  Encode en = { step, work, NULL, NULL, NULL };

  en.where = g_new (int, MAX (n, 1));
  en.unseen = g_new0 (guint, MAX (n, 1));
  en.outputs = g_new0 (GPtrArray *, MAX (n, 1));
  if (!_kiln_step_locate (step, work, _kiln_prep_accept_categorical, _("encoded as categories"),
                          en.where, error))
    goto fail;

  if (step->encoding == KILN_ENCODE_ONEHOT && work->keep_codes)
    kiln_parallel_for (n, apply_coded, &en);
  else if (step->encoding == KILN_ENCODE_ONEHOT)
    apply_onehot (&en);
  else
    kiln_parallel_for (n, apply_ordinal, &en);

  /* splice from the last column backwards so earlier positions stay valid */
  for (guint i = n; i-- > 0;)
    {
      GPtrArray *out = en.outputs[i];
      guint pos = (guint) _kiln_prep_work_find (work, step->columns[i]);
      _kiln_prep_work_splice (work, pos, (KilnColumn **) out->pdata, out->len,
                              KILN_PREP_COL_ENCODED
                              | (step->encoding == KILN_ENCODE_ONEHOT && work->keep_codes
                                 ? KILN_PREP_COL_ONEHOT : 0));
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
