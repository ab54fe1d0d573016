/* test-threads.c: workers below the window (kiln_threads_set_background_nice).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kiln-task.h"
#include "kiln-threads.h"
#include "kiln-train-run.h"

static int
own_nice (void)
{
  errno = 0;
  return getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
}

static void
report_nice (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_task_return_int (task, own_nice ());
}

static void
task_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(gssize *) user_data = kiln_task_propagate_int (G_TASK (result), NULL);
}

static int train_nice = -100;

static gboolean
train_func (KilnTrainRun *run, gpointer data, GCancellable *cancellable, GError **error)
{
  g_atomic_int_set (&train_nice, own_nice ());
  return TRUE;
}

/* Without the call, a worker keeps the caller's niceness (kiln-cli's case); with it, every GTask
 * worker and the training run take the niceness asked for, and the main thread keeps its own. */
static void
test_background_nice (void)
{
  int main_nice = own_nice ();
  gssize got = -100;

  if (main_nice >= 19)
    {
      g_test_skip ("already at the lowest priority");
      return;
    }
  {
    g_autoptr(GTask) task = g_task_new (NULL, NULL, task_done, &got);
    kiln_task_run_in_thread (task, report_nice);
  }
  while (got == -100)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (got, ==, main_nice);

  kiln_threads_set_background_nice (main_nice + 1 + (19 - main_nice) / 2);
  for (guint i = 0; i < 4; i++)   /* pool threads old and new */
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, task_done, &got);
      got = -100;
      kiln_task_run_in_thread (task, report_nice);
      while (got == -100)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (got, ==, main_nice + 1 + (19 - main_nice) / 2);
    }
  {
    KilnTrainRun *run = kiln_train_run_start_func (train_func, NULL, NULL, 1, NULL, NULL);
    while (g_atomic_int_get (&train_nice) == -100)
      g_usleep (1000);
    g_assert_cmpint (g_atomic_int_get (&train_nice), ==, main_nice + 1 + (19 - main_nice) / 2);
    kiln_train_run_unref (run);
  }
  g_assert_cmpint (own_nice (), ==, main_nice);
}

typedef struct {
  GThread *thread;   /* where it was freed */
  guint    order;
} Freed;

static guint freed_count;   /* atomic */

static void
record_free (gpointer data)
{
  Freed *f = data;
  f->thread = g_thread_self ();
  f->order = (guint) g_atomic_int_add (&freed_count, 1);
}

/* Handed over, freed on another thread, in order; the wait returns once all are. */
static void
test_free_later (void)
{
  Freed items[50] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    kiln_threads_free_later (&items[i], record_free);
  kiln_threads_free_later (NULL, record_free);   /* nothing to free: nothing happens */
  kiln_threads_free_later_wait ();
  g_assert_cmpuint (g_atomic_int_get (&freed_count), ==, G_N_ELEMENTS (items));
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_assert_nonnull (items[i].thread);
      g_assert_true (items[i].thread != g_thread_self ());
      g_assert_cmpuint (items[i].order, ==, i);
    }
  kiln_threads_free_later_wait ();   /* nothing pending: returns at once */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/threads/background-nice", test_background_nice);
  g_test_add_func ("/threads/free-later", test_free_later);
  return g_test_run ();
}
