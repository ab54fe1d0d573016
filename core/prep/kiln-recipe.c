/* kiln-recipe.c: the recipe: its steps and target, fitting it on training rows and applying it
 * to any frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-number.h"
#include "kiln-prep-private.h"

/* ---- Recipe ------------------------------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (KilnRecipe, kiln_recipe, kiln_recipe_ref, kiln_recipe_unref)

KilnRecipe *
kiln_recipe_new (void)
{
  KilnRecipe *recipe = g_new0 (KilnRecipe, 1);

  g_atomic_ref_count_init (&recipe->ref_count);
  recipe->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_step_free);
  recipe->task = KILN_TASK_CLASSIFICATION;
  recipe->target_type = KILN_COLUMN_NUMERIC;
  return recipe;
}

KilnRecipe *
kiln_recipe_ref (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  g_atomic_ref_count_inc (&recipe->ref_count);
  return recipe;
}

static void
free_columns (KilnRecipeColumn *cols, guint n)
{
  for (guint i = 0; i < n; i++)
    g_free (cols[i].name);
  g_free (cols);
}

void
kiln_recipe_unref (KilnRecipe *recipe)
{
  g_return_if_fail (recipe != NULL);
  if (!g_atomic_ref_count_dec (&recipe->ref_count))
    return;
  g_ptr_array_unref (recipe->steps);
  g_free (recipe->target);
  g_strfreev (recipe->classes);
  g_strfreev (recipe->features);
  g_strfreev (recipe->onehot);
  g_free (recipe->onehot_levels);
  free_columns (recipe->inputs, recipe->n_inputs);
  free_columns (recipe->schema, recipe->n_schema);
  g_free (recipe);
}

KilnRecipe *
kiln_recipe_copy_unfitted (KilnRecipe *recipe, guint n_steps)
{
  KilnRecipe *copy;

  g_return_val_if_fail (recipe != NULL, NULL);
  copy = kiln_recipe_new ();
  copy->target = g_strdup (recipe->target);
  copy->task_set = recipe->task_set;
  copy->keeps_missing = recipe->keeps_missing;
  copy->task = recipe->task;
  for (guint i = 0; i < MIN (n_steps, recipe->steps->len); i++)
    g_ptr_array_add (copy->steps, _kiln_step_copy_asked (recipe->steps->pdata[i]));
  return copy;
}

void
kiln_recipe_add_step (KilnRecipe *recipe, KilnStep *step)
{
  g_return_if_fail (recipe != NULL);
  g_return_if_fail (step != NULL);
  g_return_if_fail (!recipe->fitted);
  g_ptr_array_add (recipe->steps, step);
}

guint
kiln_recipe_get_n_steps (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, 0);
  return recipe->steps->len;
}

KilnStep *
kiln_recipe_get_step (KilnRecipe *recipe, guint index)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (index < recipe->steps->len, NULL);
  return recipe->steps->pdata[index];
}

void
kiln_recipe_set_target (KilnRecipe *recipe, const char *column)
{
  g_return_if_fail (recipe != NULL);
  g_return_if_fail (!recipe->fitted);
  g_free (recipe->target);
  recipe->target = g_strdup (column);
}

void
kiln_recipe_set_task (KilnRecipe *recipe, KilnTask task)
{
  g_return_if_fail (recipe != NULL);
  g_return_if_fail (!recipe->fitted);
  g_return_if_fail (task == KILN_TASK_CLASSIFICATION || task == KILN_TASK_REGRESSION);
  recipe->task = task;
  recipe->task_set = TRUE;
}

const char *
kiln_recipe_get_target (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  return recipe->target;
}

void
kiln_recipe_set_keeps_missing (KilnRecipe *recipe,
                               gboolean    keeps_missing)
{
  g_return_if_fail (recipe != NULL);
  recipe->keeps_missing = !!keeps_missing;
}

gboolean
kiln_recipe_get_keeps_missing (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, FALSE);
  return recipe->keeps_missing;
}

KilnTask
kiln_recipe_get_task (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, KILN_TASK_CLASSIFICATION);
  return recipe->task;
}

gboolean
kiln_recipe_is_fitted (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, FALSE);
  return recipe->fitted;
}

KilnColumnType
kiln_recipe_get_target_type (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, KILN_COLUMN_NUMERIC);
  return recipe->target_type;
}

const char * const *
kiln_recipe_get_classes (KilnRecipe *recipe, guint *n_classes)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  if (n_classes)
    *n_classes = recipe->n_classes;
  return (const char * const *) recipe->classes;
}

const char * const *
kiln_recipe_get_feature_names (KilnRecipe *recipe, guint *n_features)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  if (n_features)
    *n_features = recipe->n_features;
  return (const char * const *) recipe->features;
}

guint
kiln_recipe_get_n_text_features (KilnRecipe *recipe)
{
  g_return_val_if_fail (recipe != NULL, 0);
  return recipe->n_text;
}

KilnFrame *
kiln_recipe_conform (KilnRecipe  *recipe,
                     KilnFrame   *raw,
                     gboolean     with_target,
                     GError     **error)
{
  g_autofree KilnColumnSpec *specs = NULL;

  g_return_val_if_fail (recipe != NULL && raw != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  specs = g_new (KilnColumnSpec, recipe->n_inputs + 1);
  memcpy (specs, recipe->inputs, recipe->n_inputs * sizeof (KilnColumnSpec));
  if (with_target && recipe->target == NULL)
    {
      g_set_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_NO_COLUMN,
                   _("The data has no target column “%s”"), "");
      return NULL;
    }
  if (with_target)
    specs[recipe->n_inputs] = (KilnColumnSpec) { recipe->target, recipe->target_type };
  if (with_target && kiln_frame_find_column (raw, recipe->target) < 0)
    {
      g_set_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_NO_COLUMN,
                   _("The data has no target column “%s”"), recipe->target);
      return NULL;
    }
  return kiln_conform_frame (raw, specs, recipe->n_inputs + (with_target ? 1 : 0), error);
}

const KilnRecipeColumn *
kiln_recipe_get_input_columns (KilnRecipe *recipe, guint *n_columns)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  if (n_columns)
    *n_columns = recipe->n_inputs;
  return recipe->inputs;
}

/* ---- Classes ------------------------------------------------------------------------------ */

/* The cell of a target column as a class name; NULL when missing. */
char *
_kiln_prep_class_name (KilnColumn *column, guint p)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (kiln_column_is_missing (column, p))
    return NULL;
  switch (kiln_column_get_column_type (column))
    {
    case KILN_COLUMN_NUMERIC:
      return g_strdup (kiln_format_double (buf, sizeof buf, kiln_column_get_doubles (column)[p]));
    case KILN_COLUMN_BOOLEAN:
      return g_strdup (kiln_column_get_booleans (column)[p] ? "True" : "False");
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    case KILN_COLUMN_DATETIME:
    default:
      return kiln_column_format_cell (column, p);
    }
}

typedef struct {
  char   *name;
  double  value;
} ClassItem;

static int
compare_class_numeric (gconstpointer a, gconstpointer b)
{
  const ClassItem *x = a, *y = b;
  return (x->value > y->value) - (x->value < y->value);
}

static int
compare_class_string (gconstpointer a, gconstpointer b)
{
  return strcmp (((const ClassItem *) a)->name, ((const ClassItem *) b)->name);
}

static void
fit_classes (KilnRecipe *recipe, KilnPrepWork *work, int t)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) t);
  KilnColumn *col = wc->column;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (ClassItem));
  GPtrArray *names = g_ptr_array_new ();

  switch (kiln_column_get_column_type (col))
    {
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
      {
        guint nc = kiln_column_get_n_categories (col);
        g_autofree guint8 *seen = g_new0 (guint8, MAX (nc, 1));
        const gint32 *codes = kiln_column_get_codes (col);
        for (guint r = 0; r < work->n_rows; r++)
          {
            gint32 c = codes[_kiln_prep_row (wc, r)];
            if (c >= 0)
              seen[c] = 1;
          }
        for (guint c = 0; c < nc; c++)
          if (seen[c])
            {
              ClassItem it = { g_strdup (kiln_column_get_category (col, c)), 0 };
              g_array_append_val (items, it);
            }
        g_array_sort (items, compare_class_string);
        break;
      }
    case KILN_COLUMN_BOOLEAN:
      {
        gboolean seen[2] = { FALSE, FALSE };
        for (guint r = 0; r < work->n_rows; r++)
          {
            guint p = _kiln_prep_row (wc, r);
            if (!kiln_column_is_missing (col, p))
              seen[kiln_column_get_booleans (col)[p] ? 1 : 0] = TRUE;
          }
        for (guint b = 0; b < 2; b++)
          if (seen[b])
            {
              ClassItem it = { g_strdup (b ? "True" : "False"), b };
              g_array_append_val (items, it);
            }
        break;
      }
    case KILN_COLUMN_NUMERIC:
    case KILN_COLUMN_DATETIME:
    default:
      {
        g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        for (guint r = 0; r < work->n_rows; r++)
          {
            guint p = _kiln_prep_row (wc, r);
            char *name = _kiln_prep_class_name (col, p);
            if (name == NULL)
              continue;
            if (g_hash_table_contains (seen, name))
              {
                g_free (name);
                continue;
              }
            ClassItem it = { g_strdup (name), kiln_column_get_double (col, p) };
            g_array_append_val (items, it);
            g_hash_table_add (seen, name);
          }
        g_array_sort (items, compare_class_numeric);
        break;
      }
    }
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (names, g_array_index (items, ClassItem, i).name);
  recipe->n_classes = names->len;
  g_ptr_array_add (names, NULL);
  recipe->classes = (char **) g_ptr_array_free (names, FALSE);
}

/* Runs the recipe over @frame. When @fitting, each step learns first, and the recipe's fitted
 * state (schema, features, classes, inputs) is filled. Returns the work (the caller frees). */
static KilnPrepWork *
run (KilnRecipe      *recipe,
     KilnFrame       *frame,
     gboolean         training,
     gboolean         fitting,
     gboolean         keep_codes,
     KilnPrepReport  *report,
     GError         **error)
{
  g_autoptr(GPtrArray) placeholders = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(KilnFrame) conformed = NULL;
  KilnPrepWork *work;
  int t = -1;

  if (fitting)
    {
      recipe->n_schema = kiln_frame_get_n_columns (frame);
      recipe->schema = g_new0 (KilnRecipeColumn, MAX (recipe->n_schema, 1));
      for (guint c = 0; c < recipe->n_schema; c++)
        {
          KilnColumn *col = kiln_frame_get_column (frame, c);
          recipe->schema[c].name = g_strdup (kiln_column_get_name (col));
          recipe->schema[c].type = kiln_column_get_column_type (col);
        }
      conformed = kiln_frame_ref (frame);
      recipe->coded = _kiln_recipe_codable (recipe, frame);
    }
  else
    {
      conformed = _kiln_recipe_conform_frame (recipe, frame, placeholders, error);
      if (conformed == NULL)
        return NULL;
    }

  work = _kiln_prep_work_new (conformed, training);
  work->keep_codes = recipe->coded;
  for (guint i = 0; i < placeholders->len; i++)
    _kiln_prep_work_column (work, (guint) _kiln_prep_work_find (work, placeholders->pdata[i]))->flags
      |= KILN_PREP_COL_PLACEHOLDER;

  /* the target */
  if (recipe->target)
    {
      t = _kiln_prep_work_find (work, recipe->target);
      if (t < 0 && fitting)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                       _("There is no target column “%s”"), recipe->target);
          goto fail;
        }
    }
  if (t >= 0)
    {
      KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) t);
      const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
      KilnColumnType type = kiln_column_get_column_type (wc->column);

      wc->flags |= KILN_PREP_COL_TARGET;
      if (fitting)
        {
          if (type == KILN_COLUMN_DATETIME)
            {
              g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                           _("The target “%s” holds dates; Kiln cannot predict dates"),
                           recipe->target);
              goto fail;
            }
          if (!recipe->task_set)
            recipe->task = type == KILN_COLUMN_NUMERIC ? KILN_TASK_REGRESSION
                                                       : KILN_TASK_CLASSIFICATION;
          else if (recipe->task == KILN_TASK_REGRESSION && !kiln_column_is_numeric_like (wc->column))
            {
              g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                           _("The target “%s” is not numeric; regression needs numbers"),
                           recipe->target);
              goto fail;
            }
          recipe->target_type = type;
        }
      if (missing)
        {
          KilnPrepEntry *entry = report ? _kiln_prep_entry_new (KILN_STEP_TARGET, G_MAXUINT, work)
                                        : NULL;
          g_autofree guint8 *keep = g_new (guint8, MAX (work->n_rows, 1));
          for (guint r = 0; r < work->n_rows; r++)
            keep[r] = !kiln_bitmap_get (missing, _kiln_prep_row (wc, r));
          _kiln_prep_work_keep_rows (work, keep);
          if (entry)
            {
              entry->rows_out = work->n_rows;
              entry->count = entry->rows_in - entry->rows_out;
              entry->description = _kiln_prep_describe_entry (entry, NULL, training);
              if (entry->count)
                g_ptr_array_add (report->entries, entry);
              else
                _kiln_prep_entry_free (entry);
            }
        }
    }

  for (guint s = 0; s < recipe->steps->len; s++)
    {
      KilnStep *step = recipe->steps->pdata[s];
      KilnPrepEntry *entry = report ? _kiln_prep_entry_new (step->kind, s, work) : NULL;
      gboolean ok = TRUE;
      gint64 start = g_get_monotonic_time ();

      if (fitting)
        {
          _kiln_step_clear_fitted (step);
          switch (step->kind)
            {
            case KILN_STEP_DROP_COLUMNS:
              ok = _kiln_step_drop_fit (step, work, error);
              break;
            case KILN_STEP_DEDUPE:
              _kiln_step_set_columns (step, g_ptr_array_new ());
              break;
            case KILN_STEP_IQR:
              ok = _kiln_step_iqr_fit (step, work, error);
              break;
            case KILN_STEP_IMPUTE:
              ok = _kiln_step_impute_fit (step, work, error);
              break;
            case KILN_STEP_ENCODE:
              ok = _kiln_step_encode_fit (step, work, error);
              break;
            case KILN_STEP_SCALE:
              ok = _kiln_step_scale_fit (step, work, error);
              break;
            case KILN_STEP_TEXT:
              ok = _kiln_step_text_fit (step, work, error);
              break;
            case KILN_STEP_TARGET:
            default:
              g_assert_not_reached ();
            }
          step->fitted = ok;
        }
      if (ok)
        switch (step->kind)
          {
          case KILN_STEP_DROP_COLUMNS:
            ok = _kiln_step_drop_apply (step, work, entry, error);
            break;
          case KILN_STEP_DEDUPE:
            ok = _kiln_step_dedupe_apply (step, work, entry, error);
            break;
          case KILN_STEP_IQR:
            ok = _kiln_step_iqr_apply (step, work, entry, error);
            break;
          case KILN_STEP_IMPUTE:
            ok = _kiln_step_impute_apply (step, work, entry, error);
            break;
          case KILN_STEP_ENCODE:
            ok = _kiln_step_encode_apply (step, work, entry, error);
            break;
          case KILN_STEP_SCALE:
            ok = _kiln_step_scale_apply (step, work, entry, error);
            break;
          case KILN_STEP_TEXT:
            ok = _kiln_step_text_apply (step, work, entry, error);
            break;
          case KILN_STEP_TARGET:
          default:
            g_assert_not_reached ();
          }
      if (!ok)
        {
          _kiln_prep_entry_free (entry);
          goto fail;
        }
      if (fitting && recipe->progress)
        recipe->progress ((double) (s + 1) / recipe->steps->len, recipe->progress_data);
      if (entry)
        {
          entry->rows_out = work->n_rows;
          entry->columns_out = _kiln_prep_work_width (work);
          entry->seconds = (g_get_monotonic_time () - start) / 1e6;
          entry->description = _kiln_prep_describe_entry (entry, step, training);
          g_ptr_array_add (report->entries, entry);
        }
    }

  /* placeholders go, the target goes last */
  for (guint i = work->columns->len; i-- > 0;)
    if (_kiln_prep_work_column (work, i)->flags & KILN_PREP_COL_PLACEHOLDER)
      _kiln_prep_work_remove (work, i);
  for (guint i = 0; i < work->columns->len; i++)
    if (_kiln_prep_work_column (work, i)->flags & KILN_PREP_COL_TARGET)
      {
        gpointer wc = g_ptr_array_steal_index (work->columns, i);
        g_ptr_array_add (work->columns, wc);
        break;
      }

  if (fitting)
    {
      GPtrArray *features = g_ptr_array_new ();
      g_autoptr(GPtrArray) onehot = g_ptr_array_new ();
      GArray *inputs = g_array_new (FALSE, TRUE, sizeof (KilnRecipeColumn));

      /* the other features first, then each one-hot group (the dataset's one-hot view) */
      for (guint i = 0; i < work->columns->len; i++)
        if (_kiln_prep_work_is_feature (work, i))
          g_ptr_array_add (features, g_strdup (_kiln_prep_work_name (work, i)));
        else if (_kiln_prep_work_column (work, i)->flags & KILN_PREP_COL_ONEHOT)
          g_ptr_array_add (onehot, (gpointer) _kiln_prep_work_name (work, i));
      for (guint g = 0; g < onehot->len; g++)
        {
          KilnColumn *col = _kiln_prep_work_column (work, (guint) _kiln_prep_work_find (work, onehot->pdata[g]))->column;
          for (guint c = 0; c < kiln_column_get_n_categories (col); c++)
            g_ptr_array_add (features, g_strdup_printf ("%s=%s", (const char *) onehot->pdata[g],
                                                        kiln_column_get_category (col, c)));
        }
      /* then the text features */
      recipe->n_text = _kiln_recipe_text_width (recipe);
      _kiln_recipe_text_names (recipe, features);
      recipe->n_features = features->len;
      g_ptr_array_add (features, NULL);
      recipe->features = (char **) g_ptr_array_free (features, FALSE);
      if (recipe->coded)
        {
          g_ptr_array_add (onehot, NULL);
          if (!_kiln_recipe_set_onehot (recipe, (char **) onehot->pdata, error))
            {
              g_array_free (inputs, TRUE);
              goto fail;
            }
        }

      for (guint c = 0; c < recipe->n_schema; c++)
        {
          const char *name = recipe->schema[c].name;
          gboolean used = FALSE;

          if (g_strcmp0 (name, recipe->target) == 0)
            continue;
          used = g_strv_contains ((const char * const *) recipe->features, name);
          for (guint s = 0; !used && s < recipe->steps->len; s++)
            {
              KilnStep *step = recipe->steps->pdata[s];
              if ((step->kind == KILN_STEP_ENCODE || step->kind == KILN_STEP_TEXT) && step->columns &&
                  g_strv_contains ((const char * const *) step->columns, name))
                used = TRUE;
            }
          if (used)
            {
              KilnRecipeColumn rc = { g_strdup (name), recipe->schema[c].type };
              g_array_append_val (inputs, rc);
            }
        }
      recipe->n_inputs = inputs->len;
      recipe->inputs = (KilnRecipeColumn *) g_array_free (inputs, FALSE);

      if (t >= 0 && recipe->task == KILN_TASK_CLASSIFICATION)
        fit_classes (recipe, work, (int) work->columns->len - 1);
    }
  if (!keep_codes)
    _kiln_prep_work_expand_onehot (work);
  return work;

fail:
  _kiln_prep_work_free (work);
  return NULL;
}

static void
clear_fitted (KilnRecipe *recipe)
{
  g_clear_pointer (&recipe->classes, g_strfreev);
  g_clear_pointer (&recipe->features, g_strfreev);
  g_clear_pointer (&recipe->onehot, g_strfreev);
  g_clear_pointer (&recipe->onehot_levels, g_free);
  recipe->coded = FALSE;
  recipe->n_onehot = recipe->n_dense = recipe->n_text = 0;
  free_columns (recipe->inputs, recipe->n_inputs);
  free_columns (recipe->schema, recipe->n_schema);
  recipe->inputs = recipe->schema = NULL;
  recipe->n_inputs = recipe->n_schema = recipe->n_classes = recipe->n_features = 0;
  for (guint s = 0; s < recipe->steps->len; s++)
    _kiln_step_clear_fitted (recipe->steps->pdata[s]);
}

static KilnFrame *
fit_apply (KilnRecipe      *recipe,
           KilnFrame       *train,
           gboolean         keep_codes,
           KilnPrepReport  *report,
           GError         **error)
{
  KilnPrepWork *work;
  KilnFrame *out;

  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (train != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (recipe->fitted)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE,
                   _("The recipe is already fitted; copy it to fit it again"));
      return NULL;
    }
  work = run (recipe, train, TRUE, TRUE, keep_codes, report, error);
  if (work == NULL)
    {
      clear_fitted (recipe);
      return NULL;
    }
  recipe->fitted = TRUE;
  out = _kiln_prep_work_to_frame (work);
  _kiln_prep_work_free (work);
  return out;
}

KilnFrame *
kiln_recipe_fit_apply (KilnRecipe      *recipe,
                       KilnFrame       *train,
                       KilnPrepReport  *report,
                       GError         **error)
{
  return fit_apply (recipe, train, FALSE, report, error);
}

KilnFrame *
kiln_recipe_fit_apply_coded (KilnRecipe      *recipe,
                             KilnFrame       *train,
                             KilnPrepReport  *report,
                             GError         **error)
{
  return fit_apply (recipe, train, TRUE, report, error);
}

void
kiln_recipe_set_progress (KilnRecipe *recipe,
                          void      (*progress) (double fraction, gpointer data),
                          gpointer    data)
{
  g_return_if_fail (recipe != NULL);
  recipe->progress = progress;
  recipe->progress_data = data;
}

gboolean
kiln_recipe_fit (KilnRecipe      *recipe,
                 KilnFrame       *train,
                 KilnPrepReport  *report,
                 GError         **error)
{
  KilnFrame *out = fit_apply (recipe, train, TRUE, report, error);

  if (out == NULL)
    return FALSE;
  kiln_frame_unref (out);
  /* no training dataset follows: the text steps' training features are not needed */
  for (guint s = 0; s < recipe->steps->len; s++)
    {
      KilnStep *step = recipe->steps->pdata[s];
      for (guint i = 0; step->kind == KILN_STEP_TEXT && i < step->n_columns; i++)
        _kiln_text_vocab_drop_training (step->vocab[i]);
    }
  return TRUE;
}

static KilnFrame *
apply (KilnRecipe      *recipe,
       KilnFrame       *frame,
       gboolean         is_training,
       gboolean         keep_codes,
       KilnPrepReport  *report,
       GError         **error)
{
  KilnPrepWork *work;
  KilnFrame *out;

  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!recipe->fitted)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE,
                   _("The recipe has not been fitted to training data yet"));
      return NULL;
    }
  work = run (recipe, frame, is_training, FALSE, keep_codes, report, error);
  if (work == NULL)
    return NULL;
  out = _kiln_prep_work_to_frame (work);
  _kiln_prep_work_free (work);
  return out;
}


KilnFrame *
kiln_recipe_apply (KilnRecipe      *recipe,
                   KilnFrame       *frame,
                   gboolean         is_training,
                   KilnPrepReport  *report,
                   GError         **error)
{
  return apply (recipe, frame, is_training, FALSE, report, error);
}

KilnFrame *
kiln_recipe_apply_coded (KilnRecipe      *recipe,
                         KilnFrame       *frame,
                         gboolean         is_training,
                         KilnPrepReport  *report,
                         GError         **error)
{
  return apply (recipe, frame, is_training, TRUE, report, error);
}
