/* kiln-pipeline.h: CSV frame in, fitted model, evaluation and bundle out; shared by GUI and CLI
 * (which run it as one job: kiln-pipeline-job.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three stages, so a front end can run the slow one on its worker thread:
 *
 *   p = kiln_pipeline_prepare (raw, test, &options, &error);   split, fit the recipe on the
 *                                                              training rows, build datasets
 *   model = kiln_pipeline_fit (p, monitor, cancellable, &error); any thread (the GUI's worker)
 *   ev = kiln_pipeline_evaluate (p, model, &error);            metrics on the test rows
 *   bundle = kiln_pipeline_make_bundle (p, model, ev, &error);
 *
 * or kiln_pipeline_run() for all of it, blocking (the CLI). A prepared KilnPipeline is immutable
 * and ref-counted; fit, evaluate and make_bundle only read it.
 *
 * Defaults (DESIGN.md): split 0.8:0:0.2, stratified for classification, seed 42; the recipe
 * imputes median/mode, one-hot encodes, and standardises when the family needs scaling; the task
 * comes from the target's type (categorical/boolean: classification, numeric: regression) unless
 * set. With an external test frame the training frame is split only into train and validation
 * (the train:validation proportions of the split), and that frame is the test split; its columns
 * are converted to the training types where they were read differently. Rows whose target is
 * missing are left out of every split. With prep.split_by the split is by time (kiln-split.h:
 * the latest rows are the test rows, no shuffling, no stratification).
 */
#pragma once

#include "kiln-bundle.h"
#include "kiln-evaluation.h"
#include "kiln-model.h"
#include "kiln-prep-settings.h"
#include "kiln-recipe.h"
#include "kiln-split.h"

G_BEGIN_DECLS

#define KILN_PIPELINE_ERROR (kiln_pipeline_error_quark ())
GQuark kiln_pipeline_error_quark (void);

typedef enum {
  KILN_PIPELINE_ERROR_TARGET,    /* no such column, unusable type, constant target */
  KILN_PIPELINE_ERROR_EMPTY,     /* no training or no test rows */
  KILN_PIPELINE_ERROR_OPTIONS,
} KilnPipelineError;

typedef struct {
  const char          *target;
  gboolean             task_set;       /* FALSE: from the target's type */
  KilnTask             task;
  KilnPrepSettings     prep;           /* the steps, the split (stratified only for
                                          classification) and the seed (the split's and the
                                          model's); owned: kiln_pipeline_options_clear() */
  const char          *model;          /* family name */
  KilnModelOptions     model_options;  /* task and seed are overwritten by the pipeline */
  KilnRecipe          *recipe;         /* unfitted steps (copied) used instead of prep's steps;
                                          NULL: the recipe of prep (kiln-prep-settings.h) */
  const char          *source_path;    /* the training CSV: its name and hash go in the bundle */
  const char          *test_path;      /* the --test CSV, recorded in the bundle's options */
  gboolean             keep_prepared;  /* keep the prepared training frame (a preview) */
  void               (*progress) (double fraction, gpointer data);   /* how far preparing is,
                                          0..1, on the preparing thread; may be NULL */
  gpointer             progress_data;
} KilnPipelineOptions;

/* The defaults above, with @target and @model (which may be NULL: "forest"). */
void kiln_pipeline_options_init  (KilnPipelineOptions *options,
                                  const char          *target,
                                  const char          *model);
/* Frees what the options own (the settings' strings). */
void kiln_pipeline_options_clear (KilnPipelineOptions *options);

typedef struct _KilnPipeline KilnPipeline;

#define KILN_TYPE_PIPELINE (kiln_pipeline_get_type ())
GType kiln_pipeline_get_type (void) G_GNUC_CONST;

/* @test (may be NULL): an external test frame. */
KilnPipeline   *kiln_pipeline_prepare        (KilnFrame                  *raw,
                                              KilnFrame                  *test,
                                              const KilnPipelineOptions  *options,
                                              GCancellable               *cancellable,
                                              GError                    **error);
KilnPipeline   *kiln_pipeline_ref            (KilnPipeline *pipeline);
void            kiln_pipeline_unref          (KilnPipeline *pipeline);

/* A new fitted model (thread-safe; call it from a worker thread in a GUI). */
KilnModel      *kiln_pipeline_fit            (KilnPipeline          *pipeline,
                                              const KilnFitMonitor  *monitor,
                                              GCancellable          *cancellable,
                                              GError               **error);
KilnEvaluation *kiln_pipeline_evaluate       (KilnPipeline  *pipeline,
                                              KilnModel     *model,
                                              GError       **error);
KilnBundle     *kiln_pipeline_make_bundle    (KilnPipeline    *pipeline,
                                              KilnModel       *model,
                                              KilnEvaluation  *evaluation,
                                              GError         **error);

KilnTask        kiln_pipeline_get_task       (KilnPipeline *pipeline);
const char     *kiln_pipeline_get_model_name (KilnPipeline *pipeline);
const KilnModelOptions *kiln_pipeline_get_model_options (KilnPipeline *pipeline);
KilnRecipe     *kiln_pipeline_get_recipe     (KilnPipeline *pipeline);  /* fitted, borrowed */
KilnPrepReport *kiln_pipeline_get_report     (KilnPipeline *pipeline);  /* the training pass */
/* NULL-terminated, NULL for regression. */
const char * const *kiln_pipeline_get_classes (KilnPipeline *pipeline,
                                               guint        *n_classes);
/* Datasets as the model sees them (validation: NULL when empty). Borrowed. */
const KilnDataset *kiln_pipeline_get_train   (KilnPipeline *pipeline);
const KilnDataset *kiln_pipeline_get_validation (KilnPipeline *pipeline);
const KilnDataset *kiln_pipeline_get_test    (KilnPipeline *pipeline);
/* The raw rows of each part (views of the input frames); the test rows are those an
 * evaluation's row indices refer to. Borrowed. */
KilnFrame      *kiln_pipeline_get_train_rows (KilnPipeline *pipeline);
KilnFrame      *kiln_pipeline_get_test_rows  (KilnPipeline *pipeline);
/* The validation rows (NULL when there are none). Borrowed. */
KilnFrame      *kiln_pipeline_get_validation_rows (KilnPipeline *pipeline);
/* With keep_prepared: the training rows as the recipe prepared them (else NULL). Borrowed. */
KilnFrame      *kiln_pipeline_get_prepared_train (KilnPipeline *pipeline);
/* Seconds spent fitting the recipe (prepare). */
double          kiln_pipeline_get_prep_seconds (KilnPipeline *pipeline);

typedef struct {
  KilnPipeline   *pipeline;
  KilnModel      *model;
  KilnEvaluation *evaluation;
  KilnBundle     *bundle;
  double          fit_seconds;   /* recipe fit + model fit */
} KilnPipelineResult;

void            kiln_pipeline_result_clear   (KilnPipelineResult *result);
void            kiln_pipeline_result_free    (KilnPipelineResult *result);

/* k-fold cross-validation of the whole pipeline (recipe and model refitted on each fold's
 * training rows, so nothing leaks from the held-out fold): @scores gets k test scores, accuracy
 * (classification) or R² (regression). Folds are stratified for classification when
 * @options->prep.stratify; with @options->prep.split_by (a split by time) they are
 * forward-chaining folds instead (kiln_cross_validate_forward()). The split fractions of
 * @options are not used. Blocking. */
gboolean        kiln_pipeline_cross_validate (KilnFrame                  *raw,
                                              const KilnPipelineOptions  *options,
                                              guint                       k,
                                              double                     *scores,
                                              GCancellable               *cancellable,
                                              GError                    **error);

/* The task the pipeline would choose for @options on @raw (set, or from the target's type). */
gboolean        kiln_pipeline_resolve_task   (KilnFrame                  *raw,
                                              const KilnPipelineOptions  *options,
                                              KilnTask                   *task,
                                              GError                    **error);
/* A stratum per row of @rows for classification by @column: equal values share one (codes of
 * a coded column, else the value); -1 for a missing target. Free with g_free(). */
gint32         *kiln_pipeline_target_strata  (KilnFrame *rows,
                                              guint      column);

/* All stages, blocking. */
gboolean        kiln_pipeline_run            (KilnFrame                  *raw,
                                              KilnFrame                  *test,
                                              const KilnPipelineOptions  *options,
                                              const KilnFitMonitor       *monitor,
                                              GCancellable               *cancellable,
                                              KilnPipelineResult         *result,
                                              GError                    **error);

/* The first column @recipe's (unfitted) TEXT steps would use in @raw, or NULL: for the
 * refusals of families that cannot learn from text. */
const char     *_kiln_pipeline_text_column   (KilnRecipe *recipe,
                                              KilnFrame  *raw);

G_END_DECLS
