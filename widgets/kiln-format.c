/* kiln-format.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-format"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "kiln-format.h"

#define NOTHING "—"

/* printf's ' flag groups thousands as LC_NUMERIC says (gtk_init sets it from the user's locale) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

char *
kiln_format_count (guint64 n)
{
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

char *
kiln_format_percent (double fraction)
{
  if (!isfinite (fraction))
    return g_strdup (NOTHING);
  /* Translators: a percentage; %s is the number ("97.4"). Keep or drop the space as your
     language writes it. */
  {
    char number[64];
    g_snprintf (number, sizeof number, "%.1f", fraction * 100);
    return g_strdup_printf (_("%s %%"), number);
  }
}

char *
kiln_format_value (double value)
{
  double magnitude = fabs (value);
  int digits;

  if (!isfinite (value))
    return g_strdup (NOTHING);
  if (magnitude >= 1e15)
    return g_strdup_printf ("%.4g", value);
  if (magnitude == 0)
    return g_strdup ("0");
  /* four significant digits, as decimals (never 1.2e+04) */
  digits = 3 - (int) floor (log10 (magnitude));
  if (digits < 0)
    digits = 0;
  if (digits > 8)
    return g_strdup_printf ("%.4g", value);
  return g_strdup_printf ("%'.*f", digits, value);
}

#pragma GCC diagnostic pop

char *
kiln_format_metric (const char *name,
                    double      value)
{
  if (!isfinite (value))
    return g_strdup (NOTHING);
  if (g_strcmp0 (name, "accuracy") == 0)
    return kiln_format_percent (value);
  if (g_strcmp0 (name, "rmse") == 0 || g_strcmp0 (name, "mae") == 0)
    return kiln_format_value (value);
  /* scores on a 0..1 scale and the log loss */
  return g_strdup_printf ("%.3f", value);
}

char *
kiln_format_seconds (double seconds)
{
  if (!isfinite (seconds) || seconds < 0)
    return g_strdup (NOTHING);
  if (seconds < 10)
    return g_strdup_printf (_("%.2f s"), seconds);
  if (seconds < 60)
    return g_strdup_printf (_("%.1f s"), seconds);
  /* Translators: minutes and seconds */
  return g_strdup_printf (_("%u min %02u s"), (guint) (seconds / 60), (guint) fmod (seconds, 60));
}
