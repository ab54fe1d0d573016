/* test-conform.c: the one rule that reads raw values as a model's column types.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-conform.h"

static KilnColumn *
text_col (const char *name, const char * const *v, guint n)
{
  KilnValue *values = g_new0 (KilnValue, n);
  KilnColumn *col;

  for (guint i = 0; i < n; i++)
    {
      values[i].missing = v[i] == NULL;
      values[i].text = v[i];
    }
  col = kiln_conform_values_to_column (name, KILN_COLUMN_CATEGORICAL, values, n);
  g_free (values);
  return col;
}

static KilnFrame *
one_column (KilnColumn *col)
{
  KilnFrame *frame = kiln_frame_new (&col, 1);

  kiln_column_unref (col);
  return frame;
}

static void
test_columns (void)
{
  const char *nums[] = { "1.5", "-2", NULL, "True", "1e3" };
  const char *bools[] = { "True", "0", "false", NULL, "1" };
  const char *dates[] = { "2001-01-02", "2001-01-02 03:04:05", NULL };
  double reals[] = { 0, 1, NAN, 1 };
  g_autoptr(KilnFrame) a = one_column (text_col ("a", nums, 5));
  g_autoptr(KilnFrame) b = one_column (text_col ("b", bools, 5));
  g_autoptr(KilnFrame) d = one_column (text_col ("d", dates, 3));
  g_autoptr(KilnFrame) r = one_column (kiln_column_new_numeric ("r", g_memdup2 (reals, sizeof reals), 4));
  g_autoptr(GError) error = NULL;
  KilnColumn *col;

  /* text to numbers: numbers, True/False as 1/0, missing stays missing */
  col = kiln_conform_column (a, 0, KILN_COLUMN_NUMERIC, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (kiln_column_get_double (col, 0), ==, 1.5);
  g_assert_cmpfloat (kiln_column_get_double (col, 1), ==, -2);
  g_assert_true (kiln_column_is_missing (col, 2));
  g_assert_cmpfloat (kiln_column_get_double (col, 3), ==, 1);
  g_assert_cmpfloat (kiln_column_get_double (col, 4), ==, 1000);
  kiln_column_unref (col);

  /* text to booleans: words and 0/1 */
  col = kiln_conform_column (b, 0, KILN_COLUMN_BOOLEAN, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_column_get_boolean (col, 0));
  g_assert_false (kiln_column_get_boolean (col, 1));
  g_assert_false (kiln_column_get_boolean (col, 2));
  g_assert_true (kiln_column_is_missing (col, 3));
  g_assert_true (kiln_column_get_boolean (col, 4));
  kiln_column_unref (col);

  /* numbers to booleans: 0 and 1 only, the error names column, row and value */
  col = kiln_conform_column (r, 0, KILN_COLUMN_BOOLEAN, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_column_is_missing (col, 2));
  kiln_column_unref (col);
  col = kiln_conform_column (a, 0, KILN_COLUMN_BOOLEAN, &error);
  g_assert_null (col);
  g_assert_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "“a”"));
  g_assert_nonnull (strstr (error->message, "row 1"));
  g_assert_nonnull (strstr (error->message, "1.5"));
  g_clear_error (&error);

  /* numbers to categories: the cells' text */
  col = kiln_conform_column (r, 0, KILN_COLUMN_CATEGORICAL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kiln_column_get_string (col, 0), ==, "0");
  g_assert_cmpstr (kiln_column_get_string (col, 1), ==, "1");
  g_assert_null (kiln_column_get_string (col, 2));
  g_assert_cmpint (kiln_column_get_code (col, 1), ==, kiln_column_get_code (col, 3));
  kiln_column_unref (col);

  /* dates */
  col = kiln_conform_column (d, 0, KILN_COLUMN_DATETIME, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kiln_column_get_datetime (col, 1) - kiln_column_get_datetime (col, 0), ==,
                   (gint64) (3 * 3600 + 4 * 60 + 5) * G_USEC_PER_SEC);
  g_assert_true (kiln_column_is_missing (col, 2));
  kiln_column_unref (col);
  g_assert_null (kiln_conform_column (r, 0, KILN_COLUMN_DATETIME, &error));
  g_assert_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_TYPE);
  g_clear_error (&error);

  /* categories that are not numbers: the first row holding one is named */
  g_assert_null (kiln_conform_column (d, 0, KILN_COLUMN_NUMERIC, &error));
  g_assert_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "row 1"));
}

static void
test_frame (void)
{
  const char *x[] = { "1", "2", "3", "4" };
  const char *c[] = { "p", "q", "p", NULL };
  KilnColumn *cols[] = { text_col ("x", x, 4), text_col ("c", c, 4),
                         kiln_column_new_numeric ("extra", g_new0 (double, 4), 4) };
  g_autoptr(KilnFrame) raw = kiln_frame_new (cols, 3);
  const guint32 rows[] = { 3, 1 };
  g_autoptr(KilnFrame) view = kiln_frame_new_view (raw, rows, 2);
  KilnColumnSpec want[] = { { (char *) "c", KILN_COLUMN_CATEGORICAL },
                            { (char *) "x", KILN_COLUMN_NUMERIC } };
  KilnColumnSpec same[] = { { (char *) "c", KILN_COLUMN_CATEGORICAL } };
  KilnColumnSpec absent[] = { { (char *) "y", KILN_COLUMN_NUMERIC },
                              { (char *) "z", KILN_COLUMN_NUMERIC } };
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(KilnFrame) kept = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cols); i++)
    kiln_column_unref (cols[i]);

  /* picked by name, in the spec's order, the rows of the view, converted */
  out = kiln_conform_frame (view, want, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_columns (out), ==, 2);
  g_assert_cmpuint (kiln_frame_get_n_rows (out), ==, 2);
  g_assert_false (kiln_frame_is_view (out));
  g_assert_null (kiln_frame_get_string (out, 0, 0));
  g_assert_cmpstr (kiln_frame_get_string (out, 0, 1), ==, "q");
  g_assert_cmpfloat (kiln_frame_get_double (out, 1, 0), ==, 4);
  g_assert_cmpfloat (kiln_frame_get_double (out, 1, 1), ==, 2);

  /* nothing to convert: the view's columns, not copied */
  kept = kiln_conform_frame (view, same, 1, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_frame_is_view (kept));
  g_assert_true (kiln_frame_get_column (kept, 0) == kiln_frame_get_column (raw, 1));

  /* every absent column named at once */
  g_assert_null (kiln_conform_frame (raw, absent, 2, &error));
  g_assert_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_NO_COLUMN);
  g_assert_nonnull (strstr (error->message, "“y”"));
  g_assert_nonnull (strstr (error->message, "“z”"));
}

static void
test_values (void)
{
  const char *good[] = { "[1.5]", "[3]", "[true]", "[\"2.5\"]", "[null]", "[\"NA\"]" };
  const double numbers[] = { 1.5, 3, 1, 2.5, NAN, NAN };
  KilnValue values[3];
  g_autoptr(GError) error = NULL;
  KilnValue v;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (good[i], NULL);
      JsonNode *e = json_array_get_element (json_node_get_array (node), 0);

      g_assert_true (kiln_conform_json (e, KILN_COLUMN_NUMERIC, "n", i + 1, &v, &error));
      g_assert_no_error (error);
      if (isnan (numbers[i]))
        g_assert_true (v.missing);
      else
        g_assert_cmpfloat (v.number, ==, numbers[i]);
    }
  /* a JSON number where categories were trained: the category the CSV would show */
  {
    g_autoptr(JsonNode) node = json_from_string ("3", NULL);
    g_assert_true (kiln_conform_json (node, KILN_COLUMN_CATEGORICAL, "c", 1, &v, &error));
    g_assert_cmpstr (v.text, ==, "3");
  }
  {
    g_autoptr(JsonNode) node = json_from_string ("{\"a\": 1}", NULL);
    g_assert_false (kiln_conform_json (node, KILN_COLUMN_NUMERIC, "c", 7, &v, &error));
    g_assert_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_VALUE);
    g_assert_nonnull (strstr (error->message, "row 7"));
    g_clear_error (&error);
  }
  g_assert_false (kiln_conform_text ("twelve", KILN_COLUMN_NUMERIC, "price", 4, &v, &error));
  g_assert_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "“price”, row 4: “twelve”"));
  g_clear_error (&error);

  /* a column from values filled in place */
  g_assert_true (kiln_conform_text ("b", KILN_COLUMN_CATEGORICAL, "c", 1, &values[0], NULL));
  g_assert_true (kiln_conform_text ("?", KILN_COLUMN_CATEGORICAL, "c", 2, &values[1], NULL));
  {
    g_autoptr(JsonNode) node = json_from_string ("false", NULL);
    g_assert_true (kiln_conform_json (node, KILN_COLUMN_CATEGORICAL, "c", 3, &values[2], NULL));
  }
  {
    g_autoptr(KilnColumn) col = kiln_conform_values_to_column ("c", KILN_COLUMN_CATEGORICAL, values, 3);
    g_assert_cmpstr (kiln_column_get_string (col, 0), ==, "b");
    g_assert_true (kiln_column_is_missing (col, 1));
    g_assert_cmpstr (kiln_column_get_string (col, 2), ==, "False");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conform/columns", test_columns);
  g_test_add_func ("/conform/frame", test_frame);
  g_test_add_func ("/conform/values", test_values);
  return g_test_run ();
}
