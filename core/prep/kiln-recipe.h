/* kiln-recipe.h: the preprocessing recipe, fitted on the training rows, applied to any frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KilnRecipe is an ordered list of KilnSteps plus the target column and task. Life cycle:
 *
 *   KilnRecipe *r = kiln_recipe_new ();
 *   kiln_recipe_set_target (r, "species");                 (optional; task from the column type)
 *   kiln_recipe_add_step (r, kiln_step_new_dedupe ());     (steps are taken, transfer full)
 *   kiln_recipe_add_step (r, kiln_step_new_iqr (1.5, KILN_IQR_CLIP, NULL));
 *   kiln_recipe_add_step (r, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
 *   kiln_recipe_add_step (r, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
 *   kiln_recipe_add_step (r, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
 *   kiln_recipe_fit (r, train, report, &error);            (learns from @train only)
 *   prepared = kiln_recipe_apply (r, train, TRUE, report, &error);
 *   kiln_recipe_to_dataset (r, prepared, &dataset, &error);
 *   test_prepared = kiln_recipe_apply (r, test, FALSE, NULL, &error);
 *
 * Once fitted the recipe is immutable (add_step and fit refuse), so the training worker, the UI
 * and the server can share it without locks. kiln_recipe_copy_unfitted() gives a fresh copy of
 * the steps to fit again (cross-validation folds, the GUI's undo).
 *
 * Which columns a step touches. A step made with @columns == NULL means "every column it
 * applies to" at that point of the recipe, resolved when fitting (and stored, so apply and
 * JSON use the explicit list):
 *  - IQR: numeric feature columns with more than two distinct values (measurements: not booleans,
 *    not 0/1 indicators, not the outputs of an earlier ENCODE step);
 *  - SCALE: numeric and boolean feature columns (not the one-hot / ordinal outputs of an
 *    earlier ENCODE step);
 *  - IMPUTE: every numeric, boolean and categorical feature column (so new data with a gap
 *    where training had none is still filled). MEAN and MEDIAN fill numeric/boolean columns;
 *    categorical columns in the same step get the MODE;
 *  - ENCODE: categorical feature columns;
 *  - TEXT: text columns (a categorical column only when named). Its columns are then text
 *    features: no later step fills or encodes them; they stay in the prepared frame unchanged
 *    and kiln_recipe_to_dataset() turns them into the dataset's sparse features (kiln-text.h),
 *    named "col:word" (word n-grams) and "col:[piece]" (character pieces), after the others.
 * The target column is never a feature: no step changes it, except that rows whose target is
 * missing are removed (by fit's view of the data and by apply whenever the frame has the
 * target column: such rows can neither be learned from nor scored).
 * Datetime columns and text columns without a TEXT step are not features; they pass through
 * unchanged.
 *
 * The prepared frame (kiln_recipe_apply's result) holds, in the input's column order, every
 * column that was not dropped: numeric columns (imputed/clipped/scaled, as doubles), boolean
 * columns (kept as booleans unless a step changed their values, then numeric), categorical
 * columns one-hot encoded as boolean columns named "col=value" (categories in sorted order),
 * ordinal-encoded as numeric codes, or unchanged when no ENCODE step covers them, datetime and
 * text columns unchanged; then the target column last, unchanged. The features are the numeric
 * and boolean columns among these, in that order (kiln_recipe_get_feature_names()).
 *
 * Row-removing steps (DEDUPE, IQR with DROP, IMPUTE with DROP) remove rows only when apply is
 * called with @is_training; on validation, test and new data every row is kept: IQR clip still
 * applies, and IMPUTE DROP columns are filled with the median (numeric) / mode (categorical)
 * learnt at fit time.
 *
 * Frames other than the one fitted on are read through the training frame's schema: its
 * columns, in its order, matched by name (extra columns are ignored; the target may be absent).
 * A column the features need (kiln_recipe_get_input_columns()) must be there; other absent
 * columns are skipped. An input column read with another type than in training is converted by
 * the one rule of kiln-conform.h (text "1.5" to a number, numbers to categories by their text),
 * else apply fails with KILN_PREP_ERROR_TYPE naming the column, the row and the value.
 *
 * The steps use both cores where it pays (per column, or per block of rows). Each changed column
 * is made once, for the rows still there; unchanged columns share the input's storage through a
 * row index (the result is a view) unless rows were removed *and* other columns changed, then
 * they are gathered for the remaining rows.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kiln-conform.h"
#include "kiln-frame.h"
#include "kiln-dataset.h"
#include "kiln-text.h"

G_BEGIN_DECLS

#define KILN_PREP_ERROR (kiln_prep_error_quark ())
GQuark kiln_prep_error_quark (void);

typedef enum {
  KILN_PREP_ERROR_NO_COLUMN,     /* a named column is not in the frame */
  KILN_PREP_ERROR_TYPE,          /* a column has a type the step or the fitted recipe cannot use */
  KILN_PREP_ERROR_TARGET,        /* no target, or a target unusable for the task */
  KILN_PREP_ERROR_UNSEEN_CLASS,  /* a target value that was not among the training classes */
  KILN_PREP_ERROR_MISSING,       /* a feature still has missing values where none may be */
  KILN_PREP_ERROR_STATE,         /* fit on a fitted recipe, apply on an unfitted one */
  KILN_PREP_ERROR_FORMAT,        /* from_json: malformed or newer recipe */
  KILN_PREP_ERROR_EMPTY,         /* no rows left, or nothing to split */
  KILN_PREP_ERROR_OPTIONS,       /* nonsense parameters (k < 0, fractions, ...) */
} KilnPrepError;

typedef enum {
  KILN_STEP_DROP_COLUMNS,
  KILN_STEP_DEDUPE,
  KILN_STEP_IQR,
  KILN_STEP_IMPUTE,
  KILN_STEP_ENCODE,
  KILN_STEP_SCALE,
  KILN_STEP_TARGET,     /* report only: rows removed because their target is missing */
  KILN_STEP_TEXT,       /* text columns as sparse TF-IDF features (kiln-text.h) */
} KilnStepKind;

typedef enum {
  KILN_IQR_DROP,   /* remove training rows with a value outside the bounds */
  KILN_IQR_CLIP,   /* clip values to the bounds (every frame) */
} KilnIqrAction;

typedef enum {
  KILN_IMPUTE_MEAN,
  KILN_IMPUTE_MEDIAN,     /* numpy/pandas median: linear interpolation */
  KILN_IMPUTE_MODE,       /* most frequent; ties: the smallest value (pandas' mode()[0]) */
  KILN_IMPUTE_CONSTANT,
  KILN_IMPUTE_DROP,       /* remove training rows with a missing value in the column */
} KilnImputeStrategy;

typedef enum {
  KILN_ENCODE_ONEHOT,     /* boolean columns "col=value"; unseen or missing: all zeros */
  KILN_ENCODE_ORDINAL,    /* numeric code in sorted category order; unseen: -1; missing: NaN */
} KilnEncoding;

typedef enum {
  KILN_SCALE_NONE,
  KILN_SCALE_STANDARD,    /* (x - mean) / std, population std (ddof = 0); constant: scale 1 */
  KILN_SCALE_MINMAX,      /* (x - min) / (max - min); constant: scale 1 */
} KilnScaling;

const char *kiln_step_kind_to_string        (KilnStepKind kind);
gboolean    kiln_step_kind_from_string      (const char *str, KilnStepKind *kind);
const char *kiln_impute_strategy_to_string  (KilnImputeStrategy strategy);
gboolean    kiln_impute_strategy_from_string(const char *str, KilnImputeStrategy *strategy);
const char *kiln_encoding_to_string         (KilnEncoding encoding);
gboolean    kiln_encoding_from_string       (const char *str, KilnEncoding *encoding);
const char *kiln_scaling_to_string          (KilnScaling scaling);
gboolean    kiln_scaling_from_string        (const char *str, KilnScaling *scaling);

/* ---- Steps -------------------------------------------------------------------------------- */

typedef struct _KilnStep KilnStep;

/* @columns: NULL-terminated names, copied; NULL = every applicable column (see above). */
KilnStep   *kiln_step_new_drop_columns  (const char * const *columns);
KilnStep   *kiln_step_new_dedupe        (void);
KilnStep   *kiln_step_new_iqr           (double               k,
                                         KilnIqrAction        action,
                                         const char * const  *columns);
KilnStep   *kiln_step_new_impute        (KilnImputeStrategy   strategy,
                                         const char * const  *columns);
/* CONSTANT: @number fills numeric/boolean columns, @text categorical ones (NULL: those are
 * filled with their mode). */
KilnStep   *kiln_step_new_impute_constant (double              number,
                                           const char         *text,
                                           const char * const *columns);
KilnStep   *kiln_step_new_encode        (KilnEncoding         encoding,
                                         const char * const  *columns);
KilnStep   *kiln_step_new_scale         (KilnScaling          scaling,
                                         const char * const  *columns);
/* @options copied (NULL: the defaults); they must pass kiln_text_options_check(). */
KilnStep   *kiln_step_new_text          (const KilnTextOptions *options,
                                         const char * const    *columns);
void        kiln_step_free              (KilnStep *step);

KilnStepKind kiln_step_get_kind         (KilnStep *step);
/* A short translated description of the step ("Fill missing values (median)"). Free it. */
char       *kiln_step_describe          (KilnStep *step);
/* The columns the step works on: before fitting what was asked (NULL = all), after fitting
 * the resolved list (never NULL, possibly empty). NULL-terminated, owned by the step. */
const char * const *kiln_step_get_columns (KilnStep *step);
guint       kiln_step_get_n_columns     (KilnStep *step);   /* fitted: length of the list */

/* Fitted parameters, column @i of kiln_step_get_columns(). For the ONNX exporter, the GUI. */
double      kiln_step_get_iqr_k         (KilnStep *step);
KilnIqrAction kiln_step_get_iqr_action  (KilnStep *step);
/* Q1 - k*IQR and Q3 + k*IQR; NaN when the column had no values. */
void        kiln_step_get_iqr_bounds    (KilnStep *step, guint i, double *lower, double *upper);
void        kiln_step_get_quartiles     (KilnStep *step, guint i, double *q1, double *q3);

KilnImputeStrategy kiln_step_get_impute_strategy (KilnStep *step); /* as asked */
/* What column @i is filled with: a number for numeric/boolean columns, a category for
 * categorical ones (the other accessor returns NaN / NULL). For DROP steps: the value used on
 * non-training frames. */
KilnImputeStrategy kiln_step_get_impute_column_strategy (KilnStep *step, guint i);
double      kiln_step_get_impute_number (KilnStep *step, guint i);
const char *kiln_step_get_impute_text   (KilnStep *step, guint i);

KilnEncoding kiln_step_get_encoding     (KilnStep *step);
/* The categories of column @i seen in training, sorted (byte order, as Python sorts str). */
const char * const *kiln_step_get_categories (KilnStep *step, guint i, guint *n_categories);

KilnScaling kiln_step_get_scaling       (KilnStep *step);

const KilnTextOptions *kiln_step_get_text_options (KilnStep *step);
/* Fitted TEXT step, column @i: its vocabulary (character pieces first, then words; a piece
 * within words shows the word's edges as spaces), NULL-terminated, owned by the step;
 * @n_char (may be NULL) the number of character pieces. */
const char * const *kiln_step_get_vocabulary (KilnStep *step, guint i, guint *n_terms,
                                              guint *n_char);
/* Fitted TEXT step: column @i's weights of @text (raw, as in the CSV): a GArray of
 * KilnTextWeight, terms increasing: what the model sees. Free the array. */
GArray     *kiln_step_text_weights      (KilnStep *step, guint i, const char *text);
/* value = (x - offset) / scale: standard: offset = mean, scale = std (1 if 0); minmax:
 * offset = min, scale = max - min (1 if 0). */
void        kiln_step_get_scale_params  (KilnStep *step, guint i, double *offset, double *scale);

/* ---- Report ------------------------------------------------------------------------------- */

typedef struct {
  char  *column;
  guint  count;
} KilnPrepCount;

typedef struct {
  KilnStepKind  kind;
  guint         step_index;    /* index in the recipe; G_MAXUINT for KILN_STEP_TARGET */
  char         *description;   /* translated: "Removed 12 duplicate rows" */
  guint         rows_in;
  guint         rows_out;
  guint         columns_in;
  guint         columns_out;
  guint         count;         /* duplicates, outliers (cells), imputed cells, unseen cells */
  GArray       *counts;        /* of KilnPrepCount, per column in column order; only
                                  columns with count > 0 */
  double        seconds;       /* wall time the step took (fit and apply) */
} KilnPrepEntry;

typedef struct {
  GPtrArray *entries;          /* of KilnPrepEntry*, in the order the steps ran */
} KilnPrepReport;

KilnPrepReport *kiln_prep_report_new    (void);
void            kiln_prep_report_free   (KilnPrepReport *report);
void            kiln_prep_report_clear  (KilnPrepReport *report);  /* drop all entries */
/* Totals over every entry of @kind: the sum of the counts, and per column (NULL-able out). */
guint           kiln_prep_report_total  (KilnPrepReport *report,
                                         KilnStepKind    kind,
                                         GHashTable    **per_column); /* char* -> GUINT */
/* {"entries": [{"kind", "description", "rows_in", "rows_out", "columns_in", "columns_out",
 *   "count", "seconds", "counts": {column: n}}]} */
JsonNode       *kiln_prep_report_to_json (KilnPrepReport *report);

/* ---- Recipe ------------------------------------------------------------------------------- */

typedef struct _KilnRecipe KilnRecipe;

#define KILN_TYPE_RECIPE (kiln_recipe_get_type ())
GType kiln_recipe_get_type (void) G_GNUC_CONST;

/* A raw column the recipe reads: its name and its type in the training frame. */
typedef KilnColumnSpec KilnRecipeColumn;

KilnRecipe *kiln_recipe_new             (void);
KilnRecipe *kiln_recipe_ref             (KilnRecipe *recipe);
void        kiln_recipe_unref           (KilnRecipe *recipe);
/* The same steps (as asked, unfitted) and target; only the first @n_steps (G_MAXUINT: all). */
KilnRecipe *kiln_recipe_copy_unfitted   (KilnRecipe *recipe,
                                         guint       n_steps);

/* Takes ownership of @step. Not after fitting. */
void        kiln_recipe_add_step        (KilnRecipe *recipe,
                                         KilnStep   *step);
guint       kiln_recipe_get_n_steps     (KilnRecipe *recipe);
KilnStep   *kiln_recipe_get_step        (KilnRecipe *recipe,
                                         guint       index);   /* borrowed */

/* NULL: no target (every numeric column is a feature). The task defaults to classification
 * for categorical/boolean targets and regression for numeric ones; set_task overrides it
 * (a numeric target can be classified: its distinct values become the classes). */
void        kiln_recipe_set_target      (KilnRecipe *recipe,
                                         const char *column);
/* Called after each step while the recipe is fitted (kiln_recipe_fit_apply), with the share of
 * steps done, on the fitting thread. NULL: nothing. */
void        kiln_recipe_set_progress    (KilnRecipe *recipe,
                                         void      (*progress) (double fraction, gpointer data),
                                         gpointer    data);
void        kiln_recipe_set_task        (KilnRecipe *recipe,
                                         KilnTask    task);
const char *kiln_recipe_get_target      (KilnRecipe *recipe);
/* For a model family that learns from missing values (KilnModelClass.accepts_missing): numeric
 * features that are missing after the steps become NaN in the dataset instead of an error.
 * Saved with the recipe; FALSE by default. */
void        kiln_recipe_set_keeps_missing (KilnRecipe *recipe,
                                           gboolean    keeps_missing);
gboolean    kiln_recipe_get_keeps_missing (KilnRecipe *recipe);
/* Fitted: the task used; before: the override or KILN_TASK_CLASSIFICATION. */
KilnTask    kiln_recipe_get_task        (KilnRecipe *recipe);
gboolean    kiln_recipe_is_fitted       (KilnRecipe *recipe);

/* Learns every step's parameters from @train (rows with a missing target left out), running
 * the steps in order on the training rows (so IQR drop sees the deduplicated rows, etc.).
 * @report (may be NULL) gets the entries of that training pass: the same as apply (train, TRUE)
 * would report. */
gboolean    kiln_recipe_fit             (KilnRecipe      *recipe,
                                         KilnFrame       *train,
                                         KilnPrepReport  *report,
                                         GError         **error);
/* A new frame, as described at the top. @report (may be NULL) gets one entry per step. */
KilnFrame  *kiln_recipe_apply           (KilnRecipe      *recipe,
                                         KilnFrame       *frame,
                                         gboolean         is_training,
                                         KilnPrepReport  *report,
                                         GError         **error);
/* fit then apply (train, TRUE) in one pass (cheaper than both: the training rows are
 * transformed once). */
KilnFrame  *kiln_recipe_fit_apply       (KilnRecipe      *recipe,
                                         KilnFrame       *train,
                                         KilnPrepReport  *report,
                                         GError         **error);
/* The same two, but each one-hot encoded column stays one categorical column of its fitted
 * categories in their order (a missing or unseen value: missing) instead of its indicator
 * columns: what kiln_recipe_to_dataset() turns into a dataset with categorical codes without
 * ever materialising the indicators (rows x categories). When the recipe cannot keep codes
 * (a step after the one-hot ENCODE names an indicator column) these equal the plain calls. */
KilnFrame  *kiln_recipe_apply_coded     (KilnRecipe      *recipe,
                                         KilnFrame       *frame,
                                         gboolean         is_training,
                                         KilnPrepReport  *report,
                                         GError         **error);
KilnFrame  *kiln_recipe_fit_apply_coded (KilnRecipe      *recipe,
                                         KilnFrame       *train,
                                         KilnPrepReport  *report,
                                         GError         **error);

/* Fitted recipe: the classes (classification; sorted as scikit-learn sorts them: strings in
 * byte order, numbers numerically, False before True), NULL-terminated, owned by the recipe. */
const char * const *kiln_recipe_get_classes       (KilnRecipe *recipe, guint *n_classes);
/* The features, NULL-terminated, owned: the dataset's one-hot view (kiln-dataset.h). When the
 * recipe keeps one-hot codes (every fit since they exist, unless a step after the one-hot
 * ENCODE names an indicator) the numeric and boolean feature columns of the prepared frame come
 * first in frame order, then the indicators "col=category" of each one-hot encoded column;
 * otherwise (and in recipes saved before) the feature columns of the prepared frame in order. */
const char * const *kiln_recipe_get_feature_names (KilnRecipe *recipe, guint *n_features);
/* Fitted: how many of the features are text features (the last ones, kiln-text.h). */
guint       kiln_recipe_get_n_text_features (KilnRecipe *recipe);
/* The raw columns (name + type in the training frame) the features are computed from, in the
 * training frame's order, without the target; for serving and ONNX export. Owned array. */
const KilnRecipeColumn *kiln_recipe_get_input_columns (KilnRecipe *recipe, guint *n_columns);
/* The raw target column's type in the training frame. */
KilnColumnType kiln_recipe_get_target_type (KilnRecipe *recipe);
/* The input columns of @raw (found by name, in kiln_recipe_get_input_columns() order) and, with
 * @with_target, the target last, each with its training type (kiln_conform_frame()): what a
 * model's prediction or a test file's scoring reads. A KILN_CONFORM_ERROR otherwise. */
KilnFrame  *kiln_recipe_conform         (KilnRecipe  *recipe,
                                         KilnFrame   *raw,
                                         gboolean     with_target,
                                         GError     **error);

/* From a prepared frame (of kiln_recipe_apply() or _apply_coded()): the float features
 * (row-major) and, when the recipe keeps one-hot codes, each one-hot encoded column as a
 * categorical feature with its codes (kiln-dataset.h), and the target as class indices in
 * kiln_recipe_get_classes() order or values. Fails with KILN_PREP_ERROR_UNSEEN_CLASS for a
 * class not seen in training, KILN_PREP_ERROR_TARGET when the frame has no target column,
 * KILN_PREP_ERROR_MISSING when a feature is still missing somewhere (no impute step).
 * Free the dataset with kiln_dataset_free(). */
gboolean    kiln_recipe_to_dataset      (KilnRecipe   *recipe,
                                         KilnFrame    *prepared,
                                         KilnDataset **dataset,
                                         GError      **error);
/* Only the features (new data without a target), as a KilnDataset with no target. */
KilnDataset *kiln_recipe_to_features    (KilnRecipe  *recipe,
                                         KilnFrame   *prepared,
                                         GError     **error);

/* {"format": 1, "target", "task", "target_type", "classes", "input_columns", "features",
 *  "steps": [{"kind", ...parameters and fitted values}]}. Doubles keep 17 significant
 * digits; NaN/inf are written as the strings "nan", "inf", "-inf". The round trip is exact. */
JsonNode   *kiln_recipe_to_json         (KilnRecipe  *recipe);
KilnRecipe *kiln_recipe_from_json       (JsonNode    *node,
                                         GError     **error);

/* ---- Previews: cheap counts the GUI shows before a step is added ------------------------- */

/* Rows equal to an earlier row (all columns; NaN equals NaN), as pandas' duplicated().sum(). */
guint       kiln_prep_count_duplicates  (KilnFrame *frame);
/* Per column (@counts_out: n_columns entries, 0 for non-numeric columns; may be NULL) the
 * values outside Q1 - k*IQR .. Q3 + k*IQR; returns the number of rows with any outlier. */
guint       kiln_prep_count_outliers    (KilnFrame *frame,
                                         double     k,
                                         guint     *counts_out);
/* Per column (@counts_out: n_columns entries; may be NULL) the missing cells; returns the
 * number of rows with any missing cell. */
guint       kiln_prep_count_missing     (KilnFrame *frame,
                                         guint     *counts_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnRecipe, kiln_recipe_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnStep, kiln_step_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnPrepReport, kiln_prep_report_free)

G_END_DECLS
