/* kiln-logreg-dual.c: logistic regression with two classes on sparse (text) features, by dual
 * coordinate descent (kiln-logreg-private.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two classes with sparse (text) features are fitted by dual coordinate descent (Yu,
 * Huang and Lin 2011, liblinear's L2R_LR_DUAL): one pass over the rows costs what one L-BFGS
 * evaluation does, and about ten passes reach liblinear's tolerance where L-BFGS needs a hundred
 * and more evaluations on a few hundred thousand n-grams. As in liblinear, the intercept is the
 * weight of a constant feature 1 and is penalised with the others (on thousands of rows the
 * difference is invisible); the rows are visited in a seeded random order, so the model is the
 * same on every run.
 */
#define G_LOG_DOMAIN "kiln-logreg"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-logreg-private.h"
#include "kiln-parallel.h"
#include "kiln-rng.h"

#define DUAL_EPS       0.1     /* liblinear's default stopping tolerance for the dual */
#define DUAL_MAX_PASS  1000
#define DUAL_MAX_INNER 100
#define DUAL_BLOCK     16      /* rows visited together */

/* The rows as the dual descent reads them. Its time goes into gathering and scattering the
 * weights of a row's n-grams, a few hundred thousand doubles, more than a core's L2 cache;
 * numbered in the order of the vocabulary, the few thousand frequent n-grams lie scattered over
 * all of them and each drags a cache line of rare neighbours along. Renumbered by how many rows
 * hold them (most first), the frequent ones share a few hundred cache lines. A row's entries
 * are still summed in their own order, so the weights are those of the vocabulary's numbering,
 * bit for bit. */
typedef struct {
  const KilnModel   *model;
  const KilnDataset *data;
  gboolean           other;    /* dense or categorical features besides the sparse ones */
  const gsize       *ptr;      /* data->sp_ptr */
  gsize              base;     /* ptr[0] */
  guint32           *index;    /* the entries' features in the hottest-first numbering */
  const float       *value;    /* data->sp_value */
  guint32           *perm;     /* vocabulary numbering -> hottest-first */
  double            *ws;       /* the sparse weights, hottest first */
  double            *w;        /* dense, level and intercept weights: n_features + 1 (the
                                  sparse ones unused, 0) */
} DualRows;

/* @n_bytes of zeros, written: calloc's fresh pages map the shared zero page until written, so
 * an array read before it is written takes a second fault per page to copy it, with a TLB
 * shootdown to the other cores; written first, a page faults once. */
static gpointer
zeroed_new (gsize n_bytes)
{
  gpointer p = g_malloc (n_bytes);

  memset (p, 0, n_bytes);
  return p;
}

#define RENUMBER_PARTS 2

typedef struct {
  const KilnDataset *data;
  DualRows          *rows;
  guint32           *count[RENUMBER_PARTS];
} Renumber;

static inline void
entry_range (const KilnDataset *data, guint part, gsize *e0, gsize *e1)
{
  guint n = data->n_rows;

  *e0 = data->sp_ptr[(guint64) n * part / RENUMBER_PARTS];
  *e1 = data->sp_ptr[(guint64) n * (part + 1) / RENUMBER_PARTS];
}

/* Part @part of the rows: how many of them hold each feature. */
static gboolean
count_task (guint part, guint thread, gpointer data)
{
  Renumber *job = data;
  gsize e0, e1;
  guint32 *count = job->count[part] = zeroed_new (MAX (job->data->n_sparse, 1) * sizeof (guint32));

  entry_range (job->data, part, &e0, &e1);
  for (gsize e = e0; e < e1; e++)
    count[job->data->sp_index[e]]++;
  return TRUE;
}

/* Part @part of the rows' entries in the hottest-first numbering. */
static gboolean
map_task (guint part, guint thread, gpointer data)
{
  Renumber *job = data;
  DualRows *r = job->rows;
  gsize e0, e1;

  entry_range (job->data, part, &e0, &e1);
  for (gsize e = e0; e < e1; e++)
    r->index[e - r->base] = r->perm[job->data->sp_index[e]];
  return TRUE;
}

static void
dual_rows_init (DualRows *r, const KilnModel *model, const KilnDataset *data)
{
  guint n = data->n_rows, ns = data->n_sparse, most = 0;
  gsize base = data->sp_ptr[0], nnz = data->sp_ptr[n] - base;
  Renumber job = { data, r, { NULL } };
  g_autofree guint32 *start = NULL;
  guint n_threads = model->options.n_threads;

  r->model = model;
  r->data = data;
  r->other = data->n_features > 0 || data->n_categorical > 0;
  r->ptr = data->sp_ptr;
  r->base = base;
  r->value = data->sp_value + base;
  kiln_parallel_run (RENUMBER_PARTS, n_threads, count_task, &job);
  for (guint p = 1; p < RENUMBER_PARTS; p++)
    {
      for (guint j = 0; j < ns; j++)
        job.count[0][j] += job.count[p][j];
      g_free (job.count[p]);
    }
  /* most rows first, ties in the vocabulary's order: a counting sort on the counts */
  for (guint j = 0; j < ns; j++)
    most = MAX (most, job.count[0][j]);
  start = g_new0 (guint32, (gsize) most + 2);
  for (guint j = 0; j < ns; j++)
    start[most - job.count[0][j] + 1]++;
  for (guint c = 1; c <= most + 1; c++)
    start[c] += start[c - 1];
  r->perm = g_new (guint32, MAX (ns, 1));
  for (guint j = 0; j < ns; j++)
    r->perm[j] = start[most - job.count[0][j]]++;
  g_free (job.count[0]);
  r->index = g_new (guint32, MAX (nnz, 1));
  kiln_parallel_run (RENUMBER_PARTS, n_threads, map_task, &job);
  r->ws = zeroed_new (MAX (ns, 1) * sizeof (double));
  r->w = g_new0 (double, (gsize) model->n_features + 1);
}

static void
dual_rows_clear (DualRows *r)
{
  g_free (r->index);
  g_free (r->perm);
  g_free (r->ws);
  g_free (r->w);
}

/* As _kiln_model_row_dot (with the intercept) and _kiln_model_row_axpy, in the same order. */
static inline double
dual_dot (const DualRows *r, guint i)
{
  double z = r->w[r->model->n_features];
  const guint32 *idx = r->index + (r->ptr[i] - r->base);
  const float *val = r->value + (r->ptr[i] - r->base);
  guint m = (guint) (r->ptr[i + 1] - r->ptr[i]);

  if (r->other)
    {
      const KilnDataset *data = r->data;
      guint nd = data->n_features, nc = data->n_categorical;
      const float *x = data->x + (gsize) i * nd;
      for (guint j = 0; j < nd; j++)
        z += r->w[j] * x[j];
      for (guint j = 0; j < nc; j++)
        {
          guint32 code = data->codes[(gsize) i * nc + j];
          if (code != KILN_CODE_NONE)
            z += r->w[r->model->level_offset[j] + code];
        }
    }
  for (guint e = 0; e < m; e++)
    z += r->ws[idx[e]] * val[e];
  return z;
}

static inline void
dual_axpy (DualRows *r, double a, guint i)
{
  const guint32 *idx = r->index + (r->ptr[i] - r->base);
  const float *val = r->value + (r->ptr[i] - r->base);
  guint m = (guint) (r->ptr[i + 1] - r->ptr[i]);

  r->w[r->model->n_features] += a;
  if (r->other)
    {
      const KilnDataset *data = r->data;
      guint nd = data->n_features, nc = data->n_categorical;
      const float *x = data->x + (gsize) i * nd;
      for (guint j = 0; j < nd; j++)
        r->w[j] += a * x[j];
      for (guint j = 0; j < nc; j++)
        {
          guint32 code = data->codes[(gsize) i * nc + j];
          if (code != KILN_CODE_NONE)
            r->w[r->model->level_offset[j] + code] += a;
        }
    }
  for (guint e = 0; e < m; e++)
    r->ws[idx[e]] += a * val[e];
}

gboolean
_kiln_logreg_fit_dual (KilnModel             *model,
                       const KilnDataset     *train,
                       const KilnFitMonitor  *monitor,
                       GCancellable          *cancellable,
                       GError               **error)
{
  KilnLogreg *self = (KilnLogreg *) model;
  guint n = train->n_rows, d = model->n_features;
  guint max_pass = model->options.max_iter > 0 ? model->options.max_iter : DUAL_MAX_PASS;
  double C = 1.0 / model->options.l2;
  double innereps = 1e-2, innereps_min = MIN (1e-8, DUAL_EPS);
  g_autofree double *alpha = g_new (double, (gsize) 2 * n);
  g_autofree double *xtx = g_new (double, n);
  guint n_blocks = (n + DUAL_BLOCK - 1) / DUAL_BLOCK;
  g_autofree guint32 *order = g_new (guint32, MAX (n_blocks, 1));
  DualRows rows;
  KilnRng rng;
  guint pass;
  gboolean ok = TRUE;
  gint64 start = g_get_monotonic_time ();

  self->n_out = 1;
  dual_rows_init (&rows, model, train);
  kiln_rng_init (&rng, model->options.seed);
  for (guint i = 0; i < n; i++)
    {
      double yi = train->y_class[i] == 1 ? 1.0 : -1.0;
      guint nd = train->n_features;
      double q = 1.0;   /* the constant feature */

      for (guint j = 0; j < nd; j++)
        q += (double) train->x[(gsize) i * nd + j] * train->x[(gsize) i * nd + j];
      for (guint j = 0; j < train->n_categorical; j++)
        q += train->codes[(gsize) i * train->n_categorical + j] != KILN_CODE_NONE;
      for (gsize e = train->sp_ptr[i]; e < train->sp_ptr[i + 1]; e++)
        q += (double) train->sp_value[e] * train->sp_value[e];
      xtx[i] = q;
      alpha[2 * i] = MIN (0.001 * C, 1e-8);
      alpha[2 * i + 1] = C - alpha[2 * i];
      dual_axpy (&rows, yi * alpha[2 * i], i);
    }
  for (guint b = 0; b < n_blocks; b++)
    order[b] = b;

  for (pass = 0; pass < max_pass; pass++)
    {
      double gmax = 0.0;
      guint newton_iter = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      /* blocks of rows in a random order, each block's rows in turn: the rows' entries are read
         in runs (a random row each time waited on memory for most of a pass) */
      kiln_rng_shuffle_u32 (&rng, order, n_blocks);
      for (guint s = 0; s < n_blocks * DUAL_BLOCK; s++)
        {
          guint i = order[s / DUAL_BLOCK] * DUAL_BLOCK + s % DUAL_BLOCK;
          guint ind1, ind2, inner = 0;
          double yi, a, b, sign = 1.0, alpha_old, z, gp;

          if (i >= n)
            continue;   /* the last block is short */
          yi = train->y_class[i] == 1 ? 1.0 : -1.0;
          a = xtx[i];
          b = yi * dual_dot (&rows, i);
          ind1 = 2 * i;
          ind2 = 2 * i + 1;
          if (0.5 * a * (alpha[ind2] - alpha[ind1]) + b < 0)
            {
              ind1 = 2 * i + 1;
              ind2 = 2 * i;
              sign = -1.0;
            }
          alpha_old = alpha[ind1];
          z = alpha_old;
          gp = sign * b + log (z / (C - z));
          /* the stopping rule's violation is the gradient here, at the current alpha (liblinear
             takes it at the Newton start below, 0.1 alpha when alpha > C/2: rows on the decision
             boundary, alpha just past C/2, then kept it near 5 for eight more passes on the
             nsmc reviews, where the accuracy no longer moved) */
          gmax = MAX (gmax, fabs (gp));
          if (C - z < 0.5 * C)
            {
              z = 0.1 * z;
              gp = a * (z - alpha_old) + sign * b + log (z / (C - z));
            }
          while (inner <= DUAL_MAX_INNER && fabs (gp) >= innereps)
            {
              double gpp = a + C / (C - z) / z;
              double tmpz = z - gp / gpp;
              z = tmpz <= 0 ? z * 0.1 : tmpz;
              gp = a * (z - alpha_old) + sign * b + log (z / (C - z));
              newton_iter++;
              inner++;
            }
          if (inner > 0)
            {
              alpha[ind1] = z;
              alpha[ind2] = C - z;
              dual_axpy (&rows, sign * (z - alpha_old) * yi, i);
            }
        }
      if (monitor != NULL && monitor->progress != NULL)
        monitor->progress (MIN (1.0, (pass + 1) / 20.0), monitor->user_data);
      if (gmax < DUAL_EPS)
        break;
      if (newton_iter <= n / 10)
        innereps = MAX (innereps_min, 0.1 * innereps);
    }
  if (ok)
    {
      g_debug ("dual coordinate descent: %u passes, %.3f s", pass + 1,
               (g_get_monotonic_time () - start) / 1e6);
      self->coef = g_new (double, d);
      self->intercept = g_new (double, 1);
      memcpy (self->coef, rows.w, (gsize) d * sizeof (double));
      for (guint j = 0; j < train->n_sparse; j++)
        self->coef[model->sparse_offset + j] = rows.ws[rows.perm[j]];
      self->intercept[0] = rows.w[d];
      for (guint j = 0; j < d && ok; j++)
        ok = isfinite (self->coef[j]);
      if (!ok || !isfinite (self->intercept[0]))
        {
          ok = FALSE;
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_NUMERIC,
                       _("The logistic regression did not converge to finite weights."));
        }
    }
  dual_rows_clear (&rows);
  if (ok && monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return ok;
}
