/*
 * test_conv.c -- the conv layer: forward against the reference, backward
 * against finite differences (double), float against double, over a table
 * of shapes: channels, rectangular kernels, strides, padding, pad = "same",
 * strides that drop the last rows and columns.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "fsutil.h"
#include "netcheck.h"
#include "proc.h"

struct conv_case {
    int c, h, w, maps, kh, kw, sh, sw, pad, act, same;     /* same: pad = "same" (pad unused) */
};

static struct conv_case conv_cases[] = {
    { 1, 6, 6, 2, 3, 3, 1, 1, 0, REF_SIGMOID, 0 },
    { 3, 7, 5, 4, 3, 2, 1, 1, 0, REF_TANH, 0 },      /* channels, rectangular kernel */
    { 2, 9, 9, 3, 3, 3, 2, 2, 0, REF_RELU, 0 },      /* stride 2 */
    { 2, 8, 7, 2, 3, 3, 2, 1, 0, REF_LINEAR, 0 },    /* stride {2, 1}, floor */
    { 1, 5, 5, 2, 3, 3, 1, 1, 1, REF_SIGMOID, 0 },   /* pad 1 */
    { 2, 6, 4, 3, 5, 3, 1, 1, 2, REF_TANH, 0 },      /* pad 2, kernel {5, 3} */
    { 3, 7, 7, 2, 3, 3, 2, 2, 1, REF_SIGMOID, 0 },   /* pad and stride */
    { 1, 4, 9, 1, 1, 4, 1, 3, 0, REF_RELU, 0 },      /* 1 map, 1xK kernel, stride {1, 3} */
    /* pads as large as the kernel, as PyTorch accepts them: the border
     * outputs see only zeros (z = b) */
    { 1, 5, 5, 2, 3, 3, 1, 1, 3, REF_TANH, 0 },
    { 2, 4, 6, 2, 2, 3, 2, 2, 2, REF_SIGMOID, 0 },
    /* wide outputs: --unroll none takes its row form here (maps x positions > 1024) */
    { 2, 36, 36, 4, 3, 3, 1, 1, 0, REF_TANH, 0 },    /* rows of 34 summed as 40 over a copy, stored whole */
    { 1, 40, 38, 3, 3, 4, 1, 2, 1, REF_SIGMOID, 0 },
    { 1, 36, 36, 5, 3, 3, 1, 1, 0, REF_RELU, 0 },     /* 5 maps x 2 rows of 34 summed as 40 */
    { 2, 30, 61, 4, 3, 3, 1, 2, 0, REF_SIGMOID, 0 }, /* rows of 30 as 32 at column stride 2: 4 zeros of slack */
    /* strides that do not divide (in + 2·pad − k): floor, as PyTorch; the
     * units no kernel reaches get δ = 0 */
    { 2, 10, 9, 2, 3, 3, 2, 3, 1, REF_TANH, 0 },
    { 1, 41, 40, 2, 3, 2, 3, 2, 0, REF_RELU, 0 },
    /* pad = "same": out = ceil(in/s); at stride 2 the zeros can be
     * asymmetric (TensorFlow's rule: the odd one after the input) */
    { 2, 7, 7, 2, 3, 3, 1, 1, 0, REF_TANH, 1 },
    { 2, 8, 7, 2, 3, 3, 2, 2, 0, REF_RELU, 1 },   /* rows 0+1, columns 1+1 */
    { 1, 9, 6, 2, 5, 3, 2, 3, 0, REF_SIGMOID, 1 }, /* rows 2+2, columns none */
    { 1, 47, 46, 2, 3, 3, 1, 2, 0, REF_SIGMOID, 1 }, /* the row form; columns 0+1 */
};

ParameterizedTestParameters(conv, matches_reference_and_finite_differences)
{
    return cr_make_param_array(struct conv_case, conv_cases, sizeof conv_cases / sizeof conv_cases[0]);
}

static void check(const ref_net *net, const char *what)
{
    int u;
    for (u = 0; u < TB_NUNROLLS; ++u) {
        nc_result r;
        nc_check(net, tb_unrolls[u], 1 + (unsigned)u, 3, 1500, &r);
        cr_assert(r.ok, "%s, --unroll %s: %s", what, tb_unrolls[u], r.msg);
    }
}

/* the case's conv layer, appended to net */
static void add_case(ref_net *net, const struct conv_case *tc)
{
    if (tc->same) ref_add_conv_same(net, tc->maps, tc->kh, tc->kw, tc->sh, tc->sw, tc->act);
    else ref_add_conv(net, tc->maps, tc->kh, tc->kw, tc->sh, tc->sw, tc->pad, tc->act);
}

ParameterizedTest(struct conv_case *tc, conv, matches_reference_and_finite_differences, .timeout = 240)
{
    ref_net a, b;
    nc_result r;
    /* the case as the first layer (reads x; padding through its own copy) */
    a = ref_net_make(tc->c, tc->h, tc->w, REF_LOGLIK);
    add_case(&a, tc);
    ref_add_dense(&a, 3, REF_SOFTMAX);
    check(&a, "first layer");
    /* the case after another conv: δ propagates through it */
    b = ref_net_make(tc->c, tc->h, tc->w, REF_LOGLIK);
    ref_add_conv(&b, tc->c, 1, 1, 1, 1, 0, REF_SIGMOID);
    add_case(&b, tc);
    ref_add_dense(&b, 3, REF_SOFTMAX);
    check(&b, "second layer");
    nc_check_float(&b, "kernel", 5, 2, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* A conv layer as the output layer, with the quadratic cost. */
Test(conv, as_output_layer_with_quadratic_cost, .timeout = 60)
{
    ref_net n = ref_net_make(2, 5, 5, REF_QUADRATIC);
    nc_result r;
    ref_add_conv(&n, 2, 3, 3, 1, 1, 0, REF_TANH);
    ref_add_conv(&n, 3, 3, 3, 1, 1, 0, REF_SIGMOID);
    nc_check(&n, "kernel", 3, 2, 0, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* A conv layer with small output planes (--unroll none: the patches form)
 * under a max-pool takes its backward over the pool winners alone: ∂C/∂b,
 * ∂C/∂w and ∂C/∂a^{l-1}, a block of whole vectors of taps at a time (up to
 * 8).  Where a kernel row of every channel, (j, c), rounds up to whole
 * vectors with at most an eighth more taps than c·kh·kw does, it runs once
 * for the chunk on the input laid out channel-last (pooled_channels,
 * `channels` 1): 150 taps as 5 rows of 32 (10 vectors, one block), 288 as
 * 6 rows of 48 (18: 3 blocks of 6), 75 as 3 rows of 16, 500 as 5 rows of
 * 112 (35: 5 blocks of 7), 144 as 3 rows of 48.  Else sample by sample
 * through a copy of the winners' patches (pooled_patches: 16 taps, one
 * vector; 200, 13 vectors: 7 + 6, the last storing 88; 50, 4 vectors).
 * Overlapping and odd pool counts, pools that drop the last row and
 * column, padding and stride 2, in both forms; δ^l at a winner from the
 * pool's output a = σ(z) (tanh, relu, sigmoid), or δ itself (linear).
 * In pooled_channels, where a pool's region of the input (kh + (pk − 1)·st
 * rows of (kw + (pk − 1)·st)·c values, in whole vectors) takes at most 24
 * vectors, ∂C/∂a^{l-1} is summed pool by pool in that region (`regions`
 * 1) and the weights' copies, one for each column of the pool, take at most
 * 8192 values: 6 rows of 48 (18 vectors), 7 of 48 (21: pools of 3, three
 * rows of winners), 5 of 32 (10, stride 2), 4 of 64 (16); not 7 of 64
 * (28) nor 6 of 128 (48), nor 6 of 48 under 30 maps (14,400 values of
 * weights' copies). */
struct patches_case {
    int maps1, k2, maps2, act, pk, ps, pad2, st2, channels, regions;
};

static struct patches_case patches_cases[] = {
    { 6, 5, 8, REF_RELU, 2, 1, 0, 1, 1, 1 },      /* 150 taps; 4x4 overlapping pools of 5x5 */
    { 8, 6, 4, REF_TANH, 2, 2, 0, 1, 1, 0 },      /* 288 taps; 2x2 pools of 4x4 */
    { 4, 2, 5, REF_SIGMOID, 2, 3, 0, 1, 0, 0 },   /* 16 taps; 2x2 pools of 8x8 at stride 3 (units between them win nothing) */
    { 6, 5, 3, REF_LINEAR, 3, 1, 0, 1, 1, 1 },    /* 150 taps, linear: δ as the pool passes it */
    { 8, 5, 6, REF_TANH, 2, 2, 2, 1, 0, 0 },      /* 200 taps, pad 2: 9x9 -> 4x4 pools */
    { 20, 5, 6, REF_SIGMOID, 2, 2, 0, 1, 1, 0 },  /* 500 taps; 5x5 -> 2x2 pools, the last row and column dropped */
    { 4, 3, 5, REF_RELU, 2, 2, 1, 2, 1, 1 },      /* stride 2, pad 1: 5x5 -> 2x2 pools, dropping */
    { 16, 3, 6, REF_TANH, 2, 2, 1, 1, 1, 1 },     /* 144 taps, pad 1: 9x9 -> 4x4 pools, dropping */
    { 2, 5, 4, REF_RELU, 2, 2, 0, 1, 0, 0 },      /* 50 taps, relu: 5x5 -> 2x2 pools, dropping */
    { 6, 5, 30, REF_TANH, 2, 2, 0, 1, 1, 0 },     /* 150 taps, 30 maps: too many weights for the regions */
};

ParameterizedTestParameters(conv, patches_form_under_a_maxpool)
{
    return cr_make_param_array(struct patches_case, patches_cases, sizeof patches_cases / sizeof patches_cases[0]);
}

ParameterizedTest(struct patches_case *tc, conv, patches_form_under_a_maxpool, .timeout = 180)
{
    ref_net a = ref_net_make(1, 20, 20, REF_LOGLIK);
    nc_result r;
    char src[4096], err[512];
    tb_gen g;
    int channels, regions;
    ref_add_conv(&a, tc->maps1, 3, 3, 1, 1, 0, REF_TANH);      /* 18x18 */
    ref_add_pool(&a, 2, 2, 2, 2);                               /* 9x9 */
    ref_add_conv(&a, tc->maps2, tc->k2, tc->k2, tc->st2, tc->st2, tc->pad2, tc->act);
    ref_add_pool(&a, tc->pk, tc->pk, tc->ps, tc->ps);
    ref_add_dense(&a, 3, REF_SOFTMAX);
    ref_lua(&a, "pf", src, sizeof src);
    cr_assert_eq(tb_generate(src, "double", "none", &g, err, sizeof err), 0, "%s", err);
    channels = strstr(g.c, "input laid out channel-last") != NULL;
    regions = strstr(g.c, "their patches in one region of") != NULL;
    tb_gen_free(&g);
    cr_assert_eq(channels, tc->channels, "the backward form: %s", channels ? "pooled_channels" : "pooled_patches");
    cr_assert_eq(regions, tc->regions, "∂C/∂a^{l-1} %s", regions ? "in pool regions" : "winner by winner");
    nc_check(&a, "none", 2, 3, 1500, &r);
    cr_assert(r.ok, "%s", r.msg);
    nc_check_float(&a, "none", 6, 2, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* The patches form's forward in float code takes the positions in whole
 * pairs of vectors first, 10 maps x 32 positions at a time (or the largest
 * divisor of the maps from 6 to 10; else 10 and the rest), each map's two
 * vectors of sums an array of its own, then the other positions 16 maps x
 * 16 at a time; double code keeps 8 maps x 16.  With rows 1 apart (any
 * real) it reads the patches' rows in place from kw copies of the input
 * shifted by a column each, the last vector's lanes past the plane
 * reading on; 2 apart, from a patches matrix.  For each shape: the forms
 * the generated code says it takes, and the float code built by tcc and
 * by cc at -O0..-O3 (and -O3 for this machine, FMA contracted) against the
 * reference forward and against each other's gradient (the double code:
 * the tests above). */
struct pair_case {
    int c, h, w, maps, k, st;
    char says[48];              /* the float code's comment ("": no pairs; an array, since criterion
                                 * copies the table into each test's process) */
};

static struct pair_case pair_cases[] = {
    { 2, 12, 12, 40, 5, 1, "positions 0..63 go 10 maps x 32 positions" },   /* nielsen2's shape: every position in pairs */
    { 1, 14, 14, 16, 5, 1, "positions 0..95 go 8 maps x 32 positions" },    /* lenet5's: then 96..111, storing 4 */
    { 3, 11, 11, 13, 3, 1, "positions 0..63 go 10 maps x 32 positions" },   /* 13 maps: 10, then 3; 81 positions */
    { 1, 7, 8, 5, 2, 1, "positions 0..31 go 5 maps x 32 positions" },       /* 42 positions */
    { 2, 6, 6, 3, 3, 1, "" },                                               /* 16 positions: none in pairs */
    { 2, 13, 14, 6, 3, 2, "positions 0..31 go 6 maps x 32 positions" },     /* rows 2 apart: 6x6, a patches matrix */
};

ParameterizedTestParameters(conv, patches_forward_pairs_of_vectors)
{
    return cr_make_param_array(struct pair_case, pair_cases, sizeof pair_cases / sizeof pair_cases[0]);
}

/* n's float form: where says is not "", the float code says it; else it
 * does not say marker; the double code never does.  Then the float code
 * built by tcc and by cc at -O0..-O3 (and -O3 for this machine, FMA
 * contracted): each cc build's cost and gradient against tcc's, and every
 * build's forward against the reference, on three samples. */
static void float_form_levels(const ref_net *n, const char *says, const char *marker)
{
    static const char *const levels[] = { "-O0", "-O1", "-O2", "-O3", "-O3 -march=native -ffp-contract=fast" };
    enum { NS = 3, NL = sizeof levels / sizeof levels[0] };
    char src[4096], err[512];
    tb_gen g;
    net_api t;
    double *xd, *pd, yr[3];
    float *p, *gt, *x, y[3];
    int labels[NS];
    void *wt;
    size_t k, lv;
    int s;
    float ct;
    ref_lua(n, "form", src, sizeof src);
    cr_assert_eq(tb_generate(src, "float", "none", &g, err, sizeof err), 0, "%s", err);
    if (says[0]) cr_assert(strstr(g.c, says), "float code does not say \"%s\"", says);
    else cr_assert(!strstr(g.c, marker), "float code says \"%s\"", marker);
    tb_gen_free(&g);
    cr_assert_eq(tb_generate(src, "double", "none", &g, err, sizeof err), 0, "%s", err);
    cr_assert(!strstr(g.c, marker), "double code says \"%s\"", marker);
    tb_gen_free(&g);
    cr_assert_eq(tb_build(src, "float", "none", "tcc", NULL, &t, err, sizeof err), 0, "%s", err);
    cr_assert(t.out_size == 3);
    p = net_params_new(&t), gt = net_params_new(&t), wt = net_work_new(&t);
    pd = malloc(t.param_count * sizeof *pd), xd = malloc(NS * t.in_size * sizeof *xd);
    x = malloc(NS * t.in_size * sizeof *x);
    cr_assert(p && gt && wt && pd && xd && x);
    t.init.f(p, 5);
    for (k = 0; k < t.param_count; ++k) pd[k] = p[k];
    nc_random_batch(3, xd, t.in_size, labels, NS, 3);
    for (k = 0; k < NS * t.in_size; ++k) x[k] = (float)xd[k], xd[k] = x[k];
    ct = t.loss_grad.f(p, wt, x, labels, NS, gt);
    for (lv = 0; lv <= NL; ++lv) {      /* each cc build, then tcc's */
        net_api c = t;
        void *wc = wt;
        nc_result r;
        if (lv < NL) {
            nc_float_cc(src, levels[lv], p, x, labels, NS, ct, gt, 1e-4f, 1e-6f, &c, &wc, &r);
            cr_assert(r.ok, "%s", r.msg);
        }
        for (s = 0; s < NS; ++s) {
            c.forward.f(p, wc, x + s * t.in_size, y);
            ref_forward(n, pd, xd + s * t.in_size, yr);
            for (k = 0; k < 3; ++k)
                cr_assert(fabs(y[k] - yr[k]) <= 1e-5 * fmax(1, fabs(yr[k])),
                          "%s: sample %d: y[%zu] = %.9g, reference %.9g", lv < NL ? levels[lv] : "tcc", s, k, y[k],
                          yr[k]);
        }
        if (lv < NL) {
            free(wc);
            jit_release(&c);
        }
    }
    free(wt), free(pd), free(xd), free(x);
    net_params_free(p), net_params_free(gt);
    jit_release(&t);
}

ParameterizedTest(struct pair_case *tc, conv, patches_forward_pairs_of_vectors, .timeout = 240)
{
    ref_net n = ref_net_make(tc->c, tc->h, tc->w, REF_LOGLIK);
    static const char *const reals[] = { "float", "double" };
    char src[4096], err[512];
    tb_gen g;
    int r;
    ref_add_conv(&n, tc->maps, tc->k, tc->k, tc->st, tc->st, 0, REF_TANH);
    ref_add_dense(&n, 3, REF_SOFTMAX);
    ref_lua(&n, "pairs", src, sizeof src);
    for (r = 0; r < 2; ++r) {
        cr_assert_eq(tb_generate(src, reals[r], "none", &g, err, sizeof err), 0, "%s", err);
        cr_assert_eq(strstr(g.c, "is read in place from") != NULL, tc->st == 1,
                     "%s: the patches' rows %s", reals[r], tc->st == 1 ? "copied" : "read in place");
        tb_gen_free(&g);
    }
    float_form_levels(&n, tc->says, "x 32 positions");
}

/* Large output planes in float code, where an output row is not whole
 * vectors and the rows are 1 apart: the forward sums over kw copies of the
 * input shifted by a column each, the positions of a map as one run, maps
 * x 48 positions (3 vectors) at a time, the last block storing the rest
 * (its lanes past the plane reading zeros after the copies).  Elsewhere,
 * and in double code, the rows form. */
struct shifted_case {
    int c, h, w, maps, kh, kw, sh, sw, pad;
    char says[80];              /* "": the rows form */
};

static struct shifted_case shifted_cases[] = {
    { 1, 28, 28, 20, 5, 5, 1, 1, 0, "5 maps x 48 positions (3 vectors) at a time" },   /* nielsen1's: 576, whole blocks */
    { 1, 28, 28, 6, 5, 5, 1, 1, 2, "last block, positions 768.., 1 vector storing 16." },   /* lenet5's, padded */
    { 3, 35, 36, 7, 3, 3, 1, 1, 0, "2 vectors storing 18 (xj1 has 14 zeros" },      /* 7 maps: 6 + 1; 3 channels */
    { 2, 30, 61, 4, 3, 3, 1, 2, 0, "2 vectors storing 24 (xj1 has 8 zeros" },       /* column stride 2 */
    { 1, 36, 36, 5, 3, 3, 1, 1, 0, "1 vector storing 4 (xj1 has 12 zeros" },        /* rows of 34 */
    { 1, 40, 38, 3, 3, 4, 2, 2, 1, "" },                                             /* rows 2 apart: the rows form */
    { 1, 36, 35, 2, 3, 4, 1, 1, 0, "" },                                             /* rows of 32: whole vectors */
};

ParameterizedTestParameters(conv, shifted_form_where_it_applies)
{
    return cr_make_param_array(struct shifted_case, shifted_cases, sizeof shifted_cases / sizeof shifted_cases[0]);
}

ParameterizedTest(struct shifted_case *tc, conv, shifted_form_where_it_applies, .timeout = 240)
{
    ref_net n = ref_net_make(tc->c, tc->h, tc->w, REF_LOGLIK);
    ref_add_conv(&n, tc->maps, tc->kh, tc->kw, tc->sh, tc->sw, tc->pad, REF_SIGMOID);
    ref_add_dense(&n, 3, REF_SOFTMAX);
    float_form_levels(&n, tc->says, "shifted by a column each");
}

/* A first conv layer under a max-pool sums its ∂C/∂w over the pool
 * winners only, reading the pool's mask and δ (the pool has no backward of
 * its own there), in every form and at any number of maps.  Channels, padding,
 * strides, an odd number of pools a map (and not a multiple of 4),
 * overlapping and rectangular pools, pools that drop rows and columns,
 * every activation, every form. */
struct pooled_case {
    int c, h, w, maps, kh, kw, sh, sw, pad, act, pkh, pkw, psh, psw;
};

static struct pooled_case pooled_cases[] = {
    { 2, 36, 36, 8, 3, 3, 1, 1, 0, REF_TANH, 2, 2, 2, 2 },       /* 17x17 pools: an odd count */
    { 1, 41, 38, 8, 3, 4, 1, 2, 1, REF_SIGMOID, 3, 3, 2, 2 },    /* overlapping pools, stride {1, 2}, pad */
    { 3, 34, 33, 9, 5, 5, 1, 1, 2, REF_RELU, 2, 3, 2, 3 },       /* rectangular pools, pad 2 */
    { 1, 33, 33, 8, 2, 2, 1, 1, 0, REF_LINEAR, 2, 2, 2, 2 },
    { 1, 28, 28, 20, 5, 5, 1, 1, 0, REF_SIGMOID, 2, 2, 2, 2 },   /* nielsen1's pair: the row form's 5 maps x 2 rows */
    { 2, 33, 27, 6, 3, 3, 2, 1, 0, REF_TANH, 2, 2, 2, 2 },       /* 6 maps x 2 rows of 25, rows at stride 2 */
    { 1, 28, 28, 6, 5, 5, 1, 1, 2, REF_TANH, 2, 2, 2, 2 },       /* lenet5's */
    { 2, 27, 30, 3, 4, 3, 1, 1, 1, REF_RELU, 2, 2, 2, 2 },       /* 3 maps, 2 channels, pad 1: 13x15 pools */
    /* pools that drop the conv's last row and column (its units there get δ = 0) */
    { 4, 13, 13, 8, 3, 3, 1, 1, 0, REF_RELU, 2, 2, 2, 2 },       /* 11x11 -> 5x5, as Keras' Fashion-MNIST net */
    { 1, 35, 35, 4, 3, 3, 1, 1, 0, REF_SIGMOID, 2, 2, 2, 2 },    /* the row form: 33x33 -> 16x16 */
    { 1, 30, 31, 3, 3, 3, 1, 1, 1, REF_TANH, 3, 3, 2, 3 },       /* overlapping rows, gapped columns */
};

ParameterizedTestParameters(conv, under_a_maxpool)
{
    return cr_make_param_array(struct pooled_case, pooled_cases, sizeof pooled_cases / sizeof pooled_cases[0]);
}

ParameterizedTest(struct pooled_case *tc, conv, under_a_maxpool, .timeout = 180)
{
    ref_net a = ref_net_make(tc->c, tc->h, tc->w, REF_LOGLIK);
    nc_result r;
    size_t f;
    ref_add_conv(&a, tc->maps, tc->kh, tc->kw, tc->sh, tc->sw, tc->pad, tc->act);
    ref_add_pool(&a, tc->pkh, tc->pkw, tc->psh, tc->psw);
    ref_add_dense(&a, 3, REF_SOFTMAX);
    for (f = 0; f < TB_NUNROLLS; ++f) {
        nc_check(&a, tb_unrolls[f], 1, 3, 1500, &r);
        cr_assert(r.ok, "conv under a max-pool, --unroll %s: %s", tb_unrolls[f], r.msg);
        nc_check_float(&a, tb_unrolls[f], 5, 2, &r);
        cr_assert(r.ok, "--unroll %s: %s", tb_unrolls[f], r.msg);
    }
}

/* The row form's backward under a max-pool (a first conv, large planes)
 * sums several winners at once, each into sums of its own: 2, or up to 4
 * where a patch is few rows, so that 10 vectors of sums are in flight.
 * Each count of chains with the last winners that do not fill a round
 * (none, one, several): the generated code says which, and the gradient
 * equals finite differences (double, tcc), the float build's and the cc
 * build's. */
struct chains_case {
    int c, h, w, kh, kw, act;
    char says[40], last[32];    /* the code's comment on the chains; on the last winners ("" none);
                                 * arrays, since criterion copies the cases to the test's process */
};

static struct chains_case chains_cases[] = {
    { 1, 28, 28, 3, 3, REF_RELU, "4 winners at a time: 4 chains", "the last winner (169 pools)" },   /* keras' */
    { 1, 28, 32, 3, 3, REF_SIGMOID, "4 winners at a time: 4 chains", "the last 3 winners" },        /* 13x15 pools */
    { 1, 26, 28, 4, 3, REF_TANH, "3 winners at a time: 3 chains", "the last 2 winners" },           /* 11x13 pools */
    { 2, 24, 28, 2, 3, REF_RELU, "3 winners at a time: 3 chains", "the last 2 winners" },           /* 2 channels x 2 rows */
    { 1, 28, 28, 5, 5, REF_RELU, "2 winners at a time: 2 chains", "" },                             /* nielsen2's: 144 pools */
};

ParameterizedTestParameters(conv, pooled_rows_chains_and_the_last_winners)
{
    return cr_make_param_array(struct chains_case, chains_cases, sizeof chains_cases / sizeof chains_cases[0]);
}

ParameterizedTest(struct chains_case *tc, conv, pooled_rows_chains_and_the_last_winners, .timeout = 180)
{
    ref_net a = ref_net_make(tc->c, tc->h, tc->w, REF_LOGLIK);
    char src[4096], err[512];
    tb_gen g;
    nc_result r;
    ref_add_conv(&a, 4, tc->kh, tc->kw, 1, 1, 0, tc->act);
    ref_add_pool(&a, 2, 2, 2, 2);
    ref_add_dense(&a, 3, REF_SOFTMAX);
    ref_lua(&a, "chains", src, sizeof src);
    cr_assert_eq(tb_generate(src, "double", "none", &g, err, sizeof err), 0, "%s", err);
    cr_assert(strstr(g.c, "_l1_conv_backward") && strstr(g.c, "xs1"), "not the row form's backward");
    cr_assert(strstr(g.c, tc->says), "the code does not say \"%s\"", tc->says);
    if (tc->last[0]) cr_assert(strstr(g.c, tc->last), "the code does not say \"%s\"", tc->last);
    else cr_assert(!strstr(g.c, "/* the last winner (") && !strstr(g.c, " winners */"), "the code has last winners");
    tb_gen_free(&g);
    nc_check(&a, "none", 1, 3, 1500, &r);
    cr_assert(r.ok, "%s", r.msg);
    nc_check_float(&a, "none", 5, 2, &r);
    cr_assert(r.ok, "%s", r.msg);
    nc_check_cc(&a, 7, 3, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* pad = "same" (asymmetric at stride 2) and pools that drop the last row
 * and column, built by the system compiler (cc -O2) in every --unroll form,
 * double and float: the forward pass equals the reference, the gradient
 * equals the tcc build's (which the tests above check against finite
 * differences). */
Test(conv, same_pad_and_dropping_pools_under_cc, .timeout = 240)
{
    static const char *const reals[] = { "double", "float" };
    ref_net n = ref_net_make(2, 14, 13, REF_LOGLIK);
    char src[4096], err[700];
    double x[2 * 2 * 14 * 13], yr[5], *p, *gt, *gc;
    int labels[2] = { 1, 4 }, u, r;
    size_t k, np;
    ref_add_conv_same(&n, 4, 3, 3, 2, 2, REF_RELU);      /* 14x13 -> 7x7: rows 0+1 zeros, columns 1+1 */
    ref_add_pool(&n, 2, 2, 2, 2);                        /* 7x7 -> 3x3: drops the last row and column */
    ref_add_conv_same(&n, 3, 3, 3, 1, 1, REF_TANH);      /* 3x3 -> 3x3 */
    ref_add_avgpool(&n, 2, 2, 2, 2);                     /* 3x3 -> 1x1: drops the last row and column */
    ref_add_dense(&n, 5, REF_SOFTMAX);
    ref_lua(&n, "samecc", src, sizeof src);
    np = ref_param_count(&n);
    p = malloc(np * sizeof *p), gt = malloc(np * sizeof *gt), gc = malloc(np * sizeof *gc);
    cr_assert(p && gt && gc);
    nc_random_batch(7, x, 2 * 14 * 13, labels, 2, 5);
    for (u = 0; u < TB_NUNROLLS; ++u)
        for (r = 0; r < 2; ++r) {
            int dbl = r == 0;
            net_api t, c;
            void *wt, *wc;
            float pf[400], xf[2 * 2 * 14 * 13], yf[5], gtf[400], gcf[400];
            double yc[5];
            cr_assert(np <= 400);
            cr_assert_eq(tb_build(src, reals[r], tb_unrolls[u], "tcc", NULL, &t, err, sizeof err), 0, "%s", err);
            cr_assert_eq(tb_build(src, reals[r], tb_unrolls[u], "cc", NULL, &c, err, sizeof err), 0, "%s", err);
            wt = malloc(t.work_size), wc = malloc(c.work_size);
            cr_assert(wt && wc);
            if (dbl) {
                t.init.d(p, 11);
                c.forward.d(p, wc, x, yc);
                t.loss_grad.d(p, wt, x, labels, 2, gt);
                c.loss_grad.d(p, wc, x, labels, 2, gc);
            } else {
                t.init.f(pf, 11);
                for (k = 0; k < np; ++k) p[k] = pf[k];
                for (k = 0; k < sizeof xf / sizeof xf[0]; ++k) xf[k] = (float)x[k];
                c.forward.f(pf, wc, xf, yf);
                t.loss_grad.f(pf, wt, xf, labels, 2, gtf);
                c.loss_grad.f(pf, wc, xf, labels, 2, gcf);
                for (k = 0; k < 5; ++k) yc[k] = yf[k];
                for (k = 0; k < np; ++k) gt[k] = gtf[k], gc[k] = gcf[k];
            }
            ref_forward(&n, p, x, yr);
            for (k = 0; k < 5; ++k)
                cr_assert(fabs(yc[k] - yr[k]) <= (dbl ? 1e-12 : 1e-5) * fmax(1, fabs(yr[k])),
                          "--real %s --unroll %s: y[%zu]: cc %.17g, reference %.17g", reals[r], tb_unrolls[u], k,
                          yc[k], yr[k]);
            for (k = 0; k < np; ++k)
                cr_assert(fabs(gc[k] - gt[k]) <= (dbl ? 1e-11 : 1e-4) * fmax(fabs(gt[k]), 1e-3),
                          "--real %s --unroll %s: g[%zu]: cc %.17g, tcc %.17g", reals[r], tb_unrolls[u], k, gc[k],
                          gt[k]);
            free(wt), free(wc);
            jit_release(&t);
            jit_release(&c);
        }
    free(p), free(gt), free(gc);
}

/* `cnngen info` and the generated code's layer lines: a stride that drops
 * the input's last column (11 columns, kernel 2, stride 2: 5 windows reach
 * 10), and pad = "same" with the zeros it took (asymmetric at stride 2
 * over 6 rows, symmetric at stride 1). */
Test(conv, info_says_what_a_stride_drops_and_what_same_pads, .timeout = 60)
{
    static const char src[] =
        "return network { name = 'ci', input = { 2, 12, 11 }, layers = {\n"
        "  conv { maps = 3, kernel = 2, stride = 2, act = 'relu' },\n"
        "  conv { maps = 4, kernel = 3, stride = 2, pad = 'same', act = 'tanh' },\n"
        "  conv { maps = 2, kernel = 3, pad = 'same', act = 'tanh' },\n"
        "  dense { units = 3, act = 'softmax' } } }\n";
    char *out;
    fs_scratch_make("conv_info");
    fs_spit(fs_path("ci.lua"), src, strlen(src));
    out = proc_ok("'%s' info '%s' 2>&1", fs_env("CNNGEN"), fs_path("ci.lua"));
    cr_assert(strstr(out, "\n1   conv     [3][6][5] ") && strstr(out, "\n2   conv     [4][3][3] ") &&
              strstr(out, "\n3   conv     [2][3][3] "), "%s", out);
    cr_assert(strstr(out, "\nlayer 1 (conv) drops the last column of its input [2][12][11], which no window "
                          "reaches") && !strstr(out, "\nlayer 2") && !strstr(out, "\nlayer 3"), "%s", out);
    free(out);
    free(proc_ok("'%s' '%s' -o '%s' 2>&1", fs_env("CNNGEN"), fs_path("ci.lua"), fs_path("ci.c")));
    out = fs_slurp(fs_path("ci.c"), NULL);
    cr_assert(out);
    cr_assert(strstr(out, "layer 1: conv 3@2x2, stride 2, pad 0, relu: [2][12][11] -> [3][6][5]; drops the last "
                          "column\n") &&
              strstr(out, "layer 2: conv 4@3x3, stride 2, pad same (rows 0+1, columns 1+1), tanh: [3][6][5] -> "
                          "[4][3][3]\n") &&
              strstr(out, "layer 3: conv 2@3x3, stride 1, pad same (1), tanh: [4][3][3] -> [2][3][3]\n"),
              "%.3000s", out);
    free(out);
    fs_scratch_remove();
}
