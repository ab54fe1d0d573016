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

#include "kiln-memory.h"
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

/* Sorts @keys by their whole value; fast when they are nearly sorted. */
static void
insertion_sort (guint64 *keys,
                gsize    n)
{
  for (gsize i = 1; i < n; i++)
    {
      guint64 k = keys[i];
      gsize j = i;

      if (keys[i - 1] <= k)
        continue;
      while (j > 0 && keys[j - 1] > k)
        {
          keys[j] = keys[j - 1];
          j--;
        }
      keys[j] = k;
    }
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
  /* Regression: the two-valued features, numbered in slots, and per row one bit per slot (set
   * when the row has the lower value), bin_words 32-bit words a row. */
  guint         n_binary;
  gint32       *binary_slot;   /* per feature: its slot, or -1 */
  guint         bin_words;
  guint32      *row_bits;      /* n_rows x bin_words */
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

  data->binary_slot = g_new (gint32, d);
  for (guint f = 0; f < d; f++)
    data->binary_slot[f] = train->task == KILN_TASK_REGRESSION && data->n_distinct[f] == 2
                           ? (gint32) data->n_binary++ : -1;
  data->bin_words = (data->n_binary + 31) / 32;
  data->row_bits = g_new0 (guint32, MAX ((gsize) n * data->bin_words, 1));
  for (guint f = 0; f < d; f++)
    {
      gint32 j = data->binary_slot[f];
      const guint8 *rk = data->rank_data + data->rank_offset[f];  /* one byte per rank */

      if (j < 0)
        continue;
      for (guint i = 0; i < n; i++)
        if (rk[i] == 0)
          data->row_bits[(gsize) i * data->bin_words + j / 32] |= 1u << (j % 32);
    }
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
  g_free (data->binary_slot);
  g_free (data->row_bits);
  g_free (data);
}

/* ---- Workspace ----------------------------------------------------------------------------- */

typedef struct {
  guint32  start, end;
  guint32  depth;
  gint32   parent;        /* -1: the root */
  gboolean is_left;
  guint32  n_constants;   /* features known to be constant here (sklearn) */
  guint64  sorted;        /* list slots sorted for this node (see KilnTreeWorkspace.lists) */
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

/* FOR_RANKS, from the position-ordered ranks when feature f has a record slot (rs >= 0). */
#define FOR_NODE_RANKS(BODY) \
  if (rs >= 0) \
    { \
      const guint16 *pr_ = ws->prk + (gsize) start * ws->rec_stride + rs; \
      for (guint32 p = start; p < end; p++, pr_ += ws->rec_stride) \
        { \
          guint32 r = *pr_; \
          BODY \
        } \
    } \
  else \
    FOR_RANKS (width, rank, BODY)

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
  /* regression, per position of the node being split (from its start): w * y, as every sum of
   * the node adds it, and (w << 32) + 1, to count weights and rows in one integer */
  double             *node_wy;
  guint64            *node_wc;
  guint32            *features;     /* sklearn's feature permutation */
  guint64            *keys;
  guint64            *keys_tmp;
  guint32             hist_bins;
  guint32            *hcount;       /* classification: hist_bins */
  double             *hsum;         /* classification: hist_bins x classes */
  double             *left;         /* stat_width */
  double             *node_stats;   /* stat_width */
  double             *child_stats;  /* 2 x stat_width */
  double             *importances;  /* n_features */

  /* Two-valued features (regression), see binary_stats() */
  guint32            *pbits;        /* data->row_bits of the row at each position */
  gboolean            bin_ready;    /* bin_* hold the current node's sums */
  guint32             node_known;   /* the current node's known constants (features[0 ..)) */
  guint32            *bin_active;   /* slots */
  guint32            *bin_nleft;    /* per slot: rows, weight and sum of w * y on the lower value */
  double             *bin_wleft;
  double             *bin_sleft;

  /* Sorted lists, for regression when every feature is searched at each node (max_features =
   * all): a feature that a node has to sort keeps its node's (rank, position) keys sorted in its
   * list, and the split hands each child its part, so no descendant sorts that feature again. Up
   * to 64 features have a list (a slot). */
  guint               n_lists;
  gint32             *list_slot;    /* per feature: its slot, or -1 */
  guint64            *lists;        /* n_lists x n_rows keys, by position as samples */
  guint64             node_sorted;  /* the current node's sorted slots */
  guint32            *orig;         /* per position: where the partition took it from */
  guint32            *newpos;       /* per position before the partition: where it went */
  guint8             *goes_left;    /* per position, during a partition */

  /* With lists, also the rows' ranks in position order (partitioned with the samples), so a
   * node reads them in order: rec_stride 16-bit ranks per position, rec_slot[f] of them for
   * feature f (features with 2 .. 65536 distinct values, not the two-valued ones of
   * regression), or -1. */
  guint16            *prk;
  guint               rec_stride;   /* a multiple of 4 */
  gint32             *rec_slot;
  /* regression histograms: per distinct value, (weight << 32) + rows, and the sum of w * y */
  struct HistBin { guint64 cw; double s; } *hbin;

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
  KilnTreeArena      *arena;        /* for the trees' arrays, or NULL */
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
    {
      ws->sr = g_new0 (SampleR, n);
      ws->node_wy = g_new (double, n);
      ws->node_wc = g_new (guint64, n);
    }
  ws->features = g_new (guint32, data->n_features);
  ws->keys = g_new (guint64, n);
  ws->keys_tmp = g_new (guint64, n);
  ws->hist_bins = MIN (data->max_distinct, HIST_MAX_BINS);
  if (params->task == KILN_TASK_CLASSIFICATION)
    {
      ws->hcount = g_new0 (guint32, ws->hist_bins);
      ws->hsum = g_new0 (double, (gsize) ws->hist_bins * ws->n_out);
    }
  else
    ws->hbin = g_new0 (struct HistBin, ws->hist_bins);
  ws->left = g_new0 (double, ws->stat_width);
  ws->node_stats = g_new0 (double, ws->stat_width);
  ws->child_stats = g_new0 (double, 2 * ws->stat_width);
  ws->importances = g_new0 (double, data->n_features);
  if (data->n_binary > 0)
    {
      ws->pbits = g_new (guint32, (gsize) n * data->bin_words);
      ws->bin_active = g_new (guint32, data->n_binary);
      ws->bin_nleft = g_new (guint32, data->n_binary);
      ws->bin_wleft = g_new (double, data->n_binary);
      ws->bin_sleft = g_new (double, data->n_binary);
    }
  ws->goes_left = g_new (guint8, n);
  ws->list_slot = g_new (gint32, data->n_features);
  for (guint f = 0; f < data->n_features; f++)
    {
      /* two-valued regression features have their own path; 1 GiB of lists at most. (Not for
       * classification: with many classes, nodes sort only when small, and keeping the lists
       * costs more than sorting: a tree on letter took 1.5x as long.) */
      gboolean sortable = data->n_distinct[f] > 1
                          && !(data->binary_slot != NULL && data->binary_slot[f] >= 0);

      ws->list_slot[f] = -1;
      if (params->task == KILN_TASK_REGRESSION && params->max_features == data->n_features
          && sortable && ws->n_lists < 64
          && (gsize) (ws->n_lists + 1) * n * sizeof (guint64) <= ((gsize) 1 << 30))
        ws->list_slot[f] = (gint32) ws->n_lists++;
    }
  if (ws->n_lists > 0)
    {
      guint n_rec = 0;

      ws->lists = g_new (guint64, (gsize) ws->n_lists * n);
      ws->orig = g_new (guint32, n);
      ws->newpos = g_new (guint32, n);
      ws->rec_slot = g_new (gint32, data->n_features);
      for (guint f = 0; f < data->n_features; f++)
        {
          ws->rec_slot[f] = -1;
          if (data->n_distinct[f] > 1 && data->n_distinct[f] <= 65536
              && !(data->binary_slot != NULL && data->binary_slot[f] >= 0))
            ws->rec_slot[f] = (gint32) n_rec++;
        }
      ws->rec_stride = (n_rec + 3) & ~3u;
      if (n_rec > 0 && (gsize) ws->rec_stride * n * sizeof (guint16) <= ((gsize) 1 << 30))
        ws->prk = (guint16 *) (gpointer) g_new0 (guint64, (gsize) ws->rec_stride / 4 * n);
      else
        {
          for (guint f = 0; f < data->n_features; f++)
            ws->rec_slot[f] = -1;
          ws->rec_stride = 0;
        }
    }

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
  g_free (ws->left);
  g_free (ws->node_stats);
  g_free (ws->child_stats);
  g_free (ws->importances);
  g_free (ws->pbits);
  g_free (ws->bin_active);
  g_free (ws->bin_nleft);
  g_free (ws->bin_wleft);
  g_free (ws->bin_sleft);
  g_free (ws->node_wy);
  g_free (ws->node_wc);
  g_free (ws->goes_left);
  g_free (ws->list_slot);
  g_free (ws->lists);
  g_free (ws->orig);
  g_free (ws->newpos);
  g_free (ws->prk);
  g_free (ws->rec_slot);
  g_free (ws->hbin);
  g_free (ws->stack);
  g_free (ws->stack_stats);
  g_free (ws->feature);
  g_free (ws->threshold);
  g_free (ws->lchild);
  g_free (ws->rchild);
  g_free (ws->value);
  g_free (ws);
}

void
_kiln_tree_workspace_set_arena (KilnTreeWorkspace *ws,
                                KilnTreeArena     *arena)
{
  ws->arena = arena;
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
  double  bar;        /* see split_consider(); -1: no shortcut */
  gint32  feature;    /* -1: none found */
  guint32 rank_left;  /* the last distinct value going left */
  guint32 rank_right; /* the first going right */
} Split;

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
            insertion_sort_hi (keys, n);
          else
            {
              guint64 *sorted = radix_sort_hi (keys, ws->keys_tmp, n, n_distinct - 1);
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

/* Nodes of this many rows or fewer (regression) take split_tiny(). */
#define TINY_NODE 3

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
  insertion_sort_hi (keys, n);
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

/* ---- Arena --------------------------------------------------------------------------------- */

/* The first chunk is 1 MiB, for small forests; the next ones 8 MiB, in huge pages (see
 * kiln_alloc_large()). */
#define ARENA_FIRST ((gsize) 1 << 20)
#define ARENA_CHUNK ((gsize) 8 << 20)

void
_kiln_tree_arena_init (KilnTreeArena *arena)
{
  arena->chunks = g_ptr_array_new_with_free_func (g_free);
  arena->at = NULL;
  arena->left = 0;
}

void
_kiln_tree_arena_clear (KilnTreeArena *arena)
{
  g_clear_pointer (&arena->chunks, g_ptr_array_unref);
  arena->at = NULL;
  arena->left = 0;
}

void
_kiln_tree_arena_take (KilnTreeArena *to,
                       KilnTreeArena *from)
{
  for (guint i = 0; i < from->chunks->len; i++)
    g_ptr_array_add (to->chunks, g_ptr_array_index (from->chunks, i));
  g_ptr_array_set_free_func (from->chunks, NULL);
  _kiln_tree_arena_clear (from);
}

/* @n_bytes from @arena (16-byte aligned), or from g_malloc() without one. */
static gpointer
tree_alloc (KilnTreeArena *arena,
            gsize          n_bytes)
{
  gpointer mem;

  if (arena == NULL)
    return g_malloc (n_bytes);
  n_bytes = (MAX (n_bytes, 1) + 15) & ~(gsize) 15;
  if (n_bytes > arena->left)
    {
      gsize size = MAX (arena->chunks->len == 0 ? ARENA_FIRST : ARENA_CHUNK, n_bytes);

      arena->at = kiln_alloc_large (size);
      arena->left = size;
      g_ptr_array_add (arena->chunks, arena->at);
    }
  mem = arena->at;
  arena->at += n_bytes;
  arena->left -= n_bytes;
  return mem;
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

/* Moves the node's rows [start, end) that go left (rank <= @rank_left for feature @f) before
 * the others, as the quicksort partition that scikit-learn's splitter also uses: scanning from
 * the start, a row going right is swapped with the last unscanned one. The order this leaves
 * decides the order of every later sum, so it is kept exactly. With sorted lists, also records
 * where each position went (newpos). Returns the first position going right. */
static guint32
partition (KilnTreeWorkspace *ws,
           guint32            start,
           guint32            end,
           guint              f,
           guint32            rank_left)
{
  const KilnTreeData *data = ws->data;
  const guint8 *rank = data->rank_data + data->rank_offset[f];
  const guint32 *samples = ws->samples;
  guint8 *left = ws->goes_left;
  guint32 *orig = ws->node_sorted != 0 ? ws->orig : NULL;
  guint W = data->bin_words;
  guint32 i = start, j = end;

  gint32 rs = ws->prk != NULL ? ws->rec_slot[f] : -1;
  guint R = ws->rec_stride;

  if (ws->pbits != NULL && data->binary_slot[f] >= 0)
    {
      /* a two-valued feature: the bit of the lower value */
      guint slot = (guint) data->binary_slot[f];
      const guint32 *b = ws->pbits + slot / 32;
      for (guint32 p = start; p < end; p++)
        left[p] = (b[(gsize) p * W] >> (slot % 32)) & 1;
    }
  else
    {
      guint width = data->rank_width[f];
      FOR_NODE_RANKS ({
        left[p] = r <= rank_left;
      })
    }
  if (orig != NULL)
    for (guint32 p = start; p < end; p++)
      orig[p] = p;

  while (i < j)
    {
      if (left[i])
        {
          i++;
          continue;
        }
      j--;
#define SWAP_(T, A) { T t_ = (A)[i]; (A)[i] = (A)[j]; (A)[j] = t_; }
      SWAP_ (guint32, ws->samples)
      SWAP_ (guint8, left)
      if (ws->sc != NULL)
        SWAP_ (SampleC, ws->sc)
      else
        SWAP_ (SampleR, ws->sr)
      if (orig != NULL)
        SWAP_ (guint32, orig)
#undef SWAP_
      for (guint w = 0; w < W && ws->pbits != NULL; w++)
        {
          guint32 *bi = ws->pbits + (gsize) i * W + w, *bj = ws->pbits + (gsize) j * W + w;
          guint32 t = *bj;
          *bj = *bi;
          *bi = t;
        }
      for (guint w = 0; w < R; w += 4)
        {
          guint64 *ri = (guint64 *) (gpointer) (ws->prk + (gsize) i * R + w);
          guint64 *rj = (guint64 *) (gpointer) (ws->prk + (gsize) j * R + w);
          guint64 t = *rj;
          *rj = *ri;
          *ri = t;
        }
    }
  if (orig != NULL)
    for (guint32 p = start; p < end; p++)
      ws->newpos[orig[p]] = p;
  return i;
}

/* Splits the node's sorted lists between its children [start, mid) and [mid, end) after
 * partition(): each key keeps its place in the rank order and takes its row's new position, so
 * only rows of equal rank can be out of order, which a pass of insertion sort puts right (the
 * order within a rank is the order of positions, as a sort of the child's keys would give). */
static void
split_lists (KilnTreeWorkspace *ws,
             guint32            start,
             guint32            mid,
             guint32            end,
             gboolean           sort_left,
             gboolean           sort_right)
{
  const guint32 *newpos = ws->newpos;
  guint64 *tmp = ws->keys_tmp;
  guint32 n = end - start;

  for (guint slot = 0; slot < ws->n_lists; slot++)
    {
      guint64 *keys = ws->lists + (gsize) slot * ws->data->n_rows + start;
      guint32 nl = 0, nr = 0;

      if (!(ws->node_sorted & (G_GUINT64_CONSTANT (1) << slot)))
        continue;
      for (guint32 k = 0; k < n; k++)
        {
          guint64 key = keys[k];
          guint32 q = newpos[(guint32) key];
          guint64 moved = (key & ~(guint64) G_MAXUINT32) | q;
          gboolean go_left = q < mid;

          /* branch-free: write to both, advance one */
          keys[nl] = moved;
          tmp[nr] = moved;
          nl += go_left;
          nr += !go_left;
        }
      memcpy (keys + nl, tmp, nr * sizeof (guint64));
      if (sort_left)
        insertion_sort (keys, nl);
      if (sort_right)
        insertion_sort (keys + nl, nr);
    }
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
      if (ws->prk != NULL)
        for (guint f = 0; f < data->n_features; f++)
          if (ws->rec_slot[f] >= 0)
            ws->prk[(gsize) n_active * ws->rec_stride + ws->rec_slot[f]] =
              (guint16) rank_of (data, f, i);
      if (ws->pbits != NULL)
        memcpy (ws->pbits + (gsize) n_active * data->bin_words,
                data->row_bits + (gsize) i * data->bin_words, data->bin_words * sizeof (guint32));
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
        guint32 mid;
        double thr;
        StackEntry l = { 0, }, r = { 0, };
        double *lstats = ws->child_stats, *rstats = ws->child_stats + ws->stat_width;

        mid = partition (ws, e.start, e.end, best.feature, best.rank_left);

        thr = ((double) values[best.rank_left] + (double) values[best.rank_right]) / 2.0;
        if (thr == (double) values[best.rank_right] || isinf (thr))
          thr = values[best.rank_left];
        ws->feature[node] = best.feature;
        ws->threshold[node] = thr;
        ws->lchild[node] = -1;
        ws->rchild[node] = -1;

        l.start = e.start;
        l.end = mid;
        r.start = mid;
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
        if (ws->node_sorted != 0)
          {
            /* the children that will search splits without split_tiny() */
            guint32 tiny = ws->sr != NULL ? TINY_NODE : 1;
            gboolean l_grows = !((max_depth > 0 && l.depth >= max_depth) || mid - l.start <= tiny
                                 || mid - l.start < 2 * msl || l.pure);
            gboolean r_grows = !((max_depth > 0 && r.depth >= max_depth) || r.end - mid <= tiny
                                 || r.end - mid < 2 * msl || r.pure);

            if (l_grows || r_grows)
              split_lists (ws, e.start, mid, e.end, l_grows, r_grows);
            l.sorted = l_grows ? ws->node_sorted : 0;
            r.sorted = r_grows ? ws->node_sorted : 0;
          }
        /* right first, so the left child is grown (and numbered) first */
        stack_push (ws, &r, rstats);
        stack_push (ws, &l, lstats);
      }
    }

  out->n_nodes = ws->n_nodes;
  out->n_leaves = ws->n_leaves;
  out->n_outputs = ws->n_out;
  out->in_arena = ws->arena != NULL;
  out->node = tree_alloc (ws->arena, ws->n_nodes * sizeof (KilnTreeNode));
  for (guint i = 0; i < ws->n_nodes; i++)
    {
      KilnTreeNode *node = &out->node[i];

      node->feature = ws->feature[i];
      if (node->feature >= 0)
        {
          /* the left child is grown, and numbered, right after its parent */
          g_assert (ws->lchild[i] == (gint32) i + 1);
          node->right = ws->rchild[i];
          node->threshold = ws->threshold[i];
        }
      else
        {
          node->right = ws->lchild[i];
          node->value = data->task == KILN_TASK_REGRESSION ? ws->value[ws->lchild[i]] : 0.0;
        }
    }
  if (data->task == KILN_TASK_CLASSIFICATION)
    {
      gsize nnz = 0, at = 0;

      for (gsize e = 0; e < (gsize) ws->n_leaves * ws->n_out; e++)
        nnz += ws->value[e] != 0.0;
      out->value = tree_alloc (ws->arena, MAX (nnz, 1) * sizeof (double));
      out->value_class = tree_alloc (ws->arena, MAX (nnz, 1) * sizeof (gint32));
      out->leaf_start = tree_alloc (ws->arena, (ws->n_leaves + 1) * sizeof (gint32));
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
  if (importances != NULL)
    for (guint f = 0; f < data->n_features; f++)
      importances[f] = ws->importances[f] / root_weight;
  return TRUE;
}

/* ---- Nodes --------------------------------------------------------------------------------- */

void
_kiln_tree_nodes_clear (KilnTreeNodes *nodes)
{
  if (nodes == NULL)
    return;
  if (nodes->in_arena)
    {
      /* the arena frees them */
      nodes->node = NULL;
      nodes->value = NULL;
      nodes->value_class = NULL;
      nodes->leaf_start = NULL;
      nodes->in_arena = FALSE;
    }
  g_clear_pointer (&nodes->node, g_free);
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
  guint n = nodes->n_nodes;
  g_autofree gint32 *ints = g_new (gint32, MAX (n, 1));
  g_autofree double *doubles = g_new (double, MAX (MAX (n, nodes->n_leaves), 1));

  /* leaves as {"feature": -1, "threshold": 0, "left": leaf index, "right": -1} */
  for (guint i = 0; i < n; i++)
    ints[i] = nodes->node[i].feature;
  _kiln_json_add_ints (builder, "feature", ints, n);
  for (guint i = 0; i < n; i++)
    doubles[i] = nodes->node[i].feature >= 0 ? nodes->node[i].threshold : 0.0;
  _kiln_json_add_doubles (builder, "threshold", doubles, n);
  for (guint i = 0; i < n; i++)
    ints[i] = nodes->node[i].feature >= 0 ? (gint32) i + 1 : nodes->node[i].right;
  _kiln_json_add_ints (builder, "left", ints, n);
  for (guint i = 0; i < n; i++)
    ints[i] = nodes->node[i].feature >= 0 ? nodes->node[i].right : -1;
  _kiln_json_add_ints (builder, "right", ints, n);
  if (nodes->leaf_start == NULL)
    {
      for (guint i = 0; i < n; i++)
        if (nodes->node[i].feature < 0)
          doubles[nodes->node[i].right] = nodes->node[i].value;
      _kiln_json_add_doubles (builder, "value", doubles, nodes->n_leaves);
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
  g_autofree gint32 *feature = NULL;
  g_autofree double *threshold = NULL;
  g_autofree gint32 *left = NULL;
  g_autofree gint32 *right = NULL;
  g_autofree double *leaf_value = NULL;

  g_return_val_if_fail (nodes != NULL && object != NULL, FALSE);

  memset (nodes, 0, sizeof *nodes);
  n_nodes = _kiln_json_get_array_length (object, "feature", error);
  if (n_nodes < 0)
    return FALSE;
  if (n_nodes == 0 || n_nodes > G_MAXINT32)
    return format_error (error, _("it has no nodes"));

  nodes->n_nodes = (guint) n_nodes;
  nodes->n_outputs = n_outputs;
  feature = g_new (gint32, n_nodes);
  threshold = g_new (double, n_nodes);
  left = g_new (gint32, n_nodes);
  right = g_new (gint32, n_nodes);
  if (!_kiln_json_get_ints (object, "feature", feature, n_nodes, error)
      || !_kiln_json_get_doubles (object, "threshold", threshold, n_nodes, error)
      || !_kiln_json_get_ints (object, "left", left, n_nodes, error)
      || !_kiln_json_get_ints (object, "right", right, n_nodes, error))
    goto fail;

  /* Children always come after their parent, so walking down ends at a leaf; a left child comes
   * right after its parent, as trees are grown (and as KilnTreeNode relies on). */
  for (guint i = 0; i < nodes->n_nodes; i++)
    {
      gint32 f = feature[i];

      if (f == -1)
        {
          if (left[i] != (gint32) n_leaves)
            {
              format_error (error, _("the leaves are out of order"));
              goto fail;
            }
          n_leaves++;
        }
      else if (f < 0 || (guint) f >= n_features
               || left[i] != (gint32) i + 1 || left[i] >= n_nodes
               || right[i] <= (gint32) i || right[i] >= n_nodes)
        {
          format_error (error, _("a node points outside the tree"));
          goto fail;
        }
    }
  nodes->n_leaves = n_leaves;

  if (n_outputs == 1)
    {
      leaf_value = g_new (double, MAX (n_leaves, 1));
      if (!_kiln_json_get_doubles (object, "value", leaf_value, n_leaves, error))
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
  nodes->node = g_new (KilnTreeNode, nodes->n_nodes);
  for (guint i = 0; i < nodes->n_nodes; i++)
    {
      KilnTreeNode *node = &nodes->node[i];

      node->feature = feature[i];
      if (feature[i] >= 0)
        {
          node->right = right[i];
          node->threshold = threshold[i];
        }
      else
        {
          node->right = left[i];
          node->value = leaf_value != NULL ? leaf_value[left[i]] : 0.0;
        }
    }
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
  /* kiln_model_fit() has checked the rows, features and target (kiln_dataset_check()). */
  if (train->n_rows > G_MAXINT32 / 2)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("Too many rows (%u) for a tree."), train->n_rows);
      return FALSE;
    }
  return TRUE;
}
