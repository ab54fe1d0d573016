/* test-compare.c: the model comparison (kiln-compare.h, kiln-compare-job.h) and the corrected
 * t-test behind its "chance to be beaten" (kiln-ttest.h). The job tests also run under
 * ThreadSanitizer (suite 'worker').
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-compare"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-compare-job.h"
#include "kiln-csv.h"
#include "kiln-metrics.h"
#include "kiln-rng.h"
#include "kiln-ttest.h"

static char *tmpdir;

/* The families compared: all of them (NULL), under ThreadSanitizer too (kiln-tsan.h). */
static const char * const *families = NULL;

static KilnFrame *
read_csv (const char *path)
{
  g_autoptr(GError) error = NULL;
  KilnFrame *frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (frame);
  return frame;
}

static KilnFrame *
load_dataset (const char *name)
{
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");
  g_autofree char *path = NULL;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, name, NULL);
  return read_csv (path);
}

static KilnFrame *
frame_from_text (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  return read_csv (path);
}

/* ---- The t-test -------------------------------------------------------------------------- */

static void
test_student_t (void)
{
  /* scipy.stats.t.cdf (scipy 1.10, Debian 12) */
  static const struct { double t, dof, p; } cases[] = {
    { 1.0, 4, 0.8130495168499705 },
    { -2.5, 9, 0.016930913841492853 },
    { 0.3, 1, 0.5927735790777423 },
    { 3.0, 2, 0.9522670168666454 },
    { 10.0, 29, 0.9999999999670006 },
    { -0.01, 3, 0.496324555706426 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double p = kiln_student_t_cdf (cases[i].t, cases[i].dof);
      if (fabs (p - cases[i].p) > 1e-12)
        g_error ("t.cdf(%g, %g) = %.17g, scipy says %.17g", cases[i].t, cases[i].dof, p,
                 cases[i].p);
    }
  g_assert_cmpfloat (kiln_student_t_cdf (0.0, 7), ==, 0.5);
  g_assert_cmpfloat (kiln_student_t_cdf (INFINITY, 3), ==, 1.0);
  g_assert_cmpfloat (kiln_incomplete_beta (2, 3, 0), ==, 0.0);
  g_assert_cmpfloat (kiln_incomplete_beta (2, 3, 1), ==, 1.0);
  /* I_x(1, 1) = x */
  g_assert_cmpfloat_with_epsilon (kiln_incomplete_beta (1, 1, 0.37), 0.37, 1e-14);
}

static void
test_correlated_ttest (void)
{
  static const double a[] = { 0.90, 0.80, 0.85, 0.95, 0.90 };
  static const double b[] = { 0.85, 0.80, 0.80, 0.90, 0.88 };
  static const double same[] = { 0.5, 0.5, 0.5, 0.5, 0.5 };
  static const double shifted[] = { 0.4, 0.4, 0.4, 0.4, 0.4 };
  double p;

  /* d = a - b: mean 0.034, sample variance 0.00053; with 80 training and 20 held-out rows per
   * fold, t = 0.034 / sqrt ((1/5 + 20/80) * 0.00053) = 2.20158...; scipy.stats.t.cdf(t, 4)
   * = 0.95375... (numpy and scipy from the same scores). */
  p = kiln_correlated_ttest (a, b, 5, 80, 20);
  g_assert_cmpfloat_with_epsilon (p, 0.9537552544282676, 1e-9);
  /* symmetric */
  g_assert_cmpfloat_with_epsilon (kiln_correlated_ttest (b, a, 5, 80, 20), 1 - p, 1e-12);
  /* no spread: certain, or a coin toss when equal */
  g_assert_cmpfloat (kiln_correlated_ttest (same, shifted, 5, 80, 20), ==, 1.0);
  g_assert_cmpfloat (kiln_correlated_ttest (shifted, same, 5, 80, 20), ==, 0.0);
  g_assert_cmpfloat (kiln_correlated_ttest (same, same, 5, 80, 20), ==, 0.5);
  g_assert_true (isnan (kiln_correlated_ttest (a, b, 1, 80, 20)));
}

/* ---- The comparison ---------------------------------------------------------------------- */

static KilnCompare *
run_all (KilnFrame *frame, const char *target, guint k)
{
  g_autoptr(GError) error = NULL;
  KilnPipelineOptions options;
  KilnCompare *c;

  kiln_pipeline_options_init (&options, target, NULL);
  c = kiln_compare_new (frame, NULL, &options, k, families, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c);
  for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
    {
      g_assert_true (kiln_compare_run_trial (c, i, NULL, &error));
      g_assert_no_error (error);
    }
  kiln_compare_finish (c);
  kiln_compare_rank (c);
  kiln_pipeline_options_clear (&options);
  return c;
}

static gboolean
has_trial_of (KilnCompare *c, const char *family)
{
  for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
    if (strcmp (kiln_compare_get_trial (c, i)->family, family) == 0)
      return TRUE;
  return FALSE;
}

static void
test_iris (void)
{
  g_autoptr(KilnFrame) iris = load_dataset ("iris.csv");
  g_autoptr(KilnCompare) c = run_all (iris, "species", 5);
  g_autoptr(KilnCompare) again = run_all (iris, "species", 5);
  const KilnModelClass * const *classes;
  const guint *board, *folds;
  const guint32 *rows;
  guint n_classes, n_board, per_fold[5][3] = { { 0 } };
  g_autoptr(KilnFrame) train = NULL;
  int tidx;

  g_assert_cmpuint (kiln_compare_get_task (c), ==, KILN_TASK_CLASSIFICATION);
  g_assert_cmpstr (kiln_compare_get_metric (c), ==, "accuracy");
  g_assert_cmpuint (kiln_compare_get_n_folds (c), ==, 5);
  /* the training split of 0.8:0:0.2: 120 rows */
  g_assert_cmpuint (kiln_compare_get_n_rows (c), ==, 120);

  /* Every family of the registry takes part, the regression-only ones skipped with why. */
  classes = kiln_model_list_classes (&n_classes);
  for (guint i = 0; i < n_classes; i++)
    g_assert_true (has_trial_of (c, classes[i]->name)
                   == (families == NULL || g_strv_contains (families, classes[i]->name)));
  for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
    {
      const KilnCompareTrial *t = kiln_compare_get_trial (c, i);
      const KilnModelClass *klass = kiln_model_lookup_class (t->family);

      if (!klass->classification)
        {
          g_assert_cmpint (t->status, ==, KILN_COMPARE_SKIPPED);
          g_assert_nonnull (t->reason);
          continue;
        }
      g_assert_cmpint (t->status, ==, KILN_COMPARE_DONE);
      for (guint f = 0; f < t->n_folds; f++)
        {
          g_assert_cmpfloat (t->score[f], >=, 0.0);
          g_assert_cmpfloat (t->score[f], <=, 1.0);
          g_assert_cmpfloat (t->seconds[f], >=, 0.0);
        }
      /* iris: everything but a badly regularised model does well */
      g_assert_cmpfloat (t->mean, >, 0.8);
    }
  /* The forest has two settings, the tree three. */
  {
    guint n_forest = 0, n_tree = 0;
    for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
      {
        n_forest += strcmp (kiln_compare_get_trial (c, i)->family, "forest") == 0;
        n_tree += strcmp (kiln_compare_get_trial (c, i)->family, "tree") == 0;
      }
    g_assert_cmpuint (n_forest, ==, families ? 0 : 2);
    g_assert_cmpuint (n_tree, ==, 3);
  }

  /* The leaderboard: best first, the top's chance against the others between 0 and 1. */
  board = kiln_compare_get_leaderboard (c, &n_board);
  g_assert_cmpuint (n_board, >=, 7);
  g_assert_cmpint (kiln_compare_get_best (c), ==, (int) board[0]);
  g_assert_true (isnan (kiln_compare_get_trial (c, board[0])->p_top));
  for (guint i = 1; i < n_board; i++)
    {
      const KilnCompareTrial *t = kiln_compare_get_trial (c, board[i]);
      g_assert_cmpfloat (kiln_compare_get_trial (c, board[i - 1])->mean, >=, t->mean);
      g_assert_cmpfloat (t->p_top, >=, 0.0);
      g_assert_cmpfloat (t->p_top, <=, 1.0);
      /* the top's mean is at least as high: it is at least as likely to be better */
      g_assert_cmpfloat (t->p_top, >=, 0.5 - 1e-12);
    }

  /* The same seed: the same leaderboard, fold for fold. */
  g_assert_cmpuint (kiln_compare_get_n_trials (again), ==, kiln_compare_get_n_trials (c));
  for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
    {
      const KilnCompareTrial *x = kiln_compare_get_trial (c, i);
      const KilnCompareTrial *y = kiln_compare_get_trial (again, i);
      g_assert_cmpstr (x->family, ==, y->family);
      g_assert_cmpstr (x->settings, ==, y->settings);
      if (x->status == KILN_COMPARE_DONE)
        for (guint f = 0; f < x->n_folds; f++)
          g_assert_cmpfloat (x->score[f], ==, y->score[f]);
    }

  /* Stratified folds: iris's training split has 40 rows of each class, 8 per fold. */
  kiln_compare_get_folds (c, &rows, &folds);
  tidx = kiln_frame_find_column (iris, "species");
  for (guint r = 0; r < kiln_compare_get_n_rows (c); r++)
    {
      KilnColumn *col = kiln_frame_get_column (iris, (guint) tidx);
      per_fold[folds[r]][kiln_column_get_code (col, rows[r])]++;
    }
  for (guint f = 0; f < 5; f++)
    for (guint cl = 0; cl < 3; cl++)
      g_assert_cmpuint (per_fold[f][cl], ==, 8);

  /* The JSON carries every finished trial, every one not run, and the best. */
  {
    g_autoptr(JsonNode) node = kiln_compare_to_json (c);
    JsonObject *o = json_node_get_object (node);
    JsonArray *lb = json_object_get_array_member (o, "leaderboard");
    JsonObject *first = json_array_get_object_element (lb, 0);

    g_assert_cmpuint (json_array_get_length (lb), ==, n_board);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "not_run")), ==,
                      kiln_compare_get_n_trials (c) - n_board);
    g_assert_cmpstr (json_object_get_string_member (o, "metric"), ==, "accuracy");
    g_assert_cmpint (json_object_get_int_member (o, "folds"), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "best"),
                                                    "model"), ==,
                     json_object_get_string_member (first, "model"));
    g_assert_true (json_object_has_member (first, "macro_f1"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (first, "scores")), ==, 5);
  }
}

/* A fold's score is the score of the pipeline fitted on that fold's training rows alone: the
 * recipe (here the scaler and imputer) refitted inside the fold, not on the whole split. */
static void
test_fold_is_a_pipeline (void)
{
  g_autoptr(KilnFrame) penguins = load_dataset ("penguins.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnCompare) c = NULL;
  g_autoptr(KilnFrame) train_rows = NULL, fold_train = NULL, fold_test = NULL;
  g_autofree guint32 *tr = NULL, *te = NULL;
  const KilnCompareTrial *knn = NULL;
  const guint32 *rows;
  const guint *folds;
  KilnPipelineOptions options;
  guint n_train = 0, n_test = 0, index = 0;

  kiln_pipeline_options_init (&options, "species", NULL);
  c = kiln_compare_new (penguins, NULL, &options, 4, families, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
    if (strcmp (kiln_compare_get_trial (c, i)->family, "knn") == 0)
      {
        index = i;
        break;
      }
  g_assert_true (kiln_compare_run_trial (c, index, NULL, &error));
  knn = kiln_compare_get_trial (c, index);
  g_assert_cmpint (knn->status, ==, KILN_COMPARE_DONE);

  /* Fold 2 rebuilt by hand from the rows the comparison reports. */
  kiln_compare_get_folds (c, &rows, &folds);
  tr = g_new (guint32, kiln_compare_get_n_rows (c));
  te = g_new (guint32, kiln_compare_get_n_rows (c));
  for (guint r = 0; r < kiln_compare_get_n_rows (c); r++)
    {
      if (folds[r] == 2)
        te[n_test++] = rows[r];
      else
        tr[n_train++] = rows[r];
    }
  fold_train = kiln_frame_new_view (penguins, tr, n_train);
  fold_test = kiln_frame_new_view (penguins, te, n_test);
  options.model = "knn";
  options.model_options = knn->options;
  options.prep.split = (KilnSplitFractions) { 1.0, 0.0, 0.0 };
  {
    KilnPipelineResult result;
    const KilnMetrics *m;

    g_assert_true (kiln_pipeline_run (fold_train, fold_test, &options, NULL, NULL, &result,
                                      &error));
    g_assert_no_error (error);
    m = kiln_evaluation_get_metrics (result.evaluation);
    g_assert_cmpfloat (m->accuracy, ==, knn->score[2]);
    g_assert_cmpfloat (m->macro_f1, ==, knn->second[2]);
    kiln_pipeline_result_clear (&result);
  }
  kiln_pipeline_options_clear (&options);
}

static void
test_regression_and_failures (void)
{
  g_autoptr(GString) text = g_string_new ("x1,x2,color,y\n");
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnCompare) c = NULL;
  KilnRng rng;
  guint n_done = 0, n_failed = 0;

  /* 20 rows: 16 to train on, 12 to 13 per fold, too few for 15 neighbours. */
  kiln_rng_init (&rng, 7);
  for (guint i = 0; i < 20; i++)
    {
      double x1 = kiln_rng_normal (&rng), x2 = kiln_rng_normal (&rng);
      const char *color = i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : "blue";
      g_string_append_printf (text, "%.6f,%.6f,%s,%.6f\n", x1, x2, color,
                              2 * x1 - x2 + (i % 3) + 0.05 * kiln_rng_normal (&rng));
    }
  frame = frame_from_text ("small.csv", text->str);
  c = run_all (frame, "y", 5);
  g_assert_cmpuint (kiln_compare_get_task (c), ==, KILN_TASK_REGRESSION);
  g_assert_cmpstr (kiln_compare_get_second_metric (c), ==, "rmse");
  for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
    {
      const KilnCompareTrial *t = kiln_compare_get_trial (c, i);
      const KilnModelClass *klass = kiln_model_lookup_class (t->family);

      if (!klass->regression)
        g_assert_cmpint (t->status, ==, KILN_COMPARE_SKIPPED);
      else if (strcmp (t->family, "knn") == 0 && strcmp (t->settings, "k=15") == 0)
        {
          g_assert_cmpint (t->status, ==, KILN_COMPARE_FAILED);
          g_assert_nonnull (strstr (t->reason, "15"));
          n_failed++;
        }
      else if (t->status == KILN_COMPARE_DONE)
        n_done++;
    }
  g_assert_cmpuint (n_failed, ==, 1);
  /* the others go on: the linear model is nearly exact here */
  g_assert_cmpuint (n_done, >=, 5);
  g_assert_cmpint (kiln_compare_get_best (c), >=, 0);
  g_assert_cmpfloat (kiln_compare_get_trial (c, kiln_compare_get_best (c))->mean, >, 0.9);
}

static void
test_small_class (void)
{
  g_autoptr(GString) text = g_string_new ("x,label\n");
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnCompare) c = NULL;
  g_autoptr(GError) error = NULL;
  KilnPipelineOptions options;

  /* "rare" has 4 rows, 3 of them in the training split (stratified 0.8): 3 folds, not 5 */
  for (guint i = 0; i < 60; i++)
    g_string_append_printf (text, "%u,%s\n", i, i < 4 ? "rare" : i % 2 ? "odd" : "even");
  frame = frame_from_text ("rare.csv", text->str);
  kiln_pipeline_options_init (&options, "label", NULL);
  c = kiln_compare_new (frame, NULL, &options, 5, families, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_compare_get_n_folds (c), <, 5);
  g_assert_cmpuint (kiln_compare_get_n_folds (c), >=, 2);
  g_assert_nonnull (kiln_compare_get_note (c));

  /* only some families; an unknown one is an error */
  {
    static const char * const two[] = { "knn", "nb", NULL };
    static const char * const bad[] = { "knn", "svm", NULL };
    g_autoptr(KilnCompare) some = kiln_compare_new (frame, NULL, &options, 3, two, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < kiln_compare_get_n_trials (some); i++)
      g_assert_true (g_strv_contains (two, kiln_compare_get_trial (some, i)->family));
    g_assert_cmpuint (kiln_compare_get_n_trials (some), ==, 3);   /* k = 5, 15; the defaults */
    g_assert_null (kiln_compare_new (frame, NULL, &options, 3, bad, NULL, &error));
    g_assert_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_OPTIONS);
    g_assert_nonnull (strstr (error->message, "svm"));
    g_clear_error (&error);
  }
  kiln_pipeline_options_clear (&options);

  /* no such target */
  kiln_pipeline_options_init (&options, "nope", NULL);
  g_assert_null (kiln_compare_new (frame, NULL, &options, 5, families, NULL, &error));
  g_assert_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET);
  kiln_pipeline_options_clear (&options);
}

/* ---- The job ----------------------------------------------------------------------------- */

/* Trials run together (every fold of all of them in one parallel run) score exactly as trials run
 * one by one. */
static void
test_trials_together (void)
{
  g_autoptr(KilnFrame) penguins = load_dataset ("penguins.csv");
  g_autoptr(KilnCompare) single = run_all (penguins, "species", 5);
  g_autoptr(KilnCompare) together = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint *all = NULL;
  KilnPipelineOptions options;
  guint n;

  kiln_pipeline_options_init (&options, "species", NULL);
  together = kiln_compare_new (penguins, NULL, &options, 5, families, NULL, &error);
  g_assert_no_error (error);
  n = kiln_compare_get_n_trials (together);
  all = g_new (guint, n + 1);
  for (guint i = 0; i < n; i++)
    all[i] = n - 1 - i;   /* in reverse, and one twice */
  all[n] = 0;
  g_assert_true (kiln_compare_run_trials (together, all, n + 1, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_compare_get_n_pending (together), ==, 0);
  g_assert_cmpuint (kiln_compare_get_n_trials (single), ==, n);
  for (guint i = 0; i < n; i++)
    {
      const KilnCompareTrial *a = kiln_compare_get_trial (single, i);
      const KilnCompareTrial *b = kiln_compare_get_trial (together, i);

      g_assert_cmpstr (a->family, ==, b->family);
      g_assert_cmpstr (a->settings, ==, b->settings);
      g_assert_cmpint (a->status, ==, b->status);
      if (a->status != KILN_COMPARE_DONE)
        continue;
      for (guint f = 0; f < a->n_folds; f++)
        {
          g_assert_cmpfloat (a->score[f], ==, b->score[f]);
          g_assert_cmpfloat (a->second[f], ==, b->second[f]);
        }
    }
  kiln_pipeline_options_clear (&options);
}

static void
test_job_progress (void)
{
  g_autoptr(KilnFrame) iris = load_dataset ("iris.csv");
  g_autoptr(KilnTrainRun) run = NULL;
  KilnPipelineOptions options;
  KilnTrainEvent *event;
  guint n_plan = 0, n_trials = 0, last_done = 0;
  double last_fraction = 0;
  gboolean finished = FALSE;

  kiln_pipeline_options_init (&options, "species", NULL);
  run = kiln_compare_job_start (iris, NULL, &options, 3, families, 7, NULL, NULL);
  kiln_pipeline_options_clear (&options);
  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      const KilnCompareProgress *progress = kiln_compare_job_get_progress (event);
      GPtrArray *plan = kiln_compare_job_get_plan (event);

      g_assert_cmpuint (event->run_id, ==, 7);
      if (plan)
        n_plan = plan->len;
      if (event->kind == KILN_TRAIN_EVENT_PROGRESS)
        {
          g_assert_cmpfloat (event->fraction, >=, last_fraction - 1e-12);
          last_fraction = event->fraction;
        }
      if (progress)
        {
          g_assert_cmpuint (progress->done, ==, last_done + 1);
          last_done = progress->done;
          g_assert_cmpint (progress->trial->status, ==, KILN_COMPARE_DONE);
          g_assert_cmpuint (progress->trial->n_folds, ==, 3);
          n_trials++;
        }
      if (event->kind == KILN_TRAIN_EVENT_FINISHED)
        {
          KilnCompare *c = kiln_compare_job_get_compare (event);
          g_assert_nonnull (c);
          g_assert_cmpuint (kiln_compare_get_n_trials (c), ==, n_plan);
          g_assert_cmpuint (kiln_compare_get_n_pending (c), ==, 0);
          g_assert_cmpint (kiln_compare_get_best (c), >=, 0);
          finished = TRUE;
        }
      g_assert_cmpint (event->kind, !=, KILN_TRAIN_EVENT_FAILED);
      kiln_train_event_free (event);
    }
  g_assert_true (finished);
  g_assert_cmpuint (n_plan, >, n_trials);   /* linear and ridge are skipped */
  g_assert_cmpuint (n_trials, ==, last_done);
  g_assert_cmpfloat (last_fraction, ==, 1.0);
}

static void
test_job_cancel_keeps_trials (void)
{
  g_autoptr(KilnFrame) digits = load_dataset ("digits.csv");
  g_autoptr(KilnTrainRun) run = NULL;
  KilnPipelineOptions options;
  KilnTrainEvent *event;
  guint n_done_events = 0;
  gboolean cancelled = FALSE;

  kiln_pipeline_options_init (&options, "digit", NULL);
  run = kiln_compare_job_start (digits, NULL, &options, 5, families, 1, NULL, NULL);
  kiln_pipeline_options_clear (&options);
  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      if (kiln_compare_job_get_progress (event) != NULL && n_done_events++ == 0)
        kiln_train_run_cancel (run);
      if (event->kind == KILN_TRAIN_EVENT_CANCELLED)
        {
          KilnCompare *c = kiln_compare_job_get_compare (event);
          guint n_board, n_done = 0;

          g_assert_nonnull (c);
          kiln_compare_get_leaderboard (c, &n_board);
          for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
            n_done += kiln_compare_get_trial (c, i)->status == KILN_COMPARE_DONE;
          /* the trials that finished before Cancel are kept and ranked; the rest never ran */
          g_assert_cmpuint (n_done, >=, 1);
          g_assert_cmpuint (n_done, ==, n_done_events);
          g_assert_cmpuint (n_board, ==, n_done);
          g_assert_cmpuint (kiln_compare_get_n_pending (c), >, 0);
          cancelled = TRUE;
        }
      g_assert_cmpint (event->kind, !=, KILN_TRAIN_EVENT_FINISHED);
      g_assert_cmpint (event->kind, !=, KILN_TRAIN_EVENT_FAILED);
      kiln_train_event_free (event);
    }
  g_assert_true (cancelled);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-compare-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/ttest/student-t", test_student_t);
  g_test_add_func ("/ttest/correlated", test_correlated_ttest);
  g_test_add_func ("/compare/iris", test_iris);
  g_test_add_func ("/compare/fold-is-a-pipeline", test_fold_is_a_pipeline);
  g_test_add_func ("/compare/regression-and-failures", test_regression_and_failures);
  g_test_add_func ("/compare/small-class", test_small_class);
  g_test_add_func ("/compare/trials-together", test_trials_together);
  g_test_add_func ("/compare/job/progress", test_job_progress);
  g_test_add_func ("/compare/job/cancel-keeps-trials", test_job_cancel_keeps_trials);
  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);
        g_unlink (path);
      }
    g_rmdir (tmpdir);
    g_free (tmpdir);
  }
  return status;
}
