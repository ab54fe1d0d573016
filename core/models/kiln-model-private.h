/* kiln-model-private.h: helpers shared by the model families (not public API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-model.h"

G_BEGIN_DECLS

/* Numbers go to JSON with 17 significant digits, so doubles (and floats) read back bit for bit. */
void     _kiln_json_add_doubles  (JsonBuilder  *builder,
                                  const char   *name,
                                  const double *values,
                                  gsize         n);
void     _kiln_json_add_floats   (JsonBuilder  *builder,
                                  const char   *name,
                                  const float  *values,
                                  gsize         n);
void     _kiln_json_add_uints    (JsonBuilder   *builder,
                                  const char    *name,
                                  const guint32 *values,
                                  gsize          n);
void     _kiln_json_add_ints     (JsonBuilder  *builder,
                                  const char   *name,
                                  const gint32 *values,
                                  gsize         n);

/* Read an array member of exactly @n numbers (a KILN_MODEL_ERROR_FORMAT error otherwise,
 * naming the member). */
gboolean _kiln_json_get_doubles  (JsonObject  *object,
                                  const char  *name,
                                  double      *out,
                                  gsize        n,
                                  GError     **error);
gboolean _kiln_json_get_floats   (JsonObject  *object,
                                  const char  *name,
                                  float       *out,
                                  gsize        n,
                                  GError     **error);
gboolean _kiln_json_get_ints     (JsonObject  *object,
                                  const char  *name,
                                  gint32      *out,
                                  gsize        n,
                                  GError     **error);
/* The length of an array member, or -1 (with a FORMAT error) when it is missing or not an array. */
gssize   _kiln_json_get_array_length (JsonObject  *object,
                                      const char  *name,
                                      GError     **error);
/* An integer member in [min, max] (a FORMAT error otherwise). */
gboolean _kiln_json_get_uint     (JsonObject  *object,
                                  const char  *name,
                                  guint64      min,
                                  guint64      max,
                                  guint64     *out,
                                  GError     **error);
/* A number member (a FORMAT error when missing or not a number). */
gboolean _kiln_json_get_double   (JsonObject  *object,
                                  const char  *name,
                                  double      *out,
                                  GError     **error);

/* Packed arrays (kiln-json-pack.c): one string per array, "<type>[d][z] <count> <base64>" of
 * little-endian, byte-shuffled, optionally deflated and delta-coded values; a tenth of the size of
 * a JSON array and no JsonNode per number. The readers above (_kiln_json_get_doubles, _floats,
 * _ints, _uints and _array_length) take either form, so models saved as JSON arrays still load. */
void     _kiln_json_add_packed_ints    (JsonBuilder   *builder,
                                        const char    *name,
                                        const gint32  *values,
                                        gsize          n);
void     _kiln_json_add_packed_uints   (JsonBuilder   *builder,
                                        const char    *name,
                                        const guint32 *values,
                                        gsize          n);
void     _kiln_json_add_packed_floats  (JsonBuilder   *builder,
                                        const char    *name,
                                        const float   *values,
                                        gsize          n);
void     _kiln_json_add_packed_doubles (JsonBuilder   *builder,
                                        const char    *name,
                                        const double  *values,
                                        gsize          n);
gboolean _kiln_json_get_uints          (JsonObject    *object,
                                        const char    *name,
                                        guint32       *out,
                                        gsize          n,
                                        GError       **error);
/* Internal to the readers: whether @name is a packed string, its declared count (checked against
 * the data's size), and its @n numbers as int64 and/or double. */
gboolean _kiln_json_member_is_packed   (JsonObject    *object,
                                        const char    *name);
gssize   _kiln_json_get_packed_length  (JsonObject    *object,
                                        const char    *name,
                                        GError       **error);
gboolean _kiln_json_get_packed_numbers (JsonObject    *object,
                                        const char    *name,
                                        gsize          n,
                                        gint64        *ints,
                                        double        *doubles,
                                        GError       **error);

/* A new, unfitted instance of @model's family with the same options, task and shape; for
 * families that hand out snapshots. */
KilnModel *_kiln_model_new_like  (KilnModel *model);

G_END_DECLS
