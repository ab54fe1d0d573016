/* kiln-onnx.h: a model bundle as one ONNX graph (recipe + model) that ONNX Runtime runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graph (DESIGN.md, "ONNX contract"):
 *  - one input per raw column the bundle reads, named as the column, shape [N, 1]: double for
 *    numeric and boolean columns (NaN where missing, booleans as 0 and 1), string for
 *    categorical ones (the empty string where missing). Double, not float: Kiln reads a CSV's
 *    numbers as doubles, and a number rounded to float can already send a row down another
 *    branch of a tree once it is scaled (DESIGN.md said float before the exporter showed it);
 *  - the fitted recipe: missing values filled, IQR clipping where the recipe clips, scaling,
 *    one-hot or ordinal codes of the categories (ai.onnx.ml LabelEncoder, then a comparison);
 *    rows are never dropped (deduplication and outlier removal apply to training rows only);
 *  - the model, by family: logistic/softmax, linear and ridge as matrix products; the MLP as
 *    Gemm + Relu; Gaussian naive Bayes and k-nearest neighbours (a Scan over the rows, TopK)
 *    with standard operators; trees, forests and boosting through ai.onnx.ml
 *    TreeEnsembleRegressor (boosting's splits on category codes as 0/1 features of the one-hot
 *    columns, its missing values sent where each split learnt);
 *  - outputs: classification `label` (string [N], the class names) and `probabilities`
 *    (float [N, classes], classes in the bundle's order; a plain tensor, no ZipMap);
 *    regression `value` (double [N, 1]: Kiln's values are doubles, and a float would lose
 *    the last digits of a price in the thousands).
 *
 * Numbers follow Kiln's own arithmetic: the recipe runs in double as kiln_recipe_apply() does,
 * the features are rounded to float as the models see them, and each family computes in the
 * precision Kiln computes in (double for the linear families, naive Bayes, neighbours, the
 * MLP's layers on its float weights and the tree leaves' sums). A tree compares the float
 * feature with the largest float not above Kiln's double threshold (boosting's own thresholds
 * are floats, compared as they are), which decides exactly as Kiln does; each tree gives its
 * leaf's index and the leaf values are summed in double, so forests add up as Kiln adds them.
 * Nothing is approximated: a model or recipe that ONNX cannot express exactly is refused with
 * KILN_ONNX_ERROR_UNSUPPORTED and a message that says why.
 *
 * Rows Kiln cannot score, the graph does not score either: where the recipe leaves a feature
 * missing (no IMPUTE step covers it), kiln_bundle_predict() refuses the data, and the graph
 * gives that row NaN probabilities or value and an empty label, not what a tree or a distance
 * would make of a NaN.
 *
 * Opsets: ONNX IR 8, the default domain at opset 17 and ai.onnx.ml at 3 (what Debian 12's
 * python3-onnx 1.12 checks). The file is written atomically.
 */
#pragma once

#include <gio/gio.h>

#include "kiln-bundle.h"

G_BEGIN_DECLS

#define KILN_ONNX_ERROR (kiln_onnx_error_quark ())
GQuark kiln_onnx_error_quark (void);

typedef enum {
  KILN_ONNX_ERROR_UNSUPPORTED,   /* the bundle holds something ONNX cannot express exactly */
  KILN_ONNX_ERROR_TOO_LARGE,     /* over protobuf's 2 GiB limit for one file */
  KILN_ONNX_ERROR_WRITE,         /* the file cannot be written */
  KILN_ONNX_ERROR_INVALID,       /* reading one back: not a well-formed ONNX model */
} KilnOnnxError;

typedef enum {
  KILN_ONNX_TYPE_FLOAT,
  KILN_ONNX_TYPE_DOUBLE,
  KILN_ONNX_TYPE_STRING,
  KILN_ONNX_TYPE_INT64,
  KILN_ONNX_TYPE_OTHER,
} KilnOnnxType;

/* A graph input or output: name, element type and shape (-1: the row count N). */
typedef struct {
  char         *name;
  KilnOnnxType  type;
  guint         n_dims;
  gint64        dims[4];
} KilnOnnxValue;

const char *kiln_onnx_type_to_string (KilnOnnxType type);   /* "float", "double", "string" */
/* "float [N, 1]" */
char       *kiln_onnx_value_describe (const KilnOnnxValue *value);

/* A built graph, serialised: immutable. */
typedef struct _KilnOnnxModel KilnOnnxModel;

/* Builds the graph of @bundle. NULL with KILN_ONNX_ERROR_UNSUPPORTED (saying what) when the
 * bundle cannot be exported exactly, KILN_ONNX_ERROR_TOO_LARGE past 2 GiB. */
KilnOnnxModel *kiln_onnx_model_new_from_bundle (KilnBundle  *bundle,
                                                GError     **error);
/* Reads back an ONNX file and checks its structure: it parses, names its opsets, every node
 * reads only graph inputs, initializers or earlier nodes' outputs (subgraphs may also read
 * the enclosing graph's), names are assigned once, and the graph outputs are produced. This
 * is Kiln's own check; onnx.checker (python3-onnx) checks the operators' schemas too. */
KilnOnnxModel *kiln_onnx_model_load            (const char  *path,
                                                GError     **error);
void           kiln_onnx_model_free            (KilnOnnxModel *model);

/* The serialised model (a ModelProto). */
GBytes        *kiln_onnx_model_get_bytes       (KilnOnnxModel *model);
const KilnOnnxValue *kiln_onnx_model_get_inputs  (KilnOnnxModel *model,
                                                  guint         *n_inputs);
const KilnOnnxValue *kiln_onnx_model_get_outputs (KilnOnnxModel *model,
                                                  guint         *n_outputs);
guint          kiln_onnx_model_get_n_nodes     (KilnOnnxModel *model);   /* main graph */
/* "ai.onnx 17, ai.onnx.ml 3" */
char          *kiln_onnx_model_describe_opsets (KilnOnnxModel *model);

/* Writes the model to @path atomically (a temporary file renamed over it). */
gboolean       kiln_onnx_model_save            (KilnOnnxModel  *model,
                                                const char     *path,
                                                GCancellable   *cancellable,
                                                GError        **error);

/* A Python program (onnxruntime, numpy) that runs the file at @path on one row: @bundle's
 * inputs with a typical value each (the fill value the recipe learnt, a category it saw), and
 * prints the outputs. */
char          *kiln_onnx_python_snippet        (KilnBundle  *bundle,
                                                const char  *path);

/* kiln_onnx_model_new_from_bundle() then kiln_onnx_model_save(). */
gboolean       kiln_onnx_export                (KilnBundle    *bundle,
                                                const char    *path,
                                                GCancellable  *cancellable,
                                                GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnOnnxModel, kiln_onnx_model_free)

G_END_DECLS
