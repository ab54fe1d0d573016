/* test-export-onnx.c: the Export step's ONNX group, as a user goes through it: train on the
 * penguins example, open the Export step, export ONNX, read the check, the inputs and outputs
 * with their types, and copy the snippet.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "kiln-application.h"
#include "kiln-export-onnx.h"
#include "kiln-window.h"

static KilnApplication *app;

static gboolean
wait_for (gboolean (*done) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
has_frame (gpointer data)
{
  return kiln_project_get_frame (kiln_window_get_project (data)) != NULL &&
         !kiln_window_is_loading (data);
}

static gboolean
has_result (gpointer data)
{
  return kiln_project_get_result (kiln_window_get_project (data)) != NULL;
}

static gboolean
is_idle (gpointer data)
{
  return !kiln_export_onnx_is_busy (data);
}

static gboolean
forgot_export (gpointer data)
{
  return kiln_export_onnx_get_snippet (data) == NULL;
}

static GtkWidget *
find_widget (GtkWidget *widget, GType type, const char *title)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      (title == NULL ||
       g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, title);
      if (found)
        return found;
    }
  return NULL;
}

/* The text of the first label inside @widget. */
static const char *
suffix_text (GtkWidget *widget)
{
  GtkWidget *label = NULL;

  for (GtkWidget *w = widget; w != NULL && label == NULL;)
    {
      if (GTK_IS_LABEL (w) && gtk_widget_has_css_class (w, "monospace"))
        label = w;
      else if (gtk_widget_get_first_child (w))
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != widget && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == widget ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  return label ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
save_screenshot (GtkWidget *window, const char *name)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkPaintable *paintable;
  int w, h;

  settle (300);
  w = gtk_widget_get_width (window);
  h = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  for (int attempt = 0; node == NULL && attempt < 50; attempt++)
    {
      GtkSnapshot *snapshot;

      gtk_widget_queue_draw (window);
      settle (100);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_object_unref (paintable);
  if (node == NULL)
    {
      g_test_message ("no screenshot %s: the window drew nothing", name);
      return;
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                           name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

typedef struct {
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
on_clipboard_text (GObject *source, GAsyncResult *result, gpointer data)
{
  ClipboardRead *read = data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

static void
test_export_onnx (void)
{
  KilnWindow *window = kiln_window_new (app);
  g_autofree char *dir = g_dir_make_tmp ("kiln-app-onnx-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "penguins.onnx", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  KilnExportOnnx *onnx;
  GtkWidget *check, *row;
  const char *subtitle, *snippet;
  ClipboardRead read = { NULL, FALSE };

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-example", "s", "penguins.csv");
  g_assert_true (wait_for (has_frame, window, 20000));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-target", "s", "species");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-model", "s", "logreg");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
  g_assert_true (wait_for (has_result, window, 60000));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.goto-page", "s", "export");

  onnx = KILN_EXPORT_ONNX (find_widget (GTK_WIDGET (window), KILN_TYPE_EXPORT_ONNX, NULL));
  g_assert_nonnull (onnx);
  g_assert_null (kiln_export_onnx_get_snippet (onnx));
  kiln_export_onnx_export_to (onnx, file);
  g_assert_true (wait_for (is_idle, onnx, 60000));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* the check: Kiln's reading of the file, then onnx.checker (python3-onnx is a test dep) */
  check = find_widget (GTK_WIDGET (onnx), ADW_TYPE_ACTION_ROW, "Check");
  g_assert_nonnull (check);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (check));
  g_assert_nonnull (strstr (subtitle, "well-formed graph"));
  g_assert_nonnull (strstr (subtitle, "ai.onnx.ml 3"));
  g_assert_nonnull (strstr (subtitle, "passed"));

  /* inputs and outputs with their types */
  row = find_widget (GTK_WIDGET (onnx), ADW_TYPE_ACTION_ROW, "island");
  g_assert_nonnull (row);
  g_assert_cmpstr (suffix_text (row), ==, "string [N, 1]");
  row = find_widget (GTK_WIDGET (onnx), ADW_TYPE_ACTION_ROW, "bill_length_mm");
  g_assert_nonnull (row);
  g_assert_cmpstr (suffix_text (row), ==, "double [N, 1]");
  g_assert_null (find_widget (GTK_WIDGET (onnx), ADW_TYPE_ACTION_ROW, "species"));
  row = find_widget (GTK_WIDGET (onnx), ADW_TYPE_ACTION_ROW, "probabilities");
  g_assert_nonnull (row);
  g_assert_cmpstr (suffix_text (row), ==, "float [N, 3]");
  row = find_widget (GTK_WIDGET (onnx), ADW_TYPE_ACTION_ROW, "label");
  g_assert_nonnull (row);
  g_assert_cmpstr (suffix_text (row), ==, "string [N]");

  /* the snippet names the file and the inputs, and the copy button puts it on the clipboard */
  snippet = kiln_export_onnx_get_snippet (onnx);
  g_assert_nonnull (snippet);
  g_assert_nonnull (strstr (snippet, path));
  g_assert_nonnull (strstr (snippet, "\"island\""));
  gtk_widget_activate_action (GTK_WIDGET (onnx), "onnx.copy-snippet", NULL);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (onnx)), NULL,
                                 on_clipboard_text, &read);
  g_assert_true (wait_for (clipboard_read, &read, 5000));
  g_assert_cmpstr (read.text, ==, snippet);
  g_free (read.text);

  save_screenshot (GTK_WIDGET (window), "app-export-onnx.png");
  {
    /* and the rest of the group: the inputs opened, the snippet at the bottom */
    GtkWidget *scroll = gtk_widget_get_ancestor (GTK_WIDGET (onnx), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adj;

    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (find_widget (GTK_WIDGET (onnx),
                                                                  ADW_TYPE_EXPANDER_ROW, "Inputs")),
                                   TRUE);
    settle (300);
    g_assert_nonnull (scroll);
    adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroll));
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
    save_screenshot (GTK_WIDGET (window), "app-export-onnx-snippet.png");
  }

  /* a new model forgets the export */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-model", "s", "nb");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL);
  g_assert_true (wait_for (forgot_export, onnx, 60000));

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("KILN_DATA_DIR", KILN_SOURCE_DATADIR, FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/app/export-onnx", test_export_onnx);
  ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
