/* kiln-compare-panel.h: "Let Kiln choose" on the Train step: the comparison of every family
 * (core/pipeline/kiln-compare-job.h) running on the worker, its progress and Cancel, and the
 * leaderboard it builds, from which "Use this model" picks one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "kiln-compare.h"

G_BEGIN_DECLS

#define KILN_TYPE_COMPARE_PANEL (kiln_compare_panel_get_type ())
G_DECLARE_FINAL_TYPE (KilnComparePanel, kiln_compare_panel, KILN, COMPARE_PANEL, GtkBox)

GtkWidget   *kiln_compare_panel_new         (void);

/* Starts a comparison of @options on @frame with @k folds (@frame referenced, @options copied);
 * a running one is cancelled first. */
void         kiln_compare_panel_start       (KilnComparePanel           *self,
                                             KilnFrame                  *frame,
                                             const KilnPipelineOptions  *options,
                                             guint                       k);
/* Asks the running comparison to stop; the trials that finished stay on the leaderboard. */
void         kiln_compare_panel_cancel      (KilnComparePanel *self);
/* Stops and forgets the running comparison without waiting (the window is closing). */
void         kiln_compare_panel_stop        (KilnComparePanel *self);
gboolean     kiln_compare_panel_is_running  (KilnComparePanel *self);
/* Trials that have finished so far (on the leaderboard). */
guint        kiln_compare_panel_get_n_finished (KilnComparePanel *self);
/* The finished (or cancelled) comparison, or NULL. Borrowed. */
KilnCompare *kiln_compare_panel_get_compare (KilnComparePanel *self);

/* Signal "use-trial" (guint index): "Use this model" was pressed for trial @index of
 * kiln_compare_panel_get_compare(). */

G_END_DECLS
