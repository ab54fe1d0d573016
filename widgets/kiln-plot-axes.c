/* kiln-plot-axes.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-plot-axes"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-plot-axes.h"

/* ---- Colours ---------------------------------------------------------------------------- */

/* libadwaita's palette: blue 4, orange 5, green 5, purple 3, red 3, yellow 5 on light; the
 * lighter tones (blue 2, orange 2, green 3, purple 2, red 1, yellow 3) on dark. */
static const char *light_colors[KILN_PLOT_N_COLORS] = {
  "#1c71d8", "#e66100", "#26a269", "#9141ac", "#e01b24", "#e5a50a",
};
static const char *dark_colors[KILN_PLOT_N_COLORS] = {
  "#62a0ea", "#ffa348", "#57e389", "#c061cb", "#f66151", "#f6d32d",
};

static void
style_init (KilnPlotStyle *style,
            const GdkRGBA *fg,
            gboolean       opaque_background)
{
  double luminance = 0.2126 * fg->red + 0.7152 * fg->green + 0.0722 * fg->blue;

  memset (style, 0, sizeof *style);
  style->fg = *fg;
  style->dark = luminance > 0.5;
  style->grid = *fg;
  style->grid.alpha = fg->alpha * (style->dark ? 0.12 : 0.10);
  style->axis = *fg;
  style->axis.alpha = fg->alpha * 0.45;
  if (style->dark)
    gdk_rgba_parse (&style->surface, "#383838");
  else
    gdk_rgba_parse (&style->surface, "#ffffff");
  if (opaque_background)
    style->background = (GdkRGBA) { 1, 1, 1, 1 };
  for (guint i = 0; i < KILN_PLOT_N_COLORS; i++)
    gdk_rgba_parse (&style->colors[i], style->dark ? dark_colors[i] : light_colors[i]);
}

void
kiln_plot_style_init_for_widget (KilnPlotStyle *style,
                                 GtkWidget     *widget)
{
  GdkRGBA fg;

  g_return_if_fail (style != NULL);
  g_return_if_fail (GTK_IS_WIDGET (widget));

  /* gtk_widget_get_color() is 4.10; on 4.8 the style context is the way. */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  style_init (style, &fg, FALSE);
}

void
kiln_plot_style_init_light (KilnPlotStyle *style)
{
  GdkRGBA fg = { 0.14, 0.14, 0.16, 1.0 };

  g_return_if_fail (style != NULL);
  style_init (style, &fg, TRUE);
}

void
kiln_plot_set_source_rgba (cairo_t       *cr,
                           const GdkRGBA *color,
                           double         alpha_scale)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha_scale);
}

/* ---- Ticks ------------------------------------------------------------------------------ */

static int
decimals_for_step (double step)
{
  int d = (int) -floor (log10 (step) + 1e-9);

  return CLAMP (d, 0, 15);
}

void
kiln_axis_set_linear (KilnAxis *axis,
                      double    lo,
                      double    hi,
                      guint     max_ticks,
                      gboolean  integer,
                      gboolean  nice)
{
  static const double mantissas[] = { 1, 2, 5 };
  double range, step = 1, first = 0, last = 0, magnitude;
  int k;
  gboolean found = FALSE;

  g_return_if_fail (axis != NULL);

  memset (axis, 0, sizeof *axis);
  axis->unit = 1;
  max_ticks = CLAMP (max_ticks, 2, KILN_AXIS_MAX_TICKS);

  if (!isfinite (lo) || !isfinite (hi))
    {
      lo = 0;
      hi = 1;
    }
  if (lo > hi)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  if (hi - lo <= fabs (hi) * 1e-12 || hi == lo)
    {
      double d = lo == 0 ? 1 : fabs (lo) * 0.1;

      if (integer)
        d = MAX (d, 1);
      lo -= d;
      hi += d;
    }

  /* A nice range around zero needs three ticks (-a, 0, a) whatever the step. */
  if (nice)
    max_ticks = MAX (max_ticks, 3);

  range = hi - lo;
  k = (int) floor (log10 (range / max_ticks)) - 1;
  for (int k_end = k + 40; !found && k < k_end; k++)
    for (guint m = 0; m < G_N_ELEMENTS (mantissas) && !found; m++)
      {
        step = mantissas[m] * pow (10, k);
        if (integer && step < 1)
          continue;
        first = nice ? floor (lo / step + 1e-9) : ceil (lo / step - 1e-9);
        last = nice ? ceil (hi / step - 1e-9) : floor (hi / step + 1e-9);
        if (last - first + 1 <= max_ticks)
          found = TRUE;
      }

  if (!found)
    {
      /* Cannot happen for finite input; keep the axis usable anyway. */
      step = range;
      first = nice ? floor (lo / step) : ceil (lo / step);
      last = first + 1;
    }
  axis->step = step;
  axis->min = nice ? first * step : lo;
  axis->max = nice ? last * step : hi;
  for (double t = first; t <= last + 0.5 && axis->n_ticks < KILN_AXIS_MAX_TICKS; t++)
    {
      double v = t * step;

      if (fabs (v) < step * 1e-9)
        v = 0;
      axis->ticks[axis->n_ticks++] = v;
    }

  magnitude = MAX (fabs (axis->min), fabs (axis->max));
  if (magnitude >= 1e9 && step >= 1e7)
    axis->unit = 1e9;
  else if (magnitude >= 1e6 && step >= 1e4)
    axis->unit = 1e6;
  else if (magnitude >= 1e4 && step >= 10)
    axis->unit = 1e3;
  axis->decimals = decimals_for_step (step / axis->unit);
}

void
kiln_axis_set_log (KilnAxis *axis,
                   double    lo,
                   double    hi,
                   guint     max_ticks)
{
  int dlo, dhi, decades;

  g_return_if_fail (axis != NULL);

  memset (axis, 0, sizeof *axis);
  axis->log = TRUE;
  axis->unit = 1;
  max_ticks = CLAMP (max_ticks, 2, KILN_AXIS_MAX_TICKS);

  if (!isfinite (hi) || hi <= 0)
    hi = 1;
  if (!isfinite (lo) || lo <= 0)
    lo = hi / 10;
  if (lo > hi)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  if (hi <= lo * (1 + 1e-9))
    {
      lo /= 2;
      hi *= 2;
    }

  dlo = (int) floor (log10 (lo) + 1e-9);
  dhi = (int) ceil (log10 (hi) - 1e-9);
  if (dhi <= dlo)
    dhi = dlo + 1;
  decades = dhi - dlo;

  if (decades <= 2 && (guint) (3 * decades + 1) <= max_ticks)
    {
      /* Short range: 1, 2, 5 in each decade, trimmed to the ticks around the data. */
      static const double mantissas[] = { 1, 2, 5 };
      double all[3 * 3 + 1];
      guint n_all = 0, a = 0, b;

      for (int d = dlo; d < dhi; d++)
        for (guint m = 0; m < 3; m++)
          all[n_all++] = mantissas[m] * pow (10, d);
      all[n_all++] = pow (10, dhi);

      while (a + 1 < n_all && all[a + 1] <= lo * (1 + 1e-9))
        a++;
      b = n_all - 1;
      while (b > a + 1 && all[b - 1] >= hi * (1 - 1e-9))
        b--;
      for (guint i = a; i <= b; i++)
        axis->ticks[axis->n_ticks++] = all[i];
      axis->min = all[a];
      axis->max = all[b];
    }
  else
    {
      int every = (decades + (int) max_ticks - 2) / ((int) max_ticks - 1);
      int n = (decades + every - 1) / every;

      for (int i = 0; i <= n && axis->n_ticks < KILN_AXIS_MAX_TICKS; i++)
        axis->ticks[axis->n_ticks++] = pow (10, dlo + i * every);
      axis->min = pow (10, dlo);
      axis->max = pow (10, dlo + n * every);
    }
  axis->step = 0;
  axis->decimals = 0;
}

double
kiln_axis_fraction (const KilnAxis *axis,
                    double          value)
{
  if (axis->log)
    {
      double l0 = log10 (axis->min), l1 = log10 (axis->max);

      if (!(value > 0))
        return -1;
      return (log10 (value) - l0) / (l1 - l0);
    }
  return (value - axis->min) / (axis->max - axis->min);
}

static void
strip_zeros (char *buf)
{
  char *point = strpbrk (buf, ".,");
  char *end;

  if (point == NULL || strpbrk (buf, "eE") != NULL)
    return;
  end = buf + strlen (buf) - 1;
  while (end > point && *end == '0')
    *end-- = '\0';
  if (end == point)
    *end = '\0';
}

void
kiln_axis_format_tick (const KilnAxis *axis,
                       double          value,
                       char           *buf,
                       gsize           size)
{
  const char *suffix = "";

  if (axis->datetime)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) floor (value));
      g_autofree char *text = NULL;

      if (dt == NULL)
        g_snprintf (buf, size, "–");
      else
        {
          text = g_date_time_format (dt, axis->max - axis->min > 2 * 86400 ? "%Y-%m-%d" : "%H:%M");
          g_strlcpy (buf, text ? text : "–", size);
        }
      return;
    }
  if (axis->log)
    {
      if (value >= 1e-4 && value < 1e6)
        {
          g_snprintf (buf, size, "%.*f", MAX (0, decimals_for_step (value)), value);
          strip_zeros (buf);
        }
      else
        g_snprintf (buf, size, "%.0e", value);
      return;
    }

  if (value == 0)
    {
      g_strlcpy (buf, "0", size);
      return;
    }
  if (axis->unit == 1e9)
    suffix = "G";
  else if (axis->unit == 1e6)
    suffix = "M";
  else if (axis->unit == 1e3)
    suffix = "k";

  if (axis->step < 1e-5 && value != 0)
    g_snprintf (buf, size, "%.1e", value);
  else
    g_snprintf (buf, size, "%.*f%s", axis->decimals, value / axis->unit, suffix);
}

void
kiln_plot_format_value (double  value,
                        char   *buf,
                        gsize   size)
{
  double a = fabs (value);

  if (isnan (value))
    g_snprintf (buf, size, "–");
  else if (isinf (value))
    g_snprintf (buf, size, value > 0 ? "∞" : "−∞");
  else if (value == 0)
    g_snprintf (buf, size, "0");
  else if (a >= 1e7 || a < 1e-3)
    g_snprintf (buf, size, "%.3e", value);
  else
    {
      int d = 3 - (int) floor (log10 (a));

      g_snprintf (buf, size, "%.*f", CLAMP (d, 0, 6), value);
      strip_zeros (buf);
    }
}

/* ---- Label cache ------------------------------------------------------------------------ */

#define LABEL_CACHE_MAX 512

struct _KilnLabelCache
{
  GtkWidget  *widget;       /* owns the cache */
  double      font_scale;
  GHashTable *layouts;      /* key -> PangoLayout */
  int         line_height;  /* -1 until measured */
};

KilnLabelCache *
kiln_label_cache_new (GtkWidget *widget,
                      double     font_scale)
{
  KilnLabelCache *cache = g_new0 (KilnLabelCache, 1);

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  cache->widget = widget;
  cache->font_scale = font_scale > 0 ? font_scale : 1.0;
  cache->layouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  cache->line_height = -1;
  return cache;
}

void
kiln_label_cache_free (KilnLabelCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->layouts);
  g_free (cache);
}

void
kiln_label_cache_clear (KilnLabelCache *cache)
{
  g_hash_table_remove_all (cache->layouts);
  cache->line_height = -1;
}

void
kiln_label_cache_trim (KilnLabelCache *cache)
{
  if (g_hash_table_size (cache->layouts) > LABEL_CACHE_MAX)
    g_hash_table_remove_all (cache->layouts);
}

static PangoLayout *
create_layout (KilnLabelCache *cache,
               const char     *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (cache->widget, text);

  if (cache->font_scale != 1.0)
    {
      PangoContext *context = gtk_widget_get_pango_context (cache->widget);
      PangoFontDescription *desc = pango_font_description_copy (pango_context_get_font_description (context));
      int size = pango_font_description_get_size (desc);

      if (size <= 0)
        size = 11 * PANGO_SCALE;
      if (pango_font_description_get_size_is_absolute (desc))
        pango_font_description_set_absolute_size (desc, size * cache->font_scale);
      else
        pango_font_description_set_size (desc, (int) (size * cache->font_scale));
      pango_layout_set_font_description (layout, desc);
      pango_font_description_free (desc);
    }
  return layout;
}

PangoLayout *
kiln_label_cache_get (KilnLabelCache *cache,
                      const char     *text,
                      int             max_width)
{
  char stack_key[256];
  char *heap_key = NULL;
  const char *key = text;
  PangoLayout *layout;

  if (max_width > 0)
    {
      int n = g_snprintf (stack_key, sizeof stack_key, "%d\x1f%s", max_width, text);

      if ((gsize) n >= sizeof stack_key)
        key = heap_key = g_strdup_printf ("%d\x1f%s", max_width, text);
      else
        key = stack_key;
    }

  layout = g_hash_table_lookup (cache->layouts, key);
  if (layout == NULL)
    {
      layout = create_layout (cache, text);
      if (max_width > 0)
        {
          pango_layout_set_width (layout, max_width * PANGO_SCALE);
          pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
        }
      g_hash_table_insert (cache->layouts, heap_key ? heap_key : g_strdup (key), layout);
      heap_key = NULL;
    }
  g_free (heap_key);
  return layout;
}

int
kiln_label_cache_get_line_height (KilnLabelCache *cache)
{
  if (cache->line_height < 0)
    {
      int w, h;

      pango_layout_get_pixel_size (kiln_label_cache_get (cache, "0", -1), &w, &h);
      cache->line_height = MAX (h, 1);
    }
  return cache->line_height;
}

void
kiln_plot_draw_layout (cairo_t       *cr,
                       PangoLayout   *layout,
                       double         x,
                       double         y,
                       double         xalign,
                       double         yalign,
                       double         angle,
                       const GdkRGBA *color)
{
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  if (angle != 0)
    cairo_rotate (cr, angle);
  cairo_move_to (cr, round (-xalign * w), round (-yalign * h));
  kiln_plot_set_source_rgba (cr, color, 1.0);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
}

/* ---- Axes ------------------------------------------------------------------------------- */

#define TICK_GAP 6
#define TITLE_GAP 6

static void
axis_from_spec (KilnAxis           *axis,
                const KilnAxisSpec *spec,
                guint               max_ticks)
{
  if (spec->log)
    kiln_axis_set_log (axis, spec->lo, spec->hi, max_ticks);
  else
    {
      /* Dates take about three times the room of a number. */
      if (spec->datetime)
        max_ticks = MAX (2, max_ticks / 2);
      kiln_axis_set_linear (axis, spec->lo, spec->hi, max_ticks, spec->integer, spec->nice);
      axis->datetime = spec->datetime;
    }
}

static int
max_label_width (const KilnAxis *axis,
                 KilnLabelCache *labels)
{
  int max = 0;

  for (guint i = 0; i < axis->n_ticks; i++)
    {
      char buf[64];
      int w, h;

      kiln_axis_format_tick (axis, axis->ticks[i], buf, sizeof buf);
      pango_layout_get_pixel_size (kiln_label_cache_get (labels, buf, -1), &w, &h);
      max = MAX (max, w);
    }
  return max;
}

void
kiln_axes_layout (KilnAxes           *axes,
                  KilnLabelCache     *labels,
                  const KilnAxisSpec *x,
                  const KilnAxisSpec *y,
                  const KilnAxisSpec *y2,
                  double              width,
                  double              height,
                  double              top_extra)
{
  int lh = kiln_label_cache_get_line_height (labels);
  double left = 4, right = 12, top, bottom, area_w, area_h;
  guint max_ticks;

  g_return_if_fail (axes != NULL && x != NULL && y != NULL);

  memset (axes, 0, sizeof *axes);
  axes->x_title = x->title;
  axes->y_title = y->hidden ? NULL : y->title;
  axes->y2_title = y2 ? y2->title : NULL;
  axes->has_y2 = y2 != NULL;

  top = top_extra + (y->hidden ? 6 : ceil (lh / 2.0) + 2);
  bottom = x->hidden ? 6 : lh + TICK_GAP + 2;
  if (x->title)
    bottom += lh + TITLE_GAP;
  if (axes->y_title)
    left += lh + TITLE_GAP;
  if (axes->y2_title)
    right += lh + TITLE_GAP;

  area_h = MAX (1, height - top - bottom);
  max_ticks = (guint) CLAMP (area_h / (lh * 2.4), 2, 10);
  axis_from_spec (&axes->y, y, max_ticks);
  if (y->hidden)
    {
      axes->y.n_ticks = 0;
      left += y->reserve;
    }
  else
    left += max_label_width (&axes->y, labels) + TICK_GAP;
  if (y2 != NULL)
    {
      axis_from_spec (&axes->y2, y2, max_ticks);
      right = MAX (right, (axes->y2_title ? lh + TITLE_GAP : 0) + 4
                          + max_label_width (&axes->y2, labels) + TICK_GAP);
    }

  area_w = MAX (1, width - left - right);
  for (max_ticks = (guint) CLAMP (area_w / 56, 2, 12); ; max_ticks--)
    {
      int w;

      axis_from_spec (&axes->x, x, max_ticks);
      w = max_label_width (&axes->x, labels);
      if (max_ticks <= 2 || axes->x.n_ticks * (w + 18.0) <= area_w)
        {
          /* Half of the last label hangs out to the right of the area. */
          if (y2 == NULL && !x->hidden)
            right = MAX (right, w / 2.0 + 4);
          break;
        }
    }
  if (x->hidden)
    axes->x.n_ticks = 0;

  axes->area.origin.x = left;
  axes->area.origin.y = top;
  axes->area.size.width = MAX (1, width - left - right);
  axes->area.size.height = area_h;
}

double
kiln_axes_x (const KilnAxes *axes,
             double          value)
{
  return axes->area.origin.x + kiln_axis_fraction (&axes->x, value) * axes->area.size.width;
}

double
kiln_axes_y (const KilnAxes *axes,
             double          value)
{
  return axes->area.origin.y + (1 - kiln_axis_fraction (&axes->y, value)) * axes->area.size.height;
}

double
kiln_axes_y2 (const KilnAxes *axes,
              double          value)
{
  return axes->area.origin.y + (1 - kiln_axis_fraction (&axes->y2, value)) * axes->area.size.height;
}

static double
crisp (double v)
{
  return floor (v) + 0.5;
}

void
kiln_axes_draw_grid (const KilnAxes      *axes,
                     cairo_t             *cr,
                     const KilnPlotStyle *style)
{
  const graphene_rect_t *a = &axes->area;

  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  kiln_plot_set_source_rgba (cr, &style->grid, 1.0);
  for (guint i = 0; i < axes->x.n_ticks; i++)
    {
      double px = crisp (kiln_axes_x (axes, axes->x.ticks[i]));

      if (px < a->origin.x + 1 || px > a->origin.x + a->size.width + 1)
        continue;
      cairo_move_to (cr, px, a->origin.y);
      cairo_line_to (cr, px, a->origin.y + a->size.height);
    }
  for (guint i = 0; i < axes->y.n_ticks; i++)
    {
      double py = crisp (kiln_axes_y (axes, axes->y.ticks[i]));

      if (py < a->origin.y - 1 || py > a->origin.y + a->size.height - 1)
        continue;
      cairo_move_to (cr, a->origin.x, py);
      cairo_line_to (cr, a->origin.x + a->size.width, py);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
kiln_axes_draw (const KilnAxes      *axes,
                cairo_t             *cr,
                KilnLabelCache      *labels,
                const KilnPlotStyle *style)
{
  const graphene_rect_t *a = &axes->area;
  double left = a->origin.x, right = a->origin.x + a->size.width;
  double top = a->origin.y, bottom = a->origin.y + a->size.height;
  int lh = kiln_label_cache_get_line_height (labels);
  char buf[64];

  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  kiln_plot_set_source_rgba (cr, &style->axis, 1.0);
  cairo_move_to (cr, crisp (left), top);
  cairo_line_to (cr, crisp (left), crisp (bottom));
  cairo_line_to (cr, right, crisp (bottom));
  if (axes->has_y2)
    {
      cairo_move_to (cr, crisp (right), top);
      cairo_line_to (cr, crisp (right), crisp (bottom));
    }
  cairo_stroke (cr);

  /* Tick labels */
  for (guint i = 0; i < axes->y.n_ticks; i++)
    {
      double py = kiln_axes_y (axes, axes->y.ticks[i]);

      kiln_axis_format_tick (&axes->y, axes->y.ticks[i], buf, sizeof buf);
      kiln_plot_draw_layout (cr, kiln_label_cache_get (labels, buf, -1),
                             left - TICK_GAP, py, 1.0, 0.5, 0, &style->fg);
    }
  for (guint i = 0; axes->has_y2 && i < axes->y2.n_ticks; i++)
    {
      double py = kiln_axes_y2 (axes, axes->y2.ticks[i]);

      kiln_axis_format_tick (&axes->y2, axes->y2.ticks[i], buf, sizeof buf);
      kiln_plot_draw_layout (cr, kiln_label_cache_get (labels, buf, -1),
                             right + TICK_GAP, py, 0.0, 0.5, 0, &style->fg);
    }
  for (guint i = 0; i < axes->x.n_ticks; i++)
    {
      double px = kiln_axes_x (axes, axes->x.ticks[i]);

      kiln_axis_format_tick (&axes->x, axes->x.ticks[i], buf, sizeof buf);
      kiln_plot_draw_layout (cr, kiln_label_cache_get (labels, buf, -1),
                             px, bottom + TICK_GAP, 0.5, 0.0, 0, &style->fg);
    }

  /* Titles */
  if (axes->x_title)
    kiln_plot_draw_layout (cr, kiln_label_cache_get (labels, axes->x_title, -1),
                           (left + right) / 2, bottom + TICK_GAP + lh + TITLE_GAP, 0.5, 0.0, 0,
                           &style->fg);
  if (axes->y_title)
    kiln_plot_draw_layout (cr, kiln_label_cache_get (labels, axes->y_title, (int) a->size.height),
                           4, (top + bottom) / 2, 0.5, 0.0, -G_PI / 2, &style->fg);
  if (axes->has_y2 && axes->y2_title)
    {
      PangoLayout *layout = kiln_label_cache_get (labels, axes->y2_title, (int) a->size.height);
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      kiln_plot_draw_layout (cr, layout, right + TICK_GAP + max_label_width (&axes->y2, labels)
                             + TITLE_GAP + h, (top + bottom) / 2, 0.5, 0.0, G_PI / 2, &style->fg);
    }
  cairo_restore (cr);
}

/* ---- Legend and hover box ---------------------------------------------------------------- */

void
kiln_plot_rounded_rect (cairo_t *cr,
                        double   x,
                        double   y,
                        double   width,
                        double   height,
                        double   radius)
{
  radius = MIN (radius, MIN (width, height) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_mark (cairo_t        *cr,
           KilnLegendMark  mark,
           const GdkRGBA  *color,
           double          x,
           double          y,
           double          width)
{
  cairo_save (cr);
  kiln_plot_set_source_rgba (cr, color, 1.0);
  switch (mark)
    {
    case KILN_LEGEND_BOX:
      kiln_plot_rounded_rect (cr, x + width / 2 - 5, y - 5, 10, 10, 2);
      cairo_fill (cr);
      break;
    case KILN_LEGEND_POINT:
      cairo_arc (cr, x + width / 2, y, 3.5, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    case KILN_LEGEND_DASHED:
      {
        static const double dash[] = { 4, 3 };
        cairo_set_dash (cr, dash, 2, 0);
      }
      G_GNUC_FALLTHROUGH;
    case KILN_LEGEND_LINE:
    default:
      cairo_set_line_width (cr, 2);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x + width, y);
      cairo_stroke (cr);
      break;
    }
  cairo_restore (cr);
}

double
kiln_plot_legend_row_height (KilnLabelCache *labels)
{
  return kiln_label_cache_get_line_height (labels) + 10;
}

void
kiln_plot_draw_legend (cairo_t               *cr,
                       KilnLabelCache        *labels,
                       const KilnPlotStyle   *style,
                       const graphene_rect_t *area,
                       KilnCorner             corner,
                       const KilnLegendItem  *items,
                       guint                  n_items)
{
  const double pad = 6, mark_w = 18, gap = 6, inset = 8;
  int lh = kiln_label_cache_get_line_height (labels);
  double box_w = 0, box_h, x, y;

  if (n_items == 0)
    return;

  if (corner == KILN_CORNER_ABOVE)
    {
      const double item_gap = 18;
      double total = 0;

      for (guint i = 0; i < n_items; i++)
        {
          int w, h;

          pango_layout_get_pixel_size (kiln_label_cache_get (labels, items[i].label, -1), &w, &h);
          total += mark_w + gap + w + (i > 0 ? item_gap : 0);
        }
      x = round (MAX (area->origin.x, area->origin.x + area->size.width - total));
      y = round (area->origin.y - kiln_plot_legend_row_height (labels));
      for (guint i = 0; i < n_items; i++)
        {
          PangoLayout *layout = kiln_label_cache_get (labels, items[i].label, -1);
          int w, h;

          pango_layout_get_pixel_size (layout, &w, &h);
          draw_mark (cr, items[i].mark, items[i].color, x, y + lh / 2.0, mark_w);
          kiln_plot_draw_layout (cr, layout, x + mark_w + gap, y, 0, 0, 0, &style->fg);
          x += mark_w + gap + w + item_gap;
        }
      return;
    }

  for (guint i = 0; i < n_items; i++)
    {
      int w, h;

      pango_layout_get_pixel_size (kiln_label_cache_get (labels, items[i].label, -1), &w, &h);
      box_w = MAX (box_w, w);
    }
  box_w += 2 * pad + mark_w + gap;
  box_h = 2 * pad + n_items * lh + (n_items - 1) * 2;

  x = corner == KILN_CORNER_TOP_LEFT ? area->origin.x + inset
                                     : area->origin.x + area->size.width - inset - box_w;
  y = corner == KILN_CORNER_BOTTOM_RIGHT ? area->origin.y + area->size.height - inset - box_h
                                         : area->origin.y + inset;
  x = round (x);
  y = round (y);

  cairo_save (cr);
  kiln_plot_rounded_rect (cr, x + 0.5, y + 0.5, box_w, box_h, 5);
  kiln_plot_set_source_rgba (cr, &style->surface, 0.88);
  cairo_fill_preserve (cr);
  kiln_plot_set_source_rgba (cr, &style->grid, 1.5);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  for (guint i = 0; i < n_items; i++)
    {
      double row_y = y + pad + i * (lh + 2);

      draw_mark (cr, items[i].mark, items[i].color, x + pad, row_y + lh / 2.0, mark_w);
      kiln_plot_draw_layout (cr, kiln_label_cache_get (labels, items[i].label, -1),
                             x + pad + mark_w + gap, row_y, 0, 0, 0, &style->fg);
    }
  cairo_restore (cr);
}

void
kiln_plot_draw_hover_box (cairo_t               *cr,
                          KilnLabelCache        *labels,
                          const KilnPlotStyle   *style,
                          const graphene_rect_t *bounds,
                          double                 x,
                          double                 y,
                          const char * const    *lines,
                          const GdkRGBA * const *marks,
                          guint                  n_lines)
{
  const double pad = 8, mark_w = 10, gap = 6, offset = 14;
  int lh = kiln_label_cache_get_line_height (labels);
  double w = 0, h, bx, by;
  gboolean any_mark = FALSE;

  if (n_lines == 0)
    return;

  for (guint i = 0; i < n_lines; i++)
    {
      int lw, lhh;

      pango_layout_get_pixel_size (kiln_label_cache_get (labels, lines[i], -1), &lw, &lhh);
      w = MAX (w, lw);
      if (marks && marks[i])
        any_mark = TRUE;
    }
  if (any_mark)
    w += mark_w + gap;
  w += 2 * pad;
  h = 2 * pad + n_lines * lh + (n_lines - 1) * 2;

  bx = x + offset;
  if (bx + w > bounds->origin.x + bounds->size.width)
    bx = x - offset - w;
  bx = MAX (bx, bounds->origin.x);
  by = CLAMP (y - h / 2, bounds->origin.y,
              MAX (bounds->origin.y, bounds->origin.y + bounds->size.height - h));
  bx = round (bx);
  by = round (by);

  cairo_save (cr);
  kiln_plot_rounded_rect (cr, bx + 0.5, by + 0.5, w, h, 6);
  kiln_plot_set_source_rgba (cr, &style->surface, 0.96);
  cairo_fill_preserve (cr);
  kiln_plot_set_source_rgba (cr, &style->grid, 2.5);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  for (guint i = 0; i < n_lines; i++)
    {
      double row_y = by + pad + i * (lh + 2), tx = bx + pad;

      if (any_mark)
        {
          if (marks[i])
            draw_mark (cr, KILN_LEGEND_BOX, marks[i], tx, row_y + lh / 2.0, mark_w);
          tx += mark_w + gap;
        }
      kiln_plot_draw_layout (cr, kiln_label_cache_get (labels, lines[i], -1), tx, row_y, 0, 0, 0,
                             &style->fg);
    }
  cairo_restore (cr);
}
