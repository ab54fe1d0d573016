/* kiln-cli.c: the dispatcher of kiln-cli's subcommands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "kiln-cli.h"
#include "kiln-core.h"

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
#ifdef KILN_CLI_HAVE_INSPECT
  { "inspect", kiln_cli_inspect, N_("Column types, missing and distinct counts of a CSV") },
  { "show", kiln_cli_show, N_("The parsed cells of a CSV") },
#endif
#ifdef KILN_CLI_HAVE_PREP
  { "prep", kiln_cli_prep, N_("Clean a CSV: duplicates, outliers, missing values, encoding, scaling") },
#endif
#ifdef KILN_CLI_HAVE_TRAIN
  { "train", kiln_cli_train, N_("Train a model and score it on a test split") },
#endif
#ifdef KILN_CLI_HAVE_COMPARE
  { "compare", kiln_cli_compare, N_("Cross-validate every model family and train the best") },
#endif
#ifdef KILN_CLI_HAVE_EXPLAIN
  { "explain", kiln_cli_explain, N_("Which columns a saved model leans on, and why it predicted each row") },
#endif
#ifdef KILN_CLI_HAVE_PREDICT
  { "predict", kiln_cli_predict, N_("Predict a CSV with a saved model") },
#endif
#ifdef KILN_CLI_HAVE_EXPORT
  { "export", kiln_cli_export, N_("Export a saved model, e.g. as ONNX") },
#endif
#ifdef KILN_CLI_HAVE_SERVE
  { "serve", kiln_cli_serve, N_("Serve a saved model over HTTP") },
#endif
#ifdef KILN_CLI_HAVE_RUNS
  { "runs", kiln_cli_runs, N_("List a project’s runs, or export one run’s model") },
#endif
};

static void
usage (FILE *out)
{
  fprintf (out, "%s\n\n%s\n", _("Usage: kiln-cli COMMAND [OPTIONS…]"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-9s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “kiln-cli COMMAND --help” for a command’s options."));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* KILN_LOCALEDIR: the build's po folder, to run translated without installing */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("KILN_LOCALEDIR") ? g_getenv ("KILN_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  kiln_core_init ();

  if (argc < 2)
    {
      usage (stderr);
      return KILN_CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return KILN_CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("kiln-cli %s\n", PACKAGE_VERSION);
      return KILN_CLI_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  kiln_cli_error (_("unknown command “%s”"), argv[1]);
  usage (stderr);
  return KILN_CLI_EXIT_USAGE;
}
