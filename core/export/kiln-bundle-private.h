/* kiln-bundle-private.h: bundle internals shared with the pipeline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-bundle.h"

G_BEGIN_DECLS

/* The recipe's input columns of @raw (by name, in the recipe's order), converted to the types
 * they had in training where the reader guessed differently; with @with_target, the target
 * column last (it must exist). A new frame, or NULL with a KILN_BUNDLE_ERROR_INPUT error. */
KilnFrame *_kiln_bundle_conform (KilnRecipe  *recipe,
                                 KilnFrame   *raw,
                                 gboolean     with_target,
                                 GError     **error);

G_END_DECLS
