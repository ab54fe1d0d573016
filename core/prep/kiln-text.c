/* kiln-text.c: normalising text, cutting it into terms, fitting a vocabulary on the training
 * documents and turning documents into sparse TF-IDF rows (kiln-text.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speed matters here: a corpus of 180,000 reviews is about 25 million term occurrences to count
 * and look up. A document's terms are byte ranges of one scratch buffer (the padded words, the
 * joined word pairs), hashed once; terms are counted in an open-addressing table of 24-byte slots
 * whose keys live in an arena, so no string is allocated per term. Fitting counts each half of the
 * documents on its own core and merges the two tables (the counts are sums, so the vocabulary does
 * not depend on the number of threads); transforming runs blocks of rows on both cores. A word's
 * pieces depend on the word alone, so each thread caches, per distinct word, its pieces' ids; a
 * fitted vocabulary keeps the training words' cache (as feature indices), which transforming
 * looks up first: most words of the test rows, and of what is predicted later, are cut once.
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-parallel.h"
#include "kiln-prep-private.h"

void
kiln_text_options_init (KilnTextOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->char_min = 1;
  options->char_max = 3;
  options->char_within_words = TRUE;
  options->char_joins = TRUE;
  options->word_min = 1;
  options->word_max = 2;
  options->min_df = 2;
  options->max_features = 500000;
  options->sublinear_tf = TRUE;
  options->row_length = 2;
}

static gboolean
check_range (guint lo, guint hi, const char *what, GError **error)
{
  if ((lo == 0 && hi == 0) || (lo >= 1 && lo <= hi && hi <= KILN_TEXT_MAX_NGRAM))
    return TRUE;
  g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
               _("The %s n-gram lengths %u … %u are not within 1 … %u"), what, lo, hi,
               KILN_TEXT_MAX_NGRAM);
  return FALSE;
}

gboolean
kiln_text_options_check (const KilnTextOptions *options,
                         GError               **error)
{
  g_return_val_if_fail (options != NULL, FALSE);

  if (!check_range (options->char_min, options->char_max, _("character"), error)
      || !check_range (options->word_min, options->word_max, _("word"), error))
    return FALSE;
  if (options->char_max == 0 && options->word_max == 0)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("Text features need character pieces, words or both"));
      return FALSE;
    }
  if (options->row_length < 1 || options->row_length > 100)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("The length of a row of text features must be within 1 … 100"));
      return FALSE;
    }
  if (options->min_df < 1)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("The minimum number of documents a term is in must be at least 1"));
      return FALSE;
    }
  return TRUE;
}

/* ---- Normalising ---------------------------------------------------------------------------- */

/* Characters that NFC and case folding leave alone: ASCII other than capitals, precomposed
 * Hangul syllables and conjoining-free Hangul compatibility jamo (ㅋ, ㅠ). Most Korean reviews
 * are only these, and skip both GLib passes. */
static inline gboolean
stable_char (gunichar c)
{
  return (c < 0x80 && !(c >= 'A' && c <= 'Z')) || (c >= 0xAC00 && c <= 0xD7A3)
         || (c >= 0x3131 && c <= 0x318E);
}

/* @text normalised into @out (cleared first). */
static void
normalise_into (const char *text, GString *out)
{
  const char *p = text;
  gboolean stable = TRUE;
  g_autofree char *valid = NULL, *nfc = NULL, *folded = NULL, *again = NULL;

  g_string_truncate (out, 0);
  for (p = text; *p; )
    {
      guchar b = (guchar) *p;
      if (b < 0x80)
        {
          if (b >= 'A' && b <= 'Z')
            {
              stable = FALSE;
              break;
            }
          p++;
          continue;
        }
      {
        gunichar c = g_utf8_get_char_validated (p, -1);
        if (c == (gunichar) -1 || c == (gunichar) -2 || !stable_char (c))
          {
            stable = FALSE;
            break;
          }
        p = g_utf8_next_char (p);
      }
    }
  if (stable)
    {
      g_string_append_len (out, text, p - text);
      return;
    }
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  folded = g_utf8_casefold (nfc ? nfc : text, -1);
  /* folding can decompose (İ -> i + combining dot): compose again */
  again = g_utf8_normalize (folded, -1, G_NORMALIZE_NFC);
  g_string_append (out, again ? again : folded);
}

char *
kiln_text_normalise (const char *text)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (text != NULL, NULL);
  normalise_into (text, out);
  return g_string_free (out, FALSE);
}

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

/* Scratch space of one thread: the normalised text, the bytes the terms point into, the terms,
 * character starts. */
typedef struct {
  GString *norm;
  GString *bytes;
  GArray  *grams;    /* of Gram */
  GArray  *starts;   /* of guint32: byte offsets of characters, plus the end */
  GArray  *words;    /* of guint32 pairs: offset, length of each word in bytes */
} Scratch;

static void
scratch_init (Scratch *s)
{
  s->norm = g_string_sized_new (256);
  s->bytes = g_string_sized_new (1024);
  s->grams = g_array_sized_new (FALSE, FALSE, sizeof (Gram), 512);
  s->starts = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 256);
  s->words = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 64);
}

static void
scratch_clear (Scratch *s)
{
  g_string_free (s->norm, TRUE);
  g_string_free (s->bytes, TRUE);
  g_array_free (s->grams, TRUE);
  g_array_free (s->starts, TRUE);
  g_array_free (s->words, TRUE);
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

static inline void
add_gram (Scratch *s, guint32 off, guint32 len, guint8 kind)
{
  Gram g;

  if (len == 0 || len > G_MAXUINT16)
    return;
  g.hash = hash_bytes (s->bytes->str + off, len, kind);
  g.off = off;
  g.len = (guint16) len;
  g.kind = kind;
  g_array_append_val (s->grams, g);
}

/* Character n-grams of bytes [off, off + len) of s->bytes, whose characters start at
 * starts[0 .. n_chars] (the last the end): n_min .. n_max characters. A piece shorter than n
 * (the whole string) counts once, as scikit-learn does. */
static void
char_grams (Scratch *s, const guint32 *starts, guint n_chars, guint n_min, guint n_max)
{
  for (guint n = n_min; n <= n_max; n++)
    {
      if (n >= n_chars)
        {
          add_gram (s, starts[0], starts[n_chars] - starts[0], KIND_CHAR);
          continue;
        }
      for (guint i = 0; i + n <= n_chars; i++)
        add_gram (s, starts[i], starts[i + n] - starts[i], KIND_CHAR);
    }
}

static inline gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c) || c == '_';
}

static inline gboolean
is_space_at (const char *p)
{
  return (guchar) *p < 0x80 ? g_ascii_isspace (*p) : g_unichar_isspace (g_utf8_get_char (p));
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

/* The pieces of one word, padded with a space each side, appended to s->grams. */
static void
word_pieces (const KilnTextOptions *o, const char *w, gsize len, Scratch *s)
{
  guint32 base = (guint32) s->bytes->len, v;

  g_array_set_size (s->starts, 0);
  g_string_append_c (s->bytes, ' ');
  g_array_append_val (s->starts, base);
  for (const char *p = w; p < w + len; p = g_utf8_next_char (p))
    {
      v = base + 1 + (guint32) (p - w);
      g_array_append_val (s->starts, v);
    }
  g_string_append_len (s->bytes, w, len);
  v = (guint32) s->bytes->len;
  g_array_append_val (s->starts, v);
  g_string_append_c (s->bytes, ' ');
  v = (guint32) s->bytes->len;
  g_array_append_val (s->starts, v);
  char_grams (s, (const guint32 *) s->starts->data, s->starts->len - 1, o->char_min, o->char_max);
}

/* The terms of @text (already normalised, valid UTF-8) into s->grams; with @no_pieces, not the
 * character pieces within words (a word cache gives those). */
static void
cut_terms (const KilnTextOptions *o, const char *text, gsize text_len, Scratch *s,
           gboolean no_pieces)
{
  const char *end = text + text_len;

  g_string_truncate (s->bytes, 0);
  g_array_set_size (s->grams, 0);

  if (o->char_max > 0 && o->char_within_words)
    {
      const char *p = text, *w = NULL;
      while (!no_pieces && (p = next_word (p, end, &w)) != NULL)
        word_pieces (o, w, (gsize) (p - w), s);
      if (o->char_max >= 3 && o->char_joins)
        {
          /* the piece joining each word to the next: its last character, a space, the next's
             first */
          const char *prev_end = NULL, *prev_last = NULL;
          p = text;
          while ((p = next_word (p, end, &w)) != NULL)
            {
              if (prev_end != NULL)
                {
                  guint32 off = (guint32) s->bytes->len;
                  const char *first_end = g_utf8_next_char (w);
                  g_string_append_len (s->bytes, prev_last, prev_end - prev_last);
                  g_string_append_c (s->bytes, ' ');
                  g_string_append_len (s->bytes, w, first_end - w);
                  add_gram (s, off, (guint32) s->bytes->len - off, KIND_CHAR);
                }
              prev_last = g_utf8_find_prev_char (w, p);
              prev_end = p;
            }
        }
    }
  else if (o->char_max > 0)
    {
      /* the whole text, whitespace runs as one space */
      const char *p = text;
      gboolean space = FALSE;

      g_array_set_size (s->starts, 0);
      while (p < end)
        {
          gunichar c = g_utf8_get_char (p);
          const char *next = g_utf8_next_char (p);
          if (g_unichar_isspace (c))
            {
              if (!space)
                {
                  guint32 v = (guint32) s->bytes->len;
                  g_array_append_val (s->starts, v);
                  g_string_append_c (s->bytes, ' ');
                }
              space = TRUE;
            }
          else
            {
              guint32 v = (guint32) s->bytes->len;
              g_array_append_val (s->starts, v);
              g_string_append_len (s->bytes, p, next - p);
              space = FALSE;
            }
          p = next;
        }
      if (s->starts->len > 0)
        {
          guint32 v = (guint32) s->bytes->len;
          g_array_append_val (s->starts, v);
          char_grams (s, (const guint32 *) s->starts->data, s->starts->len - 1, o->char_min,
                      o->char_max);
        }
    }

  if (o->word_max > 0)
    {
      const char *p = text;
      guint n_words;
      const guint32 *wv;

      g_array_set_size (s->words, 0);
      while (p < end)
        {
          const char *w;
          while (p < end && !is_word_char (g_utf8_get_char (p)))
            p = g_utf8_next_char (p);
          if (p >= end)
            break;
          w = p;
          while (p < end && is_word_char (g_utf8_get_char (p)))
            p = g_utf8_next_char (p);
          {
            guint32 pair[2] = { (guint32) s->bytes->len, (guint32) (p - w) };
            g_string_append_len (s->bytes, w, p - w);
            g_array_append_vals (s->words, pair, 2);
          }
        }
      n_words = s->words->len / 2;
      wv = (const guint32 *) s->words->data;
      for (guint n = o->word_min; n <= o->word_max; n++)
        for (guint i = 0; i + n <= n_words; i++)
          {
            guint32 off = (guint32) s->bytes->len, at = off, total = n - 1;
            if (n == 1)
              {
                add_gram (s, wv[2 * i], wv[2 * i + 1], KIND_WORD);
                continue;
              }
            /* grow first: the words are copied from the same buffer */
            for (guint j = 0; j < n; j++)
              total += wv[2 * (i + j) + 1];
            g_string_set_size (s->bytes, off + total);
            for (guint j = 0; j < n; j++)
              {
                if (j > 0)
                  s->bytes->str[at++] = ' ';
                memcpy (s->bytes->str + at, s->bytes->str + wv[2 * (i + j)], wv[2 * (i + j) + 1]);
                at += wv[2 * (i + j) + 1];
              }
            add_gram (s, off, total, KIND_WORD);
          }
    }
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

static void
table_init (Table *t, gsize capacity)
{
  gsize cap = 1024;

  while (cap < capacity * 2)
    cap <<= 1;
  t->slots = g_new0 (Slot, cap);
  t->mask = cap - 1;
  t->n = 0;
  t->arena = g_string_sized_new (capacity * 8);
}

static void
table_clear (Table *t)
{
  g_free (t->slots);
  if (t->arena)
    g_string_free (t->arena, TRUE);
  memset (t, 0, sizeof *t);
}

static void
table_grow (Table *t)
{
  gsize cap = (t->mask + 1) * 2;
  Slot *slots = g_new0 (Slot, cap);

  for (gsize i = 0; i <= t->mask; i++)
    if (t->slots[i].hash)
      {
        gsize j = (t->slots[i].hash >> 1) & (cap - 1);
        while (slots[j].hash)
          j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
      }
  g_free (t->slots);
  t->slots = slots;
  t->mask = cap - 1;
}

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
    table_grow (t);
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

/* ---- A cache of words' pieces ---------------------------------------------------------------- */

/* A word's pieces depend on the word alone, and words repeat (Zipf): each thread keeps, per
 * distinct word, the ids its pieces map to, so a document costs one lookup per word instead of
 * one per piece. */
#define KIND_CACHE  2
#define CACHE_WORD_MAX 255   /* longer words are cut every time */

typedef guint32 (*PieceIdFunc) (gpointer data, const Gram *gram, const char *bytes);

typedef struct _WordCache WordCache;
struct _WordCache {
  Table            table;    /* word -> value: offset in pool of its number of ids, then the ids */
  GArray          *pool;     /* of guint32 */
  const WordCache *shared;   /* looked up first (read-only): the training words' pieces */
};

static void
word_cache_init (WordCache *c)
{
  table_init (&c->table, 1 << 14);
  c->pool = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 1 << 16);
  c->shared = NULL;
}

static void
word_cache_clear (WordCache *c)
{
  table_clear (&c->table);
  g_array_free (c->pool, TRUE);
}

/* The ids of the pieces of word @w (those @id_of does not map to G_MAXUINT32), appended to @ids. */
static void
word_cache_add_ids (WordCache *c, const KilnTextOptions *o, const char *w, gsize len, Scratch *s,
                    PieceIdFunc id_of, gpointer data, GArray *ids)
{
  guint64 h = 0;
  Slot *slot = NULL;
  guint off;

  if (len <= CACHE_WORD_MAX)
    {
      h = hash_bytes (w, len, KIND_CACHE);
      if (c->shared != NULL
          && (slot = table_find (&c->shared->table, h, w, (guint16) len, KIND_CACHE)) != NULL)
        {
          const guint32 *at = &g_array_index (c->shared->pool, guint32, slot->value);
          g_array_append_vals (ids, at + 1, at[0]);
          return;
        }
      slot = table_find (&c->table, h, w, (guint16) len, KIND_CACHE);
      if (slot != NULL)
        {
          const guint32 *at = &g_array_index (c->pool, guint32, slot->value);
          g_array_append_vals (ids, at + 1, at[0]);
          return;
        }
    }
  g_string_truncate (s->bytes, 0);
  g_array_set_size (s->grams, 0);
  word_pieces (o, w, len, s);
  off = c->pool->len;
  g_array_set_size (c->pool, off + 1);
  for (guint g = 0; g < s->grams->len; g++)
    {
      guint32 id = id_of (data, &g_array_index (s->grams, Gram, g), s->bytes->str);
      if (id != G_MAXUINT32)
        g_array_append_val (c->pool, id);
    }
  g_array_index (c->pool, guint32, off) = c->pool->len - off - 1;
  g_array_append_vals (ids, &g_array_index (c->pool, guint32, off + 1), c->pool->len - off - 1);
  if (len <= CACHE_WORD_MAX)
    {
      slot = table_insert (&c->table, h, w, (guint16) len, KIND_CACHE);
      slot->value = off;
    }
  else
    g_array_set_size (c->pool, off);
}

/* Every term id of a normalised document (s->norm) into @ids: pieces within words through the
 * cache (when there is one and pieces are within words), the rest cut and mapped. */
static void
doc_ids (const KilnTextOptions *o, Scratch *s, WordCache *cache, PieceIdFunc id_of, gpointer data,
         GArray *ids)
{
  const char *text = s->norm->str, *end = text + s->norm->len;
  gboolean cached = cache != NULL && o->char_max > 0 && o->char_within_words;

  g_array_set_size (ids, 0);
  if (cached)
    {
      const char *p = text, *w = NULL;
      while ((p = next_word (p, end, &w)) != NULL)
        word_cache_add_ids (cache, o, w, (gsize) (p - w), s, id_of, data, ids);
    }
  cut_terms (o, text, (gsize) (end - text), s, cached);
  for (guint g = 0; g < s->grams->len; g++)
    {
      guint32 id = id_of (data, &g_array_index (s->grams, Gram, g), s->bytes->str);
      if (id != G_MAXUINT32)
        g_array_append_val (ids, id);
    }
}

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
  char    **terms;       /* NUL-terminated, n_terms + NULL */
  Table     lookup;      /* value: the feature index */
  TrainCache *train;     /* until the training dataset takes it (atomically) */
  WordCache *words;      /* fitted here: the training words' pieces as feature indices, which
                            vectorising looks up before cutting a word; NULL when loaded */
};

static void
train_cache_free (TrainCache *c)
{
  if (c == NULL)
    return;
  kiln_column_unref (c->column);
  g_free (c->rows);
  g_free (c->row_nnz);
  g_ptr_array_unref (c->blocks);
  g_free (c);
}

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

  scratch_init (&s);
  word_cache_init (cache);
  table_init (&c->table, 1 << 16);
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
      normalise_into (text, s.norm);
      doc_ids (fit->options, &s, cache, fit_id_of, c, ids);
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
  scratch_clear (&s);
}

static void
counts_clear (Counts *c)
{
  table_clear (&c->table);
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
  table_init (&v->lookup, MAX (v->n_terms, 1));
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
      word_cache_clear (c);
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
  table_clear (&v->lookup);
  train_cache_free (v->train);
  if (v->words != NULL)
    {
      word_cache_clear (v->words);
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

/* ---- Vectorising ------------------------------------------------------------------------ */

typedef KilnTextWeight Entry;

/* Sorts @a in place: insertion sort for short runs, quicksort (median of three) above. A
 * document has a hundred-odd terms; the library's qsort with its callback cost more than the
 * lookups. */
static void
sort_u32 (guint32 *a, guint n)
{
  while (n > 16)
    {
      guint32 x = a[0], y = a[n / 2], z = a[n - 1], pivot, t;
      guint i = 0, j = n - 1;

      pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
      for (;;)
        {
          while (a[i] < pivot)
            i++;
          while (a[j] > pivot)
            j--;
          if (i >= j)
            break;
          t = a[i], a[i] = a[j], a[j] = t;
          i++;
          j--;
        }
      /* [0, j] <= pivot <= [j + 1, n): recurse on the smaller part */
      if (j + 1 < n - j - 1)
        {
          sort_u32 (a, j + 1);
          a += j + 1;
          n -= j + 1;
        }
      else
        {
          sort_u32 (a + j + 1, n - j - 1);
          n = j + 1;
        }
    }
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

static guint32
vocab_id_of (gpointer data, const Gram *g, const char *bytes)
{
  const KilnTextVocab *v = data;
  Slot *slot = table_find (&v->lookup, g->hash, bytes + g->off, g->len, g->kind);

  return slot != NULL ? slot->value : G_MAXUINT32;
}

/* The features of a document whose term ids are @ids (reordered), appended to @out (of Entry),
 * increasing. */
static void
weigh_ids (const KilnTextVocab *v, const KilnTextOptions *o, guint32 *ids, guint n, guint offset,
           GArray *out)
{
  guint first = out->len;
  double norm = 0.0;

  if (n == 0)
    return;
  sort_u32 (ids, n);
  for (guint i = 0; i < n; )
    {
      guint32 id = ids[i];
      guint j = i + 1;
      double tf, w;
      Entry e;

      while (j < n && ids[j] == id)
        j++;
      /* most terms are in a document once: no log for them */
      tf = j - i == 1 ? 1.0 : o->sublinear_tf ? 1.0 + log ((double) (j - i)) : (double) (j - i);
      w = tf * v->idf[id];
      e.term = offset + id;
      e.weight = (float) w;
      norm += w * w;
      g_array_append_val (out, e);
      i = j;
    }
  norm = sqrt (norm) / o->row_length;
  for (guint i = first; i < out->len; i++)
    g_array_index (out, Entry, i).weight = (float) (g_array_index (out, Entry, i).weight / norm);
}

/* The features of one normalised document (s->norm), appended to @out. */
static void
vectorise_doc (const KilnTextVocab *v, const KilnTextOptions *o, Scratch *s, WordCache *cache,
               GArray *ids, guint offset, GArray *out)
{
  doc_ids (o, s, cache, vocab_id_of, (gpointer) v, ids);
  weigh_ids (v, o, (guint32 *) ids->data, ids->len, offset, out);
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
      weigh_ids (job->vocab, job->options, (guint32 *) terms->data, terms->len, 0, out);
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
      train_cache_free (c);
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
  train_cache_free (c);
  return TRUE;
}

void
_kiln_text_vocab_drop_training (KilnTextVocab *vocab)
{
  train_cache_free (g_atomic_pointer_exchange (&vocab->train, NULL));
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
  scratch_init (&s);
  normalise_into (text, s.norm);
  vectorise_doc (vocab, options, &s, NULL, ids, offset, out);
  scratch_clear (&s);
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

  scratch_init (&s);
  for (guint r = r0; r < r1; r++)
    {
      const char *text = doc_text (vec->docs, r);
      guint before = out->len;

      if (text != NULL)
        {
          normalise_into (text, s.norm);
          vectorise_doc (vec->vocab, vec->options, &s, &vec->caches[thread], ids, vec->offset, out);
        }
      vec->row_nnz[r] = out->len - before;
    }
  scratch_clear (&s);
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
      word_cache_init (&vec.caches[t]);
      vec.caches[t].shared = vocab->words;
    }
  kiln_parallel_run (n_blocks, n_threads, vectorise_block, &vec);
  for (guint t = 0; t < n_threads; t++)
    word_cache_clear (&vec.caches[t]);
  g_free (vec.caches);
  g_debug ("%u rows vectorised in %.3f s", n_rows, (g_get_monotonic_time () - start) / 1e6);
  for (guint b = 0; b < n_blocks; b++)
    g_ptr_array_add (blocks, vec.entries[b]);
  g_free (vec.entries);
}
