/* test-bundle.c: the training pipeline and the .kiln bundle, in core.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-bundle.h"
#include "kiln-csv.h"
#include "kiln-cv.h"
#include "kiln-pipeline.h"

static char *tmpdir;

static KilnFrame *
load_dataset (const char *name)
{
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  KilnFrame *frame;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, name, NULL);
  frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return frame;
}

static char *
dataset_path (const char *name)
{
  return g_build_filename (g_getenv ("KILN_SHARED_DATASETS"), name, NULL);
}

static gboolean
run (KilnFrame *raw, const char *target, const char *model, const char *source,
     KilnPipelineResult *result)
{
  KilnPipelineOptions options;
  g_autoptr(GError) error = NULL;

  kiln_pipeline_options_init (&options, target, model);
  options.source_path = source;
  if (!kiln_pipeline_run (raw, NULL, &options, NULL, NULL, result, &error))
    g_error ("pipeline %s/%s: %s", target, model, error->message);
  return TRUE;
}

static void
assert_same_doubles (const double *a, const double *b, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (memcmp (&a[i], &b[i], sizeof (double)) != 0)
      g_error ("output %" G_GSIZE_FORMAT " differs: %.17g vs %.17g", i, a[i], b[i]);
}

static void
test_pipeline_iris (void)
{
  g_autoptr(KilnFrame) iris = load_dataset ("iris.csv");
  g_autofree char *path = dataset_path ("iris.csv");
  KilnPipelineResult r;
  KilnConfusion *cm;
  KilnFrame *rows;
  const KilnMetrics *m;
  guint n_classes, total = 0;
  const char * const *classes;

  if (kiln_model_lookup_class ("logreg") == NULL)
    {
      g_test_skip ("the logreg family is not built yet");
      return;
    }
  run (iris, "species", "logreg", path, &r);
  g_assert_cmpint (kiln_pipeline_get_task (r.pipeline), ==, KILN_TASK_CLASSIFICATION);
  g_assert_cmpuint (kiln_pipeline_get_train (r.pipeline)->n_rows, ==, 120);
  g_assert_null (kiln_pipeline_get_validation (r.pipeline));
  g_assert_cmpuint (kiln_pipeline_get_test (r.pipeline)->n_rows, ==, 30);
  m = kiln_evaluation_get_metrics (r.evaluation);
  g_assert_cmpfloat (m->accuracy, >=, 0.85);
  g_assert_true (isnan (m->r2));

  /* The rows behind each confusion cell are test rows of that actual class. */
  classes = kiln_evaluation_get_classes (r.evaluation, &n_classes);
  g_assert_cmpuint (n_classes, ==, 3);
  cm = kiln_evaluation_get_confusion (r.evaluation);
  rows = kiln_evaluation_get_rows (r.evaluation);
  g_assert_true (rows == kiln_pipeline_get_test_rows (r.pipeline));
  g_assert_cmpuint (kiln_frame_get_n_rows (rows), ==, 30);
  for (guint a = 0; a < n_classes; a++)
    for (guint p = 0; p < n_classes; p++)
      {
        guint n;
        const guint32 *cell = kiln_confusion_get_rows (cm, a, p, &n);
        for (guint i = 0; i < n; i++)
          {
            g_assert_cmpstr (kiln_frame_get_string (rows, 4, cell[i]), ==, classes[a]);
            g_assert_cmpint (kiln_evaluation_get_predicted_classes (r.evaluation)[cell[i]], ==, p);
          }
        total += n;
      }
  g_assert_cmpuint (total, ==, 30);
  kiln_pipeline_result_clear (&r);
}

/* Every family: bundle -> file -> bundle predicts the same doubles, bit for bit. */
static void
test_round_trip (gconstpointer data)
{
  const char *family = data;
  const KilnModelClass *klass = kiln_model_lookup_class (family);
  g_autoptr(KilnFrame) raw = load_dataset ("penguins.csv");
  g_autofree char *path = dataset_path ("penguins.csv");
  g_autofree char *file = g_build_filename (tmpdir, "rt.kiln", NULL);
  g_autofree char *hash = NULL;
  g_autoptr(KilnBundle) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *before = NULL, *after = NULL;
  KilnPipelineResult r;
  const char *target;
  guint n1, n2, width, n_schema;
  const KilnBundleColumn *schema;

  if (klass == NULL)
    {
      g_test_skip ("this family is not built yet");
      return;
    }
  /* Penguins: species (classification) or body mass (regression), with categorical features
   * (island, sex) and missing values, so the recipe's imputation and one-hot are in the file. */
  target = klass->classification ? "species" : "body_mass_g";
  run (raw, target, family, path, &r);
  width = klass->classification ? 3 : 1;

  before = kiln_bundle_predict (r.bundle, raw, &n1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n1, ==, kiln_frame_get_n_rows (raw));
  g_assert_true (kiln_bundle_save (r.bundle, file, NULL, &error));
  g_assert_no_error (error);
  loaded = kiln_bundle_load (file, NULL, &error);
  g_assert_no_error (error);
  after = kiln_bundle_predict (loaded, raw, &n2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n1, ==, n2);
  assert_same_doubles (before, after, (gsize) n1 * width);

  /* The test split's predictions are the evaluation's. */
  if (klass->classification)
    {
      g_autofree double *t = kiln_bundle_predict (loaded, kiln_pipeline_get_test_rows (r.pipeline),
                                                  &n2, &error);
      g_assert_no_error (error);
      assert_same_doubles (t, kiln_evaluation_get_probabilities (r.evaluation), (gsize) n2 * 3);
    }
  else
    {
      g_autofree double *t = kiln_bundle_predict (loaded, kiln_pipeline_get_test_rows (r.pipeline),
                                                  &n2, &error);
      g_assert_no_error (error);
      assert_same_doubles (t, kiln_evaluation_get_predicted_values (r.evaluation), n2);
    }

  /* What the bundle says about itself survives the file. */
  g_assert_cmpstr (kiln_bundle_get_content_hash (loaded), ==, kiln_bundle_get_content_hash (r.bundle));
  g_assert_cmpstr (kiln_bundle_get_target (loaded), ==, target);
  g_assert_cmpint (kiln_bundle_get_task (loaded), ==, kiln_bundle_get_task (r.bundle));
  g_assert_cmpstr (kiln_bundle_get_source_name (loaded), ==, "penguins.csv");
  hash = kiln_bundle_hash_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (hash), ==, 64);
  g_assert_cmpstr (kiln_bundle_get_source_sha256 (loaded), ==, hash);
  g_assert_cmpstr (kiln_bundle_get_kiln_version (loaded), ==, PACKAGE_VERSION);
  g_assert_cmpuint (kiln_bundle_get_seed (loaded), ==, 42);
  schema = kiln_bundle_get_schema (loaded, &n_schema);
  g_assert_cmpuint (n_schema, ==, kiln_frame_get_n_columns (raw));
  for (guint i = 0; i < n_schema; i++)
    {
      g_assert_cmpstr (schema[i].name, ==, kiln_column_get_name (kiln_frame_get_column (raw, i)));
      g_assert_cmpint (schema[i].type, ==, kiln_column_get_column_type (kiln_frame_get_column (raw, i)));
      g_assert_cmpstr (schema[i].role, ==, strcmp (schema[i].name, target) == 0 ? "target" : "feature");
    }
  g_assert_nonnull (kiln_bundle_get_metrics (loaded));
  g_assert_true (json_object_has_member (json_node_get_object (kiln_bundle_get_metrics (loaded)),
                                         klass->classification ? "accuracy" : "r2"));
  kiln_pipeline_result_clear (&r);
  g_unlink (file);
}

static void
test_predict_conversions (void)
{
  g_autoptr(KilnFrame) iris = load_dataset ("iris.csv");
  g_autoptr(GError) error = NULL;
  g_autofree double *want = NULL, *got = NULL;
  g_autoptr(KilnFrame) as_text = NULL, reordered = NULL, bad = NULL, predicted = NULL;
  KilnPipelineResult r;
  guint n, n2;
  KilnColumn *col;

  if (kiln_model_lookup_class ("logreg") == NULL)
    {
      g_test_skip ("the logreg family is not built yet");
      return;
    }
  run (iris, "species", "logreg", NULL, &r);
  g_assert_null (kiln_bundle_get_source_name (r.bundle));
  want = kiln_bundle_predict (r.bundle, iris, &n, &error);
  g_assert_no_error (error);

  /* The columns in another order, the target dropped, one number column read as text. */
  {
    const guint order[] = { 3, 1, 0, 2 };
    g_autoptr(KilnFrame) sub = kiln_frame_select_columns (iris, order, 4);
    GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
    gint32 *codes = g_new (gint32, kiln_frame_get_n_rows (sub));
    g_autoptr(KilnColumn) text = NULL;

    for (guint i = 0; i < kiln_frame_get_n_rows (sub); i++)
      {
        g_ptr_array_add (cats, kiln_frame_format_cell (sub, 2, i));
        codes[i] = (gint32) i;
      }
    text = kiln_column_new_coded ("sepal_length", KILN_COLUMN_CATEGORICAL, codes, cats,
                                  kiln_frame_get_n_rows (sub));
    as_text = kiln_frame_replace_column (sub, 2, text);
  }
  got = kiln_bundle_predict (r.bundle, as_text, &n2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, n2);
  assert_same_doubles (want, got, (gsize) n * 3);

  /* A value that is not a number is a clear error naming column, row and value. */
  {
    GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
    gint32 *codes = g_new0 (gint32, kiln_frame_get_n_rows (iris));
    g_autoptr(KilnColumn) text = NULL;
    g_ptr_array_add (cats, g_strdup ("5.1"));
    g_ptr_array_add (cats, g_strdup ("wide"));
    codes[6] = 1;
    text = kiln_column_new_coded ("sepal_width", KILN_COLUMN_CATEGORICAL, codes, cats,
                                  kiln_frame_get_n_rows (iris));
    bad = kiln_frame_replace_column (iris, 1, text);
  }
  g_assert_null (kiln_bundle_predict (r.bundle, bad, &n2, &error));
  g_assert_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "sepal_width"));
  g_assert_nonnull (strstr (error->message, "wide"));
  g_assert_nonnull (strstr (error->message, "7"));
  g_clear_error (&error);

  /* The prediction frame: input columns, prediction, p_<class>. */
  predicted = kiln_bundle_predict_frame (r.bundle, iris, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_columns (predicted), ==, 5 + 1 + 3);
  col = kiln_frame_get_column (predicted, 5);
  g_assert_cmpstr (kiln_column_get_name (col), ==, "prediction");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (predicted, 8)), ==, "p_virginica");
  for (guint i = 0; i < n; i++)
    {
      double s = 0;
      for (guint c = 0; c < 3; c++)
        {
          g_assert_cmpfloat (kiln_frame_get_double (predicted, 6 + c, i), ==, want[i * 3 + c]);
          s += want[i * 3 + c];
        }
      g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-9);
    }

  /* A view (rows 10..19) predicts the same as those rows. */
  {
    guint32 rows[10];
    g_autoptr(KilnFrame) view = NULL;
    g_autofree double *v = NULL;
    for (guint i = 0; i < 10; i++)
      rows[i] = 10 + i;
    view = kiln_frame_new_view (iris, rows, 10);
    v = kiln_bundle_predict (r.bundle, view, &n2, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (n2, ==, 10);
    assert_same_doubles (v, want + 30, 30);
  }
  kiln_pipeline_result_clear (&r);
}

static void
test_pipeline_errors (void)
{
  g_autoptr(KilnFrame) iris = load_dataset ("iris.csv");
  g_autoptr(GError) error = NULL;
  KilnPipelineOptions options;
  KilnPipelineResult r;

  kiln_pipeline_options_init (&options, "nosuch", "tree");
  g_assert_false (kiln_pipeline_run (iris, NULL, &options, NULL, NULL, &r, &error));
  g_assert_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET);
  g_assert_nonnull (strstr (error->message, "species"));   /* lists the columns */
  g_assert_null (r.pipeline);
  g_clear_error (&error);

  kiln_pipeline_options_init (&options, "species", "nosuchmodel");
  g_assert_false (kiln_pipeline_run (iris, NULL, &options, NULL, NULL, &r, &error));
  g_assert_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_OPTIONS);
  g_clear_error (&error);

  kiln_pipeline_options_init (&options, "species", "tree");
  options.prep.split = (KilnSplitFractions) { 1.0, 0.0, 0.0 };
  if (kiln_model_lookup_class ("tree"))
    {
      g_assert_false (kiln_pipeline_run (iris, NULL, &options, NULL, NULL, &r, &error));
      g_assert_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_EMPTY);
      g_clear_error (&error);
    }

  /* Regression on a categorical target is refused up front. */
  kiln_pipeline_options_init (&options, "species", "tree");
  options.task_set = TRUE;
  options.task = KILN_TASK_REGRESSION;
  g_assert_false (kiln_pipeline_run (iris, NULL, &options, NULL, NULL, &r, &error));
  g_assert_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET);
}

static void
test_cross_validate (void)
{
  g_autoptr(KilnFrame) iris = load_dataset ("iris.csv");
  g_autoptr(GError) error = NULL;
  KilnPipelineOptions options;
  double a[5], b[5], mean = 0;

  if (kiln_model_lookup_class ("logreg") == NULL)
    {
      g_test_skip ("the logreg family is not built yet");
      return;
    }
  kiln_pipeline_options_init (&options, "species", "logreg");
  g_assert_true (kiln_pipeline_cross_validate (iris, &options, 5, a, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kiln_pipeline_cross_validate (iris, &options, 5, b, NULL, &error));
  for (guint f = 0; f < 5; f++)
    {
      g_assert_cmpfloat (a[f], ==, b[f]);   /* same seed, same folds, same models */
      g_assert_cmpfloat (a[f], >=, 0.8);
      /* 150 stratified rows in 5 folds: 30 rows each, so scores are multiples of 1/30. */
      g_assert_cmpfloat_with_epsilon (a[f] * 30, round (a[f] * 30), 1e-9);
      mean += a[f] / 5;
    }
  g_test_message ("iris logreg 5-fold accuracy: %.4f %.4f %.4f %.4f %.4f (mean %.4f)",
                  a[0], a[1], a[2], a[3], a[4], mean);
  g_assert_cmpfloat (mean, >=, 0.93);

  g_assert_false (kiln_pipeline_cross_validate (iris, &options, 1, a, NULL, &error));
  g_assert_error (error, KILN_EVAL_ERROR, KILN_EVAL_ERROR_INVALID);
}

static void
test_save_errors (void)
{
  g_autoptr(KilnFrame) iris = load_dataset ("iris.csv");
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (tmpdir, "keep.kiln", NULL);
  g_autofree char *contents = NULL;
  KilnPipelineResult r;

  if (kiln_model_lookup_class ("tree") == NULL)
    {
      g_test_skip ("the tree family is not built yet");
      return;
    }
  run (iris, "species", "tree", NULL, &r);
  g_assert_false (kiln_bundle_save (r.bundle, "/nonexistent-dir/m.kiln", NULL, &error));
  g_assert_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, "/nonexistent-dir/m.kiln"));
  g_clear_error (&error);

  /* Saving over a file replaces it whole; no temporary file is left behind. */
  g_assert_true (g_file_set_contents (file, "old", -1, NULL));
  g_assert_true (kiln_bundle_save (r.bundle, file, NULL, &error));
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_cmpint ((guchar) contents[0], ==, 0x1f);
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    guint n = 0;
    while ((name = g_dir_read_name (dir)))
      n++;
    g_assert_cmpuint (n, ==, 1);
  }
  g_unlink (file);
  kiln_pipeline_result_clear (&r);
}

int
main (int argc, char **argv)
{
  static const char * const families[] = { "logreg", "linear", "ridge", "mlp", "tree", "forest",
                                           "knn", "nb" };
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-bundle-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/export/pipeline-iris", test_pipeline_iris);
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autofree char *name = g_strdup_printf ("/export/round-trip/%s", families[i]);
      g_test_add_data_func (name, families[i], test_round_trip);
    }
  g_test_add_func ("/export/predict-conversions", test_predict_conversions);
  g_test_add_func ("/export/pipeline-errors", test_pipeline_errors);
  g_test_add_func ("/export/save-errors", test_save_errors);
  g_test_add_func ("/export/cross-validate", test_cross_validate);
  ret = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
