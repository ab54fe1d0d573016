/* kiln-stats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-stats"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-stats.h"

/* Distinct 64-bit keys through open addressing: GHashTable costs an allocation per key. */
static guint
count_distinct_u64 (const guint64 *keys, guint n)
{
  guint64 cap = 16;
  guint64 *table;
  guint8 *used;
  guint distinct = 0;

  while (cap < (guint64) n * 2)
    cap <<= 1;
  table = g_new (guint64, cap);
  used = g_new0 (guint8, cap);
  for (guint i = 0; i < n; i++)
    {
      guint64 k = keys[i];
      guint64 h = (k * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 17;
      for (;;)
        {
          h &= cap - 1;
          if (!used[h])
            {
              used[h] = 1;
              table[h] = k;
              distinct++;
              break;
            }
          if (table[h] == k)
            break;
          h++;
        }
    }
  g_free (table);
  g_free (used);
  return distinct;
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
      guint64 *keys = g_new (guint64, MAX (n, 1));
      guint nk = 0;
      double sum = 0, min = INFINITY, max = -INFINITY;
      guint counts[2] = { 0, 0 };

      for (guint i = 0; i < n; i++)
        {
          guint r = index ? index[i] : i;
          double v;
          if (kiln_column_is_missing (col, r))
            {
              stats->n_missing++;
              continue;
            }
          v = kiln_column_get_double (col, r);
          if (stats->type == KILN_COLUMN_DATETIME)
            keys[nk++] = (guint64) kiln_column_get_datetime (col, r);
          else
            {
              double key = v == 0 ? 0 : v; /* -0 and 0 are one value */
              memcpy (&keys[nk++], &key, sizeof key);
            }
          if (stats->type == KILN_COLUMN_BOOLEAN)
            counts[v != 0]++;
          sum += v;
          min = MIN (min, v);
          max = MAX (max, v);
        }
      stats->n_distinct = count_distinct_u64 (keys, nk);
      if (nk > 0)
        {
          double mean = sum / nk, ss = 0;
          for (guint i = 0; i < n; i++)
            {
              guint r = index ? index[i] : i;
              double v = kiln_column_get_double (col, r);
              if (!isnan (v))
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
      g_free (keys);
    }
  return stats;
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
