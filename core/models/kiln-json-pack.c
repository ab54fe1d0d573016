/* kiln-json-pack.c: numeric arrays packed into one JSON string each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model with millions of numbers (the nodes of a forest) written as JSON arrays takes a JsonNode
 * and twenty-odd characters per number: a forest on diamonds came to 123 MB of JSON and several
 * times that in memory while saving or loading. Packed, an array is one string:
 *
 *   "<type>[d][z] <count> <base64>"
 *
 * <type> is u8, i8, u16, i16, u32, i32 (integers), f32 or f64 (IEEE floats); the base64 holds the
 * values little-endian, byte-shuffled (first byte of every value, then the second byte of every
 * value, ...: the exponent bytes of floats and the high bytes of small integers line up and
 * compress well); `z`: those bytes are deflated (zlib format); `d` (integers): the values are
 * the differences from the previous one (the first from 0), so 0, 1, 2, ... packs as ones.
 * Integers are written in the narrowest type that holds them (or their differences).
 *
 * Readers take either a packed string or a plain JSON array of numbers (models saved before),
 * and check the declared count against the expected one before allocating anything.
 */
#define G_LOG_DOMAIN "kiln-model"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"

typedef enum {
  PACK_U8, PACK_I8, PACK_U16, PACK_I16, PACK_U32, PACK_I32, PACK_F32, PACK_F64,
} PackType;

static const struct {
  const char *name;
  guint       width;
  gboolean    is_signed;
  gboolean    is_float;
} pack_types[] = {
  [PACK_U8] = { "u8", 1, FALSE, FALSE },
  [PACK_I8] = { "i8", 1, TRUE, FALSE },
  [PACK_U16] = { "u16", 2, FALSE, FALSE },
  [PACK_I16] = { "i16", 2, TRUE, FALSE },
  [PACK_U32] = { "u32", 4, FALSE, FALSE },
  [PACK_I32] = { "i32", 4, TRUE, FALSE },
  [PACK_F32] = { "f32", 4, FALSE, TRUE },
  [PACK_F64] = { "f64", 8, FALSE, TRUE },
};

/* deflate's worst expansion is about 1032:1 */
#define MAX_INFLATE_RATIO 1100

/* ---- Bytes ------------------------------------------------------------------------------------- */

static GBytes *
zlib_convert (GConverter   *converter,
              const guint8 *data,
              gsize         size,
              gsize         expected)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (MAX (expected, 64) + 64);
  gsize in_pos = 0;

  for (;;)
    {
      gsize read = 0, written = 0, room;
      g_autoptr(GError) local = NULL;
      GConverterResult r;

      if (out->len > expected + (gsize) 1024 * 1024 * 1024)
        return NULL;
      room = MAX (65536, out->len / 2);
      g_byte_array_set_size (out, out->len + room);
      r = g_converter_convert (converter, data + in_pos, size - in_pos,
                               out->data + out->len - room, room,
                               G_CONVERTER_INPUT_AT_END, &read, &written, &local);
      g_byte_array_set_size (out, out->len - room + written);
      in_pos += read;
      if (r == G_CONVERTER_ERROR)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
            continue;
          return NULL;
        }
      if (r == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0 && in_pos >= size)
        return NULL;
    }
  if (in_pos != size)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Little-endian bytes of @n values of @width bytes from @values (host order), shuffled. */
static guint8 *
shuffle (const guint8 *values,
         gsize         n,
         guint         width)
{
  guint8 *out = g_malloc (MAX (n * width, 1));

  for (gsize i = 0; i < n; i++)
    for (guint b = 0; b < width; b++)
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      out[b * n + i] = values[i * width + b];
#else
      out[b * n + i] = values[i * width + (width - 1 - b)];
#endif
  return out;
}

static void
unshuffle (const guint8 *bytes,
           gsize         n,
           guint         width,
           guint8       *values)
{
  for (gsize i = 0; i < n; i++)
    for (guint b = 0; b < width; b++)
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      values[i * width + b] = bytes[b * n + i];
#else
      values[i * width + (width - 1 - b)] = bytes[b * n + i];
#endif
}

static void
add_packed (JsonBuilder  *builder,
            const char   *name,
            PackType      type,
            gboolean      delta,
            const guint8 *values,
            gsize         n)
{
  guint width = pack_types[type].width;
  g_autofree guint8 *bytes = shuffle (values, n, width);
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 3);
  g_autoptr(GBytes) packed = zlib_convert (G_CONVERTER (z), bytes, n * width, n * width / 2);
  g_autofree char *b64 = NULL;
  g_autofree char *text = NULL;
  gboolean deflated = packed != NULL && g_bytes_get_size (packed) < n * width;

  if (deflated)
    b64 = g_base64_encode (g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));
  else
    b64 = g_base64_encode (bytes, n * width);
  text = g_strdup_printf ("%s%s%s %" G_GSIZE_FORMAT " %s", pack_types[type].name,
                          delta ? "d" : "", deflated ? "z" : "", n, b64);
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

/* ---- Writing ----------------------------------------------------------------------------------- */

static PackType
int_type (gint64 lo,
          gint64 hi)
{
  if (lo >= 0 && hi <= G_MAXUINT8)
    return PACK_U8;
  if (lo >= G_MININT8 && hi <= G_MAXINT8)
    return PACK_I8;
  if (lo >= 0 && hi <= G_MAXUINT16)
    return PACK_U16;
  if (lo >= G_MININT16 && hi <= G_MAXINT16)
    return PACK_I16;
  if (lo >= 0 && hi <= G_MAXUINT32)
    return PACK_U32;
  if (lo >= G_MININT32 && hi <= G_MAXINT32)
    return PACK_I32;
  return PACK_F64;  /* not reached for 32-bit input's values; differences use plain */
}

static void
add_packed_int64 (JsonBuilder  *builder,
                  const char   *name,
                  const gint64 *v,
                  gsize         n)
{
  gint64 lo = 0, hi = 0, dlo = 0, dhi = 0;
  PackType plain, diff, type;
  gboolean delta;
  g_autofree guint8 *out = NULL;
  guint width;

  for (gsize i = 0; i < n; i++)
    {
      gint64 d = v[i] - (i > 0 ? v[i - 1] : 0);

      lo = i == 0 ? v[i] : MIN (lo, v[i]);
      hi = i == 0 ? v[i] : MAX (hi, v[i]);
      dlo = i == 0 ? d : MIN (dlo, d);
      dhi = i == 0 ? d : MAX (dhi, d);
    }
  plain = int_type (lo, hi);
  diff = int_type (dlo, dhi);
  delta = diff != PACK_F64 && pack_types[diff].width < pack_types[plain].width;
  type = delta ? diff : plain;
  width = pack_types[type].width;
  out = g_malloc (MAX (n * width, 1));
  for (gsize i = 0; i < n; i++)
    {
      gint64 x = delta ? v[i] - (i > 0 ? v[i - 1] : 0) : v[i];

      switch (width)
        {
        case 1:
          out[i] = (guint8) x;
          break;
        case 2:
          {
            guint16 u = (guint16) x;
            memcpy (out + 2 * i, &u, 2);
          }
          break;
        default:
          {
            guint32 u = (guint32) x;
            memcpy (out + 4 * i, &u, 4);
          }
          break;
        }
    }
  add_packed (builder, name, type, delta, out, n);
}

void
_kiln_json_add_packed_ints (JsonBuilder  *builder,
                            const char   *name,
                            const gint32 *values,
                            gsize         n)
{
  g_autofree gint64 *v = g_new (gint64, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    v[i] = values[i];
  add_packed_int64 (builder, name, v, n);
}

void
_kiln_json_add_packed_uints (JsonBuilder   *builder,
                             const char    *name,
                             const guint32 *values,
                             gsize          n)
{
  g_autofree gint64 *v = g_new (gint64, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    v[i] = values[i];
  add_packed_int64 (builder, name, v, n);
}

void
_kiln_json_add_packed_floats (JsonBuilder *builder,
                              const char  *name,
                              const float *values,
                              gsize        n)
{
  add_packed (builder, name, PACK_F32, FALSE, (const guint8 *) values, n);
}

void
_kiln_json_add_packed_doubles (JsonBuilder  *builder,
                               const char   *name,
                               const double *values,
                               gsize         n)
{
  add_packed (builder, name, PACK_F64, FALSE, (const guint8 *) values, n);
}

/* ---- Reading ----------------------------------------------------------------------------------- */

static gboolean
packed_error (GError    **error,
              const char *name)
{
  g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
               _("The model's “%s” is not a valid packed array."), name);
  return FALSE;
}

/* Parses the header of a packed string: type, flags, count, and where the base64 starts. */
static gboolean
parse_header (const char  *text,
              PackType    *type,
              gboolean    *delta,
              gboolean    *deflated,
              guint64     *count,
              const char **b64)
{
  const char *space = strchr (text, ' ');
  gsize len;
  char *end;

  if (space == NULL)
    return FALSE;
  len = space - text;
  *deflated = len > 0 && text[len - 1] == 'z';
  if (*deflated)
    len--;
  *delta = len > 0 && text[len - 1] == 'd';
  if (*delta)
    len--;
  for (guint t = 0; t < G_N_ELEMENTS (pack_types); t++)
    if (strlen (pack_types[t].name) == len && strncmp (text, pack_types[t].name, len) == 0)
      {
        *type = (PackType) t;
        if (*delta && pack_types[t].is_float)
          return FALSE;
        if (!g_ascii_isdigit (space[1]))
          return FALSE;
        *count = g_ascii_strtoull (space + 1, &end, 10);
        if (*end != ' ')
          return FALSE;
        *b64 = end + 1;
        return TRUE;
      }
  return FALSE;
}

/* The bytes of a packed member, unshuffled into host order, checked to hold @n values. Integers
 * come back as int64. */
static gboolean
unpack_member (const char  *text,
               const char  *name,
               gsize        n,
               PackType    *type_out,
               guint8     **values_out,
               GError     **error)
{
  PackType type;
  gboolean delta, deflated;
  guint64 count;
  const char *b64;
  g_autofree guint8 *raw = NULL;
  g_autofree guint8 *values = NULL;
  g_autoptr(GBytes) inflated = NULL;
  const guint8 *bytes;
  gsize raw_len = 0, size;
  guint width;

  if (!parse_header (text, &type, &delta, &deflated, &count, &b64))
    return packed_error (error, name);
  if (count != n)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” has %llu values instead of %zu."),
                   name, (unsigned long long) count, n);
      return FALSE;
    }
  width = pack_types[type].width;
  /* the base64 alphabet only, or g_base64_decode would skip what it does not know */
  for (const char *c = b64; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '+' && *c != '/' && *c != '=')
      return packed_error (error, name);
  if (strlen (b64) % 4 != 0)
    return packed_error (error, name);
  raw = g_base64_decode (b64, &raw_len);
  size = n * width;
  if (deflated)
    {
      g_autoptr(GZlibDecompressor) z = NULL;

      if (size / MAX_INFLATE_RATIO > raw_len + 64)
        return packed_error (error, name);
      z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
      inflated = zlib_convert (G_CONVERTER (z), raw, raw_len, size);
      if (inflated == NULL || g_bytes_get_size (inflated) != size)
        return packed_error (error, name);
      bytes = g_bytes_get_data (inflated, NULL);
    }
  else
    {
      if (raw_len != size)
        return packed_error (error, name);
      bytes = raw;
    }

  if (pack_types[type].is_float)
    {
      values = g_malloc (MAX (size, 1));
      unshuffle (bytes, n, width, values);
    }
  else
    {
      g_autofree guint8 *tmp = g_malloc (MAX (size, 1));
      gint64 *v = g_new (gint64, MAX (n, 1));
      gint64 prev = 0;

      unshuffle (bytes, n, width, tmp);
      for (gsize i = 0; i < n; i++)
        {
          gint64 x;

          switch (type)
            {
            case PACK_U8:
              x = tmp[i];
              break;
            case PACK_I8:
              x = (gint8) tmp[i];
              break;
            case PACK_U16:
              {
                guint16 u;
                memcpy (&u, tmp + 2 * i, 2);
                x = u;
              }
              break;
            case PACK_I16:
              {
                gint16 s;
                memcpy (&s, tmp + 2 * i, 2);
                x = s;
              }
              break;
            case PACK_U32:
              {
                guint32 u;
                memcpy (&u, tmp + 4 * i, 4);
                x = u;
              }
              break;
            case PACK_I32:
            default:
              {
                gint32 s;
                memcpy (&s, tmp + 4 * i, 4);
                x = s;
              }
              break;
            }
          if (delta)
            {
              x += prev;
              prev = x;
            }
          v[i] = x;
        }
      values = (guint8 *) v;
    }
  *type_out = type;
  *values_out = g_steal_pointer (&values);
  return TRUE;
}

gboolean
_kiln_json_member_is_packed (JsonObject *object,
                             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING;
}

gssize
_kiln_json_get_packed_length (JsonObject  *object,
                              const char  *name,
                              GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  PackType type;
  gboolean delta, deflated;
  guint64 count;
  const char *b64;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING
      || !parse_header (json_node_get_string (node), &type, &delta, &deflated, &count, &b64))
    {
      packed_error (error, name);
      return -1;
    }
  /* no more values than the data could hold */
  if (count > G_MAXINT32
      || count * pack_types[type].width > (strlen (b64) + 4) * (deflated ? MAX_INFLATE_RATIO : 1))
    {
      packed_error (error, name);
      return -1;
    }
  return (gssize) count;
}

/* Reads @n numbers of member @name, packed or a JSON array, as int64 (@ints) or double. */
gboolean
_kiln_json_get_packed_numbers (JsonObject  *object,
                               const char  *name,
                               gsize        n,
                               gint64      *ints,
                               double      *doubles,
                               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autofree guint8 *values = NULL;
  PackType type;

  if (!_kiln_json_member_is_packed (object, name))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or not a list."), name);
      return FALSE;
    }
  if (!unpack_member (json_node_get_string (node), name, n, &type, &values, error))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      double d;
      gint64 x;

      if (type == PACK_F64)
        {
          memcpy (&d, values + 8 * i, 8);
          if (ints != NULL && !(d == floor (d) && fabs (d) < 0x1p62))
            return packed_error (error, name);
          /* converted only when asked for (and checked): any other double has no gint64 */
          x = ints != NULL ? (gint64) d : 0;
        }
      else if (type == PACK_F32)
        {
          float f;
          memcpy (&f, values + 4 * i, 4);
          d = f;
          if (ints != NULL && !(d == floor (d) && fabs (d) < 0x1p62))
            return packed_error (error, name);
          x = ints != NULL ? (gint64) d : 0;
        }
      else
        {
          x = ((gint64 *) (gpointer) values)[i];
          d = (double) x;
        }
      if (ints != NULL)
        ints[i] = x;
      if (doubles != NULL)
        doubles[i] = d;
    }
  return TRUE;
}
