/* kiln-model-private.h: what the model families share (not public API): the instance struct,
 * the operations a family implements, the registry's entries and JSON helpers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A family is one file, kiln-<family>.c, exporting `const KilnModelClass kiln_<family>_class`
 * whose ops point at its KilnModelOps; kiln-model-registry.c lists it. The family's instance
 * struct has KilnModel as its first member.
 *
 * Features: model->n_features is the one-hot view's width (kiln-dataset.h): the numbering of
 * parameters, split features and importances. A dataset passed to fit or predict has
 * model->n_dense numeric columns and model->n_categorical code columns with n_levels[j] levels,
 * categorical feature j's levels starting at model->level_offset[j] in the view (that offset
 * already counts the n_dense numeric features), then model->n_sparse sparse features from
 * model->sparse_offset (only for families whose ops say `sparse`).
 */
#pragma once

#include "kiln-model.h"

G_BEGIN_DECLS

struct _KilnModel {
  const KilnModelClass *klass;
  gint                  ref_count;      /* g_atomic_int_* */
  KilnModelOptions      options;
  KilnTask              task;
  guint                 n_features;     /* the one-hot view's width */
  guint                 n_dense;
  guint                 n_categorical;
  guint                *n_levels;       /* n_categorical */
  guint                *level_offset;   /* n_categorical: n_dense + levels before */
  guint                 n_sparse;       /* sparse (text) features, last in the view */
  guint                 sparse_offset;  /* where they start: n_dense + every level */
  guint                 n_classes;
  gboolean              fitted;
};

struct _KilnModelOps {
  gsize       instance_size;  /* the family's struct; KilnModel is its first member */
  gboolean    codes;          /* fit reads categorical codes (else it is given the view expanded) */
  gboolean    sparse;         /* fit and predict read sparse features (kiln-dataset.h); a family
                                 without it refuses a dataset that has them */
  gboolean  (*check_options) (const KilnModelOptions *options, GError **error);
  /* @train and @val (NULL or with rows) are checked; model->n_* are set from @train. */
  gboolean  (*fit)           (KilnModel *model, const KilnDataset *train, const KilnDataset *val,
                              const KilnFitMonitor *monitor, GCancellable *cancellable,
                              GError **error);
  /* @rows has the model's layout and at least one row. @out: n_rows x n_classes
   * probabilities (classification) or n_rows values (regression). */
  void      (*predict)       (KilnModel *model, const KilnDataset *rows, double *out);
  void      (*to_json)       (KilnModel *model, JsonBuilder *builder);  /* inside an object */
  gboolean  (*from_json)     (KilnModel *model, JsonObject *object, GError **error);
  /* n_features importances summing to 1, or FALSE if the family has none */
  gboolean  (*importances)   (KilnModel *model, double *out);
  void      (*finalize)      (KilnModel *model);
  /* linear families: their weights, n_out rows of n_features (NULL: none) */
  const double *(*coefficients) (KilnModel *model, guint *n_out);
  /* iterative families: the most epochs @options allow (NULL: options->epochs) */
  guint     (*max_epochs)    (const KilnModelOptions *options);
  /* tree families (kiln_model_tree_shap()): with @rows NULL, whether the trees have their covers
   * (and the score they decompose in *@score); else adds row @row's TreeSHAP values for @output
   * to @phi by slot (@view_slot per feature of the one-hot view, @column_slot per column of
   * @rows: dense ones, then categorical) and returns the score, its expected value in *@base */
  gboolean  (*tree_shap)     (KilnModel *model, const KilnDataset *rows, guint row, guint output,
                              const guint *view_slot, const guint *column_slot, double *phi,
                              double *base, double *value, KilnModelScore *score);
  /* linear families (kiln_model_get_linear()) */
  gboolean  (*linear)        (KilnModel *model, guint *n_scores, const double **coef,
                              const double **intercept, KilnModelScore *score);
};

/* Row @i of @data in the model's one-hot view, dot @w (n_features values), plus @w[n_features]
 * times 1 when @with_one (an intercept kept as the last weight); and w += a x_i likewise. Dense,
 * codes and sparse features; for the families that walk rows (coordinate descent, CG). */
double  _kiln_model_row_dot  (const KilnModel *model, const KilnDataset *data, const double *w,
                              guint i, gboolean with_one);
void    _kiln_model_row_axpy (const KilnModel *model, const KilnDataset *data, double a, double *w,
                              guint i, gboolean with_one);

/* The registry's families (kiln-model-registry.c). */
extern const KilnModelClass kiln_logreg_class;
extern const KilnModelClass kiln_linear_class;
extern const KilnModelClass kiln_ridge_class;
extern const KilnModelClass kiln_mlp_class;
extern const KilnModelClass kiln_tree_class;
extern const KilnModelClass kiln_forest_class;
extern const KilnModelClass kiln_gbt_class;
extern const KilnModelClass kiln_knn_class;
extern const KilnModelClass kiln_nb_class;

/* The option descriptions (kiln-model-options.c), shared by the families that offer them. */
extern const KilnModelOption kiln_model_option_l2_logreg;
extern const KilnModelOption kiln_model_option_l2_ridge;
extern const KilnModelOption kiln_model_option_max_iter;
extern const KilnModelOption kiln_model_option_hidden;
extern const KilnModelOption kiln_model_option_epochs;
extern const KilnModelOption kiln_model_option_learning_rate;
extern const KilnModelOption kiln_model_option_batch_size;
extern const KilnModelOption kiln_model_option_patience;
extern const KilnModelOption kiln_model_option_mlp_alpha;
extern const KilnModelOption kiln_model_option_max_depth;
extern const KilnModelOption kiln_model_option_max_depth_advanced;
extern const KilnModelOption kiln_model_option_min_samples_leaf;
extern const KilnModelOption kiln_model_option_min_samples_leaf_advanced;
extern const KilnModelOption kiln_model_option_n_trees;
extern const KilnModelOption kiln_model_option_max_features;
extern const KilnModelOption kiln_model_option_k;
extern const KilnModelOption kiln_model_option_gbt_rounds;
extern const KilnModelOption kiln_model_option_gbt_learning_rate;
extern const KilnModelOption kiln_model_option_gbt_max_leaves;
extern const KilnModelOption kiln_model_option_gbt_max_depth;
extern const KilnModelOption kiln_model_option_gbt_min_samples_leaf;
extern const KilnModelOption kiln_model_option_gbt_l2;
extern const KilnModelOption kiln_model_option_gbt_min_hessian;
extern const KilnModelOption kiln_model_option_gbt_subsample;
extern const KilnModelOption kiln_model_option_gbt_colsample;
extern const KilnModelOption kiln_model_option_gbt_early_stopping;
extern const KilnModelOption kiln_model_option_gbt_max_bins;

/* Options as JSON (inside the model's "options" member), and back over the defaults. */
void     _kiln_model_options_to_json   (const KilnModelOptions  *options,
                                        JsonBuilder             *builder);
gboolean _kiln_model_options_from_json (JsonObject              *object,
                                        KilnTask                 task,
                                        KilnModelOptions        *options,
                                        GError                 **error);

/* Numbers go to JSON with 17 significant digits, so doubles (and floats) read back bit for bit. */
void     _kiln_json_add_doubles  (JsonBuilder  *builder,
                                  const char   *name,
                                  const double *values,
                                  gsize         n);
void     _kiln_json_add_floats   (JsonBuilder  *builder,
                                  const char   *name,
                                  const float  *values,
                                  gsize         n);
void     _kiln_json_add_uints    (JsonBuilder   *builder,
                                  const char    *name,
                                  const guint32 *values,
                                  gsize          n);
void     _kiln_json_add_ints     (JsonBuilder  *builder,
                                  const char   *name,
                                  const gint32 *values,
                                  gsize         n);

/* Read an array member of exactly @n numbers (a KILN_MODEL_ERROR_FORMAT error otherwise,
 * naming the member). */
gboolean _kiln_json_get_doubles  (JsonObject  *object,
                                  const char  *name,
                                  double      *out,
                                  gsize        n,
                                  GError     **error);
gboolean _kiln_json_get_floats   (JsonObject  *object,
                                  const char  *name,
                                  float       *out,
                                  gsize        n,
                                  GError     **error);
gboolean _kiln_json_get_ints     (JsonObject  *object,
                                  const char  *name,
                                  gint32      *out,
                                  gsize        n,
                                  GError     **error);
/* The length of an array member, or -1 (with a FORMAT error) when it is missing or not an array. */
gssize   _kiln_json_get_array_length (JsonObject  *object,
                                      const char  *name,
                                      GError     **error);
/* An integer member in [min, max] (a FORMAT error otherwise). */
gboolean _kiln_json_get_uint     (JsonObject  *object,
                                  const char  *name,
                                  guint64      min,
                                  guint64      max,
                                  guint64     *out,
                                  GError     **error);
/* A number member (a FORMAT error when missing or not a number). */
gboolean _kiln_json_get_double   (JsonObject  *object,
                                  const char  *name,
                                  double      *out,
                                  GError     **error);

/* Packed arrays (kiln-json-pack.c): one string per array, "<type>[d][z] <count> <base64>" of
 * little-endian, byte-shuffled, optionally deflated and delta-coded values; a tenth of the size of
 * a JSON array and no JsonNode per number. The readers above (_kiln_json_get_doubles, _floats,
 * _ints, _uints and _array_length) take either form, so models saved as JSON arrays still load. */
void     _kiln_json_add_packed_ints    (JsonBuilder   *builder,
                                        const char    *name,
                                        const gint32  *values,
                                        gsize          n);
void     _kiln_json_add_packed_uints   (JsonBuilder   *builder,
                                        const char    *name,
                                        const guint32 *values,
                                        gsize          n);
void     _kiln_json_add_packed_floats  (JsonBuilder   *builder,
                                        const char    *name,
                                        const float   *values,
                                        gsize          n);
void     _kiln_json_add_packed_doubles (JsonBuilder   *builder,
                                        const char    *name,
                                        const double  *values,
                                        gsize          n);
gboolean _kiln_json_get_uints          (JsonObject    *object,
                                        const char    *name,
                                        guint32       *out,
                                        gsize          n,
                                        GError       **error);
/* Internal to the readers: whether @name is a packed string, its declared count (checked against
 * the data's size), and its @n numbers as int64 and/or double. */
gboolean _kiln_json_member_is_packed   (JsonObject    *object,
                                        const char    *name);
gssize   _kiln_json_get_packed_length  (JsonObject    *object,
                                        const char    *name,
                                        GError       **error);
gboolean _kiln_json_get_packed_numbers (JsonObject    *object,
                                        const char    *name,
                                        gsize          n,
                                        gint64        *ints,
                                        double        *doubles,
                                        GError       **error);

/* Predicts @rows with a family's dense kernel: directly from rows->x when there are no
 * categorical features, else a block of rows at a time expanded into the one-hot view. */
typedef void (*KilnDensePredictFunc) (KilnModel *model, const float *x, guint n_rows, double *out);
void     _kiln_model_predict_dense (KilnModel            *model,
                                    const KilnDataset    *rows,
                                    double               *out,
                                    KilnDensePredictFunc  predict);

/* A new, unfitted instance of @model's family with the same options, task and shape; for
 * families that hand out snapshots. */
KilnModel *_kiln_model_new_like  (KilnModel *model);

G_END_DECLS
