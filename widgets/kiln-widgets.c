/* kiln-widgets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-widgets.h"
#include "kiln-widgets-resources.h"

#define RESOURCE_PREFIX "/org/kiln/Kiln/widgets"

void
kiln_widgets_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      GdkDisplay *display = gdk_display_get_default ();

      kiln_widgets_register_resource ();
      if (display != NULL)
        {
          g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

          gtk_css_provider_load_from_resource (provider, RESOURCE_PREFIX "/kiln-widgets.css");
          gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
          gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (display),
                                            RESOURCE_PREFIX "/icons");
        }
      else
        g_warning ("kiln_widgets_init() called before GTK was initialised");
      g_once_init_leave (&initialized, 1);
    }
}

const char *
kiln_widgets_get_type_icon_name (KilnColumnType type)
{
  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      return "kiln-type-numeric-symbolic";
    case KILN_COLUMN_CATEGORICAL:
      return "kiln-type-categorical-symbolic";
    case KILN_COLUMN_BOOLEAN:
      return "kiln-type-boolean-symbolic";
    case KILN_COLUMN_DATETIME:
      return "kiln-type-datetime-symbolic";
    case KILN_COLUMN_TEXT:
    default:
      return "kiln-type-text-symbolic";
    }
}

const char *
kiln_widgets_get_type_display_name (KilnColumnType type)
{
  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      return _("Number");
    case KILN_COLUMN_CATEGORICAL:
      return _("Category");
    case KILN_COLUMN_BOOLEAN:
      return _("Yes/No");
    case KILN_COLUMN_DATETIME:
      return _("Date and time");
    case KILN_COLUMN_TEXT:
    default:
      return _("Text");
    }
}
