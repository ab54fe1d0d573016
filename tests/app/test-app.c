/* test-app.c: the application end to end, driven through its actions under Xvfb.
 *
 * Open iris, set the target, train, reach the Evaluate step with a confusion matrix whose counts
 * equal the core's own run of the same pipeline, and save a screenshot of every step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <adwaita.h>
#include <stdio.h>
#include <glib/gstdio.h>

#include "kiln-application.h"
#include "kiln-window.h"
#include "kiln-csv.h"
#include "kiln-pipeline.h"
#include "kiln-prepare-plan.h"
#include "kiln-confusion-matrix.h"

static KilnApplication *app;

static gboolean
wait_for (gboolean (*done) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
has_frame (gpointer data)
{
  return kiln_project_get_frame (kiln_window_get_project (data)) != NULL &&
         !kiln_window_is_loading (data);
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

/* The first descendant of @widget (itself included) of @type. */
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

static gboolean
is_plot_stack (GtkWidget *widget)
{
  return gtk_stack_get_child_by_name (GTK_STACK (widget), "roc") != NULL;
}

/* Renders the window into a PNG next to the test binary, for people to look at. */
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

static void
save_screenshot (GtkWidget *window, const char *name)
{
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  int w, h;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  g_autofree char *path = NULL;

  /* let frames pass so that everything is laid out and drawn */
  settle (300);
  for (int i = 0; i < 5000 && (!gtk_widget_get_mapped (window) || gtk_widget_get_width (window) == 0); i++)
    settle (1);
  w = gtk_widget_get_width (window);
  h = gtk_widget_get_height (window);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  paintable = gtk_widget_paintable_new (window);
  for (int attempt = 0; node == NULL && attempt < 50; attempt++)
    {
      /* a widget paintable shows what the widget last drew: make it draw */
      gtk_widget_queue_draw (window);
      settle (100);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  if (node == NULL)
    {
      g_test_message ("no screenshot %s: the window drew nothing", name);
      g_object_unref (paintable);
      return;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                           name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_object_unref (paintable);
}

static GtkWidget *
find_by_type_name (GtkWidget  *widget,
                   const char *type_name)
{
  if (g_strcmp0 (G_OBJECT_TYPE_NAME (widget), type_name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_type_name (child, type_name);
      if (found)
        return found;
    }
  return NULL;
}

static int
natural_height (GtkWidget *widget)
{
  int min, nat;

  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
  return nat;
}

/* A step not shown asks for no room (the stacks measure every step: a hidden step rebuilt for new
 * data was measured, every label shaped, in the frame that shows the data); shown, it does. */
static void
check_hidden_pages_measure (KilnWindow *window)
{
  GtkWidget *data = find_by_type_name (GTK_WIDGET (window), "KilnDataPage");
  GtkWidget *prepare = find_by_type_name (GTK_WIDGET (window), "KilnPreparePage");

  g_assert_nonnull (data);
  g_assert_nonnull (prepare);
  g_assert_cmpint (natural_height (data), >, 0);
  g_assert_cmpint (natural_height (prepare), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "prepare");
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (gtk_widget_get_mapped (prepare));
  g_assert_cmpint (natural_height (prepare), >, 0);
  g_assert_cmpint (natural_height (data), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "data");
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (natural_height (data), >, 0);
}

static void
test_train_iris (void)
{
  KilnWindow *window = kiln_window_new (app);
  KilnProject *project = kiln_window_get_project (window);
  const KilnPipelineResult *result;
  KilnConfusion *app_cm, *core_cm;
  KilnPipelineOptions options;
  KilnPipelineResult core = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnRecipe) recipe = NULL;
  guint n_classes = 0;

  {
    /* KILN_TEST_SIZE=1024x700 looks at another size */
    const char *size = g_getenv ("KILN_TEST_SIZE");
    int w = 1280, h = 800;
    if (size)
      sscanf (size, "%dx%d", &w, &h);
    gtk_window_set_default_size (GTK_WINDOW (window), w, h);
  }
  gtk_window_present (GTK_WINDOW (window));
  save_screenshot (GTK_WIDGET (window), "app-welcome.png");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", "iris.csv");
  g_assert_true (wait_for (has_frame, window, 20000));
  g_assert_cmpuint (kiln_frame_get_n_rows (kiln_project_get_frame (project)), ==, 150);
  g_assert_cmpstr (kiln_window_get_page (window), ==, "data");
  save_screenshot (GTK_WIDGET (window), "app-data.png");
  check_hidden_pages_measure (window);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-target", "s", "species");
  g_assert_cmpstr (kiln_project_get_target (project), ==, "species");
  g_assert_cmpint (kiln_project_get_task (project), ==, KILN_TASK_CLASSIFICATION);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-model", "s", "forest");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "prepare");
  save_screenshot (GTK_WIDGET (window), "app-prepare.png");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
  g_assert_true (wait_for (has_result, window, 120000));
  g_assert_true (wait_for (on_evaluate, window, 5000));
  save_screenshot (GTK_WIDGET (window), "app-evaluate.png");

  /* the core, on its own, with the same settings */
  result = kiln_project_get_result (project);
  recipe = kiln_prepare_plan_make_recipe (project, &error);
  g_assert_no_error (error);
  kiln_pipeline_options_init (&options, "species", "forest");
  options.task_set = TRUE;
  options.task = KILN_TASK_CLASSIFICATION;
  options.prep.seed = kiln_project_get_prep (project)->seed;
  options.prep.split = kiln_project_get_prep (project)->split;
  options.model_options = *kiln_project_get_model_options (project);
  options.recipe = recipe;
  g_assert_true (kiln_pipeline_run (kiln_project_get_frame (project), NULL, &options, NULL, NULL, &core, &error));
  g_assert_no_error (error);

  app_cm = kiln_evaluation_get_confusion (result->evaluation);
  core_cm = kiln_evaluation_get_confusion (core.evaluation);
  kiln_evaluation_get_classes (result->evaluation, &n_classes);
  g_assert_cmpuint (n_classes, ==, 3);
  g_assert_cmpuint (kiln_confusion_get_n_classes (app_cm), ==, kiln_confusion_get_n_classes (core_cm));
  for (guint a = 0; a < n_classes; a++)
    for (guint p = 0; p < n_classes; p++)
      g_assert_cmpuint (kiln_confusion_get_count (app_cm, a, p), ==, kiln_confusion_get_count (core_cm, a, p));
  g_assert_cmpfloat (kiln_evaluation_get_metrics (result->evaluation)->accuracy, >=, 0.9);
  kiln_pipeline_result_clear (&core);
  kiln_pipeline_options_clear (&options);

  /* three classes: a ROC curve per class, one against the rest, chosen by name */
  {
    GtkStack *plots = GTK_STACK (find_widget (GTK_WIDGET (window), GTK_TYPE_STACK, is_plot_stack));
    GtkWidget *roc_page;
    GtkDropDown *chooser;

    g_assert_nonnull (plots);
    roc_page = gtk_stack_get_child_by_name (plots, "roc");
    g_assert_true (gtk_stack_page_get_visible (gtk_stack_get_page (plots, roc_page)));
    chooser = GTK_DROP_DOWN (find_widget (roc_page, GTK_TYPE_DROP_DOWN, NULL));
    g_assert_nonnull (chooser);
    g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (chooser))));
    g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (chooser)), ==, 3);
    gtk_stack_set_visible_child (plots, roc_page);
    gtk_drop_down_set_selected (chooser, 2);
    save_screenshot (GTK_WIDGET (window), "app-evaluate-roc.png");
    gtk_stack_set_visible_child_name (plots, "confusion");
  }

  gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "train");
  save_screenshot (GTK_WIDGET (window), "app-train.png");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "export");
  save_screenshot (GTK_WIDGET (window), "app-export.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
has_epochs (gpointer data)
{
  const KilnPipelineResult *r = kiln_project_get_result (kiln_window_get_project (data));
  return r != NULL;
}

/* A network on digits: the loss plot fills and the run can be cancelled, keeping the best model. */
static void
test_train_mlp_cancel (void)
{
  KilnWindow *window = kiln_window_new (app);
  KilnProject *project = kiln_window_get_project (window);
  KilnPrepSettings *prep;

  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", "digits.csv");
  g_assert_true (wait_for (has_frame, window, 20000));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-target", "s", "digit");
  kiln_project_set_task (project, KILN_TASK_CLASSIFICATION);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-model", "s", "mlp");
  prep = kiln_project_get_prep (project);
  prep->split.train = 0.7;
  prep->split.validation = 0.15;
  prep->split.test = 0.15;
  kiln_project_get_model_options (project)->epochs = 2000;
  kiln_project_get_model_options (project)->patience = 2000;
  kiln_project_prep_changed (project);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
  /* let a few epochs run, then cancel */
  for (int i = 0; i < 400 && kiln_project_get_result (project) == NULL; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  save_screenshot (GTK_WIDGET (window), "app-train-mlp.png");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-training", NULL);
  g_assert_true (wait_for (has_epochs, window, 60000));
  g_assert_nonnull (kiln_project_get_result (project)->model);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A project saved and reopened holds the same file, options and choices. */
static void
test_project_roundtrip (void)
{
  g_autoptr(KilnProject) project = kiln_project_new ();
  g_autoptr(KilnProject) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kiln-project-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "data.csv", NULL);
  g_autofree char *path = g_build_filename (dir, "p.kilnproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(KilnFrame) frame = NULL;
  KilnCsvOptions options;
  KilnPrepSettings *p;
  KilnModelOptions *mo;
  const char *dropped[] = { "b", NULL };

  g_assert_true (g_file_set_contents (csv, "a;b;c\n1,5;x;yes\n2,5;y;no\n", -1, NULL));
  kiln_csv_options_init (&options);
  options.delimiter = ';';
  options.decimal = ',';
  frame = kiln_csv_read (csv, &options, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  kiln_project_set_data (project, csv, &options, frame);
  kiln_project_set_target (project, "c");
  p = kiln_project_get_prep (project);
  p->dedupe = TRUE;
  p->iqr = TRUE;
  p->iqr_k = 3.0;
  p->iqr_clip = TRUE;
  p->impute_strategy = KILN_IMPUTE_MEAN;
  p->scale_auto = FALSE;
  p->scaling = KILN_SCALE_MINMAX;
  p->split = (KilnSplitFractions) { 0.6, 0.2, 0.2 };
  p->seed = 7;
  g_strfreev (p->dropped), p->dropped = g_strdupv ((char **) dropped);
  kiln_project_set_model_name (project, "mlp");
  mo = kiln_project_get_model_options (project);
  mo->hidden[0] = 32, mo->hidden[1] = 16, mo->hidden[2] = 0;
  mo->epochs = 77;
  mo->gbt.max_leaves = 63;
  mo->gbt.learning_rate = 0.05;
  mo->gbt.subsample = 0.8;
  mo->gbt.min_hessian = 0.5;
  g_assert_true (kiln_project_save (project, file, &error));
  g_assert_no_error (error);
  g_assert_false (kiln_project_get_modified (project));

  again = kiln_project_load (file, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kiln_project_get_source (again), ==, csv);
  g_assert_cmpint (kiln_project_get_csv_options (again)->delimiter, ==, ';');
  g_assert_cmpint (kiln_project_get_csv_options (again)->decimal, ==, ',');
  g_assert_cmpstr (kiln_project_get_target (again), ==, "c");
  g_assert_cmpstr (kiln_project_get_model_name (again), ==, "mlp");
  p = kiln_project_get_prep (again);
  g_assert_true (p->dedupe && p->iqr && p->iqr_clip);
  g_assert_cmpfloat (p->iqr_k, ==, 3.0);
  g_assert_true (p->impute);
  g_assert_cmpint (p->impute_strategy, ==, KILN_IMPUTE_MEAN);
  g_assert_false (p->scale_auto);
  g_assert_cmpint (p->scaling, ==, KILN_SCALE_MINMAX);
  g_assert_cmpfloat (p->split.train, ==, 0.6);
  g_assert_cmpuint (p->seed, ==, 7);
  g_assert_cmpstrv ((const char * const *) p->dropped, dropped);
  mo = kiln_project_get_model_options (again);
  g_assert_cmpuint (mo->hidden[0], ==, 32);
  g_assert_cmpuint (mo->hidden[1], ==, 16);
  g_assert_cmpuint (mo->hidden[2], ==, 0);
  g_assert_cmpuint (mo->epochs, ==, 77);
  /* boosting's own options too (they were not saved) */
  g_assert_cmpuint (mo->gbt.max_leaves, ==, 63);
  g_assert_cmpfloat (mo->gbt.learning_rate, ==, 0.05);
  g_assert_cmpfloat (mo->gbt.subsample, ==, 0.8);
  g_assert_cmpfloat (mo->gbt.min_hessian, ==, 0.5);

  /* not a project, and a project from the future */
  g_assert_true (g_file_set_contents (path, "{\"kiln_project\": 99}", -1, NULL));
  g_assert_null (kiln_project_load (file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "not json", -1, NULL));
  g_assert_null (kiln_project_load (file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

  kiln_csv_options_clear (&options);
  g_unlink (csv);
  g_unlink (path);
  g_rmdir (dir);
}

/* A regression: penguins' body mass from the rest, a linear model, the regression plots. */
static void
test_train_regression (void)
{
  KilnWindow *window = kiln_window_new (app);
  KilnProject *project = kiln_window_get_project (window);
  const KilnPipelineResult *result;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", "penguins.csv");
  g_assert_true (wait_for (has_frame, window, 20000));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-target", "s", "body_mass_g");
  g_assert_cmpint (kiln_project_get_task (project), ==, KILN_TASK_REGRESSION);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-model", "s", "linear");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
  g_assert_true (wait_for (has_result, window, 60000));
  g_assert_true (wait_for (on_evaluate, window, 5000));
  result = kiln_project_get_result (project);
  g_assert_cmpint (kiln_evaluation_get_task (result->evaluation), ==, KILN_TASK_REGRESSION);
  g_assert_cmpfloat (kiln_evaluation_get_metrics (result->evaluation)->r2, >, 0.7);
  save_screenshot (GTK_WIDGET (window), "app-evaluate-regression.png");
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
is_idle (gpointer data)
{
  KilnWindow *window = data;

  return !kiln_window_is_loading (window) && !kiln_window_is_training (window);
}

/* The main loop until it has nothing pending; the longest single dispatch so far in *@longest
 * (a stall would show there). */
static void
one_pass (gint64 *longest)
{
  for (;;)
    {
      gint64 t0 = g_get_monotonic_time ();
      gboolean more = g_main_context_iteration (NULL, FALSE);

      *longest = MAX (*longest, g_get_monotonic_time () - t0);
      if (!more)
        break;
    }
}

/* Open and Cancel, then Train and Cancel, each 1,000 times in a row as fast as the main loop
 * turns: the window ends idle and usable (a full load and a full training then work), no pass of
 * the main loop stalls, and every run kept is a whole model (a cancelled one keeps its best). */
static void
test_cancel_storm (void)
{
  KilnWindow *window = kiln_window_new (app);
  KilnProject *project = kiln_window_get_project (window);
  g_autofree char *dir = g_dir_make_tmp ("kiln-storm-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "storm.csv", NULL);
  g_autoptr(GString) text = g_string_new ("a,b,c,label\n");
  g_autoptr(GFile) file = NULL;
  gint64 longest = 0;
  GPtrArray *runs;

  /* big enough that a load takes several passes of the main loop */
  for (guint i = 0; i < 60000; i++)
    g_string_append_printf (text, "%u,%g,%u,%s\n", i, i * 0.37, i % 17, i % 3 ? "yes" : "no");
  g_assert_true (g_file_set_contents (csv, text->str, (gssize) text->len, NULL));
  file = g_file_new_for_path (csv);

  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < 1000; i++)
    {
      kiln_window_open (window, file);
      one_pass (&longest);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-loading", NULL);
      one_pass (&longest);
    }
  g_assert_true (wait_for (is_idle, window, 60000));
  kiln_window_open (window, file);
  g_assert_true (wait_for (has_frame, window, 60000));
  g_assert_true (wait_for (is_idle, window, 60000));
  g_assert_cmpuint (kiln_frame_get_n_rows (kiln_project_get_frame (project)), ==, 60000);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-target", "s", "label");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-model", "s", "forest");
  for (guint i = 0; i < 1000; i++)
    {
      gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
      one_pass (&longest);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-training", NULL);
      one_pass (&longest);
    }
  g_assert_true (wait_for (is_idle, window, 120000));
  runs = kiln_project_get_runs (project);
  for (guint i = 0; i < runs->len; i++)
    {
      KilnRun *run = runs->pdata[i];
      g_assert_nonnull (run->result.model);
      g_assert_nonnull (run->result.bundle);
    }
  g_test_message ("1,000 opens and 1,000 trainings cancelled: %u runs kept (cancelled ones keep their "
                  "best model), the longest main-loop dispatch %.0f ms", runs->len, longest / 1000.0);
  g_assert_cmpint (longest, <, 2 * G_USEC_PER_SEC);

  /* still usable: a whole training */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
  g_assert_true (wait_for (is_idle, window, 120000));
  g_assert_nonnull (kiln_project_get_result (project));
  g_assert_false (kiln_project_get_current_run (project)->cancelled);

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (csv);
  g_rmdir (dir);
}

static gboolean
trained_runs (gpointer data)
{
  KilnWindow *window = data;
  return !kiln_window_is_training (window) && kiln_project_get_result (kiln_window_get_project (window)) != NULL;
}

/* Runs deleted in a session leave gaps in their ids: the project file still names the run shown
 * (by its place), so a reopened project shows the same one. */
static void
test_runs_roundtrip (void)
{
  KilnWindow *window = kiln_window_new (app);
  KilnProject *project = kiln_window_get_project (window), *again;
  g_autofree char *dir = g_dir_make_tmp ("kiln-runs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "runs.kilnproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  GPtrArray *runs;
  KilnRun *first;
  char *when;

  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", "iris.csv");
  g_assert_true (wait_for (has_frame, window, 20000));
  for (guint i = 0; i < 3; i++)
    {
      gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
      settle (50);
      g_assert_true (wait_for (trained_runs, window, 60000));
    }
  runs = kiln_project_get_runs (project);
  g_assert_cmpuint (runs->len, ==, 3);
  first = runs->pdata[0];
  kiln_project_remove_run (project, first);
  kiln_run_free (first);
  /* the run shown: the older of the two left (ids 1 and 2, places 0 and 1) */
  kiln_project_set_current_run (project, runs->pdata[0]);
  when = ((KilnRun *) runs->pdata[0])->when;
  g_assert_true (kiln_project_save (project, file, &error));
  g_assert_no_error (error);

  again = kiln_project_load (file, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_project_get_runs (again)->len, ==, 2);
  g_assert_nonnull (kiln_project_get_current_run (again));
  g_assert_cmpstr (kiln_project_get_current_run (again)->when, ==, when);
  g_assert_true (kiln_project_get_current_run (again) == kiln_project_get_runs (again)->pdata[0]);
  g_object_unref (again);
  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
  g_rmdir (dir);
}

/* Save dialogs open where the work is: the saved project's folder, else the data's, else the
 * user's documents or home (they opened in the folder Kiln was started from). */
static void
test_save_folder (void)
{
  g_autoptr(KilnProject) project = kiln_project_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kiln-folder-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (dir, "projects", NULL);
  g_autofree char *csv = g_build_filename (dir, "data.csv", NULL);
  g_autofree char *path = g_build_filename (sub, "p.kilnproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(GFile) none = NULL, data = NULL, saved = NULL;
  g_autofree char *none_path = NULL, *data_path = NULL, *saved_path = NULL;
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  none = kiln_project_get_save_folder (project);
  none_path = g_file_get_path (none);
  if (documents && g_file_test (documents, G_FILE_TEST_IS_DIR))
    g_assert_cmpstr (none_path, ==, documents);
  else
    g_assert_cmpstr (none_path, ==, g_get_home_dir ());

  g_assert_true (g_file_set_contents (csv, "a,b\n1,x\n2,y\n", -1, NULL));
  frame = kiln_csv_read (csv, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  kiln_project_set_data (project, csv, NULL, frame);
  data = kiln_project_get_save_folder (project);
  data_path = g_file_get_path (data);
  g_assert_cmpstr (data_path, ==, dir);

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_true (kiln_project_save (project, file, &error));
  g_assert_no_error (error);
  saved = kiln_project_get_save_folder (project);
  saved_path = g_file_get_path (saved);
  g_assert_cmpstr (saved_path, ==, sub);

  g_unlink (path);
  g_rmdir (sub);
  g_unlink (csv);
  g_rmdir (dir);
}

static gboolean
current_run_scored (gpointer data)
{
  KilnProject *project = kiln_window_get_project (data);
  KilnRun *run = kiln_project_get_current_run (project);
  return run != NULL && (run->restore_error != NULL || (kiln_project_get_result (project) != NULL &&
                                                        kiln_project_get_result (project)->evaluation != NULL));
}

/* A reopened project's older run, trained before a column's type changed, is scored again with the
 * types it was trained with (it said "The model was not trained by this pipeline"). */
static void
test_run_restore_types (void)
{
  KilnWindow *window = kiln_window_new (app);
  KilnProject *project = kiln_window_get_project (window);
  g_autofree char *dir = g_dir_make_tmp ("kiln-runs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "types.kilnproj", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  double accuracy[2];
  guint col;
  KilnRun *first;

  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", "iris.csv");
  g_assert_true (wait_for (has_frame, window, 20000));
  for (guint i = 0; i < 2; i++)
    {
      if (i == 1)
        {
          /* the second run: sepal width as a category */
          col = (guint) kiln_frame_find_column (kiln_project_get_frame (project), "sepal_width");
          kiln_project_set_column_types (project, &col, 1, KILN_COLUMN_CATEGORICAL);
        }
      gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
      settle (50);
      g_assert_true (wait_for (trained_runs, window, 60000));
      accuracy[i] = kiln_evaluation_get_metrics (kiln_project_get_result (project)->evaluation)->accuracy;
    }
  g_assert_true (kiln_project_save (project, file, &error));
  g_assert_no_error (error);
  gtk_window_destroy (GTK_WINDOW (window));

  window = kiln_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  kiln_window_open (window, file);
  g_assert_true (wait_for (has_frame, window, 20000));
  project = kiln_window_get_project (window);
  g_assert_true (wait_for (current_run_scored, window, 60000));
  g_assert_null (kiln_project_get_current_run (project)->restore_error);
  g_assert_cmpfloat (kiln_evaluation_get_metrics (kiln_project_get_result (project)->evaluation)->accuracy, ==, accuracy[1]);

  /* the first run, trained with sepal width a number */
  first = kiln_project_get_runs (project)->pdata[0];
  kiln_project_set_current_run (project, first);
  g_assert_true (wait_for (current_run_scored, window, 60000));
  g_assert_null (first->restore_error);
  g_assert_cmpfloat (kiln_evaluation_get_metrics (kiln_project_get_result (project)->evaluation)->accuracy, ==, accuracy[0]);
  /* the project's own types stay as the user left them */
  col = (guint) kiln_frame_find_column (kiln_project_get_frame (project), "sepal_width");
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (kiln_project_get_frame (project), col)),
                   ==, KILN_COLUMN_CATEGORICAL);

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("KILN_DATA_DIR", KILN_SOURCE_DATADIR, FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);

  g_test_add_func ("/app/project-roundtrip", test_project_roundtrip);
  g_test_add_func ("/app/train-iris", test_train_iris);
  g_test_add_func ("/app/train-regression", test_train_regression);
  g_test_add_func ("/app/train-mlp-cancel", test_train_mlp_cancel);
  g_test_add_func ("/app/cancel-storm", test_cancel_storm);
  g_test_add_func ("/app/runs-roundtrip", test_runs_roundtrip);
  g_test_add_func ("/app/run-restore-types", test_run_restore_types);
  g_test_add_func ("/app/save-folder", test_save_folder);
  ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
