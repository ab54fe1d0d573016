/* serve-json.c: what reading a /predict body and writing its answer costs with json-glib, and
 * with what the service uses (yajl's callback parser straight into the columns, a GString
 * writer). bench/serve runs it on the bodies it sends, so the choice of JSON library
 * (kiln-serve-rows.c) is measured again in every run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * usage: bench-serve-json MODEL.kiln BODY-FILE [SECONDS]
 * Per request, in microseconds of one thread (medians of 5 rounds, the methods interleaved):
 *   json-glib read   JsonParser's tree of the body, then every input field of every row looked up
 *                    and read as a number or a string (the least a service on json-glib does;
 *                    no conversion into columns, no checks)
 *   kiln read        _kiln_serve_parse_rows(): yajl, every value checked and converted into the
 *                    model's input columns, as the service does
 *   predict          reading the body as the service does, then kiln_bundle_predict() on the
 *                    columns in a serial thread, as the service does (for scale)
 *   json-glib write  the answer built with JsonBuilder and written by JsonGenerator
 *   kiln write       _kiln_serve_write_predictions(), as the service does
 * Prints one line of JSON: {"rows": n, "bytes": n, "<method>": microseconds, ...}.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln-serve-private.h"
#include "kiln-threads.h"

#define ROUNDS 5

typedef struct {
  KilnServeModel *model;
  const char     *body;
  gsize           length;
  guint           n_rows;
  double         *output;
  double          sink;     /* what the loops compute, so none is optimised away */
} Bench;

static void
glib_read (Bench *b)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonArray *rows;

  if (!json_parser_load_from_data (parser, b->body, (gssize) b->length, NULL))
    g_error ("json-glib cannot read the body");
  rows = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "rows");
  for (guint r = 0; r < json_array_get_length (rows); r++)
    {
      JsonObject *row = json_array_get_object_element (rows, r);

      for (guint i = 0; i < b->model->n_inputs; i++)
        {
          JsonNode *v = json_object_get_member (row, b->model->inputs[i].name);

          if (v == NULL || JSON_NODE_HOLDS_NULL (v))
            b->sink += 1;
          else if (json_node_get_value_type (v) == G_TYPE_STRING)
            b->sink += strlen (json_node_get_string (v));
          else
            b->sink += json_node_get_double (v);
        }
    }
}

static void
kiln_read (Bench *b)
{
  KilnServeProblem problem = { 0 };
  g_autoptr(GError) error = NULL;
  KilnFrame *frame = _kiln_serve_parse_rows (b->model, b->body, b->length, G_MAXUINT, &problem,
                                             &error);

  if (frame == NULL)
    g_error ("the service cannot read the body: %s", error->message);
  b->sink += kiln_frame_get_n_rows (frame);
  kiln_frame_unref (frame);
}

static void
predict (Bench *b)
{
  KilnServeProblem problem = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = _kiln_serve_parse_rows (b->model, b->body, b->length, G_MAXUINT,
                                                       &problem, &error);
  guint n = 0;
  double *output = kiln_bundle_predict (b->model->bundle, frame, &n, &error);

  if (output == NULL)
    g_error ("%s", error->message);
  b->sink += output[0];
  g_free (output);
}

static void
glib_write (Bench *b)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char * const *classes = kiln_bundle_get_classes (b->model->bundle, NULL);
  guint k = b->model->n_classes;
  gsize length;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "predictions");
  json_builder_begin_array (builder);
  for (guint r = 0; r < b->n_rows; r++)
    {
      json_builder_begin_object (builder);
      if (b->model->classification)
        {
          const double *p = b->output + (gsize) r * k;
          guint best = 0;

          for (guint c = 1; c < k; c++)
            if (p[c] > p[best])
              best = c;
          json_builder_set_member_name (builder, "label");
          json_builder_add_string_value (builder, classes[best]);
          json_builder_set_member_name (builder, "probabilities");
          json_builder_begin_object (builder);
          for (guint c = 0; c < k; c++)
            {
              json_builder_set_member_name (builder, classes[c]);
              json_builder_add_double_value (builder, p[c]);
            }
          json_builder_end_object (builder);
        }
      else
        {
          json_builder_set_member_name (builder, "value");
          json_builder_add_double_value (builder, b->output[r]);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  b->sink += length;
  g_free (text);
}

static void
kiln_write (Bench *b)
{
  GString *out = g_string_sized_new (256);

  _kiln_serve_write_predictions (b->model, b->output, b->n_rows, out);
  b->sink += out->len;
  g_string_free (out, TRUE);
}

typedef struct {
  const char *name;
  void      (*run) (Bench *b);
  double      us[ROUNDS];
} Method;

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  Method methods[] = {
    { "json-glib read", glib_read }, { "kiln read", kiln_read }, { "predict", predict },
    { "json-glib write", glib_write }, { "kiln write", kiln_write },
  };
  g_autoptr(KilnBundle) bundle = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autoptr(KilnFrame) frame = NULL;
  KilnServeProblem problem = { 0 };
  double seconds = argc > 3 ? g_ascii_strtod (argv[3], NULL) : 0.3;
  Bench b = { 0 };

  if (argc < 3)
    {
      g_printerr ("usage: %s MODEL.kiln BODY-FILE [SECONDS]\n", argv[0]);
      return 2;
    }
  kiln_threads_set_serial (TRUE);   /* as in the service's worker threads */
  bundle = kiln_bundle_load (argv[1], NULL, &error);
  if (bundle == NULL || !g_file_get_contents (argv[2], &body, &b.length, &error))
    g_error ("%s", error->message);
  b.model = _kiln_serve_model_new (bundle, NULL, b.length, G_MAXUINT);
  b.body = body;
  frame = _kiln_serve_parse_rows (b.model, body, b.length, G_MAXUINT, &problem, &error);
  if (frame == NULL)
    g_error ("%s", error->message);
  b.output = kiln_bundle_predict (bundle, frame, &b.n_rows, &error);
  if (b.output == NULL)
    g_error ("%s", error->message);

  for (guint round = 0; round < ROUNDS; round++)
    for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
      {
        /* as many calls as fit in @seconds, timed on this thread's CPU clock */
        gint64 start = g_get_monotonic_time (), end = start + (gint64) (seconds * G_USEC_PER_SEC);
        struct timespec t0, t1;
        guint64 calls = 0;

        clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t0);
        do
          {
            methods[m].run (&b);
            calls++;
          }
        while (g_get_monotonic_time () < end);
        clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t1);
        methods[m].us[round] = ((t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3)
                               / (double) calls;
      }

  printf ("{\"rows\": %u, \"bytes\": %zu", b.n_rows, b.length);
  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      qsort (methods[m].us, ROUNDS, sizeof (double), compare_doubles);
      printf (", \"%s\": %.2f", methods[m].name, methods[m].us[ROUNDS / 2]);
    }
  printf (", \"sink\": %g}\n", b.sink > 0 ? 1.0 : 0.0);
  g_free (b.output);
  _kiln_serve_model_unref (b.model);
  return 0;
}
