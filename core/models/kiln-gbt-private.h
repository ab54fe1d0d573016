/* kiln-gbt-private.h: the pieces of gradient-boosted trees shared by its files (not public API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kiln-gbt-bin.c    turns the training columns into at most 255 bins per feature (+ one for
 *                   missing values) once per fit: GbtBins.
 * kiln-gbt-grow.c   grows one tree on those bins from the rows' gradients: histograms,
 *                   histogram subtraction, split search (numeric and categorical), leaf-wise growth.
 * kiln-gbt-tree.c   the fitted trees (GbtTree): walking raw rows, packing to and from JSON.
 * kiln-gbt.c        the model family: losses, the boosting rounds, early stopping, predict.
 *
 * Gradients are summed in integers. For each tree the gradients g and hessians h of the rows are
 * scaled and rounded to 64-bit fixed point (about 40 significant bits for g; the bits h can have
 * without overflow, 19 or more up to 2^22 rows), and a histogram bin is one pair of 64-bit
 * integers: the sum of g, and the sum of h shifted left by `cbits` with the row count in the low
 * `cbits` bits. One 128-bit integer add updates a bin, integer sums do not depend on their order
 * (the same tree whatever the number of threads), and a histogram minus a child's histogram is
 * exactly the other child's.
 */
#pragma once

#include <math.h>

#include "kiln-model.h"
#include "kiln-model-private.h"
#include "kiln-rng.h"
#include "kiln-parallel.h"

G_BEGIN_DECLS

/* Missing categorical code (the core's KILN_CODE_NONE). */
#define GBT_CODE_NONE   G_MAXUINT32
/* Bins of values per feature at most; the missing bin comes after them. */
#define GBT_MAX_BINS    255
/* Features at most (the feature index shares a 32-bit word with two flags). */
#define GBT_MAX_FEATURES (1u << 29)

/* ---- Input columns ---------------------------------------------------------------------------- */

/* The rows a model sees: numeric features (NaN for missing) and categorical codes (0 ..
 * n_levels - 1, anything else is missing), each row-major with its own stride. Feature j < n_numeric
 * is x[j]; feature n_numeric + c is codes[c]. */
typedef struct {
  guint          n_rows;
  guint          n_numeric;
  const float   *x;
  gsize          x_stride;
  guint          n_categorical;
  const guint32 *codes;
  gsize          code_stride;
  const guint   *n_levels;      /* n_categorical */
} GbtInput;

/* ---- Bins ------------------------------------------------------------------------------------ */

/* A 128-bit histogram cell (or a row's packed gradient): {sum of g, (sum of h << cbits) | count}. */
typedef gint64 GbtCell __attribute__ ((vector_size (16)));

typedef struct {
  guint     n_rows;
  guint     n_features;     /* numeric + categorical */
  guint     n_numeric;
  guint     stride;         /* bytes per row in @bins */
  guint8   *bins;           /* n_rows x stride: bin of each feature, n_bins[f] = missing */
  guint    *n_bins;         /* value bins per feature (1 .. 255) */
  guint    *offset;         /* first histogram cell of each feature; it has n_bins[f] + 1 */
  guint     n_cells;        /* cells of one histogram */
  gboolean *has_missing;    /* some training row is missing the feature */
  /* numeric: n_bins[f] - 1 thresholds, ascending: a value goes to the first bin b with
   * value <= edges[f][b] (and to the last bin when above all) */
  float   **edges;
  /* categorical: the bin of each code (n_levels[c] entries), and the number of codes */
  guint8  **bin_of_code;
  guint    *n_levels;       /* per feature; 0 for numeric ones */
} GbtBins;

/* Bins @input (the training rows) with at most @max_bins bins of values per feature: quantile
 * edges for numeric features, one bin per code for categorical ones (the most frequent codes when
 * there are more). @team (may be NULL) spreads the features over its threads. */
GbtBins *_kiln_gbt_bins_new  (const GbtInput *input,
                              guint           max_bins,
                              KilnParallelTeam       *team);
void     _kiln_gbt_bins_free (GbtBins *bins);

/* ---- Fitted trees ----------------------------------------------------------------------------- */

#define GBT_NODE_FEATURE_MASK  0x1fffffffu
#define GBT_NODE_DEFAULT_LEFT  0x20000000u  /* missing values go left */
#define GBT_NODE_CATEGORICAL   0x40000000u  /* a set of codes goes left */

/* An internal node: 16 bytes. A child >= 0 is an internal node, < 0 the leaf ~child. A numeric
 * split sends x <= threshold left; a categorical split sends the codes whose bit is set in
 * cat_bits[cat_start ..] left; missing values follow GBT_NODE_DEFAULT_LEFT. */
typedef struct {
  gint32  left;
  gint32  right;
  guint32 info;             /* feature | flags */
  union {
    float   threshold;
    guint32 cat_start;      /* first word of the node's bit set in the tree's cat_bits */
  };
} GbtNode;

typedef struct {
  guint     n_nodes;        /* internal nodes; 0: the tree is one leaf */
  guint     n_leaves;       /* n_nodes + 1 */
  GbtNode  *nodes;
  double   *leaf;           /* n_leaves values (learning rate applied) */
  float    *gain;           /* n_nodes: each split's gain, for importances */
  /* n_nodes + n_leaves: the training rows (of the round's sample) that reached each node, then
   * each leaf, TreeSHAP's weights; NULL for models saved without them */
  guint32  *cover;
  guint     n_cat_words;
  guint32  *cat_bits;
  /* for walking (_kiln_gbt_tree_finish): the nodes, then one per leaf that leads to itself, so
   * every row reaches its leaf after `depth` steps with no test on the way */
  GbtNode  *walk;
  guint     depth;
} GbtTree;

void     _kiln_gbt_tree_clear      (GbtTree *tree);
/* Packed arrays for @n_trees trees, as members of the current JSON object (kiln-gbt-tree.c). */
void     _kiln_gbt_trees_to_json   (const GbtTree  *trees,
                                    guint           n_trees,
                                    JsonBuilder    *builder);
/* Reads and checks @n_trees trees for n_numeric + n_categorical features; *@trees_out is a new
 * array of them. */
gboolean _kiln_gbt_trees_from_json (JsonObject     *object,
                                    guint           n_trees,
                                    guint           n_numeric,
                                    guint           n_categorical,
                                    const guint    *n_levels,
                                    GbtTree       **trees_out,
                                    GError        **error);

/* Builds the tree's walk form and depth (after growing or loading). */
void     _kiln_gbt_tree_finish     (GbtTree *tree);
/* The leaf of each of @n rows of @in: rows[0 .. n) when @rows is given, else first .. first + n;
 * leaf indices to @leaf_out. */
void     _kiln_gbt_tree_leaves     (const GbtTree  *tree,
                                    const GbtInput *in,
                                    const guint32  *rows,
                                    guint           first,
                                    guint           n,
                                    guint          *leaf_out);

/* ---- Growing one tree ------------------------------------------------------------------------- */

typedef struct {
  guint    max_leaves;        /* >= 2 */
  guint    max_depth;         /* 0: unlimited */
  guint    min_samples_leaf;  /* >= 1 */
  double   l2;                /* on leaf values */
  double   min_hessian;       /* in each child */
  double   learning_rate;
  gboolean direct_histograms; /* tests: build every histogram from the rows, no subtraction */
} GbtGrowParams;

/* What one tree is grown from: the rows' gradients (exact, and packed as histogram cells) and the
 * rows and features in use. */
typedef struct {
  const double  *g;           /* per row */
  const double  *h;           /* per row; NULL: every hessian is 1 */
  double         g_max;       /* at least |g| of every row in use (> 0) */
  double         h_max;       /* at least h of every row in use (> 0) */
  const guint32 *rows;        /* the rows in use, ascending */
  guint          n_rows;
  const guint   *features;    /* the features in use, ascending */
  guint          n_features;
} GbtGrowInput;

/* Every buffer one thread needs to grow trees on @bins. */
typedef struct _GbtGrower GbtGrower;

GbtGrower *_kiln_gbt_grower_new  (const GbtBins       *bins,
                                  const GbtGrowParams  *params);
void       _kiln_gbt_grower_free (GbtGrower *grower);

/* Grows one tree into @out. @team (may be NULL) shares the histograms and partitions of large
 * nodes between its threads; the tree does not depend on the number of threads. Afterwards
 * _kiln_gbt_grower_add_leaves() adds each used row's leaf value to pred[row]. */
void       _kiln_gbt_grow        (GbtGrower           *grower,
                                  const GbtGrowInput  *input,
                                  KilnParallelTeam            *team,
                                  GbtTree             *out);
void       _kiln_gbt_grower_add_leaves (GbtGrower        *grower,
                                        const GbtTree    *tree,
                                        double           *pred,
                                        KilnParallelTeam *team);

/* For tests: the histogram of @rows (all features, every cell {sum g, sum h << cbits | count})
 * with the packing of @input, built directly; @out has bins->n_cells cells. */
void       _kiln_gbt_histogram   (GbtGrower          *grower,
                                  const GbtGrowInput *input,
                                  const guint32      *rows,
                                  guint               n_rows,
                                  GbtCell            *out);

/* ---- Losses (kiln-gbt-loss.c) ------------------------------------------------------------------ */

typedef struct {
  KilnTask       task;
  guint          k;          /* outputs */
  guint          n_classes;
  const gint32  *y_class;
  const double  *y_value;
  double         y_scale;    /* regression: 1 / (2 var(y_train)) */
} GbtLoss;

static inline double
_kiln_gbt_sigmoid (double z)
{
  return z >= 0 ? 1.0 / (1.0 + exp (-z)) : exp (z) / (1.0 + exp (z));
}

/* The mean loss of raw scores @raw (k x n, class-major) over @n rows, with the gradients and
 * hessians into @g and @h (k x n) when @g is given; *@g_max (regression) gets the largest |g|. */
double   _kiln_gbt_mean_loss       (const GbtLoss      *loss,
                                    guint               n,
                                    const double       *raw,
                                    double             *g,
                                    double             *h,
                                    double             *g_max,
                                    KilnParallelTeam   *team);
/* Accuracy or R^2 of raw scores on @data. */
double   _kiln_gbt_metric          (const GbtLoss      *loss,
                                    const KilnDataset  *data,
                                    const double       *raw);

/* ---- The model (kiln-gbt.c; predictions in kiln-gbt-predict.c) --------------------------------- */

/* The trees of a fit, shared by the model and its snapshots; slots are filled in order and never
 * move, so a snapshot reads its first trees while the fit appends more. */
typedef struct {
  gint      ref_count;  /* atomic */
  guint     capacity;
  GbtTree  *trees;
} GbtStore;

typedef struct {
  KilnModel parent;
  GbtStore *store;
  guint     n_rounds;       /* rounds in use: trees [0, n_rounds * n_outputs) */
  guint     n_outputs;      /* trees per round: classes, or 1 */
  double   *baseline;       /* n_outputs raw scores before the first tree */
} KilnGbt;

static inline guint
gbt_n_trees (const KilnGbt *self)
{
  return self->n_rounds * self->n_outputs;
}

void     _kiln_gbt_predict         (KilnModel          *model,
                                    const KilnDataset  *rows,
                                    double             *out);

/* A dataset as the binning and the tree walks read it. */
static inline GbtInput
_kiln_gbt_input_of (const KilnDataset *data)
{
  GbtInput in = { 0, };

  in.n_rows = data->n_rows;
  in.n_numeric = data->n_features;
  in.x = data->x;
  in.x_stride = data->n_features;
  in.n_categorical = data->n_categorical;
  in.codes = data->codes;
  in.code_stride = data->n_categorical;
  in.n_levels = data->n_levels;
  return in;
}

G_END_DECLS
