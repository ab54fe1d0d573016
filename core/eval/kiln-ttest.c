/* kiln-ttest.c: Student's t CDF and the corrected resampled t-test of fold scores.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-ttest"

#include "config.h"

#include <float.h>
#include <math.h>

#include "kiln-ttest.h"

/* The continued fraction of I_x(a, b), evaluated by the modified Lentz method; converges fast
 * for x < (a + 1) / (a + b + 2). */
static double
beta_fraction (double a, double b, double x)
{
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;

  if (fabs (d) < tiny)
    d = tiny;
  d = 1.0 / d;
  h = d;
  for (int m = 1; m <= 300; m++)
    {
      double m2 = 2.0 * m, num, delta;

      /* even step */
      num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
      d = 1.0 + num * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1.0 + num / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1.0 / d;
      h *= d * c;
      /* odd step */
      num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
      d = 1.0 + num * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1.0 + num / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1.0 / d;
      delta = d * c;
      h *= delta;
      if (fabs (delta - 1.0) < 4 * DBL_EPSILON)
        break;
    }
  return h;
}

double
kiln_incomplete_beta (double a,
                      double b,
                      double x)
{
  double front;

  g_return_val_if_fail (a > 0 && b > 0, NAN);
  if (isnan (x))
    return NAN;
  if (x <= 0)
    return 0.0;
  if (x >= 1)
    return 1.0;
  front = exp (lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x) + b * log1p (-x));
  /* Use the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly. */
  if (x < (a + 1.0) / (a + b + 2.0))
    return front * beta_fraction (a, b, x) / a;
  return 1.0 - front * beta_fraction (b, a, 1.0 - x) / b;
}

double
kiln_student_t_cdf (double t,
                    double dof)
{
  double tail;

  g_return_val_if_fail (dof > 0, NAN);
  if (isnan (t))
    return NAN;
  if (isinf (t))
    return t > 0 ? 1.0 : 0.0;
  /* P(|T| > |t|) = I_{dof / (dof + t²)}(dof / 2, 1 / 2) */
  tail = 0.5 * kiln_incomplete_beta (dof / 2.0, 0.5, dof / (dof + t * t));
  return t > 0 ? 1.0 - tail : tail;
}

double
kiln_correlated_ttest (const double *a,
                       const double *b,
                       guint         k,
                       double        n_train,
                       double        n_test)
{
  double mean = 0, var = 0, scale;

  g_return_val_if_fail (k == 0 || (a != NULL && b != NULL), NAN);

  if (k < 2 || n_train <= 0 || n_test < 0)
    return NAN;
  for (guint i = 0; i < k; i++)
    {
      if (!isfinite (a[i]) || !isfinite (b[i]))
        return NAN;
      mean += a[i] - b[i];
    }
  mean /= k;
  for (guint i = 0; i < k; i++)
    {
      double d = a[i] - b[i] - mean;
      var += d * d;
    }
  var /= k - 1;
  scale = sqrt ((1.0 / k + n_test / n_train) * var);
  /* Differences equal in every fold (to rounding): no doubt left about their sign. */
  if (scale == 0 || scale < 1e-12 * fabs (mean))
    return mean > 0 ? 1.0 : mean < 0 ? 0.0 : 0.5;
  return kiln_student_t_cdf (mean / scale, k - 1);
}
