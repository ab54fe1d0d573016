/* kiln-cli-train.c: `kiln-cli train`: load, prepare, train, evaluate, optionally save a bundle.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kiln-cli.h"
#include "kiln-pipeline-job.h"
#include "kiln-train-checks.h"

/* The model options every family offers, as flags (--max-depth N, --hidden 64,32, ...): one per
 * distinct option name (or alias) of the registry, parsed into the chosen family's option of
 * that name (families may give one name to different fields: gbt's --max-depth is its own); an
 * option the family does not have is accepted and ignored. */
#define MAX_MODEL_FLAGS 32

typedef struct {
  const char            *flag;
  const KilnModelOption *option;   /* the first family's of that name */
  char                  *value;
} ModelFlag;

typedef struct {
  char     *target;
  char     *task;
  char     *model;
  char     *split;
  gboolean  no_stratify;
  char     *test;
  char     *seed;
  char     *out;
  char     *predictions;
  gboolean  json;
  ModelFlag flags[MAX_MODEL_FLAGS];
  guint     n_flags;
} TrainArgs;

static void
train_args_clear (TrainArgs *a)
{
  g_free (a->target);
  g_free (a->task);
  g_free (a->model);
  g_free (a->split);
  g_free (a->test);
  g_free (a->seed);
  g_free (a->out);
  g_free (a->predictions);
  for (guint i = 0; i < a->n_flags; i++)
    g_free (a->flags[i].value);
}

/* One entry per distinct option name of the registry, in registry order; @entries has room for
 * MAX_MODEL_FLAGS + 1 (a terminator). */
static void
model_flag_entries (TrainArgs *a, GOptionEntry *entries)
{
  guint n_classes;
  const KilnModelClass * const *classes = kiln_model_list_classes (&n_classes);

  for (guint c = 0; c < n_classes; c++)
    for (guint o = 0; classes[c]->options && classes[c]->options[o]; o++)
      for (guint k = 0; k < 2; k++)
        {
          const KilnModelOption *opt = classes[c]->options[o];
          const char *flag = k == 0 ? opt->name : opt->alias;
          gboolean seen = FALSE;

          if (flag == NULL)
            continue;
          for (guint i = 0; i < a->n_flags && !seen; i++)
            seen = strcmp (a->flags[i].flag, flag) == 0;
          if (seen || a->n_flags == MAX_MODEL_FLAGS)
            continue;
          a->flags[a->n_flags].flag = flag;
          a->flags[a->n_flags].option = opt;
          entries[a->n_flags] = (GOptionEntry) { flag, 0, 0, G_OPTION_ARG_STRING,
                                                 &a->flags[a->n_flags].value, opt->title, opt->arg };
          a->n_flags++;
        }
  entries[a->n_flags] = (GOptionEntry) { NULL };
}

static void
add_double (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

/* The checks' leaks (a feature that is, or determines, the target) on stderr: the model would
 * score perfectly and learn nothing useful, which a script should hear about. */
static void
warn_leaks (KilnFrame                 *frame,
            const KilnPipelineOptions *options)
{
  int t = kiln_frame_find_column (frame, options->target);
  g_autoptr(GPtrArray) features = g_ptr_array_new ();
  g_autoptr(GPtrArray) checks = NULL;
  KilnTask task;

  if (t < 0)
    return;
  if (options->task_set)
    task = options->task;
  else
    task = kiln_column_get_column_type (kiln_frame_get_column (frame, (guint) t)) == KILN_COLUMN_NUMERIC
           ? KILN_TASK_REGRESSION : KILN_TASK_CLASSIFICATION;
  for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
    {
      const char *name = kiln_column_get_name (kiln_frame_get_column (frame, c));
      if ((int) c != t && !g_strv_contains ((const char * const *) options->prep.dropped, name))
        g_ptr_array_add (features, (gpointer) name);
    }
  g_ptr_array_add (features, NULL);
  checks = kiln_train_checks_run (frame, options->target, task, NULL,
                                  (const char * const *) features->pdata);
  for (guint i = 0; i < checks->len; i++)
    {
      KilnTrainCheck *check = checks->pdata[i];
      if (check->kind == KILN_TRAIN_CHECK_LEAK)
        kiln_cli_error (_("warning: %s"), check->message);
    }
}

JsonNode *
kiln_cli_train_result_to_json (KilnPipelineResult *r,
                               double              seconds)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const KilnDataset *val = kiln_pipeline_get_validation (r->pipeline);
  const char * const *classes;
  guint n_classes = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, kiln_task_to_string (kiln_pipeline_get_task (r->pipeline)));
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, kiln_pipeline_get_model_name (r->pipeline));
  json_builder_set_member_name (b, "classes");
  classes = kiln_pipeline_get_classes (r->pipeline, &n_classes);
  if (classes)
    {
      json_builder_begin_array (b);
      for (guint c = 0; c < n_classes; c++)
        json_builder_add_string_value (b, classes[c]);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "train_rows");
  json_builder_add_int_value (b, kiln_pipeline_get_train (r->pipeline)->n_rows);
  json_builder_set_member_name (b, "validation_rows");
  json_builder_add_int_value (b, val ? val->n_rows : 0);
  json_builder_set_member_name (b, "test_rows");
  json_builder_add_int_value (b, kiln_pipeline_get_test (r->pipeline)->n_rows);
  json_builder_set_member_name (b, "metrics");
  json_builder_add_value (b, kiln_evaluation_metrics_to_json (r->evaluation));
  json_builder_set_member_name (b, "confusion_matrix");
  json_builder_add_value (b, kiln_evaluation_confusion_to_json (r->evaluation));
  add_double (b, "seconds", seconds);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_text (KilnPipelineResult *r, double seconds)
{
  const KilnMetrics *m = kiln_evaluation_get_metrics (r->evaluation);
  const KilnDataset *val = kiln_pipeline_get_validation (r->pipeline);
  KilnTask task = kiln_pipeline_get_task (r->pipeline);

  printf (_("%s, %s: %u training rows, %u validation rows, %u test rows (%.2f s)\n"),
          kiln_task_to_string (task), kiln_pipeline_get_model_name (r->pipeline),
          kiln_pipeline_get_train (r->pipeline)->n_rows, val ? val->n_rows : 0,
          kiln_pipeline_get_test (r->pipeline)->n_rows, seconds);
  if (task == KILN_TASK_CLASSIFICATION)
    {
      guint k;
      const char * const *classes = kiln_evaluation_get_classes (r->evaluation, &k);
      KilnConfusion *cm = kiln_evaluation_get_confusion (r->evaluation);

      printf (_("accuracy %.4f, macro F1 %.4f, log loss %.4f"), m->accuracy, m->macro_f1,
              m->log_loss);
      if (k == 2)
        printf (_(", ROC AUC %.4f"), m->roc_auc);
      printf ("\n\n%-16s %9s %9s %9s %9s\n", _("class"), _("precision"), _("recall"), _("F1"),
              _("support"));
      for (guint c = 0; c < k; c++)
        {
          double p, rc, f;
          guint s;
          kiln_evaluation_get_class_metrics (r->evaluation, c, &p, &rc, &f, &s);
          printf ("%-16s %9.4f %9.4f %9.4f %9u\n", classes[c], p, rc, f, s);
        }
      printf ("\n%s\n", _("Confusion matrix (rows: actual, columns: predicted)"));
      for (guint a = 0; a < k; a++)
        {
          printf ("%-16s", classes[a]);
          for (guint p = 0; p < k; p++)
            printf (" %6u", kiln_confusion_get_count (cm, a, p));
          printf ("\n");
        }
    }
  else
    printf (_("R² %.4f, RMSE %.6g, MAE %.6g\n"), m->r2, m->rmse, m->mae);
}

/* Runs the pipeline job and waits for it, printing epochs on a terminal. The result's members
 * move to @result. */
static gboolean
run_job (KilnFrame                 *frame,
         KilnFrame                 *test,
         const KilnPipelineOptions *options,
         gboolean                   bundle,
         gboolean                   show_epochs,
         KilnPipelineResult        *result,
         GError                   **error)
{
  g_autoptr(KilnTrainRun) run = kiln_pipeline_job_start (frame, test, options,
                                                         bundle ? KILN_PIPELINE_JOB_BUNDLE
                                                                : KILN_PIPELINE_JOB_DEFAULT,
                                                         1, NULL, NULL);
  KilnTrainEvent *event;
  gboolean ok = FALSE;

  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      if (event->kind == KILN_TRAIN_EVENT_EPOCH && show_epochs)
        {
          if (isnan (event->val_loss))
            fprintf (stderr, _("epoch %u: training loss %.5f\n"), event->epoch, event->train_loss);
          else
            fprintf (stderr, _("epoch %u: training loss %.5f, validation loss %.5f\n"),
                     event->epoch, event->train_loss, event->val_loss);
        }
      else if (event->kind == KILN_TRAIN_EVENT_FINISHED)
        {
          *result = *kiln_pipeline_job_get_result (event);
          memset (kiln_pipeline_job_get_result (event), 0, sizeof *result);
          ok = TRUE;
        }
      else if (event->kind == KILN_TRAIN_EVENT_FAILED)
        g_propagate_error (error, g_steal_pointer (&event->error));
      else if (event->kind == KILN_TRAIN_EVENT_CANCELLED)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Training was cancelled"));
      kiln_train_event_free (event);
    }
  return ok;
}

static gboolean
write_predictions (KilnPipelineResult *r, const char *path, GError **error)
{
  g_autoptr(KilnFrame) frame = kiln_bundle_predict_frame (r->bundle,
                                                          kiln_pipeline_get_test_rows (r->pipeline),
                                                          error);
  return frame != NULL && kiln_csv_write (frame, path, error);
}

int
kiln_cli_train (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("DATA.csv"));
  KilnPipelineOptions options;
  GOptionGroup *group = g_option_group_new ("train", NULL, NULL, &options.prep, NULL);
  KilnCliImport import = { 0 };
  TrainArgs a = { 0 };
  GOptionEntry model_entries[MAX_MODEL_FLAGS + 1];
  const GOptionEntry entries[] = {
    { "target", 0, 0, G_OPTION_ARG_STRING, &a.target, N_("The column to predict"), N_("COL") },
    { "task", 0, 0, G_OPTION_ARG_STRING, &a.task,
      N_("classification or regression (default: from the target's type)"), N_("TASK") },
    { "model", 0, 0, G_OPTION_ARG_STRING, &a.model,
      N_("logreg, linear, ridge, mlp, tree, forest, gbt, knn or nb (default: forest)"), N_("NAME") },
    { "split", 0, 0, G_OPTION_ARG_STRING, &a.split,
      N_("Train:validation:test fractions (default 0.8:0:0.2)"), N_("TRAIN:VAL:TEST") },
    { "no-stratify", 0, 0, G_OPTION_ARG_NONE, &a.no_stratify,
      N_("Do not keep the class proportions in every split"), NULL },
    { "test", 0, 0, G_OPTION_ARG_FILENAME, &a.test,
      N_("Score on this file instead of a test split of DATA.csv"), N_("TEST.csv") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a.seed, N_("Random seed (default 42)"), N_("N") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &a.out, N_("Save the model bundle here"),
      N_("MODEL.kiln") },
    { "predictions", 0, 0, G_OPTION_ARG_FILENAME, &a.predictions,
      N_("Write the test rows with their predictions to this CSV"), N_("PRED.csv") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &a.json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnFrame) test = NULL;
  g_autoptr(GError) error = NULL;
  KilnPipelineResult result = { 0 };
  const KilnModelClass *klass;
  gint64 t0 = g_get_monotonic_time ();
  int status = KILN_CLI_EXIT_USAGE;

  g_option_context_set_summary (context, _("Trains a model on a CSV and scores it on a test split."));
  g_option_group_add_entries (group, entries);
  model_flag_entries (&a, model_entries);
  g_option_group_add_entries (group, model_entries);
  kiln_pipeline_options_init (&options, NULL, NULL);
  kiln_prep_settings_add_entries (group);
  kiln_cli_split_add_entries (group);
  kiln_cli_import_add_entries (group, &import);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    goto out;
  if (argc != 2)
    {
      kiln_cli_error (_("train takes one CSV file"));
      goto out;
    }
  if (a.target == NULL)
    {
      kiln_cli_error (_("train needs --target COL"));
      goto out;
    }

  options.target = a.target;
  if (a.model)
    options.model = a.model;
  if (a.task)
    {
      if (!kiln_task_from_string (a.task, &options.task))
        {
          kiln_cli_error (_("--task is classification or regression, not “%s”"), a.task);
          goto out;
        }
      options.task_set = TRUE;
    }
  klass = kiln_model_lookup_class (options.model);
  if (klass == NULL)
    {
      g_autofree char *names = kiln_model_list_names ();
      kiln_cli_error (_("There is no model called “%s” (available: %s)"), options.model, names);
      goto out;
    }
  if (a.split && !kiln_split_parse_fractions (a.split, &options.prep.split, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  options.prep.stratify = !a.no_stratify;
  if (a.seed && !g_ascii_string_to_unsigned (a.seed, 10, 0, G_MAXUINT64, &options.prep.seed, &error))
    {
      kiln_cli_error (_("--seed: %s"), error->message);
      goto out;
    }
  for (guint i = 0; i < a.n_flags; i++)
    {
      const KilnModelOption *opt;

      if (a.flags[i].value == NULL)
        continue;
      opt = kiln_model_class_find_option (klass, a.flags[i].flag);
      if (!kiln_model_option_parse (opt != NULL ? opt : a.flags[i].option, a.flags[i].value,
                                    &options.model_options, &error))
        {
          kiln_cli_error ("%s", error->message);
          goto out;
        }
    }
  {
    /* the flags' recipe checked now, so a nonsense combination is a usage error */
    g_autoptr(KilnRecipe) recipe = kiln_prep_settings_to_recipe (&options.prep, a.target,
                                                                 klass->needs_scaling,
                                                                 klass->accepts_missing, &error);
    if (recipe == NULL)
      {
        kiln_cli_error ("%s", error->message);
        goto out;
      }
  }
  options.source_path = argv[1];
  options.test_path = a.test;

  status = KILN_CLI_EXIT_ERROR;
  frame = kiln_cli_load (argv[1], &import, NULL);
  if (frame == NULL)
    goto out;
  if (a.test)
    {
      test = kiln_cli_load (a.test, &import, NULL);
      if (test == NULL)
        goto out;
    }

  warn_leaks (frame, &options);
  if (!run_job (frame, test, &options, a.out != NULL || a.predictions != NULL,
                !a.json && isatty (fileno (stderr)), &result, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  if (a.out && !kiln_bundle_save (result.bundle, a.out, NULL, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  if (a.predictions && !write_predictions (&result, a.predictions, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }

  if (a.json)
    {
      g_autoptr(JsonNode) root = kiln_cli_train_result_to_json (&result,
                                                                (g_get_monotonic_time () - t0) / 1e6);
      kiln_cli_print_json (root);
    }
  else
    print_text (&result, (g_get_monotonic_time () - t0) / 1e6);
  status = KILN_CLI_EXIT_OK;

out:
  kiln_pipeline_result_clear (&result);
  kiln_pipeline_options_clear (&options);
  kiln_cli_import_clear (&import);
  train_args_clear (&a);
  return status;
}
