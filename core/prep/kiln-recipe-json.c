/* kiln-recipe-json.c: the recipe as JSON (inside the model bundle), and back, exactly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Doubles go through json-glib, which prints them with 17 significant digits; NaN, the
 * infinities and -0 have no JSON number, so they are written as the strings "nan", "inf",
 * "-inf" and "-0".
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-prep-private.h"

#define RECIPE_FORMAT 1

/* ---- Writing ------------------------------------------------------------------------------ */

static void
add_double (JsonBuilder *b, double v)
{
  if (isnan (v))
    json_builder_add_string_value (b, "nan");
  else if (isinf (v))
    json_builder_add_string_value (b, v > 0 ? "inf" : "-inf");
  else if (v == 0 && signbit (v))
    json_builder_add_string_value (b, "-0");
  else
    json_builder_add_double_value (b, v);
}

static void
add_doubles (JsonBuilder *b, const char *name, const double *v, guint n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    add_double (b, v[i]);
  json_builder_end_array (b);
}

static void
add_strings (JsonBuilder *b, const char *name, char **v, gint n)
{
  json_builder_set_member_name (b, name);
  if (v == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_array (b);
  for (gint i = 0; n < 0 ? v[i] != NULL : i < n; i++)
    {
      if (v[i])
        json_builder_add_string_value (b, v[i]);
      else
        json_builder_add_null_value (b);
    }
  json_builder_end_array (b);
}

static void
add_columns (JsonBuilder *b, const char *name, const KilnRecipeColumn *cols, guint n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, cols[i].name);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, kiln_column_type_to_string (cols[i].type));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
step_to_json (KilnStep *step, JsonBuilder *b)
{
  guint n = step->n_columns;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kiln_step_kind_to_string (step->kind));
  add_strings (b, "columns", step->asked, -1);
  switch (step->kind)
    {
    case KILN_STEP_IQR:
      json_builder_set_member_name (b, "k");
      add_double (b, step->k);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, step->action == KILN_IQR_CLIP ? "clip" : "drop");
      break;
    case KILN_STEP_IMPUTE:
      json_builder_set_member_name (b, "strategy");
      json_builder_add_string_value (b, kiln_impute_strategy_to_string (step->strategy));
      json_builder_set_member_name (b, "number");
      add_double (b, step->const_number);
      json_builder_set_member_name (b, "text");
      if (step->const_text)
        json_builder_add_string_value (b, step->const_text);
      else
        json_builder_add_null_value (b);
      break;
    case KILN_STEP_ENCODE:
      json_builder_set_member_name (b, "encoding");
      json_builder_add_string_value (b, kiln_encoding_to_string (step->encoding));
      break;
    case KILN_STEP_SCALE:
      json_builder_set_member_name (b, "scaling");
      json_builder_add_string_value (b, kiln_scaling_to_string (step->scaling));
      break;
    case KILN_STEP_TEXT:
      {
        const KilnTextOptions *t = &step->text;
        const struct { const char *name; guint value; } members[] = {
          { "char_min", t->char_min }, { "char_max", t->char_max },
          { "char_within_words", t->char_within_words }, { "word_min", t->word_min },
          { "word_max", t->word_max }, { "min_df", t->min_df },
          { "max_features", t->max_features }, { "sublinear_tf", t->sublinear_tf },
      { "row_length", t->row_length }, { "char_joins", t->char_joins },
        };
        json_builder_set_member_name (b, "text");
        json_builder_begin_object (b);
        for (guint i = 0; i < G_N_ELEMENTS (members); i++)
          {
            json_builder_set_member_name (b, members[i].name);
            json_builder_add_int_value (b, members[i].value);
          }
        json_builder_end_object (b);
      }
      break;
    case KILN_STEP_DROP_COLUMNS:
    case KILN_STEP_DEDUPE:
    case KILN_STEP_TARGET:
    default:
      break;
    }

  if (step->fitted)
    {
      json_builder_set_member_name (b, "fitted");
      json_builder_begin_object (b);
      add_strings (b, "columns", step->columns, (gint) n);
      switch (step->kind)
        {
        case KILN_STEP_IQR:
          add_doubles (b, "q1", step->q1, n);
          add_doubles (b, "q3", step->q3, n);
          add_doubles (b, "lower", step->lower, n);
          add_doubles (b, "upper", step->upper, n);
          break;
        case KILN_STEP_IMPUTE:
          json_builder_set_member_name (b, "strategies");
          json_builder_begin_array (b);
          for (guint i = 0; i < n; i++)
            json_builder_add_string_value (b, kiln_impute_strategy_to_string (step->col_strategy[i]));
          json_builder_end_array (b);
          add_doubles (b, "numbers", step->fill_number, n);
          add_strings (b, "texts", step->fill_text, (gint) n);
          break;
        case KILN_STEP_ENCODE:
          json_builder_set_member_name (b, "categories");
          json_builder_begin_array (b);
          for (guint i = 0; i < n; i++)
            {
              GPtrArray *cats = step->categories[i];
              json_builder_begin_array (b);
              for (guint j = 0; j < cats->len; j++)
                json_builder_add_string_value (b, cats->pdata[j]);
              json_builder_end_array (b);
            }
          json_builder_end_array (b);
          break;
        case KILN_STEP_SCALE:
          add_doubles (b, "offset", step->offset, n);
          add_doubles (b, "scale", step->scale, n);
          break;
        case KILN_STEP_TEXT:
          json_builder_set_member_name (b, "vocabularies");
          json_builder_begin_array (b);
          for (guint i = 0; i < n; i++)
            {
              const KilnTextVocab *v = step->vocab[i];
              const char * const *terms = _kiln_text_vocab_terms (v);
              guint n_terms = _kiln_text_vocab_size (v), n_char = _kiln_text_vocab_n_char (v);
              const guint32 *df = _kiln_text_vocab_df (v);

              json_builder_begin_object (b);
              json_builder_set_member_name (b, "documents");
              json_builder_add_int_value (b, _kiln_text_vocab_n_docs (v));
              add_strings (b, "chars", (char **) terms, (gint) n_char);
              add_strings (b, "words", (char **) terms + n_char, (gint) (n_terms - n_char));
              json_builder_set_member_name (b, "df");
              json_builder_begin_array (b);
              for (guint t = 0; t < n_terms; t++)
                json_builder_add_int_value (b, df[t]);
              json_builder_end_array (b);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          break;
        case KILN_STEP_DROP_COLUMNS:
        case KILN_STEP_DEDUPE:
        case KILN_STEP_TARGET:
        default:
          break;
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

JsonNode *
kiln_recipe_to_json (KilnRecipe *recipe)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (recipe != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, RECIPE_FORMAT);
  json_builder_set_member_name (b, "fitted");
  json_builder_add_boolean_value (b, recipe->fitted);
  json_builder_set_member_name (b, "target");
  if (recipe->target)
    json_builder_add_string_value (b, recipe->target);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, kiln_task_to_string (recipe->task));
  json_builder_set_member_name (b, "task_set");
  json_builder_add_boolean_value (b, recipe->task_set);
  if (recipe->keeps_missing)
    {
      /* only when set: recipes saved before (and readers of them) are unaffected */
      json_builder_set_member_name (b, "keeps_missing");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (recipe->fitted)
    {
      json_builder_set_member_name (b, "target_type");
      json_builder_add_string_value (b, kiln_column_type_to_string (recipe->target_type));
      add_strings (b, "classes", recipe->classes, -1);
      /* the text features' names come from the TEXT steps' vocabularies */
      add_strings (b, "features", recipe->features, (gint) (recipe->n_features - recipe->n_text));
      if (recipe->coded)
        add_strings (b, "onehot_codes", recipe->onehot, -1);
      add_columns (b, "input_columns", recipe->inputs, recipe->n_inputs);
      add_columns (b, "schema", recipe->schema, recipe->n_schema);
    }
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint s = 0; s < recipe->steps->len; s++)
    step_to_json (recipe->steps->pdata[s], b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- Reading ------------------------------------------------------------------------------ */

static gboolean
format_error (GError **error, const char *what)
{
  g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT,
               _("The saved recipe is damaged: %s"), what);
  return FALSE;
}

static gboolean
read_double (JsonNode *node, double *out)
{
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_DOUBLE:
      *out = json_node_get_double (node);
      return TRUE;
    case G_TYPE_INT64:
      *out = (double) json_node_get_int (node);
      return TRUE;
    case G_TYPE_STRING:
      {
        const char *s = json_node_get_string (node);
        if (strcmp (s, "nan") == 0)
          *out = NAN;
        else if (strcmp (s, "inf") == 0)
          *out = INFINITY;
        else if (strcmp (s, "-inf") == 0)
          *out = -INFINITY;
        else if (strcmp (s, "-0") == 0)
          *out = -0.0;
        else
          return FALSE;
        return TRUE;
      }
    default:
      return FALSE;
    }
}

static gboolean
member_double (JsonObject *o, const char *name, double *out, GError **error)
{
  if (!read_double (json_object_get_member (o, name), out))
    return format_error (error, name);
  return TRUE;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
member_bool (JsonObject *o, const char *name, gboolean *out)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

static JsonArray *
member_array (JsonObject *o, const char *name, guint expect, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    {
      format_error (error, name);
      return NULL;
    }
  if (expect != G_MAXUINT && json_array_get_length (json_node_get_array (node)) != expect)
    {
      format_error (error, name);
      return NULL;
    }
  return json_node_get_array (node);
}

/* NULL-terminated strings; nullable elements become NULL only if @allow_null (then the result
 * is an array of @n entries). A JSON null for the whole member gives *out = NULL. */
static gboolean
member_strings (JsonObject *o, const char *name, gboolean allow_null, guint expect,
                char ***out, guint *n_out, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);
  JsonArray *a;
  guint n;
  char **v;

  *out = NULL;
  if (node != NULL && JSON_NODE_HOLDS_NULL (node) && expect == G_MAXUINT)
    {
      if (n_out)
        *n_out = 0;
      return TRUE;
    }
  a = member_array (o, name, expect, error);
  if (a == NULL)
    return FALSE;
  n = json_array_get_length (a);
  v = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_NULL (e) && allow_null)
        continue;
      if (JSON_NODE_TYPE (e) != JSON_NODE_VALUE || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          for (guint j = 0; j < n; j++)
            g_free (v[j]);
          g_free (v);
          return format_error (error, name);
        }
      v[i] = g_strdup (json_node_get_string (e));
    }
  *out = v;
  if (n_out)
    *n_out = n;
  return TRUE;
}

static double *
member_doubles (JsonObject *o, const char *name, guint n, GError **error)
{
  JsonArray *a = member_array (o, name, n, error);
  double *v;

  if (a == NULL)
    return NULL;
  v = g_new (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    if (!read_double (json_array_get_element (a, i), &v[i]))
      {
        g_free (v);
        format_error (error, name);
        return NULL;
      }
  return v;
}

static gboolean
member_columns (JsonObject *o, const char *name, KilnRecipeColumn **out, guint *n_out,
                GError **error)
{
  JsonArray *a = member_array (o, name, G_MAXUINT, error);
  guint n;
  KilnRecipeColumn *cols;

  if (a == NULL)
    return FALSE;
  n = json_array_get_length (a);
  cols = g_new0 (KilnRecipeColumn, MAX (n, 1));
  *out = cols;
  *n_out = n;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      const char *cname, *type;
      if (JSON_NODE_TYPE (e) != JSON_NODE_OBJECT)
        return format_error (error, name);
      cname = member_string (json_node_get_object (e), "name");
      type = member_string (json_node_get_object (e), "type");
      if (cname == NULL || type == NULL || !kiln_column_type_from_string (type, &cols[i].type))
        return format_error (error, name);
      cols[i].name = g_strdup (cname);
    }
  return TRUE;
}

static KilnStep *
step_from_json (JsonNode *node, GError **error)
{
  JsonObject *o, *f;
  const char *s;
  KilnStepKind kind;
  g_autoptr(KilnStep) step = NULL;
  char **asked = NULL;
  guint n;

  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    {
      format_error (error, "steps");
      return NULL;
    }
  o = json_node_get_object (node);
  s = member_string (o, "kind");
  if (s == NULL || !kiln_step_kind_from_string (s, &kind) || kind == KILN_STEP_TARGET)
    {
      format_error (error, "kind");
      return NULL;
    }
  if (!member_strings (o, "columns", FALSE, G_MAXUINT, &asked, NULL, error))
    return NULL;
  step = _kiln_step_new (kind, (const char * const *) asked);
  g_strfreev (asked);

  switch (kind)
    {
    case KILN_STEP_IQR:
      if (!member_double (o, "k", &step->k, error))
        return NULL;
      s = member_string (o, "action");
      if (g_strcmp0 (s, "clip") == 0)
        step->action = KILN_IQR_CLIP;
      else if (g_strcmp0 (s, "drop") == 0)
        step->action = KILN_IQR_DROP;
      else
        {
          format_error (error, "action");
          return NULL;
        }
      break;
    case KILN_STEP_IMPUTE:
      s = member_string (o, "strategy");
      if (s == NULL || !kiln_impute_strategy_from_string (s, &step->strategy) ||
          !member_double (o, "number", &step->const_number, error))
        {
          if (error && *error == NULL)
            format_error (error, "strategy");
          return NULL;
        }
      step->const_text = g_strdup (member_string (o, "text"));
      break;
    case KILN_STEP_ENCODE:
      s = member_string (o, "encoding");
      if (s == NULL || !kiln_encoding_from_string (s, &step->encoding))
        {
          format_error (error, "encoding");
          return NULL;
        }
      break;
    case KILN_STEP_SCALE:
      s = member_string (o, "scaling");
      if (s == NULL || !kiln_scaling_from_string (s, &step->scaling))
        {
          format_error (error, "scaling");
          return NULL;
        }
      break;
    case KILN_STEP_TEXT:
      {
        KilnTextOptions *t = &step->text;
        struct { const char *name; guint *value; } members[] = {
          { "char_min", &t->char_min }, { "char_max", &t->char_max },
          { "char_within_words", (guint *) &t->char_within_words }, { "word_min", &t->word_min },
          { "word_max", &t->word_max }, { "min_df", &t->min_df },
          { "max_features", &t->max_features }, { "sublinear_tf", (guint *) &t->sublinear_tf },
        { "row_length", &t->row_length },
        };
        JsonNode *tn = json_object_get_member (o, "text");
        JsonObject *to;

        if (tn == NULL || !JSON_NODE_HOLDS_OBJECT (tn))
          {
            format_error (error, "text");
            return NULL;
          }
        to = json_node_get_object (tn);
        for (guint i = 0; i < G_N_ELEMENTS (members); i++)
          {
            JsonNode *m = json_object_get_member (to, members[i].name);
            gint64 v;
            if (m == NULL || !JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_INT64
                || (v = json_node_get_int (m)) < 0 || v > G_MAXINT32)
              {
                format_error (error, members[i].name);
                return NULL;
              }
            *members[i].value = (guint) v;
          }
        t->char_within_words = !!t->char_within_words;
        t->sublinear_tf = !!t->sublinear_tf;
        /* recipes saved before the joining pieces have none */
        t->char_joins = FALSE;
        {
          JsonNode *m = json_object_get_member (to, "char_joins");
          if (m != NULL)
            {
              if (!JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_INT64
                  || json_node_get_int (m) < 0 || json_node_get_int (m) > 1)
                {
                  format_error (error, "char_joins");
                  return NULL;
                }
              t->char_joins = json_node_get_int (m) != 0;
            }
        }
        if (!kiln_text_options_check (t, NULL))
          {
            format_error (error, "text");
            return NULL;
          }
      }
      break;
    case KILN_STEP_DROP_COLUMNS:
    case KILN_STEP_DEDUPE:
    case KILN_STEP_TARGET:
    default:
      break;
    }

  if (!json_object_has_member (o, "fitted"))
    return g_steal_pointer (&step);
  if (JSON_NODE_TYPE (json_object_get_member (o, "fitted")) != JSON_NODE_OBJECT)
    {
      format_error (error, "fitted");
      return NULL;
    }
  f = json_object_get_object_member (o, "fitted");
  if (!member_strings (f, "columns", FALSE, G_MAXUINT, &step->columns, &n, error))
    return NULL;
  if (step->columns == NULL)
    step->columns = g_new0 (char *, 1);
  step->n_columns = n;
  switch (kind)
    {
    case KILN_STEP_IQR:
      if (!(step->q1 = member_doubles (f, "q1", n, error)) ||
          !(step->q3 = member_doubles (f, "q3", n, error)) ||
          !(step->lower = member_doubles (f, "lower", n, error)) ||
          !(step->upper = member_doubles (f, "upper", n, error)))
        return NULL;
      break;
    case KILN_STEP_IMPUTE:
      {
        JsonArray *a = member_array (f, "strategies", n, error);
        if (a == NULL)
          return NULL;
        step->col_strategy = g_new (KilnImputeStrategy, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          {
            JsonNode *e = json_array_get_element (a, i);
            if (JSON_NODE_TYPE (e) != JSON_NODE_VALUE ||
                json_node_get_value_type (e) != G_TYPE_STRING ||
                !kiln_impute_strategy_from_string (json_node_get_string (e), &step->col_strategy[i]))
              {
                format_error (error, "strategies");
                return NULL;
              }
          }
        if (!(step->fill_number = member_doubles (f, "numbers", n, error)) ||
            !member_strings (f, "texts", TRUE, n, &step->fill_text, NULL, error))
          return NULL;
        break;
      }
    case KILN_STEP_ENCODE:
      {
        JsonArray *a = member_array (f, "categories", n, error);
        if (a == NULL)
          return NULL;
        step->categories = g_new0 (GPtrArray *, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          {
            JsonNode *e = json_array_get_element (a, i);
            JsonArray *ca;
            if (JSON_NODE_TYPE (e) != JSON_NODE_ARRAY)
              {
                format_error (error, "categories");
                return NULL;
              }
            ca = json_node_get_array (e);
            step->categories[i] = g_ptr_array_new_with_free_func (g_free);
            for (guint j = 0; j < json_array_get_length (ca); j++)
              {
                JsonNode *c = json_array_get_element (ca, j);
                if (JSON_NODE_TYPE (c) != JSON_NODE_VALUE ||
                    json_node_get_value_type (c) != G_TYPE_STRING)
                  {
                    format_error (error, "categories");
                    return NULL;
                  }
                g_ptr_array_add (step->categories[i], g_strdup (json_node_get_string (c)));
              }
          }
        break;
      }
    case KILN_STEP_SCALE:
      if (!(step->offset = member_doubles (f, "offset", n, error)) ||
          !(step->scale = member_doubles (f, "scale", n, error)))
        return NULL;
      break;
    case KILN_STEP_TEXT:
      {
        JsonArray *a = member_array (f, "vocabularies", n, error);
        if (a == NULL)
          return NULL;
        step->vocab = g_new0 (KilnTextVocab *, MAX (n, 1));
        for (guint i = 0; i < n; i++)
          {
            JsonNode *e = json_array_get_element (a, i);
            JsonObject *vo;
            JsonArray *dfa;
            g_auto(GStrv) chars = NULL, words = NULL;
            guint nc = 0, nw = 0;
            g_autofree guint32 *df = NULL;
            JsonNode *docs;
            gint64 n_docs;

            if (JSON_NODE_TYPE (e) != JSON_NODE_OBJECT)
              {
                format_error (error, "vocabularies");
                return NULL;
              }
            vo = json_node_get_object (e);
            docs = json_object_get_member (vo, "documents");
            if (docs == NULL || !JSON_NODE_HOLDS_VALUE (docs)
                || json_node_get_value_type (docs) != G_TYPE_INT64
                || (n_docs = json_node_get_int (docs)) < 0 || n_docs > G_MAXINT32)
              {
                format_error (error, "documents");
                return NULL;
              }
            if (!member_strings (vo, "chars", FALSE, G_MAXUINT, &chars, &nc, error)
                || !member_strings (vo, "words", FALSE, G_MAXUINT, &words, &nw, error)
                || chars == NULL || words == NULL
                || (dfa = member_array (vo, "df", nc + nw, error)) == NULL)
              {
                if (error && *error == NULL)
                  format_error (error, "vocabularies");
                return NULL;
              }
            df = g_new (guint32, MAX (nc + nw, 1));
            for (guint t = 0; t < nc + nw; t++)
              {
                JsonNode *d = json_array_get_element (dfa, t);
                gint64 v;
                if (!JSON_NODE_HOLDS_VALUE (d) || json_node_get_value_type (d) != G_TYPE_INT64
                    || (v = json_node_get_int (d)) < 1 || v > n_docs)
                  {
                    format_error (error, "df");
                    return NULL;
                  }
                df[t] = (guint32) v;
              }
            step->vocab[i] = _kiln_text_vocab_new (chars, words, df, (guint) n_docs, error);
            if (step->vocab[i] == NULL)
              return NULL;
          }
        break;
      }
    case KILN_STEP_DROP_COLUMNS:
    case KILN_STEP_DEDUPE:
    case KILN_STEP_TARGET:
    default:
      break;
    }
  step->fitted = TRUE;
  return g_steal_pointer (&step);
}

KilnRecipe *
kiln_recipe_from_json (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(KilnRecipe) recipe = NULL;
  JsonObject *o;
  JsonArray *steps;
  JsonNode *fmt;
  const char *s;
  gboolean fitted = FALSE;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    {
      format_error (error, _("not an object"));
      return NULL;
    }
  o = json_node_get_object (node);
  fmt = json_object_get_member (o, "format");
  if (fmt == NULL || JSON_NODE_TYPE (fmt) != JSON_NODE_VALUE ||
      json_node_get_value_type (fmt) != G_TYPE_INT64)
    {
      format_error (error, "format");
      return NULL;
    }
  if (json_node_get_int (fmt) > RECIPE_FORMAT)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_FORMAT,
                   _("The saved recipe has format %d; this version of Kiln reads up to %d"),
                   (int) json_node_get_int (fmt), RECIPE_FORMAT);
      return NULL;
    }

  recipe = kiln_recipe_new ();
  s = member_string (o, "target");
  recipe->target = g_strdup (s);
  s = member_string (o, "task");
  if (s == NULL || !kiln_task_from_string (s, &recipe->task) ||
      !member_bool (o, "task_set", &recipe->task_set) ||
      !member_bool (o, "fitted", &fitted))
    {
      format_error (error, "task");
      return NULL;
    }
  if (json_object_has_member (o, "keeps_missing")
      && !member_bool (o, "keeps_missing", &recipe->keeps_missing))
    {
      format_error (error, "keeps_missing");
      return NULL;
    }

  steps = member_array (o, "steps", G_MAXUINT, error);
  if (steps == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      KilnStep *step = step_from_json (json_array_get_element (steps, i), error);
      if (step == NULL)
        return NULL;
      if (step->fitted != fitted)
        {
          kiln_step_free (step);
          format_error (error, "fitted");
          return NULL;
        }
      g_ptr_array_add (recipe->steps, step);
    }

  if (fitted)
    {
      s = member_string (o, "target_type");
      if (s == NULL || !kiln_column_type_from_string (s, &recipe->target_type))
        {
          format_error (error, "target_type");
          return NULL;
        }
      if (!member_strings (o, "classes", FALSE, G_MAXUINT, &recipe->classes, &recipe->n_classes,
                           error) ||
          !member_strings (o, "features", FALSE, G_MAXUINT, &recipe->features,
                           &recipe->n_features, error) ||
          !member_columns (o, "input_columns", &recipe->inputs, &recipe->n_inputs, error) ||
          !member_columns (o, "schema", &recipe->schema, &recipe->n_schema, error))
        return NULL;
      if (recipe->features == NULL)
        recipe->features = g_new0 (char *, 1);
      recipe->n_text = _kiln_recipe_text_width (recipe);
      if (recipe->n_text > 0)
        {
          GPtrArray *names = g_ptr_array_new ();
          for (guint i = 0; i < recipe->n_features; i++)
            g_ptr_array_add (names, recipe->features[i]);
          _kiln_recipe_text_names (recipe, names);
          g_free (recipe->features);
          recipe->n_features = names->len;
          g_ptr_array_add (names, NULL);
          recipe->features = (char **) g_ptr_array_free (names, FALSE);
        }
      if (json_object_has_member (o, "onehot_codes"))
        {
          g_auto(GStrv) onehot = NULL;
          guint n_onehot = 0;

          if (!member_strings (o, "onehot_codes", FALSE, G_MAXUINT, &onehot, &n_onehot, error)
              || !_kiln_recipe_set_onehot (recipe, onehot, error))
            return NULL;
        }
      recipe->fitted = TRUE;
    }
  return g_steal_pointer (&recipe);
}
