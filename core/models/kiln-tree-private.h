/* kiln-tree-private.h: what the files of the CART builder share (kiln-tree-data.c,
 * kiln-tree-split.c, kiln-tree-grow.c, kiln-tree-nodes.c); kiln-tree-common.h is what the tree
 * and forest families see.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-model-private.h"
#include "kiln-tree-common.h"

G_BEGIN_DECLS

/* Bins of a per-node histogram: features with more distinct values always sort. */
#define HIST_MAX_BINS  65536
/* How often (in nodes) growing a tree looks at its GCancellable. */
#define CANCEL_EVERY   256
/* Below this many samples a node insertion-sorts instead of radix-sorting. */
#define SMALL_SORT     48

/* Nodes of this many rows or fewer (regression) take split_tiny(). */
#define TINY_NODE 3

/* ---- Sorting (kiln-tree-data.c) ------------------------------------------------------------ */

/* Sorts @keys by their upper 32 bits, which are at most @max_hi, stably; returns the buffer
 * holding the result: @keys or @tmp. */
guint64 *_kiln_tree_radix_sort_hi     (guint64 *keys, guint64 *tmp, gsize n, guint32 max_hi);
/* Sorts @keys by their whole value; fast when they are nearly sorted. */
void     _kiln_tree_insertion_sort    (guint64 *keys, gsize n);
/* Sorts @keys by their upper 32 bits, stably. */
void     _kiln_tree_insertion_sort_hi (guint64 *keys, gsize n);

/* ---- Ranked data (kiln-tree-data.c) ------------------------------------------------------- */

struct _KilnTreeData {
  guint         n_rows;
  guint         n_features;
  KilnTask      task;
  guint         n_classes;
  const gint32 *y_class;
  const double *y_value;
  /* Per feature, per row: the index of the row's value among the feature's distinct values, in
   * 1, 2 or 4 bytes as the number of distinct values allows (small columns stay in cache).
   * Width 0: a one-hot column of the dataset's categorical codes, never stored: its rank is 1
   * when the row's code for categorical feature code_column[f] is code_level[f] (the value 1),
   * else 0 (code_level[f] is KILN_CODE_NONE when the column is constant, so the rank is 0). */
  guint8       *rank_data;
  gsize        *rank_offset;   /* bytes, per feature */
  guint8       *rank_width;    /* 0, 1, 2 or 4, per feature */
  const guint32 *codes;        /* the dataset's, n_rows x code_stride */
  guint         code_stride;   /* its categorical features */
  guint        *code_column;   /* per feature (width 0) */
  guint32      *code_level;    /* per feature (width 0) */
  guint        *code_first;    /* per categorical feature: the feature of its level 0 */
  guint        *code_levels;   /* per categorical feature: its levels */
  guint         max_levels;
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

/* ---- Workspace (kiln-tree-grow.c) ------------------------------------------------------------ */

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
/* Width 0 (a one-hot column of codes): reads data and f of the caller. */
#define FOR_CODE_RANKS_(BODY) \
  { \
    const guint32 *cd_ = data->codes + data->code_column[f]; \
    guint32 lv_ = data->code_level[f]; \
    gsize cs_ = data->code_stride; \
    for (guint32 p = start; p < end; p++) \
      { \
        guint32 r = cd_[samples[p] * cs_] == lv_; \
        BODY \
      } \
  }
#define FOR_RANKS(WIDTH, BASE, BODY) \
  switch (WIDTH) \
    { \
    case 0: FOR_CODE_RANKS_ (BODY) break; \
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
    case 0:
      return data->codes[(gsize) s * data->code_stride + data->code_column[f]] == data->code_level[f];
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
  /* two-valued one-hot columns of codes: per categorical feature whether the node needs it, and
   * per level its sums in the two lanes of binary_stats() (even and odd positions) */
  guint8             *code_need;
  double             *level_s;      /* 2 x max_levels */
  guint64            *level_c;      /* 2 x max_levels */

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
  guint32            *cover;        /* the weight (bootstrap draws) of the rows reaching a node */
  guint               n_nodes, node_cap;
  double             *value;
  guint               n_leaves, leaf_cap;
  KilnTreeArena      *arena;        /* for the trees' arrays, or NULL */
};


/* ---- Split search (kiln-tree-split.c) ------------------------------------------------------- */

typedef struct {
  double  proxy;      /* sklearn's proxy improvement; higher is better */
  double  bar;        /* see split_consider(); -1: no shortcut */
  gint32  feature;    /* -1: none found */
  guint32 rank_left;  /* the last distinct value going left */
  guint32 rank_right; /* the first going right */
} Split;

/* Fills @stats for samples [start, end) and returns the weight; *impurity and *pure as sklearn. */
double   _kiln_tree_node_stats        (KilnTreeWorkspace *ws,
                                       guint32            start,
                                       guint32            end,
                                       double            *stats,
                                       double            *impurity,
                                       gboolean          *pure);
/* sklearn's BestSplitter feature loop for the node @e; the constants found are passed on to the
 * children through *@n_constants_out. */
void     _kiln_tree_find_split        (KilnTreeWorkspace *ws,
                                       KilnRng           *rng,
                                       const StackEntry  *e,
                                       Split             *best,
                                       guint32           *n_constants_out);

G_END_DECLS
