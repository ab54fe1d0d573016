/* test-time-split.c: splits by time (order, ties, missing dates, file order), their settings in
 * JSON, forward-chaining folds (kiln-cv.h and the comparison), and the checks that suggest them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-time-split"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-compare.h"
#include "kiln-csv.h"
#include "kiln-cv.h"
#include "kiln-pipeline.h"
#include "kiln-prep-settings.h"
#include "kiln-split.h"
#include "kiln-train-checks.h"

static char *tmpdir;

static KilnFrame *
frame_from_text (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  KilnFrame *frame;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (frame);
  return frame;
}

/* 12 rows in file order: two without a date (rows 2 and 7), a tie (rows 3 and 4, 2021-01-03),
 * row 6 without a target; "rank" counts down from 12. */
static const char fixture[] =
  "when,rank,y\n"
  "2021-01-05,12,a\n"   /* 0 */
  "2021-01-01,11,b\n"   /* 1 */
  ",10,a\n"             /* 2 */
  "2021-01-03,9,b\n"    /* 3 */
  "2021-01-03,8,a\n"    /* 4 */
  "2021-01-09,7,b\n"    /* 5 */
  "2021-01-02,6,\n"     /* 6: no target */
  ",5,b\n"              /* 7 */
  "2021-01-08,4,a\n"    /* 8 */
  "2021-01-07,3,b\n"    /* 9 */
  "2021-01-06,2,a\n"    /* 10 */
  "2021-01-04,1,b\n";   /* 11 */

static void
assert_rows (GArray *rows, const guint32 *expected, guint n)
{
  g_assert_nonnull (rows);
  g_assert_cmpuint (rows->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (rows, guint32, i), ==, expected[i]);
}

static void
split_by (KilnFrame *frame, const char *column, double train, double val, double test,
          GArray **tr, GArray **va, GArray **te)
{
  KilnSplitFractions f = { train, val, test };
  g_autoptr(GError) error = NULL;
  int time_column = -2;

  g_assert_true (kiln_split_find_time_column (frame, column, &time_column, &error));
  g_assert_no_error (error);
  g_assert_true (kiln_split_by_time (frame, kiln_frame_find_column (frame, "y"), time_column, &f,
                                     tr, va, te, &error));
  g_assert_no_error (error);
}

static void
test_order (void)
{
  g_autoptr(KilnFrame) frame = frame_from_text ("order.csv", fixture);
  g_autoptr(GArray) tr = NULL, va = NULL, te = NULL;
  g_autoptr(GArray) tr2 = NULL, te2 = NULL;
  g_autoptr(GArray) tr3 = NULL, va3 = NULL, te3 = NULL;
  g_autoptr(GArray) tr4 = NULL, te4 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *order = NULL;
  /* undated first (2, 7), then by date, the tie in file order (3 before 4); row 6 left out */
  static const guint32 expected_order[] = { 2, 7, 1, 3, 4, 11, 0, 10, 9, 8, 5 };
  static const guint32 train[] = { 0, 1, 2, 3, 4, 7, 11 }, val[] = { 9, 10 }, test[] = { 5, 8 };
  static const guint32 tie_train[] = { 1, 2, 3, 7 }, tie_test[] = { 0, 4, 5, 8, 9, 10, 11 };
  static const guint32 file_train[] = { 0, 1, 2, 3, 4, 5, 7 }, file_val[] = { 8, 9 },
                       file_test[] = { 10, 11 };
  static const guint32 rank_test[] = { 0, 1 };
  guint n = 0;
  int column;

  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (frame, 0)), ==,
                   KILN_COLUMN_DATETIME);
  order = kiln_split_time_order (frame, 0, 2, &n);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected_order));
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (order[i], ==, expected_order[i]);

  /* 11 rows at 0.6:0.2:0.2 are 7:2:2, the latest two in test, the two before in validation */
  split_by (frame, "when", 0.6, 0.2, 0.2, &tr, &va, &te);
  assert_rows (tr, train, G_N_ELEMENTS (train));
  assert_rows (va, val, G_N_ELEMENTS (val));
  assert_rows (te, test, G_N_ELEMENTS (test));

  /* 0.4:0:0.6 is 4:7 and cuts through the tie: the earlier row in the file trains */
  split_by (frame, "when", 0.4, 0.0, 0.6, &tr2, NULL, &te2);
  assert_rows (tr2, tie_train, G_N_ELEMENTS (tie_train));
  assert_rows (te2, tie_test, G_N_ELEMENTS (tie_test));

  /* file order ("") */
  split_by (frame, "", 0.6, 0.2, 0.2, &tr3, &va3, &te3);
  assert_rows (tr3, file_train, G_N_ELEMENTS (file_train));
  assert_rows (va3, file_val, G_N_ELEMENTS (file_val));
  assert_rows (te3, file_test, G_N_ELEMENTS (file_test));

  /* a numeric column orders too: rank counts down, so the first rows are the latest */
  split_by (frame, "rank", 0.8, 0.0, 0.2, &tr4, NULL, &te4);
  assert_rows (te4, rank_test, G_N_ELEMENTS (rank_test));
  g_assert_cmpuint (tr4->len, ==, 9);

  /* neither a column nor one that orders */
  g_assert_false (kiln_split_find_time_column (frame, "nope", &column, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN);
  g_assert_nonnull (strstr (error->message, "nope"));
  g_clear_error (&error);
  g_assert_false (kiln_split_find_time_column (frame, "y", &column, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS);
  g_assert_nonnull (strstr (error->message, "“y”"));
}

/* The pipeline splits by time when asked, and says so in the bundle. */
static void
test_pipeline (void)
{
  g_autoptr(KilnFrame) frame = frame_from_text ("pipeline.csv", fixture);
  g_autoptr(GError) error = NULL;
  KilnPipelineOptions options;
  KilnPipelineResult result = { 0 };
  KilnFrame *test_rows, *val_rows;
  JsonObject *o;

  kiln_pipeline_options_init (&options, "y", "tree");
  options.prep.split = (KilnSplitFractions) { 0.6, 0.2, 0.2 };
  options.prep.split_by = g_strdup ("when");
  g_assert_true (kiln_pipeline_run (frame, NULL, &options, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  test_rows = kiln_pipeline_get_test_rows (result.pipeline);
  val_rows = kiln_pipeline_get_validation_rows (result.pipeline);
  g_assert_cmpuint (kiln_frame_get_n_rows (test_rows), ==, 2);
  g_assert_cmpuint (kiln_frame_get_physical_row (test_rows, 0), ==, 5);
  g_assert_cmpuint (kiln_frame_get_physical_row (test_rows, 1), ==, 8);
  g_assert_cmpuint (kiln_frame_get_physical_row (val_rows, 0), ==, 9);
  g_assert_cmpuint (kiln_frame_get_physical_row (val_rows, 1), ==, 10);
  o = json_node_get_object (kiln_bundle_get_options (result.bundle));
  g_assert_cmpstr (json_object_get_string_member (o, "split_by"), ==, "when");
  g_assert_false (json_object_get_boolean_member (o, "stratify"));
  kiln_pipeline_result_clear (&result);

  g_free (options.prep.split_by);
  options.prep.split_by = g_strdup ("missing-column");
  g_assert_false (kiln_pipeline_run (frame, NULL, &options, NULL, NULL, &result, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN);
  kiln_pipeline_options_clear (&options);
}

static void
test_settings_json (void)
{
  const char *values[] = { NULL, "", "when" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      KilnPrepSettings a, b;
      g_autoptr(JsonNode) node = NULL;
      JsonNode *member;

      kiln_prep_settings_init (&a);
      kiln_prep_settings_init (&b);
      a.split_by = g_strdup (values[i]);
      b.split_by = g_strdup ("something else");
      node = kiln_prep_settings_to_json (&a);
      member = json_object_get_member (json_node_get_object (node), "split_by");
      g_assert_nonnull (member);
      g_assert_true (values[i] == NULL ? JSON_NODE_HOLDS_NULL (member)
                                       : g_strcmp0 (json_node_get_string (member), values[i]) == 0);
      g_assert_true (kiln_prep_settings_from_json (&b, node, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (b.split_by, ==, values[i]);
      kiln_prep_settings_clear (&a);
      kiln_prep_settings_clear (&b);
    }

  /* a file from before split_by: loads, and the split stays random */
  {
    g_autoptr(JsonNode) old = json_from_string ("{\"dedupe\": true, \"split\": [0.7, 0.1, 0.2], "
                                                "\"stratify\": false, \"seed\": 7}", &error);
    KilnPrepSettings s, copy;

    g_assert_no_error (error);
    kiln_prep_settings_init (&s);
    g_assert_true (kiln_prep_settings_from_json (&s, old, &error));
    g_assert_no_error (error);
    g_assert_null (s.split_by);
    g_assert_true (s.dedupe);
    g_assert_cmpuint (s.seed, ==, 7);
    s.split_by = g_strdup ("when");
    kiln_prep_settings_copy (&s, &copy);
    g_assert_cmpstr (copy.split_by, ==, "when");
    g_assert_true (copy.split_by != s.split_by);
    kiln_prep_settings_clear (&copy);
    kiln_prep_settings_clear (&s);
  }

  /* the wrong type is an error that names the member */
  {
    g_autoptr(JsonNode) bad = json_from_string ("{\"split_by\": 3}", &error);
    KilnPrepSettings s;

    kiln_prep_settings_init (&s);
    g_assert_false (kiln_prep_settings_from_json (&s, bad, &error));
    g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "split_by"));
    g_assert_null (s.split_by);
    kiln_prep_settings_clear (&s);
  }
}

typedef struct {
  const guint *position;   /* of each row in time order */
  guint        calls;
} ForwardSeen;

static gboolean
forward_fold (guint           fold,
              const guint32  *train_rows,
              guint           n_train,
              const guint32  *test_rows,
              guint           n_test,
              double         *score,
              gpointer        user_data,
              GCancellable   *cancellable,
              GError        **error)
{
  ForwardSeen *seen = user_data;
  guint latest_train = 0, earliest_test = G_MAXUINT;

  g_assert_cmpuint (fold, ==, seen->calls);
  seen->calls++;
  g_assert_cmpuint (n_train, >, 0);
  g_assert_cmpuint (n_test, >, 0);
  for (guint i = 0; i < n_train; i++)
    latest_train = MAX (latest_train, seen->position[train_rows[i]]);
  for (guint i = 0; i < n_test; i++)
    earliest_test = MIN (earliest_test, seen->position[test_rows[i]]);
  /* never trained on a later row, and the training rows are all the earlier ones */
  g_assert_cmpuint (latest_train, <, earliest_test);
  g_assert_cmpuint (n_train, ==, earliest_test);
  *score = n_train;
  return TRUE;
}

static void
test_forward_folds (void)
{
  /* 10 rows whose time order is a shuffle of the file order */
  static const guint32 order[10] = { 4, 9, 0, 7, 2, 5, 8, 1, 6, 3 };
  guint position[10], block[10], sizes[4] = { 0 };
  g_autofree double *scores = NULL;
  g_autoptr(GError) error = NULL;
  ForwardSeen seen = { position, 0 };

  for (guint i = 0; i < 10; i++)
    position[order[i]] = i;
  g_assert_true (kiln_forward_assign (10, 3, order, block, &error));
  g_assert_no_error (error);
  /* 4 blocks of 3, 3, 2, 2, consecutive in time */
  for (guint i = 0; i < 10; i++)
    {
      sizes[block[i]]++;
      if (i > 0)
        g_assert_cmpuint (block[order[i]], >=, block[order[i - 1]]);
    }
  g_assert_cmpuint (sizes[0], ==, 3);
  g_assert_cmpuint (sizes[1], ==, 3);
  g_assert_cmpuint (sizes[2], ==, 2);
  g_assert_cmpuint (sizes[3], ==, 2);

  scores = kiln_cross_validate_forward (10, 3, order, forward_fold, &seen, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (scores);
  g_assert_cmpuint (seen.calls, ==, 3);
  g_assert_cmpfloat (scores[0], ==, 3);
  g_assert_cmpfloat (scores[1], ==, 6);
  g_assert_cmpfloat (scores[2], ==, 8);

  g_assert_false (kiln_forward_assign (10, 10, order, block, &error));
  g_assert_error (error, KILN_EVAL_ERROR, KILN_EVAL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (kiln_forward_assign (10, 0, order, block, &error));
  g_assert_error (error, KILN_EVAL_ERROR, KILN_EVAL_ERROR_INVALID);
}

/* 80 rows, dates in a scrambled file order; x follows the date, y from x. */
static KilnFrame *
dated_frame (const char *name, gboolean with_dates)
{
  g_autoptr(GString) text = g_string_new (with_dates ? "when,x,y\n" : "x,y\n");
  g_autoptr(GDateTime) start = g_date_time_new_utc (2020, 1, 1, 0, 0, 0);

  for (guint i = 0; i < 80; i++)
    {
      guint day = (i * 37) % 80;   /* a permutation of 0 .. 79 */
      g_autoptr(GDateTime) d = g_date_time_add_days (start, day);
      g_autofree char *date = g_date_time_format (d, "%Y-%m-%d");

      if (with_dates)
        g_string_append_printf (text, "%s,", date);
      g_string_append_printf (text, "%u,%s\n", day, (day / 7) % 2 ? "up" : "down");
    }
  return frame_from_text (name, text->str);
}

static gint64
date_of (KilnFrame *frame, guint32 row)
{
  return kiln_column_get_datetime (kiln_frame_get_column (frame, 0), row);
}

static void
test_compare_forward (void)
{
  g_autoptr(KilnFrame) frame = dated_frame ("compare.csv", TRUE);
  g_autoptr(KilnCompare) c = NULL, random = NULL;
  g_autoptr(JsonNode) json = NULL, random_json = NULL;
  g_autoptr(GError) error = NULL;
  const char *families[] = { "tree", NULL };
  KilnPipelineOptions options;
  const guint32 *rows;
  const guint *folds;
  gint64 test_from = G_MAXINT64;

  kiln_pipeline_options_init (&options, "y", NULL);
  options.prep.split_by = g_strdup ("when");
  c = kiln_compare_new (frame, NULL, &options, 4, families, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_compare_is_forward (c));
  g_assert_cmpuint (kiln_compare_get_n_folds (c), ==, 4);
  g_assert_cmpuint (kiln_compare_get_n_rows (c), ==, 64);
  kiln_compare_get_folds (c, &rows, &folds);

  /* the training split is the earliest 64 rows: no row of the comparison is later than the
   * test split's earliest (the 16 latest days, 64 .. 79) */
  for (guint r = 0; r < 80; r++)
    {
      gboolean in = FALSE;
      for (guint i = 0; i < 64; i++)
        in |= rows[i] == r;
      if (!in)
        test_from = MIN (test_from, date_of (frame, r));
    }
  for (guint f = 0; f < 4; f++)
    {
      gint64 latest_train = G_MININT64, earliest_test = G_MAXINT64;
      guint n_train = 0, n_test = 0;

      for (guint i = 0; i < 64; i++)
        {
          gint64 t = date_of (frame, rows[i]);
          g_assert_cmpint (t, <, test_from);
          if (folds[i] <= f)
            {
              latest_train = MAX (latest_train, t);
              n_train++;
            }
          else if (folds[i] == f + 1)
            {
              earliest_test = MIN (earliest_test, t);
              n_test++;
            }
        }
      /* 5 blocks of 64 rows: 13, 13, 13, 13, 12 */
      g_assert_cmpuint (n_train, ==, 13 * (f + 1));
      g_assert_cmpuint (n_test, ==, f == 3 ? 12 : 13);
      g_assert_cmpint (latest_train, <, earliest_test);
    }

  for (guint i = 0; i < kiln_compare_get_n_trials (c); i++)
    g_assert_true (kiln_compare_run_trial (c, i, NULL, &error));
  g_assert_no_error (error);
  kiln_compare_rank (c);
  g_assert_cmpint (kiln_compare_get_best (c), >=, 0);
  json = kiln_compare_to_json (c);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "folds_kind"), ==,
                   "forward");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json), "folds"), ==, 4);

  /* the same data split at random: k-fold */
  g_clear_pointer (&options.prep.split_by, g_free);
  random = kiln_compare_new (frame, NULL, &options, 4, families, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (kiln_compare_is_forward (random));
  kiln_compare_rank (random);
  random_json = kiln_compare_to_json (random);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (random_json), "folds_kind"),
                   ==, "kfold");
  kiln_pipeline_options_clear (&options);
}

static const KilnTrainCheck *
find_check (GPtrArray *checks, KilnTrainCheckKind kind)
{
  for (guint i = 0; i < checks->len; i++)
    if (((KilnTrainCheck *) checks->pdata[i])->kind == kind)
      return checks->pdata[i];
  return NULL;
}

static void
test_checks (void)
{
  g_autoptr(KilnFrame) frame = dated_frame ("checks.csv", TRUE);
  g_autoptr(KilnFrame) undated = dated_frame ("undated.csv", FALSE);
  KilnTrainSplit split = { 0.8, 0.0, 0.2, TRUE, 42, NULL };
  KilnSplitFractions f = { 0.8, 0.0, 0.2 };
  g_autoptr(GPtrArray) random = NULL, by_time = NULL, file_order = NULL, no_dates = NULL;
  g_autoptr(GPtrArray) without_date = NULL, no_test = NULL;
  g_autoptr(GArray) tr = NULL, te = NULL;
  const char *features[] = { "x", NULL };
  const KilnTrainCheck *check;
  g_autofree char *count = NULL;
  gint64 earliest = G_MAXINT64;
  guint later = 0;

  /* the random split as training makes it, and its training rows later than a test row */
  g_assert_true (kiln_split_train_val_test (frame, 2, &f, TRUE, 42, &tr, NULL, &te, NULL));
  for (guint i = 0; i < te->len; i++)
    earliest = MIN (earliest, date_of (frame, g_array_index (te, guint32, i)));
  for (guint i = 0; i < tr->len; i++)
    later += date_of (frame, g_array_index (tr, guint32, i)) > earliest;
  g_assert_cmpuint (later, >, 0);

  random = kiln_train_checks_run (frame, "y", KILN_TASK_CLASSIFICATION, &split, NULL);
  check = find_check (random, KILN_TRAIN_CHECK_FUTURE_ROWS);
  g_assert_nonnull (check);
  g_assert_cmpint (check->severity, ==, KILN_TRAIN_CHECK_WARNING);
  g_assert_cmpstr (check->column, ==, "when");
  count = g_strdup_printf (" %u of the 64 ", later);
  g_assert_nonnull (strstr (check->message, count));
  g_assert_null (find_check (random, KILN_TRAIN_CHECK_TIME_ORDER));
  g_assert_false (kiln_train_checks_has_errors (random));

  /* quiet when the split is by time (a column or the file order) */
  split.split_by = "when";
  by_time = kiln_train_checks_run (frame, "y", KILN_TASK_CLASSIFICATION, &split, NULL);
  split.split_by = "";
  file_order = kiln_train_checks_run (frame, "y", KILN_TASK_CLASSIFICATION, &split, NULL);
  split.split_by = NULL;
  /* ... without a date column, or with the date left out of the features, or nothing held out */
  no_dates = kiln_train_checks_run (undated, "y", KILN_TASK_CLASSIFICATION, &split, NULL);
  without_date = kiln_train_checks_run (frame, "y", KILN_TASK_CLASSIFICATION, &split, features);
  split = (KilnTrainSplit) { 1.0, 0.0, 0.0, TRUE, 42, NULL };
  no_test = kiln_train_checks_run (frame, "y", KILN_TASK_CLASSIFICATION, &split, NULL);
  for (guint i = 0; i < 5; i++)
    {
      GPtrArray *quiet[] = { by_time, file_order, no_dates, without_date, no_test };
      g_assert_null (find_check (quiet[i], KILN_TRAIN_CHECK_FUTURE_ROWS));
      g_assert_null (find_check (quiet[i], KILN_TRAIN_CHECK_TIME_ORDER));
    }

  /* a random split that happens to train on nothing later than its test rows still suggests a
   * split by time: one early row, four on a later day, one test row */
  {
    g_autoptr(KilnFrame) small = frame_from_text ("small.csv",
                                                  "when,x,y\n2020-01-01,1,1\n2020-06-01,2,2\n"
                                                  "2020-06-01,3,3\n2020-06-01,4,4\n2020-06-01,5,5\n");
    gboolean saw_future = FALSE, saw_suggestion = FALSE;

    for (guint64 seed = 0; seed < 40; seed++)
      {
        KilnTrainSplit s = { 0.8, 0.0, 0.2, FALSE, seed, NULL };
        g_autoptr(GPtrArray) checks = kiln_train_checks_run (small, "y", KILN_TASK_REGRESSION,
                                                             &s, NULL);
        g_autoptr(GArray) small_test = NULL;
        gboolean early_in_test;

        g_assert_true (kiln_split_train_val_test (small, 2, &f, FALSE, seed, NULL, NULL,
                                                  &small_test, NULL));
        g_assert_cmpuint (small_test->len, ==, 1);
        early_in_test = g_array_index (small_test, guint32, 0) == 0;
        if (early_in_test)
          {
            check = find_check (checks, KILN_TRAIN_CHECK_FUTURE_ROWS);
            g_assert_nonnull (check);
            g_assert_nonnull (strstr (check->message, " 4 of the 4 "));
            g_assert_null (find_check (checks, KILN_TRAIN_CHECK_TIME_ORDER));
            saw_future = TRUE;
          }
        else
          {
            g_assert_null (find_check (checks, KILN_TRAIN_CHECK_FUTURE_ROWS));
            check = find_check (checks, KILN_TRAIN_CHECK_TIME_ORDER);
            g_assert_nonnull (check);
            g_assert_cmpstr (check->column, ==, "when");
            saw_suggestion = TRUE;
          }
      }
    g_assert_true (saw_future && saw_suggestion);
  }

  /* a class with a single row cannot be stratified, but a split by time does not stratify */
  {
    g_autoptr(KilnFrame) rare = frame_from_text ("rare.csv",
                                                 "x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n7,c\n");
    KilnTrainSplit s = { 0.8, 0.0, 0.2, TRUE, 42, NULL };
    g_autoptr(GPtrArray) stratified = kiln_train_checks_run (rare, "y", KILN_TASK_CLASSIFICATION,
                                                             &s, NULL);
    g_autoptr(GPtrArray) ordered = NULL;

    g_assert_nonnull (find_check (stratified, KILN_TRAIN_CHECK_SINGLE_ROW_CLASS));
    s.split_by = "";
    ordered = kiln_train_checks_run (rare, "y", KILN_TASK_CLASSIFICATION, &s, NULL);
    g_assert_null (find_check (ordered, KILN_TRAIN_CHECK_SINGLE_ROW_CLASS));
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("kiln-time-split-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/prep/time-split/order", test_order);
  g_test_add_func ("/prep/time-split/pipeline", test_pipeline);
  g_test_add_func ("/prep/time-split/settings-json", test_settings_json);
  g_test_add_func ("/prep/time-split/forward-folds", test_forward_folds);
  g_test_add_func ("/prep/time-split/compare", test_compare_forward);
  g_test_add_func ("/prep/time-split/checks", test_checks);
  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);
        g_unlink (path);
      }
    g_rmdir (tmpdir);
    g_free (tmpdir);
  }
  return status;
}
