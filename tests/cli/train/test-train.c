/* test-train.c: `kiln-cli train` and `kiln-cli predict` end to end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "kiln-csv.h"
#include "kiln-metrics.h"
#include "kiln-model.h"

typedef struct {
  int    status;
  char  *out;
  char  *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

static char *tmpdir;

static const char *
cli (void)
{
  const char *p = g_getenv ("KILN_CLI");
  g_assert_nonnull (p);
  return p;
}

static char *
dataset (const char *name)
{
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");
  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static char *
tmp (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Runs kiln-cli with the NULL-terminated arguments. */
static void
run_cli (Run *r, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  va_list ap;
  const char *a;

  g_ptr_array_add (argv, (char *) cli ());
  va_start (ap, r);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  memset (r, 0, sizeof *r);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &r->status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (r->status) ? WEXITSTATUS (r->status) : -1;
}

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
assert_keys (JsonObject *o, const char * const *keys)
{
  guint n = 0;

  for (; keys[n]; n++)
    if (!json_object_has_member (o, keys[n]))
      g_error ("JSON lacks the member “%s”", keys[n]);
  g_assert_cmpuint (json_object_get_size (o), ==, n);
}

static const char * const top_keys[] = { "task", "model", "classes", "train_rows",
                                         "validation_rows", "test_rows", "metrics",
                                         "confusion_matrix", "seconds", NULL };

/* Writes every fifth data row of @src to @test and the others to @train. */
static void
split_file (const char *src, const char *train, const char *test)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) a = g_string_new (NULL), b = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (src, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  g_string_append_printf (a, "%s\n", lines[0]);
  g_string_append_printf (b, "%s\n", lines[0]);
  for (guint i = 1; lines[i] && lines[i][0]; i++)
    g_string_append_printf (i % 5 == 0 ? b : a, "%s\n", lines[i]);
  g_assert_true (g_file_set_contents (train, a->str, -1, &error));
  g_assert_true (g_file_set_contents (test, b->str, -1, &error));
}

static void
test_iris (gconstpointer data)
{
  const char *model = data;
  g_autofree char *iris = dataset ("iris.csv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char * const metric_keys[] = { "accuracy", "macro_f1", "log_loss", NULL };
  JsonObject *o, *m;
  JsonArray *cm, *classes;
  gint64 total = 0;
  Run r;

  if (kiln_model_lookup_class (model) == NULL)
    {
      g_test_skip ("this model family is not built yet");
      return;
    }
  run_cli (&r, "train", iris, "--target", "species", "--model", model, "--json", NULL);
  if (r.status != 0)
    g_error ("kiln-cli train failed (%d): %s", r.status, r.err);
  o = parse_object (parser, r.out);
  assert_keys (o, top_keys);
  g_assert_cmpstr (json_object_get_string_member (o, "task"), ==, "classification");
  g_assert_cmpstr (json_object_get_string_member (o, "model"), ==, model);
  classes = json_object_get_array_member (o, "classes");
  g_assert_cmpuint (json_array_get_length (classes), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (classes, 0), ==, "setosa");
  g_assert_cmpint (json_object_get_int_member (o, "train_rows"), ==, 120);
  g_assert_cmpint (json_object_get_int_member (o, "validation_rows"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "test_rows"), ==, 30);
  g_assert_cmpfloat (json_object_get_double_member (o, "seconds"), >=, 0);
  m = json_object_get_object_member (o, "metrics");
  assert_keys (m, metric_keys);
  g_test_message ("iris %s: accuracy %.4f", model, json_object_get_double_member (m, "accuracy"));
  g_assert_cmpfloat (json_object_get_double_member (m, "accuracy"), >=, 0.9);
  g_assert_cmpfloat (json_object_get_double_member (m, "macro_f1"), >=, 0.85);
  g_assert_cmpfloat (json_object_get_double_member (m, "log_loss"), >, 0);
  cm = json_object_get_array_member (o, "confusion_matrix");
  g_assert_cmpuint (json_array_get_length (cm), ==, 3);
  for (guint a = 0; a < 3; a++)
    {
      JsonArray *row = json_array_get_array_element (cm, a);
      gint64 row_sum = 0;
      g_assert_cmpuint (json_array_get_length (row), ==, 3);
      for (guint p = 0; p < 3; p++)
        row_sum += json_array_get_int_element (row, p);
      g_assert_cmpint (row_sum, ==, 10);   /* stratified: 10 of each species */
      total += row_sum;
    }
  g_assert_cmpint (total, ==, 30);
  run_clear (&r);
}

static void
test_regression_json (void)
{
  g_autofree char *iris = dataset ("iris.csv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char * const metric_keys[] = { "r2", "rmse", "mae", NULL };
  JsonObject *o, *m;
  Run r;

  if (kiln_model_lookup_class ("linear") == NULL)
    {
      g_test_skip ("the linear family is not built yet");
      return;
    }
  run_cli (&r, "train", iris, "--target", "petal_width", "--model", "linear",
           "--split", "70:10:20", "--json", NULL);
  if (r.status != 0)
    g_error ("kiln-cli train failed (%d): %s", r.status, r.err);
  o = parse_object (parser, r.out);
  assert_keys (o, top_keys);
  g_assert_cmpstr (json_object_get_string_member (o, "task"), ==, "regression");
  g_assert_true (json_object_get_null_member (o, "classes"));
  g_assert_true (json_object_get_null_member (o, "confusion_matrix"));
  g_assert_cmpint (json_object_get_int_member (o, "train_rows"), ==, 105);
  g_assert_cmpint (json_object_get_int_member (o, "validation_rows"), ==, 15);
  g_assert_cmpint (json_object_get_int_member (o, "test_rows"), ==, 30);
  m = json_object_get_object_member (o, "metrics");
  assert_keys (m, metric_keys);
  g_assert_cmpfloat (json_object_get_double_member (m, "r2"), >, 0.85);
  g_assert_cmpfloat (json_object_get_double_member (m, "rmse"), >=,
                     json_object_get_double_member (m, "mae"));
  run_clear (&r);
}

static void
test_binary_roc (void)
{
  g_autofree char *pima = dataset ("pima_missing.csv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char * const metric_keys[] = { "accuracy", "macro_f1", "log_loss", "roc_auc", NULL };
  JsonObject *o, *m;
  Run r;

  if (kiln_model_lookup_class ("logreg") == NULL)
    {
      g_test_skip ("the logreg family is not built yet");
      return;
    }
  run_cli (&r, "train", pima, "--target", "diabetes", "--model", "logreg", "--seed", "3",
           "--json", NULL);
  if (r.status != 0)
    g_error ("kiln-cli train failed (%d): %s", r.status, r.err);
  o = parse_object (parser, r.out);
  assert_keys (o, top_keys);
  m = json_object_get_object_member (o, "metrics");
  assert_keys (m, metric_keys);
  g_assert_cmpfloat (json_object_get_double_member (m, "roc_auc"), >, 0.75);
  g_assert_cmpfloat (json_object_get_double_member (m, "roc_auc"), <=, 1.0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "classes")), ==, 2);
  run_clear (&r);
}

/* Reads a CSV Kiln wrote, as Kiln reads it. */
static KilnFrame *
read_csv (const char *path)
{
  g_autoptr(GError) error = NULL;
  KilnFrame *f = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return f;
}

static void
test_test_file_and_bundle (void)
{
  g_autofree char *iris = dataset ("iris.csv");
  g_autofree char *train = tmp ("iris-train.csv"), *test = tmp ("iris-test.csv");
  g_autofree char *bundle = tmp ("iris.kiln"), *pa = tmp ("pred-train.csv");
  g_autofree char *pb = tmp ("pred-b.csv"), *pc_text = NULL, *pb_text = NULL, *pa_text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(KilnFrame) pred = NULL;
  g_autoptr(GError) error = NULL;
  const char *model = kiln_model_lookup_class ("logreg") ? "logreg" :
                      kiln_model_lookup_class ("forest") ? "forest" : NULL;
  const char *expect_cols[] = { "sepal_length", "sepal_width", "petal_length", "petal_width",
                                "species", "prediction", "p_setosa", "p_versicolor",
                                "p_virginica" };
  JsonObject *o, *m;
  Run r;
  guint n;
  g_autofree gint32 *truth = NULL;
  g_autofree double *proba = NULL;
  guint correct = 0;

  if (model == NULL)
    {
      g_test_skip ("no classifier family is built yet");
      return;
    }
  split_file (iris, train, test);
  run_cli (&r, "train", train, "--test", test, "--target", "species", "--model", model,
           "--out", bundle, "--predictions", pa, "--json", NULL);
  if (r.status != 0)
    g_error ("kiln-cli train failed (%d): %s", r.status, r.err);
  o = parse_object (parser, r.out);
  g_assert_cmpint (json_object_get_int_member (o, "train_rows"), ==, 120);
  g_assert_cmpint (json_object_get_int_member (o, "test_rows"), ==, 30);
  m = json_object_get_object_member (o, "metrics");
  g_assert_true (g_file_test (bundle, G_FILE_TEST_IS_REGULAR));
  run_clear (&r);

  /* predict reproduces train's own test predictions, byte for byte. */
  run_cli (&r, "predict", bundle, test, "--out", pb, NULL);
  if (r.status != 0)
    g_error ("kiln-cli predict failed (%d): %s", r.status, r.err);
  g_assert_cmpstr (r.out, ==, "");
  run_clear (&r);
  g_assert_true (g_file_get_contents (pa, &pa_text, NULL, NULL));
  g_assert_true (g_file_get_contents (pb, &pb_text, NULL, NULL));
  g_assert_cmpstr (pa_text, ==, pb_text);
  /* And again, to standard output. */
  run_cli (&r, "predict", bundle, test, NULL);
  g_assert_cmpint (r.status, ==, 0);
  pc_text = g_steal_pointer (&r.out);
  run_clear (&r);
  g_assert_cmpstr (pc_text, ==, pb_text);

  /* The columns; the probabilities give back train's metrics exactly. */
  pred = read_csv (pb);
  g_assert_cmpuint (kiln_frame_get_n_columns (pred), ==, G_N_ELEMENTS (expect_cols));
  for (guint c = 0; c < G_N_ELEMENTS (expect_cols); c++)
    g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (pred, c)), ==, expect_cols[c]);
  n = kiln_frame_get_n_rows (pred);
  g_assert_cmpuint (n, ==, 30);
  truth = g_new (gint32, n);
  proba = g_new (double, n * 3);
  for (guint i = 0; i < n; i++)
    {
      const char *species = kiln_frame_get_string (pred, 4, i);
      truth[i] = strcmp (species, "setosa") == 0 ? 0 : strcmp (species, "versicolor") == 0 ? 1 : 2;
      for (guint c = 0; c < 3; c++)
        proba[i * 3 + c] = kiln_frame_get_double (pred, 6 + c, i);
      correct += g_strcmp0 (kiln_frame_get_string (pred, 5, i), species) == 0;
    }
  g_assert_cmpfloat ((double) correct / n, ==, json_object_get_double_member (m, "accuracy"));
  g_assert_cmpfloat (kiln_metrics_log_loss (truth, proba, n, 3), ==,
                     json_object_get_double_member (m, "log_loss"));

  /* A file without the target column predicts too; one lacking a feature is refused. */
  {
    g_autofree char *notarget = tmp ("notarget.csv"), *nofeature = tmp ("nofeature.csv");
    g_autoptr(KilnFrame) t = read_csv (test);
    const guint feat[] = { 0, 1, 2, 3 }, three[] = { 0, 1, 3, 4 };
    g_autoptr(KilnFrame) a = kiln_frame_select_columns (t, feat, 4);
    g_autoptr(KilnFrame) b = kiln_frame_select_columns (t, three, 4);
    g_autofree char *nt_text = NULL;

    g_assert_true (kiln_csv_write (a, notarget, &error));
    g_assert_true (kiln_csv_write (b, nofeature, &error));
    run_cli (&r, "predict", bundle, notarget, NULL);
    g_assert_cmpint (r.status, ==, 0);
    nt_text = g_steal_pointer (&r.out);
    run_clear (&r);
    g_assert_true (g_str_has_prefix (nt_text, "sepal_length,sepal_width,petal_length,petal_width,"
                                              "prediction,p_setosa"));
    run_cli (&r, "predict", bundle, nofeature, NULL);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "petal_length"));
    run_clear (&r);
  }
}

static char *
make_bundle (void)
{
  g_autofree char *iris = dataset ("iris.csv");
  char *bundle = tmp ("refuse.kiln");
  Run r;

  run_cli (&r, "train", iris, "--target", "species", "--model",
           kiln_model_lookup_class ("logreg") ? "logreg" : "forest", "--out", bundle, NULL);
  if (r.status != 0)
    g_error ("kiln-cli train failed (%d): %s", r.status, r.err);
  run_clear (&r);
  return bundle;
}

static void
expect_refused (const char *bundle, const char *name, const char *words)
{
  g_autofree char *iris = dataset ("iris.csv");
  Run r;

  run_cli (&r, "predict", bundle, iris, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  /* One line, naming the file and saying what is wrong. */
  g_assert_true (g_str_has_suffix (r.err, "\n"));
  g_assert_true (strchr (r.err, '\n') == r.err + strlen (r.err) - 1);
  g_assert_nonnull (strstr (r.err, name));
  if (strstr (r.err, words) == NULL)
    g_error ("expected “%s” in: %s", words, r.err);
  run_clear (&r);
}

static void
test_refused (void)
{
  g_autofree char *bundle = NULL, *bytes = NULL, *text = NULL;
  g_autofree char *corrupt = tmp ("corrupt.kiln"), *truncated = tmp ("truncated.kiln");
  g_autofree char *future = tmp ("future.kiln"), *plain = tmp ("plain.kiln");
  g_autofree char *future_gz = tmp ("future-gz.kiln");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) gz = NULL;
  gsize len, text_len;
  GRegex *re;
  char *replaced;

  if (kiln_model_lookup_class ("logreg") == NULL && kiln_model_lookup_class ("forest") == NULL)
    {
      g_test_skip ("no classifier family is built yet");
      return;
    }
  bundle = make_bundle ();
  g_assert_true (g_file_get_contents (bundle, &bytes, &len, &error));
  g_assert_cmpuint (len, >, 200);
  g_assert_cmpint ((guchar) bytes[0], ==, 0x1f);   /* gzip */

  /* Damaged in the middle: the CRC catches it. */
  bytes[len / 2] ^= 0x5a;
  bytes[len / 2 + 1] ^= 0xa5;
  g_assert_true (g_file_set_contents (corrupt, bytes, len, &error));
  bytes[len / 2] ^= 0x5a;
  bytes[len / 2 + 1] ^= 0xa5;
  expect_refused (corrupt, "corrupt.kiln", "damaged");

  /* Cut short. */
  g_assert_true (g_file_set_contents (truncated, bytes, len * 2 / 3, &error));
  expect_refused (truncated, "truncated.kiln", "truncated");

  /* A newer format, plain JSON and re-compressed. */
  {
    g_autoptr(GConverter) dec = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
    g_autoptr(GConverter) enc = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6));
    g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_data (bytes, len, NULL);
    g_autoptr(GInputStream) in = g_converter_input_stream_new (mem, dec);
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autoptr(GOutputStream) zout = NULL;
    g_autoptr(GOutputStream) zmem = g_memory_output_stream_new_resizable ();

    g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL,
                                             &error), >, 0);
    g_assert_no_error (error);
    text_len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
    text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), text_len);
    g_assert_nonnull (strstr (text, "\"format_version\":1"));
    re = g_regex_new ("\"format_version\":1", 0, 0, NULL);
    replaced = g_regex_replace_literal (re, text, -1, 0, "\"format_version\":99", 0, NULL);
    g_regex_unref (re);
    g_assert_true (g_file_set_contents (future, replaced, -1, &error));
    zout = g_converter_output_stream_new (zmem, enc);
    g_assert_true (g_output_stream_write_all (zout, replaced, strlen (replaced), NULL, NULL, &error));
    g_assert_true (g_output_stream_close (zout, NULL, &error));
    gz = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (zmem));
    g_assert_true (g_file_set_contents (future_gz, g_bytes_get_data (gz, NULL),
                                        g_bytes_get_size (gz), &error));
    g_free (replaced);
  }
  expect_refused (future, "future.kiln", "newer");
  expect_refused (future_gz, "future-gz.kiln", "newer");

  /* The uncompressed document itself loads (documented), so the refusal above is the version's. */
  g_assert_true (g_file_set_contents (plain, text, text_len, &error));
  {
    g_autofree char *iris = dataset ("iris.csv");
    Run r;
    run_cli (&r, "predict", plain, iris, NULL);
    g_assert_cmpint (r.status, ==, 0);
    run_clear (&r);
  }

  /* Not a bundle at all, and a missing file. */
  {
    g_autofree char *iris = dataset ("iris.csv");
    g_autofree char *missing = tmp ("missing.kiln");
    expect_refused (iris, "iris.csv", "not");
    expect_refused (missing, "missing.kiln", "Cannot read");
  }
}

static void
test_usage_errors (void)
{
  g_autofree char *iris = dataset ("iris.csv");
  Run r;

  run_cli (&r, "train", iris, "--json", NULL);                      /* no --target */
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "train", iris, "--target", "species", "--model", "nosuch", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "nosuch"));
  run_clear (&r);
  run_cli (&r, "train", iris, "--target", "species", "--split", "a:b", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "train", iris, "--target", "species", "--task", "clustering", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "train", iris, "--target", "species", "--hidden", "64,x", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "predict", iris, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);

  /* Errors that are not usage: exit 1 with one line. */
  run_cli (&r, "train", iris, "--target", "nosuchcolumn", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "nosuchcolumn"));
  g_assert_true (strchr (r.err, '\n') == r.err + strlen (r.err) - 1);
  run_clear (&r);
  run_cli (&r, "train", "/nonexistent/data.csv", "--target", "species", NULL);
  g_assert_cmpint (r.status, ==, 1);
  run_clear (&r);
  if (kiln_model_lookup_class ("linear"))
    {
      /* A model that cannot classify, on a categorical target. */
      run_cli (&r, "train", iris, "--target", "species", "--model", "linear", NULL);
      g_assert_cmpint (r.status, ==, 1);
      run_clear (&r);
    }
}

/* Lines by memchr: g_strsplit's strstr on a 5 MB text is quadratic under AddressSanitizer. */
static GStrv
split_lines (const char *text)
{
  GPtrArray *lines = g_ptr_array_new ();
  const char *p = text, *end = text + strlen (text), *nl;

  while ((nl = memchr (p, '\n', (gsize) (end - p))) != NULL)
    {
      g_ptr_array_add (lines, g_strndup (p, (gsize) (nl - p)));
      p = nl + 1;
    }
  g_ptr_array_add (lines, g_strdup (p));
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_free (lines, FALSE);
}

/* A file of many pieces (iris 1000 times over, 150,000 rows) predicts row for row what iris alone
 * predicts; --out never names an input; an error in the last piece leaves no output file. */
static void
test_predict_pieces (void)
{
  g_autofree char *iris = dataset ("iris.csv");
  g_autofree char *bundle = make_bundle ();
  g_autofree char *big = tmp ("iris-1000.csv");
  g_autofree char *bad = tmp ("iris-1000-bad.csv");
  g_autofree char *out = tmp ("iris-1000-pred.csv");
  g_autofree char *text = NULL;
  g_autofree char *small_out = NULL;
  g_autofree char *big_out = NULL;
  g_auto(GStrv) small_lines = NULL;
  g_auto(GStrv) big_lines = NULL;
  g_autoptr(GString) s = NULL;
  g_autoptr(GError) error = NULL;
  const char *body;
  gsize len;
  Run r;

  g_assert_true (g_file_get_contents (iris, &text, &len, &error));
  body = strchr (text, '\n') + 1;
  s = g_string_new_len (text, body - text);
  for (guint k = 0; k < 1000; k++)
    g_string_append (s, body);
  g_assert_true (g_file_set_contents (big, s->str, (gssize) s->len, &error));

  run_cli (&r, "predict", bundle, iris, NULL);
  g_assert_cmpint (r.status, ==, 0);
  small_out = g_steal_pointer (&r.out);
  run_clear (&r);
  run_cli (&r, "predict", bundle, big, "--out", out, NULL);
  if (r.status != 0)
    g_error ("kiln-cli predict failed (%d): %s", r.status, r.err);
  run_clear (&r);
  g_assert_true (g_file_get_contents (out, &big_out, NULL, &error));
  small_lines = split_lines (small_out);
  big_lines = split_lines (big_out);
  g_assert_cmpuint (g_strv_length (small_lines), ==, 152);  /* header, 150 rows, "" */
  g_assert_cmpuint (g_strv_length (big_lines), ==, 150002);
  g_assert_cmpstr (big_lines[0], ==, small_lines[0]);
  for (guint i = 1; i < 150001; i++)
    if (strcmp (big_lines[i], small_lines[1 + (i - 1) % 150]) != 0)
      g_error ("row %u: “%s”, alone “%s”", i, big_lines[i], small_lines[1 + (i - 1) % 150]);

  /* never over an input */
  run_cli (&r, "predict", bundle, big, "--out", big, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--out"));
  run_clear (&r);
  {
    g_autofree char *after = NULL;
    g_assert_true (g_file_get_contents (big, &after, NULL, &error));
    g_assert_cmpstr (after, ==, s->str);
  }

  /* a bad row at the very end: an error naming it, and no file */
  g_string_append (s, "1,2\n");
  g_assert_true (g_file_set_contents (bad, s->str, (gssize) s->len, &error));
  g_unlink (out);
  run_cli (&r, "predict", bundle, bad, "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "line 150002"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  run_clear (&r);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-cli-train-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_data_func ("/cli/train/iris-logreg", "logreg", test_iris);
  g_test_add_data_func ("/cli/train/iris-forest", "forest", test_iris);
  g_test_add_func ("/cli/train/regression-json", test_regression_json);
  g_test_add_func ("/cli/train/binary-roc", test_binary_roc);
  g_test_add_func ("/cli/train/test-file-and-bundle", test_test_file_and_bundle);
  g_test_add_func ("/cli/train/refused-bundles", test_refused);
  g_test_add_func ("/cli/train/predict-pieces", test_predict_pieces);
  g_test_add_func ("/cli/train/usage-errors", test_usage_errors);
  ret = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name (dir)))
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_unlink (p);
      }
    g_rmdir (tmpdir);
    g_free (tmpdir);
  }
  return ret;
}
