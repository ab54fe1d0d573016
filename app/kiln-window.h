/* kiln-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "kiln-application.h"
#include "kiln-project.h"

G_BEGIN_DECLS

#define KILN_TYPE_WINDOW (kiln_window_get_type ())
G_DECLARE_FINAL_TYPE (KilnWindow, kiln_window, KILN, WINDOW, AdwApplicationWindow)

KilnWindow  *kiln_window_new          (KilnApplication *application);
/* Reads @file on a worker thread (progress, cancel) and shows it. */
void         kiln_window_open         (KilnWindow *self,
                                       GFile      *file);
/* Re-reads the current file with other import options. */
void         kiln_window_reload       (KilnWindow           *self,
                                       const KilnCsvOptions *options);
KilnProject *kiln_window_get_project  (KilnWindow *self);
/* Replaces the project (opening a .kilnproj). */
void         kiln_window_set_project  (KilnWindow  *self,
                                       KilnProject *project);
/* "data", "prepare", "train", "evaluate", "export" */
void         kiln_window_show_page    (KilnWindow *self,
                                       const char *name);
const char  *kiln_window_get_page     (KilnWindow *self);
void         kiln_window_toast        (KilnWindow *self,
                                       const char *message);
/* TRUE while a file is being read. */
gboolean     kiln_window_is_loading   (KilnWindow *self);
/* A model is being trained (its events still stream in). */
gboolean     kiln_window_is_training    (KilnWindow *self);

G_END_DECLS
