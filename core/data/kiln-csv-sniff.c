/* kiln-csv-sniff.c: what a sample of a CSV file says: its encoding, delimiter, header row,
 * decimal separator, a type plan per column, and where to cut it into segments.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-csv"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <uchardet.h>

#include "kiln-csv-private.h"

/* ---- Detection ------------------------------------------------------------------------------ */

gboolean
_kiln_csv_read_raw_sample (Reader *reader, GBytes **out, GError **error)
{
  g_autoptr(GFileInputStream) raw = NULL;
  g_autoptr(GFileInfo) finfo = NULL;
  g_autofree char *name = _kiln_csv_display_name (reader);
  guint8 *buf;
  gsize n = 0;

  /* a pipe or a device can be read once; the reader opens the file again for each segment (and
   * a FIFO's second open would wait for a writer that has gone): refused before it is opened */
  finfo = g_file_query_info (reader->file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                             reader->cancellable, NULL);
  if (finfo != NULL && g_file_info_get_file_type (finfo) == G_FILE_TYPE_SPECIAL)
    {
      g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPEN,
                   _("Cannot read %s: it is a pipe or a device, not a file (save it to a file "
                     "first)"), reader->path);
      return FALSE;
    }
  g_clear_object (&finfo);
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

gboolean
_kiln_csv_detect_encoding (Reader *reader, GBytes *sample, GError **error)
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

char *
_kiln_csv_decode_sample (Reader *reader, GBytes *raw_sample, gboolean *complete, GError **error)
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
          g_autofree char *name = _kiln_csv_display_name (reader);
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

char
_kiln_csv_detect_delimiter (const char *text)
{
  static const char candidates[] = { ',', ';', '\t', '|' };
  guint best = 0;
  double best_score = 0;

  for (guint k = 0; k < G_N_ELEMENTS (candidates); k++)
    {
      char d = candidates[k];
      guint lines = 0, consistent = 0, first = 0;
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

gboolean
_kiln_csv_parse_sample_rows (Reader *reader, const char *text, gboolean complete, SampleRows *sr)
{
  struct csv_parser p;

  sr->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  sr->current = NULL;
  sr->complete = complete;
  csv_init (&p, 0);
  csv_set_delim (&p, (unsigned char) reader->delimiter);
  csv_set_space_func (&p, _kiln_csv_never_space);
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

void
_kiln_csv_detect_layout (Reader *reader, SampleRows *sr)
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

void
_kiln_csv_infer_plan (Reader *reader, SampleRows *sr)
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

/* The offset just past the first row's line end (quoted line ends are the row's), after any
 * blank lines; the end of the stream if it has none. Reads @raw from where it is. */
static guint64
header_row_end (GFileInputStream *raw,
                char             *buf)
{
  guint64 pos = 0, quotes = 0;
  gboolean started = FALSE;
  gssize got;

  while ((got = g_input_stream_read (G_INPUT_STREAM (raw), buf, BLOCK_SIZE, NULL, NULL)) > 0)
    {
      for (gssize i = 0; i < got; i++)
        {
          char c = buf[i];

          if (!started)
            started = c != '\n' && c != '\r';
          if (!started)
            continue;
          if (c == '"')
            quotes++;
          else if (c == '\n' && quotes % 2 == 0)
            return pos + (guint64) i + 1;
        }
      pos += (guint64) got;
    }
  return pos;
}

/* Cuts a UTF-8 file into segments that start at row boundaries. */
guint
_kiln_csv_plan_segments (Reader *reader, guint64 *offsets, guint max_segments)
{
  g_autoptr(GFileInputStream) raw = NULL;
  guint n = 1;
  guint64 pos = 0;
  guint64 quotes = 0;
  char *buf;
  guint64 min_size = g_getenv ("KILN_CSV_THREADS") ? 64 : PARALLEL_MIN;
  guint64 header_end = 0;

  offsets[0] = 0;
  if (reader->encoding != NULL || reader->file_size < min_size || max_segments < 2)
    return 1;
  raw = g_file_read (reader->file, reader->cancellable, NULL);
  if (raw == NULL)
    return 1;
  buf = g_malloc (BLOCK_SIZE);
  if (reader->header)
    {
      /* the header row is the first segment's: it must not start a later one (blank lines before
       * it are no rows, as libcsv reads them) */
      header_end = header_row_end (raw, buf);
      if (!g_seekable_seek (G_SEEKABLE (raw), 0, G_SEEK_SET, NULL, NULL))
        goto done;
    }
  for (guint k = 1; k < max_segments; k++)
    {
      guint64 target = MAX (reader->file_size * k / max_segments, header_end);
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
