/* kiln-csv-stream.c: reading a CSV file a piece (a frame of rows) at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-csv"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "kiln-csv-private.h"

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
  _kiln_csv_block_reader_clear (&st->br);
  _kiln_csv_segment_clear (&st->seg);
  st->opened = FALSE;
}

/* (Re)starts reading at the file's beginning with the reader's current plan. */
static gboolean
stream_open_segment (KilnCsvStream *st, guint expected_rows)
{
  stream_close_segment (st);
  _kiln_csv_segment_init (&st->seg, &st->reader, 0, 0, G_MAXUINT64, expected_rows);
  st->opened = TRUE;
  g_string_truncate (st->chunk, 0);
  st->chunk_line = 1;
  st->chunk_skipped = 0;
  st->eof = st->finished = FALSE;
  return _kiln_csv_segment_open_blocks (&st->seg, &st->br);
}

/* Back to the start of the rows not handed out yet, with the columns' plan as it is now. */
static void
stream_rewind_chunk (KilnCsvStream *st, guint expected_rows)
{
  Segment *seg = &st->seg;
  Reader *reader = &st->reader;

  for (guint c = 0; c < reader->n_cols; c++)
    {
      _kiln_csv_builder_clear (&seg->builders[c]);
      _kiln_csv_builder_init (&seg->builders[c], reader->plan[c], expected_rows);
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
  csv_set_space_func (&seg->parser, _kiln_csv_never_space);
  st->finished = FALSE;
  _kiln_csv_segment_feed (seg, st->chunk->str, st->chunk->len);
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
              /* the last row may be cut where another program truncated the file */
              if (!_kiln_csv_reader_check_unchanged (&st->reader, &error))
                {
                  _kiln_csv_segment_fail (seg, error);
                  return;
                }
              st->finished = TRUE;
              _kiln_csv_segment_finish (seg);
            }
          return;
        }
      if (!_kiln_csv_segment_next_block (seg, &st->br, &block, &len))
        {
          st->eof = TRUE;
          continue;
        }
      g_string_append_len (st->chunk, block, len);
      _kiln_csv_segment_feed (seg, block, len);
      if (g_cancellable_set_error_if_cancelled (st->reader.cancellable, &error))
        _kiln_csv_segment_fail (seg, error);
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
    st->names = _kiln_csv_column_names (reader, seg->header);
  for (guint c = 0; c < reader->n_cols; c++)
    {
      columns[c] = _kiln_csv_join_column (reader, seg, 1, c, st->names[c]);
      _kiln_csv_builder_clear (&seg->builders[c]);
      _kiln_csv_builder_init (&seg->builders[c], reader->plan[c], expected_rows);
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
  if (!_kiln_csv_reader_setup (&st->reader, st->path_copy, options, NULL, NULL, cancellable,
                               error) ||
      !_kiln_csv_reader_detect (&st->reader, NULL, error))
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
          if (!_kiln_csv_reader_detect (reader, NULL, error))
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

  _kiln_csv_reader_fill_info (&stream->reader, info);
  if (stream->opened)
    {
      info->n_skipped_rows = stream->seg.n_skipped;
      info->first_skipped_line = (guint) stream->seg.first_skipped_line;
      g_free (info->first_skipped_message);
      info->first_skipped_message = g_strdup (stream->seg.first_skipped_message);
    }
}

double
kiln_csv_stream_get_fraction (KilnCsvStream *stream)
{
  goffset pos;

  g_return_val_if_fail (stream != NULL, 0.0);

  if (!stream->opened)
    return stream->emitted ? 1.0 : 0.0;
  if (stream->finished || stream->reader.file_size == 0)
    return 1.0;
  pos = g_seekable_tell (G_SEEKABLE (stream->br.raw));
  return CLAMP ((double) pos / (double) stream->reader.file_size, 0.0, 1.0);
}

guint64
kiln_csv_stream_get_line (KilnCsvStream *stream)
{
  g_return_val_if_fail (stream != NULL, 0);

  /* before the first frame the rows start after the header row */
  if (!stream->emitted && stream->chunk_line <= 1)
    return stream->reader.header ? 2 : 1;
  return stream->chunk_line;
}

void
kiln_csv_stream_free (KilnCsvStream *stream)
{
  if (stream == NULL)
    return;
  stream_close_segment (stream);
  g_strfreev (stream->names);
  g_string_free (stream->chunk, TRUE);
  _kiln_csv_reader_clear (&stream->reader);
  g_free (stream->path_copy);
  g_free (stream);
}
