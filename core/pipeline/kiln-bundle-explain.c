/* kiln-bundle-explain.c: a bundle's explanations on raw rows, in raw column terms.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-explain"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-bundle-explain.h"
#include "kiln-metrics.h"

void
kiln_explain_options_init (KilnExplainOptions *options)
{
  g_return_if_fail (options != NULL);
  options->n_rows = 5;
  options->repeats = 5;
  options->n_samples = 200;
  options->seed = 42;
}

/* The input column @name stands for, or -1: the longest input column name that is @name or
 * that @name starts with followed by "=" (a one-hot level, "island=Dream"). */
static int
input_of (const KilnRecipeColumn *inputs, guint n_inputs, const char *name)
{
  int best = -1;
  gsize best_len = 0;

  for (guint c = 0; c < n_inputs; c++)
    {
      gsize len = strlen (inputs[c].name);
      if (strncmp (name, inputs[c].name, len) == 0 && (name[len] == '\0' || name[len] == '=')
          && (best < 0 || len > best_len))
        best = (int) c, best_len = len;
    }
  return best;
}

KilnFeatureGroup *
kiln_feature_groups_new (KilnRecipe        *recipe,
                         const KilnDataset *data,
                         guint             *n_groups)
{
  const KilnRecipeColumn *inputs;
  const char * const *names;
  guint n_inputs, n_names, n = 0;
  g_autofree GArray **dense = NULL, **codes = NULL;
  KilnFeatureGroup *groups;

  g_return_val_if_fail (recipe != NULL && data != NULL && n_groups != NULL, NULL);

  inputs = kiln_recipe_get_input_columns (recipe, &n_inputs);
  names = kiln_recipe_get_feature_names (recipe, &n_names);
  g_return_val_if_fail (n_names == kiln_dataset_get_width (data), NULL);

  dense = g_new0 (GArray *, MAX (n_inputs, 1));
  codes = g_new0 (GArray *, MAX (n_inputs, 1));
  for (guint c = 0; c < n_inputs; c++)
    {
      dense[c] = g_array_new (FALSE, FALSE, sizeof (guint));
      codes[c] = g_array_new (FALSE, FALSE, sizeof (guint));
    }
  for (guint f = 0; f < data->n_features; f++)
    {
      int c = input_of (inputs, n_inputs, names[f]);
      if (c >= 0)
        g_array_append_val (dense[c], f);
      else
        g_warning ("feature “%s” has no input column", names[f]);
    }
  for (guint j = 0; j < data->n_categorical; j++)
    {
      /* its first level's name in the one-hot view, "island=Biscoe" */
      int c = input_of (inputs, n_inputs,
                        names[data->n_features + kiln_dataset_get_level_offset (data, j)]);
      if (c >= 0)
        g_array_append_val (codes[c], j);
      else
        g_warning ("categorical feature %u has no input column", j);
    }

  groups = g_new0 (KilnFeatureGroup, MAX (n_inputs, 1));
  for (guint c = 0; c < n_inputs; c++)
    {
      if (dense[c]->len + codes[c]->len > 0)
        {
          groups[n].name = g_strdup (inputs[c].name);
          groups[n].n_dense = dense[c]->len;
          groups[n].dense = (const guint *) g_array_free (dense[c], FALSE);
          groups[n].n_codes = codes[c]->len;
          groups[n].codes = (const guint *) g_array_free (codes[c], FALSE);
          n++;
        }
      else
        {
          g_array_free (dense[c], TRUE);
          g_array_free (codes[c], TRUE);
        }
    }
  *n_groups = n;
  return groups;
}

void
kiln_feature_groups_free (KilnFeatureGroup *groups,
                          guint             n_groups)
{
  for (guint g = 0; groups && g < n_groups; g++)
    {
      g_free ((char *) groups[g].name);
      g_free ((guint *) groups[g].dense);
      g_free ((guint *) groups[g].codes);
    }
  g_free (groups);
}

typedef struct {
  const char *name;
  double      mean, std;
} Importance;

static int
by_importance (const void *a, const void *b)
{
  const Importance *x = a, *y = b;
  if (x->mean != y->mean)
    return x->mean > y->mean ? -1 : 1;
  return strcmp (x->name, y->name);
}

static void
add_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

JsonNode *
kiln_bundle_explain (KilnBundle                *bundle,
                     KilnFrame                 *raw,
                     const KilnExplainOptions  *options,
                     GError                   **error)
{
  KilnRecipe *recipe;
  KilnModel *model;
  const char *target;
  g_autoptr(KilnFrame) rows = NULL, inputs = NULL, prepared = NULL;
  g_autoptr(KilnDataset) data = NULL;
  g_autoptr(KilnShapleySampler) sampler = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree guint32 *raw_row = NULL;
  g_autofree double *out = NULL, *contrib = NULL, *errors = NULL;
  KilnFeatureGroup *groups = NULL;
  const char * const *classes;
  guint n_groups = 0, n_classes = 0, n_out, n;
  gboolean with_target = FALSE, cls;
  int tidx;

  g_return_val_if_fail (bundle != NULL && raw != NULL && options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  recipe = kiln_bundle_get_recipe (bundle);
  model = kiln_bundle_get_model (bundle);
  target = kiln_bundle_get_target (bundle);
  if (kiln_recipe_get_n_text_features (recipe) > 0)
    {
      /* the sampled rows mix columns of two rows: a text column's features would need both
       * rows' compressed features merged, which the sampler does not do */
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INPUT,
                   _("Explanations of models that read text are not available; the Evaluate step shows the words that weigh most"));
      return NULL;
    }
  cls = kiln_bundle_get_task (bundle) == KILN_TASK_CLASSIFICATION;
  classes = kiln_bundle_get_classes (bundle, &n_classes);
  n_out = kiln_model_get_n_outputs (model);

  /* With the target: the rows that have it (importance needs it); else every row. */
  tidx = target ? kiln_frame_find_column (raw, target) : -1;
  n = kiln_frame_get_n_rows (raw);
  raw_row = g_new (guint32, MAX (n, 1));
  if (tidx >= 0)
    {
      guint k = 0;
      for (guint r = 0; r < n; r++)
        if (!kiln_frame_is_missing (raw, (guint) tidx, r))
          raw_row[k++] = r;
      rows = kiln_frame_new_view (raw, raw_row, k);
      with_target = TRUE;
    }
  else
    {
      for (guint r = 0; r < n; r++)
        raw_row[r] = r;
      rows = kiln_frame_ref (raw);
    }
  inputs = kiln_recipe_conform (recipe, rows, with_target, error);
  if (inputs == NULL)
    return NULL;
  prepared = kiln_recipe_apply_coded (recipe, inputs, FALSE, NULL, error);
  if (prepared == NULL)
    return NULL;
  if (with_target)
    {
      if (!kiln_recipe_to_dataset (recipe, prepared, &data, error))
        return NULL;
    }
  else if ((data = kiln_recipe_to_features (recipe, prepared, error)) == NULL)
    return NULL;
  if (data->n_rows != kiln_frame_get_n_rows (rows) || data->n_rows == 0)
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INPUT,
                   _("The recipe kept %u of %u rows; every row needs an explanation"),
                   data->n_rows, kiln_frame_get_n_rows (rows));
      return NULL;
    }

  g_debug ("explaining %u rows: %u dense features, %u categorical", data->n_rows, data->n_features,
           data->n_categorical);
  groups = kiln_feature_groups_new (recipe, data, &n_groups);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "output_kind");
  json_builder_add_string_value (b, cls ? "probability" : "value");

  sampler = kiln_shapley_sampler_new (model, data, groups, n_groups, MAX (options->n_samples, 1),
                                      options->seed);
  json_builder_set_member_name (b, "base");
  if (cls)
    {
      json_builder_begin_object (b);
      for (guint c = 0; c < n_classes; c++)
        add_number (b, classes[c], kiln_shapley_sampler_get_base (sampler, c));
      json_builder_end_object (b);
    }
  else
    json_builder_add_double_value (b, kiln_shapley_sampler_get_base (sampler, 0));

  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  out = g_new (double, n_out);
  contrib = g_new (double, MAX (n_groups, 1));
  errors = g_new (double, MAX (n_groups, 1));
  for (guint r = 0; r < MIN (options->n_rows, data->n_rows); r++)
    {
      KilnDataset view;
      guint klass = 0;
      double output;

      kiln_dataset_slice (data, r, 1, &view);
      kiln_model_predict (model, &view, out);
      if (cls)
        {
          gint32 label;
          kiln_metrics_argmax (out, 1, n_out, &label);
          klass = (guint) label;
        }
      output = kiln_shapley_explain_row (sampler, data, r, klass, contrib, errors);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "row");
      json_builder_add_int_value (b, raw_row[r]);
      json_builder_set_member_name (b, "prediction");
      if (cls)
        json_builder_add_string_value (b, classes[klass]);
      else
        json_builder_add_double_value (b, out[0]);
      add_number (b, "output", output);
      add_number (b, "base", kiln_shapley_sampler_get_base (sampler, klass));
      json_builder_set_member_name (b, "contributions");
      json_builder_begin_object (b);
      for (guint g = 0; g < n_groups; g++)
        add_number (b, groups[g].name, contrib[g]);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "errors");
      json_builder_begin_object (b);
      for (guint g = 0; g < n_groups; g++)
        add_number (b, groups[g].name, errors[g]);
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "importance");
  if (with_target)
    {
      g_autofree double *mean = g_new (double, MAX (n_groups, 1));
      g_autofree double *std = g_new (double, MAX (n_groups, 1));
      g_autofree Importance *order = g_new (Importance, MAX (n_groups, 1));
      double baseline;

      kiln_permutation_importance (model, data, groups, n_groups, MAX (options->repeats, 1),
                                   options->seed, mean, std, &baseline);
      for (guint g = 0; g < n_groups; g++)
        order[g] = (Importance) { groups[g].name, mean[g], std[g] };
      qsort (order, n_groups, sizeof (Importance), by_importance);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "metric");
      json_builder_add_string_value (b, cls ? "accuracy" : "r2");
      add_number (b, "baseline", baseline);
      json_builder_set_member_name (b, "repeats");
      json_builder_add_int_value (b, MAX (options->repeats, 1));
      json_builder_set_member_name (b, "columns");
      json_builder_begin_array (b);
      for (guint g = 0; g < n_groups; g++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "column");
          json_builder_add_string_value (b, order[g].name);
          add_number (b, "mean", order[g].mean);
          add_number (b, "std", order[g].std);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  kiln_feature_groups_free (groups, n_groups);
  return json_builder_get_root (b);
}
