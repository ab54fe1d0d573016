/* kiln-parallel.h: spreading independent tasks over the cores.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one thread helper of the core: tasks 0 .. n_tasks-1 are handed out in order from an atomic
 * counter to up to @n_threads threads (the caller's among them), so a result that each task
 * writes to its own slot is the same whatever the number of threads. A task that returns FALSE
 * stops the handing out (tasks already running finish).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @thread: 0 .. n_threads-1, which thread runs the task (for per-thread scratch space). */
typedef gboolean (*KilnParallelFunc) (guint    task,
                                      guint    thread,
                                      gpointer data);

/* Called on the calling thread each time some tasks have finished (@done of them). */
typedef void (*KilnParallelProgress) (guint    done,
                                      gpointer data);

/* The number of threads kiln_parallel_run() uses for @n_tasks tasks and @n_threads asked
 * (0: one per core), at least 1; 1 in a serial thread (kiln-threads.h). */
guint    kiln_parallel_n_threads (guint n_tasks,
                                  guint n_threads);

/* Runs the tasks; returns FALSE when a task returned FALSE (then not every task ran). */
gboolean kiln_parallel_run       (guint            n_tasks,
                                  guint            n_threads,
                                  KilnParallelFunc func,
                                  gpointer         data);

/* The same, but the calling thread runs no task: it waits and calls @progress as tasks finish
 * (for a fit that reports progress from its own thread). */
gboolean kiln_parallel_run_with_progress (guint                n_tasks,
                                          guint                n_threads,
                                          KilnParallelFunc     func,
                                          KilnParallelProgress progress,
                                          gpointer             data);

/* The common case: func (task, data) for every task, on one thread per core. */
void     kiln_parallel_for       (guint    n_tasks,
                                  void   (*func) (guint task, gpointer data),
                                  gpointer data);

/* ---- A team kept for many short loops ------------------------------------------------------ */

/* Boosting runs thousands of parallel loops of a few hundred microseconds each (a histogram, a
 * partition, the trees of one round): starting threads for each would cost more than the loop.
 * A team starts its threads once; kiln_parallel_team_run() hands them a loop of tasks, as
 * kiln_parallel_run() does (the caller takes part, results the same whatever the number of
 * threads), and returns when every task is done, their writes visible to the caller. Idle threads
 * spin briefly for the next loop (they usually come microseconds apart), then sleep. A team runs
 * one loop at a time: a task must not call kiln_parallel_team_run() on its own team. */
typedef struct _KilnParallelTeam KilnParallelTeam;

/* @n_threads including the caller's (0: one per core). */
KilnParallelTeam *kiln_parallel_team_new           (guint n_threads);
void              kiln_parallel_team_free          (KilnParallelTeam *team);
/* 1 for a NULL team. */
guint             kiln_parallel_team_get_n_threads (KilnParallelTeam *team);
/* A NULL team runs the tasks on the calling thread (thread 0). FALSE when a task returned FALSE
 * (the tasks not yet handed out are then skipped). */
gboolean          kiln_parallel_team_run           (KilnParallelTeam *team,
                                                    guint             n_tasks,
                                                    KilnParallelFunc  func,
                                                    gpointer          data);

G_END_DECLS
