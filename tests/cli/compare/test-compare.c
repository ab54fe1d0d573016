/* test-compare.c: `kiln-cli compare` end to end: the JSON the issue specifies, the test split
 * or file, saving the best model, the folds file, usage errors, the same leaderboard twice; and
 * `kiln-cli explain` on the model compare saved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

typedef struct {
  int    status;
  char  *out;
  char  *err;
} Run;

static char *tmpdir;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
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

  g_ptr_array_add (argv, (char *) g_getenv ("KILN_CLI"));
  g_assert_nonnull (argv->pdata[0]);
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

static const char * const compare_keys[] = { "task", "metric", "second_metric", "folds", "folds_kind",
                                             "train_rows", "note", "leaderboard", "not_run",
                                             "best", "test", "seconds", NULL };
/* what `train --json` prints */
static const char * const train_keys[] = { "task", "model", "classes", "train_rows",
                                           "validation_rows", "test_rows", "metrics",
                                           "confusion_matrix", "seconds", NULL };
static const char * const entry_keys[] = { "model", "settings", "mean", "std", "seconds",
                                           "macro_f1", "p_top", "scores", NULL };

static void
test_iris_json (void)
{
  g_autofree char *iris = dataset ("iris.csv");
  g_autofree char *model = tmp ("best.kiln");
  g_autofree char *folds = tmp ("folds.csv");
  g_autofree char *folds_text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) again_parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  JsonObject *o, *again, *best, *test, *first;
  JsonArray *board, *board2;
  Run r, r2, p;
  guint per_fold[3] = { 0 };

  run_cli (&r, "compare", iris, "--target", "species", "--folds", "3", "--json", "--out", model,
           "--folds-csv", folds, NULL);
  if (r.status != 0)
    g_error ("compare failed: %s", r.err);
  o = parse_object (parser, r.out);
  assert_keys (o, compare_keys);
  g_assert_cmpstr (json_object_get_string_member (o, "metric"), ==, "accuracy");
  g_assert_cmpint (json_object_get_int_member (o, "folds"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "train_rows"), ==, 120);

  board = json_object_get_array_member (o, "leaderboard");
  g_assert_cmpuint (json_array_get_length (board), >=, 8);
  first = json_array_get_object_element (board, 0);
  for (guint i = 0; i < json_array_get_length (board); i++)
    {
      JsonObject *e = json_array_get_object_element (board, i);
      assert_keys (e, entry_keys);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (e, "scores")), ==, 3);
      if (i > 0)
        g_assert_cmpfloat (json_object_get_double_member (e, "mean"), <=,
                           json_object_get_double_member (json_array_get_object_element (board, i - 1),
                                                          "mean"));
    }
  /* linear and ridge cannot classify: listed with why */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "not_run")), >=, 2);
  g_assert_nonnull (json_object_get_string_member (
    json_array_get_object_element (json_object_get_array_member (o, "not_run"), 0), "reason"));

  best = json_object_get_object_member (o, "best");
  g_assert_cmpstr (json_object_get_string_member (best, "model"), ==,
                   json_object_get_string_member (first, "model"));
  g_assert_cmpstr (json_object_get_string_member (best, "settings"), ==,
                   json_object_get_string_member (first, "settings"));
  test = json_object_get_object_member (o, "test");
  assert_keys (test, train_keys);
  g_assert_cmpstr (json_object_get_string_member (test, "model"), ==,
                   json_object_get_string_member (best, "model"));
  g_assert_cmpint (json_object_get_int_member (test, "test_rows"), ==, 30);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (test, "metrics"),
                                                    "accuracy"), >, 0.8);

  /* the saved best model predicts */
  run_cli (&p, "predict", model, iris, NULL);
  g_assert_cmpint (p.status, ==, 0);
  run_clear (&p);

  /* the folds file: every training row once, 40 per fold */
  g_assert_true (g_file_get_contents (folds, &folds_text, NULL, NULL));
  lines = g_strsplit (folds_text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "row,fold");
  {
    g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
    guint n = 0;
    for (guint i = 1; lines[i] && lines[i][0]; i++, n++)
      {
        guint row, fold;
        g_assert_cmpint (sscanf (lines[i], "%u,%u", &row, &fold), ==, 2);
        g_assert_cmpuint (row, <, 150);
        g_assert_cmpuint (fold, <, 3);
        g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (row + 1)));
        g_hash_table_add (seen, GUINT_TO_POINTER (row + 1));
        per_fold[fold]++;
      }
    g_assert_cmpuint (n, ==, 120);
    for (guint f = 0; f < 3; f++)
      g_assert_cmpuint (per_fold[f], ==, 40);
  }

  /* The same run again: the same leaderboard, score for score. */
  run_cli (&r2, "compare", iris, "--target", "species", "--folds", "3", "--json", NULL);
  g_assert_cmpint (r2.status, ==, 0);
  again = parse_object (again_parser, r2.out);
  board2 = json_object_get_array_member (again, "leaderboard");
  g_assert_cmpuint (json_array_get_length (board2), ==, json_array_get_length (board));
  for (guint i = 0; i < json_array_get_length (board); i++)
    {
      JsonObject *x = json_array_get_object_element (board, i);
      JsonObject *y = json_array_get_object_element (board2, i);
      JsonArray *sx = json_object_get_array_member (x, "scores");
      JsonArray *sy = json_object_get_array_member (y, "scores");

      g_assert_cmpstr (json_object_get_string_member (x, "model"), ==,
                       json_object_get_string_member (y, "model"));
      g_assert_cmpstr (json_object_get_string_member (x, "settings"), ==,
                       json_object_get_string_member (y, "settings"));
      for (guint f = 0; f < 3; f++)
        g_assert_cmpfloat (json_array_get_double_element (sx, f), ==,
                           json_array_get_double_element (sy, f));
    }
  run_clear (&r);
  run_clear (&r2);
}

/* Every fifth data row to @test, the others to @train. */
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
test_regression_test_file (void)
{
  g_autofree char *penguins = dataset ("penguins.csv");
  g_autofree char *train = tmp ("p-train.csv");
  g_autofree char *test_csv = tmp ("p-test.csv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o, *test, *first;
  Run r;

  split_file (penguins, train, test_csv);
  run_cli (&r, "compare", train, "--target", "body_mass_g", "--test", test_csv, "--json",
           "--dedupe", NULL);
  if (r.status != 0)
    g_error ("compare failed: %s", r.err);
  o = parse_object (parser, r.out);
  assert_keys (o, compare_keys);
  g_assert_cmpstr (json_object_get_string_member (o, "metric"), ==, "r2");
  g_assert_cmpstr (json_object_get_string_member (o, "second_metric"), ==, "rmse");
  /* penguins: 344 rows, 2 without a body mass; 275 in the training file, all of it trains */
  g_assert_cmpint (json_object_get_int_member (o, "train_rows"), ==, 274);
  first = json_array_get_object_element (json_object_get_array_member (o, "leaderboard"), 0);
  g_assert_true (json_object_has_member (first, "rmse"));
  g_assert_cmpfloat (json_object_get_double_member (first, "mean"), >, 0.7);
  test = json_object_get_object_member (o, "test");
  /* the test file's 69 rows, one without a body mass */
  g_assert_cmpint (json_object_get_int_member (test, "test_rows"), ==, 68);
  g_assert_true (json_object_has_member (json_object_get_object_member (test, "metrics"), "r2"));
  run_clear (&r);
}

static void
test_text_and_usage (void)
{
  g_autofree char *iris = dataset ("iris.csv");
  Run r;

  run_cli (&r, "compare", iris, "--target", "species", "--folds", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Best:"));
  g_assert_nonnull (strstr (r.out, "forest"));
  run_clear (&r);

  run_cli (&r, "compare", iris, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--target"));
  run_clear (&r);
  run_cli (&r, "compare", iris, "--target", "species", "--folds", "1", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "compare", iris, "--target", "species", "--folds", "many", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "compare", iris, "--target", "species", "--out", iris, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "compare", iris, "--target", "species", "--models", "knn,svm", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "svm"));
  run_clear (&r);
  run_cli (&r, "compare", iris, "--target", "species", "--models", "knn, nb", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.out, "forest"));
  g_assert_nonnull (strstr (r.out, "knn"));
  run_clear (&r);
  run_cli (&r, "compare", iris, "--target", "colour", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "colour"));
  g_assert_null (strchr (strchr (r.err, '\n') + 1, '\n'));   /* one line */
  run_clear (&r);
}

static void
test_explain (void)
{
  g_autofree char *penguins = dataset ("penguins.csv");
  g_autofree char *model = tmp ("explain.kiln");
  g_autofree char *features = tmp ("features.csv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  static const char * const keys[] = { "output_kind", "method", "exact", "base", "rows",
                                       "importance", NULL };
  JsonObject *o, *imp;
  JsonArray *rows, *cols;
  Run r;

  run_cli (&r, "compare", penguins, "--target", "species", "--folds", "3", "--out", model, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);

  run_cli (&r, "explain", model, penguins, "--rows", "4", "--json", NULL);
  if (r.status != 0)
    g_error ("explain failed: %s", r.err);
  o = parse_object (parser, r.out);
  assert_keys (o, keys);
  /* whichever family won: a probability (tree, forest, sampled) or a softmax margin (logistic
   * regression, boosting), exact unless sampled */
  g_assert_true (g_strcmp0 (json_object_get_string_member (o, "output_kind"), "probability") == 0
                 || g_strcmp0 (json_object_get_string_member (o, "output_kind"), "margin") == 0);
  g_assert_cmpint (json_object_get_boolean_member (o, "exact"), ==,
                   g_strcmp0 (json_object_get_string_member (o, "method"), "sampled Shapley") != 0);
  rows = json_object_get_array_member (o, "rows");
  g_assert_cmpuint (json_array_get_length (rows), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      JsonObject *c = json_object_get_object_member (row, "contributions");
      g_autoptr(GList) names = json_object_get_members (c);
      double sum = json_object_get_double_member (row, "base");

      for (GList *l = names; l; l = l->next)
        sum += json_object_get_double_member (c, l->data);
      g_assert_cmpfloat_with_epsilon (sum, json_object_get_double_member (row, "output"), 1e-6);
      g_assert_cmpuint (json_object_get_size (c), ==, 6);
      g_assert_true (json_object_has_member (c, "sex"));
      g_assert_nonnull (json_object_get_string_member (row, "prediction"));
    }
  /* the importance in raw columns, most important first */
  imp = json_object_get_object_member (o, "importance");
  cols = json_object_get_array_member (imp, "columns");
  g_assert_cmpuint (json_array_get_length (cols), ==, 6);
  for (guint i = 1; i < 6; i++)
    g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (cols, i - 1), "mean"), >=,
                       json_object_get_double_member (json_array_get_object_element (cols, i), "mean"));
  run_clear (&r);

  /* without the target: contributions only */
  {
    g_autofree char *text = NULL;
    g_autoptr(GString) out = g_string_new (NULL);
    g_auto(GStrv) lines = NULL;
    g_assert_true (g_file_get_contents (penguins, &text, NULL, NULL));
    lines = g_strsplit (text, "\n", 12);
    for (guint i = 0; i < 11 && lines[i]; i++)
      {
        const char *comma = strchr (lines[i], ',');   /* species is the first column */
        g_string_append_printf (out, "%s\n", comma ? comma + 1 : "");
      }
    g_assert_true (g_file_set_contents (features, out->str, -1, NULL));
  }
  run_cli (&r, "explain", model, features, "--json", NULL);
  if (r.status != 0)
    g_error ("explain failed: %s", r.err);
  o = parse_object (parser2, r.out);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, "importance")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "rows")), ==, 5);
  run_clear (&r);

  run_cli (&r, "explain", model, penguins, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "island"));
  run_clear (&r);
  run_cli (&r, "explain", model, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "explain", model, penguins, "--rows", "0", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  run_cli (&r, "explain", penguins, penguins, NULL);
  g_assert_cmpint (r.status, ==, 1);
  run_clear (&r);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-cli-compare-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/cli/compare/iris-json", test_iris_json);
  g_test_add_func ("/cli/compare/regression-test-file", test_regression_test_file);
  g_test_add_func ("/cli/compare/text-and-usage", test_text_and_usage);
  g_test_add_func ("/cli/explain", test_explain);
  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);
        g_unlink (path);
      }
    g_rmdir (tmpdir);
    g_free (tmpdir);
  }
  return status;
}
