/* kiln-parallel.c: spreading independent tasks over the cores.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A team (kiln_parallel_team_*) publishes a loop by bumping `generation`; its workers watch it,
 * first spinning (about SPIN_US microseconds), then asleep on a condition. The hand-over of the
 * loop and of its results goes through atomics only (the generation, the task counter and the
 * count of finished threads), so ThreadSanitizer sees every ordering; the team's mutex and
 * condition only put idle threads to sleep and wake them.
 */
#define G_LOG_DOMAIN "kiln-parallel"

#include "config.h"

#include "kiln-parallel.h"
#include "kiln-threads.h"
#include "kiln-tsan.h"

/* GMutex and GCond live in the uninstrumented libglib: ThreadSanitizer sees what they hand over
 * only when told (kiln-tsan.h) */
static inline void
par_lock (GMutex *mutex)
{
  g_mutex_lock (mutex);
  KILN_TSAN_ACQUIRE (mutex);
}

static inline void
par_unlock (GMutex *mutex)
{
  KILN_TSAN_RELEASE (mutex);
  g_mutex_unlock (mutex);
}

static inline void
par_wait (GCond  *cond,
          GMutex *mutex)
{
  KILN_TSAN_RELEASE (mutex);
  g_cond_wait (cond, mutex);
  KILN_TSAN_ACQUIRE (mutex);
}

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
          par_lock (&par->mutex);
          par->done++;
          g_cond_signal (&par->cond);
          par_unlock (&par->mutex);
        }
    }
  if (par->notify)
    {
      par_lock (&par->mutex);
      par->running--;
      g_cond_signal (&par->cond);
      par_unlock (&par->mutex);
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
  par_lock (&par.mutex);
  for (guint t = first; t < n; t++)
    {
      threads[t] = g_thread_try_new ("kiln-worker", worker, &workers[t], NULL);
      if (threads[t] == NULL)
        break;
      par.running++;
      n_started++;
    }
  par_unlock (&par.mutex);

  if (progress == NULL || n_started == 0)
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

      par_lock (&par.mutex);
      while (par.running > 0 || par.done != reported)
        {
          guint done;

          while (par.done == reported && par.running > 0)
            par_wait (&par.cond, &par.mutex);
          done = par.done;
          par_unlock (&par.mutex);
          if (done != reported)
            progress (done, data);
          reported = done;
          par_lock (&par.mutex);
        }
      par_unlock (&par.mutex);
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

/* ---- Teams ------------------------------------------------------------------------------------ */

#define SPIN_US     200

#if defined(__x86_64__) || defined(__i386__)
# define CPU_RELAX() __builtin_ia32_pause ()
#else
# define CPU_RELAX() G_STMT_START { } G_STMT_END
#endif

struct _KilnParallelTeam {
  guint             n_threads;
  GThread          *threads[MAX_THREADS];
  /* the published loop */
  KilnParallelFunc  func;
  gpointer          data;
  guint             n_tasks;
  gint              next_task;   /* atomic */
  gint              finished;    /* atomic: threads done with the current loop */
  gint              generation;  /* atomic: bumped for each loop */
  gint              quit;        /* atomic */
  gint              stop;        /* atomic: a task returned FALSE */
  /* sleeping */
  GMutex            mutex;
  GCond             cond;
  gint              sleeping;    /* atomic */
};

typedef struct {
  KilnParallelTeam *team;
  guint             index;
} TeamArg;

static void
team_work (KilnParallelTeam *team,
           guint             thread)
{
  for (;;)
    {
      guint task = (guint) g_atomic_int_add (&team->next_task, 1);

      if (task >= team->n_tasks || g_atomic_int_get (&team->stop))
        break;
      if (!team->func (task, thread, team->data))
        g_atomic_int_set (&team->stop, 1);
    }
}

/* Waits until *@at differs from @seen (spinning first); returns the new value. */
static gint
team_wait (KilnParallelTeam *team,
           gint             *at,
           gint              seen)
{
  gint64 deadline = 0;
  gint v;

  for (guint i = 0;; i++)
    {
      if ((v = g_atomic_int_get (at)) != seen)
        return v;
      CPU_RELAX ();
      if ((i & 255) == 255)
        {
          gint64 now = g_get_monotonic_time ();
          if (deadline == 0)
            deadline = now + SPIN_US;
          else if (now > deadline)
            break;
        }
    }

  par_lock (&team->mutex);
  g_atomic_int_inc (&team->sleeping);
  while ((v = g_atomic_int_get (at)) == seen)
    par_wait (&team->cond, &team->mutex);
  g_atomic_int_add (&team->sleeping, -1);
  par_unlock (&team->mutex);
  return v;
}

static gpointer
team_worker (gpointer user_data)
{
  TeamArg *arg = user_data;
  KilnParallelTeam *team = arg->team;
  guint index = arg->index;
  gint seen = 0;

  g_free (arg);
  for (;;)
    {
      seen = team_wait (team, &team->generation, seen);
      if (g_atomic_int_get (&team->quit))
        break;
      team_work (team, index);
      g_atomic_int_inc (&team->finished);
    }
  return NULL;
}

static void
team_wake (KilnParallelTeam *team)
{
  if (g_atomic_int_get (&team->sleeping) > 0)
    {
      par_lock (&team->mutex);
      g_cond_broadcast (&team->cond);
      par_unlock (&team->mutex);
    }
}

KilnParallelTeam *
kiln_parallel_team_new (guint n_threads)
{
  KilnParallelTeam *team = g_new0 (KilnParallelTeam, 1);

  if (n_threads == 0)
    n_threads = (guint) g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, MAX_THREADS);
  g_mutex_init (&team->mutex);
  g_cond_init (&team->cond);
  team->n_threads = 1;
  for (guint t = 1; t < n_threads; t++)
    {
      TeamArg *arg = g_new (TeamArg, 1);

      arg->team = team;
      arg->index = t;
      team->threads[t] = g_thread_try_new ("kiln-team", team_worker, arg, NULL);
      if (team->threads[t] == NULL)
        {
          g_free (arg);
          break;
        }
      team->n_threads++;
    }
  return team;
}

void
kiln_parallel_team_free (KilnParallelTeam *team)
{
  if (team == NULL)
    return;
  g_atomic_int_set (&team->quit, 1);
  par_lock (&team->mutex);
  g_atomic_int_inc (&team->generation);
  g_cond_broadcast (&team->cond);
  par_unlock (&team->mutex);
  for (guint t = 1; t < team->n_threads; t++)
    g_thread_join (team->threads[t]);
  g_mutex_clear (&team->mutex);
  g_cond_clear (&team->cond);
  g_free (team);
}

guint
kiln_parallel_team_get_n_threads (KilnParallelTeam *team)
{
  return team != NULL ? team->n_threads : 1;
}

gboolean
kiln_parallel_team_run (KilnParallelTeam *team,
                        guint             n_tasks,
                        KilnParallelFunc  func,
                        gpointer          data)
{
  guint helpers;

  if (n_tasks == 0)
    return TRUE;
  if (team == NULL || team->n_threads == 1 || n_tasks == 1)
    {
      for (guint t = 0; t < n_tasks; t++)
        if (!func (t, 0, data))
          return FALSE;
      return TRUE;
    }

  helpers = team->n_threads - 1;
  team->func = func;
  team->data = data;
  team->n_tasks = n_tasks;
  g_atomic_int_set (&team->next_task, 0);
  g_atomic_int_set (&team->finished, 0);
  g_atomic_int_set (&team->stop, 0);
  /* publishes the fields above to the workers */
  g_atomic_int_inc (&team->generation);
  team_wake (team);

  team_work (team, 0);

  /* every helper passes through the loop once per generation, even with no task left for it */
  for (guint i = 0; (guint) g_atomic_int_get (&team->finished) < helpers; i++)
    {
      CPU_RELAX ();
      if ((i & 1023) == 1023)
        g_thread_yield ();
    }
  return !g_atomic_int_get (&team->stop);
}
