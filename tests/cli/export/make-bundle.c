/* make-bundle.c: a bundle whose recipe kiln-cli cannot make, for the ONNX test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   make-bundle DATA.csv TARGET MODEL OUT.kiln
 *
 * The recipe only one-hot encodes and standardises: no step fills missing values (kiln-cli train
 * always imputes), so rows with a missing feature are ones Kiln refuses to score.
 */
#include "config.h"

#include <stdio.h>

#include "kiln-csv.h"
#include "kiln-pipeline.h"

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) raw = NULL;
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  KilnPipelineOptions options;
  gboolean ok;
  KilnPipelineResult result;

  if (argc != 5)
    {
      fprintf (stderr, "usage: make-bundle DATA.csv TARGET MODEL OUT.kiln\n");
      return 2;
    }
  raw = kiln_csv_read (argv[1], NULL, NULL, NULL, NULL, NULL, &error);
  if (raw == NULL)
    goto fail;
  kiln_recipe_add_step (recipe, kiln_step_new_encode (KILN_ENCODE_ONEHOT, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
  kiln_pipeline_options_init (&options, argv[2], argv[3]);
  options.recipe = recipe;
  ok = kiln_pipeline_run (raw, NULL, &options, NULL, NULL, &result, &error);
  kiln_pipeline_options_clear (&options);
  if (!ok)
    goto fail;
  if (!kiln_bundle_save (result.bundle, argv[4], NULL, &error))
    {
      kiln_pipeline_result_clear (&result);
      goto fail;
    }
  kiln_pipeline_result_clear (&result);
  return 0;

fail:
  fprintf (stderr, "make-bundle: %s\n", error->message);
  return 1;
}
