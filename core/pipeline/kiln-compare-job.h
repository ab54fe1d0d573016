/* kiln-compare-job.h: a model comparison (kiln-compare.h) on the training worker, with progress
 * per trial and Cancel keeping the trials already finished.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The job is a KilnTrainRun (kiln-train-run.h): the same event queue, coalesced wake-up and
 * GCancellable as a training. Its events, in order:
 *
 *   STARTED
 *   STAGE PREPARE, then STAGE PREPARED: kiln_compare_job_get_plan() lists every trial (family,
 *     settings; the families that cannot work on the data already SKIPPED with the reason)
 *   PROGRESS after each trial (run, or failed), event->fraction the share of the trials done,
 *     carrying the trial (kiln_compare_job_get_progress())
 *   FINISHED: kiln_compare_job_get_compare() is the ranked comparison
 *   or CANCELLED: the same, with the trials that finished before Cancel (the others PENDING)
 *   or FAILED (event->error): the data could not be split or prepared at all.
 */
#pragma once

#include "kiln-compare.h"
#include "kiln-train-run.h"

G_BEGIN_DECLS

typedef struct {
  guint             index;   /* of the trial in the plan */
  guint             done;    /* trials finished so far (including this one) */
  guint             total;   /* trials to run (not SKIPPED) */
  KilnCompareTrial *trial;   /* a copy, owned by the event */
} KilnCompareProgress;

/* Starts the comparison on a new thread. @raw and @test (may be NULL) are referenced, @options
 * and @families (may be NULL: every family) copied. @wake and @wake_data as
 * kiln_train_run_start(). Never NULL. */
KilnTrainRun              *kiln_compare_job_start        (KilnFrame                 *raw,
                                                          KilnFrame                 *test,
                                                          const KilnPipelineOptions *options,
                                                          guint                      k,
                                                          const char * const        *families,
                                                          guint                      run_id,
                                                          KilnTrainWakeFunc          wake,
                                                          gpointer                   wake_data);

/* STAGE PREPARED: the trials as planned (a GPtrArray of KilnCompareTrial), else NULL. Borrowed. */
GPtrArray                 *kiln_compare_job_get_plan     (const KilnTrainEvent *event);
/* A PROGRESS event that closes a trial, else NULL. Borrowed. */
const KilnCompareProgress *kiln_compare_job_get_progress (const KilnTrainEvent *event);
/* FINISHED or CANCELLED: the ranked comparison (finished, no trial can run), else NULL.
 * Borrowed: take a reference to keep it. */
KilnCompare               *kiln_compare_job_get_compare  (const KilnTrainEvent *event);

G_END_DECLS
