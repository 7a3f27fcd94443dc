/*
 * peak.h -- the machine's own FP32 FMA peak, measured by a small loop, as
 * the yardstick of `cnngen bench` (every throughput is reported as a
 * fraction of it).
 *
 * How (peak.c): a loop of independent fused multiply-adds on the widest
 * vectors the CPU has (AVX-512, else AVX2+FMA, else scalar), with enough
 * accumulators that the FMA units, not their latency, are the limit; the
 * rate is FMA instructions per second times lanes times 2 flops.  The
 * core clock comes from a chain of dependent integer adds of a register
 * (one cycle each on every x86 core), which turns the rate into FMAs per
 * cycle.
 */
#ifndef CNNGEN_PEAK_H
#define CNNGEN_PEAK_H

typedef struct peak_result {
    double gflops;              /* FP32 GFLOPS of one core, the best variant */
    const char *isa;            /* its instruction set: "avx512f", "avx2+fma", "scalar" */
    int lanes;                  /* floats per FMA instruction */
    int accumulators;           /* independent FMA chains in the loop */
    double ghz;                 /* the core clock measured alongside (0: unknown) */
    double fma_per_cycle;       /* vector FMA instructions per cycle (0: unknown) */
    double gflops_avx2;         /* the AVX2+FMA variant alone (0: not run) */
    double gflops_avx512;       /* the AVX-512 variant alone (0: not run) */
    double spread;              /* (max - min) / median of the runs of the best variant */
    int runs;
} peak_result;

/* Measure: `runs` runs of about `seconds` each per variant; the figures
 * are medians.  Always succeeds (the scalar loop needs nothing). */
void peak_measure(peak_result *r, int runs, double seconds);

#endif
