/* kiln-cli.h: what the subcommands of kiln-cli share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit status: 0 on success, 2 on bad usage, 1 on any other error with one clear line on stderr.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kiln-csv.h"
#include "kiln-frame.h"
#include "kiln-pipeline.h"

G_BEGIN_DECLS

#define KILN_CLI_EXIT_OK    0
#define KILN_CLI_EXIT_ERROR 1
#define KILN_CLI_EXIT_USAGE 2

/* The import overrides every command that reads a CSV takes. */
typedef struct {
  char     *encoding;
  char     *delimiter;
  char     *decimal;
  gboolean  no_header;
  char    **na;          /* --na may be repeated, or a comma-separated list */
  gboolean  skip_bad_rows;
} KilnCliImport;

/* Adds --encoding, --delimiter, --decimal, --no-header, --na, --skip-bad-rows to @group. */
void       kiln_cli_import_add_entries (GOptionGroup  *group,
                                        KilnCliImport *import);
/* Turns the parsed flags into reader options; FALSE with an error for nonsense values. */
gboolean   kiln_cli_import_to_options  (KilnCliImport   *import,
                                        KilnCsvOptions  *options,
                                        GError         **error);
void       kiln_cli_import_clear       (KilnCliImport *import);

/* Adds --split-by-time[=COLUMN] to @group, whose user data is the KilnPrepSettings it sets
 * (split_by: the column, or "" for the file order). */
void       kiln_cli_split_add_entries  (GOptionGroup  *group);

/* Reads @path with the overrides; on failure prints "kiln-cli: <message>" and returns NULL. */
KilnFrame *kiln_cli_load               (const char     *path,
                                        KilnCliImport  *import,
                                        KilnCsvInfo    *info);

/* Parses argv with @context; on failure prints the error and usage hint and returns FALSE. */
gboolean   kiln_cli_parse              (GOptionContext *context,
                                        int            *argc,
                                        char         ***argv);

/* Prints "kiln-cli: <message>" to stderr. */
void       kiln_cli_error              (const char *format, ...) G_GNUC_PRINTF (1, 2);
gboolean   kiln_cli_same_file          (const char *a,
                                        const char *b);
void       kiln_cli_print_json         (JsonNode   *node);

/* What `train --json` prints for @result (kiln-pipeline.h); `compare --json` nests it. */
JsonNode  *kiln_cli_train_result_to_json (KilnPipelineResult *result,
                                          double              seconds);

int kiln_cli_compare (int argc, char **argv);
int kiln_cli_explain (int argc, char **argv);
int kiln_cli_inspect (int argc, char **argv);
int kiln_cli_show    (int argc, char **argv);
int kiln_cli_prep    (int argc, char **argv);
int kiln_cli_train   (int argc, char **argv);
int kiln_cli_predict (int argc, char **argv);
int kiln_cli_export  (int argc, char **argv);
int kiln_cli_serve   (int argc, char **argv);
int kiln_cli_runs    (int argc, char **argv);

G_END_DECLS
