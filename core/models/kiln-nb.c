/* kiln-nb.c: Gaussian naive Bayes, as scikit-learn's GaussianNB.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per class: the prior is the class's share of the training rows, and each feature a normal
 * distribution with the class's mean and (population) variance. Every variance gets
 * var_smoothing (1e-9) times the largest variance of any feature over all rows added, so a
 * feature constant within a class does not divide by zero. Probabilities come from the joint
 * log-likelihoods through log-sum-exp. Classification only.
 */
#define G_LOG_DOMAIN "kiln-nb"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"

#define VAR_SMOOTHING 1e-9

typedef struct {
  KilnModel parent;
  double   *class_count;  /* n_classes */
  double   *theta;        /* n_classes x n_features means */
  double   *var;          /* n_classes x n_features variances, smoothed */
  double    epsilon;
  /* derived */
  double   *log_prior;    /* n_classes; -inf for a class with no rows */
  double   *log_norm;     /* n_classes: -0.5 sum log (2 pi var) */
} KilnNb;

static gboolean
kiln_nb_check_options (const KilnModelOptions *options,
                       GError                **error)
{
  if (options->task != KILN_TASK_CLASSIFICATION)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("Naive Bayes predicts classes only; choose another model for regression."));
      return FALSE;
    }
  return TRUE;
}

static void
nb_clear (KilnNb *self)
{
  g_clear_pointer (&self->class_count, g_free);
  g_clear_pointer (&self->theta, g_free);
  g_clear_pointer (&self->var, g_free);
  g_clear_pointer (&self->log_prior, g_free);
  g_clear_pointer (&self->log_norm, g_free);
}

static void
nb_derive (KilnNb *self,
           guint   n_classes,
           guint   d)
{
  double total = 0.0;

  self->log_prior = g_new (double, n_classes);
  self->log_norm = g_new (double, n_classes);
  for (guint c = 0; c < n_classes; c++)
    total += self->class_count[c];
  for (guint c = 0; c < n_classes; c++)
    {
      double s = 0.0;

      self->log_prior[c] = self->class_count[c] > 0.0 ? log (self->class_count[c] / total)
                                                      : -INFINITY;
      for (guint j = 0; j < d; j++)
        s += log (2.0 * G_PI * self->var[(gsize) c * d + j]);
      self->log_norm[c] = -0.5 * s;
    }
}

static gboolean
kiln_nb_fit (KilnModel            *model,
             const KilnDataset    *train,
             const KilnDataset    *val,
             const KilnFitMonitor *monitor,
             GCancellable         *cancellable,
             GError              **error)
{
  KilnNb *self = (KilnNb *) model;
  guint n, d, nd, nc, C;
  g_autofree double *mean_all = NULL;
  double max_var = 0.0;

  /* kiln_model_fit() has checked the data (kiln_dataset_check()). */
  n = train->n_rows;
  d = model->n_features;
  nd = train->n_features;
  nc = train->n_categorical;
  C = train->n_classes;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  nb_clear (self);
  self->class_count = g_new0 (double, C);
  self->theta = g_new0 (double, (gsize) C * d);
  self->var = g_new0 (double, (gsize) C * d);
  mean_all = g_new0 (double, d);

  /* two passes: means, then squared deviations */
  for (guint i = 0; i < n; i++)
    {
      const float *row = train->x + (gsize) i * nd;
      double *th = self->theta + (gsize) train->y_class[i] * d;

      self->class_count[train->y_class[i]] += 1.0;
      for (guint j = 0; j < nd; j++)
        {
          th[j] += row[j];
          mean_all[j] += row[j];
        }
      /* a level's one-hot column: its rows count */
      for (guint j = 0; j < nc; j++)
        {
          guint32 code = train->codes[(gsize) i * nc + j];
          if (code != KILN_CODE_NONE)
            {
              th[model->level_offset[j] + code] += 1.0;
              mean_all[model->level_offset[j] + code] += 1.0;
            }
        }
    }
  for (guint j = 0; j < d; j++)
    mean_all[j] /= n;
  for (guint c = 0; c < C; c++)
    if (self->class_count[c] > 0.0)
      for (guint j = 0; j < d; j++)
        self->theta[(gsize) c * d + j] /= self->class_count[c];

  {
    g_autofree double *var_all = g_new0 (double, d);

    for (guint i = 0; i < n; i++)
      {
        const float *row = train->x + (gsize) i * nd;
        const double *th = self->theta + (gsize) train->y_class[i] * d;
        double *va = self->var + (gsize) train->y_class[i] * d;

        for (guint j = 0; j < nd; j++)
          {
            double dc = row[j] - th[j], da = row[j] - mean_all[j];
            va[j] += dc * dc;
            var_all[j] += da * da;
          }
      }
    /* a 0/1 column with m ones among n rows of mean t: m (1 - t)^2 + (n - m) t^2 */
    for (guint l = nd; l < d; l++)
      {
        double m = mean_all[l] * n, t = mean_all[l];
        var_all[l] = m * (1.0 - t) * (1.0 - t) + (n - m) * t * t;
        for (guint c = 0; c < C; c++)
          {
            double nc_ = self->class_count[c], tc = self->theta[(gsize) c * d + l];
            double mc = tc * nc_;
            self->var[(gsize) c * d + l] = mc * (1.0 - tc) * (1.0 - tc) + (nc_ - mc) * tc * tc;
          }
      }
    for (guint j = 0; j < d; j++)
      max_var = MAX (max_var, var_all[j] / n);
  }

  self->epsilon = VAR_SMOOTHING * max_var;
  if (!(self->epsilon > 0.0))
    self->epsilon = VAR_SMOOTHING;  /* every feature constant: keep the variances positive */
  for (guint c = 0; c < C; c++)
    for (guint j = 0; j < d; j++)
      {
        double *v = &self->var[(gsize) c * d + j];
        *v = (self->class_count[c] > 0.0 ? *v / self->class_count[c] : 0.0) + self->epsilon;
      }

  nb_derive (self, C, d);
  if (monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return TRUE;
}

static void
kiln_nb_predict_dense (KilnModel   *model,
                       const float *x,
                       guint        n_rows,
                       double      *out)
{
  KilnNb *self = (KilnNb *) model;
  guint d = model->n_features, C = model->n_classes;

  for (guint i = 0; i < n_rows; i++)
    {
      const float *row = x + (gsize) i * d;
      double *o = out + (gsize) i * C;
      double top = -INFINITY, sum = 0.0, lse;

      for (guint c = 0; c < C; c++)
        {
          const double *th = self->theta + (gsize) c * d;
          const double *va = self->var + (gsize) c * d;
          double s = 0.0;

          for (guint j = 0; j < d; j++)
            {
              double diff = row[j] - th[j];
              s += diff * diff / va[j];
            }
          o[c] = self->log_prior[c] + self->log_norm[c] - 0.5 * s;
          top = MAX (top, o[c]);
        }
      if (!isfinite (top))
        {
          /* no class can be told (non-finite input): say so evenly */
          for (guint c = 0; c < C; c++)
            o[c] = 1.0 / C;
          continue;
        }
      for (guint c = 0; c < C; c++)
        sum += exp (o[c] - top);
      lse = top + log (sum);
      for (guint c = 0; c < C; c++)
        o[c] = exp (o[c] - lse);
    }
}

static void
kiln_nb_predict (KilnModel         *model,
                 const KilnDataset *rows,
                 double            *out)
{
  _kiln_model_predict_dense (model, rows, out, kiln_nb_predict_dense);
}

static void
kiln_nb_to_json (KilnModel   *model,
                 JsonBuilder *builder)
{
  KilnNb *self = (KilnNb *) model;
  gsize n = (gsize) model->n_classes * model->n_features;

  _kiln_json_add_doubles (builder, "class_count", self->class_count, model->n_classes);
  _kiln_json_add_doubles (builder, "theta", self->theta, n);
  _kiln_json_add_doubles (builder, "var", self->var, n);
  json_builder_set_member_name (builder, "epsilon");
  json_builder_add_double_value (builder, self->epsilon);
}

static gboolean
kiln_nb_from_json (KilnModel   *model,
                   JsonObject  *object,
                   GError     **error)
{
  KilnNb *self = (KilnNb *) model;
  KilnNb loaded = { 0, };
  guint C = model->n_classes, d = model->n_features;
  gsize n = (gsize) C * d;
  double total = 0.0;

  if (model->task != KILN_TASK_CLASSIFICATION || C == 0 || d == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved naive Bayes model has no classes or no features."));
      return FALSE;
    }
  loaded.class_count = g_new (double, C);
  loaded.theta = g_new (double, n);
  loaded.var = g_new (double, n);
  if (!_kiln_json_get_doubles (object, "class_count", loaded.class_count, C, error)
      || !_kiln_json_get_doubles (object, "theta", loaded.theta, n, error)
      || !_kiln_json_get_doubles (object, "var", loaded.var, n, error)
      || !_kiln_json_get_double (object, "epsilon", &loaded.epsilon, error))
    goto fail;
  for (guint c = 0; c < C; c++)
    {
      if (!(loaded.class_count[c] >= 0.0 && isfinite (loaded.class_count[c])))
        goto bad;
      total += loaded.class_count[c];
    }
  if (!(total > 0.0))
    goto bad;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (loaded.theta[i]) || !(loaded.var[i] > 0.0 && isfinite (loaded.var[i])))
      goto bad;
  nb_derive (&loaded, C, d);

  nb_clear (self);
  self->class_count = loaded.class_count;
  self->theta = loaded.theta;
  self->var = loaded.var;
  self->epsilon = loaded.epsilon;
  self->log_prior = loaded.log_prior;
  self->log_norm = loaded.log_norm;
  return TRUE;

bad:
  g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
               _("The saved naive Bayes model holds counts or variances that are out of range."));
fail:
  nb_clear (&loaded);
  return FALSE;
}

static gboolean
kiln_nb_importances (KilnModel *model,
                     double    *out)
{
  return FALSE;  /* Gaussian naive Bayes has no importances */
}

static void
kiln_nb_finalize (KilnModel *model)
{
  nb_clear ((KilnNb *) model);
}

static const KilnModelOption * const nb_options[] = {
  NULL,
};

static const KilnModelOps nb_ops = {
  .codes = TRUE,
  .instance_size = sizeof (KilnNb),
  .check_options = kiln_nb_check_options,
  .fit = kiln_nb_fit,
  .predict = kiln_nb_predict,
  .to_json = kiln_nb_to_json,
  .from_json = kiln_nb_from_json,
  .importances = kiln_nb_importances,
  .finalize = kiln_nb_finalize,
};

const KilnModelClass kiln_nb_class = {
  .name = "nb",
  .display_name = N_("Gaussian naive Bayes"),
  .classification = TRUE,
  .regression = FALSE,
  .iterative = FALSE,
  .needs_scaling = FALSE,
  .accepts_missing = FALSE,
  .options = nb_options,
  .ops = &nb_ops,
};
