/* test-codes.c: every family learns from categorical codes as from the one-hot columns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A recipe (median impute, one-hot encode, standardise) prepares a small file into a dataset
 * whose categorical features are codes; each family is fitted on it and, separately, on the
 * same dataset with the one-hot view materialised (kiln_dataset_new_expanded). Both models
 * predict the test rows (some of their codes set to "none": a missing or unseen level, all
 * zeros in the dense view) and must agree: values and probabilities within 1e-6 (relative for
 * large values), labels the same. The MLP's float sums run in another order through a BLAS
 * kernel than through gathered weight rows, so there only the labels (classification) or 1e-4
 * relative (regression) are asked. The coded model, saved and read back, predicts the same.
 */
#include "config.h"

#include <math.h>

#include "kiln-recipe.h"
#include "kiln-model.h"
#include "kiln-test-features.h"

typedef struct {
  const char *file;
  const char *target;
  guint       max_rows;
  const char *family;
} Case;

static void
prepare (const Case   *c,
         KilnDataset **train,
         KilnDataset **test)
{
  g_autofree char *path = g_build_filename (g_getenv ("KILN_SHARED_DATASETS"), c->file, NULL);
  g_autoptr(KilnFrame) all = kiln_test_read_csv (path);
  guint n = MIN (kiln_frame_get_n_rows (all), c->max_rows), n_train = n * 3 / 4;
  g_autofree guint32 *rows = g_new (guint32, n);
  g_autoptr(KilnFrame) train_frame = NULL, test_frame = NULL, prepared = NULL, test_prepared = NULL;
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(GError) error = NULL;

  for (guint r = 0; r < n; r++)
    rows[r] = (guint32) ((r * 7919u) % kiln_frame_get_n_rows (all));  /* a spread of rows */
  train_frame = kiln_frame_new_view (all, rows, n_train);
  test_frame = kiln_frame_new_view (all, rows + n_train, n - n_train);

  kiln_recipe_set_target (recipe, c->target);
  kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
  prepared = kiln_recipe_fit_apply_coded (recipe, train_frame, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_recipe_to_dataset (recipe, prepared, train, &error));
  g_assert_no_error (error);
  test_prepared = kiln_recipe_apply_coded (recipe, test_frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_recipe_to_dataset (recipe, test_prepared, test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint ((*train)->n_categorical, >, 0);

  /* the frame with the indicator columns (what previews show) gives the same dataset */
  {
    g_autoptr(KilnFrame) expanded = kiln_recipe_apply (recipe, test_frame, FALSE, NULL, &error);
    g_autoptr(KilnDataset) again = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (kiln_frame_find_column (expanded, kiln_recipe_get_feature_names (recipe, NULL)
                                                         [kiln_dataset_get_width (*test) - 1]), >=, 0);
    g_assert_true (kiln_recipe_to_dataset (recipe, expanded, &again, &error));
    g_assert_no_error (error);
    g_assert_true (kiln_dataset_same_layout (again, *test));
    g_assert_cmpmem (again->x, (gsize) again->n_rows * again->n_features * sizeof (float),
                     (*test)->x, (gsize) (*test)->n_rows * (*test)->n_features * sizeof (float));
    g_assert_cmpmem (again->codes, (gsize) again->n_rows * again->n_categorical * sizeof (guint32),
                     (*test)->codes, (gsize) (*test)->n_rows * (*test)->n_categorical * sizeof (guint32));
  }

  /* some test rows with no level (missing or unseen in training) */
  for (guint r = 0; r < (*test)->n_rows; r += 5)
    (*test)->codes[(gsize) r * (*test)->n_categorical + r % (*test)->n_categorical] = KILN_CODE_NONE;
}

static KilnModel *
fit (const char *family, const KilnDataset *train)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnModel) model = NULL;
  KilnModelOptions options;

  kiln_model_options_init (&options, train->task);
  if (g_str_equal (family, "mlp"))
    options.epochs = 30;   /* a short run: the comparison, not the fit, is tested */
  model = kiln_model_new (family, &options, &error);
  g_assert_no_error (error);
  kiln_model_fit (model, train, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&model);
}

static void
test_codes (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(KilnDataset) train = NULL, test = NULL, dense_train = NULL, dense_test = NULL;
  g_autoptr(KilnModel) coded = NULL, dense = NULL;
  g_autofree double *a = NULL, *b = NULL;
  gboolean mlp = g_str_equal (c->family, "mlp");
  guint n_out, same_labels = 0;
  double worst = 0.0;

  prepare (c, &train, &test);
  dense_train = kiln_dataset_new_expanded (train);
  dense_test = kiln_dataset_new_expanded (test);
  coded = fit (c->family, train);
  dense = fit (c->family, dense_train);
  g_assert_cmpuint (kiln_model_get_n_features (coded), ==, kiln_model_get_n_features (dense));

  n_out = kiln_model_get_n_outputs (coded);
  a = g_new (double, (gsize) test->n_rows * n_out);
  b = g_new (double, (gsize) test->n_rows * n_out);
  kiln_model_predict (coded, test, a);
  kiln_model_predict (dense, dense_test, b);
  for (guint r = 0; r < test->n_rows; r++)
    {
      guint la = 0, lb = 0;
      for (guint k = 0; k < n_out; k++)
        {
          double x = a[(gsize) r * n_out + k], y = b[(gsize) r * n_out + k];
          worst = MAX (worst, fabs (x - y) / MAX (1.0, fabs (y)));
          la = x > a[(gsize) r * n_out + la] ? k : la;
          lb = y > b[(gsize) r * n_out + lb] ? k : lb;
        }
      same_labels += la == lb;
    }
  /* a saved coded model predicts the same */
  {
    g_autoptr(JsonNode) node = kiln_model_to_json (coded);
    g_autoptr(GError) error = NULL;
    g_autoptr(KilnModel) loaded = kiln_model_from_json (node, &error);
    g_autofree double *again = g_new (double, (gsize) test->n_rows * n_out);

    g_assert_no_error (error);
    kiln_model_predict (loaded, test, again);
    for (gsize i = 0; i < (gsize) test->n_rows * n_out; i++)
      g_assert_cmpfloat (again[i], ==, a[i]);
  }
  g_test_message ("%s on %s: %u rows, %u of %u features as %u codes; largest difference %.3g",
                  c->family, c->file, test->n_rows, kiln_model_get_n_features (coded) - train->n_features,
                  kiln_model_get_n_features (coded), train->n_categorical, worst);
  if (mlp && n_out > 1)
    g_assert_cmpuint (same_labels, ==, test->n_rows);
  else
    g_assert_cmpfloat (worst, <, mlp ? 1e-4 : 1e-6);
}

static const Case cases[] = {
  { "diamonds.csv", "price", 3000, "linear" },
  { "diamonds.csv", "price", 3000, "ridge" },
  { "diamonds.csv", "price", 3000, "tree" },
  { "diamonds.csv", "price", 1500, "forest" },
  { "diamonds.csv", "price", 1500, "knn" },
  { "diamonds.csv", "price", 1500, "mlp" },
  { "penguins.csv", "species", 400, "logreg" },
  { "penguins.csv", "species", 400, "tree" },
  { "penguins.csv", "species", 400, "forest" },
  { "penguins.csv", "species", 400, "knn" },
  { "penguins.csv", "species", 400, "nb" },
  { "penguins.csv", "species", 400, "mlp" },
  { "diamonds.csv", "cut", 2000, "logreg" },
  { "diamonds.csv", "cut", 2000, "nb" },
  { "diamonds.csv", "cut", 1000, "mlp" },
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/codes/%s/%s/%s", cases[i].file, cases[i].target,
                                               cases[i].family);
      g_test_add_data_func (path, &cases[i], test_codes);
    }
  return g_test_run ();
}
