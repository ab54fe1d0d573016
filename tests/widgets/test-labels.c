/* test-labels.c: Korean lines break between words, never inside one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "kiln-widgets.h"
#include "widget-test-utils.h"

/* The byte offsets where the label's lines start, laid out @width pixels wide. */
static GArray *
line_starts (GtkLabel *label, int width)
{
  PangoLayout *layout;
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (int));

  gtk_widget_set_size_request (GTK_WIDGET (label), width, -1);
  layout = gtk_label_get_layout (label);
  pango_layout_set_width (layout, width * PANGO_SCALE);
  for (GSList *l = pango_layout_get_lines_readonly (layout); l; l = l->next)
    {
      int start = ((PangoLayoutLine *) l->data)->start_index;
      g_array_append_val (starts, start);
    }
  return starts;
}

static void
assert_breaks_at_spaces (GtkLabel *label, int width)
{
  const char *text = pango_layout_get_text (gtk_label_get_layout (label));
  g_autoptr(GArray) starts = line_starts (label, width);

  g_assert_cmpuint (starts->len, >, 1);
  for (guint i = 1; i < starts->len; i++)
    {
      int at = g_array_index (starts, int, i);
      const char *before = g_utf8_prev_char (text + at);

      g_test_message ("line %u starts at “%s”", i, text + at);
      g_assert_true (g_unichar_isspace (g_utf8_get_char (before)));
    }
}

static void
test_keep_words (void)
{
  const char *text = "파일을 열 수 없습니다. 파일이 다른 프로그램에서 열려 있거나 형식이 올바르지 않습니다.";
  GtkWidget *window;
  GtkLabel *label = GTK_LABEL (gtk_label_new (text));
  PangoAttrIterator *it;
  guint kept = 0;

  gtk_label_set_wrap (label, TRUE);
  window = show_in_window (GTK_WIDGET (label), 300, 200);

  /* mapped: the hook gave every Korean word an allow_breaks=FALSE range */
  g_assert_nonnull (gtk_label_get_attributes (label));
  it = pango_attr_list_get_iterator (gtk_label_get_attributes (label));
  do
    {
      PangoAttrInt *a = (PangoAttrInt *) pango_attr_iterator_get (it, PANGO_ATTR_ALLOW_BREAKS);
      if (a && !a->value)
        kept++;
    }
  while (pango_attr_iterator_next (it));
  pango_attr_iterator_destroy (it);
  g_assert_cmpuint (kept, >=, 8);
  for (int width = 60; width <= 220; width += 20)
    assert_breaks_at_spaces (label, width);

  /* a new text: the ranges follow it */
  gtk_label_set_text (label, "모델을 학습하는 동안 창은 계속 반응합니다. 언제든지 취소할 수 있습니다.");
  for (int width = 60; width <= 220; width += 40)
    assert_breaks_at_spaces (label, width);

  /* English keeps what it had: no ranges */
  gtk_label_set_text (label, "The window stays responsive while a model trains.");
  if (gtk_label_get_attributes (label))
    {
      it = pango_attr_list_get_iterator (gtk_label_get_attributes (label));
      g_assert_null (pango_attr_iterator_get (it, PANGO_ATTR_ALLOW_BREAKS));
      pango_attr_iterator_destroy (it);
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  widget_test_init (&argc, &argv);

  g_test_add_func ("/labels/keep-korean-words", test_keep_words);
  return g_test_run ();
}
