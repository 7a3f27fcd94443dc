/*
 * test_dense.c -- the dense layer: forward against the reference, backward
 * against finite differences, after conv/pool outputs (flattening order)
 * and stacked.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "netcheck.h"

static void check_all_unrolls(const ref_net *n)
{
    int u;
    for (u = 0; u < TB_NUNROLLS; ++u) {
        nc_result r;
        nc_check(n, tb_unrolls[u], 11 + (unsigned)u, 4, 0, &r);
        cr_assert(r.ok, "--unroll %s: %s", tb_unrolls[u], r.msg);
    }
}

Test(dense, on_the_input, .timeout = 60)
{
    ref_net n = ref_net_make(1, 3, 5, REF_LOGLIK);
    ref_add_dense(&n, 7, REF_SIGMOID);
    ref_add_dense(&n, 4, REF_SOFTMAX);
    check_all_unrolls(&n);
}

Test(dense, flattens_channel_row_col, .timeout = 60)
{
    ref_net n = ref_net_make(2, 6, 5, REF_LOGLIK);
    ref_add_conv(&n, 3, 3, 2, 1, 1, 0, REF_RELU);
    ref_add_dense(&n, 5, REF_TANH);
    ref_add_dense(&n, 3, REF_SOFTMAX);
    check_all_unrolls(&n);
}

Test(dense, deep_stack, .timeout = 60)
{
    ref_net n = ref_net_make(1, 4, 4, REF_QUADRATIC);
    ref_add_dense(&n, 9, REF_TANH);
    ref_add_dense(&n, 8, REF_RELU);
    ref_add_dense(&n, 7, REF_LINEAR);
    ref_add_dense(&n, 6, REF_SIGMOID);
    ref_add_dense(&n, 5, REF_LINEAR);
    check_all_unrolls(&n);
}

Test(dense, float_matches_double, .timeout = 60)
{
    ref_net n = ref_net_make(1, 6, 6, REF_LOGLIK);
    nc_result r;
    ref_add_dense(&n, 12, REF_SIGMOID);
    ref_add_dense(&n, 10, REF_SOFTMAX);
    nc_check_float(&n, "kernel", 2, 5, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* The loop form's forward in float code takes 4 units x 5 samples at a
 * time, then 8 units x 2, then a last sample alone (double code: 8 x 2,
 * then the last): 13 units (blocks of 8 = 4 + 4, then 5 = 4 + 1) and 6
 * (4 + 2) over 7 samples (5 + 2) and 11 (5 + 5 + 1), float against the
 * double build. */
Test(dense, float_five_samples_at_a_time, .timeout = 60)
{
    static const int counts[] = { 7, 11 };
    ref_net n = ref_net_make(2, 5, 7, REF_LOGLIK);
    nc_result r;
    size_t k;
    ref_add_dense(&n, 13, REF_TANH);
    ref_add_dense(&n, 6, REF_SOFTMAX);
    for (k = 0; k < sizeof counts / sizeof counts[0]; ++k) {
        nc_check_float(&n, "none", 3 + k, counts[k], &r);
        cr_assert(r.ok, "%d samples: %s", counts[k], r.msg);
    }
}

/* In float code a forward of one sample alone (forward, predict; and
 * loss_grad's last chunk of one) takes a layer of at least 1024 inputs 12
 * units at a time, then the rest, its blocks first to last and last to
 * first in turn from call to call: 37 units (12 + 12 + 12 + 1) and 36
 * (three blocks, none left) over 2 x 23 x 23 = 1058 inputs, then 20 over
 * 37 (rows too short: the usual blocks).  The cc build's forward on
 * three samples, then on the three again (each sample's second call takes
 * the blocks in the other order, after another sample's call): the first
 * calls against the reference, the second bit for bit against the first
 * (a row one order leaves out keeps the last sample's sum); its gradient over
 * 11 samples (chunks of 10 and 1) against the double build's. */
static void one_sample_blocks(int units)
{
    ref_net n = ref_net_make(2, 23, 23, REF_LOGLIK);
    nc_result r;
    net_api c;
    char src[4096], err[512];
    double x[3 * 1058], yr[4], *p;
    float *pf, xf[3 * 1058], yf[3][4], yg[4];
    int labels[3], s, t;
    size_t k, np;
    void *wc;
    tb_gen g;
    ref_add_dense(&n, units, REF_SIGMOID);
    ref_add_dense(&n, 20, REF_TANH);
    ref_add_dense(&n, 4, REF_SOFTMAX);
    ref_lua(&n, "one", src, sizeof src);
    cr_assert_eq(tb_generate(src, "float", "none", &g, err, sizeof err), 0, "%s", err);
    cr_assert(strstr(g.c, "one sample (inference): 12 units at a time") != NULL, "the one-sample form is taken");
    cr_assert(strstr(g.c, "o = back ? 24 - b : b;") != NULL, "its blocks in either order");
    tb_gen_free(&g);
    np = ref_param_count(&n);
    p = malloc(np * sizeof *p), pf = malloc(np * sizeof *pf);
    cr_assert(p && pf);
    cr_assert_eq(tb_build(src, "float", "none", "cc", NULL, &c, err, sizeof err), 0, "%s", err);
    wc = malloc(c.work_size);
    cr_assert(wc);
    c.init.f(pf, 5);
    for (k = 0; k < np; ++k) p[k] = pf[k];
    nc_random_batch(9, x, 1058, labels, 3, 4);
    for (k = 0; k < 3 * 1058; ++k) xf[k] = (float)x[k], x[k] = xf[k];
    for (t = 0; t < 6; ++t) {               /* 0, 1, 2, then again: each sample in both orders */
        s = t % 3;
        c.forward.f(pf, wc, xf + s * 1058, t < 3 ? yf[s] : yg);
        if (t < 3) {
            ref_forward(&n, p, x + s * 1058, yr);
            for (k = 0; k < 4; ++k)
                cr_assert(fabs(yf[s][k] - yr[k]) <= 1e-5 * fmax(1, fabs(yr[k])),
                          "%d units, sample %d: y[%zu]: %.9g, reference %.17g", units, s, k, yf[s][k], yr[k]);
        } else {
            for (k = 0; k < 4; ++k)
                cr_assert(memcmp(&yf[s][k], &yg[k], sizeof yg[k]) == 0, "%d units, sample %d: y[%zu]: %.9g, then %.9g",
                          units, s, k, yf[s][k], yg[k]);
        }
    }
    free(wc);
    jit_release(&c);
    free(p), free(pf);
    nc_check_float(&n, "none", 4, 11, &r);
    cr_assert(r.ok, "%d units: %s", units, r.msg);
}

Test(dense, float_one_sample_blocks_of_twelve_either_order, .timeout = 120)
{
    one_sample_blocks(37);
    one_sample_blocks(36);
}
