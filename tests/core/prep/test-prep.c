/* test-prep.c: the recipe's steps on small hand-made frames, the recipe as a whole (target,
 * classes, data set, JSON round trip, fit on training rows only), and the splits, also over
 * every CSV of the shared datasets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-prep-settings.h"
#include "kiln-prep-private.h"
#include "kiln-recipe.h"
#include "kiln-rng.h"
#include "kiln-split.h"

/* ---- Helpers ------------------------------------------------------------------------------ */

static KilnColumn *
num_col (const char *name, const double *v, guint n)
{
  return kiln_column_new_numeric (name, g_memdup2 (v, sizeof (double) * MAX (n, 1)), n);
}

/* NULL entries are missing. */
static KilnColumn *
cat_col (const char *name, const char * const *v, guint n)
{
  GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
  gint32 *codes = g_new (gint32, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      codes[i] = -1;
      if (v[i] == NULL)
        continue;
      for (guint c = 0; c < cats->len; c++)
        if (strcmp (cats->pdata[c], v[i]) == 0)
          codes[i] = (gint32) c;
      if (codes[i] < 0)
        {
          g_ptr_array_add (cats, g_strdup (v[i]));
          codes[i] = (gint32) cats->len - 1;
        }
    }
  return kiln_column_new_coded (name, KILN_COLUMN_CATEGORICAL, codes, cats, n);
}

static KilnColumn *
bool_col (const char *name, const int *v, guint n)   /* -1 missing */
{
  guint8 *b = g_new0 (guint8, MAX (n, 1));
  guint64 *missing = g_new0 (guint64, (n + 63) / 64 + 1);

  for (guint i = 0; i < n; i++)
    {
      if (v[i] < 0)
        kiln_bitmap_set (missing, i);
      else
        b[i] = (guint8) v[i];
    }
  return kiln_column_new_boolean (name, b, missing, n);
}

/* Takes the columns. */
static KilnFrame *
frame_of (KilnColumn *first, ...)
{
  GPtrArray *cols = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  KilnFrame *frame;
  va_list ap;

  va_start (ap, first);
  for (KilnColumn *c = first; c != NULL; c = va_arg (ap, KilnColumn *))
    g_ptr_array_add (cols, c);
  va_end (ap);
  frame = kiln_frame_new ((KilnColumn **) cols->pdata, cols->len);
  g_ptr_array_unref (cols);
  return frame;
}

static double
cell (KilnFrame *frame, const char *column, guint row)
{
  int c = kiln_frame_find_column (frame, column);
  g_assert_cmpint (c, >=, 0);
  return kiln_frame_get_double (frame, (guint) c, row);
}

static KilnFrame *
run_steps (KilnFrame *frame, const char *target, KilnStep **steps, guint n, gboolean training,
           KilnRecipe **recipe_out, KilnPrepReport *report)
{
  g_autoptr(GError) error = NULL;
  KilnRecipe *recipe = kiln_recipe_new ();
  KilnFrame *out;

  if (target)
    kiln_recipe_set_target (recipe, target);
  for (guint i = 0; i < n; i++)
    kiln_recipe_add_step (recipe, steps[i]);
  g_assert_true (kiln_recipe_fit (recipe, frame, NULL, &error));
  g_assert_no_error (error);
  out = kiln_recipe_apply (recipe, frame, training, report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  if (recipe_out)
    *recipe_out = recipe;
  else
    kiln_recipe_unref (recipe);
  return out;
}

static char *
recipe_json_text (KilnRecipe *recipe)
{
  g_autoptr(JsonNode) node = kiln_recipe_to_json (recipe);
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

/* ---- Numbers ------------------------------------------------------------------------------ */

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* numpy.percentile(x, 100 q) with the default linear method, from a sorted copy */
static double
ref_quantile (const double *sorted, gsize n, double q)
{
  double pos = q * (double) (n - 1), t, a, b, d;
  gsize lo = (gsize) floor (pos);

  if (lo >= n - 1)
    return sorted[n - 1];
  t = pos - (double) lo;
  a = sorted[lo];
  b = sorted[lo + 1];
  d = b - a;
  if (t == 0)
    return a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

static void
test_quantiles (void)
{
  KilnRng rng;
  const gsize sizes[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 17, 100, 101, 1000, 4097, 20000,
                          65537, 70000, 250001 };

  kiln_rng_init (&rng, 7);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint ties = 0; ties < 4; ties++)
      {
        gsize n = sizes[s];
        g_autofree double *v = g_new (double, n);
        g_autofree double *sorted = NULL;
        g_autofree double *w = NULL;
        double q1, q3;

        for (gsize i = 0; i < n; i++)
          {
            double u = (double) (kiln_rng_next (&rng) >> 11) / 9007199254740992.0;
            /* spread out, few distinct values, two extremes, sign changes with -0 */
            v[i] = ties == 0 ? u * 1000 - 500 : ties == 1 ? floor (u * 5) :
                   ties == 2 ? (i % 2 ? 1e300 : -3.25) : (u < 0.3 ? -0.0 : floor (u * 40) - 20);
          }
        sorted = g_memdup2 (v, n * sizeof (double));
        qsort (sorted, n, sizeof (double), cmp_double);

        w = g_memdup2 (v, n * sizeof (double));
        _kiln_prep_quartiles (w, n, &q1, &q3);
        g_assert_cmpfloat (q1, ==, ref_quantile (sorted, n, 0.25));
        g_assert_cmpfloat (q3, ==, ref_quantile (sorted, n, 0.75));

        memcpy (w, v, n * sizeof (double));
        g_assert_cmpfloat (_kiln_prep_quantile (w, n, 0.9), ==, ref_quantile (sorted, n, 0.9));
        memcpy (w, v, n * sizeof (double));
        g_assert_cmpfloat (_kiln_prep_median (w, n), ==,
                           n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0);
      }
  g_assert_true (isnan (_kiln_prep_median (NULL, 0)));
}

static void
test_mode (void)
{
  double a[] = { 3, 1, 3, 1, 2, -0.0, 0.0 };
  double b[] = { 5, 5, 4 };

  /* 3 and 1 twice, 0 twice (-0 counts as 0): the smallest wins */
  g_assert_cmpfloat (_kiln_prep_mode_double (a, G_N_ELEMENTS (a)), ==, 0);
  g_assert_cmpfloat (_kiln_prep_mode_double (b, G_N_ELEMENTS (b)), ==, 5);
}

/* ---- Steps -------------------------------------------------------------------------------- */

static void
test_dedupe (void)
{
  const double x[] = { 1, NAN, 1, NAN, -0.0, 0.0, 2 };
  const char *c[] = { "a", "b", "a", "b", NULL, NULL, "a" };
  const int b[] = { 1, 0, 1, 0, -1, -1, 1 };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 7), cat_col ("c", c, 7),
                                         bool_col ("b", b, 7), NULL);
  g_autoptr(KilnPrepReport) report = kiln_prep_report_new ();
  KilnStep *steps[] = { kiln_step_new_dedupe () };
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(KilnFrame) test_out = NULL;
  g_autoptr(KilnRecipe) recipe = NULL;
  g_autoptr(GError) error = NULL;
  const guint32 view_rows[] = { 6, 0, 2 };
  g_autoptr(KilnFrame) view = kiln_frame_new_view (frame, view_rows, 3);

  g_assert_cmpuint (kiln_prep_count_duplicates (frame), ==, 3);
  g_assert_cmpuint (kiln_prep_count_duplicates (view), ==, 1);

  out = run_steps (frame, NULL, steps, 1, TRUE, &recipe, report);
  g_assert_cmpuint (kiln_frame_get_n_rows (out), ==, 4);
  /* the first of equal rows is kept, in order */
  g_assert_cmpfloat (cell (out, "x", 0), ==, 1);
  g_assert_true (isnan (cell (out, "x", 1)));
  g_assert_cmpfloat (cell (out, "x", 2), ==, 0);
  g_assert_true (signbit (cell (out, "x", 2)));
  g_assert_cmpfloat (cell (out, "x", 3), ==, 2);
  g_assert_cmpuint (report->entries->len, ==, 1);
  g_assert_cmpuint (((KilnPrepEntry *) report->entries->pdata[0])->count, ==, 3);
  g_assert_cmpuint (kiln_prep_report_total (report, KILN_STEP_DEDUPE, NULL), ==, 3);
  g_assert_nonnull (strstr (((KilnPrepEntry *) report->entries->pdata[0])->description, "3"));

  /* not training data: every row stays */
  test_out = kiln_recipe_apply (recipe, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_rows (test_out), ==, 7);
}

static void
test_dedupe_large (void)
{
  /* against a plain hash table of the rows' text */
  const guint n = 200000;
  double *x = g_new (double, n);
  gint32 *codes = g_new (gint32, n);
  GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  KilnRng rng;
  guint expect = 0;
  KilnColumn *cols[2];
  g_autoptr(KilnFrame) frame = NULL;

  kiln_rng_init (&rng, 3);
  for (guint c = 0; c < 50; c++)
    g_ptr_array_add (cats, g_strdup_printf ("k%u", c));
  for (guint i = 0; i < n; i++)
    {
      char *key;
      x[i] = kiln_rng_below (&rng, 10) == 0 ? NAN : (double) kiln_rng_below (&rng, 400);
      codes[i] = (gint32) kiln_rng_below (&rng, 51) - 1;
      key = g_strdup_printf ("%g|%d", x[i], codes[i]);
      if (g_hash_table_contains (seen, key))
        {
          expect++;
          g_free (key);
        }
      else
        g_hash_table_add (seen, key);
    }
  cols[0] = kiln_column_new_numeric ("x", x, n);
  cols[1] = kiln_column_new_coded ("c", KILN_COLUMN_CATEGORICAL, codes, cats, n);
  frame = kiln_frame_new (cols, 2);
  kiln_column_unref (cols[0]);
  kiln_column_unref (cols[1]);
  g_assert_cmpuint (expect, >, 1000);
  g_assert_cmpuint (kiln_prep_count_duplicates (frame), ==, expect);
}

static void
test_iqr (void)
{
  const double x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, NAN };
  const double y[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, -50 };
  /* a 0/1 indicator: its rarer value is no outlier, the rule leaves it alone */
  const double z[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 12), num_col ("y", y, 12), num_col ("z", z, 12), NULL);
  g_autoptr(KilnPrepReport) report = kiln_prep_report_new ();
  g_autoptr(KilnRecipe) recipe = NULL;
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(KilnFrame) kept = NULL;
  g_autoptr(KilnFrame) clipped = NULL;
  g_autoptr(GError) error = NULL;
  KilnStep *steps[] = { kiln_step_new_iqr (1.5, KILN_IQR_DROP, NULL) };
  KilnStep *clip[] = { kiln_step_new_iqr (1.5, KILN_IQR_CLIP, (const char *[]) { "x", NULL }) };
  KilnStep *step;
  double lo, hi, q1, q3;
  guint counts[3];

  /* x: 11 values, Q1 = 3.5, Q3 = 8.5, bounds -4 .. 16; y: all 1 but two, IQR 0; z: not checked */
  g_assert_cmpuint (kiln_prep_count_outliers (frame, 1.5, counts), ==, 3);
  g_assert_cmpuint (counts[0], ==, 1);
  g_assert_cmpuint (counts[1], ==, 2);
  g_assert_cmpuint (counts[2], ==, 0);

  out = run_steps (frame, NULL, steps, 1, TRUE, &recipe, report);
  step = kiln_recipe_get_step (recipe, 0);
  g_assert_cmpuint (kiln_step_get_n_columns (step), ==, 2);
  kiln_step_get_quartiles (step, 0, &q1, &q3);
  kiln_step_get_iqr_bounds (step, 0, &lo, &hi);
  g_assert_cmpfloat (q1, ==, 3.5);
  g_assert_cmpfloat (q3, ==, 8.5);
  g_assert_cmpfloat (lo, ==, -4);
  g_assert_cmpfloat (hi, ==, 16);
  /* rows 9 (y = 2), 10 (x = 100) and 11 (y = -50) go; NaN is never an outlier */
  g_assert_cmpuint (kiln_frame_get_n_rows (out), ==, 9);
  g_assert_cmpuint (kiln_prep_report_total (report, KILN_STEP_IQR, NULL), ==, 3);

  /* other frames keep their rows */
  kept = kiln_recipe_apply (recipe, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_rows (kept), ==, 12);

  clipped = run_steps (frame, NULL, clip, 1, FALSE, NULL, NULL);
  g_assert_cmpuint (kiln_frame_get_n_rows (clipped), ==, 12);
  g_assert_cmpfloat (cell (clipped, "x", 10), ==, 16);
  g_assert_cmpfloat (cell (clipped, "x", 9), ==, 10);
  g_assert_true (isnan (cell (clipped, "x", 11)));
  g_assert_cmpfloat (cell (clipped, "y", 11), ==, -50);   /* not a clipped column */
}

static void
test_impute (void)
{
  const double x[] = { 1, NAN, 3, 10, NAN };
  const char *c[] = { "b", "a", NULL, "b", "a" };
  const int b[] = { 1, -1, 1, 0, 1 };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 5), cat_col ("c", c, 5),
                                         bool_col ("b", b, 5), NULL);
  g_autoptr(KilnPrepReport) report = kiln_prep_report_new ();
  g_autoptr(KilnRecipe) recipe = NULL;
  g_autoptr(KilnRecipe) drop_recipe = NULL;
  g_autoptr(KilnFrame) med = NULL;
  g_autoptr(KilnFrame) mean = NULL;
  g_autoptr(KilnFrame) cst = NULL;
  g_autoptr(KilnFrame) dropped = NULL;
  g_autoptr(KilnFrame) filled = NULL;
  g_autoptr(GError) error = NULL;
  KilnStep *s_med[] = { kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL) };
  KilnStep *s_mean[] = { kiln_step_new_impute (KILN_IMPUTE_MEAN, (const char *[]) { "x", NULL }) };
  KilnStep *s_cst[] = { kiln_step_new_impute_constant (-1, "zz", NULL) };
  KilnStep *s_drop[] = { kiln_step_new_impute (KILN_IMPUTE_DROP, (const char *[]) { "x", NULL }) };
  KilnStep *step;
  int ci;

  med = run_steps (frame, NULL, s_med, 1, TRUE, &recipe, report);
  step = kiln_recipe_get_step (recipe, 0);
  g_assert_cmpuint (kiln_step_get_n_columns (step), ==, 3);
  g_assert_cmpfloat (kiln_step_get_impute_number (step, 0), ==, 3);    /* median of 1 3 10 */
  g_assert_cmpstr (kiln_step_get_impute_text (step, 1), ==, "a");      /* tie a/b: smallest */
  g_assert_cmpint (kiln_step_get_impute_column_strategy (step, 1), ==, KILN_IMPUTE_MODE);
  g_assert_cmpfloat (kiln_step_get_impute_number (step, 2), ==, 1);    /* median of 1 1 0 1 */
  g_assert_cmpfloat (cell (med, "x", 1), ==, 3);
  g_assert_cmpfloat (cell (med, "x", 4), ==, 3);
  ci = kiln_frame_find_column (med, "c");
  g_assert_cmpstr (kiln_frame_get_string (med, (guint) ci, 2), ==, "a");
  g_assert_cmpint (kiln_column_get_column_type (kiln_frame_get_column (med, 2)), ==,
                   KILN_COLUMN_BOOLEAN);
  g_assert_cmpuint (kiln_prep_report_total (report, KILN_STEP_IMPUTE, NULL), ==, 4);

  mean = run_steps (frame, NULL, s_mean, 1, TRUE, NULL, NULL);
  g_assert_cmpfloat (cell (mean, "x", 1), ==, 14.0 / 3);
  g_assert_true (kiln_frame_is_missing (mean, 1, 2));   /* c was not asked */

  cst = run_steps (frame, NULL, s_cst, 1, TRUE, NULL, NULL);
  g_assert_cmpfloat (cell (cst, "x", 4), ==, -1);
  g_assert_cmpstr (kiln_frame_get_string (cst, 1, 2), ==, "zz");
  /* -1 is not a boolean: the column becomes numeric */
  g_assert_cmpfloat (cell (cst, "b", 1), ==, -1);

  dropped = run_steps (frame, NULL, s_drop, 1, TRUE, &drop_recipe, NULL);
  g_assert_cmpuint (kiln_frame_get_n_rows (dropped), ==, 3);
  filled = kiln_recipe_apply (drop_recipe, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_rows (filled), ==, 5);
  g_assert_cmpfloat (cell (filled, "x", 1), ==, 3);
  g_assert_cmpint (kiln_prep_count_missing (frame, NULL), ==, 3);
}

static void
test_encode (void)
{
  const char *c[] = { "b", "a", NULL, "c", "a" };
  const char *c2[] = { "d", "a", NULL };
  const double x[] = { 1, 2, 3, 4, 5 };
  const double x2[] = { 1, 2, 3 };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 5), cat_col ("c", c, 5), NULL);
  g_autoptr(KilnFrame) other = frame_of (cat_col ("c", c2, 3), num_col ("x", x2, 3), NULL);
  g_autoptr(KilnRecipe) recipe = NULL;
  g_autoptr(KilnRecipe) ordinal = NULL;
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(KilnFrame) out2 = NULL;
  g_autoptr(KilnFrame) ord = NULL;
  g_autoptr(KilnFrame) ord2 = NULL;
  g_autoptr(KilnPrepReport) report = kiln_prep_report_new ();
  g_autoptr(GError) error = NULL;
  KilnStep *s1[] = { kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL) };
  KilnStep *s2[] = { kiln_step_new_encode (KILN_ENCODE_ORDINAL, NULL) };
  const char * const *names;
  guint n;

  out = run_steps (frame, NULL, s1, 1, TRUE, &recipe, NULL);
  g_assert_cmpuint (kiln_frame_get_n_columns (out), ==, 4);
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (out, 1)), ==, "c=a");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (out, 2)), ==, "c=b");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (out, 3)), ==, "c=c");
  g_assert_cmpfloat (cell (out, "c=b", 0), ==, 1);
  g_assert_cmpfloat (cell (out, "c=a", 0), ==, 0);
  g_assert_cmpfloat (cell (out, "c=a", 2) + cell (out, "c=b", 2) + cell (out, "c=c", 2), ==, 0);
  names = kiln_recipe_get_feature_names (recipe, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpstr (names[0], ==, "x");
  g_assert_cmpstr (names[3], ==, "c=c");

  /* the other frame: columns in another order, an unseen category */
  out2 = kiln_recipe_apply (recipe, other, FALSE, report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_columns (out2), ==, 4);
  g_assert_cmpfloat (cell (out2, "c=a", 0) + cell (out2, "c=b", 0) + cell (out2, "c=c", 0), ==, 0);
  g_assert_cmpfloat (cell (out2, "c=a", 1), ==, 1);
  g_assert_cmpuint (kiln_prep_report_total (report, KILN_STEP_ENCODE, NULL), ==, 1);

  ord = run_steps (frame, NULL, s2, 1, TRUE, &ordinal, NULL);
  g_assert_cmpfloat (cell (ord, "c", 0), ==, 1);
  g_assert_cmpfloat (cell (ord, "c", 3), ==, 2);
  g_assert_true (isnan (cell (ord, "c", 2)));
  ord2 = kiln_recipe_apply (ordinal, other, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (cell (ord2, "c", 0), ==, -1);
}

static void
test_encode_large (void)
{
  /* past the sizes where one-hot works by blocks of rows and prefaults its columns, on a view */
  const guint n = (1u << 20) + 12345;
  gint32 *codes = g_new (gint32, n);
  GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
  g_autofree guint32 *rows = g_new (guint32, n / 2);
  KilnColumn *col;
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnFrame) view = NULL;
  g_autoptr(KilnFrame) out = NULL;
  KilnStep *steps[] = { kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL) };
  KilnRng rng;
  const char *names[] = { "z", "rare", "a", "m" };

  kiln_rng_init (&rng, 5);
  for (guint c = 0; c < 4; c++)
    g_ptr_array_add (cats, g_strdup (names[c]));
  for (guint i = 0; i < n; i++)
    {
      guint64 u = kiln_rng_below (&rng, 10000);
      codes[i] = u == 0 ? 1 : u < 100 ? -1 : (gint32) (u % 3 == 0 ? 0 : u % 3 == 1 ? 2 : 3);
    }
  for (guint i = 0; i < n / 2; i++)
    rows[i] = n - 1 - 2 * i;
  col = kiln_column_new_coded ("c", KILN_COLUMN_CATEGORICAL, codes, cats, n);
  frame = kiln_frame_new (&col, 1);
  kiln_column_unref (col);
  view = kiln_frame_new_view (frame, rows, n / 2);
  out = run_steps (view, NULL, steps, 1, TRUE, NULL, NULL);
  g_assert_cmpuint (kiln_frame_get_n_columns (out), ==, 4);
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (out, 0)), ==, "c=a");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (out, 3)), ==, "c=z");
  for (guint i = 0; i < n / 2; i++)
    {
      const char *want = kiln_frame_get_string (view, 0, i);
      for (guint c = 0; c < 4; c++)
        {
          const char *cname = kiln_column_get_name (kiln_frame_get_column (out, c)) + 2;
          double v = kiln_frame_get_double (out, c, i);
          g_assert_cmpfloat (v, ==, want && strcmp (want, cname) == 0 ? 1 : 0);
        }
    }
}

static void
test_scale (void)
{
  const double x[] = { 1, 2, 3, 4, NAN };
  const double k[] = { 7, 7, 7, 7, 7 };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 5), num_col ("k", k, 5), NULL);
  g_autoptr(KilnRecipe) recipe = NULL;
  g_autoptr(KilnFrame) std = NULL;
  g_autoptr(KilnFrame) mm = NULL;
  KilnStep *s1[] = { kiln_step_new_scale (KILN_SCALE_STANDARD, NULL) };
  KilnStep *s2[] = { kiln_step_new_scale (KILN_SCALE_MINMAX, NULL) };
  double offset, scale;

  std = run_steps (frame, NULL, s1, 1, TRUE, &recipe, NULL);
  kiln_step_get_scale_params (kiln_recipe_get_step (recipe, 0), 0, &offset, &scale);
  g_assert_cmpfloat (offset, ==, 2.5);
  g_assert_cmpfloat_with_epsilon (scale, sqrt (1.25), 1e-15);
  g_assert_cmpfloat_with_epsilon (cell (std, "x", 0), -1.5 / sqrt (1.25), 1e-15);
  g_assert_true (isnan (cell (std, "x", 4)));
  kiln_step_get_scale_params (kiln_recipe_get_step (recipe, 0), 1, &offset, &scale);
  g_assert_cmpfloat (scale, ==, 1);   /* constant column */
  g_assert_cmpfloat (cell (std, "k", 0), ==, 0);

  mm = run_steps (frame, NULL, s2, 1, TRUE, NULL, NULL);
  g_assert_cmpfloat (cell (mm, "x", 0), ==, 0);
  g_assert_cmpfloat (cell (mm, "x", 3), ==, 1);
  g_assert_cmpfloat_with_epsilon (cell (mm, "x", 1), 1.0 / 3, 1e-15);
}

/* ---- Recipe ------------------------------------------------------------------------------- */

static void
test_target (void)
{
  const char *y[] = { "no", "yes", NULL, "no", "yes", "maybe" };
  const double x[] = { 1, 2, 3, 4, 5, 6 };
  const double yn[] = { 10, 2, 2, NAN, 10, 2 };
  g_autoptr(KilnFrame) frame = frame_of (cat_col ("y", y, 6), num_col ("x", x, 6),
                                         num_col ("n", yn, 6), NULL);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnRecipe) reg = kiln_recipe_new ();
  g_autoptr(KilnRecipe) numcls = kiln_recipe_new ();
  g_autoptr(KilnPrepReport) report = kiln_prep_report_new ();
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(KilnFrame) rout = NULL;
  g_autoptr(KilnFrame) nout = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnDataset) x_only = NULL;
  KilnDataset *ds = NULL;
  const char * const *classes;
  const KilnRecipeColumn *inputs;
  guint n;

  kiln_recipe_set_target (recipe, "y");
  kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
  out = kiln_recipe_fit_apply (recipe, frame, report, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kiln_recipe_get_task (recipe), ==, KILN_TASK_CLASSIFICATION);
  /* the row without a target goes; the target is last and unchanged */
  g_assert_cmpuint (kiln_frame_get_n_rows (out), ==, 5);
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (out, 2)), ==, "y");
  g_assert_cmpstr (kiln_frame_get_string (out, 2, 2), ==, "no");
  g_assert_cmpuint (((KilnPrepEntry *) report->entries->pdata[0])->kind, ==, KILN_STEP_TARGET);
  classes = kiln_recipe_get_classes (recipe, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (classes[0], ==, "maybe");
  g_assert_cmpstr (classes[1], ==, "no");
  g_assert_cmpstr (classes[2], ==, "yes");
  inputs = kiln_recipe_get_input_columns (recipe, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (inputs[0].name, ==, "x");
  g_assert_cmpint (inputs[1].type, ==, KILN_COLUMN_NUMERIC);

  g_assert_true (kiln_recipe_to_dataset (recipe, out, &ds, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n_rows, ==, 5);
  g_assert_cmpuint (ds->n_features, ==, 2);
  g_assert_cmpuint (ds->n_classes, ==, 3);
  g_assert_cmpint (ds->y_class[0], ==, 1);
  g_assert_cmpint (ds->y_class[4], ==, 0);
  g_assert_cmpfloat_with_epsilon (ds->x[0], (float) ((1 - 3.6) / sqrt (3.44)), 1e-6);
  g_free (ds->x);
  g_free (ds->y_class);
  g_free (ds);

  x_only = kiln_recipe_to_features (recipe, out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (x_only->n_rows, ==, 5);
  g_assert_cmpuint (x_only->n_features, ==, 2);
  g_assert_false (kiln_dataset_has_target (x_only));

  kiln_recipe_set_target (reg, "n");
  rout = kiln_recipe_fit_apply (reg, frame, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kiln_recipe_get_task (reg), ==, KILN_TASK_REGRESSION);
  g_assert_cmpuint (kiln_frame_get_n_rows (rout), ==, 5);
  /* "y" is categorical and not encoded: kept, not a feature */
  g_assert_cmpuint (kiln_frame_get_n_columns (rout), ==, 3);
  kiln_recipe_get_feature_names (reg, &n);
  g_assert_cmpuint (n, ==, 1);

  /* a numeric target classified: classes in numeric order */
  kiln_recipe_set_target (numcls, "n");
  kiln_recipe_set_task (numcls, KILN_TASK_CLASSIFICATION);
  nout = kiln_recipe_fit_apply (numcls, frame, NULL, &error);
  g_assert_no_error (error);
  classes = kiln_recipe_get_classes (numcls, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (classes[0], ==, "2");
  g_assert_cmpstr (classes[1], ==, "10");
  g_assert_true (kiln_recipe_to_dataset (numcls, nout, &ds, &error));
  g_assert_cmpint (ds->y_class[0], ==, 1);
  g_free (ds->x);
  g_free (ds->y_class);
  g_free (ds);
}

static void
test_unseen_class (void)
{
  const char *y[] = { "a", "b", "a" };
  const char *y2[] = { "a", "c" };
  const double x[] = { 1, 2, 3 };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 3), cat_col ("y", y, 3), NULL);
  g_autoptr(KilnFrame) other = frame_of (num_col ("x", x, 2), cat_col ("y", y2, 2), NULL);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(GError) error = NULL;
  KilnDataset *ds = NULL;

  kiln_recipe_set_target (recipe, "y");
  g_assert_true (kiln_recipe_fit (recipe, frame, NULL, &error));
  out = kiln_recipe_apply (recipe, other, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (kiln_recipe_to_dataset (recipe, out, &ds, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_UNSEEN_CLASS);
  g_assert_null (ds);
}

static void
test_errors (void)
{
  const double x[] = { 1, NAN, 3 };
  const char *c[] = { "a", "b", "a" };
  const char *cx[] = { "1.5", "abc", NULL };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 3), cat_col ("c", c, 3), NULL);
  g_autoptr(KilnFrame) text_x = frame_of (cat_col ("x", cx, 3), cat_col ("c", c, 3), NULL);
  g_autoptr(KilnFrame) no_x = frame_of (cat_col ("c", c, 3), NULL);
  g_autoptr(KilnRecipe) r = NULL;
  g_autoptr(KilnRecipe) fitted = kiln_recipe_new ();
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(GError) error = NULL;
  KilnDataset *ds = NULL;

  /* a step naming a column that is not there */
  r = kiln_recipe_new ();
  kiln_recipe_add_step (r, kiln_step_new_scale (KILN_SCALE_STANDARD, (const char *[]) { "nope", NULL }));
  g_assert_false (kiln_recipe_fit (r, frame, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN);
  g_clear_error (&error);
  g_assert_false (kiln_recipe_is_fitted (r));
  g_clear_pointer (&r, kiln_recipe_unref);

  /* scaling a categorical column */
  r = kiln_recipe_new ();
  kiln_recipe_add_step (r, kiln_step_new_scale (KILN_SCALE_STANDARD, (const char *[]) { "c", NULL }));
  g_assert_false (kiln_recipe_fit (r, frame, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE);
  g_clear_error (&error);
  g_clear_pointer (&r, kiln_recipe_unref);

  /* regression on a categorical target, a missing target */
  r = kiln_recipe_new ();
  kiln_recipe_set_target (r, "c");
  kiln_recipe_set_task (r, KILN_TASK_REGRESSION);
  g_assert_false (kiln_recipe_fit (r, frame, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET);
  g_clear_error (&error);
  g_clear_pointer (&r, kiln_recipe_unref);
  r = kiln_recipe_new ();
  kiln_recipe_set_target (r, "nope");
  g_assert_false (kiln_recipe_fit (r, frame, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET);
  g_clear_error (&error);

  /* apply before fit */
  g_assert_null (kiln_recipe_apply (r, frame, FALSE, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE);
  g_clear_error (&error);

  /* fit twice */
  kiln_recipe_add_step (fitted, kiln_step_new_impute (KILN_IMPUTE_MEAN, NULL));
  g_assert_true (kiln_recipe_fit (fitted, frame, NULL, &error));
  g_assert_false (kiln_recipe_fit (fitted, frame, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE);
  g_clear_error (&error);

  /* new data: a numeric column as text that does not parse; a needed column missing */
  g_assert_null (kiln_recipe_apply (fitted, text_x, FALSE, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE);
  g_assert_nonnull (strstr (error->message, "abc"));
  g_clear_error (&error);
  g_assert_null (kiln_recipe_apply (fitted, no_x, FALSE, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN);
  g_clear_error (&error);

  /* missing values left in a feature */
  g_clear_pointer (&r, kiln_recipe_unref);
  r = kiln_recipe_new ();
  kiln_recipe_set_target (r, "c");
  g_assert_true (kiln_recipe_fit (r, frame, NULL, &error));
  out = kiln_recipe_apply (r, frame, TRUE, NULL, &error);
  g_assert_false (kiln_recipe_to_dataset (r, out, &ds, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_MISSING);
}

static void
test_coerce (void)
{
  const double x[] = { 1, 2, 3, 4 };
  const char *c[] = { "a", "b", "a", "b" };
  const char *cx[] = { "1.5", "4", NULL };
  const double cn[] = { 1, 2, 3 };
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", x, 4), cat_col ("c", c, 4), NULL);
  g_autoptr(KilnFrame) other = frame_of (num_col ("c", cn, 3), cat_col ("x", cx, 3),
                                         num_col ("extra", cn, 3), NULL);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(GError) error = NULL;

  kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
  g_assert_true (kiln_recipe_fit (recipe, frame, NULL, &error));
  out = kiln_recipe_apply (recipe, other, FALSE, NULL, &error);
  g_assert_no_error (error);
  /* the training frame's columns, in its order; the extra column is left out */
  g_assert_cmpuint (kiln_frame_get_n_columns (out), ==, 3);
  g_assert_cmpfloat (cell (out, "x", 0), ==, 1.5);
  g_assert_cmpfloat (cell (out, "x", 2), ==, 2.5);   /* median of 1..4 */
  /* numbers where categories were: compared as text, none is a known category */
  g_assert_cmpfloat (cell (out, "c=a", 0) + cell (out, "c=b", 0), ==, 0);
}

static void
test_json_roundtrip (void)
{
  const guint n = 500;
  double *a = g_new (double, n), *b = g_new (double, n);
  const char **c = g_new0 (const char *, n);
  const char *labels[] = { "x", "y", "한국어", "z \"q\"" };
  KilnColumn *cols[4];
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnRecipe) back = NULL;
  g_autoptr(KilnRecipe) unfitted = NULL;
  g_autoptr(KilnRecipe) unfitted_back = NULL;
  g_autoptr(KilnFrame) out1 = NULL;
  g_autoptr(KilnFrame) out2 = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text1 = NULL;
  g_autofree char *text2 = NULL;
  g_autofree char *text3 = NULL;
  g_autofree char *text4 = NULL;
  KilnRng rng;

  kiln_rng_init (&rng, 11);
  for (guint i = 0; i < n; i++)
    {
      /* doubles with all their bits: 17 digits are needed to get them back */
      a[i] = ((double) (kiln_rng_next (&rng) >> 11) / 9007199254740992.0 - 0.3) * 1e-3;
      b[i] = i % 17 == 0 ? NAN : (double) kiln_rng_below (&rng, 1000) / 7.0;
      c[i] = i % 13 == 0 ? NULL : labels[kiln_rng_below (&rng, 4)];
    }
  cols[0] = kiln_column_new_numeric ("a", a, n);
  cols[1] = kiln_column_new_numeric ("b", b, n);
  cols[2] = cat_col ("c", c, n);
  cols[3] = cat_col ("target", (const char *[]) { "p", "q" }, 2);
  g_clear_pointer (&cols[3], kiln_column_unref);
  {
    const char **t = g_new (const char *, n);
    for (guint i = 0; i < n; i++)
      t[i] = i % 3 ? "p" : "q";
    cols[3] = cat_col ("target", t, n);
    g_free (t);
  }
  frame = kiln_frame_new (cols, 4);
  for (guint i = 0; i < 4; i++)
    kiln_column_unref (cols[i]);
  g_free (c);

  kiln_recipe_set_target (recipe, "target");
  kiln_recipe_add_step (recipe, kiln_step_new_dedupe ());
  kiln_recipe_add_step (recipe, kiln_step_new_iqr (1.5, KILN_IQR_CLIP, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEAN, (const char *[]) { "b", NULL }));
  kiln_recipe_add_step (recipe, kiln_step_new_impute_constant (0.1, "zz", NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
  unfitted = kiln_recipe_copy_unfitted (recipe, G_MAXUINT);
  g_assert_true (kiln_recipe_fit (recipe, frame, NULL, &error));
  g_assert_no_error (error);

  text1 = recipe_json_text (recipe);
  parsed = json_from_string (text1, &error);
  g_assert_no_error (error);
  back = kiln_recipe_from_json (parsed, &error);
  g_assert_no_error (error);
  text2 = recipe_json_text (back);
  g_assert_cmpstr (text1, ==, text2);

  /* the same recipe: the same output, bit for bit */
  out1 = kiln_recipe_apply (recipe, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  out2 = kiln_recipe_apply (back, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_columns (out1), ==, kiln_frame_get_n_columns (out2));
  for (guint col = 0; col + 1 < kiln_frame_get_n_columns (out1); col++)
    for (guint r = 0; r < kiln_frame_get_n_rows (out1); r++)
      {
        double v1 = kiln_frame_get_double (out1, col, r), v2 = kiln_frame_get_double (out2, col, r);
        g_assert_cmpmem (&v1, sizeof v1, &v2, sizeof v2);
      }
  {
    /* and every fitted double is bit-identical */
    KilnStep *s1 = kiln_recipe_get_step (recipe, 5), *s2 = kiln_recipe_get_step (back, 5);
    for (guint i = 0; i < kiln_step_get_n_columns (s1); i++)
      {
        double o1, c1, o2, c2;
        kiln_step_get_scale_params (s1, i, &o1, &c1);
        kiln_step_get_scale_params (s2, i, &o2, &c2);
        g_assert_cmpmem (&o1, sizeof o1, &o2, sizeof o2);
        g_assert_cmpmem (&c1, sizeof c1, &c2, sizeof c2);
      }
  }

  /* an unfitted recipe round-trips too, and fits like the original */
  node = kiln_recipe_to_json (unfitted);
  unfitted_back = kiln_recipe_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_recipe_fit (unfitted_back, frame, NULL, &error));
  text3 = recipe_json_text (unfitted_back);
  g_assert_cmpstr (text1, ==, text3);

  /* damaged and newer recipes are refused */
  g_clear_pointer (&parsed, json_node_unref);
  text4 = g_strdup ("{\"format\": 99, \"steps\": []}");
  parsed = json_from_string (text4, NULL);
  g_assert_null (kiln_recipe_from_json (parsed, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT);
  g_clear_error (&error);
  g_clear_pointer (&parsed, json_node_unref);
  parsed = json_from_string ("{\"format\": 1, \"fitted\": true, \"task\": \"regression\", "
                             "\"task_set\": false, \"steps\": [{\"kind\": \"scale\", "
                             "\"columns\": null, \"scaling\": \"standard\", \"fitted\": "
                             "{\"columns\": [\"a\"], \"offset\": [1, 2], \"scale\": [1]}}]}", NULL);
  g_assert_null (kiln_recipe_from_json (parsed, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT);
}

static void
test_json_doubles (void)
{
  /* the awkward doubles: non-finite, -0, subnormal, large integers, extremes */
  const double special[] = { NAN, INFINITY, -INFINITY, -0.0, 0.0, 5e-324, 1e300, 0.1,
                             12345678901234567.0, 9007199254740993.0, -1.7976931348623157e308,
                             2.2250738585072014e-308, 1.0 / 3 };
  KilnStep *step = kiln_step_new_scale (KILN_SCALE_STANDARD, (const char *[]) { "a", NULL });
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnRecipe) back = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n = G_N_ELEMENTS (special);
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (names, g_strdup_printf ("c%u", i));
  _kiln_step_set_columns (step, names);
  step->offset = g_memdup2 (special, sizeof special);
  step->scale = g_memdup2 (special, sizeof special);
  step->fitted = TRUE;
  kiln_recipe_add_step (recipe, step);
  recipe->fitted = TRUE;
  recipe->features = g_new0 (char *, 1);

  text = recipe_json_text (recipe);
  parsed = json_from_string (text, &error);
  g_assert_no_error (error);
  back = kiln_recipe_from_json (parsed, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      double o, s;
      kiln_step_get_scale_params (kiln_recipe_get_step (back, 0), i, &o, &s);
      if (isnan (special[i]))
        g_assert_true (isnan (o));
      else
        g_assert_cmpmem (&o, sizeof o, &special[i], sizeof special[i]);
    }
}

static void
test_fit_on_train_only (void)
{
  /* two frames that differ only in the rows outside the training split fit the same recipe */
  const guint n = 300;
  double *a1 = g_new (double, n), *a2 = g_new (double, n);
  const char **c1 = g_new (const char *, n), **c2 = g_new (const char *, n);
  KilnColumn *cols1[2], *cols2[2];
  g_autoptr(KilnFrame) f1 = NULL;
  g_autoptr(KilnFrame) f2 = NULL;
  g_autoptr(GArray) train = NULL;
  g_autoptr(GArray) test = NULL;
  g_autoptr(KilnFrame) t1 = NULL;
  g_autoptr(KilnFrame) t2 = NULL;
  g_autoptr(KilnRecipe) r1 = kiln_recipe_new ();
  g_autoptr(KilnRecipe) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *j1 = NULL;
  g_autofree char *j2 = NULL;
  g_autofree guint8 *in_test = g_new0 (guint8, n);
  KilnSplitFractions fr = { 0.7, 0, 0.3 };

  for (guint i = 0; i < n; i++)
    {
      a1[i] = a2[i] = i % 11 == 0 ? NAN : (double) (i * 7 % 50);
      c1[i] = c2[i] = i % 3 ? "u" : "v";
    }
  cols1[0] = kiln_column_new_numeric ("a", a1, n);
  cols1[1] = cat_col ("c", c1, n);
  f1 = kiln_frame_new (cols1, 2);
  g_assert_true (kiln_split_train_val_test (f1, -1, &fr, FALSE, 5, &train, NULL, &test, &error));
  for (guint i = 0; i < test->len; i++)
    {
      guint r = g_array_index (test, guint32, i);
      in_test[r] = 1;
      a2[r] = 1e6 + r;
      c2[r] = "unseen";
    }
  cols2[0] = kiln_column_new_numeric ("a", a2, n);
  cols2[1] = cat_col ("c", c2, n);
  f2 = kiln_frame_new (cols2, 2);
  for (guint i = 0; i < 2; i++)
    {
      kiln_column_unref (cols1[i]);
      kiln_column_unref (cols2[i]);
    }
  g_free (c1);
  g_free (c2);

  kiln_recipe_add_step (r1, kiln_step_new_dedupe ());
  kiln_recipe_add_step (r1, kiln_step_new_iqr (1.5, KILN_IQR_DROP, NULL));
  kiln_recipe_add_step (r1, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
  kiln_recipe_add_step (r1, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
  kiln_recipe_add_step (r1, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
  r2 = kiln_recipe_copy_unfitted (r1, G_MAXUINT);
  t1 = kiln_frame_new_view (f1, (guint32 *) train->data, train->len);
  t2 = kiln_frame_new_view (f2, (guint32 *) train->data, train->len);
  g_assert_true (kiln_recipe_fit (r1, t1, NULL, &error));
  g_assert_true (kiln_recipe_fit (r2, t2, NULL, &error));
  j1 = recipe_json_text (r1);
  j2 = recipe_json_text (r2);
  g_assert_cmpstr (j1, ==, j2);
  g_assert_null (strstr (j1, "unseen"));
}

static void
test_empty (void)
{
  /* no rows at all: every step copes, nothing is learnt */
  g_autoptr(KilnFrame) frame = frame_of (num_col ("x", NULL, 0), cat_col ("c", NULL, 0),
                                         cat_col ("y", NULL, 0), NULL);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) out = NULL;
  g_autoptr(KilnFrame) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  KilnDataset *ds = NULL;

  kiln_recipe_set_target (recipe, "y");
  kiln_recipe_add_step (recipe, kiln_step_new_dedupe ());
  kiln_recipe_add_step (recipe, kiln_step_new_iqr (1.5, KILN_IQR_DROP, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
  out = kiln_recipe_fit_apply (recipe, frame, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_rows (out), ==, 0);
  again = kiln_recipe_apply (recipe, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  text = recipe_json_text (recipe);
  g_assert_nonnull (text);
  g_assert_true (kiln_recipe_to_dataset (recipe, out, &ds, &error));
  g_assert_cmpuint (ds->n_rows, ==, 0);
  g_free (ds->x);
  g_free (ds->y_class);
  g_free (ds);
  g_assert_cmpuint (kiln_prep_count_duplicates (frame), ==, 0);
  g_assert_cmpuint (kiln_prep_count_outliers (frame, 1.5, NULL), ==, 0);
}

/* ---- Splits ------------------------------------------------------------------------------- */

static void
check_stratified (KilnFrame *frame, int target, const KilnSplitFractions *fr, guint64 seed)
{
  g_autoptr(GArray) tr = NULL;
  g_autoptr(GArray) va = NULL;
  g_autoptr(GArray) te = NULL;
  g_autoptr(GArray) tr2 = NULL;
  g_autoptr(GArray) te2 = NULL;
  g_autoptr(GArray) tr3 = NULL;
  g_autoptr(GError) error = NULL;
  GArray *parts[3];
  double f[3] = { fr->train, fr->validation, fr->test };
  double sum = f[0] + f[1] + f[2];
  guint n = kiln_frame_get_n_rows (frame);
  g_autofree guint8 *seen = g_new0 (guint8, MAX (n, 1));
  g_autoptr(GHashTable) totals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  KilnColumn *col = kiln_frame_get_column (frame, (guint) target);
  guint with_target = 0, sizes[3];

  g_assert_true (kiln_split_train_val_test (frame, target, fr, TRUE, seed, &tr, &va, &te, &error));
  g_assert_no_error (error);
  parts[0] = tr;
  parts[1] = va;
  parts[2] = te;

  for (guint r = 0; r < n; r++)
    {
      g_autofree char *key = kiln_frame_format_cell (frame, (guint) target, r);
      guint *cnt;
      if (key == NULL)
        continue;
      with_target++;
      cnt = g_hash_table_lookup (totals, key);
      if (cnt == NULL)
        {
          cnt = g_new0 (guint, 4);
          g_hash_table_insert (totals, g_strdup (key), cnt);
        }
      cnt[3]++;
    }
  for (guint p = 0; p < 3; p++)
    for (guint i = 0; i < parts[p]->len; i++)
      {
        guint32 r = g_array_index (parts[p], guint32, i);
        g_autofree char *key = kiln_frame_format_cell (frame, (guint) target, r);
        g_assert_cmpuint (r, <, n);
        g_assert_false (seen[r]);     /* disjoint */
        seen[r] = 1;
        g_assert_nonnull (key);       /* no row without a target */
        if (i > 0)
          g_assert_cmpuint (r, >, g_array_index (parts[p], guint32, i - 1));
        ((guint *) g_hash_table_lookup (totals, key))[p]++;
      }
  g_assert_cmpuint (tr->len + va->len + te->len, ==, with_target);   /* complete */
  kiln_split_sizes (with_target, fr, &sizes[0], &sizes[1], &sizes[2]);
  g_assert_cmpuint (tr->len, ==, sizes[0]);
  g_assert_cmpuint (te->len, ==, sizes[2]);

  /* each class's share in each part within one row of exact */
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, totals);
    while (g_hash_table_iter_next (&it, &k, &v))
      {
        guint *cnt = v;
        for (guint p = 0; p < 3; p++)
          {
            double exact = cnt[3] * f[p] / sum;
            if (fabs (cnt[p] - exact) > 1 + 1e-9)
              g_error ("%s: class %s has %u rows in part %u, exact share %.3f",
                       kiln_column_get_name (col), (char *) k, cnt[p], p, exact);
          }
      }
  }

  /* the same seed: the same split; another seed: another */
  g_assert_true (kiln_split_train_val_test (frame, target, fr, TRUE, seed, &tr2, NULL, &te2, &error));
  g_assert_cmpmem (tr->data, tr->len * 4, tr2->data, tr2->len * 4);
  g_assert_cmpmem (te->data, te->len * 4, te2->data, te2->len * 4);
  g_assert_true (kiln_split_train_val_test (frame, target, fr, TRUE, seed + 1, &tr3, NULL, NULL, &error));
  if (tr->len > 20 && te->len > 20)
    g_assert_true (tr3->len != tr->len || memcmp (tr->data, tr3->data, tr->len * 4) != 0);
}

static void
test_split_small (void)
{
  const char *y[] = { "a", "a", "a", "b", "b", NULL, "c", "a", "b", "a", "a", "c", "a" };
  g_autoptr(KilnFrame) frame = frame_of (cat_col ("y", y, 13), NULL);
  KilnSplitFractions fr = { 0.8, 0, 0.2 };
  KilnSplitFractions f3 = { 0.6, 0.2, 0.2 };
  KilnSplitFractions parsed;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) tr = NULL;
  g_autoptr(GArray) te = NULL;
  g_autoptr(GPtrArray) folds = NULL;
  guint a, b, c;

  check_stratified (frame, 0, &fr, 1);
  check_stratified (frame, 0, &f3, 2);

  /* unstratified, without a target: every row */
  g_assert_true (kiln_split_train_val_test (frame, -1, &fr, FALSE, 1, &tr, NULL, &te, &error));
  g_assert_cmpuint (tr->len + te->len, ==, 13);
  g_assert_cmpuint (te->len, ==, 3);   /* 2.6 rounds up */

  kiln_split_sizes (10, &(KilnSplitFractions) { 0.75, 0, 0.25 }, &a, &b, &c);
  g_assert_cmpuint (a, ==, 7);
  g_assert_cmpuint (c, ==, 3);
  kiln_split_sizes (150, &fr, &a, &b, &c);
  g_assert_cmpuint (a, ==, 120);
  g_assert_cmpuint (c, ==, 30);

  g_assert_true (kiln_split_parse_fractions ("0.8:0:0.2", &parsed, &error));
  g_assert_cmpfloat (parsed.train, ==, 0.8);
  g_assert_true (kiln_split_parse_fractions ("80:20", &parsed, &error));
  g_assert_cmpfloat_with_epsilon (parsed.test, 0.2, 1e-15);
  g_assert_true (kiln_split_parse_fractions ("70:15:15", &parsed, &error));
  g_assert_cmpfloat_with_epsilon (parsed.validation, 0.15, 1e-15);
  g_assert_false (kiln_split_parse_fractions ("a:b", &parsed, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS);
  g_clear_error (&error);
  g_assert_false (kiln_split_parse_fractions ("0.5:-1", &parsed, &error));
  g_clear_error (&error);
  g_assert_false (kiln_split_train_val_test (frame, -1, &fr, TRUE, 1, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET);
  g_clear_error (&error);

  /* k folds: disjoint, complete, sizes within one */
  folds = kiln_split_kfold (frame, 0, 3, TRUE, 9, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folds->len, ==, 3);
  {
    guint total = 0;
    for (guint i = 0; i < 3; i++)
      {
        GArray *fold = folds->pdata[i];
        g_autoptr(GArray) rest = kiln_split_complement (13, fold);
        total += fold->len;
        g_assert_cmpuint (fold->len, >=, 4);
        g_assert_cmpuint (fold->len, <=, 4);
        g_assert_cmpuint (rest->len, ==, 13 - fold->len);
      }
    g_assert_cmpuint (total, ==, 12);
  }
  g_assert_null (kiln_split_kfold (frame, 0, 1, TRUE, 9, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS);
}

static void
test_rng (void)
{
  KilnRng a, b;
  guint counts[3] = { 0, 0, 0 };

  kiln_rng_init (&a, 42);
  kiln_rng_init (&b, 42);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (kiln_rng_next (&a), ==, kiln_rng_next (&b));
  /* the first output for seed 42 is fixed forever (the splits depend on it) */
  kiln_rng_init (&a, 0);
  g_assert_cmpuint (kiln_rng_next (&a), ==, G_GUINT64_CONSTANT (0x99ec5f36cb75f2b4));
  for (guint i = 0; i < 30000; i++)
    counts[kiln_rng_below (&a, 3)]++;
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (counts[i], >, 9500);
}

/* ---- Datasets ----------------------------------------------------------------------------- */

static GPtrArray *
dataset_files (void)
{
  const char *dir = g_getenv ("KILN_SHARED_DATASETS");
  g_autoptr(GDir) d = NULL;
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL || (d = g_dir_open (dir, 0, NULL)) == NULL)
    return files;
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".csv"))
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  return files;
}

/* The first categorical column, else the last column. */
static int
pick_target (KilnFrame *frame)
{
  for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
    if (kiln_column_get_column_type (kiln_frame_get_column (frame, c)) == KILN_COLUMN_CATEGORICAL)
      return (int) c;
  return (int) kiln_frame_get_n_columns (frame) - 1;
}

static void
test_datasets (void)
{
  g_autoptr(GPtrArray) files = dataset_files ();

  if (files->len == 0)
    {
      g_test_skip ("no CSV in KILN_SHARED_DATASETS");
      return;
    }
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KilnFrame) frame = kiln_csv_read (files->pdata[i], NULL, NULL, NULL, NULL, NULL, &error);
      g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
      g_autoptr(KilnRecipe) again = NULL;
      g_autoptr(GArray) tr = NULL;
      g_autoptr(GArray) te = NULL;
      g_autoptr(KilnFrame) train = NULL;
      g_autoptr(KilnFrame) test = NULL;
      g_autoptr(KilnFrame) prepared = NULL;
      g_autoptr(KilnFrame) test_prepared = NULL;
      g_autoptr(KilnFrame) altered = NULL;
      g_autoptr(KilnFrame) altered_train = NULL;
      g_autoptr(KilnPrepReport) report = kiln_prep_report_new ();
      g_autofree char *j1 = NULL;
      g_autofree char *j2 = NULL;
      KilnSplitFractions fr = { 0.8, 0, 0.2 };
      KilnSplitFractions f3 = { 0.7, 0.15, 0.15 };
      KilnDataset *ds = NULL;
      int target;
      GPtrArray *alt_cols;

      g_assert_no_error (error);
      target = pick_target (frame);
      g_test_message ("%s: target %s", (char *) files->pdata[i],
                      kiln_column_get_name (kiln_frame_get_column (frame, (guint) target)));
      check_stratified (frame, target, &fr, 42);
      check_stratified (frame, target, &f3, 7);

      /* the full recipe, fitted on the training split */
      g_assert_true (kiln_split_train_val_test (frame, target, &fr, TRUE, 42, &tr, NULL, &te, &error));
      train = kiln_frame_new_view (frame, (guint32 *) tr->data, tr->len);
      test = kiln_frame_new_view (frame, (guint32 *) te->data, te->len);
      kiln_recipe_set_target (recipe, kiln_column_get_name (kiln_frame_get_column (frame, (guint) target)));
      kiln_recipe_set_task (recipe, KILN_TASK_CLASSIFICATION);
      kiln_recipe_add_step (recipe, kiln_step_new_dedupe ());
      kiln_recipe_add_step (recipe, kiln_step_new_iqr (1.5, KILN_IQR_CLIP, NULL));
      kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
      kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
      kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
      again = kiln_recipe_copy_unfitted (recipe, G_MAXUINT);
      prepared = kiln_recipe_fit_apply (recipe, train, report, &error);
      g_assert_no_error (error);
      test_prepared = kiln_recipe_apply (recipe, test, FALSE, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (kiln_frame_get_n_rows (test_prepared), ==, te->len);
      g_assert_true (kiln_recipe_to_dataset (recipe, prepared, &ds, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ds->n_rows, ==, kiln_frame_get_n_rows (prepared));
      for (gsize k = 0; k < (gsize) ds->n_rows * ds->n_features; k++)
        g_assert_true (isfinite (ds->x[k]));
      g_free (ds->x);
      g_free (ds->y_class);
      g_free (ds);

      /* fit on train only: change every test row (numbers x1000 + 7, new categories) and fit
       * again on the same training rows: the same fitted recipe */
      alt_cols = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
      for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
        {
          KilnColumn *col = kiln_frame_get_column (frame, c);
          guint n = kiln_column_get_length (col);
          if (kiln_column_get_column_type (col) == KILN_COLUMN_NUMERIC && (int) c != target)
            {
              double *v = g_memdup2 (kiln_column_get_doubles (col), n * sizeof (double));
              for (guint k = 0; k < te->len; k++)
                v[g_array_index (te, guint32, k)] = v[g_array_index (te, guint32, k)] * 1000 + 7;
              g_ptr_array_add (alt_cols, kiln_column_new_numeric (kiln_column_get_name (col), v, n));
            }
          else if (kiln_column_get_column_type (col) == KILN_COLUMN_CATEGORICAL && (int) c != target)
            {
              guint nc = kiln_column_get_n_categories (col);
              GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
              gint32 *codes = g_memdup2 (kiln_column_get_codes (col), n * sizeof (gint32));
              for (guint k = 0; k < nc; k++)
                g_ptr_array_add (cats, g_strdup (kiln_column_get_category (col, k)));
              g_ptr_array_add (cats, g_strdup ("never-seen"));
              for (guint k = 0; k < te->len; k++)
                codes[g_array_index (te, guint32, k)] = (gint32) nc;
              g_ptr_array_add (alt_cols, kiln_column_new_coded (kiln_column_get_name (col),
                                                                 KILN_COLUMN_CATEGORICAL, codes, cats, n));
            }
          else
            g_ptr_array_add (alt_cols, kiln_column_ref (col));
        }
      altered = kiln_frame_new ((KilnColumn **) alt_cols->pdata, alt_cols->len);
      g_ptr_array_unref (alt_cols);
      altered_train = kiln_frame_new_view (altered, (guint32 *) tr->data, tr->len);
      g_assert_true (kiln_recipe_fit (again, altered_train, NULL, &error));
      g_assert_no_error (error);
      j1 = recipe_json_text (recipe);
      j2 = recipe_json_text (again);
      g_assert_cmpstr (j1, ==, j2);
    }
}

/* ---- Settings: the one recipe description of GUI, CLI and project file ---------------------- */

static guint
count_steps (KilnRecipe *recipe, KilnStepKind kind)
{
  guint n = 0;

  for (guint i = 0; i < kiln_recipe_get_n_steps (recipe); i++)
    n += kiln_step_get_kind (kiln_recipe_get_step (recipe, i)) == kind;
  return n;
}

static void
test_settings (void)
{
  KilnPrepSettings s, back;
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnRecipe) scaled = NULL;
  g_autoptr(KilnRecipe) plain = NULL;
  g_autoptr(KilnRecipe) missing = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  GOptionGroup *group;
  const char *args[] = { "kiln-cli", "--iqr", "2.5", "--clip", "--drop", "a,b", "--drop", "c",
                         "--impute", "mode", "--scale", "minmax", "--dedupe", NULL };
  char **argv = g_strdupv ((char **) args);
  int argc = g_strv_length (argv);
  char **argv_start = argv;
  const char *bad[][3] = { { "kiln-cli", "--impute", "sometimes" }, { "kiln-cli", "--iqr", "-1" },
                           { "kiln-cli", "--scale", "log" }, { "kiln-cli", "--encode", "binary" } };

  /* the defaults: median/mode imputation, one-hot, scaling as the model needs */
  kiln_prep_settings_init (&s);
  scaled = kiln_prep_settings_to_recipe (&s, "y", TRUE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kiln_recipe_get_target (scaled), ==, "y");
  g_assert_cmpuint (kiln_recipe_get_n_steps (scaled), ==, 3);
  g_assert_cmpint (kiln_step_get_impute_strategy (kiln_recipe_get_step (scaled, 0)), ==, KILN_IMPUTE_MEDIAN);
  g_assert_cmpint (kiln_step_get_encoding (kiln_recipe_get_step (scaled, 1)), ==, KILN_ENCODE_ONEHOT);
  g_assert_cmpint (kiln_step_get_scaling (kiln_recipe_get_step (scaled, 2)), ==, KILN_SCALE_STANDARD);
  plain = kiln_prep_settings_to_recipe (&s, NULL, FALSE, FALSE, &error);
  g_assert_cmpuint (count_steps (plain, KILN_STEP_SCALE), ==, 0);
  /* a family that learns from missing values: nothing is filled */
  missing = kiln_prep_settings_to_recipe (&s, NULL, FALSE, TRUE, &error);
  g_assert_cmpuint (count_steps (missing, KILN_STEP_IMPUTE), ==, 0);
  g_assert_cmpuint (count_steps (missing, KILN_STEP_ENCODE), ==, 1);
  kiln_prep_settings_clear (&s);

  /* the PREP FLAGS, straight into the struct */
  kiln_prep_settings_init_empty (&s);
  group = g_option_group_new ("test", NULL, NULL, &s, NULL);
  kiln_prep_settings_add_entries (group);
  g_option_context_set_main_group (context, group);
  g_assert_true (g_option_context_parse (context, &argc, &argv, &error));
  g_assert_no_error (error);
  g_assert_true (s.iqr && s.iqr_clip && s.dedupe && s.impute && !s.encode && !s.scale_auto);
  g_assert_cmpfloat (s.iqr_k, ==, 2.5);
  g_assert_cmpint (s.impute_strategy, ==, KILN_IMPUTE_MODE);
  g_assert_cmpint (s.scaling, ==, KILN_SCALE_MINMAX);
  {
    const char *want[] = { "a", "b", "c", NULL };
    g_assert_cmpstrv ((const char * const *) s.dropped, want);
  }
  g_strfreev (argv_start);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GOptionContext) c = g_option_context_new (NULL);
      KilnPrepSettings t;
      char **v = g_new0 (char *, 4);
      char **v_start = v;
      int n = 3;

      for (guint j = 0; j < 3; j++)
        v[j] = g_strdup (bad[i][j]);
      kiln_prep_settings_init_empty (&t);
      group = g_option_group_new ("test", NULL, NULL, &t, NULL);
      kiln_prep_settings_add_entries (group);
      g_option_context_set_main_group (c, group);
      g_assert_false (g_option_context_parse (c, &n, &v, &error));
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
      g_clear_error (&error);
      g_strfreev (v_start);
      kiln_prep_settings_clear (&t);
    }

  /* JSON: a round trip, and old project files' "prep" objects read the same way */
  s.split = (KilnSplitFractions) { 0.7, 0.1, 0.2 };
  s.seed = 9;
  node = kiln_prep_settings_to_json (&s);
  text = json_to_string (node, FALSE);
  kiln_prep_settings_init (&back);
  g_assert_true (kiln_prep_settings_from_json (&back, node, &error));
  g_assert_no_error (error);
  again = kiln_prep_settings_to_json (&back);
  text2 = json_to_string (again, FALSE);
  g_assert_cmpstr (text, ==, text2);
  g_assert_false (back.encode);
  g_assert_cmpuint (back.seed, ==, 9);
  kiln_prep_settings_clear (&back);
  {
    g_autoptr(JsonNode) old = json_from_string ("{\"dedupe\": true, \"iqr\": false, \"iqr_k\": 1.5, "
                                                "\"impute\": \"mean\", \"encode\": \"ordinal\", "
                                                "\"scale\": \"auto\", \"split\": [0.8, 0, 0.2], "
                                                "\"stratify\": true, \"seed\": 42, \"dropped\": []}", NULL);
    g_autoptr(JsonNode) wrong = json_from_string ("{\"impute\": \"sometimes\"}", NULL);
    g_autoptr(JsonNode) wrong2 = json_from_string ("{\"split\": [1, 2]}", NULL);

    kiln_prep_settings_init (&back);
    g_assert_true (kiln_prep_settings_from_json (&back, old, &error));
    g_assert_true (back.dedupe && back.scale_auto && back.impute && back.encode);
    g_assert_cmpint (back.impute_strategy, ==, KILN_IMPUTE_MEAN);
    g_assert_cmpint (back.encoding, ==, KILN_ENCODE_ORDINAL);
    g_assert_false (kiln_prep_settings_from_json (&back, wrong, &error));
    g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT);
    g_clear_error (&error);
    g_assert_false (kiln_prep_settings_from_json (&back, wrong2, &error));
    g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT);
    g_clear_error (&error);
    /* a failed read leaves the settings as they were */
    g_assert_cmpint (back.impute_strategy, ==, KILN_IMPUTE_MEAN);
    kiln_prep_settings_clear (&back);
  }

  /* nonsense that only the struct can hold */
  s.iqr = FALSE;
  g_assert_null (kiln_prep_settings_to_recipe (&s, NULL, FALSE, FALSE, &error));
  g_assert_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS);
  kiln_prep_settings_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prep/quantiles", test_quantiles);
  g_test_add_func ("/prep/mode", test_mode);
  g_test_add_func ("/prep/dedupe", test_dedupe);
  g_test_add_func ("/prep/dedupe-large", test_dedupe_large);
  g_test_add_func ("/prep/iqr", test_iqr);
  g_test_add_func ("/prep/impute", test_impute);
  g_test_add_func ("/prep/encode", test_encode);
  g_test_add_func ("/prep/encode-large", test_encode_large);
  g_test_add_func ("/prep/scale", test_scale);
  g_test_add_func ("/prep/recipe/target", test_target);
  g_test_add_func ("/prep/recipe/unseen-class", test_unseen_class);
  g_test_add_func ("/prep/recipe/errors", test_errors);
  g_test_add_func ("/prep/recipe/coerce", test_coerce);
  g_test_add_func ("/prep/recipe/json", test_json_roundtrip);
  g_test_add_func ("/prep/recipe/json-doubles", test_json_doubles);
  g_test_add_func ("/prep/recipe/fit-on-train-only", test_fit_on_train_only);
  g_test_add_func ("/prep/recipe/empty", test_empty);
  g_test_add_func ("/prep/split/small", test_split_small);
  g_test_add_func ("/prep/split/rng", test_rng);
  g_test_add_func ("/prep/datasets", test_datasets);
  g_test_add_func ("/prep/settings", test_settings);
  return g_test_run ();
}
