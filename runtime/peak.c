/*
 * peak.c -- the FP32 FMA peak of one core (see peak.h).
 *
 * The loop.  PEAK_ACC accumulators, each updated by a = a·m + c (m just
 * below 1, so every chain converges to c/(1−m) = 1: no overflow, no
 * denormals), one fused multiply-add per accumulator per iteration; they
 * start from distinct values, or the optimizer would merge twelve equal
 * chains into one (it does: gcc -O2 emitted a single vfmadd).  The
 * chains are independent, so the limit is the FMA units' throughput, not
 * their latency, as long as accumulators ≥ latency × FMA pipes: 4 × 2 on
 * Zen 4 and Intel cores since Skylake; 12 leaves margin and still fits the
 * registers (12 + 2 constants ≤ 16 ymm, ≤ 32 zmm).
 *
 * Why intrinsics in functions marked __attribute__((target(...))), with a
 * run-time CPU check, rather than compiling the loop at run time with
 * cc -O3 -march=native:
 *   - FMA must be explicit.  cnngen's sources (and the cc backend's fixed
 *     flags) use -std=c99, which makes gcc default to -ffp-contract=off:
 *     plain a*m + c never becomes an FMA there, whatever -march says.  An
 *     intrinsic is an FMA under any flags.
 *   - The binary stays self-contained: `bench` measures the peak even
 *     where no compiler is installed (tcc-only runs), and the measurement
 *     does not depend on $CC or $CFLAGS.
 *   - gcc -O2 (the build's flags) maps each intrinsic to one instruction
 *     and keeps the 12 accumulators in registers: the loop body is 12
 *     independent vfmadd instructions, an add and a branch.
 * Both vector variants run when the CPU has them: on Zen 4, AVX-512 FMAs
 * are executed as two 256-bit halves, so AVX2 can match it; the best one
 * is the peak.
 */
#include "peak.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) && defined(__x86_64__)
#define PEAK_X86 1
#include <immintrin.h>
#endif

#define PEAK_ACC 12

static double peak_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A sink the optimizer cannot see through, so no loop is deleted. */
static volatile float peak_sink;

/* ---- the loops: `iters` iterations of PEAK_ACC FMAs each ------------- */

#define PEAK_STEP12(F)                                                       \
    a0 = F(a0, m, c); a1 = F(a1, m, c); a2 = F(a2, m, c); a3 = F(a3, m, c);  \
    a4 = F(a4, m, c); a5 = F(a5, m, c); a6 = F(a6, m, c); a7 = F(a7, m, c);  \
    a8 = F(a8, m, c); a9 = F(a9, m, c); a10 = F(a10, m, c); a11 = F(a11, m, c)

#ifdef PEAK_X86
__attribute__((target("avx512f")))
static void peak_avx512(long iters)
{
    const __m512 m = _mm512_set1_ps(0.9999f), c = _mm512_set1_ps(1e-4f);
    __m512 a0 = _mm512_set1_ps(0.00f), a1 = _mm512_set1_ps(0.01f), a2 = _mm512_set1_ps(0.02f),
           a3 = _mm512_set1_ps(0.03f), a4 = _mm512_set1_ps(0.04f), a5 = _mm512_set1_ps(0.05f),
           a6 = _mm512_set1_ps(0.06f), a7 = _mm512_set1_ps(0.07f), a8 = _mm512_set1_ps(0.08f),
           a9 = _mm512_set1_ps(0.09f), a10 = _mm512_set1_ps(0.10f), a11 = _mm512_set1_ps(0.11f);
    float out[16];
    long i;
    for (i = 0; i < iters; ++i) {
        PEAK_STEP12(_mm512_fmadd_ps);
    }
    a0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                       _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    a0 = _mm512_add_ps(a0, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
    _mm512_storeu_ps(out, a0);
    peak_sink = out[0] + out[15];
}

__attribute__((target("avx2,fma")))
static void peak_avx2(long iters)
{
    const __m256 m = _mm256_set1_ps(0.9999f), c = _mm256_set1_ps(1e-4f);
    __m256 a0 = _mm256_set1_ps(0.00f), a1 = _mm256_set1_ps(0.01f), a2 = _mm256_set1_ps(0.02f),
           a3 = _mm256_set1_ps(0.03f), a4 = _mm256_set1_ps(0.04f), a5 = _mm256_set1_ps(0.05f),
           a6 = _mm256_set1_ps(0.06f), a7 = _mm256_set1_ps(0.07f), a8 = _mm256_set1_ps(0.08f),
           a9 = _mm256_set1_ps(0.09f), a10 = _mm256_set1_ps(0.10f), a11 = _mm256_set1_ps(0.11f);
    float out[8];
    long i;
    for (i = 0; i < iters; ++i) {
        PEAK_STEP12(_mm256_fmadd_ps);
    }
    a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                       _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    a0 = _mm256_add_ps(a0, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    _mm256_storeu_ps(out, a0);
    peak_sink = out[0] + out[7];
}
#endif

/* Without vector FMA: a multiply and an add, counted as one FMA. */
#define PEAK_MADD(a, m, c) ((a) * (m) + (c))
static void peak_scalar(long iters)
{
    const float m = 0.9999f, c = 1e-4f;
    /* distinct starting values: equal chains would be merged by the optimizer */
    float a0 = 0.00f, a1 = 0.01f, a2 = 0.02f, a3 = 0.03f, a4 = 0.04f, a5 = 0.05f, a6 = 0.06f,
          a7 = 0.07f, a8 = 0.08f, a9 = 0.09f, a10 = 0.10f, a11 = 0.11f;
    long i;
    for (i = 0; i < iters; ++i) {
        PEAK_STEP12(PEAK_MADD);
    }
    peak_sink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
}

/* ---- the clock --------------------------------------------------------- */

/* Seconds for n iterations of 64 dependent integer adds: 64·n cycles.
 * The added 1 is a register, not an immediate: Intel's Golden Cove and
 * later cores fold chains of adds of an immediate at renaming, several a
 * cycle (such a chain read 22.7 GHz on an AVX-512 Xeon whose adds of a
 * register read 4.0, as a chain of multiplies, 3 cycles each, does). */
static double peak_add_chain(long n)
{
#ifdef PEAK_X86
    long x = 0, one = 1;
    double t0 = peak_now();
    __asm__ __volatile__("1:\n\t"
                         ".rept 64\n\t"
                         "addq %2, %0\n\t"
                         ".endr\n\t"
                         "subq $1, %1\n\t"
                         "jnz 1b"
                         : "+r"(x), "+r"(n) : "r"(one) : "cc");
    peak_sink = (float)x;
    return peak_now() - t0;
#else
    (void)n;
    return 0.0;
#endif
}

static int peak_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double peak_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, peak_cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The core clock in GHz, median of `runs` short measurements (0 where the
 * add chain is not available). */
static double peak_ghz(int runs)
{
    double v[64], s;
    long n = 1 << 14;
    int k;
    if (peak_add_chain(1) == 0.0 && peak_add_chain(1) == 0.0)
        return 0.0;
    while ((s = peak_add_chain(n)) < 0.005 && n < (1L << 40))
        n *= 2;
    if (runs > 64)
        runs = 64;
    for (k = 0; k < runs; ++k)
        v[k] = 64.0 * (double)n / peak_add_chain(n) * 1e-9;
    return peak_median(v, runs);
}

/* ---- measuring one variant --------------------------------------------- */

/* Vector FMA instructions per second of loop: median of `runs` runs of
 * about `seconds`; *spread = (max - min) / median. */
static double peak_rate(void (*loop)(long), int runs, double seconds, double *spread)
{
    double v[64], t, lo, hi, med;
    long iters = 1 << 12;
    int k;
    loop(iters);                        /* warm up: caches, clock ramp */
    while ((t = peak_now(), loop(iters), peak_now() - t) < 0.01 && iters < (1L << 40))
        iters *= 2;
    t = peak_now();
    loop(iters);
    t = peak_now() - t;
    if (t > 0)
        iters = (long)((double)iters * seconds / t) + 1;
    if (runs > 64)
        runs = 64;
    for (k = 0; k < runs; ++k) {
        t = peak_now();
        loop(iters);
        t = peak_now() - t;
        v[k] = (double)iters * PEAK_ACC / (t > 0 ? t : 1e-9);
    }
    lo = hi = v[0];
    for (k = 1; k < runs; ++k) {
        if (v[k] < lo) lo = v[k];
        if (v[k] > hi) hi = v[k];
    }
    med = peak_median(v, runs);
    *spread = med > 0 ? (hi - lo) / med : 0.0;
    return med;
}

/* See peak.h. */
void peak_measure(peak_result *r, int runs, double seconds)
{
    double rate, spread;
    memset(r, 0, sizeof *r);
    if (runs < 1)
        runs = 1;
    r->runs = runs;
    r->accumulators = PEAK_ACC;
    r->ghz = peak_ghz(runs);
    r->isa = "scalar";
    r->lanes = 1;
    rate = peak_rate(peak_scalar, runs, seconds, &spread);
    r->gflops = rate * 2.0 * 1e-9;
    r->spread = spread;
#ifdef PEAK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        rate = peak_rate(peak_avx2, runs, seconds, &spread);
        r->gflops_avx2 = rate * 8 * 2.0 * 1e-9;
        if (r->gflops_avx2 > r->gflops) {
            r->gflops = r->gflops_avx2;
            r->isa = "avx2+fma";
            r->lanes = 8;
            r->spread = spread;
        }
    }
    if (__builtin_cpu_supports("avx512f")) {
        double g;
        rate = peak_rate(peak_avx512, runs, seconds, &spread);
        g = rate * 16 * 2.0 * 1e-9;
        r->gflops_avx512 = g;
        if (g > r->gflops) {
            r->gflops = g;
            r->isa = "avx512f";
            r->lanes = 16;
            r->spread = spread;
        }
    }
#endif
    if (r->ghz > 0)
        r->fma_per_cycle = r->gflops / (2.0 * r->lanes) / r->ghz;
}
