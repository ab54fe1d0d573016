/* kiln-csv-convert.c: CSV fields into typed column builders (numbers, dates, booleans, interned
 * categories), and the segments' builders joined into KilnColumns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-csv"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-csv-private.h"
#include "kiln-memory.h"

/* ---- String interning for coded columns -------------------------------------------------- */

static inline guint64
string_key (const char *s, gsize len)
{
  guint64 k = 0;

  if (len <= 8)
    {
      for (gsize i = 0; i < len; i++)
        k |= (guint64) (guint8) s[i] << (8 * i);
      return k;
    }
  k = G_GUINT64_CONSTANT (14695981039346656037);
  for (gsize i = 0; i < len; i++)
    k = (k ^ (guint8) s[i]) * G_GUINT64_CONSTANT (1099511628211);
  return k;
}

static inline guint32
key_hash (guint64 key, gsize len)
{
  return (guint32) (((key ^ len) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32);
}

static void
interner_init (Interner *in)
{
  in->mask = 63;
  in->slots = g_new0 (guint32, in->mask + 1);
  in->strings = g_ptr_array_new_with_free_func (g_free);
  in->keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  in->lengths = g_array_new (FALSE, FALSE, sizeof (guint32));
  in->total_length = 0;
}

static void
interner_clear (Interner *in)
{
  g_clear_pointer (&in->slots, g_free);
  g_clear_pointer (&in->strings, g_ptr_array_unref);
  g_clear_pointer (&in->keys, g_array_unref);
  g_clear_pointer (&in->lengths, g_array_unref);
}

static void
interner_grow (Interner *in)
{
  guint32 new_mask = in->mask * 2 + 1;
  guint32 *slots = g_new0 (guint32, (gsize) new_mask + 1);

  for (guint i = 0; i < in->strings->len; i++)
    {
      guint32 h = key_hash (g_array_index (in->keys, guint64, i),
                            g_array_index (in->lengths, guint32, i)) & new_mask;
      while (slots[h])
        h = (h + 1) & new_mask;
      slots[h] = i + 1;
    }
  g_free (in->slots);
  in->slots = slots;
  in->mask = new_mask;
}

static gint32
interner_intern (Interner *in, const char *s, gsize len)
{
  guint64 key = string_key (s, len);
  guint32 h = key_hash (key, len) & in->mask;
  const guint64 *keys = (const guint64 *) (gpointer) in->keys->data;
  const guint32 *lengths = (const guint32 *) (gpointer) in->lengths->data;
  guint32 code;

  for (;;)
    {
      guint32 slot = in->slots[h];
      if (slot == 0)
        break;
      if (keys[slot - 1] == key && lengths[slot - 1] == len &&
          (len <= 8 || memcmp (in->strings->pdata[slot - 1], s, len) == 0))
        return (gint32) slot - 1;
      h = (h + 1) & in->mask;
    }
  code = in->strings->len;
  g_ptr_array_add (in->strings, g_strndup (s, len));
  g_array_append_val (in->keys, key);
  {
    guint32 l = (guint32) len;
    g_array_append_val (in->lengths, l);
  }
  in->total_length += len;
  in->slots[h] = code + 1;
  if ((gsize) in->strings->len * 2 > in->mask)
    interner_grow (in);
  return (gint32) code;
}

/* ---- Column builders --------------------------------------------------------------------- */

static gsize
plan_item_size (PlanType type)
{
  switch (type)
    {
    case PLAN_NUMERIC: return sizeof (double);
    case PLAN_DATETIME: return sizeof (gint64);
    case PLAN_BOOLEAN: return sizeof (guint8);
    case PLAN_CODED: return sizeof (gint32);
    default: g_assert_not_reached ();
    }
}

void
_kiln_csv_builder_init (Builder *b, PlanType type, gsize cap)
{
  memset (b, 0, sizeof *b);
  b->type = type;
  b->cap = MAX (cap, 1024);
  b->data = kiln_alloc_large (b->cap * plan_item_size (type));
  if (type == PLAN_CODED)
    interner_init (&b->interner);
}

void
_kiln_csv_builder_clear (Builder *b)
{
  g_clear_pointer (&b->data, g_free);
  g_clear_pointer (&b->missing, g_free);
  if (b->type == PLAN_CODED)
    interner_clear (&b->interner);
}

static void
builder_reserve (Builder *b)
{
  gsize old_words = (b->cap + 63) / 64;

  b->cap *= 2;
  b->data = kiln_grow_large (b->data, b->len * plan_item_size (b->type),
                             b->cap * plan_item_size (b->type));
  if (b->missing)
    {
      gsize words = (b->cap + 63) / 64;
      b->missing = g_realloc (b->missing, words * sizeof (guint64));
      memset (b->missing + old_words, 0, (words - old_words) * sizeof (guint64));
    }
}

static void
builder_set_missing (Builder *b, gsize row)
{
  if (b->missing == NULL)
    b->missing = g_new0 (guint64, (b->cap + 63) / 64);
  kiln_bitmap_set (b->missing, (guint) row);
}

void
_kiln_csv_convert_field (Segment *seg, guint col, const char *s, gsize len)
{
  Reader *reader = seg->reader;
  Builder *b = &seg->builders[col];
  gsize row = b->len;   /* the next slot; _kiln_csv_on_row() commits it */

  if (row == b->cap)
    builder_reserve (b);
  if (b->missing)
    b->missing[row >> 6] &= ~(G_GUINT64_CONSTANT (1) << (row & 63));

  switch (b->type)
    {
    case PLAN_NUMERIC:
      if (len == 0)
        b->d[row] = NAN;
      else if (!kiln_parse_double (s, len, reader->decimal, &b->d[row]))
        {
          if (na_contains (&reader->na, s, len))
            b->d[row] = NAN;
          else
            goto demote;
        }
      break;

    case PLAN_DATETIME:
      if (len == 0 || na_contains (&reader->na, s, len))
        {
          b->t[row] = 0;
          builder_set_missing (b, row);
        }
      else if (!kiln_parse_datetime_cached (s, len, &b->dates, &b->t[row]))
        goto demote;
      break;

    case PLAN_BOOLEAN:
      {
        gboolean v;
        if (len == 0 || na_contains (&reader->na, s, len))
          {
            b->b[row] = 0;
            builder_set_missing (b, row);
          }
        else if (kiln_parse_boolean (s, len, &v))
          b->b[row] = v;
        else
          goto demote;
      }
      break;

    case PLAN_CODED:
      if (na_contains (&reader->na, s, len))
        b->c[row] = -1;
      else
        b->c[row] = interner_intern (&b->interner, s, len);
      break;

    default:
      g_assert_not_reached ();
    }
  return;

demote:
  seg->demote[col] = TRUE;
  seg->any_demoted = TRUE;
  seg->stop = TRUE;
}

/* ---- Joining segments into columns -------------------------------------------------------- */

char **
_kiln_csv_column_names (Reader *reader, GPtrArray *header)
{
  char **names = g_new0 (char *, reader->n_cols + 1);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint c = 0; c < reader->n_cols; c++)
    {
      const char *h = reader->header && c < header->len ? header->pdata[c] : NULL;
      char *name;

      if (h == NULL)
        name = g_strdup_printf ("column_%u", c + 1);
      else
        {
          g_autofree char *trimmed = g_strstrip (g_strdup (h));
          name = *trimmed ? g_strdup (trimmed) : g_strdup_printf ("Unnamed: %u", c);
        }
      /* duplicate names get .1, .2 as pandas does */
      if (g_hash_table_contains (seen, name))
        {
          for (guint k = 1;; k++)
            {
              char *alt = g_strdup_printf ("%s.%u", name, k);
              if (!g_hash_table_contains (seen, alt))
                {
                  g_free (name);
                  name = alt;
                  break;
                }
              g_free (alt);
            }
        }
      names[c] = name;
      g_hash_table_add (seen, name);
    }
  g_hash_table_unref (seen);
  return names;
}

KilnColumn *
_kiln_csv_join_column (Reader *reader, Segment *segs, guint n_segs, guint c, const char *name)
{
  Builder *first = &segs[0].builders[c];
  gsize total = 0, at;
  gsize item = plan_item_size (first->type);
  guint64 *missing = NULL;
  gpointer data;

  for (guint s = 0; s < n_segs; s++)
    total += segs[s].builders[c].len;

  data = g_steal_pointer (&first->data);
  if (total > first->cap)   /* the first segment's array takes the others' rows, or the slack stays */
    data = kiln_grow_large (data, first->len * item, total * item);
  at = first->len;
  if (first->type == PLAN_DATETIME || first->type == PLAN_BOOLEAN)
    {
      gboolean any = FALSE;
      for (guint s = 0; s < n_segs; s++)
        any |= segs[s].builders[c].missing != NULL;
      if (any)
        {
          missing = g_new0 (guint64, (total + 63) / 64);
          if (first->missing)
            memcpy (missing, first->missing, ((first->len + 63) / 64) * sizeof (guint64));
        }
    }
  for (guint s = 1; s < n_segs; s++)
    {
      Builder *b = &segs[s].builders[c];
      if (first->type == PLAN_CODED)
        {
          gint32 *map = g_new (gint32, MAX (b->interner.strings->len, 1));
          gint32 *dst = (gint32 *) data + at;
          for (guint k = 0; k < b->interner.strings->len; k++)
            map[k] = interner_intern (&first->interner, b->interner.strings->pdata[k],
                                      g_array_index (b->interner.lengths, guint32, k));
          for (gsize i = 0; i < b->len; i++)
            dst[i] = b->c[i] < 0 ? -1 : map[b->c[i]];
          g_free (map);
        }
      else
        memcpy ((char *) data + at * item, b->data, b->len * item);
      if (missing && b->missing)
        for (gsize i = 0; i < b->len; i++)
          if (kiln_bitmap_get (b->missing, (guint) i))
            kiln_bitmap_set (missing, (guint) (at + i));
      at += b->len;
      _kiln_csv_builder_clear (b);
      b->type = PLAN_NUMERIC; /* cleared: nothing left to free */
    }

  switch (first->type)
    {
    case PLAN_NUMERIC:
      return kiln_column_new_numeric (name, data, (guint) total);
    case PLAN_DATETIME:
      return kiln_column_new_datetime (name, data, missing, (guint) total);
    case PLAN_BOOLEAN:
      return kiln_column_new_boolean (name, data, missing, (guint) total);
    case PLAN_CODED:
      {
        Interner *in = &first->interner;
        guint distinct = in->strings->len;
        guint64 non_missing = 0;
        KilnColumnType type = KILN_COLUMN_CATEGORICAL;
        GPtrArray *cats;
        for (gsize i = 0; i < total; i++)
          non_missing += ((gint32 *) data)[i] >= 0;
        /* free text: long strings, or almost every value different */
        if ((distinct > 0 && in->total_length / distinct > 50) ||
            (distinct > 1000 && distinct * 2 > non_missing))
          type = KILN_COLUMN_TEXT;
        cats = g_steal_pointer (&in->strings);
        in->strings = g_ptr_array_new_with_free_func (g_free);
        {
          /* categories only seen in skipped rows are dropped */
          guint8 *used = g_new0 (guint8, MAX (cats->len, 1));
          guint n_used = 0;
          for (gsize i = 0; i < total; i++)
            if (((gint32 *) data)[i] >= 0)
              used[((gint32 *) data)[i]] = 1;
          for (guint k = 0; k < cats->len; k++)
            n_used += used[k];
          if (n_used < cats->len)
            {
              gint32 *map = g_new (gint32, cats->len);
              GPtrArray *kept = g_ptr_array_new_full (n_used, g_free);
              for (guint k = 0; k < cats->len; k++)
                {
                  map[k] = used[k] ? (gint32) kept->len : -1;
                  if (used[k])
                    g_ptr_array_add (kept, g_strdup (cats->pdata[k]));
                }
              for (gsize i = 0; i < total; i++)
                if (((gint32 *) data)[i] >= 0)
                  ((gint32 *) data)[i] = map[((gint32 *) data)[i]];
              g_free (map);
              g_ptr_array_unref (cats);
              cats = kept;
            }
          g_free (used);
        }
        return kiln_column_new_coded (name, type, data, cats, (guint) total);
      }
    default:
      g_assert_not_reached ();
    }
}

gpointer
_kiln_csv_join_worker (gpointer data)
{
  JoinJob *job = data;
  guint c;

  while ((c = (guint) g_atomic_int_add (&job->next, 1)) < job->reader->n_cols)
    job->columns[c] = _kiln_csv_join_column (job->reader, job->segs, job->n_segs, c, job->names[c]);
  return NULL;
}
