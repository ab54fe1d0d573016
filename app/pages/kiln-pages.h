/* kiln-pages.h: the five step pages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kiln-page.h"
#include "kiln-csv.h"

G_BEGIN_DECLS

#define KILN_TYPE_DATA_PAGE (kiln_data_page_get_type ())
G_DECLARE_FINAL_TYPE (KilnDataPage, kiln_data_page, KILN, DATA_PAGE, KilnPage)
/* What the reader detected, for the import-options popover. */
void kiln_data_page_set_info (KilnDataPage *self, const KilnCsvInfo *info);

#define KILN_TYPE_PREPARE_PAGE (kiln_prepare_page_get_type ())
G_DECLARE_FINAL_TYPE (KilnPreparePage, kiln_prepare_page, KILN, PREPARE_PAGE, KilnPage)

#define KILN_TYPE_TRAIN_PAGE (kiln_train_page_get_type ())
G_DECLARE_FINAL_TYPE (KilnTrainPage, kiln_train_page, KILN, TRAIN_PAGE, KilnPage)
/* A training runs (from its start to its last event). */
gboolean kiln_train_page_is_running (KilnTrainPage *self);

#define KILN_TYPE_EVALUATE_PAGE (kiln_evaluate_page_get_type ())
G_DECLARE_FINAL_TYPE (KilnEvaluatePage, kiln_evaluate_page, KILN, EVALUATE_PAGE, KilnPage)

#define KILN_TYPE_EXPORT_PAGE (kiln_export_page_get_type ())
G_DECLARE_FINAL_TYPE (KilnExportPage, kiln_export_page, KILN, EXPORT_PAGE, KilnPage)

G_END_DECLS
