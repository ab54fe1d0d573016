/* test-export-serve.c: the Export step's "Serve Locally" group alone, under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The switch (clicked through the X server when xdotool is there) starts the service on the
 * model, the example is a curl command with a real row that the service answers, the counts
 * follow the requests, a new model takes over the running service, the switch stops it, and no
 * model means no switch. Saves export-serve.png with the service on.
 */
#include "config.h"

#include <adwaita.h>
#include <libsoup/soup.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-export-serve.h"
#include "kiln-pipeline.h"
#include "kiln-ui-driver.h"

static KilnPipelineResult species, species2;
static KilnFrame *penguins;

/* The first descendant of @widget (itself included) of @type. */
static GtkWidget *
find_widget (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);
      if (found)
        return found;
    }
  return NULL;
}

static guint
post (KilnServer *server, const char *body, char **answer)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = kiln_server_get_url (server);
  g_autofree char *uri = g_strconcat (url, "/predict", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *answer = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  return soup_message_get_status (msg);
}

static gboolean
switch_on (gpointer toggle)
{
  return gtk_switch_get_active (toggle);
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
test_serve_group (void)
{
  KilnExportServe *group = g_object_ref_sink (KILN_EXPORT_SERVE (kiln_export_serve_new ()));
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkSwitch *toggle;
  KilnServer *server;
  KilnServeCounters counts;
  g_autofree char *answer = NULL, *body = NULL;
  g_autoptr(KilnBundle) now = NULL;
  const char *example, *start, *end;

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 460);
  gtk_window_present (GTK_WINDOW (window));
  kiln_ui_settle (200);
  toggle = GTK_SWITCH (find_widget (GTK_WIDGET (group), GTK_TYPE_SWITCH));
  g_assert_nonnull (toggle);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (toggle)));

  kiln_export_serve_set_bundle (group, species.bundle,
                                kiln_pipeline_get_test_rows (species.pipeline));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (toggle)));
  g_assert_null (kiln_export_serve_get_server (group));

  /* the switch, as a user flips it */
  if (kiln_ui_available ())
    {
      kiln_ui_click (GTK_WIDGET (toggle));
      kiln_ui_wait (switch_on, toggle, 3000);
    }
  else
    gtk_switch_set_active (toggle, TRUE);
  g_assert_true (gtk_switch_get_active (toggle));
  server = kiln_export_serve_get_server (group);
  g_assert_nonnull (server);
  example = kiln_export_serve_get_example (group);
  g_assert_true (g_str_has_prefix (example, "curl "));
  {
    g_autofree char *url = kiln_server_get_url (server);
    g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
    g_assert_true (strstr (example, url) != NULL);
  }
  /* a real row: the first test row's island */
  {
    KilnFrame *rows = kiln_pipeline_get_test_rows (species.pipeline);
    g_autofree char *island = g_strdup_printf ("\"island\":\"%s\"",
                                               kiln_frame_get_string (rows, 1, 0));
    g_assert_true (strstr (example, island) != NULL);
  }
  start = strstr (example, "-d '") + 4;
  end = strchr (start, '\'');
  body = g_strndup (start, (gsize) (end - start));
  g_assert_cmpuint (post (server, body, &answer), ==, 200);
  g_assert_true (strstr (answer, "\"label\":") != NULL);
  g_free (answer);
  g_assert_cmpuint (post (server, "{}", &answer), ==, 400);
  iterate_for (1200);   /* the counts refresh twice a second */
  kiln_server_get_counters (server, &counts);
  g_assert_cmpuint (counts.requests, ==, 2);
  g_assert_cmpuint (counts.errors, ==, 1);
  {
    GtkWidget *row = kiln_ui_row (GTK_WIDGET (group), "Requests");
    g_assert_nonnull (row);
    g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "2 "));
  }
  kiln_ui_screenshot (window, "export-serve.png");

  /* a new model takes over without a restart */
  kiln_export_serve_set_bundle (group, species2.bundle,
                                kiln_pipeline_get_test_rows (species2.pipeline));
  g_assert_true (kiln_export_serve_get_server (group) == server);
  now = kiln_server_get_bundle (server);
  g_assert_cmpstr (kiln_bundle_get_content_hash (now), ==,
                   kiln_bundle_get_content_hash (species2.bundle));

  /* off, and no model: nothing to switch on */
  gtk_switch_set_active (toggle, FALSE);
  g_assert_null (kiln_export_serve_get_server (group));
  g_assert_true (kiln_export_serve_set_active (group, TRUE));
  g_assert_nonnull (kiln_export_serve_get_server (group));
  kiln_export_serve_set_bundle (group, NULL, NULL);
  g_assert_null (kiln_export_serve_get_server (group));
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (toggle)));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (group);
}

static void
train (const char *model, KilnPipelineResult *result)
{
  KilnPipelineOptions options;
  g_autoptr(GError) error = NULL;

  kiln_pipeline_options_init (&options, "species", model);
  if (!kiln_pipeline_run (penguins, NULL, &options, NULL, NULL, result, &error))
    g_error ("%s: %s", model, error->message);
  kiln_pipeline_options_clear (&options);
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  path = g_build_filename (g_getenv ("KILN_SHARED_DATASETS"), "penguins.csv", NULL);
  penguins = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  train ("logreg", &species);
  train ("tree", &species2);
  g_test_add_func ("/export/serve-group", test_serve_group);
  status = g_test_run ();
  kiln_pipeline_result_clear (&species);
  kiln_pipeline_result_clear (&species2);
  kiln_frame_unref (penguins);
  return status;
}
