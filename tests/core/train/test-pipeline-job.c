/* test-pipeline-job.c: the one background job (prepare -> fit -> evaluate -> bundle) reports how
 * far preparing is, step by step, before the fit begins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <math.h>

#include "kiln-csv.h"
#include "kiln-pipeline-job.h"

typedef struct {
  GMainLoop *loop;
  GArray    *prepare_fractions;   /* PROGRESS while preparing */
  gboolean   preparing;
  gboolean   fit_started;
  gboolean   finished;
} Seen;

static void
on_wake (KilnTrainRun *run, gpointer data)
{
  Seen *seen = data;
  KilnTrainEvent *event;

  while ((event = kiln_train_run_try_pop (run)) != NULL)
    {
      switch (event->kind)
        {
        case KILN_TRAIN_EVENT_STAGE:
          seen->preparing = event->stage == KILN_TRAIN_STAGE_PREPARE;
          if (event->stage == KILN_TRAIN_STAGE_FIT)
            seen->fit_started = TRUE;
          break;
        case KILN_TRAIN_EVENT_PROGRESS:
          if (seen->preparing)
            g_array_append_val (seen->prepare_fractions, event->fraction);
          break;
        case KILN_TRAIN_EVENT_FINISHED:
          g_assert_nonnull (kiln_pipeline_job_get_result (event));
          seen->finished = TRUE;
          break;
        case KILN_TRAIN_EVENT_FAILED:
          g_error ("the job failed: %s", event->error->message);
          break;
        default:
          break;
        }
      if (kiln_train_event_is_terminal (event))
        g_main_loop_quit (seen->loop);
      kiln_train_event_free (event);
    }
}

static void
test_prepare_progress (void)
{
  g_autofree char *path = g_build_filename (KILN_SOURCE_DATADIR, "examples", "penguins.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  KilnPipelineOptions options;
  KilnTrainRun *run;
  Seen seen = { g_main_loop_new (NULL, FALSE), g_array_new (FALSE, FALSE, sizeof (double)) };

  g_assert_no_error (error);
  kiln_pipeline_options_init (&options, "species", "logreg");
  options.prep.dedupe = TRUE;
  options.prep.iqr = TRUE;
  run = kiln_pipeline_job_start (frame, NULL, &options, KILN_PIPELINE_JOB_BUNDLE, 1, on_wake, &seen);
  g_main_loop_run (seen.loop);

  g_assert_true (seen.finished);
  g_assert_true (seen.fit_started);
  /* the split, each of the recipe's steps (dedupe, IQR, impute, encode, scale), the datasets:
     at least that many moves of the bar, always forward, ending full */
  g_test_message ("%u progress events while preparing", seen.prepare_fractions->len);
  g_assert_cmpuint (seen.prepare_fractions->len, >=, 6);
  for (guint i = 1; i < seen.prepare_fractions->len; i++)
    g_assert_cmpfloat (g_array_index (seen.prepare_fractions, double, i), >,
                       g_array_index (seen.prepare_fractions, double, i - 1));
  g_assert_cmpfloat (g_array_index (seen.prepare_fractions, double, seen.prepare_fractions->len - 1), ==, 1.0);

  kiln_train_run_unref (run);
  kiln_pipeline_options_clear (&options);
  g_array_unref (seen.prepare_fractions);
  g_main_loop_unref (seen.loop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pipeline-job/prepare-progress", test_prepare_progress);
  return g_test_run ();
}
