/* kiln-serve-rows.c: a /predict body to a frame of the model's input columns, and back to JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one place where JSON values become cells. The rule is the CSV reader's, so that a row
 * sent here predicts what the same row of a file predicts with `kiln-cli predict`:
 *  - null, and the strings the reader takes for missing ("", NA, N/A, NaN, null, ?), are missing;
 *  - a numeric column takes numbers, and strings that parse as numbers ("1.5", " 2e3 ");
 *    booleans count as 1 and 0 (the reader's conversion of a True/False column to numbers);
 *  - a boolean column takes true/false, the strings True/False/TRUE/... and the numbers 0 and 1;
 *  - a categorical column takes strings as they are, numbers as their shortest text ("3", "2.5")
 *    and booleans as "True"/"False", the text the reader would have kept;
 *  - anything else (an object, an array, "abc" for a number) is an error naming row and field.
 * Every row is checked before any prediction starts. When the core gains its single conversion
 * of raw values to a recipe's input types, read_value() is what switches to it.
 *
 * Bounds: the body is at most max_body_bytes (the HTTP side refuses more before reading it);
 * nesting deeper than MAX_DEPTH is refused before json-glib parses it (its parser recurses);
 * more than max_rows rows is refused before any row is read.
 */
#define G_LOG_DOMAIN "kiln-serve"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-number.h"
#include "kiln-serve-private.h"

/* {"rows": [{"x": [...]}]} is 4 deep; anything deeper is a wrong value anyway */
#define MAX_DEPTH 32

G_DEFINE_QUARK (kiln-serve-error-quark, kiln_serve_error)

/* FALSE when brackets nest deeper than @max (strings skipped, escapes honoured). Only a guard
 * for json-glib's recursive parser: the syntax itself is json-glib's to check. */
static gboolean
nesting_ok (const char *s, gsize n, guint max)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      char c = s[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

typedef struct {
  const KilnRecipeColumn *input;
  double     *numbers;     /* numeric */
  guint8     *booleans;    /* boolean */
  gint64     *times;       /* datetime */
  guint64    *missing;     /* boolean, datetime: bitmap */
  gint32     *codes;       /* categorical, text */
  GPtrArray  *categories;
  GHashTable *code_of;     /* category -> code + 1 */
  guint       seen_in;     /* the last row (+ 1) that had this field */
} Column;

static void
column_init (Column *c, const KilnRecipeColumn *input, guint n)
{
  c->input = input;
  switch (input->type)
    {
    case KILN_COLUMN_NUMERIC:
      c->numbers = g_new (double, MAX (n, 1));
      break;
    case KILN_COLUMN_BOOLEAN:
      c->booleans = g_new0 (guint8, MAX (n, 1));
      c->missing = g_new0 (guint64, (n + 63) / 64 + 1);
      break;
    case KILN_COLUMN_DATETIME:
      c->times = g_new0 (gint64, MAX (n, 1));
      c->missing = g_new0 (guint64, (n + 63) / 64 + 1);
      break;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      c->codes = g_new (gint32, MAX (n, 1));
      c->categories = g_ptr_array_new_with_free_func (g_free);
      c->code_of = g_hash_table_new (g_str_hash, g_str_equal);
      break;
    }
}

static void
column_clear (Column *c)
{
  g_free (c->numbers);
  g_free (c->booleans);
  g_free (c->times);
  g_free (c->missing);
  g_free (c->codes);
  g_clear_pointer (&c->categories, g_ptr_array_unref);
  g_clear_pointer (&c->code_of, g_hash_table_unref);
}

/* Ownership of the arrays passes to the column. */
static KilnColumn *
column_finish (Column *c, guint n)
{
  const char *name = c->input->name;
  KilnColumn *col;

  switch (c->input->type)
    {
    case KILN_COLUMN_NUMERIC:
      col = kiln_column_new_numeric (name, g_steal_pointer (&c->numbers), n);
      break;
    case KILN_COLUMN_BOOLEAN:
      col = kiln_column_new_boolean (name, g_steal_pointer (&c->booleans),
                                     g_steal_pointer (&c->missing), n);
      break;
    case KILN_COLUMN_DATETIME:
      col = kiln_column_new_datetime (name, g_steal_pointer (&c->times),
                                      g_steal_pointer (&c->missing), n);
      break;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      col = kiln_column_new_coded (name, c->input->type, g_steal_pointer (&c->codes),
                                   g_steal_pointer (&c->categories), n);
      break;
    }
  column_clear (c);
  return col;
}

static gboolean
is_missing_marker (const char *s)
{
  const char * const *na = kiln_csv_default_na_values ();

  for (guint i = 0; na[i]; i++)
    if (strcmp (s, na[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
set_category (Column *c, guint r, const char *text)
{
  gpointer code;

  if (!g_hash_table_lookup_extended (c->code_of, text, NULL, &code))
    {
      char *copy = g_strdup (text);
      g_ptr_array_add (c->categories, copy);
      code = GUINT_TO_POINTER (c->categories->len);
      g_hash_table_insert (c->code_of, copy, code);
    }
  c->codes[r] = (gint32) GPOINTER_TO_UINT (code) - 1;
}

static void
set_missing (Column *c, guint r)
{
  switch (c->input->type)
    {
    case KILN_COLUMN_NUMERIC:
      c->numbers[r] = NAN;
      break;
    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_DATETIME:
      kiln_bitmap_set (c->missing, r);
      break;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      c->codes[r] = -1;
      break;
    }
}

/* What a column of @type wants, for messages. */
static const char *
wanted (KilnColumnType type)
{
  switch (type)
    {
    case KILN_COLUMN_NUMERIC:
      return _("a number");
    case KILN_COLUMN_BOOLEAN:
      return _("true or false");
    case KILN_COLUMN_DATETIME:
      return _("a date and time");
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      return _("a category (a string)");
    }
}

/* The value as the message shows it: strings quoted and cut, other kinds by name. */
static char *
describe (JsonNode *v)
{
  if (JSON_NODE_HOLDS_OBJECT (v))
    return g_strdup (_("an object"));
  if (JSON_NODE_HOLDS_ARRAY (v))
    return g_strdup (_("an array"));
  if (json_node_get_value_type (v) == G_TYPE_STRING)
    {
      g_autofree char *s = g_utf8_make_valid (json_node_get_string (v), -1);
      g_autofree char *cut = NULL;

      if (g_utf8_strlen (s, -1) > 40)
        {
          g_autofree char *head = g_utf8_substring (s, 0, 40);
          cut = g_strconcat (head, "…", NULL);
        }
      return g_strdup_printf ("“%s”", cut ? cut : s);
    }
  return json_to_string (v, FALSE);
}

/* The conversion rule (see the top of the file). FALSE when @v does not fit the column. */
static gboolean
read_value (Column *c, guint r, JsonNode *v)
{
  KilnColumnType type = c->input->type;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  GType vt;

  if (JSON_NODE_HOLDS_NULL (v))
    {
      set_missing (c, r);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (v))
    return FALSE;
  vt = json_node_get_value_type (v);

  if (vt == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (v);
      gsize len = strlen (s);
      gboolean b;

      if (is_missing_marker (s))
        {
          set_missing (c, r);
          return TRUE;
        }
      switch (type)
        {
        case KILN_COLUMN_NUMERIC:
          return kiln_parse_double (s, len, '.', &c->numbers[r]);
        case KILN_COLUMN_BOOLEAN:
          if (!kiln_parse_boolean (s, len, &b))
            return FALSE;
          c->booleans[r] = b;
          return TRUE;
        case KILN_COLUMN_DATETIME:
          return kiln_parse_datetime (s, len, &c->times[r]);
        case KILN_COLUMN_CATEGORICAL:
        case KILN_COLUMN_TEXT:
        default:
          set_category (c, r, s);
          return TRUE;
        }
    }

  if (vt == G_TYPE_BOOLEAN)
    {
      gboolean b = json_node_get_boolean (v);
      switch (type)
        {
        case KILN_COLUMN_NUMERIC:
          c->numbers[r] = b ? 1.0 : 0.0;
          return TRUE;
        case KILN_COLUMN_BOOLEAN:
          c->booleans[r] = b;
          return TRUE;
        case KILN_COLUMN_DATETIME:
          return FALSE;
        case KILN_COLUMN_CATEGORICAL:
        case KILN_COLUMN_TEXT:
        default:
          set_category (c, r, b ? "True" : "False");
          return TRUE;
        }
    }

  if (vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE)
    {
      double d = vt == G_TYPE_INT64 ? (double) json_node_get_int (v) : json_node_get_double (v);
      switch (type)
        {
        case KILN_COLUMN_NUMERIC:
          c->numbers[r] = d;
          return TRUE;
        case KILN_COLUMN_BOOLEAN:
          if (d != 0 && d != 1)
            return FALSE;
          c->booleans[r] = d == 1;
          return TRUE;
        case KILN_COLUMN_DATETIME:
          return FALSE;
        case KILN_COLUMN_CATEGORICAL:
        case KILN_COLUMN_TEXT:
        default:
          if (vt == G_TYPE_INT64)
            g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, json_node_get_int (v));
          else
            kiln_format_double (buf, sizeof buf, d);
          set_category (c, r, buf);
          return TRUE;
        }
    }
  return FALSE;
}

static KilnFrame *
fail (GError **error, KilnServeProblem *problem, guint row, const char *field, int code,
      const char *format, ...) G_GNUC_PRINTF (6, 7);

static KilnFrame *
fail (GError **error, KilnServeProblem *problem, guint row, const char *field, int code,
      const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, KILN_SERVE_ERROR, code, message);
  problem->row = row;
  problem->field = g_strdup (field);
  return NULL;
}

KilnFrame *
_kiln_serve_parse_rows (KilnServeModel    *model,
                        const char        *body,
                        gsize              length,
                        guint              max_rows,
                        KilnServeProblem  *problem,
                        GError           **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) columns = NULL;
  g_autofree Column *cols = NULL;
  JsonNode *root, *rows_node;
  JsonObject *top;
  JsonArray *rows;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  KilnFrame *frame = NULL;
  guint n, n_inputs = model->n_inputs;

  problem->row = 0;
  problem->field = NULL;

  if (!nesting_ok (body, length, MAX_DEPTH))
    return fail (error, problem, 0, NULL, KILN_SERVE_ERROR_INPUT,
                 _("The body nests arrays or objects more than %d deep"), MAX_DEPTH);
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, body, (gssize) length, &local))
    return fail (error, problem, 0, NULL, KILN_SERVE_ERROR_INPUT,
                 _("The body is not valid JSON: %s"), local->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, problem, 0, NULL, KILN_SERVE_ERROR_INPUT,
                 _("The body must be a JSON object: {\"rows\": [{column: value, …}, …]}"));
  top = json_node_get_object (root);
  json_object_iter_init (&iter, top);
  while (json_object_iter_next (&iter, &name, &value))
    if (strcmp (name, "rows") != 0)
      return fail (error, problem, 0, name, KILN_SERVE_ERROR_INPUT,
                   _("Unknown member “%s” in the body: it holds only “rows”"), name);
  rows_node = json_object_get_member (top, "rows");
  if (rows_node == NULL || !JSON_NODE_HOLDS_ARRAY (rows_node))
    return fail (error, problem, 0, "rows", KILN_SERVE_ERROR_INPUT,
                 _("The body has no “rows” array: {\"rows\": [{column: value, …}, …]}"));
  rows = json_node_get_array (rows_node);
  n = json_array_get_length (rows);
  if (n > max_rows)
    return fail (error, problem, 0, "rows", KILN_SERVE_ERROR_TOO_LARGE,
                 _("The body has %u rows; this service takes at most %u per request"),
                 n, max_rows);

  cols = g_new0 (Column, MAX (n_inputs, 1));
  for (guint i = 0; i < n_inputs; i++)
    column_init (&cols[i], &model->inputs[i], n);

  for (guint r = 0; r < n; r++)
    {
      JsonNode *row = json_array_get_element (rows, r);

      if (!JSON_NODE_HOLDS_OBJECT (row))
        {
          fail (error, problem, r + 1, NULL, KILN_SERVE_ERROR_INPUT,
                _("Row %u is not a JSON object of column names and values"), r + 1);
          goto out;
        }
      json_object_iter_init (&iter, json_node_get_object (row));
      while (json_object_iter_next (&iter, &name, &value))
        {
          gpointer slot;
          Column *c;

          if (!g_hash_table_lookup_extended (model->fields, name, NULL, &slot))
            {
              fail (error, problem, r + 1, name, KILN_SERVE_ERROR_INPUT,
                    _("Row %u: unknown field “%s” (the model’s columns are listed at /metadata)"),
                    r + 1, name);
              goto out;
            }
          if (GPOINTER_TO_UINT (slot) == 0)
            continue;   /* the target or an unused column of the training file */
          c = &cols[GPOINTER_TO_UINT (slot) - 1];
          if (!read_value (c, r, value))
            {
              g_autofree char *what = describe (value);
              fail (error, problem, r + 1, name, KILN_SERVE_ERROR_INPUT,
                    _("Row %u, field “%s”: %s is not %s"), r + 1, name, what,
                    wanted (c->input->type));
              goto out;
            }
          c->seen_in = r + 1;
        }
      for (guint i = 0; i < n_inputs; i++)
        if (cols[i].seen_in != r + 1)
          {
            fail (error, problem, r + 1, cols[i].input->name, KILN_SERVE_ERROR_INPUT,
                  _("Row %u lacks the field “%s” (send null for a missing value)"),
                  r + 1, cols[i].input->name);
            goto out;
          }
    }

  columns = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  for (guint i = 0; i < n_inputs; i++)
    g_ptr_array_add (columns, column_finish (&cols[i], n));
  frame = kiln_frame_new ((KilnColumn * const *) columns->pdata, columns->len);

out:
  for (guint i = 0; i < n_inputs; i++)
    column_clear (&cols[i]);
  return frame;
}

/* ---- Answers --------------------------------------------------------------------------------- */

static void
append_number (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (out, kiln_format_double (buf, sizeof buf, v));
  else
    g_string_append (out, "null");   /* JSON has no NaN or infinity */
}

void
_kiln_serve_write_predictions (KilnServeModel *model,
                               const double   *output,
                               guint           n_rows,
                               GString        *out)
{
  g_autofree gint32 *labels = NULL;
  guint k = model->n_classes;

  g_string_append (out, "{\"predictions\":[");
  if (model->classification && n_rows > 0)
    {
      labels = g_new (gint32, n_rows);
      kiln_bundle_labels (model->bundle, output, n_rows, labels);
    }
  for (guint r = 0; r < n_rows; r++)
    {
      if (r > 0)
        g_string_append_c (out, ',');
      if (model->classification)
        {
          const double *p = output + (gsize) r * k;

          g_string_append (out, "{\"label\":");
          g_string_append (out, model->class_json[labels[r]]);
          g_string_append (out, ",\"probabilities\":{");
          for (guint c = 0; c < k; c++)
            {
              if (c > 0)
                g_string_append_c (out, ',');
              g_string_append (out, model->class_json[c]);
              g_string_append_c (out, ':');
              append_number (out, p[c]);
            }
          g_string_append (out, "}}");
        }
      else
        {
          g_string_append (out, "{\"value\":");
          append_number (out, output[r]);
          g_string_append_c (out, '}');
        }
    }
  g_string_append (out, "]}");
}

char *
_kiln_serve_error_json (const char              *message,
                        const KilnServeProblem  *problem)
{
  GString *out = g_string_new ("{\"error\":");

  _kiln_serve_append_json_string (out, message);
  if (problem && problem->row > 0)
    g_string_append_printf (out, ",\"row\":%u", problem->row);
  if (problem && problem->field)
    {
      g_string_append (out, ",\"field\":");
      _kiln_serve_append_json_string (out, problem->field);
    }
  g_string_append (out, "}");
  return g_string_free (out, FALSE);
}
