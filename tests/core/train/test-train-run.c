/* test-train-run.c: the training worker, driven the way the CLI (blocking pop) and the GUI (a
 * GMainLoop woken by the worker) drive it. Also run under ThreadSanitizer (suite 'worker').
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-train-run"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-model.h"
#include "kiln-rng.h"
#include "kiln-train-run.h"

static KilnDataset *
make_blobs (guint   n,
            guint   d,
            guint   k,
            double  sep,
            guint64 seed)
{
  KilnDataset *data = kiln_dataset_new (n, d, KILN_TASK_CLASSIFICATION, k);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      guint c = i % k;
      data->y_class[i] = c;
      for (guint j = 0; j < d; j++)
        data->x[(gsize) i * d + j] = (float) (kiln_rng_normal (&rng) + (j == c % d ? sep : 0.0));
    }
  return data;
}

static KilnDataset *
make_regression (guint   n,
                 guint   d,
                 guint64 seed)
{
  KilnDataset *data = kiln_dataset_new (n, d, KILN_TASK_REGRESSION, 0);
  KilnRng rng;

  kiln_rng_init (&rng, seed);
  for (guint i = 0; i < n; i++)
    {
      double y = 3.0;
      for (guint j = 0; j < d; j++)
        {
          float x = (float) kiln_rng_normal (&rng);
          data->x[(gsize) i * d + j] = x;
          y += (j + 1.0) * x;
        }
      data->y_value[i] = y + 0.1 * kiln_rng_normal (&rng);
    }
  return data;
}

static KilnModel *
new_mlp (guint epochs,
         guint patience)
{
  KilnModelOptions options;
  g_autoptr(GError) error = NULL;
  KilnModel *model;

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.epochs = epochs;
  options.patience = patience;
  options.batch_size = 32;
  model = kiln_model_new ("mlp", &options, &error);
  g_assert_no_error (error);
  return model;
}

/* ---- CLI style: block in pop ----------------------------------------------------------------- */

static void
test_blocking (void)
{
  g_autoptr(KilnModel) model = new_mlp (12, 100);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnTrainRun) run = kiln_train_run_start (model, make_blobs (600, 4, 3, 2.0, 1),
                                                      make_blobs (200, 4, 3, 2.0, 2),
                                                      7, NULL, NULL, &error);
  KilnTrainEvent *event;
  guint n_events = 0, last_epoch = 0;
  double last_elapsed = 0.0;
  gboolean finished = FALSE;

  g_assert_no_error (error);
  g_assert_nonnull (run);
  g_assert_cmpuint (kiln_train_run_get_id (run), ==, 7);
  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      g_assert_cmpuint (event->run_id, ==, 7);
      g_assert_cmpfloat (event->elapsed, >=, last_elapsed);
      last_elapsed = event->elapsed;
      if (n_events == 0)
        g_assert_cmpint (event->kind, ==, KILN_TRAIN_EVENT_STARTED);
      else if (event->kind == KILN_TRAIN_EVENT_EPOCH)
        {
          g_assert_false (finished);
          g_assert_cmpuint (event->epoch, ==, last_epoch + 1);
          last_epoch = event->epoch;
          g_assert_true (isfinite (event->train_loss));
          g_assert_true (isfinite (event->val_loss));
          g_assert_true (event->val_metric >= 0.0f && event->val_metric <= 1.0f);
          g_assert_cmpfloat_with_epsilon (event->fraction, event->epoch / 12.0, 1e-9);
          g_assert_null (event->model);
        }
      else
        {
          g_assert_cmpint (event->kind, ==, KILN_TRAIN_EVENT_FINISHED);
          g_assert_true (kiln_train_event_is_terminal (event));
          g_assert_true (event->model == model);
          g_assert_true (kiln_model_is_fitted (event->model));
          finished = TRUE;
        }
      n_events++;
      kiln_train_event_free (event);
    }
  g_assert_true (finished);
  g_assert_cmpuint (last_epoch, ==, 12);
  g_assert_cmpuint (n_events, ==, 14);
  g_assert_true (kiln_train_run_is_done (run));
  /* nothing after the terminal event */
  g_assert_null (kiln_train_run_pop (run));
  g_assert_null (kiln_train_run_try_pop (run));
}

/* ---- GUI style: a main loop, woken by the worker --------------------------------------------- */

typedef struct {
  GMainLoop     *loop;
  GThread       *main_thread;
  guint          current_run;    /* the UI's stale-run guard */
  KilnTrainRun  *runs[2];
  guint          wakes;
  guint          events[2];      /* events seen per run (index = run_id - 1) */
  gboolean       ended[2];       /* terminal event seen per run */
  guint          stale_skipped;
  guint          epochs;
  guint          cancel_at;      /* cancel the current run at this epoch (0: never) */
  guint          epochs_after_cancel;
  gboolean       cancel_sent;
  gint64         cancel_time;    /* monotonic, when the UI cancelled */
  gint64         run_started[2]; /* monotonic, just before each run was started */
  double         best_val_loss;
  KilnTrainEvent *terminal;      /* the current run's */
} Ui;

static void
drain (KilnTrainRun *run,
       gpointer      user_data)
{
  Ui *ui = user_data;
  KilnTrainEvent *event;

  g_assert_true (g_thread_self () == ui->main_thread);
  ui->wakes++;
  while ((event = kiln_train_run_try_pop (run)) != NULL)
    {
      g_assert_cmpuint (event->run_id, >=, 1);
      g_assert_cmpuint (event->run_id, <=, 2);
      ui->events[event->run_id - 1]++;
      if (kiln_train_event_is_terminal (event))
        ui->ended[event->run_id - 1] = TRUE;
      if (event->run_id != ui->current_run)
        {
          ui->stale_skipped++;
          kiln_train_event_free (event);
          continue;
        }
      switch (event->kind)
        {
        case KILN_TRAIN_EVENT_STARTED:
          g_assert_cmpuint (ui->events[event->run_id - 1], ==, 1);
          break;
        case KILN_TRAIN_EVENT_EPOCH:
          g_assert_cmpuint (event->epoch, ==, ui->epochs + 1);
          ui->epochs = event->epoch;
          /* epochs that ended after the cancel: the worker's clock starts after run_started, so
           * run_started + elapsed is no later than the epoch's end. Epochs that had ended and
           * waited in the queue while the UI was busy (a loaded machine) do not count. */
          if (ui->cancel_sent &&
              ui->run_started[ui->current_run - 1] + (gint64) (event->elapsed * G_USEC_PER_SEC) >
                ui->cancel_time)
            ui->epochs_after_cancel++;
          if (event->best)
            {
              g_assert_cmpfloat (event->val_loss, <, ui->best_val_loss);
              ui->best_val_loss = event->val_loss;
            }
          if (ui->cancel_at != 0 && event->epoch >= ui->cancel_at && !ui->cancel_sent)
            {
              ui->cancel_time = g_get_monotonic_time ();
              kiln_train_run_cancel (ui->runs[ui->current_run - 1]);
              ui->cancel_sent = TRUE;
            }
          break;
        case KILN_TRAIN_EVENT_PROGRESS:
          break;
        case KILN_TRAIN_EVENT_FINISHED:
        case KILN_TRAIN_EVENT_FAILED:
        case KILN_TRAIN_EVENT_CANCELLED:
          g_assert_null (ui->terminal);
          ui->terminal = event;
          g_main_loop_quit (ui->loop);
          continue;
        default:
          g_assert_not_reached ();
        }
      kiln_train_event_free (event);
    }
}

static void
ui_init (Ui *ui)
{
  memset (ui, 0, sizeof *ui);
  ui->loop = g_main_loop_new (NULL, FALSE);
  ui->main_thread = g_thread_self ();
  ui->best_val_loss = INFINITY;
}

static void
ui_clear (Ui *ui)
{
  g_clear_pointer (&ui->terminal, kiln_train_event_free);
  g_main_loop_unref (ui->loop);
}

/* Mean log-loss of @model on @data. */
static double
log_loss (KilnModel         *model,
          const KilnDataset *data)
{
  guint k = data->n_classes;
  g_autofree double *p = g_new (double, (gsize) data->n_rows * k);
  double loss = 0.0;

  kiln_model_predict (model, data, p);
  for (guint i = 0; i < data->n_rows; i++)
    loss -= log (p[(gsize) i * k + data->y_class[i]]);
  return loss / data->n_rows;
}

static void
test_main_loop (void)
{
  Ui ui;
  g_autoptr(KilnModel) model = new_mlp (40, 100);
  g_autoptr(GError) error = NULL;
  KilnTrainRun *run;

  ui_init (&ui);
  ui.current_run = 1;
  run = kiln_train_run_start (model, make_blobs (2000, 6, 4, 1.0, 3), make_blobs (300, 6, 4, 1.0, 4),
                              1, drain, &ui, &error);
  g_assert_no_error (error);
  ui.runs[0] = run;
  g_main_loop_run (ui.loop);

  g_assert_nonnull (ui.terminal);
  g_assert_cmpint (ui.terminal->kind, ==, KILN_TRAIN_EVENT_FINISHED);
  g_assert_cmpuint (ui.epochs, ==, 40);
  g_assert_cmpuint (ui.events[0], ==, 42);
  /* coalesced: never more wakes than events */
  g_assert_cmpuint (ui.wakes, <=, ui.events[0]);
  g_test_message ("%u events, %u wakes", ui.events[0], ui.wakes);
  /* Let any wake still queued run (it finds nothing), then drop the run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  kiln_train_run_unref (run);
  ui_clear (&ui);
}

/* A first run is cancelled and replaced by a second: the first's events are stale. The second is
 * cancelled at epoch 3 and hands back its best epoch. */
static void
test_cancel_and_stale_runs (void)
{
  Ui ui;
  g_autoptr(KilnModel) first = new_mlp (1000, 1000);
  g_autoptr(KilnModel) second = new_mlp (1000, 1000);
  g_autoptr(GError) error = NULL;
  KilnDataset *val = make_blobs (300, 6, 4, 1.0, 6);
  g_autoptr(KilnDataset) val_copy = NULL;
  guint32 all[300];

  for (guint i = 0; i < 300; i++)
    all[i] = i;
  val_copy = kiln_dataset_new_rows (val, all, 300);

  ui_init (&ui);
  ui.current_run = 1;
  ui.runs[0] = kiln_train_run_start (first, make_blobs (3000, 6, 4, 1.0, 5), make_blobs (300, 6, 4, 1.0, 6),
                                     1, drain, &ui, &error);
  g_assert_no_error (error);
  /* The user changes their mind at once: cancel, start another. */
  kiln_train_run_cancel (ui.runs[0]);
  ui.current_run = 2;
  ui.cancel_at = 3;
  ui.run_started[1] = g_get_monotonic_time ();
  ui.runs[1] = kiln_train_run_start (second, make_blobs (3000, 6, 4, 1.0, 5), val,
                                     2, drain, &ui, &error);
  g_assert_no_error (error);
  g_main_loop_run (ui.loop);

  g_assert_nonnull (ui.terminal);
  g_assert_cmpuint (ui.terminal->run_id, ==, 2);
  g_assert_cmpint (ui.terminal->kind, ==, KILN_TRAIN_EVENT_CANCELLED);
  /* honoured within one mini-batch: at most the epoch that was ending when cancel came */
  g_assert_cmpuint (ui.epochs_after_cancel, <=, 1);
  g_assert_cmpuint (ui.epochs, <, 10);
  /* the best snapshot, by validation loss */
  g_assert_nonnull (ui.terminal->model);
  g_assert_true (ui.terminal->model != second);
  g_assert_true (kiln_model_is_fitted (ui.terminal->model));
  g_assert_false (kiln_model_is_fitted (second));
  g_assert_cmpfloat_with_epsilon (log_loss (ui.terminal->model, val_copy), ui.best_val_loss, 1e-5);

  /* the first run ends too, woken like the second, and its events never reached the UI's state */
  while (!ui.ended[0])
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ui.events[0], >=, 2);   /* started + cancelled at least */
  g_assert_cmpuint (ui.stale_skipped, ==, ui.events[0]);
  g_assert_false (kiln_model_is_fitted (first));
  g_assert_true (kiln_train_run_is_done (ui.runs[0]));
  kiln_train_run_disconnect (ui.runs[0]);
  kiln_train_run_disconnect (ui.runs[1]);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  kiln_train_run_unref (ui.runs[0]);
  kiln_train_run_unref (ui.runs[1]);
  ui_clear (&ui);
}

/* ---- Other outcomes ------------------------------------------------------------------------ */

static KilnTrainEvent *
pop_terminal (KilnTrainRun *run,
              guint        *n_progress,
              double       *last_fraction)
{
  KilnTrainEvent *event;

  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      if (kiln_train_event_is_terminal (event))
        return event;
      if (event->kind == KILN_TRAIN_EVENT_PROGRESS)
        {
          g_assert_cmpfloat (event->fraction, >, *last_fraction);
          *last_fraction = event->fraction;
          (*n_progress)++;
        }
      kiln_train_event_free (event);
    }
  g_assert_not_reached ();
}

static void
test_failed (void)
{
  KilnDataset *train = make_blobs (100, 3, 2, 2.0, 7);
  g_autoptr(KilnModel) model = kiln_model_new ("logreg", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnTrainRun) run = NULL;
  g_autoptr(KilnTrainEvent) event = NULL;
  guint n_progress = 0;
  double fraction = 0.0;

  train->x[5] = NAN;
  run = kiln_train_run_start (model, train, NULL, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  event = pop_terminal (run, &n_progress, &fraction);
  g_assert_cmpint (event->kind, ==, KILN_TRAIN_EVENT_FAILED);
  g_assert_error (event->error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA);
  g_assert_null (event->model);
  g_assert_false (kiln_model_is_fitted (model));
}

static void
test_progress (void)
{
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnTrainRun) run = NULL;
  g_autoptr(KilnTrainEvent) event = NULL;
  KilnModelOptions options;
  guint n_progress = 0;
  double fraction = 0.0;

  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  model = kiln_model_new ("ridge", &options, &error);
  g_assert_no_error (error);
  run = kiln_train_run_start (model, make_regression (5000, 5, 8), NULL, 4, NULL, NULL, &error);
  g_assert_no_error (error);
  event = pop_terminal (run, &n_progress, &fraction);
  g_assert_cmpint (event->kind, ==, KILN_TRAIN_EVENT_FINISHED);
  g_assert_cmpuint (n_progress, >=, 1);
  g_assert_cmpfloat (fraction, ==, 1.0);
  g_assert_true (kiln_model_is_fitted (event->model));
}

/* A forest (if built) stops within a tree when cancelled. */
static void
test_cancel_forest (void)
{
  g_autoptr(KilnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnTrainRun) run = NULL;
  KilnTrainEvent *event;
  KilnModelOptions options;
  gboolean cancelled = FALSE;

  if (kiln_model_lookup_class ("forest") == NULL)
    {
      g_test_skip ("no random forest in this build");
      return;
    }
  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.n_trees = 2000;
  model = kiln_model_new ("forest", &options, &error);
  g_assert_no_error (error);
  run = kiln_train_run_start (model, make_blobs (2000, 6, 3, 1.0, 9), NULL, 5, NULL, NULL, &error);
  g_assert_no_error (error);
  while ((event = kiln_train_run_pop (run)) != NULL)
    {
      if (event->kind == KILN_TRAIN_EVENT_STARTED)
        {
          kiln_train_run_cancel (run);
          cancelled = TRUE;
        }
      /* 2000 trees would take far longer than the test: it must stop early */
      if (kiln_train_event_is_terminal (event))
        {
          g_assert_cmpint (event->kind, ==, KILN_TRAIN_EVENT_CANCELLED);
          g_assert_null (event->model);
        }
      kiln_train_event_free (event);
    }
  g_assert_true (cancelled);
  g_assert_false (kiln_model_is_fitted (model));
}

static void
test_start_errors (void)
{
  g_autoptr(KilnModel) model = kiln_model_new ("logreg", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnTrainRun) run = NULL;
  g_autoptr(KilnTrainEvent) event = NULL;
  guint n_progress = 0;
  double fraction = 0.0;

  run = kiln_train_run_start (model, make_blobs (100, 3, 2, 2.0, 10), NULL, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  event = pop_terminal (run, &n_progress, &fraction);
  g_assert_cmpint (event->kind, ==, KILN_TRAIN_EVENT_FINISHED);
  /* a trained model is not trained again */
  g_assert_null (kiln_train_run_start (model, make_blobs (100, 3, 2, 2.0, 10), NULL, 2, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS);
}

/* The UI goes away mid-run: it disconnects and drops its reference; the worker finishes alone. */
static void
test_disconnect (void)
{
  Ui ui;
  g_autoptr(KilnModel) model = new_mlp (30, 100);
  g_autoptr(GError) error = NULL;
  KilnTrainRun *run;
  KilnTrainEvent *event;

  ui_init (&ui);
  ui.current_run = 1;
  run = kiln_train_run_start (model, make_blobs (1000, 4, 3, 2.0, 11), NULL, 1, drain, &ui, &error);
  g_assert_no_error (error);
  kiln_train_run_disconnect (run);
  /* keep a reference only to wait for the end without a main loop */
  while ((event = kiln_train_run_pop (run)) != NULL)
    kiln_train_event_free (event);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (ui.wakes, ==, 0);
  kiln_train_run_unref (run);
  ui_clear (&ui);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-run/blocking", test_blocking);
  g_test_add_func ("/train-run/main-loop", test_main_loop);
  g_test_add_func ("/train-run/cancel-and-stale-runs", test_cancel_and_stale_runs);
  g_test_add_func ("/train-run/failed", test_failed);
  g_test_add_func ("/train-run/progress", test_progress);
  g_test_add_func ("/train-run/cancel-forest", test_cancel_forest);
  g_test_add_func ("/train-run/start-errors", test_start_errors);
  g_test_add_func ("/train-run/disconnect", test_disconnect);
  return g_test_run ();
}
