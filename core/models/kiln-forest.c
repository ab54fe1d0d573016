/* kiln-forest.c: a random forest, as scikit-learn's RandomForest* with its defaults.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each tree is grown on a bootstrap sample (rows drawn n times with replacement; a row drawn k
 * times weighs k) and draws max_features features per split: sqrt(n_features) for classification,
 * all of them for regression, unless the options give a fraction. Tree i takes its randomness only
 * from the stream (seed, i), and the trees go to their own slots, so the forest is bit-identical
 * whatever the number of threads. Trees are grown in parallel on every core; the GCancellable is
 * checked before each tree (and every few hundred nodes inside one). The prediction is the average
 * of the trees' probabilities (or values).
 */
#define G_LOG_DOMAIN "kiln-forest"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"
#include "kiln-parallel.h"
#include "kiln-tree-common.h"
#include "kiln-tree-shap.h"

#define DEFAULT_N_TREES 100

typedef struct {
  KilnModel      parent;
  guint          n_trees;
  KilnTreeNodes *trees;
  double        *importances;  /* n_features, normalised; NULL when no tree has a split */
  KilnTreeArena  arena;        /* the grown trees' arrays (chunks NULL after loading) */
} KilnForest;

/* What the worker threads share during one fit. */
typedef struct {
  const KilnTreeData *data;
  KilnTreeParams      params;
  guint               n_rows;
  guint               n_features;
  guint64             seed;
  guint               n_trees;
  KilnTreeNodes      *trees;        /* n_trees slots */
  double             *importances;  /* n_trees x n_features */
  GCancellable       *cancellable;
  const KilnFitMonitor *monitor;
  /* per worker thread, made on its first tree */
  KilnTreeWorkspace **ws;
  guint32           **counts;
  KilnTreeArena      *arenas;
} ForestJob;

static gboolean
kiln_forest_check_options (const KilnModelOptions *options,
                           GError                **error)
{
  return _kiln_tree_check_options (options, TRUE, error);
}

/* Grows tree @i on worker thread @thread. */
static gboolean
forest_grow_tree (guint    i,
                  guint    thread,
                  gpointer user_data)
{
  ForestJob *job = user_data;
  guint n = job->n_rows;
  KilnRng rng;

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  if (job->ws[thread] == NULL)
    {
      job->ws[thread] = _kiln_tree_workspace_new (job->data, &job->params);
      job->counts[thread] = g_new (guint32, n);
      _kiln_tree_workspace_set_arena (job->ws[thread], &job->arenas[thread]);
    }
  kiln_rng_init_stream (&rng, job->seed, i);
  memset (job->counts[thread], 0, n * sizeof (guint32));
  for (guint j = 0; j < n; j++)
    job->counts[thread][kiln_rng_uniform (&rng, n)]++;
  return _kiln_tree_grow (job->ws[thread], job->counts[thread], &rng, job->cancellable,
                          &job->trees[i], job->importances + (gsize) i * job->n_features);
}

static void
forest_progress (guint    done,
                 gpointer user_data)
{
  ForestJob *job = user_data;

  if (job->monitor != NULL && job->monitor->progress != NULL)
    job->monitor->progress ((double) done / job->n_trees, job->monitor->user_data);
}

static guint
forest_max_features (const KilnModelOptions *options,
                     KilnTask                task,
                     guint                   n_features)
{
  double m;

  if (options->max_features > 0.0)
    m = floor (options->max_features * n_features);
  else if (task == KILN_TASK_CLASSIFICATION)
    m = floor (sqrt ((double) n_features));
  else
    m = n_features;
  return (guint) CLAMP (m, 1.0, (double) n_features);
}

static void
forest_clear (KilnForest *self)
{
  for (guint i = 0; self->trees != NULL && i < self->n_trees; i++)
    _kiln_tree_nodes_clear (&self->trees[i]);
  g_clear_pointer (&self->trees, g_free);
  _kiln_tree_arena_clear (&self->arena);
  g_clear_pointer (&self->importances, g_free);
  self->n_trees = 0;
}

static gboolean
kiln_forest_fit (KilnModel            *model,
                 const KilnDataset    *train,
                 const KilnDataset    *val,
                 const KilnFitMonitor *monitor,
                 GCancellable         *cancellable,
                 GError              **error)
{
  KilnForest *self = (KilnForest *) model;
  const KilnModelOptions *options = &model->options;
  ForestJob job = { 0, };
  guint n_threads, d;
  KilnTreeData *data;
  KilnTreeArena arena;
  double *mean;
  guint n_counted = 0;
  gboolean failed;

  if (!_kiln_tree_check_data (model, train, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  d = model->n_features;
  data = _kiln_tree_data_new (train);
  job.data = data;
  job.n_rows = train->n_rows;
  job.n_features = d;
  job.params.task = train->task;
  job.params.n_classes = train->n_classes;
  job.params.max_depth = options->max_depth;
  job.params.min_samples_leaf = MAX (options->min_samples_leaf, 1);
  job.params.max_features = forest_max_features (options, train->task, d);
  job.seed = options->seed;
  job.n_trees = options->n_trees > 0 ? options->n_trees : DEFAULT_N_TREES;
  job.trees = g_new0 (KilnTreeNodes, job.n_trees);
  job.importances = g_new0 (double, (gsize) job.n_trees * d);
  job.cancellable = cancellable;
  job.monitor = monitor;

  /* Trees on every core; progress reported from this thread as they finish. Each tree takes its
   * randomness from its own stream and goes to its own slot: the same forest for any count. */
  n_threads = kiln_parallel_n_threads (job.n_trees, options->n_threads);
  job.ws = g_new0 (KilnTreeWorkspace *, n_threads);
  job.counts = g_new0 (guint32 *, n_threads);
  job.arenas = g_new (KilnTreeArena, n_threads);
  for (guint t = 0; t < n_threads; t++)
    _kiln_tree_arena_init (&job.arenas[t]);
  failed = !kiln_parallel_run_with_progress (job.n_trees, n_threads, forest_grow_tree,
                                             forest_progress, &job);
  _kiln_tree_arena_init (&arena);
  for (guint t = 0; t < n_threads; t++)
    {
      _kiln_tree_workspace_free (job.ws[t]);
      g_free (job.counts[t]);
      _kiln_tree_arena_take (&arena, &job.arenas[t]);
    }
  g_free (job.ws);
  g_free (job.counts);
  g_free (job.arenas);
  _kiln_tree_data_free (data);

  if (failed)
    {
      for (guint i = 0; i < job.n_trees; i++)
        _kiln_tree_nodes_clear (&job.trees[i]);
      _kiln_tree_arena_clear (&arena);
      g_free (job.trees);
      g_free (job.importances);
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                     _("The forest could not be grown."));
      return FALSE;
    }

  forest_clear (self);
  self->n_trees = job.n_trees;
  self->trees = job.trees;
  self->arena = arena;

  /* sklearn: the mean of the trees' normalised importances (trees with a split), normalised */
  mean = g_new0 (double, d);
  for (guint i = 0; i < job.n_trees; i++)
    {
      const double *imp = job.importances + (gsize) i * d;
      double sum = 0.0;

      if (job.trees[i].n_nodes <= 1)
        continue;
      for (guint f = 0; f < d; f++)
        sum += imp[f];
      n_counted++;
      if (sum > 0.0)
        for (guint f = 0; f < d; f++)
          mean[f] += imp[f] / sum;
    }
  g_free (job.importances);
  {
    double sum = 0.0;

    for (guint f = 0; f < d; f++)
      sum += mean[f] / MAX (n_counted, 1);
    if (sum > 0.0)
      {
        for (guint f = 0; f < d; f++)
          mean[f] = mean[f] / MAX (n_counted, 1) / sum;
        self->importances = mean;
      }
    else
      g_free (mean);
  }

  return TRUE;
}

/* Rows are predicted in blocks, tree by tree, so a tree's nodes stay in cache for the block; and
 * PREDICT_LANES rows walk down a tree side by side, so the memory reads of their next nodes
 * overlap instead of waiting on one another. */
#define PREDICT_BLOCK 1024
#define PREDICT_LANES 8

typedef struct {
  KilnForest  *self;
  const float *x;
  guint        n_rows;
  double      *out;
} PredictJob;

static void
predict_rows (KilnForest  *self,
              const float *x,
              guint        first,
              guint        n,
              double      *out)
{
  guint d = self->parent.n_features;
  guint k = self->trees[0].n_outputs;
  double *o = out + (gsize) first * k;

  memset (o, 0, (gsize) n * k * sizeof (double));
  for (guint t = 0; t < self->n_trees; t++)
    {
      const KilnTreeNodes *tree = &self->trees[t];
      const KilnTreeNode *nodes = tree->node;

      for (guint i = 0; i < n; i += PREDICT_LANES)
        {
          guint m = MIN (PREDICT_LANES, n - i);
          const KilnTreeNode *at[PREDICT_LANES];
          const float *row[PREDICT_LANES];
          gboolean moving = TRUE;

          for (guint l = 0; l < m; l++)
            {
              at[l] = nodes;
              row[l] = x + (gsize) (first + i + l) * d;
            }
          while (moving)
            {
              moving = FALSE;
              for (guint l = 0; l < m; l++)
                if (at[l]->feature >= 0)
                  {
                    const KilnTreeNode *a = at[l];
                    at[l] = (double) row[l][a->feature] <= a->threshold ? a + 1 : nodes + a->right;
                    moving = TRUE;
                  }
            }
          for (guint l = 0; l < m; l++)
            _kiln_tree_nodes_add_leaf (tree, at[l], o + (gsize) (i + l) * k);
        }
    }
  for (gsize j = 0; j < (gsize) n * k; j++)
    o[j] /= self->n_trees;
}

static gboolean
predict_block (guint    b,
               guint    thread,
               gpointer user_data)
{
  PredictJob *job = user_data;
  guint first = b * PREDICT_BLOCK;

  predict_rows (job->self, job->x, first, MIN (PREDICT_BLOCK, job->n_rows - first), job->out);
  return TRUE;
}

static void
kiln_forest_predict_dense (KilnModel   *model,
                           const float *x,
                           guint        n_rows,
                           double      *out)
{
  KilnForest *self = (KilnForest *) model;
  PredictJob job = { self, x, n_rows, out };
  guint n_blocks = (n_rows + PREDICT_BLOCK - 1) / PREDICT_BLOCK;

  /* Each row's sum runs over the trees in order, whatever thread computes it: the same output. */
  kiln_parallel_run (n_blocks, (guint64) n_rows * self->n_trees < 200000 ? 1 : model->options.n_threads,
                     predict_block, &job);
}

static void
kiln_forest_predict (KilnModel         *model,
                     const KilnDataset *rows,
                     double            *out)
{
  _kiln_model_predict_dense (model, rows, out, kiln_forest_predict_dense);
}

static void
kiln_forest_to_json (KilnModel   *model,
                     JsonBuilder *builder)
{
  KilnForest *self = (KilnForest *) model;

  /* every tree in one set of packed arrays (forests saved before hold an array of trees) */
  json_builder_set_member_name (builder, "trees");
  json_builder_begin_object (builder);
  _kiln_tree_nodes_pack (self->trees, self->n_trees, builder);
  json_builder_end_object (builder);
  if (self->importances != NULL)
    _kiln_json_add_doubles (builder, "importances", self->importances, model->n_features);
}

static gboolean
kiln_forest_from_json (KilnModel   *model,
                       JsonObject  *object,
                       GError     **error)
{
  KilnForest *self = (KilnForest *) model;
  guint n_outputs = model->task == KILN_TASK_CLASSIFICATION ? model->n_classes : 1;
  JsonNode *node = json_object_get_member (object, "trees");
  JsonArray *array;
  KilnForest loaded = { 0, };

  if (node == NULL
      || !(JSON_NODE_HOLDS_OBJECT (node)
           || (JSON_NODE_HOLDS_ARRAY (node)
               && json_array_get_length (json_node_get_array (node)) > 0)))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved forest has no trees."));
      return FALSE;
    }
  if (model->n_features == 0 || n_outputs == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved forest has no features or no classes."));
      return FALSE;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      if (!_kiln_tree_nodes_unpack (json_node_get_object (node), model->n_features, n_outputs,
                                    &loaded.trees, &loaded.n_trees, error))
        return FALSE;
      goto importances;
    }
  array = json_node_get_array (node);
  loaded.n_trees = json_array_get_length (array);
  loaded.trees = g_new0 (KilnTreeNodes, loaded.n_trees);
  for (guint i = 0; i < loaded.n_trees; i++)
    {
      JsonNode *tree = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (tree))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("Tree %u of the saved forest is not an object."), i + 1);
          forest_clear (&loaded);
          return FALSE;
        }
      if (!_kiln_tree_nodes_from_json (&loaded.trees[i], json_node_get_object (tree),
                                       model->n_features, n_outputs, error))
        {
          forest_clear (&loaded);
          return FALSE;
        }
    }
importances:
  if (json_object_has_member (object, "importances"))
    {
      loaded.importances = g_new (double, model->n_features);
      if (!_kiln_json_get_doubles (object, "importances", loaded.importances, model->n_features,
                                   error))
        {
          forest_clear (&loaded);
          return FALSE;
        }
    }
  forest_clear (self);
  self->n_trees = loaded.n_trees;
  self->trees = loaded.trees;
  self->importances = loaded.importances;
  return TRUE;
}

static gboolean
kiln_forest_importances (KilnModel *model,
                         double    *out)
{
  KilnForest *self = (KilnForest *) model;

  if (self->importances == NULL)
    return FALSE;
  memcpy (out, self->importances, model->n_features * sizeof (double));
  return TRUE;
}

/* The forest's score is the mean of its trees': their Shapley values, each weighed 1 / n_trees. */
static gboolean
kiln_forest_tree_shap (KilnModel         *model,
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
  KilnForest *self = (KilnForest *) model;
  KilnShapWork work = { 0, };
  g_autofree float *x = NULL;
  g_autofree double *out = NULL;
  gboolean covered = self->n_trees > 0;

  *score = model->task == KILN_TASK_CLASSIFICATION ? KILN_MODEL_SCORE_PROBABILITY
                                                    : KILN_MODEL_SCORE_VALUE;
  for (guint t = 0; t < self->n_trees; t++)
    covered = covered && self->trees[t].cover != NULL;
  if (!covered || rows == NULL)
    return covered;

  x = g_new (float, MAX (model->n_features, 1));
  kiln_dataset_expand (rows, row, 1, x);
  *base = 0.0;
  for (guint t = 0; t < self->n_trees; t++)
    *base += _kiln_tree_nodes_shap (&self->trees[t], x, output, view_slot, &work,
                                    1.0 / self->n_trees, phi);
  _kiln_shap_work_clear (&work);
  out = g_new (double, kiln_model_get_n_outputs (model));
  kiln_forest_predict_dense (model, x, 1, out);
  *value = out[output];
  return TRUE;
}

static void
kiln_forest_finalize (KilnModel *model)
{
  forest_clear ((KilnForest *) model);
}

static const KilnModelOption * const forest_options[] = {
  &kiln_model_option_n_trees,
  &kiln_model_option_max_depth_advanced,
  &kiln_model_option_min_samples_leaf_advanced,
  &kiln_model_option_max_features,
  NULL,
};

static const KilnModelOps forest_ops = {
  .codes = TRUE,
  .instance_size = sizeof (KilnForest),
  .check_options = kiln_forest_check_options,
  .fit = kiln_forest_fit,
  .predict = kiln_forest_predict,
  .to_json = kiln_forest_to_json,
  .from_json = kiln_forest_from_json,
  .importances = kiln_forest_importances,
  .finalize = kiln_forest_finalize,
  .tree_shap = kiln_forest_tree_shap,
};

const KilnModelClass kiln_forest_class = {
  .name = "forest",
  .display_name = N_("Random forest"),
  .classification = TRUE,
  .regression = TRUE,
  .iterative = FALSE,
  .needs_scaling = FALSE,
  .accepts_missing = FALSE,
  .options = forest_options,
  .ops = &forest_ops,
};
