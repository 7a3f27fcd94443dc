/*
 * rng.c -- splitmix64 seeding, xoshiro256** generation, and the derived
 * distributions (bounded integers, [0,1) doubles, normals, shuffles).
 *
 * References: Vigna's public-domain xoshiro256starstar.c and splitmix64.c;
 * the bounded-integer rejection is the one in O'Neill's PCG library.
 */
#include "rng.h"

#include <math.h>

/* splitmix64 step: advance *x and return the next output. */
static uint64_t rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* See rng.h.  splitmix64 never yields four zero words, the one state
 * xoshiro cannot leave. */
void rng_seed(rng_state *r, uint64_t seed)
{
    int k;
    for (k = 0; k < 4; ++k)
        r->s[k] = rng_splitmix64(&seed);
}

/* See rng.h. */
uint64_t rng_next_u64(rng_state *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* See rng.h. */
uint32_t rng_next_u32(rng_state *r)
{
    return (uint32_t)(rng_next_u64(r) >> 32);
}

/* See rng.h.  threshold = 2^64 mod bound: outputs below it belong to the
 * incomplete last copy of [0, bound) and are redrawn, so every residue is
 * hit by exactly floor(2^64 / bound) accepted outputs. */
uint64_t rng_uniform_u64(rng_state *r, uint64_t bound)
{
    uint64_t threshold, x;
    if (bound == 0)
        return 0;
    threshold = (0 - bound) % bound;
    do
        x = rng_next_u64(r);
    while (x < threshold);
    return x % bound;
}

/* See rng.h. */
int rng_uniform_int(rng_state *r, int bound)
{
    if (bound <= 0)
        return 0;
    return (int)rng_uniform_u64(r, (uint64_t)bound);
}

/* See rng.h. */
double rng_uniform01(rng_state *r)
{
    return (double)(rng_next_u64(r) >> 11) * 0x1.0p-53;
}

/* See rng.h.  (u, v) uniform in the unit disc minus the origin; then
 * u * sqrt(-2 ln s / s) is N(0, 1). */
double rng_normal(rng_state *r)
{
    double u, v, s;
    do {
        u = 2.0 * rng_uniform01(r) - 1.0;
        v = 2.0 * rng_uniform01(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

/* See rng.h. */
void rng_shuffle_int(rng_state *r, int *a, int n)
{
    int i;
    for (i = n - 1; i > 0; --i) {
        int j = rng_uniform_int(r, i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
