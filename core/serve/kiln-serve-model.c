/* kiln-serve-model.c: a bundle made ready to serve, and the documents it answers with.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything a request needs that depends only on the bundle is made once here: the lookup of
 * field names, the class names as JSON strings, the bodies of /health, /metadata and
 * /openapi.json. A KilnServeModel is immutable (but for its atomic drift counters) and
 * ref-counted: a reload makes a new one while requests in flight finish with the old one.
 */
#define G_LOG_DOMAIN "kiln-serve"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-number.h"
#include "kiln-serve-private.h"
#include "kiln-json-text.h"

static const char *
json_type_of (KilnColumnType type)
{
  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      return "number";
    case KILN_COLUMN_BOOLEAN:
      return "boolean";
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    case KILN_COLUMN_DATETIME:
    default:
      return "string";
    }
}

static char *
to_text (JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root (b);
  return kiln_json_to_data (root, FALSE, NULL);
}

static const char *
model_name (KilnBundle *bundle)
{
  return kiln_model_get_name (kiln_bundle_get_model (bundle));
}

static char *
make_health (KilnBundle *bundle)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "content_hash");
  json_builder_add_string_value (b, kiln_bundle_get_content_hash (bundle));
  json_builder_set_member_name (b, "kiln_version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model_name (bundle));
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, kiln_task_to_string (kiln_bundle_get_task (bundle)));
  json_builder_end_object (b);
  return to_text (b);
}

static char *
make_metadata (KilnBundle *bundle, gsize max_body_bytes, guint max_rows)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const KilnRecipeColumn *inputs;
  const KilnBundleColumn *schema;
  const char * const *classes;
  guint n_inputs, n_schema, n_classes;
  JsonNode *metrics = kiln_bundle_get_metrics (bundle);

  inputs = kiln_bundle_get_input_columns (bundle, &n_inputs);
  schema = kiln_bundle_get_schema (bundle, &n_schema);
  classes = kiln_bundle_get_classes (bundle, &n_classes);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "content_hash");
  json_builder_add_string_value (b, kiln_bundle_get_content_hash (bundle));
  json_builder_set_member_name (b, "kiln_version");
  json_builder_add_string_value (b, kiln_bundle_get_kiln_version (bundle));
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, kiln_bundle_get_created (bundle));
  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  if (kiln_bundle_get_source_name (bundle))
    json_builder_add_string_value (b, kiln_bundle_get_source_name (bundle));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "sha256");
  if (kiln_bundle_get_source_sha256 (bundle))
    json_builder_add_string_value (b, kiln_bundle_get_source_sha256 (bundle));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model_name (bundle));
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, kiln_task_to_string (kiln_bundle_get_task (bundle)));
  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b, kiln_bundle_get_target (bundle));
  json_builder_set_member_name (b, "classes");
  if (classes)
    {
      json_builder_begin_array (b);
      for (guint c = 0; c < n_classes; c++)
        json_builder_add_string_value (b, classes[c]);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "inputs");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_inputs; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, inputs[i].name);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, kiln_column_type_to_string (inputs[i].type));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "schema");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_schema; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, schema[i].name);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, kiln_column_type_to_string (schema[i].type));
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, schema[i].role);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "metrics");
  if (metrics)
    json_builder_add_value (b, json_node_copy (metrics));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "drift_reference");
  json_builder_add_boolean_value (b, kiln_bundle_get_drift (bundle) != NULL);
  json_builder_set_member_name (b, "limits");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "max_rows");
  json_builder_add_int_value (b, max_rows);
  json_builder_set_member_name (b, "max_body_bytes");
  json_builder_add_int_value (b, (gint64) max_body_bytes);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return to_text (b);
}

/* A typical value of input @i for examples: the middle decile edge of a numeric column, the most
 * frequent category; null without a drift reference. */
static void
add_typical_value (JsonBuilder *b, KilnBundle *bundle, const KilnRecipeColumn *input)
{
  const KilnDrift *drift = kiln_bundle_get_drift (bundle);
  int d = drift ? kiln_drift_find_column (drift, input->name) : -1;
  const KilnDriftColumn *c = d >= 0 ? kiln_drift_get_column (drift, d) : NULL;

  if (c == NULL || c->n_bins < 2)
    json_builder_add_null_value (b);
  else if (c->categorical)
    json_builder_add_string_value (b, c->categories[0]);
  else if (input->type == KILN_COLUMN_BOOLEAN)
    json_builder_add_boolean_value (b, c->edges[(c->n_bins - 2) / 2] >= 0.5);
  else
    json_builder_add_double_value (b, c->edges[(c->n_bins - 2) / 2]);
}

static void
add_example_row (JsonBuilder *b, KilnBundle *bundle)
{
  const KilnRecipeColumn *inputs;
  guint n_inputs;

  inputs = kiln_bundle_get_input_columns (bundle, &n_inputs);
  json_builder_begin_object (b);
  for (guint i = 0; i < n_inputs; i++)
    {
      json_builder_set_member_name (b, inputs[i].name);
      add_typical_value (b, bundle, &inputs[i]);
    }
  json_builder_end_object (b);
}

/* The example's body by hand, so numbers read as people write them ("2968.69", not json-glib's
 * 17 digits). */
static void
append_example_value (GString *out, KilnBundle *bundle, KilnFrame *frame, guint row,
                      const KilnRecipeColumn *input)
{
  const KilnDrift *drift = kiln_bundle_get_drift (bundle);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (frame)
    {
      int c = kiln_frame_find_column (frame, input->name);
      KilnColumn *col = c >= 0 ? kiln_frame_get_column (frame, c) : NULL;
      guint pr = kiln_frame_get_physical_row (frame, row);

      if (col == NULL || kiln_column_is_missing (col, pr))
        g_string_append (out, "null");
      else if (kiln_column_get_column_type (col) == KILN_COLUMN_NUMERIC)
        g_string_append (out, kiln_format_double (buf, sizeof buf, kiln_column_get_double (col, pr)));
      else if (kiln_column_get_column_type (col) == KILN_COLUMN_BOOLEAN)
        g_string_append (out, kiln_column_get_boolean (col, pr) ? "true" : "false");
      else
        {
          g_autofree char *cell = kiln_column_format_cell (col, pr);
          _kiln_serve_append_json_string (out, cell);
        }
    }
  else
    {
      int d = drift ? kiln_drift_find_column (drift, input->name) : -1;
      const KilnDriftColumn *c = d >= 0 ? kiln_drift_get_column (drift, d) : NULL;

      if (c == NULL || c->n_bins < 2)
        g_string_append (out, "null");
      else if (c->categorical)
        _kiln_serve_append_json_string (out, c->categories[0]);
      else if (input->type == KILN_COLUMN_BOOLEAN)
        g_string_append (out, c->edges[(c->n_bins - 2) / 2] >= 0.5 ? "true" : "false");
      else
        g_string_append (out, kiln_format_double (buf, sizeof buf, c->edges[(c->n_bins - 2) / 2]));
    }
}

char *
kiln_serve_curl_example (KilnBundle  *bundle,
                         const char  *url,
                         KilnFrame   *rows,
                         guint        row)
{
  g_autoptr(GString) body = g_string_new ("{\"rows\":[{");
  g_autoptr(GString) quoted = g_string_new ("'");
  const KilnRecipeColumn *inputs;
  guint n_inputs;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (rows == NULL || row < kiln_frame_get_n_rows (rows), NULL);

  inputs = kiln_bundle_get_input_columns (bundle, &n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      if (i > 0)
        g_string_append_c (body, ',');
      _kiln_serve_append_json_string (body, inputs[i].name);
      g_string_append_c (body, ':');
      append_example_value (body, bundle, rows, row, &inputs[i]);
    }
  g_string_append (body, "}]}");
  /* shell single quotes: a ' inside becomes '\'' */
  for (const char *p = body->str; *p; p++)
    {
      if (*p == '\'')
        g_string_append (quoted, "'\\''");
      else
        g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '\'');
  /* -g: curl would take the brackets of an IPv6 address for a glob */
  return g_strdup_printf ("curl -s%s -H 'Content-Type: application/json' -d %s %s/predict",
                          strchr (url, '[') ? " -g" : "", quoted->str, url);
}

/* ---- OpenAPI -------------------------------------------------------------------------------- */

static void
ref (JsonBuilder *b, const char *name)
{
  g_autofree char *target = g_strdup_printf ("#/components/schemas/%s", name);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "$ref");
  json_builder_add_string_value (b, target);
  json_builder_end_object (b);
}

static void
json_content (JsonBuilder *b, const char *media, const char *schema)
{
  json_builder_set_member_name (b, "content");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, media);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  if (schema)
    ref (b, schema);
  else
    {
      json_builder_begin_object (b);
      /* /metadata and /openapi.json are JSON objects; /metrics is text */
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, g_str_has_suffix (media, "/json") ? "object" : "string");
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
response (JsonBuilder *b, const char *status, const char *description, const char *media,
          const char *schema)
{
  json_builder_set_member_name (b, status);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, description);
  json_content (b, media, schema);
  json_builder_end_object (b);
}

static void
get_path (JsonBuilder *b, const char *path, const char *summary, const char *media,
          const char *schema)
{
  json_builder_set_member_name (b, path);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "get");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, summary);
  json_builder_set_member_name (b, "responses");
  json_builder_begin_object (b);
  response (b, "200", summary, media, schema);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
typed (JsonBuilder *b, const char *type)
{
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
}

static void
row_schema (JsonBuilder *b, KilnBundle *bundle)
{
  const KilnRecipeColumn *inputs;
  const KilnBundleColumn *schema;
  guint n_inputs, n_schema;

  inputs = kiln_bundle_get_input_columns (bundle, &n_inputs);
  schema = kiln_bundle_get_schema (bundle, &n_schema);
  json_builder_set_member_name (b, "Row");
  json_builder_begin_object (b);
  typed (b, "object");
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, _("One row with the raw values of the training CSV’s columns. "
                                    "Every input column is required; null means missing (the "
                                    "model’s recipe fills it). Numbers may also come as text, "
                                    "categories as numbers. Other columns of the training file "
                                    "(the target, unused ones) are accepted and ignored."));
  json_builder_set_member_name (b, "required");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_inputs; i++)
    json_builder_add_string_value (b, inputs[i].name);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  for (guint i = 0; i < n_inputs; i++)
    {
      json_builder_set_member_name (b, inputs[i].name);
      json_builder_begin_object (b);
      typed (b, json_type_of (inputs[i].type));
      json_builder_set_member_name (b, "nullable");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "x-kiln-type");
      json_builder_add_string_value (b, kiln_column_type_to_string (inputs[i].type));
      json_builder_end_object (b);
    }
  for (guint i = 0; i < n_schema; i++)
    if (strcmp (schema[i].role, "feature") != 0)
      {
        json_builder_set_member_name (b, schema[i].name);
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "description");
        json_builder_add_string_value (b, strcmp (schema[i].role, "target") == 0
                                            ? _("The target: ignored.") : _("Not used: ignored."));
        json_builder_end_object (b);
      }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "additionalProperties");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "example");
  add_example_row (b, bundle);
  json_builder_end_object (b);
}

static void
prediction_schema (JsonBuilder *b, KilnBundle *bundle)
{
  const char * const *classes;
  guint n_classes;

  classes = kiln_bundle_get_classes (bundle, &n_classes);
  json_builder_set_member_name (b, "Prediction");
  json_builder_begin_object (b);
  typed (b, "object");
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  if (classes)
    {
      json_builder_set_member_name (b, "label");
      json_builder_begin_object (b);
      typed (b, "string");
      json_builder_set_member_name (b, "enum");
      json_builder_begin_array (b);
      for (guint c = 0; c < n_classes; c++)
        json_builder_add_string_value (b, classes[c]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "probabilities");
      json_builder_begin_object (b);
      typed (b, "object");
      json_builder_set_member_name (b, "properties");
      json_builder_begin_object (b);
      for (guint c = 0; c < n_classes; c++)
        {
          json_builder_set_member_name (b, classes[c]);
          json_builder_begin_object (b);
          typed (b, "number");
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  else
    {
      json_builder_set_member_name (b, "value");
      json_builder_begin_object (b);
      typed (b, "number");
      json_builder_set_member_name (b, "nullable");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "required");
  json_builder_begin_array (b);
  if (classes)
    {
      json_builder_add_string_value (b, "label");
      json_builder_add_string_value (b, "probabilities");
    }
  else
    json_builder_add_string_value (b, "value");
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static char *
make_openapi (KilnBundle *bundle, gsize max_body_bytes, guint max_rows)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *title = g_strdup_printf (_("Kiln model: %s (%s)"), kiln_bundle_get_target (bundle),
                                            model_name (bundle));
  g_autofree char *limit = g_strdup_printf ("%zu", max_body_bytes);
  g_autofree char *about = g_strdup_printf (_("Predicts “%s” from raw rows. Bundle content hash %s. "
                                              "Bodies over %s bytes or with more than %u rows "
                                              "are refused with 413."),
                                            kiln_bundle_get_target (bundle),
                                            kiln_bundle_get_content_hash (bundle),
                                            limit, max_rows);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "openapi");
  json_builder_add_string_value (b, "3.0.3");
  json_builder_set_member_name (b, "info");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, title);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, about);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, kiln_bundle_get_content_hash (bundle));
  json_builder_end_object (b);

  json_builder_set_member_name (b, "paths");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "/predict");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "post");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, _("Predict rows"));
  json_builder_set_member_name (b, "requestBody");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "required");
  json_builder_add_boolean_value (b, TRUE);
  json_content (b, "application/json", "PredictRequest");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "responses");
  json_builder_begin_object (b);
  response (b, "200", _("One prediction per row, in the rows’ order"), "application/json",
            "PredictResponse");
  response (b, "400", _("The body is not JSON of the request’s shape, or a row is wrong (the "
                      "error names the row and the field)"), "application/json", "Error");
  response (b, "413", _("The body or its number of rows is over the service’s limits"),
            "application/json", "Error");
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  get_path (b, "/health", _("The service is up; which bundle answers"), "application/json", "Health");
  get_path (b, "/metadata", _("The bundle’s schema, target, classes and metrics"), "application/json",
            NULL);
  get_path (b, "/openapi.json", _("This document"), "application/json", NULL);
  get_path (b, "/metrics", _("Counters, latency and input drift in the Prometheus text format"),
            "text/plain", NULL);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "components");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schemas");
  json_builder_begin_object (b);
  row_schema (b, bundle);
  json_builder_set_member_name (b, "PredictRequest");
  json_builder_begin_object (b);
  typed (b, "object");
  json_builder_set_member_name (b, "required");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "rows");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_object (b);
  typed (b, "array");
  json_builder_set_member_name (b, "maxItems");
  json_builder_add_int_value (b, max_rows);
  json_builder_set_member_name (b, "items");
  ref (b, "Row");
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "additionalProperties");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
  prediction_schema (b, bundle);
  json_builder_set_member_name (b, "PredictResponse");
  json_builder_begin_object (b);
  typed (b, "object");
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "predictions");
  json_builder_begin_object (b);
  typed (b, "array");
  json_builder_set_member_name (b, "items");
  ref (b, "Prediction");
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "Error");
  json_builder_begin_object (b);
  typed (b, "object");
  json_builder_set_member_name (b, "required");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "error");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  typed (b, "string");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "row");
  json_builder_begin_object (b);
  typed (b, "integer");
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, _("The row at fault, counted from 1"));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "field");
  json_builder_begin_object (b);
  typed (b, "string");
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "Health");
  json_builder_begin_object (b);
  typed (b, "object");
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  {
    const char *names[] = { "status", "content_hash", "kiln_version", "model", "task" };
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        json_builder_set_member_name (b, names[i]);
        json_builder_begin_object (b);
        typed (b, "string");
        json_builder_end_object (b);
      }
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return to_text (b);
}

/* ---- The model ------------------------------------------------------------------------------- */

void
_kiln_serve_append_json_string (GString    *out,
                                const char *s)
{
  /* a field name echoed from a request may be invalid UTF-8 that yajl let through (an overlong
   * sequence): the answer stays UTF-8, as JSON must be */
  g_autofree char *valid = g_utf8_validate (s, -1, NULL) ? NULL : g_utf8_make_valid (s, -1);
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), valid ? valid : s);
  g_autofree char *text = json_to_string (node, FALSE);

  g_string_append (out, text);
}

KilnServeModel *
_kiln_serve_model_new (KilnBundle *bundle,
                       const char *path,
                       gsize       max_body_bytes,
                       guint       max_rows)
{
  KilnServeModel *m = g_new0 (KilnServeModel, 1);
  const KilnBundleColumn *schema;
  const char * const *classes;
  const KilnDrift *drift = kiln_bundle_get_drift (bundle);
  const char *target = kiln_bundle_get_target (bundle);
  guint n_schema;
  gsize offset = 0;

  g_atomic_ref_count_init (&m->ref_count);
  m->bundle = kiln_bundle_ref (bundle);
  m->path = g_strdup (path);
  m->hash = kiln_bundle_get_content_hash (bundle);
  m->loaded = g_get_real_time ();
  m->inputs = kiln_bundle_get_input_columns (bundle, &m->n_inputs);

  m->fields = g_hash_table_new (g_str_hash, g_str_equal);
  schema = kiln_bundle_get_schema (bundle, &n_schema);
  for (guint i = 0; i < n_schema; i++)
    g_hash_table_insert (m->fields, (gpointer) schema[i].name, GUINT_TO_POINTER (0));
  if (target)
    g_hash_table_insert (m->fields, (gpointer) target, GUINT_TO_POINTER (0));
  for (guint i = 0; i < m->n_inputs; i++)
    g_hash_table_insert (m->fields, m->inputs[i].name, GUINT_TO_POINTER (i + 1));

  m->classification = kiln_bundle_get_task (bundle) == KILN_TASK_CLASSIFICATION;
  classes = kiln_bundle_get_classes (bundle, &m->n_classes);
  m->class_json = g_new0 (char *, m->n_classes + 1);
  for (guint c = 0; c < m->n_classes; c++)
    {
      GString *s = g_string_new (NULL);
      _kiln_serve_append_json_string (s, classes[c]);
      m->class_json[c] = g_string_free (s, FALSE);
    }

  m->health = make_health (bundle);
  m->metadata = make_metadata (bundle, max_body_bytes, max_rows);
  m->openapi = make_openapi (bundle, max_body_bytes, max_rows);

  m->drift = g_new0 (const KilnDriftColumn *, MAX (m->n_inputs, 1));
  m->drift_index = g_new (int, MAX (m->n_inputs, 1));
  m->drift_offset = g_new0 (gsize, MAX (m->n_inputs, 1));
  for (guint i = 0; i < m->n_inputs; i++)
    {
      int d = drift ? kiln_drift_find_column (drift, m->inputs[i].name) : -1;

      m->drift_index[i] = d;
      m->drift[i] = d >= 0 ? kiln_drift_get_column (drift, d) : NULL;
      m->drift_offset[i] = offset;
      offset += 3 + (m->drift[i] ? m->drift[i]->n_bins : 0);   /* rows, missing, unseen, bins */
    }
  m->drift_stride = (offset + 7) / 8 * 8;
  m->drift_counts = g_new0 (guint64, KILN_SERVE_N_SLOTS * m->drift_stride);
  return m;
}

KilnServeModel *
_kiln_serve_model_ref (KilnServeModel *model)
{
  g_atomic_ref_count_inc (&model->ref_count);
  return model;
}

void
_kiln_serve_model_unref (KilnServeModel *model)
{
  KILN_SERVE_TSAN_RELEASE (model);
  if (!g_atomic_ref_count_dec (&model->ref_count))
    return;
  KILN_SERVE_TSAN_ACQUIRE (model);
  g_hash_table_unref (model->fields);
  g_strfreev (model->class_json);
  g_free (model->health);
  g_free (model->metadata);
  g_free (model->openapi);
  g_free (model->drift);
  g_free (model->drift_index);
  g_free (model->drift_offset);
  g_free (model->drift_counts);
  g_free (model->path);
  kiln_bundle_unref (model->bundle);
  g_free (model);
}

void
_kiln_serve_model_tally (KilnServeModel *model,
                         KilnFrame      *frame)
{
  guint n = kiln_frame_get_n_rows (frame);
  guint64 *slot = model->drift_counts + (gsize) _kiln_serve_slot () * model->drift_stride;
  const KilnDrift *drift = kiln_bundle_get_drift (model->bundle);

  for (guint i = 0; i < model->n_inputs; i++)
    {
      guint64 *c = slot + model->drift_offset[i];
      const KilnDriftColumn *ref = model->drift[i];
      KilnColumn *col = kiln_frame_get_column (frame, i);
      guint64 missing = 0, unseen = 0;

      kiln_serve_count (&c[0], n);
      if (ref && ref->categorical && kiln_column_is_coded (col))
        {
          /* one lookup per distinct value of the request, not per row */
          guint n_cats = kiln_column_get_n_categories (col);
          g_autofree guint *bins = g_new (guint, MAX (n_cats, 1));
          g_autofree gboolean *seen = g_new (gboolean, MAX (n_cats, 1));
          const gint32 *codes = kiln_column_get_codes (col);

          for (guint k = 0; k < n_cats; k++)
            bins[k] = kiln_drift_category_bin (drift, model->drift_index[i],
                                               kiln_column_get_category (col, k), &seen[k]);
          for (guint r = 0; r < n; r++)
            {
              if (codes[r] < 0)
                missing++;
              else
                {
                  unseen += !seen[codes[r]];
                  kiln_serve_count (&c[3 + bins[codes[r]]], 1);
                }
            }
        }
      else if (ref && !ref->categorical && kiln_column_is_numeric_like (col))
        {
          for (guint r = 0; r < n; r++)
            {
              double v = kiln_column_get_double (col, r);
              if (kiln_column_is_missing (col, r) || isnan (v))
                missing++;
              else
                kiln_serve_count (&c[3 + kiln_drift_numeric_bin (ref, v)], 1);
            }
        }
      else
        {
          for (guint r = 0; r < n; r++)
            missing += kiln_column_is_missing (col, r);
        }
      if (missing)
        kiln_serve_count (&c[1], missing);
      if (unseen)
        kiln_serve_count (&c[2], unseen);
    }
}
