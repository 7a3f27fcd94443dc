/*
 * momentum.c -- the momentum update (equations in momentum.h).
 */
#include "momentum.h"

/* See momentum.h.  One pass: each v and w read and written once. */
void momentum_update(float *w, float *v, const float *g, size_t lo, size_t hi,
                     float mu, float eta, float wd)
{
    size_t i;
    if (wd != 0.0f)
        for (i = lo; i < hi; ++i) {
            float vi = mu * v[i] - eta * (g[i] + wd * w[i]);    /* v ← μv − η(g + λ/n·w) */
            v[i] = vi;
            w[i] += vi;                                         /* w ← w + v */
        }
    else
        for (i = lo; i < hi; ++i) {
            float vi = mu * v[i] - eta * g[i];                  /* v ← μv − ηg */
            v[i] = vi;
            w[i] += vi;
        }
}
