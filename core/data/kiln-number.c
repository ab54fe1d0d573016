/* kiln-number.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-number"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-number.h"

static const double pow10_exact[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline gboolean
is_space (char c)
{
  return c == ' ' || c == '\t';
}

static gboolean
parse_special (const char *s, gsize len, gboolean negative, double *out)
{
  if ((len == 3 && g_ascii_strncasecmp (s, "inf", 3) == 0) ||
      (len == 8 && g_ascii_strncasecmp (s, "infinity", 8) == 0))
    {
      *out = negative ? -INFINITY : INFINITY;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_slow (const char *s, gsize len, char decimal, double *out)
{
  char buf[128];
  char *end;

  if (len >= sizeof buf)
    return FALSE;
  memcpy (buf, s, len);
  buf[len] = '\0';
  for (gsize i = 0; i < len; i++)
    {
      if (buf[i] == decimal)
        buf[i] = '.';
      else if (buf[i] == '.' && decimal != '.')
        return FALSE;
    }
  *out = g_ascii_strtod (buf, &end);
  return end == buf + len;
}

gboolean
kiln_parse_double (const char *s,
                   gsize       len,
                   char        decimal,
                   double     *out)
{
  const char *p, *end;
  const char *start;
  gboolean negative = FALSE;
  guint64 mantissa = 0;
  int n_digits = 0;        /* significant digits gathered into mantissa */
  int dropped = 0;         /* integer digits that did not fit */
  int frac_digits = 0;
  gboolean any_digit = FALSE;
  int exp10 = 0;

  /* the common case first: a short run of digits, perhaps signed */
  if (len > 0 && len <= 15)
    {
      gsize i = (*s == '-' || *s == '+') ? 1 : 0;
      guint64 v = 0;
      if (i < len)
        {
          for (p = s + i; p < s + len && (guint) (*p - '0') < 10; p++)
            v = v * 10 + (guint64) (*p - '0');
          if (p == s + len)
            {
              *out = *s == '-' ? -(double) v : (double) v;
              return TRUE;
            }
        }
    }

  while (len > 0 && is_space (s[len - 1]))
    len--;
  while (len > 0 && is_space (*s))
    s++, len--;
  if (len == 0)
    return FALSE;

  start = s;
  p = s;
  end = s + len;

  if (*p == '-' || *p == '+')
    {
      negative = *p == '-';
      p++;
    }
  if (p == end)
    return FALSE;
  if (!g_ascii_isdigit (*p) && *p != decimal)
    return parse_special (p, end - p, negative, out);

  while (p < end && *p == '0')
    p++, any_digit = TRUE;
  for (; p < end && g_ascii_isdigit (*p); p++)
    {
      any_digit = TRUE;
      if (n_digits < 19)
        mantissa = mantissa * 10 + (guint64) (*p - '0'), n_digits++;
      else
        dropped++;
    }
  if (p < end && *p == decimal)
    {
      p++;
      if (n_digits == 0)
        while (p < end && *p == '0')
          p++, frac_digits++, any_digit = TRUE;
      for (; p < end && g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          if (n_digits < 19)
            {
              mantissa = mantissa * 10 + (guint64) (*p - '0');
              n_digits++;
              frac_digits++;
            }
          else
            {
              /* too many digits for the fast path */
              return parse_slow (start, len, decimal, out);
            }
        }
    }
  if (!any_digit)
    return FALSE;
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      gboolean eneg = FALSE;
      int e = 0;

      p++;
      if (p < end && (*p == '-' || *p == '+'))
        eneg = *p++ == '-';
      if (p == end || !g_ascii_isdigit (*p))
        return FALSE;
      for (; p < end && g_ascii_isdigit (*p); p++)
        if (e < 100000)
          e = e * 10 + (*p - '0');
      exp10 = eneg ? -e : e;
    }
  if (p != end)
    return FALSE;

  exp10 += dropped - frac_digits;
  if (dropped == 0 && mantissa < (G_GUINT64_CONSTANT (1) << 53) && exp10 >= -22 && exp10 <= 22)
    {
      double v = (double) mantissa;
      v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
      *out = negative ? -v : v;
      return TRUE;
    }
  return parse_slow (start, len, decimal, out);
}

static inline int
two_digits (const char *p)
{
  if (!g_ascii_isdigit (p[0]) || !g_ascii_isdigit (p[1]))
    return -1;
  return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static gint64
days_from_civil (gint64 y, unsigned m, unsigned d)
{
  gint64 era;
  unsigned yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned) (y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64) doe - 719468;
}

static void
civil_from_days (gint64 z, int *y, unsigned *m, unsigned *d)
{
  gint64 era;
  unsigned doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (unsigned) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int) ((gint64) yoe + era * 400 + (*m <= 2));
}

static int
days_in_month (int y, int m)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return days[m - 1];
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (or with 'T'): the common forms, read without the
 * general parser. */
static inline gboolean
is_common_datetime (const char *s, gsize len)
{
  return (len == 19 || len == 10) && s[4] == '-' && s[7] == '-' &&
         (len == 10 || ((s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':'));
}

/* Days since the epoch of a valid "YYYY-MM-DD", or G_MININT64. */
static inline gint64
common_date (const char *s)
{
  int yh = two_digits (s), yl = two_digits (s + 2);
  int mo = two_digits (s + 5), d = two_digits (s + 8);

  if (yh >= 0 && yl >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month (yh * 100 + yl, mo))
    return days_from_civil (yh * 100 + yl, (unsigned) mo, (unsigned) d);
  return G_MININT64;
}

/* Seconds since midnight of the common forms' time of day, or -1. */
static inline gint64
common_time (const char *s, gsize len)
{
  int h, mi, sec;

  if (len == 10)
    return 0;
  h = two_digits (s + 11), mi = two_digits (s + 14), sec = two_digits (s + 17);
  if (h >= 0 && h <= 24 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 60)
    return h * 3600 + mi * 60 + sec;
  return -1;
}

static inline gboolean
same_date (const char *a, const char *b)
{
  guint64 a8, b8;
  guint16 a2, b2;

  /* two fixed-size loads instead of a call to memcmp() */
  memcpy (&a8, a, 8), memcpy (&b8, b, 8);
  memcpy (&a2, a + 8, 2), memcpy (&b2, b + 8, 2);
  return a8 == b8 && a2 == b2;
}

gboolean
kiln_parse_datetime_cached (const char        *s,
                            gsize              len,
                            KilnDatetimeCache *cache,
                            gint64            *out)
{
  gint64 days, secs;

  if (!is_common_datetime (s, len))
    return kiln_parse_datetime (s, len, out);
  if (!cache->valid || !same_date (s, cache->date))
    {
      days = common_date (s);
      if (days == G_MININT64)
        return FALSE;
      memcpy (cache->date, s, sizeof cache->date);
      cache->midnight = days * 86400 * G_GINT64_CONSTANT (1000000);
      cache->valid = TRUE;
    }
  secs = common_time (s, len);
  if (secs < 0)
    return FALSE;
  *out = cache->midnight + secs * G_GINT64_CONSTANT (1000000);
  return TRUE;
}

gboolean
kiln_parse_datetime (const char *s,
                     gsize       len,
                     gint64     *out)
{
  int y, mo, d, h = 0, mi = 0, sec = 0;
  gint64 usec = 0;
  gint64 offset = 0;
  gsize i;

  if (is_common_datetime (s, len))
    {
      gint64 days = common_date (s), secs = common_time (s, len);
      if (days == G_MININT64 || secs < 0)
        return FALSE;
      *out = (days * 86400 + secs) * G_GINT64_CONSTANT (1000000);
      return TRUE;
    }

  while (len > 0 && is_space (s[len - 1]))
    len--;
  while (len > 0 && is_space (*s))
    s++, len--;
  if (len < 10 || s[4] != '-' || s[7] != '-')
    return FALSE;
  if (two_digits (s) < 0 || two_digits (s + 2) < 0)
    return FALSE;
  y = two_digits (s) * 100 + two_digits (s + 2);
  mo = two_digits (s + 5);
  d = two_digits (s + 8);
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month (y, mo))
    return FALSE;
  i = 10;
  if (i < len)
    {
      if ((s[i] != 'T' && s[i] != ' ') || len < i + 6 || s[i + 3] != ':')
        return FALSE;
      h = two_digits (s + i + 1);
      mi = two_digits (s + i + 4);
      if (h < 0 || h > 24 || mi < 0 || mi > 59)
        return FALSE;
      i += 6;
      if (i < len && s[i] == ':')
        {
          if (len < i + 3)
            return FALSE;
          sec = two_digits (s + i + 1);
          if (sec < 0 || sec > 60)
            return FALSE;
          i += 3;
          if (i < len && (s[i] == '.' || s[i] == ','))
            {
              gint64 scale = 100000;
              i++;
              if (i == len || !g_ascii_isdigit (s[i]))
                return FALSE;
              for (; i < len && g_ascii_isdigit (s[i]); i++, scale /= 10)
                usec += (s[i] - '0') * scale;
            }
        }
      if (i < len)
        {
          if (s[i] == 'Z' && i + 1 == len)
            i++;
          else if (s[i] == '+' || s[i] == '-')
            {
              int sign = s[i] == '-' ? -1 : 1, oh, om;
              const char *z = s + i + 1;
              gsize rest = len - i - 1;
              if (rest == 5 && z[2] == ':')
                oh = two_digits (z), om = two_digits (z + 3);
              else if (rest == 4)
                oh = two_digits (z), om = two_digits (z + 2);
              else if (rest == 2)
                oh = two_digits (z), om = 0;
              else
                return FALSE;
              if (oh < 0 || oh > 23 || om < 0 || om > 59)
                return FALSE;
              offset = sign * (oh * 3600 + om * 60);
              i = len;
            }
          else
            return FALSE;
        }
    }
  *out = ((days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - offset) *
         G_GINT64_CONSTANT (1000000) + usec;
  return TRUE;
}

gboolean
kiln_parse_boolean (const char *s,
                    gsize       len,
                    gboolean   *out)
{
  if (len == 4 && (memcmp (s, "True", 4) == 0 || memcmp (s, "TRUE", 4) == 0 ||
                   memcmp (s, "true", 4) == 0))
    {
      *out = TRUE;
      return TRUE;
    }
  if (len == 5 && (memcmp (s, "False", 5) == 0 || memcmp (s, "FALSE", 5) == 0 ||
                   memcmp (s, "false", 5) == 0))
    {
      *out = FALSE;
      return TRUE;
    }
  return FALSE;
}

const char *
kiln_format_double (char   *buf,
                    gsize   size,
                    double  value)
{
  if (isnan (value))
    g_strlcpy (buf, "NaN", size);
  else if (isinf (value))
    g_strlcpy (buf, value < 0 ? "-inf" : "inf", size);
  else if (fabs (value) < 1e15 && value == (double) (gint64) value)  /* no cast out of range */
    g_snprintf (buf, size, "%" G_GINT64_FORMAT, (gint64) value);
  else
    {
      /* %.15g first: prettier, and exact for most data; %.17g when it does not round-trip */
      g_ascii_formatd (buf, size, "%.15g", value);
      if (g_ascii_strtod (buf, NULL) != value)
        g_ascii_formatd (buf, size, "%.17g", value);
    }
  return buf;
}

char *
kiln_format_datetime (gint64 usec)
{
  return kiln_format_datetime_full (usec, FALSE);
}

char *
kiln_format_datetime_full (gint64   usec,
                           gboolean with_time)
{
  gint64 secs = usec >= 0 ? usec / 1000000 : -((-usec + 999999) / 1000000);
  gint64 frac = usec - secs * 1000000;
  gint64 days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  gint64 tod = secs - days * 86400;
  int y;
  unsigned m, d;

  civil_from_days (days, &y, &m, &d);
  if (tod == 0 && frac == 0 && !with_time)
    return g_strdup_printf ("%04d-%02u-%02u", y, m, d);
  if (frac == 0)
    return g_strdup_printf ("%04d-%02u-%02u %02d:%02d:%02d", y, m, d,
                            (int) (tod / 3600), (int) (tod / 60 % 60), (int) (tod % 60));
  return g_strdup_printf ("%04d-%02u-%02u %02d:%02d:%02d.%06d", y, m, d,
                          (int) (tod / 3600), (int) (tod / 60 % 60), (int) (tod % 60), (int) frac);
}
