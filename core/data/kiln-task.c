/* kiln-task.c: GTask's run-in-thread with its hand-offs visible to ThreadSanitizer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "kiln-task.h"
#include "kiln-threads.h"
#include "kiln-tsan.h"

/* by name, not by a quark kept in a static: the name's lookup is GLib's, under its lock */
#define FUNC_KEY "kiln-task-func"

static void
run_func (GTask        *task,
          gpointer      source,
          gpointer      task_data,
          GCancellable *cancellable)
{
  GTaskThreadFunc func = (GTaskThreadFunc) g_object_get_data (G_OBJECT (task), FUNC_KEY);

  KILN_TSAN_ACQUIRE (task);
  kiln_threads_enter_background ();
  func (task, source, task_data, cancellable);
  /* GTask calls back only after this returns (unless it returns on cancel) */
  KILN_TSAN_RELEASE (task);
}

#if defined(__SANITIZE_THREAD__)
/* After the callback, before the task (and its data) can be freed on this thread: a callback
 * that returns without propagating (a stale task) still orders the free after the thread. */
static void
on_completed (GObject    *task,
              GParamSpec *pspec,
              gpointer    user_data)
{
  KILN_TSAN_ACQUIRE (task);
}
#endif

void
kiln_task_run_in_thread (GTask           *task,
                         GTaskThreadFunc  func)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  g_object_set_data (G_OBJECT (task), FUNC_KEY, (gpointer) func);
#if defined(__SANITIZE_THREAD__)
  g_signal_connect (task, "notify::completed", G_CALLBACK (on_completed), NULL);
#endif
  KILN_TSAN_RELEASE (task);
  g_task_run_in_thread (task, run_func);
}

gpointer
kiln_task_propagate_pointer (GTask   *task,
                             GError **error)
{
  KILN_TSAN_ACQUIRE (task);
  return g_task_propagate_pointer (task, error);
}

gboolean
kiln_task_propagate_boolean (GTask   *task,
                             GError **error)
{
  KILN_TSAN_ACQUIRE (task);
  return g_task_propagate_boolean (task, error);
}

gssize
kiln_task_propagate_int (GTask   *task,
                         GError **error)
{
  KILN_TSAN_ACQUIRE (task);
  return g_task_propagate_int (task, error);
}

gboolean
kiln_task_had_error (GTask *task)
{
  KILN_TSAN_ACQUIRE (task);
  return g_task_had_error (task);
}
