/* test-frame-model.c: KilnFrameModel over a 3-million-row frame, and the argsort behind it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "kiln-frame-sort.h"
#include "kiln-number.h"
#include "kiln-widgets.h"
#include "kiln-widgets-private.h"
#include "test-frames.h"
#include "widget-test-utils.h"

static KilnFrame *big_frame;

/* ---- Reference order: a stable comparison sort, as the user expects ---------------------- */

typedef struct {
  const double *keys;     /* per frame row: the value, the category's rank, or NaN if missing */
  gboolean      ascending;
} RefSort;

static int
compare_ref (gconstpointer pa,
             gconstpointer pb,
             gpointer      user_data)
{
  RefSort *r = user_data;
  double va = r->keys[*(const guint32 *) pa], vb = r->keys[*(const guint32 *) pb];
  int c;

  if (isnan (va) || isnan (vb))
    return isnan (va) - isnan (vb);   /* missing last, in both directions */
  c = (va > vb) - (va < vb);
  return r->ascending ? c : -c;       /* g_qsort_with_data is stable: ties keep row order */
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  char **names = user_data;

  return g_utf8_collate (names[*(const guint32 *) a], names[*(const guint32 *) b]);
}

static guint32 *
category_ranks (KilnColumn *col)
{
  guint n = kiln_column_get_n_categories (col);
  guint32 *order = g_new (guint32, n), *rank = g_new (guint32, n);
  char **names = g_new (char *, n);

  for (guint i = 0; i < n; i++)
    {
      order[i] = i;
      names[i] = (char *) kiln_column_get_category (col, i);
    }
  g_qsort_with_data (order, n, sizeof (guint32), compare_names, names);
  for (guint i = 0; i < n; i++)
    rank[order[i]] = i;   /* the test's names are all distinct */
  g_free (order);
  g_free (names);
  return rank;
}

static guint32 *
reference_order (KilnFrame     *frame,
                 guint          column,
                 const guint32 *rows,
                 guint          n,
                 gboolean       ascending)
{
  guint n_rows = kiln_frame_get_n_rows (frame);
  g_autofree double *keys = g_new (double, MAX (n_rows, 1));
  g_autofree guint32 *rank = NULL;
  RefSort r = { keys, ascending };
  guint32 *order = g_new (guint32, MAX (n, 1));

  if (kiln_column_is_coded (kiln_frame_get_column (frame, column)))
    rank = category_ranks (kiln_frame_get_column (frame, column));
  for (guint row = 0; row < n_rows; row++)
    {
      if (kiln_frame_is_missing (frame, column, row))
        keys[row] = NAN;
      else if (rank)
        keys[row] = rank[kiln_frame_get_code (frame, column, row)];
      else
        keys[row] = kiln_frame_get_double (frame, column, row);
    }
  for (guint i = 0; i < n; i++)
    order[i] = rows ? rows[i] : i;
  g_qsort_with_data (order, n, sizeof (guint32), compare_ref, &r);
  return order;
}

/* ---- Cells ------------------------------------------------------------------------------ */

static void
test_cells (void)
{
  g_autoptr(KilnFrameModel) model = kiln_frame_model_new (big_frame);
  GRand *rand = g_rand_new_with_seed (42);
  guint live_before = _kiln_row_item_get_n_live ();
  KilnRowItem *held[10];

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, BIG_ROWS);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == KILN_TYPE_ROW_ITEM);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), BIG_ROWS));

  for (guint k = 0; k < 5000; k++)
    {
      guint pos = k < 2 ? (k ? BIG_ROWS - 1 : 0) : (guint) g_rand_int_range (rand, 0, BIG_ROWS);
      g_autoptr(KilnRowItem) item = g_list_model_get_item (G_LIST_MODEL (model), pos);
      guint row = kiln_row_item_get_row (item);
      KilnFrame *frame = kiln_row_item_get_frame (item);
      g_autofree char *value_text = kiln_frame_format_cell (frame, 0, row);
      g_autofree char *cat_text = kiln_frame_format_cell (frame, 1, row);
      double expected = value_of (pos);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_assert_cmpuint (row, ==, pos);
      g_assert_true (frame == big_frame);
      if (isnan (expected))
        g_assert_null (value_text);
      else
        g_assert_cmpstr (value_text, ==, kiln_format_double (buf, sizeof buf, expected));
      if (code_of (pos) < 0)
        g_assert_null (cat_text);
      else
        {
          g_autofree char *name = category_name (code_of (pos));
          g_assert_cmpstr (cat_text, ==, name);
        }
      /* No item outlives its use: nothing is materialised behind our back. */
      g_assert_cmpuint (_kiln_row_item_get_n_live (), ==, live_before + 1);
    }
  g_assert_cmpuint (_kiln_row_item_get_n_live (), ==, live_before);

  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    held[i] = g_list_model_get_item (G_LIST_MODEL (model), i * 1000);
  g_assert_cmpuint (_kiln_row_item_get_n_live (), ==, live_before + G_N_ELEMENTS (held));
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    g_object_unref (held[i]);
  g_assert_cmpuint (_kiln_row_item_get_n_live (), ==, live_before);

  g_rand_free (rand);
  g_assert_finalize_object (g_steal_pointer (&model));
}

/* ---- Sorting ---------------------------------------------------------------------------- */

typedef struct {
  guint position, removed, added;
  guint n_items;    /* what the model said during the emission */
} Change;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *log)
{
  Change c = { position, removed, added, g_list_model_get_n_items (model) };

  g_array_append_val (log, c);
}

/* Entries @start and @start + 1 of @log replace @old_n rows by @new_n: remove all (the model
 * empty meanwhile), then add all — never one (0, old, new), which makes GTK 4.8 fetch every
 * item. */
static void
assert_replacement (GArray *log,
                    guint   start,
                    guint   old_n,
                    guint   new_n)
{
  Change *a, *b;

  g_assert_cmpuint (log->len, ==, start + 2);
  a = &g_array_index (log, Change, start);
  b = &g_array_index (log, Change, start + 1);
  g_assert_cmpuint (a->position, ==, 0);
  g_assert_cmpuint (a->removed, ==, old_n);
  g_assert_cmpuint (a->added, ==, 0);
  g_assert_cmpuint (a->n_items, ==, 0);
  g_assert_cmpuint (b->position, ==, 0);
  g_assert_cmpuint (b->removed, ==, 0);
  g_assert_cmpuint (b->added, ==, new_n);
  g_assert_cmpuint (b->n_items, ==, new_n);
}

static gboolean
not_busy (gpointer data)
{
  return !kiln_frame_model_get_busy (data);
}

static void
assert_model_order (KilnFrameModel *model,
                    const guint32  *expected,
                    guint           n)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);
  for (guint i = 0; i < n; i++)
    if (kiln_frame_model_get_frame_row (model, i) != expected[i])
      g_error ("position %u: row %u, expected %u", i, kiln_frame_model_get_frame_row (model, i),
               expected[i]);
}

static void
test_sort_big_async (void)
{
  g_autoptr(KilnFrameModel) model = kiln_frame_model_new (big_frame);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autofree guint32 *expected = NULL;
  guint live_before = _kiln_row_item_get_n_live ();

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);

  /* Numbers, ascending, on the worker. */
  g_test_timer_start ();
  kiln_frame_model_sort (model, 0, TRUE);
  g_assert_true (kiln_frame_model_get_busy (model));
  /* Until the worker is done the old order stays, consistent with what was announced. */
  g_assert_cmpuint (kiln_frame_model_get_frame_row (model, 12345), ==, 12345);
  g_assert_true (wait_until (not_busy, model, 60000));
  g_test_message ("sorting %u rows by a numeric column took %.3f s (not a pass criterion)",
                  BIG_ROWS, g_test_timer_elapsed ());
  assert_replacement (changes, 0, BIG_ROWS, BIG_ROWS);
  g_assert_cmpint (kiln_frame_model_get_sort_column (model), ==, 0);
  expected = reference_order (big_frame, 0, NULL, BIG_ROWS, TRUE);
  assert_model_order (model, expected, BIG_ROWS);
  g_clear_pointer (&expected, g_free);
  /* Sorting made no items. */
  g_assert_cmpuint (_kiln_row_item_get_n_live (), ==, live_before);

  /* Categories by name, descending. */
  kiln_frame_model_sort (model, 1, FALSE);
  g_assert_true (wait_until (not_busy, model, 60000));
  assert_replacement (changes, 2, BIG_ROWS, BIG_ROWS);
  expected = reference_order (big_frame, 1, NULL, BIG_ROWS, FALSE);
  assert_model_order (model, expected, BIG_ROWS);
  g_clear_pointer (&expected, g_free);

  /* A sort replaced before it finished is dropped: only the last one lands. */
  kiln_frame_model_sort (model, 0, FALSE);
  kiln_frame_model_sort (model, 2, TRUE);
  g_assert_true (wait_until (not_busy, model, 60000));
  spin (100);
  assert_replacement (changes, 4, BIG_ROWS, BIG_ROWS);
  g_assert_cmpint (kiln_frame_model_get_sort_column (model), ==, 2);
  expected = reference_order (big_frame, 2, NULL, BIG_ROWS, TRUE);
  assert_model_order (model, expected, BIG_ROWS);

  /* Back to the file's order. */
  kiln_frame_model_sort (model, -1, TRUE);
  assert_replacement (changes, 6, BIG_ROWS, BIG_ROWS);
  for (guint i = 0; i < BIG_ROWS; i += 9973)
    g_assert_cmpuint (kiln_frame_model_get_frame_row (model, i), ==, i);

  g_assert_finalize_object (g_steal_pointer (&model));
}

static void
test_sort_view_sync (void)
{
  /* A view (every 31st row, reversed) below the synchronous limit. */
  guint n = BIG_ROWS / 31;
  g_autofree guint32 *rows = g_new (guint32, n);
  g_autoptr(KilnFrame) view = NULL;
  g_autoptr(KilnFrameModel) model = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));

  for (guint i = 0; i < n; i++)
    rows[i] = (n - 1 - i) * 31;
  view = kiln_frame_new_view (big_frame, rows, n);
  model = kiln_frame_model_new (view);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);

  for (guint column = 0; column < 3; column++)
    for (int asc = 0; asc < 2; asc++)
      {
        g_autofree guint32 *expected = reference_order (view, column, NULL, n, asc);

        kiln_frame_model_sort (model, column, asc);
        g_assert_false (kiln_frame_model_get_busy (model));
        assert_replacement (changes, changes->len - 2, n, n);
        assert_model_order (model, expected, n);
      }
  g_assert_cmpuint (changes->len, ==, 12);

  /* Items read through the view. */
  {
    g_autoptr(KilnRowItem) item = g_list_model_get_item (G_LIST_MODEL (model), 0);
    guint row = kiln_row_item_get_row (item);

    g_assert_true (kiln_row_item_get_frame (item) == view);
    g_assert_cmpfloat (kiln_frame_get_double (view, 2, row), ==,
                       flag_of (kiln_frame_get_physical_row (view, row)));
  }
  g_assert_finalize_object (g_steal_pointer (&model));
}

static void
test_set_rows (void)
{
  g_autoptr(KilnFrameModel) model = kiln_frame_model_new (big_frame);
  const guint32 rows[] = { 5, BIG_ROWS - 1, 17, 13, 2000000, 17 };
  g_autofree guint32 *expected = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);
  kiln_frame_model_set_rows (model, rows, G_N_ELEMENTS (rows));
  assert_replacement (changes, 0, BIG_ROWS, G_N_ELEMENTS (rows));
  assert_model_order (model, rows, G_N_ELEMENTS (rows));

  /* Sorting a subset happens at once and keeps it a subset. */
  kiln_frame_model_sort (model, 0, TRUE);
  expected = reference_order (big_frame, 0, rows, G_N_ELEMENTS (rows), TRUE);
  assert_model_order (model, expected, G_N_ELEMENTS (rows));
  /* Row 13 is missing in column 0: last. */
  g_assert_cmpuint (kiln_frame_model_get_frame_row (model, G_N_ELEMENTS (rows) - 1), ==, 13);

  /* All rows again, still sorted (on the worker). */
  kiln_frame_model_set_rows (model, NULL, 0);
  g_assert_true (wait_until (not_busy, model, 60000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, BIG_ROWS);
  for (guint i = 1; i < BIG_ROWS; i += 4999)
    {
      double a = kiln_frame_get_double (big_frame, 0, kiln_frame_model_get_frame_row (model, i - 1));
      double b = kiln_frame_get_double (big_frame, 0, kiln_frame_model_get_frame_row (model, i));

      g_assert_true (isnan (b) || a <= b);
    }

  /* A new frame resets rows and sort. */
  g_array_set_size (changes, 0);
  kiln_frame_model_set_frame (model, NULL);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, BIG_ROWS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_cmpint (kiln_frame_model_get_sort_column (model), ==, -1);
  g_assert_finalize_object (g_steal_pointer (&model));
}

static void
test_finalize_while_sorting (void)
{
  KilnFrameModel *model = kiln_frame_model_new (big_frame);

  kiln_frame_model_sort (model, 0, TRUE);
  g_assert_true (kiln_frame_model_get_busy (model));
  g_assert_finalize_object (model);
  spin (1000);
}

static void
test_argsort_edge_cases (void)
{
  double values[] = { 0.0, -0.0, -1.5, NAN, INFINITY, -INFINITY, 2.0, 0.0, 1e-300, -1e300 };
  guint n = G_N_ELEMENTS (values);
  KilnColumn *col = kiln_column_new_numeric ("x", g_memdup2 (values, sizeof values), n);
  g_autoptr(KilnFrame) frame = kiln_frame_new (&col, 1);
  g_autofree guint32 *order = NULL;
  g_autofree guint32 *expected = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  kiln_column_unref (col);
  for (int asc = 0; asc < 2; asc++)
    {
      order = kiln_frame_argsort (frame, 0, NULL, n, asc, NULL, NULL);
      expected = reference_order (frame, 0, NULL, n, asc);
      g_assert_cmpmem (order, n * sizeof (guint32), expected, n * sizeof (guint32));
      g_clear_pointer (&order, g_free);
      g_clear_pointer (&expected, g_free);
    }
  /* Empty input. */
  order = kiln_frame_argsort (frame, 0, (const guint32 *) values, 0, TRUE, NULL, NULL);
  g_assert_nonnull (order);
  g_clear_pointer (&order, g_free);

  g_cancellable_cancel (cancellable);
  order = kiln_frame_argsort (frame, 0, NULL, n, TRUE, cancellable, &error);
  g_assert_null (order);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  widget_test_init (&argc, &argv);
  big_frame = make_frame (BIG_ROWS);

  g_test_add_func ("/frame-model/cells", test_cells);
  g_test_add_func ("/frame-model/sort-big-async", test_sort_big_async);
  g_test_add_func ("/frame-model/sort-view-sync", test_sort_view_sync);
  g_test_add_func ("/frame-model/set-rows", test_set_rows);
  g_test_add_func ("/frame-model/finalize-while-sorting", test_finalize_while_sorting);
  g_test_add_func ("/frame-model/argsort-edge-cases", test_argsort_edge_cases);
  ret = g_test_run ();
  kiln_frame_unref (big_frame);
  return ret;
}
