/* test-json-text.c: JSON text Kiln writes reads back, whatever doubles it holds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-json-text.h"

/* json-glib 1.6 writes 1e20 as "1e+20.0": the repaired text parses, and to the same values */
static void
test_doubles_read_back (void)
{
  const double values[] = { 1e20, -1e22, 1e17, 123456789012345678.0, 0.5, -2.0, 1e-300,
                            1.7976931348623157e308, 4.9406564584124654e-324, 0.0 };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonArray *array;
  gsize length;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "values");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    json_builder_add_double_value (b, values[i]);
  json_builder_end_array (b);
  /* text that looks like the broken numbers stays as it was */
  json_builder_set_member_name (b, "name 1e+20.0");
  json_builder_add_string_value (b, "1e+20.0 \"e-5.0\" \\");
  json_builder_set_member_name (b, "flags");
  json_builder_begin_array (b);
  json_builder_add_boolean_value (b, TRUE);
  json_builder_add_null_value (b);
  json_builder_add_int_value (b, 10);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  for (int pretty = 0; pretty < 2; pretty++)
    {
      g_clear_pointer (&text, g_free);
      text = kiln_json_to_data (root, pretty, &length);
      g_assert_cmpuint (length, ==, strlen (text));
      g_assert_null (strstr (text, "e+20.0,"));
      g_assert_true (json_parser_load_from_data (parser, text, (gssize) length, &error));
      g_assert_no_error (error);
      array = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                            "values");
      g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (values));
      for (guint i = 0; i < G_N_ELEMENTS (values); i++)
        g_assert_cmpfloat (json_array_get_double_element (array, i), ==, values[i]);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                      "name 1e+20.0"), ==, "1e+20.0 \"e-5.0\" \\");
    }
}

/* the repair alone, on text json-glib 1.6 writes */
static void
test_repair (void)
{
  char text[] = "[1e+20.0,2.5e-30.0,\"1e+20.0\",1e+161.0 ,true,-3e+17.0]";
  gsize n = kiln_json_repair_exponents (text, strlen (text));

  g_assert_cmpstr (text, ==, "[1e+20,2.5e-30,\"1e+20.0\",1e+161 ,true,-3e+17]");
  g_assert_cmpuint (n, ==, strlen (text));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-text/doubles-read-back", test_doubles_read_back);
  g_test_add_func ("/json-text/repair", test_repair);
  return g_test_run ();
}
