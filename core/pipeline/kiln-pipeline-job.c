/* kiln-pipeline-job.c: the whole training run as one job on the training worker.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-pipeline"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kiln-pipeline-job.h"

/* A tag for the payloads this job puts on its events. */
typedef enum {
  PAYLOAD_PIPELINE,
  PAYLOAD_RESULT,
} PayloadKind;

typedef struct {
  PayloadKind          kind;
  KilnPipeline        *pipeline;   /* PIPELINE */
  KilnPipelineResult   result;     /* RESULT */
} Payload;

static void
payload_free (Payload *payload)
{
  g_clear_pointer (&payload->pipeline, kiln_pipeline_unref);
  kiln_pipeline_result_clear (&payload->result);
  g_free (payload);
}

typedef struct {
  KilnFrame            *raw;
  KilnFrame            *test;
  KilnPipelineOptions   options;     /* the strings below, and a copy of the recipe */
  char                 *target;
  char                 *model;
  char                 *source_path;
  char                 *test_path;
  KilnPipelineJobFlags  flags;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->raw, kiln_frame_unref);
  g_clear_pointer (&job->test, kiln_frame_unref);
  g_clear_pointer (&job->options.recipe, kiln_recipe_unref);
  kiln_pipeline_options_clear (&job->options);
  g_free (job->target);
  g_free (job->model);
  g_free (job->source_path);
  g_free (job->test_path);
  g_free (job);
}

static void
on_prepare_progress (double fraction, gpointer data)
{
  kiln_train_run_post_progress (data, fraction);
}

static gboolean
job_run (KilnTrainRun  *run,
         gpointer       data,
         GCancellable  *cancellable,
         GError       **error)
{
  Job *job = data;
  Payload *out = g_new0 (Payload, 1);
  KilnPipelineResult *result = &out->result;
  g_autoptr(KilnModel) model = NULL;
  gboolean cancelled = FALSE;
  gint64 t0;

  out->kind = PAYLOAD_RESULT;
  kiln_train_run_post_stage (run, KILN_TRAIN_STAGE_PREPARE, NULL, NULL);
  job->options.progress = on_prepare_progress;
  job->options.progress_data = run;
  result->pipeline = kiln_pipeline_prepare (job->raw, job->test, &job->options, cancellable, error);
  job->options.progress = NULL;
  if (result->pipeline == NULL)
    goto fail;
  {
    Payload *prepared = g_new0 (Payload, 1);
    prepared->kind = PAYLOAD_PIPELINE;
    prepared->pipeline = kiln_pipeline_ref (result->pipeline);
    kiln_train_run_post_stage (run, KILN_TRAIN_STAGE_PREPARED, prepared,
                               (GDestroyNotify) payload_free);
  }
  if (job->flags & KILN_PIPELINE_JOB_PREPARE_ONLY)
    {
      kiln_train_run_set_result (run, NULL, out, (GDestroyNotify) payload_free);
      return TRUE;
    }

  kiln_train_run_post_stage (run, KILN_TRAIN_STAGE_FIT, NULL, NULL);
  t0 = g_get_monotonic_time ();
  model = kiln_model_new (kiln_pipeline_get_model_name (result->pipeline),
                          kiln_pipeline_get_model_options (result->pipeline), error);
  if (model == NULL)
    goto fail;
  result->model = kiln_train_run_fit (run, model, kiln_pipeline_get_train (result->pipeline),
                                      kiln_pipeline_get_validation (result->pipeline),
                                      &cancelled, error);
  if (result->model == NULL)
    goto fail;
  result->fit_seconds = (g_get_monotonic_time () - t0) / 1e6
                        + kiln_pipeline_get_prep_seconds (result->pipeline);

  /* Scoring and packing are not cancelled: a cancelled fit still hands back its best model. */
  kiln_train_run_post_stage (run, KILN_TRAIN_STAGE_EVALUATE, NULL, NULL);
  result->evaluation = kiln_pipeline_evaluate (result->pipeline, result->model, error);
  if (result->evaluation == NULL)
    goto fail;
  if (job->flags & KILN_PIPELINE_JOB_BUNDLE)
    {
      result->bundle = kiln_pipeline_make_bundle (result->pipeline, result->model,
                                                  result->evaluation, error);
      if (result->bundle == NULL)
        goto fail;
      /* the hash serialises the whole model: here, not when a window first shows it */
      kiln_bundle_get_content_hash (result->bundle);
    }
  kiln_train_run_set_result (run, result->model, out, (GDestroyNotify) payload_free);
  if (cancelled)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Training was cancelled"));
      return FALSE;
    }
  return TRUE;

fail:
  payload_free (out);
  return FALSE;
}

KilnTrainRun *
kiln_pipeline_job_start (KilnFrame                  *raw,
                         KilnFrame                  *test,
                         const KilnPipelineOptions  *options,
                         KilnPipelineJobFlags        flags,
                         guint                       run_id,
                         KilnTrainWakeFunc           wake,
                         gpointer                    wake_data)
{
  Job *job;

  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  job = g_new0 (Job, 1);
  job->raw = kiln_frame_ref (raw);
  job->test = test != NULL ? kiln_frame_ref (test) : NULL;
  job->options = *options;
  kiln_prep_settings_copy (&options->prep, &job->options.prep);
  job->options.target = job->target = g_strdup (options->target);
  job->options.model = job->model = g_strdup (options->model);
  job->options.source_path = job->source_path = g_strdup (options->source_path);
  job->options.test_path = job->test_path = g_strdup (options->test_path);
  job->options.recipe = options->recipe != NULL
                        ? kiln_recipe_copy_unfitted (options->recipe, G_MAXUINT) : NULL;
  job->flags = flags;
  return kiln_train_run_start_func (job_run, job, (GDestroyNotify) job_free, run_id, wake,
                                    wake_data);
}

KilnPipeline *
kiln_pipeline_job_get_pipeline (const KilnTrainEvent *event)
{
  const Payload *payload;

  g_return_val_if_fail (event != NULL, NULL);

  payload = event->payload;
  if (event->kind != KILN_TRAIN_EVENT_STAGE || payload == NULL || payload->kind != PAYLOAD_PIPELINE)
    return NULL;
  return payload->pipeline;
}

KilnPipelineResult *
kiln_pipeline_job_get_result (const KilnTrainEvent *event)
{
  Payload *payload;

  g_return_val_if_fail (event != NULL, NULL);

  payload = event->payload;
  if ((event->kind != KILN_TRAIN_EVENT_FINISHED && event->kind != KILN_TRAIN_EVENT_CANCELLED)
      || payload == NULL || payload->kind != PAYLOAD_RESULT)
    return NULL;
  return &payload->result;
}
