/* kiln-test-features.c: the reference's default preprocessing, for the models' accuracy tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-test-features"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-test-features.h"

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static int
compare_str (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
column_is_numeric (KilnColumn *column)
{
  return kiln_column_is_numeric_like (column);
}

/* The cell as the reference sees it as a string (for classes and categories). */
static char *
cell_string (KilnFrame *frame,
             guint      column,
             guint      row)
{
  return kiln_frame_format_cell (frame, column, row);
}

typedef struct {
  guint       column;
  gboolean    numeric;
  double      median, mean, scale;
  GPtrArray  *categories;   /* sorted */
  GHashTable *index;        /* category -> position + 1 */
  char       *mode;
} Feature;

static void
feature_clear (Feature *f)
{
  g_clear_pointer (&f->categories, g_ptr_array_unref);
  g_clear_pointer (&f->index, g_hash_table_unref);
  g_clear_pointer (&f->mode, g_free);
}

static guint
fill_rows (KilnFrame    *frame,
           const guint  *rows,
           guint         n_rows,
           Feature      *features,
           guint         n_features,
           guint         width,
           KilnDataset  *out,
           int           target,
           GHashTable   *class_index)
{
  for (guint r = 0; r < n_rows; r++)
    {
      guint row = rows[r];
      float *x = out->x + (gsize) r * width;
      guint pos = 0;

      for (guint f = 0; f < n_features; f++)
        {
          Feature *feat = &features[f];
          if (feat->numeric)
            {
              double v = kiln_frame_get_double (frame, feat->column, row);
              if (isnan (v))
                v = feat->median;
              x[pos++] = (float) ((v - feat->mean) / feat->scale);
            }
          else
            {
              g_autofree char *s = cell_string (frame, feat->column, row);
              guint n_cat = feat->categories->len;
              gpointer hit;

              for (guint c = 0; c < n_cat; c++)
                x[pos + c] = 0.0f;
              hit = g_hash_table_lookup (feat->index, s != NULL ? s : feat->mode);
              if (hit != NULL)
                x[pos + GPOINTER_TO_UINT (hit) - 1] = 1.0f;
              pos += n_cat;
            }
        }
      g_assert_cmpuint (pos, ==, width);
      if (out->task == KILN_TASK_CLASSIFICATION)
        {
          g_autofree char *s = cell_string (frame, target, row);
          gpointer hit = g_hash_table_lookup (class_index, s);
          /* Classes unseen in training cannot be predicted; count them as errors (-1 is kept). */
          out->y_class[r] = hit != NULL ? (gint32) GPOINTER_TO_UINT (hit) - 1 : -1;
        }
      else
        out->y_value[r] = kiln_frame_get_double (frame, target, row);
    }
  return n_rows;
}

gboolean
kiln_test_features_build (KilnFrame         *train,
                          KilnFrame         *test,
                          const char        *target_name,
                          KilnTask           task,
                          KilnTestFeatures  *out,
                          GError           **error)
{
  int target = kiln_frame_find_column (train, target_name);
  int test_target = kiln_frame_find_column (test, target_name);
  guint n_cols = kiln_frame_get_n_columns (train);
  g_autofree Feature *features = g_new0 (Feature, n_cols);
  g_autoptr(GHashTable) class_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) train_rows = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) test_rows = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_features = 0, width = 0;

  memset (out, 0, sizeof *out);
  if (target < 0 || test_target != target)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no target column %s", target_name);
      return FALSE;
    }

  for (guint r = 0; r < kiln_frame_get_n_rows (train); r++)
    if (!kiln_frame_is_missing (train, target, r))
      g_array_append_val (train_rows, r);
  for (guint r = 0; r < kiln_frame_get_n_rows (test); r++)
    if (!kiln_frame_is_missing (test, target, r))
      g_array_append_val (test_rows, r);

  out->classes = g_ptr_array_new_with_free_func (g_free);
  if (task == KILN_TASK_CLASSIFICATION)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < train_rows->len; i++)
        {
          char *s = cell_string (train, target, g_array_index (train_rows, guint, i));
          if (!g_hash_table_add (seen, s))
            continue;
          g_ptr_array_add (out->classes, g_strdup (s));
        }
      g_ptr_array_sort (out->classes, compare_str);
      for (guint c = 0; c < out->classes->len; c++)
        g_hash_table_insert (class_index, out->classes->pdata[c], GUINT_TO_POINTER (c + 1));
    }

  for (guint c = 0; c < n_cols; c++)
    {
      KilnColumn *column = kiln_frame_get_column (train, c);
      Feature *f = &features[n_features];
      guint n = train_rows->len;

      if ((int) c == target)
        continue;
      f->column = c;
      f->numeric = column_is_numeric (column);
      if (f->numeric)
        {
          g_autofree double *values = g_new (double, n);
          guint m = 0;
          double sum = 0.0, var = 0.0;

          for (guint i = 0; i < n; i++)
            {
              double v = kiln_frame_get_double (train, c, g_array_index (train_rows, guint, i));
              if (!isnan (v))
                values[m++] = v;
            }
          if (m > 0)
            {
              qsort (values, m, sizeof (double), compare_double);
              f->median = m % 2 ? values[m / 2] : 0.5 * (values[m / 2 - 1] + values[m / 2]);
            }
          for (guint i = 0; i < n; i++)
            {
              double v = kiln_frame_get_double (train, c, g_array_index (train_rows, guint, i));
              sum += isnan (v) ? f->median : v;
            }
          f->mean = sum / n;
          for (guint i = 0; i < n; i++)
            {
              double v = kiln_frame_get_double (train, c, g_array_index (train_rows, guint, i));
              v = isnan (v) ? f->median : v;
              var += (v - f->mean) * (v - f->mean);
            }
          f->scale = sqrt (var / n);
          if (f->scale == 0.0)
            f->scale = 1.0;
          width++;
        }
      else
        {
          g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          GHashTableIter iter;
          gpointer key, value;
          guint best = 0;

          f->categories = g_ptr_array_new_with_free_func (g_free);
          f->index = g_hash_table_new (g_str_hash, g_str_equal);
          for (guint i = 0; i < n; i++)
            {
              char *s = cell_string (train, c, g_array_index (train_rows, guint, i));
              if (s == NULL)
                continue;
              value = g_hash_table_lookup (counts, s);
              if (value == NULL)
                g_hash_table_insert (counts, s, GUINT_TO_POINTER (1));
              else
                {
                  g_hash_table_insert (counts, g_strdup (s), GUINT_TO_POINTER (GPOINTER_TO_UINT (value) + 1));
                  g_free (s);
                }
            }
          g_hash_table_iter_init (&iter, counts);
          while (g_hash_table_iter_next (&iter, &key, &value))
            g_ptr_array_add (f->categories, g_strdup (key));
          g_ptr_array_sort (f->categories, compare_str);
          for (guint k = 0; k < f->categories->len; k++)
            {
              const char *s = f->categories->pdata[k];
              guint cnt = GPOINTER_TO_UINT (g_hash_table_lookup (counts, s));
              g_hash_table_insert (f->index, (gpointer) s, GUINT_TO_POINTER (k + 1));
              /* most_frequent: ties go to the smallest value, as scipy's mode */
              if (cnt > best)
                {
                  best = cnt;
                  g_free (f->mode);
                  f->mode = g_strdup (s);
                }
            }
          if (f->mode == NULL)
            f->mode = g_strdup ("");
          width += f->categories->len;
        }
      n_features++;
    }

  out->train = kiln_dataset_new (train_rows->len, width, task, out->classes->len);
  out->test = kiln_dataset_new (test_rows->len, width, task, out->classes->len);
  fill_rows (train, (guint *) train_rows->data, train_rows->len, features, n_features, width,
             out->train, target, class_index);
  fill_rows (test, (guint *) test_rows->data, test_rows->len, features, n_features, width,
             out->test, target, class_index);
  for (guint f = 0; f < n_features; f++)
    feature_clear (&features[f]);
  return TRUE;
}

void
kiln_test_features_clear (KilnTestFeatures *features)
{
  g_clear_pointer (&features->train, kiln_dataset_free);
  g_clear_pointer (&features->test, kiln_dataset_free);
  g_clear_pointer (&features->classes, g_ptr_array_unref);
}

double
kiln_test_score (KilnModel         *model,
                 const KilnDataset *data)
{
  guint k = data->task == KILN_TASK_CLASSIFICATION ? data->n_classes : 1;
  g_autofree double *out = g_new (double, (gsize) data->n_rows * k);

  kiln_model_predict (model, data, out);
  if (data->task == KILN_TASK_CLASSIFICATION)
    {
      guint correct = 0;
      for (guint i = 0; i < data->n_rows; i++)
        {
          const double *p = out + (gsize) i * k;
          guint best = 0;
          for (guint c = 1; c < k; c++)
            if (p[c] > p[best])
              best = c;
          correct += data->y_class[i] == (gint32) best;
        }
      return (double) correct / data->n_rows;
    }
  else
    {
      double mean = 0.0, sse = 0.0, sst = 0.0;
      for (guint i = 0; i < data->n_rows; i++)
        mean += data->y_value[i];
      mean /= data->n_rows;
      for (guint i = 0; i < data->n_rows; i++)
        {
          sse += (data->y_value[i] - out[i]) * (data->y_value[i] - out[i]);
          sst += (data->y_value[i] - mean) * (data->y_value[i] - mean);
        }
      return 1.0 - sse / sst;
    }
}

KilnFrame *
kiln_test_read_csv (const char *path)
{
  g_autoptr(GError) error = NULL;
  KilnFrame *frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (frame);
  return frame;
}

gboolean
kiln_test_have_sklearn (void)
{
  const char *argv[] = { "/usr/bin/python3", "-c", "import sklearn", NULL };
  int status = -1;

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}
