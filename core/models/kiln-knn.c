/* kiln-knn.c: k-nearest neighbours (Euclidean, uniform weights), as scikit-learn's KNeighbors*.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Brute force with BLAS: for a block of query rows and a block of training rows, one sgemm gives
 * -2 q.t, and |t|^2 + that ranks the training rows for each query (|q|^2 is the same for all).
 * Float rounding could reorder near ties, so every row within a proven error bound of the current
 * k-th candidate is kept, and the survivors are re-ranked by their squared distance computed in
 * double, ties going to the lower training row index (as sklearn). Classification predicts the
 * share of each class among the k neighbours; regression their mean target.
 *
 * Categorical features (codes) are kept as codes in the model: a block of training rows is
 * expanded into the one-hot view just before its product (so memory stays that of the codes, and
 * the distances are the very floats the dense rows would give).
 */
#define G_LOG_DOMAIN "kiln-knn"

#include "config.h"

#include <cblas.h>
#include <float.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "kiln-model-private.h"
#include "kiln-parallel.h"

#define DEFAULT_K     5
#define MAX_K         1000
#define QUERY_BLOCK   32
#define TRAIN_BLOCK   1024
/* candidates kept per query beyond k: rows tied (within rounding) with the k-th */
#define EXTRA_CANDIDATES 56

typedef struct {
  KilnModel parent;
  guint     k;
  guint     n_rows;
  float    *x;        /* n_rows x n_dense (n_features without codes) */
  guint32  *codes;    /* n_rows x n_categorical, or NULL */
  float    *norms;    /* |x_i|^2 */
  float     max_norm;
  gint32   *y_class;
  double   *y_value;
} KilnKnn;

static guint
knn_k (const KilnModelOptions *options)
{
  return options->k > 0 ? options->k : DEFAULT_K;
}

static gboolean
kiln_knn_check_options (const KilnModelOptions *options,
                        GError                **error)
{
  if (options->task != KILN_TASK_CLASSIFICATION && options->task != KILN_TASK_REGRESSION)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS, _("Unknown task."));
      return FALSE;
    }
  if (knn_k (options) > MAX_K)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_OPTIONS,
                   _("The number of neighbours (%u) is too large (at most %u)."),
                   options->k, MAX_K);
      return FALSE;
    }
  return TRUE;
}

static void
knn_clear (KilnKnn *self)
{
  g_clear_pointer (&self->x, g_free);
  g_clear_pointer (&self->norms, g_free);
  g_clear_pointer (&self->y_class, g_free);
  g_clear_pointer (&self->y_value, g_free);
  g_clear_pointer (&self->codes, g_free);
  self->n_rows = 0;
}

/* The training rows as a dataset (borrowed, no target). */
static void
knn_train_view (KilnKnn     *self,
                KilnDataset *view)
{
  const KilnModel *model = &self->parent;

  memset (view, 0, sizeof *view);
  view->n_rows = self->n_rows;
  view->n_features = self->codes != NULL ? model->n_dense : model->n_features;
  view->x = self->x;
  if (self->codes != NULL)
    {
      view->n_categorical = model->n_categorical;
      view->codes = self->codes;
      view->n_levels = model->n_levels;
    }
}

/* Training rows [t0, t0 + n) in the one-hot view: self->x itself without codes, else expanded
 * into @buf (n x n_features). */
static const float *
knn_train_rows (KilnKnn *self,
                guint    t0,
                guint    n,
                float   *buf)
{
  KilnDataset view;

  if (self->codes == NULL)
    return self->x + (gsize) t0 * self->parent.n_features;
  knn_train_view (self, &view);
  kiln_dataset_expand (&view, t0, n, buf);
  return buf;
}

static void
knn_compute_norms (KilnKnn *self)
{
  guint nc = self->codes != NULL ? self->parent.n_categorical : 0;
  guint d = self->codes != NULL ? self->parent.n_dense : self->parent.n_features;

  self->norms = g_new (float, self->n_rows);
  self->max_norm = 0.0f;
  for (guint i = 0; i < self->n_rows; i++)
    {
      const float *row = self->x + (gsize) i * d;
      double s = 0.0;

      for (guint j = 0; j < d; j++)
        s += (double) row[j] * row[j];
      /* the one-hot columns after them: a 1 for each level present */
      for (guint j = 0; j < nc; j++)
        s += self->codes[(gsize) i * nc + j] != KILN_CODE_NONE ? 1.0 : 0.0;
      self->norms[i] = (float) s;
      self->max_norm = MAX (self->max_norm, self->norms[i]);
    }
}

static gboolean
kiln_knn_fit (KilnModel            *model,
              const KilnDataset    *train,
              const KilnDataset    *val,
              const KilnFitMonitor *monitor,
              GCancellable         *cancellable,
              GError              **error)
{
  KilnKnn *self = (KilnKnn *) model;
  guint k = knn_k (&model->options);
  gsize n;

  /* kiln_model_fit() has checked the data (kiln_dataset_check()). */
  if (k > train->n_rows)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA,
                   _("%u neighbours were asked for, but there are only %u training rows."),
                   k, train->n_rows);
      return FALSE;
    }
  n = (gsize) train->n_rows * train->n_features;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  knn_clear (self);
  self->k = k;
  self->n_rows = train->n_rows;
  self->x = g_memdup2 (train->x, MAX (n, 1) * sizeof (float));
  if (train->n_categorical > 0)
    self->codes = g_memdup2 (train->codes,
                             (gsize) train->n_rows * train->n_categorical * sizeof (guint32));
  if (train->task == KILN_TASK_CLASSIFICATION)
    self->y_class = g_memdup2 (train->y_class, train->n_rows * sizeof (gint32));
  else
    self->y_value = g_memdup2 (train->y_value, train->n_rows * sizeof (double));
  knn_compute_norms (self);
  if (monitor != NULL && monitor->progress != NULL)
    monitor->progress (1.0, monitor->user_data);
  return TRUE;
}

typedef struct {
  double  dist;
  guint32 index;
} Neighbour;

static int
neighbour_compare (gconstpointer a,
                   gconstpointer b)
{
  const Neighbour *x = a, *y = b;

  if (x->dist != y->dist)
    return x->dist < y->dist ? -1 : 1;
  return x->index < y->index ? -1 : (x->index > y->index);
}

/* The candidates of one query: sorted by approximate distance. */
typedef struct {
  guint   len;
  float   bound;   /* admit a row when its approximate distance is <= bound */
  float   tol;
  float  *approx;  /* cap */
  guint32 *index;  /* cap */
} Candidates;

static inline void
candidates_add (Candidates *c,
                guint       k,
                guint       cap,
                float       approx,
                guint32     index)
{
  guint pos = c->len;

  /* insertion keeps (approx, index) order; rows arrive in index order */
  while (pos > 0 && c->approx[pos - 1] > approx)
    pos--;
  if (pos >= cap)
    return;
  if (c->len == cap)
    c->len--;
  memmove (c->approx + pos + 1, c->approx + pos, (c->len - pos) * sizeof (float));
  memmove (c->index + pos + 1, c->index + pos, (c->len - pos) * sizeof (guint32));
  c->approx[pos] = approx;
  c->index[pos] = index;
  c->len++;
  if (c->len >= k)
    {
      float bound = c->approx[k - 1] + c->tol;
      /* rows beyond the bound can no longer be among the k nearest */
      while (c->len > k && c->approx[c->len - 1] > bound)
        c->len--;
      c->bound = bound;
    }
}

/* What one thread needs to answer a block of queries. */
typedef struct {
  float     *dots;
  float     *approx;
  guint32   *index;
  Neighbour *nb;
  float     *train;   /* with codes: a block of training rows expanded, then one row */
} Scratch;

/* A prediction: query blocks spread over the threads (kiln-parallel.h). */
typedef struct {
  KilnKnn     *self;
  const float *x;
  guint        n_rows;
  double      *out;
  guint        train_block;
  Scratch     *scratch;     /* per thread */
} PredictJob;

static gboolean
predict_block (guint    block,
               guint    thread,
               gpointer user_data)
{
  PredictJob *job = user_data;
  KilnKnn *self = job->self;
  KilnModel *model = &self->parent;
  guint d = model->n_features, k = self->k, n_train = self->n_rows;
  guint cap = MIN (k + EXTRA_CANDIDATES, n_train);
  guint tb = job->train_block;
  gboolean classification = model->task == KILN_TASK_CLASSIFICATION;
  guint n_out = classification ? model->n_classes : 1;
  Scratch *scratch = &job->scratch[thread];
  float *dots, *approx;
  guint32 *index;
  Neighbour *nb;
  Candidates cand[QUERY_BLOCK];
  guint q0 = block * QUERY_BLOCK;
  guint nq;
  const float *q;

  if (scratch->dots == NULL)
    {
      scratch->dots = g_new (float, (gsize) QUERY_BLOCK * tb);
      scratch->approx = g_new (float, (gsize) QUERY_BLOCK * cap);
      scratch->index = g_new (guint32, (gsize) QUERY_BLOCK * cap);
      scratch->nb = g_new (Neighbour, cap);
      if (self->codes != NULL)
        scratch->train = g_new (float, (gsize) tb * d);
    }
  dots = scratch->dots;
  approx = scratch->approx;
  index = scratch->index;
  nb = scratch->nb;

  {
      nq = MIN (QUERY_BLOCK, job->n_rows - q0);
      q = job->x + (gsize) q0 * d;
      for (guint i = 0; i < nq; i++)
        {
          const float *row = q + (gsize) i * d;
          double qn = 0.0;

          for (guint j = 0; j < d; j++)
            qn += (double) row[j] * row[j];
          cand[i].len = 0;
          cand[i].bound = INFINITY;
          /* |error| of |t|^2 - 2 q.t in float is below (d + 2) eps (|q|^2 + |t|^2); twice that
           * separates a row surely farther than the k-th */
          cand[i].tol = (float) (2.0 * (d + 4) * FLT_EPSILON * (qn + self->max_norm)) + FLT_MIN;
          cand[i].approx = approx + (gsize) i * cap;
          cand[i].index = index + (gsize) i * cap;
        }

      for (guint t0 = 0; t0 < n_train; t0 += tb)
        {
          guint nt = MIN (tb, n_train - t0);
          const float *norms = self->norms + t0;

          /* small enough for OpenBLAS to run it in this thread; the result stays in cache */
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nq, (int) nt, (int) d,
                       -2.0f, q, (int) d, knn_train_rows (self, t0, nt, scratch->train), (int) d,
                       0.0f, dots, (int) nt);
          for (guint i = 0; i < nq; i++)
            {
              Candidates *c = &cand[i];
              const float *row = dots + (gsize) i * nt;
              float bound = c->bound;
              guint j = 0;

#ifdef __SSE2__
              /* eight at a time: almost every row is beyond the bound */
              for (; j + 8 <= nt; j += 8)
                {
                  __m128 lim = _mm_set1_ps (bound);
                  __m128 a0 = _mm_add_ps (_mm_loadu_ps (row + j), _mm_loadu_ps (norms + j));
                  __m128 a1 = _mm_add_ps (_mm_loadu_ps (row + j + 4), _mm_loadu_ps (norms + j + 4));
                  int mask = _mm_movemask_ps (_mm_cmple_ps (a0, lim))
                             | (_mm_movemask_ps (_mm_cmple_ps (a1, lim)) << 4);

                  if (G_UNLIKELY (mask != 0))
                    {
                      float a[8];

                      _mm_storeu_ps (a, a0);
                      _mm_storeu_ps (a + 4, a1);
                      for (guint b = 0; b < 8; b++)
                        if (a[b] <= bound)
                          {
                            candidates_add (c, k, cap, a[b], t0 + j + b);
                            bound = c->bound;
                          }
                    }
                }
#endif
              for (; j < nt; j++)
                {
                  float a = row[j] + norms[j];
                  if (a <= bound)
                    {
                      candidates_add (c, k, cap, a, t0 + j);
                      bound = c->bound;
                    }
                }
            }
        }

      for (guint i = 0; i < nq; i++)
        {
          const Candidates *c = &cand[i];
          const float *row = q + (gsize) i * d;
          double *o = job->out + (gsize) (q0 + i) * n_out;

          for (guint m = 0; m < c->len; m++)
            {
              const float *t = knn_train_rows (self, c->index[m], 1, scratch->train);
              double s = 0.0;

              for (guint j = 0; j < d; j++)
                {
                  double diff = (double) row[j] - (double) t[j];
                  s += diff * diff;
                }
              nb[m].dist = s;
              nb[m].index = c->index[m];
            }
          qsort (nb, c->len, sizeof (Neighbour), neighbour_compare);

          if (classification)
            {
              memset (o, 0, n_out * sizeof (double));
              for (guint m = 0; m < k; m++)
                o[self->y_class[nb[m].index]] += 1.0;
              for (guint j = 0; j < n_out; j++)
                o[j] /= k;
            }
          else
            {
              double s = 0.0;
              for (guint m = 0; m < k; m++)
                s += self->y_value[nb[m].index];
              o[0] = s / k;
            }
        }
  }
  return TRUE;
}


static void
kiln_knn_predict_dense (KilnModel   *model,
                        const float *x,
                        guint        n_rows,
                        double      *out)
{
  KilnKnn *self = (KilnKnn *) model;
  PredictJob job = { self, x, n_rows, out, 0, NULL };
  guint n_blocks = (n_rows + QUERY_BLOCK - 1) / QUERY_BLOCK;
  guint n_threads = kiln_parallel_n_threads (n_blocks, model->options.n_threads);
  guint d = MAX (model->n_features, 1);

  /* OpenBLAS runs a product below 4 x 65536 multiply-adds in the calling thread: keep the blocks
   * under that, so our threads do not queue for its thread pool (and a block of distances stays
   * in cache for the scan), but at least 16 rows wide. */
  job.train_block = MAX (16u, MIN (TRAIN_BLOCK, (4 * 65536 - 1) / (QUERY_BLOCK * d)) / 16 * 16);

  /* Each query is answered by one thread from the same data: the same output for any count. */
  job.scratch = g_new0 (Scratch, n_threads);
  kiln_parallel_run (n_blocks, n_threads, predict_block, &job);
  for (guint t = 0; t < n_threads; t++)
    {
      g_free (job.scratch[t].dots);
      g_free (job.scratch[t].approx);
      g_free (job.scratch[t].index);
      g_free (job.scratch[t].nb);
      g_free (job.scratch[t].train);
    }
  g_free (job.scratch);
}

static void
kiln_knn_predict (KilnModel         *model,
                  const KilnDataset *rows,
                  double            *out)
{
  _kiln_model_predict_dense (model, rows, out, kiln_knn_predict_dense);
}

static void
kiln_knn_to_json (KilnModel   *model,
                  JsonBuilder *builder)
{
  KilnKnn *self = (KilnKnn *) model;

  json_builder_set_member_name (builder, "k");
  json_builder_add_int_value (builder, self->k);
  json_builder_set_member_name (builder, "n_rows");
  json_builder_add_int_value (builder, self->n_rows);
  if (self->codes != NULL)
    {
      /* the numeric features, then the codes (-1: none) */
      _kiln_json_add_floats (builder, "x", self->x, (gsize) self->n_rows * model->n_dense);
      _kiln_json_add_ints (builder, "codes", (const gint32 *) self->codes,
                           (gsize) self->n_rows * model->n_categorical);
    }
  else
    _kiln_json_add_floats (builder, "x", self->x, (gsize) self->n_rows * model->n_features);
  if (model->task == KILN_TASK_CLASSIFICATION)
    _kiln_json_add_ints (builder, "y", self->y_class, self->n_rows);
  else
    _kiln_json_add_doubles (builder, "y", self->y_value, self->n_rows);
}

static gboolean
kiln_knn_from_json (KilnModel   *model,
                    JsonObject  *object,
                    GError     **error)
{
  KilnKnn *self = (KilnKnn *) model;
  KilnKnn loaded = { 0, };
  guint64 k, n_rows;
  gsize n;

  if (model->n_features == 0)
    {
      g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                   _("The saved neighbours model has no features."));
      return FALSE;
    }
  if (!_kiln_json_get_uint (object, "k", 1, MAX_K, &k, error)
      || !_kiln_json_get_uint (object, "n_rows", k, G_MAXINT32 / MAX (model->n_features, 1),
                               &n_rows, error))
    return FALSE;

  loaded.parent = *model;
  loaded.k = (guint) k;
  loaded.n_rows = (guint) n_rows;
  n = (gsize) n_rows * (model->n_categorical > 0 ? model->n_dense : model->n_features);
  loaded.x = g_new (float, MAX (n, 1));
  if (!_kiln_json_get_floats (object, "x", loaded.x, n, error))
    goto fail;
  if (model->n_categorical > 0)
    {
      guint nc = model->n_categorical;

      loaded.codes = g_new (guint32, (gsize) n_rows * nc);
      if (!_kiln_json_get_ints (object, "codes", (gint32 *) loaded.codes, (gsize) n_rows * nc,
                                error))
        goto fail;
      for (gsize i = 0; i < (gsize) n_rows * nc; i++)
        if (loaded.codes[i] != KILN_CODE_NONE && loaded.codes[i] >= model->n_levels[i % nc])
          {
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                         _("The saved neighbours model holds a category that is out of range."));
            goto fail;
          }
    }
  for (gsize i = 0; i < n; i++)
    if (!isfinite (loaded.x[i]))
      {
        g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                     _("The saved neighbours model holds a value that is not a number."));
        goto fail;
      }
  if (model->task == KILN_TASK_CLASSIFICATION)
    {
      loaded.y_class = g_new (gint32, n_rows);
      if (!_kiln_json_get_ints (object, "y", loaded.y_class, n_rows, error))
        goto fail;
      for (guint i = 0; i < n_rows; i++)
        if (loaded.y_class[i] < 0 || (guint) loaded.y_class[i] >= model->n_classes)
          {
            g_set_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_FORMAT,
                         _("The saved neighbours model names an unknown class."));
            goto fail;
          }
    }
  else
    {
      loaded.y_value = g_new (double, n_rows);
      if (!_kiln_json_get_doubles (object, "y", loaded.y_value, n_rows, error))
        goto fail;
    }
  knn_compute_norms (&loaded);

  knn_clear (self);
  self->k = loaded.k;
  self->n_rows = loaded.n_rows;
  self->x = loaded.x;
  self->codes = loaded.codes;
  self->norms = loaded.norms;
  self->max_norm = loaded.max_norm;
  self->y_class = loaded.y_class;
  self->y_value = loaded.y_value;
  return TRUE;

fail:
  knn_clear (&loaded);
  return FALSE;
}

static gboolean
kiln_knn_importances (KilnModel *model,
                      double    *out)
{
  return FALSE;  /* neighbours weigh every feature alike */
}

static void
kiln_knn_finalize (KilnModel *model)
{
  knn_clear ((KilnKnn *) model);
}

static const KilnModelOption * const knn_options[] = {
  &kiln_model_option_k,
  NULL,
};

static const KilnModelOps knn_ops = {
  .codes = TRUE,
  .instance_size = sizeof (KilnKnn),
  .check_options = kiln_knn_check_options,
  .fit = kiln_knn_fit,
  .predict = kiln_knn_predict,
  .to_json = kiln_knn_to_json,
  .from_json = kiln_knn_from_json,
  .importances = kiln_knn_importances,
  .finalize = kiln_knn_finalize,
};

const KilnModelClass kiln_knn_class = {
  .name = "knn",
  .display_name = N_("k-nearest neighbours"),
  .classification = TRUE,
  .regression = TRUE,
  .iterative = FALSE,
  .needs_scaling = TRUE,
  .accepts_missing = FALSE,
  .options = knn_options,
  .ops = &knn_ops,
};
