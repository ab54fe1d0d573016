/* kiln-mlp-kernels.c: the multilayer perceptron's float kernels: the forward pass (sgemm, the
 * levels' gathered weight rows), ReLU and its derivative, the levels' scattered gradient rows,
 * softmax (kiln-mlp-private.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-mlp"

#include "config.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "kiln-mlp-private.h"

/* Branch-free ReLU and its derivative, four at a time (the vector extension's comparisons give
 * all-ones or zero masks): half the signs are random, so a branch mispredicts half the time.
 * After relu() no value is -0. */
typedef guint32 U4 __attribute__ ((vector_size (16)));

static void
relu (float *a,
      gsize  n)
{
  guint32 *bits = (guint32 *) a;
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      U4 v;
      memcpy (&v, bits + i, sizeof v);
      v &= (U4) ((v >> 31) == 0);
      memcpy (bits + i, &v, sizeof v);
    }
  for (; i < n; i++)
    bits[i] &= ~(guint32) ((gint32) bits[i] >> 31);
}

/* delta[i] = 0 where the unit was off (a[i] == +0 after relu ()). */
void
_kiln_mlp_relu_backward (const float *restrict a,
                         float       *restrict delta,
                         gsize                 n)
{
  const guint32 *abits = (const guint32 *) a;
  guint32 *dbits = (guint32 *) delta;
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      U4 va, vd;
      memcpy (&va, abits + i, sizeof va);
      memcpy (&vd, dbits + i, sizeof vd);
      vd &= (U4) (va != 0);
      memcpy (dbits + i, &vd, sizeof vd);
    }
  for (; i < n; i++)
    dbits[i] &= -(guint32) (abits[i] != 0);
}

/* Four floats at a time, written with GCC's vector extension (clang has it too): at -O2 GCC
 * leaves loops of unknown length scalar, and the categorical codes' gathered rows of first-layer
 * weights (forward) and their scattered gradient rows (backward) were the MLP's hottest loops.
 * Each element still takes its sums in the same order, so the results are the scalar loops'. */
typedef float V4 __attribute__ ((vector_size (16)));

static inline V4
v4_load (const float *p)
{
  V4 v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
v4_store (float *p,
          V4     v)
{
  memcpy (p, &v, sizeof v);
}

/* @dst (@out floats) += the rows of @src (@out floats each) listed in @list (@n of them), added
 * in that order, sixteen units at a time kept in registers over the rows: the levels' weight
 * rows gathered into a row's first-layer sums (forward), and the deltas of a level's rows
 * scattered into its gradient row (backward). */
static void
add_listed_rows (float         *restrict dst,
                 const float   *restrict src,
                 const guint32 *list,
                 guint          n,
                 guint          out)
{
  guint u = 0;

  for (; u + 16 <= out; u += 16)
    {
      V4 s0 = v4_load (dst + u), s1 = v4_load (dst + u + 4);
      V4 s2 = v4_load (dst + u + 8), s3 = v4_load (dst + u + 12);

      for (guint r = 0; r < n; r++)
        {
          const float *row = src + (gsize) list[r] * out + u;
          s0 += v4_load (row);
          s1 += v4_load (row + 4);
          s2 += v4_load (row + 8);
          s3 += v4_load (row + 12);
        }
      v4_store (dst + u, s0);
      v4_store (dst + u + 4, s1);
      v4_store (dst + u + 8, s2);
      v4_store (dst + u + 12, s3);
    }
  for (; u + 4 <= out; u += 4)
    {
      V4 s = v4_load (dst + u);
      for (guint r = 0; r < n; r++)
        s += v4_load (src + (gsize) list[r] * out + u);
      v4_store (dst + u, s);
    }
  for (; u < out; u++)
    for (guint r = 0; r < n; r++)
      dst[u] += src[(gsize) list[r] * out + u];
}

/* One row of the first layer's sums: @a (@out units) gets the rows of @w0 of the row's levels
 * (@codes, @nc of them) added, in the order of the columns; @list holds @nc entries. */
static void
gather_levels (float         *restrict a,
               const float   *restrict w0,
               const guint32 *codes,
               const guint   *level_offset,
               guint          nc,
               guint          out,
               guint32       *list)
{
  guint n = 0;

  for (guint j = 0; j < nc; j++)
    if (codes[j] != KILN_CODE_NONE)
      list[n++] = level_offset[j] + codes[j];
  add_listed_rows (a, w0, list, n, out);
}

/* The first layer's gradient rows of the levels: each level's row gets the deltas (@rows x
 * @out) of the batch's rows that have it, in row order (the rows of each column put in level
 * order by a stable counting sort, so every sum is taken in the order of the plain loop over
 * rows). @list holds @rows entries, @start the largest level count + 1. */
void
_kiln_mlp_scatter_levels (const KilnModel *model,
                          float           *gw0,
                          const float     *delta,
                          const guint32   *codes,
                          guint            rows,
                          guint            out,
                          guint32         *list,
                          guint           *start)
{
  guint nc = model->n_categorical;

  for (guint j = 0; j < nc; j++)
    {
      guint n_levels = model->n_levels[j];

      memset (start, 0, (n_levels + 1) * sizeof (guint));
      for (guint i = 0; i < rows; i++)
        {
          guint32 c = codes[(gsize) i * nc + j];
          if (c != KILN_CODE_NONE)
            start[c + 1]++;
        }
      for (guint c = 0; c < n_levels; c++)
        start[c + 1] += start[c];
      for (guint i = 0; i < rows; i++)
        {
          guint32 c = codes[(gsize) i * nc + j];
          if (c != KILN_CODE_NONE)
            list[start[c]++] = i;
        }
      /* start[c] is now the end of level c's rows */
      for (guint c = 0, begin = 0; c < n_levels; begin = start[c], c++)
        if (start[c] > begin)
          add_listed_rows (gw0 + (gsize) (model->level_offset[j] + c) * out, delta,
                           list + begin, start[c] - begin, out);
    }
}

/* Forward pass of @rows rows from layer @first: acts[first] is its input (rows x sizes[first]);
 * fills acts[first + 1 .. n_layers]. The output layer is left as raw scores. */
static void
forward_from (const KilnMlp *self,
              float * const *w,
              float * const *b,
              float        **acts,
              guint          rows,
              guint          first)
{
  for (guint l = first; l < self->n_layers; l++)
    {
      guint in = self->sizes[l], out = self->sizes[l + 1];
      float *a = acts[l + 1];

      for (guint i = 0; i < rows; i++)
        memcpy (a + (gsize) i * out, b[l], out * sizeof (float));
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, out, in,
                   1.0f, acts[l], in, w[l], out, 1.0f, a, out);
      if (l + 1 < self->n_layers)
        relu (a, (gsize) rows * out);
    }
}

void
_kiln_mlp_forward (const KilnMlp *self,
                   float * const *w,
                   float * const *b,
                   float        **acts,
                   guint          rows)
{
  forward_from (self, w, b, acts, rows, 0);
}

/* The first layer with categorical codes into acts[1], then the rest: @x holds the rows' numeric
 * features (rows x n_dense), @codes their codes (rows x n_categorical). A level's one-hot column
 * is 1: its row of first-layer weights is added (gathered), never multiplied by a dense row. */
void
_kiln_mlp_forward_coded (const KilnMlp *self,
                         float * const *w,
                         float * const *b,
                         float        **acts,
                         const float   *x,
                         const guint32 *codes,
                         const KilnMlpSparseRows *sp,
                         guint          rows)
{
  const KilnModel *model = &self->parent;
  guint nd = model->n_dense, nc = model->n_categorical, out = self->sizes[1];
  float *a = acts[1];

  for (guint i = 0; i < rows; i++)
    memcpy (a + (gsize) i * out, b[0], out * sizeof (float));
  if (nd > 0)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, out, nd,
                 1.0f, x, nd, w[0], out, 1.0f, a, out);
  if (nc > 0)
    {
      g_autofree guint32 *list = g_new (guint32, nc);

      for (guint i = 0; i < rows; i++)
        gather_levels (a + (gsize) i * out, w[0], codes + (gsize) i * nc, model->level_offset,
                       nc, out, list);
    }
  if (sp != NULL)
    _kiln_mlp_sparse_forward (sp, w[0], model->sparse_offset, out, a);
  if (self->n_layers > 1)
    relu (a, (gsize) rows * out);
  forward_from (self, w, b, acts, rows, 1);
}

/* The forward pass of rows [r0, r0 + rows) of @data, dense or with codes. */
void
_kiln_mlp_forward_rows (const KilnMlp     *self,
                        float            **acts,
                        const KilnDataset *data,
                        guint              r0,
                        guint              rows)
{
  KilnMlpSparseRows sp = { 0, };

  if (data->n_sparse > 0)
    _kiln_mlp_sparse_rows_view (&sp, data, r0, rows);
  if (data->n_categorical > 0 || data->n_sparse > 0)
    _kiln_mlp_forward_coded (self, self->w, self->b, acts, data->x + (gsize) r0 * data->n_features,
                   data->codes + (gsize) r0 * data->n_categorical,
                   data->n_sparse > 0 ? &sp : NULL, rows);
  else
    {
      acts[0] = data->x + (gsize) r0 * data->n_features;
      _kiln_mlp_forward (self, self->w, self->b, acts, rows);
    }
}

/* Softmax of one row of scores, in double (@p may be @scores). */
void
_kiln_mlp_softmax_row_double (const double *scores,
                              guint         k,
                              double       *p)
{
  double m = -INFINITY, sum = 0.0;

  for (guint c = 0; c < k; c++)
    m = MAX (m, scores[c]);
  for (guint c = 0; c < k; c++)
    sum += (p[c] = exp (scores[c] - m));
  for (guint c = 0; c < k; c++)
    p[c] /= sum;
}

void
_kiln_mlp_softmax_row (const float *scores,
                       guint        k,
                       double      *p)
{
  for (guint c = 0; c < k; c++)
    p[c] = scores[c];
  _kiln_mlp_softmax_row_double (p, k, p);
}
