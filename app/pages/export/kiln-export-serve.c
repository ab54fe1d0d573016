/* kiln-export-serve.c: the Export step's "Serve Locally" group (see the header).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-export-serve"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-export-serve.h"
#include "kiln-widgets.h"

#define PREFERRED_PORT 8080
#define COUNTS_EVERY_MS 500

struct _KilnExportServe
{
  AdwPreferencesGroup parent_instance;

  KilnBundle   *bundle;
  KilnFrame    *rows;
  KilnServer   *server;
  char         *url;
  char         *example;
  guint         counts_source;
  gboolean      updating;        /* the switch is being set from code */

  AdwActionRow *switch_row;
  GtkSwitch    *toggle;
  AdwActionRow *url_row;
  AdwActionRow *example_row;
  AdwActionRow *counts_row;
};

G_DEFINE_FINAL_TYPE (KilnExportServe, kiln_export_serve, ADW_TYPE_PREFERENCES_GROUP)

static void
show_counts (KilnExportServe *self)
{
  KilnServeCounters counts;
  g_autofree char *requests = NULL, *errors = NULL, *rows = NULL, *text = NULL;

  if (self->server == NULL)
    return;
  kiln_server_get_counters (self->server, &counts);
  /* TRANSLATORS: live counts of the local prediction service, joined by " · " */
  requests = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%llu request", "%llu requests",
                                           (gulong) MIN (counts.requests, G_MAXULONG)),
                              (unsigned long long) counts.requests);
  errors = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%llu error", "%llu errors",
                                         (gulong) MIN (counts.errors, G_MAXULONG)),
                            (unsigned long long) counts.errors);
  rows = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%llu row predicted",
                                       "%llu rows predicted", (gulong) MIN (counts.rows, G_MAXULONG)),
                          (unsigned long long) counts.rows);
  text = g_strjoin (" · ", requests, errors, rows, NULL);
  adw_action_row_set_subtitle (self->counts_row, text);
}

static gboolean
counts_tick (gpointer data)
{
  show_counts (data);
  return G_SOURCE_CONTINUE;
}

static void
update_example (KilnExportServe *self)
{
  g_clear_pointer (&self->example, g_free);
  if (self->bundle && self->url)
    self->example = kiln_serve_curl_example (self->bundle, self->url, self->rows, 0);
  adw_action_row_set_subtitle (self->example_row, self->example ? self->example : "");
}

static void
update_rows (KilnExportServe *self)
{
  gboolean on = self->server != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->url_row), on);
  gtk_widget_set_visible (GTK_WIDGET (self->example_row), on);
  gtk_widget_set_visible (GTK_WIDGET (self->counts_row), on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->toggle), self->bundle != NULL);
  adw_action_row_set_subtitle (self->url_row, self->url ? self->url : "");
  if (!on && self->bundle != NULL)
    adw_action_row_set_subtitle (self->switch_row,
                                 _("Answers POST /predict on this computer (127.0.0.1) while Kiln runs"));
  else if (!on)
    adw_action_row_set_subtitle (self->switch_row, _("Train a model first"));
  update_example (self);
  show_counts (self);
}

static void
stop (KilnExportServe *self)
{
  g_clear_handle_id (&self->counts_source, g_source_remove);
  g_clear_pointer (&self->server, kiln_server_free);
  g_clear_pointer (&self->url, g_free);
}

static KilnServer *
start_on (KilnExportServe *self, guint16 port, GError **error)
{
  KilnServeOptions options;
  KilnServer *server;

  kiln_serve_options_init (&options);
  options.port = port;
  options.log_fd = -1;        /* the window shows the counts instead */
  options.grace_ms = 2000;    /* stopping waits on the main thread: not long */
  server = kiln_server_new (self->bundle, NULL, &options);
  if (!kiln_server_start (server, error))
    {
      kiln_server_free (server);
      return NULL;
    }
  return server;
}

gboolean
kiln_export_serve_set_active (KilnExportServe *self,
                              gboolean         active)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (KILN_IS_EXPORT_SERVE (self), FALSE);

  if (active && self->server == NULL && self->bundle != NULL)
    {
      self->server = start_on (self, PREFERRED_PORT, &error);
      if (self->server == NULL && g_error_matches (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_LISTEN))
        {
          g_clear_error (&error);
          self->server = start_on (self, 0, &error);   /* 8080 is taken: any free port */
        }
      if (self->server == NULL)
        adw_action_row_set_subtitle (self->switch_row, error->message);
      else
        {
          self->url = kiln_server_get_url (self->server);
          self->counts_source = g_timeout_add (COUNTS_EVERY_MS, counts_tick, self);
        }
    }
  else if (!active)
    stop (self);

  self->updating = TRUE;
  gtk_switch_set_active (self->toggle, self->server != NULL);
  self->updating = FALSE;
  update_rows (self);
  return active == (self->server != NULL);
}

static void
on_switch_active (KilnExportServe *self)
{
  if (!self->updating)
    kiln_export_serve_set_active (self, gtk_switch_get_active (self->toggle));
}

void
kiln_export_serve_set_bundle (KilnExportServe *self,
                              KilnBundle      *bundle,
                              KilnFrame       *rows)
{
  g_return_if_fail (KILN_IS_EXPORT_SERVE (self));

  if (bundle)
    kiln_bundle_ref (bundle);
  g_clear_pointer (&self->bundle, kiln_bundle_unref);
  self->bundle = bundle;
  if (rows)
    kiln_frame_ref (rows);
  g_clear_pointer (&self->rows, kiln_frame_unref);
  self->rows = rows && kiln_frame_get_n_rows (rows) > 0 ? rows : NULL;
  if (rows && self->rows == NULL)
    kiln_frame_unref (rows);

  if (self->bundle == NULL)
    kiln_export_serve_set_active (self, FALSE);
  else if (self->server != NULL)
    {
      kiln_server_set_bundle (self->server, self->bundle, NULL);   /* no restart */
      update_rows (self);
    }
  else
    update_rows (self);
}

KilnServer *
kiln_export_serve_get_server (KilnExportServe *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_SERVE (self), NULL);
  return self->server;
}

const char *
kiln_export_serve_get_example (KilnExportServe *self)
{
  g_return_val_if_fail (KILN_IS_EXPORT_SERVE (self), NULL);
  return self->example;
}

static void
copy_text (GtkWidget *widget, const char *text)
{
  if (text)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
copy_url_action (GtkWidget *widget, const char *action, GVariant *param)
{
  copy_text (widget, KILN_EXPORT_SERVE (widget)->url);
}

static void
copy_example_action (GtkWidget *widget, const char *action, GVariant *param)
{
  copy_text (widget, KILN_EXPORT_SERVE (widget)->example);
}

static void
kiln_export_serve_dispose (GObject *object)
{
  KilnExportServe *self = KILN_EXPORT_SERVE (object);

  stop (self);
  g_clear_pointer (&self->bundle, kiln_bundle_unref);
  g_clear_pointer (&self->rows, kiln_frame_unref);
  G_OBJECT_CLASS (kiln_export_serve_parent_class)->dispose (object);
}

static void
kiln_export_serve_finalize (GObject *object)
{
  g_free (KILN_EXPORT_SERVE (object)->example);
  G_OBJECT_CLASS (kiln_export_serve_parent_class)->finalize (object);
}

static void
kiln_export_serve_class_init (KilnExportServeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_export_serve_dispose;
  object_class->finalize = kiln_export_serve_finalize;
  gtk_widget_class_install_action (widget_class, "serve.copy-url", NULL, copy_url_action);
  gtk_widget_class_install_action (widget_class, "serve.copy-example", NULL, copy_example_action);
}

static AdwActionRow *
row_with_copy (const char *title, const char *action)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  /* the example's JSON may hold < or &: plain text, not markup */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (copy, "flat");
  kiln_widgets_set_tooltip (copy, _("Copy"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), action);
  adw_action_row_add_suffix (row, copy);
  return row;
}

static void
kiln_export_serve_init (KilnExportServe *self)
{
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Serve Locally"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
    _("The model behind HTTP, as kiln-cli serve runs it: /predict takes raw rows as JSON; "
      "/health, /metadata, /openapi.json and /metrics tell about it."));

  self->switch_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->switch_row), _("Serve locally"));
  self->toggle = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->toggle), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (self->switch_row, GTK_WIDGET (self->toggle));
  adw_action_row_set_activatable_widget (self->switch_row, GTK_WIDGET (self->toggle));
  g_signal_connect_swapped (self->toggle, "notify::active", G_CALLBACK (on_switch_active), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->switch_row));

  self->url_row = row_with_copy (_("Address"), "serve.copy-url");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->url_row));
  self->example_row = row_with_copy (_("Try it"), "serve.copy-example");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->example_row));
  self->counts_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->counts_row), _("Requests"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->counts_row));
  update_rows (self);
}

GtkWidget *
kiln_export_serve_new (void)
{
  return g_object_new (KILN_TYPE_EXPORT_SERVE, NULL);
}
