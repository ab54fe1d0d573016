/* kiln-prep-stats.c: quantiles by selection (numpy's linear interpolation), medians, sums, modes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-prep-private.h"

static inline void
swap (double *a, double *b)
{
  double t = *a;
  *a = *b;
  *b = t;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Moves the k-th smallest of v[0..n) to v[k], smaller-or-equal ones before, greater-or-equal
 * after (nth_element). Hoare partitioning around a median of three; falls back to a sort of the
 * remaining range if the partitions keep coming out lopsided. */
static void
select_kth (double *v, gsize n, gsize k)
{
  gsize lo = 0, hi = n - 1;
  guint budget = 2 * (guint) g_bit_storage (n) + 8;

  g_assert (k < n);
  while (hi > lo)
    {
      gsize mid, i, j;
      double pivot;

      if (hi - lo < 16 || budget-- == 0)
        {
          qsort (v + lo, hi - lo + 1, sizeof (double), compare_doubles);
          return;
        }
      mid = lo + (hi - lo) / 2;
      if (v[mid] < v[lo])
        swap (&v[mid], &v[lo]);
      if (v[hi] < v[lo])
        swap (&v[hi], &v[lo]);
      if (v[hi] < v[mid])
        swap (&v[hi], &v[mid]);
      pivot = v[mid];

      i = lo;
      j = hi;
      for (;;)
        {
          while (v[i] < pivot)
            i++;
          while (pivot < v[j])
            j--;
          if (i >= j)
            break;
          swap (&v[i], &v[j]);
          i++;
          j--;
        }
      /* v[lo..j] <= pivot <= v[j+1..hi] */
      if (k <= j)
        hi = j;
      else
        lo = j + 1;
    }
}

static double
min_of (const double *v, gsize n)
{
  double m = v[0];
  for (gsize i = 1; i < n; i++)
    if (v[i] < m)
      m = v[i];
  return m;
}

/* numpy's _lerp: a + (b - a) * t, or b - (b - a) * (1 - t) for t >= 0.5. */
static double
lerp (double a, double b, double t)
{
  double diff = b - a;

  if (t == 0)
    return a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* The values at sorted positions lo and lo + 1, with v[0..lo) <= v[lo] afterwards. */
static void
select_pair (double *v, gsize n, gsize lo, double *a, double *b)
{
  select_kth (v, n, lo);
  *a = v[lo];
  *b = lo + 1 < n ? min_of (v + lo + 1, n - lo - 1) : v[lo];
}

/* ---- Radix selection ---------------------------------------------------------------------
 *
 * For large arrays: the order statistics come from histograms of the values' bits (mapped to
 * unsigned keys in the same order), 16 bits at a time: one pass counts, the bucket that holds
 * the wanted rank is gathered, and so on down, each pass linear and free of data-dependent
 * branches. Quickselect on a few million doubles spends most of its time mispredicting. */

#define RADIX_MIN 65536

static inline guint64
order_key (double v)
{
  guint64 bits;

  if (v == 0)
    v = 0;
  memcpy (&bits, &v, sizeof bits);
  return (bits >> 63) ? ~bits : bits | G_GUINT64_CONSTANT (0x8000000000000000);
}

/* out[j] = the ks[j]-th smallest of v[0..n) (ks ascending, all < n), over the key bits below
 * @shift + 16. */
static void
radix_select (const double *v, gsize n, const gsize *ks, guint m, double *out, guint shift)
{
  g_autofree gsize *hist = NULL;
  gsize below = 0;
  guint j = 0;

  if (n <= RADIX_MIN)
    {
      g_autofree double *w = g_memdup2 (v, n * sizeof (double));
      for (guint i = 0; i < m; i++)
        {
          /* ks ascending: each selection leaves the smaller ones before it */
          gsize from = i > 0 ? ks[i - 1] : 0;
          select_kth (w + from, n - from, ks[i] - from);
          out[i] = w[ks[i]];
        }
      return;
    }

  hist = g_new0 (gsize, 65536);
  for (gsize i = 0; i < n; i++)
    hist[(order_key (v[i]) >> shift) & 0xffff]++;

  for (guint b = 0; b < 65536 && j < m; b++)
    {
      gsize c = hist[b], first;
      guint j0 = j;
      g_autofree double *bucket = NULL;
      g_autofree gsize *sub = NULL;

      while (j < m && ks[j] < below + c)
        j++;
      if (j == j0)
        {
          below += c;
          continue;
        }
      /* ranks ks[j0..j) fall in bucket b */
      bucket = g_new (double, c);
      first = 0;
      for (gsize i = 0; i < n; i++)
        if (((order_key (v[i]) >> shift) & 0xffff) == b)
          bucket[first++] = v[i];
      sub = g_new (gsize, j - j0);
      for (guint i = j0; i < j; i++)
        sub[i - j0] = ks[i] - below;
      if (shift == 0)
        {
          /* all 64 bits agree: the values are equal */
          for (guint i = j0; i < j; i++)
            out[i] = bucket[0];
        }
      else
        radix_select (bucket, c, sub, j - j0, out + j0, shift - 16);
      below += c;
    }
}

/* The @m order statistics @ks (ascending, < n) of v[0..n); v may be reordered. */
static void
select_ranks (double *v, gsize n, const gsize *ks, guint m, double *out)
{
  radix_select (v, n, ks, m, out, 48);
}

double
_kiln_prep_quantile (double *values, gsize n, double q)
{
  double pos, a, b;
  gsize lo;

  if (n == 0)
    return NAN;
  pos = q * (double) (n - 1);
  lo = (gsize) floor (pos);
  if (lo >= n - 1)
    {
      select_kth (values, n, n - 1);
      return values[n - 1];
    }
  if (n > RADIX_MIN)
    {
      gsize ks[2] = { lo, lo + 1 };
      double out[2];
      select_ranks (values, n, ks, 2, out);
      a = out[0];
      b = out[1];
    }
  else
    select_pair (values, n, lo, &a, &b);
  return lerp (a, b, pos - (double) lo);
}

void
_kiln_prep_quartiles (double *values, gsize n, double *q1, double *q3)
{
  double pos1, pos3, a, b;
  gsize lo1, lo3;

  if (n == 0)
    {
      *q1 = *q3 = NAN;
      return;
    }
  pos1 = 0.25 * (double) (n - 1);
  pos3 = 0.75 * (double) (n - 1);
  lo1 = (gsize) floor (pos1);
  lo3 = (gsize) floor (pos3);

  if (n > RADIX_MIN)
    {
      /* lo3 + 1 < n since n > 4 */
      gsize ks[4] = { lo1, lo1 + 1, lo3, lo3 + 1 };
      double out[4];
      guint m = 4;
      if (lo1 + 1 == lo3)
        {
          ks[2] = lo3 + 1;
          m = 3;
        }
      select_ranks (values, n, ks, m, out);
      *q1 = lerp (out[0], out[1], pos1 - (double) lo1);
      *q3 = m == 4 ? lerp (out[2], out[3], pos3 - (double) lo3)
                   : lerp (out[1], out[2], pos3 - (double) lo3);
      return;
    }

  /* the upper quartile first; the lower one is then selected among the values before it */
  if (lo3 >= n - 1)
    {
      select_kth (values, n, n - 1);
      a = b = values[n - 1];
    }
  else
    select_pair (values, n, lo3, &a, &b);
  *q3 = lerp (a, b, pos3 - (double) lo3);

  if (lo1 == lo3)
    {
      *q1 = lerp (a, b, pos1 - (double) lo1);
      return;
    }
  /* v[0..lo3) <= v[lo3]: the lower pair lies in v[0..lo3] */
  select_pair (values, lo3 + 1, lo1, &a, &b);
  *q1 = lerp (a, b, pos1 - (double) lo1);
}

double
_kiln_prep_median (double *values, gsize n)
{
  double a, b;

  if (n == 0)
    return NAN;
  if (n > RADIX_MIN)
    {
      gsize ks[2] = { (n - 1) / 2, n / 2 };
      double out[2];
      select_ranks (values, n, ks, ks[0] == ks[1] ? 1 : 2, out);
      return n % 2 == 1 ? out[0] : (out[0] + out[1]) / 2.0;
    }
  if (n % 2 == 1)
    {
      select_kth (values, n, n / 2);
      return values[n / 2];
    }
  select_pair (values, n, n / 2 - 1, &a, &b);
  return (a + b) / 2.0;
}

double
_kiln_prep_sum (const double *values, gsize n)
{
  /* pairwise, as numpy sums */
  if (n <= 128)
    {
      double s[8] = { 0 }, r;
      gsize i = 0;
      for (; i + 8 <= n; i += 8)
        for (guint j = 0; j < 8; j++)
          s[j] += values[i + j];
      r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
      for (; i < n; i++)
        r += values[i];
      return r;
    }
  else
    {
      gsize half = (n / 2) & ~(gsize) 7;
      return _kiln_prep_sum (values, half) + _kiln_prep_sum (values + half, n - half);
    }
}

static inline guint64
double_key (double v)
{
  guint64 bits;

  if (v == 0)
    v = 0; /* -0.0 counts as 0.0 */
  memcpy (&bits, &v, sizeof bits);
  return bits;
}

static inline guint64
mix64 (guint64 x)
{
  x ^= x >> 33;
  x *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

double
_kiln_prep_mode_double (double *values, gsize n)
{
  gsize cap = 16, mask;
  guint64 *keys;
  guint32 *counts;
  double best = NAN;
  guint32 best_count = 0;

  if (n == 0)
    return NAN;
  while (cap < 2 * n)
    cap <<= 1;
  mask = cap - 1;
  keys = g_new (guint64, cap);
  counts = g_new0 (guint32, cap);
  for (gsize i = 0; i < n; i++)
    {
      guint64 key = double_key (values[i]);
      gsize slot = mix64 (key) & mask;
      while (counts[slot] != 0 && keys[slot] != key)
        slot = (slot + 1) & mask;
      keys[slot] = key;
      counts[slot]++;
    }
  for (gsize s = 0; s < cap; s++)
    if (counts[s])
      {
        double v;
        memcpy (&v, &keys[s], sizeof v);
        if (counts[s] > best_count || (counts[s] == best_count && v < best))
          {
            best = v;
            best_count = counts[s];
          }
      }
  g_free (keys);
  g_free (counts);
  return best;
}
