/*
 * rng.h -- a small deterministic random number generator for the runtime:
 * shuffling the training set, dropout masks, test data.
 *
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64 so that any
 * 64-bit seed, 0 included, gives a good state.  The state is a plain struct
 * owned by the caller: no global state, and two generators never interfere.
 * Every integer result is a pure function of the seed and the call
 * sequence, identical on every platform; rng_normal's doubles also depend on
 * libm's log() and sqrt() (sqrt is exact by IEEE 754; glibc's and musl's log
 * agree in practice).
 */
#ifndef CNNGEN_RNG_H
#define CNNGEN_RNG_H

#include <stdint.h>

typedef struct rng_state {
    uint64_t s[4];
} rng_state;

/* Initialise r from seed (splitmix64 expands it to the 256-bit state). */
void rng_seed(rng_state *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t rng_next_u64(rng_state *r);

/* The next 32 random bits (the high half of rng_next_u64). */
uint32_t rng_next_u32(rng_state *r);

/* Uniform in [0, bound) with no modulo bias (rejection of the short last
 * interval).  bound == 0 returns 0 without consuming randomness. */
uint64_t rng_uniform_u64(rng_state *r, uint64_t bound);

/* Uniform int in [0, bound); bound <= 0 returns 0 without consuming
 * randomness. */
int rng_uniform_int(rng_state *r, int bound);

/* Uniform double in [0, 1), 53 random bits. */
double rng_uniform01(rng_state *r);

/* Standard normal deviate (mean 0, variance 1), Marsaglia's polar method;
 * each call consumes at least two 64-bit outputs and keeps no spare. */
double rng_normal(rng_state *r);

/* Shuffle a[0..n) in place: Fisher-Yates, every permutation equally
 * likely.  n <= 1 leaves a untouched and consumes nothing. */
void rng_shuffle_int(rng_state *r, int *a, int n);

#endif
