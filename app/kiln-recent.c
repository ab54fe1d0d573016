/* kiln-recent.c: the desktop's list of recently used files, read and written off the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list is the freedesktop.org bookmark file GTK's GtkRecentManager keeps
 * (XDG_DATA_HOME/recently-used.xbel), shared by every application: on a desktop in use it holds
 * hundreds of entries. GtkRecentManager parses and rewrites it whole on the main thread (and
 * fsyncs it) a moment after each addition, a stall of tens of milliseconds or more in the middle
 * of whatever the window is showing. Here the same file is read and written with GBookmarkFile in
 * a worker thread, one operation at a time; a file that cannot be read is never written over.
 */
#define G_LOG_DOMAIN "kiln-recent"

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "kiln-recent.h"
#include "kiln-task.h"

#define APP_EXEC "kiln %u"     /* how the list says to open a file with Kiln */

static GMutex recent_lock;   /* one read or write of the file at a time */

char *
kiln_recent_get_filename (void)
{
  return g_build_filename (g_get_user_data_dir (), "recently-used.xbel", NULL);
}

void
kiln_recent_file_free (KilnRecentFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file->display_name);
  g_free (file);
}

/* Loads the list into @bookmarks; a missing file is an empty list. */
static gboolean
load (GBookmarkFile *bookmarks,
      const char    *filename,
      GError       **error)
{
  g_autoptr(GError) local = NULL;

  if (g_bookmark_file_load_from_file (bookmarks, filename, &local))
    return TRUE;
  if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* ---- Adding ----------------------------------------------------------------------------------- */

typedef struct {
  char *uri;
  char *display_name;
  char *mime_type;
  char *app_name;
} AddData;

static void
add_data_free (AddData *data)
{
  g_free (data->uri);
  g_free (data->display_name);
  g_free (data->mime_type);
  g_free (data->app_name);
  g_free (data);
}

static void
add_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  AddData *data = task_data;
  g_autofree char *filename = kiln_recent_get_filename ();
  g_autofree char *dir = g_path_get_dirname (filename);
  g_autoptr(GBookmarkFile) bookmarks = g_bookmark_file_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GError *error = NULL;
  gboolean written = FALSE;

  g_mutex_lock (&recent_lock);
  /* a file that cannot be read (someone else's, damaged) is left as it is */
  if (load (bookmarks, filename, &error))
    {
      g_bookmark_file_set_title (bookmarks, data->uri, data->display_name);
      g_bookmark_file_set_mime_type (bookmarks, data->uri, data->mime_type);
      g_bookmark_file_add_application (bookmarks, data->uri, data->app_name, APP_EXEC);
      g_bookmark_file_set_modified_date_time (bookmarks, data->uri, now);
      g_bookmark_file_set_visited_date_time (bookmarks, data->uri, now);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", dir,
                     g_strerror (errno));
      else   /* a temporary file renamed over the list */
        written = g_bookmark_file_to_file (bookmarks, filename, &error);
    }
  g_mutex_unlock (&recent_lock);
  if (written)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

typedef struct {
  GApplication       *app;
  GAsyncReadyCallback callback;
  gpointer            user_data;
} AddDone;

static void
add_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AddDone *done = user_data;

  if (done->callback != NULL)
    done->callback (source, result, done->user_data);
  else if (kiln_task_had_error (G_TASK (result)))
    {
      g_autoptr(GError) error = NULL;

      kiln_task_propagate_boolean (G_TASK (result), &error);
      g_debug ("The list of recent files was not updated: %s", error->message);
    }
  if (done->app != NULL)
    {
      g_application_release (done->app);
      g_object_unref (done->app);
    }
  g_free (done);
}

void
kiln_recent_add (const char         *path,
                 const char         *mime_type,
                 GAsyncReadyCallback callback,
                 gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = NULL;
  AddData *data;
  AddDone *done = g_new0 (AddDone, 1);

  g_return_if_fail (path != NULL);

  file = g_file_new_for_path (path);
  data = g_new0 (AddData, 1);
  data->uri = g_file_get_uri (file);
  data->display_name = g_path_get_basename (path);
  data->mime_type = g_strdup (mime_type != NULL ? mime_type : "application/octet-stream");
  data->app_name = g_strdup (g_get_application_name ());
  /* quitting waits for the file to be written (no temporary file left behind) */
  done->app = g_application_get_default ();
  if (done->app != NULL)
    {
      g_object_ref (done->app);
      g_application_hold (done->app);
    }
  done->callback = callback;
  done->user_data = user_data;
  task = g_task_new (NULL, NULL, add_done, done);
  g_task_set_source_tag (task, kiln_recent_add);
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);
  kiln_task_run_in_thread (task, add_thread);
}

gboolean
kiln_recent_add_finish (GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return kiln_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Listing ---------------------------------------------------------------------------------- */

typedef struct {
  GStrv  suffixes;
  guint  max;
  char  *app_name;
} ListData;

static void
list_data_free (ListData *data)
{
  g_strfreev (data->suffixes);
  g_free (data->app_name);
  g_free (data);
}

typedef struct {
  KilnRecentFile *file;
  gint64          modified;
} Dated;

static int
newest_first (gconstpointer a,
              gconstpointer b)
{
  const Dated *x = a, *y = b;

  return (x->modified < y->modified) - (x->modified > y->modified);
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ListData *data = task_data;
  g_autofree char *filename = kiln_recent_get_filename ();
  g_autoptr(GBookmarkFile) bookmarks = g_bookmark_file_new ();
  g_autoptr(GArray) dated = g_array_new (FALSE, FALSE, sizeof (Dated));
  g_auto(GStrv) uris = NULL;
  GPtrArray *files;
  GError *error = NULL;
  gboolean loaded;

  g_mutex_lock (&recent_lock);
  loaded = load (bookmarks, filename, &error);
  g_mutex_unlock (&recent_lock);
  if (!loaded)
    {
      g_task_return_error (task, error);
      return;
    }
  uris = g_bookmark_file_get_uris (bookmarks, NULL);
  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr(GFile) file = NULL;
      g_autofree char *path = NULL;
      GDateTime *modified;
      gboolean suffix = FALSE;
      Dated d;

      if (!g_bookmark_file_has_application (bookmarks, uris[i], data->app_name, NULL))
        continue;
      file = g_file_new_for_uri (uris[i]);
      path = g_file_get_path (file);
      if (path == NULL)
        continue;
      for (guint s = 0; data->suffixes[s] != NULL && !suffix; s++)
        suffix = g_str_has_suffix (path, data->suffixes[s]);
      if (!suffix || !g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      modified = g_bookmark_file_get_modified_date_time (bookmarks, uris[i], NULL);
      d.file = g_new0 (KilnRecentFile, 1);
      d.file->display_name = g_bookmark_file_get_title (bookmarks, uris[i], NULL);
      if (d.file->display_name == NULL)
        d.file->display_name = g_path_get_basename (path);
      d.file->path = g_steal_pointer (&path);
      d.modified = modified != NULL ? g_date_time_to_unix (modified) : 0;
      g_array_append_val (dated, d);
    }
  g_array_sort (dated, newest_first);
  files = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_recent_file_free);
  for (guint i = 0; i < dated->len; i++)
    {
      Dated *d = &g_array_index (dated, Dated, i);

      if (files->len < data->max)
        g_ptr_array_add (files, d->file);
      else
        kiln_recent_file_free (d->file);
    }
  g_task_return_pointer (task, files, (GDestroyNotify) g_ptr_array_unref);
}

void
kiln_recent_list_async (const char * const *suffixes,
                        guint               max,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ListData *data = g_new0 (ListData, 1);

  data->suffixes = g_strdupv ((char **) suffixes);
  data->max = max;
  data->app_name = g_strdup (g_get_application_name ());
  g_task_set_source_tag (task, kiln_recent_list_async);
  g_task_set_task_data (task, data, (GDestroyNotify) list_data_free);
  kiln_task_run_in_thread (task, list_thread);
}

GPtrArray *
kiln_recent_list_finish (GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return kiln_task_propagate_pointer (G_TASK (result), error);
}
