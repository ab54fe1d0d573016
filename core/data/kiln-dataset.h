/* kiln-dataset.h: what a model learns from and predicts on; the types every room below the
 * pipeline shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KilnDataset holds the rows as the recipe made them: a dense block of numeric features and a
 * block of categorical features kept as codes, plus (when learning) the target. Categorical
 * features are never expanded: a family reads their one-hot meaning through the "one-hot view",
 * in which feature index
 *
 *     n_features + level_offset[j] + code     (level_offset[j] = n_levels[0] + ... + n_levels[j-1])
 *
 * stands for "categorical feature j has the level code" (value 1, else 0), and KILN_CODE_NONE (a
 * missing value, or a level unseen in training) is the row of zeros. The view's width,
 * kiln_dataset_get_width(), is what the recipe lists as feature names, what importances cover and
 * how the parameters of a linear model or the split features of a tree are numbered. Families that
 * need dense rows (neighbours, naive Bayes) expand a block of rows at a time with
 * kiln_dataset_expand(), never the whole matrix.
 *
 * Sparse features (the TF-IDF weights of a text column's n-grams) follow the levels in the view:
 * feature index n_features + (all levels) + k is sparse feature k. They are held in compressed
 * rows (CSR): row i's non-zero features are sp_index[sp_ptr[i] .. sp_ptr[i + 1]) (increasing) with
 * their values in sp_value. The offsets in sp_ptr are absolute, so a slice shares sp_index and
 * sp_value and only moves sp_ptr. A family reads them by gathering its weight rows, as it reads
 * codes; a rows x vocabulary matrix is never made.
 *
 * The numeric block is finite, except that NaN may mark a missing value for families whose class
 * accepts missing values (kiln-model.h). A dataset for predicting has no target (y_class and
 * y_value NULL).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  KILN_TASK_CLASSIFICATION,
  KILN_TASK_REGRESSION,
} KilnTask;

const char *kiln_task_to_string   (KilnTask task);
gboolean    kiln_task_from_string (const char *str, KilnTask *task);

/* A categorical feature's code for "no level": missing, or unseen in training. */
#define KILN_CODE_NONE G_MAXUINT32

typedef struct {
  guint     n_rows;
  guint     n_features;     /* dense numeric features: the columns of x */
  float    *x;              /* row-major n_rows x n_features */
  guint     n_categorical;  /* categorical features, kept as codes */
  guint32  *codes;          /* row-major n_rows x n_categorical: 0 .. n_levels[j]-1 or
                               KILN_CODE_NONE */
  guint    *n_levels;       /* per categorical feature: the levels seen in training */
  KilnTask  task;
  guint     n_classes;      /* classification */
  gint32   *y_class;        /* classification: 0 .. n_classes - 1; NULL without a target */
  double   *y_value;        /* regression; NULL without a target */
  gboolean  owns_data;      /* free x, codes, n_levels, y_* and the sparse arrays with it */
  guint     n_sparse;       /* sparse features, after the levels in the one-hot view */
  gsize    *sp_ptr;         /* n_rows + 1 absolute offsets into sp_index / sp_value; NULL
                               when n_sparse is 0 */
  guint32  *sp_index;       /* 0 .. n_sparse - 1, increasing within a row */
  float    *sp_value;
} KilnDataset;

#define KILN_DATASET_ERROR (kiln_dataset_error_quark ())
GQuark kiln_dataset_error_quark (void);

typedef enum {
  KILN_DATASET_ERROR_EMPTY,     /* no rows, or no features */
  KILN_DATASET_ERROR_VALUE,     /* a feature or target value out of range, missing or infinite */
} KilnDatasetError;

/* An owned dataset with a target and dense features only (arrays zeroed). */
KilnDataset *kiln_dataset_new          (guint        n_rows,
                                        guint        n_features,
                                        KilnTask     task,
                                        guint        n_classes);
/* The same with @n_categorical categorical features of @n_levels levels each (copied); the codes
 * are KILN_CODE_NONE until set. */
KilnDataset *kiln_dataset_new_coded    (guint        n_rows,
                                        guint        n_features,
                                        guint        n_categorical,
                                        const guint *n_levels,
                                        KilnTask     task,
                                        guint        n_classes);
/* Features only, for predicting (no target). */
KilnDataset *kiln_dataset_new_features (guint        n_rows,
                                        guint        n_features,
                                        guint        n_categorical,
                                        const guint *n_levels);
void         kiln_dataset_free         (KilnDataset *dataset);
/* A new owned dataset holding copies of @rows (indices into @dataset) in that order. */
KilnDataset *kiln_dataset_new_rows     (const KilnDataset *dataset,
                                        const guint32     *rows,
                                        guint              n_rows);
/* Fills @view with rows [first, first + n_rows) of @dataset, sharing its arrays (not owned). */
void         kiln_dataset_slice        (const KilnDataset *dataset,
                                        guint              first,
                                        guint              n_rows,
                                        KilnDataset       *view);

/* Fills @view with @n_rows rows of @n_features dense features at @x (borrowed, no target): a
 * quick way to predict from a plain matrix. */
void         kiln_dataset_init_dense   (KilnDataset       *view,
                                        const float       *x,
                                        guint              n_rows,
                                        guint              n_features);

/* Gives @dataset (owned, with no sparse features yet) @n_sparse sparse features: its rows in
 * CSR form (kiln-dataset.h's top), @ptr of n_rows + 1 offsets starting at 0; takes the arrays. */
void         kiln_dataset_set_sparse   (KilnDataset       *dataset,
                                        guint              n_sparse,
                                        gsize             *ptr,
                                        guint32           *index,
                                        float             *value);
/* Where the sparse features start in the one-hot view: n_features + every level. */
guint        kiln_dataset_get_sparse_offset (const KilnDataset *dataset);

gboolean     kiln_dataset_has_target   (const KilnDataset *dataset);
/* n_features + the levels of every categorical feature + n_sparse: the width of the view. */
guint        kiln_dataset_get_width    (const KilnDataset *dataset);
/* Where categorical feature @j's levels start in the one-hot view. */
guint        kiln_dataset_get_level_offset (const KilnDataset *dataset,
                                            guint              j);
/* TRUE when @a and @b have the same features (dense count, categorical count and levels,
 * sparse count). */
gboolean     kiln_dataset_same_layout  (const KilnDataset *a,
                                        const KilnDataset *b);
/* Rows [first, first + n_rows) in the one-hot view, dense: n_rows x width floats into @out. */
void         kiln_dataset_expand       (const KilnDataset *dataset,
                                        guint              first,
                                        guint              n_rows,
                                        float             *out);
/* A new owned dataset with every categorical feature expanded into the dense block (the one-hot
 * view as plain columns): what a model sees when one-hot columns are materialised, for tests
 * that compare the two paths. */
KilnDataset *kiln_dataset_new_expanded (const KilnDataset *dataset);

/* Rows and features present, codes within their levels, target classes in range and target
 * values finite; the numeric block finite, or with @allow_missing finite or NaN (never
 * infinite). A KILN_DATASET_ERROR naming the first bad row and feature otherwise. */
gboolean     kiln_dataset_check        (const KilnDataset *dataset,
                                        gboolean           allow_missing,
                                        GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnDataset, kiln_dataset_free)

G_END_DECLS
