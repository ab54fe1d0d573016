/* kiln-mlp-sparse.h: the multilayer perceptron's first layer on text features (private to
 * kiln-mlp.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A text column's TF-IDF terms (kiln-dataset.h) are the last model->n_sparse features of the
 * one-hot view, so their first-layer weights are rows sparse_offset .. of w[0] (n_features x
 * out, row-major). A row's hidden pre-activations gain, per term of the row, its weight times
 * that row of w[0] (a sparse x dense product), and the gradient of w[0] gains, per term, its
 * weight times the row's deltas: never a rows x vocabulary matrix.
 */
#pragma once

#include "kiln-dataset.h"

G_BEGIN_DECLS

/* Rows' sparse features in CSR form: row i's terms are index[ptr[i] .. ptr[i + 1]) (absolute
 * offsets, as in KilnDataset) with their weights in value. */
typedef struct {
  guint          n_rows;
  const gsize   *ptr;
  const guint32 *index;
  const float   *value;
  /* owned copies when gathered from shuffled rows */
  gsize         *own_ptr;
  guint32       *own_index;
  float         *own_value;
  gsize          capacity;
} KilnMlpSparseRows;

/* Rows [first, first + n) of @data, sharing its arrays. */
void _kiln_mlp_sparse_rows_view   (KilnMlpSparseRows       *rows,
                                   const KilnDataset       *data,
                                   guint                    first,
                                   guint                    n);
/* Rows order[0 .. n) of @data copied into @rows' own arrays (grown as needed). */
void _kiln_mlp_sparse_rows_gather (KilnMlpSparseRows       *rows,
                                   const KilnDataset       *data,
                                   const guint32           *order,
                                   guint                    n);
void _kiln_mlp_sparse_rows_clear  (KilnMlpSparseRows       *rows);

/* a (n_rows x out) += rows' terms x w0[sparse_offset ..] */
void _kiln_mlp_sparse_forward     (const KilnMlpSparseRows *rows,
                                   const float             *w0,
                                   guint                    sparse_offset,
                                   guint                    out,
                                   float                   *a);
/* The same in double, for predicting. */
void _kiln_mlp_sparse_forward_double (const KilnMlpSparseRows *rows,
                                      const double            *w0,
                                      guint                    sparse_offset,
                                      guint                    out,
                                      double                  *a);
/* gw0[sparse_offset ..] += rows' terms transposed x delta (n_rows x out) */
void _kiln_mlp_sparse_backward    (const KilnMlpSparseRows *rows,
                                   const float             *delta,
                                   guint                    sparse_offset,
                                   guint                    out,
                                   float                   *gw0);

G_END_DECLS
