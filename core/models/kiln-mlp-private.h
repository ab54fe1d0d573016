/* kiln-mlp-private.h: what the files of the multilayer perceptron share (not public API):
 * kiln-mlp.c (the family: parameters' layout, prediction in double, options, JSON),
 * kiln-mlp-kernels.c (the float forward pass, ReLU, the levels' gathered and scattered rows,
 * softmax) and kiln-mlp-fit.c (the training loop, Adam, validation). kiln-mlp-sparse.h is the
 * first layer on text features.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-model.h"
#include "kiln-model-private.h"
#include "kiln-mlp-sparse.h"

G_BEGIN_DECLS

#define MAX_LAYERS   (G_N_ELEMENTS (((KilnModelOptions *) NULL)->hidden) + 1)
/* Rows per block when predicting or evaluating. */
#define PREDICT_ROWS 512

typedef struct {
  KilnModel parent;
  guint     n_layers;                /* weight layers: hidden layers + 1 */
  guint     sizes[MAX_LAYERS + 1];   /* sizes[0] = n_features, sizes[n_layers] = outputs */
  gsize     n_params;
  float    *params;
  float    *w[MAX_LAYERS];           /* views: sizes[l] x sizes[l + 1], row-major */
  float    *b[MAX_LAYERS];           /* views: sizes[l + 1] */
  double   *dparams;                 /* the fitted params as doubles, for predicting */
  double   *dw[MAX_LAYERS];
  double   *db[MAX_LAYERS];
  double    y_mean, y_scale;         /* regression: y = y_mean + y_scale * output */
} KilnMlp;

/* ---- The parameters (kiln-mlp.c) ----------------------------------------------------------- */

/* Offsets of the views for a given layout; returns the total size. */
gsize    _kiln_mlp_layout       (const guint   *sizes,
                                 guint          n_layers,
                                 gsize         *w_off,
                                 gsize         *b_off);
/* w[l], b[l]: views of @buffer (params, gradients or moments) laid out as @self's params. */
void     _kiln_mlp_set_views    (KilnMlp       *self,
                                 float         *buffer,
                                 float        **w,
                                 float        **b);
/* The double copy of the params that prediction reads (after fitting or loading them). */
void     _kiln_mlp_make_double  (KilnMlp       *self);
/* The widest layer but the input. */
guint    _kiln_mlp_max_width    (const KilnMlp *self);

/* ---- Kernels (kiln-mlp-kernels.c) ---------------------------------------------------------- */

/* delta[i] = 0 where the unit was off (a[i] == +0 after the forward pass's ReLU). */
void     _kiln_mlp_relu_backward  (const float *restrict a,
                                   float       *restrict delta,
                                   gsize                 n);
/* The first layer's gradient rows of the levels: each level's row of @gw0 gets the deltas
 * (@rows x @out) of the batch's rows that have it (@codes, rows x n_categorical), in row order.
 * @list holds @rows entries, @start the largest level count + 1. */
void     _kiln_mlp_scatter_levels (const KilnModel *model,
                                   float           *gw0,
                                   const float     *delta,
                                   const guint32   *codes,
                                   guint            rows,
                                   guint            out,
                                   guint32         *list,
                                   guint           *start);
/* Forward pass of @rows rows: acts[0] is the input (rows x sizes[0]); fills acts[1 ..
 * n_layers]. The output layer is left as raw scores. */
void     _kiln_mlp_forward        (const KilnMlp  *self,
                                   float * const  *w,
                                   float * const  *b,
                                   float         **acts,
                                   guint           rows);
/* The same with categorical codes and text terms (@sp, or NULL): @x holds the rows' numeric
 * features (rows x n_dense), @codes their codes (rows x n_categorical). */
void     _kiln_mlp_forward_coded  (const KilnMlp           *self,
                                   float * const           *w,
                                   float * const           *b,
                                   float                  **acts,
                                   const float             *x,
                                   const guint32           *codes,
                                   const KilnMlpSparseRows *sp,
                                   guint                    rows);
/* The forward pass of rows [r0, r0 + rows) of @data, dense or with codes. */
void     _kiln_mlp_forward_rows   (const KilnMlp     *self,
                                   float            **acts,
                                   const KilnDataset *data,
                                   guint              r0,
                                   guint              rows);
/* Softmax of one row of scores, in double (@p may be @scores). */
void     _kiln_mlp_softmax_row_double (const double *scores,
                                       guint         k,
                                       double       *p);
void     _kiln_mlp_softmax_row    (const float *scores,
                                   guint        k,
                                   double      *p);

/* ---- Fitting (kiln-mlp-fit.c) -------------------------------------------------------------- */

gboolean _kiln_mlp_fit            (KilnModel             *model,
                                   const KilnDataset     *train,
                                   const KilnDataset     *val,
                                   const KilnFitMonitor  *monitor,
                                   GCancellable          *cancellable,
                                   GError               **error);

G_END_DECLS
