/* kiln-frame-model.h: a GListModel of a KilnFrame's rows, for a million-row GtkColumnView.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Items are tiny KilnRowItems (a frame reference and a frame row index) made on demand by
 * g_list_model_get_item(), so only the rows a list view shows ever exist as objects. Cells are
 * read from the frame's columns when they are bound.
 *
 * The model shows either all the frame's rows or a subset (kiln_frame_model_set_rows(), e.g.
 * the rows behind a confusion-matrix cell), optionally sorted by one column. Sorting never uses
 * GtkSortListModel (which would fetch every item): the model argsorts the column (on a worker
 * thread when there are many rows), swaps its row index and announces the change at once, as
 * items-changed (0, old, 0) immediately followed by (0, 0, new) — not one (0, old, new), which
 * makes GTK 4.8's list views fetch every item (see emit_all_changed() in the .c file).
 */
#pragma once

#include <gio/gio.h>

#include "kiln-frame.h"

G_BEGIN_DECLS

/* ---- KilnRowItem ------------------------------------------------------------------------ */

#define KILN_TYPE_ROW_ITEM (kiln_row_item_get_type ())
G_DECLARE_FINAL_TYPE (KilnRowItem, kiln_row_item, KILN, ROW_ITEM, GObject)

/* The frame (borrowed; the item holds a reference) and the frame row it shows. */
KilnFrame *kiln_row_item_get_frame    (KilnRowItem *item);
guint      kiln_row_item_get_row      (KilnRowItem *item);

/* ---- KilnFrameModel --------------------------------------------------------------------- */

#define KILN_TYPE_FRAME_MODEL (kiln_frame_model_get_type ())
G_DECLARE_FINAL_TYPE (KilnFrameModel, kiln_frame_model, KILN, FRAME_MODEL, GObject)

/* Rows beyond this are sorted on a worker thread (kiln_frame_model_sort() returns at once and
 * "busy" is TRUE until the new order is in place). */
#define KILN_FRAME_MODEL_SYNC_SORT_ROWS 200000

KilnFrameModel *kiln_frame_model_new              (KilnFrame      *frame);

/* Shows @frame (NULL for nothing): all its rows, unsorted. */
void            kiln_frame_model_set_frame        (KilnFrameModel *self,
                                                   KilnFrame      *frame);
KilnFrame      *kiln_frame_model_get_frame        (KilnFrameModel *self);

/* Shows only the frame rows @rows (copied; each < the frame's row count), in that order, or
 * all rows again when @rows is NULL. The current sort, if any, is applied to them. */
void            kiln_frame_model_set_rows         (KilnFrameModel *self,
                                                   const guint32  *rows,
                                                   guint           n_rows);

/* Sorts by @column (stable, missing cells last), or restores the unsorted order when @column
 * is -1. Announces the new order (see above) when it is in place. */
void            kiln_frame_model_sort             (KilnFrameModel *self,
                                                   int             column,
                                                   gboolean        ascending);
int             kiln_frame_model_get_sort_column  (KilnFrameModel *self);
gboolean        kiln_frame_model_get_sort_ascending (KilnFrameModel *self);
/* TRUE while a sort runs on the worker ("busy" property). */
gboolean        kiln_frame_model_get_busy         (KilnFrameModel *self);

/* The frame row shown at @position, or G_MAXUINT when @position is out of range. */
guint           kiln_frame_model_get_frame_row    (KilnFrameModel *self,
                                                   guint           position);

G_END_DECLS
