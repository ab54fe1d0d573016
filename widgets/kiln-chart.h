/* kiln-chart.h: the interface every Kiln plot implements, and saving plots as PNG or SVG.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KilnChart draws itself with one function, used both by its GtkWidget::snapshot (through
 * gtk_snapshot_append_cairo) and by export to a file, so a saved plot is what the user saw.
 * KilnLossPlot, KilnConfusionMatrix and KilnPlot implement it.
 */
#pragma once

#include <gtk/gtk.h>

#include "kiln-plot-axes.h"

G_BEGIN_DECLS

#define KILN_TYPE_CHART (kiln_chart_get_type ())
G_DECLARE_INTERFACE (KilnChart, kiln_chart, KILN, CHART, GtkWidget)

struct _KilnChartInterface
{
  GTypeInterface parent_iface;

  /* Draws the whole chart into a @width × @height box at the origin of @cr. */
  void (*draw) (KilnChart           *chart,
                cairo_t             *cr,
                int                  width,
                int                  height,
                const KilnPlotStyle *style);
};

typedef enum {
  KILN_CHART_FORMAT_PNG,
  KILN_CHART_FORMAT_SVG,
} KilnChartFormat;

void      kiln_chart_draw        (KilnChart           *chart,
                                  cairo_t             *cr,
                                  int                  width,
                                  int                  height,
                                  const KilnPlotStyle *style);

/* Writes @chart as a @width × @height picture (PNG at twice that many pixels, for sharp
 * prints; SVG in points), dark text on white whatever the theme. Atomic: the file is replaced
 * only when everything was written. */
gboolean  kiln_chart_save_to_file (KilnChart      *chart,
                                   GFile          *file,
                                   KilnChartFormat format,
                                   int             width,
                                   int             height,
                                   GError        **error);

/* Saves any Kiln plot widget (a KilnChart) at its current size, or its natural size when it
 * is not shown. The format follows the extension of @path: ".png" or ".svg" (any case); other
 * extensions fail with G_IO_ERROR_INVALID_ARGUMENT. */
gboolean  kiln_plot_save          (GtkWidget   *plot,
                                   const char  *path,
                                   GError     **error);

/* Helper for implementations: draws the chart in the widget's theme colours. */
void      kiln_chart_snapshot     (KilnChart   *chart,
                                   GtkSnapshot *snapshot);

G_END_DECLS
