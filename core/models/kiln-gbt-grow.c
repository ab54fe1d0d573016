/* kiln-gbt-grow.c: growing one boosted tree from gradient histograms.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Leaf-wise (best-first) growth, as LightGBM and scikit-learn's HistGradientBoosting: the leaf
 * whose best split gains most is split next, until max_leaves leaves, or no leaf can be split
 * (max_depth, min_samples_leaf, min_hessian, no positive gain). The gain of a split is
 *   G_L^2 / (H_L + l2) + G_R^2 / (H_R + l2) - G^2 / (H + l2)
 * and a leaf's value is -G / (H + l2) times the learning rate, with G and H the sums of the
 * leaf's gradients and hessians (from the integer sums: g to about 40 significant bits). Ties go to the lower leaf, feature and bin, so the tree does not
 * depend on anything but the data and the rows and features drawn.
 *
 * The rows of each leaf are one segment of `idx`, kept in ascending order (a split partitions its
 * segment stably), so reading a leaf's bins and gradients walks memory forward. A leaf's
 * histogram holds, per feature and bin, the packed sums of its rows (kiln-gbt-private.h); after a
 * split only the smaller child's histogram is built from its rows, the larger one's is the
 * parent's minus it (exact in integers). Large histograms and partitions are shared between the
 * threads of a KilnParallelTeam by chunks of rows, their integer sums added afterwards, so the result is
 * the same for any number of threads.
 *
 * Numeric splits scan the bins left to right twice: with the missing values' bin on the right,
 * then on the left; when the leaf has no missing values, they follow the larger child at
 * prediction. Categorical splits sort the categories by G / (H + CAT_SMOOTH) and try every
 * prefix of that order on the left (Fisher's grouping, as LightGBM and scikit-learn do: the best
 * split of a sorted order is one of its prefixes); categories with fewer than CAT_MIN_ROWS rows in
 * the leaf are not ranked and go right; the missing bin is ranked like a category, and when the
 * leaf has no missing values they follow the larger child.
 */
#define G_LOG_DOMAIN "kiln-gbt"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-gbt-grow-private.h"
#include "kiln-memory.h"

/* Below this many (row x feature) updates a histogram is built by one thread. */
#define PAR_HIST_MIN   (1u << 17)
/* Below this many rows a partition is done by one thread. */
#define PAR_PART_MIN   (1u << 16)
#define PREFETCH       16

/* ---- Buffers ---------------------------------------------------------------------------------- */

GbtGrower *
_kiln_gbt_grower_new (const GbtBins       *bins,
                      const GbtGrowParams *params)
{
  GbtGrower *grower = g_new0 (GbtGrower, 1);
  gsize n = MAX (bins->n_rows, 1);

  grower->bins = bins;
  grower->params = *params;
  grower->params.max_leaves = MAX (params->max_leaves, 2);
  grower->params.min_samples_leaf = MAX (params->min_samples_leaf, 1);
  grower->idx[0] = kiln_alloc_large (n * sizeof (guint32));
  grower->idx[1] = kiln_alloc_large (n * sizeof (guint32));
  grower->gh = kiln_alloc_large (n * sizeof (GbtCell));
  grower->leaves = g_new0 (Leaf, grower->params.max_leaves);
  grower->free_hists = g_ptr_array_new ();
  grower->all_hists = g_ptr_array_new_with_free_func (g_aligned_free);
  grower->feat = g_new (guint, MAX (bins->n_features, 1));
  grower->feat_off = g_new (guint, MAX (bins->n_features, 1));
  grower->nodes = g_array_new (FALSE, FALSE, sizeof (GbtNode));
  grower->gains = g_array_new (FALSE, FALSE, sizeof (float));
  grower->covers = g_array_new (FALSE, FALSE, sizeof (guint32));
  grower->cat_bits = g_array_new (FALSE, TRUE, sizeof (guint32));   /* cleared as it grows */
  return grower;
}

void
_kiln_gbt_grower_free (GbtGrower *grower)
{
  if (grower == NULL)
    return;
  g_free (grower->idx[0]);
  g_free (grower->idx[1]);
  g_free (grower->scratch);
  g_free (grower->gh);
  g_free (grower->leaves);
  g_ptr_array_unref (grower->free_hists);
  g_ptr_array_unref (grower->all_hists);
  for (guint c = 0; c < MAX_CHUNKS; c++)
    g_aligned_free (grower->chunk_hist[c]);
  g_free (grower->feat);
  g_free (grower->feat_off);
  g_array_unref (grower->nodes);
  g_array_unref (grower->gains);
  g_array_unref (grower->covers);
  g_array_unref (grower->cat_bits);
  g_free (grower);
}

static GbtCell *
hist_alloc (GbtGrower *grower)
{
  GbtCell *h;

  if (grower->free_hists->len > 0)
    return g_ptr_array_steal_index_fast (grower->free_hists, grower->free_hists->len - 1);
  h = g_aligned_alloc (MAX (grower->bins->n_cells, 1), sizeof (GbtCell), 64);
  g_ptr_array_add (grower->all_hists, h);
  return h;
}

static void
hist_release (GbtGrower *grower,
              Leaf      *leaf)
{
  if (leaf->hist != NULL)
    g_ptr_array_add (grower->free_hists, leaf->hist);
  leaf->hist = NULL;
}

/* ---- Histograms ------------------------------------------------------------------------------- */

/* Adds each row's packed gradient to the cell of its bin, for every active feature. */
static inline void
hist_rows (const GbtGrower *grower,
           GbtCell         *restrict hist,
           const guint32   *rows,
           guint            n)
{
  const GbtCell *gh = grower->gh;
  const guint8 *bins = grower->bins->bins;
  gsize stride = grower->bins->stride;
  const guint *feat = grower->feat, *off = grower->feat_off;
  guint nf = grower->n_feat;

  if (grower->all_features)
    {
      for (guint i = 0; i < n; i++)
        {
          guint32 r = rows[i];
          const guint8 *b = bins + (gsize) r * stride;
          GbtCell v = gh[r];
          guint k = 0;

          if (i + PREFETCH < n)
            {
              __builtin_prefetch (bins + (gsize) rows[i + PREFETCH] * stride);
              __builtin_prefetch (gh + rows[i + PREFETCH]);
            }
          for (; k + 4 <= nf; k += 4)
            {
              hist[off[k] + b[k]] += v;
              hist[off[k + 1] + b[k + 1]] += v;
              hist[off[k + 2] + b[k + 2]] += v;
              hist[off[k + 3] + b[k + 3]] += v;
            }
          for (; k < nf; k++)
            hist[off[k] + b[k]] += v;
        }
    }
  else
    {
      for (guint i = 0; i < n; i++)
        {
          guint32 r = rows[i];
          const guint8 *b = bins + (gsize) r * stride;
          GbtCell v = gh[r];

          if (i + PREFETCH < n)
            {
              __builtin_prefetch (bins + (gsize) rows[i + PREFETCH] * stride);
              __builtin_prefetch (gh + rows[i + PREFETCH]);
            }
          for (guint k = 0; k < nf; k++)
            hist[off[k] + b[feat[k]]] += v;
        }
    }
}

static void
hist_clear (const GbtGrower *grower,
            GbtCell         *hist)
{
  if (grower->all_features)
    memset (hist, 0, grower->bins->n_cells * sizeof (GbtCell));
  else
    for (guint k = 0; k < grower->n_feat; k++)
      memset (hist + grower->feat_off[k], 0,
              (grower->bins->n_bins[grower->feat[k]] + 1) * sizeof (GbtCell));
}

typedef struct {
  GbtGrower     *grower;
  const guint32 *rows;
  guint          n;
  guint          n_chunks;
  GbtCell       *dest;
} HistJob;

static gboolean
hist_task (guint    task,
            guint    thread,
            gpointer data)
{
  HistJob *job = data;
  GbtGrower *grower = job->grower;
  guint lo = (guint) ((guint64) job->n * task / job->n_chunks);
  guint hi = (guint) ((guint64) job->n * (task + 1) / job->n_chunks);
  GbtCell *h = task == 0 ? job->dest : grower->chunk_hist[task];

  hist_clear (grower, h);
  hist_rows (grower, h, job->rows + lo, hi - lo);
  return TRUE;
}

static void
hist_build (GbtGrower     *grower,
            GbtCell       *dest,
            const guint32 *rows,
            guint          n,
            KilnParallelTeam      *team)
{
  guint n_threads = kiln_parallel_team_get_n_threads (team);
  HistJob job = { grower, rows, n, 1, dest };

  if (n_threads > 1 && (guint64) n * grower->n_feat >= PAR_HIST_MIN)
    job.n_chunks = MIN (n_threads, MAX_CHUNKS);
  for (guint c = 1; c < job.n_chunks; c++)
    if (grower->chunk_hist[c] == NULL)
      grower->chunk_hist[c] = g_aligned_alloc (MAX (grower->bins->n_cells, 1), sizeof (GbtCell), 64);
  kiln_parallel_team_run (job.n_chunks > 1 ? team : NULL, job.n_chunks, hist_task, &job);

  /* integer sums: the same histogram whatever the number of chunks */
  for (guint c = 1; c < job.n_chunks; c++)
    for (guint k = 0; k < grower->n_feat; k++)
      {
        guint off = grower->feat_off[k], end = off + grower->bins->n_bins[grower->feat[k]] + 1;
        const GbtCell *src = grower->chunk_hist[c];

        for (guint j = off; j < end; j++)
          dest[j] += src[j];
      }
}

/* parent -= child, over the active features: the parent's buffer becomes the sibling's. */
static void
hist_subtract (const GbtGrower *grower,
               GbtCell         *parent,
               const GbtCell   *child)
{
  for (guint k = 0; k < grower->n_feat; k++)
    {
      guint off = grower->feat_off[k], end = off + grower->bins->n_bins[grower->feat[k]] + 1;

      for (guint j = off; j < end; j++)
        parent[j] -= child[j];
    }
}

/* ---- Partition -------------------------------------------------------------------------------- */

typedef struct {
  GbtGrower     *grower;
  const guint32 *rows;
  guint32       *out;
  guint32       *scratch;            /* shared partitions: each chunk's right rows */
  guint          n;
  guint          n_left;
  guint          n_chunks;
  guint          feature;
  const guint8  *goes_left;          /* per bin */
  guint          chunk_left[MAX_CHUNKS];
} PartJob;

static inline void
chunk_bounds (guint  n,
              guint  n_chunks,
              guint  c,
              guint *lo,
              guint *hi)
{
  *lo = (guint) ((guint64) n * c / n_chunks);
  *hi = (guint) ((guint64) n * (c + 1) / n_chunks);
}

/* The chunk's rows in one pass: the left ones to out from the chunk's start, the right ones to
 * scratch from the same place (one chunk alone: straight to out after the n_left left rows). */
static gboolean
part_task (guint    task,
            guint    thread,
            gpointer data)
{
  PartJob *job = data;
  const guint8 *restrict col = job->grower->bins->bins + job->feature;
  const guint8 *restrict goes_left = job->goes_left;
  gsize stride = job->grower->bins->stride;
  const guint32 *restrict rows = job->rows;
  guint32 *restrict out = job->out, *restrict right_out;
  guint lo, hi, l, r = 0;

  chunk_bounds (job->n, job->n_chunks, task, &lo, &hi);
  l = lo;
  if (job->n_chunks == 1)
    {
      guint n_left = job->n_left;

      /* the slot chosen without a branch: the rows' sides come in no order, and a mispredicted
       * branch per row was most of the partition's time */
      for (guint i = lo; i < hi; i++)
        {
          guint32 row = rows[i];
          guint go = goes_left[col[(gsize) row * stride]];
          guint mask = 0u - go, right_slot = n_left + r;

          out[((l ^ right_slot) & mask) ^ right_slot] = row;
          l += go;
          r += 1 - go;
        }
    }
  else
    {
      /* both written, one kept: l never passes i, so the chunk's own part of out is enough */
      right_out = job->scratch + lo;
      for (guint i = lo; i < hi; i++)
        {
          guint32 row = rows[i];
          guint go = goes_left[col[(gsize) row * stride]];

          out[l] = row;
          right_out[r] = row;
          l += go;
          r += 1 - go;
        }
    }
  job->chunk_left[task] = l - lo;
  return TRUE;
}

/* Stable partition of @leaf's rows by its split into the other buffer, the left ones first;
 * returns the number going left (known beforehand from the split's sums). */
static guint
partition (GbtGrower *grower,
           Leaf      *leaf,
           KilnParallelTeam  *team)
{
  const Split *s = &leaf->split;
  guint f = (guint) s->feature;
  guint n_bins = grower->bins->n_bins[f];
  guint8 goes_left[GBT_MAX_BINS + 1];
  PartJob job;
  guint n_threads = kiln_parallel_team_get_n_threads (team), left = 0, right;

  for (guint b = 0; b <= n_bins; b++)
    {
      if (b == n_bins)
        goes_left[b] = s->default_left ? 1 : 0;
      else if (s->categorical)
        goes_left[b] = (s->left_bins[b / 32] >> (b % 32)) & 1;
      else
        goes_left[b] = b <= s->bin;
    }

  job.grower = grower;
  job.rows = grower->idx[leaf->buf] + leaf->start;
  job.out = grower->idx[1 - leaf->buf] + leaf->start;
  job.n = leaf->count;
  job.n_left = (guint) ((guint64) s->left_sum[1] & ((G_GUINT64_CONSTANT (1) << grower->cbits) - 1));
  job.feature = f;
  job.goes_left = goes_left;
  job.n_chunks = n_threads > 1 && leaf->count >= PAR_PART_MIN ? MIN (n_threads, MAX_CHUNKS) : 1;
  if (job.n_chunks > 1 && grower->scratch == NULL)
    grower->scratch = kiln_alloc_large ((gsize) MAX (grower->bins->n_rows, 1) * sizeof (guint32));
  job.scratch = grower->scratch;
  kiln_parallel_team_run (job.n_chunks > 1 ? team : NULL, job.n_chunks, part_task, &job);

  /* chunks after the first: their left rows down after the earlier ones', their right rows from
   * scratch after all the left ones */
  left = job.chunk_left[0];
  for (guint c = 1; c < job.n_chunks; c++)
    {
      guint lo, hi;

      chunk_bounds (job.n, job.n_chunks, c, &lo, &hi);
      memmove (job.out + left, job.out + lo, job.chunk_left[c] * sizeof (guint32));
      left += job.chunk_left[c];
    }
  /* the rows went where the histogram said they would */
  g_assert (left == job.n_left);
  right = job.n_left;
  for (guint c = 0; c < job.n_chunks && job.n_chunks > 1; c++)
    {
      guint lo, hi, n_right;

      chunk_bounds (job.n, job.n_chunks, c, &lo, &hi);
      n_right = hi - lo - job.chunk_left[c];
      memcpy (job.out + right, job.scratch + lo, n_right * sizeof (guint32));
      right += n_right;
    }
  return job.n_left;
}

/* ---- Gradients -------------------------------------------------------------------------------- */

typedef struct {
  GbtGrower *grower;
  guint      n_chunks;
  double     g_scale;
  double     h_scale;
  GbtCell    sum[MAX_CHUNKS];
} QuantJob;

/* Rounds to the nearest integer (halves away from zero); |x| < 2^62. Without a branch: the
 * gradients' signs come in no order, and a mispredicted branch per row cost more than the rest
 * of packing it. */
static inline gint64
round_i64 (double x)
{
  return (gint64) (x + copysign (0.5, x));
}

static gboolean
pack_task (guint    task,
            guint    thread,
            gpointer data)
{
  QuantJob *job = data;
  GbtGrower *grower = job->grower;
  const GbtGrowInput *in = grower->input;
  guint lo = (guint) ((guint64) in->n_rows * task / job->n_chunks);
  guint hi = (guint) ((guint64) in->n_rows * (task + 1) / job->n_chunks);
  double gs = job->g_scale, hs = job->h_scale;
  guint cbits = grower->cbits;
  GbtCell sum = { 0, 0 };

  if (in->h == NULL)
    {
      gint64 one = (G_GINT64_CONSTANT (1) << cbits) | 1;

      for (guint i = lo; i < hi; i++)
        {
          guint32 row = in->rows[i];
          GbtCell c = { round_i64 (in->g[row] * gs), one };

          grower->gh[row] = c;
          sum += c;
        }
    }
  else
    for (guint i = lo; i < hi; i++)
      {
        guint32 row = in->rows[i];
        GbtCell c = { round_i64 (in->g[row] * gs), (round_i64 (in->h[row] * hs) << cbits) | 1 };

        grower->gh[row] = c;
        sum += c;
      }
  job->sum[task] = sum;
  return TRUE;
}

/* Packs the used rows' gradients as 64-bit fixed point (see kiln-gbt-private.h); returns their
 * sum. */
static GbtCell
quantize (GbtGrower *grower,
          KilnParallelTeam  *team)
{
  const GbtGrowInput *in = grower->input;
  QuantJob job = { 0, };
  guint n_threads = kiln_parallel_team_get_n_threads (team);
  guint g_bits, h_bits;
  GbtCell sum = { 0, 0 };

  /* counts up to n_rows fit in cbits bits; n_rows * 2^g_bits < 2^62; the hessians' sum, below
   * n_rows * 2^h_bits, fits in the 63 - cbits bits above the count */
  grower->cbits = g_bit_storage (MAX (in->n_rows, 1));
  g_bits = 62 - grower->cbits;
  h_bits = 63 - 2 * grower->cbits;

  job.grower = grower;
  job.n_chunks = n_threads > 1 && in->n_rows >= PAR_PART_MIN ? MIN (n_threads, MAX_CHUNKS) : 1;
  /* every |g| <= g_max: all zero when g_max is */
  job.g_scale = in->g_max > 0.0 ? ldexp (1.0, (int) g_bits) / in->g_max : 1.0;
  job.h_scale = in->h == NULL || !(in->h_max > 0.0) ? 1.0 : ldexp (1.0, (int) h_bits) / in->h_max;
  grower->g_unscale = 1.0 / job.g_scale;
  grower->h_unscale = 1.0 / job.h_scale;
  kiln_parallel_team_run (job.n_chunks > 1 ? team : NULL, job.n_chunks, pack_task, &job);
  for (guint c = 0; c < job.n_chunks; c++)
    sum += job.sum[c];
  return sum;
}

/* ---- Growing ---------------------------------------------------------------------------------- */

static void
set_features (GbtGrower          *grower,
              const GbtGrowInput *input)
{
  const GbtBins *bins = grower->bins;

  grower->n_feat = 0;
  for (guint k = 0; k < input->n_features; k++)
    {
      guint f = input->features[k];

      grower->feat[grower->n_feat] = f;
      grower->feat_off[grower->n_feat] = bins->offset[f];
      grower->n_feat++;
    }
  grower->all_features = grower->n_feat == bins->n_features;
}

/* Turns @leaf's split into an internal node; returns its index. */
static gint32
add_node (GbtGrower *grower,
          Leaf      *leaf,
          guint      new_slot)
{
  const GbtBins *bins = grower->bins;
  const Split *s = &leaf->split;
  guint f = (guint) s->feature;
  GbtNode node;
  float gain = (float) s->gain;
  gint32 index = (gint32) grower->nodes->len;

  node.left = ~(gint32) (leaf - grower->leaves);
  node.right = ~(gint32) new_slot;
  node.info = f | (s->default_left ? GBT_NODE_DEFAULT_LEFT : 0);
  if (!s->categorical)
    node.threshold = s->bin + 1 < bins->n_bins[f] ? bins->edges[f][s->bin] : INFINITY;
  else
    {
      guint n_levels = bins->n_levels[f], n_words = (n_levels + 31) / 32;
      const guint8 *bin_of_code = bins->bin_of_code[f];

      node.info |= GBT_NODE_CATEGORICAL;
      node.cat_start = grower->cat_bits->len;
      g_array_set_size (grower->cat_bits, grower->cat_bits->len + MAX (n_words, 1));
      for (guint code = 0; code < n_levels; code++)
        {
          guint b = bin_of_code[code];
          if ((s->left_bins[b / 32] >> (b % 32)) & 1)
            g_array_index (grower->cat_bits, guint32, node.cat_start + code / 32) |= 1u << (code % 32);
        }
    }
  g_array_append_val (grower->nodes, node);
  g_array_append_val (grower->gains, gain);
  g_array_append_val (grower->covers, leaf->count);
  if (leaf->parent >= 0)
    {
      GbtNode *parent = &g_array_index (grower->nodes, GbtNode, leaf->parent);
      if (leaf->is_left)
        parent->left = index;
      else
        parent->right = index;
    }
  return index;
}

void
_kiln_gbt_grow (GbtGrower          *grower,
                const GbtGrowInput *input,
                KilnParallelTeam           *team,
                GbtTree            *out)
{
  const GbtGrowParams *p = &grower->params;
  Leaf *leaves = grower->leaves;
  GbtCell total;

  g_return_if_fail (input->n_rows > 0 && input->n_rows <= grower->bins->n_rows);

  grower->input = input;
  set_features (grower, input);
  g_array_set_size (grower->nodes, 0);
  g_array_set_size (grower->gains, 0);
  g_array_set_size (grower->covers, 0);
  g_array_set_size (grower->cat_bits, 0);
  for (guint s = 0; s < grower->n_leaves; s++)
    hist_release (grower, &leaves[s]);

  total = quantize (grower, team);
  memcpy (grower->idx[0], input->rows, input->n_rows * sizeof (guint32));
  memset (&leaves[0], 0, sizeof (Leaf));
  leaves[0].count = input->n_rows;
  leaves[0].sum = total;
  leaves[0].parent = -1;
  leaves[0].split.feature = -1;
  grower->n_leaves = 1;
  if (_kiln_gbt_leaf_can_split (grower, &leaves[0]) && grower->n_feat > 0)
    {
      leaves[0].hist = hist_alloc (grower);
      hist_build (grower, leaves[0].hist, grower->idx[0], input->n_rows, team);
      _kiln_gbt_find_split (grower, &leaves[0]);
    }

  while (grower->n_leaves < p->max_leaves)
    {
      gint32 best = -1;
      guint n_left, slot;
      Leaf *parent, *left, *right, *small, *large;
      gboolean last;
      GbtCell *parent_hist;

      for (guint s = 0; s < grower->n_leaves; s++)
        if (leaves[s].split.feature >= 0 && (best < 0 || leaves[s].split.gain > leaves[best].split.gain))
          best = (gint32) s;
      if (best < 0)
        break;

      parent = &leaves[best];
      slot = grower->n_leaves++;
      n_left = partition (grower, parent, team);
      add_node (grower, parent, slot);
      {
        gint32 node = (gint32) grower->nodes->len - 1;
        Leaf l = *parent;

        left = parent;
        right = &leaves[slot];
        parent_hist = l.hist;
        memset (right, 0, sizeof (Leaf));
        left->start = l.start;
        left->buf = right->buf = 1 - l.buf;
        left->count = n_left;
        left->sum = l.split.left_sum;
        right->start = l.start + n_left;
        right->count = l.count - n_left;
        right->sum = l.sum - l.split.left_sum;
        left->depth = right->depth = l.depth + 1;
        left->parent = right->parent = node;
        left->is_left = TRUE;
        right->is_left = FALSE;
        left->hist = right->hist = NULL;
        left->split.feature = right->split.feature = -1;
      }

      /* the last split: its children are never split, so need no histograms */
      last = grower->n_leaves == p->max_leaves;
      if (last || (!_kiln_gbt_leaf_can_split (grower, left) && !_kiln_gbt_leaf_can_split (grower, right)))
        {
          if (parent_hist != NULL)
            g_ptr_array_add (grower->free_hists, parent_hist);
          continue;
        }

      if (left->count <= right->count)
        small = left, large = right;
      else
        small = right, large = left;
      small->hist = hist_alloc (grower);
      hist_build (grower, small->hist, grower->idx[small->buf] + small->start, small->count, team);
      if (p->direct_histograms)
        {
          g_ptr_array_add (grower->free_hists, parent_hist);
          large->hist = hist_alloc (grower);
          hist_build (grower, large->hist, grower->idx[large->buf] + large->start, large->count, team);
        }
      else
        {
          hist_subtract (grower, parent_hist, small->hist);
          large->hist = parent_hist;
        }
      if (_kiln_gbt_leaf_can_split (grower, left))
        _kiln_gbt_find_split (grower, left);
      if (_kiln_gbt_leaf_can_split (grower, right))
        _kiln_gbt_find_split (grower, right);
      if (left->split.feature < 0)
        hist_release (grower, left);
      if (right->split.feature < 0)
        hist_release (grower, right);
    }

  /* the tree; leaf values from the leaves' sums (g to about 40 significant bits) */
  memset (out, 0, sizeof *out);
  out->n_nodes = grower->nodes->len;
  out->n_leaves = grower->n_leaves;
  out->nodes = g_memdup2 (grower->nodes->data, MAX (out->n_nodes, 1) * sizeof (GbtNode));
  out->gain = g_memdup2 (grower->gains->data, MAX (out->n_nodes, 1) * sizeof (float));
  out->n_cat_words = grower->cat_bits->len;
  out->cat_bits = out->n_cat_words > 0
                  ? g_memdup2 (grower->cat_bits->data, out->n_cat_words * sizeof (guint32)) : NULL;
  out->leaf = g_new (double, out->n_leaves);
  out->cover = g_new (guint32, out->n_nodes + out->n_leaves);
  if (out->n_nodes > 0)   /* a tree of one leaf has no node covers (and memcpy no NULL source) */
    memcpy (out->cover, grower->covers->data, out->n_nodes * sizeof (guint32));
  for (guint s = 0; s < grower->n_leaves; s++)
    {
      out->cover[out->n_nodes + s] = leaves[s].count;
      Sums sum = unpack (grower, leaves[s].sum);

      out->leaf[s] = sum.h + p->l2 > 0.0 ? -p->learning_rate * sum.g / (sum.h + p->l2) : 0.0;
    }
}

typedef struct {
  const GbtGrower *grower;
  const GbtTree   *tree;
  double          *pred;
} AddJob;

static gboolean
add_task (guint    task,
          guint    thread,
          gpointer data)
{
  AddJob *job = data;
  const Leaf *leaf = &job->grower->leaves[task];
  const guint32 *rows = job->grower->idx[leaf->buf] + leaf->start;
  double v = job->tree->leaf[task], *pred = job->pred;

  for (guint i = 0; i < leaf->count; i++)
    pred[rows[i]] += v;
  return TRUE;
}

void
_kiln_gbt_grower_add_leaves (GbtGrower        *grower,
                             const GbtTree    *tree,
                             double           *pred,
                             KilnParallelTeam *team)
{
  AddJob job = { grower, tree, pred };

  /* the leaves hold disjoint rows: each is one task */
  if (grower->input == NULL || grower->input->n_rows < PAR_PART_MIN)
    team = NULL;
  kiln_parallel_team_run (team, grower->n_leaves, add_task, &job);
}

void
_kiln_gbt_histogram (GbtGrower          *grower,
                     const GbtGrowInput *input,
                     const guint32      *rows,
                     guint               n_rows,
                     GbtCell            *out)
{
  GbtGrowInput all = *input;
  g_autofree guint *features = g_new (guint, MAX (grower->bins->n_features, 1));

  for (guint f = 0; f < grower->bins->n_features; f++)
    features[f] = f;
  all.features = features;
  all.n_features = grower->bins->n_features;
  grower->input = &all;
  set_features (grower, &all);
  quantize (grower, NULL);
  hist_clear (grower, out);
  hist_rows (grower, out, rows, n_rows);
  grower->input = NULL;
}
