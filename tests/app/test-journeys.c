/* test-journeys.c: DESIGN.md's journeys, walked through the real widgets under Xvfb.
 *
 * Every step is a pointer click or a key press that reaches GTK through the X server (see
 * kiln-ui-driver.h): the combo rows' popovers, the switches, the spin buttons, the confusion
 * matrix's cells, the file chooser and the close dialog are the ones a person touches. Each test
 * also stands for a bug that once broke a journey (named at the test).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>

#include "kiln-application.h"
#include "kiln-window.h"
#include "kiln-confusion-matrix.h"
#include "kiln-data-table.h"
#include "kiln-column-inspector.h"
#include "kiln-loss-plot.h"
#include "kiln-ui-driver.h"

static KilnApplication *app;
static char *tmpdir;

#define SKIP_WITHOUT_X() \
  G_STMT_START { if (!kiln_ui_available ()) { g_test_skip ("needs an X display and xdotool"); return; } } G_STMT_END

static KilnWindow *
new_window (int width, int height)
{
  KilnWindow *window = kiln_window_new (app);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  kiln_ui_settle (300);
  kiln_ui_focus_window (GTK_WIDGET (window));
  return window;
}

static gboolean
has_frame (gpointer data)
{
  return kiln_project_get_frame (kiln_window_get_project (data)) != NULL && !kiln_window_is_loading (data);
}

static gboolean
has_result (gpointer data)
{
  return kiln_project_get_result (kiln_window_get_project (data)) != NULL;
}

static gboolean
on_evaluate (gpointer data)
{
  return g_strcmp0 (kiln_window_get_page (data), "evaluate") == 0;
}

/* Clicks the step's tab in the header. */
static void
goto_step (KilnWindow *window, const char *title, const char *page)
{
  GtkWidget *switcher = kiln_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_TITLE, NULL);
  GtkWidget *bar = kiln_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_BAR, NULL);
  GtkWidget *label = switcher ? kiln_ui_find (switcher, GTK_TYPE_LABEL, title) : NULL;

  if (label == NULL && bar)
    label = kiln_ui_find (bar, GTK_TYPE_LABEL, title);
  g_assert_nonnull (label);
  kiln_ui_click (label);
  g_assert_cmpstr (kiln_window_get_page (window), ==, page);
}

static GtkWidget *
page_widget (KilnWindow *window, const char *name)
{
  GtkWidget *stack = kiln_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL);
  return adw_view_stack_get_child_by_name (ADW_VIEW_STACK (stack), name);
}

static void
open_example (KilnWindow *window, const char *title)
{
  GtkWidget *row = kiln_ui_row (GTK_WIDGET (window), title);

  g_assert_nonnull (row);
  kiln_ui_click (row);
  g_assert_true (kiln_ui_wait (has_frame, window, 30000));
  kiln_ui_settle (200);
}

static void
click_button (GtkWidget *root, const char *label)
{
  GtkWidget *button = kiln_ui_find (root, GTK_TYPE_BUTTON, label);

  g_assert_nonnull (button);
  kiln_ui_click (button);
}

static void
train_and_wait (KilnWindow *window)
{
  goto_step (window, "Train", "train");
  click_button (page_widget (window, "train"), "Train");
  g_assert_true (kiln_ui_wait (has_result, window, 180000));
  g_assert_true (kiln_ui_wait (on_evaluate, window, 10000));
  kiln_ui_settle (200);
}

/* The window never asks for more than its 600-pixel minimum height, whatever it shows. */
static void
assert_window_fits (KilnWindow *window)
{
  int min_h = 0, min_w = 0;

  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_VERTICAL, -1, &min_h, NULL, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
  g_assert_cmpint (min_h, <=, 600 + 60);   /* the 600 asked for, plus the shadow CSD draws around */
  g_assert_cmpint (min_w, <=, 900 + 60);
}

static void
close_without_asking (KilnWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  kiln_ui_settle (100);
}

/* Journey 1, a student: iris from the welcome page, a forest on an 80:20 split, the confusion
 * matrix, and the rows behind an off-diagonal cell. Also: choosing another target through the
 * combo row's popover (it froze Kiln for good: the list it showed was rebuilt under the click). */
static void
test_journey_student (void)
{
  KilnWindow *window;
  KilnProject *project;
  GtkWidget *prepare, *train, *evaluate, *cm;
  KilnConfusionMatrix *matrix;
  guint n, actual = 0, predicted = 0;
  gboolean found = FALSE;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  open_example (window, "Iris flowers");
  g_assert_cmpuint (kiln_frame_get_n_rows (kiln_project_get_frame (project)), ==, 150);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-student-data.png");

  goto_step (window, "Prepare", "prepare");
  prepare = page_widget (window, "prepare");
  g_assert_cmpstr (kiln_project_get_target (project), ==, "species");
  /* another target, then back: the page follows, nothing spins */
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (prepare, "Target column")), "petal_width");
  kiln_ui_settle (300);
  g_assert_cmpstr (kiln_project_get_target (project), ==, "petal_width");
  g_assert_cmpint (kiln_project_get_task (project), ==, KILN_TASK_REGRESSION);
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (prepare, "Target column")), "species");
  kiln_ui_settle (300);
  g_assert_cmpstr (kiln_project_get_target (project), ==, "species");
  g_assert_cmpint (kiln_project_get_task (project), ==, KILN_TASK_CLASSIFICATION);
  g_assert_cmpstr (adw_combo_row_get_selected_item (ADW_COMBO_ROW (kiln_ui_row (prepare, "Task")))
                   ? gtk_string_object_get_string (adw_combo_row_get_selected_item (ADW_COMBO_ROW (kiln_ui_row (prepare, "Task"))))
                   : NULL, ==, "Classification");

  /* 80:20: validation down to 0 gives its rows back to training; the parts add up */
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_find (kiln_ui_row (prepare, "Train : validation : test"),
                                                   GTK_TYPE_SPIN_BUTTON, "Validation rows, %")), 0);
  g_assert_cmpfloat_with_epsilon (kiln_project_get_prep (project)->train, 0.8, 1e-9);
  g_assert_cmpfloat_with_epsilon (kiln_project_get_prep (project)->validation, 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (kiln_project_get_prep (project)->test, 0.2, 1e-9);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-student-prepare.png");

  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (train, "Family")), "Random forest");
  g_assert_cmpstr (kiln_project_get_model_name (project), ==, "forest");
  train_and_wait (window);
  assert_window_fits (window);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-student-evaluate.png");

  evaluate = page_widget (window, "evaluate");
  cm = kiln_ui_find (evaluate, KILN_TYPE_CONFUSION_MATRIX, NULL);
  g_assert_nonnull (cm);
  matrix = KILN_CONFUSION_MATRIX (cm);
  g_assert_cmpuint (kiln_confusion_matrix_get_n_classes (matrix), ==, 3);
  g_assert_cmpfloat (kiln_evaluation_get_metrics (kiln_project_get_result (project)->evaluation)->accuracy, >=, 0.9);
  for (guint a = 0; a < 3 && !found; a++)
    for (guint p = 0; p < 3 && !found; p++)
      if (a != p && kiln_confusion_matrix_get_count (matrix, a, p) > 0)
        actual = a, predicted = p, found = TRUE;
  if (!found)
    actual = 0, predicted = 0;
  n = kiln_confusion_matrix_get_count (matrix, actual, predicted);
  {
    graphene_rect_t area, after;
    g_autofree char *want = NULL;
    GtkWidget *label;
    guint n_classes = 0;
    const char * const *classes = kiln_evaluation_get_classes (kiln_project_get_result (project)->evaluation, &n_classes);

    g_assert_true (kiln_confusion_matrix_get_cell_area (matrix, actual, predicted, &area));
    kiln_ui_click_at (cm, area.origin.x + area.size.width / 2, area.origin.y + area.size.height / 2);
    want = g_strdup_printf (n == 1 ? "%u row: actual %s, predicted %s" : "%u rows: actual %s, predicted %s",
                            n, classes[actual], classes[predicted]);
    label = kiln_ui_find (evaluate, GTK_TYPE_LABEL, want);
    g_assert_nonnull (label);
    /* the matrix stays where it was: the next click lands on the cell aimed at */
    g_assert_true (kiln_confusion_matrix_get_cell_area (matrix, actual, predicted, &after));
    {
      graphene_point_t p0, p1;
      g_assert_true (gtk_widget_compute_point (cm, GTK_WIDGET (window), &area.origin, &p0));
      kiln_ui_settle (100);
      g_assert_true (gtk_widget_compute_point (cm, GTK_WIDGET (window), &after.origin, &p1));
      g_assert_cmpfloat (fabs (p0.x - p1.x), <, 1);
    }
    kiln_ui_screenshot (GTK_WIDGET (window), "journey-student-cell.png");
  }
  close_without_asking (window);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("KILN_DATA_DIR", KILN_SOURCE_DATADIR, FALSE);
  g_setenv ("GTK_USE_PORTAL", "0", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  tmpdir = g_dir_make_tmp ("kiln-journeys-XXXXXX", NULL);

  g_test_add_func ("/journeys/student", test_journey_student);
  ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
