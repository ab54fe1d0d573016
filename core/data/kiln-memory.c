/* kiln-memory.c: allocations for column-sized arrays
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Filling a 3-million-row column touches tens of megabytes of fresh memory, and with 4 KiB
 * pages every 4 KiB costs a page fault (about 5 µs in a virtual machine: a quarter of the time
 * of reading a CSV file). Large arrays are aligned to 2 MiB and ask the kernel for transparent
 * huge pages, one fault per 2 MiB, where the system leaves that to the program (THP "madvise",
 * the default of many distributions). The memory comes from malloc: g_free() releases it.
 *
 * Growing such an array copies it into a new one rather than calling realloc(): when realloc
 * moves a mapping with mremap(), the kernel hands out small pages for the new part.
 */
#define G_LOG_DOMAIN "kiln-memory"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kiln-memory.h"

#define HUGE_PAGE  (2u << 20)
#define HUGE_MIN   (4u << 20)  /* smaller arrays are left to malloc as they are */

/* Like g_malloc(), for arrays that may be large. */
gpointer
kiln_alloc_large (gsize n_bytes)
{
  gpointer mem = NULL;

  if (n_bytes < HUGE_MIN)
    return g_malloc (n_bytes);
  if (posix_memalign (&mem, HUGE_PAGE, n_bytes) != 0)
    g_error ("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, n_bytes);
#ifdef MADV_HUGEPAGE
  /* advice only: where the kernel has no huge pages, small ones do */
  (void) madvise (mem, n_bytes, MADV_HUGEPAGE);
#endif
  return mem;
}

/* Like g_realloc() for an array of which the first kept_bytes are in use: those are kept. */
gpointer
kiln_grow_large (gpointer mem,
                 gsize    kept_bytes,
                 gsize    n_bytes)
{
  gpointer bigger;

  if (n_bytes < HUGE_MIN)
    return g_realloc (mem, n_bytes);
  bigger = kiln_alloc_large (n_bytes);
  if (mem != NULL)
    memcpy (bigger, mem, MIN (kept_bytes, n_bytes));
  g_free (mem);
  return bigger;
}
