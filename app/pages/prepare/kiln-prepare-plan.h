/* kiln-prepare-plan.h: the project's settings as a recipe and a split, fitted off the UI thread
 * by the pipeline job.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-project.h"
#include "kiln-recipe.h"
#include "kiln-pipeline.h"

G_BEGIN_DECLS

typedef struct {
  KilnPipeline   *pipeline; /* the prepared pipeline the plan comes from */
  KilnRecipe     *recipe;   /* fitted on the training rows */
  KilnPrepReport *report;   /* what fitting did to the training rows (the pipeline's) */
  KilnFrame      *train;    /* views of the raw frame */
  KilnFrame      *validation;
  KilnFrame      *test;
  KilnFrame      *prepared;  /* the training rows as the model sees them */
  guint           n_rows;
  guint           n_train;
  guint           n_val;
  guint           n_test;
} KilnPreparePlan;

/* An unfitted recipe from the project's settings (the model decides "automatic" scaling). */
KilnRecipe      *kiln_prepare_plan_make_recipe (KilnProject  *project,
                                                GError      **error);
/* Split + fit, as the pipeline job's first half (off the UI thread); the result is a
 * KilnPreparePlan (g_task_propagate_pointer()). */
void             kiln_prepare_plan_run_async   (KilnProject          *project,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* Hands @plan to the background to free (kiln_threads_free_later): it holds prepared copies of the
 * data, and plans are dropped on the main thread. */
void             kiln_prepare_plan_free        (KilnPreparePlan *plan);

/* What a training needs, copied from the project so a worker thread can use it. */
typedef struct {
  KilnFrame           *frame;
  KilnPipelineOptions  options;   /* its strings point into the fields below */
  char                *target;
  char                *model;
  char                *source;
} KilnTrainSetup;

KilnTrainSetup  *kiln_train_setup_new          (KilnProject  *project,
                                                GError      **error);
void             kiln_train_setup_free         (KilnTrainSetup *setup);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnPreparePlan, kiln_prepare_plan_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnTrainSetup, kiln_train_setup_free)

G_END_DECLS
