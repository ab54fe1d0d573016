/* kiln-data-cell.h: one cell of a data table: a line of text, drawn, never measured by its text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkColumnView in GTK 4.8 keeps about 200 rows of cells alive, visible or not: on a wide file
 * thousands of cells, made a few hundred a frame while a file opens. A GtkInscription asks Pango
 * for its font's metrics on every measure (Pango shapes a sample sentence each time) and keeps a
 * Pango context of its own; a cell here shares its table's context, knows its height from one
 * metrics lookup per table and font, and lays out its text only to draw it: a column's width is
 * fixed, so a cell never needs its text's width. One line, ellipsized at the end; numbers with
 * tabular digits, a missing value in italics (the .missing style dims it).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KILN_TYPE_DATA_CELL (kiln_data_cell_get_type ())
G_DECLARE_FINAL_TYPE (KilnDataCell, kiln_data_cell, KILN, DATA_CELL, GtkWidget)

/* @owner: the widget whose Pango context (font) the cell draws with, usually its table; the cell
 * keeps no reference, the owner must outlive it (it does: the cell is inside it). */
GtkWidget  *kiln_data_cell_new         (GtkWidget    *owner);
void        kiln_data_cell_set_text    (KilnDataCell *self,
                                        const char   *text);
const char *kiln_data_cell_get_text    (KilnDataCell *self);
/* 0 left, 1 right */
void        kiln_data_cell_set_xalign  (KilnDataCell *self,
                                        float         xalign);
float       kiln_data_cell_get_xalign  (KilnDataCell *self);
/* digits of one width, so numbers line up */
void        kiln_data_cell_set_tabular (KilnDataCell *self,
                                        gboolean      tabular);
void        kiln_data_cell_set_italic  (KilnDataCell *self,
                                        gboolean      italic);

G_END_DECLS
