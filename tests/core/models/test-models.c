/* test-models.c: the model interface and the logistic, linear, ridge and MLP families on
 * synthetic data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-models"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-model.h"
#include "kiln-rng.h"

/* ---- Synthetic data ------------------------------------------------------------------------ */

/* y = 1.5 + sum_j (j + 1) * (-1)^j * x_j exactly, x uniform in [-2, 2]. */
static KilnDataset *
make_linear (guint    n,
             guint    d,
             guint64  seed,
             double   noise)
{
  KilnDataset *data = kiln_dataset_new (n, d, KILN_TASK_REGRESSION, 0);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      double y = 1.5;
      for (guint j = 0; j < d; j++)
        {
          float x = (float) (4.0 * kiln_rng_double (&rng) - 2.0);
          data->x[(gsize) i * d + j] = x;
          y += (j + 1) * (j % 2 ? -1.0 : 1.0) * (double) x;
        }
      data->y_value[i] = y + noise * kiln_rng_normal (&rng);
    }
  return data;
}

/* @k Gaussian blobs in @d dimensions, centres @sep apart on the axes. */
static KilnDataset *
make_blobs (guint   n,
            guint   d,
            guint   k,
            double  sep,
            guint64 seed)
{
  KilnDataset *data = kiln_dataset_new (n, d, KILN_TASK_CLASSIFICATION, k);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      guint c = i % k;
      data->y_class[i] = c;
      for (guint j = 0; j < d; j++)
        data->x[(gsize) i * d + j] = (float) (kiln_rng_normal (&rng) + (j == c % d ? sep : 0.0)
                                              - (c >= d && j == 0 ? sep : 0.0));
    }
  return data;
}

static double
accuracy (KilnModel         *model,
          const KilnDataset *data)
{
  guint k = data->n_classes;
  g_autofree double *p = g_new (double, (gsize) data->n_rows * k);
  guint correct = 0;

  kiln_model_predict (model, data, p);
  for (guint i = 0; i < data->n_rows; i++)
    {
      guint best = 0;
      double sum = 0.0;
      for (guint c = 0; c < k; c++)
        {
          sum += p[(gsize) i * k + c];
          if (p[(gsize) i * k + c] > p[(gsize) i * k + best])
            best = c;
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-9);
      correct += (gint32) best == data->y_class[i];
    }
  return (double) correct / data->n_rows;
}

static double
r2 (KilnModel         *model,
    const KilnDataset *data)
{
  g_autofree double *p = g_new (double, data->n_rows);
  double mean = 0.0, sse = 0.0, sst = 0.0;

  kiln_model_predict (model, data, p);
  for (guint i = 0; i < data->n_rows; i++)
    mean += data->y_value[i];
  mean /= data->n_rows;
  for (guint i = 0; i < data->n_rows; i++)
    {
      sse += (p[i] - data->y_value[i]) * (p[i] - data->y_value[i]);
      sst += (mean - data->y_value[i]) * (mean - data->y_value[i]);
    }
  return 1.0 - sse / sst;
}

static KilnModel *
fit_new (const char             *name,
         const KilnModelOptions *options,
         const KilnDataset      *train,
         const KilnDataset      *val)
{
  g_autoptr(GError) error = NULL;
  KilnModel *model = kiln_model_new (name, options, &error);

  g_assert_no_error (error);
  kiln_model_fit (model, train, val, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_model_is_fitted (model));
  return model;
}

static gsize
n_outputs (KilnModel *model)
{
  return kiln_model_get_n_outputs (model);
}

/* Serialise to text and back; predictions must be bit-identical. */
static void
assert_json_round_trip (KilnModel         *model,
                        const KilnDataset *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = kiln_model_to_json (model);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(JsonNode) parsed = json_from_string (text, &error);
  g_autoptr(KilnModel) copy = NULL;
  gsize n = (gsize) data->n_rows * n_outputs (model);
  g_autofree double *a = g_new (double, n);
  g_autofree double *b = g_new (double, n);

  g_assert_no_error (error);
  copy = kiln_model_from_json (parsed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kiln_model_get_name (copy), ==, kiln_model_get_name (model));
  g_assert_cmpuint (kiln_model_get_n_features (copy), ==, kiln_model_get_n_features (model));
  g_assert_cmpuint (kiln_model_get_n_classes (copy), ==, kiln_model_get_n_classes (model));
  g_assert_cmpint (kiln_model_get_task (copy), ==, kiln_model_get_task (model));
  g_assert_cmpmem (kiln_model_get_options (copy), sizeof (KilnModelOptions),
                   kiln_model_get_options (model), sizeof (KilnModelOptions));
  kiln_model_predict (model, data, a);
  kiln_model_predict (copy, data, b);
  g_assert_cmpmem (a, n * sizeof (double), b, n * sizeof (double));
}

/* ---- Interface ------------------------------------------------------------------------------ */

static void
test_registry (void)
{
  guint n = 0;
  const KilnModelClass * const *classes = kiln_model_list_classes (&n);
  const char *mine[] = { "logreg", "linear", "ridge", "mlp" };
  g_autoptr(GError) error = NULL;
  KilnModelOptions options;

  g_assert_cmpuint (n, >=, G_N_ELEMENTS (mine));
  g_assert_null (classes[n]);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (kiln_model_lookup_class (classes[i]->name) == classes[i]);
      g_assert_true (classes[i]->classification || classes[i]->regression);
      g_assert_nonnull (classes[i]->ops);
      g_assert_nonnull (classes[i]->options);
      /* every option is found by its flag and reads back what it wrote */
      for (guint o = 0; classes[i]->options[o] != NULL; o++)
        {
          const KilnModelOption *opt = classes[i]->options[o];
          const KilnModelOption *found = kiln_model_class_find_option (classes[i], opt->name);
          KilnModelOptions a, b;
          g_autofree char *text = NULL;
          g_autofree char *again = NULL;

          g_assert_nonnull (found);
          g_assert_nonnull (kiln_model_lookup_option (opt->name));
          g_assert_cmpuint (found->offset, ==, opt->offset);
          g_assert_cmpint (found->kind, ==, opt->kind);
          kiln_model_options_init (&a, KILN_TASK_REGRESSION);
          kiln_model_options_init (&b, KILN_TASK_REGRESSION);
          text = kiln_model_option_format (opt, &a);
          g_assert_true (kiln_model_option_parse (opt, text, &b, &error));
          g_assert_no_error (error);
          g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
          g_assert_false (kiln_model_option_parse (opt, "-3x", &b, &error));
          g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
          g_assert_nonnull (strstr (error->message, opt->name));
          g_clear_error (&error);
          if (opt->kind != KILN_MODEL_OPTION_LAYERS)
            {
              kiln_model_option_set_value (opt, &b, opt->max);
              again = kiln_model_option_format (opt, &b);
              g_assert_cmpfloat (kiln_model_option_get_value (opt, &b), ==, opt->max);
              g_assert_true (kiln_model_option_parse (opt, again, &a, &error));
              g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
            }
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (mine); i++)
    g_assert_nonnull (kiln_model_lookup_class (mine[i]));
  g_assert_null (kiln_model_lookup_class ("svm"));

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  g_assert_null (kiln_model_new ("svm", &options, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
  g_clear_error (&error);
  /* linear regression cannot classify */
  g_assert_false (kiln_model_check_options ("linear", &options, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
  g_clear_error (&error);
  options.learning_rate = -1.0;
  g_assert_false (kiln_model_check_options ("mlp", &options, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
}

static void
test_options_defaults (void)
{
  KilnModelOptions o;
  KilnTask task;

  kiln_model_options_init (&o, KILN_TASK_REGRESSION);
  g_assert_cmpint (o.task, ==, KILN_TASK_REGRESSION);
  g_assert_cmpuint (o.seed, ==, 42);
  g_assert_cmpfloat (o.l2, ==, 1.0);
  g_assert_cmpuint (o.hidden[0], ==, 64);
  g_assert_cmpuint (o.hidden[1], ==, 0);
  g_assert_cmpuint (o.epochs, ==, 200);
  g_assert_cmpfloat (o.learning_rate, ==, 1e-3);
  g_assert_cmpuint (o.batch_size, ==, 200);
  g_assert_cmpuint (o.patience, ==, 10);
  g_assert_cmpuint (o.min_samples_leaf, ==, 1);
  g_assert_cmpuint (o.n_trees, ==, 100);
  g_assert_cmpuint (o.k, ==, 5);
  g_assert_cmpfloat (o.mlp_alpha, ==, 1e-4);
  g_assert_true (kiln_task_from_string ("classification", &task));
  g_assert_cmpint (task, ==, KILN_TASK_CLASSIFICATION);
  g_assert_false (kiln_task_from_string ("clustering", &task));
  g_assert_cmpstr (kiln_task_to_string (KILN_TASK_REGRESSION), ==, "regression");
}

static void
test_bad_data (void)
{
  g_autoptr(KilnDataset) data = make_blobs (50, 3, 2, 3.0, 1);
  g_autoptr(KilnDataset) reg = make_linear (50, 3, 1, 0.0);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnModel) model = kiln_model_new ("logreg", NULL, &error);
  g_autoptr(KilnModel) mlp = NULL;
  KilnModelOptions options;

  g_assert_no_error (error);
  data->x[7] = NAN;
  g_assert_false (kiln_model_fit (model, data, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA);
  g_clear_error (&error);
  data->x[7] = 0.0f;
  data->y_class[3] = 2;   /* out of range for two classes */
  g_assert_false (kiln_model_fit (model, data, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA);
  g_clear_error (&error);
  data->y_class[3] = 1;
  /* regression data for a classifier */
  g_assert_false (kiln_model_fit (model, reg, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA);
  g_clear_error (&error);
  g_assert_false (kiln_model_is_fitted (model));
  g_assert_true (kiln_model_fit (model, data, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  /* a fitted model is immutable */
  g_assert_false (kiln_model_fit (model, data, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
  g_clear_error (&error);

  /* an exploding learning rate gives a NUMERIC error, not garbage */
  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  options.learning_rate = 1e30;
  reg->y_value[0] = 1e30;
  mlp = kiln_model_new ("mlp", &options, &error);
  g_assert_no_error (error);
  g_assert_false (kiln_model_fit (mlp, reg, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC);
}

static void
test_bad_json (void)
{
  const char *bad[] = {
    "[]",
    "{}",
    "{\"family\": \"nope\", \"task\": \"regression\", \"n_features\": 2, \"n_classes\": 0, \"params\": {}}",
    "{\"family\": \"linear\", \"task\": \"classification\", \"n_features\": 2, \"n_classes\": 3, \"params\": {}}",
    "{\"family\": \"linear\", \"task\": \"regression\", \"n_features\": 2, \"n_classes\": 0, \"params\": {\"coef\": [1], \"intercept\": 0}}",
    "{\"family\": \"linear\", \"task\": \"regression\", \"n_features\": 2, \"n_classes\": 0, \"params\": {\"coef\": [1, \"x\"], \"intercept\": 0}}",
    "{\"family\": \"linear\", \"task\": \"regression\", \"n_features\": -2, \"n_classes\": 0, \"params\": {}}",
    "{\"family\": \"logreg\", \"task\": \"classification\", \"n_features\": 2, \"n_classes\": 3, \"params\": {\"coef\": [1, 2], \"intercept\": [0, 0, 0]}}",
    "{\"family\": \"mlp\", \"task\": \"classification\", \"n_features\": 2, \"n_classes\": 3, \"params\": {\"sizes\": [2, 4, 2], \"weights\": [], \"y_mean\": 0, \"y_scale\": 1}}",
    "{\"family\": \"mlp\", \"task\": \"classification\", \"n_features\": 2, \"n_classes\": 3, \"params\": {\"sizes\": [2, 4, 3], \"weights\": [1, 2], \"y_mean\": 0, \"y_scale\": 1}}",
    "{\"family\": \"mlp\", \"task\": \"classification\", \"n_features\": 2, \"n_classes\": 3, \"params\": {\"sizes\": [2, -4, 3], \"weights\": [], \"y_mean\": 0, \"y_scale\": 1}}",
    "{\"family\": \"mlp\", \"task\": \"regression\", \"n_features\": 2, \"n_classes\": 0, \"options\": {\"epochs\": 0}, \"params\": {}}",
  };
  const char *good =
    "{\"family\": \"linear\", \"task\": \"regression\", \"n_features\": 2, \"n_classes\": 0, \"params\": {\"coef\": [1, -2], \"intercept\": 0.5}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(KilnModel) model = NULL;
  float x[] = { 1.0f, 1.0f, 2.0f, 0.0f };
  KilnDataset rows;
  double out[2];

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) n = json_from_string (bad[i], &error);
      g_assert_no_error (error);
      g_assert_null (kiln_model_from_json (n, &error));
      g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
      g_test_message ("%s -> %s", bad[i], error->message);
      g_clear_error (&error);
    }
  node = json_from_string (good, &error);
  g_assert_no_error (error);
  model = kiln_model_from_json (node, &error);
  g_assert_no_error (error);
  kiln_dataset_init_dense (&rows, x, 2, 2);
  kiln_model_predict (model, &rows, out);
  g_assert_cmpfloat (out[0], ==, -0.5);
  g_assert_cmpfloat (out[1], ==, 2.5);
}

/* ---- Linear and ridge ------------------------------------------------------------------- */

static void
test_linear_exact (void)
{
  g_autoptr(KilnDataset) data = make_linear (500, 6, 7, 0.0);
  g_autoptr(KilnModel) model = fit_new ("linear", NULL, data, NULL);
  double importances[6];
  g_autoptr(JsonNode) node = kiln_model_to_json (model);
  JsonObject *params = json_object_get_object_member (json_node_get_object (node), "params");
  JsonArray *coef = json_object_get_array_member (params, "coef");
  double max_err = 0.0;

  for (guint j = 0; j < 6; j++)
    {
      double expected = (j + 1) * (j % 2 ? -1.0 : 1.0);
      max_err = MAX (max_err, fabs (json_array_get_double_element (coef, j) - expected));
    }
  max_err = MAX (max_err, fabs (json_object_get_double_member (params, "intercept") - 1.5));
  g_test_message ("OLS: max coefficient error %.3g", max_err);
  g_assert_cmpfloat (max_err, <, 1e-8);
  g_assert_cmpfloat (r2 (model, data), >, 1.0 - 1e-12);

  g_assert_true (kiln_model_get_importances (model, importances));
  {
    double sum = 0.0;
    for (guint j = 0; j < 6; j++)
      sum += importances[j];
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-12);
    g_assert_cmpfloat_with_epsilon (importances[5] / importances[0], 6.0, 1e-6);
  }
  assert_json_round_trip (model, data);
}

static void
test_linear_collinear (void)
{
  /* Feature 3 duplicates feature 0, 4 and 5 are a one-hot pair (sum 1, like a full encoding). */
  g_autoptr(KilnDataset) data = kiln_dataset_new (300, 6, KILN_TASK_REGRESSION, 0);
  g_autoptr(KilnModel) model = NULL;
  KilnRng rng;

  kiln_rng_init (&rng, 3);
  for (guint i = 0; i < data->n_rows; i++)
    {
      float *x = data->x + (gsize) i * 6;
      gboolean hot = kiln_rng_double (&rng) < 0.5;
      x[0] = (float) kiln_rng_normal (&rng);
      x[1] = (float) kiln_rng_normal (&rng);
      x[2] = (float) kiln_rng_normal (&rng);
      x[3] = x[0];
      x[4] = hot ? 1.0f : 0.0f;
      x[5] = hot ? 0.0f : 1.0f;
      data->y_value[i] = 2.0 * x[0] - x[1] + 0.5 * x[2] + (hot ? 3.0 : -1.0) + 10.0;
    }
  model = fit_new ("linear", NULL, data, NULL);
  g_assert_cmpfloat (r2 (model, data), >, 1.0 - 1e-10);
}

/* Ridge against the normal equations solved here by Gaussian elimination. */
static void
test_ridge (void)
{
  g_autoptr(KilnDataset) data = make_linear (200, 4, 11, 0.5);
  KilnModelOptions options;
  g_autoptr(KilnModel) model = NULL, strong = NULL;
  double mean_x[4] = { 0 }, mean_y = 0.0, a[4][5] = { { 0 } };
  g_autoptr(JsonNode) node = NULL;
  JsonObject *params;
  guint n = data->n_rows, d = 4;

  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  options.l2 = 10.0;
  model = fit_new ("ridge", &options, data, NULL);

  for (guint i = 0; i < n; i++)
    {
      for (guint j = 0; j < d; j++)
        mean_x[j] += data->x[i * d + j] / (double) n;
      mean_y += data->y_value[i] / n;
    }
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < d; j++)
      {
        double xj = data->x[i * d + j] - mean_x[j];
        for (guint l = 0; l < d; l++)
          a[j][l] += xj * (data->x[i * d + l] - mean_x[l]);
        a[j][d] += xj * (data->y_value[i] - mean_y);
      }
  for (guint j = 0; j < d; j++)
    a[j][j] += options.l2;
  for (guint j = 0; j < d; j++)
    for (guint r = j + 1; r < d; r++)
      {
        double f = a[r][j] / a[j][j];
        for (guint l = j; l <= d; l++)
          a[r][l] -= f * a[j][l];
      }
  for (guint j = d; j-- > 0;)
    {
      for (guint l = j + 1; l < d; l++)
        a[j][d] -= a[j][l] * a[l][d];
      a[j][d] /= a[j][j];
    }

  node = kiln_model_to_json (model);
  params = json_object_get_object_member (json_node_get_object (node), "params");
  {
    double intercept = mean_y;
    for (guint j = 0; j < d; j++)
      {
        double c = json_array_get_double_element (json_object_get_array_member (params, "coef"), j);
        g_assert_cmpfloat_with_epsilon (c, a[j][d], 1e-9);
        intercept -= mean_x[j] * a[j][d];
      }
    /* the intercept is not penalised */
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (params, "intercept"), intercept, 1e-9);
  }
  assert_json_round_trip (model, data);

  /* a huge penalty leaves only the intercept: the mean of y */
  options.l2 = 1e12;
  strong = fit_new ("ridge", &options, data, NULL);
  {
    double p;
    float zero[4] = { 0 };
    KilnDataset rows;
    kiln_dataset_init_dense (&rows, zero, 1, data->n_features);
    kiln_model_predict (strong, &rows, &p);
    g_assert_cmpfloat_with_epsilon (p, mean_y, 1e-3);
  }
}

/* ---- Logistic regression ----------------------------------------------------------------- */

/* The optimality condition of sum log-loss + l2/2 ||W||^2: the gradient vanishes. Recomputed
 * here from the predicted probabilities and the stored weights. */
static void
assert_logreg_optimal (KilnModel         *model,
                       const KilnDataset *data,
                       double             l2)
{
  guint n = data->n_rows, d = data->n_features, k = data->n_classes;
  guint n_out = k == 2 ? 1 : k;
  g_autofree double *p = g_new (double, (gsize) n * k);
  g_autofree double *grad = g_new0 (double, (gsize) n_out * (d + 1));
  g_autoptr(JsonNode) node = kiln_model_to_json (model);
  JsonObject *params = json_object_get_object_member (json_node_get_object (node), "params");
  JsonArray *coef = json_object_get_array_member (params, "coef");
  double max_grad = 0.0, scale = 0.0;

  g_assert_cmpuint (json_array_get_length (coef), ==, n_out * d);
  kiln_model_predict (model, data, p);
  for (guint i = 0; i < n; i++)
    for (guint c = 0; c < n_out; c++)
      {
        guint cls = k == 2 ? 1 : c;
        double r = p[(gsize) i * k + cls] - (data->y_class[i] == (gint32) cls);
        for (guint j = 0; j < d; j++)
          grad[c * (d + 1) + j] += r * data->x[(gsize) i * d + j];
        grad[c * (d + 1) + d] += r;
      }
  for (guint c = 0; c < n_out; c++)
    for (guint j = 0; j < d; j++)
      grad[c * (d + 1) + j] += l2 * json_array_get_double_element (coef, c * d + j);
  for (guint i = 0; i < n_out * (d + 1); i++)
    max_grad = MAX (max_grad, fabs (grad[i]));
  for (guint i = 0; i < n * d; i++)
    scale += fabs (data->x[i]);
  /* Stopping as scikit-learn's lbfgs does (pgtol 1e-4, factr 1e7) leaves a summed gradient of a
   * few 1e-4 at most; per row that is below 1e-5, where a wrong gradient or a missing penalty
   * would leave something of the order of 0.1. */
  g_test_message ("logreg: max |gradient| %.3g (%.3g per row; sum |x| %.3g)", max_grad, max_grad / n, scale);
  g_assert_cmpfloat (max_grad / n, <, 1e-5);
}

static void
test_logreg_multiclass (void)
{
  g_autoptr(KilnDataset) data = make_blobs (600, 5, 4, 3.0, 5);
  g_autoptr(KilnDataset) test = make_blobs (400, 5, 4, 3.0, 6);
  g_autoptr(KilnModel) model = fit_new ("logreg", NULL, data, NULL);
  double importances[5];

  g_assert_cmpfloat (accuracy (model, test), >, 0.85);
  assert_logreg_optimal (model, data, 1.0);
  assert_json_round_trip (model, data);
  g_assert_true (kiln_model_get_importances (model, importances));
  /* feature 4 carries no class information */
  g_assert_cmpfloat (importances[4], <, importances[0]);
}

static void
test_logreg_binary (void)
{
  g_autoptr(KilnDataset) data = make_blobs (400, 3, 2, 1.5, 8);
  KilnModelOptions options;
  g_autoptr(KilnModel) model = NULL, weak = NULL;

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.l2 = 0.1;
  model = fit_new ("logreg", &options, data, NULL);
  g_assert_cmpfloat (accuracy (model, data), >, 0.8);
  assert_logreg_optimal (model, data, 0.1);
  assert_json_round_trip (model, data);

  options.l2 = 1000.0;
  weak = fit_new ("logreg", &options, data, NULL);
  assert_logreg_optimal (weak, data, 1000.0);
}

static void
test_logreg_separable (void)
{
  /* Perfectly separable: without the penalty the weights would run off to infinity. */
  g_autoptr(KilnDataset) data = make_blobs (200, 2, 3, 12.0, 9);
  g_autoptr(KilnModel) model = fit_new ("logreg", NULL, data, NULL);

  g_assert_cmpfloat (accuracy (model, data), ==, 1.0);
  assert_logreg_optimal (model, data, 1.0);
}

/* ---- MLP -------------------------------------------------------------------------------- */

typedef struct {
  guint      epochs;
  double     best_val_loss;
  guint      best_epoch;
  KilnModel *best;
  guint      cancel_at;
  GCancellable *cancellable;
  double     last_train_loss;
} EpochLog;

static void
on_epoch (guint      epoch,
          double     train_loss,
          double     val_loss,
          double     val_metric,
          KilnModel *snapshot,
          gpointer   user_data)
{
  EpochLog *log = user_data;

  g_assert_cmpuint (epoch, ==, log->epochs + 1);
  log->epochs = epoch;
  g_assert_true (isfinite (train_loss));
  g_assert_true (isfinite (val_loss));
  g_assert_true (val_metric >= -1.0 && val_metric <= 1.0);
  log->last_train_loss = train_loss;
  if (val_loss < log->best_val_loss)
    {
      g_assert_nonnull (snapshot);
      log->best_val_loss = val_loss;
      log->best_epoch = epoch;
      g_clear_pointer (&log->best, kiln_model_unref);
      log->best = kiln_model_ref (snapshot);
    }
  else
    g_assert_null (snapshot);
  if (log->cancel_at != 0 && epoch == log->cancel_at)
    g_cancellable_cancel (log->cancellable);
}

/* Mean log-loss of a model on data, recomputed from its probabilities. */
static double
log_loss (KilnModel         *model,
          const KilnDataset *data)
{
  guint k = data->n_classes;
  g_autofree double *p = g_new (double, (gsize) data->n_rows * k);
  double loss = 0.0;

  kiln_model_predict (model, data, p);
  for (guint i = 0; i < data->n_rows; i++)
    loss -= log (p[(gsize) i * k + data->y_class[i]]);
  return loss / data->n_rows;
}

static void
test_mlp_classification (void)
{
  g_autoptr(KilnDataset) train = make_blobs (1000, 6, 5, 3.5, 21);
  g_autoptr(KilnDataset) val = make_blobs (300, 6, 5, 3.5, 22);
  KilnModelOptions options;
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  EpochLog log = { 0, INFINITY, 0, NULL, 0, NULL, 0 };
  KilnFitMonitor monitor = { on_epoch, NULL, &log };

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.hidden[0] = 32;
  options.hidden[1] = 16;
  options.hidden[2] = 0;
  options.epochs = 60;
  options.learning_rate = 0.01;
  model = kiln_model_new ("mlp", &options, &error);
  g_assert_no_error (error);
  kiln_model_fit (model, train, val, &monitor, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log.epochs, >, 5);
  g_assert_nonnull (log.best);
  g_assert_cmpfloat (accuracy (model, val), >, 0.9);
  /* the returned model is the best epoch's, and so is the last snapshot */
  g_assert_cmpfloat_with_epsilon (log_loss (model, val), log.best_val_loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (log_loss (log.best, val), log.best_val_loss, 1e-5);
  assert_json_round_trip (model, val);
  assert_json_round_trip (log.best, val);
  g_assert_false (kiln_model_get_importances (model, (double[6]) { 0 }));
  kiln_model_unref (log.best);
}

static void
test_mlp_regression_scaled (void)
{
  /* A target in the thousands: the internal standardisation makes this easy. */
  g_autoptr(KilnDataset) train = make_linear (2000, 4, 31, 0.1);
  g_autoptr(KilnDataset) test = make_linear (500, 4, 32, 0.1);
  KilnModelOptions options;
  g_autoptr(KilnModel) model = NULL;

  for (guint i = 0; i < train->n_rows; i++)
    train->y_value[i] = 5000.0 + 1000.0 * train->y_value[i];
  for (guint i = 0; i < test->n_rows; i++)
    test->y_value[i] = 5000.0 + 1000.0 * test->y_value[i];
  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  options.epochs = 100;
  model = fit_new ("mlp", &options, train, NULL);
  g_test_message ("MLP regression R^2 %.4f", r2 (model, test));
  g_assert_cmpfloat (r2 (model, test), >, 0.99);
  assert_json_round_trip (model, test);
}

static void
test_mlp_deterministic (void)
{
  g_autoptr(KilnDataset) train = make_blobs (700, 4, 3, 1.5, 41);
  KilnModelOptions options;
  g_autoptr(KilnModel) a = NULL, b = NULL, c = NULL;
  g_autoptr(JsonNode) ja = NULL, jb = NULL, jc = NULL;
  g_autofree char *sa = NULL, *sb = NULL, *sc = NULL;

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.epochs = 15;
  options.batch_size = 64;
  a = fit_new ("mlp", &options, train, train);
  b = fit_new ("mlp", &options, train, train);
  options.seed = 43;
  c = fit_new ("mlp", &options, train, train);
  ja = kiln_model_to_json (a);
  jb = kiln_model_to_json (b);
  jc = kiln_model_to_json (c);
  sa = json_to_string (json_object_get_member (json_node_get_object (ja), "params"), FALSE);
  sb = json_to_string (json_object_get_member (json_node_get_object (jb), "params"), FALSE);
  sc = json_to_string (json_object_get_member (json_node_get_object (jc), "params"), FALSE);
  g_assert_cmpstr (sa, ==, sb);
  g_assert_cmpstr (sa, !=, sc);
}

static void
test_mlp_cancel (void)
{
  g_autoptr(KilnDataset) train = make_blobs (800, 4, 3, 1.5, 51);
  g_autoptr(KilnDataset) val = make_blobs (200, 4, 3, 1.5, 52);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  KilnModelOptions options;
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  EpochLog log = { 0, INFINITY, 0, NULL, 4, cancellable, 0 };
  KilnFitMonitor monitor = { on_epoch, NULL, &log };

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.epochs = 100;
  model = kiln_model_new ("mlp", &options, &error);
  g_assert_false (kiln_model_fit (model, train, val, &monitor, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* cancelled within the next mini-batch: no further epoch */
  g_assert_cmpuint (log.epochs, ==, 4);
  g_assert_false (kiln_model_is_fitted (model));
  g_assert_nonnull (log.best);
  g_assert_cmpfloat_with_epsilon (log_loss (log.best, val), log.best_val_loss, 1e-5);
  kiln_model_unref (log.best);
}

static void
test_mlp_no_hidden (void)
{
  g_autoptr(KilnDataset) train = make_blobs (500, 3, 3, 3.0, 61);
  KilnModelOptions options;
  g_autoptr(KilnModel) model = NULL;

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.hidden[0] = 0;
  options.epochs = 100;
  options.learning_rate = 0.05;
  model = fit_new ("mlp", &options, train, NULL);
  g_assert_cmpfloat (accuracy (model, train), >, 0.9);
  assert_json_round_trip (model, train);
}

static void
test_dataset_rows (void)
{
  g_autoptr(KilnDataset) data = make_linear (10, 3, 71, 0.0);
  guint32 rows[] = { 9, 0, 4 };
  g_autoptr(KilnDataset) sub = kiln_dataset_new_rows (data, rows, 3);

  g_assert_cmpuint (sub->n_rows, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpmem (sub->x + i * 3, 3 * sizeof (float), data->x + rows[i] * 3, 3 * sizeof (float));
      g_assert_cmpfloat (sub->y_value[i], ==, data->y_value[rows[i]]);
    }
  g_assert_true (kiln_dataset_check (sub, FALSE, NULL));
}

static void
test_rng (void)
{
  KilnRng a, b, s0, s1;
  guint counts[7] = { 0 };
  guint32 perm[100];
  guint64 seen = 0;

  kiln_rng_init (&a, 42);
  kiln_rng_init (&b, 42);
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (kiln_rng_next (&a), ==, kiln_rng_next (&b));
  kiln_rng_init_stream (&s0, 42, 0);
  kiln_rng_init_stream (&s1, 42, 1);
  g_assert_cmpuint (kiln_rng_next (&s0), !=, kiln_rng_next (&s1));
  for (guint i = 0; i < 70000; i++)
    counts[kiln_rng_uniform (&a, 7)]++;
  for (guint c = 0; c < 7; c++)
    g_assert_cmpuint (ABS ((int) counts[c] - 10000), <, 500);
  for (guint i = 0; i < 1000; i++)
    {
      double u = kiln_rng_double (&a);
      float f = kiln_rng_float (&a);
      g_assert_true (u >= 0.0 && u < 1.0);
      g_assert_true (f >= 0.0f && f < 1.0f);
    }
  kiln_rng_permutation (&a, perm, 100);
  for (guint i = 0; i < 100; i++)
    {
      g_assert_cmpuint (perm[i], <, 100);
      seen += perm[i];
    }
  g_assert_cmpuint (seen, ==, 4950);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/registry", test_registry);
  g_test_add_func ("/models/options-defaults", test_options_defaults);
  g_test_add_func ("/models/bad-data", test_bad_data);
  g_test_add_func ("/models/bad-json", test_bad_json);
  g_test_add_func ("/models/dataset-rows", test_dataset_rows);
  g_test_add_func ("/models/rng", test_rng);
  g_test_add_func ("/models/linear/exact", test_linear_exact);
  g_test_add_func ("/models/linear/collinear", test_linear_collinear);
  g_test_add_func ("/models/ridge/normal-equations", test_ridge);
  g_test_add_func ("/models/logreg/multiclass", test_logreg_multiclass);
  g_test_add_func ("/models/logreg/binary", test_logreg_binary);
  g_test_add_func ("/models/logreg/separable", test_logreg_separable);
  g_test_add_func ("/models/mlp/classification", test_mlp_classification);
  g_test_add_func ("/models/mlp/regression-scaled", test_mlp_regression_scaled);
  g_test_add_func ("/models/mlp/deterministic", test_mlp_deterministic);
  g_test_add_func ("/models/mlp/cancel", test_mlp_cancel);
  g_test_add_func ("/models/mlp/no-hidden", test_mlp_no_hidden);
  return g_test_run ();
}
