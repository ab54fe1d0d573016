/* kiln-json-text.c: JSON text from json-glib that any JSON reader accepts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "kiln-json-text.h"

gsize
kiln_json_repair_exponents (char  *text,
                            gsize  length)
{
  gsize in = 0, out = 0;
  gboolean in_string = FALSE;

  while (in < length)
    {
      char c = text[in];

      if (in_string)
        {
          text[out++] = c;
          in++;
          if (c == '\\' && in < length)
            text[out++] = text[in++];
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      /* outside strings an 'e' or 'E' is a number's exponent (true, false, null have none
       * followed by a digit or sign): copy its digits, then drop a ".0" after them */
      if ((c == 'e' || c == 'E') && in + 1 < length
          && (g_ascii_isdigit (text[in + 1]) || text[in + 1] == '+' || text[in + 1] == '-'))
        {
          text[out++] = text[in++];
          if (text[in] == '+' || text[in] == '-')
            text[out++] = text[in++];
          while (in < length && g_ascii_isdigit (text[in]))
            text[out++] = text[in++];
          if (in + 1 < length && text[in] == '.' && text[in + 1] == '0'
              && (in + 2 == length || !g_ascii_isdigit (text[in + 2])))
            in += 2;
          continue;
        }
      text[out++] = c;
      in++;
    }
  if (out < length)
    text[out] = '\0';
  return out;
}

char *
kiln_json_to_data (JsonNode *root,
                   gboolean  pretty,
                   gsize    *length)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gsize n = 0;
  char *text;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  if (pretty)
    json_generator_set_indent (gen, 2);
  text = json_generator_to_data (gen, &n);
  n = kiln_json_repair_exponents (text, n);
  if (length != NULL)
    *length = n;
  return text;
}
