/* kiln-tree-nodes.c: fitted trees: their JSON, and the checks of a tree's or forest's options.
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
#include "kiln-tree-private.h"

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
      nodes->cover = NULL;
      nodes->in_arena = FALSE;
    }
  g_clear_pointer (&nodes->node, g_free);
  g_clear_pointer (&nodes->value, g_free);
  g_clear_pointer (&nodes->value_class, g_free);
  g_clear_pointer (&nodes->leaf_start, g_free);
  g_clear_pointer (&nodes->cover, g_free);
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
   * right after its parent, as trees are grown (and as KilnTreeNode relies on); the right one
   * after that (a right child equal to the left one was read here, then refused once packed). */
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
               || right[i] <= (gint32) i + 1 || right[i] >= n_nodes)
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
