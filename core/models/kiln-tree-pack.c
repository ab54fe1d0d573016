/* kiln-tree-pack.c: CART trees (the tree and forest families) saved as packed arrays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A forest on diamonds' prices holds millions of nodes; as one JSON object per tree with a JSON
 * number per field and node it came to 123 MB of JSON, and several times that in memory while
 * saving or loading. Packed (kiln-json-pack.c), the trees of a model go one after the other into
 * a few arrays, each one string, and only what the layout does not imply is kept:
 *
 *   "layout": 2, "tree_nodes": nodes per tree,
 *   "feature": per node, -1 for a leaf (a byte each for up to 127 features),
 *   "threshold": per internal node, "right": per internal node, its right child's distance from
 *   it (the left child is the next node, leaves are numbered in node order);
 *   regression: "value" per leaf;
 *   classification: "leaf_nnz" per leaf, "value_class" and "value" per stored probability;
 *   "cover" per node: the weight of the training rows that reached it (TreeSHAP's), written when
 *   every tree has it (models saved before it load without, and are explained by sampling).
 *
 * Models saved before (an object of JSON arrays per tree, kiln-tree-common.c) still load.
 */
#define G_LOG_DOMAIN "kiln-tree"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "kiln-model-private.h"
#include "kiln-tree-common.h"

#define LAYOUT_PACKED 2
/* damaged(): the arrays as a whole, not one tree */
#define ALL_TREES G_MAXUINT

void
_kiln_tree_nodes_pack (const KilnTreeNodes *trees,
                       guint                n_trees,
                       JsonBuilder         *builder)
{
  gsize n_nodes = 0, n_internal = 0, n_leaves = 0, n_values = 0;
  g_autofree guint32 *tree_nodes = g_new (guint32, MAX (n_trees, 1));
  g_autofree gint32 *feature = NULL;
  g_autofree double *threshold = NULL;
  g_autofree gint32 *right = NULL;
  g_autofree double *value = NULL;
  g_autofree gint32 *leaf_nnz = NULL;
  g_autofree gint32 *value_class = NULL;
  g_autofree guint32 *cover = NULL;
  gboolean sparse = n_trees > 0 && trees[0].leaf_start != NULL;
  gboolean with_cover = TRUE;
  gsize at = 0, at_internal = 0, at_leaf = 0, at_value = 0;

  for (guint t = 0; t < n_trees; t++)
    {
      tree_nodes[t] = trees[t].n_nodes;
      n_nodes += trees[t].n_nodes;
      n_leaves += trees[t].n_leaves;
      if (sparse)
        n_values += trees[t].leaf_start[trees[t].n_leaves];
      with_cover = with_cover && trees[t].cover != NULL;
    }
  n_internal = n_nodes - n_leaves;
  feature = g_new (gint32, MAX (n_nodes, 1));
  threshold = g_new (double, MAX (n_internal, 1));
  right = g_new (gint32, MAX (n_internal, 1));
  value = g_new (double, MAX (sparse ? n_values : n_leaves, 1));
  if (sparse)
    {
      leaf_nnz = g_new (gint32, MAX (n_leaves, 1));
      value_class = g_new (gint32, MAX (n_values, 1));
    }
  if (with_cover)
    cover = g_new (guint32, MAX (n_nodes, 1));
  for (guint t = 0; t < n_trees; t++)
    {
      const KilnTreeNodes *tree = &trees[t];

      if (with_cover)
        memcpy (cover + at, tree->cover, tree->n_nodes * sizeof (guint32));
      for (guint i = 0; i < tree->n_nodes; i++)
        {
          const KilnTreeNode *node = &tree->node[i];

          feature[at++] = node->feature;
          if (node->feature >= 0)
            {
              threshold[at_internal] = node->threshold;
              right[at_internal] = node->right - (gint32) i;
              at_internal++;
            }
          else if (!sparse)
            value[at_leaf++] = node->value;
        }
      if (sparse)
        {
          gsize total = tree->leaf_start[tree->n_leaves];

          for (guint l = 0; l < tree->n_leaves; l++)
            leaf_nnz[at_leaf++] = tree->leaf_start[l + 1] - tree->leaf_start[l];
          memcpy (value + at_value, tree->value, total * sizeof (double));
          memcpy (value_class + at_value, tree->value_class, total * sizeof (gint32));
          at_value += total;
        }
    }

  json_builder_set_member_name (builder, "layout");
  json_builder_add_int_value (builder, LAYOUT_PACKED);
  _kiln_json_add_packed_uints (builder, "tree_nodes", tree_nodes, n_trees);
  _kiln_json_add_packed_ints (builder, "feature", feature, n_nodes);
  _kiln_json_add_packed_doubles (builder, "threshold", threshold, n_internal);
  _kiln_json_add_packed_ints (builder, "right", right, n_internal);
  if (sparse)
    {
      _kiln_json_add_packed_ints (builder, "leaf_nnz", leaf_nnz, n_leaves);
      _kiln_json_add_packed_ints (builder, "value_class", value_class, n_values);
      _kiln_json_add_packed_doubles (builder, "value", value, n_values);
    }
  else
    _kiln_json_add_packed_doubles (builder, "value", value, n_leaves);
  if (with_cover)
    _kiln_json_add_packed_uints (builder, "cover", cover, n_nodes);
}

gboolean
_kiln_tree_nodes_is_packed (JsonObject *object)
{
  return json_object_has_member (object, "layout");
}

static gboolean
damaged (GError    **error,
         guint       tree,
         const char *what)
{
  if (tree == ALL_TREES)
    g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                 _("The saved trees are damaged: %s."), what);
  else
    g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                 _("Tree %u of the saved model is damaged: %s."), tree + 1, what);
  return FALSE;
}

static void
clear_trees (KilnTreeNodes *trees,
             guint          n_trees)
{
  for (guint t = 0; t < n_trees; t++)
    _kiln_tree_nodes_clear (&trees[t]);
  g_free (trees);
}

gboolean
_kiln_tree_nodes_unpack (JsonObject      *object,
                         guint            n_features,
                         guint            n_outputs,
                         KilnTreeNodes  **trees_out,
                         guint           *n_trees_out,
                         GError         **error)
{
  guint64 layout;
  gssize n_trees, n_nodes_total, n_internal_total, n_leaves_total;
  g_autofree guint32 *tree_nodes = NULL;
  g_autofree gint32 *feature = NULL;
  g_autofree double *threshold = NULL;
  g_autofree gint32 *right = NULL;
  g_autofree double *value = NULL;
  g_autofree gint32 *leaf_nnz = NULL;
  g_autofree gint32 *value_class = NULL;
  g_autofree guint32 *cover = NULL;
  gboolean sparse = n_outputs > 1;
  gsize n_nodes = 0, n_values = 0, at = 0, at_internal = 0, at_leaf = 0, at_value = 0;
  KilnTreeNodes *trees;

  if (!_kiln_json_get_uint (object, "layout", LAYOUT_PACKED, LAYOUT_PACKED, &layout, error))
    return FALSE;
  n_trees = _kiln_json_get_array_length (object, "tree_nodes", error);
  if (n_trees < 0)
    return FALSE;
  if (n_trees == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved model has no trees."));
      return FALSE;
    }
  tree_nodes = g_new (guint32, n_trees);
  if (!_kiln_json_get_uints (object, "tree_nodes", tree_nodes, n_trees, error))
    return FALSE;
  for (gssize t = 0; t < n_trees; t++)
    {
      if (tree_nodes[t] == 0 || tree_nodes[t] > G_MAXINT32)
        return damaged (error, t, _("it has no nodes"));
      n_nodes += tree_nodes[t];
    }
  /* the declared lengths must agree before anything is allocated for them */
  n_nodes_total = _kiln_json_get_array_length (object, "feature", error);
  if (n_nodes_total < 0)
    return FALSE;
  if ((gsize) n_nodes_total != n_nodes)
    return damaged (error, ALL_TREES, _("the node counts do not add up"));
  n_internal_total = _kiln_json_get_array_length (object, "right", error);
  if (n_internal_total < 0)
    return FALSE;
  if (n_internal_total >= n_nodes_total)
    return damaged (error, ALL_TREES, _("the node counts do not add up"));
  n_leaves_total = n_nodes_total - n_internal_total;

  feature = g_new (gint32, n_nodes);
  threshold = g_new (double, MAX (n_internal_total, 1));
  right = g_new (gint32, MAX (n_internal_total, 1));
  if (!_kiln_json_get_ints (object, "feature", feature, n_nodes, error)
      || !_kiln_json_get_doubles (object, "threshold", threshold, n_internal_total, error)
      || !_kiln_json_get_ints (object, "right", right, n_internal_total, error))
    return FALSE;
  if (sparse)
    {
      gssize declared;

      leaf_nnz = g_new (gint32, n_leaves_total);
      if (!_kiln_json_get_ints (object, "leaf_nnz", leaf_nnz, n_leaves_total, error))
        return FALSE;
      for (gssize l = 0; l < n_leaves_total; l++)
        {
          if (leaf_nnz[l] < 0 || (guint) leaf_nnz[l] > n_outputs)
            return damaged (error, ALL_TREES, _("a leaf has a wrong number of classes"));
          n_values += leaf_nnz[l];
        }
      declared = _kiln_json_get_array_length (object, "value", error);
      if (declared < 0)
        return FALSE;
      if ((gsize) declared != n_values || n_values > G_MAXINT32)
        return damaged (error, ALL_TREES, _("the leaf values do not match their counts"));
      value_class = g_new (gint32, MAX (n_values, 1));
      value = g_new (double, MAX (n_values, 1));
      if (!_kiln_json_get_ints (object, "value_class", value_class, n_values, error)
          || !_kiln_json_get_doubles (object, "value", value, n_values, error))
        return FALSE;
    }
  else
    {
      value = g_new (double, n_leaves_total);
      if (!_kiln_json_get_doubles (object, "value", value, n_leaves_total, error))
        return FALSE;
    }

  if (json_object_has_member (object, "cover"))
    {
      gssize declared = _kiln_json_get_array_length (object, "cover", error);

      if (declared < 0)
        return FALSE;
      if ((gsize) declared != n_nodes)
        return damaged (error, ALL_TREES, _("the node counts do not add up"));
      cover = g_new (guint32, n_nodes);
      if (!_kiln_json_get_uints (object, "cover", cover, n_nodes, error))
        return FALSE;
    }

  trees = g_new0 (KilnTreeNodes, n_trees);
  for (gssize t = 0; t < n_trees; t++)
    {
      KilnTreeNodes *tree = &trees[t];
      guint n = tree_nodes[t], leaves = 0;

      tree->n_nodes = n;
      tree->n_outputs = n_outputs;
      tree->node = g_new (KilnTreeNode, n);
      if (cover != NULL)
        tree->cover = g_memdup2 (cover + at, n * sizeof (guint32));
      for (guint i = 0; i < n; i++, at++)
        {
          KilnTreeNode *node = &tree->node[i];
          gint32 f = feature[at];

          if (f == -1)
            {
              if ((gssize) at_leaf >= n_leaves_total)
                goto bad_count;
              node->feature = -1;
              node->right = (gint32) leaves++;
              node->value = sparse ? 0.0 : value[at_leaf];
              at_leaf++;
            }
          else
            {
              gint32 r;

              if (f < 0 || (guint) f >= n_features || (gssize) at_internal >= n_internal_total)
                {
                  clear_trees (trees, n_trees);
                  return damaged (error, t, _("a node points outside the tree"));
                }
              r = right[at_internal];
              /* children after their parent, the left one next: every walk ends at a leaf */
              if (r <= 1 || (guint) r >= n - i || i + 1 >= n)
                {
                  clear_trees (trees, n_trees);
                  return damaged (error, t, _("a node points outside the tree"));
                }
              node->feature = f;
              node->right = (gint32) i + r;
              node->threshold = threshold[at_internal];
              at_internal++;
            }
        }
      tree->n_leaves = leaves;
      if (leaves == 0)
        {
          clear_trees (trees, n_trees);
          return damaged (error, t, _("it has no leaves"));
        }
      /* every node reached by some row, and a node's cover its children's (TreeSHAP divides
       * by it and relies on the sum) */
      for (guint i = 0; tree->cover != NULL && i < n; i++)
        if (tree->cover[i] == 0
            || (tree->node[i].feature >= 0
                && (guint64) tree->cover[i] != (guint64) tree->cover[i + 1]
                                               + tree->cover[tree->node[i].right]))
          {
            clear_trees (trees, n_trees);
            return damaged (error, t, _("the node covers do not add up"));
          }
      if (sparse)
        {
          gsize total = 0, first_leaf = at_leaf - leaves;

          tree->leaf_start = g_new (gint32, leaves + 1);
          for (guint l = 0; l < leaves; l++)
            {
              tree->leaf_start[l] = (gint32) total;
              total += leaf_nnz[first_leaf + l];
            }
          tree->leaf_start[leaves] = (gint32) total;
          tree->value = g_new (double, total + 1);
          tree->value_class = g_new (gint32, total + 1);
          memcpy (tree->value, value + at_value, total * sizeof (double));
          memcpy (tree->value_class, value_class + at_value, total * sizeof (gint32));
          for (gsize e = 0; e < total; e++)
            if (tree->value_class[e] < 0 || (guint) tree->value_class[e] >= n_outputs)
              {
                clear_trees (trees, n_trees);
                return damaged (error, t, _("a leaf names an unknown class"));
              }
          at_value += total;
        }
    }
  if ((gssize) at_leaf != n_leaves_total || (gssize) at_internal != n_internal_total)
    {
bad_count:
      clear_trees (trees, n_trees);
      return damaged (error, ALL_TREES, _("the node counts do not add up"));
    }
  *trees_out = trees;
  *n_trees_out = (guint) n_trees;
  return TRUE;
}
