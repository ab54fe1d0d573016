/* kiln-widgets-private.h: hooks for the widget tests; not for the application.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-confusion-matrix.h"
#include "kiln-data-table.h"
#include "kiln-loss-plot.h"

G_BEGIN_DECLS

/* KilnRowItems alive right now (all models). */
guint          _kiln_row_item_get_n_live             (void);
/* KilnRowItems made so far (all models). */
guint          _kiln_row_item_get_n_created          (void);

/* How often the loss plot's snapshot ran. */
guint          _kiln_loss_plot_get_n_snapshots       (KilnLossPlot *self);
/* Hovers at (x, y) as a pointer motion would; returns the hovered epoch or -1. */
int            _kiln_loss_plot_hover_at              (KilnLossPlot *self,
                                                      double        x,
                                                      double        y);

/* A primary-button click at (x, y), through the same code as the GtkGestureClick. */
void           _kiln_confusion_matrix_click_at       (KilnConfusionMatrix *self,
                                                      double               x,
                                                      double               y);

gboolean       _kiln_data_table_get_headers_decorated (KilnDataTable *self);
GtkColumnView *_kiln_data_table_get_column_view      (KilnDataTable *self);
/* A click on a cell of @column with the modifier @state. */
void           _kiln_data_table_click_column         (KilnDataTable   *self,
                                                      guint            column,
                                                      GdkModifierType  state);

G_END_DECLS
