/* kiln-tree-shap.c: path-dependent TreeSHAP on one tree (kiln-tree-shap.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written from the paper's Algorithm 2 with 0-based paths. A path m holds, for each unique
 * feature met from the root (element 0 a placeholder for the root), the fraction z of the
 * training cover that would follow this way with the feature unknown (the product of the
 * cover ratios at its nodes), whether the row follows it, o (1 or 0), and w, the weight of the
 * subsets of size i among the path's features (the Shapley kernel's permutations, accumulated
 * by EXTEND). At a leaf each feature's contribution is the sum of the weights with that feature
 * unwound, times (o - z) and the leaf's value.
 */
#define G_LOG_DOMAIN "kiln-tree"

#include "config.h"

#include <string.h>

#include "kiln-tree-shap.h"

typedef struct {
  guint  slot;
  double z, o, w;
} PathElement;

#define NO_SLOT G_MAXUINT

void
_kiln_shap_work_reserve (KilnShapWork *work,
                         guint         n_nodes)
{
  if (n_nodes <= work->capacity)
    return;
  work->capacity = MAX (n_nodes, 2 * work->capacity);
  work->left = g_renew (gint32, work->left, work->capacity);
  work->right = g_renew (gint32, work->right, work->capacity);
  work->slot = g_renew (guint, work->slot, work->capacity);
  work->cover = g_renew (double, work->cover, work->capacity);
  work->value = g_renew (double, work->value, work->capacity);
  work->hot_left = g_renew (guint8, work->hot_left, work->capacity);
  work->depth = g_renew (guint, work->depth, work->capacity);
}

void
_kiln_shap_work_clear (KilnShapWork *work)
{
  g_clear_pointer (&work->left, g_free);
  g_clear_pointer (&work->right, g_free);
  g_clear_pointer (&work->slot, g_free);
  g_clear_pointer (&work->cover, g_free);
  g_clear_pointer (&work->value, g_free);
  g_clear_pointer (&work->hot_left, g_free);
  g_clear_pointer (&work->depth, g_free);
  g_clear_pointer (&work->path, g_free);
  work->capacity = 0;
  work->path_capacity = 0;
}

void
_kiln_shap_work_tree (KilnShapWork *work,
                      guint         n_nodes,
                      KilnShapTree *tree)
{
  tree->n_nodes = n_nodes;
  tree->left = work->left;
  tree->right = work->right;
  tree->slot = work->slot;
  tree->cover = work->cover;
  tree->value = work->value;
  tree->hot_left = work->hot_left;
}

/* Appends (slot, z, o) to the path m[0 .. l) and updates the subset weights. */
static void
extend (PathElement *m,
        guint        l,
        double       z,
        double       o,
        guint        slot)
{
  m[l].slot = slot;
  m[l].z = z;
  m[l].o = o;
  m[l].w = l == 0 ? 1.0 : 0.0;
  for (guint i = l; i-- > 0;)
    {
      m[i + 1].w += o * m[i].w * (i + 1) / (double) (l + 1);
      m[i].w = z * m[i].w * (l - i) / (double) (l + 1);
    }
}

/* Removes element k from the path m[0 .. l] (l its last index), undoing its EXTEND. */
static void
unwind (PathElement *m,
        guint        l,
        guint        k)
{
  double o = m[k].o, z = m[k].z, n = m[l].w;

  for (guint j = l; j-- > 0;)
    {
      if (o != 0.0)
        {
          double t = m[j].w;

          m[j].w = n * (l + 1) / ((j + 1) * o);
          n = t - m[j].w * z * (l - j) / (double) (l + 1);
        }
      else
        m[j].w = m[j].w * (l + 1) / (z * (l - j));
    }
  for (guint j = k; j < l; j++)
    {
      m[j].slot = m[j + 1].slot;
      m[j].z = m[j + 1].z;
      m[j].o = m[j + 1].o;
    }
}

/* The sum of the weights of the path m[0 .. l] with element k unwound, the path unchanged. */
static double
unwound_sum (const PathElement *m,
             guint              l,
             guint              k)
{
  double o = m[k].o, z = m[k].z, n = m[l].w, total = 0.0;

  for (guint j = l; j-- > 0;)
    {
      if (o != 0.0)
        {
          double t = n * (l + 1) / ((j + 1) * o);

          total += t;
          n = m[j].w - t * z * (l - j) / (double) (l + 1);
        }
      else
        total += m[j].w * (l + 1) / (z * (l - j));
    }
  return total;
}

/* Node @j reached with the path parent[0 .. n) and the fractions (pz, po) of the feature @slot
 * of the split above it. */
static void
recurse (const KilnShapTree *t,
         guint               j,
         PathElement        *parent,
         guint               n,
         double              pz,
         double              po,
         guint               slot,
         double              scale,
         double             *phi)
{
  PathElement *m = parent + n + 1;
  guint l = n;

  memcpy (m, parent, n * sizeof (PathElement));
  extend (m, n, pz, po, slot);
  if (t->left[j] < 0)
    {
      for (guint i = 1; i <= l; i++)
        {
          double w = unwound_sum (m, l, i);
          phi[m[i].slot] += scale * w * (m[i].o - m[i].z) * t->value[j];
        }
      return;
    }
  {
    guint hot = (guint) (t->hot_left[j] ? t->left[j] : t->right[j]);
    guint cold = (guint) (t->hot_left[j] ? t->right[j] : t->left[j]);
    double iz = 1.0, io = 1.0;

    for (guint k = 1; k <= l; k++)
      if (m[k].slot == t->slot[j])
        {
          iz = m[k].z;
          io = m[k].o;
          unwind (m, l, k);
          l--;
          break;
        }
    recurse (t, hot, m, l + 1, iz * t->cover[hot] / t->cover[j], io, t->slot[j], scale, phi);
    recurse (t, cold, m, l + 1, iz * t->cover[cold] / t->cover[j], 0.0, t->slot[j], scale, phi);
  }
}

double
_kiln_tree_shap (const KilnShapTree *t,
                 KilnShapWork       *work,
                 double              scale,
                 double             *phi)
{
  guint depth = 0;
  gsize need;
  double expected;
  double *e;

  g_return_val_if_fail (t->n_nodes > 0 && t->n_nodes <= work->capacity, 0.0);

  /* depths (children come after their parent), then the expected values from the leaves up */
  work->depth[0] = 0;
  for (guint j = 0; j < t->n_nodes; j++)
    if (t->left[j] >= 0)
      {
        work->depth[t->left[j]] = work->depth[t->right[j]] = work->depth[j] + 1;
        depth = MAX (depth, work->depth[j] + 1);
      }
  e = g_new (double, t->n_nodes);
  for (guint j = t->n_nodes; j-- > 0;)
    e[j] = t->left[j] < 0 ? t->value[j]
           : (t->cover[t->left[j]] * e[t->left[j]] + t->cover[t->right[j]] * e[t->right[j]])
             / t->cover[j];
  expected = e[0];
  g_free (e);

  /* path m of the node at depth d starts after those of its ancestors: sum of (d + 2) */
  need = (gsize) (depth + 2) * (depth + 5) / 2 + 2;
  if (need > work->path_capacity)
    {
      g_free (work->path);
      work->path = g_new (PathElement, need);
      work->path_capacity = need;
    }
  if (t->left[0] >= 0)
    recurse (t, 0, work->path, 0, 1.0, 1.0, NO_SLOT, scale, phi);
  return scale * expected;
}

double
_kiln_tree_nodes_shap (const KilnTreeNodes *tree,
                       const float         *row,
                       guint                output,
                       const guint         *view_slot,
                       KilnShapWork        *work,
                       double               scale,
                       double              *phi)
{
  KilnShapTree t;

  g_return_val_if_fail (tree->cover != NULL, 0.0);

  _kiln_shap_work_reserve (work, tree->n_nodes);
  for (guint j = 0; j < tree->n_nodes; j++)
    {
      const KilnTreeNode *node = &tree->node[j];

      work->cover[j] = tree->cover[j];
      if (node->feature >= 0)
        {
          work->left[j] = (gint32) j + 1;
          work->right[j] = node->right;
          work->slot[j] = view_slot[node->feature];
          work->hot_left[j] = (double) row[node->feature] <= node->threshold;
        }
      else
        {
          work->left[j] = work->right[j] = -1;
          if (tree->leaf_start == NULL)
            work->value[j] = node->value;
          else
            {
              work->value[j] = 0.0;
              for (gint32 e = tree->leaf_start[node->right]; e < tree->leaf_start[node->right + 1]; e++)
                if ((guint) tree->value_class[e] == output)
                  work->value[j] = tree->value[e];
            }
        }
    }
  _kiln_shap_work_tree (work, tree->n_nodes, &t);
  return _kiln_tree_shap (&t, work, scale, phi);
}
