/* kiln-csv-parse.c: parsing a run of a CSV file (a segment) with libcsv, a block of decoded text at
 * a time, line by line, each row converted straight into the column builders.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-csv"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <uchardet.h>

#include "kiln-csv-private.h"

/* ---- Decoded text blocks ------------------------------------------------------------------ */

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

void
_kiln_csv_block_reader_clear (BlockReader *r)
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


void
_kiln_csv_segment_fail (Segment *seg, GError *error)
{
  if (seg->error == NULL)
    seg->error = error;
  else
    g_error_free (error);
  seg->stop = TRUE;
}

char *
_kiln_csv_display_name (Reader *reader)
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
        _kiln_csv_convert_field (seg, seg->n_fields, s ? s : "", len);
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
      _kiln_csv_segment_fail (seg, g_error_new_literal (KILN_CSV_ERROR, KILN_CSV_ERROR_RAGGED,
                                                        message));
      g_free (message);
    }
}

void
_kiln_csv_on_row (int terminator, void *data)
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
        g_autofree char *name = _kiln_csv_display_name (reader);
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

int
_kiln_csv_never_space (unsigned char c)
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
 * function that says there are none (_kiln_csv_never_space()), and pandas keeps them. Where no
 * field has one, libcsv's trimming changes nothing and its built-in test is faster than calling
 * a function for every byte. */
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
void
_kiln_csv_segment_feed (Segment *seg, const char *block, gsize len)
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
                      has_edge_space (block, len, reader->delimiter) ? _kiln_csv_never_space : NULL);
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
          g_autofree char *name = _kiln_csv_display_name (reader);
          if (*bad == '\0')
            _kiln_csv_segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_BINARY,
                                            _("%s, line %llu, column %lld: a NUL byte; this does "
                                              "not look like a text file"),
                                            name, file_line (seg, seg->line), line_column (p, bad)));
          else
            _kiln_csv_segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_ENCODING,
                                            _("%s, line %llu, column %lld: bytes that are not "
                                              "valid %s; choose the file’s encoding"),
                                            name, file_line (seg, seg->line), line_column (p, bad),
                                            reader->encoding_label));
          return;
        }

      if (seg->parser.pstate == 0)
        seg->row_line = seg->line;
      if (csv_parse (&seg->parser, p, (gsize) (line_end - p), on_field, _kiln_csv_on_row, seg) !=
          (gsize) (line_end - p))
        {
          g_autofree char *name = _kiln_csv_display_name (reader);
          _kiln_csv_segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_QUOTE,
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
gboolean
_kiln_csv_segment_open_blocks (Segment *seg, BlockReader *br)
{
  Reader *reader = seg->reader;
  GInputStream *stream, *raw = NULL;
  GError *error = NULL;
  guint64 start = seg->offset + (seg->index == 0 ? reader->bom_len : 0);
  guint64 limit = seg->length == G_MAXUINT64 ? G_MAXUINT64 : seg->length - (start - seg->offset);

  stream = open_decoded (reader, start, &raw, &error);
  if (stream == NULL)
    {
      _kiln_csv_segment_fail (seg, error);
      return FALSE;
    }
  block_reader_init (br, stream, raw, reader->encoding ? G_MAXUINT64 : limit);
  g_object_unref (stream);
  g_object_unref (raw);
  return TRUE;
}

/* The next block; FALSE at the end or on an error, which then stops the segment. */
gboolean
_kiln_csv_segment_next_block (Segment *seg, BlockReader *br, const char **block, gsize *block_len)
{
  Reader *reader = seg->reader;
  GError *error = NULL;

  if (block_reader_next (br, block, block_len, reader->cancellable, &error))
    return TRUE;
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
        {
          g_autofree char *name = _kiln_csv_display_name (reader);
          GError *e = g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_ENCODING,
                                   _("%s, line %llu: bytes that are not valid %s; "
                                     "choose the file’s encoding"),
                                   name, file_line (seg, seg->line), reader->encoding_label);
          g_error_free (error);
          error = e;
        }
      _kiln_csv_segment_fail (seg, error);
    }
  return FALSE;
}

/* The end of the segment's text: its last row, or the quoted field left open. */
void
_kiln_csv_segment_finish (Segment *seg)
{
  if (!seg->stop && csv_fini (&seg->parser, on_field, _kiln_csv_on_row, seg) != 0)
    {
      g_autofree char *name = _kiln_csv_display_name (seg->reader);
      _kiln_csv_segment_fail (seg, g_error_new (KILN_CSV_ERROR, KILN_CSV_ERROR_QUOTE,
                                      _("%s, line %llu: a quoted field that is never closed"),
                                      name, file_line (seg, seg->row_line)));
    }
}

gpointer
_kiln_csv_segment_run (gpointer data)
{
  Segment *seg = data;
  Reader *reader = seg->reader;
  BlockReader br;
  GError *error = NULL;
  const char *block;
  gsize block_len;
  goffset last_pos;

  if (!_kiln_csv_segment_open_blocks (seg, &br))
    return NULL;
  last_pos = g_seekable_tell (G_SEEKABLE (br.raw));
  while (_kiln_csv_segment_next_block (seg, &br, &block, &block_len))
    {
      goffset pos;

      _kiln_csv_segment_feed (seg, block, block_len);
      if (seg->stop)
        break;
      pos = g_seekable_tell (G_SEEKABLE (br.raw));
      report_progress (reader, pos - last_pos, seg->index == 0);
      last_pos = pos;
      if (g_cancellable_set_error_if_cancelled (reader->cancellable, &error))
        {
          _kiln_csv_segment_fail (seg, error);
          break;
        }
    }
  _kiln_csv_segment_finish (seg);
  _kiln_csv_block_reader_clear (&br);
  return NULL;
}

void
_kiln_csv_segment_init (Segment *seg, Reader *reader, guint index, guint64 offset,
                        guint64 length, gsize expected_rows)
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
    _kiln_csv_builder_init (&seg->builders[c], reader->plan[c], expected_rows);
  csv_init (&seg->parser, CSV_STRICT | CSV_STRICT_FINI);
  csv_set_delim (&seg->parser, (unsigned char) reader->delimiter);
  csv_set_space_func (&seg->parser, _kiln_csv_never_space);
}

void
_kiln_csv_segment_clear (Segment *seg)
{
  csv_free (&seg->parser);
  if (seg->builders)
    for (guint c = 0; c < seg->reader->n_cols; c++)
      _kiln_csv_builder_clear (&seg->builders[c]);
  g_clear_pointer (&seg->builders, g_free);
  g_clear_pointer (&seg->header, g_ptr_array_unref);
  g_clear_pointer (&seg->demote, g_free);
  g_clear_error (&seg->error);
  g_clear_pointer (&seg->first_skipped_message, g_free);
  g_clear_pointer (&seg->bad_encoding_hint, g_free);
}
