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

/* ---- TreeSHAP against brute force ------------------------------------------------------------ */

/* One tree as the brute force reads it from the model's JSON, for one row: node 0 the root. */
typedef struct {
  guint    n;
  gint32  *left, *right;  /* -1 at leaves */
  guint   *group;         /* internal nodes: the player */
  guint8  *hot;           /* internal nodes: the row goes left */
  double  *cover, *value;
  double   scale;         /* its weight in the score */
} BruteTree;

static void
brute_tree_clear (BruteTree *t)
{
  g_free (t->left);
  g_free (t->right);
  g_free (t->group);
  g_free (t->hot);
  g_free (t->cover);
  g_free (t->value);
}

static void
brute_tree_alloc (BruteTree *t, guint n, double scale)
{
  t->n = n;
  t->left = g_new (gint32, n);
  t->right = g_new (gint32, n);
  t->group = g_new0 (guint, n);
  t->hot = g_new0 (guint8, n);
  t->cover = g_new (double, n);
  t->value = g_new0 (double, n);
  t->scale = scale;
}

/* The path-dependent expectation of the tree with the players of @set known (Lundberg et al.'s
 * EXPVALUE): a known player's split follows the row, an unknown one weighs both branches by
 * their cover. */
static double
brute_value (const BruteTree *t, guint j, guint set)
{
  if (t->left[j] < 0)
    return t->value[j];
  if (set & (1u << t->group[j]))
    return brute_value (t, (guint) (t->hot[j] ? t->left[j] : t->right[j]), set);
  return (t->cover[t->left[j]] * brute_value (t, (guint) t->left[j], set)
          + t->cover[t->right[j]] * brute_value (t, (guint) t->right[j], set)) / t->cover[j];
}

static double
brute_game (const BruteTree *trees, guint n_trees, guint set)
{
  double v = 0.0;

  for (guint t = 0; t < n_trees; t++)
    v += trees[t].scale * brute_value (&trees[t], 0, set);
  return v;
}

/* Shapley values by every subset: phi_i = sum over S without i of |S|! (n - |S| - 1)! / n!
 * (v(S + i) - v(S)). */
static void
brute_shapley (const BruteTree *trees, guint n_trees, guint n_players, double *phi)
{
  double fact[16] = { 1.0 };

  for (guint i = 1; i < 16; i++)
    fact[i] = fact[i - 1] * i;
  for (guint i = 0; i < n_players; i++)
    {
      phi[i] = 0.0;
      for (guint set = 0; set < (1u << n_players); set++)
        if (!(set & (1u << i)))
          {
            guint size = (guint) __builtin_popcount (set);
            phi[i] += fact[size] * fact[n_players - size - 1] / fact[n_players]
                      * (brute_game (trees, n_trees, set | (1u << i)) - brute_game (trees, n_trees, set));
          }
    }
}

static double *
json_numbers (JsonObject *o, const char *name, gsize *n)
{
  g_autoptr(GError) error = NULL;
  gssize len = kiln_model_json_get_length (o, name, &error);
  double *out;

  g_assert_no_error (error);
  g_assert_cmpint (len, >=, 0);
  out = g_new (double, MAX (len, 1));
  g_assert_true (kiln_model_json_get_numbers (o, name, out, len, &error));
  g_assert_no_error (error);
  if (n)
    *n = len;
  return out;
}

/* A tree or forest (CART, packed) for row @x of the one-hot view and class @output. */
static BruteTree *
brute_cart (JsonObject *trees_obj, const float *x, const guint *view_group, gboolean cls,
            guint output, guint *n_trees)
{
  gsize nt;
  g_autofree double *tree_nodes = json_numbers (trees_obj, "tree_nodes", &nt);
  g_autofree double *feature = json_numbers (trees_obj, "feature", NULL);
  g_autofree double *threshold = json_numbers (trees_obj, "threshold", NULL);
  g_autofree double *right = json_numbers (trees_obj, "right", NULL);
  g_autofree double *cover = json_numbers (trees_obj, "cover", NULL);
  g_autofree double *value = json_numbers (trees_obj, "value", NULL);
  g_autofree double *nnz = cls ? json_numbers (trees_obj, "leaf_nnz", NULL) : NULL;
  g_autofree double *value_class = cls ? json_numbers (trees_obj, "value_class", NULL) : NULL;
  BruteTree *trees = g_new0 (BruteTree, nt);
  gsize at = 0, ai = 0, li = 0, vi = 0;

  for (guint t = 0; t < nt; t++)
    {
      BruteTree *b = &trees[t];

      brute_tree_alloc (b, (guint) tree_nodes[t], 1.0 / nt);
      for (guint i = 0; i < b->n; i++, at++)
        {
          gint32 f = (gint32) feature[at];

          b->cover[i] = cover[at];
          if (f >= 0)
            {
              b->left[i] = (gint32) i + 1;
              b->right[i] = (gint32) i + (gint32) right[ai];
              b->hot[i] = (double) x[f] <= threshold[ai];
              b->group[i] = view_group[f];
              ai++;
            }
          else
            {
              b->left[i] = b->right[i] = -1;
              if (!cls)
                b->value[i] = value[li];
              else
                for (guint e = 0; e < (guint) nnz[li]; e++, vi++)
                  if ((guint) value_class[vi] == output)
                    b->value[i] = value[vi];
              li++;
            }
        }
    }
  *n_trees = nt;
  return trees;
}

/* Boosted trees for row @row of @data and class @output (two classes: class 1's log-odds, negated
 * for class 0). */
static BruteTree *
brute_gbt (JsonObject *params, const KilnDataset *data, guint row, const guint *column_group,
           guint output, guint *n_trees)
{
  JsonObject *o = json_object_get_object_member (params, "trees");
  guint k = (guint) json_object_get_int_member (params, "n_outputs");
  gsize nt;
  g_autofree double *tree_nodes = json_numbers (o, "tree_nodes", &nt);
  g_autofree double *left = json_numbers (o, "left", NULL);
  g_autofree double *right = json_numbers (o, "right", NULL);
  g_autofree double *info = json_numbers (o, "info", NULL);
  g_autofree double *split = json_numbers (o, "split", NULL);
  g_autofree double *leaf = json_numbers (o, "leaf", NULL);
  g_autofree double *words = json_numbers (o, "tree_cat_words", NULL);
  g_autofree double *cat_bits = json_numbers (o, "cat_bits", NULL);
  g_autofree double *cover = json_numbers (o, "cover", NULL);
  const float *x = data->x + (gsize) row * data->n_features;
  const guint32 *codes = data->codes + (gsize) row * data->n_categorical;
  double sign = data->task == KILN_TASK_CLASSIFICATION && k == 1 && output == 0 ? -1.0 : 1.0;
  BruteTree *trees = g_new0 (BruteTree, nt);
  gsize at = 0, at_leaf = 0, at_cover = 0, at_word = 0;
  guint m = 0;

  for (guint t = 0; t < nt; t++)
    {
      guint n = (guint) tree_nodes[t];
      gboolean mine = t % k == (k == 1 ? 0 : output);
      BruteTree *b = &trees[m];

      if (mine)
        brute_tree_alloc (b, 2 * n + 1, sign);
      for (guint j = 0; j < n; j++, at++)
        {
          guint32 in = (guint32) info[at], bits = (guint32) split[at];
          guint f = in & 0x1fffffffu;
          gint32 l = (gint32) left[at], r = (gint32) right[at];

          if (!mine)
            continue;
          b->left[j] = l >= 0 ? l : (gint32) n + ~l;
          b->right[j] = r >= 0 ? r : (gint32) n + ~r;
          if (in & 0x40000000u)
            {
              guint c = f - data->n_features;
              guint32 code = codes[c];
              guint32 word = (guint32) cat_bits[at_word + bits + code / 32];

              b->hot[j] = (word >> (code % 32)) & 1;
              b->group[j] = column_group[data->n_features + c];
            }
          else
            {
              float thr;

              memcpy (&thr, &bits, sizeof thr);
              b->hot[j] = x[f] <= thr;
              b->group[j] = column_group[f];
            }
        }
      for (guint j = 0; j < 2 * n + 1; j++)
        if (mine)
          b->cover[j] = cover[at_cover + j];
      for (guint l = 0; l <= n; l++)
        if (mine)
          {
            b->left[n + l] = b->right[n + l] = -1;
            b->value[n + l] = leaf[at_leaf + l];
          }
      at_leaf += n + 1;
      at_cover += 2 * n + 1;
      at_word += (gsize) words[t];
      m += mine;
    }
  *n_trees = m;
  return trees;
}

/* Small trees (depth <= 4, five features in four players: x2 and x3 one player, the categorical
 * column's levels one): TreeSHAP equals the Shapley values of the path-dependent game computed by
 * every subset, to 1e-9, for every class, and base + sum = the model's own score. */
static void
test_tree_shap_brute (void)
{
  static const guint n_levels[1] = { 3 };
  static const guint column_group[5] = { 0, 1, 2, 2, 3 };
  static const guint view_group[7] = { 0, 1, 2, 2, 3, 3, 3 };
  static const char * const families[] = { "tree", "forest", "gbt" };
  KilnRng rng;

  for (guint task = 0; task < 3; task++)
    {
      /* regression, three classes, two classes */
      KilnTask kt = task == 0 ? KILN_TASK_REGRESSION : KILN_TASK_CLASSIFICATION;
      guint n_classes = task == 0 ? 0 : task == 1 ? 3 : 2;
      g_autoptr(KilnDataset) data = kiln_dataset_new_coded (300, 4, 1, n_levels, kt, n_classes);

      kiln_rng_init (&rng, 11 + task);
      for (guint i = 0; i < 300; i++)
        {
          float *x = data->x + i * 4;
          double y;

          for (guint j = 0; j < 4; j++)
            x[j] = (float) kiln_rng_normal (&rng);
          data->codes[i] = (guint32) kiln_rng_below (&rng, 3);
          y = x[0] + (data->codes[i] == 1 ? 1.5 : 0.0) + x[1] * x[2] - 0.5 * x[3]
              + 0.3 * kiln_rng_normal (&rng);
          if (kt == KILN_TASK_REGRESSION)
            data->y_value[i] = y;
          else
            data->y_class[i] = n_classes == 2 ? y > 0.3 : y < -0.5 ? 0 : y < 1.0 ? 1 : 2;
        }

      for (guint f = 0; f < G_N_ELEMENTS (families); f++)
        {
          g_autoptr(KilnModel) model = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(JsonNode) json = NULL;
          JsonObject *params;
          KilnModelOptions options;
          KilnModelScore score;
          guint n_out;
          g_autofree double *pred = NULL;

          kiln_model_options_init (&options, kt);
          options.max_depth = 4;
          options.n_trees = 4;
          options.gbt.rounds = 4;
          options.gbt.max_depth = 3;
          options.gbt.max_leaves = 8;
          options.gbt.min_samples_leaf = 5;
          model = kiln_model_new (families[f], &options, &error);
          g_assert_no_error (error);
          g_assert_true (kiln_model_fit (model, data, NULL, NULL, NULL, &error));
          g_assert_no_error (error);
          g_assert_true (kiln_model_has_tree_shap (model, &score));
          json = kiln_model_to_json (model);
          params = json_object_get_object_member (json_node_get_object (json), "params");
          n_out = kiln_model_get_n_outputs (model);
          pred = g_new (double, (gsize) 300 * n_out);
          kiln_model_predict (model, data, pred);

          for (guint r = 0; r < 300; r += 23)
            for (guint c = 0; c < n_out; c++)
              {
                double phi[4], brute[4], base, value, sum;
                BruteTree *trees;
                guint n_trees;
                float view[7];

                value = kiln_model_tree_shap (model, data, r, c, column_group, 4, phi, &base);
                kiln_dataset_expand (data, r, 1, view);
                if (strcmp (families[f], "gbt") == 0)
                  trees = brute_gbt (params, data, r, column_group, c, &n_trees);
                else
                  trees = brute_cart (json_object_get_object_member (params, f == 0 ? "tree" : "trees"),
                                      view, view_group, kt == KILN_TASK_CLASSIFICATION, c, &n_trees);
                brute_shapley (trees, n_trees, 4, brute);
                sum = base;
                for (guint g = 0; g < 4; g++)
                  {
                    if (fabs (phi[g] - brute[g]) > 1e-9)
                      g_error ("%s task %u row %u class %u player %u: TreeSHAP %.15g, brute force %.15g",
                               families[f], task, r, c, g, phi[g], brute[g]);
                    sum += phi[g];
                  }
                /* the empty set's value is the base (boosting: less its starting score) */
                if (strcmp (families[f], "gbt") != 0)
                  g_assert_cmpfloat_with_epsilon (brute_game (trees, n_trees, 0), base, 1e-9);
                g_assert_cmpfloat_with_epsilon (sum, value, 1e-9);
                /* the score is the model's: the value or probability, or the boosting's raw score */
                if (score == KILN_MODEL_SCORE_LOG_ODDS)
                  g_assert_cmpfloat_with_epsilon (value, (c == 1 ? 1 : -1) * log (pred[r * 2 + 1] / pred[r * 2]), 1e-9);
                else if (score != KILN_MODEL_SCORE_MARGIN)
                  g_assert_cmpfloat_with_epsilon (value, pred[r * n_out + c], 1e-12);
                for (guint t = 0; t < n_trees; t++)
                  brute_tree_clear (&trees[t]);
                g_free (trees);
              }
          if (score == KILN_MODEL_SCORE_MARGIN)
            {
              /* the softmax of the margins is the prediction */
              for (guint r = 0; r < 300; r += 23)
                {
                  double m[3], phi[4], s = 0.0;
                  for (guint c = 0; c < 3; c++)
                    s += exp (m[c] = kiln_model_tree_shap (model, data, r, c, column_group, 4, phi, NULL));
                  for (guint c = 0; c < 3; c++)
                    g_assert_cmpfloat_with_epsilon (exp (m[c]) / s, pred[r * 3 + c], 1e-9);
                }
            }
          /* saved before the covers were recorded: loads, predicts the same, no TreeSHAP */
          {
            JsonObject *trees = json_object_get_object_member (params, f == 0 ? "tree" : "trees");
            g_autoptr(KilnModel) old = NULL;
            g_autofree double *pred_old = g_new (double, (gsize) 300 * n_out);

            json_object_remove_member (trees, "cover");
            old = kiln_model_from_json (json, &error);
            g_assert_no_error (error);
            g_assert_false (kiln_model_has_tree_shap (old, NULL));
            kiln_model_predict (old, data, pred_old);
            g_assert_cmpmem (pred, 300 * n_out * sizeof (double), pred_old, 300 * n_out * sizeof (double));
          }
          g_assert_cmpint (score, ==, kt == KILN_TASK_REGRESSION ? KILN_MODEL_SCORE_VALUE
                                      : f < 2 ? KILN_MODEL_SCORE_PROBABILITY
                                      : n_classes == 2 ? KILN_MODEL_SCORE_LOG_ODDS
                                      : KILN_MODEL_SCORE_MARGIN);
        }
    }
}

/* The exact linear decomposition against a hand computation: the weights read off the model's
 * own predictions at probe rows (for logistic regression in the logit, log (p_c / p_0)), the
 * means over the background by hand: column a gets w_a (x_a - mean_a), the categorical column
 * sum_k w_k (1[code = k] - share of k), the base the score at the means. */
static void
test_linear_hand (void)
{
  static const guint n_levels[1] = { 3 };
  static const guint da = 0, db = 1, cc = 0;
  KilnFeatureGroup groups[3] = {
    { "a", 1, &da, 0, NULL }, { "b", 1, &db, 0, NULL }, { "c", 0, NULL, 1, &cc },
  };
  static const char * const families[] = { "linear", "ridge", "logreg", "logreg" };
  KilnRng rng;

  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      KilnTask kt = f < 2 ? KILN_TASK_REGRESSION : KILN_TASK_CLASSIFICATION;
      guint n_classes = f < 2 ? 0 : f == 2 ? 2 : 3, n_out = MAX (n_classes, 1);
      g_autoptr(KilnDataset) data = kiln_dataset_new_coded (200, 2, 1, n_levels, kt, n_classes);
      g_autoptr(KilnDataset) probe = kiln_dataset_new_features (6, 2, 1, n_levels);
      g_autoptr(KilnModel) model = NULL;
      g_autoptr(KilnExactExplainer) explainer = NULL;
      g_autoptr(GError) error = NULL;
      KilnModelOptions options;
      double pp[6 * 3], z[3][6], w[3][5], mean[5] = { 0, }, base_hand[3];

      kiln_rng_init (&rng, 21 + f);
      for (guint i = 0; i < 200; i++)
        {
          double y;

          data->x[i * 2] = (float) kiln_rng_normal (&rng);
          data->x[i * 2 + 1] = (float) (2.0 + kiln_rng_normal (&rng));
          data->codes[i] = (guint32) kiln_rng_below (&rng, 3);
          y = 1.5 * data->x[i * 2] - data->x[i * 2 + 1] + (data->codes[i] == 2 ? 1.0 : 0.0)
              + 0.5 * kiln_rng_normal (&rng);
          if (kt == KILN_TASK_REGRESSION)
            data->y_value[i] = y;
          else
            data->y_class[i] = n_classes == 2 ? y > -1.5 : y < -2.5 ? 0 : y < -0.5 ? 1 : 2;
        }
      kiln_model_options_init (&options, kt);
      model = kiln_model_new (families[f], &options, &error);
      g_assert_true (kiln_model_fit (model, data, NULL, NULL, NULL, &error));
      g_assert_no_error (error);

      /* probes: the origin, a = 1, b = 1, each level of c */
      memset (probe->x, 0, 12 * sizeof (float));
      probe->x[1 * 2] = 1.0f;
      probe->x[2 * 2 + 1] = 1.0f;
      for (guint k = 0; k < 3; k++)
        probe->codes[3 + k] = k;
      kiln_model_predict (model, probe, pp);
      for (guint c = 0; c < n_out; c++)
        for (guint i = 0; i < 6; i++)
          z[c][i] = kt == KILN_TASK_REGRESSION ? pp[i] : log (pp[i * n_out + c] / pp[i * n_out]);
      for (guint c = 0; c < n_out; c++)
        for (guint j = 0; j < 5; j++)
          w[c][j] = z[c][j + 1] - z[c][0];
      for (guint i = 0; i < 200; i++)
        {
          mean[0] += data->x[i * 2] / 200.0;
          mean[1] += data->x[i * 2 + 1] / 200.0;
          mean[2 + data->codes[i]] += 1.0 / 200.0;
        }
      for (guint c = 0; c < n_out; c++)
        {
          base_hand[c] = z[c][0];
          for (guint j = 0; j < 5; j++)
            base_hand[c] += w[c][j] * mean[j];
        }

      explainer = kiln_exact_explainer_new (model, data, groups, 3);
      g_assert_nonnull (explainer);
      g_assert_cmpstr (kiln_exact_explainer_get_method (explainer), ==, "linear");
      g_assert_cmpstr (kiln_exact_explainer_get_output_kind (explainer), ==,
                       kt == KILN_TASK_REGRESSION ? "value" : n_classes == 2 ? "log-odds" : "margin");
      for (guint r = 0; r < 200; r += 17)
        {
          double contrib[3][3], base[3], out[3], hand[3][3];

          for (guint c = 0; c < n_out; c++)
            {
              hand[c][0] = w[c][0] * (data->x[r * 2] - mean[0]);
              hand[c][1] = w[c][1] * (data->x[r * 2 + 1] - mean[1]);
              hand[c][2] = 0.0;
              for (guint k = 0; k < 3; k++)
                hand[c][2] += w[c][2 + k] * ((data->codes[r] == k) - mean[2 + k]);
            }
          for (guint c = 0; c < MAX (n_classes, 1); c++)
            {
              out[c] = kiln_exact_explain_row (explainer, data, r, c, contrib[c], &base[c]);
              g_assert_cmpfloat_with_epsilon (base[c] + contrib[c][0] + contrib[c][1] + contrib[c][2],
                                              out[c], 1e-9);
            }
          if (n_classes == 0)
            {
              KilnDataset row;
              double pred;

              kiln_dataset_slice (data, r, 1, &row);
              kiln_model_predict (model, &row, &pred);
              g_assert_cmpfloat_with_epsilon (out[0], pred, 1e-9);
              g_assert_cmpfloat_with_epsilon (base[0], base_hand[0], 1e-8);
              for (guint g = 0; g < 3; g++)
                g_assert_cmpfloat_with_epsilon (contrib[0][g], hand[0][g], 1e-8);
            }
          else if (n_classes == 2)
            {
              /* class 1's log-odds, and class 0's its negation */
              g_assert_cmpfloat_with_epsilon (base[1], base_hand[1], 1e-8);
              g_assert_cmpfloat_with_epsilon (base[0], -base_hand[1], 1e-8);
              for (guint g = 0; g < 3; g++)
                {
                  g_assert_cmpfloat_with_epsilon (contrib[1][g], hand[1][g], 1e-8);
                  g_assert_cmpfloat_with_epsilon (contrib[0][g], -hand[1][g], 1e-8);
                }
            }
          else
            {
              /* margins are known up to a shift common to the classes: their differences */
              for (guint c = 1; c < 3; c++)
                {
                  g_assert_cmpfloat_with_epsilon (base[c] - base[0], base_hand[c], 1e-8);
                  for (guint g = 0; g < 3; g++)
                    g_assert_cmpfloat_with_epsilon (contrib[c][g] - contrib[0][g], hand[c][g], 1e-8);
                }
            }
        }
    }
}

/* A text model (logistic regression on a Korean review's terms): the text column is one player,
 * explained exactly in the logit; base + contribution = the row's log-odds. */
static void
test_text_row (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "reviews-ko.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) reviews = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  KilnPipelineOptions options;
  KilnPipelineResult result;
  KilnExplainOptions explain;

  g_assert_no_error (error);
  kiln_pipeline_options_init (&options, "sentiment", "logreg");
  g_strfreev (options.prep.dropped);
  options.prep.dropped = g_strsplit ("rating", ",", -1);
  g_strfreev (options.prep.text);
  options.prep.text = g_strsplit ("review", ",", -1);
  g_assert_true (kiln_pipeline_run (reviews, NULL, &options, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  kiln_explain_options_init (&explain);
  for (guint row = 0; row < kiln_frame_get_n_rows (reviews); row += 13)
    {
      g_autoptr(KilnRowExplanation) e = kiln_bundle_explain_row (result.bundle, reviews, row, &explain, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (e->n_columns, ==, 1);
      g_assert_cmpstr (e->columns[0], ==, "review");
      g_assert_true (e->exact);
      g_assert_null (e->errors);
      g_assert_cmpstr (e->output_kind, ==, "log-odds");
      g_assert_cmpfloat_with_epsilon (e->base + e->contributions[0], e->output, 1e-9);
      /* the log-odds of the class predicted: positive */
      g_assert_cmpfloat (e->output, >=, 0.0);
      /* the row's own terms, strongest first */
      g_assert_cmpuint (e->n_terms, >, 0);
      g_assert_cmpuint (e->n_terms, <=, 16);
      for (guint t = 0; t < e->n_terms; t++)
        {
          g_assert_true (g_str_has_prefix (e->terms[t], "review:"));
          if (t > 0)
            g_assert_cmpfloat (fabs (e->term_effects[t]), <=, fabs (e->term_effects[t - 1]));
        }
    }
  kiln_pipeline_result_clear (&result);
  kiln_pipeline_options_clear (&options);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain/additive", test_additive);
  g_test_add_func ("/explain/row", test_row);
  g_test_add_func ("/explain/text-row", test_text_row);
  g_test_add_func ("/explain/importance", test_importance);
  g_test_add_func ("/explain/linear-exact", test_linear_exact);
  g_test_add_func ("/explain/tree-shap-brute", test_tree_shap_brute);
  g_test_add_func ("/explain/linear-hand", test_linear_hand);
  return g_test_run ();
}
