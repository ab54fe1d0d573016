/* kiln-prep-options.c: PREP FLAGS → recipe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-prep-options.h"

void
kiln_prep_options_add_entries (GOptionGroup    *group,
                               KilnPrepOptions *options)
{
  const GOptionEntry entries[] = {
    { "dedupe", 0, 0, G_OPTION_ARG_NONE, &options->dedupe,
      N_("Remove duplicate rows (keeping the first)"), NULL },
    { "iqr", 0, 0, G_OPTION_ARG_STRING, &options->iqr,
      N_("Remove rows with values outside Q1 − K×IQR … Q3 + K×IQR (1.5 is usual)"), N_("K") },
    { "clip", 0, 0, G_OPTION_ARG_NONE, &options->clip,
      N_("With --iqr: clip outliers to the bounds instead of removing rows"), NULL },
    { "impute", 0, 0, G_OPTION_ARG_STRING, &options->impute,
      N_("Fill missing values: mean, median, mode, or drop the rows"), N_("HOW") },
    { "encode", 0, 0, G_OPTION_ARG_STRING, &options->encode,
      N_("Encode categorical columns: onehot or ordinal"), N_("HOW") },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &options->scale,
      N_("Scale numeric columns: standard, minmax or none"), N_("HOW") },
    { "drop", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->drop,
      N_("Leave out a column (repeatable or comma-separated)"), N_("COLUMN") },
    { NULL }
  };

  g_return_if_fail (group != NULL);
  g_return_if_fail (options != NULL);
  g_option_group_add_entries (group, entries);
}

void
kiln_prep_options_set_defaults (KilnPrepOptions *options,
                                gboolean         needs_scaling)
{
  g_return_if_fail (options != NULL);
  if (options->impute == NULL)
    options->impute = g_strdup ("median");
  if (options->encode == NULL)
    options->encode = g_strdup ("onehot");
  if (options->scale == NULL)
    options->scale = g_strdup (needs_scaling ? "standard" : "none");
}

static gboolean
bad_option (GError **error, const char *flag, const char *value, const char *allowed)
{
  g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
               _("%s “%s” is not one of: %s"), flag, value, allowed);
  return FALSE;
}

KilnRecipe *
kiln_prep_options_to_recipe (const KilnPrepOptions  *options,
                             const char             *target,
                             GError                **error)
{
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  KilnImputeStrategy strategy = KILN_IMPUTE_MEDIAN;
  KilnEncoding encoding = KILN_ENCODE_ONEHOT;
  KilnScaling scaling = KILN_SCALE_NONE;
  double k = 0;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options->iqr)
    {
      char *end = NULL;
      k = g_ascii_strtod (options->iqr, &end);
      if (options->iqr[0] == '\0' || end == NULL || *end != '\0' || !isfinite (k) || k < 0)
        {
          g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS,
                       _("--iqr “%s” is not a number ≥ 0"), options->iqr);
          return NULL;
        }
    }
  else if (options->clip)
    {
      g_set_error (error, KILN_PREP_ERROR, KILN_PREP_ERROR_OPTIONS, _("--clip needs --iqr K"));
      return NULL;
    }
  if (options->impute && !kiln_impute_strategy_from_string (options->impute, &strategy))
    {
      bad_option (error, "--impute", options->impute, "mean, median, mode, drop");
      return NULL;
    }
  if (options->impute && strategy == KILN_IMPUTE_CONSTANT)
    {
      bad_option (error, "--impute", options->impute, "mean, median, mode, drop");
      return NULL;
    }
  if (options->encode && !kiln_encoding_from_string (options->encode, &encoding))
    {
      bad_option (error, "--encode", options->encode, "onehot, ordinal");
      return NULL;
    }
  if (options->scale && !kiln_scaling_from_string (options->scale, &scaling))
    {
      bad_option (error, "--scale", options->scale, "standard, minmax, none");
      return NULL;
    }

  if (target)
    kiln_recipe_set_target (recipe, target);
  if (options->drop)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; options->drop[i]; i++)
        {
          g_auto(GStrv) parts = g_strsplit (options->drop[i], ",", -1);
          for (guint j = 0; parts[j]; j++)
            if (parts[j][0])
              g_ptr_array_add (names, g_strdup (parts[j]));
        }
      g_ptr_array_add (names, NULL);
      if (names->len > 1)
        kiln_recipe_add_step (recipe,
                              kiln_step_new_drop_columns ((const char * const *) names->pdata));
    }
  if (options->dedupe)
    kiln_recipe_add_step (recipe, kiln_step_new_dedupe ());
  if (options->iqr)
    kiln_recipe_add_step (recipe, kiln_step_new_iqr (k, options->clip ? KILN_IQR_CLIP : KILN_IQR_DROP,
                                                     NULL));
  if (options->impute)
    kiln_recipe_add_step (recipe, kiln_step_new_impute (strategy, NULL));
  if (options->encode)
    kiln_recipe_add_step (recipe, kiln_step_new_encode (encoding, NULL));
  if (options->scale && scaling != KILN_SCALE_NONE)
    kiln_recipe_add_step (recipe, kiln_step_new_scale (scaling, NULL));
  return g_steal_pointer (&recipe);
}

void
kiln_prep_options_clear (KilnPrepOptions *options)
{
  g_return_if_fail (options != NULL);
  g_clear_pointer (&options->iqr, g_free);
  g_clear_pointer (&options->impute, g_free);
  g_clear_pointer (&options->encode, g_free);
  g_clear_pointer (&options->scale, g_free);
  g_clear_pointer (&options->drop, g_strfreev);
}
