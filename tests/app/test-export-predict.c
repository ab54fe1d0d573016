/* test-export-predict.c: the Export step's "Predict a File" group, as a user goes through it,
 * with real clicks (kiln-ui-driver.h): train on the penguins example, predict a new file of
 * 50,000 rows (no target column, missing cells, an island training never saw) through the file
 * chooser, read the table (the first 1,000 rows, the rest counted), save every row, predict a
 * file with a bad value (the error names its line and column, a quoted line break before it
 * counted) and one without a column the model needs, cancel a prediction of 2,400,000 rows,
 * predict all of them with the peak memory growing by far less than the file, and cancel a save
 * (no file, no temporary file left).
 *
 * The window's answers are checked against the bundle predicting the whole file at once (read
 * with kiln_csv_read, not streamed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kiln-application.h"
#include "kiln-bundle.h"
#include "kiln-csv.h"
#include "kiln-data-table.h"
#include "kiln-export-predict.h"
#include "kiln-format.h"
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
  return !kiln_export_predict_is_busy (data);
}

/* Waits for the group to finish, then for the window to show what it finished with. */
static void
wait_idle (KilnExportPredict *predict, guint timeout_ms)
{
  g_assert_true (kiln_ui_wait (is_idle, predict, timeout_ms));
  kiln_ui_settle (300);
}

static gboolean
progress_moved (gpointer data)
{
  GtkWidget *bar = kiln_ui_find (data, GTK_TYPE_PROGRESS_BAR, NULL);

  return bar != NULL && gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar)) > 0.0;
}

typedef struct { KilnWindow *window; const char *page; } PageWait;

static gboolean
page_is (gpointer data)
{
  PageWait *w = data;
  return g_strcmp0 (kiln_window_get_page (w->window), w->page) == 0;
}

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

/* ---- Files --------------------------------------------------------------------------------- */

/* The example's data rows without the species (its first field; no field holds a comma). */
static GPtrArray *
penguin_rows (void)
{
  g_autofree char *path = g_build_filename (KILN_SOURCE_DATADIR, "examples", "penguins.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *comma = strchr (lines[i], ',');
      if (comma != NULL)
        g_ptr_array_add (rows, g_strdup (comma + 1));
    }
  g_assert_cmpuint (rows->len, >, 300);
  return rows;
}

/* Rows of the file that is cancelled: large enough that a loaded machine cannot finish it before
 * the click lands (about 85 MB, some seconds). */
#define BIG_ROWS 2400000

#define HEADER "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex"

/* @n rows cycling through the example's: every 97th with its bill length missing, every 89th
 * with its sex missing, every 1000th from an island training never saw. Written a row at a time:
 * the test never holds a large file in memory (it measures the memory predicting takes). */
static char *
write_new_data (const char *dir, const char *name, guint n)
{
  g_autoptr(GPtrArray) rows = penguin_rows ();
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  char *path = g_build_filename (dir, name, NULL);
  FILE *out = fopen (path, "w");

  g_assert_nonnull (out);
  for (guint i = 0; i < rows->len; i++)
    {
      char **f = g_strsplit (rows->pdata[i], ",", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 6);
      g_ptr_array_add (fields, f);
    }
  fputs (HEADER "\n", out);
  for (guint i = 0; i < n; i++)
    {
      char **f = fields->pdata[i % fields->len];

      fprintf (out, "%s,%s,%s,%s,%s,%s\n", i % 1000 == 999 ? "Atlantis" : f[0],
               i % 97 == 5 ? "" : f[1], f[2], f[3], f[4], i % 89 == 7 ? "NA" : f[5]);
    }
  g_assert_cmpint (fclose (out), ==, 0);
  return path;
}

/* @n rows with a note column whose third row holds a quoted line break, and "deep" as the bill
 * depth of data row @bad (1-based); *@line gets the line it is on. */
static char *
write_bad_data (const char *dir, guint n, guint bad, guint64 *line)
{
  g_autoptr(GPtrArray) rows = penguin_rows ();
  g_autoptr(GString) out = g_string_new (HEADER ",note\n");
  char *path = g_build_filename (dir, "bad.csv", NULL);
  guint64 lines = 1;

  for (guint i = 1; i <= n; i++)
    {
      g_auto(GStrv) f = g_strsplit (rows->pdata[(i - 1) % rows->len], ",", -1);

      lines++;
      if (i == bad)
        *line = lines;
      g_string_append_printf (out, "%s,%s,%s,%s,%s,%s,%s\n", f[0], f[1],
                              i == bad ? "deep" : f[2], f[3], f[4], f[5],
                              i == 3 ? "\"two\nlines\"" : "seen");
      if (i == 3)
        lines++;
    }
  g_assert_true (g_file_set_contents (path, out->str, (gssize) out->len, NULL));
  return path;
}

/* The bundle's predictions of the whole file, read at once. */
static KilnFrame *
reference (KilnBundle *bundle, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) raw = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  KilnFrame *predicted;

  g_assert_no_error (error);
  predicted = kiln_bundle_predict_frame (bundle, raw, &error);
  g_assert_no_error (error);
  return predicted;
}

/* Column @name of @a and @b agree on rows 0 .. @n - 1 (numbers within 1e-12). */
static void
assert_same_column (KilnFrame *a, KilnFrame *b, const char *name, guint n)
{
  int ca = kiln_frame_find_column (a, name), cb = kiln_frame_find_column (b, name);

  g_assert_cmpint (ca, >=, 0);
  g_assert_cmpint (cb, >=, 0);
  for (guint r = 0; r < n; r++)
    {
      g_autofree char *x = kiln_frame_format_cell (a, (guint) ca, r);
      g_autofree char *y = kiln_frame_format_cell (b, (guint) cb, r);

      g_assert_cmpint (kiln_frame_is_missing (a, (guint) ca, r), ==,
                       kiln_frame_is_missing (b, (guint) cb, r));
      if (kiln_frame_is_missing (a, (guint) ca, r))
        continue;
      if (kiln_column_is_numeric_like (kiln_frame_get_column (a, (guint) ca)))
        g_assert_cmpfloat_with_epsilon (kiln_frame_get_double (a, (guint) ca, r),
                                        kiln_frame_get_double (b, (guint) cb, r), 1e-12);
      else
        g_assert_cmpstr (x, ==, y);
    }
}

/* The process's peak resident memory so far (VmHWM), KiB. */
static guint64
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* Texts with counts as the window formats them (grouped or not, as the locale says). The
 * returned strings live until the test ends. */
static GPtrArray *texts;

static const char *
counted (const char *format, guint64 n)
{
  g_autofree char *count = kiln_format_count (n);
  char *text;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  text = g_strdup_printf (format, count);
#pragma GCC diagnostic pop
  g_ptr_array_add (texts, text);
  return text;
}

static const char *
shown_note (guint64 shown, guint64 more)
{
  g_autofree char *a = kiln_format_count (shown);
  g_autofree char *b = kiln_format_count (more);
  char *text = g_strdup_printf ("The first %s rows are shown; %s more were predicted and counted, "
                                "not kept. Save Predictions writes every row.", a, b);

  g_ptr_array_add (texts, text);
  return text;
}

/* Each class's share of the "prediction" column, as the group shows it. */
static const char *
shares (KilnFrame *predicted)
{
  int c = kiln_frame_find_column (predicted, "prediction");
  KilnColumn *column = kiln_frame_get_column (predicted, (guint) c);
  guint n = kiln_frame_get_n_rows (predicted);
  const char *classes[] = { "Adelie", "Chinstrap", "Gentoo" };
  GString *out = g_string_new (NULL);

  for (guint k = 0; k < G_N_ELEMENTS (classes); k++)
    {
      guint count = 0;
      g_autofree char *share = NULL;

      for (guint r = 0; r < n; r++)
        count += g_strcmp0 (kiln_column_get_string (column, r), classes[k]) == 0;
      share = kiln_format_percent ((double) count / n);
      g_string_append_printf (out, "%s%s %s", k ? " · " : "", classes[k], share);
    }
  g_ptr_array_add (texts, out->str);
  return g_string_free (out, FALSE);
}

/* ---- The journey --------------------------------------------------------------------------- */

static void
test_export_predict (void)
{
  KilnWindow *window;
  KilnProject *project;
  g_autofree char *dir = g_dir_make_tmp ("kiln-app-predict-XXXXXX", NULL);
  g_autofree char *small = NULL, *bad = NULL, *big = NULL;
  g_autofree char *out = g_build_filename (dir, "small-predictions.csv", NULL);
  g_autofree char *cancelled = g_build_filename (dir, "big-predictions.csv", NULL);
  g_autoptr(KilnFrame) expected = NULL;
  g_autoptr(KilnFrame) saved = NULL;
  g_autoptr(GError) error = NULL;
  KilnExportPredict *predict;
  KilnBundle *bundle;
  KilnFrame *preview;
  GtkWidget *export_page, *row, *note;
  const char *subtitle, *message;
  guint64 bad_line = 0, hwm;
  guint n_files;

  if (!kiln_ui_available ())
    {
      g_test_skip ("needs an X display and xdotool");
      return;
    }
  small = write_new_data (dir, "small.csv", 50000);
  bad = write_bad_data (dir, 40000, 30000, &bad_line);
  big = write_new_data (dir, "big.csv", BIG_ROWS);

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
  kiln_ui_click (kiln_ui_find (page_widget (window, "train"), GTK_TYPE_BUTTON, "Train"));
  g_assert_true (kiln_ui_wait (has_result, window, 120000));
  kiln_ui_settle (300);
  bundle = kiln_project_get_result (project)->bundle;

  goto_step (window, "Export", "export");
  export_page = page_widget (window, "export");
  predict = KILN_EXPORT_PREDICT (kiln_ui_find (export_page, KILN_TYPE_EXPORT_PREDICT, NULL));
  g_assert_nonnull (predict);
  g_assert_null (kiln_export_predict_get_preview (predict));
  g_assert_null (kiln_ui_find (GTK_WIDGET (predict), KILN_TYPE_DATA_TABLE, NULL));
  g_assert_null (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Save Predictions…"));

  /* 50,000 new rows: the table shows the first 1,000 with their predictions first */
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Predict a File…"));
  kiln_ui_answer_file_chooser (small);
  wait_idle (predict, 120000);
  g_assert_null (kiln_export_predict_get_error (predict));
  g_assert_cmpuint (kiln_export_predict_get_n_rows (predict), ==, 50000);
  preview = kiln_export_predict_get_preview (predict);
  g_assert_nonnull (preview);
  g_assert_cmpuint (kiln_frame_get_n_rows (preview), ==, KILN_EXPORT_PREDICT_PREVIEW_ROWS);
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (preview, 0)), ==, "prediction");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (preview, 1)), ==, "p_Adelie");
  g_assert_cmpstr (kiln_column_get_name (kiln_frame_get_column (preview, 4)), ==, "island");
  g_assert_true (kiln_data_table_get_frame (KILN_DATA_TABLE (kiln_ui_find (GTK_WIDGET (predict),
                                                                            KILN_TYPE_DATA_TABLE,
                                                                            NULL))) == preview);
  note = kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_LABEL, shown_note (1000, 49000));
  g_assert_nonnull (note);
  row = kiln_ui_row (GTK_WIDGET (predict), "New data (.csv)");
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_true (g_str_has_prefix (subtitle, counted ("small.csv: %s rows predicted in ", 50000)));
  expected = reference (bundle, small);
  g_assert_cmpuint (kiln_frame_get_n_rows (expected), ==, 50000);
  /* the summary counts every row, not only those shown */
  row = kiln_ui_row (GTK_WIDGET (predict), "Predicted, every row");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, shares (expected));
  assert_same_column (preview, expected, "prediction", KILN_EXPORT_PREDICT_PREVIEW_ROWS);
  assert_same_column (preview, expected, "p_Gentoo", KILN_EXPORT_PREDICT_PREVIEW_ROWS);
  assert_same_column (preview, expected, "island", KILN_EXPORT_PREDICT_PREVIEW_ROWS);
  kiln_ui_scroll_into_view (note);
  kiln_ui_screenshot (GTK_WIDGET (window), "app-export-predict.png");

  /* Save: every row, written whole */
  n_files = count_files (dir);
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Save Predictions…"));
  kiln_ui_answer_file_chooser (out);
  wait_idle (predict, 120000);
  g_assert_null (kiln_export_predict_get_error (predict));
  g_assert_nonnull (kiln_ui_row (GTK_WIDGET (predict), "Saved"));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (kiln_ui_row (GTK_WIDGET (predict),
                                                                             "Saved"))),
                   ==, counted ("Saved %s rows to small-predictions.csv", 50000));
  g_assert_cmpuint (count_files (dir), ==, n_files + 1);   /* no temporary file left */
  saved = kiln_csv_read (out, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_frame_get_n_rows (saved), ==, 50000);
  g_assert_cmpuint (kiln_frame_get_n_columns (saved), ==, kiln_frame_get_n_columns (expected));
  assert_same_column (saved, expected, "prediction", 50000);
  assert_same_column (saved, expected, "p_Adelie", 50000);
  assert_same_column (saved, expected, "p_Chinstrap", 50000);
  assert_same_column (saved, expected, "bill_length_mm", 50000);

  /* a word where a number belongs, in the third piece, after a quoted line break */
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Predict a File…"));
  kiln_ui_answer_file_chooser (bad);
  wait_idle (predict, 120000);
  message = kiln_export_predict_get_error (predict);
  g_assert_nonnull (message);
  {
    g_autofree char *where = g_strdup_printf ("bad.csv, line %" G_GUINT64_FORMAT ", column 3: ",
                                              bad_line);
    g_test_message ("error: %s", message);
    g_assert_cmpuint (bad_line, ==, 30002);
    g_assert_true (g_str_has_prefix (message, where));
    g_assert_nonnull (strstr (message, "bill_depth_mm"));
    g_assert_nonnull (strstr (message, "row 30000"));
    g_assert_nonnull (strstr (message, "“deep”"));
  }
  row = kiln_ui_row (GTK_WIDGET (predict), "Kiln could not predict this file");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, message);
  /* no table, and nothing to save */
  g_assert_null (kiln_ui_find (GTK_WIDGET (predict), KILN_TYPE_DATA_TABLE, NULL));
  g_assert_null (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Save Predictions…"));
  kiln_ui_scroll_into_view (row);
  kiln_ui_screenshot (GTK_WIDGET (window), "app-export-predict-error.png");

  /* a file without a column the model needs */
  {
    g_autofree char *nocol = g_build_filename (dir, "nocol.csv", NULL);

    g_assert_true (g_file_set_contents (nocol, "island,bill_depth_mm,flipper_length_mm,"
                                        "body_mass_g,sex\nDream,18,190,3700,male\n", -1, NULL));
    kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Predict a File…"));
    kiln_ui_answer_file_chooser (nocol);
    wait_idle (predict, 60000);
    message = kiln_export_predict_get_error (predict);
    g_assert_nonnull (message);
    g_test_message ("error: %s", message);
    g_assert_true (g_str_has_prefix (message, "nocol.csv: "));
    g_assert_nonnull (strstr (message, "bill_length_mm"));
  }

  /* 2,400,000 rows: the progress moves, Cancel stops it */
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Predict a File…"));
  kiln_ui_answer_file_chooser (big);
  g_assert_true (kiln_export_predict_is_busy (predict));
  g_assert_true (kiln_ui_wait (progress_moved, predict, 60000));
  kiln_ui_screenshot (GTK_WIDGET (window), "app-export-predict-progress.png");
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Cancel"));
  wait_idle (predict, 30000);
  row = kiln_ui_row (GTK_WIDGET (predict), "Cancelled");
  g_assert_nonnull (row);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                   "Cancelled after "));
  g_assert_null (kiln_export_predict_get_preview (predict));

  /* all of it, in little memory: the peak grows by far less than the file's size (the rows read
   * whole would take more than the file) */
  hwm = peak_rss_kib ();
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Predict a File…"));
  kiln_ui_answer_file_chooser (big);
  wait_idle (predict, 400000);
  g_assert_null (kiln_export_predict_get_error (predict));
  g_assert_cmpuint (kiln_export_predict_get_n_rows (predict), ==, BIG_ROWS);
  g_assert_nonnull (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_LABEL,
                                  shown_note (1000, BIG_ROWS - 1000)));
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (big, &st), ==, 0);
    g_test_message ("peak resident memory grew by %" G_GUINT64_FORMAT " KiB predicting %"
                    G_GUINT64_FORMAT " KiB of CSV", peak_rss_kib () - hwm,
                    (guint64) st.st_size / 1024);
#if !defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer keeps freed blocks in quarantine (up to 256 MiB): the bound means nothing
     * there */
    g_assert_cmpuint (peak_rss_kib () - hwm, <, (guint64) st.st_size / 1024 / 4);
#endif
  }

  /* then a save cancelled: no file, no temporary file */
  n_files = count_files (dir);
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Save Predictions…"));
  kiln_ui_answer_file_chooser (cancelled);
  g_assert_true (kiln_export_predict_is_busy (predict));
  g_assert_true (kiln_ui_wait (progress_moved, predict, 60000));
  kiln_ui_click (kiln_ui_find (GTK_WIDGET (predict), GTK_TYPE_BUTTON, "Cancel"));
  wait_idle (predict, 30000);
  row = kiln_ui_row (GTK_WIDGET (predict), "Cancelled");
  g_assert_nonnull (row);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_true (g_str_has_prefix (subtitle, "Cancelled after "));
  g_assert_true (g_str_has_suffix (subtitle, " rows; big-predictions.csv was not written"));
  g_assert_false (g_file_test (cancelled, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (dir), ==, n_files);
  /* the preview of the whole file is still there to save */
  g_assert_nonnull (kiln_export_predict_get_preview (predict));

  /* a new model forgets the file */
  goto_step (window, "Train", "train");
  kiln_ui_choose (ADW_COMBO_ROW (kiln_ui_row (page_widget (window, "train"), "Family")),
                  "Gaussian naive Bayes");
  kiln_ui_click (kiln_ui_find (page_widget (window, "train"), GTK_TYPE_BUTTON, "Train"));
  g_assert_true (kiln_ui_wait (has_result, window, 120000));
  kiln_ui_settle (300);
  g_assert_null (kiln_export_predict_get_preview (predict));

  gtk_window_destroy (GTK_WINDOW (window));
  kiln_ui_settle (100);
  remove_dir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("KILN_DATA_DIR", KILN_SOURCE_DATADIR, FALSE);
  g_setenv ("GTK_USE_PORTAL", "0", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  texts = g_ptr_array_new_with_free_func (g_free);
  app = kiln_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/app/export-predict", test_export_predict);
  ret = g_test_run ();
  g_object_unref (app);
  g_ptr_array_unref (texts);
  return ret;
}
