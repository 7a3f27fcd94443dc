/*
 * test_step.c -- the fused SGD step of the loop form (--unroll none).
 *
 * For a mini-batch of one whole chunk (n = chunk, at most 10 floats),
 * train_batch runs <net>_train_chunk: the dense layers apply Nielsen's
 * update to their weights inside their backward, in one pass over w
 * (templates/dense_step_vectors.c.tpl, dense_team_vectors.c.tpl); other
 * batches, double code and larger chunks take the backward into g and
 * the update after it.  Each case here compares train_batch
 * with loss_grad on a copy of the parameters followed by the update
 * written out below, w ← (1 − η·λ/n_train)·w − η·g, b ← b − η·g:
 * the same sums, so they agree to the rounding of a fused multiply-add.
 * The cases cover both passes, a dense layer that reads the input (no
 * ∂C/∂a^0), conv layers below a fused one, dropout (the masks keyed as in
 * loss_grad) and a chunk of more than 10 samples.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "net_api.h"
#include "netcheck.h"
#include "fsutil.h"
#include "proc.h"
#include "tol.h"

/* dense layers alone; the first reads the input */
static const char *const DENSE_NET =
    "return network { name = 'stepd', input = { 1, 5, 7 },\n"
    "  layers = { dense { units = 19, act = 'sigmoid' }, dense { units = 13, act = 'relu' },\n"
    "             dense { units = 4, act = 'softmax' } },\n"
    "  cost = 'log-likelihood' }\n";

/* conv and pool below the fused dense layers, inputs not a multiple of 16 */
static const char *const CONV_NET =
    "return network { name = 'stepc', input = { 2, 9, 9 },\n"
    "  layers = { conv { maps = 3, kernel = 3, act = 'tanh' }, maxpool { size = 2 },\n"
    "             dense { units = 11, act = 'tanh' }, dense { units = 5, act = 'softmax' } },\n"
    "  cost = 'log-likelihood' }\n";

/* dropout between dense layers: the step must key its masks as loss_grad does */
static const char *const DROPOUT_NET =
    "return network { name = 'stepo', input = { 1, 6, 6 },\n"
    "  layers = { dense { units = 40, act = 'relu' }, dropout { p = 0.5 },\n"
    "             dense { units = 17, act = 'sigmoid' }, dense { units = 3, act = 'sigmoid' } },\n"
    "  cost = 'cross-entropy' }\n";

/* each layer's weight and bias counts, in the order of the parameter
 * vector (w then b, layer by layer), ending in { 0, 0 } */
static const int DENSE_SPANS[][2] = { { 35 * 19, 19 }, { 19 * 13, 13 }, { 13 * 4, 4 }, { 0, 0 } };
static const int CONV_SPANS[][2] = { { 3 * 2 * 9, 3 }, { 27 * 11, 11 }, { 11 * 5, 5 }, { 0, 0 } };
static const int DROPOUT_SPANS[][2] = { { 36 * 40, 40 }, { 40 * 17, 17 }, { 17 * 3, 3 }, { 0, 0 } };

typedef struct stepcase {
    const char *src, *what;
    const int (*spans)[2];
    int dbl, chunk;
} stepcase;

/* want = Nielsen's update of q by the mean gradient g: the weights
 * decayed, the biases not (a real's arithmetic done in double for double
 * nets; for float nets q, g and the factors are floats, and so is the
 * result, rounded as the generated code's float arithmetic rounds) */
static void update(const stepcase *c, size_t np, double decay, double eta, const double *q, const double *g,
                   double *want)
{
    size_t k, off = 0;
    int i;
    for (i = 0; c->spans[i][0] + c->spans[i][1] > 0; ++i) {
        for (k = off; k < off + (size_t)c->spans[i][0]; ++k)
            want[k] = c->dbl ? decay * q[k] - eta * g[k] : (double)((float)decay * (float)q[k] - (float)eta * (float)g[k]);
        off += (size_t)c->spans[i][0];
        for (k = off; k < off + (size_t)c->spans[i][1]; ++k)
            want[k] = c->dbl ? q[k] - eta * g[k] : (double)((float)q[k] - (float)eta * (float)g[k]);
        off += (size_t)c->spans[i][1];
    }
    cr_assert_eq(off, np, "%s: the test's layout counts %zu parameters, the net %zu", c->what, off, np);
}

static void set_key(const net_api *api, void *w)
{
    if (api->train_key) api->train_key(w, 7, 3, 11);
}

/* train_batch on n samples against loss_grad + the update, from the same
 * parameters; eta, l2, n_train as Nielsen's numbers but for a decay that
 * shows */
static void check(const stepcase *c, int n)
{
    net_api api;
    char err[1024], msg[512];
    const double eta = 0.3, l2 = 2.0;
    const int n_train = 40;
    void *w;
    double *x, *p, *want, cost, cost_lg;
    int labels[64];
    size_t k, np, nin;

    cr_assert_eq(tb_build_chunk(c->src, c->dbl ? "double" : "float", "none", c->chunk, "cc", NULL, &api,
                                err, sizeof err), 0, "%s: build failed: %s", c->what, err);
    np = api.param_count;
    nin = api.in_size;
    w = net_work_new(&api);
    x = malloc(nin * (size_t)n * sizeof *x);
    p = malloc(np * sizeof *p);
    want = malloc(np * sizeof *want);
    cr_assert(w && x && p && want);
    nc_random_batch(5, x, nin, labels, n, (int)api.out_size);

    if (c->dbl) {
        double *q = malloc(np * sizeof *q), *g = malloc(np * sizeof *g), *gq = malloc(np * sizeof *gq);
        const double decay = 1.0 - eta * l2 / n_train;
        api.init.d(p, 9);
        memcpy(q, p, np * sizeof *p);
        set_key(&api, w);
        cost_lg = api.loss_grad.d(q, w, x, labels, n, gq);
        update(c, np, decay, eta, q, gq, want);
        for (k = 0; k < np; ++k) g[k] = 12345.0;        /* scratch: the step must not read it */
        set_key(&api, w);
        cost = api.train_batch.d(p, g, w, x, labels, n, eta, l2, n_train);
        free(q); free(g); free(gq);
    } else {
        float *fp = malloc(np * sizeof *fp), *fq = malloc(np * sizeof *fq), *fg = malloc(np * sizeof *fg);
        float *gq = malloc(np * sizeof *gq), *fx = malloc(nin * (size_t)n * sizeof *fx);
        const float fe = (float)eta, decay = 1.0f - fe * (float)l2 / (float)n_train;   /* as the step computes it */
        double *dq = calloc(np, sizeof *dq), *dg = calloc(np, sizeof *dg);
        cr_assert(fp && fq && fg && gq && fx && dq && dg);
        for (k = 0; k < nin * (size_t)n; ++k) fx[k] = (float)x[k];
        api.init.f(fp, 9);
        memcpy(fq, fp, np * sizeof *fp);
        set_key(&api, w);
        cost_lg = api.loss_grad.f(fq, w, fx, labels, n, gq);
        for (k = 0; k < np; ++k) {
            dq[k] = fq[k];
            dg[k] = gq[k];
        }
        update(c, np, decay, fe, dq, dg, want);
        for (k = 0; k < np; ++k) fg[k] = 12345.0f;
        set_key(&api, w);
        cost = api.train_batch.f(fp, fg, w, fx, labels, n, fe, (float)l2, n_train);
        for (k = 0; k < np; ++k) p[k] = fp[k];
        free(fp); free(fq); free(fg); free(gq); free(fx); free(dq); free(dg);
    }
    cr_assert(tol_compare(p, want, np, c->dbl ? 1e-13 : 2e-6, c->dbl ? 1e-14 : 2e-7, msg, sizeof msg) == 0,
              "%s (%s, chunk %d, n %d): train_batch vs loss_grad + update: %s", c->what,
              c->dbl ? "double" : "float", c->chunk, n, msg);
    cr_assert(fabs(cost - cost_lg) <= 1e-6 * fabs(cost_lg) + 1e-12,
              "%s (n %d): train_batch's cost %.9g, loss_grad's %.9g", c->what, n, cost, cost_lg);
    free(x); free(p); free(want);
    free(w);
    jit_release(&api);
}

/* n = the chunk (the fused step), part of a chunk and one sample (not) */
static void check_sizes(const stepcase *c)
{
    check(c, c->chunk);
    check(c, c->chunk - 1);
    check(c, 1);
}

Test(step, dense_layers_and_a_first_layer_that_reads_the_input, .timeout = 120)
{
    stepcase f = { DENSE_NET, "dense", DENSE_SPANS, 0, 10 }, d = { DENSE_NET, "dense", DENSE_SPANS, 1, 10 };
    check_sizes(&f);
    check_sizes(&d);
}

Test(step, conv_layers_below_the_fused_ones, .timeout = 120)
{
    stepcase f = { CONV_NET, "conv", CONV_SPANS, 0, 10 }, d = { CONV_NET, "conv", CONV_SPANS, 1, 4 };
    check_sizes(&f);
    check_sizes(&d);
}

Test(step, dropout_keys_the_step_as_loss_grad, .timeout = 120)
{
    stepcase f = { DROPOUT_NET, "dropout", DROPOUT_SPANS, 0, 10 };
    check_sizes(&f);
}

Test(step, chunks_of_other_sizes, .timeout = 120)
{
    stepcase big = { DENSE_NET, "dense, chunk 16", DENSE_SPANS, 0, 16 }, small = { CONV_NET, "conv, chunk 3", CONV_SPANS, 0, 3 };
    check_sizes(&big);
    check_sizes(&small);
}

/* The team step is in the unit cnngen compiles, not in the file -o
 * writes (where test_werror looks): the unit of each example with dense
 * layers, in the loop form, compiles without a diagnostic. */
static void unit_init(void) { fs_scratch_make("step"); }
static void unit_fini(void) { fs_scratch_remove(); }

Test(step, the_units_with_the_team_step_compile_without_a_warning, .init = unit_init, .fini = unit_fini,
     .timeout = 300)
{
    static const char *const nets[] = { "nielsen1", "nielsen2", "lenet5", "keras", "chapter6/dropout",
                                        "chapter6/shallow" };
    static const char *const compilers[] = {
        "gcc -std=c99 -Wall -Wextra -pedantic -Werror -O2 -c",
        "clang -std=c99 -Wall -Wextra -pedantic -Werror -O0 -c",
    };
    size_t i, c;
    for (i = 0; i < sizeof nets / sizeof *nets; ++i) {
        char path[512], err[1024], *src, *out = NULL;
        tb_gen g;
        const char *file;
        snprintf(path, sizeof path, "%s/examples/%s.lua", fs_env("CNNGEN_ROOT"), nets[i]);
        src = fs_slurp(path, NULL);
        cr_assert_not_null(src, "cannot read %s", path);
        cr_assert_eq(tb_generate(src, "float", "none", &g, err, sizeof err), 0, "%s: %s", nets[i], err);
        cr_assert_not_null(strstr(g.unit, "_jit_team_step("), "%s: the unit has no team step", nets[i]);
        snprintf(path, sizeof path, "unit%zu.c", i);
        file = fs_path(path);
        fs_spit(file, g.unit, strlen(g.unit));
        for (c = 0; c < sizeof compilers / sizeof *compilers; ++c) {
            char cmd[1024];
            int rc;
            snprintf(cmd, sizeof cmd, "%s -o /dev/null %s", compilers[c], file);
            rc = proc_sh_merged(cmd, &out);
            cr_expect(rc == 0 && out[0] == 0, "%s: `%s` said:\n%s", nets[i], cmd, out);
            free(out);
        }
        tb_gen_free(&g);
        free(src);
    }
}
