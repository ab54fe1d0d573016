/* test-plots.c: ticks, the evaluation plots, and saving every plot as PNG and SVG.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-widgets.h"
#include "widget-test-utils.h"

/* ---- Ticks ------------------------------------------------------------------------------ */

static void
assert_ticks (const KilnAxis *axis,
              const double   *expected,
              guint           n)
{
  g_assert_cmpuint (axis->n_ticks, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (axis->ticks[i], expected[i], 1e-9 * MAX (1, fabs (expected[i])));
}

static void
test_linear_ticks (void)
{
  KilnAxis axis;
  char buf[64];

  kiln_axis_set_linear (&axis, 0.13, 0.97, 6, FALSE, TRUE);
  assert_ticks (&axis, (double[]) { 0, 0.2, 0.4, 0.6, 0.8, 1.0 }, 6);
  g_assert_cmpfloat (axis.min, ==, 0);
  g_assert_cmpfloat_with_epsilon (axis.max, 1.0, 1e-12);
  kiln_axis_format_tick (&axis, axis.ticks[1], buf, sizeof buf);
  g_assert_true (g_str_equal (buf, "0.2") || g_str_equal (buf, "0,2"));
  kiln_axis_format_tick (&axis, axis.ticks[0], buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0");

  /* Never more ticks than asked, always covering the data. */
  for (guint max_ticks = 2; max_ticks <= 12; max_ticks++)
    for (double lo = -1234.5; lo < 1000; lo += 377.7)
      {
        double hi = lo + 0.001 + fabs (lo) * 3;

        kiln_axis_set_linear (&axis, lo, hi, max_ticks, FALSE, TRUE);
        g_assert_cmpuint (axis.n_ticks, <=, MAX (max_ticks, 3));
        g_assert_cmpuint (axis.n_ticks, >=, 2);
        g_assert_cmpfloat (axis.min, <=, lo);
        g_assert_cmpfloat (axis.max, >=, hi);
        for (guint i = 1; i < axis.n_ticks; i++)
          g_assert_cmpfloat_with_epsilon (axis.ticks[i] - axis.ticks[i - 1], axis.step, axis.step * 1e-9);
      }

  /* Integer axes (epochs): whole steps. */
  kiln_axis_set_linear (&axis, 1, 7, 10, TRUE, FALSE);
  assert_ticks (&axis, (double[]) { 1, 2, 3, 4, 5, 6, 7 }, 7);
  g_assert_cmpfloat (axis.min, ==, 1);
  g_assert_cmpfloat (axis.max, ==, 7);

  /* Millions get a suffix. */
  kiln_axis_set_linear (&axis, 0, 3e6, 5, FALSE, TRUE);
  kiln_axis_format_tick (&axis, 2e6, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "2M");

  /* A single value and non-finite input still give a usable axis. */
  kiln_axis_set_linear (&axis, 5, 5, 5, FALSE, TRUE);
  g_assert_cmpfloat (axis.min, <, 5);
  g_assert_cmpfloat (axis.max, >, 5);
  kiln_axis_set_linear (&axis, NAN, INFINITY, 5, FALSE, TRUE);
  g_assert_true (isfinite (axis.min) && isfinite (axis.max) && axis.max > axis.min);
}

static void
test_log_ticks (void)
{
  KilnAxis axis;
  char buf[64];

  kiln_axis_set_log (&axis, 0.03, 2.5, 6);
  assert_ticks (&axis, (double[]) { 0.01, 0.1, 1, 10 }, 4);
  kiln_axis_format_tick (&axis, 0.01, buf, sizeof buf);
  g_assert_true (g_str_equal (buf, "0.01") || g_str_equal (buf, "0,01"));
  g_assert_cmpfloat_with_epsilon (kiln_axis_fraction (&axis, 0.1), 1.0 / 3, 1e-12);

  /* Less than a decade: 1, 2, 5 steps around the data. */
  kiln_axis_set_log (&axis, 0.25, 0.9, 8);
  assert_ticks (&axis, (double[]) { 0.2, 0.5, 1 }, 3);

  /* Many decades: every other decade. */
  kiln_axis_set_log (&axis, 1e-8, 1e4, 6);
  g_assert_cmpuint (axis.n_ticks, <=, 7);
  g_assert_cmpfloat (axis.min, <=, 1e-8);
  g_assert_cmpfloat (axis.max, >=, 1e4);
  kiln_axis_format_tick (&axis, 1e-8, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "1e-08");
}

/* ---- Saving ----------------------------------------------------------------------------- */

static void
assert_png (const char *path,
            int         min_width)
{
  cairo_surface_t *surface = cairo_image_surface_create_from_png (path);

  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), >=, min_width);
  g_assert_cmpint (cairo_image_surface_get_height (surface), >, 100);
  cairo_surface_destroy (surface);
}

static void
assert_svg (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_assert_nonnull (strstr (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));
  g_assert_cmpuint (length, >, 1000);
}

static void
save_both (GtkWidget  *widget,
           const char *dir,
           const char *name)
{
  g_autofree char *png = g_strdup_printf ("%s/%s.png", dir, name);
  g_autofree char *svg = g_strdup_printf ("%s/%s.SVG", dir, name);
  g_autoptr(GError) error = NULL;

  g_assert_true (kiln_plot_save (widget, png, &error));
  g_assert_no_error (error);
  assert_png (png, 400);
  g_assert_true (kiln_plot_save (widget, svg, &error));
  g_assert_no_error (error);
  assert_svg (svg);
}

static void
test_save (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kiln-plots-XXXXXX", NULL);
  KilnPlot *plot = g_object_ref_sink (KILN_PLOT (kiln_plot_new ()));
  KilnLossPlot *loss = g_object_ref_sink (KILN_LOSS_PLOT (kiln_loss_plot_new ()));
  KilnConfusionMatrix *cm = g_object_ref_sink (KILN_CONFUSION_MATRIX (kiln_confusion_matrix_new ()));
  const double fpr[] = { 0, 0, 0.1, 0.1, 0.4, 1 }, tpr[] = { 0, 0.5, 0.5, 0.9, 1, 1 };
  const guint counts[] = { 50, 0, 0, 0, 47, 3, 0, 2, 48 };
  const char *classes[] = { "setosa", "versicolor", "virginica" };
  g_autofree char *existing = g_build_filename (dir, "keep.png", NULL);
  g_autofree char *bad = g_build_filename (dir, "plot.bmp", NULL);
  g_autofree char *missing_dir = g_build_filename (dir, "no", "such", "dir", "plot.png", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  const char *name;

  g_assert_nonnull (dir);

  /* Not shown: saved at the natural size. */
  kiln_plot_set_roc (plot, fpr, tpr, G_N_ELEMENTS (fpr), 0.87, NULL);
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_ROC);
  save_both (GTK_WIDGET (plot), dir, "roc");

  for (guint e = 1; e <= 30; e++)
    kiln_loss_plot_append (loss, e, 1.0 / e, 1.2 / e + 0.01 * e, 0.5 + e / 70.0);
  save_both (GTK_WIDGET (loss), dir, "loss");

  kiln_confusion_matrix_set_data (cm, 3, classes, counts);
  save_both (GTK_WIDGET (cm), dir, "confusion");

  /* Bad extension: a clear error and nothing written. */
  g_assert_false (kiln_plot_save (GTK_WIDGET (plot), bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, ".png"));
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* Unwritable place: an error naming the file. */
  g_assert_false (kiln_plot_save (GTK_WIDGET (plot), missing_dir, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Replacing a file is atomic: no temporary files are left behind. */
  g_assert_true (g_file_set_contents (existing, "old", -1, NULL));
  g_assert_true (kiln_plot_save (GTK_WIDGET (plot), existing, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (existing, &contents, NULL, NULL));
  g_assert_true (memcmp (contents, "\x89PNG", 4) == 0);
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_true (g_str_has_suffix (name, ".png") || g_str_has_suffix (name, ".SVG"));
      if (!g_test_verbose ())
        g_unlink (path);
      else
        g_test_message ("kept %s", path);
    }
  if (!g_test_verbose ())
    g_rmdir (dir);

  g_assert_finalize_object (plot);
  g_assert_finalize_object (loss);
  g_assert_finalize_object (cm);
}

/* ---- The plots in a window -------------------------------------------------------------- */

static guint
count_ink (KilnChart *chart,
           int        width,
           int        height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);
  KilnPlotStyle style;
  guint count = 0;
  guchar *data;

  kiln_plot_style_init_light (&style);
  kiln_chart_draw (chart, cr, width, height, &style);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (data[y * cairo_image_surface_get_stride (surface) + x * 4 + 3] > 0)
        count++;
  cairo_surface_destroy (surface);
  return count;
}

static void
test_kinds (void)
{
  KilnPlot *plot = g_object_ref_sink (KILN_PLOT (kiln_plot_new ()));
  GtkWidget *window = show_in_window (GTK_WIDGET (plot), 520, 380);
  guint n = 200000, empty;
  g_autofree double *actual = g_new (double, n);
  g_autofree double *predicted = g_new (double, n);
  const char *names[] = { "petal_width", "petal_length", "sepal_length", "sepal_width", NULL };
  const double importances[] = { 0.05, 0.45, 0.1, 0.4 };
  const guint bins[] = { 3, 10, 25, 40, 22, 9, 1, 0, 2 };
  GRand *rand = g_rand_new_with_seed (7);

  empty = count_ink (KILN_CHART (plot), 520, 380);
  for (guint i = 0; i < n; i++)
    {
      actual[i] = g_rand_double_range (rand, 0, 100);
      predicted[i] = actual[i] + g_rand_double_range (rand, -10, 10);
    }
  predicted[5] = NAN;   /* skipped */

  /* Many points: drawn as a density image. */
  kiln_plot_set_predicted_vs_actual (plot, actual, predicted, n);
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_PREDICTED_VS_ACTUAL);
  spin (100);
  g_assert_cmpuint (count_ink (KILN_CHART (plot), 520, 380), >, empty + 10000);

  kiln_plot_set_residuals (plot, actual, predicted, 500);
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_RESIDUALS);
  spin (100);
  g_assert_cmpuint (count_ink (KILN_CHART (plot), 520, 380), >, empty + 1000);

  kiln_plot_set_bars (plot, names, importances, 4, TRUE, "Importance");
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_BARS);
  spin (100);
  g_assert_cmpuint (count_ink (KILN_CHART (plot), 520, 380), >, empty + 5000);
  /* At most max-bars bars. */
  kiln_plot_set_max_bars (plot, 2);
  kiln_plot_set_bars (plot, names, importances, 4, TRUE, NULL);
  spin (50);

  kiln_plot_set_histogram (plot, bins, G_N_ELEMENTS (bins), -3.5, 12.25, FALSE, "value");
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_HISTOGRAM);
  spin (100);
  g_assert_cmpuint (count_ink (KILN_CHART (plot), 520, 380), >, empty + 5000);

  /* Dates on the x axis */
  kiln_plot_set_histogram (plot, bins, G_N_ELEMENTS (bins), 1.6e9, 1.7e9, TRUE, "when");
  spin (50);

  kiln_plot_clear (plot, "Nothing to show");
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_NONE);
  spin (50);

  g_rand_free (rand);
  gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_assert_finalize_object (plot);
}

int
main (int   argc,
      char *argv[])
{
  widget_test_init (&argc, &argv);

  g_test_add_func ("/plots/linear-ticks", test_linear_ticks);
  g_test_add_func ("/plots/log-ticks", test_log_ticks);
  g_test_add_func ("/plots/save", test_save);
  g_test_add_func ("/plots/kinds", test_kinds);
  return g_test_run ();
}
