/* kiln-rng.h: a small seeded PRNG (xoshiro256** seeded by splitmix64) for reproducible models.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Same seed, same sequence, on every machine: the models' shuffles, bootstraps, feature
 * subsets and initial weights all come from here, never from rand() or g_random_*.
 * The train/validation/test splits and the cross-validation folds draw from it too (with
 * kiln_rng_below(), which consumes the stream differently from kiln_rng_uniform()).
 * A KilnRng is a plain value: one per thread (or per tree); kiln_rng_init_stream() gives
 * independent streams from one seed (e.g. one per tree of a forest, whatever thread fits it).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} KilnRng;

/* Seeds the state from @seed through splitmix64 (never all zero). */
void    kiln_rng_init         (KilnRng *rng, guint64 seed);
/* An independent stream @stream of @seed: init from seed, then mixes the stream number in.
 * Streams 0, 1, 2, ... of the same seed do not overlap in practice. */
void    kiln_rng_init_stream  (KilnRng *rng, guint64 seed, guint64 stream);

/* Standard normal (Box-Muller, both draws from kiln_rng_double). */
double  kiln_rng_normal       (KilnRng *rng);
/* Fisher-Yates shuffle of @n indices (draws with kiln_rng_uniform()). */
void    kiln_rng_shuffle_u32  (KilnRng *rng, guint32 *a, guint n);
/* Uniform in 0 .. n-1 from all 64 bits, unbiased by rejection then modulo (the splits' draw;
 * a different sequence from kiln_rng_uniform()'s). @n > 0. */
guint64 kiln_rng_below        (KilnRng *rng, guint64 n);
/* Fisher-Yates shuffle drawing with kiln_rng_below() (the splits and folds). */
void    kiln_rng_shuffle      (KilnRng *rng, guint32 *a, guint n);
/* a[i] = i, then shuffled. */
void    kiln_rng_permutation  (KilnRng *rng, guint32 *a, guint n);

static inline guint64
kiln_rng_rotl_ (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* The next 64 random bits (xoshiro256**). */
static inline guint64
kiln_rng_next (KilnRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = kiln_rng_rotl_ (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = kiln_rng_rotl_ (s[3], 45);
  return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double
kiln_rng_double (KilnRng *rng)
{
  return (double) (kiln_rng_next (rng) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, 1) with 24 random bits. */
static inline float
kiln_rng_float (KilnRng *rng)
{
  return (float) (kiln_rng_next (rng) >> 40) * 0x1.0p-24f;
}

/* Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). @n > 0. */
static inline guint32
kiln_rng_uniform (KilnRng *rng, guint32 n)
{
  guint64 m = (kiln_rng_next (rng) >> 32) * (guint64) n;
  guint32 low = (guint32) m;

  if (low < n)
    {
      guint32 threshold = (guint32) (-n) % n;
      while (low < threshold)
        {
          m = (kiln_rng_next (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

G_END_DECLS
