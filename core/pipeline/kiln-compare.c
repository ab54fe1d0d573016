/* kiln-compare.c: cross-validated comparison of every model family (kiln-compare.h): the
 * settings each family tries, the trials, the split and its folds. Running the trials is in
 * kiln-compare-run.c, the leaderboard and the JSON in kiln-compare-board.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-compare"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-compare-private.h"
#include "kiln-cv.h"

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

void
_kiln_compare_release_folds (KilnCompare *c)
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
  _kiln_compare_release_folds (c);
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
