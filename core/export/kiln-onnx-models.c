/* kiln-onnx-models.c: each model family as ONNX operators, from the float feature matrix: the
 * reading of a model's parameters that every lowering shares, the linear, MLP, naive Bayes and
 * kNN lowerings, and the dispatch by family; the trees, forests and gbt are in kiln-onnx-trees.c.
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

gboolean
_kiln_onnx_format_error (KilnOnnxLowering  *l,
                         const char        *member,
                         GError           **error)
{
  g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
               _("The %s model’s parameters are not as expected (“%s”)"), l->family, member);
  return FALSE;
}

/* A numeric array member of exactly @n elements, as doubles (g_free), read as the families read
 * their own JSON (plain or packed arrays). */
double *
_kiln_onnx_get_doubles (KilnOnnxLowering  *l,
                        JsonObject        *object,
                        const char        *member,
                        gsize              n,
                        GError           **error)
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

gint64 *
_kiln_onnx_get_ints (KilnOnnxLowering  *l,
                     JsonObject        *object,
                     const char        *member,
                     gsize              n,
                     GError           **error)
{
  g_autofree double *d = _kiln_onnx_get_doubles (l, object, member, n, error);
  gint64 *out;

  if (d == NULL)
    return NULL;
  out = g_new (gint64, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    out[i] = (gint64) d[i];
  return out;
}

gssize
_kiln_onnx_array_length (JsonObject *object,
                         const char *member)
{
  return kiln_model_json_get_length (object, member, NULL);
}

gboolean
_kiln_onnx_get_number (KilnOnnxLowering  *l,
                       JsonObject        *object,
                       const char        *member,
                       double            *out,
                       GError           **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return _kiln_onnx_format_error (l, member, error);
  *out = json_node_get_double (node);
  return TRUE;
}

const char *
_kiln_onnx_cast (KilnOnnxLowering *l,
                 const char       *x,
                 int               to)
{
  Onnx__NodeProto *node = _kiln_onnx_node (l->graph, "", "Cast", 1, x, NULL);

  _kiln_onnx_attr_int (l->graph, node, "to", to);
  return node->output[0];
}

const char *
_kiln_onnx_softmax (KilnOnnxLowering *l,
                    const char       *z)
{
  Onnx__NodeProto *node = _kiln_onnx_node (l->graph, "", "Softmax", 1, z, NULL);

  _kiln_onnx_attr_int (l->graph, node, "axis", 1);
  return node->output[0];
}

/* Two classes from one score: p = sigmoid (@z), [1 - p, p] (double [N, 2]). */
const char *
_kiln_onnx_two_classes (KilnOnnxLowering *l,
                        const char       *z)
{
  const char *p = _kiln_onnx_op (l->graph, "Sigmoid", z, NULL);
  Onnx__NodeProto *concat;

  concat = _kiln_onnx_node (l->graph, "", "Concat", 1,
                            _kiln_onnx_op (l->graph, "Sub",
                                           _kiln_onnx_scalar_double (l->graph, "one", 1.0), p,
                                           NULL),
                            p, NULL);
  _kiln_onnx_attr_int (l->graph, concat, "axis", 1);
  return concat->output[0];
}

const char *
_kiln_onnx_reduce_sum (KilnOnnxLowering *l,
                       KilnOnnxGraph    *graph,
                       const char       *x,
                       gint64            axis,
                       gboolean          keepdims)
{
  Onnx__NodeProto *node = _kiln_onnx_node (graph, "", "ReduceSum", 1, x,
                                           _kiln_onnx_vector_int64s (graph, "axes", &axis, 1),
                                           NULL);

  _kiln_onnx_attr_int (graph, node, "keepdims", keepdims);
  return node->output[0];
}

/* The one-hot view's layout from the model's JSON ("n_dense" and "n_levels", written only when
 * the model has categorical features): *@n_dense dense features, then per categorical feature c
 * a block of @levels[c] columns starting at @offset[c]. */
gboolean
_kiln_onnx_read_layout (KilnOnnxLowering  *l,
                        guint             *n_dense,
                        guint             *n_cat,
                        gint64           **levels,
                        guint            **offset,
                        GError           **error)
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
  n = _kiln_onnx_array_length (l->root, "n_levels");
  if (n < 0)
    return _kiln_onnx_format_error (l, "n_levels", error);
  if (!_kiln_onnx_get_number (l, l->root, "n_dense", &nd, error))
    return FALSE;
  *levels = _kiln_onnx_get_ints (l, l->root, "n_levels", (gsize) n, error);
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
      return _kiln_onnx_format_error (l, "n_levels", error);
    }
  return TRUE;
}

/* [d, n_out] double, the transpose of the row-major @n_out x @d coefficients. */
static const char *
weights_transposed (KilnOnnxLowering *l, const double *coef, guint n_out, guint d)
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
lower_logreg (KilnOnnxLowering *l, GError **error)
{
  guint d = l->n_features, k = l->n_classes == 2 ? 1 : l->n_classes;
  g_autofree double *coef = _kiln_onnx_get_doubles (l, l->params, "coef", (gsize) k * d, error);
  g_autofree double *intercept =
    coef ? _kiln_onnx_get_doubles (l, l->params, "intercept", k, error) : NULL;
  const char *z;

  if (intercept == NULL)
    return NULL;
  z = _kiln_onnx_op (l->graph, "Add",
                     _kiln_onnx_op (l->graph, "MatMul",
                                    _kiln_onnx_cast (l, l->x, KILN_ONNX_T_DOUBLE),
                                    weights_transposed (l, coef, k, d), NULL),
                     _kiln_onnx_vector_doubles (l->graph, "intercept", intercept, k), NULL);
  if (k > 1)
    return _kiln_onnx_softmax (l, z);
  return _kiln_onnx_two_classes (l, z);
}

static const char *
lower_linear (KilnOnnxLowering *l, GError **error)
{
  guint d = l->n_features;
  g_autofree double *coef = _kiln_onnx_get_doubles (l, l->params, "coef", d, error);
  double intercept;

  if (coef == NULL || !_kiln_onnx_get_number (l, l->params, "intercept", &intercept, error))
    return NULL;
  return _kiln_onnx_op (l->graph, "Add",
                        _kiln_onnx_op (l->graph, "MatMul",
                                       _kiln_onnx_cast (l, l->x, KILN_ONNX_T_DOUBLE),
                                       weights_transposed (l, coef, 1, d), NULL),
                        _kiln_onnx_vector_doubles (l->graph, "intercept", &intercept, 1), NULL);
}

/* ---- MLP ---------------------------------------------------------------------------------- */

static const char *
lower_mlp (KilnOnnxLowering *l, GError **error)
{
  gssize n_sizes = _kiln_onnx_array_length (l->params, "sizes");
  g_autofree gint64 *sizes = NULL;
  g_autofree double *weights = NULL;
  guint n_out = l->task == KILN_TASK_CLASSIFICATION ? l->n_classes : 1;
  gsize total = 0, off = 0;
  double y_mean, y_scale;
  const char *a = _kiln_onnx_cast (l, l->x, KILN_ONNX_T_DOUBLE);

  if (n_sizes < 2)
    {
      _kiln_onnx_format_error (l, "sizes", error);
      return NULL;
    }
  sizes = _kiln_onnx_get_ints (l, l->params, "sizes", n_sizes, error);
  if (sizes == NULL)
    return NULL;
  if (sizes[0] != l->n_features || sizes[n_sizes - 1] != n_out)
    {
      _kiln_onnx_format_error (l, "sizes", error);
      return NULL;
    }
  for (gssize i = 0; i + 1 < n_sizes; i++)
    {
      if (sizes[i] <= 0 || sizes[i + 1] <= 0)
        {
          _kiln_onnx_format_error (l, "sizes", error);
          return NULL;
        }
      total += (gsize) sizes[i] * sizes[i + 1] + sizes[i + 1];
    }
  weights = _kiln_onnx_get_doubles (l, l->params, "weights", total, error);
  if (weights == NULL || !_kiln_onnx_get_number (l, l->params, "y_mean", &y_mean, error) ||
      !_kiln_onnx_get_number (l, l->params, "y_scale", &y_scale, error))
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
    return _kiln_onnx_softmax (l, a);
  return _kiln_onnx_op (l->graph, "Add",
                        _kiln_onnx_op (l->graph, "Mul", a,
                                       _kiln_onnx_scalar_double (l->graph, "y_scale", y_scale),
                                       NULL),
                        _kiln_onnx_scalar_double (l->graph, "y_mean", y_mean), NULL);
}

/* ---- Gaussian naive Bayes ----------------------------------------------------------------- */

static const char *
lower_nb (KilnOnnxLowering *l, GError **error)
{
  guint C = l->n_classes, d = l->n_features;
  gsize n = (gsize) C * d;
  g_autofree double *count = _kiln_onnx_get_doubles (l, l->params, "class_count", C, error);
  g_autofree double *theta = count ? _kiln_onnx_get_doubles (l, l->params, "theta", n, error)
                                   : NULL;
  g_autofree double *var = theta ? _kiln_onnx_get_doubles (l, l->params, "var", n, error) : NULL;
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
  x = _kiln_onnx_op (l->graph, "Unsqueeze", _kiln_onnx_cast (l, l->x, KILN_ONNX_T_DOUBLE),
                     _kiln_onnx_vector_int64s (l->graph, "axes", &axis, 1), NULL);
  diff = _kiln_onnx_op (l->graph, "Sub", x,
                        _kiln_onnx_const_doubles (l->graph, "theta", theta, dims, 2), NULL);
  s = _kiln_onnx_reduce_sum (l, l->graph,
                             _kiln_onnx_op (l->graph, "Div",
                                            _kiln_onnx_op (l->graph, "Mul", diff, diff, NULL),
                                            _kiln_onnx_const_doubles (l->graph, "var", var,
                                                                      dims, 2),
                                            NULL),
                             2, FALSE);
  return _kiln_onnx_softmax (l, _kiln_onnx_op (l->graph, "Sub",
                                    _kiln_onnx_vector_doubles (l->graph, "log_prior_norm", bias, C),
                                    _kiln_onnx_op (l->graph, "Mul",
                                                   _kiln_onnx_scalar_double (l->graph, "half", 0.5),
                                                   s, NULL),
                                    NULL));
}

/* ---- k-nearest neighbours ----------------------------------------------------------------- */

static const char *
lower_knn (KilnOnnxLowering *l, GError **error)
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
      _kiln_onnx_format_error (l, "k", error);
      return NULL;
    }
  k = json_node_get_int (kn);
  n_rows = json_node_get_int (nn);
  if (k < 1 || n_rows < k)
    {
      _kiln_onnx_format_error (l, "k", error);
      return NULL;
    }
  if (!_kiln_onnx_read_layout (l, &n_dense, &n_cat, &levels, &offset, error))
    return NULL;
  if (n_cat == 0)
    x = _kiln_onnx_get_doubles (l, l->params, "x", (gsize) n_rows * d, error);
  else
    {
      /* the numeric features and the categories' codes (-1: none), as the one-hot view */
      g_autofree double *dense = _kiln_onnx_get_doubles (l, l->params, "x",
                                                         (gsize) n_rows * n_dense, error);
      g_autofree gint64 *codes = dense ? _kiln_onnx_get_ints (l, l->params, "codes",
                                                              (gsize) n_rows * n_cat, error)
                                       : NULL;

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
                  _kiln_onnx_format_error (l, "codes", error);
                  return NULL;
                }
              if (code >= 0)
                x[i * d + offset[c] + (gsize) code] = 1.0;
            }
        }
    }
  y = x ? _kiln_onnx_get_doubles (l, l->params, "y", n_rows, error) : NULL;
  if (y == NULL)
    return NULL;

  /* the training rows: the floats Kiln keeps, made double once (exactly), and what each
   * neighbour adds: a row of its class's indicator, or its target */
  {
    gint64 dims[2] = { n_rows, d };
    g_autofree float *xf = g_new (float, MAX ((gsize) n_rows * d, 1));

    for (gsize i = 0; i < (gsize) n_rows * d; i++)
      xf[i] = (float) x[i];
    train = _kiln_onnx_cast (l, _kiln_onnx_const_floats (l->graph, "neighbours", xf, dims, 2),
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
              _kiln_onnx_format_error (l, "y", error);
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
    dist = _kiln_onnx_reduce_sum (l, body, _kiln_onnx_op (body, "Mul", diff, diff, NULL), 1,
                                  FALSE);
  }
  topk = _kiln_onnx_node (body, "", "TopK", 2, dist,
                          _kiln_onnx_vector_int64s (body, "k", &k, 1), NULL);
  _kiln_onnx_attr_int (body, topk, "largest", 0);
  _kiln_onnx_attr_int (body, topk, "sorted", 1);
  picked = _kiln_onnx_op (body, "Gather", labels, topk->output[1], NULL);
  out = _kiln_onnx_op (body, "Div",
                       _kiln_onnx_reduce_sum (l, body, picked, 0, !classification),
                       _kiln_onnx_scalar_double (body, "k", (double) k), NULL);
  _kiln_onnx_graph_output (body, out, KILN_ONNX_T_DOUBLE, out_dims, 1);

  scan = _kiln_onnx_node (l->graph, "", "Scan", 1, _kiln_onnx_cast (l, l->x, KILN_ONNX_T_DOUBLE),
                          NULL);
  _kiln_onnx_attr_int (l->graph, scan, "num_scan_inputs", 1);
  _kiln_onnx_attr_graph (l->graph, scan, "body", body);
  return scan->output[0];
}

/* ---- Dispatch ----------------------------------------------------------------------------- */

typedef struct {
  const char *family;
  const char *(*lower) (KilnOnnxLowering *l, GError **error);
} Family;

static const Family families[] = {
  { "logreg", lower_logreg },
  { "linear", lower_linear },
  { "ridge", lower_linear },
  { "mlp", lower_mlp },
  { "nb", lower_nb },
  { "knn", lower_knn },
  { "tree", _kiln_onnx_lower_tree },
  { "forest", _kiln_onnx_lower_forest },
  { "gbt", _kiln_onnx_lower_gbt },
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
  KilnOnnxLowering l = { graph, kiln_model_get_name (model), KILN_TASK_CLASSIFICATION, 0, 0,
                 NULL, root, x };
  const char *task = root ? json_object_get_string_member_with_default (root, "task", "") : "";

  /* the shape as the model's JSON states it (the struct is the family's business) */
  if (!kiln_task_from_string (task, &l.task))
    {
      _kiln_onnx_format_error (&l, "task", error);
      return NULL;
    }
  l.n_features = (guint) json_object_get_int_member_with_default (root, "n_features", 0);
  l.n_classes = (guint) json_object_get_int_member_with_default (root, "n_classes", 0);

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    if (strcmp (families[i].family, l.family) == 0)
      {
        if (params == NULL || !JSON_NODE_HOLDS_OBJECT (params))
          {
            _kiln_onnx_format_error (&l, "params", error);
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
