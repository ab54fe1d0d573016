/* kiln-run-compare.h: two runs side by side, in a window of their own: their scores, fit times,
 * the settings that differ, and (classification) their confusion matrices.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "kiln-project.h"

G_BEGIN_DECLS

/* A new transient, modal window over @parent; @a and @b stay alive while it shows (the
 * project's runs: a deleted run's comparison closes with the project's "runs-changed"). */
GtkWidget *kiln_run_compare_new (GtkWindow   *parent,
                                 KilnProject *project,
                                 KilnRun     *a,
                                 KilnRun     *b);

G_END_DECLS
