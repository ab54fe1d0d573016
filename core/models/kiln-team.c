/* kiln-team.c: a few threads kept for many short parallel loops.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A loop is published by bumping `generation`; the workers watch it, first spinning (about
 * SPIN_US microseconds), then asleep on a condition. The hand-over of the loop and of its results
 * goes through atomics only (the generation, the task counter and the count of finished
 * threads), so ThreadSanitizer sees every ordering; the mutex and condition only put idle threads
 * to sleep and wake them.
 */
#define G_LOG_DOMAIN "kiln-team"

#include "config.h"

#include "kiln-team.h"

#define SPIN_US     200
#define MAX_THREADS 64

#if defined(__x86_64__) || defined(__i386__)
# define CPU_RELAX() __builtin_ia32_pause ()
#else
# define CPU_RELAX() G_STMT_START { } G_STMT_END
#endif

struct _KilnTeam {
  guint         n_threads;
  GThread      *threads[MAX_THREADS];
  /* the published loop */
  KilnTeamFunc  func;
  gpointer      data;
  guint         n_tasks;
  gint          next_task;   /* atomic */
  gint          finished;    /* atomic: threads done with the current loop */
  gint          generation;  /* atomic: bumped for each loop */
  gint          quit;        /* atomic */
  /* sleeping */
  GMutex        mutex;
  GCond         cond;
  gint          sleeping;    /* atomic */
};

typedef struct {
  KilnTeam *team;
  guint     index;
} WorkerArg;

static void
work (KilnTeam *team,
      guint     thread)
{
  for (;;)
    {
      guint task = (guint) g_atomic_int_add (&team->next_task, 1);

      if (task >= team->n_tasks)
        break;
      team->func (task, thread, team->data);
    }
}

/* Waits until *@at differs from @seen (spinning first); returns the new value. */
static gint
wait_change (KilnTeam *team,
             gint     *at,
             gint      seen)
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

  g_mutex_lock (&team->mutex);
  g_atomic_int_inc (&team->sleeping);
  while ((v = g_atomic_int_get (at)) == seen)
    g_cond_wait (&team->cond, &team->mutex);
  g_atomic_int_add (&team->sleeping, -1);
  g_mutex_unlock (&team->mutex);
  return v;
}

static gpointer
worker (gpointer user_data)
{
  WorkerArg *arg = user_data;
  KilnTeam *team = arg->team;
  guint index = arg->index;
  gint seen = 0;

  g_free (arg);
  for (;;)
    {
      seen = wait_change (team, &team->generation, seen);
      if (g_atomic_int_get (&team->quit))
        break;
      work (team, index);
      g_atomic_int_inc (&team->finished);
    }
  return NULL;
}

static void
wake_all (KilnTeam *team)
{
  if (g_atomic_int_get (&team->sleeping) > 0)
    {
      g_mutex_lock (&team->mutex);
      g_cond_broadcast (&team->cond);
      g_mutex_unlock (&team->mutex);
    }
}

KilnTeam *
kiln_team_new (guint n_threads)
{
  KilnTeam *team = g_new0 (KilnTeam, 1);

  if (n_threads == 0)
    n_threads = (guint) g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, MAX_THREADS);
  g_mutex_init (&team->mutex);
  g_cond_init (&team->cond);
  team->n_threads = 1;
  for (guint t = 1; t < n_threads; t++)
    {
      WorkerArg *arg = g_new (WorkerArg, 1);

      arg->team = team;
      arg->index = t;
      team->threads[t] = g_thread_try_new ("kiln-team", worker, arg, NULL);
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
kiln_team_free (KilnTeam *team)
{
  if (team == NULL)
    return;
  g_atomic_int_set (&team->quit, 1);
  g_mutex_lock (&team->mutex);
  g_atomic_int_inc (&team->generation);
  g_cond_broadcast (&team->cond);
  g_mutex_unlock (&team->mutex);
  for (guint t = 1; t < team->n_threads; t++)
    g_thread_join (team->threads[t]);
  g_mutex_clear (&team->mutex);
  g_cond_clear (&team->cond);
  g_free (team);
}

guint
kiln_team_get_n_threads (KilnTeam *team)
{
  return team != NULL ? team->n_threads : 1;
}

void
kiln_team_run (KilnTeam     *team,
               guint         n_tasks,
               KilnTeamFunc  func,
               gpointer      data)
{
  guint helpers;

  if (n_tasks == 0)
    return;
  if (team == NULL || team->n_threads == 1 || n_tasks == 1)
    {
      for (guint t = 0; t < n_tasks; t++)
        func (t, 0, data);
      return;
    }

  helpers = team->n_threads - 1;
  team->func = func;
  team->data = data;
  team->n_tasks = n_tasks;
  g_atomic_int_set (&team->next_task, 0);
  g_atomic_int_set (&team->finished, 0);
  /* publishes the fields above to the workers */
  g_atomic_int_inc (&team->generation);
  wake_all (team);

  work (team, 0);

  /* every helper passes through the loop once per generation, even with no task left for it */
  for (guint i = 0; (guint) g_atomic_int_get (&team->finished) < helpers; i++)
    {
      CPU_RELAX ();
      if ((i & 1023) == 1023)
        g_thread_yield ();
    }
}
