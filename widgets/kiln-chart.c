/* kiln-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-chart"

#include "config.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <string.h>

#include "kiln-atomic-file.h"
#include "kiln-chart.h"

G_DEFINE_INTERFACE (KilnChart, kiln_chart, GTK_TYPE_WIDGET)

#define PNG_SCALE 2
#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 420

static void
kiln_chart_default_init (KilnChartInterface *iface)
{
}

void
kiln_chart_draw (KilnChart           *chart,
                 cairo_t             *cr,
                 int                  width,
                 int                  height,
                 const KilnPlotStyle *style)
{
  KilnChartInterface *iface;

  g_return_if_fail (KILN_IS_CHART (chart));
  g_return_if_fail (cr != NULL && style != NULL);

  iface = KILN_CHART_GET_IFACE (chart);
  g_return_if_fail (iface->draw != NULL);
  if (width <= 0 || height <= 0)
    return;
  iface->draw (chart, cr, width, height, style);
}

void
kiln_chart_snapshot (KilnChart   *chart,
                     GtkSnapshot *snapshot)
{
  GtkWidget *widget = GTK_WIDGET (chart);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  KilnPlotStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  kiln_plot_style_init_for_widget (&style, widget);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  kiln_chart_draw (chart, cr, width, height, &style);
  cairo_destroy (cr);
}

typedef struct {
  GOutputStream *out;
  GError        *error;
} WriteClosure;

static cairo_status_t
write_cb (void                *closure,
          const unsigned char *data,
          unsigned int         length)
{
  WriteClosure *wc = closure;

  if (wc->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (wc->out, data, length, NULL, NULL, &wc->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

static void
draw_page (KilnChart *chart,
           cairo_t   *cr,
           int        width,
           int        height)
{
  KilnPlotStyle style;

  kiln_plot_style_init_light (&style);
  cairo_save (cr);
  kiln_plot_set_source_rgba (cr, &style.background, 1.0);
  cairo_paint (cr);
  cairo_restore (cr);
  kiln_chart_draw (chart, cr, width, height, &style);
}

gboolean
kiln_chart_save_to_file (KilnChart      *chart,
                         GFile          *file,
                         KilnChartFormat format,
                         int             width,
                         int             height,
                         GError        **error)
{
  g_autoptr(GOutputStream) stream = NULL;
  WriteClosure wc = { NULL, NULL };
  cairo_status_t status = CAIRO_STATUS_SUCCESS;

  g_return_val_if_fail (KILN_IS_CHART (chart), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* a temporary file, renamed over the target on close */
  stream = kiln_atomic_file_create (file, NULL, error);
  if (stream == NULL)
    return FALSE;
  wc.out = stream;

  if (format == KILN_CHART_FORMAT_PNG)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                             width * PNG_SCALE,
                                                             height * PNG_SCALE);
      cairo_t *cr = cairo_create (surface);

      cairo_scale (cr, PNG_SCALE, PNG_SCALE);
      draw_page (chart, cr, width, height);
      status = cairo_status (cr);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream (surface, write_cb, &wc);
      cairo_surface_destroy (surface);
    }
  else
    {
      cairo_surface_t *surface = cairo_svg_surface_create_for_stream (write_cb, &wc, width, height);
      cairo_t *cr = cairo_create (surface);

      cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
      draw_page (chart, cr, width, height);
      status = cairo_status (cr);
      cairo_destroy (cr);
      cairo_surface_finish (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (surface);
      cairo_surface_destroy (surface);
    }

  if (wc.error != NULL || status != CAIRO_STATUS_SUCCESS)
    {
      g_autofree char *name = g_file_get_parse_name (file);

      /* the temporary file goes, the target stays */
      kiln_atomic_file_abort (stream);
      if (wc.error != NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&wc.error),
                                      _("Could not save the plot as “%s”: "), name);
        }
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     _("Could not save the plot as “%s”: %s"), name,
                     cairo_status_to_string (status));
      return FALSE;
    }

  return g_output_stream_close (stream, NULL, error);
}

gboolean
kiln_plot_save (GtkWidget   *plot,
                const char  *path,
                GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *lower = NULL;
  KilnChartFormat format;
  int width, height;

  g_return_val_if_fail (KILN_IS_CHART (plot), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".png"))
    format = KILN_CHART_FORMAT_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    format = KILN_CHART_FORMAT_SVG;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Cannot save the plot as “%s”: the file name must end in .png or .svg"),
                   path);
      return FALSE;
    }

  width = gtk_widget_get_width (plot);
  height = gtk_widget_get_height (plot);
  if (width <= 1 || height <= 1)
    {
      int min, nat;

      gtk_widget_measure (plot, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
      width = nat > 1 ? nat : DEFAULT_WIDTH;
      gtk_widget_measure (plot, GTK_ORIENTATION_VERTICAL, width, &min, &nat, NULL, NULL);
      height = nat > 1 ? nat : DEFAULT_HEIGHT;
    }

  file = g_file_new_for_path (path);
  return kiln_chart_save_to_file (KILN_CHART (plot), file, format, width, height, error);
}
