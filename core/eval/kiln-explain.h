/* kiln-explain.h: why a model predicts what it predicts, for any family: permutation importance
 * and sampled Shapley contributions, both over groups of features.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A group is what a person calls one column: a numeric column is one dense feature, a
 * categorical column one code column (all its one-hot levels at once). The caller (the pipeline,
 * which knows the recipe) builds the groups; here they are index lists into the dataset's dense
 * features and categorical columns, so what is permuted or swapped is a whole raw column.
 *
 * Permutation importance (Breiman 2001; scikit-learn's permutation_importance): the score drop
 * (accuracy or R²) when one group's values are shuffled across the rows, over @repeats shuffles
 * drawn from @seed: the same seed, the same numbers.
 *
 * Shapley contributions by sampling (Štrumbelj and Kononenko 2014): for each of @n_samples
 * (background row z, order of the groups) pairs, the groups are switched from z's values to the
 * row's one by one in that order, and each switch's change of the output is credited to its
 * group. The changes of one pass add up to f(row) - f(z), so with base = the mean of f(z) over the
 * samples, base + sum of contributions = f(row) exactly (to rounding) whatever the number of
 * samples; the estimate's standard error per group is reported beside it. The output decomposed
 * is the value (regression) or the probability of @class_index (classification).
 *
 * Exact contributions (KilnExactExplainer), where the family allows them:
 * - tree, forest, gradient-boosted trees: path-dependent TreeSHAP (kiln_model_tree_shap()), each
 *   group one player; the base is the expected score over the trees' training cover. It
 *   decomposes the value, a class's probability (tree, forest) or a class's raw score (boosting:
 *   log-odds for two classes, the softmax margin for more).
 * - linear, ridge, logistic regression: the score is linear in the features, so group G gets
 *   sum over its features j of w_j (x_j - mean_j), the means over the background rows (a level of
 *   a categorical column: its frequency), and the base is the score at those means. Logistic
 *   regression is decomposed in the logit: log-odds (two classes), margin (more).
 */
#pragma once

#include "kiln-model.h"

G_BEGIN_DECLS

typedef struct {
  const char   *name;          /* the raw column */
  guint         n_dense;
  const guint  *dense;         /* indices into the dataset's dense features */
  guint         n_codes;
  const guint  *codes;         /* indices into its categorical columns */
  guint         n_sparse;
  const guint  *sparse;        /* indices into its sparse features (a text column's terms) */
} KilnFeatureGroup;

/* @data has a target. @mean and @std: n_groups each. The baseline score in *@baseline (may be
 * NULL). Scores: accuracy (classification) or R² (regression). */
void kiln_permutation_importance (KilnModel               *model,
                                  const KilnDataset       *data,
                                  const KilnFeatureGroup  *groups,
                                  guint                    n_groups,
                                  guint                    repeats,
                                  guint64                  seed,
                                  double                  *mean,
                                  double                  *std,
                                  double                  *baseline);

/* The background: @n_samples (row of @background, order of the groups) pairs drawn from @seed,
 * shared by every row explained with it (so every row has the same base). */
typedef struct _KilnShapleySampler KilnShapleySampler;

KilnShapleySampler *kiln_shapley_sampler_new  (KilnModel               *model,
                                               const KilnDataset       *background,
                                               const KilnFeatureGroup  *groups,
                                               guint                    n_groups,
                                               guint                    n_samples,
                                               guint64                  seed);
void                kiln_shapley_sampler_free (KilnShapleySampler *sampler);
/* The mean output over the background samples for @class_index (0 for regression). */
double              kiln_shapley_sampler_get_base (KilnShapleySampler *sampler,
                                                   guint               class_index);
/* Row @row of @data (the background's layout): @contributions and @errors (may be NULL), one per
 * group; returns the output f(row) for @class_index. */
double              kiln_shapley_explain_row  (KilnShapleySampler *sampler,
                                               const KilnDataset  *data,
                                               guint               row,
                                               guint               class_index,
                                               double             *contributions,
                                               double             *errors);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnShapleySampler, kiln_shapley_sampler_free)

typedef struct _KilnExactExplainer KilnExactExplainer;

/* NULL when @model has no exact method (or, for the tree families, was saved without its
 * trees' covers). @background: the rows whose means the linear decomposition starts from
 * (unused by TreeSHAP). */
KilnExactExplainer *kiln_exact_explainer_new       (KilnModel               *model,
                                                    const KilnDataset       *background,
                                                    const KilnFeatureGroup  *groups,
                                                    guint                    n_groups);
void                kiln_exact_explainer_free      (KilnExactExplainer *explainer);
/* "TreeSHAP" or "linear" */
const char         *kiln_exact_explainer_get_method (KilnExactExplainer *explainer);
/* What is decomposed: "value", "probability", "log-odds" or "margin". */
const char         *kiln_exact_explainer_get_output_kind (KilnExactExplainer *explainer);
/* Row @row of @data (the model's layout) for @class_index (0 for regression): @contributions
 * per group and *@base (may be NULL); returns the score, *@base + sum (@contributions) to
 * rounding. */
double              kiln_exact_explain_row         (KilnExactExplainer *explainer,
                                                    const KilnDataset  *data,
                                                    guint               row,
                                                    guint               class_index,
                                                    double             *contributions,
                                                    double             *base);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnExactExplainer, kiln_exact_explainer_free)

G_END_DECLS
