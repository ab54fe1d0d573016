/* kiln-project.h: everything the user chose, as one document (.kilnproj, JSON).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file, its import options, the recipe settings, the split, the model and its options. A
 * project reopened reproduces the same training: same rows, same seed, same model.
 */
#pragma once

#include <gio/gio.h>

#include "kiln-csv.h"
#include "kiln-frame.h"
#include "kiln-model.h"
#include "kiln-pipeline.h"
#include "kiln-prep-settings.h"

G_BEGIN_DECLS

/* The preparation settings are the core's KilnPrepSettings (kiln-prep-settings.h). */

#define KILN_TYPE_PROJECT (kiln_project_get_type ())
G_DECLARE_FINAL_TYPE (KilnProject, kiln_project, KILN, PROJECT, GObject)

KilnProject      *kiln_project_new            (void);

/* The loaded data. Setting a frame keeps the settings that still make sense for it. */
KilnFrame        *kiln_project_get_frame      (KilnProject *self);
const char       *kiln_project_get_source     (KilnProject *self);
const KilnCsvOptions *kiln_project_get_csv_options (KilnProject *self);
void              kiln_project_set_data       (KilnProject          *self,
                                               const char           *source,
                                               const KilnCsvOptions *options,
                                               KilnFrame            *frame);

/* Gives the columns @type (converting their values; cells that do not convert become missing)
 * and remembers the choice, so a re-read or a reopened project shows the same types. Returns how
 * many cells did not convert. */
guint             kiln_project_set_column_types (KilnProject    *self,
                                                 const guint    *columns,
                                                 guint           n_columns,
                                                 KilnColumnType  type);

const char       *kiln_project_get_target     (KilnProject *self);
void              kiln_project_set_target     (KilnProject *self,
                                               const char  *target);
KilnTask          kiln_project_get_task       (KilnProject *self);
void              kiln_project_set_task       (KilnProject *self,
                                               KilnTask     task);
/* The task the target's type suggests. */
KilnTask          kiln_project_guess_task     (KilnProject *self);

KilnPrepSettings *kiln_project_get_prep       (KilnProject *self);
/* Call after changing the settings returned by kiln_project_get_prep(). */
void              kiln_project_prep_changed   (KilnProject *self);

const char       *kiln_project_get_model_name (KilnProject *self);
void              kiln_project_set_model_name (KilnProject *self,
                                               const char  *name);
KilnModelOptions *kiln_project_get_model_options (KilnProject *self);
void              kiln_project_model_changed  (KilnProject *self);

/* A training (or a run read back from a project file). Its bundle and model are always there;
 * its pipeline and evaluation once it ran in this session or was restored. */
typedef struct {
  KilnPipelineResult result;
  char              *when;        /* local time, ISO 8601 */
  gboolean           cancelled;   /* stopped early; the best model seen was kept */
  JsonNode          *settings;    /* target, task, prep, model as they were when it ran */
  guint              id;
  char              *restore_error; /* why it could not be scored again, NULL if it was or will be */
} KilnRun;

gboolean          kiln_run_is_restored        (KilnRun *run);

/* Keeps a finished training as a new run and makes it the current one ("runs-changed",
 * "result-changed"). The project is then modified: a trained model is work to save. */
KilnRun          *kiln_project_add_run        (KilnProject              *self,
                                               const KilnPipelineResult *result,
                                               gboolean                  cancelled);
GPtrArray        *kiln_project_get_runs       (KilnProject *self);   /* of KilnRun*, oldest first */
/* Takes @run out of the project and gives it to the caller (to free with kiln_run_free(), or to
 * put back with kiln_project_insert_run(): an undo); returns where it was. When it was the
 * current run, the newest remaining one becomes current. "runs-changed"; the project is then
 * modified. */
guint             kiln_project_remove_run     (KilnProject *self,
                                               KilnRun     *run);
/* Puts a removed @run back at @index (the project owns it again). */
void              kiln_project_insert_run     (KilnProject *self,
                                               KilnRun     *run,
                                               guint        index);
void              kiln_run_free               (KilnRun     *run);
KilnRun          *kiln_project_get_current_run (KilnProject *self);
void              kiln_project_set_current_run (KilnProject *self,
                                                KilnRun     *run);
/* The current run's result when it is restored (NULL before the first training, and while a
 * reopened project's run is being restored). Emits "result-changed" when it changes. */
const KilnPipelineResult *kiln_project_get_result (KilnProject *self);

/* Scores a run read from a file again on the loaded data: the same split and recipe from its
 * settings, its saved model (never refitted). On a worker thread. */
void              kiln_project_restore_run_async  (KilnProject         *self,
                                                   KilnRun             *run,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean          kiln_project_restore_run_finish (KilnProject   *self,
                                                   GAsyncResult  *result,
                                                   GError       **error);

/* Where the project was saved last (NULL if never); whether it changed since. */
GFile            *kiln_project_get_file       (KilnProject *self);
/* Where a save dialog should open (a new reference): the saved project's folder, else the data's
 * when it can be written to (not a bundled example's), else the user's documents or home. */
GFile            *kiln_project_get_save_folder (KilnProject *self);
gboolean          kiln_project_get_modified   (KilnProject *self);

gboolean          kiln_project_save           (KilnProject  *self,
                                               GFile        *file,
                                               GError      **error);
/* The same on a worker thread (the models are written there); the project counts as saved when
 * it finishes, unless it changed meanwhile. */
void              kiln_project_save_async     (KilnProject         *self,
                                               GFile               *file,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean          kiln_project_save_finish    (KilnProject   *self,
                                               GAsyncResult  *result,
                                               GError       **error);
/* Reads the settings; the caller then loads the source file with the saved options. */
KilnProject      *kiln_project_load           (GFile        *file,
                                               GError      **error);
/* The same on a worker thread (the saved models are read there). */
void              kiln_project_load_async     (GFile               *file,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
KilnProject      *kiln_project_load_finish    (GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
