/* test-text.c: text columns as TF-IDF features: normalising, the vocabulary and weights against
 * hand-computed values and scikit-learn's TfidfVectorizer, fitting on training rows only, the
 * recipe's JSON, and a logistic regression on Korean reviews through the bundle, predicting from
 * raw text; naive Bayes (multinomial on the terms) against a hand computation and the MLP's
 * sparse first layer against the same network on the features expanded, both through bundles
 * and explanations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kiln-bundle-explain.h"
#include "kiln-csv.h"
#include "kiln-onnx.h"
#include "kiln-pipeline.h"
#include "kiln-prep-private.h"
#include "kiln-recipe.h"
#include "kiln-text.h"

/* A text column of @n cells (NULL: missing). */
static KilnColumn *
text_col (const char *name, const char * const *v, guint n)
{
  GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
  gint32 *codes = g_new (gint32, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      codes[i] = -1;
      if (v[i] == NULL)
        continue;
      for (guint c = 0; c < cats->len; c++)
        if (strcmp (cats->pdata[c], v[i]) == 0)
          codes[i] = (gint32) c;
      if (codes[i] < 0)
        {
          g_ptr_array_add (cats, g_strdup (v[i]));
          codes[i] = (gint32) cats->len - 1;
        }
    }
  return kiln_column_new_coded (name, KILN_COLUMN_TEXT, codes, cats, n);
}

static KilnFrame *
docs_frame (const char * const *docs, const char * const *labels, guint n)
{
  KilnColumn *cols[2] = { text_col ("review", docs, n), NULL };
  KilnFrame *frame;

  if (labels)
    {
      GPtrArray *cats = g_ptr_array_new_with_free_func (g_free);
      gint32 *codes = g_new (gint32, n);
      g_ptr_array_add (cats, g_strdup ("neg"));
      g_ptr_array_add (cats, g_strdup ("pos"));
      for (guint i = 0; i < n; i++)
        codes[i] = strcmp (labels[i], "pos") == 0;
      cols[1] = kiln_column_new_coded ("label", KILN_COLUMN_CATEGORICAL, codes, cats, n);
    }
  frame = kiln_frame_new (cols, labels ? 2 : 1);
  kiln_column_unref (cols[0]);
  if (cols[1])
    kiln_column_unref (cols[1]);
  return frame;
}

static void
test_normalise (void)
{
  struct { const char *in, *out; } cases[] = {
    { "ABC déf", "abc déf" },
    { "e\xcc\x81t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },                 /* e + combining acute: é */
    { "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", "\xed\x95\x9c" },     /* conjoining jamo: 한 */
    { "영화 최고ㅋㅋ", "영화 최고ㅋㅋ" },
    { "STRASSE Straße", "strasse strasse" },                       /* case folding, not lower */
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = kiln_text_normalise (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

/* Pieces within words of 1-2 characters, min_df 2, by hand: " ab ", " ab "+" b ", " c ". */
static void
test_vocabulary (void)
{
  const char *docs[] = { "ab", "AB b", "c", NULL };
  const char *expect[] = { " ", " a", "a", "ab", "b", "b ", NULL };
  KilnTextOptions o;
  g_autoptr(KilnFrame) frame = docs_frame (docs, NULL, 4);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) prepared = NULL;
  g_autoptr(KilnDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *vocab;
  guint n_terms, n_char, n_features;
  const char * const *names;
  double idf_a, w_space, w_a, norm;

  kiln_text_options_init (&o);
  o.char_min = 1;
  o.char_max = 2;
  o.word_min = o.word_max = 0;
  o.row_length = 1;
  kiln_recipe_add_step (recipe, kiln_step_new_text (&o, NULL));
  prepared = kiln_recipe_fit_apply_coded (recipe, frame, NULL, &error);
  g_assert_no_error (error);
  vocab = kiln_step_get_vocabulary (kiln_recipe_get_step (recipe, 0), 0, &n_terms, &n_char);
  g_assert_cmpuint (n_terms, ==, g_strv_length ((char **) expect));
  g_assert_cmpuint (n_char, ==, n_terms);
  for (guint i = 0; expect[i]; i++)
    g_assert_cmpstr (vocab[i], ==, expect[i]);
  names = kiln_recipe_get_feature_names (recipe, &n_features);
  g_assert_cmpuint (n_features, ==, n_terms);
  g_assert_cmpstr (names[1], ==, "review:[ a]");

  /* row 0, "ab": ' ' twice (1 + ln 2), ' a', 'a', 'ab', 'b', 'b ' once; df ' ' = 3 of 3 documents
   * (the missing cell is no document), the others 2 */
  g_assert_true (kiln_recipe_to_dataset (recipe, prepared, &ds, &error) == FALSE);
  g_clear_error (&error);
  ds = kiln_recipe_to_features (recipe, prepared, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n_sparse, ==, n_terms);
  g_assert_cmpuint (ds->sp_ptr[1] - ds->sp_ptr[0], ==, 6);
  g_assert_cmpuint (ds->sp_ptr[4] - ds->sp_ptr[3], ==, 0);            /* missing: no terms */
  idf_a = log (4.0 / 3.0) + 1.0;
  w_space = (1.0 + log (2.0)) * 1.0;                                 /* idf ln (4/4) + 1 */
  w_a = idf_a;
  norm = sqrt (w_space * w_space + 5 * w_a * w_a);
  g_assert_cmpuint (ds->sp_index[0], ==, 0);
  g_assert_cmpfloat_with_epsilon (ds->sp_value[0], w_space / norm, 1e-6);
  g_assert_cmpfloat_with_epsilon (ds->sp_value[1], w_a / norm, 1e-6);
  /* row 1 is row 0 again (case folded) plus " b" (not in the vocabulary) and 'b', ' ', 'b ' */
  g_assert_cmpuint (ds->sp_ptr[2] - ds->sp_ptr[1], ==, 6);
}

/* The vocabulary comes from the training rows only: a view's other rows add nothing. */
static void
test_training_only (void)
{
  const char *docs[] = { "좋은 영화", "좋은 배우", "나쁜 영화", "나쁜 영화", "최악 최악" };
  const guint32 train_rows[] = { 0, 1, 2 };
  KilnTextOptions o;
  g_autoptr(KilnFrame) frame = docs_frame (docs, NULL, 5);
  g_autoptr(KilnFrame) train = kiln_frame_new_view (frame, train_rows, 3);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) prepared = NULL;
  g_autoptr(KilnFrame) all = NULL;
  g_autoptr(KilnDataset) ds = NULL;
  const char * const *vocab;
  guint n_terms, n_char;

  kiln_text_options_init (&o);
  o.char_min = 0;
  o.char_max = 0;
  o.word_min = 1;
  o.word_max = 1;
  o.min_df = 1;
  kiln_recipe_add_step (recipe, kiln_step_new_text (&o, NULL));
  prepared = kiln_recipe_fit_apply_coded (recipe, train, NULL, &error);
  g_assert_no_error (error);
  vocab = kiln_step_get_vocabulary (kiln_recipe_get_step (recipe, 0), 0, &n_terms, &n_char);
  g_assert_cmpuint (n_char, ==, 0);
  g_assert_cmpuint (n_terms, ==, 4);   /* 나쁜 배우 영화 좋은 */
  g_assert_false (g_strv_contains (vocab, "최악"));
  g_assert_true (g_strv_contains (vocab, "나쁜"));
  /* idf from 3 documents: "영화" in 2 of them */
  g_assert_cmpfloat_with_epsilon (_kiln_text_vocab_idf (kiln_recipe_get_step (recipe, 0)->vocab[0],
                                                        2), log (4.0 / 3.0) + 1.0, 1e-6);
  g_assert_cmpstr (vocab[2], ==, "영화");

  all = kiln_recipe_apply_coded (recipe, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  ds = kiln_recipe_to_features (recipe, all, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n_rows, ==, 5);
  g_assert_cmpuint (ds->sp_ptr[5] - ds->sp_ptr[4], ==, 0);   /* "최악 최악": no known word */
}

/* Features of a recipe's text columns on @frame (fitted on @train), as a dataset. */
static KilnDataset *
text_features (const char * const *columns, KilnFrame *train, KilnFrame *frame)
{
  KilnTextOptions o;
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) prepared = NULL;
  g_autoptr(GError) error = NULL;
  KilnDataset *ds;

  kiln_text_options_init (&o);
  o.min_df = 1;
  kiln_recipe_add_step (recipe, kiln_step_new_text (&o, columns));
  prepared = kiln_recipe_fit_apply_coded (recipe, train, NULL, &error);
  g_assert_no_error (error);
  if (frame != train)
    {
      g_clear_pointer (&prepared, kiln_frame_unref);
      prepared = kiln_recipe_apply_coded (recipe, frame, FALSE, NULL, &error);
      g_assert_no_error (error);
    }
  ds = kiln_recipe_to_features (recipe, prepared, &error);
  g_assert_no_error (error);
  return ds;
}

/* Two text columns: each row's features are the first column's, then the second's after the
 * first's vocabulary, as each column alone gives them; for the training rows (the features made
 * while fitting) and for other rows (vectorised). */
static void
test_two_columns (void)
{
  const char *title[] = { "최고의 영화", NULL, "지루한 영화", "최고", "배우 연기 최고", "별로" };
  const char *body[] = { "정말 재밌다 ㅋㅋ", "연기가 좋다", NULL, "지루하다", "재밌다", "최고의 배우" };
  const guint32 train_rows[] = { 0, 1, 2, 3 };
  KilnColumn *cols[2] = { text_col ("title", title, 6), text_col ("body", body, 6) };
  g_autoptr(KilnFrame) frame = kiln_frame_new (cols, 2);
  g_autoptr(KilnFrame) train = kiln_frame_new_view (frame, train_rows, 4);

  kiln_column_unref (cols[0]);
  kiln_column_unref (cols[1]);
  for (guint pass = 0; pass < 2; pass++)
    {
      KilnFrame *rows = pass == 0 ? train : frame;
      g_autoptr(KilnDataset) both = text_features ((const char *[]) { "title", "body", NULL }, train,
                                                   rows);
      g_autoptr(KilnDataset) t = text_features ((const char *[]) { "title", NULL }, train, rows);
      g_autoptr(KilnDataset) b = text_features ((const char *[]) { "body", NULL }, train, rows);

      g_assert_cmpuint (both->n_rows, ==, kiln_frame_get_n_rows (rows));
      g_assert_cmpuint (both->n_sparse, ==, t->n_sparse + b->n_sparse);
      g_assert_cmpuint (both->sp_ptr[0], ==, 0);
      for (guint r = 0; r < both->n_rows; r++)
        {
          gsize e = both->sp_ptr[r], nt = t->sp_ptr[r + 1] - t->sp_ptr[r];
          gsize nb = b->sp_ptr[r + 1] - b->sp_ptr[r];
          g_assert_cmpuint (both->sp_ptr[r + 1] - e, ==, nt + nb);
          for (gsize k = 0; k < nt; k++, e++)
            {
              g_assert_cmpuint (both->sp_index[e], ==, t->sp_index[t->sp_ptr[r] + k]);
              g_assert_cmpfloat (both->sp_value[e], ==, t->sp_value[t->sp_ptr[r] + k]);
            }
          for (gsize k = 0; k < nb; k++, e++)
            {
              g_assert_cmpuint (both->sp_index[e], ==, t->n_sparse + b->sp_index[b->sp_ptr[r] + k]);
              g_assert_cmpfloat (both->sp_value[e], ==, b->sp_value[b->sp_ptr[r] + k]);
            }
        }
      /* increasing within each row, within the width (what kiln_dataset_check() asks) */
      for (guint r = 0; r < both->n_rows; r++)
        for (gsize e = both->sp_ptr[r]; e < both->sp_ptr[r + 1]; e++)
          {
            g_assert_cmpuint (both->sp_index[e], <, both->n_sparse);
            if (e > both->sp_ptr[r])
              g_assert_cmpuint (both->sp_index[e], >, both->sp_index[e - 1]);
          }
    }
}

static char *
fixture (void)
{
  return g_test_build_filename (G_TEST_DIST, "data", "reviews-ko.csv", NULL);
}

/* The vocabulary, the idf and every weight agree with scikit-learn's TfidfVectorizer(analyzer=
 * "char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True) on the Korean fixture. */
static void
test_sklearn (void)
{
  g_autofree char *path = fixture ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) prepared = NULL;
  g_autoptr(KilnDataset) ds = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *script =
    "import json, sys, pandas as pd\n"
    "from sklearn.feature_extraction.text import TfidfVectorizer\n"
    "d = pd.read_csv(sys.argv[1])\n"
    "v = TfidfVectorizer(analyzer='char_wb', ngram_range=(1, 3), min_df=2, sublinear_tf=True)\n"
    "X = v.fit_transform(d.review.fillna('').astype(str)).tocsr()\n"
    "X.sort_indices()\n"
    "print(json.dumps({'vocabulary': sorted(v.vocabulary_, key=v.vocabulary_.get),\n"
    "  'ptr': X.indptr.tolist(), 'index': X.indices.tolist(), 'value': X.data.tolist()}))\n";
  const char *argv[] = { "/usr/bin/python3", "-c", script, path, NULL };
  int status;
  JsonObject *o;
  JsonArray *vocab, *ptr, *index, *value;
  const char * const *terms;
  guint n_terms;
  double max_diff = 0.0;
  KilnTextOptions to;

  g_assert_no_error (error);
  kiln_text_options_init (&to);
  to.word_min = to.word_max = 0;
  to.char_joins = FALSE;   /* char_wb has no pieces across words */
  to.row_length = 1;
  kiln_recipe_add_step (recipe, kiln_step_new_text (&to, (const char *[]) { "review", NULL }));
  prepared = kiln_recipe_fit_apply_coded (recipe, frame, NULL, &error);
  g_assert_no_error (error);
  ds = kiln_recipe_to_features (recipe, prepared, &error);
  g_assert_no_error (error);
  terms = kiln_step_get_vocabulary (kiln_recipe_get_step (recipe, 0), 0, &n_terms, NULL);
  g_assert_cmpuint (n_terms, >, 300);

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3");
      return;
    }
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("scikit-learn did not run");
      return;
    }
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  vocab = json_object_get_array_member (o, "vocabulary");
  ptr = json_object_get_array_member (o, "ptr");
  index = json_object_get_array_member (o, "index");
  value = json_object_get_array_member (o, "value");
  /* scikit-learn sorts its vocabulary by code point, Kiln by UTF-8 bytes: the same order */
  g_assert_cmpuint (json_array_get_length (vocab), ==, n_terms);
  for (guint i = 0; i < n_terms; i++)
    g_assert_cmpstr (terms[i], ==, json_array_get_string_element (vocab, i));
  g_assert_cmpuint (json_array_get_length (ptr), ==, ds->n_rows + 1);
  for (guint r = 0; r <= ds->n_rows; r++)
    g_assert_cmpuint (ds->sp_ptr[r], ==, (gsize) json_array_get_int_element (ptr, r));
  for (gsize e = 0; e < ds->sp_ptr[ds->n_rows]; e++)
    {
      g_assert_cmpuint (ds->sp_index[e], ==, (guint) json_array_get_int_element (index, (guint) e));
      max_diff = MAX (max_diff, fabs (ds->sp_value[e] - json_array_get_double_element (value, (guint) e)));
    }
  g_test_message ("%u terms, %zu weights, max difference %.3g", n_terms,
                  (size_t) ds->sp_ptr[ds->n_rows], max_diff);
  g_assert_cmpfloat (max_diff, <, 1e-6);
}

/* Removes member @name from the first object under @node that has it. */
static gboolean
remove_member (JsonNode *node, const char *name)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      g_autoptr(GList) members = NULL;
      if (json_object_has_member (o, name))
        {
          json_object_remove_member (o, name);
          return TRUE;
        }
      members = json_object_get_values (o);
      for (GList *l = members; l; l = l->next)
        if (remove_member (l->data, name))
          return TRUE;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        if (remove_member (json_array_get_element (a, i), name))
          return TRUE;
    }
  return FALSE;
}

/* The pieces joining adjacent words (last character, space, first character), by hand; without
 * char_joins none; a recipe saved before them (no "char_joins" in its JSON) has none. */
static void
test_joins (void)
{
  const char *docs[] = { "가 나다", "가  나다 라", NULL };
  const char *joins[] = { "가 나", "다 라" };

  for (guint with = 0; with < 2; with++)
    {
      g_autoptr(KilnFrame) frame = docs_frame (docs, NULL, 3);
      g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
      g_autoptr(KilnRecipe) back = NULL;
      g_autoptr(KilnFrame) prepared = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;
      const char * const *vocab;
      guint n_terms, found = 0;
      KilnTextOptions o;

      kiln_text_options_init (&o);
      g_assert_true (o.char_joins);
      o.char_joins = with;
      o.word_min = o.word_max = 0;
      o.min_df = 1;
      kiln_recipe_add_step (recipe, kiln_step_new_text (&o, NULL));
      prepared = kiln_recipe_fit_apply_coded (recipe, frame, NULL, &error);
      g_assert_no_error (error);
      vocab = kiln_step_get_vocabulary (kiln_recipe_get_step (recipe, 0), 0, &n_terms, NULL);
      for (guint i = 0; i < n_terms; i++)
        for (guint j = 0; j < G_N_ELEMENTS (joins); j++)
          found += strcmp (vocab[i], joins[j]) == 0;
      /* within words there is no other piece with a space inside */
      for (guint i = 0; i < n_terms; i++)
        if (strlen (vocab[i]) > 2 && strchr (vocab[i] + 1, ' ') != NULL
            && strchr (vocab[i] + 1, ' ') < vocab[i] + strlen (vocab[i]) - 1)
          g_assert_true (with && (strcmp (vocab[i], joins[0]) == 0 || strcmp (vocab[i], joins[1]) == 0));
      g_assert_cmpuint (found, ==, with ? 2 : 0);

      node = kiln_recipe_to_json (recipe);
      g_assert_true (remove_member (node, "char_joins"));
      back = kiln_recipe_from_json (node, &error);
      g_assert_no_error (error);
      g_assert_false (kiln_step_get_text_options (kiln_recipe_get_step (back, 0))->char_joins);
    }
}

/* The recipe's JSON carries the vocabulary: read back, it writes the same JSON and makes the same
 * features. */
static void
test_json (void)
{
  g_autofree char *path = fixture ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnRecipe) back = NULL;
  g_autoptr(KilnFrame) a = NULL, b = NULL;
  g_autoptr(KilnDataset) da = NULL, db = NULL;
  g_autoptr(JsonNode) node = NULL, node2 = NULL;
  g_autofree char *s1 = NULL, *s2 = NULL;
  KilnTextOptions o;
  guint na, nb;

  g_assert_no_error (error);
  kiln_text_options_init (&o);
  o.char_within_words = FALSE;
  o.row_length = 3;
  kiln_recipe_set_target (recipe, "sentiment");
  kiln_recipe_add_step (recipe, kiln_step_new_text (&o, (const char *[]) { "review", NULL }));
  kiln_recipe_add_step (recipe, kiln_step_new_impute (KILN_IMPUTE_MEDIAN, NULL));
  kiln_recipe_add_step (recipe, kiln_step_new_scale (KILN_SCALE_STANDARD, NULL));
  a = kiln_recipe_fit_apply_coded (recipe, frame, NULL, &error);
  g_assert_no_error (error);
  node = kiln_recipe_to_json (recipe);
  back = kiln_recipe_from_json (node, &error);
  g_assert_no_error (error);
  node2 = kiln_recipe_to_json (back);
  s1 = json_to_string (node, FALSE);
  s2 = json_to_string (node2, FALSE);
  g_assert_cmpstr (s1, ==, s2);
  kiln_recipe_get_feature_names (recipe, &na);
  kiln_recipe_get_feature_names (back, &nb);
  g_assert_cmpuint (na, ==, nb);
  g_assert_cmpuint (na, >, 300);
  /* "rating" scaled first, then the text features */
  g_assert_cmpstr (kiln_recipe_get_feature_names (back, NULL)[0], ==, "rating");

  b = kiln_recipe_apply_coded (back, frame, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_recipe_to_dataset (recipe, a, &da, &error));
  g_assert_true (kiln_recipe_to_dataset (back, b, &db, &error));
  g_assert_no_error (error);
  g_assert_true (kiln_dataset_same_layout (da, db));
  g_assert_cmpuint (da->n_sparse, ==, na - 1);
  g_assert_cmpmem (da->sp_ptr, (da->n_rows + 1) * sizeof (gsize), db->sp_ptr, (db->n_rows + 1) * sizeof (gsize));
  g_assert_cmpmem (da->sp_index, da->sp_ptr[da->n_rows] * sizeof (guint32),
                   db->sp_index, db->sp_ptr[db->n_rows] * sizeof (guint32));
  g_assert_cmpmem (da->sp_value, da->sp_ptr[da->n_rows] * sizeof (float),
                   db->sp_value, db->sp_ptr[db->n_rows] * sizeof (float));
}

/* @bundle saved and loaded again: its predictions for @raw's two rows (two classes) are the same
 * before and after; returns the loaded bundle, its predictions in *@out. */
static KilnBundle *
bundle_round_trip (KilnBundle *bundle, KilnFrame *raw, double **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree double *before = NULL;
  g_autofree char *dir = NULL, *file = NULL;
  KilnBundle *loaded;
  guint n, n2;

  before = kiln_bundle_predict (bundle, raw, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  dir = g_dir_make_tmp ("kiln-text-XXXXXX", &error);
  file = g_build_filename (dir, "reviews.kiln", NULL);
  g_assert_true (kiln_bundle_save (bundle, file, NULL, &error));
  loaded = kiln_bundle_load (file, NULL, &error);
  g_assert_no_error (error);
  *out = kiln_bundle_predict (loaded, raw, &n2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (before, 2 * 2 * sizeof (double), *out, 2 * 2 * sizeof (double));
  g_unlink (file);
  g_rmdir (dir);
  return loaded;
}

/* Logistic regression on the Korean reviews' text, saved and loaded as a bundle, predicting from
 * raw text; a family without sparse input says so. */
static void
test_logreg_bundle (void)
{
  g_autofree char *path = fixture ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  KilnPipelineOptions options;
  KilnPipelineResult r = { 0 };
  KilnPipelineResult knn = { 0 };
  g_autoptr(KilnBundle) loaded = NULL;
  g_autoptr(KilnFrame) raw = NULL;
  g_autofree double *after = NULL;
  const char *texts[] = { "정말 재미있고 감동적인 최고의 영화", "지루하고 최악이다 돈 아깝다" };

  g_assert_no_error (error);
  kiln_pipeline_options_init (&options, "sentiment", "logreg");
  g_strfreev (options.prep.dropped);
  options.prep.dropped = g_strsplit ("rating", ",", -1);
  g_strfreev (options.prep.text);
  options.prep.text = g_strsplit ("review", ",", -1);
  options.prep.text_options.word_min = 1;
  options.prep.text_options.word_max = 1;
  options.prep.text_options.min_df = 1;
  options.prep.split = (KilnSplitFractions) { 0.75, 0, 0.25 };
  g_assert_true (kiln_pipeline_run (frame, NULL, &options, NULL, NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kiln_pipeline_get_train (r.pipeline)->n_sparse, >, 500);
  g_assert_cmpuint (kiln_pipeline_get_train (r.pipeline)->n_features, ==, 0);

  raw = docs_frame (texts, NULL, 2);
  loaded = bundle_round_trip (r.bundle, raw, &after);
  /* classes are negative, positive */
  g_assert_cmpfloat (after[1], >, 0.5);
  g_assert_cmpfloat (after[2], >, 0.5);

  /* ONNX cannot cut text: the export refuses, naming the column */
  {
    KilnOnnxModel *onnx = kiln_onnx_model_new_from_bundle (r.bundle, &error);
    g_assert_null (onnx);
    g_assert_error (error, KILN_ONNX_ERROR, KILN_ONNX_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "“review”"));
    g_clear_error (&error);
  }

  /* neighbours cannot read text features: the error names the family and the column */
  options.model = "knn";
  g_assert_false (kiln_pipeline_run (frame, NULL, &options, NULL, NULL, &knn, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "review"));
  g_assert_nonnull (strstr (error->message, "neighbours"));
  kiln_pipeline_result_clear (&knn);
  kiln_pipeline_result_clear (&r);
  kiln_pipeline_options_clear (&options);
}

/* Ridge regression of the rating on the reviews' words: conjugate gradients on the sparse
 * features give the closed form's answer on the same features expanded into dense columns. */
static void
test_ridge (void)
{
  g_autofree char *path = fixture ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) prepared = NULL;
  g_autoptr(KilnDataset) ds = NULL, dense = NULL;
  g_autoptr(KilnModel) sparse_model = NULL, dense_model = NULL, ols = NULL;
  g_autofree double *a = NULL, *b = NULL;
  KilnModelOptions options;
  KilnTextOptions o;
  double max_diff = 0.0;

  g_assert_no_error (error);
  kiln_text_options_init (&o);
  o.char_min = o.char_max = 0;
  o.word_min = o.word_max = 1;
  kiln_recipe_set_target (recipe, "rating");
  kiln_recipe_set_task (recipe, KILN_TASK_REGRESSION);
  kiln_recipe_add_step (recipe, kiln_step_new_drop_columns ((const char *[]) { "sentiment", NULL }));
  kiln_recipe_add_step (recipe, kiln_step_new_text (&o, (const char *[]) { "review", NULL }));
  prepared = kiln_recipe_fit_apply_coded (recipe, frame, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_recipe_to_dataset (recipe, prepared, &ds, &error));
  g_assert_cmpuint (ds->n_sparse, >, 5);
  dense = kiln_dataset_new_expanded (ds);

  kiln_model_options_init (&options, KILN_TASK_REGRESSION);
  sparse_model = kiln_model_new ("ridge", &options, &error);
  dense_model = kiln_model_new ("ridge", &options, &error);
  g_assert_true (kiln_model_fit (sparse_model, ds, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kiln_model_fit (dense_model, dense, NULL, NULL, NULL, &error));
  a = g_new (double, ds->n_rows);
  b = g_new (double, ds->n_rows);
  kiln_model_predict (sparse_model, ds, a);
  kiln_model_predict (dense_model, dense, b);
  for (guint i = 0; i < ds->n_rows; i++)
    max_diff = MAX (max_diff, fabs (a[i] - b[i]));
  g_test_message ("%u words, max difference %.3g", ds->n_sparse, max_diff);
  g_assert_cmpfloat (max_diff, <, 1e-6);

  /* least squares has no single answer with more words than rows: it says so */
  ols = kiln_model_new ("linear", &options, &error);
  g_assert_false (kiln_model_fit (ols, ds, NULL, NULL, NULL, &error));
  g_assert_error (error, KILN_MODEL_ERROR, KILN_MODEL_ERROR_DATA);
}

/* The fixture's reviews as a dataset: sentiment from the terms (words and character pieces), with
 * the rating as a numeric feature when @with_rating. */
static KilnDataset *
reviews_dataset (gboolean with_rating)
{
  g_autofree char *path = fixture ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  g_autoptr(KilnRecipe) recipe = kiln_recipe_new ();
  g_autoptr(KilnFrame) prepared = NULL;
  KilnDataset *ds = NULL;
  KilnTextOptions o;

  g_assert_no_error (error);
  kiln_text_options_init (&o);
  o.min_df = 1;
  kiln_recipe_set_target (recipe, "sentiment");
  kiln_recipe_set_task (recipe, KILN_TASK_CLASSIFICATION);
  if (!with_rating)
    kiln_recipe_add_step (recipe, kiln_step_new_drop_columns ((const char *[]) { "rating", NULL }));
  kiln_recipe_add_step (recipe, kiln_step_new_text (&o, (const char *[]) { "review", NULL }));
  prepared = kiln_recipe_fit_apply_coded (recipe, frame, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kiln_recipe_to_dataset (recipe, prepared, &ds, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n_sparse, >, 100);
  return ds;
}

/* Naive Bayes on text: the terms' part is MultinomialNB(alpha=1) and the numeric part GaussianNB,
 * both computed here from the features expanded into dense columns, log-likelihoods added; without
 * numeric features the model's linear form gives the same probabilities. */
static void
test_nb_hand (void)
{
  for (guint with_rating = 0; with_rating < 2; with_rating++)
    {
      g_autoptr(KilnDataset) ds = reviews_dataset (with_rating);
      g_autoptr(KilnDataset) dense = kiln_dataset_new_expanded (ds);
      g_autoptr(GError) error = NULL;
      g_autoptr(KilnModel) model = NULL;
      KilnModelOptions options;
      guint n = ds->n_rows, w = kiln_dataset_get_width (ds), off = kiln_dataset_get_sparse_offset (ds);
      guint ns = ds->n_sparse, n_scores = 0;
      g_autofree double *p = g_new (double, (gsize) n * 2);
      g_autofree double *count = g_new0 (double, 2 * (gsize) ns);
      g_autofree double *mean = g_new0 (double, 2 * (gsize) MAX (off, 1));
      g_autofree double *var = g_new0 (double, 2 * (gsize) MAX (off, 1));
      double rows[2] = { 0 }, max_diff = 0.0, max_lin = 0.0, eps = 0.0;
      const double *coef = NULL, *intercept = NULL;
      KilnModelScore score;

      kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
      model = kiln_model_new ("nb", &options, &error);
      g_assert_true (kiln_model_fit (model, ds, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      kiln_model_predict (model, ds, p);

      for (guint i = 0; i < n; i++)
        {
          rows[dense->y_class[i]] += 1;
          for (guint k = 0; k < ns; k++)
            count[(gsize) dense->y_class[i] * ns + k] += dense->x[(gsize) i * w + off + k];
          for (guint j = 0; j < off; j++)
            mean[dense->y_class[i] * off + j] += dense->x[(gsize) i * w + j];
        }
      /* GaussianNB: per class means and population variances, plus 1e-9 x the largest variance
         over all rows */
      for (guint j = 0; j < off; j++)
        {
          double m = 0.0, v = 0.0;
          for (guint i = 0; i < n; i++)
            m += dense->x[(gsize) i * w + j] / n;
          for (guint i = 0; i < n; i++)
            v += (dense->x[(gsize) i * w + j] - m) * (dense->x[(gsize) i * w + j] - m) / n;
          eps = MAX (eps, 1e-9 * v);
          for (guint c = 0; c < 2; c++)
            mean[c * off + j] /= rows[c];
        }
      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < off; j++)
          {
            double dv = dense->x[(gsize) i * w + j] - mean[dense->y_class[i] * off + j];
            var[dense->y_class[i] * off + j] += dv * dv / rows[dense->y_class[i]];
          }
      for (guint i = 0; i < n; i++)
        {
          double jll[2];
          for (guint c = 0; c < 2; c++)
            {
              double total = ns, s = log (rows[c] / n);
              for (guint k = 0; k < ns; k++)
                total += count[(gsize) c * ns + k];
              for (guint k = 0; k < ns; k++)
                s += dense->x[(gsize) i * w + off + k] * log ((count[(gsize) c * ns + k] + 1.0) / total);
              for (guint j = 0; j < off; j++)
                {
                  double v = var[c * off + j] + (eps > 0.0 ? eps : 1e-9);
                  double dv = dense->x[(gsize) i * w + j] - mean[c * off + j];
                  s -= 0.5 * log (2.0 * G_PI * v) + 0.5 * dv * dv / v;
                }
              jll[c] = s;
            }
          max_diff = MAX (max_diff, fabs (p[2 * i + 1] - 1.0 / (1.0 + exp (jll[0] - jll[1]))));
        }
      g_test_message ("naive Bayes, %u terms%s: max difference from the hand computation %.3g",
                      ns, with_rating ? " and the rating" : "", max_diff);
      g_assert_cmpfloat (max_diff, <, 1e-9);

      /* linear in the one-hot view with text (and levels) only; a numeric feature is not */
      if (with_rating)
        {
          g_assert_cmpuint (off, ==, 1);
          g_assert_false (kiln_model_get_linear (model, NULL, NULL, NULL, NULL));
          continue;
        }
      g_assert_true (kiln_model_get_linear (model, &n_scores, &coef, &intercept, &score));
      g_assert_cmpuint (n_scores, ==, 1);
      g_assert_cmpint (score, ==, KILN_MODEL_SCORE_LOG_ODDS);
      for (guint i = 0; i < n; i++)
        {
          double z = intercept[0];
          for (guint j = 0; j < w; j++)
            z += coef[j] * dense->x[(gsize) i * w + j];
          max_lin = MAX (max_lin, fabs (p[2 * i + 1] - 1.0 / (1.0 + exp (-z))));
        }
      g_test_message ("linear form: max difference %.3g", max_lin);
      g_assert_cmpfloat (max_lin, <, 1e-9);
    }
}

/* The MLP's first layer on the terms gathered gives the network trained on the same features
 * expanded into dense columns (same seed, same initialisation), up to float rounding. */
static void
test_mlp_dense (void)
{
  g_autoptr(KilnDataset) ds = reviews_dataset (TRUE);
  g_autoptr(KilnDataset) dense = kiln_dataset_new_expanded (ds);
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnModel) a = NULL, b = NULL;
  KilnModelOptions options;
  g_autofree double *pa = g_new (double, (gsize) ds->n_rows * 2);
  g_autofree double *pb = g_new (double, (gsize) ds->n_rows * 2);
  double max_diff = 0.0;
  guint correct = 0;

  kiln_model_options_init (&options, KILN_TASK_CLASSIFICATION);
  options.hidden[0] = 16;
  options.epochs = 20;
  options.batch_size = 16;
  a = kiln_model_new ("mlp", &options, &error);
  b = kiln_model_new ("mlp", &options, &error);
  g_assert_true (kiln_model_fit (a, ds, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kiln_model_fit (b, dense, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  kiln_model_predict (a, ds, pa);
  kiln_model_predict (b, dense, pb);
  for (guint i = 0; i < 2 * ds->n_rows; i++)
    max_diff = MAX (max_diff, fabs (pa[i] - pb[i]));
  for (guint i = 0; i < ds->n_rows; i++)
    correct += (pa[2 * i + 1] > 0.5) == (ds->y_class[i] == 1);
  g_test_message ("MLP on %u terms: max difference from the dense network %.3g; %u of %u training "
                  "rows right", ds->n_sparse, max_diff, correct, ds->n_rows);
  g_assert_cmpfloat (max_diff, <, 1e-3);
  g_assert_cmpuint (correct, >, ds->n_rows * 9 / 10);
}

/* Naive Bayes and the MLP through the pipeline and the bundle, predicting from raw text; naive
 * Bayes (linear here) is explained exactly, the MLP's explanation refuses and says why. */
static void
test_nb_mlp_bundle (void)
{
  static const char * const families[] = { "nb", "mlp" };
  g_autofree char *path = fixture ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KilnFrame) frame = kiln_csv_read (path, NULL, NULL, NULL, NULL, NULL, &error);
  const char *texts[] = { "정말 재미있고 감동적인 최고의 영화", "지루하고 최악이다 돈 아깝다" };

  g_assert_no_error (error);
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      KilnPipelineOptions options;
      KilnPipelineResult r = { 0 };
      g_autoptr(KilnBundle) loaded = NULL;
      g_autoptr(KilnFrame) raw = docs_frame (texts, NULL, 2);
      g_autofree double *after = NULL;
      KilnExplainOptions explain;
      KilnRowExplanation *e;

      kiln_pipeline_options_init (&options, "sentiment", families[f]);
      g_strfreev (options.prep.dropped);
      options.prep.dropped = g_strsplit ("rating", ",", -1);
      g_strfreev (options.prep.text);
      options.prep.text = g_strsplit ("review", ",", -1);
      options.prep.text_options.min_df = 1;
      options.prep.split = (KilnSplitFractions) { 0.75, 0, 0.25 };
      if (strcmp (families[f], "mlp") == 0)
        options.model_options.epochs = 30;
      g_assert_true (kiln_pipeline_run (frame, NULL, &options, NULL, NULL, &r, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (kiln_pipeline_get_train (r.pipeline)->n_sparse, >, 500);

      loaded = bundle_round_trip (r.bundle, raw, &after);
      g_test_message ("%s: P(positive) %.3f and %.3f", families[f], after[1], after[3]);
      /* classes are negative, positive */
      g_assert_cmpfloat (after[1], >, 0.5);
      g_assert_cmpfloat (after[2], >, 0.5);

      kiln_explain_options_init (&explain);
      e = kiln_bundle_explain_row (loaded, raw, 0, &explain, &error);
      if (strcmp (families[f], "nb") == 0)
        {
          g_assert_no_error (error);
          g_assert_true (e->exact);
          g_assert_cmpstr (e->output_kind, ==, "log-odds");
          g_assert_cmpfloat_with_epsilon (e->base + e->contributions[0], e->output, 1e-9);
          g_assert_cmpuint (e->n_terms, >, 0);
          kiln_row_explanation_free (e);
        }
      else
        {
          g_assert_null (e);
          g_assert_error (error, KILN_BUNDLE_ERROR, KILN_BUNDLE_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, "text"));
          g_clear_error (&error);
        }
      kiln_pipeline_result_clear (&r);
      kiln_pipeline_options_clear (&options);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text/normalise", test_normalise);
  g_test_add_func ("/text/vocabulary", test_vocabulary);
  g_test_add_func ("/text/training-only", test_training_only);
  g_test_add_func ("/text/two-columns", test_two_columns);
  g_test_add_func ("/text/scikit-learn", test_sklearn);
  g_test_add_func ("/text/joins", test_joins);
  g_test_add_func ("/text/json", test_json);
  g_test_add_func ("/text/logreg-bundle", test_logreg_bundle);
  g_test_add_func ("/text/ridge", test_ridge);
  g_test_add_func ("/text/nb-hand", test_nb_hand);
  g_test_add_func ("/text/mlp-dense", test_mlp_dense);
  g_test_add_func ("/text/nb-mlp-bundle", test_nb_mlp_bundle);
  return g_test_run ();
}
