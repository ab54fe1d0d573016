/* kiln-fuzz.h: what the fuzz harnesses share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each harness defines LLVMFuzzerTestOneInput(). Built with clang and -Dfuzzing=true it links
 * libFuzzer's main; otherwise it links kiln-fuzz-replay.c, a TAP test that feeds it every file of
 * the seed corpus and of the saved crashing inputs (tests/fuzz/{seeds,crashes}/NAME/).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int  LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Makes GLib criticals and warnings fatal (a g_return_if_fail hit by an input is a finding);
 * called once by each harness before its first input. */
void kiln_fuzz_init (void);

/* Writes @data to this process's scratch file and returns its path (the same path on each call,
 * removed at exit). @suffix names the kind of file (".csv", ".kiln"). */
const char *kiln_fuzz_write_file (const char    *suffix,
                                  const uint8_t *data,
                                  size_t         size);

/* @node as JSON text (compact), for comparisons and messages. */
char *kiln_fuzz_json_text (JsonNode *node);

/* Keeps a value alive so the optimiser cannot drop the code that computed it. */
void kiln_fuzz_use (guint64 value);

G_END_DECLS
