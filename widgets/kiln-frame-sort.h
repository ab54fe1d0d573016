/* kiln-frame-sort.h: a stable argsort of a frame's rows by one column (core-style C, no GTK).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It lives in widgets/ because the data table is its only user so far; it uses only GLib and
 * KilnFrame, so it can move to core/data unchanged.
 */
#pragma once

#include <gio/gio.h>

#include "kiln-frame.h"

G_BEGIN_DECLS

/* The frame rows @rows (all rows 0..n-1 of @frame when NULL) ordered by column @column:
 * numbers, date-times and booleans by value, categories and text by their strings in the
 * user's collation. The sort is stable (equal values keep their order in @rows), missing cells
 * come last in both directions. Runs in O(n) (LSD radix sort on 16-bit digits), so 3 million
 * rows take a few tens of milliseconds. Returns a g_malloc'd array of @n_rows frame rows, or
 * NULL with G_IO_ERROR_CANCELLED when @cancellable fires. Safe to call from any thread. */
guint32  *kiln_frame_argsort (KilnFrame     *frame,
                              guint          column,
                              const guint32 *rows,
                              guint          n_rows,
                              gboolean       ascending,
                              GCancellable  *cancellable,
                              GError       **error);

G_END_DECLS
