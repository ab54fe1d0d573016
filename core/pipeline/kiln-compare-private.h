/* kiln-compare-private.h: what the files of the comparison share (not public API):
 * kiln-compare.c (the trials, the split and its folds), kiln-compare-run.c (running trials) and
 * kiln-compare-board.c (the leaderboard and the JSON).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-compare.h"

G_BEGIN_DECLS

/* Recipes differ by family only in scaling and in filling missing values. */
#define N_RECIPE_KINDS 4

struct _KilnCompare {
  gatomicrefcount     ref_count;
  KilnTask            task;
  /* the options, owned */
  char               *target;
  gboolean            task_set;
  KilnPrepSettings    prep;
  KilnRecipe         *recipe;       /* unfitted; NULL: from prep, per family */
  /* the training split and its folds */
  KilnFrame          *rows;         /* the training rows (a view of the input) */
  guint               n_rows;
  guint32            *raw_row;      /* n_rows: row of the input frame */
  guint              *fold;         /* n_rows: 0 .. k - 1; forward: the block, 0 .. k */
  guint               k;
  gboolean            forward;      /* forward-chaining folds (a split by time) */
  char               *note;
  /* per fold and recipe kind, the fold prepared (made when first needed) */
  KilnPipeline      **prepared;     /* k * N_RECIPE_KINDS */
  gboolean            finished;
  /* trials */
  GPtrArray          *trials;       /* of KilnCompareTrial */
  guint              *board;
  guint               n_board;
};

/* Frees the folds prepared for running (nothing runs after). */
void _kiln_compare_release_folds (KilnCompare *c);

G_END_DECLS
