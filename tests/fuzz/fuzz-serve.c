/* fuzz-serve.c: the prediction service's request parser (a /predict body, JSON, to typed rows of
 * the model's input columns), for the penguins forest of the bundle seeds. A body that parses must
 * predict (the rows are the model's input types) and its answer must be JSON with one prediction
 * per row; a body that does not must be a 400 or 413 whose error document is JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-fuzz"

#include "config.h"

#include <json-glib/json-glib.h>

#include "kiln-bundle.h"
#include "kiln-fuzz.h"
#include "kiln-serve-private.h"

#define MAX_ROWS 64

static KilnBundle *bundle;
static KilnServeModel *model;

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  const char *path = KILN_FUZZ_SEEDS_DIR "/bundle/forest.json";

  bundle = kiln_bundle_load (path, NULL, &error);
  if (bundle == NULL)
    g_error ("%s", error->message);
  model = _kiln_serve_model_new (bundle, path, 1 << 20, MAX_ROWS);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("the service would answer with JSON that does not parse (%s): %s", error->message, text);
  return json_node_copy (json_parser_get_root (parser));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) rows = NULL;
  KilnServeProblem problem = { 0 };

  kiln_fuzz_init ();
  if (model == NULL)
    setup ();

  rows = _kiln_serve_parse_rows (model, (const char *) data, size, MAX_ROWS, &problem, &error);
  g_assert_true ((rows == NULL) == (error != NULL));
  if (rows != NULL)
    {
      g_autoptr(GError) predict_error = NULL;
      g_autoptr(GString) out = g_string_new (NULL);
      g_autoptr(JsonNode) answer = NULL;
      g_autofree double *output = NULL;
      guint n_rows = 0;
      JsonNode *predictions;

      g_assert_cmpuint (kiln_frame_get_n_columns (rows), ==, model->n_inputs);
      g_assert_cmpuint (kiln_frame_get_n_rows (rows), <=, MAX_ROWS);
      output = kiln_bundle_predict (bundle, rows, &n_rows, &predict_error);
      if (output == NULL)
        g_error ("rows the parser accepted do not predict: %s", predict_error->message);
      g_assert_cmpuint (n_rows, ==, kiln_frame_get_n_rows (rows));
      _kiln_serve_write_predictions (model, output, n_rows, out);
      answer = parse (out->str);
      predictions = JSON_NODE_HOLDS_OBJECT (answer)
                    ? json_object_get_member (json_node_get_object (answer), "predictions") : NULL;
      g_assert_true (predictions != NULL && JSON_NODE_HOLDS_ARRAY (predictions));
      g_assert_cmpuint (json_array_get_length (json_node_get_array (predictions)), ==, n_rows);
    }
  else
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) document = NULL;

      g_assert_true (error->domain == KILN_SERVE_ERROR &&
                     (error->code == KILN_SERVE_ERROR_INPUT || error->code == KILN_SERVE_ERROR_TOO_LARGE));
      text = _kiln_serve_error_json (error->message, &problem);
      document = parse (text);
      kiln_fuzz_use (problem.row);
      g_free (problem.field);
    }
  return 0;
}
