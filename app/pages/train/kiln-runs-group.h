/* kiln-runs-group.h: the Train step's list of runs: every training and comparison the project
 * remembers, newest first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A click on a run shows it on the Evaluate step. Each run's menu exports its bundle (on a
 * worker, written atomically) or deletes it (with Undo in a toast). Ticking two runs and
 * pressing Compare opens them side by side (kiln-run-compare.h).
 */
#pragma once

#include <adwaita.h>

#include "kiln-project.h"

G_BEGIN_DECLS

#define KILN_TYPE_RUNS_GROUP (kiln_runs_group_get_type ())
G_DECLARE_FINAL_TYPE (KilnRunsGroup, kiln_runs_group, KILN, RUNS_GROUP, AdwPreferencesGroup)

GtkWidget *kiln_runs_group_new         (void);
void       kiln_runs_group_set_project (KilnRunsGroup *self,
                                        KilnProject   *project);

/* A run's main metric as the list shows it (accuracy or R², from its bundle), NAN if none. */
double     kiln_run_get_metric         (KilnRun       *run,
                                        const char    *name);
/* "Random forest · accuracy 96.7 %": the run's title in the list and the comparison. */
char      *kiln_run_get_title          (KilnRun       *run);

G_END_DECLS
