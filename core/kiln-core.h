/* kiln-core.h: process-wide set-up of libkiln-core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void kiln_core_init (void);

G_END_DECLS
