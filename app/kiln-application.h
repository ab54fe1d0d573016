/* kiln-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KILN_TYPE_APPLICATION (kiln_application_get_type ())
G_DECLARE_FINAL_TYPE (KilnApplication, kiln_application, KILN, APPLICATION, AdwApplication)

KilnApplication *kiln_application_new (void);

/* Where the bundled example CSVs are: $KILN_DATA_DIR/examples, the installed data folder, or
 * the source tree's. */
char            *kiln_application_get_examples_dir (void);

G_END_DECLS
