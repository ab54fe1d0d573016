/* kiln-tree-split.c: a node's statistics and the search for its best split (sklearn's
 * BestSplitter).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-tree"

#include "config.h"

#include <float.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-tree-private.h"

/* ---- Node statistics ----------------------------------------------------------------------- */

/* Fills @stats for samples [start, end) and returns the weight; *impurity and *pure as sklearn
 * (Gini / squared error; a node is pure when its impurity is at most DBL_EPSILON, or, for
 * regression, when every target in it is equal). */
double
_kiln_tree_node_stats (KilnTreeWorkspace *ws,
                       guint32            start,
                       guint32            end,
                       double            *stats,
                       double            *impurity,
                       gboolean          *pure)
{
  const KilnTreeData *data = ws->data;
  double weight = 0.0;

  if (data->task == KILN_TASK_CLASSIFICATION)
    {
      const SampleC *sc = ws->sc;
      double sq = 0.0;

      memset (stats, 0, ws->stat_width * sizeof (double));
      for (guint32 p = start; p < end; p++)
        {
          const SampleC *x = &sc[p];
          stats[x->c] += x->w;
          weight += x->w;
        }
      for (guint k = 0; k < ws->stat_width; k++)
        sq += stats[k] * stats[k];
      *impurity = 1.0 - sq / (weight * weight);
      *pure = *impurity <= DBL_EPSILON;
    }
  else
    {
      const SampleR *sr = ws->sr;
      double sum = 0.0, sum2 = 0.0, mean;
      double lo = sr[start].y, hi = lo;

      for (guint32 p = start; p < end; p++)
        {
          const SampleR *x = &sr[p];
          double y = x->y;
          weight += x->w;
          sum += x->w * y;
          sum2 += x->w * y * y;
          lo = MIN (lo, y);
          hi = MAX (hi, y);
        }
      stats[0] = sum;
      stats[1] = sum2;
      mean = sum / weight;
      *impurity = sum2 / weight - mean * mean;
      *pure = *impurity <= DBL_EPSILON || lo == hi;
    }
  return weight;
}

/* ---- Split search -------------------------------------------------------------------------- */


static inline void
split_init (Split *best)
{
  best->proxy = -G_MAXDOUBLE;
  best->bar = -1.0;
  best->feature = -1;
}

/* Offers the split with proxy a / w_left + b / w_right (a, b >= 0; weights >= 1) to @best, keeping
 * the first of equal proxies. The two divisions are skipped when a * w_right + b * w_left is below
 * best->bar * w_left * w_right, bar being the best proxy less a relative 1e-9: that margin is far
 * wider than the few roundings on either side, so the proxy computed exactly would have been
 * lower than the best too, and the choice is the same as always dividing. (A NaN or infinite
 * product never takes the shortcut; bar is only set for proxies in [1e-200, 1e200], so neither
 * side can overflow or lose its relative precision to underflow.) */
static inline void
split_consider (Split   *best,
                double   a,
                double   w_left,
                double   b,
                double   w_right,
                guint    f,
                guint32  rank_left,
                guint32  rank_right)
{
  double proxy;

  if (a * w_right + b * w_left < best->bar * (w_left * w_right))
    return;
  proxy = a / w_left + b / w_right;
  if (proxy > best->proxy)
    {
      best->proxy = proxy;
      best->bar = proxy >= 1e-200 && proxy <= 1e200 ? proxy * (1.0 - 1e-9) : -1.0;
      best->feature = (gint32) f;
      best->rank_left = rank_left;
      best->rank_right = rank_right;
    }
}

typedef double  V2d __attribute__ ((vector_size (16)));
typedef guint64 V2u __attribute__ ((vector_size (16)));
typedef guint32 V4u __attribute__ ((vector_size (16)));

/* Slots summed together in one pass: their sums stay in registers. */
#define BIN_BLOCK 4

/* Fills bin_nleft, bin_wleft and bin_sleft for every two-valued feature not known to be constant
 * in the node [start, end): the rows, weight and sum of w * y on the feature's lower value, added
 * up exactly as a loop over the positions would, one feature at a time, that keeps the positions
 * at even and odd offsets from start in two running sums (sa, sb) and returns sa + sb: the two
 * lanes of a vector, masked to 0 where a row has the upper value (adding +0 changes no sum).
 * Weights are bootstrap counts, so their sums are exact in any order; they are added as 64-bit
 * integers with the row count in the low half. The positions' bits (pbits) are kept in position
 * order, so the pass reads memory in order and several features share each read. */
static void
binary_stats (KilnTreeWorkspace *ws,
              guint32            start,
              guint32            end)
{
  const KilnTreeData *data = ws->data;
  guint W = data->bin_words;
  guint32 n = end - start, n_pairs = n / 2;
  guint n_active = 0;
  const double *wy = ws->node_wy;
  const guint64 *wc = ws->node_wc;

  for (guint i = ws->node_known; i < data->n_features; i++)
    {
      gint32 j = data->binary_slot[ws->features[i]];
      if (j >= 0)
        ws->bin_active[n_active++] = (guint32) j;
    }

  for (guint w = 0; w < W; w++)
    {
      const guint32 *bits = ws->pbits + (gsize) start * W + w;
      guint32 slots[32];
      guint m = 0;

      for (guint a = 0; a < n_active; a++)
        if (ws->bin_active[a] / 32 == w)
          slots[m++] = ws->bin_active[a];

      for (guint b = 0; b < m; b += BIN_BLOCK)
        {
          V4u bit[BIN_BLOCK];
          V2d s[BIN_BLOCK];
          V2u c[BIN_BLOCK];

          for (guint q = 0; q < BIN_BLOCK; q++)
            {
              /* a short block repeats its last slot */
              guint32 one = 1u << (slots[MIN (b + q, m - 1)] % 32);
              bit[q] = (V4u) { one, one, one, one };
              s[q] = (V2d) { 0.0, 0.0 };
              c[q] = (V2u) { 0, 0 };
            }
          for (guint32 k = 0; k < n_pairs; k++)
            {
              guint32 b0 = bits[(gsize) 2 * k * W], b1 = bits[(gsize) (2 * k + 1) * W];
              V4u x = { b0, b0, b1, b1 };
              V2d wy2;
              V2u wc2;

              memcpy (&wy2, wy + 2 * k, sizeof wy2);
              memcpy (&wc2, wc + 2 * k, sizeof wc2);
              for (guint q = 0; q < BIN_BLOCK; q++)
                {
                  /* all ones in the lane of a position with the lower value */
                  V2u mask = (V2u) ((x & bit[q]) == bit[q]);
                  s[q] += (V2d) ((V2u) wy2 & mask);
                  c[q] += wc2 & mask;
                }
            }
          if (n % 2 == 1)
            for (guint q = 0; q < BIN_BLOCK; q++)
              if (bits[(gsize) (n - 1) * W] & bit[q][0])
                {
                  s[q][0] += wy[n - 1];
                  c[q][0] += wc[n - 1];
                }
          for (guint q = 0; b + q < m && q < BIN_BLOCK; q++)
            {
              guint j = slots[b + q];
              guint64 sum = c[q][0] + c[q][1];

              ws->bin_nleft[j] = (guint32) (sum & G_MAXUINT32);
              ws->bin_wleft[j] = (double) (sum >> 32);
              ws->bin_sleft[j] = s[q][0] + s[q][1];
            }
        }
    }
  ws->bin_ready = TRUE;
}

/* Evaluates every threshold of feature @f on samples [start, end). Returns TRUE when the feature is
 * constant there. */
static gboolean
split_feature (KilnTreeWorkspace *ws,
               guint              f,
               guint32            start,
               guint32            end,
               double             weight,
               Split             *best)
{
  const KilnTreeData *data = ws->data;
  const guint8 *rank = data->rank_data + data->rank_offset[f];
  guint width = data->rank_width[f];
  const guint32 *samples = ws->samples;
  const SampleC *sc = ws->sc;
  const SampleR *sr = ws->sr;
  const double *tot = ws->node_stats;
  double *left = ws->left;
  guint32 n = end - start;
  guint32 msl = ws->params.min_samples_leaf;
  guint32 n_distinct = data->n_distinct[f];
  gboolean classification = data->task == KILN_TASK_CLASSIFICATION;
  guint C = ws->n_out;
  gint32 rs = ws->prk != NULL ? ws->rec_slot[f] : -1;

  if (n_distinct == 2 && !classification)
    {
      /* A two-valued feature (one-hot columns): its sums come from binary_stats(). */
      guint j = (guint) data->binary_slot[f];
      guint32 n_left;
      double w_left, s_left, s_right, w_right;

      if (!ws->bin_ready)
        binary_stats (ws, start, end);
      n_left = ws->bin_nleft[j];
      if (n_left == 0 || n_left == n)
        return TRUE;
      if (n_left < msl || n - n_left < msl)
        return FALSE;
      w_left = ws->bin_wleft[j];
      s_left = ws->bin_sleft[j];
      w_right = weight - w_left;
      s_right = tot[0] - s_left;
      split_consider (best, s_left * s_left, w_left, s_right * s_right, w_right, f, 0, 1);
      return FALSE;
    }
  else if (n_distinct <= ws->hist_bins && !classification && n_distinct <= 4 * (guint64) n)
    {
      /* A histogram over the node's distinct values: no sort. Weights and row counts are
       * integers, added exactly in one 64-bit counter. */
      struct HistBin *h = ws->hbin;
      guint32 lo = G_MAXUINT32, hi = 0, prev = 0;
      guint64 cw_left = 0;
      double s_left = 0.0;
      gboolean first = TRUE;

      const double *wy = ws->node_wy - start;
      const guint64 *wc = ws->node_wc - start;

      FOR_NODE_RANKS ({
        h[r].cw += wc[p];
        h[r].s += wy[p];
        lo = MIN (lo, r);
        hi = MAX (hi, r);
      })

      for (guint32 r = lo; r <= hi && lo != hi; r++)
        {
          if (h[r].cw == 0)
            continue;
          if (!first)
            {
              /* the split between prev (left) and r (right) */
              guint32 n_left = (guint32) (cw_left & G_MAXUINT32), n_right = n - n_left;
              double w_left = (double) (cw_left >> 32), w_right = weight - w_left;
              double s_right = tot[0] - s_left;

              if (n_right < msl)
                break;
              if (n_left >= msl)
                split_consider (best, s_left * s_left, w_left, s_right * s_right, w_right, f,
                                prev, r);
            }
          cw_left += h[r].cw;
          s_left += h[r].s;
          prev = r;
          first = FALSE;
        }

      /* leave the histogram zeroed for the next feature */
      memset (h + lo, 0, (gsize) (hi - lo + 1) * sizeof *h);
      return lo == hi;
    }
  else if (n_distinct <= ws->hist_bins && classification && n_distinct * C <= 4 * (guint64) n)
    {
      /* A histogram over the node's distinct values: no sort. */
      guint32 *hc = ws->hcount;
      double *hs = ws->hsum;
      guint32 lo = G_MAXUINT32, hi = 0, prev = 0, n_left = 0;
      double w_left = 0.0;
      gboolean first = TRUE;

      FOR_NODE_RANKS ({
        const SampleC *x = &sc[p];
        hc[r]++;
        hs[(gsize) r * C + x->c] += x->w;
        lo = MIN (lo, r);
        hi = MAX (hi, r);
      })

      if (lo != hi)
        {
          memset (left, 0, C * sizeof (double));
          for (guint32 r = lo; r <= hi; r++)
            {
              if (hc[r] == 0)
                continue;
              if (!first)
                {
                  /* the split between prev (left) and r (right) */
                  guint32 n_right = n - n_left;
                  double w_right = weight - w_left;

                  if (n_right < msl)
                    break;
                  if (n_left >= msl)
                    {
                      double sql = 0.0, sqr = 0.0;
                      for (guint k = 0; k < C; k++)
                        {
                          double l = left[k], rr = tot[k] - l;
                          sql += l * l;
                          sqr += rr * rr;
                        }
                      split_consider (best, sql, w_left, sqr, w_right, f, prev, r);
                    }
                }
              n_left += hc[r];
              {
                const double *b = hs + (gsize) r * C;
                for (guint k = 0; k < C; k++)
                  {
                    left[k] += b[k];
                    w_left += b[k];
                  }
              }
              prev = r;
              first = FALSE;
            }
        }

      /* leave the histogram zeroed for the next feature */
      memset (hc + lo, 0, (gsize) (hi - lo + 1) * sizeof (guint32));
      memset (hs + (gsize) lo * C, 0, (gsize) (hi - lo + 1) * C * sizeof (double));
      return lo == hi;
    }
  else
    {
      /* The node's (rank, position) keys, sorted: from the feature's list, or sorted here. */
      gint32 slot = ws->list_slot[f];
      guint64 *keys;
      guint32 n_left = 0;
      double w_left = 0.0, s_left = 0.0, sql = 0.0, sqr = 0.0;

      if (slot >= 0)
        keys = ws->lists + (gsize) slot * data->n_rows + start;
      else
        keys = ws->keys;
      if (slot < 0 || !(ws->node_sorted & (G_GUINT64_CONSTANT (1) << slot)))
        {
          guint64 *k = keys;
          FOR_NODE_RANKS ({
            *k++ = ((guint64) r << 32) | p;
          })
          if (n < SMALL_SORT)
            _kiln_tree_insertion_sort_hi (keys, n);
          else
            {
              guint64 *sorted = _kiln_tree_radix_sort_hi (keys, ws->keys_tmp, n, n_distinct - 1);
              if (sorted != keys)
                memcpy (keys, sorted, n * sizeof (guint64));
            }
          if (slot >= 0)
            ws->node_sorted |= G_GUINT64_CONSTANT (1) << slot;
        }

      if ((keys[0] >> 32) == (keys[n - 1] >> 32))
        return TRUE;

      if (classification)
        {
          memset (left, 0, C * sizeof (double));
          for (guint k = 0; k < C; k++)
            sqr += tot[k] * tot[k];
        }

      for (guint32 i = 0; i + 1 < n; i++)
        {
          guint32 s = (guint32) keys[i];  /* a position */
          double ws_ = classification ? sc[s].w : sr[s].w;
          guint32 r_here = (guint32) (keys[i] >> 32), r_next = (guint32) (keys[i + 1] >> 32);

          if (classification)
            {
              gint32 c = sc[s].c;
              double l = left[c], rr = tot[c] - l;
              /* exact for the integer weights of a bootstrap */
              sql += 2.0 * l * ws_ + ws_ * ws_;
              sqr += -2.0 * rr * ws_ + ws_ * ws_;
              left[c] = l + ws_;
            }
          else
            s_left += ws->node_wy[s - start];  /* ws_ * sr[s].y */
          w_left += ws_;
          n_left++;

          if (r_here == r_next)
            continue;
          if (n - n_left < msl)
            break;
          if (n_left < msl)
            continue;
          {
            double w_right = weight - w_left;

            if (classification)
              split_consider (best, sql, w_left, sqr, w_right, f, r_here, r_next);
            else
              {
                double s_right = tot[0] - s_left;
                split_consider (best, s_left * s_left, w_left, s_right * s_right, w_right, f,
                                r_here, r_next);
              }
          }
        }
      return FALSE;
    }
}


/* split_feature() for a regression node of 2 or 3 rows: sorts the few (rank, position) pairs
 * and offers the thresholds between them. With so few rows, every path of split_feature() adds
 * the same numbers in the same order (up to swapping the two operands of one addition, which
 * changes nothing), so the splits offered are exactly those it would offer. */
static gboolean
split_tiny (KilnTreeWorkspace *ws,
            guint              f,
            guint32            start,
            guint32            end,
            double             weight,
            Split             *best)
{
  const KilnTreeData *data = ws->data;
  const SampleR *sr = ws->sr;
  guint32 n = end - start, msl = ws->params.min_samples_leaf, n_left = 0;
  gint32 rs = ws->prk != NULL ? ws->rec_slot[f] : -1;
  gint32 bs = ws->pbits != NULL ? data->binary_slot[f] : -1;
  guint64 keys[TINY_NODE];
  double w_left = 0.0, s_left = 0.0;

  for (guint32 k = 0; k < n; k++)
    {
      guint32 p = start + k, r;

      if (bs >= 0)
        r = !((ws->pbits[(gsize) p * data->bin_words + bs / 32] >> (bs % 32)) & 1);
      else if (rs >= 0)
        r = ws->prk[(gsize) p * ws->rec_stride + rs];
      else
        r = rank_of (data, f, ws->samples[p]);
      keys[k] = ((guint64) r << 32) | p;
    }
  _kiln_tree_insertion_sort_hi (keys, n);
  if ((keys[0] >> 32) == (keys[n - 1] >> 32))
    return TRUE;

  for (guint32 i = 0; i + 1 < n; i++)
    {
      const SampleR *x = &sr[(guint32) keys[i]];
      guint32 r_here = (guint32) (keys[i] >> 32), r_next = (guint32) (keys[i + 1] >> 32);
      double s_right;

      s_left += x->w * x->y;
      w_left += x->w;
      n_left++;
      if (r_here == r_next)
        continue;
      if (n - n_left < msl)
        break;
      if (n_left < msl)
        continue;
      s_right = ws->node_stats[0] - s_left;
      split_consider (best, s_left * s_left, w_left, s_right * s_right, weight - w_left, f,
                      r_here, r_next);
    }
  return FALSE;
}

/* sklearn's BestSplitter feature loop: draw features without replacement until max_features
 * non-constant ones were visited (constants found here are passed on to the children). */
void
_kiln_tree_find_split (KilnTreeWorkspace *ws,
                       KilnRng           *rng,
                       const StackEntry  *e,
                       Split             *best,
                       guint32           *n_constants_out)
{
  guint32 *features = ws->features;
  guint32 f_i = ws->data->n_features;
  guint32 n_known = e->n_constants, n_total = e->n_constants;
  guint32 n_found = 0, n_drawn = 0, n_visited = 0;
  guint32 max_features = ws->params.max_features;
  gboolean tiny = ws->sr != NULL && e->end - e->start <= TINY_NODE;

  split_init (best);
  ws->bin_ready = FALSE;
  ws->node_known = e->n_constants;
  ws->node_sorted = e->sorted;
  if (ws->sr != NULL && !tiny)
    for (guint32 p = e->start; p < e->end; p++)
      {
        const SampleR *x = &ws->sr[p];
        ws->node_wy[p - e->start] = x->w * x->y;
        ws->node_wc[p - e->start] = ((guint64) x->w << 32) | 1;
      }

  while (f_i > n_total && (n_visited < max_features || n_visited <= n_found + n_drawn))
    {
      guint32 f_j, t;

      n_visited++;
      f_j = n_drawn + kiln_rng_uniform (rng, f_i - n_found - n_drawn);
      if (f_j < n_known)
        {
          t = features[n_drawn];
          features[n_drawn] = features[f_j];
          features[f_j] = t;
          n_drawn++;
          continue;
        }
      f_j += n_found;
      if (tiny ? split_tiny (ws, features[f_j], e->start, e->end, e->weight, best)
               : split_feature (ws, features[f_j], e->start, e->end, e->weight, best))
        {
          t = features[f_j];
          features[f_j] = features[n_total];
          features[n_total] = t;
          n_found++;
          n_total++;
          continue;
        }
      f_i--;
      t = features[f_i];
      features[f_i] = features[f_j];
      features[f_j] = t;
    }
  *n_constants_out = n_total;
}

