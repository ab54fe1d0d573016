/* kiln-mlp.c: a multilayer perceptron (ReLU hidden layers; softmax or identity output), Adam.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shaped like karpathy/llm.c: all weights and biases live in one contiguous float buffer with named
 * views into it (w[l], b[l]), and so do the gradients and Adam's two moments, so one loop walks
 * them all and saving writes one array. Mini-batches go through cblas_sgemm on one OpenBLAS
 * thread (at these shapes a second thread only slows it down).
 *
 * The numerics follow scikit-learn's MLPClassifier / MLPRegressor: Glorot-uniform initialisation
 * of weights and biases, mean log-loss (or half mean squared error) plus alpha/2 ||W||^2 / batch,
 * Adam (lr 1e-3, beta 0.9 / 0.999, eps 1e-8) with bias-corrected step size, batches of 200 rows
 * reshuffled every epoch, and stopping after `patience` epochs without an improvement of 1e-4 in
 * the monitored loss. Two differences: the monitored loss is the validation loss when there is a
 * validation split (the best epoch's weights are kept), and regression standardises the target
 * internally (scikit-learn does not, and can score a negative R^2 on prices in the thousands).
 *
 * Training runs in float; prediction in double, from a double copy of the float weights (exact):
 * float sums taken in another order (another BLAS kernel, a gathered weight row instead of a
 * one-hot product, ONNX Runtime running the exported graph) differ in the seventh digit, which
 * the target's scale makes 4e-3 on prices; double sums agree to about 1e-12 whatever their order.
 */
#define G_LOG_DOMAIN "kiln-mlp"

#include "config.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model.h"
#include "kiln-model-private.h"
#include "kiln-mlp-sparse.h"
#include "kiln-rng.h"

#define MAX_LAYERS   (G_N_ELEMENTS (((KilnModelOptions *) NULL)->hidden) + 1)
#define TOL          1e-4
#define BETA1        0.9
#define BETA2        0.999
#define ADAM_EPS     1e-8
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

/* Offsets of the views for a given layout; returns the total size. */
static gsize
layout (const guint *sizes,
        guint        n_layers,
        gsize       *w_off,
        gsize       *b_off)
{
  gsize off = 0;

  for (guint l = 0; l < n_layers; l++)
    {
      w_off[l] = off;
      off += (gsize) sizes[l] * sizes[l + 1];
      b_off[l] = off;
      off += sizes[l + 1];
    }
  return off;
}

static void
set_views (KilnMlp *self,
           float   *buffer,
           float  **w,
           float  **b)
{
  gsize w_off[MAX_LAYERS], b_off[MAX_LAYERS];

  layout (self->sizes, self->n_layers, w_off, b_off);
  for (guint l = 0; l < self->n_layers; l++)
    {
      w[l] = buffer + w_off[l];
      b[l] = buffer + b_off[l];
    }
}

/* The double copy of the params that prediction reads (after fitting or loading them). */
static void
make_double (KilnMlp *self)
{
  gsize w_off[MAX_LAYERS], b_off[MAX_LAYERS];

  g_free (self->dparams);
  self->dparams = g_new (double, MAX (self->n_params, 1));
  for (gsize i = 0; i < self->n_params; i++)
    self->dparams[i] = self->params[i];
  layout (self->sizes, self->n_layers, w_off, b_off);
  for (guint l = 0; l < self->n_layers; l++)
    {
      self->dw[l] = self->dparams + w_off[l];
      self->db[l] = self->dparams + b_off[l];
    }
}

static guint
max_width (const KilnMlp *self)
{
  guint m = 0;

  for (guint l = 1; l <= self->n_layers; l++)
    m = MAX (m, self->sizes[l]);
  return m;
}

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
static void
relu_backward (const float *restrict a,
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

/* One row of the first layer's sums: @a (@out units) gets the rows of @w0 of the row's levels
 * (@codes, @nc of them) added, in the order of the columns, sixteen units at a time kept in
 * registers over the columns. */
static void
gather_levels (float         *restrict a,
               const float   *restrict w0,
               const guint32 *codes,
               const guint   *level_offset,
               guint          nc,
               guint          out)
{
  guint u = 0;

  for (; u + 16 <= out; u += 16)
    {
      V4 s0 = v4_load (a + u), s1 = v4_load (a + u + 4);
      V4 s2 = v4_load (a + u + 8), s3 = v4_load (a + u + 12);

      for (guint j = 0; j < nc; j++)
        if (codes[j] != KILN_CODE_NONE)
          {
            const float *wr = w0 + (gsize) (level_offset[j] + codes[j]) * out + u;
            s0 += v4_load (wr);
            s1 += v4_load (wr + 4);
            s2 += v4_load (wr + 8);
            s3 += v4_load (wr + 12);
          }
      v4_store (a + u, s0);
      v4_store (a + u + 4, s1);
      v4_store (a + u + 8, s2);
      v4_store (a + u + 12, s3);
    }
  for (; u + 4 <= out; u += 4)
    {
      V4 s = v4_load (a + u);
      for (guint j = 0; j < nc; j++)
        if (codes[j] != KILN_CODE_NONE)
          s += v4_load (w0 + (gsize) (level_offset[j] + codes[j]) * out + u);
      v4_store (a + u, s);
    }
  for (; u < out; u++)
    for (guint j = 0; j < nc; j++)
      if (codes[j] != KILN_CODE_NONE)
        a[u] += w0[(gsize) (level_offset[j] + codes[j]) * out + u];
}

/* @g += the rows of @delta listed in @list (@n of them, in that order), sixteen units at a time
 * kept in registers over the rows. */
static void
add_listed_rows (float         *restrict g,
                 const float   *restrict delta,
                 const guint32 *list,
                 guint          n,
                 guint          out)
{
  guint u = 0;

  for (; u + 16 <= out; u += 16)
    {
      V4 s0 = v4_load (g + u), s1 = v4_load (g + u + 4);
      V4 s2 = v4_load (g + u + 8), s3 = v4_load (g + u + 12);

      for (guint r = 0; r < n; r++)
        {
          const float *d = delta + (gsize) list[r] * out + u;
          s0 += v4_load (d);
          s1 += v4_load (d + 4);
          s2 += v4_load (d + 8);
          s3 += v4_load (d + 12);
        }
      v4_store (g + u, s0);
      v4_store (g + u + 4, s1);
      v4_store (g + u + 8, s2);
      v4_store (g + u + 12, s3);
    }
  for (; u < out; u++)
    for (guint r = 0; r < n; r++)
      g[u] += delta[(gsize) list[r] * out + u];
}

/* The first layer's gradient rows of the levels: each level's row gets the deltas (@rows x
 * @out) of the batch's rows that have it, in row order (the rows of each column put in level
 * order by a stable counting sort, so every sum is taken in the order of the plain loop over
 * rows). @list holds @rows entries, @start the largest level count + 1. */
static void
scatter_levels (const KilnModel *model,
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

static void
forward (const KilnMlp *self,
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
static void
forward_coded (const KilnMlp *self,
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
    for (guint i = 0; i < rows; i++)
      gather_levels (a + (gsize) i * out, w[0], codes + (gsize) i * nc, model->level_offset, nc, out);
  if (sp != NULL)
    _kiln_mlp_sparse_forward (sp, w[0], model->sparse_offset, out, a);
  if (self->n_layers > 1)
    relu (a, (gsize) rows * out);
  forward_from (self, w, b, acts, rows, 1);
}

/* The forward pass of rows [r0, r0 + rows) of @data, dense or with codes. */
static void
forward_rows (const KilnMlp     *self,
              float            **acts,
              const KilnDataset *data,
              guint              r0,
              guint              rows)
{
  KilnMlpSparseRows sp = { 0, };

  if (data->n_sparse > 0)
    _kiln_mlp_sparse_rows_view (&sp, data, r0, rows);
  if (data->n_categorical > 0 || data->n_sparse > 0)
    forward_coded (self, self->w, self->b, acts, data->x + (gsize) r0 * data->n_features,
                   data->codes + (gsize) r0 * data->n_categorical,
                   data->n_sparse > 0 ? &sp : NULL, rows);
  else
    {
      acts[0] = data->x + (gsize) r0 * data->n_features;
      forward (self, self->w, self->b, acts, rows);
    }
}

/* e^x in float for x <= 0 (softmax after subtracting the row maximum), inline: glibc's expf is a
 * call per element, and the training softmax makes batch x classes of them per step. Range
 * reduction x = k ln2 + r, |r| <= ln2/2, then e^r by its Taylor series to degree 7 (relative error
 * below 2e-7, about 2 ulp), then 2^k through the exponent bits. */
static inline float
expf_nonpositive (float x)
{
  float k, r, p, scale;
  gint32 bits;

  if (x < -87.0f)
    return 0.0f;
  k = (x * 1.44269504f + 0x1.8p23f) - 0x1.8p23f;   /* round to nearest */
  r = (x - k * 0.693145752f) - k * 1.42860677e-06f;
  p = r * (1.0f / 5040.0f) + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  bits = (127 + (gint32) k) << 23;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

/* Softmax of one row of scores, in double (@p may be @scores). */
static void
softmax_row_double (const double *scores,
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

static void
softmax_row (const float *scores,
             guint        k,
             double      *p)
{
  for (guint c = 0; c < k; c++)
    p[c] = scores[c];
  softmax_row_double (p, k, p);
}

/* ---- Evaluation on a data set (validation) ------------------------------------------------- */

typedef struct {
  float **acts;     /* n_layers + 1 buffers of PREDICT_ROWS x max_width */
  double *p;
} Scratch;

static void
scratch_init (Scratch       *scratch,
              const KilnMlp *self,
              guint          rows)
{
  guint width = max_width (self);

  scratch->acts = g_new0 (float *, self->n_layers + 1);
  for (guint l = 1; l <= self->n_layers; l++)
    scratch->acts[l] = g_new (float, (gsize) rows * width);
  scratch->p = g_new (double, self->sizes[self->n_layers]);
}

static void
scratch_clear (Scratch       *scratch,
               const KilnMlp *self)
{
  for (guint l = 1; l <= self->n_layers; l++)
    g_free (scratch->acts[l]);
  g_free (scratch->acts);
  g_free (scratch->p);
}

/* Mean loss (log-loss, or half squared error in standardised units) and metric (accuracy or R^2). */
static void
evaluate (const KilnMlp     *self,
          const KilnDataset *data,
          double            *loss_out,
          double            *metric_out)
{
  Scratch scratch;
  guint k = self->sizes[self->n_layers];
  double loss = 0.0, sse = 0.0, sst = 0.0, mean = 0.0;
  guint correct = 0;

  scratch_init (&scratch, self, PREDICT_ROWS);
  if (data->task == KILN_TASK_REGRESSION)
    {
      for (guint i = 0; i < data->n_rows; i++)
        mean += data->y_value[i];
      mean /= data->n_rows;
    }
  for (guint r0 = 0; r0 < data->n_rows; r0 += PREDICT_ROWS)
    {
      guint rows = MIN (PREDICT_ROWS, data->n_rows - r0);
      const float *out;

      forward_rows (self, scratch.acts, data, r0, rows);
      out = scratch.acts[self->n_layers];
      for (guint i = 0; i < rows; i++)
        if (data->task == KILN_TASK_CLASSIFICATION)
          {
            gint32 y = data->y_class[r0 + i];
            guint best = 0;

            softmax_row (out + (gsize) i * k, k, scratch.p);
            for (guint c = 1; c < k; c++)
              if (scratch.p[c] > scratch.p[best])
                best = c;
            correct += best == (guint) y;
            loss -= log (MAX (scratch.p[y], 1e-300));
          }
        else
          {
            double y = data->y_value[r0 + i];
            double z = (y - self->y_mean) / self->y_scale;
            double e = out[i] - z;
            double pred = self->y_mean + self->y_scale * out[i];

            loss += 0.5 * e * e;
            sse += (y - pred) * (y - pred);
            sst += (y - mean) * (y - mean);
          }
    }
  scratch_clear (&scratch, self);
  *loss_out = loss / data->n_rows;
  if (data->task == KILN_TASK_CLASSIFICATION)
    *metric_out = (double) correct / data->n_rows;
  else
    *metric_out = sst > 0.0 ? 1.0 - sse / sst : (sse == 0.0 ? 1.0 : 0.0);
}

/* ---- Fitting ------------------------------------------------------------------------------ */

static KilnMlp *
make_snapshot (KilnMlp *self)
{
  KilnMlp *copy = (KilnMlp *) _kiln_model_new_like (&self->parent);

  copy->n_layers = self->n_layers;
  memcpy (copy->sizes, self->sizes, sizeof self->sizes);
  copy->n_params = self->n_params;
  copy->params = g_memdup2 (self->params, self->n_params * sizeof (float));
  set_views (copy, copy->params, copy->w, copy->b);
  make_double (copy);
  copy->y_mean = self->y_mean;
  copy->y_scale = self->y_scale;
  copy->parent.fitted = TRUE;
  return copy;
}

static gboolean
mlp_fit_inner (KilnMlp               *self,
               const KilnDataset     *train,
               const KilnDataset     *val,
               const KilnFitMonitor  *monitor,
               GCancellable          *cancellable,
               GError               **error)
{
  KilnModel *model = &self->parent;
  const KilnModelOptions *opt = &model->options;
  gboolean cls = train->task == KILN_TASK_CLASSIFICATION;
  guint n = train->n_rows, d = model->n_features, nd = train->n_features;
  guint nc = train->n_categorical;
  gboolean coded = nc > 0 || train->n_sparse > 0;   /* the first layer gathers weight rows */
  KilnMlpSparseRows batch_sp = { 0, };
  g_autofree guint32 *batch_codes = NULL, *level_list = NULL;
  g_autofree guint *level_start = NULL;
  guint batch = MIN (MAX (opt->batch_size, 1u), n);
  guint k, width;
  float alpha = (float) opt->mlp_alpha;
  float *gw[MAX_LAYERS], *gb[MAX_LAYERS];
  g_autofree float *grads = NULL, *adam_m = NULL, *adam_v = NULL, *best = NULL;
  g_autofree float *delta = NULL, *delta_prev = NULL;
  g_autofree float *y_std = NULL;
  g_autofree guint32 *order = NULL;
  g_autofree float *ones = NULL;
  float *acts[MAX_LAYERS + 1];
  double best_loss = INFINITY;
  guint no_improvement = 0;
  guint64 step = 0;
  KilnRng rng;

  self->n_layers = 0;
  self->sizes[0] = d;
  for (guint l = 0; l < G_N_ELEMENTS (opt->hidden) && opt->hidden[l] != 0; l++)
    self->sizes[++self->n_layers] = opt->hidden[l];
  k = cls ? train->n_classes : 1;
  self->sizes[++self->n_layers] = k;
  width = max_width (self);

  self->y_mean = 0.0;
  self->y_scale = 1.0;
  if (!cls)
    {
      double mean = 0.0, var = 0.0;
      for (guint i = 0; i < n; i++)
        mean += train->y_value[i];
      mean /= n;
      for (guint i = 0; i < n; i++)
        var += (train->y_value[i] - mean) * (train->y_value[i] - mean);
      var /= n;
      self->y_mean = mean;
      self->y_scale = var > 0.0 ? sqrt (var) : 1.0;
      y_std = g_new (float, n);
      for (guint i = 0; i < n; i++)
        y_std[i] = (float) ((train->y_value[i] - mean) / self->y_scale);
    }

  /* Parameters and Glorot-uniform initialisation. */
  {
    gsize w_off[MAX_LAYERS], b_off[MAX_LAYERS];
    self->n_params = layout (self->sizes, self->n_layers, w_off, b_off);
  }
  self->params = g_new (float, self->n_params);
  set_views (self, self->params, self->w, self->b);
  kiln_rng_init (&rng, opt->seed);
  for (guint l = 0; l < self->n_layers; l++)
    {
      guint in = self->sizes[l], out = self->sizes[l + 1];
      float bound = sqrtf (6.0f / (float) (in + out));
      for (gsize i = 0; i < (gsize) in * out; i++)
        self->w[l][i] = (2.0f * kiln_rng_float (&rng) - 1.0f) * bound;
      for (guint i = 0; i < out; i++)
        self->b[l][i] = (2.0f * kiln_rng_float (&rng) - 1.0f) * bound;
    }

  grads = g_new0 (float, self->n_params);
  adam_m = g_new0 (float, self->n_params);
  adam_v = g_new0 (float, self->n_params);
  set_views (self, grads, gw, gb);
  acts[0] = g_new (float, (gsize) batch * MAX (coded ? nd : d, 1));
  if (nc > 0)
    {
      guint most = 0;
      for (guint j = 0; j < nc; j++)
        most = MAX (most, model->n_levels[j]);
      batch_codes = g_new (guint32, (gsize) batch * nc);
      level_list = g_new (guint32, batch);
      level_start = g_new (guint, most + 1);
    }
  for (guint l = 1; l <= self->n_layers; l++)
    acts[l] = g_new (float, (gsize) batch * self->sizes[l]);
  delta = g_new (float, (gsize) batch * width);
  delta_prev = g_new (float, (gsize) batch * width);
  order = g_new (guint32, n);
  ones = g_new (float, batch);
  for (guint i = 0; i < batch; i++)
    ones[i] = 1.0f;
  for (guint i = 0; i < n; i++)
    order[i] = i;

  for (guint epoch = 0; epoch < opt->epochs; epoch++)
    {
      double epoch_loss = 0.0, val_loss = NAN, val_metric = NAN, monitored;
      gboolean improved;

      kiln_rng_shuffle_u32 (&rng, order, n);
      for (guint start = 0; start < n; start += batch)
        {
          guint rows = MIN (batch, n - start);
          float *out = acts[self->n_layers];
          double loss = 0.0, w2 = 0.0;
          float inv_rows = 1.0f / rows;
          double lr_t;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            goto fail;

          if (coded)
            {
              if (train->n_sparse > 0)
                _kiln_mlp_sparse_rows_gather (&batch_sp, train, order + start, rows);
              for (guint i = 0; i < rows; i++)
                {
                  if (nd > 0)
                    memcpy (acts[0] + (gsize) i * nd, train->x + (gsize) order[start + i] * nd,
                            nd * sizeof (float));
                  if (nc > 0)
                    memcpy (batch_codes + (gsize) i * nc,
                            train->codes + (gsize) order[start + i] * nc, nc * sizeof (guint32));
                }
              forward_coded (self, self->w, self->b, acts, acts[0], batch_codes,
                             train->n_sparse > 0 ? &batch_sp : NULL, rows);
            }
          else
            {
              for (guint i = 0; i < rows; i++)
                memcpy (acts[0] + (gsize) i * d, train->x + (gsize) order[start + i] * d,
                        d * sizeof (float));
              forward (self, self->w, self->b, acts, rows);
            }

          /* Output gradient, d loss / d scores, averaged over the batch. */
          for (guint i = 0; i < rows; i++)
            {
              float *o = out + (gsize) i * k, *dl = delta + (gsize) i * k;
              if (cls)
                {
                  gint32 y = train->y_class[order[start + i]];
                  float m = o[0], sum = 0.0f, scale;

                  /* float softmax, inline exp */
                  for (guint c = 1; c < k; c++)
                    m = MAX (m, o[c]);
                  for (guint c = 0; c < k; c++)
                    sum += (dl[c] = expf_nonpositive (o[c] - m));
                  loss += log ((double) sum) - (double) (o[y] - m);
                  scale = inv_rows / sum;
                  for (guint c = 0; c < k; c++)
                    dl[c] *= scale;
                  dl[y] -= inv_rows;
                }
              else
                {
                  float e = o[0] - y_std[order[start + i]];
                  loss += 0.5 * (double) e * e;
                  dl[0] = e * inv_rows;
                }
            }

          /* Backward. */
          for (guint l = self->n_layers; l-- > 0;)
            {
              guint in = self->sizes[l], o = self->sizes[l + 1];
              float *a = acts[l];

              memcpy (gw[l], self->w[l], (gsize) in * o * sizeof (float));
              if (l == 0 && coded)
                {
                  /* the numeric rows through sgemm, each level's row of the gradient gets the
                   * deltas of the rows that have it */
                  float decay = alpha * inv_rows;
                  for (gsize i = 0; i < (gsize) in * o; i++)
                    gw[0][i] *= decay;
                  if (nd > 0)
                    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, nd, o, rows,
                                 1.0f, a, nd, delta, o, 1.0f, gw[0], o);
                  if (nc > 0)
                    scatter_levels (model, gw[0], delta, batch_codes, rows, o, level_list,
                                    level_start);
                  if (train->n_sparse > 0)
                    _kiln_mlp_sparse_backward (&batch_sp, delta, model->sparse_offset, o, gw[0]);
                }
              else
                cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, in, o, rows,
                             1.0f, a, in, delta, o, alpha * inv_rows, gw[l], o);
              cblas_sgemv (CblasRowMajor, CblasTrans, rows, o, 1.0f, delta, o, ones, 1,
                           0.0f, gb[l], 1);
              if (l > 0)
                {
                  float *t;
                  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, in, o,
                               1.0f, delta, o, self->w[l], o, 0.0f, delta_prev, in);
                  relu_backward (a, delta_prev, (gsize) rows * in);
                  t = delta;
                  delta = delta_prev;
                  delta_prev = t;
                }
            }

          for (guint l = 0; l < self->n_layers; l++)
            {
              gsize nw = (gsize) self->sizes[l] * self->sizes[l + 1];
              for (gsize i = 0; i < nw; i++)
                w2 += (double) self->w[l][i] * self->w[l][i];
            }
          loss = loss / rows + 0.5 * alpha * w2 / rows;
          epoch_loss += loss * rows;

          /* Adam. */
          step++;
          lr_t = opt->learning_rate * sqrt (1.0 - pow (BETA2, (double) step))
                 / (1.0 - pow (BETA1, (double) step));
          {
            float lr_f = (float) lr_t;
            for (gsize i = 0; i < self->n_params; i++)
              {
                float g = grads[i];
                adam_m[i] = (float) BETA1 * adam_m[i] + (float) (1.0 - BETA1) * g;
                adam_v[i] = (float) BETA2 * adam_v[i] + (float) (1.0 - BETA2) * g * g;
                self->params[i] -= lr_f * adam_m[i] / (sqrtf (adam_v[i]) + (float) ADAM_EPS);
              }
          }
        }

      epoch_loss /= n;
      if (!isfinite (epoch_loss))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                       _("The network's loss became infinite or not a number at epoch %u; try a smaller learning rate."),
                       epoch + 1);
          goto fail;
        }
      if (val != NULL)
        evaluate (self, val, &val_loss, &val_metric);
      monitored = val != NULL ? val_loss : epoch_loss;

      if (monitored > best_loss - TOL)
        no_improvement++;
      else
        no_improvement = 0;
      improved = monitored < best_loss;
      if (improved)
        {
          best_loss = monitored;
          if (val != NULL)
            {
              if (best == NULL)
                best = g_new (float, self->n_params);
              memcpy (best, self->params, self->n_params * sizeof (float));
            }
        }
      if (monitor != NULL && monitor->epoch != NULL)
        {
          KilnMlp *snapshot = improved ? make_snapshot (self) : NULL;
          monitor->epoch (epoch + 1, epoch_loss, val_loss, val_metric,
                          (KilnModel *) snapshot, monitor->user_data);
          if (snapshot != NULL)
            kiln_model_unref (&snapshot->parent);
        }
      if (monitor != NULL && monitor->progress != NULL)
        monitor->progress ((double) (epoch + 1) / opt->epochs, monitor->user_data);
      if (no_improvement > opt->patience)
        break;
    }

  if (best != NULL)
    memcpy (self->params, best, self->n_params * sizeof (float));
  make_double (self);
  for (guint l = 0; l <= self->n_layers; l++)
    g_free (acts[l]);
  _kiln_mlp_sparse_rows_clear (&batch_sp);
  return TRUE;

fail:
  for (guint l = 0; l <= self->n_layers; l++)
    g_free (acts[l]);
  _kiln_mlp_sparse_rows_clear (&batch_sp);
  return FALSE;
}

static gboolean
mlp_fit (KilnModel             *model,
         const KilnDataset     *train,
         const KilnDataset     *val,
         const KilnFitMonitor  *monitor,
         GCancellable          *cancellable,
         GError               **error)
{
  int threads = openblas_get_num_threads ();
  gboolean ok;

  openblas_set_num_threads (1);
  ok = mlp_fit_inner ((KilnMlp *) model, train, val, monitor, cancellable, error);
  openblas_set_num_threads (threads);
  return ok;
}

/* ---- Prediction ---------------------------------------------------------------------------- */

/* The forward pass in double of @rows rows of @data from row @r0: acts[0] (rows x sizes[0], or
 * x n_dense with codes) takes the rows' features, acts[n_layers] gets the raw scores. */
static void
forward_double (const KilnMlp     *self,
                double           **acts,
                const KilnDataset *data,
                guint              r0,
                guint              rows)
{
  const KilnModel *model = &self->parent;
  guint nc = data->n_categorical, nd = data->n_features, first = 0;

  for (gsize i = 0; i < (gsize) rows * nd; i++)
    acts[0][i] = data->x[(gsize) r0 * nd + i];
  if (nc > 0 || data->n_sparse > 0)
    {
      /* the first layer: the numeric features' products, then each level's weight row */
      guint out = self->sizes[1];
      double *a = acts[1];

      for (guint i = 0; i < rows; i++)
        memcpy (a + (gsize) i * out, self->db[0], out * sizeof (double));
      if (nd > 0)
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, out, nd,
                     1.0, acts[0], nd, self->dw[0], out, 1.0, a, out);
      for (guint i = 0; i < rows; i++)
        for (guint j = 0; j < nc; j++)
          {
            guint32 c = data->codes[(gsize) (r0 + i) * nc + j];

            if (c != KILN_CODE_NONE)
              {
                const double *wr = self->dw[0] + (gsize) (model->level_offset[j] + c) * out;
                double *ar = a + (gsize) i * out;

                for (guint u = 0; u < out; u++)
                  ar[u] += wr[u];
              }
          }
      if (data->n_sparse > 0)
        {
          KilnMlpSparseRows sp = { 0, };
          _kiln_mlp_sparse_rows_view (&sp, data, r0, rows);
          _kiln_mlp_sparse_forward_double (&sp, self->dw[0], model->sparse_offset, out, a);
        }
      if (self->n_layers > 1)
        for (gsize i = 0; i < (gsize) rows * out; i++)
          a[i] = a[i] > 0.0 ? a[i] : 0.0;
      first = 1;
    }
  for (guint l = first; l < self->n_layers; l++)
    {
      guint in = self->sizes[l], out = self->sizes[l + 1];
      double *a = acts[l + 1];

      for (guint i = 0; i < rows; i++)
        memcpy (a + (gsize) i * out, self->db[l], out * sizeof (double));
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, out, in,
                   1.0, acts[l], in, self->dw[l], out, 1.0, a, out);
      if (l + 1 < self->n_layers)
        for (gsize i = 0; i < (gsize) rows * out; i++)
          a[i] = a[i] > 0.0 ? a[i] : 0.0;
    }
}

static void
mlp_predict (KilnModel         *model,
             const KilnDataset *rows,
             double            *out)
{
  KilnMlp *self = (KilnMlp *) model;
  guint k = self->sizes[self->n_layers], block = MIN (rows->n_rows, PREDICT_ROWS);
  guint width = max_width (self);
  double *acts[MAX_LAYERS + 1];

  acts[0] = g_new (double, (gsize) block * MAX (model->n_dense, 1));
  for (guint l = 1; l <= self->n_layers; l++)
    acts[l] = g_new (double, (gsize) block * width);
  for (guint r0 = 0; r0 < rows->n_rows; r0 += PREDICT_ROWS)
    {
      guint n = MIN (PREDICT_ROWS, rows->n_rows - r0);
      const double *scores;

      forward_double (self, acts, rows, r0, n);
      scores = acts[self->n_layers];
      for (guint i = 0; i < n; i++)
        if (model->task == KILN_TASK_CLASSIFICATION)
          softmax_row_double (scores + (gsize) i * k, k, out + (gsize) (r0 + i) * k);
        else
          out[r0 + i] = self->y_mean + self->y_scale * scores[i];
    }
  for (guint l = 0; l <= self->n_layers; l++)
    g_free (acts[l]);
}

/* ---- The rest of the interface ----------------------------------------------------------- */

static gboolean
mlp_check_options (const KilnModelOptions  *options,
                   GError                 **error)
{
  for (guint l = 0; l < G_N_ELEMENTS (options->hidden) && options->hidden[l] != 0; l++)
    if (options->hidden[l] > 65536)
      {
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                     _("A hidden layer of %u units is too large."), options->hidden[l]);
        return FALSE;
      }
  if (options->epochs == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The network needs at least one epoch."));
      return FALSE;
    }
  if (!isfinite (options->learning_rate) || options->learning_rate <= 0.0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The learning rate must be a positive number."));
      return FALSE;
    }
  if (options->batch_size == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The batch size must be at least one row."));
      return FALSE;
    }
  if (!isfinite (options->mlp_alpha) || options->mlp_alpha < 0.0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The network's weight penalty must be zero or a positive number."));
      return FALSE;
    }
  return TRUE;
}

static void
mlp_to_json (KilnModel   *model,
             JsonBuilder *builder)
{
  KilnMlp *self = (KilnMlp *) model;

  _kiln_json_add_uints (builder, "sizes", self->sizes, self->n_layers + 1);
  _kiln_json_add_floats (builder, "weights", self->params, self->n_params);
  json_builder_set_member_name (builder, "y_mean");
  json_builder_add_double_value (builder, self->y_mean);
  json_builder_set_member_name (builder, "y_scale");
  json_builder_add_double_value (builder, self->y_scale);
}

static gboolean
mlp_from_json (KilnModel   *model,
               JsonObject  *object,
               GError     **error)
{
  KilnMlp *self = (KilnMlp *) model;
  gint32 sizes[MAX_LAYERS + 1];
  gssize n_sizes = _kiln_json_get_array_length (object, "sizes", error);
  guint n_out = model->task == KILN_TASK_CLASSIFICATION ? model->n_classes : 1;
  gsize w_off[MAX_LAYERS], b_off[MAX_LAYERS];
  guint64 total = 0;

  if (n_sizes < 0)
    return FALSE;
  if (n_sizes < 2 || (gsize) n_sizes > G_N_ELEMENTS (sizes))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The network has an invalid number of layers."));
      return FALSE;
    }
  if (!_kiln_json_get_ints (object, "sizes", sizes, n_sizes, error))
    return FALSE;
  for (gssize l = 0; l < n_sizes; l++)
    if (sizes[l] <= 0 || sizes[l] > 1 << 20)
      {
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                     _("The network has a layer of invalid size."));
        return FALSE;
      }
  if ((guint) sizes[0] != model->n_features || (guint) sizes[n_sizes - 1] != n_out)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The network's layers do not match its features and outputs."));
      return FALSE;
    }
  self->n_layers = n_sizes - 1;
  for (gssize l = 0; l < n_sizes; l++)
    self->sizes[l] = sizes[l];
  for (guint l = 0; l < self->n_layers; l++)
    total += (guint64) self->sizes[l] * self->sizes[l + 1] + self->sizes[l + 1];
  if (total > G_MAXUINT32)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT, _("The network is too large."));
      return FALSE;
    }
  self->n_params = layout (self->sizes, self->n_layers, w_off, b_off);
  self->params = g_new0 (float, self->n_params);
  set_views (self, self->params, self->w, self->b);
  if (!_kiln_json_get_floats (object, "weights", self->params, self->n_params, error)
      || !_kiln_json_get_double (object, "y_mean", &self->y_mean, error)
      || !_kiln_json_get_double (object, "y_scale", &self->y_scale, error))
    return FALSE;
  make_double (self);
  return TRUE;
}

static void
mlp_finalize (KilnModel *model)
{
  KilnMlp *self = (KilnMlp *) model;

  g_free (self->params);
  g_free (self->dparams);
}

static const KilnModelOption * const mlp_options[] = {
  &kiln_model_option_hidden,
  &kiln_model_option_epochs,
  &kiln_model_option_learning_rate,
  &kiln_model_option_batch_size,
  &kiln_model_option_patience,
  &kiln_model_option_mlp_alpha,
  NULL,
};

static const KilnModelOps mlp_ops = {
  .codes = TRUE,
  .sparse = TRUE,
  .instance_size = sizeof (KilnMlp),
  .check_options = mlp_check_options,
  .fit = mlp_fit,
  .predict = mlp_predict,
  .to_json = mlp_to_json,
  .from_json = mlp_from_json,
  .importances = NULL,
  .finalize = mlp_finalize,
};

const KilnModelClass kiln_mlp_class = {
  .name = "mlp",
  .display_name = N_("Neural network (MLP)"),
  .classification = TRUE,
  .regression = TRUE,
  .iterative = TRUE,
  .needs_scaling = TRUE,
  .accepts_missing = FALSE,
  .options = mlp_options,
  .ops = &mlp_ops,
};
