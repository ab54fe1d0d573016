/* kiln-compare.c: cross-validated comparison of every model family (kiln-compare.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-compare"

#include "config.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-compare.h"
#include "kiln-cv.h"
#include "kiln-metrics.h"
#include "kiln-parallel.h"
#include "kiln-ttest.h"

/* ---- The settings each family tries ---------------------------------------------------------
 *
 * A few settings per family, chosen to be robust rather than clever: the family's defaults and
 * one or two departures along the knob that matters most (regularisation, depth, leaf size,
 * neighbourhood). Each is a list of the family's own option flags (KilnModelOption names, as
 * `kiln-cli train` takes them) applied over the family's defaults; "" is the defaults. A family
 * of the registry that is not listed here runs with its defaults; a flag the family does not
 * have drops that setting (so a renamed option never stops a comparison). */
typedef struct {
  const char *family;
  const char *settings[5];   /* NULL-terminated */
} CompareGrid;

static const CompareGrid compare_grids[] = {
  { "logreg", { "l2=1", "l2=0.1", "l2=10", NULL } },
  { "linear", { "", NULL } },
  { "ridge",  { "l2=0.1", "l2=1", "l2=10", NULL } },
  { "mlp",    { "hidden=64", "hidden=64,32", NULL } },
  { "tree",   { "", "max-depth=5", "min-samples-leaf=5", NULL } },
  { "forest", { "", "min-samples-leaf=3", NULL } },
  { "gbt",    { "", "rounds=200 lr=0.05", "leaves=15", NULL } },
  { "knn",    { "k=5", "k=15", NULL } },
  { "nb",     { "", NULL } },
};

/* Recipes differ by family only in scaling and in filling missing values. */
#define N_RECIPE_KINDS 4

struct _KilnCompare {
  gatomicrefcount     ref_count;
  KilnTask            task;
  /* the options, owned */
  char               *target;
  gboolean            task_set;
  KilnPrepSettings    prep;
  KilnRecipe         *recipe;       /* unfitted; NULL: from prep, per family */
  /* the training split and its folds */
  KilnFrame          *rows;         /* the training rows (a view of the input) */
  guint               n_rows;
  guint32            *raw_row;      /* n_rows: row of the input frame */
  guint              *fold;         /* n_rows: 0 .. k - 1; forward: the block, 0 .. k */
  guint               k;
  gboolean            forward;      /* forward-chaining folds (a split by time) */
  char               *note;
  /* per fold and recipe kind, the fold prepared (made when first needed) */
  KilnPipeline      **prepared;     /* k * N_RECIPE_KINDS */
  gboolean            finished;
  /* trials */
  GPtrArray          *trials;       /* of KilnCompareTrial */
  guint              *board;
  guint               n_board;
};

G_DEFINE_BOXED_TYPE (KilnCompare, kiln_compare, kiln_compare_ref, kiln_compare_unref)

/* ---- Trials -------------------------------------------------------------------------------- */

static KilnCompareTrial *
trial_new (const char *family, const char *settings, const KilnModelOptions *options, guint k)
{
  KilnCompareTrial *t = g_new0 (KilnCompareTrial, 1);

  t->family = g_strdup (family);
  t->settings = g_strdup (settings);
  t->options = *options;
  t->status = KILN_COMPARE_PENDING;
  t->n_folds = k;
  t->score = g_new (double, k);
  t->second = g_new (double, k);
  t->seconds = g_new (double, k);
  for (guint f = 0; f < k; f++)
    t->score[f] = t->second[f] = t->seconds[f] = NAN;
  t->mean = t->std = t->second_mean = t->second_std = t->seconds_mean = t->p_top = NAN;
  return t;
}

KilnCompareTrial *
kiln_compare_trial_copy (const KilnCompareTrial *trial)
{
  KilnCompareTrial *t;

  g_return_val_if_fail (trial != NULL, NULL);

  t = g_memdup2 (trial, sizeof *trial);
  t->family = g_strdup (trial->family);
  t->settings = g_strdup (trial->settings);
  t->reason = g_strdup (trial->reason);
  t->score = g_memdup2 (trial->score, sizeof (double) * trial->n_folds);
  t->second = g_memdup2 (trial->second, sizeof (double) * trial->n_folds);
  t->seconds = g_memdup2 (trial->seconds, sizeof (double) * trial->n_folds);
  return t;
}

void
kiln_compare_trial_free (KilnCompareTrial *trial)
{
  if (trial == NULL)
    return;
  g_free (trial->family);
  g_free (trial->settings);
  g_free (trial->reason);
  g_free (trial->score);
  g_free (trial->second);
  g_free (trial->seconds);
  g_free (trial);
}

char *
kiln_compare_trial_describe (const KilnCompareTrial *trial)
{
  g_auto(GStrv) parts = NULL;
  GString *s;

  g_return_val_if_fail (trial != NULL, NULL);

  if (trial->settings == NULL || trial->settings[0] == '\0')
    return g_strdup (_("defaults"));
  s = g_string_new (NULL);
  parts = g_strsplit (trial->settings, " ", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      if (s->len)
        g_string_append (s, ", ");
      if (eq)
        g_string_append_printf (s, "%.*s = %s", (int) (eq - parts[i]), parts[i], eq + 1);
      else
        g_string_append (s, parts[i]);
    }
  return g_string_free (s, FALSE);
}

static const KilnModelOption *
class_option (const KilnModelClass *klass, const char *name, gsize len)
{
  for (guint o = 0; klass->options && klass->options[o]; o++)
    if (strlen (klass->options[o]->name) == len && strncmp (klass->options[o]->name, name, len) == 0)
      return klass->options[o];
  return NULL;
}

/* @options: the family's defaults; FALSE when a flag is not the family's or its value is bad. */
static gboolean
apply_settings (const KilnModelClass *klass, const char *settings, KilnModelOptions *options)
{
  g_auto(GStrv) parts = g_strsplit (settings, " ", -1);

  for (guint i = 0; parts[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      const char *eq = strchr (parts[i], '=');
      const KilnModelOption *opt;

      if (parts[i][0] == '\0')
        continue;
      if (eq == NULL || (opt = class_option (klass, parts[i], eq - parts[i])) == NULL
          || !kiln_model_option_parse (opt, eq + 1, options, &error))
        {
          g_debug ("%s: setting “%s” left out (%s)", klass->name, parts[i],
                   error ? error->message : "not one of its options");
          return FALSE;
        }
    }
  return TRUE;
}

/* The text column the comparison's recipe uses, or NULL. */
static const char *
text_column (KilnCompare *c)
{
  if (c->recipe != NULL)
    {
      for (guint s = 0; s < kiln_recipe_get_n_steps (c->recipe); s++)
        {
          KilnStep *step = kiln_recipe_get_step (c->recipe, s);
          const char * const *columns = kiln_step_get_columns (step);
          if (kiln_step_get_kind (step) == KILN_STEP_TEXT)
            return columns && columns[0] ? columns[0] : _("every text column");
        }
      return NULL;
    }
  return c->prep.text && c->prep.text[0] ? c->prep.text[0] : NULL;
}

static void
plan_trials (KilnCompare *c, const char * const *families)
{
  guint n_classes;
  const KilnModelClass * const *classes = kiln_model_list_classes (&n_classes);

  for (guint i = 0; i < n_classes; i++)
    {
      const KilnModelClass *klass = classes[i];
      static const char * const defaults_only[] = { "", NULL };
      const char * const *settings = defaults_only;
      g_autoptr(GError) error = NULL;
      KilnModelOptions defaults;
      guint planned = 0;

      if (families != NULL && !g_strv_contains (families, klass->name))
        continue;
      for (guint g = 0; g < G_N_ELEMENTS (compare_grids); g++)
        if (strcmp (compare_grids[g].family, klass->name) == 0)
          settings = compare_grids[g].settings;

      kiln_model_options_init (&defaults, c->task);
      defaults.seed = c->prep.seed;
      if (!kiln_model_check_options (klass->name, &defaults, &error))
        {
          /* The family cannot do this task: listed once, with the reason. */
          KilnCompareTrial *t = trial_new (klass->name, "", &defaults, c->k);
          t->status = KILN_COMPARE_SKIPPED;
          t->reason = g_strdup (error->message);
          g_ptr_array_add (c->trials, t);
          continue;
        }
      if (!kiln_model_class_accepts_text (klass) && text_column (c) != NULL)
        {
          /* Text features: only the families that read them. */
          g_autofree char *text_families = kiln_model_list_text_families (c->task);
          KilnCompareTrial *t = trial_new (klass->name, "", &defaults, c->k);
          t->status = KILN_COMPARE_SKIPPED;
          t->reason = g_strdup_printf (_("%s cannot learn from the text column “%s”; choose one of: %s, or do not use “%s” as text"),
                                       _(klass->display_name), text_column (c), text_families,
                                       text_column (c));
          g_ptr_array_add (c->trials, t);
          continue;
        }
      for (guint s = 0; settings[s] != NULL; s++)
        {
          KilnModelOptions options = defaults;

          if (!apply_settings (klass, settings[s], &options)
              || !kiln_model_check_options (klass->name, &options, NULL))
            continue;
          g_ptr_array_add (c->trials, trial_new (klass->name, settings[s], &options, c->k));
          planned++;
        }
      if (planned == 0)
        g_ptr_array_add (c->trials, trial_new (klass->name, "", &defaults, c->k));
    }
}

/* ---- The comparison ------------------------------------------------------------------------ */

KilnCompare *
kiln_compare_ref (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, NULL);
  g_atomic_ref_count_inc (&compare->ref_count);
  return compare;
}

static void
release_folds (KilnCompare *c)
{
  if (c->prepared == NULL)
    return;
  for (guint i = 0; i < c->k * N_RECIPE_KINDS; i++)
    g_clear_pointer (&c->prepared[i], kiln_pipeline_unref);
  g_clear_pointer (&c->prepared, g_free);
}

void
kiln_compare_unref (KilnCompare *c)
{
  g_return_if_fail (c != NULL);
  if (!g_atomic_ref_count_dec (&c->ref_count))
    return;
  release_folds (c);
  g_free (c->target);
  kiln_prep_settings_clear (&c->prep);
  g_clear_pointer (&c->recipe, kiln_recipe_unref);
  g_clear_pointer (&c->rows, kiln_frame_unref);
  g_free (c->raw_row);
  g_free (c->fold);
  g_free (c->note);
  g_clear_pointer (&c->trials, g_ptr_array_unref);
  g_free (c->board);
  g_free (c);
}

/* The fewest training rows of any class (G_MAXUINT without strata). */
static guint
smallest_stratum (const gint32 *strata, guint n)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer value;
  guint smallest = G_MAXUINT;

  if (strata == NULL)
    return G_MAXUINT;
  for (guint i = 0; i < n; i++)
    {
      gpointer key = GINT_TO_POINTER (strata[i]);
      g_hash_table_insert (counts, key,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)) + 1));
    }
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    smallest = MIN (smallest, GPOINTER_TO_UINT (value));
  return smallest;
}

/* A split by time: k forward-chaining folds over the training rows in time order (k + 1
 * blocks, so fewer folds when there are fewer than k + 1 rows). Takes @c. */
static KilnCompare *
forward_folds (KilnCompare         *c,
               guint                k,
               const char * const  *families,
               GError             **error)
{
  g_autoptr(KilnCompare) owned = c;
  g_autofree guint32 *order = NULL;
  int time_column;
  guint n_ordered;

  if (!kiln_split_find_time_column (c->rows, c->prep.split_by, &time_column, error))
    return NULL;
  order = kiln_split_time_order (c->rows, time_column, -1, &n_ordered);
  g_assert (n_ordered == c->n_rows);
  c->k = MIN (k, c->n_rows - 1);
  if (c->k < k)
    c->note = g_strdup_printf (_("There are only %u training rows, so the comparison uses %u "
                                 "forward-chaining folds."), c->n_rows, c->k);
  c->fold = g_new (guint, c->n_rows);
  if (!kiln_forward_assign (c->n_rows, c->k, order, c->fold, error))
    return NULL;
  c->prepared = g_new0 (KilnPipeline *, c->k * N_RECIPE_KINDS);
  plan_trials (c, families);
  return g_steal_pointer (&owned);
}

KilnCompare *
kiln_compare_new (KilnFrame                  *raw,
                  KilnFrame                  *test,
                  const KilnPipelineOptions  *options,
                  guint                       k,
                  const char * const         *families,
                  GCancellable               *cancellable,
                  GError                    **error)
{
  g_autoptr(KilnCompare) c = NULL;
  KilnPipeline *base;
  g_autofree gint32 *strata = NULL;
  KilnPipelineOptions split_options;
  const KilnModelClass * const *classes;
  guint n_classes, smallest;
  int tidx;

  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (k < 2)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_OPTIONS,
                   _("A comparison needs at least 2 folds, not %u"), k);
      return NULL;
    }
  for (guint i = 0; families && families[i]; i++)
    if (kiln_model_lookup_class (families[i]) == NULL)
      {
        g_autofree char *names = kiln_model_list_names ();
        g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_OPTIONS,
                     _("There is no model called “%s” (available: %s)"), families[i], names);
        return NULL;
      }

  c = g_new0 (KilnCompare, 1);
  g_atomic_ref_count_init (&c->ref_count);
  if (!kiln_pipeline_resolve_task (raw, options, &c->task, error))
    return NULL;
  c->target = g_strdup (options->target);
  c->task_set = options->task_set;
  kiln_prep_settings_copy (&options->prep, &c->prep);
  if (options->recipe)
    c->recipe = kiln_recipe_copy_unfitted (options->recipe, G_MAXUINT);
  c->trials = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_compare_trial_free);

  /* The split, exactly as training will make it: the pipeline's, with the first family that can
   * do the task (the family changes nothing in the split). */
  split_options = *options;
  split_options.model = NULL;
  split_options.keep_prepared = FALSE;
  classes = kiln_model_list_classes (&n_classes);
  for (guint i = 0; i < n_classes && split_options.model == NULL; i++)
    if (c->task == KILN_TASK_CLASSIFICATION ? classes[i]->classification : classes[i]->regression)
      split_options.model = classes[i]->name;
  kiln_model_options_init (&split_options.model_options, c->task);
  base = kiln_pipeline_prepare (raw, test, &split_options, cancellable, error);
  if (base == NULL)
    return NULL;
  c->rows = kiln_frame_ref (kiln_pipeline_get_train_rows (base));
  kiln_pipeline_unref (base);
  c->n_rows = kiln_frame_get_n_rows (c->rows);
  c->raw_row = g_new (guint32, MAX (c->n_rows, 1));
  for (guint r = 0; r < c->n_rows; r++)
    c->raw_row[r] = kiln_frame_get_physical_row (c->rows, r);

  if (c->n_rows < 2)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_EMPTY,
                   _("A comparison needs at least 2 training rows, there are %u"), c->n_rows);
      return NULL;
    }
  tidx = kiln_frame_find_column (c->rows, c->target);
  g_assert (tidx >= 0);
  c->forward = c->prep.split_by != NULL;
  if (c->forward)
    return forward_folds (g_steal_pointer (&c), k, families, error);
  if (c->task == KILN_TASK_CLASSIFICATION && c->prep.stratify)
    strata = kiln_pipeline_target_strata (c->rows, (guint) tidx);

  c->k = MIN (k, c->n_rows);
  if (c->k < k)
    c->note = g_strdup_printf (_("There are only %u training rows, so the comparison uses %u folds."),
                               c->n_rows, c->k);
  smallest = smallest_stratum (strata, c->n_rows);
  if (smallest < c->k)
    {
      g_free (c->note);
      if (smallest >= 2)
        {
          c->note = g_strdup_printf (_("The smallest class has only %u training rows, so the "
                                       "comparison uses %u folds."), smallest, smallest);
          c->k = smallest;
        }
      else
        c->note = g_strdup (_("A class has a single training row: the fold that holds it out "
                              "cannot learn it, and models are scored lower for it."));
    }

  c->fold = g_new (guint, c->n_rows);
  if (!kiln_kfold_assign (c->n_rows, c->k, strata, c->prep.seed, c->fold, error))
    return NULL;
  c->prepared = g_new0 (KilnPipeline *, c->k * N_RECIPE_KINDS);
  plan_trials (c, families);
  return g_steal_pointer (&c);
}

KilnTask
kiln_compare_get_task (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, KILN_TASK_CLASSIFICATION);
  return compare->task;
}

guint
kiln_compare_get_n_folds (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, 0);
  return compare->k;
}

gboolean
kiln_compare_is_forward (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, FALSE);
  return compare->forward;
}

guint
kiln_compare_get_n_rows (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, 0);
  return compare->n_rows;
}

void
kiln_compare_get_folds (KilnCompare    *compare,
                        const guint32 **rows,
                        const guint   **folds)
{
  g_return_if_fail (compare != NULL);
  if (rows)
    *rows = compare->raw_row;
  if (folds)
    *folds = compare->fold;
}

const char *
kiln_compare_get_metric (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, NULL);
  return compare->task == KILN_TASK_CLASSIFICATION ? "accuracy" : "r2";
}

const char *
kiln_compare_get_second_metric (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, NULL);
  return compare->task == KILN_TASK_CLASSIFICATION ? "macro_f1" : "rmse";
}

const char *
kiln_compare_get_note (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, NULL);
  return compare->note;
}

guint
kiln_compare_get_n_trials (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, 0);
  return compare->trials->len;
}

const KilnCompareTrial *
kiln_compare_get_trial (KilnCompare *compare,
                        guint        index)
{
  g_return_val_if_fail (compare != NULL, NULL);
  g_return_val_if_fail (index < compare->trials->len, NULL);
  return g_ptr_array_index (compare->trials, index);
}

guint
kiln_compare_get_n_pending (KilnCompare *compare)
{
  guint n = 0;

  g_return_val_if_fail (compare != NULL, 0);
  for (guint i = 0; i < compare->trials->len; i++)
    n += ((KilnCompareTrial *) g_ptr_array_index (compare->trials, i))->status
         == KILN_COMPARE_PENDING;
  return n;
}

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
  release_folds (compare);
  compare->finished = TRUE;
}

/* ---- The leaderboard ----------------------------------------------------------------------- */

static int
compare_by_mean (const void *a, const void *b, void *data)
{
  KilnCompare *c = data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  const KilnCompareTrial *x = g_ptr_array_index (c->trials, i);
  const KilnCompareTrial *y = g_ptr_array_index (c->trials, j);

  if (x->mean != y->mean)
    return x->mean > y->mean ? -1 : 1;
  return (i > j) - (i < j);   /* ties: the order of the plan */
}

void
kiln_compare_rank (KilnCompare *compare)
{
  const KilnCompareTrial *top;
  double n_train, n_test;

  g_return_if_fail (compare != NULL);

  g_free (compare->board);
  compare->board = g_new (guint, MAX (compare->trials->len, 1));
  compare->n_board = 0;
  for (guint i = 0; i < compare->trials->len; i++)
    if (((KilnCompareTrial *) g_ptr_array_index (compare->trials, i))->status == KILN_COMPARE_DONE)
      compare->board[compare->n_board++] = i;
  g_qsort_with_data (compare->board, compare->n_board, sizeof (guint), compare_by_mean, compare);
  if (compare->n_board == 0)
    return;

  /* Average fold sizes, for the correction of the correlated folds. */
  if (compare->forward)
    {
      /* k + 1 blocks; fold f trains on f + 1 of them: (k + 1) / 2 blocks on average */
      n_test = (double) compare->n_rows / (compare->k + 1);
      n_train = n_test * (compare->k + 1) / 2.0;
    }
  else
    {
      n_test = (double) compare->n_rows / compare->k;
      n_train = compare->n_rows - n_test;
    }
  top = g_ptr_array_index (compare->trials, compare->board[0]);
  for (guint b = 0; b < compare->n_board; b++)
    {
      KilnCompareTrial *t = g_ptr_array_index (compare->trials, compare->board[b]);
      t->p_top = b == 0 ? NAN : kiln_correlated_ttest (top->score, t->score, compare->k,
                                                       n_train, n_test);
    }
}

const guint *
kiln_compare_get_leaderboard (KilnCompare *compare,
                              guint       *n)
{
  g_return_val_if_fail (compare != NULL, NULL);
  if (n)
    *n = compare->n_board;
  return compare->board;
}

int
kiln_compare_get_best (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, -1);
  return compare->n_board > 0 ? (int) compare->board[0] : -1;
}

void
kiln_compare_apply_trial (KilnCompare          *compare,
                          guint                 index,
                          KilnPipelineOptions  *options)
{
  const KilnCompareTrial *t;

  g_return_if_fail (compare != NULL && options != NULL);
  g_return_if_fail (index < compare->trials->len);

  t = g_ptr_array_index (compare->trials, index);
  /* The registry's own string: it outlives the comparison. */
  options->model = kiln_model_lookup_class (t->family)->name;
  options->model_options = t->options;
}

static void
add_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static const char *
status_name (KilnCompareStatus status)
{
  switch (status)
    {
    case KILN_COMPARE_DONE:
      return "done";
    case KILN_COMPARE_FAILED:
      return "failed";
    case KILN_COMPARE_SKIPPED:
      return "skipped";
    case KILN_COMPARE_PENDING:
    default:
      return "pending";
    }
}

JsonNode *
kiln_compare_to_json (KilnCompare *compare)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  int best;

  g_return_val_if_fail (compare != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, kiln_task_to_string (compare->task));
  json_builder_set_member_name (b, "metric");
  json_builder_add_string_value (b, kiln_compare_get_metric (compare));
  json_builder_set_member_name (b, "second_metric");
  json_builder_add_string_value (b, kiln_compare_get_second_metric (compare));
  json_builder_set_member_name (b, "folds");
  json_builder_add_int_value (b, compare->k);
  json_builder_set_member_name (b, "folds_kind");
  json_builder_add_string_value (b, compare->forward ? "forward" : "kfold");
  json_builder_set_member_name (b, "train_rows");
  json_builder_add_int_value (b, compare->n_rows);
  json_builder_set_member_name (b, "note");
  if (compare->note)
    json_builder_add_string_value (b, compare->note);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "leaderboard");
  json_builder_begin_array (b);
  for (guint i = 0; i < compare->n_board; i++)
    {
      const KilnCompareTrial *t = g_ptr_array_index (compare->trials, compare->board[i]);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, t->family);
      json_builder_set_member_name (b, "settings");
      json_builder_add_string_value (b, t->settings);
      add_number (b, "mean", t->mean);
      add_number (b, "std", t->std);
      add_number (b, "seconds", t->seconds_mean);
      json_builder_set_member_name (b, kiln_compare_get_second_metric (compare));
      json_builder_begin_object (b);
      add_number (b, "mean", t->second_mean);
      add_number (b, "std", t->second_std);
      json_builder_end_object (b);
      add_number (b, "p_top", t->p_top);
      json_builder_set_member_name (b, "scores");
      json_builder_begin_array (b);
      for (guint f = 0; f < t->n_folds; f++)
        json_builder_add_double_value (b, t->score[f]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "not_run");
  json_builder_begin_array (b);
  for (guint i = 0; i < compare->trials->len; i++)
    {
      const KilnCompareTrial *t = g_ptr_array_index (compare->trials, i);

      if (t->status == KILN_COMPARE_DONE)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, t->family);
      json_builder_set_member_name (b, "settings");
      json_builder_add_string_value (b, t->settings);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, status_name (t->status));
      json_builder_set_member_name (b, "reason");
      if (t->reason)
        json_builder_add_string_value (b, t->reason);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "best");
  best = kiln_compare_get_best (compare);
  if (best >= 0)
    {
      const KilnCompareTrial *t = g_ptr_array_index (compare->trials, best);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, t->family);
      json_builder_set_member_name (b, "settings");
      json_builder_add_string_value (b, t->settings);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
