/* test-csv-faults.c: a source CSV that changes under the reader, and a disk that fills under an
 * atomic file (issue 15, "Faults").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader opens the file more than once (the sample, then one stream per segment), so what
 * another program does to the file while it loads is seen part-way. The reader's progress
 * callback is the moment: on its first call (the rows being parsed), the file is truncated (cut
 * in the middle of a row, as a program rewriting it would leave it) or deleted. A truncated file
 * must give a clear error naming the file, never a frame of part of the rows; a file deleted
 * after it was opened is read whole (the open streams still hold it) or refused with an error
 * naming it. The same for the reader of a piece at a time (kiln-cli predict), truncated after its
 * first piece. A FIFO (a pipe with a name) cannot be read twice: refused at once, no hang.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <signal.h>
#include <sys/resource.h>

#include "kiln-atomic-file.h"
#include "kiln-csv.h"

#define N_ROWS 300000

typedef struct {
  char *dir;
  char *path;
  gsize size;
  int   calls;
  int   mode;     /* 0 truncate, 1 delete */
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GString) s = g_string_new ("id,amount,code,group\n");
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("kiln-csv-faults-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "rows.csv", NULL);
  for (guint i = 0; i < N_ROWS; i++)
    g_string_append_printf (s, "%u,%u.25,x%u,g%u\n", i, i * 3, i % 7, i % 11);
  fx->size = s->len;
  g_file_set_contents (fx->path, s->str, (gssize) s->len, &error);
  g_assert_no_error (error);
  fx->mode = GPOINTER_TO_INT (data);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_unlink (fx->path);
  g_rmdir (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

static void
on_progress (double fraction, gpointer user_data)
{
  Fixture *fx = user_data;

  if (fx->calls++ > 0)
    return;
  if (fx->mode == 0)
    g_assert_cmpint (truncate (fx->path, (off_t) (fx->size / 3 + 5)), ==, 0);
  else
    g_assert_cmpint (g_unlink (fx->path), ==, 0);
}

static void
test_truncated (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = NULL;

  frame = kiln_csv_read (fx->path, NULL, on_progress, fx, NULL, NULL, &error);
  g_assert_cmpint (fx->calls, >, 0);
  g_assert_null (frame);
  g_assert_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_CHANGED);
  g_assert_nonnull (strstr (error->message, "rows.csv"));
  g_test_message ("%s", error->message);
}

static void
test_deleted (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = NULL;

  frame = kiln_csv_read (fx->path, NULL, on_progress, fx, NULL, NULL, &error);
  g_assert_cmpint (fx->calls, >, 0);
  if (frame != NULL)
    {
      /* every stream was open before the file went: all of it was read */
      g_assert_no_error (error);
      g_assert_cmpuint (kiln_frame_get_n_rows (frame), ==, N_ROWS);
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "rows.csv"));
      g_test_message ("%s", error->message);
    }
}

/* kiln-cli predict's reader: a piece at a time; the file is cut after the first piece */
static void
test_stream_truncated (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnCsvStream) stream = NULL;
  KilnFrame *piece;
  guint rows = 0, pieces = 0;

  stream = kiln_csv_stream_open (fx->path, NULL, NULL, &error);
  g_assert_no_error (error);
  while ((piece = kiln_csv_stream_next (stream, 10000, &error)) != NULL)
    {
      rows += kiln_frame_get_n_rows (piece);
      kiln_frame_unref (piece);
      if (pieces++ == 0)
        g_assert_cmpint (truncate (fx->path, (off_t) (fx->size / 3 + 5)), ==, 0);
    }
  g_assert_cmpuint (rows, <, N_ROWS);
  g_assert_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_CHANGED);
  g_assert_nonnull (strstr (error->message, "rows.csv"));
  g_test_message ("after %u rows: %s", rows, error->message);
}

static gpointer
feed_fifo (gpointer data)
{
  const char *path = data;
  int fd = g_open (path, O_WRONLY, 0);

  if (fd >= 0)
    {
      static const char text[] = "a,b\n1,2\n3,4\n";
      g_assert_cmpint (write (fd, text, sizeof text - 1), ==, (gssize) sizeof text - 1);
      close (fd);
    }
  return NULL;
}

static void
test_fifo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kiln-csv-fifo-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "pipe.csv", NULL);
  GThread *writer;
  int fd;

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  writer = g_thread_new ("fifo-writer", feed_fifo, path);
  frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_null (frame);
  g_assert_error (error, KILN_CSV_ERROR, KILN_CSV_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, "pipe.csv"));
  g_test_message ("%s", error->message);
  /* the writer may still wait for a reader: be one, so that it ends */
  fd = g_open (path, O_RDONLY | O_NONBLOCK, 0);
  g_thread_join (writer);
  if (fd >= 0)
    close (fd);
  g_unlink (path);
  g_rmdir (dir);
}

/* A disk that fills under an atomic file written through a gzip stream, as a bundle is: the
 * converter's close closes the atomic file too, without knowing a write failed. The target must
 * keep its old bytes and no temporary file may stay. In a subprocess: RLIMIT_FSIZE is per
 * process. */
static void
test_atomic_full (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  static const char old[] = "the old bundle\n";

  if (g_test_subprocess ())
    {
      g_autoptr(GFile) file = g_file_new_for_path (g_getenv ("KILN_ATOMIC_TARGET"));
      g_autoptr(GOutputStream) atomic = NULL;
      g_autoptr(GOutputStream) out = NULL;
      g_autoptr(GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
      g_autoptr(GError) error = NULL;
      struct rlimit limit = { 4096, 4096 };
      guint32 noise[16384];
      GRand *rand = g_rand_new_with_seed (7);

      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      for (guint i = 0; i < G_N_ELEMENTS (noise); i++)
        noise[i] = g_rand_int (rand);   /* 64 KiB that do not compress */
      g_rand_free (rand);
      atomic = kiln_atomic_file_create (file, NULL, &error);
      g_assert_no_error (error);
      out = g_converter_output_stream_new (atomic, G_CONVERTER (gz));
      g_output_stream_write_all (out, noise, sizeof noise, NULL, NULL, NULL);
      /* whatever the write said, the close must not put the part in place */
      g_assert_false (g_output_stream_close (out, NULL, NULL));
      return;
    }
  dir = g_dir_make_tmp ("kiln-atomic-full-XXXXXX", NULL);
  path = g_build_filename (dir, "model.kiln", NULL);
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_setenv ("KILN_ATOMIC_TARGET", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  {
    g_autofree char *now = NULL;
    g_autoptr(GDir) d = NULL;
    const char *name;

    g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, old);
    d = g_dir_open (dir, 0, NULL);
    while ((name = g_dir_read_name (d)) != NULL)
      g_assert_cmpstr (name, ==, "model.kiln");
  }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/csv-faults/truncated", Fixture, GINT_TO_POINTER (0), fixture_set_up,
              test_truncated, fixture_tear_down);
  g_test_add ("/csv-faults/deleted", Fixture, GINT_TO_POINTER (1), fixture_set_up,
              test_deleted, fixture_tear_down);
  g_test_add ("/csv-faults/stream-truncated", Fixture, GINT_TO_POINTER (0), fixture_set_up,
              test_stream_truncated, fixture_tear_down);
  g_test_add_func ("/csv-faults/fifo", test_fifo);
  g_test_add_func ("/csv-faults/atomic-file-full", test_atomic_full);
  return g_test_run ();
}
