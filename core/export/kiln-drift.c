/* kiln-drift.c: the training distribution of each input column, saved in the bundle.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-drift"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-drift.h"

/* Shares below this count as this, so that an empty bin on one side gives a large but finite
 * term (the convention of most PSI implementations). */
#define PSI_FLOOR 1e-4

struct _KilnDrift {
  guint            n_rows;
  guint            n_columns;
  KilnDriftColumn *columns;
  GHashTable     **category_bins;   /* per column: category -> bin + 1 (NULL for numeric) */
};

static void
column_clear (KilnDriftColumn *c)
{
  g_free (c->name);
  g_free (c->edges);
  g_strfreev (c->categories);
  g_free (c->shares);
}

void
kiln_drift_free (KilnDrift *drift)
{
  if (drift == NULL)
    return;
  for (guint i = 0; i < drift->n_columns; i++)
    {
      column_clear (&drift->columns[i]);
      g_clear_pointer (&drift->category_bins[i], g_hash_table_unref);
    }
  g_free (drift->columns);
  g_free (drift->category_bins);
  g_free (drift);
}

static KilnDrift *
drift_alloc (guint n_rows, guint n_columns)
{
  KilnDrift *d = g_new0 (KilnDrift, 1);

  d->n_rows = n_rows;
  d->n_columns = n_columns;
  d->columns = g_new0 (KilnDriftColumn, MAX (n_columns, 1));
  d->category_bins = g_new0 (GHashTable *, MAX (n_columns, 1));
  return d;
}

static void
index_categories (KilnDrift *d, guint i)
{
  KilnDriftColumn *c = &d->columns[i];

  d->category_bins[i] = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint b = 0; b + 1 < c->n_bins; b++)
    g_hash_table_insert (d->category_bins[i], c->categories[b], GUINT_TO_POINTER (b + 1));
}

static gboolean
is_categorical (KilnColumnType type)
{
  return type == KILN_COLUMN_CATEGORICAL || type == KILN_COLUMN_TEXT;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

guint
kiln_drift_numeric_bin (const KilnDriftColumn *column,
                        double                 value)
{
  guint lo = 0, hi;

  g_return_val_if_fail (column != NULL, 0);
  /* the number of edges strictly below @value */
  hi = column->n_bins - 1;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (column->edges[mid] < value)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
fit_numeric (KilnDriftColumn *c, KilnFrame *train, int index)
{
  guint n = kiln_frame_get_n_rows (train), m = 0, n_edges = 0;
  g_autofree double *v = g_new (double, MAX (n, 1));
  double edges[KILN_DRIFT_MAX_BINS - 1];

  for (guint r = 0; r < n; r++)
    if (!kiln_frame_is_missing (train, index, r))
      {
        double x = kiln_frame_get_double (train, index, r);
        if (!isnan (x))
          v[m++] = x;
      }
  c->missing = n > 0 ? (double) (n - m) / n : 0;
  qsort (v, m, sizeof (double), compare_doubles);
  if (m > 0)
    for (guint k = 1; k < KILN_DRIFT_MAX_BINS; k++)
      {
        /* the lower k-th decile; equal edges (discrete columns) are kept once */
        double e = v[(gsize) k * (m - 1) / KILN_DRIFT_MAX_BINS];
        if (isfinite (e) && (n_edges == 0 || e > edges[n_edges - 1]))
          edges[n_edges++] = e;
      }
  c->n_bins = n_edges + 1;
  c->edges = g_memdup2 (edges, sizeof (double) * MAX (n_edges, 1));
  c->shares = g_new0 (double, c->n_bins);
  for (guint i = 0; i < m; i++)
    c->shares[kiln_drift_numeric_bin (c, v[i])] += 1;
  for (guint b = 0; b < c->n_bins; b++)
    c->shares[b] = m > 0 ? c->shares[b] / m : 0;
}

typedef struct {
  const char *name;
  guint64     count;
} CategoryCount;

static int
compare_counts (const void *a, const void *b)
{
  const CategoryCount *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->name, y->name);
}

static void
fit_categorical (KilnDriftColumn *c, KilnFrame *train, int index)
{
  guint n = kiln_frame_get_n_rows (train), m = 0, n_cats, kept;
  KilnColumn *col = kiln_frame_get_column (train, index);
  guint n_codes = kiln_column_get_n_categories (col);
  g_autofree guint64 *per_code = g_new0 (guint64, MAX (n_codes, 1));
  g_autofree CategoryCount *counts = NULL;

  for (guint r = 0; r < n; r++)
    {
      gint32 code = kiln_frame_get_code (train, index, r);
      if (code >= 0 && (guint) code < n_codes)
        {
          per_code[code]++;
          m++;
        }
    }
  c->missing = n > 0 ? (double) (n - m) / n : 0;
  counts = g_new (CategoryCount, MAX (n_codes, 1));
  n_cats = 0;
  for (guint k = 0; k < n_codes; k++)
    if (per_code[k] > 0)
      counts[n_cats++] = (CategoryCount) { kiln_column_get_category (col, k), per_code[k] };
  qsort (counts, n_cats, sizeof (CategoryCount), compare_counts);
  kept = MIN (n_cats, KILN_DRIFT_MAX_CATEGORIES);
  c->n_bins = kept + 1;
  c->categories = g_new0 (char *, kept + 1);
  c->shares = g_new0 (double, c->n_bins);
  for (guint k = 0; k < n_cats; k++)
    {
      guint b = MIN (k, kept);
      if (k < kept)
        c->categories[k] = g_strdup (counts[k].name);
      c->shares[b] += m > 0 ? (double) counts[k].count / m : 0;
    }
}

KilnDrift *
kiln_drift_new (KilnFrame              *train,
                const KilnRecipeColumn *inputs,
                guint                   n_inputs)
{
  g_autoptr(KilnDrift) d = NULL;

  g_return_val_if_fail (train != NULL, NULL);
  g_return_val_if_fail (inputs != NULL || n_inputs == 0, NULL);

  d = drift_alloc (kiln_frame_get_n_rows (train), n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      KilnDriftColumn *c = &d->columns[i];
      int index = kiln_frame_find_column (train, inputs[i].name);
      KilnColumnType have;

      if (index < 0)
        return NULL;
      have = kiln_column_get_column_type (kiln_frame_get_column (train, index));
      c->name = g_strdup (inputs[i].name);
      c->type = inputs[i].type;
      c->categorical = is_categorical (inputs[i].type);
      if (c->categorical != is_categorical (have) || have == KILN_COLUMN_DATETIME)
        return NULL;   /* the rows do not have the training types */
      if (c->categorical)
        {
          fit_categorical (c, train, index);
          index_categories (d, i);
        }
      else
        fit_numeric (c, train, index);
    }
  return g_steal_pointer (&d);
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void
add_number (JsonBuilder *b, double v)
{
  /* shares and edges are finite; a share can only be NaN if the file was edited */
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

JsonNode *
kiln_drift_to_json (const KilnDrift *drift)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (drift != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, drift->n_rows);
  json_builder_set_member_name (b, "columns");
  json_builder_begin_array (b);
  for (guint i = 0; i < drift->n_columns; i++)
    {
      const KilnDriftColumn *c = &drift->columns[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, kiln_column_type_to_string (c->type));
      json_builder_set_member_name (b, "missing");
      add_number (b, c->missing);
      json_builder_set_member_name (b, c->categorical ? "categories" : "edges");
      json_builder_begin_array (b);
      for (guint k = 0; k + 1 < c->n_bins; k++)
        {
          if (c->categorical)
            json_builder_add_string_value (b, c->categories[k]);
          else
            add_number (b, c->edges[k]);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "shares");
      json_builder_begin_array (b);
      for (guint k = 0; k < c->n_bins; k++)
        add_number (b, c->shares[k]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
invalid (GError **error, const char *detail)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("its drift reference: %s"), detail);
  return FALSE;
}

static gboolean
read_number (JsonNode *n, double *out)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return isfinite (*out);
}

static gboolean
read_column (JsonNode *node, KilnDriftColumn *c, GError **error)
{
  JsonObject *o;
  JsonNode *n;
  JsonArray *bins, *shares;
  const char *type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, _("a column is not an object"));
  o = json_node_get_object (node);
  n = json_object_get_member (o, "name");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return invalid (error, _("a column has no name"));
  c->name = g_strdup (json_node_get_string (n));
  type = json_object_get_string_member_with_default (o, "type", "");
  if (!kiln_column_type_from_string (type, &c->type) || c->type == KILN_COLUMN_DATETIME)
    return invalid (error, _("a column has an unknown type"));
  c->categorical = is_categorical (c->type);
  if (!read_number (json_object_get_member (o, "missing"), &c->missing)
      || c->missing < 0 || c->missing > 1)
    return invalid (error, _("a column’s missing share is not a number from 0 to 1"));
  n = json_object_get_member (o, c->categorical ? "categories" : "edges");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return invalid (error, _("a column has no bins"));
  bins = json_node_get_array (n);
  n = json_object_get_member (o, "shares");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return invalid (error, _("a column has no shares"));
  shares = json_node_get_array (n);
  if (json_array_get_length (shares) != json_array_get_length (bins) + 1
      || json_array_get_length (bins) > KILN_DRIFT_MAX_CATEGORIES
      || (!c->categorical && json_array_get_length (bins) >= KILN_DRIFT_MAX_BINS))
    return invalid (error, _("a column’s bins and shares do not match"));
  c->n_bins = json_array_get_length (shares);
  c->shares = g_new0 (double, c->n_bins);
  for (guint k = 0; k < c->n_bins; k++)
    if (!read_number (json_array_get_element (shares, k), &c->shares[k]) || c->shares[k] < 0)
      return invalid (error, _("a share is not a number"));
  if (c->categorical)
    {
      c->categories = g_new0 (char *, c->n_bins);
      for (guint k = 0; k + 1 < c->n_bins; k++)
        {
          JsonNode *e = json_array_get_element (bins, k);
          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
            return invalid (error, _("a category is not a string"));
          c->categories[k] = g_strdup (json_node_get_string (e));
        }
    }
  else
    {
      c->edges = g_new0 (double, MAX (c->n_bins - 1, 1));
      for (guint k = 0; k + 1 < c->n_bins; k++)
        if (!read_number (json_array_get_element (bins, k), &c->edges[k])
            || (k > 0 && !(c->edges[k] > c->edges[k - 1])))
          return invalid (error, _("the bin edges are not ascending numbers"));
    }
  return TRUE;
}

KilnDrift *
kiln_drift_from_json (JsonNode  *node,
                      GError   **error)
{
  g_autoptr(KilnDrift) d = NULL;
  JsonObject *o;
  JsonNode *n;
  JsonArray *columns;
  gint64 rows;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, _("it is not an object"));
      return NULL;
    }
  o = json_node_get_object (node);
  n = json_object_get_member (o, "rows");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || (rows = json_node_get_int (n)) < 0 || rows > G_MAXUINT)
    {
      invalid (error, _("its row count is missing"));
      return NULL;
    }
  n = json_object_get_member (o, "columns");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      invalid (error, _("it has no columns"));
      return NULL;
    }
  columns = json_node_get_array (n);
  d = drift_alloc ((guint) rows, json_array_get_length (columns));
  for (guint i = 0; i < d->n_columns; i++)
    {
      if (!read_column (json_array_get_element (columns, i), &d->columns[i], error))
        return NULL;
      if (d->columns[i].categorical)
        index_categories (d, i);
    }
  return g_steal_pointer (&d);
}

/* ---- Lookups ------------------------------------------------------------------------------ */

guint
kiln_drift_get_n_rows (const KilnDrift *drift)
{
  g_return_val_if_fail (drift != NULL, 0);
  return drift->n_rows;
}

guint
kiln_drift_get_n_columns (const KilnDrift *drift)
{
  g_return_val_if_fail (drift != NULL, 0);
  return drift->n_columns;
}

const KilnDriftColumn *
kiln_drift_get_column (const KilnDrift *drift,
                       guint            index)
{
  g_return_val_if_fail (drift != NULL, NULL);
  g_return_val_if_fail (index < drift->n_columns, NULL);
  return &drift->columns[index];
}

int
kiln_drift_find_column (const KilnDrift *drift,
                        const char      *name)
{
  g_return_val_if_fail (drift != NULL, -1);
  for (guint i = 0; i < drift->n_columns; i++)
    if (strcmp (drift->columns[i].name, name) == 0)
      return (int) i;
  return -1;
}

guint
kiln_drift_category_bin (const KilnDrift *drift,
                         guint            column,
                         const char      *value,
                         gboolean        *seen)
{
  gpointer bin;

  g_return_val_if_fail (drift != NULL, 0);
  g_return_val_if_fail (column < drift->n_columns, 0);
  g_return_val_if_fail (drift->category_bins[column] != NULL, 0);

  bin = g_hash_table_lookup (drift->category_bins[column], value);
  if (seen)
    *seen = bin != NULL;
  return bin ? GPOINTER_TO_UINT (bin) - 1 : drift->columns[column].n_bins - 1;
}

double
kiln_drift_psi (const KilnDriftColumn *column,
                const guint64         *counts)
{
  guint64 total = 0;
  double psi = 0;

  g_return_val_if_fail (column != NULL, NAN);
  for (guint b = 0; b < column->n_bins; b++)
    total += counts[b];
  if (total == 0)
    return NAN;
  for (guint b = 0; b < column->n_bins; b++)
    {
      double live = MAX ((double) counts[b] / total, PSI_FLOOR);
      double train = MAX (column->shares[b], PSI_FLOOR);
      psi += (live - train) * log (live / train);
    }
  return psi;
}
