/* fuzz-recipe.c: the recipe JSON (what a bundle and the CLI carry) and the preparation settings
 * JSON (the "prep" object of a project file). A recipe that reads must write back to the same
 * document; settings that read must read back from what they write to the same settings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-fuzz"

#include "config.h"

#include <json-glib/json-glib.h>

#include "kiln-fuzz.h"
#include "kiln-prep-settings.h"
#include "kiln-recipe.h"

static void
fuzz_recipe (JsonNode *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnRecipe) recipe = NULL, again = NULL;
  g_autoptr(JsonNode) written = NULL, rewritten = NULL;
  g_autofree char *text = NULL, *text_again = NULL;
  guint n = 0;

  recipe = kiln_recipe_from_json (root, &error);
  g_assert_true ((recipe == NULL) == (error != NULL));
  if (recipe == NULL)
    return;

  kiln_fuzz_use (kiln_recipe_get_n_steps (recipe));
  if (kiln_recipe_is_fitted (recipe))
    {
      kiln_recipe_get_feature_names (recipe, &n);
      kiln_fuzz_use (n);
      kiln_recipe_get_input_columns (recipe, &n);
      kiln_fuzz_use (n);
    }
  for (guint i = 0; i < kiln_recipe_get_n_steps (recipe); i++)
    {
      g_autofree char *what = kiln_step_describe (kiln_recipe_get_step (recipe, i));
      kiln_fuzz_use (g_str_hash (what));
    }

  written = kiln_recipe_to_json (recipe);
  again = kiln_recipe_from_json (written, &error);
  if (again == NULL)
    g_error ("a recipe that was read does not read back: %s", error->message);
  rewritten = kiln_recipe_to_json (again);
  text = kiln_fuzz_json_text (written);
  text_again = kiln_fuzz_json_text (rewritten);
  g_assert_cmpstr (text, ==, text_again);
}

static void
fuzz_settings (JsonNode *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) written = NULL, rewritten = NULL;
  g_autofree char *text = NULL, *text_again = NULL;
  KilnPrepSettings settings, again;

  kiln_prep_settings_init (&settings);
  if (kiln_prep_settings_from_json (&settings, root, &error))
    {
      g_autoptr(KilnRecipe) recipe = NULL;
      g_autoptr(GError) recipe_error = NULL;

      g_assert_null (error);
      written = kiln_prep_settings_to_json (&settings);
      kiln_prep_settings_init (&again);
      if (!kiln_prep_settings_from_json (&again, written, &error))
        g_error ("settings that were read do not read back: %s", error->message);
      rewritten = kiln_prep_settings_to_json (&again);
      text = kiln_fuzz_json_text (written);
      text_again = kiln_fuzz_json_text (rewritten);
      g_assert_cmpstr (text, ==, text_again);
      kiln_prep_settings_clear (&again);

      recipe = kiln_prep_settings_to_recipe (&settings, "target", TRUE, FALSE, &recipe_error);
      g_assert_true ((recipe == NULL) == (recipe_error != NULL));
      if (recipe != NULL)
        kiln_fuzz_use (kiln_recipe_get_n_steps (recipe));
    }
  else
    g_assert_nonnull (error);
  kiln_prep_settings_clear (&settings);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  kiln_fuzz_init ();
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL)
    return 0;
  fuzz_recipe (root);
  fuzz_settings (root);
  return 0;
}
