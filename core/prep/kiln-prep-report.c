/* kiln-prep-report.c: what a recipe's steps did, for the log the user reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prep"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-prep-private.h"
/* ---- Report ------------------------------------------------------------------------------- */

KilnPrepReport *
kiln_prep_report_new (void)
{
  KilnPrepReport *report = g_new0 (KilnPrepReport, 1);

  report->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) _kiln_prep_entry_free);
  return report;
}

void
kiln_prep_report_free (KilnPrepReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->entries);
  g_free (report);
}

void
kiln_prep_report_clear (KilnPrepReport *report)
{
  g_return_if_fail (report != NULL);
  g_ptr_array_set_size (report->entries, 0);
}

guint
kiln_prep_report_total (KilnPrepReport  *report,
                        KilnStepKind     kind,
                        GHashTable     **per_column)
{
  guint total = 0;
  GHashTable *table = NULL;

  g_return_val_if_fail (report != NULL, 0);
  if (per_column)
    table = *per_column = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint e = 0; e < report->entries->len; e++)
    {
      KilnPrepEntry *entry = report->entries->pdata[e];
      if (entry->kind != kind)
        continue;
      total += entry->count;
      if (table)
        for (guint i = 0; i < entry->counts->len; i++)
          {
            KilnPrepCount *pc = &g_array_index (entry->counts, KilnPrepCount, i);
            guint old = GPOINTER_TO_UINT (g_hash_table_lookup (table, pc->column));
            g_hash_table_replace (table, g_strdup (pc->column), GUINT_TO_POINTER (old + pc->count));
          }
    }
  return total;
}

JsonNode *
kiln_prep_report_to_json (KilnPrepReport *report)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (report != NULL, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (guint e = 0; e < report->entries->len; e++)
    {
      KilnPrepEntry *entry = report->entries->pdata[e];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, kiln_step_kind_to_string (entry->kind));
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, entry->description);
      json_builder_set_member_name (b, "rows_in");
      json_builder_add_int_value (b, entry->rows_in);
      json_builder_set_member_name (b, "rows_out");
      json_builder_add_int_value (b, entry->rows_out);
      json_builder_set_member_name (b, "columns_in");
      json_builder_add_int_value (b, entry->columns_in);
      json_builder_set_member_name (b, "columns_out");
      json_builder_add_int_value (b, entry->columns_out);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, entry->count);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, entry->seconds);
      json_builder_set_member_name (b, "counts");
      json_builder_begin_object (b);
      for (guint i = 0; i < entry->counts->len; i++)
        {
          KilnPrepCount *pc = &g_array_index (entry->counts, KilnPrepCount, i);
          json_builder_set_member_name (b, pc->column);
          json_builder_add_int_value (b, pc->count);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
_kiln_prep_describe_entry (KilnPrepEntry *entry, KilnStep *step, gboolean training)
{
  guint removed = entry->rows_in - entry->rows_out;
  GString *s = g_string_new (NULL);

  switch (entry->kind)
    {
    case KILN_STEP_TARGET:
      g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Removed %u row without a target value",
                                       "Removed %u rows without a target value", removed), removed);
      break;
    case KILN_STEP_DROP_COLUMNS:
      g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Dropped %u column", "Dropped %u columns",
                                       entry->count), entry->count);
      if (step->n_columns)
        {
          g_autofree char *cols = g_strjoinv (", ", step->columns);
          g_string_append_printf (s, " (%s)", cols);
        }
      break;
    case KILN_STEP_DEDUPE:
      if (training)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Removed %u duplicate row",
                                         "Removed %u duplicate rows", removed), removed);
      else
        g_string_assign (s, _("Duplicates are removed from training rows only"));
      break;
    case KILN_STEP_IQR:
      if (step->action == KILN_IQR_CLIP)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                         "Clipped %u outlier value to Q1 − %g × IQR … Q3 + %g × IQR",
                                         "Clipped %u outlier values to Q1 − %g × IQR … Q3 + %g × IQR",
                                         entry->count), entry->count, step->k, step->k);
      else if (training)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                         "Removed %u row with values outside Q1 − %g × IQR … Q3 + %g × IQR",
                                         "Removed %u rows with values outside Q1 − %g × IQR … Q3 + %g × IQR",
                                         removed), removed, step->k, step->k);
      else
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                         "Found %u outlier value; rows are removed from training data only",
                                         "Found %u outlier values; rows are removed from training data only",
                                         entry->count), entry->count);
      /* which columns the rule looked at: measurements only, never 0/1 indicators */
      if (step->n_columns == 0)
        g_string_append (s, _(" (no continuous numeric column to check)"));
      else
        {
          g_autoptr(GString) cols = g_string_new (NULL);
          for (guint i = 0; i < step->n_columns && i < 6; i++)
            g_string_append_printf (cols, "%s%s", i ? ", " : "", step->columns[i]);
          if (step->n_columns > 6)
            /* Translators: the end of a list of column names that was cut short */
            g_string_append_printf (cols, _(" and %u more"), step->n_columns - 6);
          /* Translators: %s is a list of column names */
          g_string_append_printf (s, _("; checked %s"), cols->str);
        }
      break;
    case KILN_STEP_IMPUTE:
      if (training && step->strategy == KILN_IMPUTE_DROP)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Removed %u row with missing values",
                                         "Removed %u rows with missing values", removed), removed);
      else
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Filled %u missing value",
                                         "Filled %u missing values", entry->count), entry->count);
      break;
    case KILN_STEP_ENCODE:
      if (step->encoding == KILN_ENCODE_ONEHOT)
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "One-hot encoded %u column into %u",
                                         "One-hot encoded %u columns into %u", step->n_columns),
                         step->n_columns, entry->columns_out + step->n_columns - entry->columns_in);
      else
        g_string_printf (s, g_dngettext (GETTEXT_PACKAGE, "Numbered the categories of %u column",
                                         "Numbered the categories of %u columns", step->n_columns),
                         step->n_columns);
      if (entry->count)
        g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                                "; %u value of a category unseen in training",
                                                "; %u values of categories unseen in training",
                                                entry->count), entry->count);
      break;
    case KILN_STEP_SCALE:
      if (step->scaling == KILN_SCALE_NONE)
        g_string_assign (s, _("No scaling"));
      else
        g_string_printf (s, step->scaling == KILN_SCALE_STANDARD
                            ? g_dngettext (GETTEXT_PACKAGE, "Standardised %u column",
                                           "Standardised %u columns", entry->count)
                            : g_dngettext (GETTEXT_PACKAGE, "Scaled %u column to 0 … 1",
                                           "Scaled %u columns to 0 … 1", entry->count),
                         entry->count);
      break;
    case KILN_STEP_TEXT:
      {
        guint terms = 0;
        g_autofree char *cols = NULL;

        for (guint i = 0; i < step->n_columns; i++)
          terms += step->vocab && step->vocab[i] ? _kiln_text_vocab_size (step->vocab[i]) : 0;
        if (step->n_columns == 0)
          g_string_assign (s, _("No text column to use"));
        else
          {
            cols = g_strjoinv (", ", step->columns);
            g_string_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                             "Made %u text feature (words and character pieces) from %s",
                                             "Made %u text features (words and character pieces) from %s",
                                             terms), terms, cols);
          }
      }
      break;
    default:
      break;
    }
  return g_string_free (s, FALSE);
}

