/* kiln-nb.c: naive Bayes: Gaussian for numeric features and categorical levels, as
 * scikit-learn's GaussianNB, and multinomial for text features, as its MultinomialNB.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per class: the prior is the class's share of the training rows, and each numeric feature (and
 * each categorical level's 0/1 column) a normal distribution with the class's mean and
 * (population) variance. Every variance gets var_smoothing (1e-9) times the largest variance of
 * any of those features over all rows added, so a feature constant within a class does not divide
 * by zero. Probabilities come from the joint log-likelihoods through log-sum-exp. Classification
 * only.
 *
 * Text features (sparse TF-IDF weights, kiln-text.h) are not normal: a text column's terms are
 * one multinomial per class instead, whose term probabilities are the class's summed weights
 * of each term plus alpha (1, Laplace smoothing) over their total plus alpha times the vocabulary,
 * exactly MultinomialNB(alpha=1) on the same features. Naive Bayes takes the features as
 * independent given the class, so the two parts' log-likelihoods add: a row's joint
 * log-likelihood is log prior + the Gaussian terms of its numeric and level features + sum over
 * its terms of weight x log P(term | class); with text only, it is MultinomialNB's.
 *
 * A model without numeric features (text and categorical levels only) is linear in the one-hot
 * view: a 0/1 level's Gaussian term is a + b x, a term's is x log P. It then hands out that form
 * (kiln_model_get_linear(), kiln_model_get_coefficients()), so the words plot and exact
 * explanations work for it as for logistic regression.
 */
#define G_LOG_DOMAIN "kiln-nb"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"

#define VAR_SMOOTHING 1e-9
#define TEXT_ALPHA    1.0

typedef struct {
  KilnModel parent;
  double   *class_count;  /* n_classes */
  double   *theta;        /* n_classes x n_gauss means */
  double   *var;          /* n_classes x n_gauss variances, smoothed */
  double    epsilon;
  double   *term_weight;  /* n_classes x n_sparse: the class's summed weights of each term */
  /* derived */
  double   *log_prior;    /* n_classes; -inf for a class with no rows */
  double   *log_norm;     /* n_classes: -0.5 sum log (2 pi var) */
  double   *log_term;     /* n_sparse x n_classes (term-major): log P(term | class) */
  double   *lin_coef;     /* without numeric features: n_lin x n_features, else NULL */
  double   *lin_intercept;
  guint     n_lin;        /* 1 for two classes (class 1's log-odds), else n_classes */
} KilnNb;

/* The Gaussian features: numeric and levels, everything before the text features. */
static inline guint
n_gauss (const KilnModel *model)
{
  return model->n_sparse > 0 ? model->sparse_offset : model->n_features;
}

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
  g_clear_pointer (&self->term_weight, g_free);
  g_clear_pointer (&self->log_prior, g_free);
  g_clear_pointer (&self->log_norm, g_free);
  g_clear_pointer (&self->log_term, g_free);
  g_clear_pointer (&self->lin_coef, g_free);
  g_clear_pointer (&self->lin_intercept, g_free);
}

/* log P(term | class) from the summed weights, and the linear form when there is one. */
static void
nb_derive_text (KilnNb         *self,
                const KilnModel *model,
                guint           n_classes)
{
  guint ns = model->n_sparse, g = n_gauss (model), d = model->n_features;

  if (ns == 0)
    return;
  self->log_term = g_new (double, (gsize) ns * n_classes);
  for (guint c = 0; c < n_classes; c++)
    {
      const double *tw = self->term_weight + (gsize) c * ns;
      double total = TEXT_ALPHA * ns, log_total;

      for (guint k = 0; k < ns; k++)
        total += tw[k];
      log_total = log (total);
      for (guint k = 0; k < ns; k++)
        self->log_term[(gsize) k * n_classes + c] = log (tw[k] + TEXT_ALPHA) - log_total;
    }
  if (model->n_dense > 0)
    return;

  /* jll_c = log prior + log_norm - 0.5 sum_l (x_l - th)^2 / var + sum_k x_k log P: with x_l in
     {0, 1}, (x - th)^2 = th^2 + x (1 - 2 th) */
  {
    g_autofree double *jc = g_new (double, (gsize) n_classes * d);
    g_autofree double *jb = g_new (double, n_classes);

    for (guint c = 0; c < n_classes; c++)
      {
        const double *th = self->theta + (gsize) c * g, *va = self->var + (gsize) c * g;
        double b = self->log_prior[c] + self->log_norm[c];

        for (guint l = 0; l < g; l++)
          {
            b -= 0.5 * th[l] * th[l] / va[l];
            jc[(gsize) c * d + l] = -0.5 * (1.0 - 2.0 * th[l]) / va[l];
          }
        for (guint k = 0; k < ns; k++)
          jc[(gsize) c * d + g + k] = self->log_term[(gsize) k * n_classes + c];
        jb[c] = b;
      }
    if (n_classes == 2)
      {
        self->n_lin = 1;
        self->lin_coef = g_new (double, d);
        self->lin_intercept = g_new (double, 1);
        for (guint j = 0; j < d; j++)
          self->lin_coef[j] = jc[d + j] - jc[j];
        self->lin_intercept[0] = jb[1] - jb[0];
      }
    else
      {
        self->n_lin = n_classes;
        self->lin_coef = g_steal_pointer (&jc);
        self->lin_intercept = g_steal_pointer (&jb);
      }
  }
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
  guint n, d, nd, nc, C, ns;
  g_autofree double *mean_all = NULL;
  double max_var = 0.0;

  /* kiln_model_fit() has checked the data (kiln_dataset_check()). d: the Gaussian features */
  n = train->n_rows;
  d = n_gauss (model);
  ns = model->n_sparse;
  nd = train->n_features;
  nc = train->n_categorical;
  C = train->n_classes;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  nb_clear (self);
  self->class_count = g_new0 (double, C);
  self->theta = g_new0 (double, (gsize) C * d);
  self->var = g_new0 (double, (gsize) C * d);
  mean_all = g_new0 (double, MAX (d, 1));
  if (ns > 0)
    {
      self->term_weight = g_new0 (double, (gsize) C * ns);
      for (guint i = 0; i < n; i++)
        {
          double *tw = self->term_weight + (gsize) train->y_class[i] * ns;
          for (gsize e = train->sp_ptr[i]; e < train->sp_ptr[i + 1]; e++)
            tw[train->sp_index[e]] += train->sp_value[e];
        }
    }

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
    g_autofree double *var_all = g_new0 (double, MAX (d, 1));

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
  nb_derive_text (self, model, C);
  if (monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return TRUE;
}

/* Joint log-likelihoods @o (n_classes) to probabilities in place. */
static void
jll_to_proba (double *o,
              guint   C)
{
  double top = -INFINITY, sum = 0.0, lse;

  for (guint c = 0; c < C; c++)
    top = MAX (top, o[c]);
  if (!isfinite (top))
    {
      /* no class can be told (non-finite input): say so evenly */
      for (guint c = 0; c < C; c++)
        o[c] = 1.0 / C;
      return;
    }
  for (guint c = 0; c < C; c++)
    sum += exp (o[c] - top);
  lse = top + log (sum);
  for (guint c = 0; c < C; c++)
    o[c] = exp (o[c] - lse);
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
        }
      jll_to_proba (o, C);
    }
}

/* Rows with text features: the Gaussian terms from the numeric features and the codes (a level's
 * column is 1 for its code, 0 for the others), the multinomial ones gathered from the terms;
 * never a row of the whole view. */
static void
kiln_nb_predict_sparse (KilnModel         *model,
                        const KilnDataset *rows,
                        double            *out)
{
  KilnNb *self = (KilnNb *) model;
  guint C = model->n_classes, g = n_gauss (model), nd = rows->n_features, nc = rows->n_categorical;
  g_autofree double *level_base = g_new0 (double, C);

  /* every level column at 0 */
  for (guint c = 0; c < C; c++)
    for (guint l = nd; l < g; l++)
      {
        double th = self->theta[(gsize) c * g + l];
        level_base[c] += th * th / self->var[(gsize) c * g + l];
      }
  for (guint i = 0; i < rows->n_rows; i++)
    {
      const float *x = rows->x + (gsize) i * nd;
      double *o = out + (gsize) i * C;

      for (guint c = 0; c < C; c++)
        {
          const double *th = self->theta + (gsize) c * g, *va = self->var + (gsize) c * g;
          double s = level_base[c];

          for (guint j = 0; j < nd; j++)
            {
              double diff = x[j] - th[j];
              s += diff * diff / va[j];
            }
          for (guint j = 0; j < nc; j++)
            {
              guint32 code = rows->codes[(gsize) i * nc + j];
              if (code != KILN_CODE_NONE)
                {
                  guint l = model->level_offset[j] + code;
                  s += (1.0 - 2.0 * th[l]) / va[l];
                }
            }
          o[c] = self->log_prior[c] + self->log_norm[c] - 0.5 * s;
        }
      for (gsize e = rows->sp_ptr[i]; e < rows->sp_ptr[i + 1]; e++)
        {
          const double *lt = self->log_term + (gsize) rows->sp_index[e] * C;
          double v = rows->sp_value[e];
          for (guint c = 0; c < C; c++)
            o[c] += v * lt[c];
        }
      jll_to_proba (o, C);
    }
}

static void
kiln_nb_predict (KilnModel         *model,
                 const KilnDataset *rows,
                 double            *out)
{
  if (model->n_sparse > 0)
    kiln_nb_predict_sparse (model, rows, out);
  else
    _kiln_model_predict_dense (model, rows, out, kiln_nb_predict_dense);
}

static void
kiln_nb_to_json (KilnModel   *model,
                 JsonBuilder *builder)
{
  KilnNb *self = (KilnNb *) model;
  gsize n = (gsize) model->n_classes * n_gauss (model);

  _kiln_json_add_doubles (builder, "class_count", self->class_count, model->n_classes);
  _kiln_json_add_doubles (builder, "theta", self->theta, n);
  _kiln_json_add_doubles (builder, "var", self->var, n);
  json_builder_set_member_name (builder, "epsilon");
  json_builder_add_double_value (builder, self->epsilon);
  if (model->n_sparse > 0)
    _kiln_json_add_packed_doubles (builder, "term_weight", self->term_weight,
                                   (gsize) model->n_classes * model->n_sparse);
}

static gboolean
kiln_nb_from_json (KilnModel   *model,
                   JsonObject  *object,
                   GError     **error)
{
  KilnNb *self = (KilnNb *) model;
  KilnNb loaded = { 0, };
  guint C = model->n_classes, d = n_gauss (model), ns = model->n_sparse;
  gsize n = (gsize) C * d;
  double total = 0.0;

  if (model->task != KILN_TASK_CLASSIFICATION || C == 0 || model->n_features == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved naive Bayes model has no classes or no features."));
      return FALSE;
    }
  loaded.class_count = g_new (double, C);
  loaded.theta = g_new (double, MAX (n, 1));
  loaded.var = g_new (double, MAX (n, 1));
  loaded.term_weight = ns > 0 ? g_new (double, (gsize) C * ns) : NULL;
  if ((ns > 0 && !_kiln_json_get_doubles (object, "term_weight", loaded.term_weight, (gsize) C * ns,
                                          error))
      || !_kiln_json_get_doubles (object, "class_count", loaded.class_count, C, error)
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
  for (gsize i = 0; i < (gsize) C * ns; i++)
    if (!(loaded.term_weight[i] >= 0.0 && isfinite (loaded.term_weight[i])))
      goto bad;
  nb_derive (&loaded, C, d);
  nb_derive_text (&loaded, model, C);

  nb_clear (self);
  self->class_count = loaded.class_count;
  self->theta = loaded.theta;
  self->var = loaded.var;
  self->epsilon = loaded.epsilon;
  self->term_weight = loaded.term_weight;
  self->log_prior = loaded.log_prior;
  self->log_norm = loaded.log_norm;
  self->log_term = loaded.log_term;
  self->lin_coef = loaded.lin_coef;
  self->lin_intercept = loaded.lin_intercept;
  self->n_lin = loaded.n_lin;
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

static const double *
kiln_nb_coefficients (KilnModel *model,
                      guint     *n_out)
{
  KilnNb *self = (KilnNb *) model;

  *n_out = self->n_lin;
  return self->lin_coef;
}

static gboolean
kiln_nb_linear (KilnModel       *model,
                guint           *n_scores,
                const double   **coef,
                const double   **intercept,
                KilnModelScore  *score)
{
  KilnNb *self = (KilnNb *) model;

  if (self->lin_coef == NULL)
    return FALSE;
  *n_scores = self->n_lin;
  *coef = self->lin_coef;
  *intercept = self->lin_intercept;
  *score = self->n_lin == 1 ? KILN_MODEL_SCORE_LOG_ODDS : KILN_MODEL_SCORE_MARGIN;
  return TRUE;
}

static const KilnModelOption * const nb_options[] = {
  NULL,
};

static const KilnModelOps nb_ops = {
  .codes = TRUE,
  .sparse = TRUE,
  .instance_size = sizeof (KilnNb),
  .check_options = kiln_nb_check_options,
  .fit = kiln_nb_fit,
  .predict = kiln_nb_predict,
  .to_json = kiln_nb_to_json,
  .from_json = kiln_nb_from_json,
  .importances = kiln_nb_importances,
  .finalize = kiln_nb_finalize,
  .coefficients = kiln_nb_coefficients,
  .linear = kiln_nb_linear,
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
