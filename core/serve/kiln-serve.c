/* kiln-serve.c: the HTTP side of the prediction service, on libmicrohttpd.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads. libmicrohttpd runs a pool of n_threads threads, each with its own poll(2) loop over the
 * listening socket and the connections it accepted (not epoll: libmicrohttpd before 1.0.0, Debian
 * 12's 0.9.75 among them, watches sockets edge-triggered without EPOLLRDHUP and, after a short
 * read, misses a client's FIN that came with the last bytes; a client that hung up in the middle
 * of a request then held its connection and buffers until the idle timeout, so memory grew with
 * every such client. Level-triggered poll sees the hang-up at once; with 16 connections wrk
 * measured no difference in requests per second beyond this machine's noise.) A request is read,
 * predicted and answered in the thread that owns its connection, so requests run on every core
 * at once. Those threads mark themselves serial (kiln-threads.h): a request never starts helper
 * threads of its own.
 *
 * A request's life: the access handler is called once when its headers are in (limits are
 * checked there: a Content-Length over max_body_bytes is answered 413 before a byte of the body
 * is read), once per piece of body (kept only up to the limit), and once at the end, when the
 * answer is made. The "completed" callback then logs the request and counts it. The model a
 * request uses is taken (a reference) when its answer is made: a reload never pulls a bundle
 * from under a request.
 */
#define G_LOG_DOMAIN "kiln-serve"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kiln-serve-private.h"
#include "kiln-threads.h"

#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_GRACE_MS  10000

struct _KilnServer {
  KilnServeOptions  options;
  char             *host;
  GMutex            lock;           /* guards model */
  KilnServeModel   *model;
  struct MHD_Daemon *daemon;
  guint16           port;
  gboolean          ipv6;
  gint              in_flight;      /* atomic */
  gsize             buffered;       /* atomic: request body bytes held (or promised) now */
  gint              draining;       /* atomic: answers say "Connection: close" */
  guint             reloads[2];     /* atomic: ok, failed */
  KilnServeStats   *stats;
  KilnServeLog      log;            /* the access log (kiln-serve-log.c) */
};

typedef struct {
  gint64             start;         /* monotonic, microseconds */
  KilnServeEndpoint  endpoint;
  guint              status;        /* 0 until answered */
  guint              rows;
  gboolean           answered;
  gboolean           too_large;
  gboolean           too_busy;      /* its body would pass max_buffered_bytes */
  gsize              reserved;      /* its share of KilnServer.buffered */
  char               method[KILN_SERVE_METHOD_MAX];
  char              *path;
  GByteArray        *body;
} Request;

void
kiln_serve_options_init (KilnServeOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  options->log_fd = 2;
}

/* ---- The log --------------------------------------------------------------------------------- */

void
kiln_server_log (KilnServer *server,
                 const char *format,
                 ...)
{
  va_list args;
  g_autofree char *message = NULL;

  g_return_if_fail (server != NULL);
  if (server->options.log_fd < 0)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  _kiln_serve_log_message (&server->log, message);
}

static void on_library_log (void *cls, const char *format, va_list args) G_GNUC_PRINTF (2, 0);

static void
on_library_log (void       *cls,
                const char *format,
                va_list     args)
{
  KilnServer *self = cls;
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_strchomp (message);
  kiln_server_log (self, "libmicrohttpd: %s", message);
}

/* ---- The model ------------------------------------------------------------------------------- */

static KilnServeModel *
current_model (KilnServer *self)
{
  KilnServeModel *m;

  g_mutex_lock (&self->lock);
  KILN_SERVE_TSAN_ACQUIRE (&self->lock);
  m = _kiln_serve_model_ref (self->model);
  KILN_SERVE_TSAN_RELEASE (&self->lock);
  g_mutex_unlock (&self->lock);
  return m;
}

KilnServer *
kiln_server_new (KilnBundle              *bundle,
                 const char              *path,
                 const KilnServeOptions  *options)
{
  KilnServer *self;

  g_return_val_if_fail (bundle != NULL, NULL);

  self = g_new0 (KilnServer, 1);
  if (options)
    self->options = *options;
  else
    kiln_serve_options_init (&self->options);
  self->host = g_strdup (self->options.host ? self->options.host : "127.0.0.1");
  self->options.host = self->host;
  if (self->options.max_body_bytes == 0)
    self->options.max_body_bytes = KILN_SERVE_DEFAULT_MAX_BODY;
  if (self->options.max_rows == 0)
    self->options.max_rows = KILN_SERVE_DEFAULT_MAX_ROWS;
  if (self->options.max_connections == 0)
    self->options.max_connections = KILN_SERVE_DEFAULT_MAX_CONNECTIONS;
  if (self->options.timeout_seconds == 0)
    self->options.timeout_seconds = DEFAULT_TIMEOUT_S;
  if (self->options.grace_ms == 0)
    self->options.grace_ms = DEFAULT_GRACE_MS;
  if (self->options.n_threads == 0)
    self->options.n_threads = MAX (g_get_num_processors (), 1);
  if (self->options.max_buffered_bytes == 0)
    self->options.max_buffered_bytes = KILN_SERVE_DEFAULT_MAX_BUFFERED;
  self->options.max_buffered_bytes = MAX (self->options.max_buffered_bytes,
                                          self->options.max_body_bytes);
  g_mutex_init (&self->lock);
  _kiln_serve_log_init (&self->log, self->options.log_fd);
  self->model = _kiln_serve_model_new (bundle, path, self->options.max_body_bytes,
                                       self->options.max_rows);
  self->stats = g_aligned_alloc0 (1, sizeof (KilnServeStats), 64);
  return self;
}

void
kiln_server_free (KilnServer *server)
{
  if (server == NULL)
    return;
  kiln_server_stop (server);
  _kiln_serve_model_unref (server->model);
  g_mutex_clear (&server->lock);
  _kiln_serve_log_clear (&server->log);
  g_aligned_free (server->stats);
  g_free (server->host);
  g_free (server);
}

void
kiln_server_set_bundle (KilnServer *server,
                        KilnBundle *bundle,
                        const char *path)
{
  KilnServeModel *fresh, *old;

  g_return_if_fail (server != NULL);
  g_return_if_fail (bundle != NULL);

  /* made outside the lock: requests keep flowing while the documents are built */
  fresh = _kiln_serve_model_new (bundle, path, server->options.max_body_bytes,
                                 server->options.max_rows);
  g_mutex_lock (&server->lock);
  KILN_SERVE_TSAN_ACQUIRE (&server->lock);
  old = server->model;
  server->model = fresh;
  KILN_SERVE_TSAN_RELEASE (&server->lock);
  g_mutex_unlock (&server->lock);
  if (g_strcmp0 (old->hash, fresh->hash) == 0)
    kiln_server_log (server, _("serving bundle %s again"), fresh->hash);
  else
    kiln_server_log (server, _("serving bundle %s (was %s)"), fresh->hash, old->hash);
  _kiln_serve_model_unref (old);
}

gboolean
kiln_server_reload (KilnServer  *server,
                    GError     **error)
{
  g_autoptr(KilnServeModel) m = NULL;
  g_autoptr(KilnBundle) bundle = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (server != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  m = current_model (server);
  if (m->path == NULL)
    {
      g_set_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_NO_FILE,
                   _("The bundle being served was not loaded from a file"));
      return FALSE;
    }
  bundle = kiln_bundle_load (m->path, NULL, &local);
  if (bundle == NULL)
    {
      g_atomic_int_inc ((gint *) &server->reloads[1]);
      kiln_server_log (server, _("reload failed, still serving bundle %s: %s"), m->hash,
                       local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_atomic_int_inc ((gint *) &server->reloads[0]);
  kiln_server_set_bundle (server, bundle, m->path);
  return TRUE;
}

KilnBundle *
kiln_server_get_bundle (KilnServer *server)
{
  g_autoptr(KilnServeModel) m = NULL;

  g_return_val_if_fail (server != NULL, NULL);
  m = current_model (server);
  return kiln_bundle_ref (m->bundle);
}

/* ---- Requests -------------------------------------------------------------------------------- */

static KilnServeEndpoint
endpoint_of (const char *url)
{
  static const char * const paths[] = { "/health", "/metadata", "/openapi.json", "/metrics",
                                        "/predict" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (strcmp (url, paths[i]) == 0)
      return (KilnServeEndpoint) i;
  return KILN_SERVE_OTHER;
}

/* Queues an answer; @body (g_malloc'd) is taken. */
static enum MHD_Result
answer (KilnServer            *self,
        struct MHD_Connection *connection,
        Request               *req,
        guint                  status,
        const char            *content_type,
        char                  *body,
        gsize                  length,
        const char            *allow,
        const char            *model_hash)
{
  struct MHD_Response *response;
  enum MHD_Result result;

  /* memory from g_malloc is the C library's (GLib >= 2.46): libmicrohttpd free()s it */
  response = MHD_create_response_from_buffer (length, body, MHD_RESPMEM_MUST_FREE);
  if (response == NULL)
    {
      g_free (body);
      return MHD_NO;
    }
  MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (allow)
    MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW, allow);
  if (model_hash)
    MHD_add_response_header (response, "X-Kiln-Model", model_hash);
  if (g_atomic_int_get (&self->draining))
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONNECTION, "close");
  result = MHD_queue_response (connection, status, response);
  MHD_destroy_response (response);
  req->status = status;
  req->answered = TRUE;
  return result;
}

static enum MHD_Result
answer_error (KilnServer *self, struct MHD_Connection *connection, Request *req, guint status,
              const char *message, const KilnServeProblem *problem, const char *allow)
{
  char *body = _kiln_serve_error_json (message, problem);

  return answer (self, connection, req, status, "application/json", body, strlen (body), allow,
                 NULL);
}

static enum MHD_Result
answer_document (KilnServer *self, struct MHD_Connection *connection, Request *req)
{
  g_autoptr(KilnServeModel) m = current_model (self);
  const char *doc;
  char *body;

  switch (req->endpoint)
    {
    case KILN_SERVE_HEALTH:
      doc = m->health;
      break;
    case KILN_SERVE_METADATA:
      doc = m->metadata;
      break;
    case KILN_SERVE_OPENAPI:
      doc = m->openapi;
      break;
    case KILN_SERVE_METRICS:
      {
        guint reloads[2] = { (guint) g_atomic_int_get ((gint *) &self->reloads[0]),
                             (guint) g_atomic_int_get ((gint *) &self->reloads[1]) };
        body = _kiln_serve_metrics_text (self->stats, m, reloads,
                                         (guint) g_atomic_int_get (&self->in_flight));
        return answer (self, connection, req, MHD_HTTP_OK, "text/plain; version=0.0.4", body,
                       strlen (body), NULL, NULL);
      }
    case KILN_SERVE_PREDICT:
    case KILN_SERVE_OTHER:
    case KILN_SERVE_N_ENDPOINTS:
    default:
      g_assert_not_reached ();
    }
  body = g_strdup (doc);
  return answer (self, connection, req, MHD_HTTP_OK, "application/json", body, strlen (body),
                 NULL, NULL);
}

static enum MHD_Result
answer_predict (KilnServer *self, struct MHD_Connection *connection, Request *req)
{
  g_autoptr(KilnServeModel) m = current_model (self);
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *output = NULL;
  KilnServeProblem problem = { 0 };
  GString *out;
  guint n;
  enum MHD_Result result;

  frame = _kiln_serve_parse_rows (m, req->body ? (const char *) req->body->data : "",
                                  req->body ? req->body->len : 0, self->options.max_rows,
                                  &problem, &error);
  if (frame == NULL)
    {
      guint status = g_error_matches (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_TOO_LARGE)
                       ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST;
      result = answer_error (self, connection, req, status, error->message, &problem, NULL);
      g_free (problem.field);
      return result;
    }
  n = kiln_frame_get_n_rows (frame);
  if (n > 0)
    {
      output = kiln_bundle_predict (m->bundle, frame, &n, &error);
      if (output == NULL)
        return answer_error (self, connection, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                             error->message, NULL, NULL);
      _kiln_serve_model_tally (m, frame);
    }
  out = g_string_sized_new (64 + (gsize) n * (m->classification ? 40 + 32 * m->n_classes : 32));
  _kiln_serve_write_predictions (m, output, n, out);
  req->rows = n;
  {
    gsize length = out->len;
    return answer (self, connection, req, MHD_HTTP_OK, "application/json",
                   g_string_free (out, FALSE), length, NULL, m->hash);
  }
}

/* Counts @bytes more of @req's body into the bytes held over all connections; FALSE (nothing
 * counted) when that would pass max_buffered_bytes. */
static gboolean
reserve (KilnServer *self, Request *req, gsize bytes)
{
  gsize now = __atomic_add_fetch (&self->buffered, bytes, __ATOMIC_RELAXED);

  if (now > self->options.max_buffered_bytes)
    {
      __atomic_sub_fetch (&self->buffered, bytes, __ATOMIC_RELAXED);
      return FALSE;
    }
  req->reserved += bytes;
  return TRUE;
}

static enum MHD_Result
answer_busy (KilnServer *self, struct MHD_Connection *connection, Request *req)
{
  return answer_error (self, connection, req, MHD_HTTP_SERVICE_UNAVAILABLE,
                       _("The service holds as many request bodies as it may at once; try again "
                         "shortly"), NULL, NULL);
}

static enum MHD_Result
on_request (void                  *cls,
            struct MHD_Connection *connection,
            const char            *url,
            const char            *method,
            const char            *version,
            const char            *upload_data,
            size_t                *upload_data_size,
            void                 **con_cls)
{
  static _Thread_local gboolean serial;
  KilnServer *self = cls;
  Request *req = *con_cls;

  if (req == NULL)
    {
      const char *length;

      if (!serial)
        {
          /* this thread is one of a pool that already uses every core */
          kiln_threads_set_serial (TRUE);
          serial = TRUE;
        }
      req = g_new0 (Request, 1);
      req->start = g_get_monotonic_time ();
      req->endpoint = endpoint_of (url);
      g_strlcpy (req->method, method, sizeof req->method);
      req->path = g_strndup (url, KILN_SERVE_LOG_PATH_MAX);
      *con_cls = req;
      g_atomic_int_inc (&self->in_flight);

      /* Everything but a POST to /predict is answered once the request is in (below): an answer
       * queued from the headers alone makes libmicrohttpd close the connection after it, which
       * would cost keep-alive and pipelined clients a connection per GET /health. */
      if (req->endpoint != KILN_SERVE_PREDICT || strcmp (method, MHD_HTTP_METHOD_POST) != 0)
        return MHD_YES;
      length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                            MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (length)
        {
          guint64 declared = g_ascii_strtoull (length, NULL, 10);
          if (declared > self->options.max_body_bytes)
            {
              g_autofree char *limit = g_strdup_printf ("%zu", self->options.max_body_bytes);
              g_autofree char *message =
                g_strdup_printf (_("The body has %s bytes; this service takes at most %s"),
                                 length, limit);
              return answer_error (self, connection, req, MHD_HTTP_CONTENT_TOO_LARGE, message,
                                   NULL, NULL);
            }
          if (!reserve (self, req, (gsize) declared))
            return answer_busy (self, connection, req);   /* before a byte of it is read */
          req->body = g_byte_array_sized_new ((guint) MIN (declared + 1, 65536));
        }
      else
        req->body = g_byte_array_new ();
      return MHD_YES;
    }

  if (*upload_data_size > 0)
    {
      /* a body sent to any other endpoint is read and dropped */
      if (req->body != NULL && !req->answered && !req->too_large && !req->too_busy)
        {
          gsize after = req->body->len + *upload_data_size;

          if (after > self->options.max_body_bytes)
            {
              /* chunked, or more than declared: stop keeping it */
              req->too_large = TRUE;
              g_byte_array_set_size (req->body, 0);
            }
          else if (after > req->reserved && !reserve (self, req, after - req->reserved))
            {
              req->too_busy = TRUE;
              g_byte_array_set_size (req->body, 0);
            }
          else
            g_byte_array_append (req->body, (const guint8 *) upload_data,
                                 (guint) *upload_data_size);
        }
      *upload_data_size = 0;
      return MHD_YES;
    }
  if (req->answered)
    return MHD_YES;
  if (req->endpoint == KILN_SERVE_OTHER)
    {
      g_autofree char *message = g_strdup_printf (_("No such endpoint: %s (there are /predict, "
                                                    "/health, /metadata, /openapi.json and "
                                                    "/metrics)"), req->path);
      return answer_error (self, connection, req, MHD_HTTP_NOT_FOUND, message, NULL, NULL);
    }
  if (req->endpoint != KILN_SERVE_PREDICT)
    {
      if (strcmp (method, MHD_HTTP_METHOD_GET) != 0 && strcmp (method, MHD_HTTP_METHOD_HEAD) != 0)
        return answer_error (self, connection, req, MHD_HTTP_METHOD_NOT_ALLOWED,
                             _("This endpoint answers GET only"), NULL, "GET, HEAD");
      return answer_document (self, connection, req);
    }
  if (req->body == NULL)   /* /predict, not with POST */
    return answer_error (self, connection, req, MHD_HTTP_METHOD_NOT_ALLOWED,
                         _("/predict answers POST only"), NULL, "POST");
  if (req->too_large)
    {
      g_autofree char *limit = g_strdup_printf ("%zu", self->options.max_body_bytes);
      g_autofree char *message = g_strdup_printf (_("The body is over %s bytes, the most this "
                                                    "service takes"), limit);
      return answer_error (self, connection, req, MHD_HTTP_CONTENT_TOO_LARGE, message, NULL, NULL);
    }
  if (req->too_busy)
    return answer_busy (self, connection, req);
  return answer_predict (self, connection, req);
}

static void
on_completed (void                            *cls,
              struct MHD_Connection           *connection,
              void                           **con_cls,
              enum MHD_RequestTerminationCode  toe)
{
  KilnServer *self = cls;
  Request *req = *con_cls;
  guint64 microseconds;

  if (req == NULL)
    return;
  *con_cls = NULL;
  microseconds = (guint64) (g_get_monotonic_time () - req->start);
  if (req->status && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
    _kiln_serve_stats_record (self->stats, req->endpoint, req->status, req->rows, microseconds);
  else
    req->status = 0;   /* the client went away, or the answer could not be sent */
  _kiln_serve_log_request (&self->log, req->method, req->path, req->status, req->rows,
                           microseconds);
  if (req->reserved)
    __atomic_sub_fetch (&self->buffered, req->reserved, __ATOMIC_RELAXED);
  if (req->body)
    g_byte_array_unref (req->body);
  g_free (req->path);
  g_free (req);
  g_atomic_int_dec_and_test (&self->in_flight);
}

/* ---- Start and stop -------------------------------------------------------------------------- */

static GInetAddress *
parse_host (const char *host, GError **error)
{
  GInetAddress *address;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    g_set_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_OPTIONS,
                 _("“%s” is not an IP address (say 127.0.0.1, 0.0.0.0 or ::1)"), host);
  return address;
}

gboolean
kiln_server_start (KilnServer  *server,
                   GError     **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GError) local = NULL;
  unsigned int flags;
  int fd;

  g_return_val_if_fail (server != NULL, FALSE);
  g_return_val_if_fail (server->daemon == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  address = parse_host (server->host, error);
  if (address == NULL)
    return FALSE;
  server->ipv6 = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
  socket_address = g_inet_socket_address_new (address, server->options.port);
  sock = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                       G_SOCKET_PROTOCOL_TCP, &local);
  if (sock != NULL)
    g_socket_set_listen_backlog (sock, 1024);
  if (sock == NULL || !g_socket_bind (sock, socket_address, TRUE, &local)
      || !g_socket_listen (sock, &local))
    {
      g_set_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_LISTEN,
                   _("Cannot listen on %s port %u: %s"), server->host, server->options.port,
                   local->message);
      return FALSE;
    }
  bound = g_socket_get_local_address (sock, NULL);
  server->port = bound ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound))
                       : server->options.port;

  /* libmicrohttpd owns a copy of the descriptor (GSocket keeps its own non-blocking) */
  fd = dup (g_socket_get_fd (sock));
  if (fd < 0)
    {
      g_set_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_LISTEN,
                   _("Cannot listen on %s port %u: %s"), server->host, server->port,
                   g_strerror (errno));
      return FALSE;
    }
  flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
  if (server->ipv6)
    flags |= MHD_USE_IPv6;
  g_atomic_int_set (&server->draining, 0);
  _kiln_serve_log_start (&server->log);
  server->daemon = MHD_start_daemon (flags, 0, NULL, NULL, on_request, server,
                                     /* first, so that every message of the library comes here */
                                     MHD_OPTION_EXTERNAL_LOGGER, on_library_log, server,
                                     MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
                                     MHD_OPTION_THREAD_POOL_SIZE,
                                     (unsigned int) server->options.n_threads,
                                     MHD_OPTION_CONNECTION_LIMIT,
                                     (unsigned int) server->options.max_connections,
                                     MHD_OPTION_CONNECTION_TIMEOUT,
                                     (unsigned int) server->options.timeout_seconds,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
                                     MHD_OPTION_END);
  if (server->daemon == NULL)
    {
      _kiln_serve_log_stop (&server->log);
      close (fd);
      g_set_error (error, KILN_SERVE_ERROR, KILN_SERVE_ERROR_START,
                   _("The HTTP server would not start on %s port %u"), server->host, server->port);
      return FALSE;
    }
  {
    g_autoptr(KilnServeModel) m = current_model (server);
    g_autofree char *url = kiln_server_get_url (server);
    kiln_server_log (server, _("listening on %s with %u threads, serving bundle %s"), url,
                     server->options.n_threads, m->hash);
  }
  return TRUE;
}

void
kiln_server_stop (KilnServer *server)
{
  MHD_socket fd;
  gint64 deadline;

  g_return_if_fail (server != NULL);
  if (server->daemon == NULL)
    return;

  /* no new connections; answers from now on close theirs */
  g_atomic_int_set (&server->draining, 1);
  fd = MHD_quiesce_daemon (server->daemon);
  if (fd != MHD_INVALID_SOCKET)
    close (fd);
  deadline = g_get_monotonic_time () + (gint64) server->options.grace_ms * 1000;
  while (g_atomic_int_get (&server->in_flight) > 0 && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  if (g_atomic_int_get (&server->in_flight) > 0)
    kiln_server_log (server, _("stopping with %d requests unfinished after %u ms"),
                     g_atomic_int_get (&server->in_flight), server->options.grace_ms);
  MHD_stop_daemon (server->daemon);
  server->daemon = NULL;
  _kiln_serve_log_stop (&server->log);
  kiln_server_log (server, _("stopped"));
}

guint16
kiln_server_get_port (KilnServer *server)
{
  g_return_val_if_fail (server != NULL, 0);
  return server->port;
}

char *
kiln_server_get_url (KilnServer *server)
{
  g_return_val_if_fail (server != NULL, NULL);
  if (server->ipv6)
    return g_strdup_printf ("http://[%s]:%u", server->host, server->port);
  return g_strdup_printf ("http://%s:%u", server->host, server->port);
}

void
kiln_server_get_counters (KilnServer        *server,
                          KilnServeCounters *counters)
{
  g_return_if_fail (server != NULL);
  g_return_if_fail (counters != NULL);
  _kiln_serve_stats_totals (server->stats, counters);
  counters->in_flight = (guint) MAX (g_atomic_int_get (&server->in_flight), 0);
}
