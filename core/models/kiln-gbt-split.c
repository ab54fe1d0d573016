/* kiln-gbt-split.c: the best split of a boosted tree's leaf from its histogram.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Numeric splits scan the bins left to right twice: with the missing values' bin on the right,
 * then on the left; when the leaf has no missing values, they follow the larger child at
 * prediction. Categorical splits sort the categories by G / (H + CAT_SMOOTH) and try every
 * prefix of that order on the left (see kiln-gbt-grow.c).
 */
#define G_LOG_DOMAIN "kiln-gbt"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-gbt-grow-private.h"

static inline double
score (double g,
       double h,
       double l2)
{
  return g * g / (h + l2);
}

/* The gain of splitting @parent into @left and parent - left, or -1 when a child is too small. */
static inline double
split_gain (const GbtGrower *grower,
            Sums             parent,
            double           parent_score,
            GbtCell          left_cell,
            GbtCell          parent_cell)
{
  const GbtGrowParams *p = &grower->params;
  Sums l = unpack (grower, left_cell);
  Sums r = unpack (grower, parent_cell - left_cell);

  (void) parent;
  if (l.n < p->min_samples_leaf || r.n < p->min_samples_leaf
      || l.h < p->min_hessian || r.h < p->min_hessian)
    return -1.0;
  return score (l.g, l.h, p->l2) + score (r.g, r.h, p->l2) - parent_score;
}

static void
split_numeric (const GbtGrower *grower,
               const Leaf      *leaf,
               guint            f,
               const GbtCell   *cells,
               Split           *best)
{
  guint n_bins = grower->bins->n_bins[f];
  GbtCell missing = cells[n_bins], cum = { 0, 0 };
  Sums parent = unpack (grower, leaf->sum);
  double parent_score = score (parent.g, parent.h, grower->params.l2);
  guint64 count_mask = (G_GUINT64_CONSTANT (1) << grower->cbits) - 1;
  gboolean has_missing = (((guint64) missing[1]) & count_mask) > 0;
  guint last = has_missing ? n_bins : n_bins - 1;

  for (guint b = 0; b < last; b++)
    {
      double gain;

      /* an empty bin after the first leaves both children as the bin before did: the same
       * gains, which do not beat the best (ties keep the lower bin) */
      if (b > 0 && (((guint64) cells[b][1]) & count_mask) == 0)
        continue;
      cum += cells[b];
      /* missing values right */
      gain = split_gain (grower, parent, parent_score, cum, leaf->sum);
      if (gain > best->gain)
        {
          Sums l = unpack (grower, cum);

          best->gain = gain;
          best->feature = (gint32) f;
          best->bin = b;
          best->categorical = FALSE;
          /* with no missing values here, they follow the larger child at prediction */
          best->default_left = has_missing ? FALSE : 2 * l.n >= parent.n;
          best->left_sum = cum;
        }
      /* missing values left */
      if (has_missing && b + 1 < n_bins)
        {
          GbtCell with = cum + missing;

          gain = split_gain (grower, parent, parent_score, with, leaf->sum);
          if (gain > best->gain)
            {
              best->gain = gain;
              best->feature = (gint32) f;
              best->bin = b;
              best->categorical = FALSE;
              best->default_left = TRUE;
              best->left_sum = with;
            }
        }
    }
}

typedef struct {
  double value;
  guint  bin;
} CatRank;

static int
compare_rank (const void *a,
              const void *b)
{
  const CatRank *x = a, *y = b;

  if (x->value != y->value)
    return x->value < y->value ? -1 : 1;
  return x->bin < y->bin ? -1 : x->bin > y->bin;
}

static void
split_categorical (const GbtGrower *grower,
                   const Leaf      *leaf,
                   guint            f,
                   const GbtCell   *cells,
                   Split           *best)
{
  guint n_bins = grower->bins->n_bins[f];
  Sums parent = unpack (grower, leaf->sum);
  double parent_score = score (parent.g, parent.h, grower->params.l2);
  CatRank rank[GBT_MAX_BINS + 1];
  guint n_ranked = 0, max_left;
  guint64 cmask = (G_GUINT64_CONSTANT (1) << grower->cbits) - 1;
  gboolean has_missing = ((guint64) cells[n_bins][1] & cmask) > 0;

  for (guint b = 0; b <= n_bins; b++)
    {
      Sums s = unpack (grower, cells[b]);

      if (s.n >= CAT_MIN_ROWS)
        {
          rank[n_ranked].value = s.g / (s.h + CAT_SMOOTH);
          rank[n_ranked].bin = b;
          n_ranked++;
        }
    }
  if (n_ranked == 0)
    return;
  qsort (rank, n_ranked, sizeof (CatRank), compare_rank);
  /* a longer prefix of one order is the complement of a shorter one of the other */
  max_left = (n_ranked + 1) / 2;

  for (guint direction = 0; direction < 2; direction++)
    {
      GbtCell cum = { 0, 0 };

      for (guint i = 0; i < max_left; i++)
        {
          guint b = rank[direction == 0 ? i : n_ranked - 1 - i].bin;
          double gain;

          cum += cells[b];
          gain = split_gain (grower, parent, parent_score, cum, leaf->sum);
          if (gain > best->gain)
            {
              best->gain = gain;
              best->feature = (gint32) f;
              best->categorical = TRUE;
              best->bin = 0;
              best->left_sum = cum;
              memset (best->left_bins, 0, sizeof best->left_bins);
              for (guint j = 0; j <= i; j++)
                {
                  guint bj = rank[direction == 0 ? j : n_ranked - 1 - j].bin;
                  best->left_bins[bj / 32] |= 1u << (bj % 32);
                }
              if (has_missing)
                best->default_left = (best->left_bins[n_bins / 32] >> (n_bins % 32)) & 1;
              else
                best->default_left = 2 * ((guint64) cum[1] & cmask) >= parent.n;
            }
        }
    }
}

gboolean
_kiln_gbt_leaf_can_split (const GbtGrower *grower,
                          const Leaf      *leaf)
{
  const GbtGrowParams *p = &grower->params;
  Sums s = unpack (grower, leaf->sum);

  if (p->max_depth > 0 && leaf->depth >= p->max_depth)
    return FALSE;
  return s.n >= 2 * (guint64) p->min_samples_leaf && s.h >= 2 * p->min_hessian;
}

void
_kiln_gbt_find_split (GbtGrower *grower,
                      Leaf      *leaf)
{
  Split *best = &leaf->split;

  best->gain = 0.0;
  best->feature = -1;
  for (guint k = 0; k < grower->n_feat; k++)
    {
      guint f = grower->feat[k];
      const GbtCell *cells = leaf->hist + grower->feat_off[k];

      if (grower->bins->n_levels[f] > 0)
        split_categorical (grower, leaf, f, cells, best);
      else if (grower->bins->n_bins[f] > 1 || grower->bins->has_missing[f])
        split_numeric (grower, leaf, f, cells, best);
    }
}
