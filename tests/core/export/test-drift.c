/* test-drift.c: the drift reference a bundle keeps of its training split, and the serial hint.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-bundle.h"
#include "kiln-csv.h"
#include "kiln-drift.h"
#include "kiln-pipeline.h"
#include "kiln-parallel.h"
#include "kiln-threads.h"

static KilnFrame *
load_dataset (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("KILN_SHARED_DATASETS"), name, NULL);
  g_autoptr(GError) error = NULL;
  KilnFrame *frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return frame;
}

/* x = 1..100 (5 missing: rows 96..100), c = "a" x 50, "b" x 30, "c" x 15, missing x 5 */
static KilnFrame *
make_frame (void)
{
  double *x = g_new (double, 100);
  gint32 *codes = g_new (gint32, 100);
  GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(KilnColumn) cx = NULL, cc = NULL;
  KilnColumn *cols[2];

  g_ptr_array_add (cats, g_strdup ("b"));
  g_ptr_array_add (cats, g_strdup ("a"));
  g_ptr_array_add (cats, g_strdup ("c"));
  for (guint i = 0; i < 100; i++)
    {
      x[i] = i < 95 ? i + 1 : NAN;
      codes[i] = i < 50 ? 1 : i < 80 ? 0 : i < 95 ? 2 : -1;
    }
  cx = kiln_column_new_numeric ("x", x, 100);
  cc = kiln_column_new_coded ("c", KILN_COLUMN_CATEGORICAL, codes, cats, 100);
  cols[0] = cx;
  cols[1] = cc;
  return kiln_frame_new (cols, 2);
}

static void
test_bins (void)
{
  g_autoptr(KilnFrame) frame = make_frame ();
  const KilnRecipeColumn inputs[] = {
    { (char *) "c", KILN_COLUMN_CATEGORICAL }, { (char *) "x", KILN_COLUMN_NUMERIC },
  };
  g_autoptr(KilnDrift) d = kiln_drift_new (frame, inputs, 2);
  const KilnDriftColumn *x, *c;
  double sum = 0;
  gboolean seen;

  g_assert_nonnull (d);
  g_assert_cmpuint (kiln_drift_get_n_rows (d), ==, 100);
  g_assert_cmpuint (kiln_drift_get_n_columns (d), ==, 2);
  g_assert_cmpint (kiln_drift_find_column (d, "x"), ==, 1);
  g_assert_cmpint (kiln_drift_find_column (d, "y"), ==, -1);

  x = kiln_drift_get_column (d, 1);
  g_assert_false (x->categorical);
  g_assert_cmpfloat (x->missing, ==, 0.05);
  /* 95 values 1..95: the lower deciles at index k * 94 / 10 */
  g_assert_cmpuint (x->n_bins, ==, 10);
  g_assert_cmpfloat (x->edges[0], ==, 10);   /* v[9] */
  g_assert_cmpfloat (x->edges[8], ==, 85);   /* v[84] */
  for (guint b = 0; b < x->n_bins; b++)
    sum += x->shares[b];
  g_assert_cmpfloat (fabs (sum - 1), <, 1e-12);
  g_assert_cmpfloat (x->shares[0], ==, 10.0 / 95);   /* 1..10 */
  g_assert_cmpuint (kiln_drift_numeric_bin (x, -1e300), ==, 0);
  g_assert_cmpuint (kiln_drift_numeric_bin (x, 10), ==, 0);
  g_assert_cmpuint (kiln_drift_numeric_bin (x, 10.5), ==, 1);
  g_assert_cmpuint (kiln_drift_numeric_bin (x, 1e300), ==, 9);

  /* categories by count: a (50), b (30), c (15), then the "other" bin */
  c = kiln_drift_get_column (d, 0);
  g_assert_true (c->categorical);
  g_assert_cmpfloat (c->missing, ==, 0.05);
  g_assert_cmpuint (c->n_bins, ==, 4);
  g_assert_cmpstr (c->categories[0], ==, "a");
  g_assert_cmpstr (c->categories[1], ==, "b");
  g_assert_cmpstr (c->categories[2], ==, "c");
  g_assert_null (c->categories[3]);
  g_assert_cmpfloat (c->shares[0], ==, 50.0 / 95);
  g_assert_cmpfloat (c->shares[3], ==, 0);
  g_assert_cmpuint (kiln_drift_category_bin (d, 0, "b", &seen), ==, 1);
  g_assert_true (seen);
  g_assert_cmpuint (kiln_drift_category_bin (d, 0, "zzz", &seen), ==, 3);
  g_assert_false (seen);

  /* a column the rows lack, or of another kind than the rows hold: no reference */
  {
    const KilnRecipeColumn absent[] = { { (char *) "nope", KILN_COLUMN_NUMERIC } };
    const KilnRecipeColumn wrong[] = { { (char *) "c", KILN_COLUMN_NUMERIC } };
    g_assert_null (kiln_drift_new (frame, absent, 1));
    g_assert_null (kiln_drift_new (frame, wrong, 1));
  }
}

static void
test_psi (void)
{
  g_autoptr(KilnFrame) frame = make_frame ();
  const KilnRecipeColumn inputs[] = { { (char *) "c", KILN_COLUMN_CATEGORICAL } };
  g_autoptr(KilnDrift) d = kiln_drift_new (frame, inputs, 1);
  const KilnDriftColumn *c = kiln_drift_get_column (d, 0);
  guint64 same[4] = { 500, 300, 150, 0 };
  guint64 shifted[4] = { 30, 30, 30, 10 };
  guint64 none[4] = { 0 };
  double want = 0, train[4] = { 50.0 / 95, 30.0 / 95, 15.0 / 95, 1e-4 };

  g_assert_cmpfloat (fabs (kiln_drift_psi (c, same)), <, 1e-12);
  g_assert_true (isnan (kiln_drift_psi (c, none)));
  for (guint b = 0; b < 4; b++)
    want += (shifted[b] / 100.0 - train[b]) * log (shifted[b] / 100.0 / train[b]);
  g_assert_cmpfloat (fabs (kiln_drift_psi (c, shifted) - want), <, 1e-12);
  g_assert_cmpfloat (want, >, 0.25);
}

static void
test_json (void)
{
  g_autoptr(KilnFrame) frame = make_frame ();
  const KilnRecipeColumn inputs[] = {
    { (char *) "x", KILN_COLUMN_NUMERIC }, { (char *) "c", KILN_COLUMN_CATEGORICAL },
  };
  g_autoptr(KilnDrift) d = kiln_drift_new (frame, inputs, 2);
  g_autoptr(JsonNode) node = kiln_drift_to_json (d);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnDrift) back = kiln_drift_from_json (node, &error);
  g_autoptr(JsonNode) again = NULL;
  const char *bad[] = {
    "[]",
    "{\"rows\": 3}",
    "{\"rows\": 3, \"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"missing\": 0,"
    " \"edges\": [2, 1], \"shares\": [0.3, 0.3, 0.4]}]}",
    "{\"rows\": 3, \"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"missing\": 0,"
    " \"edges\": [1], \"shares\": [1]}]}",
    "{\"rows\": 3, \"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"missing\": 2,"
    " \"categories\": [\"a\"], \"shares\": [1, 0]}]}",
    "{\"rows\": 3, \"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"missing\": 0,"
    " \"categories\": [1], \"shares\": [1, 0]}]}",
  };

  g_assert_no_error (error);
  again = kiln_drift_to_json (back);
  g_assert_true (json_node_equal (node, again));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) b = json_from_string (bad[i], NULL);
      g_autoptr(GError) e = NULL;
      g_assert_null (kiln_drift_from_json (b, &e));
      g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

/* A bundle made by the pipeline holds the reference; one without it (made before) still loads,
 * and one with a damaged reference is refused. */
static void
test_bundle (void)
{
  g_autoptr(KilnFrame) raw = load_dataset ("penguins.csv");
  KilnPipelineOptions options;
  KilnPipelineResult r;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) doc = NULL;
  g_autoptr(KilnBundle) old = NULL, broken = NULL;
  const KilnDrift *d;
  guint n_inputs;

  kiln_pipeline_options_init (&options, "species", "logreg");
  g_assert_true (kiln_pipeline_run (raw, NULL, &options, NULL, NULL, &r, &error));
  kiln_pipeline_options_clear (&options);
  d = kiln_bundle_get_drift (r.bundle);
  g_assert_nonnull (d);
  kiln_bundle_get_input_columns (r.bundle, &n_inputs);
  g_assert_cmpuint (kiln_drift_get_n_columns (d), ==, n_inputs);
  g_assert_cmpuint (kiln_drift_get_n_rows (d), ==,
                    kiln_frame_get_n_rows (kiln_pipeline_get_train_rows (r.pipeline)));
  g_assert_true (kiln_drift_get_column (d, kiln_drift_find_column (d, "island"))->categorical);

  doc = kiln_bundle_to_json (r.bundle);
  json_object_remove_member (json_node_get_object (doc), "drift");
  old = kiln_bundle_from_json (doc, "old", &error);
  g_assert_no_error (error);
  g_assert_null (kiln_bundle_get_drift (old));

  json_object_set_string_member (json_node_get_object (doc), "drift", "nonsense");
  broken = kiln_bundle_from_json (doc, "broken", &error);
  g_assert_null (broken);
  g_assert_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_CORRUPT);
  kiln_pipeline_result_clear (&r);
}

typedef struct {
  KilnBundle *bundle;
  KilnFrame  *rows;
  double     *out;
  guint       n;
  guint       threads;
} SerialJob;

static void
record_thread (guint task, gpointer data)
{
  ((GThread **) data)[task] = g_thread_self ();
}

static gpointer
serial_worker (gpointer data)
{
  SerialJob *job = data;
  g_autoptr(GError) error = NULL;
  GThread *ran_in[16];

  kiln_threads_set_serial (TRUE);
  job->threads = kiln_threads_available ();
  /* the core's parallel loops start no helper in it (they did after the core reshaping: each
   * one-row prediction started and joined threads in every recipe step) */
  g_assert_cmpuint (kiln_parallel_n_threads (G_N_ELEMENTS (ran_in), 0), ==, 1);
  g_assert_cmpuint (kiln_parallel_n_threads (G_N_ELEMENTS (ran_in), 8), ==, 1);
  kiln_parallel_for (G_N_ELEMENTS (ran_in), record_thread, ran_in);
  for (guint t = 0; t < G_N_ELEMENTS (ran_in); t++)
    g_assert_true (ran_in[t] == g_thread_self ());
  job->out = kiln_bundle_predict (job->bundle, job->rows, &job->n, &error);
  g_assert_no_error (error);
  return NULL;
}

/* A serial thread predicts alone, and the same as a thread that spreads its work. */
static void
test_serial (void)
{
  g_autoptr(KilnFrame) raw = load_dataset ("penguins.csv");
  KilnPipelineOptions options;
  KilnPipelineResult r;
  g_autoptr(GError) error = NULL;
  g_autofree double *spread = NULL;
  SerialJob job = { 0 };
  guint n = 0;

  g_assert_false (kiln_threads_get_serial ());
  g_assert_cmpuint (kiln_threads_available (), ==, MAX (g_get_num_processors (), 1));
  kiln_pipeline_options_init (&options, "body_mass_g", "forest");
  g_assert_true (kiln_pipeline_run (raw, NULL, &options, NULL, NULL, &r, &error));
  kiln_pipeline_options_clear (&options);
  spread = kiln_bundle_predict (r.bundle, raw, &n, &error);
  g_assert_no_error (error);

  job.bundle = r.bundle;
  job.rows = raw;
  g_thread_join (g_thread_new ("serial", serial_worker, &job));
  g_assert_cmpuint (job.threads, ==, 1);
  g_assert_cmpuint (job.n, ==, n);
  g_assert_cmpmem (job.out, sizeof (double) * n, spread, sizeof (double) * n);
  g_assert_false (kiln_threads_get_serial ());   /* only that thread was serial */
  g_free (job.out);
  kiln_pipeline_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/drift/bins", test_bins);
  g_test_add_func ("/drift/psi", test_psi);
  g_test_add_func ("/drift/json", test_json);
  g_test_add_func ("/drift/bundle", test_bundle);
  g_test_add_func ("/threads/serial", test_serial);
  return g_test_run ();
}
