/* kiln-bundle-explain.h: a saved model's explanations on raw rows, in raw column terms
 * (`kiln-cli explain`): permutation importance and per-row contributions (kiln-explain.h), the
 * one-hot levels of a categorical column folded back into that column.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-bundle.h"
#include "kiln-explain.h"

G_BEGIN_DECLS

/* The raw columns of @data's features, from the fitted @recipe's feature names and input
 * columns: one group per input column that has features. Free with kiln_feature_groups_free(). */
KilnFeatureGroup *kiln_feature_groups_new  (KilnRecipe        *recipe,
                                            const KilnDataset *data,
                                            guint             *n_groups);
void              kiln_feature_groups_free (KilnFeatureGroup  *groups,
                                            guint              n_groups);

typedef struct {
  guint   n_rows;      /* rows explained, from the first (default 5) */
  guint   repeats;     /* shuffles per column for the importance (default 5) */
  guint   n_samples;   /* Shapley samples per row (default 200) */
  guint64 seed;        /* default 42 */
} KilnExplainOptions;

void      kiln_explain_options_init (KilnExplainOptions *options);

/* {"output_kind": "value" | "probability" | "log-odds" | "margin",
 *  "method": "TreeSHAP" | "linear" | "sampled Shapley", "exact": boolean,
 *  "base": number (regression) or {class: number},
 *  "rows": [{"row", "prediction", "output", "base", "contributions": {column: value},
 *            and when sampled "errors": {column: standard error}}],
 *  "importance": {"metric", "baseline", "repeats", "columns": [{"column", "mean", "std"}]} or null}
 * For every row base + sum (contributions) = output, the score of the predicted class for
 * classification: exact where the family allows (kiln-explain.h: TreeSHAP for tree, forest and
 * boosting, the linear decomposition for linear, ridge and logistic regression), else sampled.
 * The importance needs the target in @raw (rows without it left out). */
JsonNode *kiln_bundle_explain       (KilnBundle                *bundle,
                                     KilnFrame                 *raw,
                                     const KilnExplainOptions  *options,
                                     GError                   **error);

/* One row's explanation, for the window's "Why this prediction?". The output decomposed is
 * @output_kind: "value" (regression), or the predicted class's "probability" (tree, forest,
 * sampled), "log-odds" (two-class logistic regression and boosting) or "margin" (their
 * softmax score for more classes); base + sum (contributions) = output. @exact is TRUE where
 * the method is exact (then @errors is NULL); otherwise @errors holds each contribution's
 * standard error. */
typedef struct {
  char     *output_kind;
  char     *method;          /* "TreeSHAP", "linear" or "sampled Shapley" */
  gboolean  exact;
  char     *prediction;      /* the predicted class, or the value as text */
  double    base;
  double    output;
  guint     n_columns;
  char    **columns;         /* the raw columns, n_columns (NULL-terminated) */
  double   *contributions;
  double   *errors;
  /* A linear model reading text: the terms of this row's text that pushed its output most, with
   * what each added (weight x the term's value in this row), largest first; up to 16. The text
   * column's contribution is their sum over every term, less the average row's. */
  guint     n_terms;
  char    **terms;           /* "review:[영화]" (a piece within a word) or "review:좋은 영화" */
  double   *term_effects;
} KilnRowExplanation;

void                kiln_row_explanation_free (KilnRowExplanation *explanation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnRowExplanation, kiln_row_explanation_free)

/* Row @row of @raw (raw columns, as read; the target may be there or not) explained against a
 * background of up to 1,000 of @raw's rows (@raw's rows are the usual background: the test
 * rows). @options: n_samples and seed. Runs in any thread (the window uses a worker). */
KilnRowExplanation *kiln_bundle_explain_row (KilnBundle                *bundle,
                                             KilnFrame                 *raw,
                                             guint                      row,
                                             const KilnExplainOptions  *options,
                                             GError                   **error);

G_END_DECLS
