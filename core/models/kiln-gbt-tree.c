/* kiln-gbt-tree.c: boosted trees once grown: clearing, and saving a list of them as packed arrays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A list of trees is saved as a handful of packed arrays (kiln-json-pack.c), the trees one after
 * the other in each: "tree_nodes" (internal nodes per tree), "left", "right", "info", "split"
 * (the threshold's float bits, or the start of the node's categorical bit set), "gain" (per
 * internal node), "leaf" (n_nodes + 1 values per tree), "tree_cat_words", "cat_bits" and "cover"
 * (2 n_nodes + 1 per tree: the rows that reached each node, then each leaf; absent from models
 * saved before it, which load without and are explained by sampling). Loading
 * checks the structure: children come after their parent (so a walk always ends), every leaf is
 * reached once, features and bit sets are in range.
 */
#define G_LOG_DOMAIN "kiln-gbt"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-gbt-private.h"
#include "kiln-model-private.h"

void
_kiln_gbt_tree_clear (GbtTree *tree)
{
  if (tree == NULL)
    return;
  g_clear_pointer (&tree->nodes, g_free);
  g_clear_pointer (&tree->leaf, g_free);
  g_clear_pointer (&tree->gain, g_free);
  g_clear_pointer (&tree->cover, g_free);
  g_clear_pointer (&tree->cat_bits, g_free);
  g_clear_pointer (&tree->walk, g_free);
  tree->depth = 0;
  tree->n_nodes = 0;
  tree->n_leaves = 0;
  tree->n_cat_words = 0;
}

void
_kiln_gbt_tree_finish (GbtTree *tree)
{
  guint n = tree->n_nodes;
  g_autofree guint *depth = g_new0 (guint, tree->n_nodes + tree->n_leaves);

  g_free (tree->walk);
  tree->walk = g_new (GbtNode, n + tree->n_leaves);
  tree->depth = 0;
  for (guint i = 0; i < n; i++)
    {
      GbtNode node = tree->nodes[i];

      /* leaves become nodes n + leaf */
      if (node.left < 0)
        node.left = (gint32) n + ~node.left;
      if (node.right < 0)
        node.right = (gint32) n + ~node.right;
      depth[node.left] = depth[node.right] = depth[i] + 1;
      tree->depth = MAX (tree->depth, depth[i] + 1);
      tree->walk[i] = node;
    }
  for (guint l = 0; l < tree->n_leaves; l++)
    {
      GbtNode *leaf = &tree->walk[n + l];

      leaf->left = leaf->right = (gint32) (n + l);
      leaf->info = 0;
      leaf->threshold = 0.0f;
    }
}

#define LANES 8

void
_kiln_gbt_tree_leaves (const GbtTree  *tree,
                       const GbtInput *in,
                       const guint32  *rows,
                       guint           first,
                       guint           n,
                       guint          *leaf_out)
{
  static const float no_x[1] = { 0.0f };
  const GbtNode *walk = tree->walk;
  guint n_numeric = in->n_numeric;

  if (tree->n_nodes == 0)
    {
      memset (leaf_out, 0, n * sizeof (guint));
      return;
    }
  for (guint i = 0; i < n; i += LANES)
    {
      guint m = MIN (LANES, n - i);
      gint32 at[LANES];
      const float *x[LANES];
      const guint32 *codes[LANES];

      for (guint l = 0; l < LANES; l++)
        {
          /* lanes past the end walk the last row again */
          guint row = rows != NULL ? rows[i + MIN (l, m - 1)] : first + i + MIN (l, m - 1);

          at[l] = 0;
          x[l] = n_numeric > 0 ? in->x + (gsize) row * in->x_stride : no_x;
          codes[l] = in->codes != NULL ? in->codes + (gsize) row * in->code_stride : NULL;
        }
      for (guint step = 0; step < tree->depth; step++)
        {
          gint32 low = at[0];

          /* leaves are the nodes from n_nodes on and loop to themselves: stop once every lane is
           * in one (leaf-wise trees are much deeper on some paths than on most) */
          for (guint l = 1; l < LANES; l++)
            low = MIN (low, at[l]);
          if (low >= (gint32) tree->n_nodes)
            break;
          for (guint l = 0; l < LANES; l++)
            {
              const GbtNode *node = &walk[at[l]];
              guint32 info = node->info;
              gint32 go_left, left = node->left, right = node->right;

              if (G_LIKELY (!(info & GBT_NODE_CATEGORICAL)))
                {
                  float v = x[l][info & GBT_NODE_FEATURE_MASK];

                  go_left = (v <= node->threshold) | ((v != v) & ((info & GBT_NODE_DEFAULT_LEFT) != 0));
                }
              else
                {
                  guint c = (info & GBT_NODE_FEATURE_MASK) - n_numeric;
                  guint32 code = codes[l][c];

                  if (code >= in->n_levels[c])
                    go_left = (info & GBT_NODE_DEFAULT_LEFT) != 0;
                  else
                    go_left = (tree->cat_bits[node->cat_start + code / 32] >> (code % 32)) & 1;
                }
              at[l] = right + ((left - right) & -go_left);
            }
        }
      for (guint l = 0; l < m; l++)
        leaf_out[i + l] = (guint) at[l] - tree->n_nodes;
    }
}

void
_kiln_gbt_trees_to_json (const GbtTree *trees,
                         guint          n_trees,
                         JsonBuilder   *builder)
{
  gsize n_nodes = 0, n_leaves = 0, n_words = 0;
  g_autofree guint32 *tree_nodes = g_new (guint32, MAX (n_trees, 1));
  g_autofree guint32 *tree_words = g_new (guint32, MAX (n_trees, 1));
  g_autofree gint32 *left = NULL;
  g_autofree gint32 *right = NULL;
  g_autofree guint32 *info = NULL;
  g_autofree guint32 *split = NULL;
  g_autofree float *gain = NULL;
  g_autofree double *leaf = NULL;
  g_autofree guint32 *cat_bits = NULL;
  g_autofree guint32 *cover = NULL;
  gboolean with_cover = TRUE;
  gsize at = 0, at_leaf = 0, at_word = 0, at_cover = 0;

  for (guint t = 0; t < n_trees; t++)
    {
      with_cover = with_cover && trees[t].cover != NULL;
      tree_nodes[t] = trees[t].n_nodes;
      tree_words[t] = trees[t].n_cat_words;
      n_nodes += trees[t].n_nodes;
      n_leaves += trees[t].n_leaves;
      n_words += trees[t].n_cat_words;
    }
  left = g_new (gint32, MAX (n_nodes, 1));
  right = g_new (gint32, MAX (n_nodes, 1));
  info = g_new (guint32, MAX (n_nodes, 1));
  split = g_new (guint32, MAX (n_nodes, 1));
  gain = g_new (float, MAX (n_nodes, 1));
  leaf = g_new (double, MAX (n_leaves, 1));
  cat_bits = g_new (guint32, MAX (n_words, 1));
  if (with_cover)
    cover = g_new (guint32, n_nodes + n_leaves + 1);
  for (guint t = 0; t < n_trees; t++)
    {
      const GbtTree *tree = &trees[t];

      if (with_cover)
        {
          memcpy (cover + at_cover, tree->cover, (tree->n_nodes + tree->n_leaves) * sizeof (guint32));
          at_cover += tree->n_nodes + tree->n_leaves;
        }

      for (guint i = 0; i < tree->n_nodes; i++)
        {
          const GbtNode *node = &tree->nodes[i];

          left[at] = node->left;
          right[at] = node->right;
          info[at] = node->info;
          memcpy (&split[at], &node->threshold, sizeof (guint32));
          gain[at] = tree->gain[i];
          at++;
        }
      memcpy (leaf + at_leaf, tree->leaf, tree->n_leaves * sizeof (double));
      at_leaf += tree->n_leaves;
      if (tree->n_cat_words > 0)
        memcpy (cat_bits + at_word, tree->cat_bits, tree->n_cat_words * sizeof (guint32));
      at_word += tree->n_cat_words;
    }
  _kiln_json_add_packed_uints (builder, "tree_nodes", tree_nodes, n_trees);
  _kiln_json_add_packed_ints (builder, "left", left, n_nodes);
  _kiln_json_add_packed_ints (builder, "right", right, n_nodes);
  _kiln_json_add_packed_uints (builder, "info", info, n_nodes);
  _kiln_json_add_packed_uints (builder, "split", split, n_nodes);
  _kiln_json_add_packed_floats (builder, "gain", gain, n_nodes);
  _kiln_json_add_packed_doubles (builder, "leaf", leaf, n_leaves);
  _kiln_json_add_packed_uints (builder, "tree_cat_words", tree_words, n_trees);
  _kiln_json_add_packed_uints (builder, "cat_bits", cat_bits, n_words);
  if (with_cover)
    _kiln_json_add_packed_uints (builder, "cover", cover, n_nodes + n_leaves);
}

static gboolean
damaged (GError    **error,
         guint       tree,
         const char *what)
{
  g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
               _("Tree %u of the saved model is damaged: %s."), tree + 1, what);
  return FALSE;
}

/* Checks one tree's structure for @n_numeric + n_categorical features. */
static gboolean
check_tree (const GbtTree *tree,
            guint          t,
            guint          n_numeric,
            guint          n_categorical,
            const guint   *n_levels,
            GError       **error)
{
  g_autofree guint8 *seen = g_new0 (guint8, tree->n_leaves);
  g_autofree guint8 *reached = g_new0 (guint8, MAX (tree->n_nodes, 1));

  if (tree->n_nodes > 0)
    reached[0] = 1;
  for (guint i = 0; i < tree->n_nodes; i++)
    {
      const GbtNode *node = &tree->nodes[i];
      guint f = node->info & GBT_NODE_FEATURE_MASK;
      gint32 child[2] = { node->left, node->right };

      if (node->info & ~(GBT_NODE_FEATURE_MASK | GBT_NODE_DEFAULT_LEFT | GBT_NODE_CATEGORICAL))
        return damaged (error, t, _("a node has unknown flags"));
      if (!reached[i])
        return damaged (error, t, _("a node is not reached from the root"));
      if (node->info & GBT_NODE_CATEGORICAL)
        {
          guint c = f - n_numeric;

          if (f < n_numeric || c >= n_categorical)
            return damaged (error, t, _("a split names an unknown feature"));
          if ((guint64) node->cat_start + (n_levels[c] + 31) / 32 > tree->n_cat_words)
            return damaged (error, t, _("a category set lies outside the tree"));
        }
      else if (f >= n_numeric || isnan (node->threshold))
        return damaged (error, t, _("a split names an unknown feature"));
      for (guint k = 0; k < 2; k++)
        {
          if (child[k] >= 0)
            {
              /* children come after their parent: no cycles */
              if ((guint) child[k] <= i || (guint) child[k] >= tree->n_nodes || reached[child[k]])
                return damaged (error, t, _("a node points outside the tree"));
              reached[child[k]] = 1;
            }
          else
            {
              guint l = (guint) ~child[k];
              if (l >= tree->n_leaves || seen[l])
                return damaged (error, t, _("a leaf is out of range or used twice"));
              seen[l] = 1;
            }
        }
    }
  if (tree->n_nodes == 0 && tree->n_leaves != 1)
    return damaged (error, t, _("it has no nodes"));
  for (guint i = 0; i < tree->n_leaves; i++)
    if (!isfinite (tree->leaf[i]) || (tree->n_nodes > 0 && !seen[i]))
      return damaged (error, t, _("a leaf is not reached or has no finite value"));
  /* every node reached by some row, and a node's cover its children's (TreeSHAP divides by it
   * and relies on the sum) */
  for (guint i = 0; tree->cover != NULL && i < tree->n_nodes + tree->n_leaves; i++)
    {
      const GbtNode *node = i < tree->n_nodes ? &tree->nodes[i] : NULL;
      guint64 sum = 0;

      if (tree->cover[i] == 0)
        return damaged (error, t, _("the node covers do not add up"));
      if (node == NULL)
        continue;
      sum += tree->cover[node->left >= 0 ? (guint) node->left : tree->n_nodes + ~node->left];
      sum += tree->cover[node->right >= 0 ? (guint) node->right : tree->n_nodes + ~node->right];
      if (sum != tree->cover[i])
        return damaged (error, t, _("the node covers do not add up"));
    }
  return TRUE;
}

gboolean
_kiln_gbt_trees_from_json (JsonObject   *object,
                           guint         n_trees,
                           guint         n_numeric,
                           guint         n_categorical,
                           const guint  *n_levels,
                           GbtTree     **trees_out,
                           GError      **error)
{
  g_autofree guint32 *tree_nodes = g_new (guint32, MAX (n_trees, 1));
  g_autofree guint32 *tree_words = g_new (guint32, MAX (n_trees, 1));
  g_autofree gint32 *left = NULL;
  g_autofree gint32 *right = NULL;
  g_autofree guint32 *info = NULL;
  g_autofree guint32 *split = NULL;
  g_autofree float *gain = NULL;
  g_autofree double *leaf = NULL;
  g_autofree guint32 *cat_bits = NULL;
  g_autofree guint32 *cover = NULL;
  GbtTree *trees;
  guint64 n_nodes = 0, n_words = 0;
  gsize at = 0, at_leaf = 0, at_word = 0, at_cover = 0;

  if (!_kiln_json_get_uints (object, "tree_nodes", tree_nodes, n_trees, error)
      || !_kiln_json_get_uints (object, "tree_cat_words", tree_words, n_trees, error))
    return FALSE;
  for (guint t = 0; t < n_trees; t++)
    {
      n_nodes += tree_nodes[t];
      n_words += tree_words[t];
    }
  /* the arrays' declared lengths must match before anything is allocated for them */
  if (_kiln_json_get_array_length (object, "left", error) != (gssize) n_nodes
      || _kiln_json_get_array_length (object, "cat_bits", error) != (gssize) n_words
      || _kiln_json_get_array_length (object, "leaf", error) != (gssize) (n_nodes + n_trees))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                     _("The saved trees do not match their node counts."));
      return FALSE;
    }
  left = g_new (gint32, MAX (n_nodes, 1));
  right = g_new (gint32, MAX (n_nodes, 1));
  info = g_new (guint32, MAX (n_nodes, 1));
  split = g_new (guint32, MAX (n_nodes, 1));
  gain = g_new (float, MAX (n_nodes, 1));
  leaf = g_new (double, n_nodes + n_trees);
  cat_bits = g_new (guint32, MAX (n_words, 1));
  if (!_kiln_json_get_ints (object, "left", left, n_nodes, error)
      || !_kiln_json_get_ints (object, "right", right, n_nodes, error)
      || !_kiln_json_get_uints (object, "info", info, n_nodes, error)
      || !_kiln_json_get_uints (object, "split", split, n_nodes, error)
      || !_kiln_json_get_floats (object, "gain", gain, n_nodes, error)
      || !_kiln_json_get_doubles (object, "leaf", leaf, n_nodes + n_trees, error)
      || !_kiln_json_get_uints (object, "cat_bits", cat_bits, n_words, error))
    return FALSE;
  if (json_object_has_member (object, "cover"))
    {
      if (_kiln_json_get_array_length (object, "cover", error) != (gssize) (2 * n_nodes + n_trees))
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                         _("The saved trees do not match their node counts."));
          return FALSE;
        }
      cover = g_new (guint32, 2 * n_nodes + n_trees);
      if (!_kiln_json_get_uints (object, "cover", cover, 2 * n_nodes + n_trees, error))
        return FALSE;
    }

  trees = g_new0 (GbtTree, MAX (n_trees, 1));
  for (guint t = 0; t < n_trees; t++)
    {
      GbtTree *tree = &trees[t];

      tree->n_nodes = tree_nodes[t];
      tree->n_leaves = tree_nodes[t] + 1;
      tree->nodes = g_new (GbtNode, MAX (tree->n_nodes, 1));
      tree->gain = g_new (float, MAX (tree->n_nodes, 1));
      for (guint i = 0; i < tree->n_nodes; i++)
        {
          GbtNode *node = &tree->nodes[i];

          node->left = left[at];
          node->right = right[at];
          node->info = info[at];
          memcpy (&node->threshold, &split[at], sizeof (guint32));
          tree->gain[i] = gain[at];
          at++;
        }
      tree->leaf = g_memdup2 (leaf + at_leaf, tree->n_leaves * sizeof (double));
      at_leaf += tree->n_leaves;
      tree->n_cat_words = tree_words[t];
      if (tree->n_cat_words > 0)
        tree->cat_bits = g_memdup2 (cat_bits + at_word, tree->n_cat_words * sizeof (guint32));
      at_word += tree->n_cat_words;
      if (cover != NULL)
        {
          tree->cover = g_memdup2 (cover + at_cover, (tree->n_nodes + tree->n_leaves) * sizeof (guint32));
          at_cover += tree->n_nodes + tree->n_leaves;
        }
      if (!check_tree (tree, t, n_numeric, n_categorical, n_levels, error))
        {
          for (guint u = 0; u <= t; u++)
            _kiln_gbt_tree_clear (&trees[u]);
          g_free (trees);
          return FALSE;
        }
      _kiln_gbt_tree_finish (tree);
    }
  *trees_out = trees;
  return TRUE;
}
