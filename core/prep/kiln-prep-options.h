/* kiln-prep-options.h: the PREP FLAGS of `kiln-cli prep` and `kiln-cli train`, turned into a
 * recipe. In core (GOptionGroup is GLib) so both subcommands share one definition.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   KilnPrepOptions prep = { 0 };
 *   kiln_prep_options_add_entries (group, &prep);   (--dedupe --iqr K --clip --impute --encode
 *                                                    --scale --drop COL)
 *   ... parse ...
 *   kiln_prep_options_set_defaults (&prep, needs_scaling);   (train only: DESIGN.md defaults)
 *   recipe = kiln_prep_options_to_recipe (&prep, target, &error);
 *   kiln_prep_options_clear (&prep);
 */
#pragma once

#include "kiln-recipe.h"

G_BEGIN_DECLS

typedef struct {
  gboolean  dedupe;
  char     *iqr;        /* K as text; NULL: no IQR step */
  gboolean  clip;       /* IQR clips instead of dropping rows */
  char     *impute;     /* mean|median|mode|drop; NULL: no impute step */
  char     *encode;     /* onehot|ordinal; NULL: none */
  char     *scale;      /* standard|minmax|none; NULL: none */
  char    **drop;       /* --drop COL, repeatable or comma-separated */
} KilnPrepOptions;

void        kiln_prep_options_add_entries (GOptionGroup    *group,
                                           KilnPrepOptions *options);
/* Fills what the user left unset with DESIGN.md's training defaults: impute median/mode,
 * one-hot encoding, standard scaling when @needs_scaling (else none). */
void        kiln_prep_options_set_defaults (KilnPrepOptions *options,
                                            gboolean         needs_scaling);
/* Steps in the order drop, dedupe, IQR, impute, encode, scale; @target may be NULL. FALSE
 * (NULL) with KILN_PREP_ERROR_OPTIONS for a bad value ("--iqr abc", "--impute foo", --clip
 * without --iqr). */
KilnRecipe *kiln_prep_options_to_recipe   (const KilnPrepOptions  *options,
                                           const char             *target,
                                           GError                **error);
void        kiln_prep_options_clear       (KilnPrepOptions *options);

G_END_DECLS
