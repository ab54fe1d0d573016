/* kiln-csv-private.h: what the files of the CSV reader share (not public API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader is cut by job: kiln-csv-sniff.c decides the encoding, the layout and a type plan
 * from a sample; kiln-csv-parse.c parses runs of the file (segments) with libcsv, a block of
 * decoded text at a time; kiln-csv-convert.c turns fields into typed column builders and joins
 * the segments' builders into columns; kiln-csv.c drives a whole read (kiln_csv_read);
 * kiln-csv-stream.c reads a piece at a time; kiln-csv-write.c writes frames. See kiln-csv.c for
 * how a file is read.
 */
#pragma once

#include <csv.h>

#include "kiln-csv.h"
#include "kiln-number.h"

G_BEGIN_DECLS

#define BLOCK_SIZE       (1u << 20)
#define SAMPLE_SIZE      (256u << 10)
#define SAMPLE_ROWS      2000
#define PARALLEL_MIN     (8u << 20)   /* smaller files are read on one thread */
#define MAX_SEGMENTS     8

/* ---- Plans and type inference ------------------------------------------------------------ */

typedef enum {
  PLAN_NUMERIC,
  PLAN_DATETIME,
  PLAN_BOOLEAN,
  PLAN_CODED,
} PlanType;

typedef struct {
  GPtrArray *values;   /* char* */
  guint     *lengths;
  guint64    first[4]; /* bitmap of the markers' first bytes */
  gboolean   empty;    /* the empty string is a marker */
} NaSet;


typedef struct {
  guint32   *slots;     /* code + 1, 0 = empty */
  guint32    mask;
  GPtrArray *strings;   /* char*, NUL-terminated */
  GArray    *keys;      /* guint64: the bytes themselves (up to 8), else a hash */
  GArray    *lengths;   /* guint32 */
  guint64    total_length;
} Interner;

typedef struct {
  PlanType  type;
  gsize     len;
  gsize     cap;
  union {
    double *d;
    gint64 *t;
    guint8 *b;
    gint32 *c;
    gpointer data;
  };
  guint64  *missing;   /* datetime, boolean: grown with cap */
  Interner  interner;  /* coded */
  KilnDatetimeCache dates;
} Builder;


typedef struct {
  GInputStream *stream;     /* what we read decoded UTF-8 from */
  GInputStream *raw;        /* the file stream, for progress */
  char         *buf;
  gsize         cap;
  gsize         len;        /* bytes in buf */
  gsize         start;      /* the next block starts here */
  guint64       limit;      /* bytes of the raw stream still to read (segments), or G_MAXUINT64 */
  gboolean      eof;
} BlockReader;


typedef struct _Reader Reader;

typedef struct {
  Reader            *reader;
  guint              index;
  guint64            offset;        /* raw byte where the segment starts */
  guint64            length;        /* raw bytes, or G_MAXUINT64 to the end */
  gboolean           has_header;    /* the first row is the header row */

  /* parse state */
  struct csv_parser  parser;
  guint64            line;          /* line being fed, 1-based within the segment */
  guint64            row_line;      /* line where the current row began */
  guint              n_fields;
  gboolean           first_field_blank;
  guint              n_rows;
  gboolean           header_done;
  gboolean           stop;

  Builder           *builders;
  GPtrArray         *header;        /* segment 0: the header's fields */

  /* outcome */
  GError            *error;
  gboolean          *demote;        /* per column: its plan broke */
  gboolean           any_demoted;
  guint              n_skipped;
  guint64            first_skipped_line;
  guint64            line_base;     /* lines of the file before the segment, once counted */
  gboolean           line_base_known;
  char              *first_skipped_message;
  char              *bad_encoding_hint; /* a block was not UTF-8 after all (uchardet's guess) */
} Segment;

struct _Reader {
  const char       *path;
  GFile            *file;
  KilnCsvOptions    options;
  guint64           file_size;
  char             *encoding;       /* iconv name, or NULL for UTF-8 */
  char             *encoding_label; /* what we tell the user */
  gsize             bom_len;
  gboolean          encoding_detected;
  char              delimiter;
  char              decimal;
  gboolean          header;
  guint             n_cols;
  PlanType         *plan;
  NaSet             na;
  GCancellable     *cancellable;
  KilnProgressFunc  progress;
  gpointer          progress_data;
  gssize            bytes_done;     /* atomic, all segments */
  char             *bad_encoding_hint;  /* a later block was not UTF-8: restart with this */
  gint64            t0;
};

typedef struct {
  GPtrArray *rows;     /* GPtrArray of char* */
  GPtrArray *current;
  gboolean   complete; /* the sample holds the whole file */
} SampleRows;


/* Joining the segments' builders into columns, a column at a time on each thread. */
typedef struct {
  Reader      *reader;
  Segment     *segs;
  guint        n_segs;
  char       **names;
  KilnColumn **columns;
  gint         next;    /* atomic */
} JoinJob;

/* TRUE when the field @s (@len bytes) is one of the missing-value markers. */
static inline gboolean
na_contains (const NaSet *na, const char *s, gsize len)
{
  guint8 c0;

  if (len == 0)
    return na->empty;
  c0 = (guint8) s[0];
  if (!((na->first[c0 >> 6] >> (c0 & 63)) & 1))
    return FALSE;
  for (guint i = 0; i < na->values->len; i++)
    if (na->lengths[i] == len && memcmp (na->values->pdata[i], s, len) == 0)
      return TRUE;
  return FALSE;
}

/* ---- The reader (kiln-csv.c) ---------------------------------------------------------------- */

void _kiln_csv_reader_clear (Reader *reader);
gboolean _kiln_csv_reader_setup (Reader                *reader,
                                 const char            *path,
                                 const KilnCsvOptions  *options,
                                 KilnProgressFunc       progress,
                                 gpointer               user_data,
                                 GCancellable          *cancellable,
                                 GError               **error);
gboolean _kiln_csv_reader_detect (Reader *reader, PlanType *kept_plan, GError **error);
gboolean _kiln_csv_reader_check_unchanged (Reader *reader, GError **error);
void _kiln_csv_reader_fill_info (Reader *reader, KilnCsvInfo *info);

/* ---- Conversion and joining (kiln-csv-convert.c) -------------------------------------------- */

void _kiln_csv_builder_init (Builder *b, PlanType type, gsize cap);
void _kiln_csv_builder_clear (Builder *b);
void _kiln_csv_convert_field (Segment *seg, guint col, const char *s, gsize len);
char **_kiln_csv_column_names (Reader *reader, GPtrArray *header);
KilnColumn *_kiln_csv_join_column (Reader *reader, Segment *segs, guint n_segs, guint c,
                                   const char *name);
gpointer _kiln_csv_join_worker (gpointer data);

/* ---- Parsing segments (kiln-csv-parse.c) ---------------------------------------------------- */

void _kiln_csv_block_reader_clear (BlockReader *r);
void _kiln_csv_segment_fail (Segment *seg, GError *error);
char *_kiln_csv_display_name (Reader *reader);
void _kiln_csv_on_row (int terminator, void *data);
int _kiln_csv_never_space (unsigned char c);
void _kiln_csv_segment_feed (Segment *seg, const char *block, gsize len);
gboolean _kiln_csv_segment_open_blocks (Segment *seg, BlockReader *br);
gboolean _kiln_csv_segment_next_block (Segment *seg, BlockReader *br, const char **block,
                                       gsize *block_len);
void _kiln_csv_segment_finish (Segment *seg);
gpointer _kiln_csv_segment_run (gpointer data);
void _kiln_csv_segment_init (Segment *seg, Reader *reader, guint index, guint64 offset,
                             guint64 length, gsize expected_rows);
void _kiln_csv_segment_clear (Segment *seg);

/* ---- Detection (kiln-csv-sniff.c) ----------------------------------------------------------- */

gboolean _kiln_csv_read_raw_sample (Reader *reader, GBytes **out, GError **error);
gboolean _kiln_csv_detect_encoding (Reader *reader, GBytes *sample, GError **error);
char *_kiln_csv_decode_sample (Reader *reader, GBytes *raw_sample, gboolean *complete,
                               GError **error);
char _kiln_csv_detect_delimiter (const char *text);
gboolean _kiln_csv_parse_sample_rows (Reader *reader, const char *text, gboolean complete,
                                      SampleRows *sr);
void _kiln_csv_detect_layout (Reader *reader, SampleRows *sr);
void _kiln_csv_infer_plan (Reader *reader, SampleRows *sr);
guint _kiln_csv_plan_segments (Reader *reader, guint64 *offsets, guint max_segments);

G_END_DECLS
