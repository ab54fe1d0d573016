/* kiln-test-features.h: the reference's default preprocessing, for the models' accuracy tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mirrors ../shared/reference/ref_train.py: rows with a missing target dropped; numeric (and
 * boolean) columns median-imputed and standardised, other columns mode-imputed and one-hot
 * encoded (categories of the training rows; unknown ones all zero); statistics from the
 * training rows only. Text columns are one-hot encoded too, as pandas treats them.
 */
#pragma once

#include "kiln-frame.h"
#include "kiln-model.h"

G_BEGIN_DECLS

typedef struct {
  KilnDataset *train;
  KilnDataset *test;
  GPtrArray   *classes;   /* classification: class names, sorted as strings */
} KilnTestFeatures;

gboolean kiln_test_features_build (KilnFrame         *train,
                                   KilnFrame         *test,
                                   const char        *target,
                                   KilnTask           task,
                                   KilnTestFeatures  *out,
                                   GError           **error);
void     kiln_test_features_clear (KilnTestFeatures  *features);

/* Test accuracy (classification, from probabilities) or R^2 (regression) of @model on @data. */
double   kiln_test_score          (KilnModel         *model,
                                   const KilnDataset *data);

/* Reads a CSV (detection on) or fails the test. */
KilnFrame *kiln_test_read_csv     (const char *path);

/* TRUE when /usr/bin/python3 can import sklearn. */
gboolean kiln_test_have_sklearn   (void);

G_END_DECLS
