/* kiln-serve-metrics.c: the service's counters and their Prometheus text (/metrics).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The text follows the Prometheus exposition format 0.0.4. Labels take only values the service
 * chose (endpoint paths of a fixed list, statuses it sends, the model's column names), so no
 * client can make the text grow. Drift counts start at zero whenever a bundle starts serving.
 */
#define G_LOG_DOMAIN "kiln-serve"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kiln-number.h"
#include "kiln-serve-private.h"

const guint kiln_serve_statuses[KILN_SERVE_N_STATUSES] = { 200, 400, 404, 405, 413, 500, 503 };
const guint kiln_serve_buckets_us[KILN_SERVE_N_BUCKETS] = {
  100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
};

static const char * const endpoint_names[KILN_SERVE_N_ENDPOINTS] = {
  "/health", "/metadata", "/openapi.json", "/metrics", "/predict", "other",
};

guint
_kiln_serve_slot (void)
{
  static gint next;
  static _Thread_local guint slot;   /* the slot + 1; 0: not chosen yet */

  if (slot == 0)
    slot = (guint) g_atomic_int_add (&next, 1) % KILN_SERVE_N_SLOTS + 1;
  return slot - 1;
}

guint
_kiln_serve_status_index (guint status)
{
  for (guint i = 0; i < KILN_SERVE_N_STATUSES; i++)
    if (kiln_serve_statuses[i] == status)
      return i;
  return 5;   /* 500 */
}

void
_kiln_serve_stats_record (KilnServeStats    *stats,
                          KilnServeEndpoint  endpoint,
                          guint              status,
                          guint              rows,
                          guint64            microseconds)
{
  KilnServeSlot *s = &stats->slots[_kiln_serve_slot ()];
  guint b = 0;

  while (b < KILN_SERVE_N_BUCKETS && microseconds > kiln_serve_buckets_us[b])
    b++;
  kiln_serve_count (&s->requests[endpoint][_kiln_serve_status_index (status)], 1);
  kiln_serve_count (&s->latency[endpoint][b], 1);
  kiln_serve_count (&s->latency_us[endpoint], microseconds);
  if (rows)
    kiln_serve_count (&s->rows, rows);
}

void
_kiln_serve_stats_totals (KilnServeStats    *stats,
                          KilnServeCounters *out)
{
  memset (out, 0, sizeof *out);
  for (guint k = 0; k < KILN_SERVE_N_SLOTS; k++)
    {
      KilnServeSlot *s = &stats->slots[k];

      for (guint e = 0; e < KILN_SERVE_N_ENDPOINTS; e++)
        for (guint i = 0; i < KILN_SERVE_N_STATUSES; i++)
          {
            guint64 n = kiln_serve_read (&s->requests[e][i]);
            out->requests += n;
            if (kiln_serve_statuses[i] >= 400)
              out->errors += n;
          }
      out->rows += kiln_serve_read (&s->rows);
    }
}

/* A label value: backslash, double quote and newline escaped. */
static void
append_label (GString *out, const char *value)
{
  for (const char *p = value; *p; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
append_value (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    g_string_append (out, "NaN");
  else
    g_string_append (out, kiln_format_double (buf, sizeof buf, v));
  g_string_append_c (out, '\n');
}

static void
header (GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
column_metric (GString *out, const char *name, const char *column, double value)
{
  g_string_append_printf (out, "%s{column=\"", name);
  append_label (out, column);
  g_string_append (out, "\"} ");
  append_value (out, value);
}

static void
drift_metrics (GString *out, KilnServeModel *m)
{
  g_autofree guint64 *sum = g_new0 (guint64, MAX (m->drift_stride, 1));

  for (guint k = 0; k < KILN_SERVE_N_SLOTS; k++)
    for (gsize j = 0; j < m->drift_stride; j++)
      sum[j] += kiln_serve_read (&m->drift_counts[k * m->drift_stride + j]);

  header (out, "kiln_input_values_total", "counter",
          "Values received per input column since this bundle started serving.");
  for (guint i = 0; i < m->n_inputs; i++)
    column_metric (out, "kiln_input_values_total", m->inputs[i].name, sum[m->drift_offset[i]]);

  header (out, "kiln_input_missing_ratio", "gauge",
          "Share of missing values per input column since this bundle started serving "
          "(NaN before any value).");
  for (guint i = 0; i < m->n_inputs; i++)
    {
      const guint64 *c = sum + m->drift_offset[i];
      column_metric (out, "kiln_input_missing_ratio", m->inputs[i].name,
                     c[0] ? (double) c[1] / c[0] : NAN);
    }

  header (out, "kiln_input_training_missing_ratio", "gauge",
          "Share of missing values per input column in the training split.");
  for (guint i = 0; i < m->n_inputs; i++)
    if (m->drift[i])
      column_metric (out, "kiln_input_training_missing_ratio", m->inputs[i].name,
                     m->drift[i]->missing);

  header (out, "kiln_input_unseen_ratio", "gauge",
          "Share of the values of a categorical input column that the training split did not "
          "have, among its values that are not missing.");
  for (guint i = 0; i < m->n_inputs; i++)
    if (m->drift[i] && m->drift[i]->categorical)
      {
        const guint64 *c = sum + m->drift_offset[i];
        guint64 present = c[0] - c[1];
        column_metric (out, "kiln_input_unseen_ratio", m->inputs[i].name,
                       present ? (double) c[2] / present : NAN);
      }

  header (out, "kiln_input_psi", "gauge",
          "Population stability index of each input column's values that are not missing, "
          "against the training split's bins (under 0.1: stable; over 0.25: shifted).");
  for (guint i = 0; i < m->n_inputs; i++)
    if (m->drift[i])
      column_metric (out, "kiln_input_psi", m->inputs[i].name,
                     kiln_drift_psi (m->drift[i], sum + m->drift_offset[i] + 3));
}

char *
_kiln_serve_metrics_text (KilnServeStats *stats,
                          KilnServeModel *model,
                          guint          *reloads,
                          guint           in_flight)
{
  GString *out = g_string_sized_new (8192);
  guint64 requests[KILN_SERVE_N_ENDPOINTS][KILN_SERVE_N_STATUSES] = { { 0 } };
  guint64 latency[KILN_SERVE_N_ENDPOINTS][KILN_SERVE_N_BUCKETS + 1] = { { 0 } };
  guint64 latency_us[KILN_SERVE_N_ENDPOINTS] = { 0 };
  guint64 rows = 0;

  for (guint k = 0; k < KILN_SERVE_N_SLOTS; k++)
    {
      KilnServeSlot *s = &stats->slots[k];
      for (guint e = 0; e < KILN_SERVE_N_ENDPOINTS; e++)
        {
          for (guint i = 0; i < KILN_SERVE_N_STATUSES; i++)
            requests[e][i] += kiln_serve_read (&s->requests[e][i]);
          for (guint b = 0; b <= KILN_SERVE_N_BUCKETS; b++)
            latency[e][b] += kiln_serve_read (&s->latency[e][b]);
          latency_us[e] += kiln_serve_read (&s->latency_us[e]);
        }
      rows += kiln_serve_read (&s->rows);
    }

  header (out, "kiln_requests_total", "counter", "Requests answered, by endpoint and status.");
  for (guint e = 0; e < KILN_SERVE_N_ENDPOINTS; e++)
    for (guint i = 0; i < KILN_SERVE_N_STATUSES; i++)
      if (requests[e][i] || (e == KILN_SERVE_PREDICT && i == 0))
        g_string_append_printf (out, "kiln_requests_total{endpoint=\"%s\",status=\"%u\"} %"
                                G_GUINT64_FORMAT "\n", endpoint_names[e], kiln_serve_statuses[i],
                                requests[e][i]);

  header (out, "kiln_request_errors_total", "counter",
          "Requests answered with a status of 400 or more, by endpoint and status.");
  for (guint e = 0; e < KILN_SERVE_N_ENDPOINTS; e++)
    for (guint i = 0; i < KILN_SERVE_N_STATUSES; i++)
      if (kiln_serve_statuses[i] >= 400 && requests[e][i])
        g_string_append_printf (out, "kiln_request_errors_total{endpoint=\"%s\",status=\"%u\"} %"
                                G_GUINT64_FORMAT "\n", endpoint_names[e], kiln_serve_statuses[i],
                                requests[e][i]);

  header (out, "kiln_request_duration_seconds", "histogram",
          "Time from a request's headers to the end of its answer, by endpoint.");
  for (guint e = 0; e < KILN_SERVE_N_ENDPOINTS; e++)
    {
      guint64 cumulative = 0;
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      for (guint b = 0; b <= KILN_SERVE_N_BUCKETS; b++)
        cumulative += latency[e][b];
      if (cumulative == 0)
        continue;
      cumulative = 0;
      for (guint b = 0; b <= KILN_SERVE_N_BUCKETS; b++)
        {
          cumulative += latency[e][b];
          g_string_append_printf (out, "kiln_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%s\"} %"
                                  G_GUINT64_FORMAT "\n", endpoint_names[e],
                                  b < KILN_SERVE_N_BUCKETS
                                    ? kiln_format_double (buf, sizeof buf, kiln_serve_buckets_us[b] / 1e6)
                                    : "+Inf",
                                  cumulative);
        }
      g_string_append_printf (out, "kiln_request_duration_seconds_sum{endpoint=\"%s\"} %s\n",
                              endpoint_names[e],
                              kiln_format_double (buf, sizeof buf, latency_us[e] / 1e6));
      g_string_append_printf (out, "kiln_request_duration_seconds_count{endpoint=\"%s\"} %"
                              G_GUINT64_FORMAT "\n", endpoint_names[e], cumulative);
    }

  header (out, "kiln_rows_predicted_total", "counter", "Rows predicted.");
  g_string_append_printf (out, "kiln_rows_predicted_total %" G_GUINT64_FORMAT "\n", rows);
  header (out, "kiln_requests_in_flight", "gauge", "Requests being read, worked on or answered.");
  g_string_append_printf (out, "kiln_requests_in_flight %u\n", in_flight);
  header (out, "kiln_reloads_total", "counter", "Bundle reloads, by result.");
  g_string_append_printf (out, "kiln_reloads_total{result=\"ok\"} %u\n", reloads[0]);
  g_string_append_printf (out, "kiln_reloads_total{result=\"failed\"} %u\n", reloads[1]);

  header (out, "kiln_model_info", "gauge", "The bundle answering now.");
  g_string_append (out, "kiln_model_info{content_hash=\"");
  append_label (out, model->hash);
  g_string_append (out, "\",model=\"");
  append_label (out, kiln_model_get_name (kiln_bundle_get_model (model->bundle)));
  g_string_append (out, "\",task=\"");
  append_label (out, kiln_task_to_string (kiln_bundle_get_task (model->bundle)));
  g_string_append (out, "\",kiln_version=\"" PACKAGE_VERSION "\"} 1\n");
  header (out, "kiln_model_loaded_timestamp_seconds", "gauge",
          "When the bundle answering now started serving (Unix time).");
  g_string_append_printf (out, "kiln_model_loaded_timestamp_seconds %" G_GINT64_FORMAT "\n",
                          model->loaded / G_USEC_PER_SEC);
  header (out, "kiln_model_drift_reference", "gauge",
          "1 when the bundle keeps its training split's bins (PSI and unseen shares), else 0.");
  g_string_append_printf (out, "kiln_model_drift_reference %d\n",
                          kiln_bundle_get_drift (model->bundle) != NULL);
  drift_metrics (out, model);
  return g_string_free (out, FALSE);
}
