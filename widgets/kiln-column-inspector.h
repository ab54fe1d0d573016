/* kiln-column-inspector.h: the type, statistics and distribution of the selected column(s).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows for one column: its name and type (a drop-down to change it), statistics
 * (kiln_column_stats_compute: missing, distinct, min/max/mean/std or the most frequent values)
 * and a plot: a histogram for numbers and date-times, a bar chart of the top categories for
 * categorical, text and yes/no columns. Statistics are computed on a worker thread, so a
 * 3-million-row column does not block the window.
 *
 * With several columns selected it shows their common type (or none when they differ) so the
 * type can be changed for all at once, and no statistics.
 *
 * The inspector does not change the frame itself: choosing a type emits "type-changed"
 * (KilnColumnInspector *, guint column, guint KilnColumnType) once for each inspected column, in
 * order; the application converts them and shows the new frame (calling
 * kiln_column_inspector_set_column*() from the handler is fine).
 */
#pragma once

#include <gtk/gtk.h>

#include "kiln-frame.h"
#include "kiln-plot.h"

G_BEGIN_DECLS

#define KILN_TYPE_COLUMN_INSPECTOR (kiln_column_inspector_get_type ())
G_DECLARE_FINAL_TYPE (KilnColumnInspector, kiln_column_inspector, KILN, COLUMN_INSPECTOR, GtkWidget)

GtkWidget   *kiln_column_inspector_new         (void);

/* Inspects @columns of @frame (copied); NULL frame or no columns shows a hint. */
void         kiln_column_inspector_set_columns (KilnColumnInspector *self,
                                                KilnFrame           *frame,
                                                const guint         *columns,
                                                guint                n_columns);
/* The same for one column. */
void         kiln_column_inspector_set_column  (KilnColumnInspector *self,
                                                KilnFrame           *frame,
                                                guint                column);
const guint *kiln_column_inspector_get_columns (KilnColumnInspector *self,
                                                guint               *n_columns);
KilnFrame   *kiln_column_inspector_get_frame   (KilnColumnInspector *self);

/* The distribution plot (for kiln_plot_save()). */
KilnPlot    *kiln_column_inspector_get_plot    (KilnColumnInspector *self);

/* TRUE while statistics are being computed ("busy" property). */
gboolean     kiln_column_inspector_get_busy    (KilnColumnInspector *self);

G_END_DECLS
