/* kiln-column.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-column"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-frame.h"
#include "kiln-number.h"
#include "kiln-tsan.h"

struct _KilnColumn
{
  gatomicrefcount  ref_count;
  char            *name;
  KilnColumnType   type;
  guint            length;
  guint            n_missing;
  guint64         *missing;     /* NULL if nothing is missing */
  union {
    double  *doubles;
    gint32  *codes;
    gint64  *datetimes;
    guint8  *booleans;
    gpointer data;
  };
  GPtrArray       *categories;  /* coded columns: char* */
  GHashTable      *lookup;      /* coded columns: string -> code + 1, built on first lookup */
  GMutex           lookup_lock;
  int              time_of_day; /* atomic: 0 not worked out yet, 1 days only, 2 has times */
};

G_DEFINE_BOXED_TYPE (KilnColumn, kiln_column, kiln_column_ref, kiln_column_unref)

static const char *type_names[] = {
  [KILN_COLUMN_NUMERIC] = "numeric",
  [KILN_COLUMN_CATEGORICAL] = "categorical",
  [KILN_COLUMN_BOOLEAN] = "boolean",
  [KILN_COLUMN_DATETIME] = "datetime",
  [KILN_COLUMN_TEXT] = "text",
};

const char *
kiln_column_type_to_string (KilnColumnType type)
{
  g_return_val_if_fail (type <= KILN_COLUMN_TEXT, "text");
  return type_names[type];
}

gboolean
kiln_column_type_from_string (const char     *str,
                              KilnColumnType *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (g_strcmp0 (str, type_names[i]) == 0)
      {
        *type = i;
        return TRUE;
      }
  return FALSE;
}

static guint
count_bits (const guint64 *bitmap, guint n)
{
  guint count = 0;

  if (bitmap == NULL)
    return 0;
  for (guint w = 0; w < (n + 63) / 64; w++)
    count += __builtin_popcountll (bitmap[w]);
  return count;
}

static KilnColumn *
column_alloc (const char *name, KilnColumnType type, guint n)
{
  KilnColumn *self = g_new0 (KilnColumn, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->name = g_strdup (name ? name : "");
  self->type = type;
  self->length = n;
  g_mutex_init (&self->lookup_lock);
  return self;
}

static void
column_set_missing (KilnColumn *self, guint64 *missing)
{
  self->n_missing = count_bits (missing, self->length);
  if (self->n_missing == 0)
    g_free (missing);
  else
    self->missing = missing;
}

KilnColumn *
kiln_column_new_numeric (const char *name,
                         double     *values,
                         guint       n)
{
  KilnColumn *self = column_alloc (name, KILN_COLUMN_NUMERIC, n);
  guint64 *missing = NULL;

  g_return_val_if_fail (values != NULL || n == 0, NULL);

  for (guint i = 0; i < n; i++)
    if G_UNLIKELY (isnan (values[i]))
      {
        if (missing == NULL)
          missing = g_new0 (guint64, (n + 63) / 64);
        kiln_bitmap_set (missing, i);
      }
  self->doubles = values;
  column_set_missing (self, missing);
  return self;
}

KilnColumn *
kiln_column_new_boolean (const char *name,
                         guint8     *values,
                         guint64    *missing,
                         guint       n)
{
  KilnColumn *self = column_alloc (name, KILN_COLUMN_BOOLEAN, n);

  self->booleans = values;
  column_set_missing (self, missing);
  return self;
}

KilnColumn *
kiln_column_new_datetime (const char *name,
                          gint64     *values,
                          guint64    *missing,
                          guint       n)
{
  KilnColumn *self = column_alloc (name, KILN_COLUMN_DATETIME, n);

  self->datetimes = values;
  column_set_missing (self, missing);
  return self;
}

KilnColumn *
kiln_column_new_coded (const char     *name,
                       KilnColumnType  type,
                       gint32         *codes,
                       GPtrArray      *categories,
                       guint           n)
{
  KilnColumn *self;
  guint64 *missing = NULL;

  g_return_val_if_fail (type == KILN_COLUMN_CATEGORICAL || type == KILN_COLUMN_TEXT, NULL);
  g_return_val_if_fail (categories != NULL, NULL);

  self = column_alloc (name, type, n);
  g_ptr_array_set_free_func (categories, g_free);
  for (guint i = 0; i < n; i++)
    if (codes[i] < 0)
      {
        if (missing == NULL)
          missing = g_new0 (guint64, (n + 63) / 64);
        kiln_bitmap_set (missing, i);
      }
  self->codes = codes;
  self->categories = categories;
  column_set_missing (self, missing);
  return self;
}

static gpointer
dup_array (gconstpointer data, gsize size)
{
  return size ? g_memdup2 (data, size) : NULL;
}

static gsize
data_size (KilnColumn *self)
{
  switch (self->type)
    {
    case KILN_COLUMN_NUMERIC:
      return sizeof (double) * self->length;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
      return sizeof (gint32) * self->length;
    case KILN_COLUMN_BOOLEAN:
      return self->length;
    case KILN_COLUMN_DATETIME:
      return sizeof (gint64) * self->length;
    default:
      g_assert_not_reached ();
    }
}

static KilnColumn *
column_copy (KilnColumn *src, const char *name, KilnColumnType type)
{
  KilnColumn *self = column_alloc (name, type, src->length);

  self->data = dup_array (src->data, data_size (src));
  self->missing = dup_array (src->missing, src->missing ? sizeof (guint64) * ((src->length + 63) / 64) : 0);
  self->n_missing = src->n_missing;
  if (src->categories)
    {
      self->categories = g_ptr_array_new_full (src->categories->len, g_free);
      for (guint i = 0; i < src->categories->len; i++)
        g_ptr_array_add (self->categories, g_strdup (src->categories->pdata[i]));
    }
  return self;
}

KilnColumn *
kiln_column_new_retyped (KilnColumn     *column,
                         KilnColumnType  type)
{
  g_return_val_if_fail (column != NULL, NULL);
  g_return_val_if_fail (type == column->type ||
                        (kiln_column_is_coded (column) &&
                         (type == KILN_COLUMN_CATEGORICAL || type == KILN_COLUMN_TEXT)), NULL);
  return column_copy (column, column->name, type);
}

KilnColumn *
kiln_column_new_renamed (KilnColumn *column,
                         const char *name)
{
  g_return_val_if_fail (column != NULL, NULL);
  return column_copy (column, name, column->type);
}

KilnColumn *
kiln_column_ref (KilnColumn *column)
{
  g_return_val_if_fail (column != NULL, NULL);
  g_atomic_ref_count_inc (&column->ref_count);
  return column;
}

void
kiln_column_unref (KilnColumn *column)
{
  g_return_if_fail (column != NULL);
  if (!g_atomic_ref_count_dec (&column->ref_count))
    return;
  g_free (column->name);
  g_free (column->missing);
  g_free (column->data);
  g_clear_pointer (&column->categories, g_ptr_array_unref);
  g_clear_pointer (&column->lookup, g_hash_table_unref);
  g_mutex_clear (&column->lookup_lock);
  g_free (column);
}

const char *
kiln_column_get_name (KilnColumn *column)
{
  g_return_val_if_fail (column != NULL, NULL);
  return column->name;
}

KilnColumnType
kiln_column_get_column_type (KilnColumn *column)
{
  g_return_val_if_fail (column != NULL, KILN_COLUMN_TEXT);
  return column->type;
}

guint
kiln_column_get_length (KilnColumn *column)
{
  g_return_val_if_fail (column != NULL, 0);
  return column->length;
}

guint
kiln_column_get_n_missing (KilnColumn *column)
{
  g_return_val_if_fail (column != NULL, 0);
  return column->n_missing;
}

gboolean
kiln_column_is_numeric_like (KilnColumn *column)
{
  return column->type == KILN_COLUMN_NUMERIC || column->type == KILN_COLUMN_BOOLEAN;
}

gboolean
kiln_column_is_coded (KilnColumn *column)
{
  return column->type == KILN_COLUMN_CATEGORICAL || column->type == KILN_COLUMN_TEXT;
}

gboolean
kiln_column_is_missing (KilnColumn *column, guint row)
{
  g_assert (row < column->length);
  return kiln_bitmap_get (column->missing, row);
}

double
kiln_column_get_double (KilnColumn *column, guint row)
{
  g_assert (row < column->length);
  if (kiln_bitmap_get (column->missing, row))
    return NAN;
  switch (column->type)
    {
    case KILN_COLUMN_NUMERIC:
      return column->doubles[row];
    case KILN_COLUMN_BOOLEAN:
      return column->booleans[row];
    case KILN_COLUMN_DATETIME:
      return column->datetimes[row] / 1e6;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      return NAN;
    }
}

gint32
kiln_column_get_code (KilnColumn *column, guint row)
{
  g_assert (row < column->length);
  return column->codes && kiln_column_is_coded (column) ? column->codes[row] : -1;
}

const char *
kiln_column_get_string (KilnColumn *column, guint row)
{
  gint32 code;

  g_assert (row < column->length);
  if (!kiln_column_is_coded (column))
    return NULL;
  code = column->codes[row];
  return code < 0 ? NULL : column->categories->pdata[code];
}

gint64
kiln_column_get_datetime (KilnColumn *column, guint row)
{
  g_assert (row < column->length);
  return column->type == KILN_COLUMN_DATETIME ? column->datetimes[row] : 0;
}

gboolean
kiln_column_get_boolean (KilnColumn *column, guint row)
{
  g_assert (row < column->length);
  return column->type == KILN_COLUMN_BOOLEAN && column->booleans[row];
}

char *
kiln_column_format_cell (KilnColumn *column, guint row)
{
  g_return_val_if_fail (row < column->length, NULL);

  if (kiln_bitmap_get (column->missing, row))
    return NULL;

  switch (column->type)
    {
    case KILN_COLUMN_NUMERIC:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (kiln_format_double (buf, sizeof buf, column->doubles[row]));
      }
    case KILN_COLUMN_BOOLEAN:
      return g_strdup (column->booleans[row] ? "True" : "False");
    case KILN_COLUMN_DATETIME:
      return kiln_format_datetime (column->datetimes[row]);
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
      return g_strdup (column->categories->pdata[column->codes[row]]);
    default:
      g_assert_not_reached ();
    }
}

char *
kiln_column_format_display (KilnColumn *column, guint row)
{
  double v;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (row < column->length, NULL);

  if (column->type == KILN_COLUMN_DATETIME && !kiln_bitmap_get (column->missing, row))
    return kiln_format_datetime_full (column->datetimes[row], kiln_column_has_time_of_day (column));
  if (column->type != KILN_COLUMN_NUMERIC || kiln_bitmap_get (column->missing, row))
    return kiln_column_format_cell (column, row);
  v = column->doubles[row];
  if (!isfinite (v) || (v == floor (v) && fabs (v) < 1e15))
    return g_strdup (kiln_format_double (buf, sizeof buf, v));
  g_ascii_formatd (buf, sizeof buf, "%.8g", v);
  return g_strdup (buf);
}

gboolean
kiln_column_has_time_of_day (KilnColumn *column)
{
  int known = g_atomic_int_get (&column->time_of_day);

  if (column->type != KILN_COLUMN_DATETIME)
    return FALSE;
  if (known == 0)
    {
      known = 1;
      for (guint i = 0; i < column->length && known == 1; i++)
        if (column->datetimes[i] % ((gint64) 86400 * G_USEC_PER_SEC) != 0 && !kiln_bitmap_get (column->missing, i))
          known = 2;
      g_atomic_int_set (&column->time_of_day, known);
    }
  return known == 2;
}

const double *
kiln_column_get_doubles (KilnColumn *column)
{
  return column->type == KILN_COLUMN_NUMERIC ? column->doubles : NULL;
}

const gint32 *
kiln_column_get_codes (KilnColumn *column)
{
  return kiln_column_is_coded (column) ? column->codes : NULL;
}

const gint64 *
kiln_column_get_datetimes (KilnColumn *column)
{
  return column->type == KILN_COLUMN_DATETIME ? column->datetimes : NULL;
}

const guint8 *
kiln_column_get_booleans (KilnColumn *column)
{
  return column->type == KILN_COLUMN_BOOLEAN ? column->booleans : NULL;
}

const guint64 *
kiln_column_get_missing_bitmap (KilnColumn *column)
{
  return column->missing;
}

guint
kiln_column_get_n_categories (KilnColumn *column)
{
  return column->categories ? column->categories->len : 0;
}

const char *
kiln_column_get_category (KilnColumn *column, guint code)
{
  g_return_val_if_fail (column->categories != NULL && code < column->categories->len, NULL);
  return column->categories->pdata[code];
}

gint32
kiln_column_lookup_category (KilnColumn *column, const char *value)
{
  gpointer found;

  if (column->categories == NULL || value == NULL)
    return -1;

  g_mutex_lock (&column->lookup_lock);
  KILN_TSAN_ACQUIRE (&column->lookup_lock);
  if (column->lookup == NULL)
    {
      column->lookup = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < column->categories->len; i++)
        g_hash_table_insert (column->lookup, column->categories->pdata[i], GUINT_TO_POINTER (i + 1));
    }
  found = g_hash_table_lookup (column->lookup, value);
  KILN_TSAN_RELEASE (&column->lookup_lock);
  g_mutex_unlock (&column->lookup_lock);

  return (gint32) GPOINTER_TO_UINT (found) - 1;
}

gsize
kiln_column_get_memory_size (KilnColumn *column)
{
  gsize size = data_size (column);

  if (column->missing)
    size += sizeof (guint64) * ((column->length + 63) / 64);
  if (column->categories)
    for (guint i = 0; i < column->categories->len; i++)
      size += strlen (column->categories->pdata[i]) + 1 + sizeof (gpointer);
  return size;
}

KilnColumn *
kiln_column_convert (KilnColumn     *column,
                     KilnColumnType  type,
                     char            decimal,
                     guint          *n_failed)
{
  guint n, failed = 0;
  const char *name;

  g_return_val_if_fail (column != NULL, NULL);

  if (n_failed)
    *n_failed = 0;
  if (type == column->type)
    return kiln_column_ref (column);
  if (kiln_column_is_coded (column) && (type == KILN_COLUMN_CATEGORICAL || type == KILN_COLUMN_TEXT))
    return kiln_column_new_retyped (column, type);

  n = column->length;
  name = column->name;
  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      {
        double *values = g_new (double, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *cell = kiln_column_format_cell (column, i);
            if (column->type == KILN_COLUMN_BOOLEAN || column->type == KILN_COLUMN_DATETIME)
              values[i] = kiln_column_get_double (column, i);
            else if (cell == NULL || !kiln_parse_double (cell, strlen (cell), decimal ? decimal : '.', &values[i]))
              {
                failed += cell != NULL;
                values[i] = NAN;
              }
          }
        if (n_failed)
          *n_failed = failed;
        return kiln_column_new_numeric (name, values, n);
      }
    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_DATETIME:
      {
        guint8 *bools = type == KILN_COLUMN_BOOLEAN ? g_new0 (guint8, MAX (n, 1)) : NULL;
        gint64 *times = type == KILN_COLUMN_DATETIME ? g_new0 (gint64, MAX (n, 1)) : NULL;
        guint64 *missing = g_new0 (guint64, (n + 63) / 64);
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *cell = kiln_column_format_cell (column, i);
            gboolean ok = FALSE;
            if (cell != NULL && bools)
              {
                gboolean b;
                double d;
                if (kiln_parse_boolean (cell, strlen (cell), &b))
                  ok = TRUE, bools[i] = (guint8) b;
                else if (kiln_parse_double (cell, strlen (cell), '.', &d) && (d == 0 || d == 1))
                  ok = TRUE, bools[i] = d == 1;
              }
            else if (cell != NULL)
              ok = kiln_parse_datetime (cell, strlen (cell), &times[i]);
            if (!ok)
              {
                failed += cell != NULL;
                kiln_bitmap_set (missing, i);
              }
          }
        if (n_failed)
          *n_failed = failed;
        return bools ? kiln_column_new_boolean (name, bools, missing, n)
                     : kiln_column_new_datetime (name, times, missing, n);
      }
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
      {
        gint32 *codes = g_new (gint32, MAX (n, 1));
        GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
        GHashTable *index = g_hash_table_new (g_str_hash, g_str_equal);
        for (guint i = 0; i < n; i++)
          {
            char *cell = kiln_column_format_cell (column, i);
            gpointer found;
            if (cell == NULL)
              {
                codes[i] = -1;
                continue;
              }
            found = g_hash_table_lookup (index, cell);
            if (found)
              {
                codes[i] = GPOINTER_TO_INT (found) - 1;
                g_free (cell);
              }
            else
              {
                codes[i] = (gint32) cats->len;
                g_ptr_array_add (cats, cell);
                g_hash_table_insert (index, cell, GINT_TO_POINTER (cats->len));
              }
          }
        g_hash_table_unref (index);
        return kiln_column_new_coded (name, type, codes, cats, n);
      }
    default:
      g_return_val_if_reached (NULL);
    }
}
