/* kiln-format.h: numbers as the window shows them, the same way everywhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Counts are grouped the locale's way ("3,000,000" in English), decimals use the locale's
 * separator, and each kind of number has a fixed number of digits: shares as percentages with one
 * decimal, scores between 0 and 1 (R², F1, AUC, log loss) with three, errors in the target's units
 * with four significant digits. Every function returns a new string; NaN gives "—".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *kiln_format_count   (guint64     n);
/* @fraction 0..1 as "97.4 %" */
char *kiln_format_percent (double      fraction);
/* A metric by its name in the core's JSON ("accuracy", "r2", "rmse", ...). */
char *kiln_format_metric  (const char *name,
                           double      value);
/* A value in the data's units: four significant digits, grouped, no exponent below 10^15. */
char *kiln_format_value   (double      value);
/* A duration: "0.42 s", "12.3 s", "2 min 05 s". */
char *kiln_format_seconds (double      seconds);

G_END_DECLS
