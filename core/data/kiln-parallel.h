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

G_END_DECLS
