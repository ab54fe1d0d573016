/* kiln-model.h: the one interface every model family implements.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model learns from a KilnDataset: a dense float matrix of features (already prepared by the
 * recipe: imputed, encoded, scaled; no NaN) and a target (class indices or values). Fitting runs on
 * a worker thread; it reports through a KilnFitMonitor (never a global) and checks its
 * GCancellable at least once per mini-batch or tree. A fitted model is immutable and can be used
 * from several threads.
 *
 * Shaped like liblinear: kiln_model_check_options() fails early with a readable GError.
 * Same seed, same data: the same model, bit for bit.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  KILN_TASK_CLASSIFICATION,
  KILN_TASK_REGRESSION,
} KilnTask;

const char *kiln_task_to_string   (KilnTask task);
gboolean    kiln_task_from_string (const char *str, KilnTask *task);

/* ---- Data ------------------------------------------------------------------------------- */

typedef struct {
  guint    n_rows;
  guint    n_features;
  float   *x;             /* row-major n_rows x n_features */
  KilnTask task;
  guint    n_classes;     /* classification */
  gint32  *y_class;       /* classification: 0 .. n_classes - 1 */
  double  *y_value;       /* regression */
  gboolean owns_data;     /* free x / y_* with the dataset */
} KilnDataset;

/* An empty dataset with the arrays allocated (owned). */
KilnDataset *kiln_dataset_new  (guint n_rows, guint n_features, KilnTask task, guint n_classes);
void         kiln_dataset_free (KilnDataset *dataset);
/* A new owned dataset holding copies of @rows (indices into @dataset) in that order. */
KilnDataset *kiln_dataset_new_rows (const KilnDataset *dataset, const guint32 *rows, guint n_rows);
/* Rows and features present, every x finite, class indices in range / target values finite. */
gboolean     kiln_dataset_check    (const KilnDataset *dataset, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnDataset, kiln_dataset_free)

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
  } gbt;
} KilnModelOptions;

void kiln_model_options_init (KilnModelOptions *options, KilnTask task);

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

/* ---- Models ------------------------------------------------------------------------------- */

typedef struct {
  const char *name;          /* "logreg", "linear", "ridge", "mlp", "tree", "forest", "knn", "nb" */
  const char *display_name;  /* translatable, N_() */
  gboolean    classification;
  gboolean    regression;
  gboolean    iterative;     /* reports epochs */
  gboolean    needs_scaling; /* the default recipe standardises features for it */
  gsize       instance_size; /* the family's struct; KilnModel is its first member */

  gboolean  (*check_options) (const KilnModelOptions *options, GError **error);
  gboolean  (*fit)           (KilnModel *model, const KilnDataset *train, const KilnDataset *val,
                              const KilnFitMonitor *monitor, GCancellable *cancellable,
                              GError **error);
  /* @out: n_rows x n_classes probabilities (classification) or n_rows values (regression) */
  void      (*predict)       (KilnModel *model, const float *x, guint n_rows, double *out);
  void      (*to_json)       (KilnModel *model, JsonBuilder *builder);  /* inside an object */
  gboolean  (*from_json)     (KilnModel *model, JsonObject *object, GError **error);
  /* n_features importances summing to 1, or FALSE if the family has none */
  gboolean  (*importances)   (KilnModel *model, double *out);
  void      (*finalize)      (KilnModel *model);
  /* iterative families: the most epochs the options allow (NULL: options->epochs) */
  guint     (*max_epochs)    (const KilnModelOptions *options);
} KilnModelClass;

struct _KilnModel {
  const KilnModelClass *klass;
  gatomicrefcount       ref_count;
  KilnModelOptions      options;
  KilnTask              task;
  guint                 n_features;
  guint                 n_classes;
  gboolean              fitted;
};

#define KILN_MODEL_ERROR (kiln_model_error_quark ())
GQuark kiln_model_error_quark (void);

typedef enum {
  KILN_MODEL_ERROR_OPTIONS,
  KILN_MODEL_ERROR_DATA,
  KILN_MODEL_ERROR_NUMERIC,   /* did not converge, singular matrix, NaN loss */
  KILN_MODEL_ERROR_FORMAT,    /* from_json */
} KilnModelError;

/* The families, in the order the UI lists them. */
const KilnModelClass * const *kiln_model_list_classes (guint *n);
const KilnModelClass         *kiln_model_lookup_class (const char *name);

KilnModel  *kiln_model_new            (const char              *name,
                                       const KilnModelOptions  *options,
                                       GError                 **error);
KilnModel  *kiln_model_ref            (KilnModel *model);
void        kiln_model_unref          (KilnModel *model);
gboolean    kiln_model_check_options  (const char              *name,
                                       const KilnModelOptions  *options,
                                       GError                 **error);
gboolean    kiln_model_fit            (KilnModel             *model,
                                       const KilnDataset     *train,
                                       const KilnDataset     *val,      /* may be NULL */
                                       const KilnFitMonitor  *monitor,  /* may be NULL */
                                       GCancellable          *cancellable,
                                       GError               **error);
void        kiln_model_predict        (KilnModel   *model,
                                       const float *x,
                                       guint        n_rows,
                                       double      *out);
/* {"family": name, "options": {...}, "n_features", "n_classes", "task", "params": {...}} */
JsonNode   *kiln_model_to_json        (KilnModel  *model);
KilnModel  *kiln_model_from_json      (JsonNode   *node,
                                       GError    **error);
gboolean    kiln_model_get_importances (KilnModel *model,
                                        double    *out);
/* The most epochs an iterative family will run with its options. */
guint       kiln_model_get_max_epochs (KilnModel *model);
const char *kiln_model_get_name       (KilnModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnModel, kiln_model_unref)

G_END_DECLS
