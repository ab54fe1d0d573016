/* kiln-cli-export.c: `kiln-cli export MODEL.kiln --onnx MODEL.onnx`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes the bundle's recipe and model as one ONNX graph (core/export/kiln-onnx.h), atomically,
 * and prints what the graph takes and gives: one line per input and output, "name<TAB>type
 * [shape]", or with --json {"onnx", "opsets", "nodes", "inputs": [{"name", "type", "shape"}],
 * "outputs": [...], "python"} (shape: numbers, null for the row count; python: a program that
 * runs the file in ONNX Runtime on one typical row).
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "kiln-bundle.h"
#include "kiln-cli.h"
#ifdef KILN_HAVE_ONNX
#include "kiln-onnx.h"

static void
add_values (JsonBuilder *b, const char *member, const KilnOnnxValue *values, guint n)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, values[i].name);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, kiln_onnx_type_to_string (values[i].type));
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (guint d = 0; d < values[i].n_dims; d++)
        if (values[i].dims[d] < 0)
          json_builder_add_null_value (b);
        else
          json_builder_add_int_value (b, values[i].dims[d]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
print_values (const char *heading, const KilnOnnxValue *values, guint n)
{
  printf ("%s\n", heading);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *type = kiln_onnx_value_describe (&values[i]);
      printf ("  %s\t%s\n", values[i].name, type);
    }
}
#endif

int
kiln_cli_export (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL.kiln --onnx MODEL.onnx"));
  GOptionGroup *group = g_option_group_new ("export", NULL, NULL, NULL, NULL);
  g_autofree char *onnx = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "onnx", 0, 0, G_OPTION_ARG_FILENAME, &onnx,
      N_("Write the recipe and model as one ONNX graph here"), N_("MODEL.onnx") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the graph’s inputs and outputs as JSON"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context, _("Exports a saved model for other runtimes. The ONNX "
                                           "graph takes the raw columns by name (numbers as "
                                           "doubles, NaN where missing; categories as strings, "
                                           "empty where missing) and gives “label” and "
                                           "“probabilities”, or “value”."));
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    return KILN_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      kiln_cli_error (_("export takes one model bundle"));
      return KILN_CLI_EXIT_USAGE;
    }
  if (onnx == NULL)
    {
      kiln_cli_error (_("say what to export: --onnx MODEL.onnx"));
      return KILN_CLI_EXIT_USAGE;
    }
  if (kiln_cli_same_file (onnx, argv[1]))
    {
      kiln_cli_error (_("--onnx “%s” is the input file; Kiln never writes over its input"), onnx);
      return KILN_CLI_EXIT_USAGE;
    }

#ifdef KILN_HAVE_ONNX
  {
    g_autoptr(KilnBundle) bundle = NULL;
    g_autoptr(KilnOnnxModel) model = NULL;
    g_autoptr(GError) error = NULL;
    const KilnOnnxValue *inputs, *outputs;
    guint n_inputs, n_outputs;
    g_autofree char *opsets = NULL;

    bundle = kiln_bundle_load (argv[1], NULL, &error);
    if (bundle == NULL)
      {
        kiln_cli_error ("%s", error->message);
        return KILN_CLI_EXIT_ERROR;
      }
    model = kiln_onnx_model_new_from_bundle (bundle, &error);
    if (model == NULL)
      {
        kiln_cli_error (_("cannot export this model as ONNX: %s"), error->message);
        return KILN_CLI_EXIT_ERROR;
      }
    if (!kiln_onnx_model_save (model, onnx, NULL, &error))
      {
        kiln_cli_error ("%s", error->message);
        return KILN_CLI_EXIT_ERROR;
      }

    inputs = kiln_onnx_model_get_inputs (model, &n_inputs);
    outputs = kiln_onnx_model_get_outputs (model, &n_outputs);
    opsets = kiln_onnx_model_describe_opsets (model);
    if (json)
      {
        g_autoptr(JsonBuilder) b = json_builder_new ();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *snippet = kiln_onnx_python_snippet (bundle, onnx);

        json_builder_begin_object (b);
        json_builder_set_member_name (b, "onnx");
        json_builder_add_string_value (b, onnx);
        json_builder_set_member_name (b, "opsets");
        json_builder_add_string_value (b, opsets);
        json_builder_set_member_name (b, "nodes");
        json_builder_add_int_value (b, kiln_onnx_model_get_n_nodes (model));
        add_values (b, "inputs", inputs, n_inputs);
        add_values (b, "outputs", outputs, n_outputs);
        json_builder_set_member_name (b, "python");
        json_builder_add_string_value (b, snippet);
        json_builder_end_object (b);
        root = json_builder_get_root (b);
        kiln_cli_print_json (root);
      }
    else
      {
        g_autofree char *display = g_filename_display_name (onnx);
        gsize size = g_bytes_get_size (kiln_onnx_model_get_bytes (model));
        g_autofree char *size_text = g_format_size (size);

        /* TRANSLATORS: "Wrote model.onnx (12.3 kB, 42 nodes; ai.onnx 17, ai.onnx.ml 3)" */
        printf (_("Wrote %s (%s, %u nodes; %s)\n"), display, size_text,
                kiln_onnx_model_get_n_nodes (model), opsets);
        print_values (_("Inputs:"), inputs, n_inputs);
        print_values (_("Outputs:"), outputs, n_outputs);
      }
    return KILN_CLI_EXIT_OK;
  }
#else
  kiln_cli_error (_("this kiln-cli was built without ONNX export (it needs libonnx-dev and "
                    "protobuf-c)"));
  return KILN_CLI_EXIT_ERROR;
#endif
}
