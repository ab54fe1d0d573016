/* test-csv.c: reading CSV files the way users' files really are.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-atomic-file.h"
#include "kiln-csv.h"
#include "kiln-number.h"
#include "kiln-stats.h"

static char *tmpdir;

/* Writes @len bytes (or a NUL-terminated string when len < 0) to a fresh file. */
static char *
write_file (const char *name, const char *data, gssize len)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

static KilnFrame *
read_ok (const char *path, const KilnCsvOptions *options, KilnCsvInfo *info)
{
  g_autoptr(GError) error = NULL;
  KilnFrame *frame = kiln_csv_read (path, options, NULL, NULL, NULL, info, &error);

  g_assert_no_error (error);
  g_assert_nonnull (frame);
  return frame;
}

static KilnFrame *
read_string (const char *content, KilnCsvInfo *info)
{
  g_autofree char *path = write_file ("t.csv", content, -1);
  return read_ok (path, NULL, info);
}

static void
assert_cell (KilnFrame *frame, guint row, guint col, const char *expected)
{
  g_autofree char *cell = kiln_frame_format_cell (frame, col, row);
  g_assert_cmpstr (cell, ==, expected);
}

static void
test_rfc4180 (void)
{
  g_autoptr(KilnFrame) frame = NULL;
  KilnCsvInfo info;

  /* quoted delimiter, doubled quotes, newline inside quotes, CRLF, empty field, no final newline */
  frame = read_string ("id,name,note\r\n"
                       "1,\"Smith, John\",\"said \"\"hi\"\"\"\r\n"
                       "2,Ann,\"two\r\nlines\"\r\n"
                       "3,,plain\r\n"
                       "4,Élodie,last", &info);
  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 4);
  g_assert_cmpuint (kiln_frame_get_n_columns (frame), ==, 3);
  g_assert_cmpstr (info.encoding, ==, "UTF-8");
  g_assert_cmpint (info.delimiter, ==, ',');
  g_assert_true (info.header);
  assert_cell (frame, 0, 1, "Smith, John");
  assert_cell (frame, 0, 2, "said \"hi\"");
  assert_cell (frame, 1, 2, "two\r\nlines");
  assert_cell (frame, 2, 1, NULL);
  assert_cell (frame, 3, 1, "Élodie");
  assert_cell (frame, 3, 2, "last");
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 0)), ==,
                   KILN_COLUMN_NUMERIC);
  g_assert_cmpfloat (kiln_frame_get_double (frame, 0, 3), ==, 4.0);
  kiln_csv_info_clear (&info);
}

static void
test_lf_and_blank_lines (void)
{
  g_autoptr(KilnFrame) frame = read_string ("a,b\n1,2\n\n3,4\n", NULL);

  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 2);
  g_assert_cmpfloat (kiln_frame_get_double (frame, 1, 1), ==, 4.0);
}

static void
test_types (void)
{
  g_autoptr(KilnFrame) frame = NULL;

  frame = read_string ("num,flag,when,cat,words\n"
                       "1.5,True,2024-01-31,red,the quick brown fox jumps over the lazy dog again and again\n"
                       "-2e3,False,2024-02-29T13:45:10Z,blue,another rather long sentence that is clearly free text here\n"
                       "NA,,2024-03-01 08:00,red,and a third long sentence so that the column is text not a category\n", NULL);
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 0)), ==, KILN_COLUMN_NUMERIC);
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 1)), ==, KILN_COLUMN_BOOLEAN);
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 2)), ==, KILN_COLUMN_DATETIME);
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 3)), ==, KILN_COLUMN_CATEGORICAL);
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 4)), ==, KILN_COLUMN_TEXT);
  g_assert_cmpfloat (kiln_frame_get_double (frame, 0, 1), ==, -2000.0);
  g_assert_true (kiln_frame_is_missing (frame, 0, 2));
  g_assert_true (kiln_frame_is_missing (frame, 1, 2));
  assert_cell (frame, 0, 1, "True");
  assert_cell (frame, 0, 2, "2024-01-31");
  assert_cell (frame, 1, 2, "2024-02-29 13:45:10");
  assert_cell (frame, 2, 2, "2024-03-01 08:00:00");
  g_assert_cmpuint (kiln_column_get_n_categories (kiln_frame_get_column (frame, 3)), ==, 2);
}

/* A column with times shows a time on every value, midnight too (its maximum read "2001-07-01"
 * beside "2001-01-01 00:01:00"); a column of days shows days. */
static void
test_datetime_display (void)
{
  g_autoptr(KilnFrame) frame = read_string ("when,day\n"
                                            "2001-01-01 00:01:00,2001-01-01\n"
                                            "2001-07-01 00:00:00,2001-07-01\n"
                                            ",2001-07-02\n", NULL);
  KilnColumn *when = kiln_frame_get_column (frame, 0), *day = kiln_frame_get_column (frame, 1);
  g_autofree char *midnight = kiln_column_format_display (when, 1);
  g_autofree char *first = kiln_column_format_display (when, 0);
  g_autofree char *plain = kiln_column_format_display (day, 1);
  g_autofree char *full = kiln_format_datetime_full (0, TRUE);

  g_assert_cmpint (kiln_column_get_column_type (when), ==, KILN_COLUMN_DATETIME);
  g_assert_cmpint (kiln_column_get_column_type (day), ==, KILN_COLUMN_DATETIME);
  g_assert_true (kiln_column_has_time_of_day (when));
  g_assert_false (kiln_column_has_time_of_day (day));
  g_assert_cmpstr (first, ==, "2001-01-01 00:01:00");
  g_assert_cmpstr (midnight, ==, "2001-07-01 00:00:00");
  g_assert_cmpstr (plain, ==, "2001-07-01");
  g_assert_null (kiln_column_format_display (when, 2));
  g_assert_cmpstr (full, ==, "1970-01-01 00:00:00");
  /* what is written to CSV stays as it was */
  assert_cell (frame, 1, 0, "2001-07-01");
}

static void
test_missing_markers (void)
{
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnFrame) custom = NULL;
  g_autofree char *path = NULL;
  KilnCsvOptions options;
  const char *markers[] = { "-", NULL };

  frame = read_string ("x,y\n1,a\nNA,N/A\nNaN,null\n?,b\n,c\n", NULL);
  g_assert_cmpuint (kiln_column_get_n_missing (kiln_frame_get_column (frame, 0)), ==, 4);
  g_assert_cmpuint (kiln_column_get_n_missing (kiln_frame_get_column (frame, 1)), ==, 2);

  /* configurable: with "-" as the only marker, "NA" is a word */
  path = write_file ("na.csv", "x,y\n1,NA\n-,b\n", -1);
  kiln_csv_options_init (&options);
  options.na_values = g_strdupv ((char **) markers);
  custom = read_ok (path, &options, NULL);
  g_assert_cmpuint (kiln_column_get_n_missing (kiln_frame_get_column (custom, 0)), ==, 1);
  g_assert_cmpuint (kiln_column_get_n_missing (kiln_frame_get_column (custom, 1)), ==, 0);
  assert_cell (custom, 0, 1, "NA");
  kiln_csv_options_clear (&options);
}

static void
test_delimiters_and_decimal_comma (void)
{
  struct { const char *content; char delimiter; char decimal; } cases[] = {
    { "a;b;c\n1,5;2;x\n3,25;4;y\n", ';', ',' },
    { "a\tb\tc\n1.5\t2\tx\n3\t4\ty\n", '\t', '.' },
    { "a|b|c\n1.5|2|x\n3|4|y\n", '|', '.' },
    { "a;b;c\n1.5;2;x\n3;4;y\n", ';', '.' },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KilnFrame) frame = NULL;
      KilnCsvInfo info;

      frame = read_string (cases[i].content, &info);
      g_assert_cmpint (info.delimiter, ==, cases[i].delimiter);
      g_assert_cmpint (info.decimal, ==, cases[i].decimal);
      g_assert_cmpuint (kiln_frame_get_n_columns (frame), ==, 3);
      g_assert_cmpfloat (kiln_frame_get_double (frame, 0, 0), ==, 1.5);
      kiln_csv_info_clear (&info);
    }
}

static void
test_header_detection (void)
{
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnFrame) forced = NULL;
  g_autofree char *path = NULL;
  KilnCsvInfo info;
  KilnCsvOptions options;

  frame = read_string ("5.1,3.5,setosa\n4.9,3.0,setosa\n", &info);
  g_assert_false (info.header);
  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 2);
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (frame, 0)), ==, "column_1");
  kiln_csv_info_clear (&info);

  /* the override wins: a text-only first row read as data */
  path = write_file ("h.csv", "a,b\nc,d\n", -1);
  kiln_csv_options_init (&options);
  options.header = 0;
  forced = read_ok (path, &options, NULL);
  g_assert_cmpuint (kiln_frame_get_n_rows (forced), ==, 2);
  assert_cell (forced, 0, 0, "a");
  kiln_csv_options_clear (&options);
}

static void
test_duplicate_and_empty_names (void)
{
  g_autoptr(KilnFrame) frame = read_string ("a,a,,b\n1,2,3,4\n", NULL);

  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (frame, 0)), ==, "a");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (frame, 1)), ==, "a.1");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (frame, 2)), ==, "Unnamed: 2");
}

/* Iris with Korean headers and species, as a Korean Excel would save it. */
static const char *korean_iris =
  "꽃받침길이,꽃받침너비,꽃잎길이,꽃잎너비,품종\n"
  "5.1,3.5,1.4,0.2,부채붓꽃\n"
  "4.9,3.0,1.4,0.2,부채붓꽃\n"
  "7.0,3.2,4.7,1.4,버시컬러\n"
  "6.3,3.3,6.0,2.5,버지니카\n";

static void
check_korean (KilnFrame *frame)
{
  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 4);
  g_assert_cmpuint (kiln_frame_get_n_columns (frame), ==, 5);
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (frame, 0)), ==, "꽃받침길이");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (frame, 4)), ==, "품종");
  assert_cell (frame, 0, 4, "부채붓꽃");
  assert_cell (frame, 3, 4, "버지니카");
  g_assert_cmpfloat (kiln_frame_get_double (frame, 0, 2), ==, 7.0);
}

static void
test_encodings (void)
{
  gsize len;
  g_autoptr(GError) error = NULL;

  /* CP949 */
  {
    g_autofree char *bytes = g_convert (korean_iris, -1, "CP949", "UTF-8", NULL, &len, &error);
    g_autofree char *path = NULL;
    g_autoptr(KilnFrame) frame = NULL;
    KilnCsvInfo info;
    g_assert_no_error (error);
    path = write_file ("cp949.csv", bytes, (gssize) len);
    frame = read_ok (path, NULL, &info);
    g_assert_cmpstr (info.encoding, ==, "CP949");
    check_korean (frame);
    kiln_csv_info_clear (&info);
  }
  /* UTF-8 with BOM */
  {
    g_autofree char *bytes = g_strconcat ("\xEF\xBB\xBF", korean_iris, NULL);
    g_autofree char *path = write_file ("bom.csv", bytes, -1);
    g_autoptr(KilnFrame) frame = NULL;
    KilnCsvInfo info;
    frame = read_ok (path, NULL, &info);
    g_assert_cmpstr (info.encoding, ==, "UTF-8 (BOM)");
    check_korean (frame);
    kiln_csv_info_clear (&info);
  }
  /* UTF-16LE and UTF-16BE with BOM */
  {
    const char *names[] = { "UTF-16LE", "UTF-16BE" };
    const char *boms[] = { "\xFF\xFE", "\xFE\xFF" };
    for (guint i = 0; i < 2; i++)
      {
        g_autofree char *body = g_convert (korean_iris, -1, names[i], "UTF-8", NULL, &len, &error);
        g_autofree char *bytes = g_malloc (len + 2);
        g_autofree char *path = NULL;
        g_autoptr(KilnFrame) frame = NULL;
        KilnCsvInfo info;
        g_assert_no_error (error);
        memcpy (bytes, boms[i], 2);
        memcpy (bytes + 2, body, len);
        path = write_file ("utf16.csv", bytes, (gssize) len + 2);
        frame = read_ok (path, NULL, &info);
        g_assert_cmpstr (info.encoding, ==, names[i]);
        check_korean (frame);
        kiln_csv_info_clear (&info);
      }
  }
  /* Windows-1252 */
  {
    g_autofree char *bytes = g_convert ("name,city\nRené,Zürich\nZoë,Açores\n", -1, "WINDOWS-1252",
                                        "UTF-8", NULL, &len, &error);
    g_autofree char *path = write_file ("cp1252.csv", bytes, (gssize) len);
    g_autoptr(KilnFrame) frame = NULL;
    KilnCsvInfo info;
    frame = read_ok (path, NULL, &info);
    g_assert_cmpstr (info.encoding, ==, "WINDOWS-1252");
    assert_cell (frame, 0, 0, "René");
    assert_cell (frame, 1, 1, "Açores");
    kiln_csv_info_clear (&info);
  }
}

/* A Korean Excel export: CP949, ';' and decimal commas, detected without any option. */
static void
test_korean_excel (void)
{
  const char *text = "이름;나이;키\n김민수;31;175,5\n이영희;28;162,25\n박지훈;NA;180\n";
  g_autoptr(GError) error = NULL;
  gsize len;
  g_autofree char *bytes = g_convert (text, -1, "CP949", "UTF-8", NULL, &len, &error);
  g_autofree char *path = write_file ("excel.csv", bytes, (gssize) len);
  g_autoptr(KilnFrame) frame = NULL;
  KilnCsvInfo info;

  frame = read_ok (path, NULL, &info);
  g_assert_cmpstr (info.encoding, ==, "CP949");
  g_assert_cmpint (info.delimiter, ==, ';');
  g_assert_cmpint (info.decimal, ==, ',');
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (frame, 2)), ==, "키");
  assert_cell (frame, 1, 0, "이영희");
  g_assert_cmpfloat (kiln_frame_get_double (frame, 2, 0), ==, 175.5);
  g_assert_cmpfloat (kiln_frame_get_double (frame, 2, 1), ==, 162.25);
  g_assert_true (kiln_frame_is_missing (frame, 1, 2));
  kiln_csv_info_clear (&info);
}

static void
assert_read_error (const char *path, const KilnCsvOptions *options, int code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  KilnFrame *frame = kiln_csv_read (path, options, NULL, NULL, NULL, NULL, &error);

  g_assert_null (frame);
  g_assert_error (error, KILN_CSV_ERROR, code);
  if (fragment && strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, fragment);
}

static void
test_errors (void)
{
  g_autofree char *missing = g_build_filename (tmpdir, "does-not-exist.csv", NULL);
  g_autofree char *empty = write_file ("empty.csv", "", 0);
  g_autofree char *binary = write_file ("binary.csv", "a,b\n1,2\n3,\0\x01\x02\n", 14);
  g_autofree char *ragged = write_file ("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n", -1);
  g_autofree char *quote = write_file ("quote.csv", "a,b\n1,2\n3,\"open\nstill open\n", -1);
  g_autofree char *bare = write_file ("bare.csv", "a,b\n1,2\n3,ab\"c\n", -1);
  g_autofree char *latin = write_file ("latin.csv", "a,b\n1,caf\xe9\n", -1);
  KilnCsvOptions options;

  assert_read_error (missing, NULL, KILN_CSV_ERROR_OPEN, "does-not-exist.csv");
  assert_read_error (empty, NULL, KILN_CSV_ERROR_EMPTY, "empty.csv");
  assert_read_error (binary, NULL, KILN_CSV_ERROR_BINARY, "line 3, column 3");
  assert_read_error (ragged, NULL, KILN_CSV_ERROR_RAGGED, "ragged.csv, line 3: 2 fields where the header has 3");
  assert_read_error (quote, NULL, KILN_CSV_ERROR_QUOTE, "line 3");
  assert_read_error (bare, NULL, KILN_CSV_ERROR_QUOTE, "line 3");

  /* explicit UTF-8 on Latin-1 bytes: refused with line and column; detected, it reads fine */
  kiln_csv_options_init (&options);
  options.encoding = g_strdup ("UTF-8");
  assert_read_error (latin, &options, KILN_CSV_ERROR_ENCODING, "line 2, column 6");
  kiln_csv_options_clear (&options);
  {
    g_autoptr(KilnFrame) frame = read_ok (latin, NULL, NULL);
    assert_cell (frame, 0, 1, "café");
  }

  /* bad overrides */
  kiln_csv_options_init (&options);
  options.encoding = g_strdup ("NO-SUCH-ENCODING");
  assert_read_error (latin, &options, KILN_CSV_ERROR_OPTIONS, "NO-SUCH-ENCODING");
  kiln_csv_options_clear (&options);
}

static void
test_skip_bad_rows (void)
{
  g_autofree char *ragged = write_file ("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n", -1);
  g_autoptr(KilnFrame) frame = NULL;
  KilnCsvOptions options;
  KilnCsvInfo info;

  kiln_csv_options_init (&options);
  options.skip_bad_rows = TRUE;
  frame = read_ok (ragged, &options, &info);
  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 2);
  g_assert_cmpuint (info.n_skipped_rows, ==, 2);
  g_assert_cmpuint (info.first_skipped_line, ==, 3);
  g_assert_cmpfloat (kiln_frame_get_double (frame, 2, 1), ==, 8.0);
  kiln_csv_info_clear (&info);
  kiln_csv_options_clear (&options);
}

/* A bad row far into a file that is read in several segments is named by its line in the file,
 * not in its segment; so is the first skipped row. */
static void
test_errors_in_later_segments (void)
{
  GString *s = g_string_new ("a,b,c\n");
  g_autofree char *path = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  KilnCsvOptions options;
  KilnCsvInfo info;

  for (guint line = 2; line <= 20000; line++)
    {
      if (line == 15002)
        g_string_append (s, "1,\"two\nlines\",3\n");  /* one row on lines 15002 and 15003 */
      else if (line == 15003)
        continue;
      else if (line == 17001 || line == 18000)
        g_string_append (s, "1,2\n");
      else
        g_string_append_printf (s, "%u,%u,%u\n", line, line % 5, line % 7);
    }
  path = write_file ("later.csv", s->str, (gssize) s->len);

  g_setenv ("KILN_CSV_THREADS", "2", TRUE);
  assert_read_error (path, NULL, KILN_CSV_ERROR_RAGGED,
                     "later.csv, line 17001: 2 fields where the header has 3");
  kiln_csv_options_init (&options);
  options.skip_bad_rows = TRUE;
  frame = read_ok (path, &options, &info);
  g_unsetenv ("KILN_CSV_THREADS");
  g_assert_cmpuint (info.n_skipped_rows, ==, 2);
  g_assert_cmpuint (info.first_skipped_line, ==, 17001);
  g_assert_nonnull (strstr (info.first_skipped_message, "line 17001"));
  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 20000 - 1 - 1 - 2);
  kiln_csv_info_clear (&info);
  kiln_csv_options_clear (&options);
  g_string_free (s, TRUE);
}

/* A word after the sample in a numeric-looking column: the column becomes categorical and keeps
 * every value's exact text. */
static void
test_late_demotion (void)
{
  GString *s = g_string_new ("id,code\n");
  g_autofree char *path = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  KilnColumn *code;

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (s, "%u,%03u\n", i, i % 7);
  g_string_append (s, "5000,X7\n");
  path = write_file ("late.csv", s->str, (gssize) s->len);
  frame = read_ok (path, NULL, NULL);
  code = kiln_frame_get_column (frame, 1);
  g_assert_cmpint (kiln_column_get_column_type (code), ==, KILN_COLUMN_CATEGORICAL);
  assert_cell (frame, 3, 1, "003");
  assert_cell (frame, 5000, 1, "X7");
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 0)), ==, KILN_COLUMN_NUMERIC);
  g_string_free (s, TRUE);
}

/* Parsing in segments on several threads gives exactly what one thread gives, quoted newlines
 * and all. */
/* Spaces are part of a field, as pandas reads them: at its edges, inside it, next to tabs, and
 * where the only edge space of a file comes after many lines without one. */
static void
test_spaces (void)
{
  g_autoptr(KilnFrame) frame = NULL;
  GString *s = g_string_new ("name,city\n");
  g_autofree char *path = NULL;
  KilnCsvInfo info;

  frame = read_string ("name,city\n a ,Seoul\nb, Busan \nc d,New York\n", &info);
  assert_cell (frame, 0, 0, " a ");
  assert_cell (frame, 1, 1, " Busan ");
  assert_cell (frame, 2, 0, "c d");
  assert_cell (frame, 2, 1, "New York");
  kiln_csv_info_clear (&info);
  g_clear_pointer (&frame, kiln_frame_unref);

  frame = read_string ("name\tcity\n a b\t c\nd\te \n", &info);
  g_assert_cmpint (info.delimiter, ==, '\t');
  assert_cell (frame, 0, 0, " a b");
  assert_cell (frame, 0, 1, " c");
  assert_cell (frame, 1, 1, "e ");
  kiln_csv_info_clear (&info);
  g_clear_pointer (&frame, kiln_frame_unref);

  /* the only edge space in the middle of a large block, then only at its end */
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (s, i == 5000 ? "mid ,y\n" : "x %u,y\n", i % 7);
  path = write_file ("spaces.csv", s->str, (gssize) s->len);
  frame = read_ok (path, NULL, NULL);
  assert_cell (frame, 3, 0, "x 3");
  assert_cell (frame, 5000, 0, "mid ");
  g_clear_pointer (&frame, kiln_frame_unref);
  g_clear_pointer (&path, g_free);

  g_string_truncate (s, 0);
  g_string_append (s, "name,city\n");
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (s, "x %u,y\n", i % 7);
  g_string_append (s, "x, y\nlast ,z\n");
  path = write_file ("spaces.csv", s->str, (gssize) s->len);
  frame = read_ok (path, NULL, NULL);
  g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, 20002);
  assert_cell (frame, 3, 0, "x 3");
  assert_cell (frame, 20000, 1, " y");
  assert_cell (frame, 20001, 0, "last ");
  g_string_free (s, TRUE);
}

static void
test_segments_match (void)
{
  GString *s = g_string_new ("n,label,note\n");
  g_autofree char *path = NULL;
  g_autoptr(KilnFrame) one = NULL;
  g_autoptr(KilnFrame) many = NULL;

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (s, "%u,%s,\"%s\"\n", i, (i % 3) ? "b" : "a",
                            (i % 11) ? "plain" : "two\nlines, \"\"quoted\"\"");
  path = write_file ("segments.csv", s->str, (gssize) s->len);

  g_setenv ("KILN_CSV_THREADS", "1", TRUE);
  one = read_ok (path, NULL, NULL);
  g_setenv ("KILN_CSV_THREADS", "4", TRUE);
  many = read_ok (path, NULL, NULL);
  g_unsetenv ("KILN_CSV_THREADS");

  g_assert_cmpuint (kiln_frame_get_n_rows (one), ==, 20000);
  g_assert_cmpuint (kiln_frame_get_n_rows (many), ==, 20000);
  for (guint r = 0; r < 20000; r += 7)
    for (guint c = 0; c < 3; c++)
      {
        g_autofree char *a = kiln_frame_format_cell (one, c, r);
        g_autofree char *b = kiln_frame_format_cell (many, c, r);
        g_assert_cmpstr (a, ==, b);
      }
  assert_cell (many, 11, 2, "two\nlines, \"quoted\"");
  g_string_free (s, TRUE);
}

/* Rows much shorter than the reader expects: column arrays grow past the size where they are
 * allocated in huge pages, in each segment and when the segments are joined. */
static void
test_large_columns (void)
{
  const guint n = 1500000;
  GString *s = g_string_sized_new (n * 4 + 8);
  g_autofree char *path = NULL;

  g_string_append (s, "d,c\n");
  for (guint i = 0; i < n; i++)
    {
      g_string_append_c (s, (char) ('0' + i % 10));
      g_string_append_c (s, ',');
      g_string_append_c (s, (char) ('a' + i % 3));
      g_string_append_c (s, '\n');
    }
  path = write_file ("large.csv", s->str, (gssize) s->len);
  for (guint threads = 1; threads <= 2; threads++)
    {
      g_autofree char *t = g_strdup_printf ("%u", threads);
      g_autoptr(KilnFrame) frame = NULL;
      KilnColumn *d, *c;

      g_setenv ("KILN_CSV_THREADS", t, TRUE);
      frame = read_ok (path, NULL, NULL);
      g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, n);
      d = kiln_frame_get_column (frame, 0);
      c = kiln_frame_get_column (frame, 1);
      for (guint i = 0; i < n; i++)
        {
          char expected[2] = { (char) ('a' + i % 3), 0 };
          g_assert_cmpfloat (kiln_column_get_double (d, i), ==, (double) (i % 10));
          g_assert_cmpstr (kiln_column_get_category (c, (guint) kiln_column_get_codes (c)[i]), ==,
                           expected);
        }
    }
  g_unsetenv ("KILN_CSV_THREADS");
  g_string_free (s, TRUE);
}

/* Reads @path whole and a piece at a time, and checks every cell agrees, each piece's first line
 * and the fraction read; returns the pieces. */
static guint
assert_stream_matches (const char *path, guint max_rows, guint *n_rows_out)
{
  g_autoptr(KilnFrame) whole = read_ok (path, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnCsvStream) stream = kiln_csv_stream_open (path, NULL, NULL, &error);
  KilnFrame *piece;
  guint at = 0, pieces = 0;
  guint64 breaks = 0;   /* quoted line breaks in the rows before @at */
  double fraction = 0.0;

  g_assert_no_error (error);
  g_assert_cmpfloat (kiln_csv_stream_get_fraction (stream), ==, 0.0);
  for (;;)
    {
      guint64 line = kiln_csv_stream_get_line (stream);
      guint n;

      piece = kiln_csv_stream_next (stream, max_rows, &error);
      if (piece == NULL)
        break;
      n = kiln_frame_get_n_rows (piece);
      /* the piece's first row is on the line after the header and the rows before it */
      g_assert_cmpuint (line, ==, 2 + at + breaks);
      g_assert_cmpfloat (kiln_csv_stream_get_fraction (stream), >=, fraction);
      fraction = kiln_csv_stream_get_fraction (stream);
      g_assert_cmpfloat (fraction, >, 0.0);
      g_assert_cmpfloat (fraction, <=, 1.0);
      for (guint r = 0; r < n; r++)
        for (guint c = 0; c < kiln_frame_get_n_columns (whole); c++)
          {
            g_autofree char *cell = kiln_frame_format_cell (whole, c, at + r);
            for (const char *p = cell; p != NULL && (p = strchr (p, '\n')) != NULL; p++)
              breaks++;
          }
      g_assert_cmpuint (kiln_frame_get_n_columns (piece), ==, kiln_frame_get_n_columns (whole));
      for (guint c = 0; c < kiln_frame_get_n_columns (whole); c++)
        g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (piece, c)), ==,
                         kiln_column_get_name (kiln_frame_get_column (whole, c)));
      for (guint r = 0; r < n; r++)
        for (guint c = 0; c < kiln_frame_get_n_columns (whole); c++)
          {
            g_autofree char *a = kiln_frame_format_cell (whole, c, at + r);
            g_autofree char *b = kiln_frame_format_cell (piece, c, r);
            g_assert_cmpstr (a, ==, b);
          }
      at += n;
      pieces++;
      kiln_frame_unref (piece);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (at, ==, kiln_frame_get_n_rows (whole));
  g_assert_cmpfloat (kiln_csv_stream_get_fraction (stream), ==, 1.0);
  g_assert_null (kiln_csv_stream_next (stream, max_rows, &error));
  g_assert_no_error (error);
  if (n_rows_out)
    *n_rows_out = at;
  return pieces;
}

/* A file a piece at a time: the same cells as reading it whole, through quoted newlines across
 * pieces, a column that turns out to hold words in a later piece and in the first, a file that is
 * not UTF-8 after its sample, a file without rows, and errors named by their line in the file. */
static void
test_stream (void)
{
  GString *s = g_string_new ("id,when,city,amount,note\n");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  guint rows = 0;

  for (guint i = 0; i < 60000; i++)
    g_string_append_printf (s, "%u,2001-01-%02u %02u:00:00,%s,%s,%s\n", i, 1 + i % 28, i % 24,
                            i % 3 ? "Seoul" : "Busan", i == 45000 ? "n/a!" : (i % 5 ? "1.5" : "20"),
                            i % 1000 == 999 ? "\"two\nlines\"" : "plain");
  path = write_file ("stream.csv", s->str, (gssize) s->len);
  g_assert_cmpuint (assert_stream_matches (path, 7000, &rows), >=, 3);  /* 1 MiB blocks: 3 pieces */
  g_assert_cmpuint (rows, ==, 60000);
  g_assert_cmpuint (assert_stream_matches (path, 100000, NULL), ==, 1);  /* demoted in the first */

  /* CP949 after an ASCII sample */
  {
    GString *k = g_string_new ("name,score\n");
    g_autofree char *bytes = NULL;
    g_autofree char *kpath = NULL;
    gsize len;
    for (guint i = 0; i < 20000; i++)
      g_string_append_printf (k, "%s,%u\n", i < 15000 ? "abc" : "가나다", i % 100);
    bytes = g_convert (k->str, -1, "CP949", "UTF-8", NULL, &len, &error);
    g_assert_no_error (error);
    kpath = write_file ("stream-cp949.csv", bytes, (gssize) len);
    g_assert_cmpuint (assert_stream_matches (kpath, 50000, NULL), ==, 1);
    g_string_free (k, TRUE);
  }

  /* a header and no rows: one empty piece */
  {
    g_autofree char *epath = write_file ("stream-empty.csv", "a,b\n", -1);
    g_autoptr(KilnCsvStream) stream = kiln_csv_stream_open (epath, NULL, NULL, &error);
    g_autoptr(KilnFrame) piece = NULL;
    g_assert_no_error (error);
    piece = kiln_csv_stream_next (stream, 10, &error);
    g_assert_no_error (error);
    g_assert_nonnull (piece);
    g_assert_cmpuint (kiln_frame_get_n_rows (piece), ==, 0);
    g_assert_cmpuint (kiln_frame_get_n_columns (piece), ==, 2);
    g_assert_null (kiln_csv_stream_next (stream, 10, &error));
    g_assert_no_error (error);
  }

  /* a ragged row in the last piece */
  g_string_append (s, "1,2\n");
  g_clear_pointer (&path, g_free);
  path = write_file ("stream-ragged.csv", s->str, (gssize) s->len);
  {
    g_autoptr(KilnCsvStream) stream = kiln_csv_stream_open (path, NULL, NULL, &error);
    KilnFrame *piece;
    guint pieces = 0;
    g_assert_no_error (error);
    while ((piece = kiln_csv_stream_next (stream, 7000, &error)) != NULL)
      {
        pieces++;
        kiln_frame_unref (piece);
      }
    g_assert_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_RAGGED);
    g_assert_nonnull (strstr (error->message, "stream-ragged.csv, line 60062:"));
    g_assert_cmpuint (pieces, >=, 2);
  }
  g_string_free (s, TRUE);
}

/* Files are written whole or not at all, new ones as well as old ones, and nothing is left beside
 * them. */
static void
test_atomic_file (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "atomic", NULL);
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GOutputStream *out;
  GDir *d;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  /* a new file, abandoned: nothing */
  out = kiln_atomic_file_create (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "half", 4, NULL, NULL, &error));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  kiln_atomic_file_abort (out);
  g_object_unref (out);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* a new file, written */
  out = kiln_atomic_file_create (file, NULL, &error);
  g_assert_true (g_output_stream_write_all (out, "one", 3, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (out);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_cmpstr (text, ==, "one");
  g_clear_pointer (&text, g_free);

  /* an old file: dropped unclosed, or closed cancelled, it stays */
  out = kiln_atomic_file_create (file, NULL, &error);
  g_assert_true (g_output_stream_write_all (out, "two", 3, NULL, NULL, &error));
  g_object_unref (out);
  {
    g_autoptr(GCancellable) cancel = g_cancellable_new ();
    out = kiln_atomic_file_create (file, NULL, &error);
    g_assert_true (g_output_stream_write_all (out, "three", 5, NULL, NULL, &error));
    g_cancellable_cancel (cancel);
    g_assert_false (g_output_stream_close (out, cancel, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_object_unref (out);
  }
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_cmpstr (text, ==, "one");

  /* nothing but the file itself in the folder */
  d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dir_read_name (d), ==, "out.csv");
  g_assert_null (g_dir_read_name (d));
  g_dir_close (d);
  g_unlink (path);
  g_rmdir (dir);

  /* a folder that does not exist: an error, no crash */
  {
    g_autoptr(GFile) nowhere = g_file_new_for_path ("/nonexistent-kiln-dir/out.csv");
    g_assert_null (kiln_atomic_file_create (nowhere, NULL, &error));
    g_assert_nonnull (error);
  }
}

static void
on_progress (double fraction, gpointer user_data)
{
  double *last = user_data;
  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

static void
cancel_on_progress (double fraction, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_progress_and_cancel (void)
{
  GString *s = g_string_new ("a,b\n");
  g_autofree char *path = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  double last = 0;

  while (s->len < (3u << 20))
    g_string_append (s, "12345,67890\n");
  path = write_file ("big.csv", s->str, (gssize) s->len);

  g_setenv ("KILN_CSV_THREADS", "1", TRUE);
  frame = kiln_csv_read (path, NULL, on_progress, &last, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);

  g_assert_null (kiln_csv_read (path, NULL, cancel_on_progress, cancellable, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_unsetenv ("KILN_CSV_THREADS");
  g_string_free (s, TRUE);
}

static void
test_stats (void)
{
  g_autoptr(KilnFrame) frame = read_string ("x,c\n1,a\n2,b\n3,a\nNA,a\n4,\n", NULL);
  g_autoptr(KilnColumnStats) x = kiln_column_stats_compute (frame, 0, 5);
  g_autoptr(KilnColumnStats) c = kiln_column_stats_compute (frame, 1, 5);
  g_autofree guint *bins = NULL;
  double lo, hi;

  g_assert_cmpuint (x->n_missing, ==, 1);
  g_assert_cmpuint (x->n_distinct, ==, 4);
  g_assert_cmpfloat (x->min, ==, 1);
  g_assert_cmpfloat (x->max, ==, 4);
  g_assert_cmpfloat (x->mean, ==, 2.5);
  g_assert_cmpfloat_with_epsilon (x->std, sqrt (5.0 / 3.0), 1e-12);
  g_assert_cmpuint (c->n_missing, ==, 1);
  g_assert_cmpuint (c->n_distinct, ==, 2);
  g_assert_cmpstr (g_array_index (c->top, KilnCategoryCount, 0).value, ==, "a");
  g_assert_cmpuint (g_array_index (c->top, KilnCategoryCount, 0).count, ==, 3);

  bins = kiln_column_histogram (frame, 0, 3, &lo, &hi);
  g_assert_cmpuint (bins[0] + bins[1] + bins[2], ==, 4);
  g_assert_cmpfloat (lo, ==, 1);
  g_assert_cmpfloat (hi, ==, 4);

  /* all columns at once agree with one at a time */
  {
    KilnColumnStats **all = kiln_frame_compute_stats (frame, 5);
    g_assert_cmpuint (all[0]->n_distinct, ==, 4);
    g_assert_cmpuint (all[1]->n_missing, ==, 1);
    g_assert_null (all[2]);
    kiln_column_stats_free_all (all);
  }
}

static void
test_views (void)
{
  g_autoptr(KilnFrame) frame = read_string ("x,c\n10,a\n20,b\n30,c\n40,d\n", NULL);
  const guint32 rows[] = { 3, 1 };
  g_autoptr(KilnFrame) view = kiln_frame_new_view (frame, rows, 2);
  const guint32 inner[] = { 1 };
  g_autoptr(KilnFrame) view2 = kiln_frame_new_view (view, inner, 1);
  g_autoptr(KilnFrame) flat = kiln_frame_materialize (view);
  const guint cols[] = { 1 };
  g_autoptr(KilnFrame) only_c = kiln_frame_select_columns (view, cols, 1);

  g_assert_true (kiln_frame_is_view (view));
  g_assert_cmpuint (kiln_frame_get_n_rows (view), ==, 2);
  g_assert_cmpfloat (kiln_frame_get_double (view, 0, 0), ==, 40);
  g_assert_cmpstr (kiln_frame_get_string (view, 1, 1), ==, "b");
  g_assert_cmpfloat (kiln_frame_get_double (view2, 0, 0), ==, 20);
  g_assert_false (kiln_frame_is_view (flat));
  g_assert_cmpfloat (kiln_frame_get_double (flat, 0, 0), ==, 40);
  g_assert_cmpstr (kiln_frame_get_string (only_c, 0, 0), ==, "d");
  /* views share the columns */
  g_assert_true (kiln_frame_get_column (view, 0) == kiln_frame_get_column (frame, 0));
}

static void
test_write_roundtrip (void)
{
  g_autoptr(KilnFrame) frame = read_string ("name,v,when\n\"a, b\",1.25,2024-01-02\n\"say \"\"x\"\"\",,2024-01-03 04:05:06\n", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "out.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) again = NULL;

  g_assert_true (kiln_csv_write (frame, out, &error));
  g_assert_no_error (error);
  again = read_ok (out, NULL, NULL);
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 3; c++)
      {
        g_autofree char *a = kiln_frame_format_cell (frame, c, r);
        g_autofree char *b = kiln_frame_format_cell (again, c, r);
        g_assert_cmpstr (a, ==, b);
      }
}

static void
test_numbers (void)
{
  double v;
  gint64 t;
  char buf[64];

  g_assert_true (kiln_parse_double ("0.1", 3, '.', &v) && v == 0.1);
  g_assert_true (kiln_parse_double ("-1.5e-3", 7, '.', &v) && v == -1.5e-3);
  g_assert_true (kiln_parse_double (" 42 ", 4, '.', &v) && v == 42);
  g_assert_true (kiln_parse_double ("3,25", 4, ',', &v) && v == 3.25);
  g_assert_true (kiln_parse_double ("123456789012345678901234", 24, '.', &v) && v == 123456789012345678901234.0);
  g_assert_true (kiln_parse_double ("2.2250738585072014e-308", 23, '.', &v) && v == 2.2250738585072014e-308);
  g_assert_true (kiln_parse_double ("inf", 3, '.', &v) && isinf (v));
  g_assert_false (kiln_parse_double ("1.2.3", 5, '.', &v));
  g_assert_false (kiln_parse_double ("3,25", 4, '.', &v));
  g_assert_false (kiln_parse_double ("abc", 3, '.', &v));
  g_assert_false (kiln_parse_double ("-", 1, '.', &v));
  g_assert_false (kiln_parse_double ("1e", 2, '.', &v));

  g_assert_true (kiln_parse_datetime ("1970-01-02", 10, &t) && t == G_GINT64_CONSTANT (86400000000));
  g_assert_true (kiln_parse_datetime ("2000-02-29T00:00:01+01:00", 25, &t));
  g_assert_cmpint (t, ==, (G_GINT64_CONSTANT (951782400) + 1 - 3600) * 1000000);
  g_assert_false (kiln_parse_datetime ("2001-02-29", 10, &t));
  g_assert_false (kiln_parse_datetime ("2001-13-01", 10, &t));

  /* the column cache gives what the plain parser gives, in any order, and no stale day */
  {
    static const char * const values[] = {
      "2001-01-01 00:01:00", "2001-01-01 23:59:59", "2001-01-01", "2001-01-01T12:00:00",
      "2001-01-01 25:00:00", "2001-01-02 00:00:00", "2001-02-29 10:00:00", "2001-01-02 00:00:01",
      "2001-01-02 00:00:01Z", "2001-01-02 01:00+01:00", "2000-02-29 10:00:00", "2001-01-0x 10:00:00",
      "1969-12-31 23:59:59", "2001-01-02 24:00:00",
    };
    KilnDatetimeCache cache = { 0 };
    for (guint i = 0; i < G_N_ELEMENTS (values); i++)
      {
        gint64 plain = 0, cached = 0;
        gboolean ok = kiln_parse_datetime (values[i], strlen (values[i]), &plain);
        g_assert_cmpint (kiln_parse_datetime_cached (values[i], strlen (values[i]), &cache, &cached),
                         ==, ok);
        if (ok)
          g_assert_cmpint (cached, ==, plain);
      }
    g_assert_false (kiln_parse_datetime_cached ("2001-01-02 25:00:00", 19, &cache, &t));
    g_assert_true (kiln_parse_datetime_cached ("2001-01-02 00:00:00", 19, &cache, &t));
    g_assert_cmpint (t, ==, G_GINT64_CONSTANT (978393600) * 1000000);
  }

  g_assert_cmpstr (kiln_format_double (buf, sizeof buf, 0.1), ==, "0.1");
  g_assert_cmpstr (kiln_format_double (buf, sizeof buf, 5), ==, "5");
  g_assert_cmpstr (kiln_format_double (buf, sizeof buf, 1.0 / 3), ==, "0.33333333333333331");
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-test-csv-XXXXXX", NULL);

  g_test_add_func ("/csv/rfc4180", test_rfc4180);
  g_test_add_func ("/csv/lf-and-blank-lines", test_lf_and_blank_lines);
  g_test_add_func ("/csv/types", test_types);
  g_test_add_func ("/csv/datetime-display", test_datetime_display);
  g_test_add_func ("/csv/missing-markers", test_missing_markers);
  g_test_add_func ("/csv/delimiters-and-decimal-comma", test_delimiters_and_decimal_comma);
  g_test_add_func ("/csv/header-detection", test_header_detection);
  g_test_add_func ("/csv/duplicate-and-empty-names", test_duplicate_and_empty_names);
  g_test_add_func ("/csv/encodings", test_encodings);
  g_test_add_func ("/csv/korean-excel", test_korean_excel);
  g_test_add_func ("/csv/errors", test_errors);
  g_test_add_func ("/csv/skip-bad-rows", test_skip_bad_rows);
  g_test_add_func ("/csv/errors-in-later-segments", test_errors_in_later_segments);
  g_test_add_func ("/csv/late-demotion", test_late_demotion);
  g_test_add_func ("/csv/spaces", test_spaces);
  g_test_add_func ("/csv/segments-match", test_segments_match);
  g_test_add_func ("/csv/large-columns", test_large_columns);
  g_test_add_func ("/csv/stream", test_stream);
  g_test_add_func ("/csv/atomic-file", test_atomic_file);
  g_test_add_func ("/csv/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/csv/stats", test_stats);
  g_test_add_func ("/csv/views", test_views);
  g_test_add_func ("/csv/write-roundtrip", test_write_roundtrip);
  g_test_add_func ("/csv/numbers", test_numbers);

  ret = g_test_run ();
  {
    g_autoptr(GFile) dir = g_file_new_for_path (tmpdir);
    g_autoptr(GFileEnumerator) e = g_file_enumerate_children (dir, "standard::name", 0, NULL, NULL);
    GFileInfo *info;
    while (e && (info = g_file_enumerator_next_file (e, NULL, NULL)))
      {
        g_autofree char *p = g_build_filename (tmpdir, g_file_info_get_name (info), NULL);
        g_unlink (p);
        g_object_unref (info);
      }
    g_rmdir (tmpdir);
  }
  g_free (tmpdir);
  return ret;
}
