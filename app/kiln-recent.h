/* kiln-recent.h: the desktop's list of recently used files, read and written off the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char *path;
  char *display_name;
} KilnRecentFile;

void       kiln_recent_file_free       (KilnRecentFile *file);

/* Notes @path (opened by Kiln, of @mime_type) in the list, in a worker thread; the application
 * is held until it is written. @callback (may be NULL) follows; _finish says whether it was. */
void       kiln_recent_add             (const char         *path,
                                        const char         *mime_type,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
gboolean   kiln_recent_add_finish      (GAsyncResult       *result,
                                        GError            **error);

/* The files Kiln opened that still exist with one of @suffixes (NULL-terminated), newest first, at
 * most @max of them: a GPtrArray of KilnRecentFile from _finish. */
void       kiln_recent_list_async      (const char * const *suffixes,
                                        guint               max,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
GPtrArray *kiln_recent_list_finish     (GAsyncResult       *result,
                                        GError            **error);

/* The list's file: XDG_DATA_HOME/recently-used.xbel (where GTK keeps it). */
char      *kiln_recent_get_filename    (void);

G_END_DECLS
