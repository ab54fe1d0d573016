/* test-metrics.c: metrics by hand and against sklearn.metrics.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "kiln-cv.h"
#include "kiln-evaluation.h"
#include "kiln-metrics.h"

#define PYTHON "/usr/bin/python3"

/* ---- By hand ----------------------------------------------------------------------------- */

static void
test_classification_by_hand (void)
{
  /* Three classes; class 2 is in the truth but never predicted (its precision is 0 by
   * zero_division=0), class 3 of 4 appears nowhere (left out of the macro averages). */
  const gint32 t[] = { 0, 0, 0, 1, 1, 2, 2, 1 };
  const gint32 p[] = { 0, 1, 0, 1, 1, 1, 0, 1 };
  double pr[4], re[4], f1[4], mp, mr, mf;
  guint sup[4];

  g_assert_cmpfloat_with_epsilon (kiln_metrics_accuracy (t, p, 8), 5.0 / 8, 1e-15);
  kiln_metrics_precision_recall_f1 (t, p, 8, 4, pr, re, f1, sup, &mp, &mr, &mf);
  /* class 0: predicted 3 (2 right), true 3 */
  g_assert_cmpfloat_with_epsilon (pr[0], 2.0 / 3, 1e-15);
  g_assert_cmpfloat_with_epsilon (re[0], 2.0 / 3, 1e-15);
  /* class 1: predicted 5 (3 right), true 3 */
  g_assert_cmpfloat_with_epsilon (pr[1], 3.0 / 5, 1e-15);
  g_assert_cmpfloat_with_epsilon (re[1], 1.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (f1[1], 2 * 0.6 / 1.6, 1e-15);
  g_assert_cmpfloat (pr[2], ==, 0.0);
  g_assert_cmpfloat (re[2], ==, 0.0);
  g_assert_cmpfloat (f1[2], ==, 0.0);
  g_assert_cmpuint (sup[0], ==, 3);
  g_assert_cmpuint (sup[2], ==, 2);
  g_assert_cmpuint (sup[3], ==, 0);
  g_assert_cmpfloat_with_epsilon (mp, (2.0 / 3 + 0.6 + 0) / 3, 1e-15);
  g_assert_cmpfloat_with_epsilon (mr, (2.0 / 3 + 1 + 0) / 3, 1e-15);
  g_assert_cmpfloat_with_epsilon (mf, (2.0 / 3 + 0.75 + 0) / 3, 1e-15);

  g_assert_true (isnan (kiln_metrics_accuracy (t, p, 0)));
}

static void
test_argmax_and_log_loss (void)
{
  const double proba[] = { 0.2, 0.5, 0.3,
                           0.4, 0.4, 0.2,    /* tie: first wins */
                           1.0, 0.0, 0.0 };
  const gint32 t[] = { 1, 0, 1 };
  gint32 out[3];
  double ll, expect;

  kiln_metrics_argmax (proba, 3, 3, out);
  g_assert_cmpint (out[0], ==, 1);
  g_assert_cmpint (out[1], ==, 0);
  g_assert_cmpint (out[2], ==, 0);

  /* The third row's true class has p = 0: clipped to eps, row renormalised. */
  ll = kiln_metrics_log_loss (t, proba, 3, 3);
  expect = (-log (0.5) - log (0.4) - log (DBL_EPSILON / (1 - DBL_EPSILON + 2 * DBL_EPSILON))) / 3;
  g_assert_cmpfloat_with_epsilon (ll, expect, 1e-12);
  g_assert_true (isfinite (ll));
}

static void
test_roc_by_hand (void)
{
  const gint32 y[] = { 0, 0, 1, 1 };
  const double s[] = { 0.1, 0.4, 0.35, 0.8 };
  const gint32 yt[] = { 0, 1, 0, 1, 1 };
  const double st[] = { 0.5, 0.5, 0.2, 0.9, 0.2 };
  const gint32 one[] = { 1, 1, 1 };
  g_autoptr(KilnRocCurve) c = kiln_roc_curve_new (y, 1, s, 1, 4, FALSE);
  g_autoptr(KilnRocCurve) ct = kiln_roc_curve_new (yt, 1, st, 1, 5, FALSE);
  g_autoptr(KilnRocCurve) c1 = kiln_roc_curve_new (one, 1, s, 1, 3, TRUE);

  g_assert_cmpfloat_with_epsilon (c->auc, 0.75, 1e-15);
  g_assert_cmpuint (c->n_points, ==, 5);
  g_assert_cmpfloat (c->thresholds[0], ==, 1.8);
  g_assert_cmpfloat (c->fpr[4], ==, 1.0);
  g_assert_cmpfloat (c->tpr[4], ==, 1.0);

  /* Ties: scores 0.9 (+), 0.5 (+ and -), 0.2 (+ and -). Pairs (pos, neg) = 6, wins: 0.9 beats
   * both negatives (2), 0.5(+) beats 0.2(-) (1) and ties 0.5(-) (1/2), 0.2(+) beats none and
   * ties 0.2(-) (1/2): AUC = 4 / 6. */
  g_assert_cmpfloat_with_epsilon (ct->auc, 4.0 / 6, 1e-15);
  g_assert_cmpuint (ct->n_points, ==, 4);

  /* Only positives: undefined. */
  g_assert_true (isnan (c1->auc));
}

static void
test_confusion_rows (void)
{
  const gint32 t[] = { 0, 1, 1, 0, 2, 1, 1 };
  const gint32 p[] = { 0, 0, 1, 0, 1, 0, 1 };
  g_autoptr(KilnConfusion) cm = kiln_confusion_new (t, p, 7, 3);
  const guint32 *rows;
  guint n, total = 0;

  g_assert_cmpuint (kiln_confusion_get_n_classes (cm), ==, 3);
  g_assert_cmpuint (kiln_confusion_get_count (cm, 0, 0), ==, 2);
  g_assert_cmpuint (kiln_confusion_get_count (cm, 1, 0), ==, 2);
  g_assert_cmpuint (kiln_confusion_get_count (cm, 1, 1), ==, 2);
  g_assert_cmpuint (kiln_confusion_get_count (cm, 2, 1), ==, 1);
  g_assert_cmpuint (kiln_confusion_get_count (cm, 2, 2), ==, 0);

  rows = kiln_confusion_get_rows (cm, 1, 0, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (rows[0], ==, 1);
  g_assert_cmpuint (rows[1], ==, 5);
  rows = kiln_confusion_get_rows (cm, 2, 1, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (rows[0], ==, 4);
  kiln_confusion_get_rows (cm, 2, 2, &n);
  g_assert_cmpuint (n, ==, 0);
  for (guint a = 0; a < 3; a++)
    for (guint b = 0; b < 3; b++)
      total += kiln_confusion_get_count (cm, a, b);
  g_assert_cmpuint (total, ==, 7);
}

static void
test_regression_by_hand (void)
{
  const double y[] = { 3, -0.5, 2, 7 };
  const double p[] = { 2.5, 0.0, 2, 8 };
  const double c[] = { 2, 2, 2 };
  double res[4];
  KilnRegressionMetrics m;

  kiln_metrics_regression (y, p, 4, &m);
  /* sklearn's docstring example: r2 = 0.948..., mse = 0.375, mae = 0.5 */
  g_assert_cmpfloat_with_epsilon (m.r2, 0.9486081370449679, 1e-15);
  g_assert_cmpfloat_with_epsilon (m.mse, 0.375, 1e-15);
  g_assert_cmpfloat_with_epsilon (m.rmse, sqrt (0.375), 1e-15);
  g_assert_cmpfloat_with_epsilon (m.mae, 0.5, 1e-15);
  kiln_metrics_residuals (y, p, 4, res);
  g_assert_cmpfloat (res[0], ==, 0.5);
  g_assert_cmpfloat (res[3], ==, -1.0);

  kiln_metrics_regression (c, c, 3, &m);
  g_assert_cmpfloat (m.r2, ==, 1.0);
  kiln_metrics_regression (c, y, 3, &m);
  g_assert_cmpfloat (m.r2, ==, 0.0);
  kiln_metrics_regression (c, y, 0, &m);
  g_assert_true (isnan (m.r2));
}

/* ---- The evaluation object ----------------------------------------------------------------- */

static void
test_evaluation_object (void)
{
  const char *classes[] = { "no", "yes", NULL };
  const gint32 t[] = { 0, 1, 1, 0, 1 };
  const double proba[] = { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4, 0.2, 0.8, 0.1, 0.9 };
  const double yv[] = { 1, 2, 3 };
  const double pv[] = { 1.5, 2, 2 };
  g_autoptr(KilnEvaluation) ev = kiln_evaluation_new_classification (classes, 2, t, proba, 5, NULL);
  g_autoptr(KilnEvaluation) rv = kiln_evaluation_new_regression (yv, pv, 3, NULL);
  g_autoptr(JsonNode) mj = kiln_evaluation_metrics_to_json (ev);
  g_autoptr(JsonNode) cj = kiln_evaluation_confusion_to_json (ev);
  g_autoptr(JsonNode) rj = kiln_evaluation_metrics_to_json (rv);
  JsonObject *o = json_node_get_object (mj);
  const KilnMetrics *m = kiln_evaluation_get_metrics (ev);
  const gint32 *pred = kiln_evaluation_get_predicted_classes (ev);
  guint n_classes, support;
  double precision;

  g_assert_cmpint (kiln_evaluation_get_task (ev), ==, KILN_TASK_CLASSIFICATION);
  g_assert_cmpstr (kiln_evaluation_get_classes (ev, &n_classes)[1], ==, "yes");
  g_assert_cmpuint (n_classes, ==, 2);
  g_assert_cmpint (pred[0], ==, 0);
  g_assert_cmpint (pred[2], ==, 0);
  g_assert_cmpint (pred[4], ==, 1);
  g_assert_cmpfloat_with_epsilon (m->accuracy, 0.6, 1e-15);
  /* positives' scores 0.7, 0.4, 0.9 vs negatives' 0.1, 0.8: 4 of 6 pairs */
  g_assert_cmpfloat_with_epsilon (m->roc_auc, 4.0 / 6, 1e-15);
  g_assert_cmpuint (kiln_evaluation_get_n_roc_curves (ev), ==, 1);
  g_assert_true (isnan (m->r2));
  kiln_evaluation_get_class_metrics (ev, 1, &precision, NULL, NULL, &support);
  g_assert_cmpfloat_with_epsilon (precision, 2.0 / 3, 1e-15);
  g_assert_cmpuint (support, ==, 3);

  g_assert_cmpuint (json_object_get_size (o), ==, 4);
  g_assert_true (json_object_has_member (o, "accuracy"));
  g_assert_true (json_object_has_member (o, "macro_f1"));
  g_assert_true (json_object_has_member (o, "log_loss"));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "roc_auc"), 4.0 / 6, 1e-15);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (cj)), ==, 2);
  g_assert_cmpint (json_array_get_int_element (
                     json_array_get_array_element (json_node_get_array (cj), 1), 0), ==, 1);

  o = json_node_get_object (rj);
  g_assert_cmpuint (json_object_get_size (o), ==, 3);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "mae"), 0.5, 1e-15);
  g_assert_cmpfloat (kiln_evaluation_get_residuals (rv)[2], ==, 1.0);
  g_assert_null (kiln_evaluation_get_confusion (rv));
}

/* ---- Cross-validation ---------------------------------------------------------------------- */

static gboolean
count_fold (guint fold, const guint32 *train, guint n_train, const guint32 *test, guint n_test,
            double *score, gpointer user_data, GCancellable *cancellable, GError **error)
{
  guint *seen = user_data;

  g_assert_cmpuint (n_train + n_test, ==, 103);
  for (guint i = 0; i < n_test; i++)
    seen[test[i]]++;
  for (guint i = 1; i < n_train; i++)
    g_assert_cmpuint (train[i - 1], <, train[i]);
  *score = fold;
  return TRUE;
}

static void
test_kfold (void)
{
  gint32 strata[103];
  guint fold[103], per[5][3] = { { 0 } }, fold2[103];
  guint seen[103] = { 0 };
  g_autofree double *scores = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 103; i++)
    strata[i] = i < 50 ? 0 : i < 90 ? 1 : 2;
  g_assert_true (kiln_kfold_assign (103, 5, strata, 42, fold, NULL));
  for (guint i = 0; i < 103; i++)
    per[fold[i]][strata[i]]++;
  for (guint f = 0; f < 5; f++)
    {
      g_assert_cmpuint (per[f][0], ==, 10);
      g_assert_cmpuint (per[f][1], ==, 8);
      g_assert_cmpuint (per[f][2], >=, 2);
      g_assert_cmpuint (per[f][2], <=, 3);
    }
  /* Deterministic for a seed, different for another. */
  g_assert_true (kiln_kfold_assign (103, 5, strata, 42, fold2, NULL));
  g_assert_cmpmem (fold, sizeof fold, fold2, sizeof fold2);
  g_assert_true (kiln_kfold_assign (103, 5, strata, 7, fold2, NULL));
  g_assert_true (memcmp (fold, fold2, sizeof fold) != 0);

  scores = kiln_cross_validate (103, 5, NULL, 1, count_fold, seen, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 103; i++)
    g_assert_cmpuint (seen[i], ==, 1);
  g_assert_cmpfloat (scores[4], ==, 4.0);

  g_assert_false (kiln_kfold_assign (3, 5, NULL, 0, fold, &error));
  g_assert_error (error, KILN_EVAL_ERROR, KILN_EVAL_ERROR_INVALID);
}

static void
test_cross_validate_model (void)
{
  KilnModelOptions options;
  g_autoptr(KilnDataset) data = NULL;
  g_autoptr(GError) error = NULL;
  double scores[4];
  const char *name = kiln_model_lookup_class ("nb") ? "nb" :
                     kiln_model_lookup_class ("logreg") ? "logreg" : NULL;

  if (name == NULL)
    {
      g_test_skip ("no classifier family (nb, logreg) is built yet");
      return;
    }
  /* Two well separated blobs: every fold scores 1. */
  data = kiln_dataset_new (80, 2, KILN_TASK_CLASSIFICATION, 2);
  for (guint i = 0; i < 80; i++)
    {
      data->y_class[i] = i % 2;
      data->x[i * 2] = (i % 2 ? 10.0f : -10.0f) + (float) (i % 7) * 0.1f;
      data->x[i * 2 + 1] = (float) (i % 5) * 0.2f;
    }
  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  g_assert_true (kiln_cross_validate_model (name, &options, data, 4, scores, NULL, &error));
  g_assert_no_error (error);
  for (guint f = 0; f < 4; f++)
    g_assert_cmpfloat (scores[f], ==, 1.0);
}

/* ---- Against sklearn.metrics --------------------------------------------------------------- */

static gboolean
have_sklearn (void)
{
  const char *argv[] = { PYTHON, "-c", "import sklearn", NULL };
  int status = -1;

  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static const char sklearn_script[] =
  "import json, sys, numpy as np\n"
  "from sklearn import metrics as M\n"
  "d = json.load(open(sys.argv[1]))\n"
  "out = []\n"
  "for c in d['cls']:\n"
  "    k = c['k']; y = np.array(c['y']); p = np.array(c['p']).reshape(-1, k); yp = p.argmax(1)\n"
  "    r = {'accuracy': M.accuracy_score(y, yp),\n"
  "         'macro_f1': M.f1_score(y, yp, average='macro', zero_division=0),\n"
  "         'macro_precision': M.precision_score(y, yp, average='macro', zero_division=0),\n"
  "         'macro_recall': M.recall_score(y, yp, average='macro', zero_division=0),\n"
  "         'log_loss': M.log_loss(y, p, labels=list(range(k))),\n"
  "         'f1': M.f1_score(y, yp, average=None, labels=list(range(k)), zero_division=0).tolist(),\n"
  "         'cm': M.confusion_matrix(y, yp, labels=list(range(k))).tolist()}\n"
  "    if k == 2:\n"
  "        r['auc'] = M.roc_auc_score(y, p[:, 1])\n"
  "        f, t, th = M.roc_curve(y, p[:, 1])\n"
  "        r['fpr'] = f.tolist(); r['tpr'] = t.tolist(); r['thr'] = th.tolist()\n"
  "    else:\n"
  "        r['auc'] = M.roc_auc_score(y, p, multi_class='ovr', average='macro', labels=list(range(k)))\n"
  "    out.append(r)\n"
  "reg = []\n"
  "for c in d['reg']:\n"
  "    y = np.array(c['y']); p = np.array(c['p'])\n"
  "    reg.append({'r2': M.r2_score(y, p), 'rmse': float(np.sqrt(M.mean_squared_error(y, p))),\n"
  "                'mae': M.mean_absolute_error(y, p)})\n"
  "print(json.dumps({'cls': out, 'reg': reg}))\n";

typedef struct {
  guint   k;
  guint   n;
  gint32 *y;
  double *p;
} ClsCase;

/* A fixed pseudo-random case: probabilities rounded to 1/20 so many scores tie, the truth
 * correlated with them so the metrics are not trivial. */
static void
make_case (ClsCase *c, guint k, guint n, guint32 seed)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (seed);

  c->k = k;
  c->n = n;
  c->y = g_new (gint32, n);
  c->p = g_new (double, (gsize) n * k);
  for (guint i = 0; i < n; i++)
    {
      double sum = 0;
      c->y[i] = g_rand_int_range (r, 0, k);
      for (guint j = 0; j < k; j++)
        {
          double v = round (g_rand_double (r) * 20) / 20 + ((gint32) j == c->y[i] ? 0.3 : 0);
          c->p[i * k + j] = v;
          sum += v;
        }
      for (guint j = 0; j < k; j++)
        c->p[i * k + j] /= sum;
    }
  /* A row with a zero probability on its true class, for log loss's clipping. */
  for (guint j = 0; j < k; j++)
    c->p[j] = (gint32) j == c->y[0] ? 0.0 : 1.0 / (k - 1);
}

static void
add_array_d (JsonBuilder *b, const char *name, const double *v, guint n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    json_builder_add_double_value (b, v[i]);
  json_builder_end_array (b);
}

static void
assert_close (double a, double b, double tol, const char *what)
{
  if (!(fabs (a - b) <= tol * MAX (1.0, fabs (b))))
    g_error ("%s: Kiln %.17g, sklearn %.17g (difference %.3g)", what, a, b, fabs (a - b));
}

static void
test_against_sklearn (void)
{
  ClsCase cases[4];
  guint ks[4] = { 2, 3, 5, 2 };
  double ry[2][300], rp[2][300];
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL, *out = NULL, *err = NULL;
  const char *argv[] = { PYTHON, "-c", sklearn_script, NULL, NULL };
  JsonArray *cls, *reg;
  int status;
  double max_diff = 0;

  if (!have_sklearn ())
    {
      g_test_skip ("/usr/bin/python3 with scikit-learn is not available");
      return;
    }

  for (guint i = 0; i < 4; i++)
    make_case (&cases[i], ks[i], i == 3 ? 40 : 300, 17 + i);
  /* Case 3: class 1 never predicted (scores squeezed), an undefined precision. */
  for (guint i = 0; i < cases[3].n; i++)
    {
      cases[3].p[i * 2 + 1] = cases[3].p[i * 2 + 1] * 0.5 - (i % 3 == 0 ? 0.1 : 0);
      if (cases[3].p[i * 2 + 1] < 0)
        cases[3].p[i * 2 + 1] = 0;
      cases[3].p[i * 2] = 1 - cases[3].p[i * 2 + 1];
    }
  for (guint j = 0; j < 2; j++)
    {
      g_autoptr(GRand) r = g_rand_new_with_seed (99 + j);
      for (guint i = 0; i < 300; i++)
        {
          ry[j][i] = g_rand_double_range (r, -50, 150);
          rp[j][i] = j == 0 ? ry[j][i] + g_rand_double_range (r, -20, 20)
                            : g_rand_double_range (r, -50, 150);
        }
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cls");
  json_builder_begin_array (b);
  for (guint c = 0; c < 4; c++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "k");
      json_builder_add_int_value (b, cases[c].k);
      json_builder_set_member_name (b, "y");
      json_builder_begin_array (b);
      for (guint i = 0; i < cases[c].n; i++)
        json_builder_add_int_value (b, cases[c].y[i]);
      json_builder_end_array (b);
      add_array_d (b, "p", cases[c].p, cases[c].n * cases[c].k);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "reg");
  json_builder_begin_array (b);
  for (guint j = 0; j < 2; j++)
    {
      json_builder_begin_object (b);
      add_array_d (b, "y", ry[j], 300);
      add_array_d (b, "p", rp[j], 300);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);

  dir = g_dir_make_tmp ("kiln-metrics-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "cases.json", NULL);
  g_assert_true (json_generator_to_file (gen, path, &error));
  argv[3] = path;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("sklearn script failed: %s", err);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  cls = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "cls");
  reg = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "reg");

  for (guint c = 0; c < 4; c++)
    {
      ClsCase *cc = &cases[c];
      JsonObject *o = json_array_get_object_element (cls, c);
      g_autofree gint32 *pred = g_new (gint32, cc->n);
      g_autofree double *f1 = g_new (double, cc->k);
      double mp, mr, mf, auc;
      g_autoptr(KilnConfusion) cm = NULL;
      JsonArray *cmj, *f1j;

      kiln_metrics_argmax (cc->p, cc->n, cc->k, pred);
      kiln_metrics_precision_recall_f1 (cc->y, pred, cc->n, cc->k, NULL, NULL, f1, NULL,
                                        &mp, &mr, &mf);
      assert_close (kiln_metrics_accuracy (cc->y, pred, cc->n),
                    json_object_get_double_member (o, "accuracy"), 1e-15, "accuracy");
      assert_close (mf, json_object_get_double_member (o, "macro_f1"), 1e-12, "macro F1");
      assert_close (mp, json_object_get_double_member (o, "macro_precision"), 1e-12, "macro precision");
      assert_close (mr, json_object_get_double_member (o, "macro_recall"), 1e-12, "macro recall");
      assert_close (kiln_metrics_log_loss (cc->y, cc->p, cc->n, cc->k),
                    json_object_get_double_member (o, "log_loss"), 1e-12, "log loss");
      f1j = json_object_get_array_member (o, "f1");
      for (guint j = 0; j < cc->k; j++)
        assert_close (f1[j], json_array_get_double_element (f1j, j), 1e-12, "F1 per class");
      auc = kiln_metrics_roc_auc (cc->y, cc->p, cc->n, cc->k);
      assert_close (auc, json_object_get_double_member (o, "auc"), 1e-12, "ROC AUC");
      max_diff = MAX (max_diff, fabs (auc - json_object_get_double_member (o, "auc")));

      cm = kiln_confusion_new (cc->y, pred, cc->n, cc->k);
      cmj = json_object_get_array_member (o, "cm");
      for (guint a = 0; a < cc->k; a++)
        for (guint p = 0; p < cc->k; p++)
          g_assert_cmpint (kiln_confusion_get_count (cm, a, p), ==,
                           json_array_get_int_element (json_array_get_array_element (cmj, a), p));

      if (cc->k == 2)
        {
          g_autoptr(KilnRocCurve) curve = kiln_roc_curve_new (cc->y, 1, cc->p + 1, 2, cc->n, TRUE);
          JsonArray *fpr = json_object_get_array_member (o, "fpr");
          JsonArray *tpr = json_object_get_array_member (o, "tpr");
          JsonArray *thr = json_object_get_array_member (o, "thr");

          g_assert_cmpuint (curve->n_points, ==, json_array_get_length (fpr));
          for (guint i = 0; i < curve->n_points; i++)
            {
              assert_close (curve->fpr[i], json_array_get_double_element (fpr, i), 1e-15, "fpr");
              assert_close (curve->tpr[i], json_array_get_double_element (tpr, i), 1e-15, "tpr");
              assert_close (curve->thresholds[i], json_array_get_double_element (thr, i), 1e-15,
                            "threshold");
            }
        }
      g_free (cc->y);
      g_free (cc->p);
    }

  for (guint j = 0; j < 2; j++)
    {
      JsonObject *o = json_array_get_object_element (reg, j);
      KilnRegressionMetrics m;

      kiln_metrics_regression (ry[j], rp[j], 300, &m);
      assert_close (m.r2, json_object_get_double_member (o, "r2"), 1e-12, "R²");
      assert_close (m.rmse, json_object_get_double_member (o, "rmse"), 1e-12, "RMSE");
      assert_close (m.mae, json_object_get_double_member (o, "mae"), 1e-12, "MAE");
    }
  g_test_message ("max |AUC difference| vs sklearn: %.3g", max_diff);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/eval/classification-by-hand", test_classification_by_hand);
  g_test_add_func ("/eval/argmax-log-loss", test_argmax_and_log_loss);
  g_test_add_func ("/eval/roc-by-hand", test_roc_by_hand);
  g_test_add_func ("/eval/confusion-rows", test_confusion_rows);
  g_test_add_func ("/eval/regression-by-hand", test_regression_by_hand);
  g_test_add_func ("/eval/evaluation-object", test_evaluation_object);
  g_test_add_func ("/eval/kfold", test_kfold);
  g_test_add_func ("/eval/cross-validate-model", test_cross_validate_model);
  g_test_add_func ("/eval/against-sklearn", test_against_sklearn);
  return g_test_run ();
}
