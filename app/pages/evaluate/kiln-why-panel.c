/* kiln-why-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-why-panel"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "kiln-bundle-explain.h"
#include "kiln-plot.h"
#include "kiln-why-panel.h"
#include "kiln-task.h"

struct _KilnWhyPanel
{
  GtkBox        parent_instance;

  GtkLabel     *title;
  GtkLabel     *caption;
  GtkStack     *stack;        /* "hint", "busy", "plot" */
  GtkWidget    *plot;
  GtkWidget    *words;        /* text models: the row's text with its deciding terms marked */
  GtkLabel     *words_text;
  GtkWidget    *words_plot;
  GtkSpinner   *spinner;
  GCancellable *cancellable;  /* of the explanation being worked out */
};

G_DEFINE_FINAL_TYPE (KilnWhyPanel, kiln_why_panel, GTK_TYPE_BOX)

typedef struct {
  KilnBundle *bundle;
  KilnFrame  *rows;
  guint       row;
} Job;

/* The marks of a term found in @folded: +1 pushed toward the prediction, -1 away; the first
 * (strongest) term to claim a byte keeps it. */
static void
mark_term (const char *folded, gint8 *marks, const char *term, gint8 sign)
{
  gsize n = strlen (term);

  if (n == 0)
    return;
  for (const char *at = strstr (folded, term); at; at = strstr (at + 1, term))
    for (gsize i = 0; i < n; i++)
      if (marks[at - folded + i] == 0)
        marks[at - folded + i] = sign;
}

/* The row's text as Pango markup, the terms that decided it marked (blue toward the prediction,
 * red away from it). Terms are "column:[piece]" (within words) or "column:word word". */
static char *
marked_text (const char *text, const char *column, KilnRowExplanation *e)
{
  g_autofree char *nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  g_autofree char *folded = NULL, *prefix = g_strconcat (column, ":", NULL);
  g_autofree gint8 *marks = NULL;
  GString *out;
  gsize len, i = 0;

  if (nfc == NULL)
    return g_markup_escape_text (text, -1);
  folded = g_utf8_casefold (nfc, -1);
  len = strlen (nfc);
  if (strlen (folded) != len)
    {
      /* a case fold that changed lengths: search as written */
      g_free (folded);
      folded = g_strdup (nfc);
    }
  marks = g_new0 (gint8, len + 1);
  for (guint t = 0; t < e->n_terms; t++)
    {
      const char *term = e->terms[t];
      g_autofree char *piece = NULL;
      gsize n;

      if (!g_str_has_prefix (term, prefix))
        continue;
      term += strlen (prefix);
      n = strlen (term);
      piece = n >= 2 && term[0] == '[' && term[n - 1] == ']' ? g_strndup (term + 1, n - 2) : g_strdup (term);
      mark_term (folded, marks, piece, e->term_effects[t] >= 0 ? 1 : -1);
    }
  out = g_string_new (NULL);
  while (i < len)
    {
      gsize j = i;
      g_autofree char *run = NULL;

      while (j < len && marks[j] == marks[i])
        j++;
      /* a run ends on a character boundary: marks are whole terms of whole characters */
      run = g_markup_escape_text (nfc + i, (gssize) (j - i));
      if (marks[i] > 0)
        g_string_append_printf (out, "<span background=\"#99c1f1\" foreground=\"#000000\">%s</span>", run);
      else if (marks[i] < 0)
        g_string_append_printf (out, "<span background=\"#f6a5a5\" foreground=\"#000000\">%s</span>", run);
      else
        g_string_append (out, run);
      i = j;
    }
  return g_string_free (out, FALSE);
}

static void
job_free (Job *job)
{
  kiln_bundle_unref (job->bundle);
  kiln_frame_unref (job->rows);
  g_free (job);
}

static void
explain_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  Job *job = data;
  KilnExplainOptions options;
  GError *error = NULL;
  KilnRowExplanation *e;

  kiln_explain_options_init (&options);
  e = kiln_bundle_explain_row (job->bundle, job->rows, job->row, &options, &error);
  if (e == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, e, (GDestroyNotify) kiln_row_explanation_free);
}

/* What is decomposed, as a whole sentence (a phrase would not fit every language's grammar). */
static const char *
kind_sentence (const char *kind)
{
  if (g_strcmp0 (kind, "probability") == 0)
    return _("How each column moved the probability of the predicted class from its average over the "
             "test rows to this row’s.");
  if (g_strcmp0 (kind, "log-odds") == 0)
    return _("How each column moved the log-odds of the predicted class from their average over the "
             "test rows to this row’s.");
  if (g_strcmp0 (kind, "margin") == 0)
    return _("How each column moved the score (margin) of the predicted class from its average over "
             "the test rows to this row’s.");
  return _("How each column moved the predicted value from its average over the test rows to this "
           "row’s.");
}

static void
show (KilnWhyPanel *self, KilnRowExplanation *e, KilnFrame *rows, guint row)
{
  g_autofree char *title = NULL, *caption = NULL, *how = NULL;
  double worst = 0;

  /* Translators: the row of the predictions table (1-based) and what the model predicted for it */
  title = g_strdup_printf (_("Row %u: predicted %s"), row + 1, e->prediction);
  gtk_label_set_text (self->title, title);
  if (e->exact)
    /* Translators: %s is the name of an exact method (TreeSHAP, linear decomposition) */
    how = g_strdup_printf (_("Exact (%s)."), e->method);
  else
    {
      char err[32];

      for (guint c = 0; c < e->n_columns && e->errors; c++)
        worst = MAX (worst, e->errors[c]);
      g_snprintf (err, sizeof err, "%.2g", worst);
      /* Translators: the contributions are estimated by sampling; %s is the largest standard error */
      how = g_strdup_printf (_("Estimated by sampling, each within about ±%s."), err);
    }
  caption = g_strconcat (kind_sentence (e->output_kind), " ", how, NULL);
  gtk_label_set_text (self->caption, caption);
  kiln_plot_set_waterfall (KILN_PLOT (self->plot), (const char * const *) e->columns, e->contributions,
                           e->n_columns, e->base, e->output, NULL);
  gtk_widget_set_visible (self->words, e->n_terms > 0);
  gtk_widget_set_vexpand (self->plot, e->n_terms == 0);
  if (e->n_terms > 0 && rows != NULL)
    {
      g_autofree char *column = g_strndup (e->terms[0], strcspn (e->terms[0], ":"));
      int c = kiln_frame_find_column (rows, column);
      g_autofree char *text = c >= 0 ? kiln_column_format_display (kiln_frame_get_column (rows, (guint) c),
                                                                   kiln_frame_get_physical_row (rows, row))
                                     : NULL;
      g_autofree char *markup = text ? marked_text (text, column, e) : NULL;
      g_autofree char **names = g_new0 (char *, e->n_terms + 1);

      gtk_label_set_markup (self->words_text, markup ? markup : "");
      for (guint t = 0; t < e->n_terms; t++)
        names[t] = strchr (e->terms[t], ':') ? strchr (e->terms[t], ':') + 1 : e->terms[t];
      kiln_plot_set_bars (KILN_PLOT (self->words_plot), (const char * const *) names, e->term_effects,
                          e->n_terms, FALSE, _("Pushed toward the prediction (+) or away (−)"));
    }
  gtk_stack_set_visible_child_name (self->stack, "plot");
}

static void
explained (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;
  KilnRowExplanation *e = kiln_task_propagate_pointer (G_TASK (result), &error);
  KilnWhyPanel *self;
  guint row = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "kiln-row"));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = KILN_WHY_PANEL (source);
  gtk_spinner_stop (self->spinner);
  g_clear_object (&self->cancellable);
  if (e == NULL)
    {
      gtk_label_set_text (self->title, _("This row could not be explained"));
      gtk_label_set_text (self->caption, error->message);
      gtk_stack_set_visible_child_name (self->stack, "hint");
      return;
    }
  show (self, e, g_object_get_data (G_OBJECT (result), "kiln-rows"), row);
  kiln_row_explanation_free (e);
}

void
kiln_why_panel_explain (KilnWhyPanel *self,
                        KilnBundle   *bundle,
                        KilnFrame    *rows,
                        guint         row)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *title = NULL;
  Job *job;

  g_return_if_fail (KILN_IS_WHY_PANEL (self));
  g_return_if_fail (bundle != NULL && rows != NULL && row < kiln_frame_get_n_rows (rows));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  title = g_strdup_printf (_("Row %u"), row + 1);
  gtk_label_set_text (self->title, title);
  gtk_label_set_text (self->caption, _("Working out how each column moved this prediction…"));
  gtk_stack_set_visible_child_name (self->stack, "busy");
  gtk_spinner_start (self->spinner);

  job = g_new0 (Job, 1);
  job->bundle = kiln_bundle_ref (bundle);
  job->rows = kiln_frame_ref (rows);
  job->row = row;
  task = g_task_new (self, self->cancellable, explained, NULL);
  g_task_set_source_tag (task, kiln_why_panel_explain);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_object_set_data (G_OBJECT (task), "kiln-row", GUINT_TO_POINTER (row));
  g_object_set_data_full (G_OBJECT (task), "kiln-rows", kiln_frame_ref (rows), (GDestroyNotify) kiln_frame_unref);
  kiln_task_run_in_thread (task, explain_thread);
}

void
kiln_why_panel_clear (KilnWhyPanel *self)
{
  g_return_if_fail (KILN_IS_WHY_PANEL (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  gtk_label_set_text (self->title, _("Why this prediction?"));
  gtk_label_set_text (self->caption, _("Click a row in the predictions table to see how each of its "
                                       "columns pushed the model’s answer up or down."));
  gtk_stack_set_visible_child_name (self->stack, "hint");
}

gboolean
kiln_why_panel_is_busy (KilnWhyPanel *self)
{
  g_return_val_if_fail (KILN_IS_WHY_PANEL (self), FALSE);
  return self->cancellable != NULL;
}

static void
kiln_why_panel_dispose (GObject *object)
{
  KilnWhyPanel *self = KILN_WHY_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (kiln_why_panel_parent_class)->dispose (object);
}

static void
kiln_why_panel_class_init (KilnWhyPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = kiln_why_panel_dispose;
}

static void
kiln_why_panel_init (KilnWhyPanel *self)
{
  GtkWidget *hint, *busy;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);

  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->title));
  self->caption = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->caption), "dim-label");
  gtk_label_set_xalign (self->caption, 0);
  gtk_label_set_wrap (self->caption, TRUE);
  gtk_label_set_wrap_mode (self->caption, PANGO_WRAP_WORD_CHAR);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->caption));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  hint = gtk_image_new_from_icon_name ("dialog-question-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (hint), 64);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_stack_add_named (self->stack, hint, "hint");
  busy = gtk_spinner_new ();
  self->spinner = GTK_SPINNER (busy);
  gtk_widget_set_size_request (busy, 32, 32);
  gtk_widget_set_halign (busy, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (busy, GTK_ALIGN_CENTER);
  gtk_stack_add_named (self->stack, busy, "busy");
  {
    GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
    GtkWidget *heading;

    self->plot = kiln_plot_new ();
    gtk_widget_set_vexpand (self->plot, TRUE);
    gtk_box_append (GTK_BOX (page), self->plot);
    self->words = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_set_vexpand (self->words, TRUE);
    heading = gtk_label_new (_("The words that decided it"));
    gtk_widget_add_css_class (heading, "heading");
    gtk_label_set_xalign (GTK_LABEL (heading), 0);
    gtk_box_append (GTK_BOX (self->words), heading);
    self->words_text = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_wrap (self->words_text, TRUE);
    gtk_label_set_wrap_mode (self->words_text, PANGO_WRAP_WORD_CHAR);
    gtk_label_set_xalign (self->words_text, 0);
    gtk_label_set_selectable (self->words_text, TRUE);
    gtk_label_set_lines (self->words_text, 4);
    gtk_label_set_ellipsize (self->words_text, PANGO_ELLIPSIZE_END);
    gtk_box_append (GTK_BOX (self->words), GTK_WIDGET (self->words_text));
    self->words_plot = kiln_plot_new ();
    kiln_plot_set_max_bars (KILN_PLOT (self->words_plot), 16);
    gtk_widget_set_vexpand (self->words_plot, TRUE);
    gtk_box_append (GTK_BOX (self->words), self->words_plot);
    gtk_widget_set_visible (self->words, FALSE);
    gtk_box_append (GTK_BOX (page), self->words);
    gtk_stack_add_named (self->stack, page, "plot");
  }
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->stack));
  kiln_why_panel_clear (self);
}

GtkWidget *
kiln_why_panel_new (void)
{
  return g_object_new (KILN_TYPE_WHY_PANEL, NULL);
}
