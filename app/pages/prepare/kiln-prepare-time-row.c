/* kiln-prepare-time-row.c: the Prepare step's "Order" row (kiln-prepare-time-row.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-prepare"

#include "config.h"

#include <glib/gi18n.h>

#include "kiln-prepare-time-row.h"

/* The row's choices: 0 at random, 1 the file order, 2 + i the column columns[i]. */
#define COLUMNS_KEY "kiln-time-columns"

AdwComboRow *
kiln_prepare_time_row_new (void)
{
  AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Order"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("By time, the latest rows are the test rows and nothing is "
                                 "shuffled; rows without a date count as the earliest"));
  kiln_prepare_time_row_sync (row, NULL, NULL);
  return row;
}

void
kiln_prepare_time_row_sync (AdwComboRow *row,
                            KilnFrame   *frame,
                            const char  *split_by)
{
  GtkStringList *list = gtk_string_list_new (NULL);
  GPtrArray *columns = g_ptr_array_new ();
  guint selected = 0;

  g_return_if_fail (ADW_IS_COMBO_ROW (row));

  gtk_string_list_append (list, _("At random"));
  gtk_string_list_append (list, _("By time, in file order"));
  for (guint c = 0; frame != NULL && c < kiln_frame_get_n_columns (frame); c++)
    {
      KilnColumn *column = kiln_frame_get_column (frame, c);
      const char *name = kiln_column_get_name (column);

      if (kiln_column_get_column_type (column) == KILN_COLUMN_DATETIME
          || (g_strcmp0 (name, split_by) == 0
              && kiln_column_get_column_type (column) == KILN_COLUMN_NUMERIC))
        {
          /* TRANSLATORS: a choice of the split's order; %s is a column's name */
          g_autofree char *label = g_strdup_printf (_("By time: “%s”"), name);
          gtk_string_list_append (list, label);
          g_ptr_array_add (columns, g_strdup (name));
          if (g_strcmp0 (name, split_by) == 0)
            selected = 1 + columns->len;
        }
    }
  g_ptr_array_add (columns, NULL);
  if (split_by != NULL && selected == 0)
    selected = 1;   /* the file order, or a column this data does not have: as near as it gets */
  g_object_set_data_full (G_OBJECT (row), COLUMNS_KEY, g_ptr_array_free (columns, FALSE),
                          (GDestroyNotify) g_strfreev);
  adw_combo_row_set_model (row, G_LIST_MODEL (list));
  g_object_unref (list);
  adw_combo_row_set_selected (row, selected);
}

char *
kiln_prepare_time_row_get_split_by (AdwComboRow *row)
{
  char **columns;
  guint selected;

  g_return_val_if_fail (ADW_IS_COMBO_ROW (row), NULL);

  selected = adw_combo_row_get_selected (row);
  columns = g_object_get_data (G_OBJECT (row), COLUMNS_KEY);
  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return NULL;
  if (selected == 1 || columns == NULL || selected - 2 >= g_strv_length (columns))
    return g_strdup ("");
  return g_strdup (columns[selected - 2]);
}
