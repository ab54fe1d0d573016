/* fuzz-project.c: the project-file loader (.kilnproj: import options, column types, preparation
 * and model settings, the runs with their bundles). It is the app's KilnProject, built here from
 * app/kiln-project.c and the prepare plan without GTK. A project that opens must save, and what
 * it saved must open again to the same document.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-fuzz"

#include "config.h"

#include <string.h>

#include "kiln-fuzz.h"
#include "kiln-project.h"

static JsonNode *
saved (KilnProject *project, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!kiln_project_save (project, file, &error))
    g_error ("a project that opened does not save: %s", error->message);
  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("a saved project is not JSON: %s", error->message);
  return json_node_copy (json_parser_get_root (parser));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(KilnProject) project = NULL, again = NULL;
  g_autoptr(JsonNode) first = NULL, second = NULL;
  g_autofree char *saved_path = NULL;

  kiln_fuzz_init ();
  file = g_file_new_for_path (kiln_fuzz_write_file (".kilnproj", data, size));
  project = kiln_project_load (file, &error);
  g_assert_true ((project == NULL) == (error != NULL));
  if (project == NULL)
    return 0;

  kiln_fuzz_use (kiln_project_get_runs (project)->len);
  kiln_fuzz_use (kiln_project_get_task (project));
  kiln_fuzz_use (g_str_hash (kiln_project_get_model_name (project) ? kiln_project_get_model_name (project) : ""));

  saved_path = g_file_get_path (file);
  first = saved (project, saved_path);
  again = kiln_project_load (file, &error);
  if (again == NULL)
    g_error ("a saved project does not open: %s", error->message);
  second = saved (again, saved_path);
  if (!json_node_equal (first, second))
    {
      g_autofree char *a = kiln_fuzz_json_text (first);
      g_autofree char *b = kiln_fuzz_json_text (second);
      g_error ("saved twice, the project changed:\n%s\n%s", a, b);
    }
  return 0;
}
