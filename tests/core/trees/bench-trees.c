/* bench-trees.c: Kiln's side of bench/train-trees (built, not a test).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-trees TRAIN.csv TEST.csv TARGET classification|regression FAMILY [REPEATS] [THREADS] [SEED]
 * loads the pair with the reference's feature building, then fits FAMILY REPEATS times (default
 * 3) and predicts the test rows after each fit; prints one JSON object with every fit and
 * predict time in seconds, the test score (accuracy or R^2), the size of the model's JSON and the
 * data's shape.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trees-features.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree double *fit_s = NULL;
  g_autofree double *pred_s = NULL;
  g_autofree double *pred = NULL;
  TreesData data;
  KilnTask task;
  guint repeats, threads;
  guint64 seed;
  double score = 0.0;
  gsize json_bytes = 0;

  if (argc < 6 || !kiln_task_from_string (argv[4], &task))
    {
      fprintf (stderr, "usage: %s TRAIN.csv TEST.csv TARGET classification|regression FAMILY [REPEATS] [THREADS] [SEED]\n", argv[0]);
      return 2;
    }
  repeats = argc > 6 ? (guint) MAX (atoi (argv[6]), 1) : 3;
  threads = argc > 7 ? (guint) MAX (atoi (argv[7]), 0) : 0;
  seed = argc > 8 ? g_ascii_strtoull (argv[8], NULL, 10) : 42;
  if (!trees_data_load (argv[1], argv[2], argv[3], task, &data, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  fit_s = g_new (double, repeats);
  pred_s = g_new (double, repeats);
  pred = g_new (double, (gsize) data.test->n_rows * (task == KILN_TASK_CLASSIFICATION ? data.test->n_classes : 1));

  for (guint r = 0; r < repeats; r++)
    {
      g_autoptr(KilnModel) model = NULL;
      KilnModelOptions options;
      gint64 t0, t1, t2;

      kiln_model_options_init (&options, task);
      options.n_threads = threads;
      options.seed = seed;
      model = kiln_model_new (argv[5], &options, &error);
      if (model == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      t0 = g_get_monotonic_time ();
      if (!kiln_model_fit (model, data.train, NULL, NULL, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      t1 = g_get_monotonic_time ();
      kiln_model_predict (model, data.test, pred);
      t2 = g_get_monotonic_time ();
      fit_s[r] = (t1 - t0) / 1e6;
      pred_s[r] = (t2 - t1) / 1e6;
      score = trees_score (data.test, pred);
      if (r == repeats - 1)
        {
          g_autoptr(JsonNode) node = kiln_model_to_json (model);
          g_autofree char *text = json_to_string (node, FALSE);
          json_bytes = strlen (text);
        }
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "family");
  json_builder_add_string_value (builder, argv[5]);
  json_builder_set_member_name (builder, "train_rows");
  json_builder_add_int_value (builder, data.train->n_rows);
  json_builder_set_member_name (builder, "test_rows");
  json_builder_add_int_value (builder, data.test->n_rows);
  json_builder_set_member_name (builder, "features");
  json_builder_add_int_value (builder, data.train->n_features);
  json_builder_set_member_name (builder, "score");
  json_builder_add_double_value (builder, score);
  json_builder_set_member_name (builder, "json_bytes");
  json_builder_add_int_value (builder, (gint64) json_bytes);
  json_builder_set_member_name (builder, "fit_seconds");
  json_builder_begin_array (builder);
  for (guint r = 0; r < repeats; r++)
    json_builder_add_double_value (builder, fit_s[r]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "predict_seconds");
  json_builder_begin_array (builder);
  for (guint r = 0; r < repeats; r++)
    json_builder_add_double_value (builder, pred_s[r]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  printf ("%s\n", json);
  trees_data_clear (&data);
  return 0;
}
