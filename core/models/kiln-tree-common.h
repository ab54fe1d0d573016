/* kiln-tree-common.h: CART trees shared by the tree and forest families (not public API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The builder follows scikit-learn's BestSplitter + DepthFirstTreeBuilder: at each node it draws
 * features in random order (max_features of them that are not constant in the node, as sklearn
 * does), finds the best threshold over the node's sorted feature values by the Gini
 * (classification) or squared-error (regression) criterion, and cuts halfway between two
 * consecutive distinct values.
 *
 * Speed: every feature is ranked once per fit (KilnTreeData, shared read-only by all trees and
 * threads). A node with many samples per distinct value builds a per-value histogram (no sort); a
 * small node radix-sorts its (rank, sample) keys, and when every feature is searched at every
 * node (regression forests and trees) it keeps them sorted for its descendants, which only
 * partition them. Two-valued (one-hot) regression features are summed together in one pass over
 * per-row bit masks. What a node reads is kept in position order, partitioned with the samples.
 * A KilnTreeWorkspace holds every buffer one thread needs, so growing a tree allocates nothing per
 * node. None of this changes a sum: the trees are the same, bit for bit, as the plain algorithm's
 * (tests/core/trees checks them against recorded ones).
 */
#pragma once

#include "kiln-model.h"
#include "kiln-rng.h"

G_BEGIN_DECLS

/* A node as prediction walks it: 16 bytes, four to a cache line. An internal node sends a row
 * left, to the next node, when (double) x[feature] <= threshold, else right, to node @right. A
 * leaf has feature -1 and @right its leaf index; a regression leaf holds its value. */
typedef struct {
  gint32  feature;      /* -1: a leaf */
  gint32  right;        /* a leaf: its leaf index */
  union {
    double threshold;   /* an internal node */
    double value;       /* a leaf: its value (regression), or 0 */
  };
} KilnTreeNode;

/* One fitted tree: n_nodes nodes in depth-first order, the root first and each left child right
 * after its parent. Classification leaves keep their class probabilities sparse, as the leaves of
 * deep trees are mostly pure: value[leaf_start[leaf] .. leaf_start[leaf + 1]), with their classes
 * in value_class. @cover is what TreeSHAP weighs the branches by: per node, the weight of the
 * training rows that reached it (bootstrap draws for a forest); NULL for models saved without it. */
typedef struct {
  guint         n_nodes;
  guint         n_leaves;
  guint         n_outputs;    /* classes, or 1 */
  KilnTreeNode *node;
  double       *value;        /* classification */
  gint32       *value_class;  /* classification */
  gint32       *leaf_start;   /* classification: n_leaves + 1 */
  guint32      *cover;        /* n_nodes, or NULL */
  gboolean      in_arena;     /* the arrays belong to a KilnTreeArena */
} KilnTreeNodes;

void     _kiln_tree_nodes_clear    (KilnTreeNodes *nodes);

/* Memory for the trees of a forest: large chunks in huge pages (kiln_alloc_large()), handed out
 * in order and freed together. A forest's trees take a few hundred megabytes of fresh memory, and
 * with 4 KiB pages each page costs a fault (about 10 us on a virtual machine), a tenth of the
 * time of growing the trees. */
typedef struct {
  GPtrArray *chunks;
  guint8    *at;
  gsize      left;
} KilnTreeArena;

void     _kiln_tree_arena_init     (KilnTreeArena *arena);
/* Frees every chunk, with the trees in them. */
void     _kiln_tree_arena_clear    (KilnTreeArena *arena);
/* Moves @from's chunks to @to, which then frees them; @from is left cleared. */
void     _kiln_tree_arena_take     (KilnTreeArena *to,
                                    KilnTreeArena *from);

/* The leaf a row lands in. */
static inline const KilnTreeNode *
_kiln_tree_nodes_leaf (const KilnTreeNodes *nodes,
                       const float         *row)
{
  const KilnTreeNode *node = nodes->node;

  while (node->feature >= 0)
    node = (double) row[node->feature] <= node->threshold ? node + 1 : nodes->node + node->right;
  return node;
}

/* Adds the leaf's values to @out (n_outputs). Leaving out zero probabilities changes no sum. */
static inline void
_kiln_tree_nodes_add_leaf (const KilnTreeNodes *nodes,
                           const KilnTreeNode  *leaf,
                           double              *out)
{
  if (nodes->leaf_start == NULL)
    out[0] += leaf->value;
  else
    for (gint32 e = nodes->leaf_start[leaf->right]; e < nodes->leaf_start[leaf->right + 1]; e++)
      out[nodes->value_class[e]] += nodes->value[e];
}

/* JSON: {"feature": [...], "threshold": [...], "left": [...], "right": [...], "value": [...]};
 * classification leaves are written sparse, as held: "leaf_nnz" (non-zero probabilities per
 * leaf), "value_class" and "value" (class and probability of each). */
void     _kiln_tree_nodes_to_json   (const KilnTreeNodes *nodes,
                                     JsonBuilder         *builder);
/* Reads and checks a tree for @n_features features and @n_outputs outputs (structure, ranges,
 * every internal node reaching leaves with no cycle, the layout above). */
gboolean _kiln_tree_nodes_from_json (KilnTreeNodes  *nodes,
                                     JsonObject     *object,
                                     guint           n_features,
                                     guint           n_outputs,
                                     GError        **error);

/* Trees saved as packed arrays (kiln-tree-pack.c): every tree of a model in one set of arrays,
 * as members of the current object ("layout": 2, "tree_nodes", "feature", "threshold", "right",
 * "value", for classification "leaf_nnz" and "value_class", and "cover" when every tree has
 * its covers). */
void     _kiln_tree_nodes_pack      (const KilnTreeNodes *trees,
                                     guint                n_trees,
                                     JsonBuilder         *builder);
/* Whether @object holds packed trees (else it is one tree as _kiln_tree_nodes_to_json wrote). */
gboolean _kiln_tree_nodes_is_packed (JsonObject          *object);
/* Reads and checks packed trees as _kiln_tree_nodes_from_json does; *@trees_out is a new array
 * of *@n_trees_out trees (free each with _kiln_tree_nodes_clear, then the array). */
gboolean _kiln_tree_nodes_unpack    (JsonObject          *object,
                                     guint                n_features,
                                     guint                n_outputs,
                                     KilnTreeNodes      **trees_out,
                                     guint               *n_trees_out,
                                     GError             **error);

typedef struct {
  KilnTask task;
  guint    n_classes;         /* classification */
  guint    max_depth;         /* 0: unlimited */
  guint    min_samples_leaf;  /* >= 1 */
  guint    max_features;      /* features drawn per split, 1 .. n_features */
} KilnTreeParams;

/* The training set ranked per feature, shared read-only by every tree of a fit. Borrows @train,
 * which must outlive it. */
typedef struct _KilnTreeData KilnTreeData;

KilnTreeData *_kiln_tree_data_new   (const KilnDataset *train);
void          _kiln_tree_data_free  (KilnTreeData *data);

/* Every buffer one thread needs to grow trees on @data. */
typedef struct _KilnTreeWorkspace KilnTreeWorkspace;

KilnTreeWorkspace *_kiln_tree_workspace_new  (const KilnTreeData   *data,
                                              const KilnTreeParams *params);
void               _kiln_tree_workspace_free (KilnTreeWorkspace *ws);
/* The trees grown with @ws then keep their arrays in @arena (NULL: each its own). */
void               _kiln_tree_workspace_set_arena (KilnTreeWorkspace *ws,
                                                   KilnTreeArena     *arena);

/* Grows one tree. @counts: how often each training row is drawn (a bootstrap; rows drawn 0 times
 * are left out), or NULL for every row once. @importances (n_features, may be NULL) receives the
 * tree's total weighted impurity decrease per feature, divided by the root's weight (sklearn's
 * unnormalised importances). Returns FALSE (and clears @out) only when @cancellable fires; it is
 * checked every few hundred nodes. */
gboolean _kiln_tree_grow (KilnTreeWorkspace *ws,
                          const guint32     *counts,
                          KilnRng           *rng,
                          GCancellable      *cancellable,
                          KilnTreeNodes     *out,
                          double            *importances);

/* Checks the options a tree or forest uses. */
gboolean _kiln_tree_check_options (const KilnModelOptions *options,
                                   gboolean                forest,
                                   GError                **error);

/* Checks @train against the model's task before growing trees. */
gboolean _kiln_tree_check_data    (KilnModel         *model,
                                   const KilnDataset *train,
                                   GError           **error);

G_END_DECLS
