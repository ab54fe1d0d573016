/* test-confusion-matrix.c: clicking a cell emits it and the rows behind it; 26 classes fit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "kiln-widgets.h"
#include "kiln-widgets-private.h"
#include "widget-test-utils.h"

typedef struct {
  int  actual;
  int  predicted;
  guint n;
} Activation;

static void
cell_activated_cb (KilnConfusionMatrix *cm,
                   guint                actual,
                   guint                predicted,
                   Activation          *act)
{
  act->actual = actual;
  act->predicted = predicted;
  act->n++;
}

static void
test_click_emits_rows (void)
{
  /* 30 iris-like rows: mostly right, a few confusions between classes 1 and 2. */
  const char *names[] = { "setosa", "versicolor", "virginica" };
  gint32 y_true[30], y_pred[30];
  g_autoptr(KilnConfusion) confusion = NULL;
  KilnConfusionMatrix *cm = g_object_ref_sink (KILN_CONFUSION_MATRIX (kiln_confusion_matrix_new ()));
  Activation act = { -1, -1, 0 };
  GtkWidget *window;

  for (guint i = 0; i < 30; i++)
    {
      y_true[i] = i / 10;
      y_pred[i] = y_true[i];
    }
  y_pred[12] = 2;
  y_pred[17] = 2;
  y_pred[25] = 1;
  confusion = kiln_confusion_new (y_true, y_pred, 30, 3);

  kiln_confusion_matrix_set_confusion (cm, confusion, names);
  g_assert_cmpuint (kiln_confusion_matrix_get_n_classes (cm), ==, 3);
  g_assert_cmpuint (kiln_confusion_matrix_get_count (cm, 1, 2), ==, 2);
  g_signal_connect (cm, "cell-activated", G_CALLBACK (cell_activated_cb), &act);
  window = show_in_window (GTK_WIDGET (cm), 480, 440);

  for (guint a = 0; a < 3; a++)
    for (guint p = 0; p < 3; p++)
      {
        graphene_rect_t area;
        const guint32 *rows;
        guint n_rows, expected = 0, k = 0, hit_a, hit_p;

        g_assert_true (kiln_confusion_matrix_get_cell_area (cm, a, p, &area));
        g_assert_true (kiln_confusion_matrix_cell_at (cm, area.origin.x + area.size.width / 2,
                                                      area.origin.y + area.size.height / 2,
                                                      &hit_a, &hit_p));
        g_assert_cmpuint (hit_a, ==, a);
        g_assert_cmpuint (hit_p, ==, p);

        /* Near a corner of the cell, as a user might click. */
        _kiln_confusion_matrix_click_at (cm, area.origin.x + area.size.width * 0.9,
                                         area.origin.y + area.size.height * 0.1);
        g_assert_cmpint (act.actual, ==, a);
        g_assert_cmpint (act.predicted, ==, p);

        rows = kiln_confusion_matrix_get_cell_rows (cm, act.actual, act.predicted, &n_rows);
        for (guint i = 0; i < 30; i++)
          if ((guint) y_true[i] == a && (guint) y_pred[i] == p)
            {
              g_assert_cmpuint (k, <, n_rows);
              g_assert_cmpuint (rows[k], ==, i);
              k++;
              expected++;
            }
        g_assert_cmpuint (n_rows, ==, expected);
        g_assert_cmpuint (n_rows, ==, kiln_confusion_matrix_get_count (cm, a, p));
      }
  g_assert_cmpuint (act.n, ==, 9);

  /* The two misclassified versicolor are the rows 12 and 17. */
  {
    guint n_rows;
    const guint32 *rows = kiln_confusion_matrix_get_cell_rows (cm, 1, 2, &n_rows);

    g_assert_cmpuint (n_rows, ==, 2);
    g_assert_cmpuint (rows[0], ==, 12);
    g_assert_cmpuint (rows[1], ==, 17);
  }

  /* Outside the grid nothing happens. */
  _kiln_confusion_matrix_click_at (cm, 1, 1);
  _kiln_confusion_matrix_click_at (cm, gtk_widget_get_width (GTK_WIDGET (cm)) - 1,
                                   gtk_widget_get_height (GTK_WIDGET (cm)) - 1);
  g_assert_cmpuint (act.n, ==, 9);

  /* Row percentages */
  g_object_set (cm, "normalized", TRUE, NULL);
  g_assert_true (kiln_confusion_matrix_get_normalized (cm));
  spin (50);

  gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_assert_finalize_object (cm);
}

static void
test_26_classes (void)
{
  KilnConfusionMatrix *cm = g_object_ref_sink (KILN_CONFUSION_MATRIX (kiln_confusion_matrix_new ()));
  char *names[27] = { NULL, };
  guint counts[26 * 26];
  Activation act = { -1, -1, 0 };
  GtkWidget *window;
  int width, height;

  for (guint i = 0; i < 26; i++)
    names[i] = g_strdup_printf ("%c", 'A' + i);
  for (guint a = 0; a < 26; a++)
    for (guint p = 0; p < 26; p++)
      counts[a * 26 + p] = a == p ? 700 + a : (a * 7 + p * 3) % 11 == 0 ? (a + p) % 9 : 0;
  kiln_confusion_matrix_set_data (cm, 26, (const char * const *) names, counts);
  for (guint i = 0; i < 26; i++)
    g_free (names[i]);
  g_signal_connect (cm, "cell-activated", G_CALLBACK (cell_activated_cb), &act);

  window = show_in_window (GTK_WIDGET (cm), 500, 500);
  width = gtk_widget_get_width (GTK_WIDGET (cm));
  height = gtk_widget_get_height (GTK_WIDGET (cm));

  for (guint a = 0; a < 26; a += 5)
    for (guint p = 0; p < 26; p += 5)
      {
        graphene_rect_t area;

        g_assert_true (kiln_confusion_matrix_get_cell_area (cm, a, p, &area));
        /* Readable: cells of at least 12 px, all inside the widget. */
        g_assert_cmpfloat (area.size.width, >=, 12);
        g_assert_cmpfloat (area.origin.x + area.size.width, <=, width);
        g_assert_cmpfloat (area.origin.y + area.size.height, <=, height);
        _kiln_confusion_matrix_click_at (cm, area.origin.x + area.size.width / 2,
                                         area.origin.y + area.size.height / 2);
        g_assert_cmpint (act.actual, ==, a);
        g_assert_cmpint (act.predicted, ==, p);
      }
  /* Without a KilnConfusion there are counts but no rows. */
  {
    guint n_rows = 99;

    g_assert_null (kiln_confusion_matrix_get_cell_rows (cm, 0, 0, &n_rows));
    g_assert_cmpuint (n_rows, ==, 0);
    g_assert_cmpuint (kiln_confusion_matrix_get_count (cm, 3, 3), ==, 703);
  }

  /* Clearing */
  kiln_confusion_matrix_set_data (cm, 0, NULL, NULL);
  g_assert_cmpuint (kiln_confusion_matrix_get_n_classes (cm), ==, 0);
  g_assert_false (kiln_confusion_matrix_cell_at (cm, width / 2.0, height / 2.0, NULL, NULL));
  spin (50);

  gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_assert_finalize_object (cm);
}

int
main (int   argc,
      char *argv[])
{
  widget_test_init (&argc, &argv);

  g_test_add_func ("/confusion-matrix/click-emits-rows", test_click_emits_rows);
  g_test_add_func ("/confusion-matrix/26-classes", test_26_classes);
  return g_test_run ();
}
