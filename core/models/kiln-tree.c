/* kiln-tree.c: a CART decision tree (Gini / squared error), as scikit-learn's DecisionTree*.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every feature is tried at every node, in an order drawn from the seed (sklearn also permutes
 * them, which breaks ties between equally good splits); the best threshold over the node's sorted
 * values wins. Leaves hold class probabilities or the mean target. The importances are the
 * normalised total impurity decrease per feature.
 */
#define G_LOG_DOMAIN "kiln-tree"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "kiln-model-private.h"
#include "kiln-tree-common.h"
#include "kiln-tree-shap.h"

typedef struct {
  KilnModel     parent;
  KilnTreeNodes nodes;
  double       *importances;  /* n_features, normalised; NULL when the tree has no split */
} KilnTree;

static gboolean
kiln_tree_check_options (const KilnModelOptions *options,
                         GError                **error)
{
  return _kiln_tree_check_options (options, FALSE, error);
}

static void
set_importances (double **dest,
                 double  *raw,
                 guint    n)
{
  double sum = 0.0;

  for (guint f = 0; f < n; f++)
    sum += raw[f];
  g_clear_pointer (dest, g_free);
  if (sum > 0.0)
    {
      *dest = g_new (double, n);
      for (guint f = 0; f < n; f++)
        (*dest)[f] = raw[f] / sum;
    }
}

static gboolean
kiln_tree_fit (KilnModel            *model,
               const KilnDataset    *train,
               const KilnDataset    *val,
               const KilnFitMonitor *monitor,
               GCancellable         *cancellable,
               GError              **error)
{
  KilnTree *self = (KilnTree *) model;
  KilnTreeData *data;
  KilnTreeWorkspace *ws;
  KilnTreeParams params = { 0, };
  KilnRng rng;
  KilnTreeNodes nodes;
  g_autofree double *importances = NULL;
  gboolean ok;

  if (!_kiln_tree_check_data (model, train, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  params.task = train->task;
  params.n_classes = train->n_classes;
  params.max_depth = model->options.max_depth;
  params.min_samples_leaf = MAX (model->options.min_samples_leaf, 1);
  params.max_features = model->n_features;

  data = _kiln_tree_data_new (train);
  ws = _kiln_tree_workspace_new (data, &params);
  importances = g_new0 (double, model->n_features);
  kiln_rng_init (&rng, model->options.seed);
  ok = _kiln_tree_grow (ws, NULL, &rng, cancellable, &nodes, importances);
  _kiln_tree_workspace_free (ws);
  _kiln_tree_data_free (data);

  if (!ok)
    {
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                     _("The tree could not be grown."));
      return FALSE;
    }

  _kiln_tree_nodes_clear (&self->nodes);
  self->nodes = nodes;
  set_importances (&self->importances, importances, model->n_features);
  if (monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return TRUE;
}

static void
kiln_tree_predict_dense (KilnModel   *model,
                         const float *x,
                         guint        n_rows,
                         double      *out)
{
  KilnTree *self = (KilnTree *) model;
  guint d = model->n_features, k = self->nodes.n_outputs;

  memset (out, 0, (gsize) n_rows * k * sizeof (double));
  for (guint i = 0; i < n_rows; i++)
    {
      const KilnTreeNode *leaf = _kiln_tree_nodes_leaf (&self->nodes, x + (gsize) i * d);
      _kiln_tree_nodes_add_leaf (&self->nodes, leaf, out + (gsize) i * k);
    }
}

static void
kiln_tree_predict (KilnModel         *model,
                   const KilnDataset *rows,
                   double            *out)
{
  _kiln_model_predict_dense (model, rows, out, kiln_tree_predict_dense);
}

static void
kiln_tree_to_json (KilnModel   *model,
                   JsonBuilder *builder)
{
  KilnTree *self = (KilnTree *) model;

  json_builder_set_member_name (builder, "tree");
  json_builder_begin_object (builder);
  _kiln_tree_nodes_pack (&self->nodes, 1, builder);
  json_builder_end_object (builder);
  if (self->importances != NULL)
    _kiln_json_add_doubles (builder, "importances", self->importances, model->n_features);
}

static gboolean
kiln_tree_from_json (KilnModel   *model,
                     JsonObject  *object,
                     GError     **error)
{
  KilnTree *self = (KilnTree *) model;
  JsonNode *node = json_object_get_member (object, "tree");
  guint n_outputs = model->task == KILN_TASK_CLASSIFICATION ? model->n_classes : 1;
  KilnTreeNodes nodes;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved tree is missing."));
      return FALSE;
    }
  if (model->n_features == 0 || n_outputs == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved tree has no features or no classes."));
      return FALSE;
    }
  if (_kiln_tree_nodes_is_packed (json_node_get_object (node)))
    {
      KilnTreeNodes *trees = NULL;
      guint n_trees = 0;

      if (!_kiln_tree_nodes_unpack (json_node_get_object (node), model->n_features, n_outputs,
                                    &trees, &n_trees, error))
        return FALSE;
      if (n_trees != 1)
        {
          for (guint t = 0; t < n_trees; t++)
            _kiln_tree_nodes_clear (&trees[t]);
          g_free (trees);
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The saved tree holds %u trees instead of one."), n_trees);
          return FALSE;
        }
      nodes = trees[0];
      g_free (trees);
    }
  else if (!_kiln_tree_nodes_from_json (&nodes, json_node_get_object (node), model->n_features,
                                        n_outputs, error))
    return FALSE;

  g_clear_pointer (&self->importances, g_free);
  if (json_object_has_member (object, "importances"))
    {
      self->importances = g_new (double, model->n_features);
      if (!_kiln_json_get_doubles (object, "importances", self->importances, model->n_features,
                                   error))
        {
          g_clear_pointer (&self->importances, g_free);
          _kiln_tree_nodes_clear (&nodes);
          return FALSE;
        }
    }
  _kiln_tree_nodes_clear (&self->nodes);
  self->nodes = nodes;
  return TRUE;
}

static gboolean
kiln_tree_importances (KilnModel *model,
                       double    *out)
{
  KilnTree *self = (KilnTree *) model;

  if (self->importances == NULL)
    return FALSE;
  memcpy (out, self->importances, model->n_features * sizeof (double));
  return TRUE;
}

static gboolean
kiln_tree_tree_shap (KilnModel         *model,
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
  KilnTree *self = (KilnTree *) model;
  KilnShapWork work = { 0, };
  g_autofree float *x = NULL;
  double out[1] = { 0.0 };

  *score = model->task == KILN_TASK_CLASSIFICATION ? KILN_MODEL_SCORE_PROBABILITY
                                                    : KILN_MODEL_SCORE_VALUE;
  if (self->nodes.cover == NULL || rows == NULL)
    return self->nodes.cover != NULL;

  x = g_new (float, MAX (model->n_features, 1));
  kiln_dataset_expand (rows, row, 1, x);
  *base = _kiln_tree_nodes_shap (&self->nodes, x, output, view_slot, &work, 1.0, phi);
  _kiln_shap_work_clear (&work);
  if (self->nodes.leaf_start == NULL)
    *value = _kiln_tree_nodes_leaf (&self->nodes, x)->value;
  else
    {
      g_autofree double *p = g_new0 (double, self->nodes.n_outputs);

      _kiln_tree_nodes_add_leaf (&self->nodes, _kiln_tree_nodes_leaf (&self->nodes, x), p);
      out[0] = p[output];
      *value = out[0];
    }
  return TRUE;
}

static void
kiln_tree_finalize (KilnModel *model)
{
  KilnTree *self = (KilnTree *) model;

  _kiln_tree_nodes_clear (&self->nodes);
  g_clear_pointer (&self->importances, g_free);
}

static const KilnModelOption * const tree_options[] = {
  &kiln_model_option_max_depth,
  &kiln_model_option_min_samples_leaf,
  NULL,
};

static const KilnModelOps tree_ops = {
  .codes = TRUE,
  .instance_size = sizeof (KilnTree),
  .check_options = kiln_tree_check_options,
  .fit = kiln_tree_fit,
  .predict = kiln_tree_predict,
  .to_json = kiln_tree_to_json,
  .from_json = kiln_tree_from_json,
  .importances = kiln_tree_importances,
  .finalize = kiln_tree_finalize,
  .tree_shap = kiln_tree_tree_shap,
};

const KilnModelClass kiln_tree_class = {
  .name = "tree",
  .display_name = N_("Decision tree"),
  .classification = TRUE,
  .regression = TRUE,
  .iterative = FALSE,
  .needs_scaling = FALSE,
  .accepts_missing = FALSE,
  .options = tree_options,
  .ops = &tree_ops,
};
