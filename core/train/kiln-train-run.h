/* kiln-train-run.h: one model fit on a worker thread, reporting through an event queue.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker never touches the UI and the UI never blocks on the worker (STYLE.md, "Worker → UI"):
 * the worker pushes KilnTrainEvents on a GAsyncQueue and, when the caller gave a wake function,
 * wakes the caller's main context *once* per burst of events (a coalesced idle, as Sysprof does).
 * The wake function runs in the main context that was the thread-default when the run was
 * started; it drains the queue with kiln_train_run_try_pop() and skips events whose run_id is stale.
 * Without a wake function (the CLI), the caller blocks in kiln_train_run_pop().
 *
 * Events, in order: STARTED; then EPOCH (iterative families) or PROGRESS (the others), any
 * number; then exactly one of FINISHED (event->model is the fitted model), FAILED (event->error)
 * or CANCELLED (event->model is the best snapshot seen so far by validation loss, or NULL when no
 * epoch had finished). Nothing follows the terminal event.
 *
 * A run can also carry a longer job than one fit (the pipeline's: prepare, fit, evaluate,
 * bundle): kiln_train_run_start_func() runs a function on the worker thread, which fits through
 * kiln_train_run_fit() (the same EPOCH and PROGRESS events), announces its stages with STAGE
 * events, and leaves what the terminal event carries with kiln_train_run_set_result() (a
 * payload the job's own API reads).
 */
#pragma once

#include <gio/gio.h>

#include "kiln-model.h"

G_BEGIN_DECLS

typedef enum {
  KILN_TRAIN_EVENT_STARTED,
  KILN_TRAIN_EVENT_EPOCH,
  KILN_TRAIN_EVENT_PROGRESS,
  KILN_TRAIN_EVENT_FINISHED,
  KILN_TRAIN_EVENT_FAILED,
  KILN_TRAIN_EVENT_CANCELLED,
  KILN_TRAIN_EVENT_STAGE,
} KilnTrainEventKind;

/* What a job run is doing (STAGE events). */
typedef enum {
  KILN_TRAIN_STAGE_PREPARE,    /* splitting and fitting the recipe */
  KILN_TRAIN_STAGE_PREPARED,   /* the data is ready (the event's payload may hold it) */
  KILN_TRAIN_STAGE_FIT,        /* fitting the model */
  KILN_TRAIN_STAGE_EVALUATE,   /* scoring and packing the result */
} KilnTrainStage;

typedef struct {
  KilnTrainEventKind kind;
  guint      run_id;         /* drop events from an older run */
  guint      epoch;          /* EPOCH: 1-based */
  float      train_loss;     /* EPOCH */
  float      val_loss;       /* EPOCH: NaN without a validation split */
  float      val_metric;     /* EPOCH: accuracy or R^2 on the validation split, NaN without one */
  double     elapsed;        /* seconds since the fit started, every event */
  double     fraction;       /* PROGRESS and EPOCH: 0..1 of the planned work */
  gboolean   best;           /* EPOCH: the best validation (or training) loss so far */
  KilnModel *model;          /* FINISHED / CANCELLED: owned by the event; steal it to keep it */
  GError    *error;          /* FAILED */
  KilnTrainStage stage;      /* STAGE */
  gpointer   payload;        /* STAGE, FINISHED, CANCELLED of a job run: owned by the event */
  GDestroyNotify payload_free;
} KilnTrainEvent;

void     kiln_train_event_free        (KilnTrainEvent *event);
/* FINISHED, FAILED or CANCELLED. */
gboolean kiln_train_event_is_terminal (const KilnTrainEvent *event);
const char *kiln_train_event_kind_to_string (KilnTrainEventKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnTrainEvent, kiln_train_event_free)

typedef struct _KilnTrainRun KilnTrainRun;

/* Runs in the main context of kiln_train_run_start()'s caller, once per burst of events. */
typedef void (*KilnTrainWakeFunc) (KilnTrainRun *run,
                                   gpointer      wake_data);

/* Starts fitting @model (unfitted; a reference is taken) on a new thread. @train and @val (may be
 * NULL) are taken over by the run (transfer full) and freed with it. @wake may be NULL; @wake_data
 * must stay valid until the terminal event has been drained or kiln_train_run_disconnect() was
 * called. Fails (without starting a thread) when the model's options are invalid or the model
 * was already fitted. */
KilnTrainRun   *kiln_train_run_start      (KilnModel          *model,
                                           KilnDataset        *train,
                                           KilnDataset        *val,
                                           guint               run_id,
                                           KilnTrainWakeFunc   wake,
                                           gpointer            wake_data,
                                           GError            **error);
KilnTrainRun   *kiln_train_run_ref        (KilnTrainRun *run);

/* A job on the worker thread: @func runs there and returns TRUE (then FINISHED is posted), or
 * FALSE with @error (CANCELLED when @error is G_IO_ERROR_CANCELLED, else FAILED). @data is freed
 * with @destroy when the run goes. */
typedef gboolean (*KilnTrainRunFunc) (KilnTrainRun  *run,
                                      gpointer       data,
                                      GCancellable  *cancellable,
                                      GError       **error);
KilnTrainRun   *kiln_train_run_start_func (KilnTrainRunFunc    func,
                                           gpointer            data,
                                           GDestroyNotify      destroy,
                                           guint               run_id,
                                           KilnTrainWakeFunc   wake,
                                           gpointer            wake_data);
/* Worker side, from a job's function: fits @model (unfitted) with the run's EPOCH and PROGRESS
 * events. Returns the fitted model (a new reference), or when the run was cancelled the best
 * snapshot seen so far with *@cancelled set (NULL with a G_IO_ERROR_CANCELLED error when there is
 * none), or NULL with @error. */
KilnModel      *kiln_train_run_fit        (KilnTrainRun       *run,
                                           KilnModel          *model,
                                           const KilnDataset  *train,
                                           const KilnDataset  *val,
                                           gboolean           *cancelled,
                                           GError            **error);
/* Worker side: posts a STAGE event carrying @payload (may be NULL; freed with @payload_free). */
void            kiln_train_run_post_stage (KilnTrainRun   *run,
                                           KilnTrainStage  stage,
                                           gpointer        payload,
                                           GDestroyNotify  payload_free);
/* Worker side: a PROGRESS event (at most one per 1 % of work) for a stage's own work, such as
 * preparing the data; a fit's progress comes from kiln_train_run_fit. */
void            kiln_train_run_post_progress (KilnTrainRun *run,
                                              double        fraction);
/* Worker side: what the terminal event (FINISHED, or CANCELLED) of a job carries: @model (a
 * reference is taken; may be NULL) and @payload (taken; freed with @payload_free). */
void            kiln_train_run_set_result (KilnTrainRun   *run,
                                           KilnModel      *model,
                                           gpointer        payload,
                                           GDestroyNotify  payload_free);
/* Dropping the last reference while the worker runs does not stop it: cancel first. */
void            kiln_train_run_unref      (KilnTrainRun *run);

guint           kiln_train_run_get_id     (KilnTrainRun *run);
KilnModel      *kiln_train_run_get_model  (KilnTrainRun *run);   /* the model being fitted (a
                                                                    job's: NULL until it fits) */
GCancellable   *kiln_train_run_get_cancellable (KilnTrainRun *run);
/* Asks the worker to stop; it stops within one mini-batch or tree. Any thread. */
void            kiln_train_run_cancel     (KilnTrainRun *run);
/* No more wake calls after this (main context only): for a UI that goes away mid-run. */
void            kiln_train_run_disconnect (KilnTrainRun *run);

/* The next event, blocking. Returns NULL only after the terminal event was popped. */
KilnTrainEvent *kiln_train_run_pop        (KilnTrainRun *run);
/* The next event, or NULL when none is queued. */
KilnTrainEvent *kiln_train_run_try_pop    (KilnTrainRun *run);
/* TRUE once the fit has ended: the terminal event is queued or about to be, and TRUE for sure
 * once the terminal event has been popped. */
gboolean        kiln_train_run_is_done    (KilnTrainRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnTrainRun, kiln_train_run_unref)

G_END_DECLS
