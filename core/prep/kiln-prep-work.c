/* kiln-prep-work.c: the columns a recipe works on, row indices, report entries, threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-prep-private.h"

G_DEFINE_QUARK (kiln-prep-error-quark, kiln_prep_error)

/* ---- Row index ---------------------------------------------------------------------------- */

KilnPrepIndex *
_kiln_prep_index_new (guint32 *rows, guint n_rows)
{
  KilnPrepIndex *index = g_new0 (KilnPrepIndex, 1);

  g_atomic_ref_count_init (&index->ref_count);
  index->rows = rows;
  index->n_rows = n_rows;
  return index;
}

KilnPrepIndex *
_kiln_prep_index_ref (KilnPrepIndex *index)
{
  g_atomic_ref_count_inc (&index->ref_count);
  return index;
}

void
_kiln_prep_index_unref (KilnPrepIndex *index)
{
  if (index == NULL || !g_atomic_ref_count_dec (&index->ref_count))
    return;
  g_free (index->rows);
  g_free (index);
}

/* ---- Work --------------------------------------------------------------------------------- */

static void
work_column_free (gpointer data)
{
  KilnPrepWorkColumn *wc = data;

  kiln_column_unref (wc->column);
  _kiln_prep_index_unref (wc->index);
  g_free (wc);
}

static KilnPrepWorkColumn *
work_column_new (KilnColumn *column, KilnPrepIndex *index, guint flags)
{
  KilnPrepWorkColumn *wc = g_new0 (KilnPrepWorkColumn, 1);

  wc->column = column;
  wc->index = index ? _kiln_prep_index_ref (index) : NULL;
  wc->flags = flags;
  return wc;
}

KilnPrepWork *
_kiln_prep_work_new (KilnFrame *frame, gboolean training)
{
  KilnPrepWork *work = g_new0 (KilnPrepWork, 1);
  const guint32 *rows = kiln_frame_get_row_index (frame);
  guint n = kiln_frame_get_n_rows (frame);
  KilnPrepIndex *index = NULL;

  if (rows != NULL)
    index = _kiln_prep_index_new (g_memdup2 (rows, sizeof (guint32) * MAX (n, 1)), n);
  work->columns = g_ptr_array_new_with_free_func (work_column_free);
  work->n_rows = n;
  work->training = training;
  for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
    g_ptr_array_add (work->columns,
                     work_column_new (kiln_column_ref (kiln_frame_get_column (frame, c)), index, 0));
  _kiln_prep_index_unref (index);
  return work;
}

void
_kiln_prep_work_free (KilnPrepWork *work)
{
  if (work == NULL)
    return;
  g_ptr_array_unref (work->columns);
  g_free (work);
}

guint
_kiln_prep_work_n_columns (KilnPrepWork *work)
{
  return work->columns->len;
}

KilnPrepWorkColumn *
_kiln_prep_work_column (KilnPrepWork *work, guint i)
{
  g_assert (i < work->columns->len);
  return work->columns->pdata[i];
}

const char *
_kiln_prep_work_name (KilnPrepWork *work, guint i)
{
  return kiln_column_get_name (_kiln_prep_work_column (work, i)->column);
}

int
_kiln_prep_work_find (KilnPrepWork *work, const char *name)
{
  for (guint i = 0; i < work->columns->len; i++)
    if (g_strcmp0 (_kiln_prep_work_name (work, i), name) == 0)
      return (int) i;
  return -1;
}

void
_kiln_prep_work_set_compact (KilnPrepWork *work, guint i, KilnColumn *column)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);

  g_assert (kiln_column_get_length (column) == work->n_rows);
  kiln_column_unref (wc->column);
  g_clear_pointer (&wc->index, _kiln_prep_index_unref);
  wc->column = column;
}

void
_kiln_prep_work_splice (KilnPrepWork *work, guint i, KilnColumn **columns, guint n, guint flags)
{
  g_ptr_array_remove_index (work->columns, i);
  for (guint j = 0; j < n; j++)
    {
      g_assert (kiln_column_get_length (columns[j]) == work->n_rows);
      g_ptr_array_insert (work->columns, (int) (i + j), work_column_new (columns[j], NULL, flags));
    }
}

void
_kiln_prep_work_remove (KilnPrepWork *work, guint i)
{
  g_ptr_array_remove_index (work->columns, i);
}

void
_kiln_prep_work_keep_rows (KilnPrepWork *work, const guint8 *keep)
{
  guint32 *kept = g_new (guint32, MAX (work->n_rows, 1));
  guint n = 0;
  KilnPrepIndex *compact = NULL;
  GHashTable *composed = g_hash_table_new_full (NULL, NULL, NULL,
                                                (GDestroyNotify) _kiln_prep_index_unref);

  for (guint r = 0; r < work->n_rows; r++)
    if (keep[r])
      kept[n++] = r;
  if (n == work->n_rows)
    {
      g_free (kept);
      g_hash_table_unref (composed);
      return;
    }

  for (guint c = 0; c < work->columns->len; c++)
    {
      KilnPrepWorkColumn *wc = work->columns->pdata[c];
      KilnPrepIndex *next;

      if (wc->index == NULL)
        {
          if (compact == NULL)
            compact = _kiln_prep_index_new (g_memdup2 (kept, sizeof (guint32) * MAX (n, 1)), n);
          next = _kiln_prep_index_ref (compact);
        }
      else
        {
          next = g_hash_table_lookup (composed, wc->index);
          if (next == NULL)
            {
              guint32 *rows = g_new (guint32, MAX (n, 1));
              for (guint r = 0; r < n; r++)
                rows[r] = wc->index->rows[kept[r]];
              next = _kiln_prep_index_new (rows, n);
              g_hash_table_insert (composed, wc->index, next);
            }
          next = _kiln_prep_index_ref (next);
        }
      _kiln_prep_index_unref (wc->index);
      wc->index = next;
    }
  _kiln_prep_index_unref (compact);
  g_hash_table_unref (composed);
  g_free (kept);
  work->n_rows = n;
}

static KilnColumn *
gather_column (KilnColumn *column, KilnPrepIndex *index)
{
  KilnColumn *single[1] = { column };
  g_autoptr(KilnFrame) frame = kiln_frame_new (single, 1);
  g_autoptr(KilnFrame) view = kiln_frame_new_view (frame, index->rows, index->n_rows);
  g_autoptr(KilnFrame) flat = kiln_frame_materialize (view);

  return kiln_column_ref (kiln_frame_get_column (flat, 0));
}

KilnFrame *
_kiln_prep_work_to_frame (KilnPrepWork *work)
{
  guint n = work->columns->len;
  g_autofree KilnColumn **cols = g_new0 (KilnColumn *, MAX (n, 1));
  KilnPrepIndex *common = NULL;
  gboolean same = TRUE;
  KilnFrame *frame;

  for (guint c = 0; c < n; c++)
    {
      KilnPrepWorkColumn *wc = work->columns->pdata[c];
      if (c == 0)
        common = wc->index;
      else if (wc->index != common)
        same = FALSE;
    }

  if (n == 0)
    {
      /* no columns: nothing but a row count, which a frame without columns cannot hold */
      return kiln_frame_new (cols, 0);
    }

  for (guint c = 0; c < n; c++)
    {
      KilnPrepWorkColumn *wc = work->columns->pdata[c];
      if (same || wc->index == NULL)
        cols[c] = kiln_column_ref (wc->column);
      else
        cols[c] = gather_column (wc->column, wc->index);
    }
  frame = kiln_frame_new (cols, n);
  for (guint c = 0; c < n; c++)
    kiln_column_unref (cols[c]);
  if (same && common != NULL)
    {
      KilnFrame *view = kiln_frame_new_view (frame, common->rows, common->n_rows);
      kiln_frame_unref (frame);
      frame = view;
    }
  return frame;
}

gboolean
_kiln_prep_work_is_feature (KilnPrepWork *work, guint i)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);
  KilnColumnType type = kiln_column_get_column_type (wc->column);

  if (wc->flags & KILN_PREP_COL_TARGET)
    return FALSE;
  return type == KILN_COLUMN_NUMERIC || type == KILN_COLUMN_BOOLEAN;
}

guint
_kiln_prep_work_width (KilnPrepWork *work)
{
  guint width = 0;

  for (guint i = 0; i < work->columns->len; i++)
    {
      KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);
      width += wc->flags & KILN_PREP_COL_ONEHOT ? kiln_column_get_n_categories (wc->column) : 1;
    }
  return width;
}

double *
_kiln_prep_work_values (KilnPrepWork *work, guint i, gsize *n_out)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);
  const double *d = kiln_column_get_doubles (wc->column);
  const guint8 *b = kiln_column_get_booleans (wc->column);
  const guint64 *missing = kiln_column_get_missing_bitmap (wc->column);
  double *out = g_new (double, MAX (work->n_rows, 1));
  gsize n = 0;

  if (d != NULL)
    {
      if (wc->index == NULL)
        for (guint r = 0; r < work->n_rows; r++)
          {
            double v = d[r];
            out[n] = v;
            n += !isnan (v);
          }
      else
        for (guint r = 0; r < work->n_rows; r++)
          {
            double v = d[wc->index->rows[r]];
            out[n] = v;
            n += !isnan (v);
          }
    }
  else if (b != NULL)
    {
      for (guint r = 0; r < work->n_rows; r++)
        {
          guint p = _kiln_prep_row (wc, r);
          if (!kiln_bitmap_get (missing, p))
            out[n++] = b[p];
        }
    }
  *n_out = n;
  return out;
}

/* ---- Column selection -------------------------------------------------------------------- */

gboolean
_kiln_prep_accept_numeric (KilnPrepWork *work, guint i)
{
  return _kiln_prep_work_is_feature (work, i);
}

gboolean
_kiln_prep_accept_plain_numeric (KilnPrepWork *work, guint i)
{
  return _kiln_prep_work_is_feature (work, i) &&
         !(_kiln_prep_work_column (work, i)->flags & KILN_PREP_COL_ENCODED);
}

/* Outlier rules make sense for measurements only: a boolean column or a numeric one with two
 * values (0/1 indicators) has no outliers, its rarer value is not one. */
gboolean
_kiln_prep_accept_continuous (KilnPrepWork *work, guint i)
{
  KilnPrepWorkColumn *wc;
  double first = NAN, second = NAN;

  if (!_kiln_prep_accept_plain_numeric (work, i))
    return FALSE;
  wc = _kiln_prep_work_column (work, i);
  if (kiln_column_get_column_type (wc->column) != KILN_COLUMN_NUMERIC)
    return FALSE;
  for (guint r = 0; r < work->n_rows; r++)
    {
      double v = kiln_column_get_double (wc->column, _kiln_prep_row (wc, r));
      if (isnan (v) || v == first || v == second)
        continue;
      if (isnan (first))
        first = v;
      else if (isnan (second))
        second = v;
      else
        return TRUE;   /* a third value */
    }
  return FALSE;
}

gboolean
_kiln_prep_accept_categorical (KilnPrepWork *work, guint i)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);

  return !(wc->flags & (KILN_PREP_COL_TARGET | KILN_PREP_COL_ONEHOT | KILN_PREP_COL_TEXT)) &&
         kiln_column_get_column_type (wc->column) == KILN_COLUMN_CATEGORICAL;
}

gboolean
_kiln_prep_accept_imputable (KilnPrepWork *work, guint i)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);

  /* one-hot indicators are never missing: not worth a median each */
  if ((wc->flags & KILN_PREP_COL_ENCODED) &&
      kiln_column_get_column_type (wc->column) == KILN_COLUMN_BOOLEAN)
    return FALSE;
  return _kiln_prep_accept_numeric (work, i) || _kiln_prep_accept_categorical (work, i);
}

void
_kiln_step_set_columns (KilnStep *step, GPtrArray *names)
{
  g_strfreev (step->columns);
  step->n_columns = names->len;
  g_ptr_array_add (names, NULL);
  step->columns = (char **) g_ptr_array_free (names, FALSE);
}

/* Column @i fails @accept for @name: the error resolve and locate give. */
static void
reject_error (KilnPrepWork *work,
              guint         i,
              const char   *name,
              const char   *what,
              GError      **error)
{
  KilnPrepWorkColumn *wc = _kiln_prep_work_column (work, i);

  if (wc->flags & KILN_PREP_COL_TARGET)
    g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                 _("Column “%s” is the target; it cannot be %s"), name, what);
  else
    g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_TYPE,
                 _("Column “%s” (%s) cannot be %s"), name,
                 kiln_column_type_to_string (kiln_column_get_column_type (wc->column)), what);
}

gboolean
_kiln_step_locate (KilnStep           *step,
                   KilnPrepWork       *work,
                   KilnPrepAcceptFunc  accept,
                   const char         *what,
                   int                *where,
                   GError            **error)
{
  for (guint i = 0; i < step->n_columns; i++)
    {
      where[i] = _kiln_prep_work_find (work, step->columns[i]);
      if (where[i] < 0)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                       _("There is no column “%s”"), step->columns[i]);
          return FALSE;
        }
      if (!accept (work, (guint) where[i]))
        {
          reject_error (work, (guint) where[i], step->columns[i], what, error);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
_kiln_step_resolve_columns (KilnStep           *step,
                            KilnPrepWork       *work,
                            KilnPrepAcceptFunc  accept,
                            const char         *what,
                            GError            **error)
{
  GPtrArray *names = g_ptr_array_new ();

  if (step->asked == NULL)
    {
      for (guint i = 0; i < work->columns->len; i++)
        if (accept (work, i))
          g_ptr_array_add (names, g_strdup (_kiln_prep_work_name (work, i)));
    }
  else
    for (guint j = 0; step->asked[j]; j++)
      {
        int i = _kiln_prep_work_find (work, step->asked[j]);
        if (i < 0)
          {
            g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_NO_COLUMN,
                         _("There is no column “%s”"), step->asked[j]);
            g_ptr_array_free (names, TRUE);
            return FALSE;
          }
        if (!accept (work, (guint) i))
          {
            reject_error (work, (guint) i, step->asked[j], what, error);
            g_ptr_array_free (names, TRUE);
            return FALSE;
          }
        g_ptr_array_add (names, g_strdup (step->asked[j]));
      }
  g_ptr_array_set_free_func (names, NULL);
  _kiln_step_set_columns (step, names);
  return TRUE;
}

/* ---- Report entries ------------------------------------------------------------------------ */

KilnPrepEntry *
_kiln_prep_entry_new (KilnStepKind kind, guint step_index, KilnPrepWork *work)
{
  KilnPrepEntry *entry = g_new0 (KilnPrepEntry, 1);

  entry->kind = kind;
  entry->step_index = step_index;
  entry->rows_in = entry->rows_out = work->n_rows;
  entry->columns_in = entry->columns_out = _kiln_prep_work_width (work);
  entry->counts = g_array_new (FALSE, TRUE, sizeof (KilnPrepCount));
  return entry;
}

void
_kiln_prep_entry_free (KilnPrepEntry *entry)
{
  if (entry == NULL)
    return;
  for (guint i = 0; i < entry->counts->len; i++)
    g_free (g_array_index (entry->counts, KilnPrepCount, i).column);
  g_array_unref (entry->counts);
  g_free (entry->description);
  g_free (entry);
}

void
_kiln_prep_entry_add_count (KilnPrepEntry *entry, const char *column, guint count)
{
  KilnPrepCount pc;

  if (entry == NULL || count == 0)
    return;
  pc.column = g_strdup (column);
  pc.count = count;
  g_array_append_val (entry->counts, pc);
  entry->count += count;
}

