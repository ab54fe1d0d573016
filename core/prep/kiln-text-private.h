/* kiln-text-private.h: what the text modules share (kiln-text.c: terms, tables, the word cache;
 * kiln-text-vocab.c: fitting; kiln-text-vectorise.c: vectorising).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speed matters here: a corpus of 180,000 reviews is about 25 million term occurrences to count
 * and look up. A document's terms are byte ranges of one scratch buffer (the padded words, the
 * joined word pairs), hashed once; terms are counted in an open-addressing table of 16-byte slots
 * whose keys live in an arena, so no string is allocated per term. Fitting counts each half of the
 * documents on its own core and merges the two tables (the counts are sums, so the vocabulary does
 * not depend on the number of threads); transforming runs blocks of rows on both cores. A word's
 * pieces depend on the word alone, so each thread caches, per distinct word, its pieces' ids; a
 * fitted vocabulary keeps the training words' caches (as feature indices, in order), which
 * transforming looks up first: most words of the test rows, and of what is predicted later, are
 * cut once.
 *
 * Most of the time goes into waiting on memory: the tables are tens of megabytes, and a term's
 * slot, its key, its count and its idf are each somewhere else. So a document's (or a new word's)
 * terms are hashed first and their slots and keys prefetched together (TABLE_PREFETCH), their
 * counts and idf likewise; tables and arrays are sized from the text up front, written before
 * they are read (zeroed_new()), and the rows' features go to the dataset as CSR arrays copied on
 * both cores: in a virtual machine, each page first touched costs a fault.
 */
#pragma once

#include <string.h>

#include "kiln-prep-private.h"

G_BEGIN_DECLS

/* ---- Terms --------------------------------------------------------------------------------- */

enum {
  KIND_CHAR = 0,
  KIND_WORD = 1,
};

typedef struct {
  guint64 hash;
  guint32 off;    /* into the document's scratch bytes */
  guint16 len;
  guint8  kind;
} Gram;

/* Terms being cut: appended to inline, without a call per term. */
typedef struct {
  Gram  *v;
  guint  len, cap;
} Grams;

/* Room for one more term, its slot returned (len counts it). */
static inline Gram *
grams_push (Grams *g)
{
  if (G_UNLIKELY (g->len == g->cap))
    {
      g->cap = MAX (g->cap * 2, 256);
      g->v = g_renew (Gram, g->v, g->cap);
    }
  return &g->v[g->len++];
}

/* Scratch space of one thread: the normalised text, the bytes the terms point into, the terms,
 * character starts. */
typedef struct {
  GString *norm;
  GString *bytes;
  Grams    grams;
  GArray  *starts;   /* of guint32: byte offsets of characters, plus the end */
  GArray  *words;    /* of guint32 pairs: offset, length of each word in bytes */
  GArray  *word_grams;   /* of Gram: the whitespace-separated words of norm (kind KIND_CACHE) */
  GArray  *sort;         /* of guint32: room to sort a document's ids */
} Scratch;

void _kiln_text_scratch_init  (Scratch *s);
void _kiln_text_scratch_clear (Scratch *s);
/* @text normalised into @out (cleared first). */
void _kiln_text_normalise_into (const char *text, GString *out);
/* The terms of @text (already normalised, valid UTF-8) into s->grams; with @no_pieces, not the
 * character pieces within words (a word cache gives those). */
void _kiln_text_cut_terms (const KilnTextOptions *o, const char *text, gsize text_len, Scratch *s,
                           gboolean no_pieces);

/* The character at @p (valid UTF-8): the one- to three-byte forms (ASCII, Hangul) decoded here,
 * longer ones by GLib. A function call per character was a tenth of the time cutting words. */
static inline gunichar
utf8_char (const char *p)
{
  guchar b = (guchar) p[0];

  if (b < 0x80)
    return b;
  if ((b & 0xE0) == 0xC0)
    return ((gunichar) (b & 0x1F) << 6) | ((guchar) p[1] & 0x3F);
  if ((b & 0xF0) == 0xE0)
    return ((gunichar) (b & 0x0F) << 12) | ((gunichar) ((guchar) p[1] & 0x3F) << 6)
           | ((guchar) p[2] & 0x3F);
  return g_utf8_get_char (p);
}

/* Hangul syllables and compatibility jamo (ㅋ, ㅠ): letters (Lo), neither space nor mark. */
static inline gboolean
is_hangul_letter (gunichar c)
{
  return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x3131 && c <= 0x318E);
}

static inline gboolean
is_space_at (const char *p)
{
  gunichar c;

  if ((guchar) *p < 0x80)
    return g_ascii_isspace (*p);
  c = utf8_char (p);
  return !is_hangul_letter (c) && g_unichar_isspace (c);
}

/* Letters, digits, marks and '_': what words are made of. */
static inline gboolean
is_word_char (gunichar c)
{
  if (c < 0x80)
    return g_ascii_isalnum (c) || c == '_';
  return is_hangul_letter (c) || g_unichar_isalnum (c) || g_unichar_ismark (c);
}

/* The next whitespace-separated word at or after @p: its start in *@word, its end returned; NULL
 * when there is none. */
static inline const char *
next_word (const char *p, const char *end, const char **word)
{
  while (p < end && is_space_at (p))
    p = g_utf8_next_char (p);
  if (p >= end)
    return NULL;
  *word = p;
  while (p < end && !is_space_at (p))
    p = g_utf8_next_char (p);
  return p;
}

static inline guint64
hash_bytes (const char *p, gsize len, guint8 kind)
{
  guint64 h = 0x9E3779B97F4A7C15ull ^ ((guint64) kind << 56) ^ len;

  while (len >= 8)
    {
      guint64 v;
      memcpy (&v, p, 8);
      h = (h ^ v) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
      p += 8;
      len -= 8;
    }
  if (len > 0)
    {
      guint64 v = 0;
      memcpy (&v, p, len);
      h = (h ^ v) * 0x94D049BB133111EBull;
      h ^= h >> 29;
    }
  h = (h ^ (h >> 32)) * 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h | 1;   /* 0 marks an empty slot */
}

/* ---- Memory ------------------------------------------------------------------------------ */

/* @n_bytes of zeros, written: calloc's fresh pages map the shared zero page until written, and
 * a table read before it is written (a probe) then takes a second fault per page to copy it,
 * with a TLB shootdown to the other cores; written first, a page faults once. */
static inline gpointer
zeroed_new (gsize n_bytes)
{
  gpointer p = g_malloc (n_bytes);

  memset (p, 0, n_bytes);
  return p;
}

/* ---- A table of terms ---------------------------------------------------------------------- */

typedef struct {
  guint32 hash;    /* the term's hash, low 32 bits, odd; 0: empty */
  guint32 off;     /* the term's bytes in the arena */
  guint16 len;
  guint8  kind;
  guint8  known;   /* counting: a serial has been given */
  guint32 value;   /* counting: the serial; fitted: the feature index; cache: the pool offset */
} Slot;            /* 16 bytes: four to a cache line */

static inline guint32
slot_hash (guint64 hash)
{
  return (guint32) hash | 1;
}

typedef struct {
  Slot    *slots;
  gsize    mask;
  gsize    n;
  GString *arena;
} Table;

/* For @capacity terms and @key_bytes of keys without growing (it grows past them). */
void _kiln_text_table_init  (Table *t, gsize capacity, gsize key_bytes);
void _kiln_text_table_clear (Table *t);
void _kiln_text_table_grow  (Table *t);

/* Terms are a few bytes long: a loop beats a call to memcmp. */
static inline gboolean
same_bytes (const char *a, const char *b, guint len)
{
  for (guint i = 0; i < len; i++)
    if (a[i] != b[i])
      return FALSE;
  return TRUE;
}

static inline Slot *
table_find (const Table *t, guint64 hash64, const char *key, guint16 len, guint8 kind)
{
  guint32 hash = slot_hash (hash64);
  gsize j = (hash >> 1) & t->mask;

  for (;;)
    {
      Slot *slot = &t->slots[j];
      if (slot->hash == 0)
        return NULL;
      if (slot->hash == hash && slot->len == len && slot->kind == kind
          && same_bytes (t->arena->str + slot->off, key, len))
        return slot;
      j = (j + 1) & t->mask;
    }
}

/* The slot of the term, added (value 0) when new. */
static inline Slot *
table_insert (Table *t, guint64 hash64, const char *key, guint16 len, guint8 kind)
{
  guint32 hash = slot_hash (hash64);
  gsize j;

  if ((t->n + 1) * 2 > t->mask + 1)
    _kiln_text_table_grow (t);
  j = (hash >> 1) & t->mask;
  for (;;)
    {
      Slot *slot = &t->slots[j];
      if (slot->hash == 0)
        {
          slot->hash = hash;
          slot->off = (guint32) t->arena->len;
          slot->len = len;
          slot->kind = kind;
          slot->value = 0;
          slot->known = 0;
          g_string_append_len (t->arena, key, len);
          t->n++;
          return slot;
        }
      if (slot->hash == hash && slot->len == len && slot->kind == kind
          && same_bytes (t->arena->str + slot->off, key, len))
        return slot;
      j = (j + 1) & t->mask;
    }
}

/* Looking terms up one after the other, each waits on memory twice (the slot, then the key in
 * the arena): a document's terms are prefetched first, their slots and then the keys found
 * there, so the waits overlap. A macro: GCC takes a function that only prefetches for one
 * without side effects and drops its calls. */
#define TABLE_PREFETCH(t, grams, n)                                                             \
  G_STMT_START {                                                                                \
    const Table *t_ = (t);                                                                      \
    const Gram *g_ = (grams);                                                                   \
    guint n_ = (n);                                                                             \
    for (guint i_ = 0; i_ < n_; i_++)                                                           \
      __builtin_prefetch (&t_->slots[(slot_hash (g_[i_].hash) >> 1) & t_->mask]);               \
    for (guint i_ = 0; i_ < n_; i_++)                                                           \
      {                                                                                         \
        const Slot *s_ = &t_->slots[(slot_hash (g_[i_].hash) >> 1) & t_->mask];                \
        if (s_->hash == slot_hash (g_[i_].hash))                                                \
          __builtin_prefetch (t_->arena->str + s_->off);                                        \
      }                                                                                         \
  } G_STMT_END

/* ---- A cache of words' pieces ---------------------------------------------------------------- */

/* A word's pieces depend on the word alone, and words repeat (Zipf): each thread keeps, per
 * distinct word, the ids its pieces map to, so a document costs one lookup per word instead of
 * one per piece. */
#define KIND_CACHE  2
#define CACHE_WORD_MAX 255        /* longer words are cut every time */
#define CACHE_POOL_MAX G_MAXINT32 /* and words past this many ids in all */

/* The ids of @n terms @grams (cut from @bytes) into @ids: G_MAXUINT32 for one without. */
typedef void (*PieceIdFunc) (gpointer data, const Gram *grams, guint n, const char *bytes,
                             guint32 *ids);

typedef struct _WordCache WordCache;
struct _WordCache {
  Table            table;    /* word -> value: offset in pool of its number of ids, then the ids */
  GArray          *pool;     /* of guint32 */
  const WordCache *shared[2];   /* looked up first (read-only): the training words' pieces */
};

/* Sized for about @n_words words and @n_ids ids in all. */
void _kiln_text_word_cache_init  (WordCache *c, gsize n_words, gsize n_ids);
void _kiln_text_word_cache_clear (WordCache *c);
/* The offset in c->pool of word @w's entry (of @hash, hash_bytes (w, len, KIND_CACHE) when it
 * is at most CACHE_WORD_MAX bytes long: its number of ids, then the ids @id_of gives its
 * pieces, those not G_MAXUINT32), made when new, not looking at the shared caches; -1 when the
 * word is not cached (too long), its pieces' ids then appended to @ids. */
gssize _kiln_text_word_cache_entry (WordCache *c, const KilnTextOptions *o, const char *w,
                                    gsize len, guint64 hash, Scratch *s, PieceIdFunc id_of,
                                    gpointer data, GArray *ids);
/* The whitespace-separated words of s->norm into s->word_grams (off into s->norm; hash as the
 * word caches take it, 0 for a word too long to cache; len 0 for one longer than G_MAXUINT16:
 * word_length() gives its length); returns how many. */
guint  _kiln_text_doc_words (Scratch *s);

/* The length of a word of _kiln_text_doc_words() in @text, ending by @end. */
static inline gsize
word_length (const Gram *word, const char *text, const char *end)
{
  const char *w = text + word->off, *p;

  if (word->len > 0)
    return word->len;
  for (p = w; p < end && !is_space_at (p); p = g_utf8_next_char (p))
    ;
  return (gsize) (p - w);
}
/* Every term id of a normalised document (s->norm) into @ids: pieces within words through the
 * cache (when there is one and pieces are within words), the rest cut and mapped. */
void _kiln_text_doc_ids (const KilnTextOptions *o, Scratch *s, WordCache *cache,
                         PieceIdFunc id_of, gpointer data, GArray *ids);

/* ---- The vocabulary ------------------------------------------------------------------------- */

/* The training rows' features, made while fitting (their terms were cut to count them): the
 * dataset of those rows takes them instead of cutting every text again. */
typedef struct {
  KilnColumn *column;
  guint32    *rows;      /* NULL: 0 .. n_rows-1 */
  guint       n_rows;
  gsize      *row_nnz;
  GPtrArray  *blocks;    /* of GArray of KilnTextWeight, rows in order */
} TrainCache;

struct _KilnTextVocab {
  guint     n_terms;
  guint     n_char;      /* character pieces first */
  guint     n_docs;
  guint32  *df;
  float    *idf;
  char    **terms;       /* n_terms + NULL, into term_bytes */
  char     *term_bytes;
  Table     lookup;      /* value: the feature index */
  TrainCache *train;     /* until the training dataset takes it (atomically) */
  WordCache *words[2];   /* fitted here: the training words' pieces as feature indices (each
                            half's), which vectorising looks up before cutting a word; NULL when
                            loaded */
};

void _kiln_text_train_cache_free (TrainCache *c);

/* The documents: row r's text is the category of code codes[rows ? rows[r] : r], or none. */
typedef struct {
  KilnColumn    *column;
  const gint32  *codes;
  const guint32 *rows;
  guint          n_rows;
} Docs;

static inline const char *
doc_text (const Docs *d, guint r)
{
  gint32 code = d->codes[d->rows ? d->rows[r] : r];

  return code < 0 ? NULL : kiln_column_get_category (d->column, (guint) code);
}

typedef KilnTextWeight Entry;

/* For the few ids of a word or a short document. */
static inline void
insertion_sort (guint32 *a, guint n)
{
  for (guint i = 1; i < n; i++)
    {
      guint32 v = a[i];
      guint j = i;
      while (j > 0 && a[j - 1] > v)
        {
          a[j] = a[j - 1];
          j--;
        }
      a[j] = v;
    }
}


/* The features of a document whose term ids are @ids (reordered), appended to @out (of
 * KilnTextWeight), increasing; @scratch is room to sort them. */
void _kiln_text_weigh_ids (const KilnTextVocab *v, const KilnTextOptions *o, guint32 *ids, guint n,
                           guint offset, GArray *out, GArray *scratch);

G_END_DECLS
