/* kiln-cli-compare.c: `kiln-cli compare`: every model family cross-validated on the training
 * split, a leaderboard, and the best one trained on the whole training split and scored on the
 * test split (or --test file), optionally saved.
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

#include "kiln-atomic-file.h"
#include "kiln-cli.h"
#include "kiln-compare-job.h"

typedef struct {
  char     *target;
  char     *task;
  char     *folds;
  char     *split;
  gboolean  no_stratify;
  char     *test;
  char     *seed;
  char     *out;
  char     *folds_csv;
  char     *models;
  gboolean  json;
} CompareArgs;

static void
compare_args_clear (CompareArgs *a)
{
  g_free (a->target);
  g_free (a->task);
  g_free (a->folds);
  g_free (a->split);
  g_free (a->test);
  g_free (a->seed);
  g_free (a->out);
  g_free (a->folds_csv);
  g_free (a->models);
}

static char *
trial_title (const KilnCompareTrial *t)
{
  g_autofree char *settings = kiln_compare_trial_describe (t);
  return g_strdup_printf ("%s (%s)", t->family, settings);
}

/* Runs the comparison job and waits for it; progress on a terminal. */
static KilnCompare *
run_compare (KilnFrame                 *frame,
             KilnFrame                 *test,
             const KilnPipelineOptions *options,
             guint                      k,
             const char * const        *families,
             gboolean                   show_progress,
             GError                   **error)
{
  g_autoptr(KilnTrainRun) run = kiln_compare_job_start (frame, test, options, k, families, 1,
                                                        NULL, NULL);
  KilnCompare *compare = NULL;
  KilnTrainEvent *event;

  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      const KilnCompareProgress *progress = kiln_compare_job_get_progress (event);

      if (progress != NULL && show_progress)
        {
          g_autofree char *title = trial_title (progress->trial);
          fprintf (stderr, _("[%u/%u] %s\n"), progress->done, progress->total, title);
        }
      else if (event->kind == KILN_TRAIN_EVENT_FINISHED)
        compare = kiln_compare_ref (kiln_compare_job_get_compare (event));
      else if (event->kind == KILN_TRAIN_EVENT_FAILED)
        g_propagate_error (error, g_steal_pointer (&event->error));
      else if (event->kind == KILN_TRAIN_EVENT_CANCELLED)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The comparison was cancelled"));
      kiln_train_event_free (event);
    }
  return compare;
}

/* "row,fold" for every training row (rows counted from 0, the header not counted); with
 * forward-chaining folds (--split-by-time) "fold" is the row's block in time, 0 .. k. */
static gboolean
write_folds (KilnCompare *compare, const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GOutputStream) stream = NULL;
  g_autoptr(GString) text = g_string_new ("row,fold\n");
  const guint32 *rows;
  const guint *folds;

  kiln_compare_get_folds (compare, &rows, &folds);
  for (guint r = 0; r < kiln_compare_get_n_rows (compare); r++)
    g_string_append_printf (text, "%u,%u\n", rows[r], folds[r]);
  stream = kiln_atomic_file_create (file, NULL, error);
  if (stream == NULL)
    return FALSE;
  if (!g_output_stream_write_all (stream, text->str, text->len, NULL, NULL, error))
    {
      kiln_atomic_file_abort (stream);
      return FALSE;
    }
  return g_output_stream_close (stream, NULL, error);
}

static void
print_text (KilnCompare *compare, KilnPipelineResult *best, double seconds)
{
  gboolean cls = kiln_compare_get_task (compare) == KILN_TASK_CLASSIFICATION;
  const char *metric = cls ? _("accuracy") : _("R²");
  const char *second = cls ? _("macro F1") : _("RMSE");
  const KilnMetrics *m = kiln_evaluation_get_metrics (best->evaluation);
  const guint *board;
  guint n_board, n_not_run = 0;

  board = kiln_compare_get_leaderboard (compare, &n_board);
  if (kiln_compare_is_forward (compare))
    printf (_("Cross-validation in time order, %u forward-chaining folds, on %u training rows "
              "(%.2f s)\n"), kiln_compare_get_n_folds (compare), kiln_compare_get_n_rows (compare),
            seconds);
  else
    printf (_("%u-fold cross-validation on %u training rows (%.2f s)\n"),
            kiln_compare_get_n_folds (compare), kiln_compare_get_n_rows (compare), seconds);
  if (kiln_compare_get_note (compare))
    printf ("%s\n", kiln_compare_get_note (compare));
  printf ("\n%4s  %-36s %17s %17s %9s %8s\n", "#", _("model"), metric, second, _("s/fold"),
          _("P(#1 better)"));
  for (guint i = 0; i < n_board; i++)
    {
      const KilnCompareTrial *t = kiln_compare_get_trial (compare, board[i]);
      g_autofree char *title = trial_title (t);
      g_autofree char *p = isnan (t->p_top) ? g_strdup ("") : g_strdup_printf ("%.2f", t->p_top);

      printf ("%4u  %-36s %8.4f ± %6.4f %8.4g ± %6.3g %9.4f %8s\n", i + 1, title, t->mean, t->std,
              t->second_mean, t->second_std, t->seconds_mean, p);
    }
  for (guint i = 0; i < kiln_compare_get_n_trials (compare); i++)
    {
      const KilnCompareTrial *t = kiln_compare_get_trial (compare, i);
      g_autofree char *title = NULL;

      if (t->status == KILN_COMPARE_DONE)
        continue;
      if (n_not_run++ == 0)
        printf ("\n%s\n", _("Not run:"));
      title = trial_title (t);
      printf ("  %s: %s\n", title, t->reason ? t->reason : _("not run"));
    }
  {
    g_autofree char *title = trial_title (kiln_compare_get_trial (compare,
                                                                  kiln_compare_get_best (compare)));
    printf ("\n");
    if (cls)
      printf (_("Best: %s; on the %u test rows: accuracy %.4f, macro F1 %.4f\n"), title,
              kiln_pipeline_get_test (best->pipeline)->n_rows, m->accuracy, m->macro_f1);
    else
      printf (_("Best: %s; on the %u test rows: R² %.4f, RMSE %.6g\n"), title,
              kiln_pipeline_get_test (best->pipeline)->n_rows, m->r2, m->rmse);
  }
}

int
kiln_cli_compare (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("DATA.csv"));
  KilnPipelineOptions options;
  GOptionGroup *group = g_option_group_new ("compare", NULL, NULL, &options.prep, NULL);
  KilnCliImport import = { 0 };
  CompareArgs a = { 0 };
  const GOptionEntry entries[] = {
    { "target", 0, 0, G_OPTION_ARG_STRING, &a.target, N_("The column to predict"), N_("COL") },
    { "task", 0, 0, G_OPTION_ARG_STRING, &a.task,
      N_("classification or regression (default: from the target's type)"), N_("TASK") },
    { "folds", 0, 0, G_OPTION_ARG_STRING, &a.folds,
      N_("Cross-validation folds (default 5)"), N_("K") },
    { "split", 0, 0, G_OPTION_ARG_STRING, &a.split,
      N_("Train:validation:test fractions (default 0.8:0:0.2)"), N_("TRAIN:VAL:TEST") },
    { "no-stratify", 0, 0, G_OPTION_ARG_NONE, &a.no_stratify,
      N_("Do not keep the class proportions in every split and fold"), NULL },
    { "test", 0, 0, G_OPTION_ARG_FILENAME, &a.test,
      N_("Score the best model on this file instead of a test split of DATA.csv"),
      N_("TEST.csv") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a.seed, N_("Random seed (default 42)"), N_("N") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &a.out, N_("Save the best model’s bundle here"),
      N_("MODEL.kiln") },
    { "folds-csv", 0, 0, G_OPTION_ARG_FILENAME, &a.folds_csv,
      N_("Write each training row’s fold to this CSV (row,fold)"), N_("FOLDS.csv") },
    { "models", 0, 0, G_OPTION_ARG_STRING, &a.models,
      N_("Compare only these families (default: all)"), N_("logreg,knn,…") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &a.json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnFrame) test = NULL;
  g_autoptr(KilnCompare) compare = NULL;
  g_auto(GStrv) families = NULL;
  g_autoptr(GError) error = NULL;
  KilnPipelineResult result = { 0 };
  guint64 k = 5;
  gint64 t0 = g_get_monotonic_time ();
  double compare_seconds;
  int status = KILN_CLI_EXIT_USAGE;
  int best;

  g_option_context_set_summary (context,
                                _("Cross-validates every model family on the training split, "
                                  "ranks them, and scores the best on the test split."));
  g_option_group_add_entries (group, entries);
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
      kiln_cli_error (_("compare takes one CSV file"));
      goto out;
    }
  if (a.target == NULL)
    {
      kiln_cli_error (_("compare needs --target COL"));
      goto out;
    }
  options.target = a.target;
  if (a.task)
    {
      if (!kiln_task_from_string (a.task, &options.task))
        {
          kiln_cli_error (_("--task is classification or regression, not “%s”"), a.task);
          goto out;
        }
      options.task_set = TRUE;
    }
  if (a.folds && !g_ascii_string_to_unsigned (a.folds, 10, 2, 100, &k, &error))
    {
      kiln_cli_error (_("--folds: %s"), error->message);
      goto out;
    }
  if (a.split && !kiln_split_parse_fractions (a.split, &options.prep.split, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  options.prep.stratify = !a.no_stratify;
  if (a.models)
    {
      families = g_strsplit (a.models, ",", -1);
      for (guint i = 0; families[i]; i++)
        {
          g_strstrip (families[i]);
          if (kiln_model_lookup_class (families[i]) == NULL)
            {
              g_autofree char *names = kiln_model_list_names ();
              kiln_cli_error (_("There is no model called “%s” (available: %s)"), families[i], names);
              goto out;
            }
        }
    }
  if (a.seed && !g_ascii_string_to_unsigned (a.seed, 10, 0, G_MAXUINT64, &options.prep.seed, &error))
    {
      kiln_cli_error (_("--seed: %s"), error->message);
      goto out;
    }
  {
    /* the flags' recipe checked now, so a nonsense combination is a usage error */
    g_autoptr(KilnRecipe) recipe = kiln_prep_settings_to_recipe (&options.prep, a.target, TRUE,
                                                                 FALSE, &error);
    if (recipe == NULL)
      {
        kiln_cli_error ("%s", error->message);
        goto out;
      }
  }
  if (a.out && (kiln_cli_same_file (a.out, argv[1]) || (a.test && kiln_cli_same_file (a.out, a.test))))
    {
      kiln_cli_error (_("--out would overwrite an input file"));
      goto out;
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

  compare = run_compare (frame, test, &options, (guint) k, (const char * const *) families,
                         !a.json && isatty (fileno (stderr)), &error);
  if (compare == NULL)
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  compare_seconds = (g_get_monotonic_time () - t0) / 1e6;
  if (a.folds_csv && !write_folds (compare, a.folds_csv, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  best = kiln_compare_get_best (compare);
  if (best < 0)
    {
      /* every family failed or was skipped: the first reason says the most */
      const KilnCompareTrial *why = NULL;
      for (guint i = 0; i < kiln_compare_get_n_trials (compare) && why == NULL; i++)
        if (kiln_compare_get_trial (compare, i)->status == KILN_COMPARE_FAILED)
          why = kiln_compare_get_trial (compare, i);
      for (guint i = 0; i < kiln_compare_get_n_trials (compare) && why == NULL; i++)
        if (kiln_compare_get_trial (compare, i)->reason != NULL)
          why = kiln_compare_get_trial (compare, i);
      kiln_cli_error (_("No model could be trained on this data (%s: %s)"),
                      why ? why->family : "", why && why->reason ? why->reason : "");
      goto out;
    }

  /* The best one, trained on the whole training split and scored on the test rows. */
  {
    gint64 t1 = g_get_monotonic_time ();
    kiln_compare_apply_trial (compare, (guint) best, &options);
    if (!kiln_pipeline_run (frame, test, &options, NULL, NULL, &result, &error))
      {
        kiln_cli_error ("%s", error->message);
        goto out;
      }
    result.fit_seconds = (g_get_monotonic_time () - t1) / 1e6;
  }
  if (a.out && !kiln_bundle_save (result.bundle, a.out, NULL, &error))
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }

  if (a.json)
    {
      g_autoptr(JsonNode) root = kiln_compare_to_json (compare);
      JsonObject *o = json_node_get_object (root);

      json_object_set_member (o, "test", kiln_cli_train_result_to_json (&result,
                                                                         result.fit_seconds));
      json_object_set_double_member (o, "seconds", compare_seconds);
      kiln_cli_print_json (root);
    }
  else
    print_text (compare, &result, compare_seconds);
  status = KILN_CLI_EXIT_OK;

out:
  kiln_pipeline_result_clear (&result);
  kiln_pipeline_options_clear (&options);
  kiln_cli_import_clear (&import);
  compare_args_clear (&a);
  return status;
}
