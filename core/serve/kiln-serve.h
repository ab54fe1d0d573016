/* kiln-serve.h: the local prediction service: a model bundle behind HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   KilnServeOptions o;
 *   kiln_serve_options_init (&o);                   (127.0.0.1, a free port, one thread per core)
 *   server = kiln_server_new (bundle, "model.kiln", &o);
 *   kiln_server_start (server, &error);             listening when it returns TRUE
 *   kiln_server_get_port (server);                  the bound port (o.port = 0 picks a free one)
 *   kiln_server_get_counters (server, &counts);     any thread, any time (the GUI's live counts)
 *   kiln_server_reload (server, &error);            the bundle again from its file (SIGHUP)
 *   kiln_server_stop (server);                      finishes the requests in flight, then stops
 *   kiln_server_free (server);
 *
 * Endpoints (DESIGN.md, `serve`):
 *   GET  /health        {"status": "ok", "content_hash", "kiln_version", "model", "task"}
 *   GET  /metadata      schema, inputs, target, task, classes, metrics, source, limits
 *   GET  /openapi.json  OpenAPI 3.0 description with the bundle's column names and types
 *   GET  /metrics       Prometheus text: requests and errors by endpoint and status, latency
 *                       histograms, rows predicted, and per input column the drift of live values
 *                       from the training split (share missing, share of unseen categories, PSI)
 *   POST /predict       {"rows": [{column: value, ...}, ...]} -> {"predictions": [{"label",
 *                       "probabilities": {class: p}}]} or, for regression, [{"value"}]
 *
 * Every input is checked before any work: a body that is not JSON, not {"rows": [...]}, a row
 * that is not an object, an unknown field, a missing input column, a value of the wrong type or
 * one that does not parse gives 400 with {"error": message, "row": n, "field": name} (rows
 * counted from 1); a body over max_body_bytes or more than max_rows rows gives 413; a body that
 * would take the bodies held at once (over all connections) past max_buffered_bytes gives 503, so
 * many slow clients cannot make it hold connections x max_body_bytes. Values are
 * read as the CSV reader reads cells (kiln-serve-rows.c), so a row predicts what `kiln-cli
 * predict` predicts for the same row of a file.
 *
 * HTTP is libmicrohttpd's (a pool of threads, one per core, each with its own poll loop):
 * libsoup 3's server costs about 30 microseconds of CPU per request before any work, which keeps
 * it under the service's speed goal (see bench/serve). The access log gets one line per request:
 * "TIME METHOD PATH STATUS rows=N us=MICROSECONDS".
 */
#pragma once

#include "kiln-bundle.h"

G_BEGIN_DECLS

#define KILN_SERVE_ERROR (kiln_serve_error_quark ())
GQuark kiln_serve_error_quark (void);

typedef enum {
  KILN_SERVE_ERROR_OPTIONS,    /* a host that is not an address, nonsense limits */
  KILN_SERVE_ERROR_LISTEN,     /* cannot bind or listen (port taken, no permission) */
  KILN_SERVE_ERROR_START,      /* the HTTP library would not start */
  KILN_SERVE_ERROR_NO_FILE,    /* reload without a bundle file */
  KILN_SERVE_ERROR_INPUT,      /* a request's body: answered with 400 */
  KILN_SERVE_ERROR_TOO_LARGE,  /* a request's body or row count over the limits: 413 */
} KilnServeError;

typedef struct {
  const char *host;             /* an IPv4 or IPv6 address, or "localhost"; NULL: 127.0.0.1 */
  guint16     port;             /* 0: any free port */
  guint       n_threads;        /* 0: one per core */
  gsize       max_body_bytes;   /* 0: KILN_SERVE_DEFAULT_MAX_BODY */
  guint       max_rows;         /* 0: KILN_SERVE_DEFAULT_MAX_ROWS */
  guint       max_connections;  /* 0: KILN_SERVE_DEFAULT_MAX_CONNECTIONS */
  guint       timeout_seconds;  /* idle connections are closed after this; 0: 30 */
  guint       grace_ms;         /* stop: how long requests in flight may take; 0: 10000 */
  int         log_fd;           /* access log and events; -1: none (the init default is 2) */
  gsize       max_buffered_bytes; /* request bodies held at once over all connections (more:
                                   * 503); 0: KILN_SERVE_DEFAULT_MAX_BUFFERED, at least
                                   * max_body_bytes */
} KilnServeOptions;

#define KILN_SERVE_DEFAULT_MAX_BODY        (4 * 1024 * 1024)
#define KILN_SERVE_DEFAULT_MAX_ROWS        10000
#define KILN_SERVE_DEFAULT_MAX_CONNECTIONS 1000
#define KILN_SERVE_DEFAULT_MAX_BUFFERED    (64 * 1024 * 1024)

void kiln_serve_options_init (KilnServeOptions *options);

typedef struct _KilnServer KilnServer;

/* Live totals since the server started (over every bundle it served). */
typedef struct {
  guint64 requests;    /* answered */
  guint64 errors;      /* answered with a status of 400 or more */
  guint64 rows;        /* predicted */
  guint   in_flight;   /* requests being read, worked on or answered now */
} KilnServeCounters;

/* @path: the bundle's file, for kiln_server_reload() (may be NULL). @options is copied. */
KilnServer *kiln_server_new          (KilnBundle              *bundle,
                                      const char              *path,
                                      const KilnServeOptions  *options);
gboolean    kiln_server_start        (KilnServer  *server,
                                      GError     **error);
/* Stops accepting connections, lets the requests in flight finish (up to grace_ms), closes
 * every connection. Blocks until then. Safe to call twice, or on a server never started. */
void        kiln_server_stop         (KilnServer  *server);
void        kiln_server_free         (KilnServer  *server);

guint16     kiln_server_get_port     (KilnServer  *server);
/* "http://127.0.0.1:8080" (IPv6 hosts in brackets); g_free() it. */
char       *kiln_server_get_url      (KilnServer  *server);
void        kiln_server_get_counters (KilnServer         *server,
                                      KilnServeCounters  *counters);
/* The bundle answering now (a new reference). */
KilnBundle *kiln_server_get_bundle   (KilnServer  *server);

/* Loads the bundle again from its file and serves it from the next request on; the requests in
 * flight finish with the old one. On failure the old one keeps serving. Either way the log says
 * which bundle (content hash) serves. Any thread. */
gboolean    kiln_server_reload       (KilnServer  *server,
                                      GError     **error);
/* The same with a bundle in memory (the GUI's current model); @path may be NULL. */
void        kiln_server_set_bundle   (KilnServer  *server,
                                      KilnBundle  *bundle,
                                      const char  *path);
/* Writes a line to the log ("TIME kiln-serve: MESSAGE"). */
void        kiln_server_log          (KilnServer  *server,
                                      const char  *format,
                                      ...) G_GNUC_PRINTF (2, 3);

/* A curl command that predicts one row at @url/predict: row @row of @rows (the raw frame, as
 * read from the CSV) when given, else a typical row (medians and most frequent categories of the
 * training split, when the bundle keeps them). g_free() it. */
char       *kiln_serve_curl_example  (KilnBundle  *bundle,
                                      const char  *url,
                                      KilnFrame   *rows,
                                      guint        row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnServer, kiln_server_free)

G_END_DECLS
