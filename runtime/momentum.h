/*
 * momentum.h -- momentum-based gradient descent (Nielsen, chapter 3), the
 * update the training loop applies instead of the generated train_batch's
 * when a run sets train{ momentum = μ } with μ > 0 (train.h:
 * train_momentum).  Each parameter w has a velocity v, 0 at the start:
 *
 *     v ← μ·v − η·(g + (λ/n)·w)      a weight (the L2 term, as train_batch's)
 *     v ← μ·v − η·g                  a bias (no decay)
 *     w ← w + v
 *
 * g is the mini-batch's mean gradient ∂C/∂w (loss_grad's), λ the l2, n the
 * size of the training set.  μ = 0 is Nielsen's plain update,
 * w ← (1 − ηλ/n)·w − η·g, up to float rounding; the runner does not come
 * here then, so its results stay train_batch's, bit for bit.
 */
#ifndef CNNGEN_MOMENTUM_H
#define CNNGEN_MOMENTUM_H

#include <stddef.h>

/* The update above on w[lo, hi), v[lo, hi) with gradient g[lo, hi);
 * wd = λ/n for weights, 0 for biases. */
void momentum_update(float *restrict w, float *restrict v, const float *restrict g, size_t lo, size_t hi,
                     float mu, float eta, float wd);

#endif
