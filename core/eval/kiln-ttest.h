/* kiln-ttest.h: how sure can we be that one model beats another, given their cross-validation
 * fold scores?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The folds of k-fold cross-validation share most of their training rows, so the fold scores are
 * correlated and a plain paired t-test is overconfident. Nadeau and Bengio's correction (2003)
 * inflates the variance of the mean difference by n_test/n_train: with d_i the k per-fold
 * differences, mean d̄ and sample variance s²,
 *
 *     t = d̄ / sqrt ((1/k + n_test/n_train) s²)
 *
 * and the probability that the first model is better is the Student t distribution's CDF with
 * k - 1 degrees of freedom at t: the posterior P(mean difference > 0) of Corani and Benavoli's
 * correlated Bayesian t-test (2015) with no region of practical equivalence, the figure Orange's
 * Test and Score shows.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* P(T <= t) for Student's t with @dof > 0 degrees of freedom. */
double kiln_student_t_cdf   (double t,
                             double dof);

/* The regularised incomplete beta function I_x(a, b), 0 <= x <= 1, a, b > 0. */
double kiln_incomplete_beta (double a,
                             double b,
                             double x);

/* The probability that @a beats @b (higher is better) from their @k paired fold scores, the
 * folds holding @n_train training and @n_test held-out rows on average. With no spread in the
 * differences: 1 when a's mean is higher, 0 when lower, 0.5 when equal. NaN when k < 2 or a
 * score is not finite. */
double kiln_correlated_ttest (const double *a,
                              const double *b,
                              guint         k,
                              double        n_train,
                              double        n_test);

G_END_DECLS
