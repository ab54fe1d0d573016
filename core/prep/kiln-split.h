/* kiln-split.h: train / validation / test splits and k folds, seeded and reproducible.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Splits return frame rows of the input frame (GArray of guint32, ascending), to be turned into
 * views with kiln_frame_new_view (frame, (guint32 *) rows->data, rows->len).
 *
 * Stratified splits group the rows by the target's value (category, boolean, or distinct
 * number), shuffle each group with the seeded KilnRng (kiln-rng.h, kiln_rng_shuffle()) and share it out with
 * largest-remainder rounding: every class's count in every part is the floor or the ceiling
 * of its exact share, and the parts' sizes are those of the unstratified split. Rows whose
 * target is missing are left out of every part (they can neither be learned from nor scored).
 * The same seed gives the same split on every machine (no rand(), no g_random).
 *
 * Time-ordered splits ("by time") neither shuffle nor stratify: the rows are put in time order
 * (kiln_split_time_order()) and cut into consecutive parts, the earliest for training, the next
 * for validation, the most recent for test. Rows with the same time keep their file order; rows
 * without a time count as the earliest (in file order), so they are trained on and never scored
 * unless there are too few dated rows to fill the test part.
 */
#pragma once

#include "kiln-recipe.h"

G_BEGIN_DECLS

typedef struct {
  double train;
  double validation;
  double test;
} KilnSplitFractions;

/* "0.8:0:0.2", "80:20" (train:test), "70:15:15", "0.8" (train, rest test): non-negative, at
 * least one part > 0; normalised to sum 1. */
gboolean kiln_split_parse_fractions (const char          *text,
                                     KilnSplitFractions  *fractions,
                                     GError             **error);

/* Part sizes: the largest-remainder rounding of n * fractions (sum exactly n). */
void     kiln_split_sizes           (guint                     n,
                                     const KilnSplitFractions *fractions,
                                     guint                    *n_train,
                                     guint                    *n_val,
                                     guint                    *n_test);

/* @target_column: index of the target in @frame or -1 (then no stratification and no rows
 * left out). @stratify needs a target. Any out pointer may be NULL. */
gboolean kiln_split_train_val_test  (KilnFrame                 *frame,
                                     int                        target_column,
                                     const KilnSplitFractions  *fractions,
                                     gboolean                   stratify,
                                     guint64                    seed,
                                     GArray                   **train_rows,
                                     GArray                   **val_rows,
                                     GArray                   **test_rows,
                                     GError                   **error);

/* The column to order rows by for a split by time: @name "" is the file order (*@column = -1),
 * otherwise a datetime or numeric column of @frame (its index). FALSE with KILN_PREP_ERROR_NO_COLUMN
 * or KILN_PREP_ERROR_OPTIONS naming the column. */
gboolean kiln_split_find_time_column (KilnFrame   *frame,
                                      const char  *name,
                                      int         *column,
                                      GError     **error);

/* The rows of @frame in time order by @time_column (-1: file order), earliest first, as above;
 * rows whose @target_column (-1: none) is missing are left out. *@n_rows gets their count.
 * Free with g_free(). */
guint32 *kiln_split_time_order      (KilnFrame  *frame,
                                     int         time_column,
                                     int         target_column,
                                     guint      *n_rows);

/* A split by time: the parts' sizes are those of kiln_split_train_val_test() without
 * stratification; train holds the earliest rows, test the latest. Each part is returned in
 * ascending frame rows like the other splits. Any out pointer may be NULL. */
gboolean kiln_split_by_time         (KilnFrame                 *frame,
                                     int                        target_column,
                                     int                        time_column,
                                     const KilnSplitFractions  *fractions,
                                     GArray                   **train_rows,
                                     GArray                   **val_rows,
                                     GArray                   **test_rows,
                                     GError                   **error);

/* K folds (k >= 2, at most the number of rows): returns a GPtrArray of k GArrays (guint32,
 * ascending), the held-out rows of each fold; fold sizes differ by at most one, and with
 * @stratify each class's count per fold by at most one. */
GPtrArray *kiln_split_kfold         (KilnFrame  *frame,
                                     int         target_column,
                                     guint       k,
                                     gboolean    stratify,
                                     guint64     seed,
                                     GError    **error);
/* The rows of 0 .. n_rows-1 not in @rows (ascending): a fold's training rows. */
GArray    *kiln_split_complement    (guint         n_rows,
                                     const GArray *rows);

G_END_DECLS
