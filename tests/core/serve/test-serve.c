/* test-serve.c: the prediction service in-process, with libsoup as an independent HTTP client.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every endpoint, every error a client can cause, the limits, a reload with a good and a corrupt
 * bundle, predictions equal to kiln_bundle_predict() on the same rows (classification and
 * regression, with missing values and categories), drift metrics, live counters, answers under
 * concurrent reloads, and a stop that lets a request in flight finish. Runs under ASan and TSan
 * (scripts/test).
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "kiln-csv.h"
#include "kiln-number.h"
#include "kiln-pipeline.h"
#include "kiln-serve-private.h"
#include "kiln-serve.h"

static char *tmpdir;
static KilnFrame *penguins;
static KilnPipelineResult species;     /* logreg, classification */
static KilnPipelineResult mass;        /* linear, regression */
static KilnPipelineResult species2;    /* tree, classification: another bundle to reload to */

/* ---- Helpers ----------------------------------------------------------------------------------- */

typedef struct {
  KilnServer *server;
  char       *url;
  char       *log_path;
  int         log_fd;
  SoupSession *session;
} Served;

static void
serve (Served *s, KilnBundle *bundle, const char *path, const KilnServeOptions *custom)
{
  KilnServeOptions options;
  g_autoptr(GError) error = NULL;

  if (custom)
    options = *custom;
  else
    kiln_serve_options_init (&options);
  options.port = 0;
  options.n_threads = options.n_threads ? options.n_threads : 2;
  s->log_path = g_build_filename (tmpdir, "access.log", NULL);
  s->log_fd = g_open (s->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  g_assert_cmpint (s->log_fd, >=, 0);
  options.log_fd = s->log_fd;
  s->server = kiln_server_new (bundle, path, &options);
  g_assert_true (kiln_server_start (s->server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_server_get_port (s->server), >, 0);
  s->url = kiln_server_get_url (s->server);
  g_assert_true (g_str_has_prefix (s->url, "http://127.0.0.1:"));
  s->session = soup_session_new ();
  soup_session_set_timeout (s->session, 30);
}

static char *
read_log (Served *s)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (s->log_path, &text, NULL, NULL));
  return text;
}

/* Request lines reach the log within a flush period (kiln-serve-log.c): waits up to 5 s for @needle. */
static void
wait_log (Served *s, const char *needle)
{
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *text = read_log (s);
      if (strstr (text, needle))
        return;
      g_usleep (10000);
    }
  g_error ("the log never said “%s”", needle);
}

static void
unserve (Served *s)
{
  kiln_server_free (s->server);
  g_object_unref (s->session);
  close (s->log_fd);
  g_unlink (s->log_path);
  g_free (s->log_path);
  g_free (s->url);
}

/* The answer's body (NUL-terminated); @status and @headers (may be NULL) get the rest. */
static char *
request (Served *s, const char *method, const char *path, const char *body, gssize length,
         guint *status, SoupMessageHeaders **headers)
{
  g_autofree char *uri = g_strconcat (s->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = NULL;

  g_assert_nonnull (msg);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, length < 0 ? strlen (body) : (gsize) length);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (s->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (headers)
    *headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static JsonNode *
post_json (Served *s, const char *body, guint want_status)
{
  guint status;
  g_autofree char *text = request (s, "POST", "/predict", body, -1, &status, NULL);

  if (status != want_status)
    g_error ("status %u, want %u: %s", status, want_status, text);
  return parse_json (text);
}

/* An error answer: the status, and "row"/"field" as given (0 / NULL: absent). */
static void
assert_problem (Served *s, const char *body, guint want_status, guint row, const char *field,
                const char *in_message)
{
  g_autoptr(JsonNode) node = post_json (s, body, want_status);
  JsonObject *o = json_node_get_object (node);
  const char *message = json_object_get_string_member (o, "error");

  g_assert_nonnull (message);
  if (in_message && strstr (message, in_message) == NULL)
    g_error ("“%s” does not say “%s”", message, in_message);
  if (row)
    g_assert_cmpint (json_object_get_int_member (o, "row"), ==, row);
  else
    g_assert_false (json_object_has_member (o, "row"));
  if (field)
    g_assert_cmpstr (json_object_get_string_member (o, "field"), ==, field);
  else
    g_assert_false (json_object_has_member (o, "field"));
}

/* Rows @first .. @first+@n-1 of @frame as {"rows": [...]}: every column (the target too), numbers
 * as JSON numbers, categories as strings, missing as null: what a client sends from the CSV. */
static char *
rows_json (KilnFrame *frame, guint first, guint n)
{
  GString *out = g_string_new ("{\"rows\":[");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint r = first; r < first + n; r++)
    {
      g_string_append (out, r > first ? ",{" : "{");
      for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
        {
          KilnColumn *col = kiln_frame_get_column (frame, c);
          g_autoptr(JsonNode) name = json_node_init_string (json_node_alloc (),
                                                            kiln_column_get_name (col));
          g_autofree char *quoted = json_to_string (name, FALSE);

          g_string_append_printf (out, "%s%s:", c ? "," : "", quoted);
          if (kiln_frame_is_missing (frame, c, r))
            g_string_append (out, "null");
          else if (kiln_column_get_column_type (col) == KILN_COLUMN_NUMERIC)
            g_string_append (out, kiln_format_double (buf, sizeof buf,
                                                      kiln_frame_get_double (frame, c, r)));
          else
            {
              g_autoptr(JsonNode) v = json_node_init_string (json_node_alloc (),
                                                             kiln_frame_get_string (frame, c, r));
              g_autofree char *text = json_to_string (v, FALSE);
              g_string_append (out, text);
            }
        }
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

static KilnFrame *
frame_rows (KilnFrame *frame, guint first, guint n)
{
  g_autofree guint32 *rows = g_new (guint32, n);

  for (guint i = 0; i < n; i++)
    rows[i] = first + i;
  return kiln_frame_new_view (frame, rows, n);
}

/* The answer to rows @first.. equals kiln_bundle_predict() on them, to the last bit. */
static void
assert_predictions (KilnBundle *bundle, JsonNode *answer, KilnFrame *frame, guint first, guint n)
{
  g_autoptr(KilnFrame) rows = frame_rows (frame, first, n);
  g_autoptr(GError) error = NULL;
  g_autofree double *want = NULL;
  g_autofree gint32 *labels = NULL;
  JsonArray *predictions;
  const char * const *classes;
  guint n_classes, n_out;

  want = kiln_bundle_predict (bundle, rows, &n_out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_out, ==, n);
  predictions = json_object_get_array_member (json_node_get_object (answer), "predictions");
  g_assert_cmpuint (json_array_get_length (predictions), ==, n);
  classes = kiln_bundle_get_classes (bundle, &n_classes);
  if (classes)
    {
      labels = g_new (gint32, n);
      kiln_bundle_labels (bundle, want, n, labels);
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *p = json_array_get_object_element (predictions, i);

      if (classes)
        {
          JsonObject *probabilities = json_object_get_object_member (p, "probabilities");
          g_assert_cmpstr (json_object_get_string_member (p, "label"), ==, classes[labels[i]]);
          g_assert_cmpuint (json_object_get_size (probabilities), ==, n_classes);
          for (guint c = 0; c < n_classes; c++)
            g_assert_cmpfloat (json_object_get_double_member (probabilities, classes[c]), ==,
                               want[(gsize) i * n_classes + c]);
        }
      else
        g_assert_cmpfloat (json_object_get_double_member (p, "value"), ==, want[i]);
    }
}

/* The value of a /metrics line "NAME{LABELS} VALUE"; NAN when absent. */
static double
metric (const char *text, const char *name_and_labels)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gsize n = strlen (name_and_labels);

  for (guint i = 0; lines[i]; i++)
    if (strncmp (lines[i], name_and_labels, n) == 0 && lines[i][n] == ' ')
      return g_ascii_strtod (lines[i] + n + 1, NULL);
  return NAN;
}

/* A request is counted when its answer has gone out, which can be just after the client has it:
 * waits (up to 5 s) until @requests are counted and none is in flight. */
static void
settle (Served *s, guint64 requests, KilnServeCounters *counters)
{
  for (guint i = 0; i < 2500; i++)
    {
      kiln_server_get_counters (s->server, counters);
      if (counters->requests >= requests && counters->in_flight == 0)
        break;
      g_usleep (2000);
    }
  g_assert_cmpuint (counters->requests, ==, requests);
  g_assert_cmpuint (counters->in_flight, ==, 0);
}

static char *
get_metrics (Served *s)
{
  guint status;
  char *text = request (s, "GET", "/metrics", NULL, 0, &status, NULL);

  g_assert_cmpuint (status, ==, 200);
  return text;
}

/* ---- Tests -------------------------------------------------------------------------------------- */

static void
test_documents (void)
{
  Served s = { 0 };
  g_autofree char *health = NULL, *metadata = NULL, *openapi = NULL, *missing = NULL;
  g_autoptr(JsonNode) h = NULL, m = NULL, o = NULL, nf = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  JsonObject *row, *props, *prediction;
  JsonArray *inputs, *required;
  const KilnRecipeColumn *columns;
  guint status, n_inputs;

  serve (&s, species.bundle, NULL, NULL);
  columns = kiln_bundle_get_input_columns (species.bundle, &n_inputs);

  health = request (&s, "GET", "/health", NULL, 0, &status, &headers);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");
  h = parse_json (health);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (h), "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (h), "content_hash"), ==,
                   kiln_bundle_get_content_hash (species.bundle));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (h), "kiln_version"), ==,
                   PACKAGE_VERSION);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (h), "model"), ==, "logreg");

  metadata = request (&s, "GET", "/metadata", NULL, 0, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  m = parse_json (metadata);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m), "target"), ==,
                   "species");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m), "task"), ==,
                   "classification");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (m),
                                                                         "classes")), ==, 3);
  inputs = json_object_get_array_member (json_node_get_object (m), "inputs");
  g_assert_cmpuint (json_array_get_length (inputs), ==, n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      JsonObject *c = json_array_get_object_element (inputs, i);
      g_assert_cmpstr (json_object_get_string_member (c, "name"), ==, columns[i].name);
      g_assert_cmpstr (json_object_get_string_member (c, "type"), ==,
                       kiln_column_type_to_string (columns[i].type));
    }
  g_assert_true (json_object_has_member (json_object_get_object_member (json_node_get_object (m),
                                                                        "metrics"), "accuracy"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
                     json_node_get_object (m), "limits"), "max_rows"), ==,
                   KILN_SERVE_DEFAULT_MAX_ROWS);

  /* OpenAPI: the real column names and types, the classes as the label's values */
  openapi = request (&s, "GET", "/openapi.json", NULL, 0, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  o = parse_json (openapi);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (o), "openapi"), ==, "3.0.3");
  g_assert_true (json_object_has_member (json_object_get_object_member (json_node_get_object (o),
                                                                        "paths"), "/predict"));
  row = json_object_get_object_member (json_object_get_object_member (
          json_object_get_object_member (json_node_get_object (o), "components"), "schemas"), "Row");
  props = json_object_get_object_member (row, "properties");
  required = json_object_get_array_member (row, "required");
  g_assert_cmpuint (json_array_get_length (required), ==, n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      JsonObject *p = json_object_get_object_member (props, columns[i].name);
      g_assert_nonnull (p);
      g_assert_cmpstr (json_array_get_string_element (required, i), ==, columns[i].name);
      g_assert_cmpstr (json_object_get_string_member (p, "type"), ==,
                       columns[i].type == KILN_COLUMN_NUMERIC ? "number" : "string");
    }
  g_assert_true (json_object_has_member (props, "species"));   /* the target: accepted */
  /* /metadata answers a JSON object, /metrics text */
  {
    JsonObject *paths = json_object_get_object_member (json_node_get_object (o), "paths");
    const char *media[][2] = { { "/metadata", "application/json" }, { "/metrics", "text/plain" } };

    for (guint i = 0; i < G_N_ELEMENTS (media); i++)
      {
        JsonObject *ok = json_object_get_object_member (json_object_get_object_member (
          json_object_get_object_member (json_object_get_object_member (paths, media[i][0]), "get"),
          "responses"), "200");
        JsonObject *schema = json_object_get_object_member (json_object_get_object_member (
          json_object_get_object_member (ok, "content"), media[i][1]), "schema");
        g_assert_cmpstr (json_object_get_string_member (schema, "type"), ==,
                         i == 0 ? "object" : "string");
      }
  }
  prediction = json_object_get_object_member (json_object_get_object_member (
                 json_object_get_object_member (json_node_get_object (o), "components"),
                 "schemas"), "Prediction");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_object_get_object_member (json_object_get_object_member (
                        prediction, "properties"), "label"), "enum")), ==, 3);
  /* its example row is a valid request */
  {
    g_autoptr(JsonNode) example = json_node_copy (json_object_get_member (row, "example"));
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) body = NULL;
    g_autofree char *text = NULL;
    g_autoptr(JsonNode) answer = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "rows");
    json_builder_begin_array (b);
    json_builder_add_value (b, g_steal_pointer (&example));
    json_builder_end_array (b);
    json_builder_end_object (b);
    body = json_builder_get_root (b);
    text = json_to_string (body, FALSE);
    answer = post_json (&s, text, 200);
  }

  /* HEAD answers like GET, without a body */
  g_free (request (&s, "HEAD", "/health", NULL, 0, &status, NULL));
  g_assert_cmpuint (status, ==, 200);

  missing = request (&s, "GET", "/nope", NULL, 0, &status, NULL);
  g_assert_cmpuint (status, ==, 404);
  nf = parse_json (missing);
  g_assert_true (strstr (json_object_get_string_member (json_node_get_object (nf), "error"),
                         "/nope") != NULL);
  unserve (&s);
}

static void
test_methods (void)
{
  Served s = { 0 };
  SoupMessageHeaders *headers = NULL;
  guint status;

  serve (&s, species.bundle, NULL, NULL);
  g_free (request (&s, "GET", "/predict", NULL, 0, &status, &headers));
  g_assert_cmpuint (status, ==, 405);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Allow"), ==, "POST");
  soup_message_headers_unref (headers);
  g_free (request (&s, "POST", "/health", "{}", -1, &status, &headers));
  g_assert_cmpuint (status, ==, 405);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Allow"), ==, "GET, HEAD");
  soup_message_headers_unref (headers);
  g_free (request (&s, "DELETE", "/metrics", NULL, 0, &status, NULL));
  g_assert_cmpuint (status, ==, 405);
  g_free (request (&s, "PUT", "/predict", "{}", -1, &status, NULL));
  g_assert_cmpuint (status, ==, 405);
  unserve (&s);
}

/* Served predictions equal the bundle's own on the same rows, for every row of the file (missing
 * values and categories included), one row a request and all rows in one. */
static void
test_predict_equal (gconstpointer data)
{
  KilnPipelineResult *r = (KilnPipelineResult *) data;
  guint n = kiln_frame_get_n_rows (penguins);
  g_autofree char *all = rows_json (penguins, 0, n);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  Served s = { 0 };
  g_autofree char *text = NULL;
  guint status;

  serve (&s, r->bundle, NULL, NULL);
  answer = post_json (&s, all, 200);
  assert_predictions (r->bundle, answer, penguins, 0, n);
  for (guint i = 0; i < n; i += 7)
    {
      g_autofree char *one = rows_json (penguins, i, 1);
      g_autoptr(JsonNode) a = post_json (&s, one, 200);
      assert_predictions (r->bundle, a, penguins, i, 1);
    }
  text = request (&s, "POST", "/predict", "{\"rows\": []}", -1, &status, &headers);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (text, ==, "{\"predictions\":[]}");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Kiln-Model"), ==,
                   kiln_bundle_get_content_hash (r->bundle));
  unserve (&s);
}

/* Values arrive as the CSV would have held them: numbers as text, missing markers, categories
 * written as numbers. */
static void
test_conversions (void)
{
  Served s = { 0 };
  const char *typed = "{\"rows\":[{\"island\":\"Biscoe\",\"bill_length_mm\":45.5,"
                      "\"bill_depth_mm\":15,\"flipper_length_mm\":210,\"body_mass_g\":4800,"
                      "\"sex\":\"female\"}]}";
  const char *texts = "{\"rows\":[{\"island\":\"Biscoe\",\"bill_length_mm\":\" 45.5 \","
                      "\"bill_depth_mm\":\"1.5e1\",\"flipper_length_mm\":\"210\","
                      "\"body_mass_g\":\"4800\",\"sex\":\"female\",\"species\":\"whatever\"}]}";
  const char *nulls = "{\"rows\":[{\"island\":null,\"bill_length_mm\":null,\"bill_depth_mm\":null,"
                      "\"flipper_length_mm\":null,\"body_mass_g\":null,\"sex\":null}]}";
  const char *markers = "{\"rows\":[{\"island\":\"NA\",\"bill_length_mm\":\"\",\"bill_depth_mm\":\"?\","
                        "\"flipper_length_mm\":\"N/A\",\"body_mass_g\":\"NaN\",\"sex\":\"null\"}]}";
  const char *odd = "{\"rows\":[{\"island\":3,\"bill_length_mm\":true,\"bill_depth_mm\":false,"
                    "\"flipper_length_mm\":1e2,\"body_mass_g\":-0.0,\"sex\":true}]}";
  g_autoptr(JsonNode) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL;
  JsonObject *pa, *pb, *pc, *pd;

  serve (&s, species.bundle, NULL, NULL);
  a = post_json (&s, typed, 200);
  b = post_json (&s, texts, 200);
  c = post_json (&s, nulls, 200);
  d = post_json (&s, markers, 200);
  e = post_json (&s, odd, 200);   /* unseen categories and 1/0 for numbers: still predicted */
  pa = json_array_get_object_element (json_object_get_array_member (json_node_get_object (a),
                                                                    "predictions"), 0);
  pb = json_array_get_object_element (json_object_get_array_member (json_node_get_object (b),
                                                                    "predictions"), 0);
  pc = json_array_get_object_element (json_object_get_array_member (json_node_get_object (c),
                                                                    "predictions"), 0);
  pd = json_array_get_object_element (json_object_get_array_member (json_node_get_object (d),
                                                                    "predictions"), 0);
  g_assert_true (json_node_equal (json_object_get_member (pa, "probabilities"),
                                  json_object_get_member (pb, "probabilities")));
  g_assert_true (json_node_equal (json_object_get_member (pc, "probabilities"),
                                  json_object_get_member (pd, "probabilities")));
  g_assert_false (json_node_equal (json_object_get_member (pa, "probabilities"),
                                   json_object_get_member (pc, "probabilities")));
  unserve (&s);
}

static void
test_bad_requests (void)
{
  Served s = { 0 };
  g_autofree char *deep = NULL, *deep_row = NULL;
  g_autoptr(GString) nested = g_string_new ("{\"rows\":[{\"island\":");
  const char *good = "\"island\":\"Biscoe\",\"bill_length_mm\":45.5,\"bill_depth_mm\":15,"
                     "\"flipper_length_mm\":210,\"body_mass_g\":4800,\"sex\":\"female\"";
  g_autofree char *second_bad = g_strdup_printf ("{\"rows\":[{%s},{%s,\"extra\":1}]}", good, good);
  g_autofree char *second_missing = g_strdup_printf (
    "{\"rows\":[{%s},{\"island\":\"Biscoe\",\"bill_length_mm\":45.5}]}", good);
  g_autofree char *bad_number = g_strdup_printf (
    "{\"rows\":[{%s},{%s},{\"island\":\"Dream\",\"bill_length_mm\":\"long\","
    "\"bill_depth_mm\":15,\"flipper_length_mm\":210,\"body_mass_g\":4800,\"sex\":\"male\"}]}",
    good, good);
  g_autofree char *object_value = g_strdup_printf (
    "{\"rows\":[{\"island\":{\"a\":1},%s}]}", good + strlen ("\"island\":\"Biscoe\","));
  g_autofree char *array_unused = g_strdup_printf ("{\"rows\":[{%s,\"species\":[1]}]}", good);
  KilnServeCounters counters;

  serve (&s, species.bundle, NULL, NULL);
  assert_problem (&s, "", 400, 0, NULL, "not valid JSON");
  assert_problem (&s, "{\"rows\": [", 400, 0, NULL, "not valid JSON");
  assert_problem (&s, "{\"rows\": []} {}", 400, 0, NULL, "not valid JSON");
  assert_problem (&s, "{\"rows\": [{\"island\": \"\xff\xfe\"}]}", 400, 0, NULL, "not valid JSON");
  assert_problem (&s, "[]", 400, 0, NULL, "rows");
  assert_problem (&s, "42", 400, 0, NULL, NULL);
  assert_problem (&s, "{}", 400, 0, "rows", "no “rows”");
  assert_problem (&s, "{\"rows\": {}}", 400, 0, "rows", NULL);
  assert_problem (&s, "{\"rows\": 3}", 400, 0, "rows", NULL);
  assert_problem (&s, "{\"rows\": [], \"model\": 1}", 400, 0, "model", "model");
  assert_problem (&s, "{\"rows\": [], \"rows\": []}", 400, 0, "rows", "twice");
  assert_problem (&s, "{\"rows\": [[]]}", 400, 1, NULL, "Row 1");
  assert_problem (&s, "{\"rows\": [null]}", 400, 1, NULL, "Row 1");
  assert_problem (&s, second_bad, 400, 2, "extra", "Row 2");
  assert_problem (&s, second_missing, 400, 2, "bill_depth_mm", "Row 2");
  assert_problem (&s, bad_number, 400, 3, "bill_length_mm", "“long”");
  assert_problem (&s, object_value, 400, 1, "island", "an object");
  assert_problem (&s, array_unused, 400, 1, "species", NULL);

  /* nesting far deeper than the shape: refused as it begins, no stack to blow */
  deep = g_strnfill (200000, '[');
  assert_problem (&s, deep, 400, 0, NULL, NULL);
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (nested, '[');
  deep_row = g_string_free (g_steal_pointer (&nested), FALSE);
  assert_problem (&s, deep_row, 400, 1, "island", NULL);

  /* nothing predicted, everything counted and logged */
  settle (&s, 20, &counters);
  g_assert_cmpuint (counters.errors, ==, 20);
  g_assert_cmpuint (counters.rows, ==, 0);
  wait_log (&s, " POST /predict 400 rows=0 us=");
  unserve (&s);
}

static void
test_limits (void)
{
  Served s = { 0 };
  KilnServeOptions options;
  g_autofree char *three = rows_json (penguins, 0, 3);
  g_autofree char *six = rows_json (penguins, 0, 6);
  g_autofree char *big = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ok = NULL;
  guint status;

  kiln_serve_options_init (&options);
  options.max_rows = 5;
  options.max_body_bytes = 4000;
  serve (&s, species.bundle, NULL, &options);
  ok = post_json (&s, three, 200);
  assert_problem (&s, six, 413, 0, "rows", "5");

  /* a declared length over the limit: refused before the body is read */
  big = g_strnfill (5000, ' ');
  memcpy (big, "{\"rows\":[]}", 11);
  assert_problem (&s, big, 413, 0, NULL, "4000");

  /* no declared length (chunked): refused once it passes the limit */
  {
    g_autofree char *uri = g_strconcat (s.url, "/predict", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_strdup (big), 5000, g_free);
    g_autoptr(GBytes) answer = NULL;

    soup_message_set_request_body (msg, "application/json", in, -1);
    answer = soup_session_send_and_read (s.session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 413);
  }
  /* and the service is still there */
  g_free (request (&s, "GET", "/health", NULL, 0, &status, NULL));
  g_assert_cmpuint (status, ==, 200);
  unserve (&s);
}

/* The answer's numbers are kiln_format_double()'s text, as `kiln-cli predict` writes them (the
 * writer takes a shorter way for most values): random values of every scale, values short in
 * decimal, whole numbers, and neighbours of both one ulp away. */
static void
test_numbers (void)
{
  g_autoptr(KilnServeModel) model = _kiln_serve_model_new (mass.bundle, NULL, 1024, 10);
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);
  const double fixed[] = { 0, 1, -1, 0.5, 0.1, 0.2, 0.3, 44.1, 4000.5, 1e-20, 123456.789, 1e15,
                           1.5e16, 9.999999999999999e22, 2.2250738585072014e-308, 0.7874056527907641 };
  guint n = 6000;
  g_autofree double *values = g_new (double, n);
  GString *out = g_string_new (NULL);
  GString *want = g_string_new ("{\"predictions\":[");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; i < n; i++)
    {
      double v;

      if (i < G_N_ELEMENTS (fixed))
        v = fixed[i];
      else if (i % 3 == 0)   /* random bits of every scale */
        v = g_rand_double (rand) * pow (10, g_rand_int_range (rand, -30, 30));
      else if (i % 3 == 1)   /* short in decimal, and its neighbours */
        {
          v = g_rand_int_range (rand, 0, 100000) / pow (10, g_rand_int_range (rand, 0, 8));
          v = nextafter (v, (i / 3) % 3 == 0 ? -INFINITY : (i / 3) % 3 == 1 ? INFINITY : v);
        }
      else
        v = g_rand_double (rand);   /* probabilities */
      values[i] = v;
      g_string_append_printf (want, "%s{\"value\":%s}", i ? "," : "",
                              kiln_format_double (buf, sizeof buf, v));
    }
  g_string_append (want, "]}");
  _kiln_serve_write_predictions (model, values, n, out);
  g_assert_cmpstr (out->str, ==, want->str);
  g_string_free (out, TRUE);
  g_string_free (want, TRUE);
}

/* @rows rows of penguins, padded with spaces to @size bytes (a valid body). */
static char *
padded_body (guint rows, gsize size)
{
  g_autofree char *body = rows_json (penguins, 0, rows);
  char *out = g_strnfill (size, ' ');

  g_assert_cmpuint (strlen (body), <=, size);
  memcpy (out, body, strlen (body));
  return out;
}

static guint
in_flight (Served *s)
{
  KilnServeCounters counters;

  kiln_server_get_counters (s->server, &counters);
  return counters.in_flight;
}

/* A connection that has sent /predict's headers and the first @part bytes of @body, once the
 * service has the request in flight. */
static GSocketConnection *
send_part (Served *s, const char *body, gsize part)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *head = g_strdup_printf ("POST /predict HTTP/1.1\r\nHost: test\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Content-Length: %zu\r\n\r\n", strlen (body));
  GSocketConnection *conn = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                             kiln_server_get_port (s->server),
                                                             NULL, &error);
  GOutputStream *out;

  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (out, body, part, NULL, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 500 && in_flight (s) != 1; i++)
    g_usleep (2000);
  g_assert_cmpuint (in_flight (s), ==, 1);
  return conn;
}

/* Bodies held at once over all connections stay under max_buffered_bytes: a client that sends
 * half a body and waits cannot, with others, make the service hold connections x max_body_bytes.
 * A body past the budget gets 503 (before it is read when its length is declared, as soon as it
 * passes when chunked); the budget comes back when a request ends. */
static void
test_buffered (void)
{
  Served s = { 0 };
  KilnServeOptions options;
  g_autofree char *held = padded_body (2, 3000);
  g_autofree char *big = padded_body (3, 3500);
  g_autofree char *small = rows_json (penguins, 0, 1);
  g_autofree char *metrics = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ok = NULL, ok2 = NULL, ok3 = NULL, busy = NULL;
  GOutputStream *out;
  GInputStream *in;
  char answer[8192];
  gsize got = 0;
  gssize n;
  guint status;

  kiln_serve_options_init (&options);
  options.max_body_bytes = 4000;
  options.max_buffered_bytes = 6000;
  serve (&s, species.bundle, NULL, &options);

  /* a client holds 3000 bytes: half sent */
  conn = send_part (&s, held, 1500);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));

  /* 3000 + 3500 > 6000: refused, declared or chunked; a small body still fits */
  busy = post_json (&s, big, 503);
  g_assert_true (strstr (json_object_get_string_member (json_node_get_object (busy), "error"),
                         "try again") != NULL);
  {
    g_autofree char *uri = g_strconcat (s.url, "/predict", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
    g_autoptr(GInputStream) body = g_memory_input_stream_new_from_data (g_strdup (big),
                                                                        (gssize) strlen (big), g_free);
    g_autoptr(GBytes) reply = NULL;

    soup_message_set_request_body (msg, "application/json", body, -1);
    reply = soup_session_send_and_read (s.session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 503);
  }
  ok = post_json (&s, small, 200);

  /* the held request ends well; its budget comes back */
  g_assert_true (g_output_stream_write_all (out, held + 1500, strlen (held) - 1500, NULL, NULL,
                                            &error));
  g_assert_no_error (error);
  while (got < sizeof answer - 1
         && (n = g_input_stream_read (in, answer + got, sizeof answer - 1 - got, NULL, &error)) > 0)
    {
      got += (gsize) n;
      answer[got] = 0;
      if (strstr (answer, "]}"))
        break;
    }
  answer[got] = 0;
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  g_clear_object (&conn);
  for (guint i = 0; i < 500 && in_flight (&s) != 0; i++)
    g_usleep (2000);
  ok2 = post_json (&s, big, 200);
  ok3 = post_json (&s, big, 200);

  metrics = request (&s, "GET", "/metrics", NULL, 0, &status, NULL);
  g_assert_true (strstr (metrics, "kiln_requests_total{endpoint=\"/predict\",status=\"503\"} 2\n")
                 != NULL);
  unserve (&s);
}

/* Bodies made by mangling a good one and plain noise: every answer is 200, 400 or 413, and the
 * service answers /health after them. */
static void
test_fuzz (void)
{
  Served s = { 0 };
  g_autofree char *good = rows_json (penguins, 0, 4);
  g_autoptr(GRand) rand = g_rand_new_with_seed (2024);
  gsize n = strlen (good);
  guint status, counts[600] = { 0 };

  serve (&s, mass.bundle, NULL, NULL);
  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *body = g_strdup (good);
      gsize length = n;
      g_autofree char *answer = NULL;

      switch (i % 4)
        {
        case 0:   /* a few bytes changed */
          for (gint32 k = 0, m = 1 + g_rand_int_range (rand, 0, 4); k < m; k++)
            body[g_rand_int_range (rand, 0, (gint32) n)] = (char) g_rand_int_range (rand, 0, 256);
          break;
        case 1:   /* cut short */
          length = (gsize) g_rand_int_range (rand, 0, (gint32) n);
          break;
        case 2:   /* a structural byte swapped for another */
          {
            const char structural[] = "{}[],:\"\\";
            body[g_rand_int_range (rand, 0, (gint32) n)] = structural[g_rand_int_range (rand, 0, 8)];
          }
          break;
        default:  /* noise */
          length = (gsize) g_rand_int_range (rand, 0, 200);
          for (gsize k = 0; k < length; k++)
            body[k] = (char) g_rand_int_range (rand, 0, 256);
          break;
        }
      answer = request (&s, "POST", "/predict", body, (gssize) length, &status, NULL);
      g_assert_true (status == 200 || status == 400 || status == 413);
      counts[status]++;
      if (status != 200)
        {
          g_autoptr(JsonNode) node = parse_json (answer);
          g_assert_true (json_object_has_member (json_node_get_object (node), "error"));
        }
    }
  g_assert_cmpuint (counts[400], >, 100);
  g_free (request (&s, "GET", "/health", NULL, 0, &status, NULL));
  g_assert_cmpuint (status, ==, 200);
  unserve (&s);
}

static void
test_metrics (void)
{
  Served s = { 0 };
  g_autofree char *all = rows_json (penguins, 0, kiln_frame_get_n_rows (penguins));
  const char *shifted = "{\"rows\":["
    "{\"island\":\"Atlantis\",\"bill_length_mm\":null,\"bill_depth_mm\":15,\"flipper_length_mm\":210,\"body_mass_g\":4800,\"sex\":\"female\"},"
    "{\"island\":\"Biscoe\",\"bill_length_mm\":null,\"bill_depth_mm\":15,\"flipper_length_mm\":210,\"body_mass_g\":4800,\"sex\":\"female\"},"
    "{\"island\":\"Biscoe\",\"bill_length_mm\":99,\"bill_depth_mm\":15,\"flipper_length_mm\":210,\"body_mass_g\":4800,\"sex\":\"female\"},"
    "{\"island\":null,\"bill_length_mm\":99,\"bill_depth_mm\":15,\"flipper_length_mm\":210,\"body_mass_g\":4800,\"sex\":\"female\"}]}";
  g_autofree char *text = NULL, *after = NULL;
  g_autoptr(JsonNode) a = NULL;
  KilnServeCounters counters;
  guint n = kiln_frame_get_n_rows (penguins), status;

  serve (&s, species.bundle, NULL, NULL);
  /* the whole file looks like its training split: small PSI everywhere */
  a = post_json (&s, all, 200);
  settle (&s, 1, &counters);
  text = get_metrics (&s);
  g_assert_cmpfloat (metric (text, "kiln_requests_total{endpoint=\"/predict\",status=\"200\"}"), ==, 1);
  g_assert_cmpfloat (metric (text, "kiln_rows_predicted_total"), ==, n);
  g_assert_cmpfloat (metric (text, "kiln_model_drift_reference"), ==, 1);
  g_assert_cmpfloat (metric (text, "kiln_input_values_total{column=\"island\"}"), ==, n);
  g_assert_cmpfloat (metric (text, "kiln_input_psi{column=\"bill_length_mm\"}"), <, 0.05);
  g_assert_cmpfloat (metric (text, "kiln_input_psi{column=\"island\"}"), <, 0.05);
  g_assert_cmpfloat (metric (text, "kiln_input_unseen_ratio{column=\"island\"}"), ==, 0);
  g_assert_cmpfloat (metric (text, "kiln_input_missing_ratio{column=\"bill_length_mm\"}"), ==,
                     2.0 / n);   /* two rows of penguins.csv lack their measures */
  g_assert_cmpfloat (metric (text, "kiln_request_duration_seconds_count{endpoint=\"/predict\"}"), ==, 1);
  g_assert_cmpfloat (metric (text, "kiln_request_duration_seconds_bucket{endpoint=\"/predict\",le=\"+Inf\"}"), ==, 1);
  g_assert_true (strstr (text, "# TYPE kiln_request_duration_seconds histogram") != NULL);
  g_assert_true (strstr (text, kiln_bundle_get_content_hash (species.bundle)) != NULL);

  /* the same bundle served anew starts its drift counts again; then ten times four shifted rows:
   * an unseen island, a missing one, missing bills, bills far out */
  kiln_server_set_bundle (s.server, species.bundle, NULL);
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(JsonNode) b = post_json (&s, shifted, 200);
    }
  g_free (request (&s, "POST", "/predict", "{", -1, &status, NULL));
  settle (&s, 13, &counters);
  after = get_metrics (&s);
  g_assert_cmpfloat (metric (after, "kiln_input_values_total{column=\"island\"}"), ==, 40);
  g_assert_cmpfloat (metric (after, "kiln_input_missing_ratio{column=\"island\"}"), ==, 0.25);
  g_assert_cmpfloat (metric (after, "kiln_input_unseen_ratio{column=\"island\"}"), ==, 1.0 / 3);
  g_assert_cmpfloat (metric (after, "kiln_input_missing_ratio{column=\"bill_length_mm\"}"), ==, 0.5);
  g_assert_cmpfloat (metric (after, "kiln_input_psi{column=\"bill_length_mm\"}"), >, 1);
  g_assert_cmpfloat (metric (after, "kiln_input_psi{column=\"island\"}"), >, 0.25);
  g_assert_cmpfloat (metric (after, "kiln_input_psi{column=\"sex\"}"), >, 0.25);
  g_assert_cmpfloat (metric (after, "kiln_request_errors_total{endpoint=\"/predict\",status=\"400\"}"), ==, 1);
  g_assert_cmpfloat (metric (after, "kiln_requests_total{endpoint=\"/metrics\",status=\"200\"}"), ==, 1);
  g_assert_cmpfloat (metric (after, "kiln_rows_predicted_total"), ==, n + 40);

  settle (&s, 14, &counters);
  g_assert_cmpuint (counters.requests, ==, 14);
  g_assert_cmpuint (counters.errors, ==, 1);
  g_assert_cmpuint (counters.rows, ==, n + 40);
  g_assert_cmpuint (counters.in_flight, ==, 0);
  unserve (&s);
}

static void
test_reload (void)
{
  Served s = { 0 };
  g_autofree char *path = g_build_filename (tmpdir, "served.kiln", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL, *text = NULL;
  const char *first = kiln_bundle_get_content_hash (species.bundle);
  const char *second = kiln_bundle_get_content_hash (species2.bundle);
  g_autoptr(KilnBundle) now = NULL;
  g_autofree char *one = rows_json (penguins, 10, 3);
  g_autoptr(JsonNode) a = NULL;
  guint status;

  g_assert_cmpstr (first, !=, second);
  g_assert_true (kiln_bundle_save (species.bundle, path, NULL, &error));
  serve (&s, species.bundle, path, NULL);

  /* a good new file */
  g_assert_true (kiln_bundle_save (species2.bundle, path, NULL, &error));
  g_assert_true (kiln_server_reload (s.server, &error));
  g_assert_no_error (error);
  now = kiln_server_get_bundle (s.server);
  g_assert_cmpstr (kiln_bundle_get_content_hash (now), ==, second);
  text = request (&s, "GET", "/health", NULL, 0, &status, NULL);
  g_assert_true (strstr (text, second) != NULL);
  a = post_json (&s, one, 200);
  assert_predictions (species2.bundle, a, penguins, 10, 3);

  /* a corrupt one: refused, the last good one keeps answering */
  g_assert_true (g_file_set_contents (path, "\x1f\x8b not really gzip", -1, NULL));
  g_assert_false (kiln_server_reload (s.server, &error));
  g_assert_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_free (text);
  text = request (&s, "GET", "/health", NULL, 0, &status, NULL);
  g_assert_true (strstr (text, second) != NULL);
  /* a file that went away */
  g_unlink (path);
  g_assert_false (kiln_server_reload (s.server, &error));
  g_assert_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_OPEN);
  g_clear_error (&error);

  g_free (text);
  text = get_metrics (&s);
  g_assert_cmpfloat (metric (text, "kiln_reloads_total{result=\"ok\"}"), ==, 1);
  g_assert_cmpfloat (metric (text, "kiln_reloads_total{result=\"failed\"}"), ==, 2);
  log = read_log (&s);
  g_assert_true (strstr (log, "serving bundle") != NULL);
  {
    g_autofree char *kept = g_strdup_printf ("reload failed, still serving bundle %s", second);
    g_autofree char *swapped = g_strdup_printf ("serving bundle %s (was %s)", second, first);
    g_assert_true (strstr (log, kept) != NULL);
    g_assert_true (strstr (log, swapped) != NULL);
  }

  /* a bundle from memory has no file to reload */
  kiln_server_set_bundle (s.server, species.bundle, NULL);
  g_assert_false (kiln_server_reload (s.server, &error));
  g_assert_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_NO_FILE);
  unserve (&s);
}

typedef struct {
  Served     *served;
  const char *body;
  guint       first;
  guint       n;
  guint       done;
} Client;

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (c->served->url, "/predict", NULL);

  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
      g_autoptr(GBytes) body = g_bytes_new_static (c->body, strlen (c->body));
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      const char *hash;

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
      answer = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      node = json_from_string (g_bytes_get_data (answer, NULL), &error);
      g_assert_no_error (error);
      /* the answer comes from the bundle the header names, whichever it was at the time */
      hash = soup_message_headers_get_one (soup_message_get_response_headers (msg), "X-Kiln-Model");
      if (g_strcmp0 (hash, kiln_bundle_get_content_hash (species.bundle)) == 0)
        assert_predictions (species.bundle, node, penguins, c->first, c->n);
      else
        {
          g_assert_cmpstr (hash, ==, kiln_bundle_get_content_hash (species2.bundle));
          assert_predictions (species2.bundle, node, penguins, c->first, c->n);
        }
      c->done++;
    }
  return NULL;
}

/* Clients on four threads while the bundle changes under them. */
static void
test_concurrent (void)
{
  Served s = { 0 };
  Client clients[4];
  GThread *threads[4];
  char *bodies[4];

  serve (&s, species.bundle, NULL, NULL);
  for (guint t = 0; t < 4; t++)
    {
      bodies[t] = rows_json (penguins, t * 40, 1 + t * 10);
      clients[t] = (Client) { &s, bodies[t], t * 40, 1 + t * 10, 0 };
      threads[t] = g_thread_new ("client", client_thread, &clients[t]);
    }
  for (guint k = 0; k < 20; k++)
    {
      kiln_server_set_bundle (s.server, k % 2 ? species.bundle : species2.bundle, NULL);
      g_usleep (5000);
    }
  for (guint t = 0; t < 4; t++)
    {
      g_thread_join (threads[t]);
      g_assert_cmpuint (clients[t].done, ==, 60);
      g_free (bodies[t]);
    }
  unserve (&s);
}

static gpointer
stop_thread (gpointer data)
{
  kiln_server_stop (data);
  return NULL;
}

/* A request whose body is still coming when the server is told to stop is answered, then the
 * server stops; after that, nothing listens. */
static void
test_stop_drains (void)
{
  Served s = { 0 };
  g_autofree char *body = rows_json (penguins, 0, 2);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out;
  GInputStream *in;
  GThread *stopper;
  char answer[4096];
  gsize got = 0, half = strlen (body) / 2;
  gssize n;

  serve (&s, species.bundle, NULL, NULL);
  /* the server has the request in flight before it is told to stop */
  conn = send_part (&s, body, half);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));

  stopper = g_thread_new ("stop", stop_thread, s.server);
  g_usleep (100000);
  g_assert_true (g_output_stream_write_all (out, body + half, strlen (body) - half, NULL, NULL,
                                            &error));
  g_assert_no_error (error);
  while ((n = g_input_stream_read (in, answer + got, sizeof answer - 1 - got, NULL, &error)) > 0)
    got += (gsize) n;
  answer[got] = 0;
  g_thread_join (stopper);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  g_assert_true (strstr (answer, "Connection: close") != NULL);
  g_assert_true (strstr (answer, "{\"predictions\":[") != NULL);

  /* stopped: the port is closed, a second stop is harmless */
  {
    g_autoptr(GSocketConnection) refused = NULL;
    g_autoptr(GError) e = NULL;
    refused = g_socket_client_connect_to_host (client, "127.0.0.1",
                                               kiln_server_get_port (s.server), NULL, &e);
    g_assert_null (refused);
  }
  kiln_server_stop (s.server);
  unserve (&s);
}

static void
test_curl_example (void)
{
  Served s = { 0 };
  g_autofree char *typical = NULL, *real = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) answer = NULL;
  const char *start, *end;

  serve (&s, mass.bundle, NULL, NULL);
  typical = kiln_serve_curl_example (mass.bundle, s.url, NULL, 0);
  real = kiln_serve_curl_example (mass.bundle, s.url, penguins, 0);
  g_assert_true (g_str_has_prefix (real, "curl "));
  g_assert_true (g_str_has_suffix (real, "/predict"));
  g_assert_true (strstr (real, "\"island\":\"Torgersen\"") != NULL);
  g_assert_true (strstr (real, "\"bill_length_mm\":39.1") != NULL);
  /* the body between -d '...' is a request the service takes */
  start = strstr (typical, "-d '") + 4;
  end = strchr (start, '\'');
  body = g_strndup (start, (gsize) (end - start));
  answer = post_json (&s, body, 200);
  unserve (&s);
}

/* A model of Korean reviews' text: the service takes raw text, answers as the bundle predicts,
 * and a text longer than the body limit is refused (413), as any request over the limits. */
static void
test_text (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "reviews-ko.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  KilnPipelineOptions options;
  KilnPipelineResult r = { 0 };
  Served s = { 0 };
  KilnServeOptions small;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(KilnFrame) raw = NULL;
  g_autofree double *expect = NULL;
  g_autofree char *long_body = NULL;
  JsonArray *predictions;
  JsonObject *proba;
  const char *texts[] = { "정말 재미있고 감동적인 최고의 영화", "지루하고 최악이다 돈 아깝다" };
  guint n;

  g_assert_no_error (error);
  kiln_pipeline_options_init (&options, "sentiment", "logreg");
  g_strfreev (options.prep.dropped);
  options.prep.dropped = g_strsplit ("rating", ",", -1);
  g_strfreev (options.prep.text);
  options.prep.text = g_strsplit ("review", ",", -1);
  options.prep.text_options.min_df = 1;
  g_assert_true (kiln_pipeline_run (frame, NULL, &options, NULL, NULL, &r, &error));
  g_assert_no_error (error);

  {
    KilnColumn *col;
    GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
    gint32 *codes = g_new (gint32, 2);
    g_ptr_array_add (cats, g_strdup (texts[0]));
    g_ptr_array_add (cats, g_strdup (texts[1]));
    codes[0] = 0;
    codes[1] = 1;
    col = kiln_column_new_coded ("review", KILN_COLUMN_TEXT, codes, cats, 2);
    raw = kiln_frame_new (&col, 1);
    kiln_column_unref (col);
  }
  expect = kiln_bundle_predict (r.bundle, raw, &n, &error);
  g_assert_no_error (error);

  serve (&s, r.bundle, NULL, NULL);
  answer = post_json (&s, "{\"rows\": [{\"review\": \"정말 재미있고 감동적인 최고의 영화\"},"
                          " {\"review\": \"지루하고 최악이다 돈 아깝다\", \"rating\": 1}]}", 200);
  predictions = json_object_get_array_member (json_node_get_object (answer), "predictions");
  g_assert_cmpuint (json_array_get_length (predictions), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *p = json_array_get_object_element (predictions, i);
      proba = json_object_get_object_member (p, "probabilities");
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (proba, "negative"), expect[2 * i], 1e-12);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (proba, "positive"), expect[2 * i + 1], 1e-12);
      g_assert_cmpstr (json_object_get_string_member (p, "label"), ==, i == 0 ? "positive" : "negative");
    }
  /* a text is a string: a number for it is read as its text, null as an empty review */
  g_clear_pointer (&answer, json_node_unref);
  answer = post_json (&s, "{\"rows\": [{\"review\": null}, {\"review\": 10}]}", 200);
  unserve (&s);

  /* the request limits hold for text: a review longer than the body limit is refused */
  kiln_serve_options_init (&small);
  small.max_body_bytes = 4000;
  serve (&s, r.bundle, NULL, &small);
  {
    GString *body = g_string_new ("{\"rows\": [{\"review\": \"");
    while (body->len < 4500)
      g_string_append (body, "재미있다 ");
    g_string_append (body, "\"}]}");
    long_body = g_string_free (body, FALSE);
  }
  assert_problem (&s, long_body, 413, 0, NULL, "4000");
  unserve (&s);
  kiln_pipeline_result_clear (&r);
  kiln_pipeline_options_clear (&options);
}

static void
test_listen_errors (void)
{
  Served s = { 0 };
  KilnServeOptions options;
  g_autoptr(KilnServer) taken = NULL, bad = NULL;
  g_autoptr(GError) error = NULL;

  serve (&s, species.bundle, NULL, NULL);
  kiln_serve_options_init (&options);
  options.log_fd = -1;
  options.port = kiln_server_get_port (s.server);
  taken = kiln_server_new (species.bundle, NULL, &options);
  g_assert_false (kiln_server_start (taken, &error));
  g_assert_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_LISTEN);
  g_clear_error (&error);

  options.host = "not-an-address";
  options.port = 0;
  bad = kiln_server_new (species.bundle, NULL, &options);
  g_assert_false (kiln_server_start (bad, &error));
  g_assert_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_OPTIONS);
  unserve (&s);
}

static void
train (const char *target, const char *model, KilnPipelineResult *result)
{
  KilnPipelineOptions options;
  g_autoptr(GError) error = NULL;

  kiln_pipeline_options_init (&options, target, model);
  if (!kiln_pipeline_run (penguins, NULL, &options, NULL, NULL, result, &error))
    g_error ("%s/%s: %s", target, model, error->message);
  kiln_pipeline_options_clear (&options);
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-test-serve-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (g_getenv ("KILN_SHARED_DATASETS"), "penguins.csv", NULL);
  penguins = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  train ("species", "logreg", &species);
  train ("body_mass_g", "linear", &mass);
  train ("species", "tree", &species2);

  g_test_add_func ("/serve/documents", test_documents);
  g_test_add_func ("/serve/methods", test_methods);
  g_test_add_data_func ("/serve/predict-classification", &species, test_predict_equal);
  g_test_add_data_func ("/serve/predict-regression", &mass, test_predict_equal);
  g_test_add_func ("/serve/conversions", test_conversions);
  g_test_add_func ("/serve/bad-requests", test_bad_requests);
  g_test_add_func ("/serve/limits", test_limits);
  g_test_add_func ("/serve/buffered", test_buffered);
  g_test_add_func ("/serve/numbers", test_numbers);
  g_test_add_func ("/serve/fuzz", test_fuzz);
  g_test_add_func ("/serve/metrics", test_metrics);
  g_test_add_func ("/serve/reload", test_reload);
  g_test_add_func ("/serve/concurrent", test_concurrent);
  g_test_add_func ("/serve/stop-drains", test_stop_drains);
  g_test_add_func ("/serve/curl-example", test_curl_example);
  g_test_add_func ("/serve/listen-errors", test_listen_errors);
  g_test_add_func ("/serve/text", test_text);
  status = g_test_run ();

  kiln_pipeline_result_clear (&species);
  kiln_pipeline_result_clear (&mass);
  kiln_pipeline_result_clear (&species2);
  kiln_frame_unref (penguins);
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
