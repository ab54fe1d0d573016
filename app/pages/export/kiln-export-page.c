/* kiln-export-page.c: save the model bundle and the predictions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-export-page"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-pages.h"
#include "kiln-bundle.h"
#include "kiln-export-onnx.h"
#include "kiln-export-predict.h"
#include "kiln-export-serve.h"
#include "kiln-pipeline.h"

struct _KilnExportPage
{
  KilnPage       parent_instance;

  AdwActionRow  *bundle_row;
  AdwActionRow  *predictions_row;
  AdwActionRow  *hash_row;
  AdwActionRow  *cli_row;
  KilnExportOnnx *onnx;
  KilnExportPredict *predict;
  KilnExportServe *serve;
  char          *last_bundle;
};

G_DEFINE_FINAL_TYPE (KilnExportPage, kiln_export_page, KILN_TYPE_PAGE)

typedef enum { SAVE_BUNDLE, SAVE_PREDICTIONS } SaveKind;

static char *
default_name (KilnProject *project, const char *suffix)
{
  const char *source = kiln_project_get_source (project);
  g_autofree char *base = source ? g_path_get_basename (source) : g_strdup ("model");
  char *dot = strrchr (base, '.');

  if (dot)
    *dot = '\0';
  return g_strconcat (base, suffix, NULL);
}

static void
update_cli_hint (KilnExportPage *self)
{
  g_autofree char *text = NULL;

  if (self->last_bundle == NULL)
    text = g_strdup (_("Save the bundle first; then kiln-cli can predict with it."));
  else
    text = g_strdup_printf ("kiln-cli predict %s NEW.csv --out PREDICTIONS.csv", self->last_bundle);
  adw_action_row_set_subtitle (self->cli_row, text);
}

static void
on_save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  KilnExportPage *self = user_data;
  SaveKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  const KilnPipelineResult *result = kiln_project_get_result (project);

  if (response == GTK_RESPONSE_ACCEPT && result != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (g_strcmp0 (path, kiln_project_get_source (project)) == 0)
        {
          kiln_page_toast (KILN_PAGE (self), _("Kiln never writes over the data it read; choose another file"));
          g_object_unref (dialog);
          return;
        }
      if (kind == SAVE_BUNDLE)
        {
          ok = kiln_bundle_save (result->bundle, path, NULL, &error);
          if (ok)
            {
              g_free (self->last_bundle);
              self->last_bundle = g_strdup (path);
              update_cli_hint (self);
            }
        }
      else
        {
          g_autoptr(KilnFrame) predicted = kiln_bundle_predict_frame (result->bundle,
                                                                      kiln_pipeline_get_test_rows (result->pipeline),
                                                                      &error);
          ok = predicted != NULL && kiln_csv_write (predicted, path, &error);
        }
      if (ok)
        {
          g_autofree char *name = g_path_get_basename (path);
          g_autofree char *msg = g_strdup_printf (_("Saved %s"), name);
          kiln_page_toast (KILN_PAGE (self), msg);
        }
      else
        kiln_page_toast (KILN_PAGE (self), error->message);
    }
  g_object_unref (dialog);
}

static void
save (KilnExportPage *self, SaveKind kind)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_WINDOW);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();
  g_autofree char *name = default_name (project, kind == SAVE_BUNDLE ? ".kiln" : "-predictions.csv");

  dialog = gtk_file_chooser_native_new (kind == SAVE_BUNDLE ? _("Save Model Bundle") : _("Save Predictions"),
                                        GTK_WINDOW (window), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  if (kind == SAVE_BUNDLE)
    {
      gtk_file_filter_set_name (filter, _("Kiln model bundles"));
      gtk_file_filter_add_pattern (filter, "*.kiln");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("CSV files"));
      gtk_file_filter_add_pattern (filter, "*.csv");
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  kiln_page_set_save_folder (GTK_WIDGET (self), GTK_FILE_CHOOSER (dialog));
  g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (kind));
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_bundle_action (GtkWidget *widget, const char *action, GVariant *param)
{
  save (KILN_EXPORT_PAGE (widget), SAVE_BUNDLE);
}

static void
save_predictions_action (GtkWidget *widget, const char *action, GVariant *param)
{
  save (KILN_EXPORT_PAGE (widget), SAVE_PREDICTIONS);
}

static void
on_result_changed (KilnExportPage *self)
{
  KilnProject *project = kiln_page_get_project (KILN_PAGE (self));
  const KilnPipelineResult *result = kiln_project_get_result (project);
  g_autofree char *sub = NULL;

  kiln_export_onnx_set_bundle (self->onnx, result ? result->bundle : NULL,
                               kiln_project_get_source (project));
  kiln_export_predict_set_bundle (self->predict, result ? result->bundle : NULL,
                                  kiln_project_get_source (project));
  kiln_export_serve_set_bundle (self->serve, result ? result->bundle : NULL,
                                result && result->pipeline
                                  ? kiln_pipeline_get_test_rows (result->pipeline) : NULL);
  if (result == NULL || result->bundle == NULL)
    {
      kiln_page_set_not_ready (KILN_PAGE (self), "document-send-symbolic", _("Nothing to Export Yet"),
                               _("Train a model first; then save it for serving, or save its predictions."),
                               _("Go to _Train"), KILN_PAGE_TRAIN);
      return;
    }
  kiln_page_set_ready (KILN_PAGE (self));
  adw_action_row_set_subtitle (self->hash_row, kiln_bundle_get_content_hash (result->bundle));
  sub = g_strdup_printf (_("The %u test rows with their predictions, as CSV"),
                         kiln_frame_get_n_rows (kiln_pipeline_get_test_rows (result->pipeline)));
  adw_action_row_set_subtitle (self->predictions_row, sub);
  update_cli_hint (self);
}

static void
kiln_export_page_project_changed (KilnPage *page, KilnProject *project)
{
  KilnExportPage *self = KILN_EXPORT_PAGE (page);

  g_signal_connect_object (project, "result-changed", G_CALLBACK (on_result_changed), self, G_CONNECT_SWAPPED);
  on_result_changed (self);
}

static void
kiln_export_page_finalize (GObject *object)
{
  g_free (KILN_EXPORT_PAGE (object)->last_bundle);
  G_OBJECT_CLASS (kiln_export_page_parent_class)->finalize (object);
}

static void
kiln_export_page_class_init (KilnExportPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = kiln_export_page_finalize;
  KILN_PAGE_CLASS (klass)->project_changed = kiln_export_page_project_changed;
  gtk_widget_class_install_action (widget_class, "export.save-bundle", NULL, save_bundle_action);
  gtk_widget_class_install_action (widget_class, "export.save-predictions", NULL, save_predictions_action);
}

static AdwActionRow *
button_row (const char *title, const char *subtitle, const char *button, const char *action)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *b = gtk_button_new_with_mnemonic (button);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  adw_action_row_add_suffix (row, b);
  adw_action_row_set_activatable_widget (row, b);
  return row;
}

static void
kiln_export_page_init (KilnExportPage *self)
{
  GtkWidget *prefs = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Model"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("A bundle holds the preparation recipe and the model: it takes raw rows exactly like your CSV’s."));
  self->bundle_row = button_row (_("Kiln bundle (.kiln)"), _("Preparation and model in one file, for kiln-cli predict or to share"),
                                 _("_Save…"), "export.save-bundle");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->bundle_row));
  self->hash_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->hash_row), _("Content hash"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->hash_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (group));

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Predictions"));
  self->predictions_row = button_row (_("Test predictions (.csv)"), NULL, _("Sa_ve…"), "export.save-predictions");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->predictions_row));
  self->cli_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->cli_row), _("Predict new files from the command line"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->cli_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (group));

  self->onnx = KILN_EXPORT_ONNX (kiln_export_onnx_new ());
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (self->onnx));

  self->predict = KILN_EXPORT_PREDICT (kiln_export_predict_new ());
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (self->predict));
  self->serve = KILN_EXPORT_SERVE (kiln_export_serve_new ());
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (prefs), ADW_PREFERENCES_GROUP (self->serve));

  kiln_page_set_content (KILN_PAGE (self), prefs);
}
