/* kiln-loss-plot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawing follows Sysprof's line layer: the main layer is one cairo node, cached until the data,
 * the size or the theme change; hover is a second, cheap pass over the cached node. Series are
 * single paths; with more epochs than pixel columns each column draws its min/max, so the path
 * has O(width) segments. Tick labels come from a cache of PangoLayouts.
 */
#define G_LOG_DOMAIN "kiln-loss-plot"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "kiln-loss-plot.h"
#include "kiln-widgets-private.h"

#define DEFAULT_WIDTH 480
#define DEFAULT_HEIGHT 300

enum { SERIES_TRAIN, SERIES_VAL, SERIES_METRIC, N_SERIES };

struct _KilnLossPlot
{
  GtkWidget       parent_instance;

  GArray         *epochs;                /* guint */
  GArray         *values[N_SERIES];      /* float, NaN where absent */
  double          loss_min;              /* over train and validation, finite values */
  double          loss_max;
  double          loss_min_positive;     /* for the log scale */
  double          metric_min;
  double          metric_max;
  guint           best;                  /* index of the lowest validation loss, or G_MAXUINT */

  gboolean        log_scale;
  char           *metric_name;

  KilnLabelCache *labels;
  GskRenderNode  *main_node;             /* cached main layer */
  KilnAxes        axes;                  /* of the cached main layer, for hover */
  int             hover;                 /* index of the hovered epoch, -1 for none */
  double          hover_y;

  guint           n_snapshots;           /* for tests */
};

static void kiln_loss_plot_chart_init (KilnChartInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KilnLossPlot, kiln_loss_plot, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (KILN_TYPE_CHART, kiln_loss_plot_chart_init))

enum {
  PROP_0,
  PROP_LOG_SCALE,
  PROP_METRIC_NAME,
  PROP_N_POINTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
invalidate (KilnLossPlot *self)
{
  g_clear_pointer (&self->main_node, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
reset_ranges (KilnLossPlot *self)
{
  self->loss_min = self->loss_min_positive = self->metric_min = INFINITY;
  self->loss_max = self->metric_max = -INFINITY;
  self->best = G_MAXUINT;
}

static inline float
value_at (KilnLossPlot *self,
          guint         series,
          guint         i)
{
  return g_array_index (self->values[series], float, i);
}

static inline guint
epoch_at (KilnLossPlot *self,
          guint         i)
{
  return g_array_index (self->epochs, guint, i);
}

/* ---- Layout ----------------------------------------------------------------------------- */

static gboolean
has_series (KilnLossPlot *self,
            guint         series)
{
  if (series == SERIES_METRIC)
    return self->metric_min <= self->metric_max;
  for (guint i = 0; i < self->epochs->len; i++)
    if (!isnan (value_at (self, series, i)))
      return TRUE;
  return FALSE;
}

static void
layout_axes (KilnLossPlot   *self,
             KilnAxes       *axes,
             double          width,
             double          height)
{
  guint n = self->epochs->len;
  KilnAxisSpec x = { 0, }, y = { 0, }, y2 = { 0, };
  gboolean metric = self->metric_min <= self->metric_max;

  x.lo = n > 0 ? epoch_at (self, 0) : 1;
  x.hi = n > 0 ? epoch_at (self, n - 1) : 10;
  if (x.hi - x.lo < 4)
    x.hi = x.lo + 4;
  x.integer = TRUE;
  x.nice = FALSE;
  x.title = _("Epoch");

  y.log = self->log_scale;
  y.lo = self->log_scale ? self->loss_min_positive : MIN (0, self->loss_min);
  y.hi = self->loss_max;
  if (!(self->loss_min <= self->loss_max))
    {
      y.lo = self->log_scale ? 0.1 : 0;
      y.hi = 1;
    }
  y.nice = TRUE;
  y.title = _("Loss");

  if (metric)
    {
      if (self->metric_min >= 0 && self->metric_max <= 1)
        {
          y2.lo = 0;
          y2.hi = 1;
        }
      else
        {
          y2.lo = self->metric_min;
          y2.hi = self->metric_max;
        }
      y2.nice = TRUE;
      y2.title = self->metric_name;
    }

  kiln_axes_layout (axes, self->labels, &x, &y, metric ? &y2 : NULL, width, height,
                    n > 0 ? kiln_plot_legend_row_height (self->labels) : 0);
}

/* ---- Drawing ---------------------------------------------------------------------------- */

static void
add_series_path (KilnLossPlot   *self,
                 cairo_t        *cr,
                 const KilnAxes *axes,
                 guint           series)
{
  guint n = self->epochs->len;
  gboolean second = series == SERIES_METRIC;
  gboolean log = !second && self->log_scale;
  gboolean pen_down = FALSE;
  double col = NAN, first = 0, last = 0, lo = 0, hi = 0;
  gboolean dense = n > axes->area.size.width;

  for (guint i = 0; i < n; i++)
    {
      double v = value_at (self, series, i);
      double px, py;

      if (isnan (v) || (log && !(v > 0)))
        {
          if (dense && !isnan (col))
            {
              cairo_line_to (cr, col, first);
              cairo_line_to (cr, col, lo);
              cairo_line_to (cr, col, hi);
              cairo_line_to (cr, col, last);
              col = NAN;
            }
          pen_down = FALSE;
          continue;
        }
      px = kiln_axes_x (axes, epoch_at (self, i));
      py = second ? kiln_axes_y2 (axes, v) : kiln_axes_y (axes, v);

      if (!dense)
        {
          if (pen_down)
            cairo_line_to (cr, px, py);
          else
            cairo_move_to (cr, px, py);
          pen_down = TRUE;
          continue;
        }

      /* Dense: one min/max bar per pixel column. */
      px = floor (px) + 0.5;
      if (px == col)
        {
          lo = MAX (lo, py);
          hi = MIN (hi, py);
          last = py;
          continue;
        }
      if (!isnan (col))
        {
          cairo_line_to (cr, col, first);
          cairo_line_to (cr, col, lo);
          cairo_line_to (cr, col, hi);
          cairo_line_to (cr, col, last);
        }
      if (!pen_down)
        cairo_move_to (cr, px, py);
      pen_down = TRUE;
      col = px;
      first = last = lo = hi = py;
    }
  if (dense && !isnan (col))
    {
      cairo_line_to (cr, col, first);
      cairo_line_to (cr, col, lo);
      cairo_line_to (cr, col, hi);
      cairo_line_to (cr, col, last);
    }
}

static void
add_series_dots (KilnLossPlot   *self,
                 cairo_t        *cr,
                 const KilnAxes *axes,
                 guint           series)
{
  gboolean second = series == SERIES_METRIC;
  gboolean log = !second && self->log_scale;

  for (guint i = 0; i < self->epochs->len; i++)
    {
      double v = value_at (self, series, i);
      double px, py;

      if (isnan (v) || (log && !(v > 0)))
        continue;
      px = kiln_axes_x (axes, epoch_at (self, i));
      py = second ? kiln_axes_y2 (axes, v) : kiln_axes_y (axes, v);
      cairo_new_sub_path (cr);
      cairo_arc (cr, px, py, 2.5, 0, 2 * G_PI);
    }
}

static const GdkRGBA *
series_color (const KilnPlotStyle *style,
              guint                series)
{
  switch (series)
    {
    case SERIES_TRAIN:
      return &style->colors[KILN_PLOT_COLOR_BLUE];
    case SERIES_VAL:
      return &style->colors[KILN_PLOT_COLOR_ORANGE];
    case SERIES_METRIC:
    default:
      return &style->colors[KILN_PLOT_COLOR_GREEN];
    }
}

static const char *
series_name (KilnLossPlot *self,
             guint         series)
{
  switch (series)
    {
    case SERIES_TRAIN:
      return _("Training loss");
    case SERIES_VAL:
      return _("Validation loss");
    case SERIES_METRIC:
    default:
      return self->metric_name;
    }
}

static void
draw_main (KilnLossPlot        *self,
           cairo_t             *cr,
           int                  width,
           int                  height,
           const KilnPlotStyle *style,
           KilnAxes            *axes)
{
  KilnLegendItem legend[N_SERIES];
  guint n_legend = 0;
  guint n = self->epochs->len;
  const graphene_rect_t *area;

  kiln_label_cache_trim (self->labels);
  layout_axes (self, axes, width, height);
  area = &axes->area;
  kiln_axes_draw_grid (axes, cr, style);

  cairo_save (cr);
  cairo_rectangle (cr, area->origin.x - 4, area->origin.y - 4,
                   area->size.width + 8, area->size.height + 8);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  /* The best epoch, under the lines. */
  if (self->best != G_MAXUINT)
    {
      static const double dash[] = { 3, 3 };
      double px = floor (kiln_axes_x (axes, epoch_at (self, self->best))) + 0.5;

      cairo_save (cr);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_set_line_width (cr, 1);
      kiln_plot_set_source_rgba (cr, series_color (style, SERIES_VAL), 0.8);
      cairo_move_to (cr, px, area->origin.y);
      cairo_line_to (cr, px, area->origin.y + area->size.height);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  for (guint s = 0; s < N_SERIES; s++)
    {
      if (!has_series (self, s))
        continue;
      kiln_plot_set_source_rgba (cr, series_color (style, s), 1.0);
      cairo_set_line_width (cr, s == SERIES_METRIC ? 1.5 : 2.0);
      if (s == SERIES_METRIC)
        {
          static const double dash[] = { 6, 3 };
          cairo_set_dash (cr, dash, 2, 0);
        }
      add_series_path (self, cr, axes, s);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      if (n > 0 && n <= area->size.width / 20)
        {
          add_series_dots (self, cr, axes, s);
          cairo_fill (cr);
        }
      legend[n_legend].label = series_name (self, s);
      legend[n_legend].color = series_color (style, s);
      legend[n_legend].mark = s == SERIES_METRIC ? KILN_LEGEND_DASHED : KILN_LEGEND_LINE;
      n_legend++;
    }

  if (self->best != G_MAXUINT)
    {
      double px = kiln_axes_x (axes, epoch_at (self, self->best));
      double v = value_at (self, SERIES_VAL, self->best);
      double py = kiln_axes_y (axes, v);

      cairo_arc (cr, px, py, 5, 0, 2 * G_PI);
      kiln_plot_set_source_rgba (cr, &style->surface, 1.0);
      cairo_fill_preserve (cr);
      cairo_set_line_width (cr, 2);
      kiln_plot_set_source_rgba (cr, series_color (style, SERIES_VAL), 1.0);
      cairo_stroke (cr);
      kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, _("best"), -1),
                             px + 4, area->origin.y + 2, 0, 0, 0,
                             series_color (style, SERIES_VAL));
    }
  cairo_restore (cr);

  kiln_axes_draw (axes, cr, self->labels, style);

  if (n == 0)
    kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, _("Waiting for the first epoch…"), -1),
                           area->origin.x + area->size.width / 2,
                           area->origin.y + area->size.height / 2, 0.5, 0.5, 0, &style->axis);
  else if (n_legend > 0)
    kiln_plot_draw_legend (cr, self->labels, style, area, KILN_CORNER_ABOVE, legend, n_legend);
}

static void
kiln_loss_plot_chart_draw (KilnChart           *chart,
                           cairo_t             *cr,
                           int                  width,
                           int                  height,
                           const KilnPlotStyle *style)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (chart);
  KilnAxes axes;

  draw_main (self, cr, width, height, style, &axes);
}

static void
draw_hover (KilnLossPlot        *self,
            cairo_t             *cr,
            const KilnPlotStyle *style)
{
  const KilnAxes *axes = &self->axes;
  char text[N_SERIES + 1][96];
  const char *lines[N_SERIES + 1];
  const GdkRGBA *marks[N_SERIES + 1];
  guint n_lines = 0, i = (guint) self->hover;
  double px = kiln_axes_x (axes, epoch_at (self, i));

  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  kiln_plot_set_source_rgba (cr, &style->axis, 1.0);
  cairo_move_to (cr, floor (px) + 0.5, axes->area.origin.y);
  cairo_line_to (cr, floor (px) + 0.5, axes->area.origin.y + axes->area.size.height);
  cairo_stroke (cr);

  g_snprintf (text[n_lines], sizeof text[0], _("Epoch %u"), epoch_at (self, i));
  lines[n_lines] = text[n_lines];
  marks[n_lines] = NULL;
  n_lines++;

  for (guint s = 0; s < N_SERIES; s++)
    {
      double v = value_at (self, s, i);
      char value[32];

      if (isnan (v))
        continue;
      if (s != SERIES_METRIC && !(self->log_scale && !(v > 0)))
        {
          cairo_arc (cr, px, kiln_axes_y (axes, v), 4, 0, 2 * G_PI);
          kiln_plot_set_source_rgba (cr, series_color (style, s), 1.0);
          cairo_fill (cr);
        }
      else if (s == SERIES_METRIC)
        {
          cairo_arc (cr, px, kiln_axes_y2 (axes, v), 4, 0, 2 * G_PI);
          kiln_plot_set_source_rgba (cr, series_color (style, s), 1.0);
          cairo_fill (cr);
        }
      kiln_plot_format_value (v, value, sizeof value);
      g_snprintf (text[n_lines], sizeof text[0], "%s: %s", series_name (self, s), value);
      lines[n_lines] = text[n_lines];
      marks[n_lines] = series_color (style, s);
      n_lines++;
    }

  kiln_plot_draw_hover_box (cr, self->labels, style, &axes->area, px, self->hover_y,
                            lines, marks, n_lines);
  cairo_restore (cr);
}

static void
kiln_loss_plot_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  KilnPlotStyle style;

  if (width <= 0 || height <= 0)
    return;

  self->n_snapshots++;
  kiln_plot_style_init_for_widget (&style, widget);

  if (self->main_node == NULL)
    {
      GtkSnapshot *layer = gtk_snapshot_new ();
      cairo_t *cr = gtk_snapshot_append_cairo (layer, &GRAPHENE_RECT_INIT (0, 0, width, height));

      draw_main (self, cr, width, height, &style, &self->axes);
      cairo_destroy (cr);
      self->main_node = gtk_snapshot_free_to_node (layer);
    }
  if (self->main_node != NULL)
    gtk_snapshot_append_node (snapshot, self->main_node);

  if (self->hover >= 0 && (guint) self->hover < self->epochs->len)
    {
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

      draw_hover (self, cr, &style);
      cairo_destroy (cr);
    }
}

static void
kiln_loss_plot_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (widget);

  g_clear_pointer (&self->main_node, gsk_render_node_unref);
}

static void
kiln_loss_plot_css_changed (GtkWidget         *widget,
                            GtkCssStyleChange *change)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (widget);

  GTK_WIDGET_CLASS (kiln_loss_plot_parent_class)->css_changed (widget, change);
  kiln_label_cache_clear (self->labels);
  invalidate (self);
}

static void
kiln_loss_plot_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = DEFAULT_WIDTH;
    }
  else
    {
      *minimum = 160;
      *natural = DEFAULT_HEIGHT;
    }
}

/* ---- Hover ------------------------------------------------------------------------------ */

static int
nearest_index (KilnLossPlot *self,
               double        x)
{
  const KilnAxes *axes = &self->axes;
  guint n = self->epochs->len, lo = 0, hi;
  double epoch;

  if (n == 0 || self->main_node == NULL || axes->area.size.width <= 0)
    return -1;
  if (x < axes->area.origin.x - 8 || x > axes->area.origin.x + axes->area.size.width + 8)
    return -1;
  epoch = axes->x.min + (x - axes->area.origin.x) / axes->area.size.width * (axes->x.max - axes->x.min);

  /* The first index whose epoch is >= the pointer's, then the nearer of it and the previous. */
  hi = n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (epoch_at (self, mid) < epoch)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == n)
    return n - 1;
  if (lo > 0 && epoch - epoch_at (self, lo - 1) < epoch_at (self, lo) - epoch)
    return lo - 1;
  return lo;
}

static void
set_hover (KilnLossPlot *self,
           double        x,
           double        y)
{
  int hover = nearest_index (self, x);

  if (hover != self->hover || (hover >= 0 && y != self->hover_y))
    {
      self->hover = hover;
      self->hover_y = y;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           KilnLossPlot             *self)
{
  set_hover (self, x, y);
}

static void
leave_cb (GtkEventControllerMotion *motion,
          KilnLossPlot             *self)
{
  if (self->hover != -1)
    {
      self->hover = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
kiln_loss_plot_dispose (GObject *object)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (object);

  g_clear_pointer (&self->main_node, gsk_render_node_unref);
  G_OBJECT_CLASS (kiln_loss_plot_parent_class)->dispose (object);
}

static void
kiln_loss_plot_finalize (GObject *object)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (object);

  g_array_unref (self->epochs);
  for (guint s = 0; s < N_SERIES; s++)
    g_array_unref (self->values[s]);
  g_free (self->metric_name);
  kiln_label_cache_free (self->labels);
  G_OBJECT_CLASS (kiln_loss_plot_parent_class)->finalize (object);
}

static void
kiln_loss_plot_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->log_scale);
      break;
    case PROP_METRIC_NAME:
      g_value_set_string (value, self->metric_name);
      break;
    case PROP_N_POINTS:
      g_value_set_uint (value, self->epochs->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_loss_plot_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KilnLossPlot *self = KILN_LOSS_PLOT (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      kiln_loss_plot_set_log_scale (self, g_value_get_boolean (value));
      break;
    case PROP_METRIC_NAME:
      kiln_loss_plot_set_metric_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_loss_plot_chart_init (KilnChartInterface *iface)
{
  iface->draw = kiln_loss_plot_chart_draw;
}

static void
kiln_loss_plot_class_init (KilnLossPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_loss_plot_dispose;
  object_class->finalize = kiln_loss_plot_finalize;
  object_class->get_property = kiln_loss_plot_get_property;
  object_class->set_property = kiln_loss_plot_set_property;

  widget_class->snapshot = kiln_loss_plot_snapshot;
  widget_class->measure = kiln_loss_plot_measure;
  widget_class->size_allocate = kiln_loss_plot_size_allocate;
  widget_class->css_changed = kiln_loss_plot_css_changed;

  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_METRIC_NAME] =
    g_param_spec_string ("metric-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_POINTS] =
    g_param_spec_uint ("n-points", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "lossplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
kiln_loss_plot_init (KilnLossPlot *self)
{
  GtkEventController *motion;

  self->epochs = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint s = 0; s < N_SERIES; s++)
    self->values[s] = g_array_new (FALSE, FALSE, sizeof (float));
  self->metric_name = g_strdup (_("Validation metric"));
  self->labels = kiln_label_cache_new (GTK_WIDGET (self), 1.0);
  self->hover = -1;
  reset_ranges (self);

  gtk_widget_add_css_class (GTK_WIDGET (self), "kiln-chart");
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

/* ---- Public API ------------------------------------------------------------------------- */

GtkWidget *
kiln_loss_plot_new (void)
{
  return g_object_new (KILN_TYPE_LOSS_PLOT, NULL);
}

void
kiln_loss_plot_append (KilnLossPlot *self,
                       guint         epoch,
                       double        train_loss,
                       double        val_loss,
                       double        val_metric)
{
  float v[N_SERIES] = { train_loss, val_loss, val_metric };
  guint n;

  g_return_if_fail (KILN_IS_LOSS_PLOT (self));
  n = self->epochs->len;
  g_return_if_fail (n == 0 || epoch > epoch_at (self, n - 1));

  g_array_append_val (self->epochs, epoch);
  for (guint s = 0; s < N_SERIES; s++)
    {
      if (isinf (v[s]))
        v[s] = NAN;
      g_array_append_val (self->values[s], v[s]);
    }

  for (guint s = SERIES_TRAIN; s <= SERIES_VAL; s++)
    if (!isnan (v[s]))
      {
        self->loss_min = MIN (self->loss_min, v[s]);
        self->loss_max = MAX (self->loss_max, v[s]);
        if (v[s] > 0)
          self->loss_min_positive = MIN (self->loss_min_positive, v[s]);
      }
  if (!isnan (v[SERIES_METRIC]))
    {
      self->metric_min = MIN (self->metric_min, v[SERIES_METRIC]);
      self->metric_max = MAX (self->metric_max, v[SERIES_METRIC]);
    }
  if (!isnan (v[SERIES_VAL]) &&
      (self->best == G_MAXUINT || v[SERIES_VAL] < value_at (self, SERIES_VAL, self->best)))
    self->best = n;

  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_POINTS]);
}

void
kiln_loss_plot_clear (KilnLossPlot *self)
{
  g_return_if_fail (KILN_IS_LOSS_PLOT (self));

  g_array_set_size (self->epochs, 0);
  for (guint s = 0; s < N_SERIES; s++)
    g_array_set_size (self->values[s], 0);
  reset_ranges (self);
  self->hover = -1;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_POINTS]);
}

guint
kiln_loss_plot_get_n_points (KilnLossPlot *self)
{
  g_return_val_if_fail (KILN_IS_LOSS_PLOT (self), 0);
  return self->epochs->len;
}

void
kiln_loss_plot_set_log_scale (KilnLossPlot *self,
                              gboolean      log_scale)
{
  g_return_if_fail (KILN_IS_LOSS_PLOT (self));

  log_scale = !!log_scale;
  if (self->log_scale == log_scale)
    return;
  self->log_scale = log_scale;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
}

gboolean
kiln_loss_plot_get_log_scale (KilnLossPlot *self)
{
  g_return_val_if_fail (KILN_IS_LOSS_PLOT (self), FALSE);
  return self->log_scale;
}

void
kiln_loss_plot_set_metric_name (KilnLossPlot *self,
                                const char   *name)
{
  g_return_if_fail (KILN_IS_LOSS_PLOT (self));

  if (name == NULL)
    name = _("Validation metric");
  if (g_strcmp0 (self->metric_name, name) == 0)
    return;
  g_free (self->metric_name);
  self->metric_name = g_strdup (name);
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRIC_NAME]);
}

const char *
kiln_loss_plot_get_metric_name (KilnLossPlot *self)
{
  g_return_val_if_fail (KILN_IS_LOSS_PLOT (self), NULL);
  return self->metric_name;
}

guint
kiln_loss_plot_get_best_epoch (KilnLossPlot *self)
{
  g_return_val_if_fail (KILN_IS_LOSS_PLOT (self), 0);
  return self->best == G_MAXUINT ? 0 : epoch_at (self, self->best);
}

static void
current_axes (KilnLossPlot *self,
              KilnAxes     *axes)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (width <= 1 || height <= 1)
    {
      width = DEFAULT_WIDTH;
      height = DEFAULT_HEIGHT;
    }
  layout_axes (self, axes, width, height);
}

gboolean
kiln_loss_plot_get_y_range (KilnLossPlot *self,
                            double       *min,
                            double       *max)
{
  KilnAxes axes;

  g_return_val_if_fail (KILN_IS_LOSS_PLOT (self), FALSE);
  current_axes (self, &axes);
  if (min)
    *min = axes.y.min;
  if (max)
    *max = axes.y.max;
  return self->loss_min <= self->loss_max;
}

gboolean
kiln_loss_plot_get_metric_range (KilnLossPlot *self,
                                 double       *min,
                                 double       *max)
{
  KilnAxes axes;

  g_return_val_if_fail (KILN_IS_LOSS_PLOT (self), FALSE);
  current_axes (self, &axes);
  if (min)
    *min = axes.has_y2 ? axes.y2.min : NAN;
  if (max)
    *max = axes.has_y2 ? axes.y2.max : NAN;
  return axes.has_y2;
}

gboolean
kiln_loss_plot_get_x_range (KilnLossPlot *self,
                            double       *min,
                            double       *max)
{
  KilnAxes axes;

  g_return_val_if_fail (KILN_IS_LOSS_PLOT (self), FALSE);
  current_axes (self, &axes);
  if (min)
    *min = axes.x.min;
  if (max)
    *max = axes.x.max;
  return self->epochs->len > 0;
}

/* ---- Test hooks ------------------------------------------------------------------------- */

guint
_kiln_loss_plot_get_n_snapshots (KilnLossPlot *self)
{
  return self->n_snapshots;
}

int
_kiln_loss_plot_hover_at (KilnLossPlot *self,
                          double        x,
                          double        y)
{
  set_hover (self, x, y);
  return self->hover >= 0 ? (int) epoch_at (self, self->hover) : -1;
}
