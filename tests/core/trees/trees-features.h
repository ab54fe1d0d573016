/* trees-features.h: turn a train/test pair of CSVs into KilnDatasets the way the reference does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mirrors /work/shared/reference/ref_train.py (pandas + scikit-learn): a column is numeric when
 * every non-missing cell parses as a number; numeric columns are median-imputed and standardised,
 * the others most-frequent-imputed and one-hot encoded over the training categories (sorted;
 * unknown test categories encode as all zeros). Rows without a target are dropped. Classes are the
 * training labels, sorted; a test row whose label is not among them gets class -1 (never right).
 * Statistics come from the training rows only.
 */
#pragma once

#include "kiln-model.h"

G_BEGIN_DECLS

typedef struct {
  KilnDataset *train;
  KilnDataset *test;
  GPtrArray   *classes;   /* class labels (classification) */
} TreesData;

gboolean trees_data_load  (const char *train_csv,
                           const char *test_csv,
                           const char *target,
                           KilnTask    task,
                           TreesData  *out,
                           GError    **error);
void     trees_data_clear (TreesData *data);

/* Accuracy (classification: argmax, first maximum wins) or R^2 of @pred (rows x outputs) on @ds. */
double   trees_score      (const KilnDataset *ds,
                           const double      *pred);

G_END_DECLS
