/* kiln-tree-data.c: the training rows ranked per feature, shared by every tree of a fit; the sorts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-tree"

#include "config.h"

#include <float.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-tree-private.h"

/* ---- Sorting ------------------------------------------------------------------------------- */

/* Sorts @keys by their upper 32 bits, which are at most @max_hi, stably (LSD radix, 8 bits a
 * pass, skipping bytes that do not vary). Returns the buffer holding the result: @keys or @tmp. */
guint64 *
_kiln_tree_radix_sort_hi (guint64 *keys,
                          guint64 *tmp,
                          gsize    n,
                          guint32  max_hi)
{
  gsize count[4][256];
  guint64 *src = keys, *dst = tmp;
  guint n_bytes = max_hi < 0x100 ? 1 : max_hi < 0x10000 ? 2 : max_hi < 0x1000000 ? 3 : 4;

  memset (count, 0, n_bytes * sizeof count[0]);
  for (gsize i = 0; i < n; i++)
    {
      guint32 hi = (guint32) (keys[i] >> 32);
      for (guint b = 0; b < n_bytes; b++)
        count[b][(hi >> (8 * b)) & 0xff]++;
    }

  for (guint b = 0; b < n_bytes; b++)
    {
      gsize sum = 0;
      guint shift = 32 + 8 * b;
      gboolean trivial = FALSE;

      for (guint d = 0; d < 256; d++)
        {
          gsize c = count[b][d];
          if (c == n)
            trivial = TRUE;
          count[b][d] = sum;
          sum += c;
        }
      if (trivial)
        continue;
      for (gsize i = 0; i < n; i++)
        {
          guint d = (guint) ((src[i] >> shift) & 0xff);
          dst[count[b][d]++] = src[i];
        }
      {
        guint64 *t = src;
        src = dst;
        dst = t;
      }
    }
  return src;
}

/* Sorts @keys by their whole value; fast when they are nearly sorted. */
void
_kiln_tree_insertion_sort (guint64 *keys,
                           gsize    n)
{
  for (gsize i = 1; i < n; i++)
    {
      guint64 k = keys[i];
      gsize j = i;

      if (keys[i - 1] <= k)
        continue;
      while (j > 0 && keys[j - 1] > k)
        {
          keys[j] = keys[j - 1];
          j--;
        }
      keys[j] = k;
    }
}

void
_kiln_tree_insertion_sort_hi (guint64 *keys,
                              gsize    n)
{
  for (gsize i = 1; i < n; i++)
    {
      guint64 k = keys[i];
      guint32 hi = (guint32) (k >> 32);
      gsize j = i;

      while (j > 0 && (guint32) (keys[j - 1] >> 32) > hi)
        {
          keys[j] = keys[j - 1];
          j--;
        }
      keys[j] = k;
    }
}

/* An unsigned key with the order of the float (finite values, -0 folded into +0). */
static inline guint32
float_key (float v)
{
  guint32 u;

  if (v == 0.0f)
    v = 0.0f;
  memcpy (&u, &v, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

/* ---- Ranked data --------------------------------------------------------------------------- */


KilnTreeData *
_kiln_tree_data_new (const KilnDataset *train)
{
  KilnTreeData *data;
  guint n, d, nd;
  guint64 *keys, *tmp;
  guint32 *rank;
  gsize n_values = 0, n_bytes = 0;

  g_return_val_if_fail (train != NULL && train->n_rows > 0 && kiln_dataset_get_width (train) > 0,
                        NULL);

  n = train->n_rows;
  d = kiln_dataset_get_width (train);
  nd = train->n_features;
  data = g_new0 (KilnTreeData, 1);
  data->n_rows = n;
  data->n_features = d;
  data->task = train->task;
  data->n_classes = train->n_classes;
  data->y_class = train->y_class;
  data->y_value = train->y_value;
  data->rank_data = g_malloc (MAX ((gsize) n * nd * sizeof (guint32), 1));
  data->rank_offset = g_new0 (gsize, d);
  data->rank_width = g_new (guint8, d);
  data->n_distinct = g_new (guint32, d);
  data->value_offset = g_new (gsize, d);
  data->values = g_new (float, (gsize) n * nd + 2 * (d - nd));

  keys = g_new (guint64, n);
  tmp = g_new (guint64, n);
  rank = g_new (guint32, n);
  for (guint f = 0; f < nd; f++)
    {
      guint64 *sorted;
      float *values = data->values + n_values;
      guint32 n_distinct = 0;
      guint32 prev_key = 0;

      for (guint i = 0; i < n; i++)
        keys[i] = ((guint64) float_key (train->x[(gsize) i * nd + f]) << 32) | i;
      sorted = _kiln_tree_radix_sort_hi (keys, tmp, n, G_MAXUINT32);
      for (guint i = 0; i < n; i++)
        {
          guint32 k = (guint32) (sorted[i] >> 32);
          guint32 row = (guint32) sorted[i];

          if (i == 0 || k != prev_key)
            {
              float v = train->x[(gsize) row * nd + f];
              values[n_distinct++] = v == 0.0f ? 0.0f : v;
              prev_key = k;
            }
          rank[row] = n_distinct - 1;
        }
      data->n_distinct[f] = n_distinct;
      data->value_offset[f] = n_values;
      n_values += n_distinct;
      data->max_distinct = MAX (data->max_distinct, n_distinct);

      data->rank_offset[f] = n_bytes;
      if (n_distinct <= 256)
        {
          guint8 *out = data->rank_data + n_bytes;
          data->rank_width[f] = 1;
          for (guint i = 0; i < n; i++)
            out[i] = (guint8) rank[i];
        }
      else if (n_distinct <= 65536)
        {
          guint16 *out = (guint16 *) (gpointer) (data->rank_data + n_bytes);
          data->rank_width[f] = 2;
          for (guint i = 0; i < n; i++)
            out[i] = (guint16) rank[i];
        }
      else
        {
          data->rank_width[f] = 4;
          memcpy (data->rank_data + n_bytes, rank, n * sizeof (guint32));
        }
      /* keep every column 4-byte aligned */
      n_bytes += ((gsize) n * data->rank_width[f] + 3) & ~(gsize) 3;
    }
  g_free (keys);
  g_free (tmp);
  g_free (rank);

  /* the one-hot view's columns of the categorical features: their values 0 and 1 (or the one
   * they all have), their ranks read from the codes */
  if (train->n_categorical > 0)
    {
      guint nc = train->n_categorical;
      g_autofree guint *count = g_new0 (guint, d);

      data->codes = train->codes;
      data->code_stride = nc;
      data->code_column = g_new0 (guint, d);
      data->code_level = g_new0 (guint32, d);
      g_autofree guint *offset = g_new (guint, nc);

      for (guint j = 0; j < nc; j++)
        offset[j] = nd + kiln_dataset_get_level_offset (train, j);
      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < nc; j++)
          if (train->codes[(gsize) i * nc + j] != KILN_CODE_NONE)
            count[offset[j] + train->codes[(gsize) i * nc + j]]++;
      for (guint j = 0, f = nd; j < nc; j++)
        for (guint c = 0; c < train->n_levels[j]; c++, f++)
          {
            float *values = data->values + n_values;
            gboolean constant = count[f] == 0 || count[f] == n;

            data->rank_width[f] = 0;
            data->code_column[f] = j;
            data->code_level[f] = constant ? KILN_CODE_NONE : c;
            data->n_distinct[f] = constant ? 1 : 2;
            data->value_offset[f] = n_values;
            if (constant)
              values[0] = count[f] == n ? 1.0f : 0.0f;
            else
              {
                values[0] = 0.0f;
                values[1] = 1.0f;
              }
            n_values += data->n_distinct[f];
            data->max_distinct = MAX (data->max_distinct, data->n_distinct[f]);
          }
    }
  data->rank_data = g_realloc (data->rank_data, MAX (n_bytes, 1));
  data->values = g_renew (float, data->values, n_values);

  data->binary_slot = g_new (gint32, d);
  for (guint f = 0; f < d; f++)
    data->binary_slot[f] = train->task == KILN_TASK_REGRESSION && data->n_distinct[f] == 2
                           ? (gint32) data->n_binary++ : -1;
  data->bin_words = (data->n_binary + 31) / 32;
  data->row_bits = g_new0 (guint32, MAX ((gsize) n * data->bin_words, 1));
  for (guint f = 0; f < d; f++)
    {
      gint32 j = data->binary_slot[f];
      const guint8 *rk = data->rank_data + data->rank_offset[f];  /* one byte per rank */

      if (j < 0)
        continue;
      for (guint i = 0; i < n; i++)
        if (data->rank_width[f] == 0 ? rank_of (data, f, i) == 0 : rk[i] == 0)
          data->row_bits[(gsize) i * data->bin_words + j / 32] |= 1u << (j % 32);
    }
  return data;
}

void
_kiln_tree_data_free (KilnTreeData *data)
{
  if (data == NULL)
    return;
  g_free (data->rank_data);
  g_free (data->rank_offset);
  g_free (data->rank_width);
  g_free (data->n_distinct);
  g_free (data->value_offset);
  g_free (data->values);
  g_free (data->binary_slot);
  g_free (data->row_bits);
  g_free (data->code_column);
  g_free (data->code_level);
  g_free (data);
}

