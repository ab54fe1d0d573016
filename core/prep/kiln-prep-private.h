/* kiln-prep-private.h: what the step modules of core/prep share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * While a recipe runs, the data is a KilnPrepWork: a list of columns, each with its own row
 * mapping. Columns taken from the input frame keep the input's storage and read it through a
 * shared row index (the input view's rows, then whatever rows the steps removed); columns a
 * step creates are compact (one value per current row, no index). Removing rows composes the
 * indices; nothing is copied until the very end, and only when the columns' mappings differ.
 */
#pragma once

#include "kiln-recipe.h"
#include "kiln-text.h"

G_BEGIN_DECLS

/* ---- Row index ---------------------------------------------------------------------------- */

typedef struct {
  gatomicrefcount  ref_count;
  guint32         *rows;
  guint            n_rows;
} KilnPrepIndex;

KilnPrepIndex *_kiln_prep_index_new   (guint32 *rows, guint n_rows);   /* takes @rows */
KilnPrepIndex *_kiln_prep_index_ref   (KilnPrepIndex *index);
void           _kiln_prep_index_unref (KilnPrepIndex *index);

/* ---- Work --------------------------------------------------------------------------------- */

enum {
  KILN_PREP_COL_TARGET  = 1 << 0,
  KILN_PREP_COL_ENCODED = 1 << 1,   /* made by an ENCODE step: not an IQR/SCALE "all" column */
  KILN_PREP_COL_PLACEHOLDER = 1 << 2, /* absent from a non-training frame, not needed: all
                                         missing while the steps run, removed at the end */
  KILN_PREP_COL_TEXT = 1 << 4,        /* a TEXT step's column: features from its terms, never
                                         imputed or encoded */
  KILN_PREP_COL_ONEHOT = 1 << 3,      /* a one-hot encoded column kept as one categorical column
                                         of its fitted categories (codes; unseen or missing: -1)
                                         instead of its indicators (KilnPrepWork.keep_codes) */
};

typedef struct {
  KilnColumn    *column;
  KilnPrepIndex *index;   /* NULL: compact, value i is row i */
  guint          flags;
} KilnPrepWorkColumn;

typedef struct {
  GPtrArray *columns;     /* of KilnPrepWorkColumn* */
  guint      n_rows;
  gboolean   training;
  gboolean   keep_codes;  /* one-hot ENCODE makes KILN_PREP_COL_ONEHOT columns */
} KilnPrepWork;

KilnPrepWork *_kiln_prep_work_new         (KilnFrame *frame, gboolean training);
void          _kiln_prep_work_free        (KilnPrepWork *work);
KilnFrame    *_kiln_prep_work_to_frame    (KilnPrepWork *work);
guint         _kiln_prep_work_n_columns   (KilnPrepWork *work);
KilnPrepWorkColumn *_kiln_prep_work_column (KilnPrepWork *work, guint i);
int           _kiln_prep_work_find        (KilnPrepWork *work, const char *name);
const char   *_kiln_prep_work_name        (KilnPrepWork *work, guint i);
/* The physical row of row @row of column @c. */
static inline guint
_kiln_prep_row (const KilnPrepWorkColumn *wc, guint row)
{
  return wc->index ? wc->index->rows[row] : row;
}
/* Replace column @i's storage by a compact column of work->n_rows values (takes @column). */
void          _kiln_prep_work_set_compact (KilnPrepWork *work, guint i, KilnColumn *column);
/* Replace column @i by several compact columns (takes them), flags given. */
void          _kiln_prep_work_splice      (KilnPrepWork *work, guint i, KilnColumn **columns,
                                           guint n, guint flags);
void          _kiln_prep_work_remove      (KilnPrepWork *work, guint i);
/* Keep only rows where @keep[i] is set (work->n_rows bytes). */
void          _kiln_prep_work_keep_rows   (KilnPrepWork *work, const guint8 *keep);
gboolean      _kiln_prep_work_is_feature  (KilnPrepWork *work, guint i);
/* The number of columns with every KILN_PREP_COL_ONEHOT column counted as its indicators: what
 * the report says the data has. */
guint         _kiln_prep_work_width       (KilnPrepWork *work);
/* Every KILN_PREP_COL_ONEHOT column replaced by its boolean indicator columns "col=category"
 * (kiln-prep-encode.c): the frame as a one-hot ENCODE step without keep_codes makes it. */
void          _kiln_prep_work_expand_onehot (KilnPrepWork *work);

/* Non-missing values of a numeric-like column over the work's rows (g_free), count in *n. */
double       *_kiln_prep_work_values      (KilnPrepWork *work, guint i, gsize *n);

/* ---- Steps --------------------------------------------------------------------------------- */

struct _KilnStep {
  KilnStepKind        kind;
  char              **asked;         /* NULL = all */
  gboolean            fitted;
  char              **columns;       /* fitted */
  guint               n_columns;
  /* IQR */
  double              k;
  KilnIqrAction       action;
  double             *q1, *q3, *lower, *upper;
  /* IMPUTE */
  KilnImputeStrategy  strategy;
  double              const_number;
  char               *const_text;
  KilnImputeStrategy *col_strategy;
  double             *fill_number;   /* NaN for categorical columns */
  char              **fill_text;     /* NULL for numeric ones; n_columns long */
  /* ENCODE */
  KilnEncoding        encoding;
  GPtrArray         **categories;    /* per column, of char*, sorted */
  /* SCALE */
  KilnScaling         scaling;
  double             *offset, *scale;
  /* TEXT */
  KilnTextOptions     text;
  KilnTextVocab     **vocab;         /* per column */
};

struct _KilnRecipe {
  gatomicrefcount    ref_count;
  GPtrArray         *steps;          /* of KilnStep* */
  void             (*progress) (double fraction, gpointer data);  /* while fitting; not copied */
  gpointer           progress_data;
  char              *target;
  gboolean           task_set;
  KilnTask           task;
  gboolean           fitted;
  gboolean           keeps_missing;  /* numeric features may be missing (NaN) in the dataset */
  /* fitted */
  KilnColumnType     target_type;
  char             **classes;
  guint              n_classes;
  char             **features;
  guint              n_features;
  KilnRecipeColumn  *inputs;
  guint              n_inputs;
  KilnRecipeColumn  *schema;         /* every column of the training frame, target included */
  guint              n_schema;
  /* fitted: when coded, the one-hot encoded columns are kept as codes for models
   * (kiln_recipe_apply_coded) and the features list the n_dense other features first, then
   * "col=category" for each of the n_onehot columns onehot[] (onehot_levels[] categories each) */
  gboolean           coded;
  guint              n_dense;
  guint              n_onehot;
  char             **onehot;
  guint             *onehot_levels;
  /* fitted: the text features, last in the features (kiln-text.h): n_text of them */
  guint              n_text;
};

/* ---- Text (kiln-text.c) ---------------------------------------------------------------------- */

/* A vocabulary fitted on rows @rows (NULL: 0 .. n_rows-1) of a coded (text or categorical)
 * column, or read back. */
KilnTextVocab *_kiln_text_vocab_fit  (const KilnTextOptions *options,
                                      KilnColumn            *column,
                                      const guint32         *rows,
                                      guint                  n_rows);
/* From the saved terms (character pieces, words; each in byte order) and document counts;
 * KILN_PREP_ERROR_FORMAT when they do not make a vocabulary. */
KilnTextVocab *_kiln_text_vocab_new  (char    **char_terms,
                                      char    **word_terms,
                                      guint32  *df,
                                      guint     n_docs,
                                      GError  **error);
void           _kiln_text_vocab_free (KilnTextVocab *vocab);
guint          _kiln_text_vocab_size (const KilnTextVocab *vocab);
guint          _kiln_text_vocab_n_char (const KilnTextVocab *vocab);
guint          _kiln_text_vocab_n_docs (const KilnTextVocab *vocab);
const char * const *_kiln_text_vocab_terms (const KilnTextVocab *vocab);
const guint32 *_kiln_text_vocab_df   (const KilnTextVocab *vocab);
double         _kiln_text_vocab_idf  (const KilnTextVocab *vocab, guint term);
/* A text column's rows as sparse features in CSR form: row r's entries are index[ptr[r] ..
 * ptr[r + 1]) (increasing) with their weights in value; ptr holds n_rows + 1 offsets from 0. */
typedef struct {
  gsize   *ptr;
  guint32 *index;
  float   *value;
} KilnTextRows;

void           _kiln_text_rows_clear (KilnTextRows *rows);
/* Rows @rows (NULL: 0 .. n_rows-1) of @column as features @offset + term, into @out. */
void           _kiln_text_vectorise  (const KilnTextVocab   *vocab,
                                      const KilnTextOptions *options,
                                      KilnColumn            *column,
                                      const guint32         *rows,
                                      guint                  n_rows,
                                      guint                  offset,
                                      KilnTextRows          *out);
/* The training rows' features as _kiln_text_vectorise() gives them, made while fitting: once,
 * and only when @column and @rows are those the vocabulary was fitted on (else FALSE and the
 * caller vectorises). */
gboolean       _kiln_text_vocab_take_training (KilnTextVocab *vocab,
                                               KilnColumn    *column,
                                               const guint32 *rows,
                                               guint          n_rows,
                                               guint          offset,
                                               KilnTextRows  *out);
/* Frees those features unused (a fit whose training rows are not turned into a dataset). */
void           _kiln_text_vocab_drop_training (KilnTextVocab *vocab);
/* One text's entries appended to @out (NULL text: none). */
void           _kiln_text_vectorise_one (const KilnTextVocab   *vocab,
                                         const KilnTextOptions *options,
                                         const char            *text,
                                         guint                  offset,
                                         GArray                *out);

gboolean _kiln_step_text_fit      (KilnStep *step, KilnPrepWork *work, GError **error);
gboolean _kiln_step_text_apply    (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error);
/* The number of text features of the recipe's fitted TEXT steps. */
guint    _kiln_recipe_text_width  (KilnRecipe *recipe);
/* The fitted recipe's feature names of its text features, appended to @names. */
void     _kiln_recipe_text_names  (KilnRecipe *recipe, GPtrArray *names);

/* Whether the recipe can keep its one-hot encoded columns as codes when fitted on @frame
 * (kiln-recipe-dataset.c). */
gboolean  _kiln_recipe_codable    (KilnRecipe  *recipe,
                                   KilnFrame   *frame);
/* Sets the recipe's one-hot groups (coded = TRUE) from the names of its one-hot encoded columns
 * in feature order, checking them against the features and the ENCODE steps
 * (kiln-recipe-dataset.c). */
gboolean  _kiln_recipe_set_onehot (KilnRecipe  *recipe,
                                   char       **names,
                                   GError     **error);

KilnStep *_kiln_step_new        (KilnStepKind kind, const char * const *columns);
KilnStep *_kiln_step_copy_asked (KilnStep *step);
void      _kiln_step_set_columns (KilnStep *step, GPtrArray *names);   /* takes the strings */
void      _kiln_step_clear_fitted (KilnStep *step);

typedef struct {
  KilnStep      *step;
  KilnPrepWork  *work;
  KilnPrepEntry *entry;   /* may be NULL */
} KilnPrepRun;

/* Each module: fit learns from the (training) work; apply transforms the work in place. */
gboolean _kiln_step_drop_fit      (KilnStep *step, KilnPrepWork *work, GError **error);
gboolean _kiln_step_drop_apply    (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error);
gboolean _kiln_step_dedupe_apply  (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error);
gboolean _kiln_step_iqr_fit       (KilnStep *step, KilnPrepWork *work, GError **error);
gboolean _kiln_step_iqr_apply     (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error);
gboolean _kiln_step_impute_fit    (KilnStep *step, KilnPrepWork *work, GError **error);
gboolean _kiln_step_impute_apply  (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error);
gboolean _kiln_step_encode_fit    (KilnStep *step, KilnPrepWork *work, GError **error);
gboolean _kiln_step_encode_apply  (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error);
gboolean _kiln_step_scale_fit     (KilnStep *step, KilnPrepWork *work, GError **error);
gboolean _kiln_step_scale_apply   (KilnStep *step, KilnPrepWork *work, KilnPrepEntry *entry, GError **error);

/* Resolves @step->asked against @work: the named columns (error if one is absent or fails
 * @accept), or every feature column @accept takes. Sets step->columns. */
typedef gboolean (*KilnPrepAcceptFunc) (KilnPrepWork *work, guint i);
gboolean _kiln_step_resolve_columns (KilnStep           *step,
                                     KilnPrepWork       *work,
                                     KilnPrepAcceptFunc  accept,
                                     const char         *what,
                                     GError            **error);
/* The fitted columns of @step in @work (where[i] for step column i), each passing @accept; the
 * errors of resolve. For apply. */
gboolean _kiln_step_locate          (KilnStep           *step,
                                     KilnPrepWork       *work,
                                     KilnPrepAcceptFunc  accept,
                                     const char         *what,
                                     int                *where,
                                     GError            **error);
gboolean _kiln_prep_accept_numeric  (KilnPrepWork *work, guint i);   /* numeric/boolean */
gboolean _kiln_prep_accept_plain_numeric (KilnPrepWork *work, guint i); /* ... not ENCODED */
gboolean _kiln_prep_accept_continuous (KilnPrepWork *work, guint i); /* ... numeric, > 2 values */
gboolean _kiln_prep_accept_categorical (KilnPrepWork *work, guint i);
gboolean _kiln_prep_accept_imputable (KilnPrepWork *work, guint i);

/* ---- Report ------------------------------------------------------------------------------- */

KilnPrepEntry *_kiln_prep_entry_new   (KilnStepKind kind, guint step_index, KilnPrepWork *work);
void           _kiln_prep_entry_free  (KilnPrepEntry *entry);
void           _kiln_prep_entry_add_count (KilnPrepEntry *entry, const char *column, guint count);

/* The entry's translated description ("Removed 12 duplicate rows"). */
char          *_kiln_prep_describe_entry (KilnPrepEntry *entry, KilnStep *step, gboolean training);

/* The cell of a target column as a class name (numbers as Python prints them, booleans as
 * True/False); NULL when missing. */
char          *_kiln_prep_class_name  (KilnColumn *column, guint row);
/* @raw's input columns converted to the recipe's types (kiln-recipe-input.c); the columns it
 * lacks stand in as placeholders added to @placeholders. */
KilnFrame     *_kiln_recipe_conform_frame (KilnRecipe *recipe, KilnFrame *raw, GPtrArray *placeholders,
                                           GError **error);

/* ---- Numbers ------------------------------------------------------------------------------ */

/* numpy's linear-interpolation quantile of @values (reordered in place), q in [0, 1]. */
double   _kiln_prep_quantile      (double *values, gsize n, double q);
/* Both quartiles at once (one selection shared). */
void     _kiln_prep_quartiles     (double *values, gsize n, double *q1, double *q3);
/* numpy's median (mean of the middle two for even n). */
double   _kiln_prep_median        (double *values, gsize n);
/* Accurate sum (pairwise). */
double   _kiln_prep_sum           (const double *values, gsize n);
/* Most frequent value, ties to the smallest. NaN for n == 0. Reorders @values. */
double   _kiln_prep_mode_double   (double *values, gsize n);

/* Row hashes and duplicates. @dup_out (n_rows bytes, may be NULL) gets 1 for each row equal to
 * an earlier one. Returns the count. */
guint    _kiln_prep_find_duplicates (KilnPrepWork *work, guint8 *dup_out);

G_END_DECLS
