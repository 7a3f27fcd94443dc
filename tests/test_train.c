/*
 * test_train.c -- the generated code learns: some hundreds of SGD steps
 * (train_batch, float, built with tcc) on a synthetic task made here reach
 * high accuracy on held-out samples, and the cost goes down, for each cost
 * function.
 *
 * The task: 8x8 images of four classes, each drawn at a random position on
 * a noisy background:
 *   0  a horizontal bar (one row, 5-8 pixels long)
 *   1  a vertical bar
 *   2  a diagonal (top-left to bottom-right, 5-8 pixels)
 *   3  a blob (a filled 2x2 or 3x3 square)
 * Everything is seeded; a run is deterministic.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "ref.h"

#define SIDE 8
#define NPIX (SIDE * SIDE)
#define NCLASS 4

typedef struct rng { unsigned long long s; } rng;

static unsigned long long rng_next(rng *r)
{
    unsigned long long z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform(rng *r) { return (double)(rng_next(r) >> 11) / 9007199254740992.0; }
static int pick(rng *r, int lo, int hi) { return lo + (int)(rng_next(r) % (unsigned long long)(hi - lo + 1)); }

/* One image of class cls into x[NPIX]: background noise in [0, 0.3),
 * shape pixels 0.7-1.0. */
static void draw(rng *r, int cls, float *x)
{
    int k, len, y0, x0, i, j, s;
    for (k = 0; k < NPIX; ++k) x[k] = (float)(0.3 * uniform(r));
#define ON(yy, xx) (x[(yy) * SIDE + (xx)] = (float)(0.7 + 0.3 * uniform(r)))
    switch (cls) {
    case 0:
        len = pick(r, 5, 8), y0 = pick(r, 0, SIDE - 1), x0 = pick(r, 0, SIDE - len);
        for (i = 0; i < len; ++i) ON(y0, x0 + i);
        break;
    case 1:
        len = pick(r, 5, 8), x0 = pick(r, 0, SIDE - 1), y0 = pick(r, 0, SIDE - len);
        for (i = 0; i < len; ++i) ON(y0 + i, x0);
        break;
    case 2:
        len = pick(r, 5, 8), y0 = pick(r, 0, SIDE - len), x0 = pick(r, 0, SIDE - len);
        for (i = 0; i < len; ++i) ON(y0 + i, x0 + i);
        break;
    default:
        s = pick(r, 2, 3), y0 = pick(r, 0, SIDE - s), x0 = pick(r, 0, SIDE - s);
        for (i = 0; i < s; ++i)
            for (j = 0; j < s; ++j) ON(y0 + i, x0 + j);
        break;
    }
#undef ON
}

/* n samples with random classes. */
static void make_set(unsigned long long seed, int n, float *x, int *labels)
{
    rng r;
    int s;
    r.s = seed;
    for (s = 0; s < n; ++s) {
        labels[s] = pick(&r, 0, NCLASS - 1);
        draw(&r, labels[s], x + (size_t)s * NPIX);
    }
}

/* conv 4@3x3 relu, maxpool 2, dense 4 with the output activation for cost. */
static ref_net task_net(int cost, int out_act)
{
    ref_net n = ref_net_make(1, SIDE, SIDE, cost);
    ref_add_conv(&n, 4, 3, 3, 1, 1, 0, REF_RELU);
    ref_add_pool(&n, 2, 2, 2, 2);
    ref_add_dense(&n, NCLASS, out_act);
    return n;
}

#define NTRAIN 2000
#define NTEST 1000
#define BATCH 10

/* Trains net from init(seed) for `steps` steps of train_batch (float, tcc)
 * through a fixed training set (in order, epoch after epoch), asserts that
 * the cost went down, and returns the accuracy on a held-out set. *wsq
 * (when not NULL): the sum of the squared weights at the end (no biases). */
static double train_once(const ref_net *net, const char *what, int steps, float eta, float l2,
                         unsigned long long seed, double *wsq)
{
    char src[4096], err[1024];
    net_api api;
    float *p, *g, *xtr, *xte;
    int *ltr, *lte, s, right = 0;
    void *work;
    double first = 0.0, last = 0.0, acc;
    const int window = 20;

    ref_lua(net, "task", src, sizeof src);
    cr_assert_eq(tb_build(src, "float", "kernel", "tcc", NULL, &api, err, sizeof err), 0,
                 "%s: build failed: %s\n%s", what, err, src);
    p = malloc(api.param_count * sizeof *p);
    g = malloc(api.param_count * sizeof *g);
    xtr = malloc((size_t)NTRAIN * NPIX * sizeof *xtr);
    xte = malloc((size_t)NTEST * NPIX * sizeof *xte);
    ltr = malloc(NTRAIN * sizeof *ltr);
    lte = malloc(NTEST * sizeof *lte);
    work = malloc(api.work_size);
    make_set(1, NTRAIN, xtr, ltr);
    make_set(2, NTEST, xte, lte);                   /* held out: another stream */
    api.init.f(p, seed);

    for (s = 0; s < steps; ++s) {
        int b = (s * BATCH) % NTRAIN;
        float c = api.train_batch.f(p, g, work, xtr + (size_t)b * NPIX, ltr + b, BATCH, eta, l2, NTRAIN);
        cr_assert(isfinite(c), "%s: step %d: cost %g", what, s, c);
        if (s < window) first += c;
        if (s >= steps - window) last += c;
    }
    first /= window;
    last /= window;
    for (s = 0; s < NTEST; ++s) right += api.predict.f(p, work, xte + (size_t)s * NPIX) == lte[s];
    acc = (double)right / NTEST;
    cr_log_info("train %s, init seed %llu: %d steps, cost %.4f -> %.4f, held-out accuracy %.1f%%", what, seed,
                steps, first, last, 100 * acc);
    cr_assert(last < 0.5 * first, "%s, init seed %llu: mean batch cost %.4f over the first %d steps, %.4f over "
              "the last %d: did not halve", what, seed, first, window, last, window);
    if (wsq) {
        /* layer 1: 4·9 weights then 4 biases; layer 3: 4·36 weights then 4 biases */
        size_t k;
        *wsq = 0.0;
        for (k = 0; k < 36; ++k) *wsq += (double)p[k] * p[k];
        for (k = 40; k < 40 + 4 * 36; ++k) *wsq += (double)p[k] * p[k];
        cr_assert_eq(api.param_count, 40 + 4 * 36 + 4);
    }
    free(p); free(g); free(xtr); free(xte); free(ltr); free(lte); free(work);
    jit_release(&api);
    return acc;
}

/* The held-out accuracy, averaged over three initializations (a net of four
 * 3x3 maps depends on its draw: over 30 seeds single runs range from about
 * 93% to 100%, means are about 98%), must reach min_acc; no single run may
 * be far below it. wsq[3]: see train_once. */
#define NINIT 3
static void train_and_check(const ref_net *net, const char *what, int steps, float eta, float l2,
                            double min_acc, double *wsq)
{
    double acc[NINIT], mean = 0.0;
    int i;
    for (i = 0; i < NINIT; ++i) {
        acc[i] = train_once(net, what, steps, eta, l2, (unsigned long long)i + 1, wsq ? wsq + i : NULL);
        mean += acc[i] / NINIT;
    }
    for (i = 0; i < NINIT; ++i)
        cr_assert(acc[i] >= min_acc - 0.1, "%s, init seed %d: held-out accuracy %.1f%% after %d steps", what,
                  i + 1, 100 * acc[i], steps);
    cr_assert(mean >= min_acc, "%s: held-out accuracy %.1f%% (%.1f%%, %.1f%%, %.1f%% from three inits) after "
              "%d steps, expected >= %.0f%%", what, 100 * mean, 100 * acc[0], 100 * acc[1], 100 * acc[2], steps,
              100 * min_acc);
}

Test(train, loglik_softmax_net_reaches_95_percent, .timeout = 60)
{
    ref_net n = task_net(REF_LOGLIK, REF_SOFTMAX);
    train_and_check(&n, "log-likelihood/softmax", 600, 0.4f, 0.0f, 0.95, NULL);
}

Test(train, crossentropy_sigmoid_net_reaches_95_percent, .timeout = 60)
{
    ref_net n = task_net(REF_CROSSENTROPY, REF_SIGMOID);
    train_and_check(&n, "cross-entropy/sigmoid", 2000, 0.2f, 0.0f, 0.95, NULL);
}

/* The quadratic cost on a softmax output (on sigmoid outputs it learns
 * slowly, as Nielsen's chapter 3 explains: σ'(z) in δ^L; about 90% here). */
Test(train, quadratic_net_reaches_95_percent, .timeout = 60)
{
    ref_net n = task_net(REF_QUADRATIC, REF_SOFTMAX);
    train_and_check(&n, "quadratic/softmax", 800, 1.0f, 0.0f, 0.95, NULL);
}

/* L2 weight decay strong enough to matter (the weights shrink by a factor
 * 1 − η·λ/n = 0.9995 a step, 0.55 over the run) still learns, and ends
 * with smaller weights than the same runs without it. */
Test(train, l2_shrinks_the_weights_and_still_reaches_95_percent, .timeout = 60)
{
    ref_net n = task_net(REF_LOGLIK, REF_SOFTMAX);
    double plain[NINIT], decayed[NINIT];
    int i;
    train_and_check(&n, "log-likelihood/softmax", 1200, 0.2f, 0.0f, 0.95, plain);
    train_and_check(&n, "log-likelihood/softmax, l2 5", 1200, 0.2f, 5.0f, 0.95, decayed);
    for (i = 0; i < NINIT; ++i)
        cr_assert(decayed[i] < 0.8 * plain[i], "init seed %d: sum of squared weights %.4g with l2 = 5, %.4g without",
                  i + 1, decayed[i], plain[i]);
}
