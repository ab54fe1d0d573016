/* kiln-stats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-stats"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-memory.h"
#include "kiln-stats.h"

/* Distinct 64-bit keys through open addressing (GHashTable costs an allocation per key). The
 * table starts small and grows with the distinct count, so it stays in cache for the usual
 * columns with a few hundred values. */
typedef struct {
  guint64 *keys;
  guint8  *used;
  guint64  mask;
  guint    shift;   /* 64 - log2 (capacity): the product's top bits are the well-mixed ones */
  guint    count;
} KeySet;

static void
keyset_init (KeySet *set, guint64 cap)
{
  set->mask = cap - 1;
  set->shift = 64 - (guint) g_bit_storage (cap - 1);
  set->keys = kiln_alloc_large (cap * sizeof (guint64));
  set->used = g_new0 (guint8, cap);
  set->count = 0;
}

static gboolean keyset_add (KeySet *set, guint64 k);

static void
keyset_grow (KeySet *set)
{
  KeySet bigger;

  keyset_init (&bigger, (set->mask + 1) * 4);
  for (guint64 i = 0; i <= set->mask; i++)
    if (set->used[i])
      keyset_add (&bigger, set->keys[i]);
  g_free (set->keys);
  g_free (set->used);
  *set = bigger;
}

static gboolean
keyset_add (KeySet *set, guint64 k)
{
  guint64 h = ((k ^ (k >> 32)) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> set->shift;

  for (;;)
    {
      h &= set->mask;
      if (!set->used[h])
        {
          set->used[h] = 1;
          set->keys[h] = k;
          if (++set->count * 2 > set->mask)
            keyset_grow (set);
          return TRUE;
        }
      if (set->keys[h] == k)
        return FALSE;
      h++;
    }
}

static int
compare_counts (gconstpointer a, gconstpointer b)
{
  const KilnCategoryCount *x = a, *y = b;
  if (x->count != y->count)
    return x->count < y->count ? 1 : -1;
  return g_strcmp0 (x->value, y->value);
}

static void
clear_category_count (gpointer data)
{
  KilnCategoryCount *c = data;
  g_free (c->value);
}

/* The raw arrays of a numeric, boolean or datetime column, for a loop over millions of rows. */
typedef struct {
  const double  *doubles;    /* numeric: NaN is missing */
  const gint64  *datetimes;
  const guint8  *booleans;
  const guint64 *missing;
} ColumnValues;

static ColumnValues
column_values (KilnColumn *col)
{
  ColumnValues cv = {
    kiln_column_get_doubles (col),
    kiln_column_get_datetimes (col),
    kiln_column_get_booleans (col),
    kiln_column_get_missing_bitmap (col),
  };
  return cv;
}

/* The value as a number (datetimes in seconds) and as a key for counting distinct values
 * (-0 and 0 are one value); FALSE when missing. */
static inline gboolean
value_at (const ColumnValues *cv, guint row, double *value, guint64 *key)
{
  if (cv->doubles != NULL)
    {
      double v = cv->doubles[row], k;
      if (isnan (v))
        return FALSE;
      k = v == 0 ? 0 : v;
      memcpy (key, &k, sizeof *key);
      *value = v;
      return TRUE;
    }
  if (kiln_bitmap_get (cv->missing, row))
    return FALSE;
  if (cv->datetimes != NULL)
    {
      *key = (guint64) cv->datetimes[row];
      *value = cv->datetimes[row] / 1e6;
    }
  else
    {
      *key = cv->booleans[row] != 0;
      *value = cv->booleans[row] != 0;
    }
  return TRUE;
}

KilnColumnStats *
kiln_column_stats_compute (KilnFrame *frame,
                           guint      column,
                           guint      max_top)
{
  KilnColumn *col;
  KilnColumnStats *stats;
  const guint32 *index;
  guint n;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (column < kiln_frame_get_n_columns (frame), NULL);

  col = kiln_frame_get_column (frame, column);
  index = kiln_frame_get_row_index (frame);
  n = kiln_frame_get_n_rows (frame);

  stats = g_new0 (KilnColumnStats, 1);
  stats->type = kiln_column_get_column_type (col);
  stats->n_rows = n;
  stats->min = stats->max = stats->mean = stats->std = NAN;
  stats->top = g_array_new (FALSE, TRUE, sizeof (KilnCategoryCount));
  g_array_set_clear_func (stats->top, clear_category_count);

  if (kiln_column_is_coded (col))
    {
      const gint32 *codes = kiln_column_get_codes (col);
      guint nc = kiln_column_get_n_categories (col);
      guint *counts = g_new0 (guint, MAX (nc, 1));
      GArray *all = g_array_new (FALSE, FALSE, sizeof (KilnCategoryCount));

      for (guint i = 0; i < n; i++)
        {
          gint32 c = codes[index ? index[i] : i];
          if (c < 0)
            stats->n_missing++;
          else
            counts[c]++;
        }
      for (guint c = 0; c < nc; c++)
        if (counts[c])
          {
            KilnCategoryCount cc = { (char *) kiln_column_get_category (col, c), counts[c] };
            stats->n_distinct++;
            g_array_append_val (all, cc);
          }
      g_array_sort (all, compare_counts);
      for (guint i = 0; i < MIN (all->len, max_top); i++)
        {
          KilnCategoryCount cc = g_array_index (all, KilnCategoryCount, i);
          cc.value = g_strdup (cc.value);
          g_array_append_val (stats->top, cc);
        }
      g_array_unref (all);
      g_free (counts);
    }
  else
    {
      ColumnValues cv = column_values (col);
      KeySet set;
      guint nk = 0;
      double sum = 0, min = INFINITY, max = -INFINITY;
      guint counts[2] = { 0, 0 };
      guint64 last_key = 0;

      keyset_init (&set, 1024);
      for (guint i = 0; i < n; i++)
        {
          guint64 key;
          double v;

          if (!value_at (&cv, index ? index[i] : i, &v, &key))
            {
              stats->n_missing++;
              continue;
            }
          /* sorted or grouped files repeat a value row after row: one look-up per run */
          if (nk == 0 || key != last_key)
            keyset_add (&set, key);
          last_key = key;
          nk++;
          counts[v != 0]++;
          sum += v;
          min = MIN (min, v);
          max = MAX (max, v);
        }
      stats->n_distinct = set.count;
      g_free (set.keys);
      g_free (set.used);
      if (nk > 0)
        {
          double mean = sum / nk, ss = 0;
          for (guint i = 0; i < n; i++)
            {
              guint64 key;
              double v;
              if (value_at (&cv, index ? index[i] : i, &v, &key))
                ss += (v - mean) * (v - mean);
            }
          stats->mean = mean;
          stats->min = min;
          stats->max = max;
          stats->std = nk > 1 ? sqrt (ss / (nk - 1)) : NAN;
        }
      if (stats->type == KILN_COLUMN_BOOLEAN)
        {
          for (int b = 1; b >= 0; b--)
            if (counts[b] && stats->top->len < max_top)
              {
                KilnCategoryCount cc = { g_strdup (b ? "True" : "False"), counts[b] };
                g_array_append_val (stats->top, cc);
              }
          g_array_sort (stats->top, compare_counts);
        }
    }
  return stats;
}

typedef struct {
  KilnFrame        *frame;
  KilnColumnStats **out;
  guint             max_top;
  gint              next;    /* atomic: the next column to do */
} AllStats;

static gpointer
all_stats_worker (gpointer data)
{
  AllStats *all = data;
  guint n = kiln_frame_get_n_columns (all->frame);
  guint c;

  while ((c = (guint) g_atomic_int_add (&all->next, 1)) < n)
    all->out[c] = kiln_column_stats_compute (all->frame, c, all->max_top);
  return NULL;
}

KilnColumnStats **
kiln_frame_compute_stats (KilnFrame *frame,
                          guint      max_top)
{
  AllStats all = { frame, NULL, max_top, 0 };
  guint n = kiln_frame_get_n_columns (frame);
  guint n_threads = MIN (g_get_num_processors (), MAX (n, 1));
  GThread **threads;

  g_return_val_if_fail (frame != NULL, NULL);

  all.out = g_new0 (KilnColumnStats *, n + 1);
  /* small frames are not worth a thread */
  if ((guint64) kiln_frame_get_n_rows (frame) * n < 100000)
    n_threads = 1;
  threads = g_new0 (GThread *, n_threads);
  for (guint t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("kiln-stats", all_stats_worker, &all);
  all_stats_worker (&all);
  for (guint t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
  g_free (threads);
  return all.out;
}

void
kiln_column_stats_free_all (KilnColumnStats **stats)
{
  if (stats == NULL)
    return;
  for (guint i = 0; stats[i]; i++)
    kiln_column_stats_free (stats[i]);
  g_free (stats);
}

void
kiln_column_stats_free (KilnColumnStats *stats)
{
  if (stats == NULL)
    return;
  g_array_unref (stats->top);
  g_free (stats);
}

guint *
kiln_column_histogram (KilnFrame *frame,
                       guint      column,
                       guint      n_bins,
                       double    *min_out,
                       double    *max_out)
{
  KilnColumn *col;
  double min = INFINITY, max = -INFINITY, width;
  guint n, *bins;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (n_bins > 0, NULL);

  col = kiln_frame_get_column (frame, column);
  if (kiln_column_is_coded (col))
    return NULL;
  n = kiln_frame_get_n_rows (frame);
  for (guint i = 0; i < n; i++)
    {
      double v = kiln_column_get_double (col, kiln_frame_get_physical_row (frame, i));
      if (isfinite (v))
        {
          min = MIN (min, v);
          max = MAX (max, v);
        }
    }
  if (!isfinite (min))
    return NULL;
  bins = g_new0 (guint, n_bins);
  width = (max - min) / n_bins;
  for (guint i = 0; i < n; i++)
    {
      double v = kiln_column_get_double (col, kiln_frame_get_physical_row (frame, i));
      guint b;
      if (!isfinite (v))
        continue;
      b = width > 0 ? (guint) ((v - min) / width) : 0;
      bins[MIN (b, n_bins - 1)]++;
    }
  if (min_out)
    *min_out = min;
  if (max_out)
    *max_out = max;
  return bins;
}
