/* kiln-data-table.h: a scrolling table of a KilnFrame, smooth with millions of rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkColumnView (style class .data-table) over a KilnFrameModel. Columns are built in code for
 * each frame column; cells are KilnDataCells bound straight from the column arrays, numbers
 * right-aligned with tabular digits, missing cells shown as a dim "—" (style class .missing).
 * Each header shows the column's name, an icon for its type and how many cells are missing.
 *
 * Sorting: clicking a header (or its right-click menu) sorts the model by that column in core C,
 * on a worker thread for big frames — never through GtkSortListModel.
 *
 * Column selection: clicking a cell selects its column ("column-selected"); Ctrl+click adds or
 * removes a column, Shift+click selects a range ("selection-changed" for every change). The
 * header menu's "Inspect Column" does the same as a click.
 *
 * To show predictions next to the data, build a frame with the prediction columns first
 * (kiln_frame_replace_column() / kiln_frame_select_columns()) and show that frame.
 */
#pragma once

#include <gtk/gtk.h>

#include "kiln-frame-model.h"

G_BEGIN_DECLS

#define KILN_TYPE_DATA_TABLE (kiln_data_table_get_type ())
G_DECLARE_FINAL_TYPE (KilnDataTable, kiln_data_table, KILN, DATA_TABLE, GtkWidget)

GtkWidget      *kiln_data_table_new                  (void);

/* Shows @frame (NULL for an empty table); rebuilds the columns, clears sort and selection. */
void            kiln_data_table_set_frame            (KilnDataTable *self,
                                                      KilnFrame     *frame);
KilnFrame      *kiln_data_table_get_frame            (KilnDataTable *self);
/* The model behind the table (owned by the table), e.g. for
 * kiln_frame_model_get_frame_row(). */
KilnFrameModel *kiln_data_table_get_model            (KilnDataTable *self);

/* Shows only the frame rows @rows (e.g. those behind a confusion-matrix cell), or all rows
 * again when @rows is NULL. Keeps the columns, the sort and the selection. */
void            kiln_data_table_set_rows             (KilnDataTable *self,
                                                      const guint32 *rows,
                                                      guint          n_rows);

/* Sorts by frame column @column (-1: the file's order), and shows it in the header. */
void            kiln_data_table_sort                 (KilnDataTable *self,
                                                      int            column,
                                                      gboolean       ascending);

/* The selected frame columns, in the order they were selected (the first one is the one the
 * column inspector shows). */
const guint    *kiln_data_table_get_selected_columns (KilnDataTable *self,
                                                      guint         *n_columns);
void            kiln_data_table_set_selected_columns (KilnDataTable *self,
                                                      const guint   *columns,
                                                      guint          n_columns);

/* "show-row-numbers": a leading column with the frame row number (1-based); default TRUE. */
/* Rows that answer a click (or Enter) with "row-activated" instead of selecting a column. */
void            kiln_data_table_set_rows_activatable (KilnDataTable *self,
                                                      gboolean       activatable);
void            kiln_data_table_set_show_row_numbers (KilnDataTable *self,
                                                      gboolean       show);
gboolean        kiln_data_table_get_show_row_numbers (KilnDataTable *self);

/* Signals:
 *   "column-selected"   (KilnDataTable *, guint column): a column was clicked or inspected.
 *   "selection-changed" (KilnDataTable *): the set of selected columns changed. */

G_END_DECLS
