/* kiln-model-json.c: reading and writing the families' parameters as JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-model"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"

/* ---- JSON helpers for the families ----------------------------------------------------- */

void
_kiln_json_add_doubles (JsonBuilder  *builder,
                        const char   *name,
                        const double *values,
                        gsize         n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
_kiln_json_add_floats (JsonBuilder *builder,
                       const char  *name,
                       const float *values,
                       gsize        n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
_kiln_json_add_uints (JsonBuilder   *builder,
                      const char    *name,
                      const guint32 *values,
                      gsize          n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_int_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
_kiln_json_add_ints (JsonBuilder  *builder,
                     const char   *name,
                     const gint32 *values,
                     gsize         n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n; i++)
    json_builder_add_int_value (builder, values[i]);
  json_builder_end_array (builder);
}

gssize
_kiln_json_get_array_length (JsonObject  *object,
                             const char  *name,
                             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (_kiln_json_member_is_packed (object, name))
    return _kiln_json_get_packed_length (object, name, error);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or not a list."), name);
      return -1;
    }
  return json_array_get_length (json_node_get_array (node));
}

static JsonArray *
get_array_n (JsonObject  *object,
             const char  *name,
             gsize        n,
             GError     **error)
{
  gssize len = _kiln_json_get_array_length (object, name, error);

  if (len < 0)
    return NULL;
  if ((gsize) len != n)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” has %zd values instead of %zu."),
                   name, len, n);
      return NULL;
    }
  return json_object_get_array_member (object, name);
}

static gboolean
node_get_number (JsonNode *node,
                 double   *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_DOUBLE)
    {
      *out = json_node_get_double (node);
      /* JSON has no infinity: a number too large for a double ("1e999") is read as one */
      return isfinite (*out);
    }
  else if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else
    return FALSE;
  return TRUE;
}

static void
set_not_number_error (GError    **error,
                      const char *name,
                      gsize       i)
{
  g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
               _("The model's “%s” holds something other than a number at position %zu."),
               name, i);
}

gboolean
_kiln_json_get_doubles (JsonObject  *object,
                        const char  *name,
                        double      *out,
                        gsize        n,
                        GError     **error)
{
  JsonArray *array;

  if (_kiln_json_member_is_packed (object, name))
    return _kiln_json_get_packed_numbers (object, name, n, NULL, out, error);
  array = get_array_n (object, name, n, error);
  if (array == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!node_get_number (json_array_get_element (array, i), &out[i]))
      {
        set_not_number_error (error, name, i);
        return FALSE;
      }
  return TRUE;
}

gboolean
_kiln_json_get_floats (JsonObject  *object,
                       const char  *name,
                       float       *out,
                       gsize        n,
                       GError     **error)
{
  JsonArray *array;

  if (_kiln_json_member_is_packed (object, name))
    {
      g_autofree double *v = g_new (double, MAX (n, 1));

      if (!_kiln_json_get_packed_numbers (object, name, n, NULL, v, error))
        return FALSE;
      for (gsize i = 0; i < n; i++)
        out[i] = (float) v[i];
      return TRUE;
    }
  array = get_array_n (object, name, n, error);
  if (array == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      double v;
      if (!node_get_number (json_array_get_element (array, i), &v))
        {
          set_not_number_error (error, name, i);
          return FALSE;
        }
      out[i] = (float) v;
    }
  return TRUE;
}

gboolean
_kiln_json_get_ints (JsonObject  *object,
                     const char  *name,
                     gint32      *out,
                     gsize        n,
                     GError     **error)
{
  JsonArray *array;

  if (_kiln_json_member_is_packed (object, name))
    {
      g_autofree gint64 *v = g_new (gint64, MAX (n, 1));

      if (!_kiln_json_get_packed_numbers (object, name, n, v, NULL, error))
        return FALSE;
      for (gsize i = 0; i < n; i++)
        {
          if (v[i] < G_MININT32 || v[i] > G_MAXINT32)
            {
              g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                           _("The model's “%s” holds something other than an integer at position %zu."),
                           name, i);
              return FALSE;
            }
          out[i] = (gint32) v[i];
        }
      return TRUE;
    }
  array = get_array_n (object, name, n, error);
  if (array == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      gint64 v;

      if (e == NULL || !JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
          || (v = json_node_get_int (e)) < G_MININT32 || v > G_MAXINT32)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's “%s” holds something other than an integer at position %zu."),
                       name, i);
          return FALSE;
        }
      out[i] = (gint32) v;
    }
  return TRUE;
}

gboolean
_kiln_json_get_uints (JsonObject  *object,
                      const char  *name,
                      guint32     *out,
                      gsize        n,
                      GError     **error)
{
  g_autofree gint64 *v = g_new (gint64, MAX (n, 1));

  if (_kiln_json_member_is_packed (object, name))
    {
      if (!_kiln_json_get_packed_numbers (object, name, n, v, NULL, error))
        return FALSE;
    }
  else
    {
      JsonArray *array = get_array_n (object, name, n, error);

      if (array == NULL)
        return FALSE;
      for (gsize i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (array, i);

          if (e == NULL || !JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64)
            v[i] = -1;
          else
            v[i] = json_node_get_int (e);
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      if (v[i] < 0 || v[i] > G_MAXUINT32)
        {
          g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                       _("The model's “%s” holds something other than an integer at position %zu."),
                       name, i);
          return FALSE;
        }
      out[i] = (guint32) v[i];
    }
  return TRUE;
}

gboolean
_kiln_json_get_uint (JsonObject  *object,
                     const char  *name,
                     guint64      min,
                     guint64      max,
                     guint64     *out,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || (v = json_node_get_int (node)) < 0 || (guint64) v < min || (guint64) v > max)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or out of range."), name);
      return FALSE;
    }
  *out = (guint64) v;
  return TRUE;
}

gboolean
_kiln_json_get_double (JsonObject  *object,
                       const char  *name,
                       double      *out,
                       GError     **error)
{
  if (!node_get_number (json_object_get_member (object, name), out))
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The model's “%s” is missing or not a number."), name);
      return FALSE;
    }
  return TRUE;
}
