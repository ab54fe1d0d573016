/* kiln-prep-settings.c: the user's preparation settings, their recipe, JSON and PREP FLAGS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-prep-settings.h"

void
kiln_prep_settings_init_empty (KilnPrepSettings *settings)
{
  g_return_if_fail (settings != NULL);

  memset (settings, 0, sizeof *settings);
  settings->dropped = g_new0 (char *, 1);
  settings->text = g_new0 (char *, 1);
  kiln_text_options_init (&settings->text_options);
  settings->iqr_k = 1.5;
  settings->impute_strategy = KILN_IMPUTE_MEDIAN;
  settings->encoding = KILN_ENCODE_ONEHOT;
  settings->scaling = KILN_SCALE_NONE;
  settings->split = (KilnSplitFractions) { 0.8, 0.0, 0.2 };
  settings->stratify = TRUE;
  settings->seed = 42;
}

void
kiln_prep_settings_init (KilnPrepSettings *settings)
{
  g_return_if_fail (settings != NULL);

  kiln_prep_settings_init_empty (settings);
  settings->impute = TRUE;
  settings->encode = TRUE;
  settings->scale_auto = TRUE;
}

void
kiln_prep_settings_clear (KilnPrepSettings *settings)
{
  g_return_if_fail (settings != NULL);

  g_clear_pointer (&settings->dropped, g_strfreev);
  g_clear_pointer (&settings->text, g_strfreev);
  g_clear_pointer (&settings->split_by, g_free);
}

void
kiln_prep_settings_copy (const KilnPrepSettings *src,
                         KilnPrepSettings       *dest)
{
  g_return_if_fail (src != NULL && dest != NULL);

  *dest = *src;
  dest->dropped = src->dropped ? g_strdupv (src->dropped) : g_new0 (char *, 1);
  dest->text = src->text ? g_strdupv (src->text) : g_new0 (char *, 1);
  dest->split_by = g_strdup (src->split_by);
}

/* ---- The recipe ---------------------------------------------------------------------------- */

KilnRecipe *
kiln_prep_settings_to_recipe (const KilnPrepSettings  *settings,
                              const char              *target,
                              gboolean                 needs_scaling,
                              gboolean                 accepts_missing,
                              GError                 **error)
{
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  KilnScaling scaling;

  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (settings->iqr && !(settings->iqr_k >= 0 && isfinite (settings->iqr_k)))
    {
      g_autofree char *k = g_strdup_printf ("%g", settings->iqr_k);
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("--iqr “%s” is not a number ≥ 0"), k);
      return NULL;
    }
  if (settings->iqr_clip && !settings->iqr)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS, _("--clip needs --iqr K"));
      return NULL;
    }
  if (settings->impute && settings->impute_strategy == KILN_IMPUTE_CONSTANT)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                   _("%s “%s” is not one of: %s"), "--impute", "constant",
                   "mean, median, mode, drop");
      return NULL;
    }

  if (target)
    kiln_recipe_set_target (recipe, target);
  kiln_recipe_set_keeps_missing (recipe, accepts_missing);
  if (settings->dropped && settings->dropped[0])
    kiln_recipe_add_step (recipe,
                          kiln_step_new_drop_columns ((const char * const *) settings->dropped));
  if (settings->text && settings->text[0] && !kiln_text_options_check (&settings->text_options, error))
    return NULL;

  if (settings->dedupe)
    kiln_recipe_add_step (recipe, kiln_step_new_dedupe ());
  if (settings->text && settings->text[0])
    kiln_recipe_add_step (recipe, kiln_step_new_text (&settings->text_options,
                                                      (const char * const *) settings->text));
  if (settings->iqr)
    kiln_recipe_add_step (recipe, kiln_step_new_iqr (settings->iqr_k,
                                                     settings->iqr_clip ? KILN_IQR_CLIP
                                                                        : KILN_IQR_DROP,
                                                     NULL));
  if (settings->impute && (!accepts_missing || settings->impute_strategy == KILN_IMPUTE_DROP))
    kiln_recipe_add_step (recipe, kiln_step_new_impute (settings->impute_strategy, NULL));
  if (settings->encode)
    kiln_recipe_add_step (recipe, kiln_step_new_encode (settings->encoding, NULL));
  scaling = settings->scale_auto ? (needs_scaling ? KILN_SCALE_STANDARD : KILN_SCALE_NONE)
                                 : settings->scaling;
  if (scaling != KILN_SCALE_NONE)
    kiln_recipe_add_step (recipe, kiln_step_new_scale (scaling, NULL));
  return g_steal_pointer (&recipe);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
kiln_prep_settings_to_json (const KilnPrepSettings *settings)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (settings != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dedupe");
  json_builder_add_boolean_value (b, settings->dedupe);
  json_builder_set_member_name (b, "iqr");
  json_builder_add_boolean_value (b, settings->iqr);
  json_builder_set_member_name (b, "iqr_k");
  json_builder_add_double_value (b, settings->iqr_k);
  json_builder_set_member_name (b, "iqr_clip");
  json_builder_add_boolean_value (b, settings->iqr_clip);
  add_string (b, "impute", settings->impute ? kiln_impute_strategy_to_string (settings->impute_strategy)
                                            : NULL);
  add_string (b, "encode", settings->encode ? kiln_encoding_to_string (settings->encoding) : NULL);
  add_string (b, "scale", settings->scale_auto ? "auto" : kiln_scaling_to_string (settings->scaling));
  json_builder_set_member_name (b, "split");
  json_builder_begin_array (b);
  json_builder_add_double_value (b, settings->split.train);
  json_builder_add_double_value (b, settings->split.validation);
  json_builder_add_double_value (b, settings->split.test);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "stratify");
  json_builder_add_boolean_value (b, settings->stratify);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) settings->seed);
  json_builder_set_member_name (b, "dropped");
  json_builder_begin_array (b);
  for (guint i = 0; settings->dropped && settings->dropped[i]; i++)
    json_builder_add_string_value (b, settings->dropped[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "text");
  json_builder_begin_array (b);
  for (guint i = 0; settings->text && settings->text[i]; i++)
    json_builder_add_string_value (b, settings->text[i]);
  json_builder_end_array (b);
  {
    const KilnTextOptions *t = &settings->text_options;
    const struct { const char *name; guint value; } members[] = {
      { "char_min", t->char_min }, { "char_max", t->char_max },
      { "char_within_words", t->char_within_words }, { "word_min", t->word_min },
      { "word_max", t->word_max }, { "min_df", t->min_df },
      { "max_features", t->max_features }, { "sublinear_tf", t->sublinear_tf },
      { "row_length", t->row_length }, { "char_joins", t->char_joins },
    };
    json_builder_set_member_name (b, "text_options");
    json_builder_begin_object (b);
    for (guint i = 0; i < G_N_ELEMENTS (members); i++)
      {
        json_builder_set_member_name (b, members[i].name);
        json_builder_add_int_value (b, members[i].value);
      }
    json_builder_end_object (b);
  }
  add_string (b, "split_by", settings->split_by);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
format_error (GError **error, const char *member)
{
  g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT,
               _("The preparation settings’ “%s” is not valid"), member);
  return FALSE;
}

/* A member of @type into @out, or absent (@out unchanged); FALSE with an error otherwise. */
static gboolean
read_value (JsonObject  *o,
            const char  *name,
            GType        type,
            gpointer     out,
            GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);
  GType have;

  if (n == NULL)
    return TRUE;
  have = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;
  if (type == G_TYPE_BOOLEAN && have == G_TYPE_BOOLEAN)
    *(gboolean *) out = json_node_get_boolean (n);
  else if (type == G_TYPE_DOUBLE && (have == G_TYPE_DOUBLE || have == G_TYPE_INT64)
           && isfinite (json_node_get_double (n)))   /* 1e999 reads as inf, which JSON cannot hold */
    *(double *) out = json_node_get_double (n);
  else if (type == G_TYPE_UINT64 && have == G_TYPE_INT64)
    *(guint64 *) out = (guint64) json_node_get_int (n);
  else
    return format_error (error, name);
  return TRUE;
}

/* A member holding an array of column names into *@names (replacing it), or absent. */
static gboolean
read_names (JsonObject  *o,
            const char  *name,
            char      ***names_out,
            GError     **error)
{
  JsonNode *n = json_object_get_member (o, name);
  JsonArray *a;
  GPtrArray *names;

  if (n == NULL)
    return TRUE;
  a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  names = g_ptr_array_new ();
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
        g_ptr_array_add (names, g_strdup (json_node_get_string (e)));
      else
        a = NULL;
    }
  g_ptr_array_add (names, NULL);
  if (a == NULL)
    {
      g_strfreev ((char **) g_ptr_array_free (names, FALSE));
      return format_error (error, name);
    }
  g_strfreev (*names_out);
  *names_out = (char **) g_ptr_array_free (names, FALSE);
  return TRUE;
}

gboolean
kiln_prep_settings_from_json (KilnPrepSettings  *settings,
                              JsonNode          *node,
                              GError           **error)
{
  KilnPrepSettings s;
  JsonObject *o;
  JsonNode *n;

  g_return_val_if_fail (settings != NULL && node != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return format_error (error, "prep");
  o = json_node_get_object (node);
  kiln_prep_settings_copy (settings, &s);

  if (!read_value (o, "dedupe", G_TYPE_BOOLEAN, &s.dedupe, error)
      || !read_value (o, "iqr", G_TYPE_BOOLEAN, &s.iqr, error)
      || !read_value (o, "iqr_k", G_TYPE_DOUBLE, &s.iqr_k, error)
      || !read_value (o, "iqr_clip", G_TYPE_BOOLEAN, &s.iqr_clip, error)
      || !read_value (o, "stratify", G_TYPE_BOOLEAN, &s.stratify, error)
      || !read_value (o, "seed", G_TYPE_UINT64, &s.seed, error))
    goto fail;
  if ((n = json_object_get_member (o, "impute")) != NULL)
    {
      if (JSON_NODE_HOLDS_NULL (n))
        s.impute = FALSE;
      else if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
               && kiln_impute_strategy_from_string (json_node_get_string (n), &s.impute_strategy)
               && s.impute_strategy != KILN_IMPUTE_CONSTANT)
        s.impute = TRUE;
      else
        {
          format_error (error, "impute");
          goto fail;
        }
    }
  if ((n = json_object_get_member (o, "encode")) != NULL)
    {
      if (JSON_NODE_HOLDS_NULL (n))
        s.encode = FALSE;
      else if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
               && kiln_encoding_from_string (json_node_get_string (n), &s.encoding))
        s.encode = TRUE;
      else
        {
          format_error (error, "encode");
          goto fail;
        }
    }
  if ((n = json_object_get_member (o, "scale")) != NULL)
    {
      const char *v = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                      ? json_node_get_string (n) : NULL;
      if (g_strcmp0 (v, "auto") == 0)
        s.scale_auto = TRUE;
      else if (v != NULL && kiln_scaling_from_string (v, &s.scaling))
        s.scale_auto = FALSE;
      else
        {
          format_error (error, "scale");
          goto fail;
        }
    }
  if ((n = json_object_get_member (o, "split")) != NULL)
    {
      JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
      double v[3];

      for (guint i = 0; a != NULL && i < 3 && json_array_get_length (a) == 3; i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          if (!JSON_NODE_HOLDS_VALUE (e) || (json_node_get_value_type (e) != G_TYPE_DOUBLE
                                             && json_node_get_value_type (e) != G_TYPE_INT64)
              || !isfinite (json_node_get_double (e)))
            a = NULL;
          else
            v[i] = json_node_get_double (e);
        }
      if (a == NULL || json_array_get_length (a) != 3)
        {
          format_error (error, "split");
          goto fail;
        }
      s.split = (KilnSplitFractions) { v[0], v[1], v[2] };
    }
  if (!read_names (o, "dropped", &s.dropped, error) || !read_names (o, "text", &s.text, error))
    goto fail;
  if ((n = json_object_get_member (o, "text_options")) != NULL)
    {
      KilnTextOptions *t = &s.text_options;
      struct { const char *name; guint *value; } members[] = {
        { "char_min", &t->char_min }, { "char_max", &t->char_max },
        { "char_within_words", (guint *) &t->char_within_words }, { "word_min", &t->word_min },
        { "word_max", &t->word_max }, { "min_df", &t->min_df },
        { "max_features", &t->max_features }, { "sublinear_tf", (guint *) &t->sublinear_tf },
        { "row_length", &t->row_length }, { "char_joins", (guint *) &t->char_joins },
      };
      JsonObject *to = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;

      for (guint i = 0; to != NULL && i < G_N_ELEMENTS (members); i++)
        {
          JsonNode *m = json_object_get_member (to, members[i].name);
          if (m == NULL)
            continue;
          if (!JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_INT64
              || json_node_get_int (m) < 0 || json_node_get_int (m) > G_MAXINT32)
            to = NULL;
          else
            *members[i].value = (guint) json_node_get_int (m);
        }
      t->char_within_words = !!t->char_within_words;
      t->sublinear_tf = !!t->sublinear_tf;
      t->char_joins = !!t->char_joins;
      if (to == NULL || !kiln_text_options_check (t, NULL))
        {
          format_error (error, "text_options");
          goto fail;
        }
    }
  /* a split by time: absent in files older than it (then as before) */
  if ((n = json_object_get_member (o, "split_by")) != NULL)
    {
      if (!JSON_NODE_HOLDS_NULL (n)
          && !(JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING))
        {
          format_error (error, "split_by");
          goto fail;
        }
      g_free (s.split_by);
      s.split_by = JSON_NODE_HOLDS_NULL (n) ? NULL : g_strdup (json_node_get_string (n));
    }
  kiln_prep_settings_clear (settings);
  *settings = s;
  return TRUE;

fail:
  kiln_prep_settings_clear (&s);
  return FALSE;
}

/* ---- PREP FLAGS ------------------------------------------------------------------------- */

static gboolean
bad_value (GError **error, const char *flag, const char *value, const char *allowed)
{
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("%s “%s” is not one of: %s"), flag, value, allowed);
  return FALSE;
}

static gboolean
parse_flag (const char  *name,
            const char  *value,
            gpointer     data,
            GError     **error)
{
  KilnPrepSettings *s = data;

  if (strcmp (name, "--dedupe") == 0)
    s->dedupe = TRUE;
  else if (strcmp (name, "--clip") == 0)
    s->iqr_clip = TRUE;
  else if (strcmp (name, "--iqr") == 0)
    {
      char *end = NULL;
      double k = g_ascii_strtod (value, &end);
      if (value[0] == '\0' || end == NULL || *end != '\0' || !isfinite (k) || k < 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--iqr “%s” is not a number ≥ 0"), value);
          return FALSE;
        }
      s->iqr = TRUE;
      s->iqr_k = k;
    }
  else if (strcmp (name, "--impute") == 0)
    {
      if (!kiln_impute_strategy_from_string (value, &s->impute_strategy)
          || s->impute_strategy == KILN_IMPUTE_CONSTANT)
        return bad_value (error, name, value, "mean, median, mode, drop");
      s->impute = TRUE;
    }
  else if (strcmp (name, "--encode") == 0)
    {
      if (!kiln_encoding_from_string (value, &s->encoding))
        return bad_value (error, name, value, "onehot, ordinal");
      s->encode = TRUE;
    }
  else if (strcmp (name, "--scale") == 0)
    {
      if (!kiln_scaling_from_string (value, &s->scaling))
        return bad_value (error, name, value, "standard, minmax, none");
      s->scale_auto = FALSE;
    }
  else if (strcmp (name, "--drop") == 0 || strcmp (name, "--text") == 0)
    {
      char ***list = strcmp (name, "--drop") == 0 ? &s->dropped : &s->text;
      g_auto(GStrv) parts = g_strsplit (value, ",", -1);
      GPtrArray *names = g_ptr_array_new ();

      for (guint i = 0; *list && (*list)[i]; i++)
        g_ptr_array_add (names, (*list)[i]);
      for (guint j = 0; parts[j]; j++)
        if (parts[j][0] && !g_strv_contains ((const char * const *) *list, parts[j]))
          g_ptr_array_add (names, g_strdup (parts[j]));
      g_ptr_array_add (names, NULL);
      g_free (*list);
      *list = (char **) g_ptr_array_free (names, FALSE);
    }
  else if (strcmp (name, "--text-chars") == 0 || strcmp (name, "--text-words") == 0)
    {
      guint64 lo = 0, hi = 0;
      g_auto(GStrv) parts = g_strsplit (value, ",", -1);
      KilnTextOptions t = s->text_options;

      if (g_strv_length (parts) == 1 && g_ascii_string_to_unsigned (parts[0], 10, 0, 0, &lo, NULL))
        hi = 0;
      else if (g_strv_length (parts) != 2
               || !g_ascii_string_to_unsigned (parts[0], 10, 1, KILN_TEXT_MAX_NGRAM, &lo, NULL)
               || !g_ascii_string_to_unsigned (parts[1], 10, lo, KILN_TEXT_MAX_NGRAM, &hi, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("%s “%s” is not MIN,MAX (1 … %u) or 0"), name, value, KILN_TEXT_MAX_NGRAM);
          return FALSE;
        }
      if (strcmp (name, "--text-chars") == 0)
        t.char_min = (guint) lo, t.char_max = (guint) hi;
      else
        t.word_min = (guint) lo, t.word_max = (guint) hi;
      s->text_options = t;
    }
  else if (strcmp (name, "--text-across") == 0)
    s->text_options.char_within_words = FALSE;
  else if (strcmp (name, "--text-no-joins") == 0)
    s->text_options.char_joins = FALSE;
  else if (strcmp (name, "--text-min-df") == 0 || strcmp (name, "--text-max-features") == 0)
    {
      guint64 v;
      gboolean min_df = strcmp (name, "--text-min-df") == 0;

      if (!g_ascii_string_to_unsigned (value, 10, min_df ? 1 : 0, G_MAXINT32, &v, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("%s “%s” is not a whole number"), name, value);
          return FALSE;
        }
      if (min_df)
        s->text_options.min_df = (guint) v;
      else
        s->text_options.max_features = (guint) v;
    }
  else
    g_return_val_if_reached (FALSE);
  return TRUE;
}

void
kiln_prep_settings_add_entries (GOptionGroup *group)
{
  const GOptionEntry entries[] = {
    { "dedupe", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Remove duplicate rows (keeping the first)"), NULL },
    { "iqr", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Remove rows with values outside Q1 − K×IQR … Q3 + K×IQR (1.5 is usual)"), N_("K") },
    { "clip", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("With --iqr: clip outliers to the bounds instead of removing rows"), NULL },
    { "impute", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Fill missing values: mean, median, mode, or drop the rows"), N_("HOW") },
    { "encode", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Encode categorical columns: onehot or ordinal"), N_("HOW") },
    { "scale", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Scale numeric columns: standard, minmax or none"), N_("HOW") },
    { "drop", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Leave out a column (repeatable or comma-separated)"), N_("COLUMN") },
    { "text", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Use a text column's words and character pieces as features (repeatable or comma-separated)"),
      N_("COLUMN") },
    { "text-chars", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Character pieces of MIN to MAX characters within words (default 1,3; 0: none)"),
      N_("MIN,MAX") },
    { "text-across", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Character pieces run across words instead of within them"), NULL },
    { "text-no-joins", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Without the character pieces that join each word to the next (last character, space, first character)"),
      NULL },
    { "text-words", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Word n-grams of MIN to MAX words (default 1,2; 0: none)"), N_("MIN,MAX") },
    { "text-min-df", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Keep text terms found in at least N training rows (default 2)"), N_("N") },
    { "text-max-features", 0, 0, G_OPTION_ARG_CALLBACK, parse_flag,
      N_("Keep at most N text terms per column, the most frequent (0: no limit)"), N_("N") },
    { NULL }
  };

  g_return_if_fail (group != NULL);
  g_option_group_add_entries (group, entries);
}
