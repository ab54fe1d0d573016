/* kiln-onnx-private.h: what the files of the ONNX exporter share (not public API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KilnOnnxGraph is an ONNX graph being built out of protobuf-c messages (the C that protoc-c
 * generates at build time from Debian's onnx.proto). Every message, string and array hangs off
 * the root graph's pool and goes with it, so building code never frees anything by hand. Names
 * are unique over the whole model (subgraphs included), as ONNX's single-assignment rule wants.
 *
 * Three layers: kiln-onnx-graph.c (nodes, initializers, serialising), kiln-onnx-recipe.c (the
 * fitted recipe from raw named inputs to the float feature matrix the model reads), and
 * kiln-onnx-models.c with kiln-onnx-trees.c (one lowering per model family from that matrix to
 * probabilities or values). kiln-onnx.c puts them together behind kiln-onnx.h.
 */
#pragma once

#include "kiln-onnx.h"
#include "onnx.pb-c.h"

G_BEGIN_DECLS

/* The ONNX element types Kiln uses (TensorProto.DataType). */
enum {
  KILN_ONNX_T_FLOAT = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
  KILN_ONNX_T_DOUBLE = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE,
  KILN_ONNX_T_INT64 = ONNX__TENSOR_PROTO__DATA_TYPE__INT64,
  KILN_ONNX_T_STRING = ONNX__TENSOR_PROTO__DATA_TYPE__STRING,
  KILN_ONNX_T_BOOL = ONNX__TENSOR_PROTO__DATA_TYPE__BOOL,
};

/* Opsets: the newest that Debian 12's python3-onnx (1.12) checks, and ONNX Runtime runs. */
#define KILN_ONNX_IR_VERSION   8
#define KILN_ONNX_OPSET        17
#define KILN_ONNX_ML_OPSET     3
#define KILN_ONNX_ML_DOMAIN    "ai.onnx.ml"

typedef struct _KilnOnnxGraph KilnOnnxGraph;

struct _KilnOnnxGraph {
  KilnOnnxGraph *root;          /* owns the pool and the names; itself for the main graph */
  GPtrArray     *pool;          /* g_free'd with the root */
  GHashTable    *names;         /* every name given out, model-wide */
  guint          serial;
  char          *name;
  GPtrArray     *nodes;         /* Onnx__NodeProto* */
  GPtrArray     *initializers;  /* Onnx__TensorProto* */
  GPtrArray     *inputs;        /* Onnx__ValueInfoProto* */
  GPtrArray     *outputs;       /* Onnx__ValueInfoProto* */
  GPtrArray     *subgraphs;     /* KilnOnnxGraph*, freed with this one */
};

KilnOnnxGraph   *_kiln_onnx_graph_new      (const char *name);
/* A graph for a node's attribute (a Scan body): its names come from @parent's model. */
KilnOnnxGraph   *_kiln_onnx_graph_new_sub  (KilnOnnxGraph *parent,
                                            const char    *name);
void             _kiln_onnx_graph_free     (KilnOnnxGraph *graph);

/* Zeroed memory and copies that live as long as the root graph. */
gpointer         _kiln_onnx_alloc          (KilnOnnxGraph *graph,
                                            gsize          size);
char            *_kiln_onnx_strdup         (KilnOnnxGraph *graph,
                                            const char    *str);
/* @hint itself when no value has that name yet, else @hint_2, @hint_3, ... */
const char      *_kiln_onnx_unique         (KilnOnnxGraph *graph,
                                            const char    *hint);
/* Claims @name exactly (a graph input or output); FALSE when it is taken. */
gboolean         _kiln_onnx_claim          (KilnOnnxGraph *graph,
                                            const char    *name);

/* A node of @op (domain "" or KILN_ONNX_ML_DOMAIN) reading @inputs (NULL-terminated; an empty
 * string is an omitted optional input), with @n_outputs fresh outputs named after @op. */
Onnx__NodeProto *_kiln_onnx_node_v         (KilnOnnxGraph      *graph,
                                            const char         *domain,
                                            const char         *op,
                                            const char * const *inputs,
                                            guint               n_outputs);
/* The same with the inputs as arguments, NULL-terminated. */
Onnx__NodeProto *_kiln_onnx_node           (KilnOnnxGraph *graph,
                                            const char    *domain,
                                            const char    *op,
                                            guint          n_outputs,
                                            ...) G_GNUC_NULL_TERMINATED;
/* One-output standard operator without attributes: its output's name. */
const char      *_kiln_onnx_op             (KilnOnnxGraph *graph,
                                            const char    *op,
                                            ...) G_GNUC_NULL_TERMINATED;
/* Renames output @i of @node to @name (a graph output). */
void             _kiln_onnx_node_set_output (KilnOnnxGraph   *graph,
                                             Onnx__NodeProto *node,
                                             guint            i,
                                             const char      *name);

void _kiln_onnx_attr_int     (KilnOnnxGraph *graph, Onnx__NodeProto *node, const char *name,
                              gint64 value);
void _kiln_onnx_attr_ints    (KilnOnnxGraph *graph, Onnx__NodeProto *node, const char *name,
                              const gint64 *values, gsize n);
void _kiln_onnx_attr_floats  (KilnOnnxGraph *graph, Onnx__NodeProto *node, const char *name,
                              const float *values, gsize n);
void _kiln_onnx_attr_string  (KilnOnnxGraph *graph, Onnx__NodeProto *node, const char *name,
                              const char *value);
void _kiln_onnx_attr_strings (KilnOnnxGraph *graph, Onnx__NodeProto *node, const char *name,
                              const char * const *values, gsize n);
/* Takes @body (a graph from _kiln_onnx_graph_new_sub()). */
void _kiln_onnx_attr_graph   (KilnOnnxGraph *graph, Onnx__NodeProto *node, const char *name,
                              KilnOnnxGraph *body);

/* Initializers: constant tensors of @n_dims dimensions; the data is copied. Their names. */
const char *_kiln_onnx_const_doubles (KilnOnnxGraph *graph, const char *hint,
                                      const double *values, const gint64 *dims, guint n_dims);
const char *_kiln_onnx_const_floats  (KilnOnnxGraph *graph, const char *hint,
                                      const float *values, const gint64 *dims, guint n_dims);
const char *_kiln_onnx_const_int64s  (KilnOnnxGraph *graph, const char *hint,
                                      const gint64 *values, const gint64 *dims, guint n_dims);
const char *_kiln_onnx_const_strings (KilnOnnxGraph *graph, const char *hint,
                                      const char * const *values, const gint64 *dims,
                                      guint n_dims);
/* Shorthands: a 1-D tensor of @n values, and a scalar (0-D). */
const char *_kiln_onnx_vector_doubles (KilnOnnxGraph *graph, const char *hint,
                                       const double *values, gsize n);
const char *_kiln_onnx_vector_int64s  (KilnOnnxGraph *graph, const char *hint,
                                       const gint64 *values, gsize n);
const char *_kiln_onnx_scalar_double  (KilnOnnxGraph *graph, const char *hint, double value);

/* Graph inputs and outputs: @dims with -1 for the row count (the symbolic "N"). */
void        _kiln_onnx_graph_input    (KilnOnnxGraph *graph, const char *name, int elem_type,
                                       const gint64 *dims, guint n_dims);
void        _kiln_onnx_graph_output   (KilnOnnxGraph *graph, const char *name, int elem_type,
                                       const gint64 *dims, guint n_dims);

/* The finished message tree of @graph (its arrays filled in); owned by the root's pool. */
Onnx__GraphProto *_kiln_onnx_graph_finish (KilnOnnxGraph *graph);

/* ---- Lowering ----------------------------------------------------------------------------- */

/* The recipe from the raw inputs (declared as graph inputs, in kiln_recipe_get_input_columns()
 * order) to the model's feature matrix: float [N, n_features]. Its name, or NULL with
 * KILN_ONNX_ERROR_UNSUPPORTED. @missing_rows: when some feature can still be missing (no step
 * fills it), a bool [N, 1] that is true for the rows where one is, which Kiln refuses to
 * score; else NULL. */
const char *_kiln_onnx_lower_recipe   (KilnOnnxGraph  *graph,
                                       KilnRecipe     *recipe,
                                       const char    **missing_rows,
                                       GError        **error);

/* The model from the feature matrix @x to double [N, n_classes] probabilities (classification)
 * or double [N, 1] values (regression). Its name, or NULL with KILN_ONNX_ERROR_UNSUPPORTED. */
const char *_kiln_onnx_lower_model    (KilnOnnxGraph  *graph,
                                       KilnModel      *model,
                                       const char     *x,
                                       GError        **error);

/* ---- Lowering a model family (kiln-onnx-models.c, kiln-onnx-trees.c) ---------------------- */

/* A model being lowered: its shape as its JSON states it, and its parameters. */
typedef struct {
  KilnOnnxGraph *graph;
  const char    *family;
  KilnTask       task;
  guint          n_features;
  guint          n_classes;
  JsonObject    *params;
  JsonObject    *root;     /* the model's JSON: n_dense, n_levels (the one-hot view's layout) */
  const char    *x;        /* float [N, n_features] */
} KilnOnnxLowering;

/* KILN_ONNX_ERROR_UNSUPPORTED naming @member of the parameters; FALSE. */
gboolean    _kiln_onnx_format_error  (KilnOnnxLowering  *l,
                                      const char        *member,
                                      GError           **error);
/* A numeric array member of exactly @n elements, as doubles or integers (g_free), read as the
 * families read their own JSON (plain or packed arrays). */
double     *_kiln_onnx_get_doubles   (KilnOnnxLowering  *l,
                                      JsonObject        *object,
                                      const char        *member,
                                      gsize              n,
                                      GError           **error);
gint64     *_kiln_onnx_get_ints      (KilnOnnxLowering  *l,
                                      JsonObject        *object,
                                      const char        *member,
                                      gsize              n,
                                      GError           **error);
/* The length of an array member, or -1. */
gssize      _kiln_onnx_array_length  (JsonObject        *object,
                                      const char        *member);
gboolean    _kiln_onnx_get_number    (KilnOnnxLowering  *l,
                                      JsonObject        *object,
                                      const char        *member,
                                      double            *out,
                                      GError           **error);
/* The one-hot view's layout from the model's JSON: *@n_dense dense features, then per
 * categorical feature c (*@n_cat of them) a block of @levels[c] columns from @offset[c]. */
gboolean    _kiln_onnx_read_layout   (KilnOnnxLowering  *l,
                                      guint             *n_dense,
                                      guint             *n_cat,
                                      gint64           **levels,
                                      guint            **offset,
                                      GError           **error);

/* Operators the lowerings share; each returns its output's name. */
const char *_kiln_onnx_cast          (KilnOnnxLowering  *l,
                                      const char        *x,
                                      int                to);
/* Softmax over axis 1. */
const char *_kiln_onnx_softmax       (KilnOnnxLowering  *l,
                                      const char        *z);
/* p = sigmoid (@z), then [1 - p, p]: two classes' probabilities from one score. */
const char *_kiln_onnx_two_classes   (KilnOnnxLowering  *l,
                                      const char        *z);
/* ReduceSum of @x over @axis, in @graph (the main graph or a subgraph). */
const char *_kiln_onnx_reduce_sum    (KilnOnnxLowering  *l,
                                      KilnOnnxGraph     *graph,
                                      const char        *x,
                                      gint64             axis,
                                      gboolean           keepdims);

/* The tree families (kiln-onnx-trees.c): the model from l->x to probabilities or values. */
const char *_kiln_onnx_lower_tree    (KilnOnnxLowering  *l,
                                      GError           **error);
const char *_kiln_onnx_lower_forest  (KilnOnnxLowering  *l,
                                      GError           **error);
const char *_kiln_onnx_lower_gbt     (KilnOnnxLowering  *l,
                                      GError           **error);

G_END_DECLS
