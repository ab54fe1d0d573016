/* kiln-logreg-private.h: what the logistic regression's files share (kiln-logreg.c: the
 * family, L-BFGS and prediction; kiln-logreg-dual.c: dual coordinate descent on text).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-model.h"
#include "kiln-model-private.h"

G_BEGIN_DECLS

typedef struct {
  KilnModel parent;
  guint     n_out;      /* 1 for two classes, else n_classes */
  double   *coef;       /* n_out x n_features */
  double   *intercept;  /* n_out */
} KilnLogreg;

/* Two classes, sparse features and an L2 penalty: fits @model (a KilnLogreg) on @train. */
gboolean _kiln_logreg_fit_dual (KilnModel             *model,
                                const KilnDataset     *train,
                                const KilnFitMonitor  *monitor,
                                GCancellable          *cancellable,
                                GError               **error);

G_END_DECLS
