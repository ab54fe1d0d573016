/* kiln-train-checks.h: plain-language checks before training.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run on the raw frame (before the recipe), they refuse what cannot be learned (errors) and point
 * at what is probably a mistake (warnings), each in a sentence that names the column:
 *   errors:   no such target, an empty or constant target, a regression target that is not numeric,
 *             a class with a single row when the rows are split, no usable feature columns;
 *   warnings: a class too small to appear in every split, a column that looks like an ID (every
 *             row a different whole number or string), a feature identical to the target (a
 *             leak), a numeric classification target with many values, rows without a target,
 *             a date column with a random split (a split by time is suggested; when the random
 *             split would train on rows dated after the earliest held-out row, how many).
 */
#pragma once

#include <gio/gio.h>

#include "kiln-frame.h"
#include "kiln-dataset.h"

G_BEGIN_DECLS

typedef enum {
  KILN_TRAIN_CHECK_ERROR,
  KILN_TRAIN_CHECK_WARNING,
} KilnTrainCheckSeverity;

typedef enum {
  KILN_TRAIN_CHECK_NO_TARGET,
  KILN_TRAIN_CHECK_EMPTY_TARGET,
  KILN_TRAIN_CHECK_CONSTANT_TARGET,
  KILN_TRAIN_CHECK_TARGET_NOT_NUMERIC,
  KILN_TRAIN_CHECK_MISSING_TARGET,
  KILN_TRAIN_CHECK_SINGLE_ROW_CLASS,
  KILN_TRAIN_CHECK_SMALL_CLASS,
  KILN_TRAIN_CHECK_MANY_CLASSES,
  KILN_TRAIN_CHECK_ID_COLUMN,
  KILN_TRAIN_CHECK_LEAK,
  KILN_TRAIN_CHECK_NO_FEATURES,
  KILN_TRAIN_CHECK_TIME_ORDER,     /* a date column and a random split: suggest a split by time */
  KILN_TRAIN_CHECK_FUTURE_ROWS,    /* a random split trains on rows later than test rows */
} KilnTrainCheckKind;

typedef struct {
  KilnTrainCheckSeverity severity;
  KilnTrainCheckKind     kind;
  char                  *column;    /* the column concerned, NULL for none */
  char                  *message;   /* translated, one sentence or two */
} KilnTrainCheck;

void kiln_train_check_free (KilnTrainCheck *check);

typedef struct {
  double   train;       /* fractions of the rows; they need not sum to 1 exactly */
  double   validation;
  double   test;
  gboolean stratify;    /* classification splits keep class proportions */
  /* the split's seed, and its time order: NULL for a random split, "" or a column for a split
   * by time (KilnPrepSettings.split_by); left zero, seed 0 and a random split */
  guint64     seed;
  const char *split_by;
} KilnTrainSplit;

/* The checks, errors first. @features: the candidate feature columns, NULL for every column other
 * than the target. Returns a GPtrArray of KilnTrainCheck (free func set), empty when all is well. */
GPtrArray *kiln_train_checks_run        (KilnFrame            *frame,
                                         const char           *target,
                                         KilnTask              task,
                                         const KilnTrainSplit *split,
                                         const char * const   *features);
gboolean   kiln_train_checks_has_errors (GPtrArray *checks);
/* FALSE with the first error's message in a G_IO_ERROR_INVALID_DATA GError when there is one. */
gboolean   kiln_train_checks_to_error   (GPtrArray  *checks,
                                         GError    **error);

G_END_DECLS
