/* test-frames.h: synthetic frames for the widget tests, with known values in every cell.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>

#include "kiln-frame.h"

#define BIG_ROWS 3000000
#define N_CATEGORIES 50

/* Numbers with many ties (20001 distinct values) and a missing cell every 97 rows. */
static inline double
value_of (guint i)
{
  guint32 h = i * 2654435761u;

  if (i % 97 == 13)
    return NAN;
  return (double) ((h >> 8) % 20001) / 10.0 - 1000.0;
}

static inline gint32
code_of (guint i)
{
  if (i % 101 == 7)
    return -1;
  return (gint32) ((i * 7919u) % N_CATEGORIES);
}

/* Category names whose string order is not their code order. */
static inline char *
category_name (guint code)
{
  return g_strdup_printf ("%c-%02u", 'a' + (N_CATEGORIES - 1 - code) % 26, code);
}

static inline gboolean
flag_of (guint i)
{
  return (i * 31u) % 7 < 3;
}

static inline KilnFrame *
make_frame (guint n)
{
  double *values = g_new (double, n);
  gint32 *codes = g_new (gint32, n);
  guint8 *flags = g_new (guint8, n);
  guint64 *flag_missing = g_new0 (guint64, (n + 63) / 64);
  GPtrArray *categories = g_ptr_array_new_with_free_func (g_free);
  KilnColumn *columns[3];
  KilnFrame *frame;

  for (guint i = 0; i < n; i++)
    {
      values[i] = value_of (i);
      codes[i] = code_of (i);
      flags[i] = flag_of (i);
      if (i % 50 == 49)
        kiln_bitmap_set (flag_missing, i);
    }
  for (guint c = 0; c < N_CATEGORIES; c++)
    g_ptr_array_add (categories, category_name (c));

  columns[0] = kiln_column_new_numeric ("value", values, n);
  columns[1] = kiln_column_new_coded ("category", KILN_COLUMN_CATEGORICAL, codes, categories, n);
  columns[2] = kiln_column_new_boolean ("flag", flags, flag_missing, n);
  frame = kiln_frame_new (columns, 3);
  for (guint c = 0; c < 3; c++)
    kiln_column_unref (columns[c]);
  return frame;
}
