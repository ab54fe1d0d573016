/* test-project-faults.c: a disk that fills while a project is saved (issue 15, "Faults").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The save must fail with a clear message, the project file keep its old bytes and no temporary
 * file stay beside it. In a subprocess: RLIMIT_FSIZE (below the project's size, SIGXFSZ ignored)
 * is per process.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>

#include "kiln-project.h"

static void
test_save_full (void)
{
  static const char old[] = "{\"kiln_project\": 1}\n";
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(GFile) file = g_file_new_for_path (g_getenv ("KILN_PROJECT_TARGET"));
      g_autoptr(KilnProject) project = kiln_project_new ();
      g_autoptr(GError) error = NULL;
      struct rlimit limit = { 64, 64 };

      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      g_assert_false (kiln_project_save (project, file, &error));
      g_assert_nonnull (error);
      g_printerr ("%s\n", error->message);
      return;
    }
  dir = g_dir_make_tmp ("kiln-project-full-XXXXXX", NULL);
  path = g_build_filename (dir, "work.kilnproj", NULL);
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_setenv ("KILN_PROJECT_TARGET", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* the message says what happened (the system's words for a full disk or too large a file) */
  g_test_trap_assert_stderr ("*large*");
  {
    g_autofree char *now = NULL;
    g_autoptr(GDir) d = NULL;
    const char *name;

    g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, old);
    d = g_dir_open (dir, 0, NULL);
    while ((name = g_dir_read_name (d)) != NULL)
      g_assert_cmpstr (name, ==, "work.kilnproj");
  }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/project-faults/save-disk-full", test_save_full);
  return g_test_run ();
}
