/* kiln-export-predict.h: the Export step's "Predict a File" group.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Predict a File…" reads a CSV with the current model's recipe on a worker thread, a piece at a
 * time as `kiln-cli predict` does (so the file may be larger than memory), with progress and
 * Cancel. The first rows are shown with their predictions in a table (the rest only counted);
 * "Save Predictions…" writes every row with its prediction as CSV, atomically, in a second pass.
 * An error names the file, its line and the column.
 */
#pragma once

#include <adwaita.h>

#include "kiln-bundle.h"

G_BEGIN_DECLS

#define KILN_TYPE_EXPORT_PREDICT (kiln_export_predict_get_type ())
G_DECLARE_FINAL_TYPE (KilnExportPredict, kiln_export_predict, KILN, EXPORT_PREDICT,
                      AdwPreferencesGroup)

/* Rows the table shows at most; the others are counted. */
#define KILN_EXPORT_PREDICT_PREVIEW_ROWS 1000

GtkWidget  *kiln_export_predict_new         (void);
/* The model to predict with (NULL: none yet) and the data file it was trained on (never written
 * over). Cancels a running prediction and forgets the last one. */
void        kiln_export_predict_set_bundle  (KilnExportPredict *self,
                                             KilnBundle        *bundle,
                                             const char        *source);
/* Predicts @file without asking (what the file chooser's answer does). */
void        kiln_export_predict_open        (KilnExportPredict *self,
                                             GFile             *file);
/* Writes every row of the file predicted last, with its prediction, to @file. */
void        kiln_export_predict_save_to     (KilnExportPredict *self,
                                             GFile             *file);
/* Stops the running prediction or save (an old file at the save's place is kept). */
void        kiln_export_predict_cancel      (KilnExportPredict *self);
/* TRUE while a prediction or a save runs. */
gboolean    kiln_export_predict_is_busy     (KilnExportPredict *self);
/* What the last run found: the rows read (0 before any), the rows shown (the table's frame, NULL
 * before any), and the error of the last run (NULL when it succeeded or was cancelled). */
guint64     kiln_export_predict_get_n_rows  (KilnExportPredict *self);
KilnFrame  *kiln_export_predict_get_preview (KilnExportPredict *self);
const char *kiln_export_predict_get_error   (KilnExportPredict *self);

G_END_DECLS
