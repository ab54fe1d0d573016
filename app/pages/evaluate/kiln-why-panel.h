/* kiln-why-panel.h: the Evaluate step's "Why?" page: one row's prediction taken apart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For a row clicked in the predictions table, a worker explains it (kiln_bundle_explain_row: the
 * contribution of each raw column, from the average output over the test rows to this row's) and
 * the page shows the prediction, what is decomposed and how (exact, or sampled with its largest
 * standard error), and a waterfall of the contributions, largest first. A newer click replaces
 * an explanation still being worked out.
 */
#pragma once

#include <gtk/gtk.h>

#include "kiln-bundle.h"

G_BEGIN_DECLS

#define KILN_TYPE_WHY_PANEL (kiln_why_panel_get_type ())
G_DECLARE_FINAL_TYPE (KilnWhyPanel, kiln_why_panel, KILN, WHY_PANEL, GtkBox)

GtkWidget *kiln_why_panel_new     (void);
/* Explains row @row of @rows (raw test rows, as the bundle takes them). */
void       kiln_why_panel_explain (KilnWhyPanel *self,
                                   KilnBundle   *bundle,
                                   KilnFrame    *rows,
                                   guint         row);
/* Back to the hint: no row chosen (a new model). */
void       kiln_why_panel_clear   (KilnWhyPanel *self);
/* Whether an explanation is being worked out (tests). */
gboolean   kiln_why_panel_is_busy (KilnWhyPanel *self);

G_END_DECLS
