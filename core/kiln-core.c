/* kiln-core.c: process-wide set-up of libkiln-core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-core"

#include "config.h"

#include <dlfcn.h>

#include "kiln-core.h"

/* Called once by each front end (kiln, kiln-cli) before anything else.
 *
 * A threaded OpenBLAS starts its worker threads when the library is loaded, and each spins on
 * sched_yield() for about 0.1 s of processor time before it sleeps: on a two-core machine that
 * takes a core from the CSV reader's threads at the very moment a file is opened. Nothing uses
 * BLAS at start-up, so the idle threads are stopped; OpenBLAS starts them again by itself at the
 * first call that wants them. The function is looked up rather than linked: only OpenBLAS's
 * threaded builds have it. */
void
kiln_core_init (void)
{
  int (*shutdown_threads) (void);

  shutdown_threads = (int (*) (void)) dlsym (RTLD_DEFAULT, "blas_thread_shutdown_");
  if (shutdown_threads != NULL)
    shutdown_threads ();
}
