/* kiln-onnx.c: a bundle as one ONNX model; reading one back and checking its structure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-onnx"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-atomic-file.h"
#include "kiln-onnx-private.h"

G_DEFINE_QUARK (kiln-onnx-error-quark, kiln_onnx_error)

struct _KilnOnnxModel {
  GBytes *bytes;
  GArray *inputs;    /* KilnOnnxValue */
  GArray *outputs;   /* KilnOnnxValue */
  guint   n_nodes;
  char   *opsets;
};

/* protobuf-c packs into one buffer of a size_t length, but a protobuf message (and ONNX
 * Runtime's reader) stops at 2 GiB. */
#define MAX_MODEL_BYTES ((gsize) G_MAXINT32)

const char *
kiln_onnx_type_to_string (KilnOnnxType type)
{
  switch (type)
    {
    case KILN_ONNX_TYPE_FLOAT:
      return "float";
    case KILN_ONNX_TYPE_DOUBLE:
      return "double";
    case KILN_ONNX_TYPE_STRING:
      return "string";
    case KILN_ONNX_TYPE_INT64:
      return "int64";
    case KILN_ONNX_TYPE_OTHER:
    default:
      return "other";
    }
}

char *
kiln_onnx_value_describe (const KilnOnnxValue *value)
{
  GString *s = g_string_new (kiln_onnx_type_to_string (value->type));

  g_return_val_if_fail (value != NULL, NULL);
  g_string_append (s, " [");
  for (guint i = 0; i < value->n_dims; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      if (value->dims[i] < 0)
        g_string_append_c (s, 'N');
      else
        g_string_append_printf (s, "%" G_GINT64_FORMAT, value->dims[i]);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
value_clear (gpointer data)
{
  g_free (((KilnOnnxValue *) data)->name);
}

static KilnOnnxModel *
model_new (void)
{
  KilnOnnxModel *model = g_new0 (KilnOnnxModel, 1);

  model->inputs = g_array_new (FALSE, TRUE, sizeof (KilnOnnxValue));
  model->outputs = g_array_new (FALSE, TRUE, sizeof (KilnOnnxValue));
  g_array_set_clear_func (model->inputs, value_clear);
  g_array_set_clear_func (model->outputs, value_clear);
  return model;
}

void
kiln_onnx_model_free (KilnOnnxModel *model)
{
  if (model == NULL)
    return;
  g_clear_pointer (&model->bytes, g_bytes_unref);
  g_array_unref (model->inputs);
  g_array_unref (model->outputs);
  g_free (model->opsets);
  g_free (model);
}

/* ---- Checking the structure --------------------------------------------------------------- */

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_INVALID, msg);
  return FALSE;
}

/* Every value a node reads is defined before it (in @scope: the enclosing graphs' values,
 * then this graph's inputs, initializers and earlier outputs), each defined once. */
static gboolean
check_graph (const Onnx__GraphProto *g, GHashTable *outer, GError **error)
{
  g_autoptr(GHashTable) scope = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;

  if (outer != NULL)
    {
      g_hash_table_iter_init (&iter, outer);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_hash_table_add (scope, key);
    }
  for (gsize i = 0; i < g->n_input; i++)
    {
      if (g->input[i]->name == NULL || g->input[i]->type == NULL)
        return invalid (error, _("Graph “%s” has an input without a name or type"), g->name);
      g_hash_table_add (scope, g->input[i]->name);
    }
  for (gsize i = 0; i < g->n_initializer; i++)
    if (g->initializer[i]->name == NULL || !g->initializer[i]->has_data_type)
      return invalid (error, _("Graph “%s” has a constant without a name or type"), g->name);
    else
      g_hash_table_add (scope, g->initializer[i]->name);

  for (gsize n = 0; n < g->n_node; n++)
    {
      const Onnx__NodeProto *node = g->node[n];

      if (node->op_type == NULL || node->op_type[0] == '\0')
        return invalid (error, _("Node %zu of graph “%s” has no operator"), n, g->name);
      for (gsize i = 0; i < node->n_input; i++)
        if (node->input[i][0] != '\0' && !g_hash_table_contains (scope, node->input[i]))
          return invalid (error, _("Node “%s” (%s) reads “%s”, which nothing before it defines"),
                          node->name ? node->name : "", node->op_type, node->input[i]);
      for (gsize a = 0; a < node->n_attribute; a++)
        if (node->attribute[a]->g != NULL && !check_graph (node->attribute[a]->g, scope, error))
          return FALSE;
      for (gsize i = 0; i < node->n_output; i++)
        {
          if (node->output[i][0] == '\0')
            continue;
          if (g_hash_table_contains (scope, node->output[i]))
            return invalid (error, _("Value “%s” is assigned twice"), node->output[i]);
          g_hash_table_add (scope, node->output[i]);
        }
    }
  for (gsize i = 0; i < g->n_output; i++)
    if (g->output[i]->name == NULL || !g_hash_table_contains (scope, g->output[i]->name))
      return invalid (error, _("Graph “%s” has an output that nothing computes"), g->name);
  return TRUE;
}

static void
add_values (GArray *array, Onnx__ValueInfoProto **values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      KilnOnnxValue v = { g_strdup (values[i]->name), KILN_ONNX_TYPE_OTHER, 0, { 0 } };
      const Onnx__TypeProto *type = values[i]->type;

      if (type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && type->tensor_type != NULL)
        {
          const Onnx__TypeProto__Tensor *t = type->tensor_type;

          switch (t->elem_type)
            {
            case KILN_ONNX_T_FLOAT:
              v.type = KILN_ONNX_TYPE_FLOAT;
              break;
            case KILN_ONNX_T_DOUBLE:
              v.type = KILN_ONNX_TYPE_DOUBLE;
              break;
            case KILN_ONNX_T_STRING:
              v.type = KILN_ONNX_TYPE_STRING;
              break;
            case KILN_ONNX_T_INT64:
              v.type = KILN_ONNX_TYPE_INT64;
              break;
            default:
              break;
            }
          if (t->shape != NULL)
            {
              v.n_dims = MIN (t->shape->n_dim, G_N_ELEMENTS (v.dims));
              for (guint d = 0; d < v.n_dims; d++)
                v.dims[d] = t->shape->dim[d]->value_case ==
                            ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                            ? t->shape->dim[d]->dim_value : -1;
            }
        }
      g_array_append_val (array, v);
    }
}

/* Takes @bytes. */
static KilnOnnxModel *
model_from_bytes (GBytes *bytes, GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  Onnx__ModelProto *proto = onnx__model_proto__unpack (NULL, size, data);
  KilnOnnxModel *model = NULL;
  GString *opsets;
  gboolean has_default = FALSE;

  if (proto == NULL)
    {
      invalid (error, _("The data is not an ONNX model (it does not parse as a ModelProto)"));
      goto out;
    }
  if (!proto->has_ir_version || proto->ir_version < 3 || proto->graph == NULL)
    {
      invalid (error, _("The ONNX model has no IR version or no graph"));
      goto out;
    }
  opsets = g_string_new (NULL);
  for (gsize i = 0; i < proto->n_opset_import; i++)
    {
      const char *domain = proto->opset_import[i]->domain ? proto->opset_import[i]->domain : "";

      if (domain[0] == '\0' || strcmp (domain, "ai.onnx") == 0)
        has_default = TRUE;
      g_string_append_printf (opsets, "%s%s %" G_GINT64_FORMAT, opsets->len ? ", " : "",
                              domain[0] ? domain : "ai.onnx", proto->opset_import[i]->version);
    }
  if (!has_default)
    {
      g_string_free (opsets, TRUE);
      invalid (error, _("The ONNX model does not import the default operator set"));
      goto out;
    }
  if (!check_graph (proto->graph, NULL, error))
    {
      g_string_free (opsets, TRUE);
      goto out;
    }
  model = model_new ();
  model->opsets = g_string_free (opsets, FALSE);
  model->n_nodes = proto->graph->n_node;
  add_values (model->inputs, proto->graph->input, proto->graph->n_input);
  add_values (model->outputs, proto->graph->output, proto->graph->n_output);
  model->bytes = g_bytes_ref (bytes);

out:
  if (proto != NULL)
    onnx__model_proto__free_unpacked (proto, NULL);
  g_bytes_unref (bytes);
  return model;
}

KilnOnnxModel *
kiln_onnx_model_load (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local = NULL;
  gsize length;
  KilnOnnxModel *model;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_INVALID, "%s", local->message);
      return NULL;
    }
  model = model_from_bytes (g_bytes_new_take (g_steal_pointer (&contents), length), &local);
  if (model == NULL)
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_INVALID, "%s: %s", display,
                   local->message);
      return NULL;
    }
  return model;
}

GBytes *
kiln_onnx_model_get_bytes (KilnOnnxModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->bytes;
}

const KilnOnnxValue *
kiln_onnx_model_get_inputs (KilnOnnxModel *model,
                            guint         *n_inputs)
{
  g_return_val_if_fail (model != NULL, NULL);
  if (n_inputs)
    *n_inputs = model->inputs->len;
  return (const KilnOnnxValue *) model->inputs->data;
}

const KilnOnnxValue *
kiln_onnx_model_get_outputs (KilnOnnxModel *model,
                             guint         *n_outputs)
{
  g_return_val_if_fail (model != NULL, NULL);
  if (n_outputs)
    *n_outputs = model->outputs->len;
  return (const KilnOnnxValue *) model->outputs->data;
}

guint
kiln_onnx_model_get_n_nodes (KilnOnnxModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->n_nodes;
}

char *
kiln_onnx_model_describe_opsets (KilnOnnxModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return g_strdup (model->opsets);
}

/* ---- Building ----------------------------------------------------------------------------- */

static Onnx__StringStringEntryProto *
metadata (KilnOnnxGraph *graph, const char *key, const char *value)
{
  Onnx__StringStringEntryProto init = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
  Onnx__StringStringEntryProto *entry = _kiln_onnx_alloc (graph, sizeof init);

  *entry = init;
  entry->key = _kiln_onnx_strdup (graph, key);
  entry->value = _kiln_onnx_strdup (graph, value ? value : "");
  return entry;
}

static Onnx__OperatorSetIdProto *
opset (KilnOnnxGraph *graph, const char *domain, gint64 version)
{
  Onnx__OperatorSetIdProto init = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  Onnx__OperatorSetIdProto *id = _kiln_onnx_alloc (graph, sizeof init);

  *id = init;
  id->domain = _kiln_onnx_strdup (graph, domain);
  id->has_version = TRUE;
  id->version = version;
  return id;
}

static char *
json_list (const char * const *items, guint n)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    json_builder_add_string_value (b, items[i]);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* Graph outputs and inputs keep their exact names: claim them before anything else is named. */
static gboolean
claim_names (KilnOnnxGraph *graph, KilnRecipe *recipe, KilnTask task, GError **error)
{
  const char *outputs[] = { "label", "probabilities", "value" };
  const KilnRecipeColumn *inputs;
  guint n_inputs;

  inputs = kiln_recipe_get_input_columns (recipe, &n_inputs);
  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    if ((task == KILN_TASK_CLASSIFICATION) == (i < 2))
      _kiln_onnx_claim (graph, outputs[i]);
  for (guint i = 0; i < n_inputs; i++)
    if (!_kiln_onnx_claim (graph, inputs[i].name))
      {
        g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                     _("Column “%s” has the name of a graph output; rename it to export the "
                       "model as ONNX"), inputs[i].name);
        return FALSE;
      }
  return TRUE;
}

KilnOnnxModel *
kiln_onnx_model_new_from_bundle (KilnBundle  *bundle,
                                 GError     **error)
{
  KilnRecipe *recipe;
  KilnModel *model;
  KilnOnnxGraph *graph;
  KilnTask task;
  const char *x, *out, *missing = NULL;
  Onnx__ModelProto proto = ONNX__MODEL_PROTO__INIT;
  Onnx__OperatorSetIdProto *opsets[2];
  Onnx__StringStringEntryProto *props[6];
  g_autofree char *classes_json = NULL;
  g_autofree char *doc = NULL;
  gsize size;
  guint8 *buffer;
  KilnOnnxModel *result = NULL;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  recipe = kiln_bundle_get_recipe (bundle);
  model = kiln_bundle_get_model (bundle);
  task = kiln_bundle_get_task (bundle);
  for (guint s = 0; s < kiln_recipe_get_n_steps (recipe); s++)
    if (kiln_step_get_kind (kiln_recipe_get_step (recipe, s)) == KILN_STEP_TEXT
        && kiln_step_get_n_columns (kiln_recipe_get_step (recipe, s)) > 0)
      {
        /* TfIdfVectorizer counts given tokens; no operator of opset 17 cuts a string into the
         * characters it needs, so the graph could not see the same features */
        g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                     _("The model reads the text of “%s”, and ONNX (opset 17) has no operator that cuts text into words and character pieces; predict with kiln-cli predict or the local service instead"),
                     kiln_step_get_columns (kiln_recipe_get_step (recipe, s))[0]);
        return NULL;
      }
  graph = _kiln_onnx_graph_new ("kiln");

  if (!claim_names (graph, recipe, task, error))
    goto out;
  x = _kiln_onnx_lower_recipe (graph, recipe, &missing, error);
  if (x == NULL)
    goto out;
  out = _kiln_onnx_lower_model (graph, model, x, error);
  if (out == NULL)
    goto out;
  if (kiln_model_get_class (model)->accepts_missing)
    missing = NULL;   /* the family scores rows with missing features (gbt: NaN follows each
                         split's default direction) */
  if (missing != NULL)
    /* rows Kiln refuses get NaN, not whatever the model makes of a NaN feature */
    out = _kiln_onnx_op (graph, "Where", missing, _kiln_onnx_scalar_double (graph, "nan", NAN),
                         out, NULL);

  if (task == KILN_TASK_CLASSIFICATION)
    {
      guint n_classes;
      const char * const *classes = kiln_bundle_get_classes (bundle, &n_classes);
      gint64 class_dims[1] = { n_classes };
      gint64 label_dims[1] = { -1 }, proba_dims[2] = { -1, n_classes };
      Onnx__NodeProto *argmax, *gather, *proba;

      argmax = _kiln_onnx_node (graph, "", "ArgMax", 1, out, NULL);
      _kiln_onnx_attr_int (graph, argmax, "axis", 1);
      _kiln_onnx_attr_int (graph, argmax, "keepdims", 0);
      gather = _kiln_onnx_node (graph, "", "Gather", 1,
                                _kiln_onnx_const_strings (graph, "classes", classes, class_dims, 1),
                                argmax->output[0], NULL);
      if (missing != NULL)
        {
          /* and no class: the empty label */
          const char *empty = "";
          gint64 axis = 1, scalar_dims[1] = { 1 };
          Onnx__NodeProto *where;

          where = _kiln_onnx_node (graph, "", "Where", 1,
                                   _kiln_onnx_op (graph, "Squeeze", missing,
                                                  _kiln_onnx_vector_int64s (graph, "axes", &axis, 1),
                                                  NULL),
                                   _kiln_onnx_const_strings (graph, "no_label", &empty,
                                                             scalar_dims, 1),
                                   gather->output[0], NULL);
          gather = where;
        }
      _kiln_onnx_node_set_output (graph, gather, 0, "label");
      proba = _kiln_onnx_node (graph, "", "Cast", 1, out, NULL);
      _kiln_onnx_attr_int (graph, proba, "to", KILN_ONNX_T_FLOAT);
      _kiln_onnx_node_set_output (graph, proba, 0, "probabilities");
      _kiln_onnx_graph_output (graph, "label", KILN_ONNX_T_STRING, label_dims, 1);
      _kiln_onnx_graph_output (graph, "probabilities", KILN_ONNX_T_FLOAT, proba_dims, 2);
      classes_json = json_list (classes, n_classes);
    }
  else
    {
      gint64 dims[2] = { -1, 1 };
      Onnx__NodeProto *identity = _kiln_onnx_node (graph, "", "Identity", 1, out, NULL);

      _kiln_onnx_node_set_output (graph, identity, 0, "value");
      _kiln_onnx_graph_output (graph, "value", KILN_ONNX_T_DOUBLE, dims, 2);
    }

  opsets[0] = opset (graph, "", KILN_ONNX_OPSET);
  opsets[1] = opset (graph, KILN_ONNX_ML_DOMAIN, KILN_ONNX_ML_OPSET);
  props[0] = metadata (graph, "kiln_version", PACKAGE_VERSION);
  props[1] = metadata (graph, "bundle_sha256", kiln_bundle_get_content_hash (bundle));
  props[2] = metadata (graph, "model", kiln_model_get_name (model));
  props[3] = metadata (graph, "task", kiln_task_to_string (task));
  props[4] = metadata (graph, "target", kiln_bundle_get_target (bundle));
  props[5] = metadata (graph, "classes", classes_json ? classes_json : "[]");
  doc = g_strdup_printf ("Kiln %s model “%s” predicting “%s” from raw columns (recipe and "
                         "model in one graph). Numeric inputs: float [N, 1], NaN where missing; "
                         "categorical inputs: string [N, 1], the empty string where missing.",
                         kiln_model_get_name (model), kiln_bundle_get_source_name (bundle),
                         kiln_bundle_get_target (bundle));

  proto.has_ir_version = TRUE;
  proto.ir_version = KILN_ONNX_IR_VERSION;
  proto.n_opset_import = G_N_ELEMENTS (opsets);
  proto.opset_import = opsets;
  proto.producer_name = (char *) "Kiln";
  proto.producer_version = (char *) PACKAGE_VERSION;
  proto.has_model_version = TRUE;
  proto.model_version = 1;
  proto.doc_string = doc;
  proto.graph = _kiln_onnx_graph_finish (graph);
  proto.n_metadata_props = G_N_ELEMENTS (props);
  proto.metadata_props = props;

  size = onnx__model_proto__get_packed_size (&proto);
  if (size > MAX_MODEL_BYTES)
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_TOO_LARGE,
                   _("The ONNX model would take %s; one ONNX file holds at most 2 GB"),
                   g_format_size (size));
      goto out;
    }
  buffer = g_malloc (MAX (size, 1));
  onnx__model_proto__pack (&proto, buffer);
  /* what was built is read back and checked like any file (a failure is Kiln's bug) */
  result = model_from_bytes (g_bytes_new_take (buffer, size), error);

out:
  _kiln_onnx_graph_free (graph);
  return result;
}

gboolean
kiln_onnx_model_save (KilnOnnxModel  *model,
                      const char     *path,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *display = NULL;
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  data = g_bytes_get_data (model->bytes, &size);
  file = g_file_new_for_path (path);
  out = kiln_atomic_file_create (file, cancellable, &local);
  if (out == NULL ||
      !g_output_stream_write_all (out, data, size, NULL, cancellable, &local) ||
      !g_output_stream_close (out, cancellable, &local))
    {
      if (out != NULL)
        kiln_atomic_file_abort (out);   /* the temporary file goes; an old file stays */
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_WRITE, _("Cannot write “%s”: %s"),
                   display, local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_onnx_export (KilnBundle    *bundle,
                  const char    *path,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(KilnOnnxModel) model = kiln_onnx_model_new_from_bundle (bundle, error);

  return model != NULL && kiln_onnx_model_save (model, path, cancellable, error);
}

/* ---- A snippet that runs it --------------------------------------------------------------- */

/* A JSON string literal, which is also a valid Python one. */
static char *
quote (const char *s)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_node_set_string (node, s);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

/* A value the recipe considers typical of input column @name: what its first IMPUTE step fills
 * in, else the first category its ENCODE step saw, else the mean its SCALE step subtracts. */
static void
typical_value (KilnRecipe *recipe, const char *name, double *number, const char **text)
{
  *number = NAN;
  *text = NULL;
  for (guint s = 0; s < kiln_recipe_get_n_steps (recipe); s++)
    {
      KilnStep *step = kiln_recipe_get_step (recipe, s);
      const char * const *cols = kiln_step_get_columns (step);

      for (guint i = 0; i < kiln_step_get_n_columns (step); i++)
        {
          if (strcmp (cols[i], name) != 0)
            continue;
          switch (kiln_step_get_kind (step))
            {
            case KILN_STEP_IMPUTE:
              if (isnan (*number) && *text == NULL)
                {
                  *number = kiln_step_get_impute_number (step, i);
                  *text = kiln_step_get_impute_text (step, i);
                }
              break;
            case KILN_STEP_ENCODE:
              if (*text == NULL)
                {
                  guint k;
                  const char * const *cats = kiln_step_get_categories (step, i, &k);
                  if (k > 0)
                    *text = cats[0];
                }
              break;
            case KILN_STEP_SCALE:
              if (isnan (*number) && kiln_step_get_scaling (step) == KILN_SCALE_STANDARD)
                kiln_step_get_scale_params (step, i, number, NULL);
              break;
            case KILN_STEP_DROP_COLUMNS:
            case KILN_STEP_DEDUPE:
            case KILN_STEP_IQR:
            case KILN_STEP_TARGET:
            default:
              break;
            }
        }
    }
}

char *
kiln_onnx_python_snippet (KilnBundle *bundle,
                          const char *path)
{
  KilnRecipe *recipe;
  const KilnRecipeColumn *inputs;
  guint n_inputs;
  GString *s;
  g_autofree char *quoted_path = NULL;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  recipe = kiln_bundle_get_recipe (bundle);
  inputs = kiln_recipe_get_input_columns (recipe, &n_inputs);
  quoted_path = quote (path);
  s = g_string_new ("import numpy as np\nimport onnxruntime as ort\n\n");
  g_string_append_printf (s, "session = ort.InferenceSession(%s)\n", quoted_path);
  g_string_append (s, "# one row; every input is [rows, 1]: float64 (nan: missing) or str (\"\": missing)\n");
  g_string_append (s, "row = {\n");
  for (guint i = 0; i < n_inputs; i++)
    {
      g_autofree char *name = quote (inputs[i].name);
      double number;
      const char *text;

      typical_value (recipe, inputs[i].name, &number, &text);
      if (inputs[i].type == KILN_COLUMN_CATEGORICAL)
        {
          g_autofree char *value = quote (text ? text : "");
          g_string_append_printf (s, "    %s: np.array([[%s]], dtype=object),\n", name, value);
        }
      else
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_ascii_formatd (buf, sizeof buf, "%.6g", isfinite (number) ? number : 0.0);
          g_string_append_printf (s, "    %s: np.array([[%s]], dtype=np.float64),\n", name, buf);
        }
    }
  g_string_append (s, "}\n");
  if (kiln_bundle_get_task (bundle) == KILN_TASK_CLASSIFICATION)
    g_string_append (s, "label, probabilities = session.run([\"label\", \"probabilities\"], row)\n"
                        "print(label[0], probabilities[0])\n");
  else
    g_string_append (s, "(value,) = session.run([\"value\"], row)\n"
                        "print(value[0, 0])\n");
  return g_string_free (s, FALSE);
}
