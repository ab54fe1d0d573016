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
#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-bundle.h"
#include "kiln-pipeline.h"

#include "kiln-application.h"
#include "kiln-window.h"
#include "kiln-confusion-matrix.h"
#include "kiln-data-cell.h"
#include "kiln-data-table.h"
#include "kiln-column-inspector.h"
#include "kiln-loss-plot.h"
#include "kiln-compare-panel.h"
#include "kiln-ui-driver.h"
#include "kiln-why-panel.h"
#include "kiln-runs-group.h"
#include "kiln-plot.h"

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

static GtkWidget *
step_tab (KilnWindow *window, const char *title)
{
  GtkWidget *switcher = kiln_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_TITLE, NULL);
  GtkWidget *bar = kiln_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_BAR, NULL);
  GtkWidget *label = switcher ? kiln_ui_find (switcher, GTK_TYPE_LABEL, title) : NULL;

  if (label == NULL && bar)
    label = kiln_ui_find (bar, GTK_TYPE_LABEL, title);
  return label;
}

typedef struct { KilnWindow *window; const char *title; } TabWait;

static gboolean
tab_showing (gpointer data)
{
  TabWait *t = data;
  GtkWidget *tab = step_tab (t->window, t->title);
  return tab != NULL && kiln_ui_is_hittable (tab);
}

typedef struct { KilnWindow *window; const char *page; } PageWait;

static gboolean
page_is (gpointer data)
{
  PageWait *w = data;
  return g_strcmp0 (kiln_window_get_page (w->window), w->page) == 0;
}

/* Clicks the step's tab in the header (or in the bottom bar when the window is narrow). */
static void
goto_step (KilnWindow *window, const char *title, const char *page)
{
  TabWait t = { window, title };

  /* the header shows the tabs once it has been laid out with the steps in it */
  g_assert_true (kiln_ui_wait (tab_showing, &t, 5000));
  kiln_ui_click (step_tab (window, title));
  /* the switch happens when GTK handles the click: later under load */
  {
    PageWait w = { window, page };
    if (!kiln_ui_wait (page_is, &w, 10000))
      g_assert_cmpstr (kiln_window_get_page (window), ==, page);
  }
}

static GtkWidget *
find_hidden (GtkWidget *w, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_hidden (c, type);
      if (found)
        return found;
    }
  return NULL;
}

/* A step's page (shown or not). */
static GtkWidget *
page_widget (KilnWindow *window, const char *name)
{
  GtkWidget *stack = find_hidden (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK);
  return adw_view_stack_get_child_by_name (ADW_VIEW_STACK (stack), name);
}

/* What the page shows fits the window's width: at most a vertical scroll (a box of equal halves
 * once made Evaluate wider than a 1024-pixel window, its last metric card off screen). */
static void
assert_fits_width (GtkWidget *page)
{
  GtkWidget *scroller = kiln_ui_find (page, GTK_TYPE_SCROLLED_WINDOW, NULL);
  GtkAdjustment *h;

  g_assert_nonnull (scroller);
  h = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_cmpfloat (gtk_adjustment_get_upper (h) - gtk_adjustment_get_page_size (h), <=, 1);
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
static gboolean
why_explained (gpointer evaluate)
{
  GtkWidget *why = kiln_ui_find (evaluate, KILN_TYPE_WHY_PANEL, NULL);
  GtkWidget *plot = why ? kiln_ui_find (why, KILN_TYPE_PLOT, NULL) : NULL;

  return why && !kiln_why_panel_is_busy (KILN_WHY_PANEL (why)) && plot != NULL &&
         kiln_plot_get_kind (KILN_PLOT (plot)) == KILN_PLOT_KIND_WATERFALL && kiln_ui_is_showing (plot);
}

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
  g_assert_cmpfloat_with_epsilon (kiln_project_get_prep (project)->split.train, 0.8, 1e-9);
  g_assert_cmpfloat_with_epsilon (kiln_project_get_prep (project)->split.validation, 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (kiln_project_get_prep (project)->split.test, 0.2, 1e-9);
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

    /* "Why this prediction?": a click on one of those rows explains it on the Why? page */
    {
      GtkWidget *table = kiln_ui_find (evaluate, KILN_TYPE_DATA_TABLE, NULL);
      GtkWidget *why, *cell, *plot, *title;
      g_autofree char *predicted_text = g_strdup_printf (": predicted %s", classes[predicted]);

      g_assert_nonnull (table);
      g_assert_null (kiln_ui_find (evaluate, KILN_TYPE_WHY_PANEL, NULL));
      cell = kiln_ui_find (table, KILN_TYPE_DATA_CELL, classes[actual]);
      g_assert_nonnull (cell);
      kiln_ui_click (cell);
      g_assert_true (kiln_ui_wait (why_explained, evaluate, 60000));
      why = kiln_ui_find (evaluate, KILN_TYPE_WHY_PANEL, NULL);
      plot = kiln_ui_find (why, KILN_TYPE_PLOT, NULL);
      g_assert_true (kiln_ui_is_showing (plot));
      title = gtk_widget_get_first_child (why);
      g_assert_true (GTK_IS_LABEL (title));
      g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (title)), "Row "));
      g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (title)), predicted_text));
      kiln_ui_screenshot (GTK_WIDGET (window), "journey-student-why.png");
    }
  }
  close_without_asking (window);
}


static gboolean
plot_showing (gpointer train)
{
  return kiln_ui_find (train, KILN_TYPE_LOSS_PLOT, NULL) != NULL;
}

static gboolean
has_epochs (gpointer data)
{
  KilnLossPlot *plot = data;
  return kiln_loss_plot_get_n_points (plot) >= 5;
}

/* Journey 3, watching a network learn: digits, an MLP with two hidden layers typed in, the live
 * loss plot, Cancel keeps the best epoch. The target is guessed as a class (its ten whole-number
 * values; it was guessed as a regression). */
static void
test_journey_network (void)
{
  KilnWindow *window;
  KilnProject *project;
  GtkWidget *train, *entry, *plot;
  const KilnPipelineResult *result;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  open_example (window, "Handwritten digits");
  g_assert_cmpstr (kiln_project_get_target (project), ==, "digit");
  g_assert_cmpint (kiln_project_get_task (project), ==, KILN_TASK_CLASSIFICATION);
  /* a validation part by default, for early stopping and the validation curve */
  g_assert_cmpfloat (kiln_project_get_prep (project)->split.validation, >, 0);

  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (train, "Family")), "Neural network (MLP)");
  entry = kiln_ui_row_widget (train, "Hidden layers", GTK_TYPE_TEXT);
  g_assert_nonnull (entry);
  kiln_ui_click (entry);
  kiln_ui_keys ("ctrl+a");
  kiln_ui_type ("256,128");
  g_assert_cmpuint (kiln_project_get_model_options (project)->hidden[0], ==, 256);
  g_assert_cmpuint (kiln_project_get_model_options (project)->hidden[1], ==, 128);
  g_assert_cmpuint (kiln_project_get_model_options (project)->hidden[2], ==, 0);
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_row_widget (train, "Epochs", GTK_TYPE_SPIN_BUTTON)), 3000);
  /* no early stop: the person watching stops it */
  kiln_ui_click (kiln_ui_row (train, "Advanced"));
  kiln_ui_settle (300);
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_row_widget (train, "Patience", GTK_TYPE_SPIN_BUTTON)), 1000);
  g_assert_cmpuint (kiln_project_get_model_options (project)->patience, ==, 1000);

  kiln_ui_screenshot (GTK_WIDGET (window), "journey-network-options.png");
  click_button (train, "Train");
  if (!kiln_ui_wait (plot_showing, train, 30000))
    kiln_ui_screenshot (GTK_WIDGET (window), "journey-network-failed.png");
  g_assert_nonnull (kiln_ui_find (train, KILN_TYPE_LOSS_PLOT, NULL));
  plot = kiln_ui_find (train, KILN_TYPE_LOSS_PLOT, NULL);
  g_assert_true (kiln_ui_wait (has_epochs, plot, 60000));
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-network-training.png");
  assert_window_fits (window);
  click_button (train, "Cancel");
  g_assert_true (kiln_ui_wait (has_result, window, 60000));
  result = kiln_project_get_result (project);
  g_assert_true (kiln_project_get_current_run (project)->cancelled);
  g_assert_cmpfloat (kiln_evaluation_get_metrics (result->evaluation)->accuracy, >, 0.5);
  kiln_ui_settle (300);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-network-cancelled.png");
  close_without_asking (window);
}

static guint
saved_rounds (KilnModel *model)
{
  g_autoptr(JsonNode) node = kiln_model_to_json (model);
  JsonObject *params = json_object_get_object_member (json_node_get_object (node), "params");

  return (guint) json_object_get_int_member (params, "n_rounds");
}

/* Boosting from the window: gradient-boosted trees chosen in the family list, its main options
 * on the page and the advanced ones in the expander (all from the registry's descriptions), every
 * round an epoch of the live plot with its training and validation loss, and Cancel keeps the
 * best round. Digits: ten trees a round, 100000 rounds asked for (minutes), so the person watching
 * stops it. */
static void
test_journey_boosting (void)
{
  KilnWindow *window;
  KilnProject *project;
  GtkWidget *train, *plot, *advanced;
  const KilnPipelineResult *result;
  KilnModelOptions *mo;
  double lo, hi;
  guint kept, best;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  open_example (window, "Handwritten digits");
  g_assert_cmpfloat (kiln_project_get_prep (project)->split.validation, >, 0);

  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (train, "Family")), "Gradient-boosted trees");
  g_assert_cmpstr (kiln_project_get_model_name (project), ==, "gbt");
  mo = kiln_project_get_model_options (project);
  /* the main options on the page, the others behind "Advanced" */
  g_assert_true (kiln_ui_is_showing (kiln_ui_row (train, "Boosting rounds")));
  g_assert_true (kiln_ui_is_showing (kiln_ui_row (train, "Learning rate")));
  g_assert_true (kiln_ui_is_showing (kiln_ui_row (train, "Leaves per tree")));
  g_assert_null (kiln_ui_row (train, "Early stopping"));
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_row_widget (train, "Boosting rounds", GTK_TYPE_SPIN_BUTTON)), 100000);
  g_assert_cmpuint (mo->gbt.rounds, ==, 100000);
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_row_widget (train, "Learning rate", GTK_TYPE_SPIN_BUTTON)), 0.05);
  g_assert_cmpfloat_with_epsilon (mo->gbt.learning_rate, 0.05, 1e-9);
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_row_widget (train, "Leaves per tree", GTK_TYPE_SPIN_BUTTON)), 15);
  g_assert_cmpuint (mo->gbt.max_leaves, ==, 15);
  advanced = kiln_ui_row (train, "Advanced");
  g_assert_nonnull (advanced);
  kiln_ui_click (advanced);
  kiln_ui_settle (300);
  g_assert_true (kiln_ui_is_showing (kiln_ui_row (train, "Maximum depth")));
  g_assert_true (kiln_ui_is_showing (kiln_ui_row (train, "Bins per feature")));
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_row_widget (train, "Minimum weight per leaf", GTK_TYPE_SPIN_BUTTON)), 0.5);
  g_assert_cmpfloat_with_epsilon (mo->gbt.min_hessian, 0.5, 1e-9);
  /* no early stop: the person watching stops it */
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_row_widget (train, "Early stopping", GTK_TYPE_SPIN_BUTTON)), 0);
  g_assert_cmpuint (mo->gbt.early_stopping, ==, 0);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-boosting-options.png");

  click_button (train, "Train");
  if (!kiln_ui_wait (plot_showing, train, 30000))
    kiln_ui_screenshot (GTK_WIDGET (window), "journey-boosting-failed.png");
  plot = kiln_ui_find (train, KILN_TYPE_LOSS_PLOT, NULL);
  g_assert_nonnull (plot);
  g_assert_true (kiln_ui_wait (has_epochs, plot, 60000));
  kiln_ui_settle (200);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-boosting-training.png");
  /* rounds on the x axis, the validation curve drawn: a best round is marked */
  g_assert_true (kiln_loss_plot_get_x_range (KILN_LOSS_PLOT (plot), &lo, &hi));
  g_assert_cmpfloat (hi, >=, 5);
  g_assert_cmpuint (kiln_loss_plot_get_best_epoch (KILN_LOSS_PLOT (plot)), >=, 1);
  click_button (train, "Cancel");
  g_assert_true (kiln_ui_wait (has_result, window, 60000));
  result = kiln_project_get_result (project);
  g_assert_true (kiln_project_get_current_run (project)->cancelled);
  g_assert_cmpstr (kiln_model_get_name (result->model), ==, "gbt");
  /* the kept model is the best round's, not the last one's */
  kept = saved_rounds (result->model);
  best = kiln_loss_plot_get_best_epoch (KILN_LOSS_PLOT (plot));
  g_test_message ("boosting: %u rounds shown, the best %u, the model keeps %u",
                  kiln_loss_plot_get_n_points (KILN_LOSS_PLOT (plot)), best, kept);
  g_assert_cmpuint (kept, ==, best);
  g_assert_cmpuint (kept, <, 100000);
  g_assert_cmpfloat (kiln_evaluation_get_metrics (result->evaluation)->accuracy, >, 0.8);
  kiln_ui_settle (300);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-boosting-cancelled.png");
  close_without_asking (window);
}

static gboolean
window_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
dialog_showing (gpointer data)
{
  return kiln_ui_find_anywhere (ADW_TYPE_MESSAGE_DIALOG, NULL) != NULL;
}

static gboolean
run_restored (gpointer data)
{
  KilnProject *project = kiln_window_get_project (data);
  return kiln_project_get_current_run (project) != NULL && kiln_project_get_result (project) != NULL;
}

/* Journey 5, sharing: a column's type changed (the project's own file name was freed and the
 * wrong type applied; saving then crashed), the project saved from the quit dialog, then reopened
 * to the same model, scores and types. Ctrl+Q with unsaved work asks (it quit at once). */
static void
test_journey_share (void)
{
  KilnWindow *window;
  gpointer alive;
  KilnProject *project;
  GtkWidget *data, *cell, *dropdown, *dialog;
  g_autofree char *path = g_build_filename (tmpdir, "penguins.kilnproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  double accuracy;
  int col;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  open_example (window, "Palmer penguins");
  g_assert_cmpstr (kiln_project_get_target (project), ==, "species");

  /* a type: flipper length as a category, through the inspector's drop-down */
  goto_step (window, "Data", "data");
  data = page_widget (window, "data");
  cell = kiln_ui_find (data, KILN_TYPE_DATA_CELL, "181");
  g_assert_nonnull (cell);
  kiln_ui_click (cell);
  dropdown = kiln_ui_find (kiln_ui_find (data, KILN_TYPE_COLUMN_INSPECTOR, NULL), GTK_TYPE_DROP_DOWN, NULL);
  kiln_ui_choose_dropdown (GTK_DROP_DOWN (dropdown), "Category");
  kiln_ui_settle (300);
  col = kiln_frame_find_column (kiln_project_get_frame (project), "flipper_length_mm");
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (kiln_project_get_frame (project), (guint) col)),
                   ==, KILN_COLUMN_CATEGORICAL);
  /* only that column changed */
  col = kiln_frame_find_column (kiln_project_get_frame (project), "bill_depth_mm");
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (kiln_project_get_frame (project), (guint) col)),
                   ==, KILN_COLUMN_NUMERIC);
  g_assert_cmpstr (kiln_project_get_source (project), !=, NULL);
  g_assert_true (g_str_has_suffix (kiln_project_get_source (project), "penguins.csv"));

  train_and_wait (window);
  accuracy = kiln_evaluation_get_metrics (kiln_project_get_result (project)->evaluation)->accuracy;

  /* Ctrl+Q asks; Cancel keeps everything */
  alive = window;
  g_object_add_weak_pointer (G_OBJECT (window), &alive);
  kiln_ui_focus_window (GTK_WIDGET (window));
  kiln_ui_keys ("ctrl+q");
  g_assert_true (kiln_ui_wait (dialog_showing, NULL, 5000));
  dialog = kiln_ui_find_anywhere (ADW_TYPE_MESSAGE_DIALOG, NULL);
  kiln_ui_screenshot (GTK_WIDGET (dialog), "journey-share-quit-dialog.png");
  click_button (dialog, "Cancel");
  kiln_ui_settle (300);
  g_assert_nonnull (alive);
  g_assert_true (kiln_project_get_modified (project));

  /* Ctrl+Q, Save: the file chooser, then the window closes */
  kiln_ui_focus_window (GTK_WIDGET (window));
  kiln_ui_keys ("ctrl+q");
  g_assert_true (kiln_ui_wait (dialog_showing, NULL, 5000));
  click_button (kiln_ui_find_anywhere (ADW_TYPE_MESSAGE_DIALOG, NULL), "Save");
  kiln_ui_answer_file_chooser (path);
  g_assert_true (kiln_ui_wait (window_gone, &alive, 10000));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* reopened: the same run, scores and types, nothing to save */
  window = new_window (1280, 800);
  kiln_window_open (window, file);
  g_assert_true (kiln_ui_wait (has_frame, window, 30000));
  g_assert_true (kiln_ui_wait (run_restored, window, 60000));
  project = kiln_window_get_project (window);
  g_assert_cmpuint (kiln_project_get_runs (project)->len, ==, 1);
  g_assert_cmpfloat (kiln_evaluation_get_metrics (kiln_project_get_result (project)->evaluation)->accuracy, ==, accuracy);
  col = kiln_frame_find_column (kiln_project_get_frame (project), "flipper_length_mm");
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (kiln_project_get_frame (project), (guint) col)),
                   ==, KILN_COLUMN_CATEGORICAL);
  goto_step (window, "Evaluate", "evaluate");
  g_assert_nonnull (kiln_ui_find (page_widget (window, "evaluate"), KILN_TYPE_CONFUSION_MATRIX, NULL));
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-share-reopened.png");
  g_assert_false (kiln_project_get_modified (project));

  /* nothing changed: Ctrl+Q closes without a question */
  alive = window;
  g_object_add_weak_pointer (G_OBJECT (window), &alive);
  kiln_ui_focus_window (GTK_WIDGET (window));
  kiln_ui_keys ("ctrl+q");
  g_assert_true (kiln_ui_wait (window_gone, &alive, 5000));
  g_unlink (path);
}

/* A Korean Excel export: CP949, ';' between fields, decimal commas, Korean headers, and twelve
 * rows entered twice; made from wa_churn's first 400 customers. NULL when wa_churn is missing. */
static char *
make_korean_export (void)
{
  static const char *names[] = {
    "이탈", "여성", "고령자", "배우자", "부양가족", "가입기간", "전화서비스", "다회선", "인터넷서비스",
    "온라인보안", "온라인백업", "기기보호", "기술지원", "TV스트리밍", "영화스트리밍", "계약", "전자청구",
    "결제방법", "월요금", "총요금",
  };
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");
  g_autofree char *src = dir ? g_build_filename (dir, "wa_churn.csv", NULL) : NULL;
  g_autofree char *text = NULL, *cp949 = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  char *path;
  gsize len;

  if (src == NULL || !g_file_get_contents (src, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", 402);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_string_append_printf (out, "%s%s", i ? ";" : "", names[i]);
  g_string_append (out, "\r\n");
  for (guint r = 1; r <= 400 + 12 && lines[1]; r++)
    {
      const char *line = lines[r <= 400 ? r : r - 400];
      g_auto(GStrv) fields = g_strsplit (g_strchomp ((char *) line), ",", -1);
      for (guint f = 0; fields[f]; f++)
        {
          /* decimal commas, as a Korean Excel writes them */
          for (char *c = fields[f]; *c && fields[f][0] != '"'; c++)
            if (*c == '.')
              *c = ',';
          g_string_append_printf (out, "%s%s", f ? ";" : "", fields[f]);
        }
      g_string_append (out, "\r\n");
    }
  cp949 = g_convert (out->str, (gssize) out->len, "CP949", "UTF-8", NULL, &len, &error);
  g_assert_no_error (error);
  path = g_build_filename (tmpdir, "churn-ko-cp949.csv", NULL);
  g_assert_true (g_file_set_contents (path, cp949, (gssize) len, NULL));
  return path;
}

/* Journey 2, a Korean analyst: a CP949 export with ';' and decimal commas opened through the file
 * chooser reads right without an option touched; duplicates and IQR outliers removed (the rule
 * leaves the 0/1 columns alone: it dropped every senior citizen); the target chosen from the
 * Korean names (it is not the guess); a logistic regression; precision and recall per class; the
 * bundle saved. */
static void
test_journey_korean (void)
{
  KilnWindow *window;
  KilnProject *project;
  KilnFrame *frame;
  GtkWidget *prepare, *train, *evaluate, *export_page, *row;
  g_autofree char *path = NULL;
  g_autofree char *bundle_path = g_build_filename (tmpdir, "churn.kiln", NULL);
  g_autoptr(KilnBundle) bundle = NULL;
  g_autoptr(GError) error = NULL;
  int col;

  SKIP_WITHOUT_X ();
  path = make_korean_export ();
  if (path == NULL)
    {
      g_test_skip ("wa_churn.csv is not in ../shared/datasets");
      return;
    }
  /* a small laptop's window */
  window = new_window (1024, 700);
  project = kiln_window_get_project (window);
  click_button (GTK_WIDGET (window), "Open");
  kiln_ui_answer_file_chooser (path);
  g_assert_true (kiln_ui_wait (has_frame, window, 30000));
  frame = kiln_project_get_frame (project);
  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 412);
  g_assert_cmpuint (kiln_frame_get_n_columns (frame), ==, 20);
  col = kiln_frame_find_column (frame, "월요금");
  g_assert_cmpint (col, >=, 0);
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, (guint) col)), ==, KILN_COLUMN_NUMERIC);
  g_assert_cmpfloat_with_epsilon (kiln_frame_get_double (frame, (guint) col, 0), 29.85, 1e-9);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-korean-data.png");
  assert_fits_width (page_widget (window, "data"));

  goto_step (window, "Prepare", "prepare");
  prepare = page_widget (window, "prepare");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (prepare, "Target column")), "이탈");
  kiln_ui_settle (300);
  g_assert_cmpstr (kiln_project_get_target (project), ==, "이탈");
  g_assert_cmpint (kiln_project_get_task (project), ==, KILN_TASK_CLASSIFICATION);
  /* the whole file has the twelve repeated rows */
  row = kiln_ui_row (prepare, "Remove duplicate rows");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "12 duplicate rows");
  kiln_ui_click (kiln_ui_find (row, GTK_TYPE_SWITCH, NULL));
  g_assert_true (kiln_project_get_prep (project)->dedupe);
  kiln_ui_click (kiln_ui_find (kiln_ui_row (prepare, "Outliers (IQR rule)"), GTK_TYPE_SWITCH, NULL));
  g_assert_true (kiln_project_get_prep (project)->iqr);
  {
    /* the log names the columns the rule checked: measurements only */
    g_autoptr(GPtrArray) labels = NULL;
    gboolean checked = FALSE;
    kiln_ui_settle (1500);
    labels = kiln_ui_find_all (prepare, GTK_TYPE_LABEL);
    for (guint i = 0; i < labels->len; i++)
      {
        const char *t = gtk_label_get_text (labels->pdata[i]);
        if (strstr (t, "IQR") && strstr (t, "checked"))
          {
            checked = TRUE;
            g_assert_nonnull (strstr (t, "가입기간"));
            g_assert_nonnull (strstr (t, "월요금"));
            g_assert_null (strstr (t, "고령자"));
            g_assert_null (strstr (t, "전화서비스"));
          }
      }
    g_assert_true (checked);
  }
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-korean-prepare.png");
  assert_fits_width (prepare);

  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (train, "Family")), "Logistic regression");
  train_and_wait (window);
  evaluate = page_widget (window, "evaluate");
  kiln_ui_click (kiln_ui_find (evaluate, GTK_TYPE_LABEL, "Per Class"));
  kiln_ui_settle (200);
  g_assert_nonnull (kiln_ui_find (evaluate, GTK_TYPE_LABEL, "Precision"));
  g_assert_nonnull (kiln_ui_find (evaluate, GTK_TYPE_LABEL, "Recall"));
  g_assert_nonnull (kiln_ui_find (evaluate, GTK_TYPE_LABEL, "Yes"));
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-korean-per-class.png");
  assert_fits_width (evaluate);

  goto_step (window, "Export", "export");
  export_page = page_widget (window, "export");
  click_button (kiln_ui_row (export_page, "Kiln bundle (.kiln)"), "Save…");
  kiln_ui_answer_file_chooser (bundle_path);
  kiln_ui_settle (300);
  bundle = kiln_bundle_load (bundle_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kiln_bundle_get_target (bundle), ==, "이탈");
  close_without_asking (window);
  g_unlink (bundle_path);
  g_unlink (path);
}



/* 3,000 reviews of nsmc-train (CC0) into the temporary folder; NULL without the dataset. */
static char *
make_reviews (void)
{
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");
  g_autofree char *src = dir ? g_build_filename (dir, "nsmc-train.csv.gz", NULL) : NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GInputStream) raw = NULL, in = NULL;
  g_autoptr(GConverter) gunzip = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  char *path, *line;
  guint n = 0;

  if (src == NULL || !g_file_test (src, G_FILE_TEST_EXISTS))
    return NULL;
  file = g_file_new_for_path (src);
  raw = G_INPUT_STREAM (g_file_read (file, NULL, NULL));
  g_assert_nonnull (raw);
  gunzip = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  in = g_converter_input_stream_new (raw, gunzip);
  data = g_data_input_stream_new (in);
  /* the reviews have no newlines inside them: one line, one row */
  while (n <= 3000 && (line = g_data_input_stream_read_line_utf8 (data, NULL, NULL, NULL)) != NULL)
    {
      g_string_append_printf (out, "%s\n", line);
      g_free (line);
      n++;
    }
  path = g_build_filename (tmpdir, "reviews.csv", NULL);
  g_assert_true (g_file_set_contents (path, out->str, (gssize) out->len, NULL));
  return path;
}

static gboolean
try_answered (gpointer data)
{
  g_autoptr(GPtrArray) labels = kiln_ui_find_all (data, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_suffix (gtk_label_get_text (labels->pdata[i]), " %")
        && (g_str_has_prefix (gtk_label_get_text (labels->pdata[i]), "positive")
            || g_str_has_prefix (gtk_label_get_text (labels->pdata[i]), "negative")))
      return TRUE;
  return FALSE;
}

static gboolean
review_is_text (gpointer data)
{
  return g_strv_contains ((const char * const *) kiln_project_get_prep (data)->text, "review");
}

static gboolean
entry_showing (gpointer data)
{
  return kiln_ui_find (data, GTK_TYPE_ENTRY, NULL) != NULL;
}

static gboolean
rating_dropped (gpointer data)
{
  return g_strv_contains ((const char * const *) kiln_project_get_prep (data)->dropped, "rating");
}

static gboolean
review_id_dropped (gpointer data)
{
  return g_strv_contains ((const char * const *) kiln_project_get_prep (data)->dropped, "review_id");
}

static gboolean
vocabulary_shown (gpointer data)
{
  const char *sub = adw_action_row_get_subtitle (ADW_ACTION_ROW (data));
  return sub != NULL && strstr (sub, "in the vocabulary") != NULL;
}

/* Journey 6: Korean reviews. The leak check names "rating"; the review text becomes words and
 * character pieces (the Prepare step says how many), a logistic regression learns them, Evaluate
 * shows the words that pushed hardest, and "Try it" predicts a typed sentence. */
static void
test_journey_reviews (void)
{
  KilnWindow *window;
  KilnProject *project;
  KilnFrame *frame;
  GtkWidget *prepare, *train, *evaluate, *row, *entry;
  g_autofree char *path = NULL;
  gboolean leak = FALSE;

  SKIP_WITHOUT_X ();
  path = make_reviews ();
  if (path == NULL)
    {
      g_test_skip ("nsmc-train.csv.gz is not in ../shared/datasets");
      return;
    }
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  click_button (GTK_WIDGET (window), "Open");
  kiln_ui_answer_file_chooser (path);
  g_assert_true (kiln_ui_wait (has_frame, window, 30000));
  frame = kiln_project_get_frame (project);
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, (guint) kiln_frame_find_column (frame, "review"))),
                   ==, KILN_COLUMN_TEXT);

  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (train, "Family")), "Logistic regression");

  goto_step (window, "Prepare", "prepare");
  prepare = page_widget (window, "prepare");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (prepare, "Target column")), "sentiment");
  kiln_ui_settle (1500);
  {
    /* the leak check says it in plain words */
    g_autoptr(GPtrArray) labels = kiln_ui_find_all (prepare, GTK_TYPE_LABEL);
    for (guint i = 0; i < labels->len; i++)
      if (strstr (gtk_label_get_text (labels->pdata[i]), "“rating” determines the target “sentiment”"))
        leak = TRUE;
    g_assert_true (leak);
  }
  /* leave out the rating and the ID */
  kiln_ui_click (kiln_ui_row (prepare, "Columns to use"));
  kiln_ui_settle (300);
  kiln_ui_click (kiln_ui_find (kiln_ui_row (prepare, "rating"), GTK_TYPE_SWITCH, NULL));
  g_assert_true (kiln_ui_wait (rating_dropped, project, 10000));
  kiln_ui_click (kiln_ui_find (kiln_ui_row (prepare, "review_id"), GTK_TYPE_SWITCH, NULL));
  /* with the ID in, the model has two inputs and "Try it" (one text input) does not show */
  g_assert_true (kiln_ui_wait (review_id_dropped, project, 10000));
  /* the review as text (once the page has followed the dropped columns: slower under ASan) */
  kiln_ui_settle (300);
  row = kiln_ui_row (prepare, "Use as text: words and character pieces");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "review");
  kiln_ui_click (kiln_ui_find (row, GTK_TYPE_SWITCH, NULL));
  g_assert_true (kiln_ui_wait (review_is_text, project, 10000));
  g_assert_true (kiln_ui_wait (vocabulary_shown, row, 30000));
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-reviews-prepare.png");

  train_and_wait (window);
  evaluate = page_widget (window, "evaluate");
  g_assert_cmpuint (kiln_recipe_get_n_text_features (kiln_pipeline_get_recipe (kiln_project_get_result (project)->pipeline)), >, 1000);
  /* the words plot is what Evaluate opens with for a text model */
  g_assert_nonnull (kiln_ui_find (evaluate, GTK_TYPE_LABEL, "Words"));
  kiln_ui_click (kiln_ui_find (evaluate, GTK_TYPE_LABEL, "Words"));
  kiln_ui_settle (200);

  /* shown once the page has been laid out (slower under the sanitizers) */
  g_assert_true (kiln_ui_wait (entry_showing, evaluate, 10000));
  entry = kiln_ui_find (evaluate, GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (entry);
  kiln_ui_click (entry);
  kiln_ui_type ("정말 재미있고 감동적인 최고의 영화");
  g_assert_true (kiln_ui_wait (try_answered, evaluate, 10000));
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-reviews-evaluate.png");

  /* "Why this prediction?" for a review: the words that decided it, marked in the text */
  {
    GtkWidget *table = kiln_ui_find (evaluate, KILN_TYPE_DATA_TABLE, NULL);
    GtkWidget *cell, *why, *marked = NULL;
    g_autoptr(GPtrArray) labels = NULL;

    g_assert_nonnull (table);
    cell = kiln_ui_find (table, KILN_TYPE_DATA_CELL, NULL);
    g_assert_nonnull (cell);
    kiln_ui_click (cell);
    g_assert_true (kiln_ui_wait (why_explained, evaluate, 60000));
    why = kiln_ui_find (evaluate, KILN_TYPE_WHY_PANEL, NULL);
    g_assert_nonnull (kiln_ui_find (why, GTK_TYPE_LABEL, "The words that decided it"));
    labels = kiln_ui_find_all (why, GTK_TYPE_LABEL);
    for (guint i = 0; i < labels->len; i++)
      if (gtk_label_get_use_markup (labels->pdata[i]) &&
          strstr (gtk_label_get_label (labels->pdata[i]), "<span background=") != NULL)
        marked = labels->pdata[i];
    g_assert_nonnull (marked);
    kiln_ui_screenshot (GTK_WIDGET (window), "journey-reviews-why.png");
  }
  close_without_asking (window);
  g_unlink (path);
}

/* Journey 4, at scale: flights (the first 300,000 rows of the 3-million-row file, to keep the test
 * short), the table scrolled to its end by keyboard, the target and task the file wants (the guess
 * was 'destination', a classification), preparation with a bar that moves, a linear regression. */
static void
test_journey_scale (void)
{
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");
  g_autofree char *src = dir ? g_build_filename (dir, "flights-3m.csv.gz", NULL) : NULL;
  g_autofree char *path = g_build_filename (tmpdir, "flights-300k.csv", NULL);
  g_autoptr(GFile) gz = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GConverter) unzip = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GFile) file = NULL;
  KilnWindow *window;
  KilnProject *project;
  GtkWidget *table, *train;

  SKIP_WITHOUT_X ();
  if (src == NULL || !g_file_test (src, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("flights-3m.csv.gz is not in ../shared/datasets");
      return;
    }
  gz = g_file_new_for_path (src);
  unzip = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  in = G_INPUT_STREAM (g_file_read (gz, NULL, NULL));
  lines = g_data_input_stream_new (g_converter_input_stream_new (in, unzip));
  for (guint i = 0; i <= 300000; i++)
    {
      g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, NULL);
      if (line == NULL)
        break;
      g_string_append (text, line);
      g_string_append_c (text, '\n');
    }
  g_assert_true (g_file_set_contents (path, text->str, (gssize) text->len, NULL));

  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  file = g_file_new_for_path (path);
  kiln_window_open (window, file);
  g_assert_true (kiln_ui_wait (has_frame, window, 60000));
  kiln_ui_settle (300);
  g_assert_cmpuint (kiln_frame_get_n_rows (kiln_project_get_frame (project)), ==, 300000);
  g_assert_cmpstr (kiln_project_get_target (project), ==, "delay");
  g_assert_cmpint (kiln_project_get_task (project), ==, KILN_TASK_REGRESSION);

  /* to the last row with the keyboard */
  table = kiln_ui_find (page_widget (window, "data"), KILN_TYPE_DATA_CELL, "LAS");
  g_assert_nonnull (table);
  kiln_ui_click (table);
  kiln_ui_keys ("ctrl+End");
  kiln_ui_settle (500);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-scale-end.png");

  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (train, "Family")), "Linear regression");
  click_button (train, "Train");
  g_assert_true (kiln_ui_wait (has_result, window, 300000));
  g_assert_true (kiln_ui_wait (on_evaluate, window, 10000));
  g_assert_cmpint (kiln_evaluation_get_task (kiln_project_get_result (project)->evaluation), ==, KILN_TASK_REGRESSION);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-scale-evaluate.png");
  assert_window_fits (window);
  close_without_asking (window);
  g_unlink (path);
}

static void
clipboard_text (GObject *clipboard, GAsyncResult *result, gpointer data)
{
  *(char **) data = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (clipboard), result, NULL);
  if (*(char **) data == NULL)
    *(char **) data = g_strdup ("");
}

static gboolean
text_read (gpointer data)
{
  return *(char **) data != NULL;
}

/* POSTs @body to @url; the status, and the answer in @answer. 0 when nothing answers. */
static guint
post_body (const char *url, const char *body, char **answer)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  reply = soup_session_send_and_read (session, msg, NULL, NULL);
  if (answer)
    *answer = reply ? g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply)) : NULL;
  return reply ? soup_message_get_status (msg) : 0;
}

typedef struct { GtkWidget *row; const char *prefix; } SubtitleWait;

static gboolean
subtitle_starts (gpointer data)
{
  SubtitleWait *w = data;
  const char *sub = adw_action_row_get_subtitle (ADW_ACTION_ROW (w->row));
  return sub != NULL && g_str_has_prefix (sub, w->prefix);
}

/* Journey 5, a developer who wants the model behind HTTP: penguins (categories, missing values),
 * a model, then on the Export step the "Serve locally" switch clicked; the curl example copied
 * with its button and run as it is (the served label is the bundle's own prediction of that test
 * row), a bad row answered 400, the live counts following, and the switch clicked off again. */
static void
test_journey_serve (void)
{
  KilnWindow *window;
  KilnProject *project;
  const KilnPipelineResult *result;
  GtkWidget *export_page, *toggle, *copy, *counts;
  g_autofree char *example = NULL, *body = NULL, *url = NULL, *answer = NULL, *want = NULL;
  g_autoptr(KilnFrame) predicted = NULL;
  g_autoptr(GError) error = NULL;
  const char *start, *end;
  SubtitleWait wait;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  open_example (window, "Palmer penguins");
  train_and_wait (window);
  result = kiln_project_get_result (project);

  goto_step (window, "Export", "export");
  export_page = page_widget (window, "export");
  toggle = kiln_ui_row_widget (export_page, "Serve locally", GTK_TYPE_SWITCH);
  g_assert_nonnull (toggle);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (toggle)));
  g_assert_null (kiln_ui_row (export_page, "Address"));   /* shown only while serving */
  kiln_ui_click (toggle);
  kiln_ui_settle (300);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (toggle)));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (
                   kiln_ui_row (export_page, "Address"))), "http://127.0.0.1:"));

  /* the example, through its copy button and the clipboard, run as it is */
  copy = kiln_ui_row_widget (export_page, "Try it", GTK_TYPE_BUTTON);
  g_assert_nonnull (copy);
  kiln_ui_click (copy);
  kiln_ui_settle (100);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (toggle), NULL, clipboard_text, &example);
  g_assert_true (kiln_ui_wait (text_read, &example, 5000));
  g_assert_true (g_str_has_prefix (example, "curl "));
  start = strstr (example, "-d '");
  g_assert_nonnull (start);
  start += 4;
  end = strchr (start, '\'');
  body = g_strndup (start, (gsize) (end - start));
  url = g_strdup (strrchr (example, ' ') + 1);
  g_assert_true (g_str_has_suffix (url, "/predict"));
  g_assert_cmpuint (post_body (url, body, &answer), ==, 200);
  predicted = kiln_bundle_predict_frame (result->bundle, kiln_pipeline_get_test_rows (result->pipeline),
                                         &error);
  g_assert_no_error (error);
  want = g_strdup_printf ("{\"predictions\":[{\"label\":\"%s\",",
                          kiln_frame_get_string (predicted,
                                                 (guint) kiln_frame_find_column (predicted, "prediction"), 0));
  g_assert_true (g_str_has_prefix (answer, want));
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (post_body (url, "{\"rows\": [{\"island\": 3}]}", &answer), ==, 400);

  /* the counts follow (they refresh twice a second) */
  counts = kiln_ui_row (export_page, "Requests");
  g_assert_nonnull (counts);
  wait = (SubtitleWait) { counts, "2 requests · 1 error · 1 row predicted" };
  g_assert_true (kiln_ui_wait (subtitle_starts, &wait, 5000));
  kiln_ui_scroll_into_view (counts);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-serve.png");

  /* off: nothing answers any more */
  kiln_ui_click (toggle);
  kiln_ui_settle (300);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (toggle)));
  g_assert_cmpuint (post_body (url, body, NULL), ==, 0);
  g_assert_null (kiln_ui_row (export_page, "Address"));
  close_without_asking (window);
}

static gboolean
compare_done (gpointer panel)
{
  return kiln_compare_panel_get_compare (panel) != NULL && !kiln_compare_panel_is_running (panel);
}

static gboolean
some_trial_done (gpointer panel)
{
  return kiln_compare_panel_get_n_finished (panel) > 0;
}

/* "Let Kiln choose" (issue 13): iris, every family cross-validated on the worker, the leaderboard
 * with the chance that #1 beats each other model, the second-best picked by a click and trained
 * with "Use This Model", which opens Evaluate with that family and its settings. */
static void
test_journey_choose (void)
{
  KilnWindow *window;
  KilnProject *project;
  GtkWidget *train, *panel, *board, *second;
  KilnCompare *compare;
  const KilnCompareTrial *chosen;
  const guint *lb;
  guint n_board;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  open_example (window, "Iris flowers");
  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  click_button (train, "Let Kiln Choose");
  panel = kiln_ui_find (train, KILN_TYPE_COMPARE_PANEL, NULL);
  g_assert_nonnull (panel);
  g_assert_true (kiln_ui_wait (compare_done, panel, 120000));
  kiln_ui_settle (300);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-choose-leaderboard.png");

  compare = kiln_compare_panel_get_compare (KILN_COMPARE_PANEL (panel));
  lb = kiln_compare_get_leaderboard (compare, &n_board);
  g_assert_cmpuint (n_board, >=, 8);
  board = kiln_ui_find (panel, GTK_TYPE_LIST_BOX, NULL);
  /* one row per finished trial, and the families that cannot classify listed with why */
  g_assert_nonnull (gtk_list_box_get_row_at_index (GTK_LIST_BOX (board), n_board - 1));
  g_assert_null (gtk_list_box_get_row_at_index (GTK_LIST_BOX (board), n_board));
  g_assert_nonnull (kiln_ui_find (panel, GTK_TYPE_LABEL, "Not run"));
  g_assert_nonnull (kiln_ui_find (panel, ADW_TYPE_ACTION_ROW, NULL));

  /* the second row, chosen by a click, then trained */
  second = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (board), 1));
  kiln_ui_click (second);
  g_assert_true (gtk_list_box_get_selected_row (GTK_LIST_BOX (board)) == GTK_LIST_BOX_ROW (second));
  chosen = kiln_compare_get_trial (compare, lb[1]);
  click_button (panel, "Use This Model");
  g_assert_true (kiln_ui_wait (has_result, window, 120000));
  g_assert_true (kiln_ui_wait (on_evaluate, window, 10000));
  g_assert_cmpstr (kiln_project_get_model_name (project), ==, chosen->family);
  g_assert_cmpstr (kiln_model_get_name (kiln_project_get_result (project)->model), ==, chosen->family);
  g_assert_cmpuint (kiln_project_get_model_options (project)->k, ==, chosen->options.k);
  g_assert_cmpfloat (kiln_project_get_model_options (project)->l2, ==, chosen->options.l2);
  g_assert_cmpuint (kiln_project_get_model_options (project)->min_samples_leaf, ==,
                    chosen->options.min_samples_leaf);
  kiln_ui_settle (300);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-choose-evaluate.png");
  close_without_asking (window);
}

/* Stopping a comparison keeps what finished: digits, Stop after the first trial, a leaderboard
 * of the finished ones and the rest listed as not run; "Use This Model" works from it. */
static void
test_journey_choose_cancel (void)
{
  KilnWindow *window;
  GtkWidget *train, *panel;
  KilnCompare *compare;
  guint n_board;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  open_example (window, "Handwritten digits");
  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  click_button (train, "Let Kiln Choose");
  panel = kiln_ui_find (train, KILN_TYPE_COMPARE_PANEL, NULL);
  g_assert_true (kiln_ui_wait (some_trial_done, panel, 120000));
  kiln_ui_settle (100);
  /* the finished trial is on the leaderboard while the others run */
  g_assert_true (kiln_compare_panel_is_running (KILN_COMPARE_PANEL (panel)));
  g_assert_nonnull (kiln_ui_find (panel, GTK_TYPE_LABEL, "Leaderboard"));
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-choose-running.png");
  click_button (panel, "Stop Comparing");
  g_assert_true (kiln_ui_wait (compare_done, panel, 120000));
  kiln_ui_settle (300);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-choose-cancelled.png");
  compare = kiln_compare_panel_get_compare (KILN_COMPARE_PANEL (panel));
  kiln_compare_get_leaderboard (compare, &n_board);
  g_assert_cmpuint (n_board, >=, 1);
  g_assert_cmpuint (kiln_compare_get_n_pending (compare), >, 0);
  g_assert_nonnull (kiln_ui_find (panel, ADW_TYPE_ACTION_ROW, NULL));
  g_assert_true (gtk_widget_get_sensitive (kiln_ui_find (panel, GTK_TYPE_BUTTON, "Use This Model")));
  close_without_asking (window);
}

static gboolean
popover_with_delete (gpointer menu)
{
  GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu));

  return popover != NULL && kiln_ui_is_showing (GTK_WIDGET (popover)) &&
         kiln_ui_find (GTK_WIDGET (popover), GTK_TYPE_LABEL, "Delete") != NULL;
}

static GtkWidget *
compare_window (void)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* borrowed */

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (tops, i);
      if (g_strcmp0 (gtk_window_get_title (w), "Compare Runs") == 0 && gtk_widget_get_mapped (GTK_WIDGET (w)))
        return GTK_WIDGET (w);
    }
  return NULL;
}

static gboolean
compare_shown (gpointer unused)
{
  return compare_window () != NULL;
}

static gboolean
compare_gone (gpointer unused)
{
  return compare_window () == NULL;
}

/* The project remembers every run: two forests (100 and 5 trees) compared side by side through
 * the ticks and Compare, then one deleted from its menu and brought back with Undo. */
static void
test_journey_runs (void)
{
  KilnWindow *window;
  KilnProject *project;
  GtkWidget *train, *group, *compare, *menu, *item, *undo;
  g_autoptr(GPtrArray) checks = NULL;

  SKIP_WITHOUT_X ();
  window = new_window (1280, 800);
  project = kiln_window_get_project (window);
  open_example (window, "Iris flowers");
  goto_step (window, "Train", "train");
  train = page_widget (window, "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (train, "Family")), "Random forest");
  train_and_wait (window);
  goto_step (window, "Train", "train");
  kiln_ui_set_spin (GTK_SPIN_BUTTON (kiln_ui_find (kiln_ui_row (train, "Trees"), GTK_TYPE_SPIN_BUTTON, NULL)), 5);
  train_and_wait (window);
  g_assert_cmpuint (kiln_project_get_runs (project)->len, ==, 2);

  goto_step (window, "Train", "train");
  group = kiln_ui_find (train, KILN_TYPE_RUNS_GROUP, NULL);
  g_assert_nonnull (group);
  compare = kiln_ui_find (group, GTK_TYPE_BUTTON, "Compare");
  g_assert_false (gtk_widget_is_sensitive (compare));
  checks = kiln_ui_find_all (group, GTK_TYPE_CHECK_BUTTON);
  g_assert_cmpuint (checks->len, ==, 2);
  kiln_ui_click (checks->pdata[0]);
  g_assert_false (gtk_widget_is_sensitive (compare));
  kiln_ui_click (checks->pdata[1]);
  g_assert_true (gtk_widget_is_sensitive (compare));
  kiln_ui_click (compare);
  g_assert_true (kiln_ui_wait (compare_shown, NULL, 5000));
  kiln_ui_settle (200);
  g_assert_nonnull (kiln_ui_find (compare_window (), GTK_TYPE_LABEL, "Trees"));
  g_assert_nonnull (kiln_ui_find (compare_window (), KILN_TYPE_CONFUSION_MATRIX, NULL));
  kiln_ui_screenshot (compare_window (), "journey-runs-compare.png");
  kiln_ui_focus_window (compare_window ());
  kiln_ui_keys ("Escape");
  g_assert_true (kiln_ui_wait (compare_gone, NULL, 5000));

  /* delete the newest from its menu, then Undo */
  kiln_ui_focus_window (GTK_WIDGET (window));
  menu = kiln_ui_find (group, GTK_TYPE_MENU_BUTTON, NULL);
  g_assert_nonnull (menu);
  kiln_ui_click (menu);
  g_assert_true (kiln_ui_wait (popover_with_delete, menu, 5000));
  item = kiln_ui_find (gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu)) ? GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu))) : menu,
                       GTK_TYPE_LABEL, "Delete");
  g_assert_nonnull (item);
  kiln_ui_click (item);
  kiln_ui_settle (300);
  g_assert_cmpuint (kiln_project_get_runs (project)->len, ==, 1);
  g_assert_true (kiln_project_get_modified (project));
  undo = kiln_ui_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "Undo");
  g_assert_nonnull (undo);
  kiln_ui_click (undo);
  kiln_ui_settle (300);
  g_assert_cmpuint (kiln_project_get_runs (project)->len, ==, 2);
  /* the run deleted was the one shown: shown again */
  g_assert_true (kiln_project_get_current_run (project) == kiln_project_get_runs (project)->pdata[1]);
  kiln_ui_screenshot (GTK_WIDGET (window), "journey-runs-undo.png");
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
  g_test_add_func ("/journeys/korean", test_journey_korean);
  g_test_add_func ("/journeys/reviews", test_journey_reviews);
  g_test_add_func ("/journeys/network", test_journey_network);
  g_test_add_func ("/journeys/boosting", test_journey_boosting);
  g_test_add_func ("/journeys/scale", test_journey_scale);
  g_test_add_func ("/journeys/share", test_journey_share);
  g_test_add_func ("/journeys/serve", test_journey_serve);
  g_test_add_func ("/journeys/choose", test_journey_choose);
  g_test_add_func ("/journeys/choose-cancel", test_journey_choose_cancel);
  g_test_add_func ("/journeys/runs", test_journey_runs);
  ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
