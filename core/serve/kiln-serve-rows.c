/* kiln-serve-rows.c: a /predict body to a frame of the model's input columns, and back to JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one place where JSON values become cells (read_value()). The rule is the CSV reader's, so
 * that a row sent here predicts what the same row of a file predicts with `kiln-cli predict`:
 *  - null, and the strings the reader takes for missing ("", NA, N/A, NaN, null, ?), are missing;
 *  - a numeric column takes numbers, and strings that parse as numbers ("1.5", " 2e3 "), both
 *    read by the reader's own number parser; true and false count as 1 and 0 (the reader's
 *    conversion of a True/False column to numbers);
 *  - a boolean column takes true/false, the strings True/False/TRUE/... and the numbers 0 and 1;
 *  - a categorical column takes strings as they are, numbers as the text they are written with
 *    ("3", "2.50") and true/false as "True"/"False": the text a CSV cell would have held;
 *  - anything else (an object, an array, "abc" for a number) is an error naming row and field.
 * Every row is checked before any prediction starts. When the core gains its single conversion
 * of raw values to a recipe's input types, read_value() is what switches to it.
 *
 * The body is read with yajl's callback parser straight into the columns: no tree of the whole
 * document is built. json-glib, which builds one (a GHashTable per row, a node per value), spends
 * about 6.5 microseconds of CPU per row of 13 values only to parse and read them (bench-serve-json,
 * which bench/serve runs), more than predicting the row; this reader, checks and conversion
 * included, under 1. yajl keeps its nesting on a heap stack (no recursion), checks UTF-8, and the walk below
 * refuses any nesting deeper than the request's shape as soon as it starts.
 *
 * Bounds: the body is at most max_body_bytes (the HTTP side refuses more before reading it);
 * more than max_rows rows is refused as the one too many begins; the columns grow by doubling
 * up to max_rows.
 */
#define G_LOG_DOMAIN "kiln-serve"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-number.h"
#include "kiln-serve-private.h"

#include <yajl/yajl_parse.h>

G_DEFINE_QUARK (kiln-serve-error-quark, kiln_serve_error)

typedef struct {
  const KilnRecipeColumn *input;
  double     *numbers;     /* numeric */
  guint8     *booleans;    /* boolean */
  gint64     *times;       /* datetime */
  guint64    *missing;     /* boolean, datetime: bitmap */
  gint32     *codes;       /* categorical, text */
  GPtrArray  *categories;
  GHashTable *code_of;     /* category -> code + 1 */
  guint       seen_in;     /* the last row (from 1) that had this field */
} Column;

/* Categories looked up by a scan while there are at most this many; a hash table after. */
#define SCAN_CATEGORIES 8

static void
column_init (Column *c, const KilnRecipeColumn *input)
{
  c->input = input;
  if (input->type == KILN_COLUMN_CATEGORICAL || input->type == KILN_COLUMN_TEXT)
    c->categories = g_ptr_array_new_with_free_func (g_free);
}

/* Room for @capacity rows (more than before). */
static void
column_grow (Column *c, guint old, guint capacity)
{
  switch (c->input->type)
    {
    case KILN_COLUMN_NUMERIC:
      c->numbers = g_renew (double, c->numbers, capacity);
      break;
    case KILN_COLUMN_BOOLEAN:
    case KILN_COLUMN_DATETIME:
      if (c->input->type == KILN_COLUMN_BOOLEAN)
        c->booleans = g_renew (guint8, c->booleans, capacity);
      else
        c->times = g_renew (gint64, c->times, capacity);
      c->missing = g_renew (guint64, c->missing, capacity / 64 + 1);
      memset (c->missing + (old ? old / 64 + 1 : 0), 0,
              sizeof (guint64) * (capacity / 64 + 1 - (old ? old / 64 + 1 : 0)));
      break;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
    default:
      c->codes = g_renew (gint32, c->codes, capacity);
      break;
    }
}

static void
column_clear (Column *c)
{
  g_clear_pointer (&c->numbers, g_free);
  g_clear_pointer (&c->booleans, g_free);
  g_clear_pointer (&c->times, g_free);
  g_clear_pointer (&c->missing, g_free);
  g_clear_pointer (&c->codes, g_free);
  g_clear_pointer (&c->categories, g_ptr_array_unref);
  g_clear_pointer (&c->code_of, g_hash_table_unref);
}

/* Ownership of the arrays passes to the column. */
static KilnColumn *
column_finish (Column *c, guint n)
{
  const char *name = c->input->name;
  KilnColumn *col;

  if (n == 0)
    column_grow (c, 0, 1);   /* the constructors want arrays even for no rows */
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
is_missing_marker (const char *s, gsize len)
{
  const char * const *na = kiln_csv_default_na_values ();

  for (guint i = 0; na[i]; i++)
    if (strlen (na[i]) == len && memcmp (s, na[i], len) == 0)
      return TRUE;
  return FALSE;
}

static void
set_category (Column *c, guint r, const char *text, gsize len)
{
  g_autofree char *copy = NULL;
  gpointer code;

  /* a request of a few rows has a few categories per column: no hash table for those */
  if (c->code_of == NULL)
    {
      for (guint k = 0; k < c->categories->len; k++)
        {
          const char *known = c->categories->pdata[k];
          if (strlen (known) == len && memcmp (known, text, len) == 0)
            {
              c->codes[r] = (gint32) k;
              return;
            }
        }
      copy = g_strndup (text, len);
      if (c->categories->len < SCAN_CATEGORIES)
        {
          c->codes[r] = (gint32) c->categories->len;
          g_ptr_array_add (c->categories, g_steal_pointer (&copy));
          return;
        }
      c->code_of = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint k = 0; k < c->categories->len; k++)
        g_hash_table_insert (c->code_of, c->categories->pdata[k], GUINT_TO_POINTER (k + 1));
    }
  else
    copy = g_strndup (text, len);
  if (!g_hash_table_lookup_extended (c->code_of, copy, NULL, &code))
    {
      g_ptr_array_add (c->categories, copy);
      code = GUINT_TO_POINTER (c->categories->len);
      g_hash_table_insert (c->code_of, g_steal_pointer (&copy), code);
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

typedef enum {
  VALUE_NULL,
  VALUE_BOOLEAN,
  VALUE_NUMBER,    /* text: the number as written */
  VALUE_STRING,    /* text: the string, unescaped (yajl checked its UTF-8) */
  VALUE_OBJECT,
  VALUE_ARRAY,
} ValueKind;

/* The conversion rule (see the top of the file). FALSE when the value does not fit the column. */
static gboolean
read_value (Column *c, guint r, ValueKind kind, const char *text, gsize len, gboolean b)
{
  KilnColumnType type = c->input->type;

  switch (kind)
    {
    case VALUE_NULL:
      set_missing (c, r);
      return TRUE;

    case VALUE_STRING:
      if (is_missing_marker (text, len))
        {
          set_missing (c, r);
          return TRUE;
        }
      switch (type)
        {
        case KILN_COLUMN_NUMERIC:
          return kiln_parse_double (text, len, '.', &c->numbers[r]);
        case KILN_COLUMN_BOOLEAN:
          if (!kiln_parse_boolean (text, len, &b))
            return FALSE;
          c->booleans[r] = b;
          return TRUE;
        case KILN_COLUMN_DATETIME:
          return kiln_parse_datetime (text, len, &c->times[r]);
        case KILN_COLUMN_CATEGORICAL:
        case KILN_COLUMN_TEXT:
        default:
          set_category (c, r, text, len);
          return TRUE;
        }

    case VALUE_BOOLEAN:
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
          set_category (c, r, b ? "True" : "False", b ? 4 : 5);
          return TRUE;
        }

    case VALUE_NUMBER:
      switch (type)
        {
        case KILN_COLUMN_NUMERIC:
          return kiln_parse_double (text, len, '.', &c->numbers[r]);
        case KILN_COLUMN_BOOLEAN:
          {
            double d;
            if (!kiln_parse_double (text, len, '.', &d) || (d != 0 && d != 1))
              return FALSE;
            c->booleans[r] = d == 1;
            return TRUE;
          }
        case KILN_COLUMN_DATETIME:
          return FALSE;
        case KILN_COLUMN_CATEGORICAL:
        case KILN_COLUMN_TEXT:
        default:
          set_category (c, r, text, len);   /* the text as written, as a CSV cell */
          return TRUE;
        }

    case VALUE_OBJECT:
    case VALUE_ARRAY:
    default:
      return FALSE;
    }
}

/* ---- Reading the body -------------------------------------------------------------------------
 * yajl calls back for each token; the state below walks {"rows": [{field: value, ...}, ...]}
 * and fills the columns as it goes. Any other shape cancels the parse with the error set. */

#define ORDER_MAX 64

typedef enum {
  AT_START,    /* before the body's object */
  AT_TOP,      /* in the body's object */
  AT_ROWS,     /* in the rows array */
  AT_ROW,      /* in a row's object */
  AT_END,      /* after the body's object */
} Where;

typedef struct {
  KilnServeModel    *model;
  guint              max_rows;
  Column            *cols;
  guint              n_rows;       /* rows begun */
  guint              capacity;
  Where              where;
  gboolean           want_rows;    /* the next value is that of "rows" */
  gboolean           had_rows;
  int                field;        /* an input column's index awaiting its value; -1: ignored */
  GString           *key;
  KilnServeProblem  *problem;
  GError           **error;
  /* the fields in the order rows sent them so far: a row's k-th key is first compared with the
   * k-th of the rows before (clients send every row alike), the table looked up only when not */
  guint              key_index;    /* keys seen in this row */
  guint              n_order;
  const char        *order_name[ORDER_MAX];
  gsize              order_length[ORDER_MAX];
  int                order_field[ORDER_MAX];
} Parse;

static int fail (Parse *p, guint row, const char *field, int code,
                 const char *format, ...) G_GNUC_PRINTF (5, 6);

/* Sets the error and cancels the parse (yajl's callbacks stop on 0). */
static int
fail (Parse *p, guint row, const char *field, int code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (*p->error == NULL)
    {
      g_set_error_literal (p->error, KILN_SERVE_ERROR, code, message);
      p->problem->row = row;
      p->problem->field = g_strdup (field);
    }
  return 0;
}

static int
not_the_shape (Parse *p)
{
  return fail (p, 0, NULL, KILN_SERVE_ERROR_INPUT,
               _("The body must be a JSON object: {\"rows\": [{column: value, …}, …]}"));
}

static int
not_rows (Parse *p)
{
  return fail (p, 0, "rows", KILN_SERVE_ERROR_INPUT,
               _("The body’s “rows” must be an array: {\"rows\": [{column: value, …}, …]}"));
}

static int
not_a_row (Parse *p)
{
  return fail (p, p->n_rows + 1, NULL, KILN_SERVE_ERROR_INPUT,
               _("Row %u is not a JSON object of column names and values"), p->n_rows + 1);
}

/* A value where the state says it goes. */
static int
on_value (Parse *p, ValueKind kind, const char *text, gsize len, gboolean b)
{
  Column *c;

  switch (p->where)
    {
    case AT_ROW:
      break;
    case AT_TOP:
      return not_rows (p);
    case AT_ROWS:
      return not_a_row (p);
    case AT_START:
    case AT_END:
    default:
      return not_the_shape (p);
    }
  if (p->field < 0)
    {
      if (kind == VALUE_OBJECT || kind == VALUE_ARRAY)
        return fail (p, p->n_rows, p->key->str, KILN_SERVE_ERROR_INPUT,
                     _("Row %u, field “%s”: a value must be a number, a string, true, false or "
                       "null"), p->n_rows, p->key->str);
      return 1;   /* the target or an unused column of the training file */
    }
  c = &p->cols[p->field];
  if (!read_value (c, p->n_rows - 1, kind, text, len, b))
    {
      g_autofree char *what = NULL;

      switch (kind)
        {
        case VALUE_OBJECT:
          what = g_strdup (_("an object"));
          break;
        case VALUE_ARRAY:
          what = g_strdup (_("an array"));
          break;
        case VALUE_BOOLEAN:
          what = g_strdup (b ? "true" : "false");
          break;
        case VALUE_STRING:
        case VALUE_NUMBER:
        case VALUE_NULL:
        default:
          {
            g_autofree char *valid = g_utf8_make_valid (text, (gssize) len);
            if (g_utf8_strlen (valid, -1) > 40)
              {
                g_autofree char *head = g_utf8_substring (valid, 0, 40);
                what = g_strdup_printf (kind == VALUE_STRING ? "“%s…”" : "%s…", head);
              }
            else
              what = g_strdup_printf (kind == VALUE_STRING ? "“%s”" : "%s", valid);
          }
          break;
        }
      return fail (p, p->n_rows, c->input->name, KILN_SERVE_ERROR_INPUT,
                   _("Row %u, field “%s”: %s is not %s"), p->n_rows, c->input->name, what,
                   wanted (c->input->type));
    }
  c->seen_in = p->n_rows;
  return 1;
}

static int
on_null (void *data)
{
  return on_value (data, VALUE_NULL, NULL, 0, FALSE);
}

static int
on_boolean (void *data, int value)
{
  return on_value (data, VALUE_BOOLEAN, NULL, 0, value != 0);
}

static int
on_number (void *data, const char *text, size_t len)
{
  return on_value (data, VALUE_NUMBER, text, len, FALSE);
}

static int
on_string (void *data, const unsigned char *text, size_t len)
{
  return on_value (data, VALUE_STRING, (const char *) text, len, FALSE);
}

static int
on_start_map (void *data)
{
  Parse *p = data;

  switch (p->where)
    {
    case AT_START:
      p->where = AT_TOP;
      return 1;
    case AT_TOP:
      return not_rows (p);
    case AT_ROWS:
      if (p->n_rows == p->max_rows)
        return fail (p, 0, "rows", KILN_SERVE_ERROR_TOO_LARGE,
                     _("The body has more than %u rows, the most this service takes per request"),
                     p->max_rows);
      if (p->n_rows == p->capacity)
        {
          guint capacity = MIN (MAX (p->capacity * 2, 16), p->max_rows);
          for (guint i = 0; i < p->model->n_inputs; i++)
            column_grow (&p->cols[i], p->capacity, capacity);
          p->capacity = capacity;
        }
      p->n_rows++;
      p->where = AT_ROW;
      p->field = -1;
      p->key_index = 0;
      return 1;
    case AT_ROW:
      return on_value (p, VALUE_OBJECT, NULL, 0, FALSE);
    case AT_END:
    default:
      return not_the_shape (p);
    }
}

static int
on_key (void *data, const unsigned char *text, size_t len)
{
  Parse *p = data;
  gpointer found, slot;
  guint k;

  if (p->where == AT_ROW && (k = p->key_index++) < p->n_order && p->order_length[k] == len
      && memcmp (p->order_name[k], text, len) == 0)
    {
      p->field = p->order_field[k];   /* the same key as at this place in the row before */
      if (p->field < 0)
        g_string_assign (p->key, p->order_name[k]);   /* an ignored field's errors name it */
      return 1;
    }
  g_string_truncate (p->key, 0);
  g_string_append_len (p->key, (const char *) text, (gssize) len);
  if (p->where == AT_TOP)
    {
      if (strcmp (p->key->str, "rows") != 0 || len != 4)
        return fail (p, 0, p->key->str, KILN_SERVE_ERROR_INPUT,
                     _("Unknown member “%s” in the body: it holds only “rows”"), p->key->str);
      if (p->had_rows)
        return fail (p, 0, "rows", KILN_SERVE_ERROR_INPUT, _("The body has “rows” twice"));
      p->want_rows = TRUE;
      return 1;
    }
  /* AT_ROW: the only other place yajl reports keys */
  if (strlen (p->key->str) != len
      || !g_hash_table_lookup_extended (p->model->fields, p->key->str, &found, &slot))
    return fail (p, p->n_rows, p->key->str, KILN_SERVE_ERROR_INPUT,
                 _("Row %u: unknown field “%s” (the model’s columns are listed at /metadata)"),
                 p->n_rows, p->key->str);
  p->field = (int) GPOINTER_TO_UINT (slot) - 1;
  k = p->key_index - 1;
  if (k < ORDER_MAX && k <= p->n_order)
    {
      /* the table's own key: the model's, alive as long as the parse */
      p->order_name[k] = found;
      p->order_length[k] = len;
      p->order_field[k] = p->field;
      p->n_order = MAX (p->n_order, k + 1);
    }
  return 1;
}

static int
on_end_map (void *data)
{
  Parse *p = data;

  if (p->where == AT_TOP)
    {
      if (!p->had_rows)
        return fail (p, 0, "rows", KILN_SERVE_ERROR_INPUT,
                     _("The body has no “rows” array: {\"rows\": [{column: value, …}, …]}"));
      p->where = AT_END;
      return 1;
    }
  /* AT_ROW: every input column must have been there */
  for (guint i = 0; i < p->model->n_inputs; i++)
    if (p->cols[i].seen_in != p->n_rows)
      return fail (p, p->n_rows, p->cols[i].input->name, KILN_SERVE_ERROR_INPUT,
                   _("Row %u lacks the field “%s” (send null for a missing value)"),
                   p->n_rows, p->cols[i].input->name);
  p->where = AT_ROWS;
  return 1;
}

static int
on_start_array (void *data)
{
  Parse *p = data;

  switch (p->where)
    {
    case AT_TOP:
      if (!p->want_rows)
        return not_rows (p);
      p->want_rows = FALSE;
      p->had_rows = TRUE;
      p->where = AT_ROWS;
      return 1;
    case AT_ROWS:
      return not_a_row (p);
    case AT_ROW:
      return on_value (p, VALUE_ARRAY, NULL, 0, FALSE);
    case AT_START:
    case AT_END:
    default:
      return not_the_shape (p);
    }
}

static int
on_end_array (void *data)
{
  Parse *p = data;

  /* only the rows array can end here: a nested one was refused when it began */
  p->where = AT_TOP;
  return 1;
}

/* yajl's memory for one body (its handle, lexer, stacks and a 2 KiB buffer) from a block on the
 * caller's stack, the heap only past it: a 2 KiB malloc per request made glibc consolidate its
 * free lists on every request (about 4 % of the service's time). Blocks carry their size in front
 * for realloc; freeing one in the block is a no-op. */
typedef struct {
  guint8 *base;
  gsize   size;
  gsize   used;
} Arena;

#define ARENA_HEADER 16   /* keeps blocks 16-byte aligned */

static gboolean
in_arena (Arena *a, void *p)
{
  return (guint8 *) p >= a->base && (guint8 *) p < a->base + a->size;
}

static void *
arena_malloc (void *ctx, size_t n)
{
  Arena *a = ctx;
  gsize need = ARENA_HEADER + ((n + 15) & ~(gsize) 15);
  guint8 *block;

  if (need > a->size - a->used)
    return g_malloc (MAX (n, 1));
  block = a->base + a->used;
  a->used += need;
  *(gsize *) block = n;
  return block + ARENA_HEADER;
}

static void *
arena_realloc (void *ctx, void *p, size_t n)
{
  Arena *a = ctx;
  void *fresh;

  if (p == NULL)
    return arena_malloc (ctx, n);
  if (!in_arena (a, p))
    return g_realloc (p, MAX (n, 1));
  fresh = arena_malloc (ctx, n);
  memcpy (fresh, p, MIN (n, *(gsize *) ((guint8 *) p - ARENA_HEADER)));
  return fresh;
}

static void
arena_free (void *ctx, void *p)
{
  if (p != NULL && !in_arena (ctx, p))
    g_free (p);
}

static const yajl_callbacks callbacks = {
  on_null, on_boolean, NULL, NULL, on_number, on_string,
  on_start_map, on_key, on_end_map, on_start_array, on_end_array,
};

KilnFrame *
_kiln_serve_parse_rows (KilnServeModel    *model,
                        const char        *body,
                        gsize              length,
                        guint              max_rows,
                        KilnServeProblem  *problem,
                        GError           **error)
{
  g_autoptr(GPtrArray) columns = NULL;
  g_autoptr(GString) key = g_string_new (NULL);
  GError *local = NULL;
  Parse p = { model, max_rows, NULL, 0, 0, AT_START, FALSE, FALSE, -1, key, problem, &local };
  KilnFrame *frame = NULL;
  yajl_handle yajl;
  yajl_status status;
  guint8 memory[8192] __attribute__ ((aligned (16)));
  Arena arena = { memory, sizeof memory, 0 };
  yajl_alloc_funcs funcs = { arena_malloc, arena_realloc, arena_free, &arena };

  problem->row = 0;
  problem->field = NULL;
  p.cols = g_new0 (Column, MAX (model->n_inputs, 1));
  for (guint i = 0; i < model->n_inputs; i++)
    column_init (&p.cols[i], &model->inputs[i]);

  yajl = yajl_alloc (&callbacks, &funcs, &p);
  status = yajl_parse (yajl, (const unsigned char *) body, length);
  if (status == yajl_status_ok)
    status = yajl_complete_parse (yajl);
  if (status == yajl_status_error && local == NULL)
    {
      unsigned char *why = yajl_get_error (yajl, 0, (const unsigned char *) body, length);
      g_autofree char *text = g_strdup ((const char *) why);

      yajl_free_error (yajl, why);
      g_strchomp (text);
      fail (&p, 0, NULL, KILN_SERVE_ERROR_INPUT, _("The body is not valid JSON (near byte %u): %s"),
            (guint) MIN (yajl_get_bytes_consumed (yajl), G_MAXUINT), text);
    }
  yajl_free (yajl);

  if (local == NULL && p.where != AT_END)
    not_the_shape (&p);   /* an empty body, or a lone value */
  if (local == NULL)
    {
      columns = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
      for (guint i = 0; i < model->n_inputs; i++)
        g_ptr_array_add (columns, column_finish (&p.cols[i], p.n_rows));
      frame = kiln_frame_new ((KilnColumn * const *) columns->pdata, columns->len);
    }
  else
    g_propagate_error (error, local);
  for (guint i = 0; i < model->n_inputs; i++)
    column_clear (&p.cols[i]);
  g_free (p.cols);
  return frame;
}

/* ---- Answers --------------------------------------------------------------------------------- */

/* kiln_format_double()'s text (what `kiln-cli predict` writes) at a third of its cost for most
 * probabilities. It tries %.15g, checks that it reads back, and falls back to %.17g, three
 * conversions where most values need the last. Here %.17g comes first: when %.15g would read back,
 * the 17-digit text is within 12 units of its last digit of the 15-digit one (half an ulp is at
 * most 11.1 such units, rounding to 17 digits adds 0.5), so its last two digits are 00-11 or
 * 88-99. Any other pair means %.15g would not read back, and the 17 digits are the answer; a pair
 * near the ends (or fewer than 17 digits: %g drops trailing zeros) goes the long way. */
static void
append_number (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  guint digits = 0, last_two = 0;
  gboolean leading = TRUE;

  if (!isfinite (v))
    {
      g_string_append (out, "null");   /* JSON has no NaN or infinity */
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  for (const char *c = buf; *c && *c != 'e'; c++)
    if (g_ascii_isdigit (*c) && !(leading && *c == '0'))
      {
        leading = FALSE;
        digits++;
        last_two = (last_two * 10 + (guint) (*c - '0')) % 100;
      }
  if (digits == 17 && last_two >= 15 && last_two <= 85)
    g_string_append (out, buf);
  else
    g_string_append (out, kiln_format_double (buf, sizeof buf, v));
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
