/* widget-test-utils.h: helpers shared by the widget tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

typedef gboolean (*WaitFunc) (gpointer data);

/* Runs the main loop until @func returns TRUE or @timeout_ms pass; returns @func's last answer. */
static inline gboolean
wait_until (WaitFunc func,
            gpointer data,
            guint    timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!func (data))
    {
      if (g_get_monotonic_time () > end)
        return func (data);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return TRUE;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Runs the main loop for @ms milliseconds. */
static inline void
spin (guint ms)
{
  wait_until (never, NULL, ms);
}

static gboolean
widget_is_drawn (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 1;
}

/* A window showing @child at about @width × @height; waits until it is mapped and allocated. */
static inline GtkWidget *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_until (widget_is_drawn, child, 10000));
  spin (50);
  return window;
}

/* gtk_test_init() for the widget tests (it calls g_test_init() itself), plus the widgets' CSS
 * and icons. GL stays off: Mesa's EGL driver leaks 128 bytes in its one-time set-up when GDK
 * probes GL at display open, which LeakSanitizer reports in every ASan run; the tests render
 * with GSK_RENDERER=cairo and never need GL. */
#define widget_test_init(argcp, argvp)                                \
  G_STMT_START {                                                      \
    g_setenv ("GDK_DEBUG", "gl-disable", FALSE);                      \
    gtk_test_init ((argcp), (argvp), NULL);                           \
    kiln_widgets_init ();                                             \
  } G_STMT_END
