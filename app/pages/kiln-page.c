/* kiln-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-page"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-page.h"
#include "kiln-pages.h"

const char * const kiln_page_names[KILN_N_PAGES] = { "data", "prepare", "train", "evaluate", "export" };
const char * const kiln_page_titles[KILN_N_PAGES] = {
  N_("Data"), N_("Prepare"), N_("Train"), N_("Evaluate"), N_("Export"),
};
const char * const kiln_page_icons[KILN_N_PAGES] = {
  "x-office-spreadsheet-symbolic",
  "edit-clear-all-symbolic",
  "media-playback-start-symbolic",
  "view-grid-symbolic",
  "document-send-symbolic",
};

typedef struct
{
  KilnProject *project;
  GtkStack    *stack;
  GtkWidget   *content;
  AdwStatusPage *status;
  GtkButton   *status_button;
} KilnPagePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (KilnPage, kiln_page, ADW_TYPE_BIN)

KilnProject *
kiln_page_get_project (KilnPage *self)
{
  KilnPagePrivate *priv = kiln_page_get_instance_private (self);
  g_return_val_if_fail (KILN_IS_PAGE (self), NULL);
  return priv->project;
}

void
kiln_page_set_save_folder (GtkWidget      *widget,
                           GtkFileChooser *chooser)
{
  GtkWidget *page = KILN_IS_PAGE (widget) ? widget : gtk_widget_get_ancestor (widget, KILN_TYPE_PAGE);
  KilnProject *project = page ? kiln_page_get_project (KILN_PAGE (page)) : NULL;
  g_autoptr(GFile) folder = NULL;

  if (project == NULL)
    return;
  folder = kiln_project_get_save_folder (project);
  gtk_file_chooser_set_current_folder (chooser, folder, NULL);
}

void
kiln_page_set_project (KilnPage    *self,
                       KilnProject *project)
{
  KilnPagePrivate *priv = kiln_page_get_instance_private (self);

  g_return_if_fail (KILN_IS_PAGE (self));

  g_set_object (&priv->project, project);
  if (KILN_PAGE_GET_CLASS (self)->project_changed)
    KILN_PAGE_GET_CLASS (self)->project_changed (self, project);
}

void
kiln_page_set_content (KilnPage  *self,
                       GtkWidget *content)
{
  KilnPagePrivate *priv = kiln_page_get_instance_private (self);

  GtkWidget *scroller = gtk_scrolled_window_new ();

  /* A page never asks the window for more than the window's minimum: when the window is smaller
     than what the page needs, the page scrolls (the window's minimum stays 900 × 600 whatever was
     trained, plotted or listed). */
  gtk_widget_set_vexpand (content, TRUE);
  gtk_widget_set_hexpand (content, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), content);
  priv->content = scroller;
  gtk_stack_add_named (priv->stack, scroller, "content");
}

void
kiln_page_set_not_ready (KilnPage   *self,
                         const char *icon_name,
                         const char *title,
                         const char *description,
                         const char *button_label,
                         KilnPageId  unlock)
{
  KilnPagePrivate *priv = kiln_page_get_instance_private (self);

  adw_status_page_set_icon_name (priv->status, icon_name);
  adw_status_page_set_title (priv->status, title);
  adw_status_page_set_description (priv->status, description);
  gtk_button_set_label (priv->status_button, button_label);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (priv->status_button), "s", kiln_page_names[unlock]);
  gtk_widget_set_visible (GTK_WIDGET (priv->status_button), button_label != NULL);
  gtk_stack_set_visible_child_name (priv->stack, "status");
}

void
kiln_page_set_ready (KilnPage *self)
{
  KilnPagePrivate *priv = kiln_page_get_instance_private (self);

  if (priv->content)
    gtk_stack_set_visible_child_name (priv->stack, "content");
}

void
kiln_page_shown (KilnPage *self)
{
  if (KILN_PAGE_GET_CLASS (self)->shown)
    KILN_PAGE_GET_CLASS (self)->shown (self);
}

void
kiln_page_closing (KilnPage *self)
{
  if (KILN_PAGE_GET_CLASS (self)->closing)
    KILN_PAGE_GET_CLASS (self)->closing (self);
}

void
kiln_page_toast (KilnPage   *self,
                 const char *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    {
      AdwToast *toast = adw_toast_new (message);
      adw_toast_set_timeout (toast, 4);
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
    }
  else
    g_message ("%s", message);
}

static void
kiln_page_dispose (GObject *object)
{
  KilnPage *self = KILN_PAGE (object);
  KilnPagePrivate *priv = kiln_page_get_instance_private (self);

  g_clear_object (&priv->project);
  G_OBJECT_CLASS (kiln_page_parent_class)->dispose (object);
}

/* A page the stack does not show asks for no room: the stacks measure every page, so without
 * this a page rebuilt out of sight (the Prepare page when a file loads) was measured, every label
 * of it shaped, in the frame that shows the data. Its size is asked again when it is shown. The
 * page lays out its one child itself (no layout manager: a layout manager's measure would bypass
 * this one). */
static GtkSizeRequestMode
kiln_page_get_request_mode (GtkWidget *widget)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  return child != NULL ? gtk_widget_get_request_mode (child) : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
kiln_page_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  *minimum = *natural = 0;
  *minimum_baseline = *natural_baseline = -1;
  if (child == NULL || !gtk_widget_get_visible (child) || !gtk_widget_get_child_visible (widget))
    return;
  gtk_widget_measure (child, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
}

static void
kiln_page_size_allocate (GtkWidget *widget,
                         int        width,
                         int        height,
                         int        baseline)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  if (child != NULL && gtk_widget_get_visible (child))
    gtk_widget_allocate (child, width, height, baseline, NULL);
}

/* shown or hidden, the page is measured again: empty while hidden, its content when shown */
static void
kiln_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kiln_page_parent_class)->map (widget);
  gtk_widget_queue_resize (widget);
}

static void
kiln_page_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kiln_page_parent_class)->unmap (widget);
  gtk_widget_queue_resize (widget);
}

static void
kiln_page_class_init (KilnPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = kiln_page_dispose;
  widget_class->get_request_mode = kiln_page_get_request_mode;
  widget_class->measure = kiln_page_measure;
  widget_class->size_allocate = kiln_page_size_allocate;
  widget_class->map = kiln_page_map;
  widget_class->unmap = kiln_page_unmap;
}

static void
kiln_page_init (KilnPage *self)
{
  KilnPagePrivate *priv = kiln_page_get_instance_private (self);
  GtkWidget *box;

  gtk_widget_set_layout_manager (GTK_WIDGET (self), NULL);
  priv->stack = GTK_STACK (gtk_stack_new ());
  /* the status page alone decides the size while the content is hidden */
  gtk_stack_set_hhomogeneous (priv->stack, FALSE);
  gtk_stack_set_vhomogeneous (priv->stack, FALSE);
  priv->status = ADW_STATUS_PAGE (adw_status_page_new ());
  priv->status_button = GTK_BUTTON (gtk_button_new ());
  gtk_widget_set_halign (GTK_WIDGET (priv->status_button), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (priv->status_button), "pill");
  gtk_widget_add_css_class (GTK_WIDGET (priv->status_button), "suggested-action");
  gtk_button_set_use_underline (priv->status_button, TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (priv->status_button), "win.goto-page");
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (priv->status_button));
  adw_status_page_set_child (priv->status, box);
  gtk_stack_add_named (priv->stack, GTK_WIDGET (priv->status), "status");
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (priv->stack));
}

GtkWidget *
kiln_page_new (KilnPageId   id,
               KilnProject *project)
{
  GType types[KILN_N_PAGES] = {
    KILN_TYPE_DATA_PAGE, KILN_TYPE_PREPARE_PAGE, KILN_TYPE_TRAIN_PAGE,
    KILN_TYPE_EVALUATE_PAGE, KILN_TYPE_EXPORT_PAGE,
  };
  GtkWidget *page;

  g_return_val_if_fail (id < KILN_N_PAGES, NULL);

  page = g_object_new (types[id], NULL);
  kiln_page_set_project (KILN_PAGE (page), project);
  return page;
}
