/* kiln-gbt-loss.c: boosting's losses, their gradients and hessians, and the validation metric.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Squared error (half the mean squared error over twice the training target's variance), log loss
 * for two classes and softmax for more; sums go by fixed chunks of rows, so a loss is the same
 * for any number of threads.
 */
#define G_LOG_DOMAIN "kiln-gbt"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-gbt-private.h"

#define LOSS_CHUNK      8192

#define SUB 256

/* exp(x) of SUB values x <= 0 (softmax terms) in place, to about one unit in the last place;
 * written so the loops vectorise (libm's exp is a call per value: a fifth of a multi-class fit
 * went there). x = k ln 2 + r with |r| <= ln 2 / 2 (Cody-Waite), e^r by its Taylor series to
 * r^13, times 2^k built in the exponent bits. Below -700 (e^-700 = 1e-304) x is clamped. */
static void
exp_block (double *restrict x)
{
  const double shifter = 0x1.8p52;   /* adding it rounds to an integer kept in the low bits */

  for (guint i = 0; i < SUB; i++)
    x[i] = x[i] < -700.0 ? -700.0 : x[i];
  for (guint i = 0; i < SUB; i++)
    {
      double kd, r, p, v = x[i];
      guint64 bits, k;

      kd = v * 0x1.71547652b82fep0 + shifter;
      memcpy (&k, &kd, sizeof k);
      kd -= shifter;
      r = v - kd * 0x1.62e42feep-1;           /* ln 2, high bits: exact times k */
      r = r - kd * 0x1.a39ef35793c76p-33;     /* the rest of ln 2 */
      p = 1.0 / 6227020800.0;
      p = p * r + 1.0 / 479001600.0;
      p = p * r + 1.0 / 39916800.0;
      p = p * r + 1.0 / 3628800.0;
      p = p * r + 1.0 / 362880.0;
      p = p * r + 1.0 / 40320.0;
      p = p * r + 1.0 / 5040.0;
      p = p * r + 1.0 / 720.0;
      p = p * r + 1.0 / 120.0;
      p = p * r + 1.0 / 24.0;
      p = p * r + 1.0 / 6.0;
      p = p * r + 0.5;
      p = p * r + 1.0;
      p = p * r + 1.0;
      /* 2^k: k (two's complement in the low bits) plus the bias, into the exponent */
      bits = (k + 1023) << 52;
      memcpy (&kd, &bits, sizeof kd);
      x[i] = p * kd;
    }
}

/* The softmax of @nb <= SUB rows (class-major, classes @n apart) from their raw scores: returns
 * @sum plus their losses, added in row order; with @g, their gradients p - [y = c] and hessians
 * p (1 - p). */
static inline __attribute__ ((always_inline)) double
softmax_block (double                 sum,
               const double *restrict raw,
               gsize                  n,
               guint                  k,
               const gint32 *restrict y,
               double       *restrict g,
               double       *restrict h,
               guint                  nb)
{
  double m[SUB], e_sum[SUB], t[SUB];

  for (guint j = 0; j < nb; j++)
    m[j] = raw[j];
  for (guint c = 1; c < k; c++)
    {
      const double *restrict rc = raw + c * n;

      for (guint j = 0; j < nb; j++)
        m[j] = rc[j] > m[j] ? rc[j] : m[j];
    }
  memset (e_sum, 0, sizeof e_sum);
  memset (t, 0, sizeof t);
  for (guint c = 0; c < k; c++)
    {
      const double *restrict rc = raw + c * n;

      for (guint j = 0; j < nb; j++)
        t[j] = rc[j] - m[j];
      exp_block (t);
      for (guint j = 0; j < nb; j++)
        e_sum[j] += t[j];
      if (g != NULL)
        memcpy (g + c * n, t, nb * sizeof (double));
    }
  for (guint j = 0; j < nb; j++)
    sum += log (e_sum[j]) - (raw[(gsize) y[j] * n + j] - m[j]);
  if (g != NULL)
    {
      for (guint j = nb; j < SUB; j++)
        e_sum[j] = 1.0;
      for (guint j = 0; j < SUB; j++)
        e_sum[j] = 1.0 / e_sum[j];
      for (guint c = 0; c < k; c++)
        {
          double *restrict gc = g + c * n, *restrict hc = h + c * n;

          for (guint j = 0; j < nb; j++)
            {
              double p = gc[j] * e_sum[j];

              gc[j] = p;
              hc[j] = p * (1.0 - p);
            }
        }
      for (guint j = 0; j < nb; j++)
        g[(gsize) y[j] * n + j] -= 1.0;
    }
  return sum;
}

typedef struct {
  const GbtLoss   *loss;
  guint         n;
  const double *raw;        /* k x n, class-major */
  double       *g;          /* k x n, or NULL: the loss only */
  double       *h;          /* k x n (classification) */
  double       *partial;    /* per chunk: the sum of losses */
  double       *g_max;      /* per chunk: the largest |g| */
} LossJob;

static gboolean
loss_task (guint    task,
            guint    thread,
            gpointer data)
{
  LossJob *job = data;
  const GbtLoss *loss = job->loss;
  guint n = job->n, k = loss->k;
  guint lo = task * LOSS_CHUNK, hi = MIN (n, lo + LOSS_CHUNK);
  const double *raw = job->raw;
  double *g = job->g, *h = job->h;
  double sum = 0.0, gm = 0.0;

  if (loss->task == KILN_TASK_REGRESSION)
    {
      for (guint i = lo; i < hi; i++)
        {
          double e = raw[i] - loss->y_value[i];

          sum += e * e;
          if (g != NULL)
            {
              g[i] = e;
              gm = MAX (gm, fabs (e));
            }
        }
      sum *= loss->y_scale;
    }
  else if (k == 1)
    for (guint i = lo; i < hi; i++)
      {
        double z = raw[i], p = _kiln_gbt_sigmoid (z);
        gboolean pos = loss->y_class[i] == 1;

        if (g != NULL)
          {
            g[i] = p - (pos ? 1.0 : 0.0);
            h[i] = p * (1.0 - p);
          }
        /* -log p(y), stably */
        z = pos ? z : -z;
        sum += z >= 0 ? log1p (exp (-z)) : -z + log1p (exp (z));
      }
  else
    for (guint a = lo; a < hi; a += SUB)
      {
        guint nb = MIN (hi - a, SUB);

        /* full blocks with a constant count: loops the compiler vectorises whole */
        if (nb == SUB)
          sum = softmax_block (sum, raw + a, n, k, loss->y_class + a, g != NULL ? g + a : NULL,
                                g != NULL ? h + a : NULL, SUB);
        else
          sum = softmax_block (sum, raw + a, n, k, loss->y_class + a, g != NULL ? g + a : NULL,
                                g != NULL ? h + a : NULL, nb);
      }
  job->partial[task] = sum;
  job->g_max[task] = gm;
  return TRUE;
}

/* The mean loss over @n rows (by fixed chunks, so the same sum for any number of threads), with
 * the gradients when @g is given; *@g_max (regression) gets the largest |g|. */
double
_kiln_gbt_mean_loss (const GbtLoss    *loss,
                     guint             n,
                     const double     *raw,
                     double           *g,
                     double           *h,
                     double           *g_max,
                     KilnParallelTeam *team)
{
  guint n_chunks = (n + LOSS_CHUNK - 1) / LOSS_CHUNK;
  g_autofree double *partial = g_new0 (double, 2 * MAX (n_chunks, 1));
  LossJob job = { loss, n, raw, g, loss->task == KILN_TASK_REGRESSION ? NULL : h, partial,
                  partial + MAX (n_chunks, 1) };
  double sum = 0.0;

  kiln_parallel_team_run (team, n_chunks, loss_task, &job);
  for (guint c = 0; c < n_chunks; c++)
    sum += partial[c];
  if (g_max != NULL)
    {
      *g_max = 0.0;
      for (guint c = 0; c < n_chunks; c++)
        *g_max = MAX (*g_max, job.g_max[c]);
    }
  return n > 0 ? sum / n : 0.0;
}

/* Accuracy or R^2 of raw scores on @data. */
double
_kiln_gbt_metric (const GbtLoss     *loss,
                  const KilnDataset *data,
                  const double      *raw)
{
  guint k = loss->k;

  if (data->task == KILN_TASK_CLASSIFICATION)
    {
      guint correct = 0, n = data->n_rows;

      for (guint i = 0; i < n; i++)
        {
          guint best = 0;

          if (k == 1)
            best = raw[i] > 0.0;
          else
            for (guint c = 1; c < k; c++)
              if (raw[(gsize) c * n + i] > raw[(gsize) best * n + i])
                best = c;
          correct += (gint32) best == data->y_class[i];
        }
      return (double) correct / MAX (data->n_rows, 1);
    }
  {
    double mean = 0.0, sse = 0.0, sst = 0.0;

    for (guint i = 0; i < data->n_rows; i++)
      mean += data->y_value[i];
    mean /= MAX (data->n_rows, 1);
    for (guint i = 0; i < data->n_rows; i++)
      {
        double e = data->y_value[i] - raw[i], d = data->y_value[i] - mean;
        sse += e * e;
        sst += d * d;
      }
    return sst > 0.0 ? 1.0 - sse / sst : (sse == 0.0 ? 1.0 : 0.0);
  }
}
