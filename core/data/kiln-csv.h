/* kiln-csv.h: reading CSV files the way users' files really are, and writing them back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Detection (encoding, delimiter, decimal comma, header row, missing markers) happens unless the
 * options say otherwise; what was detected comes back in KilnCsvInfo. Parsing streams the file
 * through libcsv in chunks; progress is reported and a GCancellable is honoured per chunk.
 */
#pragma once

#include <gio/gio.h>
#include "kiln-frame.h"

G_BEGIN_DECLS

#define KILN_CSV_ERROR (kiln_csv_error_quark ())
GQuark kiln_csv_error_quark (void);

typedef enum {
  KILN_CSV_ERROR_OPEN,          /* missing or unreadable file */
  KILN_CSV_ERROR_EMPTY,         /* no rows, or no columns */
  KILN_CSV_ERROR_BINARY,        /* NUL bytes: not a text file */
  KILN_CSV_ERROR_ENCODING,      /* bytes invalid in the chosen encoding */
  KILN_CSV_ERROR_RAGGED,        /* a row with a different number of fields than the header */
  KILN_CSV_ERROR_QUOTE,         /* an unterminated or malformed quoted field */
  KILN_CSV_ERROR_OPTIONS,       /* an override that makes no sense */
  KILN_CSV_ERROR_WRITE,
  KILN_CSV_ERROR_CHANGED,       /* the file shrank or went while it was read */
} KilnCsvError;

typedef struct {
  char      *encoding;       /* NULL: detect. Any name iconv knows ("UTF-8", "CP949", ...) */
  char       delimiter;      /* 0: detect among , ; TAB | */
  char       decimal;        /* 0: detect ('.' or ','), else '.' or ',' */
  int        header;         /* -1: detect, 0: no header row, 1: header row */
  char     **na_values;      /* NULL: the defaults (empty, NA, N/A, NaN, null, ?) */
  gboolean   skip_bad_rows;  /* ragged rows are skipped and counted instead of failing */
  gboolean   detect_types;   /* FALSE: every column is read as text/categorical */
} KilnCsvOptions;

void  kiln_csv_options_init  (KilnCsvOptions *options);
void  kiln_csv_options_clear (KilnCsvOptions *options);
void  kiln_csv_options_copy  (const KilnCsvOptions *src, KilnCsvOptions *dest);

typedef struct {
  char     *encoding;        /* what the file was read as, e.g. "UTF-8", "UTF-8 (BOM)", "CP949" */
  char      delimiter;
  char      decimal;
  gboolean  header;
  guint64   n_bytes;
  guint     n_skipped_rows;  /* with skip_bad_rows */
  guint     first_skipped_line;
  char     *first_skipped_message;
} KilnCsvInfo;

void  kiln_csv_info_clear (KilnCsvInfo *info);

/* Progress: fraction of the file read, 0..1. Called from the reading thread. */
typedef void (*KilnProgressFunc) (double fraction, gpointer user_data);

KilnFrame *kiln_csv_read (const char            *path,
                          const KilnCsvOptions  *options,   /* NULL: detect everything */
                          KilnProgressFunc       progress,
                          gpointer               user_data,
                          GCancellable          *cancellable,
                          KilnCsvInfo           *info,      /* out, may be NULL */
                          GError               **error);

/* Reading a file a piece at a time, for files larger than memory: the same detection, types and
 * errors as kiln_csv_read(), the file's rows handed out in frames of at least @max_rows rows but
 * for the last (more by up to a block of the file's text, 1 MiB, or to end at a row). A value
 * that breaks its column's type (a word in a column of numbers) makes the column text from that
 * piece on.
 * kiln_csv_stream_next() returns NULL at the end, or with @error set; a file without rows gives
 * one frame without rows. */
typedef struct _KilnCsvStream KilnCsvStream;

KilnCsvStream *kiln_csv_stream_open     (const char            *path,
                                         const KilnCsvOptions  *options,   /* NULL: detect */
                                         GCancellable          *cancellable,
                                         GError               **error);
KilnFrame     *kiln_csv_stream_next     (KilnCsvStream         *stream,
                                         guint                  max_rows,
                                         GError               **error);
/* What was detected, and the rows skipped so far (with skip_bad_rows). */
void           kiln_csv_stream_get_info (KilnCsvStream         *stream,
                                         KilnCsvInfo           *info);
/* How much of the file has been read, 0..1 (for a progress bar). */
double         kiln_csv_stream_get_fraction (KilnCsvStream     *stream);
/* The file line (1-based) on which the rows the next kiln_csv_stream_next() hands out begin:
 * with a row per line, row r of that frame (0-based) is on this line + r. */
guint64        kiln_csv_stream_get_line (KilnCsvStream         *stream);
void           kiln_csv_stream_free     (KilnCsvStream         *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnCsvStream, kiln_csv_stream_free)

/* The default missing markers. */
const char * const *kiln_csv_default_na_values (void);

/* Writes the frame as UTF-8 CSV (comma, '.', RFC 4180 quoting, missing as empty), atomically:
 * a temporary file beside @path, then a rename. */
gboolean kiln_csv_write (KilnFrame   *frame,
                         const char  *path,
                         GError     **error);
/* The same to a stream (used by the atomic writer and by prediction exports). */
gboolean kiln_csv_write_to_stream (KilnFrame      *frame,
                                   GOutputStream  *stream,
                                   GCancellable   *cancellable,
                                   GError        **error);
/* The frame's rows, after the header row if @header: a file written a piece at a time. */
gboolean kiln_csv_write_rows      (KilnFrame      *frame,
                                   GOutputStream  *stream,
                                   gboolean        header,
                                   GCancellable   *cancellable,
                                   GError        **error);
/* One field, quoted if it needs to be, appended to @out. */
void     kiln_csv_append_field    (GString    *out,
                                   const char *field);

G_END_DECLS
