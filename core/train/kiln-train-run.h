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
} KilnTrainEventKind;

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
/* Dropping the last reference while the worker runs does not stop it: cancel first. */
void            kiln_train_run_unref      (KilnTrainRun *run);

guint           kiln_train_run_get_id     (KilnTrainRun *run);
KilnModel      *kiln_train_run_get_model  (KilnTrainRun *run);   /* the model being fitted */
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
