/* test-loss-plot.c: KilnLossPlot redraws from a sequence of epochs and scales its axes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "kiln-widgets.h"
#include "kiln-widgets-private.h"
#include "widget-test-utils.h"

static double
train_loss (guint epoch)
{
  return 2.3 * exp (-0.09 * epoch) + 0.05;
}

static double
val_loss (guint epoch)
{
  /* Falls, then turns up after epoch 30 (overfitting): the best epoch is 30. */
  double d = (double) epoch - 30;
  return 0.2 + 0.0004 * d * d + (epoch < 30 ? 0.01 * (30 - epoch) : 0);
}

static double
accuracy (guint epoch)
{
  return 0.5 + 0.45 * (1 - exp (-0.1 * epoch));
}

/* Pixels of @color (within a tolerance) in the plot drawn at @width × @height. */
static guint
count_color_pixels (KilnChart     *chart,
                    int            width,
                    int            height,
                    const GdkRGBA *color)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);
  KilnPlotStyle style;
  guchar *data;
  int stride;
  guint count = 0;

  kiln_plot_style_init_light (&style);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  kiln_chart_draw (chart, cr, width, height, &style);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 p = *(guint32 *) (gpointer) (data + y * stride + x * 4);
        int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;

        if (abs (r - (int) (color->red * 255)) < 12 && abs (g - (int) (color->green * 255)) < 12 &&
            abs (b - (int) (color->blue * 255)) < 12)
          count++;
      }
  cairo_surface_destroy (surface);
  return count;
}

static void
test_ranges (void)
{
  KilnLossPlot *plot = g_object_ref_sink (KILN_LOSS_PLOT (kiln_loss_plot_new ()));
  double lo, hi, data_lo = INFINITY, data_hi = -INFINITY;

  g_assert_false (kiln_loss_plot_get_y_range (plot, &lo, &hi));
  g_assert_cmpuint (kiln_loss_plot_get_best_epoch (plot), ==, 0);

  for (guint e = 1; e <= 60; e++)
    {
      kiln_loss_plot_append (plot, e, train_loss (e), val_loss (e), accuracy (e));
      data_lo = MIN (data_lo, MIN (train_loss (e), val_loss (e)));
      data_hi = MAX (data_hi, MAX (train_loss (e), val_loss (e)));

      /* After every epoch the axis covers all the data, and not absurdly more. */
      g_assert_true (kiln_loss_plot_get_y_range (plot, &lo, &hi));
      g_assert_cmpfloat (lo, <=, data_lo);
      g_assert_cmpfloat (hi, >=, data_hi);
      g_assert_cmpfloat (lo, >=, 0);
      g_assert_cmpfloat (hi - lo, <=, 2 * (data_hi - MIN (0, lo)) + 1e-9);
    }
  g_assert_cmpuint (kiln_loss_plot_get_n_points (plot), ==, 60);
  g_assert_cmpuint (kiln_loss_plot_get_best_epoch (plot), ==, 30);

  g_assert_true (kiln_loss_plot_get_x_range (plot, &lo, &hi));
  g_assert_cmpfloat (lo, <=, 1);
  g_assert_cmpfloat (hi, >=, 60);
  g_assert_true (kiln_loss_plot_get_metric_range (plot, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 1);

  /* Log scale: a positive range of whole ticks around the data. */
  kiln_loss_plot_set_log_scale (plot, TRUE);
  g_assert_true (kiln_loss_plot_get_log_scale (plot));
  g_assert_true (kiln_loss_plot_get_y_range (plot, &lo, &hi));
  g_assert_cmpfloat (lo, >, 0);
  g_assert_cmpfloat (lo, <=, data_lo);
  g_assert_cmpfloat (hi, >=, data_hi);
  {
    double m = lo / pow (10, floor (log10 (lo) + 1e-9));
    g_assert_true (fabs (m - 1) < 1e-9 || fabs (m - 2) < 1e-9 || fabs (m - 5) < 1e-9);
  }
  g_object_set (plot, "log-scale", FALSE, NULL);

  /* A metric outside 0..1 (R² can be negative) gets its own range. */
  kiln_loss_plot_clear (plot);
  g_assert_cmpuint (kiln_loss_plot_get_n_points (plot), ==, 0);
  kiln_loss_plot_set_metric_name (plot, "R²");
  g_assert_cmpstr (kiln_loss_plot_get_metric_name (plot), ==, "R²");
  for (guint e = 1; e <= 10; e++)
    kiln_loss_plot_append (plot, e, 100.0 / e, NAN, -2.0 + 0.25 * e);
  g_assert_true (kiln_loss_plot_get_metric_range (plot, &lo, &hi));
  g_assert_cmpfloat (lo, <=, -1.75);
  g_assert_cmpfloat (hi, >=, 0.5);
  g_assert_true (kiln_loss_plot_get_y_range (plot, &lo, &hi));
  g_assert_cmpfloat (hi, >=, 100);
  /* No validation loss: no best epoch. */
  g_assert_cmpuint (kiln_loss_plot_get_best_epoch (plot), ==, 0);

  g_assert_finalize_object (plot);
}

static gboolean
snapshotted (gpointer data)
{
  return _kiln_loss_plot_get_n_snapshots (data) > 0;
}

typedef struct {
  KilnLossPlot *plot;
  guint         after;
} SnapshotWait;

static gboolean
snapshotted_after (gpointer data)
{
  SnapshotWait *w = data;

  return _kiln_loss_plot_get_n_snapshots (w->plot) > w->after;
}

static void
test_redraws (void)
{
  KilnLossPlot *plot = g_object_ref_sink (KILN_LOSS_PLOT (kiln_loss_plot_new ()));
  KilnPlotStyle style;
  GtkWidget *window;
  SnapshotWait w = { plot, 0 };
  guint blue, orange;
  int width, height, prev = -1, epoch;

  kiln_plot_style_init_light (&style);
  window = show_in_window (GTK_WIDGET (plot), 640, 400);
  g_assert_true (wait_until (snapshotted, plot, 5000));
  width = gtk_widget_get_width (GTK_WIDGET (plot));
  height = gtk_widget_get_height (GTK_WIDGET (plot));

  /* Nothing of the series' colours before the first epoch. */
  g_assert_cmpuint (count_color_pixels (KILN_CHART (plot), width, height,
                                        &style.colors[KILN_PLOT_COLOR_BLUE]), ==, 0);

  /* A burst of epochs (as one drain of the worker's queue) costs one frame. */
  for (guint round = 0; round < 3; round++)
    {
      spin (100);
      w.after = _kiln_loss_plot_get_n_snapshots (plot);
      for (guint e = round * 20 + 1; e <= round * 20 + 20; e++)
        kiln_loss_plot_append (plot, e, train_loss (e), val_loss (e), accuracy (e));
      g_assert_true (wait_until (snapshotted_after, &w, 5000));
      spin (100);
      g_assert_cmpuint (_kiln_loss_plot_get_n_snapshots (plot), <=, w.after + 2);
    }

  /* The series are drawn. */
  blue = count_color_pixels (KILN_CHART (plot), width, height, &style.colors[KILN_PLOT_COLOR_BLUE]);
  orange = count_color_pixels (KILN_CHART (plot), width, height, &style.colors[KILN_PLOT_COLOR_ORANGE]);
  g_test_message ("training-loss pixels %u, validation-loss pixels %u", blue, orange);
  g_assert_cmpuint (blue, >, 200);
  g_assert_cmpuint (orange, >, 200);

  /* Hover: left to right walks the epochs in order, from the first to the last. */
  for (int x = 0; x < width; x += 4)
    {
      epoch = _kiln_loss_plot_hover_at (plot, x, height / 2.0);
      if (epoch < 0)
        continue;
      g_assert_cmpint (epoch, >=, prev);
      if (prev < 0)
        g_assert_cmpint (epoch, ==, 1);
      prev = epoch;
    }
  g_assert_cmpint (prev, ==, 60);
  w.after = _kiln_loss_plot_get_n_snapshots (plot);
  g_assert_true (wait_until (snapshotted_after, &w, 5000));

  /* More epochs than pixels: min/max per pixel column, still drawn. */
  kiln_loss_plot_clear (plot);
  g_assert_cmpuint (count_color_pixels (KILN_CHART (plot), width, height,
                                        &style.colors[KILN_PLOT_COLOR_BLUE]), ==, 0);
  for (guint e = 1; e <= 20000; e++)
    kiln_loss_plot_append (plot, e, 1.0 + 0.3 * sin (e * 0.05) + 5.0 / e, 1.2 + 0.1 * cos (e * 0.01), NAN);
  blue = count_color_pixels (KILN_CHART (plot), width, height, &style.colors[KILN_PLOT_COLOR_BLUE]);
  g_assert_cmpuint (blue, >, 1000);
  w.after = _kiln_loss_plot_get_n_snapshots (plot);
  g_assert_true (wait_until (snapshotted_after, &w, 5000));

  gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_assert_finalize_object (plot);
}

static void
test_bad_input (void)
{
  KilnLossPlot *plot = g_object_ref_sink (KILN_LOSS_PLOT (kiln_loss_plot_new ()));
  double lo, hi;

  /* Infinite and NaN values are gaps, never ranges of inf. */
  kiln_loss_plot_append (plot, 1, INFINITY, NAN, NAN);
  kiln_loss_plot_append (plot, 2, 0.5, NAN, NAN);
  kiln_loss_plot_append (plot, 3, 0.0, NAN, NAN);
  g_assert_true (kiln_loss_plot_get_y_range (plot, &lo, &hi));
  g_assert_true (isfinite (lo) && isfinite (hi));
  g_assert_cmpfloat (hi, >=, 0.5);
  g_assert_false (kiln_loss_plot_get_metric_range (plot, NULL, NULL));
  /* Log scale skips the zero. */
  kiln_loss_plot_set_log_scale (plot, TRUE);
  g_assert_true (kiln_loss_plot_get_y_range (plot, &lo, &hi));
  g_assert_cmpfloat (lo, >, 0);

  if (g_test_undefined ())
    {
      /* Epochs must increase. */
      g_test_expect_message ("kiln-loss-plot", G_LOG_LEVEL_CRITICAL, "*epoch*");
      kiln_loss_plot_append (plot, 3, 0.1, 0.1, 0.1);
      g_test_assert_expected_messages ();
      g_assert_cmpuint (kiln_loss_plot_get_n_points (plot), ==, 3);
    }
  g_assert_finalize_object (plot);
}

int
main (int   argc,
      char *argv[])
{
  widget_test_init (&argc, &argv);

  g_test_add_func ("/loss-plot/ranges", test_ranges);
  g_test_add_func ("/loss-plot/redraws", test_redraws);
  g_test_add_func ("/loss-plot/bad-input", test_bad_input);
  return g_test_run ();
}
