/* kiln-prepare-plan.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prepare-plan"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-prepare-plan.h"
#include "kiln-prep-options.h"
#include "kiln-split.h"

KilnRecipe *
kiln_prepare_plan_make_recipe (KilnProject  *project,
                               GError      **error)
{
  KilnPrepSettings *p = kiln_project_get_prep (project);
  const KilnModelClass *klass = kiln_model_lookup_class (kiln_project_get_model_name (project));
  KilnPrepOptions opts = { 0 };
  KilnRecipe *recipe;

  opts.dedupe = p->dedupe;
  opts.iqr = p->iqr ? g_strdup_printf ("%.17g", p->iqr_k) : NULL;
  opts.clip = p->iqr && p->iqr_clip;
  opts.impute = g_strdup (p->impute);
  opts.encode = g_strdup (p->encode);
  if (g_strcmp0 (p->scale, "auto") == 0)
    opts.scale = g_strdup (klass == NULL || klass->needs_scaling ? "standard" : "none");
  else
    opts.scale = g_strdup (p->scale);
  opts.drop = g_strdupv (p->dropped);
  recipe = kiln_prep_options_to_recipe (&opts, kiln_project_get_target (project), error);
  kiln_prep_options_clear (&opts);
  if (recipe)
    kiln_recipe_set_task (recipe, kiln_project_get_task (project));
  return recipe;
}

static KilnFrame *
view_of (KilnFrame *frame, GArray *rows)
{
  return kiln_frame_new_view (frame, (const guint32 *) (gpointer) rows->data, rows->len);
}

KilnPreparePlan *
kiln_prepare_plan_run (KilnFrame              *frame,
                       KilnRecipe             *recipe,
                       const KilnPrepSettings *prep,
                       KilnTask                task,
                       GCancellable           *cancellable,
                       GError                **error)
{
  g_autoptr(KilnPreparePlan) plan = g_new0 (KilnPreparePlan, 1);
  KilnSplitFractions fractions = { prep->train, prep->validation, prep->test };
  g_autoptr(GArray) train = NULL, val = NULL, test = NULL;
  int target = kiln_recipe_get_target (recipe)
               ? kiln_frame_find_column (frame, kiln_recipe_get_target (recipe)) : -1;

  if (!kiln_split_train_val_test (frame, target, &fractions,
                                  prep->stratify && task == KILN_TASK_CLASSIFICATION, prep->seed,
                                  &train, &val, &test, error))
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  plan->n_rows = kiln_frame_get_n_rows (frame);
  plan->n_train = train->len;
  plan->n_val = val->len;
  plan->n_test = test->len;
  plan->train = view_of (frame, train);
  plan->validation = view_of (frame, val);
  plan->test = view_of (frame, test);
  plan->report = kiln_prep_report_new ();
  plan->recipe = kiln_recipe_ref (recipe);
  plan->prepared = kiln_recipe_fit_apply (plan->recipe, plan->train, plan->report, error);
  if (plan->prepared == NULL)
    return NULL;
  return g_steal_pointer (&plan);
}

void
kiln_prepare_plan_free (KilnPreparePlan *plan)
{
  if (plan == NULL)
    return;
  g_clear_pointer (&plan->recipe, kiln_recipe_unref);
  g_clear_pointer (&plan->report, kiln_prep_report_free);
  g_clear_pointer (&plan->train, kiln_frame_unref);
  g_clear_pointer (&plan->validation, kiln_frame_unref);
  g_clear_pointer (&plan->test, kiln_frame_unref);
  g_clear_pointer (&plan->prepared, kiln_frame_unref);
  g_free (plan);
}

typedef struct {
  KilnFrame        *frame;
  KilnRecipe       *recipe;
  KilnPrepSettings  prep;
  KilnTask          task;
} RunData;

static void
run_data_free (RunData *d)
{
  kiln_frame_unref (d->frame);
  kiln_recipe_unref (d->recipe);
  g_free (d);
}

static void
run_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  RunData *d = data;
  GError *error = NULL;
  KilnPreparePlan *plan = kiln_prepare_plan_run (d->frame, d->recipe, &d->prep, d->task,
                                                 cancellable, &error);
  if (plan)
    g_task_return_pointer (task, plan, (GDestroyNotify) kiln_prepare_plan_free);
  else
    g_task_return_error (task, error);
}

void
kiln_prepare_plan_run_async (KilnProject         *project,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (user_data, cancellable, callback, NULL);
  GError *error = NULL;
  KilnRecipe *recipe = kiln_prepare_plan_make_recipe (project, &error);
  RunData *d;

  if (recipe == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  d = g_new0 (RunData, 1);
  d->frame = kiln_frame_ref (kiln_project_get_frame (project));
  d->recipe = recipe;
  /* the numbers only: the strings are in the recipe already */
  d->prep = *kiln_project_get_prep (project);
  d->prep.impute = d->prep.encode = d->prep.scale = NULL;
  d->prep.dropped = NULL;
  d->task = kiln_project_get_task (project);
  g_task_set_task_data (task, d, (GDestroyNotify) run_data_free);
  g_task_run_in_thread (task, run_thread);
}

KilnTrainSetup *
kiln_train_setup_new (KilnProject  *project,
                      GError      **error)
{
  g_autoptr(KilnTrainSetup) setup = g_new0 (KilnTrainSetup, 1);
  KilnPrepSettings *p = kiln_project_get_prep (project);

  g_return_val_if_fail (kiln_project_get_frame (project) != NULL, NULL);

  setup->frame = kiln_frame_ref (kiln_project_get_frame (project));
  setup->target = g_strdup (kiln_project_get_target (project));
  setup->model = g_strdup (kiln_project_get_model_name (project));
  setup->source = g_strdup (kiln_project_get_source (project));
  kiln_pipeline_options_init (&setup->options, setup->target, setup->model);
  setup->options.task_set = TRUE;
  setup->options.task = kiln_project_get_task (project);
  setup->options.split.train = p->train;
  setup->options.split.validation = p->validation;
  setup->options.split.test = p->test;
  setup->options.stratify = p->stratify;
  setup->options.seed = p->seed;
  setup->options.model_options = *kiln_project_get_model_options (project);
  setup->options.source_path = setup->source;
  setup->options.recipe = kiln_prepare_plan_make_recipe (project, error);
  if (setup->options.recipe == NULL)
    return NULL;
  return g_steal_pointer (&setup);
}

void
kiln_train_setup_free (KilnTrainSetup *setup)
{
  if (setup == NULL)
    return;
  g_clear_pointer (&setup->frame, kiln_frame_unref);
  g_clear_pointer (&setup->options.recipe, kiln_recipe_unref);
  g_free (setup->target);
  g_free (setup->model);
  g_free (setup->source);
  g_free (setup);
}
