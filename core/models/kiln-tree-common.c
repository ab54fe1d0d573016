/* kiln-tree-common.c: the CART builder shared by the tree and forest families.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-tree"

#include "config.h"

#include <float.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"
#include "kiln-tree-common.h"

/* Bins of a per-node histogram: features with more distinct values always sort. */
#define HIST_MAX_BINS  65536
/* How often (in nodes) growing a tree looks at its GCancellable. */
#define CANCEL_EVERY   256
/* Below this many samples a node insertion-sorts instead of radix-sorting. */
#define SMALL_SORT     48

/* ---- Sorting ------------------------------------------------------------------------------- */

/* Sorts @keys by their upper 32 bits, which are at most @max_hi, stably (LSD radix, 8 bits a
 * pass, skipping bytes that do not vary). Returns the buffer holding the result: @keys or @tmp. */
static guint64 *
radix_sort_hi (guint64 *keys,
               guint64 *tmp,
               gsize    n,
               guint32  max_hi)
{
  gsize count[4][256];
  guint64 *src = keys, *dst = tmp;
  guint n_bytes = max_hi < 0x100 ? 1 : max_hi < 0x10000 ? 2 : max_hi < 0x1000000 ? 3 : 4;

  memset (count, 0, n_bytes * sizeof count[0]);
  for (gsize i = 0; i < n; i++)
    {
      guint32 hi = (guint32) (keys[i] >> 32);
      for (guint b = 0; b < n_bytes; b++)
        count[b][(hi >> (8 * b)) & 0xff]++;
    }

  for (guint b = 0; b < n_bytes; b++)
    {
      gsize sum = 0;
      guint shift = 32 + 8 * b;
      gboolean trivial = FALSE;

      for (guint d = 0; d < 256; d++)
        {
          gsize c = count[b][d];
          if (c == n)
            trivial = TRUE;
          count[b][d] = sum;
          sum += c;
        }
      if (trivial)
        continue;
      for (gsize i = 0; i < n; i++)
        {
          guint d = (guint) ((src[i] >> shift) & 0xff);
          dst[count[b][d]++] = src[i];
        }
      {
        guint64 *t = src;
        src = dst;
        dst = t;
      }
    }
  return src;
}

static void
insertion_sort_hi (guint64 *keys,
                   gsize    n)
{
  for (gsize i = 1; i < n; i++)
    {
      guint64 k = keys[i];
      guint32 hi = (guint32) (k >> 32);
      gsize j = i;

      while (j > 0 && (guint32) (keys[j - 1] >> 32) > hi)
        {
          keys[j] = keys[j - 1];
          j--;
        }
      keys[j] = k;
    }
}

/* An unsigned key with the order of the float (finite values, -0 folded into +0). */
static inline guint32
float_key (float v)
{
  guint32 u;

  if (v == 0.0f)
    v = 0.0f;
  memcpy (&u, &v, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

/* ---- Ranked data --------------------------------------------------------------------------- */

struct _KilnTreeData {
  guint         n_rows;
  guint         n_features;
  KilnTask      task;
  guint         n_classes;
  const gint32 *y_class;
  const double *y_value;
  /* Per feature, per row: the index of the row's value among the feature's distinct values, in
   * 1, 2 or 4 bytes as the number of distinct values allows (small columns stay in cache). */
  guint8       *rank_data;
  gsize        *rank_offset;   /* bytes, per feature */
  guint8       *rank_width;    /* 1, 2 or 4, per feature */
  guint32      *n_distinct;    /* per feature */
  gsize        *value_offset;  /* per feature, into values */
  float        *values;        /* the distinct values of each feature, ascending */
  guint32       max_distinct;
};

KilnTreeData *
_kiln_tree_data_new (const KilnDataset *train)
{
  KilnTreeData *data;
  guint n, d;
  guint64 *keys, *tmp;
  guint32 *rank;
  gsize n_values = 0, n_bytes = 0;

  g_return_val_if_fail (train != NULL && train->n_rows > 0 && train->n_features > 0, NULL);

  n = train->n_rows;
  d = train->n_features;
  data = g_new0 (KilnTreeData, 1);
  data->n_rows = n;
  data->n_features = d;
  data->task = train->task;
  data->n_classes = train->n_classes;
  data->y_class = train->y_class;
  data->y_value = train->y_value;
  data->rank_data = g_malloc ((gsize) n * d * sizeof (guint32));
  data->rank_offset = g_new (gsize, d);
  data->rank_width = g_new (guint8, d);
  data->n_distinct = g_new (guint32, d);
  data->value_offset = g_new (gsize, d);
  data->values = g_new (float, (gsize) n * d);

  keys = g_new (guint64, n);
  tmp = g_new (guint64, n);
  rank = g_new (guint32, n);
  for (guint f = 0; f < d; f++)
    {
      guint64 *sorted;
      float *values = data->values + n_values;
      guint32 n_distinct = 0;
      guint32 prev_key = 0;

      for (guint i = 0; i < n; i++)
        keys[i] = ((guint64) float_key (train->x[(gsize) i * d + f]) << 32) | i;
      sorted = radix_sort_hi (keys, tmp, n, G_MAXUINT32);
      for (guint i = 0; i < n; i++)
        {
          guint32 k = (guint32) (sorted[i] >> 32);
          guint32 row = (guint32) sorted[i];

          if (i == 0 || k != prev_key)
            {
              float v = train->x[(gsize) row * d + f];
              values[n_distinct++] = v == 0.0f ? 0.0f : v;
              prev_key = k;
            }
          rank[row] = n_distinct - 1;
        }
      data->n_distinct[f] = n_distinct;
      data->value_offset[f] = n_values;
      n_values += n_distinct;
      data->max_distinct = MAX (data->max_distinct, n_distinct);

      data->rank_offset[f] = n_bytes;
      if (n_distinct <= 256)
        {
          guint8 *out = data->rank_data + n_bytes;
          data->rank_width[f] = 1;
          for (guint i = 0; i < n; i++)
            out[i] = (guint8) rank[i];
        }
      else if (n_distinct <= 65536)
        {
          guint16 *out = (guint16 *) (gpointer) (data->rank_data + n_bytes);
          data->rank_width[f] = 2;
          for (guint i = 0; i < n; i++)
            out[i] = (guint16) rank[i];
        }
      else
        {
          data->rank_width[f] = 4;
          memcpy (data->rank_data + n_bytes, rank, n * sizeof (guint32));
        }
      /* keep every column 4-byte aligned */
      n_bytes += ((gsize) n * data->rank_width[f] + 3) & ~(gsize) 3;
    }
  g_free (keys);
  g_free (tmp);
  g_free (rank);
  data->rank_data = g_realloc (data->rank_data, MAX (n_bytes, 1));
  data->values = g_renew (float, data->values, n_values);
  return data;
}

void
_kiln_tree_data_free (KilnTreeData *data)
{
  if (data == NULL)
    return;
  g_free (data->rank_data);
  g_free (data->rank_offset);
  g_free (data->rank_width);
  g_free (data->n_distinct);
  g_free (data->value_offset);
  g_free (data->values);
  g_free (data);
}

/* ---- Workspace ----------------------------------------------------------------------------- */

typedef struct {
  guint32  start, end;
  guint32  depth;
  gint32   parent;        /* -1: the root */
  gboolean is_left;
  guint32  n_constants;   /* features known to be constant here (sklearn) */
  double   weight;
  double   impurity;
  gboolean pure;
} StackEntry;

/* What a node needs of a row, in one place: its weight (how often the bootstrap drew it) and its
 * target. Kept by position, parallel to the samples array and partitioned with it, so a node
 * reads them in order. */
typedef struct {
  float  w;
  gint32 c;
} SampleC;

typedef struct {
  double w;
  double y;
} SampleR;

/* Runs BODY for each position p of [start, end), r being the rank of its row for the feature at
 * BASE (WIDTH bytes per rank): one loop per width so the rank column is read at its packed size. */
#define FOR_RANKS_(TYPE, BASE, BODY) \
  { \
    const TYPE *rk_ = (const TYPE *) (gconstpointer) (BASE); \
    for (guint32 p = start; p < end; p++) \
      { \
        guint32 r = rk_[samples[p]]; \
        BODY \
      } \
  }
#define FOR_RANKS(WIDTH, BASE, BODY) \
  switch (WIDTH) \
    { \
    case 1: FOR_RANKS_ (guint8, BASE, BODY) break; \
    case 2: FOR_RANKS_ (guint16, BASE, BODY) break; \
    default: FOR_RANKS_ (guint32, BASE, BODY) break; \
    }

static inline guint32
rank_of (const KilnTreeData *data,
         guint               f,
         guint32             s)
{
  const guint8 *base = data->rank_data + data->rank_offset[f];

  switch (data->rank_width[f])
    {
    case 1:
      return base[s];
    case 2:
      return ((const guint16 *) (gconstpointer) base)[s];
    default:
      return ((const guint32 *) (gconstpointer) base)[s];
    }
}

struct _KilnTreeWorkspace {
  const KilnTreeData *data;
  KilnTreeParams      params;
  guint               n_out;        /* classes, or 1 */
  guint               stat_width;   /* statistics per node: classes, or 2 (sum wy, sum wy^2) */
  guint32            *samples;      /* rows drawn at least once */
  SampleC            *sc;           /* per position (classification) */
  SampleR            *sr;           /* per position (regression) */
  guint32            *features;     /* sklearn's feature permutation */
  guint64            *keys;
  guint64            *keys_tmp;
  guint32             hist_bins;
  guint32            *hcount;       /* hist_bins */
  double             *hsum;         /* hist_bins x n_out: class weights, or w * y */
  double             *hweight;      /* hist_bins (regression) */
  double             *left;         /* stat_width */
  double             *node_stats;   /* stat_width */
  double             *child_stats;  /* 2 x stat_width */
  double             *importances;  /* n_features */

  StackEntry         *stack;
  double             *stack_stats;  /* stat_width per stack slot */
  guint               stack_len, stack_cap;

  /* the tree being grown */
  gint32             *feature;
  double             *threshold;
  gint32             *lchild;
  gint32             *rchild;
  guint               n_nodes, node_cap;
  double             *value;
  guint               n_leaves, leaf_cap;
};

KilnTreeWorkspace *
_kiln_tree_workspace_new (const KilnTreeData   *data,
                          const KilnTreeParams *params)
{
  KilnTreeWorkspace *ws;
  guint n = data->n_rows;

  g_return_val_if_fail (data != NULL && params != NULL, NULL);
  g_return_val_if_fail (params->task == data->task, NULL);
  g_return_val_if_fail (params->max_features >= 1, NULL);
  g_return_val_if_fail (params->max_features <= data->n_features, NULL);

  ws = g_new0 (KilnTreeWorkspace, 1);
  ws->data = data;
  ws->params = *params;
  if (ws->params.min_samples_leaf == 0)
    ws->params.min_samples_leaf = 1;
  ws->n_out = params->task == KILN_TASK_CLASSIFICATION ? data->n_classes : 1;
  ws->stat_width = params->task == KILN_TASK_CLASSIFICATION ? data->n_classes : 2;
  ws->samples = g_new (guint32, n);
  if (params->task == KILN_TASK_CLASSIFICATION)
    ws->sc = g_new0 (SampleC, n);
  else
    ws->sr = g_new0 (SampleR, n);
  ws->features = g_new (guint32, data->n_features);
  ws->keys = g_new (guint64, n);
  ws->keys_tmp = g_new (guint64, n);
  ws->hist_bins = MIN (data->max_distinct, HIST_MAX_BINS);
  ws->hcount = g_new0 (guint32, ws->hist_bins);
  ws->hsum = g_new0 (double, (gsize) ws->hist_bins * ws->n_out);
  ws->hweight = g_new0 (double, ws->hist_bins);
  ws->left = g_new0 (double, ws->stat_width);
  ws->node_stats = g_new0 (double, ws->stat_width);
  ws->child_stats = g_new0 (double, 2 * ws->stat_width);
  ws->importances = g_new0 (double, data->n_features);
  ws->stack_cap = 64;
  ws->stack = g_new (StackEntry, ws->stack_cap);
  ws->stack_stats = g_new (double, (gsize) ws->stack_cap * ws->stat_width);
  ws->node_cap = 1024;
  ws->feature = g_new (gint32, ws->node_cap);
  ws->threshold = g_new (double, ws->node_cap);
  ws->lchild = g_new (gint32, ws->node_cap);
  ws->rchild = g_new (gint32, ws->node_cap);
  ws->leaf_cap = 512;
  ws->value = g_new (double, (gsize) ws->leaf_cap * ws->n_out);
  return ws;
}

void
_kiln_tree_workspace_free (KilnTreeWorkspace *ws)
{
  if (ws == NULL)
    return;
  g_free (ws->samples);
  g_free (ws->sc);
  g_free (ws->sr);
  g_free (ws->features);
  g_free (ws->keys);
  g_free (ws->keys_tmp);
  g_free (ws->hcount);
  g_free (ws->hsum);
  g_free (ws->hweight);
  g_free (ws->left);
  g_free (ws->node_stats);
  g_free (ws->child_stats);
  g_free (ws->importances);
  g_free (ws->stack);
  g_free (ws->stack_stats);
  g_free (ws->feature);
  g_free (ws->threshold);
  g_free (ws->lchild);
  g_free (ws->rchild);
  g_free (ws->value);
  g_free (ws);
}

/* ---- Node statistics ----------------------------------------------------------------------- */

/* Fills @stats for samples [start, end) and returns the weight; *impurity and *pure as sklearn
 * (Gini / squared error; a node is pure when its impurity is at most DBL_EPSILON, or, for
 * regression, when every target in it is equal). */
static double
node_stats (KilnTreeWorkspace *ws,
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

typedef struct {
  double  proxy;      /* sklearn's proxy improvement; higher is better */
  gint32  feature;    /* -1: none found */
  guint32 rank_left;  /* the last distinct value going left */
  guint32 rank_right; /* the first going right */
} Split;

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

  if (n_distinct == 2 && !classification)
    {
      /* A two-valued feature (one-hot columns): the lower value's sums in registers, in two
       * interleaved sets so the additions do not wait on each other. */
      const guint8 *rk = rank;  /* two distinct values: one byte per rank */
      double wa = 0.0, sa = 0.0, wb = 0.0, sb = 0.0, w_left, s_left, s_right, w_right, proxy;
      guint32 na = 0, nb = 0, n_left, p = start;

      for (; p + 2 <= end; p += 2)
        {
          const SampleR *x0 = &sr[p], *x1 = &sr[p + 1];
          gboolean l0 = rk[samples[p]] == 0, l1 = rk[samples[p + 1]] == 0;

          na += l0;
          wa += l0 ? x0->w : 0.0;
          sa += l0 ? x0->w * x0->y : 0.0;
          nb += l1;
          wb += l1 ? x1->w : 0.0;
          sb += l1 ? x1->w * x1->y : 0.0;
        }
      if (p < end && rk[samples[p]] == 0)
        {
          na++;
          wa += sr[p].w;
          sa += sr[p].w * sr[p].y;
        }
      n_left = na + nb;
      if (n_left == 0 || n_left == n)
        return TRUE;
      if (n_left < msl || n - n_left < msl)
        return FALSE;
      w_left = wa + wb;
      s_left = sa + sb;
      w_right = weight - w_left;
      s_right = tot[0] - s_left;
      proxy = s_left * s_left / w_left + s_right * s_right / w_right;
      if (proxy > best->proxy)
        {
          best->proxy = proxy;
          best->feature = (gint32) f;
          best->rank_left = 0;
          best->rank_right = 1;
        }
      return FALSE;
    }
  else if (n_distinct <= ws->hist_bins && (guint64) n_distinct * C <= 4 * (guint64) n)
    {
      /* A histogram over the node's distinct values: no sort. */
      guint32 *hc = ws->hcount;
      double *hs = ws->hsum;
      double *hw = ws->hweight;
      guint32 lo = G_MAXUINT32, hi = 0, prev = 0, n_left = 0;
      double w_left = 0.0, s_left = 0.0;
      gboolean first = TRUE;

      if (classification)
        {
          FOR_RANKS (width, rank, {
            const SampleC *x = &sc[p];
            hc[r]++;
            hs[(gsize) r * C + x->c] += x->w;
            lo = MIN (lo, r);
            hi = MAX (hi, r);
          })
        }
      else
        {
          FOR_RANKS (width, rank, {
            const SampleR *x = &sr[p];
            hc[r]++;
            hw[r] += x->w;
            hs[r] += x->w * x->y;
            lo = MIN (lo, r);
            hi = MAX (hi, r);
          })
        }

      if (lo != hi)
        {
          if (classification)
            memset (left, 0, C * sizeof (double));
          for (guint32 r = lo; r <= hi; r++)
            {
              if (hc[r] == 0)
                continue;
              if (!first)
                {
                  /* the split between prev (left) and r (right) */
                  guint32 n_right = n - n_left;
                  double w_right = weight - w_left, proxy;

                  if (n_right < msl)
                    break;
                  if (n_left >= msl)
                    {
                      if (classification)
                        {
                          double sql = 0.0, sqr = 0.0;
                          for (guint k = 0; k < C; k++)
                            {
                              double l = left[k], rr = tot[k] - l;
                              sql += l * l;
                              sqr += rr * rr;
                            }
                          proxy = sql / w_left + sqr / w_right;
                        }
                      else
                        {
                          double s_right = tot[0] - s_left;
                          proxy = s_left * s_left / w_left + s_right * s_right / w_right;
                        }
                      if (proxy > best->proxy)
                        {
                          best->proxy = proxy;
                          best->feature = (gint32) f;
                          best->rank_left = prev;
                          best->rank_right = r;
                        }
                    }
                }
              n_left += hc[r];
              if (classification)
                {
                  const double *b = hs + (gsize) r * C;
                  for (guint k = 0; k < C; k++)
                    {
                      left[k] += b[k];
                      w_left += b[k];
                    }
                }
              else
                {
                  w_left += hw[r];
                  s_left += hs[r];
                }
              prev = r;
              first = FALSE;
            }
        }

      /* leave the histogram zeroed for the next feature */
      memset (hc + lo, 0, (gsize) (hi - lo + 1) * sizeof (guint32));
      memset (hs + (gsize) lo * C, 0, (gsize) (hi - lo + 1) * C * sizeof (double));
      if (!classification)
        memset (hw + lo, 0, (gsize) (hi - lo + 1) * sizeof (double));
      return lo == hi;
    }
  else
    {
      /* Sort the node's (rank, sample) keys. */
      guint64 *keys = ws->keys;
      guint32 n_left = 0;
      double w_left = 0.0, s_left = 0.0, sql = 0.0, sqr = 0.0;

      {
        guint64 *k = keys;
        FOR_RANKS (width, rank, {
          *k++ = ((guint64) r << 32) | p;
        })
      }
      if (n < SMALL_SORT)
        insertion_sort_hi (keys, n);
      else
        keys = radix_sort_hi (keys, ws->keys_tmp, n, n_distinct - 1);

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
            s_left += ws_ * sr[s].y;
          w_left += ws_;
          n_left++;

          if (r_here == r_next)
            continue;
          if (n - n_left < msl)
            break;
          if (n_left < msl)
            continue;
          {
            double w_right = weight - w_left, proxy;

            if (classification)
              proxy = sql / w_left + sqr / w_right;
            else
              {
                double s_right = tot[0] - s_left;
                proxy = s_left * s_left / w_left + s_right * s_right / w_right;
              }
            if (proxy > best->proxy)
              {
                best->proxy = proxy;
                best->feature = (gint32) f;
                best->rank_left = r_here;
                best->rank_right = r_next;
              }
          }
        }
      return FALSE;
    }
}

/* sklearn's BestSplitter feature loop: draw features without replacement until max_features
 * non-constant ones were visited (constants found here are passed on to the children). */
static void
find_split (KilnTreeWorkspace *ws,
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

  best->proxy = -G_MAXDOUBLE;
  best->feature = -1;

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
      if (split_feature (ws, features[f_j], e->start, e->end, e->weight, best))
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

/* ---- Growing ------------------------------------------------------------------------------- */

static void
stack_push (KilnTreeWorkspace *ws,
            const StackEntry  *e,
            const double      *stats)
{
  if (ws->stack_len == ws->stack_cap)
    {
      ws->stack_cap *= 2;
      ws->stack = g_renew (StackEntry, ws->stack, ws->stack_cap);
      ws->stack_stats = g_renew (double, ws->stack_stats, (gsize) ws->stack_cap * ws->stat_width);
    }
  ws->stack[ws->stack_len] = *e;
  memcpy (ws->stack_stats + (gsize) ws->stack_len * ws->stat_width, stats,
          ws->stat_width * sizeof (double));
  ws->stack_len++;
}

static guint
add_node (KilnTreeWorkspace *ws)
{
  if (ws->n_nodes == ws->node_cap)
    {
      ws->node_cap *= 2;
      ws->feature = g_renew (gint32, ws->feature, ws->node_cap);
      ws->threshold = g_renew (double, ws->threshold, ws->node_cap);
      ws->lchild = g_renew (gint32, ws->lchild, ws->node_cap);
      ws->rchild = g_renew (gint32, ws->rchild, ws->node_cap);
    }
  return ws->n_nodes++;
}

static void
make_leaf (KilnTreeWorkspace *ws,
           guint              node,
           const double      *stats,
           double             weight)
{
  double *v;

  if (ws->n_leaves == ws->leaf_cap)
    {
      ws->leaf_cap *= 2;
      ws->value = g_renew (double, ws->value, (gsize) ws->leaf_cap * ws->n_out);
    }
  v = ws->value + (gsize) ws->n_leaves * ws->n_out;
  if (ws->data->task == KILN_TASK_CLASSIFICATION)
    for (guint k = 0; k < ws->n_out; k++)
      v[k] = stats[k] / weight;
  else
    v[0] = stats[0] / weight;
  ws->feature[node] = -1;
  ws->threshold[node] = 0.0;
  ws->lchild[node] = (gint32) ws->n_leaves;
  ws->rchild[node] = -1;
  ws->n_leaves++;
}

gboolean
_kiln_tree_grow (KilnTreeWorkspace *ws,
                 const guint32     *counts,
                 KilnRng           *rng,
                 GCancellable      *cancellable,
                 KilnTreeNodes     *out,
                 double            *importances)
{
  const KilnTreeData *data;
  guint32 n_active = 0;
  double root_weight;
  StackEntry root = { 0, };
  guint msl, max_depth;

  g_return_val_if_fail (ws != NULL && rng != NULL && out != NULL, FALSE);

  data = ws->data;
  msl = ws->params.min_samples_leaf;
  max_depth = ws->params.max_depth;
  memset (out, 0, sizeof *out);

  for (guint i = 0; i < data->n_rows; i++)
    {
      guint32 c = counts != NULL ? counts[i] : 1;

      if (c == 0)
        continue;
      if (ws->sc != NULL)
        {
          ws->sc[n_active].w = (float) c;  /* exact: counts stay far below 2^24 */
          ws->sc[n_active].c = data->y_class[i];
        }
      else
        {
          ws->sr[n_active].w = c;
          ws->sr[n_active].y = data->y_value[i];
        }
      ws->samples[n_active++] = i;
    }
  g_return_val_if_fail (n_active > 0, FALSE);
  for (guint f = 0; f < data->n_features; f++)
    ws->features[f] = f;
  memset (ws->importances, 0, data->n_features * sizeof (double));
  ws->n_nodes = 0;
  ws->n_leaves = 0;
  ws->stack_len = 0;

  root.start = 0;
  root.end = n_active;
  root.parent = -1;
  root.weight = node_stats (ws, 0, n_active, ws->node_stats, &root.impurity, &root.pure);
  root_weight = root.weight;
  stack_push (ws, &root, ws->node_stats);

  while (ws->stack_len > 0)
    {
      StackEntry e = ws->stack[--ws->stack_len];
      guint node;
      guint32 n = e.end - e.start;
      gboolean is_leaf;
      Split best;
      guint32 n_constants = e.n_constants;

      memcpy (ws->node_stats, ws->stack_stats + (gsize) ws->stack_len * ws->stat_width,
              ws->stat_width * sizeof (double));

      if ((ws->n_nodes % CANCEL_EVERY) == CANCEL_EVERY - 1
          && g_cancellable_is_cancelled (cancellable))
        return FALSE;

      node = add_node (ws);
      if (e.parent >= 0)
        {
          if (e.is_left)
            ws->lchild[e.parent] = (gint32) node;
          else
            ws->rchild[e.parent] = (gint32) node;
        }

      is_leaf = (max_depth > 0 && e.depth >= max_depth) || n < 2 || n < 2 * msl || e.pure;
      if (!is_leaf)
        {
          find_split (ws, rng, &e, &best, &n_constants);
          is_leaf = best.feature < 0;
        }
      if (is_leaf)
        {
          make_leaf (ws, node, ws->node_stats, e.weight);
          continue;
        }

      {
        const float *values = data->values + data->value_offset[best.feature];
        guint32 *samples = ws->samples;
        guint32 i = e.start, j = e.end;
        double thr;
        StackEntry l = { 0, }, r = { 0, };
        double *lstats = ws->child_stats, *rstats = ws->child_stats + ws->stat_width;

        while (i < j)
          {
            if (rank_of (data, best.feature, samples[i]) <= best.rank_left)
              i++;
            else
              {
                guint32 t = samples[--j];
                samples[j] = samples[i];
                samples[i] = t;
                if (ws->sc != NULL)
                  {
                    SampleC x = ws->sc[j];
                    ws->sc[j] = ws->sc[i];
                    ws->sc[i] = x;
                  }
                else
                  {
                    SampleR x = ws->sr[j];
                    ws->sr[j] = ws->sr[i];
                    ws->sr[i] = x;
                  }
              }
          }

        thr = ((double) values[best.rank_left] + (double) values[best.rank_right]) / 2.0;
        if (thr == (double) values[best.rank_right] || isinf (thr))
          thr = values[best.rank_left];
        ws->feature[node] = best.feature;
        ws->threshold[node] = thr;
        ws->lchild[node] = -1;
        ws->rchild[node] = -1;

        l.start = e.start;
        l.end = i;
        r.start = i;
        r.end = e.end;
        l.depth = r.depth = e.depth + 1;
        l.parent = r.parent = (gint32) node;
        l.is_left = TRUE;
        r.is_left = FALSE;
        l.n_constants = r.n_constants = n_constants;
        l.weight = node_stats (ws, l.start, l.end, lstats, &l.impurity, &l.pure);
        r.weight = node_stats (ws, r.start, r.end, rstats, &r.impurity, &r.pure);
        ws->importances[best.feature] += e.weight * e.impurity - l.weight * l.impurity
                                         - r.weight * r.impurity;
        /* right first, so the left child is grown (and numbered) first */
        stack_push (ws, &r, rstats);
        stack_push (ws, &l, lstats);
      }
    }

  out->n_nodes = ws->n_nodes;
  out->n_leaves = ws->n_leaves;
  out->n_outputs = ws->n_out;
  out->feature = g_memdup2 (ws->feature, ws->n_nodes * sizeof (gint32));
  out->threshold = g_memdup2 (ws->threshold, ws->n_nodes * sizeof (double));
  out->left = g_memdup2 (ws->lchild, ws->n_nodes * sizeof (gint32));
  out->right = g_memdup2 (ws->rchild, ws->n_nodes * sizeof (gint32));
  if (data->task == KILN_TASK_REGRESSION)
    out->value = g_memdup2 (ws->value, (gsize) ws->n_leaves * sizeof (double));
  else
    {
      gsize nnz = 0, at = 0;

      for (gsize e = 0; e < (gsize) ws->n_leaves * ws->n_out; e++)
        nnz += ws->value[e] != 0.0;
      out->value = g_new (double, MAX (nnz, 1));
      out->value_class = g_new (gint32, MAX (nnz, 1));
      out->leaf_start = g_new (gint32, ws->n_leaves + 1);
      for (guint l = 0; l < ws->n_leaves; l++)
        {
          out->leaf_start[l] = (gint32) at;
          for (guint k = 0; k < ws->n_out; k++)
            {
              double v = ws->value[(gsize) l * ws->n_out + k];
              if (v != 0.0)
                {
                  out->value[at] = v;
                  out->value_class[at] = (gint32) k;
                  at++;
                }
            }
        }
      out->leaf_start[ws->n_leaves] = (gint32) at;
    }
  _kiln_tree_nodes_pack (out);
  if (importances != NULL)
    for (guint f = 0; f < data->n_features; f++)
      importances[f] = ws->importances[f] / root_weight;
  return TRUE;
}

/* ---- Nodes --------------------------------------------------------------------------------- */

void
_kiln_tree_nodes_pack (KilnTreeNodes *nodes)
{
  g_free (nodes->packed);
  nodes->packed = g_new (KilnTreePackedNode, nodes->n_nodes);
  for (guint i = 0; i < nodes->n_nodes; i++)
    {
      KilnTreePackedNode *p = &nodes->packed[i];
      double t = nodes->threshold[i];
      float f;

      if (isnan (t))
        f = NAN;  /* never true, as in double */
      else if (t >= (double) G_MAXFLOAT)
        f = t == INFINITY ? INFINITY : G_MAXFLOAT;
      else if (t < -(double) G_MAXFLOAT)
        f = -INFINITY;
      else
        {
          f = (float) t;
          if ((double) f > t)
            f = nextafterf (f, -INFINITY);
        }
      p->threshold = f;
      p->feature = nodes->feature[i];
      p->left = nodes->left[i];
      p->right = nodes->right[i];
    }
}

void
_kiln_tree_nodes_clear (KilnTreeNodes *nodes)
{
  if (nodes == NULL)
    return;
  g_clear_pointer (&nodes->packed, g_free);
  g_clear_pointer (&nodes->feature, g_free);
  g_clear_pointer (&nodes->threshold, g_free);
  g_clear_pointer (&nodes->left, g_free);
  g_clear_pointer (&nodes->right, g_free);
  g_clear_pointer (&nodes->value, g_free);
  g_clear_pointer (&nodes->value_class, g_free);
  g_clear_pointer (&nodes->leaf_start, g_free);
  nodes->n_nodes = 0;
  nodes->n_leaves = 0;
}

void
_kiln_tree_nodes_to_json (const KilnTreeNodes *nodes,
                          JsonBuilder         *builder)
{
  _kiln_json_add_ints (builder, "feature", nodes->feature, nodes->n_nodes);
  _kiln_json_add_doubles (builder, "threshold", nodes->threshold, nodes->n_nodes);
  _kiln_json_add_ints (builder, "left", nodes->left, nodes->n_nodes);
  _kiln_json_add_ints (builder, "right", nodes->right, nodes->n_nodes);
  if (nodes->leaf_start == NULL)
    {
      _kiln_json_add_doubles (builder, "value", nodes->value, nodes->n_leaves);
      return;
    }
  {
    g_autofree gint32 *nnz = g_new (gint32, nodes->n_leaves);
    gsize total = nodes->leaf_start[nodes->n_leaves];

    for (guint i = 0; i < nodes->n_leaves; i++)
      nnz[i] = nodes->leaf_start[i + 1] - nodes->leaf_start[i];
    _kiln_json_add_ints (builder, "leaf_nnz", nnz, nodes->n_leaves);
    _kiln_json_add_ints (builder, "value_class", nodes->value_class, total);
    _kiln_json_add_doubles (builder, "value", nodes->value, total);
  }
}

static gboolean
format_error (GError    **error,
              const char *what)
{
  g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
               _("The saved tree is damaged: %s."), what);
  return FALSE;
}

gboolean
_kiln_tree_nodes_from_json (KilnTreeNodes  *nodes,
                            JsonObject     *object,
                            guint           n_features,
                            guint           n_outputs,
                            GError        **error)
{
  gssize n_nodes;
  guint n_leaves = 0;

  g_return_val_if_fail (nodes != NULL && object != NULL, FALSE);

  memset (nodes, 0, sizeof *nodes);
  n_nodes = _kiln_json_get_array_length (object, "feature", error);
  if (n_nodes < 0)
    return FALSE;
  if (n_nodes == 0 || n_nodes > G_MAXINT32)
    return format_error (error, _("it has no nodes"));

  nodes->n_nodes = (guint) n_nodes;
  nodes->n_outputs = n_outputs;
  nodes->feature = g_new (gint32, n_nodes);
  nodes->threshold = g_new (double, n_nodes);
  nodes->left = g_new (gint32, n_nodes);
  nodes->right = g_new (gint32, n_nodes);
  if (!_kiln_json_get_ints (object, "feature", nodes->feature, n_nodes, error)
      || !_kiln_json_get_doubles (object, "threshold", nodes->threshold, n_nodes, error)
      || !_kiln_json_get_ints (object, "left", nodes->left, n_nodes, error)
      || !_kiln_json_get_ints (object, "right", nodes->right, n_nodes, error))
    goto fail;

  /* Children always come after their parent, so walking down ends at a leaf. */
  for (guint i = 0; i < nodes->n_nodes; i++)
    {
      gint32 f = nodes->feature[i];

      if (f == -1)
        {
          if (nodes->left[i] != (gint32) n_leaves)
            {
              format_error (error, _("the leaves are out of order"));
              goto fail;
            }
          n_leaves++;
        }
      else if (f < 0 || (guint) f >= n_features
               || nodes->left[i] <= (gint32) i || nodes->left[i] >= n_nodes
               || nodes->right[i] <= (gint32) i || nodes->right[i] >= n_nodes)
        {
          format_error (error, _("a node points outside the tree"));
          goto fail;
        }
    }
  nodes->n_leaves = n_leaves;

  if (n_outputs == 1)
    {
      nodes->value = g_new (double, n_leaves);
      if (!_kiln_json_get_doubles (object, "value", nodes->value, n_leaves, error))
        goto fail;
    }
  else
    {
      g_autofree gint32 *nnz = g_new (gint32, n_leaves);
      gssize n_values;
      gsize total = 0;

      if (!_kiln_json_get_ints (object, "leaf_nnz", nnz, n_leaves, error))
        goto fail;
      nodes->leaf_start = g_new (gint32, n_leaves + 1);
      for (guint i = 0; i < n_leaves; i++)
        {
          if (nnz[i] < 0 || (guint) nnz[i] > n_outputs)
            {
              format_error (error, _("a leaf has a wrong number of classes"));
              goto fail;
            }
          nodes->leaf_start[i] = (gint32) total;
          total += nnz[i];
        }
      nodes->leaf_start[n_leaves] = (gint32) total;
      n_values = _kiln_json_get_array_length (object, "value", error);
      if (n_values < 0)
        goto fail;
      if ((gsize) n_values != total || total > G_MAXINT32)
        {
          format_error (error, _("the leaf values do not match their counts"));
          goto fail;
        }
      nodes->value_class = g_new (gint32, total + 1);
      nodes->value = g_new (double, total + 1);
      if (!_kiln_json_get_ints (object, "value_class", nodes->value_class, total, error)
          || !_kiln_json_get_doubles (object, "value", nodes->value, total, error))
        goto fail;
      for (gsize e = 0; e < total; e++)
        if (nodes->value_class[e] < 0 || (guint) nodes->value_class[e] >= n_outputs)
          {
            format_error (error, _("a leaf names an unknown class"));
            goto fail;
          }
    }
  _kiln_tree_nodes_pack (nodes);
  return TRUE;

fail:
  _kiln_tree_nodes_clear (nodes);
  return FALSE;
}

/* ---- Checks -------------------------------------------------------------------------------- */

gboolean
_kiln_tree_check_options (const KilnModelOptions *options,
                          gboolean                forest,
                          GError                **error)
{
  if (options->task != KILN_TASK_CLASSIFICATION && options->task != KILN_TASK_REGRESSION)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS, _("Unknown task."));
      return FALSE;
    }
  if (options->min_samples_leaf > G_MAXINT32 / 2)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The minimum number of rows per leaf (%u) is too large."),
                   options->min_samples_leaf);
      return FALSE;
    }
  if (forest)
    {
      if (options->n_trees > 100000)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                       _("A forest of %u trees is too large (at most 100000)."), options->n_trees);
          return FALSE;
        }
      if (!(options->max_features >= 0.0 && options->max_features <= 1.0))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                       _("The fraction of features per split must be between 0 and 1, not %g."),
                       options->max_features);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
_kiln_tree_check_data (KilnModel         *model,
                       const KilnDataset *train,
                       GError           **error)
{
  gsize n;

  if (train == NULL || train->n_rows == 0 || train->n_features == 0 || train->x == NULL)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("There are no rows or no features to learn from."));
      return FALSE;
    }
  if (train->task != model->task)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("The data set is for %s, the model for %s."),
                   kiln_task_to_string (train->task), kiln_task_to_string (model->task));
      return FALSE;
    }
  if (train->n_rows > G_MAXINT32 / 2)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("Too many rows (%u) for a tree."), train->n_rows);
      return FALSE;
    }
  n = (gsize) train->n_rows * train->n_features;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (train->x[i]))
      {
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                     _("Row %u, feature %u is missing or not a finite number."),
                     (guint) (i / train->n_features) + 1, (guint) (i % train->n_features) + 1);
        return FALSE;
      }
  if (train->task == KILN_TASK_CLASSIFICATION)
    {
      if (train->n_classes < 1 || train->y_class == NULL)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                       _("The target has no classes."));
          return FALSE;
        }
      for (guint i = 0; i < train->n_rows; i++)
        if (train->y_class[i] < 0 || (guint) train->y_class[i] >= train->n_classes)
          {
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                         _("Row %u has no valid class in the target."), i + 1);
            return FALSE;
          }
    }
  else
    {
      if (train->y_value == NULL)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                       _("The target has no values."));
          return FALSE;
        }
      for (guint i = 0; i < train->n_rows; i++)
        if (!isfinite (train->y_value[i]))
          {
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                         _("Row %u has a missing or infinite target value."), i + 1);
            return FALSE;
          }
    }
  return TRUE;
}
