/* test-exerciser.c: a seeded monkey over every control a user can reach.
 *
 * From a loaded example, thousands of random steps: whatever control is showing and sensitive
 * in the window (switches, spin buttons, combo rows, drop-downs, check and toggle buttons,
 * buttons, entries, expanders, list rows, the data table's columns), real clicks and key presses
 * through the X server (xdotool), page changes, train and cancel, save and open through the file
 * chooser, undo. Dialogs that appear get a random answer.
 *
 * It fails when:
 *   - the main loop stalls: a watchdog thread aborts when no heartbeat came for 2 s
 *     (KILN_EXERCISE_STALL_MS), or the loop stays busy for 2 s after a step (a livelock, like the
 *     target combo that rebuilt its own list forever);
 *   - anything logs a warning or a critical (fatal in tests);
 *   - the window disappears without a quit.
 * KILN_EXERCISE_SEEDS=N runs the first N of the fixed seeds; KILN_EXERCISE_STEPS the steps of each.
 * Any failure prints the seed and step, to replay: KILN_EXERCISE_SEED=S KILN_EXERCISE_STEPS=N.
 * KILN_EXERCISE_SEED=random draws a seed; the default runs a fixed list of seeds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <execinfo.h>

#include "kiln-application.h"
#include "kiln-window.h"
#include "kiln-data-table.h"
#include "kiln-ui-driver.h"
#include "kiln-tsan.h"
#include "kiln-widgets.h"

static KilnApplication *app;
static char *tmpdir;

/* What a failure report says. */
static guint32 current_seed;
static guint current_step;
static guint n_steps;
static char last_step[256];

/* ---- Watchdog --------------------------------------------------------------------------- */

static GMutex beat_lock;

/* GMutex is invisible to ThreadSanitizer (kiln-tsan.h) */
static void
lock_beat (void)
{
  g_mutex_lock (&beat_lock);
  KILN_TSAN_ACQUIRE (&beat_lock);
}

static void
unlock_beat (void)
{
  KILN_TSAN_RELEASE (&beat_lock);
  g_mutex_unlock (&beat_lock);
}
static gint64 last_beat;
static gboolean watching;
static gboolean watchdog_quit;
static gint64 stall_limit_us = 2 * G_USEC_PER_SEC;

static void
report (const char *what)
{
  fprintf (stderr, "exerciser: %s at seed %u, step %u of %u (%s)\n"
           "exerciser: replay with KILN_EXERCISE_SEED=%u KILN_EXERCISE_STEPS=%u\n",
           what, current_seed, current_step, n_steps, last_step, current_seed, current_step + 1);
  fflush (stderr);
}

static void
beat (void)
{
  lock_beat ();
  last_beat = g_get_monotonic_time ();
  unlock_beat ();
}

/* The longest gap between two heartbeats since the last step began (main thread only). */
static gint64 longest_gap;
static gint64 previous_beat;

static gboolean
beat_source (gpointer unused)
{
  gint64 now = g_get_monotonic_time ();

  if (previous_beat && now - previous_beat > longest_gap)
    longest_gap = now - previous_beat;
  previous_beat = now;
  beat ();
  return G_SOURCE_CONTINUE;
}

static void
watch (gboolean on)
{
  beat ();
  lock_beat ();
  watching = on;
  unlock_beat ();
}

static gpointer
watchdog (gpointer unused)
{
  for (;;)
    {
      gboolean stalled, quit;

      g_usleep (100 * 1000);
      lock_beat ();
      quit = watchdog_quit;
      stalled = watching && g_get_monotonic_time () - last_beat > stall_limit_us;
      unlock_beat ();
      if (quit)
        return NULL;
      if (stalled)
        {
          char what[64];

          g_snprintf (what, sizeof what, "the main loop stalled for more than %d ms",
                      (int) (stall_limit_us / 1000));
          report (what);
          abort ();
        }
    }
}

/* GTK 4.8's own, counted rather than fatal: under Xvfb it sometimes asks for the geometry
 * of the monitor of a popup surface that is on none (gdk_display_get_monitor_at_surface() gives
 * NULL while a popover is laid out; the pop-up's content is then allocated a negative width, a
 * warning of its own), and its count of pressed ("active") widgets can go below
 * zero when a press and its release reach different surfaces (seen once in ~20 runs, on the
 * main window after a click on a switch: "Broken accounting of active state"), and a column
 * view's list may not find the row a scrollbar click asks for while rows are added ("failed to
 * scroll to given position. Ignoring..."), and GTK's own file chooser may draw a button of its path
 * bar before laying it out ("Trying to snapshot GtkButton ... without a current allocation", the
 * button inside a GtkFileChooserWidget). Everything else is fatal. */
static guint toolkit_criticals;

static gint64 last_monitor_critical = G_MININT64 / 2;

/* The widget a "Trying to snapshot <Type> 0x... without a current allocation" warning names: GTK
   gives only its address; it is alive (being drawn) when the warning is logged. */
static GtkWidget *
unallocated_widget (const char *message)
{
  const char *at;

  if (message == NULL || strstr (message, "without a current allocation") == NULL ||
      (at = strstr (message, " 0x")) == NULL)
    return NULL;
  return (GtkWidget *) (gsize) g_ascii_strtoull (at + 1, NULL, 16);
}

static gboolean
is_toolkit_critical (const char *domain, const char *message)
{
  GtkWidget *unallocated;

  if (message == NULL)
    return FALSE;
  if (g_strcmp0 (domain, "Gdk") == 0 && strstr (message, "gdk_monitor_get_geometry") != NULL)
    last_monitor_critical = g_get_monotonic_time ();
  return (g_strcmp0 (domain, "Gdk") == 0 && strstr (message, "gdk_monitor_get_geometry") != NULL) ||
         (g_strcmp0 (domain, "Gtk") == 0 && g_str_has_prefix (message, "Broken accounting of active state")) ||
         /* what follows the first: a pop-up laid out against no monitor gets a negative size
            (its content, or the scrolled window of a menu in it); only right after it */
         (g_strcmp0 (domain, "Gtk") == 0 &&
          strstr (message, "gtk_widget_size_allocate(): attempt to allocate") != NULL &&
          g_get_monotonic_time () - last_monitor_critical < G_USEC_PER_SEC) ||
         /* a scrollbar click while the table's rows come in: the list view's own, and it goes on */
         (g_strcmp0 (domain, "Gtk") == 0 &&
          g_str_has_prefix (message, "GtkColumnListView failed to scroll to given position")) ||
         /* GTK's own file chooser (no portal under Xvfb): a button of its path bar drawn before it
            was laid out, after the dialog had been laid out against no monitor (seed 2, step 294,
            its path bar's button inside GtkFileChooserWidget) */
         (g_strcmp0 (domain, "Gtk") == 0 && (unallocated = unallocated_widget (message)) != NULL &&
          gtk_widget_get_ancestor (unallocated, GTK_TYPE_FILE_CHOOSER_WIDGET) != NULL);
}

/* Every warning and critical fails the run, but for the two above: the writer decides, not
 * GLib's always-fatal mask (G_DEBUG=fatal-warnings), which the old g_log() API and the structured
 * one apply along different paths (a counted critical was once fatal through one of them). */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         unused)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
    else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
    return g_log_writer_default (level, fields, n_fields, unused);
  if (is_toolkit_critical (domain, message))
    {
      toolkit_criticals++;
      return g_log_writer_standard_streams (level & ~G_LOG_FLAG_FATAL, fields, n_fields, unused);
    }
  {
    void *frames[48];
    int n = backtrace (frames, G_N_ELEMENTS (frames));

    report ("a warning or critical was logged");
    /* GTK names a widget drawn before it was laid out only by its address: say where it sits */
    for (GtkWidget *w = unallocated_widget (message); w != NULL; w = gtk_widget_get_parent (w))
      {
        const char *text = GTK_IS_BUTTON (w) ? gtk_button_get_label (GTK_BUTTON (w))
                         : GTK_IS_LABEL (w) ? gtk_label_get_text (GTK_LABEL (w)) : NULL;
        fprintf (stderr, "  in %s (%s)%s%s%s\n", G_OBJECT_TYPE_NAME (w), gtk_widget_get_css_name (w),
                 text ? " \"" : "", text ? text : "", text ? "\"" : "");
      }
    backtrace_symbols_fd (frames, n, 2);
    g_log_writer_standard_streams (level, fields, n_fields, unused);
    printf ("Bail out! %s: %s\n", domain ? domain : "", message ? message : "");
    fflush (stdout);
    abort ();
  }
}

/* ---- The main loop after a step ---------------------------------------------------------- */

/* Runs what is pending until the loop is idle; a loop still busy after five times the stall
 * limit is a livelock (something that keeps queueing work for itself, as the target combo did:
 * its heartbeats still came, but the window never caught up). */
static KilnWindow **settling_window;   /* the window the steps go to (a weak pointer: a step
                                          may close it) */

static void
settle_step (guint linger_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) linger_ms * 1000;

  for (;;)
    {
      gint64 busy_since = g_get_monotonic_time ();

      while (g_main_context_pending (NULL))
        {
          g_main_context_iteration (NULL, FALSE);
          /* a training streams its epochs: busy is what it is then */
          if (settling_window && *settling_window &&
              (kiln_window_is_training (*settling_window) || kiln_window_is_loading (*settling_window)))
            busy_since = g_get_monotonic_time ();
          if (g_get_monotonic_time () - busy_since > 5 * stall_limit_us)
            {
              report ("the main loop stayed busy (a livelock)");
              g_error ("the main loop never went idle after step %u", current_step);
            }
        }
      if (g_get_monotonic_time () >= end)
        break;
      g_usleep (1000);
    }
}

/* ---- Finding controls --------------------------------------------------------------------- */

static gboolean
is_window_control (GtkWidget *widget)
{
  /* the title bar's close button and the like: closing is the journeys' business */
  return gtk_widget_get_ancestor (widget, GTK_TYPE_WINDOW_CONTROLS) != NULL;
}

static gboolean
quits (GtkWidget *widget)
{
  const char *action = GTK_IS_ACTIONABLE (widget) ? gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)) : NULL;

  return action && (strcmp (action, "app.quit") == 0 || strcmp (action, "window.close") == 0);
}

static gboolean
is_control (GtkWidget *w)
{
  return GTK_IS_SWITCH (w) || GTK_IS_SPIN_BUTTON (w) || ADW_IS_COMBO_ROW (w) || GTK_IS_DROP_DOWN (w) ||
         GTK_IS_CHECK_BUTTON (w) || GTK_IS_BUTTON (w) || ADW_IS_EXPANDER_ROW (w) || GTK_IS_RANGE (w) ||
         (GTK_IS_EDITABLE (w) && (GTK_IS_ENTRY (w) || ADW_IS_ENTRY_ROW (w))) ||
         (GTK_IS_LIST_BOX_ROW (w) && gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (w))) ||
         KILN_IS_DATA_TABLE (w);
}

static void
collect (GtkWidget *w, GPtrArray *out)
{
  if (!gtk_widget_get_visible (w) || !gtk_widget_get_child_visible (w) || !gtk_widget_get_mapped (w))
    return;
  if (!gtk_widget_is_sensitive (w))
    return;
  if (is_control (w) && kiln_ui_is_showing (w) && !is_window_control (w) && !quits (w))
    g_ptr_array_add (out, w);
  /* a spin button's or a combo row's inner parts are the control's own */
  if (GTK_IS_SPIN_BUTTON (w) || GTK_IS_DROP_DOWN (w) || KILN_IS_DATA_TABLE (w))
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect (c, out);
}

/* ---- Steps -------------------------------------------------------------------------------- */

static const char *texts[] = { "", "0", "3", "-1", "abc", "1e309", "nan", "한국어 리뷰", "  7 ", "ÿ\t", };

/* What the control is, in words: its label, tooltip or icon, and the row it sits in. */
static void
describe (GtkWidget *w)
{
  GtkWidget *row = gtk_widget_get_ancestor (w, ADW_TYPE_PREFERENCES_ROW);
  const char *what = NULL;

  if (GTK_IS_BUTTON (w))
    what = gtk_button_get_label (GTK_BUTTON (w)) ? gtk_button_get_label (GTK_BUTTON (w))
                                                 : gtk_button_get_icon_name (GTK_BUTTON (w));
  if (what == NULL)
    what = kiln_widgets_get_tooltip (w);
  g_snprintf (last_step, sizeof last_step, "%s%s%s%s%s", G_OBJECT_TYPE_NAME (w),
              what ? " “" : "", what ? what : "", what ? "”" : "",
              row && row != w ? " in a row" : "");
  if (row && row != w)
    {
      g_strlcat (last_step, " “", sizeof last_step);
      g_strlcat (last_step, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), sizeof last_step);
      g_strlcat (last_step, "”", sizeof last_step);
    }
}

static void
operate (GtkWidget *w, GRand *rand)
{
  describe (w);
  if (GTK_IS_SWITCH (w))
    gtk_switch_set_active (GTK_SWITCH (w), !gtk_switch_get_active (GTK_SWITCH (w)));
  else if (GTK_IS_SPIN_BUTTON (w))
    {
      GtkAdjustment *adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (w));
      double lo = gtk_adjustment_get_lower (adj), hi = gtk_adjustment_get_upper (adj);

      if (g_rand_int_range (rand, 0, 4) == 0)
        {
          const char *text = texts[g_rand_int_range (rand, 0, G_N_ELEMENTS (texts))];
          g_strlcat (last_step, " typed ", sizeof last_step);
          g_strlcat (last_step, text, sizeof last_step);
          gtk_editable_set_text (GTK_EDITABLE (w), text);
          gtk_spin_button_update (GTK_SPIN_BUTTON (w));
        }
      else
        {
          /* mostly small values: large ones make slow models, as a user's would */
          double v = lo + (MIN (hi, lo + 200) - lo) * g_rand_double (rand);
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), v);
        }
    }
  else if (ADW_IS_COMBO_ROW (w) || GTK_IS_DROP_DOWN (w))
    {
      GListModel *model = ADW_IS_COMBO_ROW (w) ? adw_combo_row_get_model (ADW_COMBO_ROW (w))
                                                 : gtk_drop_down_get_model (GTK_DROP_DOWN (w));
      guint n = model ? g_list_model_get_n_items (model) : 0;

      if (n > 0)
        {
          guint pick = g_rand_int_range (rand, 0, n);
          char num[32];

          g_snprintf (num, sizeof num, " item %u of %u", pick, n);
          g_strlcat (last_step, num, sizeof last_step);
          if (ADW_IS_COMBO_ROW (w))
            adw_combo_row_set_selected (ADW_COMBO_ROW (w), pick);
          else
            gtk_drop_down_set_selected (GTK_DROP_DOWN (w), pick);
        }
    }
  else if (GTK_IS_CHECK_BUTTON (w))
    gtk_check_button_set_active (GTK_CHECK_BUTTON (w), !gtk_check_button_get_active (GTK_CHECK_BUTTON (w)));
  else if (GTK_IS_TOGGLE_BUTTON (w))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (w), !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (w)));
  else if (GTK_IS_BUTTON (w))
    {
      gtk_widget_activate (w);
    }
  else if (ADW_IS_EXPANDER_ROW (w))
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (w), !adw_expander_row_get_expanded (ADW_EXPANDER_ROW (w)));
  else if (GTK_IS_RANGE (w))
    {
      GtkAdjustment *adj = gtk_range_get_adjustment (GTK_RANGE (w));
      gtk_adjustment_set_value (adj, gtk_adjustment_get_lower (adj) +
                                (gtk_adjustment_get_upper (adj) - gtk_adjustment_get_lower (adj)) * g_rand_double (rand));
    }
  else if (GTK_IS_EDITABLE (w))
    {
      const char *text = texts[g_rand_int_range (rand, 0, G_N_ELEMENTS (texts))];
      g_strlcat (last_step, " typed ", sizeof last_step);
      g_strlcat (last_step, text, sizeof last_step);
      gtk_editable_set_text (GTK_EDITABLE (w), text);
      gtk_widget_activate (w);
    }
  else if (GTK_IS_LIST_BOX_ROW (w))
    {
      if (ADW_IS_PREFERENCES_ROW (w))
        {
          g_strlcat (last_step, " “", sizeof last_step);
          g_strlcat (last_step, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), sizeof last_step);
          g_strlcat (last_step, "”", sizeof last_step);
        }
      gtk_widget_activate (w);
    }
  else if (KILN_IS_DATA_TABLE (w))
    {
      KilnFrame *frame = kiln_project_get_frame (kiln_window_get_project (KILN_WINDOW (gtk_widget_get_root (w))));
      guint n = frame ? kiln_frame_get_n_columns (frame) : 0;

      if (n > 0)
        {
          guint cols[2] = { g_rand_int_range (rand, 0, n), g_rand_int_range (rand, 0, n) };
          guint k = 1 + g_rand_int_range (rand, 0, 2);
          char num[48];

          g_snprintf (num, sizeof num, " columns %u,%u selected (%u)", cols[0], cols[1], k);
          g_strlcat (last_step, num, sizeof last_step);
          kiln_data_table_set_selected_columns (KILN_DATA_TABLE (w), cols, k);
        }
    }
}

static const char *keys[] = {
  "Tab", "shift+Tab", "Down", "Up", "Left", "Right", "Return", "space", "Escape", "ctrl+z",
  "alt+1", "alt+2", "alt+3", "alt+4", "alt+5", "Page_Down", "Page_Up", "Home", "End", "ctrl+s",
};

static const char *examples[] = { "iris.csv", "penguins.csv", "pima_missing.csv", "digits.csv" };

/* A file chooser gets cancelled or a file: a project in the temporary folder, an example, or
 * something that is not a CSV at all. */
static void
answer_chooser (GtkWidget *dialog, GRand *rand)
{
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);
  g_autoptr(GFile) folder = g_file_new_for_path (tmpdir);

  if (g_rand_int_range (rand, 0, 3) == 0)
    {
      g_snprintf (last_step, sizeof last_step, "file chooser cancelled");
      gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
      return;
    }
  if (gtk_file_chooser_get_action (chooser) == GTK_FILE_CHOOSER_ACTION_SAVE)
    {
      g_autofree char *name = g_strdup_printf ("exercise-%u.kilnproj", g_rand_int_range (rand, 0, 3));

      gtk_file_chooser_set_current_folder (chooser, folder, NULL);
      gtk_file_chooser_set_current_name (chooser, name);
      g_snprintf (last_step, sizeof last_step, "file chooser: save as %s", name);
    }
  else
    {
      g_autofree char *path = NULL;
      g_autoptr(GFile) file = NULL;

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          path = g_strdup_printf ("%s/exercise-%u.kilnproj", tmpdir, g_rand_int_range (rand, 0, 3));
          break;
        case 1:
          path = g_build_filename (tmpdir, "not-a-table.csv", NULL);
          break;
        default:
          path = g_build_filename (KILN_SOURCE_DATADIR, "examples",
                                   examples[g_rand_int_range (rand, 0, G_N_ELEMENTS (examples))], NULL);
        }
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_free (path);
          path = g_build_filename (KILN_SOURCE_DATADIR, "examples", "iris.csv", NULL);
        }
      file = g_file_new_for_path (path);
      gtk_file_chooser_set_file (chooser, file, NULL);
      g_snprintf (last_step, sizeof last_step, "file chooser: open %s", path);
    }
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
}

/* Answers one open dialog (file chooser, message dialog, about window); TRUE if there was one. */
static gboolean
answer_dialog (GtkWindow *main_window, GRand *rand)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) win = g_list_model_get_item (toplevels, i);

      if (win == main_window || !gtk_widget_get_visible (GTK_WIDGET (win)))
        continue;
      if (GTK_IS_FILE_CHOOSER (win) && GTK_IS_DIALOG (win))
        answer_chooser (GTK_WIDGET (win), rand);
      else if (ADW_IS_MESSAGE_DIALOG (win))
        {
          g_autoptr(GPtrArray) buttons = kiln_ui_find_all (GTK_WIDGET (win), GTK_TYPE_BUTTON);

          if (buttons->len > 0)
            {
              GtkWidget *b = g_ptr_array_index (buttons, g_rand_int_range (rand, 0, buttons->len));
              g_snprintf (last_step, sizeof last_step, "dialog “%s”: %s",
                          adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (win)),
                          gtk_button_get_label (GTK_BUTTON (b)) ? gtk_button_get_label (GTK_BUTTON (b)) : "?");
              gtk_widget_activate (b);
            }
          else
            gtk_window_close (win);
        }
      else
        {
          g_snprintf (last_step, sizeof last_step, "closed %s", G_OBJECT_TYPE_NAME (win));
          gtk_window_close (win);
        }
      return TRUE;
    }
  return FALSE;
}

static gboolean
has_frame (gpointer data)
{
  return kiln_project_get_frame (kiln_window_get_project (data)) != NULL && !kiln_window_is_loading (data);
}

static KilnWindow *
open_window (GRand *rand)
{
  KilnWindow *window = kiln_window_new (app);
  const char *example = examples[g_rand_int_range (rand, 0, G_N_ELEMENTS (examples) - 1)];

  watch (FALSE);
  if (g_rand_boolean (rand))
    gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  else
    gtk_window_set_default_size (GTK_WINDOW (window), 1024, 700);
  gtk_window_present (GTK_WINDOW (window));
  kiln_ui_settle (300);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", example);
  g_assert_true (kiln_ui_wait (has_frame, window, 30000));
  kiln_ui_settle (100);
  kiln_ui_focus_window (GTK_WIDGET (window));
  watch (TRUE);
  g_test_message ("seed %u: %s", current_seed, example);
  return window;
}

static void
step (KilnWindow *window, GRand *rand, gboolean real_input)
{
  int dice = g_rand_int_range (rand, 0, 100);

  if (answer_dialog (GTK_WINDOW (window), rand))
    return;

  if (dice < 60)
    {
      g_autoptr(GPtrArray) controls = g_ptr_array_new ();

      collect (GTK_WIDGET (window), controls);
      if (controls->len == 0)
        return;
      /* held: scrolling it into view runs the main loop, where it may go (a toast's close button) */
      g_autoptr(GtkWidget) w = g_object_ref (g_ptr_array_index (controls, g_rand_int_range (rand, 0, controls->len)));
      if (real_input && dice < 12 && !GTK_IS_SPIN_BUTTON (w) && !GTK_IS_EDITABLE (w))
        {
          /* a real click somewhere on it: the widget's own event path */
          double x = gtk_widget_get_width (w) * g_rand_double (rand);
          double y = gtk_widget_get_height (w) * g_rand_double (rand);

          char at[48];

          describe (w);
          g_snprintf (at, sizeof at, ": a click at %.0f,%.0f", x, y);
          g_strlcat (last_step, at, sizeof last_step);
          kiln_ui_scroll_into_view (w);
          if (kiln_ui_is_showing (w))
            kiln_ui_click_anything (w, x, y);
        }
      else
        operate (w, rand);
    }
  else if (dice < 70 && real_input)
    {
      const char *key = keys[g_rand_int_range (rand, 0, G_N_ELEMENTS (keys))];

      g_snprintf (last_step, sizeof last_step, "key %s", key);
      kiln_ui_keys (key);
    }
  else if (dice < 78)
    {
      static const char *pages[] = { "data", "prepare", "train", "evaluate", "export" };
      const char *page = pages[g_rand_int_range (rand, 0, G_N_ELEMENTS (pages))];

      g_snprintf (last_step, sizeof last_step, "go to %s", page);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", page);
    }
  else if (dice < 85)
    {
      g_snprintf (last_step, sizeof last_step, "train");
      gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
    }
  else if (dice < 90)
    {
      g_snprintf (last_step, sizeof last_step, "cancel training");
      gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-training", NULL);
    }
  else if (dice < 94)
    {
      g_snprintf (last_step, sizeof last_step, "save project");
      gtk_widget_activate_action (GTK_WIDGET (window), g_rand_boolean (rand) ? "win.save-project" : "win.save-project-as", NULL);
    }
  else if (dice < 97)
    {
      g_snprintf (last_step, sizeof last_step, "open project");
      gtk_widget_activate_action (GTK_WIDGET (window), "win.open-project", NULL);
    }
  else
    {
      const char *example = examples[g_rand_int_range (rand, 0, G_N_ELEMENTS (examples))];

      g_snprintf (last_step, sizeof last_step, "open example %s", example);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", example);
    }
}

static void
exercise (guint32 seed, guint steps)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  KilnWindow *window;
  gboolean real_input = kiln_ui_available ();
  guint windows = 1;
  gint64 start = g_get_monotonic_time ();
  gint64 worst_gap = 0;
  char worst_step[256] = "";

  current_seed = seed;
  n_steps = steps;
  current_step = 0;
  g_snprintf (last_step, sizeof last_step, "opening the window");
  window = open_window (rand);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);

  for (current_step = 0; current_step < steps; current_step++)
    {
      longest_gap = 0;
      previous_beat = g_get_monotonic_time ();
      settling_window = &window;
      step (window, rand, real_input);
      settle_step (g_rand_int_range (rand, 2, 30));
      if (longest_gap > 250 * 1000)
        g_test_message ("seed %u step %u: the main loop stopped for %.2f s: %s", seed, current_step,
                        longest_gap / 1e6, last_step);
      if (longest_gap > worst_gap)
        {
          worst_gap = longest_gap;
          g_snprintf (worst_step, sizeof worst_step, "%s", last_step);
        }
      if (window == NULL)
        {
          /* a quit from the menu or a dialog's answer closed it: as a user would, start again */
          g_test_message ("seed %u step %u: the window closed (%s); a new one opens", seed, current_step, last_step);
          window = open_window (rand);
          g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
          windows++;
        }
      if (current_step % 250 == 0)
        g_test_message ("seed %u: step %u (%s)", seed, current_step, last_step);
    }

  /* whatever runs, runs to an end: cancel and let the worker stop */
  settling_window = NULL;
  watch (FALSE);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-training", NULL);
  while (answer_dialog (GTK_WINDOW (window), rand))
    kiln_ui_settle (50);
  kiln_ui_settle (500);
  g_object_remove_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (window));
  kiln_ui_settle (200);
  g_test_message ("seed %u: %u steps in %.1f s, %u window(s); the longest main-loop stop %.0f ms (%s); "
                  "%u toolkit warning(s) counted", seed, steps, (g_get_monotonic_time () - start) / 1e6,
                  windows, worst_gap / 1e3, worst_step, toolkit_criticals);
}

static void
test_exercise (gconstpointer data)
{
  exercise (GPOINTER_TO_UINT (data), n_steps);
}

int
main (int argc, char **argv)
{
  const char *seed_env = g_getenv ("KILN_EXERCISE_SEED");
  const char *steps_env = g_getenv ("KILN_EXERCISE_STEPS");
  const char *stall_env = g_getenv ("KILN_EXERCISE_STALL_MS");
  const char *seeds_env = g_getenv ("KILN_EXERCISE_SEEDS");
  guint n_seeds;
  guint32 fixed_seeds[] = { 1, 2, 3 };
  GThread *dog;
  int ret;

  g_setenv ("KILN_DATA_DIR", KILN_SOURCE_DATADIR, FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_log_set_writer_func (log_writer, NULL, NULL);
  /* warnings and criticals reach log_writer() and fail there (see it) */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Gdk", G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Gtk", G_LOG_FATAL_MASK);
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  tmpdir = g_dir_make_tmp ("kiln-exercise-XXXXXX", NULL);
  {
    g_autofree char *junk = g_build_filename (tmpdir, "not-a-table.csv", NULL);
    g_assert_true (g_file_set_contents (junk, "\x89PNG\r\n\x1a\n\0\0\0binary\xff\xfe", 18, NULL));
  }

  n_steps = steps_env ? (guint) g_ascii_strtoull (steps_env, NULL, 10) : 500;
  n_seeds = seeds_env ? CLAMP ((guint) g_ascii_strtoull (seeds_env, NULL, 10), 1, G_N_ELEMENTS (fixed_seeds))
                     : G_N_ELEMENTS (fixed_seeds);
  if (stall_env)
    stall_limit_us = (gint64) g_ascii_strtoull (stall_env, NULL, 10) * 1000;
  g_timeout_add (20, beat_source, NULL);
  dog = g_thread_new ("watchdog", watchdog, NULL);

  if (seed_env)
    {
      guint32 seed = strcmp (seed_env, "random") == 0 ? g_random_int () : (guint32) g_ascii_strtoull (seed_env, NULL, 10);
      g_autofree char *path = g_strdup_printf ("/exerciser/seed-%u", seed);

      g_test_add_data_func (path, GUINT_TO_POINTER (seed), test_exercise);
    }
  else
    for (guint i = 0; i < n_seeds; i++)
      {
        g_autofree char *path = g_strdup_printf ("/exerciser/seed-%u", fixed_seeds[i]);
        g_test_add_data_func (path, GUINT_TO_POINTER (fixed_seeds[i]), test_exercise);
      }
  ret = g_test_run ();

  lock_beat ();
  watchdog_quit = TRUE;
  unlock_beat ();
  g_thread_join (dog);
  g_object_unref (app);
  return ret;
}
