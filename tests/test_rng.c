/*
 * test_rng.c -- suite "rng": the runtime's generator (runtime/rng.c) is
 * deterministic per seed, matches known values, and its derived
 * distributions are what they claim.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* First outputs for three seeds, from an independent Python transcription
 * of splitmix64 seeding + xoshiro256**: pins the stream on every platform. */
Test(rng, known_values)
{
    static const struct { uint64_t seed, out[3]; } cases[] = {
        { 0,  { 0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL } },
        { 1,  { 0xb3f2af6d0fc710c5ULL, 0x853b559647364ceaULL, 0x92f89756082a4514ULL } },
        { 42, { 0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL, 0xae17533239e499a1ULL } },
    };
    size_t c;
    int k;
    for (c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        rng_state r;
        rng_seed(&r, cases[c].seed);
        for (k = 0; k < 3; ++k) {
            uint64_t got = rng_next_u64(&r);
            cr_assert_eq(got, cases[c].out[k], "seed %llu output %d: got %016llx",
                         (unsigned long long)cases[c].seed, k, (unsigned long long)got);
        }
    }
}

Test(rng, same_seed_same_stream)
{
    rng_state a, b;
    int i;
    rng_seed(&a, 12345);
    rng_seed(&b, 12345);
    for (i = 0; i < 1000; ++i)
        cr_assert_eq(rng_next_u64(&a), rng_next_u64(&b), "diverged at draw %d", i);
    for (i = 0; i < 1000; ++i) {
        double x = rng_normal(&a), y = rng_normal(&b);
        cr_assert(memcmp(&x, &y, sizeof x) == 0, "normal diverged at draw %d", i);
    }
}

Test(rng, different_seeds_differ)
{
    rng_state a, b;
    int i, same = 0;
    rng_seed(&a, 1);
    rng_seed(&b, 2);
    for (i = 0; i < 100; ++i)
        same += rng_next_u64(&a) == rng_next_u64(&b);
    cr_assert_eq(same, 0, "%d of 100 draws equal for seeds 1 and 2", same);
}

Test(rng, shuffle_is_permutation)
{
    enum { N = 1000 };
    static int a[N], seen[N];
    rng_state r;
    int i, moved = 0;
    for (i = 0; i < N; ++i)
        a[i] = i;
    rng_seed(&r, 7);
    rng_shuffle_int(&r, a, N);
    for (i = 0; i < N; ++i) {
        cr_assert(a[i] >= 0 && a[i] < N, "a[%d] = %d out of range", i, a[i]);
        cr_assert_eq(seen[a[i]], 0, "%d appears twice", a[i]);
        seen[a[i]] = 1;
        moved += a[i] != i;
    }
    cr_assert_gt(moved, N / 2, "only %d of %d elements moved", moved, N);
    rng_shuffle_int(&r, a, 0);          /* empty and single: no effect, no crash */
    rng_shuffle_int(&r, a, 1);
}

/* Every one of the 6 permutations of 3 elements shows up about equally. */
Test(rng, shuffle_is_uniform)
{
    enum { DRAWS = 60000 };
    int count[6] = { 0 };
    rng_state r;
    int i, k;
    rng_seed(&r, 99);
    for (i = 0; i < DRAWS; ++i) {
        int a[3] = { 0, 1, 2 };
        rng_shuffle_int(&r, a, 3);
        count[a[0] * 2 + (a[1] > a[2])]++;
    }
    for (k = 0; k < 6; ++k)
        cr_assert(abs(count[k] - DRAWS / 6) < 500, "permutation %d drawn %d times of %d",
                  k, count[k], DRAWS);
}

Test(rng, uniform_int_respects_bound)
{
    static const int bounds[] = { 1, 2, 3, 7, 10, 1000, 2147483647 };
    rng_state r;
    size_t b;
    int i;
    rng_seed(&r, 3);
    for (b = 0; b < sizeof bounds / sizeof bounds[0]; ++b)
        for (i = 0; i < 10000; ++i) {
            int x = rng_uniform_int(&r, bounds[b]);
            cr_assert(x >= 0 && x < bounds[b], "uniform_int(%d) gave %d", bounds[b], x);
        }
    cr_assert_eq(rng_uniform_int(&r, 0), 0);
    cr_assert_eq(rng_uniform_int(&r, -5), 0);
    cr_assert_eq(rng_uniform_u64(&r, 0), 0);
}

/* Each value of a small bound is hit about equally often. */
Test(rng, uniform_int_is_flat)
{
    enum { B = 10, DRAWS = 100000 };
    int count[B] = { 0 };
    rng_state r;
    int i;
    rng_seed(&r, 5);
    for (i = 0; i < DRAWS; ++i)
        count[rng_uniform_int(&r, B)]++;
    for (i = 0; i < B; ++i)
        cr_assert(abs(count[i] - DRAWS / B) < 600, "value %d drawn %d times of %d",
                  i, count[i], DRAWS);
}

Test(rng, uniform01_in_range)
{
    rng_state r;
    double sum = 0;
    int i;
    rng_seed(&r, 11);
    for (i = 0; i < 100000; ++i) {
        double u = rng_uniform01(&r);
        cr_assert(u >= 0.0 && u < 1.0, "uniform01 gave %.17g", u);
        sum += u;
    }
    cr_assert(fabs(sum / 100000 - 0.5) < 0.01, "mean %g", sum / 100000);
}

Test(rng, normal_mean_and_variance)
{
    enum { N = 100000 };
    rng_state r;
    double sum = 0, sum2 = 0, mean, var;
    int i, beyond3 = 0;
    rng_seed(&r, 2024);
    for (i = 0; i < N; ++i) {
        double x = rng_normal(&r);
        cr_assert(isfinite(x), "draw %d not finite", i);
        sum += x;
        sum2 += x * x;
        beyond3 += fabs(x) > 3.0;
    }
    mean = sum / N;
    var = sum2 / N - mean * mean;
    cr_assert(fabs(mean) < 0.02, "mean %g", mean);
    cr_assert(fabs(var - 1.0) < 0.03, "variance %g", var);
    /* P(|x| > 3) = 0.27%: about 270 of 100000 */
    cr_assert(beyond3 > 150 && beyond3 < 400, "%d draws beyond 3 sigma", beyond3);
}
