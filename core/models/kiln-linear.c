/* kiln-linear.c: linear (ordinary least squares) and ridge regression, closed form.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As scikit-learn's LinearRegression and Ridge: the features and the target are centred, the
 * intercept comes out of the means and is never penalised. The centred Gram matrix X'X and X'y are
 * accumulated in double, a block of rows at a time (dsyrk/dgemv), so memory stays O(features^2)
 * whatever the number of rows. Ridge solves (X'X + alpha I) w = X'y by Cholesky (dposv). OLS uses
 * the pseudo-inverse through a symmetric eigendecomposition (dsyevd), so collinear features (a
 * full one-hot encoding plus the intercept) give the minimum-norm solution as lstsq does.
 */
#define G_LOG_DOMAIN "kiln-linear"

#include "config.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "kiln-model.h"
#include "kiln-model-private.h"

#define BLOCK_ROWS 4096
/* Eigenvalues of X'X below this fraction of the largest are treated as zero (singular values
 * below 1e-6 of the largest: far above rounding noise, far below real signal). */
#define EIGEN_RCOND 1e-12

typedef struct {
  KilnModel parent;
  double   *coef;       /* n_features */
  double    intercept;
} KilnLinear;

static gboolean
linear_check_options (const KilnModelOptions  *options,
                      GError                 **error)
{
  return TRUE;
}

static gboolean
ridge_check_options (const KilnModelOptions  *options,
                     GError                 **error)
{
  if (!isfinite (options->l2) || options->l2 < 0.0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The ridge penalty must be zero or a positive number."));
      return FALSE;
    }
  return TRUE;
}

/* Centred Gram matrix (upper triangle, row-major d x d), X'y of the centred data, and the means. */
static gboolean
accumulate_gram (const KilnDataset *train,
                 double            *mean_x,
                 double            *mean_y,
                 double            *gram,
                 double            *xty,
                 GCancellable      *cancellable,
                 GError           **error)
{
  guint n = train->n_rows, d = train->n_features;
  g_autofree double *block = g_new (double, (gsize) BLOCK_ROWS * d);
  g_autofree double *yblock = g_new (double, BLOCK_ROWS);
  double my = 0.0;

  memset (mean_x, 0, d * sizeof (double));
  for (guint i = 0; i < n; i++)
    {
      const float *row = train->x + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        mean_x[j] += row[j];
      my += train->y_value[i];
    }
  for (guint j = 0; j < d; j++)
    mean_x[j] /= n;
  my /= n;
  *mean_y = my;

  memset (gram, 0, (gsize) d * d * sizeof (double));
  memset (xty, 0, d * sizeof (double));
  for (guint start = 0; start < n; start += BLOCK_ROWS)
    {
      guint rows = MIN (BLOCK_ROWS, n - start);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (guint i = 0; i < rows; i++)
        {
          const float *row = train->x + (gsize) (start + i) * d;
          double *out = block + (gsize) i * d;
          for (guint j = 0; j < d; j++)
            out[j] = row[j] - mean_x[j];
          yblock[i] = train->y_value[start + i] - my;
        }
      cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, d, rows, 1.0, block, d, 1.0, gram, d);
      cblas_dgemv (CblasRowMajor, CblasTrans, rows, d, 1.0, block, d, yblock, 1, 1.0, xty, 1);
    }
  return TRUE;
}

/* w = pinv (A) b for symmetric positive semi-definite A (upper triangle given; destroyed). */
static gboolean
solve_pinv (double  *a,
            double  *b,
            guint    d,
            double  *w,
            GError **error)
{
  g_autofree double *eig = g_new (double, d);
  g_autofree double *proj = g_new (double, d);
  lapack_int info;
  double cutoff;

  info = LAPACKE_dsyevd (LAPACK_ROW_MAJOR, 'V', 'U', d, a, d, eig);
  if (info != 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                   _("The least-squares problem could not be solved (eigensolver error %d)."), (int) info);
      return FALSE;
    }
  /* Columns of a are the eigenvectors; eigenvalues ascending. */
  cutoff = eig[d - 1] * EIGEN_RCOND;
  cblas_dgemv (CblasRowMajor, CblasTrans, d, d, 1.0, a, d, b, 1, 0.0, proj, 1);
  for (guint k = 0; k < d; k++)
    proj[k] = eig[k] > cutoff && eig[k] > 0.0 ? proj[k] / eig[k] : 0.0;
  cblas_dgemv (CblasRowMajor, CblasNoTrans, d, d, 1.0, a, d, proj, 1, 0.0, w, 1);
  return TRUE;
}

static gboolean
linear_fit_common (KilnModel         *model,
                   const KilnDataset *train,
                   double             alpha,
                   GCancellable      *cancellable,
                   GError           **error)
{
  KilnLinear *self = (KilnLinear *) model;
  guint d = train->n_features;
  g_autofree double *mean_x = g_new (double, d);
  g_autofree double *gram = g_new (double, (gsize) d * d);
  g_autofree double *xty = g_new (double, d);
  double mean_y, intercept;
  gboolean solved = FALSE;

  if (!accumulate_gram (train, mean_x, &mean_y, gram, xty, cancellable, error))
    return FALSE;

  self->coef = g_new0 (double, d);
  if (alpha > 0.0)
    {
      g_autofree double *chol = g_memdup2 (gram, (gsize) d * d * sizeof (double));
      g_autofree double *rhs = g_memdup2 (xty, d * sizeof (double));

      for (guint j = 0; j < d; j++)
        chol[(gsize) j * d + j] += alpha;
      if (LAPACKE_dposv (LAPACK_ROW_MAJOR, 'U', d, 1, chol, d, rhs, 1) == 0)
        {
          memcpy (self->coef, rhs, d * sizeof (double));
          solved = TRUE;
        }
      else
        for (guint j = 0; j < d; j++)
          gram[(gsize) j * d + j] += alpha;
    }
  if (!solved && !solve_pinv (gram, xty, d, self->coef, error))
    return FALSE;

  intercept = mean_y;
  for (guint j = 0; j < d; j++)
    {
      if (!isfinite (self->coef[j]))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                       _("The regression coefficients are not finite numbers; the features may be too large."));
          return FALSE;
        }
      intercept -= mean_x[j] * self->coef[j];
    }
  self->intercept = intercept;
  return TRUE;
}

static gboolean
linear_fit (KilnModel             *model,
            const KilnDataset     *train,
            const KilnDataset     *val,
            const KilnFitMonitor  *monitor,
            GCancellable          *cancellable,
            GError               **error)
{
  gboolean ok = linear_fit_common (model, train, 0.0, cancellable, error);

  if (ok && monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return ok;
}

static gboolean
ridge_fit (KilnModel             *model,
           const KilnDataset     *train,
           const KilnDataset     *val,
           const KilnFitMonitor  *monitor,
           GCancellable          *cancellable,
           GError               **error)
{
  gboolean ok = linear_fit_common (model, train, model->options.l2, cancellable, error);

  if (ok && monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return ok;
}

static void
linear_predict_dense (KilnModel   *model,
                      const float *x,
                      guint        n_rows,
                      double      *out)
{
  KilnLinear *self = (KilnLinear *) model;
  guint d = model->n_features;

  for (guint i = 0; i < n_rows; i++)
    {
      const float *row = x + (gsize) i * d;
      double s = self->intercept;
      for (guint j = 0; j < d; j++)
        s += self->coef[j] * row[j];
      out[i] = s;
    }
}

static void
linear_predict (KilnModel         *model,
                const KilnDataset *rows,
                double            *out)
{
  _kiln_model_predict_dense (model, rows, out, linear_predict_dense);
}

static void
linear_to_json (KilnModel   *model,
                JsonBuilder *builder)
{
  KilnLinear *self = (KilnLinear *) model;

  _kiln_json_add_doubles (builder, "coef", self->coef, model->n_features);
  json_builder_set_member_name (builder, "intercept");
  json_builder_add_double_value (builder, self->intercept);
}

static gboolean
linear_from_json (KilnModel   *model,
                  JsonObject  *object,
                  GError     **error)
{
  KilnLinear *self = (KilnLinear *) model;

  self->coef = g_new0 (double, model->n_features);
  return _kiln_json_get_doubles (object, "coef", self->coef, model->n_features, error)
         && _kiln_json_get_double (object, "intercept", &self->intercept, error);
}

/* |coefficient| share: meaningful when the features are standardised, as the default recipe does
 * for these families. */
static gboolean
linear_importances (KilnModel *model,
                    double    *out)
{
  KilnLinear *self = (KilnLinear *) model;
  double total = 0.0;

  for (guint j = 0; j < model->n_features; j++)
    total += fabs (self->coef[j]);
  for (guint j = 0; j < model->n_features; j++)
    out[j] = total > 0.0 ? fabs (self->coef[j]) / total : 1.0 / model->n_features;
  return TRUE;
}

static void
linear_finalize (KilnModel *model)
{
  KilnLinear *self = (KilnLinear *) model;

  g_free (self->coef);
}

static const KilnModelOption * const linear_options[] = {
  NULL,
};

static const KilnModelOps linear_ops = {
  .instance_size = sizeof (KilnLinear),
  .check_options = linear_check_options,
  .fit = linear_fit,
  .predict = linear_predict,
  .to_json = linear_to_json,
  .from_json = linear_from_json,
  .importances = linear_importances,
  .finalize = linear_finalize,
};

const KilnModelClass kiln_linear_class = {
  .name = "linear",
  .display_name = N_("Linear regression"),
  .classification = FALSE,
  .regression = TRUE,
  .iterative = FALSE,
  .needs_scaling = TRUE,
  .accepts_missing = FALSE,
  .options = linear_options,
  .ops = &linear_ops,
};

static const KilnModelOption * const ridge_options[] = {
  &kiln_model_option_l2_ridge,
  NULL,
};

static const KilnModelOps ridge_ops = {
  .instance_size = sizeof (KilnLinear),
  .check_options = ridge_check_options,
  .fit = ridge_fit,
  .predict = linear_predict,
  .to_json = linear_to_json,
  .from_json = linear_from_json,
  .importances = linear_importances,
  .finalize = linear_finalize,
};

const KilnModelClass kiln_ridge_class = {
  .name = "ridge",
  .display_name = N_("Ridge regression"),
  .classification = FALSE,
  .regression = TRUE,
  .iterative = FALSE,
  .needs_scaling = TRUE,
  .accepts_missing = FALSE,
  .options = ridge_options,
  .ops = &ridge_ops,
};
