/* kiln-train-run.c: one model fit on a worker thread, reporting through an event queue.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hand-offs between the threads, and nothing else, go through GLib primitives: the thread start
 * (the run, model and data sets), the GAsyncQueue (each event and the model it carries) and the
 * wake source (the run). ThreadSanitizer cannot see inside Debian's uninstrumented GLib, so each
 * hand-off is annotated with __tsan_release() before and __tsan_acquire() after (RECIPES.md).
 *
 * The wake goes through an idle GSource attached to the caller's context rather than
 * g_main_context_invoke_full(): invoke calls the function straight away, in the worker, when
 * the context happens to be free (a main loop not yet running), and the wake function must only
 * ever run in the caller's thread.
 */
#define G_LOG_DOMAIN "kiln-train-run"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "kiln-threads.h"
#include "kiln-train-run.h"

#if defined(__SANITIZE_THREAD__)
# include <sanitizer/tsan_interface.h>
# define TSAN_RELEASE(p) __tsan_release (p)
# define TSAN_ACQUIRE(p) __tsan_acquire (p)
#else
# define TSAN_RELEASE(p) G_STMT_START { (void) (p); } G_STMT_END
# define TSAN_ACQUIRE(p) G_STMT_START { (void) (p); } G_STMT_END
#endif

#define PROGRESS_STEP 0.01

struct _KilnTrainRun {
  int                ref_count;       /* g_atomic_int_*: inline, so ThreadSanitizer sees it */
  guint              run_id;
  KilnModel         *model;
  KilnDataset       *train;
  KilnDataset       *val;
  GAsyncQueue       *queue;
  GCancellable      *cancellable;
  GMainContext      *context;
  gboolean           has_wake;        /* immutable: read by the worker */
  KilnTrainWakeFunc  wake;            /* main context only */
  gpointer           wake_data;       /* main context only */
  int                wake_pending;    /* atomic */
  int                done;            /* atomic */
  int                terminal_popped; /* atomic; consumer side */
  /* a job run (kiln_train_run_start_func()) */
  KilnTrainRunFunc   func;
  gpointer           func_data;
  GDestroyNotify     func_destroy;
  /* worker only */
  gint64             start_time;
  KilnModel         *fitting;         /* the model being fitted */
  KilnModel         *best;
  double             last_fraction;
  KilnModel         *result_model;    /* a job's terminal event */
  gpointer           result_payload;
  GDestroyNotify     result_free;
};

/* ---- Events --------------------------------------------------------------------------------- */

void
kiln_train_event_free (KilnTrainEvent *event)
{
  if (event == NULL)
    return;
  g_clear_pointer (&event->model, kiln_model_unref);
  g_clear_error (&event->error);
  if (event->payload != NULL && event->payload_free != NULL)
    event->payload_free (event->payload);
  g_free (event);
}

gboolean
kiln_train_event_is_terminal (const KilnTrainEvent *event)
{
  g_return_val_if_fail (event != NULL, FALSE);

  return event->kind == KILN_TRAIN_EVENT_FINISHED
         || event->kind == KILN_TRAIN_EVENT_FAILED
         || event->kind == KILN_TRAIN_EVENT_CANCELLED;
}

const char *
kiln_train_event_kind_to_string (KilnTrainEventKind kind)
{
  switch (kind)
    {
    case KILN_TRAIN_EVENT_STARTED:
      return "started";
    case KILN_TRAIN_EVENT_EPOCH:
      return "epoch";
    case KILN_TRAIN_EVENT_PROGRESS:
      return "progress";
    case KILN_TRAIN_EVENT_FINISHED:
      return "finished";
    case KILN_TRAIN_EVENT_FAILED:
      return "failed";
    case KILN_TRAIN_EVENT_CANCELLED:
      return "cancelled";
    case KILN_TRAIN_EVENT_STAGE:
      return "stage";
    default:
      g_return_val_if_reached (NULL);
    }
}

static KilnTrainEvent *
event_new (KilnTrainEventKind kind)
{
  KilnTrainEvent *event = g_new0 (KilnTrainEvent, 1);

  event->kind = kind;
  event->train_loss = NAN;
  event->val_loss = NAN;
  event->val_metric = NAN;
  event->fraction = NAN;
  return event;
}

/* ---- The run ------------------------------------------------------------------------------ */

KilnTrainRun *
kiln_train_run_ref (KilnTrainRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);

  g_atomic_int_inc (&run->ref_count);
  return run;
}

void
kiln_train_run_unref (KilnTrainRun *run)
{
  g_return_if_fail (run != NULL);

  if (!g_atomic_int_dec_and_test (&run->ref_count))
    return;

  /* The worker holds a reference until its very end (the thread is detached), so when the last
   * reference goes, the worker has nothing left to do but return. */
  g_clear_pointer (&run->best, kiln_model_unref);
  g_clear_pointer (&run->model, kiln_model_unref);
  g_clear_pointer (&run->fitting, kiln_model_unref);
  g_clear_pointer (&run->result_model, kiln_model_unref);
  if (run->result_payload != NULL && run->result_free != NULL)
    run->result_free (run->result_payload);
  if (run->func_data != NULL && run->func_destroy != NULL)
    run->func_destroy (run->func_data);
  g_clear_pointer (&run->train, kiln_dataset_free);
  g_clear_pointer (&run->val, kiln_dataset_free);
  g_async_queue_unref (run->queue);
  g_clear_object (&run->cancellable);
  g_main_context_unref (run->context);
  g_free (run);
}

static gboolean
wake_cb (gpointer data)
{
  KilnTrainRun *run = data;

  TSAN_ACQUIRE (run);
  /* Clear first: an event pushed from now on schedules a new wake. */
  g_atomic_int_set (&run->wake_pending, 0);
  if (run->wake != NULL)
    run->wake (run, run->wake_data);
  return G_SOURCE_REMOVE;
}

/* Worker side: queue an event and wake the consumer once. */
static void
push_event (KilnTrainRun   *run,
            KilnTrainEvent *event)
{
  event->run_id = run->run_id;
  event->elapsed = (g_get_monotonic_time () - run->start_time) / (double) G_USEC_PER_SEC;

  /* Release after the last access to the event: the consumer owns it from the push on. */
  if (event->model != NULL)
    TSAN_RELEASE (event->model);
  if (event->payload != NULL)
    TSAN_RELEASE (event->payload);
  TSAN_RELEASE (event);
  g_async_queue_push (run->queue, event);

  if (run->has_wake && g_atomic_int_compare_and_exchange (&run->wake_pending, 0, 1))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (source, "[kiln] train-run wake");
      TSAN_RELEASE (run);
      g_source_set_callback (source, wake_cb, kiln_train_run_ref (run),
                             (GDestroyNotify) kiln_train_run_unref);
      g_source_attach (source, run->context);
      g_source_unref (source);
    }
}

static void
on_epoch (guint      epoch,
          double     train_loss,
          double     val_loss,
          double     val_metric,
          KilnModel *snapshot,
          gpointer   user_data)
{
  KilnTrainRun *run = user_data;
  KilnTrainEvent *event = event_new (KILN_TRAIN_EVENT_EPOCH);

  event->epoch = epoch;
  event->train_loss = (float) train_loss;
  event->val_loss = (float) val_loss;
  event->val_metric = (float) val_metric;
  event->best = snapshot != NULL;
  if (kiln_model_get_max_epochs (run->fitting) > 0)
    event->fraction = MIN (1.0, (double) epoch / kiln_model_get_max_epochs (run->fitting));
  if (snapshot != NULL)
    {
      g_clear_pointer (&run->best, kiln_model_unref);
      run->best = kiln_model_ref (snapshot);
    }
  push_event (run, event);
}

static void
on_progress (double   fraction,
             gpointer user_data)
{
  KilnTrainRun *run = user_data;
  KilnTrainEvent *event;

  /* Iterative families report through their epochs. */
  if (kiln_model_get_class (run->fitting)->iterative)
    return;
  if (fraction < run->last_fraction + PROGRESS_STEP && !(fraction >= 1.0 && run->last_fraction < 1.0))
    return;
  run->last_fraction = fraction;
  event = event_new (KILN_TRAIN_EVENT_PROGRESS);
  event->fraction = CLAMP (fraction, 0.0, 1.0);
  push_event (run, event);
}

/* Fits run->fitting; on cancel, the best snapshot (if any) goes to *best. */
static gboolean
fit (KilnTrainRun       *run,
     const KilnDataset  *train,
     const KilnDataset  *val,
     GError            **error)
{
  KilnFitMonitor monitor = { on_epoch, on_progress, run };

  run->last_fraction = 0.0;
  return kiln_model_fit (run->fitting, train, val, &monitor, run->cancellable, error);
}

static gpointer
worker (gpointer data)
{
  KilnTrainRun *run = data;
  g_autoptr(GError) error = NULL;
  KilnTrainEvent *event;
  gboolean ok;

  kiln_threads_enter_background ();
  run->start_time = g_get_monotonic_time ();
  run->last_fraction = 0.0;
  push_event (run, event_new (KILN_TRAIN_EVENT_STARTED));

  if (run->func != NULL)
    ok = run->func (run, run->func_data, run->cancellable, &error);
  else
    {
      run->fitting = kiln_model_ref (run->model);
      ok = fit (run, run->train, run->val, &error);
      if (ok)
        run->result_model = kiln_model_ref (run->model);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        run->result_model = g_steal_pointer (&run->best);
    }

  if (ok)
    {
      event = event_new (KILN_TRAIN_EVENT_FINISHED);
      event->fraction = 1.0;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    event = event_new (KILN_TRAIN_EVENT_CANCELLED);
  else
    {
      event = event_new (KILN_TRAIN_EVENT_FAILED);
      event->error = g_steal_pointer (&error);
    }
  if (event->kind != KILN_TRAIN_EVENT_FAILED)
    {
      event->model = g_steal_pointer (&run->result_model);
      event->payload = g_steal_pointer (&run->result_payload);
      event->payload_free = run->result_free;
    }
  g_clear_pointer (&run->best, kiln_model_unref);
  g_clear_pointer (&run->fitting, kiln_model_unref);
  g_atomic_int_set (&run->done, 1);
  push_event (run, event);

  kiln_train_run_unref (run);
  return NULL;
}

KilnModel *
kiln_train_run_fit (KilnTrainRun       *run,
                    KilnModel          *model,
                    const KilnDataset  *train,
                    const KilnDataset  *val,
                    gboolean           *cancelled,
                    GError            **error)
{
  g_autoptr(GError) local = NULL;
  KilnModel *fitted = NULL;

  g_return_val_if_fail (run != NULL && model != NULL && train != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (cancelled != NULL)
    *cancelled = FALSE;
  g_clear_pointer (&run->fitting, kiln_model_unref);
  g_clear_pointer (&run->best, kiln_model_unref);
  run->fitting = kiln_model_ref (model);
  if (fit (run, train, val, &local))
    fitted = kiln_model_ref (model);
  else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) && run->best != NULL)
    {
      fitted = g_steal_pointer (&run->best);
      if (cancelled != NULL)
        *cancelled = TRUE;
    }
  else
    g_propagate_error (error, g_steal_pointer (&local));
  g_clear_pointer (&run->fitting, kiln_model_unref);
  g_clear_pointer (&run->best, kiln_model_unref);
  return fitted;
}

void
kiln_train_run_post_stage (KilnTrainRun   *run,
                           KilnTrainStage  stage,
                           gpointer        payload,
                           GDestroyNotify  payload_free)
{
  KilnTrainEvent *event;

  g_return_if_fail (run != NULL);

  event = event_new (KILN_TRAIN_EVENT_STAGE);
  event->stage = stage;
  event->payload = payload;
  event->payload_free = payload_free;
  push_event (run, event);
}

void
kiln_train_run_post_progress (KilnTrainRun *run,
                              double        fraction)
{
  KilnTrainEvent *event;

  g_return_if_fail (run != NULL);

  if (fraction < run->last_fraction + PROGRESS_STEP && !(fraction >= 1.0 && run->last_fraction < 1.0))
    return;
  run->last_fraction = fraction;
  event = event_new (KILN_TRAIN_EVENT_PROGRESS);
  event->fraction = CLAMP (fraction, 0.0, 1.0);
  push_event (run, event);
}

void
kiln_train_run_post_progress_payload (KilnTrainRun   *run,
                                      double          fraction,
                                      gpointer        payload,
                                      GDestroyNotify  payload_free)
{
  KilnTrainEvent *event;

  g_return_if_fail (run != NULL);

  event = event_new (KILN_TRAIN_EVENT_PROGRESS);
  event->fraction = CLAMP (fraction, 0.0, 1.0);
  event->payload = payload;
  event->payload_free = payload_free;
  push_event (run, event);
}

void
kiln_train_run_set_result (KilnTrainRun   *run,
                           KilnModel      *model,
                           gpointer        payload,
                           GDestroyNotify  payload_free)
{
  g_return_if_fail (run != NULL);

  g_clear_pointer (&run->result_model, kiln_model_unref);
  if (run->result_payload != NULL && run->result_free != NULL)
    run->result_free (run->result_payload);
  run->result_model = model != NULL ? kiln_model_ref (model) : NULL;
  run->result_payload = payload;
  run->result_free = payload_free;
}

static KilnTrainRun *
run_new (guint              run_id,
         KilnTrainWakeFunc  wake,
         gpointer           wake_data)
{
  KilnTrainRun *run = g_new0 (KilnTrainRun, 1);

  run->ref_count = 1;
  run->run_id = run_id;
  run->queue = g_async_queue_new_full ((GDestroyNotify) kiln_train_event_free);
  run->cancellable = g_cancellable_new ();
  run->context = g_main_context_ref_thread_default ();
  run->has_wake = wake != NULL;
  run->wake = wake;
  run->wake_data = wake_data;
  return run;
}

static void
run_launch (KilnTrainRun *run)
{
  /* The worker's reference, dropped when it ends. */
  kiln_train_run_ref (run);
  g_thread_unref (g_thread_new ("kiln-train", worker, run));
}

KilnTrainRun *
kiln_train_run_start_func (KilnTrainRunFunc   func,
                           gpointer           data,
                           GDestroyNotify     destroy,
                           guint              run_id,
                           KilnTrainWakeFunc  wake,
                           gpointer           wake_data)
{
  KilnTrainRun *run;

  g_return_val_if_fail (func != NULL, NULL);

  run = run_new (run_id, wake, wake_data);
  run->func = func;
  run->func_data = data;
  run->func_destroy = destroy;
  run_launch (run);
  return run;
}

KilnTrainRun *
kiln_train_run_start (KilnModel          *model,
                      KilnDataset        *train,
                      KilnDataset        *val,
                      guint               run_id,
                      KilnTrainWakeFunc   wake,
                      gpointer            wake_data,
                      GError            **error)
{
  KilnTrainRun *run;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (train != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (kiln_model_is_fitted (model))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("This model is already trained; create a new one to train again."));
      kiln_dataset_free (train);
      kiln_dataset_free (val);
      return NULL;
    }
  if (!kiln_model_check_options (kiln_model_get_name (model), kiln_model_get_options (model), error))
    {
      kiln_dataset_free (train);
      kiln_dataset_free (val);
      return NULL;
    }

  run = run_new (run_id, wake, wake_data);
  run->model = kiln_model_ref (model);
  run->train = train;
  run->val = val;
  run_launch (run);
  return run;
}

guint
kiln_train_run_get_id (KilnTrainRun *run)
{
  g_return_val_if_fail (run != NULL, 0);

  return run->run_id;
}

KilnModel *
kiln_train_run_get_model (KilnTrainRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);

  return run->model;
}

GCancellable *
kiln_train_run_get_cancellable (KilnTrainRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);

  return run->cancellable;
}

void
kiln_train_run_cancel (KilnTrainRun *run)
{
  g_return_if_fail (run != NULL);

  g_cancellable_cancel (run->cancellable);
}

void
kiln_train_run_disconnect (KilnTrainRun *run)
{
  g_return_if_fail (run != NULL);

  run->wake = NULL;
  run->wake_data = NULL;
}

static KilnTrainEvent *
received (KilnTrainRun   *run,
          KilnTrainEvent *event)
{
  if (event == NULL)
    return NULL;
  TSAN_ACQUIRE (event);
  if (event->model != NULL)
    TSAN_ACQUIRE (event->model);
  if (event->payload != NULL)
    TSAN_ACQUIRE (event->payload);
  if (kiln_train_event_is_terminal (event))
    g_atomic_int_set (&run->terminal_popped, 1);
  return event;
}

KilnTrainEvent *
kiln_train_run_pop (KilnTrainRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);

  if (g_atomic_int_get (&run->terminal_popped))
    return NULL;
  return received (run, g_async_queue_pop (run->queue));
}

KilnTrainEvent *
kiln_train_run_try_pop (KilnTrainRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);

  return received (run, g_async_queue_try_pop (run->queue));
}

gboolean
kiln_train_run_is_done (KilnTrainRun *run)
{
  g_return_val_if_fail (run != NULL, FALSE);

  return g_atomic_int_get (&run->done) != 0;
}
