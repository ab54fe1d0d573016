/* kiln-ui-driver.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk/x11/gdkx.h>
#include <string.h>

#include "kiln-ui-driver.h"
#include "kiln-widgets.h"

gboolean
kiln_ui_available (void)
{
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");

  return xdotool != NULL && GDK_IS_X11_DISPLAY (gdk_display_get_default ());
}

void
kiln_ui_settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

gboolean
kiln_ui_wait (gboolean (*done) (gpointer), gpointer data, guint timeout_ms)
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

/* Runs xdotool with @argv, keeping the main loop going meanwhile (GTK must answer the X server
 * while xdotool waits on it). */
static void
xdotool (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) "xdotool");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  while (g_subprocess_get_identifier (proc) != NULL)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
  g_assert_true (g_subprocess_get_successful (proc));
  /* xdotool is done, so the server has the input: fetch it, then let GTK handle all of it */
  gdk_display_sync (gdk_display_get_default ());
  kiln_ui_settle (60);
}

/* The toplevel of the last widget clicked: key presses go there, as a person's would after
   clicking in it. (Popups take and drop the X focus as they come and go.) */
static GtkWidget *last_root;

static void remember_root (GtkWidget *root);

gboolean
kiln_ui_is_showing (GtkWidget *widget)
{
  return widget != NULL && gtk_widget_get_mapped (widget) && gtk_widget_get_child_visible (widget) &&
         gtk_widget_get_width (widget) > 0 && gtk_widget_get_height (widget) > 0;
}

static gboolean
text_equal (const char *shown, const char *wanted)
{
  g_autoptr(GString) plain = NULL;

  if (shown == NULL)
    return FALSE;
  if (g_strcmp0 (shown, wanted) == 0)
    return TRUE;
  /* "_Train" shows as "Train" */
  plain = g_string_new (NULL);
  for (const char *p = shown; *p; p++)
    if (*p != '_' || p[1] == '_')
      g_string_append_c (plain, *p);
  return g_strcmp0 (plain->str, wanted) == 0;
}

static gboolean
widget_shows (GtkWidget *w, const char *text)
{
  if (text == NULL)
    return TRUE;
  if (GTK_IS_LABEL (w) && text_equal (gtk_label_get_text (GTK_LABEL (w)), text))
    return TRUE;
  if (KILN_IS_DATA_CELL (w) && text_equal (kiln_data_cell_get_text (KILN_DATA_CELL (w)), text))
    return TRUE;
  if (GTK_IS_BUTTON (w) && text_equal (gtk_button_get_label (GTK_BUTTON (w)), text))
    return TRUE;
  if (ADW_IS_PREFERENCES_ROW (w) && text_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), text))
    return TRUE;
  if (GTK_IS_EDITABLE (w) && text_equal (gtk_editable_get_text (GTK_EDITABLE (w)), text))
    return TRUE;
  if (text_equal (kiln_widgets_get_tooltip (w), text))
    return TRUE;
  return FALSE;
}

static void
find_rec (GtkWidget *w, GType type, const char *text, GPtrArray *out, gboolean first_only)
{
  if (!gtk_widget_get_visible (w) || !gtk_widget_get_child_visible (w))
    return;
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && kiln_ui_is_showing (w) && widget_shows (w, text))
    {
      g_ptr_array_add (out, w);
      if (first_only)
        return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      find_rec (c, type, text, out, first_only);
      if (first_only && out->len)
        return;
    }
}

GtkWidget *
kiln_ui_find (GtkWidget *root, GType type, const char *text)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new ();

  find_rec (root, type, text, out, TRUE);
  return out->len ? out->pdata[0] : NULL;
}

GPtrArray *
kiln_ui_find_all (GtkWidget *root, GType type)
{
  GPtrArray *out = g_ptr_array_new ();

  find_rec (root, type, NULL, out, FALSE);
  return out;
}

GtkWidget *
kiln_ui_find_anywhere (GType type, const char *text)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);
      GtkWidget *found = kiln_ui_find (window, type, text);
      if (found)
        return found;
    }
  return NULL;
}

void
kiln_ui_scroll_into_view (GtkWidget *widget)
{
  /* Each scroll runs the main loop, where the widget may leave its window: the scrolled windows
     around it are held, and each is used only while the widget is still inside it. */
  g_autoptr(GPtrArray) scrollers = g_ptr_array_new_with_free_func (g_object_unref);

  g_object_ref (widget);
  for (GtkWidget *a = gtk_widget_get_parent (widget); a; a = gtk_widget_get_parent (a))
    if (GTK_IS_SCROLLED_WINDOW (a))
      g_ptr_array_add (scrollers, g_object_ref (a));
  for (guint i = 0; i < scrollers->len; i++)
    {
      GtkWidget *a = g_ptr_array_index (scrollers, i);
      graphene_point_t p;
      GtkAdjustment *adj;
      double h;

      if (!gtk_widget_is_ancestor (widget, a))
        break;
      if (!gtk_widget_compute_point (widget, a,
                                     &GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.f,
                                                           gtk_widget_get_height (widget) / 2.f), &p))
        continue;
      adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (a));
      h = gtk_widget_get_height (a);
      if (p.y < 20 || p.y > h - 20)
        {
          gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + p.y - h / 2);
          kiln_ui_settle (60);
        }
      adj = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (a));
      h = gtk_widget_get_width (a);
      if (p.x < gtk_widget_get_width (widget) / 2.0 + 10 || p.x > h - gtk_widget_get_width (widget) / 2.0 - 10)
        {
          gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + p.x - h / 2);
          kiln_ui_settle (60);
        }
    }
  g_object_unref (widget);
}

gboolean
kiln_ui_is_hittable (GtkWidget *widget)
{
  GtkNative *native;
  graphene_point_t p;
  GtkWidget *hit;

  if (!kiln_ui_is_showing (widget))
    return FALSE;
  native = gtk_widget_get_native (widget);
  if (!gtk_widget_compute_point (widget, GTK_WIDGET (native),
                                 &GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.f,
                                                       gtk_widget_get_height (widget) / 2.f), &p))
    return FALSE;
  hit = gtk_widget_pick (GTK_WIDGET (native), p.x, p.y, GTK_PICK_DEFAULT);
  return hit != NULL && (hit == widget || gtk_widget_is_ancestor (hit, widget));
}

void
kiln_ui_click_at (GtkWidget *widget, double x, double y)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = gtk_native_get_surface (native);
  graphene_point_t p;
  double sx, sy;
  char xid[32], px[32], py[32];
  GtkWidget *hit;

  g_assert_true (kiln_ui_is_showing (widget));
  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &GRAPHENE_POINT_INIT (x, y), &p));
  /* what a click there reaches: the widget or one of its children, nothing laid over it */
  hit = gtk_widget_pick (GTK_WIDGET (native), p.x, p.y, GTK_PICK_DEFAULT);
  if (hit == NULL || !(hit == widget || gtk_widget_is_ancestor (hit, widget)))
    g_error ("a click on %s at %.0f,%.0f would reach %s instead", G_OBJECT_TYPE_NAME (widget), p.x, p.y,
             hit ? G_OBJECT_TYPE_NAME (hit) : "nothing");
  gtk_native_get_surface_transform (native, &sx, &sy);
  g_snprintf (xid, sizeof xid, "%lu", (gulong) gdk_x11_surface_get_xid (surface));
  g_snprintf (px, sizeof px, "%d", (int) (p.x + sx));
  g_snprintf (py, sizeof py, "%d", (int) (p.y + sy));
  xdotool ((const char *[]) { "mousemove", "--window", xid, px, py, NULL });
  /* the click may destroy the widget (a dialog's button): note its window first */
  remember_root (GTK_WIDGET (gtk_widget_get_root (widget)));
  xdotool ((const char *[]) { "click", "1", NULL });
}

void
kiln_ui_click_anything (GtkWidget *widget, double x, double y)
{
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_point_t p;
  double sx, sy;
  char xid[32], px[32], py[32];

  if (native == NULL || !kiln_ui_is_showing (widget) ||
      !gtk_widget_compute_point (widget, GTK_WIDGET (native), &GRAPHENE_POINT_INIT (x, y), &p))
    return;
  gtk_native_get_surface_transform (native, &sx, &sy);
  g_snprintf (xid, sizeof xid, "%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (native)));
  g_snprintf (px, sizeof px, "%d", (int) (p.x + sx));
  g_snprintf (py, sizeof py, "%d", (int) (p.y + sy));
  /* the move runs the main loop, where the widget may go: note its window first */
  remember_root (GTK_WIDGET (gtk_widget_get_root (widget)));
  xdotool ((const char *[]) { "mousemove", "--window", xid, px, py, NULL });
  xdotool ((const char *[]) { "click", "1", NULL });
}

/* Waits (up to 2 s) until @widget has kept its place in its window for three checks 20 ms apart:
 * an expander or a revealer still sliding would move it between the aim and the click (seen under
 * the sanitizers on a loaded machine: a column switch missed). */
static void
wait_still (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  graphene_point_t last = GRAPHENE_POINT_INIT (-1e9f, -1e9f);
  guint same = 0;

  g_object_ref (widget);
  while (same < 2 && g_get_monotonic_time () < end && gtk_widget_get_native (widget) != NULL)
    {
      graphene_point_t p;
      if (!gtk_widget_compute_point (widget, GTK_WIDGET (gtk_widget_get_native (widget)),
                                     &GRAPHENE_POINT_INIT (0, 0), &p))
        break;
      same = graphene_point_equal (&p, &last) ? same + 1 : 0;
      last = p;
      kiln_ui_settle (20);
    }
  g_object_unref (widget);
}

void
kiln_ui_click (GtkWidget *widget)
{
  kiln_ui_scroll_into_view (widget);
  wait_still (widget);
  kiln_ui_click_at (widget, gtk_widget_get_width (widget) / 2.0, gtk_widget_get_height (widget) / 2.0);
}

static void
focus_last_root (void)
{
  if (last_root && kiln_ui_is_showing (last_root))
    kiln_ui_focus_window (last_root);
}

void
kiln_ui_keys (const char *keys)
{
  g_auto(GStrv) parts = g_strsplit (keys, " ", -1);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  focus_last_root ();
  g_ptr_array_add (args, (gpointer) "key");
  g_ptr_array_add (args, (gpointer) "--clearmodifiers");
  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      g_ptr_array_add (args, parts[i]);
  g_ptr_array_add (args, NULL);
  xdotool ((const char * const *) args->pdata);
}

void
kiln_ui_type (const char *text)
{
  focus_last_root ();
  xdotool ((const char *[]) { "type", "--delay", "15", "--", text, NULL });
}

static void
remember_root (GtkWidget *root)
{
  if (last_root == root)
    return;
  g_clear_weak_pointer (&last_root);
  last_root = root;
  g_object_add_weak_pointer (G_OBJECT (last_root), (gpointer *) &last_root);
}

void
kiln_ui_focus_window (GtkWidget *widget)
{
  GtkNative *native = GTK_NATIVE (gtk_widget_get_root (widget));
  char xid[32];

  remember_root (GTK_WIDGET (native));

  g_snprintf (xid, sizeof xid, "%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (native)));
  xdotool ((const char *[]) { "windowfocus", "--sync", xid, NULL });
}

/* Whether the X server shows a window: a popup GTK has mapped may not be there yet, and until
   it is unmapped there it takes the clicks aimed at what is under it. */
static gboolean
x_viewable (Window xid)
{
  GdkDisplay *display = gdk_display_get_default ();
  XWindowAttributes attrs;
  gboolean viewable;

  gdk_x11_display_error_trap_push (display);
  viewable = XGetWindowAttributes (gdk_x11_display_get_xdisplay (display), xid, &attrs) &&
             attrs.map_state == IsViewable;
  gdk_x11_display_error_trap_pop_ignored (display);
  return viewable;
}

typedef struct {
  GtkWidget *popover;
  Window     xid;
} Popup;

static gboolean
popover_gone (gpointer data)
{
  Popup *p = data;

  return !gtk_widget_get_mapped (p->popover) && !x_viewable (p->xid);
}

static gboolean
popover_shown (gpointer data)
{
  Popup *p = data;

  return gtk_widget_get_mapped (p->popover) && x_viewable (p->xid);
}

static Window
popover_xid (GtkWidget *popover)
{
  return gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (popover)));
}

static gboolean
popover_item_showing (gpointer data)
{
  gpointer *d = data;
  return kiln_ui_find (d[0], GTK_TYPE_LABEL, d[1]) != NULL &&
         kiln_ui_find (d[0], GTK_TYPE_POPOVER, NULL) != NULL;
}

static GtkWidget *
popover_item (GtkWidget *owner, const char *item, GtkWidget **popover)
{
  gpointer d[2] = { owner, (gpointer) item };

  g_assert_true (kiln_ui_wait (popover_item_showing, d, 5000));
  *popover = kiln_ui_find (owner, GTK_TYPE_POPOVER, NULL);
  /* on the X server too (slower under load), then let it finish its animation before aiming */
  Popup p = { *popover, popover_xid (*popover) };
  g_assert_true (kiln_ui_wait (popover_shown, &p, 10000));
  kiln_ui_settle (150);
  return kiln_ui_find (*popover, GTK_TYPE_LABEL, item);
}

static void
wait_popover_gone (GtkWidget *popover, Window xid)
{
  Popup p = { g_object_ref (popover), xid };

  g_assert_true (kiln_ui_wait (popover_gone, &p, 10000));
  g_object_unref (popover);
  /* GDK on X11 keeps sending the pointer to the popup's surface until the pointer crosses into
     another window: cross out and back, as a hand on the mouse does */
  xdotool ((const char *[]) { "mousemove", "0", "0", NULL });
  kiln_ui_settle (50);
}

void
kiln_ui_choose (AdwComboRow *row, const char *item)
{
  GListModel *model = adw_combo_row_get_model (row);
  GtkWidget *label;
  guint selected;

  GtkWidget *popover;

  kiln_ui_click (GTK_WIDGET (row));
  Window xid;

  label = popover_item (GTK_WIDGET (row), item, &popover);
  g_assert_nonnull (label);
  xid = popover_xid (popover);
  kiln_ui_click (label);
  wait_popover_gone (popover, xid);
  selected = adw_combo_row_get_selected (row);
  g_assert_cmpuint (selected, <, g_list_model_get_n_items (model));
  if (GTK_IS_STRING_LIST (model))
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), selected), ==, item);
}

void
kiln_ui_choose_dropdown (GtkDropDown *dropdown, const char *item)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);
  GtkWidget *label;
  guint selected;

  GtkWidget *popover;

  kiln_ui_click (GTK_WIDGET (dropdown));
  Window xid;

  label = popover_item (GTK_WIDGET (dropdown), item, &popover);
  g_assert_nonnull (label);
  xid = popover_xid (popover);
  kiln_ui_click (label);
  wait_popover_gone (popover, xid);
  selected = gtk_drop_down_get_selected (dropdown);
  if (GTK_IS_STRING_LIST (model))
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), selected), ==, item);
}

void
kiln_ui_set_spin (GtkSpinButton *spin, double value)
{
  GtkWidget *text = kiln_ui_find (GTK_WIDGET (spin), GTK_TYPE_TEXT, NULL);
  char buf[64];

  g_assert_nonnull (text);
  kiln_ui_click (text);
  kiln_ui_keys ("ctrl+a");
  g_snprintf (buf, sizeof buf, "%.*f", gtk_spin_button_get_digits (spin), value);
  kiln_ui_type (buf);
  kiln_ui_keys ("Tab");
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin), value, 1e-9);
}

GtkWidget *
kiln_ui_row (GtkWidget *root, const char *title)
{
  return kiln_ui_find (root, ADW_TYPE_PREFERENCES_ROW, title);
}

GtkWidget *
kiln_ui_row_widget (GtkWidget *root, const char *title, GType type)
{
  GtkWidget *row = kiln_ui_row (root, title);

  return row ? kiln_ui_find (row, type, NULL) : NULL;
}

static gboolean
chooser_showing (gpointer unused)
{
  return kiln_ui_find_anywhere (GTK_TYPE_FILE_CHOOSER_WIDGET, NULL) != NULL;
}

static gboolean
chooser_gone (gpointer unused)
{
  return kiln_ui_find_anywhere (GTK_TYPE_FILE_CHOOSER_WIDGET, NULL) == NULL;
}

void
kiln_ui_answer_file_chooser (const char *path)
{
  GtkWidget *chooser;
  GtkFileChooserAction action;

  g_assert_true (kiln_ui_wait (chooser_showing, NULL, 10000));
  chooser = kiln_ui_find_anywhere (GTK_TYPE_FILE_CHOOSER_WIDGET, NULL);
  kiln_ui_settle (300);
  kiln_ui_focus_window (chooser);
  action = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser));
  if (action == GTK_FILE_CHOOSER_ACTION_SAVE)
    kiln_ui_keys ("ctrl+a");
  else
    kiln_ui_keys ("ctrl+l");
  kiln_ui_type (path);
  kiln_ui_settle (200);
  kiln_ui_keys ("Return");
  if (!kiln_ui_wait (chooser_gone, NULL, 10000))
    kiln_ui_screenshot (GTK_WIDGET (gtk_widget_get_root (chooser)), "file-chooser-stuck.png");
  g_assert_true (kiln_ui_wait (chooser_gone, NULL, 1));
}

void
kiln_ui_screenshot (GtkWidget *window, const char *name)
{
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  int w, h;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  kiln_ui_settle (200);
  w = gtk_widget_get_width (window);
  h = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  for (int attempt = 0; node == NULL && attempt < 50; attempt++)
    {
      gtk_widget_queue_draw (window);
      kiln_ui_settle (50);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_object_unref (paintable);
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".", name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}
