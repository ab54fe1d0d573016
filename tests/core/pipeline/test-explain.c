/* test-explain.c: permutation importance and sampled Shapley contributions (kiln-explain.h) and
 * their raw-column grouping for a bundle (kiln-bundle-explain.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-explain"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-bundle-explain.h"
#include "kiln-csv.h"
#include "kiln-pipeline.h"
#include "kiln-rng.h"

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

static KilnBundle *
train (KilnFrame *frame, const char *target, const char *model)
{
  g_autoptr(GError) error = NULL;
  KilnPipelineOptions options;
  KilnPipelineResult result;
  KilnBundle *bundle;

  kiln_pipeline_options_init (&options, target, model);
  g_assert_true (kiln_pipeline_run (frame, NULL, &options, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  bundle = kiln_bundle_ref (result.bundle);
  kiln_pipeline_result_clear (&result);
  kiln_pipeline_options_clear (&options);
  return bundle;
}

/* What a family's explanation decomposes, for penguins' three species or a regression. */
static const char *
expected_kind (const char *family,
               gboolean    regression)
{
  if (regression)
    return "value";
  if (strcmp (family, "logreg") == 0 || strcmp (family, "gbt") == 0)
    return "margin";
  return "probability";
}

static gboolean
expected_exact (const char *family)
{
  static const char * const exact[] = { "logreg", "linear", "ridge", "tree", "forest", "gbt" };

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++)
    if (strcmp (family, exact[i]) == 0)
      return TRUE;
  return FALSE;
}

/* base + sum of contributions = output for every row, in every family; one group per raw column
 * (penguins' categorical island and sex folded back from their one-hot levels); the exact
 * families say so and give no errors. */
static void
test_additive (void)
{
  g_autoptr(KilnFrame) penguins = load_dataset ("penguins.csv");
  static const char * const families[] = { "logreg", "tree", "forest", "gbt", "knn", "nb", "mlp" };
  static const char * const reg_families[] = { "linear", "ridge", "tree", "forest", "gbt", "knn" };

  for (guint t = 0; t < 2; t++)
    for (guint f = 0; f < (t ? G_N_ELEMENTS (reg_families) : G_N_ELEMENTS (families)); f++)
      {
        const char *family = t ? reg_families[f] : families[f];
        g_autoptr(KilnBundle) bundle = train (penguins, t ? "body_mass_g" : "species", family);
        g_autoptr(JsonNode) node = NULL;
        g_autoptr(GError) error = NULL;
        KilnExplainOptions options;
        JsonObject *o;
        JsonArray *rows;

        kiln_explain_options_init (&options);
        options.n_rows = 20;
        options.n_samples = 50;
        node = kiln_bundle_explain (bundle, penguins, &options, &error);
        g_assert_no_error (error);
        o = json_node_get_object (node);
        g_assert_cmpstr (json_object_get_string_member (o, "output_kind"), ==,
                         expected_kind (family, t));
        g_assert_cmpint (json_object_get_boolean_member (o, "exact"), ==, expected_exact (family));
        g_assert_cmpstr (json_object_get_string_member (o, "method"), ==,
                         !expected_exact (family) ? "sampled Shapley"
                         : strcmp (family, "logreg") == 0 || strcmp (family, "linear") == 0
                           || strcmp (family, "ridge") == 0 ? "linear" : "TreeSHAP");
        rows = json_object_get_array_member (o, "rows");
        g_assert_cmpuint (json_array_get_length (rows), ==, 20);
        for (guint r = 0; r < 20; r++)
          {
            JsonObject *row = json_array_get_object_element (rows, r);
            JsonObject *c = json_object_get_object_member (row, "contributions");
            double sum = json_object_get_double_member (row, "base");
            double output = json_object_get_double_member (row, "output");
            JsonNode *base = json_object_get_member (o, "base");

            /* the row's base is its class's (or the only) base */
            if (t)
              g_assert_cmpfloat (json_node_get_double (base), ==, sum);
            else
              g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (base),
                                                                json_object_get_string_member (row, "prediction")),
                                 ==, sum);
            g_assert_cmpint (json_object_has_member (row, "errors"), !=, expected_exact (family));
            /* the raw columns, the target excepted */
            g_assert_cmpuint (json_object_get_size (c), ==, 6);
            g_assert_true (json_object_has_member (c, "island"));
            g_assert_true (json_object_has_member (c, t ? "species" : "body_mass_g"));
            g_assert_false (json_object_has_member (c, "island=Dream"));
            for (GList *l = json_object_get_members (c), *m = l; m; m = m->next)
              {
                sum += json_object_get_double_member (c, m->data);
                if (m->next == NULL)
                  g_list_free (l);
              }
            if (fabs (sum - output) > 1e-6 * MAX (1.0, fabs (output)))
              g_error ("%s: row %u: base + contributions = %.12g, output %.12g", family, r, sum,
                       output);
            /* the output is the model's own: its value (checked below for the probability of
             * the exact families) */
            if (t && strcmp (family, "knn") != 0)
              g_assert_cmpfloat_with_epsilon (output, json_object_get_double_member (row, "prediction"),
                                              1e-9 * MAX (1.0, fabs (output)));
          }
      }
}

/* Permutation importance: the same seed gives the same numbers; the column the target is made
 * of matters, the noise column does not. */
/* The window's one-row explanation: additive, one contribution per raw column, the prediction
 * the bundle makes for that row, the same numbers for the same seed. */
static void
test_row (void)
{
  g_autoptr(KilnFrame) penguins = load_dataset ("penguins.csv");
  g_autoptr(KilnBundle) bundle = train (penguins, "species", "forest");
  g_autoptr(GError) error = NULL;
  KilnExplainOptions options;

  kiln_explain_options_init (&options);
  for (guint row = 0; row < kiln_frame_get_n_rows (penguins); row += 97)
    {
      g_autoptr(KilnRowExplanation) e = kiln_bundle_explain_row (bundle, penguins, row, &options, &error);
      g_autoptr(KilnRowExplanation) again = kiln_bundle_explain_row (bundle, penguins, row, &options, &error);
      double sum = 0;

      g_assert_no_error (error);
      g_assert_nonnull (e);
      g_assert_cmpstr (e->output_kind, ==, "probability");
      /* island, bill and flipper lengths, bill depth, body mass, sex: the raw columns */
      g_assert_cmpuint (e->n_columns, ==, kiln_frame_get_n_columns (penguins) - 1);
      for (guint c = 0; c < e->n_columns; c++)
        {
          g_assert_true (isfinite (e->contributions[c]));
          g_assert_cmpfloat (e->contributions[c], ==, again->contributions[c]);
          g_assert_nonnull (strchr ("ibfs", e->columns[c][0]));
          sum += e->contributions[c];
        }
      g_assert_cmpfloat_with_epsilon (e->base + sum, e->output, 1e-9);
      g_assert_cmpfloat (e->output, >, 0.0);
      g_assert_cmpfloat (e->output, <=, 1.0);
      g_assert_true (g_strcmp0 (e->prediction, "Adelie") == 0 || g_strcmp0 (e->prediction, "Gentoo") == 0 ||
                     g_strcmp0 (e->prediction, "Chinstrap") == 0);
    }
}

static void
test_importance (void)
{
  g_autoptr(KilnDataset) data = kiln_dataset_new (400, 3, KILN_TASK_REGRESSION, 0);
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  static const guint idx[] = { 0, 1, 2 };
  KilnFeatureGroup groups[3] = {
    { "signal", 1, &idx[0], 0, NULL },
    { "weak", 1, &idx[1], 0, NULL },
    { "noise", 1, &idx[2], 0, NULL },
  };
  KilnModelOptions options;
  double m1[3], s1[3], m2[3], s2[3], m3[3], s3[3], base;
  KilnRng rng;

  kiln_rng_init (&rng, 3);
  for (guint i = 0; i < 400; i++)
    {
      for (guint j = 0; j < 3; j++)
        data->x[i * 3 + j] = (float) kiln_rng_normal (&rng);
      data->y_value[i] = 4 * data->x[i * 3] + 0.5 * data->x[i * 3 + 1] + 0.1 * kiln_rng_normal (&rng);
    }
  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  model = kiln_model_new ("linear", &options, &error);
  g_assert_true (kiln_model_fit (model, data, NULL, NULL, NULL, &error));

  kiln_permutation_importance (model, data, groups, 3, 5, 42, m1, s1, &base);
  kiln_permutation_importance (model, data, groups, 3, 5, 42, m2, s2, NULL);
  kiln_permutation_importance (model, data, groups, 3, 5, 7, m3, s3, NULL);
  g_assert_cmpfloat (base, >, 0.99);
  for (guint g = 0; g < 3; g++)
    {
      g_assert_cmpfloat (m1[g], ==, m2[g]);
      g_assert_cmpfloat (s1[g], ==, s2[g]);
    }
  g_assert_cmpfloat (m1[0], !=, m3[0]);
  /* shuffling the signal destroys the fit (R² drop near 2 x its share), the noise nothing */
  g_assert_cmpfloat (m1[0], >, 1.0);
  g_assert_cmpfloat (m1[1], >, 0.01);
  g_assert_cmpfloat (m1[1], <, m1[0]);
  g_assert_cmpfloat (fabs (m1[2]), <, 0.001);
}

/* For a linear model every pass credits w_j (x_j - z_j) to feature j whatever the order, so the
 * sampled value is w_j (x_j - mean z_j) exactly: checked against the model's own predictions. */
static void
test_linear_exact (void)
{
  g_autoptr(KilnDataset) data = kiln_dataset_new (50, 2, KILN_TASK_REGRESSION, 0);
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(KilnShapleySampler) sampler = NULL;
  g_autoptr(GError) error = NULL;
  static const guint idx[] = { 0, 1 };
  KilnFeatureGroup groups[2] = { { "a", 1, &idx[0], 0, NULL }, { "b", 1, &idx[1], 0, NULL } };
  KilnModelOptions options;
  double contrib[2], errors[2], output, w[2], b0;
  float probe[3][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 } };
  double pred[3];
  KilnDataset view;
  KilnRng rng;

  kiln_rng_init (&rng, 5);
  for (guint i = 0; i < 50; i++)
    {
      data->x[i * 2] = (float) kiln_rng_normal (&rng);
      data->x[i * 2 + 1] = (float) kiln_rng_normal (&rng);
      data->y_value[i] = 2 * data->x[i * 2] - 3 * data->x[i * 2 + 1] + 1 + 0.2 * kiln_rng_normal (&rng);
    }
  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  model = kiln_model_new ("linear", &options, &error);
  g_assert_true (kiln_model_fit (model, data, NULL, NULL, NULL, &error));
  kiln_dataset_init_dense (&view, &probe[0][0], 3, 2);
  kiln_model_predict (model, &view, pred);
  b0 = pred[0];
  w[0] = pred[1] - b0;
  w[1] = pred[2] - b0;

  sampler = kiln_shapley_sampler_new (model, data, groups, 2, 300, 9);
  for (guint r = 0; r < 5; r++)
    {
      output = kiln_shapley_explain_row (sampler, data, r, 0, contrib, errors);
      g_assert_cmpfloat_with_epsilon (kiln_shapley_sampler_get_base (sampler, 0) + contrib[0] + contrib[1],
                                      output, 1e-9);
      /* w_j (x_j - mean z_j) with mean z_j = (base - b0 - w_other mean z_other) / w_j is not
       * needed: the contributions differ between rows by exactly w_j (x_j - x'_j) */
      if (r > 0)
        {
          double c0[2], e0[2];
          kiln_shapley_explain_row (sampler, data, 0, 0, c0, e0);
          for (guint j = 0; j < 2; j++)
            g_assert_cmpfloat_with_epsilon (contrib[j] - c0[j],
                                            w[j] * (data->x[r * 2 + j] - data->x[j]), 1e-4);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain/additive", test_additive);
  g_test_add_func ("/explain/row", test_row);
  g_test_add_func ("/explain/importance", test_importance);
  g_test_add_func ("/explain/linear-exact", test_linear_exact);
  return g_test_run ();
}
