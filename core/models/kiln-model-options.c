/* kiln-model-options.c: the model options, their defaults, their descriptions (what the Train
 * page and `kiln-cli train` offer) and their JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-model"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"

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
  options->gbt.min_hessian = 1e-3;
}

/* ---- Descriptions -------------------------------------------------------------------------- */

#define OFF(f) G_STRUCT_OFFSET (KilnModelOptions, f)

#define UINT_OPTION(var, name, title, desc, field, lo, hi, step, adv) \
  const KilnModelOption var = { name, title, desc, N_("N"), KILN_MODEL_OPTION_UINT, OFF (field), \
                                lo, hi, step, 0, adv }
#define DOUBLE_OPTION(var, name, title, desc, field, lo, hi, step, digits, adv) \
  const KilnModelOption var = { name, title, desc, N_("X"), KILN_MODEL_OPTION_DOUBLE, OFF (field), \
                                lo, hi, step, digits, adv }

DOUBLE_OPTION (kiln_model_option_l2_logreg, "l2", N_("Regularisation (L2)"),
               N_("1/C; larger keeps weights smaller"), l2, 0, 1000, 0.1, 3, FALSE);
DOUBLE_OPTION (kiln_model_option_l2_ridge, "l2", N_("Regularisation (alpha)"), NULL,
               l2, 0, 1000, 0.1, 3, FALSE);
UINT_OPTION (kiln_model_option_max_iter, "max-iter", N_("Maximum iterations"), N_("0: the default"),
             max_iter, 0, 1000000, 100, TRUE);
const KilnModelOption kiln_model_option_hidden = {
  "hidden", N_("Hidden layers"), N_("Neurons per layer, e.g. 64,32"), N_("64,32"),
  KILN_MODEL_OPTION_LAYERS, OFF (hidden), 1, 65536, 0, 0, FALSE
};
UINT_OPTION (kiln_model_option_epochs, "epochs", N_("Epochs"),
             N_("Passes over the training rows at most"), epochs, 1, 100000, 10, FALSE);
DOUBLE_OPTION (kiln_model_option_learning_rate, "lr", N_("Learning rate"), N_("Adam’s step size"),
               learning_rate, 1e-9, 10, 0.0005, 5, TRUE);
UINT_OPTION (kiln_model_option_batch_size, "batch", N_("Batch size"), N_("Rows per mini-batch"),
             batch_size, 1, 1000000, 10, TRUE);
UINT_OPTION (kiln_model_option_patience, "patience", N_("Patience"),
             N_("Epochs without improvement before stopping early"), patience, 1, 100000, 1, TRUE);
DOUBLE_OPTION (kiln_model_option_mlp_alpha, "alpha", N_("Weight decay (alpha)"),
               N_("L2 penalty on the weights"), mlp_alpha, 0, 10, 0.0001, 5, TRUE);
UINT_OPTION (kiln_model_option_max_depth, "max-depth", N_("Maximum depth"), N_("0 means no limit"),
             max_depth, 0, 1000, 1, FALSE);
UINT_OPTION (kiln_model_option_max_depth_advanced, "max-depth", N_("Maximum depth"),
             N_("0 means no limit"), max_depth, 0, 1000, 1, TRUE);
UINT_OPTION (kiln_model_option_min_samples_leaf, "min-samples-leaf", N_("Minimum rows per leaf"),
             NULL, min_samples_leaf, 1, 1000000, 1, FALSE);
UINT_OPTION (kiln_model_option_min_samples_leaf_advanced, "min-samples-leaf",
             N_("Minimum rows per leaf"), NULL, min_samples_leaf, 1, 1000000, 1, TRUE);
UINT_OPTION (kiln_model_option_n_trees, "trees", N_("Trees"), NULL, n_trees, 1, 100000, 10, FALSE);
DOUBLE_OPTION (kiln_model_option_max_features, "max-features", N_("Features per split"),
               N_("A fraction of the features; 0: the square root (classes) or all (numbers)"),
               max_features, 0, 1, 0.05, 2, TRUE);
UINT_OPTION (kiln_model_option_k, "k", N_("Neighbours (k)"), NULL, k, 1, 1000, 1, FALSE);
/* gradient-boosted trees: their own fields (their defaults differ from the other trees') */
UINT_OPTION (kiln_model_option_gbt_rounds, "rounds", N_("Boosting rounds"),
             N_("Trees added one after another, at most"), gbt.rounds, 1, 100000, 10, FALSE);
const KilnModelOption kiln_model_option_gbt_learning_rate = {
  "lr", N_("Learning rate"), N_("How much of each tree is added; smaller needs more rounds"),
  N_("X"), KILN_MODEL_OPTION_DOUBLE, OFF (gbt.learning_rate), 0.0001, 10, 0.01, 3, FALSE,
  "learning-rate"
};
UINT_OPTION (kiln_model_option_gbt_max_leaves, "leaves", N_("Leaves per tree"), NULL,
             gbt.max_leaves, 2, 4096, 1, FALSE);
UINT_OPTION (kiln_model_option_gbt_max_depth, "max-depth", N_("Maximum depth"),
             N_("0 means no limit"), gbt.max_depth, 0, 1000, 1, TRUE);
UINT_OPTION (kiln_model_option_gbt_min_samples_leaf, "min-samples-leaf", N_("Minimum rows per leaf"),
             NULL, gbt.min_samples_leaf, 1, 1000000, 1, TRUE);
DOUBLE_OPTION (kiln_model_option_gbt_l2, "l2", N_("Regularisation of leaf values (L2)"),
               N_("Larger keeps leaf values smaller"), gbt.l2, 0, 1000, 0.1, 3, TRUE);
DOUBLE_OPTION (kiln_model_option_gbt_min_hessian, "min-hessian", N_("Minimum weight per leaf"),
               N_("The least sum of second derivatives of the loss in a leaf; larger stops splits among rows the model already fits"),
               gbt.min_hessian, 0, 1000000, 0.1, 3, TRUE);
DOUBLE_OPTION (kiln_model_option_gbt_subsample, "subsample", N_("Rows per round"),
               N_("A fraction of the training rows drawn for each round"),
               gbt.subsample, 0.01, 1, 0.05, 2, TRUE);
DOUBLE_OPTION (kiln_model_option_gbt_colsample, "colsample", N_("Features per tree"),
               N_("A fraction of the features drawn for each tree"),
               gbt.colsample, 0.01, 1, 0.05, 2, TRUE);
UINT_OPTION (kiln_model_option_gbt_early_stopping, "early-stopping", N_("Early stopping"),
             N_("Rounds without improvement before stopping; 0 never stops early"),
             gbt.early_stopping, 0, 100000, 1, TRUE);
UINT_OPTION (kiln_model_option_gbt_max_bins, "bins", N_("Bins per feature"),
             N_("Values of a numeric feature are grouped into at most this many bins"),
             gbt.max_bins, 2, 255, 1, TRUE);

double
kiln_model_option_get_value (const KilnModelOption  *option,
                             const KilnModelOptions *options)
{
  const guint8 *base = (const guint8 *) options;

  g_return_val_if_fail (option != NULL && options != NULL, NAN);

  switch (option->kind)
    {
    case KILN_MODEL_OPTION_UINT:
      return *(const guint *) (base + option->offset);
    case KILN_MODEL_OPTION_DOUBLE:
      return *(const double *) (base + option->offset);
    case KILN_MODEL_OPTION_LAYERS:
    default:
      g_return_val_if_reached (NAN);
    }
}

void
kiln_model_option_set_value (const KilnModelOption *option,
                             KilnModelOptions      *options,
                             double                 value)
{
  guint8 *base = (guint8 *) options;

  g_return_if_fail (option != NULL && options != NULL);

  switch (option->kind)
    {
    case KILN_MODEL_OPTION_UINT:
      *(guint *) (base + option->offset) = (guint) CLAMP (value, 0.0, (double) G_MAXUINT);
      break;
    case KILN_MODEL_OPTION_DOUBLE:
      *(double *) (base + option->offset) = value;
      break;
    case KILN_MODEL_OPTION_LAYERS:
    default:
      g_return_if_reached ();
    }
}

char *
kiln_model_option_format (const KilnModelOption  *option,
                          const KilnModelOptions *options)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (option != NULL && options != NULL, NULL);

  switch (option->kind)
    {
    case KILN_MODEL_OPTION_UINT:
      return g_strdup_printf ("%u", (guint) kiln_model_option_get_value (option, options));
    case KILN_MODEL_OPTION_DOUBLE:
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, kiln_model_option_get_value (option, options)));
    case KILN_MODEL_OPTION_LAYERS:
    default:
      {
        GString *text = g_string_new (NULL);
        for (guint k = 0; k < G_N_ELEMENTS (options->hidden) && options->hidden[k]; k++)
          g_string_append_printf (text, "%s%u", k ? "," : "", options->hidden[k]);
        return g_string_free (text, FALSE);
      }
    }
}

static gboolean
parse_layers (const KilnModelOption  *option,
              const char             *text,
              KilnModelOptions       *options,
              GError                **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  guint hidden[G_N_ELEMENTS (options->hidden)] = { 0 };
  guint max = G_N_ELEMENTS (options->hidden), n = 0;

  for (guint i = 0; parts[i]; i++)
    {
      guint64 v;
      g_strstrip (parts[i]);
      if (n + 1 >= max ||
          !g_ascii_string_to_unsigned (parts[i], 10, (guint64) option->min, (guint64) option->max,
                                       &v, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--hidden takes up to %u layer sizes separated by commas, e.g. 64,32"),
                       max - 1);
          return FALSE;
        }
      hidden[n++] = (guint) v;
    }
  if (n == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--hidden takes layer sizes separated by commas, e.g. 64,32"));
      return FALSE;
    }
  memcpy (options->hidden, hidden, sizeof hidden);
  return TRUE;
}

gboolean
kiln_model_option_parse (const KilnModelOption  *option,
                         const char             *text,
                         KilnModelOptions       *options,
                         GError                **error)
{
  double value;
  char *end = NULL;

  g_return_val_if_fail (option != NULL && text != NULL && options != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (option->kind == KILN_MODEL_OPTION_LAYERS)
    return parse_layers (option, text, options, error);
  if (option->kind == KILN_MODEL_OPTION_UINT)
    {
      guint64 v;
      if (!g_ascii_string_to_unsigned (text, 10, (guint64) option->min, (guint64) option->max, &v,
                                       NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--%s takes a whole number from %g to %g, not “%s”"), option->name,
                       option->min, option->max, text);
          return FALSE;
        }
      kiln_model_option_set_value (option, options, (double) v);
      return TRUE;
    }
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value) || value < option->min
      || value > option->max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--%s takes a number from %g to %g, not “%s”"), option->name, option->min,
                   option->max, text);
      return FALSE;
    }
  kiln_model_option_set_value (option, options, value);
  return TRUE;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static guint
options_n_hidden (const KilnModelOptions *options)
{
  guint n = 0;

  while (n < G_N_ELEMENTS (options->hidden) && options->hidden[n] != 0)
    n++;
  return n;
}

void
_kiln_model_options_to_json (const KilnModelOptions *options,
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
  json_builder_set_member_name (builder, "min_hessian");
  json_builder_add_double_value (builder, options->gbt.min_hessian);
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

gboolean
_kiln_model_options_from_json (JsonObject        *object,
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
          || !get_optional_uint (gbt, "max_bins", &options->gbt.max_bins, error)
          || !get_optional_double (gbt, "min_hessian", &options->gbt.min_hessian, error))
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
