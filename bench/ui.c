/* bench/ui.c: is the window responsive while flights-3m loads and while an MLP trains on letter?
 *
 * Runs the real KilnWindow (under Xvfb in bench/ui), keeps the frame clock ticking with a tick
 * callback and records the longest gap between ticks: a gap is a stalled main loop. While the MLP
 * trains it also counts how often the loss plot asked to be redrawn against the epochs reported.
 *
 * KILN_BENCH_STACKS=MS: when the main loop has not ticked for MS milliseconds, a watcher thread
 * interrupts it (SIGPROF) and the main thread prints its stack to stderr, again every MS while the
 * gap lasts, headed by the stage (load, train) and the frame clock phase: where a long frame spends its time.
 * KILN_BENCH_NICE=N: the workers run at niceness N instead of the application's 10 (0: at the
 * window's own priority, as before workers yielded to it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiln-application.h"
#include "kiln-threads.h"
#include "kiln-window.h"
#include "kiln-loss-plot.h"

typedef struct {
  gint64 last;
  gint64 max_gap;
  gint64 max_gap_end;       /* g_get_monotonic_time () at the end of the longest gap */
  guint  ticks;
  guint  invalidations;
  /* the longest of each of the frame clock's phases over the run (each its own longest, not
     necessarily of one frame): the main loop outside frames (idle handlers, the worker's
     wake-ups), update + layout (measuring and allocating widgets), paint */
  gint64 before_paint, layout_done, after_paint;
  gint64 worst_outside, worst_layout, worst_paint;
} Probe;

/* where the main thread is, for the stack sampler: the stage measured and the frame clock's phase */
static const char *volatile stage = "setup";
static const char *volatile phase = "outside frames";

static void
on_before_paint (GdkFrameClock *clock, Probe *probe)
{
  gint64 now = g_get_monotonic_time ();

  if (probe->after_paint)
    probe->worst_outside = MAX (probe->worst_outside, now - probe->after_paint);
  probe->before_paint = now;
  phase = "update+layout";
}

static void
on_layout (GdkFrameClock *clock, Probe *probe)
{
  probe->layout_done = g_get_monotonic_time ();
  phase = "paint";
}

static void
on_after_paint (GdkFrameClock *clock, Probe *probe)
{
  gint64 now = g_get_monotonic_time ();

  if (probe->before_paint && probe->layout_done >= probe->before_paint)
    {
      probe->worst_layout = MAX (probe->worst_layout, probe->layout_done - probe->before_paint);
      probe->worst_paint = MAX (probe->worst_paint, now - probe->layout_done);
    }
  probe->after_paint = now;
  phase = "outside frames";
}

static void
watch_phases (GtkWidget *window, Probe *probe)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  /* a frame starts at "update" (emitted every frame while a tick callback runs; "before-paint"
   * only when something asked for it) */
  g_signal_connect (clock, "update", G_CALLBACK (on_before_paint), probe);
  /* after GTK's own layout handler (connected when the window was realized) */
  g_signal_connect (clock, "layout", G_CALLBACK (on_layout), probe);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), probe);
}

static void
print_phases (Probe *probe)
{
  /* CLOCK_MONOTONIC seconds, as `perf record -k CLOCK_MONOTONIC` stamps its samples */
  if (g_getenv ("KILN_BENCH_GAP_TIMES"))
    printf ("  longest gap from %.6f to %.6f s (monotonic)\n", (probe->max_gap_end - probe->max_gap) / 1e6,
            probe->max_gap_end / 1e6);
  printf ("  longest of each phase: outside frames %.1f ms, update+layout %.1f ms, paint %.1f ms\n",
          probe->worst_outside / 1000.0, probe->worst_layout / 1000.0, probe->worst_paint / 1000.0);
}

/* ---- the stack sampler (KILN_BENCH_STACKS) ---- */

static _Atomic gint64 last_tick_us;
static pthread_t main_thread;

static void
on_sigprof (int sig)
{
  void *frames[160];
  int n = backtrace (frames, G_N_ELEMENTS (frames));
  static const char head[] = "-- main thread, in a long gap: ";
  const char *where[] = { stage, ", ", phase, "\n" };

  if (write (2, head, sizeof head - 1) < 0)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (where); i++)
    if (write (2, where[i], strlen (where[i])) < 0)
      return;
  backtrace_symbols_fd (frames + 2, n - 2, 2);
}

static gpointer
watch_gaps (gpointer data)
{
  gint64 limit = GPOINTER_TO_INT (data) * 1000, sampled_at = 0;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 last = atomic_load (&last_tick_us);

      if (last && now - last > limit && now - MAX (sampled_at, last) > limit)
        {
          sampled_at = now;
          pthread_kill (main_thread, SIGPROF);
        }
      g_usleep (2000);
    }
  return NULL;
}

static void
start_sampler (void)
{
  const char *env = g_getenv ("KILN_BENCH_STACKS");
  int ms = env ? atoi (env) : 0;
  void *warm[2];

  if (ms <= 0)
    return;
  backtrace (warm, 2); /* loads libgcc before any signal */
  main_thread = pthread_self ();
  signal (SIGPROF, on_sigprof);
  g_thread_unref (g_thread_new ("gap-watch", watch_gaps, GINT_TO_POINTER (ms)));
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();

  atomic_store (&last_tick_us, now);

  if (probe->last && now - probe->last > probe->max_gap)
    {
      probe->max_gap = now - probe->last;
      probe->max_gap_end = now;
    }
  probe->last = now;
  probe->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
probe_reset (Probe *probe)
{
  probe->last = 0;
  probe->max_gap = 0;
  probe->ticks = 0;
  probe->invalidations = 0;
  probe->before_paint = probe->layout_done = probe->after_paint = 0;
  probe->worst_outside = probe->worst_layout = probe->worst_paint = 0;
}

static void
on_invalidate (GdkPaintable *paintable, Probe *probe)
{
  probe->invalidations++;
}

static GtkWidget *
find_loss_plot (GtkWidget *widget)
{
  if (KILN_IS_LOSS_PLOT (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_loss_plot (child);
      if (found)
        return found;
    }
  return NULL;
}

static void
spin_until (gboolean (*done) (KilnWindow *), KilnWindow *window, double timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * 1e6);

  while (!done (window) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

/* What follows the end of the work (the page that shows it being built) is measured too. */
static void
spin_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (500);
}

static gboolean
loaded (KilnWindow *window)
{
  return !kiln_window_is_loading (window) && kiln_project_get_frame (kiln_window_get_project (window)) != NULL;
}

static gboolean
trained (KilnWindow *window)
{
  return kiln_project_get_result (kiln_window_get_project (window)) != NULL;
}

int
main (int argc, char **argv)
{
  g_autoptr(KilnApplication) app = NULL;
  KilnWindow *window;
  KilnProject *project;
  Probe probe = { 0 };
  GtkWidget *plot;
  GdkPaintable *paintable;
  const char *flights = argc > 1 ? argv[1] : "/tmp/kiln-bench/flights-3m.csv";
  const char *letter = argc > 2 ? argv[2] : "../shared/datasets/letter.csv";
  g_autoptr(GFile) f1 = g_file_new_for_path (flights);
  g_autoptr(GFile) f2 = g_file_new_for_path (letter);
  gint64 t0;
  double load_s, train_s;
  guint epochs, train_ticks, train_invalidations;
  gboolean live;
  const KilnModelOptions *mo;

  gtk_init ();
  adw_init ();
  start_sampler ();
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  /* KILN_BENCH_NICE=N: the workers' niceness instead of the application's (0: as the window) */
  if (g_getenv ("KILN_BENCH_NICE"))
    kiln_threads_set_background_nice (atoi (g_getenv ("KILN_BENCH_NICE")));
  window = kiln_window_new (app);
  project = kiln_window_get_project (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_add_tick_callback (GTK_WIDGET (window), on_tick, &probe, NULL);
  for (int i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  watch_phases (GTK_WIDGET (window), &probe);

  /* 1. loading 3 million rows */
  probe_reset (&probe);
  stage = "load";
  t0 = g_get_monotonic_time ();
  kiln_window_open (window, f1);
  spin_until (loaded, window, 120);
  load_s = (g_get_monotonic_time () - t0) / 1e6;
  spin_for (1.5);
  printf ("load %s: %.2f s, %u frames, longest main-loop gap %.1f ms (%s)\n", flights, load_s,
          probe.ticks, probe.max_gap / 1000.0, probe.max_gap <= 50000 ? "ok" : "OVER 50 ms");
  print_phases (&probe);
  {
    gint64 load_gap = probe.max_gap;

    /* 2. an MLP on letter */
    stage = "between";
    kiln_window_open (window, f2);
    spin_until (loaded, window, 60);
    gtk_widget_activate_action (GTK_WIDGET (window), "win.set-target", "s", "lettr");
    gtk_widget_activate_action (GTK_WIDGET (window), "win.set-model", "s", "mlp");
    kiln_project_get_prep (project)->split = (KilnSplitFractions) { 0.7, 0.1, 0.2 };
    kiln_project_prep_changed (project);
    {
      /* KILN_BENCH_HIDDEN=256,128: a bigger network, epochs slower than a frame */
      const char *hidden = g_getenv ("KILN_BENCH_HIDDEN");
      KilnModelOptions *opts = kiln_project_get_model_options (project);
      if (hidden)
        {
          g_auto(GStrv) parts = g_strsplit (hidden, ",", 7);
          memset (opts->hidden, 0, sizeof opts->hidden);
          for (guint i = 0; parts[i]; i++)
            opts->hidden[i] = (guint) g_ascii_strtoull (parts[i], NULL, 10);
        }
    }
    gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "train");
    for (int i = 0; i < 50; i++)
      g_main_context_iteration (NULL, FALSE);
    plot = find_loss_plot (GTK_WIDGET (window));
    g_assert (plot != NULL);
    paintable = gtk_widget_paintable_new (plot);
    g_signal_connect (paintable, "invalidate-contents", G_CALLBACK (on_invalidate), &probe);

    probe_reset (&probe);
    stage = "train";
    t0 = g_get_monotonic_time ();
    gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
    spin_until (trained, window, 600);
    train_s = (g_get_monotonic_time () - t0) / 1e6;
    /* the plot can redraw once a frame at most: while training, it should on (nearly) every
       frame that had a new epoch to show */
    train_ticks = probe.ticks;
    train_invalidations = probe.invalidations;
    spin_for (2.0);
    epochs = kiln_loss_plot_get_n_points (KILN_LOSS_PLOT (plot));
    live = train_invalidations >= MIN (epochs, train_ticks * 9 / 10);
    mo = kiln_project_get_model_options (project);
    printf ("train mlp (%u,%u hidden) on %s: %.2f s, %u epochs, %u frames while training, loss plot redrawn "
            "%u times (%s), longest main-loop gap %.1f ms (%s)\n",
            mo->hidden[0], mo->hidden[1], letter, train_s, epochs, train_ticks, train_invalidations,
            train_invalidations >= epochs ? "at least once per epoch"
                                          : live ? "on 90 % of frames or more; epochs are faster than frames"
                                                 : "FEWER than frames and epochs",
            probe.max_gap / 1000.0, probe.max_gap <= 50000 ? "ok" : "OVER 50 ms");
    print_phases (&probe);
    stage = "teardown";
    g_object_unref (paintable);
    gtk_window_destroy (GTK_WINDOW (window));
    return load_gap <= 50000 && probe.max_gap <= 50000 && live ? 0 : 1;
  }
}
