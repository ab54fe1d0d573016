/* kiln-task.h: GTask's run-in-thread with its hand-offs visible to ThreadSanitizer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * g_task_run_in_thread() hands the task to a pool thread, and its result back to the main
 * context, through GLib's own locks (kiln-tsan.h). kiln_task_run_in_thread() marks both ends:
 * what the caller wrote before it is seen by @func, and what @func wrote is seen by the callback
 * once it calls kiln_task_propagate_*() or kiln_task_had_error(). Otherwise the same as GLib's.
 * (With g_task_set_return_on_cancel(), a cancelled task's callback may run while @func still
 * does: the callback must then not read what @func writes, sanitizer or not.)
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void     kiln_task_run_in_thread     (GTask           *task,
                                      GTaskThreadFunc  func);
gpointer kiln_task_propagate_pointer (GTask           *task,
                                      GError         **error);
gboolean kiln_task_propagate_boolean (GTask           *task,
                                      GError         **error);
gssize   kiln_task_propagate_int     (GTask           *task,
                                      GError         **error);
gboolean kiln_task_had_error         (GTask           *task);

G_END_DECLS
