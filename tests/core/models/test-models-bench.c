/* test-models-bench.c: fit times of Kiln's families for bench/train-models (not a test).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   test-models-bench TRAIN.csv TEST.csv TARGET classification|regression FAMILY [REPEATS]
 *
 * Builds the reference's default preprocessing (kiln-test-features.c), fits FAMILY REPEATS times
 * (default 3) and prints one JSON line: {"family", "seconds": [...], "score", "epochs"}. The score
 * is test accuracy or R^2. The MLP trains for 200 epochs (500 for regression) like the reference.
 */
#define G_LOG_DOMAIN "test-models-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "kiln-model.h"
#include "kiln-test-features.h"

static void
count_epoch (guint      epoch,
             double     train_loss,
             double     val_loss,
             double     val_metric,
             KilnModel *snapshot,
             gpointer   user_data)
{
  *(guint *) user_data = epoch;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(KilnFrame) train = NULL, test = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) seconds = g_string_new (NULL);
  KilnTestFeatures features;
  KilnTask task;
  guint repeats = 3, epochs = 0;
  double score = 0.0;

  if (argc < 6 || !kiln_task_from_string (argv[4], &task))
    {
      fprintf (stderr, "usage: %s TRAIN.csv TEST.csv TARGET classification|regression FAMILY [REPEATS]\n", argv[0]);
      return 2;
    }
  if (argc > 6)
    repeats = MAX (1, atoi (argv[6]));
  train = kiln_test_read_csv (argv[1]);
  test = kiln_test_read_csv (argv[2]);
  if (!kiln_test_features_build (train, test, argv[3], task, &features, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  for (guint r = 0; r < repeats; r++)
    {
      KilnModelOptions options;
      g_autoptr(KilnModel) model = NULL;
      KilnFitMonitor monitor = { count_epoch, NULL, &epochs };
      gint64 t0;

      kiln_model_options_init (&options, task);
      if (g_str_equal (argv[5], "mlp") && task == KILN_TASK_REGRESSION)
        options.epochs = 500;
      if (g_str_equal (argv[5], "forest"))
        options.n_threads = 2;
      model = kiln_model_new (argv[5], &options, &error);
      if (model == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      t0 = g_get_monotonic_time ();
      if (!kiln_model_fit (model, features.train, NULL, &monitor, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      g_string_append_printf (seconds, "%s%.4f", r > 0 ? ", " : "",
                              (g_get_monotonic_time () - t0) / 1e6);
      score = kiln_test_score (model, features.test);
    }
  printf ("{\"family\": \"%s\", \"seconds\": [%s], \"score\": %.6f, \"epochs\": %u, \"features\": %u}\n",
          argv[5], seconds->str, score, epochs, features.train->n_features);
  kiln_test_features_clear (&features);
  return 0;
}
