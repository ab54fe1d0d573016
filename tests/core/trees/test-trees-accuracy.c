/* test-trees-accuracy.c: tree, forest, kNN and naive Bayes against scikit-learn on the shared data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each data set: ref_split.py makes the train/test files (stratified on the target for
 * classification), ref_train.py scores scikit-learn's family on them, and Kiln fits the same family
 * on features built the same way (trees-features.c) and is scored on the same test rows.
 * Margins, from the issue: accuracy within 1.5 points for the randomised families, within 0.5 for
 * the deterministic ones (kNN, naive Bayes), R^2 within 0.02. The tree gets the 1.5-point margin
 * too: scikit-learn's tree draws its feature order at random, which breaks ties between equally
 * good splits differently from Kiln's seeded order.
 *
 * On small test splits (up to a few thousand rows) the randomised families (tree, forest) are
 * compared by their mean score over seeds 0..4 on both sides: one seed alone moves a forest's
 * accuracy on a 154-row test split by several points, in scikit-learn as in Kiln.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "trees-features.h"

#define MAX_SEEDS 5

typedef struct {
  const char *name;
  const char *file;
  const char *target;
  KilnTask    task;
  gboolean    small;  /* a test split small enough for one seed to swing the score */
  gboolean    big;    /* tens of thousands of training rows */
} Case;

static const Case cases[] = {
  { "iris", "iris.csv", "species", KILN_TASK_CLASSIFICATION, TRUE },
  { "penguins", "penguins.csv", "species", KILN_TASK_CLASSIFICATION, TRUE },
  { "letter", "letter.csv", "lettr", KILN_TASK_CLASSIFICATION, FALSE },
  { "diamonds-cut", "diamonds.csv", "cut", KILN_TASK_CLASSIFICATION, FALSE, TRUE },
  { "diamonds-price", "diamonds.csv", "price", KILN_TASK_REGRESSION, FALSE, TRUE },
  { "pima", "pima_missing.csv", "diabetes", KILN_TASK_CLASSIFICATION, TRUE },
  { "churn", "wa_churn.csv", "churn", KILN_TASK_CLASSIFICATION, TRUE },
  { "digits", "digits.csv", "digit", KILN_TASK_CLASSIFICATION, TRUE },
};

static const char *families[] = { "tree", "forest", "knn", "nb" };

static gboolean
have_sklearn (void)
{
  const char *argv[] = { "/usr/bin/python3", "-c", "import sklearn, pandas", NULL };
  int status = 1;

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static gboolean
family_is_random (const char *family)
{
  return strcmp (family, "tree") == 0 || strcmp (family, "forest") == 0;
}

/* Under AddressSanitizer the 100-tree forests on diamonds (43k rows) take minutes: those two
 * comparisons run in the plain build only. */
static gboolean
skip_family (const Case *c,
             const char *family)
{
#if defined(__SANITIZE_ADDRESS__)
  return c->big && strcmp (family, "forest") == 0;
#else
  return FALSE;
#endif
}

static double
margin_for (const char *family,
            KilnTask    task)
{
  if (task == KILN_TASK_REGRESSION)
    return 0.02;
  if (strcmp (family, "knn") == 0 || strcmp (family, "nb") == 0)
    return 0.005;
  return 0.015;
}

static void
test_accuracy (gconstpointer user_data)
{
  const Case *c = user_data;
  const char *datasets = g_getenv ("KILN_SHARED_DATASETS");
  const char *refdir = g_getenv ("KILN_REFERENCE_DIR");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *train_csv = NULL;
  g_autofree char *test_csv = NULL;
  g_autofree char *split_py = NULL;
  g_autofree char *train_py = NULL;
  gboolean want[G_N_ELEMENTS (families)][MAX_SEEDS] = { { FALSE, } };
  double ref_scores[G_N_ELEMENTS (families)][MAX_SEEDS];
  double kiln_scores[G_N_ELEMENTS (families)][MAX_SEEDS];
  double fit_seconds[G_N_ELEMENTS (families)] = { 0, };
  g_autoptr(GSubprocess) ref = NULL;
  g_autoptr(GPtrArray) ref_argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ref_out = NULL;
  g_auto(GStrv) ref_lines = NULL;
  guint n_seeds, n_jobs = 0;
  TreesData data;
  const char *task = kiln_task_to_string (c->task);
  GString *failures = g_string_new (NULL);

  if (datasets == NULL || refdir == NULL)
    {
      g_test_skip ("KILN_SHARED_DATASETS / KILN_REFERENCE_DIR are not set (run through meson test)");
      g_string_free (failures, TRUE);
      return;
    }
  if (!have_sklearn ())
    {
      g_test_skip ("/usr/bin/python3 with scikit-learn and pandas is not available");
      g_string_free (failures, TRUE);
      return;
    }
  csv = g_build_filename (datasets, c->file, NULL);
  if (!g_file_test (csv, G_FILE_TEST_EXISTS))
    {
      g_test_skip_printf ("%s is missing", csv);
      g_string_free (failures, TRUE);
      return;
    }

  tmp = g_dir_make_tmp ("kiln-trees-XXXXXX", &error);
  g_assert_no_error (error);
  prefix = g_build_filename (tmp, c->name, NULL);
  train_csv = g_strconcat (prefix, "-train.csv", NULL);
  test_csv = g_strconcat (prefix, "-test.csv", NULL);
  split_py = g_build_filename (refdir, "ref_split.py", NULL);
  train_py = g_build_filename (refdir, "ref_train.py", NULL);

  {
    g_autoptr(GSubprocess) split = NULL;

    if (c->task == KILN_TASK_REGRESSION)
      split = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "/usr/bin/python3", split_py, csv,
                                prefix, "--target", c->target, "--no-stratify", NULL);
    else
      split = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "/usr/bin/python3", split_py, csv,
                                prefix, "--target", c->target, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (split, NULL, &error));
    g_assert_no_error (error);
  }

  /* Randomised families are compared by their mean over several seeds on small test sets, where
   * one seed moves the accuracy by more than the margin (a forest on pima's 154 test rows
   * ranges over 4 points with sklearn's seed alone); large test sets use one seed. */
  n_seeds = 1;

  /* scikit-learn runs while Kiln fits: ref_train.py once per family and seed, all in one
   * interpreter (runpy), so the imports are paid once; one JSON line each, in order. */
  g_ptr_array_add (ref_argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (ref_argv, g_strdup ("-c"));
  g_ptr_array_add (ref_argv, g_strdup ("import runpy, sys\n"
                                       "script, jobs = sys.argv[1], sys.argv[2:]\n"
                                       "for job in jobs:\n"
                                       "    sys.argv = [script] + job.split('\\x1f')\n"
                                       "    runpy.run_path(script, run_name='__main__')\n"
                                       "    sys.stdout.flush()\n"));
  g_ptr_array_add (ref_argv, g_strdup (train_py));
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      if (c->task == KILN_TASK_REGRESSION && strcmp (families[f], "nb") == 0)
        continue;
      if (skip_family (c, families[f]))
        {
          g_test_message ("%s %s: skipped under AddressSanitizer (100 instrumented trees on 43k rows "
                          "take minutes; the plain build compares them)", c->name, families[f]);
          continue;
        }
      for (guint s = 0; s < MAX_SEEDS; s++)
        {
          want[f][s] = TRUE;
          n_jobs++;
          g_ptr_array_add (ref_argv, g_strdup_printf ("%s\x1f%s\x1f--target\x1f%s\x1f--task\x1f%s\x1f"
                                                      "--model\x1f%s\x1f--seed\x1f%u",
                                                      train_csv, test_csv, c->target, task,
                                                      families[f], s));
          if (!family_is_random (families[f]) || !c->small)
            break;
        }
    }
  g_ptr_array_add (ref_argv, NULL);
  ref = g_subprocess_newv ((const char * const *) ref_argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);

  g_assert_true (trees_data_load (train_csv, test_csv, c->target, c->task, &data, &error));
  g_assert_no_error (error);
  g_test_message ("%s: %u train rows, %u test rows, %u features", c->name, data.train->n_rows,
                  data.test->n_rows, data.train->n_features);

  /* Kiln fits while scikit-learn works. */
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    for (guint s = 0; s < MAX_SEEDS && want[f][s]; s++)
    {
      g_autoptr(KilnModel) model = NULL;
      g_autofree double *pred = NULL;
      KilnModelOptions options;
      gint64 t0, t1;

      kiln_model_options_init (&options, c->task);
      options.seed = s;
      model = kiln_model_new (families[f], &options, &error);
      g_assert_no_error (error);
      t0 = g_get_monotonic_time ();
      g_assert_true (kiln_model_fit (model, data.train, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      t1 = g_get_monotonic_time ();
      fit_seconds[f] += (t1 - t0) / 1e6;
      pred = g_new (double, (gsize) data.test->n_rows * (c->task == KILN_TASK_CLASSIFICATION
                                                         ? data.test->n_classes : 1));
      kiln_model_predict (model, data.test, pred);
      kiln_scores[f][s] = trees_score (data.test, pred);
    }

  /* scikit-learn's answers (it waits on a full pipe until read here, without harm) */
  g_assert_true (g_subprocess_communicate_utf8 (ref, NULL, NULL, &ref_out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (ref));
  ref_lines = g_strsplit (ref_out, "\n", -1);
  g_assert_cmpuint (g_strv_length (ref_lines), >=, n_jobs);
  {
    guint line = 0;

    for (guint f = 0; f < G_N_ELEMENTS (families); f++)
      for (guint s = 0; s < MAX_SEEDS && want[f][s]; s++)
        {
          g_autoptr(JsonNode) root = json_from_string (ref_lines[line++], &error);
          JsonObject *metrics;

          g_assert_no_error (error);
          metrics = json_object_get_object_member (json_node_get_object (root), "metrics");
          ref_scores[f][s] = json_object_get_double_member (metrics, c->task == KILN_TASK_CLASSIFICATION
                                                                     ? "accuracy" : "r2");
        }
  }

  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      double kiln_sum = 0.0, ref_sum = 0.0, kiln_score, ref_score, margin;
      GString *detail = g_string_new (NULL);

      if (!want[f][0])
        continue;
      for (n_seeds = 0; n_seeds < MAX_SEEDS && want[f][n_seeds]; n_seeds++)
        {
          kiln_sum += kiln_scores[f][n_seeds];
          ref_sum += ref_scores[f][n_seeds];
          g_string_append_printf (detail, " %.4f/%.4f", kiln_scores[f][n_seeds], ref_scores[f][n_seeds]);
        }
      kiln_score = kiln_sum / n_seeds;
      ref_score = ref_sum / n_seeds;
      margin = margin_for (families[f], c->task);
      g_test_message ("%-14s %-6s kiln %.4f  sklearn %.4f  diff %+.4f (margin %.3f, %u seed%s:%s)  kiln fit %.3f s",
                      c->name, families[f], kiln_score, ref_score, kiln_score - ref_score, margin,
                      n_seeds, n_seeds > 1 ? "s, kiln/sklearn" : "", n_seeds > 1 ? detail->str : "",
                      fit_seconds[f] / n_seeds);
      g_string_free (detail, TRUE);
      if (fabs (kiln_score - ref_score) > margin + 1e-12)
        g_string_append_printf (failures, "%s %s: kiln %.4f vs sklearn %.4f; ", c->name, families[f],
                                kiln_score, ref_score);
    }

  trees_data_clear (&data);
  g_unlink (train_csv);
  g_unlink (test_csv);
  g_rmdir (tmp);
  if (failures->len > 0)
    g_test_fail_printf ("outside the margin: %s", failures->str);
  g_string_free (failures, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/trees/accuracy/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_accuracy);
    }
  return g_test_run ();
}
