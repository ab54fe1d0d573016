/* test-train-checks.c: the plain-language checks before training.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-train-checks"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-train-checks.h"

#define N 100

static KilnColumn *
numeric (const char *name,
         double    (*f) (guint i))
{
  double *values = g_new (double, N);

  for (guint i = 0; i < N; i++)
    values[i] = f (i);
  return kiln_column_new_numeric (name, values, N);
}

static KilnColumn *
coded (const char    *name,
       const char *(*f) (guint i, char *buf))
{
  gint32 *codes = g_new (gint32, N);
  GPtrArray *categories = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < N; i++)
    {
      char buf[64];
      const char *s = f (i, buf);
      gpointer hit;

      if (s == NULL)
        {
          codes[i] = -1;
          continue;
        }
      hit = g_hash_table_lookup (index, s);
      if (hit == NULL)
        {
          g_ptr_array_add (categories, g_strdup (s));
          hit = GUINT_TO_POINTER (categories->len);
          g_hash_table_insert (index, categories->pdata[categories->len - 1], hit);
        }
      codes[i] = GPOINTER_TO_UINT (hit) - 1;
    }
  return kiln_column_new_coded (name, KILN_COLUMN_CATEGORICAL, codes, categories, N);
}

static double f_wave (guint i) { return sin (i * 0.37) * 10.0; }
static double f_noise (guint i) { return fmod (i * 7.31, 3.7); }
static double f_id (guint i) { return 1000 + i; }
static double f_small_int (guint i) { return i % 7; }
static double f_const (guint i) { return 5.0; }
static double f_nan (guint i) { return NAN; }
static double f_target (guint i) { return 2.0 * sin (i * 0.37) + (i % 3); }
static double f_class_code (guint i) { return (i % 3) * 10.0; }
static double f_sparse_ids (guint i) { return 1e6 + i * 9973.0; }

static const char *s_class (guint i, char *buf) { return (const char *[]) { "red", "green", "blue" }[i % 3]; }
static const char *s_rare (guint i, char *buf) { return i == 17 ? "violet" : (const char *[]) { "red", "green" }[i % 2]; }
static const char *s_few (guint i, char *buf) { return i < 3 ? "violet" : (const char *[]) { "red", "green" }[i % 2]; }
static const char *s_names (guint i, char *buf) { g_snprintf (buf, 64, "customer-%u", i * 13 % 101); return buf; }
static const char *s_const (guint i, char *buf) { return "same"; }
static const char *s_missing (guint i, char *buf) { return NULL; }
static const char *s_grade (guint i, char *buf) { return (const char *[]) { "A", "B", "C", "D" }[i % 4]; }

static KilnFrame *
frame_of (KilnColumn **columns,
          guint        n)
{
  KilnFrame *frame = kiln_frame_new (columns, n);

  for (guint i = 0; i < n; i++)
    kiln_column_unref (columns[i]);
  return frame;
}

static const KilnTrainCheck *
find (GPtrArray          *checks,
      KilnTrainCheckKind  kind,
      const char         *column)
{
  for (guint i = 0; i < checks->len; i++)
    {
      const KilnTrainCheck *check = checks->pdata[i];
      if (check->kind == kind && g_strcmp0 (check->column, column) == 0)
        {
          /* the sentence names the column */
          if (column != NULL)
            g_assert_nonnull (strstr (check->message, column));
          return check;
        }
    }
  return NULL;
}

static void
dump (GPtrArray *checks)
{
  for (guint i = 0; i < checks->len; i++)
    {
      const KilnTrainCheck *check = checks->pdata[i];
      g_test_message ("%s: %s", check->severity == KILN_TRAIN_CHECK_ERROR ? "error" : "warning",
                      check->message);
    }
}

static void
test_clean (void)
{
  KilnColumn *columns[] = { numeric ("wave", f_wave), numeric ("noise", f_noise), coded ("colour", s_class),
                            numeric ("small", f_small_int), numeric ("y", f_target) };
  g_autoptr(KilnFrame) frame = frame_of (columns, G_N_ELEMENTS (columns));
  g_autoptr(GPtrArray) checks = kiln_train_checks_run (frame, "y", KILN_TASK_REGRESSION, NULL, NULL);
  g_autoptr(GPtrArray) cls = kiln_train_checks_run (frame, "colour", KILN_TASK_CLASSIFICATION, NULL, NULL);

  dump (checks);
  dump (cls);
  g_assert_cmpuint (checks->len, ==, 0);
  g_assert_cmpuint (cls->len, ==, 0);
  g_assert_true (kiln_train_checks_to_error (checks, NULL));
}

static void
test_target_errors (void)
{
  KilnColumn *columns[] = { numeric ("wave", f_wave), numeric ("flat", f_const), coded ("label", s_const),
                            coded ("nothing", s_missing), coded ("colour", s_class) };
  g_autoptr(KilnFrame) frame = frame_of (columns, G_N_ELEMENTS (columns));
  g_autoptr(GError) error = NULL;
  struct { const char *target; KilnTask task; KilnTrainCheckKind kind; } cases[] = {
    { "missing", KILN_TASK_CLASSIFICATION, KILN_TRAIN_CHECK_NO_TARGET },
    { "nothing", KILN_TASK_CLASSIFICATION, KILN_TRAIN_CHECK_EMPTY_TARGET },
    { "flat", KILN_TASK_REGRESSION, KILN_TRAIN_CHECK_CONSTANT_TARGET },
    { "label", KILN_TASK_CLASSIFICATION, KILN_TRAIN_CHECK_CONSTANT_TARGET },
    { "colour", KILN_TASK_REGRESSION, KILN_TRAIN_CHECK_TARGET_NOT_NUMERIC },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) checks = kiln_train_checks_run (frame, cases[i].target, cases[i].task, NULL, NULL);
      const KilnTrainCheck *check;

      dump (checks);
      check = find (checks, cases[i].kind, cases[i].target);
      g_assert_nonnull (check);
      g_assert_cmpint (check->severity, ==, KILN_TRAIN_CHECK_ERROR);
      /* errors come first */
      g_assert_cmpint (((KilnTrainCheck *) checks->pdata[0])->severity, ==, KILN_TRAIN_CHECK_ERROR);
      g_assert_true (kiln_train_checks_has_errors (checks));
      g_assert_false (kiln_train_checks_to_error (checks, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
}

static void
test_classes (void)
{
  KilnColumn *columns[] = { numeric ("wave", f_wave), coded ("rare", s_rare), coded ("few", s_few) };
  g_autoptr(KilnFrame) frame = frame_of (columns, G_N_ELEMENTS (columns));
  KilnTrainSplit split = { 0.8, 0.0, 0.2, TRUE };
  KilnTrainSplit no_split = { 1.0, 0.0, 0.0, TRUE };
  KilnTrainSplit with_val = { 0.7, 0.1, 0.2, TRUE };
  g_autoptr(GPtrArray) rare = kiln_train_checks_run (frame, "rare", KILN_TASK_CLASSIFICATION, &split, NULL);
  g_autoptr(GPtrArray) rare_all = kiln_train_checks_run (frame, "rare", KILN_TASK_CLASSIFICATION, &no_split, NULL);
  g_autoptr(GPtrArray) few = kiln_train_checks_run (frame, "few", KILN_TASK_CLASSIFICATION, &split, NULL);
  g_autoptr(GPtrArray) few_val = kiln_train_checks_run (frame, "few", KILN_TASK_CLASSIFICATION, &with_val, NULL);
  const KilnTrainCheck *check;

  dump (rare);
  check = find (rare, KILN_TRAIN_CHECK_SINGLE_ROW_CLASS, "rare");
  g_assert_nonnull (check);
  g_assert_nonnull (strstr (check->message, "violet"));
  g_assert_cmpint (check->severity, ==, KILN_TRAIN_CHECK_ERROR);
  /* nothing is split off: a single row is fine */
  g_assert_false (kiln_train_checks_has_errors (rare_all));

  dump (few);
  /* 3 rows * 0.2 < 1: a warning, not an error */
  check = find (few, KILN_TRAIN_CHECK_SMALL_CLASS, "few");
  g_assert_nonnull (check);
  g_assert_cmpint (check->severity, ==, KILN_TRAIN_CHECK_WARNING);
  g_assert_false (kiln_train_checks_has_errors (few));
  dump (few_val);
  g_assert_nonnull (strstr (((KilnTrainCheck *) few_val->pdata[0])->message, "validation"));
}

static void
test_ids_and_leaks (void)
{
  KilnColumn *columns[] = { numeric ("customer_id", f_id), coded ("name", s_names), numeric ("wave", f_wave),
                            numeric ("small", f_small_int), numeric ("y", f_target), numeric ("y_copy", f_target),
                            coded ("colour", s_class), numeric ("colour_code", f_class_code),
                            numeric ("account_id", f_sparse_ids), numeric ("sparse", f_sparse_ids),
                            coded ("grade", s_grade) };
  g_autoptr(KilnFrame) frame = frame_of (columns, G_N_ELEMENTS (columns));
  g_autoptr(GPtrArray) reg = kiln_train_checks_run (frame, "y", KILN_TASK_REGRESSION, NULL, NULL);
  g_autoptr(GPtrArray) cls = kiln_train_checks_run (frame, "colour", KILN_TASK_CLASSIFICATION, NULL, NULL);
  const char *only[] = { "wave", "colour_code", NULL };
  g_autoptr(GPtrArray) some = kiln_train_checks_run (frame, "colour", KILN_TASK_CLASSIFICATION, NULL, only);

  dump (reg);
  g_assert_nonnull (find (reg, KILN_TRAIN_CHECK_ID_COLUMN, "customer_id"));
  g_assert_nonnull (find (reg, KILN_TRAIN_CHECK_ID_COLUMN, "name"));
  g_assert_nonnull (find (reg, KILN_TRAIN_CHECK_ID_COLUMN, "account_id"));
  /* distinct whole numbers far apart are not an ID unless the name says so */
  g_assert_null (find (reg, KILN_TRAIN_CHECK_ID_COLUMN, "sparse"));
  g_assert_null (find (reg, KILN_TRAIN_CHECK_ID_COLUMN, "wave"));
  g_assert_null (find (reg, KILN_TRAIN_CHECK_ID_COLUMN, "small"));
  g_assert_nonnull (find (reg, KILN_TRAIN_CHECK_LEAK, "y_copy"));
  g_assert_null (find (reg, KILN_TRAIN_CHECK_LEAK, "wave"));
  g_assert_false (kiln_train_checks_has_errors (reg));

  dump (cls);
  /* a numeric code that maps one-to-one onto the classes is a leak */
  g_assert_nonnull (find (cls, KILN_TRAIN_CHECK_LEAK, "colour_code"));
  /* "small" (i % 7) and "grade" (i % 4) determine nothing one-to-one */
  g_assert_null (find (cls, KILN_TRAIN_CHECK_LEAK, "small"));
  g_assert_null (find (cls, KILN_TRAIN_CHECK_LEAK, "grade"));
  g_assert_null (find (cls, KILN_TRAIN_CHECK_LEAK, "wave"));

  /* only the features asked about */
  g_assert_nonnull (find (some, KILN_TRAIN_CHECK_LEAK, "colour_code"));
  g_assert_null (find (some, KILN_TRAIN_CHECK_ID_COLUMN, "customer_id"));
}

/* nsmc's rule: ratings 1-4 are negative, 9-10 positive. "rating" has several values per class,
 * but each value one class: it determines the label. */
static void
test_determines (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "reviews-ko.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_autoptr(GPtrArray) checks = NULL;
  const KilnTrainCheck *check;
  KilnColumn *columns[] = { numeric ("small", f_small_int), coded ("colour", s_class) };
  g_autoptr(KilnFrame) synthetic = frame_of (columns, G_N_ELEMENTS (columns));
  g_autoptr(GPtrArray) none = NULL;

  g_assert_no_error (error);
  checks = kiln_train_checks_run (frame, "sentiment", KILN_TASK_CLASSIFICATION, NULL, NULL);
  dump (checks);
  check = find (checks, KILN_TRAIN_CHECK_LEAK, "rating");
  g_assert_nonnull (check);
  g_assert_nonnull (strstr (check->message, "“rating” determines the target “sentiment”"));
  g_assert_null (find (checks, KILN_TRAIN_CHECK_LEAK, "review"));

  /* i % 7 against i % 3: values shared between classes, no leak */
  none = kiln_train_checks_run (synthetic, "colour", KILN_TASK_CLASSIFICATION, NULL, NULL);
  g_assert_null (find (none, KILN_TRAIN_CHECK_LEAK, "small"));
}

static void
test_no_features (void)
{
  KilnColumn *columns[] = { numeric ("flat", f_const), numeric ("empty", f_nan), coded ("same", s_const),
                            numeric ("y", f_target) };
  g_autoptr(KilnFrame) frame = frame_of (columns, G_N_ELEMENTS (columns));
  g_autoptr(GPtrArray) checks = kiln_train_checks_run (frame, "y", KILN_TASK_REGRESSION, NULL, NULL);
  const KilnTrainCheck *check;

  dump (checks);
  check = find (checks, KILN_TRAIN_CHECK_NO_FEATURES, NULL);
  g_assert_nonnull (check);
  g_assert_cmpint (check->severity, ==, KILN_TRAIN_CHECK_ERROR);
}

/* Views: the checks see the frame's rows, not the physical ones. */
static void
test_view (void)
{
  KilnColumn *columns[] = { numeric ("wave", f_wave), coded ("colour", s_class) };
  g_autoptr(KilnFrame) frame = frame_of (columns, G_N_ELEMENTS (columns));
  guint32 rows[N / 3 + 1];
  guint n = 0;
  g_autoptr(KilnFrame) view = NULL;
  g_autoptr(GPtrArray) checks = NULL;

  for (guint i = 0; i < N; i += 3)
    rows[n++] = i;   /* every row is "red" */
  view = kiln_frame_new_view (frame, rows, n);
  checks = kiln_train_checks_run (view, "colour", KILN_TASK_CLASSIFICATION, NULL, NULL);
  dump (checks);
  g_assert_nonnull (find (checks, KILN_TRAIN_CHECK_CONSTANT_TARGET, "colour"));
}

/* The shared data sets train as they are: no errors. */
static void
test_datasets (void)
{
  struct { const char *file, *target; KilnTask task; } sets[] = {
    { "iris.csv", "species", KILN_TASK_CLASSIFICATION },
    { "penguins.csv", "species", KILN_TASK_CLASSIFICATION },
    { "letter.csv", "lettr", KILN_TASK_CLASSIFICATION },
    { "diamonds.csv", "price", KILN_TASK_REGRESSION },
    { "diamonds.csv", "cut", KILN_TASK_CLASSIFICATION },
    { "digits.csv", "digit", KILN_TASK_CLASSIFICATION },
    { "pima_missing.csv", "diabetes", KILN_TASK_CLASSIFICATION },
    { "wa_churn.csv", "churn", KILN_TASK_CLASSIFICATION },
  };
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");

  g_assert_nonnull (dir);
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autofree char *path = g_build_filename (dir, sets[i].file, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
      g_autoptr(GPtrArray) checks = NULL;

      g_assert_no_error (error);
      checks = kiln_train_checks_run (frame, sets[i].target, sets[i].task, NULL, NULL);
      g_test_message ("%s / %s: %u checks", sets[i].file, sets[i].target, checks->len);
      dump (checks);
      g_assert_false (kiln_train_checks_has_errors (checks));
      g_assert_null (find (checks, KILN_TRAIN_CHECK_LEAK, NULL));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-checks/clean", test_clean);
  g_test_add_func ("/train-checks/target-errors", test_target_errors);
  g_test_add_func ("/train-checks/classes", test_classes);
  g_test_add_func ("/train-checks/ids-and-leaks", test_ids_and_leaks);
  g_test_add_func ("/train-checks/determines", test_determines);
  g_test_add_func ("/train-checks/no-features", test_no_features);
  g_test_add_func ("/train-checks/view", test_view);
  g_test_add_func ("/train-checks/datasets", test_datasets);
  return g_test_run ();
}
