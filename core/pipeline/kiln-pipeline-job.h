/* kiln-pipeline-job.h: the whole training run on a worker thread, as one job with progress and
 * cancel: prepare (split, fit the recipe) -> fit the model -> evaluate -> bundle.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GUI and the CLI both run it. The job is a KilnTrainRun (kiln-train-run.h): the same event
 * queue, coalesced wake-up and GCancellable. Its events, in order:
 *
 *   STARTED
 *   STAGE PREPARE, then STAGE PREPARED (kiln_pipeline_job_get_pipeline(): the split, the fitted
 *     recipe and its report, the datasets)
 *   STAGE FIT, then EPOCH (iterative families) or PROGRESS events
 *   STAGE EVALUATE
 *   FINISHED: kiln_pipeline_job_get_result() holds the pipeline, the model, its evaluation on the
 *     test rows and (with KILN_PIPELINE_JOB_BUNDLE) the bundle
 *   or CANCELLED: during the fit of an iterative family that had a best epoch, the result is
 *     that model's, evaluated and bundled as a finished one; otherwise no result
 *   or FAILED (event->error).
 *
 * With KILN_PIPELINE_JOB_PREPARE_ONLY the job stops after PREPARED and finishes with a result
 * that holds only the pipeline (the Prepare page's preview of the split and the recipe's log).
 */
#pragma once

#include "kiln-pipeline.h"
#include "kiln-train-run.h"

G_BEGIN_DECLS

typedef enum {
  KILN_PIPELINE_JOB_DEFAULT      = 0,
  KILN_PIPELINE_JOB_PREPARE_ONLY = 1 << 0,   /* split and fit the recipe, nothing more */
  KILN_PIPELINE_JOB_BUNDLE       = 1 << 1,   /* make the bundle too */
} KilnPipelineJobFlags;

/* Starts the job on a new thread. @raw and @test (may be NULL) are referenced, @options copied
 * (its recipe is copied unfitted). @wake and @wake_data as kiln_train_run_start(). Never NULL:
 * problems with the options arrive as a FAILED event. */
KilnTrainRun       *kiln_pipeline_job_start        (KilnFrame                  *raw,
                                                    KilnFrame                  *test,
                                                    const KilnPipelineOptions  *options,
                                                    KilnPipelineJobFlags        flags,
                                                    guint                       run_id,
                                                    KilnTrainWakeFunc           wake,
                                                    gpointer                    wake_data);

/* The prepared pipeline of a STAGE PREPARED event, or NULL. Borrowed. */
KilnPipeline       *kiln_pipeline_job_get_pipeline (const KilnTrainEvent *event);
/* The result of a FINISHED or CANCELLED event, or NULL. Borrowed: the event owns it; steal its
 * members (setting them to NULL) to keep them. */
KilnPipelineResult *kiln_pipeline_job_get_result   (const KilnTrainEvent *event);

G_END_DECLS
