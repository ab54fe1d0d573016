/* kiln-prepare-page.c: target, cleaning steps with live counts, split, and the step log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prepare-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "kiln-pages.h"
#include "kiln-recipe.h"
#include "kiln-split.h"
#include "kiln-prepare-plan.h"
#include "kiln-prepare-time-row.h"
#include "kiln-train-checks.h"
#include "kiln-data-table.h"
#include "kiln-format.h"
#include "kiln-task.h"
#include "kiln-widgets.h"
#include "kiln-threads.h"

struct _KilnPreparePage
{
  KilnPage        parent_instance;

  AdwComboRow    *target_row;
  GtkStringList  *target_names;
  AdwComboRow    *task_row;
  AdwPreferencesGroup *checks_group;
  GPtrArray      *check_rows;
  AdwExpanderRow *columns_row;
  GPtrArray      *column_switches;
  AdwActionRow   *dedupe_row;
  GtkSwitch      *dedupe_switch;
  AdwPreferencesGroup *cleaning_group;
  GPtrArray      *text_switches;  /* one per text column: "Use as text" */
  AdwExpanderRow *iqr_row;
  GtkSpinButton  *iqr_k;
  AdwComboRow    *iqr_action_row;
  AdwComboRow    *impute_row;
  AdwComboRow    *encode_row;
  AdwComboRow    *scale_row;
  GtkSpinButton  *train_spin;
  GtkSpinButton  *val_spin;
  GtkSpinButton  *test_spin;
  AdwActionRow   *split_row;
  GtkSwitch      *stratify_switch;
  AdwComboRow    *time_row;         /* split at random or by time (kiln-prepare-time-row.h) */
  GtkSpinButton  *seed_spin;
  GtkListBox     *log_list;
  GtkLabel       *log_note;
  GtkButton      *undo_button;
  GtkButton      *show_prepared;
  KilnFrame      *prepared;

  gboolean        updating;       /* filling widgets from the project */
  GCancellable   *counts_cancellable;
  GCancellable   *log_cancellable;
  GCancellable   *checks_cancellable;
  guint           log_timeout;
  guint           sync_idle;      /* the target or task changed: follow it */
  GQueue          undo;           /* of char* (settings snapshots, JSON) */
};

G_DEFINE_FINAL_TYPE (KilnPreparePage, kiln_prepare_page, KILN_TYPE_PAGE)

static const int impute_ids[] = { KILN_IMPUTE_MEDIAN, KILN_IMPUTE_MEAN, KILN_IMPUTE_MODE, KILN_IMPUTE_DROP };
static const char *impute_labels[] = { N_("Median"), N_("Mean"), N_("Most frequent"), N_("Drop the rows") };
static const int encode_ids[] = { KILN_ENCODE_ONEHOT, KILN_ENCODE_ORDINAL };
static const char *encode_labels[] = { N_("One-hot"), N_("Ordinal") };
/* after "Automatic" (what the model needs) */
static const int scale_ids[] = { KILN_SCALE_STANDARD, KILN_SCALE_MINMAX, KILN_SCALE_NONE };
static const char *scale_labels[] = { N_("Automatic"), N_("Standard"), N_("Min–max"), N_("None") };

static guint
index_of (const int *ids, guint n, int id)
{
  for (guint i = 0; i < n; i++)
    if (ids[i] == id)
      return i;
  return 0;
}

static GtkStringList *
translated_list (const char * const *labels, guint n)
{
  GtkStringList *list = gtk_string_list_new (NULL);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, _(labels[i]));
  return list;
}

/* ---- Undo: snapshots of the settings ----------------------------------------------------- */

static char *
snapshot (KilnPrepSettings *p)
{
  g_autoptr(JsonNode) node = kiln_prep_settings_to_json (p);

  return json_to_string (node, FALSE);
}

static void
restore (KilnPrepSettings *p, const char *snap)
{
  g_autoptr(JsonNode) node = json_from_string (snap, NULL);

  if (node != NULL)
    kiln_prep_settings_from_json (p, node, NULL);
}

static void sync_from_project (KilnPreparePage *self);
static void schedule_log (KilnPreparePage *self);

static void
push_undo (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));

  g_queue_push_head (&self->undo, snapshot (kiln_project_get_prep (project)));
  while (g_queue_get_length (&self->undo) > 50)
    g_free (g_queue_pop_tail (&self->undo));
  gtk_widget_set_sensitive (GTK_WIDGET (self->undo_button), TRUE);
}

static void
undo_action (GtkWidget *widget, const char *action, GVariant *param)
{
  KilnPreparePage *self = KILN_PREPARE_PAGE (widget);
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  g_autofree char *snap = g_queue_pop_head (&self->undo);

  if (snap == NULL)
    return;
  restore (kiln_project_get_prep (project), snap);
  sync_from_project (self);
  kiln_project_prep_changed (project);
  gtk_widget_set_sensitive (GTK_WIDGET (self->undo_button), !g_queue_is_empty (&self->undo));
  kiln_page_toast (KILN_PAGE (self), _("Undone"));
}

/* ---- Reading the widgets into the project ------------------------------------------------ */

static void
settings_changed (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnPrepSettings *p;
  GPtrArray *dropped;
  double total;

  if (self->updating || project == NULL)
    return;
  push_undo (self);
  p = kiln_project_get_prep (project);
  p->dedupe = gtk_switch_get_active (self->dedupe_switch);
  p->iqr = adw_expander_row_get_enable_expansion (self->iqr_row);
  p->iqr_k = gtk_spin_button_get_value (self->iqr_k);
  p->iqr_clip = adw_combo_row_get_selected (self->iqr_action_row) == 1;
  p->impute_strategy = (KilnImputeStrategy) impute_ids[adw_combo_row_get_selected (self->impute_row)];
  p->encoding = (KilnEncoding) encode_ids[adw_combo_row_get_selected (self->encode_row)];
  p->scale_auto = adw_combo_row_get_selected (self->scale_row) == 0;
  if (!p->scale_auto)
    p->scaling = (KilnScaling) scale_ids[adw_combo_row_get_selected (self->scale_row) - 1];
  /* the three parts always add up to 100 (split_changed keeps them so) */
  total = gtk_spin_button_get_value (self->train_spin) + gtk_spin_button_get_value (self->val_spin) +
          gtk_spin_button_get_value (self->test_spin);
  if (total > 0)
    {
      p->split.train = gtk_spin_button_get_value (self->train_spin) / 100;
      p->split.validation = gtk_spin_button_get_value (self->val_spin) / 100;
      p->split.test = gtk_spin_button_get_value (self->test_spin) / 100;
    }
  p->stratify = gtk_switch_get_active (self->stratify_switch);
  p->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  g_free (p->split_by);
  p->split_by = kiln_prepare_time_row_get_split_by (self->time_row);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stratify_switch),
                            kiln_project_get_task (project) == KILN_TASK_CLASSIFICATION
                            && p->split_by == NULL);

  dropped = g_ptr_array_new ();
  for (guint i = 0; i < self->column_switches->len; i++)
    {
      GtkSwitch *sw = self->column_switches->pdata[i];
      if (!gtk_switch_get_active (sw))
        g_ptr_array_add (dropped, g_strdup (g_object_get_data (G_OBJECT (sw), "column")));
    }
  g_ptr_array_add (dropped, NULL);
  g_strfreev (p->dropped);
  p->dropped = (char **) g_ptr_array_free (dropped, FALSE);

  {
    GPtrArray *text = g_ptr_array_new ();
    for (guint i = 0; i < self->text_switches->len; i++)
      {
        GtkSwitch *sw = self->text_switches->pdata[i];
        if (gtk_switch_get_active (sw))
          g_ptr_array_add (text, g_strdup (g_object_get_data (G_OBJECT (sw), "column")));
      }
    g_ptr_array_add (text, NULL);
    g_strfreev (p->text);
    p->text = (char **) g_ptr_array_free (text, FALSE);
  }

  kiln_project_prep_changed (project);
}

/* The text rows' subtitles: the column, and once a preview ran, its vocabulary's size. */
static void
set_text_subtitles (KilnPreparePage *self, KilnPrepReport *report)
{
  for (guint i = 0; i < self->text_switches->len; i++)
    {
      GtkSwitch *sw = self->text_switches->pdata[i];
      const char *column = g_object_get_data (G_OBJECT (sw), "column");
      GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (sw), ADW_TYPE_ACTION_ROW);
      guint terms = 0;
      gboolean found = FALSE;
      g_autofree char *sub = NULL;

      for (guint e = 0; report != NULL && e < report->entries->len; e++)
        {
          KilnPrepEntry *entry = report->entries->pdata[e];
          if (entry->kind != KILN_STEP_TEXT || entry->counts == NULL)
            continue;
          for (guint c = 0; c < entry->counts->len; c++)
            if (g_strcmp0 (g_array_index (entry->counts, KilnPrepCount, c).column, column) == 0)
              {
                terms = g_array_index (entry->counts, KilnPrepCount, c).count;
                found = TRUE;
              }
        }
      if (found && gtk_switch_get_active (sw))
        {
          g_autofree char *n = kiln_format_count (terms);
          /* Translators: "review · 371,372 words and pieces in the vocabulary" */
          sub = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s word or piece in the vocabulary",
                                              "%s · %s words and pieces in the vocabulary", terms),
                                 column, n);
        }
      else
        sub = g_strdup (column);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
    }
}

/* One part of the split changed: the others give way so the three still add up to 100. A
 * larger validation or test part comes out of training (down to its 10 % minimum, then out of the
 * other held-out part); a larger training part comes out of test, then validation. */
static void
split_changed (GtkSpinButton *changed, KilnPreparePage *self)
{
  double train = gtk_spin_button_get_value (self->train_spin);
  double val = gtk_spin_button_get_value (self->val_spin);
  double test = gtk_spin_button_get_value (self->test_spin);
  double excess = train + val + test - 100;

  if (self->updating)
    return;
  if (excess != 0)
    {
      self->updating = TRUE;
      if (changed == self->train_spin)
        {
          double from_test = CLAMP (excess, test - 50, test);
          test -= from_test;
          val -= excess - from_test;
        }
      else
        {
          GtkSpinButton *other = changed == self->val_spin ? self->test_spin : self->val_spin;
          double other_v = gtk_spin_button_get_value (other);
          double from_train = CLAMP (excess, train - 95, train - 10);
          train -= from_train;
          other_v -= excess - from_train;
          if (other == self->test_spin)
            test = other_v;
          else
            val = other_v;
        }
      /* what could not be given way is taken back from the part that changed */
      val = CLAMP (val, 0, 50);
      test = CLAMP (test, 0, 50);
      if (changed == self->train_spin)
        train = 100 - val - test;
      else if (changed == self->val_spin)
        val = 100 - train - test;
      else
        test = 100 - train - val;
      gtk_spin_button_set_value (self->train_spin, train);
      gtk_spin_button_set_value (self->val_spin, val);
      gtk_spin_button_set_value (self->test_spin, test);
      self->updating = FALSE;
    }
  settings_changed (self);
}

static void
on_target_selected (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  guint i = adw_combo_row_get_selected (self->target_row);

  if (self->updating || project == NULL || i == GTK_INVALID_LIST_POSITION)
    return;
  /* only the project changes here: the rest of the page follows its notify::target, later, so
     nothing rebuilds the list this combo row's popover is showing while it is handling a click */
  kiln_project_set_target (project, gtk_string_list_get_string (self->target_names, i));
}

static void
on_task_selected (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));

  if (self->updating || project == NULL)
    return;
  kiln_project_set_task (project, adw_combo_row_get_selected (self->task_row) == 0
                                  ? KILN_TASK_CLASSIFICATION : KILN_TASK_REGRESSION);
  schedule_log (self);
}

/* ---- Live counts (worker thread) --------------------------------------------------------- */

typedef struct {
  KilnFrame *frame;
  double     k;
  guint      duplicates;
  guint      outlier_rows;
  guint      outlier_cells;
  guint      outlier_columns;
  guint      missing_rows;
  guint      missing_cells;
  guint      missing_columns;
} Counts;

static void
counts_free (Counts *c)
{
  kiln_frame_unref (c->frame);
  g_free (c);
}

static void
counts_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Counts *c = data;
  guint n = kiln_frame_get_n_columns (c->frame);
  g_autofree guint *per = g_new0 (guint, MAX (n, 1));

  c->duplicates = kiln_prep_count_duplicates (c->frame);
  c->outlier_rows = kiln_prep_count_outliers (c->frame, c->k, per);
  for (guint i = 0; i < n; i++)
    if (per[i])
      c->outlier_cells += per[i], c->outlier_columns++;
  memset (per, 0, n * sizeof *per);
  c->missing_rows = kiln_prep_count_missing (c->frame, per);
  for (guint i = 0; i < n; i++)
    if (per[i])
      c->missing_cells += per[i], c->missing_columns++;
  g_task_return_boolean (task, TRUE);
}

static void
counts_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KilnPreparePage *self;
  Counts *c = g_task_get_task_data (G_TASK (result));
  g_autofree char *dup = NULL, *out = NULL, *miss = NULL;

  if (!kiln_task_propagate_boolean (G_TASK (result), NULL))
    return;
  self = KILN_PREPARE_PAGE (source);

  dup = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u duplicate row", "%u duplicate rows",
                                      c->duplicates), c->duplicates);
  adw_action_row_set_subtitle (self->dedupe_row, dup);
  if (c->outlier_cells == 0)
    out = g_strdup (_("No outliers at this fence"));
  else
    {
      g_autofree char *cells = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u outlier", "%u outliers",
                                                             c->outlier_cells), c->outlier_cells);
      /* Translators: "%s" is "12 outliers"; the file's rows, before the split */
      out = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s in %u column (whole file)",
                                          "%s in %u columns (whole file)", c->outlier_columns),
                             cells, c->outlier_columns);
    }
  adw_expander_row_set_subtitle (self->iqr_row, out);
  if (c->missing_cells == 0)
    miss = g_strdup (_("No missing values"));
  else
    {
      g_autofree char *cells = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u missing value",
                                                             "%u missing values", c->missing_cells),
                                                c->missing_cells);
      /* Translators: "%s" is "105 missing values" */
      miss = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s in %u column", "%s in %u columns",
                                           c->missing_columns), cells, c->missing_columns);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->impute_row), miss);
}

static void
update_counts (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  g_autoptr(GTask) task = NULL;
  Counts *c;

  if (project == NULL || kiln_project_get_frame (project) == NULL)
    return;
  if (self->counts_cancellable)
    g_cancellable_cancel (self->counts_cancellable);
  g_clear_object (&self->counts_cancellable);
  self->counts_cancellable = g_cancellable_new ();

  c = g_new0 (Counts, 1);
  c->frame = kiln_frame_ref (kiln_project_get_frame (project));
  c->k = gtk_spin_button_get_value (self->iqr_k);
  task = g_task_new (self, self->counts_cancellable, counts_done, NULL);
  g_task_set_task_data (task, c, (GDestroyNotify) counts_free);
  g_task_set_return_on_cancel (task, TRUE);
  kiln_task_run_in_thread (task, counts_thread);
}

/* ---- The step log: the recipe fitted on the training split -------------------------------- */

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))))
    gtk_list_box_remove (list, child);
}

static void
on_undo_step_clicked (GtkButton *button, KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnPrepSettings *p = kiln_project_get_prep (project);
  KilnStepKind kind = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "kind"));

  push_undo (self);
  switch (kind)
    {
    case KILN_STEP_DEDUPE:
      p->dedupe = FALSE;
      break;
    case KILN_STEP_IQR:
      p->iqr = FALSE;
      break;
    case KILN_STEP_DROP_COLUMNS:
      g_strfreev (p->dropped);
      p->dropped = g_new0 (char *, 1);
      break;
    case KILN_STEP_IMPUTE:
    case KILN_STEP_ENCODE:
    case KILN_STEP_SCALE:
    default:
      /* filling, encoding and scaling are what every model needs: they cannot be left out,
         only changed */
      break;
    }
  sync_from_project (self);
  kiln_project_prep_changed (project);
}

static void
log_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KilnPreparePage *self;
  g_autoptr(GError) error = NULL;
  KilnPreparePlan *plan = kiln_task_propagate_pointer (G_TASK (result), &error);

  if (plan == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = KILN_PREPARE_PAGE (source);
  clear_list (self->log_list);
  kiln_threads_free_later (g_steal_pointer (&self->prepared), (GDestroyNotify) kiln_frame_unref);
  gtk_widget_set_sensitive (GTK_WIDGET (self->show_prepared), plan != NULL);
  if (plan == NULL)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("This preparation cannot run"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error->message);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("dialog-error-symbolic"));
      gtk_list_box_append (self->log_list, row);
      gtk_label_set_text (self->log_note, "");
      return;
    }
  set_text_subtitles (self, plan->report);
  for (guint i = 0; i < plan->report->entries->len; i++)
    {
      KilnPrepEntry *e = plan->report->entries->pdata[i];
      GtkWidget *row;

      /* automatic steps that had nothing to do stay out of the log; the ones the user turned
         on are listed even when they changed nothing, with what they looked at */
      if (e->count == 0 && e->rows_in == e->rows_out && e->columns_in == e->columns_out &&
          e->kind != KILN_STEP_DEDUPE && e->kind != KILN_STEP_IQR)
        continue;
      row = adw_action_row_new ();
      g_autofree char *rin = kiln_format_count (e->rows_in), *rout = kiln_format_count (e->rows_out);
      g_autofree char *sub = g_strdup_printf (_("Rows %s → %s · columns %u → %u"),
                                              rin, rout, e->columns_in, e->columns_out);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), e->description);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      if (e->kind == KILN_STEP_DEDUPE || e->kind == KILN_STEP_IQR || e->kind == KILN_STEP_DROP_COLUMNS)
        {
          GtkWidget *undo = gtk_button_new_from_icon_name ("edit-undo-symbolic");
          gtk_widget_set_valign (undo, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (undo, "flat");
          kiln_widgets_set_tooltip (undo, _("Undo this step"));
          g_object_set_data (G_OBJECT (undo), "kind", GUINT_TO_POINTER (e->kind));
          g_signal_connect (undo, "clicked", G_CALLBACK (on_undo_step_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), undo);
        }
      gtk_list_box_append (self->log_list, row);
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (self->log_list)) == NULL)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Nothing to change"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("The data is used as it is."));
      gtk_list_box_append (self->log_list, row);
    }
  {
    g_autofree char *tr = kiln_format_count (plan->n_train), *all = kiln_format_count (plan->n_rows);
    g_autofree char *va = kiln_format_count (plan->n_val), *te = kiln_format_count (plan->n_test);
    g_autofree char *note = g_strdup_printf (
        _("Fitted on the training split only: %s of %s rows. Validation (%s rows) and test (%s rows) "
          "are transformed with what the training rows taught, never the other way round."),
        tr, all, va, te);
    gtk_label_set_text (self->log_note, note);
  }
  self->prepared = kiln_frame_ref (plan->prepared);
  kiln_prepare_plan_free (plan);
}

static gboolean
run_log (gpointer user_data)
{
  KilnPreparePage *self = user_data;
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));

  self->log_timeout = 0;
  if (project == NULL || kiln_project_get_frame (project) == NULL)
    return G_SOURCE_REMOVE;
  if (self->log_cancellable)
    g_cancellable_cancel (self->log_cancellable);
  g_clear_object (&self->log_cancellable);
  self->log_cancellable = g_cancellable_new ();
  kiln_prepare_plan_run_async (project, self->log_cancellable, log_done, self);
  return G_SOURCE_REMOVE;
}

static void
schedule_log (KilnPreparePage *self)
{
  g_clear_handle_id (&self->log_timeout, g_source_remove);
  self->log_timeout = g_timeout_add (250, run_log, self);
}

/* The training rows as the model will see them, in a window of their own. */
static void
show_prepared_clicked (KilnPreparePage *self)
{
  GtkWidget *parent = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_WINDOW);
  GtkWidget *window, *box, *header, *table;
  g_autofree char *title = NULL;

  if (self->prepared == NULL)
    return;
  title = g_strdup_printf (_("Prepared Training Data (%u rows × %u columns)"),
                           kiln_frame_get_n_rows (self->prepared), kiln_frame_get_n_columns (self->prepared));
  window = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (parent));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new (_("Prepared Training Data"), title));
  gtk_box_append (GTK_BOX (box), header);
  table = kiln_data_table_new ();
  gtk_widget_set_vexpand (table, TRUE);
  kiln_data_table_set_frame (KILN_DATA_TABLE (table), self->prepared);
  gtk_box_append (GTK_BOX (box), table);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}

/* ---- Checks ----------------------------------------------------------------------------- */

typedef struct {
  KilnFrame      *frame;
  char           *target;
  KilnTask        task;
  KilnTrainSplit  split;
  GStrv           features;
} ChecksData;

static void
checks_data_free (ChecksData *d)
{
  kiln_frame_unref (d->frame);
  g_free (d->target);
  g_strfreev (d->features);
  g_free ((char *) d->split.split_by);
  g_free (d);
}

static void
checks_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ChecksData *d = data;
  GPtrArray *checks = kiln_train_checks_run (d->frame, d->target, d->task, &d->split,
                                             (const char * const *) d->features);
  g_task_return_pointer (task, checks, (GDestroyNotify) g_ptr_array_unref);
}

static void
checks_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KilnPreparePage *self;
  g_autoptr(GPtrArray) checks = kiln_task_propagate_pointer (G_TASK (result), NULL);

  if (checks == NULL)
    return;  /* cancelled: a newer run replaced this one */
  self = KILN_PREPARE_PAGE (source);
  for (guint i = 0; i < checks->len; i++)
    {
      KilnTrainCheck *check = checks->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name (check->severity == KILN_TRAIN_CHECK_ERROR
                                                      ? "dialog-error-symbolic"
                                                      : "dialog-warning-symbolic");
      gtk_widget_add_css_class (icon, check->severity == KILN_TRAIN_CHECK_ERROR ? "check-error" : "check-warning");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), check->message);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_preferences_group_add (self->checks_group, row);
      g_ptr_array_add (self->check_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->checks_group), self->check_rows->len > 0);
}

/* The plain-language checks run on a worker: they count distinct values in every column. */
static void
update_checks (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnPrepSettings *p;
  KilnFrame *frame;
  GPtrArray *features;
  ChecksData *d;
  g_autoptr(GTask) task = NULL;

  for (guint i = 0; i < self->check_rows->len; i++)
    adw_preferences_group_remove (self->checks_group, self->check_rows->pdata[i]);
  g_ptr_array_set_size (self->check_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->checks_group), FALSE);
  if (self->checks_cancellable)
    g_cancellable_cancel (self->checks_cancellable);
  g_clear_object (&self->checks_cancellable);
  if (project == NULL || (frame = kiln_project_get_frame (project)) == NULL)
    return;

  p = kiln_project_get_prep (project);
  features = g_ptr_array_new ();
  for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
    {
      const char *name = kiln_column_get_name (kiln_frame_get_column (frame, c));
      if (g_strcmp0 (name, kiln_project_get_target (project)) != 0 &&
          !g_strv_contains ((const char * const *) p->dropped, name))
        g_ptr_array_add (features, g_strdup (name));
    }
  g_ptr_array_add (features, NULL);
  d = g_new0 (ChecksData, 1);
  d->frame = kiln_frame_ref (frame);
  d->target = g_strdup (kiln_project_get_target (project));
  d->task = kiln_project_get_task (project);
  d->split = (KilnTrainSplit) { p->split.train, p->split.validation, p->split.test, p->stratify,
                                p->seed, g_strdup (p->split_by) };
  d->features = (GStrv) g_ptr_array_free (features, FALSE);

  self->checks_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->checks_cancellable, checks_done, NULL);
  g_task_set_task_data (task, d, (GDestroyNotify) checks_data_free);
  g_task_set_return_on_cancel (task, TRUE);
  kiln_task_run_in_thread (task, checks_thread);
}

/* ---- Filling the widgets from the project ---------------------------------------------- */

static void
sync_from_project (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  KilnFrame *frame = project ? kiln_project_get_frame (project) : NULL;
  KilnPrepSettings *p;
  guint n_cols;

  if (frame == NULL)
    {
      kiln_page_set_not_ready (KILN_PAGE (self), "document-open-symbolic", _("No Data Yet"),
                               _("Open a CSV file on the Data step first."), _("Go to _Data"),
                               KILN_PAGE_DATA);
      return;
    }
  kiln_page_set_ready (KILN_PAGE (self));
  self->updating = TRUE;
  p = kiln_project_get_prep (project);
  n_cols = kiln_frame_get_n_columns (frame);

  /* target list: rebuilt only when the columns' names changed (a new file), never because the
     target did */
  {
    gboolean same = g_list_model_get_n_items (G_LIST_MODEL (self->target_names)) == n_cols;
    guint selected = GTK_INVALID_LIST_POSITION;
    for (guint i = 0; same && i < n_cols; i++)
      same = g_strcmp0 (gtk_string_list_get_string (self->target_names, i),
                        kiln_column_get_name (kiln_frame_get_column (frame, i))) == 0;
    if (!same)
      {
        g_autofree const char **names = g_new0 (const char *, n_cols + 1);
        for (guint i = 0; i < n_cols; i++)
          names[i] = kiln_column_get_name (kiln_frame_get_column (frame, i));
        gtk_string_list_splice (self->target_names, 0,
                                g_list_model_get_n_items (G_LIST_MODEL (self->target_names)), names);
      }
    for (guint i = 0; i < n_cols; i++)
      if (g_strcmp0 (gtk_string_list_get_string (self->target_names, i), kiln_project_get_target (project)) == 0)
        selected = i;
    if (adw_combo_row_get_selected (self->target_row) != selected)
      adw_combo_row_set_selected (self->target_row, selected);
  }
  adw_combo_row_set_selected (self->task_row,
                              kiln_project_get_task (project) == KILN_TASK_CLASSIFICATION ? 0 : 1);

  /* columns to use */
  for (guint i = 0; i < self->column_switches->len; i++)
    adw_expander_row_remove (self->columns_row,
                             gtk_widget_get_ancestor (self->column_switches->pdata[i], ADW_TYPE_ACTION_ROW));
  g_ptr_array_set_size (self->column_switches, 0);
  for (guint i = 0; i < n_cols; i++)
    {
      KilnColumn *col = kiln_frame_get_column (frame, i);
      const char *name = kiln_column_get_name (col);
      GtkWidget *row, *sw;
      if (g_strcmp0 (name, kiln_project_get_target (project)) == 0)
        continue;
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   kiln_column_type_to_string (kiln_column_get_column_type (col)));
      sw = gtk_switch_new ();
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (sw), !g_strv_contains ((const char * const *) p->dropped, name));
      g_object_set_data_full (G_OBJECT (sw), "column", g_strdup (name), g_free);
      g_signal_connect_swapped (sw, "notify::active", G_CALLBACK (settings_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      adw_expander_row_add_row (self->columns_row, row);
      g_ptr_array_add (self->column_switches, sw);
    }
  {
    guint used = self->column_switches->len - g_strv_length (p->dropped);
    g_autofree char *sub = g_strdup_printf (_("%u of %u feature columns used"), used,
                                            self->column_switches->len);
    adw_expander_row_set_subtitle (self->columns_row, sub);
  }

  /* one "Use as text" row per text column */
  for (guint i = 0; i < self->text_switches->len; i++)
    adw_preferences_group_remove (self->cleaning_group,
                                  gtk_widget_get_ancestor (self->text_switches->pdata[i], ADW_TYPE_ACTION_ROW));
  g_ptr_array_set_size (self->text_switches, 0);
  for (guint i = 0; i < n_cols; i++)
    {
      KilnColumn *col = kiln_frame_get_column (frame, i);
      const char *name = kiln_column_get_name (col);
      GtkWidget *row, *sw;

      if (kiln_column_get_column_type (col) != KILN_COLUMN_TEXT
          || g_strcmp0 (name, kiln_project_get_target (project)) == 0)
        continue;
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Use as text: words and character pieces"));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      sw = gtk_switch_new ();
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (sw), g_strv_contains ((const char * const *) p->text, name));
      g_object_set_data_full (G_OBJECT (sw), "column", g_strdup (name), g_free);
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      g_signal_connect_swapped (sw, "notify::active", G_CALLBACK (settings_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      adw_preferences_group_add (self->cleaning_group, row);
      g_ptr_array_add (self->text_switches, sw);
    }
  set_text_subtitles (self, NULL);

  gtk_switch_set_active (self->dedupe_switch, p->dedupe);
  adw_expander_row_set_enable_expansion (self->iqr_row, p->iqr);
  gtk_spin_button_set_value (self->iqr_k, p->iqr_k);
  adw_combo_row_set_selected (self->iqr_action_row, p->iqr_clip ? 1 : 0);
  adw_combo_row_set_selected (self->impute_row, index_of (impute_ids, G_N_ELEMENTS (impute_ids), p->impute_strategy));
  adw_combo_row_set_selected (self->encode_row, index_of (encode_ids, G_N_ELEMENTS (encode_ids), p->encoding));
  adw_combo_row_set_selected (self->scale_row, p->scale_auto ? 0 : 1 + index_of (scale_ids, G_N_ELEMENTS (scale_ids), p->scaling));
  gtk_spin_button_set_value (self->train_spin, round (p->split.train * 100));
  gtk_spin_button_set_value (self->val_spin, round (p->split.validation * 100));
  gtk_spin_button_set_value (self->test_spin, round (p->split.test * 100));
  gtk_switch_set_active (self->stratify_switch, p->stratify);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stratify_switch),
                            kiln_project_get_task (project) == KILN_TASK_CLASSIFICATION
                            && p->split_by == NULL);
  kiln_prepare_time_row_sync (self->time_row, frame, p->split_by);
  gtk_spin_button_set_value (self->seed_spin, (double) p->seed);
  self->updating = FALSE;

  update_checks (self);
}

static void
on_prep_changed (KilnPreparePage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  guint n = self->column_switches->len;
  guint used = n - g_strv_length (kiln_project_get_prep (project)->dropped);
  g_autofree char *sub = g_strdup_printf (_("%u of %u feature columns used"), used, n);

  adw_expander_row_set_subtitle (self->columns_row, sub);
  update_checks (self);
  schedule_log (self);
}

static void
on_frame_changed (KilnPreparePage *self)
{
  g_clear_handle_id (&self->sync_idle, g_source_remove);
  sync_from_project (self);
  update_counts (self);
  schedule_log (self);
}

static gboolean
sync_idle_cb (gpointer user_data)
{
  KilnPreparePage *self = user_data;

  self->sync_idle = 0;
  sync_from_project (self);
  schedule_log (self);
  return G_SOURCE_REMOVE;
}

/* The target or the task changed (here, by an action, or by undo): the page follows from an idle,
   once for a burst of changes, and never inside the handler of the widget that made the change. */
static void
on_target_or_task_changed (KilnPreparePage *self)
{
  if (self->sync_idle == 0)
    self->sync_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 30, sync_idle_cb, self, NULL);
}

static void
kiln_prepare_page_project_changed (KilnPage *page, KilnProject *project)
{
  KilnPreparePage *self = KILN_PREPARE_PAGE (page);

  g_signal_connect_object (project, "notify::frame", G_CALLBACK (on_frame_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "prep-changed", G_CALLBACK (on_prep_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "notify::target", G_CALLBACK (on_target_or_task_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "notify::task", G_CALLBACK (on_target_or_task_changed), self,
                           G_CONNECT_SWAPPED);
  on_frame_changed (self);
}

static void
kiln_prepare_page_closing (KilnPage *page)
{
  KilnPreparePage *self = KILN_PREPARE_PAGE (page);

  if (self->counts_cancellable)
    g_cancellable_cancel (self->counts_cancellable);
  if (self->log_cancellable)
    g_cancellable_cancel (self->log_cancellable);
  if (self->checks_cancellable)
    g_cancellable_cancel (self->checks_cancellable);
}

static void
kiln_prepare_page_dispose (GObject *object)
{
  KilnPreparePage *self = KILN_PREPARE_PAGE (object);

  kiln_prepare_page_closing (KILN_PAGE (self));
  g_clear_object (&self->counts_cancellable);
  g_clear_object (&self->log_cancellable);
  g_clear_object (&self->checks_cancellable);
  g_clear_handle_id (&self->log_timeout, g_source_remove);
  g_clear_handle_id (&self->sync_idle, g_source_remove);
  g_queue_clear_full (&self->undo, g_free);
  kiln_threads_free_later (g_steal_pointer (&self->prepared), (GDestroyNotify) kiln_frame_unref);
  g_clear_pointer (&self->column_switches, g_ptr_array_unref);
  g_clear_pointer (&self->text_switches, g_ptr_array_unref);
  g_clear_pointer (&self->check_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (kiln_prepare_page_parent_class)->dispose (object);
}

static void
kiln_prepare_page_class_init (KilnPreparePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KilnPageClass *page_class = KILN_PAGE_CLASS (klass);

  object_class->dispose = kiln_prepare_page_dispose;
  page_class->project_changed = kiln_prepare_page_project_changed;
  page_class->closing = kiln_prepare_page_closing;

  gtk_widget_class_install_action (widget_class, "prepare.undo", NULL, undo_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "prepare.undo", NULL);
}

static GtkSpinButton *
spin (double lo, double hi, double step, guint digits)
{
  GtkSpinButton *s = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (lo, hi, step));
  gtk_spin_button_set_digits (s, digits);
  gtk_widget_set_valign (GTK_WIDGET (s), GTK_ALIGN_CENTER);
  return s;
}

static AdwActionRow *
action_row (const char *title, const char *subtitle, GtkWidget *suffix)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_action_row_set_subtitle (row, subtitle);
  if (suffix)
    {
      adw_action_row_add_suffix (row, suffix);
      adw_action_row_set_activatable_widget (row, suffix);
    }
  return row;
}

static AdwComboRow *
combo_row (const char *title, GtkStringList *model)
{
  AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  g_object_unref (model);
  return row;
}

static void
kiln_prepare_page_init (KilnPreparePage *self)
{
  GtkWidget *paned, *prefs, *group, *side, *scroller, *header, *title;
  GtkStringList *tasks;

  self->column_switches = g_ptr_array_new ();
  self->text_switches = g_ptr_array_new ();
  self->check_rows = g_ptr_array_new ();
  g_queue_init (&self->undo);

  prefs = adw_preferences_page_new ();
  gtk_widget_set_hexpand (prefs, TRUE);

  /* Target */
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("What to Predict"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("The column the model learns to predict, and how."));
  self->target_names = gtk_string_list_new (NULL);
  self->target_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->target_row), _("Target column"));
  adw_combo_row_set_model (self->target_row, G_LIST_MODEL (self->target_names));
  g_signal_connect_swapped (self->target_row, "notify::selected", G_CALLBACK (on_target_selected), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->target_row));
  tasks = gtk_string_list_new (NULL);
  gtk_string_list_append (tasks, _("Classification"));
  gtk_string_list_append (tasks, _("Regression"));
  self->task_row = combo_row (_("Task"), tasks);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->task_row), _("Categories or numbers"));
  g_signal_connect_swapped (self->task_row, "notify::selected", G_CALLBACK (on_task_selected), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->task_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (group));

  /* Checks */
  self->checks_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->checks_group, _("Before Training"));
  adw_preferences_group_set_description (self->checks_group, _("Things worth a look before you train."));
  gtk_widget_set_visible (GTK_WIDGET (self->checks_group), FALSE);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), self->checks_group);

  /* Cleaning */
  group = adw_preferences_group_new ();
  self->cleaning_group = ADW_PREFERENCES_GROUP (group);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Cleaning"));
  self->columns_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->columns_row), _("Columns to use"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->columns_row));

  self->dedupe_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->dedupe_switch), GTK_ALIGN_CENTER);
  self->dedupe_row = action_row (_("Remove duplicate rows"), NULL, GTK_WIDGET (self->dedupe_switch));
  g_signal_connect_swapped (self->dedupe_switch, "notify::active", G_CALLBACK (settings_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->dedupe_row));

  self->iqr_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->iqr_row), _("Outliers (IQR rule)"));
  adw_expander_row_set_show_enable_switch (self->iqr_row, TRUE);
  g_signal_connect_swapped (self->iqr_row, "notify::enable-expansion", G_CALLBACK (settings_changed), self);
  self->iqr_k = spin (0.5, 10, 0.5, 1);
  g_signal_connect_swapped (self->iqr_k, "value-changed", G_CALLBACK (settings_changed), self);
  g_signal_connect_swapped (self->iqr_k, "value-changed", G_CALLBACK (update_counts), self);
  adw_expander_row_add_row (self->iqr_row,
                            GTK_WIDGET (action_row (_("Fence (k × IQR beyond the quartiles)"),
                                                    _("1.5 is the usual rule; larger keeps more"),
                                                    GTK_WIDGET (self->iqr_k))));
  {
    GtkStringList *l = gtk_string_list_new (NULL);
    gtk_string_list_append (l, _("Drop the row"));
    gtk_string_list_append (l, _("Clip the value to the fence"));
    self->iqr_action_row = combo_row (_("For an outlier"), l);
    g_signal_connect_swapped (self->iqr_action_row, "notify::selected", G_CALLBACK (settings_changed), self);
    adw_expander_row_add_row (self->iqr_row, GTK_WIDGET (self->iqr_action_row));
  }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->iqr_row));

  self->impute_row = combo_row (_("Missing values"), translated_list (impute_labels, G_N_ELEMENTS (impute_labels)));
  g_signal_connect_swapped (self->impute_row, "notify::selected", G_CALLBACK (settings_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->impute_row));
  self->encode_row = combo_row (_("Categories"), translated_list (encode_labels, G_N_ELEMENTS (encode_labels)));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->encode_row), _("One-hot: a yes/no column per category; ordinal: a number"));
  g_signal_connect_swapped (self->encode_row, "notify::selected", G_CALLBACK (settings_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->encode_row));
  self->scale_row = combo_row (_("Scaling"), translated_list (scale_labels, G_N_ELEMENTS (scale_labels)));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->scale_row), _("Automatic standardises for the models that need it"));
  g_signal_connect_swapped (self->scale_row, "notify::selected", G_CALLBACK (settings_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->scale_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (group));

  /* Split */
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Split"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("Rows to learn from, to stop early on (validation), and to score the model on (test), in percent."));
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    self->train_spin = spin (10, 95, 5, 0);
    self->val_spin = spin (0, 50, 5, 0);
    self->test_spin = spin (0, 50, 5, 0);
    kiln_widgets_set_tooltip (GTK_WIDGET (self->train_spin), _("Training rows, %"));
    kiln_widgets_set_tooltip (GTK_WIDGET (self->val_spin), _("Validation rows, %"));
    kiln_widgets_set_tooltip (GTK_WIDGET (self->test_spin), _("Test rows, %"));
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->train_spin));
    gtk_box_append (GTK_BOX (box), gtk_label_new (":"));
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->val_spin));
    gtk_box_append (GTK_BOX (box), gtk_label_new (":"));
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->test_spin));
    gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
    self->split_row = action_row (_("Train : validation : test"), NULL, NULL);
    adw_action_row_add_suffix (self->split_row, box);
    g_signal_connect (self->train_spin, "value-changed", G_CALLBACK (split_changed), self);
    g_signal_connect (self->val_spin, "value-changed", G_CALLBACK (split_changed), self);
    g_signal_connect (self->test_spin, "value-changed", G_CALLBACK (split_changed), self);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->split_row));
  }
  self->time_row = kiln_prepare_time_row_new ();
  g_signal_connect_swapped (self->time_row, "notify::selected", G_CALLBACK (settings_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->time_row));
  self->stratify_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->stratify_switch), GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->stratify_switch, "notify::active", G_CALLBACK (settings_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             GTK_WIDGET (action_row (_("Stratify"), _("Keep each class’s share the same in every split"),
                                                     GTK_WIDGET (self->stratify_switch))));
  self->seed_spin = spin (0, 999999, 1, 0);
  g_signal_connect_swapped (self->seed_spin, "value-changed", G_CALLBACK (settings_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             GTK_WIDGET (action_row (_("Random seed"), _("The same seed gives the same split and model"),
                                                     GTK_WIDGET (self->seed_spin))));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (group));

  /* The log, on the side */
  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_add_css_class (side, "page-sidebar");
  gtk_widget_set_margin_top (side, 24);
  gtk_widget_set_margin_bottom (side, 24);
  gtk_widget_set_margin_start (side, 12);
  gtk_widget_set_margin_end (side, 24);
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  title = gtk_label_new (_("Preparation Log"));
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_box_append (GTK_BOX (header), title);
  self->undo_button = GTK_BUTTON (gtk_button_new_from_icon_name ("edit-undo-symbolic"));
  kiln_widgets_set_tooltip (GTK_WIDGET (self->undo_button), _("Undo the last change (Ctrl+Z)"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->undo_button), "prepare.undo");
  gtk_widget_add_css_class (GTK_WIDGET (self->undo_button), "flat");
  gtk_widget_set_sensitive (GTK_WIDGET (self->undo_button), FALSE);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->undo_button));
  gtk_box_append (GTK_BOX (side), header);
  self->log_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->log_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->log_list), "boxed-list");
  gtk_widget_add_css_class (GTK_WIDGET (self->log_list), "step-log");
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->log_list));
  gtk_box_append (GTK_BOX (side), scroller);
  self->log_note = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->log_note, TRUE);
  gtk_label_set_xalign (self->log_note, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->log_note), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->log_note), "caption");
  gtk_box_append (GTK_BOX (side), GTK_WIDGET (self->log_note));
  self->show_prepared = GTK_BUTTON (gtk_button_new_with_mnemonic (_("Show _Prepared Data")));
  gtk_widget_set_halign (GTK_WIDGET (self->show_prepared), GTK_ALIGN_START);
  kiln_widgets_set_tooltip (GTK_WIDGET (self->show_prepared),
                               _("The training rows after every step, as the model sees them"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->show_prepared), FALSE);
  g_signal_connect_swapped (self->show_prepared, "clicked", G_CALLBACK (show_prepared_clicked), self);
  gtk_box_append (GTK_BOX (side), GTK_WIDGET (self->show_prepared));
  gtk_widget_set_size_request (side, 340, -1);

  paned = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_append (GTK_BOX (paned), prefs);
  gtk_box_append (GTK_BOX (paned), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (paned), side);
  kiln_page_set_content (KILN_PAGE (self), paned);
}
