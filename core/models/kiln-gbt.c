/* kiln-gbt.c: gradient-boosted trees on histograms, as LightGBM and scikit-learn's
 * HistGradientBoosting*.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Losses, as scikit-learn's: squared error for regression (one tree a round, starting from the
 * mean), log loss for two classes (one tree a round on the log-odds, starting from the prior's),
 * softmax for more (one tree per class a round, starting from the log priors). Each round fits
 * trees to the gradients and hessians of the loss at the current predictions (kiln-gbt-grow.c),
 * on the rows and features drawn for it (subsample, colsample), and adds them.
 *
 * Every round is an epoch for the training worker: the training loss, and with a validation split
 * its loss and metric (accuracy or R^2). Losses are the mean log loss, or for regression half the
 * mean squared error divided by the training target's variance (the MLP's scale). Early stopping
 * watches the validation loss (the training loss without a validation split) and stops after
 * `early_stopping` rounds without an improvement of ES_TOL; the model then keeps the best
 * round's trees. A snapshot of the best rounds so far goes with each epoch that improves, so a
 * cancelled fit keeps it: snapshots share the trees, which are only ever appended.
 *
 * Threads (one KilnParallelTeam per fit): with several classes and rows enough to keep each thread busy
 * the trees of a round grow side by side, one per thread; otherwise the threads share each tree's
 * histograms and partitions. Sums over rows go by fixed chunks of rows, and histogram sums are
 * integers: the same model, bit for bit, for the same seed whatever the number of threads.
 */
#define G_LOG_DOMAIN "kiln-gbt"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-gbt-private.h"
#include "kiln-model-private.h"
#include "kiln-tree-shap.h"

#define ES_TOL          1e-7
#define MAX_ROWS        (1u << 27)
#define MAX_ROUNDS      100000
#define MAX_LEAVES      4096

static GbtStore *
store_new (guint capacity)
{
  GbtStore *store = g_new0 (GbtStore, 1);

  store->ref_count = 1;
  store->capacity = capacity;
  store->trees = g_new0 (GbtTree, MAX (capacity, 1));
  return store;
}

static GbtStore *
store_ref (GbtStore *store)
{
  g_atomic_int_inc (&store->ref_count);
  return store;
}

static void
store_unref (GbtStore *store)
{
  if (store == NULL || !g_atomic_int_dec_and_test (&store->ref_count))
    return;
  for (guint t = 0; t < store->capacity; t++)
    _kiln_gbt_tree_clear (&store->trees[t]);
  g_free (store->trees);
  g_free (store);
}


/* ---- Options ---------------------------------------------------------------------------------- */

static gboolean
kiln_gbt_check_options (const KilnModelOptions *options,
                        GError                **error)
{
  const char *bad = NULL;

  if (options->gbt.rounds < 1 || options->gbt.rounds > MAX_ROUNDS)
    bad = _("The number of boosting rounds must be between 1 and 100000.");
  else if (!(options->gbt.learning_rate > 0.0 && options->gbt.learning_rate <= 10.0))
    bad = _("The learning rate must be above 0 and at most 10.");
  else if (options->gbt.max_leaves < 2 || options->gbt.max_leaves > MAX_LEAVES)
    bad = _("The number of leaves per tree must be between 2 and 4096.");
  else if (options->gbt.max_depth > 1000)
    bad = _("The maximum depth must be at most 1000 (0: no limit).");
  else if (options->gbt.min_samples_leaf < 1 || options->gbt.min_samples_leaf > G_MAXINT32 / 2)
    bad = _("The minimum number of rows per leaf must be at least 1.");
  else if (!(options->gbt.l2 >= 0.0 && isfinite (options->gbt.l2)))
    bad = _("The L2 regularisation of leaf values must be 0 or more.");
  else if (!(options->gbt.subsample > 0.0 && options->gbt.subsample <= 1.0))
    bad = _("The fraction of rows per round must be above 0 and at most 1.");
  else if (!(options->gbt.colsample > 0.0 && options->gbt.colsample <= 1.0))
    bad = _("The fraction of features per tree must be above 0 and at most 1.");
  else if (!(options->gbt.min_hessian >= 0.0 && options->gbt.min_hessian <= 1e6))
    bad = _("The minimum weight per leaf must be between 0 and 1000000.");
  else if (options->gbt.max_bins < 2 || options->gbt.max_bins > GBT_MAX_BINS)
    bad = _("The number of bins per feature must be between 2 and 255.");
  if (bad != NULL)
    {
      g_set_error_literal (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS, bad);
      return FALSE;
    }
  return TRUE;
}

static guint
kiln_gbt_max_epochs (const KilnModelOptions *options)
{
  return options->gbt.rounds;
}

/* ---- Fitting ---------------------------------------------------------------------------------- */

typedef struct {
  KilnGbt           *self;
  const GbtBins     *bins;
  GbtGrower        **growers;      /* one per thread when trees grow side by side, else one */
  KilnParallelTeam          *team;         /* for trees that share the threads; NULL when side by side */
  const GbtInput    *train_in;
  const GbtInput    *val_in;
  guint              k;
  guint              round;
  guint64            seed;
  double            *g, *h;        /* k x n_train, class-major */
  double             g_max;        /* regression: the largest |g| */
  double            *pred;         /* k x n_train */
  double            *val_raw;      /* k x n_val */
  const guint32     *rows;         /* the round's rows, ascending */
  guint              n_rows;
  const guint32     *left_out;     /* the other training rows */
  guint              n_left_out;
  guint              n_feat_tree;  /* features per tree */
  guint            **feat_buf;     /* per grower: n_features */
  guint            **perm_buf;
} RoundJob;

/* Draws the features of tree @index (colsample), ascending, into @feat; returns how many. */
static guint
draw_features (RoundJob *job,
               guint     index,
               guint    *feat,
               guint32  *perm)
{
  guint d = job->bins->n_features, m = job->n_feat_tree;
  KilnRng rng;

  if (m >= d)
    {
      for (guint f = 0; f < d; f++)
        feat[f] = f;
      return d;
    }
  kiln_rng_init_stream (&rng, job->seed ^ G_GUINT64_CONSTANT (0x6a09e667f3bcc908), index);
  kiln_rng_permutation (&rng, perm, d);
  /* the first m of a permutation, in ascending order */
  memset (feat, 0, d * sizeof (guint));
  for (guint i = 0; i < m; i++)
    feat[perm[i]] = 1;
  for (guint f = 0, j = 0; f < d; f++)
    if (feat[f])
      feat[j++] = f;
  return m;
}

static void
grow_class (RoundJob *job,
            guint     c,
            guint     grower_index,
            KilnParallelTeam *team)
{
  KilnGbt *self = job->self;
  guint k = job->k, index = job->round * k + c, n = job->train_in->n_rows;
  GbtTree *tree = &self->store->trees[index];
  GbtGrower *grower = job->growers[grower_index];
  double *pred = job->pred + (gsize) c * n;
  GbtGrowInput in;

  in.g = job->g + (gsize) c * n;
  in.h = job->h != NULL ? job->h + (gsize) c * n : NULL;
  /* log loss: |g| <= 1, h <= 1/4 */
  in.g_max = job->h != NULL ? 1.0 : job->g_max;
  in.h_max = 0.25;
  in.rows = job->rows;
  in.n_rows = job->n_rows;
  in.features = job->feat_buf[grower_index];
  in.n_features = draw_features (job, index, job->feat_buf[grower_index],
                                 job->perm_buf[grower_index]);
  _kiln_gbt_grow (grower, &in, team, tree);
  _kiln_gbt_tree_finish (tree);
  _kiln_gbt_grower_add_leaves (grower, tree, pred, team);

  if (job->n_left_out > 0)
    {
      g_autofree guint *leaf = g_new (guint, job->n_left_out);

      _kiln_gbt_tree_leaves (tree, job->train_in, job->left_out, 0, job->n_left_out, leaf);
      for (guint j = 0; j < job->n_left_out; j++)
        pred[job->left_out[j]] += tree->leaf[leaf[j]];
    }
  if (job->val_in != NULL)
    {
      guint nv = job->val_in->n_rows;
      double *val = job->val_raw + (gsize) c * nv;
      g_autofree guint *leaf = g_new (guint, MAX (nv, 1));

      _kiln_gbt_tree_leaves (tree, job->val_in, NULL, 0, nv, leaf);
      for (guint i = 0; i < nv; i++)
        val[i] += tree->leaf[leaf[i]];
    }
}

static gboolean
class_task (guint    task,
             guint    thread,
             gpointer data)
{
  grow_class (data, task, thread, NULL);
  return TRUE;
}

static KilnModel *
make_snapshot (KilnGbt *self,
               guint    n_rounds)
{
  KilnGbt *copy = (KilnGbt *) _kiln_model_new_like (&self->parent);

  copy->store = store_ref (self->store);
  copy->n_rounds = n_rounds;
  copy->n_outputs = self->n_outputs;
  copy->baseline = g_memdup2 (self->baseline, self->n_outputs * sizeof (double));
  copy->parent.fitted = TRUE;
  return &copy->parent;
}

static void
gbt_clear (KilnGbt *self)
{
  g_clear_pointer (&self->store, store_unref);
  g_clear_pointer (&self->baseline, g_free);
  self->n_rounds = 0;
}

static gboolean
kiln_gbt_fit (KilnModel            *model,
              const KilnDataset    *train,
              const KilnDataset    *val,
              const KilnFitMonitor *monitor,
              GCancellable         *cancellable,
              GError              **error)
{
  KilnGbt *self = (KilnGbt *) model;
  const KilnModelOptions *opt = &model->options;
  GbtInput train_in = _kiln_gbt_input_of (train), val_in;
  GbtGrowParams params = { 0, };
  GbtLoss loss = { 0, };
  KilnParallelTeam *team;
  GbtBins *bins;
  RoundJob job = { 0, };
  guint n = train->n_rows, k, n_threads, n_growers, best_round = 0, since_best = 0, done = 0;
  double train_loss, best_loss = INFINITY;
  g_autofree double *pred = NULL;
  g_autofree double *g = NULL;
  g_autofree double *h = NULL;
  g_autofree double *val_raw = NULL;
  g_autofree guint32 *all_rows = NULL;
  g_autofree guint32 *rows = NULL;
  g_autofree guint32 *left_out = NULL;
  gboolean side_by_side, cancelled = FALSE;

  if (n > MAX_ROWS)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("Gradient boosting takes at most %u training rows, not %u."), MAX_ROWS, n);
      return FALSE;
    }
  if (train->task == KILN_TASK_CLASSIFICATION && train->n_classes > 100000)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("Too many classes (%u) for gradient boosting."), train->n_classes);
      return FALSE;
    }

  gbt_clear (self);
  k = train->task == KILN_TASK_CLASSIFICATION && train->n_classes > 2 ? train->n_classes : 1;
  self->n_outputs = k;
  self->baseline = g_new0 (double, k);
  self->store = store_new (opt->gbt.rounds * k);

  /* the loss and the starting scores */
  loss.task = train->task;
  loss.k = k;
  loss.n_classes = train->n_classes;
  loss.y_class = train->y_class;
  loss.y_value = train->y_value;
  if (train->task == KILN_TASK_REGRESSION)
    {
      double mean = 0.0, var = 0.0;

      for (guint i = 0; i < n; i++)
        mean += train->y_value[i];
      mean /= n;
      for (guint i = 0; i < n; i++)
        var += (train->y_value[i] - mean) * (train->y_value[i] - mean);
      var /= n;
      self->baseline[0] = mean;
      loss.y_scale = var > 0.0 ? 0.5 / var : 0.5;
    }
  else
    {
      g_autofree double *freq = g_new0 (double, train->n_classes);

      for (guint i = 0; i < n; i++)
        freq[train->y_class[i]] += 1.0;
      for (guint c = 0; c < train->n_classes; c++)
        freq[c] = CLAMP (freq[c] / n, 1e-15, 1.0 - 1e-15);
      if (k == 1)
        self->baseline[0] = log (freq[1] / freq[0]);
      else
        for (guint c = 0; c < k; c++)
          self->baseline[c] = log (freq[c]);
    }

  n_threads = opt->n_threads > 0 ? opt->n_threads : (guint) g_get_num_processors ();
  team = kiln_parallel_team_new (n_threads);
  n_threads = kiln_parallel_team_get_n_threads (team);
  bins = _kiln_gbt_bins_new (&train_in, opt->gbt.max_bins, team);

  params.max_leaves = opt->gbt.max_leaves;
  params.max_depth = opt->gbt.max_depth;
  params.min_samples_leaf = opt->gbt.min_samples_leaf;
  params.l2 = opt->gbt.l2;
  params.min_hessian = opt->gbt.min_hessian;
  params.learning_rate = opt->gbt.learning_rate;

  /* several classes: their trees grow side by side when there are enough of them to share */
  side_by_side = n_threads > 1 && k >= 2 && (k >= 2 * n_threads || (guint64) n * k < 4000000);
  n_growers = side_by_side ? n_threads : 1;
  job.growers = g_new0 (GbtGrower *, n_growers);
  job.feat_buf = g_new0 (guint *, n_growers);
  job.perm_buf = g_new0 (guint *, n_growers);
  for (guint i = 0; i < n_growers; i++)
    {
      job.growers[i] = _kiln_gbt_grower_new (bins, &params);
      job.feat_buf[i] = g_new (guint, MAX (bins->n_features, 1));
      job.perm_buf[i] = g_new (guint32, MAX (bins->n_features, 1));
    }

  pred = g_new (double, (gsize) n * k);
  g = g_new (double, (gsize) n * k);
  h = train->task == KILN_TASK_CLASSIFICATION ? g_new (double, (gsize) n * k) : NULL;
  for (gsize i = 0; i < (gsize) n * k; i++)
    pred[i] = self->baseline[i / n];
  if (val != NULL)
    {
      val_in = _kiln_gbt_input_of (val);
      val_raw = g_new (double, (gsize) val->n_rows * k);
      for (gsize i = 0; i < (gsize) val->n_rows * k; i++)
        val_raw[i] = self->baseline[i / val->n_rows];
    }
  all_rows = g_new (guint32, n);
  for (guint i = 0; i < n; i++)
    all_rows[i] = i;
  if (opt->gbt.subsample < 1.0)
    {
      rows = g_new (guint32, n);
      left_out = g_new (guint32, n);
    }

  job.self = self;
  job.bins = bins;
  job.team = side_by_side ? NULL : team;
  job.train_in = &train_in;
  job.val_in = val != NULL ? &val_in : NULL;
  job.k = k;
  job.seed = opt->seed;
  job.g = g;
  job.h = h;
  job.pred = pred;
  job.val_raw = val_raw;
  job.n_feat_tree = (guint) CLAMP (floor (opt->gbt.colsample * bins->n_features + 0.5), 1,
                                   MAX (bins->n_features, 1));

  train_loss = _kiln_gbt_mean_loss (&loss, n, pred, g, h, &job.g_max, team);
  for (guint r = 0; r < opt->gbt.rounds; r++)
    {
      double val_loss = NAN, val_metric = NAN, monitored;
      KilnModel *snapshot = NULL;
      gboolean improved;

      if (g_cancellable_is_cancelled (cancellable))
        {
          cancelled = TRUE;
          break;
        }

      /* the round's rows */
      if (opt->gbt.subsample < 1.0)
        {
          KilnRng rng;
          guint m = 0, o = 0;

          kiln_rng_init_stream (&rng, opt->seed, r);
          for (guint i = 0; i < n; i++)
            {
              if (kiln_rng_double (&rng) < opt->gbt.subsample)
                rows[m++] = i;
              else
                left_out[o++] = i;
            }
          if (m == 0)
            rows[m++] = left_out[--o];
          job.rows = rows;
          job.n_rows = m;
          job.left_out = left_out;
          job.n_left_out = o;
        }
      else
        {
          job.rows = all_rows;
          job.n_rows = n;
          job.n_left_out = 0;
        }

      job.round = r;
      if (side_by_side)
        kiln_parallel_team_run (team, k, class_task, &job);
      else
        for (guint c = 0; c < k; c++)
          grow_class (&job, c, 0, team);
      done = r + 1;
      self->n_rounds = done;

      train_loss = _kiln_gbt_mean_loss (&loss, n, pred, g, h, &job.g_max, team);
      if (!isfinite (train_loss))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                       _("The training loss became infinite or not a number at round %u; try a smaller learning rate."),
                       r + 1);
          goto fail;
        }
      if (val != NULL)
        {
          GbtLoss vl = loss;

          vl.y_class = val->y_class;
          vl.y_value = val->y_value;
          val_loss = _kiln_gbt_mean_loss (&vl, val->n_rows, val_raw, NULL, NULL, NULL, team);
          val_metric = _kiln_gbt_metric (&loss, val, val_raw);
        }

      monitored = val != NULL ? val_loss : train_loss;
      improved = monitored < best_loss - ES_TOL || r == 0;
      if (improved)
        {
          best_loss = monitored;
          best_round = done;
          since_best = 0;
        }
      else
        since_best++;
      if (monitor != NULL && monitor->epoch != NULL)
        {
          if (improved)
            snapshot = make_snapshot (self, done);
          monitor->epoch (done, train_loss, val_loss, val_metric, snapshot, monitor->user_data);
          g_clear_pointer (&snapshot, kiln_model_unref);
        }
      if (opt->gbt.early_stopping > 0 && since_best >= opt->gbt.early_stopping)
        break;
    }

  if (cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      goto fail;
    }

  /* with early stopping the model keeps the best round; the later trees are in no snapshot */
  if (opt->gbt.early_stopping > 0 && best_round > 0 && best_round < done)
    {
      for (guint t = best_round * k; t < done * k; t++)
        _kiln_gbt_tree_clear (&self->store->trees[t]);
      self->n_rounds = best_round;
    }

  for (guint i = 0; i < n_growers; i++)
    {
      _kiln_gbt_grower_free (job.growers[i]);
      g_free (job.feat_buf[i]);
      g_free (job.perm_buf[i]);
    }
  g_free (job.growers);
  g_free (job.feat_buf);
  g_free (job.perm_buf);
  _kiln_gbt_bins_free (bins);
  kiln_parallel_team_free (team);
  return TRUE;

fail:
  for (guint i = 0; i < n_growers; i++)
    {
      _kiln_gbt_grower_free (job.growers[i]);
      g_free (job.feat_buf[i]);
      g_free (job.perm_buf[i]);
    }
  g_free (job.growers);
  g_free (job.feat_buf);
  g_free (job.perm_buf);
  _kiln_gbt_bins_free (bins);
  kiln_parallel_team_free (team);
  gbt_clear (self);
  return FALSE;
}

/* ---- Importances, JSON ------------------------------------------------------------------------ */

/* Total gain (or number of splits) per feature over the trees in use, in the one-hot view's
 * features (kiln-dataset.h): a categorical split counts for the levels it sends left, shared
 * equally (all of them when only missing values go left). */
static void
gbt_importances (KilnGbt *self,
                 gboolean splits,
                 double  *out)
{
  KilnModel *model = &self->parent;

  memset (out, 0, model->n_features * sizeof (double));
  for (guint t = 0; t < gbt_n_trees (self); t++)
    {
      const GbtTree *tree = &self->store->trees[t];

      for (guint i = 0; i < tree->n_nodes; i++)
        {
          const GbtNode *node = &tree->nodes[i];
          guint f = node->info & GBT_NODE_FEATURE_MASK;
          double v = splits ? 1.0 : tree->gain[i];

          if (!(node->info & GBT_NODE_CATEGORICAL))
            out[f] += v;
          else
            {
              guint c = f - model->n_dense, n_levels = model->n_levels[c], n_left = 0;
              const guint32 *bits = tree->cat_bits + node->cat_start;
              guint offset = model->level_offset[c];

              for (guint code = 0; code < n_levels; code++)
                n_left += (bits[code / 32] >> (code % 32)) & 1;
              for (guint code = 0; code < n_levels; code++)
                if (n_left == 0 || ((bits[code / 32] >> (code % 32)) & 1))
                  out[offset + code] += v / (n_left > 0 ? n_left : n_levels);
            }
        }
    }
}

static gboolean
kiln_gbt_importances (KilnModel *model,
                      double    *out)
{
  KilnGbt *self = (KilnGbt *) model;
  double sum = 0.0;

  gbt_importances (self, FALSE, out);
  for (guint f = 0; f < model->n_features; f++)
    sum += out[f];
  if (!(sum > 0.0))
    return FALSE;
  for (guint f = 0; f < model->n_features; f++)
    out[f] /= sum;
  return TRUE;
}

static void
kiln_gbt_to_json (KilnModel   *model,
                  JsonBuilder *builder)
{
  KilnGbt *self = (KilnGbt *) model;
  g_autofree double *split_counts = g_new (double, MAX (model->n_features, 1));

  json_builder_set_member_name (builder, "n_rounds");
  json_builder_add_int_value (builder, self->n_rounds);
  json_builder_set_member_name (builder, "n_outputs");
  json_builder_add_int_value (builder, self->n_outputs);
  _kiln_json_add_doubles (builder, "baseline", self->baseline, self->n_outputs);
  /* the number of splits per feature, for the reader (the gains are in the trees) */
  gbt_importances (self, TRUE, split_counts);
  _kiln_json_add_doubles (builder, "split_counts", split_counts, model->n_features);
  json_builder_set_member_name (builder, "trees");
  json_builder_begin_object (builder);
  _kiln_gbt_trees_to_json (self->store->trees, gbt_n_trees (self), builder);
  json_builder_end_object (builder);
}

static gboolean
kiln_gbt_from_json (KilnModel   *model,
                    JsonObject  *object,
                    GError     **error)
{
  KilnGbt *self = (KilnGbt *) model;
  guint64 n_rounds, n_outputs;
  g_autofree double *baseline = NULL;
  guint expected_k = model->task == KILN_TASK_CLASSIFICATION && model->n_classes > 2
                     ? model->n_classes : 1;
  JsonNode *trees_node;
  GbtTree *trees = NULL;

  if (!_kiln_json_get_uint (object, "n_rounds", 0, MAX_ROUNDS, &n_rounds, error)
      || !_kiln_json_get_uint (object, "n_outputs", 1, 100000, &n_outputs, error))
    return FALSE;
  if (n_outputs != expected_k)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved model has %u trees per round instead of %u."),
                   (guint) n_outputs, expected_k);
      return FALSE;
    }
  baseline = g_new (double, n_outputs);
  if (!_kiln_json_get_doubles (object, "baseline", baseline, n_outputs, error))
    return FALSE;
  trees_node = json_object_get_member (object, "trees");
  if (trees_node == NULL || !JSON_NODE_HOLDS_OBJECT (trees_node))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved model has no trees."));
      return FALSE;
    }
  if (!_kiln_gbt_trees_from_json (json_node_get_object (trees_node), n_rounds * n_outputs,
                                  model->n_dense, model->n_categorical, model->n_levels, &trees,
                                  error))
    return FALSE;

  gbt_clear (self);
  self->store = g_new0 (GbtStore, 1);
  self->store->ref_count = 1;
  self->store->capacity = n_rounds * n_outputs;
  self->store->trees = trees;
  self->n_rounds = n_rounds;
  self->n_outputs = n_outputs;
  self->baseline = g_steal_pointer (&baseline);
  return TRUE;
}

/* TreeSHAP on one boosted tree: its internal nodes, then its leaves, as flat nodes. */
static double
gbt_tree_shap (KilnGbt           *self,
               const GbtTree     *tree,
               const KilnDataset *rows,
               guint              row,
               const guint       *column_slot,
               KilnShapWork      *work,
               double             scale,
               double            *phi)
{
  KilnModel *model = &self->parent;
  guint n = tree->n_nodes, n_dense = model->n_dense;
  const float *x = rows->n_features > 0 ? rows->x + (gsize) row * rows->n_features : NULL;
  const guint32 *codes = rows->n_categorical > 0
                         ? rows->codes + (gsize) row * rows->n_categorical : NULL;
  KilnShapTree t;

  _kiln_shap_work_reserve (work, n + tree->n_leaves);
  for (guint j = 0; j < n; j++)
    {
      const GbtNode *node = &tree->nodes[j];
      guint f = node->info & GBT_NODE_FEATURE_MASK;
      gboolean default_left = (node->info & GBT_NODE_DEFAULT_LEFT) != 0;

      work->left[j] = node->left >= 0 ? node->left : (gint32) n + ~node->left;
      work->right[j] = node->right >= 0 ? node->right : (gint32) n + ~node->right;
      work->slot[j] = column_slot[f];
      work->cover[j] = tree->cover[j];
      if (!(node->info & GBT_NODE_CATEGORICAL))
        work->hot_left[j] = isnan (x[f]) ? default_left : x[f] <= node->threshold;
      else
        {
          guint c = f - n_dense;
          guint32 code = codes[c];

          work->hot_left[j] = code >= model->n_levels[c]
                              ? (guint8) default_left
                              : (guint8) ((tree->cat_bits[node->cat_start + code / 32] >> (code % 32)) & 1);
        }
    }
  for (guint l = 0; l < tree->n_leaves; l++)
    {
      work->left[n + l] = work->right[n + l] = -1;
      work->cover[n + l] = tree->cover[n + l];
      work->value[n + l] = tree->leaf[l];
    }
  _kiln_shap_work_tree (work, n + tree->n_leaves, &t);
  return _kiln_tree_shap (&t, work, scale, phi);
}

/* The raw score of a class is the baseline plus its trees' leaves: their Shapley values add up.
 * Two classes have one score, class 1's log-odds; class 0's is its negation. */
static gboolean
kiln_gbt_tree_shap (KilnModel         *model,
                    const KilnDataset *rows,
                    guint              row,
                    guint              output,
                    const guint       *view_slot,
                    const guint       *column_slot,
                    double            *phi,
                    double            *base,
                    double            *value,
                    KilnModelScore    *score)
{
  KilnGbt *self = (KilnGbt *) model;
  KilnShapWork work = { 0, };
  GbtInput in;
  guint k = self->n_outputs, c = k == 1 ? 0 : output;
  double sign = model->task == KILN_TASK_CLASSIFICATION && k == 1 && output == 0 ? -1.0 : 1.0;
  gboolean covered = TRUE;

  *score = model->task == KILN_TASK_REGRESSION ? KILN_MODEL_SCORE_VALUE
           : k == 1 ? KILN_MODEL_SCORE_LOG_ODDS : KILN_MODEL_SCORE_MARGIN;
  for (guint t = 0; t < gbt_n_trees (self); t++)
    covered = covered && self->store->trees[t].cover != NULL;
  if (!covered || rows == NULL)
    return covered;

  in = _kiln_gbt_input_of (rows);
  *base = sign * self->baseline[c];
  *value = sign * self->baseline[c];
  for (guint t = c; t < gbt_n_trees (self); t += k)
    {
      const GbtTree *tree = &self->store->trees[t];
      guint32 r = row;
      guint leaf;

      *base += gbt_tree_shap (self, tree, rows, row, column_slot, &work, sign, phi);
      _kiln_gbt_tree_leaves (tree, &in, &r, 0, 1, &leaf);
      *value += sign * tree->leaf[leaf];
    }
  _kiln_shap_work_clear (&work);
  return TRUE;
}

static void
kiln_gbt_finalize (KilnModel *model)
{
  gbt_clear ((KilnGbt *) model);
}

static const KilnModelOps kiln_gbt_ops = {
  .instance_size = sizeof (KilnGbt),
  .codes = TRUE,
  .check_options = kiln_gbt_check_options,
  .fit = kiln_gbt_fit,
  .predict = _kiln_gbt_predict,
  .to_json = kiln_gbt_to_json,
  .from_json = kiln_gbt_from_json,
  .importances = kiln_gbt_importances,
  .finalize = kiln_gbt_finalize,
  .max_epochs = kiln_gbt_max_epochs,
  .tree_shap = kiln_gbt_tree_shap,
};

static const KilnModelOption * const kiln_gbt_options[] = {
  &kiln_model_option_gbt_rounds,
  &kiln_model_option_gbt_learning_rate,
  &kiln_model_option_gbt_max_leaves,
  &kiln_model_option_gbt_max_depth,
  &kiln_model_option_gbt_min_samples_leaf,
  &kiln_model_option_gbt_l2,
  &kiln_model_option_gbt_min_hessian,
  &kiln_model_option_gbt_subsample,
  &kiln_model_option_gbt_colsample,
  &kiln_model_option_gbt_early_stopping,
  &kiln_model_option_gbt_max_bins,
  NULL,
};

const KilnModelClass kiln_gbt_class = {
  .name = "gbt",
  .display_name = N_("Gradient-boosted trees"),
  .classification = TRUE,
  .regression = TRUE,
  .iterative = TRUE,
  .needs_scaling = FALSE,
  .accepts_missing = TRUE,
  .options = kiln_gbt_options,
  .ops = &kiln_gbt_ops,
};
