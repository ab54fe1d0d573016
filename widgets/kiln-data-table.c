/* kiln-data-table.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Notes on GTK 4.8:
 *  - Factories hand out GtkListItem (GtkColumnViewCell is 4.12).
 *  - GtkColumnViewColumn has only a title string and a header menu. The header widget
 *    (GtkColumnViewTitle: a box with the title label and the sort arrow) is created as soon as
 *    the column is added, so the table adds a type icon and a "12 missing" label into that box.
 *    When the header is not built as expected, the title carries the missing count instead.
 *  - GtkColumnViewSorter has no public getters before 4.10. Every column gets a GtkCustomSorter
 *    whose only job is the header's sort arrow; when the view's sorter changes, the table asks
 *    it to compare two probe items: the column sorter it calls first is the primary column and
 *    the sign of the answer the direction. Then the KilnFrameModel sorts in core C.
 */
#define G_LOG_DOMAIN "kiln-data-table"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-data-cell.h"
#include "kiln-data-table.h"
#include "kiln-widgets.h"
#include "kiln-widgets-private.h"

#define ROW_NUMBER_COLUMN G_MAXUINT
#define WIDTH_SAMPLE_ROWS 256
/* A column view (GTK 4.8) makes cells for about 200 rows at once, visible or not: a wide table
 * would take hundreds of milliseconds in one frame. The view is given its rows a few at a time,
 * about this many cells per frame, until it has more than it would make cells for. */
#define REVEAL_CELLS_PER_FRAME 100
#define REVEAL_ALL_AFTER 240

struct _KilnDataTable
{
  GtkWidget       parent_instance;

  GtkWidget      *scrolled;
  GtkColumnView  *view;
  KilnFrameModel *model;
  GtkSliceListModel *reveal;        /* the rows the view sees: grown over a few frames */
  guint           reveal_tick;
  KilnFrame      *frame;
  GArray         *selected;         /* guint frame columns */
  guint           anchor;           /* for Shift+click ranges */
  gboolean        show_row_numbers;
  gboolean        rows_activatable;

  gulong          sorter_changed_id;
  int             probe_column;     /* set by the column sorters during a probe */
  gboolean        probing;
  gboolean        header_decorated; /* the type icons made it into the headers */
};

G_DEFINE_FINAL_TYPE (KilnDataTable, kiln_data_table, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SHOW_ROW_NUMBERS,
  N_PROPS
};

enum {
  COLUMN_SELECTED,
  SELECTION_CHANGED,
  ROW_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct {
  KilnDataTable *table;   /* not a reference: the table owns the view, the view the column */
  guint          column;  /* frame column, or ROW_NUMBER_COLUMN */
  gboolean       numeric;
} ColumnData;

/* ---- Selection -------------------------------------------------------------------------- */

static gboolean
is_selected (KilnDataTable *self,
             guint          column)
{
  for (guint i = 0; i < self->selected->len; i++)
    if (g_array_index (self->selected, guint, i) == column)
      return TRUE;
  return FALSE;
}

static void
update_selection_styles_below (KilnDataTable *self,
                               GtkWidget     *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer tag = g_object_get_data (G_OBJECT (child), "kiln-column");

      if (tag != NULL)
        {
          guint column = GPOINTER_TO_UINT (tag) - 1;

          if (column != ROW_NUMBER_COLUMN && is_selected (self, column))
            gtk_widget_add_css_class (child, "selected-column");
          else
            gtk_widget_remove_css_class (child, "selected-column");
          continue;
        }
      update_selection_styles_below (self, child);
    }
}

static void
update_header_styles (KilnDataTable *self)
{
  GtkWidget *header = NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_css_name (child), "header") == 0)
      header = child;
  if (header == NULL)
    return;
  for (GtkWidget *title = gtk_widget_get_first_child (header);
       title != NULL;
       title = gtk_widget_get_next_sibling (title))
    {
      gpointer tag = g_object_get_data (G_OBJECT (title), "kiln-title-column");

      if (tag != NULL && is_selected (self, GPOINTER_TO_UINT (tag) - 1))
        gtk_widget_add_css_class (title, "selected-column");
      else
        gtk_widget_remove_css_class (title, "selected-column");
    }
}

static void
selection_changed (KilnDataTable *self)
{
  update_selection_styles_below (self, GTK_WIDGET (self->view));
  update_header_styles (self);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
select_column (KilnDataTable   *self,
               guint            column,
               GdkModifierType  state)
{
  if (self->frame == NULL || column >= kiln_frame_get_n_columns (self->frame))
    return;

  if (state & GDK_CONTROL_MASK)
    {
      for (guint i = 0; i < self->selected->len; i++)
        if (g_array_index (self->selected, guint, i) == column)
          {
            g_array_remove_index (self->selected, i);
            selection_changed (self);
            return;
          }
      g_array_append_val (self->selected, column);
      self->anchor = column;
    }
  else if ((state & GDK_SHIFT_MASK) && self->selected->len > 0)
    {
      guint lo = MIN (self->anchor, column), hi = MAX (self->anchor, column);

      g_array_set_size (self->selected, 0);
      g_array_append_val (self->selected, self->anchor);
      for (guint c = lo; c <= hi; c++)
        if (c != self->anchor)
          g_array_append_val (self->selected, c);
    }
  else
    {
      g_array_set_size (self->selected, 0);
      g_array_append_val (self->selected, column);
      self->anchor = column;
    }
  selection_changed (self);
  if (!(state & GDK_CONTROL_MASK))
    g_signal_emit (self, signals[COLUMN_SELECTED], 0, column);
}

/* ---- Cells ------------------------------------------------------------------------------ */

/* A press on a cell selects its column. One gesture on the view, before its rows see the press,
 * finds the cell under the pointer: a gesture per cell was a controller more for each of the
 * thousands of cells the view keeps, built in the frames that show a file. */
static void
view_pressed_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 KilnDataTable   *self)
{
  GtkWidget *view = GTK_WIDGET (self->view);
  GtkWidget *widget = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);
  ColumnData *data = NULL;
  GdkModifierType state;

  for (; widget != NULL && widget != view && data == NULL; widget = gtk_widget_get_parent (widget))
    data = g_object_get_data (G_OBJECT (widget), "kiln-column-data");
  if (data == NULL || data->column == ROW_NUMBER_COLUMN || self->rows_activatable)
    return;
  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  select_column (self, data->column, state);
}

static void
view_activate_cb (GtkColumnView *view,
                  guint          position,
                  KilnDataTable *self)
{
  g_autoptr(KilnRowItem) item = NULL;

  if (!self->rows_activatable)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (view)), position);
  if (item != NULL)
    g_signal_emit (self, signals[ROW_ACTIVATED], 0, kiln_row_item_get_row (item));
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          ColumnData               *data)
{
  GtkWidget *cell = kiln_data_cell_new (GTK_WIDGET (data->table->view));

  gtk_widget_add_css_class (cell, "data-cell");
  if (data->numeric)
    {
      kiln_data_cell_set_xalign (KILN_DATA_CELL (cell), 1.0);
      kiln_data_cell_set_tabular (KILN_DATA_CELL (cell), TRUE);
      gtk_widget_add_css_class (cell, "numeric");
    }
  if (data->column == ROW_NUMBER_COLUMN)
    {
      kiln_data_cell_set_tabular (KILN_DATA_CELL (cell), TRUE);
      gtk_widget_add_css_class (cell, "row-number");
    }
  g_object_set_data (G_OBJECT (cell), "kiln-column", GUINT_TO_POINTER (data->column + 1));
  g_object_set_data (G_OBJECT (cell), "kiln-column-data", data);
  gtk_list_item_set_child (item, cell);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         ColumnData               *data)
{
  KilnDataCell *cell = KILN_DATA_CELL (gtk_list_item_get_child (item));
  KilnRowItem *row_item = gtk_list_item_get_item (item);
  KilnFrame *frame = kiln_row_item_get_frame (row_item);
  guint row = kiln_row_item_get_row (row_item);
  char *text;

  if (data->column == ROW_NUMBER_COLUMN)
    {
      char buf[16];

      g_snprintf (buf, sizeof buf, "%u", row + 1);
      kiln_data_cell_set_text (cell, buf);
      return;
    }

  text = kiln_column_format_display (kiln_frame_get_column (frame, data->column),
                                     kiln_frame_get_physical_row (frame, row));
  if (text == NULL)
    {
      kiln_data_cell_set_text (cell, "—");
      kiln_data_cell_set_italic (cell, TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (cell), "missing");
    }
  else
    {
      kiln_data_cell_set_text (cell, text);
      kiln_data_cell_set_italic (cell, FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (cell), "missing");
    }
  if (is_selected (data->table, data->column))
    gtk_widget_add_css_class (GTK_WIDGET (cell), "selected-column");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (cell), "selected-column");
  g_free (text);
}

/* ---- Sorting ---------------------------------------------------------------------------- */

static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  ColumnData *data = user_data;

  if (data->table->probing && data->table->probe_column < 0)
    data->table->probe_column = data->column;
  return GTK_ORDERING_LARGER;
}

static void
view_sorter_changed_cb (GtkSorter       *sorter,
                        GtkSorterChange  change,
                        KilnDataTable   *self)
{
  GtkOrdering order;

  if (self->frame == NULL)
    return;

  self->probing = TRUE;
  self->probe_column = -1;
  /* Two different objects: gtk_sorter_compare() answers "equal" for the same one. */
  order = gtk_sorter_compare (sorter, self, self->model);
  self->probing = FALSE;

  if (order == GTK_ORDERING_EQUAL || self->probe_column < 0)
    kiln_frame_model_sort (self->model, -1, TRUE);
  else
    kiln_frame_model_sort (self->model, self->probe_column, order == GTK_ORDERING_LARGER);
}

/* ---- Columns ---------------------------------------------------------------------------- */

static guint
count_missing (KilnFrame *frame,
               guint      column)
{
  KilnColumn *col = kiln_frame_get_column (frame, column);
  const guint64 *bitmap;
  guint n = 0, rows;

  if (!kiln_frame_is_view (frame))
    return kiln_column_get_n_missing (col);
  bitmap = kiln_column_get_missing_bitmap (col);
  if (bitmap == NULL)
    return 0;
  rows = kiln_frame_get_n_rows (frame);
  for (guint i = 0; i < rows; i++)
    n += kiln_bitmap_get (bitmap, kiln_frame_get_physical_row (frame, i));
  return n;
}

static int
estimate_width (KilnDataTable *self,
                guint          column,
                const char    *missing_text,
                int            digit_width)
{
  KilnColumn *col = kiln_frame_get_column (self->frame, column);
  guint rows = kiln_frame_get_n_rows (self->frame);
  guint step = MAX (1, rows / WIDTH_SAMPLE_ROWS);
  glong chars = 3, header;

  for (guint i = 0; i < rows; i += step)
    {
      g_autofree char *text = kiln_column_format_display (col, kiln_frame_get_physical_row (self->frame, i));

      if (text)
        chars = MAX (chars, g_utf8_strlen (text, -1));
    }
  chars = MIN (chars, 40);
  /* Header: icon, name, missing count, sort arrow. */
  /* Titles are bold (a tenth wider than digits); the missing count is in a smaller font.
   * Around them: the type icon, the sort arrow's room and the button's padding. */
  header = g_utf8_strlen (kiln_column_get_name (col), -1) * digit_width * 11 / 10 +
           (missing_text ? g_utf8_strlen (missing_text, -1) * digit_width * 4 / 5 + 6 : 0);
  return CLAMP (MAX (chars * digit_width + 24, header + 70), 72, 360);
}

static GtkWidget *
find_header_widget (KilnDataTable *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_css_name (child), "header") == 0)
      return child;
  return NULL;
}

/* Puts a type icon before the title label and a missing-count label after it, in the header
 * GTK just created for the last appended column. */
static gboolean
decorate_last_title (KilnDataTable *self,
                     KilnColumnType type,
                     const char    *missing_text,
                     guint          column)
{
  GtkWidget *header = find_header_widget (self);
  GtkWidget *title, *box, *label, *icon;

  if (header == NULL)
    return FALSE;
  title = gtk_widget_get_last_child (header);
  if (title == NULL || g_strcmp0 (G_OBJECT_TYPE_NAME (title), "GtkColumnViewTitle") != 0)
    return FALSE;
  box = gtk_widget_get_first_child (title);
  if (!GTK_IS_BOX (box))
    return FALSE;
  label = gtk_widget_get_first_child (box);
  if (!GTK_IS_LABEL (label))
    return FALSE;

  icon = gtk_image_new_from_icon_name (kiln_widgets_get_type_icon_name (type));
  gtk_widget_add_css_class (icon, "column-type-icon");
  kiln_widgets_set_tooltip (icon, kiln_widgets_get_type_display_name (type));
  gtk_box_prepend (GTK_BOX (box), icon);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, FALSE);

  if (missing_text)
    {
      GtkWidget *missing = gtk_label_new (missing_text);

      gtk_widget_add_css_class (missing, "column-missing");
      gtk_box_insert_child_after (GTK_BOX (box), missing, label);
    }
  g_object_set_data (G_OBJECT (title), "kiln-title-column", GUINT_TO_POINTER (column + 1));
  return TRUE;
}

static GMenuModel *
build_header_menu (guint column)
{
  GMenu *menu = g_menu_new ();
  GMenu *section = g_menu_new ();
  GMenuItem *item;

  item = g_menu_item_new (_("Sort _Ascending"), NULL);
  g_menu_item_set_action_and_target (item, "table.sort-ascending", "u", column);
  g_menu_append_item (section, item);
  g_object_unref (item);
  item = g_menu_item_new (_("Sort _Descending"), NULL);
  g_menu_item_set_action_and_target (item, "table.sort-descending", "u", column);
  g_menu_append_item (section, item);
  g_object_unref (item);
  g_menu_append (section, _("_File Order"), "table.sort-clear");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_object_unref (section);

  section = g_menu_new ();
  item = g_menu_item_new (_("_Inspect Column"), NULL);
  g_menu_item_set_action_and_target (item, "table.inspect", "u", column);
  g_menu_append_item (section, item);
  g_object_unref (item);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_object_unref (section);
  return G_MENU_MODEL (menu);
}

static GtkColumnViewColumn *
add_column (KilnDataTable *self,
            guint          column,
            const char    *title,
            int            width,
            gboolean       numeric)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  ColumnData *data = g_new0 (ColumnData, 1);
  GtkColumnViewColumn *view_column;

  data->table = self;
  data->column = column;
  data->numeric = numeric;
  g_object_set_data_full (G_OBJECT (factory), "kiln-column-data", data, g_free);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), data);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), data);

  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_fixed_width (view_column, width);
  gtk_column_view_column_set_resizable (view_column, column != ROW_NUMBER_COLUMN);
  if (column != ROW_NUMBER_COLUMN)
    {
      GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare, data, NULL));
      GMenuModel *menu = build_header_menu (column);

      gtk_column_view_column_set_sorter (view_column, sorter);
      gtk_column_view_column_set_header_menu (view_column, menu);
      g_object_unref (sorter);
      g_object_unref (menu);
    }
  gtk_column_view_append_column (self->view, view_column);
  g_object_unref (view_column);
  return view_column;
}

static void
remove_columns (KilnDataTable *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      GtkColumnViewColumn *column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->view, column);
      g_object_unref (column);
    }
}

static GtkColumnViewColumn *
find_view_column (KilnDataTable *self,
                  guint          frame_column)
{
  GListModel *columns = gtk_column_view_get_columns (self->view);
  guint n = g_list_model_get_n_items (columns);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      GtkListItemFactory *factory = gtk_column_view_column_get_factory (column);
      ColumnData *data = g_object_get_data (G_OBJECT (factory), "kiln-column-data");

      if (data && data->column == frame_column)
        return column;
    }
  return NULL;
}

static void
rebuild_columns (KilnDataTable *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);
  int digit_width = MAX (6, pango_font_metrics_get_approximate_digit_width (metrics) / PANGO_SCALE);
  guint n_columns;

  pango_font_metrics_unref (metrics);

  /* Clears the header's arrow; the model follows through view_sorter_changed_cb(). */
  gtk_column_view_sort_by_column (self->view, NULL, GTK_SORT_ASCENDING);
  remove_columns (self);

  if (self->frame == NULL)
    return;

  if (self->show_row_numbers)
    {
      char buf[16];
      int digits = g_snprintf (buf, sizeof buf, "%u", kiln_frame_get_n_rows (self->frame));

      add_column (self, ROW_NUMBER_COLUMN, "#", MAX (48, digits * digit_width + 24), TRUE);
    }

  n_columns = kiln_frame_get_n_columns (self->frame);
  self->header_decorated = TRUE;
  for (guint c = 0; c < n_columns; c++)
    {
      KilnColumn *col = kiln_frame_get_column (self->frame, c);
      KilnColumnType type = kiln_column_get_column_type (col);
      guint missing = count_missing (self->frame, c);
      g_autofree char *missing_text = NULL;
      gboolean numeric = type == KILN_COLUMN_NUMERIC;
      int width;

      if (missing > 0)
        missing_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u missing", "%u missing",
                                                     missing), missing);
      width = estimate_width (self, c, missing_text, digit_width);
      add_column (self, c, kiln_column_get_name (col), width, numeric);
      if (!decorate_last_title (self, type, missing_text, c))
        {
          GtkColumnViewColumn *view_column = find_view_column (self, c);
          g_autofree char *title = NULL;

          /* Fallback: say it in the title. */
          self->header_decorated = FALSE;
          if (missing_text)
            {
              title = g_strdup_printf ("%s · %s", kiln_column_get_name (col), missing_text);
              gtk_column_view_column_set_title (view_column, title);
            }
        }
    }
}

/* ---- Actions ---------------------------------------------------------------------------- */

static void
sort_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KilnDataTable *self = KILN_DATA_TABLE (widget);

  if (g_str_equal (action_name, "table.sort-clear"))
    kiln_data_table_sort (self, -1, TRUE);
  else
    kiln_data_table_sort (self, (int) g_variant_get_uint32 (parameter),
                          g_str_equal (action_name, "table.sort-ascending"));
}

static void
inspect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  select_column (KILN_DATA_TABLE (widget), g_variant_get_uint32 (parameter), 0);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
kiln_data_table_dispose (GObject *object)
{
  KilnDataTable *self = KILN_DATA_TABLE (object);

  if (self->view != NULL)
    {
      g_clear_signal_handler (&self->sorter_changed_id, gtk_column_view_get_sorter (self->view));
      remove_columns (self);
      gtk_column_view_set_model (self->view, NULL);
      self->view = NULL;
    }
  if (self->reveal_tick)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->reveal_tick);
      self->reveal_tick = 0;
    }
  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  g_clear_object (&self->reveal);
  g_clear_object (&self->model);
  g_clear_pointer (&self->frame, kiln_frame_unref);
  G_OBJECT_CLASS (kiln_data_table_parent_class)->dispose (object);
}

static void
kiln_data_table_finalize (GObject *object)
{
  KilnDataTable *self = KILN_DATA_TABLE (object);

  g_array_unref (self->selected);
  G_OBJECT_CLASS (kiln_data_table_parent_class)->finalize (object);
}

static void
kiln_data_table_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KilnDataTable *self = KILN_DATA_TABLE (object);

  switch (prop_id)
    {
    case PROP_SHOW_ROW_NUMBERS:
      g_value_set_boolean (value, self->show_row_numbers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_data_table_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KilnDataTable *self = KILN_DATA_TABLE (object);

  switch (prop_id)
    {
    case PROP_SHOW_ROW_NUMBERS:
      kiln_data_table_set_show_row_numbers (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_data_table_class_init (KilnDataTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_data_table_dispose;
  object_class->finalize = kiln_data_table_finalize;
  object_class->get_property = kiln_data_table_get_property;
  object_class->set_property = kiln_data_table_set_property;

  properties[PROP_SHOW_ROW_NUMBERS] =
    g_param_spec_boolean ("show-row-numbers", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[COLUMN_SELECTED] =
    g_signal_new ("column-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (row of the frame) with rows-activatable: a click on a row, or Enter */
  signals[ROW_ACTIVATED] =
    g_signal_new ("row-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_install_action (widget_class, "table.sort-ascending", "u", sort_action);
  gtk_widget_class_install_action (widget_class, "table.sort-descending", "u", sort_action);
  gtk_widget_class_install_action (widget_class, "table.sort-clear", NULL, sort_action);
  gtk_widget_class_install_action (widget_class, "table.inspect", "u", inspect_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "datatable");
}

static void
kiln_data_table_init (KilnDataTable *self)
{
  self->selected = g_array_new (FALSE, FALSE, sizeof (guint));
  self->show_row_numbers = TRUE;
  self->model = kiln_frame_model_new (NULL);

  self->scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_parent (self->scrolled, GTK_WIDGET (self));

  self->reveal = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->model)), 0, G_MAXUINT);
  self->view = GTK_COLUMN_VIEW (gtk_column_view_new (
      GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->reveal))))));
  gtk_column_view_set_show_column_separators (self->view, TRUE);
  gtk_column_view_set_show_row_separators (self->view, FALSE);
  gtk_column_view_set_reorderable (self->view, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "data-table");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), GTK_WIDGET (self->view));

  g_signal_connect (self->view, "activate", G_CALLBACK (view_activate_cb), self);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
    g_signal_connect (click, "pressed", G_CALLBACK (view_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->view), GTK_EVENT_CONTROLLER (click));
  }
  self->sorter_changed_id = g_signal_connect (gtk_column_view_get_sorter (self->view), "changed",
                                              G_CALLBACK (view_sorter_changed_cb), self);
}

/* ---- Public API ------------------------------------------------------------------------- */

GtkWidget *
kiln_data_table_new (void)
{
  return g_object_new (KILN_TYPE_DATA_TABLE, NULL);
}

static guint
reveal_step (KilnDataTable *self)
{
  guint columns = g_list_model_get_n_items (gtk_column_view_get_columns (self->view));

  return MAX (8, REVEAL_CELLS_PER_FRAME / MAX (columns, 1));
}

static gboolean
reveal_more (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       unused)
{
  KilnDataTable *self = KILN_DATA_TABLE (widget);
  guint size = gtk_slice_list_model_get_size (self->reveal) + reveal_step (self);

  if (size > REVEAL_ALL_AFTER)
    size = G_MAXUINT;
  gtk_slice_list_model_set_size (self->reveal, size);
  if (size != G_MAXUINT)
    return G_SOURCE_CONTINUE;
  self->reveal_tick = 0;
  return G_SOURCE_REMOVE;
}

/* The view starts empty and gets its rows frame by frame from the next one on (reveal_more,
 * which runs once the table shows): the frame that first shows a new file has its page, headers
 * and fonts to lay out and draw already. */
static void
reveal_gradually (KilnDataTable *self)
{
  gtk_slice_list_model_set_size (self->reveal, 0);
  if (self->reveal_tick == 0)
    self->reveal_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), reveal_more, NULL, NULL);
}

void
kiln_data_table_set_frame (KilnDataTable *self,
                           KilnFrame     *frame)
{
  GtkAdjustment *adjustment;

  g_return_if_fail (KILN_IS_DATA_TABLE (self));

  if (frame)
    kiln_frame_ref (frame);
  g_clear_pointer (&self->frame, kiln_frame_unref);
  self->frame = frame;

  g_array_set_size (self->selected, 0);
  kiln_frame_model_set_frame (self->model, NULL);
  rebuild_columns (self);
  reveal_gradually (self);
  kiln_frame_model_set_frame (self->model, frame);

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scrolled));
  gtk_adjustment_set_value (adjustment, 0);
  adjustment = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (self->scrolled));
  gtk_adjustment_set_value (adjustment, 0);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

KilnFrame *
kiln_data_table_get_frame (KilnDataTable *self)
{
  g_return_val_if_fail (KILN_IS_DATA_TABLE (self), NULL);
  return self->frame;
}

KilnFrameModel *
kiln_data_table_get_model (KilnDataTable *self)
{
  g_return_val_if_fail (KILN_IS_DATA_TABLE (self), NULL);
  return self->model;
}

void
kiln_data_table_set_rows (KilnDataTable *self,
                          const guint32 *rows,
                          guint          n_rows)
{
  g_return_if_fail (KILN_IS_DATA_TABLE (self));
  kiln_frame_model_set_rows (self->model, rows, n_rows);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scrolled)), 0);
}

void
kiln_data_table_sort (KilnDataTable *self,
                      int            column,
                      gboolean       ascending)
{
  GtkColumnViewColumn *view_column = NULL;

  g_return_if_fail (KILN_IS_DATA_TABLE (self));
  g_return_if_fail (column < 0 || (self->frame != NULL &&
                                   (guint) column < kiln_frame_get_n_columns (self->frame)));

  if (column >= 0)
    view_column = find_view_column (self, column);
  /* The view's sorter changes and view_sorter_changed_cb() sorts the model. */
  gtk_column_view_sort_by_column (self->view, view_column,
                                  ascending ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING);
}

const guint *
kiln_data_table_get_selected_columns (KilnDataTable *self,
                                      guint         *n_columns)
{
  g_return_val_if_fail (KILN_IS_DATA_TABLE (self), NULL);
  if (n_columns)
    *n_columns = self->selected->len;
  return (const guint *) self->selected->data;
}

void
kiln_data_table_set_selected_columns (KilnDataTable *self,
                                      const guint   *columns,
                                      guint          n_columns)
{
  g_return_if_fail (KILN_IS_DATA_TABLE (self));
  g_return_if_fail (columns != NULL || n_columns == 0);

  g_array_set_size (self->selected, 0);
  for (guint i = 0; i < n_columns; i++)
    if (self->frame && columns[i] < kiln_frame_get_n_columns (self->frame) &&
        !is_selected (self, columns[i]))
      g_array_append_val (self->selected, columns[i]);
  if (self->selected->len > 0)
    self->anchor = g_array_index (self->selected, guint, 0);
  selection_changed (self);
}

void
kiln_data_table_set_rows_activatable (KilnDataTable *self,
                                      gboolean       activatable)
{
  g_return_if_fail (KILN_IS_DATA_TABLE (self));
  self->rows_activatable = !!activatable;
  gtk_column_view_set_single_click_activate (self->view, self->rows_activatable);
}

void
kiln_data_table_set_show_row_numbers (KilnDataTable *self,
                                      gboolean       show)
{
  g_return_if_fail (KILN_IS_DATA_TABLE (self));

  show = !!show;
  if (self->show_row_numbers == show)
    return;
  self->show_row_numbers = show;
  rebuild_columns (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_ROW_NUMBERS]);
}

gboolean
kiln_data_table_get_show_row_numbers (KilnDataTable *self)
{
  g_return_val_if_fail (KILN_IS_DATA_TABLE (self), FALSE);
  return self->show_row_numbers;
}

/* ---- Test hooks ------------------------------------------------------------------------- */

gboolean
_kiln_data_table_get_headers_decorated (KilnDataTable *self)
{
  return self->frame != NULL && self->header_decorated;
}

GtkColumnView *
_kiln_data_table_get_column_view (KilnDataTable *self)
{
  return self->view;
}

void
_kiln_data_table_click_column (KilnDataTable   *self,
                               guint            column,
                               GdkModifierType  state)
{
  select_column (self, column, state);
}
