/*
 * test_sgd.c -- the generated training API, against docs/design.md's contract:
 *
 *   train_batch  = loss_grad, then Nielsen's update
 *                  w ← (1 − η·l2/n_train)·w − η·∂C/∂w,   b ← b − η·∂C/∂b
 *                  (∂C/∂p the batch mean), returning loss_grad's cost;
 *                  l2 = 0 or n_train = 0: no decay; n = 0: nothing changes
 *   loss_grad    the MEAN cost over n samples and its gradient
 *   init         deterministic per seed; weights N(0, 1/fan_in)
 *                (N(0, 2/fan_in) in relu layers), biases N(0, 1) in sigmoid
 *                and softmax layers, 0 elsewhere
 *   predict      argmax of forward (the first on ties)
 *
 * The weight and bias ranges of the flat parameter vector are computed here
 * from the ref_net (per layer the weights, then the biases). Nets are built
 * in-process with tcc, in double and in float.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "netcheck.h"
#include "tol.h"

/* ---- parameter layout ---------------------------------------------------- */

typedef struct range {
    size_t woff, wlen, boff, blen;   /* weights [woff, woff+wlen), biases [boff, boff+blen) */
    size_t fan_in;
    int kind, act;
} range;

/* Ranges of every layer with parameters; returns how many. */
static int layout(const ref_net *net, range *r)
{
    int c = net->c, h = net->h, w = net->w, l, n = 0;
    size_t off = 0;
    for (l = 0; l < net->n_layers; ++l) {
        const ref_layer *L = &net->layer[l];
        if (L->kind == REF_MAXPOOL) {
            h = (h - L->kh) / L->sh + 1;
            w = (w - L->kw) / L->sw + 1;
            continue;
        }
        r[n].kind = L->kind;
        r[n].act = L->act;
        if (L->kind == REF_CONV) {
            r[n].fan_in = (size_t)c * L->kh * L->kw;
            r[n].wlen = (size_t)L->maps * r[n].fan_in;
            r[n].blen = (size_t)L->maps;
            h = (h + 2 * L->pad - L->kh) / L->sh + 1;
            w = (w + 2 * L->pad - L->kw) / L->sw + 1;
            c = L->maps;
        } else {
            r[n].fan_in = (size_t)c * h * w;
            r[n].wlen = (size_t)L->units * r[n].fan_in;
            r[n].blen = (size_t)L->units;
            c = L->units, h = 1, w = 1;
        }
        r[n].woff = off;
        r[n].boff = off + r[n].wlen;
        off += r[n].wlen + r[n].blen;
        ++n;
    }
    cr_assert_eq(off, ref_param_count(net), "layout: %zu params, ref.c counts %zu", off, ref_param_count(net));
    return n;
}

/* ---- a built net, driven in double whatever its precision ----------------- */

typedef struct tnet {
    ref_net ref;
    net_api api;
    int dbl;
    size_t np, nin, nout;
    void *work;
    float *fp, *fg, *fx, *fy;    /* float staging buffers */
} tnet;

static void tnet_build(tnet *t, const ref_net *net, int dbl)
{
    char src[8192], err[1024];
    memset(t, 0, sizeof *t);
    t->ref = *net;
    t->dbl = dbl;
    ref_lua(net, "sgdnet", src, sizeof src);
    cr_assert_eq(tb_build(src, dbl ? "double" : "float", "kernel", "tcc", NULL, &t->api, err, sizeof err), 0,
                 "build failed: %s\n%s", err, src);
    t->np = ref_param_count(net);
    t->nin = ref_in_size(net);
    t->nout = ref_out_size(net);
    cr_assert_eq(t->api.param_count, t->np);
    t->work = malloc(t->api.work_size);
    t->fp = malloc(t->np * sizeof *t->fp);
    t->fg = malloc(t->np * sizeof *t->fg);
    t->fx = malloc(t->nin * 64 * sizeof *t->fx);
    t->fy = malloc(t->nout * sizeof *t->fy);
}

static void tnet_free(tnet *t)
{
    jit_release(&t->api);
    free(t->work); free(t->fp); free(t->fg); free(t->fx); free(t->fy);
}

static void to_f(float *d, const double *s, size_t n) { size_t k; for (k = 0; k < n; ++k) d[k] = (float)s[k]; }
static void to_d(double *d, const float *s, size_t n) { size_t k; for (k = 0; k < n; ++k) d[k] = s[k]; }

static void t_init(tnet *t, double *p, unsigned long long seed)
{
    if (t->dbl) { t->api.init.d(p, seed); return; }
    t->api.init.f(t->fp, seed);
    to_d(p, t->fp, t->np);
}

static double t_loss_grad(tnet *t, const double *p, const double *x, const int *labels, int n, double *g)
{
    float c;
    if (t->dbl) return t->api.loss_grad.d(p, t->work, x, labels, n, g);
    cr_assert(n <= 64);
    to_f(t->fp, p, t->np);
    to_f(t->fx, x, t->nin * (size_t)n);
    c = t->api.loss_grad.f(t->fp, t->work, t->fx, labels, n, t->fg);
    to_d(g, t->fg, t->np);
    return c;
}

static double t_train(tnet *t, double *p, double *g, const double *x, const int *labels, int n,
                      double eta, double l2, int n_train)
{
    float c;
    if (t->dbl) return t->api.train_batch.d(p, g, t->work, x, labels, n, eta, l2, n_train);
    cr_assert(n <= 64);
    to_f(t->fp, p, t->np);
    to_f(t->fg, g, t->np);
    to_f(t->fx, x, t->nin * (size_t)n);
    c = t->api.train_batch.f(t->fp, t->fg, t->work, t->fx, labels, n, (float)eta, (float)l2, n_train);
    to_d(p, t->fp, t->np);
    to_d(g, t->fg, t->np);
    return c;
}

static void t_forward(tnet *t, const double *p, const double *x, double *y)
{
    if (t->dbl) { t->api.forward.d(p, t->work, x, y); return; }
    to_f(t->fp, p, t->np);
    to_f(t->fx, x, t->nin);
    t->api.forward.f(t->fp, t->work, t->fx, t->fy);
    to_d(y, t->fy, t->nout);
}

static int t_predict(tnet *t, const double *p, const double *x)
{
    if (t->dbl) return t->api.predict.d(p, t->work, x);
    to_f(t->fp, p, t->np);
    to_f(t->fx, x, t->nin);
    return t->api.predict.f(t->fp, t->work, t->fx);
}

/* n random samples; in float builds rounded to float so that both sides of a
 * comparison see the same inputs. */
static double *t_batch(tnet *t, unsigned long long seed, int n, int *labels)
{
    double *x = malloc(t->nin * (size_t)(n ? n : 1) * sizeof *x);
    size_t k;
    nc_random_batch(seed, x, t->nin, labels, n, (int)t->nout);
    if (!t->dbl)
        for (k = 0; k < t->nin * (size_t)n; ++k) x[k] = (float)x[k];
    return x;
}

/* The small net most tests use: every layer kind, biases with and without
 * decay in conv and dense layers (221 parameters). */
static ref_net small_net(void)
{
    ref_net n = ref_net_make(2, 6, 6, REF_LOGLIK);
    ref_add_conv(&n, 3, 3, 3, 1, 1, 1, REF_TANH);
    ref_add_pool(&n, 2, 2, 2, 2);
    ref_add_dense(&n, 5, REF_SIGMOID);
    ref_add_dense(&n, 4, REF_SOFTMAX);
    return n;
}

static const char *prec(int dbl) { return dbl ? "double" : "float"; }

/* ---- train_batch ------------------------------------------------------------ */

/* Runs train_batch(p0, eta, l2, n_train) on n samples and compares it with
 * loss_grad on a copy followed by the update written out here. */
static void check_step(int dbl, int n, double eta, double l2, int n_train, const char *what)
{
    ref_net net = small_net();
    tnet t;
    range r[REF_MAX_LAYERS];
    int nr, i, labels[64];
    double *p, *q, *g, *gq, *want, *x, cost, cost_lg;
    size_t k;
    char msg[512];
    /* float: the generated code computes in float; mirror it in float */
    double rtol = dbl ? 1e-14 : 3e-7, atol = dbl ? 1e-15 : 1e-7;

    tnet_build(&t, &net, dbl);
    nr = layout(&net, r);
    p = malloc(t.np * sizeof *p); q = malloc(t.np * sizeof *q);
    g = malloc(t.np * sizeof *g); gq = malloc(t.np * sizeof *gq);
    want = malloc(t.np * sizeof *want);
    x = t_batch(&t, 11, n, labels);
    t_init(&t, p, 3);
    memcpy(q, p, t.np * sizeof *p);
    for (k = 0; k < t.np; ++k) g[k] = 12345.0;      /* scratch: train_batch must not read it */

    cost_lg = t_loss_grad(&t, q, x, labels, n, gq);
    if (dbl) {
        double decay = n_train > 0 ? 1.0 - eta * l2 / n_train : 1.0;
        for (i = 0; i < nr; ++i) {
            for (k = r[i].woff; k < r[i].woff + r[i].wlen; ++k) want[k] = decay * q[k] - eta * gq[k];
            for (k = r[i].boff; k < r[i].boff + r[i].blen; ++k) want[k] = q[k] - eta * gq[k];
        }
    } else {
        float fe = (float)eta, decay = n_train > 0 ? 1.0f - fe * (float)l2 / (float)n_train : 1.0f;
        for (i = 0; i < nr; ++i) {
            for (k = r[i].woff; k < r[i].woff + r[i].wlen; ++k) want[k] = decay * (float)q[k] - fe * (float)gq[k];
            for (k = r[i].boff; k < r[i].boff + r[i].blen; ++k) want[k] = (float)q[k] - fe * (float)gq[k];
        }
    }
    if (n == 0) {
        /* an empty batch: nothing to learn from, nothing changes */
        for (k = 0; k < t.np; ++k) want[k] = q[k];
    }

    cost = t_train(&t, p, g, x, labels, n, eta, l2, n_train);
    cr_assert(tol_compare(p, want, t.np, rtol, atol, msg, sizeof msg) == 0,
              "%s (%s, n %d, eta %g, l2 %g, n_train %d): params after train_batch vs loss_grad + update: %s",
              what, prec(dbl), n, eta, l2, n_train, msg);
    cr_assert(cost == cost_lg, "%s (%s): train_batch returned %.17g, loss_grad %.17g",
              what, prec(dbl), cost, cost_lg);
    if (n == 0) {
        cr_assert(cost == 0.0, "%s (%s): empty batch cost %.17g", what, prec(dbl), cost);
        for (k = 0; k < t.np; ++k)
            cr_assert(g[k] == 0.0, "%s (%s): empty batch left grad[%zu] = %g", what, prec(dbl), k, g[k]);
    }
    free(p); free(q); free(g); free(gq); free(want); free(x);
    tnet_free(&t);
}

Test(sgd, train_batch_is_loss_grad_then_nielsen_update, .timeout = 30)
{
    int dbl;
    for (dbl = 1; dbl >= 0; --dbl) {
        check_step(dbl, 4, 0.5, 5.0, 50, "decay 0.95");
        check_step(dbl, 7, 0.1, 0.1, 60000, "Nielsen's numbers");
        check_step(dbl, 1, 2.0, 1.0, 10, "one sample, decay 0.8");
    }
}

Test(sgd, zero_l2_is_a_plain_gradient_step, .timeout = 30)
{
    check_step(1, 5, 0.3, 0.0, 100, "l2 = 0");
    check_step(0, 5, 0.3, 0.0, 100, "l2 = 0");
}

Test(sgd, zero_n_train_means_no_decay, .timeout = 30)
{
    check_step(1, 3, 0.3, 5.0, 0, "n_train = 0");
    check_step(0, 3, 0.3, 5.0, 0, "n_train = 0");
}

Test(sgd, empty_batch_changes_nothing_and_returns_zero, .timeout = 30)
{
    check_step(1, 0, 0.3, 0.0, 100, "n = 0, l2 = 0");
    check_step(0, 0, 0.3, 0.0, 100, "n = 0, l2 = 0");
}

/* n = 0 with L2 on: (η/n)·Σ has no samples to average; the step must not
 * shrink the weights either ("n = 0 leaves params unchanged").
 *
 * GENERATOR BUG (found by this test; fails while it exists): templates/sgd.c.tpl
 * computes decay = 1 − η·l2/n_train whenever n_train > 0 and applies it to
 * every weight even when n == 0, so an empty batch shrinks the weights by
 * (1 − η·l2/n_train). Reproducer: any net, init, then
 * train_batch(p, g, w, x, labels, 0, 0.5, 5.0, 50) -- every weight is
 * multiplied by 0.95, biases are unchanged, the return value is 0. Fix: treat
 * n <= 0 as a no-op (return 0 after zeroing grad), or decay only when n > 0. */
#define EMPTY_L2_BUG "[generator bug: train_batch decays the weights on an empty batch, templates/sgd.c.tpl]"
Test(sgd, empty_batch_with_l2_changes_nothing, .timeout = 30)
{
    check_step(1, 0, 0.5, 5.0, 50, "n = 0, l2 = 5, n_train = 50 " EMPTY_L2_BUG);
    check_step(0, 0, 0.5, 5.0, 50, "n = 0, l2 = 5, n_train = 50 " EMPTY_L2_BUG);
}

/* ---- loss_grad -------------------------------------------------------------- */

/* The cost and gradient of n copies of one sample equal those of the sample
 * alone (a mean, not a sum); and the cost of a mixed batch is the mean of
 * the samples' costs. */
Test(sgd, loss_grad_is_the_mean_over_samples, .timeout = 30)
{
    ref_net net = small_net();
    int dbl, i, labels[8], one[1], rep[8];
    char msg[512];
    for (dbl = 1; dbl >= 0; --dbl) {
        tnet t;
        double *p, *g1, *gn, *x, *xr, c1, cn, sum = 0.0, rtol = dbl ? 1e-12 : 2e-5;
        tnet_build(&t, &net, dbl);
        p = malloc(t.np * sizeof *p);
        g1 = malloc(t.np * sizeof *g1);
        gn = malloc(t.np * sizeof *gn);
        xr = malloc(8 * t.nin * sizeof *xr);
        x = t_batch(&t, 5, 8, labels);
        t_init(&t, p, 9);
        one[0] = labels[2];
        for (i = 0; i < 8; ++i) {
            memcpy(xr + (size_t)i * t.nin, x + 2 * t.nin, t.nin * sizeof *x);
            rep[i] = one[0];
        }
        c1 = t_loss_grad(&t, p, x + 2 * t.nin, one, 1, g1);
        cn = t_loss_grad(&t, p, xr, rep, 8, gn);
        cr_assert(tol_close(cn, c1, rtol, 0), "%s: cost of 8 copies %.17g, of one %.17g", prec(dbl), cn, c1);
        cr_assert(tol_compare(gn, g1, t.np, rtol, dbl ? 1e-15 : 1e-7, msg, sizeof msg) == 0,
                  "%s: gradient of 8 copies vs one: %s", prec(dbl), msg);
        for (i = 0; i < 8; ++i) sum += t_loss_grad(&t, p, x + (size_t)i * t.nin, labels + i, 1, g1);
        cn = t_loss_grad(&t, p, x, labels, 8, gn);
        cr_assert(tol_close(cn, sum / 8, rtol, 0), "%s: batch cost %.17g, mean of the samples' %.17g",
                  prec(dbl), cn, sum / 8);
        if (dbl) {
            double cref = ref_cost(&net, p, x, labels, 8);
            cr_assert(tol_close(cn, cref, 1e-11, 0), "double: batch cost %.17g, reference %.17g", cn, cref);
        }
        free(p); free(g1); free(gn); free(x); free(xr);
        tnet_free(&t);
    }
}

/* ---- init ------------------------------------------------------------------- */

Test(sgd, init_is_deterministic_per_seed_and_differs_across_seeds, .timeout = 30)
{
    ref_net net = small_net();
    int dbl;
    for (dbl = 1; dbl >= 0; --dbl) {
        tnet t, u;
        double *a, *b, *c;
        size_t k, same = 0;
        tnet_build(&t, &net, dbl);
        tnet_build(&u, &net, dbl);            /* a second, separate build */
        a = malloc(t.np * sizeof *a); b = malloc(t.np * sizeof *b); c = malloc(t.np * sizeof *c);
        t_init(&t, a, 42);
        t_init(&u, b, 42);
        cr_assert(memcmp(a, b, t.np * sizeof *a) == 0, "%s: init(42) differs between two builds", prec(dbl));
        t_init(&t, b, 42);
        cr_assert(memcmp(a, b, t.np * sizeof *a) == 0, "%s: init(42) differs between two calls", prec(dbl));
        t_init(&t, c, 43);
        for (k = 0; k < t.np; ++k) same += a[k] == c[k] && a[k] != 0.0;
        cr_assert(same == 0, "%s: init(42) and init(43) share %zu nonzero parameters", prec(dbl), same);
        t_init(&t, c, 0);
        t_init(&t, b, 1ULL << 63);
        cr_assert(memcmp(a, c, t.np * sizeof *a) != 0 && memcmp(b, c, t.np * sizeof *a) != 0,
                  "%s: seeds 0, 42 and 2^63 do not give three different draws", prec(dbl));
        for (k = 0; k < t.np; ++k) cr_assert(isfinite(a[k]), "%s: init gave param %zu = %g", prec(dbl), k, a[k]);
        free(a); free(b); free(c);
        tnet_free(&t);
        tnet_free(&u);
    }
}

/* Mean, variance and the share within one standard deviation (0.6827 for a
 * normal; 0.577 for a uniform of the same variance) of v[0..n) against
 * N(0, var), each within 6 standard errors. */
static void check_normal(const double *v, size_t n, double var, const char *what)
{
    double mean = 0.0, s2 = 0.0, sd = sqrt(var), within = 0.0;
    size_t k;
    for (k = 0; k < n; ++k) mean += v[k];
    mean /= (double)n;
    for (k = 0; k < n; ++k) {
        s2 += v[k] * v[k];
        within += fabs(v[k]) < sd;
    }
    s2 /= (double)n;
    within /= (double)n;
    cr_assert(fabs(mean) <= 6 * sqrt(var / (double)n), "%s: mean %g of %zu values, expected 0 ± %g",
              what, mean, n, 6 * sqrt(var / (double)n));
    cr_assert(fabs(s2 / var - 1) <= 6 * sqrt(2.0 / (double)n), "%s: variance %g of %zu values, expected %g (± %.1f%%)",
              what, s2, n, var, 600 * sqrt(2.0 / (double)n));
    cr_assert(fabs(within - 0.6827) <= 6 * sqrt(0.2166 / (double)n),
              "%s: %.4f of %zu values within one sd, expected 0.6827 for a normal", what, within, n);
}

/* Weights N(0, 1/fan_in) (He's N(0, 2/fan_in) in relu layers), biases N(0, 1)
 * in sigmoid and softmax layers and exactly 0 in the others, on a net big
 * enough for the statistics (about 160,000 parameters), in both precisions. */
Test(sgd, init_has_the_documented_spread, .timeout = 30)
{
    ref_net net = ref_net_make(3, 12, 12, REF_LOGLIK);
    range r[REF_MAX_LAYERS];
    int nr, i, dbl;
    unsigned long long seed;
    ref_add_conv(&net, 16, 5, 5, 1, 1, 0, REF_RELU);      /* fan-in 75, 1200 w, b = 0 */
    ref_add_conv(&net, 8, 3, 3, 1, 1, 0, REF_SIGMOID);    /* fan-in 144, 1152 w, 8 b ~ N(0,1) */
    ref_add_dense(&net, 400, REF_SIGMOID);                 /* fan-in 288, 115200 w, 400 b ~ N(0,1) */
    ref_add_dense(&net, 100, REF_TANH);                    /* fan-in 400, 40000 w, b = 0 */
    ref_add_dense(&net, 60, REF_RELU);                     /* fan-in 100, 6000 w, b = 0 */
    ref_add_dense(&net, 30, REF_LINEAR);                   /* fan-in 60, 1800 w, b = 0 */
    ref_add_dense(&net, 10, REF_SOFTMAX);                  /* fan-in 30, 300 w, 10 b ~ N(0,1) */
    nr = layout(&net, r);
    for (dbl = 1; dbl >= 0; --dbl) {
        tnet t;
        double *p, *nb;
        tnet_build(&t, &net, dbl);
        p = malloc(t.np * sizeof *p);
        nb = malloc(t.np * sizeof *nb);
        for (seed = 1; seed <= 2; ++seed) {
            size_t k, m = 0;
            t_init(&t, p, seed);
            for (i = 0; i < nr; ++i) {
                char what[128];
                double var = (r[i].act == REF_RELU ? 2.0 : 1.0) / (double)r[i].fan_in;
                snprintf(what, sizeof what, "%s seed %llu, layer with params #%d (%s, fan-in %zu): weights",
                         prec(dbl), seed, i + 1, r[i].kind == REF_CONV ? "conv" : "dense", r[i].fan_in);
                check_normal(p + r[i].woff, r[i].wlen, var, what);
                if (r[i].act == REF_SIGMOID || r[i].act == REF_SOFTMAX) {
                    for (k = 0; k < r[i].blen; ++k) nb[m++] = p[r[i].boff + k];
                } else {
                    for (k = 0; k < r[i].blen; ++k)
                        cr_assert(p[r[i].boff + k] == 0.0, "%s seed %llu: bias %zu of a %s layer is %g, expected 0",
                                  prec(dbl), seed, k, r[i].act == REF_RELU ? "relu" : r[i].act == REF_TANH
                                  ? "tanh" : "linear", p[r[i].boff + k]);
                }
            }
            check_normal(nb, m, 1.0, dbl ? "double: sigmoid and softmax biases" : "float: sigmoid and softmax biases");
        }
        free(p);
        free(nb);
        tnet_free(&t);
    }
}

/* ---- predict ---------------------------------------------------------------- */

Test(sgd, predict_is_argmax_of_forward, .timeout = 30)
{
    ref_net net = small_net();
    range r[REF_MAX_LAYERS];
    int dbl, nr = layout(&net, r);
    for (dbl = 1; dbl >= 0; --dbl) {
        tnet t;
        double *p, *x, y[16];
        int labels[40], s, j, best, got;
        size_t k;
        tnet_build(&t, &net, dbl);
        p = malloc(t.np * sizeof *p);
        x = t_batch(&t, 77, 40, labels);
        t_init(&t, p, 5);
        for (s = 0; s < 40; ++s) {
            t_forward(&t, p, x + (size_t)s * t.nin, y);
            for (best = 0, j = 1; j < (int)t.nout; ++j) if (y[j] > y[best]) best = j;
            got = t_predict(&t, p, x + (size_t)s * t.nin);
            cr_assert_eq(got, best, "%s sample %d: predict %d, argmax of forward %d", prec(dbl), s, got, best);
        }
        /* ties: a last layer of zeros gives equal outputs; the first wins */
        for (k = r[nr - 1].woff; k < t.np; ++k) p[k] = 0.0;
        got = t_predict(&t, p, x);
        cr_assert_eq(got, 0, "%s: all outputs equal, predict %d, expected the first (0)", prec(dbl), got);
        t_forward(&t, p, x, y);
        for (j = 0; j < (int)t.nout; ++j) cr_assert(y[j] == y[0], "%s: outputs not equal on a zero layer", prec(dbl));
        free(p); free(x);
        tnet_free(&t);
    }
}
