/* test-time-row.c: the Prepare step's "Order" row: at random, by time in file order, or by a
 * date column; alone, and on the Prepare page editing the project's split_by.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "kiln-application.h"
#include "kiln-csv.h"
#include "kiln-prepare-time-row.h"
#include "kiln-project.h"
#include "kiln-window.h"

static KilnApplication *app;
static char *tmpdir;
static char *csv_path;

static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static KilnFrame *
dated_frame (void)
{
  g_autoptr(GError) error = NULL;
  KilnFrame *frame;

  frame = kiln_csv_read (csv_path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return frame;
}

static void
test_row (void)
{
  g_autoptr(KilnFrame) frame = dated_frame ();
  AdwComboRow *row = g_object_ref_sink (kiln_prepare_time_row_new ());
  g_autofree char *random = NULL, *file = NULL, *when = NULL, *n = NULL, *gone = NULL;

  /* no data yet: at random or the file order */
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==, 2);
  kiln_prepare_time_row_sync (row, frame, NULL);
  /* at random, file order, and the one date column ("n" holds numbers, "s" categories) */
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==, 3);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);
  random = kiln_prepare_time_row_get_split_by (row);
  g_assert_null (random);
  adw_combo_row_set_selected (row, 1);
  file = kiln_prepare_time_row_get_split_by (row);
  g_assert_cmpstr (file, ==, "");
  adw_combo_row_set_selected (row, 2);
  when = kiln_prepare_time_row_get_split_by (row);
  g_assert_cmpstr (when, ==, "when");

  /* a number column chosen elsewhere (kiln-cli --split-by-time=n) is offered and kept */
  kiln_prepare_time_row_sync (row, frame, "n");
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==, 4);
  n = kiln_prepare_time_row_get_split_by (row);
  g_assert_cmpstr (n, ==, "n");
  /* a column this data does not have: the nearest, the file order */
  kiln_prepare_time_row_sync (row, frame, "gone");
  gone = kiln_prepare_time_row_get_split_by (row);
  g_assert_cmpstr (gone, ==, "");
  g_object_unref (row);
}

static gboolean
is_order_row (GtkWidget *widget)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), "Order") == 0;
}

static GtkWidget *
find_widget (GtkWidget *widget, GType type, gboolean (*match) (GtkWidget *))
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && (match == NULL || match (widget)))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, match);
      if (found)
        return found;
    }
  return NULL;
}

static void
test_page (void)
{
  KilnWindow *window = kiln_window_new (app);
  KilnProject *project = kiln_window_get_project (window);
  g_autoptr(KilnFrame) frame = dated_frame ();
  KilnPrepSettings *prep = kiln_project_get_prep (project);
  AdwComboRow *row;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  /* a project that splits by "when", then its data: the page shows it */
  g_free (prep->split_by);
  prep->split_by = g_strdup ("when");
  kiln_project_set_data (project, csv_path, NULL, frame);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-target", "s", "s");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "prepare");
  settle (200);
  row = ADW_COMBO_ROW (find_widget (GTK_WIDGET (window), ADW_TYPE_COMBO_ROW, is_order_row));
  g_assert_nonnull (row);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 2);
  g_assert_cmpstr (kiln_project_get_prep (project)->split_by, ==, "when");

  /* choosing edits the project's settings */
  adw_combo_row_set_selected (row, 0);
  g_assert_null (kiln_project_get_prep (project)->split_by);
  adw_combo_row_set_selected (row, 1);
  g_assert_cmpstr (kiln_project_get_prep (project)->split_by, ==, "");
  adw_combo_row_set_selected (row, 2);
  g_assert_cmpstr (kiln_project_get_prep (project)->split_by, ==, "when");
  settle (200);
  gtk_window_destroy (GTK_WINDOW (window));
  settle (50);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("KILN_DATA_DIR", KILN_SOURCE_DATADIR, FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  tmpdir = g_dir_make_tmp ("kiln-time-row-XXXXXX", NULL);
  csv_path = g_build_filename (tmpdir, "dated.csv", NULL);
  g_assert_true (g_file_set_contents (csv_path,
                                      "when,n,s\n2021-01-03,1,a\n2021-01-01,2,b\n,3,a\n"
                                      "2021-01-02,4,b\n2021-01-05,5,a\n2021-01-04,6,b\n", -1, NULL));
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);

  g_test_add_func ("/app/time-row/row", test_row);
  g_test_add_func ("/app/time-row/page", test_page);
  ret = g_test_run ();
  g_object_unref (app);
  g_unlink (csv_path);
  g_rmdir (tmpdir);
  g_free (csv_path);
  g_free (tmpdir);
  return ret;
}
