/* kiln-text.c: normalising text, cutting it into terms, the tables terms are counted and looked
 * up in, and the cache of words' pieces (kiln-text-private.h); fitting a vocabulary is in
 * kiln-text-vocab.c, vectorising in kiln-text-vectorise.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-text-private.h"

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
void
_kiln_text_normalise_into (const char *text, GString *out)
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
        gunichar c;
        /* three bytes led by E3 or EA .. ED (compatibility jamo, Hangul syllables) are checked
           here: continuation bytes, and below D800 (no surrogate); the rest by GLib */
        if ((b == 0xE3 || (b >= 0xEA && b <= 0xED)) && ((guchar) p[1] & 0xC0) == 0x80
            && ((guchar) p[2] & 0xC0) == 0x80 && (b != 0xED || (guchar) p[1] < 0xA0))
          c = utf8_char (p);
        else
          c = g_utf8_get_char_validated (p, -1);
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
  _kiln_text_normalise_into (text, out);
  return g_string_free (out, FALSE);
}

/* ---- Terms --------------------------------------------------------------------------------- */

void
_kiln_text_scratch_init (Scratch *s)
{
  s->norm = g_string_sized_new (256);
  s->bytes = g_string_sized_new (1024);
  memset (&s->grams, 0, sizeof s->grams);
  s->starts = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 256);
  s->words = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 64);
  s->word_grams = g_array_sized_new (FALSE, FALSE, sizeof (Gram), 64);
  s->sort = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 256);
}

void
_kiln_text_scratch_clear (Scratch *s)
{
  g_string_free (s->norm, TRUE);
  g_string_free (s->bytes, TRUE);
  g_free (s->grams.v);
  g_array_free (s->starts, TRUE);
  g_array_free (s->words, TRUE);
  g_array_free (s->word_grams, TRUE);
  g_array_free (s->sort, TRUE);
}

static inline void
add_gram (Scratch *s, guint32 off, guint32 len, guint8 kind)
{
  Gram *g;

  if (len == 0 || len > G_MAXUINT16)
    return;
  g = grams_push (&s->grams);
  g->hash = hash_bytes (s->bytes->str + off, len, kind);
  g->off = off;
  g->len = (guint16) len;
  g->kind = kind;
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

void
_kiln_text_cut_terms (const KilnTextOptions *o, const char *text, gsize text_len, Scratch *s,
                      gboolean no_pieces)
{
  const char *end = text + text_len;

  g_string_truncate (s->bytes, 0);
  s->grams.len = 0;

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
          gunichar c = utf8_char (p);
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
          while (p < end && !is_word_char (utf8_char (p)))
            p = g_utf8_next_char (p);
          if (p >= end)
            break;
          w = p;
          while (p < end && is_word_char (utf8_char (p)))
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

void
_kiln_text_table_init (Table *t, gsize capacity, gsize key_bytes)
{
  gsize cap = 1024;

  while (cap < capacity * 2)
    cap <<= 1;
  t->slots = zeroed_new (cap * sizeof (Slot));
  t->mask = cap - 1;
  t->n = 0;
  /* pages of the arena not written to cost nothing: sized up front, it is not copied growing */
  t->arena = g_string_sized_new (MAX (key_bytes, 1024));
}

void
_kiln_text_table_clear (Table *t)
{
  g_free (t->slots);
  if (t->arena)
    g_string_free (t->arena, TRUE);
  memset (t, 0, sizeof *t);
}

void
_kiln_text_table_grow (Table *t)
{
  gsize cap = (t->mask + 1) * 2;
  Slot *slots = zeroed_new (cap * sizeof (Slot));

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

/* ---- A cache of words' pieces ---------------------------------------------------------------- */

void
_kiln_text_word_cache_init (WordCache *c, gsize n_words, gsize n_ids)
{
  _kiln_text_table_init (&c->table, MAX (n_words, 1 << 12), n_words * 12);
  c->pool = g_array_sized_new (FALSE, FALSE, sizeof (guint32), MAX (n_ids, 1 << 12));
  c->shared[0] = c->shared[1] = NULL;
}

void
_kiln_text_word_cache_clear (WordCache *c)
{
  _kiln_text_table_clear (&c->table);
  g_array_free (c->pool, TRUE);
}

guint
_kiln_text_doc_words (Scratch *s)
{
  const char *text = s->norm->str, *end = text + s->norm->len, *p = text, *w = NULL;

  g_array_set_size (s->word_grams, 0);
  while ((p = next_word (p, end, &w)) != NULL)
    {
      Gram g;
      gsize len = (gsize) (p - w);
      g.hash = len <= CACHE_WORD_MAX ? hash_bytes (w, len, KIND_CACHE) : 0;
      g.off = (guint32) (w - text);
      g.len = len <= G_MAXUINT16 ? (guint16) len : 0;   /* 0: word_length() finds it again */
      g.kind = KIND_CACHE;
      g_array_append_val (s->word_grams, g);
    }
  return s->word_grams->len;
}

gssize
_kiln_text_word_cache_entry (WordCache *c, const KilnTextOptions *o, const char *w, gsize len,
                             guint64 h, Scratch *s, PieceIdFunc id_of, gpointer data, GArray *ids)
{
  Slot *slot;
  guint off;

  if (len <= CACHE_WORD_MAX)
    {
      slot = table_find (&c->table, h, w, (guint16) len, KIND_CACHE);
      if (slot != NULL)
        return slot->value;
    }
  g_string_truncate (s->bytes, 0);
  s->grams.len = 0;
  word_pieces (o, w, len, s);
  off = c->pool->len;
  g_array_set_size (c->pool, off + 1 + s->grams.len);
  {
    guint32 *at = &g_array_index (c->pool, guint32, off), kept = 0;
    id_of (data, s->grams.v, s->grams.len, s->bytes->str, at + 1);
    for (guint g = 0; g < s->grams.len; g++)
      if (at[1 + g] != G_MAXUINT32)
        at[1 + kept++] = at[1 + g];
    at[0] = kept;
    g_array_set_size (c->pool, off + 1 + kept);
  }
  if (len <= CACHE_WORD_MAX && off < CACHE_POOL_MAX)
    {
      slot = table_insert (&c->table, h, w, (guint16) len, KIND_CACHE);
      slot->value = off;
      return off;
    }
  g_array_append_vals (ids, &g_array_index (c->pool, guint32, off + 1), c->pool->len - off - 1);
  g_array_set_size (c->pool, off);
  return -1;
}

/* The ids of the pieces of word @w (those @id_of does not map to G_MAXUINT32), appended to @ids:
 * from the shared caches when they have the word, else from @c's own. */
static void
word_cache_add_ids (WordCache *c, const KilnTextOptions *o, const char *w, gsize len, guint64 h,
                    Scratch *s, PieceIdFunc id_of, gpointer data, GArray *ids)
{
  gssize off;

  if (len <= CACHE_WORD_MAX)
    {
      for (guint i = 0; i < G_N_ELEMENTS (c->shared); i++)
        {
          const Slot *slot;
          if (c->shared[i] != NULL
              && (slot = table_find (&c->shared[i]->table, h, w, (guint16) len, KIND_CACHE)) != NULL)
            {
              const guint32 *at = &g_array_index (c->shared[i]->pool, guint32, slot->value);
              g_array_append_vals (ids, at + 1, at[0]);
              return;
            }
        }
    }
  off = _kiln_text_word_cache_entry (c, o, w, len, h, s, id_of, data, ids);
  if (off >= 0)
    {
      const guint32 *at = &g_array_index (c->pool, guint32, off);
      g_array_append_vals (ids, at + 1, at[0]);
    }
}

/* Every term id of a normalised document (s->norm) into @ids: pieces within words through the
 * cache (when there is one and pieces are within words), the rest cut and mapped. */
void
_kiln_text_doc_ids (const KilnTextOptions *o, Scratch *s, WordCache *cache, PieceIdFunc id_of, gpointer data,
         GArray *ids)
{
  const char *text = s->norm->str, *end = text + s->norm->len;
  gboolean cached = cache != NULL && o->char_max > 0 && o->char_within_words;

  g_array_set_size (ids, 0);
  if (cached)
    {
      guint n = _kiln_text_doc_words (s);
      const Gram *words = (const Gram *) s->word_grams->data;
      for (guint i = 0; i < G_N_ELEMENTS (cache->shared); i++)
        if (cache->shared[i] != NULL)
          TABLE_PREFETCH (&cache->shared[i]->table, words, n);
      for (guint i = 0; i < n; i++)
        word_cache_add_ids (cache, o, text + words[i].off, word_length (&words[i], text, end),
                            words[i].hash, s, id_of, data, ids);
    }
  _kiln_text_cut_terms (o, text, (gsize) (end - text), s, cached);
  {
    guint first = ids->len, kept = 0;
    guint32 *at;
    g_array_set_size (ids, first + s->grams.len);
    at = &g_array_index (ids, guint32, first);
    id_of (data, s->grams.v, s->grams.len, s->bytes->str, at);
    for (guint g = 0; g < s->grams.len; g++)
      if (at[g] != G_MAXUINT32)
        at[kept++] = at[g];
    g_array_set_size (ids, first + kept);
  }
}
