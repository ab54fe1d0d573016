/* kiln-prep-dedupe.c: exact duplicate rows, found by hashing whole rows (pandas' duplicated():
 * the first of equal rows is kept, NaN equals NaN).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each row gets a 64-bit hash of its cells (computed column by column, rows split across the
 * cores). Rows are then bucketed by the hash's top bits, keeping their order, and each bucket
 * is checked with a small open-addressing table that fits in cache; equal hashes are confirmed
 * cell by cell, so a collision never merges different rows.
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-parallel.h"
#include "kiln-prep-private.h"

#define BUCKET_BITS 8
#define N_BUCKETS (1u << BUCKET_BITS)
#define ROW_BLOCK 65536

static inline guint64
mix64 (guint64 x)
{
  x ^= x >> 31;
  x *= G_GUINT64_CONSTANT (0x7fb5d329728ea185);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x81dadef4bc2dd44d);
  x ^= x >> 33;
  return x;
}

/* The cell as 64 bits such that equal cells (pandas' sense) give equal bits. */
static inline guint64
cell_bits (KilnColumn *column, const guint64 *missing, guint p)
{
  switch (kiln_column_get_column_type (column))
    {
    case KILN_COLUMN_NUMERIC:
      {
        double v = kiln_column_get_doubles (column)[p];
        guint64 bits;
        if (isnan (v))
          return G_GUINT64_CONSTANT (0x7ff8000000000001);
        if (v == 0)
          v = 0;
        memcpy (&bits, &v, sizeof bits);
        return bits;
      }
    case KILN_COLUMN_BOOLEAN:
      return kiln_bitmap_get (missing, p) ? 2 : kiln_column_get_booleans (column)[p];
    case KILN_COLUMN_DATETIME:
      return kiln_bitmap_get (missing, p) ? G_GUINT64_CONSTANT (0x8000000000000001)
                                          : (guint64) kiln_column_get_datetimes (column)[p] * 2;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      return (guint64) (gint64) kiln_column_get_codes (column)[p];
    }
}

typedef struct {
  KilnPrepWork *work;
  guint64      *hashes;
  guint32      *order;       /* rows grouped by bucket, in row order within a bucket */
  guint64      *sorted;      /* their hashes, in the same order (read sequentially) */
  guint32       starts[N_BUCKETS + 1];
  guint8       *dup;
  guint         dup_counts[N_BUCKETS];
} Dedupe;

static void
hash_block (guint task, gpointer data)
{
  Dedupe *d = data;
  KilnPrepWork *work = d->work;
  guint r0 = task * ROW_BLOCK, r1 = MIN (work->n_rows, r0 + ROW_BLOCK);

  for (guint r = r0; r < r1; r++)
    d->hashes[r] = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  for (guint c = 0; c < work->columns->len; c++)
    {
      KilnPrepWorkColumn *wc = work->columns->pdata[c];
      const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
      const double *dv = kiln_column_get_doubles (wc->column);
      const gint32 *codes = kiln_column_get_codes (wc->column);

      /* the two common kinds get tight loops */
      if (dv != NULL)
        for (guint r = r0; r < r1; r++)
          {
            double v = dv[_kiln_prep_row (wc, r)];
            guint64 bits;
            if (isnan (v))
              bits = G_GUINT64_CONSTANT (0x7ff8000000000001);
            else
              {
                if (v == 0)
                  v = 0;
                memcpy (&bits, &v, sizeof bits);
              }
            d->hashes[r] = mix64 (d->hashes[r] ^ bits) + c;
          }
      else if (codes != NULL)
        for (guint r = r0; r < r1; r++)
          d->hashes[r] = mix64 (d->hashes[r] ^ (guint64) (gint64) codes[_kiln_prep_row (wc, r)]) + c;
      else
        for (guint r = r0; r < r1; r++)
          d->hashes[r] = mix64 (d->hashes[r] ^ cell_bits (wc->column, missing,
                                                          _kiln_prep_row (wc, r))) + c;
    }
}

static gboolean
rows_equal (KilnPrepWork *work, guint a, guint b)
{
  for (guint c = 0; c < work->columns->len; c++)
    {
      KilnPrepWorkColumn *wc = work->columns->pdata[c];
      const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
      if (kiln_column_get_column_type (wc->column) == KILN_COLUMN_DATETIME)
        {
          guint pa = _kiln_prep_row (wc, a), pb = _kiln_prep_row (wc, b);
          gboolean ma = kiln_bitmap_get (missing, pa), mb = kiln_bitmap_get (missing, pb);
          if (ma != mb || (!ma && kiln_column_get_datetimes (wc->column)[pa] !=
                                  kiln_column_get_datetimes (wc->column)[pb]))
            return FALSE;
          continue;
        }
      if (cell_bits (wc->column, missing, _kiln_prep_row (wc, a)) !=
          cell_bits (wc->column, missing, _kiln_prep_row (wc, b)))
        return FALSE;
    }
  return TRUE;
}

static void
check_bucket (guint bucket, gpointer data)
{
  Dedupe *d = data;
  guint start = d->starts[bucket], n = d->starts[bucket + 1] - start;
  gsize cap = 16, mask;
  guint64 *table;   /* (low 32 bits of the hash << 32) | (row + 1); 0 = empty */
  guint dups = 0;

  if (n < 2)
    return;
  while (cap < 2 * (gsize) n)
    cap <<= 1;
  mask = cap - 1;
  table = g_new0 (guint64, cap);
  for (guint i = 0; i < n; i++)
    {
      guint32 row = d->order[start + i];
      guint64 h = d->sorted[start + i];
      guint64 tag = h << 32;
      gsize slot = (h ^ (h >> 29)) & mask;
      gboolean found = FALSE;

      while (table[slot] != 0)
        {
          /* same low hash bits (the top bits are the bucket's): confirm cell by cell */
          if ((table[slot] & G_GUINT64_CONSTANT (0xffffffff00000000)) == tag &&
              d->hashes[(guint32) table[slot] - 1] == h &&
              rows_equal (d->work, (guint32) table[slot] - 1, row))
            {
              found = TRUE;
              break;
            }
          slot = (slot + 1) & mask;
        }
      if (found)
        {
          d->dup[row] = 1;
          dups++;
        }
      else
        table[slot] = tag | ((guint64) row + 1);
    }
  d->dup_counts[bucket] = dups;
  g_free (table);
}

guint
_kiln_prep_find_duplicates (KilnPrepWork *work, guint8 *dup_out)
{
  Dedupe d = { 0 };
  guint n = work->n_rows, total = 0;
  guint32 fill[N_BUCKETS];

  if (n < 2 || work->columns->len == 0)
    {
      if (dup_out)
        memset (dup_out, 0, n);
      /* without columns every row equals the first */
      if (work->columns->len == 0 && n > 1 && dup_out)
        memset (dup_out + 1, 1, n - 1);
      return work->columns->len == 0 && n > 1 ? n - 1 : 0;
    }

  d.work = work;
  d.hashes = g_new (guint64, n);
  d.order = g_new (guint32, n);
  d.sorted = g_new (guint64, n);
  d.dup = dup_out ? dup_out : g_new (guint8, n);
  memset (d.dup, 0, n);

  kiln_parallel_for ((n + ROW_BLOCK - 1) / ROW_BLOCK, hash_block, &d);

  /* stable counting sort of the rows by the hash's top bits */
  memset (fill, 0, sizeof fill);
  for (guint r = 0; r < n; r++)
    fill[d.hashes[r] >> (64 - BUCKET_BITS)]++;
  d.starts[0] = 0;
  for (guint b = 0; b < N_BUCKETS; b++)
    {
      d.starts[b + 1] = d.starts[b] + fill[b];
      fill[b] = d.starts[b];
    }
  for (guint r = 0; r < n; r++)
    {
      guint32 at = fill[d.hashes[r] >> (64 - BUCKET_BITS)]++;
      d.order[at] = r;
      d.sorted[at] = d.hashes[r];
    }

  kiln_parallel_for (N_BUCKETS, check_bucket, &d);

  for (guint b = 0; b < N_BUCKETS; b++)
    total += d.dup_counts[b];
  g_free (d.hashes);
  g_free (d.order);
  g_free (d.sorted);
  if (dup_out == NULL)
    g_free (d.dup);
  return total;
}

gboolean
_kiln_step_dedupe_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  g_autofree guint8 *dup = NULL;
  guint n_dup;

  if (!work->training)
    return TRUE;
  dup = g_new (guint8, MAX (work->n_rows, 1));
  n_dup = _kiln_prep_find_duplicates (work, dup);
  if (entry)
    entry->count = n_dup;
  if (n_dup > 0)
    {
      for (guint r = 0; r < work->n_rows; r++)
        dup[r] = !dup[r];
      _kiln_prep_work_keep_rows (work, dup);
    }
  return TRUE;
}

guint
kiln_prep_count_duplicates (KilnFrame *frame)
{
  KilnPrepWork *work;
  guint n;

  g_return_val_if_fail (frame != NULL, 0);
  work = _kiln_prep_work_new (frame, FALSE);
  n = _kiln_prep_find_duplicates (work, NULL);
  _kiln_prep_work_free (work);
  return n;
}
