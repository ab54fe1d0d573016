/* kiln-onnx-models.c: each model family as ONNX operators, from the float feature matrix.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parameters come from the model's own JSON (kiln_model_to_json(), the form a bundle saves),
 * so the exporter depends on no family's internals. Each lowering computes what the family's
 * predict() computes, in the same precision (see kiln-onnx.h):
 *  - logreg: z = x W + b in double; two classes: p = sigmoid (z), [1 - p, p]; more: softmax;
 *  - linear, ridge: x w + b in double;
 *  - mlp: Gemm + Relu per layer in double on the float weights made double (Kiln predicts in
 *    double too), then softmax, or y_mean + y_scale * out for regression;
 *  - nb: the joint log-likelihood log prior + log norm - 1/2 sum (x - theta)^2 / var in double,
 *    then softmax (Kiln's log-sum-exp normalisation, the same up to rounding);
 *  - knn: a Scan over the rows; each row's squared distances to every training row in double
 *    (the differences of floats, exactly as Kiln re-ranks its candidates), TopK smallest with
 *    ties to the lower training row (ONNX's TopK rule and Kiln's), then the neighbours' class
 *    shares or mean target. Memory: one training matrix per row in flight, not N of them;
 *  - tree, forest: one TreeEnsembleRegressor whose target t is tree t's leaf index (exact in
 *    float up to 2^24 leaves per tree); the indices then pick rows of a double table of leaf
 *    values, which are summed over the trees and divided by their count, as Kiln does.
 *    Thresholds: Kiln sends x left when (double) x <= t; for a float x that is x <= the largest
 *    float not above t, which BRANCH_LEQ on float thresholds decides exactly;
 *  - gbt: the same, with Kiln's float thresholds as they are (it compares floats), a NaN sent
 *    where each split learnt (nodes_missing_value_tracks_true), each categorical split a 0/1
 *    feature computed from the one-hot block alone, and the leaves' sum from the baseline
 *    through the loss's link (identity, sigmoid, softmax).
 */
#define G_LOG_DOMAIN "kiln-onnx"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-onnx-private.h"

typedef struct {
  KilnOnnxGraph *graph;
  const char    *family;
  KilnTask       task;
  guint          n_features;
  guint          n_classes;
  JsonObject    *params;
  JsonObject    *root;     /* the model's JSON: n_dense, n_levels (the one-hot view's layout) */
  const char    *x;        /* float [N, n_features] */
} Lowering;

static gboolean
format_error (Lowering *l, const char *member, GError **error)
{
  g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
               _("The %s model’s parameters are not as expected (“%s”)"), l->family, member);
  return FALSE;
}

/* A numeric array member of exactly @n elements, as doubles (g_free), read as the families read
 * their own JSON (plain or packed arrays). */
static double *
get_doubles (Lowering *l, JsonObject *object, const char *member, gsize n, GError **error)
{
  g_autoptr(GError) local = NULL;
  double *out = g_new (double, MAX (n, 1));

  if (!kiln_model_json_get_numbers (object, member, out, n, &local))
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                   _("The %s model’s parameters are not as expected (%s)"), l->family,
                   local->message);
      g_free (out);
      return NULL;
    }
  return out;
}

static gint64 *
get_ints (Lowering *l, JsonObject *object, const char *member, gsize n, GError **error)
{
  g_autofree double *d = get_doubles (l, object, member, n, error);
  gint64 *out;

  if (d == NULL)
    return NULL;
  out = g_new (gint64, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    out[i] = (gint64) d[i];
  return out;
}

static gssize
array_length (JsonObject *object, const char *member)
{
  return kiln_model_json_get_length (object, member, NULL);
}

static gboolean
get_number (Lowering *l, JsonObject *object, const char *member, double *out, GError **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return format_error (l, member, error);
  *out = json_node_get_double (node);
  return TRUE;
}

static const char *
cast (Lowering *l, const char *x, int to)
{
  Onnx__NodeProto *node = _kiln_onnx_node (l->graph, "", "Cast", 1, x, NULL);

  _kiln_onnx_attr_int (l->graph, node, "to", to);
  return node->output[0];
}

static const char *
softmax (Lowering *l, const char *z)
{
  Onnx__NodeProto *node = _kiln_onnx_node (l->graph, "", "Softmax", 1, z, NULL);

  _kiln_onnx_attr_int (l->graph, node, "axis", 1);
  return node->output[0];
}

static const char *
reduce_sum (Lowering *l, KilnOnnxGraph *graph, const char *x, gint64 axis, gboolean keepdims)
{
  Onnx__NodeProto *node = _kiln_onnx_node (graph, "", "ReduceSum", 1, x,
                                           _kiln_onnx_vector_int64s (graph, "axes", &axis, 1),
                                           NULL);

  _kiln_onnx_attr_int (graph, node, "keepdims", keepdims);
  return node->output[0];
}

/* [d, n_out] double, the transpose of the row-major @n_out x @d coefficients. */
static const char *
weights_transposed (Lowering *l, const double *coef, guint n_out, guint d)
{
  g_autofree double *w = g_new (double, MAX ((gsize) n_out * d, 1));
  gint64 dims[2] = { d, n_out };

  for (guint c = 0; c < n_out; c++)
    for (guint j = 0; j < d; j++)
      w[(gsize) j * n_out + c] = coef[(gsize) c * d + j];
  return _kiln_onnx_const_doubles (l->graph, "coef", w, dims, 2);
}

/* ---- Linear families ---------------------------------------------------------------------- */

static const char *
lower_logreg (Lowering *l, GError **error)
{
  guint d = l->n_features, k = l->n_classes == 2 ? 1 : l->n_classes;
  g_autofree double *coef = get_doubles (l, l->params, "coef", (gsize) k * d, error);
  g_autofree double *intercept = coef ? get_doubles (l, l->params, "intercept", k, error) : NULL;
  const char *z, *p;

  if (intercept == NULL)
    return NULL;
  z = _kiln_onnx_op (l->graph, "Add",
                     _kiln_onnx_op (l->graph, "MatMul", cast (l, l->x, KILN_ONNX_T_DOUBLE),
                                    weights_transposed (l, coef, k, d), NULL),
                     _kiln_onnx_vector_doubles (l->graph, "intercept", intercept, k), NULL);
  if (k > 1)
    return softmax (l, z);
  p = _kiln_onnx_op (l->graph, "Sigmoid", z, NULL);
  {
    Onnx__NodeProto *concat;

    concat = _kiln_onnx_node (l->graph, "", "Concat", 1,
                              _kiln_onnx_op (l->graph, "Sub",
                                             _kiln_onnx_scalar_double (l->graph, "one", 1.0), p,
                                             NULL),
                              p, NULL);
    _kiln_onnx_attr_int (l->graph, concat, "axis", 1);
    return concat->output[0];
  }
}

static const char *
lower_linear (Lowering *l, GError **error)
{
  guint d = l->n_features;
  g_autofree double *coef = get_doubles (l, l->params, "coef", d, error);
  double intercept;

  if (coef == NULL || !get_number (l, l->params, "intercept", &intercept, error))
    return NULL;
  return _kiln_onnx_op (l->graph, "Add",
                        _kiln_onnx_op (l->graph, "MatMul", cast (l, l->x, KILN_ONNX_T_DOUBLE),
                                       weights_transposed (l, coef, 1, d), NULL),
                        _kiln_onnx_vector_doubles (l->graph, "intercept", &intercept, 1), NULL);
}

/* ---- MLP ---------------------------------------------------------------------------------- */

static const char *
lower_mlp (Lowering *l, GError **error)
{
  gssize n_sizes = array_length (l->params, "sizes");
  g_autofree gint64 *sizes = NULL;
  g_autofree double *weights = NULL;
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  gsize total = 0, off = 0;
  double y_mean, y_scale;
  const char *a = cast (l, l->x, KILN_ONNX_T_DOUBLE);

  if (n_sizes < 2)
    {
      format_error (l, "sizes", error);
      return NULL;
    }
  sizes = get_ints (l, l->params, "sizes", n_sizes, error);
  if (sizes == NULL)
    return NULL;
  if (sizes[0] != l->n_features || sizes[n_sizes - 1] != n_out)
    {
      format_error (l, "sizes", error);
      return NULL;
    }
  for (gssize i = 0; i + 1 < n_sizes; i++)
    {
      if (sizes[i] <= 0 || sizes[i + 1] <= 0)
        {
          format_error (l, "sizes", error);
          return NULL;
        }
      total += (gsize) sizes[i] * sizes[i + 1] + sizes[i + 1];
    }
  weights = get_doubles (l, l->params, "weights", total, error);
  if (weights == NULL || !get_number (l, l->params, "y_mean", &y_mean, error) ||
      !get_number (l, l->params, "y_scale", &y_scale, error))
    return NULL;

  /* one buffer, layer by layer: W (in x out, row-major), then b (out); floats in Kiln, which
   * predicts with them made double, as they are here */
  for (gssize i = 0; i + 1 < n_sizes; i++)
    {
      gsize in = sizes[i], out = sizes[i + 1];
      gint64 wdims[2] = { (gint64) in, (gint64) out }, bdims[1] = { (gint64) out };
      const char *gemm;

      for (gsize j = 0; j < in * out + out; j++)
        weights[off + j] = (float) weights[off + j];
      gemm = _kiln_onnx_op (l->graph, "Gemm", a,
                            _kiln_onnx_const_doubles (l->graph, "weight", weights + off, wdims, 2),
                            _kiln_onnx_const_doubles (l->graph, "bias", weights + off + in * out,
                                                      bdims, 1), NULL);
      off += in * out + out;
      a = i + 2 < n_sizes ? _kiln_onnx_op (l->graph, "Relu", gemm, NULL) : gemm;
    }
  if (l->task == KILN_TASK_CLASSIFICATION)
    return softmax (l, a);
  return _kiln_onnx_op (l->graph, "Add",
                        _kiln_onnx_op (l->graph, "Mul", a,
                                       _kiln_onnx_scalar_double (l->graph, "y_scale", y_scale),
                                       NULL),
                        _kiln_onnx_scalar_double (l->graph, "y_mean", y_mean), NULL);
}

/* ---- Gaussian naive Bayes ----------------------------------------------------------------- */

static const char *
lower_nb (Lowering *l, GError **error)
{
  guint C = l->n_classes, d = l->n_features;
  gsize n = (gsize) C * d;
  g_autofree double *count = get_doubles (l, l->params, "class_count", C, error);
  g_autofree double *theta = count ? get_doubles (l, l->params, "theta", n, error) : NULL;
  g_autofree double *var = theta ? get_doubles (l, l->params, "var", n, error) : NULL;
  g_autofree double *bias = NULL;
  gint64 dims[2] = { C, d }, axis = 1;
  double total = 0.0;
  const char *x, *diff, *s;

  if (var == NULL)
    return NULL;
  /* log prior + log normaliser per class, as the family derives them when it loads */
  bias = g_new (double, C);
  for (guint c = 0; c < C; c++)
    total += count[c];
  for (guint c = 0; c < C; c++)
    {
      double norm = 0.0, prior = count[c] > 0.0 ? log (count[c] / total) : -INFINITY;

      for (guint j = 0; j < d; j++)
        norm += log (2.0 * G_PI * var[(gsize) c * d + j]);
      bias[c] = prior + -0.5 * norm;
    }
  x = _kiln_onnx_op (l->graph, "Unsqueeze", cast (l, l->x, KILN_ONNX_T_DOUBLE),
                     _kiln_onnx_vector_int64s (l->graph, "axes", &axis, 1), NULL);
  diff = _kiln_onnx_op (l->graph, "Sub", x,
                        _kiln_onnx_const_doubles (l->graph, "theta", theta, dims, 2), NULL);
  s = reduce_sum (l, l->graph,
                  _kiln_onnx_op (l->graph, "Div", _kiln_onnx_op (l->graph, "Mul", diff, diff, NULL),
                                 _kiln_onnx_const_doubles (l->graph, "var", var, dims, 2), NULL),
                  2, FALSE);
  return softmax (l, _kiln_onnx_op (l->graph, "Sub",
                                    _kiln_onnx_vector_doubles (l->graph, "log_prior_norm", bias, C),
                                    _kiln_onnx_op (l->graph, "Mul",
                                                   _kiln_onnx_scalar_double (l->graph, "half", 0.5),
                                                   s, NULL),
                                    NULL));
}

/* The one-hot view's layout from the model's JSON ("n_dense" and "n_levels", written only when
 * the model has categorical features): *@n_dense dense features, then per categorical feature c
 * a block of @levels[c] columns starting at @offset[c]. */
static gboolean
read_layout (Lowering *l, guint *n_dense, guint *n_cat, gint64 **levels, guint **offset,
             GError **error)
{
  gssize n;
  double nd;
  guint width;

  *n_dense = l->n_features;
  *n_cat = 0;
  *levels = NULL;
  *offset = NULL;
  if (!json_object_has_member (l->root, "n_levels"))
    return TRUE;
  n = array_length (l->root, "n_levels");
  if (n < 0)
    return format_error (l, "n_levels", error);
  if (!get_number (l, l->root, "n_dense", &nd, error))
    return FALSE;
  *levels = get_ints (l, l->root, "n_levels", (gsize) n, error);
  if (*levels == NULL)
    return FALSE;
  *n_cat = (guint) n;
  *n_dense = (guint) nd;
  *offset = g_new (guint, MAX (*n_cat, 1));
  width = *n_dense;
  for (guint c = 0; c < *n_cat; c++)
    {
      (*offset)[c] = width;
      width += (guint) (*levels)[c];
    }
  if (width != l->n_features)
    {
      g_clear_pointer (levels, g_free);
      g_clear_pointer (offset, g_free);
      return format_error (l, "n_levels", error);
    }
  return TRUE;
}

/* ---- k-nearest neighbours ----------------------------------------------------------------- */

static const char *
lower_knn (Lowering *l, GError **error)
{
  JsonNode *kn = json_object_get_member (l->params, "k"), *nn = json_object_get_member (l->params, "n_rows");
  guint d = l->n_features, C = l->n_classes;
  gboolean classification = l->task == KILN_TASK_CLASSIFICATION;
  gint64 k, n_rows;
  g_autofree double *x = NULL, *y = NULL;
  g_autofree gint64 *levels = NULL;
  g_autofree guint *offset = NULL;
  guint n_dense, n_cat;
  KilnOnnxGraph *body;
  Onnx__NodeProto *scan, *topk;
  const char *train, *labels, *q, *dist, *picked, *out;
  guint n_out = classification ? C : 1;
  gint64 q_dims[1] = { d }, out_dims[1] = { n_out };

  if (kn == NULL || nn == NULL || !JSON_NODE_HOLDS_VALUE (kn) || !JSON_NODE_HOLDS_VALUE (nn))
    {
      format_error (l, "k", error);
      return NULL;
    }
  k = json_node_get_int (kn);
  n_rows = json_node_get_int (nn);
  if (k < 1 || n_rows < k)
    {
      format_error (l, "k", error);
      return NULL;
    }
  if (!read_layout (l, &n_dense, &n_cat, &levels, &offset, error))
    return NULL;
  if (n_cat == 0)
    x = get_doubles (l, l->params, "x", (gsize) n_rows * d, error);
  else
    {
      /* the numeric features and the categories' codes (-1: none), as the one-hot view */
      g_autofree double *dense = get_doubles (l, l->params, "x", (gsize) n_rows * n_dense, error);
      g_autofree gint64 *codes = dense ? get_ints (l, l->params, "codes",
                                                   (gsize) n_rows * n_cat, error) : NULL;

      if (codes == NULL)
        return NULL;
      x = g_new0 (double, MAX ((gsize) n_rows * d, 1));
      for (gsize i = 0; i < (gsize) n_rows; i++)
        {
          memcpy (x + i * d, dense + i * n_dense, n_dense * sizeof (double));
          for (guint c = 0; c < n_cat; c++)
            {
              gint64 code = codes[i * n_cat + c];

              if (code >= levels[c])
                {
                  format_error (l, "codes", error);
                  return NULL;
                }
              if (code >= 0)
                x[i * d + offset[c] + (gsize) code] = 1.0;
            }
        }
    }
  y = x ? get_doubles (l, l->params, "y", n_rows, error) : NULL;
  if (y == NULL)
    return NULL;

  /* the training rows: the floats Kiln keeps, made double once (exactly), and what each
   * neighbour adds: a row of its class's indicator, or its target */
  {
    gint64 dims[2] = { n_rows, d };
    g_autofree float *xf = g_new (float, MAX ((gsize) n_rows * d, 1));

    for (gsize i = 0; i < (gsize) n_rows * d; i++)
      xf[i] = (float) x[i];
    train = cast (l, _kiln_onnx_const_floats (l->graph, "neighbours", xf, dims, 2),
                  KILN_ONNX_T_DOUBLE);
  }
  if (classification)
    {
      g_autofree double *onehot = g_new0 (double, (gsize) n_rows * C);
      gint64 dims[2] = { n_rows, C };

      for (gint64 i = 0; i < n_rows; i++)
        {
          if (y[i] < 0 || y[i] >= C)
            {
              format_error (l, "y", error);
              return NULL;
            }
          onehot[(gsize) i * C + (gsize) y[i]] = 1.0;
        }
      labels = _kiln_onnx_const_doubles (l->graph, "neighbour_classes", onehot, dims, 2);
    }
  else
    labels = _kiln_onnx_vector_doubles (l->graph, "neighbour_targets", y, n_rows);

  body = _kiln_onnx_graph_new_sub (l->graph, "neighbours_of_one_row");
  q = _kiln_onnx_unique (body, "row");
  _kiln_onnx_graph_input (body, q, KILN_ONNX_T_DOUBLE, q_dims, 1);
  {
    const char *diff = _kiln_onnx_op (body, "Sub", train, q, NULL);
    dist = reduce_sum (l, body, _kiln_onnx_op (body, "Mul", diff, diff, NULL), 1, FALSE);
  }
  topk = _kiln_onnx_node (body, "", "TopK", 2, dist,
                          _kiln_onnx_vector_int64s (body, "k", &k, 1), NULL);
  _kiln_onnx_attr_int (body, topk, "largest", 0);
  _kiln_onnx_attr_int (body, topk, "sorted", 1);
  picked = _kiln_onnx_op (body, "Gather", labels, topk->output[1], NULL);
  out = _kiln_onnx_op (body, "Div", reduce_sum (l, body, picked, 0, !classification),
                       _kiln_onnx_scalar_double (body, "k", (double) k), NULL);
  _kiln_onnx_graph_output (body, out, KILN_ONNX_T_DOUBLE, out_dims, 1);

  scan = _kiln_onnx_node (l->graph, "", "Scan", 1, cast (l, l->x, KILN_ONNX_T_DOUBLE), NULL);
  _kiln_onnx_attr_int (l->graph, scan, "num_scan_inputs", 1);
  _kiln_onnx_attr_graph (l->graph, scan, "body", body);
  return scan->output[0];
}

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
  e->treeids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->nodeids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->featureids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->truenodeids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->falsenodeids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->missing_true = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->values = g_array_new (FALSE, FALSE, sizeof (float));
  e->modes = g_ptr_array_new ();
  e->target_treeids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->target_nodeids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->target_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->target_weights = g_array_new (FALSE, FALSE, sizeof (float));
  e->leaf_values = g_array_new (FALSE, FALSE, sizeof (double));
  e->leaf_offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->n_leaves = 0;
}

static void
ensemble_clear (Ensemble *e)
{
  g_array_unref (e->treeids);
  g_array_unref (e->nodeids);
  g_array_unref (e->featureids);
  g_array_unref (e->truenodeids);
  g_array_unref (e->falsenodeids);
  g_array_unref (e->missing_true);
  g_array_unref (e->values);
  g_ptr_array_unref (e->modes);
  g_array_unref (e->target_treeids);
  g_array_unref (e->target_nodeids);
  g_array_unref (e->target_ids);
  g_array_unref (e->target_weights);
  g_array_unref (e->leaf_values);
  g_array_unref (e->leaf_offsets);
}

#define APPEND(array, value) G_STMT_START { __typeof__ (value) v_ = (value); \
                                            g_array_append_val ((array), v_); } G_STMT_END

/* One tree as nodes: feature (-1: a leaf), threshold, left (a leaf: its leaf index) and right
 * per node, and @leaves, n_leaves x n_out values. */
static gboolean
add_tree_nodes (Lowering *l, Ensemble *e, gint64 t, gssize n, const gint64 *feature,
                const double *threshold, const gint64 *left, const gint64 *right,
                const double *leaves, guint n_leaves, GError **error)
{
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  gsize first_value = e->leaf_values->len;

  if (n < 1)
    return format_error (l, "feature", error);
  for (gssize i = 0; i < n; i++)
    {
      if (feature[i] >= (gint64) l->n_features)
        return format_error (l, "feature", error);
      if (feature[i] < 0)
        {
          if (left[i] < 0 || left[i] >= (gint64) n_leaves)
            return format_error (l, "left", error);
        }
      else if (left[i] <= 0 || left[i] >= n || right[i] <= 0 || right[i] >= n)
        return format_error (l, "right", error);
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
    {
      APPEND (e->treeids, t);
      APPEND (e->nodeids, (gint64) i);
      APPEND (e->missing_true, (gint64) 0);
      if (feature[i] >= 0)
        {
          APPEND (e->featureids, feature[i]);
          APPEND (e->values, float_at_most (threshold[i]));
          g_ptr_array_add (e->modes, (gpointer) "BRANCH_LEQ");
          APPEND (e->truenodeids, left[i]);
          APPEND (e->falsenodeids, right[i]);
        }
      else
        {
          APPEND (e->featureids, (gint64) 0);
          APPEND (e->values, 0.0f);
          g_ptr_array_add (e->modes, (gpointer) "LEAF");
          APPEND (e->truenodeids, (gint64) 0);
          APPEND (e->falsenodeids, (gint64) 0);
          APPEND (e->target_treeids, t);
          APPEND (e->target_nodeids, (gint64) i);
          APPEND (e->target_ids, t);
          APPEND (e->target_weights, (float) left[i]);
        }
    }
  g_array_set_size (e->leaf_values, first_value + (gsize) n_leaves * n_out);
  memcpy (&g_array_index (e->leaf_values, double, first_value), leaves,
          (gsize) n_leaves * n_out * sizeof (double));
  APPEND (e->leaf_offsets, (gint64) e->n_leaves);
  e->n_leaves += n_leaves;
  return TRUE;
}

/* The leaves' values as a dense n_leaves x n_out table: regression's @value per leaf, or a
 * classifier's sparse probabilities (@nnz per leaf, then @cls and @value per stored one). */
static double *
leaf_table (Lowering *l, guint n_leaves, const gint64 *nnz, const gint64 *cls,
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
            format_error (l, "value_class", error);
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
add_tree (Lowering *l, Ensemble *e, JsonObject *tree, gint64 t, GError **error)
{
  gssize n = array_length (tree, "feature");
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  g_autofree gint64 *feature = NULL, *left = NULL, *right = NULL, *nnz = NULL, *cls = NULL;
  g_autofree double *threshold = NULL, *value = NULL, *table = NULL;
  guint n_leaves = 0;
  gsize total = 0;

  if (n < 1)
    return format_error (l, "feature", error);
  feature = get_ints (l, tree, "feature", n, error);
  threshold = feature ? get_doubles (l, tree, "threshold", n, error) : NULL;
  left = threshold ? get_ints (l, tree, "left", n, error) : NULL;
  right = left ? get_ints (l, tree, "right", n, error) : NULL;
  if (right == NULL)
    return FALSE;
  for (gssize i = 0; i < n; i++)
    if (feature[i] < 0 && left[i] >= 0)
      n_leaves = MAX (n_leaves, (guint) MIN (left[i] + 1, G_MAXUINT));
  if (l->task == KILN_TASK_REGRESSION)
    value = get_doubles (l, tree, "value", n_leaves, error);
  else
    {
      nnz = get_ints (l, tree, "leaf_nnz", n_leaves, error);
      for (guint i = 0; nnz != NULL && i < n_leaves; i++)
        {
          if (nnz[i] < 0 || nnz[i] > n_out)
            return format_error (l, "leaf_nnz", error);
          total += (gsize) nnz[i];
        }
      cls = nnz ? get_ints (l, tree, "value_class", total, error) : NULL;
      value = cls ? get_doubles (l, tree, "value", total, error) : NULL;
    }
  table = value ? leaf_table (l, n_leaves, nnz, cls, value, total, error) : NULL;
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
add_packed_trees (Lowering *l, Ensemble *e, JsonObject *packed, guint *n_trees_out,
                  GError **error)
{
  gssize n_trees = array_length (packed, "tree_nodes");
  g_autofree gint64 *tree_nodes = NULL, *feature = NULL, *right_d = NULL;
  g_autofree gint64 *nnz = NULL, *cls = NULL;
  g_autofree double *threshold = NULL, *value = NULL;
  gsize n_nodes = 0, n_internal = 0, n_leaves = 0, n_values = 0;
  gsize at = 0, at_internal = 0, at_leaf = 0, at_value = 0;
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  double layout;

  if (!get_number (l, packed, "layout", &layout, error))
    return FALSE;
  if (layout != 2.0)
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                   _("The %s model’s trees are saved in a layout this Kiln does not know (%g)"),
                   l->family, layout);
      return FALSE;
    }
  if (n_trees < 1)
    return format_error (l, "tree_nodes", error);
  tree_nodes = get_ints (l, packed, "tree_nodes", (gsize) n_trees, error);
  if (tree_nodes == NULL)
    return FALSE;
  for (gssize t = 0; t < n_trees; t++)
    {
      if (tree_nodes[t] < 1)
        return format_error (l, "tree_nodes", error);
      n_nodes += (gsize) tree_nodes[t];
    }
  feature = get_ints (l, packed, "feature", n_nodes, error);
  if (feature == NULL)
    return FALSE;
  for (gsize i = 0; i < n_nodes; i++)
    {
      if (feature[i] >= 0)
        n_internal++;
      else
        n_leaves++;
    }
  threshold = get_doubles (l, packed, "threshold", n_internal, error);
  right_d = threshold ? get_ints (l, packed, "right", n_internal, error) : NULL;
  if (right_d == NULL)
    return FALSE;
  if (l->task == KILN_TASK_REGRESSION)
    {
      value = get_doubles (l, packed, "value", n_leaves, error);
      n_values = n_leaves;
    }
  else
    {
      nnz = get_ints (l, packed, "leaf_nnz", n_leaves, error);
      for (gsize i = 0; nnz != NULL && i < n_leaves; i++)
        {
          if (nnz[i] < 0 || nnz[i] > n_out)
            return format_error (l, "leaf_nnz", error);
          n_values += (gsize) nnz[i];
        }
      cls = nnz ? get_ints (l, packed, "value_class", n_values, error) : NULL;
      value = cls ? get_doubles (l, packed, "value", n_values, error) : NULL;
    }
  if (value == NULL)
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
ensemble_leaf_values (Lowering *l, Ensemble *e, const char *x, guint n_trees, guint n_out)
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
  leaf = cast (l, node->output[0], KILN_ONNX_T_INT64);
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
emit_ensemble (Lowering *l, Ensemble *e, const char *x, guint n_trees, guint n_out,
               gboolean average)
{
  const char *result;

  result = reduce_sum (l, l->graph, ensemble_leaf_values (l, e, x, n_trees, n_out), 1,
                       FALSE);   /* [N, n_out] */
  if (average && n_trees > 1)
    result = _kiln_onnx_op (l->graph, "Div", result,
                            _kiln_onnx_scalar_double (l->graph, "n_trees", n_trees), NULL);

  return result;
}

/* A tree or forest: @trees is an array of trees in the earlier form, or one object of packed
 * arrays. */
static const char *
lower_trees (Lowering *l, JsonNode *trees, GError **error)
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
              format_error (l, "trees", error);
              goto out;
            }
          if (!add_tree (l, &e, json_node_get_object (tree), t, error))
            goto out;
        }
    }
  if (n_trees == 0)
    {
      format_error (l, "trees", error);
      goto out;
    }

  result = emit_ensemble (l, &e, l->x, n_trees, n_out, TRUE);

out:
  ensemble_clear (&e);
  return result;
}

static const char *
lower_tree (Lowering *l, GError **error)
{
  JsonNode *tree = json_object_get_member (l->params, "tree");
  g_autoptr(JsonArray) trees = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (tree == NULL || !JSON_NODE_HOLDS_OBJECT (tree))
    {
      format_error (l, "tree", error);
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

static const char *
lower_forest (Lowering *l, GError **error)
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
static const char *
lower_gbt (Lowering *l, GError **error)
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

  if (!get_number (l, l->params, "n_rounds", &n_rounds_d, error)
      || !get_number (l, l->params, "n_outputs", &n_outputs_d, error))
    return NULL;
  k = (guint) n_outputs_d;
  n_trees = (guint) n_rounds_d * k;
  if (k < 1 || (l->task == KILN_TASK_REGRESSION && k != 1)
      || (l->task == KILN_TASK_CLASSIFICATION && k != (l->n_classes == 2 ? 1 : l->n_classes)))
    {
      format_error (l, "n_outputs", error);
      return NULL;
    }
  if (trees_node == NULL || !JSON_NODE_HOLDS_OBJECT (trees_node) || n_trees == 0)
    {
      format_error (l, "trees", error);
      return NULL;
    }
  trees = json_node_get_object (trees_node);

  /* the one-hot view: dense features, then a block of columns per categorical feature */
  if (!read_layout (l, &n_dense, &n_cat, &levels, &offset, error))
    return NULL;

  baseline = get_doubles (l, l->params, "baseline", k, error);
  tree_nodes = baseline ? get_ints (l, trees, "tree_nodes", n_trees, error) : NULL;
  tree_words = tree_nodes ? get_ints (l, trees, "tree_cat_words", n_trees, error) : NULL;
  if (tree_words == NULL)
    return NULL;
  for (guint t = 0; t < n_trees; t++)
    {
      if (tree_nodes[t] < 0 || tree_words[t] < 0)
        {
          format_error (l, "tree_nodes", error);
          return NULL;
        }
      n_nodes += (gsize) tree_nodes[t];
      n_words += (gsize) tree_words[t];
    }
  left = get_ints (l, trees, "left", n_nodes, error);
  right = left ? get_ints (l, trees, "right", n_nodes, error) : NULL;
  info = right ? get_ints (l, trees, "info", n_nodes, error) : NULL;
  split = info ? get_ints (l, trees, "split", n_nodes, error) : NULL;
  leaf = split ? get_doubles (l, trees, "leaf", n_nodes + n_trees, error) : NULL;
  bits = leaf ? get_ints (l, trees, "cat_bits", n_words, error) : NULL;
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
              format_error (l, "left", error);
              goto out;
            }
          APPEND (e.treeids, (gint64) t);
          APPEND (e.nodeids, i);
          g_ptr_array_add (e.modes, (gpointer) "BRANCH_LEQ");
          if (flags & GBT_CATEGORICAL)
            {
              GbtDerived *d = g_new0 (GbtDerived, 1);
              guint cat = f - n_dense;
              gint64 start = at_word + split[at];

              g_ptr_array_add (derived, d);
              if (f < n_dense || cat >= n_cat || split[at] < 0
                  || start + (levels[cat] + 31) / 32 > (gint64) at_word + tree_words[t])
                {
                  format_error (l, "info", error);
                  goto out;
                }
              d->block = offset[cat];
              d->n_levels = (guint) levels[cat];
              d->in_set = g_new0 (guint8, MAX (d->n_levels, 1));
              d->default_left = (flags & GBT_DEFAULT_LEFT) != 0;
              for (guint code = 0; code < d->n_levels; code++)
                d->in_set[code] = (bits[start + code / 32] >> (code % 32)) & 1;
              /* derived <= 0.5: the row does not go left */
              APPEND (e.featureids, (gint64) (width + derived->len - 1));
              APPEND (e.values, 0.5f);
              APPEND (e.truenodeids, hi);
              APPEND (e.falsenodeids, lo);
              APPEND (e.missing_true, (gint64) 0);
            }
          else
            {
              guint32 word = (guint32) split[at];
              float threshold;

              memcpy (&threshold, &word, sizeof threshold);
              if (f >= n_dense || isnan (threshold))
                {
                  format_error (l, "split", error);
                  goto out;
                }
              APPEND (e.featureids, (gint64) f);
              APPEND (e.values, threshold);
              APPEND (e.truenodeids, lo);
              APPEND (e.falsenodeids, hi);
              APPEND (e.missing_true, (gint64) ((flags & GBT_DEFAULT_LEFT) != 0));
            }
        }
      /* the leaves: nodes nn .. 2 nn, each the tree's output of its own index */
      g_array_set_size (e.leaf_values, first_value + (gsize) (nn + 1));
      for (gint64 j = 0; j <= nn; j++, at_leaf++)
        {
          APPEND (e.treeids, (gint64) t);
          APPEND (e.nodeids, nn + j);
          APPEND (e.featureids, (gint64) 0);
          APPEND (e.values, 0.0f);
          g_ptr_array_add (e.modes, (gpointer) "LEAF");
          APPEND (e.truenodeids, (gint64) 0);
          APPEND (e.falsenodeids, (gint64) 0);
          APPEND (e.missing_true, (gint64) 0);
          APPEND (e.target_treeids, (gint64) t);
          APPEND (e.target_nodeids, nn + j);
          APPEND (e.target_ids, (gint64) t);
          APPEND (e.target_weights, (float) j);
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
    raw = _kiln_onnx_op (l->graph, "Add", reduce_sum (l, l->graph, raw, 1, FALSE),
                         _kiln_onnx_vector_doubles (l->graph, "baseline", baseline, k), NULL);
  }
  if (l->task == KILN_TASK_REGRESSION)
    result = raw;
  else if (k > 1)
    result = softmax (l, raw);
  else
    {
      const char *p = _kiln_onnx_op (l->graph, "Sigmoid", raw, NULL);
      Onnx__NodeProto *concat;

      concat = _kiln_onnx_node (l->graph, "", "Concat", 1,
                                _kiln_onnx_op (l->graph, "Sub",
                                               _kiln_onnx_scalar_double (l->graph, "one", 1.0), p,
                                               NULL),
                                p, NULL);
      _kiln_onnx_attr_int (l->graph, concat, "axis", 1);
      result = concat->output[0];
    }

out:
  ensemble_clear (&e);
  return result;
}

/* ---- Dispatch ----------------------------------------------------------------------------- */

typedef struct {
  const char *family;
  const char *(*lower) (Lowering *l, GError **error);
} Family;

static const Family families[] = {
  { "logreg", lower_logreg },
  { "linear", lower_linear },
  { "ridge", lower_linear },
  { "mlp", lower_mlp },
  { "nb", lower_nb },
  { "knn", lower_knn },
  { "tree", lower_tree },
  { "forest", lower_forest },
  { "gbt", lower_gbt },
};

const char *
_kiln_onnx_lower_model (KilnOnnxGraph  *graph,
                        KilnModel      *model,
                        const char     *x,
                        GError        **error)
{
  g_autoptr(JsonNode) json = kiln_model_to_json (model);
  JsonObject *root = JSON_NODE_HOLDS_OBJECT (json) ? json_node_get_object (json) : NULL;
  JsonNode *params = root ? json_object_get_member (root, "params") : NULL;
  Lowering l = { graph, kiln_model_get_name (model), KILN_TASK_CLASSIFICATION, 0, 0,
                 NULL, root, x };
  const char *task = root ? json_object_get_string_member_with_default (root, "task", "") : "";

  /* the shape as the model's JSON states it (the struct is the family's business) */
  if (!kiln_task_from_string (task, &l.task))
    {
      format_error (&l, "task", error);
      return NULL;
    }
  l.n_features = (guint) json_object_get_int_member_with_default (root, "n_features", 0);
  l.n_classes = (guint) json_object_get_int_member_with_default (root, "n_classes", 0);

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    if (strcmp (families[i].family, l.family) == 0)
      {
        if (params == NULL || !JSON_NODE_HOLDS_OBJECT (params))
          {
            format_error (&l, "params", error);
            return NULL;
          }
        if (l.task == KILN_TASK_CLASSIFICATION && l.n_classes < 2)
          {
            g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                         _("The model knows fewer than two classes"));
            return NULL;
          }
        l.params = json_node_get_object (params);
        return families[i].lower (&l, error);
      }
  g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
               _("Models of the family “%s” have no ONNX form yet"), l.family);
  return NULL;
}
