/* bench-gbt.c: Kiln's side of bench/train-gbt (built, not a test).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-gbt TRAIN.csv TEST.csv TARGET classification|regression [NAME=VALUE ...]
 * reads both files, prepares them with Kiln's default recipe for the family (kiln_pipeline_prepare,
 * as `kiln-cli train --test` does), then times the fit on the training rows and the prediction of
 * the test rows, and prints one JSON object: seconds of each, the test score (accuracy or R^2),
 * the number of rounds kept, the size of the saved model, and the prepared data's shape.
 * NAME=VALUE set the options: rounds, lr, leaves, depth, min_leaf, l2, min_hessian, subsample, colsample,
 * early_stopping, bins, threads, seed, model (another family, for comparison), repeats.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "kiln-csv.h"
#include "kiln-pipeline.h"

/* User + system seconds of the process (every thread). */
static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) train = NULL;
  g_autoptr(KilnFrame) test = NULL;
  KilnPipelineOptions options;
  KilnPipeline *pipeline;
  KilnTask task;
  const char *model_name = "gbt";
  guint repeats = 1;
  double best_fit = G_MAXDOUBLE, best_predict = G_MAXDOUBLE, best_cpu = G_MAXDOUBLE, score = 0.0;
  gsize json_bytes = 0;
  guint rounds_kept = 0;

  if (argc < 5 || !kiln_task_from_string (argv[4], &task))
    {
      fprintf (stderr, "usage: %s TRAIN.csv TEST.csv TARGET classification|regression [NAME=VALUE ...]\n", argv[0]);
      return 2;
    }
  for (int i = 5; i < argc; i++)
    if (g_str_has_prefix (argv[i], "model="))
      model_name = argv[i] + 6;
  kiln_pipeline_options_init (&options, argv[3], model_name);
  options.task = task;
  options.task_set = TRUE;
  options.prep.stratify = FALSE;
  for (int i = 5; i < argc; i++)
    {
      const char *eq = strchr (argv[i], '=');
      g_autofree char *name = eq ? g_strndup (argv[i], eq - argv[i]) : g_strdup (argv[i]);
      const char *v = eq ? eq + 1 : "";
      KilnModelOptions *o = &options.model_options;

      if (strcmp (name, "rounds") == 0)
        o->gbt.rounds = atoi (v);
      else if (strcmp (name, "lr") == 0)
        o->gbt.learning_rate = g_ascii_strtod (v, NULL);
      else if (strcmp (name, "leaves") == 0)
        o->gbt.max_leaves = atoi (v);
      else if (strcmp (name, "depth") == 0)
        o->gbt.max_depth = atoi (v);
      else if (strcmp (name, "min_leaf") == 0)
        o->gbt.min_samples_leaf = atoi (v);
      else if (strcmp (name, "l2") == 0)
        o->gbt.l2 = g_ascii_strtod (v, NULL);
      else if (strcmp (name, "subsample") == 0)
        o->gbt.subsample = g_ascii_strtod (v, NULL);
      else if (strcmp (name, "colsample") == 0)
        o->gbt.colsample = g_ascii_strtod (v, NULL);
      else if (strcmp (name, "early_stopping") == 0)
        o->gbt.early_stopping = atoi (v);
      else if (strcmp (name, "bins") == 0)
        o->gbt.max_bins = atoi (v);
      else if (strcmp (name, "min_hessian") == 0)
        o->gbt.min_hessian = g_ascii_strtod (v, NULL);
      else if (strcmp (name, "threads") == 0)
        o->n_threads = atoi (v);
      else if (strcmp (name, "seed") == 0)
        options.prep.seed = g_ascii_strtoull (v, NULL, 10);
      else if (strcmp (name, "repeats") == 0)
        repeats = MAX (atoi (v), 1);
      else if (strcmp (name, "model") != 0)
        {
          fprintf (stderr, "unknown option %s\n", name);
          return 2;
        }
    }
  /* no validation split: the benchmark fits the training file, scores the test file */
  options.prep.split.train = 1.0;
  options.prep.split.validation = 0.0;
  options.prep.split.test = 0.0;

  train = kiln_csv_read (argv[1], NULL, NULL, NULL, NULL, NULL, &error);
  if (train != NULL)
    test = kiln_csv_read (argv[2], NULL, NULL, NULL, NULL, NULL, &error);
  if (test == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  pipeline = kiln_pipeline_prepare (train, test, &options, NULL, &error);
  if (pipeline == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  for (guint r = 0; r < repeats; r++)
    {
      g_autoptr(KilnModel) model = NULL;
      g_autoptr(KilnEvaluation) evaluation = NULL;
      const KilnMetrics *m;
      gint64 t0, t1, t2;
      double c0 = cpu_seconds ();

      t0 = g_get_monotonic_time ();
      model = kiln_pipeline_fit (pipeline, NULL, NULL, &error);
      t1 = g_get_monotonic_time ();
      if (model == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      evaluation = kiln_pipeline_evaluate (pipeline, model, &error);
      t2 = g_get_monotonic_time ();
      if (evaluation == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      best_fit = MIN (best_fit, (t1 - t0) / 1e6);
      best_predict = MIN (best_predict, (t2 - t1) / 1e6);
      best_cpu = MIN (best_cpu, cpu_seconds () - c0);
      m = kiln_evaluation_get_metrics (evaluation);
      score = task == KILN_TASK_CLASSIFICATION ? m->accuracy : m->r2;
      if (r == repeats - 1)
        {
          g_autoptr(JsonNode) node = kiln_model_to_json (model);
          g_autofree char *text = json_to_string (node, FALSE);
          JsonObject *params = json_object_get_object_member (json_node_get_object (node), "params");

          json_bytes = strlen (text);
          if (json_object_has_member (params, "n_rounds"))
            rounds_kept = (guint) json_object_get_int_member (params, "n_rounds");
        }
    }

  printf ("{\"model\": \"%s\", \"train_rows\": %u, \"test_rows\": %u, \"features\": %u, "
          "\"fit_seconds\": %.4f, \"predict_seconds\": %.4f, \"seconds\": %.4f, \"cpu_seconds\": %.4f, \"score\": %.6f, "
          "\"rounds\": %u, \"json_bytes\": %" G_GSIZE_FORMAT "}\n",
          model_name, kiln_pipeline_get_train (pipeline)->n_rows,
          kiln_pipeline_get_test (pipeline)->n_rows, kiln_pipeline_get_train (pipeline)->n_features,
          best_fit, best_predict, best_fit + best_predict, best_cpu, score, rounds_kept, json_bytes);
  kiln_pipeline_unref (pipeline);
  kiln_pipeline_options_clear (&options);
  return 0;
}
