/* kiln-prepare-time-row.h: the Prepare step's "Order" row: split the rows at random or by time
 * (the file order, or a date column), the KilnPrepSettings.split_by the row edits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "kiln-frame.h"

G_BEGIN_DECLS

/* A combo row: "At random", "By time, in file order", then "By time: “column”" for each date
 * column of the frame given to kiln_prepare_time_row_sync(). */
AdwComboRow *kiln_prepare_time_row_new           (void);
/* Offers @frame's date columns (and @split_by's column if it orders rows otherwise, a number
 * column) and selects @split_by: NULL at random, "" the file order, else that column. */
void         kiln_prepare_time_row_sync          (AdwComboRow *row,
                                                  KilnFrame   *frame,
                                                  const char  *split_by);
/* The chosen split_by, newly allocated (NULL: at random). */
char        *kiln_prepare_time_row_get_split_by  (AdwComboRow *row);

G_END_DECLS
