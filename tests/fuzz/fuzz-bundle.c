/* fuzz-bundle.c: the .kiln bundle loader (gzip or plain JSON, the recipe and the model inside),
 * then a prediction on rows of every input column's type, then the round trip through JSON: the
 * bundle read back has the same content hash and predicts the same numbers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-fuzz"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-bundle.h"
#include "kiln-fuzz.h"

#define N_ROWS 3

/* Three rows for each input column, of its training type: a value, another, a missing cell. */
static KilnFrame *
make_rows (KilnBundle *bundle)
{
  const KilnRecipeColumn *inputs;
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_column_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_inputs = 0;

  inputs = kiln_bundle_get_input_columns (bundle, &n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      const char *name = inputs[i].name;
      KilnColumn *col = NULL;

      if (name == NULL || !g_hash_table_add (seen, (gpointer) name))
        continue;
      switch (inputs[i].type)
        {
        case KILN_COLUMN_NUMERIC:
          {
            double *v = g_new (double, N_ROWS);
            v[0] = 0.0, v[1] = 1.5, v[2] = NAN;
            col = kiln_column_new_numeric (name, v, N_ROWS);
          }
          break;
        case KILN_COLUMN_BOOLEAN:
          {
            guint8 *v = g_new0 (guint8, N_ROWS);
            guint64 *missing = g_new0 (guint64, 1);
            v[1] = 1;
            kiln_bitmap_set (missing, 2);
            col = kiln_column_new_boolean (name, v, missing, N_ROWS);
          }
          break;
        case KILN_COLUMN_DATETIME:
          {
            gint64 *v = g_new0 (gint64, N_ROWS);
            guint64 *missing = g_new0 (guint64, 1);
            v[1] = G_GINT64_CONSTANT (1700000000000000);
            kiln_bitmap_set (missing, 2);
            col = kiln_column_new_datetime (name, v, missing, N_ROWS);
          }
          break;
        case KILN_COLUMN_CATEGORICAL:
        case KILN_COLUMN_TEXT:
        default:
          {
            GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
            gint32 *codes = g_new (gint32, N_ROWS);
            g_ptr_array_add (cats, g_strdup ("a"));
            g_ptr_array_add (cats, g_strdup ("1"));
            codes[0] = 0, codes[1] = 1, codes[2] = -1;
            col = kiln_column_new_coded (name, inputs[i].type == KILN_COLUMN_TEXT
                                         ? KILN_COLUMN_TEXT : KILN_COLUMN_CATEGORICAL,
                                         codes, cats, N_ROWS);
          }
          break;
        }
      g_ptr_array_add (columns, col);
    }
  return kiln_frame_new ((KilnColumn * const *) columns->pdata, columns->len);
}

static double *
predict (KilnBundle *bundle, KilnFrame *rows, guint *n_out)
{
  g_autoptr(GError) error = NULL;
  guint n_rows = 0;
  double *out = kiln_bundle_predict (bundle, rows, &n_rows, &error);

  g_assert_true ((out == NULL) == (error != NULL));
  *n_out = 0;
  if (out != NULL)
    {
      guint n_outputs = kiln_model_get_n_outputs (kiln_bundle_get_model (bundle));
      g_autofree gint32 *labels = g_new0 (gint32, n_rows);

      g_assert_cmpuint (n_rows, ==, kiln_frame_get_n_rows (rows));
      *n_out = n_rows * n_outputs;
      if (kiln_bundle_get_task (bundle) == KILN_TASK_CLASSIFICATION)
        {
          kiln_bundle_labels (bundle, out, n_rows, labels);
          for (guint r = 0; r < n_rows; r++)
            {
              g_assert_cmpint (labels[r], >=, 0);
              g_assert_cmpint (labels[r], <, (gint32) n_outputs);
            }
        }
    }
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path;
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnBundle) bundle = NULL, again = NULL;
  g_autoptr(KilnFrame) rows = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree double *out = NULL, *out_again = NULL;
  guint n_out = 0, n_out_again = 0;

  kiln_fuzz_init ();
  path = kiln_fuzz_write_file (".kiln", data, size);
  bundle = kiln_bundle_load (path, NULL, &error);
  g_assert_true ((bundle == NULL) == (error != NULL));
  if (bundle == NULL)
    return 0;

  kiln_fuzz_use (g_str_hash (kiln_bundle_get_content_hash (bundle)));
  rows = make_rows (bundle);
  out = predict (bundle, rows, &n_out);

  node = kiln_bundle_to_json (bundle);
  again = kiln_bundle_from_json (node, "round trip", &error);
  if (again == NULL)
    g_error ("a loaded bundle does not read back: %s", error->message);
  if (g_strcmp0 (kiln_bundle_get_content_hash (bundle), kiln_bundle_get_content_hash (again)) != 0)
    {
      g_autoptr(JsonNode) node_again = kiln_bundle_to_json (again);
      g_autofree char *a = kiln_fuzz_json_text (node);
      g_autofree char *b = kiln_fuzz_json_text (node_again);
      g_error ("read back, the bundle changed:\n%s\n%s", a, b);
    }
  out_again = predict (again, rows, &n_out_again);
  g_assert_true ((out == NULL) == (out_again == NULL));
  g_assert_cmpuint (n_out, ==, n_out_again);
  for (guint i = 0; i < n_out; i++)
    {
      g_assert_true (isnan (out[i]) == isnan (out_again[i]));
      if (!isnan (out[i]))
        g_assert_true (out[i] == out_again[i]);
      {
        guint64 bits;
        memcpy (&bits, &out[i], sizeof bits);
        kiln_fuzz_use (bits);
      }
    }
  return 0;
}
