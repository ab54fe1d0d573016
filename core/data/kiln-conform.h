/* kiln-conform.h: the one rule that turns raw values (a CSV's columns, a request's JSON) into the
 * column types a model was trained on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * New data is read on its own, so a column can come out with another type than in training: a
 * test file whose numeric column holds "?" somewhere reads as categories, a boolean column whose
 * sample holds only 0 and 1 reads as numbers, a served request sends "3" for a number. Training,
 * batch prediction, the bundle, the ONNX export's checks and the HTTP service all convert through
 * here, so a value means the same everywhere:
 *
 *   wanted      from                       becomes
 *   numeric     boolean                    1 / 0
 *               text or category           the number it reads as ('.' decimal), True/False as
 *                                          1 / 0; anything else is an error
 *   boolean     numeric                    0 -> False, 1 -> True; anything else is an error
 *               text or category           True/False (as pandas reads them), 1 / 0
 *   categorical numeric, boolean, date     the category named as the CSV shows the cell ("3",
 *   or text                                "2.5", "True", "2001-01-01")
 *               category or text           the same category
 *   datetime    text or category           ISO 8601 dates and times
 * A missing value stays missing; an error names the column, the row (1-based, in the rows given)
 * and the value.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "kiln-frame.h"

G_BEGIN_DECLS

#define KILN_CONFORM_ERROR (kiln_conform_error_quark ())
GQuark kiln_conform_error_quark (void);

typedef enum {
  KILN_CONFORM_ERROR_NO_COLUMN,   /* a column the model needs is absent */
  KILN_CONFORM_ERROR_VALUE,       /* a value that does not convert */
  KILN_CONFORM_ERROR_TYPE,        /* a column of a type that cannot become the wanted one */
} KilnConformError;

/* A column a model reads: its name and the type it had in training. */
typedef struct {
  char           *name;
  KilnColumnType  type;
} KilnColumnSpec;

/* TRUE when a column of type @have must be converted to be read as @want. */
gboolean    kiln_conform_needed  (KilnColumnType  have,
                                  KilnColumnType  want);

/* Column @column of @frame converted to @want: a new column of kiln_frame_get_n_rows (@frame)
 * values in frame row order (also when no conversion was needed). */
KilnColumn *kiln_conform_column  (KilnFrame       *frame,
                                  guint            column,
                                  KilnColumnType   want,
                                  GError         **error);

/* The columns @columns of @raw, found by name (other columns are left out), in that order, with
 * their types. Every absent column is named in one KILN_CONFORM_ERROR_NO_COLUMN error. When no
 * column needs converting the result is a view of @raw's columns (nothing copied). */
KilnFrame  *kiln_conform_frame   (KilnFrame             *raw,
                                  const KilnColumnSpec  *columns,
                                  guint                  n_columns,
                                  GError               **error);

/* One value, for a service that receives rows one by one. */
typedef struct {
  KilnColumnType type;         /* the wanted type */
  gboolean       missing;
  double         number;       /* NUMERIC */
  gboolean       boolean;      /* BOOLEAN */
  gint64         datetime;     /* DATETIME: microseconds since the epoch, UTC */
  const char    *text;         /* CATEGORICAL, TEXT: the input's text, or buf (so fill the
                                  value where it is kept: a copy's text points at the original) */
  char           buf[G_ASCII_DTOSTR_BUF_SIZE];
} KilnValue;

/* @text as a CSV cell of column @column (row @row, 1-based, for the error) read as @type. The
 * CSV reader's missing markers (empty, NA, N/A, NaN, null, ?) and NULL are missing. */
gboolean    kiln_conform_text    (const char      *text,
                                  KilnColumnType   type,
                                  const char      *column,
                                  guint            row,
                                  KilnValue       *out,
                                  GError         **error);
/* A JSON value (null, a number, a boolean or a string) read as @type: strings as CSV cells,
 * numbers and booleans as the cells that show them. Arrays and objects are an error. */
gboolean    kiln_conform_json    (JsonNode        *node,
                                  KilnColumnType   type,
                                  const char      *column,
                                  guint            row,
                                  KilnValue       *out,
                                  GError         **error);
/* A column of @n values of one type (kiln_conform_text() or _json() results), named @name. */
KilnColumn *kiln_conform_values_to_column (const char       *name,
                                           KilnColumnType    type,
                                           const KilnValue  *values,
                                           guint             n);

G_END_DECLS
