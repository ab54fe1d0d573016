/* kiln-text-vocab.c: fitting a vocabulary on the training documents (counting their terms on
 * both cores), the training rows' features from the same pass, and a vocabulary read back
 * (kiln-text-private.h).
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

/* ---- Counting ------------------------------------------------------------------------------ */

void
_kiln_text_train_cache_free (TrainCache *c)
{
  if (c == NULL)
    return;
  kiln_column_unref (c->column);
  g_free (c->rows);
  g_free (c->row_nnz);
  g_ptr_array_unref (c->blocks);
  g_free (c);
}


#define FIT_PARTS 2

typedef struct {
  Table   table;   /* value: the term's serial number */
  GArray *df;      /* per serial: documents */
  GArray *last;    /* per serial: the last document counted (+ 1) */
  GArray *ids;     /* every document's term serials, one after the other */
  GArray *n_ids;   /* per row of the part: how many */
  WordCache cache; /* the part's words and their pieces' serials */
} Counts;

typedef struct {
  const KilnTextOptions *options;
  const Docs            *docs;
  Counts                 parts[FIT_PARTS];
} Fit;

/* The serial of a term, numbered when first seen. */
static guint32
counts_serial (Counts *c, guint64 hash, const char *key, guint16 len, guint8 kind)
{
  Slot *slot = table_insert (&c->table, hash, key, len, kind);

  if (!slot->known)
    {
      guint32 zero = 0;
      slot->known = 1;
      slot->value = c->df->len;
      g_array_append_val (c->df, zero);
      g_array_append_val (c->last, zero);
    }
  return slot->value;
}

static guint32
fit_id_of (gpointer data, const Gram *g, const char *bytes)
{
  return counts_serial (data, g->hash, bytes + g->off, g->len, g->kind);
}

static void
fit_part (guint part, gpointer data)
{
  Fit *fit = data;
  const Docs *d = fit->docs;
  guint r0 = (guint) ((guint64) d->n_rows * part / FIT_PARTS);
  guint r1 = (guint) ((guint64) d->n_rows * (part + 1) / FIT_PARTS);
  Counts *c = &fit->parts[part];
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  WordCache *cache = &c->cache;
  Scratch s;

  _kiln_text_scratch_init (&s);
  _kiln_text_word_cache_init (cache);
  _kiln_text_table_init (&c->table, 1 << 16);
  c->df = g_array_new (FALSE, FALSE, sizeof (guint32));
  c->last = g_array_new (FALSE, FALSE, sizeof (guint32));
  c->ids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (r1 - r0) * 64);
  c->n_ids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), r1 - r0);
  for (guint r = r0; r < r1; r++)
    {
      const char *text = doc_text (d, r);
      guint32 *df, *last;

      if (text == NULL)
        {
          guint32 zero = 0;
          g_array_append_val (c->n_ids, zero);
          continue;
        }
      _kiln_text_normalise_into (text, s.norm);
      _kiln_text_doc_ids (fit->options, &s, cache, fit_id_of, c, ids);
      g_array_append_vals (c->ids, ids->data, ids->len);
      g_array_append_val (c->n_ids, ids->len);
      df = (guint32 *) c->df->data;
      last = (guint32 *) c->last->data;
      for (guint i = 0; i < ids->len; i++)
        {
          guint32 serial = g_array_index (ids, guint32, i);
          if (last[serial] != r + 1)
            {
              last[serial] = r + 1;
              df[serial]++;
            }
        }
    }
  _kiln_text_scratch_clear (&s);
}

static void
counts_clear (Counts *c)
{
  _kiln_text_table_clear (&c->table);
  if (c->df)
    g_array_free (c->df, TRUE);
  if (c->last)
    g_array_free (c->last, TRUE);
  c->df = c->last = NULL;
}

static void
counts_clear_ids (Counts *c)
{
  if (c->ids)
    g_array_free (c->ids, TRUE);
  if (c->n_ids)
    g_array_free (c->n_ids, TRUE);
  c->ids = c->n_ids = NULL;
}

typedef struct {
  const char *key;
  guint16     len;
  guint8      kind;
  guint32     df;
  guint32     serial;
  guint64     prefix;   /* the first 8 bytes, big-endian, zero-padded: most terms differ there */
} Candidate;

static inline guint64
key_prefix (const char *key, guint16 len)
{
  guint8 b[8] = { 0 };

  memcpy (b, key, MIN (len, 8));
  return GUINT64_FROM_BE (*(guint64 *) b);
}

static int
compare_key (const Candidate *a, const Candidate *b)
{
  int c;

  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  /* a shorter key's zero padding sorts it first, as memcmp and then the length do */
  if (a->prefix != b->prefix)
    return a->prefix < b->prefix ? -1 : 1;
  if (a->len <= 8 || b->len <= 8)
    return (a->len > b->len) - (a->len < b->len);
  c = memcmp (a->key + 8, b->key + 8, MIN (a->len, b->len) - 8);
  if (c != 0)
    return c;
  return (a->len > b->len) - (a->len < b->len);
}

static int
compare_frequency (gconstpointer pa, gconstpointer pb)
{
  const Candidate *a = pa, *b = pb;

  if (a->df != b->df)
    return a->df > b->df ? -1 : 1;
  return compare_key (a, b);
}

static int
compare_order (gconstpointer pa, gconstpointer pb)
{
  return compare_key (pa, pb);
}

static void
sort_kind (guint kind, gpointer data)
{
  GArray **parts = data;

  if (parts[kind]->len > 1)
    qsort (parts[kind]->data, parts[kind]->len, sizeof (Candidate), compare_order);
}

/* @cands in compare_key()'s order: the character pieces and the words sorted on a core each. */
static void
sort_by_kind (GArray *cands)
{
  GArray *parts[2] = { g_array_new (FALSE, FALSE, sizeof (Candidate)),
                       g_array_new (FALSE, FALSE, sizeof (Candidate)) };

  for (guint i = 0; i < cands->len; i++)
    {
      Candidate *c = &g_array_index (cands, Candidate, i);
      g_array_append_val (parts[c->kind == KIND_CHAR ? 0 : 1], *c);
    }
  kiln_parallel_for (2, sort_kind, parts);
  g_array_set_size (cands, 0);
  g_array_append_vals (cands, parts[0]->data, parts[0]->len);
  g_array_append_vals (cands, parts[1]->data, parts[1]->len);
  g_array_free (parts[0], TRUE);
  g_array_free (parts[1], TRUE);
}

/* The idf of a vocabulary whose terms and df are set. */
static void
vocab_idf (KilnTextVocab *v)
{
  v->idf = g_new (float, MAX (v->n_terms, 1));
  for (guint i = 0; i < v->n_terms; i++)
    v->idf[i] = (float) (log ((1.0 + v->n_docs) / (1.0 + v->df[i])) + 1.0);
}

/* Its lookup table, term -> feature index. */
static void
vocab_lookup (KilnTextVocab *v)
{
  _kiln_text_table_init (&v->lookup, MAX (v->n_terms, 1));
  for (guint i = 0; i < v->n_terms; i++)
    {
      guint8 kind = i < v->n_char ? KIND_CHAR : KIND_WORD;
      gsize len = strlen (v->terms[i]);
      Slot *slot = table_insert (&v->lookup, hash_bytes (v->terms[i], len, kind), v->terms[i],
                                 (guint16) MIN (len, G_MAXUINT16), kind);
      slot->value = i;
    }
}

static void
vocab_finish (KilnTextVocab *v)
{
  vocab_idf (v);
  vocab_lookup (v);
}

/* The parts' word caches as one, their pieces' serials mapped to features (those below min_df
 * dropped, the order kept: as vocab_id_of() would give them); the parts' caches are spent. */
static WordCache *
words_of_parts (Fit *fit, const guint32 *feature)
{
  WordCache *w = g_new (WordCache, 1);

  *w = fit->parts[0].cache;
  for (gsize i = 0; i <= w->table.mask; i++)
    if (w->table.slots[i].hash)
      {
        guint32 *at = &g_array_index (w->pool, guint32, w->table.slots[i].value), n = 0;
        for (guint32 k = 1; k <= at[0]; k++)
          if (feature[at[k]] != G_MAXUINT32)
            at[++n] = feature[at[k]];
        at[0] = n;
      }
  for (guint part = 1; part < FIT_PARTS; part++)
    {
      WordCache *c = &fit->parts[part].cache;
      for (gsize i = 0; i <= c->table.mask; i++)
        {
          Slot *src = &c->table.slots[i], *dst;
          const char *key = c->table.arena->str + src->off;
          const guint32 *at;
          guint off;

          if (!src->hash || table_find (&w->table, src->hash, key, src->len, KIND_CACHE) != NULL)
            continue;
          at = &g_array_index (c->pool, guint32, src->value);
          off = w->pool->len;
          g_array_set_size (w->pool, off + 1);
          for (guint32 k = 1; k <= at[0]; k++)
            if (feature[at[k]] != G_MAXUINT32)
              g_array_append_val (w->pool, feature[at[k]]);
          g_array_index (w->pool, guint32, off) = w->pool->len - off - 1;
          dst = table_insert (&w->table, src->hash, key, src->len, KIND_CACHE);
          dst->value = off;
        }
      _kiln_text_word_cache_clear (c);
    }
  return w;
}

static TrainCache *train_cache_new (KilnTextVocab *v, const KilnTextOptions *o, Fit *fit,
                                    const guint32 *feature, KilnColumn *column,
                                    const guint32 *rows, guint n_rows);

KilnTextVocab *
_kiln_text_vocab_fit (const KilnTextOptions *options,
                      KilnColumn            *column,
                      const guint32         *rows,
                      guint                  n_rows)
{
  Docs docs = { column, kiln_column_get_codes (column), rows, n_rows };
  Fit fit = { options, &docs, { { { 0 } } } };
  Counts *all = &fit.parts[0];
  g_autoptr(GArray) cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  KilnTextVocab *v = g_new0 (KilnTextVocab, 1);
  g_autofree guint32 *feature = NULL;
  guint n_docs = 0;
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (kiln_column_is_coded (column), NULL);

  kiln_parallel_for (FIT_PARTS, fit_part, &fit);
  /* merge the other parts into the first: document counts add up */
  for (guint part = 1; part < FIT_PARTS; part++)
    {
      Counts *c = &fit.parts[part];
      g_autofree guint32 *to_all = g_new (guint32, MAX (c->df->len, 1));
      for (gsize i = 0; i <= c->table.mask; i++)
        if (c->table.slots[i].hash)
          {
            Slot *src = &c->table.slots[i];
            guint32 serial = counts_serial (all, src->hash, c->table.arena->str + src->off,
                                            src->len, src->kind);
            g_array_index (all->df, guint32, serial) += g_array_index (c->df, guint32, src->value);
            to_all[src->value] = serial;
          }
      for (guint i = 0; i < c->ids->len; i++)
        g_array_index (c->ids, guint32, i) = to_all[g_array_index (c->ids, guint32, i)];
      for (gsize i = 0; i <= c->cache.table.mask; i++)
        if (c->cache.table.slots[i].hash)
          {
            guint32 *at = &g_array_index (c->cache.pool, guint32, c->cache.table.slots[i].value);
            for (guint32 k = 1; k <= at[0]; k++)
              at[k] = to_all[at[k]];
          }
      counts_clear (c);
    }
  g_debug ("terms counted and merged in %.3f s", (g_get_monotonic_time () - start) / 1e6);
  for (guint r = 0; r < n_rows; r++)
    n_docs += doc_text (&docs, r) != NULL;

  for (gsize i = 0; i <= all->table.mask; i++)
    {
      Slot *slot = &all->table.slots[i];
      guint32 df = slot->hash ? g_array_index (all->df, guint32, slot->value) : 0;
      if (slot->hash && df >= options->min_df)
        {
          const char *key = all->table.arena->str + slot->off;
          Candidate c = { key, slot->len, slot->kind, df, slot->value, key_prefix (key, slot->len) };
          g_array_append_val (cands, c);
        }
    }
  if (options->max_features > 0 && cands->len > options->max_features)
    {
      g_array_sort (cands, compare_frequency);
      g_array_set_size (cands, options->max_features);
    }
  sort_by_kind (cands);

  v->n_terms = cands->len;
  v->n_docs = n_docs;
  v->df = g_new (guint32, MAX (v->n_terms, 1));
  v->terms = g_new0 (char *, v->n_terms + 1);
  feature = g_new (guint32, MAX (all->df->len, 1));
  memset (feature, 0xff, MAX (all->df->len, 1) * sizeof (guint32));
  for (guint i = 0; i < v->n_terms; i++)
    {
      Candidate *c = &g_array_index (cands, Candidate, i);
      v->terms[i] = g_strndup (c->key, c->len);
      v->df[i] = c->df;
      feature[c->serial] = i;
      if (c->kind == KIND_CHAR)
        v->n_char = i + 1;
    }
  counts_clear (all);
  /* the lookup table and the training words' cache are made beside the training rows' features */
  vocab_idf (v);
  v->train = train_cache_new (v, options, &fit, feature, column, rows, n_rows);
  for (guint part = 0; part < FIT_PARTS; part++)
    counts_clear_ids (&fit.parts[part]);
  g_debug ("vocabulary of %u terms (%u character pieces) from %u documents in %.3f s",
           v->n_terms, v->n_char, n_docs, (g_get_monotonic_time () - start) / 1e6);
  return v;
}

KilnTextVocab *
_kiln_text_vocab_new (char    **char_terms,
                      char    **word_terms,
                      guint32  *df,
                      guint     n_docs,
                      GError  **error)
{
  KilnTextVocab *v = g_new0 (KilnTextVocab, 1);
  guint nc = g_strv_length (char_terms), nw = g_strv_length (word_terms);

  v->n_char = nc;
  v->n_terms = nc + nw;
  v->n_docs = n_docs;
  v->df = g_memdup2 (df, MAX (v->n_terms, 1) * sizeof (guint32));
  v->terms = g_new0 (char *, v->n_terms + 1);
  for (guint i = 0; i < nc; i++)
    v->terms[i] = g_strdup (char_terms[i]);
  for (guint i = 0; i < nw; i++)
    v->terms[nc + i] = g_strdup (word_terms[i]);
  for (guint i = 0; i < v->n_terms; i++)
    if (v->df[i] == 0 || v->df[i] > n_docs || v->terms[i][0] == '\0'
        || strlen (v->terms[i]) > G_MAXUINT16
        || (i > 0 && i != nc && strcmp (v->terms[i - 1], v->terms[i]) >= 0))
      {
        g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT,
                     _("The saved recipe is damaged: %s"), "vocabulary");
        _kiln_text_vocab_free (v);
        return NULL;
      }
  vocab_finish (v);
  return v;
}

void
_kiln_text_vocab_free (KilnTextVocab *v)
{
  if (v == NULL)
    return;
  g_strfreev (v->terms);
  g_free (v->df);
  g_free (v->idf);
  _kiln_text_table_clear (&v->lookup);
  _kiln_text_train_cache_free (v->train);
  if (v->words != NULL)
    {
      _kiln_text_word_cache_clear (v->words);
      g_free (v->words);
    }
  g_free (v);
}

guint
_kiln_text_vocab_size (const KilnTextVocab *v)
{
  return v->n_terms;
}

guint
_kiln_text_vocab_n_char (const KilnTextVocab *v)
{
  return v->n_char;
}

guint
_kiln_text_vocab_n_docs (const KilnTextVocab *v)
{
  return v->n_docs;
}

const char * const *
_kiln_text_vocab_terms (const KilnTextVocab *v)
{
  return (const char * const *) v->terms;
}

const guint32 *
_kiln_text_vocab_df (const KilnTextVocab *v)
{
  return v->df;
}

double
_kiln_text_vocab_idf (const KilnTextVocab *v, guint term)
{
  g_return_val_if_fail (term < v->n_terms, NAN);
  return v->idf[term];
}

/* ---- The training rows' features, from the counting pass ------------------------------------ */

#define CACHE_BLOCK 4096

typedef struct {
  KilnTextVocab         *vocab;     /* its lookup table and words are made by tasks 0 and 1 */
  Fit                   *fit;
  const KilnTextOptions *options;
  const guint32         *feature;   /* serial -> term, or G_MAXUINT32 */
  const guint32        **ids;       /* per row: its serials */
  const guint32         *n_ids;     /* per row */
  guint                  n_rows;
  TrainCache            *cache;
} CacheJob;

static void
cache_block (guint block, gpointer data)
{
  CacheJob *job = data;
  guint r0 = block * CACHE_BLOCK, r1 = MIN (job->n_rows, r0 + CACHE_BLOCK);
  gsize most = 0;
  GArray *out;
  g_autoptr(GArray) terms = g_array_new (FALSE, FALSE, sizeof (guint32));

  /* a row has at most its terms' count of features: no growing (and copying) on the way */
  for (guint r = r0; r < r1; r++)
    most += job->n_ids[r];
  out = g_array_sized_new (FALSE, FALSE, sizeof (Entry), MAX (most, 1));

  for (guint r = r0; r < r1; r++)
    {
      guint before = out->len;
      g_array_set_size (terms, 0);
      for (guint i = 0; i < job->n_ids[r]; i++)
        {
          guint32 t = job->feature[job->ids[r][i]];
          if (t != G_MAXUINT32)
            g_array_append_val (terms, t);
        }
      _kiln_text_weigh_ids (job->vocab, job->options, (guint32 *) terms->data, terms->len, 0, out);
      job->cache->row_nnz[r] = out->len - before;
    }
  job->cache->blocks->pdata[block] = out;
}

/* Task 0 makes the vocabulary's lookup table, task 1 its training words' cache (neither is read
 * by the others), the rest a block of training rows' features each. */
static void
cache_task (guint task, gpointer data)
{
  CacheJob *job = data;

  if (task == 0)
    vocab_lookup (job->vocab);
  else if (task == 1)
    job->vocab->words = words_of_parts (job->fit, job->feature);
  else
    cache_block (task - 2, data);
}

static TrainCache *
train_cache_new (KilnTextVocab *v, const KilnTextOptions *o, Fit *fit, const guint32 *feature,
                 KilnColumn *column, const guint32 *rows, guint n_rows)
{
  TrainCache *c = g_new0 (TrainCache, 1);
  guint n_blocks = (n_rows + CACHE_BLOCK - 1) / CACHE_BLOCK, r = 0;
  g_autofree const guint32 **ids = g_new (const guint32 *, MAX (n_rows, 1));
  g_autofree guint32 *n_ids = g_new (guint32, MAX (n_rows, 1));
  CacheJob job = { v, fit, o, feature, ids, n_ids, n_rows, c };

  for (guint part = 0; part < FIT_PARTS; part++)
    {
      Counts *p = &fit->parts[part];
      gsize at = 0;
      for (guint i = 0; i < p->n_ids->len; i++, r++)
        {
          n_ids[r] = g_array_index (p->n_ids, guint32, i);
          ids[r] = &g_array_index (p->ids, guint32, at);
          at += n_ids[r];
        }
    }
  g_assert (r == n_rows);
  c->column = kiln_column_ref (column);
  c->rows = rows ? g_memdup2 (rows, (gsize) n_rows * sizeof (guint32)) : NULL;
  c->n_rows = n_rows;
  c->row_nnz = g_new (gsize, MAX (n_rows, 1));
  c->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_ptr_array_set_size (c->blocks, n_blocks);
  kiln_parallel_for (n_blocks + 2, cache_task, &job);
  return c;
}

/* TRUE when @rows (NULL: 0 .. n-1) are the same physical rows as @cached (NULL likewise). */
