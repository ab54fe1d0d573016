/* kiln-threads.h: how many threads a piece of core work may spread over.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The core spreads big jobs (recipe steps, forest and kNN predictions) over the machine's cores.
 * A thread that is itself one of several workers, each already busy on its own core (the HTTP
 * service answers one request per worker thread), marks itself serial: work started from it then
 * runs in that thread alone, instead of starting helper threads for a few rows, which costs far
 * more than the work (about 1 ms to start and join them, against microseconds for one row).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For the calling thread only; threads start not serial. */
void     kiln_threads_set_serial (gboolean serial);
gboolean kiln_threads_get_serial (void);
/* 1 in a serial thread, else the number of processors (at least 1). */
guint    kiln_threads_available  (void);

/* Workers below the window. On two cores a fit's threads, the CSV reader's and a column's
 * statistics can all be ready to run at once; at the main thread's own priority they share the
 * cores with it evenly, and a frame waits 100 ms or more for its turn. A program with a window
 * calls kiln_threads_set_background_nice (10) once, at start; every worker Kiln starts
 * (kiln_task_run_in_thread, the training run) then calls kiln_threads_enter_background (), which
 * gives the calling thread that niceness (Linux; elsewhere nothing), and the threads it starts
 * inherit it. The work still has every idle cycle; the main thread runs first when it has work.
 * kiln-cli and the service never set it: there the work is the foreground. */
void     kiln_threads_set_background_nice (int nice);
void     kiln_threads_enter_background    (void);

/* Frees @data with @destroy on a background thread, in order, one at a time. Dropping the last
 * reference to a big frame or a prepared dataset returns hundreds of megabytes to the system
 * (glibc trims the heap a worker filled): tens of milliseconds of unmapping that a window's main
 * thread must not spend. kiln_threads_free_later_wait() returns once everything handed over so
 * far is freed (before a program ends, so nothing looks leaked). */
void     kiln_threads_free_later          (gpointer       data,
                                           GDestroyNotify destroy);
void     kiln_threads_free_later_wait     (void);

G_END_DECLS
