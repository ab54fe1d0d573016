/* kiln-frame-model.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-frame-model"

#include "config.h"

#include <string.h>

#include "kiln-frame-model.h"
#include "kiln-frame-sort.h"
#include "kiln-widgets-private.h"
#include "kiln-task.h"

/* ---- KilnRowItem ------------------------------------------------------------------------ */

struct _KilnRowItem
{
  GObject    parent_instance;
  KilnFrame *frame;
  guint      row;
};

G_DEFINE_FINAL_TYPE (KilnRowItem, kiln_row_item, G_TYPE_OBJECT)

static gint n_live_items;
static gint n_created_items;

static void
kiln_row_item_finalize (GObject *object)
{
  KilnRowItem *self = KILN_ROW_ITEM (object);

  g_clear_pointer (&self->frame, kiln_frame_unref);
  g_atomic_int_dec_and_test (&n_live_items);
  G_OBJECT_CLASS (kiln_row_item_parent_class)->finalize (object);
}

static void
kiln_row_item_class_init (KilnRowItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = kiln_row_item_finalize;
}

static void
kiln_row_item_init (KilnRowItem *self)
{
  g_atomic_int_inc (&n_live_items);
  g_atomic_int_inc (&n_created_items);
}

static KilnRowItem *
kiln_row_item_new (KilnFrame *frame,
                   guint      row)
{
  KilnRowItem *self = g_object_new (KILN_TYPE_ROW_ITEM, NULL);

  self->frame = kiln_frame_ref (frame);
  self->row = row;
  return self;
}

KilnFrame *
kiln_row_item_get_frame (KilnRowItem *item)
{
  g_return_val_if_fail (KILN_IS_ROW_ITEM (item), NULL);
  return item->frame;
}

guint
kiln_row_item_get_row (KilnRowItem *item)
{
  g_return_val_if_fail (KILN_IS_ROW_ITEM (item), 0);
  return item->row;
}

guint
_kiln_row_item_get_n_live (void)
{
  return (guint) g_atomic_int_get (&n_live_items);
}

guint
_kiln_row_item_get_n_created (void)
{
  return (guint) g_atomic_int_get (&n_created_items);
}

/* ---- KilnFrameModel --------------------------------------------------------------------- */

struct _KilnFrameModel
{
  GObject       parent_instance;

  KilnFrame    *frame;
  guint32      *base;        /* the subset shown, NULL for all rows */
  guint         n_base;
  guint32      *order;       /* the rows shown, sorted; NULL: as base */
  guint         n;

  int           sort_column;
  gboolean      ascending;
  GCancellable *sort_cancellable;
  guint         generation;
  gboolean      busy;
  gboolean      emptied;     /* inside the "remove all" half of emit_all_changed() */
};

static void kiln_frame_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KilnFrameModel, kiln_frame_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      kiln_frame_model_list_model_init))

enum {
  PROP_0,
  PROP_FRAME,
  PROP_SORT_COLUMN,
  PROP_SORT_ASCENDING,
  PROP_BUSY,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static inline guint
row_at (KilnFrameModel *self,
        guint           position)
{
  if (self->order)
    return self->order[position];
  if (self->base)
    return self->base[position];
  return position;
}

static GType
kiln_frame_model_get_item_type (GListModel *model)
{
  return KILN_TYPE_ROW_ITEM;
}

static guint
kiln_frame_model_get_n_items (GListModel *model)
{
  KilnFrameModel *self = KILN_FRAME_MODEL (model);

  return self->emptied ? 0 : self->n;
}

static gpointer
kiln_frame_model_get_item (GListModel *model,
                           guint       position)
{
  KilnFrameModel *self = KILN_FRAME_MODEL (model);

  if (self->emptied || position >= self->n)
    return NULL;
  return kiln_row_item_new (self->frame, row_at (self, position));
}

static void
kiln_frame_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = kiln_frame_model_get_item_type;
  iface->get_n_items = kiln_frame_model_get_n_items;
  iface->get_item = kiln_frame_model_get_item;
}

static void
set_busy (KilnFrameModel *self,
          gboolean        busy)
{
  if (self->busy != busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

static void
cancel_sort (KilnFrameModel *self)
{
  self->generation++;
  if (self->sort_cancellable)
    {
      g_cancellable_cancel (self->sort_cancellable);
      g_clear_object (&self->sort_cancellable);
    }
  set_busy (self, FALSE);
}

/* Announces that every row changed. Not as one items-changed (0, old, new): GTK 4.8's list item
 * manager then looks for its tracked rows (focus, anchor) among *all* added items by pointer
 * identity, fetching every one of them — 3 million fresh KilnRowItems and seconds of frozen UI
 * for one sort. Instead: remove all, then add all, two emissions in the same call (nothing can
 * repaint in between); the first has nothing added, the second nothing removed, so GTK fetches
 * only the rows it shows. During the first emission the model reports itself empty. */
static void
emit_all_changed (KilnFrameModel *self,
                  guint           old_n)
{
  if (old_n > 0 && self->n > 0)
    {
      self->emptied = TRUE;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, 0);
      self->emptied = FALSE;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n);
    }
  else if (old_n > 0 || self->n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n);
  if (old_n != self->n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

typedef struct {
  GWeakRef   model;       /* a finished stale sort must not keep the model alive */
  KilnFrame *frame;
  guint      column;
  guint32   *rows;
  guint      n_rows;
  gboolean   ascending;
  guint      generation;
} SortJob;

static void
sort_job_free (SortJob *job)
{
  g_weak_ref_clear (&job->model);
  kiln_frame_unref (job->frame);
  g_free (job->rows);
  g_free (job);
}

static void
sort_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SortJob *job = task_data;
  GError *error = NULL;
  guint32 *order;

  order = kiln_frame_argsort (job->frame, job->column, job->rows, job->n_rows, job->ascending,
                              cancellable, &error);
  if (order == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, order, g_free);
}

static void
sort_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  SortJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(KilnFrameModel) self = g_weak_ref_get (&job->model);
  g_autoptr(GError) error = NULL;
  guint32 *order;

  order = kiln_task_propagate_pointer (G_TASK (result), &error);
  if (self == NULL || job->generation != self->generation)
    {
      /* A newer frame, subset or sort replaced this one. */
      g_free (order);
      return;
    }
  g_clear_object (&self->sort_cancellable);
  if (order == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Sorting failed: %s", error->message);
      set_busy (self, FALSE);
      return;
    }
  g_assert (job->n_rows == self->n);
  g_free (self->order);
  self->order = order;
  set_busy (self, FALSE);
  emit_all_changed (self, self->n);
}

/* Applies the current sort to the current rows. Returns TRUE when the order is in place,
 * FALSE when a worker computes it: the old order stays shown until sort_done() swaps it and
 * emits items-changed. */
static gboolean
apply_sort (KilnFrameModel *self)
{
  cancel_sort (self);
  if (self->frame == NULL || self->sort_column < 0 || self->n < 2)
    {
      g_clear_pointer (&self->order, g_free);
      return TRUE;
    }

  if (self->n <= KILN_FRAME_MODEL_SYNC_SORT_ROWS)
    {
      guint32 *order = kiln_frame_argsort (self->frame, self->sort_column, self->base, self->n,
                                           self->ascending, NULL, NULL);

      g_free (self->order);
      self->order = order;
      return TRUE;
    }
  else
    {
      g_autoptr(GTask) task = NULL;
      SortJob *job = g_new0 (SortJob, 1);

      g_weak_ref_init (&job->model, self);
      job->frame = kiln_frame_ref (self->frame);
      job->column = self->sort_column;
      job->rows = self->base ? g_memdup2 (self->base, self->n * sizeof (guint32)) : NULL;
      job->n_rows = self->n;
      job->ascending = self->ascending;
      job->generation = self->generation;

      self->sort_cancellable = g_cancellable_new ();
      task = g_task_new (NULL, self->sort_cancellable, sort_done, NULL);
      g_task_set_source_tag (task, apply_sort);
      g_task_set_task_data (task, job, (GDestroyNotify) sort_job_free);
      kiln_task_run_in_thread (task, sort_thread);
      set_busy (self, TRUE);
      return FALSE;
    }
}

static void
kiln_frame_model_dispose (GObject *object)
{
  KilnFrameModel *self = KILN_FRAME_MODEL (object);

  cancel_sort (self);
  G_OBJECT_CLASS (kiln_frame_model_parent_class)->dispose (object);
}

static void
kiln_frame_model_finalize (GObject *object)
{
  KilnFrameModel *self = KILN_FRAME_MODEL (object);

  g_clear_pointer (&self->frame, kiln_frame_unref);
  g_free (self->base);
  g_free (self->order);
  G_OBJECT_CLASS (kiln_frame_model_parent_class)->finalize (object);
}

static void
kiln_frame_model_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KilnFrameModel *self = KILN_FRAME_MODEL (object);

  switch (prop_id)
    {
    case PROP_FRAME:
      g_value_set_boxed (value, self->frame);
      break;
    case PROP_SORT_COLUMN:
      g_value_set_int (value, self->sort_column);
      break;
    case PROP_SORT_ASCENDING:
      g_value_set_boolean (value, self->ascending);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_frame_model_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KilnFrameModel *self = KILN_FRAME_MODEL (object);

  switch (prop_id)
    {
    case PROP_FRAME:
      kiln_frame_model_set_frame (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kiln_frame_model_class_init (KilnFrameModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kiln_frame_model_dispose;
  object_class->finalize = kiln_frame_model_finalize;
  object_class->get_property = kiln_frame_model_get_property;
  object_class->set_property = kiln_frame_model_set_property;

  properties[PROP_FRAME] =
    g_param_spec_boxed ("frame", NULL, NULL, KILN_TYPE_FRAME,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SORT_COLUMN] =
    g_param_spec_int ("sort-column", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SORT_ASCENDING] =
    g_param_spec_boolean ("sort-ascending", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kiln_frame_model_init (KilnFrameModel *self)
{
  self->sort_column = -1;
  self->ascending = TRUE;
}

KilnFrameModel *
kiln_frame_model_new (KilnFrame *frame)
{
  return g_object_new (KILN_TYPE_FRAME_MODEL, "frame", frame, NULL);
}

void
kiln_frame_model_set_frame (KilnFrameModel *self,
                            KilnFrame      *frame)
{
  guint old_n;
  gboolean sort_changed;

  g_return_if_fail (KILN_IS_FRAME_MODEL (self));

  if (frame == self->frame && self->base == NULL && self->sort_column < 0)
    return;

  old_n = self->n;
  cancel_sort (self);
  if (frame)
    kiln_frame_ref (frame);
  g_clear_pointer (&self->frame, kiln_frame_unref);
  self->frame = frame;
  g_clear_pointer (&self->base, g_free);
  g_clear_pointer (&self->order, g_free);
  self->n_base = 0;
  self->n = frame ? kiln_frame_get_n_rows (frame) : 0;
  sort_changed = self->sort_column != -1;
  self->sort_column = -1;
  self->ascending = TRUE;

  emit_all_changed (self, old_n);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAME]);
  if (sort_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_COLUMN]);
}

KilnFrame *
kiln_frame_model_get_frame (KilnFrameModel *self)
{
  g_return_val_if_fail (KILN_IS_FRAME_MODEL (self), NULL);
  return self->frame;
}

void
kiln_frame_model_set_rows (KilnFrameModel *self,
                           const guint32  *rows,
                           guint           n_rows)
{
  guint old_n, frame_rows;

  g_return_if_fail (KILN_IS_FRAME_MODEL (self));
  g_return_if_fail (self->frame != NULL || rows == NULL);

  frame_rows = self->frame ? kiln_frame_get_n_rows (self->frame) : 0;
  for (guint i = 0; rows && i < n_rows; i++)
    g_return_if_fail (rows[i] < frame_rows);

  old_n = self->n;
  g_clear_pointer (&self->base, g_free);
  if (rows != NULL)
    {
      self->base = g_memdup2 (rows, MAX (n_rows, 1) * sizeof (guint32));
      self->n_base = n_rows;
      self->n = n_rows;
    }
  else
    {
      self->n_base = 0;
      self->n = frame_rows;
    }
  g_clear_pointer (&self->order, g_free);
  apply_sort (self);
  emit_all_changed (self, old_n);
}

void
kiln_frame_model_sort (KilnFrameModel *self,
                       int             column,
                       gboolean        ascending)
{
  g_return_if_fail (KILN_IS_FRAME_MODEL (self));
  g_return_if_fail (column < 0 || (self->frame != NULL &&
                                   (guint) column < kiln_frame_get_n_columns (self->frame)));

  if (column < 0)
    column = -1;
  ascending = !!ascending;
  if (column == self->sort_column && (column < 0 || ascending == self->ascending))
    return;

  self->sort_column = column;
  self->ascending = ascending;
  if (apply_sort (self))
    emit_all_changed (self, self->n);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_COLUMN]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_ASCENDING]);
}

int
kiln_frame_model_get_sort_column (KilnFrameModel *self)
{
  g_return_val_if_fail (KILN_IS_FRAME_MODEL (self), -1);
  return self->sort_column;
}

gboolean
kiln_frame_model_get_sort_ascending (KilnFrameModel *self)
{
  g_return_val_if_fail (KILN_IS_FRAME_MODEL (self), TRUE);
  return self->ascending;
}

gboolean
kiln_frame_model_get_busy (KilnFrameModel *self)
{
  g_return_val_if_fail (KILN_IS_FRAME_MODEL (self), FALSE);
  return self->busy;
}

guint
kiln_frame_model_get_frame_row (KilnFrameModel *self,
                                guint           position)
{
  g_return_val_if_fail (KILN_IS_FRAME_MODEL (self), G_MAXUINT);
  if (self->emptied || position >= self->n)
    return G_MAXUINT;
  return row_at (self, position);
}
