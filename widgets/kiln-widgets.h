/* kiln-widgets.h: every public header of libkiln-widgets, and its initialisation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libkiln-widgets holds Kiln's reusable GTK widgets. They know the core types (KilnFrame,
 * KilnConfusion, ...) and nothing of the application.
 */
#pragma once

#include <gtk/gtk.h>

#include "kiln-chart.h"
#include "kiln-column-inspector.h"
#include "kiln-confusion-matrix.h"
#include "kiln-data-cell.h"
#include "kiln-data-table.h"
#include "kiln-format.h"
#include "kiln-frame-model.h"
#include "kiln-loss-plot.h"
#include "kiln-plot.h"

G_BEGIN_DECLS

/* Registers the widgets' resources, their CSS (kiln-widgets.css) for the default display and
 * the column-type icons (kiln-type-numeric-symbolic, ...). Call once after gtk_init () or in
 * GApplication::startup; calling it again does nothing. */
void        kiln_widgets_init                  (void);

/* Lets @label's lines break only between words where its words are Korean (done for every
 * wrapping label once kiln_widgets_init() ran). */
void        kiln_widgets_keep_words            (GtkLabel *label);

/* Sets @widget's tooltip (NULL or "": none) without what gtk_widget_set_tooltip_text() does on
 * X11 with GTK 4.8: ask the X server where the pointer is and wait for its answer, on every call
 * (two round trips each, milliseconds apiece while the server is busy drawing; a new file set
 * dozens). The text is given when a tooltip is asked for, and to assistive technologies as the
 * widget's description, as GTK's own tooltip would. */
void        kiln_widgets_set_tooltip           (GtkWidget  *widget,
                                                const char *text);
/* The text set with kiln_widgets_set_tooltip(), else gtk_widget_get_tooltip_text()'s. */
const char *kiln_widgets_get_tooltip           (GtkWidget  *widget);

/* The symbolic icon name for a column type, e.g. "kiln-type-numeric-symbolic". */
const char *kiln_widgets_get_type_icon_name    (KilnColumnType type);
/* The type's name as the user reads it ("Number", "Category", ...), translated. */
const char *kiln_widgets_get_type_display_name (KilnColumnType type);

G_END_DECLS
