/* kiln-tree-shap.h: exact Shapley values of one tree's output (TreeSHAP), shared by the tree,
 * forest and boosting families (not public API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lundberg, Erion and Lee 2018, "Consistent Individualized Feature Attribution for Tree
 * Ensembles", Algorithm 2: the path-dependent TreeSHAP. The value of a set S of features is the
 * tree's expected output when the features of S follow the row and the others are unknown: at a
 * node splitting on a feature outside S both branches are taken, weighted by their share of the
 * node's training cover. Shapley values of that game, in O(leaves x depth^2) per tree: every path
 * from the root to a leaf is walked once, carrying the proportions of the subsets of the unique
 * features on it (EXTEND), from which a feature seen again is removed (UNWIND) before it is
 * entered with both fractions multiplied.
 *
 * Features are "slots": a family maps each of its split features to a slot, and the several
 * features of one slot (the one-hot levels of a column) are one player of the game, not a sum of
 * players. A tree is handed over in a flat form: node 0 the root, children after their parent.
 */
#pragma once

#include "kiln-tree-common.h"

G_BEGIN_DECLS

typedef struct {
  guint          n_nodes;
  const gint32  *left;      /* per node; -1 at a leaf */
  const gint32  *right;
  const guint   *slot;      /* per internal node: the player of its split feature */
  const double  *cover;     /* per node, > 0 */
  const double  *value;     /* per leaf node: its output */
  const guint8  *hot_left;  /* per internal node: the explained row goes left */
} KilnShapTree;

/* Buffers reused over the trees of a model: the flat form's arrays (KilnShapTree points into
 * them once _kiln_shap_work_reserve() has made room for @n_nodes nodes) and the path. */
typedef struct {
  guint    capacity;
  gint32  *left, *right;
  guint   *slot;
  double  *cover, *value;
  guint8  *hot_left;
  guint   *depth;
  gsize    path_capacity;
  gpointer path;
} KilnShapWork;

void   _kiln_shap_work_reserve (KilnShapWork *work,
                                guint         n_nodes);
void   _kiln_shap_work_clear   (KilnShapWork *work);
/* The tree of @n_nodes nodes held in @work's arrays. */
void   _kiln_shap_work_tree    (KilnShapWork *work,
                                guint         n_nodes,
                                KilnShapTree *tree);

/* Adds @scale x the tree's Shapley values to @phi (indexed by slot) and returns @scale x the
 * tree's expected output (the value of the empty set). Then @scale x the tree's output for the
 * row = that + the values added. */
double _kiln_tree_shap         (const KilnShapTree *tree,
                                KilnShapWork       *work,
                                double              scale,
                                double             *phi);

/* A CART tree (the tree and forest families, kiln-tree-common.h) with its covers: @row in the
 * one-hot view, @view_slot the slot of each of its features, @output the class (0 for
 * regression). As _kiln_tree_shap(). */
double _kiln_tree_nodes_shap   (const KilnTreeNodes *nodes,
                                const float        *row,
                                guint               output,
                                const guint        *view_slot,
                                KilnShapWork       *work,
                                double              scale,
                                double             *phi);

G_END_DECLS
