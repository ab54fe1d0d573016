/* kiln-export-onnx.h: the Export step's ONNX group.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Export ONNX…" writes the current model as an ONNX graph (on a worker thread), then shows what
 * the check found (Kiln's own reading of the file, and onnx.checker when python3-onnx is there),
 * the graph's inputs and outputs with their types, and a Python snippet that runs the file in
 * ONNX Runtime, with a button that copies it.
 */
#pragma once

#include <adwaita.h>

#include "kiln-bundle.h"

G_BEGIN_DECLS

#define KILN_TYPE_EXPORT_ONNX (kiln_export_onnx_get_type ())
G_DECLARE_FINAL_TYPE (KilnExportOnnx, kiln_export_onnx, KILN, EXPORT_ONNX, AdwPreferencesGroup)

GtkWidget  *kiln_export_onnx_new          (void);
/* The model to export (NULL: none yet) and the data file it was trained on (never written
 * over). Forgets an earlier export. */
void        kiln_export_onnx_set_bundle   (KilnExportOnnx *self,
                                           KilnBundle     *bundle,
                                           const char     *source);
/* Exports to @file without asking (what the file chooser's answer does). */
void        kiln_export_onnx_export_to    (KilnExportOnnx *self,
                                           GFile          *file);
/* TRUE while an export or its check runs. */
gboolean    kiln_export_onnx_is_busy      (KilnExportOnnx *self);
/* The snippet shown (NULL before an export). */
const char *kiln_export_onnx_get_snippet  (KilnExportOnnx *self);

G_END_DECLS
