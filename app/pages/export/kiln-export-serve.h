/* kiln-export-serve.h: the Export step's "Serve Locally" group.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A switch starts the prediction service (core/serve) on the current model, on 127.0.0.1 (port
 * 8080, or a free one when that is taken), and stops it. While it serves, the group shows its
 * URL, a curl command that predicts a real row of the data (copyable), and the live count of
 * requests, errors and rows. A new model takes over the running service without a restart.
 */
#pragma once

#include <adwaita.h>

#include "kiln-serve.h"

G_BEGIN_DECLS

#define KILN_TYPE_EXPORT_SERVE (kiln_export_serve_get_type ())
G_DECLARE_FINAL_TYPE (KilnExportServe, kiln_export_serve, KILN, EXPORT_SERVE, AdwPreferencesGroup)

GtkWidget  *kiln_export_serve_new        (void);
/* The model to serve (NULL: none; a running service stops) and raw rows for the example (the
 * test rows; may be NULL). */
void        kiln_export_serve_set_bundle (KilnExportServe *self,
                                          KilnBundle      *bundle,
                                          KilnFrame       *rows);
/* Starts or stops, as the switch does; FALSE with a message in the group when it cannot start. */
gboolean    kiln_export_serve_set_active (KilnExportServe *self,
                                          gboolean         active);
/* NULL when not serving. */
KilnServer *kiln_export_serve_get_server (KilnExportServe *self);
const char *kiln_export_serve_get_example (KilnExportServe *self);

G_END_DECLS
