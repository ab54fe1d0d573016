/* kiln-text-vocab.c: fitting a vocabulary on the training documents (counting their terms on
 * both cores), the training rows' features from the same pass, and a vocabulary read back
 * (kiln-text-private.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The documents are counted in two fixed halves, one per core, each into its own table of terms
 * numbered by first sight (serials), with its own cache of words' pieces. A document's record is
 * its words, as their entries in the part's word cache (so a word's pieces are stored once, not
 * per document), then the serials of its other terms (joining pieces, words and word n-grams).
 * Merging looks the second half's terms up in the first half's table (read-only, on both
 * cores); its terms the first half lacks are numbered after the first half's. Document counts are
 * sums, the vocabulary is sorted by its terms' bytes, and the halves do not depend on the number
 * of threads: the same data gives the same vocabulary and features on any machine.
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
#define WORD_REF  0x80000000u   /* in a record: a word's entry in the part's cache pool */
#define NO_TERM   G_MAXUINT32

typedef struct {
  guint32 df;     /* documents holding the term */
  guint32 last;   /* the last document counted, + 1 */
} Tally;

typedef struct {
  guint      r0, r1;    /* its rows */
  Table      table;     /* value: the term's serial number */
  GArray    *tally;     /* per serial: Tally */
  GArray    *rec;       /* the documents' records, one after the other (of guint32) */
  GArray    *n_rec;     /* per row: the length of its record */
  WordCache  cache;     /* the part's words and their pieces' serials */
  guint      n_docs;
  guint      n_serials;
  guint32   *feature;   /* per serial: its feature, or NO_TERM */
  guint32   *to_all;    /* the second part's: per serial, the serial of the merged numbering */
  GArray    *cands[2];  /* per kind: of Candidate */
} Counts;

typedef struct {
  const KilnTextOptions *options;
  const Docs            *docs;
  Counts                 parts[FIT_PARTS];
  guint32               *df;      /* per merged serial: documents */
  guint                  n_all;   /* merged serials */
} Fit;

/* The serials of terms, numbered when first seen. */
static void
fit_id_of (gpointer data, const Gram *grams, guint n, const char *bytes, guint32 *ids)
{
  Counts *c = data;

  TABLE_PREFETCH (&c->table, grams, n);
  for (guint i = 0; i < n; i++)
    {
      const Gram *g = &grams[i];
      Slot *slot = table_insert (&c->table, g->hash, bytes + g->off, g->len, g->kind);
      if (!slot->known)
        {
          Tally zero = { 0, 0 };
          slot->known = 1;
          slot->value = c->tally->len;
          g_array_append_val (c->tally, zero);
        }
      ids[i] = slot->value;
    }
}

static inline void
tally_one (Tally *tally, guint32 serial, guint32 doc)
{
  Tally *t = &tally[serial];

  if (t->last != doc)
    {
      t->last = doc;
      t->df++;
    }
}

/* Document @doc of part @c (normalised in s->norm): its record appended, its terms counted. */
static void
fit_doc (const KilnTextOptions *o, Counts *c, Scratch *s, guint32 doc)
{
  const char *text = s->norm->str, *end = text + s->norm->len;
  gboolean cached = o->char_max > 0 && o->char_within_words;
  guint first = c->rec->len, n;
  const guint32 *rec, *pool, *serials;
  Tally *tally;

  if (cached)
    {
      guint n_words = _kiln_text_doc_words (s);
      const Gram *words = (const Gram *) s->word_grams->data;
      TABLE_PREFETCH (&c->cache.table, words, n_words);
      for (guint i = 0; i < n_words; i++)
        {
          gssize off = _kiln_text_word_cache_entry (&c->cache, o, text + words[i].off,
                                                    word_length (&words[i], text, end),
                                                    words[i].hash, s, fit_id_of, c, c->rec);
          if (off >= 0)
            {
              guint32 ref = WORD_REF | (guint32) off;
              g_array_append_val (c->rec, ref);
              /* its pieces, counted below */
              __builtin_prefetch (&g_array_index (c->cache.pool, guint32, off));
            }
        }
    }
  _kiln_text_cut_terms (o, text, (gsize) (end - text), s, cached);
  g_array_set_size (c->rec, c->rec->len + s->grams.len);
  fit_id_of (c, s->grams.v, s->grams.len, s->bytes->str,
             &g_array_index (c->rec, guint32, c->rec->len - s->grams.len));

  n = c->rec->len - first;
  g_array_append_val (c->n_rec, n);
  rec = &g_array_index (c->rec, guint32, first);
  pool = (const guint32 *) c->cache.pool->data;
  tally = (Tally *) c->tally->data;
  /* the document's serials, their tallies fetched together before they are counted */
  g_array_set_size (s->sort, 0);
  for (guint i = 0; i < n; i++)
    if (rec[i] & WORD_REF)
      {
        const guint32 *at = pool + (rec[i] & ~WORD_REF);
        g_array_append_vals (s->sort, at + 1, at[0]);
      }
    else
      g_array_append_val (s->sort, rec[i]);
  serials = (const guint32 *) s->sort->data;
  for (guint i = 0; i < s->sort->len; i++)
    __builtin_prefetch (&tally[serials[i]]);
  for (guint i = 0; i < s->sort->len; i++)
    tally_one (tally, serials[i], doc);
}

static void
fit_part (guint part, gpointer data)
{
  Fit *fit = data;
  const Docs *d = fit->docs;
  Counts *c = &fit->parts[part];
  gsize bytes = 0;
  Scratch s;

  /* sized from the text (on the nsmc reviews, a part's distinct terms are about a seventh of its
     bytes, its words a thirtieth, its records' and cached words' ids half): tables that grow
     are copied, and in a virtual machine every newly touched page costs a fault */
  for (guint r = c->r0; r < c->r1; r++)
    {
      const char *text = doc_text (d, r);
      bytes += text ? strlen (text) : 0;
    }
  _kiln_text_scratch_init (&s);
  _kiln_text_word_cache_init (&c->cache, bytes / 32, bytes / 2);
  _kiln_text_table_init (&c->table, bytes / 8, bytes * 3);
  c->tally = g_array_sized_new (FALSE, FALSE, sizeof (Tally), MAX (bytes / 8, 1024));
  c->rec = g_array_sized_new (FALSE, FALSE, sizeof (guint32), MAX (bytes / 2, 1024));
  c->n_rec = g_array_sized_new (FALSE, FALSE, sizeof (guint32), MAX (c->r1 - c->r0, 1));
  for (guint r = c->r0; r < c->r1; r++)
    {
      const char *text = doc_text (d, r);

      if (text == NULL)
        {
          guint32 zero = 0;
          g_array_append_val (c->n_rec, zero);
          continue;
        }
      c->n_docs++;
      _kiln_text_normalise_into (text, s.norm);
      fit_doc (fit->options, c, &s, r + 1);
    }
  _kiln_text_scratch_clear (&s);
  c->n_serials = c->tally->len;
}

/* The counts, once merged. */
static void
counts_clear (Counts *c)
{
  _kiln_text_table_clear (&c->table);
  if (c->tally)
    g_array_free (c->tally, TRUE);
  c->tally = NULL;
}

static void
counts_clear_all (Counts *c)
{
  counts_clear (c);
  if (c->rec)
    g_array_free (c->rec, TRUE);
  if (c->n_rec)
    g_array_free (c->n_rec, TRUE);
  c->rec = c->n_rec = NULL;
  g_clear_pointer (&c->feature, g_free);
  g_clear_pointer (&c->to_all, g_free);
  for (guint k = 0; k < 2; k++)
    if (c->cands[k])
      g_array_free (c->cands[k], TRUE);
  c->cands[0] = c->cands[1] = NULL;
}

/* ---- Merging -------------------------------------------------------------------------------- */

#define MERGE_TASKS 8
#define MATCH_BATCH 32

/* Task @task: a share of the second part's table looked up in the first's (read-only). */
static void
match_task (guint task, gpointer data)
{
  Fit *fit = data;
  Counts *c0 = &fit->parts[0], *c1 = &fit->parts[1];
  gsize n_slots = c1->table.mask + 1;
  gsize i0 = n_slots * task / MERGE_TASKS, i1 = n_slots * (task + 1) / MERGE_TASKS;

  /* looked up a batch at a time, prefetched as a document's terms are */
  for (gsize i = i0; i < i1; i += MATCH_BATCH)
    {
      Gram batch[MATCH_BATCH];
      guint n = 0;
      for (gsize j = i; j < MIN (i + MATCH_BATCH, i1); j++)
        if (c1->table.slots[j].hash)
          batch[n++].hash = c1->table.slots[j].hash;
      TABLE_PREFETCH (&c0->table, batch, n);
      for (gsize j = i; j < MIN (i + MATCH_BATCH, i1); j++)
        {
          const Slot *src = &c1->table.slots[j], *in0;
          if (!src->hash)
            continue;
          in0 = table_find (&c0->table, src->hash, c1->table.arena->str + src->off, src->len,
                            src->kind);
          c1->to_all[src->value] = in0 != NULL ? in0->value : NO_TERM;
        }
    }
}

/* The merged numbering: the first part's serials, then the second's new terms in their order;
 * the document counts summed. */
static void
merge_parts (Fit *fit)
{
  Counts *c0 = &fit->parts[0], *c1 = &fit->parts[1];
  guint n0 = c0->tally->len, n1 = c1->tally->len, n_all = n0;
  const Tally *t0 = (const Tally *) c0->tally->data, *t1 = (const Tally *) c1->tally->data;

  c1->to_all = g_new (guint32, MAX (n1, 1));
  kiln_parallel_for (MERGE_TASKS, match_task, fit);
  for (guint s = 0; s < n1; s++)
    if (c1->to_all[s] == NO_TERM)
      c1->to_all[s] = n_all++;
  fit->n_all = n_all;
  fit->df = g_new (guint32, MAX (n_all, 1));
  for (guint s = 0; s < n0; s++)
    fit->df[s] = t0[s].df;
  for (guint s = 0; s < n1; s++)
    {
      guint32 to = c1->to_all[s];
      fit->df[to] = to < n0 ? fit->df[to] + t1[s].df : t1[s].df;
    }
}

/* ---- The vocabulary ------------------------------------------------------------------------- */

typedef struct {
  const char *key;
  guint16     len;
  guint8      kind;
  guint32     df;
  guint32     serial;   /* merged */
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

/* Part @part's terms in at least min_df documents (the second part's: those the first lacks)
 * into its candidates, by kind. */
static void
candidates_task (guint part, gpointer data)
{
  Fit *fit = data;
  Counts *c = &fit->parts[part];
  guint n0 = fit->parts[0].tally->len;

  for (guint k = 0; k < 2; k++)
    c->cands[k] = g_array_sized_new (FALSE, FALSE, sizeof (Candidate), 1024);
  for (gsize i = 0; i <= c->table.mask; i++)
    {
      const Slot *slot = &c->table.slots[i], *ahead = &c->table.slots[(i + 16) & c->table.mask];
      guint32 serial;
      /* the document count of a term further on, fetched while this one is looked at */
      if (ahead->hash)
        __builtin_prefetch (&fit->df[part == 0 ? ahead->value : c->to_all[ahead->value]]);
      if (!slot->hash)
        continue;
      serial = part == 0 ? slot->value : c->to_all[slot->value];
      if ((part == 0 || serial >= n0) && fit->df[serial] >= fit->options->min_df)
        {
          const char *key = c->table.arena->str + slot->off;
          Candidate cand = { key, slot->len, slot->kind, fit->df[serial], serial,
                             key_prefix (key, slot->len) };
          g_array_append_val (c->cands[slot->kind == KIND_CHAR ? 0 : 1], cand);
        }
    }
}

/* Kind @kind's candidates of both parts, in compare_key()'s order. */
static void
sort_kind (guint kind, gpointer data)
{
  Fit *fit = data;
  GArray *all = fit->parts[0].cands[kind];

  g_array_append_vals (all, fit->parts[1].cands[kind]->data, fit->parts[1].cands[kind]->len);
  g_array_set_size (fit->parts[1].cands[kind], 0);
  if (all->len > 1)
    qsort (all->data, all->len, sizeof (Candidate), compare_order);
}

/* The candidates of both parts, of each kind in order, the max_features most frequent when there
 * are more. */
static GArray *
choose_terms (Fit *fit)
{
  const KilnTextOptions *o = fit->options;
  Counts *c0 = &fit->parts[0], *c1 = &fit->parts[1];
  guint n = c0->cands[0]->len + c0->cands[1]->len + c1->cands[0]->len + c1->cands[1]->len;
  GArray *cands;

  if (o->max_features > 0 && n > o->max_features)
    {
      GArray *all = g_array_sized_new (FALSE, FALSE, sizeof (Candidate), n);
      for (guint part = 0; part < FIT_PARTS; part++)
        for (guint k = 0; k < 2; k++)
          {
            g_array_append_vals (all, fit->parts[part].cands[k]->data,
                                 fit->parts[part].cands[k]->len);
            g_array_set_size (fit->parts[part].cands[k], 0);
          }
      g_array_sort (all, compare_frequency);
      for (guint i = 0; i < o->max_features; i++)
        {
          Candidate *c = &g_array_index (all, Candidate, i);
          g_array_append_val (c0->cands[c->kind == KIND_CHAR ? 0 : 1], *c);
        }
      g_array_free (all, TRUE);
    }
  kiln_parallel_for (2, sort_kind, fit);
  cands = c0->cands[0];
  g_array_append_vals (cands, c0->cands[1]->data, c0->cands[1]->len);
  c0->cands[0] = NULL;
  return cands;
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
  gsize bytes = 0;

  for (guint i = 0; i < v->n_terms; i++)
    bytes += strlen (v->terms[i]);
  _kiln_text_table_init (&v->lookup, MAX (v->n_terms, 1), bytes);
  /* a batch at a time, their slots prefetched: the terms come in order, their slots at random */
  for (guint i = 0; i < v->n_terms; i += MATCH_BATCH)
    {
      Gram batch[MATCH_BATCH];
      guint n = MIN (MATCH_BATCH, v->n_terms - i);
      for (guint j = 0; j < n; j++)
        {
          guint8 kind = i + j < v->n_char ? KIND_CHAR : KIND_WORD;
          gsize len = strlen (v->terms[i + j]);
          batch[j].hash = hash_bytes (v->terms[i + j], len, kind);
          batch[j].len = (guint16) MIN (len, G_MAXUINT16);
          batch[j].kind = kind;
        }
      for (guint j = 0; j < n; j++)
        __builtin_prefetch (&v->lookup.slots[(slot_hash (batch[j].hash) >> 1) & v->lookup.mask]);
      for (guint j = 0; j < n; j++)
        {
          Slot *slot = table_insert (&v->lookup, batch[j].hash, v->terms[i + j], batch[j].len,
                                     batch[j].kind);
          slot->value = i + j;
        }
    }
}

static void
vocab_finish (KilnTextVocab *v)
{
  vocab_idf (v);
  vocab_lookup (v);
}

/* @v's terms, @key[i] of @len[i] bytes, copied into one block. */
static void
vocab_set_terms (KilnTextVocab *v, guint n, const char * const *key, const guint16 *len)
{
  gsize bytes = 0;
  char *at;

  for (guint i = 0; i < n; i++)
    bytes += len[i] + 1;
  v->terms = g_new (char *, n + 1);
  v->term_bytes = at = g_malloc (MAX (bytes, 1));
  for (guint i = 0; i < n; i++)
    {
      memcpy (at, key[i], len[i]);
      at[len[i]] = '\0';
      v->terms[i] = at;
      at += len[i] + 1;
    }
  v->terms[n] = NULL;
}

/* ---- The training rows' features, from the counting pass ------------------------------------ */

#define CACHE_BLOCK 4096

typedef struct {
  KilnTextVocab         *vocab;     /* its lookup table is made by task 0 */
  Fit                   *fit;
  const KilnTextOptions *options;
  const guint32        **rec;       /* per row: its record */
  const guint32         *n_rec;     /* per row */
  guint                  n_rows;
  TrainCache            *cache;
} CacheJob;

/* Part @part's serials as features (the second part's through the merged numbering), and its
 * words' pieces too, in place: the vocabulary's words cache. */
static void
features_task (guint part, gpointer data)
{
  CacheJob *job = data;
  Fit *fit = job->fit;
  Counts *c = &fit->parts[part];
  guint n = c->n_serials;
  const guint32 *all = fit->parts[0].feature;
  guint32 *pool = (guint32 *) c->cache.pool->data;

  if (part > 0)
    {
      c->feature = g_new (guint32, MAX (n, 1));
      for (guint s = 0; s < n; s++)
        {
          if (s + 16 < n)
            __builtin_prefetch (&all[c->to_all[s + 16]]);
          c->feature[s] = all[c->to_all[s]];
        }
    }
  for (gsize i = 0; i <= c->cache.table.mask; i++)
    if (c->cache.table.slots[i].hash)
      {
        guint32 *at = pool + c->cache.table.slots[i].value, kept = 0;
        for (guint32 k = 1; k <= at[0]; k++)
          __builtin_prefetch (&c->feature[at[k]]);
        for (guint32 k = 1; k <= at[0]; k++)
          if (c->feature[at[k]] != NO_TERM)
            at[++kept] = c->feature[at[k]];
        at[0] = kept;
        /* in order: a document's ids then come as runs, which sorting them merges */
        insertion_sort (at + 1, kept);
      }
}

static void
cache_block (guint block, gpointer data)
{
  CacheJob *job = data;
  guint r0 = block * CACHE_BLOCK, r1 = MIN (job->n_rows, r0 + CACHE_BLOCK);
  const Counts *c;
  const guint32 *pool;
  gsize most = 0;
  GArray *out;
  g_autoptr(GArray) terms = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint32));

  /* a row has at most its terms' count of features: no growing (and copying) on the way */
  for (guint r = r0; r < r1; r++)
    {
      c = &job->fit->parts[r < job->fit->parts[0].r1 ? 0 : 1];
      pool = (const guint32 *) c->cache.pool->data;
      for (guint i = 0; i < job->n_rec[r]; i++)
        most += job->rec[r][i] & WORD_REF ? pool[job->rec[r][i] & ~WORD_REF] : 1;
    }
  out = g_array_sized_new (FALSE, FALSE, sizeof (Entry), MAX (most, 1));

  for (guint r = r0; r < r1; r++)
    {
      guint before = out->len;

      c = &job->fit->parts[r < job->fit->parts[0].r1 ? 0 : 1];
      pool = (const guint32 *) c->cache.pool->data;
      g_array_set_size (terms, 0);
      /* the next row's records (its words' pieces and its other terms' features) fetched
         while this one is put together */
      if (r + 1 < r1)
        for (guint i = 0; i < job->n_rec[r + 1]; i++)
          {
            guint32 x = job->rec[r + 1][i];
            const Counts *next = &job->fit->parts[r + 1 < job->fit->parts[0].r1 ? 0 : 1];
            __builtin_prefetch (x & WORD_REF ? (const guint32 *) next->cache.pool->data
                                               + (x & ~WORD_REF)
                                             : next->feature + x);
          }
      for (guint i = 0; i < job->n_rec[r]; i++)
        {
          guint32 x = job->rec[r][i];
          if (x & WORD_REF)
            {
              const guint32 *at = pool + (x & ~WORD_REF);
              g_array_append_vals (terms, at + 1, at[0]);
            }
          else if (c->feature[x] != NO_TERM)
            g_array_append_val (terms, c->feature[x]);
        }
      _kiln_text_weigh_ids (job->vocab, job->options, (guint32 *) terms->data, terms->len, 0, out,
                            scratch);
      job->cache->row_nnz[r] = out->len - before;
    }
  job->cache->blocks->pdata[block] = out;
}

/* Task 0 makes the vocabulary's lookup table (which the others do not read), the rest a block of
 * training rows' features each. */
static void
cache_task (guint task, gpointer data)
{
  CacheJob *job = data;

  if (task == 0)
    vocab_lookup (job->vocab);
  else
    cache_block (task - 1, data);
}

static TrainCache *
train_cache_new (KilnTextVocab *v, const KilnTextOptions *o, Fit *fit, KilnColumn *column,
                 const guint32 *rows, guint n_rows)
{
  TrainCache *c = g_new0 (TrainCache, 1);
  guint n_blocks = (n_rows + CACHE_BLOCK - 1) / CACHE_BLOCK, r = 0;
  g_autofree const guint32 **rec = g_new (const guint32 *, MAX (n_rows, 1));
  g_autofree guint32 *n_rec = g_new (guint32, MAX (n_rows, 1));
  CacheJob job = { v, fit, o, rec, n_rec, n_rows, c };

  for (guint part = 0; part < FIT_PARTS; part++)
    {
      Counts *p = &fit->parts[part];
      gsize at = 0;
      for (guint i = 0; i < p->n_rec->len; i++, r++)
        {
          n_rec[r] = g_array_index (p->n_rec, guint32, i);
          rec[r] = &g_array_index (p->rec, guint32, at);
          at += n_rec[r];
        }
    }
  g_assert (r == n_rows);
  c->column = kiln_column_ref (column);
  c->rows = rows ? g_memdup2 (rows, (gsize) n_rows * sizeof (guint32)) : NULL;
  c->n_rows = n_rows;
  c->row_nnz = g_new (gsize, MAX (n_rows, 1));
  c->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_ptr_array_set_size (c->blocks, n_blocks);
  kiln_parallel_for (FIT_PARTS, features_task, &job);
  kiln_parallel_for (n_blocks + 1, cache_task, &job);
  return c;
}

/* ---- Fitting -------------------------------------------------------------------------------- */

KilnTextVocab *
_kiln_text_vocab_fit (const KilnTextOptions *options,
                      KilnColumn            *column,
                      const guint32         *rows,
                      guint                  n_rows)
{
  Docs docs = { column, kiln_column_get_codes (column), rows, n_rows };
  Fit fit = { options, &docs, { { 0 } }, NULL, 0 };
  Counts *c0 = &fit.parts[0];
  g_autoptr(GArray) cands = NULL;
  KilnTextVocab *v = g_new0 (KilnTextVocab, 1);
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (kiln_column_is_coded (column), NULL);

  for (guint part = 0; part < FIT_PARTS; part++)
    {
      fit.parts[part].r0 = (guint) ((guint64) n_rows * part / FIT_PARTS);
      fit.parts[part].r1 = (guint) ((guint64) n_rows * (part + 1) / FIT_PARTS);
    }
  kiln_parallel_for (FIT_PARTS, fit_part, &fit);
  g_debug ("terms counted in %.3f s", (g_get_monotonic_time () - start) / 1e6);
  merge_parts (&fit);
  kiln_parallel_for (FIT_PARTS, candidates_task, &fit);
  cands = choose_terms (&fit);
  g_debug ("terms merged and chosen in %.3f s", (g_get_monotonic_time () - start) / 1e6);

  v->n_terms = cands->len;
  v->n_docs = c0->n_docs + fit.parts[1].n_docs;
  v->df = g_new (guint32, MAX (v->n_terms, 1));
  c0->feature = g_new (guint32, MAX (fit.n_all, 1));
  memset (c0->feature, 0xff, MAX (fit.n_all, 1) * sizeof (guint32));
  for (guint i = 0; i < v->n_terms; i++)
    {
      Candidate *c = &g_array_index (cands, Candidate, i);
      v->df[i] = c->df;
      c0->feature[c->serial] = i;
      if (c->kind == KIND_CHAR)
        v->n_char = i + 1;
    }
  {
    g_autofree const char **key = g_new (const char *, MAX (v->n_terms, 1));
    g_autofree guint16 *len = g_new (guint16, MAX (v->n_terms, 1));
    for (guint i = 0; i < v->n_terms; i++)
      {
        key[i] = g_array_index (cands, Candidate, i).key;
        len[i] = g_array_index (cands, Candidate, i).len;
      }
    vocab_set_terms (v, v->n_terms, key, len);
  }
  g_clear_pointer (&cands, g_array_unref);
  g_clear_pointer (&fit.df, g_free);
  for (guint part = 0; part < FIT_PARTS; part++)
    counts_clear (&fit.parts[part]);
  vocab_idf (v);
  /* the lookup table is made beside the training rows' features */
  v->train = train_cache_new (v, options, &fit, column, rows, n_rows);
  for (guint part = 0; part < FIT_PARTS; part++)
    {
      v->words[part] = g_new (WordCache, 1);
      *v->words[part] = fit.parts[part].cache;
      counts_clear_all (&fit.parts[part]);
    }
  g_debug ("vocabulary of %u terms (%u character pieces) from %u documents in %.3f s",
           v->n_terms, v->n_char, v->n_docs, (g_get_monotonic_time () - start) / 1e6);
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
  g_autofree const char **key = g_new (const char *, MAX (nc + nw, 1));
  g_autofree guint16 *len = g_new (guint16, MAX (nc + nw, 1));
  gboolean ok = TRUE;

  v->n_char = nc;
  v->n_terms = nc + nw;
  v->n_docs = n_docs;
  v->df = g_memdup2 (df, MAX (v->n_terms, 1) * sizeof (guint32));
  for (guint i = 0; i < v->n_terms && ok; i++)
    {
      gsize l;
      key[i] = i < nc ? char_terms[i] : word_terms[i - nc];
      l = strlen (key[i]);
      ok = l > 0 && l <= G_MAXUINT16;
      len[i] = (guint16) l;
    }
  if (ok)
    vocab_set_terms (v, v->n_terms, key, len);
  for (guint i = 0; i < v->n_terms && ok; i++)
    ok = v->df[i] > 0 && v->df[i] <= n_docs
         && !(i > 0 && i != nc && strcmp (v->terms[i - 1], v->terms[i]) >= 0);
  if (!ok)
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
  g_free (v->terms);
  g_free (v->term_bytes);
  g_free (v->df);
  g_free (v->idf);
  _kiln_text_table_clear (&v->lookup);
  _kiln_text_train_cache_free (v->train);
  for (guint i = 0; i < G_N_ELEMENTS (v->words); i++)
    if (v->words[i] != NULL)
      {
        _kiln_text_word_cache_clear (v->words[i]);
        g_free (v->words[i]);
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
