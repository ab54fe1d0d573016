/* kiln-compare-board.c: a comparison's leaderboard, the chance that the top trial beats each
 * other one, and its JSON (kiln-compare.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-compare"

#include "config.h"

#include <math.h>

#include "kiln-compare-private.h"
#include "kiln-ttest.h"

/* ---- The leaderboard ----------------------------------------------------------------------- */

static int
compare_by_mean (const void *a, const void *b, void *data)
{
  KilnCompare *c = data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  const KilnCompareTrial *x = g_ptr_array_index (c->trials, i);
  const KilnCompareTrial *y = g_ptr_array_index (c->trials, j);

  if (x->mean != y->mean)
    return x->mean > y->mean ? -1 : 1;
  return (i > j) - (i < j);   /* ties: the order of the plan */
}

void
kiln_compare_rank (KilnCompare *compare)
{
  const KilnCompareTrial *top;
  double n_train, n_test;

  g_return_if_fail (compare != NULL);

  g_free (compare->board);
  compare->board = g_new (guint, MAX (compare->trials->len, 1));
  compare->n_board = 0;
  for (guint i = 0; i < compare->trials->len; i++)
    if (((KilnCompareTrial *) g_ptr_array_index (compare->trials, i))->status == KILN_COMPARE_DONE)
      compare->board[compare->n_board++] = i;
  g_qsort_with_data (compare->board, compare->n_board, sizeof (guint), compare_by_mean, compare);
  if (compare->n_board == 0)
    return;

  /* Average fold sizes, for the correction of the correlated folds. */
  if (compare->forward)
    {
      /* k + 1 blocks; fold f trains on f + 1 of them: (k + 1) / 2 blocks on average */
      n_test = (double) compare->n_rows / (compare->k + 1);
      n_train = n_test * (compare->k + 1) / 2.0;
    }
  else
    {
      n_test = (double) compare->n_rows / compare->k;
      n_train = compare->n_rows - n_test;
    }
  top = g_ptr_array_index (compare->trials, compare->board[0]);
  for (guint b = 0; b < compare->n_board; b++)
    {
      KilnCompareTrial *t = g_ptr_array_index (compare->trials, compare->board[b]);
      t->p_top = b == 0 ? NAN : kiln_correlated_ttest (top->score, t->score, compare->k,
                                                       n_train, n_test);
    }
}

const guint *
kiln_compare_get_leaderboard (KilnCompare *compare,
                              guint       *n)
{
  g_return_val_if_fail (compare != NULL, NULL);
  if (n)
    *n = compare->n_board;
  return compare->board;
}

int
kiln_compare_get_best (KilnCompare *compare)
{
  g_return_val_if_fail (compare != NULL, -1);
  return compare->n_board > 0 ? (int) compare->board[0] : -1;
}

void
kiln_compare_apply_trial (KilnCompare          *compare,
                          guint                 index,
                          KilnPipelineOptions  *options)
{
  const KilnCompareTrial *t;

  g_return_if_fail (compare != NULL && options != NULL);
  g_return_if_fail (index < compare->trials->len);

  t = g_ptr_array_index (compare->trials, index);
  /* The registry's own string: it outlives the comparison. */
  options->model = kiln_model_lookup_class (t->family)->name;
  options->model_options = t->options;
}

/* "model" and "settings": what names a trial. */
static void
add_trial_name (JsonBuilder *b, const KilnCompareTrial *t)
{
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, t->family);
  json_builder_set_member_name (b, "settings");
  json_builder_add_string_value (b, t->settings);
}

static const char *
status_name (KilnCompareStatus status)
{
  switch (status)
    {
    case KILN_COMPARE_DONE:
      return "done";
    case KILN_COMPARE_FAILED:
      return "failed";
    case KILN_COMPARE_SKIPPED:
      return "skipped";
    case KILN_COMPARE_PENDING:
    default:
      return "pending";
    }
}

JsonNode *
kiln_compare_to_json (KilnCompare *compare)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  int best;

  g_return_val_if_fail (compare != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, kiln_task_to_string (compare->task));
  json_builder_set_member_name (b, "metric");
  json_builder_add_string_value (b, kiln_compare_get_metric (compare));
  json_builder_set_member_name (b, "second_metric");
  json_builder_add_string_value (b, kiln_compare_get_second_metric (compare));
  json_builder_set_member_name (b, "folds");
  json_builder_add_int_value (b, compare->k);
  json_builder_set_member_name (b, "folds_kind");
  json_builder_add_string_value (b, compare->forward ? "forward" : "kfold");
  json_builder_set_member_name (b, "train_rows");
  json_builder_add_int_value (b, compare->n_rows);
  json_builder_set_member_name (b, "note");
  if (compare->note)
    json_builder_add_string_value (b, compare->note);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "leaderboard");
  json_builder_begin_array (b);
  for (guint i = 0; i < compare->n_board; i++)
    {
      const KilnCompareTrial *t = g_ptr_array_index (compare->trials, compare->board[i]);

      json_builder_begin_object (b);
      add_trial_name (b, t);
      kiln_evaluation_add_json_number (b, "mean", t->mean);
      kiln_evaluation_add_json_number (b, "std", t->std);
      kiln_evaluation_add_json_number (b, "seconds", t->seconds_mean);
      json_builder_set_member_name (b, kiln_compare_get_second_metric (compare));
      json_builder_begin_object (b);
      kiln_evaluation_add_json_number (b, "mean", t->second_mean);
      kiln_evaluation_add_json_number (b, "std", t->second_std);
      json_builder_end_object (b);
      kiln_evaluation_add_json_number (b, "p_top", t->p_top);
      json_builder_set_member_name (b, "scores");
      json_builder_begin_array (b);
      for (guint f = 0; f < t->n_folds; f++)
        json_builder_add_double_value (b, t->score[f]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "not_run");
  json_builder_begin_array (b);
  for (guint i = 0; i < compare->trials->len; i++)
    {
      const KilnCompareTrial *t = g_ptr_array_index (compare->trials, i);

      if (t->status == KILN_COMPARE_DONE)
        continue;
      json_builder_begin_object (b);
      add_trial_name (b, t);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, status_name (t->status));
      json_builder_set_member_name (b, "reason");
      if (t->reason)
        json_builder_add_string_value (b, t->reason);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "best");
  best = kiln_compare_get_best (compare);
  if (best >= 0)
    {
      const KilnCompareTrial *t = g_ptr_array_index (compare->trials, best);
      json_builder_begin_object (b);
      add_trial_name (b, t);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
