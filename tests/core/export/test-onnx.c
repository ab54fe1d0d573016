/* test-onnx.c: the ONNX exporter in core: every family builds a well-formed graph with the
 * contract's inputs and outputs, the same bundle gives the same bytes, files are written
 * atomically and read back, and what cannot be exported is refused with the reason.
 * (ONNX Runtime's answers are compared with Kiln's in tests/cli/export, suite "onnx".)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-onnx.h"
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

static KilnFrame *
read_text (const char *text)
{
  g_autofree char *path = g_build_filename (tmpdir, "data.csv", NULL);
  g_autoptr(GError) error = NULL;
  KilnFrame *frame;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return frame;
}

static void
run (KilnFrame *raw, const char *target, const char *model, KilnRecipe *recipe,
     KilnPipelineResult *result)
{
  KilnPipelineOptions options;
  g_autoptr(GError) error = NULL;

  kiln_pipeline_options_init (&options, target, model);
  options.model_options.n_trees = 5;
  options.model_options.epochs = 20;
  options.recipe = recipe;
  if (!kiln_pipeline_run (raw, NULL, &options, NULL, NULL, result, &error))
    g_error ("pipeline %s/%s: %s", target, model, error->message);
  kiln_pipeline_options_clear (&options);
}

static const KilnOnnxValue *
find_value (const KilnOnnxValue *values, guint n, const char *name)
{
  for (guint i = 0; i < n; i++)
    if (strcmp (values[i].name, name) == 0)
      return &values[i];
  return NULL;
}

static void
assert_contract (KilnOnnxModel *onnx, KilnBundle *bundle)
{
  guint n_inputs, n_outputs, n_columns, n_classes = 0;
  const KilnOnnxValue *inputs = kiln_onnx_model_get_inputs (onnx, &n_inputs);
  const KilnOnnxValue *outputs = kiln_onnx_model_get_outputs (onnx, &n_outputs);
  const KilnRecipeColumn *columns = kiln_bundle_get_input_columns (bundle, &n_columns);

  /* one input per raw column, in the recipe's order, [N, 1] */
  g_assert_cmpuint (n_inputs, ==, n_columns);
  for (guint i = 0; i < n_inputs; i++)
    {
      g_assert_cmpstr (inputs[i].name, ==, columns[i].name);
      g_assert_cmpint (inputs[i].type, ==, columns[i].type == KILN_COLUMN_CATEGORICAL
                                           ? KILN_ONNX_TYPE_STRING : KILN_ONNX_TYPE_DOUBLE);
      g_assert_cmpuint (inputs[i].n_dims, ==, 2);
      g_assert_cmpint (inputs[i].dims[0], ==, -1);
      g_assert_cmpint (inputs[i].dims[1], ==, 1);
    }
  if (kiln_bundle_get_task (bundle) == KILN_TASK_CLASSIFICATION)
    {
      const KilnOnnxValue *label, *proba;

      kiln_bundle_get_classes (bundle, &n_classes);
      g_assert_cmpuint (n_outputs, ==, 2);
      label = find_value (outputs, n_outputs, "label");
      proba = find_value (outputs, n_outputs, "probabilities");
      g_assert_nonnull (label);
      g_assert_nonnull (proba);
      g_assert_cmpint (label->type, ==, KILN_ONNX_TYPE_STRING);
      g_assert_cmpuint (label->n_dims, ==, 1);
      g_assert_cmpint (proba->type, ==, KILN_ONNX_TYPE_FLOAT);
      g_assert_cmpuint (proba->n_dims, ==, 2);
      g_assert_cmpint (proba->dims[1], ==, n_classes);
    }
  else
    {
      g_autofree char *text = NULL;

      g_assert_cmpuint (n_outputs, ==, 1);
      g_assert_cmpstr (outputs[0].name, ==, "value");
      text = kiln_onnx_value_describe (&outputs[0]);
      g_assert_cmpstr (text, ==, "double [N, 1]");
    }
  g_assert_cmpuint (kiln_onnx_model_get_n_nodes (onnx), >, 2);
}

/* Every family on penguins (missing values, two categorical columns): a graph with the
 * contract's inputs and outputs, the same bytes on a second build, and the same model after a
 * round trip through a file. */
static void
test_family (gconstpointer data)
{
  const char *family = data;
  const KilnModelClass *klass = kiln_model_lookup_class (family);
  g_autoptr(KilnFrame) raw = load_dataset ("penguins.csv");
  g_autofree char *path = g_build_filename (tmpdir, "model.onnx", NULL);
  g_autoptr(KilnOnnxModel) onnx = NULL, again = NULL, loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *opsets = NULL, *snippet = NULL;
  KilnPipelineResult r;

  g_assert_nonnull (klass);
  run (raw, klass->classification ? "species" : "body_mass_g", family, NULL, &r);
  onnx = kiln_onnx_model_new_from_bundle (r.bundle, &error);
  g_assert_no_error (error);
  assert_contract (onnx, r.bundle);
  opsets = kiln_onnx_model_describe_opsets (onnx);
  g_assert_cmpstr (opsets, ==, "ai.onnx 17, ai.onnx.ml 3");

  again = kiln_onnx_model_new_from_bundle (r.bundle, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (kiln_onnx_model_get_bytes (onnx), kiln_onnx_model_get_bytes (again)));

  g_assert_true (kiln_onnx_model_save (onnx, path, NULL, &error));
  g_assert_no_error (error);
  loaded = kiln_onnx_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (kiln_onnx_model_get_bytes (onnx), kiln_onnx_model_get_bytes (loaded)));
  assert_contract (loaded, r.bundle);

  snippet = kiln_onnx_python_snippet (r.bundle, path);
  g_assert_nonnull (strstr (snippet, "onnxruntime"));
  g_assert_nonnull (strstr (snippet, "\"island\": np.array([[\"Biscoe\"]], dtype=object)"));
  g_assert_nonnull (strstr (snippet, "\"bill_length_mm\": np.array([["));
  g_assert_nonnull (strstr (snippet, klass->classification ? "\"probabilities\"" : "\"value\""));

  kiln_pipeline_result_clear (&r);
  g_unlink (path);
}

/* Every kind of step that reaches prediction: drop, dedupe, IQR clip and drop, each
 * imputation, ordinal codes, min-max scaling, and steps in an unusual order. */
static void
test_recipes (void)
{
  g_autoptr(KilnFrame) raw = load_dataset ("penguins.csv");
  const char *drop[] = { "bill_depth_mm", NULL };
  const char *clip[] = { "flipper_length_mm", "body_mass_g", NULL };
  const char *sex[] = { "sex", NULL };

  for (guint v = 0; v < 3; v++)
    {
      g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
      g_autoptr(KilnOnnxModel) onnx = NULL;
      g_autoptr(GError) error = NULL;
      KilnPipelineResult r;

      switch (v)
        {
        case 0:
          kiln_recipe_add_step (recipe, kiln_step_new_drop_columns (drop));
          kiln_recipe_add_step (recipe, kiln_step_new_dedupe ());
          kiln_recipe_add_step (recipe, kiln_step_new_iqr (1.5, KILN_IQR_CLIP, clip));
          kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEAN, NULL));
          kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ORDINAL, NULL));
          kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_MINMAX, NULL));
          break;
        case 1:
          /* scale first, then fill (missing values stay missing through the scaling) */
          kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
          kiln_recipe_add_step (recipe, kiln_step_new_iqr (1.0, KILN_IQR_DROP, NULL));
          kiln_recipe_add_step (recipe, kiln_step_new_impute_constant (-1.0, "unknown", NULL));
          kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
          break;
        default:
          kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_DROP, NULL));
          kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, sex));
          kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ORDINAL, NULL));
          kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
          break;
        }
      run (raw, "species", "logreg", recipe, &r);
      onnx = kiln_onnx_model_new_from_bundle (r.bundle, &error);
      g_assert_no_error (error);
      assert_contract (onnx, r.bundle);
      kiln_pipeline_result_clear (&r);
    }
}

/* A column named like a graph output cannot be an input: refused, saying which. */
static void
test_refused (void)
{
  GString *csv = g_string_new ("label,x,y\n");
  g_autoptr(KilnFrame) raw = NULL;
  g_autoptr(KilnOnnxModel) onnx = NULL;
  g_autoptr(GError) error = NULL;
  KilnPipelineResult r;

  for (guint i = 0; i < 60; i++)
    g_string_append_printf (csv, "%u,%g,%s\n", i % 4, i * 0.25, i % 3 ? "a" : "b");
  raw = read_text (csv->str);
  g_string_free (csv, TRUE);
  run (raw, "y", "logreg", NULL, &r);
  onnx = kiln_onnx_model_new_from_bundle (r.bundle, &error);
  g_assert_null (onnx);
  g_assert_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "“label”"));
  kiln_pipeline_result_clear (&r);
}

/* Writing is atomic: a failed write leaves the old file, a good one replaces it whole. */
static void
test_files (void)
{
  g_autoptr(KilnFrame) raw = load_dataset ("iris.csv");
  g_autofree char *path = g_build_filename (tmpdir, "iris.onnx", NULL);
  g_autofree char *nowhere = g_build_filename (tmpdir, "no-such-folder", "iris.onnx", NULL);
  g_autofree char *bad = g_build_filename (tmpdir, "bad.onnx", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(KilnOnnxModel) onnx = NULL, loaded = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;
  gsize length;
  KilnPipelineResult r;

  run (raw, "species", "nb", NULL, &r);
  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_true (kiln_onnx_export (r.bundle, path, NULL, &error));
  g_assert_no_error (error);
  loaded = kiln_onnx_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_onnx_model_get_n_nodes (loaded), >, 0);

  onnx = kiln_onnx_model_new_from_bundle (r.bundle, &error);
  g_assert_no_error (error);
  g_assert_false (kiln_onnx_model_save (onnx, nowhere, NULL, &error));
  g_assert_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_WRITE);
  g_clear_error (&error);
  g_assert_false (g_file_test (nowhere, G_FILE_TEST_EXISTS));

  /* not ONNX, and a truncated model: both refused as invalid */
  g_assert_true (g_file_set_contents (bad, "this is not a model", -1, NULL));
  g_assert_null (kiln_onnx_model_load (bad, &error));
  g_assert_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_INVALID);
  g_clear_error (&error);
  bytes = kiln_onnx_model_get_bytes (onnx);
  length = g_bytes_get_size (bytes);
  g_assert_true (g_file_set_contents (bad, g_bytes_get_data (bytes, NULL), (gssize) length / 2, NULL));
  g_assert_null (kiln_onnx_model_load (bad, &error));
  g_assert_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (kiln_onnx_model_load (nowhere, &error));
  g_assert_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_INVALID);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, g_bytes_get_size (bytes));
  kiln_pipeline_result_clear (&r);
  g_unlink (path);
  g_unlink (bad);
}

int
main (int argc, char **argv)
{
  guint n_families = 0;
  const KilnModelClass * const *families = kiln_model_list_classes (&n_families);
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-test-onnx-XXXXXX", NULL);
  /* every family in the registry: one added later fails here until it has an ONNX form */
  g_assert_cmpuint (n_families, >=, 8);
  for (guint i = 0; i < n_families; i++)
    {
      g_autofree char *name = g_strdup_printf ("/onnx/family/%s", families[i]->name);
      g_test_add_data_func (name, families[i]->name, test_family);
    }
  g_test_add_func ("/onnx/recipes", test_recipes);
  g_test_add_func ("/onnx/refused", test_refused);
  g_test_add_func ("/onnx/files", test_files);
  status = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
