/* kiln-fuzz.c: the scratch file and the fatal-log setup the harnesses share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-fuzz"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kiln-fuzz.h"

static char *scratch_dir;
static char *scratch_path;
static volatile guint64 sink;

static void
remove_scratch (void)
{
  if (scratch_path != NULL)
    unlink (scratch_path);
  if (scratch_dir != NULL)
    rmdir (scratch_dir);
}

/* A fatal GLib message ends in G_BREAKPOINT (SIGTRAP), which libFuzzer does not catch: make it
 * an abort, so the input is saved. */
G_NORETURN static void
trap_to_abort (int sig)
{
  abort ();
}

void
kiln_fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  signal (SIGTRAP, trap_to_abort);
  /* translated messages are not what is tested; keep them in English */
  g_setenv ("LANGUAGE", "C", TRUE);
}

const char *
kiln_fuzz_write_file (const char    *suffix,
                      const uint8_t *data,
                      size_t         size)
{
  FILE *f;

  if (scratch_dir == NULL)
    {
      /* tmpfs when there is one: a harness writes its file thousands of times a second */
      const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
      g_autofree char *tmpl = g_build_filename (base, "kiln-fuzz-XXXXXX", NULL);

      scratch_dir = g_mkdtemp (g_steal_pointer (&tmpl));
      if (scratch_dir == NULL)
        g_error ("cannot make a scratch folder in %s: %s", base, g_strerror (errno));
      atexit (remove_scratch);
    }
  g_free (scratch_path);
  scratch_path = g_strconcat (scratch_dir, "/input", suffix, NULL);
  f = fopen (scratch_path, "wb");
  if (f == NULL || (size > 0 && fwrite (data, 1, size, f) != size) || fclose (f) != 0)
    g_error ("cannot write %s: %s", scratch_path, g_strerror (errno));
  return scratch_path;
}

char *
kiln_fuzz_json_text (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

void
kiln_fuzz_use (guint64 value)
{
  sink += value;
}
