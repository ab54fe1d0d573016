/* kiln-plot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-plot"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "kiln-plot.h"

#define DENSITY_THRESHOLD 4000
#define DEFAULT_MAX_BARS 25
#define MAX_NAME_WIDTH 200

struct _KilnPlot
{
  GtkWidget        parent_instance;

  KilnPlotKind     kind;
  double          *x;            /* ROC: fpr; scatter: as plotted; bars: values; hist: counts */
  double          *y;            /* ROC: tpr; scatter: as plotted */
  guint            n;
  char           **names;        /* bars */
  guint            n_total;      /* bars before the cut to max-bars */
  double           auc;
  double           base, output;  /* waterfall; y holds where each bar starts */
  char            *label;
  double           hist_min;
  double           hist_max;
  gboolean         datetime;
  double           x_lo, x_hi, y_lo, y_hi;
  char            *x_title;
  char            *y_title;
  char            *message;
  guint            max_bars;

  KilnLabelCache  *labels;
  KilnAxes         axes;         /* of the last snapshot, for hover */
  int              hover;        /* point, bar or bin under the pointer; -1 for none */

  cairo_surface_t *density;      /* cached density image of the last snapshot */
  int              density_w;
  int              density_h;
  gboolean         density_dark;
  guint            density_generation;
  guint            generation;
};

static void kiln_plot_chart_init (KilnChartInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KilnPlot, kiln_plot, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (KILN_TYPE_CHART, kiln_plot_chart_init))

enum {
  PROP_0,
  PROP_KIND,
  PROP_MAX_BARS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Data ------------------------------------------------------------------------------- */

static void
clear_data (KilnPlot *self)
{
  g_clear_pointer (&self->x, g_free);
  g_clear_pointer (&self->y, g_free);
  g_strfreev (self->names);
  self->names = NULL;
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->x_title, g_free);
  g_clear_pointer (&self->y_title, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->density, cairo_surface_destroy);
  self->n = self->n_total = 0;
  self->kind = KILN_PLOT_KIND_NONE;
  self->hover = -1;
  self->datetime = FALSE;
  self->auc = NAN;
  self->x_lo = self->y_lo = INFINITY;
  self->x_hi = self->y_hi = -INFINITY;
  self->generation++;
}

static void
changed (KilnPlot     *self,
         KilnPlotKind  kind)
{
  self->kind = kind;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

static void
set_points (KilnPlot     *self,
            const double *x,
            const double *y,
            guint         n)
{
  self->x = g_new (double, MAX (n, 1));
  self->y = g_new (double, MAX (n, 1));
  self->n = 0;
  for (guint i = 0; i < n; i++)
    {
      if (!isfinite (x[i]) || !isfinite (y[i]))
        continue;
      self->x[self->n] = x[i];
      self->y[self->n] = y[i];
      self->x_lo = MIN (self->x_lo, x[i]);
      self->x_hi = MAX (self->x_hi, x[i]);
      self->y_lo = MIN (self->y_lo, y[i]);
      self->y_hi = MAX (self->y_hi, y[i]);
      self->n++;
    }
}

/* ---- Drawing helpers -------------------------------------------------------------------- */

static const GdkRGBA *
accent (const KilnPlotStyle *style)
{
  return &style->colors[KILN_PLOT_COLOR_BLUE];
}

static void
draw_message (KilnPlot            *self,
              cairo_t             *cr,
              int                  width,
              int                  height,
              const KilnPlotStyle *style)
{
  const char *text = self->message ? self->message : _("No data");

  kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, text, MAX (40, width - 16)),
                         width / 2.0, height / 2.0, 0.5, 0.5, 0, &style->axis);
}

static void
dashed_line (cairo_t             *cr,
             const KilnPlotStyle *style,
             double               x0,
             double               y0,
             double               x1,
             double               y1)
{
  static const double dash[] = { 5, 4 };

  cairo_save (cr);
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, 1.5);
  kiln_plot_set_source_rgba (cr, &style->fg, 0.45);
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
clip_area (cairo_t        *cr,
           const KilnAxes *axes)
{
  cairo_rectangle (cr, axes->area.origin.x, axes->area.origin.y - 2,
                   axes->area.size.width + 2, axes->area.size.height + 2);
  cairo_clip (cr);
}

static cairo_surface_t *
make_density (KilnPlot            *self,
              const KilnAxes      *axes,
              const KilnPlotStyle *style,
              int                  w,
              int                  h)
{
  g_autofree guint32 *grid = g_new0 (guint32, (gsize) w * h);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  const GdkRGBA *c = accent (style);
  guchar *data;
  int stride;
  guint32 max = 0;
  double sx = w / (axes->x.max - axes->x.min), sy = h / (axes->y.max - axes->y.min);
  double logmax;

  for (guint i = 0; i < self->n; i++)
    {
      int px = (int) floor ((self->x[i] - axes->x.min) * sx);
      int py = h - 1 - (int) floor ((self->y[i] - axes->y.min) * sy);

      if (px < 0 || py < 0 || px >= w || py >= h)
        continue;
      max = MAX (max, ++grid[(gsize) py * w + px]);
    }

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  logmax = log1p (MAX (max, 1));
  for (int py = 0; py < h; py++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) py * stride);

      for (int px = 0; px < w; px++)
        {
          guint32 count = grid[(gsize) py * w + px];
          double a;

          if (count == 0)
            {
              row[px] = 0;
              continue;
            }
          a = 0.3 + 0.7 * log1p (count) / logmax;
          row[px] = ((guint32) (a * 255) << 24) |
                    ((guint32) (c->red * a * 255) << 16) |
                    ((guint32) (c->green * a * 255) << 8) |
                    (guint32) (c->blue * a * 255);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static void
draw_points (KilnPlot            *self,
             cairo_t             *cr,
             const KilnAxes      *axes,
             const KilnPlotStyle *style,
             gboolean             use_cache)
{
  if (self->n <= DENSITY_THRESHOLD)
    {
      double r = self->n > 1000 ? 2.0 : 3.0;

      for (guint i = 0; i < self->n; i++)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, kiln_axes_x (axes, self->x[i]), kiln_axes_y (axes, self->y[i]), r, 0, 2 * G_PI);
        }
      kiln_plot_set_source_rgba (cr, accent (style), self->n > 1000 ? 0.45 : 0.65);
      cairo_fill (cr);
    }
  else
    {
      int w = MAX (1, (int) ceil (axes->area.size.width));
      int h = MAX (1, (int) ceil (axes->area.size.height));
      cairo_surface_t *surface;

      if (use_cache && self->density && self->density_w == w && self->density_h == h &&
          self->density_dark == style->dark && self->density_generation == self->generation)
        surface = cairo_surface_reference (self->density);
      else
        {
          surface = make_density (self, axes, style, w, h);
          if (use_cache)
            {
              g_clear_pointer (&self->density, cairo_surface_destroy);
              self->density = cairo_surface_reference (surface);
              self->density_w = w;
              self->density_h = h;
              self->density_dark = style->dark;
              self->density_generation = self->generation;
            }
        }
      cairo_set_source_surface (cr, surface, axes->area.origin.x, axes->area.origin.y);
      cairo_paint (cr);
      cairo_surface_destroy (surface);
    }
}

static void
format_bar_value (double  value,
                  char   *buf,
                  gsize   size)
{
  if (value == floor (value) && fabs (value) < 1e15)
    g_snprintf (buf, size, "%.0f", value);
  else
    kiln_plot_format_value (value, buf, size);
}

/* ---- The plots -------------------------------------------------------------------------- */

static void
draw_roc (KilnPlot            *self,
          cairo_t             *cr,
          int                  width,
          int                  height,
          const KilnPlotStyle *style,
          KilnAxes            *axes,
          gboolean             interactive)
{
  KilnAxisSpec x = { 0, 1, .nice = TRUE, .title = self->x_title };
  KilnAxisSpec y = { 0, 1, .nice = TRUE, .title = self->y_title };
  KilnLegendItem legend[2];
  char text[128];

  kiln_axes_layout (axes, self->labels, &x, &y, NULL, width, height, 0);
  kiln_axes_draw_grid (axes, cr, style);
  dashed_line (cr, style, kiln_axes_x (axes, 0), kiln_axes_y (axes, 0),
               kiln_axes_x (axes, 1), kiln_axes_y (axes, 1));

  cairo_save (cr);
  clip_area (cr, axes);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->n; i++)
    cairo_line_to (cr, kiln_axes_x (axes, self->x[i]), kiln_axes_y (axes, self->y[i]));
  cairo_line_to (cr, kiln_axes_x (axes, 1), kiln_axes_y (axes, 0));
  cairo_line_to (cr, kiln_axes_x (axes, 0), kiln_axes_y (axes, 0));
  cairo_close_path (cr);
  kiln_plot_set_source_rgba (cr, accent (style), 0.12);
  cairo_fill (cr);
  for (guint i = 0; i < self->n; i++)
    cairo_line_to (cr, kiln_axes_x (axes, self->x[i]), kiln_axes_y (axes, self->y[i]));
  cairo_set_line_width (cr, 2);
  kiln_plot_set_source_rgba (cr, accent (style), 1.0);
  cairo_stroke (cr);
  if (interactive && self->hover >= 0 && (guint) self->hover < self->n)
    {
      cairo_arc (cr, kiln_axes_x (axes, self->x[self->hover]),
                 kiln_axes_y (axes, self->y[self->hover]), 5, 0, 2 * G_PI);
      kiln_plot_set_source_rgba (cr, &style->fg, 0.8);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  kiln_axes_draw (axes, cr, self->labels, style);

  if (isnan (self->auc))
    g_snprintf (text, sizeof text, "%s", self->label ? self->label : _("ROC curve"));
  else if (self->label)
    g_snprintf (text, sizeof text, _("%s (AUC = %.3f)"), self->label, self->auc);
  else
    g_snprintf (text, sizeof text, _("ROC curve (AUC = %.3f)"), self->auc);
  legend[0] = (KilnLegendItem) { text, accent (style), KILN_LEGEND_LINE };
  legend[1] = (KilnLegendItem) { _("Chance"), &style->axis, KILN_LEGEND_DASHED };
  kiln_plot_draw_legend (cr, self->labels, style, &axes->area, KILN_CORNER_BOTTOM_RIGHT, legend, 2);
}

static void
draw_scatter (KilnPlot            *self,
              cairo_t             *cr,
              int                  width,
              int                  height,
              const KilnPlotStyle *style,
              KilnAxes            *axes,
              gboolean             interactive)
{
  KilnAxisSpec x = { self->x_lo, self->x_hi, .nice = TRUE, .title = self->x_title };
  KilnAxisSpec y = { self->y_lo, self->y_hi, .nice = TRUE, .title = self->y_title };

  if (self->kind == KILN_PLOT_KIND_PREDICTED_VS_ACTUAL)
    {
      /* The same scale on both axes, so y = x is the diagonal. */
      x.lo = y.lo = MIN (self->x_lo, self->y_lo);
      x.hi = y.hi = MAX (self->x_hi, self->y_hi);
    }
  else
    {
      double m = MAX (fabs (self->y_lo), fabs (self->y_hi));

      /* Residuals: zero in the middle. */
      y.lo = -m;
      y.hi = m;
    }

  kiln_axes_layout (axes, self->labels, &x, &y, NULL, width, height, 0);
  kiln_axes_draw_grid (axes, cr, style);

  cairo_save (cr);
  clip_area (cr, axes);
  draw_points (self, cr, axes, style, interactive);
  if (self->kind == KILN_PLOT_KIND_PREDICTED_VS_ACTUAL)
    {
      double lo = MAX (axes->x.min, axes->y.min), hi = MIN (axes->x.max, axes->y.max);

      dashed_line (cr, style, kiln_axes_x (axes, lo), kiln_axes_y (axes, lo),
                   kiln_axes_x (axes, hi), kiln_axes_y (axes, hi));
    }
  else
    dashed_line (cr, style, axes->area.origin.x, kiln_axes_y (axes, 0),
                 axes->area.origin.x + axes->area.size.width, kiln_axes_y (axes, 0));
  if (interactive && self->hover >= 0 && (guint) self->hover < self->n)
    {
      cairo_arc (cr, kiln_axes_x (axes, self->x[self->hover]),
                 kiln_axes_y (axes, self->y[self->hover]), 5, 0, 2 * G_PI);
      cairo_set_line_width (cr, 2);
      kiln_plot_set_source_rgba (cr, &style->fg, 0.8);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  kiln_axes_draw (axes, cr, self->labels, style);
}

static double
bars_name_width (KilnPlot *self,
                 int       width)
{
  int max = 0;

  for (guint i = 0; i < self->n; i++)
    {
      int w, h;

      pango_layout_get_pixel_size (kiln_label_cache_get (self->labels, self->names[i], -1), &w, &h);
      max = MAX (max, w);
    }
  return MIN (max, MIN (MAX_NAME_WIDTH, width * 0.4));
}

static void
draw_bars (KilnPlot            *self,
           cairo_t             *cr,
           int                  width,
           int                  height,
           const KilnPlotStyle *style,
           KilnAxes            *axes,
           gboolean             interactive)
{
  double name_w = bars_name_width (self, width);
  double lo = 0, hi = 0, band, bar_h;
  KilnAxisSpec x = { 0, 0, .nice = TRUE, .title = self->x_title };
  KilnAxisSpec y = { 0, MAX (self->n, 1), .nice = FALSE, .hidden = TRUE, .reserve = name_w + 8 };
  int lh = kiln_label_cache_get_line_height (self->labels);

  for (guint i = 0; i < self->n; i++)
    {
      lo = MIN (lo, self->x[i]);
      hi = MAX (hi, self->x[i]);
    }
  if (hi == lo)
    hi = lo + 1;
  x.lo = lo;
  x.hi = hi;
  if (self->n_total > self->n)
    y.title = NULL;

  /* "Top 25 of 458" sits in a row of its own above the bars, inside the widget */
  kiln_axes_layout (axes, self->labels, &x, &y, NULL, width, height,
                    self->n_total > self->n ? kiln_plot_legend_row_height (self->labels) : 0);
  kiln_axes_draw_grid (axes, cr, style);

  band = axes->area.size.height / MAX (self->n, 1);
  bar_h = MIN (band * 0.72, 26);
  for (guint i = 0; i < self->n; i++)
    {
      double cy = axes->area.origin.y + band * (i + 0.5);
      double x0 = kiln_axes_x (axes, MIN (0, self->x[i]));
      double x1 = kiln_axes_x (axes, MAX (0, self->x[i]));
      gboolean hot = interactive && self->hover == (int) i;
      char text[64];
      PangoLayout *value;
      int tw, th;

      kiln_plot_rounded_rect (cr, x0, cy - bar_h / 2, MAX (1, x1 - x0), bar_h, MIN (3, bar_h / 3));
      kiln_plot_set_source_rgba (cr, accent (style), hot ? 1.0 : 0.8);
      cairo_fill (cr);

      if (band >= lh * 0.8)
        {
          kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, self->names[i], (int) name_w),
                                 axes->area.origin.x - 8, cy, 1.0, 0.5, 0,
                                 hot ? accent (style) : &style->fg);
          format_bar_value (self->x[i], text, sizeof text);
          value = kiln_label_cache_get (self->labels, text, -1);
          pango_layout_get_pixel_size (value, &tw, &th);
          if (x1 + 4 + tw <= axes->area.origin.x + axes->area.size.width)
            kiln_plot_draw_layout (cr, value, x1 + 4, cy, 0, 0.5, 0, &style->fg);
          else if (x1 - x0 > tw + 8)
            {
              GdkRGBA white = { 1, 1, 1, 1 };
              kiln_plot_draw_layout (cr, value, x1 - 4, cy, 1, 0.5, 0, &white);
            }
        }
    }
  kiln_axes_draw (axes, cr, self->labels, style);

  if (self->n_total > self->n)
    {
      char text[96];

      g_snprintf (text, sizeof text, _("Top %u of %u"), self->n, self->n_total);
      kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, text, -1),
                             axes->area.origin.x + axes->area.size.width, axes->area.origin.y,
                             1.0, 1.0, 0, &style->axis);
    }
}

/* Bars from where the running total stood to where it goes; positive blue, negative red; the base
 * and the output as thin lines, their values in a row above. */
static void
draw_waterfall (KilnPlot            *self,
                cairo_t             *cr,
                int                  width,
                int                  height,
                const KilnPlotStyle *style,
                KilnAxes            *axes,
                gboolean             interactive)
{
  double name_w = bars_name_width (self, width);
  double lo = MIN (self->base, self->output), hi = MAX (self->base, self->output), band, bar_h;
  KilnAxisSpec x = { 0, 0, .nice = TRUE, .title = self->x_title };
  KilnAxisSpec y = { 0, MAX (self->n, 1), .nice = FALSE, .hidden = TRUE, .reserve = name_w + 8 };
  int lh = kiln_label_cache_get_line_height (self->labels);
  char a[48], b[48], text[160];
  int decimals;

  for (guint i = 0; i < self->n; i++)
    {
      lo = MIN (lo, MIN (self->y[i], self->y[i] + self->x[i]));
      hi = MAX (hi, MAX (self->y[i], self->y[i] + self->x[i]));
    }
  if (hi == lo)
    hi = lo + 1;
  x.lo = lo;
  x.hi = hi;
  /* every number with the same decimals: three significant digits of the span shown */
  decimals = CLAMP (2 - (int) floor (log10 (hi - lo)), 0, 8);
  kiln_axes_layout (axes, self->labels, &x, &y, NULL, width, height,
                    kiln_plot_legend_row_height (self->labels));
  kiln_axes_draw_grid (axes, cr, style);

  band = axes->area.size.height / MAX (self->n, 1);
  bar_h = MIN (band * 0.72, 26);
  for (guint i = 0; i < self->n; i++)
    {
      double cy = axes->area.origin.y + band * (i + 0.5);
      double from = self->y[i], to = self->y[i] + self->x[i];
      double x0 = kiln_axes_x (axes, MIN (from, to));
      double x1 = kiln_axes_x (axes, MAX (from, to));
      gboolean hot = interactive && self->hover == (int) i;
      const GdkRGBA *color = self->x[i] >= 0 ? accent (style) : &style->colors[KILN_PLOT_COLOR_RED];
      PangoLayout *value;
      int tw, th;

      kiln_plot_rounded_rect (cr, x0, cy - bar_h / 2, MAX (1, x1 - x0), bar_h, MIN (3, bar_h / 3));
      kiln_plot_set_source_rgba (cr, color, hot ? 1.0 : 0.8);
      cairo_fill (cr);
      /* the step to the next bar */
      if (i + 1 < self->n)
        {
          kiln_plot_set_source_rgba (cr, &style->axis, 0.6);
          cairo_set_line_width (cr, 1);
          cairo_move_to (cr, round (kiln_axes_x (axes, to)) + 0.5, cy + bar_h / 2);
          cairo_line_to (cr, round (kiln_axes_x (axes, to)) + 0.5, cy + band - bar_h / 2);
          cairo_stroke (cr);
        }
      if (band >= lh * 0.8)
        {
          kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, self->names[i], (int) name_w),
                                 axes->area.origin.x - 8, cy, 1.0, 0.5, 0, hot ? color : &style->fg);
          g_snprintf (text, sizeof text, "%+.*f", decimals, self->x[i]);
          value = kiln_label_cache_get (self->labels, text, -1);
          pango_layout_get_pixel_size (value, &tw, &th);
          if (x1 + 4 + tw <= axes->area.origin.x + axes->area.size.width)
            kiln_plot_draw_layout (cr, value, x1 + 4, cy, 0, 0.5, 0, &style->fg);
          else if (x0 - 4 - tw >= axes->area.origin.x)
            kiln_plot_draw_layout (cr, value, x0 - 4, cy, 1, 0.5, 0, &style->fg);
        }
    }
  /* the base and the output */
  cairo_set_line_width (cr, 1);
  kiln_plot_set_source_rgba (cr, &style->axis, 1.0);
  cairo_move_to (cr, round (kiln_axes_x (axes, self->base)) + 0.5, axes->area.origin.y);
  cairo_line_to (cr, round (kiln_axes_x (axes, self->base)) + 0.5, axes->area.origin.y + axes->area.size.height);
  cairo_stroke (cr);
  kiln_plot_set_source_rgba (cr, &style->fg, 1.0);
  cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
  cairo_move_to (cr, round (kiln_axes_x (axes, self->output)) + 0.5, axes->area.origin.y);
  cairo_line_to (cr, round (kiln_axes_x (axes, self->output)) + 0.5, axes->area.origin.y + axes->area.size.height);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  kiln_axes_draw (axes, cr, self->labels, style);

  g_snprintf (a, sizeof a, "%.*f", decimals, self->base);
  g_snprintf (b, sizeof b, "%.*f", decimals, self->output);
  /* Translators: the waterfall of one row's explanation: from the average output to this row's */
  g_snprintf (text, sizeof text, _("Average %s → this row %s"), a, b);
  kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, text, -1),
                         axes->area.origin.x + axes->area.size.width, axes->area.origin.y,
                         1.0, 1.0, 0, &style->axis);
}

static void
draw_histogram (KilnPlot            *self,
                cairo_t             *cr,
                int                  width,
                int                  height,
                const KilnPlotStyle *style,
                KilnAxes            *axes,
                gboolean             interactive)
{
  double max = 0, bin;
  KilnAxisSpec x = { self->hist_min, self->hist_max, .nice = FALSE, .datetime = self->datetime,
                     .title = self->x_title };
  KilnAxisSpec y = { 0, 0, .nice = TRUE, .integer = TRUE, .title = self->y_title };

  for (guint i = 0; i < self->n; i++)
    max = MAX (max, self->x[i]);
  y.hi = MAX (max, 1);
  if (!(x.hi > x.lo))
    {
      x.lo -= 0.5;
      x.hi += 0.5;
    }

  kiln_axes_layout (axes, self->labels, &x, &y, NULL, width, height, 0);
  kiln_axes_draw_grid (axes, cr, style);
  bin = axes->area.size.width / MAX (self->n, 1);
  for (guint i = 0; i < self->n; i++)
    {
      double x0 = axes->area.origin.x + i * bin, x1 = x0 + bin;
      double y0 = kiln_axes_y (axes, self->x[i]), y1 = kiln_axes_y (axes, 0);
      double gap = bin >= 4 ? 1 : 0;

      if (self->x[i] <= 0)
        continue;
      cairo_rectangle (cr, x0 + gap / 2, y0, MAX (0.5, x1 - x0 - gap), y1 - y0);
      kiln_plot_set_source_rgba (cr, accent (style),
                                 interactive && self->hover == (int) i ? 1.0 : 0.75);
      cairo_fill (cr);
    }
  kiln_axes_draw (axes, cr, self->labels, style);
}

static void
draw_plot (KilnPlot            *self,
           cairo_t             *cr,
           int                  width,
           int                  height,
           const KilnPlotStyle *style,
           KilnAxes            *axes,
           gboolean             interactive)
{
  kiln_label_cache_trim (self->labels);
  memset (axes, 0, sizeof *axes);

  switch (self->kind)
    {
    case KILN_PLOT_KIND_ROC:
      draw_roc (self, cr, width, height, style, axes, interactive);
      break;
    case KILN_PLOT_KIND_PREDICTED_VS_ACTUAL:
    case KILN_PLOT_KIND_RESIDUALS:
      if (self->n == 0)
        draw_message (self, cr, width, height, style);
      else
        draw_scatter (self, cr, width, height, style, axes, interactive);
      break;
    case KILN_PLOT_KIND_BARS:
      if (self->n == 0)
        draw_message (self, cr, width, height, style);
      else
        draw_bars (self, cr, width, height, style, axes, interactive);
      break;
    case KILN_PLOT_KIND_HISTOGRAM:
      draw_histogram (self, cr, width, height, style, axes, interactive);
      break;
    case KILN_PLOT_KIND_WATERFALL:
      if (self->n == 0)
        draw_message (self, cr, width, height, style);
      else
        draw_waterfall (self, cr, width, height, style, axes, interactive);
      break;
    case KILN_PLOT_KIND_NONE:
    default:
      draw_message (self, cr, width, height, style);
      break;
    }
}

static void
kiln_plot_chart_draw (KilnChart           *chart,
                      cairo_t             *cr,
                      int                  width,
                      int                  height,
                      const KilnPlotStyle *style)
{
  KilnAxes axes;

  draw_plot (KILN_PLOT (chart), cr, width, height, style, &axes, FALSE);
}

static void
kiln_plot_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  KilnPlot *self = KILN_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  KilnPlotStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  kiln_plot_style_init_for_widget (&style, widget);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_plot (self, cr, width, height, &style, &self->axes, TRUE);
  cairo_destroy (cr);
}

static void
kiln_plot_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  KilnPlot *self = KILN_PLOT (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 420;
    }
  else if (self->kind == KILN_PLOT_KIND_BARS || self->kind == KILN_PLOT_KIND_WATERFALL)
    {
      *minimum = (int) MIN (120 + 14 * self->n, 240);
      *natural = MAX (*minimum, (int) (64 + 32 * MAX (self->n, 3)));
    }
  else
    {
      *minimum = 150;
      *natural = 320;
    }
}

static void
kiln_plot_css_changed (GtkWidget         *widget,
                       GtkCssStyleChange *change)
{
  KilnPlot *self = KILN_PLOT (widget);

  GTK_WIDGET_CLASS (kiln_plot_parent_class)->css_changed (widget, change);
  kiln_label_cache_clear (self->labels);
  gtk_widget_queue_draw (widget);
}

/* ---- Hover ------------------------------------------------------------------------------ */

static int
hit_test (KilnPlot *self,
          double    px,
          double    py)
{
  const KilnAxes *axes = &self->axes;
  const graphene_rect_t *a = &axes->area;

  if (a->size.width <= 0 || a->size.height <= 0)
    return -1;

  switch (self->kind)
    {
    case KILN_PLOT_KIND_ROC:
    case KILN_PLOT_KIND_PREDICTED_VS_ACTUAL:
    case KILN_PLOT_KIND_RESIDUALS:
      {
        double best = 12 * 12;
        int found = -1;

        for (guint i = 0; i < self->n; i++)
          {
            double dx = kiln_axes_x (axes, self->x[i]) - px;
            double dy = kiln_axes_y (axes, self->y[i]) - py;

            if (dx * dx + dy * dy < best)
              {
                best = dx * dx + dy * dy;
                found = i;
              }
          }
        return found;
      }
    case KILN_PLOT_KIND_BARS:
    case KILN_PLOT_KIND_WATERFALL:
      {
        double band = a->size.height / MAX (self->n, 1);
        int i = (int) floor ((py - a->origin.y) / band);

        if (py < a->origin.y || i < 0 || (guint) i >= self->n)
          return -1;
        return i;
      }
    case KILN_PLOT_KIND_HISTOGRAM:
      {
        double bin = a->size.width / MAX (self->n, 1);
        int i = (int) floor ((px - a->origin.x) / bin);

        if (px < a->origin.x || i < 0 || (guint) i >= self->n ||
            py < a->origin.y || py > a->origin.y + a->size.height)
          return -1;
        return i;
      }
    case KILN_PLOT_KIND_NONE:
    default:
      return -1;
    }
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           KilnPlot                 *self)
{
  int hover = hit_test (self, x, y);

  if (hover != self->hover)
    {
      self->hover = hover;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *motion,
          KilnPlot                 *self)
{
  if (self->hover != -1)
    {
      self->hover = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  KilnPlot   *self)
{
  int i = keyboard ? self->hover : hit_test (self, x, y);
  g_autofree char *text = NULL;
  char a[48], b[48];

  if (i < 0 || (guint) i >= self->n)
    return FALSE;

  switch (self->kind)
    {
    case KILN_PLOT_KIND_ROC:
      kiln_plot_format_value (self->x[i], a, sizeof a);
      kiln_plot_format_value (self->y[i], b, sizeof b);
      text = g_strdup_printf (_("False positive rate: %s\nTrue positive rate: %s"), a, b);
      break;
    case KILN_PLOT_KIND_PREDICTED_VS_ACTUAL:
      kiln_plot_format_value (self->x[i], a, sizeof a);
      kiln_plot_format_value (self->y[i], b, sizeof b);
      text = g_strdup_printf (_("Actual: %s\nPredicted: %s"), a, b);
      break;
    case KILN_PLOT_KIND_RESIDUALS:
      kiln_plot_format_value (self->x[i], a, sizeof a);
      kiln_plot_format_value (self->y[i], b, sizeof b);
      text = g_strdup_printf (_("Predicted: %s\nResidual: %s"), a, b);
      break;
    case KILN_PLOT_KIND_BARS:
      format_bar_value (self->x[i], a, sizeof a);
      text = g_strdup_printf ("%s: %s", self->names[i], a);
      break;
    case KILN_PLOT_KIND_WATERFALL:
      kiln_plot_format_value (self->x[i], a, sizeof a);
      kiln_plot_format_value (self->y[i] + self->x[i], b, sizeof b);
      /* Translators: a column's contribution to one row's prediction, and the running total */
      text = g_strdup_printf (_("%s: %s%s (to %s)"), self->names[i], self->x[i] >= 0 ? "+" : "", a, b);
      break;
    case KILN_PLOT_KIND_HISTOGRAM:
      {
        double w = (self->hist_max - self->hist_min) / self->n;
        KilnAxis axis = { .min = self->hist_min, .max = self->hist_max, .datetime = self->datetime };

        if (self->datetime)
          {
            kiln_axis_format_tick (&axis, self->hist_min + i * w, a, sizeof a);
            kiln_axis_format_tick (&axis, self->hist_min + (i + 1) * w, b, sizeof b);
          }
        else
          {
            kiln_plot_format_value (self->hist_min + i * w, a, sizeof a);
            kiln_plot_format_value (self->hist_min + (i + 1) * w, b, sizeof b);
          }
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s to %s: %.0f row",
                                             "%s to %s: %.0f rows", (gulong) self->x[i]),
                                a, b, self->x[i]);
      }
      break;
    case KILN_PLOT_KIND_NONE:
    default:
      return FALSE;
    }
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
kiln_plot_finalize (GObject *object)
{
  KilnPlot *self = KILN_PLOT (object);

  clear_data (self);
  kiln_label_cache_free (self->labels);
  G_OBJECT_CLASS (kiln_plot_parent_class)->finalize (object);
}

static void
kiln_plot_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KilnPlot *self = KILN_PLOT (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_MAX_BARS:
      g_value_set_uint (value, self->max_bars);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_plot_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KilnPlot *self = KILN_PLOT (object);

  switch (prop_id)
    {
    case PROP_MAX_BARS:
      kiln_plot_set_max_bars (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_plot_chart_init (KilnChartInterface *iface)
{
  iface->draw = kiln_plot_chart_draw;
}

static void
kiln_plot_class_init (KilnPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = kiln_plot_finalize;
  object_class->get_property = kiln_plot_get_property;
  object_class->set_property = kiln_plot_set_property;

  widget_class->snapshot = kiln_plot_snapshot;
  widget_class->measure = kiln_plot_measure;
  widget_class->css_changed = kiln_plot_css_changed;

  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL, KILN_PLOT_KIND_NONE, KILN_PLOT_KIND_WATERFALL,
                      KILN_PLOT_KIND_NONE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_BARS] =
    g_param_spec_uint ("max-bars", NULL, NULL, 1, 1000, DEFAULT_MAX_BARS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
kiln_plot_init (KilnPlot *self)
{
  GtkEventController *motion;

  self->labels = kiln_label_cache_new (GTK_WIDGET (self), 1.0);
  self->max_bars = DEFAULT_MAX_BARS;
  clear_data (self);

  gtk_widget_add_css_class (GTK_WIDGET (self), "kiln-chart");
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

/* ---- Public API ------------------------------------------------------------------------- */

GtkWidget *
kiln_plot_new (void)
{
  return g_object_new (KILN_TYPE_PLOT, NULL);
}

KilnPlotKind
kiln_plot_get_kind (KilnPlot *self)
{
  g_return_val_if_fail (KILN_IS_PLOT (self), KILN_PLOT_KIND_NONE);
  return self->kind;
}

void
kiln_plot_clear (KilnPlot   *self,
                 const char *message)
{
  g_return_if_fail (KILN_IS_PLOT (self));

  clear_data (self);
  self->message = g_strdup (message);
  changed (self, KILN_PLOT_KIND_NONE);
}

void
kiln_plot_set_roc (KilnPlot     *self,
                   const double *fpr,
                   const double *tpr,
                   guint         n_points,
                   double        auc,
                   const char   *label)
{
  g_return_if_fail (KILN_IS_PLOT (self));
  g_return_if_fail (n_points == 0 || (fpr != NULL && tpr != NULL));

  clear_data (self);
  set_points (self, fpr, tpr, n_points);
  self->auc = auc;
  self->label = g_strdup (label);
  self->x_title = g_strdup (_("False positive rate"));
  self->y_title = g_strdup (_("True positive rate"));
  changed (self, KILN_PLOT_KIND_ROC);
}

void
kiln_plot_set_predicted_vs_actual (KilnPlot     *self,
                                   const double *actual,
                                   const double *predicted,
                                   guint         n)
{
  g_return_if_fail (KILN_IS_PLOT (self));
  g_return_if_fail (n == 0 || (actual != NULL && predicted != NULL));

  clear_data (self);
  set_points (self, actual, predicted, n);
  self->x_title = g_strdup (_("Actual"));
  self->y_title = g_strdup (_("Predicted"));
  changed (self, KILN_PLOT_KIND_PREDICTED_VS_ACTUAL);
}

void
kiln_plot_set_residuals (KilnPlot     *self,
                         const double *actual,
                         const double *predicted,
                         guint         n)
{
  g_autofree double *residuals = NULL;

  g_return_if_fail (KILN_IS_PLOT (self));
  g_return_if_fail (n == 0 || (actual != NULL && predicted != NULL));

  clear_data (self);
  residuals = g_new (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    residuals[i] = actual[i] - predicted[i];
  set_points (self, predicted, residuals, n);
  self->x_title = g_strdup (_("Predicted"));
  self->y_title = g_strdup (_("Residual (actual − predicted)"));
  changed (self, KILN_PLOT_KIND_RESIDUALS);
}

static int
compare_bars (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const double *values = user_data;
  double va = values[*(const guint *) a], vb = values[*(const guint *) b];

  if (isnan (va) || isnan (vb))
    return isnan (va) - isnan (vb);
  return (va < vb) - (va > vb);
}

void
kiln_plot_set_bars (KilnPlot           *self,
                    const char * const *names,
                    const double       *values,
                    guint               n,
                    gboolean            sort,
                    const char         *value_title)
{
  g_autofree guint *order = NULL;
  guint shown;

  g_return_if_fail (KILN_IS_PLOT (self));
  g_return_if_fail (n == 0 || (names != NULL && values != NULL));

  clear_data (self);
  order = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    order[i] = i;
  if (sort)
    g_qsort_with_data (order, n, sizeof (guint), compare_bars, (gpointer) values);

  shown = MIN (n, self->max_bars);
  self->n_total = n;
  self->n = 0;
  self->x = g_new (double, MAX (shown, 1));
  self->names = g_new0 (char *, shown + 1);
  for (guint i = 0; i < shown; i++)
    {
      double v = values[order[i]];

      if (!isfinite (v))
        continue;
      self->x[self->n] = v;
      self->names[self->n] = g_strdup (names[order[i]] ? names[order[i]] : "");
      self->n++;
    }
  self->x_title = g_strdup (value_title);
  changed (self, KILN_PLOT_KIND_BARS);
}

static int
compare_magnitude (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  const double *values = user_data;
  double va = fabs (values[*(const guint *) a]), vb = fabs (values[*(const guint *) b]);

  return (va < vb) - (va > vb);
}

void
kiln_plot_set_waterfall (KilnPlot           *self,
                         const char * const *names,
                         const double       *values,
                         guint               n,
                         double              base,
                         double              output,
                         const char         *value_title)
{
  g_autofree guint *order = NULL;
  guint shown, kept = 0;
  double at = base, rest = 0;

  g_return_if_fail (KILN_IS_PLOT (self));
  g_return_if_fail (n == 0 || (names != NULL && values != NULL));

  clear_data (self);
  order = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      order[kept++] = i;
  g_qsort_with_data (order, kept, sizeof (guint), compare_magnitude, (gpointer) values);
  /* past max-bars: the smallest in one bar */
  shown = kept > self->max_bars ? self->max_bars - 1 : kept;
  self->x = g_new (double, shown + 1);
  self->y = g_new (double, shown + 1);
  self->names = g_new0 (char *, shown + 2);
  for (guint i = 0; i < shown; i++)
    {
      self->y[i] = at;
      self->x[i] = values[order[i]];
      self->names[i] = g_strdup (names[order[i]] ? names[order[i]] : "");
      at += self->x[i];
    }
  self->n = shown;
  if (kept > shown)
    {
      for (guint i = shown; i < kept; i++)
        rest += values[order[i]];
      self->y[self->n] = at;
      self->x[self->n] = rest;
      self->names[self->n] = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u other column",
                                                           "%u other columns", kept - shown),
                                              kept - shown);
      self->n++;
    }
  self->n_total = kept;
  self->base = base;
  self->output = output;
  self->x_title = g_strdup (value_title);
  changed (self, KILN_PLOT_KIND_WATERFALL);
}

void
kiln_plot_set_histogram (KilnPlot    *self,
                         const guint *counts,
                         guint        n_bins,
                         double       min,
                         double       max,
                         gboolean     datetime,
                         const char  *value_title)
{
  g_return_if_fail (KILN_IS_PLOT (self));
  g_return_if_fail (n_bins == 0 || counts != NULL);

  clear_data (self);
  self->x = g_new (double, MAX (n_bins, 1));
  for (guint i = 0; i < n_bins; i++)
    self->x[i] = counts[i];
  self->n = n_bins;
  self->hist_min = min;
  self->hist_max = max;
  self->datetime = datetime;
  self->x_title = g_strdup (value_title);
  self->y_title = g_strdup (_("Rows"));
  changed (self, KILN_PLOT_KIND_HISTOGRAM);
}

void
kiln_plot_set_axis_titles (KilnPlot   *self,
                           const char *x_title,
                           const char *y_title)
{
  g_return_if_fail (KILN_IS_PLOT (self));

  g_free (self->x_title);
  self->x_title = g_strdup (x_title);
  g_free (self->y_title);
  self->y_title = g_strdup (y_title);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
kiln_plot_set_max_bars (KilnPlot *self,
                        guint     max_bars)
{
  g_return_if_fail (KILN_IS_PLOT (self));
  g_return_if_fail (max_bars > 0);

  if (self->max_bars == max_bars)
    return;
  self->max_bars = max_bars;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_BARS]);
}

guint
kiln_plot_get_max_bars (KilnPlot *self)
{
  g_return_val_if_fail (KILN_IS_PLOT (self), DEFAULT_MAX_BARS);
  return self->max_bars;
}
