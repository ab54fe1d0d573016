/* kiln-rng.c: xoshiro256** seeded by splitmix64.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "kiln-rng"

#include "config.h"

#include <math.h>

#include "kiln-rng.h"

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void
kiln_rng_init (KilnRng *rng,
               guint64  seed)
{
  guint64 state = seed;

  g_return_if_fail (rng != NULL);

  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&state);
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;
}

void
kiln_rng_init_stream (KilnRng *rng,
                      guint64  seed,
                      guint64  stream)
{
  guint64 state = stream;
  guint64 mixed;

  g_return_if_fail (rng != NULL);

  /* Hash the stream number, then combine with the seed and hash again, so that
   * (seed, stream) pairs map to well separated starting points. */
  mixed = splitmix64 (&state) ^ seed;
  kiln_rng_init (rng, mixed);
  /* Decorrelate from kiln_rng_init (seed) for stream 0. */
  for (int i = 0; i < 4; i++)
    rng->s[i] ^= splitmix64 (&state);
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;
}

double
kiln_rng_normal (KilnRng *rng)
{
  double u1, u2;

  g_return_val_if_fail (rng != NULL, 0.0);

  do
    u1 = kiln_rng_double (rng);
  while (u1 <= 0.0);
  u2 = kiln_rng_double (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

void
kiln_rng_shuffle_u32 (KilnRng *rng,
                      guint32 *a,
                      guint    n)
{
  g_return_if_fail (rng != NULL);
  g_return_if_fail (a != NULL || n == 0);

  for (guint i = n; i > 1; i--)
    {
      guint32 j = kiln_rng_uniform (rng, i);
      guint32 t = a[i - 1];
      a[i - 1] = a[j];
      a[j] = t;
    }
}

void
kiln_rng_permutation (KilnRng *rng,
                      guint32 *a,
                      guint    n)
{
  g_return_if_fail (rng != NULL);
  g_return_if_fail (a != NULL || n == 0);

  for (guint i = 0; i < n; i++)
    a[i] = i;
  kiln_rng_shuffle_u32 (rng, a, n);
}

guint64
kiln_rng_below (KilnRng *rng,
                guint64  n)
{
  guint64 threshold, x;

  g_return_val_if_fail (rng != NULL, 0);
  g_return_val_if_fail (n > 0, 0);

  threshold = (0 - n) % n;
  do
    x = kiln_rng_next (rng);
  while (x < threshold);
  return x % n;
}

void
kiln_rng_shuffle (KilnRng *rng,
                  guint32 *a,
                  guint    n)
{
  g_return_if_fail (rng != NULL);
  g_return_if_fail (a != NULL || n == 0);

  for (guint i = n; i > 1; i--)
    {
      guint j = (guint) kiln_rng_below (rng, i);
      guint32 t = a[i - 1];
      a[i - 1] = a[j];
      a[j] = t;
    }
}
