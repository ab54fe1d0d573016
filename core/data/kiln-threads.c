/* kiln-threads.c: the per-thread serial hint (see kiln-threads.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-threads"

#include "config.h"

#include "kiln-threads.h"
#include "kiln-tsan.h"

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static GPrivate serial_key;   /* non-NULL: the thread is serial; no destructor needed */
static GPrivate nice_key;     /* the niceness this thread was given + 1 (NULL: none) */
static int background_nice;   /* atomic */

typedef struct {
  gpointer       data;
  GDestroyNotify destroy;
} FreeLater;

static GMutex free_lock;
static GCond free_cond;
static GThreadPool *free_pool;   /* under free_lock */
static guint free_pending;       /* under free_lock */

void
kiln_threads_set_serial (gboolean serial)
{
  g_private_set (&serial_key, serial ? GINT_TO_POINTER (1) : NULL);
}

gboolean
kiln_threads_get_serial (void)
{
  return g_private_get (&serial_key) != NULL;
}

guint
kiln_threads_available (void)
{
  if (kiln_threads_get_serial ())
    return 1;
  return MAX (g_get_num_processors (), 1);
}

void
kiln_threads_set_background_nice (int nice)
{
  g_atomic_int_set (&background_nice, CLAMP (nice, 0, 19));
}

void
kiln_threads_enter_background (void)
{
  int nice = g_atomic_int_get (&background_nice);

  /* once per thread (pool threads run many tasks), and never back up: lowering is all an
     unprivileged process may do */
  if (nice <= 0 || GPOINTER_TO_INT (g_private_get (&nice_key)) - 1 >= nice)
    return;
#ifdef __linux__
  /* on Linux a thread has its own niceness (setpriority on its thread id) */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), nice) != 0)
    {
      int saved = errno;
      g_debug ("could not lower a worker's priority: %s", g_strerror (saved));
    }
#endif
  g_private_set (&nice_key, GINT_TO_POINTER (nice + 1));
}

static void
free_later_run (gpointer item, gpointer unused)
{
  FreeLater *f = item;

  KILN_TSAN_ACQUIRE (f);
  kiln_threads_enter_background ();
  f->destroy (f->data);
  g_free (f);
  g_mutex_lock (&free_lock);
  KILN_TSAN_ACQUIRE (&free_lock);
  if (--free_pending == 0)
    g_cond_broadcast (&free_cond);
  KILN_TSAN_RELEASE (&free_lock);
  g_mutex_unlock (&free_lock);
}

void
kiln_threads_free_later (gpointer       data,
                         GDestroyNotify destroy)
{
  FreeLater *f;

  if (data == NULL)
    return;
  g_return_if_fail (destroy != NULL);

  f = g_new (FreeLater, 1);
  f->data = data;
  f->destroy = destroy;
  g_mutex_lock (&free_lock);
  KILN_TSAN_ACQUIRE (&free_lock);
  if (free_pool == NULL)
    free_pool = g_thread_pool_new (free_later_run, NULL, 1, FALSE, NULL);
  free_pending++;
  KILN_TSAN_RELEASE (f);
  KILN_TSAN_RELEASE (&free_lock);
  g_thread_pool_push (free_pool, f, NULL);
  g_mutex_unlock (&free_lock);
}

void
kiln_threads_free_later_wait (void)
{
  g_mutex_lock (&free_lock);
  KILN_TSAN_ACQUIRE (&free_lock);
  while (free_pending > 0)
    {
      KILN_TSAN_RELEASE (&free_lock);   /* the wait lets the lock go */
      g_cond_wait (&free_cond, &free_lock);
      KILN_TSAN_ACQUIRE (&free_lock);
    }
  KILN_TSAN_RELEASE (&free_lock);
  g_mutex_unlock (&free_lock);
}
