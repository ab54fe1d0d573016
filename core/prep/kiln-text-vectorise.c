/* kiln-text-vectorise.c: turning documents into sparse TF-IDF rows with a fitted vocabulary
 * (kiln-text-private.h), and handing over the training rows' rows made while fitting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-parallel.h"
#include "kiln-text-private.h"

/* ---- Vectorising ------------------------------------------------------------------------ */

/* @a and @b (sorted) into @out, without a branch per element to mispredict. */
static inline void
merge (const guint32 *a, guint na, const guint32 *b, guint nb, guint32 *out)
{
  const guint32 *ae = a + na, *be = b + nb;

  while (a < ae && b < be)
    {
      guint32 x = *a, y = *b;
      gboolean take_b = y < x;
      *out++ = take_b ? y : x;
      a += !take_b;
      b += take_b;
    }
  while (a < ae)
    *out++ = *a++;
  while (b < be)
    *out++ = *b++;
}

#define MIN_RUN 8

/* Sorts @a, @n ids, with @tmp (room for @n): a merge sort of its ascending runs (made at least
 * MIN_RUN long by insertion). A document's ids come mostly as runs already, its words' pieces
 * (sorted in the word caches); a quicksort's branches on the ids mispredicted about one in two. */
static void
sort_ids (guint32 *a, guint n, guint32 *tmp)
{
  guint bounds_here[64], *bounds = bounds_here, n_runs = 0;
  g_autofree guint *bounds_heap = NULL;
  guint32 *src = a, *dst = tmp;

  if (n <= 2 * MIN_RUN)
    {
      insertion_sort (a, n);
      return;
    }
  if (n / MIN_RUN + 2 > G_N_ELEMENTS (bounds_here))
    bounds = bounds_heap = g_new (guint, n / MIN_RUN + 2);
  bounds[0] = 0;
  for (guint i = 0; i < n; )
    {
      guint j = i + 1;
      while (j < n && a[j - 1] <= a[j])
        j++;
      if (j - i < MIN_RUN)
        {
          j = MIN (i + MIN_RUN, n);
          insertion_sort (a + i, j - i);
        }
      bounds[++n_runs] = j;
      i = j;
    }
  /* adjacent runs merged pairwise; a merged run's end overwrites bounds already read */
  while (n_runs > 1)
    {
      guint k = 0;
      guint32 *t;
      for (guint r = 0; r < n_runs; r += 2)
        {
          guint lo = bounds[r], mid = bounds[r + 1], hi = r + 2 <= n_runs ? bounds[r + 2] : mid;
          merge (src + lo, mid - lo, src + mid, hi - mid, dst + lo);
          bounds[++k] = hi;
        }
      n_runs = k;
      t = src, src = dst, dst = t;
    }
  if (src != a)
    memcpy (a, src, (gsize) n * sizeof (guint32));
}

static void
vocab_id_of (gpointer data, const Gram *grams, guint n, const char *bytes, guint32 *ids)
{
  const KilnTextVocab *v = data;

  TABLE_PREFETCH (&v->lookup, grams, n);
  for (guint i = 0; i < n; i++)
    {
      const Gram *g = &grams[i];
      const Slot *slot = table_find (&v->lookup, g->hash, bytes + g->off, g->len, g->kind);
      ids[i] = slot != NULL ? slot->value : G_MAXUINT32;
    }
}

void
_kiln_text_weigh_ids (const KilnTextVocab *v, const KilnTextOptions *o, guint32 *ids, guint n,
                      guint offset, GArray *out, GArray *scratch)
{
  guint first = out->len, k = 0;
  double norm = 0.0;
  Entry *e;

  if (n == 0)
    return;
  g_array_set_size (scratch, n);
  sort_ids (ids, n, (guint32 *) scratch->data);
  g_array_set_size (out, first + n);
  e = &g_array_index (out, Entry, first);
  for (guint i = 0; i < n; )
    {
      guint32 id = ids[i];
      guint j = i + 1;
      double tf, w;

      while (j < n && ids[j] == id)
        j++;
      /* most terms are in a document once: no log for them */
      tf = j - i == 1 ? 1.0 : o->sublinear_tf ? 1.0 + log ((double) (j - i)) : (double) (j - i);
      w = tf * v->idf[id];
      e[k].term = offset + id;
      e[k].weight = (float) w;
      k++;
      norm += w * w;
      i = j;
    }
  norm = sqrt (norm) / o->row_length;
  for (guint i = 0; i < k; i++)
    e[i].weight = (float) (e[i].weight / norm);
  g_array_set_size (out, first + k);
}

/* The features of one normalised document (s->norm), appended to @out. */
static void
vectorise_doc (const KilnTextVocab *v, const KilnTextOptions *o, Scratch *s, WordCache *cache,
               GArray *ids, guint offset, GArray *out)
{
  _kiln_text_doc_ids (o, s, cache, vocab_id_of, (gpointer) v, ids);
  _kiln_text_weigh_ids (v, o, (guint32 *) ids->data, ids->len, offset, out, s->sort);
}

static gboolean
same_rows (const guint32 *rows, const guint32 *cached, guint n)
{
  if (rows == NULL && cached == NULL)
    return TRUE;
  for (guint i = 0; i < n; i++)
    if ((rows ? rows[i] : i) != (cached ? cached[i] : i))
      return FALSE;
  return TRUE;
}

gboolean
_kiln_text_vocab_take_training (KilnTextVocab *vocab,
                                KilnColumn    *column,
                                const guint32 *rows,
                                guint          n_rows,
                                guint          offset,
                                gsize         *row_nnz,
                                GPtrArray     *blocks)
{
  TrainCache *c = g_atomic_pointer_exchange (&vocab->train, NULL);

  if (c == NULL)
    return FALSE;
  if (c->column != column || c->n_rows != n_rows || !same_rows (rows, c->rows, n_rows))
    {
      _kiln_text_train_cache_free (c);
      return FALSE;
    }
  g_debug ("%u training rows' features from the counting pass", n_rows);
  memcpy (row_nnz, c->row_nnz, (gsize) n_rows * sizeof (gsize));
  for (guint b = 0; b < c->blocks->len; b++)
    {
      GArray *a = c->blocks->pdata[b];
      for (guint i = 0; i < a->len && offset > 0; i++)
        g_array_index (a, Entry, i).term += offset;
      g_ptr_array_add (blocks, g_array_ref (a));
    }
  _kiln_text_train_cache_free (c);
  return TRUE;
}

void
_kiln_text_vocab_drop_training (KilnTextVocab *vocab)
{
  _kiln_text_train_cache_free (g_atomic_pointer_exchange (&vocab->train, NULL));
}

void
_kiln_text_vectorise_one (const KilnTextVocab   *vocab,
                          const KilnTextOptions *options,
                          const char            *text,
                          guint                  offset,
                          GArray                *out)
{
  Scratch s;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (text == NULL)
    return;
  _kiln_text_scratch_init (&s);
  _kiln_text_normalise_into (text, s.norm);
  vectorise_doc (vocab, options, &s, NULL, ids, offset, out);
  _kiln_text_scratch_clear (&s);
}

#define VEC_BLOCK 2048

typedef struct {
  const KilnTextVocab   *vocab;
  const KilnTextOptions *options;
  const Docs            *docs;
  guint                  offset;
  GArray               **entries;   /* per block, of Entry */
  gsize                 *row_nnz;   /* per row */
  WordCache             *caches;    /* per thread */
} Vec;

static gboolean
vectorise_block (guint block, guint thread, gpointer data)
{
  Vec *vec = data;
  guint r0 = block * VEC_BLOCK, r1 = MIN (vec->docs->n_rows, r0 + VEC_BLOCK);
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (Entry), (r1 - r0) * 64);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  Scratch s;

  _kiln_text_scratch_init (&s);
  for (guint r = r0; r < r1; r++)
    {
      const char *text = doc_text (vec->docs, r);
      guint before = out->len;

      if (text != NULL)
        {
          _kiln_text_normalise_into (text, s.norm);
          vectorise_doc (vec->vocab, vec->options, &s, &vec->caches[thread], ids, vec->offset, out);
        }
      vec->row_nnz[r] = out->len - before;
    }
  _kiln_text_scratch_clear (&s);
  vec->entries[block] = out;
  return TRUE;
}

void
_kiln_text_vectorise (const KilnTextVocab   *vocab,
                      const KilnTextOptions *options,
                      KilnColumn            *column,
                      const guint32         *rows,
                      guint                  n_rows,
                      guint                  offset,
                      gsize                 *row_nnz,
                      GPtrArray             *blocks)
{
  Docs docs = { column, kiln_column_get_codes (column), rows, n_rows };
  guint n_blocks = (n_rows + VEC_BLOCK - 1) / VEC_BLOCK;
  guint n_threads = kiln_parallel_n_threads (n_blocks, 0);
  Vec vec = { vocab, options, &docs, offset, g_new0 (GArray *, MAX (n_blocks, 1)), row_nnz,
              g_new (WordCache, n_threads) };
  gint64 start = g_get_monotonic_time ();

  for (guint t = 0; t < n_threads; t++)
    {
      _kiln_text_word_cache_init (&vec.caches[t], 1 << 14, 1 << 16);
      vec.caches[t].shared[0] = vocab->words[0];
      vec.caches[t].shared[1] = vocab->words[1];
    }
  kiln_parallel_run (n_blocks, n_threads, vectorise_block, &vec);
  for (guint t = 0; t < n_threads; t++)
    _kiln_text_word_cache_clear (&vec.caches[t]);
  g_free (vec.caches);
  g_debug ("%u rows vectorised in %.3f s", n_rows, (g_get_monotonic_time () - start) / 1e6);
  for (guint b = 0; b < n_blocks; b++)
    g_ptr_array_add (blocks, vec.entries[b]);
  g_free (vec.entries);
}
