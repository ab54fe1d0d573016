/* kiln-gbt-predict.c: boosted trees' predictions, by blocks of rows on the fit's threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-gbt"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-gbt-private.h"

#define PREDICT_BLOCK   1024

typedef struct {
  KilnGbt        *self;
  const GbtInput *in;
  double         *out;
  guint           n_blocks;
} PredictJob;

/* Raw scores of rows [lo, hi) into raw (k per row), tree by tree, so a tree stays in cache for the
 * block. */
static void
predict_raw (KilnGbt        *self,
             const GbtInput *in,
             guint           lo,
             guint           hi,
             double         *raw)
{
  guint k = self->n_outputs, n_trees = gbt_n_trees (self);
  guint leaf[PREDICT_BLOCK];

  g_assert (hi - lo <= PREDICT_BLOCK);
  for (guint i = lo; i < hi; i++)
    for (guint c = 0; c < k; c++)
      raw[(gsize) (i - lo) * k + c] = self->baseline[c];
  for (guint t = 0; t < n_trees; t++)
    {
      const GbtTree *tree = &self->store->trees[t];
      guint c = t % k;

      _kiln_gbt_tree_leaves (tree, in, NULL, lo, hi - lo, leaf);
      for (guint i = lo; i < hi; i++)
        raw[(gsize) (i - lo) * k + c] += tree->leaf[leaf[i - lo]];
    }
}

static gboolean
predict_block (guint    task,
                guint    thread,
                gpointer data)
{
  PredictJob *job = data;
  KilnGbt *self = job->self;
  KilnModel *model = &self->parent;
  guint lo = task * PREDICT_BLOCK, hi = MIN (job->in->n_rows, lo + PREDICT_BLOCK);
  guint k = self->n_outputs;
  double raw[PREDICT_BLOCK * 4];
  g_autofree double *big = NULL;
  double *r = raw;

  if ((gsize) (hi - lo) * k > G_N_ELEMENTS (raw))
    r = big = g_new (double, (gsize) (hi - lo) * k);
  predict_raw (self, job->in, lo, hi, r);
  for (guint i = lo; i < hi; i++)
    {
      const double *z = r + (gsize) (i - lo) * k;
      double *o = job->out + (gsize) i * (model->task == KILN_TASK_CLASSIFICATION ? model->n_classes : 1);

      if (model->task == KILN_TASK_REGRESSION)
        o[0] = z[0];
      else if (k == 1)
        {
          double p = _kiln_gbt_sigmoid (z[0]);
          o[0] = 1.0 - p;
          o[1] = p;
        }
      else
        {
          double m = z[0], s = 0.0;

          for (guint c = 1; c < k; c++)
            m = MAX (m, z[c]);
          for (guint c = 0; c < k; c++)
            s += (o[c] = exp (z[c] - m));
          for (guint c = 0; c < k; c++)
            o[c] /= s;
        }
    }
  return TRUE;
}

static void
gbt_predict_input (KilnGbt        *self,
                   const GbtInput *in,
                   double         *out)
{
  PredictJob job = { self, in, out, (in->n_rows + PREDICT_BLOCK - 1) / PREDICT_BLOCK };
  KilnParallelTeam *team = NULL;

  /* threads pay off from a few million row-trees on */
  if ((guint64) in->n_rows * gbt_n_trees (self) >= 4000000 && job.n_blocks > 1)
    team = kiln_parallel_team_new (self->parent.options.n_threads);
  kiln_parallel_team_run (team, job.n_blocks, predict_block, &job);
  kiln_parallel_team_free (team);
}

void
_kiln_gbt_predict (KilnModel         *model,
                  const KilnDataset *rows,
                  double            *out)
{
  GbtInput in = _kiln_gbt_input_of (rows);

  gbt_predict_input ((KilnGbt *) model, &in, out);
}
