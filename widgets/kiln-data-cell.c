/* kiln-data-cell.c: one cell of a data table (see kiln-data-cell.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "kiln-data-cell.h"

struct _KilnDataCell
{
  GtkWidget    parent_instance;

  GtkWidget   *owner;       /* not a reference: it contains the cell */
  char        *text;
  PangoLayout *layout;      /* made on the first draw; Pango follows its context's changes */
  float        xalign;
  gboolean     tabular;
  gboolean     italic;
  gboolean     attrs_dirty;
};

G_DEFINE_FINAL_TYPE (KilnDataCell, kiln_data_cell, GTK_TYPE_WIDGET)

/* The height of a line in @owner's font: one metrics lookup per owner and font (Pango shapes a
 * sample text for it), kept on the owner with the context's serial. */
typedef struct {
  guint serial;
  int   height;
} LineHeight;

static int
line_height (GtkWidget *owner)
{
  PangoContext *context = gtk_widget_get_pango_context (owner);
  LineHeight *cached = g_object_get_data (G_OBJECT (owner), "kiln-data-cell-line");
  guint serial = pango_context_get_serial (context);

  if (cached == NULL)
    {
      cached = g_new0 (LineHeight, 1);
      g_object_set_data_full (G_OBJECT (owner), "kiln-data-cell-line", cached, g_free);
    }
  if (cached->height == 0 || cached->serial != serial)
    {
      PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);
      cached->height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) +
                                          pango_font_metrics_get_descent (metrics));
      cached->serial = serial;
      pango_font_metrics_unref (metrics);
    }
  return cached->height;
}

static void
kiln_data_cell_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  KilnDataCell *self = KILN_DATA_CELL (widget);

  /* a column's width is set, never its cells' text's */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 0;
  else
    *minimum = *natural = self->owner ? line_height (self->owner) : 0;
}

static void
update_attributes (KilnDataCell *self)
{
  PangoAttrList *attrs = pango_attr_list_new ();

  if (self->tabular)
    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  if (self->italic)
    pango_attr_list_insert (attrs, pango_attr_style_new (PANGO_STYLE_ITALIC));
  pango_layout_set_attributes (self->layout, attrs);
  pango_attr_list_unref (attrs);
  self->attrs_dirty = FALSE;
}

static void
kiln_data_cell_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  KilnDataCell *self = KILN_DATA_CELL (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  PangoRectangle logical;
  GdkRGBA color;

  if (self->text == NULL || *self->text == '\0' || width <= 0 || self->owner == NULL)
    return;
  if (self->layout == NULL)
    {
      self->layout = pango_layout_new (gtk_widget_get_pango_context (self->owner));
      pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_single_paragraph_mode (self->layout, TRUE);
      pango_layout_set_text (self->layout, self->text, -1);
      self->attrs_dirty = TRUE;
    }
  if (self->attrs_dirty)
    update_attributes (self);
  pango_layout_set_width (self->layout, width * PANGO_SCALE);
  pango_layout_set_alignment (self->layout, self->xalign > 0.5f ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  pango_layout_get_pixel_extents (self->layout, NULL, &logical);

  /* GTK 4.8's way (deprecated in 4.10, whose gtk_widget_get_color the build's
     GDK_VERSION_MAX_ALLOWED of 4.8 keeps out, on every runtime) */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, (height - logical.height) / 2.f));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
kiln_data_cell_finalize (GObject *object)
{
  KilnDataCell *self = KILN_DATA_CELL (object);

  g_clear_pointer (&self->text, g_free);
  g_clear_object (&self->layout);
  G_OBJECT_CLASS (kiln_data_cell_parent_class)->finalize (object);
}

static void
kiln_data_cell_class_init (KilnDataCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = kiln_data_cell_finalize;
  widget_class->measure = kiln_data_cell_measure;
  widget_class->snapshot = kiln_data_cell_snapshot;
  gtk_widget_class_set_css_name (widget_class, "label");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
kiln_data_cell_init (KilnDataCell *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
kiln_data_cell_new (GtkWidget *owner)
{
  KilnDataCell *self = g_object_new (KILN_TYPE_DATA_CELL, NULL);

  self->owner = owner;
  return GTK_WIDGET (self);
}

void
kiln_data_cell_set_text (KilnDataCell *self,
                         const char   *text)
{
  g_return_if_fail (KILN_IS_DATA_CELL (self));

  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  if (self->layout)
    pango_layout_set_text (self->layout, text ? text : "", -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text ? text : "", -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
kiln_data_cell_get_text (KilnDataCell *self)
{
  g_return_val_if_fail (KILN_IS_DATA_CELL (self), NULL);
  return self->text;
}

void
kiln_data_cell_set_xalign (KilnDataCell *self,
                           float         xalign)
{
  g_return_if_fail (KILN_IS_DATA_CELL (self));

  xalign = CLAMP (xalign, 0.f, 1.f);
  if (self->xalign == xalign)
    return;
  self->xalign = xalign;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

float
kiln_data_cell_get_xalign (KilnDataCell *self)
{
  g_return_val_if_fail (KILN_IS_DATA_CELL (self), 0.f);
  return self->xalign;
}

/* @flag: one of the cell's font attributes (tabular, italic) */
static void
set_attribute (KilnDataCell *self,
               gboolean     *flag,
               gboolean      value)
{
  if (*flag == !!value)
    return;
  *flag = !!value;
  self->attrs_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
kiln_data_cell_set_tabular (KilnDataCell *self,
                            gboolean      tabular)
{
  g_return_if_fail (KILN_IS_DATA_CELL (self));
  set_attribute (self, &self->tabular, tabular);
}

void
kiln_data_cell_set_italic (KilnDataCell *self,
                           gboolean      italic)
{
  g_return_if_fail (KILN_IS_DATA_CELL (self));
  set_attribute (self, &self->italic, italic);
}
