/* kiln-loss-plot.h: the live plot of a training run, one point per epoch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three series: training loss and validation loss on the left axis (linear or log scale), the
 * validation metric (accuracy, R², ...) on the right axis (0 to 1 when it stays there, its own
 * range otherwise). Axes scale themselves to the data with round ticks; a marker shows the
 * epoch with the lowest validation loss; hovering shows the exact values of the nearest epoch.
 *
 * Feed it from the UI thread only: the application drains the training worker's event queue
 * and calls kiln_loss_plot_append() for every epoch event; redraws are coalesced by GTK's frame
 * clock, so appending a hundred points costs one frame.
 */
#pragma once

#include "kiln-chart.h"

G_BEGIN_DECLS

#define KILN_TYPE_LOSS_PLOT (kiln_loss_plot_get_type ())
G_DECLARE_FINAL_TYPE (KilnLossPlot, kiln_loss_plot, KILN, LOSS_PLOT, GtkWidget)

GtkWidget  *kiln_loss_plot_new              (void);

/* Adds one epoch. @epoch must be larger than the last one appended. Any of the values may be
 * NaN when the run does not measure it (no validation split, no metric). */
void        kiln_loss_plot_append           (KilnLossPlot *self,
                                             guint         epoch,
                                             double        train_loss,
                                             double        val_loss,
                                             double        val_metric);
/* Forgets every point (for a new run). */
void        kiln_loss_plot_clear            (KilnLossPlot *self);
guint       kiln_loss_plot_get_n_points     (KilnLossPlot *self);

/* "log-scale": the loss axis is logarithmic. */
void        kiln_loss_plot_set_log_scale    (KilnLossPlot *self,
                                             gboolean      log_scale);
gboolean    kiln_loss_plot_get_log_scale    (KilnLossPlot *self);

/* "metric-name": the validation metric's name, for the legend and the right axis
 * (default "Validation metric"). */
void        kiln_loss_plot_set_metric_name  (KilnLossPlot *self,
                                             const char   *name);
const char *kiln_loss_plot_get_metric_name  (KilnLossPlot *self);

/* The epoch with the lowest validation loss, or 0 when there is none. */
guint       kiln_loss_plot_get_best_epoch   (KilnLossPlot *self);

/* The ranges the axes show at the widget's current size (or a default size when it has not
 * been allocated): the loss axis, the metric axis and the epoch axis. Any out pointer may be
 * NULL. Returns FALSE when there are no points (the ranges are then a placeholder). */
gboolean    kiln_loss_plot_get_y_range      (KilnLossPlot *self,
                                             double       *min,
                                             double       *max);
gboolean    kiln_loss_plot_get_metric_range (KilnLossPlot *self,
                                             double       *min,
                                             double       *max);
gboolean    kiln_loss_plot_get_x_range      (KilnLossPlot *self,
                                             double       *min,
                                             double       *max);

G_END_DECLS
