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
#include "kiln-evaluation.h"
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
      /* "island=Dream" a level, "review:[영화]" a text column's term */
      if (strncmp (name, inputs[c].name, len) == 0 && (name[len] == '\0' || name[len] == '=' || name[len] == ':')
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
  g_autofree GArray **dense = NULL, **codes = NULL, **sparse = NULL;
  KilnFeatureGroup *groups;

  g_return_val_if_fail (recipe != NULL && data != NULL && n_groups != NULL, NULL);

  inputs = kiln_recipe_get_input_columns (recipe, &n_inputs);
  names = kiln_recipe_get_feature_names (recipe, &n_names);
  g_return_val_if_fail (n_names == kiln_dataset_get_width (data), NULL);

  dense = g_new0 (GArray *, MAX (n_inputs, 1));
  codes = g_new0 (GArray *, MAX (n_inputs, 1));
  sparse = g_new0 (GArray *, MAX (n_inputs, 1));
  for (guint c = 0; c < n_inputs; c++)
    {
      dense[c] = g_array_new (FALSE, FALSE, sizeof (guint));
      codes[c] = g_array_new (FALSE, FALSE, sizeof (guint));
      sparse[c] = g_array_new (FALSE, FALSE, sizeof (guint));
    }
  for (guint k = 0; k < data->n_sparse; k++)
    {
      int c = input_of (inputs, n_inputs, names[kiln_dataset_get_sparse_offset (data) + k]);
      if (c >= 0)
        g_array_append_val (sparse[c], k);
      else
        g_warning ("text feature %u has no input column", k);
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
      if (dense[c]->len + codes[c]->len + sparse[c]->len > 0)
        {
          groups[n].name = g_strdup (inputs[c].name);
          groups[n].n_dense = dense[c]->len;
          groups[n].dense = (const guint *) g_array_free (dense[c], FALSE);
          groups[n].n_codes = codes[c]->len;
          groups[n].codes = (const guint *) g_array_free (codes[c], FALSE);
          groups[n].n_sparse = sparse[c]->len;
          groups[n].sparse = (const guint *) g_array_free (sparse[c], FALSE);
          n++;
        }
      else
        {
          g_array_free (dense[c], TRUE);
          g_array_free (codes[c], TRUE);
          g_array_free (sparse[c], TRUE);
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
      g_free ((guint *) groups[g].sparse);
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

/* The exact method where the model has one, else sampled Shapley values. */
typedef struct {
  KilnExactExplainer *exact;
  KilnShapleySampler *sampler;
} Explainer;

/* Sampling swaps whole columns between rows, which a text column's sparse terms do not support:
 * text models are explained exactly (the linear families, and naive Bayes without numeric features,
 * which is linear then: kiln-nb.c) or not at all (the MLP, naive Bayes with numeric features). */
static gboolean
can_explain (KilnModel *model, const KilnDataset *data, GError **error)
{
  if (data->n_sparse == 0)
    return TRUE;
  if (kiln_model_get_linear (model, NULL, NULL, NULL, NULL))
    return TRUE;
  g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INVALID,
               _("A model that reads text is explained only when it is linear (logistic, linear or ridge "
                 "regression, or naive Bayes without numeric columns); this one is not"));
  return FALSE;
}

static void
explainer_init (Explainer               *x,
                KilnModel               *model,
                const KilnDataset       *background,
                const KilnFeatureGroup  *groups,
                guint                    n_groups,
                const KilnExplainOptions *options)
{
  x->exact = kiln_exact_explainer_new (model, background, groups, n_groups);
  x->sampler = x->exact != NULL ? NULL
               : kiln_shapley_sampler_new (model, background, groups, n_groups,
                                           MAX (options->n_samples, 1), options->seed);
}

static void
explainer_clear (Explainer *x)
{
  g_clear_pointer (&x->exact, kiln_exact_explainer_free);
  g_clear_pointer (&x->sampler, kiln_shapley_sampler_free);
}

static const char *
explainer_method (Explainer *x)
{
  return x->exact != NULL ? kiln_exact_explainer_get_method (x->exact) : "sampled Shapley";
}

/* What is decomposed, for a model of task @cls. */
static const char *
explainer_output_kind (Explainer *x,
                       gboolean   cls)
{
  if (x->exact != NULL)
    return kiln_exact_explainer_get_output_kind (x->exact);
  return cls ? "probability" : "value";
}

/* Row @row of @data for @klass: @contrib, and @errors (may be NULL) when sampled; the base in
 * *@base; returns the output decomposed. */
static double
explainer_row (Explainer         *x,
               const KilnDataset *data,
               guint              row,
               guint              klass,
               double            *contrib,
               double            *errors,
               double            *base)
{
  double output;

  if (x->exact != NULL)
    return kiln_exact_explain_row (x->exact, data, row, klass, contrib, base);
  output = kiln_shapley_explain_row (x->sampler, data, row, klass, contrib, errors);
  *base = kiln_shapley_sampler_get_base (x->sampler, klass);
  return output;
}

/* The base for @klass: the same for every row (exact methods compute it with row 0 of @data). */
static double
explainer_base (Explainer         *x,
                const KilnDataset *data,
                guint              klass,
                double            *contrib)
{
  double base;

  if (x->exact == NULL)
    return kiln_shapley_sampler_get_base (x->sampler, klass);
  kiln_exact_explain_row (x->exact, data, 0, klass, contrib, &base);
  return base;
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
  g_autoptr(JsonBuilder) b = json_builder_new ();
  Explainer explainer = { NULL, NULL };
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
  if (!can_explain (model, data, error))
    return NULL;
  groups = kiln_feature_groups_new (recipe, data, &n_groups);
  explainer_init (&explainer, model, data, groups, n_groups, options);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "output_kind");
  json_builder_add_string_value (b, explainer_output_kind (&explainer, cls));
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, explainer_method (&explainer));
  json_builder_set_member_name (b, "exact");
  json_builder_add_boolean_value (b, explainer.exact != NULL);

  out = g_new (double, n_out);
  contrib = g_new (double, MAX (n_groups, 1));
  errors = g_new (double, MAX (n_groups, 1));
  /* the base of each class (the same for every row) */
  json_builder_set_member_name (b, "base");
  if (cls)
    {
      json_builder_begin_object (b);
      for (guint c = 0; c < n_classes; c++)
        kiln_evaluation_add_json_number (b, classes[c],
                                         explainer_base (&explainer, data, c, contrib));
      json_builder_end_object (b);
    }
  else
    kiln_evaluation_add_json_number (b, NULL, explainer_base (&explainer, data, 0, contrib));

  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint r = 0; r < MIN (options->n_rows, data->n_rows); r++)
    {
      KilnDataset view;
      guint klass = 0;
      double output, base;

      kiln_dataset_slice (data, r, 1, &view);
      kiln_model_predict (model, &view, out);
      if (cls)
        {
          gint32 label;
          kiln_metrics_argmax (out, 1, n_out, &label);
          klass = (guint) label;
        }
      output = explainer_row (&explainer, data, r, klass, contrib, errors, &base);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "row");
      json_builder_add_int_value (b, raw_row[r]);
      json_builder_set_member_name (b, "prediction");
      if (cls)
        json_builder_add_string_value (b, classes[klass]);
      else
        json_builder_add_double_value (b, out[0]);
      kiln_evaluation_add_json_number (b, "output", output);
      kiln_evaluation_add_json_number (b, "base", base);
      json_builder_set_member_name (b, "contributions");
      json_builder_begin_object (b);
      for (guint g = 0; g < n_groups; g++)
        kiln_evaluation_add_json_number (b, groups[g].name, contrib[g]);
      json_builder_end_object (b);
      if (explainer.exact != NULL)
        {
          json_builder_end_object (b);
          continue;
        }
      json_builder_set_member_name (b, "errors");
      json_builder_begin_object (b);
      for (guint g = 0; g < n_groups; g++)
        kiln_evaluation_add_json_number (b, groups[g].name, errors[g]);
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
      kiln_evaluation_add_json_number (b, "baseline", baseline);
      json_builder_set_member_name (b, "repeats");
      json_builder_add_int_value (b, MAX (options->repeats, 1));
      json_builder_set_member_name (b, "columns");
      json_builder_begin_array (b);
      for (guint g = 0; g < n_groups; g++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "column");
          json_builder_add_string_value (b, order[g].name);
          kiln_evaluation_add_json_number (b, "mean", order[g].mean);
          kiln_evaluation_add_json_number (b, "std", order[g].std);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  explainer_clear (&explainer);
  kiln_feature_groups_free (groups, n_groups);
  return json_builder_get_root (b);
}

void
kiln_row_explanation_free (KilnRowExplanation *explanation)
{
  if (explanation == NULL)
    return;
  g_free (explanation->output_kind);
  g_free (explanation->method);
  g_free (explanation->prediction);
  g_strfreev (explanation->columns);
  g_strfreev (explanation->terms);
  g_free (explanation->term_effects);
  g_free (explanation->contributions);
  g_free (explanation->errors);
  g_free (explanation);
}

#define BACKGROUND_ROWS 1000

typedef struct {
  guint  term;
  double effect;
} TermEffect;

static int
by_effect (gconstpointer a, gconstpointer b)
{
  double x = fabs (((const TermEffect *) a)->effect), y = fabs (((const TermEffect *) b)->effect);
  return (x < y) - (x > y);
}

#define MAX_TERMS 16

/* The text terms of row 0 of @data that moved a linear model's score most (see the header). */
static void
row_terms (KilnRowExplanation *e,
           KilnModel          *model,
           KilnRecipe         *recipe,
           const KilnDataset  *data,
           guint               klass)
{
  const double *coef = NULL, *intercept = NULL;
  const char * const *names;
  KilnModelScore score;
  guint n_scores = 0, n_names = 0, off, s = 0, n;
  double sign = 1.0;
  g_autofree TermEffect *effects = NULL;

  if (data->n_sparse == 0 || !kiln_model_get_linear (model, &n_scores, &coef, &intercept, &score))
    return;
  if (n_scores == 1)
    sign = score == KILN_MODEL_SCORE_LOG_ODDS && klass == 0 ? -1.0 : 1.0;
  else if (klass < n_scores)
    s = klass;
  else
    return;
  names = kiln_recipe_get_feature_names (recipe, &n_names);
  off = kiln_dataset_get_sparse_offset (data);
  n = (guint) (data->sp_ptr[1] - data->sp_ptr[0]);
  effects = g_new (TermEffect, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      guint32 k = data->sp_index[data->sp_ptr[0] + i];
      effects[i].term = off + k;
      effects[i].effect = sign * coef[(gsize) s * kiln_dataset_get_width (data) + off + k] *
                          data->sp_value[data->sp_ptr[0] + i];
    }
  qsort (effects, n, sizeof (TermEffect), by_effect);
  e->n_terms = MIN (n, MAX_TERMS);
  e->terms = g_new0 (char *, e->n_terms + 1);
  e->term_effects = g_new0 (double, MAX (e->n_terms, 1));
  for (guint i = 0; i < e->n_terms; i++)
    {
      e->terms[i] = g_strdup (effects[i].term < n_names ? names[effects[i].term] : "?");
      e->term_effects[i] = effects[i].effect;
    }
}

KilnRowExplanation *
kiln_bundle_explain_row (KilnBundle                *bundle,
                         KilnFrame                 *raw,
                         guint                      row,
                         const KilnExplainOptions  *options,
                         GError                   **error)
{
  KilnRecipe *recipe;
  KilnModel *model;
  g_autoptr(KilnFrame) rows = NULL, inputs = NULL, prepared = NULL;
  g_autoptr(KilnDataset) data = NULL;
  g_autofree guint32 *pick = NULL;
  Explainer explainer = { NULL, NULL };
  g_autofree double *out = NULL;
  KilnFeatureGroup *groups = NULL;
  KilnRowExplanation *e;
  KilnDataset view;
  const char * const *classes;
  guint n_groups = 0, n_classes = 0, n, k = 0, klass = 0;
  gboolean cls;

  g_return_val_if_fail (bundle != NULL && raw != NULL && options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  n = kiln_frame_get_n_rows (raw);
  g_return_val_if_fail (row < n, NULL);

  recipe = kiln_bundle_get_recipe (bundle);
  model = kiln_bundle_get_model (bundle);
  cls = kiln_bundle_get_task (bundle) == KILN_TASK_CLASSIFICATION;
  classes = kiln_bundle_get_classes (bundle, &n_classes);

  /* the row first, then an even spread of the others as the background */
  pick = g_new (guint32, MIN (n, BACKGROUND_ROWS) + 1);
  pick[k++] = row;
  for (guint i = 0, step = MAX (1, n / BACKGROUND_ROWS); i < n && k <= BACKGROUND_ROWS; i += step)
    if (i != row)
      pick[k++] = i;
  rows = kiln_frame_new_view (raw, pick, k);
  inputs = kiln_recipe_conform (recipe, rows, FALSE, error);
  if (inputs == NULL)
    return NULL;
  prepared = kiln_recipe_apply_coded (recipe, inputs, FALSE, NULL, error);
  if (prepared == NULL)
    return NULL;
  if ((data = kiln_recipe_to_features (recipe, prepared, error)) == NULL)
    return NULL;
  if (data->n_rows != k)
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INPUT,
                   _("The recipe kept %u of %u rows; every row needs an explanation"), data->n_rows, k);
      return NULL;
    }

  if (!can_explain (model, data, error))
    return NULL;
  groups = kiln_feature_groups_new (recipe, data, &n_groups);
  out = g_new (double, kiln_model_get_n_outputs (model));
  kiln_dataset_slice (data, 0, 1, &view);
  kiln_model_predict (model, &view, out);

  e = g_new0 (KilnRowExplanation, 1);
  if (cls)
    {
      gint32 label;
      kiln_metrics_argmax (out, 1, kiln_model_get_n_outputs (model), &label);
      klass = (guint) label;
      e->prediction = g_strdup (klass < n_classes ? classes[klass] : "");
    }
  else
    e->prediction = g_strdup_printf ("%.6g", out[0]);
  explainer_init (&explainer, model, data, groups, n_groups, options);
  e->output_kind = g_strdup (explainer_output_kind (&explainer, cls));
  e->method = g_strdup (explainer_method (&explainer));
  e->exact = explainer.exact != NULL;
  e->n_columns = n_groups;
  e->columns = g_new0 (char *, n_groups + 1);
  for (guint g = 0; g < n_groups; g++)
    e->columns[g] = g_strdup (groups[g].name);
  e->contributions = g_new0 (double, MAX (n_groups, 1));
  e->errors = e->exact ? NULL : g_new0 (double, MAX (n_groups, 1));
  e->output = explainer_row (&explainer, data, 0, klass, e->contributions, e->errors, &e->base);
  explainer_clear (&explainer);
  kiln_feature_groups_free (groups, n_groups);
  row_terms (e, model, recipe, data, klass);
  return e;
}
