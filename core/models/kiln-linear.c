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
 *
 * Categorical features (codes) are never expanded: a one-hot column's centred sums follow from
 * counts, Gram[a][b] = N_ab - n_a n_b / n for levels a, b (N_ab: rows with both), and its products
 * with a numeric column or the target from per-level sums of the centred values. So the cost is
 * O(rows x (numeric^2 + categorical x numeric + categorical^2)) however many levels there are.
 *
 * With sparse (text) features the Gram matrix would be vocabulary^2: ridge then solves the same
 * problem, intercept unpenalised, by conjugate gradients on the normal equations with a Jacobi
 * preconditioner, each step two passes over the rows' entries; ordinary least squares, which has
 * no unique answer with more n-grams than rows, refuses text features.
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
#include "kiln-parallel.h"

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

/* The same for a dataset with categorical codes, the one-hot part implicit. The rows are cut
 * into CODED_PARTS fixed ranges, each summed on its own and added in order, so the result does
 * not depend on the number of threads. */
#define CODED_PARTS 4

typedef struct {
  const KilnDataset *train;
  const guint       *offset;     /* per categorical feature: its first level in the view */
  guint              d;
  guint              n_parts;
  const double      *mean_x;
  double             mean_y;
  double            *gram;       /* n_parts x d x d: the numeric block (centred), level sums */
  double            *xty;        /* n_parts x d */
  double            *level_sum;  /* n_parts x d x n_dense: per level, the centred numeric sums */
  double            *total;      /* n_parts x n_dense: the centred numeric sums */
  double            *total_y;    /* n_parts */
  GCancellable      *cancellable;
} Coded;

static gboolean
coded_part (guint part, guint thread, gpointer data)
{
  Coded *c = data;
  const KilnDataset *train = c->train;
  guint d = c->d, nd = train->n_features, nc = train->n_categorical;
  guint first = (guint) ((guint64) train->n_rows * part / c->n_parts);
  guint last = (guint) ((guint64) train->n_rows * (part + 1) / c->n_parts);
  double *gram = c->gram + (gsize) part * d * d, *xty = c->xty + (gsize) part * d;
  double *level_sum = c->level_sum + (gsize) part * d * nd, *total = c->total + (gsize) part * nd;
  g_autofree double *block = g_new (double, (gsize) BLOCK_ROWS * MAX (nd, 1));
  g_autofree double *yblock = g_new (double, BLOCK_ROWS);
  g_autofree guint *level = g_new (guint, MAX (nc, 1));
  double ty = 0.0;

  for (guint start = first; start < last; start += BLOCK_ROWS)
    {
      guint rows = MIN (BLOCK_ROWS, last - start);

      if (g_cancellable_is_cancelled (c->cancellable))
        return FALSE;
      for (guint i = 0; i < rows; i++)
        {
          const float *row = train->x + (gsize) (start + i) * nd;
          const guint32 *codes = train->codes + (gsize) (start + i) * nc;
          double *out = block + (gsize) i * nd;
          double yc = train->y_value[start + i] - c->mean_y;
          guint k = 0;

          for (guint j = 0; j < nd; j++)
            out[j] = row[j] - c->mean_x[j];
          yblock[i] = yc;
          ty += yc;
          for (guint j = 0; j < nd; j++)
            total[j] += out[j];
          for (guint j = 0; j < nc; j++)
            if (codes[j] != KILN_CODE_NONE)
              level[k++] = c->offset[j] + codes[j];
          /* level pairs (upper triangle, counts), the level's target and numeric sums */
          for (guint a = 0; a < k; a++)
            {
              double *ls = level_sum + (gsize) level[a] * nd;
              gram[(gsize) level[a] * d + level[a]] += 1.0;
              for (guint b = a + 1; b < k; b++)
                gram[(gsize) MIN (level[a], level[b]) * d + MAX (level[a], level[b])] += 1.0;
              xty[level[a]] += yc;
              for (guint j = 0; j < nd; j++)
                ls[j] += out[j];
            }
        }
      if (nd > 0)
        {
          cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, nd, rows, 1.0, block, nd, 1.0,
                       gram, d);
          cblas_dgemv (CblasRowMajor, CblasTrans, rows, nd, 1.0, block, nd, yblock, 1, 1.0,
                       xty, 1);
        }
    }
  c->total_y[part] = ty;
  return TRUE;
}

static gboolean
accumulate_gram_coded (KilnModel         *model,
                       const KilnDataset *train,
                       double            *mean_x,
                       double            *mean_y,
                       double            *gram,
                       double            *xty,
                       GCancellable      *cancellable,
                       GError           **error)
{
  guint n = train->n_rows, d = model->n_features, nd = train->n_features;
  guint nc = train->n_categorical;
  g_autofree double *total = NULL;
  Coded c = { train, model->level_offset, d, 0, mean_x, 0.0, NULL, NULL, NULL, NULL, NULL,
              cancellable };
  double my = 0.0, ty = 0.0;

  /* means: the numeric columns', and each level's share of the rows */
  memset (mean_x, 0, d * sizeof (double));
  for (guint i = 0; i < n; i++)
    {
      const float *row = train->x + (gsize) i * nd;
      const guint32 *codes = train->codes + (gsize) i * nc;
      for (guint j = 0; j < nd; j++)
        mean_x[j] += row[j];
      for (guint j = 0; j < nc; j++)
        if (codes[j] != KILN_CODE_NONE)
          mean_x[model->level_offset[j] + codes[j]] += 1.0;
      my += train->y_value[i];
    }
  for (guint j = 0; j < d; j++)
    mean_x[j] /= n;
  my /= n;
  *mean_y = my;
  c.mean_y = my;

  /* one part per CODED_PARTS range, fewer when the d x d sums would take much memory */
  c.n_parts = MIN (CODED_PARTS, MAX (1, n / BLOCK_ROWS));
  if ((gsize) d * d > (gsize) 1 << 22)
    c.n_parts = 1;
  c.gram = g_new0 (double, (gsize) c.n_parts * d * d);
  c.xty = g_new0 (double, (gsize) c.n_parts * d);
  c.level_sum = g_new0 (double, (gsize) c.n_parts * d * MAX (nd, 1));
  c.total = g_new0 (double, (gsize) c.n_parts * MAX (nd, 1));
  c.total_y = g_new0 (double, c.n_parts);
  if (!kiln_parallel_run (c.n_parts, 0, coded_part, &c))
    {
      g_free (c.gram);
      g_free (c.xty);
      g_free (c.level_sum);
      g_free (c.total);
      g_free (c.total_y);
      g_cancellable_set_error_if_cancelled (cancellable, error);   /* the only way to fail */
      return FALSE;
    }

  /* the parts in order */
  memcpy (gram, c.gram, (gsize) d * d * sizeof (double));
  memcpy (xty, c.xty, d * sizeof (double));
  total = g_memdup2 (c.total, MAX (nd, 1) * sizeof (double));
  ty = c.total_y[0];
  for (guint p = 1; p < c.n_parts; p++)
    {
      const double *g = c.gram + (gsize) p * d * d;
      for (gsize k = 0; k < (gsize) d * d; k++)
        gram[k] += g[k];
      for (guint j = 0; j < d; j++)
        xty[j] += c.xty[(gsize) p * d + j];
      for (gsize k = 0; k < (gsize) d * nd; k++)
        c.level_sum[k] += c.level_sum[(gsize) p * d * nd + k];
      for (guint j = 0; j < nd; j++)
        total[j] += c.total[(gsize) p * nd + j];
      ty += c.total_y[p];
    }

  /* centre the one-hot part: products with the numeric columns and the target, then the
   * level pairs: sum (o_a - m_a)(v - m_v) = sum over a's rows of (v - m_v) - m_a * total */
  for (guint a = nd; a < d; a++)
    {
      double ma = mean_x[a];
      for (guint j = 0; j < nd; j++)
        gram[(gsize) j * d + a] = c.level_sum[(gsize) a * nd + j] - ma * total[j];
      xty[a] -= ma * ty;
      for (guint b = a; b < d; b++)
        gram[(gsize) a * d + b] -= (double) n * ma * mean_x[b];
    }
  g_free (c.gram);
  g_free (c.xty);
  g_free (c.level_sum);
  g_free (c.total);
  g_free (c.total_y);
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
  guint d = model->n_features;
  g_autofree double *mean_x = g_new (double, d);
  g_autofree double *gram = g_new (double, (gsize) d * d);
  g_autofree double *xty = g_new (double, d);
  double mean_y, intercept;
  gboolean solved = FALSE;

  if (train->n_categorical > 0
      ? !accumulate_gram_coded (model, train, mean_x, &mean_y, gram, xty, cancellable, error)
      : !accumulate_gram (train, mean_x, &mean_y, gram, xty, cancellable, error))
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

#define CG_MAX_ITER 2000
#define CG_TOL      1e-9   /* relative residual of the normal equations */

/* (X'X + alpha I) v with the intercept v[d] unpenalised: out = X'(X v) + alpha v. */
static void
normal_matvec (KilnModel *model, const KilnDataset *train, double alpha, const double *v,
               double *out)
{
  guint d = model->n_features;

  memset (out, 0, ((gsize) d + 1) * sizeof (double));
  for (guint i = 0; i < train->n_rows; i++)
    _kiln_model_row_axpy (model, train, _kiln_model_row_dot (model, train, v, i, TRUE), out, i, TRUE);
  for (guint j = 0; j < d; j++)
    out[j] += alpha * v[j];
}

static gboolean
ridge_fit_sparse (KilnModel          *model,
                  const KilnDataset  *train,
                  GCancellable       *cancellable,
                  GError            **error)
{
  KilnLinear *self = (KilnLinear *) model;
  guint d = model->n_features, n = train->n_rows, iter;
  gsize m = (gsize) d + 1;
  double alpha = model->options.l2, rz, rz_new, bnorm = 0.0, rnorm = 0.0;
  g_autofree double *w = g_new0 (double, m), *r = g_new0 (double, m), *z = g_new (double, m);
  g_autofree double *p = g_new (double, m), *q = g_new (double, m), *diag = g_new0 (double, m);

  /* b = X'y; diag(X'X) + alpha by the unit vectors' norms, row by row */
  for (guint i = 0; i < n; i++)
    {
      _kiln_model_row_axpy (model, train, train->y_value[i], r, i, TRUE);
      for (gsize e = train->n_sparse ? train->sp_ptr[i] : 0; train->n_sparse && e < train->sp_ptr[i + 1]; e++)
        diag[model->sparse_offset + train->sp_index[e]] += (double) train->sp_value[e] * train->sp_value[e];
      for (guint j = 0; j < train->n_features; j++)
        diag[j] += (double) train->x[(gsize) i * train->n_features + j] * train->x[(gsize) i * train->n_features + j];
      for (guint j = 0; j < train->n_categorical; j++)
        if (train->codes[(gsize) i * train->n_categorical + j] != KILN_CODE_NONE)
          diag[model->level_offset[j] + train->codes[(gsize) i * train->n_categorical + j]] += 1.0;
    }
  diag[d] = n;
  for (guint j = 0; j < d; j++)
    diag[j] += alpha;
  for (gsize j = 0; j < m; j++)
    {
      bnorm += r[j] * r[j];
      z[j] = r[j] / diag[j];
      p[j] = z[j];
    }
  bnorm = sqrt (bnorm);
  rz = 0.0;
  for (gsize j = 0; j < m; j++)
    rz += r[j] * z[j];
  for (iter = 0; iter < CG_MAX_ITER && bnorm > 0; iter++)
    {
      double pq = 0.0, step;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      normal_matvec (model, train, alpha, p, q);
      for (gsize j = 0; j < m; j++)
        pq += p[j] * q[j];
      if (!(pq > 0))
        break;
      step = rz / pq;
      rnorm = 0.0;
      rz_new = 0.0;
      for (gsize j = 0; j < m; j++)
        {
          w[j] += step * p[j];
          r[j] -= step * q[j];
          rnorm += r[j] * r[j];
          z[j] = r[j] / diag[j];
          rz_new += r[j] * z[j];
        }
      if (sqrt (rnorm) <= CG_TOL * bnorm)
        break;
      for (gsize j = 0; j < m; j++)
        p[j] = z[j] + rz_new / rz * p[j];
      rz = rz_new;
    }
  g_debug ("ridge by conjugate gradients: %u iterations, relative residual %.3g", iter + 1,
           bnorm > 0 ? sqrt (rnorm) / bnorm : 0.0);
  self->coef = g_new (double, MAX (d, 1));
  memcpy (self->coef, w, (gsize) d * sizeof (double));
  self->intercept = w[d];
  for (gsize j = 0; j < m; j++)
    if (!isfinite (w[j]))
      {
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                     _("The ridge regression did not converge to finite weights."));
        return FALSE;
      }
  return TRUE;
}

static gboolean
ridge_fit (KilnModel             *model,
           const KilnDataset     *train,
           const KilnDataset     *val,
           const KilnFitMonitor  *monitor,
           GCancellable          *cancellable,
           GError               **error)
{
  gboolean ok;

  if (train->n_sparse > 0 && !(model->options.l2 > 0))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("Ridge regression on text features needs a penalty above 0: with more words than rows there is no single answer."));
      return FALSE;
    }
  ok = train->n_sparse > 0
                ? ridge_fit_sparse (model, train, cancellable, error)
                : linear_fit_common (model, train, model->options.l2, cancellable, error);

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
  KilnLinear *self = (KilnLinear *) model;
  guint nd = rows->n_features, nc = rows->n_categorical;

  if (rows->n_sparse > 0)
    {
      for (guint i = 0; i < rows->n_rows; i++)
        out[i] = self->intercept + _kiln_model_row_dot (model, rows, self->coef, i, FALSE);
      return;
    }
  if (nc == 0)
    {
      linear_predict_dense (model, rows->x, rows->n_rows, out);
      return;
    }
  /* a level's one-hot column is 1: its coefficient, gathered */
  for (guint i = 0; i < rows->n_rows; i++)
    {
      const float *row = rows->x + (gsize) i * nd;
      const guint32 *codes = rows->codes + (gsize) i * nc;
      double s = self->intercept;
      for (guint j = 0; j < nd; j++)
        s += self->coef[j] * row[j];
      for (guint j = 0; j < nc; j++)
        if (codes[j] != KILN_CODE_NONE)
          s += self->coef[model->level_offset[j] + codes[j]];
      out[i] = s;
    }
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

static gboolean
linear_linear (KilnModel       *model,
               guint           *n_scores,
               const double   **coef,
               const double   **intercept,
               KilnModelScore  *score)
{
  KilnLinear *self = (KilnLinear *) model;

  *n_scores = 1;
  *coef = self->coef;
  *intercept = &self->intercept;
  *score = KILN_MODEL_SCORE_VALUE;
  return TRUE;
}

static const KilnModelOps linear_ops = {
  .instance_size = sizeof (KilnLinear),
  .codes = TRUE,
  .check_options = linear_check_options,
  .fit = linear_fit,
  .predict = linear_predict,
  .to_json = linear_to_json,
  .from_json = linear_from_json,
  .importances = linear_importances,
  .finalize = linear_finalize,
  .linear = linear_linear,
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
  .codes = TRUE,
  .sparse = TRUE,
  .check_options = ridge_check_options,
  .fit = ridge_fit,
  .predict = linear_predict,
  .to_json = linear_to_json,
  .from_json = linear_from_json,
  .importances = linear_importances,
  .finalize = linear_finalize,
  .linear = linear_linear,
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
