/* kiln-team.h: a few threads kept for many short parallel loops (not public API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Boosting runs thousands of parallel loops of a few hundred microseconds each (a histogram, a
 * partition, the trees of one round); starting threads for each would cost more than the loop.
 * A KilnTeam starts its threads once; kiln_team_run() hands them a loop of tasks, which the
 * calling thread shares, and returns when every task is done. Idle threads spin briefly for the
 * next loop (they usually come microseconds apart), then sleep.
 *
 * Tasks are taken from a shared counter, so which thread runs a task varies: a task's result must
 * not depend on its thread (each writes its own output), which keeps results the same whatever
 * the number of threads. Every write made by a task is visible to the caller when
 * kiln_team_run() returns.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KilnTeam KilnTeam;

/* @task in [0, n_tasks); @thread in [0, kiln_team_get_n_threads()) tells which per-thread
 * scratch buffer the task may use. */
typedef void (*KilnTeamFunc) (guint    task,
                              guint    thread,
                              gpointer data);

/* A team of @n_threads threads including the caller (0: one per processor). */
KilnTeam *kiln_team_new           (guint n_threads);
void      kiln_team_free          (KilnTeam *team);
guint     kiln_team_get_n_threads (KilnTeam *team);
/* Runs func (0 .. n_tasks - 1) on the team and waits for all of them. Not reentrant: a task must
 * not call kiln_team_run() on the same team. */
void      kiln_team_run           (KilnTeam     *team,
                                   guint         n_tasks,
                                   KilnTeamFunc  func,
                                   gpointer      data);

G_END_DECLS
