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

/* ---- Korean words stay whole ------------------------------------------------------------- */

static gboolean
is_hangul (gunichar c)
{
  return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F);
}

static gboolean
is_allow_breaks (PangoAttribute *attribute,
                 gpointer        unused)
{
  return attribute->klass->type == PANGO_ATTR_ALLOW_BREAKS;
}

/* Pango may break a line between any two Hangul syllables ("파 / 일을"); Korean is written with
 * spaces between words and reads best broken at them, as word processors do ("keep-all"). Each
 * run of non-space characters with Hangul in it gets allow_breaks=FALSE. */
void
kiln_widgets_keep_words (GtkLabel *label)
{
  const char *text = gtk_label_get_text (label);
  PangoAttrList *old = gtk_label_get_attributes (label);
  PangoAttrList *attrs = NULL;
  const char *p = text, *word = NULL;
  gboolean hangul = FALSE;

  if (text == NULL)
    return;
  if (old != NULL)
    {
      /* the ranges of an earlier text go */
      PangoAttrList *ours;

      attrs = pango_attr_list_copy (old);
      ours = pango_attr_list_filter (attrs, is_allow_breaks, NULL);
      if (ours == NULL)
        g_clear_pointer (&attrs, pango_attr_list_unref);
      else
        pango_attr_list_unref (ours);
    }
  for (;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean space = c == 0 || g_unichar_isspace (c);

      if (!space && word == NULL)
        {
          word = p;
          hangul = FALSE;
        }
      if (!space && is_hangul (c))
        hangul = TRUE;
      if (space && word != NULL)
        {
          if (hangul && g_utf8_strlen (word, p - word) > 1)
            {
              PangoAttribute *a = pango_attr_allow_breaks_new (FALSE);

              if (attrs == NULL)
                attrs = old ? pango_attr_list_copy (old) : pango_attr_list_new ();
              a->start_index = (guint) (word - text);
              a->end_index = (guint) (p - text);
              pango_attr_list_change (attrs, a);
            }
          word = NULL;
        }
      if (c == 0)
        break;
    }
  if (attrs != NULL)
    {
      gtk_label_set_attributes (label, attrs);
      pango_attr_list_unref (attrs);
    }
}

#define TOOLTIP_KEY "kiln-tooltip"

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  gpointer    unused)
{
  const char *text = g_object_get_data (G_OBJECT (widget), TOOLTIP_KEY);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
kiln_widgets_set_tooltip (GtkWidget  *widget,
                          const char *text)
{
  gboolean connected;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (text != NULL && *text == '\0')
    text = NULL;
  connected = g_object_get_data (G_OBJECT (widget), "kiln-tooltip-connected") != NULL;
  if (connected && g_strcmp0 (g_object_get_data (G_OBJECT (widget), TOOLTIP_KEY), text) == 0)
    return;
  if (!connected)
    {
      g_object_set_data (G_OBJECT (widget), "kiln-tooltip-connected", GINT_TO_POINTER (1));
      g_signal_connect (widget, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
    }
  g_object_set_data_full (G_OBJECT (widget), TOOLTIP_KEY, g_strdup (text), g_free);
  gtk_widget_set_has_tooltip (widget, text != NULL);
  if (text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

const char *
kiln_widgets_get_tooltip (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  if (g_object_get_data (G_OBJECT (widget), "kiln-tooltip-connected"))
    return g_object_get_data (G_OBJECT (widget), TOOLTIP_KEY);
  return gtk_widget_get_tooltip_text (widget);
}

static void
on_label_changed (GtkLabel *label)
{
  kiln_widgets_keep_words (label);
}

static gboolean
keep_words_on_map (GSignalInvocationHint *hint,
                   guint                  n_params,
                   const GValue          *params,
                   gpointer               unused)
{
  GObject *object = g_value_get_object (&params[0]);

  if (GTK_IS_LABEL (object) && gtk_label_get_wrap (GTK_LABEL (object)) &&
      !g_object_get_data (object, "kiln-keep-words"))
    {
      g_object_set_data (object, "kiln-keep-words", GINT_TO_POINTER (1));
      g_signal_connect (object, "notify::label", G_CALLBACK (on_label_changed), NULL);
      kiln_widgets_keep_words (GTK_LABEL (object));
    }
  return TRUE;
}

void
kiln_widgets_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      GdkDisplay *display = gdk_display_get_default ();

      kiln_widgets_register_resource ();
      /* every wrapping label, Kiln's and libadwaita's (row subtitles, status pages), when it
         first shows and whenever its text changes */
      {
        GTypeClass *widget_class = g_type_class_ref (GTK_TYPE_WIDGET);

        g_signal_add_emission_hook (g_signal_lookup ("map", GTK_TYPE_WIDGET), 0, keep_words_on_map, NULL, NULL);
        g_type_class_unref (widget_class);
      }
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
