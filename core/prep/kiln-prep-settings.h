/* kiln-prep-settings.h: what a user chooses about preparing the data, as one typed struct that
 * the GUI, the CLI and the project file share, and the recipe it becomes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Prepare page edits these settings, the project file saves them (kiln_prep_settings_to_json),
 * `kiln-cli prep` and `kiln-cli train` fill them from their PREP FLAGS, and
 * kiln_prep_settings_to_recipe() turns them into the KilnRecipe (in the order drop, dedupe, IQR,
 * impute, encode, scale), the one recipe type everything fits, applies and saves.
 *
 *   KilnPrepSettings prep;
 *   kiln_prep_settings_init (&prep);                     (DESIGN.md's training defaults)
 *   group = g_option_group_new ("train", NULL, NULL, &prep, NULL);
 *   kiln_prep_settings_add_entries (group);              (--dedupe --iqr K --clip --impute
 *                                                        --encode --scale --drop COL --text COL
 *                                                        --text-chars A,B --text-words A,B
 *                                                        --text-min-df N --text-max-features N)
 *   ... parse ...
 *   recipe = kiln_prep_settings_to_recipe (&prep, target, needs_scaling, accepts_missing, &error);
 *   kiln_prep_settings_clear (&prep);
 */
#pragma once

#include "kiln-recipe.h"
#include "kiln-split.h"

G_BEGIN_DECLS

typedef struct {
  char              **dropped;          /* columns left out; NULL-terminated, never NULL */
  gboolean            dedupe;
  gboolean            iqr;              /* an IQR outlier step */
  double              iqr_k;            /* 1.5 */
  gboolean            iqr_clip;         /* clip instead of dropping rows */
  gboolean            impute;           /* a step that fills (or drops) missing values */
  KilnImputeStrategy  impute_strategy;  /* MEDIAN: the numbers' median, the categories' mode */
  gboolean            encode;           /* a step that encodes the categories */
  KilnEncoding        encoding;
  gboolean            scale_auto;       /* scale as the model needs (standard or none) */
  KilnScaling         scaling;          /* otherwise: NONE, STANDARD, MINMAX */
  KilnSplitFractions  split;            /* summing to 1 */
  gboolean            stratify;
  guint64             seed;             /* the split's and the model's */
  char              **text;             /* columns used as text (a TEXT step); NULL-terminated,
                                           never NULL */
  KilnTextOptions     text_options;
  /* A split by time (kiln-split.h): NULL for a random split; "" for the file order; else the
   * datetime (or numeric) column that orders the rows. Then @stratify is not used, and
   * cross-validation uses forward-chaining folds. Owned. */
  char               *split_by;
} KilnPrepSettings;

/* The training defaults (DESIGN.md): median/mode imputation, one-hot encoding, scaling as the
 * model needs, split 0.8:0:0.2 stratified, seed 42, no dedupe, no IQR (k 1.5 when switched on). */
void        kiln_prep_settings_init        (KilnPrepSettings       *settings);
/* No step at all (what `kiln-cli prep` starts from); the split as the defaults. */
void        kiln_prep_settings_init_empty  (KilnPrepSettings       *settings);
void        kiln_prep_settings_clear       (KilnPrepSettings       *settings);
void        kiln_prep_settings_copy        (const KilnPrepSettings *src,
                                            KilnPrepSettings       *dest);

/* The unfitted recipe: steps in the order drop, dedupe, text, IQR, impute, encode, scale; @target may
 * be NULL. @needs_scaling decides automatic scaling. With @accepts_missing (a family that learns
 * from missing values) missing values are not filled (dropping rows, if asked, still happens).
 * NULL with KILN_PREP_ERROR_OPTIONS for nonsense (a negative IQR k, clip without IQR). */
KilnRecipe *kiln_prep_settings_to_recipe   (const KilnPrepSettings  *settings,
                                            const char              *target,
                                            gboolean                 needs_scaling,
                                            gboolean                 accepts_missing,
                                            GError                 **error);

/* {"dedupe", "iqr", "iqr_k", "iqr_clip", "impute": "median"|"mean"|"mode"|"drop"|null,
 *  "encode": "onehot"|"ordinal"|null, "scale": "auto"|"standard"|"minmax"|"none",
 *  "split": [train, validation, test], "stratify", "seed", "dropped": [...], "text": [...],
 *  "text_options": {"char_min", "char_max", "char_within_words", "word_min", "word_max",
 *  "min_df", "max_features", "sublinear_tf", "row_length"},
 *  "split_by": null | "" (by time, file order) | column}: the "prep" object of a project file.
 * Reading starts from the current values and replaces those present; a member
 * of the wrong type is an error (KILN_PREP_ERROR_FORMAT). */
JsonNode   *kiln_prep_settings_to_json     (const KilnPrepSettings  *settings);
gboolean    kiln_prep_settings_from_json   (KilnPrepSettings        *settings,
                                            JsonNode                *node,
                                            GError                 **error);

/* The PREP FLAGS, parsed straight into the KilnPrepSettings that is @group's user data
 * (g_option_group_new (..., &settings, ...)). A bad value fails the parse (G_OPTION_ERROR). */
void        kiln_prep_settings_add_entries (GOptionGroup            *group);

G_END_DECLS
