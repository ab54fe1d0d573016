/* kiln-bundle.c: the .kiln model bundle (gzip-compressed JSON), saving and loading; predicting
 * with it is kiln-bundle-predict.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-bundle"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-atomic-file.h"
#include "kiln-bundle.h"
#include "kiln-number.h"
#include "kiln-json-text.h"

#define BUNDLE_MAGIC "kiln-bundle"

G_DEFINE_QUARK (kiln-bundle-error-quark, kiln_bundle_error)

struct _KilnBundle {
  gatomicrefcount   ref_count;
  KilnRecipe       *recipe;
  KilnModel        *model;
  char             *source_name;
  char             *source_sha256;
  GArray           *schema;          /* KilnBundleColumn, strings owned */
  JsonNode         *metrics;
  JsonNode         *options;
  guint64           seed;
  char             *kiln_version;
  char             *created;
  char             *content_hash;    /* set once (lazily), then read-only */
  KilnDrift        *drift;           /* may be NULL */
};

G_DEFINE_BOXED_TYPE (KilnBundle, kiln_bundle, kiln_bundle_ref, kiln_bundle_unref)

static void
schema_column_clear (gpointer data)
{
  KilnBundleColumn *c = data;
  g_free ((char *) c->name);
}

static KilnBundle *
bundle_alloc (void)
{
  KilnBundle *b = g_new0 (KilnBundle, 1);

  g_atomic_ref_count_init (&b->ref_count);
  b->schema = g_array_new (FALSE, TRUE, sizeof (KilnBundleColumn));
  g_array_set_clear_func (b->schema, schema_column_clear);
  return b;
}

KilnBundle *
kiln_bundle_ref (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  g_atomic_ref_count_inc (&bundle->ref_count);
  return bundle;
}

void
kiln_bundle_unref (KilnBundle *bundle)
{
  g_return_if_fail (bundle != NULL);
  if (!g_atomic_ref_count_dec (&bundle->ref_count))
    return;
  g_clear_pointer (&bundle->recipe, kiln_recipe_unref);
  g_clear_pointer (&bundle->model, kiln_model_unref);
  g_free (bundle->source_name);
  g_free (bundle->source_sha256);
  g_array_unref (bundle->schema);
  g_clear_pointer (&bundle->metrics, json_node_unref);
  g_clear_pointer (&bundle->options, json_node_unref);
  g_free (bundle->kiln_version);
  g_free (bundle->created);
  g_free (bundle->content_hash);
  g_clear_pointer (&bundle->drift, kiln_drift_free);
  g_free (bundle);
}

static const char *
role_of (KilnRecipe *recipe, const char *name)
{
  const KilnRecipeColumn *inputs;
  guint n;
  const char *target = kiln_recipe_get_target (recipe);

  if (target && strcmp (name, target) == 0)
    return "target";
  inputs = kiln_recipe_get_input_columns (recipe, &n);
  for (guint i = 0; i < n; i++)
    if (strcmp (inputs[i].name, name) == 0)
      return "feature";
  return "unused";
}

static const char *
intern_role (const char *role)
{
  if (g_strcmp0 (role, "feature") == 0)
    return "feature";
  if (g_strcmp0 (role, "target") == 0)
    return "target";
  return "unused";
}

static gboolean
check_agreement (KilnRecipe *recipe, KilnModel *model, GError **error)
{
  guint n_features = 0, n_classes = 0;

  if (!kiln_recipe_is_fitted (recipe) || !kiln_model_is_fitted (model))
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INVALID,
                   _("A bundle needs a fitted recipe and a fitted model"));
      return FALSE;
    }
  kiln_recipe_get_feature_names (recipe, &n_features);
  if (n_features != kiln_model_get_n_features (model))
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INVALID,
                   _("The model expects %u features but the recipe makes %u"),
                   kiln_model_get_n_features (model), n_features);
      return FALSE;
    }
  if (kiln_recipe_get_task (recipe) != kiln_model_get_task (model))
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INVALID,
                   _("The model does %s but the recipe prepares %s"),
                   kiln_task_to_string (kiln_model_get_task (model)),
                   kiln_task_to_string (kiln_recipe_get_task (recipe)));
      return FALSE;
    }
  if (kiln_model_get_task (model) == KILN_TASK_CLASSIFICATION)
    {
      kiln_recipe_get_classes (recipe, &n_classes);
      if (n_classes != kiln_model_get_n_classes (model))
        {
          g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INVALID,
                       _("The model knows %u classes but the recipe has %u"),
                       kiln_model_get_n_classes (model), n_classes);
          return FALSE;
        }
    }
  return TRUE;
}

KilnBundle *
kiln_bundle_new (KilnRecipe            *recipe,
                 KilnModel             *model,
                 const KilnBundleInfo  *info,
                 GError               **error)
{
  KilnBundle *b;
  g_autoptr(GDateTime) now = NULL;

  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_agreement (recipe, model, error))
    return NULL;

  b = bundle_alloc ();
  b->recipe = kiln_recipe_ref (recipe);
  b->model = kiln_model_ref (model);
  b->kiln_version = g_strdup (PACKAGE_VERSION);
  now = g_date_time_new_now_utc ();
  b->created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  if (info)
    {
      b->source_name = info->source_name ? g_path_get_basename (info->source_name) : NULL;
      b->source_sha256 = g_strdup (info->source_sha256);
      b->metrics = info->metrics ? json_node_copy (info->metrics) : NULL;
      b->options = info->options ? json_node_copy (info->options) : NULL;
      b->seed = info->seed;
      if (info->source_schema)
        for (guint c = 0; c < kiln_frame_get_n_columns (info->source_schema); c++)
          {
            KilnColumn *col = kiln_frame_get_column (info->source_schema, c);
            KilnBundleColumn bc = {
              g_strdup (kiln_column_get_name (col)),
              kiln_column_get_column_type (col),
              role_of (recipe, kiln_column_get_name (col)),
            };
            g_array_append_val (b->schema, bc);
          }
      if (info->drift_rows)
        {
          const KilnRecipeColumn *inputs;
          guint n_inputs;

          inputs = kiln_recipe_get_input_columns (recipe, &n_inputs);
          /* NULL when the rows lack an input column: the bundle then has no reference */
          b->drift = kiln_drift_new (info->drift_rows, inputs, n_inputs);
        }
    }
  return b;
}

/* ---- JSON --------------------------------------------------------------------------------- */

JsonNode *
kiln_bundle_to_json (KilnBundle *bundle)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char * const *classes;
  guint n_classes = 0;

  g_return_val_if_fail (bundle != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, BUNDLE_MAGIC);
  json_builder_set_member_name (b, "format_version");
  json_builder_add_int_value (b, KILN_BUNDLE_FORMAT);
  json_builder_set_member_name (b, "kiln_version");
  json_builder_add_string_value (b, bundle->kiln_version);
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, bundle->created);

  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  if (bundle->source_name)
    json_builder_add_string_value (b, bundle->source_name);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "sha256");
  if (bundle->source_sha256)
    json_builder_add_string_value (b, bundle->source_sha256);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "schema");
  json_builder_begin_array (b);
  for (guint i = 0; i < bundle->schema->len; i++)
    {
      KilnBundleColumn *c = &g_array_index (bundle->schema, KilnBundleColumn, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, kiln_column_type_to_string (c->type));
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, c->role);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b, kiln_recipe_get_target (bundle->recipe));
  json_builder_set_member_name (b, "target_type");
  json_builder_add_string_value (b, kiln_column_type_to_string (
                                      kiln_recipe_get_target_type (bundle->recipe)));
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, kiln_task_to_string (kiln_recipe_get_task (bundle->recipe)));
  classes = kiln_bundle_get_classes (bundle, &n_classes);
  if (classes)
    {
      json_builder_set_member_name (b, "classes");
      json_builder_begin_array (b);
      for (guint c = 0; c < n_classes; c++)
        json_builder_add_string_value (b, classes[c]);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) bundle->seed);
  json_builder_set_member_name (b, "options");
  if (bundle->options)
    json_builder_add_value (b, json_node_copy (bundle->options));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "metrics");
  if (bundle->metrics)
    json_builder_add_value (b, json_node_copy (bundle->metrics));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "recipe");
  json_builder_add_value (b, kiln_recipe_to_json (bundle->recipe));
  json_builder_set_member_name (b, "model");
  json_builder_add_value (b, kiln_model_to_json (bundle->model));
  if (bundle->drift)
    {
      json_builder_set_member_name (b, "drift");
      json_builder_add_value (b, kiln_drift_to_json (bundle->drift));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
corrupt (GError **error, const char *what, const char *detail)
{
  g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_CORRUPT,
               _("“%s” is not a valid Kiln bundle: %s"), what, detail);
  return FALSE;
}

/* A string member, or @fallback when it is missing or not a string (json-glib's
 * _with_default getters raise a critical for an object or an array). */
static const char *
string_member (JsonObject *o, const char *name, const char *fallback)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : fallback;
}

static const char *
get_string (JsonObject *o, const char *name, gboolean nullable, const char *what, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);
  g_autofree char *detail = NULL;

  if (n && JSON_NODE_HOLDS_NULL (n) && nullable)
    return NULL;
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  detail = g_strdup_printf (_("the member “%s” is missing or not a string"), name);
  corrupt (error, what, detail);
  return NULL;
}

KilnBundle *
kiln_bundle_from_json (JsonNode    *node,
                       const char  *what,
                       GError     **error)
{
  g_autoptr(KilnBundle) b = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *o;
  JsonNode *n;
  const char *s;
  gint64 version;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (what == NULL)
    what = _("bundle");

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      corrupt (error, what, _("the document is not a JSON object"));
      return NULL;
    }
  o = json_node_get_object (node);
  s = string_member (o, "format", NULL);
  if (g_strcmp0 (s, BUNDLE_MAGIC) != 0)
    {
      corrupt (error, what, _("it is not a Kiln model bundle"));
      return NULL;
    }
  n = json_object_get_member (o, "format_version");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || (version = json_node_get_int (n)) < 1)
    {
      corrupt (error, what, _("its format version is missing or invalid"));
      return NULL;
    }
  if (version > KILN_BUNDLE_FORMAT)
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_VERSION,
                   _("“%s” was written by a newer Kiln (bundle format %lld; "
                     "this Kiln %s reads format %d and older): update Kiln to open it"),
                   what, (long long) version, PACKAGE_VERSION, KILN_BUNDLE_FORMAT);
      return NULL;
    }

  b = bundle_alloc ();
  if ((s = get_string (o, "kiln_version", FALSE, what, error)) == NULL)
    return NULL;
  b->kiln_version = g_strdup (s);
  b->created = g_strdup (string_member (o, "created", ""));

  n = json_object_get_member (o, "source");
  if (n && JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonObject *so = json_node_get_object (n);
      JsonNode *f = json_object_get_member (so, "file");
      JsonNode *h = json_object_get_member (so, "sha256");
      if (f && JSON_NODE_HOLDS_VALUE (f) && json_node_get_value_type (f) == G_TYPE_STRING)
        b->source_name = g_strdup (json_node_get_string (f));
      if (h && JSON_NODE_HOLDS_VALUE (h) && json_node_get_value_type (h) == G_TYPE_STRING)
        b->source_sha256 = g_strdup (json_node_get_string (h));
    }

  n = json_object_get_member (o, "schema");
  if (n && JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          KilnBundleColumn bc;
          const char *name, *type, *role;
          KilnColumnType t;

          if (!JSON_NODE_HOLDS_OBJECT (e))
            {
              corrupt (error, what, _("a schema entry is not an object"));
              return NULL;
            }
          if ((name = get_string (json_node_get_object (e), "name", FALSE, what, error)) == NULL ||
              (type = get_string (json_node_get_object (e), "type", FALSE, what, error)) == NULL)
            return NULL;
          if (!kiln_column_type_from_string (type, &t))
            {
              g_autofree char *detail = g_strdup_printf (_("unknown column type “%s”"), type);
              corrupt (error, what, detail);
              return NULL;
            }
          role = string_member (json_node_get_object (e), "role", "unused");
          bc.name = g_strdup (name);
          bc.type = t;
          bc.role = intern_role (role);
          g_array_append_val (b->schema, bc);
        }
    }

  n = json_object_get_member (o, "seed");
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
    b->seed = (guint64) json_node_get_int (n);
  n = json_object_get_member (o, "metrics");
  if (n && !JSON_NODE_HOLDS_NULL (n))
    b->metrics = json_node_copy (n);
  n = json_object_get_member (o, "options");
  if (n && !JSON_NODE_HOLDS_NULL (n))
    b->options = json_node_copy (n);

  n = json_object_get_member (o, "recipe");
  if (n == NULL)
    {
      corrupt (error, what, _("it holds no recipe"));
      return NULL;
    }
  b->recipe = kiln_recipe_from_json (n, &local);
  if (b->recipe == NULL)
    {
      g_autofree char *detail = g_strdup_printf (_("its recipe: %s"), local->message);
      corrupt (error, what, detail);
      return NULL;
    }
  n = json_object_get_member (o, "model");
  if (n == NULL)
    {
      corrupt (error, what, _("it holds no model"));
      return NULL;
    }
  b->model = kiln_model_from_json (n, &local);
  if (b->model == NULL)
    {
      g_autofree char *detail = g_strdup_printf (_("its model: %s"), local->message);
      corrupt (error, what, detail);
      return NULL;
    }
  if (!check_agreement (b->recipe, b->model, &local))
    {
      corrupt (error, what, local->message);
      return NULL;
    }
  n = json_object_get_member (o, "drift");
  if (n && !JSON_NODE_HOLDS_NULL (n))
    {
      b->drift = kiln_drift_from_json (n, &local);
      if (b->drift == NULL)
        {
          corrupt (error, what, local->message);
          return NULL;
        }
    }
  /* The target named at the top level must be the recipe's. */
  if ((s = get_string (o, "target", FALSE, what, error)) == NULL)
    return NULL;
  if (g_strcmp0 (s, kiln_recipe_get_target (b->recipe)) != 0)
    {
      corrupt (error, what, _("its target does not match its recipe"));
      return NULL;
    }
  return g_steal_pointer (&b);
}

/* ---- Files -------------------------------------------------------------------------------- */

static char *
serialize (KilnBundle *bundle, gsize *length)
{
  g_autoptr(JsonNode) root = kiln_bundle_to_json (bundle);

  return kiln_json_to_data (root, FALSE, length);
}

static void
set_content_hash (KilnBundle *bundle, const char *text, gsize length)
{
  if (g_once_init_enter (&bundle->content_hash))
    {
      char *hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) text, length);
      g_once_init_leave (&bundle->content_hash, hash);
    }
}

const char *
kiln_bundle_get_content_hash (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);

  if (g_atomic_pointer_get (&bundle->content_hash) == NULL)
    {
      gsize length;
      g_autofree char *text = serialize (bundle, &length);
      set_content_hash (bundle, text, length);
    }
  return bundle->content_hash;
}

gboolean
kiln_bundle_save (KilnBundle    *bundle,
                  const char    *path,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GOutputStream) fout = NULL;
  g_autoptr(GZlibCompressor) gz = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  g_autofree char *display = NULL;
  gsize length;

  g_return_val_if_fail (bundle != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  text = serialize (bundle, &length);
  set_content_hash (bundle, text, length);

  file = g_file_new_for_path (path);
  fout = kiln_atomic_file_create (file, cancellable, &local);
  if (fout == NULL)
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_OPEN,
                   _("Cannot write “%s”: %s"), display, local->message);
      return FALSE;
    }
  gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  out = g_converter_output_stream_new (fout, G_CONVERTER (gz));
  if (!g_output_stream_write_all (out, text, length, NULL, cancellable, &local) ||
      !g_output_stream_close (out, cancellable, &local))
    {
      /* the temporary file goes; the old one stays */
      kiln_atomic_file_abort (fout);
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_OPEN,
                   _("Cannot write “%s”: %s"), display, local->message);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
gunzip (const guint8 *data, gsize size, const char *what, GError **error)
{
  g_autoptr(GZlibDecompressor) gz = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GByteArray) out = g_byte_array_sized_new (MIN (size * 8, 64 * 1024 * 1024) + 1);
  gsize in_pos = 0;

  for (;;)
    {
      gsize read = 0, written = 0, room;
      g_autoptr(GError) local = NULL;
      GConverterResult r;

      if (out->len + 65536 > G_MAXUINT - 65536)
        {
          corrupt (error, what, _("it is too large"));
          return NULL;
        }
      room = MAX (65536, out->len);
      g_byte_array_set_size (out, out->len + room);
      r = g_converter_convert (G_CONVERTER (gz), data + in_pos, size - in_pos,
                               out->data + out->len - room, room,
                               G_CONVERTER_INPUT_AT_END, &read, &written, &local);
      g_byte_array_set_size (out, out->len - room + written);
      in_pos += read;
      if (r == G_CONVERTER_ERROR)
        {
          g_autofree char *detail = NULL;
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
            continue;   /* the output buffer was too small: grow and retry */
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            detail = g_strdup (_("the file is truncated"));
          else
            detail = g_strdup_printf (_("the file is damaged (%s)"), local->message);
          corrupt (error, what, detail);
          return NULL;
        }
      if (r == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0 && in_pos >= size)
        {
          corrupt (error, what, _("the file is truncated"));
          return NULL;
        }
    }
  if (in_pos != size)
    {
      corrupt (error, what, _("there are stray bytes after the compressed data"));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

KilnBundle *
kiln_bundle_load (const char    *path,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) raw = NULL, text = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *display = NULL;
  g_autofree char *contents = NULL;
  gsize size = 0;
  const guint8 *data;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  file = g_file_new_for_path (path);
  if (!g_file_load_contents (file, cancellable, &contents, &size, NULL, &local))
    {
      g_set_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_OPEN,
                   _("Cannot read “%s”: %s"), display, local->message);
      return NULL;
    }
  raw = g_bytes_new_take (g_steal_pointer (&contents), size);
  data = g_bytes_get_data (raw, &size);
  if (size == 0)
    {
      corrupt (error, display, _("the file is empty"));
      return NULL;
    }
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    {
      text = gunzip (data, size, display, error);
      if (text == NULL)
        return NULL;
    }
  else
    {
      gsize i = 0;
      while (i < size && g_ascii_isspace (data[i]))
        i++;
      if (i == size || data[i] != '{')
        {
          corrupt (error, display, _("it is neither a gzip-compressed nor a JSON Kiln bundle"));
          return NULL;
        }
      text = g_bytes_ref (raw);
    }

  data = g_bytes_get_data (text, &size);
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) size, &local))
    {
      g_autofree char *detail = g_strdup_printf (_("the file is damaged or truncated (%s)"),
                                                 local->message);
      corrupt (error, display, detail);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      corrupt (error, display, _("the file is empty"));
      return NULL;
    }
  /* the content hash is taken (lazily) from the document as Kiln writes it, not from the file's
   * text: a bundle written by another tool or edited by hand hashes the same once saved again */
  return kiln_bundle_from_json (json_parser_get_root (parser), display, error);
}

char *
kiln_bundle_hash_file (const char    *path,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GChecksum) sum = NULL;
  g_autofree guint8 *buf = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_file_new_for_path (path);
  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    return NULL;
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  buf = g_malloc (1 << 20);
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, 1 << 20, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
    }
  return g_strdup (g_checksum_get_string (sum));
}

/* ---- Accessors ---------------------------------------------------------------------------- */

KilnRecipe *
kiln_bundle_get_recipe (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->recipe;
}

KilnModel *
kiln_bundle_get_model (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->model;
}

KilnTask
kiln_bundle_get_task (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, KILN_TASK_CLASSIFICATION);
  return kiln_recipe_get_task (bundle->recipe);
}

const char *
kiln_bundle_get_target (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return kiln_recipe_get_target (bundle->recipe);
}

const char * const *
kiln_bundle_get_classes (KilnBundle *bundle,
                         guint      *n_classes)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  if (kiln_recipe_get_task (bundle->recipe) != KILN_TASK_CLASSIFICATION)
    {
      if (n_classes)
        *n_classes = 0;
      return NULL;
    }
  return kiln_recipe_get_classes (bundle->recipe, n_classes);
}

const KilnRecipeColumn *
kiln_bundle_get_input_columns (KilnBundle *bundle,
                               guint      *n_columns)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return kiln_recipe_get_input_columns (bundle->recipe, n_columns);
}

const KilnBundleColumn *
kiln_bundle_get_schema (KilnBundle *bundle,
                        guint      *n_columns)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  if (n_columns)
    *n_columns = bundle->schema->len;
  return (const KilnBundleColumn *) bundle->schema->data;
}

JsonNode *
kiln_bundle_get_metrics (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->metrics;
}

JsonNode *
kiln_bundle_get_options (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->options;
}

guint64
kiln_bundle_get_seed (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, 0);
  return bundle->seed;
}

const KilnDrift *
kiln_bundle_get_drift (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->drift;
}

const char *
kiln_bundle_get_source_name (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->source_name;
}

const char *
kiln_bundle_get_source_sha256 (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->source_sha256;
}

const char *
kiln_bundle_get_kiln_version (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->kiln_version;
}

const char *
kiln_bundle_get_created (KilnBundle *bundle)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  return bundle->created;
}
