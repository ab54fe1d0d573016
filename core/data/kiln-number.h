/* kiln-number.h: fast, locale-independent parsing and formatting of numbers and ISO 8601 dates.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses the whole of s[0..len) as a number ("-1.5e3", " 42 ", "inf"), with @decimal ('.' or ',')
 * as the decimal separator. Correctly rounded (a fast exact path, strtod otherwise). */
gboolean  kiln_parse_double    (const char *s,
                                gsize       len,
                                char        decimal,
                                double     *out);

/* ISO 8601: YYYY-MM-DD, optionally followed by 'T' or ' ' and HH:MM[:SS[.ffffff]], optionally
 * followed by Z or +HH:MM / -HH:MM / +HHMM. Microseconds since the epoch, UTC. */
gboolean  kiln_parse_datetime  (const char *s,
                                gsize       len,
                                gint64     *out);

/* kiln_parse_datetime() for a column of values: remembers the last date ("YYYY-MM-DD") it saw,
 * so that a run of times on one day (sorted or grouped files) parses only the time of day. Start
 * it zeroed. */
typedef struct {
  char   date[10];
  gint64 midnight;  /* microseconds */
  gboolean valid;
} KilnDatetimeCache;

gboolean  kiln_parse_datetime_cached (const char        *s,
                                      gsize              len,
                                      KilnDatetimeCache *cache,
                                      gint64            *out);

/* True/False as pandas reads them (True, False, TRUE, FALSE, true, false). */
gboolean  kiln_parse_boolean   (const char *s,
                                gsize       len,
                                gboolean   *out);

/* Shortest text that reads back to the same double ("5", "0.1", "1e+300"). */
const char *kiln_format_double (char       *buf,
                                gsize       size,
                                double      value);
/* "YYYY-MM-DD HH:MM:SS[.ffffff]", or "YYYY-MM-DD" at midnight. */
char     *kiln_format_datetime (gint64      usec);
/* The same, with the time at midnight too when @with_time (a column that holds times shows each
 * of its values with one: kiln_column_has_time_of_day()). */
char     *kiln_format_datetime_full (gint64   usec,
                                     gboolean with_time);

G_END_DECLS
