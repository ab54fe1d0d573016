/* test-gbt.c: gradient-boosted trees on synthetic data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Determinism (seeds, threads), histogram subtraction against directly built histograms, the
 * learned direction of missing values, categorical splits, early stopping keeping the best
 * round, a cancelled fit handing back its best round, saving and loading, importances, the
 * packed JSON arrays, and damaged input refused.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-gbt-private.h"
#include "kiln-model-private.h"
#include "kiln-train-run.h"
#include "kiln-csv.h"
#include "kiln-pipeline.h"

/* ---- Data ------------------------------------------------------------------------------------ */

/* @n rows: 4 numeric features (uniform in [0, 1), feature 3 missing in a fifth of the rows) and
 * one categorical feature of 9 levels (missing in 5 % of the rows). The target mixes them:
 * regression, two or three classes. */
static KilnDataset *
make_data (guint    n,
           KilnTask task,
           guint    n_classes,
           guint64  seed)
{
  guint levels[1] = { 9 };
  KilnDataset *ds = kiln_dataset_new_coded (n, 4, 1, levels, task, n_classes);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      float *x = ds->x + (gsize) i * 4;
      guint32 code = kiln_rng_uniform (&rng, 9);
      double z;

      for (guint f = 0; f < 4; f++)
        x[f] = kiln_rng_float (&rng);
      if (kiln_rng_double (&rng) < 0.2)
        x[3] = NAN;
      ds->codes[i] = kiln_rng_double (&rng) < 0.05 ? KILN_CODE_NONE : code;
      z = 2.0 * x[0] - x[1] + (x[2] > 0.5 ? 1.0 : 0.0) + (isnan (x[3]) ? 0.8 : x[3])
          + (code % 3 == 1 ? 1.0 : 0.0) + 0.3 * kiln_rng_normal (&rng);
      if (task == KILN_TASK_REGRESSION)
        ds->y_value[i] = 10.0 * z;
      else if (n_classes == 2)
        ds->y_class[i] = z > 1.6;
      else
        ds->y_class[i] = z < 1.0 ? 0 : z < 2.2 ? 1 : 2;
    }
  return ds;
}

static KilnModel *
fit (const KilnDataset      *train,
     const KilnDataset      *val,
     const KilnModelOptions *options,
     const KilnFitMonitor   *monitor)
{
  g_autoptr(GError) error = NULL;
  KilnModel *model = kiln_model_new ("gbt", options, &error);

  g_assert_no_error (error);
  g_assert_true (kiln_model_fit (model, train, val, monitor, NULL, &error));
  g_assert_no_error (error);
  return model;
}

static double *
predict (KilnModel         *model,
         const KilnDataset *rows)
{
  double *out = g_new (double, (gsize) rows->n_rows * kiln_model_get_n_outputs (model));

  kiln_model_predict (model, rows, out);
  return out;
}

static void
options_for (KilnModelOptions *options,
             KilnTask          task)
{
  kiln_model_options_init (options, task);
  options->gbt.rounds = 30;
  options->gbt.early_stopping = 0;
}

static void
assert_same (const double *a,
             const double *b,
             gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (memcmp (&a[i], &b[i], sizeof (double)) != 0)
      g_error ("output %" G_GSIZE_FORMAT " differs: %.17g vs %.17g", i, a[i], b[i]);
}

static char *
model_text (KilnModel *model)
{
  g_autoptr(JsonNode) node = kiln_model_to_json (model);

  return json_to_string (node, FALSE);
}

/* ---- Determinism ------------------------------------------------------------------------------ */

static void
test_determinism (void)
{
  const KilnTask tasks[3] = { KILN_TASK_REGRESSION, KILN_TASK_CLASSIFICATION, KILN_TASK_CLASSIFICATION };
  const guint classes[3] = { 0, 2, 3 };

  for (guint t = 0; t < 3; t++)
    {
      g_autoptr(KilnDataset) train = make_data (3000, tasks[t], classes[t], 1);
      g_autoptr(KilnDataset) test = make_data (500, tasks[t], classes[t], 2);
      KilnModelOptions options;
      g_autoptr(KilnModel) a = NULL, b = NULL, c = NULL, d = NULL;
      g_autofree double *pa = NULL, *pb = NULL, *pc = NULL, *pd = NULL;
      g_autofree char *ta = NULL, *tb = NULL, *tc = NULL, *td = NULL;
      gsize n = (gsize) test->n_rows * (classes[t] > 0 ? classes[t] : 1);

      options_for (&options, tasks[t]);
      options.gbt.subsample = 0.7;
      options.gbt.colsample = 0.6;
      options.seed = 7;
      options.n_threads = 1;
      a = fit (train, NULL, &options, NULL);
      b = fit (train, NULL, &options, NULL);
      options.n_threads = 2;
      c = fit (train, NULL, &options, NULL);
      options.seed = 8;
      d = fit (train, NULL, &options, NULL);
      pa = predict (a, test);
      pb = predict (b, test);
      pc = predict (c, test);
      pd = predict (d, test);
      /* same seed: the same model bit for bit, with one thread or two */
      assert_same (pa, pb, n);
      assert_same (pa, pc, n);
      ta = model_text (a);
      tb = model_text (b);
      tc = model_text (c);
      td = model_text (d);
      g_assert_true (strcmp (ta, tb) == 0);
      /* the options record the threads; the trees must be the same */
      g_assert_true (strcmp (strstr (ta, "\"params\""), strstr (tc, "\"params\"")) == 0);
      /* another seed draws other rows and features */
      g_assert_true (strcmp (strstr (ta, "\"params\""), strstr (td, "\"params\"")) != 0);
    }
}

/* Nodes of 65,536 rows and more share their partition, histogram and leaf values between the
 * threads: large enough data that they do, the same model with 1, 2 and 3 threads. */
static void
test_determinism_shared (void)
{
  const KilnTask tasks[2] = { KILN_TASK_REGRESSION, KILN_TASK_CLASSIFICATION };
  const guint classes[2] = { 0, 2 };

  for (guint t = 0; t < 2; t++)
    {
      g_autoptr(KilnDataset) train = make_data (200000, tasks[t], classes[t], 3);
      g_autoptr(KilnDataset) test = make_data (2000, tasks[t], classes[t], 4);
      gsize n = (gsize) test->n_rows * (classes[t] > 0 ? classes[t] : 1);

      for (guint sub = 0; sub < 2; sub++)
        {
          KilnModelOptions options;
          g_autofree double *p1 = NULL;
          g_autofree char *t1 = NULL;

          options_for (&options, tasks[t]);
          options.gbt.rounds = 4;
          options.gbt.subsample = sub == 0 ? 1.0 : 0.8;
          for (guint threads = 1; threads <= 3; threads++)
            {
              g_autoptr(KilnModel) m = NULL;
              g_autofree double *p = NULL;
              g_autofree char *text = NULL;

              options.n_threads = threads;
              m = fit (train, NULL, &options, NULL);
              p = predict (m, test);
              text = model_text (m);
              if (threads == 1)
                {
                  p1 = g_steal_pointer (&p);
                  t1 = g_steal_pointer (&text);
                  continue;
                }
              assert_same (p1, p, n);
              g_assert_cmpstr (strstr (t1, "\"params\""), ==, strstr (text, "\"params\""));
            }
        }
    }
}

/* ---- Histograms ------------------------------------------------------------------------------ */

typedef struct {
  GbtBins     *bins;
  double      *g;
  double      *h;
  guint32     *rows;
  guint       *features;
  GbtGrowInput input;
} Grad;

static void
grad_init (Grad              *gr,
           const KilnDataset *ds,
           guint64            seed)
{
  GbtInput in = _kiln_gbt_input_of (ds);
  KilnRng rng;
  guint n = ds->n_rows;

  gr->bins = _kiln_gbt_bins_new (&in, 255, NULL);
  gr->g = g_new (double, n);
  gr->h = g_new (double, n);
  gr->rows = g_new (guint32, n);
  gr->features = g_new (guint, gr->bins->n_features);
  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      double p = 1.0 / (1.0 + exp (-(ds->x[(gsize) i * 4] - 0.5) * 4));

      gr->g[i] = p - (ds->y_class[i] == 1) + 0.01 * kiln_rng_normal (&rng);
      gr->h[i] = p * (1 - p);
      gr->rows[i] = i;
    }
  for (guint f = 0; f < gr->bins->n_features; f++)
    gr->features[f] = f;
  memset (&gr->input, 0, sizeof gr->input);
  gr->input.g = gr->g;
  gr->input.h = gr->h;
  gr->input.g_max = 1.5;
  gr->input.h_max = 0.25;
  gr->input.rows = gr->rows;
  gr->input.n_rows = n;
  gr->input.features = gr->features;
  gr->input.n_features = gr->bins->n_features;
}

static void
grad_clear (Grad *gr)
{
  _kiln_gbt_bins_free (gr->bins);
  g_free (gr->g);
  g_free (gr->h);
  g_free (gr->rows);
  g_free (gr->features);
}

static gboolean
same_tree (const GbtTree *a,
           const GbtTree *b)
{
  return a->n_nodes == b->n_nodes && a->n_leaves == b->n_leaves
         && memcmp (a->nodes, b->nodes, a->n_nodes * sizeof (GbtNode)) == 0
         && memcmp (a->leaf, b->leaf, a->n_leaves * sizeof (double)) == 0
         && memcmp (a->gain, b->gain, a->n_nodes * sizeof (float)) == 0
         && a->n_cat_words == b->n_cat_words
         && (a->n_cat_words == 0 || memcmp (a->cat_bits, b->cat_bits, a->n_cat_words * 4) == 0);
}

static void
test_histogram_subtraction (void)
{
  g_autoptr(KilnDataset) ds = make_data (20000, KILN_TASK_CLASSIFICATION, 2, 3);
  GbtGrowParams params = { 31, 0, 5, 0.0, 1e-3, 0.1, FALSE };
  Grad gr;
  GbtGrower *grower;
  GbtTree subtracted, direct, threaded;
  KilnParallelTeam *team = kiln_parallel_team_new (2);

  grad_init (&gr, ds, 4);

  /* cells: the histogram of all rows minus that of the rows with bin <= 3 of feature 0 is, cell
   * for cell, that of the other rows */
  grower = _kiln_gbt_grower_new (gr.bins, &params);
  {
    guint n = ds->n_rows, n_left = 0, n_right = 0;
    g_autofree guint32 *left = g_new (guint32, n);
    g_autofree guint32 *right = g_new (guint32, n);
    g_autofree GbtCell *all = g_new0 (GbtCell, gr.bins->n_cells);
    g_autofree GbtCell *hl = g_new0 (GbtCell, gr.bins->n_cells);
    g_autofree GbtCell *hr = g_new0 (GbtCell, gr.bins->n_cells);
    guint64 count = 0;

    for (guint i = 0; i < n; i++)
      {
        if (gr.bins->bins[(gsize) i * gr.bins->stride] <= 3)
          left[n_left++] = i;
        else
          right[n_right++] = i;
      }
    g_assert_cmpuint (n_left, >, 0);
    g_assert_cmpuint (n_right, >, 0);
    _kiln_gbt_histogram (grower, &gr.input, gr.rows, n, all);
    _kiln_gbt_histogram (grower, &gr.input, left, n_left, hl);
    _kiln_gbt_histogram (grower, &gr.input, right, n_right, hr);
    for (guint c = 0; c < gr.bins->n_cells; c++)
      {
        GbtCell d = all[c] - hl[c];

        g_assert_cmpint (d[0], ==, hr[c][0]);
        g_assert_cmpint (d[1], ==, hr[c][1]);
      }
    /* each feature's cells count every row once */
    for (guint c = gr.bins->offset[2]; c <= gr.bins->offset[2] + gr.bins->n_bins[2]; c++)
      count += (guint64) all[c][1] & ((G_GUINT64_CONSTANT (1) << g_bit_storage (n)) - 1);
    g_assert_cmpuint (count, ==, n);
  }
  _kiln_gbt_grower_free (grower);

  /* trees: growing with subtraction, with every histogram built from its rows, and on two
   * threads gives the same tree */
  grower = _kiln_gbt_grower_new (gr.bins, &params);
  _kiln_gbt_grow (grower, &gr.input, NULL, &subtracted);
  _kiln_gbt_grower_free (grower);
  params.direct_histograms = TRUE;
  grower = _kiln_gbt_grower_new (gr.bins, &params);
  _kiln_gbt_grow (grower, &gr.input, NULL, &direct);
  _kiln_gbt_grower_free (grower);
  params.direct_histograms = FALSE;
  grower = _kiln_gbt_grower_new (gr.bins, &params);
  _kiln_gbt_grow (grower, &gr.input, team, &threaded);
  _kiln_gbt_grower_free (grower);

  g_assert_cmpuint (subtracted.n_leaves, ==, 31);
  g_assert_true (same_tree (&subtracted, &direct));
  g_assert_true (same_tree (&subtracted, &threaded));

  _kiln_gbt_tree_clear (&subtracted);
  _kiln_gbt_tree_clear (&direct);
  _kiln_gbt_tree_clear (&threaded);
  kiln_parallel_team_free (team);
  grad_clear (&gr);
}

/* ---- Missing values ----------------------------------------------------------------------------- */

/* One numeric feature, missing in a third of the rows; the target is 1 when the value is above
 * 0.5, and for missing values @missing_class. A missing value must follow the side learnt. */
static void
check_missing_direction (gint32 missing_class)
{
  guint n = 3000;
  g_autoptr(KilnDataset) train = kiln_dataset_new (n, 1, KILN_TASK_CLASSIFICATION, 2);
  g_autoptr(KilnDataset) rows = kiln_dataset_new_features (3, 1, 0, NULL);
  g_autoptr(KilnModel) model = NULL;
  g_autofree double *p = NULL;
  KilnModelOptions options;
  KilnRng rng;

  kiln_rng_init (&rng, 11);
  for (guint i = 0; i < n; i++)
    {
      float v = kiln_rng_float (&rng);

      if (i % 3 == 0)
        {
          train->x[i] = NAN;
          train->y_class[i] = missing_class;
        }
      else
        {
          train->x[i] = v;
          train->y_class[i] = v > 0.5f;
        }
    }
  options_for (&options, KILN_TASK_CLASSIFICATION);
  model = fit (train, NULL, &options, NULL);
  rows->x[0] = 0.1f;
  rows->x[1] = 0.9f;
  rows->x[2] = NAN;
  p = predict (model, rows);
  g_assert_cmpfloat (p[0 * 2 + 1], <, 0.1);
  g_assert_cmpfloat (p[1 * 2 + 1], >, 0.9);
  if (missing_class == 1)
    g_assert_cmpfloat (p[2 * 2 + 1], >, 0.9);
  else
    g_assert_cmpfloat (p[2 * 2 + 1], <, 0.1);
}

static void
test_missing_direction (void)
{
  check_missing_direction (1);
  check_missing_direction (0);
}

/* ---- Minimum weight per leaf ------------------------------------------------------------------ */

/* The hessians of @gr's rows summed per leaf of @tree, the smallest sum returned. */
static double
least_leaf_hessian (const Grad        *gr,
                    const KilnDataset *ds,
                    GbtTree           *tree)
{
  GbtInput in = _kiln_gbt_input_of (ds);
  g_autofree guint *leaf = g_new (guint, ds->n_rows);
  g_autofree double *sum = g_new0 (double, tree->n_leaves);
  double least = INFINITY;

  _kiln_gbt_tree_finish (tree);
  _kiln_gbt_tree_leaves (tree, &in, NULL, 0, ds->n_rows, leaf);
  for (guint i = 0; i < ds->n_rows; i++)
    sum[leaf[i]] += gr->h[i];
  for (guint s = 0; s < tree->n_leaves; s++)
    least = MIN (least, sum[s]);
  return least;
}

static void
test_min_hessian (void)
{
  g_autoptr(KilnDataset) ds = make_data (20000, KILN_TASK_CLASSIFICATION, 2, 3);
  GbtGrowParams params = { 31, 0, 1, 0.0, 1e-3, 0.1, FALSE };
  Grad gr;
  GbtGrower *grower;
  GbtTree loose, firm;

  /* the grower: with a minimum weight of 40 every leaf holds hessians summing to 40 or more
   * (up to their packing), where without it some leaf holds less */
  grad_init (&gr, ds, 4);
  grower = _kiln_gbt_grower_new (gr.bins, &params);
  _kiln_gbt_grow (grower, &gr.input, NULL, &loose);
  _kiln_gbt_grower_free (grower);
  params.min_hessian = 40.0;
  grower = _kiln_gbt_grower_new (gr.bins, &params);
  _kiln_gbt_grow (grower, &gr.input, NULL, &firm);
  _kiln_gbt_grower_free (grower);
  g_assert_cmpfloat (least_leaf_hessian (&gr, ds, &loose), <, 40.0);
  g_assert_cmpfloat (least_leaf_hessian (&gr, ds, &firm), >=, 40.0 - 1e-6);
  g_assert_cmpuint (firm.n_leaves, >, 1);
  _kiln_gbt_tree_clear (&loose);
  _kiln_gbt_tree_clear (&firm);
  grad_clear (&gr);

  /* the option reaches the trees: squared error has a hessian of 1 a row, so a minimum above
   * half the rows leaves every tree one leaf, and every prediction the same */
  {
    g_autoptr(KilnDataset) train = make_data (2000, KILN_TASK_REGRESSION, 0, 5);
    g_autoptr(KilnModel) free_model = NULL;
    g_autoptr(KilnModel) held = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree double *a = NULL;
    g_autofree double *b = NULL;
    KilnModelOptions options;
    KilnModel *bad;
    gboolean varied = FALSE;

    options_for (&options, KILN_TASK_REGRESSION);
    options.gbt.min_samples_leaf = 1;
    free_model = fit (train, NULL, &options, NULL);
    options.gbt.min_hessian = 1001.0;
    held = fit (train, NULL, &options, NULL);
    a = predict (free_model, train);
    b = predict (held, train);
    for (guint i = 1; i < train->n_rows; i++)
      {
        varied |= a[i] != a[0];
        g_assert_cmpfloat (b[i], ==, b[0]);
      }
    g_assert_true (varied);

    options.gbt.min_hessian = -1.0;
    bad = kiln_model_new ("gbt", &options, &error);
    if (bad != NULL)
      {
        g_assert_false (kiln_model_fit (bad, train, NULL, NULL, NULL, &error));
        kiln_model_unref (bad);
      }
    g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
  }
}

/* ---- Categorical splits ----------------------------------------------------------------------- */

static void
test_categorical (void)
{
  guint levels[1] = { 200 };
  guint n = 8000;
  g_autoptr(KilnDataset) train = kiln_dataset_new_coded (n, 1, 1, levels, KILN_TASK_REGRESSION, 0);
  g_autoptr(KilnDataset) rows = kiln_dataset_new_features (202, 1, 1, levels);
  g_autoptr(KilnModel) model = NULL;
  g_autofree double *v = NULL;
  KilnModelOptions options;

  /* the target is 5 for the codes of a scattered set (multiples of 7, and code 3), 0 otherwise */
  for (guint i = 0; i < n; i++)
    {
      guint32 code = i % 200;

      train->x[i] = (float) (i % 13);   /* noise */
      train->codes[i] = code;
      train->y_value[i] = code % 7 == 0 || code == 3 ? 5.0 : 0.0;
    }
  options_for (&options, KILN_TASK_REGRESSION);
  options.gbt.rounds = 1;
  options.gbt.learning_rate = 1.0;
  options.gbt.max_leaves = 2;
  options.gbt.min_samples_leaf = 1;
  model = fit (train, NULL, &options, NULL);
  for (guint r = 0; r < 200; r++)
    {
      rows->x[r] = 0.0f;
      rows->codes[r] = r;
    }
  rows->codes[200] = KILN_CODE_NONE;
  rows->codes[201] = KILN_CODE_NONE;
  v = predict (model, rows);
  /* one split separates the set exactly, though its codes are not next to each other */
  for (guint r = 0; r < 200; r++)
    {
      gboolean in_set = r % 7 == 0 || r == 3;
      g_assert_cmpfloat_with_epsilon (v[r], in_set ? 5.0 : 0.0, 1e-9);
    }
  /* missing and unseen codes follow the side learnt for missing values: here none were seen,
   * so they go with the larger group */
  g_assert_cmpfloat_with_epsilon (v[200], 0.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[201], 0.0, 1e-9);

  /* with more codes than bins, the most frequent keep their own: codes of 20 and more rows
   * (1..299) are told apart, the rare ones (300..599, 2 rows each) share a bin */
  {
    guint many[1] = { 600 };
    guint m = 0;
    g_autoptr(KilnDataset) big = NULL;
    g_autoptr(KilnDataset) probe = kiln_dataset_new_features (3, 1, 1, many);
    g_autoptr(KilnModel) wide = NULL;
    g_autofree double *w = NULL;

    for (guint code = 1; code < 600; code++)
      m += code < 300 ? 20 : 2;
    big = kiln_dataset_new_coded (m, 1, 1, many, KILN_TASK_REGRESSION, 0);
    m = 0;
    for (guint code = 1; code < 600; code++)
      for (guint k = 0; k < (code < 300 ? 20u : 2u); k++, m++)
        {
          big->x[m] = 0.0f;
          big->codes[m] = code;
          big->y_value[m] = code == 17 || code == 250 ? 5.0 : 0.0;
        }
    wide = fit (big, NULL, &options, NULL);
    probe->codes[0] = 17;
    probe->codes[1] = 250;
    probe->codes[2] = 0;    /* seen in no training row */
    w = predict (wide, probe);
    g_assert_cmpfloat_with_epsilon (w[0], 5.0, 1e-9);
    g_assert_cmpfloat_with_epsilon (w[1], 5.0, 1e-9);
    g_assert_cmpfloat_with_epsilon (w[2], 0.0, 1e-9);
  }
}

/* ---- Early stopping and cancel ---------------------------------------------------------------- */

typedef struct {
  GArray       *val_loss;
  KilnModel    *best;
  guint         best_epoch;
  guint         cancel_after;
  GCancellable *cancellable;
} Watch;

static void
on_epoch (guint      epoch,
          double     train_loss,
          double     val_loss,
          double     val_metric,
          KilnModel *snapshot,
          gpointer   user_data)
{
  Watch *w = user_data;

  g_assert_cmpuint (epoch, ==, w->val_loss->len + 1);
  g_assert_true (isfinite (train_loss));
  g_array_append_val (w->val_loss, val_loss);
  if (snapshot != NULL)
    {
      g_clear_pointer (&w->best, kiln_model_unref);
      w->best = kiln_model_ref (snapshot);
      w->best_epoch = epoch;
    }
  if (w->cancel_after > 0 && epoch == w->cancel_after)
    g_cancellable_cancel (w->cancellable);
}

static double
log_loss (const KilnDataset *ds,
          const double      *p)
{
  double sum = 0.0;

  for (guint i = 0; i < ds->n_rows; i++)
    sum -= log (MAX (p[(gsize) i * ds->n_classes + ds->y_class[i]], 1e-300));
  return sum / ds->n_rows;
}

static void
test_early_stopping (void)
{
  g_autoptr(KilnDataset) train = make_data (600, KILN_TASK_CLASSIFICATION, 3, 21);
  g_autoptr(KilnDataset) val = make_data (400, KILN_TASK_CLASSIFICATION, 3, 22);
  g_autoptr(KilnModel) model = NULL;
  g_autofree double *p = NULL;
  KilnModelOptions options;
  Watch w = { g_array_new (FALSE, FALSE, sizeof (double)), NULL, 0, 0, NULL };
  KilnFitMonitor monitor = { on_epoch, NULL, &w };
  guint best = 0;

  /* a fast learning rate and small leaves overfit 600 noisy rows within a few dozen rounds */
  options_for (&options, KILN_TASK_CLASSIFICATION);
  options.gbt.rounds = 500;
  options.gbt.learning_rate = 0.5;
  options.gbt.min_samples_leaf = 2;
  options.gbt.early_stopping = 5;
  model = fit (train, val, &options, &monitor);
  for (guint e = 0; e < w.val_loss->len; e++)
    if (g_array_index (w.val_loss, double, e) < g_array_index (w.val_loss, double, best))
      best = e;
  /* it stopped 5 rounds after the best, long before 500 */
  g_assert_cmpuint (w.val_loss->len, <, 500);
  g_assert_cmpuint (w.val_loss->len, ==, best + 1 + 5);
  g_assert_cmpuint (w.best_epoch, ==, best + 1);
  /* the model kept the best round: its validation loss is the best one reported */
  p = predict (model, val);
  g_assert_cmpfloat_with_epsilon (log_loss (val, p), g_array_index (w.val_loss, double, best), 1e-6);
  {
    g_autoptr(JsonNode) node = kiln_model_to_json (model);
    JsonObject *params = json_object_get_object_member (json_node_get_object (node), "params");
    g_assert_cmpint (json_object_get_int_member (params, "n_rounds"), ==, best + 1);
  }
  g_clear_pointer (&w.best, kiln_model_unref);
  g_array_unref (w.val_loss);
}

static void
test_cancel (void)
{
  g_autoptr(KilnDataset) train = make_data (2000, KILN_TASK_REGRESSION, 0, 31);
  g_autoptr(KilnDataset) val = make_data (500, KILN_TASK_REGRESSION, 0, 32);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *p = NULL;
  KilnModelOptions options;
  Watch w = { g_array_new (FALSE, FALSE, sizeof (double)), NULL, 0, 7, cancellable };
  KilnFitMonitor monitor = { on_epoch, NULL, &w };

  options_for (&options, KILN_TASK_REGRESSION);
  options.gbt.rounds = 1000;
  model = kiln_model_new ("gbt", &options, &error);
  g_assert_no_error (error);
  g_assert_false (kiln_model_fit (model, train, val, &monitor, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (kiln_model_is_fitted (model));
  /* it stopped at the next round; the snapshot of the best round so far works */
  g_assert_cmpuint (w.val_loss->len, ==, 7);
  g_assert_nonnull (w.best);
  g_assert_true (kiln_model_is_fitted (w.best));
  p = predict (w.best, val);
  {
    double sse = 0.0, sst = 0.0, mean = 0.0;

    for (guint i = 0; i < val->n_rows; i++)
      mean += val->y_value[i] / val->n_rows;
    for (guint i = 0; i < val->n_rows; i++)
      {
        sse += (p[i] - val->y_value[i]) * (p[i] - val->y_value[i]);
        sst += (mean - val->y_value[i]) * (mean - val->y_value[i]);
      }
    /* seven rounds at 0.1 already explain a good part of the variance */
    g_assert_cmpfloat (1.0 - sse / sst, >, 0.3);
  }
  {
    g_autoptr(JsonNode) node = kiln_model_to_json (w.best);
    JsonObject *params = json_object_get_object_member (json_node_get_object (node), "params");
    g_assert_cmpint (json_object_get_int_member (params, "n_rounds"), ==, w.best_epoch);
  }
  g_clear_pointer (&w.best, kiln_model_unref);
  g_array_unref (w.val_loss);
}

/* The training worker: cancelling a gbt run keeps the best round. */
static void
test_cancel_run (void)
{
  KilnDataset *train = make_data (5000, KILN_TASK_CLASSIFICATION, 3, 41);
  KilnDataset *val = make_data (1000, KILN_TASK_CLASSIFICATION, 3, 42);
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(KilnTrainRun) run = NULL;
  g_autoptr(GError) error = NULL;
  KilnModelOptions options;
  KilnTrainEvent *event;
  guint epochs = 0, best = 0;
  gboolean cancelled = FALSE;

  options_for (&options, KILN_TASK_CLASSIFICATION);
  options.gbt.rounds = 100000;
  model = kiln_model_new ("gbt", &options, &error);
  g_assert_no_error (error);
  run = kiln_train_run_start (model, train, val, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      if (event->kind == KILN_TRAIN_EVENT_EPOCH)
        {
          epochs++;
          g_assert_cmpfloat (event->fraction, <=, 1.0);
          if (event->best)
            best = event->epoch;
          if (epochs == 5)
            kiln_train_run_cancel (run);
        }
      else if (event->kind == KILN_TRAIN_EVENT_CANCELLED)
        {
          g_autoptr(JsonNode) node = NULL;
          JsonObject *params;

          cancelled = TRUE;
          g_assert_nonnull (event->model);
          node = kiln_model_to_json (event->model);
          params = json_object_get_object_member (json_node_get_object (node), "params");
          g_assert_cmpint (json_object_get_int_member (params, "n_rounds"), ==, best);
        }
      else
        g_assert_true (event->kind == KILN_TRAIN_EVENT_STARTED);
      kiln_train_event_free (event);
    }
  g_assert_true (cancelled);
  g_assert_cmpuint (best, >=, 1);
}

/* ---- Saving ------------------------------------------------------------------------------------ */

static void
test_round_trip (void)
{
  const KilnTask tasks[3] = { KILN_TASK_REGRESSION, KILN_TASK_CLASSIFICATION, KILN_TASK_CLASSIFICATION };
  const guint classes[3] = { 0, 2, 3 };

  for (guint t = 0; t < 3; t++)
    {
      g_autoptr(KilnDataset) train = make_data (2000, tasks[t], classes[t], 51);
      g_autoptr(KilnDataset) test = make_data (700, tasks[t], classes[t], 52);
      g_autoptr(KilnModel) model = NULL;
      g_autoptr(KilnModel) loaded = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(JsonNode) parsed = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      g_autofree char *again = NULL;
      g_autofree double *a = NULL, *b = NULL;
      KilnModelOptions options;

      options_for (&options, tasks[t]);
      options.gbt.max_depth = 5;
      model = fit (train, NULL, &options, NULL);
      node = kiln_model_to_json (model);
      text = json_to_string (node, FALSE);
      /* packed: no JSON number per node */
      g_assert_null (strstr (text, "\"left\":["));
      parsed = json_from_string (text, &error);
      g_assert_no_error (error);
      loaded = kiln_model_from_json (parsed, &error);
      g_assert_no_error (error);
      a = predict (model, test);
      b = predict (loaded, test);
      assert_same (a, b, (gsize) test->n_rows * (classes[t] > 0 ? classes[t] : 1));
      again = model_text (loaded);
      g_assert_cmpstr (text, ==, again);
      {
        guint w = kiln_model_get_n_features (model);
        g_autofree double *ia = g_new (double, w);
        g_autofree double *ib = g_new (double, w);
        double sum = 0.0;

        g_assert_true (kiln_model_get_importances (model, ia));
        g_assert_true (kiln_model_get_importances (loaded, ib));
        assert_same (ia, ib, w);
        for (guint f = 0; f < w; f++)
          sum += ia[f];
        g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-12);
        /* feature 0 (weight 2) matters more than feature 1 (weight 1), both more than noise */
        g_assert_cmpfloat (ia[0], >, ia[1]);
      }
    }
}

/* Damaged trees are refused with a clear error, never crash. */
static void
test_damaged (void)
{
  g_autoptr(KilnDataset) train = make_data (500, KILN_TASK_REGRESSION, 0, 61);
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(JsonNode) node = NULL;
  KilnModelOptions options;
  JsonObject *trees;
  const char *members[] = { "left", "right", "info", "split", "leaf", "tree_nodes" };

  options_for (&options, KILN_TASK_REGRESSION);
  options.gbt.rounds = 3;
  model = fit (train, NULL, &options, NULL);
  node = kiln_model_to_json (model);
  trees = json_object_get_object_member (json_object_get_object_member (json_node_get_object (node),
                                                                        "params"), "trees");
  for (guint m = 0; m < G_N_ELEMENTS (members); m++)
    {
      g_autofree char *saved = g_strdup (json_object_get_string_member (trees, members[m]));
      const char *damage[] = { "i32 3 AAAA", "u8 1 !!!!", "f64z 1000000000 eJw=", "x", "" };

      for (guint d = 0; d < G_N_ELEMENTS (damage); d++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(KilnModel) loaded = NULL;

          json_object_set_string_member (trees, members[m], damage[d]);
          loaded = kiln_model_from_json (node, &error);
          g_assert_null (loaded);
          g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
        }
      json_object_set_string_member (trees, members[m], saved);
    }
  /* children pointing back up would loop: refused */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KilnModel) loaded = NULL;
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) packed = NULL;
    gint32 right[64];
    gssize n;
    JsonObject *o;

    n = _kiln_json_get_array_length (trees, "right", &error);
    g_assert_no_error (error);
    g_assert_cmpint (n, >, 0);
    g_assert_cmpint (n, <=, 64);
    g_assert_true (_kiln_json_get_ints (trees, "right", right, n, &error));
    right[0] = 0;
    json_builder_begin_object (b);
    _kiln_json_add_packed_ints (b, "right", right, n);
    json_builder_end_object (b);
    packed = json_builder_get_root (b);
    o = json_node_get_object (packed);
    json_object_set_string_member (trees, "right", json_object_get_string_member (o, "right"));
    loaded = kiln_model_from_json (node, &error);
    g_assert_null (loaded);
    g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
  }
}

/* ---- Packed arrays ---------------------------------------------------------------------------- */

static void
test_packed (void)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *o;
  gint32 ints[1000], ints2[1000];
  guint32 uints[1000], uints2[1000];
  float floats[1000], floats2[1000];
  double doubles[1000], doubles2[1000];
  const gint32 extremes[4] = { G_MININT32, G_MAXINT32, 0, -1 };
  gint32 extremes2[4];

  for (guint i = 0; i < 1000; i++)
    {
      ints[i] = (gint32) i * 3;                   /* a run: delta-coded */
      uints[i] = (guint32) (i * 2654435761u);     /* scattered: plain u32 */
      floats[i] = (float) sin (i) * 1e6f;
      doubles[i] = i % 3 == 0 ? -0.0 : 1.0 / (i + 1);
    }
  json_builder_begin_object (b);
  _kiln_json_add_packed_ints (b, "ints", ints, 1000);
  _kiln_json_add_packed_uints (b, "uints", uints, 1000);
  _kiln_json_add_packed_floats (b, "floats", floats, 1000);
  _kiln_json_add_packed_doubles (b, "doubles", doubles, 1000);
  _kiln_json_add_packed_ints (b, "extremes", extremes, 4);
  _kiln_json_add_packed_ints (b, "empty", ints, 0);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  parsed = json_from_string (text, &error);
  g_assert_no_error (error);
  o = json_node_get_object (parsed);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "ints"), "u8d"));
  g_assert_cmpint (_kiln_json_get_array_length (o, "ints", &error), ==, 1000);
  g_assert_true (_kiln_json_get_ints (o, "ints", ints2, 1000, &error));
  g_assert_true (_kiln_json_get_uints (o, "uints", uints2, 1000, &error));
  g_assert_true (_kiln_json_get_floats (o, "floats", floats2, 1000, &error));
  g_assert_true (_kiln_json_get_doubles (o, "doubles", doubles2, 1000, &error));
  g_assert_true (_kiln_json_get_ints (o, "extremes", extremes2, 4, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (ints, sizeof ints, ints2, sizeof ints2);
  g_assert_cmpmem (uints, sizeof uints, uints2, sizeof uints2);
  g_assert_cmpmem (floats, sizeof floats, floats2, sizeof floats2);
  g_assert_cmpmem (doubles, sizeof doubles, doubles2, sizeof doubles2);
  g_assert_cmpmem (extremes, sizeof extremes, extremes2, sizeof extremes2);
  g_assert_cmpint (_kiln_json_get_array_length (o, "empty", &error), ==, 0);
  /* the wrong count, and the wrong type, are refused */
  g_assert_false (_kiln_json_get_ints (o, "ints", ints2, 999, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_false (_kiln_json_get_ints (o, "uints", ints2, 1000, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_false (_kiln_json_get_ints (o, "floats", ints2, 1000, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT);
  g_clear_error (&error);
  /* plain JSON arrays (saved before) still read */
  {
    g_autoptr(JsonBuilder) pb = json_builder_new ();
    g_autoptr(JsonNode) plain = NULL;

    json_builder_begin_object (pb);
    _kiln_json_add_ints (pb, "ints", ints, 1000);
    json_builder_end_object (pb);
    plain = json_builder_get_root (pb);
    memset (ints2, 0, sizeof ints2);
    g_assert_true (_kiln_json_get_ints (json_node_get_object (plain), "ints", ints2, 1000, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (ints, sizeof ints, ints2, sizeof ints2);
  }
}

/* ---- Through the pipeline --------------------------------------------------------------------- */

/* A CSV with missing numbers: the gbt pipeline imputes nothing (the recipe keeps them missing,
 * and says so in the bundle), the trees learn where they go, and the saved bundle predicts rows
 * with gaps the same after loading. A forest on the same file gets the imputation step. */
static void
test_pipeline_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kiln-gbt-XXXXXX", &error);
  g_autofree char *csv = g_build_filename (dir, "gaps.csv", NULL);
  g_autofree char *bundle_path = g_build_filename (dir, "gaps.kiln", NULL);
  GString *text = g_string_new ("a,b,colour,y\n");
  g_autoptr(KilnFrame) frame = NULL;
  KilnRng rng;
  const char *families[] = { "gbt", "forest" };

  g_assert_no_error (error);
  kiln_rng_init (&rng, 3);
  for (guint i = 0; i < 600; i++)
    {
      double a = kiln_rng_double (&rng), b = kiln_rng_double (&rng);
      gboolean gap = kiln_rng_uniform (&rng, 4) == 0;
      const char *colour = (const char *[]) { "red", "green", "blue" }[kiln_rng_uniform (&rng, 3)];
      /* a missing "a" means a high y: only a model that learns from the gap gets those rows */
      double y = gap ? 10.0 : 4.0 * a + (b > 0.5 ? 2.0 : 0.0);

      if (gap)
        g_string_append_printf (text, ",%.4f,%s,%.4f\n", b, colour, y);
      else
        g_string_append_printf (text, "%.4f,%.4f,%s,%.4f\n", a, b, colour, y);
    }
  g_assert_true (g_file_set_contents (csv, text->str, text->len, &error));
  g_string_free (text, TRUE);
  frame = kiln_csv_read (csv, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      KilnPipelineOptions options;
      KilnPipeline *pipeline;
      g_autoptr(KilnModel) model = NULL;
      g_autoptr(KilnEvaluation) evaluation = NULL;
      g_autoptr(KilnBundle) bundle = NULL;
      g_autoptr(KilnBundle) loaded = NULL;
      g_autofree double *p1 = NULL;
      g_autofree double *p2 = NULL;
      guint n1 = 0, n2 = 0;
      double r2;

      kiln_pipeline_options_init (&options, "y", families[f]);
      pipeline = kiln_pipeline_prepare (frame, NULL, &options, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (kiln_recipe_get_keeps_missing (kiln_pipeline_get_recipe (pipeline)), ==,
                       f == 0);
      model = kiln_pipeline_fit (pipeline, NULL, NULL, &error);
      g_assert_no_error (error);
      evaluation = kiln_pipeline_evaluate (pipeline, model, &error);
      g_assert_no_error (error);
      r2 = kiln_evaluation_get_metrics (evaluation)->r2;
      g_test_message ("%s on rows with gaps: test R^2 %.4f", families[f], r2);
      if (f == 0)
        g_assert_cmpfloat (r2, >, 0.97);
      bundle = kiln_pipeline_make_bundle (pipeline, model, evaluation, &error);
      g_assert_no_error (error);
      g_assert_true (kiln_bundle_save (bundle, bundle_path, NULL, &error));
      g_assert_no_error (error);
      loaded = kiln_bundle_load (bundle_path, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (kiln_recipe_get_keeps_missing (kiln_bundle_get_recipe (loaded)), ==, f == 0);
      p1 = kiln_bundle_predict (bundle, frame, &n1, &error);
      g_assert_no_error (error);
      p2 = kiln_bundle_predict (loaded, frame, &n2, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n1, ==, 600);
      g_assert_cmpmem (p1, n1 * sizeof (double), p2, n2 * sizeof (double));
      for (guint i = 0; i < n1; i++)
        g_assert_true (isfinite (p1[i]));
      g_unlink (bundle_path);
      kiln_pipeline_unref (pipeline);
      kiln_pipeline_options_clear (&options);
    }
  g_unlink (csv);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gbt/determinism", test_determinism);
  g_test_add_func ("/gbt/determinism-shared", test_determinism_shared);
  g_test_add_func ("/gbt/histogram-subtraction", test_histogram_subtraction);
  g_test_add_func ("/gbt/missing-direction", test_missing_direction);
  g_test_add_func ("/gbt/min-hessian", test_min_hessian);
  g_test_add_func ("/gbt/categorical", test_categorical);
  g_test_add_func ("/gbt/early-stopping", test_early_stopping);
  g_test_add_func ("/gbt/cancel", test_cancel);
  g_test_add_func ("/gbt/cancel-run", test_cancel_run);
  g_test_add_func ("/gbt/round-trip", test_round_trip);
  g_test_add_func ("/gbt/damaged", test_damaged);
  g_test_add_func ("/gbt/packed", test_packed);
  g_test_add_func ("/gbt/pipeline-missing", test_pipeline_missing);
  return g_test_run ();
}
