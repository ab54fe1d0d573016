/* kiln-mlp.c: a multilayer perceptron (ReLU hidden layers; softmax or identity output), Adam:
 * the parameters' layout, prediction, options and JSON; the float kernels are in
 * kiln-mlp-kernels.c, training in kiln-mlp-fit.c (kiln-mlp-private.h).
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

#include "kiln-mlp-private.h"

/* Offsets of the views for a given layout; returns the total size. */
gsize
_kiln_mlp_layout (const guint *sizes,
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

void
_kiln_mlp_set_views (KilnMlp *self,
                     float   *buffer,
                     float  **w,
                     float  **b)
{
  gsize w_off[MAX_LAYERS], b_off[MAX_LAYERS];

  _kiln_mlp_layout (self->sizes, self->n_layers, w_off, b_off);
  for (guint l = 0; l < self->n_layers; l++)
    {
      w[l] = buffer + w_off[l];
      b[l] = buffer + b_off[l];
    }
}

/* The double copy of the params that prediction reads (after fitting or loading them). */
void
_kiln_mlp_make_double (KilnMlp *self)
{
  gsize w_off[MAX_LAYERS], b_off[MAX_LAYERS];

  g_free (self->dparams);
  self->dparams = g_new (double, MAX (self->n_params, 1));
  for (gsize i = 0; i < self->n_params; i++)
    self->dparams[i] = self->params[i];
  _kiln_mlp_layout (self->sizes, self->n_layers, w_off, b_off);
  for (guint l = 0; l < self->n_layers; l++)
    {
      self->dw[l] = self->dparams + w_off[l];
      self->db[l] = self->dparams + b_off[l];
    }
}

guint
_kiln_mlp_max_width (const KilnMlp *self)
{
  guint m = 0;

  for (guint l = 1; l <= self->n_layers; l++)
    m = MAX (m, self->sizes[l]);
  return m;
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
  guint width = _kiln_mlp_max_width (self);
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
          _kiln_mlp_softmax_row_double (scores + (gsize) i * k, k, out + (gsize) (r0 + i) * k);
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
  self->n_params = _kiln_mlp_layout (self->sizes, self->n_layers, w_off, b_off);
  self->params = g_new0 (float, self->n_params);
  _kiln_mlp_set_views (self, self->params, self->w, self->b);
  if (!_kiln_json_get_floats (object, "weights", self->params, self->n_params, error)
      || !_kiln_json_get_double (object, "y_mean", &self->y_mean, error)
      || !_kiln_json_get_double (object, "y_scale", &self->y_scale, error))
    return FALSE;
  _kiln_mlp_make_double (self);
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
  .fit = _kiln_mlp_fit,
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
