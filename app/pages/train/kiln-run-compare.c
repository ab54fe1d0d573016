/* kiln-run-compare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-run-compare"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "kiln-confusion-matrix.h"
#include "kiln-format.h"
#include "kiln-run-compare.h"
#include "kiln-runs-group.h"
#include "kiln-widgets.h"

/* The scores, in the order the Evaluate step shows them. */
static const struct {
  const char *key;
  const char *label;
} metrics[] = {
  { "accuracy", N_("Accuracy") },
  { "macro_f1", N_("Macro F1") },
  { "log_loss", N_("Log loss") },
  { "roc_auc", N_("ROC AUC") },
  { "r2", N_("R²") },
  { "rmse", N_("RMSE") },
  { "mae", N_("MAE") },
};

static GtkWidget *
cell (const char *text, gboolean heading, float xalign)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  if (heading)
    gtk_widget_add_css_class (label, "heading");
  return label;
}

static void
add_row (GtkGrid *grid, int row, const char *name, const char *a, const char *b)
{
  GtkWidget *l = cell (name, FALSE, 0);

  gtk_widget_add_css_class (l, "dim-label");
  gtk_grid_attach (grid, l, 0, row, 1, 1);
  gtk_grid_attach (grid, cell (a, FALSE, 1), 1, row, 1, 1);
  gtk_grid_attach (grid, cell (b, FALSE, 1), 2, row, 1, 1);
}

/* The settings' paths in words; others show as the path. */
static const struct {
  const char *path;
  const char *label;
} setting_labels[] = {
  { "target", N_("Target column") },
  { "task", N_("Task") },
  { "model.name", N_("Family") },
  { "model.n_trees", N_("Trees") },
  { "model.max_depth", N_("Maximum depth") },
  { "model.min_samples_leaf", N_("Minimum rows per leaf") },
  { "model.max_features", N_("Features per split") },
  { "model.k", N_("Neighbours") },
  { "model.l2", N_("L2 penalty") },
  { "model.max_iter", N_("Maximum iterations") },
  { "model.hidden", N_("Hidden layers") },
  { "model.epochs", N_("Epochs") },
  { "model.learning_rate", N_("Learning rate") },
  { "model.batch_size", N_("Batch size") },
  { "model.patience", N_("Patience") },
  { "model.gbt.learning_rate", N_("Boosting: learning rate") },
  { "model.gbt.max_leaves", N_("Boosting: leaves per tree") },
  { "model.gbt.max_depth", N_("Boosting: maximum depth") },
  { "model.gbt.early_stopping", N_("Boosting: early stopping rounds") },
  { "model.gbt.min_hessian", N_("Boosting: minimum weight per leaf") },
  { "prep.split", N_("Train : validation : test") },
  { "prep.split_by", N_("Split order") },
  { "prep.seed", N_("Seed") },
  { "prep.dropped", N_("Columns left out") },
  { "prep.text", N_("Used as text") },
  { "prep.impute", N_("Missing values") },
  { "prep.scale", N_("Scaling") },
  { "prep.encode", N_("Categories") },
  { "prep.dedupe", N_("Remove duplicate rows") },
  { "prep.iqr", N_("Outliers (IQR)") },
};

static const char *
setting_label (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (setting_labels); i++)
    if (g_strcmp0 (setting_labels[i].path, path) == 0)
      return _(setting_labels[i].label);
  return path;
}

/* Every leaf of the settings as "path" -> its JSON text. */
static void
flatten (JsonNode *node, const char *path, GHashTable *out)
{
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      g_autoptr(GList) names = json_object_get_members (o);

      for (GList *l = names; l; l = l->next)
        {
          g_autofree char *sub = path[0] ? g_strconcat (path, ".", l->data, NULL) : g_strdup (l->data);
          flatten (json_object_get_member (o, l->data), sub, out);
        }
    }
  else
    g_hash_table_insert (out, g_strdup (path), json_to_string (node, FALSE));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static int
add_settings (GtkGrid *grid, int row, KilnRun *a, KilnRun *b)
{
  g_autoptr(GHashTable) fa = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) fb = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;
  int first = row;

  flatten (a->settings, "", fa);
  flatten (b->settings, "", fb);
  g_hash_table_iter_init (&it, fa);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (keys, key);
  g_hash_table_iter_init (&it, fb);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!g_hash_table_contains (fa, key))
      g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_strings);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *va = g_hash_table_lookup (fa, keys->pdata[i]);
      const char *vb = g_hash_table_lookup (fb, keys->pdata[i]);

      if (g_strcmp0 (va, vb) != 0)
        {
          add_row (grid, row++, setting_label (keys->pdata[i]), va ? va : "—", vb ? vb : "—");
          kiln_widgets_set_tooltip (gtk_grid_get_child_at (grid, 0, row - 1), keys->pdata[i]);
        }
    }
  if (row == first)
    {
      GtkWidget *same = cell (_("The same settings: the runs differ only where training draws at random, "
                                "or in the data."), FALSE, 0);
      gtk_widget_add_css_class (same, "dim-label");
      gtk_grid_attach (grid, same, 0, row++, 3, 1);
    }
  return row;
}

/* The run's title and when it ran: two runs of one family can have the same title. */
static char *
run_heading (KilnRun *run)
{
  g_autofree char *title = kiln_run_get_title (run), *time = NULL;
  g_autoptr(GDateTime) when = run->when ? g_date_time_new_from_iso8601 (run->when, NULL) : NULL;

  time = when ? g_date_time_format (when, "%x %X") : g_strdup ("");
  return g_strdup_printf ("%s\n%s", title, time);
}

static GtkWidget *
matrix_for (KilnRun *run)
{
  KilnEvaluation *ev = run->result.evaluation;
  guint n_classes = 0;
  const char * const *classes;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6), *m;
  g_autofree char *title = run_heading (run);

  gtk_box_append (GTK_BOX (box), cell (title, TRUE, 0.5));
  if (ev == NULL || kiln_evaluation_get_confusion (ev) == NULL)
    {
      GtkWidget *note = cell (_("Not scored again yet: show it on the Evaluate step first."), FALSE, 0.5);
      gtk_widget_add_css_class (note, "dim-label");
      gtk_widget_set_vexpand (note, TRUE);
      gtk_box_append (GTK_BOX (box), note);
      return box;
    }
  classes = kiln_evaluation_get_classes (ev, &n_classes);
  m = kiln_confusion_matrix_new ();
  kiln_confusion_matrix_set_confusion (KILN_CONFUSION_MATRIX (m), kiln_evaluation_get_confusion (ev), classes);
  gtk_widget_set_size_request (m, 280, 280);
  gtk_widget_set_vexpand (m, TRUE);
  gtk_widget_set_hexpand (m, TRUE);
  gtk_box_append (GTK_BOX (box), m);
  return box;
}

static void
on_runs_changed (KilnProject *project, GtkWindow *window)
{
  GPtrArray *runs = kiln_project_get_runs (project);
  KilnRun *a = g_object_get_data (G_OBJECT (window), "run-a");
  KilnRun *b = g_object_get_data (G_OBJECT (window), "run-b");

  if (!g_ptr_array_find (runs, a, NULL) || !g_ptr_array_find (runs, b, NULL))
    gtk_window_destroy (window);
}

GtkWidget *
kiln_run_compare_new (GtkWindow   *parent,
                      KilnProject *project,
                      KilnRun     *a,
                      KilnRun     *b)
{
  GtkWidget *window, *toolbar, *header, *scroller, *box, *heading;
  GtkGrid *grid;
  g_autofree char *title_a = NULL, *title_b = NULL, *sec_a = NULL, *sec_b = NULL;
  int row = 0;

  g_return_val_if_fail (KILN_IS_PROJECT (project) && a != NULL && b != NULL, NULL);

  window = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), _("Compare Runs"));
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 780, 600);
  g_object_set_data (G_OBJECT (window), "run-a", a);
  g_object_set_data (G_OBJECT (window), "run-b", b);
  g_signal_connect_object (project, "runs-changed", G_CALLBACK (on_runs_changed), window, 0);
  {
    GtkEventController *keys = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("Escape"),
                                                            gtk_named_action_new ("window.close")));
    gtk_widget_add_controller (window, keys);
  }

  toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  gtk_box_append (GTK_BOX (toolbar), header);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (toolbar), scroller);
  adw_window_set_content (ADW_WINDOW (window), toolbar);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), box);

  grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (grid, 24);
  gtk_grid_set_row_spacing (grid, 8);
  gtk_grid_set_column_homogeneous (grid, TRUE);
  title_a = run_heading (a);
  title_b = run_heading (b);
  gtk_grid_attach (grid, cell (_("Scores on the test rows"), TRUE, 0), 0, row, 1, 1);
  gtk_grid_attach (grid, cell (title_a, TRUE, 1), 1, row, 1, 1);
  gtk_grid_attach (grid, cell (title_b, TRUE, 1), 2, row++, 1, 1);
  for (guint i = 0; i < G_N_ELEMENTS (metrics); i++)
    {
      double va = kiln_run_get_metric (a, metrics[i].key), vb = kiln_run_get_metric (b, metrics[i].key);
      g_autofree char *sa = NULL, *sb = NULL;

      if (isnan (va) && isnan (vb))
        continue;
      sa = isnan (va) ? g_strdup ("—") : kiln_format_metric (metrics[i].key, va);
      sb = isnan (vb) ? g_strdup ("—") : kiln_format_metric (metrics[i].key, vb);
      add_row (grid, row++, _(metrics[i].label), sa, sb);
    }
  sec_a = kiln_format_seconds (a->result.fit_seconds);
  sec_b = kiln_format_seconds (b->result.fit_seconds);
  add_row (grid, row++, _("Time to fit"), sec_a, sec_b);

  heading = cell (_("Settings that differ"), TRUE, 0);
  gtk_widget_set_margin_top (heading, 12);
  gtk_grid_attach (grid, heading, 0, row++, 3, 1);
  row = add_settings (grid, row, a, b);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (grid));

  if (kiln_bundle_get_task (a->result.bundle) == KILN_TASK_CLASSIFICATION &&
      kiln_bundle_get_task (b->result.bundle) == KILN_TASK_CLASSIFICATION)
    {
      GtkWidget *pair = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);

      gtk_box_set_homogeneous (GTK_BOX (pair), TRUE);
      gtk_box_append (GTK_BOX (pair), matrix_for (a));
      gtk_box_append (GTK_BOX (pair), matrix_for (b));
      gtk_box_append (GTK_BOX (box), pair);
    }
  return window;
}
