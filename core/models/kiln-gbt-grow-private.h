/* kiln-gbt-grow-private.h: a tree's grower, shared by its histograms and partitions
 * (kiln-gbt-grow.c) and its split search (kiln-gbt-split.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-gbt-private.h"

G_BEGIN_DECLS

#define CAT_MIN_ROWS   10
#define CAT_SMOOTH     10.0
#define MAX_CHUNKS     64

typedef struct {
  double   gain;
  gint32   feature;          /* -1: no split */
  guint    bin;              /* numeric: bins <= bin go left */
  gboolean default_left;     /* missing values go left */
  gboolean categorical;
  guint32  left_bins[8];     /* categorical: the bins that go left */
  GbtCell  left_sum;
} Split;

typedef struct {
  guint    start;            /* segment of idx[buf] */
  guint    buf;
  guint    count;
  guint    depth;
  GbtCell  sum;
  GbtCell *hist;             /* NULL: not built or released */
  Split    split;
  gint32   parent;           /* internal node pointing at this leaf, -1 for the root */
  gboolean is_left;
} Leaf;

struct _GbtGrower {
  const GbtBins *bins;
  GbtGrowParams  params;
  guint32       *idx[2];      /* a leaf's rows are in one of them, a split moves them across */
  guint32       *scratch;     /* n_rows: a shared partition's right rows on their way */
  GbtCell       *gh;          /* n_rows packed gradients (only the rows in use are set) */
  Leaf          *leaves;      /* max_leaves */
  GPtrArray     *free_hists;  /* histogram buffers not in use */
  GPtrArray     *all_hists;
  GbtCell       *chunk_hist[MAX_CHUNKS];
  /* the tree being grown */
  const GbtGrowInput *input;
  guint          cbits;
  double         g_unscale;   /* 1 / the scale of g */
  double         h_unscale;
  guint         *feat;        /* active features */
  guint         *feat_off;    /* their first cell */
  guint          n_feat;
  gboolean       all_features;
  guint          n_leaves;
  GArray        *nodes;       /* GbtNode */
  GArray        *gains;       /* float */
  GArray        *covers;      /* guint32: the rows that reached each node */
  GArray        *cat_bits;    /* guint32 */
};

typedef struct {
  double g, h;
  guint64 n;
} Sums;

static inline Sums
unpack (const GbtGrower *grower,
        GbtCell          c)
{
  Sums s;
  guint64 hc = (guint64) c[1];

  s.g = (double) c[0] * grower->g_unscale;
  s.h = (double) (hc >> grower->cbits) * grower->h_unscale;
  s.n = hc & ((G_GUINT64_CONSTANT (1) << grower->cbits) - 1);
  return s;
}

/* Whether @leaf may be split (depth, rows and hessians enough for two children). */
gboolean _kiln_gbt_leaf_can_split (const GbtGrower *grower,
                                   const Leaf      *leaf);
/* The best split of @leaf from its histogram into leaf->split (feature -1: none gains). */
void     _kiln_gbt_find_split     (GbtGrower       *grower,
                                   Leaf            *leaf);

G_END_DECLS
