/* trees-features.c: reference-like features for the tree/forest/kNN/naive Bayes tests and bench.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-csv.h"
#include "kiln-frame.h"
#include "trees-features.h"

/* pandas' default missing markers (read_csv na_values) */
static const char * const pandas_na[] = {
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
  "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", NULL,
};

static gboolean
cell_is_missing (const char *s)
{
  if (s == NULL)
    return TRUE;
  for (guint i = 0; pandas_na[i] != NULL; i++)
    if (strcmp (s, pandas_na[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
parse_number (const char *s,
              double     *out)
{
  char *end = NULL;

  *out = g_ascii_strtod (s, &end);
  return end != s && *end == '\0' && isfinite (*out);
}

static KilnFrame *
read_text (const char  *path,
           GError     **error)
{
  KilnCsvOptions options;
  KilnFrame *frame;
  const char *na[] = { NULL };

  kiln_csv_options_init (&options);
  options.detect_types = FALSE;
  options.header = 1;
  options.na_values = g_strdupv ((char **) na);  /* every cell as text: we decide what is missing */
  frame = kiln_csv_read (path, &options, NULL, NULL, NULL, NULL, error);
  kiln_csv_options_clear (&options);
  return frame;
}

static const char *
cell (KilnFrame *frame,
      guint      column,
      guint      row)
{
  const char *s = kiln_frame_get_string (frame, column, row);
  return s != NULL ? s : "";
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

typedef struct {
  guint       column;
  gboolean    numeric;
  double      median, mean, scale;
  GPtrArray  *categories;  /* sorted */
  char       *mode;
  guint       offset;      /* first output feature */
} Feature;

static float
numeric_value (const Feature *f,
               const char    *s)
{
  double v;

  if (cell_is_missing (s) || !parse_number (s, &v))
    v = f->median;
  return (float) ((v - f->mean) / f->scale);
}

static void
fill_rows (KilnDataset   *ds,
           KilnFrame     *frame,
           const GArray  *rows,
           Feature       *features,
           guint          n_features,
           guint          target,
           GPtrArray     *classes,
           GHashTable    *class_index)
{
  guint d = ds->n_features;

  for (guint i = 0; i < rows->len; i++)
    {
      guint r = g_array_index (rows, guint, i);
      float *x = ds->x + (gsize) i * d;
      const char *t = cell (frame, target, r);

      for (guint j = 0; j < n_features; j++)
        {
          Feature *f = &features[j];
          const char *s = cell (frame, f->column, r);

          if (f->numeric)
            x[f->offset] = numeric_value (f, s);
          else
            {
              const char *v = cell_is_missing (s) ? f->mode : s;
              for (guint c = 0; c < f->categories->len; c++)
                if (strcmp (v, g_ptr_array_index (f->categories, c)) == 0)
                  x[f->offset + c] = 1.0f;
            }
        }
      if (ds->task == KILN_TASK_CLASSIFICATION)
        {
          gpointer idx;
          ds->y_class[i] = g_hash_table_lookup_extended (class_index, t, NULL, &idx)
                             ? GPOINTER_TO_INT (idx) : -1;
        }
      else
        parse_number (t, &ds->y_value[i]);
    }
}

static GArray *
rows_with_target (KilnFrame *frame,
                  guint      target,
                  KilnTask   task)
{
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint r = 0; r < kiln_frame_get_n_rows (frame); r++)
    {
      const char *t = cell (frame, target, r);
      double v;

      if (cell_is_missing (t))
        continue;
      if (task == KILN_TASK_REGRESSION && !parse_number (t, &v))
        continue;
      g_array_append_val (rows, r);
    }
  return rows;
}

gboolean
trees_data_load (const char *train_csv,
                 const char *test_csv,
                 const char *target_name,
                 KilnTask    task,
                 TreesData  *out,
                 GError    **error)
{
  g_autoptr(KilnFrame) train = NULL;
  g_autoptr(KilnFrame) test = NULL;
  g_autoptr(GArray) train_rows = NULL;
  g_autoptr(GArray) test_rows = NULL;
  g_autoptr(GHashTable) class_index = NULL;
  Feature *features;
  guint n_columns, n_features = 0, d = 0;
  int target;

  memset (out, 0, sizeof *out);
  train = read_text (train_csv, error);
  if (train == NULL)
    return FALSE;
  test = read_text (test_csv, error);
  if (test == NULL)
    return FALSE;
  target = kiln_frame_find_column (train, target_name);
  if (target < 0 || kiln_frame_find_column (test, target_name) != target)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no target column %s", target_name);
      return FALSE;
    }
  n_columns = kiln_frame_get_n_columns (train);
  if (kiln_frame_get_n_columns (test) != n_columns)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "train and test columns differ");
      return FALSE;
    }
  train_rows = rows_with_target (train, target, task);
  test_rows = rows_with_target (test, target, task);

  features = g_new0 (Feature, n_columns);
  for (guint c = 0; c < n_columns; c++)
    {
      Feature *f = &features[n_features];
      gboolean numeric = TRUE;
      guint n_present = 0;
      g_autofree double *values = g_new (double, train_rows->len);

      if ((int) c == target)
        continue;
      f->column = c;
      for (guint i = 0; i < train_rows->len; i++)
        {
          const char *s = cell (train, c, g_array_index (train_rows, guint, i));
          double v;

          if (cell_is_missing (s))
            continue;
          if (!parse_number (s, &v))
            numeric = FALSE;
          values[n_present++] = v;
        }
      f->numeric = numeric;
      f->offset = d;
      if (numeric)
        {
          double sum = 0.0, sq = 0.0;

          qsort (values, n_present, sizeof (double), compare_doubles);
          f->median = n_present == 0 ? 0.0
                      : (n_present % 2 ? values[n_present / 2]
                                       : (values[n_present / 2 - 1] + values[n_present / 2]) / 2.0);
          for (guint i = 0; i < train_rows->len; i++)
            {
              const char *s = cell (train, c, g_array_index (train_rows, guint, i));
              double v;
              if (cell_is_missing (s) || !parse_number (s, &v))
                v = f->median;
              sum += v;
            }
          f->mean = sum / train_rows->len;
          for (guint i = 0; i < train_rows->len; i++)
            {
              const char *s = cell (train, c, g_array_index (train_rows, guint, i));
              double v;
              if (cell_is_missing (s) || !parse_number (s, &v))
                v = f->median;
              sq += (v - f->mean) * (v - f->mean);
            }
          f->scale = sqrt (sq / train_rows->len);
          if (!(f->scale > 10 * G_MINDOUBLE))
            f->scale = 1.0;
          d += 1;
        }
      else
        {
          g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          GHashTableIter iter;
          gpointer key, value;
          guint best = 0;

          for (guint i = 0; i < train_rows->len; i++)
            {
              const char *s = cell (train, c, g_array_index (train_rows, guint, i));
              gpointer old;
              if (cell_is_missing (s))
                continue;
              old = g_hash_table_lookup (counts, s);
              g_hash_table_replace (counts, g_strdup (s), GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
            }
          f->categories = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_iter_init (&iter, counts);
          while (g_hash_table_iter_next (&iter, &key, &value))
            g_ptr_array_add (f->categories, g_strdup (key));
          g_ptr_array_sort (f->categories, compare_strings);
          /* the most frequent; the smallest on ties (as scipy's mode) */
          for (guint k = 0; k < f->categories->len; k++)
            {
              guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, g_ptr_array_index (f->categories, k)));
              if (n > best)
                {
                  best = n;
                  g_free (f->mode);
                  f->mode = g_strdup (g_ptr_array_index (f->categories, k));
                }
            }
          if (f->mode == NULL)
            f->mode = g_strdup ("");
          d += f->categories->len;
        }
      n_features++;
    }

  if (task == KILN_TASK_CLASSIFICATION)
    {
      out->classes = g_ptr_array_new_with_free_func (g_free);
      class_index = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < train_rows->len; i++)
        {
          const char *t = cell (train, target, g_array_index (train_rows, guint, i));
          if (!g_hash_table_contains (class_index, t))
            {
              g_hash_table_add (class_index, (gpointer) t);
              g_ptr_array_add (out->classes, g_strdup (t));
            }
        }
      g_ptr_array_sort (out->classes, compare_strings);
      g_hash_table_remove_all (class_index);
      for (guint k = 0; k < out->classes->len; k++)
        g_hash_table_insert (class_index, g_ptr_array_index (out->classes, k), GINT_TO_POINTER (k));
    }

  out->train = kiln_dataset_new (train_rows->len, d, task, out->classes ? out->classes->len : 0);
  out->test = kiln_dataset_new (test_rows->len, d, task, out->classes ? out->classes->len : 0);
  fill_rows (out->train, train, train_rows, features, n_features, target, out->classes, class_index);
  fill_rows (out->test, test, test_rows, features, n_features, target, out->classes, class_index);

  for (guint j = 0; j < n_features; j++)
    {
      if (features[j].categories != NULL)
        g_ptr_array_unref (features[j].categories);
      g_free (features[j].mode);
    }
  g_free (features);
  return TRUE;
}

void
trees_data_clear (TreesData *data)
{
  g_clear_pointer (&data->train, kiln_dataset_free);
  g_clear_pointer (&data->test, kiln_dataset_free);
  g_clear_pointer (&data->classes, g_ptr_array_unref);
}

double
trees_score (const KilnDataset *ds,
             const double      *pred)
{
  if (ds->task == KILN_TASK_CLASSIFICATION)
    {
      guint right = 0, C = ds->n_classes;

      for (guint i = 0; i < ds->n_rows; i++)
        {
          const double *p = pred + (gsize) i * C;
          guint best = 0;

          for (guint k = 1; k < C; k++)
            if (p[k] > p[best])
              best = k;
          right += ds->y_class[i] == (gint32) best;
        }
      return (double) right / ds->n_rows;
    }
  else
    {
      double mean = 0.0, ss_res = 0.0, ss_tot = 0.0;

      for (guint i = 0; i < ds->n_rows; i++)
        mean += ds->y_value[i];
      mean /= ds->n_rows;
      for (guint i = 0; i < ds->n_rows; i++)
        {
          ss_res += (ds->y_value[i] - pred[i]) * (ds->y_value[i] - pred[i]);
          ss_tot += (ds->y_value[i] - mean) * (ds->y_value[i] - mean);
        }
      return 1.0 - ss_res / ss_tot;
    }
}
