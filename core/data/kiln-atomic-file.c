/* kiln-atomic-file.c: files written whole or not at all
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-atomic-file"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kiln-atomic-file.h"

#define KILN_TYPE_ATOMIC_FILE (kiln_atomic_file_get_type ())
G_DECLARE_FINAL_TYPE (KilnAtomicFile, kiln_atomic_file, KILN, ATOMIC_FILE, GOutputStream)

struct _KilnAtomicFile {
  GOutputStream  parent_instance;
  GFile         *target;
  GFile         *temp;
  GOutputStream *out;       /* to temp */
  gboolean       abandon;   /* dropped unclosed, or aborted: remove temp on close */
  gboolean       failed;    /* a write or flush failed: closing removes temp, and fails */
};

G_DEFINE_FINAL_TYPE (KilnAtomicFile, kiln_atomic_file, G_TYPE_OUTPUT_STREAM)

static gssize
kiln_atomic_file_write (GOutputStream  *stream,
                        const void     *buffer,
                        gsize           count,
                        GCancellable   *cancellable,
                        GError        **error)
{
  KilnAtomicFile *self = KILN_ATOMIC_FILE (stream);
  gssize n = g_output_stream_write (self->out, buffer, count, cancellable, error);

  /* the file lacks these bytes now: it must never replace the target, even when the caller
   * closes the stream without looking (a GConverterOutputStream closing its base stream does) */
  if (n < 0)
    self->failed = TRUE;
  return n;
}

static gboolean
kiln_atomic_file_flush (GOutputStream  *stream,
                        GCancellable   *cancellable,
                        GError        **error)
{
  KilnAtomicFile *self = KILN_ATOMIC_FILE (stream);

  if (self->out == NULL || g_output_stream_flush (self->out, cancellable, error))
    return TRUE;
  self->failed = TRUE;
  return FALSE;
}

static gboolean
kiln_atomic_file_close (GOutputStream  *stream,
                        GCancellable   *cancellable,
                        GError        **error)
{
  KilnAtomicFile *self = KILN_ATOMIC_FILE (stream);

  if (self->out == NULL)   /* creating the temporary file failed */
    return TRUE;
  if (self->abandon || self->failed || g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_output_stream_close (self->out, NULL, NULL);
      g_file_delete (self->temp, NULL, NULL);
      if (self->failed && !self->abandon && (error == NULL || *error == NULL))
        {
          g_autofree char *name = g_file_get_parse_name (self->target);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Writing %s failed part-way; it was left as it was"), name);
        }
      return self->abandon;
    }
  if (!g_output_stream_close (self->out, cancellable, error) ||
      !g_file_move (self->temp, self->target, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NO_FALLBACK_FOR_MOVE,
                    cancellable, NULL, NULL, error))
    {
      g_file_delete (self->temp, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
kiln_atomic_file_dispose (GObject *object)
{
  KilnAtomicFile *self = KILN_ATOMIC_FILE (object);

  /* GOutputStream closes an unclosed stream here: that must not put a half-written file in place */
  if (!g_output_stream_is_closed (G_OUTPUT_STREAM (self)))
    self->abandon = TRUE;
  G_OBJECT_CLASS (kiln_atomic_file_parent_class)->dispose (object);
}

static void
kiln_atomic_file_finalize (GObject *object)
{
  KilnAtomicFile *self = KILN_ATOMIC_FILE (object);

  g_clear_object (&self->out);
  g_clear_object (&self->temp);
  g_clear_object (&self->target);
  G_OBJECT_CLASS (kiln_atomic_file_parent_class)->finalize (object);
}

static void
kiln_atomic_file_class_init (KilnAtomicFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->dispose = kiln_atomic_file_dispose;
  object_class->finalize = kiln_atomic_file_finalize;
  stream_class->write_fn = kiln_atomic_file_write;
  stream_class->flush = kiln_atomic_file_flush;
  stream_class->close_fn = kiln_atomic_file_close;
}

static void
kiln_atomic_file_init (KilnAtomicFile *self)
{
}

GOutputStream *
kiln_atomic_file_create (GFile         *target,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GFile) dir = NULL;
  g_autofree char *base = NULL;
  KilnAtomicFile *self;

  g_return_val_if_fail (G_IS_FILE (target), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dir = g_file_get_parent (target);
  base = g_file_get_basename (target);
  if (dir == NULL || base == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, _("Not a file name"));
      return NULL;
    }
  self = g_object_new (KILN_TYPE_ATOMIC_FILE, NULL);
  self->target = g_object_ref (target);
  /* a hidden name in the same folder, so that the rename stays on one file system */
  for (guint attempt = 0; self->out == NULL; attempt++)
    {
      g_autofree char *name = g_strdup_printf (".%s.%08x.part", base, g_random_int ());
      g_autoptr(GError) local = NULL;

      g_clear_object (&self->temp);
      self->temp = g_file_get_child (dir, name);
      self->out = G_OUTPUT_STREAM (g_file_create (self->temp, G_FILE_CREATE_NONE, cancellable, &local));
      if (self->out == NULL && (attempt > 100 || !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_EXISTS)))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          g_clear_object (&self->temp);
          g_object_unref (self);
          return NULL;
        }
    }
  return G_OUTPUT_STREAM (self);
}

void
kiln_atomic_file_abort (GOutputStream *stream)
{
  g_return_if_fail (KILN_IS_ATOMIC_FILE (stream));

  KILN_ATOMIC_FILE (stream)->abandon = TRUE;
  g_output_stream_close (stream, NULL, NULL);
}
