/* kiln-parallel.c: spreading independent tasks over the cores.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-parallel"

#include "config.h"

#include "kiln-parallel.h"
#include "kiln-threads.h"

#define MAX_THREADS 64

typedef struct {
  guint                 n_tasks;
  KilnParallelFunc      func;
  gpointer              data;
  gint                  next;      /* atomic: the next task */
  gint                  stop;      /* atomic: a task failed */
  GMutex                mutex;
  GCond                 cond;
  guint                 done;      /* under mutex */
  guint                 running;   /* under mutex: threads still working */
  gboolean              notify;    /* signal cond as tasks finish */
} Parallel;

typedef struct {
  Parallel *par;
  guint     index;
} Worker;

static gpointer
worker (gpointer user_data)
{
  Worker *w = user_data;
  Parallel *par = w->par;

  for (;;)
    {
      guint t;
      gboolean ok;

      if (g_atomic_int_get (&par->stop))
        break;
      t = (guint) g_atomic_int_add (&par->next, 1);
      if (t >= par->n_tasks)
        break;
      ok = par->func (t, w->index, par->data);
      if (!ok)
        g_atomic_int_set (&par->stop, 1);
      if (par->notify)
        {
          g_mutex_lock (&par->mutex);
          par->done++;
          g_cond_signal (&par->cond);
          g_mutex_unlock (&par->mutex);
        }
    }
  if (par->notify)
    {
      g_mutex_lock (&par->mutex);
      par->running--;
      g_cond_signal (&par->cond);
      g_mutex_unlock (&par->mutex);
    }
  return NULL;
}

guint
kiln_parallel_n_threads (guint n_tasks,
                         guint n_threads)
{
  /* a serial thread (one of the service's busy workers, kiln-threads.h) works alone: starting
   * and joining helpers for a few rows costs far more than the rows */
  if (kiln_threads_get_serial ())
    return 1;
  if (n_threads == 0)
    n_threads = (guint) g_get_num_processors ();
  return CLAMP (MIN (n_threads, n_tasks), 1, MAX_THREADS);
}

static gboolean
run (guint                n_tasks,
     guint                n_threads,
     KilnParallelFunc     func,
     KilnParallelProgress progress,
     gpointer             data)
{
  Parallel par = { n_tasks, func, data, 0, 0, { 0 }, { 0 }, 0, 0, progress != NULL };
  Worker workers[MAX_THREADS];
  GThread *threads[MAX_THREADS];
  guint n = kiln_parallel_n_threads (n_tasks, n_threads);
  guint first = progress != NULL ? 0 : 1;   /* the caller is worker 0 unless it reports */
  guint n_started = 0;

  if (n_tasks == 0)
    return TRUE;
  g_mutex_init (&par.mutex);
  g_cond_init (&par.cond);
  for (guint t = 0; t < n; t++)
    {
      workers[t].par = &par;
      workers[t].index = t;
    }
  g_mutex_lock (&par.mutex);
  for (guint t = first; t < n; t++)
    {
      threads[t] = g_thread_try_new ("kiln-worker", worker, &workers[t], NULL);
      if (threads[t] == NULL)
        break;
      par.running++;
      n_started++;
    }
  g_mutex_unlock (&par.mutex);

  if (progress == NULL || par.running == 0)
    {
      /* the caller works too (and alone when no thread could start) */
      if (progress != NULL)
        {
          par.notify = FALSE;
          worker (&workers[0]);
          progress (n_tasks, data);
        }
      else
        worker (&workers[0]);
    }
  else
    {
      guint reported = 0;

      g_mutex_lock (&par.mutex);
      while (par.running > 0 || par.done != reported)
        {
          guint done;

          while (par.done == reported && par.running > 0)
            g_cond_wait (&par.cond, &par.mutex);
          done = par.done;
          g_mutex_unlock (&par.mutex);
          if (done != reported)
            progress (done, data);
          reported = done;
          g_mutex_lock (&par.mutex);
        }
      g_mutex_unlock (&par.mutex);
    }
  for (guint t = first; t < first + n_started; t++)
    g_thread_join (threads[t]);
  g_mutex_clear (&par.mutex);
  g_cond_clear (&par.cond);
  return !g_atomic_int_get (&par.stop);
}

gboolean
kiln_parallel_run (guint            n_tasks,
                   guint            n_threads,
                   KilnParallelFunc func,
                   gpointer         data)
{
  g_return_val_if_fail (func != NULL, FALSE);

  return run (n_tasks, n_threads, func, NULL, data);
}

gboolean
kiln_parallel_run_with_progress (guint                n_tasks,
                                 guint                n_threads,
                                 KilnParallelFunc     func,
                                 KilnParallelProgress progress,
                                 gpointer             data)
{
  g_return_val_if_fail (func != NULL && progress != NULL, FALSE);

  return run (n_tasks, n_threads, func, progress, data);
}

typedef struct {
  void   (*func) (guint task, gpointer data);
  gpointer data;
} ForCall;

static gboolean
for_task (guint    task,
          guint    thread,
          gpointer data)
{
  ForCall *call = data;

  call->func (task, call->data);
  return TRUE;
}

void
kiln_parallel_for (guint    n_tasks,
                   void   (*func) (guint task, gpointer data),
                   gpointer data)
{
  ForCall call = { func, data };

  g_return_if_fail (func != NULL);

  run (n_tasks, 0, for_task, NULL, &call);
}
