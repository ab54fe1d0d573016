/* kiln-csv.c: CSV files into KilnFrames, as users' files really are: options and the whole read.
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

#include <glib/gi18n-lib.h>
#include <string.h>

#include "kiln-csv-private.h"
#include "kiln-memory.h"

G_DEFINE_QUARK (kiln-csv-error-quark, kiln_csv_error)

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

/* ---- The reader --------------------------------------------------------------------------- */

void
_kiln_csv_reader_clear (Reader *reader)
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

/* FALSE with KILN_CSV_ERROR_CHANGED when the file is now shorter than when reading began (another
 * program truncated or rewrote it): what was read is part of one version and part of another, or
 * ends in the middle of a row. A file deleted once every stream was open was read whole. */
gboolean
_kiln_csv_reader_check_unchanged (Reader *reader, GError **error)
{
  g_autoptr(GFileInfo) finfo = NULL;
  guint64 now;

  finfo = g_file_query_info (reader->file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                             NULL, NULL);
  if (finfo == NULL)
    return TRUE;
  now = (guint64) g_file_info_get_size (finfo);
  if (now < reader->file_size)
    {
      g_autofree char *before = g_format_size_full (reader->file_size, G_FORMAT_SIZE_LONG_FORMAT);
      g_autofree char *after = g_format_size_full (now, G_FORMAT_SIZE_LONG_FORMAT);
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_CHANGED,
                   _("%s changed while it was being read (it had %s, now %s); read it again once "
                     "it is complete"), reader->path, before, after);
      return FALSE;
    }
  return TRUE;
}

static KilnFrame *
read_with_plan (Reader *reader, gboolean *again, KilnCsvInfo *info, GError **error)
{
  guint64 offsets[MAX_SEGMENTS + 1];
  const char *threads_env = g_getenv ("KILN_CSV_THREADS");  /* for tests and benchmarks */
  guint max_threads = threads_env ? (guint) CLAMP (atoi (threads_env), 1, MAX_SEGMENTS)
                                  : MIN (MAX_SEGMENTS, g_get_num_processors ());
  guint n_segs = _kiln_csv_plan_segments (reader, offsets, max_threads);
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
      _kiln_csv_segment_init (&segs[s], reader, s, offsets[s],
                    s + 1 < n_segs ? offsets[s + 1] - offsets[s] : G_MAXUINT64,
                    MIN (expected_rows, 1u << 22));
    }
  g_debug ("%s: %u segments planned at %.3f s", reader->path, n_segs,
           (g_get_monotonic_time () - reader->t0) / 1e6);
  for (guint s = 1; s < n_segs; s++)
    threads[s] = g_thread_new ("kiln-csv", _kiln_csv_segment_run, &segs[s]);
  _kiln_csv_segment_run (&segs[0]);
  g_debug ("segment 0 done at %.3f s", (g_get_monotonic_time () - reader->t0) / 1e6);
  for (guint s = 1; s < n_segs; s++)
    g_thread_join (threads[s]);
  g_debug ("all segments done at %.3f s", (g_get_monotonic_time () - reader->t0) / 1e6);
  /* before the segments' own errors: a row cut by a truncation is not the file's fault */
  if (!_kiln_csv_reader_check_unchanged (reader, error))
    goto out;

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
    char **names = _kiln_csv_column_names (reader, segs[0].header);
    KilnColumn **columns = g_new0 (KilnColumn *, MAX (reader->n_cols, 1));
    JoinJob job = { reader, segs, n_segs, names, columns, 0 };
    GThread *helper = NULL;
    /* columns are joined independently: on two threads when there is enough to join */
    if (reader->n_cols > 1 && reader->file_size >= PARALLEL_MIN)
      helper = g_thread_new ("kiln-csv-join", _kiln_csv_join_worker, &job);
    _kiln_csv_join_worker (&job);
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
    _kiln_csv_segment_clear (&segs[s]);
  return frame;
}

/* The reader's settings: options checked, missing markers ready. */
gboolean
_kiln_csv_reader_setup (Reader                *reader,
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
gboolean
_kiln_csv_reader_detect (Reader *reader, PlanType *kept_plan, GError **error)
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
  if (!_kiln_csv_read_raw_sample (reader, &raw_sample, error) ||
      !_kiln_csv_detect_encoding (reader, raw_sample, error))
    {
      g_free (kept_plan);
      return FALSE;
    }
  g_clear_pointer (&reader->bad_encoding_hint, g_free);
  text = _kiln_csv_decode_sample (reader, raw_sample, &complete, error);
  if (text == NULL)
    {
      g_free (kept_plan);
      return FALSE;
    }
  reader->delimiter = reader->options.delimiter ? reader->options.delimiter
                                                : _kiln_csv_detect_delimiter (text);
  _kiln_csv_parse_sample_rows (reader, text, complete, &sr);
  _kiln_csv_detect_layout (reader, &sr);
  if (reader->n_cols == 0)
    {
      g_autofree char *name = _kiln_csv_display_name (reader);
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_EMPTY, _("%s has no columns"), name);
      g_ptr_array_unref (sr.rows);
      g_free (kept_plan);
      return FALSE;
    }
  if (kept_plan)
    reader->plan = kept_plan;
  else
    _kiln_csv_infer_plan (reader, &sr);
  g_ptr_array_unref (sr.rows);
  return TRUE;
}

void
_kiln_csv_reader_fill_info (Reader *reader, KilnCsvInfo *info)
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
  if (!_kiln_csv_reader_setup (&reader, path, options, progress, user_data, cancellable, error))
    goto out;

  for (guint attempt = 0;; attempt++)
    {
      gboolean again = FALSE;

      if (!_kiln_csv_reader_detect (&reader, attempt > 0 ? g_steal_pointer (&reader.plan) : NULL,
                                    error))
        goto out;
      frame = read_with_plan (&reader, &again, info, error);
      if (!again || attempt > reader.n_cols + 1)
        break;
      g_debug ("reading %s again with a new plan", path);
    }

  if (frame && info)
    _kiln_csv_reader_fill_info (&reader, info);

out:
  _kiln_csv_reader_clear (&reader);
  return frame;
}
