/* kiln-prep-text.c: the TEXT step: text columns as sparse TF-IDF features (kiln-text.h), and
 * what the recipe needs to list and build them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fitting learns each column's vocabulary from the training rows only. Applying changes no data:
 * it marks the columns as text features (so no later step fills or encodes them) and reports the
 * vocabulary; the prepared frame keeps the raw text, and kiln_recipe_to_dataset() vectorises it
 * straight into the dataset's compressed rows.
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "kiln-prep-private.h"

KilnStep *
kiln_step_new_text (const KilnTextOptions *options,
                    const char * const    *columns)
{
  KilnStep *step;

  g_return_val_if_fail (options == NULL || kiln_text_options_check (options, NULL), NULL);
  step = _kiln_step_new (KILN_STEP_TEXT, columns);
  if (options != NULL)
    step->text = *options;
  return step;
}

const KilnTextOptions *
kiln_step_get_text_options (KilnStep *step)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_TEXT, NULL);
  return &step->text;
}

const char * const *
kiln_step_get_vocabulary (KilnStep *step, guint i, guint *n_terms, guint *n_char)
{
  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_TEXT && step->fitted, NULL);
  g_return_val_if_fail (i < step->n_columns, NULL);
  if (n_terms)
    *n_terms = _kiln_text_vocab_size (step->vocab[i]);
  if (n_char)
    *n_char = _kiln_text_vocab_n_char (step->vocab[i]);
  return _kiln_text_vocab_terms (step->vocab[i]);
}

GArray *
kiln_step_text_weights (KilnStep *step, guint i, const char *text)
{
  GArray *out;

  g_return_val_if_fail (step != NULL && step->kind == KILN_STEP_TEXT && step->fitted, NULL);
  g_return_val_if_fail (i < step->n_columns, NULL);
  out = g_array_new (FALSE, FALSE, sizeof (KilnTextWeight));
  _kiln_text_vectorise_one (step->vocab[i], &step->text, text, 0, out);
  return out;
}

/* Text columns, or categorical ones when named. */
static gboolean
accept_text (KilnPrepWork *work, guint i)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);

  return !(wc->flags & (KILN_PREP_COL_TARGET | KILN_PREP_COL_ONEHOT))
         && kiln_column_get_column_type (wc->column) == KILN_COLUMN_TEXT;
}

static gboolean
accept_named_text (KilnPrepWork *work, guint i)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);

  return accept_text (work, i)
         || (!(wc->flags & (KILN_PREP_COL_TARGET | KILN_PREP_COL_ONEHOT))
             && kiln_column_get_column_type (wc->column) == KILN_COLUMN_CATEGORICAL);
}

/* The rows of @wc as physical rows (NULL: 0 .. n-1). */
static const guint32 *
work_rows (KilnPrepWorkColumn *wc)
{
  return wc->index ? wc->index->rows : NULL;
}

gboolean
_kiln_step_text_fit (KilnStep *step, KilnPrepWork *work, GError **error)
{
  guint n;

  if (!kiln_text_options_check (&step->text, error))
    return FALSE;
  if (!_kiln_step_resolve_columns (step, work, step->asked ? accept_named_text : accept_text,
                                   _("used as text"), error))
    return FALSE;
  n = step->n_columns;
  step->vocab = g_new0 (KilnTextVocab *, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) _kiln_prep_work_find (work, step->columns[i]));
      step->vocab[i] = _kiln_text_vocab_fit (&step->text, wc->column, work_rows (wc), work->n_rows);
    }
  return TRUE;
}

gboolean
_kiln_step_text_apply (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error)
{
  g_autofree int *where = g_new (int, MAX (step->n_columns, 1));

  if (!_kiln_step_locate (step, work, accept_named_text, _("used as text"), where, error))
    return FALSE;
  for (guint i = 0; i < step->n_columns; i++)
    {
      KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, (guint) where[i]);
      wc->flags |= KILN_PREP_COL_TEXT;
      if (entry)
        _kiln_prep_entry_add_count (entry, step->columns[i], _kiln_text_vocab_size (step->vocab[i]));
    }
  return TRUE;
}

guint
_kiln_recipe_text_width (KilnRecipe *recipe)
{
  guint width = 0;

  for (guint s = 0; s < recipe->steps->len; s++)
    {
      KilnStep *step = recipe->steps->pdata[s];
      if (step->kind == KILN_STEP_TEXT && step->fitted && step->vocab)
        for (guint i = 0; i < step->n_columns; i++)
          width += _kiln_text_vocab_size (step->vocab[i]);
    }
  return width;
}

void
_kiln_recipe_text_names (KilnRecipe *recipe, GPtrArray *names)
{
  for (guint s = 0; s < recipe->steps->len; s++)
    {
      KilnStep *step = recipe->steps->pdata[s];
      if (step->kind != KILN_STEP_TEXT || !step->fitted || step->vocab == NULL)
        continue;
      for (guint i = 0; i < step->n_columns; i++)
        {
          const char * const *terms = _kiln_text_vocab_terms (step->vocab[i]);
          guint n_char = _kiln_text_vocab_n_char (step->vocab[i]);
          gsize col_len = strlen (step->columns[i]);

          /* "column:[piece]" and "column:word", put together by hand: hundreds of thousands of
             them, where printf's format parsing cost a tenth of a second */
          for (guint t = 0; terms[t]; t++)
            {
              gsize len = strlen (terms[t]);
              gboolean piece = t < n_char;
              char *name = g_malloc (col_len + len + (piece ? 4 : 2)), *at = name;

              memcpy (at, step->columns[i], col_len);
              at += col_len;
              *at++ = ':';
              if (piece)
                *at++ = '[';
              memcpy (at, terms[t], len);
              at += len;
              if (piece)
                *at++ = ']';
              *at = '\0';
              g_ptr_array_add (names, name);
            }
        }
    }
}
