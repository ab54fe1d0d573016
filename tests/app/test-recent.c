/* test-recent.c: the list of recently used files, read and written off the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "kiln-recent.h"

static char *data_home;

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
  GPtrArray *files;
} Wait;

static void
added_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = kiln_recent_add_finish (result, &wait->error);
  wait->done = TRUE;
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  wait->files = kiln_recent_list_finish (result, &wait->error);
  wait->done = TRUE;
}

static gboolean
add (const char *path,
     GError    **error)
{
  Wait wait = { 0 };

  kiln_recent_add (path, "text/csv", added_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error)
    g_propagate_error (error, wait.error);
  return wait.ok;
}

static GPtrArray *
list (guint    max,
      GError **error)
{
  static const char * const suffixes[] = { ".csv", NULL };
  Wait wait = { 0 };

  kiln_recent_list_async (suffixes, max, NULL, listed_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error)
    g_propagate_error (error, wait.error);
  return wait.files;
}

static char *
make_file (const char *name)
{
  char *path = g_build_filename (data_home, name, NULL);

  g_assert_true (g_file_set_contents (path, "a,b\n1,2\n", -1, NULL));
  return path;
}

static void
test_add_and_list (void)
{
  g_autofree char *filename = kiln_recent_get_filename ();
  g_autofree char *first = make_file ("first.csv");
  g_autofree char *second = make_file ("second.csv");
  g_autofree char *gone = make_file ("gone.csv");
  g_autofree char *other_uri = g_filename_to_uri (first, NULL, NULL);
  g_autoptr(GBookmarkFile) before = g_bookmark_file_new ();
  g_autoptr(GBookmarkFile) after = g_bookmark_file_new ();
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  /* another application's entry is in the list already */
  g_bookmark_file_add_application (before, "file:///elsewhere/notes.txt", "Notes", "notes %u");
  g_bookmark_file_set_mime_type (before, "file:///elsewhere/notes.txt", "text/plain");
  g_assert_true (g_bookmark_file_to_file (before, filename, &error));

  g_assert_true (add (first, &error));
  g_assert_no_error (error);
  g_usleep (1100000);   /* the list's times are in seconds */
  g_assert_true (add (gone, &error));
  g_assert_true (add (second, &error));
  g_assert_cmpint (g_unlink (gone), ==, 0);

  /* Kiln's files that still exist, newest first */
  files = list (5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, ==, 2);
  g_assert_cmpstr (((KilnRecentFile *) files->pdata[0])->path, ==, second);
  g_assert_cmpstr (((KilnRecentFile *) files->pdata[0])->display_name, ==, "second.csv");
  g_assert_cmpstr (((KilnRecentFile *) files->pdata[1])->path, ==, first);
  g_clear_pointer (&files, g_ptr_array_unref);
  files = list (1, &error);
  g_assert_cmpuint (files->len, ==, 1);

  /* the other application's entry is kept, and Kiln's is in GTK's format */
  g_assert_true (g_bookmark_file_load_from_file (after, filename, &error));
  g_assert_true (g_bookmark_file_has_application (after, "file:///elsewhere/notes.txt", "Notes", NULL));
  g_assert_true (g_bookmark_file_has_application (after, other_uri, g_get_application_name (), NULL));
  {
    g_autofree char *mime = g_bookmark_file_get_mime_type (after, other_uri, &error);
    g_assert_cmpstr (mime, ==, "text/csv");
  }

  /* no temporary file left next to the list */
  dir = g_dir_open (data_home, 0, &error);
  g_assert_no_error (error);
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (entry, "recently-used.xbel."));
}

static void
test_damaged_list_kept (void)
{
  g_autofree char *filename = kiln_recent_get_filename ();
  g_autofree char *csv = make_file ("third.csv");
  static const char damaged[] = "<?xml version=\"1.0\"?><xbel version=\"1.0\"><bookmark href=";
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = NULL;
  gsize length = 0;

  g_assert_true (g_file_set_contents (filename, damaged, -1, NULL));
  g_assert_false (add (csv, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* a list Kiln cannot read is never written over */
  g_assert_true (g_file_get_contents (filename, &contents, &length, NULL));
  g_assert_cmpstr (contents, ==, damaged);
  files = list (5, &error);
  g_assert_null (files);
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  data_home = g_dir_make_tmp ("kiln-recent-XXXXXX", &error);
  g_assert_no_error (error);
  /* before GLib first reads it */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_set_application_name ("Kiln");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recent/add-and-list", test_add_and_list);
  g_test_add_func ("/recent/damaged-list-kept", test_damaged_list_kept);
  status = g_test_run ();
  {
    g_autoptr(GDir) dir = g_dir_open (data_home, 0, NULL);
    const char *entry;

    while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (data_home, entry, NULL);
        g_unlink (path);
      }
    g_rmdir (data_home);
  }
  g_free (data_home);
  return status;
}
