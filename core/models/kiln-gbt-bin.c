/* kiln-gbt-bin.c: the training columns binned once per fit, for gradient-boosted trees.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Numeric feature: its values (missing ones aside) are sorted once; with at most max_bins
 * distinct values each gets its own bin, otherwise bins are cut greedily at quantiles: a bin
 * closes when it holds its share of the rows not yet binned (so a value repeated in many rows gets
 * a bin of its own and the other bins stay balanced). A threshold is the float midway between the
 * last value of a bin and the first of the next, rounded down to a float strictly below that
 * next value, so `value <= threshold` at prediction sends every training value to the side its
 * bin went. Missing values (NaN) go to a bin after the others.
 *
 * Categorical feature: one bin per code, in code order; with more codes than max_bins, the
 * max_bins - 1 most frequent codes keep their own bins and the others share the last. Codes out of
 * range (missing, or unseen in training) go to the missing bin.
 *
 * Bins are stored row-major, one byte per feature, so building a histogram reads each row's bins
 * in one go.
 */
#define G_LOG_DOMAIN "kiln-gbt"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-gbt-private.h"
#include "kiln-memory.h"

/* An unsigned key with the order of the float (-0 folded into +0; NaN excluded by the caller). */
static inline guint32
float_key (float v)
{
  guint32 u;

  if (v == 0.0f)
    v = 0.0f;
  memcpy (&u, &v, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static inline float
key_float (guint32 k)
{
  guint32 u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
  float v;

  memcpy (&v, &u, sizeof v);
  return v;
}

/* Sorts @keys (LSD radix, 11 bits a pass); returns the buffer holding the result. */
static guint32 *
radix_sort_u32 (guint32 *keys,
                guint32 *tmp,
                gsize    n)
{
  static const guint shifts[3] = { 0, 11, 22 };
  guint32 *src = keys, *dst = tmp;
  gsize count[3][2048];

  memset (count, 0, sizeof count);
  for (gsize i = 0; i < n; i++)
    {
      guint32 k = keys[i];
      count[0][k & 2047]++;
      count[1][(k >> 11) & 2047]++;
      count[2][k >> 22]++;
    }
  for (guint p = 0; p < 3; p++)
    {
      gsize sum = 0;
      gboolean trivial = FALSE;

      for (guint d = 0; d < 2048; d++)
        {
          gsize c = count[p][d];
          if (c == n)
            trivial = TRUE;
          count[p][d] = sum;
          sum += c;
        }
      if (trivial)
        continue;
      for (gsize i = 0; i < n; i++)
        {
          guint32 k = src[i];
          dst[count[p][(k >> shifts[p]) & 2047]++] = k;
        }
      {
        guint32 *t = src;
        src = dst;
        dst = t;
      }
    }
  return src;
}

/* The largest float strictly below @hi that is >= the midpoint of @lo < @hi (or @lo). */
static float
threshold_between (float lo,
                   float hi)
{
  double mid = 0.5 * ((double) lo + (double) hi);
  float t = (float) mid;

  if (t >= hi)
    t = nextafterf (hi, -INFINITY);
  if (t < lo)
    t = lo;
  return t;
}

/* Thresholds for one numeric feature from its sorted keys; returns the number of value bins. */
static guint
numeric_edges (const guint32 *sorted,
               gsize          n,
               guint          max_bins,
               float         *edges)
{
  g_autofree guint32 *distinct = NULL;
  g_autofree guint32 *count = NULL;
  gsize m = 0;
  guint n_bins = 0;

  if (n == 0)
    return 1;
  distinct = g_new (guint32, n);
  count = g_new (guint32, n);
  for (gsize i = 0; i < n; i++)
    {
      if (m == 0 || sorted[i] != distinct[m - 1])
        {
          distinct[m] = sorted[i];
          count[m++] = 0;
        }
      count[m - 1]++;
    }

  if (m <= max_bins)
    {
      for (gsize j = 0; j + 1 < m; j++)
        edges[j] = threshold_between (key_float (distinct[j]), key_float (distinct[j + 1]));
      return (guint) m;
    }

  {
    gsize left = n, in_bin = 0;
    guint bins_left = max_bins;

    for (gsize j = 0; j + 1 < m && bins_left > 1; j++)
      {
        in_bin += count[j];
        /* close the bin once it holds its share of what is left (a bin of one value may hold
         * more); the values after it must still fill the remaining bins with one each */
        if ((double) in_bin * bins_left >= (double) left || m - 1 - j < bins_left)
          {
            edges[n_bins++] = threshold_between (key_float (distinct[j]),
                                                 key_float (distinct[j + 1]));
            left -= in_bin;
            in_bin = 0;
            bins_left--;
          }
      }
  }
  return n_bins + 1;
}

static int
compare_u64 (const void *a,
             const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

typedef struct {
  const GbtInput *input;
  GbtBins        *bins;
  guint           max_bins;
} BinJob;

static void
bin_numeric (GbtBins        *bins,
             const GbtInput *input,
             guint           f,
             guint           max_bins)
{
  guint n = input->n_rows;
  const float *x = input->x + f;
  gsize stride = input->x_stride;
  g_autofree guint32 *keys = g_new (guint32, MAX (n, 1));
  g_autofree guint32 *tmp = g_new (guint32, MAX (n, 1));
  g_autofree float *edges = g_new (float, max_bins);
  const guint32 *sorted;
  gsize m = 0;
  guint n_bins, missing;
  guint8 *out = bins->bins + f;

  for (guint i = 0; i < n; i++)
    {
      float v = x[(gsize) i * stride];
      if (!isnan (v))
        keys[m++] = float_key (v);
    }
  sorted = radix_sort_u32 (keys, tmp, m);
  n_bins = numeric_edges (sorted, m, max_bins, edges);
  bins->n_bins[f] = n_bins;
  bins->has_missing[f] = m < n;
  bins->edges[f] = g_memdup2 (edges, MAX (n_bins - 1, 1) * sizeof (float));
  missing = n_bins;

  /* the bin of each row: the first threshold at or above its value (binary search) */
  for (guint i = 0; i < n; i++)
    {
      float v = x[(gsize) i * stride];
      guint lo = 0, hi = n_bins - 1;

      if (isnan (v))
        {
          out[(gsize) i * bins->stride] = (guint8) missing;
          continue;
        }
      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;
          if (v <= edges[mid])
            hi = mid;
          else
            lo = mid + 1;
        }
      out[(gsize) i * bins->stride] = (guint8) lo;
    }
}

static void
bin_categorical (GbtBins        *bins,
                 const GbtInput *input,
                 guint           c,
                 guint           max_bins)
{
  guint f = input->n_numeric + c;
  guint n = input->n_rows, n_levels = input->n_levels[c];
  const guint32 *codes = input->codes + c;
  gsize stride = input->code_stride;
  guint8 *bin_of_code = g_new0 (guint8, MAX (n_levels, 1));
  guint8 *out = bins->bins + f;
  guint n_bins;
  gboolean missing = FALSE;

  if (n_levels <= max_bins)
    {
      for (guint code = 0; code < n_levels; code++)
        bin_of_code[code] = (guint8) code;
      n_bins = MAX (n_levels, 1);
    }
  else
    {
      /* the max_bins - 1 most frequent codes (ties: the smaller code) keep a bin, in code order */
      g_autofree guint64 *count = g_new0 (guint64, n_levels);
      g_autofree guint64 *order = g_new (guint64, n_levels);
      g_autofree gboolean *kept = g_new0 (gboolean, n_levels);
      guint b = 0;

      for (guint i = 0; i < n; i++)
        {
          guint32 code = codes[(gsize) i * stride];
          if (code < n_levels)
            count[code]++;
        }
      /* sort by count descending, then code: key = (~count << 32 | code), counts < 2^32 */
      for (guint code = 0; code < n_levels; code++)
        order[code] = ((guint64) (G_MAXUINT32 - (guint32) MIN (count[code], G_MAXUINT32)) << 32) | code;
      qsort (order, n_levels, sizeof (guint64), compare_u64);
      for (guint i = 0; i < max_bins - 1; i++)
        kept[(guint32) order[i]] = TRUE;
      for (guint code = 0; code < n_levels; code++)
        bin_of_code[code] = kept[code] ? (guint8) b++ : (guint8) (max_bins - 1);
      n_bins = max_bins;
    }

  for (guint i = 0; i < n; i++)
    {
      guint32 code = codes[(gsize) i * stride];
      if (code < n_levels)
        out[(gsize) i * bins->stride] = bin_of_code[code];
      else
        {
          out[(gsize) i * bins->stride] = (guint8) n_bins;
          missing = TRUE;
        }
    }
  bins->n_bins[f] = n_bins;
  bins->has_missing[f] = missing;
  bins->bin_of_code[f] = bin_of_code;
  bins->n_levels[f] = n_levels;
}

static gboolean
bin_task (guint    task,
           guint    thread,
           gpointer data)
{
  BinJob *job = data;

  if (task < job->input->n_numeric)
    bin_numeric (job->bins, job->input, task, job->max_bins);
  else
    bin_categorical (job->bins, job->input, task - job->input->n_numeric, job->max_bins);
  return TRUE;
}

GbtBins *
_kiln_gbt_bins_new (const GbtInput *input,
                    guint           max_bins,
                    KilnParallelTeam       *team)
{
  GbtBins *bins;
  BinJob job;
  guint d;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (max_bins >= 2 && max_bins <= GBT_MAX_BINS, NULL);

  d = input->n_numeric + input->n_categorical;
  bins = g_new0 (GbtBins, 1);
  bins->n_rows = input->n_rows;
  bins->n_features = d;
  bins->n_numeric = input->n_numeric;
  bins->stride = MAX (d, 1);
  bins->bins = kiln_alloc_large (MAX ((gsize) input->n_rows * bins->stride, 1));
  bins->n_bins = g_new0 (guint, MAX (d, 1));
  bins->offset = g_new0 (guint, MAX (d, 1));
  bins->has_missing = g_new0 (gboolean, MAX (d, 1));
  bins->edges = g_new0 (float *, MAX (d, 1));
  bins->bin_of_code = g_new0 (guint8 *, MAX (d, 1));
  bins->n_levels = g_new0 (guint, MAX (d, 1));

  job.input = input;
  job.bins = bins;
  job.max_bins = max_bins;
  kiln_parallel_team_run (team, d, bin_task, &job);

  for (guint f = 0; f < d; f++)
    {
      bins->offset[f] = bins->n_cells;
      bins->n_cells += bins->n_bins[f] + 1;
    }
  return bins;
}

void
_kiln_gbt_bins_free (GbtBins *bins)
{
  if (bins == NULL)
    return;
  for (guint f = 0; f < bins->n_features; f++)
    {
      g_free (bins->edges[f]);
      g_free (bins->bin_of_code[f]);
    }
  g_free (bins->bins);
  g_free (bins->n_bins);
  g_free (bins->offset);
  g_free (bins->has_missing);
  g_free (bins->edges);
  g_free (bins->bin_of_code);
  g_free (bins->n_levels);
  g_free (bins);
}
