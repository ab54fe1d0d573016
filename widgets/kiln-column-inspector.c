/* kiln-column-inspector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-column-inspector"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "kiln-column-inspector.h"
#include "kiln-number.h"
#include "kiln-stats.h"
#include "kiln-widgets.h"
#include "kiln-task.h"

#define N_BINS 30
#define N_TOP 12

struct _KilnColumnInspector
{
  GtkWidget     parent_instance;

  KilnFrame    *frame;
  GArray       *columns;        /* guint */

  GtkWidget    *box;
  GtkWidget    *hint;
  GtkWidget    *content;
  GtkWidget    *icon;
  GtkWidget    *title;
  GtkWidget    *subtitle;
  GtkWidget    *spinner;
  GtkWidget    *type_dropdown;
  GtkWidget    *stats_grid;
  GtkWidget    *plot;

  GCancellable *cancellable;
  guint         generation;
  gboolean      busy;
  guint         shown_type;     /* the drop-down position set from code (notify may come late) */
};

G_DEFINE_FINAL_TYPE (KilnColumnInspector, kiln_column_inspector, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

enum {
  TYPE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- Statistics on a worker ------------------------------------------------------------- */

typedef struct {
  GWeakRef         inspector;   /* stale jobs must not keep the widget alive */
  KilnFrame       *frame;
  guint            column;
  guint            generation;
  KilnColumnStats *stats;
  guint           *hist;
  double           hist_min;
  double           hist_max;
  gboolean         with_time;   /* a date-and-time column with times: every stat shows one */
} StatsJob;

static void
stats_job_free (StatsJob *job)
{
  g_weak_ref_clear (&job->inspector);
  kiln_frame_unref (job->frame);
  g_clear_pointer (&job->stats, kiln_column_stats_free);
  g_free (job->hist);
  g_free (job);
}

static void
stats_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  StatsJob *job = task_data;
  KilnColumn *col = kiln_frame_get_column (job->frame, job->column);
  KilnColumnType type = kiln_column_get_column_type (col);

  job->stats = kiln_column_stats_compute (job->frame, job->column, N_TOP);
  job->with_time = kiln_column_has_time_of_day (col);
  if (type == KILN_COLUMN_NUMERIC || type == KILN_COLUMN_DATETIME)
    job->hist = kiln_column_histogram (job->frame, job->column, N_BINS, &job->hist_min, &job->hist_max);
  g_task_return_boolean (task, TRUE);
}

static void
set_busy (KilnColumnInspector *self,
          gboolean             busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_set_visible (self->spinner, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
clear_stats_grid (KilnColumnInspector *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->stats_grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->stats_grid), child);
}

static void
add_stat_full (KilnColumnInspector *self,
               guint               *cell,
               const char          *name,
               const char          *value,
               gboolean             wide)
{
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *value_label = gtk_label_new (value);
  int row, col;

  /* A wide value takes a row of its own. */
  if (wide && *cell % 2 == 1)
    (*cell)++;
  row = *cell / 2;
  col = (*cell % 2) * 2;

  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_widget_add_css_class (name_label, "stat-name");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (value_label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (value_label, TRUE);
  gtk_widget_add_css_class (value_label, "stat-value");
  kiln_widgets_set_tooltip (value_label, value);
  gtk_grid_attach (GTK_GRID (self->stats_grid), name_label, col, row, 1, 1);
  gtk_grid_attach (GTK_GRID (self->stats_grid), value_label, col + 1, row, wide ? 3 : 1, 1);
  *cell += wide ? 2 : 1;
}

static void
add_stat (KilnColumnInspector *self,
          guint               *cell,
          const char          *name,
          const char          *value)
{
  add_stat_full (self, cell, name, value, FALSE);
}

static void
format_stat_value (KilnColumnType type,
                   double         value,
                   gboolean       with_time,
                   char          *buf,
                   gsize          size)
{
  if (type == KILN_COLUMN_DATETIME && isfinite (value))
    {
      g_autofree char *text = kiln_format_datetime_full ((gint64) llround (value * 1e6), with_time);

      g_strlcpy (buf, text, size);
    }
  else
    kiln_plot_format_value (value, buf, size);
}

static void
show_stats (KilnColumnInspector *self,
            StatsJob            *job)
{
  KilnColumnStats *s = job->stats;
  KilnPlot *plot = KILN_PLOT (self->plot);
  char buf[64], buf2[64];
  guint cell = 0;

  clear_stats_grid (self);

  g_snprintf (buf, sizeof buf, "%'u", s->n_rows);
  add_stat (self, &cell, _("Rows"), buf);
  if (s->n_rows > 0 && s->n_missing > 0)
    g_snprintf (buf, sizeof buf, "%'u (%.1f%%)", s->n_missing, 100.0 * s->n_missing / s->n_rows);
  else
    g_snprintf (buf, sizeof buf, "0");
  add_stat (self, &cell, _("Missing"), buf);
  g_snprintf (buf, sizeof buf, "%'u", s->n_distinct);
  add_stat (self, &cell, _("Distinct"), buf);

  switch (s->type)
    {
    case KILN_COLUMN_NUMERIC:
    case KILN_COLUMN_DATETIME:
      /* a date and time does not fit half the panel: a row of its own; the mean to the second */
      format_stat_value (s->type, s->type == KILN_COLUMN_DATETIME ? round (s->mean) : s->mean,
                         job->with_time, buf, sizeof buf);
      add_stat_full (self, &cell, _("Mean"), buf, s->type == KILN_COLUMN_DATETIME);
      format_stat_value (s->type, s->min, job->with_time, buf, sizeof buf);
      add_stat_full (self, &cell, _("Minimum"), buf, s->type == KILN_COLUMN_DATETIME);
      format_stat_value (s->type, s->max, job->with_time, buf, sizeof buf);
      add_stat_full (self, &cell, _("Maximum"), buf, s->type == KILN_COLUMN_DATETIME);
      if (s->type == KILN_COLUMN_NUMERIC)
        {
          kiln_plot_format_value (s->std, buf, sizeof buf);
          add_stat (self, &cell, _("Std. deviation"), buf);
        }
      if (job->hist != NULL)
        kiln_plot_set_histogram (plot, job->hist, N_BINS, job->hist_min, job->hist_max,
                                 s->type == KILN_COLUMN_DATETIME,
                                 kiln_column_get_name (kiln_frame_get_column (job->frame, job->column)));
      else
        kiln_plot_clear (plot, _("No values to plot: every cell is missing"));
      break;

    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      if (s->top != NULL && s->top->len > 0)
        {
          g_autofree const char **names = g_new0 (const char *, s->top->len + 1);
          g_autofree double *counts = g_new (double, s->top->len);
          KilnCategoryCount *top = &g_array_index (s->top, KilnCategoryCount, 0);

          for (guint i = 0; i < s->top->len; i++)
            {
              KilnCategoryCount *c = &g_array_index (s->top, KilnCategoryCount, i);

              names[i] = c->value;
              counts[i] = c->count;
            }
          g_snprintf (buf2, sizeof buf2, "%s (%'u)", top->value, top->count);
          add_stat_full (self, &cell, _("Most frequent"), buf2, TRUE);
          if (s->type == KILN_COLUMN_BOOLEAN && isfinite (s->mean))
            {
              g_snprintf (buf, sizeof buf, "%.1f%%", 100 * s->mean);
              add_stat (self, &cell, _("True"), buf);
            }
          kiln_plot_set_bars (plot, names, counts, s->top->len, FALSE, _("Rows"));
          if (s->n_distinct > s->top->len)
            {
              g_autofree char *title = g_strdup_printf (_("Rows (top %u of %'u values)"),
                                                        s->top->len, s->n_distinct);
              kiln_plot_set_axis_titles (plot, title, NULL);
            }
        }
      else
        kiln_plot_clear (plot, _("No values to plot: every cell is missing"));
      break;
    }
}

static void
fit_plot (KilnColumnInspector *self)
{
  /* Histograms take the room there is; a few bars only the room they need. */
  gboolean bars = kiln_plot_get_kind (KILN_PLOT (self->plot)) == KILN_PLOT_KIND_BARS;

  gtk_widget_set_vexpand (self->plot, !bars);
  gtk_widget_set_valign (self->plot, bars ? GTK_ALIGN_START : GTK_ALIGN_FILL);
}

static void
stats_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  StatsJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(KilnColumnInspector) self = g_weak_ref_get (&job->inspector);

  if (!kiln_task_propagate_boolean (G_TASK (result), NULL) || self == NULL ||
      job->generation != self->generation)
    return;
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  show_stats (self, job);
  fit_plot (self);
}

/* ---- Showing columns -------------------------------------------------------------------- */

static void
cancel_stats (KilnColumnInspector *self)
{
  self->generation++;
  if (self->cancellable)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  set_busy (self, FALSE);
}

static void
set_dropdown_type (KilnColumnInspector *self,
                   guint                position)
{
  self->shown_type = position;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->type_dropdown), position);
}

static void
update (KilnColumnInspector *self)
{
  guint n = self->columns->len;
  KilnColumnType common = KILN_COLUMN_NUMERIC;
  gboolean same = TRUE;

  cancel_stats (self);
  clear_stats_grid (self);

  gtk_widget_set_visible (self->hint, self->frame == NULL || n == 0);
  gtk_widget_set_visible (self->content, self->frame != NULL && n > 0);
  if (self->frame == NULL || n == 0)
    {
      kiln_plot_clear (KILN_PLOT (self->plot), NULL);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      KilnColumnType t = kiln_column_get_column_type (
          kiln_frame_get_column (self->frame, g_array_index (self->columns, guint, i)));

      if (i == 0)
        common = t;
      else if (t != common)
        same = FALSE;
    }
  set_dropdown_type (self, same ? (guint) common : GTK_INVALID_LIST_POSITION);

  if (n == 1)
    {
      guint column = g_array_index (self->columns, guint, 0);
      KilnColumn *col = kiln_frame_get_column (self->frame, column);
      g_autoptr(GTask) task = NULL;
      StatsJob *job;

      gtk_label_set_label (GTK_LABEL (self->title), kiln_column_get_name (col));
      kiln_widgets_set_tooltip (self->title, kiln_column_get_name (col));
      gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), kiln_widgets_get_type_icon_name (common));
      gtk_widget_set_visible (self->icon, TRUE);
      gtk_label_set_label (GTK_LABEL (self->subtitle),
                           kiln_widgets_get_type_display_name (common));
      gtk_widget_set_visible (self->stats_grid, TRUE);
      gtk_widget_set_visible (self->plot, TRUE);
      kiln_plot_clear (KILN_PLOT (self->plot), _("Computing…"));
      fit_plot (self);

      job = g_new0 (StatsJob, 1);
      g_weak_ref_init (&job->inspector, self);
      job->frame = kiln_frame_ref (self->frame);
      job->column = column;
      job->generation = self->generation;
      self->cancellable = g_cancellable_new ();
      task = g_task_new (NULL, self->cancellable, stats_done, NULL);
      g_task_set_source_tag (task, update);
      g_task_set_task_data (task, job, (GDestroyNotify) stats_job_free);
      kiln_task_run_in_thread (task, stats_thread);
      set_busy (self, TRUE);
    }
  else
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u column",
                                                             "%u columns", n), n);

      gtk_label_set_label (GTK_LABEL (self->title), title);
      kiln_widgets_set_tooltip (self->title, NULL);
      gtk_widget_set_visible (self->icon, FALSE);
      gtk_label_set_label (GTK_LABEL (self->subtitle),
                           same ? _("The same type; choose another to change all of them.")
                                : _("Different types; choose one to give it to all of them."));
      gtk_widget_set_visible (self->stats_grid, FALSE);
      gtk_widget_set_visible (self->plot, FALSE);
    }
}

static void
dropdown_selected_cb (GtkDropDown         *dropdown,
                      GParamSpec          *pspec,
                      KilnColumnInspector *self)
{
  guint position = gtk_drop_down_get_selected (dropdown);
  g_autoptr(GArray) columns = NULL;

  if (position == self->shown_type || position == GTK_INVALID_LIST_POSITION ||
      self->columns->len == 0)
    return;
  self->shown_type = position;
  /* A handler may inspect another frame or column: walk a copy. */
  columns = g_array_copy (self->columns);
  for (guint i = 0; i < columns->len; i++)
    g_signal_emit (self, signals[TYPE_CHANGED], 0, g_array_index (columns, guint, i), position);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
kiln_column_inspector_dispose (GObject *object)
{
  KilnColumnInspector *self = KILN_COLUMN_INSPECTOR (object);

  cancel_stats (self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->frame, kiln_frame_unref);
  G_OBJECT_CLASS (kiln_column_inspector_parent_class)->dispose (object);
}

static void
kiln_column_inspector_finalize (GObject *object)
{
  KilnColumnInspector *self = KILN_COLUMN_INSPECTOR (object);

  g_array_unref (self->columns);
  G_OBJECT_CLASS (kiln_column_inspector_parent_class)->finalize (object);
}

static void
kiln_column_inspector_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  KilnColumnInspector *self = KILN_COLUMN_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_column_inspector_class_init (KilnColumnInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kiln_column_inspector_dispose;
  object_class->finalize = kiln_column_inspector_finalize;
  object_class->get_property = kiln_column_inspector_get_property;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[TYPE_CHANGED] =
    g_signal_new ("type-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "columninspector");
}

static void
kiln_column_inspector_init (KilnColumnInspector *self)
{
  GtkWidget *header, *titles;
  g_autoptr(GtkStringList) types = gtk_string_list_new (NULL);

  self->columns = g_array_new (FALSE, FALSE, sizeof (guint));
  self->shown_type = GTK_INVALID_LIST_POSITION;
  gtk_widget_add_css_class (GTK_WIDGET (self), "column-inspector");

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->hint = gtk_label_new (_("Select a column in the table to see its type, statistics and "
                                "distribution. Ctrl+click selects several."));
  gtk_label_set_wrap (GTK_LABEL (self->hint), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->hint), GTK_JUSTIFY_CENTER);
  gtk_label_set_max_width_chars (GTK_LABEL (self->hint), 36);
  gtk_widget_add_css_class (self->hint, "dim-label");
  gtk_widget_set_vexpand (self->hint, TRUE);
  gtk_widget_set_margin_start (self->hint, 18);
  gtk_widget_set_margin_end (self->hint, 18);
  gtk_box_append (GTK_BOX (self->box), self->hint);

  self->content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (self->content, 12);
  gtk_widget_set_margin_bottom (self->content, 12);
  gtk_widget_set_margin_start (self->content, 12);
  gtk_widget_set_margin_end (self->content, 12);
  gtk_widget_set_vexpand (self->content, TRUE);
  gtk_widget_set_visible (self->content, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->content);

  /* Header: icon, name and type, spinner, type drop-down */
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_append (GTK_BOX (self->content), header);
  self->icon = gtk_image_new ();
  gtk_image_set_icon_size (GTK_IMAGE (self->icon), GTK_ICON_SIZE_LARGE);
  gtk_widget_add_css_class (self->icon, "dim-label");
  gtk_box_append (GTK_BOX (header), self->icon);
  titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (titles, TRUE);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), titles);
  self->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->title, "heading");
  gtk_box_append (GTK_BOX (titles), self->title);
  self->subtitle = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->subtitle), 0);
  gtk_label_set_wrap (GTK_LABEL (self->subtitle), TRUE);
  gtk_widget_add_css_class (self->subtitle, "caption");
  gtk_widget_add_css_class (self->subtitle, "dim-label");
  gtk_box_append (GTK_BOX (titles), self->subtitle);
  self->spinner = gtk_spinner_new ();
  gtk_widget_set_visible (self->spinner, FALSE);
  gtk_box_append (GTK_BOX (header), self->spinner);

  for (KilnColumnType t = KILN_COLUMN_NUMERIC; t <= KILN_COLUMN_TEXT; t++)
    gtk_string_list_append (types, kiln_widgets_get_type_display_name (t));
  self->type_dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (types)), NULL);
  gtk_widget_set_valign (self->type_dropdown, GTK_ALIGN_CENTER);
  kiln_widgets_set_tooltip (self->type_dropdown, _("Column type"));
  g_signal_connect (self->type_dropdown, "notify::selected", G_CALLBACK (dropdown_selected_cb), self);
  gtk_box_append (GTK_BOX (header), self->type_dropdown);

  /* Statistics: two name/value pairs per row */
  self->stats_grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (self->stats_grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (self->stats_grid), 4);
  gtk_box_append (GTK_BOX (self->content), self->stats_grid);

  self->plot = kiln_plot_new ();
  gtk_widget_set_vexpand (self->plot, TRUE);
  gtk_widget_set_size_request (self->plot, -1, 180);
  gtk_box_append (GTK_BOX (self->content), self->plot);
}

/* ---- Public API ------------------------------------------------------------------------- */

GtkWidget *
kiln_column_inspector_new (void)
{
  return g_object_new (KILN_TYPE_COLUMN_INSPECTOR, NULL);
}

void
kiln_column_inspector_set_columns (KilnColumnInspector *self,
                                   KilnFrame           *frame,
                                   const guint         *columns,
                                   guint                n_columns)
{
  g_return_if_fail (KILN_IS_COLUMN_INSPECTOR (self));
  g_return_if_fail (columns != NULL || n_columns == 0);
  for (guint i = 0; i < n_columns; i++)
    g_return_if_fail (frame != NULL && columns[i] < kiln_frame_get_n_columns (frame));

  if (frame)
    kiln_frame_ref (frame);
  g_clear_pointer (&self->frame, kiln_frame_unref);
  self->frame = frame;
  g_array_set_size (self->columns, 0);
  if (n_columns > 0)
    g_array_append_vals (self->columns, columns, n_columns);
  update (self);
}

void
kiln_column_inspector_set_column (KilnColumnInspector *self,
                                  KilnFrame           *frame,
                                  guint                column)
{
  kiln_column_inspector_set_columns (self, frame, &column, 1);
}

const guint *
kiln_column_inspector_get_columns (KilnColumnInspector *self,
                                   guint               *n_columns)
{
  g_return_val_if_fail (KILN_IS_COLUMN_INSPECTOR (self), NULL);
  if (n_columns)
    *n_columns = self->columns->len;
  return (const guint *) self->columns->data;
}

KilnFrame *
kiln_column_inspector_get_frame (KilnColumnInspector *self)
{
  g_return_val_if_fail (KILN_IS_COLUMN_INSPECTOR (self), NULL);
  return self->frame;
}

KilnPlot *
kiln_column_inspector_get_plot (KilnColumnInspector *self)
{
  g_return_val_if_fail (KILN_IS_COLUMN_INSPECTOR (self), NULL);
  return KILN_PLOT (self->plot);
}

gboolean
kiln_column_inspector_get_busy (KilnColumnInspector *self)
{
  g_return_val_if_fail (KILN_IS_COLUMN_INSPECTOR (self), FALSE);
  return self->busy;
}
