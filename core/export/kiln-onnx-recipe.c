/* kiln-onnx-recipe.c: the fitted recipe as ONNX operators, from raw named inputs to the features.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Numeric (and boolean) inputs are double, as Kiln reads a CSV's numbers: a float input would
 * already differ from Kiln's value in the eighth digit, and after scaling that can move a
 * feature across a tree's threshold (seen on diamonds: 7 rows of 1,500 took another branch).
 *
 * The steps are replayed on a table of columns, as kiln_recipe_apply() replays them on a frame
 * of a non-training split (so nothing removes rows: deduplication and outlier or missing-value
 * removal are for training rows only; an IMPUTE DROP step fills with the median / mode it
 * learnt, as on any other split). A numeric column is one column of a double [N, w] tensor:
 * a step takes the columns it changes into one tensor (a Concat of slices, or the tensor itself
 * when they already are one), applies itself with per-column constant vectors, and its output
 * then holds those columns. The arithmetic is the steps' own, in double and in the same order:
 *   impute   x = isnan (x) ? fill : x
 *   IQR clip x = x < lower ? lower : (x > upper ? upper : x)   (NaN stays NaN)
 *   scale    x = (x - offset) / scale
 * A categorical column stays its string input (the empty string: missing) until an ENCODE step:
 * an IMPUTE step before it only records the category that replaces a missing value. ENCODE maps
 * strings to the category's index in the fitted (sorted) list with ai.onnx.ml LabelEncoder:
 * unseen -1, missing -2 (or the filled category's index); one-hot compares that index with
 * 0 .. K-1 (unseen and missing match none: all zeros, as Kiln's indicators), ordinal casts it
 * (missing: NaN). The features are then gathered in kiln_recipe_get_feature_names() order and
 * rounded to float, as kiln_recipe_feature_matrix() rounds them.
 */
#define G_LOG_DOMAIN "kiln-onnx"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-onnx-private.h"

/* LabelEncoder's codes besides 0 .. K-1 */
#define CODE_UNSEEN  (-1)
#define CODE_MISSING (-2)

typedef struct {
  gboolean    is_string;
  const char *tensor;    /* double [N, width], or string [N, 1] */
  guint       width;
  guint       index;     /* numeric: the column of @tensor */
  const char *fill;      /* string: the category a missing value becomes, or NULL */
  gboolean    missing;   /* numeric: may still be NaN (no fill since the input) */
} Column;

typedef struct {
  KilnOnnxGraph *graph;
  GHashTable    *columns;   /* name -> Column* (g_free) */
} Replay;

static Column *
column_new (const char *tensor, guint width, guint index)
{
  Column *c = g_new0 (Column, 1);

  c->missing = TRUE;
  c->tensor = tensor;
  c->width = width;
  c->index = index;
  return c;
}

static void
set_column (Replay *r, const char *name, Column *column)
{
  g_hash_table_replace (r->columns, _kiln_onnx_strdup (r->graph, name), column);
}

/* Slice columns [first, first + n) of a double [N, width] tensor. */
static const char *
slice (Replay *r, const char *tensor, guint width, guint first, guint n)
{
  gint64 starts = first, ends = first + n, axes = 1;

  if (first == 0 && n == width)
    return tensor;
  return _kiln_onnx_op (r->graph, "Slice", tensor,
                        _kiln_onnx_vector_int64s (r->graph, "starts", &starts, 1),
                        _kiln_onnx_vector_int64s (r->graph, "ends", &ends, 1),
                        _kiln_onnx_vector_int64s (r->graph, "axes", &axes, 1), NULL);
}

/* One double [N, n] tensor holding @cols in order: runs of adjacent columns of one tensor
 * become one slice, and the slices one Concat. */
static const char *
gather_columns (Replay *r, Column **cols, guint n)
{
  g_autoptr(GPtrArray) pieces = g_ptr_array_new ();
  Onnx__NodeProto *concat;

  for (guint i = 0; i < n;)
    {
      guint j = i + 1;

      while (j < n && cols[j]->tensor == cols[i]->tensor &&
             cols[j]->index == cols[j - 1]->index + 1)
        j++;
      g_ptr_array_add (pieces, (gpointer) slice (r, cols[i]->tensor, cols[i]->width,
                                                 cols[i]->index, j - i));
      i = j;
    }
  if (pieces->len == 1)
    return pieces->pdata[0];
  g_ptr_array_add (pieces, NULL);
  concat = _kiln_onnx_node_v (r->graph, "", "Concat", (const char * const *) pieces->pdata, 1);
  _kiln_onnx_attr_int (r->graph, concat, "axis", 1);
  return concat->output[0];
}

/* The numeric columns of @step present in the table (with their step index), or an error when
 * one of them is a category where the step wants numbers. */
static gboolean
step_numeric_columns (Replay *r, KilnStep *step, GPtrArray *cols, GArray *which,
                      GError **error)
{
  const char * const *names = kiln_step_get_columns (step);

  for (guint i = 0; i < kiln_step_get_n_columns (step); i++)
    {
      Column *c = g_hash_table_lookup (r->columns, names[i]);

      if (c == NULL)
        continue;   /* not among the inputs: nothing the features need */
      if (c->is_string)
        {
          if (kiln_step_get_kind (step) == KILN_STEP_IMPUTE)
            continue;
          g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                       _("The recipe treats column “%s” as numbers and as categories; it "
                         "cannot be exported"), names[i]);
          return FALSE;
        }
      g_ptr_array_add (cols, c);
      g_array_append_val (which, i);
    }
  return TRUE;
}

/* The step's new tensor now holds its columns. */
static void
rebind (Replay *r, GPtrArray *cols, const char *tensor)
{
  for (guint i = 0; i < cols->len; i++)
    {
      Column *c = cols->pdata[i];
      c->tensor = tensor;
      c->width = cols->len;
      c->index = i;
    }
}

static gboolean
replay_impute (Replay *r, KilnStep *step, GError **error)
{
  g_autoptr(GPtrArray) cols = g_ptr_array_new ();
  g_autoptr(GArray) which = g_array_new (FALSE, FALSE, sizeof (guint));
  const char * const *names = kiln_step_get_columns (step);
  g_autofree double *fill = NULL;
  const char *x, *filled;

  /* categories: remember what a missing value becomes (the first fill wins, as the first
   * step leaves nothing missing for later ones) */
  for (guint i = 0; i < kiln_step_get_n_columns (step); i++)
    {
      Column *c = g_hash_table_lookup (r->columns, names[i]);
      const char *text = kiln_step_get_impute_text (step, i);

      if (c != NULL && c->is_string && c->fill == NULL && text != NULL)
        c->fill = _kiln_onnx_strdup (r->graph, text);
    }

  if (!step_numeric_columns (r, step, cols, which, error))
    return FALSE;
  if (cols->len == 0)
    return TRUE;
  fill = g_new (double, cols->len);
  for (guint i = 0; i < cols->len; i++)
    {
      guint s = g_array_index (which, guint, i);
      fill[i] = kiln_step_get_impute_number (step, s);
      if (kiln_step_get_impute_text (step, s) != NULL)
        {
          g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                       _("The recipe fills numeric column “%s” with a category; it cannot be "
                         "exported"), names[s]);
          return FALSE;
        }
    }
  x = gather_columns (r, (Column **) cols->pdata, cols->len);
  filled = _kiln_onnx_op (r->graph, "Where",
                          _kiln_onnx_op (r->graph, "IsNaN", x, NULL),
                          _kiln_onnx_vector_doubles (r->graph, "fill", fill, cols->len),
                          x, NULL);
  rebind (r, cols, filled);
  for (guint i = 0; i < cols->len; i++)
    if (!isnan (fill[i]))
      ((Column *) cols->pdata[i])->missing = FALSE;
  return TRUE;
}

static gboolean
replay_iqr (Replay *r, KilnStep *step, GError **error)
{
  g_autoptr(GPtrArray) cols = g_ptr_array_new ();
  g_autoptr(GArray) which = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) clipped = g_ptr_array_new ();
  g_autofree double *lower = NULL, *upper = NULL;
  const char *x, *lo, *hi, *y;
  guint n = 0;

  /* removing rows is for training data only; other rows are kept as they are */
  if (kiln_step_get_iqr_action (step) != KILN_IQR_CLIP)
    return TRUE;
  if (!step_numeric_columns (r, step, cols, which, error))
    return FALSE;
  lower = g_new (double, MAX (cols->len, 1));
  upper = g_new (double, MAX (cols->len, 1));
  for (guint i = 0; i < cols->len; i++)
    {
      double l, u;

      kiln_step_get_iqr_bounds (step, g_array_index (which, guint, i), &l, &u);
      if (isnan (l) || isnan (u))
        continue;   /* no values in training: Kiln leaves the column alone */
      lower[n] = l;
      upper[n] = u;
      n++;
      g_ptr_array_add (clipped, cols->pdata[i]);
    }
  if (n == 0)
    return TRUE;
  x = gather_columns (r, (Column **) clipped->pdata, n);
  lo = _kiln_onnx_vector_doubles (r->graph, "lower", lower, n);
  hi = _kiln_onnx_vector_doubles (r->graph, "upper", upper, n);
  y = _kiln_onnx_op (r->graph, "Where", _kiln_onnx_op (r->graph, "Less", x, lo, NULL), lo,
                     _kiln_onnx_op (r->graph, "Where",
                                    _kiln_onnx_op (r->graph, "Greater", x, hi, NULL), hi, x, NULL),
                     NULL);
  rebind (r, clipped, y);
  return TRUE;
}

static gboolean
replay_scale (Replay *r, KilnStep *step, GError **error)
{
  g_autoptr(GPtrArray) cols = g_ptr_array_new ();
  g_autoptr(GArray) which = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree double *offset = NULL, *scale = NULL;
  const char *x, *y;

  if (kiln_step_get_scaling (step) == KILN_SCALE_NONE)
    return TRUE;
  if (!step_numeric_columns (r, step, cols, which, error))
    return FALSE;
  if (cols->len == 0)
    return TRUE;
  offset = g_new (double, cols->len);
  scale = g_new (double, cols->len);
  for (guint i = 0; i < cols->len; i++)
    kiln_step_get_scale_params (step, g_array_index (which, guint, i), &offset[i], &scale[i]);
  x = gather_columns (r, (Column **) cols->pdata, cols->len);
  y = _kiln_onnx_op (r->graph, "Div",
                     _kiln_onnx_op (r->graph, "Sub", x,
                                    _kiln_onnx_vector_doubles (r->graph, "offset", offset,
                                                               cols->len), NULL),
                     _kiln_onnx_vector_doubles (r->graph, "scale", scale, cols->len), NULL);
  rebind (r, cols, y);
  return TRUE;
}

/* The int64 [N, 1] index of each row's category among @cats, or CODE_UNSEEN / CODE_MISSING. */
static const char *
category_codes (Replay *r, const char *name, Column *c, const char * const *cats, guint k,
                GError **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 missing = CODE_MISSING;
  Onnx__NodeProto *node;

  for (guint j = 0; j < k; j++)
    {
      gint64 v = j;

      if (cats[j][0] == '\0')
        {
          g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                       _("Column “%s” has an empty category, which ONNX inputs use for a "
                         "missing value"), name);
          return NULL;
        }
      g_ptr_array_add (keys, (gpointer) cats[j]);
      g_array_append_val (values, v);
    }
  if (c->fill != NULL)
    {
      missing = CODE_UNSEEN;   /* a fill category not seen in training encodes as unseen */
      for (guint j = 0; j < k; j++)
        if (strcmp (cats[j], c->fill) == 0)
          missing = j;
    }
  g_ptr_array_add (keys, (gpointer) "");
  g_array_append_val (values, missing);

  node = _kiln_onnx_node (r->graph, KILN_ONNX_ML_DOMAIN, "LabelEncoder", 1, c->tensor, NULL);
  _kiln_onnx_attr_strings (r->graph, node, "keys_strings", (const char * const *) keys->pdata,
                           keys->len);
  _kiln_onnx_attr_ints (r->graph, node, "values_int64s", (const gint64 *) values->data,
                        values->len);
  _kiln_onnx_attr_int (r->graph, node, "default_int64", CODE_UNSEEN);
  return node->output[0];
}

static gboolean
replay_encode (Replay *r, KilnStep *step, GError **error)
{
  const char * const *names = kiln_step_get_columns (step);
  KilnEncoding encoding = kiln_step_get_encoding (step);

  for (guint i = 0; i < kiln_step_get_n_columns (step); i++)
    {
      Column *c = g_hash_table_lookup (r->columns, names[i]);
      guint k;
      const char * const *cats = kiln_step_get_categories (step, i, &k);
      const char *codes;

      if (c == NULL)
        continue;
      if (!c->is_string)
        {
          g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                       _("The recipe encodes column “%s” as categories after it became "
                         "numbers; it cannot be exported"), names[i]);
          return FALSE;
        }
      codes = category_codes (r, names[i], c, cats, k, error);
      if (codes == NULL)
        return FALSE;

      if (encoding == KILN_ENCODE_ONEHOT)
        {
          g_autofree gint64 *range = g_new (gint64, MAX (k, 1));
          Onnx__NodeProto *cast;
          const char *onehot;

          g_hash_table_remove (r->columns, names[i]);
          if (k == 0)
            continue;
          for (guint j = 0; j < k; j++)
            range[j] = j;
          cast = _kiln_onnx_node (r->graph, "", "Cast", 1,
                                  _kiln_onnx_op (r->graph, "Equal", codes,
                                                 _kiln_onnx_vector_int64s (r->graph, "categories",
                                                                           range, k), NULL),
                                  NULL);
          _kiln_onnx_attr_int (r->graph, cast, "to", KILN_ONNX_T_DOUBLE);
          onehot = cast->output[0];
          for (guint j = 0; j < k; j++)
            {
              g_autofree char *indicator = g_strdup_printf ("%s=%s", names[i], cats[j]);
              Column *indicator_column = column_new (onehot, k, j);

              indicator_column->missing = FALSE;   /* all zeros, never NaN */
              set_column (r, indicator, indicator_column);
            }
        }
      else
        {
          Onnx__NodeProto *cast = _kiln_onnx_node (r->graph, "", "Cast", 1, codes, NULL);
          gint64 code_missing = CODE_MISSING;
          const char *ordinal;

          _kiln_onnx_attr_int (r->graph, cast, "to", KILN_ONNX_T_DOUBLE);
          ordinal = _kiln_onnx_op (r->graph, "Where",
                                   _kiln_onnx_op (r->graph, "Equal", codes,
                                                  _kiln_onnx_vector_int64s (r->graph, "missing",
                                                                            &code_missing, 1),
                                                  NULL),
                                   _kiln_onnx_scalar_double (r->graph, "nan", NAN),
                                   cast->output[0], NULL);
          Column *ordinal_column = column_new (ordinal, 1, 0);

          ordinal_column->missing = c->fill == NULL;
          set_column (r, names[i], ordinal_column);
        }
    }
  return TRUE;
}

const char *
_kiln_onnx_lower_recipe (KilnOnnxGraph  *graph,
                         KilnRecipe     *recipe,
                         const char    **missing_rows,
                         GError        **error)
{
  Replay r = { graph, g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free) };
  guint n_inputs, n_features;
  const KilnRecipeColumn *inputs = kiln_recipe_get_input_columns (recipe, &n_inputs);
  const char * const *features = kiln_recipe_get_feature_names (recipe, &n_features);
  g_autofree Column **cols = g_new0 (Column *, MAX (n_features, 1));
  const char *result = NULL, *x;
  Onnx__NodeProto *cast;

  for (guint i = 0; i < n_inputs; i++)
    {
      gint64 dims[2] = { -1, 1 };

      switch (inputs[i].type)
        {
        case KILN_COLUMN_NUMERIC:
        case KILN_COLUMN_BOOLEAN:
          _kiln_onnx_graph_input (graph, inputs[i].name, KILN_ONNX_T_DOUBLE, dims, 2);
          set_column (&r, inputs[i].name, column_new (inputs[i].name, 1, 0));
          break;
        case KILN_COLUMN_CATEGORICAL:
          {
            Column *c = column_new (inputs[i].name, 1, 0);

            _kiln_onnx_graph_input (graph, inputs[i].name, KILN_ONNX_T_STRING, dims, 2);
            c->is_string = TRUE;
            set_column (&r, inputs[i].name, c);
            break;
          }
        case KILN_COLUMN_DATETIME:
        case KILN_COLUMN_TEXT:
        default:
          g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                       _("Column “%s” is %s; ONNX export takes numbers and categories only"),
                       inputs[i].name, kiln_column_type_to_string (inputs[i].type));
          goto out;
        }
    }

  for (guint s = 0; s < kiln_recipe_get_n_steps (recipe); s++)
    {
      KilnStep *step = kiln_recipe_get_step (recipe, s);
      const char * const *names = kiln_step_get_columns (step);
      gboolean ok = TRUE;

      switch (kiln_step_get_kind (step))
        {
        case KILN_STEP_DROP_COLUMNS:
          for (guint i = 0; i < kiln_step_get_n_columns (step); i++)
            g_hash_table_remove (r.columns, names[i]);
          break;
        case KILN_STEP_DEDUPE:   /* training rows only */
        case KILN_STEP_TARGET:
          break;
        case KILN_STEP_IQR:
          ok = replay_iqr (&r, step, error);
          break;
        case KILN_STEP_IMPUTE:
          ok = replay_impute (&r, step, error);
          break;
        case KILN_STEP_ENCODE:
          ok = replay_encode (&r, step, error);
          break;
        case KILN_STEP_SCALE:
          ok = replay_scale (&r, step, error);
          break;
        default:
          {
            g_autofree char *what = kiln_step_describe (step);
            g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                         _("The recipe step “%s” has no ONNX form yet"), what);
            ok = FALSE;
            break;
          }
        }
      if (!ok)
        goto out;
    }

  if (n_features == 0)
    {
      g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                   _("The model has no features"));
      goto out;
    }
  for (guint j = 0; j < n_features; j++)
    {
      cols[j] = g_hash_table_lookup (r.columns, features[j]);
      if (cols[j] == NULL || cols[j]->is_string)
        {
          g_set_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED,
                       _("Feature “%s” does not come out of the recipe as a number"),
                       features[j]);
          goto out;
        }
    }
  x = gather_columns (&r, cols, n_features);
  /* a feature no step fills: a row with it missing is one Kiln refuses to score */
  *missing_rows = NULL;
  for (guint j = 0; j < n_features && *missing_rows == NULL; j++)
    if (cols[j]->missing)
      {
        Onnx__NodeProto *as_number = _kiln_onnx_node (graph, "", "Cast", 1,
                                                      _kiln_onnx_op (graph, "IsNaN", x, NULL),
                                                      NULL);
        Onnx__NodeProto *any, *as_bool;
        gint64 axis = 1;

        _kiln_onnx_attr_int (graph, as_number, "to", KILN_ONNX_T_FLOAT);
        any = _kiln_onnx_node (graph, "", "ReduceMax", 1, as_number->output[0], NULL);
        _kiln_onnx_attr_ints (graph, any, "axes", &axis, 1);
        _kiln_onnx_attr_int (graph, any, "keepdims", 1);
        as_bool = _kiln_onnx_node (graph, "", "Cast", 1, any->output[0], NULL);
        _kiln_onnx_attr_int (graph, as_bool, "to", KILN_ONNX_T_BOOL);
        *missing_rows = as_bool->output[0];
      }
  cast = _kiln_onnx_node (graph, "", "Cast", 1, x, NULL);
  _kiln_onnx_attr_int (graph, cast, "to", KILN_ONNX_T_FLOAT);
  _kiln_onnx_node_set_output (graph, cast, 0, _kiln_onnx_unique (graph, "features"));
  result = cast->output[0];

out:
  g_hash_table_unref (r.columns);
  return result;
}
