/* kiln-plot-axes.h: what every Kiln plot shares: colours, "nice" ticks, cached labels, axes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plots draw with one function `draw (cairo_t *, width, height, style)` that serves both the
 * widget's snapshot and file export (kiln-chart.h). This module holds the pieces of such a
 * function that would otherwise be written once per plot: the tick algorithm (linear and log
 * scales), tick-label formatting, a cache of PangoLayouts so a frame allocates nothing, and the
 * layout and drawing of a frame with two (or three) axes.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* ---- Colours ---------------------------------------------------------------------------- */

#define KILN_PLOT_N_COLORS 6

typedef enum {
  KILN_PLOT_COLOR_BLUE,
  KILN_PLOT_COLOR_ORANGE,
  KILN_PLOT_COLOR_GREEN,
  KILN_PLOT_COLOR_PURPLE,
  KILN_PLOT_COLOR_RED,
  KILN_PLOT_COLOR_YELLOW,
} KilnPlotColor;

typedef struct {
  GdkRGBA  fg;            /* text and axes: the widget's colour */
  GdkRGBA  background;    /* alpha 0 in the widget (GTK draws the background), white in files */
  GdkRGBA  grid;          /* fg, faint */
  GdkRGBA  axis;          /* fg, half strength */
  GdkRGBA  surface;       /* legend / hover box fill: opaque, readable on both themes */
  GdkRGBA  colors[KILN_PLOT_N_COLORS]; /* the libadwaita palette, lighter tones on dark */
  gboolean dark;
} KilnPlotStyle;

/* The colours of @widget's current theme (dark or light), transparent background. */
void     kiln_plot_style_init_for_widget (KilnPlotStyle *style,
                                          GtkWidget     *widget);
/* Dark text on white, for files that are read outside the application. */
void     kiln_plot_style_init_light      (KilnPlotStyle *style);

void     kiln_plot_set_source_rgba       (cairo_t       *cr,
                                          const GdkRGBA *color,
                                          double         alpha_scale);

/* ---- Axes and ticks --------------------------------------------------------------------- */

#define KILN_AXIS_MAX_TICKS 24

typedef struct {
  double   min;           /* the range shown, after rounding to ticks */
  double   max;
  gboolean log;
  guint    n_ticks;
  double   ticks[KILN_AXIS_MAX_TICKS];
  double   step;          /* linear: distance between ticks */
  int      decimals;      /* digits after the point in labels */
  double   unit;          /* labels show value / unit (1, 1e3, 1e6, 1e9) with a suffix */
  gboolean datetime;      /* values are seconds since the epoch; labels are dates */
} KilnAxis;

/* Ticks at 1, 2 or 5 × 10^k, at most @max_ticks of them (3 at least with @nice, as a range
 * around zero needs them), covering [lo, hi]. With @nice the
 * range grows to the outer ticks; without it the range is exactly [lo, hi]. @integer keeps the
 * step a whole number (epochs, counts). A degenerate or non-finite range is widened. */
void     kiln_axis_set_linear   (KilnAxis *axis,
                                 double    lo,
                                 double    hi,
                                 guint     max_ticks,
                                 gboolean  integer,
                                 gboolean  nice);
/* Decades (and 2, 5 between them when the range is short), range grown to whole ticks.
 * @lo must be > 0; a non-positive @lo is replaced by hi / 10. */
void     kiln_axis_set_log      (KilnAxis *axis,
                                 double    lo,
                                 double    hi,
                                 guint     max_ticks);
/* 0 at axis->min, 1 at axis->max (log-scaled on a log axis); values outside go beyond. */
double   kiln_axis_fraction     (const KilnAxis *axis,
                                 double          value);
/* A tick label, e.g. "0.25", "1.5M", "1e-05". */
void     kiln_axis_format_tick  (const KilnAxis *axis,
                                 double          value,
                                 char           *buf,
                                 gsize           size);
/* A value as hover boxes show it: 4 significant digits ("0.1235", "12,346" → "12346"). */
void     kiln_plot_format_value (double          value,
                                 char           *buf,
                                 gsize           size);

/* ---- Label cache ------------------------------------------------------------------------ */

typedef struct _KilnLabelCache KilnLabelCache;

/* Layouts for @widget's font, scaled by @font_scale (1.0 = the widget's font). */
KilnLabelCache *kiln_label_cache_new    (GtkWidget      *widget,
                                         double          font_scale);
void            kiln_label_cache_free   (KilnLabelCache *cache);
/* Forget every layout (call from GtkWidget::css_changed: the font may have changed). */
void            kiln_label_cache_clear  (KilnLabelCache *cache);
/* Bounds the cache; call at the start of a draw, never between two _get() calls whose
 * layouts are still in use. */
void            kiln_label_cache_trim   (KilnLabelCache *cache);
/* A layout showing @text, ellipsized at the end to @max_width pixels when > 0. Borrowed. */
PangoLayout    *kiln_label_cache_get    (KilnLabelCache *cache,
                                         const char     *text,
                                         int             max_width);
/* The height of one line of text. */
int             kiln_label_cache_get_line_height (KilnLabelCache *cache);

/* Draws @layout with its box aligned at (x, y) by @xalign, @yalign (0 = left/top, 1 =
 * right/bottom), rotated by @angle radians around that point. */
void            kiln_plot_draw_layout   (cairo_t        *cr,
                                         PangoLayout    *layout,
                                         double          x,
                                         double          y,
                                         double          xalign,
                                         double          yalign,
                                         double          angle,
                                         const GdkRGBA  *color);

/* ---- A frame with axes ------------------------------------------------------------------ */

typedef struct {
  double      lo;         /* the data's range; NaN when there is no data */
  double      hi;
  gboolean    log;
  gboolean    integer;
  gboolean    nice;       /* grow the range to round ticks */
  gboolean    datetime;   /* seconds since the epoch, labelled as dates (linear only) */
  gboolean    hidden;     /* no ticks, labels or grid: the plot labels this side itself */
  double      reserve;    /* hidden axes: the margin to keep for the plot's own labels */
  const char *title;      /* NULL for none */
} KilnAxisSpec;

typedef struct {
  KilnAxis        x;
  KilnAxis        y;
  KilnAxis        y2;     /* right-hand axis, when has_y2 */
  gboolean        has_y2;
  const char     *x_title;
  const char     *y_title;
  const char     *y2_title;
  graphene_rect_t area;   /* the plotting area inside the axes */
} KilnAxes;

/* Chooses the ticks that fit @width × @height and the margins their labels need. @top_extra
 * reserves room above the area (for a legend). */
void     kiln_axes_layout      (KilnAxes           *axes,
                                KilnLabelCache     *labels,
                                const KilnAxisSpec *x,
                                const KilnAxisSpec *y,
                                const KilnAxisSpec *y2,
                                double              width,
                                double              height,
                                double              top_extra);
/* Pixel positions of data values. */
double   kiln_axes_x           (const KilnAxes *axes,
                                double          value);
double   kiln_axes_y           (const KilnAxes *axes,
                                double          value);
double   kiln_axes_y2          (const KilnAxes *axes,
                                double          value);
/* Grid lines (under the data) and axis lines, tick labels and titles (over it). */
void     kiln_axes_draw_grid   (const KilnAxes      *axes,
                                cairo_t             *cr,
                                const KilnPlotStyle *style);
void     kiln_axes_draw        (const KilnAxes      *axes,
                                cairo_t             *cr,
                                KilnLabelCache      *labels,
                                const KilnPlotStyle *style);

/* ---- Legend ----------------------------------------------------------------------------- */

typedef enum {
  KILN_LEGEND_LINE,
  KILN_LEGEND_DASHED,
  KILN_LEGEND_BOX,
  KILN_LEGEND_POINT,
} KilnLegendMark;

typedef struct {
  const char    *label;
  const GdkRGBA *color;
  KilnLegendMark mark;
} KilnLegendItem;

typedef enum {
  KILN_CORNER_TOP_RIGHT,
  KILN_CORNER_BOTTOM_RIGHT,
  KILN_CORNER_TOP_LEFT,
  KILN_CORNER_ABOVE,        /* one row above the area, right-aligned: never covers data */
} KilnCorner;

/* The room KILN_CORNER_ABOVE needs above the area (pass it as kiln_axes_layout's top_extra). */
double   kiln_plot_legend_row_height (KilnLabelCache *labels);

/* A legend box in @corner of @area. */
void     kiln_plot_draw_legend (cairo_t               *cr,
                                KilnLabelCache        *labels,
                                const KilnPlotStyle   *style,
                                const graphene_rect_t *area,
                                KilnCorner             corner,
                                const KilnLegendItem  *items,
                                guint                  n_items);

/* A rounded box with lines of text (hover read-outs), placed near (x, y) inside @bounds. */
void     kiln_plot_draw_hover_box (cairo_t               *cr,
                                   KilnLabelCache        *labels,
                                   const KilnPlotStyle   *style,
                                   const graphene_rect_t *bounds,
                                   double                 x,
                                   double                 y,
                                   const char * const    *lines,
                                   const GdkRGBA * const *marks,
                                   guint                  n_lines);

/* A rounded rectangle path. */
void     kiln_plot_rounded_rect (cairo_t *cr,
                                 double   x,
                                 double   y,
                                 double   width,
                                 double   height,
                                 double   radius);

G_END_DECLS
