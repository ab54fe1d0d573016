/* kiln-recipe.c: steps, the recipe, fitting and applying it, and the data set it feeds models.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-memory.h"
#include "kiln-number.h"
#include "kiln-prep-private.h"

/* ---- Names -------------------------------------------------------------------------------- */

static const char *kind_names[] = {
  [KILN_STEP_DROP_COLUMNS] = "drop_columns",
  [KILN_STEP_DEDUPE] = "dedupe",
  [KILN_STEP_IQR] = "iqr",
  [KILN_STEP_IMPUTE] = "impute",
  [KILN_STEP_ENCODE] = "encode",
  [KILN_STEP_SCALE] = "scale",
  [KILN_STEP_TARGET] = "target",
};
static const char *impute_names[] = {
  [KILN_IMPUTE_MEAN] = "mean",
  [KILN_IMPUTE_MEDIAN] = "median",
  [KILN_IMPUTE_MODE] = "mode",
  [KILN_IMPUTE_CONSTANT] = "constant",
  [KILN_IMPUTE_DROP] = "drop",
};
static const char *encoding_names[] = {
  [KILN_ENCODE_ONEHOT] = "onehot",
  [KILN_ENCODE_ORDINAL] = "ordinal",
};
static const char *scaling_names[] = {
  [KILN_SCALE_NONE] = "none",
  [KILN_SCALE_STANDARD] = "standard",
  [KILN_SCALE_MINMAX] = "minmax",
};

static gboolean
lookup_name (const char * const *names, guint n, const char *str, int *out)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], str) == 0)
      {
        *out = (int) i;
        return TRUE;
      }
  return FALSE;
}

#define NAME_FUNCS(prefix, Type, names)                                                     \
  const char *prefix##_to_string (Type v)                                                   \
  {                                                                                         \
    g_return_val_if_fail ((guint) v < G_N_ELEMENTS (names), NULL);                          \
    return names[v];                                                                        \
  }                                                                                         \
  gboolean prefix##_from_string (const char *str, Type *out)                                \
  {                                                                                         \
    int i;                                                                                  \
    if (!lookup_name (names, G_N_ELEMENTS (names), str, &i))                                \
      return FALSE;                                                                         \
    *out = (Type) i;                                                                        \
    return TRUE;                                                                            \
  }

NAME_FUNCS (kiln_step_kind, KilnStepKind, kind_names)
NAME_FUNCS (kiln_impute_strategy, KilnImputeStrategy, impute_names)
NAME_FUNCS (kiln_encoding, KilnEncoding, encoding_names)
NAME_FUNCS (kiln_scaling, KilnScaling, scaling_names)

/* ---- Steps -------------------------------------------------------------------------------- */

KilnStep *
_kiln_step_new (KilnStepKind kind, const char * const *columns)
{
  KilnStep *step = g_new0 (KilnStep, 1);

  step->kind = kind;
  step->asked = columns ? g_strdupv ((char **) columns) : NULL;
  step->k = 1.5;
  step->const_number = NAN;
  return step;
}

KilnStep *
kiln_step_new_drop_columns (const char * const *columns)
{
  g_return_val_if_fail (columns != NULL, NULL);
  return _kiln_step_new (KILN_STEP_DROP_COLUMNS, columns);
}

KilnStep *
kiln_step_new_dedupe (void)
{
  return _kiln_step_new (KILN_STEP_DEDUPE, NULL);
}

KilnStep *
kiln_step_new_iqr (double k, KilnIqrAction action, const char * const *columns)
{
  KilnStep *step;

  g_return_val_if_fail (k >= 0 && isfinite (k), NULL);
  g_return_val_if_fail (action == KILN_IQR_DROP || action == KILN_IQR_CLIP, NULL);
  step = _kiln_step_new (KILN_STEP_IQR, columns);
  step->k = k;
  step->action = action;
  return step;
}

KilnStep *
kiln_step_new_impute (KilnImputeStrategy strategy, const char * const *columns)
{
  KilnStep *step;

  g_return_val_if_fail (strategy <= KILN_IMPUTE_DROP, NULL);
  g_return_val_if_fail (strategy != KILN_IMPUTE_CONSTANT, NULL);
  step = _kiln_step_new (KILN_STEP_IMPUTE, columns);
  step->strategy = strategy;
  return step;
}

KilnStep *
kiln_step_new_impute_constant (double number, const char *text, const char * const *columns)
{
  KilnStep *step;

  g_return_val_if_fail (isfinite (number), NULL);
  step = _kiln_step_new (KILN_STEP_IMPUTE, columns);
  step->strategy = KILN_IMPUTE_CONSTANT;
  step->const_number = number;
  step->const_text = g_strdup (text);
  return step;
}

KilnStep *
kiln_step_new_encode (KilnEncoding encoding, const char * const *columns)
{
  KilnStep *step;

  g_return_val_if_fail (encoding <= KILN_ENCODE_ORDINAL, NULL);
  step = _kiln_step_new (KILN_STEP_ENCODE, columns);
  step->encoding = encoding;
  return step;
}

KilnStep *
kiln_step_new_scale (KilnScaling scaling, const char * const *columns)
{
  KilnStep *step;

  g_return_val_if_fail (scaling <= KILN_SCALE_MINMAX, NULL);
  step = _kiln_step_new (KILN_STEP_SCALE, columns);
  step->scaling = scaling;
  return step;
}

KilnStep *
_kiln_step_copy_asked (KilnStep *src)
{
  KilnStep *step = _kiln_step_new (src->kind, (const char * const *) src->asked);

  step->k = src->k;
  step->action = src->action;
  step->strategy = src->strategy;
  step->const_number = src->const_number;
  step->const_text = g_strdup (src->const_text);
  step->encoding = src->encoding;
  step->scaling = src->scaling;
  return step;
}

static void
step_clear_fitted (KilnStep *step)
{
  g_clear_pointer (&step->columns, g_strfreev);
  g_clear_pointer (&step->q1, g_free);
  g_clear_pointer (&step->q3, g_free);
  g_clear_pointer (&step->lower, g_free);
  g_clear_pointer (&step->upper, g_free);
  g_clear_pointer (&step->col_strategy, g_free);
  g_clear_pointer (&step->fill_number, g_free);
  if (step->fill_text)
    {
      for (guint i = 0; i < step->n_columns; i++)
        g_free (step->fill_text[i]);
      g_clear_pointer (&step->fill_text, g_free);
    }
  if (step->categories)
    {
      for (guint i = 0; i < step->n_columns; i++)
        g_clear_pointer (&step->categories[i], g_ptr_array_unref);
      g_clear_pointer (&step->categories, g_free);
    }
  g_clear_pointer (&step->offset, g_free);
  g_clear_pointer (&step->scale, g_free);
  step->n_columns = 0;
  step->fitted = FALSE;
}

void
kiln_step_free (KilnStep *step)
{
  if (step == NULL)
    return;
  step_clear_fitted (step);
  g_strfreev (step->asked);
  g_free (step->const_text);
  g_free (step);
}

KilnStepKind
kiln_step_get_kind (KilnStep *step)
{
  g_return_val_if_fail (step != NULL, KILN_STEP_DEDUPE);
  return step->kind;
}

static char *
join_columns (char **columns)
{
  return columns ? g_strjoinv (", ", columns) : g_strdup (_("all columns"));
}

char *
kiln_step_describe (KilnStep *step)
{
  g_autofree char *cols = NULL;

  g_return_val_if_fail (step != NULL, NULL);
  cols = join_columns (step->asked);
  switch (step->kind)
    {
    case KILN_STEP_DROP_COLUMNS:
      return g_strdup_printf (_("Drop columns: %s"), cols);
    case KILN_STEP_DEDUPE:
      return g_strdup (_("Remove duplicate rows"));
    case KILN_STEP_IQR:
      return step->action == KILN_IQR_CLIP
             ? g_strdup_printf (_("Clip outliers beyond %g × IQR (%s)"), step->k, cols)
             : g_strdup_printf (_("Remove rows with outliers beyond %g × IQR (%s)"), step->k, cols);
    case KILN_STEP_IMPUTE:
      switch (step->strategy)
        {
        case KILN_IMPUTE_MEAN:
          return g_strdup_printf (_("Fill missing values with the mean (%s)"), cols);
        case KILN_IMPUTE_MEDIAN:
          return g_strdup_printf (_("Fill missing values with the median (%s)"), cols);
        case KILN_IMPUTE_MODE:
          return g_strdup_printf (_("Fill missing values with the most frequent value (%s)"), cols);
        case KILN_IMPUTE_CONSTANT:
          return g_strdup_printf (_("Fill missing values with a constant (%s)"), cols);
        case KILN_IMPUTE_DROP:
        default:
          return g_strdup_printf (_("Remove rows with missing values (%s)"), cols);
        }
    case KILN_STEP_ENCODE:
      return step->encoding == KILN_ENCODE_ONEHOT
             ? g_strdup_printf (_("One-hot encode categories (%s)"), cols)
             : g_strdup_printf (_("Number categories in order (%s)"), cols);
    case KILN_STEP_SCALE:
      switch (step->scaling)
        {
        case KILN_SCALE_STANDARD:
          return g_strdup_printf (_("Standardise to mean 0, deviation 1 (%s)"), cols);
        case KILN_SCALE_MINMAX:
          return g_strdup_printf (_("Scale to 0 … 1 (%s)"), cols);
        case KILN_SCALE_NONE:
        default:
          return g_strdup (_("No scaling"));
        }
    case KILN_STEP_TARGET:
    default:
      return g_strdup (_("Remove rows without a target value"));
    }
}

const char * const *
kiln_step_get_columns (KilnStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return (const char * const *) (step->fitted ? step->columns : step->asked);
}

guint
kiln_step_get_n_columns (KilnStep *step)
{
  g_return_val_if_fail (step != NULL, 0);
  if (step->fitted)
    return step->n_columns;
  return step->asked ? g_strv_length (step->asked) : 0;
}

double
kiln_step_get_iqr_k (KilnStep *step)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_IQR, NAN);
  return step->k;
}

KilnIqrAction
kiln_step_get_iqr_action (KilnStep *step)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_IQR, KILN_IQR_DROP);
  return step->action;
}

void
kiln_step_get_iqr_bounds (KilnStep *step, guint i, double *lower, double *upper)
{
  g_return_if_fail (step != NULL && step->kind == KILN_STEP_IQR && step->fitted);
  g_return_if_fail (i < step->n_columns);
  if (lower)
    *lower = step->lower[i];
  if (upper)
    *upper = step->upper[i];
}

void
kiln_step_get_quartiles (KilnStep *step, guint i, double *q1, double *q3)
{
  g_return_if_fail (step != NULL && step->kind == KILN_STEP_IQR && step->fitted);
  g_return_if_fail (i < step->n_columns);
  if (q1)
    *q1 = step->q1[i];
  if (q3)
    *q3 = step->q3[i];
}

KilnImputeStrategy
kiln_step_get_impute_strategy (KilnStep *step)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_IMPUTE, KILN_IMPUTE_MEDIAN);
  return step->strategy;
}

KilnImputeStrategy
kiln_step_get_impute_column_strategy (KilnStep *step, guint i)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_IMPUTE && step->fitted,
                        KILN_IMPUTE_MEDIAN);
  g_return_val_if_fail (i < step->n_columns, KILN_IMPUTE_MEDIAN);
  return step->col_strategy[i];
}

double
kiln_step_get_impute_number (KilnStep *step, guint i)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_IMPUTE && step->fitted, NAN);
  g_return_val_if_fail (i < step->n_columns, NAN);
  return step->fill_number[i];
}

const char *
kiln_step_get_impute_text (KilnStep *step, guint i)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_IMPUTE && step->fitted, NULL);
  g_return_val_if_fail (i < step->n_columns, NULL);
  return step->fill_text[i];
}

KilnEncoding
kiln_step_get_encoding (KilnStep *step)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_ENCODE, KILN_ENCODE_ONEHOT);
  return step->encoding;
}

const char * const *
kiln_step_get_categories (KilnStep *step, guint i, guint *n_categories)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_ENCODE && step->fitted, NULL);
  g_return_val_if_fail (i < step->n_columns, NULL);
  if (n_categories)
    *n_categories = step->categories[i]->len;
  return (const char * const *) step->categories[i]->pdata;
}

KilnScaling
kiln_step_get_scaling (KilnStep *step)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_SCALE, KILN_SCALE_NONE);
  return step->scaling;
}

void
kiln_step_get_scale_params (KilnStep *step, guint i, double *offset, double *scale)
{
  g_return_if_fail (step != NULL && step->kind == KILN_STEP_SCALE && step->fitted);
  g_return_if_fail (i < step->n_columns);
  if (offset)
    *offset = step->offset[i];
  if (scale)
    *scale = step->scale[i];
}

/* ---- Drop columns ------------------------------------------------------------------------- */

gboolean
_kiln_step_drop_fit (KilnStep *step, KilnPrepWork *work, GError **error)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint j = 0; step->asked && step->asked[j]; j++)
    {
      int i = _kiln_prep_work_find (work, step->asked[j]);
      if (i < 0)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                       _("There is no column “%s” to drop"), step->asked[j]);
          g_ptr_array_free (names, TRUE);
          return FALSE;
        }
      if (_kiln_prep_work_column (work, (guint) i)->flags & KILN_PREP_COL_TARGET)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                       _("Column “%s” is the target; it cannot be dropped"), step->asked[j]);
          g_ptr_array_free (names, TRUE);
          return FALSE;
        }
      g_ptr_array_add (names, g_strdup (step->asked[j]));
    }
  _kiln_step_set_columns (step, names);
  return TRUE;
}

gboolean
_kiln_step_drop_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  for (guint j = 0; j < step->n_columns; j++)
    {
      int i = _kiln_prep_work_find (work, step->columns[j]);
      if (i >= 0 && !(_kiln_prep_work_column (work, (guint) i)->flags & KILN_PREP_COL_TARGET))
        {
          _kiln_prep_work_remove (work, (guint) i);
          if (entry)
            entry->count++;
        }
    }
  return TRUE;
}

/* ---- Report ------------------------------------------------------------------------------- */

KilnPrepReport *
kiln_prep_report_new (void)
{
  KilnPrepReport *report = g_new0 (KilnPrepReport, 1);

  report->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) _kiln_prep_entry_free);
  return report;
}

void
kiln_prep_report_free (KilnPrepReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->entries);
  g_free (report);
}

void
kiln_prep_report_clear (KilnPrepReport *report)
{
  g_return_if_fail (report != NULL);
  g_ptr_array_set_size (report->entries, 0);
}

guint
kiln_prep_report_total (KilnPrepReport  *report,
                        KilnStepKind     kind,
                        GHashTable     **per_column)
{
  guint total = 0;
  GHashTable *table = NULL;

  g_return_val_if_fail (report != NULL, 0);
  if (per_column)
    table = *per_column = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint e = 0; e < report->entries->len; e++)
    {
      KilnPrepEntry *entry = report->entries->pdata[e];
      if (entry->kind != kind)
        continue;
      total += entry->count;
      if (table)
        for (guint i = 0; i < entry->counts->len; i++)
          {
            KilnPrepCount *pc = &g_array_index (entry->counts, KilnPrepCount, i);
            guint old = GPOINTER_TO_UINT (g_hash_table_lookup (table, pc->column));
            g_hash_table_replace (table, g_strdup (pc->column), GUINT_TO_POINTER (old + pc->count));
          }
    }
  return total;
}

JsonNode *
kiln_prep_report_to_json (KilnPrepReport *report)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (report != NULL, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (guint e = 0; e < report->entries->len; e++)
    {
      KilnPrepEntry *entry = report->entries->pdata[e];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, kiln_step_kind_to_string (entry->kind));
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, entry->description);
      json_builder_set_member_name (b, "rows_in");
      json_builder_add_int_value (b, entry->rows_in);
      json_builder_set_member_name (b, "rows_out");
      json_builder_add_int_value (b, entry->rows_out);
      json_builder_set_member_name (b, "columns_in");
      json_builder_add_int_value (b, entry->columns_in);
      json_builder_set_member_name (b, "columns_out");
      json_builder_add_int_value (b, entry->columns_out);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, entry->count);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, entry->seconds);
      json_builder_set_member_name (b, "counts");
      json_builder_begin_object (b);
      for (guint i = 0; i < entry->counts->len; i++)
        {
          KilnPrepCount *pc = &g_array_index (entry->counts, KilnPrepCount, i);
          json_builder_set_member_name (b, pc->column);
          json_builder_add_int_value (b, pc->count);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static char *
describe_entry (KilnPrepEntry *entry, KilnStep *step, gboolean training)
{
  guint removed = entry->rows_in - entry->rows_out;
  GString *s = g_string_new (NULL);

  switch (entry->kind)
    {
    case KILN_STEP_TARGET:
      g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Removed %u row without a target value",
                                       "Removed %u rows without a target value", removed), removed);
      break;
    case KILN_STEP_DROP_COLUMNS:
      g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Dropped %u column", "Dropped %u columns",
                                       entry->count), entry->count);
      if (step->n_columns)
        {
          g_autofree char *cols = g_strjoinv (", ", step->columns);
          g_string_append_printf (s, " (%s)", cols);
        }
      break;
    case KILN_STEP_DEDUPE:
      if (training)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Removed %u duplicate row",
                                         "Removed %u duplicate rows", removed), removed);
      else
        g_string_assign (s, _("Duplicates are removed from training rows only"));
      break;
    case KILN_STEP_IQR:
      if (step->action == KILN_IQR_CLIP)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                         "Clipped %u outlier value to Q1 − %g × IQR … Q3 + %g × IQR",
                                         "Clipped %u outlier values to Q1 − %g × IQR … Q3 + %g × IQR",
                                         entry->count), entry->count, step->k, step->k);
      else if (training)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                         "Removed %u row with values outside Q1 − %g × IQR … Q3 + %g × IQR",
                                         "Removed %u rows with values outside Q1 − %g × IQR … Q3 + %g × IQR",
                                         removed), removed, step->k, step->k);
      else
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                         "Found %u outlier value; rows are removed from training data only",
                                         "Found %u outlier values; rows are removed from training data only",
                                         entry->count), entry->count);
      /* which columns the rule looked at: measurements only, never 0/1 indicators */
      if (step->n_columns == 0)
        g_string_append (s, _(" (no continuous numeric column to check)"));
      else
        {
          g_autoptr(GString) cols = g_string_new (NULL);
          for (guint i = 0; i < step->n_columns && i < 6; i++)
            g_string_append_printf (cols, "%s%s", i ? ", " : "", step->columns[i]);
          if (step->n_columns > 6)
            /* Translators: the end of a list of column names that was cut short */
            g_string_append_printf (cols, _(" and %u more"), step->n_columns - 6);
          /* Translators: %s is a list of column names */
          g_string_append_printf (s, _("; checked %s"), cols->str);
        }
      break;
    case KILN_STEP_IMPUTE:
      if (training && step->strategy == KILN_IMPUTE_DROP)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Removed %u row with missing values",
                                         "Removed %u rows with missing values", removed), removed);
      else
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Filled %u missing value",
                                         "Filled %u missing values", entry->count), entry->count);
      break;
    case KILN_STEP_ENCODE:
      if (step->encoding == KILN_ENCODE_ONEHOT)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "One-hot encoded %u column into %u",
                                         "One-hot encoded %u columns into %u", step->n_columns),
                         step->n_columns, entry->columns_out + step->n_columns - entry->columns_in);
      else
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Numbered the categories of %u column",
                                         "Numbered the categories of %u columns", step->n_columns),
                         step->n_columns);
      if (entry->count)
        g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                                "; %u value of a category unseen in training",
                                                "; %u values of categories unseen in training",
                                                entry->count), entry->count);
      break;
    case KILN_STEP_SCALE:
      if (step->scaling == KILN_SCALE_NONE)
        g_string_assign (s, _("No scaling"));
      else
        g_string_printf (s, step->scaling == KILN_SCALE_STANDARD
                            ? g_dngettext (GETTEXT_PACKAGE, "Standardised %u column",
                                           "Standardised %u columns", entry->count)
                            : g_dngettext (GETTEXT_PACKAGE, "Scaled %u column to 0 … 1",
                                           "Scaled %u columns to 0 … 1", entry->count),
                         entry->count);
      break;
    default:
      break;
    }
  return g_string_free (s, FALSE);
}

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

const KilnRecipeColumn *
kiln_recipe_get_input_columns (KilnRecipe *recipe, guint *n_columns)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  if (n_columns)
    *n_columns = recipe->n_inputs;
  return recipe->inputs;
}

/* ---- Preparing the input ------------------------------------------------------------------ */

static gboolean
is_input (KilnRecipe *recipe, const char *name)
{
  for (guint i = 0; i < recipe->n_inputs; i++)
    if (strcmp (recipe->inputs[i].name, name) == 0)
      return TRUE;
  return FALSE;
}

/* A whole (physical) column converted to @type, the type it had in training. */
static KilnColumn *
coerce_column (KilnColumn *column, KilnColumnType type, GError **error)
{
  KilnColumnType have = kiln_column_get_column_type (column);
  const char *name = kiln_column_get_name (column);
  guint n = kiln_column_get_length (column);
  gboolean want_number = type == KILN_COLUMN_NUMERIC || type == KILN_COLUMN_BOOLEAN;

  if (have == type || type == KILN_COLUMN_DATETIME || type == KILN_COLUMN_TEXT)
    return kiln_column_ref (column);
  if (want_number && kiln_column_is_numeric_like (column))
    return kiln_column_ref (column);
  if (want_number && kiln_column_is_coded (column))
    {
      guint nc = kiln_column_get_n_categories (column);
      g_autofree double *map = g_new (double, MAX (nc, 1));
      const gint32 *codes = kiln_column_get_codes (column);
      double *values;

      for (guint c = 0; c < nc; c++)
        {
          const char *s = kiln_column_get_category (column, c);
          gboolean b;
          if (kiln_parse_double (s, strlen (s), '.', &map[c]))
            continue;
          if (kiln_parse_boolean (s, strlen (s), &b))
            {
              map[c] = b ? 1 : 0;
              continue;
            }
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                       _("Column “%s” should hold numbers, but has “%s”"), name, s);
          return NULL;
        }
      values = g_new (double, MAX (n, 1));
      for (guint r = 0; r < n; r++)
        values[r] = codes[r] < 0 ? NAN : map[codes[r]];
      return kiln_column_new_numeric (name, values, n);
    }
  if (type == KILN_COLUMN_CATEGORICAL && kiln_column_is_coded (column))
    return kiln_column_new_retyped (column, KILN_COLUMN_CATEGORICAL);
  if (type == KILN_COLUMN_CATEGORICAL)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
      gint32 *codes = g_new (gint32, MAX (n, 1));

      for (guint r = 0; r < n; r++)
        {
          char *cell = kiln_column_format_cell (column, r);
          gpointer found;
          if (cell == NULL)
            {
              codes[r] = -1;
              continue;
            }
          found = g_hash_table_lookup (seen, cell);
          if (found == NULL)
            {
              g_ptr_array_add (cats, g_strdup (cell));
              found = GUINT_TO_POINTER (cats->len);
              g_hash_table_insert (seen, cell, found);
            }
          else
            g_free (cell);
          codes[r] = (gint32) GPOINTER_TO_UINT (found) - 1;
        }
      return kiln_column_new_coded (name, KILN_COLUMN_CATEGORICAL, codes, cats, n);
    }
  g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
               _("Column “%s” is %s, but was %s in the training data"), name,
               kiln_column_type_to_string (have), kiln_column_type_to_string (type));
  return NULL;
}

static KilnColumn *
placeholder_column (const char *name, KilnColumnType type, guint n)
{
  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      {
        double *v = g_new (double, MAX (n, 1));
        for (guint r = 0; r < n; r++)
          v[r] = NAN;
        return kiln_column_new_numeric (name, v, n);
      }
    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_DATETIME:
      {
        guint64 *missing = g_new (guint64, (n + 63) / 64 + 1);
        memset (missing, 0xff, sizeof (guint64) * ((n + 63) / 64 + 1));
        if (n % 64)
          missing[n / 64] = (G_GUINT64_CONSTANT (1) << (n % 64)) - 1;
        if (type == KILN_COLUMN_BOOLEAN)
          return kiln_column_new_boolean (name, g_new0 (guint8, MAX (n, 1)), missing, n);
        return kiln_column_new_datetime (name, g_new0 (gint64, MAX (n, 1)), missing, n);
      }
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      {
        gint32 *codes = g_new (gint32, MAX (n, 1));
        for (guint r = 0; r < n; r++)
          codes[r] = -1;
        return kiln_column_new_coded (name, type, codes, g_ptr_array_new_with_free_func (g_free), n);
      }
    }
}

/* The frame's columns as the recipe expects them: on a non-training frame, the training
 * frame's columns in its order (converted to their training types; an absent input column is
 * an error, an absent other column a placeholder). */
static KilnFrame *
conform_frame (KilnRecipe *recipe, KilnFrame *frame, GPtrArray *placeholders, GError **error)
{
  g_autoptr(GPtrArray) cols = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  g_autoptr(KilnFrame) base = NULL;
  guint n_rows = kiln_frame_get_n_rows (frame);
  gboolean view = kiln_frame_is_view (frame);
  guint physical = 0;

  if (kiln_frame_get_n_columns (frame) > 0)
    physical = kiln_column_get_length (kiln_frame_get_column (frame, 0));

  for (guint i = 0; i < recipe->n_schema; i++)
    {
      KilnRecipeColumn *sc = &recipe->schema[i];
      int c = kiln_frame_find_column (frame, sc->name);
      KilnColumn *col;

      if (c < 0)
        {
          if (g_strcmp0 (sc->name, recipe->target) == 0)
            continue;
          if (is_input (recipe, sc->name))
            {
              g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                           _("The data has no column “%s”, which the recipe needs"), sc->name);
              return NULL;
            }
          col = placeholder_column (sc->name, sc->type, view ? physical : n_rows);
          g_ptr_array_add (placeholders, g_strdup (sc->name));
        }
      else if (g_strcmp0 (sc->name, recipe->target) == 0)
        col = kiln_column_ref (kiln_frame_get_column (frame, (guint) c));
      else
        {
          col = coerce_column (kiln_frame_get_column (frame, (guint) c), sc->type, error);
          if (col == NULL)
            return NULL;
        }
      g_ptr_array_add (cols, col);
    }

  base = kiln_frame_new ((KilnColumn **) cols->pdata, cols->len);
  if (view)
    {
      const guint32 *rows = kiln_frame_get_row_index (frame);
      return kiln_frame_new_view (base, rows, n_rows);
    }
  return g_steal_pointer (&base);
}

/* The cell of a target column as a class name; NULL when missing. */
static char *
class_name (KilnColumn *column, guint p)
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
            char *name = class_name (col, p);
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
    }
  else
    {
      conformed = conform_frame (recipe, frame, placeholders, error);
      if (conformed == NULL)
        return NULL;
    }

  work = _kiln_prep_work_new (conformed, training);
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
              entry->description = describe_entry (entry, NULL, training);
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
          step_clear_fitted (step);
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
          case KILN_STEP_TARGET:
          default:
            g_assert_not_reached ();
          }
      if (!ok)
        {
          _kiln_prep_entry_free (entry);
          goto fail;
        }
      if (entry)
        {
          entry->rows_out = work->n_rows;
          entry->columns_out = work->columns->len;
          entry->seconds = (g_get_monotonic_time () - start) / 1e6;
          entry->description = describe_entry (entry, step, training);
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
      GArray *inputs = g_array_new (FALSE, TRUE, sizeof (KilnRecipeColumn));

      for (guint i = 0; i < work->columns->len; i++)
        if (_kiln_prep_work_is_feature (work, i))
          g_ptr_array_add (features, g_strdup (_kiln_prep_work_name (work, i)));
      recipe->n_features = features->len;
      g_ptr_array_add (features, NULL);
      recipe->features = (char **) g_ptr_array_free (features, FALSE);

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
              if (step->kind == KILN_STEP_ENCODE && step->columns &&
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
  free_columns (recipe->inputs, recipe->n_inputs);
  free_columns (recipe->schema, recipe->n_schema);
  recipe->inputs = recipe->schema = NULL;
  recipe->n_inputs = recipe->n_schema = recipe->n_classes = recipe->n_features = 0;
  for (guint s = 0; s < recipe->steps->len; s++)
    step_clear_fitted (recipe->steps->pdata[s]);
}

KilnFrame *
kiln_recipe_fit_apply (KilnRecipe      *recipe,
                       KilnFrame       *train,
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
  work = run (recipe, train, TRUE, TRUE, report, error);
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

gboolean
kiln_recipe_fit (KilnRecipe      *recipe,
                 KilnFrame       *train,
                 KilnPrepReport  *report,
                 GError         **error)
{
  KilnFrame *out = kiln_recipe_fit_apply (recipe, train, report, error);

  if (out == NULL)
    return FALSE;
  kiln_frame_unref (out);
  return TRUE;
}

KilnFrame *
kiln_recipe_apply (KilnRecipe      *recipe,
                   KilnFrame       *frame,
                   gboolean         is_training,
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
  work = run (recipe, frame, is_training, FALSE, report, error);
  if (work == NULL)
    return NULL;
  out = _kiln_prep_work_to_frame (work);
  _kiln_prep_work_free (work);
  return out;
}

/* ---- Data sets ---------------------------------------------------------------------------- */

/* As kiln_dataset_free(), which lives with the models. */
static void
dataset_free (KilnDataset *ds)
{
  g_free (ds->x);
  g_free (ds->y_class);
  g_free (ds->y_value);
  g_free (ds);
}

typedef struct {
  KilnFrame   *frame;
  guint        n_rows;
  guint        n_features;
  int         *where;
  float       *x;
  gint         missing_column;   /* first feature with a missing value, or -1 */
} Matrix;

#define MATRIX_BLOCK 4096
#define MATRIX_TILE  64

static void
matrix_block (guint task, gpointer data)
{
  Matrix *m = data;
  guint r0 = task * MATRIX_BLOCK, r1 = MIN (m->n_rows, r0 + MATRIX_BLOCK);
  const guint32 *rows = kiln_frame_get_row_index (m->frame);
  gsize d = m->n_features;

  /* rows in tiles that stay in cache while every column writes its value into them (with
   * hundreds of one-hot columns a row of the matrix is kilobytes long) */
  for (guint t0 = r0; t0 < r1; t0 += MATRIX_TILE)
    {
      guint t1 = MIN (r1, t0 + MATRIX_TILE);

      for (guint j = 0; j < m->n_features; j++)
        {
          KilnColumn *col = kiln_frame_get_column (m->frame, (guint) m->where[j]);
          const double *dv = kiln_column_get_doubles (col);
          const guint8 *bv = kiln_column_get_booleans (col);
          const guint64 *missing = kiln_column_get_missing_bitmap (col);
          float *x = m->x + j;

          for (guint r = t0; r < t1; r++)
            {
              guint p = rows ? rows[r] : r;
              if (dv)
                x[r * d] = (float) dv[p];
              else
                x[r * d] = bv[p];
              if (G_UNLIKELY (kiln_bitmap_get (missing, p)))
                {
                  x[r * d] = NAN;
                  g_atomic_int_compare_and_exchange (&m->missing_column, -1, (gint) j);
                }
            }
        }
    }
}

static float *
build_matrix (KilnRecipe *recipe, KilnFrame *prepared, GError **error)
{
  Matrix m = { prepared, kiln_frame_get_n_rows (prepared), recipe->n_features, NULL, NULL, -1 };

  m.where = g_new (int, MAX (m.n_features, 1));
  for (guint j = 0; j < m.n_features; j++)
    {
      KilnColumn *col;
      m.where[j] = kiln_frame_find_column (prepared, recipe->features[j]);
      if (m.where[j] < 0)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                       _("The prepared data has no feature column “%s”"), recipe->features[j]);
          g_free (m.where);
          return NULL;
        }
      col = kiln_frame_get_column (prepared, (guint) m.where[j]);
      if (!kiln_column_is_numeric_like (col))
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                       _("Feature column “%s” is not numeric"), recipe->features[j]);
          g_free (m.where);
          return NULL;
        }
    }
  m.x = kiln_alloc_large (MAX ((gsize) m.n_rows * m.n_features, 1) * sizeof (float));
  _kiln_prep_parallel ((m.n_rows + MATRIX_BLOCK - 1) / MATRIX_BLOCK, matrix_block, &m);
  g_free (m.where);
  if (m.missing_column >= 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_MISSING,
                   _("Feature “%s” has missing values; fill them in or drop those rows first"),
                   recipe->features[m.missing_column]);
      g_free (m.x);
      return NULL;
    }
  return m.x;
}

float *
kiln_recipe_feature_matrix (KilnRecipe  *recipe,
                            KilnFrame   *prepared,
                            guint       *n_rows,
                            GError     **error)
{
  float *x;

  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (prepared != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!recipe->fitted)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE,
                   _("The recipe has not been fitted to training data yet"));
      return NULL;
    }
  x = build_matrix (recipe, prepared, error);
  if (x && n_rows)
    *n_rows = kiln_frame_get_n_rows (prepared);
  return x;
}

gboolean
kiln_recipe_to_dataset (KilnRecipe   *recipe,
                        KilnFrame    *prepared,
                        KilnDataset **dataset,
                        GError      **error)
{
  g_autofree float *x = NULL;
  KilnDataset *ds;
  KilnColumn *target;
  guint n;
  int t;

  g_return_val_if_fail (recipe != NULL, FALSE);
  g_return_val_if_fail (prepared != NULL, FALSE);
  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!recipe->fitted)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_STATE,
                   _("The recipe has not been fitted to training data yet"));
      return FALSE;
    }
  t = recipe->target ? kiln_frame_find_column (prepared, recipe->target) : -1;
  if (t < 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                   recipe->target ? _("The data has no target column “%s”")
                                  : _("The recipe has no target column%s"),
                   recipe->target ? recipe->target : "");
      return FALSE;
    }
  target = kiln_frame_get_column (prepared, (guint) t);
  if (recipe->task == KILN_TASK_REGRESSION && !kiln_column_is_numeric_like (target))
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                   _("The target “%s” is not numeric; regression needs numbers"), recipe->target);
      return FALSE;
    }
  x = build_matrix (recipe, prepared, error);
  if (x == NULL)
    return FALSE;

  n = kiln_frame_get_n_rows (prepared);
  ds = g_new0 (KilnDataset, 1);
  ds->n_rows = n;
  ds->n_features = recipe->n_features;
  ds->task = recipe->task;
  ds->owns_data = TRUE;
  ds->x = g_steal_pointer (&x);
  if (recipe->task == KILN_TASK_CLASSIFICATION)
    {
      g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
      guint nc = kiln_column_is_coded (target) ? kiln_column_get_n_categories (target) : 0;
      g_autofree gint32 *code_class = g_new (gint32, MAX (nc, 1));

      ds->n_classes = recipe->n_classes;
      ds->y_class = g_new (gint32, MAX (n, 1));
      for (guint k = 0; k < recipe->n_classes; k++)
        g_hash_table_insert (index, recipe->classes[k], GUINT_TO_POINTER (k + 1));
      for (guint c = 0; c < nc; c++)
        code_class[c] = (gint32) GPOINTER_TO_UINT (
          g_hash_table_lookup (index, kiln_column_get_category (target, c))) - 1;
      for (guint r = 0; r < n; r++)
        {
          guint p = kiln_frame_get_physical_row (prepared, r);
          gint32 k = -1;
          if (nc > 0 || kiln_column_is_coded (target))
            {
              gint32 code = kiln_column_get_codes (target)[p];
              k = code < 0 ? -1 : code_class[code];
            }
          else
            {
              g_autofree char *name = class_name (target, p);
              if (name)
                k = (gint32) GPOINTER_TO_UINT (g_hash_table_lookup (index, name)) - 1;
            }
          if (k < 0)
            {
              g_autofree char *name = class_name (target, p);
              if (name == NULL)
                g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                             _("Row %u has no target value"), r + 1);
              else
                g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_UNSEEN_CLASS,
                             _("Row %u has the class “%s”, which the training data does not have"),
                             r + 1, name);
              dataset_free (ds);
              return FALSE;
            }
          ds->y_class[r] = k;
        }
    }
  else
    {
      ds->y_value = g_new (double, MAX (n, 1));
      for (guint r = 0; r < n; r++)
        {
          ds->y_value[r] = kiln_column_get_double (target, kiln_frame_get_physical_row (prepared, r));
          if (isnan (ds->y_value[r]))
            {
              g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TARGET,
                           _("Row %u has no target value"), r + 1);
              dataset_free (ds);
              return FALSE;
            }
        }
    }
  *dataset = ds;
  return TRUE;
}
