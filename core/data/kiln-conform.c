/* kiln-conform.c: raw values to the types a model was trained on (the rule is in the header).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-conform"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-conform.h"
#include "kiln-csv.h"
#include "kiln-number.h"

G_DEFINE_QUARK (kiln-conform-error-quark, kiln_conform_error)

static gboolean
value_error (GError    **error,
             const char *column,
             guint       row,
             const char *value,
             const char *want)
{
  g_set_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_VALUE,
               _("Column “%s”, row %u: “%s” is not %s"), column, row, value, want);
  return FALSE;
}

static const char *
type_noun (KilnColumnType type)
{
  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      return _("a number");
    case KILN_COLUMN_BOOLEAN:
      return _("True or False");
    case KILN_COLUMN_DATETIME:
      return _("a date and time");
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      return _("text");
    }
}

/* ---- One text ------------------------------------------------------------------------------ */

static gboolean
is_missing_marker (const char *text)
{
  const char * const *na = kiln_csv_default_na_values ();

  if (text == NULL)
    return TRUE;
  for (guint i = 0; na[i]; i++)
    if (strcmp (text, na[i]) == 0)
      return TRUE;
  return FALSE;
}

/* @text (not missing) as @type into @out; FALSE when it does not read as one. */
static gboolean
parse_text (const char     *text,
            KilnColumnType  type,
            KilnValue      *out)
{
  gsize len = strlen (text);
  double d;

  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      if (kiln_parse_double (text, len, '.', &out->number))
        return TRUE;
      if (kiln_parse_boolean (text, len, &out->boolean))
        {
          out->number = out->boolean ? 1.0 : 0.0;
          return TRUE;
        }
      return FALSE;
    case KILN_COLUMN_BOOLEAN:
      if (kiln_parse_boolean (text, len, &out->boolean))
        return TRUE;
      if (kiln_parse_double (text, len, '.', &d) && (d == 0.0 || d == 1.0))
        {
          out->boolean = d == 1.0;
          return TRUE;
        }
      return FALSE;
    case KILN_COLUMN_DATETIME:
      return kiln_parse_datetime (text, len, &out->datetime);
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      out->text = text;
      return TRUE;
    }
}

gboolean
kiln_conform_text (const char      *text,
                   KilnColumnType   type,
                   const char      *column,
                   guint            row,
                   KilnValue       *out,
                   GError         **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);
  out->type = type;
  if (is_missing_marker (text))
    {
      out->missing = TRUE;
      out->number = NAN;
      return TRUE;
    }
  if (!parse_text (text, type, out))
    return value_error (error, column, row, text, type_noun (type));
  return TRUE;
}

gboolean
kiln_conform_json (JsonNode        *node,
                   KilnColumnType   type,
                   const char      *column,
                   guint            row,
                   KilnValue       *out,
                   GError         **error)
{
  GType vt;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);
  out->type = type;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      out->missing = TRUE;
      out->number = NAN;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node))
    {
      g_set_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_VALUE,
                   _("Column “%s”, row %u: a list or an object is not a value"), column, row);
      return FALSE;
    }
  vt = json_node_get_value_type (node);
  if (vt == G_TYPE_STRING)
    return kiln_conform_text (json_node_get_string (node), type, column, row, out, error);
  if (vt == G_TYPE_BOOLEAN)
    {
      gboolean b = json_node_get_boolean (node);
      /* as the CSV cell that shows it */
      g_strlcpy (out->buf, b ? "True" : "False", sizeof out->buf);
    }
  else
    kiln_format_double (out->buf, sizeof out->buf, json_node_get_double (node));
  if (!parse_text (out->buf, type, out))
    return value_error (error, column, row, out->buf, type_noun (type));
  return TRUE;
}

KilnColumn *
kiln_conform_values_to_column (const char      *name,
                               KilnColumnType   type,
                               const KilnValue *values,
                               guint            n)
{
  guint64 *missing = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (values != NULL || n == 0, NULL);

  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      {
        double *v = g_new (double, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          v[i] = values[i].missing ? NAN : values[i].number;
        return kiln_column_new_numeric (name, v, n);
      }
    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_DATETIME:
      {
        guint8 *b = type == KILN_COLUMN_BOOLEAN ? g_new0 (guint8, MAX (n, 1)) : NULL;
        gint64 *t = type == KILN_COLUMN_DATETIME ? g_new0 (gint64, MAX (n, 1)) : NULL;
        for (guint i = 0; i < n; i++)
          {
            if (values[i].missing)
              {
                if (missing == NULL)
                  missing = g_new0 (guint64, (n + 63) / 64);
                kiln_bitmap_set (missing, i);
              }
            else if (b != NULL)
              b[i] = values[i].boolean ? 1 : 0;
            else
              t[i] = values[i].datetime;
          }
        return b != NULL ? kiln_column_new_boolean (name, b, missing, n)
                         : kiln_column_new_datetime (name, t, missing, n);
      }
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      {
        g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
        GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
        gint32 *codes = g_new (gint32, MAX (n, 1));

        for (guint i = 0; i < n; i++)
          {
            gpointer code;
            if (values[i].missing)
              {
                codes[i] = -1;
                continue;
              }
            if (!g_hash_table_lookup_extended (index, values[i].text, NULL, &code))
              {
                g_ptr_array_add (cats, g_strdup (values[i].text));
                code = GUINT_TO_POINTER (cats->len - 1);
                g_hash_table_insert (index, cats->pdata[cats->len - 1], code);
              }
            codes[i] = (gint32) GPOINTER_TO_UINT (code);
          }
        return kiln_column_new_coded (name, type, codes, cats, n);
      }
    }
}

/* ---- Columns ------------------------------------------------------------------------------- */

gboolean
kiln_conform_needed (KilnColumnType have,
                     KilnColumnType want)
{
  return have != want;
}

/* The category strings of a coded column, read once as @want: a KilnValue per code, or NULL with
 * an error naming the first row (in @frame) holding a category that does not convert. */
static KilnValue *
convert_categories (KilnFrame      *frame,
                    KilnColumn     *col,
                    KilnColumnType  want,
                    GError        **error)
{
  guint nc = kiln_column_get_n_categories (col);
  g_autofree KilnValue *map = g_new0 (KilnValue, MAX (nc, 1));
  g_autofree guint8 *bad = g_new0 (guint8, MAX (nc, 1));
  gboolean any_bad = FALSE;

  for (guint c = 0; c < nc; c++)
    {
      map[c].type = want;
      if (is_missing_marker (kiln_column_get_category (col, c)))
        map[c].missing = TRUE;
      else if (!parse_text (kiln_column_get_category (col, c), want, &map[c]))
        bad[c] = any_bad = TRUE;
    }
  if (any_bad)
    {
      const gint32 *codes = kiln_column_get_codes (col);
      for (guint r = 0; r < kiln_frame_get_n_rows (frame); r++)
        {
          gint32 code = codes[kiln_frame_get_physical_row (frame, r)];
          if (code >= 0 && bad[code])
            {
              value_error (error, kiln_column_get_name (col), r + 1,
                           kiln_column_get_category (col, (guint) code), type_noun (want));
              return NULL;
            }
        }
    }
  return g_steal_pointer (&map);
}

KilnColumn *
kiln_conform_column (KilnFrame       *frame,
                     guint            column,
                     KilnColumnType   want,
                     GError         **error)
{
  KilnColumn *col;
  KilnColumnType have;
  const char *name;
  guint n;
  g_autofree KilnValue *values = NULL;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (column < kiln_frame_get_n_columns (frame), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  col = kiln_frame_get_column (frame, column);
  have = kiln_column_get_column_type (col);
  name = kiln_column_get_name (col);
  n = kiln_frame_get_n_rows (frame);

  if (kiln_column_is_coded (col) && (want == KILN_COLUMN_CATEGORICAL || want == KILN_COLUMN_TEXT))
    {
      /* the same categories, the rows gathered */
      g_autoptr(KilnFrame) one = kiln_frame_select_columns (frame, &column, 1);
      g_autoptr(KilnFrame) dense = kiln_frame_materialize (one);
      return kiln_column_new_retyped (kiln_frame_get_column (dense, 0), want);
    }
  if ((have == KILN_COLUMN_DATETIME && want != KILN_COLUMN_DATETIME && want != KILN_COLUMN_CATEGORICAL
       && want != KILN_COLUMN_TEXT)
      || (want == KILN_COLUMN_DATETIME && have != KILN_COLUMN_DATETIME && !kiln_column_is_coded (col)))
    {
      g_set_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_TYPE,
                   _("Column “%s” holds %s values but the model was trained on %s values"),
                   name, kiln_column_type_to_string (have), kiln_column_type_to_string (want));
      return NULL;
    }

  values = g_new0 (KilnValue, MAX (n, 1));
  if (kiln_column_is_coded (col))
    {
      g_autofree KilnValue *map = convert_categories (frame, col, want, error);
      const gint32 *codes = kiln_column_get_codes (col);

      if (map == NULL)
        return NULL;
      for (guint r = 0; r < n; r++)
        {
          gint32 code = codes[kiln_frame_get_physical_row (frame, r)];
          if (code < 0)
            values[r].missing = TRUE;
          else
            values[r] = map[code];
        }
      return kiln_conform_values_to_column (name, want, values, n);
    }

  /* numbers, booleans, dates: each cell as the CSV shows it, read as @want */
  for (guint r = 0; r < n; r++)
    {
      guint p = kiln_frame_get_physical_row (frame, r);
      KilnValue *v = &values[r];

      v->type = want;
      if (kiln_column_is_missing (col, p))
        {
          v->missing = TRUE;
          continue;
        }
      if (want == have)
        {
          v->number = kiln_column_get_double (col, p);
          v->boolean = have == KILN_COLUMN_BOOLEAN && kiln_column_get_boolean (col, p);
          v->datetime = have == KILN_COLUMN_DATETIME ? kiln_column_get_datetime (col, p) : 0;
        }
      else if (want == KILN_COLUMN_NUMERIC && have == KILN_COLUMN_BOOLEAN)
        v->number = kiln_column_get_boolean (col, p) ? 1.0 : 0.0;
      else if (want == KILN_COLUMN_BOOLEAN && have == KILN_COLUMN_NUMERIC)
        {
          double d = kiln_column_get_double (col, p);
          if (d != 0.0 && d != 1.0)
            {
              g_autofree char *cell = kiln_column_format_cell (col, p);
              value_error (error, name, r + 1, cell, type_noun (want));
              return NULL;
            }
          v->boolean = d == 1.0;
        }
      else
        {
          /* categories named by the cells' text (a number, True/False or a date: short) */
          g_autofree char *cell = kiln_column_format_cell (col, p);
          g_strlcpy (v->buf, cell, sizeof v->buf);
          v->text = v->buf;
        }
    }
  return kiln_conform_values_to_column (name, want, values, n);
}

KilnFrame *
kiln_conform_frame (KilnFrame             *raw,
                    const KilnColumnSpec  *columns,
                    guint                  n_columns,
                    GError               **error)
{
  g_autofree guint *index = g_new (guint, MAX (n_columns, 1));
  g_autoptr(GString) absent = NULL;
  g_autoptr(KilnFrame) selected = NULL;
  g_autoptr(GPtrArray) out = NULL;
  gboolean convert = FALSE;

  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (columns != NULL || n_columns == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; i < n_columns; i++)
    {
      int c = kiln_frame_find_column (raw, columns[i].name);
      if (c < 0)
        {
          if (absent == NULL)
            absent = g_string_new (NULL);
          else
            g_string_append (absent, ", ");
          g_string_append_printf (absent, "“%s”", columns[i].name);
          continue;
        }
      index[i] = (guint) c;
      convert |= kiln_conform_needed (kiln_column_get_column_type (kiln_frame_get_column (raw, c)),
                                      columns[i].type);
    }
  if (absent != NULL)
    {
      g_set_error (error, KILN_CONFORM_ERROR, KILN_CONFORM_ERROR_NO_COLUMN,
                   _("The data lacks the column(s) the model needs: %s"), absent->str);
      return NULL;
    }
  selected = kiln_frame_select_columns (raw, index, n_columns);
  if (!convert)
    return g_steal_pointer (&selected);

  /* every column compact, in the frame's row order */
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  for (guint i = 0; i < n_columns; i++)
    {
      KilnColumn *col = kiln_conform_column (selected, i, columns[i].type, error);
      if (col == NULL)
        return NULL;
      g_ptr_array_add (out, col);
    }
  return kiln_frame_new ((KilnColumn * const *) out->pdata, out->len);
}
