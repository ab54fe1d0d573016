/* test-export-onnx.c: the Export step's ONNX group, as a user goes through it, with real clicks
 * (kiln-ui-driver.h): train on the penguins example, open the Export step, "Export ONNX…" and
 * its file chooser, read the check, open the inputs, and copy the snippet.
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
#include "kiln-ui-driver.h"
#include "kiln-window.h"

static KilnApplication *app;


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

typedef struct { KilnWindow *window; const char *page; } PageWait;

static gboolean
page_is (gpointer data)
{
  PageWait *w = data;
  return g_strcmp0 (kiln_window_get_page (w->window), w->page) == 0;
}

/* Clicks the step's tab in the header. */
static void
goto_step (KilnWindow *window, const char *title, const char *page)
{
  GtkWidget *switcher = kiln_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_TITLE, NULL);
  GtkWidget *label = switcher ? kiln_ui_find (switcher, GTK_TYPE_LABEL, title) : NULL;

  g_assert_nonnull (label);
  kiln_ui_click (label);
  /* the switch happens when GTK handles the click: later under load */
  {
    PageWait w = { window, page };
    if (!kiln_ui_wait (page_is, &w, 10000))
      g_assert_cmpstr (kiln_window_get_page (window), ==, page);
  }
}

static GtkWidget *
page_widget (KilnWindow *window, const char *name)
{
  GtkWidget *stack = kiln_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL);
  return adw_view_stack_get_child_by_name (ADW_VIEW_STACK (stack), name);
}

/* A user's way through it: the penguins example, a logistic regression, the Export step's
 * "Export ONNX…" and its file chooser, the check, the inputs opened, Copy. */
static void
test_export_onnx (void)
{
  KilnWindow *window;
  KilnProject *project;
  g_autofree char *dir = g_dir_make_tmp ("kiln-app-onnx-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "penguins.onnx", NULL);
  KilnExportOnnx *onnx;
  GtkWidget *export_page, *check, *row, *button;
  const char *subtitle, *snippet;
  ClipboardRead read = { NULL, FALSE };

  if (!kiln_ui_available ())
    {
      g_test_skip ("needs an X display and xdotool");
      return;
    }
  window = kiln_window_new (app);
  project = kiln_window_get_project (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  kiln_ui_settle (300);
  kiln_ui_focus_window (GTK_WIDGET (window));

  kiln_ui_click (kiln_ui_row (GTK_WIDGET (window), "Palmer penguins"));
  g_assert_true (kiln_ui_wait (has_frame, window, 30000));
  kiln_ui_settle (300);
  goto_step (window, "Prepare", "prepare");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (page_widget (window, "prepare"), "Target column")),
                  "species");
  goto_step (window, "Train", "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (page_widget (window, "train"), "Family")),
                  "Logistic regression");
  g_assert_cmpstr (kiln_project_get_model_name (project), ==, "logreg");
  kiln_ui_click (kiln_ui_find (page_widget (window, "train"), GTK_TYPE_BUTTON, "Train"));
  g_assert_true (kiln_ui_wait (has_result, window, 120000));
  kiln_ui_settle (300);

  goto_step (window, "Export", "export");
  export_page = page_widget (window, "export");
  onnx = KILN_EXPORT_ONNX (kiln_ui_find (export_page, KILN_TYPE_EXPORT_ONNX, NULL));
  g_assert_nonnull (onnx);
  g_assert_null (kiln_export_onnx_get_snippet (onnx));
  button = kiln_ui_find (GTK_WIDGET (onnx), GTK_TYPE_BUTTON, "Export ONNX…");
  g_assert_nonnull (button);
  kiln_ui_click (button);
  kiln_ui_answer_file_chooser (path);
  g_assert_true (kiln_ui_wait (is_idle, onnx, 60000));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* the check: Kiln's reading of the file, then onnx.checker (python3-onnx is a test dep) */
  check = kiln_ui_row (GTK_WIDGET (onnx), "Check");
  g_assert_nonnull (check);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (check));
  g_assert_nonnull (strstr (subtitle, "well-formed graph"));
  g_assert_nonnull (strstr (subtitle, "ai.onnx.ml 3"));
  g_assert_nonnull (strstr (subtitle, "passed"));

  /* the outputs are listed open; the inputs open with a click */
  row = kiln_ui_row (GTK_WIDGET (onnx), "probabilities");
  g_assert_nonnull (row);
  g_assert_cmpstr (suffix_text (row), ==, "float [N, 3]");
  g_assert_cmpstr (suffix_text (kiln_ui_row (GTK_WIDGET (onnx), "label")), ==, "string [N]");
  kiln_ui_screenshot (GTK_WIDGET (window), "app-export-onnx.png");
  kiln_ui_click (kiln_ui_row (GTK_WIDGET (onnx), "Inputs"));
  kiln_ui_settle (300);
  row = kiln_ui_row (GTK_WIDGET (onnx), "island");
  g_assert_nonnull (row);
  g_assert_cmpstr (suffix_text (row), ==, "string [N, 1]");
  row = kiln_ui_row (GTK_WIDGET (onnx), "bill_length_mm");
  g_assert_nonnull (row);
  g_assert_cmpstr (suffix_text (row), ==, "double [N, 1]");
  g_assert_null (kiln_ui_row (GTK_WIDGET (onnx), "species"));

  /* the snippet names the file and the inputs; Copy puts it on the clipboard */
  snippet = kiln_export_onnx_get_snippet (onnx);
  g_assert_nonnull (snippet);
  g_assert_nonnull (strstr (snippet, path));
  g_assert_nonnull (strstr (snippet, "\"island\""));
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (onnx), GTK_TYPE_BUTTON, "Copy"));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (onnx)), NULL,
                                 on_clipboard_text, &read);
  g_assert_true (kiln_ui_wait (clipboard_read, &read, 5000));
  g_assert_cmpstr (read.text, ==, snippet);
  g_free (read.text);
  kiln_ui_screenshot (GTK_WIDGET (window), "app-export-onnx-snippet.png");

  /* a new model forgets the export */
  goto_step (window, "Train", "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (page_widget (window, "train"), "Family")),
                  "Gaussian naive Bayes");
  kiln_ui_click (kiln_ui_find (page_widget (window, "train"), GTK_TYPE_BUTTON, "Train"));
  g_assert_true (kiln_ui_wait (forgot_export, onnx, 120000));

  gtk_window_destroy (GTK_WINDOW (window));
  kiln_ui_settle (100);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("KILN_DATA_DIR", KILN_SOURCE_DATADIR, FALSE);
  g_setenv ("GTK_USE_PORTAL", "0", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/app/export-onnx", test_export_onnx);
  ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
