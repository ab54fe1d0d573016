/* kiln-confusion-matrix.h: a confusion-matrix heatmap whose cells can be clicked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows are the actual classes, columns the predicted ones; class names label both axes
 * (rotated when they do not fit under the columns, ellipsized when long), so 2 to 26 classes
 * read well in about 500 pixels. Cells show counts, or with "normalized" the share of the row.
 * Hovering a cell explains it in a tooltip.
 *
 * Clicking a cell, or moving to it with the arrow keys and pressing Enter, emits
 * "cell-activated" (guint actual, guint predicted). With kiln_confusion_matrix_set_confusion()
 * the widget also hands out the rows behind each cell (kiln_confusion_matrix_get_cell_rows()),
 * which the application shows in a predictions table.
 */
#pragma once

#include "kiln-chart.h"
#include "kiln-metrics.h"

G_BEGIN_DECLS

#define KILN_TYPE_CONFUSION_MATRIX (kiln_confusion_matrix_get_type ())
G_DECLARE_FINAL_TYPE (KilnConfusionMatrix, kiln_confusion_matrix, KILN, CONFUSION_MATRIX, GtkWidget)

GtkWidget     *kiln_confusion_matrix_new            (void);

/* @counts: n_classes × n_classes, row-major, actual × predicted (copied). @class_names: NULL
 * for "0", "1", ... or n_classes strings (copied). n_classes 0 clears the widget. */
void           kiln_confusion_matrix_set_data       (KilnConfusionMatrix *self,
                                                     guint                n_classes,
                                                     const char * const  *class_names,
                                                     const guint         *counts);
/* The same from a core KilnConfusion (a reference is kept for the rows behind the cells);
 * NULL clears the widget. */
void           kiln_confusion_matrix_set_confusion  (KilnConfusionMatrix *self,
                                                     KilnConfusion       *confusion,
                                                     const char * const  *class_names);
KilnConfusion *kiln_confusion_matrix_get_confusion  (KilnConfusionMatrix *self);

guint          kiln_confusion_matrix_get_n_classes  (KilnConfusionMatrix *self);
guint          kiln_confusion_matrix_get_count      (KilnConfusionMatrix *self,
                                                     guint                actual,
                                                     guint                predicted);
/* The evaluated rows (ascending) behind a cell; NULL (and 0) without a KilnConfusion. */
const guint32 *kiln_confusion_matrix_get_cell_rows  (KilnConfusionMatrix *self,
                                                     guint                actual,
                                                     guint                predicted,
                                                     guint               *n_rows);

/* "normalized": cells show the share of their row (actual class) instead of counts. */
void           kiln_confusion_matrix_set_normalized  (KilnConfusionMatrix *self,
                                                     gboolean             normalized);
gboolean       kiln_confusion_matrix_get_normalized  (KilnConfusionMatrix *self);

/* Geometry at the widget's current size: the cell under (x, y), and a cell's rectangle. */
gboolean       kiln_confusion_matrix_cell_at        (KilnConfusionMatrix *self,
                                                     double               x,
                                                     double               y,
                                                     guint               *actual,
                                                     guint               *predicted);
gboolean       kiln_confusion_matrix_get_cell_area  (KilnConfusionMatrix *self,
                                                     guint                actual,
                                                     guint                predicted,
                                                     graphene_rect_t     *area);

/* Signal: "cell-activated" (KilnConfusionMatrix *, guint actual, guint predicted). */

G_END_DECLS
