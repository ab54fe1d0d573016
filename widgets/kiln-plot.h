/* kiln-plot.h: the evaluation and column plots: ROC curve, predicted vs actual, residuals,
 * horizontal bars (feature importances, top categories) and histograms.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One widget shows one plot at a time; each kiln_plot_set_*() call replaces the data and the
 * kind. All data is copied. Axes, ticks and labels come from kiln-plot-axes.h, shared with the
 * loss plot. Hovering shows the exact value under the pointer. Save with kiln_plot_save().
 *
 * Scatter plots with many points (regression on millions of rows) are drawn as a density
 * image: each pixel's opacity grows with the log of the points that fall on it, so a frame
 * costs O(points + pixels) and overplotting stays readable.
 */
#pragma once

#include "kiln-chart.h"

G_BEGIN_DECLS

typedef enum {
  KILN_PLOT_KIND_NONE,
  KILN_PLOT_KIND_ROC,
  KILN_PLOT_KIND_PREDICTED_VS_ACTUAL,
  KILN_PLOT_KIND_RESIDUALS,
  KILN_PLOT_KIND_BARS,
  KILN_PLOT_KIND_HISTOGRAM,
  KILN_PLOT_KIND_WATERFALL,
} KilnPlotKind;

#define KILN_TYPE_PLOT (kiln_plot_get_type ())
G_DECLARE_FINAL_TYPE (KilnPlot, kiln_plot, KILN, PLOT, GtkWidget)

GtkWidget    *kiln_plot_new                      (void);
KilnPlotKind  kiln_plot_get_kind                 (KilnPlot *self);
/* Shows nothing but @message (NULL: "No data"). */
void          kiln_plot_clear                    (KilnPlot   *self,
                                                  const char *message);

/* A ROC curve (points in order, e.g. from KilnRocCurve), the chance diagonal and the AUC in
 * the legend (NaN to leave it out). @label names the positive class (may be NULL). */
void          kiln_plot_set_roc                  (KilnPlot     *self,
                                                  const double *fpr,
                                                  const double *tpr,
                                                  guint         n_points,
                                                  double        auc,
                                                  const char   *label);
/* Regression: predicted (y) against actual (x) with the y = x line. Non-finite pairs are
 * skipped. */
void          kiln_plot_set_predicted_vs_actual  (KilnPlot     *self,
                                                  const double *actual,
                                                  const double *predicted,
                                                  guint         n);
/* Regression: residual (actual − predicted, y) against predicted (x), with the zero line. */
void          kiln_plot_set_residuals            (KilnPlot     *self,
                                                  const double *actual,
                                                  const double *predicted,
                                                  guint         n);
/* Horizontal bars, largest first (when @sort) or in the given order; at most "max-bars" are
 * shown. @value_title names the value axis (e.g. "Importance", "Rows"). */
void          kiln_plot_set_bars                 (KilnPlot           *self,
                                                  const char * const *names,
                                                  const double       *values,
                                                  guint               n,
                                                  gboolean            sort,
                                                  const char         *value_title);
/* A waterfall from @base to @output: one bar per contribution, largest first, each starting
 * where the one above it ended (the smallest past max-bars lumped into one "other columns" bar),
 * so the last ends at base + sum (values) = @output. */
void       kiln_plot_set_waterfall            (KilnPlot           *self,
                                               const char * const *names,
                                               const double       *values,
                                               guint               n,
                                               double              base,
                                               double              output,
                                               const char         *value_title);
/* @n_bins counts of equal bins between @min and @max. @datetime: the values are seconds since
 * the epoch, labelled as dates. */
void          kiln_plot_set_histogram            (KilnPlot    *self,
                                                  const guint *counts,
                                                  guint        n_bins,
                                                  double       min,
                                                  double       max,
                                                  gboolean     datetime,
                                                  const char  *value_title);

/* Override the axis titles the set functions chose (NULL keeps none). */
void          kiln_plot_set_axis_titles          (KilnPlot   *self,
                                                  const char *x_title,
                                                  const char *y_title);

/* "max-bars": how many bars a bar chart shows at most (default 25). */
void          kiln_plot_set_max_bars             (KilnPlot *self,
                                                  guint     max_bars);
guint         kiln_plot_get_max_bars             (KilnPlot *self);

G_END_DECLS
