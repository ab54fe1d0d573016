/* kiln-mlp-fit.c: training the multilayer perceptron: mini-batches, the backward pass, Adam,
 * early stopping on the validation loss (kiln-mlp.c says how it follows scikit-learn).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-mlp"

#include "config.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-mlp-private.h"
#include "kiln-rng.h"

#define TOL          1e-4
#define BETA1        0.9
#define BETA2        0.999
#define ADAM_EPS     1e-8

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
  guint width = _kiln_mlp_max_width (self);

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

      _kiln_mlp_forward_rows (self, scratch.acts, data, r0, rows);
      out = scratch.acts[self->n_layers];
      for (guint i = 0; i < rows; i++)
        if (data->task == KILN_TASK_CLASSIFICATION)
          {
            gint32 y = data->y_class[r0 + i];
            guint best = 0;

            _kiln_mlp_softmax_row (out + (gsize) i * k, k, scratch.p);
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
  _kiln_mlp_set_views (copy, copy->params, copy->w, copy->b);
  _kiln_mlp_make_double (copy);
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
  width = _kiln_mlp_max_width (self);

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
    self->n_params = _kiln_mlp_layout (self->sizes, self->n_layers, w_off, b_off);
  }
  self->params = g_new (float, self->n_params);
  _kiln_mlp_set_views (self, self->params, self->w, self->b);
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
  _kiln_mlp_set_views (self, grads, gw, gb);
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
              _kiln_mlp_forward_coded (self, self->w, self->b, acts, acts[0], batch_codes,
                             train->n_sparse > 0 ? &batch_sp : NULL, rows);
            }
          else
            {
              for (guint i = 0; i < rows; i++)
                memcpy (acts[0] + (gsize) i * d, train->x + (gsize) order[start + i] * d,
                        d * sizeof (float));
              _kiln_mlp_forward (self, self->w, self->b, acts, rows);
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
                    _kiln_mlp_scatter_levels (model, gw[0], delta, batch_codes, rows, o, level_list,
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
                  _kiln_mlp_relu_backward (a, delta_prev, (gsize) rows * in);
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
  _kiln_mlp_make_double (self);
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

gboolean
_kiln_mlp_fit (KilnModel             *model,
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
