/* kiln-serve-log.c: the service's access log and its messages (kiln-serve-private.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A line per request, built by hand (it runs for every request), gathers in the buffer of the
 * thread's slot; a flusher thread writes every buffer out every LOG_FLUSH_MS, and a buffer that
 * fills is written at once, so requests cost no write(2) of their own. A message (start, reload,
 * stop) first writes out the requests logged before it.
 */
#define G_LOG_DOMAIN "kiln-serve"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiln-serve-private.h"

#define LOG_FLUSH_MS      100
#define LOG_BUFFER_BYTES  16384

void
_kiln_serve_log_init (KilnServeLog *log,
                      int           fd)
{
  memset (log, 0, sizeof *log);
  log->fd = fd;
  for (guint k = 0; k < KILN_SERVE_N_SLOTS; k++)
    {
      g_mutex_init (&log->buffers[k].lock);
      log->buffers[k].text = g_string_sized_new (LOG_BUFFER_BYTES + 1024);
    }
  g_mutex_init (&log->write_lock);
  g_mutex_init (&log->flusher_lock);
  g_cond_init (&log->flusher_cond);
}

void
_kiln_serve_log_clear (KilnServeLog *log)
{
  for (guint k = 0; k < KILN_SERVE_N_SLOTS; k++)
    {
      g_mutex_clear (&log->buffers[k].lock);
      g_string_free (log->buffers[k].text, TRUE);
    }
  g_mutex_clear (&log->write_lock);
  g_mutex_clear (&log->flusher_lock);
  g_cond_clear (&log->flusher_cond);
}

static void
write_all (int fd, const char *text, gsize length)
{
  while (length > 0)
    {
      gssize n = write (fd, text, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;   /* a log that cannot be written must not stop the service */
      text += n;
      length -= (gsize) n;
    }
}

/* "2024-05-01T12:00:00.123Z" (24 bytes, no NUL); the date and time of day are formatted once a
 * second per thread, only the milliseconds per call. */
#define TIME_LENGTH 24

static void
format_time (char *buf)
{
  static _Thread_local time_t cached_second = -1;
  static _Thread_local char cached[20];
  struct timespec ts;
  long ms;

  clock_gettime (CLOCK_REALTIME, &ts);
  if (ts.tv_sec != cached_second)
    {
      struct tm tm;
      gmtime_r (&ts.tv_sec, &tm);
      strftime (cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
      cached_second = ts.tv_sec;
    }
  memcpy (buf, cached, 19);
  ms = ts.tv_nsec / 1000000;
  buf[19] = '.';
  buf[20] = (char) ('0' + ms / 100);
  buf[21] = (char) ('0' + ms / 10 % 10);
  buf[22] = (char) ('0' + ms % 10);
  buf[23] = 'Z';
}

/* Decimal digits of @v at @p; returns the end. */
static char *
put_uint (char *p, guint64 v)
{
  char digits[20];
  guint n = 0;

  do
    digits[n++] = (char) ('0' + v % 10);
  while ((v /= 10) > 0);
  while (n > 0)
    *p++ = digits[--n];
  return p;
}

static char *
put_string (char *p, const char *s)
{
  gsize n = strlen (s);

  memcpy (p, s, n);
  return p + n;
}

/* Writes out @buffer; its lock is held. */
static void
flush_buffer_locked (KilnServeLog *log, KilnServeLogBuffer *buffer)
{
  if (buffer->text->len == 0)
    return;
  g_mutex_lock (&log->write_lock);
  KILN_SERVE_TSAN_ACQUIRE (&log->write_lock);
  write_all (log->fd, buffer->text->str, buffer->text->len);
  KILN_SERVE_TSAN_RELEASE (&log->write_lock);
  g_mutex_unlock (&log->write_lock);
  g_string_truncate (buffer->text, 0);
}

static void
flush_log (KilnServeLog *log)
{
  for (guint k = 0; k < KILN_SERVE_N_SLOTS; k++)
    {
      KilnServeLogBuffer *buffer = &log->buffers[k];

      g_mutex_lock (&buffer->lock);
      KILN_SERVE_TSAN_ACQUIRE (buffer);
      flush_buffer_locked (log, buffer);
      KILN_SERVE_TSAN_RELEASE (buffer);
      g_mutex_unlock (&buffer->lock);
    }
}

static gpointer
log_flusher (gpointer data)
{
  KilnServeLog *log = data;

  while (!g_atomic_int_get (&log->flusher_quit))
    {
      g_mutex_lock (&log->flusher_lock);
      if (!g_atomic_int_get (&log->flusher_quit))
        g_cond_wait_until (&log->flusher_cond, &log->flusher_lock,
                           g_get_monotonic_time () + LOG_FLUSH_MS * 1000);
      g_mutex_unlock (&log->flusher_lock);
      flush_log (log);
    }
  return NULL;
}

void
_kiln_serve_log_start (KilnServeLog *log)
{
  if (log->fd < 0)
    return;
  g_atomic_int_set (&log->flusher_quit, 0);
  log->flusher = g_thread_new ("kiln-serve-log", log_flusher, log);
}

void
_kiln_serve_log_stop (KilnServeLog *log)
{
  if (log->flusher == NULL)
    return;
  g_mutex_lock (&log->flusher_lock);
  g_atomic_int_set (&log->flusher_quit, 1);
  g_cond_signal (&log->flusher_cond);
  g_mutex_unlock (&log->flusher_lock);
  g_thread_join (log->flusher);
  log->flusher = NULL;
  flush_log (log);
}

void
_kiln_serve_log_message (KilnServeLog *log,
                         const char   *message)
{
  g_autofree char *line = NULL;
  char stamp[TIME_LENGTH + 1];

  if (log->fd < 0)
    return;
  format_time (stamp);
  stamp[TIME_LENGTH] = 0;
  line = g_strdup_printf ("%s kiln-serve: %s\n", stamp, message);
  /* the requests logged so far come first */
  flush_log (log);
  g_mutex_lock (&log->write_lock);
  KILN_SERVE_TSAN_ACQUIRE (&log->write_lock);
  write_all (log->fd, line, strlen (line));
  KILN_SERVE_TSAN_RELEASE (&log->write_lock);
  g_mutex_unlock (&log->write_lock);
}

/* "TIME METHOD PATH STATUS rows=N us=N", built by hand: it runs for every request. */
void
_kiln_serve_log_request (KilnServeLog *log,
                         const char   *method,
                         const char   *path,
                         guint         status,
                         guint         rows,
                         guint64       microseconds)
{
  char line[TIME_LENGTH + KILN_SERVE_METHOD_MAX + 3 * KILN_SERVE_LOG_PATH_MAX + 80];
  char *p = line;
  static const char hex[] = "0123456789ABCDEF";
  KilnServeLogBuffer *buffer;

  if (log->fd < 0)
    return;
  format_time (p);
  p += TIME_LENGTH;
  *p++ = ' ';
  p = put_string (p, method);
  *p++ = ' ';
  /* the path as sent (cut to KILN_SERVE_LOG_PATH_MAX bytes when the request came in), with the
   * bytes that would break the line or the terminal escaped */
  for (const char *s = path ? path : "-"; *s; s++)
    {
      guchar c = (guchar) *s;
      if (c > 0x20 && c < 0x7f && c != '%')
        *p++ = (char) c;
      else
        {
          *p++ = '%';
          *p++ = hex[c >> 4];
          *p++ = hex[c & 15];
        }
    }
  *p++ = ' ';
  if (status)
    p = put_uint (p, status);
  else
    *p++ = '-';
  p = put_string (p, " rows=");
  p = put_uint (p, rows);
  p = put_string (p, " us=");
  p = put_uint (p, microseconds);
  *p++ = '\n';

  buffer = &log->buffers[_kiln_serve_slot ()];
  g_mutex_lock (&buffer->lock);
  KILN_SERVE_TSAN_ACQUIRE (buffer);
  g_string_append_len (buffer->text, line, p - line);
  if (buffer->text->len >= LOG_BUFFER_BYTES)
    flush_buffer_locked (log, buffer);
  KILN_SERVE_TSAN_RELEASE (buffer);
  g_mutex_unlock (&buffer->lock);
}
