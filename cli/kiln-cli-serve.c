/* kiln-cli-serve.c: `kiln-cli serve MODEL.kiln [--host 127.0.0.1] [--port 8080] ...`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serves the bundle until SIGINT or SIGTERM, which let the requests in flight finish and exit 0.
 * SIGHUP loads MODEL.kiln again (the old bundle keeps serving if the new file does not load) and
 * reopens the --log file, so a log rotation can move it away first. Once listening, the service's
 * URL is printed alone on standard output (with --port 0, the port picked), for scripts; the
 * access log and events go to standard error or the --log file.
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kiln-cli.h"
#include "kiln-serve.h"

typedef struct {
  KilnServer *server;
  GMainLoop  *loop;
  const char *log_path;
  int         log_fd;
  int         signal;
} Serving;

static int
open_log (const char *path, GError **error)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot open the log “%s”: %s"),
                   display, g_strerror (saved));
    }
  return fd;
}

static gboolean
on_hangup (gpointer data)
{
  Serving *s = data;

  if (s->log_path)
    {
      g_autoptr(GError) error = NULL;
      int fd = open_log (s->log_path, &error);

      /* the same descriptor number now writes to the new file: no thread sees it closed */
      if (fd >= 0)
        {
          dup2 (fd, s->log_fd);
          close (fd);
        }
      else
        kiln_server_log (s->server, "%s", error->message);
    }
  kiln_server_reload (s->server, NULL);   /* the log says how it went */
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stop (gpointer data)
{
  Serving *s = data;

  g_main_loop_quit (s->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
in_range (gint64 value, gint64 lo, gint64 hi, const char *flag)
{
  if (value < lo || value > hi)
    {
      kiln_cli_error (_("%s must be from %lld to %lld"), flag, (long long) lo, (long long) hi);
      return FALSE;
    }
  return TRUE;
}

int
kiln_cli_serve (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL.kiln"));
  g_autofree char *host = NULL;
  g_autofree char *log_path = NULL;
  gint port = 8080, threads = 0, max_rows = KILN_SERVE_DEFAULT_MAX_ROWS;
  gint max_connections = KILN_SERVE_DEFAULT_MAX_CONNECTIONS, timeout = 30;
  gint64 max_body = KILN_SERVE_DEFAULT_MAX_BODY, max_buffered = KILN_SERVE_DEFAULT_MAX_BUFFERED;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host,
      N_("Address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0: every network)"),
      N_("ADDRESS") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("Port to listen on (default: 8080; 0: any free one)"),
      N_("PORT") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      N_("Requests answered at once (default: one per core)"), N_("N") },
    { "max-body-bytes", 0, 0, G_OPTION_ARG_INT64, &max_body,
      N_("Refuse request bodies larger than this with 413 (default: 4194304)"), N_("BYTES") },
    { "max-buffered-bytes", 0, 0, G_OPTION_ARG_INT64, &max_buffered,
      N_("Bytes of request bodies held at once over all connections; a body past that gets 503 (default: 67108864)"),
      N_("BYTES") },
    { "max-rows", 0, 0, G_OPTION_ARG_INT, &max_rows,
      N_("Refuse requests with more rows than this with 413 (default: 10000)"), N_("N") },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      N_("Connections open at once (default: 1000)"), N_("N") },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      N_("Close connections idle for this long (default: 30)"), N_("SECONDS") },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path,
      N_("Append the access log here instead of standard error (reopened on SIGHUP)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(KilnBundle) bundle = NULL;
  g_autoptr(KilnServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  g_autofree char *example = NULL;
  KilnServeOptions options;
  Serving serving = { 0 };
  guint sources[3];
  int log_fd = 2;

  g_option_context_set_summary (context, _("Serves a saved model over HTTP: POST /predict, GET "
                                           "/health, /metadata, /openapi.json and /metrics. "
                                           "SIGHUP reloads the model file (the old model keeps "
                                           "serving if the new one does not load); SIGINT and "
                                           "SIGTERM finish the requests in flight and stop."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!kiln_cli_parse (context, &argc, &argv))
    return KILN_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      kiln_cli_error (_("serve takes one model bundle"));
      return KILN_CLI_EXIT_USAGE;
    }
  if (!in_range (port, 0, 65535, "--port") || !in_range (threads, 0, 1024, "--threads")
      || !in_range (max_body, 1, G_MAXUINT32, "--max-body-bytes")
      || !in_range (max_buffered, 1, G_MAXINT64, "--max-buffered-bytes")
      || !in_range (max_rows, 1, G_MAXINT32, "--max-rows")
      || !in_range (max_connections, 1, 1000000, "--max-connections")
      || !in_range (timeout, 1, 86400, "--timeout"))
    return KILN_CLI_EXIT_USAGE;

  bundle = kiln_bundle_load (argv[1], NULL, &error);
  if (bundle == NULL)
    {
      kiln_cli_error ("%s", error->message);
      return KILN_CLI_EXIT_ERROR;
    }
  if (log_path)
    {
      log_fd = open_log (log_path, &error);
      if (log_fd < 0)
        {
          kiln_cli_error ("%s", error->message);
          return KILN_CLI_EXIT_ERROR;
        }
    }

  kiln_serve_options_init (&options);
  options.host = host;
  options.port = (guint16) port;
  options.n_threads = (guint) threads;
  options.max_body_bytes = (gsize) max_body;
  options.max_buffered_bytes = (gsize) max_buffered;
  options.max_rows = (guint) max_rows;
  options.max_connections = (guint) max_connections;
  options.timeout_seconds = (guint) timeout;
  options.log_fd = log_fd;
  server = kiln_server_new (bundle, argv[1], &options);

  /* a client that hangs up mid-answer, or a closed log pipe, must not end the service */
  signal (SIGPIPE, SIG_IGN);
#ifdef M_MMAP_THRESHOLD
  /* Request bodies of up to --max-body-bytes come and go. With glibc's default, freeing one such
   * block raises the size from which blocks are mapped on their own to that block's size, and
   * from then on they are carved from the heaps, which keep what is freed: resident memory
   * ratcheted up by megabytes under a mix of large bodies (tests/cli/serve/abuse_serve.py: 26 to
   * 29 MB in 50 s; with this, flat at 15 MB). A fixed threshold gives every block of 128 KiB or
   * more back to the system when it is freed; the small blocks of ordinary requests are not
   * concerned. */
  mallopt (M_MMAP_THRESHOLD, 128 * 1024);
#endif
  /* room for --max-connections descriptors, when the hard limit allows */
  {
    struct rlimit files;
    if (getrlimit (RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
        && files.rlim_cur < (rlim_t) max_connections + 64)
      {
        files.rlim_cur = MIN (files.rlim_max, (rlim_t) max_connections + 64);
        setrlimit (RLIMIT_NOFILE, &files);
      }
  }
  loop = g_main_loop_new (NULL, FALSE);
  serving = (Serving) { server, loop, log_path, log_fd, 0 };
  sources[0] = g_unix_signal_add (SIGHUP, on_hangup, &serving);
  sources[1] = g_unix_signal_add (SIGINT, on_stop, &serving);
  sources[2] = g_unix_signal_add (SIGTERM, on_stop, &serving);

  if (!kiln_server_start (server, &error))
    {
      kiln_cli_error ("%s", error->message);
      for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
        g_source_remove (sources[i]);
      if (log_path)
        close (log_fd);
      return KILN_CLI_EXIT_ERROR;
    }
  url = kiln_server_get_url (server);
  printf ("%s\n", url);
  fflush (stdout);
  example = kiln_serve_curl_example (bundle, url, NULL, 0);
  fprintf (stderr, "%s\n  %s\n", _("Serving; try:"), example);

  g_main_loop_run (loop);

  kiln_server_stop (server);
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    g_source_remove (sources[i]);
  g_clear_pointer (&server, kiln_server_free);
  if (log_path)
    close (log_fd);
  return KILN_CLI_EXIT_OK;
}
