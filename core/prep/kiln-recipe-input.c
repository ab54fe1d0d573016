/* kiln-recipe-input.c: a frame made ready for a recipe: its input columns converted to the types
 * the recipe was fitted on, absent ones stood in for by placeholders.
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

static gboolean
is_input (KilnRecipe *recipe, const char *name)
{
  for (guint i = 0; i < recipe->n_inputs; i++)
    if (strcmp (recipe->inputs[i].name, name) == 0)
      return TRUE;
  return FALSE;
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

/* An input column of @frame with another type than in training, or -1. */
static int
first_to_convert (KilnRecipe *recipe, KilnFrame *frame)
{
  for (guint i = 0; i < recipe->n_inputs; i++)
    {
      int c = kiln_frame_find_column (frame, recipe->inputs[i].name);
      if (c >= 0 && kiln_conform_needed (kiln_column_get_column_type (kiln_frame_get_column (frame, c)),
                                         recipe->inputs[i].type))
        return c;
    }
  return -1;
}

/* @frame with its input columns converted to their training types (kiln-conform.h); a view
 * becomes a plain frame when a column is converted. */
static KilnFrame *
convert_inputs (KilnRecipe *recipe, KilnFrame *frame, GError **error)
{
  g_autoptr(KilnFrame) out = NULL;

  if (first_to_convert (recipe, frame) < 0)
    return kiln_frame_ref (frame);
  out = kiln_frame_materialize (frame);
  for (guint i = 0; i < recipe->n_inputs; i++)
    {
      int c = kiln_frame_find_column (out, recipe->inputs[i].name);
      g_autoptr(GError) local = NULL;
      g_autoptr(KilnColumn) fixed = NULL;
      KilnFrame *next;

      if (c < 0 || !kiln_conform_needed (kiln_column_get_column_type (kiln_frame_get_column (out, c)),
                                         recipe->inputs[i].type))
        continue;
      fixed = kiln_conform_column (out, (guint) c, recipe->inputs[i].type, &local);
      if (fixed == NULL)
        {
          g_set_error_literal (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE, local->message);
          return NULL;
        }
      next = kiln_frame_replace_column (out, (guint) c, fixed);
      kiln_frame_unref (out);
      out = next;
    }
  return g_steal_pointer (&out);
}

/* The frame's columns as the recipe expects them: on a non-training frame, the training
 * frame's columns in its order (input columns converted to their training types; an absent
 * input column is an error, an absent other column a placeholder). */
KilnFrame *
_kiln_recipe_conform_frame (KilnRecipe *recipe, KilnFrame *raw, GPtrArray *placeholders, GError **error)
{
  g_autoptr(KilnFrame) frame = convert_inputs (recipe, raw, error);
  g_autoptr(GPtrArray) cols = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  g_autoptr(KilnFrame) base = NULL;
  guint n_rows, physical = 0;
  gboolean view;

  if (frame == NULL)
    return NULL;
  n_rows = kiln_frame_get_n_rows (frame);
  view = kiln_frame_is_view (frame);
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
      else
        col = kiln_column_ref (kiln_frame_get_column (frame, (guint) c));
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
