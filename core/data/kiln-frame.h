/* kiln-frame.h: the immutable columnar table every step of Kiln passes along.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KilnFrame is a list of KilnColumns plus an optional row index. Columns are immutable and
 * ref-counted; a frame that selects rows (a split, a filter, the rows behind a confusion-matrix
 * cell) is a *view*: it shares the columns and holds only the indices of its rows. Both are
 * safe to read from several threads at once without locks.
 *
 * Rows are addressed two ways:
 *  - a frame row `i` (0 <= i < kiln_frame_get_n_rows (frame)), what callers normally use;
 *  - a physical row, the index into the column's own arrays, kiln_frame_get_physical_row().
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  KILN_COLUMN_NUMERIC,      /* double; NaN where missing */
  KILN_COLUMN_CATEGORICAL,  /* dictionary codes (gint32, -1 where missing) + category strings */
  KILN_COLUMN_BOOLEAN,      /* guint8 0/1; missing in the bitmap */
  KILN_COLUMN_DATETIME,     /* gint64 microseconds since 1970-01-01T00:00:00Z */
  KILN_COLUMN_TEXT,         /* stored like categorical (codes + strings), but not a feature */
} KilnColumnType;

const char *kiln_column_type_to_string   (KilnColumnType type);
gboolean    kiln_column_type_from_string (const char     *str,
                                          KilnColumnType *type);

/* ---- KilnColumn ------------------------------------------------------------------------- */

typedef struct _KilnColumn KilnColumn;

#define KILN_TYPE_COLUMN (kiln_column_get_type ())
GType kiln_column_get_type (void) G_GNUC_CONST;

KilnColumn     *kiln_column_ref              (KilnColumn *column);
void            kiln_column_unref            (KilnColumn *column);

/* Constructors take ownership of the arrays (g_malloc'd). @missing may be NULL (nothing missing)
 * and is a bitmap of (n + 63) / 64 guint64 words, bit set = missing. */
KilnColumn     *kiln_column_new_numeric      (const char *name,
                                              double     *values,
                                              guint       n);
KilnColumn     *kiln_column_new_boolean      (const char *name,
                                              guint8     *values,
                                              guint64    *missing,
                                              guint       n);
KilnColumn     *kiln_column_new_datetime     (const char *name,
                                              gint64     *values,
                                              guint64    *missing,
                                              guint       n);
/* @categories: strings owned by the column afterwards (the GPtrArray is taken, it must have
 * g_free as free func or none: the column frees the strings); codes index into it, -1 = missing.
 * @type is KILN_COLUMN_CATEGORICAL or KILN_COLUMN_TEXT. */
KilnColumn     *kiln_column_new_coded        (const char     *name,
                                              KilnColumnType  type,
                                              gint32         *codes,
                                              GPtrArray      *categories,
                                              guint           n);
/* A copy with another name or type where the storage allows (categorical <-> text). */
KilnColumn     *kiln_column_new_retyped      (KilnColumn     *column,
                                              KilnColumnType  type);
KilnColumn     *kiln_column_new_renamed      (KilnColumn     *column,
                                              const char     *name);
/* The column converted to another type, as a user asks when Kiln guessed wrong: every cell goes
 * through its text (numbers parsed with @decimal). Cells that do not convert become missing and
 * are counted in @n_failed. */
KilnColumn     *kiln_column_convert          (KilnColumn     *column,
                                              KilnColumnType  type,
                                              char            decimal,
                                              guint          *n_failed);

const char     *kiln_column_get_name         (KilnColumn *column);
KilnColumnType  kiln_column_get_column_type  (KilnColumn *column);
guint           kiln_column_get_length       (KilnColumn *column);
guint           kiln_column_get_n_missing    (KilnColumn *column);
gboolean        kiln_column_is_numeric_like  (KilnColumn *column); /* numeric, boolean */
gboolean        kiln_column_is_coded         (KilnColumn *column); /* categorical, text */

/* Per physical row. */
gboolean        kiln_column_is_missing       (KilnColumn *column, guint row);
double          kiln_column_get_double       (KilnColumn *column, guint row); /* numeric, boolean,
                                                                                datetime (seconds);
                                                                                NaN if missing */
gint32          kiln_column_get_code         (KilnColumn *column, guint row); /* coded; -1 missing */
const char     *kiln_column_get_string       (KilnColumn *column, guint row); /* coded; NULL missing */
gint64          kiln_column_get_datetime     (KilnColumn *column, guint row);
gboolean        kiln_column_get_boolean      (KilnColumn *column, guint row);
/* The cell as text, as Kiln shows it and writes it to CSV; NULL when missing. Free with g_free. */
char           *kiln_column_format_cell      (KilnColumn *column, guint row);

/* The cell as a table shows it: numbers with at most 8 significant digits (whole numbers in full),
 * dates and times with the time whenever the column has times (midnight too), everything else as
 * kiln_column_format_cell(). NULL when missing. */
char           *kiln_column_format_display   (KilnColumn *column, guint row);
/* A date-and-time column with a value that is not at midnight (a column of days has none):
 * worked out once, then remembered. FALSE for other types. */
gboolean        kiln_column_has_time_of_day  (KilnColumn *column);

/* Raw storage, for fast loops. NULL when the column is not of that kind. */
const double   *kiln_column_get_doubles      (KilnColumn *column);
const gint32   *kiln_column_get_codes        (KilnColumn *column);
const gint64   *kiln_column_get_datetimes    (KilnColumn *column);
const guint8   *kiln_column_get_booleans     (KilnColumn *column);
const guint64  *kiln_column_get_missing_bitmap (KilnColumn *column); /* NULL if none missing */
guint           kiln_column_get_n_categories (KilnColumn *column);
const char     *kiln_column_get_category     (KilnColumn *column, guint code);
/* -1 if not a category of this column. */
gint32          kiln_column_lookup_category  (KilnColumn *column, const char *value);
/* Bytes the column's arrays take (for memory accounting). */
gsize           kiln_column_get_memory_size  (KilnColumn *column);

static inline gboolean
kiln_bitmap_get (const guint64 *bitmap, guint i)
{
  return bitmap != NULL && (bitmap[i >> 6] >> (i & 63)) & 1;
}

static inline void
kiln_bitmap_set (guint64 *bitmap, guint i)
{
  bitmap[i >> 6] |= G_GUINT64_CONSTANT (1) << (i & 63);
}

/* ---- KilnFrame -------------------------------------------------------------------------- */

typedef struct _KilnFrame KilnFrame;

#define KILN_TYPE_FRAME (kiln_frame_get_type ())
GType kiln_frame_get_type (void) G_GNUC_CONST;

/* Takes a reference on each column; all must have the same length. */
KilnFrame      *kiln_frame_new               (KilnColumn * const *columns,
                                              guint               n_columns);
KilnFrame      *kiln_frame_ref               (KilnFrame *frame);
void            kiln_frame_unref             (KilnFrame *frame);

guint           kiln_frame_get_n_rows        (KilnFrame *frame);
guint           kiln_frame_get_n_columns     (KilnFrame *frame);
KilnColumn     *kiln_frame_get_column        (KilnFrame *frame, guint index); /* borrowed */
/* -1 when there is no such column. */
int             kiln_frame_find_column       (KilnFrame *frame, const char *name);
/* TRUE when the frame is a view (has a row index). */
gboolean        kiln_frame_is_view           (KilnFrame *frame);
/* The physical row behind frame row @row. */
guint           kiln_frame_get_physical_row  (KilnFrame *frame, guint row);
/* The row index (NULL when the frame is not a view: row i is physical row i). */
const guint32  *kiln_frame_get_row_index     (KilnFrame *frame);

/* Views. @rows are frame rows of @frame (not physical rows); copied. */
KilnFrame      *kiln_frame_new_view          (KilnFrame     *frame,
                                              const guint32 *rows,
                                              guint          n_rows);
/* The same rows with only the given columns, in that order. */
KilnFrame      *kiln_frame_select_columns    (KilnFrame   *frame,
                                              const guint *columns,
                                              guint        n_columns);
/* The same rows with @column replaced (or, with index == n_columns, appended). @column must
 * have the frame's physical length if the frame is a view, else its row count. */
KilnFrame      *kiln_frame_replace_column    (KilnFrame  *frame,
                                              guint       index,
                                              KilnColumn *column);
/* A frame that is not a view: its columns copied in row order. */
KilnFrame      *kiln_frame_materialize       (KilnFrame *frame);

/* Cell access by frame row. */
gboolean        kiln_frame_is_missing        (KilnFrame *frame, guint column, guint row);
double          kiln_frame_get_double        (KilnFrame *frame, guint column, guint row);
gint32          kiln_frame_get_code          (KilnFrame *frame, guint column, guint row);
const char     *kiln_frame_get_string        (KilnFrame *frame, guint column, guint row);
char           *kiln_frame_format_cell       (KilnFrame *frame, guint column, guint row);

gsize           kiln_frame_get_memory_size   (KilnFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnColumn, kiln_column_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnFrame, kiln_frame_unref)

G_END_DECLS
