/* kiln-threads.c: the per-thread serial hint (see kiln-threads.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-threads"

#include "config.h"

#include "kiln-threads.h"

static GPrivate serial_key;   /* non-NULL: the thread is serial; no destructor needed */

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
