/* kiln-ui-driver.h: driving the real widgets as a person would, for the GUI tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pointer and keyboard input goes through the X server (Xvfb) with XTEST, by xdotool: GTK
 * receives it exactly as it receives a person's clicks and key presses, so a test that clicks a
 * combo row's item runs the same code a user's click runs (popovers, gestures, focus, key
 * bindings). Widgets are found in the live widget tree by type and by what they show.
 *
 * The tests run under xvfb-run with GDK_BACKEND=x11; without an X display the driver skips.
 */
#pragma once

#include <adwaita.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* TRUE when real input can be sent (X11 display and xdotool); else the caller skips. */
gboolean    kiln_ui_available        (void);

/* Runs the main loop for @ms milliseconds. */
void        kiln_ui_settle           (guint ms);
/* Runs the main loop until @done says so; FALSE after @timeout_ms. */
gboolean    kiln_ui_wait             (gboolean (*done) (gpointer), gpointer data, guint timeout_ms);

/* The first showing descendant of @root (itself included) of @type whose text is @text (NULL:
 * any): a label's text, a button's label, a preferences row's title, a tooltip, an accessible
 * name, an entry's text, a string list item; mnemonic underscores ignored. */
GtkWidget  *kiln_ui_find             (GtkWidget *root, GType type, const char *text);
/* The same, searching every toplevel window (dialogs, popovers' roots). */
GtkWidget  *kiln_ui_find_anywhere    (GType type, const char *text);
/* All showing descendants of @root of @type. */
GPtrArray  *kiln_ui_find_all         (GtkWidget *root, GType type);
gboolean    kiln_ui_is_showing       (GtkWidget *widget);
/* Showing, and what a click at its centre would reach (nothing laid over it). */
gboolean    kiln_ui_is_hittable      (GtkWidget *widget);

/* Scrolls every scrolled ancestor so the widget's centre is on screen. */
void        kiln_ui_scroll_into_view (GtkWidget *widget);
/* A real click of the primary button at the widget's centre (scrolled into view first); asserts
 * that the widget, not something over it, is what the pointer hits. */
void        kiln_ui_click            (GtkWidget *widget);
/* At (@x, @y) in the widget's own coordinates. */
void        kiln_ui_click_at         (GtkWidget *widget, double x, double y);
/* A click at (@x, @y) in @widget's coordinates that reaches whatever is there (a monkey's click:
 * no assertion about what it hits; nothing when the widget is not showing). */
void        kiln_ui_click_anything   (GtkWidget *widget, double x, double y);
/* Keys as xdotool names them ("Down", "Return", "ctrl+q", "Tab"), to the focused window. */
void        kiln_ui_keys             (const char *keys);
/* Types text into the focused widget. */
void        kiln_ui_type             (const char *text);
/* Gives the toplevel of @widget the keyboard focus. */
void        kiln_ui_focus_window     (GtkWidget *widget);

/* Opens the combo row's list and clicks @item; asserts it was chosen. */
void        kiln_ui_choose           (AdwComboRow *row, const char *item);
/* The same for a plain drop-down. */
void        kiln_ui_choose_dropdown  (GtkDropDown *dropdown, const char *item);
/* Selects the spin button's text and types @value, then Tab to commit it. */
void        kiln_ui_set_spin         (GtkSpinButton *spin, double value);
/* The preferences row titled @title (AdwActionRow, AdwComboRow, AdwExpanderRow) under @root. */
GtkWidget  *kiln_ui_row              (GtkWidget *root, const char *title);
/* The first widget of @type inside the row titled @title (its switch, spin button, entry). */
GtkWidget  *kiln_ui_row_widget       (GtkWidget *root, const char *title, GType type);

/* Answers the file chooser dialog that is open with @path (typed, then Enter). */
void        kiln_ui_answer_file_chooser (const char *path);

/* Saves what @window shows as a PNG in the test build directory (for people to look at). */
void        kiln_ui_screenshot       (GtkWidget *window, const char *name);

G_END_DECLS
