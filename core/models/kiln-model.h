/* kiln-model.h: the one interface every model family implements, and the registry of families.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model learns from a KilnDataset (kiln-dataset.h): dense numeric features and categorical
 * features as codes, already prepared by the recipe (imputed, scaled; no NaN unless the family
 * accepts missing values) and a target (class indices or values). Fitting runs on a worker
 * thread; it reports through a KilnFitMonitor (never a global) and checks its GCancellable at
 * least once per mini-batch or tree. A fitted model is immutable and can be used from several
 * threads. Its struct is private: read it through the accessors.
 *
 * The families are listed in an explicit registry (kiln_model_list_classes()); each describes
 * its options (KilnModelOption), which is all a front end needs to offer them: the Train page
 * builds its widgets and `kiln-cli train` its flags from these descriptions.
 *
 * Shaped like liblinear: kiln_model_check_options() fails early with a readable GError.
 * Same seed, same data: the same model, bit for bit.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kiln-dataset.h"

G_BEGIN_DECLS

/* ---- Options ------------------------------------------------------------------------------ */

typedef struct {
  KilnTask  task;
  guint64   seed;            /* default 42 */
  /* linear families */
  double    l2;              /* logreg: 1/C (default 1.0); ridge: alpha (default 1.0) */
  guint     max_iter;        /* 0: family default */
  /* MLP */
  guint     hidden[8];       /* layer sizes, 0-terminated; default { 64, 0 } */
  guint     epochs;          /* default 200 */
  double    learning_rate;   /* default 1e-3 (Adam) */
  guint     batch_size;      /* default 200 */
  guint     patience;        /* early stopping on the validation split, default 10 */
  /* trees */
  guint     max_depth;       /* 0: unlimited */
  guint     min_samples_leaf;/* default 1 */
  guint     n_trees;         /* forest, default 100 */
  double    max_features;    /* forest: fraction of features per split, 0 = sqrt (cls) / all (reg) */
  guint     n_threads;       /* forest: 0 = all cores */
  /* kNN */
  guint     k;               /* default 5 */
  /* MLP (appended) */
  double    mlp_alpha;       /* L2 penalty on the weights, as scikit-learn's alpha; default 1e-4 */
  /* gradient-boosted trees (appended; their own fields, as their defaults differ) */
  struct {
    guint   rounds;          /* boosting rounds at most, default 100 */
    double  learning_rate;   /* shrinkage of each tree, default 0.1 */
    guint   max_leaves;      /* leaves per tree, default 31 */
    guint   max_depth;       /* 0: unlimited (the default) */
    guint   min_samples_leaf;/* default 20 */
    double  l2;              /* L2 penalty on leaf values, default 0 */
    double  subsample;       /* fraction of rows per round, default 1 */
    double  colsample;       /* fraction of features per tree, default 1 */
    guint   early_stopping;  /* rounds without improvement before stopping, 0: never; default 10 */
    guint   max_bins;        /* bins per feature, 2 .. 255, default 255 */
    double  min_hessian;     /* least sum of hessians in a leaf (XGBoost's min_child_weight; its
                                softmax hessians are twice Kiln's), default 1e-3 */
  } gbt;
} KilnModelOptions;

void kiln_model_options_init (KilnModelOptions *options, KilnTask task);

typedef enum {
  KILN_MODEL_OPTION_UINT,     /* a guint field */
  KILN_MODEL_OPTION_DOUBLE,   /* a double field */
  KILN_MODEL_OPTION_LAYERS,   /* the hidden[] layer sizes, "64,32" */
} KilnModelOptionKind;

/* One option a family offers. The same description serves the Train page (a spin button or an
 * entry with @title and @description) and `kiln-cli train` (the flag --@name ARG). */
typedef struct {
  const char          *name;         /* the CLI flag without "--": "max-depth" */
  const char          *title;        /* N_(): "Maximum depth" */
  const char          *description;  /* N_(), may be NULL: "0 means no limit" */
  const char          *arg;          /* N_(): the CLI argument's name, "N" */
  KilnModelOptionKind  kind;
  gsize                offset;       /* of the field in KilnModelOptions */
  double               min, max;     /* accepted values (UINT and DOUBLE) */
  double               step;         /* the GUI's increment */
  guint                digits;       /* the GUI's decimals */
  gboolean             advanced;     /* the GUI shows it under "Advanced" */
  const char          *alias;        /* another CLI flag for it, or NULL: "learning-rate" */
} KilnModelOption;

/* UINT and DOUBLE: the option's value in @options, and setting it (no range check). */
double   kiln_model_option_get_value (const KilnModelOption  *option,
                                      const KilnModelOptions *options);
void     kiln_model_option_set_value (const KilnModelOption  *option,
                                      KilnModelOptions       *options,
                                      double                  value);
/* Any kind, as text: "12", "0.001", "64,32". Free with g_free(). */
char    *kiln_model_option_format    (const KilnModelOption  *option,
                                      const KilnModelOptions *options);
/* Parses @text into @options, checking the range; G_OPTION_ERROR_BAD_VALUE naming --@name. */
gboolean kiln_model_option_parse     (const KilnModelOption  *option,
                                      const char             *text,
                                      KilnModelOptions       *options,
                                      GError                **error);

/* ---- Monitoring a fit --------------------------------------------------------------------- */

typedef struct _KilnModel KilnModel;

/* Called from the fitting thread. @model_snapshot (may be NULL) is a fitted copy of the model at
 * this epoch that the receiver may keep (a new reference; iterative families pass one when the
 * validation loss is the best so far, so a cancelled run can hand back its best model). */
typedef struct {
  void (*epoch)    (guint epoch, double train_loss, double val_loss, double val_metric,
                    KilnModel *model_snapshot, gpointer user_data);
  void (*progress) (double fraction, gpointer user_data);
  gpointer user_data;
} KilnFitMonitor;

/* ---- Families ------------------------------------------------------------------------------ */

typedef struct _KilnModelOps KilnModelOps;

typedef struct {
  const char *name;          /* "logreg", "linear", "ridge", "mlp", "tree", "forest", "gbt", "knn", "nb" */
  const char *display_name;  /* translatable, N_() */
  gboolean    classification;
  gboolean    regression;
  gboolean    iterative;     /* reports epochs */
  gboolean    needs_scaling; /* the default recipe standardises features for it */
  gboolean    accepts_missing; /* learns from NaN in the numeric features: the pipeline then
                                  skips numeric imputation for it */
  const KilnModelOption * const *options;  /* NULL-terminated, in the order to show them */
  const KilnModelOps   *ops;  /* the implementation (kiln-model-private.h) */
} KilnModelClass;

#define KILN_MODEL_ERROR (kiln_model_error_quark ())
GQuark kiln_model_error_quark (void);

typedef enum {
  KILN_MODEL_ERROR_OPTIONS,
  KILN_MODEL_ERROR_DATA,
  KILN_MODEL_ERROR_NUMERIC,   /* did not converge, singular matrix, NaN loss */
  KILN_MODEL_ERROR_FORMAT,    /* from_json */
} KilnModelError;

/* Whether @klass learns from sparse text features (kiln-dataset.h); the others refuse them. */
gboolean                      kiln_model_class_accepts_text (const KilnModelClass *klass);
/* The families that do and can do @task, translated and comma-separated ("Logistic
 * regression"), for messages. Free with g_free(). */
char                         *kiln_model_list_text_families (KilnTask task);

/* The families, in the order the UI lists them. */
const KilnModelClass * const *kiln_model_list_classes (guint *n);
const KilnModelClass         *kiln_model_lookup_class (const char *name);
/* The names, comma-separated ("logreg, linear, ..."), for messages. Free with g_free(). */
char                         *kiln_model_list_names   (void);
/* The option called @name among every family's, or NULL. Families may give one name to
 * different options (gbt's --max-depth is not the tree's): see kiln_model_class_find_option(). */
const KilnModelOption        *kiln_model_lookup_option (const char *name);
/* @klass's option whose name or alias is @flag, or NULL. */
const KilnModelOption        *kiln_model_class_find_option (const KilnModelClass *klass,
                                                            const char           *flag);

/* ---- Models ------------------------------------------------------------------------------- */

KilnModel  *kiln_model_new            (const char              *name,
                                       const KilnModelOptions  *options,
                                       GError                 **error);
KilnModel  *kiln_model_ref            (KilnModel *model);
void        kiln_model_unref          (KilnModel *model);
gboolean    kiln_model_check_options  (const char              *name,
                                       const KilnModelOptions  *options,
                                       GError                 **error);
/* @val (may be NULL) must have the same features as @train. */
gboolean    kiln_model_fit            (KilnModel             *model,
                                       const KilnDataset     *train,
                                       const KilnDataset     *val,
                                       const KilnFitMonitor  *monitor,
                                       GCancellable          *cancellable,
                                       GError               **error);
/* Predicts the rows of @rows (its features; the target, if any, is not read), which must have
 * the features the model was fitted on. @out: n_rows x n_classes probabilities
 * (classification) or n_rows values (regression). */
void        kiln_model_predict        (KilnModel          *model,
                                       const KilnDataset  *rows,
                                       double             *out);
/* {"family": name, "options": {...}, "n_features", "n_classes", "task", "params": {...}}, and
 * with categorical features "n_dense" and "n_levels" (n_features is the one-hot view's width). */
JsonNode   *kiln_model_to_json        (KilnModel  *model);
KilnModel  *kiln_model_from_json      (JsonNode   *node,
                                       GError    **error);
/* kiln_model_get_n_features() importances (one per feature of the one-hot view) summing to 1,
 * or FALSE if the family has none. */
gboolean    kiln_model_get_importances (KilnModel *model,
                                        double    *out);

/* Fitted linear families (logistic regression): the weights, *@n_out rows (one for two classes:
 * toward the second; else one per class) of kiln_model_get_n_features() values, borrowed; NULL
 * for the others. */
const double *kiln_model_get_coefficients (KilnModel *model,
                                           guint     *n_out);

const char *kiln_model_get_name       (KilnModel *model);
const KilnModelClass *kiln_model_get_class (KilnModel *model);
const KilnModelOptions *kiln_model_get_options (KilnModel *model);
gboolean    kiln_model_is_fitted      (KilnModel *model);
KilnTask    kiln_model_get_task       (KilnModel *model);
/* Fitted: the width of the one-hot view of the features it learnt from. */
guint       kiln_model_get_n_features (KilnModel *model);
/* Fitted: the features as the dataset held them (dense count, categorical count and levels;
 * @n_levels borrowed). */
void        kiln_model_get_layout     (KilnModel    *model,
                                       guint        *n_dense,
                                       guint        *n_categorical,
                                       const guint **n_levels);
/* Fitted, classification: the number of classes; 0 for regression. */
guint       kiln_model_get_n_classes  (KilnModel *model);
/* Outputs per row of kiln_model_predict(): the classes, or 1. */
guint       kiln_model_get_n_outputs  (KilnModel *model);
/* Iterative families: the most epochs the model's options allow. */
guint       kiln_model_get_max_epochs (KilnModel *model);

/* ---- Reading a model's JSON, for exporters ------------------------------------------------- */

/* In the "params" object of kiln_model_to_json(): the length of array member @name, however the
 * family writes its arrays (-1 with a KILN_MODEL_ERROR_FORMAT error when it is not one), and its
 * @n numbers (FALSE with that error when there are not exactly @n). */
gssize      kiln_model_json_get_length  (JsonObject  *params,
                                         const char  *name,
                                         GError     **error);
gboolean    kiln_model_json_get_numbers (JsonObject  *params,
                                         const char  *name,
                                         double      *out,
                                         gsize        n,
                                         GError     **error);

/* ---- Exact explanations ------------------------------------------------------------------- */

/* The score an exact explanation decomposes. */
typedef enum {
  KILN_MODEL_SCORE_VALUE,        /* regression: the predicted value */
  KILN_MODEL_SCORE_PROBABILITY,  /* the class's probability (tree, forest) */
  KILN_MODEL_SCORE_LOG_ODDS,     /* two classes: log (p / (1 - p)) of the class */
  KILN_MODEL_SCORE_MARGIN,       /* more classes: the class's raw score before the softmax */
} KilnModelScore;

/* Whether kiln_model_tree_shap() explains @model: a fitted tree, forest or gradient-boosted
 * model whose trees know their training covers (models saved before Kiln recorded them do
 * not). *@score (may be NULL): what it decomposes. */
gboolean    kiln_model_has_tree_shap  (KilnModel       *model,
                                       KilnModelScore  *score);
/* Path-dependent TreeSHAP (Lundberg et al. 2018) of row @row of @rows (the model's layout) for
 * @output (a class; 0 for regression and two-class boosting, whose one score is class 1's
 * log-odds: use @output 1 for it, 0 for its negation). @slots maps each column of @rows (its
 * dense features, then its categorical ones) to a player < @n_slots: the features of one slot
 * (a column's one-hot levels) are one player. @phi (n_slots) receives each player's Shapley
 * value, *@base (may be NULL) the expected score over the trees' training cover; returns the
 * score, *@base + the sum of @phi to rounding. */
double      kiln_model_tree_shap      (KilnModel          *model,
                                       const KilnDataset  *rows,
                                       guint               row,
                                       guint               output,
                                       const guint        *slots,
                                       guint               n_slots,
                                       double             *phi,
                                       double             *base);
/* Linear families (linear, ridge, logistic): their @n_scores scores are intercept[s] +
 * sum_j coef[s * n_features + j] x_j over the one-hot view's features (borrowed arrays). Logistic
 * regression of two classes has one score, class 1's log-odds; of more, one margin per class. */
gboolean    kiln_model_get_linear     (KilnModel       *model,
                                       guint           *n_scores,
                                       const double   **coef,
                                       const double   **intercept,
                                       KilnModelScore  *score);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnModel, kiln_model_unref)

G_END_DECLS
