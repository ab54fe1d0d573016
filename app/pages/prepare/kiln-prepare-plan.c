/* kiln-prepare-plan.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prepare-plan"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-pipeline-job.h"
#include "kiln-prepare-plan.h"
#include "kiln-threads.h"

KilnRecipe *
kiln_prepare_plan_make_recipe (KilnProject  *project,
                               GError      **error)
{
  const KilnModelClass *klass = kiln_model_lookup_class (kiln_project_get_model_name (project));
  KilnRecipe *recipe;

  recipe = kiln_prep_settings_to_recipe (kiln_project_get_prep (project),
                                         kiln_project_get_target (project),
                                         klass == NULL || klass->needs_scaling,
                                         klass != NULL && klass->accepts_missing, error);
  if (recipe)
    kiln_recipe_set_task (recipe, kiln_project_get_task (project));
  return recipe;
}

/* The preview is the pipeline job's first half (KILN_PIPELINE_JOB_PREPARE_ONLY): the same split
 * and recipe fit the training will make, on its worker thread. */
typedef struct {
  GTask        *task;
  KilnTrainRun *run;
  gulong        cancel_id;
} PlanJob;

static KilnPreparePlan *
plan_from_pipeline (KilnPipeline *pipeline, KilnFrame *frame)
{
  KilnPreparePlan *plan = g_new0 (KilnPreparePlan, 1);
  KilnFrame *val = kiln_pipeline_get_validation_rows (pipeline);

  plan->n_rows = kiln_frame_get_n_rows (frame);
  plan->recipe = kiln_recipe_ref (kiln_pipeline_get_recipe (pipeline));
  plan->pipeline = kiln_pipeline_ref (pipeline);
  plan->report = kiln_pipeline_get_report (pipeline);
  plan->train = kiln_frame_ref (kiln_pipeline_get_train_rows (pipeline));
  plan->validation = val ? kiln_frame_ref (val) : kiln_frame_new_view (frame, NULL, 0);
  plan->test = kiln_frame_ref (kiln_pipeline_get_test_rows (pipeline));
  plan->prepared = kiln_frame_ref (kiln_pipeline_get_prepared_train (pipeline));
  plan->n_train = kiln_frame_get_n_rows (plan->train);
  plan->n_val = kiln_frame_get_n_rows (plan->validation);
  plan->n_test = kiln_frame_get_n_rows (plan->test);
  return plan;
}

static void
plan_free_now (KilnPreparePlan *plan)
{
  g_clear_pointer (&plan->recipe, kiln_recipe_unref);
  g_clear_pointer (&plan->pipeline, kiln_pipeline_unref);
  g_clear_pointer (&plan->train, kiln_frame_unref);
  g_clear_pointer (&plan->validation, kiln_frame_unref);
  g_clear_pointer (&plan->test, kiln_frame_unref);
  g_clear_pointer (&plan->prepared, kiln_frame_unref);
  g_free (plan);
}

/* A plan holds prepared copies of the data (hundreds of megabytes for a big file): freed off the
   main thread, where plans are dropped. */
void
kiln_prepare_plan_free (KilnPreparePlan *plan)
{
  kiln_threads_free_later (plan, (GDestroyNotify) plan_free_now);
}

static void
on_cancelled (GCancellable *cancellable, gpointer data)
{
  kiln_train_run_cancel (data);
}

static void
plan_wake (KilnTrainRun *run, gpointer data)
{
  PlanJob *job = data;
  KilnTrainEvent *event;

  while ((event = kiln_train_run_try_pop (run)) != NULL)
    {
      gboolean terminal = kiln_train_event_is_terminal (event);
      KilnPipelineResult *result = kiln_pipeline_job_get_result (event);

      if (event->kind == KILN_TRAIN_EVENT_FINISHED && result != NULL)
        g_task_return_pointer (job->task,
                               plan_from_pipeline (result->pipeline,
                                                   g_task_get_task_data (job->task)),
                               (GDestroyNotify) kiln_prepare_plan_free);
      else if (event->kind == KILN_TRAIN_EVENT_FAILED)
        g_task_return_error (job->task, g_steal_pointer (&event->error));
      else if (terminal)
        g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                                 _("Cancelled"));
      kiln_train_event_free (event);
      if (terminal)
        {
          g_cancellable_disconnect (g_task_get_cancellable (job->task), job->cancel_id);
          kiln_train_run_disconnect (run);
          g_clear_pointer (&job->run, kiln_train_run_unref);
          g_clear_object (&job->task);
          g_free (job);
          return;
        }
    }
}

void
kiln_prepare_plan_run_async (KilnProject         *project,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (user_data, cancellable, callback, NULL);
  g_autoptr(KilnTrainSetup) setup = NULL;
  GError *error = NULL;
  PlanJob *job;

  setup = kiln_train_setup_new (project, &error);
  if (setup == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  setup->options.keep_prepared = TRUE;
  g_task_set_task_data (task, kiln_frame_ref (kiln_project_get_frame (project)),
                        (GDestroyNotify) kiln_frame_unref);

  job = g_new0 (PlanJob, 1);
  job->task = g_steal_pointer (&task);
  job->run = kiln_pipeline_job_start (setup->frame, NULL, &setup->options,
                                      KILN_PIPELINE_JOB_PREPARE_ONLY, 1, plan_wake, job);
  if (cancellable != NULL)
    job->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                            kiln_train_run_ref (job->run),
                                            (GDestroyNotify) kiln_train_run_unref);
}

KilnTrainSetup *
kiln_train_setup_new (KilnProject  *project,
                      GError      **error)
{
  g_autoptr(KilnTrainSetup) setup = g_new0 (KilnTrainSetup, 1);

  g_return_val_if_fail (kiln_project_get_frame (project) != NULL, NULL);

  setup->frame = kiln_frame_ref (kiln_project_get_frame (project));
  setup->target = g_strdup (kiln_project_get_target (project));
  setup->model = g_strdup (kiln_project_get_model_name (project));
  setup->source = g_strdup (kiln_project_get_source (project));
  kiln_pipeline_options_init (&setup->options, setup->target, setup->model);
  setup->options.task_set = TRUE;
  setup->options.task = kiln_project_get_task (project);
  kiln_prep_settings_clear (&setup->options.prep);
  kiln_prep_settings_copy (kiln_project_get_prep (project), &setup->options.prep);
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
  kiln_pipeline_options_clear (&setup->options);
  g_free (setup->target);
  g_free (setup->model);
  g_free (setup->source);
  g_free (setup);
}
