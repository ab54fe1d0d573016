/* kiln-atomic-file.h: files written whole or not at all
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A stream to a temporary file beside @target, renamed over @target when the stream is closed:
 * readers see the old file or the new one, never a part. Closing with a cancelled GCancellable,
 * a failed close, a write or flush that failed before (a full disk: the file lacks bytes), or
 * dropping the stream unclosed removes the temporary file and leaves @target as it was.
 * (g_file_replace() does this only when @target exists already: a new file is written in place,
 * and a failure leaves half of it.) */
GOutputStream *kiln_atomic_file_create (GFile         *target,
                                        GCancellable  *cancellable,
                                        GError       **error);

/* Closes @stream so that @target stays as it was. */
void           kiln_atomic_file_abort  (GOutputStream *stream);

G_END_DECLS
