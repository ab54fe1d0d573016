/* fuzz-csv.c: the CSV reader with everything detected (encoding, delimiter, decimal, header,
 * types), read three ways that must agree: on one thread, cut into segments on two threads (the
 * large-file path, forced for small inputs by KILN_CSV_THREADS), and a few rows at a time
 * (kiln_csv_stream). Any crash, sanitizer report, critical, or disagreement is a finding.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-fuzz"

#include "config.h"

#include <string.h>

#include "kiln-csv.h"
#include "kiln-fuzz.h"

/* What a frame promises of itself; returns a digest of its cells. */
static guint64
check_frame (KilnFrame *frame)
{
  guint n_rows = kiln_frame_get_n_rows (frame);
  guint64 digest = 0;

  for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
    {
      KilnColumn *col = kiln_frame_get_column (frame, c);
      guint missing = 0;

      g_assert_nonnull (kiln_column_get_name (col));
      g_assert_true (g_utf8_validate (kiln_column_get_name (col), -1, NULL));
      g_assert_cmpuint (kiln_column_get_length (col), ==, n_rows);
      for (guint r = 0; r < n_rows; r++)
        {
          g_autofree char *cell = kiln_column_format_cell (col, r);

          missing += kiln_column_is_missing (col, r);
          if (kiln_column_is_coded (col))
            {
              gint32 code = kiln_column_get_code (col, r);
              g_assert_cmpint (code, >=, -1);
              g_assert_cmpint (code, <, (gint32) kiln_column_get_n_categories (col));
              g_assert_true ((code == -1) == kiln_column_is_missing (col, r));
              if (code >= 0)
                g_assert_true (g_utf8_validate (kiln_column_get_string (col, r), -1, NULL));
            }
          digest = digest * 31 + (cell ? g_str_hash (cell) : 7);
        }
      g_assert_cmpuint (missing, ==, kiln_column_get_n_missing (col));
    }
  return digest;
}

static void
assert_same_frames (KilnFrame *a, KilnFrame *b, const char *how)
{
  if (kiln_frame_get_n_columns (a) != kiln_frame_get_n_columns (b) ||
      kiln_frame_get_n_rows (a) != kiln_frame_get_n_rows (b))
    g_error ("%s: %u x %u, one thread read %u x %u", how,
             kiln_frame_get_n_rows (b), kiln_frame_get_n_columns (b),
             kiln_frame_get_n_rows (a), kiln_frame_get_n_columns (a));
  for (guint c = 0; c < kiln_frame_get_n_columns (a); c++)
    {
      KilnColumn *ca = kiln_frame_get_column (a, c), *cb = kiln_frame_get_column (b, c);

      if (strcmp (kiln_column_get_name (ca), kiln_column_get_name (cb)) != 0 ||
          kiln_column_get_column_type (ca) != kiln_column_get_column_type (cb))
        g_error ("%s: column %u is %s (%s), one thread read %s (%s)", how, c,
                 kiln_column_get_name (cb), kiln_column_type_to_string (kiln_column_get_column_type (cb)),
                 kiln_column_get_name (ca), kiln_column_type_to_string (kiln_column_get_column_type (ca)));
      for (guint r = 0; r < kiln_frame_get_n_rows (a); r++)
        {
          g_autofree char *sa = kiln_column_format_cell (ca, r);
          g_autofree char *sb = kiln_column_format_cell (cb, r);
          if (g_strcmp0 (sa, sb) != 0)
            g_error ("%s: row %u column %u is “%s”, one thread read “%s”", how, r, c, sb, sa);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path;
  g_autoptr(KilnFrame) one = NULL, two = NULL;
  g_autoptr(GError) error_one = NULL, error_two = NULL, error_stream = NULL;
  g_autoptr(KilnCsvStream) stream = NULL;
  KilnCsvInfo info = { 0 };
  guint64 streamed_rows = 0;
  guint streamed_columns = 0;
  KilnFrame *piece;

  kiln_fuzz_init ();
  path = kiln_fuzz_write_file (".csv", data, size);

  g_unsetenv ("KILN_CSV_THREADS");
  one = kiln_csv_read (path, NULL, NULL, NULL, NULL, &info, &error_one);
  g_assert_true ((one == NULL) == (error_one != NULL));
  if (one != NULL)
    {
      kiln_fuzz_use (check_frame (one));
      kiln_fuzz_use (info.delimiter + info.decimal + info.header + info.n_skipped_rows);
      g_assert_nonnull (info.encoding);
    }
  kiln_csv_info_clear (&info);

  g_setenv ("KILN_CSV_THREADS", "2", TRUE);
  two = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error_two);
  g_unsetenv ("KILN_CSV_THREADS");
  if ((one == NULL) != (two == NULL))
    g_error ("one thread: %s; two threads: %s", one ? "read" : error_one->message,
             two ? "read" : error_two->message);
  if (one != NULL)
    {
      kiln_fuzz_use (check_frame (two));
      assert_same_frames (one, two, "two threads");
    }
  else
    g_assert_true (error_one->domain == error_two->domain && error_one->code == error_two->code);

  stream = kiln_csv_stream_open (path, NULL, NULL, &error_stream);
  while (stream != NULL && (piece = kiln_csv_stream_next (stream, 3, &error_stream)) != NULL)
    {
      kiln_fuzz_use (check_frame (piece));
      streamed_rows += kiln_frame_get_n_rows (piece);
      streamed_columns = kiln_frame_get_n_columns (piece);
      kiln_frame_unref (piece);
    }
  /* the same errors as kiln_csv_read () */
  if ((one == NULL) != (error_stream != NULL))
    g_error ("kiln_csv_read: %s; a piece at a time: %s", one ? "read" : error_one->message,
             error_stream ? error_stream->message : "read");
  if (one != NULL)
    {
      g_assert_cmpuint (streamed_rows, ==, kiln_frame_get_n_rows (one));
      g_assert_cmpuint (streamed_columns, ==, kiln_frame_get_n_columns (one));
    }
  return 0;
}
