/* kiln-tsan.h: telling ThreadSanitizer about hand-offs it cannot see.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib's mutexes, condition variables, thread pools and main-context queues run inside the
 * uninstrumented libglib, on futexes: ThreadSanitizer sees none of their hand-offs, and reports
 * every write before a hand-off and read after it as a race. Code that hands data over through
 * them says so: KILN_TSAN_RELEASE (p) after the last write on one side, KILN_TSAN_ACQUIRE (p)
 * before the first read on the other, with the same address p. Outside -fsanitize=thread they
 * are nothing. GTask's threads: kiln-task.h.
 */
#pragma once

#if defined(__SANITIZE_THREAD__)
# include <sanitizer/tsan_interface.h>
# define KILN_TSAN_RELEASE(p) __tsan_release ((void *) (p))
# define KILN_TSAN_ACQUIRE(p) __tsan_acquire ((void *) (p))
#else
# define KILN_TSAN_RELEASE(p) ((void) (p))
# define KILN_TSAN_ACQUIRE(p) ((void) (p))
#endif
