/* test-column-inspector.c: statistics and plots of the selected columns, type changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "kiln-widgets.h"
#include "test-frames.h"
#include "widget-test-utils.h"

static gboolean
not_busy (gpointer data)
{
  return !kiln_column_inspector_get_busy (data);
}

typedef struct {
  GArray *columns;
  GArray *types;
} TypeChanges;

static void
type_changed_cb (KilnColumnInspector *inspector,
                 guint                column,
                 guint                type,
                 TypeChanges         *changes)
{
  g_array_append_val (changes->columns, column);
  g_array_append_val (changes->types, type);
  /* A handler may re-inspect (as the application does after converting a column). */
  kiln_column_inspector_set_column (inspector, kiln_column_inspector_get_frame (inspector), column);
}

static void
test_inspector (void)
{
  g_autoptr(KilnFrame) frame = make_frame (300000);
  KilnColumnInspector *inspector = g_object_ref_sink (KILN_COLUMN_INSPECTOR (kiln_column_inspector_new ()));
  GtkWidget *window = show_in_window (GTK_WIDGET (inspector), 360, 560);
  KilnPlot *plot = kiln_column_inspector_get_plot (inspector);
  TypeChanges changes = { g_array_new (FALSE, FALSE, sizeof (guint)), g_array_new (FALSE, FALSE, sizeof (guint)) };
  const guint both[] = { 0, 2 };
  const guint *columns;
  guint n;
  GtkWidget *dropdown = NULL;

  /* Numbers: a histogram, computed on the worker. */
  kiln_column_inspector_set_column (inspector, frame, 0);
  g_assert_true (kiln_column_inspector_get_busy (inspector));
  g_assert_true (wait_until (not_busy, inspector, 30000));
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_HISTOGRAM);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (plot)));
  spin (50);

  /* Categories: the top values as bars. */
  kiln_column_inspector_set_column (inspector, frame, 1);
  g_assert_true (wait_until (not_busy, inspector, 30000));
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_BARS);

  /* Selecting again before the worker is done: only the last selection lands. */
  kiln_column_inspector_set_column (inspector, frame, 0);
  kiln_column_inspector_set_column (inspector, frame, 2);
  g_assert_true (wait_until (not_busy, inspector, 30000));
  spin (100);
  g_assert_cmpint (kiln_plot_get_kind (plot), ==, KILN_PLOT_KIND_BARS);

  /* Two columns of different types: no type, no plot; choosing one emits for each. */
  kiln_column_inspector_set_columns (inspector, frame, both, 2);
  columns = kiln_column_inspector_get_columns (inspector, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (columns[1], ==, 2);
  g_assert_false (kiln_column_inspector_get_busy (inspector));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (plot)));

  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (inspector)); w != NULL;)
    {
      if (GTK_IS_DROP_DOWN (w))
        {
          dropdown = w;
          break;
        }
      /* depth-first walk */
      if (gtk_widget_get_first_child (w))
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w && !gtk_widget_get_next_sibling (w))
            {
              w = gtk_widget_get_parent (w);
              if (w == GTK_WIDGET (inspector))
                w = NULL;
            }
          if (w)
            w = gtk_widget_get_next_sibling (w);
        }
    }
  g_assert_nonnull (dropdown);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown)), ==, GTK_INVALID_LIST_POSITION);
  g_signal_connect (inspector, "type-changed", G_CALLBACK (type_changed_cb), &changes);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), KILN_COLUMN_TEXT);
  g_assert_cmpuint (changes.columns->len, ==, 2);
  g_assert_cmpuint (g_array_index (changes.columns, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (changes.columns, guint, 1), ==, 2);
  g_assert_cmpuint (g_array_index (changes.types, guint, 0), ==, KILN_COLUMN_TEXT);

  /* Setting a column from code does not emit. */
  kiln_column_inspector_set_column (inspector, frame, 1);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown)), ==, KILN_COLUMN_CATEGORICAL);
  g_assert_cmpuint (changes.columns->len, ==, 2);
  g_assert_true (wait_until (not_busy, inspector, 30000));

  /* Nothing selected: a hint. */
  kiln_column_inspector_set_columns (inspector, NULL, NULL, 0);
  g_assert_null (kiln_column_inspector_get_frame (inspector));

  g_array_unref (changes.columns);
  g_array_unref (changes.types);
  gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_assert_finalize_object (inspector);
}

static gboolean
find_label_text (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (find_label_text (c, text))
      return TRUE;
  return FALSE;
}

/* A column of dates and times: its minimum, mean and maximum all with a time, midnight too (the
 * maximum of flights-3m read "2001-07-01" under a minimum of "2001-01-01 00:01:00"). */
static void
test_datetime_stats (void)
{
  gint64 *values = g_new (gint64, 2);
  g_autoptr(KilnColumn) column = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  KilnColumnInspector *inspector = g_object_ref_sink (KILN_COLUMN_INSPECTOR (kiln_column_inspector_new ()));
  GtkWidget *window = show_in_window (GTK_WIDGET (inspector), 360, 560);

  values[0] = (gint64) 978307260 * G_USEC_PER_SEC;   /* 2001-01-01 00:01:00 */
  values[1] = (gint64) 993945600 * G_USEC_PER_SEC;   /* 2001-07-01 00:00:00 */
  column = kiln_column_new_datetime ("when", values, NULL, 2);
  frame = kiln_frame_new (&column, 1);
  kiln_column_inspector_set_column (inspector, frame, 0);
  g_assert_true (wait_until (not_busy, inspector, 30000));
  g_assert_true (find_label_text (GTK_WIDGET (inspector), "2001-01-01 00:01:00"));
  g_assert_true (find_label_text (GTK_WIDGET (inspector), "2001-07-01 00:00:00"));
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (inspector);
}

static void
test_finalize_while_busy (void)
{
  g_autoptr(KilnFrame) frame = make_frame (2000000);
  KilnColumnInspector *inspector = g_object_ref_sink (KILN_COLUMN_INSPECTOR (kiln_column_inspector_new ()));

  /* The worker's job holds no reference: the widget goes at once, the job finishes alone. */
  kiln_column_inspector_set_column (inspector, frame, 0);
  g_assert_true (kiln_column_inspector_get_busy (inspector));
  g_assert_finalize_object (inspector);
  spin (500);
}

int
main (int   argc,
      char *argv[])
{
  widget_test_init (&argc, &argv);

  g_test_add_func ("/column-inspector/inspect", test_inspector);
  g_test_add_func ("/column-inspector/finalize-while-busy", test_finalize_while_busy);
  g_test_add_func ("/column-inspector/datetime-stats", test_datetime_stats);
  return g_test_run ();
}
