/* kiln-cli-explain.c: `kiln-cli explain MODEL.kiln DATA.csv`: which raw columns a saved model
 * leans on (permutation importance, when DATA.csv has the target) and why it predicted what it
 * did for the first rows (contributions that add up to the output: exact TreeSHAP or linear
 * decomposition where the family allows, else sampled Shapley values).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kiln-bundle-explain.h"
#include "kiln-cli.h"

typedef struct {
  const char *name;
  double      value;
} Contribution;

static int
by_size (const void *a, const void *b)
{
  const Contribution *x = a, *y = b;
  return (fabs (x->value) < fabs (y->value)) - (fabs (x->value) > fabs (y->value));
}

static void
print_text (JsonObject *o)
{
  JsonNode *importance = json_object_get_member (o, "importance");
  JsonArray *rows = json_object_get_array_member (o, "rows");
  const char *output_kind = json_object_get_string_member (o, "output_kind");
  const char *method = json_object_get_string_member_with_default (o, "method", "");
  const char *kind = g_strcmp0 (output_kind, "probability") == 0 ? _("probability")
                     : g_strcmp0 (output_kind, "log-odds") == 0 ? _("log-odds")
                     : g_strcmp0 (output_kind, "margin") == 0 ? _("margin")
                     : _("value");

  if (importance && JSON_NODE_HOLDS_OBJECT (importance))
    {
      JsonObject *imp = json_node_get_object (importance);
      JsonArray *cols = json_object_get_array_member (imp, "columns");

      printf (_("Permutation importance: the drop in %s when a column is shuffled "
                "(%u repeats; %.4f unshuffled)\n"),
              g_strcmp0 (json_object_get_string_member (imp, "metric"), "accuracy") == 0
              ? _("accuracy") : "R²",
              (guint) json_object_get_int_member (imp, "repeats"),
              json_object_get_double_member (imp, "baseline"));
      for (guint i = 0; i < json_array_get_length (cols); i++)
        {
          JsonObject *c = json_array_get_object_element (cols, i);
          printf ("  %-24s %8.4f ± %.4f\n", json_object_get_string_member (c, "column"),
                  json_object_get_double_member (c, "mean"), json_object_get_double_member (c, "std"));
        }
      printf ("\n");
    }
  if (g_strcmp0 (method, "TreeSHAP") == 0)
    printf (_("Contributions: exact (TreeSHAP)\n"));
  else if (g_strcmp0 (method, "linear") == 0)
    printf (_("Contributions: exact (linear decomposition from the mean row)\n"));
  else
    printf (_("Contributions: estimated by sampling (Shapley values; see --json for their errors)\n"));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *r = json_array_get_object_element (rows, i);
      JsonObject *contrib = json_object_get_object_member (r, "contributions");
      g_autoptr(GList) names = json_object_get_members (contrib);
      g_autofree Contribution *list = g_new (Contribution, MAX (g_list_length (names), 1));
      JsonNode *pred = json_object_get_member (r, "prediction");
      g_autofree char *pred_text = JSON_NODE_HOLDS_VALUE (pred) && json_node_get_value_type (pred) == G_TYPE_STRING
                                   ? g_strdup (json_node_get_string (pred))
                                   : g_strdup_printf ("%.6g", json_node_get_double (pred));
      guint n = 0;

      for (GList *l = names; l; l = l->next)
        list[n++] = (Contribution) { l->data, json_object_get_double_member (contrib, l->data) };
      qsort (list, n, sizeof (Contribution), by_size);
      /* Translators: row number, the prediction, what is decomposed ("value", "probability",
         "log-odds" or "margin"), the base value and the output */
      printf (_("Row %u: %s (%s %.4f = base %.4f + contributions)\n"),
              (guint) json_object_get_int_member (r, "row") + 1, pred_text, kind,
              json_object_get_double_member (r, "output"), json_object_get_double_member (r, "base"));
      for (guint k = 0; k < n; k++)
        printf ("  %-24s %+9.4f\n", list[k].name, list[k].value);
    }
}

int
kiln_cli_explain (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL.kiln DATA.csv"));
  GOptionGroup *group = g_option_group_new ("explain", NULL, NULL, NULL, NULL);
  KilnCliImport import = { 0 };
  g_autofree char *rows = NULL, *repeats = NULL, *samples = NULL, *seed = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows, N_("Explain the first N rows (default 5)"), N_("N") },
    { "repeats", 0, 0, G_OPTION_ARG_STRING, &repeats,
      N_("Shuffles per column for the importance (default 5)"), N_("N") },
    { "samples", 0, 0, G_OPTION_ARG_STRING, &samples,
      N_("Samples per row for the contributions (default 200)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed, N_("Random seed (default 42)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(KilnBundle) bundle = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  KilnExplainOptions options;
  struct { char *text; const char *flag; guint64 *value; guint64 max; } numbers[4];
  guint64 n_rows, n_repeats, n_samples;
  int status = KILN_CLI_EXIT_USAGE;

  kiln_explain_options_init (&options);
  n_rows = options.n_rows;
  n_repeats = options.repeats;
  n_samples = options.n_samples;
  g_option_context_set_summary (context,
                                _("Explains a saved model on a CSV: how much each column matters "
                                  "(when the CSV has the target) and what pushed each of the first "
                                  "rows' predictions up or down."));
  g_option_group_add_entries (group, entries);
  kiln_cli_import_add_entries (group, &import);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    goto out;
  if (argc != 3)
    {
      kiln_cli_error (_("explain takes a model bundle and a CSV file"));
      goto out;
    }
  numbers[0] = (typeof (numbers[0])) { rows, "--rows", &n_rows, 1000000 };
  numbers[1] = (typeof (numbers[0])) { repeats, "--repeats", &n_repeats, 1000 };
  numbers[2] = (typeof (numbers[0])) { samples, "--samples", &n_samples, 100000 };
  numbers[3] = (typeof (numbers[0])) { seed, "--seed", &options.seed, G_MAXUINT64 };
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    if (numbers[i].text
        && !g_ascii_string_to_unsigned (numbers[i].text, 10, i == 3 ? 0 : 1, numbers[i].max,
                                        numbers[i].value, &error))
      {
        kiln_cli_error ("%s: %s", numbers[i].flag, error->message);
        goto out;
      }
  options.n_rows = (guint) n_rows;
  options.repeats = (guint) n_repeats;
  options.n_samples = (guint) n_samples;

  status = KILN_CLI_EXIT_ERROR;
  bundle = kiln_bundle_load (argv[1], NULL, &error);
  if (bundle == NULL)
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  frame = kiln_cli_load (argv[2], &import, NULL);
  if (frame == NULL)
    goto out;
  root = kiln_bundle_explain (bundle, frame, &options, &error);
  if (root == NULL)
    {
      kiln_cli_error ("%s", error->message);
      goto out;
    }
  if (json)
    kiln_cli_print_json (root);
  else
    print_text (json_node_get_object (root));
  status = KILN_CLI_EXIT_OK;

out:
  kiln_cli_import_clear (&import);
  return status;
}
