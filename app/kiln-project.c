/* kiln-project.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-project"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "kiln-atomic-file.h"
#include "kiln-project.h"
#include "kiln-prepare-plan.h"
#include "kiln-task.h"
#include "kiln-threads.h"
#include "kiln-json-text.h"

#define PROJECT_FORMAT 1

struct _KilnProject
{
  GObject           parent_instance;

  char             *source;
  KilnCsvOptions    csv_options;
  KilnFrame        *frame;
  char             *target;
  KilnTask          task;
  KilnPrepSettings  prep;
  char             *model_name;
  KilnModelOptions  model_options;
  GFile            *file;
  gboolean          modified;
  guint             change_serial;   /* counts changes: a save that began before one is not the save of it */
  GPtrArray        *runs;           /* of KilnRun*, oldest first */
  KilnRun          *current;        /* the run the Evaluate and Export steps show */
  guint             next_run_id;
  gboolean          awaiting_data;  /* loaded from a file, its CSV not read yet */
  GHashTable       *column_types;   /* column name -> KilnColumnType + 1: types the user chose */
  KilnFrame        *raw_frame;      /* the data as read, before the types the user chose */
};


G_DEFINE_FINAL_TYPE (KilnProject, kiln_project, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FRAME,
  PROP_TARGET,
  PROP_TASK,
  PROP_MODEL_NAME,
  PROP_MODIFIED,
  N_PROPS
};

enum {
  PREP_CHANGED,
  MODEL_CHANGED,
  RESULT_CHANGED,
  RUNS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_modified (KilnProject *self, gboolean modified)
{
  if (modified)
    self->change_serial++;
  if (self->modified == modified)
    return;
  self->modified = modified;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

/* The core's training defaults, but with a validation part: networks stop early on it and the
 * loss plot shows it. */
static void
prep_settings_init (KilnPrepSettings *prep)
{
  kiln_prep_settings_init (prep);
  prep->split = (KilnSplitFractions) { 0.7, 0.1, 0.2 };
}

static void
kiln_project_finalize (GObject *object)
{
  KilnProject *self = (KilnProject *) object;

  g_clear_pointer (&self->source, g_free);
  kiln_csv_options_clear (&self->csv_options);
  /* the data and the runs' prepared datasets can be hundreds of megabytes: freed off the main
     thread (kiln_threads_free_later) */
  kiln_threads_free_later (g_steal_pointer (&self->frame), (GDestroyNotify) kiln_frame_unref);
  kiln_threads_free_later (g_steal_pointer (&self->raw_frame), (GDestroyNotify) kiln_frame_unref);
  kiln_threads_free_later (g_steal_pointer (&self->runs), (GDestroyNotify) g_ptr_array_unref);
  g_clear_pointer (&self->target, g_free);
  kiln_prep_settings_clear (&self->prep);
  g_clear_pointer (&self->model_name, g_free);
  g_clear_object (&self->file);
  g_clear_pointer (&self->column_types, g_hash_table_unref);

  G_OBJECT_CLASS (kiln_project_parent_class)->finalize (object);
}

static void
kiln_project_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KilnProject *self = KILN_PROJECT (object);

  switch (prop_id)
    {
    case PROP_FRAME:
      g_value_set_boxed (value, self->frame);
      break;
    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;
    case PROP_TASK:
      g_value_set_int (value, self->task);
      break;
    case PROP_MODEL_NAME:
      g_value_set_string (value, self->model_name);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_project_class_init (KilnProjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kiln_project_finalize;
  object_class->get_property = kiln_project_get_property;

  properties[PROP_FRAME] =
    g_param_spec_boxed ("frame", NULL, NULL, KILN_TYPE_FRAME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TARGET] =
    g_param_spec_string ("target", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TASK] =
    g_param_spec_int ("task", NULL, NULL, 0, 1, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_NAME] =
    g_param_spec_string ("model-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PREP_CHANGED] = g_signal_new ("prep-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RESULT_CHANGED] = g_signal_new ("result-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RUNS_CHANGED] = g_signal_new ("runs-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[MODEL_CHANGED] = g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
kiln_project_init (KilnProject *self)
{
  kiln_csv_options_init (&self->csv_options);
  prep_settings_init (&self->prep);
  self->task = KILN_TASK_CLASSIFICATION;
  self->model_name = g_strdup ("forest");
  kiln_model_options_init (&self->model_options, self->task);
  self->column_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_run_free);
}

KilnProject *
kiln_project_new (void)
{
  return g_object_new (KILN_TYPE_PROJECT, NULL);
}

KilnFrame *
kiln_project_get_frame (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return self->frame;
}

const char *
kiln_project_get_source (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return self->source;
}

GFile *
kiln_project_get_save_folder (KilnProject *self)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);

  if (self->file)
    {
      GFile *parent = g_file_get_parent (self->file);
      if (parent)
        return parent;
    }
  if (self->source)
    {
      g_autofree char *dir = g_path_get_dirname (self->source);
      if (g_path_is_absolute (dir) && g_access (dir, W_OK) == 0)
        return g_file_new_for_path (dir);
    }
  if (documents && g_file_test (documents, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (documents);
  return g_file_new_for_path (g_get_home_dir ());
}

const KilnCsvOptions *
kiln_project_get_csv_options (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return &self->csv_options;
}

/* Names that usually mean "what to predict", compared without case. */
static const char * const target_words[] = {
  "target", "label", "labels", "class", "y", "outcome", "result", "churn", "churned", "species",
  "diagnosis", "diabetes", "digit", "sentiment", "survived", "default", "fraud", "delay",
  "price", "lettr", "letter", "quality", "grade", "response", "category", "rating_class",
};

static gboolean
is_target_word (const char *name)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);

  for (guint i = 0; i < G_N_ELEMENTS (target_words); i++)
    if (g_strcmp0 (lower, target_words[i]) == 0)
      return TRUE;
  return FALSE;
}

/* A numeric column whose values are a few whole numbers (at most 20 of them, e.g. digits 0-9, a
 * 1-5 rating, a 0/1 flag) is better classified than regressed. Stops at the 21st value, so a
 * continuous column is settled within its first rows. */
static gboolean
few_whole_numbers (KilnColumn *col, guint n_rows)
{
  double seen[20];
  guint n_seen = 0, n_values = 0;

  if (kiln_column_get_column_type (col) != KILN_COLUMN_NUMERIC)
    return FALSE;
  for (guint r = 0; r < n_rows; r++)
    {
      double v = kiln_column_get_double (col, r);
      guint k;
      if (isnan (v))
        continue;
      if (v != floor (v) || fabs (v) > 1e9)
        return FALSE;
      n_values++;
      for (k = 0; k < n_seen && seen[k] != v; k++)
        ;
      if (k == n_seen)
        {
          if (n_seen == G_N_ELEMENTS (seen))
            return FALSE;
          seen[n_seen++] = v;
        }
    }
  /* a handful of rows proves nothing: ask for several rows per value */
  return n_seen >= 2 && n_values >= 3 * n_seen;
}

/* How good a target a column looks; negative: not one. */
static int
target_score (KilnFrame *frame, guint c)
{
  KilnColumn *col = kiln_frame_get_column (frame, c);
  guint n_rows = kiln_frame_get_n_rows (frame);
  guint n = kiln_frame_get_n_columns (frame);
  int score = 0;

  switch (kiln_column_get_column_type (col))
    {
    case KILN_COLUMN_BOOLEAN:
      score = 30;
      break;
    case KILN_COLUMN_CATEGORICAL:
      {
        guint levels = kiln_column_get_n_categories (col);
        /* an airport, a city, an ID: too many classes to be the thing to predict */
        if (levels < 2 || levels > 50 || levels * 2 > n_rows)
          score = 5;
        else
          score = 30;
      }
      break;
    case KILN_COLUMN_NUMERIC:
      score = 20;
      break;
    case KILN_COLUMN_DATETIME:
    case KILN_COLUMN_TEXT:
    default:
      return -1;
    }
  if (kiln_column_get_n_missing (col) == n_rows)
    return -1;
  if (is_target_word (kiln_column_get_name (col)))
    score += 100;
  if (c + 1 == n)
    score += 10;   /* the last column, where most files keep it */
  else if (c == 0)
    score += 3;
  return score;
}

/* The column most likely meant as the target: one named like a target, else the last boolean or
 * categorical column with few classes, else the last column. NULL for an empty frame. */
static char *
guess_target (KilnFrame *frame)
{
  guint n = kiln_frame_get_n_columns (frame);
  int best = -1, best_score = -1;

  for (guint c = 0; c < n; c++)
    {
      int score = target_score (frame, c);
      if (score >= best_score && score >= 0)
        best = (int) c, best_score = score;
    }
  if (best < 0)
    return n ? g_strdup (kiln_column_get_name (kiln_frame_get_column (frame, n - 1))) : NULL;
  return g_strdup (kiln_column_get_name (kiln_frame_get_column (frame, (guint) best)));
}

/* @frame with the columns named in @types (name -> KilnColumnType + 1) converted to those types,
   the others as they are. */
static KilnFrame *
convert_columns (KilnFrame *frame, GHashTable *types, char decimal, guint *n_failed)
{
  KilnFrame *out = kiln_frame_ref (frame);

  for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
    {
      KilnColumn *col = kiln_frame_get_column (out, c);
      gpointer want = g_hash_table_lookup (types, kiln_column_get_name (col));
      g_autoptr(KilnColumn) converted = NULL;
      KilnFrame *next;
      guint failed = 0;

      if (want == NULL || (KilnColumnType) (GPOINTER_TO_UINT (want) - 1) == kiln_column_get_column_type (col))
        continue;
      converted = kiln_column_convert (col, (KilnColumnType) (GPOINTER_TO_UINT (want) - 1), decimal, &failed);
      if (n_failed)
        *n_failed += failed;
      next = kiln_frame_replace_column (out, c, converted);
      kiln_frame_unref (out);
      out = next;
    }
  return out;
}

/* The data as read with the types the user chose: each conversion starts from the column as read,
   so choosing a type and then another loses nothing the first one could not hold. */
static KilnFrame *
apply_column_types (KilnProject *self, guint *n_failed)
{
  return convert_columns (self->raw_frame, self->column_types, self->csv_options.decimal, n_failed);
}

static void
take_frame (KilnProject *self, KilnFrame *frame)
{
  kiln_threads_free_later (g_steal_pointer (&self->frame), (GDestroyNotify) kiln_frame_unref);
  self->frame = frame;

  /* keep the target if the new data has it (a re-read with other import options, a type change) */
  if (self->target == NULL || kiln_frame_find_column (frame, self->target) < 0)
    {
      g_free (self->target);
      self->target = guess_target (frame);
      self->task = kiln_project_guess_task (self);
      self->model_options.task = self->task;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAME]);
}

void
kiln_project_set_data (KilnProject          *self,
                       const char           *source,
                       const KilnCsvOptions *options,
                       KilnFrame            *frame)
{
  char *new_source;
  KilnCsvOptions new_options;

  g_return_if_fail (KILN_IS_PROJECT (self));
  g_return_if_fail (frame != NULL);

  kiln_frame_ref (frame);   /* it may be the project's own */
  kiln_threads_free_later (g_steal_pointer (&self->raw_frame), (GDestroyNotify) kiln_frame_unref);
  self->raw_frame = frame;

  /* copy before freeing: @source and @options may be the project's own */
  new_source = g_strdup (source);
  if (options)
    kiln_csv_options_copy (options, &new_options);
  else
    kiln_csv_options_init (&new_options);
  if (g_strcmp0 (self->source, new_source) != 0)
    g_hash_table_remove_all (self->column_types);   /* another file: its own types */
  g_free (self->source);
  self->source = new_source;
  kiln_csv_options_clear (&self->csv_options);
  self->csv_options = new_options;
  take_frame (self, apply_column_types (self, NULL));
  /* a file just opened is no work to lose yet, nor is a project's file read back as saved; a
     saved project read again with other import options is */
  if (self->awaiting_data)
    self->awaiting_data = FALSE;
  else if (self->file != NULL)
    set_modified (self, TRUE);
}

guint
kiln_project_set_column_types (KilnProject    *self,
                               const guint    *columns,
                               guint           n_columns,
                               KilnColumnType  type)
{
  guint failed = 0;
  gboolean target_changed = FALSE;

  g_return_val_if_fail (KILN_IS_PROJECT (self), 0);
  g_return_val_if_fail (self->frame != NULL, 0);

  for (guint i = 0; i < n_columns; i++)
    {
      if (columns[i] >= kiln_frame_get_n_columns (self->frame))
        continue;
      if (g_strcmp0 (kiln_column_get_name (kiln_frame_get_column (self->frame, columns[i])), self->target) == 0)
        target_changed = TRUE;
      g_hash_table_insert (self->column_types,
                           g_strdup (kiln_column_get_name (kiln_frame_get_column (self->frame, columns[i]))),
                           GUINT_TO_POINTER ((guint) type + 1));
    }
  take_frame (self, apply_column_types (self, &failed));
  set_modified (self, TRUE);
  /* the target's type changed: so may the task it suggests */
  if (target_changed)
    kiln_project_set_task (self, kiln_project_guess_task (self));
  return failed;
}

const char *
kiln_project_get_target (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return self->target;
}

void
kiln_project_set_target (KilnProject *self,
                         const char  *target)
{
  g_return_if_fail (KILN_IS_PROJECT (self));

  if (g_strcmp0 (self->target, target) == 0)
    return;
  g_free (self->target);
  self->target = g_strdup (target);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET]);
  kiln_project_set_task (self, kiln_project_guess_task (self));
  set_modified (self, TRUE);
}

KilnTask
kiln_project_get_task (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), KILN_TASK_CLASSIFICATION);
  return self->task;
}

void
kiln_project_set_task (KilnProject *self,
                       KilnTask     task)
{
  g_return_if_fail (KILN_IS_PROJECT (self));

  if (self->task == task)
    return;
  self->task = task;
  self->model_options.task = task;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
  set_modified (self, TRUE);
}

KilnTask
kiln_project_guess_task (KilnProject *self)
{
  int col;

  if (self->frame == NULL || self->target == NULL ||
      (col = kiln_frame_find_column (self->frame, self->target)) < 0)
    return KILN_TASK_CLASSIFICATION;
  switch (kiln_column_get_column_type (kiln_frame_get_column (self->frame, (guint) col)))
    {
    case KILN_COLUMN_NUMERIC:
      return few_whole_numbers (kiln_frame_get_column (self->frame, (guint) col),
                                kiln_frame_get_n_rows (self->frame))
             ? KILN_TASK_CLASSIFICATION : KILN_TASK_REGRESSION;
    case KILN_COLUMN_DATETIME:
      return KILN_TASK_REGRESSION;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_TEXT:
    default:
      return KILN_TASK_CLASSIFICATION;
    }
}

KilnPrepSettings *
kiln_project_get_prep (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return &self->prep;
}

void
kiln_project_prep_changed (KilnProject *self)
{
  g_return_if_fail (KILN_IS_PROJECT (self));
  set_modified (self, TRUE);
  g_signal_emit (self, signals[PREP_CHANGED], 0);
}

const char *
kiln_project_get_model_name (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return self->model_name;
}

void
kiln_project_set_model_name (KilnProject *self,
                             const char  *name)
{
  g_return_if_fail (KILN_IS_PROJECT (self));

  if (g_strcmp0 (self->model_name, name) == 0)
    return;
  g_free (self->model_name);
  self->model_name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_NAME]);
  kiln_project_model_changed (self);
}

KilnModelOptions *
kiln_project_get_model_options (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return &self->model_options;
}

void
kiln_project_model_changed (KilnProject *self)
{
  set_modified (self, TRUE);
  g_signal_emit (self, signals[MODEL_CHANGED], 0);
}

const KilnPipelineResult *
kiln_project_get_result (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return self->current && kiln_run_is_restored (self->current) ? &self->current->result : NULL;
}

GFile *
kiln_project_get_file (KilnProject *self)
{
  return self->file;
}

gboolean
kiln_project_get_modified (KilnProject *self)
{
  return self->modified;
}

/* ---- Saving and loading ---------------------------------------------------------------- */

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_char (JsonBuilder *b, const char *name, char value)
{
  char s[2] = { value, 0 };
  add_string (b, name, value ? s : NULL);
}

/* The settings a training depends on: target, task, prep, model. The project file holds them at
 * its top level, and every run holds a copy of them as they were when it ran. */
static void
settings_to_builder (KilnProject *self, JsonBuilder *b)
{
  KilnModelOptions *mo = &self->model_options;

  add_string (b, "target", self->target);
  add_string (b, "task", kiln_task_to_string (self->task));

  json_builder_set_member_name (b, "prep");
  json_builder_add_value (b, kiln_prep_settings_to_json (&self->prep));

  json_builder_set_member_name (b, "model");
  json_builder_begin_object (b);
  add_string (b, "name", self->model_name);
  json_builder_set_member_name (b, "l2");
  json_builder_add_double_value (b, mo->l2);
  json_builder_set_member_name (b, "max_iter");
  json_builder_add_int_value (b, mo->max_iter);
  json_builder_set_member_name (b, "hidden");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (mo->hidden) && mo->hidden[i]; i++)
    json_builder_add_int_value (b, mo->hidden[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "epochs");
  json_builder_add_int_value (b, mo->epochs);
  json_builder_set_member_name (b, "learning_rate");
  json_builder_add_double_value (b, mo->learning_rate);
  json_builder_set_member_name (b, "batch_size");
  json_builder_add_int_value (b, mo->batch_size);
  json_builder_set_member_name (b, "patience");
  json_builder_add_int_value (b, mo->patience);
  json_builder_set_member_name (b, "max_depth");
  json_builder_add_int_value (b, mo->max_depth);
  json_builder_set_member_name (b, "min_samples_leaf");
  json_builder_add_int_value (b, mo->min_samples_leaf);
  json_builder_set_member_name (b, "n_trees");
  json_builder_add_int_value (b, mo->n_trees);
  json_builder_set_member_name (b, "max_features");
  json_builder_add_double_value (b, mo->max_features);
  json_builder_set_member_name (b, "k");
  json_builder_add_int_value (b, mo->k);
  json_builder_set_member_name (b, "mlp_alpha");
  json_builder_add_double_value (b, mo->mlp_alpha);
  /* boosting's own (it has a learning rate and a depth of its own too) */
  json_builder_set_member_name (b, "gbt");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "learning_rate");
  json_builder_add_double_value (b, mo->gbt.learning_rate);
  json_builder_set_member_name (b, "max_leaves");
  json_builder_add_int_value (b, mo->gbt.max_leaves);
  json_builder_set_member_name (b, "max_depth");
  json_builder_add_int_value (b, mo->gbt.max_depth);
  json_builder_set_member_name (b, "min_samples_leaf");
  json_builder_add_int_value (b, mo->gbt.min_samples_leaf);
  json_builder_set_member_name (b, "l2");
  json_builder_add_double_value (b, mo->gbt.l2);
  json_builder_set_member_name (b, "subsample");
  json_builder_add_double_value (b, mo->gbt.subsample);
  json_builder_set_member_name (b, "colsample");
  json_builder_add_double_value (b, mo->gbt.colsample);
  json_builder_set_member_name (b, "early_stopping");
  json_builder_add_int_value (b, mo->gbt.early_stopping);
  json_builder_set_member_name (b, "max_bins");
  json_builder_add_int_value (b, mo->gbt.max_bins);
  json_builder_set_member_name (b, "min_hessian");
  json_builder_add_double_value (b, mo->gbt.min_hessian);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

/* The project as JSON, each run's "bundle" left null: the bundles (immutable) are appended to
 * @bundles in run order and serialised by save_thread, off the main thread. */
static JsonNode *
project_to_json (KilnProject *self, GFile *dest, GPtrArray *bundles)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GFile) dir = g_file_get_parent (dest);
  g_autofree char *relative = NULL;

  if (self->source)
    {
      g_autoptr(GFile) src = g_file_new_for_path (self->source);
      relative = g_file_get_relative_path (dir, src);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kiln_project");
  json_builder_add_int_value (b, PROJECT_FORMAT);
  add_string (b, "kiln_version", PACKAGE_VERSION);
  add_string (b, "source", self->source);
  add_string (b, "source_relative", relative);

  json_builder_set_member_name (b, "import");
  json_builder_begin_object (b);
  add_string (b, "encoding", self->csv_options.encoding);
  add_char (b, "delimiter", self->csv_options.delimiter);
  add_char (b, "decimal", self->csv_options.decimal);
  json_builder_set_member_name (b, "header");
  json_builder_add_int_value (b, self->csv_options.header);
  json_builder_set_member_name (b, "skip_bad_rows");
  json_builder_add_boolean_value (b, self->csv_options.skip_bad_rows);
  json_builder_set_member_name (b, "na");
  if (self->csv_options.na_values)
    {
      json_builder_begin_array (b);
      for (guint i = 0; self->csv_options.na_values[i]; i++)
        json_builder_add_string_value (b, self->csv_options.na_values[i]);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "column_types");
  json_builder_begin_object (b);
  {
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init (&iter, self->column_types);
    while (g_hash_table_iter_next (&iter, &key, &value))
      add_string (b, key, kiln_column_type_to_string ((KilnColumnType) (GPOINTER_TO_UINT (value) - 1)));
  }
  json_builder_end_object (b);

  settings_to_builder (self, b);

  /* every run: its settings, scores and the model itself (the bundle), so a reopened project
     shows what was shown */
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->runs->len; i++)
    {
      KilnRun *run = self->runs->pdata[i];
      json_builder_begin_object (b);
      add_string (b, "when", run->when);
      json_builder_set_member_name (b, "cancelled");
      json_builder_add_boolean_value (b, run->cancelled);
      json_builder_set_member_name (b, "fit_seconds");
      json_builder_add_double_value (b, run->result.fit_seconds);
      json_builder_set_member_name (b, "settings");
      json_builder_add_value (b, json_node_copy (run->settings));
      json_builder_set_member_name (b, "bundle");
      json_builder_add_null_value (b);
      g_ptr_array_add (bundles, kiln_bundle_ref (run->result.bundle));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* its index in "runs" (ids are the session's own: a deleted run leaves a gap) */
  {
    guint index = 0;
    json_builder_set_member_name (b, "current_run");
    json_builder_add_int_value (b, self->current && g_ptr_array_find (self->runs, self->current, &index)
                                   ? (gint64) index : -1);
  }

  json_builder_end_object (b);
  return json_builder_get_root (b);
}

typedef struct {
  JsonNode  *root;
  GPtrArray *bundles;     /* of KilnBundle*, one per run */
  GFile     *file;
  guint      serial;      /* the project's change serial when the save began */
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  json_node_unref (job->root);
  g_ptr_array_unref (job->bundles);
  g_object_unref (job->file);
  g_free (job);
}

static SaveJob *
save_job_new (KilnProject *self, GFile *file)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->bundles = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_bundle_unref);
  job->root = project_to_json (self, file, job->bundles);
  job->file = g_object_ref (file);
  job->serial = self->change_serial;
  return job;
}

/* Serialises the bundles into the runs and writes the file (atomically): any thread. */
static gboolean
save_job_run (SaveJob *job, GCancellable *cancellable, GError **error)
{
  g_autoptr(GOutputStream) out = NULL;
  g_autofree char *text = NULL;
  gsize length;
  JsonArray *runs = json_object_get_array_member (json_node_get_object (job->root), "runs");

  for (guint i = 0; i < job->bundles->len; i++)
    json_object_set_member (json_array_get_object_element (runs, i), "bundle",
                            kiln_bundle_to_json (job->bundles->pdata[i]));
  text = kiln_json_to_data (job->root, job->bundles->len == 0, &length);
  /* a temporary file, renamed over the old one when it is whole */
  out = kiln_atomic_file_create (job->file, cancellable, error);
  if (out == NULL)
    return FALSE;
  if (!g_output_stream_write_all (out, text, length, NULL, cancellable, error))
    {
      kiln_atomic_file_abort (out);
      return FALSE;
    }
  return g_output_stream_close (out, cancellable, error);
}

static void
save_job_done (KilnProject *self, SaveJob *job)
{
  g_set_object (&self->file, job->file);
  /* changes made while it was being written are still unsaved */
  if (self->change_serial == job->serial)
    set_modified (self, FALSE);
}

gboolean
kiln_project_save (KilnProject  *self,
                   GFile        *file,
                   GError      **error)
{
  SaveJob *job;
  gboolean ok;

  g_return_val_if_fail (KILN_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  job = save_job_new (self, file);
  ok = save_job_run (job, NULL, error);
  if (ok)
    save_job_done (self, job);
  save_job_free (job);
  return ok;
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (save_job_run (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
kiln_project_save_async (KilnProject         *self,
                         GFile               *file,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KILN_IS_PROJECT (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kiln_project_save_async);
  g_task_set_task_data (task, save_job_new (self, file), (GDestroyNotify) save_job_free);
  kiln_task_run_in_thread (task, save_thread);
}

gboolean
kiln_project_save_finish (KilnProject   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!kiln_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  save_job_done (self, g_task_get_task_data (G_TASK (result)));
  return TRUE;
}

static const char *
get_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

static double
get_double (JsonObject *o, const char *name, double fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  /* 1e999 reads as inf, which the project could not be saved with */
  return n && JSON_NODE_HOLDS_VALUE (n) && isfinite (json_node_get_double (n))
         ? json_node_get_double (n) : fallback;
}

static gint64
get_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_int (n) : fallback;
}

static gboolean
get_bool (JsonObject *o, const char *name, gboolean fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_boolean (n) : fallback;
}

static JsonObject *
get_object (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
get_array (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* A "column_types" object (name -> type name; NULL: none) as a table name -> KilnColumnType + 1:
   the types the user chose (the project's), or those a run was trained with (its settings'). */
static GHashTable *
types_from_object (JsonObject *types)
{
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GList) names = types ? json_object_get_members (types) : NULL;

  for (GList *l = names; l; l = l->next)
    {
      const char *s = get_string (types, l->data);
      KilnColumnType type;
      if (s && kiln_column_type_from_string (s, &type))
        g_hash_table_insert (out, g_strdup (l->data), GUINT_TO_POINTER ((guint) type + 1));
    }
  return out;
}

static void
settings_from_object (KilnProject *self, JsonObject *root)
{
  g_autoptr(GError) local = NULL;
  JsonObject *model;
  JsonNode *prep;
  JsonArray *arr;
  const char *s;

  g_free (self->target);
  self->target = g_strdup (get_string (root, "target"));
  if ((s = get_string (root, "task")))
    kiln_task_from_string (s, &self->task);

  prep = json_object_get_member (root, "prep");
  if (prep != NULL && !kiln_prep_settings_from_json (&self->prep, prep, &local))
    g_debug ("prep settings not read: %s", local->message);

  model = get_object (root, "model");
  kiln_model_options_init (&self->model_options, self->task);
  self->model_options.seed = self->prep.seed;
  if (model)
    {
      KilnModelOptions *mo = &self->model_options;
      if ((s = get_string (model, "name")))
        g_free (self->model_name), self->model_name = g_strdup (s);
      mo->l2 = get_double (model, "l2", mo->l2);
      mo->max_iter = (guint) get_int (model, "max_iter", mo->max_iter);
      if ((arr = get_array (model, "hidden")))
        {
          memset (mo->hidden, 0, sizeof mo->hidden);
          guint n = 0;
          for (guint i = 0; i < json_array_get_length (arr) && n < G_N_ELEMENTS (mo->hidden) - 1; i++)
            {
              JsonNode *e = json_array_get_element (arr, i);
              gint64 width = JSON_NODE_HOLDS_VALUE (e) ? json_node_get_int (e) : 0;
              if (width > 0 && width <= G_MAXUINT)   /* a layer of no neurons would end the list */
                mo->hidden[n++] = (guint) width;
            }
        }
      mo->epochs = (guint) get_int (model, "epochs", mo->epochs);
      mo->learning_rate = get_double (model, "learning_rate", mo->learning_rate);
      mo->batch_size = (guint) get_int (model, "batch_size", mo->batch_size);
      mo->patience = (guint) get_int (model, "patience", mo->patience);
      mo->max_depth = (guint) get_int (model, "max_depth", mo->max_depth);
      mo->min_samples_leaf = (guint) get_int (model, "min_samples_leaf", mo->min_samples_leaf);
      mo->n_trees = (guint) get_int (model, "n_trees", mo->n_trees);
      mo->max_features = get_double (model, "max_features", mo->max_features);
      mo->k = (guint) get_int (model, "k", mo->k);
      mo->mlp_alpha = get_double (model, "mlp_alpha", mo->mlp_alpha);
      {
        JsonObject *g = get_object (model, "gbt");
        if (g)
          {
            mo->gbt.learning_rate = get_double (g, "learning_rate", mo->gbt.learning_rate);
            mo->gbt.max_leaves = (guint) get_int (g, "max_leaves", mo->gbt.max_leaves);
            mo->gbt.max_depth = (guint) get_int (g, "max_depth", mo->gbt.max_depth);
            mo->gbt.min_samples_leaf = (guint) get_int (g, "min_samples_leaf", mo->gbt.min_samples_leaf);
            mo->gbt.l2 = get_double (g, "l2", mo->gbt.l2);
            mo->gbt.subsample = get_double (g, "subsample", mo->gbt.subsample);
            mo->gbt.colsample = get_double (g, "colsample", mo->gbt.colsample);
            mo->gbt.early_stopping = (guint) get_int (g, "early_stopping", mo->gbt.early_stopping);
            mo->gbt.max_bins = (guint) get_int (g, "max_bins", mo->gbt.max_bins);
            mo->gbt.min_hessian = get_double (g, "min_hessian", mo->gbt.min_hessian);
          }
      }
    }
}

KilnProject *
kiln_project_load (GFile   *file,
                   GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(KilnProject) self = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *root, *import;
  JsonArray *arr;
  const char *s;
  gint64 current;

  in = G_INPUT_STREAM (g_file_read (file, NULL, error));
  if (in == NULL)
    return NULL;
  if (!json_parser_load_from_stream (parser, in, NULL, &local) ||
      json_parser_get_root (parser) == NULL ||   /* an empty file */
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not a Kiln project (not valid JSON)"), name);
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  if (get_int (root, "kiln_project", 0) < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is not a Kiln project"), name);
      return NULL;
    }
  if (get_int (root, "kiln_project", 0) > PROJECT_FORMAT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s was saved by a newer Kiln; update Kiln to open it"), name);
      return NULL;
    }

  self = kiln_project_new ();
  self->file = g_object_ref (file);

  /* the source: where it was, or beside the project (a project sent with its CSV) */
  s = get_string (root, "source");
  if (s && !g_file_test (s, G_FILE_TEST_EXISTS) && get_string (root, "source_relative"))
    {
      g_autoptr(GFile) dir = g_file_get_parent (file);
      g_autoptr(GFile) rel = g_file_resolve_relative_path (dir, get_string (root, "source_relative"));
      self->source = g_file_get_path (rel);
    }
  else
    self->source = g_strdup (s);

  import = get_object (root, "import");
  if (import)
    {
      self->csv_options.encoding = g_strdup (get_string (import, "encoding"));
      /* one ASCII character (the file saves it as a one-byte string) */
      if ((s = get_string (import, "delimiter")) && (g_ascii_isprint (s[0]) || s[0] == '\t'))
        self->csv_options.delimiter = s[0];
      if ((s = get_string (import, "decimal")) && (s[0] == '.' || s[0] == ','))
        self->csv_options.decimal = s[0];
      self->csv_options.header = (int) get_int (import, "header", -1);
      self->csv_options.skip_bad_rows = get_bool (import, "skip_bad_rows", FALSE);
      if ((arr = get_array (import, "na")))
        {
          guint n = 0;
          self->csv_options.na_values = g_new0 (char *, json_array_get_length (arr) + 1);
          for (guint i = 0; i < json_array_get_length (arr); i++)
            {
              JsonNode *e = json_array_get_element (arr, i);
              if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
                self->csv_options.na_values[n++] = g_strdup (json_node_get_string (e));
            }
        }
    }

  g_hash_table_unref (self->column_types);
  self->column_types = types_from_object (get_object (root, "column_types"));

  settings_from_object (self, root);

  /* the runs: their models now, their scores once the data is read again (restore) */
  current = get_int (root, "current_run", -1);
  if ((arr = get_array (root, "runs")))
    for (guint i = 0; i < json_array_get_length (arr); i++)
      {
        JsonNode *node = json_array_get_element (arr, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
        JsonNode *settings = o ? json_object_get_member (o, "settings") : NULL;
        JsonNode *bundle_node = o ? json_object_get_member (o, "bundle") : NULL;
        g_autoptr(KilnBundle) bundle = NULL;
        KilnRun *run;

        if (settings == NULL || !JSON_NODE_HOLDS_OBJECT (settings) || bundle_node == NULL)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("%s: run %u is damaged"), name, i + 1);
            return NULL;
          }
        bundle = kiln_bundle_from_json (bundle_node, name, error);
        if (bundle == NULL)
          return NULL;
        run = g_new0 (KilnRun, 1);
        run->id = self->next_run_id++;
        run->when = g_strdup (get_string (o, "when"));
        run->cancelled = get_bool (o, "cancelled", FALSE);
        run->settings = json_node_copy (settings);
        run->result.bundle = g_steal_pointer (&bundle);
        run->result.model = kiln_model_ref (kiln_bundle_get_model (run->result.bundle));
        run->result.fit_seconds = get_double (o, "fit_seconds", 0);
        g_ptr_array_add (self->runs, run);
        if ((gint64) i == current)
          self->current = run;
      }
  self->modified = FALSE;
  self->awaiting_data = self->source != NULL;
  return g_steal_pointer (&self);
}

/* ---- Runs --------------------------------------------------------------------------------- */

void
kiln_run_free (KilnRun *run)
{
  kiln_pipeline_result_clear (&run->result);
  g_free (run->when);
  g_free (run->restore_error);
  g_clear_pointer (&run->settings, json_node_unref);
  g_free (run);
}

static JsonNode *
settings_to_json (KilnProject *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  settings_to_builder (self, b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

KilnRun *
kiln_project_add_run (KilnProject              *self,
                      const KilnPipelineResult *result,
                      gboolean                  cancelled)
{
  KilnRun *run;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  g_return_val_if_fail (result != NULL && result->bundle != NULL, NULL);

  run = g_new0 (KilnRun, 1);
  run->id = self->next_run_id++;
  run->when = g_date_time_format_iso8601 (now);
  run->cancelled = cancelled;
  run->settings = settings_to_json (self);
  /* every column's type as trained: a reopened run is scored again on these, whatever the
     project's types are by then */
  {
    JsonObject *types = json_object_new ();
    for (guint c = 0; self->frame && c < kiln_frame_get_n_columns (self->frame); c++)
      {
        KilnColumn *col = kiln_frame_get_column (self->frame, c);
        json_object_set_string_member (types, kiln_column_get_name (col),
                                       kiln_column_type_to_string (kiln_column_get_column_type (col)));
      }
    json_object_set_object_member (json_node_get_object (run->settings), "column_types", types);
  }
  run->result.pipeline = result->pipeline ? kiln_pipeline_ref (result->pipeline) : NULL;
  run->result.model = result->model ? kiln_model_ref (result->model) : NULL;
  run->result.evaluation = result->evaluation ? kiln_evaluation_ref (result->evaluation) : NULL;
  run->result.bundle = kiln_bundle_ref (result->bundle);
  run->result.fit_seconds = result->fit_seconds;
  g_ptr_array_add (self->runs, run);
  g_signal_emit (self, signals[RUNS_CHANGED], 0);
  kiln_project_set_current_run (self, run);
  set_modified (self, TRUE);
  return run;
}

GPtrArray *
kiln_project_get_runs (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return self->runs;
}

guint
kiln_project_remove_run (KilnProject *self,
                         KilnRun     *run)
{
  guint index = 0;

  g_return_val_if_fail (KILN_IS_PROJECT (self), 0);
  g_return_val_if_fail (g_ptr_array_find (self->runs, run, &index), 0);

  g_ptr_array_steal_index (self->runs, index);
  g_signal_emit (self, signals[RUNS_CHANGED], 0);
  if (self->current == run)
    kiln_project_set_current_run (self, self->runs->len ? self->runs->pdata[self->runs->len - 1] : NULL);
  set_modified (self, TRUE);
  return index;
}

void
kiln_project_insert_run (KilnProject *self,
                         KilnRun     *run,
                         guint        index)
{
  g_return_if_fail (KILN_IS_PROJECT (self));
  g_return_if_fail (run != NULL && !g_ptr_array_find (self->runs, run, NULL));

  g_ptr_array_insert (self->runs, (gint) MIN (index, self->runs->len), run);
  g_signal_emit (self, signals[RUNS_CHANGED], 0);
  set_modified (self, TRUE);
}

KilnRun *
kiln_project_get_current_run (KilnProject *self)
{
  g_return_val_if_fail (KILN_IS_PROJECT (self), NULL);
  return self->current;
}

void
kiln_project_set_current_run (KilnProject *self,
                              KilnRun     *run)
{
  g_return_if_fail (KILN_IS_PROJECT (self));
  g_return_if_fail (run == NULL || g_ptr_array_find (self->runs, run, NULL));

  self->current = run;
  g_signal_emit (self, signals[RESULT_CHANGED], 0);
}

gboolean
kiln_run_is_restored (KilnRun *run)
{
  return run->result.pipeline != NULL && run->result.evaluation != NULL;
}

/* ---- Restoring a run: the same split and recipe, the saved model, its scores ---------------- */

typedef struct {
  KilnProject    *settings;   /* a private project holding the run's settings */
  KilnTrainSetup *setup;
  KilnRun        *run;        /* the caller keeps the project, and so the run, alive */
  KilnModel      *model;
  KilnPipelineResult result;
} RestoreData;

static void
restore_data_free (RestoreData *d)
{
  g_clear_object (&d->settings);
  g_clear_pointer (&d->setup, kiln_train_setup_free);
  g_clear_pointer (&d->model, kiln_model_unref);
  kiln_pipeline_result_clear (&d->result);
  g_free (d);
}

static void
restore_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  RestoreData *d = data;
  GError *error = NULL;

  d->result.pipeline = kiln_pipeline_prepare (d->setup->frame, NULL, &d->setup->options, cancellable, &error);
  if (d->result.pipeline)
    d->result.evaluation = kiln_pipeline_evaluate (d->result.pipeline, d->model, &error);
  if (d->result.evaluation)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
kiln_project_restore_run_async (KilnProject         *self,
                                KilnRun             *run,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  RestoreData *d;

  g_return_if_fail (KILN_IS_PROJECT (self));
  g_return_if_fail (run != NULL);

  if (self->frame == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The data is not loaded"));
      return;
    }
  d = g_new0 (RestoreData, 1);
  d->run = run;
  d->model = kiln_model_ref (run->result.model);
  d->settings = kiln_project_new ();
  d->settings->source = g_strdup (self->source);
  {
    /* the data with the column types the run was trained with (a project saved before runs kept
       them: the current ones) */
    JsonObject *types = get_object (json_node_get_object (run->settings), "column_types");
    if (types && self->raw_frame)
      {
        g_autoptr(GHashTable) map = types_from_object (types);
        d->settings->frame = convert_columns (self->raw_frame, map, self->csv_options.decimal, NULL);
      }
    else
      d->settings->frame = kiln_frame_ref (self->frame);
  }
  settings_from_object (d->settings, json_node_get_object (run->settings));
  g_task_set_task_data (task, d, (GDestroyNotify) restore_data_free);
  d->setup = kiln_train_setup_new (d->settings, &error);
  if (d->setup == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  kiln_task_run_in_thread (task, restore_thread);
}

gboolean
kiln_project_restore_run_finish (KilnProject   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  RestoreData *d = g_task_get_task_data (G_TASK (result));
  GError *local = NULL;

  if (!kiln_task_propagate_boolean (G_TASK (result), &local))
    {
      /* the pages say so instead of waiting for scores that will not come */
      if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) && g_ptr_array_find (self->runs, d->run, NULL))
        {
          g_free (d->run->restore_error);
          d->run->restore_error = g_strdup (local->message);
          if (d->run == self->current)
            g_signal_emit (self, signals[RESULT_CHANGED], 0);
        }
      g_propagate_error (error, local);
      return FALSE;
    }
  if (!g_ptr_array_find (self->runs, d->run, NULL))
    return TRUE;   /* deleted meanwhile */
  g_clear_pointer (&d->run->result.pipeline, kiln_pipeline_unref);
  g_clear_pointer (&d->run->result.evaluation, kiln_evaluation_unref);
  d->run->result.pipeline = g_steal_pointer (&d->result.pipeline);
  d->run->result.evaluation = g_steal_pointer (&d->result.evaluation);
  if (d->run == self->current)
    g_signal_emit (self, signals[RESULT_CHANGED], 0);
  g_signal_emit (self, signals[RUNS_CHANGED], 0);
  return TRUE;
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  KilnProject *project = kiln_project_load (task_data, &error);

  if (project)
    {
      /* each model's hash serialises it: here, not when the Export step first shows it */
      for (guint i = 0; i < project->runs->len; i++)
        kiln_bundle_get_content_hash (((KilnRun *) project->runs->pdata[i])->result.bundle);
      g_task_return_pointer (task, project, g_object_unref);
    }
  else
    g_task_return_error (task, error);
}

void
kiln_project_load_async (GFile               *file,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, kiln_project_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  kiln_task_run_in_thread (task, load_thread);
}

KilnProject *
kiln_project_load_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return kiln_task_propagate_pointer (G_TASK (result), error);
}
