/* kiln-csv.c: CSV files into KilnFrames, as users' files really are.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How a file is read:
 *  1. A sample of the raw bytes decides the encoding (BOM, valid UTF-8, else uchardet's guess
 *     among the legacy code pages, CP949 for Korean first).
 *  2. A decoded sample decides the delimiter, the header row, the decimal separator and a type
 *     plan per column (numeric, datetime, boolean, coded).
 *  3. The file is parsed by libcsv in blocks that end at a line end, line by line so that every
 *     row knows its line number, and each row is converted straight into typed column builders.
 *     Large UTF-8 files are cut into segments at row boundaries (an even number of quotes before
 *     the cut) and parsed on both cores; the segments are joined at the end.
 *  4. A value that breaks a column's plan (a word in a numeric column) demotes the column to
 *     coded and the file is read again with the new plan: rare, and it keeps the exact text.
 */
#define G_LOG_DOMAIN "kiln-csv"

#include "config.h"

#include <csv.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <uchardet.h>

#include "kiln-atomic-file.h"
#include "kiln-csv.h"
#include "kiln-memory.h"
#include "kiln-number.h"

G_DEFINE_QUARK (kiln-csv-error-quark, kiln_csv_error)

#define BLOCK_SIZE       (1u << 20)
#define SAMPLE_SIZE      (256u << 10)
#define SAMPLE_ROWS      2000
#define PARALLEL_MIN     (8u << 20)   /* smaller files are read on one thread */
#define MAX_SEGMENTS     8

static const char * const default_na[] = { "", "NA", "N/A", "NaN", "null", "?", NULL };

const char * const *
kiln_csv_default_na_values (void)
{
  return default_na;
}

void
kiln_csv_options_init (KilnCsvOptions *options)
{
  memset (options, 0, sizeof *options);
  options->header = -1;
  options->detect_types = TRUE;
}

void
kiln_csv_options_clear (KilnCsvOptions *options)
{
  g_clear_pointer (&options->encoding, g_free);
  g_clear_pointer (&options->na_values, g_strfreev);
}

void
kiln_csv_options_copy (const KilnCsvOptions *src,
                       KilnCsvOptions       *dest)
{
  *dest = *src;
  dest->encoding = g_strdup (src->encoding);
  dest->na_values = g_strdupv (src->na_values);
}

void
kiln_csv_info_clear (KilnCsvInfo *info)
{
  g_clear_pointer (&info->encoding, g_free);
  g_clear_pointer (&info->first_skipped_message, g_free);
}

/* ---- Plans and type inference ------------------------------------------------------------ */

typedef enum {
  PLAN_NUMERIC,
  PLAN_DATETIME,
  PLAN_BOOLEAN,
  PLAN_CODED,
} PlanType;

typedef struct {
  GPtrArray *values;   /* char* */
  guint     *lengths;
  guint64    first[4]; /* bitmap of the markers' first bytes */
  gboolean   empty;    /* the empty string is a marker */
} NaSet;

static gboolean
na_contains (const NaSet *na, const char *s, gsize len)
{
  guint8 c0;

  if (len == 0)
    return na->empty;
  c0 = (guint8) s[0];
  if (!((na->first[c0 >> 6] >> (c0 & 63)) & 1))
    return FALSE;
  for (guint i = 0; i < na->values->len; i++)
    if (na->lengths[i] == len && memcmp (na->values->pdata[i], s, len) == 0)
      return TRUE;
  return FALSE;
}

/* ---- String interning for coded columns -------------------------------------------------- */

typedef struct {
  guint32   *slots;     /* code + 1, 0 = empty */
  guint32    mask;
  GPtrArray *strings;   /* char*, NUL-terminated */
  GArray    *keys;      /* guint64: the bytes themselves (up to 8), else a hash */
  GArray    *lengths;   /* guint32 */
  guint64    total_length;
} Interner;

static inline guint64
string_key (const char *s, gsize len)
{
  guint64 k = 0;

  if (len <= 8)
    {
      for (gsize i = 0; i < len; i++)
        k |= (guint64) (guint8) s[i] << (8 * i);
      return k;
    }
  k = G_GUINT64_CONSTANT (14695981039346656037);
  for (gsize i = 0; i < len; i++)
    k = (k ^ (guint8) s[i]) * G_GUINT64_CONSTANT (1099511628211);
  return k;
}

static inline guint32
key_hash (guint64 key, gsize len)
{
  return (guint32) (((key ^ len) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32);
}

static void
interner_init (Interner *in)
{
  in->mask = 63;
  in->slots = g_new0 (guint32, in->mask + 1);
  in->strings = g_ptr_array_new_with_free_func (g_free);
  in->keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  in->lengths = g_array_new (FALSE, FALSE, sizeof (guint32));
  in->total_length = 0;
}

static void
interner_clear (Interner *in)
{
  g_clear_pointer (&in->slots, g_free);
  g_clear_pointer (&in->strings, g_ptr_array_unref);
  g_clear_pointer (&in->keys, g_array_unref);
  g_clear_pointer (&in->lengths, g_array_unref);
}

static void
interner_grow (Interner *in)
{
  guint32 new_mask = in->mask * 2 + 1;
  guint32 *slots = g_new0 (guint32, (gsize) new_mask + 1);

  for (guint i = 0; i < in->strings->len; i++)
    {
      guint32 h = key_hash (g_array_index (in->keys, guint64, i),
                            g_array_index (in->lengths, guint32, i)) & new_mask;
      while (slots[h])
        h = (h + 1) & new_mask;
      slots[h] = i + 1;
    }
  g_free (in->slots);
  in->slots = slots;
  in->mask = new_mask;
}

static gint32
interner_intern (Interner *in, const char *s, gsize len)
{
  guint64 key = string_key (s, len);
  guint32 h = key_hash (key, len) & in->mask;
  const guint64 *keys = (const guint64 *) (gpointer) in->keys->data;
  const guint32 *lengths = (const guint32 *) (gpointer) in->lengths->data;
  guint32 code;

  for (;;)
    {
      guint32 slot = in->slots[h];
      if (slot == 0)
        break;
      if (keys[slot - 1] == key && lengths[slot - 1] == len &&
          (len <= 8 || memcmp (in->strings->pdata[slot - 1], s, len) == 0))
        return (gint32) slot - 1;
      h = (h + 1) & in->mask;
    }
  code = in->strings->len;
  g_ptr_array_add (in->strings, g_strndup (s, len));
  g_array_append_val (in->keys, key);
  {
    guint32 l = (guint32) len;
    g_array_append_val (in->lengths, l);
  }
  in->total_length += len;
  in->slots[h] = code + 1;
  if ((gsize) in->strings->len * 2 > in->mask)
    interner_grow (in);
  return (gint32) code;
}

/* ---- Column builders --------------------------------------------------------------------- */

typedef struct {
  PlanType  type;
  gsize     len;
  gsize     cap;
  union {
    double *d;
    gint64 *t;
    guint8 *b;
    gint32 *c;
    gpointer data;
  };
  guint64  *missing;   /* datetime, boolean: grown with cap */
  Interner  interner;  /* coded */
  KilnDatetimeCache dates;
} Builder;

static gsize
plan_item_size (PlanType type)
{
  switch (type)
    {
    case PLAN_NUMERIC: return sizeof (double);
    case PLAN_DATETIME: return sizeof (gint64);
    case PLAN_BOOLEAN: return sizeof (guint8);
    case PLAN_CODED: return sizeof (gint32);
    default: g_assert_not_reached ();
    }
}

static void
builder_init (Builder *b, PlanType type, gsize cap)
{
  memset (b, 0, sizeof *b);
  b->type = type;
  b->cap = MAX (cap, 1024);
  b->data = kiln_alloc_large (b->cap * plan_item_size (type));
  if (type == PLAN_CODED)
    interner_init (&b->interner);
}

static void
builder_clear (Builder *b)
{
  g_clear_pointer (&b->data, g_free);
  g_clear_pointer (&b->missing, g_free);
  if (b->type == PLAN_CODED)
    interner_clear (&b->interner);
}

static void
builder_reserve (Builder *b)
{
  gsize old_words = (b->cap + 63) / 64;

  b->cap *= 2;
  b->data = kiln_grow_large (b->data, b->len * plan_item_size (b->type),
                             b->cap * plan_item_size (b->type));
  if (b->missing)
    {
      gsize words = (b->cap + 63) / 64;
      b->missing = g_realloc (b->missing, words * sizeof (guint64));
      memset (b->missing + old_words, 0, (words - old_words) * sizeof (guint64));
    }
}

static void
builder_set_missing (Builder *b, gsize row)
{
  if (b->missing == NULL)
    b->missing = g_new0 (guint64, (b->cap + 63) / 64);
  kiln_bitmap_set (b->missing, (guint) row);
}

/* ---- Decoded text blocks ------------------------------------------------------------------ */

typedef struct {
  GInputStream *stream;     /* what we read decoded UTF-8 from */
  GInputStream *raw;        /* the file stream, for progress */
  char         *buf;
  gsize         cap;
  gsize         len;        /* bytes in buf */
  gsize         start;      /* the next block starts here */
  guint64       limit;      /* bytes of the raw stream still to read (segments), or G_MAXUINT64 */
  gboolean      eof;
} BlockReader;

static void
block_reader_init (BlockReader *r, GInputStream *stream, GInputStream *raw, guint64 limit)
{
  memset (r, 0, sizeof *r);
  r->stream = g_object_ref (stream);
  r->raw = g_object_ref (raw);
  r->cap = BLOCK_SIZE + 1;
  r->buf = g_malloc (r->cap);
  r->limit = limit;
}

static void
block_reader_clear (BlockReader *r)
{
  g_clear_object (&r->stream);
  g_clear_object (&r->raw);
  g_clear_pointer (&r->buf, g_free);
}

/* The next run of whole lines (ending in '\n', except at the end of the file). */
static gboolean
block_reader_next (BlockReader   *r,
                   const char   **block,
                   gsize         *block_len,
                   GCancellable  *cancellable,
                   GError       **error)
{
  gsize scanned = 0;

  if (r->start > 0)
    {
      memmove (r->buf, r->buf + r->start, r->len - r->start);
      r->len -= r->start;
      r->start = 0;
    }

  for (;;)
    {
      const char *nl = NULL;
      gssize n;
      gsize want;

      if (r->len > scanned)
        {
          /* the last newline in what we have */
          for (gsize i = r->len; i > scanned; i--)
            if (r->buf[i - 1] == '\n')
              {
                nl = r->buf + i - 1;
                break;
              }
        }
      if (nl != NULL && (r->len >= BLOCK_SIZE / 2 || r->eof))
        {
          *block = r->buf;
          *block_len = (gsize) (nl - r->buf) + 1;
          r->start = *block_len;
          return TRUE;
        }
      if (r->eof)
        {
          *block = r->buf;
          *block_len = r->len;
          r->start = r->len;
          return r->len > 0;
        }
      scanned = nl ? (gsize) (nl - r->buf) + 1 : r->len;
      if (r->cap - r->len < BLOCK_SIZE / 2)
        {
          r->cap *= 2;
          r->buf = g_realloc (r->buf, r->cap);
        }
      want = MIN (r->cap - r->len - 1, r->limit);
      if (want == 0)
        {
          r->eof = TRUE;
          continue;
        }
      n = g_input_stream_read (r->stream, r->buf + r->len, want, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        r->eof = TRUE;
      r->len += (gsize) n;
      if (r->limit != G_MAXUINT64)
        r->limit -= (guint64) n;
    }
}

/* ---- Segments: parse a run of the file into builders ------------------------------------- */

typedef struct _Reader Reader;

typedef struct {
  Reader            *reader;
  guint              index;
  guint64            offset;        /* raw byte where the segment starts */
  guint64            length;        /* raw bytes, or G_MAXUINT64 to the end */
  gboolean           has_header;    /* the first row is the header row */

  /* parse state */
  struct csv_parser  parser;
  guint64            line;          /* line being fed, 1-based within the segment */
  guint64            row_line;      /* line where the current row began */
  guint              n_fields;
  gboolean           first_field_blank;
  guint              n_rows;
  gboolean           header_done;
  gboolean           stop;

  Builder           *builders;
  GPtrArray         *header;        /* segment 0: the header's fields */

  /* outcome */
  GError            *error;
  gboolean          *demote;        /* per column: its plan broke */
  gboolean           any_demoted;
  guint              n_skipped;
  guint64            first_skipped_line;
  guint64            line_base;     /* lines of the file before the segment, once counted */
  gboolean           line_base_known;
  char              *first_skipped_message;
  char              *bad_encoding_hint; /* a block was not UTF-8 after all (uchardet's guess) */
} Segment;

struct _Reader {
  const char       *path;
  GFile            *file;
  KilnCsvOptions    options;
  guint64           file_size;
  char             *encoding;       /* iconv name, or NULL for UTF-8 */
  char             *encoding_label; /* what we tell the user */
  gsize             bom_len;
  gboolean          encoding_detected;
  char              delimiter;
  char              decimal;
  gboolean          header;
  guint             n_cols;
  PlanType         *plan;
  NaSet             na;
  GCancellable     *cancellable;
  KilnProgressFunc  progress;
  gpointer          progress_data;
  gssize            bytes_done;     /* atomic, all segments */
  char             *bad_encoding_hint;  /* a later block was not UTF-8: restart with this */
  gint64            t0;
};

static void
segment_fail (Segment *seg, GError *error)
{
  if (seg->error == NULL)
    seg->error = error;
  else
    g_error_free (error);
  seg->stop = TRUE;
}

static char *
display_name (Reader *reader)
{
  return g_path_get_basename (reader->path);
}

/* Lines ('\n') in the first @offset bytes of the file. */
static guint64
count_lines_before (Reader *reader, guint64 offset)
{
  g_autoptr(GFileInputStream) raw = g_file_read (reader->file, NULL, NULL);
  g_autofree char *buf = g_malloc (BLOCK_SIZE);
  guint64 lines = 0;

  while (raw != NULL && offset > 0)
    {
      gssize got = g_input_stream_read (G_INPUT_STREAM (raw), buf, MIN (BLOCK_SIZE, offset), NULL, NULL);
      if (got <= 0)
        break;
      for (const char *p = buf; (p = memchr (p, '\n', (gsize) (buf + got - p))) != NULL; p++)
        lines++;
      offset -= (guint64) got;
    }
  return lines;
}

/* The file's number of a line of the segment, for messages. A segment after the first counts
 * the lines before it when it first names one: only files with errors or skipped rows pay. */
static unsigned long long
file_line (Segment *seg, guint64 line)
{
  if (seg->offset > 0 && !seg->line_base_known)
    {
      seg->line_base = count_lines_before (seg->reader, seg->offset);
      seg->line_base_known = TRUE;
    }
  return seg->line_base + line;
}

static void
convert_field (Segment *seg, guint col, const char *s, gsize len)
{
  Reader *reader = seg->reader;
  Builder *b = &seg->builders[col];
  gsize row = b->len;   /* the next slot; on_row() commits it */

  if (row == b->cap)
    builder_reserve (b);
  if (b->missing)
    b->missing[row >> 6] &= ~(G_GUINT64_CONSTANT (1) << (row & 63));

  switch (b->type)
    {
    case PLAN_NUMERIC:
      if (len == 0)
        b->d[row] = NAN;
      else if (!kiln_parse_double (s, len, reader->decimal, &b->d[row]))
        {
          if (na_contains (&reader->na, s, len))
            b->d[row] = NAN;
          else
            goto demote;
        }
      break;

    case PLAN_DATETIME:
      if (len == 0 || na_contains (&reader->na, s, len))
        {
          b->t[row] = 0;
          builder_set_missing (b, row);
        }
      else if (!kiln_parse_datetime_cached (s, len, &b->dates, &b->t[row]))
        goto demote;
      break;

    case PLAN_BOOLEAN:
      {
        gboolean v;
        if (len == 0 || na_contains (&reader->na, s, len))
          {
            b->b[row] = 0;
            builder_set_missing (b, row);
          }
        else if (kiln_parse_boolean (s, len, &v))
          b->b[row] = v;
        else
          goto demote;
      }
      break;

    case PLAN_CODED:
      if (na_contains (&reader->na, s, len))
        b->c[row] = -1;
      else
        b->c[row] = interner_intern (&b->interner, s, len);
      break;

    default:
      g_assert_not_reached ();
    }
  return;

demote:
  seg->demote[col] = TRUE;
  seg->any_demoted = TRUE;
  seg->stop = TRUE;
}

static void
on_field (void *s, size_t len, void *data)
{
  Segment *seg = data;

  if (seg->stop)
    return;
  if (!seg->header_done)
    g_ptr_array_add (seg->header, g_strndup (s ? s : "", len));
  else
    {
      if (seg->n_fields == 0)
        {
          const char *p = s;
          gsize i = 0;
          while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
          seg->first_field_blank = i == len;
        }
      /* converted straight into the builders' next slot; committed at the end of the row */
      if (seg->n_fields < seg->reader->n_cols)
        convert_field (seg, seg->n_fields, s ? s : "", len);
    }
  seg->n_fields++;
}

static void
skip_or_fail (Segment *seg, char *message)
{
  Reader *reader = seg->reader;

  if (reader->options.skip_bad_rows)
    {
      if (seg->n_skipped++ == 0)
        {
          seg->first_skipped_line = file_line (seg, seg->row_line);
          seg->first_skipped_message = message;
        }
      else
        g_free (message);
    }
  else
    {
      segment_fail (seg, g_error_new_literal (KILN_CSV_ERROR, KILN_CSV_ERROR_RAGGED, message));
      g_free (message);
    }
}

static void
on_row (int terminator, void *data)
{
  Segment *seg = data;
  Reader *reader = seg->reader;
  guint n = seg->n_fields;

  seg->n_fields = 0;
  if (seg->stop)
    return;

  if (!seg->header_done)
    {
      seg->header_done = TRUE;
      return;
    }

  if (n != reader->n_cols)
    {
      /* a line with nothing but spaces is a blank line, as pandas reads it */
      if (n == 1 && seg->first_field_blank)
        return;
      {
        g_autofree char *name = display_name (reader);
        char *message = g_strdup_printf (
            /* Translators: a CSV row has a different number of fields than the header */
            g_dngettext (GETTEXT_PACKAGE, "%s, line %llu: %u field where the header has %u",
                         "%s, line %llu: %u fields where the header has %u", n),
            name, file_line (seg, seg->row_line), n, reader->n_cols);
        skip_or_fail (seg, message);
        return;
      }
    }

  for (guint c = 0; c < n; c++)
    seg->builders[c].len++;
  seg->n_rows++;
}

static int
never_space (unsigned char c)
{
  return 0;
}

/* Sixteen bytes at a time through the compiler's generic vectors (SSE2 on x86-64, NEON on ARM),
 * so the scan is fast at any optimisation level. */
typedef guint8 Bytes16 __attribute__ ((vector_size (16)));

static inline Bytes16
load16 (const guint8 *p)
{
  Bytes16 v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline gboolean
is_space_byte (guint8 c, char delimiter)
{
  return c == ' ' || (c == '\t' && delimiter != '\t');  /* a tab delimiter is no space */
}

static inline gboolean
is_edge_byte (guint8 c, char delimiter)
{
  return c == (guint8) delimiter || c == '\n' || c == '\r';
}

/* Whether a space or tab stands at the edge of a field anywhere in the block: first or last in
 * it, or next to a delimiter or line end. libcsv trims such spaces unless it is given a space
 * function that says there are none (never_space()), and pandas keeps them. Where no field has
 * one, libcsv's trimming changes nothing and its built-in test is faster than calling a
 * function for every byte. */
static gboolean
has_edge_space (const char *block, gsize len, char delimiter)
{
  const guint8 *s = (const guint8 *) block;
  const guint8 d = (guint8) delimiter;
  const guint8 tab = delimiter == '\t' ? ' ' : '\t';  /* a tab delimiter: look for spaces twice */
  gsize i = 1;

  if (len == 0)
    return FALSE;
  if (is_space_byte (s[0], delimiter) || is_space_byte (s[len - 1], delimiter))
    return TRUE;
  while (i + 17 <= len)
    {
      gsize stop = MIN (len - 16, i + 4096);
      Bytes16 acc = { 0 };
      guint64 words[2];
      for (; i + 1 <= stop; i += 16)
        {
          Bytes16 prev = load16 (s + i - 1), cur = load16 (s + i), next = load16 (s + i + 1);
          Bytes16 ws = (Bytes16) ((cur == ' ') | (cur == tab));
          Bytes16 edge = (Bytes16) ((prev == d) | (prev == '\n') | (prev == '\r') |
                                    (next == d) | (next == '\n') | (next == '\r'));
          acc |= ws & edge;
        }
      memcpy (words, &acc, sizeof words);
      if (words[0] | words[1])
        return TRUE;
    }
  for (; i + 1 < len; i++)
    if (is_space_byte (s[i], delimiter) &&
        (is_edge_byte (s[i - 1], delimiter) || is_edge_byte (s[i + 1], delimiter)))
      return TRUE;
  return FALSE;
}

static long long
line_column (const char *line_start, const char *at)
{
  return g_utf8_strlen (line_start, at - line_start) + 1;
}

static gboolean
is_ascii (const char *s, gsize len)
{
  guint64 acc = 0;
  gsize i = 0;

  for (; i + 32 <= len; i += 32)
    {
      guint64 w[4];
      memcpy (w, s + i, sizeof w);
      acc |= w[0] | w[1] | w[2] | w[3];
    }
  for (; i < len; i++)
    acc |= (guint8) s[i];
  return (acc & G_GUINT64_CONSTANT (0x8080808080808080)) == 0;
}

/* Feeds one block of whole lines to the parser, line by line. */
static void
segment_feed (Segment *seg, const char *block, gsize len)
{
  Reader *reader = seg->reader;
  const char *p = block, *end = block + len;
  const char *bad;

  /* NUL bytes and (for UTF-8 files) invalid bytes, with the line and column they are on: the
   * first of them in the block counts, when its line is reached (so that what comes first in the
   * file decides, however the file is cut into blocks and segments) */
  bad = memchr (block, '\0', len);
  if (reader->encoding == NULL)
    {
      gsize before = bad ? (gsize) (bad - block) : len;
      const char *invalid = NULL;
      if (!is_ascii (block, before) && !g_utf8_validate_len (block, before, &invalid))
        bad = invalid;
    }

  csv_set_space_func (&seg->parser,
                      has_edge_space (block, len, reader->delimiter) ? never_space : NULL);
  while (p < end && !seg->stop)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *line_end = nl ? nl + 1 : end;

      if (bad != NULL && bad < line_end && *bad != '\0' && reader->encoding_detected &&
          seg->bad_encoding_hint == NULL)
        {
          /* auto-detected as UTF-8 on a sample, but it is not: read again as a legacy code page,
           * guessed from this line (decided once the segments are done, in file order) */
          uchardet_t ud = uchardet_new ();
          uchardet_handle_data (ud, p, (gsize) (line_end - p));
          uchardet_data_end (ud);
          seg->bad_encoding_hint = g_strdup (uchardet_get_charset (ud));
          uchardet_delete (ud);
          seg->stop = TRUE;
          return;
        }
      if (bad != NULL && bad < line_end)
        {
          g_autofree char *name = display_name (reader);
          if (*bad == '\0')
            segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_BINARY,
                                            _("%s, line %llu, column %lld: a NUL byte; this does "
                                              "not look like a text file"),
                                            name, file_line (seg, seg->line), line_column (p, bad)));
          else
            segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_ENCODING,
                                            _("%s, line %llu, column %lld: bytes that are not "
                                              "valid %s; choose the file’s encoding"),
                                            name, file_line (seg, seg->line), line_column (p, bad),
                                            reader->encoding_label));
          return;
        }

      if (seg->parser.pstate == 0)
        seg->row_line = seg->line;
      if (csv_parse (&seg->parser, p, (gsize) (line_end - p), on_field, on_row, seg) !=
          (gsize) (line_end - p))
        {
          g_autofree char *name = display_name (reader);
          segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_QUOTE,
                                          _("%s, line %llu: a quote inside an unquoted field, "
                                            "or text after a closing quote"),
                                          name, file_line (seg, seg->line)));
          return;
        }
      seg->line++;
      p = line_end;
    }
}

static GInputStream *
open_decoded (Reader *reader, guint64 offset, GInputStream **raw_out, GError **error)
{
  g_autoptr(GFileInputStream) raw = NULL;
  GInputStream *stream;

  raw = g_file_read (reader->file, reader->cancellable, error);
  if (raw == NULL)
    return NULL;
  if (offset > 0 &&
      !g_seekable_seek (G_SEEKABLE (raw), (goffset) offset, G_SEEK_SET, reader->cancellable, error))
    return NULL;
  if (reader->encoding != NULL)
    {
      g_autoptr(GCharsetConverter) conv = g_charset_converter_new ("UTF-8", reader->encoding, error);
      if (conv == NULL)
        return NULL;
      stream = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (conv));
    }
  else
    stream = g_object_ref (G_INPUT_STREAM (raw));
  *raw_out = G_INPUT_STREAM (g_steal_pointer (&raw));
  return stream;
}

static void
report_progress (Reader *reader, gint64 delta, gboolean call)
{
  gssize done = (gssize) g_atomic_pointer_add (&reader->bytes_done, (gssize) delta) + (gssize) delta;

  if (call && reader->progress && reader->file_size > 0)
    reader->progress (MIN (1.0, (double) done / (double) reader->file_size), reader->progress_data);
}

/* Opens the segment's run of the file as decoded blocks of whole lines. */
static gboolean
segment_open_blocks (Segment *seg, BlockReader *br)
{
  Reader *reader = seg->reader;
  GInputStream *stream, *raw = NULL;
  GError *error = NULL;
  guint64 start = seg->offset + (seg->index == 0 ? reader->bom_len : 0);
  guint64 limit = seg->length == G_MAXUINT64 ? G_MAXUINT64 : seg->length - (start - seg->offset);

  stream = open_decoded (reader, start, &raw, &error);
  if (stream == NULL)
    {
      segment_fail (seg, error);
      return FALSE;
    }
  block_reader_init (br, stream, raw, reader->encoding ? G_MAXUINT64 : limit);
  g_object_unref (stream);
  g_object_unref (raw);
  return TRUE;
}

/* The next block; FALSE at the end or on an error, which then stops the segment. */
static gboolean
segment_next_block (Segment *seg, BlockReader *br, const char **block, gsize *block_len)
{
  Reader *reader = seg->reader;
  GError *error = NULL;

  if (block_reader_next (br, block, block_len, reader->cancellable, &error))
    return TRUE;
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
        {
          g_autofree char *name = display_name (reader);
          GError *e = g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_ENCODING,
                                   _("%s, line %llu: bytes that are not valid %s; "
                                     "choose the file’s encoding"),
                                   name, file_line (seg, seg->line), reader->encoding_label);
          g_error_free (error);
          error = e;
        }
      segment_fail (seg, error);
    }
  return FALSE;
}

/* The end of the segment's text: its last row, or the quoted field left open. */
static void
segment_finish (Segment *seg)
{
  if (!seg->stop && csv_fini (&seg->parser, on_field, on_row, seg) != 0)
    {
      g_autofree char *name = display_name (seg->reader);
      segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_QUOTE,
                                      _("%s, line %llu: a quoted field that is never closed"),
                                      name, file_line (seg, seg->row_line)));
    }
}

static gpointer
segment_run (gpointer data)
{
  Segment *seg = data;
  Reader *reader = seg->reader;
  BlockReader br;
  GError *error = NULL;
  const char *block;
  gsize block_len;
  goffset last_pos;

  if (!segment_open_blocks (seg, &br))
    return NULL;
  last_pos = g_seekable_tell (G_SEEKABLE (br.raw));
  while (segment_next_block (seg, &br, &block, &block_len))
    {
      goffset pos;

      segment_feed (seg, block, block_len);
      if (seg->stop)
        break;
      pos = g_seekable_tell (G_SEEKABLE (br.raw));
      report_progress (reader, pos - last_pos, seg->index == 0);
      last_pos = pos;
      if (g_cancellable_set_error_if_cancelled (reader->cancellable, &error))
        {
          segment_fail (seg, error);
          break;
        }
    }
  segment_finish (seg);
  block_reader_clear (&br);
  return NULL;
}

static void
segment_init (Segment *seg, Reader *reader, guint index, guint64 offset, guint64 length,
              gsize expected_rows)
{
  memset (seg, 0, sizeof *seg);
  seg->reader = reader;
  seg->index = index;
  seg->offset = offset;
  seg->length = length;
  seg->has_header = index == 0 && reader->header;
  seg->header_done = !seg->has_header;
  seg->line = 1;
  seg->row_line = 1;
  seg->header = g_ptr_array_new_with_free_func (g_free);
  seg->demote = g_new0 (gboolean, reader->n_cols);
  seg->builders = g_new0 (Builder, reader->n_cols);
  for (guint c = 0; c < reader->n_cols; c++)
    builder_init (&seg->builders[c], reader->plan[c], expected_rows);
  csv_init (&seg->parser, CSV_STRICT | CSV_STRICT_FINI);
  csv_set_delim (&seg->parser, (unsigned char) reader->delimiter);
  csv_set_space_func (&seg->parser, never_space);
}

static void
segment_clear (Segment *seg)
{
  csv_free (&seg->parser);
  if (seg->builders)
    for (guint c = 0; c < seg->reader->n_cols; c++)
      builder_clear (&seg->builders[c]);
  g_clear_pointer (&seg->builders, g_free);
  g_clear_pointer (&seg->header, g_ptr_array_unref);
  g_clear_pointer (&seg->demote, g_free);
  g_clear_error (&seg->error);
  g_clear_pointer (&seg->first_skipped_message, g_free);
  g_clear_pointer (&seg->bad_encoding_hint, g_free);
}

/* ---- Detection ------------------------------------------------------------------------------ */

static gboolean
read_raw_sample (Reader *reader, GBytes **out, GError **error)
{
  g_autoptr(GFileInputStream) raw = NULL;
  g_autoptr(GFileInfo) finfo = NULL;
  g_autofree char *name = display_name (reader);
  guint8 *buf;
  gsize n = 0;

  raw = g_file_read (reader->file, reader->cancellable, error);
  if (raw == NULL)
    {
      GError *e = *error;
      *error = g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_OPEN, _("Cannot open %s: %s"),
                            reader->path, e->message);
      g_error_free (e);
      return FALSE;
    }
  finfo = g_file_input_stream_query_info (raw, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                                          G_FILE_ATTRIBUTE_STANDARD_TYPE, reader->cancellable, error);
  if (finfo == NULL)
    return FALSE;
  if (g_file_info_get_file_type (finfo) == G_FILE_TYPE_DIRECTORY)
    {
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPEN, _("%s is a folder, not a CSV file"),
                   reader->path);
      return FALSE;
    }
  reader->file_size = (guint64) g_file_info_get_size (finfo);
  buf = g_malloc (4 * SAMPLE_SIZE);
  if (!g_input_stream_read_all (G_INPUT_STREAM (raw), buf, 4 * SAMPLE_SIZE, &n,
                                reader->cancellable, error))
    {
      g_free (buf);
      return FALSE;
    }
  if (n == 0)
    {
      g_free (buf);
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_EMPTY, _("%s is empty"), name);
      return FALSE;
    }
  *out = g_bytes_new_take (buf, n);
  return TRUE;
}

static const char *
legacy_encoding (const char *guess, const guint8 *data, gsize len)
{
  /* uchardet's names for Korean; CP949 is the superset Excel writes */
  if (guess && (g_ascii_strcasecmp (guess, "EUC-KR") == 0 || g_ascii_strcasecmp (guess, "UHC") == 0 ||
                g_ascii_strcasecmp (guess, "CP949") == 0 || g_ascii_strcasecmp (guess, "ISO-2022-KR") == 0 ||
                g_ascii_strcasecmp (guess, "JOHAB") == 0))
    return "CP949";
  /* a sample that decodes as CP949 into Hangul syllables is Korean whatever the guess */
  {
    gsize written = 0;
    g_autofree char *text = g_convert ((const char *) data, (gssize) len, "UTF-8", "CP949",
                                       NULL, &written, NULL);
    if (text != NULL)
      {
        guint hangul = 0, other = 0;
        for (const char *p = text; *p; p = g_utf8_next_char (p))
          {
            gunichar ch = g_utf8_get_char (p);
            if (ch >= 0xAC00 && ch <= 0xD7A3)
              hangul++;
            else if (ch >= 0x80)
              other++;
          }
        if (hangul > 0 && hangul >= other)
          return "CP949";
      }
  }
  if (guess && *guess && g_ascii_strncasecmp (guess, "ISO-8859", 8) != 0 &&
      g_ascii_strcasecmp (guess, "ASCII") != 0)
    {
      GIConv cd = g_iconv_open ("UTF-8", guess);
      if (cd != (GIConv) -1)
        {
          g_iconv_close (cd);
          return guess;
        }
    }
  return "WINDOWS-1252";
}

static gboolean
detect_encoding (Reader *reader, GBytes *sample, GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (sample, &len);
  const char *bad = NULL;
  const char *name = reader->options.encoding;

  reader->bom_len = 0;
  if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
    {
      reader->bom_len = 3;
      if (name == NULL)
        {
          reader->encoding_label = g_strdup ("UTF-8 (BOM)");
          return TRUE;
        }
    }
  else if (len >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF)))
    {
      reader->bom_len = 2;
      if (name == NULL)
        {
          reader->encoding = g_strdup (data[0] == 0xFF ? "UTF-16LE" : "UTF-16BE");
          reader->encoding_label = g_strdup (reader->encoding);
          return TRUE;
        }
    }

  if (name != NULL)
    {
      GIConv cd;
      if (g_ascii_strcasecmp (name, "UTF-8") == 0 || g_ascii_strcasecmp (name, "UTF8") == 0)
        {
          reader->encoding_label = g_strdup ("UTF-8");
          return TRUE;
        }
      cd = g_iconv_open ("UTF-8", name);
      if (cd == (GIConv) -1)
        {
          g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPTIONS,
                       _("Unknown encoding “%s”"), name);
          return FALSE;
        }
      g_iconv_close (cd);
      reader->encoding = g_ascii_strup (name, -1);
      reader->encoding_label = g_strdup (reader->encoding);
      return TRUE;
    }

  reader->encoding_detected = TRUE;
  if (reader->bad_encoding_hint != NULL)
    {
      reader->encoding = g_strdup (legacy_encoding (reader->bad_encoding_hint, data, len));
      reader->encoding_label = g_strdup (reader->encoding);
      return TRUE;
    }
  {
    /* a sample cut in the middle of a character is still UTF-8 */
    gboolean valid = g_utf8_validate_len ((const char *) data, len, &bad);
    if (!valid && (gsize) ((const guint8 *) bad - data) + 4 > len && len == 4 * SAMPLE_SIZE)
      valid = TRUE;
    if (!valid && memchr (data, '\0', len) != NULL)
      valid = TRUE;  /* NUL bytes: let the parser report where */
    if (valid)
      {
        reader->encoding_label = g_strdup ("UTF-8");
        return TRUE;
      }
  }
  {
    uchardet_t ud = uchardet_new ();
    const char *guess;
    uchardet_handle_data (ud, (const char *) data, len);
    uchardet_data_end (ud);
    guess = uchardet_get_charset (ud);
    reader->encoding = g_strdup (legacy_encoding (guess, data, len));
    reader->encoding_label = g_strdup (reader->encoding);
    uchardet_delete (ud);
  }
  return TRUE;
}

/* The first rows of the file, decoded, as arrays of strings. */
typedef struct {
  GPtrArray *rows;     /* GPtrArray of char* */
  GPtrArray *current;
  gboolean   complete; /* the sample holds the whole file */
} SampleRows;

static void
sample_on_field (void *s, size_t len, void *data)
{
  SampleRows *sr = data;
  if (sr->current == NULL)
    sr->current = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (sr->current, g_strndup (s ? s : "", len));
}

static void
sample_on_row (int c, void *data)
{
  SampleRows *sr = data;
  if (sr->current == NULL)
    return;
  if (sr->rows->len < SAMPLE_ROWS)
    g_ptr_array_add (sr->rows, sr->current);
  else
    g_ptr_array_unref (sr->current);
  sr->current = NULL;
}

static char *
decode_sample (Reader *reader, GBytes *raw_sample, gboolean *complete, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (raw_sample, &len);
  char *text;
  const char *nl;

  data += reader->bom_len;
  len -= reader->bom_len;
  *complete = reader->file_size <= len + reader->bom_len;
  if (reader->encoding == NULL)
    text = g_strndup (data, len);
  else
    {
      gsize read = 0, written = 0;
      GError *e = NULL;
      /* drop a partial last line first, so the converter never sees half a character */
      gsize cut = len;
      if (!*complete)
        while (cut > 0 && data[cut - 1] != '\n')
          cut--;
      if (cut == 0)
        cut = len;
      text = g_convert (data, (gssize) cut, "UTF-8", reader->encoding, &read, &written, &e);
      if (text == NULL)
        {
          g_autofree char *name = display_name (reader);
          /* count the lines before the bad byte */
          guint64 line = 1;
          for (gsize i = 0; i < read; i++)
            line += data[i] == '\n';
          g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_ENCODING,
                       _("%s, line %llu: bytes that are not valid %s; choose the "
                         "file’s encoding"), name, (unsigned long long) line, reader->encoding_label);
          g_error_free (e);
          return NULL;
        }
    }
  if (!*complete && (nl = strrchr (text, '\n')) != NULL)
    text[nl - text + 1] = '\0';
  return text;
}

static char
detect_delimiter (const char *text)
{
  static const char candidates[] = { ',', ';', '\t', '|' };
  guint best = 0;
  double best_score = 0;

  for (guint k = 0; k < G_N_ELEMENTS (candidates); k++)
    {
      char d = candidates[k];
      guint lines = 0, consistent = 0, first = 0, total = 0;
      gboolean quoted = FALSE;
      guint count = 0;

      for (const char *p = text; *p && lines < 100; p++)
        {
          if (*p == '"')
            quoted = !quoted;
          else if (!quoted && *p == d)
            count++;
          else if (!quoted && *p == '\n')
            {
              if (lines == 0)
                first = count;
              else if (count == first)
                consistent++;
              total += count;
              lines++;
              count = 0;
            }
        }
      if (count > 0 || lines == 0)
        {
          if (lines == 0)
            first = count;
          else if (count == first)
            consistent++;
          total += count;
          lines++;
        }
      if (first == 0)
        continue;
      {
        double score = (double) first * (1.0 + consistent) / lines;
        if (score > best_score)
          {
            best_score = score;
            best = k;
          }
      }
    }
  return best_score > 0 ? candidates[best] : ',';
}

static gboolean
looks_numeric (const char *s, char decimal)
{
  double v;
  return *s && kiln_parse_double (s, strlen (s), decimal, &v);
}

static gboolean
is_decimal_comma_number (const char *s)
{
  const char *p = s;
  gboolean digits_before = FALSE, digits_after = FALSE;

  if (*p == '-' || *p == '+')
    p++;
  while (g_ascii_isdigit (*p))
    p++, digits_before = TRUE;
  if (*p != ',')
    return FALSE;
  p++;
  while (g_ascii_isdigit (*p))
    p++, digits_after = TRUE;
  return digits_before && digits_after && *p == '\0';
}

static gboolean
parse_sample_rows (Reader *reader, const char *text, gboolean complete, SampleRows *sr)
{
  struct csv_parser p;

  sr->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  sr->current = NULL;
  sr->complete = complete;
  csv_init (&p, 0);
  csv_set_delim (&p, (unsigned char) reader->delimiter);
  csv_set_space_func (&p, never_space);
  {
    /* in slices, stopping once there are enough rows */
    gsize len = strlen (text), at = 0;
    while (at < len && sr->rows->len < SAMPLE_ROWS)
      {
        gsize n = MIN (len - at, 16384);
        csv_parse (&p, text + at, n, sample_on_field, sample_on_row, sr);
        at += n;
      }
    if (at >= len)
      csv_fini (&p, sample_on_field, sample_on_row, sr);
  }
  csv_free (&p);
  g_clear_pointer (&sr->current, g_ptr_array_unref);
  return TRUE;
}

static void
detect_layout (Reader *reader, SampleRows *sr)
{
  GPtrArray *rows = sr->rows;
  GPtrArray *first = rows->len ? rows->pdata[0] : NULL;

  /* decimal comma: only where ',' is not the delimiter, and numbers look like 5,1 */
  if (reader->options.decimal)
    reader->decimal = reader->options.decimal;
  else
    {
      guint comma = 0, dot = 0;
      reader->decimal = '.';
      if (reader->delimiter != ',')
        {
          for (guint r = 1; r < rows->len; r++)
            {
              GPtrArray *row = rows->pdata[r];
              for (guint c = 0; c < row->len; c++)
                {
                  const char *s = row->pdata[c];
                  if (is_decimal_comma_number (s))
                    comma++;
                  else if (strchr (s, '.') && looks_numeric (s, '.'))
                    dot++;
                }
            }
          if (comma > 0 && dot == 0)
            reader->decimal = ',';
        }
    }

  /* header: the first row has no numbers in it (and the data has some), or all is text */
  if (reader->options.header >= 0)
    reader->header = reader->options.header != 0;
  else if (first == NULL)
    reader->header = TRUE;
  else
    {
      gboolean numbers_in_first = FALSE;
      for (guint c = 0; c < first->len; c++)
        {
          const char *s = first->pdata[c];
          gint64 t;
          if (looks_numeric (s, reader->decimal) || kiln_parse_datetime (s, strlen (s), &t))
            numbers_in_first = TRUE;
        }
      reader->header = !numbers_in_first;
    }
  reader->n_cols = first ? first->len : 0;
}

static void
infer_plan (Reader *reader, SampleRows *sr)
{
  GPtrArray *rows = sr->rows;

  reader->plan = g_new0 (PlanType, MAX (reader->n_cols, 1));
  for (guint c = 0; c < reader->n_cols; c++)
    {
      gboolean numeric = TRUE, datetime = TRUE, boolean = TRUE;
      guint seen = 0;

      if (!reader->options.detect_types)
        {
          reader->plan[c] = PLAN_CODED;
          continue;
        }
      for (guint r = reader->header ? 1 : 0; r < rows->len; r++)
        {
          GPtrArray *row = rows->pdata[r];
          const char *s;
          gsize len;
          double d;
          gint64 t;
          gboolean b;

          if (c >= row->len)
            continue;
          s = row->pdata[c];
          len = strlen (s);
          if (len == 0 || na_contains (&reader->na, s, len))
            continue;
          seen++;
          if (numeric && !kiln_parse_double (s, len, reader->decimal, &d))
            numeric = FALSE;
          if (datetime && !kiln_parse_datetime (s, len, &t))
            datetime = FALSE;
          if (boolean && !kiln_parse_boolean (s, len, &b))
            boolean = FALSE;
        }
      if (seen == 0 || numeric)
        reader->plan[c] = PLAN_NUMERIC;
      else if (datetime)
        reader->plan[c] = PLAN_DATETIME;
      else if (boolean)
        reader->plan[c] = PLAN_BOOLEAN;
      else
        reader->plan[c] = PLAN_CODED;
    }
}

/* Cuts a UTF-8 file into segments that start at row boundaries. */
static guint
plan_segments (Reader *reader, guint64 *offsets, guint max_segments)
{
  g_autoptr(GFileInputStream) raw = NULL;
  guint n = 1;
  guint64 pos = 0;
  guint64 quotes = 0;
  char *buf;
  guint64 min_size = g_getenv ("KILN_CSV_THREADS") ? 64 : PARALLEL_MIN;

  offsets[0] = 0;
  if (reader->encoding != NULL || reader->file_size < min_size || max_segments < 2)
    return 1;
  raw = g_file_read (reader->file, reader->cancellable, NULL);
  if (raw == NULL)
    return 1;
  buf = g_malloc (BLOCK_SIZE);
  for (guint k = 1; k < max_segments; k++)
    {
      guint64 target = reader->file_size * k / max_segments;
      gboolean found = FALSE;
      while (!found)
        {
          gssize got = g_input_stream_read (G_INPUT_STREAM (raw), buf, BLOCK_SIZE, NULL, NULL);
          const char *p, *end;
          if (got <= 0)
            goto done;
          end = buf + got;
          if (pos + (guint64) got <= target)
            {
              /* count quotes only */
              for (p = buf; (p = memchr (p, '"', (gsize) (end - p))) != NULL; p++)
                quotes++;
              pos += (guint64) got;
              continue;
            }
          for (p = buf; p < end; p++)
            {
              if (*p == '"')
                quotes++;
              else if (*p == '\n' && pos + (guint64) (p - buf) >= target && quotes % 2 == 0)
                {
                  guint64 cut = pos + (guint64) (p - buf) + 1;
                  if (cut < reader->file_size)
                    offsets[n++] = cut;
                  found = TRUE;
                  /* rewind to just after the cut for the next segment's search */
                  g_seekable_seek (G_SEEKABLE (raw), (goffset) cut, G_SEEK_SET, NULL, NULL);
                  pos = cut;
                  break;
                }
            }
          if (!found)
            pos += (guint64) got;
        }
    }
done:
  g_free (buf);
  return n;
}

/* ---- Joining segments into columns -------------------------------------------------------- */

static char **
column_names (Reader *reader, GPtrArray *header)
{
  char **names = g_new0 (char *, reader->n_cols + 1);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint c = 0; c < reader->n_cols; c++)
    {
      const char *h = reader->header && c < header->len ? header->pdata[c] : NULL;
      char *name;

      if (h == NULL)
        name = g_strdup_printf ("column_%u", c + 1);
      else
        {
          g_autofree char *trimmed = g_strstrip (g_strdup (h));
          name = *trimmed ? g_strdup (trimmed) : g_strdup_printf ("Unnamed: %u", c);
        }
      /* duplicate names get .1, .2 as pandas does */
      if (g_hash_table_contains (seen, name))
        {
          for (guint k = 1;; k++)
            {
              char *alt = g_strdup_printf ("%s.%u", name, k);
              if (!g_hash_table_contains (seen, alt))
                {
                  g_free (name);
                  name = alt;
                  break;
                }
              g_free (alt);
            }
        }
      names[c] = name;
      g_hash_table_add (seen, name);
    }
  g_hash_table_unref (seen);
  return names;
}

static KilnColumn *
join_column (Reader *reader, Segment *segs, guint n_segs, guint c, const char *name)
{
  Builder *first = &segs[0].builders[c];
  gsize total = 0, at;
  gsize item = plan_item_size (first->type);
  guint64 *missing = NULL;
  gpointer data;

  for (guint s = 0; s < n_segs; s++)
    total += segs[s].builders[c].len;

  data = g_steal_pointer (&first->data);
  if (total > first->cap)   /* the first segment's array takes the others' rows, or the slack stays */
    data = kiln_grow_large (data, first->len * item, total * item);
  at = first->len;
  if (first->type == PLAN_DATETIME || first->type == PLAN_BOOLEAN)
    {
      gboolean any = FALSE;
      for (guint s = 0; s < n_segs; s++)
        any |= segs[s].builders[c].missing != NULL;
      if (any)
        {
          missing = g_new0 (guint64, (total + 63) / 64);
          if (first->missing)
            memcpy (missing, first->missing, ((first->len + 63) / 64) * sizeof (guint64));
        }
    }
  for (guint s = 1; s < n_segs; s++)
    {
      Builder *b = &segs[s].builders[c];
      if (first->type == PLAN_CODED)
        {
          gint32 *map = g_new (gint32, MAX (b->interner.strings->len, 1));
          gint32 *dst = (gint32 *) data + at;
          for (guint k = 0; k < b->interner.strings->len; k++)
            map[k] = interner_intern (&first->interner, b->interner.strings->pdata[k],
                                      g_array_index (b->interner.lengths, guint32, k));
          for (gsize i = 0; i < b->len; i++)
            dst[i] = b->c[i] < 0 ? -1 : map[b->c[i]];
          g_free (map);
        }
      else
        memcpy ((char *) data + at * item, b->data, b->len * item);
      if (missing && b->missing)
        for (gsize i = 0; i < b->len; i++)
          if (kiln_bitmap_get (b->missing, (guint) i))
            kiln_bitmap_set (missing, (guint) (at + i));
      at += b->len;
      builder_clear (b);
      b->type = PLAN_NUMERIC; /* cleared: nothing left to free */
    }

  switch (first->type)
    {
    case PLAN_NUMERIC:
      return kiln_column_new_numeric (name, data, (guint) total);
    case PLAN_DATETIME:
      return kiln_column_new_datetime (name, data, missing, (guint) total);
    case PLAN_BOOLEAN:
      return kiln_column_new_boolean (name, data, missing, (guint) total);
    case PLAN_CODED:
      {
        Interner *in = &first->interner;
        guint distinct = in->strings->len;
        guint64 non_missing = 0;
        KilnColumnType type = KILN_COLUMN_CATEGORICAL;
        GPtrArray *cats;
        for (gsize i = 0; i < total; i++)
          non_missing += ((gint32 *) data)[i] >= 0;
        /* free text: long strings, or almost every value different */
        if ((distinct > 0 && in->total_length / distinct > 50) ||
            (distinct > 1000 && distinct * 2 > non_missing))
          type = KILN_COLUMN_TEXT;
        cats = g_steal_pointer (&in->strings);
        in->strings = g_ptr_array_new_with_free_func (g_free);
        {
          /* categories only seen in skipped rows are dropped */
          guint8 *used = g_new0 (guint8, MAX (cats->len, 1));
          guint n_used = 0;
          for (gsize i = 0; i < total; i++)
            if (((gint32 *) data)[i] >= 0)
              used[((gint32 *) data)[i]] = 1;
          for (guint k = 0; k < cats->len; k++)
            n_used += used[k];
          if (n_used < cats->len)
            {
              gint32 *map = g_new (gint32, cats->len);
              GPtrArray *kept = g_ptr_array_new_full (n_used, g_free);
              for (guint k = 0; k < cats->len; k++)
                {
                  map[k] = used[k] ? (gint32) kept->len : -1;
                  if (used[k])
                    g_ptr_array_add (kept, g_strdup (cats->pdata[k]));
                }
              for (gsize i = 0; i < total; i++)
                if (((gint32 *) data)[i] >= 0)
                  ((gint32 *) data)[i] = map[((gint32 *) data)[i]];
              g_free (map);
              g_ptr_array_unref (cats);
              cats = kept;
            }
          g_free (used);
        }
        return kiln_column_new_coded (name, type, data, cats, (guint) total);
      }
    default:
      g_assert_not_reached ();
    }
}

typedef struct {
  Reader      *reader;
  Segment     *segs;
  guint        n_segs;
  char       **names;
  KilnColumn **columns;
  gint         next;    /* atomic */
} JoinJob;

static gpointer
join_worker (gpointer data)
{
  JoinJob *job = data;
  guint c;

  while ((c = (guint) g_atomic_int_add (&job->next, 1)) < job->reader->n_cols)
    job->columns[c] = join_column (job->reader, job->segs, job->n_segs, c, job->names[c]);
  return NULL;
}

/* ---- The reader --------------------------------------------------------------------------- */

static void
reader_clear (Reader *reader)
{
  g_clear_object (&reader->file);
  kiln_csv_options_clear (&reader->options);
  g_clear_pointer (&reader->encoding, g_free);
  g_clear_pointer (&reader->encoding_label, g_free);
  g_clear_pointer (&reader->plan, g_free);
  g_clear_pointer (&reader->na.values, g_ptr_array_unref);
  g_clear_pointer (&reader->na.lengths, g_free);
  g_clear_pointer (&reader->bad_encoding_hint, g_free);
}

static KilnFrame *
read_with_plan (Reader *reader, gboolean *again, KilnCsvInfo *info, GError **error)
{
  guint64 offsets[MAX_SEGMENTS + 1];
  const char *threads_env = g_getenv ("KILN_CSV_THREADS");  /* for tests and benchmarks */
  guint max_threads = threads_env ? (guint) CLAMP (atoi (threads_env), 1, MAX_SEGMENTS)
                                  : MIN (MAX_SEGMENTS, g_get_num_processors ());
  guint n_segs = plan_segments (reader, offsets, max_threads);
  Segment segs[MAX_SEGMENTS];
  GThread *threads[MAX_SEGMENTS] = { NULL };
  KilnFrame *frame = NULL;
  gsize expected_rows = 0;
  guint n_counted;

  *again = FALSE;
  offsets[n_segs] = reader->file_size;
  g_atomic_pointer_set (&reader->bytes_done, 0);

  for (guint s = 0; s < n_segs; s++)
    {
      /* guess the rows from the sample's bytes per row, so arrays rarely grow */
      expected_rows = (gsize) ((offsets[s + 1] - offsets[s]) / 32);
      segment_init (&segs[s], reader, s, offsets[s],
                    s + 1 < n_segs ? offsets[s + 1] - offsets[s] : G_MAXUINT64,
                    MIN (expected_rows, 1u << 22));
    }
  g_debug ("%s: %u segments planned at %.3f s", reader->path, n_segs,
           (g_get_monotonic_time () - reader->t0) / 1e6);
  for (guint s = 1; s < n_segs; s++)
    threads[s] = g_thread_new ("kiln-csv", segment_run, &segs[s]);
  segment_run (&segs[0]);
  g_debug ("segment 0 done at %.3f s", (g_get_monotonic_time () - reader->t0) / 1e6);
  for (guint s = 1; s < n_segs; s++)
    g_thread_join (threads[s]);
  g_debug ("all segments done at %.3f s", (g_get_monotonic_time () - reader->t0) / 1e6);

  /* What stopped the reading first in the file decides, as on one thread: segments after the
   * first one that failed or found the file not UTF-8 do not count (their demotions, errors,
   * encoding guesses are what one thread would never have reached). */
  n_counted = n_segs;
  for (guint s = 0; s < n_segs; s++)
    if (segs[s].error != NULL || segs[s].bad_encoding_hint != NULL)
      {
        n_counted = s + 1;
        if (segs[s].bad_encoding_hint != NULL)
          {
            g_free (reader->bad_encoding_hint);
            reader->bad_encoding_hint = g_steal_pointer (&segs[s].bad_encoding_hint);
          }
        break;
      }
  if (reader->bad_encoding_hint != NULL && reader->encoding == NULL)
    {
      *again = TRUE;
      goto out;
    }
  for (guint s = 0; s < n_counted; s++)
    if (segs[s].any_demoted)
      {
        for (guint c = 0; c < reader->n_cols; c++)
          if (segs[s].demote[c])
            reader->plan[c] = PLAN_CODED;
        *again = TRUE;
      }
  if (*again)
    goto out;
  for (guint s = 0; s < n_counted; s++)
    if (segs[s].error)
      {
        /* the first segment's error is the first in the file */
        g_propagate_error (error, g_steal_pointer (&segs[s].error));
        goto out;
      }

  if (reader->progress)
    reader->progress (1.0, reader->progress_data);

  {
    char **names = column_names (reader, segs[0].header);
    KilnColumn **columns = g_new0 (KilnColumn *, MAX (reader->n_cols, 1));
    JoinJob job = { reader, segs, n_segs, names, columns, 0 };
    GThread *helper = NULL;
    /* columns are joined independently: on two threads when there is enough to join */
    if (reader->n_cols > 1 && reader->file_size >= PARALLEL_MIN)
      helper = g_thread_new ("kiln-csv-join", join_worker, &job);
    join_worker (&job);
    if (helper)
      g_thread_join (helper);
    frame = kiln_frame_new (columns, reader->n_cols);
    for (guint c = 0; c < reader->n_cols; c++)
      kiln_column_unref (columns[c]);
    g_free (columns);
    g_strfreev (names);
  }

  g_debug ("joined at %.3f s", (g_get_monotonic_time () - reader->t0) / 1e6);
  if (info)
    {
      for (guint s = 0; s < n_segs; s++)
        {
          if (segs[s].n_skipped && info->n_skipped_rows == 0)
            {
              info->first_skipped_line = (guint) segs[s].first_skipped_line;
              info->first_skipped_message = g_steal_pointer (&segs[s].first_skipped_message);
            }
          info->n_skipped_rows += segs[s].n_skipped;
        }
    }

out:
  for (guint s = 0; s < n_segs; s++)
    segment_clear (&segs[s]);
  return frame;
}

/* The reader's settings: options checked, missing markers ready. */
static gboolean
reader_setup (Reader                *reader,
              const char            *path,
              const KilnCsvOptions  *options,
              KilnProgressFunc       progress,
              gpointer               user_data,
              GCancellable          *cancellable,
              GError               **error)
{
  const char * const *na;

  reader->path = path;
  reader->t0 = g_get_monotonic_time ();
  reader->file = g_file_new_for_path (path);
  if (options)
    kiln_csv_options_copy (options, &reader->options);
  else
    kiln_csv_options_init (&reader->options);
  reader->cancellable = cancellable;
  reader->progress = progress;
  reader->progress_data = user_data;

  if (reader->options.delimiter && !strchr (",;\t|", reader->options.delimiter))
    {
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPTIONS,
                   _("The delimiter must be one of , ; tab |"));
      return FALSE;
    }
  if (reader->options.decimal && reader->options.decimal != '.' && reader->options.decimal != ',')
    {
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPTIONS,
                   _("The decimal separator must be . or ,"));
      return FALSE;
    }

  na = reader->options.na_values ? (const char * const *) reader->options.na_values : default_na;
  reader->na.values = g_ptr_array_new ();
  for (guint i = 0; na[i]; i++)
    g_ptr_array_add (reader->na.values, (gpointer) na[i]);
  reader->na.lengths = g_new (guint, MAX (reader->na.values->len, 1));
  for (guint i = 0; i < reader->na.values->len; i++)
    {
      const guint8 *v = reader->na.values->pdata[i];
      reader->na.lengths[i] = (guint) strlen ((const char *) v);
      if (v[0] == 0)
        reader->na.empty = TRUE;
      else
        reader->na.first[v[0] >> 6] |= G_GUINT64_CONSTANT (1) << (v[0] & 63);
    }
  return TRUE;
}

/* Detection from a sample: encoding, delimiter, layout and, unless @kept_plan (taken) is given,
 * the columns' plan. Called again when the plan or the encoding turned out wrong. */
static gboolean
reader_detect (Reader *reader, PlanType *kept_plan, GError **error)
{
  g_autoptr(GBytes) raw_sample = NULL;
  g_autofree char *text = NULL;
  SampleRows sr = { 0 };
  gboolean complete;

  g_clear_pointer (&reader->plan, g_free);
  if (reader->bad_encoding_hint != NULL)
    g_clear_pointer (&kept_plan, g_free); /* a new encoding: infer again */
  g_clear_pointer (&reader->encoding, g_free);
  g_clear_pointer (&reader->encoding_label, g_free);
  if (!read_raw_sample (reader, &raw_sample, error) ||
      !detect_encoding (reader, raw_sample, error))
    {
      g_free (kept_plan);
      return FALSE;
    }
  g_clear_pointer (&reader->bad_encoding_hint, g_free);
  text = decode_sample (reader, raw_sample, &complete, error);
  if (text == NULL)
    {
      g_free (kept_plan);
      return FALSE;
    }
  reader->delimiter = reader->options.delimiter ? reader->options.delimiter : detect_delimiter (text);
  parse_sample_rows (reader, text, complete, &sr);
  detect_layout (reader, &sr);
  if (reader->n_cols == 0)
    {
      g_autofree char *name = display_name (reader);
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_EMPTY, _("%s has no columns"), name);
      g_ptr_array_unref (sr.rows);
      g_free (kept_plan);
      return FALSE;
    }
  if (kept_plan)
    reader->plan = kept_plan;
  else
    infer_plan (reader, &sr);
  g_ptr_array_unref (sr.rows);
  return TRUE;
}

static void
reader_fill_info (Reader *reader, KilnCsvInfo *info)
{
  g_free (info->encoding);
  info->encoding = g_strdup (reader->encoding_label);
  info->delimiter = reader->delimiter;
  info->decimal = reader->decimal;
  info->header = reader->header;
  info->n_bytes = reader->file_size;
}

KilnFrame *
kiln_csv_read (const char            *path,
               const KilnCsvOptions  *options,
               KilnProgressFunc       progress,
               gpointer               user_data,
               GCancellable          *cancellable,
               KilnCsvInfo           *info,
               GError               **error)
{
  Reader reader = { 0 };
  KilnFrame *frame = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (info)
    memset (info, 0, sizeof *info);
  if (!reader_setup (&reader, path, options, progress, user_data, cancellable, error))
    goto out;

  for (guint attempt = 0;; attempt++)
    {
      gboolean again = FALSE;

      if (!reader_detect (&reader, attempt > 0 ? g_steal_pointer (&reader.plan) : NULL, error))
        goto out;
      frame = read_with_plan (&reader, &again, info, error);
      if (!again || attempt > reader.n_cols + 1)
        break;
      g_debug ("reading %s again with a new plan", path);
    }

  if (frame && info)
    reader_fill_info (&reader, info);

out:
  reader_clear (&reader);
  return frame;
}

/* ---- Reading a piece at a time ------------------------------------------------------------ */

struct _KilnCsvStream {
  Reader       reader;
  Segment      seg;         /* the whole file, one segment */
  BlockReader  br;
  gboolean     opened;      /* seg and br are set up */
  char       **names;
  GString     *chunk;       /* the text of the rows not handed out yet, to read again */
  guint64      chunk_line;  /* the line it starts on */
  guint        chunk_skipped;  /* rows skipped before it */
  gboolean     emitted;     /* a frame was handed out: the plan and encoding stay */
  gboolean     eof;         /* no more blocks */
  gboolean     finished;    /* the parser was told the text ended */
  gboolean     failed;
  char        *path_copy;
};

static void
stream_close_segment (KilnCsvStream *st)
{
  if (!st->opened)
    return;
  block_reader_clear (&st->br);
  segment_clear (&st->seg);
  st->opened = FALSE;
}

/* (Re)starts reading at the file's beginning with the reader's current plan. */
static gboolean
stream_open_segment (KilnCsvStream *st, guint expected_rows)
{
  stream_close_segment (st);
  segment_init (&st->seg, &st->reader, 0, 0, G_MAXUINT64, expected_rows);
  st->opened = TRUE;
  g_string_truncate (st->chunk, 0);
  st->chunk_line = 1;
  st->chunk_skipped = 0;
  st->eof = st->finished = FALSE;
  return segment_open_blocks (&st->seg, &st->br);
}

/* Back to the start of the rows not handed out yet, with the columns' plan as it is now. */
static void
stream_rewind_chunk (KilnCsvStream *st, guint expected_rows)
{
  Segment *seg = &st->seg;
  Reader *reader = &st->reader;

  for (guint c = 0; c < reader->n_cols; c++)
    {
      builder_clear (&seg->builders[c]);
      builder_init (&seg->builders[c], reader->plan[c], expected_rows);
      seg->demote[c] = FALSE;
    }
  seg->any_demoted = seg->stop = FALSE;
  seg->n_fields = 0;
  seg->n_rows = 0;
  seg->line = seg->row_line = st->chunk_line;
  if (st->chunk_line == 1 && seg->has_header)
    {
      seg->header_done = FALSE;
      g_ptr_array_set_size (seg->header, 0);
    }
  if (seg->n_skipped > st->chunk_skipped && st->chunk_skipped == 0)
    g_clear_pointer (&seg->first_skipped_message, g_free);
  seg->n_skipped = st->chunk_skipped;
  csv_free (&seg->parser);
  csv_init (&seg->parser, CSV_STRICT | CSV_STRICT_FINI);
  csv_set_delim (&seg->parser, (unsigned char) reader->delimiter);
  csv_set_space_func (&seg->parser, never_space);
  st->finished = FALSE;
  segment_feed (seg, st->chunk->str, st->chunk->len);
}

/* Feeds blocks until @max_rows rows end at a row boundary, the text ends, or the segment stops
 * (an error, a value that breaks its column's plan, a file that is not UTF-8 after all). */
static void
stream_fill (KilnCsvStream *st, guint max_rows)
{
  Segment *seg = &st->seg;
  GError *error = NULL;

  while (!seg->stop)
    {
      const char *block;
      gsize len;

      if (seg->n_rows >= max_rows && seg->parser.pstate == 0 && seg->n_fields == 0)
        return;
      if (st->eof)
        {
          if (!st->finished)
            {
              st->finished = TRUE;
              segment_finish (seg);
            }
          return;
        }
      if (!segment_next_block (seg, &st->br, &block, &len))
        {
          st->eof = TRUE;
          continue;
        }
      g_string_append_len (st->chunk, block, len);
      segment_feed (seg, block, len);
      if (g_cancellable_set_error_if_cancelled (st->reader.cancellable, &error))
        segment_fail (seg, error);
    }
}

/* The rows read so far as a frame; the builders start again empty. */
static KilnFrame *
stream_take_frame (KilnCsvStream *st, guint expected_rows)
{
  Reader *reader = &st->reader;
  Segment *seg = &st->seg;
  KilnColumn **columns = g_new0 (KilnColumn *, MAX (reader->n_cols, 1));
  KilnFrame *frame;

  if (st->names == NULL)
    st->names = column_names (reader, seg->header);
  for (guint c = 0; c < reader->n_cols; c++)
    {
      columns[c] = join_column (reader, seg, 1, c, st->names[c]);
      builder_clear (&seg->builders[c]);
      builder_init (&seg->builders[c], reader->plan[c], expected_rows);
    }
  frame = kiln_frame_new (columns, reader->n_cols);
  for (guint c = 0; c < reader->n_cols; c++)
    kiln_column_unref (columns[c]);
  g_free (columns);
  seg->n_rows = 0;
  g_string_truncate (st->chunk, 0);
  st->chunk_line = seg->line;
  st->chunk_skipped = seg->n_skipped;
  return frame;
}

KilnCsvStream *
kiln_csv_stream_open (const char            *path,
                      const KilnCsvOptions  *options,
                      GCancellable          *cancellable,
                      GError               **error)
{
  KilnCsvStream *st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  st = g_new0 (KilnCsvStream, 1);
  st->chunk = g_string_new (NULL);
  st->reader.path = st->path_copy = g_strdup (path);
  if (!reader_setup (&st->reader, st->path_copy, options, NULL, NULL, cancellable, error) ||
      !reader_detect (&st->reader, NULL, error))
    {
      kiln_csv_stream_free (st);
      return NULL;
    }
  return st;
}

KilnFrame *
kiln_csv_stream_next (KilnCsvStream  *st,
                      guint           max_rows,
                      GError        **error)
{
  Reader *reader;
  Segment *seg;
  guint expected = MAX (max_rows, 1024);

  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (max_rows > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  reader = &st->reader;
  seg = &st->seg;
  if (st->failed)
    {
      g_set_error_literal (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPTIONS,
                           _("Reading this file failed already"));
      return NULL;
    }
  if (!st->opened && !stream_open_segment (st, expected))
    goto fail;

  for (guint attempts = 0;; attempts++)
    {
      stream_fill (st, max_rows);
      if (seg->error != NULL)
        goto fail;
      if (seg->bad_encoding_hint != NULL)
        {
          g_free (reader->bad_encoding_hint);
          reader->bad_encoding_hint = g_steal_pointer (&seg->bad_encoding_hint);
        }
      if (reader->bad_encoding_hint != NULL && !st->emitted && attempts <= reader->n_cols + 1)
        {
          /* not UTF-8 after all: everything again in the code page the bytes suggest (the
           * segment goes first: its builders are counted by the columns detected before) */
          stream_close_segment (st);
          if (!reader_detect (reader, NULL, error))
            goto fail_set;
          if (!stream_open_segment (st, expected))
            goto fail;
          continue;
        }
      if (seg->any_demoted && attempts <= reader->n_cols + 1)
        {
          /* a value that breaks its column's plan: the column keeps the exact text from these
           * rows on, and they are read again */
          for (guint c = 0; c < reader->n_cols; c++)
            if (seg->demote[c])
              reader->plan[c] = PLAN_CODED;
          stream_rewind_chunk (st, expected);
          continue;
        }
      if (seg->stop)
        {
          g_set_error_literal (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPTIONS,
                               _("The columns’ types keep changing; read the file whole"));
          goto fail_set;
        }
      break;
    }

  /* after the first rows, a file that is not UTF-8 is an error on its line */
  reader->encoding_detected = FALSE;
  if (seg->n_rows == 0 && st->finished && st->emitted)
    return NULL;
  st->emitted = TRUE;
  return stream_take_frame (st, expected);

fail:
  if (seg->error != NULL)
    g_propagate_error (error, g_steal_pointer (&seg->error));
fail_set:
  st->failed = TRUE;
  return NULL;
}

void
kiln_csv_stream_get_info (KilnCsvStream *stream,
                          KilnCsvInfo   *info)
{
  g_return_if_fail (stream != NULL && info != NULL);

  reader_fill_info (&stream->reader, info);
  if (stream->opened)
    {
      info->n_skipped_rows = stream->seg.n_skipped;
      info->first_skipped_line = (guint) stream->seg.first_skipped_line;
      g_free (info->first_skipped_message);
      info->first_skipped_message = g_strdup (stream->seg.first_skipped_message);
    }
}

void
kiln_csv_stream_free (KilnCsvStream *stream)
{
  if (stream == NULL)
    return;
  stream_close_segment (stream);
  g_strfreev (stream->names);
  g_string_free (stream->chunk, TRUE);
  reader_clear (&stream->reader);
  g_free (stream->path_copy);
  g_free (stream);
}

/* ---- Writing ---------------------------------------------------------------------------- */

void
kiln_csv_append_field (GString    *out,
                       const char *field)
{
  if (field == NULL)
    return;
  if (field[strcspn (field, ",\"\r\n")] == '\0' && *field != ' ' &&
      (*field == '\0' || field[strlen (field) - 1] != ' '))
    {
      g_string_append (out, field);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = field; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

gboolean
kiln_csv_write_to_stream (KilnFrame      *frame,
                          GOutputStream  *stream,
                          GCancellable   *cancellable,
                          GError        **error)
{
  return kiln_csv_write_rows (frame, stream, TRUE, cancellable, error);
}

gboolean
kiln_csv_write_rows (KilnFrame      *frame,
                     GOutputStream  *stream,
                     gboolean        header,
                     GCancellable   *cancellable,
                     GError        **error)
{
  GString *buf = g_string_sized_new (1 << 16);
  guint n_cols = kiln_frame_get_n_columns (frame);
  guint n_rows = kiln_frame_get_n_rows (frame);
  gboolean ok = TRUE;

  for (guint c = 0; c < n_cols && header; c++)
    {
      if (c)
        g_string_append_c (buf, ',');
      kiln_csv_append_field (buf, kiln_column_get_name (kiln_frame_get_column (frame, c)));
    }
  if (header)
    g_string_append_c (buf, '\n');

  for (guint r = 0; r < n_rows && ok; r++)
    {
      for (guint c = 0; c < n_cols; c++)
        {
          g_autofree char *cell = kiln_frame_format_cell (frame, c, r);
          if (c)
            g_string_append_c (buf, ',');
          kiln_csv_append_field (buf, cell);
        }
      g_string_append_c (buf, '\n');
      if (buf->len > (1 << 16) - 1024 || r + 1 == n_rows)
        {
          ok = g_output_stream_write_all (stream, buf->str, buf->len, NULL, cancellable, error);
          g_string_truncate (buf, 0);
        }
    }
  if (ok && buf->len)
    ok = g_output_stream_write_all (stream, buf->str, buf->len, NULL, cancellable, error);
  g_string_free (buf, TRUE);
  return ok;
}

gboolean
kiln_csv_write (KilnFrame   *frame,
                const char  *path,
                GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GOutputStream) out = NULL;

  /* a temporary file beside the target, renamed over it on close */
  out = kiln_atomic_file_create (file, NULL, error);
  if (out == NULL)
    return FALSE;
  if (!kiln_csv_write_to_stream (frame, out, NULL, error))
    {
      kiln_atomic_file_abort (out);
      return FALSE;
    }
  return g_output_stream_close (out, NULL, error);
}
