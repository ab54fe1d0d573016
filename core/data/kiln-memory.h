/* kiln-memory.h: allocations for column-sized arrays
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gpointer kiln_alloc_large (gsize    n_bytes);
gpointer kiln_grow_large  (gpointer mem,
                           gsize    kept_bytes,
                           gsize    n_bytes);

G_END_DECLS
