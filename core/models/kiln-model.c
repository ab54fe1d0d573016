/* kiln-model.c: the common model interface, the registry of families and JSON wrapping.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-model"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"

G_DEFINE_QUARK (kiln-model-error-quark, kiln_model_error)

/* ---- Registry --------------------------------------------------------------------------- */

/* Every family, in the order the UI lists them. A new family adds its line here. */
static const KilnModelClass * const model_classes[] = {
  &kiln_logreg_class,
  &kiln_linear_class,
  &kiln_ridge_class,
  &kiln_mlp_class,
  &kiln_tree_class,
  &kiln_forest_class,
  &kiln_gbt_class,
  &kiln_knn_class,
  &kiln_nb_class,
  NULL,
};

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

char *
kiln_model_list_names (void)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; model_classes[i] != NULL; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "", model_classes[i]->name);
  return g_string_free (names, FALSE);
}

const KilnModelOption *
kiln_model_lookup_option (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; model_classes[i] != NULL; i++)
    for (guint o = 0; model_classes[i]->options && model_classes[i]->options[o]; o++)
      if (strcmp (model_classes[i]->options[o]->name, name) == 0)
        return model_classes[i]->options[o];
  return NULL;
}

const KilnModelOption *
kiln_model_class_find_option (const KilnModelClass *klass,
                              const char           *flag)
{
  g_return_val_if_fail (klass != NULL && flag != NULL, NULL);

  for (guint o = 0; klass->options && klass->options[o]; o++)
    if (strcmp (klass->options[o]->name, flag) == 0
        || g_strcmp0 (klass->options[o]->alias, flag) == 0)
      return klass->options[o];
  return NULL;
}

/* A string member, or NULL when it is missing or not a string (json-glib's _with_default
 * getters raise a critical for an object or an array). */
static const char *
string_member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
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
  if (klass->ops->check_options != NULL)
    return klass->ops->check_options (options, error);
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

  g_assert (klass->ops->instance_size >= sizeof (KilnModel));

  model = g_malloc0 (klass->ops->instance_size);
  model->klass = klass;
  model->ref_count = 1;
  model->options = *options;
  model->task = options->task;
  return model;
}

/* The feature layout of @n_dense numeric and @n_categorical categorical features. */
static void
model_set_layout (KilnModel   *model,
                  guint        n_dense,
                  guint        n_categorical,
                  const guint *n_levels,
                  guint        n_sparse)
{
  guint offset = n_dense;

  g_clear_pointer (&model->n_levels, g_free);
  g_clear_pointer (&model->level_offset, g_free);
  model->n_dense = n_dense;
  model->n_categorical = n_categorical;
  if (n_categorical > 0)
    {
      model->n_levels = g_memdup2 (n_levels, n_categorical * sizeof (guint));
      model->level_offset = g_new (guint, n_categorical);
      for (guint j = 0; j < n_categorical; j++)
        {
          model->level_offset[j] = offset;
          offset += n_levels[j];
        }
    }
  model->sparse_offset = offset;
  model->n_sparse = n_sparse;
  model->n_features = offset + n_sparse;
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
  model_set_layout (copy, model->n_dense, model->n_categorical, model->n_levels, model->n_sparse);
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
      if (model->klass->ops->finalize != NULL)
        model->klass->ops->finalize (model);
      g_free (model->n_levels);
      g_free (model->level_offset);
      g_free (model);
    }
}

/* ---- Accessors ---------------------------------------------------------------------------- */

const char *
kiln_model_get_name (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  return model->klass->name;
}

const KilnModelClass *
kiln_model_get_class (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  return model->klass;
}

const KilnModelOptions *
kiln_model_get_options (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  return &model->options;
}

gboolean
kiln_model_is_fitted (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, FALSE);

  return model->fitted;
}

KilnTask
kiln_model_get_task (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, KILN_TASK_CLASSIFICATION);

  return model->task;
}

guint
kiln_model_get_n_features (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, 0);

  return model->n_features;
}

void
kiln_model_get_layout (KilnModel    *model,
                       guint        *n_dense,
                       guint        *n_categorical,
                       const guint **n_levels)
{
  g_return_if_fail (model != NULL);

  if (n_dense)
    *n_dense = model->n_dense;
  if (n_categorical)
    *n_categorical = model->n_categorical;
  if (n_levels)
    *n_levels = model->n_levels;
}

guint
kiln_model_get_n_classes (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, 0);

  return model->n_classes;
}

guint
kiln_model_get_max_epochs (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, 0);

  if (model->klass->ops->max_epochs != NULL)
    return model->klass->ops->max_epochs (&model->options);
  return model->options.epochs;
}

guint
kiln_model_get_n_outputs (KilnModel *model)
{
  g_return_val_if_fail (model != NULL, 0);

  return model->task == KILN_TASK_CLASSIFICATION ? model->n_classes : 1;
}

double
_kiln_model_row_dot (const KilnModel   *model,
                     const KilnDataset *data,
                     const double      *w,
                     guint              i,
                     gboolean           with_one)
{
  guint nd = data->n_features, nc = data->n_categorical, d = model->n_features;
  const float *x = data->x + (gsize) i * nd;
  double z = with_one ? w[d] : 0.0;

  for (guint j = 0; j < nd; j++)
    z += w[j] * x[j];
  for (guint j = 0; j < nc; j++)
    {
      guint32 code = data->codes[(gsize) i * nc + j];
      if (code != KILN_CODE_NONE)
        z += w[model->level_offset[j] + code];
    }
  if (data->n_sparse > 0)
    {
      const double *ws = w + model->sparse_offset;
      for (gsize e = data->sp_ptr[i]; e < data->sp_ptr[i + 1]; e++)
        z += ws[data->sp_index[e]] * data->sp_value[e];
    }
  return z;
}

void
_kiln_model_row_axpy (const KilnModel   *model,
                      const KilnDataset *data,
                      double             a,
                      double            *w,
                      guint              i,
                      gboolean           with_one)
{
  guint nd = data->n_features, nc = data->n_categorical, d = model->n_features;
  const float *x = data->x + (gsize) i * nd;

  if (with_one)
    w[d] += a;
  for (guint j = 0; j < nd; j++)
    w[j] += a * x[j];
  for (guint j = 0; j < nc; j++)
    {
      guint32 code = data->codes[(gsize) i * nc + j];
      if (code != KILN_CODE_NONE)
        w[model->level_offset[j] + code] += a;
    }
  if (data->n_sparse > 0)
    {
      double *ws = w + model->sparse_offset;
      for (gsize e = data->sp_ptr[i]; e < data->sp_ptr[i + 1]; e++)
        ws[data->sp_index[e]] += a * data->sp_value[e];
    }
}

const double *
kiln_model_get_coefficients (KilnModel *model,
                             guint     *n_out)
{
  g_return_val_if_fail (model != NULL, NULL);

  if (!model->fitted || model->klass->ops->coefficients == NULL)
    return NULL;
  return model->klass->ops->coefficients (model, n_out);
}

gboolean
kiln_model_class_accepts_text (const KilnModelClass *klass)
{
  g_return_val_if_fail (klass != NULL, FALSE);

  return klass->ops->sparse;
}

char *
kiln_model_list_text_families (KilnTask task)
{
  GString *s = g_string_new (NULL);
  const KilnModelClass * const *classes;
  guint n;

  classes = kiln_model_list_classes (&n);
  for (guint i = 0; i < n; i++)
    if (classes[i]->ops->sparse
        && (task == KILN_TASK_CLASSIFICATION ? classes[i]->classification : classes[i]->regression))
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", _(classes[i]->display_name));
  return g_string_free (s, FALSE);
}

/* ---- Fitting and predicting -------------------------------------------------------------- */

/* kiln_dataset_check() as a KILN_MODEL_ERROR_DATA error. */
static gboolean
check_dataset (KilnModel         *model,
               const KilnDataset *data,
               GError           **error)
{
  g_autoptr(GError) local = NULL;

  if (kiln_dataset_check (data, model->klass->accepts_missing, &local))
    return TRUE;
  g_set_error_literal (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA, local->message);
  return FALSE;
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
  if (!check_dataset (model, train, error))
    return FALSE;
  if (val != NULL && val->n_rows == 0)
    val = NULL;
  if (val != NULL)
    {
      if (!kiln_dataset_same_layout (val, train) || val->task != train->task
          || val->n_classes != train->n_classes)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                       _("The validation rows do not have the same features or classes as the training rows."));
          return FALSE;
        }
      if (!check_dataset (model, val, error))
        {
          g_prefix_error (error, _("Validation split: "));
          return FALSE;
        }
    }
  if (train->n_sparse > 0 && !model->klass->ops->sparse)
    {
      g_autofree char *families = kiln_model_list_text_families (model->task);
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("%s cannot learn from text features; choose one of: %s."),
                   _(model->klass->display_name), families);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  model_set_layout (model, train->n_features, train->n_categorical, train->n_levels,
                    train->n_sparse);
  model->n_classes = train->task == KILN_TASK_CLASSIFICATION ? train->n_classes : 0;
  if (train->n_categorical > 0 && !model->klass->ops->codes)
    {
      /* a family that reads dense rows only learns from the one-hot view materialised; it
       * predicts through _kiln_model_predict_dense, which expands a block of rows at a time */
      g_autoptr(KilnDataset) dense_train = kiln_dataset_new_expanded (train);
      g_autoptr(KilnDataset) dense_val = val ? kiln_dataset_new_expanded (val) : NULL;

      if (!model->klass->ops->fit (model, dense_train, dense_val, monitor, cancellable, error))
        return FALSE;
    }
  else if (!model->klass->ops->fit (model, train, val, monitor, cancellable, error))
    return FALSE;
  model->fitted = TRUE;
  return TRUE;
}

void
kiln_model_predict (KilnModel         *model,
                    const KilnDataset *rows,
                    double            *out)
{
  g_return_if_fail (model != NULL);
  g_return_if_fail (model->fitted);
  g_return_if_fail (rows != NULL);
  g_return_if_fail (out != NULL || rows->n_rows == 0);
  g_return_if_fail (rows->n_features == model->n_dense);
  g_return_if_fail (rows->n_categorical == model->n_categorical);
  g_return_if_fail (rows->n_sparse == model->n_sparse);

  if (rows->n_rows == 0)
    return;
  for (guint j = 0; j < model->n_categorical; j++)
    g_return_if_fail (rows->n_levels[j] == model->n_levels[j]);
  model->klass->ops->predict (model, rows, out);
}

#define DENSE_BLOCK 1024

void
_kiln_model_predict_dense (KilnModel            *model,
                           const KilnDataset    *rows,
                           double               *out,
                           KilnDensePredictFunc  predict)
{
  guint width = model->n_features, n_out = kiln_model_get_n_outputs (model);
  g_autofree float *block = NULL;

  guint block_rows = CLAMP ((1u << 22) / MAX (width, 1), 1, DENSE_BLOCK);

  if (rows->n_categorical == 0 && rows->n_sparse == 0)
    {
      predict (model, rows->x, rows->n_rows, out);
      return;
    }
  block = g_new (float, (gsize) MIN (rows->n_rows, block_rows) * width);
  for (guint r0 = 0; r0 < rows->n_rows; r0 += block_rows)
    {
      guint n = MIN (block_rows, rows->n_rows - r0);

      kiln_dataset_expand (rows, r0, n, block);
      predict (model, block, n, out + (gsize) r0 * n_out);
    }
}

gboolean
kiln_model_get_importances (KilnModel *model,
                            double    *out)
{
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!model->fitted || model->klass->ops->importances == NULL)
    return FALSE;
  return model->klass->ops->importances (model, out);
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
  _kiln_model_options_to_json (&model->options, builder);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, kiln_task_to_string (model->task));
  json_builder_set_member_name (builder, "n_features");
  json_builder_add_int_value (builder, model->n_features);
  if (model->n_categorical > 0)
    {
      json_builder_set_member_name (builder, "n_dense");
      json_builder_add_int_value (builder, model->n_dense);
      _kiln_json_add_uints (builder, "n_levels", model->n_levels, model->n_categorical);
    }
  if (model->n_sparse > 0)
    {
      json_builder_set_member_name (builder, "n_sparse");
      json_builder_add_int_value (builder, model->n_sparse);
    }
  json_builder_set_member_name (builder, "n_classes");
  json_builder_add_int_value (builder, model->n_classes);
  json_builder_set_member_name (builder, "params");
  json_builder_begin_object (builder);
  model->klass->ops->to_json (model, builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* "n_dense" and "n_levels" (absent: every feature dense), adding up to @n_features. */
static gboolean
layout_from_json (JsonObject  *object,
                  KilnModel   *model,
                  guint        n_features,
                  GError     **error)
{
  guint64 n_dense;
  gssize n_categorical;
  g_autofree guint *n_levels = NULL;
  guint64 total, n_sparse = 0;

  if (json_object_has_member (object, "n_sparse"))
    {
      if (!_kiln_json_get_uint (object, "n_sparse", 1, n_features, &n_sparse, error))
        return FALSE;
      if (!model->klass->ops->sparse)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's “%s” is missing or out of range."), "n_sparse");
          return FALSE;
        }
      n_features -= (guint) n_sparse;
    }
  if (!json_object_has_member (object, "n_levels"))
    {
      model_set_layout (model, n_features, 0, NULL, (guint) n_sparse);
      return TRUE;
    }
  if (!_kiln_json_get_uint (object, "n_dense", 0, n_features, &n_dense, error)
      || (n_categorical = _kiln_json_get_array_length (object, "n_levels", error)) < 0)
    return FALSE;
  n_levels = g_new (guint, MAX (n_categorical, 1));
  total = n_dense;
  {
    JsonArray *array = json_object_get_array_member (object, "n_levels");
    for (guint j = 0; j < (guint) n_categorical; j++)
      {
        JsonNode *e = json_array_get_element (array, j);
        gint64 v;

        if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
            || (v = json_node_get_int (e)) < 0 || v > G_MAXINT32)
          {
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                         _("The model's “%s” is missing or out of range."), "n_levels");
            return FALSE;
          }
        n_levels[j] = (guint) v;
        total += (guint64) v;
      }
  }
  if (total != n_features)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or out of range."), "n_levels");
      return FALSE;
    }
  model_set_layout (model, (guint) n_dense, (guint) n_categorical, n_levels, (guint) n_sparse);
  return TRUE;
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
  g_autoptr(KilnModel) model = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT, _("The model is not a JSON object."));
      return NULL;
    }
  object = json_node_get_object (node);
  family = string_member (object, "family");
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
  task_str = string_member (object, "task");
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
      if (!_kiln_model_options_from_json (options_object, task, &options, error))
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
  if (!layout_from_json (object, model, (guint) n_features, error))
    return NULL;
  model->n_classes = (guint) n_classes;
  if (!klass->ops->from_json (model, params, error))
    return NULL;
  model->fitted = TRUE;
  return g_steal_pointer (&model);
}

/* ---- Reading a model's JSON, for exporters ------------------------------------------------- */

gssize
kiln_model_json_get_length (JsonObject  *params,
                            const char  *name,
                            GError     **error)
{
  g_return_val_if_fail (params != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);
  return _kiln_json_get_array_length (params, name, error);
}

gboolean
kiln_model_json_get_numbers (JsonObject  *params,
                             const char  *name,
                             double      *out,
                             gsize        n,
                             GError     **error)
{
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return _kiln_json_get_doubles (params, name, out, n, error);
}
