/* kiln-csv-write.c: KilnFrames written as CSV (RFC 4180 quoting), atomically to files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-csv"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "kiln-atomic-file.h"
#include "kiln-csv-private.h"

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

/* @local as an error that names the file being written (the stream's own messages name the
 * temporary file, or none) */
static gboolean
write_failed (const char *path, GError *local, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_WRITE, _("Cannot write “%s”: %s"), display,
               local->message);
  g_error_free (local);
  return FALSE;
}

gboolean
kiln_csv_write (KilnFrame   *frame,
                const char  *path,
                GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GOutputStream) out = NULL;
  GError *local = NULL;

  /* a temporary file beside the target, renamed over it on close */
  out = kiln_atomic_file_create (file, NULL, &local);
  if (out == NULL)
    return write_failed (path, local, error);
  if (!kiln_csv_write_to_stream (frame, out, NULL, &local))
    {
      kiln_atomic_file_abort (out);
      return write_failed (path, local, error);
    }
  if (!g_output_stream_close (out, NULL, &local))
    return write_failed (path, local, error);
  return TRUE;
}
