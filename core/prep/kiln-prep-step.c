/* kiln-prep-step.c: the steps of a recipe: names, construction, description, fitted values, and
 * the column-dropping step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

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
  [KILN_STEP_TEXT] = "text",
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
  kiln_text_options_init (&step->text);
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
  step->text = src->text;
  return step;
}

void
_kiln_step_clear_fitted (KilnStep *step)
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
  if (step->vocab)
    {
      for (guint i = 0; i < step->n_columns; i++)
        g_clear_pointer (&step->vocab[i], _kiln_text_vocab_free);
      g_clear_pointer (&step->vocab, g_free);
    }
  step->n_columns = 0;
  step->fitted = FALSE;
}

void
kiln_step_free (KilnStep *step)
{
  if (step == NULL)
    return;
  _kiln_step_clear_fitted (step);
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
    case KILN_STEP_TEXT:
      return g_strdup_printf (_("Use as text: words and character pieces (%s)"), cols);
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

