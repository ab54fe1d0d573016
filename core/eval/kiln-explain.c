/* kiln-explain.c: permutation importance and sampled Shapley contributions over groups of
 * features (kiln-explain.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-explain"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-explain.h"
#include "kiln-metrics.h"
#include "kiln-rng.h"

static double
score (KilnModel *model, const KilnDataset *data, double *out)
{
  kiln_model_predict (model, data, out);
  if (data->task == KILN_TASK_CLASSIFICATION)
    {
      g_autofree gint32 *pred = g_new (gint32, MAX (data->n_rows, 1));
      kiln_metrics_argmax (out, data->n_rows, kiln_model_get_n_outputs (model), pred);
      return kiln_metrics_accuracy (data->y_class, pred, data->n_rows);
    }
  else
    {
      KilnRegressionMetrics m;
      kiln_metrics_regression (data->y_value, out, data->n_rows, &m);
      return m.r2;
    }
}

/* Row @dst of @to gets group @g's values from row @src of @from (same layout). */
static void
copy_group (KilnDataset *to, guint dst, const KilnDataset *from, guint src,
            const KilnFeatureGroup *g)
{
  for (guint i = 0; i < g->n_dense; i++)
    to->x[(gsize) dst * to->n_features + g->dense[i]] = from->x[(gsize) src * from->n_features + g->dense[i]];
  for (guint i = 0; i < g->n_codes; i++)
    to->codes[(gsize) dst * to->n_categorical + g->codes[i]]
      = from->codes[(gsize) src * from->n_categorical + g->codes[i]];
}

void
kiln_permutation_importance (KilnModel               *model,
                             const KilnDataset       *data,
                             const KilnFeatureGroup  *groups,
                             guint                    n_groups,
                             guint                    repeats,
                             guint64                  seed,
                             double                  *mean,
                             double                  *std,
                             double                  *baseline)
{
  g_autoptr(KilnDataset) work = NULL;
  g_autofree guint32 *rows = NULL, *perm = NULL;
  g_autofree double *out = NULL, *drops = NULL;
  KilnRng rng;
  double base;
  guint n;

  g_return_if_fail (model != NULL && data != NULL && kiln_dataset_has_target (data));
  g_return_if_fail (n_groups == 0 || (groups != NULL && mean != NULL && std != NULL));
  g_return_if_fail (repeats >= 1);

  n = data->n_rows;
  rows = g_new (guint32, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    rows[i] = i;
  work = kiln_dataset_new_rows (data, rows, n);
  out = g_new (double, (gsize) MAX (n, 1) * kiln_model_get_n_outputs (model));
  base = score (model, data, out);
  if (baseline)
    *baseline = base;

  perm = g_new (guint32, MAX (n, 1));
  drops = g_new (double, repeats);
  kiln_rng_init (&rng, seed);
  for (guint g = 0; g < n_groups; g++)
    {
      double m = 0, s = 0;

      for (guint r = 0; r < repeats; r++)
        {
          kiln_rng_permutation (&rng, perm, n);
          for (guint i = 0; i < n; i++)
            copy_group (work, i, data, perm[i], &groups[g]);
          drops[r] = base - score (model, work, out);
          m += drops[r];
        }
      /* put the group back before the next one is shuffled */
      for (guint i = 0; i < n; i++)
        copy_group (work, i, data, i, &groups[g]);
      m /= repeats;
      for (guint r = 0; r < repeats; r++)
        s += (drops[r] - m) * (drops[r] - m);
      mean[g] = m;
      /* the population spread over the repeats, as scikit-learn's importances_std */
      std[g] = sqrt (s / repeats);
    }
}

/* ---- Sampled Shapley values ---------------------------------------------------------------- */

struct _KilnShapleySampler {
  KilnModel        *model;
  KilnFeatureGroup *groups;      /* copies of the index lists */
  guint             n_groups;
  guint             n_samples;
  guint             n_outputs;
  KilnDataset      *background;  /* n_samples rows: the z of each sample */
  guint32          *order;       /* n_samples x n_groups */
  double           *f_background; /* n_samples x n_outputs */
};

KilnShapleySampler *
kiln_shapley_sampler_new (KilnModel               *model,
                          const KilnDataset       *background,
                          const KilnFeatureGroup  *groups,
                          guint                    n_groups,
                          guint                    n_samples,
                          guint64                  seed)
{
  KilnShapleySampler *s;
  g_autofree guint32 *rows = NULL;
  KilnRng rng;

  g_return_val_if_fail (model != NULL && background != NULL, NULL);
  g_return_val_if_fail (background->n_rows > 0 && n_samples > 0, NULL);

  s = g_new0 (KilnShapleySampler, 1);
  s->model = kiln_model_ref (model);
  s->n_groups = n_groups;
  s->n_samples = n_samples;
  s->n_outputs = kiln_model_get_n_outputs (model);
  s->groups = g_new0 (KilnFeatureGroup, MAX (n_groups, 1));
  for (guint g = 0; g < n_groups; g++)
    {
      s->groups[g].name = groups[g].name;
      s->groups[g].n_dense = groups[g].n_dense;
      s->groups[g].dense = g_memdup2 (groups[g].dense, sizeof (guint) * groups[g].n_dense);
      s->groups[g].n_codes = groups[g].n_codes;
      s->groups[g].codes = g_memdup2 (groups[g].codes, sizeof (guint) * groups[g].n_codes);
    }

  kiln_rng_init (&rng, seed);
  rows = g_new (guint32, n_samples);
  s->order = g_new (guint32, (gsize) n_samples * MAX (n_groups, 1));
  for (guint m = 0; m < n_samples; m++)
    {
      rows[m] = (guint32) kiln_rng_below (&rng, background->n_rows);
      kiln_rng_permutation (&rng, s->order + (gsize) m * n_groups, n_groups);
    }
  s->background = kiln_dataset_new_rows (background, rows, n_samples);
  s->f_background = g_new (double, (gsize) n_samples * s->n_outputs);
  kiln_model_predict (model, s->background, s->f_background);
  return s;
}

void
kiln_shapley_sampler_free (KilnShapleySampler *s)
{
  if (s == NULL)
    return;
  for (guint g = 0; g < s->n_groups; g++)
    {
      g_free ((guint *) s->groups[g].dense);
      g_free ((guint *) s->groups[g].codes);
    }
  g_free (s->groups);
  g_clear_pointer (&s->model, kiln_model_unref);
  g_clear_pointer (&s->background, kiln_dataset_free);
  g_free (s->order);
  g_free (s->f_background);
  g_free (s);
}

double
kiln_shapley_sampler_get_base (KilnShapleySampler *s,
                               guint               class_index)
{
  double sum = 0;

  g_return_val_if_fail (s != NULL && class_index < s->n_outputs, NAN);
  for (guint m = 0; m < s->n_samples; m++)
    sum += s->f_background[(gsize) m * s->n_outputs + class_index];
  return sum / s->n_samples;
}

double
kiln_shapley_explain_row (KilnShapleySampler *s,
                          const KilnDataset  *data,
                          guint               row,
                          guint               class_index,
                          double             *contributions,
                          double             *errors)
{
  g_autoptr(KilnDataset) hybrid = NULL;
  g_autofree double *out = NULL, *sum2 = NULL, *fx = NULL;
  KilnDataset x;
  gsize n;
  guint p;

  g_return_val_if_fail (s != NULL && data != NULL, NAN);
  g_return_val_if_fail (row < data->n_rows && class_index < s->n_outputs, NAN);
  g_return_val_if_fail (kiln_dataset_same_layout (data, s->background), NAN);

  p = s->n_groups;
  n = (gsize) s->n_samples * MAX (p, 1);
  /* Each sample's passes: the background row with the first k groups (in the sample's order)
   * switched to the row's values, k = 1 .. p. */
  hybrid = kiln_dataset_new_features ((guint) n, data->n_features, data->n_categorical,
                                      data->n_levels);
  for (guint m = 0; m < s->n_samples; m++)
    for (guint k = 0; k < p; k++)
      {
        gsize h = (gsize) m * p + k;
        /* from the background row (k = 0) or the previous hybrid */
        if (data->n_features > 0)
          memcpy (hybrid->x + h * data->n_features,
                  k == 0 ? s->background->x + (gsize) m * data->n_features
                         : hybrid->x + (h - 1) * data->n_features,
                  sizeof (float) * data->n_features);
        if (data->n_categorical > 0)
          memcpy (hybrid->codes + h * data->n_categorical,
                  k == 0 ? s->background->codes + (gsize) m * data->n_categorical
                         : hybrid->codes + (h - 1) * data->n_categorical,
                  sizeof (guint32) * data->n_categorical);
        copy_group (hybrid, (guint) h, data, row, &s->groups[s->order[(gsize) m * p + k]]);
      }
  out = g_new (double, n * s->n_outputs);
  if (p > 0)
    kiln_model_predict (s->model, hybrid, out);

  sum2 = g_new0 (double, MAX (p, 1));
  for (guint g = 0; g < p; g++)
    contributions[g] = 0;
  for (guint m = 0; m < s->n_samples; m++)
    {
      double prev = s->f_background[(gsize) m * s->n_outputs + class_index];
      for (guint k = 0; k < p; k++)
        {
          double cur = out[((gsize) m * p + k) * s->n_outputs + class_index];
          guint g = s->order[(gsize) m * p + k];
          contributions[g] += cur - prev;
          sum2[g] += (cur - prev) * (cur - prev);
          prev = cur;
        }
    }
  for (guint g = 0; g < p; g++)
    {
      double mean = contributions[g] / s->n_samples;
      contributions[g] = mean;
      if (errors)
        {
          double var = s->n_samples > 1
                       ? MAX (0.0, (sum2[g] / s->n_samples - mean * mean) * s->n_samples
                                   / (s->n_samples - 1))
                       : NAN;
          errors[g] = sqrt (var / s->n_samples);
        }
    }

  /* the output itself, predicted from the row as it is */
  kiln_dataset_slice (data, row, 1, &x);
  fx = g_new (double, s->n_outputs);
  kiln_model_predict (s->model, &x, fx);
  return fx[class_index];
}

/* ---- Exact contributions ------------------------------------------------------------------- */

struct _KilnExactExplainer {
  KilnModel      *model;
  guint           n_groups;
  guint          *column_slot;  /* per dense then categorical column: its group, or n_groups */
  gboolean        tree_shap;
  KilnModelScore  score;
  /* linear */
  guint           n_scores;
  const double   *coef;         /* the model's */
  const double   *intercept;
  guint           width;        /* the one-hot view */
  guint          *view_slot;    /* per feature of the view */
  double         *mean;         /* per feature of the view, over the background */
};

KilnExactExplainer *
kiln_exact_explainer_new (KilnModel               *model,
                          const KilnDataset       *background,
                          const KilnFeatureGroup  *groups,
                          guint                    n_groups)
{
  KilnExactExplainer *e;
  guint n_columns;

  g_return_val_if_fail (model != NULL && background != NULL, NULL);
  g_return_val_if_fail (n_groups == 0 || groups != NULL, NULL);

  e = g_new0 (KilnExactExplainer, 1);
  if (kiln_model_has_tree_shap (model, &e->score))
    e->tree_shap = TRUE;
  else if (!kiln_model_get_linear (model, &e->n_scores, &e->coef, &e->intercept, &e->score))
    {
      g_free (e);
      return NULL;
    }
  e->model = kiln_model_ref (model);
  e->n_groups = n_groups;
  n_columns = background->n_features + background->n_categorical;
  e->column_slot = g_new (guint, MAX (n_columns, 1));
  for (guint c = 0; c < n_columns; c++)
    e->column_slot[c] = n_groups;
  for (guint g = 0; g < n_groups; g++)
    {
      for (guint i = 0; i < groups[g].n_dense; i++)
        e->column_slot[groups[g].dense[i]] = g;
      for (guint i = 0; i < groups[g].n_codes; i++)
        e->column_slot[background->n_features + groups[g].codes[i]] = g;
    }
  if (!e->tree_shap)
    {
      guint d = background->n_features;

      e->width = kiln_dataset_get_width (background);
      if (e->width != kiln_model_get_n_features (model))
        {
          g_critical ("%s: the background has %u features, the model %u", G_STRFUNC, e->width,
                      kiln_model_get_n_features (model));
          kiln_exact_explainer_free (e);
          return NULL;
        }
      e->view_slot = g_new (guint, MAX (e->width, 1));
      for (guint f = 0; f < d; f++)
        e->view_slot[f] = e->column_slot[f];
      for (guint j = 0; j < background->n_categorical; j++)
        for (guint k = 0; k < background->n_levels[j]; k++)
          e->view_slot[d + kiln_dataset_get_level_offset (background, j) + k] = e->column_slot[d + j];
      /* a text column's terms: its group */
      for (guint k = 0, off = kiln_dataset_get_sparse_offset (background); k < background->n_sparse; k++)
        e->view_slot[off + k] = n_groups;
      for (guint g = 0; g < n_groups; g++)
        for (guint i = 0; i < groups[g].n_sparse; i++)
          if (groups[g].sparse[i] < background->n_sparse)
            e->view_slot[kiln_dataset_get_sparse_offset (background) + groups[g].sparse[i]] = g;
      /* the means of the view: dense columns summed, a level's frequency from the codes */
      e->mean = g_new0 (double, MAX (e->width, 1));
      for (guint r = 0; r < background->n_rows; r++)
        {
          for (guint f = 0; f < d; f++)
            e->mean[f] += background->x[(gsize) r * d + f];
          for (guint j = 0; j < background->n_categorical; j++)
            {
              guint32 code = background->codes[(gsize) r * background->n_categorical + j];
              if (code != KILN_CODE_NONE && code < background->n_levels[j])
                e->mean[d + kiln_dataset_get_level_offset (background, j) + code] += 1.0;
            }
        }
      if (background->n_sparse > 0)
        {
          guint off = kiln_dataset_get_sparse_offset (background);

          for (guint r = 0; r < background->n_rows; r++)
            for (gsize i = background->sp_ptr[r]; i < background->sp_ptr[r + 1]; i++)
              e->mean[off + background->sp_index[i]] += background->sp_value[i];
        }
      for (guint f = 0; f < e->width; f++)
        e->mean[f] /= MAX (background->n_rows, 1);
    }
  return e;
}

void
kiln_exact_explainer_free (KilnExactExplainer *e)
{
  if (e == NULL)
    return;
  g_clear_pointer (&e->model, kiln_model_unref);
  g_free (e->column_slot);
  g_free (e->view_slot);
  g_free (e->mean);
  g_free (e);
}

const char *
kiln_exact_explainer_get_method (KilnExactExplainer *e)
{
  g_return_val_if_fail (e != NULL, NULL);
  return e->tree_shap ? "TreeSHAP" : "linear";
}

const char *
kiln_exact_explainer_get_output_kind (KilnExactExplainer *e)
{
  g_return_val_if_fail (e != NULL, NULL);
  switch (e->score)
    {
    case KILN_MODEL_SCORE_PROBABILITY:
      return "probability";
    case KILN_MODEL_SCORE_LOG_ODDS:
      return "log-odds";
    case KILN_MODEL_SCORE_MARGIN:
      return "margin";
    case KILN_MODEL_SCORE_VALUE:
    default:
      return "value";
    }
}

double
kiln_exact_explain_row (KilnExactExplainer *e,
                        const KilnDataset  *data,
                        guint               row,
                        guint               class_index,
                        double             *contributions,
                        double             *base)
{
  g_autofree float *x = NULL;
  const double *w;
  double sign = 1.0, b, value;
  guint s;

  g_return_val_if_fail (e != NULL && data != NULL && row < data->n_rows, NAN);
  g_return_val_if_fail (e->n_groups == 0 || contributions != NULL, NAN);

  if (e->tree_shap)
    {
      value = kiln_model_tree_shap (e->model, data, row, class_index, e->column_slot, e->n_groups,
                                    contributions, &b);
      if (base != NULL)
        *base = b;
      return value;
    }

  /* two-class logistic regression: one score, class 1's log-odds; class 0's is its negation */
  g_return_val_if_fail (data->n_features + data->n_categorical + data->n_sparse > 0 || e->width == 0, NAN);
  if (e->n_scores == 1)
    {
      s = 0;
      if (e->score == KILN_MODEL_SCORE_LOG_ODDS && class_index == 0)
        sign = -1.0;
    }
  else
    {
      g_return_val_if_fail (class_index < e->n_scores, NAN);
      s = class_index;
    }
  w = e->coef + (gsize) s * e->width;
  x = g_new (float, MAX (e->width, 1));
  kiln_dataset_expand (data, row, 1, x);
  for (guint g = 0; g < e->n_groups; g++)
    contributions[g] = 0.0;
  b = e->intercept[s];
  value = e->intercept[s];
  for (guint f = 0; f < e->width; f++)
    {
      b += w[f] * e->mean[f];
      value += w[f] * x[f];
      if (e->view_slot[f] < e->n_groups)
        contributions[e->view_slot[f]] += sign * w[f] * (x[f] - e->mean[f]);
    }
  if (base != NULL)
    *base = sign * b;
  return sign * value;
}
