/* kiln-train-checks.c: plain-language checks before training.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each check is one pass over a column with an early exit, so they stay cheap on millions of
 * rows: the target's classes are found by sorting once; an ID is a column whose codes (or whole
 * numbers, when they fit a bitmap) never repeat; a leak is a feature whose value per class (or
 * per row, for regression) never changes and differs between classes.
 */
#define G_LOG_DOMAIN "kiln-train-checks"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-split.h"
#include "kiln-train-checks.h"

#define ID_MIN_ROWS        20
#define MANY_CLASSES_MIN   20

void
kiln_train_check_free (KilnTrainCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->column);
  g_free (check->message);
  g_free (check);
}

static void
add_check (GPtrArray              *checks,
           KilnTrainCheckSeverity  severity,
           KilnTrainCheckKind      kind,
           const char             *column,
           char                   *message)
{
  KilnTrainCheck *check = g_new0 (KilnTrainCheck, 1);

  check->severity = severity;
  check->kind = kind;
  check->column = g_strdup (column);
  check->message = message;
  g_ptr_array_add (checks, check);
}

typedef struct {
  guint64 key;
  guint32 row;
} KeyRow;

static int
compare_key_row (const void *a,
                 const void *b)
{
  const KeyRow *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

/* A key that is equal exactly when the cells are equal; FALSE when missing. */
static gboolean
cell_key (KilnColumn *column,
          guint       phys,
          guint64    *key)
{
  if (kiln_column_is_missing (column, phys))
    return FALSE;
  switch (kiln_column_get_column_type (column))
    {
    case KILN_COLUMN_NUMERIC:
      {
        double v = kiln_column_get_doubles (column)[phys];
        if (isnan (v))
          return FALSE;
        if (v == 0.0)
          v = 0.0;   /* -0 == +0 */
        memcpy (key, &v, sizeof v);
        return TRUE;
      }
    case KILN_COLUMN_BOOLEAN:
      *key = kiln_column_get_boolean (column, phys);
      return TRUE;
    case KILN_COLUMN_DATETIME:
      *key = (guint64) kiln_column_get_datetime (column, phys);
      return TRUE;
    case KILN_COLUMN_CATEGORICAL:
    case KILN_COLUMN_TEXT:
      {
        gint32 code = kiln_column_get_code (column, phys);
        if (code < 0)
          return FALSE;
        *key = (guint64) code;
        return TRUE;
      }
    default:
      g_return_val_if_reached (FALSE);
    }
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static gboolean
is_feature_type (KilnColumnType type)
{
  return type == KILN_COLUMN_NUMERIC || type == KILN_COLUMN_BOOLEAN
         || type == KILN_COLUMN_CATEGORICAL;
}

static gboolean
name_looks_like_id (const char *name)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);
  gsize len = strlen (lower);

  return g_str_equal (lower, "id") || g_str_equal (lower, "index") || g_str_equal (lower, "row")
         || (len > 2 && (g_str_has_suffix (lower, "_id") || g_str_has_suffix (lower, " id")
                         || g_str_has_suffix (lower, "-id") || g_str_has_suffix (lower, ".id")))
         || (len > 2 && g_str_has_suffix (name, "ID"))
         || (len > 2 && g_str_has_suffix (name, "Id"));
}

/* Non-missing cells, whether there are at least two different values. */
static guint
column_presence (KilnFrame  *frame,
                 KilnColumn *column,
                 gboolean   *varies)
{
  guint n = kiln_frame_get_n_rows (frame), present = 0;
  guint64 first = 0, key;

  *varies = FALSE;
  for (guint r = 0; r < n; r++)
    if (cell_key (column, kiln_frame_get_physical_row (frame, r), &key))
      {
        if (present == 0)
          first = key;
        else if (key != first)
          *varies = TRUE;
        present++;
      }
  return present;
}

static gboolean
looks_like_id (KilnFrame  *frame,
               KilnColumn *column,
               guint       present)
{
  guint n = kiln_frame_get_n_rows (frame);
  KilnColumnType type = kiln_column_get_column_type (column);

  if (present < ID_MIN_ROWS)
    return FALSE;
  if (type == KILN_COLUMN_CATEGORICAL)
    {
      guint n_cat = kiln_column_get_n_categories (column);
      g_autofree guint64 *seen = NULL;

      if (n_cat < present)
        return FALSE;
      seen = g_new0 (guint64, (n_cat + 63) / 64);
      for (guint r = 0; r < n; r++)
        {
          gint32 code = kiln_column_get_code (column, kiln_frame_get_physical_row (frame, r));
          if (code < 0)
            continue;
          if (kiln_bitmap_get (seen, code))
            return FALSE;
          kiln_bitmap_set (seen, code);
        }
      return TRUE;
    }
  if (type == KILN_COLUMN_NUMERIC)
    {
      const double *values = kiln_column_get_doubles (column);
      double lo = INFINITY, hi = -INFINITY;
      g_autofree guint64 *seen = NULL;
      guint64 range;

      for (guint r = 0; r < n; r++)
        {
          double v = values[kiln_frame_get_physical_row (frame, r)];
          if (isnan (v))
            continue;
          if (v != floor (v) || fabs (v) > 1e15)
            return FALSE;
          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
      range = (guint64) (hi - lo) + 1;
      /* Whole numbers that never repeat and nearly fill their range: 1, 2, 3, ... A sparse set of
       * distinct whole numbers (prices, say) counts only when the name says "id". */
      if (range > 4 * (guint64) present)
        {
          g_autofree double *sorted = NULL;
          guint m = 0;

          if (!name_looks_like_id (kiln_column_get_name (column)))
            return FALSE;
          sorted = g_new (double, present);
          for (guint r = 0; r < n && m < present; r++)
            {
              double v = values[kiln_frame_get_physical_row (frame, r)];
              if (!isnan (v))
                sorted[m++] = v;
            }
          qsort (sorted, m, sizeof (double), compare_double);
          for (guint i = 1; i < m; i++)
            if (sorted[i] == sorted[i - 1])
              return FALSE;
          return TRUE;
        }
      seen = g_new0 (guint64, (range + 63) / 64);
      for (guint r = 0; r < n; r++)
        {
          double v = values[kiln_frame_get_physical_row (frame, r)];
          guint i;
          if (isnan (v))
            continue;
          i = (guint) (v - lo);
          if (kiln_bitmap_get (seen, i))
            return FALSE;
          kiln_bitmap_set (seen, i);
        }
      return TRUE;
    }
  return FALSE;
}

/* Classification leak: the feature takes one value per class, and different classes different
 * values (on the rows where both are present). */
static gboolean
maps_one_to_one (KilnFrame     *frame,
                 KilnColumn    *column,
                 const gint32  *row_class,
                 guint          n_classes)
{
  guint n = kiln_frame_get_n_rows (frame), overlap = 0;
  g_autofree guint64 *value_of = g_new0 (guint64, n_classes);
  g_autofree guint8 *assigned = g_new0 (guint8, n_classes);
  g_autofree guint64 *values = NULL;
  guint n_assigned = 0;

  for (guint r = 0; r < n; r++)
    {
      guint64 key;
      gint32 c = row_class[r];

      if (c < 0 || !cell_key (column, kiln_frame_get_physical_row (frame, r), &key))
        continue;
      overlap++;
      if (!assigned[c])
        {
          assigned[c] = TRUE;
          value_of[c] = key;
          n_assigned++;
        }
      else if (value_of[c] != key)
        return FALSE;
    }
  if (overlap < 2 || n_assigned < 2)
    return FALSE;
  values = g_new (guint64, n_assigned);
  n_assigned = 0;
  for (guint c = 0; c < n_classes; c++)
    if (assigned[c])
      values[n_assigned++] = value_of[c];
  for (guint i = 0; i < n_assigned; i++)
    for (guint j = i + 1; j < n_assigned && j < i + 1 + 4096; j++)
      if (values[i] == values[j])
        return FALSE;
  /* with many classes the quadratic check above is capped; sort instead */
  if (n_assigned > 4096)
    {
      KeyRow *pairs = g_new (KeyRow, n_assigned);
      gboolean distinct = TRUE;
      for (guint i = 0; i < n_assigned; i++)
        pairs[i] = (KeyRow) { values[i], i };
      qsort (pairs, n_assigned, sizeof (KeyRow), compare_key_row);
      for (guint i = 1; i < n_assigned && distinct; i++)
        distinct = pairs[i].key != pairs[i - 1].key;
      g_free (pairs);
      return distinct;
    }
  return TRUE;
}

/* Classification leak of another kind: every value of the feature goes with one class (a rating
 * of 1-4 is always "negative", 9-10 always "positive"), though several values share a class. Only
 * for features with few values (at most one per ten rows): an identifier or free text trivially
 * "determines" the class of the one row each value has. */
static gboolean
determines_class (KilnFrame     *frame,
                  KilnColumn    *column,
                  const gint32  *row_class)
{
  guint n = kiln_frame_get_n_rows (frame), max_values = n / 10, n_values = 0, overlap = 0;
  gsize cap = 64, mask;
  g_autofree guint64 *keys = NULL;
  g_autofree gint32 *classes = NULL;
  gint32 first_class = -1;
  gboolean two_classes = FALSE;

  if (max_values < 2)
    return FALSE;
  while (cap < (gsize) max_values * 2 + 2)
    cap <<= 1;
  mask = cap - 1;
  keys = g_new (guint64, cap);
  classes = g_new (gint32, cap);
  for (gsize i = 0; i < cap; i++)
    classes[i] = -1;
  for (guint r = 0; r < n; r++)
    {
      guint64 key;
      gint32 c = row_class[r];
      gsize j;

      if (c < 0 || !cell_key (column, kiln_frame_get_physical_row (frame, r), &key))
        continue;
      overlap++;
      if (first_class < 0)
        first_class = c;
      else if (c != first_class)
        two_classes = TRUE;
      for (j = (key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32 & mask;
           classes[j] >= 0 && keys[j] != key; j = (j + 1) & mask)
        ;
      if (classes[j] < 0)
        {
          if (++n_values > max_values)
            return FALSE;
          keys[j] = key;
          classes[j] = c;
        }
      else if (classes[j] != c)
        return FALSE;
    }
  return overlap >= 2 && n_values >= 2 && two_classes;
}

/* Regression leak: equal numbers on every row where both are present. */
static gboolean
equals_target (KilnFrame  *frame,
               KilnColumn *column,
               KilnColumn *target)
{
  guint n = kiln_frame_get_n_rows (frame), overlap = 0;

  if (!kiln_column_is_numeric_like (column))
    return FALSE;
  for (guint r = 0; r < n; r++)
    {
      guint phys = kiln_frame_get_physical_row (frame, r);
      double a = kiln_column_get_double (column, phys), b = kiln_column_get_double (target, phys);

      if (isnan (a) || isnan (b))
        continue;
      if (a != b)
        return FALSE;
      overlap++;
    }
  return overlap >= 2;
}

static char *
class_name (KilnColumn *target,
            guint       phys)
{
  char *s = kiln_column_format_cell (target, phys);

  return s != NULL ? s : g_strdup ("");
}

/* Target checks for classification. Fills @row_class (per frame row, -1 missing). */
static void
check_classes (GPtrArray            *checks,
               KilnFrame            *frame,
               KilnColumn           *target,
               const KilnTrainSplit *split,
               gint32               *row_class,
               guint                *n_classes_out)
{
  const char *name = kiln_column_get_name (target);
  guint n = kiln_frame_get_n_rows (frame), m = 0, n_classes = 0;
  g_autofree KeyRow *pairs = g_new (KeyRow, MAX (n, 1));
  double fractions[2] = { split->validation, split->test };

  for (guint r = 0; r < n; r++)
    {
      guint64 key;
      row_class[r] = -1;
      if (cell_key (target, kiln_frame_get_physical_row (frame, r), &key))
        pairs[m++] = (KeyRow) { key, r };
    }
  qsort (pairs, m, sizeof (KeyRow), compare_key_row);
  for (guint i = 0; i < m;)
    {
      guint j = i;
      guint count;

      while (j < m && pairs[j].key == pairs[i].key)
        row_class[pairs[j++].row] = n_classes;
      count = j - i;
      n_classes++;

      if (n_classes >= 2 || j < m)
        {
          guint phys = kiln_frame_get_physical_row (frame, pairs[i].row);
          gboolean split_off = split->validation > 0.0 || split->test > 0.0;

          if (count == 1 && split_off && split->stratify && split->split_by == NULL)
            {
              g_autofree char *cls = class_name (target, phys);
              add_check (checks, KILN_TRAIN_CHECK_ERROR, KILN_TRAIN_CHECK_SINGLE_ROW_CLASS, name,
                         g_strdup_printf (_("Class “%s” of “%s” has a single row, so it cannot be in both the training and the test rows. Remove that row or merge the class with another."),
                                          cls, name));
            }
          else
            for (guint s = 0; s < G_N_ELEMENTS (fractions); s++)
              if (fractions[s] > 0.0 && count * fractions[s] < 1.0)
                {
                  g_autofree char *cls = class_name (target, phys);
                  add_check (checks, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_SMALL_CLASS, name,
                             s == 0
                             ? g_strdup_printf (ngettext ("Class “%s” of “%s” has only %u row: the validation rows will likely have none of it.",
                                                          "Class “%s” of “%s” has only %u rows: the validation rows will likely have none of them.",
                                                          count), cls, name, count)
                             : g_strdup_printf (ngettext ("Class “%s” of “%s” has only %u row: the test rows will likely have none of it.",
                                                          "Class “%s” of “%s” has only %u rows: the test rows will likely have none of them.",
                                                          count), cls, name, count));
                  break;
                }
        }
      i = j;
    }
  *n_classes_out = n_classes;

  if (kiln_column_get_column_type (target) == KILN_COLUMN_NUMERIC
      && n_classes >= MANY_CLASSES_MIN && n_classes * 2 > m)
    add_check (checks, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_MANY_CLASSES, name,
               g_strdup_printf (_("The target “%s” holds %u different numbers; as classes they will be hard to predict. Choose regression to predict a quantity."),
                                name, n_classes));
}

/* Rows in time order: with a date column among the features and a random split, suggest a
 * split by time; when the random split (as training will make it: same fractions, seed and
 * stratification) puts training rows after the earliest validation or test row, say how many. */
static void
check_time_order (GPtrArray            *checks,
                  KilnFrame            *frame,
                  int                   target,
                  KilnTask              task,
                  const KilnTrainSplit *split,
                  GArray               *columns)
{
  KilnSplitFractions fractions = { split->train, split->validation, split->test };
  g_autoptr(GArray) train = NULL, val = NULL, test = NULL;
  KilnColumn *date = NULL;
  gint64 earliest = G_MAXINT64;
  guint later = 0, n_train_dated = 0;
  const char *name;

  if (split->split_by != NULL || !(split->validation > 0.0 || split->test > 0.0))
    return;
  for (guint i = 0; i < columns->len && date == NULL; i++)
    {
      KilnColumn *column = kiln_frame_get_column (frame, g_array_index (columns, guint, i));
      gboolean varies;

      if (kiln_column_get_column_type (column) == KILN_COLUMN_DATETIME
          && column_presence (frame, column, &varies) > 0 && varies)
        date = column;
    }
  if (date == NULL)
    return;
  name = kiln_column_get_name (date);

  if (kiln_split_train_val_test (frame, target, &fractions,
                                 split->stratify && task == KILN_TASK_CLASSIFICATION && target >= 0,
                                 split->seed, &train, &val, &test, NULL))
    {
      GArray *held[2] = { val, test };

      for (guint h = 0; h < 2; h++)
        for (guint i = 0; i < held[h]->len; i++)
          {
            guint p = kiln_frame_get_physical_row (frame, g_array_index (held[h], guint32, i));
            if (!kiln_column_is_missing (date, p))
              earliest = MIN (earliest, kiln_column_get_datetime (date, p));
          }
      for (guint i = 0; i < train->len; i++)
        {
          guint p = kiln_frame_get_physical_row (frame, g_array_index (train, guint32, i));
          if (kiln_column_is_missing (date, p))
            continue;
          n_train_dated++;
          later += kiln_column_get_datetime (date, p) > earliest;
        }
    }
  if (later > 0)
    add_check (checks, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_FUTURE_ROWS, name,
               g_strdup_printf (ngettext ("Column “%s” holds dates, and the random split puts %u of the %u dated training rows later than the earliest row the model is tested on: it would learn from the future it is tested on. Split the rows by time instead, so the latest rows are the test rows.",
                                          "Column “%s” holds dates, and the random split puts %u of the %u dated training rows later than the earliest row the model is tested on: it would learn from the future it is tested on. Split the rows by time instead, so the latest rows are the test rows.",
                                          later),
                                name, later, n_train_dated));
  else
    add_check (checks, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_TIME_ORDER, name,
               g_strdup_printf (_("Column “%s” holds dates. If the rows follow one another in time, split them by time, so the model is tested on the latest rows as it will be used: on rows later than those it learned from."),
                                name));
}

GPtrArray *
kiln_train_checks_run (KilnFrame            *frame,
                       const char           *target_name,
                       KilnTask              task,
                       const KilnTrainSplit *split,
                       const char * const   *features)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_train_check_free);
  GPtrArray *checks;
  KilnTrainSplit default_split = { 0.8, 0.0, 0.2, TRUE, 42, NULL };
  g_autofree gint32 *row_class = NULL;
  g_autoptr(GArray) columns = g_array_new (FALSE, FALSE, sizeof (guint));
  KilnColumn *target;
  guint n, n_classes = 0, present, usable = 0;
  gboolean varies;
  int t;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (target_name != NULL, NULL);

  if (split == NULL)
    split = &default_split;
  n = kiln_frame_get_n_rows (frame);
  t = kiln_frame_find_column (frame, target_name);
  if (t < 0)
    {
      add_check (found, KILN_TRAIN_CHECK_ERROR, KILN_TRAIN_CHECK_NO_TARGET, target_name,
                 g_strdup_printf (_("There is no column called “%s” to predict."), target_name));
      goto out;
    }
  target = kiln_frame_get_column (frame, t);

  /* The target. */
  present = column_presence (frame, target, &varies);
  if (present == 0)
    {
      add_check (found, KILN_TRAIN_CHECK_ERROR, KILN_TRAIN_CHECK_EMPTY_TARGET, target_name,
                 g_strdup_printf (_("The target column “%s” is empty: no row has a value to learn from."),
                                  target_name));
      goto features;
    }
  if (task == KILN_TASK_REGRESSION && !kiln_column_is_numeric_like (target))
    add_check (found, KILN_TRAIN_CHECK_ERROR, KILN_TRAIN_CHECK_TARGET_NOT_NUMERIC, target_name,
               g_strdup_printf (_("The target column “%s” does not hold numbers, so it cannot be predicted as a quantity. Choose classification instead."),
                                target_name));
  if (!varies)
    {
      g_autofree char *value = NULL;
      for (guint r = 0; r < n && value == NULL; r++)
        value = kiln_column_format_cell (target, kiln_frame_get_physical_row (frame, r));
      add_check (found, KILN_TRAIN_CHECK_ERROR, KILN_TRAIN_CHECK_CONSTANT_TARGET, target_name,
                 g_strdup_printf (_("Every row has the same value (“%s”) in the target column “%s”: there is nothing to predict."),
                                  value != NULL ? value : "", target_name));
    }
  if (present < n)
    add_check (found, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_MISSING_TARGET, target_name,
               g_strdup_printf (ngettext ("%u row has no value in the target column “%s” and will be left out.",
                                          "%u rows have no value in the target column “%s” and will be left out.",
                                          n - present), n - present, target_name));
  if (task == KILN_TASK_CLASSIFICATION && varies)
    {
      row_class = g_new (gint32, MAX (n, 1));
      check_classes (found, frame, target, split, row_class, &n_classes);
    }

features:
  /* The features. */
  if (features != NULL)
    {
      for (guint i = 0; features[i] != NULL; i++)
        {
          int c = kiln_frame_find_column (frame, features[i]);
          if (c >= 0 && c != t)
            g_array_append_val (columns, c);
        }
    }
  else
    for (guint c = 0; c < kiln_frame_get_n_columns (frame); c++)
      if ((int) c != t)
        g_array_append_val (columns, c);

  for (guint i = 0; i < columns->len; i++)
    {
      KilnColumn *column = kiln_frame_get_column (frame, g_array_index (columns, guint, i));
      const char *name = kiln_column_get_name (column);
      guint column_present;
      gboolean column_varies;

      if (!is_feature_type (kiln_column_get_column_type (column)))
        continue;
      column_present = column_presence (frame, column, &column_varies);
      if (column_present == 0 || !column_varies)
        continue;
      usable++;

      if (looks_like_id (frame, column, column_present))
        {
          add_check (found, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_ID_COLUMN, name,
                     g_strdup_printf (_("Column “%s” looks like an identifier: every row has a different value. It cannot help predictions; leave it out."),
                                      name));
          continue;
        }
      if (t >= 0 && present > 0
          && ((task == KILN_TASK_CLASSIFICATION && row_class != NULL
               && maps_one_to_one (frame, column, row_class, n_classes))
              || (task == KILN_TASK_REGRESSION && equals_target (frame, column, target))))
        add_check (found, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_LEAK, name,
                   g_strdup_printf (_("Column “%s” is the same as the target “%s” under another name (a leak): a model would simply copy it. Leave it out."),
                                    name, target_name));
      else if (t >= 0 && present > 0 && task == KILN_TASK_CLASSIFICATION && row_class != NULL
               && determines_class (frame, column, row_class))
        add_check (found, KILN_TRAIN_CHECK_WARNING, KILN_TRAIN_CHECK_LEAK, name,
                   g_strdup_printf (_("Column “%s” determines the target “%s”: each of its values always comes with the same class (a leak). A model would learn that rule instead of anything it could use on new data. Leave it out."),
                                    name, target_name));
    }
  if (t >= 0 && present > 0)
    check_time_order (found, frame, t, task, split, columns);
  if (usable == 0)
    add_check (found, KILN_TRAIN_CHECK_ERROR, KILN_TRAIN_CHECK_NO_FEATURES, NULL,
               g_strdup (_("There are no usable feature columns: every column other than the target is empty, constant or free text.")));

out:
  /* Errors first, otherwise in the order found. */
  checks = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_train_check_free);
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < found->len; i++)
      {
        KilnTrainCheck *check = found->pdata[i];
        if (check != NULL && (pass == 0) == (check->severity == KILN_TRAIN_CHECK_ERROR))
          g_ptr_array_add (checks, g_steal_pointer (&found->pdata[i]));
      }
  return checks;
}

gboolean
kiln_train_checks_has_errors (GPtrArray *checks)
{
  g_return_val_if_fail (checks != NULL, FALSE);

  for (guint i = 0; i < checks->len; i++)
    if (((KilnTrainCheck *) checks->pdata[i])->severity == KILN_TRAIN_CHECK_ERROR)
      return TRUE;
  return FALSE;
}

gboolean
kiln_train_checks_to_error (GPtrArray  *checks,
                            GError    **error)
{
  g_return_val_if_fail (checks != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < checks->len; i++)
    {
      KilnTrainCheck *check = checks->pdata[i];
      if (check->severity == KILN_TRAIN_CHECK_ERROR)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, check->message);
          return FALSE;
        }
    }
  return TRUE;
}
