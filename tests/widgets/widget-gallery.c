/* widget-gallery.c: every widget of libkiln-widgets with sample data, for screenshots and for
 * trying them by hand. Not a test.
 *
 *   widget-gallery [--dark] [--page table|loss|confusion|confusion26|plots|inspector] [FILE.csv]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "kiln-csv.h"
#include "kiln-widgets.h"
#include "kiln-widgets-private.h"

static gboolean opt_dark;
static char *opt_page = NULL;
static int opt_column = 2;
static double opt_hover = -1;

static KilnFrame *
load_csv (const char *path)
{
  g_autoptr(GError) error = NULL;
  KilnFrame *frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);

  if (frame == NULL)
    g_printerr ("%s\n", error->message);
  return frame;
}

static void
column_selected_cb (KilnDataTable       *table,
                    guint                column,
                    KilnColumnInspector *inspector)
{
  guint n;
  const guint *columns = kiln_data_table_get_selected_columns (table, &n);

  kiln_column_inspector_set_columns (inspector, kiln_data_table_get_frame (table), columns, n);
}

static GtkWidget *
table_page (const char *path)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *table = kiln_data_table_new ();
  GtkWidget *inspector = kiln_column_inspector_new ();
  g_autoptr(KilnFrame) frame = load_csv (path);
  guint first = 0;

  kiln_data_table_set_frame (KILN_DATA_TABLE (table), frame);
  g_signal_connect (table, "column-selected", G_CALLBACK (column_selected_cb), inspector);
  g_signal_connect (table, "selection-changed", G_CALLBACK (column_selected_cb), inspector);
  gtk_widget_set_size_request (inspector, 340, -1);
  gtk_paned_set_start_child (GTK_PANED (paned), table);
  gtk_paned_set_end_child (GTK_PANED (paned), inspector);
  gtk_paned_set_resize_end_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  if (frame && (guint) opt_column < kiln_frame_get_n_columns (frame))
    first = opt_column;
  if (frame)
    {
      kiln_data_table_set_selected_columns (KILN_DATA_TABLE (table), &first, 1);
      kiln_column_inspector_set_column (KILN_COLUMN_INSPECTOR (inspector), frame, first);
    }
  return paned;
}

static gboolean
hover_cb (gpointer data)
{
  GtkWidget *plot = data;

  _kiln_loss_plot_hover_at (KILN_LOSS_PLOT (plot), opt_hover * gtk_widget_get_width (plot),
                            gtk_widget_get_height (plot) * 0.4);
  return G_SOURCE_REMOVE;
}

static GtkWidget *
loss_page (void)
{
  GtkWidget *plot = kiln_loss_plot_new ();

  if (opt_hover >= 0)
    g_timeout_add_full (G_PRIORITY_DEFAULT, 1500, hover_cb, g_object_ref (plot), g_object_unref);

  kiln_loss_plot_set_metric_name (KILN_LOSS_PLOT (plot), _("Accuracy"));
  for (guint e = 1; e <= 80; e++)
    {
      double d = (double) e - 38;
      kiln_loss_plot_append (KILN_LOSS_PLOT (plot), e,
                             2.3 * exp (-0.07 * e) + 0.04 + 0.01 * sin (e),
                             0.25 + 0.00025 * d * d + (e < 38 ? 0.02 * (38 - e) : 0),
                             0.5 + 0.46 * (1 - exp (-0.09 * e)) - (e > 45 ? 0.001 * (e - 45) : 0));
    }
  return plot;
}

static GtkWidget *
confusion_page (guint n)
{
  GtkWidget *cm = kiln_confusion_matrix_new ();
  static const char *iris[] = { "setosa", "versicolor", "virginica" };
  g_autofree guint *counts = g_new0 (guint, n * n);
  g_auto(GStrv) names = g_new0 (char *, n + 1);

  for (guint a = 0; a < n; a++)
    {
      names[a] = n == 3 ? g_strdup (iris[a]) : g_strdup_printf ("%c", 'A' + a);
      for (guint p = 0; p < n; p++)
        counts[a * n + p] = a == p ? 150 + (a * 37) % 60 : ((a * 7 + p * 3) % 11 == 0 ? (a + p) % 9 : 0);
    }
  if (n == 3)
    {
      counts[1 * 3 + 2] = 3;
      counts[2 * 3 + 1] = 2;
    }
  kiln_confusion_matrix_set_data (KILN_CONFUSION_MATRIX (cm), n, (const char * const *) names, counts);
  return cm;
}

static GtkWidget *
plots_page (void)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *roc = kiln_plot_new (), *scatter = kiln_plot_new (), *resid = kiln_plot_new ();
  GtkWidget *bars = kiln_plot_new ();
  guint n = 300000;
  g_autofree double *actual = g_new (double, n), *pred = g_new (double, n);
  double fpr[101], tpr[101];
  const char *names[] = { "petal_length", "petal_width", "sepal_length", "sepal_width",
                          "a_really_long_feature_name_that_gets_ellipsized", "island" };
  const double imp[] = { 0.44, 0.41, 0.08, 0.03, 0.02, 0.02 };
  GRand *rand = g_rand_new_with_seed (3);

  for (guint i = 0; i <= 100; i++)
    {
      fpr[i] = i / 100.0;
      tpr[i] = pow (fpr[i], 0.25);
    }
  for (guint i = 0; i < n; i++)
    {
      actual[i] = g_rand_double_range (rand, 0, 120) + g_rand_double_range (rand, 0, 60);
      pred[i] = actual[i] * 0.9 + 8 + g_rand_double_range (rand, -15, 15) * (1 + actual[i] / 100);
    }
  g_rand_free (rand);
  kiln_plot_set_roc (KILN_PLOT (roc), fpr, tpr, 101, 0.931, NULL);
  kiln_plot_set_predicted_vs_actual (KILN_PLOT (scatter), actual, pred, n);
  kiln_plot_set_residuals (KILN_PLOT (resid), actual, pred, 3000);
  kiln_plot_set_bars (KILN_PLOT (bars), names, imp, G_N_ELEMENTS (imp), TRUE, _("Importance"));

  gtk_grid_set_row_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_attach (GTK_GRID (grid), roc, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), scatter, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), resid, 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), bars, 1, 1, 1, 1);
  return grid;
}

static void
activate_cb (GtkApplication *app)
{
  GtkWidget *window = adw_application_window_new (app);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *switcher = gtk_stack_switcher_new ();
  const char *datasets = g_getenv ("KILN_SHARED_DATASETS");
  g_autofree char *csv = g_object_get_data (G_OBJECT (app), "csv")
                           ? g_strdup (g_object_get_data (G_OBJECT (app), "csv"))
                           : g_build_filename (datasets ? datasets : "/work/shared/datasets",
                                               "penguins.csv", NULL);
  GtkWidget *page;

  kiln_widgets_init ();
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      opt_dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);

  gtk_stack_add_titled (GTK_STACK (stack), table_page (csv), "table", "Table");
  page = loss_page ();
  gtk_widget_set_margin_start (page, 24);
  gtk_widget_set_margin_end (page, 24);
  gtk_widget_set_margin_top (page, 24);
  gtk_widget_set_margin_bottom (page, 24);
  gtk_stack_add_titled (GTK_STACK (stack), page, "loss", "Loss");
  page = confusion_page (3);
  gtk_widget_set_margin_top (page, 24);
  gtk_stack_add_titled (GTK_STACK (stack), page, "confusion", "Confusion");
  page = confusion_page (26);
  gtk_widget_set_size_request (page, 500, 500);
  gtk_widget_set_halign (page, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (page, GTK_ALIGN_CENTER);
  gtk_stack_add_titled (GTK_STACK (stack), page, "confusion26", "26 classes");
  page = plots_page ();
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  gtk_widget_set_margin_top (page, 12);
  gtk_widget_set_margin_bottom (page, 12);
  gtk_stack_add_titled (GTK_STACK (stack), page, "plots", "Plots");

  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), GTK_STACK (stack));
  gtk_widget_set_halign (switcher, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (switcher, 6);
  gtk_widget_set_margin_bottom (switcher, 6);
  gtk_box_append (GTK_BOX (box), switcher);
  gtk_widget_set_vexpand (stack, TRUE);
  gtk_box_append (GTK_BOX (box), stack);
  if (opt_page)
    gtk_stack_set_visible_child_name (GTK_STACK (stack), opt_page);

  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1240, 780);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = NULL;
  GOptionEntry entries[] = {
    { "dark", 0, 0, G_OPTION_ARG_NONE, &opt_dark, "Dark style", NULL },
    { "page", 0, 0, G_OPTION_ARG_STRING, &opt_page, "Page to show", "NAME" },
    { "column", 0, 0, G_OPTION_ARG_INT, &opt_column, "Column to inspect", "N" },
    { "hover", 0, 0, G_OPTION_ARG_DOUBLE, &opt_hover, "Hover the loss plot at this fraction of its width", "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[FILE.csv]");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  app = adw_application_new ("org.kiln.Kiln.WidgetGallery", G_APPLICATION_NON_UNIQUE);
  if (argc > 1)
    g_object_set_data_full (G_OBJECT (app), "csv", g_strdup (argv[1]), g_free);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), 1, argv);
}
