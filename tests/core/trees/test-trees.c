/* test-trees.c: unit tests of the tree, forest, kNN and naive Bayes families on synthetic data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-model.h"
#include "kiln-rng.h"
#include "kiln-model-private.h"
#include "kiln-tree-common.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* Two classes by the sign of x0 * x1 (XOR-like: no single split separates them), plus noise
 * features, with a few rows repeated. */
static KilnDataset *
make_xor (guint n,
          guint n_noise,
          guint64 seed)
{
  KilnDataset *ds = kiln_dataset_new (n, 2 + n_noise, KILN_TASK_CLASSIFICATION, 2);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      float *x = ds->x + (gsize) i * ds->n_features;
      x[0] = (float) (kiln_rng_double (&rng) * 2.0 - 1.0);
      x[1] = (float) (kiln_rng_double (&rng) * 2.0 - 1.0);
      for (guint j = 0; j < n_noise; j++)
        x[2 + j] = (float) kiln_rng_normal (&rng);
      ds->y_class[i] = (x[0] * x[1] > 0) ? 1 : 0;
    }
  return ds;
}

/* Three classes from three features with overlapping classes; for forests and kNN. */
static KilnDataset *
make_blobs (guint    n,
            guint    d,
            guint    n_classes,
            double   spread,
            guint64  seed)
{
  KilnDataset *ds = kiln_dataset_new (n, d, KILN_TASK_CLASSIFICATION, n_classes);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      gint32 c = (gint32) kiln_rng_uniform (&rng, n_classes);
      for (guint j = 0; j < d; j++)
        ds->x[(gsize) i * d + j] = (float) ((j % n_classes == (guint) c ? 2.0 : 0.0)
                                            + spread * kiln_rng_normal (&rng));
      ds->y_class[i] = c;
    }
  return ds;
}

/* y = 3 sin(x0) + x1^2 + noise */
static KilnDataset *
make_regression (guint   n,
                 guint   d,
                 double  noise,
                 guint64 seed)
{
  KilnDataset *ds = kiln_dataset_new (n, d, KILN_TASK_REGRESSION, 0);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      float *x = ds->x + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        x[j] = (float) (kiln_rng_double (&rng) * 4.0 - 2.0);
      ds->y_value[i] = 3.0 * sin (x[0]) + (d > 1 ? x[1] * x[1] : 0.0) + noise * kiln_rng_normal (&rng);
    }
  return ds;
}

static KilnModel *
fit_model (const char         *family,
           const KilnDataset  *train,
           KilnModelOptions   *options_or_null)
{
  KilnModelOptions options;
  g_autoptr(GError) error = NULL;
  KilnModel *model;

  if (options_or_null == NULL)
    {
      kiln_model_options_init (&options, train->task);
      options_or_null = &options;
    }
  model = kiln_model_new (family, options_or_null, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_model_fit (model, train, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return model;
}

static guint
n_outputs (const KilnDataset *ds)
{
  return ds->task == KILN_TASK_CLASSIFICATION ? ds->n_classes : 1;
}

static double *
predict (KilnModel         *model,
         const KilnDataset *ds)
{
  double *out = g_new (double, (gsize) ds->n_rows * n_outputs (ds));

  kiln_model_predict (model, ds, out);
  return out;
}

static double
score (const KilnDataset *ds,
       const double      *pred)
{
  if (ds->task == KILN_TASK_CLASSIFICATION)
    {
      guint right = 0;
      for (guint i = 0; i < ds->n_rows; i++)
        {
          const double *p = pred + (gsize) i * ds->n_classes;
          guint best = 0;
          for (guint k = 1; k < ds->n_classes; k++)
            if (p[k] > p[best])
              best = k;
          right += (gint32) best == ds->y_class[i];
        }
      return (double) right / ds->n_rows;
    }
  else
    {
      double mean = 0, res = 0, tot = 0;
      for (guint i = 0; i < ds->n_rows; i++)
        mean += ds->y_value[i] / ds->n_rows;
      for (guint i = 0; i < ds->n_rows; i++)
        {
          res += (pred[i] - ds->y_value[i]) * (pred[i] - ds->y_value[i]);
          tot += (mean - ds->y_value[i]) * (mean - ds->y_value[i]);
        }
      return 1.0 - res / tot;
    }
}

static char *
model_json (KilnModel *model)
{
  g_autoptr(JsonNode) node = kiln_model_to_json (model);
  return json_to_string (node, FALSE);
}

static JsonNode *model_params (KilnModel *model);

/* The model's JSON without the trees' covers, as a model saved before they were recorded saves
 * again. */
static char *
model_json_without_cover (KilnModel *model)
{
  g_autoptr(JsonNode) node = kiln_model_to_json (model);
  JsonObject *params = json_object_get_object_member (json_node_get_object (node), "params");
  const char *member = json_object_has_member (params, "trees") ? "trees" : "tree";
  JsonObject *trees = json_object_get_object_member (params, member);

  g_assert_true (json_object_has_member (trees, "cover"));
  json_object_remove_member (trees, "cover");
  return json_to_string (node, FALSE);
}

/* The fitted parameters only (the options hold e.g. the thread count), trees in the legacy
 * layout: the recorded digests below were taken of it, and the packed layout must give back the
 * same trees bit for bit. */
static char *
params_json (KilnModel *model)
{
  g_autoptr(JsonNode) node = model_params (model);
  JsonNode *params = json_object_get_member (json_node_get_object (node), "params");
  return json_to_string (params, FALSE);
}

static KilnModel *
model_reload (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  KilnModel *model;

  g_assert_no_error (error);
  model = kiln_model_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

/* Trees are saved packed (kiln-tree-pack.c); the checks below read them as the one object of
 * arrays per tree that they were saved as before (_kiln_tree_nodes_to_json). */
static JsonNode *
legacy_trees (JsonObject *packed,
              guint       n_features,
              guint       n_outputs,
              gboolean    forest)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  KilnTreeNodes *trees = NULL;
  guint n_trees = 0;

  g_assert_true (_kiln_tree_nodes_is_packed (packed));
  g_assert_true (_kiln_tree_nodes_unpack (packed, n_features, n_outputs, &trees, &n_trees,
                                          &error));
  g_assert_no_error (error);
  if (forest)
    json_builder_begin_array (builder);
  else
    g_assert_cmpuint (n_trees, ==, 1);
  for (guint t = 0; t < n_trees; t++)
    {
      json_builder_begin_object (builder);
      _kiln_tree_nodes_to_json (&trees[t], builder);
      json_builder_end_object (builder);
      _kiln_tree_nodes_clear (&trees[t]);
    }
  g_free (trees);
  if (forest)
    json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

/* A model's JSON with its trees in the legacy layout. */
static JsonNode *
model_params (KilnModel *model)
{
  JsonNode *root = kiln_model_to_json (model);
  JsonObject *params = json_object_get_object_member (json_node_get_object (root), "params");
  gboolean forest = json_object_has_member (params, "trees");
  const char *member = forest ? "trees" : "tree";
  guint n_outputs = kiln_model_get_task (model) == KILN_TASK_CLASSIFICATION
                    ? kiln_model_get_n_classes (model) : 1;

  if (json_object_has_member (params, member))
    json_object_set_member (params, member,
                            legacy_trees (json_object_get_object_member (params, member),
                                          kiln_model_get_n_features (model), n_outputs, forest));
  return root;
}

static JsonObject *
params_of (JsonNode *root)
{
  return json_object_get_object_member (json_node_get_object (root), "params");
}

static gint64
array_int (JsonArray *a,
           guint      i)
{
  return json_array_get_int_element (a, i);
}

/* Depth of a tree object {"feature", "left", "right", ...}; -1 if malformed. */
static int
tree_depth (JsonObject *tree,
            gint64      node)
{
  JsonArray *feature = json_object_get_array_member (tree, "feature");
  JsonArray *left = json_object_get_array_member (tree, "left");
  JsonArray *right = json_object_get_array_member (tree, "right");

  if (array_int (feature, node) < 0)
    return 0;
  return 1 + MAX (tree_depth (tree, array_int (left, node)), tree_depth (tree, array_int (right, node)));
}

/* The leaf index a row lands in, walking the JSON. */
static gint64
tree_leaf (JsonObject  *tree,
           const float *row)
{
  JsonArray *feature = json_object_get_array_member (tree, "feature");
  JsonArray *threshold = json_object_get_array_member (tree, "threshold");
  JsonArray *left = json_object_get_array_member (tree, "left");
  JsonArray *right = json_object_get_array_member (tree, "right");
  gint64 node = 0;

  while (array_int (feature, node) >= 0)
    {
      gint64 f = array_int (feature, node);
      node = (double) row[f] <= json_array_get_double_element (threshold, node)
             ? array_int (left, node) : array_int (right, node);
    }
  return array_int (left, node);
}

/* ---- tree ----------------------------------------------------------------------------------- */

static void
test_tree_separates (void)
{
  g_autoptr(KilnDataset) train = make_xor (600, 3, 1);
  g_autoptr(KilnDataset) test = make_xor (400, 3, 2);
  g_autoptr(KilnModel) model = fit_model ("tree", train, NULL);
  g_autofree double *p_train = predict (model, train);
  g_autofree double *p_test = predict (model, test);
  double imp[5], sum = 0;

  /* grown to purity, a tree reproduces its (conflict-free) training set exactly */
  g_assert_cmpfloat (score (train, p_train), ==, 1.0);
  g_assert_cmpfloat (score (test, p_test), >, 0.9);
  for (guint i = 0; i < train->n_rows * 2; i++)
    g_assert_true (p_train[i] == 0.0 || p_train[i] == 1.0);

  g_assert_true (kiln_model_get_importances (model, imp));
  for (guint f = 0; f < 5; f++)
    {
      g_assert_cmpfloat (imp[f], >=, 0.0);
      sum += imp[f];
    }
  g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-12);
  /* the two informative features carry most of the decrease */
  g_assert_cmpfloat (imp[0] + imp[1], >, 0.7);
}

static void
test_tree_regression (void)
{
  g_autoptr(KilnDataset) train = make_regression (2000, 3, 0.0, 3);
  g_autoptr(KilnDataset) test = make_regression (500, 3, 0.0, 4);
  g_autoptr(KilnModel) model = fit_model ("tree", train, NULL);
  g_autofree double *p_train = predict (model, train);
  g_autofree double *p_test = predict (model, test);
  double max_err = 0;

  for (guint i = 0; i < train->n_rows; i++)
    max_err = MAX (max_err, fabs (p_train[i] - train->y_value[i]));
  g_assert_cmpfloat (max_err, <, 1e-9);
  g_test_message ("tree regression: test R2 %.4f", score (test, p_test));
  g_assert_cmpfloat (score (test, p_test), >, 0.97);
}

static void
test_tree_limits (void)
{
  g_autoptr(KilnDataset) train = make_xor (800, 2, 5);
  KilnModelOptions options;

  for (guint depth = 1; depth <= 6; depth++)
    {
      g_autoptr(KilnModel) model = NULL;
      g_autoptr(JsonNode) root = NULL;

      kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
      options.max_depth = depth;
      model = fit_model ("tree", train, &options);
      root = model_params (model);
      g_assert_cmpint (tree_depth (json_object_get_object_member (params_of (root), "tree"), 0), <=, depth);
      /* XOR needs depth 2 at least; by depth 6 the tree uses it */
      if (depth == 6)
        g_assert_cmpint (tree_depth (json_object_get_object_member (params_of (root), "tree"), 0), ==, 6);
    }

  for (guint msl = 1; msl <= 64; msl *= 4)
    {
      g_autoptr(KilnModel) model = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonObject *tree;
      g_autofree guint *count = NULL;
      guint n_leaves = 0, smallest = G_MAXUINT;
      JsonArray *feature;

      kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
      options.min_samples_leaf = msl;
      model = fit_model ("tree", train, &options);
      root = model_params (model);
      tree = json_object_get_object_member (params_of (root), "tree");
      feature = json_object_get_array_member (tree, "feature");
      for (guint i = 0; i < json_array_get_length (feature); i++)
        n_leaves += array_int (feature, i) < 0;
      count = g_new0 (guint, n_leaves);
      for (guint i = 0; i < train->n_rows; i++)
        count[tree_leaf (tree, train->x + (gsize) i * train->n_features)]++;
      for (guint l = 0; l < n_leaves; l++)
        smallest = MIN (smallest, count[l]);
      g_test_message ("min_samples_leaf %u: %u leaves, smallest %u", msl, n_leaves, smallest);
      g_assert_cmpuint (smallest, >=, msl);
      if (msl == 1)
        g_assert_cmpuint (smallest, ==, 1);
    }
}

static void
test_tree_deterministic (void)
{
  g_autoptr(KilnDataset) train = make_blobs (1000, 6, 3, 1.0, 8);
  g_autoptr(KilnModel) a = fit_model ("tree", train, NULL);
  g_autoptr(KilnModel) b = fit_model ("tree", train, NULL);
  g_autofree char *ja = model_json (a);
  g_autofree char *jb = model_json (b);

  g_assert_true (strcmp (ja, jb) == 0);
}

/* ---- forest --------------------------------------------------------------------------------- */

static KilnModel *
fit_forest (const KilnDataset *train,
            guint              n_threads,
            guint64            seed,
            guint              n_trees)
{
  KilnModelOptions options;

  kiln_model_options_init (&options, train->task);
  options.n_threads = n_threads;
  options.seed = seed;
  options.n_trees = n_trees;
  return fit_model ("forest", train, &options);
}

static void
test_forest_threads (void)
{
  g_autoptr(KilnDataset) train = make_blobs (1500, 8, 4, 1.2, 11);
  g_autoptr(KilnDataset) rtrain = make_regression (1500, 4, 0.3, 12);
  g_autoptr(KilnModel) one = fit_forest (train, 1, 7, 24);
  g_autoptr(KilnModel) two = fit_forest (train, 2, 7, 24);
  g_autoptr(KilnModel) five = fit_forest (train, 5, 7, 24);
  g_autoptr(KilnModel) other = fit_forest (train, 2, 8, 24);
  g_autoptr(KilnModel) rone = fit_forest (rtrain, 1, 7, 16);
  g_autoptr(KilnModel) rtwo = fit_forest (rtrain, 2, 7, 16);
  g_autofree char *j1 = params_json (one);
  g_autofree char *j2 = params_json (two);
  g_autofree char *j5 = params_json (five);
  g_autofree char *jo = params_json (other);
  g_autofree char *r1 = params_json (rone);
  g_autofree char *r2 = params_json (rtwo);
  g_autofree double *p1 = predict (one, train);
  g_autofree double *p2 = predict (two, train);

  /* the same seed gives the same forest, bit for bit, whatever the number of threads */
  g_assert_true (strcmp (j1, j2) == 0);
  g_assert_true (strcmp (j1, j5) == 0);
  g_assert_true (strcmp (r1, r2) == 0);
  g_assert_cmpmem (p1, train->n_rows * 4 * sizeof (double), p2, train->n_rows * 4 * sizeof (double));
  /* another seed, another forest */
  g_assert_true (strcmp (j1, jo) != 0);
}

static void
test_forest_accuracy (void)
{
  g_autoptr(KilnDataset) train = make_xor (1500, 4, 21);
  g_autoptr(KilnDataset) test = make_xor (1000, 4, 22);
  g_autoptr(KilnDataset) rtrain = make_regression (1500, 4, 0.2, 23);
  g_autoptr(KilnDataset) rtest = make_regression (800, 4, 0.2, 24);
  g_autoptr(KilnModel) tree = fit_model ("tree", train, NULL);
  g_autoptr(KilnModel) forest = fit_model ("forest", train, NULL);
  g_autoptr(KilnModel) rtree = fit_model ("tree", rtrain, NULL);
  g_autoptr(KilnModel) rforest = fit_model ("forest", rtrain, NULL);
  g_autofree double *pt = predict (tree, test);
  g_autofree double *pf = predict (forest, test);
  g_autofree double *prt = predict (rtree, rtest);
  g_autofree double *prf = predict (rforest, rtest);
  double imp[6], sum = 0;

  g_test_message ("xor: tree %.3f forest %.3f; regression R2: tree %.3f forest %.3f",
                  score (test, pt), score (test, pf), score (rtest, prt), score (rtest, prf));
  /* averaging trees beats one tree on noisy data */
  g_assert_cmpfloat (score (rtest, prf), >, score (rtest, prt));
  g_assert_cmpfloat (score (test, pf), >, 0.9);
  /* probabilities sum to one */
  for (guint i = 0; i < test->n_rows; i++)
    g_assert_cmpfloat (fabs (pf[2 * i] + pf[2 * i + 1] - 1.0), <, 1e-12);
  g_assert_true (kiln_model_get_importances (forest, imp));
  for (guint f = 0; f < 6; f++)
    sum += imp[f];
  g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-12);
  g_assert_cmpfloat (imp[0], >, imp[2]);
  g_assert_cmpfloat (imp[1], >, imp[3]);
}

typedef struct {
  GCancellable *cancellable;
  guint         calls;
  double        last;
} ProgressData;

static void
cancel_after_first (double   fraction,
                    gpointer user_data)
{
  ProgressData *data = user_data;

  g_assert_cmpfloat (fraction, >, data->last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  data->last = fraction;
  data->calls++;
  g_cancellable_cancel (data->cancellable);
}

static void
count_progress (double   fraction,
                gpointer user_data)
{
  ProgressData *data = user_data;

  g_assert_cmpfloat (fraction, >, data->last);
  data->last = fraction;
  data->calls++;
}

static void
test_forest_cancel (void)
{
  g_autoptr(KilnDataset) train = make_blobs (3000, 10, 3, 1.5, 31);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(KilnModel) done = NULL;
  KilnModelOptions options;
  ProgressData data = { cancellable, 0, 0.0 };
  KilnFitMonitor monitor = { NULL, cancel_after_first, &data };
  ProgressData counted = { NULL, 0, 0.0 };
  KilnFitMonitor counting = { NULL, count_progress, &counted };

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.n_trees = 200;
  model = kiln_model_new ("forest", &options, &error);
  g_assert_no_error (error);
  g_assert_false (kiln_model_fit (model, train, NULL, &monitor, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* it stopped soon after the first tree: one report per tree would be 200 */
  g_assert_cmpuint (data.calls, >=, 1);
  g_assert_cmpuint (data.calls, <, 10);
  g_clear_error (&error);

  /* a fit that runs to the end reports each tree, ending at 1 */
  options.n_trees = 20;
  done = kiln_model_new ("forest", &options, &error);
  g_assert_true (kiln_model_fit (done, train, NULL, &counting, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (counted.last, ==, 1.0);
  g_assert_cmpuint (counted.calls, >=, 2);
  g_assert_cmpuint (counted.calls, <=, 20);
}

static void
test_tree_cancel (void)
{
  g_autoptr(KilnDataset) train = make_blobs (20000, 4, 3, 3.0, 41);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnModel) model = kiln_model_new ("tree", NULL, &error);

  g_cancellable_cancel (cancellable);
  g_assert_false (kiln_model_fit (model, train, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Growing one big tree stops within a few hundred nodes once cancelled, not at its end. */
static void
test_tree_cancel_inside (void)
{
  g_autoptr(KilnDataset) train = make_blobs (20000, 4, 3, 3.0, 42);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  KilnTreeParams params = { KILN_TASK_CLASSIFICATION, 3, 0, 1, 4 };
  KilnTreeData *data = _kiln_tree_data_new (train);
  KilnTreeWorkspace *ws = _kiln_tree_workspace_new (data, &params);
  KilnTreeNodes nodes;
  KilnRng rng;

  /* uncancelled, the tree is large */
  kiln_rng_init (&rng, 1);
  g_assert_true (_kiln_tree_grow (ws, NULL, &rng, cancellable, &nodes, NULL));
  g_test_message ("full tree: %u nodes", nodes.n_nodes);
  g_assert_cmpuint (nodes.n_nodes, >, 2000);
  _kiln_tree_nodes_clear (&nodes);

  g_cancellable_cancel (cancellable);
  kiln_rng_init (&rng, 1);
  g_assert_false (_kiln_tree_grow (ws, NULL, &rng, cancellable, &nodes, NULL));
  g_assert_null (nodes.node);
  g_assert_cmpuint (nodes.n_nodes, ==, 0);

  _kiln_tree_workspace_free (ws);
  _kiln_tree_data_free (data);
}

/* One-hot (two-valued) features next to a continuous one: the two-valued split path. The target
 * is a sum of effects of the categories, so the trees must split on every one-hot column. */
static void
test_one_hot (void)
{
  guint n = 3000, n_cat = 6, d = n_cat + 1;
  g_autoptr(KilnDataset) train = kiln_dataset_new (n, d, KILN_TASK_REGRESSION, 0);
  g_autoptr(KilnDataset) test = kiln_dataset_new (500, d, KILN_TASK_REGRESSION, 0);
  KilnDataset *sets[] = { train, test };
  KilnRng rng;

  kiln_rng_init (&rng, 121);
  for (guint k = 0; k < 2; k++)
    for (guint i = 0; i < sets[k]->n_rows; i++)
      {
        float *x = sets[k]->x + (gsize) i * d;
        guint c = kiln_rng_uniform (&rng, n_cat);

        for (guint j = 0; j < n_cat; j++)
          x[j] = j == c ? 1.0f : 0.0f;
        x[n_cat] = (float) kiln_rng_double (&rng);
        sets[k]->y_value[i] = 10.0 * c + 2.0 * x[n_cat] + 0.1 * kiln_rng_normal (&rng);
      }

  for (guint f = 0; f < 2; f++)
    {
      const char *family = f == 0 ? "tree" : "forest";
      g_autoptr(KilnModel) model = fit_model (family, train, NULL);
      g_autofree double *p = predict (model, test);
      double imp[7], cat_share = 0;

      g_test_message ("one-hot %s: test R2 %.4f", family, score (test, p));
      g_assert_cmpfloat (score (test, p), >, 0.99);
      g_assert_true (kiln_model_get_importances (model, imp));
      for (guint j = 0; j < n_cat; j++)
        cat_share += imp[j];
      g_assert_cmpfloat (cat_share, >, 0.9);
    }
}

/* ---- Recorded trees -------------------------------------------------------------------------- */

/* Every kind of column the builder has a path for: fine-grained, coarse and medium continuous
 * ones, a one-hot group, a two-valued flag and a constant; rows repeat, and targets tie. Only
 * + - * / and the generator: no libm, so the data are the same everywhere. */
static KilnDataset *
make_mixed (guint    n,
            KilnTask task,
            guint64  seed)
{
  guint d = 10;
  KilnDataset *ds = kiln_dataset_new (n, d, task, task == KILN_TASK_CLASSIFICATION ? 3 : 0);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      float *x = ds->x + (gsize) i * d;
      guint c = kiln_rng_uniform (&rng, 5);
      double y;

      if (i >= 10 && kiln_rng_uniform (&rng, 20) == 0)
        {
          /* a repeated row */
          guint from = kiln_rng_uniform (&rng, i);
          memcpy (x, ds->x + (gsize) from * d, d * sizeof (float));
          if (task == KILN_TASK_CLASSIFICATION)
            ds->y_class[i] = ds->y_class[from];
          else
            ds->y_value[i] = ds->y_value[from];
          continue;
        }
      x[0] = (float) kiln_rng_double (&rng);
      x[1] = (float) kiln_rng_uniform (&rng, 40) / 4.0f;
      x[2] = (float) kiln_rng_uniform (&rng, 300) / 10.0f;
      for (guint j = 0; j < 5; j++)
        x[3 + j] = j == c ? 1.0f : 0.0f;
      x[8] = kiln_rng_uniform (&rng, 10) < 3 ? 1.0f : 0.0f;
      x[9] = 1.0f;
      y = 4.0 * x[0] + (x[1] > 5.0f ? 3.0 : 0.0) + 0.5 * c + x[8] * x[2] / 15.0
          + (kiln_rng_double (&rng) - 0.5);
      if (task == KILN_TASK_CLASSIFICATION)
        ds->y_class[i] = (gint32) (y / 3.0) % 3;
      else
        ds->y_value[i] = (double) (gint64) (y * 100.0) / 100.0;  /* in cents: ties */
    }
  return ds;
}

/* The builder's shortcuts (sorted lists, two-valued features summed together, small nodes, the
 * division-free comparison of splits, ...) add up the same numbers in the same order as the plain
 * algorithm did when these digests were recorded (before the shortcuts), so the trees must not
 * change by a bit. The digests hold on x86-64 without FMA (the build's default), where double
 * arithmetic is plain IEEE; elsewhere a contracted multiply-add may round differently. */
static void
test_recorded (void)
{
#if defined (__x86_64__) && !defined (__FMA__)
  static const struct {
    const char *family;
    KilnTask    task;
    guint       n_threads, n_trees, min_samples_leaf, max_depth;
    double      max_features;
    const char *sha256;
  } cases[] = {
    { "forest", KILN_TASK_REGRESSION, 2, 12, 0, 0, 0.0,
      "e407e6e7060a371b7e30cd150f9c59d2d41283851c7594db935add0648a3bf13" },
    { "forest", KILN_TASK_REGRESSION, 1, 6, 3, 9, 0.6,
      "daecbf0eafc89a73923ac40b83e8933b604a60dc8662c7ba112ee0d224e3c604" },
    { "tree", KILN_TASK_REGRESSION, 0, 0, 0, 0, 0.0,
      "46102d7edd43715391acb93ced182294c064055c2edc76f3ca03ca19d8f26bb1" },
    { "tree", KILN_TASK_REGRESSION, 0, 0, 2, 11, 0.0,
      "be890821f28fc8d91029be8919df6600159c8174608e87d072a62b159e3d1027" },
    { "tree", KILN_TASK_CLASSIFICATION, 0, 0, 0, 0, 0.0,
      "eb0112d165f9408f70ee33012bdeb216dca75f4effbaf5a3256f929e89ae4e9f" },
    { "forest", KILN_TASK_CLASSIFICATION, 2, 8, 0, 0, 0.0,
      "6e8370568bb421fe06dbf5c07cf98f01470615a192658df46e38e0a95f5e69da" },
  };
  g_autoptr(KilnDataset) reg = make_mixed (3000, KILN_TASK_REGRESSION, 77);
  g_autoptr(KilnDataset) cls = make_mixed (3000, KILN_TASK_CLASSIFICATION, 78);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      KilnModelOptions options;
      g_autoptr(KilnModel) model = NULL;
      g_autofree char *json = NULL;
      g_autofree char *sha256 = NULL;

      kiln_model_options_init (&options, cases[i].task);
      options.seed = 5;
      options.n_threads = cases[i].n_threads;
      options.n_trees = cases[i].n_trees;
      options.min_samples_leaf = cases[i].min_samples_leaf;
      options.max_depth = cases[i].max_depth;
      options.max_features = cases[i].max_features;
      model = fit_model (cases[i].family, cases[i].task == KILN_TASK_REGRESSION ? reg : cls,
                         &options);
      json = params_json (model);
      sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);
      g_test_message ("case %u (%s): %s", i, cases[i].family, sha256);
      g_assert_cmpstr (sha256, ==, cases[i].sha256);
    }
#else
  g_test_skip ("the digests were recorded on x86-64 without FMA");
#endif
}

/* ---- JSON round trips ------------------------------------------------------------------------ */

static void
check_round_trip (const char        *family,
                  const KilnDataset *train,
                  const KilnDataset *test)
{
  g_autoptr(KilnModel) model = fit_model (family, train, NULL);
  g_autofree char *json = model_json (model);
  g_autoptr(KilnModel) back = model_reload (json);
  g_autofree char *json2 = model_json (back);
  g_autofree double *p1 = predict (model, test);
  g_autofree double *p2 = predict (back, test);
  gsize size = (gsize) test->n_rows * n_outputs (test) * sizeof (double);
  double imp1[16], imp2[16];
  gboolean has1, has2;

  g_test_message ("%s %s: %zu bytes of JSON", family, kiln_task_to_string (train->task), strlen (json));
  g_assert_cmpstr (kiln_model_get_name (back), ==, family);
  g_assert_cmpmem (p1, size, p2, size);
  g_assert_true (strcmp (json, json2) == 0);
  if (strcmp (family, "tree") == 0 || strcmp (family, "forest") == 0)
    {
      /* saved before the packed layout: loads to the same model, saved packed again (without
       * the covers, which such models do not have) */
      g_autofree char *json_no_cover = model_json_without_cover (model);
      g_autoptr(JsonNode) legacy = model_params (model);
      g_autofree char *legacy_json = json_to_string (legacy, FALSE);
      g_autoptr(KilnModel) old = model_reload (legacy_json);
      g_autofree char *json3 = model_json (old);
      g_autofree double *p3 = predict (old, test);

      g_test_message ("%s %s: %zu bytes of JSON before the packed layout", family,
                      kiln_task_to_string (train->task), strlen (legacy_json));
      g_assert_cmpuint (strlen (json), <, strlen (legacy_json));
      g_assert_cmpmem (p1, size, p3, size);
      g_assert_true (strcmp (json_no_cover, json3) == 0);
    }
  g_assert_cmpuint (train->n_features, <=, 16);
  has1 = kiln_model_get_importances (model, imp1);
  has2 = kiln_model_get_importances (back, imp2);
  g_assert_cmpint (has1, ==, has2);
  if (has1)
    g_assert_cmpmem (imp1, train->n_features * sizeof (double), imp2, train->n_features * sizeof (double));
}

static void
test_round_trip (void)
{
  g_autoptr(KilnDataset) train = make_blobs (600, 5, 3, 1.5, 51);
  g_autoptr(KilnDataset) test = make_blobs (300, 5, 3, 1.5, 52);
  g_autoptr(KilnDataset) rtrain = make_regression (600, 5, 0.3, 53);
  g_autoptr(KilnDataset) rtest = make_regression (300, 5, 0.3, 54);
  const char *families[] = { "tree", "forest", "knn", "nb" };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      check_round_trip (families[i], train, test);
      if (strcmp (families[i], "nb") != 0)
        check_round_trip (families[i], rtrain, rtest);
    }
}

static void
test_damaged_json (void)
{
  g_autoptr(KilnDataset) train = make_blobs (200, 3, 2, 1.0, 61);
  g_autoptr(KilnModel) tree = fit_model ("tree", train, NULL);
  g_autoptr(KilnModel) knn = fit_model ("knn", train, NULL);
  g_autoptr(KilnModel) nb = fit_model ("nb", train, NULL);
  struct { KilnModel *model; const char *member; const char *array; gint64 value; } cases[] = {
    { tree, "tree", "left", 0 },          /* a cycle back to the root */
    { tree, "tree", "feature", 7 },       /* no such feature */
    { knn, NULL, "y", 5 },                /* no such class */
    { nb, NULL, "var", -1 },              /* a negative variance */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) root = model_params (cases[i].model);
      g_autoptr(GError) error = NULL;
      JsonObject *obj = params_of (root);
      JsonArray *array;
      KilnModel *back;

      if (cases[i].member != NULL)
        obj = json_object_get_object_member (obj, cases[i].member);
      array = json_object_get_array_member (obj, cases[i].array);
      json_array_remove_element (array, 0);
      if (strcmp (cases[i].array, "var") == 0)
        g_assert_cmpuint (json_array_get_length (array), >, 0);
      /* put the damaged value back in first place */
      {
        JsonNode *v = json_node_new (JSON_NODE_VALUE);
        g_autoptr(JsonArray) fixed = json_array_new ();
        if (strcmp (cases[i].array, "var") == 0)
          json_node_set_double (v, (double) cases[i].value);
        else
          json_node_set_int (v, cases[i].value);
        json_array_add_element (fixed, v);
        for (guint j = 0; j < json_array_get_length (array); j++)
          json_array_add_element (fixed, json_node_copy (json_array_get_element (array, j)));
        json_object_set_array_member (obj, cases[i].array, g_steal_pointer (&fixed));
      }
      back = kiln_model_from_json (root, &error);
      g_assert_null (back);
      g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
      g_test_message ("damaged %s: %s", cases[i].array, error->message);
    }

  {
    /* a truncated array */
    g_autoptr(JsonNode) root = model_params (tree);
    g_autoptr(GError) error = NULL;
    JsonObject *t = json_object_get_object_member (params_of (root), "tree");
    json_array_remove_element (json_object_get_array_member (t, "threshold"), 0);
    g_assert_null (kiln_model_from_json (root, &error));
    g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
  }

  {
    /* the packed layout: one array of the forest's trees rewritten as a plain JSON array (which
     * the readers also take) with one value changed, or one value short */
    g_autoptr(KilnModel) forest = fit_model ("forest", train, NULL);
    struct { const char *array; guint at; gint64 value; gint drop; } packed[] = {
      { "right", 0, 0, 0 },             /* a cycle back to the node */
      { "right", 3, 1000000, 0 },       /* past the tree's end */
      { "feature", 1, 7, 0 },           /* no such feature */
      { "feature", 0, -2, 0 },          /* neither a leaf nor a feature */
      { "tree_nodes", 0, 1, 0 },        /* the node counts do not add up */
      { "leaf_nnz", 2, 3, 0 },          /* more classes than the model has */
      { "value_class", 0, 2, 0 },       /* no such class */
      { "threshold", 0, 0, 1 },         /* one short */
    };

    for (guint i = 0; i < G_N_ELEMENTS (packed); i++)
      {
        g_autoptr(JsonNode) root = kiln_model_to_json (forest);
        g_autoptr(GError) error = NULL;
        JsonObject *trees = json_object_get_object_member (params_of (root), "trees");
        gssize n = _kiln_json_get_array_length (trees, packed[i].array, &error);
        g_autofree double *values = NULL;
        g_autoptr(JsonArray) plain = json_array_new ();

        g_assert_no_error (error);
        g_assert_true (_kiln_json_member_is_packed (trees, packed[i].array));
        g_assert_cmpint (n, >, (gssize) packed[i].at);
        values = g_new (double, n);
        g_assert_true (_kiln_json_get_doubles (trees, packed[i].array, values, n, &error));
        if (strcmp (packed[i].array, "threshold") != 0)
          values[packed[i].at] = (double) packed[i].value;
        for (gssize j = 0; j < n - packed[i].drop; j++)
          if (strcmp (packed[i].array, "threshold") == 0)
            json_array_add_double_element (plain, values[j]);
          else
            json_array_add_int_element (plain, (gint64) values[j]);
        json_object_set_array_member (trees, packed[i].array, g_steal_pointer (&plain));
        g_assert_null (kiln_model_from_json (root, &error));
        g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
        g_test_message ("damaged packed %s: %s", packed[i].array, error->message);
      }
  }
}

/* ---- kNN ------------------------------------------------------------------------------------ */

static void
test_knn_exact (void)
{
  /* integer-valued features: many exact ties, which go to the lower training row */
  guint n = 3000, d = 4, nq = 500;
  g_autoptr(KilnDataset) train = kiln_dataset_new (n, d, KILN_TASK_CLASSIFICATION, 7);
  g_autoptr(KilnDataset) test = kiln_dataset_new (nq, d, KILN_TASK_CLASSIFICATION, 7);
  g_autoptr(KilnModel) model = NULL;
  g_autofree double *pred = NULL;
  KilnRng rng;
  guint mismatches = 0;

  kiln_rng_init (&rng, 71);
  for (guint i = 0; i < n * d; i++)
    train->x[i] = (float) kiln_rng_uniform (&rng, 6) * 0.37f + 100.0f;
  for (guint i = 0; i < n; i++)
    train->y_class[i] = (gint32) kiln_rng_uniform (&rng, 7);
  for (guint i = 0; i < nq * d; i++)
    test->x[i] = (float) kiln_rng_uniform (&rng, 6) * 0.37f + 100.0f + (i % 3 == 0 ? 0.1f : 0.0f);

  model = fit_model ("knn", train, NULL);
  pred = predict (model, test);
  for (guint q = 0; q < nq; q++)
    {
      /* brute force in double: the 5 smallest (distance, index) */
      double best_d[5];
      guint best_i[5], len = 0;
      double expect[7] = { 0, };

      for (guint i = 0; i < n; i++)
        {
          double s = 0;
          guint pos;
          for (guint j = 0; j < d; j++)
            {
              double diff = (double) test->x[q * d + j] - (double) train->x[i * d + j];
              s += diff * diff;
            }
          pos = len;
          while (pos > 0 && best_d[pos - 1] > s)
            pos--;
          if (pos >= 5)
            continue;
          for (guint m = MIN (len, 4); m > pos; m--)
            {
              best_d[m] = best_d[m - 1];
              best_i[m] = best_i[m - 1];
            }
          best_d[pos] = s;
          best_i[pos] = i;
          len = MIN (len + 1, 5);
        }
      for (guint m = 0; m < 5; m++)
        expect[train->y_class[best_i[m]]] += 0.2;
      for (guint k = 0; k < 7; k++)
        if (fabs (expect[k] - pred[q * 7 + k]) > 1e-12)
          {
            mismatches++;
            break;
          }
    }
  g_assert_cmpuint (mismatches, ==, 0);
}

static void
test_knn_regression (void)
{
  g_autoptr(KilnDataset) train = make_regression (2000, 2, 0.0, 81);
  g_autoptr(KilnDataset) test = make_regression (300, 2, 0.0, 82);
  g_autoptr(KilnModel) model = fit_model ("knn", train, NULL);
  g_autofree double *p = predict (model, test);
  g_autofree double *self_pred = NULL;
  KilnModelOptions options;
  g_autoptr(KilnModel) one = NULL;

  g_assert_cmpfloat (score (test, p), >, 0.95);
  /* k = 1 on the training rows returns each row's own target */
  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  options.k = 1;
  one = fit_model ("knn", train, &options);
  self_pred = predict (one, train);
  for (guint i = 0; i < train->n_rows; i++)
    g_assert_cmpfloat (self_pred[i], ==, train->y_value[i]);
}

static void
test_knn_errors (void)
{
  g_autoptr(KilnDataset) tiny = make_blobs (4, 2, 2, 1.0, 91);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnModel) model = kiln_model_new ("knn", NULL, &error);
  KilnModelOptions options;

  g_assert_false (kiln_model_fit (model, tiny, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA);
  g_clear_error (&error);

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.k = 100000;
  g_assert_false (kiln_model_check_options ("knn", &options, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
}

/* ---- naive Bayes ---------------------------------------------------------------------------- */

static void
test_nb_values (void)
{
  /* one feature, two classes: class 0 at {0, 2}, class 1 at {4, 6, 8}. */
  const float xs[] = { 0, 2, 4, 6, 8 };
  const gint32 ys[] = { 0, 0, 1, 1, 1 };
  g_autoptr(KilnDataset) train = kiln_dataset_new (5, 1, KILN_TASK_CLASSIFICATION, 2);
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  KilnModelOptions options;
  float q[] = { 3.0f, -1.0f };
  KilnDataset rows;
  double out[4];
  /* means 1 and 6; variances 1 and 8/3; epsilon 1e-9 * var(all) = 1e-9 * 8 */
  double eps = 1e-9 * 8.0, v0 = 1.0 + eps, v1 = 8.0 / 3.0 + eps;

  memcpy (train->x, xs, sizeof xs);
  memcpy (train->y_class, ys, sizeof ys);
  model = fit_model ("nb", train, NULL);
  kiln_dataset_init_dense (&rows, q, 2, 1);
  kiln_model_predict (model, &rows, out);
  for (guint i = 0; i < 2; i++)
    {
      double x = q[i];
      double j0 = log (0.4) - 0.5 * log (2 * G_PI * v0) - 0.5 * (x - 1) * (x - 1) / v0;
      double j1 = log (0.6) - 0.5 * log (2 * G_PI * v1) - 0.5 * (x - 6) * (x - 6) / v1;
      double p0 = 1.0 / (1.0 + exp (j1 - j0));

      g_assert_cmpfloat_with_epsilon (out[2 * i], p0, 1e-12);
      g_assert_cmpfloat_with_epsilon (out[2 * i + 1], 1.0 - p0, 1e-12);
    }
  g_assert_false (kiln_model_get_importances (model, out));

  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  g_assert_false (kiln_model_check_options ("nb", &options, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
}

static void
test_nb_blobs (void)
{
  g_autoptr(KilnDataset) train = make_blobs (2000, 6, 3, 1.0, 101);
  g_autoptr(KilnDataset) test = make_blobs (1000, 6, 3, 1.0, 102);
  g_autoptr(KilnModel) model = fit_model ("nb", train, NULL);
  g_autofree double *p = predict (model, test);

  /* Gaussian classes with equal spread: naive Bayes is near the Bayes rate */
  g_test_message ("nb blobs accuracy %.3f", score (test, p));
  g_assert_cmpfloat (score (test, p), >, 0.95);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static void
test_bad_input (void)
{
  const char *families[] = { "tree", "forest", "knn", "nb" };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autoptr(KilnDataset) train = make_blobs (50, 3, 2, 1.0, 111);
      g_autoptr(GError) error = NULL;
      g_autoptr(KilnModel) model = kiln_model_new (families[i], NULL, &error);

      train->x[7] = NAN;
      g_assert_no_error (error);
      g_assert_false (kiln_model_fit (model, train, NULL, NULL, NULL, &error));
      g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA);
    }
  {
    KilnModelOptions options;
    g_autoptr(GError) error = NULL;

    kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
    options.max_features = 1.5;
    g_assert_false (kiln_model_check_options ("forest", &options, &error));
    g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
  }
}

/* A constant feature and a one-row-per-class set: no crash, sensible output. */
static void
test_edge_cases (void)
{
  g_autoptr(KilnDataset) ds = kiln_dataset_new (6, 2, KILN_TASK_CLASSIFICATION, 3);
  const char *families[] = { "tree", "forest", "nb" };

  for (guint i = 0; i < 6; i++)
    {
      ds->x[2 * i] = 1.0f;             /* constant */
      ds->x[2 * i + 1] = (float) (i / 2);
      ds->y_class[i] = (gint32) (i / 2);
    }
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autoptr(KilnModel) model = fit_model (families[i], ds, NULL);
      g_autofree double *p = predict (model, ds);
      if (strcmp (families[i], "forest") != 0)
        g_assert_cmpfloat (score (ds, p), ==, 1.0);
      for (guint r = 0; r < 6; r++)
        g_assert_cmpfloat (fabs (p[3 * r] + p[3 * r + 1] + p[3 * r + 2] - 1.0), <, 1e-12);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/trees/tree/separates", test_tree_separates);
  g_test_add_func ("/trees/tree/regression", test_tree_regression);
  g_test_add_func ("/trees/tree/limits", test_tree_limits);
  g_test_add_func ("/trees/tree/deterministic", test_tree_deterministic);
  g_test_add_func ("/trees/tree/cancel", test_tree_cancel);
  g_test_add_func ("/trees/tree/cancel-inside", test_tree_cancel_inside);
  g_test_add_func ("/trees/forest/threads", test_forest_threads);
  g_test_add_func ("/trees/forest/accuracy", test_forest_accuracy);
  g_test_add_func ("/trees/forest/cancel", test_forest_cancel);
  g_test_add_func ("/trees/one-hot", test_one_hot);
  g_test_add_func ("/trees/recorded", test_recorded);
  g_test_add_func ("/trees/json/round-trip", test_round_trip);
  g_test_add_func ("/trees/json/damaged", test_damaged_json);
  g_test_add_func ("/trees/knn/exact", test_knn_exact);
  g_test_add_func ("/trees/knn/regression", test_knn_regression);
  g_test_add_func ("/trees/knn/errors", test_knn_errors);
  g_test_add_func ("/trees/nb/values", test_nb_values);
  g_test_add_func ("/trees/nb/blobs", test_nb_blobs);
  g_test_add_func ("/trees/bad-input", test_bad_input);
  g_test_add_func ("/trees/edge-cases", test_edge_cases);

  return g_test_run ();
}
