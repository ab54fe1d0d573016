/* kiln-drift.h: what the training rows looked like, to tell how far live inputs drift from them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KilnDrift is made once, when a bundle is made, from the raw training split (the rows the
 * recipe and the model were fitted on), and is saved in the bundle as its "drift" member:
 *
 *   {"rows": 16000, "columns": [
 *     {"name": "age", "type": "numeric", "missing": 0.05,
 *      "edges": [24, 29, ...], "shares": [0.1, 0.1, ...]},
 *     {"name": "job", "type": "categorical", "missing": 0.0,
 *      "categories": ["skilled", ...], "shares": [0.31, ..., 0.0]}]}
 *
 * For each input column of the recipe: the share of training rows where it is missing, and the
 * training distribution of its other values over bins. Numeric and boolean columns: up to ten
 * bins cut at the deciles (an edge list, deduplicated; value v falls in bin "number of edges
 * below v", so the bins are (-inf, e1], (e1, e2], ..., (e_last, inf)). Categorical and text
 * columns: one bin per training category (the KILN_DRIFT_MAX_CATEGORIES most frequent ones when
 * there are more, ties by name) and a last bin for every other value, unseen or rarer.
 *
 * The HTTP service counts live values into the same bins and reports the population stability
 * index, PSI = sum over bins of (live - training) * ln (live / training), with both shares
 * floored at 1e-4 (so an empty bin counts as very rare instead of infinite). A PSI under 0.1 is
 * usually read as no drift, 0.1 to 0.25 as a moderate one, above 0.25 as a shift to look at.
 *
 * Immutable once made; safe to read from several threads at once.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "kiln-frame.h"
#include "kiln-recipe.h"

G_BEGIN_DECLS

#define KILN_DRIFT_MAX_BINS        10
#define KILN_DRIFT_MAX_CATEGORIES  1000

typedef struct {
  char            *name;
  KilnColumnType   type;         /* the column's training type */
  gboolean         categorical;  /* categories (categorical, text) or edges (numeric, boolean) */
  double           missing;      /* share of training rows where it is missing */
  guint            n_bins;       /* numeric: n_edges + 1; categorical: n_categories + 1 */
  double          *edges;        /* numeric: n_bins - 1 ascending cut points */
  char           **categories;   /* categorical: n_bins - 1 names, NULL-terminated */
  double          *shares;       /* n_bins training shares of the values that are not missing */
} KilnDriftColumn;

typedef struct _KilnDrift KilnDrift;

/* From the raw training rows: one entry per column of @inputs (the recipe's input columns),
 * each looked up in @train by name. NULL when a column is absent. */
KilnDrift   *kiln_drift_new           (KilnFrame              *train,
                                       const KilnRecipeColumn *inputs,
                                       guint                   n_inputs);
void         kiln_drift_free          (KilnDrift *drift);

JsonNode    *kiln_drift_to_json       (const KilnDrift *drift);
/* NULL with an error message (a plain G_IO_ERROR_INVALID_DATA; the bundle wraps it). */
KilnDrift   *kiln_drift_from_json     (JsonNode  *node,
                                       GError   **error);

guint        kiln_drift_get_n_rows    (const KilnDrift *drift);   /* training rows */
guint        kiln_drift_get_n_columns (const KilnDrift *drift);
const KilnDriftColumn *kiln_drift_get_column (const KilnDrift *drift,
                                              guint            index);
/* -1 when the column has no entry. */
int          kiln_drift_find_column   (const KilnDrift *drift,
                                       const char      *name);

/* The bin of a value that is not missing. */
guint        kiln_drift_numeric_bin   (const KilnDriftColumn *column,
                                       double                 value);
/* The bin of a category; @seen (may be NULL) is FALSE when the value is not among the kept
 * training categories (all of them unless there were more than KILN_DRIFT_MAX_CATEGORIES). */
guint        kiln_drift_category_bin  (const KilnDrift       *drift,
                                       guint                  column,
                                       const char            *value,
                                       gboolean              *seen);

/* The PSI of @counts (n_bins live counts) against the column's training shares; NaN when every
 * count is 0. */
double       kiln_drift_psi           (const KilnDriftColumn *column,
                                       const guint64         *counts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnDrift, kiln_drift_free)

G_END_DECLS
