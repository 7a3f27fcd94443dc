/*
 * momentum.c -- the momentum update (equations in momentum.h).
 */
#include "momentum.h"

/* The update of parameter i (wd = 0 for a bias). */
#define MOMENTUM_STEP(i)                                                    \
    do {                                                                    \
        float vi_ = mu * v[i] - eta * (g[i] + wd * w[i]); /* v ← μv − η(g + λ/n·w) */ \
        v[i] = vi_;                                                         \
        w[i] += vi_;                                        /* w ← w + v */ \
    } while (0)

/* See momentum.h.  Blocks of 8 with fixed-count inner loops, which gcc
 * -O2 turns into vector instructions (the loop alone stays scalar: it
 * neither knows that w, v, g do not overlap nor peels a remainder); the
 * restrict pointers promise that they do not. */
void momentum_update(float *restrict w, float *restrict v, const float *restrict g, size_t lo,
                     size_t hi, float mu, float eta, float wd)
{
    size_t i = lo, k;
    for (; i + 8 <= hi; i += 8) {
        float t[8];
        for (k = 0; k < 8; ++k)
            t[k] = mu * v[i + k] - eta * (g[i + k] + wd * w[i + k]);
        for (k = 0; k < 8; ++k)
            v[i + k] = t[k];
        for (k = 0; k < 8; ++k)
            w[i + k] += t[k];
    }
    for (; i < hi; ++i)
        MOMENTUM_STEP(i);
}
