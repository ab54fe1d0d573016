/* kiln-onnx-graph.c: building an ONNX graph out of protobuf-c messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The messages are the structs protoc-c generates from onnx.proto; each is initialised with its
 * generated *_INIT value (which sets the message descriptor protobuf-c packs by) and allocated
 * from the root graph's pool. proto2 optional scalars need their has_* flag set to be written.
 * Numeric initializers go out as raw_data (little-endian bytes, as the format defines them);
 * string tensors as string_data.
 */
#define G_LOG_DOMAIN "kiln-onnx"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "kiln-onnx-private.h"

KilnOnnxGraph *
_kiln_onnx_graph_new (const char *name)
{
  KilnOnnxGraph *graph = g_new0 (KilnOnnxGraph, 1);

  graph->root = graph;
  graph->pool = g_ptr_array_new_with_free_func (g_free);
  graph->names = g_hash_table_new (g_str_hash, g_str_equal);
  graph->name = _kiln_onnx_strdup (graph, name);
  graph->nodes = g_ptr_array_new ();
  graph->initializers = g_ptr_array_new ();
  graph->inputs = g_ptr_array_new ();
  graph->outputs = g_ptr_array_new ();
  graph->subgraphs = g_ptr_array_new_with_free_func ((GDestroyNotify) _kiln_onnx_graph_free);
  return graph;
}

KilnOnnxGraph *
_kiln_onnx_graph_new_sub (KilnOnnxGraph *parent,
                          const char    *name)
{
  KilnOnnxGraph *graph = g_new0 (KilnOnnxGraph, 1);

  graph->root = parent->root;
  graph->name = _kiln_onnx_strdup (graph, name);
  graph->nodes = g_ptr_array_new ();
  graph->initializers = g_ptr_array_new ();
  graph->inputs = g_ptr_array_new ();
  graph->outputs = g_ptr_array_new ();
  graph->subgraphs = g_ptr_array_new_with_free_func ((GDestroyNotify) _kiln_onnx_graph_free);
  return graph;
}

void
_kiln_onnx_graph_free (KilnOnnxGraph *graph)
{
  if (graph == NULL)
    return;
  g_ptr_array_unref (graph->subgraphs);
  g_ptr_array_unref (graph->nodes);
  g_ptr_array_unref (graph->initializers);
  g_ptr_array_unref (graph->inputs);
  g_ptr_array_unref (graph->outputs);
  if (graph->root == graph)
    {
      g_hash_table_unref (graph->names);
      g_ptr_array_unref (graph->pool);
    }
  g_free (graph);
}

gpointer
_kiln_onnx_alloc (KilnOnnxGraph *graph,
                  gsize          size)
{
  gpointer p = g_malloc0 (MAX (size, 1));

  g_ptr_array_add (graph->root->pool, p);
  return p;
}

static gpointer
pool_memdup (KilnOnnxGraph *graph,
             gconstpointer  data,
             gsize          size)
{
  gpointer p = _kiln_onnx_alloc (graph, size);

  if (size > 0)
    memcpy (p, data, size);
  return p;
}

char *
_kiln_onnx_strdup (KilnOnnxGraph *graph,
                   const char    *str)
{
  if (str == NULL)
    return NULL;
  return pool_memdup (graph, str, strlen (str) + 1);
}

gboolean
_kiln_onnx_claim (KilnOnnxGraph *graph,
                  const char    *name)
{
  char *copy;

  if (g_hash_table_contains (graph->root->names, name))
    return FALSE;
  copy = _kiln_onnx_strdup (graph, name);
  g_hash_table_add (graph->root->names, copy);
  return TRUE;
}

const char *
_kiln_onnx_unique (KilnOnnxGraph *graph,
                   const char    *hint)
{
  KilnOnnxGraph *root = graph->root;

  if (_kiln_onnx_claim (graph, hint))
    return g_hash_table_lookup (root->names, hint);
  for (;;)
    {
      g_autofree char *name = g_strdup_printf ("%s_%u", hint, ++root->serial);
      if (_kiln_onnx_claim (graph, name))
        return g_hash_table_lookup (root->names, name);
    }
}

/* ---- Nodes -------------------------------------------------------------------------------- */

Onnx__NodeProto *
_kiln_onnx_node_v (KilnOnnxGraph      *graph,
                   const char         *domain,
                   const char         *op,
                   const char * const *inputs,
                   guint               n_outputs)
{
  Onnx__NodeProto init = ONNX__NODE_PROTO__INIT;
  Onnx__NodeProto *node = pool_memdup (graph, &init, sizeof init);
  g_autofree char *lower = g_ascii_strdown (op, -1);
  guint n_inputs = inputs ? g_strv_length ((char **) inputs) : 0;

  node->op_type = _kiln_onnx_strdup (graph, op);
  node->domain = _kiln_onnx_strdup (graph, domain ? domain : "");
  node->name = (char *) _kiln_onnx_unique (graph, op);
  node->n_input = n_inputs;
  node->input = _kiln_onnx_alloc (graph, sizeof (char *) * n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    node->input[i] = _kiln_onnx_strdup (graph, inputs[i]);
  node->n_output = n_outputs;
  node->output = _kiln_onnx_alloc (graph, sizeof (char *) * n_outputs);
  for (guint i = 0; i < n_outputs; i++)
    node->output[i] = (char *) _kiln_onnx_unique (graph, lower);
  g_ptr_array_add (graph->nodes, node);
  return node;
}

static Onnx__NodeProto *
node_va (KilnOnnxGraph *graph,
         const char    *domain,
         const char    *op,
         guint          n_outputs,
         va_list        args)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  const char *in;

  while ((in = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (inputs, (gpointer) in);
  g_ptr_array_add (inputs, NULL);
  return _kiln_onnx_node_v (graph, domain, op, (const char * const *) inputs->pdata, n_outputs);
}

Onnx__NodeProto *
_kiln_onnx_node (KilnOnnxGraph *graph,
                 const char    *domain,
                 const char    *op,
                 guint          n_outputs,
                 ...)
{
  Onnx__NodeProto *node;
  va_list args;

  va_start (args, n_outputs);
  node = node_va (graph, domain, op, n_outputs, args);
  va_end (args);
  return node;
}

const char *
_kiln_onnx_op (KilnOnnxGraph *graph,
               const char    *op,
               ...)
{
  Onnx__NodeProto *node;
  va_list args;

  va_start (args, op);
  node = node_va (graph, "", op, 1, args);
  va_end (args);
  return node->output[0];
}

void
_kiln_onnx_node_set_output (KilnOnnxGraph   *graph,
                            Onnx__NodeProto *node,
                            guint            i,
                            const char      *name)
{
  g_return_if_fail (i < node->n_output);
  node->output[i] = _kiln_onnx_strdup (graph, name);
}

/* ---- Attributes --------------------------------------------------------------------------- */

static Onnx__AttributeProto *
add_attr (KilnOnnxGraph                    *graph,
          Onnx__NodeProto                  *node,
          const char                       *name,
          Onnx__AttributeProto__AttributeType type)
{
  Onnx__AttributeProto init = ONNX__ATTRIBUTE_PROTO__INIT;
  Onnx__AttributeProto *attr = pool_memdup (graph, &init, sizeof init);
  Onnx__AttributeProto **list = _kiln_onnx_alloc (graph, sizeof (gpointer) * (node->n_attribute + 1));

  attr->name = _kiln_onnx_strdup (graph, name);
  attr->has_type = TRUE;
  attr->type = type;
  if (node->n_attribute > 0)
    memcpy (list, node->attribute, sizeof (gpointer) * node->n_attribute);
  list[node->n_attribute++] = attr;
  node->attribute = list;
  return attr;
}

void
_kiln_onnx_attr_int (KilnOnnxGraph   *graph,
                     Onnx__NodeProto *node,
                     const char      *name,
                     gint64           value)
{
  Onnx__AttributeProto *attr = add_attr (graph, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

  attr->has_i = TRUE;
  attr->i = value;
}

void
_kiln_onnx_attr_ints (KilnOnnxGraph   *graph,
                      Onnx__NodeProto *node,
                      const char      *name,
                      const gint64    *values,
                      gsize            n)
{
  Onnx__AttributeProto *attr = add_attr (graph, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

  attr->n_ints = n;
  attr->ints = pool_memdup (graph, values, n * sizeof (gint64));
}

void
_kiln_onnx_attr_floats (KilnOnnxGraph   *graph,
                        Onnx__NodeProto *node,
                        const char      *name,
                        const float     *values,
                        gsize            n)
{
  Onnx__AttributeProto *attr = add_attr (graph, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);

  attr->n_floats = n;
  attr->floats = pool_memdup (graph, values, n * sizeof (float));
}

static ProtobufCBinaryData
binary_string (KilnOnnxGraph *graph,
               const char    *str)
{
  ProtobufCBinaryData b;

  b.len = strlen (str);
  b.data = pool_memdup (graph, str, b.len);
  return b;
}

void
_kiln_onnx_attr_string (KilnOnnxGraph   *graph,
                        Onnx__NodeProto *node,
                        const char      *name,
                        const char      *value)
{
  Onnx__AttributeProto *attr = add_attr (graph, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

  attr->has_s = TRUE;
  attr->s = binary_string (graph, value);
}

void
_kiln_onnx_attr_strings (KilnOnnxGraph      *graph,
                         Onnx__NodeProto    *node,
                         const char         *name,
                         const char * const *values,
                         gsize               n)
{
  Onnx__AttributeProto *attr = add_attr (graph, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);

  attr->n_strings = n;
  attr->strings = _kiln_onnx_alloc (graph, n * sizeof (ProtobufCBinaryData));
  for (gsize i = 0; i < n; i++)
    attr->strings[i] = binary_string (graph, values[i]);
}

void
_kiln_onnx_attr_graph (KilnOnnxGraph   *graph,
                       Onnx__NodeProto *node,
                       const char      *name,
                       KilnOnnxGraph   *body)
{
  Onnx__AttributeProto *attr = add_attr (graph, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH);

  g_return_if_fail (body->root == graph->root && body != graph->root);
  attr->g = _kiln_onnx_graph_finish (body);
  g_ptr_array_add (graph->subgraphs, body);
}

/* ---- Initializers ------------------------------------------------------------------------- */

static Onnx__TensorProto *
new_tensor (KilnOnnxGraph *graph,
            const char    *hint,
            int            elem_type,
            const gint64  *dims,
            guint          n_dims)
{
  Onnx__TensorProto init = ONNX__TENSOR_PROTO__INIT;
  Onnx__TensorProto *t = pool_memdup (graph, &init, sizeof init);

  t->name = (char *) _kiln_onnx_unique (graph, hint);
  t->has_data_type = TRUE;
  t->data_type = elem_type;
  t->n_dims = n_dims;
  t->dims = pool_memdup (graph, dims, n_dims * sizeof (gint64));
  g_ptr_array_add (graph->initializers, t);
  return t;
}

static gsize
n_elements (const gint64 *dims,
            guint         n_dims)
{
  gsize n = 1;

  for (guint i = 0; i < n_dims; i++)
    n *= (gsize) dims[i];
  return n;
}

/* raw_data is little-endian; so is every machine Kiln is built for, which G_STATIC_ASSERT holds. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

static const char *
const_raw (KilnOnnxGraph *graph,
           const char    *hint,
           int            elem_type,
           gconstpointer  values,
           gsize          element_size,
           const gint64  *dims,
           guint          n_dims)
{
  Onnx__TensorProto *t = new_tensor (graph, hint, elem_type, dims, n_dims);
  gsize bytes = n_elements (dims, n_dims) * element_size;

  t->has_raw_data = TRUE;
  t->raw_data.len = bytes;
  t->raw_data.data = pool_memdup (graph, values, bytes);
  return t->name;
}

const char *
_kiln_onnx_const_doubles (KilnOnnxGraph *graph,
                          const char    *hint,
                          const double  *values,
                          const gint64  *dims,
                          guint          n_dims)
{
  return const_raw (graph, hint, KILN_ONNX_T_DOUBLE, values, sizeof (double), dims, n_dims);
}

const char *
_kiln_onnx_const_floats (KilnOnnxGraph *graph,
                         const char    *hint,
                         const float   *values,
                         const gint64  *dims,
                         guint          n_dims)
{
  return const_raw (graph, hint, KILN_ONNX_T_FLOAT, values, sizeof (float), dims, n_dims);
}

const char *
_kiln_onnx_const_int64s (KilnOnnxGraph *graph,
                         const char    *hint,
                         const gint64  *values,
                         const gint64  *dims,
                         guint          n_dims)
{
  return const_raw (graph, hint, KILN_ONNX_T_INT64, values, sizeof (gint64), dims, n_dims);
}

const char *
_kiln_onnx_const_strings (KilnOnnxGraph      *graph,
                          const char         *hint,
                          const char * const *values,
                          const gint64       *dims,
                          guint               n_dims)
{
  Onnx__TensorProto *t = new_tensor (graph, hint, KILN_ONNX_T_STRING, dims, n_dims);
  gsize n = n_elements (dims, n_dims);

  t->n_string_data = n;
  t->string_data = _kiln_onnx_alloc (graph, n * sizeof (ProtobufCBinaryData));
  for (gsize i = 0; i < n; i++)
    t->string_data[i] = binary_string (graph, values[i]);
  return t->name;
}

const char *
_kiln_onnx_vector_doubles (KilnOnnxGraph *graph,
                           const char    *hint,
                           const double  *values,
                           gsize          n)
{
  gint64 dims[1] = { (gint64) n };

  return _kiln_onnx_const_doubles (graph, hint, values, dims, 1);
}

const char *
_kiln_onnx_vector_int64s (KilnOnnxGraph *graph,
                          const char    *hint,
                          const gint64  *values,
                          gsize          n)
{
  gint64 dims[1] = { (gint64) n };

  return _kiln_onnx_const_int64s (graph, hint, values, dims, 1);
}

const char *
_kiln_onnx_scalar_double (KilnOnnxGraph *graph,
                          const char    *hint,
                          double         value)
{
  return _kiln_onnx_const_doubles (graph, hint, &value, NULL, 0);
}

/* ---- Inputs, outputs, finishing ----------------------------------------------------------- */

static Onnx__ValueInfoProto *
value_info (KilnOnnxGraph *graph,
            const char    *name,
            int            elem_type,
            const gint64  *dims,
            guint          n_dims)
{
  Onnx__ValueInfoProto vi_init = ONNX__VALUE_INFO_PROTO__INIT;
  Onnx__TypeProto type_init = ONNX__TYPE_PROTO__INIT;
  Onnx__TypeProto__Tensor tensor_init = ONNX__TYPE_PROTO__TENSOR__INIT;
  Onnx__TensorShapeProto shape_init = ONNX__TENSOR_SHAPE_PROTO__INIT;
  Onnx__ValueInfoProto *vi = pool_memdup (graph, &vi_init, sizeof vi_init);
  Onnx__TypeProto *type = pool_memdup (graph, &type_init, sizeof type_init);
  Onnx__TypeProto__Tensor *tensor = pool_memdup (graph, &tensor_init, sizeof tensor_init);
  Onnx__TensorShapeProto *shape = pool_memdup (graph, &shape_init, sizeof shape_init);

  vi->name = _kiln_onnx_strdup (graph, name);
  vi->type = type;
  type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type->tensor_type = tensor;
  tensor->has_elem_type = TRUE;
  tensor->elem_type = elem_type;
  tensor->shape = shape;
  shape->n_dim = n_dims;
  shape->dim = _kiln_onnx_alloc (graph, n_dims * sizeof (gpointer));
  for (guint i = 0; i < n_dims; i++)
    {
      Onnx__TensorShapeProto__Dimension dim_init = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
      Onnx__TensorShapeProto__Dimension *dim = pool_memdup (graph, &dim_init, sizeof dim_init);

      if (dims[i] < 0)
        {
          dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          dim->dim_param = _kiln_onnx_strdup (graph, "N");
        }
      else
        {
          dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          dim->dim_value = dims[i];
        }
      shape->dim[i] = dim;
    }
  return vi;
}

void
_kiln_onnx_graph_input (KilnOnnxGraph *graph,
                        const char    *name,
                        int            elem_type,
                        const gint64  *dims,
                        guint          n_dims)
{
  g_ptr_array_add (graph->inputs, value_info (graph, name, elem_type, dims, n_dims));
}

void
_kiln_onnx_graph_output (KilnOnnxGraph *graph,
                         const char    *name,
                         int            elem_type,
                         const gint64  *dims,
                         guint          n_dims)
{
  g_ptr_array_add (graph->outputs, value_info (graph, name, elem_type, dims, n_dims));
}

static gpointer
pool_array (KilnOnnxGraph *graph,
            GPtrArray     *array)
{
  return pool_memdup (graph, array->pdata, array->len * sizeof (gpointer));
}

Onnx__GraphProto *
_kiln_onnx_graph_finish (KilnOnnxGraph *graph)
{
  Onnx__GraphProto init = ONNX__GRAPH_PROTO__INIT;
  Onnx__GraphProto *g = pool_memdup (graph, &init, sizeof init);

  g->name = graph->name;
  g->n_node = graph->nodes->len;
  g->node = pool_array (graph, graph->nodes);
  g->n_initializer = graph->initializers->len;
  g->initializer = pool_array (graph, graph->initializers);
  g->n_input = graph->inputs->len;
  g->input = pool_array (graph, graph->inputs);
  g->n_output = graph->outputs->len;
  g->output = pool_array (graph, graph->outputs);
  return g;
}
