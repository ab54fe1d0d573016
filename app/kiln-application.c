/* kiln-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-application"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-application.h"
#include "kiln-threads.h"
#include "kiln-window.h"

struct _KilnApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (KilnApplication, kiln_application, ADW_TYPE_APPLICATION)

KilnApplication *
kiln_application_new (void)
{
  return g_object_new (KILN_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/org/kiln/Kiln",
                       NULL);
}

char *
kiln_application_get_examples_dir (void)
{
  const char *env = g_getenv ("KILN_DATA_DIR");
  const char *candidates[] = { NULL, KILN_DATADIR, KILN_SOURCE_DATADIR };

  candidates[0] = env;
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *dir = NULL;
      if (candidates[i] == NULL)
        continue;
      dir = g_build_filename (candidates[i], "examples", NULL);
      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&dir);
    }
  return NULL;
}

static KilnWindow *
get_window (KilnApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (kiln_window_new (self));
  return KILN_WINDOW (window);
}

static void
kiln_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (KILN_APPLICATION (app))));
}

static void
kiln_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  KilnWindow *window = get_window (KILN_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  if (n_files > 0)
    kiln_window_open (window, files[0]);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  KilnApplication *self = user_data;
  static const char *developers[] = { "The Kiln developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "application-name", _("Kiln"),
                         "application-icon", APPLICATION_ID,
                         "developer-name", _("The Kiln developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Turn a CSV file into a trained, inspected, exported machine-learning model by pointing and clicking."),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  /* close every window: each asks before dropping unsaved work. A window with nothing to save
     goes at once, and with it its node of the application's list: walk a copy. */
  GList *windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (user_data)),
                                     (GCopyFunc) g_object_ref, NULL);

  for (GList *l = windows; l; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
}

static void
style_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  const char *style = g_variant_get_string (param, NULL);
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_strcmp0 (style, "light") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_strcmp0 (style, "dark") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
  g_simple_action_set_state (action, param);
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "quit", quit_action },
  { "style", NULL, "s", "'system'", style_action },
};

static void
kiln_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (kiln_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  g_set_application_name (_("Kiln"));
  gtk_window_set_default_icon_name (APPLICATION_ID);
  /* the workers yield the cores to the window whenever it has a frame to draw */
  kiln_threads_set_background_nice (10);
}

static void
kiln_application_shutdown (GApplication *app)
{
  /* the data and models handed to the background to free: gone before the process ends */
  kiln_threads_free_later_wait ();
  G_APPLICATION_CLASS (kiln_application_parent_class)->shutdown (app);
}

static void
kiln_application_class_init (KilnApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = kiln_application_activate;
  app_class->open = kiln_application_open;
  app_class->startup = kiln_application_startup;
  app_class->shutdown = kiln_application_shutdown;
}

static void
kiln_application_init (KilnApplication *self)
{
}
