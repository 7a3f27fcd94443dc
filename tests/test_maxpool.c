/*
 * test_maxpool.c -- the max-pool layer: forward against the reference,
 * δ routed through the pool mask checked by finite differences, over
 * square, rectangular and overlapping pools; and exact ties, where the
 * first winner in visiting order takes the value and all of δ.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "fsutil.h"
#include "netcheck.h"
#include "proc.h"

struct pool_case {
    int c, h, w, kh, kw, sh, sw;
};

static struct pool_case pool_cases[] = {
    { 2, 8, 8, 2, 2, 2, 2 },
    { 3, 9, 9, 3, 3, 3, 3 },
    { 2, 6, 8, 2, 4, 2, 4 },      /* rectangular */
    { 2, 7, 7, 3, 3, 2, 2 },      /* overlapping */
    { 1, 6, 6, 2, 2, 1, 1 },      /* overlapping, stride 1 */
    { 2, 5, 9, 1, 3, 1, 3 },      /* 1xK */
    /* windows that do not reach the last rows and columns (PyTorch's floor):
     * those units get δ = 0 */
    { 2, 11, 11, 2, 2, 2, 2 },    /* stride = size, the last row and column dropped */
    { 2, 8, 9, 3, 2, 2, 3 },      /* overlapping rows and gapped columns, each dropping one */
    { 1, 7, 7, 2, 2, 3, 3 },      /* gaps, the last 2 rows and columns dropped */
};

/* The two nets each pool case is checked in: a = conv (act) -> pool ->
 * dense, where δ reaches the conv only through the winners; b = the pool
 * reading the input directly -> dense. */
static void pool_nets(const struct pool_case *tc, int act, ref_net *a, ref_net *b)
{
    *a = ref_net_make(1, tc->h + 2, tc->w + 2, REF_LOGLIK);
    ref_add_conv(a, tc->c, 3, 3, 1, 1, 0, act);
    ref_add_pool(a, tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_dense(a, 4, REF_SOFTMAX);
    *b = ref_net_make(tc->c, tc->h, tc->w, REF_CROSSENTROPY);
    ref_add_pool(b, tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_dense(b, 3, REF_SIGMOID);
}

ParameterizedTestParameters(maxpool, routes_delta_through_the_mask)
{
    return cr_make_param_array(struct pool_case, pool_cases, sizeof pool_cases / sizeof pool_cases[0]);
}

ParameterizedTest(struct pool_case *tc, maxpool, routes_delta_through_the_mask, .timeout = 120)
{
    ref_net a, b;
    nc_result r;
    int u;
    pool_nets(tc, REF_SIGMOID, &a, &b);
    for (u = 0; u < TB_NUNROLLS; ++u) {
        nc_check(&a, tb_unrolls[u], 7 + (unsigned)u, 3, 0, &r);
        cr_assert(r.ok, "after conv, --unroll %s: %s", tb_unrolls[u], r.msg);
        nc_check(&b, tb_unrolls[u], 9 + (unsigned)u, 3, 0, &r);
        cr_assert(r.ok, "on the input, --unroll %s: %s", tb_unrolls[u], r.msg);
    }
    nc_check_float(&a, "kernel", 3, 2, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* Two pools in a row, and a pool as the output layer (quadratic cost). */
Test(maxpool, stacked_and_as_output, .timeout = 60)
{
    ref_net n = ref_net_make(1, 10, 10, REF_QUADRATIC);
    nc_result r;
    ref_add_conv(&n, 3, 3, 3, 1, 1, 1, REF_TANH);
    ref_add_pool(&n, 2, 2, 2, 2);
    ref_add_pool(&n, 3, 3, 1, 1);
    nc_check(&n, "kernel", 4, 3, 0, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* Outside training (forward, predict) a max-pool runs its infer function:
 * the forward without the winners, which the backward alone reads (the
 * training forward keeps recording them).  In every form: the generated
 * unit has the function, predict's pass calls it, it stores no mask; and
 * the net's forward output matches the reference (nc_check compares
 * forward, which now takes that path, and the cost, which takes the
 * training forward). */
Test(maxpool, forward_outside_training_records_no_winners, .timeout = 120)
{
    ref_net n = ref_net_make(2, 11, 11, REF_LOGLIK);
    nc_result r;
    char src[4096], err[512];
    int u;
    ref_add_conv(&n, 3, 3, 3, 1, 1, 1, REF_SIGMOID);
    ref_add_pool(&n, 2, 2, 2, 2);                       /* drops a row and a column */
    ref_add_dense(&n, 4, REF_SOFTMAX);
    ref_lua(&n, "ip", src, sizeof src);
    for (u = 0; u < TB_NUNROLLS; ++u) {
        tb_gen g;
        const char *fn, *end, *pass;
        cr_assert_eq(tb_generate(src, "double", tb_unrolls[u], &g, err, sizeof err), 0, "%s", err);
        fn = strstr(g.unit, "static void ip_l2_maxpool_infer(");
        cr_assert(fn != NULL, "--unroll %s: no infer function", tb_unrolls[u]);
        end = strstr(fn, "\n}\n");
        cr_assert(end != NULL);
        cr_assert(strstr(fn, "->m2[") == NULL || strstr(fn, "->m2[") > end,
                  "--unroll %s: the infer function stores winners", tb_unrolls[u]);
        pass = strstr(g.unit, "static void ip_infer_pass(");
        cr_assert(pass != NULL && strstr(pass, "ip_l2_maxpool_infer(&w->s[s]);") != NULL,
                  "--unroll %s: the infer pass does not call it", tb_unrolls[u]);
        cr_assert(strstr(g.unit, "    ip_infer_pass(params, w, x, 1);") != NULL,
                  "--unroll %s: forward and predict do not run the infer pass", tb_unrolls[u]);
        tb_gen_free(&g);
        nc_check(&n, tb_unrolls[u], 21 + (unsigned)u, 3, 0, &r);
        cr_assert(r.ok, "--unroll %s: %s", tb_unrolls[u], r.msg);
    }
    nc_check_cc(&n, 5, 3, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* examples/keras.lua, the Fashion-MNIST net of the Keras and PyTorch
 * tutorials (its shapes: test_shape.c): its second pool takes 11x11 to
 * 5x5 and drops the last row and column, which `cnngen info` says (and of
 * no other layer); `cnngen check` passes on it.  The same net with fewer
 * maps and units is checked against the reference and finite differences
 * in every form. */
Test(maxpool, keras_example_drops_a_row_and_a_column, .timeout = 240)
{
    static const char drops[] = "\nlayer 4 (maxpool) drops the last row and the last column of its input "
                                "[64][11][11], which no window reaches";
    ref_net n = ref_net_make(1, 28, 28, REF_LOGLIK);
    nc_result r;
    int u;
    char *out = proc_ok("'%s' info '%s/examples/keras.lua' 2>&1", fs_env("CNNGEN"), fs_env("CNNGEN_ROOT"));
    const char *at;
    at = strstr(out, drops);
    cr_assert(at && !strstr(at + 1, "\nlayer ") && strstr(out, "\nlayer ") == at, "%s", out);
    free(out);
    out = proc_ok("'%s' check '%s/examples/keras.lua' 2>&1", fs_env("CNNGEN"), fs_env("CNNGEN_ROOT"));
    cr_assert_not_null(strstr(out, "passed"), "%s", out);
    free(out);
    ref_add_conv(&n, 2, 3, 3, 1, 1, 0, REF_RELU);
    ref_add_pool(&n, 2, 2, 2, 2);
    ref_add_conv(&n, 3, 3, 3, 1, 1, 0, REF_RELU);
    ref_add_pool(&n, 2, 2, 2, 2);
    ref_add_dense(&n, 8, REF_RELU);
    ref_add_dense(&n, 10, REF_SOFTMAX);
    cr_assert_eq(ref_layer_units(&n, 4), 3 * 5 * 5);
    for (u = 0; u < TB_NUNROLLS; ++u) {
        nc_check(&n, tb_unrolls[u], 3 + (unsigned)u, 2, 0, &r);
        cr_assert(r.ok, "--unroll %s: %s", tb_unrolls[u], r.msg);
    }
}

/* ---- ties ------------------------------------------------------------------ */

/* Exact ties: the forward value is the tied maximum, and the pool mask
 * names the FIRST winner in visiting order (the window's rows top to
 * bottom, each row left to right), so δ flows back to that unit only
 * (the template's "the first one on ties", as PyTorch does). Random
 * inputs never tie, so this builds them: a 2-channel input whose channel 0
 * takes values from {1, 1, 0.5, -0.5} (many tied maxima, pools of equal
 * negative values too) and channel 1 tags every position with its index
 * + 1; a 1x1 conv with weights (1, 0), bias 0, linear, copies channel 0
 * exactly into a^1 (the pool's input); a linear dense unit y = Σ_k v_k a^2[k]
 * with distinct v_k follows. With s = ∂C/∂y (the dense bias's gradient),
 *   ∂C/∂w[0][1] = Σ_u δ^1[u]·tag[u] = s·Σ_k v_k·tag[winner(k)],
 * so a different winner in any pool changes it by a multiple of s·v_k. */
struct tie_case {
    int h, w, kh, kw, sh, sw;
};

static struct tie_case tie_cases[] = {
    { 4, 4, 2, 2, 2, 2 },
    { 6, 6, 3, 3, 3, 3 },
    { 4, 6, 2, 3, 2, 3 },         /* rectangular */
    { 5, 5, 3, 3, 2, 2 },         /* overlapping: a unit can win two pools */
    { 3, 7, 1, 3, 1, 2 },         /* 1xK, overlapping */
};

ParameterizedTestParameters(maxpool, ties_go_to_the_first_in_visiting_order)
{
    return cr_make_param_array(struct tie_case, tie_cases, sizeof tie_cases / sizeof tie_cases[0]);
}

ParameterizedTest(struct tie_case *tc, maxpool, ties_go_to_the_first_in_visiting_order, .timeout = 60)
{
    static const double levels[4] = { 1.0, 1.0, 0.5, -0.5 };
    int oh = (tc->h - tc->kh) / tc->sh + 1, ow = (tc->w - tc->kw) / tc->sw + 1, npool = oh * ow;
    int hw = tc->h * tc->w, label = 0, u, k, i, j, first[64], last[64], ties = 0;
    double x[2 * 64], v[64], p[3 + 64 + 1], g[3 + 64 + 1], pooled[64], y, yr, want_y = 0.0;
    double sum_first = 0.0, sum_last = 0.0, sum_v = 0.0;
    unsigned long long s = 12345;
    char src[4096], err[700];
    ref_net n = ref_net_make(2, tc->h, tc->w, REF_QUADRATIC);
    ref_add_conv(&n, 1, 1, 1, 1, 1, 0, REF_LINEAR);
    ref_add_pool(&n, tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_dense(&n, 1, REF_LINEAR);
    cr_assert(hw <= 64 && npool <= 64 && ref_param_count(&n) == (size_t)(3 + npool + 1));

    for (u = 0; u < hw; ++u) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[u] = levels[(s >> 33) % 4];
        x[hw + u] = u + 1;                       /* the tag */
    }
    p[0] = 1.0, p[1] = 0.0, p[2] = 0.0;          /* conv: a^1 = 1·x0 + 0·tag + 0 */
    for (k = 0; k < npool; ++k) v[k] = p[3 + k] = 0.25 + 0.125 * k;
    p[3 + npool] = 0.0;

    /* the expected winners: first and last maximum in visiting order */
    for (k = 0; k < npool; ++k) {
        int y0 = (k / ow) * tc->sh, x0 = (k % ow) * tc->sw, nmax = 0;
        first[k] = last[k] = y0 * tc->w + x0;
        for (i = 0; i < tc->kh; ++i)
            for (j = 0; j < tc->kw; ++j) {
                int at = (y0 + i) * tc->w + x0 + j;
                if (x[at] > x[first[k]]) first[k] = at;
                if (x[at] >= x[last[k]]) last[k] = at;
            }
        pooled[k] = x[first[k]];
        for (i = 0; i < tc->kh; ++i)
            for (j = 0; j < tc->kw; ++j) nmax += x[(y0 + i) * tc->w + x0 + j] == pooled[k];
        ties += nmax > 1;
        want_y += v[k] * pooled[k];
        sum_v += v[k];
        sum_first += v[k] * x[hw + first[k]];
        sum_last += v[k] * x[hw + last[k]];
    }
    cr_assert(ties * 2 >= npool && sum_first != sum_last,
              "the input does not tie enough (%d of %d pools tied): the test would prove nothing", ties, npool);

    ref_lua(&n, "ties", src, sizeof src);
    for (u = 0; u < TB_NUNROLLS; ++u) {
        net_api api;
        void *work;
        double sgrad, want;
        cr_assert_eq(tb_build(src, "double", tb_unrolls[u], "tcc", NULL, &api, err, sizeof err), 0,
                     "--unroll %s: %s", tb_unrolls[u], err);
        work = malloc(api.work_size);
        cr_assert(work);
        /* forward: the tied maximum, as the reference computes it */
        api.forward.d(p, work, x, &y);
        ref_forward(&n, p, x, &yr);
        cr_assert(fabs(y - yr) <= 1e-12 * fabs(yr) && fabs(y - want_y) <= 1e-12 * fabs(want_y),
                  "--unroll %s: forward %.17g, reference %.17g, Σ v·max %.17g", tb_unrolls[u], y, yr, want_y);
        /* backward: δ to the first winner of each pool only */
        api.loss_grad.d(p, work, x, &label, 1, g);
        sgrad = g[3 + npool];
        want = sgrad * sum_first;
        cr_assert(sgrad != 0.0, "--unroll %s: ∂C/∂y is 0", tb_unrolls[u]);
        cr_assert(fabs(g[1] - want) <= 1e-12 * fabs(want),
                  "--unroll %s: ∂C/∂w[0][1] = %.17g; δ to the first winners gives %.17g, to the last %.17g",
                  tb_unrolls[u], g[1], want, sgrad * sum_last);
        /* ... and to exactly one unit of each pool: Σ_u δ^1[u] = s·Σ_k v_k */
        cr_assert(fabs(g[2] - sgrad * sum_v) <= 1e-12 * fabs(sgrad * sum_v),
                  "--unroll %s: ∂C/∂b = %.17g, expected %.17g (one winner a pool)", tb_unrolls[u], g[2], sgrad * sum_v);
        free(work);
        jit_release(&api);
    }
}

/* ---- σ at the pool ------------------------------------------------------------ */

/* A conv under a max-pool leaves its σ to the pool (max σ(z) = σ(max z)),
 * so the winner is the first max of z, not of the rounded σ(z). Where σ
 * rounds two different z to one float (z near 11, where σ' ≈ 1.7e-5 and
 * a float near 1 is 6e-8 apart), the larger z wins even when it comes
 * second, and δ flows to it. A 1x1 conv with w = 1, b = 0 copies x into
 * z, so ∂C/∂w / ∂C/∂b = δ·x_winner / δ = x_winner names the winner. */
Test(maxpool, the_winner_is_the_max_of_z_where_sigma_rounds_a_tie, .timeout = 60)
{
    static const struct { const char *backend, *unroll; } builds[] = {
        { "tcc", "none" }, { "tcc", "kernel" }, { "tcc", "full" }, { "cc", "none" },
    };
    char src[4096], err[700];
    ref_net n = ref_net_make(1, 1, 2, REF_QUADRATIC);
    size_t b;
    ref_add_conv(&n, 1, 1, 1, 1, 1, 0, REF_SIGMOID);
    ref_add_pool(&n, 1, 2, 1, 2);
    ref_add_dense(&n, 1, REF_LINEAR);
    ref_lua(&n, "sigtie", src, sizeof src);
    for (b = 0; b < sizeof builds / sizeof builds[0]; ++b) {
        net_api api;
        void *work;
        float p[4] = { 1.0f, 0.0f, 1.0f, 0.0f }, g[4], x[2], y1, y2, z1 = 0.0f, z2 = 0.0f;
        int k, label = 0, found = 0;
        cr_assert_eq(tb_build(src, "float", builds[b].unroll, builds[b].backend, NULL, &api, err, sizeof err), 0,
                     "%s --unroll %s: %s", builds[b].backend, builds[b].unroll, err);
        work = malloc(api.work_size);
        cr_assert(work);
        /* a pair z1 < z2 whose σ this build rounds to one float (y = σ(z)) */
        for (k = 0; k < 40 && !found; ++k) {
            z1 = 11.0f + 0.05f * (float)k;
            z2 = z1 + 2e-4f;
            x[0] = x[1] = z1;
            api.forward.f(p, work, x, &y1);
            x[0] = x[1] = z2;
            api.forward.f(p, work, x, &y2);
            found = y1 == y2 && z1 < z2;
        }
        cr_assert(found, "%s --unroll %s: σ rounds no pair near 11 to one value: the test would prove nothing",
                  builds[b].backend, builds[b].unroll);
        x[0] = z1, x[1] = z2;
        api.loss_grad.f(p, work, x, &label, 1, g);
        cr_assert(g[1] != 0.0f, "%s --unroll %s: ∂C/∂b = 0", builds[b].backend, builds[b].unroll);
        cr_assert(fabs((double)g[0] / g[1] - z2) < (z2 - z1) / 4,
                  "%s --unroll %s: δ went to x = %.9g (z1 = %.9g, z2 = %.9g): the winner must be the larger z",
                  builds[b].backend, builds[b].unroll, (double)g[0] / g[1], z1, z2);
        free(work);
        jit_release(&api);
    }
}

/* ---- the rows form -------------------------------------------------------------- */

/* In code for an optimizing compiler (--unroll none) a max-pool takes its
 * rows of pools as whole vectors where it can (layer/maxpool.lua,
 * rows_width): each row as owp lanes, ow rounded up to 16, 8 or 4 floats
 * (8, 4 or 2 doubles) and at most 2*ow, the lanes past a row falling on
 * the next row's pools, the last row exact, and no read or write outside
 * a^(l-1) and a^l.  Each case names the lanes expected in float and in
 * double (0: the loops form): with junk lanes and without, overlapping
 * and gapped windows, dropped rows and columns, one row alone, and a gap
 * so wide that the lanes would read past the input. */
struct rows_case {
    struct pool_case pool;
    int owp_float, owp_double;
};

static struct rows_case rows_cases[] = {
    { { 3, 24, 24, 2, 2, 2, 2 }, 16, 16 },     /* nielsen1's 12 pools a row: 4 junk lanes */
    { { 2, 10, 10, 2, 2, 2, 2 }, 8, 8 },       /* 5 a row */
    { { 2, 7, 7, 2, 2, 2, 2 }, 4, 4 },         /* 3 a row, a row and a column dropped */
    { { 1, 32, 32, 2, 2, 2, 2 }, 16, 16 },     /* 16 a row: no junk */
    { { 2, 13, 13, 3, 3, 2, 2 }, 8, 8 },       /* overlapping */
    { { 1, 4, 4, 2, 2, 2, 2 }, 4, 4 },         /* two rows: one in lanes, the last exact */
    { { 1, 7, 7, 2, 2, 3, 3 }, 4, 4 },         /* gaps */
    { { 1, 6, 2, 2, 2, 2, 2 }, 0, 2 },         /* one pool a row: 4 floats would be 3 junk lanes */
    { { 1, 2, 2, 2, 2, 2, 2 }, 0, 0 },         /* a single row */
    { { 1, 3, 6, 2, 1, 1, 5 }, 0, 2 },         /* 4 lanes of stride 5 read past the input */
};

ParameterizedTestParameters(maxpool, rows_form_where_it_applies)
{
    return cr_make_param_array(struct rows_case, rows_cases, sizeof rows_cases / sizeof rows_cases[0]);
}

/* The form the generated forward (and infer) function of layer `l` takes. */
static void rows_expect_form(const char *src, const char *real, int l, int owp)
{
    static const char *const fns[] = { "forward", "infer" };
    char err[512], head[64], want[64];
    tb_gen g;
    size_t f;
    cr_assert_eq(tb_generate(src, real, "none", &g, err, sizeof err), 0, "%s", err);
    for (f = 0; f < 2; ++f) {
        const char *fn, *end, *at;
        snprintf(head, sizeof head, "_l%d_maxpool_%s(", l, fns[f]);
        fn = strstr(g.unit, head);
        cr_assert(fn != NULL, "%s: no %s function", real, head);
        end = strstr(fn, "\n}\n");
        cr_assert(end != NULL);
        snprintf(want, sizeof want, "as %d lanes: whole vectors", owp);
        at = strstr(fn, owp ? want : "whole vectors");
        if (owp)
            cr_assert(at != NULL && at < end, "%s %s: not the rows form of %d lanes", real, head, owp);
        else
            cr_assert(at == NULL || at > end, "%s %s: the rows form where it does not apply", real, head);
    }
    tb_gen_free(&g);
}

/* The float build by cc at -O0..-O3 against tcc's of the same source: the
 * cost and every gradient component of a batch (the winners route δ to
 * the conv below), within float rounding, and the outputs. */
static void rows_float_levels(const ref_net *n)
{
    static const char *const levels[] = { "-O0", "-O1", "-O2", "-O3" };
    enum { NS = 3 };
    char src[4096], err[512];
    net_api t;
    float *p, *gt, *x, yt[8], yc[8];
    double xd[NS * 2048];
    int labels[NS];
    void *wt;
    size_t k, lv;
    float ct;
    ref_lua(n, "rowsf", src, sizeof src);
    cr_assert_eq(tb_build(src, "float", "none", "tcc", NULL, &t, err, sizeof err), 0, "%s", err);
    cr_assert(t.in_size <= 2048 && t.out_size <= 8);
    p = net_params_new(&t), gt = net_params_new(&t);
    x = malloc(NS * t.in_size * sizeof *x);
    wt = net_work_new(&t);
    cr_assert(p && gt && x && wt);
    t.init.f(p, 42);
    nc_random_batch(7, xd, t.in_size, labels, NS, (int)t.out_size);
    for (k = 0; k < NS * t.in_size; ++k) x[k] = (float)xd[k];
    ct = t.loss_grad.f(p, wt, x, labels, NS, gt);
    t.forward.f(p, wt, x, yt);
    for (lv = 0; lv < sizeof levels / sizeof levels[0]; ++lv) {
        net_api c;
        void *wc;
        nc_result r;
        nc_float_cc(src, levels[lv], p, x, labels, NS, ct, gt, 1e-5f, 1e-7f, &c, &wc, &r);
        cr_assert(r.ok, "%s", r.msg);
        c.forward.f(p, wc, x, yc);
        for (k = 0; k < t.out_size; ++k)
            cr_assert(fabsf(yc[k] - yt[k]) <= 1e-6f, "cc %s: y[%zu] = %.9g, tcc %.9g", levels[lv], k, yc[k], yt[k]);
        free(wc);
        jit_release(&c);
    }
    free(wt);
    free(x);
    net_params_free(p), net_params_free(gt);
    jit_release(&t);
}

ParameterizedTest(struct rows_case *tc, maxpool, rows_form_where_it_applies, .timeout = 240)
{
    ref_net a, b;
    nc_result r;
    char src[4096];
    pool_nets(&tc->pool, REF_TANH, &a, &b);
    ref_lua(&a, "rowsa", src, sizeof src);
    rows_expect_form(src, "float", 2, tc->owp_float);
    rows_expect_form(src, "double", 2, tc->owp_double);
    ref_lua(&b, "rowsb", src, sizeof src);
    rows_expect_form(src, "float", 1, tc->owp_float);
    /* double: against the reference and finite differences (tcc), and cc's
     * build against tcc's */
    nc_check(&a, "none", 31, 3, 0, &r);
    cr_assert(r.ok, "after conv: %s", r.msg);
    nc_check(&b, "none", 33, 3, 0, &r);
    cr_assert(r.ok, "on the input: %s", r.msg);
    nc_check_cc(&a, 35, 3, &r);
    cr_assert(r.ok, "after conv, cc: %s", r.msg);
    nc_check_cc(&b, 37, 3, &r);
    cr_assert(r.ok, "on the input, cc: %s", r.msg);
    rows_float_levels(&a);
}
