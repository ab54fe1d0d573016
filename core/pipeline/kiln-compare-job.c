/* kiln-compare-job.c: the model comparison as one job on the training worker.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-compare"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "kiln-compare-job.h"

typedef enum {
  PAYLOAD_PLAN,
  PAYLOAD_PROGRESS,
  PAYLOAD_COMPARE,
} PayloadKind;

typedef struct {
  PayloadKind          kind;
  GPtrArray           *plan;       /* PLAN */
  KilnCompareProgress  progress;   /* PROGRESS */
  KilnCompare         *compare;    /* COMPARE */
} Payload;

static void
payload_free (Payload *payload)
{
  g_clear_pointer (&payload->plan, g_ptr_array_unref);
  g_clear_pointer (&payload->progress.trial, kiln_compare_trial_free);
  g_clear_pointer (&payload->compare, kiln_compare_unref);
  g_free (payload);
}

typedef struct {
  KilnFrame            *raw;
  KilnFrame            *test;
  KilnPipelineOptions   options;   /* the strings below, and a copy of the recipe */
  char                 *target;
  char                **families;
  guint                 k;
  /* while running */
  guint                 done;
  guint                 total;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->raw, kiln_frame_unref);
  g_clear_pointer (&job->test, kiln_frame_unref);
  g_clear_pointer (&job->options.recipe, kiln_recipe_unref);
  kiln_pipeline_options_clear (&job->options);
  g_free (job->target);
  g_strfreev (job->families);
  g_free (job);
}

static GPtrArray *
copy_plan (KilnCompare *compare)
{
  GPtrArray *plan = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_compare_trial_free);

  for (guint i = 0; i < kiln_compare_get_n_trials (compare); i++)
    g_ptr_array_add (plan, kiln_compare_trial_copy (kiln_compare_get_trial (compare, i)));
  return plan;
}

static gboolean
job_run (KilnTrainRun  *run,
         gpointer       data,
         GCancellable  *cancellable,
         GError       **error)
{
  Job *job = data;
  g_autoptr(KilnCompare) compare = NULL;
  g_autoptr(GError) local = NULL;
  Payload *payload;

  kiln_train_run_post_stage (run, KILN_TRAIN_STAGE_PREPARE, NULL, NULL);
  compare = kiln_compare_new (job->raw, job->test, &job->options, job->k,
                              (const char * const *) job->families, cancellable, error);
  if (compare == NULL)
    return FALSE;
  job->total = kiln_compare_get_n_pending (compare);
  payload = g_new0 (Payload, 1);
  payload->kind = PAYLOAD_PLAN;
  payload->plan = copy_plan (compare);
  kiln_train_run_post_stage (run, KILN_TRAIN_STAGE_PREPARED, payload, (GDestroyNotify) payload_free);

  /* A family's trials at a time, so that their folds keep the cores busy; a progress event for
   * each trial that finished (or failed). */
  for (guint i = 0, n = kiln_compare_get_n_trials (compare); i < n && local == NULL;)
    {
      const char *family = kiln_compare_get_trial (compare, i)->family;
      g_autofree guint *group = g_new (guint, n);
      guint n_group = 0, end = i;
      gboolean ok;

      for (; end < n && strcmp (kiln_compare_get_trial (compare, end)->family, family) == 0; end++)
        if (kiln_compare_get_trial (compare, end)->status == KILN_COMPARE_PENDING)
          group[n_group++] = end;
      ok = kiln_compare_run_trials (compare, group, n_group, cancellable, &local);
      for (guint g = 0; g < n_group; g++)
        {
          const KilnCompareTrial *trial = kiln_compare_get_trial (compare, group[g]);

          if (trial->status == KILN_COMPARE_PENDING)
            continue;   /* cancelled before it finished */
          job->done++;
          payload = g_new0 (Payload, 1);
          payload->kind = PAYLOAD_PROGRESS;
          payload->progress.index = group[g];
          payload->progress.done = job->done;
          payload->progress.total = job->total;
          payload->progress.trial = kiln_compare_trial_copy (trial);
          kiln_train_run_post_progress_payload (run, (double) job->done / MAX (job->total, 1),
                                                payload, (GDestroyNotify) payload_free);
        }
      if (!ok)
        break;
      i = end;
    }

  /* Finished or cancelled, the trials that ran are ranked and handed over; the worker no longer
   * touches the comparison after this. */
  kiln_compare_finish (compare);
  kiln_compare_rank (compare);
  payload = g_new0 (Payload, 1);
  payload->kind = PAYLOAD_COMPARE;
  payload->compare = g_steal_pointer (&compare);
  kiln_train_run_set_result (run, NULL, payload, (GDestroyNotify) payload_free);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

KilnTrainRun *
kiln_compare_job_start (KilnFrame                 *raw,
                        KilnFrame                 *test,
                        const KilnPipelineOptions *options,
                        guint                      k,
                        const char * const        *families,
                        guint                      run_id,
                        KilnTrainWakeFunc          wake,
                        gpointer                   wake_data)
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
  job->options.model = NULL;
  job->options.source_path = NULL;
  job->options.test_path = NULL;
  job->options.recipe = options->recipe != NULL
                        ? kiln_recipe_copy_unfitted (options->recipe, G_MAXUINT) : NULL;
  job->k = k;
  job->families = g_strdupv ((char **) families);
  return kiln_train_run_start_func (job_run, job, (GDestroyNotify) job_free, run_id, wake,
                                    wake_data);
}

GPtrArray *
kiln_compare_job_get_plan (const KilnTrainEvent *event)
{
  const Payload *payload;

  g_return_val_if_fail (event != NULL, NULL);

  payload = event->payload;
  if (event->kind != KILN_TRAIN_EVENT_STAGE || payload == NULL || payload->kind != PAYLOAD_PLAN)
    return NULL;
  return payload->plan;
}

const KilnCompareProgress *
kiln_compare_job_get_progress (const KilnTrainEvent *event)
{
  const Payload *payload;

  g_return_val_if_fail (event != NULL, NULL);

  payload = event->payload;
  if (event->kind != KILN_TRAIN_EVENT_PROGRESS || payload == NULL
      || payload->kind != PAYLOAD_PROGRESS)
    return NULL;
  return &payload->progress;
}

KilnCompare *
kiln_compare_job_get_compare (const KilnTrainEvent *event)
{
  const Payload *payload;

  g_return_val_if_fail (event != NULL, NULL);

  payload = event->payload;
  if ((event->kind != KILN_TRAIN_EVENT_FINISHED && event->kind != KILN_TRAIN_EVENT_CANCELLED)
      || payload == NULL || payload->kind != PAYLOAD_COMPARE)
    return NULL;
  return payload->compare;
}
