/* kiln-stats.h: per-column summaries (what the Data page and `kiln-cli inspect` show).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-frame.h"

G_BEGIN_DECLS

typedef struct {
  char  *value;
  guint  count;
} KilnCategoryCount;

typedef struct {
  KilnColumnType type;
  guint   n_rows;
  guint   n_missing;
  guint   n_distinct;   /* distinct non-missing values */
  /* numeric, boolean, datetime (seconds since the epoch); NaN when nothing to summarise */
  double  min;
  double  max;
  double  mean;
  double  std;          /* sample standard deviation (ddof = 1, as pandas' describe) */
  /* coded and boolean columns: the most frequent values, most frequent first */
  GArray *top;          /* of KilnCategoryCount */
} KilnColumnStats;

/* Statistics of column @column over the frame's rows (views count only their rows). */
KilnColumnStats *kiln_column_stats_compute (KilnFrame *frame,
                                            guint      column,
                                            guint      max_top);
void             kiln_column_stats_free    (KilnColumnStats *stats);
/* Statistics of every column, computed on all cores; a NULL-terminated array. */
KilnColumnStats **kiln_frame_compute_stats (KilnFrame *frame,
                                            guint      max_top);
void             kiln_column_stats_free_all (KilnColumnStats **stats);

/* Histogram of a numeric-like column over the frame's rows: @n_bins counts between min and max
 * (returned through @min_out / @max_out). Returns a g_malloc'd array of n_bins counts, or NULL
 * when there is nothing to count. */
guint           *kiln_column_histogram     (KilnFrame *frame,
                                            guint      column,
                                            guint      n_bins,
                                            double    *min_out,
                                            double    *max_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnColumnStats, kiln_column_stats_free)

G_END_DECLS
