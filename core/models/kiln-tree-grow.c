/* kiln-tree-grow.c: the workspace, the trees' memory, and growing a tree depth first (sklearn's
 * DepthFirstTreeBuilder).
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
#include "kiln-tree-private.h"

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
      if (data->codes != NULL)
        {
          ws->code_need = g_new0 (guint8, data->code_stride);
          ws->level_s = g_new (double, 2 * (gsize) MAX (data->max_levels, 1));
          ws->level_c = g_new (guint64, 2 * (gsize) MAX (data->max_levels, 1));
        }
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
  ws->cover = g_new (guint32, ws->node_cap);
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
  g_free (ws->code_need);
  g_free (ws->level_s);
  g_free (ws->level_c);
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
  g_free (ws->cover);
  g_free (ws->value);
  g_free (ws);
}

void
_kiln_tree_workspace_set_arena (KilnTreeWorkspace *ws,
                                KilnTreeArena     *arena)
{
  ws->arena = arena;
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
      ws->cover = g_renew (guint32, ws->cover, ws->node_cap);
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
        _kiln_tree_insertion_sort (keys, nl);
      if (sort_right)
        _kiln_tree_insertion_sort (keys + nl, nr);
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
  root.weight = _kiln_tree_node_stats (ws, 0, n_active, ws->node_stats, &root.impurity, &root.pure);
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
      /* a sum of draws of at most n_rows rows: an exact integer below 2^31 */
      ws->cover[node] = (guint32) e.weight;
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
          _kiln_tree_find_split (ws, rng, &e, &best, &n_constants);
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
        l.weight = _kiln_tree_node_stats (ws, l.start, l.end, lstats, &l.impurity, &l.pure);
        r.weight = _kiln_tree_node_stats (ws, r.start, r.end, rstats, &r.impurity, &r.pure);
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
  out->cover = tree_alloc (ws->arena, ws->n_nodes * sizeof (guint32));
  memcpy (out->cover, ws->cover, ws->n_nodes * sizeof (guint32));
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

