/* kiln-compare.h: "Let Kiln choose": every model family, each with a few fixed settings, scored
 * by k-fold cross-validation on the training split, ranked on a leaderboard.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   c = kiln_compare_new (raw, test, &options, 5, &error);   split as the pipeline does; plan
 *                                                            the trials (families x settings)
 *   kiln_compare_run_trials (c, indices, n, ...);            on a worker (kiln-compare-job.h),
 *                                                            a family's trials at a time
 *   kiln_compare_rank (c);                                   leaderboard, chance to be beaten
 *   kiln_compare_apply_trial (c, best, &options);            then the ordinary pipeline trains it
 *
 * The trials come from the model registry (kiln_model_list_classes()), so a family added there
 * takes part; each family has a short fixed list of settings (compare_grids in kiln-compare.c;
 * a family without one runs with its defaults). Nothing depends on the clock: the same data,
 * options and seed give the same folds, the same models and the same leaderboard.
 *
 * With a split by time (@options->prep.split_by) the folds are forward-chaining instead, in time
 * order (kiln-cv.h), and "folds_kind" says "forward" rather than "kfold".
 * The folds are stratified for classification (when @options->prep.stratify) and drawn from the
 * training split only (the pipeline's split of @raw with @options, or all of @raw but the
 * validation part when @test is given); the test part is never looked at. In every fold the
 * recipe is fitted again on that fold's training rows (nothing leaks from the held-out fold);
 * families that use the same recipe share it within a fold.
 *
 * Scores: accuracy (classification) or R² (regression) as the main metric, macro F1 or RMSE
 * beside it; the spread is the sample standard deviation over the folds. A family that cannot
 * work on the data (a regression family for a class target, ...) is SKIPPED with the reason; a
 * fold that fails marks its trial FAILED with the error; the others go on.
 */
#pragma once

#include "kiln-pipeline.h"

G_BEGIN_DECLS

typedef enum {
  KILN_COMPARE_PENDING,   /* not run (yet, or the comparison was cancelled first) */
  KILN_COMPARE_DONE,
  KILN_COMPARE_FAILED,    /* a fold failed: reason */
  KILN_COMPARE_SKIPPED,   /* the family cannot work on this data: reason */
} KilnCompareStatus;

typedef struct {
  char              *family;        /* registry name: "forest" */
  char              *settings;      /* the family's own flags, "k=15 max-depth=5"; "" = defaults */
  KilnModelOptions   options;       /* the family's defaults with the settings applied */
  KilnCompareStatus  status;
  char              *reason;        /* FAILED, SKIPPED: why (translated) */
  guint              n_folds;
  double            *score;         /* n_folds: accuracy or R² per fold (DONE) */
  double            *second;        /* n_folds: macro F1 or RMSE per fold */
  double            *seconds;       /* n_folds: fitting and predicting the fold */
  double             mean, std;     /* of score; std with ddof = 1 */
  double             second_mean, second_std;
  double             seconds_mean;
  double             p_top;         /* after kiln_compare_rank(): the probability that the top
                                       trial beats this one (kiln-ttest.h); NaN for the top */
} KilnCompareTrial;

KilnCompareTrial *kiln_compare_trial_copy (const KilnCompareTrial *trial);
void              kiln_compare_trial_free (KilnCompareTrial *trial);
/* The settings for people: "k = 15, max-depth = 5", or "defaults" (translated). Free with g_free. */
char             *kiln_compare_trial_describe (const KilnCompareTrial *trial);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnCompareTrial, kiln_compare_trial_free)

typedef struct _KilnCompare KilnCompare;

#define KILN_TYPE_COMPARE (kiln_compare_get_type ())
GType kiln_compare_get_type (void) G_GNUC_CONST;

/* Splits @raw as kiln_pipeline_prepare() does (@test: an external test file, or NULL) and plans
 * the trials. @k folds (2 ..): fewer when the training split is small (kiln_compare_get_note()
 * says why). @families (NULL-terminated, or NULL: every family of the registry) limits the
 * comparison to those families; an unknown name is an error. @options->model and its model
 * options are not used. */
KilnCompare      *kiln_compare_new           (KilnFrame                  *raw,
                                              KilnFrame                  *test,
                                              const KilnPipelineOptions  *options,
                                              guint                       k,
                                              const char * const         *families,
                                              GCancellable               *cancellable,
                                              GError                    **error);
KilnCompare      *kiln_compare_ref           (KilnCompare *compare);
void              kiln_compare_unref         (KilnCompare *compare);

KilnTask          kiln_compare_get_task      (KilnCompare *compare);
guint             kiln_compare_get_n_folds   (KilnCompare *compare);
/* TRUE for forward-chaining folds (a split by time, kiln-cv.h): fold f trains on blocks 0 .. f
 * and scores on block f + 1, the blocks consecutive in time. */
gboolean          kiln_compare_is_forward    (KilnCompare *compare);
/* Rows of the training split the folds were dealt from. */
guint             kiln_compare_get_n_rows    (KilnCompare *compare);
/* For each training row: its row in @raw (@rows) and its fold (@folds; forward-chaining: its
 * block, 0 .. k); borrowed, n_rows each. */
void              kiln_compare_get_folds     (KilnCompare    *compare,
                                              const guint32 **rows,
                                              const guint   **folds);
/* "accuracy" / "macro_f1" or "r2" / "rmse" (the JSON names). */
const char       *kiln_compare_get_metric    (KilnCompare *compare);
const char       *kiln_compare_get_second_metric (KilnCompare *compare);
/* A remark for people about the folds (fewer than asked, a very small class), or NULL. */
const char       *kiln_compare_get_note      (KilnCompare *compare);

guint             kiln_compare_get_n_trials  (KilnCompare *compare);
const KilnCompareTrial *kiln_compare_get_trial (KilnCompare *compare,
                                                guint        index);
/* Trials still to run (PENDING). */
guint             kiln_compare_get_n_pending (KilnCompare *compare);

/* Runs the PENDING trials among @indices together on the cores: all their folds in parallel
 * (several trials keep every core busy where one trial's k folds leave a core idle), each fit
 * on one thread, so a trial's scores depend neither on the number of cores nor on the trials it
 * ran beside. A failing fold makes its trial FAILED and is not an error; FALSE only when
 * cancelled (G_IO_ERROR_CANCELLED): a trial whose folds had all been fitted is DONE, the others
 * stay PENDING. Not thread-safe: one caller at a time. */
gboolean          kiln_compare_run_trials    (KilnCompare          *compare,
                                              const guint          *indices,
                                              guint                 n_indices,
                                              GCancellable         *cancellable,
                                              GError              **error);
/* The same for trial @index alone. */
gboolean          kiln_compare_run_trial     (KilnCompare          *compare,
                                              guint                 index,
                                              GCancellable         *cancellable,
                                              GError              **error);
/* Frees what only running needs (the fold datasets); after it no trial can run. */
void              kiln_compare_finish        (KilnCompare *compare);

/* Orders the finished trials by mean score, best first, and computes each one's p_top. */
void              kiln_compare_rank          (KilnCompare *compare);
/* After kiln_compare_rank(): trial indices, best first (DONE trials only). Borrowed. */
const guint      *kiln_compare_get_leaderboard (KilnCompare *compare,
                                                guint       *n);
/* The top of the leaderboard, or -1 when no trial finished. */
int               kiln_compare_get_best      (KilnCompare *compare);

/* Sets @options->model and ->model_options to trial @index's (the pipeline then trains it). */
void              kiln_compare_apply_trial   (KilnCompare          *compare,
                                              guint                 index,
                                              KilnPipelineOptions  *options);

/* {"task", "metric", "second_metric", "folds", "folds_kind": "kfold"|"forward", "train_rows", "note",
 *  "leaderboard": [{"model", "settings", "mean", "std", "seconds", "<second>": {"mean", "std"},
 *                   "p_top", "scores"}],
 *  "not_run": [{"model", "settings", "status": "skipped"|"failed"|"pending", "reason"}],
 *  "best": {"model", "settings"} or null}. After kiln_compare_rank(). */
JsonNode         *kiln_compare_to_json       (KilnCompare *compare);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnCompare, kiln_compare_unref)

G_END_DECLS
