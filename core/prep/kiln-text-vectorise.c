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
  /* the terms' idf fetched together (most terms are rare, their idf far from the last one's:
     looked up one by one, each waited on memory) */
  for (guint i = 0; i < n; i++)
    __builtin_prefetch (&v->idf[ids[i]]);
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

void
_kiln_text_rows_clear (KilnTextRows *rows)
{
  g_clear_pointer (&rows->ptr, g_free);
  g_clear_pointer (&rows->index, g_free);
  g_clear_pointer (&rows->value, g_free);
}

typedef struct {
  GArray       **blocks;     /* of Entry, freed as they are copied */
  const gsize   *block_at;   /* per block: where its entries go */
  guint          offset;
  KilnTextRows  *out;
} Copy;

static void
copy_block (guint block, gpointer data)
{
  Copy *copy = data;
  GArray *b = copy->blocks[block];
  const Entry *e = (const Entry *) b->data;
  guint32 *index = copy->out->index + copy->block_at[block];
  float *value = copy->out->value + copy->block_at[block];

  for (guint i = 0; i < b->len; i++)
    {
      index[i] = copy->offset + e[i].term;
      value[i] = e[i].weight;
    }
  g_array_unref (b);
  copy->blocks[block] = NULL;
}

/* @blocks (rows in order, @row_nnz[r] entries for row r) as CSR rows into @out, @offset added to
 * the terms; copied on both cores (the first writes to fresh memory cost page faults), the blocks
 * freed. */
static void
rows_from_blocks (GArray **blocks, guint n_blocks, const gsize *row_nnz, guint n_rows,
                  guint offset, KilnTextRows *out)
{
  g_autofree gsize *block_at = g_new (gsize, MAX (n_blocks, 1));
  Copy copy = { blocks, block_at, offset, out };
  gsize nnz = 0;

  for (guint b = 0; b < n_blocks; b++)
    {
      block_at[b] = nnz;
      nnz += blocks[b]->len;
    }
  out->ptr = g_new (gsize, (gsize) n_rows + 1);
  out->ptr[0] = 0;
  for (guint r = 0; r < n_rows; r++)
    out->ptr[r + 1] = out->ptr[r] + row_nnz[r];
  g_assert (out->ptr[n_rows] == nnz);
  out->index = g_new (guint32, MAX (nnz, 1));
  out->value = g_new (float, MAX (nnz, 1));
  kiln_parallel_for (n_blocks, copy_block, &copy);
}

gboolean
_kiln_text_vocab_take_training (KilnTextVocab *vocab,
                                KilnColumn    *column,
                                const guint32 *rows,
                                guint          n_rows,
                                guint          offset,
                                KilnTextRows  *out)
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
  rows_from_blocks ((GArray **) c->blocks->pdata, c->blocks->len, c->row_nnz, n_rows, offset, out);
  g_ptr_array_set_free_func (c->blocks, NULL);   /* freed as they were copied */
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
  GArray               **entries;   /* per block, of Entry */
  gsize                 *row_nnz;   /* per row */
  WordCache             *caches;    /* per thread */
} Vec;

static gboolean
vectorise_block (guint block, guint thread, gpointer data)
{
  Vec *vec = data;
  guint r0 = block * VEC_BLOCK, r1 = MIN (vec->docs->n_rows, r0 + VEC_BLOCK);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  gsize bytes = 0;
  GArray *out;
  Scratch s;

  /* a document has fewer features than bytes and a few more (pages not written to cost
     nothing: the block is not copied growing) */
  for (guint r = r0; r < r1; r++)
    {
      const char *text = doc_text (vec->docs, r);
      bytes += text ? strlen (text) + 8 : 0;
    }
  out = g_array_sized_new (FALSE, FALSE, sizeof (Entry), MAX (bytes, 16));

  _kiln_text_scratch_init (&s);
  for (guint r = r0; r < r1; r++)
    {
      const char *text = doc_text (vec->docs, r);
      guint before = out->len;

      if (text != NULL)
        {
          _kiln_text_normalise_into (text, s.norm);
          vectorise_doc (vec->vocab, vec->options, &s, &vec->caches[thread], ids, 0, out);
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
                      KilnTextRows          *out)
{
  Docs docs = { column, kiln_column_get_codes (column), rows, n_rows };
  guint n_blocks = (n_rows + VEC_BLOCK - 1) / VEC_BLOCK;
  guint n_threads = kiln_parallel_n_threads (n_blocks, 0);
  g_autofree gsize *row_nnz = g_new (gsize, MAX (n_rows, 1));
  Vec vec = { vocab, options, &docs, g_new0 (GArray *, MAX (n_blocks, 1)), row_nnz,
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
  rows_from_blocks (vec.entries, n_blocks, row_nnz, n_rows, offset, out);
  g_free (vec.entries);
  g_debug ("%u rows vectorised in %.3f s", n_rows, (g_get_monotonic_time () - start) / 1e6);
}
