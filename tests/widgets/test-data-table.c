/* test-data-table.c: KilnDataTable showing a 3-million-row frame in a window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kiln-number.h"
#include "kiln-widgets.h"
#include "kiln-widgets-private.h"
#include "test-frames.h"
#include "widget-test-utils.h"

#define MAX_LIVE_ITEMS 260

/* The rows the column view shows: for each row widget, its cells in order. */
static void
collect_cells (GtkWidget *widget,
                      GPtrArray *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (KILN_IS_DATA_CELL (child))
        g_ptr_array_add (out, child);
      else
        collect_cells (child, out);
    }
}

typedef struct {
  guint n_rows;        /* rows checked */
  guint n_missing;     /* missing cells seen */
  guint min_row;
  guint max_row;
} Visible;

/* Checks every visible row against the frame; returns what it saw. */
static Visible
check_visible_rows (KilnDataTable *table,
                    KilnFrame     *frame)
{
  GtkColumnView *view = _kiln_data_table_get_column_view (table);
  GtkWidget *list = NULL;
  Visible seen = { 0, 0, G_MAXUINT, 0 };

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (view)); child;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      list = child;
  g_assert_nonnull (list);

  for (GtkWidget *row = gtk_widget_get_first_child (list); row; row = gtk_widget_get_next_sibling (row))
    {
      g_autoptr(GPtrArray) cells = g_ptr_array_new ();
      const char *number;
      guint frame_row;

      if (!gtk_widget_get_child_visible (row) || !gtk_widget_get_mapped (row))
        continue;
      collect_cells (row, cells);
      if (cells->len == 0)
        continue;
      g_assert_cmpuint (cells->len, ==, 1 + kiln_frame_get_n_columns (frame));
      number = kiln_data_cell_get_text (cells->pdata[0]);
      if (number == NULL)
        continue;   /* a recycled row widget waiting for an item */
      frame_row = (guint) strtoul (number, NULL, 10) - 1;
      g_assert_cmpuint (frame_row, <, kiln_frame_get_n_rows (frame));
      for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
        {
          GtkWidget *cell = cells->pdata[c + 1];
          /* as the table shows numbers: at most 8 significant digits */
          g_autofree char *expected = kiln_column_format_display (kiln_frame_get_column (frame, c),
                                                                  kiln_frame_get_physical_row (frame, frame_row));

          if (expected == NULL)
            {
              g_assert_cmpstr (kiln_data_cell_get_text (KILN_DATA_CELL (cell)), ==, "—");
              g_assert_true (gtk_widget_has_css_class (cell, "missing"));
              seen.n_missing++;
            }
          else
            {
              g_assert_cmpstr (kiln_data_cell_get_text (KILN_DATA_CELL (cell)), ==, expected);
              g_assert_false (gtk_widget_has_css_class (cell, "missing"));
            }
        }
      /* Numbers right-aligned, text left. */
      g_assert_cmpfloat (kiln_data_cell_get_xalign (cells->pdata[1]), ==, 1.0);
      g_assert_cmpfloat (kiln_data_cell_get_xalign (cells->pdata[2]), ==, 0.0);
      seen.n_rows++;
      seen.min_row = MIN (seen.min_row, frame_row);
      seen.max_row = MAX (seen.max_row, frame_row);
    }
  return seen;
}

static GtkAdjustment *
vadjustment (KilnDataTable *table)
{
  GtkWidget *scrolled = gtk_widget_get_parent (GTK_WIDGET (_kiln_data_table_get_column_view (table)));

  while (scrolled && !GTK_IS_SCROLLED_WINDOW (scrolled))
    scrolled = gtk_widget_get_parent (scrolled);
  g_assert_nonnull (scrolled);
  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
}

static gboolean
not_busy (gpointer data)
{
  return !kiln_frame_model_get_busy (data);
}

static void
column_selected_cb (KilnDataTable *table,
                    guint          column,
                    int           *last)
{
  *last = (int) column;
}

static void
test_big_table (void)
{
  g_autoptr(KilnFrame) frame = make_frame (BIG_ROWS);
  KilnDataTable *table = g_object_ref_sink (KILN_DATA_TABLE (kiln_data_table_new ()));
  GtkWidget *window;
  GtkAdjustment *adj;
  Visible seen;
  guint live;
  int last_selected = -1;
  guint created;
  guint n_selected;
  const guint *selected;

  kiln_data_table_set_frame (table, frame);
  g_assert_true (kiln_data_table_get_frame (table) == frame);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (kiln_data_table_get_model (table))), ==, BIG_ROWS);
  /* Name, type icon and missing count went into the GTK 4.8 headers. */
  g_assert_true (_kiln_data_table_get_headers_decorated (table));

  window = show_in_window (GTK_WIDGET (table), 1000, 640);
  spin (200);

  /* The top of the file: row 13 has a missing number. */
  seen = check_visible_rows (table, frame);
  g_assert_cmpuint (seen.n_rows, >=, 15);
  g_assert_cmpuint (seen.min_row, ==, 0);
  g_assert_cmpuint (seen.n_missing, >=, 1);
  /* GtkListView (4.8) keeps a pool of up to 200 row widgets around the visible ones, each
   * with its item: a bound that does not grow with the frame's 3 million rows. */
  live = _kiln_row_item_get_n_live ();
  g_test_message ("items alive with %u rows visible: %u", seen.n_rows, live);
  g_assert_cmpuint (live, <=, MAX_LIVE_ITEMS);

  /* Jump to the middle: still only the visible rows exist. */
  adj = vadjustment (table);
  gtk_adjustment_set_value (adj, (gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj)) / 2);
  spin (300);
  seen = check_visible_rows (table, frame);
  g_assert_cmpuint (seen.n_rows, >=, 15);
  g_assert_cmpuint (seen.min_row, >, BIG_ROWS / 2 - 100000);
  g_assert_cmpuint (seen.max_row, <, BIG_ROWS / 2 + 100000);
  g_assert_cmpuint (_kiln_row_item_get_n_live (), <=, MAX_LIVE_ITEMS);

  /* Sort descending by the numbers (on the worker), from the header. Re-ordering 3 million
   * rows makes only the items of the rows shown (GTK 4.8 fetches every item of a single
   * items-changed (0, n, n) when the view tracks a row; the model avoids that). */
  gtk_adjustment_set_value (adj, 0);
  spin (100);
  created = _kiln_row_item_get_n_created ();
  kiln_data_table_sort (table, 0, FALSE);
  g_assert_cmpint (kiln_frame_model_get_sort_column (kiln_data_table_get_model (table)), ==, 0);
  g_assert_true (wait_until (not_busy, kiln_data_table_get_model (table), 60000));
  spin (200);
  seen = check_visible_rows (table, frame);
  g_assert_cmpuint (seen.n_rows, >=, 15);
  g_test_message ("items made for the sort: %u", _kiln_row_item_get_n_created () - created);
  g_assert_cmpuint (_kiln_row_item_get_n_created () - created, <=, 2 * MAX_LIVE_ITEMS);
  {
    guint first = kiln_frame_model_get_frame_row (kiln_data_table_get_model (table), 0);

    g_assert_cmpfloat (kiln_frame_get_double (frame, 0, first), ==, 1000.0);
  }
  /* The header's own sorter reflects it and the model follows a header change back. */
  created = _kiln_row_item_get_n_created ();
  kiln_data_table_sort (table, -1, TRUE);
  g_assert_cmpuint (_kiln_row_item_get_n_created () - created, <=, 2 * MAX_LIVE_ITEMS);
  g_assert_cmpint (kiln_frame_model_get_sort_column (kiln_data_table_get_model (table)), ==, -1);
  g_assert_cmpuint (kiln_frame_model_get_frame_row (kiln_data_table_get_model (table), 7), ==, 7);

  /* Subsets: the rows behind a confusion-matrix cell. */
  {
    const guint32 rows[] = { 2999999, 42, 13 };

    kiln_data_table_set_rows (table, rows, G_N_ELEMENTS (rows));
    spin (200);
    seen = check_visible_rows (table, frame);
    g_assert_cmpuint (seen.n_rows, ==, 3);
    g_assert_cmpuint (seen.min_row, ==, 13);
    g_assert_cmpuint (seen.max_row, ==, 2999999);
    kiln_data_table_set_rows (table, NULL, 0);
  }

  /* Column selection by clicking cells. */
  g_signal_connect (table, "column-selected", G_CALLBACK (column_selected_cb), &last_selected);
  _kiln_data_table_click_column (table, 1, 0);
  g_assert_cmpint (last_selected, ==, 1);
  _kiln_data_table_click_column (table, 2, GDK_CONTROL_MASK);
  selected = kiln_data_table_get_selected_columns (table, &n_selected);
  g_assert_cmpuint (n_selected, ==, 2);
  g_assert_cmpuint (selected[0], ==, 1);
  g_assert_cmpuint (selected[1], ==, 2);
  _kiln_data_table_click_column (table, 0, GDK_SHIFT_MASK);
  selected = kiln_data_table_get_selected_columns (table, &n_selected);
  g_assert_cmpuint (n_selected, ==, 3);
  _kiln_data_table_click_column (table, 2, 0);
  selected = kiln_data_table_get_selected_columns (table, &n_selected);
  g_assert_cmpuint (n_selected, ==, 1);
  g_assert_cmpuint (selected[0], ==, 2);
  g_assert_cmpint (last_selected, ==, 2);

  /* An empty table. */
  kiln_data_table_set_frame (table, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (kiln_data_table_get_model (table))), ==, 0);
  selected = kiln_data_table_get_selected_columns (table, &n_selected);
  g_assert_cmpuint (n_selected, ==, 0);
  spin (100);

  gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_assert_finalize_object (table);
  g_assert_cmpuint (_kiln_row_item_get_n_live (), ==, 0);
}

static void
test_small_table_row_numbers (void)
{
  g_autoptr(KilnFrame) frame = make_frame (40);
  KilnDataTable *table = g_object_ref_sink (KILN_DATA_TABLE (kiln_data_table_new ()));
  GtkWidget *window;
  Visible seen;

  kiln_data_table_set_frame (table, frame);
  window = show_in_window (GTK_WIDGET (table), 600, 400);
  seen = check_visible_rows (table, frame);
  g_assert_cmpuint (seen.min_row, ==, 0);
  g_assert_cmpuint (seen.n_rows, >=, 10);

  /* The header menu's actions */
  {
    KilnFrameModel *model = kiln_data_table_get_model (table);
    int last_selected = -1;

    g_signal_connect (table, "column-selected", G_CALLBACK (column_selected_cb), &last_selected);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (table), "table.sort-descending", "u", 0));
    g_assert_cmpint (kiln_frame_model_get_sort_column (model), ==, 0);
    g_assert_false (kiln_frame_model_get_sort_ascending (model));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (table), "table.sort-ascending", "u", 1));
    g_assert_cmpint (kiln_frame_model_get_sort_column (model), ==, 1);
    g_assert_true (kiln_frame_model_get_sort_ascending (model));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (table), "table.sort-clear", NULL));
    g_assert_cmpint (kiln_frame_model_get_sort_column (model), ==, -1);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (table), "table.inspect", "u", 2));
    g_assert_cmpint (last_selected, ==, 2);
    spin (50);
  }

  g_object_set (table, "show-row-numbers", FALSE, NULL);
  g_assert_false (kiln_data_table_get_show_row_numbers (table));
  spin (100);
  {
    g_autoptr(GPtrArray) cells = g_ptr_array_new ();
    GListModel *columns = gtk_column_view_get_columns (_kiln_data_table_get_column_view (table));

    g_assert_cmpuint (g_list_model_get_n_items (columns), ==, 3);
    collect_cells (GTK_WIDGET (_kiln_data_table_get_column_view (table)), cells);
    for (guint i = 0; i < cells->len; i++)
      g_assert_false (gtk_widget_has_css_class (cells->pdata[i], "row-number"));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_assert_finalize_object (table);
}

int
main (int   argc,
      char *argv[])
{
  widget_test_init (&argc, &argv);

  g_test_add_func ("/data-table/big", test_big_table);
  g_test_add_func ("/data-table/row-numbers", test_small_table_row_numbers);
  return g_test_run ();
}
