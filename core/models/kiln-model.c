/* kiln-model.c: the common model interface, the registry of families and JSON wrapping.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-model"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model.h"
#include "kiln-model-private.h"

G_DEFINE_QUARK (kiln-model-error-quark, kiln_model_error)

#ifdef KILN_HAVE_MODEL_LOGREG
extern const KilnModelClass kiln_logreg_class;
#endif
#ifdef KILN_HAVE_MODEL_LINEAR
extern const KilnModelClass kiln_linear_class;
extern const KilnModelClass kiln_ridge_class;
#endif
#ifdef KILN_HAVE_MODEL_MLP
extern const KilnModelClass kiln_mlp_class;
#endif
#ifdef KILN_HAVE_MODEL_TREE
extern const KilnModelClass kiln_tree_class;
#endif
#ifdef KILN_HAVE_MODEL_FOREST
extern const KilnModelClass kiln_forest_class;
#endif
#ifdef KILN_HAVE_MODEL_GBT
extern const KilnModelClass kiln_gbt_class;
#endif
#ifdef KILN_HAVE_MODEL_KNN
extern const KilnModelClass kiln_knn_class;
#endif
#ifdef KILN_HAVE_MODEL_NB
extern const KilnModelClass kiln_nb_class;
#endif

static const KilnModelClass * const model_classes[] = {
#ifdef KILN_HAVE_MODEL_LOGREG
  &kiln_logreg_class,
#endif
#ifdef KILN_HAVE_MODEL_LINEAR
  &kiln_linear_class,
  &kiln_ridge_class,
#endif
#ifdef KILN_HAVE_MODEL_MLP
  &kiln_mlp_class,
#endif
#ifdef KILN_HAVE_MODEL_TREE
  &kiln_tree_class,
#endif
#ifdef KILN_HAVE_MODEL_FOREST
  &kiln_forest_class,
#endif
#ifdef KILN_HAVE_MODEL_GBT
  &kiln_gbt_class,
#endif
#ifdef KILN_HAVE_MODEL_KNN
  &kiln_knn_class,
#endif
#ifdef KILN_HAVE_MODEL_NB
  &kiln_nb_class,
#endif
  NULL,
};

/* ---- Tasks ---------------------------------------------------------------------------- */

const char *
kiln_task_to_string (KilnTask task)
{
  switch (task)
    {
    case KILN_TASK_CLASSIFICATION:
      return "classification";
    case KILN_TASK_REGRESSION:
      return "regression";
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
kiln_task_from_string (const char *str,
                       KilnTask   *task)
{
  g_return_val_if_fail (task != NULL, FALSE);

  if (g_strcmp0 (str, "classification") == 0)
    *task = KILN_TASK_CLASSIFICATION;
  else if (g_strcmp0 (str, "regression") == 0)
    *task = KILN_TASK_REGRESSION;
  else
    return FALSE;
  return TRUE;
}

/* ---- Options --------------------------------------------------------------------------- */

void
kiln_model_options_init (KilnModelOptions *options,
                         KilnTask          task)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->task = task;
  options->seed = 42;
  options->l2 = 1.0;
  options->max_iter = 0;
  options->hidden[0] = 64;
  options->epochs = 200;
  options->learning_rate = 1e-3;
  options->batch_size = 200;
  options->patience = 10;
  options->max_depth = 0;
  options->min_samples_leaf = 1;
  options->n_trees = 100;
  options->max_features = 0.0;
  options->n_threads = 0;
  options->k = 5;
  options->mlp_alpha = 1e-4;
  options->gbt.rounds = 100;
  options->gbt.learning_rate = 0.1;
  options->gbt.max_leaves = 31;
  options->gbt.max_depth = 0;
  options->gbt.min_samples_leaf = 20;
  options->gbt.l2 = 0.0;
  options->gbt.subsample = 1.0;
  options->gbt.colsample = 1.0;
  options->gbt.early_stopping = 10;
  options->gbt.max_bins = 255;
}

static guint
options_n_hidden (const KilnModelOptions *options)
{
  guint n = 0;

  while (n < G_N_ELEMENTS (options->hidden) && options->hidden[n] != 0)
    n++;
  return n;
}

static void
options_to_json (const KilnModelOptions *options,
                 JsonBuilder            *builder)
{
  guint n_hidden = options_n_hidden (options);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, kiln_task_to_string (options->task));
  json_builder_set_member_name (builder, "seed");
  json_builder_add_int_value (builder, (gint64) options->seed);
  json_builder_set_member_name (builder, "l2");
  json_builder_add_double_value (builder, options->l2);
  json_builder_set_member_name (builder, "max_iter");
  json_builder_add_int_value (builder, options->max_iter);
  json_builder_set_member_name (builder, "hidden");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_hidden; i++)
    json_builder_add_int_value (builder, options->hidden[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "epochs");
  json_builder_add_int_value (builder, options->epochs);
  json_builder_set_member_name (builder, "learning_rate");
  json_builder_add_double_value (builder, options->learning_rate);
  json_builder_set_member_name (builder, "batch_size");
  json_builder_add_int_value (builder, options->batch_size);
  json_builder_set_member_name (builder, "patience");
  json_builder_add_int_value (builder, options->patience);
  json_builder_set_member_name (builder, "max_depth");
  json_builder_add_int_value (builder, options->max_depth);
  json_builder_set_member_name (builder, "min_samples_leaf");
  json_builder_add_int_value (builder, options->min_samples_leaf);
  json_builder_set_member_name (builder, "n_trees");
  json_builder_add_int_value (builder, options->n_trees);
  json_builder_set_member_name (builder, "max_features");
  json_builder_add_double_value (builder, options->max_features);
  json_builder_set_member_name (builder, "n_threads");
  json_builder_add_int_value (builder, options->n_threads);
  json_builder_set_member_name (builder, "k");
  json_builder_add_int_value (builder, options->k);
  json_builder_set_member_name (builder, "mlp_alpha");
  json_builder_add_double_value (builder, options->mlp_alpha);
  json_builder_set_member_name (builder, "gbt");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "rounds");
  json_builder_add_int_value (builder, options->gbt.rounds);
  json_builder_set_member_name (builder, "learning_rate");
  json_builder_add_double_value (builder, options->gbt.learning_rate);
  json_builder_set_member_name (builder, "max_leaves");
  json_builder_add_int_value (builder, options->gbt.max_leaves);
  json_builder_set_member_name (builder, "max_depth");
  json_builder_add_int_value (builder, options->gbt.max_depth);
  json_builder_set_member_name (builder, "min_samples_leaf");
  json_builder_add_int_value (builder, options->gbt.min_samples_leaf);
  json_builder_set_member_name (builder, "l2");
  json_builder_add_double_value (builder, options->gbt.l2);
  json_builder_set_member_name (builder, "subsample");
  json_builder_add_double_value (builder, options->gbt.subsample);
  json_builder_set_member_name (builder, "colsample");
  json_builder_add_double_value (builder, options->gbt.colsample);
  json_builder_set_member_name (builder, "early_stopping");
  json_builder_add_int_value (builder, options->gbt.early_stopping);
  json_builder_set_member_name (builder, "max_bins");
  json_builder_add_int_value (builder, options->gbt.max_bins);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

static gboolean
get_optional_uint (JsonObject  *object,
                   const char  *name,
                   guint       *out,
                   GError     **error)
{
  guint64 v;

  if (!json_object_has_member (object, name))
    return TRUE;
  if (!_kiln_json_get_uint (object, name, 0, G_MAXUINT, &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
get_optional_double (JsonObject  *object,
                     const char  *name,
                     double      *out,
                     GError     **error)
{
  if (!json_object_has_member (object, name))
    return TRUE;
  return _kiln_json_get_double (object, name, out, error);
}

static gboolean
options_from_json (JsonObject        *object,
                   KilnTask           task,
                   KilnModelOptions  *options,
                   GError           **error)
{
  kiln_model_options_init (options, task);

  if (json_object_has_member (object, "seed"))
    {
      JsonNode *node = json_object_get_member (object, "seed");
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's “%s” is not an integer."), "seed");
          return FALSE;
        }
      options->seed = (guint64) json_node_get_int (node);
    }
  if (!get_optional_double (object, "l2", &options->l2, error)
      || !get_optional_uint (object, "max_iter", &options->max_iter, error)
      || !get_optional_uint (object, "epochs", &options->epochs, error)
      || !get_optional_double (object, "learning_rate", &options->learning_rate, error)
      || !get_optional_uint (object, "batch_size", &options->batch_size, error)
      || !get_optional_uint (object, "patience", &options->patience, error)
      || !get_optional_uint (object, "max_depth", &options->max_depth, error)
      || !get_optional_uint (object, "min_samples_leaf", &options->min_samples_leaf, error)
      || !get_optional_uint (object, "n_trees", &options->n_trees, error)
      || !get_optional_double (object, "max_features", &options->max_features, error)
      || !get_optional_uint (object, "n_threads", &options->n_threads, error)
      || !get_optional_uint (object, "k", &options->k, error)
      || !get_optional_double (object, "mlp_alpha", &options->mlp_alpha, error))
    return FALSE;

  if (json_object_has_member (object, "gbt"))
    {
      JsonNode *node = json_object_get_member (object, "gbt");
      JsonObject *gbt;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's options are not valid."));
          return FALSE;
        }
      gbt = json_node_get_object (node);
      if (!get_optional_uint (gbt, "rounds", &options->gbt.rounds, error)
          || !get_optional_double (gbt, "learning_rate", &options->gbt.learning_rate, error)
          || !get_optional_uint (gbt, "max_leaves", &options->gbt.max_leaves, error)
          || !get_optional_uint (gbt, "max_depth", &options->gbt.max_depth, error)
          || !get_optional_uint (gbt, "min_samples_leaf", &options->gbt.min_samples_leaf, error)
          || !get_optional_double (gbt, "l2", &options->gbt.l2, error)
          || !get_optional_double (gbt, "subsample", &options->gbt.subsample, error)
          || !get_optional_double (gbt, "colsample", &options->gbt.colsample, error)
          || !get_optional_uint (gbt, "early_stopping", &options->gbt.early_stopping, error)
          || !get_optional_uint (gbt, "max_bins", &options->gbt.max_bins, error))
        return FALSE;
    }

  if (json_object_has_member (object, "hidden"))
    {
      JsonNode *node = json_object_get_member (object, "hidden");
      JsonArray *array;
      guint n;

      if (!JSON_NODE_HOLDS_ARRAY (node)
          || (n = json_array_get_length (array = json_node_get_array (node)))
             >= G_N_ELEMENTS (options->hidden))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's hidden layer sizes are not valid."));
          return FALSE;
        }
      memset (options->hidden, 0, sizeof options->hidden);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (array, i);
          gint64 v;

          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
              || (v = json_node_get_int (e)) <= 0 || v > G_MAXINT32)
            {
              g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                           _("The model's hidden layer sizes are not valid."));
              return FALSE;
            }
          options->hidden[i] = (guint) v;
        }
    }
  return TRUE;
}

/* ---- Registry --------------------------------------------------------------------------- */

const KilnModelClass * const *
kiln_model_list_classes (guint *n)
{
  if (n != NULL)
    *n = G_N_ELEMENTS (model_classes) - 1;
  return model_classes;
}

const KilnModelClass *
kiln_model_lookup_class (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; model_classes[i] != NULL; i++)
    if (strcmp (model_classes[i]->name, name) == 0)
      return model_classes[i];
  return NULL;
}

static const KilnModelClass *
lookup_class_or_error (const char  *name,
                       GError     **error)
{
  const KilnModelClass *klass = kiln_model_lookup_class (name);

  if (klass == NULL)
    g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                 _("There is no model family called “%s”."), name);
  return klass;
}

static gboolean
check_options (const KilnModelClass    *klass,
               const KilnModelOptions  *options,
               GError                 **error)
{
  if (options->task == KILN_TASK_CLASSIFICATION && !klass->classification)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("%s cannot classify; choose a regression target or another model."),
                   g_dgettext (GETTEXT_PACKAGE, klass->display_name));
      return FALSE;
    }
  if (options->task == KILN_TASK_REGRESSION && !klass->regression)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("%s cannot predict numbers; choose a classification target or another model."),
                   g_dgettext (GETTEXT_PACKAGE, klass->display_name));
      return FALSE;
    }
  if (options->task != KILN_TASK_CLASSIFICATION && options->task != KILN_TASK_REGRESSION)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS, _("Unknown task."));
      return FALSE;
    }
  if (klass->check_options != NULL)
    return klass->check_options (options, error);
  return TRUE;
}

gboolean
kiln_model_check_options (const char              *name,
                          const KilnModelOptions  *options,
                          GError                 **error)
{
  const KilnModelClass *klass;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  klass = lookup_class_or_error (name, error);
  if (klass == NULL)
    return FALSE;
  return check_options (klass, options, error);
}

/* ---- Instances --------------------------------------------------------------------------- */

static KilnModel *
model_alloc (const KilnModelClass   *klass,
             const KilnModelOptions *options)
{
  KilnModel *model;

  g_assert (klass->instance_size >= sizeof (KilnModel));

  model = g_malloc0 (klass->instance_size);
  model->klass = klass;
  model->ref_count = 1;
  model->options = *options;
  model->task = options->task;
  return model;
}

KilnModel *
kiln_model_new (const char              *name,
                const KilnModelOptions  *options,
                GError                 **error)
{
  const KilnModelClass *klass;
  KilnModelOptions defaults;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  klass = lookup_class_or_error (name, error);
  if (klass == NULL)
    return NULL;
  if (options == NULL)
    {
      kiln_model_options_init (&defaults, klass->classification ? KILN_TASK_CLASSIFICATION
                                                                : KILN_TASK_REGRESSION);
      options = &defaults;
    }
  if (!check_options (klass, options, error))
    return NULL;
  return model_alloc (klass, options);
}

KilnModel *
_kiln_model_new_like (KilnModel *model)
{
  KilnModel *copy;

  g_return_val_if_fail (model != NULL, NULL);

  copy = model_alloc (model->klass, &model->options);
  copy->task = model->task;
  copy->n_features = model->n_features;
  copy->n_classes = model->n_classes;
  return copy;
}

KilnModel *
kiln_model_ref (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  g_atomic_int_inc (&model->ref_count);
  return model;
}

void
kiln_model_unref (KilnModel *model)
{
  g_return_if_fail (model != NULL);

  /* g_atomic_int_* rather than g_atomic_ref_count_*: those are out-of-line in Debian's GLib
   * (unless G_DISABLE_CHECKS), so ThreadSanitizer would not see a model freed by another thread
   * as synchronised. */
  if (g_atomic_int_dec_and_test (&model->ref_count))
    {
      if (model->klass->finalize != NULL)
        model->klass->finalize (model);
      g_free (model);
    }
}

const char *
kiln_model_get_name (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  return model->klass->name;
}

gboolean
kiln_model_fit (KilnModel             *model,
                const KilnDataset     *train,
                const KilnDataset     *val,
                const KilnFitMonitor  *monitor,
                GCancellable          *cancellable,
                GError               **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (train != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (model->fitted)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("This model is already trained; create a new one to train again."));
      return FALSE;
    }
  if (train->task != model->task)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("The model was set up for %s but the data is for %s."),
                   kiln_task_to_string (model->task), kiln_task_to_string (train->task));
      return FALSE;
    }
  if (!kiln_dataset_check (train, error))
    return FALSE;
  if (val != NULL && val->n_rows == 0)
    val = NULL;
  if (val != NULL)
    {
      if (val->n_features != train->n_features || val->task != train->task
          || val->n_classes != train->n_classes)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                       _("The validation rows do not have the same features or classes as the training rows."));
          return FALSE;
        }
      if (!kiln_dataset_check (val, error))
        {
          g_prefix_error (error, _("Validation split: "));
          return FALSE;
        }
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  model->n_features = train->n_features;
  model->n_classes = train->task == KILN_TASK_CLASSIFICATION ? train->n_classes : 0;
  if (!model->klass->fit (model, train, val, monitor, cancellable, error))
    return FALSE;
  model->fitted = TRUE;
  return TRUE;
}

void
kiln_model_predict (KilnModel   *model,
                    const float *x,
                    guint        n_rows,
                    double      *out)
{
  g_return_if_fail (model != NULL);
  g_return_if_fail (model->fitted);
  g_return_if_fail (x != NULL || n_rows == 0);
  g_return_if_fail (out != NULL || n_rows == 0);

  if (n_rows == 0)
    return;
  model->klass->predict (model, x, n_rows, out);
}

gboolean
kiln_model_get_importances (KilnModel *model,
                            double    *out)
{
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!model->fitted || model->klass->importances == NULL)
    return FALSE;
  return model->klass->importances (model, out);
}

guint
kiln_model_get_max_epochs (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, 0);

  if (model->klass->max_epochs != NULL)
    return model->klass->max_epochs (&model->options);
  return model->options.epochs;
}

/* ---- JSON ------------------------------------------------------------------------------- */

JsonNode *
kiln_model_to_json (KilnModel *model)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (model->fitted, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "family");
  json_builder_add_string_value (builder, model->klass->name);
  json_builder_set_member_name (builder, "options");
  options_to_json (&model->options, builder);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, kiln_task_to_string (model->task));
  json_builder_set_member_name (builder, "n_features");
  json_builder_add_int_value (builder, model->n_features);
  json_builder_set_member_name (builder, "n_classes");
  json_builder_add_int_value (builder, model->n_classes);
  json_builder_set_member_name (builder, "params");
  json_builder_begin_object (builder);
  model->klass->to_json (model, builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

KilnModel *
kiln_model_from_json (JsonNode  *node,
                      GError   **error)
{
  JsonObject *object, *options_object, *params;
  const KilnModelClass *klass;
  const char *family, *task_str;
  KilnModelOptions options;
  KilnTask task;
  guint64 n_features, n_classes;
  KilnModel *model;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT, _("The model is not a JSON object."));
      return NULL;
    }
  object = json_node_get_object (node);
  family = json_object_get_string_member_with_default (object, "family", NULL);
  if (family == NULL)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT, _("The model does not name its family."));
      return NULL;
    }
  klass = kiln_model_lookup_class (family);
  if (klass == NULL)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model family “%s” is not known to this version of Kiln."), family);
      return NULL;
    }
  task_str = json_object_get_string_member_with_default (object, "task", NULL);
  if (!kiln_task_from_string (task_str, &task))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT, _("The model's task is not valid."));
      return NULL;
    }
  if (!_kiln_json_get_uint (object, "n_features", 1, G_MAXINT32, &n_features, error)
      || !_kiln_json_get_uint (object, "n_classes", 0, G_MAXINT32, &n_classes, error))
    return NULL;
  if ((task == KILN_TASK_CLASSIFICATION && n_classes < 2)
      || (task == KILN_TASK_REGRESSION && n_classes != 0))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's number of classes does not match its task."));
      return NULL;
    }
  if (json_object_has_member (object, "options"))
    {
      JsonNode *o = json_object_get_member (object, "options");
      if (!JSON_NODE_HOLDS_OBJECT (o))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT, _("The model's options are not valid."));
          return NULL;
        }
      options_object = json_node_get_object (o);
      if (!options_from_json (options_object, task, &options, error))
        return NULL;
    }
  else
    kiln_model_options_init (&options, task);
  options.task = task;
  if (!check_options (klass, &options, error))
    {
      if (error != NULL && *error != NULL)
        (*error)->code = KILN_MODEL_ERROR_FORMAT;
      return NULL;
    }
  if (!json_object_has_member (object, "params")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "params")))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT, _("The model has no parameters."));
      return NULL;
    }
  params = json_object_get_object_member (object, "params");

  model = model_alloc (klass, &options);
  model->n_features = (guint) n_features;
  model->n_classes = (guint) n_classes;
  if (!klass->from_json (model, params, error))
    {
      kiln_model_unref (model);
      return NULL;
    }
  model->fitted = TRUE;
  return model;
}

/* ---- JSON helpers for the families ----------------------------------------------------- */

void
_kiln_json_add_doubles (JsonBuilder  *builder,
                        const char   *name,
                        const double *values,
                        gsize         n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
_kiln_json_add_floats (JsonBuilder *builder,
                       const char  *name,
                       const float *values,
                       gsize        n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
_kiln_json_add_uints (JsonBuilder   *builder,
                      const char    *name,
                      const guint32 *values,
                      gsize          n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_int_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
_kiln_json_add_ints (JsonBuilder  *builder,
                     const char   *name,
                     const gint32 *values,
                     gsize         n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_int_value (builder, values[i]);
  json_builder_end_array (builder);
}

gssize
_kiln_json_get_array_length (JsonObject  *object,
                             const char  *name,
                             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (_kiln_json_member_is_packed (object, name))
    return _kiln_json_get_packed_length (object, name, error);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or not a list."), name);
      return -1;
    }
  return json_array_get_length (json_node_get_array (node));
}

static JsonArray *
get_array_n (JsonObject  *object,
             const char  *name,
             gsize        n,
             GError     **error)
{
  gssize len = _kiln_json_get_array_length (object, name, error);

  if (len < 0)
    return NULL;
  if ((gsize) len != n)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” has %zd values instead of %zu."),
                   name, len, n);
      return NULL;
    }
  return json_object_get_array_member (object, name);
}

static gboolean
node_get_number (JsonNode *node,
                 double   *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else
    return FALSE;
  return TRUE;
}

static void
set_not_number_error (GError    **error,
                      const char *name,
                      gsize       i)
{
  g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
               _("The model's “%s” holds something other than a number at position %zu."),
               name, i);
}

gboolean
_kiln_json_get_doubles (JsonObject  *object,
                        const char  *name,
                        double      *out,
                        gsize        n,
                        GError     **error)
{
  JsonArray *array;

  if (_kiln_json_member_is_packed (object, name))
    return _kiln_json_get_packed_numbers (object, name, n, NULL, out, error);
  array = get_array_n (object, name, n, error);
  if (array == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!node_get_number (json_array_get_element (array, i), &out[i]))
      {
        set_not_number_error (error, name, i);
        return FALSE;
      }
  return TRUE;
}

gboolean
_kiln_json_get_floats (JsonObject  *object,
                       const char  *name,
                       float       *out,
                       gsize        n,
                       GError     **error)
{
  JsonArray *array;

  if (_kiln_json_member_is_packed (object, name))
    {
      g_autofree double *v = g_new (double, MAX (n, 1));

      if (!_kiln_json_get_packed_numbers (object, name, n, NULL, v, error))
        return FALSE;
      for (gsize i = 0; i < n; i++)
        out[i] = (float) v[i];
      return TRUE;
    }
  array = get_array_n (object, name, n, error);
  if (array == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      double v;
      if (!node_get_number (json_array_get_element (array, i), &v))
        {
          set_not_number_error (error, name, i);
          return FALSE;
        }
      out[i] = (float) v;
    }
  return TRUE;
}

gboolean
_kiln_json_get_ints (JsonObject  *object,
                     const char  *name,
                     gint32      *out,
                     gsize        n,
                     GError     **error)
{
  JsonArray *array;

  if (_kiln_json_member_is_packed (object, name))
    {
      g_autofree gint64 *v = g_new (gint64, MAX (n, 1));

      if (!_kiln_json_get_packed_numbers (object, name, n, v, NULL, error))
        return FALSE;
      for (gsize i = 0; i < n; i++)
        {
          if (v[i] < G_MININT32 || v[i] > G_MAXINT32)
            {
              g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                           _("The model's “%s” holds something other than an integer at position %zu."),
                           name, i);
              return FALSE;
            }
          out[i] = (gint32) v[i];
        }
      return TRUE;
    }
  array = get_array_n (object, name, n, error);
  if (array == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      gint64 v;

      if (e == NULL || !JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
          || (v = json_node_get_int (e)) < G_MININT32 || v > G_MAXINT32)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's “%s” holds something other than an integer at position %zu."),
                       name, i);
          return FALSE;
        }
      out[i] = (gint32) v;
    }
  return TRUE;
}

gboolean
_kiln_json_get_uints (JsonObject  *object,
                      const char  *name,
                      guint32     *out,
                      gsize        n,
                      GError     **error)
{
  g_autofree gint64 *v = g_new (gint64, MAX (n, 1));

  if (_kiln_json_member_is_packed (object, name))
    {
      if (!_kiln_json_get_packed_numbers (object, name, n, v, NULL, error))
        return FALSE;
    }
  else
    {
      JsonArray *array = get_array_n (object, name, n, error);

      if (array == NULL)
        return FALSE;
      for (gsize i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (array, i);

          if (e == NULL || !JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64)
            v[i] = -1;
          else
            v[i] = json_node_get_int (e);
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      if (v[i] < 0 || v[i] > G_MAXUINT32)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's “%s” holds something other than an integer at position %zu."),
                       name, i);
          return FALSE;
        }
      out[i] = (guint32) v[i];
    }
  return TRUE;
}

gboolean
_kiln_json_get_uint (JsonObject  *object,
                     const char  *name,
                     guint64      min,
                     guint64      max,
                     guint64     *out,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || (v = json_node_get_int (node)) < 0 || (guint64) v < min || (guint64) v > max)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or out of range."), name);
      return FALSE;
    }
  *out = (guint64) v;
  return TRUE;
}

gboolean
_kiln_json_get_double (JsonObject  *object,
                       const char  *name,
                       double      *out,
                       GError     **error)
{
  if (!node_get_number (json_object_get_member (object, name), out))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or not a number."), name);
      return FALSE;
    }
  return TRUE;
}
