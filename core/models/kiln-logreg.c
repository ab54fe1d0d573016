/* kiln-logreg.c: logistic (two classes) and softmax (more) regression with an L2 penalty.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The objective is scikit-learn's LogisticRegression(solver="lbfgs"):
 *     sum_i log-loss_i + (l2 / 2) ||W||^2,   l2 = 1 / C, the intercepts not penalised,
 * binary (one weight vector, sigmoid) for two classes and multinomial (softmax) for more. It is
 * minimised by L-BFGS in double precision with the same stopping rules as scipy's L-BFGS-B (relative
 * reduction of the objective below factr * eps, or a gradient max-norm below pgtol).
 *
 * The loss and gradient are computed over a fixed number of row slices, summed in slice order, so
 * the result does not depend on how many threads run them (two on this machine: the second core
 * is otherwise idle during a fit).
 *
 * Two classes with sparse (text) features are fitted instead by dual coordinate descent
 * (kiln-logreg-dual.c).
 */
#define G_LOG_DOMAIN "kiln-logreg"

#include "config.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-logreg-private.h"

#define DEFAULT_MAX_ITER 1000
#define LBFGS_M          10
#define BLOCK_ROWS       256
#define N_SLICES         8
#define XD_MAX_VALUES    ((gsize) 32 << 20)   /* 256 MB of doubles */
#define FTOL             (1e7 * 2.220446049250313e-16)   /* scipy's factr = 1e7, as scikit-learn */
#define PGTOL            1e-4                             /* scikit-learn's tol, on the summed gradient */

/* e^x for x <= 0, within about 1 ulp, inline: the objective spends most of its time in exp,
 * and without FMA in the baseline instruction set a long polynomial is latency-bound. Table-driven
 * like glibc's: x = (64 m + j) ln2/64 + r with |r| <= ln2/128, e^x = 2^m 2^(j/64) e^r, e^r by its
 * Taylor series to degree 5 (truncation below 4e-17). ln2/64 is split in two (fdlibm's ln2_hi has
 * 21 trailing zero bits, so k ln2_hi/64 is exact). The table comes from exp2() once. */
static double exp2_table[64];

static void
exp2_table_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (guint j = 0; j < 64; j++)
        exp2_table[j] = exp2 (j / 64.0);
      g_once_init_leave (&done, 1);
    }
}

static inline double
exp_nonpositive (double x)
{
  const double scale = 64.0 / G_LN2, ln2_64_hi = 6.93147180369123816490e-01 / 64.0,
               ln2_64_lo = 1.90821492927058770002e-10 / 64.0;
  double k, r, p, t, twom;
  gint64 ki, bits;

  if (x < -708.0)
    return 0.0;
  k = (x * scale + 0x1.8p52) - 0x1.8p52;   /* round to nearest, without a libm call */
  ki = (gint64) k;
  r = (x - k * ln2_64_hi) - k * ln2_64_lo;
  p = r * (1.0 / 120.0) + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r * r + r;
  bits = (gint64) (1023 + (ki >> 6)) << 52;   /* arithmetic shift: floor (k / 64) */
  memcpy (&twom, &bits, sizeof twom);
  t = exp2_table[ki & 63];
  return (t + t * p) * twom;
}

/* ---- Objective ----------------------------------------------------------------------------- */

typedef struct {
  const KilnDataset *data;
  guint              n_out;
  guint              d;
  const double      *theta;      /* n_out * (d + 1): W row-major, then b */
  const double      *xd;         /* the numeric features in double, or NULL: converted per block */
  const guint       *offset;     /* per categorical feature: its first level in the view */
  guint              sp_offset;  /* where the sparse features start in the view */
  guint              n_slices;   /* N_SLICES, or 2 with sparse features (fewer gradients to sum) */
  /* per slice results */
  double            *slice_loss;
  double            *slice_grad; /* n_slices x n_params */
} Objective;

static void
eval_slice (Objective *obj,
            guint      slice)
{
  const KilnDataset *data = obj->data;
  guint n = data->n_rows, d = obj->d, k = obj->n_out;
  guint nd = data->n_features, nc = data->n_categorical;
  guint start = (guint) ((guint64) n * slice / obj->n_slices);
  guint end = (guint) ((guint64) n * (slice + 1) / obj->n_slices);
  const double *wsp = obj->theta + obj->sp_offset;
  gsize n_params = (gsize) k * (d + 1);
  const double *w = obj->theta, *b = obj->theta + (gsize) k * d;
  double *gw = obj->slice_grad + slice * n_params, *gb = gw + (gsize) k * d;
  /* With the features already in double, the whole slice is one block: two large dgemm calls
   * instead of many small ones, whose packing dominated at a handful of classes. */
  guint block_rows = obj->xd != NULL ? MAX (end - start, 1) : BLOCK_ROWS;
  g_autofree double *block = obj->xd == NULL ? g_new (double, (gsize) block_rows * MAX (nd, 1)) : NULL;
  g_autofree double *s = g_new (double, (gsize) block_rows * k);
  double loss = 0.0;

  memset (gw, 0, n_params * sizeof (double));
  for (guint r0 = start; r0 < end; r0 += block_rows)
    {
      guint rows = MIN (block_rows, end - r0);
      const double *xb;
      /* The log terms of the block, as a product: mantissa in [1, 2) and a power of two. Each
       * factor is in [1, k], so the product never overflows, and one log per block replaces one
       * per row (log was a tenth of the time). */
      double prod = 1.0;
      gint64 prod_exp = 0;

      if (obj->xd != NULL)
        xb = obj->xd + (gsize) r0 * nd;
      else
        {
          const float *x = data->x + (gsize) r0 * nd;
          for (gsize i = 0; i < (gsize) rows * nd; i++)
            block[i] = x[i];
          xb = block;
        }
      if (nd > 0)
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, nd,
                     1.0, xb, nd, w, d, 0.0, s, k);
      else
        memset (s, 0, (gsize) rows * k * sizeof (double));
      /* a level's one-hot column is 1: its weights, gathered */
      for (guint i = 0; i < rows && nc > 0; i++)
        for (guint j = 0; j < nc; j++)
          {
            guint32 code = data->codes[(gsize) (r0 + i) * nc + j];
            if (code != KILN_CODE_NONE)
              for (guint c = 0; c < k; c++)
                s[(gsize) i * k + c] += w[(gsize) c * d + obj->offset[j] + code];
          }
      /* a text feature's weights, gathered and scaled by its value */
      for (guint i = 0; i < rows && data->n_sparse > 0; i++)
        {
          double *si = s + (gsize) i * k;
          for (gsize e = data->sp_ptr[r0 + i]; e < data->sp_ptr[r0 + i + 1]; e++)
            {
              const double *wc = wsp + data->sp_index[e];
              double v = data->sp_value[e];
              for (guint c = 0; c < k; c++)
                si[c] += v * wc[(gsize) c * d];
            }
        }
      for (guint i = 0; i < rows; i++)
        {
          double *si = s + (gsize) i * k;
          gint32 y = data->y_class[r0 + i];
          double factor;
          guint64 bits;

          if (k == 1)
            {
              double z = si[0] + b[0];
              /* log (1 + e^z) - y z = max (z, 0) + log (1 + e^-|z|) - y z; gradient sigmoid (z) - y */
              double e = exp_nonpositive (-fabs (z));
              double p = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
              loss += MAX (z, 0.0) - (y == 1 ? z : 0.0);
              factor = 1.0 + e;
              si[0] = p - (y == 1 ? 1.0 : 0.0);
            }
          else
            {
              double m = -INFINITY, sum = 0.0, inv;
              for (guint c = 0; c < k; c++)
                {
                  si[c] += b[c];
                  m = MAX (m, si[c]);
                }
              /* log-sum-exp minus the true class's score, with no exp that can underflow */
              loss += m - si[y];
              for (guint c = 0; c < k; c++)
                {
                  si[c] = exp_nonpositive (si[c] - m);
                  sum += si[c];
                }
              factor = sum;
              inv = 1.0 / sum;
              for (guint c = 0; c < k; c++)
                si[c] *= inv;
              si[y] -= 1.0;
            }
          prod *= factor;
          memcpy (&bits, &prod, sizeof bits);
          prod_exp += (gint64) ((bits >> 52) & 0x7ff) - 1023;
          bits = (bits & G_GUINT64_CONSTANT (0x000fffffffffffff)) | G_GUINT64_CONSTANT (0x3ff0000000000000);
          memcpy (&prod, &bits, sizeof prod);
          for (guint c = 0; c < k; c++)
            gb[c] += si[c];
        }
      loss += log (prod) + (double) prod_exp * G_LN2;
      if (nd > 0)
        cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, k, nd, rows,
                     1.0, s, k, xb, nd, 1.0, gw, d);
      for (guint i = 0; i < rows && nc > 0; i++)
        for (guint j = 0; j < nc; j++)
          {
            guint32 code = data->codes[(gsize) (r0 + i) * nc + j];
            if (code != KILN_CODE_NONE)
              for (guint c = 0; c < k; c++)
                gw[(gsize) c * d + obj->offset[j] + code] += s[(gsize) i * k + c];
          }
      for (guint i = 0; i < rows && data->n_sparse > 0; i++)
        {
          const double *si = s + (gsize) i * k;
          double *gsp = gw + obj->sp_offset;
          for (gsize e = data->sp_ptr[r0 + i]; e < data->sp_ptr[r0 + i + 1]; e++)
            {
              double *gc = gsp + data->sp_index[e];
              double v = data->sp_value[e];
              for (guint c = 0; c < k; c++)
                gc[(gsize) c * d] += v * si[c];
            }
        }
    }
  obj->slice_loss[slice] = loss;
}

static gpointer
eval_slices_thread (gpointer data)
{
  Objective *obj = data;

  for (guint s = 1; s < obj->n_slices; s += 2)
    eval_slice (obj, s);
  return NULL;
}

/* The summed objective and its gradient at @theta. */
static double
objective_eval (Objective    *obj,
                const double *theta,
                double        l2,
                gboolean      threaded,
                double       *grad)
{
  gsize n_params = (gsize) obj->n_out * (obj->d + 1);
  gsize n_w = (gsize) obj->n_out * obj->d;
  double f = 0.0;

  obj->theta = theta;
  if (threaded)
    {
      GThread *thread = g_thread_new ("kiln-logreg", eval_slices_thread, obj);
      for (guint s = 0; s < obj->n_slices; s += 2)
        eval_slice (obj, s);
      g_thread_join (thread);
    }
  else
    for (guint s = 0; s < obj->n_slices; s++)
      eval_slice (obj, s);

  memset (grad, 0, n_params * sizeof (double));
  for (guint s = 0; s < obj->n_slices; s++)
    {
      const double *g = obj->slice_grad + s * n_params;
      f += obj->slice_loss[s];
      for (gsize i = 0; i < n_params; i++)
        grad[i] += g[i];
    }
  for (gsize i = 0; i < n_w; i++)
    {
      f += 0.5 * l2 * theta[i] * theta[i];
      grad[i] += l2 * theta[i];
    }
  return f;
}

/* ---- L-BFGS ----------------------------------------------------------------------------- */

static double
dot (const double *a,
     const double *b,
     gsize         n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

static double
max_abs (const double *a,
         gsize         n)
{
  double m = 0.0;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs (a[i]));
  return m;
}

/* Strong Wolfe line search (Nocedal and Wright, algorithms 3.5 and 3.6, cubic interpolation):
 * the curvature condition keeps the L-BFGS pairs well conditioned, and step 1 is nearly always
 * accepted, so an iteration costs one evaluation. */
typedef struct {
  Objective    *obj;
  double        l2;
  gboolean      threaded;
  const double *x;
  const double *dir;
  gsize         n;
  double       *x_new;
  double       *g_new;
  guint        *n_eval;
} LineSearch;

#define WOLFE_C1 1e-4
#define WOLFE_C2 0.9

static double
phi (LineSearch *ls,
     double      alpha,
     double     *dphi)
{
  double f;

  for (gsize i = 0; i < ls->n; i++)
    ls->x_new[i] = ls->x[i] + alpha * ls->dir[i];
  f = objective_eval (ls->obj, ls->x_new, ls->l2, ls->threaded, ls->g_new);
  (*ls->n_eval)++;
  *dphi = dot (ls->g_new, ls->dir, ls->n);
  return isfinite (f) ? f : INFINITY;
}

/* The minimiser of the cubic through (a, fa, da) and (b, fb, db), or NaN. */
static double
cubic_min (double a, double fa, double da,
           double b, double fb, double db)
{
  double d1 = da + db - 3.0 * (fa - fb) / (a - b);
  double disc = d1 * d1 - da * db;
  double d2;

  if (!(disc >= 0.0) || !isfinite (fa) || !isfinite (fb))
    return NAN;
  d2 = copysign (sqrt (disc), b - a);
  return b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
}

static gboolean
line_search (LineSearch *ls,
             double      f0,
             double      g0,
             double      alpha,
             double     *f_out)
{
  double a_prev = 0.0, f_prev = f0, d_prev = g0;
  double lo, f_lo, d_lo, hi, f_hi, d_hi, f, d;

  for (guint i = 0; i < 30; i++)
    {
      f = phi (ls, alpha, &d);
      if (f > f0 + WOLFE_C1 * alpha * g0 || (i > 0 && f >= f_prev))
        {
          lo = a_prev, f_lo = f_prev, d_lo = d_prev;
          hi = alpha, f_hi = f, d_hi = d;
          goto zoom;
        }
      if (fabs (d) <= -WOLFE_C2 * g0)
        {
          *f_out = f;
          return TRUE;
        }
      if (d >= 0.0)
        {
          lo = alpha, f_lo = f, d_lo = d;
          hi = a_prev, f_hi = f_prev, d_hi = d_prev;
          goto zoom;
        }
      a_prev = alpha, f_prev = f, d_prev = d;
      alpha *= 4.0;
    }
  *f_out = f;
  return TRUE;   /* still descending after a huge step: take it */

zoom:
  for (guint j = 0; j < 40; j++)
    {
      double left = MIN (lo, hi), right = MAX (lo, hi), width = right - left;
      double a = cubic_min (lo, f_lo, d_lo, hi, f_hi, d_hi);

      if (!(a >= left + 0.1 * width && a <= right - 0.1 * width))
        a = 0.5 * (lo + hi);
      if (width <= 1e-15 * MAX (1.0, right))
        break;
      f = phi (ls, a, &d);
      if (f > f0 + WOLFE_C1 * a * g0 || f >= f_lo)
        hi = a, f_hi = f, d_hi = d;
      else
        {
          if (fabs (d) <= -WOLFE_C2 * g0)
            {
              *f_out = f;
              return TRUE;
            }
          if (d * (hi - lo) >= 0.0)
            hi = lo, f_hi = f_lo, d_hi = d_lo;
          lo = a, f_lo = f, d_lo = d;
        }
    }
  /* The interval collapsed: take the best point that decreased f, if any. */
  if (lo > 0.0 && f_lo < f0)
    {
      *f_out = phi (ls, lo, &d);
      return TRUE;
    }
  return FALSE;
}

static gboolean logreg_fit_inner (KilnModel             *model,
                                  const KilnDataset     *train,
                                  const KilnFitMonitor  *monitor,
                                  GCancellable          *cancellable,
                                  GError               **error);

/* The slices run on two threads of our own; OpenBLAS threading inside them would only
 * oversubscribe the cores (and OpenBLAS serialises concurrent threaded calls). */
static gboolean
logreg_fit (KilnModel             *model,
            const KilnDataset     *train,
            const KilnDataset     *val,
            const KilnFitMonitor  *monitor,
            GCancellable          *cancellable,
            GError               **error)
{
  int threads = openblas_get_num_threads ();
  gboolean ok;

  openblas_set_num_threads (1);
  if (train->n_classes == 2 && train->n_sparse > 0 && model->options.l2 > 0)
    ok = _kiln_logreg_fit_dual (model, train, monitor, cancellable, error);
  else
    ok = logreg_fit_inner (model, train, monitor, cancellable, error);
  openblas_set_num_threads (threads);
  return ok;
}

static gboolean
logreg_fit_inner (KilnModel             *model,
                  const KilnDataset     *train,
                  const KilnFitMonitor  *monitor,
                  GCancellable          *cancellable,
                  GError               **error)
{
  KilnLogreg *self = (KilnLogreg *) model;
  guint d = model->n_features, k = train->n_classes == 2 ? 1 : train->n_classes;
  gsize n_params = (gsize) k * (d + 1);
  guint max_iter = model->options.max_iter > 0 ? model->options.max_iter : DEFAULT_MAX_ITER;
  double l2 = model->options.l2;
  gboolean threaded = ((gsize) train->n_rows * d * k > 200000
                       || (train->n_sparse > 0 && train->sp_ptr[train->n_rows] > 100000))
                      && g_get_num_processors () > 1;
  guint n_slices = train->n_sparse > 0 ? 2 : N_SLICES;
  g_autofree double *slice_loss = g_new (double, n_slices);
  g_autofree double *slice_grad = g_new (double, n_slices * n_params);
  g_autofree double *x = g_new0 (double, n_params);
  g_autofree double *g = g_new (double, n_params);
  g_autofree double *x_new = g_new (double, n_params);
  g_autofree double *g_new_ = g_new (double, n_params);
  g_autofree double *dir = g_new (double, n_params);
  g_autofree double *s_hist = g_new (double, LBFGS_M * n_params);
  g_autofree double *y_hist = g_new (double, LBFGS_M * n_params);
  double rho[LBFGS_M], alpha[LBFGS_M];
  guint hist_len = 0, hist_head = 0, n_iter = 0, n_eval = 1;
  /* The features in double once, unless that would take much memory (then per block, per pass). */
  gsize n_values = (gsize) train->n_rows * train->n_features;
  g_autofree double *xd = n_values <= XD_MAX_VALUES ? g_new (double, MAX (n_values, 1)) : NULL;
  Objective obj = { train, k, d, NULL, xd, model->level_offset, model->sparse_offset,
                    n_slices, slice_loss, slice_grad };
  double f;

  self->n_out = k;
  exp2_table_init ();
  if (xd != NULL)
    for (gsize i = 0; i < n_values; i++)
      xd[i] = train->x[i];
  f = objective_eval (&obj, x, l2, threaded, g);

  for (guint iter = 0; iter < max_iter; iter++)
    {
      double gd, step, f_new = f;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!isfinite (f))
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                       _("The logistic regression's loss is not a finite number; the features may be too large."));
          return FALSE;
        }
      if (max_abs (g, n_params) <= PGTOL)
        break;

      /* Two-loop recursion: dir = -H g. */
      for (gsize i = 0; i < n_params; i++)
        dir[i] = -g[i];
      for (guint h = 0; h < hist_len; h++)
        {
          guint j = (hist_head + LBFGS_M - 1 - h) % LBFGS_M;
          alpha[j] = rho[j] * dot (s_hist + j * n_params, dir, n_params);
          cblas_daxpy (n_params, -alpha[j], y_hist + j * n_params, 1, dir, 1);
        }
      if (hist_len > 0)
        {
          guint j = (hist_head + LBFGS_M - 1) % LBFGS_M;
          double yy = dot (y_hist + j * n_params, y_hist + j * n_params, n_params);
          cblas_dscal (n_params, 1.0 / (rho[j] * yy), dir, 1);
        }
      for (guint h = hist_len; h > 0; h--)
        {
          guint j = (hist_head + LBFGS_M - h) % LBFGS_M;
          double beta = rho[j] * dot (y_hist + j * n_params, dir, n_params);
          cblas_daxpy (n_params, alpha[j] - beta, s_hist + j * n_params, 1, dir, 1);
        }
      gd = dot (g, dir, n_params);
      if (!(gd < 0.0))
        {
          hist_len = 0;
          for (gsize i = 0; i < n_params; i++)
            dir[i] = -g[i];
          gd = dot (g, dir, n_params);
        }
      step = hist_len == 0 ? MIN (1.0, 1.0 / sqrt (-gd)) : 1.0;

      {
        LineSearch ls = { &obj, l2, threaded, x, dir, n_params, x_new, g_new_, &n_eval };
        if (!line_search (&ls, f, gd, step, &f_new))
          {
            /* A poor quasi-Newton direction (nearly orthogonal to the gradient): forget the
             * curvature pairs and retry along the steepest descent; give up only if that fails
             * too, when no decrease is measurable any more. */
            if (hist_len == 0)
              break;
            g_debug ("line search failed at iteration %u: restarting from steepest descent", iter);
            hist_len = 0;
            continue;
          }
      }

      {
        double *sj = s_hist + hist_head * n_params, *yj = y_hist + hist_head * n_params;
        double sy;

        for (gsize i = 0; i < n_params; i++)
          {
            sj[i] = x_new[i] - x[i];
            yj[i] = g_new_[i] - g[i];
          }
        sy = dot (sj, yj, n_params);
        if (sy > 1e-10 * dot (yj, yj, n_params))
          {
            rho[hist_head] = 1.0 / sy;
            hist_head = (hist_head + 1) % LBFGS_M;
            hist_len = MIN (hist_len + 1, LBFGS_M);
          }
      }
      memcpy (x, x_new, n_params * sizeof (double));
      memcpy (g, g_new_, n_params * sizeof (double));
      n_iter++;
      {
        double f_old = f;
        f = f_new;
        if (monitor != NULL && monitor->progress != NULL)
          monitor->progress ((double) (iter + 1) / max_iter, monitor->user_data);
        if ((f_old - f) <= FTOL * MAX (MAX (fabs (f_old), fabs (f)), 1.0))
          break;
      }
    }

  g_debug ("L-BFGS: %u iterations, %u evaluations, objective %.10g, max |gradient| %.3g",
           n_iter, n_eval, f, max_abs (g, n_params));
  self->coef = g_new (double, (gsize) k * d);
  self->intercept = g_new (double, k);
  memcpy (self->coef, x, (gsize) k * d * sizeof (double));
  memcpy (self->intercept, x + (gsize) k * d, k * sizeof (double));
  for (gsize i = 0; i < n_params; i++)
    if (!isfinite (x[i]))
      {
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                     _("The logistic regression did not converge to finite weights."));
        return FALSE;
      }
  if (monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return TRUE;
}

/* ---- Prediction ---------------------------------------------------------------------------- */

static void
logreg_predict_dense (KilnModel   *model,
                      const float *x,
                      guint        n_rows,
                      double      *out)
{
  KilnLogreg *self = (KilnLogreg *) model;
  guint d = model->n_features, k = self->n_out, n_classes = model->n_classes;
  double s[256];
  g_autofree double *heap = k > G_N_ELEMENTS (s) ? g_new (double, k) : NULL;
  double *si = heap != NULL ? heap : s;

  for (guint i = 0; i < n_rows; i++)
    {
      const float *row = x + (gsize) i * d;
      double *o = out + (gsize) i * n_classes;

      for (guint c = 0; c < k; c++)
        {
          const double *w = self->coef + (gsize) c * d;
          double z = self->intercept[c];
          for (guint j = 0; j < d; j++)
            z += w[j] * row[j];
          si[c] = z;
        }
      if (k == 1)
        {
          double z = si[0];
          double p = z >= 0 ? 1.0 / (1.0 + exp (-z)) : exp (z) / (1.0 + exp (z));
          o[0] = 1.0 - p;
          o[1] = p;
        }
      else
        {
          double m = -INFINITY, sum = 0.0;
          for (guint c = 0; c < k; c++)
            m = MAX (m, si[c]);
          for (guint c = 0; c < k; c++)
            sum += (o[c] = exp (si[c] - m));
          for (guint c = 0; c < k; c++)
            o[c] /= sum;
        }
    }
}

/* Scores to probabilities in place: @o holds n_out scores, gets n_classes probabilities. */
static void
scores_to_proba (guint   k,
                 double *si,
                 double *o)
{
  if (k == 1)
    {
      double z = si[0];
      double p = z >= 0 ? 1.0 / (1.0 + exp (-z)) : exp (z) / (1.0 + exp (z));
      o[0] = 1.0 - p;
      o[1] = p;
    }
  else
    {
      double m = -INFINITY, sum = 0.0;
      for (guint c = 0; c < k; c++)
        m = MAX (m, si[c]);
      for (guint c = 0; c < k; c++)
        sum += (o[c] = exp (si[c] - m));
      for (guint c = 0; c < k; c++)
        o[c] /= sum;
    }
}

/* Rows with sparse (text) features: dense, codes and sparse weights gathered per row, never a
 * row of the whole view. */
static void
logreg_predict_sparse (KilnModel         *model,
                       const KilnDataset *rows,
                       double            *out)
{
  KilnLogreg *self = (KilnLogreg *) model;
  guint d = model->n_features, k = self->n_out, nd = rows->n_features, nc = rows->n_categorical;
  g_autofree double *si = g_new (double, k);

  for (guint i = 0; i < rows->n_rows; i++)
    {
      const float *x = rows->x + (gsize) i * nd;

      for (guint c = 0; c < k; c++)
        {
          const double *w = self->coef + (gsize) c * d;
          double z = self->intercept[c];

          for (guint j = 0; j < nd; j++)
            z += w[j] * x[j];
          for (guint j = 0; j < nc; j++)
            {
              guint32 code = rows->codes[(gsize) i * nc + j];
              if (code != KILN_CODE_NONE)
                z += w[model->level_offset[j] + code];
            }
          for (gsize e = rows->sp_ptr[i]; e < rows->sp_ptr[i + 1]; e++)
            z += w[model->sparse_offset + rows->sp_index[e]] * rows->sp_value[e];
          si[c] = z;
        }
      scores_to_proba (k, si, out + (gsize) i * model->n_classes);
    }
}

static void
logreg_predict (KilnModel         *model,
                const KilnDataset *rows,
                double            *out)
{
  if (rows->n_sparse > 0)
    logreg_predict_sparse (model, rows, out);
  else
    _kiln_model_predict_dense (model, rows, out, logreg_predict_dense);
}

/* ---- The rest of the interface ----------------------------------------------------------- */

static gboolean
logreg_check_options (const KilnModelOptions  *options,
                      GError                 **error)
{
  if (!isfinite (options->l2) || options->l2 < 0.0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The regularisation strength must be zero or a positive number."));
      return FALSE;
    }
  return TRUE;
}

static void
logreg_to_json (KilnModel   *model,
                JsonBuilder *builder)
{
  KilnLogreg *self = (KilnLogreg *) model;

  _kiln_json_add_doubles (builder, "coef", self->coef, (gsize) self->n_out * model->n_features);
  _kiln_json_add_doubles (builder, "intercept", self->intercept, self->n_out);
}

static gboolean
logreg_from_json (KilnModel   *model,
                  JsonObject  *object,
                  GError     **error)
{
  KilnLogreg *self = (KilnLogreg *) model;

  self->n_out = model->n_classes == 2 ? 1 : model->n_classes;
  self->coef = g_new0 (double, (gsize) self->n_out * model->n_features);
  self->intercept = g_new0 (double, self->n_out);
  return _kiln_json_get_doubles (object, "coef", self->coef,
                                 (gsize) self->n_out * model->n_features, error)
         && _kiln_json_get_doubles (object, "intercept", self->intercept, self->n_out, error);
}

/* Share of sum_c |w_cj|: meaningful on standardised features, as the default recipe makes them. */
static gboolean
logreg_importances (KilnModel *model,
                    double    *out)
{
  KilnLogreg *self = (KilnLogreg *) model;
  guint d = model->n_features;
  double total = 0.0;

  for (guint j = 0; j < d; j++)
    {
      out[j] = 0.0;
      for (guint c = 0; c < self->n_out; c++)
        out[j] += fabs (self->coef[(gsize) c * d + j]);
      total += out[j];
    }
  for (guint j = 0; j < d; j++)
    out[j] = total > 0.0 ? out[j] / total : 1.0 / d;
  return TRUE;
}

static const double *
logreg_coefficients (KilnModel *model,
                     guint     *n_out)
{
  KilnLogreg *self = (KilnLogreg *) model;

  if (n_out)
    *n_out = self->n_out;
  return self->coef;
}

static void
logreg_finalize (KilnModel *model)
{
  KilnLogreg *self = (KilnLogreg *) model;

  g_free (self->coef);
  g_free (self->intercept);
}

static gboolean
logreg_linear (KilnModel       *model,
               guint           *n_scores,
               const double   **coef,
               const double   **intercept,
               KilnModelScore  *score)
{
  KilnLogreg *self = (KilnLogreg *) model;

  *n_scores = self->n_out;
  *coef = self->coef;
  *intercept = self->intercept;
  *score = self->n_out == 1 ? KILN_MODEL_SCORE_LOG_ODDS : KILN_MODEL_SCORE_MARGIN;
  return TRUE;
}

static const KilnModelOption * const logreg_options[] = {
  &kiln_model_option_l2_logreg,
  &kiln_model_option_max_iter,
  NULL,
};

static const KilnModelOps logreg_ops = {
  .codes = TRUE,
  .sparse = TRUE,
  .instance_size = sizeof (KilnLogreg),
  .check_options = logreg_check_options,
  .fit = logreg_fit,
  .predict = logreg_predict,
  .to_json = logreg_to_json,
  .from_json = logreg_from_json,
  .importances = logreg_importances,
  .coefficients = logreg_coefficients,
  .finalize = logreg_finalize,
  .linear = logreg_linear,
};

const KilnModelClass kiln_logreg_class = {
  .name = "logreg",
  .display_name = N_("Logistic regression"),
  .classification = TRUE,
  .regression = FALSE,
  .iterative = FALSE,
  .needs_scaling = TRUE,
  .accepts_missing = FALSE,
  .options = logreg_options,
  .ops = &logreg_ops,
};
