/* kiln-data-page.c: the table, the column inspector and the import options.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-data-page"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-pages.h"
#include "kiln-window.h"
#include "kiln-data-table.h"
#include "kiln-format.h"
#include "kiln-column-inspector.h"
#include "kiln-widgets.h"

struct _KilnDataPage
{
  KilnPage        parent_instance;

  GtkLabel       *summary;
  GtkMenuButton  *import_button;
  KilnDataTable  *table;
  KilnColumnInspector *inspector;
  guint           selected_column;
  GArray         *pending_columns;   /* type changes not applied yet */
  KilnColumnType  pending_type;
  guint           type_idle;

  /* import options */
  GtkDropDown    *encoding;
  GtkDropDown    *delimiter;
  GtkDropDown    *decimal;
  GtkDropDown    *header;
  GtkEntry       *na;
  GtkSwitch      *skip_bad;
  GtkLabel       *detected;
};

G_DEFINE_FINAL_TYPE (KilnDataPage, kiln_data_page, KILN_TYPE_PAGE)

static const char *encodings[] = { NULL, "UTF-8", "CP949", "EUC-KR", "UTF-16LE", "UTF-16BE",
                                   "WINDOWS-1252", "ISO-8859-1", "SHIFT_JIS", "GB18030" };
static const char delimiters[] = { 0, ',', ';', '\t', '|' };
static const char decimals[] = { 0, '.', ',' };

static const char *
delimiter_label (char d)
{
  switch (d)
    {
    case ';': return _("semicolon");
    case '\t': return _("tab");
    case '|': return _("pipe");
    default: return _("comma");
    }
}

void
kiln_data_page_set_info (KilnDataPage      *self,
                         const KilnCsvInfo *info)
{
  g_autofree char *text = NULL;

  g_return_if_fail (KILN_IS_DATA_PAGE (self));

  text = g_strdup_printf (_("Detected: %s, %s-separated, decimal “%c”, %s"),
                          info->encoding ? info->encoding : "?", delimiter_label (info->delimiter),
                          info->decimal ? info->decimal : '.',
                          info->header ? _("header row") : _("no header row"));
  gtk_label_set_text (self->detected, text);
}

static void
update_summary (KilnDataPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnFrame *frame = kiln_project_get_frame (project);
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *rows = NULL;
  guint missing = 0;

  if (frame == NULL)
    return;
  for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
    missing += kiln_column_get_n_missing (kiln_frame_get_column (frame, c));
  name = g_path_get_basename (kiln_project_get_source (project));
  {
    g_autofree char *n_rows = kiln_format_count (kiln_frame_get_n_rows (frame));
    g_autofree char *n_missing = kiln_format_count (missing);
    /* Translators: "%s" is a number of rows, written the locale's way ("3,000,000") */
    rows = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s row", "%s rows", kiln_frame_get_n_rows (frame)),
                            n_rows);
    text = g_markup_printf_escaped (_("<b>%s</b>  ·  %s × %u columns  ·  %s missing cells"), name, rows,
                                    kiln_frame_get_n_columns (frame), n_missing);
  }
  gtk_label_set_markup (self->summary, text);
}

static void
on_selection_changed (KilnDataPage *self)
{
  KilnFrame *frame = kiln_project_get_frame (kiln_page_get_project (KILN_PAGE (self)));
  guint n = 0;
  const guint *columns = kiln_data_table_get_selected_columns (self->table, &n);

  if (frame == NULL)
    return;
  if (n > 0)
    self->selected_column = columns[0];
  kiln_column_inspector_set_columns (self->inspector, frame, columns, n);
}

static void
on_column_selected (KilnDataPage *self,
                    guint         column)
{
  KilnFrame *frame = kiln_project_get_frame (kiln_page_get_project (KILN_PAGE (self)));

  if (frame == NULL || column >= kiln_frame_get_n_columns (frame))
    return;
  self->selected_column = column;
  on_selection_changed (self);
}

/* The inspector asks for one column at a time (all the selected ones in a row): gather them and
 * convert them together from an idle, so the project changes once. */
static gboolean
apply_type_changes (gpointer user_data)
{
  KilnDataPage *self = user_data;
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  g_autoptr(GArray) columns = g_steal_pointer (&self->pending_columns);
  guint failed;

  self->type_idle = 0;
  if (columns == NULL || columns->len == 0 || kiln_project_get_frame (project) == NULL)
    return G_SOURCE_REMOVE;
  failed = kiln_project_set_column_types (project, (const guint *) (gpointer) columns->data, columns->len,
                                          self->pending_type);
  kiln_data_table_set_selected_columns (self->table, (const guint *) (gpointer) columns->data, columns->len);
  if (failed > 0)
    {
      g_autofree char *msg = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                           "%u value could not be converted and is now missing",
                                                           "%u values could not be converted and are now missing",
                                                           failed), failed);
      kiln_page_toast (KILN_PAGE (self), msg);
    }
  on_selection_changed (self);
  return G_SOURCE_REMOVE;
}

static void
on_type_changed (KilnDataPage *self,
                 guint         column,
                 guint         new_type)
{
  if (new_type > KILN_COLUMN_TEXT)
    return;
  if (self->pending_columns == NULL || self->pending_type != new_type)
    {
      g_clear_pointer (&self->pending_columns, g_array_unref);
      self->pending_columns = g_array_new (FALSE, FALSE, sizeof (guint));
      self->pending_type = new_type;
    }
  g_array_append_val (self->pending_columns, column);
  if (self->type_idle == 0)
    self->type_idle = g_idle_add (apply_type_changes, self);
}

static void
on_frame_changed (KilnDataPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnFrame *frame = kiln_project_get_frame (project);

  if (frame == NULL)
    {
      kiln_page_set_not_ready (KILN_PAGE (self), "document-open-symbolic", _("No Data Yet"),
                               _("Open a CSV file with the Open button, Ctrl+O, or by dropping it on the window."),
                               NULL, KILN_PAGE_DATA);
      return;
    }
  kiln_page_set_ready (KILN_PAGE (self));
  kiln_data_table_set_frame (self->table, frame);
  update_summary (self);
  {
    guint column = MIN (self->selected_column, kiln_frame_get_n_columns (frame) - 1);
    kiln_data_table_set_selected_columns (self->table, &column, 1);
    on_selection_changed (self);
  }
}

static void
reload_clicked (KilnDataPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), KILN_TYPE_WINDOW);
  KilnCsvOptions options;
  const char *na = gtk_editable_get_text (GTK_EDITABLE (self->na));
  guint header = gtk_drop_down_get_selected (self->header);

  if (window == NULL || kiln_project_get_source (project) == NULL)
    return;
  kiln_csv_options_init (&options);
  options.encoding = g_strdup (encodings[gtk_drop_down_get_selected (self->encoding)]);
  options.delimiter = delimiters[gtk_drop_down_get_selected (self->delimiter)];
  options.decimal = decimals[gtk_drop_down_get_selected (self->decimal)];
  options.header = header == 0 ? -1 : header == 1 ? 1 : 0;
  options.skip_bad_rows = gtk_switch_get_active (self->skip_bad);
  if (na && *na)
    {
      options.na_values = g_strsplit (na, ",", -1);
      for (guint i = 0; options.na_values[i]; i++)
        g_strstrip (options.na_values[i]);
    }
  gtk_menu_button_popdown (self->import_button);
  kiln_window_reload (KILN_WINDOW (window), &options);
  kiln_csv_options_clear (&options);
}

static void
kiln_data_page_project_changed (KilnPage *page, KilnProject *project)
{
  KilnDataPage *self = KILN_DATA_PAGE (page);

  g_signal_connect_object (project, "notify::frame", G_CALLBACK (on_frame_changed), self, G_CONNECT_SWAPPED);
  on_frame_changed (self);
}

static void
kiln_data_page_dispose (GObject *object)
{
  KilnDataPage *self = KILN_DATA_PAGE (object);

  g_clear_handle_id (&self->type_idle, g_source_remove);
  g_clear_pointer (&self->pending_columns, g_array_unref);
  G_OBJECT_CLASS (kiln_data_page_parent_class)->dispose (object);
}

static void
kiln_data_page_class_init (KilnDataPageClass *klass)
{
  KilnPageClass *page_class = KILN_PAGE_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = kiln_data_page_dispose;
  page_class->project_changed = kiln_data_page_project_changed;
}

static GtkDropDown *
drop_down (const char * const *labels)
{
  GtkDropDown *dd = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (labels));
  gtk_widget_set_hexpand (GTK_WIDGET (dd), TRUE);
  return dd;
}

static void
grid_row (GtkGrid *grid, int row, const char *label, GtkWidget *widget)
{
  GtkWidget *l = gtk_label_new_with_mnemonic (label);

  gtk_label_set_xalign (GTK_LABEL (l), 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), widget);
  gtk_grid_attach (grid, l, 0, row, 1, 1);
  gtk_grid_attach (grid, widget, 1, row, 1, 1);
}

static GtkWidget *
build_import_popover (KilnDataPage *self)
{
  const char *enc_labels[] = { _("Detect"), "UTF-8", "CP949 (Korean, Excel)", "EUC-KR", "UTF-16 LE", "UTF-16 BE",
                               "Windows-1252", "ISO-8859-1", "Shift JIS", "GB18030", NULL };
  const char *delim_labels[] = { _("Detect"), _("Comma ,"), _("Semicolon ;"), _("Tab"), _("Pipe |"), NULL };
  const char *dec_labels[] = { _("Detect"), _("Dot ."), _("Comma ,"), NULL };
  const char *header_labels[] = { _("Detect"), _("Yes"), _("No"), NULL };
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkGrid *grid = GTK_GRID (gtk_grid_new ());
  GtkWidget *title = gtk_label_new (_("Import Options"));
  GtkWidget *reload = gtk_button_new_with_mnemonic (_("_Read Again"));

  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);
  gtk_grid_set_row_spacing (grid, 8);
  gtk_grid_set_column_spacing (grid, 12);
  self->encoding = drop_down (enc_labels);
  self->delimiter = drop_down (delim_labels);
  self->decimal = drop_down (dec_labels);
  self->header = drop_down (header_labels);
  self->na = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (self->na, "NA, N/A, NaN, null, ?");
  kiln_widgets_set_tooltip (GTK_WIDGET (self->na), _("Comma-separated; empty cells are always missing. Leave empty for the defaults."));
  self->skip_bad = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_halign (GTK_WIDGET (self->skip_bad), GTK_ALIGN_START);
  grid_row (grid, 0, _("_Encoding"), GTK_WIDGET (self->encoding));
  grid_row (grid, 1, _("_Delimiter"), GTK_WIDGET (self->delimiter));
  grid_row (grid, 2, _("Decimal _separator"), GTK_WIDGET (self->decimal));
  grid_row (grid, 3, _("_Header row"), GTK_WIDGET (self->header));
  grid_row (grid, 4, _("_Missing markers"), GTK_WIDGET (self->na));
  grid_row (grid, 5, _("S_kip bad rows"), GTK_WIDGET (self->skip_bad));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (grid));
  self->detected = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->detected, TRUE);
  /* narrower than the popover: its height is measured at the width it gets (at 40 characters
     it was measured on one line, shown on two, and the last button was cut off) */
  gtk_label_set_max_width_chars (self->detected, 20);
  gtk_label_set_xalign (self->detected, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->detected), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->detected), "caption");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detected));
  gtk_widget_add_css_class (reload, "suggested-action");
  gtk_widget_set_halign (reload, GTK_ALIGN_END);
  gtk_widget_set_valign (reload, GTK_ALIGN_START);
  g_signal_connect_swapped (reload, "clicked", G_CALLBACK (reload_clicked), self);
  gtk_box_append (GTK_BOX (box), reload);
  gtk_widget_set_size_request (box, 360, -1);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  return popover;
}

static void
align_popover_right (GtkPopover *popover,
                     GtkWidget  *button)
{
  int popover_width = 0;
  GdkRectangle rect;

  gtk_widget_measure (GTK_WIDGET (popover), GTK_ORIENTATION_HORIZONTAL, -1, NULL, &popover_width, NULL, NULL);
  /* a point whose centred popover ends at the button's right edge */
  rect.x = gtk_widget_get_width (button) - popover_width / 2;
  rect.y = 0;
  rect.width = 1;
  rect.height = gtk_widget_get_height (button);
  gtk_popover_set_pointing_to (popover, &rect);
}

static void
kiln_data_page_init (KilnDataPage *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);

  self->summary = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->summary, 0);
  gtk_label_set_ellipsize (self->summary, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->summary), TRUE);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->summary));
  self->import_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_label (self->import_button, _("Import Options"));
  gtk_menu_button_set_popover (self->import_button, build_import_popover (self));
  /* The button sits at the window's right edge: the popover opens leftwards from it, right
     edges aligned, instead of centred on it (GTK shrank a centred popover to the screen and cut
     its last button off). */
  gtk_popover_set_has_arrow (gtk_menu_button_get_popover (self->import_button), FALSE);
  g_signal_connect (gtk_menu_button_get_popover (self->import_button), "show",
                    G_CALLBACK (align_popover_right), self->import_button);
  kiln_widgets_set_tooltip (GTK_WIDGET (self->import_button),
                               _("Encoding, delimiter, decimal separator, header row, missing markers"));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->import_button));
  gtk_widget_set_margin_start (bar, 12);
  gtk_widget_set_margin_end (bar, 12);
  gtk_widget_set_margin_top (bar, 6);
  gtk_widget_set_margin_bottom (bar, 6);
  gtk_box_append (GTK_BOX (content), bar);
  gtk_box_append (GTK_BOX (content), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  self->table = KILN_DATA_TABLE (kiln_data_table_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->table), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->table), TRUE);
  g_signal_connect_swapped (self->table, "column-selected", G_CALLBACK (on_column_selected), self);
  g_signal_connect_swapped (self->table, "selection-changed", G_CALLBACK (on_selection_changed), self);
  self->inspector = KILN_COLUMN_INSPECTOR (kiln_column_inspector_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->inspector), 320, -1);
  g_signal_connect_swapped (self->inspector, "type-changed", G_CALLBACK (on_type_changed), self);
  gtk_paned_set_start_child (GTK_PANED (paned), GTK_WIDGET (self->table));
  gtk_paned_set_end_child (GTK_PANED (paned), GTK_WIDGET (self->inspector));
  gtk_paned_set_resize_end_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_widget_set_vexpand (paned, TRUE);
  gtk_box_append (GTK_BOX (content), paned);
  kiln_page_set_content (KILN_PAGE (self), content);
}
