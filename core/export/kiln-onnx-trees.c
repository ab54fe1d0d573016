/* kiln-onnx-trees.c: trees, forests and gradient-boosted trees as ONNX operators, from the
 * float feature matrix (the other families and the dispatch are in kiln-onnx-models.c, which
 * says what each lowering computes).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every tree goes into one TreeEnsembleRegressor whose target t is tree t's leaf index (exact in
 * float up to 2^24 leaves per tree); the indices then pick rows of a double table of the leaves'
 * values, so the sums are taken in double as Kiln takes them.
 */
#define G_LOG_DOMAIN "kiln-onnx"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-onnx-private.h"

/* ---- Trees -------------------------------------------------------------------------------- */

/* The largest float f with (double) f <= t. */
static float
float_at_most (double t)
{
  float f = (float) t;

  if ((double) f > t)
    f = nextafterf (f, -INFINITY);
  return f;
}

typedef struct {
  GArray *treeids, *nodeids, *featureids, *truenodeids, *falsenodeids;   /* gint64 */
  GArray *missing_true;       /* gint64: a NaN takes the true branch */
  GArray *values;                                                        /* float */
  GPtrArray *modes;                                                      /* const char* */
  GArray *target_treeids, *target_nodeids, *target_ids;                  /* gint64 */
  GArray *target_weights;                                                /* float */
  GArray *leaf_values;        /* double: every tree's leaves, n_outputs each (gbt: one) */
  GArray *leaf_offsets;       /* gint64: first leaf of each tree in leaf_values */
  guint   n_leaves;
} Ensemble;

static void
ensemble_init (Ensemble *e)
{
  GArray **int64s[] = { &e->treeids, &e->nodeids, &e->featureids, &e->truenodeids,
                        &e->falsenodeids, &e->missing_true, &e->target_treeids,
                        &e->target_nodeids, &e->target_ids, &e->leaf_offsets };

  for (guint i = 0; i < G_N_ELEMENTS (int64s); i++)
    *int64s[i] = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->values = g_array_new (FALSE, FALSE, sizeof (float));
  e->target_weights = g_array_new (FALSE, FALSE, sizeof (float));
  e->leaf_values = g_array_new (FALSE, FALSE, sizeof (double));
  e->modes = g_ptr_array_new ();
  e->n_leaves = 0;
}

static void
ensemble_clear (Ensemble *e)
{
  GArray *arrays[] = { e->treeids, e->nodeids, e->featureids, e->truenodeids, e->falsenodeids,
                       e->missing_true, e->values, e->target_treeids, e->target_nodeids,
                       e->target_ids, e->target_weights, e->leaf_values, e->leaf_offsets };

  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    g_array_unref (arrays[i]);
  g_ptr_array_unref (e->modes);
}

#define APPEND(array, value) G_STMT_START { __typeof__ (value) v_ = (value); \
                                            g_array_append_val ((array), v_); } G_STMT_END

/* Node @node of tree @tree: a row goes to @if_true when x[@feature] <= @threshold (and, when
 * @missing_true, when it is NaN), else to @if_false. */
static void
add_branch (Ensemble *e, gint64 tree, gint64 node, gint64 feature, float threshold,
            gint64 if_true, gint64 if_false, gboolean missing_true)
{
  APPEND (e->treeids, tree);
  APPEND (e->nodeids, node);
  APPEND (e->featureids, feature);
  APPEND (e->values, threshold);
  g_ptr_array_add (e->modes, (gpointer) "BRANCH_LEQ");
  APPEND (e->truenodeids, if_true);
  APPEND (e->falsenodeids, if_false);
  APPEND (e->missing_true, (gint64) (missing_true != FALSE));
}

/* Node @node of tree @tree a leaf: the tree's output (its target @tree) is @leaf, the leaf's
 * index among the tree's leaves. */
static void
add_leaf (Ensemble *e, gint64 tree, gint64 node, gint64 leaf)
{
  APPEND (e->treeids, tree);
  APPEND (e->nodeids, node);
  APPEND (e->featureids, (gint64) 0);
  APPEND (e->values, 0.0f);
  g_ptr_array_add (e->modes, (gpointer) "LEAF");
  APPEND (e->truenodeids, (gint64) 0);
  APPEND (e->falsenodeids, (gint64) 0);
  APPEND (e->missing_true, (gint64) 0);
  APPEND (e->target_treeids, tree);
  APPEND (e->target_nodeids, node);
  APPEND (e->target_ids, tree);
  APPEND (e->target_weights, (float) leaf);
}

/* One tree as nodes: feature (-1: a leaf), threshold, left (a leaf: its leaf index) and right
 * per node, and @leaves, n_leaves x n_out values. */
static gboolean
add_tree_nodes (KilnOnnxLowering *l, Ensemble *e, gint64 t, gssize n, const gint64 *feature,
                const double *threshold, const gint64 *left, const gint64 *right,
                const double *leaves, guint n_leaves, GError **error)
{
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  gsize first_value = e->leaf_values->len;

  if (n < 1)
    return _kiln_onnx_format_error (l, "feature", error);
  for (gssize i = 0; i < n; i++)
    {
      if (feature[i] >= (gint64) l->n_features)
        return _kiln_onnx_format_error (l, "feature", error);
      if (feature[i] < 0)
        {
          if (left[i] < 0 || left[i] >= (gint64) n_leaves)
            return _kiln_onnx_format_error (l, "left", error);
        }
      else if (left[i] <= 0 || left[i] >= n || right[i] <= 0 || right[i] >= n)
        return _kiln_onnx_format_error (l, "right", error);
    }
  /* a leaf index is the tree's output, in float: exact below 2^24 */
  if (n_leaves >= (1u << 24))
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                   _("A tree has %u leaves; ONNX export takes at most %u per tree"), n_leaves,
                   (1u << 24) - 1);
      return FALSE;
    }

  for (gssize i = 0; i < n; i++)
    if (feature[i] >= 0)
      add_branch (e, t, i, feature[i], float_at_most (threshold[i]), left[i], right[i], FALSE);
    else
      add_leaf (e, t, i, left[i]);
  g_array_set_size (e->leaf_values, first_value + (gsize) n_leaves * n_out);
  memcpy (&g_array_index (e->leaf_values, double, first_value), leaves,
          (gsize) n_leaves * n_out * sizeof (double));
  APPEND (e->leaf_offsets, (gint64) e->n_leaves);
  e->n_leaves += n_leaves;
  return TRUE;
}

/* The leaves' values as both tree forms save them: "value" per leaf (regression), or "leaf_nnz"
 * per leaf and "value_class" and "value" per stored probability (classification); *@n_values
 * gets the number of values. */
static gboolean
read_leaves (KilnOnnxLowering  *l,
             JsonObject        *object,
             gsize              n_leaves,
             gint64           **nnz,
             gint64           **cls,
             double           **value,
             gsize             *n_values,
             GError           **error)
{
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;

  *n_values = 0;
  if (l->task == KILN_TASK_REGRESSION)
    {
      *value = _kiln_onnx_get_doubles (l, object, "value", n_leaves, error);
      *n_values = n_leaves;
      return *value != NULL;
    }
  *nnz = _kiln_onnx_get_ints (l, object, "leaf_nnz", n_leaves, error);
  for (gsize i = 0; *nnz != NULL && i < n_leaves; i++)
    {
      if ((*nnz)[i] < 0 || (*nnz)[i] > n_out)
        return _kiln_onnx_format_error (l, "leaf_nnz", error);
      *n_values += (gsize) (*nnz)[i];
    }
  *cls = *nnz ? _kiln_onnx_get_ints (l, object, "value_class", *n_values, error) : NULL;
  *value = *cls ? _kiln_onnx_get_doubles (l, object, "value", *n_values, error) : NULL;
  return *value != NULL;
}

/* The leaves' values as a dense n_leaves x n_out table: regression's @value per leaf, or a
 * classifier's sparse probabilities (@nnz per leaf, then @cls and @value per stored one). */
static double *
leaf_table (KilnOnnxLowering *l, guint n_leaves, const gint64 *nnz, const gint64 *cls,
            const double *value, gsize n_values, GError **error)
{
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  g_autofree double *table = g_new0 (double, MAX ((gsize) n_leaves * n_out, 1));
  gsize at = 0;

  if (nnz == NULL)
    {
      memcpy (table, value, n_leaves * sizeof (double));
      return g_steal_pointer (&table);
    }
  for (guint i = 0; i < n_leaves; i++)
    for (gint64 j = 0; j < nnz[i]; j++, at++)
      {
        if (at >= n_values || cls[at] < 0 || cls[at] >= n_out)
          {
            _kiln_onnx_format_error (l, "value_class", error);
            return NULL;
          }
        table[(gsize) i * n_out + cls[at]] += value[at];
      }
  return g_steal_pointer (&table);
}

/* One tree of the JSON form kiln-tree-common.c wrote before trees were packed: {"feature",
 * "threshold", "left", "right"} per node (a leaf: feature -1, left = its leaf index), and the
 * leaves' values: "value" per leaf (regression) or sparse ("leaf_nnz", "value_class", "value"). */
static gboolean
add_tree (KilnOnnxLowering *l, Ensemble *e, JsonObject *tree, gint64 t, GError **error)
{
  gssize n = _kiln_onnx_array_length (tree, "feature");
  g_autofree gint64 *feature = NULL, *left = NULL, *right = NULL, *nnz = NULL, *cls = NULL;
  g_autofree double *threshold = NULL, *value = NULL, *table = NULL;
  guint n_leaves = 0;
  gsize total = 0;

  if (n < 1)
    return _kiln_onnx_format_error (l, "feature", error);
  feature = _kiln_onnx_get_ints (l, tree, "feature", n, error);
  threshold = feature ? _kiln_onnx_get_doubles (l, tree, "threshold", n, error) : NULL;
  left = threshold ? _kiln_onnx_get_ints (l, tree, "left", n, error) : NULL;
  right = left ? _kiln_onnx_get_ints (l, tree, "right", n, error) : NULL;
  if (right == NULL)
    return FALSE;
  for (gssize i = 0; i < n; i++)
    if (feature[i] < 0 && left[i] >= 0)
      n_leaves = MAX (n_leaves, (guint) MIN (left[i] + 1, G_MAXUINT));
  if (!read_leaves (l, tree, n_leaves, &nnz, &cls, &value, &total, error))
    return FALSE;
  table = leaf_table (l, n_leaves, nnz, cls, value, total, error);
  if (table == NULL)
    return FALSE;
  return add_tree_nodes (l, e, t, n, feature, threshold, left, right, table, n_leaves, error);
}

/* The packed form (kiln-tree-pack.c, "layout": 2): every tree of the model in one set of arrays.
 * "tree_nodes" per tree; "feature" per node (-1: a leaf); "threshold" and "right" (the right
 * child's distance) per internal node, the left child being the next node; leaves numbered in
 * node order; "value" per leaf (regression) or "leaf_nnz" per leaf and "value_class" and "value"
 * per stored probability. Adds the trees to @e; *@n_trees_out gets their number. */
static gboolean
add_packed_trees (KilnOnnxLowering *l, Ensemble *e, JsonObject *packed, guint *n_trees_out,
                  GError **error)
{
  gssize n_trees = _kiln_onnx_array_length (packed, "tree_nodes");
  g_autofree gint64 *tree_nodes = NULL, *feature = NULL, *right_d = NULL;
  g_autofree gint64 *nnz = NULL, *cls = NULL;
  g_autofree double *threshold = NULL, *value = NULL;
  gsize n_nodes = 0, n_internal = 0, n_leaves = 0, n_values = 0;
  gsize at = 0, at_internal = 0, at_leaf = 0, at_value = 0;
  double layout;

  if (!_kiln_onnx_get_number (l, packed, "layout", &layout, error))
    return FALSE;
  if (layout != 2.0)
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                   _("The %s model’s trees are saved in a layout this Kiln does not know (%g)"),
                   l->family, layout);
      return FALSE;
    }
  if (n_trees < 1)
    return _kiln_onnx_format_error (l, "tree_nodes", error);
  tree_nodes = _kiln_onnx_get_ints (l, packed, "tree_nodes", (gsize) n_trees, error);
  if (tree_nodes == NULL)
    return FALSE;
  for (gssize t = 0; t < n_trees; t++)
    {
      if (tree_nodes[t] < 1)
        return _kiln_onnx_format_error (l, "tree_nodes", error);
      n_nodes += (gsize) tree_nodes[t];
    }
  feature = _kiln_onnx_get_ints (l, packed, "feature", n_nodes, error);
  if (feature == NULL)
    return FALSE;
  for (gsize i = 0; i < n_nodes; i++)
    {
      if (feature[i] >= 0)
        n_internal++;
      else
        n_leaves++;
    }
  threshold = _kiln_onnx_get_doubles (l, packed, "threshold", n_internal, error);
  right_d = threshold ? _kiln_onnx_get_ints (l, packed, "right", n_internal, error) : NULL;
  if (right_d == NULL)
    return FALSE;
  if (!read_leaves (l, packed, n_leaves, &nnz, &cls, &value, &n_values, error))
    return FALSE;

  for (gssize t = 0; t < n_trees; t++)
    {
      gssize n = tree_nodes[t];
      g_autofree gint64 *left = g_new (gint64, n), *right = g_new (gint64, n);
      g_autofree double *thr = g_new0 (double, n), *table = NULL;
      guint leaves = 0;
      gsize first_leaf = at_leaf, tree_values = 0;

      for (gssize i = 0; i < n; i++)
        if (feature[at + i] >= 0)
          {
            thr[i] = threshold[at_internal];
            left[i] = i + 1;
            right[i] = i + right_d[at_internal];
            at_internal++;
          }
        else
          {
            left[i] = leaves++;
            right[i] = -1;
          }
      for (guint j = 0; nnz != NULL && j < leaves; j++)
        tree_values += (gsize) nnz[first_leaf + j];
      table = leaf_table (l, leaves, nnz ? nnz + first_leaf : NULL, cls ? cls + at_value : NULL,
                          value + (nnz ? at_value : first_leaf),
                          nnz ? tree_values : leaves, error);
      if (table == NULL
          || !add_tree_nodes (l, e, t, n, feature + at, thr, left, right, table, leaves, error))
        return FALSE;
      at += (gsize) n;
      at_leaf += leaves;
      at_value += tree_values;
    }
  *n_trees_out = (guint) n_trees;
  return TRUE;
}

/* The trees of @e over @x as one TreeEnsembleRegressor whose target t is tree t's leaf index,
 * and each row's leaf of each tree looked up in the double table of the leaves' values:
 * [N, trees, n_out] double, or [N, trees] when @n_out is 0 (a table of one value per leaf). */
static const char *
ensemble_leaf_values (KilnOnnxLowering *l, Ensemble *e, const char *x, guint n_trees, guint n_out)
{
  Onnx__NodeProto *node;
  const char *leaf, *index;

  node = _kiln_onnx_node (l->graph, KILN_ONNX_ML_DOMAIN, "TreeEnsembleRegressor", 1, x, NULL);
  _kiln_onnx_attr_ints (l->graph, node, "nodes_treeids", (gint64 *) e->treeids->data, e->treeids->len);
  _kiln_onnx_attr_ints (l->graph, node, "nodes_nodeids", (gint64 *) e->nodeids->data, e->nodeids->len);
  _kiln_onnx_attr_ints (l->graph, node, "nodes_featureids", (gint64 *) e->featureids->data,
                        e->featureids->len);
  _kiln_onnx_attr_floats (l->graph, node, "nodes_values", (float *) e->values->data, e->values->len);
  _kiln_onnx_attr_strings (l->graph, node, "nodes_modes", (const char * const *) e->modes->pdata,
                           e->modes->len);
  _kiln_onnx_attr_ints (l->graph, node, "nodes_truenodeids", (gint64 *) e->truenodeids->data,
                        e->truenodeids->len);
  _kiln_onnx_attr_ints (l->graph, node, "nodes_falsenodeids", (gint64 *) e->falsenodeids->data,
                        e->falsenodeids->len);
  for (guint i = 0; i < e->missing_true->len; i++)
    if (g_array_index (e->missing_true, gint64, i) != 0)
      {
        _kiln_onnx_attr_ints (l->graph, node, "nodes_missing_value_tracks_true",
                              (gint64 *) e->missing_true->data, e->missing_true->len);
        break;
      }
  _kiln_onnx_attr_int (l->graph, node, "n_targets", n_trees);
  _kiln_onnx_attr_ints (l->graph, node, "target_treeids", (gint64 *) e->target_treeids->data,
                        e->target_treeids->len);
  _kiln_onnx_attr_ints (l->graph, node, "target_nodeids", (gint64 *) e->target_nodeids->data,
                        e->target_nodeids->len);
  _kiln_onnx_attr_ints (l->graph, node, "target_ids", (gint64 *) e->target_ids->data,
                        e->target_ids->len);
  _kiln_onnx_attr_floats (l->graph, node, "target_weights", (float *) e->target_weights->data,
                          e->target_weights->len);
  _kiln_onnx_attr_string (l->graph, node, "aggregate_function", "SUM");
  _kiln_onnx_attr_string (l->graph, node, "post_transform", "NONE");

  /* float [N, trees] leaf indices -> int64, offset into the one table of every tree's leaves */
  leaf = _kiln_onnx_cast (l, node->output[0], KILN_ONNX_T_INT64);
  index = _kiln_onnx_op (l->graph, "Add", leaf,
                         _kiln_onnx_vector_int64s (l->graph, "leaf_offsets",
                                                   (gint64 *) e->leaf_offsets->data, n_trees),
                         NULL);
  {
    gint64 dims[2] = { e->n_leaves, n_out };

    return _kiln_onnx_op (l->graph, "Gather",
                          _kiln_onnx_const_doubles (l->graph, "leaf_values",
                                                    (double *) e->leaf_values->data, dims,
                                                    n_out > 0 ? 2 : 1),
                          index, NULL);
  }
}

/* The trees of @e over @x, their leaves' rows of the double table summed over the trees (and
 * divided by their number when @average): [N, n_out] double. */
static const char *
emit_ensemble (KilnOnnxLowering *l, Ensemble *e, const char *x, guint n_trees, guint n_out,
               gboolean average)
{
  const char *result;

  result = _kiln_onnx_reduce_sum (l, l->graph, ensemble_leaf_values (l, e, x, n_trees, n_out),
                                  1, FALSE);   /* [N, n_out] */
  if (average && n_trees > 1)
    result = _kiln_onnx_op (l->graph, "Div", result,
                            _kiln_onnx_scalar_double (l->graph, "n_trees", n_trees), NULL);

  return result;
}

/* A tree or forest: @trees is an array of trees in the earlier form, or one object of packed
 * arrays. */
static const char *
lower_trees (KilnOnnxLowering *l, JsonNode *trees, GError **error)
{
  guint n_trees = 0;
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  Ensemble e;
  const char *result = NULL;

  ensemble_init (&e);
  if (trees != NULL && JSON_NODE_HOLDS_OBJECT (trees)
      && json_object_has_member (json_node_get_object (trees), "layout"))
    {
      if (!add_packed_trees (l, &e, json_node_get_object (trees), &n_trees, error))
        goto out;
    }
  else if (trees != NULL && JSON_NODE_HOLDS_ARRAY (trees))
    {
      JsonArray *array = json_node_get_array (trees);

      n_trees = json_array_get_length (array);
      for (guint t = 0; t < n_trees; t++)
        {
          JsonNode *tree = json_array_get_element (array, t);

          if (!JSON_NODE_HOLDS_OBJECT (tree))
            {
              _kiln_onnx_format_error (l, "trees", error);
              goto out;
            }
          if (!add_tree (l, &e, json_node_get_object (tree), t, error))
            goto out;
        }
    }
  if (n_trees == 0)
    {
      _kiln_onnx_format_error (l, "trees", error);
      goto out;
    }

  result = emit_ensemble (l, &e, l->x, n_trees, n_out, TRUE);

out:
  ensemble_clear (&e);
  return result;
}

const char *
_kiln_onnx_lower_tree (KilnOnnxLowering  *l,
                       GError           **error)
{
  JsonNode *tree = json_object_get_member (l->params, "tree");
  g_autoptr(JsonArray) trees = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (tree == NULL || !JSON_NODE_HOLDS_OBJECT (tree))
    {
      _kiln_onnx_format_error (l, "tree", error);
      return NULL;
    }
  if (json_object_has_member (json_node_get_object (tree), "layout"))
    return lower_trees (l, tree, error);
  /* the earlier form: one tree object, as a forest of one */
  trees = json_array_new ();
  json_array_add_element (trees, json_node_copy (tree));
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, trees);
  return lower_trees (l, node, error);
}

const char *
_kiln_onnx_lower_forest (KilnOnnxLowering  *l,
                         GError           **error)
{
  return lower_trees (l, json_object_get_member (l->params, "trees"), error);
}

/* ---- Gradient-boosted trees ---------------------------------------------------------------- */

/* The JSON form of kiln-gbt-tree.c: per tree "tree_nodes" internal nodes and "tree_cat_words"
 * words of categorical bit sets; per internal node (the trees one after the other) "left" and
 * "right" (>= 0 an internal node of the tree, < 0 the leaf ~child), "info" (the feature, and
 * these flags) and "split" (the threshold's float bits, or the first word of the node's bit
 * set); per tree n_nodes + 1 "leaf" values; the bit sets in "cat_bits". */
#define GBT_FEATURE_MASK  0x1fffffffu
#define GBT_DEFAULT_LEFT  0x20000000u   /* missing values go left */
#define GBT_CATEGORICAL   0x40000000u   /* the codes whose bit is set go left */

/* A categorical split as a derived feature: 1 where the row goes left, else 0. The one-hot
 * block of the feature holds at most one 1; a row with none (missing, or a category training
 * never saw) goes where missing values go. So the feature is sum_j onehot_j (in_j - dl) + dl. */
typedef struct {
  guint    block;       /* first one-hot column */
  guint    n_levels;
  guint8  *in_set;      /* per level */
  gboolean default_left;
} GbtDerived;

static void
gbt_derived_free (gpointer data)
{
  GbtDerived *d = data;

  g_free (d->in_set);
  g_free (d);
}

/* Kiln's gbt, exactly: the same trees on float features (x <= threshold in float; NaN follows
 * the node's default direction, which nodes_missing_value_tracks_true says), categorical splits
 * through derived 0/1 features (a MatMul of the one-hot columns), each tree's leaf index picking
 * a double leaf value that is summed per output in double from the baseline; then the identity
 * (regression), a sigmoid (two classes) or a softmax. */
const char *
_kiln_onnx_lower_gbt (KilnOnnxLowering  *l,
                      GError           **error)
{
  JsonNode *trees_node = json_object_get_member (l->params, "trees");
  JsonObject *trees;
  double n_rounds_d, n_outputs_d;
  guint k, n_trees;
  guint n_dense, n_cat, width = l->n_features;
  g_autofree gint64 *levels = NULL, *tree_nodes = NULL, *tree_words = NULL;
  g_autofree gint64 *left = NULL, *right = NULL, *info = NULL, *split = NULL, *bits = NULL;
  g_autofree double *baseline = NULL, *leaf = NULL;
  g_autofree guint *offset = NULL;
  g_autoptr(GPtrArray) derived = g_ptr_array_new_with_free_func (gbt_derived_free);
  gsize n_nodes = 0, n_words = 0, at = 0, at_leaf = 0, at_word = 0;
  const char *x = l->x, *raw, *result = NULL;
  Ensemble e;

  if (!_kiln_onnx_get_number (l, l->params, "n_rounds", &n_rounds_d, error)
      || !_kiln_onnx_get_number (l, l->params, "n_outputs", &n_outputs_d, error))
    return NULL;
  k = (guint) n_outputs_d;
  n_trees = (guint) n_rounds_d * k;
  if (k < 1 || (l->task == KILN_TASK_REGRESSION && k != 1)
      || (l->task == KILN_TASK_CLASSIFICATION && k != (l->n_classes == 2 ? 1 : l->n_classes)))
    {
      _kiln_onnx_format_error (l, "n_outputs", error);
      return NULL;
    }
  if (trees_node == NULL || !JSON_NODE_HOLDS_OBJECT (trees_node) || n_trees == 0)
    {
      _kiln_onnx_format_error (l, "trees", error);
      return NULL;
    }
  trees = json_node_get_object (trees_node);

  /* the one-hot view: dense features, then a block of columns per categorical feature */
  if (!_kiln_onnx_read_layout (l, &n_dense, &n_cat, &levels, &offset, error))
    return NULL;

  baseline = _kiln_onnx_get_doubles (l, l->params, "baseline", k, error);
  tree_nodes = baseline ? _kiln_onnx_get_ints (l, trees, "tree_nodes", n_trees, error) : NULL;
  tree_words = tree_nodes ? _kiln_onnx_get_ints (l, trees, "tree_cat_words", n_trees, error) : NULL;
  if (tree_words == NULL)
    return NULL;
  for (guint t = 0; t < n_trees; t++)
    {
      if (tree_nodes[t] < 0 || tree_words[t] < 0)
        {
          _kiln_onnx_format_error (l, "tree_nodes", error);
          return NULL;
        }
      n_nodes += (gsize) tree_nodes[t];
      n_words += (gsize) tree_words[t];
    }
  left = _kiln_onnx_get_ints (l, trees, "left", n_nodes, error);
  right = left ? _kiln_onnx_get_ints (l, trees, "right", n_nodes, error) : NULL;
  info = right ? _kiln_onnx_get_ints (l, trees, "info", n_nodes, error) : NULL;
  split = info ? _kiln_onnx_get_ints (l, trees, "split", n_nodes, error) : NULL;
  leaf = split ? _kiln_onnx_get_doubles (l, trees, "leaf", n_nodes + n_trees, error) : NULL;
  bits = leaf ? _kiln_onnx_get_ints (l, trees, "cat_bits", n_words, error) : NULL;
  if (bits == NULL)
    return NULL;

  ensemble_init (&e);
  for (guint t = 0; t < n_trees; t++)
    {
      gint64 nn = tree_nodes[t], first_value = e.leaf_values->len;

      for (gint64 i = 0; i < nn; i++, at++)
        {
          guint32 flags = (guint32) info[at];
          guint f = flags & GBT_FEATURE_MASK;
          gint64 lo = left[at] >= 0 ? left[at] : nn + ~left[at];
          gint64 hi = right[at] >= 0 ? right[at] : nn + ~right[at];

          if (lo <= i || hi <= i || lo > 2 * nn || hi > 2 * nn)
            {
              _kiln_onnx_format_error (l, "left", error);
              goto out;
            }
          if (flags & GBT_CATEGORICAL)
            {
              GbtDerived *d = g_new0 (GbtDerived, 1);
              guint cat = f - n_dense;
              gint64 start = at_word + split[at];

              g_ptr_array_add (derived, d);
              if (f < n_dense || cat >= n_cat || split[at] < 0
                  || start + (levels[cat] + 31) / 32 > (gint64) at_word + tree_words[t])
                {
                  _kiln_onnx_format_error (l, "info", error);
                  goto out;
                }
              d->block = offset[cat];
              d->n_levels = (guint) levels[cat];
              d->in_set = g_new0 (guint8, MAX (d->n_levels, 1));
              d->default_left = (flags & GBT_DEFAULT_LEFT) != 0;
              for (guint code = 0; code < d->n_levels; code++)
                d->in_set[code] = (bits[start + code / 32] >> (code % 32)) & 1;
              /* derived <= 0.5: the row does not go left */
              add_branch (&e, t, i, width + derived->len - 1, 0.5f, hi, lo, FALSE);
            }
          else
            {
              guint32 word = (guint32) split[at];
              float threshold;

              memcpy (&threshold, &word, sizeof threshold);
              if (f >= n_dense || isnan (threshold))
                {
                  _kiln_onnx_format_error (l, "split", error);
                  goto out;
                }
              add_branch (&e, t, i, f, threshold, lo, hi, (flags & GBT_DEFAULT_LEFT) != 0);
            }
        }
      /* the leaves: nodes nn .. 2 nn, each the tree's output of its own index */
      g_array_set_size (e.leaf_values, first_value + (gsize) (nn + 1));
      for (gint64 j = 0; j <= nn; j++, at_leaf++)
        {
          add_leaf (&e, t, nn + j, j);
          g_array_index (e.leaf_values, double, first_value + (gsize) j) = leaf[at_leaf];
        }
      APPEND (e.leaf_offsets, (gint64) e.n_leaves);
      e.n_leaves += (guint) (nn + 1);
      at_word += (gsize) tree_words[t];
    }

  if (derived->len > 0)
    {
      /* [x, derived]: onehot @ M + b appended as columns width .. width + D - 1, where onehot
       * is the one-hot block alone (columns n_dense .. width - 1): its 0s and 1s are never
       * NaN, while a numeric feature's NaN times 0 would make every derived feature NaN, and
       * a NaN derived feature takes the node's false branch whatever the category */
      guint D = derived->len, n_onehot = width - n_dense;
      g_autofree float *m = g_new0 (float, (gsize) n_onehot * D);
      g_autofree float *b = g_new0 (float, D);
      gint64 m_dims[2] = { n_onehot, D }, b_dims[1] = { D };
      gint64 starts = n_dense, ends = width, axes = 1;
      Onnx__NodeProto *concat;
      const char *extra, *onehot;

      for (guint d = 0; d < D; d++)
        {
          GbtDerived *g = derived->pdata[d];

          for (guint code = 0; code < g->n_levels; code++)
            m[(gsize) (g->block - n_dense + code) * D + d] = (float) g->in_set[code] -
                                                             (g->default_left ? 1.0f : 0.0f);
          b[d] = g->default_left ? 1.0f : 0.0f;
        }
      onehot = _kiln_onnx_op (l->graph, "Slice", l->x,
                              _kiln_onnx_vector_int64s (l->graph, "starts", &starts, 1),
                              _kiln_onnx_vector_int64s (l->graph, "ends", &ends, 1),
                              _kiln_onnx_vector_int64s (l->graph, "axes", &axes, 1), NULL);
      extra = _kiln_onnx_op (l->graph, "Add",
                             _kiln_onnx_op (l->graph, "MatMul", onehot,
                                            _kiln_onnx_const_floats (l->graph, "categories_left",
                                                                     m, m_dims, 2),
                                            NULL),
                             _kiln_onnx_const_floats (l->graph, "missing_left", b, b_dims, 1),
                             NULL);
      concat = _kiln_onnx_node (l->graph, "", "Concat", 1, l->x, extra, NULL);
      _kiln_onnx_attr_int (l->graph, concat, "axis", 1);
      x = concat->output[0];
    }

  /* each tree's leaf value, [N, trees]: tree t adds to output t % k (the trees of a round one
   * per output), so [N, rounds, k] summed over the rounds, from the baseline; one value per
   * tree and row rather than a row of k with k - 1 zeros keeps the graph's memory to N x trees */
  {
    gint64 shape[3] = { 0, n_trees / k, k };   /* 0: N, as it is */

    raw = _kiln_onnx_op (l->graph, "Reshape", ensemble_leaf_values (l, &e, x, n_trees, 0),
                         _kiln_onnx_vector_int64s (l->graph, "rounds_by_outputs", shape, 3),
                         NULL);
    raw = _kiln_onnx_op (l->graph, "Add", _kiln_onnx_reduce_sum (l, l->graph, raw, 1, FALSE),
                         _kiln_onnx_vector_doubles (l->graph, "baseline", baseline, k), NULL);
  }
  if (l->task == KILN_TASK_REGRESSION)
    result = raw;
  else if (k > 1)
    result = _kiln_onnx_softmax (l, raw);
  else
    result = _kiln_onnx_two_classes (l, raw);

out:
  ensemble_clear (&e);
  return result;
}
