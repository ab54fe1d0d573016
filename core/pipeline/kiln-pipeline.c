/* kiln-pipeline.c: split, recipe, model, evaluation, bundle: the training run GUI and CLI share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-pipeline"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-cv.h"
#include "kiln-pipeline.h"

G_DEFINE_QUARK (kiln-pipeline-error-quark, kiln_pipeline_error)

struct _KilnPipeline {
  gatomicrefcount     ref_count;
  KilnTask            task;
  char               *model_name;
  KilnModelOptions    model_options;
  KilnSplitFractions  split;
  gboolean            stratify;
  guint64             seed;
  char               *split_by;     /* a split by time: "" file order, or the column; else NULL */
  char               *source_path;
  char               *test_path;
  KilnRecipe         *recipe;
  KilnPrepReport     *report;
  KilnFrame          *raw;
  KilnFrame          *train_rows;
  KilnFrame          *val_rows;
  KilnFrame          *test_rows;
  KilnFrame          *prepared;     /* the training rows prepared, if asked to keep them */
  KilnDataset        *train;
  KilnDataset        *val;
  KilnDataset        *test;
  double              prep_seconds;
};

G_DEFINE_BOXED_TYPE (KilnPipeline, kiln_pipeline, kiln_pipeline_ref, kiln_pipeline_unref)

void
kiln_pipeline_options_init (KilnPipelineOptions *options,
                            const char          *target,
                            const char          *model)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->target = target;
  options->model = model ? model : "forest";
  kiln_prep_settings_init (&options->prep);
  kiln_model_options_init (&options->model_options, KILN_TASK_CLASSIFICATION);
}

void
kiln_pipeline_options_clear (KilnPipelineOptions *options)
{
  g_return_if_fail (options != NULL);
  kiln_prep_settings_clear (&options->prep);
}

KilnPipeline *
kiln_pipeline_ref (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  g_atomic_ref_count_inc (&pipeline->ref_count);
  return pipeline;
}

void
kiln_pipeline_unref (KilnPipeline *p)
{
  g_return_if_fail (p != NULL);
  if (!g_atomic_ref_count_dec (&p->ref_count))
    return;
  g_free (p->model_name);
  g_free (p->split_by);
  g_free (p->source_path);
  g_free (p->test_path);
  g_clear_pointer (&p->recipe, kiln_recipe_unref);
  g_clear_pointer (&p->report, kiln_prep_report_free);
  g_clear_pointer (&p->raw, kiln_frame_unref);
  g_clear_pointer (&p->train_rows, kiln_frame_unref);
  g_clear_pointer (&p->val_rows, kiln_frame_unref);
  g_clear_pointer (&p->test_rows, kiln_frame_unref);
  g_clear_pointer (&p->prepared, kiln_frame_unref);
  g_clear_pointer (&p->train, kiln_dataset_free);
  g_clear_pointer (&p->val, kiln_dataset_free);
  g_clear_pointer (&p->test, kiln_dataset_free);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnPipeline, kiln_pipeline_unref)

static gboolean
infer_task (KilnColumn *target, const KilnPipelineOptions *options, KilnTask *task, GError **error)
{
  if (options->task_set)
    {
      *task = options->task;
      if (*task == KILN_TASK_REGRESSION && kiln_column_get_column_type (target) != KILN_COLUMN_NUMERIC
          && kiln_column_get_column_type (target) != KILN_COLUMN_BOOLEAN)
        {
          g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET,
                       _("The target “%s” is not numeric, so it cannot be predicted by regression"),
                       kiln_column_get_name (target));
          return FALSE;
        }
      return TRUE;
    }
  switch (kiln_column_get_column_type (target))
    {
    case KILN_COLUMN_NUMERIC:
      *task = KILN_TASK_REGRESSION;
      return TRUE;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_TEXT:
      *task = KILN_TASK_CLASSIFICATION;
      return TRUE;
    case KILN_COLUMN_DATETIME:
    default:
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET,
                   _("The target “%s” holds dates; choose a numeric or categorical column"),
                   kiln_column_get_name (target));
      return FALSE;
    }
}

/* The first column @recipe's TEXT steps use in @raw (named, or every text column), or NULL. */
const char *
_kiln_pipeline_text_column (KilnRecipe *recipe,
                            KilnFrame  *raw)
{
  for (guint s = 0; s < kiln_recipe_get_n_steps (recipe); s++)
    {
      KilnStep *step = kiln_recipe_get_step (recipe, s);
      const char * const *columns;

      if (kiln_step_get_kind (step) != KILN_STEP_TEXT)
        continue;
      columns = kiln_step_get_columns (step);
      if (columns != NULL && columns[0] != NULL)
        return columns[0];
      if (columns == NULL)
        for (guint c = 0; c < kiln_frame_get_n_columns (raw); c++)
          if (kiln_column_get_column_type (kiln_frame_get_column (raw, c)) == KILN_COLUMN_TEXT)
            return kiln_column_get_name (kiln_frame_get_column (raw, c));
    }
  return NULL;
}

static KilnFrame *
view_of (KilnFrame *frame, GArray *rows)
{
  return kiln_frame_new_view (frame, rows ? (const guint32 *) rows->data : NULL,
                              rows ? rows->len : 0);
}

/* Rows of @frame whose column @column is not missing. */
static KilnFrame *
rows_with_value (KilnFrame *frame, guint column)
{
  guint n = kiln_frame_get_n_rows (frame), k = 0;
  g_autofree guint32 *rows = g_new (guint32, MAX (n, 1));

  for (guint r = 0; r < n; r++)
    if (!kiln_frame_is_missing (frame, column, r))
      rows[k++] = r;
  if (k == n)
    return kiln_frame_ref (frame);
  return kiln_frame_new_view (frame, rows, k);
}

static KilnDataset *
prepare_part (KilnRecipe *recipe, KilnFrame *rows, GError **error)
{
  g_autoptr(KilnFrame) prepared = kiln_recipe_apply_coded (recipe, rows, FALSE, NULL, error);
  KilnDataset *ds = NULL;

  if (prepared == NULL || !kiln_recipe_to_dataset (recipe, prepared, &ds, error))
    return NULL;
  if (ds->n_rows != kiln_frame_get_n_rows (rows))
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_EMPTY,
                   _("Preparing the rows kept %u of %u of them"), ds->n_rows,
                   kiln_frame_get_n_rows (rows));
      kiln_dataset_free (ds);
      return NULL;
    }
  return ds;
}

/* Preparing's share of the work, by what it has done: the split, the recipe's steps (most of
 * it), then the training, validation and test datasets. */
#define PREP_AFTER_SPLIT  0.05
#define PREP_AFTER_RECIPE 0.70
#define PREP_AFTER_TRAIN  0.80
#define PREP_AFTER_VAL    0.88

static void
report_progress (const KilnPipelineOptions *options, double fraction)
{
  if (options->progress)
    options->progress (fraction, options->progress_data);
}

static void
on_recipe_progress (double fraction, gpointer data)
{
  const KilnPipelineOptions *options = data;

  report_progress (options, PREP_AFTER_SPLIT + (PREP_AFTER_RECIPE - PREP_AFTER_SPLIT) * fraction);
}

KilnPipeline *
kiln_pipeline_prepare (KilnFrame                  *raw,
                       KilnFrame                  *test,
                       const KilnPipelineOptions  *options,
                       GCancellable               *cancellable,
                       GError                    **error)
{
  g_autoptr(KilnPipeline) p = NULL;
  g_autoptr(GArray) tr = NULL, va = NULL, te = NULL;
  g_autoptr(KilnFrame) prepared = NULL;
  const KilnModelClass *klass;
  KilnSplitFractions fractions;
  KilnColumn *target;
  gint64 t0;
  int tidx;
  guint n_classes = 0;

  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options->target == NULL || (tidx = kiln_frame_find_column (raw, options->target)) < 0)
    {
      g_autoptr(GString) names = g_string_new (NULL);
      for (guint c = 0; c < kiln_frame_get_n_columns (raw); c++)
        g_string_append_printf (names, "%s%s", c ? ", " : "",
                                kiln_column_get_name (kiln_frame_get_column (raw, c)));
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET,
                   _("There is no column “%s” (the columns are: %s)"),
                   options->target ? options->target : "", names->str);
      return NULL;
    }
  target = kiln_frame_get_column (raw, (guint) tidx);

  p = g_new0 (KilnPipeline, 1);
  g_atomic_ref_count_init (&p->ref_count);
  if (!infer_task (target, options, &p->task, error))
    return NULL;

  p->model_name = g_strdup (options->model ? options->model : "forest");
  klass = kiln_model_lookup_class (p->model_name);
  if (klass == NULL)
    {
      g_autofree char *names = kiln_model_list_names ();
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_OPTIONS,
                   _("There is no model called “%s” (available: %s)"), p->model_name, names);
      return NULL;
    }
  p->model_options = options->model_options;
  p->model_options.task = p->task;
  p->model_options.seed = options->prep.seed;
  if (!kiln_model_check_options (p->model_name, &p->model_options, error))
    return NULL;

  p->split = options->prep.split;
  p->split_by = g_strdup (options->prep.split_by);
  p->stratify = options->prep.stratify && p->task == KILN_TASK_CLASSIFICATION && !p->split_by;
  p->seed = options->prep.seed;
  p->source_path = g_strdup (options->source_path);
  p->test_path = g_strdup (options->test_path);
  p->raw = kiln_frame_ref (raw);

  /* Split. */
  fractions = options->prep.split;
  if (test != NULL)
    {
      double sum = fractions.train + fractions.validation;
      if (sum <= 0)
        fractions = (KilnSplitFractions) { 1.0, 0.0, 0.0 };
      else
        fractions = (KilnSplitFractions) { fractions.train / sum, fractions.validation / sum, 0.0 };
    }
  if (p->split_by != NULL)
    {
      int time_column;
      if (!kiln_split_find_time_column (raw, p->split_by, &time_column, error)
          || !kiln_split_by_time (raw, tidx, time_column, &fractions, &tr, &va, &te, error))
        return NULL;
    }
  else if (!kiln_split_train_val_test (raw, tidx, &fractions, p->stratify, p->seed,
                                       &tr, &va, &te, error))
    return NULL;
  if (tr == NULL || tr->len == 0)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_EMPTY,
                   _("No rows are left to train on (is the target “%s” always missing?)"),
                   options->target);
      return NULL;
    }
  p->train_rows = view_of (raw, tr);
  if (va && va->len)
    p->val_rows = view_of (raw, va);

  if (test != NULL)
    {
      int ttidx = kiln_frame_find_column (test, options->target);
      if (ttidx < 0)
        {
          g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET,
                       _("The test data has no column “%s”"), options->target);
          return NULL;
        }
      p->test_rows = rows_with_value (test, (guint) ttidx);
    }
  else
    p->test_rows = view_of (raw, te);
  if (kiln_frame_get_n_rows (p->test_rows) == 0)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_EMPTY,
                   _("There are no test rows: give the split a test part or a --test file"));
      return NULL;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* Recipe, fitted on the training rows only. */
  if (options->recipe)
    {
      p->recipe = kiln_recipe_copy_unfitted (options->recipe, G_MAXUINT);
      kiln_recipe_set_keeps_missing (p->recipe, klass->accepts_missing);
    }
  else
    {
      p->recipe = kiln_prep_settings_to_recipe (&options->prep, options->target,
                                                klass->needs_scaling, klass->accepts_missing,
                                                error);
      if (p->recipe == NULL)
        return NULL;
    }
  kiln_recipe_set_target (p->recipe, options->target);
  kiln_recipe_set_task (p->recipe, p->task);
  if (!kiln_model_class_accepts_text (klass))
    {
      const char *column = _kiln_pipeline_text_column (p->recipe, raw);
      if (column != NULL)
        {
          g_autofree char *families = kiln_model_list_text_families (p->task);
          g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_OPTIONS,
                       _("%s cannot learn from the text column “%s”; choose one of: %s, or do not use “%s” as text"),
                       _(klass->display_name), column, families, column);
          return NULL;
        }
    }
  p->report = kiln_prep_report_new ();
  report_progress (options, PREP_AFTER_SPLIT);

  t0 = g_get_monotonic_time ();
  /* one-hot encoded columns stay codes, unless the preview shows their indicator columns */
  kiln_recipe_set_progress (p->recipe, on_recipe_progress, (gpointer) options);
  prepared = options->keep_prepared
             ? kiln_recipe_fit_apply (p->recipe, p->train_rows, p->report, error)
             : kiln_recipe_fit_apply_coded (p->recipe, p->train_rows, p->report, error);
  kiln_recipe_set_progress (p->recipe, NULL, NULL);
  if (prepared == NULL || !kiln_recipe_to_dataset (p->recipe, prepared, &p->train, error))
    return NULL;
  report_progress (options, PREP_AFTER_TRAIN);
  p->prep_seconds = (g_get_monotonic_time () - t0) / 1e6;
  if (options->keep_prepared)
    p->prepared = g_steal_pointer (&prepared);
  if (p->train->n_rows == 0)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_EMPTY,
                   _("The preparation steps removed every training row"));
      return NULL;
    }
  if (p->task == KILN_TASK_CLASSIFICATION)
    {
      kiln_recipe_get_classes (p->recipe, &n_classes);
      if (n_classes < 2)
        {
          g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET,
                       _("The target “%s” has only one class in the training rows; there is "
                         "nothing to learn"), options->target);
          return NULL;
        }
    }

  if (p->val_rows)
    {
      p->val = prepare_part (p->recipe, p->val_rows, error);
      if (p->val == NULL)
        return NULL;
    }
  report_progress (options, PREP_AFTER_VAL);
  if (test != NULL)
    {
      /* Read separately, the test file may have columns typed differently. */
      g_autoptr(KilnFrame) conformed = kiln_recipe_conform (p->recipe, p->test_rows, TRUE, error);
      if (conformed == NULL)
        return NULL;
      p->test = prepare_part (p->recipe, conformed, error);
    }
  else
    p->test = prepare_part (p->recipe, p->test_rows, error);
  if (p->test == NULL)
    return NULL;
  report_progress (options, 1.0);

  return g_steal_pointer (&p);
}

KilnModel *
kiln_pipeline_fit (KilnPipeline          *pipeline,
                   const KilnFitMonitor  *monitor,
                   GCancellable          *cancellable,
                   GError               **error)
{
  g_autoptr(KilnModel) model = NULL;

  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  model = kiln_model_new (pipeline->model_name, &pipeline->model_options, error);
  if (model == NULL)
    return NULL;
  if (!kiln_model_fit (model, pipeline->train, pipeline->val, monitor, cancellable, error))
    return NULL;
  return g_steal_pointer (&model);
}

KilnEvaluation *
kiln_pipeline_evaluate (KilnPipeline  *pipeline,
                        KilnModel     *model,
                        GError       **error)
{
  const KilnDataset *test;
  g_autofree double *out = NULL;
  guint width;

  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  test = pipeline->test;
  if (kiln_model_get_n_features (model) != kiln_dataset_get_width (test)
      || kiln_model_get_task (model) != pipeline->task)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_OPTIONS,
                   _("The model was not trained by this pipeline"));
      return NULL;
    }
  width = kiln_model_get_n_outputs (model);
  out = g_new (double, (gsize) MAX (test->n_rows, 1) * width);
  kiln_model_predict (model, test, out);
  if (pipeline->task == KILN_TASK_CLASSIFICATION)
    {
      guint n_classes;
      const char * const *classes = kiln_recipe_get_classes (pipeline->recipe, &n_classes);
      return kiln_evaluation_new_classification (classes, n_classes, test->y_class, out,
                                                 test->n_rows, pipeline->test_rows);
    }
  return kiln_evaluation_new_regression (test->y_value, out, test->n_rows, pipeline->test_rows);
}

static JsonNode *
options_to_json (KilnPipeline *p)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, p->model_name);
  json_builder_set_member_name (b, "split");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "train");
  json_builder_add_double_value (b, p->split.train);
  json_builder_set_member_name (b, "validation");
  json_builder_add_double_value (b, p->split.validation);
  json_builder_set_member_name (b, "test");
  json_builder_add_double_value (b, p->split.test);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "stratify");
  json_builder_add_boolean_value (b, p->stratify);
  json_builder_set_member_name (b, "split_by");
  if (p->split_by)
    json_builder_add_string_value (b, p->split_by);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "test_file");
  if (p->test_path)
    {
      g_autofree char *base = g_path_get_basename (p->test_path);
      json_builder_add_string_value (b, base);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "train_rows");
  json_builder_add_int_value (b, p->train->n_rows);
  json_builder_set_member_name (b, "validation_rows");
  json_builder_add_int_value (b, p->val ? p->val->n_rows : 0);
  json_builder_set_member_name (b, "test_rows");
  json_builder_add_int_value (b, p->test->n_rows);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

KilnBundle *
kiln_pipeline_make_bundle (KilnPipeline    *pipeline,
                           KilnModel       *model,
                           KilnEvaluation  *evaluation,
                           GError         **error)
{
  g_autofree char *hash = NULL;
  g_autoptr(JsonNode) metrics = NULL;
  g_autoptr(JsonNode) options = NULL;
  KilnBundleInfo info = { 0 };

  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (pipeline->source_path)
    {
      hash = kiln_bundle_hash_file (pipeline->source_path, NULL, error);
      if (hash == NULL)
        return NULL;
    }
  if (evaluation)
    metrics = kiln_evaluation_metrics_to_json (evaluation);
  options = options_to_json (pipeline);
  info.source_name = pipeline->source_path;
  info.source_sha256 = hash;
  info.source_schema = pipeline->raw;
  info.metrics = metrics;
  info.options = options;
  info.seed = pipeline->seed;
  info.drift_rows = pipeline->train_rows;
  return kiln_bundle_new (pipeline->recipe, model, &info, error);
}

KilnTask
kiln_pipeline_get_task (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, KILN_TASK_CLASSIFICATION);
  return pipeline->task;
}

const char *
kiln_pipeline_get_model_name (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->model_name;
}

const KilnModelOptions *
kiln_pipeline_get_model_options (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return &pipeline->model_options;
}

KilnRecipe *
kiln_pipeline_get_recipe (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->recipe;
}

KilnPrepReport *
kiln_pipeline_get_report (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->report;
}

const char * const *
kiln_pipeline_get_classes (KilnPipeline *pipeline,
                           guint        *n_classes)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  if (pipeline->task != KILN_TASK_CLASSIFICATION)
    {
      if (n_classes)
        *n_classes = 0;
      return NULL;
    }
  return kiln_recipe_get_classes (pipeline->recipe, n_classes);
}

const KilnDataset *
kiln_pipeline_get_train (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->train;
}

const KilnDataset *
kiln_pipeline_get_validation (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->val;
}

const KilnDataset *
kiln_pipeline_get_test (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->test;
}

KilnFrame *
kiln_pipeline_get_train_rows (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->train_rows;
}

KilnFrame *
kiln_pipeline_get_validation_rows (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->val_rows;
}

KilnFrame *
kiln_pipeline_get_prepared_train (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->prepared;
}

KilnFrame *
kiln_pipeline_get_test_rows (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  return pipeline->test_rows;
}

double
kiln_pipeline_get_prep_seconds (KilnPipeline *pipeline)
{
  g_return_val_if_fail (pipeline != NULL, 0);
  return pipeline->prep_seconds;
}

void
kiln_pipeline_result_free (KilnPipelineResult *result)
{
  if (result == NULL)
    return;
  kiln_pipeline_result_clear (result);
  g_free (result);
}

void
kiln_pipeline_result_clear (KilnPipelineResult *result)
{
  g_return_if_fail (result != NULL);
  g_clear_pointer (&result->pipeline, kiln_pipeline_unref);
  g_clear_pointer (&result->model, kiln_model_unref);
  g_clear_pointer (&result->evaluation, kiln_evaluation_unref);
  g_clear_pointer (&result->bundle, kiln_bundle_unref);
  result->fit_seconds = 0;
}

gboolean
kiln_pipeline_run (KilnFrame                  *raw,
                   KilnFrame                  *test,
                   const KilnPipelineOptions  *options,
                   const KilnFitMonitor       *monitor,
                   GCancellable               *cancellable,
                   KilnPipelineResult         *result,
                   GError                    **error)
{
  gint64 t0;

  g_return_val_if_fail (raw != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (result, 0, sizeof *result);
  result->pipeline = kiln_pipeline_prepare (raw, test, options, cancellable, error);
  if (result->pipeline == NULL)
    goto fail;
  t0 = g_get_monotonic_time ();
  result->model = kiln_pipeline_fit (result->pipeline, monitor, cancellable, error);
  if (result->model == NULL)
    goto fail;
  result->fit_seconds = (g_get_monotonic_time () - t0) / 1e6
                        + kiln_pipeline_get_prep_seconds (result->pipeline);
  result->evaluation = kiln_pipeline_evaluate (result->pipeline, result->model, error);
  if (result->evaluation == NULL)
    goto fail;
  result->bundle = kiln_pipeline_make_bundle (result->pipeline, result->model,
                                              result->evaluation, error);
  if (result->bundle == NULL)
    goto fail;
  return TRUE;

fail:
  kiln_pipeline_result_clear (result);
  return FALSE;
}

gboolean
kiln_pipeline_resolve_task (KilnFrame                  *raw,
                            const KilnPipelineOptions  *options,
                            KilnTask                   *task,
                            GError                    **error)
{
  int tidx;

  g_return_val_if_fail (raw != NULL && options != NULL && task != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options->target == NULL || (tidx = kiln_frame_find_column (raw, options->target)) < 0)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET,
                   _("There is no column “%s”"), options->target ? options->target : "");
      return FALSE;
    }
  return infer_task (kiln_frame_get_column (raw, (guint) tidx), options, task, error);
}

gint32 *
kiln_pipeline_target_strata (KilnFrame *rows,
                             guint      column)
{
  KilnColumn *target;
  guint n;
  gint32 *strata;

  g_return_val_if_fail (rows != NULL, NULL);
  g_return_val_if_fail (column < kiln_frame_get_n_columns (rows), NULL);

  target = kiln_frame_get_column (rows, column);
  n = kiln_frame_get_n_rows (rows);
  strata = g_new (gint32, MAX (n, 1));
  for (guint r = 0; r < n; r++)
    {
      guint pr = kiln_frame_get_physical_row (rows, r);
      if (kiln_frame_is_missing (rows, column, r))
        strata[r] = -1;
      else if (kiln_column_is_coded (target))
        strata[r] = kiln_column_get_code (target, pr);
      else
        {
          /* Booleans and numbers: the value itself (numbers classified by distinct value;
           * a hash would do, the strata only need to group equal values). */
          double v = kiln_column_get_double (target, pr);
          strata[r] = (gint32) CLAMP (v, -1e9, 1e9);
        }
    }
  return strata;
}

typedef struct {
  KilnFrame                 *rows;
  const KilnPipelineOptions *options;
} PipelineCv;

static gboolean
pipeline_fold (guint           fold,
               const guint32  *train_rows,
               guint           n_train,
               const guint32  *test_rows,
               guint           n_test,
               double         *score,
               gpointer        user_data,
               GCancellable   *cancellable,
               GError        **error)
{
  PipelineCv *cv = user_data;
  g_autoptr(KilnFrame) train = kiln_frame_new_view (cv->rows, train_rows, n_train);
  g_autoptr(KilnFrame) test = kiln_frame_new_view (cv->rows, test_rows, n_test);
  g_autoptr(KilnPipeline) p = NULL;
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(KilnEvaluation) ev = NULL;
  KilnPipelineOptions options = *cv->options;
  const KilnMetrics *m;

  options.prep.split = (KilnSplitFractions) { 1.0, 0.0, 0.0 };
  options.source_path = NULL;
  if ((p = kiln_pipeline_prepare (train, test, &options, cancellable, error)) == NULL ||
      (model = kiln_pipeline_fit (p, NULL, cancellable, error)) == NULL ||
      (ev = kiln_pipeline_evaluate (p, model, error)) == NULL)
    return FALSE;
  m = kiln_evaluation_get_metrics (ev);
  *score = p->task == KILN_TASK_CLASSIFICATION ? m->accuracy : m->r2;
  return TRUE;
}

gboolean
kiln_pipeline_cross_validate (KilnFrame                  *raw,
                              const KilnPipelineOptions  *options,
                              guint                       k,
                              double                     *scores,
                              GCancellable               *cancellable,
                              GError                    **error)
{
  g_autoptr(KilnFrame) rows = NULL;
  g_autofree gint32 *strata = NULL;
  g_autofree double *s = NULL;
  PipelineCv cv;
  KilnColumn *target;
  KilnTask task;
  guint n;
  int tidx;

  g_return_val_if_fail (raw != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (scores != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options->target == NULL || (tidx = kiln_frame_find_column (raw, options->target)) < 0)
    {
      g_set_error (error, KILN_PIPELINE_ERROR, KILN_PIPELINE_ERROR_TARGET,
                   _("There is no column “%s”"), options->target ? options->target : "");
      return FALSE;
    }
  target = kiln_frame_get_column (raw, (guint) tidx);
  if (!infer_task (target, options, &task, error))
    return FALSE;

  /* Rows without a target can be neither learned from nor scored. */
  rows = rows_with_value (raw, (guint) tidx);
  n = kiln_frame_get_n_rows (rows);
  cv.rows = rows;
  cv.options = options;
  if (options->prep.split_by != NULL)
    {
      /* in time order: forward-chaining folds, never trained on rows later than they score */
      g_autofree guint32 *order = NULL;
      int time_column;
      guint n_ordered;

      if (!kiln_split_find_time_column (rows, options->prep.split_by, &time_column, error))
        return FALSE;
      order = kiln_split_time_order (rows, time_column, -1, &n_ordered);
      s = kiln_cross_validate_forward (n, k, order, pipeline_fold, &cv, cancellable, error);
    }
  else
    {
      if (task == KILN_TASK_CLASSIFICATION && options->prep.stratify)
        strata = kiln_pipeline_target_strata (rows, (guint) tidx);
      s = kiln_cross_validate (n, k, strata, options->prep.seed, pipeline_fold, &cv, cancellable,
                               error);
    }
  if (s == NULL)
    return FALSE;
  memcpy (scores, s, sizeof (double) * k);
  return TRUE;
}
