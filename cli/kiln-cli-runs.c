/* kiln-cli-runs.c: `kiln-cli runs PROJECT.kilnproj [--json] [--export N --out MODEL.kiln]`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lists the runs a project remembers (the file app/kiln-project.c saves: a JSON object with
 * "kiln_project" (its format), "runs": [{"when", "cancelled", "fit_seconds", "settings",
 * "bundle"}] and "current_run", the index of the run shown), one line each: its number (from 1),
 * when it ran, the model family, the task, the main test metrics, the fit time, and whether it
 * was cancelled or is the current one. --json prints {"runs": [{"index", "when", "model",
 * "task", "metrics": {...}, "seconds", "cancelled", "current"}]} with the bundle's metrics as
 * they were saved. --export N --out MODEL.kiln writes run N's bundle (atomically, never over the
 * project). Reads the file only; the data it was trained on is not needed.
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "kiln-bundle.h"
#include "kiln-cli.h"

/* The project format this kiln-cli reads (PROJECT_FORMAT in app/kiln-project.c). */
#define RUNS_PROJECT_FORMAT 1

typedef struct {
  guint       index;       /* from 1 */
  char       *when;        /* may be NULL */
  gboolean    cancelled;
  double      seconds;
  gboolean    current;
  KilnBundle *bundle;
} Run;

static void
run_free (Run *run)
{
  g_free (run->when);
  g_clear_pointer (&run->bundle, kiln_bundle_unref);
  g_free (run);
}

static gboolean
damaged (GError **error, const char *name, guint index, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               /* TRANSLATORS: "project.kilnproj: run 3 is damaged (its “bundle”)" */
               _("%s: run %u is damaged (its “%s”)"), name, index, what);
  return FALSE;
}

/* A member that is absent or null is @fallback; the wrong type is an error. */
static gboolean
member_double (JsonObject *o, const char *member, double fallback, double *out)
{
  JsonNode *n = json_object_get_member (o, member);

  *out = fallback;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || (json_node_get_value_type (n) != G_TYPE_DOUBLE
                                     && json_node_get_value_type (n) != G_TYPE_INT64))
    return FALSE;
  *out = json_node_get_double (n);
  return TRUE;
}

/* The runs of the project file @path (GPtrArray of Run), or NULL with an error naming it. */
static GPtrArray *
load_runs (const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_free);
  g_autofree char *name = g_filename_display_name (path);
  g_autoptr(GError) local = NULL;
  JsonObject *root;
  JsonNode *node;
  JsonArray *array;
  double format, current;

  if (!json_parser_load_from_mapped_file (parser, path, &local))
    {
      if (local->domain == G_FILE_ERROR)
        g_set_error (error, local->domain, local->code, _("Cannot read %s: %s"), name,
                     local->message);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("%s is not a Kiln project (not valid JSON: %s)"), name, local->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is not a Kiln project"), name);
      return NULL;
    }
  root = json_node_get_object (node);
  if (!member_double (root, "kiln_project", 0, &format) || format < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is not a Kiln project"), name);
      return NULL;
    }
  if (format > RUNS_PROJECT_FORMAT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s was saved by a newer Kiln; update Kiln to open it"), name);
      return NULL;
    }
  /* the index of the run shown, as the project reads it */
  if (!member_double (root, "current_run", -1, &current))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: “%s” is not a number"), name, "current_run");
      return NULL;
    }

  node = json_object_get_member (root, "runs");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_steal_pointer (&runs);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: “%s” is not a list"), name, "runs");
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      JsonNode *bundle, *when, *cancelled;
      g_autoptr(GError) bundle_error = NULL;
      Run *run;

      if (o == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("%s: run %u is damaged"), name, i + 1);
          return NULL;
        }
      run = g_new0 (Run, 1);
      run->index = i + 1;
      run->current = current >= 0 && (double) i == current;
      g_ptr_array_add (runs, run);

      when = json_object_get_member (o, "when");
      if (when != NULL && JSON_NODE_HOLDS_VALUE (when)
          && json_node_get_value_type (when) == G_TYPE_STRING)
        run->when = g_strdup (json_node_get_string (when));
      else if (when != NULL && !JSON_NODE_HOLDS_NULL (when))
        {
          damaged (error, name, i + 1, "when");
          return NULL;
        }
      cancelled = json_object_get_member (o, "cancelled");
      if (cancelled != NULL && JSON_NODE_HOLDS_VALUE (cancelled)
          && json_node_get_value_type (cancelled) == G_TYPE_BOOLEAN)
        run->cancelled = json_node_get_boolean (cancelled);
      else if (cancelled != NULL && !JSON_NODE_HOLDS_NULL (cancelled))
        {
          damaged (error, name, i + 1, "cancelled");
          return NULL;
        }
      if (!member_double (o, "fit_seconds", NAN, &run->seconds))
        {
          damaged (error, name, i + 1, "fit_seconds");
          return NULL;
        }
      bundle = json_object_get_member (o, "bundle");
      if (bundle == NULL || !JSON_NODE_HOLDS_OBJECT (bundle))
        {
          damaged (error, name, i + 1, "bundle");
          return NULL;
        }
      run->bundle = kiln_bundle_from_json (bundle, name, &bundle_error);
      if (run->bundle == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* TRANSLATORS: "project.kilnproj: run 3: <why its model cannot be read>" */
                       _("%s: run %u: %s"), name, i + 1, bundle_error->message);
          return NULL;
        }
    }
  return g_steal_pointer (&runs);
}

static const char *
model_of (Run *run)
{
  return kiln_model_get_name (kiln_bundle_get_model (run->bundle));
}

/* The bundle's metric @name, NaN when absent. */
static double
metric (Run *run, const char *name)
{
  JsonNode *metrics = kiln_bundle_get_metrics (run->bundle);
  double v = NAN;

  if (metrics != NULL && JSON_NODE_HOLDS_OBJECT (metrics)
      && member_double (json_node_get_object (metrics), name, NAN, &v))
    return v;
  return NAN;
}

static void
print_json (GPtrArray *runs)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < runs->len; i++)
    {
      Run *run = runs->pdata[i];
      JsonNode *metrics = kiln_bundle_get_metrics (run->bundle);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, run->index);
      json_builder_set_member_name (b, "when");
      if (run->when)
        json_builder_add_string_value (b, run->when);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, model_of (run));
      json_builder_set_member_name (b, "task");
      json_builder_add_string_value (b, kiln_task_to_string (kiln_bundle_get_task (run->bundle)));
      json_builder_set_member_name (b, "metrics");
      if (metrics != NULL && JSON_NODE_HOLDS_OBJECT (metrics))
        json_builder_add_value (b, json_node_copy (metrics));
      else
        {
          json_builder_begin_object (b);
          json_builder_end_object (b);
        }
      json_builder_set_member_name (b, "seconds");
      if (isfinite (run->seconds))
        json_builder_add_double_value (b, run->seconds);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "cancelled");
      json_builder_add_boolean_value (b, run->cancelled);
      json_builder_set_member_name (b, "current");
      json_builder_add_boolean_value (b, run->current);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  kiln_cli_print_json (root);
}

static void
print_text (GPtrArray *runs, const char *path)
{
  g_autofree char *name = g_filename_display_name (path);

  if (runs->len == 0)
    {
      printf (_("%s has no runs yet\n"), name);
      return;
    }
  printf ("%3s  %-25s %-8s %-15s %-28s %9s\n", "#", _("when"), _("model"), _("task"),
          _("test metrics"), _("fit s"));
  for (guint i = 0; i < runs->len; i++)
    {
      Run *run = runs->pdata[i];
      gboolean cls = kiln_bundle_get_task (run->bundle) == KILN_TASK_CLASSIFICATION;
      g_autofree char *scores = NULL;
      g_autofree char *seconds = isfinite (run->seconds) ? g_strdup_printf ("%.3f", run->seconds)
                                                         : g_strdup ("");
      g_autoptr(GString) flags = g_string_new (NULL);

      if (cls)
        scores = g_strdup_printf (_("accuracy %.4f, F1 %.4f"), metric (run, "accuracy"),
                                  metric (run, "macro_f1"));
      else
        scores = g_strdup_printf (_("R² %.4f, RMSE %.4g"), metric (run, "r2"), metric (run, "rmse"));
      if (run->current)
        g_string_append (flags, _("current"));
      if (run->cancelled)
        g_string_append_printf (flags, "%s%s", flags->len ? ", " : "", _("cancelled"));
      printf ("%3u  %-25s %-8s %-15s %-28s %9s  %s\n", run->index, run->when ? run->when : "",
              model_of (run), kiln_task_to_string (kiln_bundle_get_task (run->bundle)), scores,
              seconds, flags->str);
    }
}

int
kiln_cli_runs (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("PROJECT.kilnproj"));
  GOptionGroup *group = g_option_group_new ("runs", NULL, NULL, NULL, NULL);
  g_autofree char *out = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  gint export = 0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "export", 0, 0, G_OPTION_ARG_INT, &export,
      N_("Write run N’s model bundle (with --out)"), N_("N") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("Where --export writes the bundle"),
      N_("MODEL.kiln") },
    { NULL }
  };

  g_option_context_set_summary (context, _("Lists the runs a Kiln project remembers: when each "
                                           "ran, its model, its test scores and fit time, and "
                                           "which one is shown; or exports one run’s model."));
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!kiln_cli_parse (context, &argc, &argv))
    return KILN_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      kiln_cli_error (_("runs takes one project file"));
      return KILN_CLI_EXIT_USAGE;
    }
  if ((export != 0 || out != NULL) && (export < 1 || out == NULL))
    {
      kiln_cli_error (_("export a run with --export N --out MODEL.kiln (runs count from 1)"));
      return KILN_CLI_EXIT_USAGE;
    }
  if (out != NULL && kiln_cli_same_file (out, argv[1]))
    {
      kiln_cli_error (_("--out “%s” is the input file; Kiln never writes over its input"), out);
      return KILN_CLI_EXIT_USAGE;
    }

  runs = load_runs (argv[1], &error);
  if (runs == NULL)
    {
      kiln_cli_error ("%s", error->message);
      return KILN_CLI_EXIT_ERROR;
    }

  if (export != 0)
    {
      Run *run;

      if ((guint) export > runs->len)
        {
          g_autofree char *name = g_filename_display_name (argv[1]);
          kiln_cli_error (ngettext ("%s has %u run; there is no run %d",
                                    "%s has %u runs; there is no run %d", runs->len),
                          name, runs->len, export);
          return KILN_CLI_EXIT_ERROR;
        }
      run = runs->pdata[export - 1];
      if (!kiln_bundle_save (run->bundle, out, NULL, &error))
        {
          kiln_cli_error ("%s", error->message);
          return KILN_CLI_EXIT_ERROR;
        }
      if (!json)
        {
          g_autofree char *display = g_filename_display_name (out);
          printf (_("Wrote run %d (%s) to %s\n"), export, model_of (run), display);
          return KILN_CLI_EXIT_OK;
        }
    }

  if (json)
    print_json (runs);
  else
    print_text (runs, argv[1]);
  return KILN_CLI_EXIT_OK;
}
