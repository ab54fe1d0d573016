/* kiln-bundle.h: the .kiln model bundle: one self-contained file that predicts from raw rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * File format. A .kiln file is one JSON document, gzip-compressed (RFC 1952, written with
 * GZlibCompressor; `zcat model.kiln | jq .` shows it). The gzip trailer's CRC-32 and length make a
 * damaged or truncated file fail to load. Loading also accepts the uncompressed JSON (a file that
 * does not start with the gzip magic bytes), for hand inspection and tests. The document:
 *
 *   {"format": "kiln-bundle", "format_version": KILN_BUNDLE_FORMAT, "kiln_version": "0.1.0",
 *    "created": "2024-05-01T12:00:00Z",
 *    "source": {"file": "iris.csv", "sha256": "<hex of the CSV's bytes>" | null},
 *    "schema": [{"name", "type", "role": "feature" | "target" | "unused"}, ...],
 *    "target": "species", "target_type": "categorical", "task": "classification",
 *    "classes": [...] (classification only),
 *    "seed": 42, "options": {...} (free-form: split, prep flags, model name and options),
 *    "metrics": {...} (as `kiln-cli train --json` prints them, measured on the test split),
 *    "recipe": kiln_recipe_to_json (), "model": kiln_model_to_json (),
 *    "drift": kiln_drift_to_json () (optional: the training split's distribution of each input
 *             column, for the service's drift metrics; bundles made before it lack it)}
 *
 * Doubles are written with up to 17 significant digits (json-glib's generator), so recipe and
 * model parameters read back bit for bit and a loaded bundle predicts exactly what the saved one
 * did. A file whose format_version is newer than this Kiln's is refused (KILN_BUNDLE_ERROR_VERSION).
 * Saving is atomic (a temporary file renamed over the target).
 *
 * A bundle is immutable and ref-counted; predicting from several threads at once is safe.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kiln-drift.h"
#include "kiln-frame.h"
#include "kiln-model.h"
#include "kiln-recipe.h"

G_BEGIN_DECLS

#define KILN_BUNDLE_ERROR (kiln_bundle_error_quark ())
GQuark kiln_bundle_error_quark (void);

typedef enum {
  KILN_BUNDLE_ERROR_OPEN,      /* cannot read or write the file */
  KILN_BUNDLE_ERROR_CORRUPT,   /* damaged, truncated, not JSON, or not a bundle */
  KILN_BUNDLE_ERROR_VERSION,   /* written by a newer Kiln */
  KILN_BUNDLE_ERROR_INPUT,     /* predicting: a column is missing or a value has the wrong type */
  KILN_BUNDLE_ERROR_INVALID,   /* kiln_bundle_new: recipe and model do not fit together */
} KilnBundleError;

typedef struct _KilnBundle KilnBundle;

#define KILN_TYPE_BUNDLE (kiln_bundle_get_type ())
GType kiln_bundle_get_type (void) G_GNUC_CONST;

typedef struct {
  const char *source_name;     /* the training CSV's name (a path is reduced to its basename) */
  const char *source_sha256;   /* hex SHA-256 of its bytes (kiln_bundle_hash_file), or NULL */
  KilnFrame  *source_schema;   /* the raw training frame, for its column names and types, or NULL */
  JsonNode   *metrics;         /* may be NULL */
  JsonNode   *options;         /* may be NULL */
  guint64     seed;
  KilnFrame  *drift_rows;      /* the raw training split, for the drift reference, or NULL */
} KilnBundleInfo;

typedef struct {
  const char     *name;
  KilnColumnType  type;
  const char     *role;        /* "feature", "target", "unused" */
} KilnBundleColumn;

/* @recipe and @model must be fitted and agree (features, classes); references are taken, the
 * JSON nodes of @info are copied. */
KilnBundle *kiln_bundle_new              (KilnRecipe            *recipe,
                                          KilnModel             *model,
                                          const KilnBundleInfo  *info,
                                          GError               **error);
KilnBundle *kiln_bundle_ref              (KilnBundle *bundle);
void        kiln_bundle_unref            (KilnBundle *bundle);

gboolean    kiln_bundle_save             (KilnBundle    *bundle,
                                          const char    *path,
                                          GCancellable  *cancellable,
                                          GError       **error);
KilnBundle *kiln_bundle_load             (const char    *path,
                                          GCancellable  *cancellable,
                                          GError       **error);
/* The document described above, and back. @what names the source in errors (a file name). */
JsonNode   *kiln_bundle_to_json          (KilnBundle  *bundle);
KilnBundle *kiln_bundle_from_json        (JsonNode    *node,
                                          const char  *what,
                                          GError     **error);

/* Lower-case hex SHA-256 of a file's bytes (streamed). */
char       *kiln_bundle_hash_file        (const char    *path,
                                          GCancellable  *cancellable,
                                          GError       **error);

KilnRecipe *kiln_bundle_get_recipe       (KilnBundle *bundle);   /* borrowed */
KilnModel  *kiln_bundle_get_model        (KilnBundle *bundle);   /* borrowed */
KilnTask    kiln_bundle_get_task         (KilnBundle *bundle);
const char *kiln_bundle_get_target       (KilnBundle *bundle);
/* NULL-terminated, NULL for regression. */
const char * const *kiln_bundle_get_classes (KilnBundle *bundle,
                                             guint      *n_classes);
/* The columns a prediction needs (raw names and types, as in the training CSV). */
const KilnRecipeColumn *kiln_bundle_get_input_columns (KilnBundle *bundle,
                                                       guint      *n_columns);
/* The source's columns with their roles (empty when the bundle was made without a schema). */
const KilnBundleColumn *kiln_bundle_get_schema (KilnBundle *bundle,
                                                guint      *n_columns);
JsonNode   *kiln_bundle_get_metrics      (KilnBundle *bundle);   /* borrowed, may be NULL */
JsonNode   *kiln_bundle_get_options      (KilnBundle *bundle);   /* borrowed, may be NULL */
guint64     kiln_bundle_get_seed         (KilnBundle *bundle);
/* The training split's distribution of the input columns (kiln-drift.h); NULL when the bundle
 * was made without one (older bundles). Borrowed. */
const KilnDrift *kiln_bundle_get_drift   (KilnBundle *bundle);
const char *kiln_bundle_get_source_name  (KilnBundle *bundle);
const char *kiln_bundle_get_source_sha256 (KilnBundle *bundle);  /* may be NULL */
const char *kiln_bundle_get_kiln_version (KilnBundle *bundle);   /* of the Kiln that made it */
const char *kiln_bundle_get_created      (KilnBundle *bundle);
/* Hex SHA-256 of the bundle's JSON document (what /health reports): equal for a bundle and the
 * same bundle saved and loaded again. */
const char *kiln_bundle_get_content_hash (KilnBundle *bundle);

/* Predicts from raw rows (as the CSV holds them): the input columns are looked up by name (other
 * columns, the target among them, are ignored), values of another type than in training are
 * converted where that is lossless (numbers read as text, categories that look like numbers),
 * then the recipe and the model run. Returns n_rows x n_classes probabilities (classification)
 * or n_rows values (regression); g_free() it. Every row gets a prediction. */
double     *kiln_bundle_predict          (KilnBundle  *bundle,
                                          KilnFrame   *raw,
                                          guint       *n_rows,
                                          GError     **error);
/* The class index of each row from kiln_bundle_predict()'s output (argmax). */
void        kiln_bundle_labels           (KilnBundle   *bundle,
                                          const double *output,
                                          guint         n_rows,
                                          gint32       *labels);
/* @raw's columns, then "prediction" (the class name, or the value), then for classification one
 * "p_<class>" probability column per class. */
KilnFrame  *kiln_bundle_predict_frame    (KilnBundle  *bundle,
                                          KilnFrame   *raw,
                                          GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnBundle, kiln_bundle_unref)

G_END_DECLS
