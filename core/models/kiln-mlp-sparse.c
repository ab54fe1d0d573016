/* kiln-mlp-sparse.c: the multilayer perceptron's first layer on text features
 * (kiln-mlp-sparse.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-mlp"

#include "config.h"

#include <string.h>

#include "kiln-mlp-sparse.h"

void
_kiln_mlp_sparse_rows_view (KilnMlpSparseRows *rows,
                            const KilnDataset *data,
                            guint              first,
                            guint              n)
{
  rows->n_rows = n;
  rows->ptr = data->sp_ptr + first;
  rows->index = data->sp_index;
  rows->value = data->sp_value;
}

void
_kiln_mlp_sparse_rows_gather (KilnMlpSparseRows *rows,
                              const KilnDataset *data,
                              const guint32     *order,
                              guint              n)
{
  gsize nnz = 0;

  rows->own_ptr = g_renew (gsize, rows->own_ptr, (gsize) n + 1);
  rows->own_ptr[0] = 0;
  for (guint i = 0; i < n; i++)
    {
      nnz += data->sp_ptr[order[i] + 1] - data->sp_ptr[order[i]];
      rows->own_ptr[i + 1] = nnz;
    }
  if (nnz > rows->capacity || rows->own_index == NULL)
    {
      rows->capacity = MAX (nnz, MAX (rows->capacity * 2, 64));
      rows->own_index = g_renew (guint32, rows->own_index, rows->capacity);
      rows->own_value = g_renew (float, rows->own_value, rows->capacity);
    }
  for (guint i = 0; i < n; i++)
    {
      gsize from = data->sp_ptr[order[i]], m = data->sp_ptr[order[i] + 1] - from;
      memcpy (rows->own_index + rows->own_ptr[i], data->sp_index + from, m * sizeof (guint32));
      memcpy (rows->own_value + rows->own_ptr[i], data->sp_value + from, m * sizeof (float));
    }
  rows->n_rows = n;
  rows->ptr = rows->own_ptr;
  rows->index = rows->own_index;
  rows->value = rows->own_value;
}

void
_kiln_mlp_sparse_rows_clear (KilnMlpSparseRows *rows)
{
  g_free (rows->own_ptr);
  g_free (rows->own_index);
  g_free (rows->own_value);
  memset (rows, 0, sizeof *rows);
}

void
_kiln_mlp_sparse_forward (const KilnMlpSparseRows *rows,
                          const float             *w0,
                          guint                    sparse_offset,
                          guint                    out,
                          float                   *a)
{
  const float *ws = w0 + (gsize) sparse_offset * out;

  for (guint i = 0; i < rows->n_rows; i++)
    {
      float *ar = a + (gsize) i * out;

      for (gsize e = rows->ptr[i]; e < rows->ptr[i + 1]; e++)
        {
          const float *wr = ws + (gsize) rows->index[e] * out;
          float v = rows->value[e];

          for (guint u = 0; u < out; u++)
            ar[u] += v * wr[u];
        }
    }
}

void
_kiln_mlp_sparse_forward_double (const KilnMlpSparseRows *rows,
                                 const double            *w0,
                                 guint                    sparse_offset,
                                 guint                    out,
                                 double                  *a)
{
  const double *ws = w0 + (gsize) sparse_offset * out;

  for (guint i = 0; i < rows->n_rows; i++)
    {
      double *ar = a + (gsize) i * out;

      for (gsize e = rows->ptr[i]; e < rows->ptr[i + 1]; e++)
        {
          const double *wr = ws + (gsize) rows->index[e] * out;
          double v = rows->value[e];

          for (guint u = 0; u < out; u++)
            ar[u] += v * wr[u];
        }
    }
}

void
_kiln_mlp_sparse_backward (const KilnMlpSparseRows *rows,
                           const float             *delta,
                           guint                    sparse_offset,
                           guint                    out,
                           float                   *gw0)
{
  float *gs = gw0 + (gsize) sparse_offset * out;

  for (guint i = 0; i < rows->n_rows; i++)
    {
      const float *dl = delta + (gsize) i * out;

      for (gsize e = rows->ptr[i]; e < rows->ptr[i + 1]; e++)
        {
          float *g = gs + (gsize) rows->index[e] * out;
          float v = rows->value[e];

          for (guint u = 0; u < out; u++)
            g[u] += v * dl[u];
        }
    }
}
