/* kiln-confusion-matrix.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-confusion-matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "kiln-confusion-matrix.h"
#include "kiln-widgets-private.h"

#define MAX_LABEL_WIDTH 140
#define GAP 6

struct _KilnConfusionMatrix
{
  GtkWidget       parent_instance;

  guint           n;
  char          **names;       /* n strings */
  guint          *counts;      /* n × n */
  guint          *row_totals;  /* n */
  guint           max_count;
  KilnConfusion  *confusion;   /* optional, for the rows behind cells */
  gboolean        normalized;

  KilnLabelCache *labels;
  KilnLabelCache *small_labels;
  int             hover_actual;     /* -1 for none */
  int             hover_predicted;
  guint           cursor_actual;
  guint           cursor_predicted;
};

static void kiln_confusion_matrix_chart_init (KilnChartInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KilnConfusionMatrix, kiln_confusion_matrix, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (KILN_TYPE_CHART,
                                                      kiln_confusion_matrix_chart_init))

enum {
  PROP_0,
  PROP_NORMALIZED,
  N_PROPS
};

enum {
  CELL_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- Layout ----------------------------------------------------------------------------- */

typedef struct {
  KilnLabelCache *labels;      /* class names: normal or small font */
  double          grid_x;
  double          grid_y;
  double          cell;
  double          label_w;     /* max width of the row labels */
  double          col_label_h; /* height taken by the column labels */
  gboolean        rotated;     /* column labels vertical */
  double          width;
  double          height;
} Layout;

static double
max_name_width (KilnConfusionMatrix *self,
                KilnLabelCache      *labels)
{
  int max = 0;

  for (guint i = 0; i < self->n; i++)
    {
      int w, h;

      pango_layout_get_pixel_size (kiln_label_cache_get (labels, self->names[i], -1), &w, &h);
      max = MAX (max, w);
    }
  return MIN (max, MAX_LABEL_WIDTH);
}

static void
compute_layout (KilnConfusionMatrix *self,
                double               width,
                double               height,
                Layout              *l)
{
  int lh = kiln_label_cache_get_line_height (self->labels);
  double title = lh + GAP;
  double left, bottom, avail_w, avail_h, block_w;

  memset (l, 0, sizeof *l);
  l->width = width;
  l->height = height;
  if (self->n == 0)
    return;

  l->labels = self->labels;
  for (int pass = 0; pass < 2; pass++)
    {
      int llh = kiln_label_cache_get_line_height (l->labels);

      l->label_w = max_name_width (self, l->labels);
      left = 4 + title + l->label_w + GAP;
      avail_w = width - left - 8;

      /* Column labels horizontal if they fit under their cells, else vertical. */
      l->rotated = FALSE;
      l->col_label_h = llh;
      bottom = GAP + l->col_label_h + GAP + title;
      avail_h = height - 8 - bottom;
      l->cell = floor (MIN (avail_w, avail_h) / self->n);
      if (l->label_w + 6 > l->cell)
        {
          l->rotated = TRUE;
          l->col_label_h = l->label_w;
          bottom = GAP + l->col_label_h + GAP + title;
          avail_h = height - 8 - bottom;
          l->cell = floor (MIN (avail_w, avail_h) / self->n);
        }
      /* Names taller than their rows: use the small font. */
      if (pass == 0 && l->cell < llh + 2)
        l->labels = self->small_labels;
      else
        break;
    }
  l->cell = MAX (l->cell, 2);

  block_w = left + self->n * l->cell + 8;
  l->grid_x = left + MAX (0, floor ((width - block_w) / 2));
  l->grid_y = 8 + MAX (0, floor ((height - 8 - bottom - self->n * l->cell) / 2));
}

static gboolean
layout_cell_at (KilnConfusionMatrix *self,
                const Layout        *l,
                double               x,
                double               y,
                guint               *actual,
                guint               *predicted)
{
  double cx, cy;

  if (self->n == 0 || l->cell <= 0)
    return FALSE;
  cx = (x - l->grid_x) / l->cell;
  cy = (y - l->grid_y) / l->cell;
  if (cx < 0 || cy < 0 || cx >= self->n || cy >= self->n)
    return FALSE;
  if (actual)
    *actual = (guint) cy;
  if (predicted)
    *predicted = (guint) cx;
  return TRUE;
}

static void
current_layout (KilnConfusionMatrix *self,
                Layout              *l)
{
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                  gtk_widget_get_height (GTK_WIDGET (self)), l);
}

/* ---- Drawing ---------------------------------------------------------------------------- */

static double
cell_value (KilnConfusionMatrix *self,
            guint                a,
            guint                p)
{
  guint count = self->counts[a * self->n + p];

  if (self->normalized)
    return self->row_totals[a] ? (double) count / self->row_totals[a] : 0;
  return self->max_count ? (double) count / self->max_count : 0;
}

static void
format_cell (KilnConfusionMatrix *self,
             guint                a,
             guint                p,
             char                *buf,
             gsize                size)
{
  guint count = self->counts[a * self->n + p];

  if (!self->normalized)
    g_snprintf (buf, size, "%u", count);
  else if (self->row_totals[a] == 0)
    g_snprintf (buf, size, "–");
  else
    {
      double pct = 100.0 * count / self->row_totals[a];

      if (count > 0 && pct < 1)
        g_snprintf (buf, size, "<1%%");
      else
        g_snprintf (buf, size, "%.0f%%", pct);
    }
}

static void
draw_all (KilnConfusionMatrix *self,
          cairo_t             *cr,
          int                  width,
          int                  height,
          const KilnPlotStyle *style,
          gboolean             interactive)
{
  const GdkRGBA *accent = &style->colors[KILN_PLOT_COLOR_BLUE];
  GdkRGBA white = { 1, 1, 1, 1 };
  Layout l;
  double gap;
  int lh;

  kiln_label_cache_trim (self->labels);
  kiln_label_cache_trim (self->small_labels);

  if (self->n == 0)
    {
      kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, _("No confusion matrix yet"), -1),
                             width / 2.0, height / 2.0, 0.5, 0.5, 0, &style->axis);
      return;
    }

  compute_layout (self, width, height, &l);
  lh = kiln_label_cache_get_line_height (self->labels);
  gap = l.cell >= 10 ? 1 : 0;

  /* Cells */
  for (guint a = 0; a < self->n; a++)
    for (guint p = 0; p < self->n; p++)
      {
        double x = l.grid_x + p * l.cell, y = l.grid_y + a * l.cell;
        double v = cell_value (self, a, p);
        guint count = self->counts[a * self->n + p];
        double alpha = count == 0 ? 0 : 0.10 + 0.90 * pow (v, 0.75);
        char text[32];
        PangoLayout *layout;
        int tw, th;

        kiln_plot_rounded_rect (cr, x + gap, y + gap, l.cell - 2 * gap, l.cell - 2 * gap,
                                l.cell >= 10 ? 3 : 0);
        if (count == 0)
          kiln_plot_set_source_rgba (cr, &style->fg, 0.05);
        else
          kiln_plot_set_source_rgba (cr, accent, alpha);
        cairo_fill (cr);

        if (count == 0 && self->n > 12)
          continue;
        format_cell (self, a, p, text, sizeof text);
        layout = kiln_label_cache_get (l.cell >= lh * 1.6 ? self->labels : self->small_labels, text, -1);
        pango_layout_get_pixel_size (layout, &tw, &th);
        if (tw + 4 > l.cell || th > l.cell)
          continue;
        if (count == 0)
          {
            GdkRGBA faint = style->fg;

            faint.alpha *= 0.35;
            kiln_plot_draw_layout (cr, layout, x + l.cell / 2, y + l.cell / 2, 0.5, 0.5, 0, &faint);
          }
        else
          kiln_plot_draw_layout (cr, layout, x + l.cell / 2, y + l.cell / 2, 0.5, 0.5, 0,
                                 alpha > 0.55 ? &white : &style->fg);
      }

  /* Hover and keyboard focus */
  if (interactive && self->hover_actual >= 0)
    {
      cairo_rectangle (cr, l.grid_x + self->hover_predicted * l.cell + 1,
                       l.grid_y + self->hover_actual * l.cell + 1, l.cell - 2, l.cell - 2);
      kiln_plot_set_source_rgba (cr, &style->fg, 0.7);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }
  if (interactive && gtk_widget_has_visible_focus (GTK_WIDGET (self)))
    {
      static const double dash[] = { 3, 2 };

      cairo_save (cr);
      cairo_rectangle (cr, l.grid_x + self->cursor_predicted * l.cell + 1.5,
                       l.grid_y + self->cursor_actual * l.cell + 1.5, l.cell - 3, l.cell - 3);
      cairo_set_dash (cr, dash, 2, 0);
      kiln_plot_set_source_rgba (cr, &style->fg, 1.0);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* Class names: rows at the left, columns below. */
  for (guint i = 0; i < self->n; i++)
    {
      PangoLayout *layout = kiln_label_cache_get (l.labels, self->names[i], (int) l.label_w);
      gboolean hot_row = interactive && self->hover_actual == (int) i;
      gboolean hot_col = interactive && self->hover_predicted == (int) i;
      double mid = l.cell * (i + 0.5);

      kiln_plot_draw_layout (cr, layout, l.grid_x - GAP, l.grid_y + mid, 1.0, 0.5, 0,
                             hot_row ? accent : &style->fg);
      if (l.rotated)
        kiln_plot_draw_layout (cr, layout, l.grid_x + mid, l.grid_y + self->n * l.cell + GAP,
                               1.0, 0.5, -G_PI / 2, hot_col ? accent : &style->fg);
      else
        kiln_plot_draw_layout (cr, layout, l.grid_x + mid, l.grid_y + self->n * l.cell + GAP,
                               0.5, 0.0, 0, hot_col ? accent : &style->fg);
    }

  /* Axis titles */
  kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, _("Predicted"), -1),
                         l.grid_x + self->n * l.cell / 2,
                         l.grid_y + self->n * l.cell + GAP + l.col_label_h + GAP, 0.5, 0, 0,
                         &style->axis);
  kiln_plot_draw_layout (cr, kiln_label_cache_get (self->labels, _("Actual"), -1),
                         l.grid_x - GAP - l.label_w - GAP - lh, l.grid_y + self->n * l.cell / 2,
                         0.5, 0, -G_PI / 2, &style->axis);
}

static void
kiln_confusion_matrix_chart_draw (KilnChart           *chart,
                                  cairo_t             *cr,
                                  int                  width,
                                  int                  height,
                                  const KilnPlotStyle *style)
{
  draw_all (KILN_CONFUSION_MATRIX (chart), cr, width, height, style, FALSE);
}

static void
kiln_confusion_matrix_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  KilnPlotStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  kiln_plot_style_init_for_widget (&style, widget);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_all (KILN_CONFUSION_MATRIX (widget), cr, width, height, &style, TRUE);
  cairo_destroy (cr);
}

static void
kiln_confusion_matrix_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  KilnConfusionMatrix *self = KILN_CONFUSION_MATRIX (widget);
  guint n = MAX (self->n, 2);

  *minimum = 160 + 6 * n;
  *natural = CLAMP (240 + 40 * n, 320, 560);
}

static void
kiln_confusion_matrix_css_changed (GtkWidget         *widget,
                                   GtkCssStyleChange *change)
{
  KilnConfusionMatrix *self = KILN_CONFUSION_MATRIX (widget);

  GTK_WIDGET_CLASS (kiln_confusion_matrix_parent_class)->css_changed (widget, change);
  kiln_label_cache_clear (self->labels);
  kiln_label_cache_clear (self->small_labels);
  gtk_widget_queue_draw (widget);
}

/* ---- Interaction ------------------------------------------------------------------------ */

static void
activate_cell (KilnConfusionMatrix *self,
               guint                actual,
               guint                predicted)
{
  self->cursor_actual = actual;
  self->cursor_predicted = predicted;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CELL_ACTIVATED], 0, actual, predicted);
}

static void
click_at (KilnConfusionMatrix *self,
          double               x,
          double               y)
{
  guint a, p;

  if (kiln_confusion_matrix_cell_at (self, x, y, &a, &p))
    activate_cell (self, a, p);
}

static void
handle_release (KilnConfusionMatrix *self,
                double               x,
                double               y)
{
  if (gtk_widget_get_focusable (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  click_at (self, x, y);
}

static void
released_cb (GtkGestureClick     *gesture,
             int                  n_press,
             double               x,
             double               y,
             KilnConfusionMatrix *self)
{
  handle_release (self, x, y);
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           KilnConfusionMatrix      *self)
{
  guint a, p;
  int ha = -1, hp = -1;

  if (kiln_confusion_matrix_cell_at (self, x, y, &a, &p))
    {
      ha = a;
      hp = p;
    }
  if (ha != self->hover_actual || hp != self->hover_predicted)
    {
      self->hover_actual = ha;
      self->hover_predicted = hp;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *motion,
          KilnConfusionMatrix      *self)
{
  if (self->hover_actual >= 0)
    {
      self->hover_actual = self->hover_predicted = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static gboolean
key_pressed_cb (GtkEventControllerKey *key,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                KilnConfusionMatrix   *self)
{
  guint a = self->cursor_actual, p = self->cursor_predicted;

  if (self->n == 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      p = p > 0 ? p - 1 : 0;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      p = MIN (p + 1, self->n - 1);
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      a = a > 0 ? a - 1 : 0;
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      a = MIN (a + 1, self->n - 1);
      break;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
      activate_cell (self, a, p);
      return TRUE;
    default:
      return FALSE;
    }
  self->cursor_actual = a;
  self->cursor_predicted = p;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

static gboolean
query_tooltip_cb (GtkWidget           *widget,
                  int                  x,
                  int                  y,
                  gboolean             keyboard,
                  GtkTooltip          *tooltip,
                  KilnConfusionMatrix *self)
{
  g_autofree char *text = NULL;
  guint a, p, count;

  if (keyboard)
    {
      a = self->cursor_actual;
      p = self->cursor_predicted;
      if (self->n == 0)
        return FALSE;
    }
  else if (!kiln_confusion_matrix_cell_at (self, x, y, &a, &p))
    return FALSE;

  count = self->counts[a * self->n + p];
  if (self->row_totals[a] > 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Actual: %s\nPredicted: %s\n%u row (%.1f%% of %s)",
                                         "Actual: %s\nPredicted: %s\n%u rows (%.1f%% of %s)",
                                         count),
                            self->names[a], self->names[p], count,
                            100.0 * count / self->row_totals[a], self->names[a]);
  else
    text = g_strdup_printf (_("Actual: %s\nPredicted: %s\nNo rows"), self->names[a], self->names[p]);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
clear_data (KilnConfusionMatrix *self)
{
  g_strfreev (self->names);
  self->names = NULL;
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->row_totals, g_free);
  g_clear_pointer (&self->confusion, kiln_confusion_unref);
  self->n = 0;
  self->max_count = 0;
}

static void
kiln_confusion_matrix_finalize (GObject *object)
{
  KilnConfusionMatrix *self = KILN_CONFUSION_MATRIX (object);

  clear_data (self);
  kiln_label_cache_free (self->labels);
  kiln_label_cache_free (self->small_labels);
  G_OBJECT_CLASS (kiln_confusion_matrix_parent_class)->finalize (object);
}

static void
kiln_confusion_matrix_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  KilnConfusionMatrix *self = KILN_CONFUSION_MATRIX (object);

  switch (prop_id)
    {
    case PROP_NORMALIZED:
      g_value_set_boolean (value, self->normalized);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_confusion_matrix_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  KilnConfusionMatrix *self = KILN_CONFUSION_MATRIX (object);

  switch (prop_id)
    {
    case PROP_NORMALIZED:
      kiln_confusion_matrix_set_normalized (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_confusion_matrix_chart_init (KilnChartInterface *iface)
{
  iface->draw = kiln_confusion_matrix_chart_draw;
}

static void
kiln_confusion_matrix_class_init (KilnConfusionMatrixClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = kiln_confusion_matrix_finalize;
  object_class->get_property = kiln_confusion_matrix_get_property;
  object_class->set_property = kiln_confusion_matrix_set_property;

  widget_class->snapshot = kiln_confusion_matrix_snapshot;
  widget_class->measure = kiln_confusion_matrix_measure;
  widget_class->css_changed = kiln_confusion_matrix_css_changed;

  properties[PROP_NORMALIZED] =
    g_param_spec_boolean ("normalized", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "confusionmatrix");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);
}

static void
kiln_confusion_matrix_init (KilnConfusionMatrix *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkGesture *click;
  GtkEventController *controller;

  self->labels = kiln_label_cache_new (widget, 1.0);
  self->small_labels = kiln_label_cache_new (widget, 0.8);
  self->hover_actual = self->hover_predicted = -1;

  gtk_widget_add_css_class (widget, "kiln-chart");
  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (widget, controller);
}

/* ---- Public API ------------------------------------------------------------------------- */

GtkWidget *
kiln_confusion_matrix_new (void)
{
  return g_object_new (KILN_TYPE_CONFUSION_MATRIX, NULL);
}

void
kiln_confusion_matrix_set_data (KilnConfusionMatrix *self,
                                guint                n_classes,
                                const char * const  *class_names,
                                const guint         *counts)
{
  g_return_if_fail (KILN_IS_CONFUSION_MATRIX (self));
  g_return_if_fail (n_classes == 0 || counts != NULL);

  clear_data (self);
  self->n = n_classes;
  self->names = g_new0 (char *, n_classes + 1);
  for (guint i = 0; i < n_classes; i++)
    self->names[i] = class_names && class_names[i] ? g_strdup (class_names[i])
                                                   : g_strdup_printf ("%u", i);
  self->counts = g_memdup2 (counts, MAX ((gsize) n_classes * n_classes, 1) * sizeof (guint));
  self->row_totals = g_new0 (guint, MAX (n_classes, 1));
  for (guint a = 0; a < n_classes; a++)
    for (guint p = 0; p < n_classes; p++)
      {
        guint c = counts[a * n_classes + p];

        self->row_totals[a] += c;
        self->max_count = MAX (self->max_count, c);
      }
  self->cursor_actual = self->cursor_predicted = 0;
  self->hover_actual = self->hover_predicted = -1;
  kiln_label_cache_clear (self->labels);
  kiln_label_cache_clear (self->small_labels);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
kiln_confusion_matrix_set_confusion (KilnConfusionMatrix *self,
                                     KilnConfusion       *confusion,
                                     const char * const  *class_names)
{
  g_autofree guint *counts = NULL;
  guint n;

  g_return_if_fail (KILN_IS_CONFUSION_MATRIX (self));

  if (confusion == NULL)
    {
      kiln_confusion_matrix_set_data (self, 0, NULL, NULL);
      return;
    }
  n = kiln_confusion_get_n_classes (confusion);
  counts = g_new (guint, MAX ((gsize) n * n, 1));
  for (guint a = 0; a < n; a++)
    for (guint p = 0; p < n; p++)
      counts[a * n + p] = kiln_confusion_get_count (confusion, a, p);
  kiln_confusion_ref (confusion);
  kiln_confusion_matrix_set_data (self, n, class_names, counts);
  self->confusion = confusion;
}

KilnConfusion *
kiln_confusion_matrix_get_confusion (KilnConfusionMatrix *self)
{
  g_return_val_if_fail (KILN_IS_CONFUSION_MATRIX (self), NULL);
  return self->confusion;
}

guint
kiln_confusion_matrix_get_n_classes (KilnConfusionMatrix *self)
{
  g_return_val_if_fail (KILN_IS_CONFUSION_MATRIX (self), 0);
  return self->n;
}

guint
kiln_confusion_matrix_get_count (KilnConfusionMatrix *self,
                                 guint                actual,
                                 guint                predicted)
{
  g_return_val_if_fail (KILN_IS_CONFUSION_MATRIX (self), 0);
  g_return_val_if_fail (actual < self->n && predicted < self->n, 0);
  return self->counts[actual * self->n + predicted];
}

const guint32 *
kiln_confusion_matrix_get_cell_rows (KilnConfusionMatrix *self,
                                     guint                actual,
                                     guint                predicted,
                                     guint               *n_rows)
{
  if (n_rows)
    *n_rows = 0;
  g_return_val_if_fail (KILN_IS_CONFUSION_MATRIX (self), NULL);
  g_return_val_if_fail (actual < self->n && predicted < self->n, NULL);
  if (self->confusion == NULL)
    return NULL;
  return kiln_confusion_get_rows (self->confusion, actual, predicted, n_rows);
}

void
kiln_confusion_matrix_set_normalized (KilnConfusionMatrix *self,
                                     gboolean             normalized)
{
  g_return_if_fail (KILN_IS_CONFUSION_MATRIX (self));

  normalized = !!normalized;
  if (self->normalized == normalized)
    return;
  self->normalized = normalized;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NORMALIZED]);
}

gboolean
kiln_confusion_matrix_get_normalized (KilnConfusionMatrix *self)
{
  g_return_val_if_fail (KILN_IS_CONFUSION_MATRIX (self), FALSE);
  return self->normalized;
}

gboolean
kiln_confusion_matrix_cell_at (KilnConfusionMatrix *self,
                               double               x,
                               double               y,
                               guint               *actual,
                               guint               *predicted)
{
  Layout l;

  g_return_val_if_fail (KILN_IS_CONFUSION_MATRIX (self), FALSE);
  current_layout (self, &l);
  return layout_cell_at (self, &l, x, y, actual, predicted);
}

gboolean
kiln_confusion_matrix_get_cell_area (KilnConfusionMatrix *self,
                                     guint                actual,
                                     guint                predicted,
                                     graphene_rect_t     *area)
{
  Layout l;

  g_return_val_if_fail (KILN_IS_CONFUSION_MATRIX (self), FALSE);
  g_return_val_if_fail (area != NULL, FALSE);
  if (actual >= self->n || predicted >= self->n)
    return FALSE;
  current_layout (self, &l);
  if (l.cell <= 0)
    return FALSE;
  graphene_rect_init (area, l.grid_x + predicted * l.cell, l.grid_y + actual * l.cell, l.cell, l.cell);
  return TRUE;
}

/* ---- Test hooks ------------------------------------------------------------------------- */

void
_kiln_confusion_matrix_click_at (KilnConfusionMatrix *self,
                                 double               x,
                                 double               y)
{
  handle_release (self, x, y);
}
