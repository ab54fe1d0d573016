/* kiln-serve-private.h: what the service's files share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kiln-serve.c          the HTTP side: libmicrohttpd, requests, reload, stop
 * kiln-serve-model.c    a bundle made ready to serve: field lookup, escaped class names, the
 *                       documents of /health, /metadata and /openapi.json, drift counters
 * kiln-serve-rows.c     a /predict body -> a frame of the input columns; predictions -> JSON
 * kiln-serve-metrics.c  counters and the Prometheus text of /metrics
 * kiln-serve-log.c      the access log and the service's messages
 */
#pragma once

#include "kiln-serve.h"
#include "kiln-tsan.h"

/* GLib's mutexes and reference counts run inside the uninstrumented libglib: ThreadSanitizer sees
 * the hand-offs through them only when told (kiln-tsan.h, RECIPES.md). */
#define KILN_SERVE_TSAN_RELEASE(p) KILN_TSAN_RELEASE (p)
#define KILN_SERVE_TSAN_ACQUIRE(p) KILN_TSAN_ACQUIRE (p)

G_BEGIN_DECLS

/* ---- Counters ------------------------------------------------------------------------------
 * Written by the worker threads with relaxed atomic adds, each thread into its own slot (so no
 * two cores fight over a cache line), summed when read. */

typedef enum {
  KILN_SERVE_HEALTH,
  KILN_SERVE_METADATA,
  KILN_SERVE_OPENAPI,
  KILN_SERVE_METRICS,
  KILN_SERVE_PREDICT,
  KILN_SERVE_OTHER,      /* any other path: one label, so clients cannot grow the metrics */
  KILN_SERVE_N_ENDPOINTS
} KilnServeEndpoint;

/* The statuses the service answers with; anything else is counted as the last. */
#define KILN_SERVE_N_STATUSES 7
extern const guint kiln_serve_statuses[KILN_SERVE_N_STATUSES];

/* Latency histogram upper bounds, in microseconds; one more bucket for +Inf. */
#define KILN_SERVE_N_BUCKETS 14
extern const guint kiln_serve_buckets_us[KILN_SERVE_N_BUCKETS];

#define KILN_SERVE_N_SLOTS 16

typedef struct {
  guint64 requests[KILN_SERVE_N_ENDPOINTS][KILN_SERVE_N_STATUSES];
  guint64 latency[KILN_SERVE_N_ENDPOINTS][KILN_SERVE_N_BUCKETS + 1];
  guint64 latency_us[KILN_SERVE_N_ENDPOINTS];
  guint64 rows;
} KilnServeSlot;

typedef struct {
  /* 64-byte aligned so slots of different threads never share a cache line */
  KilnServeSlot slots[KILN_SERVE_N_SLOTS] __attribute__ ((aligned (64)));
} KilnServeStats;

static inline void
kiln_serve_count (guint64 *counter, guint64 n)
{
  __atomic_fetch_add (counter, n, __ATOMIC_RELAXED);
}

static inline guint64
kiln_serve_read (const guint64 *counter)
{
  return __atomic_load_n (counter, __ATOMIC_RELAXED);
}

/* The calling thread's slot (0 .. KILN_SERVE_N_SLOTS-1, fixed per thread). */
guint       _kiln_serve_slot            (void);
guint       _kiln_serve_status_index    (guint status);
void        _kiln_serve_stats_record    (KilnServeStats    *stats,
                                         KilnServeEndpoint  endpoint,
                                         guint              status,
                                         guint              rows,
                                         guint64            microseconds);
void        _kiln_serve_stats_totals    (KilnServeStats     *stats,
                                         KilnServeCounters  *out);

/* ---- A served model -------------------------------------------------------------------------- */

typedef struct {
  gatomicrefcount          ref_count;
  KilnBundle              *bundle;
  char                    *path;          /* its file, or NULL */
  const char              *hash;          /* the bundle's content hash */
  gint64                   loaded;        /* real time, microseconds */
  guint                    n_inputs;
  const KilnRecipeColumn  *inputs;
  GHashTable              *fields;        /* field name -> input index + 1, or 0: known, unused */
  gboolean                 classification;
  guint                    n_classes;
  char                   **class_json;    /* each class name as a JSON string, quotes included */
  char                    *health;        /* the documents, as sent */
  char                    *metadata;
  char                    *openapi;
  /* drift: per input column its reference (or NULL) and the live counts, per slot */
  const KilnDriftColumn  **drift;
  int                     *drift_index;   /* input -> column of the bundle's KilnDrift, or -1 */
  gsize                   *drift_offset;  /* input -> first counter: rows, missing, unseen, bins */
  gsize                    drift_stride;  /* counters per slot (a multiple of 8: a cache line) */
  guint64                 *drift_counts;  /* KILN_SERVE_N_SLOTS x drift_stride */
} KilnServeModel;

KilnServeModel *_kiln_serve_model_new    (KilnBundle      *bundle,
                                          const char      *path,
                                          gsize            max_body_bytes,
                                          guint            max_rows);
KilnServeModel *_kiln_serve_model_ref    (KilnServeModel  *model);
void            _kiln_serve_model_unref  (KilnServeModel  *model);

/* Counts the rows of @frame (the converted input columns) into the drift counters. */
void            _kiln_serve_model_tally  (KilnServeModel  *model,
                                          KilnFrame       *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnServeModel, _kiln_serve_model_unref)

/* ---- /predict -------------------------------------------------------------------------------- */

typedef struct {
  guint  row;       /* 1-based; 0 when the problem is not in a row */
  char  *field;     /* or NULL */
} KilnServeProblem;

/* The body's rows as a frame of the model's input columns, in the recipe's order and with the
 * training types. NULL with KILN_SERVE_ERROR_INPUT (400) or _TOO_LARGE (413); @problem then says
 * where (free problem->field). */
KilnFrame  *_kiln_serve_parse_rows      (KilnServeModel    *model,
                                         const char        *body,
                                         gsize              length,
                                         guint              max_rows,
                                         KilnServeProblem  *problem,
                                         GError           **error);
/* {"predictions": [...]} for kiln_bundle_predict()'s output. */
void        _kiln_serve_write_predictions (KilnServeModel *model,
                                           const double   *output,
                                           guint           n_rows,
                                           GString        *out);
/* {"error": message, "row": n, "field": name} */
char       *_kiln_serve_error_json      (const char              *message,
                                         const KilnServeProblem  *problem);
/* @s as a JSON string, quotes included, appended to @out. */
void        _kiln_serve_append_json_string (GString    *out,
                                            const char *s);

/* ---- The log (kiln-serve-log.c) --------------------------------------------------------------
 * Request lines gather per thread and go out in one write every 100 ms (or when a buffer fills),
 * instead of one write(2) per request. */

/* A request's method and path as logged: the method in at most KILN_SERVE_METHOD_MAX - 1 bytes,
 * the path cut to KILN_SERVE_LOG_PATH_MAX bytes. */
#define KILN_SERVE_METHOD_MAX   12
#define KILN_SERVE_LOG_PATH_MAX 200

typedef struct {
  GMutex   lock;
  GString *text;
} KilnServeLogBuffer;

typedef struct {
  int                 fd;              /* -1: no log */
  KilnServeLogBuffer  buffers[KILN_SERVE_N_SLOTS];
  GMutex              write_lock;
  GThread            *flusher;
  GMutex              flusher_lock;
  GCond               flusher_cond;
  gint                flusher_quit;    /* atomic */
} KilnServeLog;

void        _kiln_serve_log_init        (KilnServeLog     *log,
                                         int               fd);
void        _kiln_serve_log_clear       (KilnServeLog     *log);
/* The flusher thread (when there is a log); stopping it writes out what is left. */
void        _kiln_serve_log_start       (KilnServeLog     *log);
void        _kiln_serve_log_stop        (KilnServeLog     *log);
/* "TIME kiln-serve: MESSAGE", after the requests logged so far. */
void        _kiln_serve_log_message     (KilnServeLog     *log,
                                         const char       *message);
/* "TIME METHOD PATH STATUS rows=N us=N" (status 0: "-"), into the calling thread's buffer. */
void        _kiln_serve_log_request     (KilnServeLog     *log,
                                         const char       *method,
                                         const char       *path,
                                         guint             status,
                                         guint             rows,
                                         guint64           microseconds);

/* ---- /metrics -------------------------------------------------------------------------------- */

char       *_kiln_serve_metrics_text    (KilnServeStats   *stats,
                                         KilnServeModel   *model,
                                         guint            *reloads,   /* ok, failed */
                                         guint             in_flight);

G_END_DECLS
