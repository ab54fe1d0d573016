/* kiln-frame-sort.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-frame-sort"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-frame-sort.h"

#define DIGIT_BITS 16
#define N_BUCKETS (1u << DIGIT_BITS)
#define N_DIGITS (64 / DIGIT_BITS)

/* Doubles as unsigned integers in the same order (-0 as +0, so they compare equal). */
static inline guint64
double_key (double v)
{
  guint64 bits;

  if (v == 0)
    v = 0.0;
  memcpy (&bits, &v, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (G_GUINT64_CONSTANT (1) << 63);
}

static int
compare_collate_keys (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  char **keys = user_data;

  return strcmp (keys[*(const guint32 *) a], keys[*(const guint32 *) b]);
}

/* The rank of every category in collation order; equal strings by collation share a rank. */
static guint32 *
category_ranks (KilnColumn *col)
{
  guint n = kiln_column_get_n_categories (col);
  guint32 *order = g_new (guint32, MAX (n, 1));
  guint32 *rank = g_new (guint32, MAX (n, 1));
  char **keys = g_new (char *, MAX (n, 1));
  guint32 r = 0;

  for (guint i = 0; i < n; i++)
    {
      order[i] = i;
      keys[i] = g_utf8_collate_key (kiln_column_get_category (col, i), -1);
    }
  g_qsort_with_data (order, n, sizeof (guint32), compare_collate_keys, keys);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0 && strcmp (keys[order[i]], keys[order[i - 1]]) != 0)
        r++;
      rank[order[i]] = r;
    }
  for (guint i = 0; i < n; i++)
    g_free (keys[i]);
  g_free (keys);
  g_free (order);
  return rank;
}

guint32 *
kiln_frame_argsort (KilnFrame     *frame,
                    guint          column,
                    const guint32 *rows,
                    guint          n_rows,
                    gboolean       ascending,
                    GCancellable  *cancellable,
                    GError       **error)
{
  KilnColumn *col;
  KilnColumnType type;
  const double *doubles;
  const gint32 *codes;
  const gint64 *datetimes;
  const guint8 *booleans;
  const guint64 *missing;
  g_autofree guint32 *ranks = NULL;
  g_autofree guint64 *keys = NULL;
  g_autofree guint64 *keys2 = NULL;
  g_autofree guint32 *tmp = NULL;
  g_autofree guint *counts = NULL;
  guint32 *out, *sorted;
  guint n_valid = 0, n_missing = 0;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (column < kiln_frame_get_n_columns (frame), NULL);
  g_return_val_if_fail (rows != NULL || n_rows == kiln_frame_get_n_rows (frame), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  col = kiln_frame_get_column (frame, column);
  type = kiln_column_get_column_type (col);
  doubles = kiln_column_get_doubles (col);
  codes = kiln_column_get_codes (col);
  datetimes = kiln_column_get_datetimes (col);
  booleans = kiln_column_get_booleans (col);
  missing = kiln_column_get_missing_bitmap (col);
  if (kiln_column_is_coded (col))
    ranks = category_ranks (col);

  out = g_new (guint32, MAX (n_rows, 1));
  tmp = g_new (guint32, MAX (n_rows, 1));
  keys = g_new (guint64, MAX (n_rows, 1));

  /* Keys of the present cells in tmp/keys (in input order), missing rows straight to the end
   * of out (in input order too). */
  for (guint i = 0; i < n_rows; i++)
    {
      guint32 row = rows ? rows[i] : i;
      guint phys = kiln_frame_get_physical_row (frame, row);
      guint64 key;

      if (kiln_bitmap_get (missing, phys))
        {
          n_missing++;
          continue;
        }
      switch (type)
        {
        case KILN_COLUMN_NUMERIC:
          if (isnan (doubles[phys]))
            {
              n_missing++;
              continue;
            }
          key = double_key (doubles[phys]);
          break;
        case KILN_COLUMN_DATETIME:
          key = (guint64) datetimes[phys] ^ (G_GUINT64_CONSTANT (1) << 63);
          break;
        case KILN_COLUMN_BOOLEAN:
          key = booleans[phys] ? 1 : 0;
          break;
        case KILN_COLUMN_CATEGORICAL:
        case KILN_COLUMN_TEXT:
        default:
          if (codes[phys] < 0)
            {
              n_missing++;
              continue;
            }
          key = ranks[codes[phys]];
          break;
        }
      keys[n_valid] = ascending ? key : ~key;
      tmp[n_valid] = row;
      n_valid++;
    }
  if (n_missing > 0)
    {
      guint m = n_valid;

      for (guint i = 0; i < n_rows; i++)
        {
          guint32 row = rows ? rows[i] : i;
          guint phys = kiln_frame_get_physical_row (frame, row);
          gboolean is_missing = kiln_bitmap_get (missing, phys) ||
                                (doubles != NULL && isnan (doubles[phys])) ||
                                (codes != NULL && codes[phys] < 0);

          if (is_missing)
            out[m++] = row;
        }
    }

  /* LSD radix sort of (keys, tmp) over 16-bit digits; stable, digits where every key agrees
   * are skipped. The histograms of all digits come from one read. */
  counts = g_new0 (guint, N_DIGITS * N_BUCKETS);
  for (guint i = 0; i < n_valid; i++)
    for (guint d = 0; d < N_DIGITS; d++)
      counts[d * N_BUCKETS + ((keys[i] >> (d * DIGIT_BITS)) & (N_BUCKETS - 1))]++;

  keys2 = g_new (guint64, MAX (n_valid, 1));
  sorted = tmp;
  for (guint d = 0; d < N_DIGITS; d++)
    {
      guint *c = counts + d * N_BUCKETS;
      guint64 *src_k = keys, *dst_k = keys2;
      guint32 *src_r = sorted, *dst_r = sorted == tmp ? out : tmp;
      guint sum = 0;
      gboolean trivial = FALSE;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_free (out);
          return NULL;
        }
      for (guint b = 0; b < N_BUCKETS; b++)
        {
          guint count = c[b];

          if (count == n_valid)
            trivial = TRUE;
          c[b] = sum;
          sum += count;
        }
      if (trivial || n_valid == 0)
        continue;
      for (guint i = 0; i < n_valid; i++)
        {
          guint bucket = (src_k[i] >> (d * DIGIT_BITS)) & (N_BUCKETS - 1);
          guint pos = c[bucket]++;

          dst_k[pos] = src_k[i];
          dst_r[pos] = src_r[i];
        }
      keys = dst_k;
      keys2 = src_k;
      sorted = dst_r;
    }

  if (sorted != out)
    memcpy (out, sorted, n_valid * sizeof (guint32));
  return out;
}
