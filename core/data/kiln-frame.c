/* kiln-frame.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-frame"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-frame.h"

struct _KilnFrame
{
  gatomicrefcount  ref_count;
  guint            n_rows;
  guint            n_columns;
  KilnColumn     **columns;
  guint32         *rows;       /* NULL: row i is physical row i */
};

G_DEFINE_BOXED_TYPE (KilnFrame, kiln_frame, kiln_frame_ref, kiln_frame_unref)

static KilnFrame *
frame_alloc (guint n_columns)
{
  KilnFrame *self = g_new0 (KilnFrame, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->n_columns = n_columns;
  self->columns = g_new0 (KilnColumn *, MAX (n_columns, 1));
  return self;
}

KilnFrame *
kiln_frame_new (KilnColumn * const *columns,
                guint               n_columns)
{
  KilnFrame *self = frame_alloc (n_columns);

  for (guint i = 0; i < n_columns; i++)
    {
      g_return_val_if_fail (columns[i] != NULL, NULL);
      if (i > 0)
        g_return_val_if_fail (kiln_column_get_length (columns[i]) ==
                              kiln_column_get_length (columns[0]), NULL);
      self->columns[i] = kiln_column_ref (columns[i]);
    }
  self->n_rows = n_columns ? kiln_column_get_length (columns[0]) : 0;
  return self;
}

KilnFrame *
kiln_frame_ref (KilnFrame *frame)
{
  g_return_val_if_fail (frame != NULL, NULL);
  g_atomic_ref_count_inc (&frame->ref_count);
  return frame;
}

void
kiln_frame_unref (KilnFrame *frame)
{
  g_return_if_fail (frame != NULL);
  if (!g_atomic_ref_count_dec (&frame->ref_count))
    return;
  for (guint i = 0; i < frame->n_columns; i++)
    kiln_column_unref (frame->columns[i]);
  g_free (frame->columns);
  g_free (frame->rows);
  g_free (frame);
}

guint
kiln_frame_get_n_rows (KilnFrame *frame)
{
  g_return_val_if_fail (frame != NULL, 0);
  return frame->n_rows;
}

guint
kiln_frame_get_n_columns (KilnFrame *frame)
{
  g_return_val_if_fail (frame != NULL, 0);
  return frame->n_columns;
}

KilnColumn *
kiln_frame_get_column (KilnFrame *frame, guint index)
{
  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (index < frame->n_columns, NULL);
  return frame->columns[index];
}

int
kiln_frame_find_column (KilnFrame *frame, const char *name)
{
  g_return_val_if_fail (frame != NULL, -1);
  for (guint i = 0; i < frame->n_columns; i++)
    if (g_strcmp0 (kiln_column_get_name (frame->columns[i]), name) == 0)
      return (int) i;
  return -1;
}

gboolean
kiln_frame_is_view (KilnFrame *frame)
{
  return frame->rows != NULL;
}

guint
kiln_frame_get_physical_row (KilnFrame *frame, guint row)
{
  g_assert (row < frame->n_rows);
  return frame->rows ? frame->rows[row] : row;
}

const guint32 *
kiln_frame_get_row_index (KilnFrame *frame)
{
  return frame->rows;
}

static KilnFrame *
frame_share_columns (KilnFrame *frame)
{
  KilnFrame *self = frame_alloc (frame->n_columns);

  for (guint i = 0; i < frame->n_columns; i++)
    self->columns[i] = kiln_column_ref (frame->columns[i]);
  return self;
}

KilnFrame *
kiln_frame_new_view (KilnFrame     *frame,
                     const guint32 *rows,
                     guint          n_rows)
{
  KilnFrame *self;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);

  self = frame_share_columns (frame);
  self->n_rows = n_rows;
  self->rows = g_new (guint32, MAX (n_rows, 1));
  for (guint i = 0; i < n_rows; i++)
    {
      g_return_val_if_fail (rows[i] < frame->n_rows, self);
      self->rows[i] = frame->rows ? frame->rows[rows[i]] : rows[i];
    }
  return self;
}

KilnFrame *
kiln_frame_select_columns (KilnFrame   *frame,
                           const guint *columns,
                           guint        n_columns)
{
  KilnFrame *self;

  g_return_val_if_fail (frame != NULL, NULL);

  self = frame_alloc (n_columns);
  for (guint i = 0; i < n_columns; i++)
    {
      g_return_val_if_fail (columns[i] < frame->n_columns, self);
      self->columns[i] = kiln_column_ref (frame->columns[columns[i]]);
    }
  self->n_rows = frame->n_rows;
  if (frame->rows)
    self->rows = g_memdup2 (frame->rows, sizeof (guint32) * MAX (frame->n_rows, 1));
  return self;
}

KilnFrame *
kiln_frame_replace_column (KilnFrame  *frame,
                           guint       index,
                           KilnColumn *column)
{
  KilnFrame *self;
  guint n;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (index <= frame->n_columns, NULL);

  n = frame->n_columns + (index == frame->n_columns ? 1 : 0);
  self = frame_alloc (n);
  for (guint i = 0; i < n; i++)
    self->columns[i] = kiln_column_ref (i == index ? column : frame->columns[i]);
  self->n_rows = frame->n_rows;
  if (frame->rows)
    self->rows = g_memdup2 (frame->rows, sizeof (guint32) * MAX (frame->n_rows, 1));
  return self;
}

static KilnColumn *
column_gather (KilnColumn *column, const guint32 *rows, guint n)
{
  const char *name = kiln_column_get_name (column);
  const guint64 *src_missing = kiln_column_get_missing_bitmap (column);
  guint64 *missing = NULL;

  if (src_missing)
    {
      missing = g_new0 (guint64, (n + 63) / 64);
      for (guint i = 0; i < n; i++)
        if (kiln_bitmap_get (src_missing, rows[i]))
          kiln_bitmap_set (missing, i);
    }

  switch (kiln_column_get_column_type (column))
    {
    case KILN_COLUMN_NUMERIC:
      {
        const double *src = kiln_column_get_doubles (column);
        double *values = g_new (double, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          values[i] = src[rows[i]];
        g_free (missing);
        return kiln_column_new_numeric (name, values, n);
      }
    case KILN_COLUMN_BOOLEAN:
      {
        const guint8 *src = kiln_column_get_booleans (column);
        guint8 *values = g_new (guint8, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          values[i] = src[rows[i]];
        return kiln_column_new_boolean (name, values, missing, n);
      }
    case KILN_COLUMN_DATETIME:
      {
        const gint64 *src = kiln_column_get_datetimes (column);
        gint64 *values = g_new (gint64, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          values[i] = src[rows[i]];
        return kiln_column_new_datetime (name, values, missing, n);
      }
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
      {
        const gint32 *src = kiln_column_get_codes (column);
        gint32 *codes = g_new (gint32, MAX (n, 1));
        guint nc = kiln_column_get_n_categories (column);
        GPtrArray *cats = g_ptr_array_new_full (nc, g_free);
        for (guint i = 0; i < nc; i++)
          g_ptr_array_add (cats, g_strdup (kiln_column_get_category (column, i)));
        for (guint i = 0; i < n; i++)
          codes[i] = src[rows[i]];
        g_free (missing);
        return kiln_column_new_coded (name, kiln_column_get_column_type (column), codes, cats, n);
      }
    default:
      g_assert_not_reached ();
    }
}

KilnFrame *
kiln_frame_materialize (KilnFrame *frame)
{
  KilnFrame *self;

  g_return_val_if_fail (frame != NULL, NULL);

  if (frame->rows == NULL)
    return kiln_frame_ref (frame);

  self = frame_alloc (frame->n_columns);
  self->n_rows = frame->n_rows;
  for (guint i = 0; i < frame->n_columns; i++)
    self->columns[i] = column_gather (frame->columns[i], frame->rows, frame->n_rows);
  return self;
}

gboolean
kiln_frame_is_missing (KilnFrame *frame, guint column, guint row)
{
  return kiln_column_is_missing (frame->columns[column], kiln_frame_get_physical_row (frame, row));
}

double
kiln_frame_get_double (KilnFrame *frame, guint column, guint row)
{
  return kiln_column_get_double (frame->columns[column], kiln_frame_get_physical_row (frame, row));
}

gint32
kiln_frame_get_code (KilnFrame *frame, guint column, guint row)
{
  return kiln_column_get_code (frame->columns[column], kiln_frame_get_physical_row (frame, row));
}

const char *
kiln_frame_get_string (KilnFrame *frame, guint column, guint row)
{
  return kiln_column_get_string (frame->columns[column], kiln_frame_get_physical_row (frame, row));
}

char *
kiln_frame_format_cell (KilnFrame *frame, guint column, guint row)
{
  g_return_val_if_fail (column < frame->n_columns, NULL);
  return kiln_column_format_cell (frame->columns[column], kiln_frame_get_physical_row (frame, row));
}

gsize
kiln_frame_get_memory_size (KilnFrame *frame)
{
  gsize size = frame->rows ? sizeof (guint32) * frame->n_rows : 0;

  for (guint i = 0; i < frame->n_columns; i++)
    size += kiln_column_get_memory_size (frame->columns[i]);
  return size;
}
