/* kiln-json-text.h: JSON text from json-glib that any JSON reader accepts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib 1.6 (Debian 12) appends ".0" to every double it prints without a '.', so that it
 * reads back as a double: 1e20 comes out as "1e+20.0", which no JSON parser (json-glib's own
 * included) accepts. A data value of 1e20 in a recipe, or a hand-edited project file, then made
 * a file Kiln could not open again. Every JSON document Kiln writes goes through here.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The text of @root (pretty: two-space indents), NUL-terminated; @length may be NULL. */
char *kiln_json_to_data      (JsonNode *root,
                              gboolean  pretty,
                              gsize    *length);
/* Drops the ".0" json-glib appended to an exponent in @text (outside strings), in place;
 * returns the new length. */
gsize kiln_json_repair_exponents (char  *text,
                                  gsize  length);

G_END_DECLS
