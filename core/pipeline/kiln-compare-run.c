/* kiln-compare-run.c: running a comparison's trials, their folds in parallel (kiln-compare.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-compare"

#include "config.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <math.h>

#include "kiln-compare-private.h"
#include "kiln-cv.h"
#include "kiln-metrics.h"
#include "kiln-parallel.h"

/* ---- Running a trial ----------------------------------------------------------------------- */

typedef struct {
  KilnCompare          *c;
  KilnCompareTrial     *trial;
  const KilnModelClass *klass;
  guint                 kind;
  GCancellable         *cancellable;
  GError              **errors;       /* per fold */
} TrialRun;

static guint
recipe_kind (KilnCompare *c, const KilnModelClass *klass)
{
  if (c->recipe != NULL)
    return 0;
  return (klass->needs_scaling ? 2 : 0) + (klass->accepts_missing ? 1 : 0);
}

/* Fold @f prepared for trial @t's recipe kind: the fold's rows split into training and
 * held-out, the recipe fitted on the training rows. Made once per fold and kind. Only the task
 * of fold @f touches its slots. */
static KilnPipeline *
fold_pipeline (TrialRun *tr, guint f, GError **error)
{
  KilnCompare *c = tr->c;
  KilnPipeline **slot = &c->prepared[f * N_RECIPE_KINDS + tr->kind];
  g_autofree guint32 *train = NULL, *test = NULL;
  g_autoptr(KilnFrame) train_rows = NULL, test_rows = NULL;
  KilnPipelineOptions options;
  guint n_train = 0, n_test = 0;

  if (*slot != NULL)
    return *slot;

  train = g_new (guint32, c->n_rows);
  test = g_new (guint32, c->n_rows);
  kiln_fold_rows (c->fold, c->n_rows, f, c->forward, train, &n_train, test, &n_test);
  train_rows = kiln_frame_new_view (c->rows, train, n_train);
  test_rows = kiln_frame_new_view (c->rows, test, n_test);

  kiln_pipeline_options_init (&options, c->target, tr->trial->family);
  kiln_prep_settings_clear (&options.prep);
  options.prep = c->prep;   /* borrowed: not cleared below */
  options.prep.split = (KilnSplitFractions) { 1.0, 0.0, 0.0 };
  options.task_set = TRUE;
  options.task = c->task;
  options.model_options = tr->trial->options;
  options.recipe = c->recipe;
  *slot = kiln_pipeline_prepare (train_rows, test_rows, &options, tr->cancellable, error);
  return *slot;
}

/* Trial @tr's fold @f: fitted on the fold's training rows, scored on its held-out rows. */
static gboolean
fit_fold (TrialRun *tr, guint f)
{
  KilnCompareTrial *t = tr->trial;
  GError **error = &tr->errors[f];
  g_autoptr(KilnModel) model = NULL;
  g_autofree double *out = NULL;
  KilnModelOptions options = t->options;
  const KilnDataset *test;
  KilnPipeline *p;
  gint64 t0;

  if (g_cancellable_set_error_if_cancelled (tr->cancellable, error))
    return FALSE;
  if (*error != NULL)
    return TRUE;   /* the fold could not be prepared: the trial fails, the others go on */
  p = tr->c->prepared[f * N_RECIPE_KINDS + tr->kind];

  /* The folds already run in parallel: one thread per model. */
  options.n_threads = 1;
  t0 = g_get_monotonic_time ();
  model = kiln_model_new (t->family, &options, error);
  if (model == NULL
      || !kiln_model_fit (model, kiln_pipeline_get_train (p), NULL, NULL, tr->cancellable, error))
    return !g_cancellable_is_cancelled (tr->cancellable);
  test = kiln_pipeline_get_test (p);
  out = g_new (double, (gsize) MAX (test->n_rows, 1) * kiln_model_get_n_outputs (model));
  kiln_model_predict (model, test, out);
  t->seconds[f] = (g_get_monotonic_time () - t0) / 1e6;

  if (tr->c->task == KILN_TASK_CLASSIFICATION)
    {
      g_autofree gint32 *pred = g_new (gint32, MAX (test->n_rows, 1));
      guint n_classes = kiln_model_get_n_classes (model);

      kiln_metrics_argmax (out, test->n_rows, n_classes, pred);
      t->score[f] = kiln_metrics_accuracy (test->y_class, pred, test->n_rows);
      kiln_metrics_precision_recall_f1 (test->y_class, pred, test->n_rows, n_classes,
                                        NULL, NULL, NULL, NULL, NULL, NULL, &t->second[f]);
    }
  else
    {
      KilnRegressionMetrics m;
      kiln_metrics_regression (test->y_value, out, test->n_rows, &m);
      t->score[f] = m.r2;
      t->second[f] = m.rmse;
    }
  if (!isfinite (t->score[f]))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                   _("The model’s predictions on fold %u could not be scored"), f + 1);
      t->score[f] = NAN;
    }
  return TRUE;
}

/* Several trials run together, so that their folds keep every core busy (k folds of one trial
 * leave a core idle while the last fold runs when k is odd). */
typedef struct {
  KilnCompare  *c;
  TrialRun     *runs;
  guint         n_runs;
  GCancellable *cancellable;
} GroupRun;

/* Fold @f prepared for every recipe kind the group needs: only this task touches fold @f's
 * slots, so the fits that follow only read them. */
static gboolean
prepare_task (guint f, guint thread, gpointer data)
{
  GroupRun *g = data;

  for (guint i = 0; i < g->n_runs; i++)
    if (fold_pipeline (&g->runs[i], f, &g->runs[i].errors[f]) == NULL
        && g_cancellable_is_cancelled (g->cancellable))
      return FALSE;
  return TRUE;
}

/* Task @task: trial @task / k, fold @task % k. A failure is its trial's (the others go on); FALSE
 * only when cancelled. */
static gboolean
fit_task (guint task, guint thread, gpointer data)
{
  GroupRun *g = data;

  return fit_fold (&g->runs[task / g->c->k], task % g->c->k);
}

static void
mean_std (const double *v, guint n, double *mean, double *std)
{
  double m = 0, s = 0;

  for (guint i = 0; i < n; i++)
    m += v[i];
  m /= n;
  for (guint i = 0; i < n; i++)
    s += (v[i] - m) * (v[i] - m);
  *mean = m;
  *std = n > 1 ? sqrt (s / (n - 1)) : 0.0;
}

/* Trial @tr after its folds ran: DONE with its means, FAILED with the first failing fold's
 * reason, or (cancelled, @keep_complete FALSE or a fold missing) back to PENDING. */
static void
settle_trial (KilnCompare *c,
              TrialRun    *tr,
              gboolean     cancelled)
{
  KilnCompareTrial *t = tr->trial;
  double unused;
  gboolean complete = TRUE;

  for (guint f = 0; f < c->k; f++)
    complete = complete && tr->errors[f] == NULL && isfinite (t->score[f]);
  if (cancelled && !complete)
    {
      /* cancelled before all its folds were fitted: it stays to be run */
      for (guint f = 0; f < c->k; f++)
        t->score[f] = t->second[f] = t->seconds[f] = NAN;
    }
  else if (!complete)
    {
      for (guint f = 0; f < c->k && t->status == KILN_COMPARE_PENDING; f++)
        if (tr->errors[f] != NULL)
          {
            t->status = KILN_COMPARE_FAILED;
            t->reason = g_strdup_printf (_("Fold %u of %u: %s"), f + 1, c->k,
                                         tr->errors[f]->message);
          }
    }
  else
    {
      t->status = KILN_COMPARE_DONE;
      mean_std (t->score, t->n_folds, &t->mean, &t->std);
      mean_std (t->second, t->n_folds, &t->second_mean, &t->second_std);
      mean_std (t->seconds, t->n_folds, &t->seconds_mean, &unused);
    }
  for (guint f = 0; f < c->k; f++)
    g_clear_error (&tr->errors[f]);
  g_clear_pointer (&tr->errors, g_free);
}

gboolean
kiln_compare_run_trials (KilnCompare          *compare,
                         const guint          *indices,
                         guint                 n_indices,
                         GCancellable         *cancellable,
                         GError              **error)
{
  g_autofree TrialRun *runs = NULL;
  GroupRun g = { compare, NULL, 0, cancellable };
  gboolean cancelled;

  g_return_val_if_fail (compare != NULL, FALSE);
  g_return_val_if_fail (indices != NULL || n_indices == 0, FALSE);
  g_return_val_if_fail (!compare->finished, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  for (guint i = 0; i < n_indices; i++)
    g_return_val_if_fail (indices[i] < compare->trials->len, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  runs = g_new0 (TrialRun, MAX (n_indices, 1));
  for (guint i = 0; i < n_indices; i++)
    {
      KilnCompareTrial *t = g_ptr_array_index (compare->trials, indices[i]);
      gboolean twice = FALSE;

      for (guint j = 0; j < g.n_runs; j++)
        twice = twice || runs[j].trial == t;
      if (t->status != KILN_COMPARE_PENDING || twice)
        continue;
      runs[g.n_runs].c = compare;
      runs[g.n_runs].trial = t;
      runs[g.n_runs].klass = kiln_model_lookup_class (t->family);
      runs[g.n_runs].kind = recipe_kind (compare, runs[g.n_runs].klass);
      runs[g.n_runs].cancellable = cancellable;
      runs[g.n_runs].errors = g_new0 (GError *, compare->k);
      g.n_runs++;
    }
  g.runs = runs;

  /* The calling thread works too and joins the others: what the tasks wrote is seen after.
   * Every task's result depends on its trial and fold only, whatever thread runs it. OpenBLAS
   * keeps to one thread throughout: the fits run one per core already, and the MLP's and logistic
   * regression's own save-set-restore of its global thread count, interleaved between two
   * concurrent fits, could restore two threads under a fit still running (OpenBLAS's threads then
   * spun in sched_yield: a seventh of the MLP's time on digits). */
  if (g.n_runs > 0)
    {
      int blas_threads = openblas_get_num_threads ();

      openblas_set_num_threads (1);
      if (kiln_parallel_run (compare->k, 0, prepare_task, &g))
        kiln_parallel_run (compare->k * g.n_runs, 0, fit_task, &g);
      openblas_set_num_threads (blas_threads);
    }

  cancelled = g_cancellable_is_cancelled (cancellable);
  for (guint i = 0; i < g.n_runs; i++)
    settle_trial (compare, &runs[i], cancelled);
  if (cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_compare_run_trial (KilnCompare          *compare,
                        guint                 index,
                        GCancellable         *cancellable,
                        GError              **error)
{
  g_return_val_if_fail (compare != NULL, FALSE);
  g_return_val_if_fail (index < compare->trials->len, FALSE);

  return kiln_compare_run_trials (compare, &index, 1, cancellable, error);
}

void
kiln_compare_finish (KilnCompare *compare)
{
  g_return_if_fail (compare != NULL);
  _kiln_compare_release_folds (compare);
  compare->finished = TRUE;
}
