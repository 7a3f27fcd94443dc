/*
 * test_ref.c -- the reference (tests/support/ref.c) and the tolerance helpers
 * (tests/support/tol.c) against cases computed by hand.
 *
 * Every expected number here was worked out on paper from docs/design.md's
 * equations (the arithmetic is in the comments), or is a closed form such as
 * ln 10 evaluated to 17 digits; none comes from running ref.c. If these pass,
 * the other tests may trust ref_forward, ref_cost and ref_numgrad.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ref.h"
#include "tol.h"

/* got[0..n) equals want[0..n) to rtol (atol 1e-12), or the test fails
 * naming what and the worst element. */
static void expect_near(const double *got, const double *want, size_t n, double rtol,
                        const char *what)
{
    char msg[256];
    cr_assert(tol_compare(got, want, n, rtol, 1e-12, msg, sizeof msg) == 0, "%s: %s", what, msg);
}

/* The net's one output for a scalar input through dense 1 -> 1 (w = 1, b = 0),
 * i.e. σ(z) with act. */
static double act_at(int act, double z)
{
    ref_net net = ref_net_make(1, 1, 1, REF_QUADRATIC);
    double p[2] = { 1.0, 0.0 }, y;
    ref_add_dense(&net, 1, act);
    ref_forward(&net, p, &z, &y);
    return y;
}

/* ---- conv ---------------------------------------------------------------- */

/* x = [1 2 3; 4 5 6; 7 8 9], two 2x2 maps, stride 1, no pad, linear.
 * map 0: w = [1 2; 3 4], b = 0.5: window·w at (0,0) = 1+4+12+20 = 37,
 *        (0,1) = 2+6+15+24 = 47, (1,0) = 4+10+21+32 = 67, (1,1) = 5+12+24+36 = 77.
 * map 1: w = [0 0; 0 1], b = −1 picks x[oy+1][ox+1] − 1 = 4, 5, 7, 8. */
Test(ref, conv_3x3_input_2x2_kernel_known_outputs)
{
    ref_net net = ref_net_make(1, 3, 3, REF_QUADRATIC);
    double x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    double p[10] = { 1, 2, 3, 4,  0, 0, 0, 1,  0.5, -1 };
    double want[8] = { 37.5, 47.5, 67.5, 77.5,  4, 5, 7, 8 };
    double y[8];
    ref_add_conv(&net, 2, 2, 2, 1, 1, 0, REF_LINEAR);
    cr_assert_eq(ref_out_size(&net), 8);
    cr_assert_eq(ref_param_count(&net), 10);
    ref_forward(&net, p, x, y);
    expect_near(y, want, 8, 1e-15, "conv 3x3 * 2x2");
}

/* Weight layout [out_map][in_channel][kh][kw] with 2 channels in, 2 maps out,
 * 2x2 kernel on a 2x2 input (one output per map):
 *   x: c0 = [1 2; 3 4], c1 = [10 20; 30 40]
 *   map 0: c0 = [1 0; 0 0], c1 = [0 0; 0 1] -> 1 + 40 = 41
 *   map 1: c0 = [0 0; 0 1], c1 = [1 0; 0 0] -> 4 + 10 = 14 */
Test(ref, conv_weight_layout_is_map_channel_row_col)
{
    ref_net net = ref_net_make(2, 2, 2, REF_QUADRATIC);
    double x[8] = { 1, 2, 3, 4,  10, 20, 30, 40 };
    double p[18] = { 1, 0, 0, 0,  0, 0, 0, 1,     /* w[0][0], w[0][1] */
                     0, 0, 0, 1,  1, 0, 0, 0,     /* w[1][0], w[1][1] */
                     0, 0 };                      /* b */
    double want[2] = { 41, 14 }, y[2];
    ref_add_conv(&net, 2, 2, 2, 1, 1, 0, REF_LINEAR);
    cr_assert_eq(ref_param_count(&net), 18);
    ref_forward(&net, p, x, y);
    expect_near(y, want, 2, 1e-15, "conv channel layout");
}

/* 4x4 input x[r][c] = 4r + c + 1, 3x3 kernel, pad 1, stride 2:
 * oh = ow = (4 + 2 − 3)/2 + 1 = 2. The window of output (oy,ox) covers input
 * rows 2oy−1..2oy+1 and cols 2ox−1..2ox+1 (zeros outside).
 *   map 0: all-ones kernel, b = 1: window sums + 1
 *     (0,0) rows 0-1 cols 0-1: 1+2+5+6 = 14            -> 15
 *     (0,1) rows 0-1 cols 1-3: 2+3+4+6+7+8 = 30        -> 31
 *     (1,0) rows 1-3 cols 0-1: 5+6+9+10+13+14 = 57     -> 58
 *     (1,1) rows 1-3 cols 1-3: 6+7+8+10+11+12+14+15+16 = 99 -> 100
 *   map 1: k[1][1] = 1 (centre, input (2oy,2ox)), k[2][2] = 10 (input
 *     (2oy+1,2ox+1)), b = 0: cross-correlation, not a flipped convolution
 *     (0,0) 1 + 10·6 = 61, (0,1) 3 + 10·8 = 83, (1,0) 9 + 10·14 = 149,
 *     (1,1) 11 + 10·16 = 171 */
Test(ref, conv_pad1_stride2_on_4x4_by_hand)
{
    ref_net net = ref_net_make(1, 4, 4, REF_QUADRATIC);
    double x[16], p[20], y[8];
    double want[8] = { 15, 31, 58, 100,  61, 83, 149, 171 };
    int i;
    for (i = 0; i < 16; ++i)
        x[i] = i + 1;
    memset(p, 0, sizeof p);
    for (i = 0; i < 9; ++i)
        p[i] = 1;                /* map 0 */
    p[9 + 4] = 1;                /* map 1, k[1][1] */
    p[9 + 8] = 10;               /* map 1, k[2][2] */
    p[18] = 1;                   /* b[0] */
    p[19] = 0;                   /* b[1] */
    ref_add_conv(&net, 2, 3, 3, 2, 2, 1, REF_LINEAR);
    cr_assert_eq(ref_out_size(&net), 8);
    cr_assert_eq(ref_param_count(&net), 20);
    ref_forward(&net, p, x, y);
    expect_near(y, want, 8, 1e-15, "conv pad 1 stride 2");
}

/* Rectangular kernel and stride: 3x4 input 1..12, kernel 1x2 = [1 10],
 * stride 2x1: oh = (3−1)/2+1 = 2, ow = (4−2)/1+1 = 3, reading rows 0 and 2:
 *   row 0: 1+20 = 21, 2+30 = 32, 3+40 = 43
 *   row 2: 9+100 = 109, 10+110 = 120, 11+120 = 131 */
Test(ref, conv_rectangular_kernel_and_stride)
{
    ref_net net = ref_net_make(1, 3, 4, REF_QUADRATIC);
    double x[12], p[3] = { 1, 10, 0 }, y[6];
    double want[6] = { 21, 32, 43, 109, 120, 131 };
    int i;
    for (i = 0; i < 12; ++i)
        x[i] = i + 1;
    ref_add_conv(&net, 1, 1, 2, 2, 1, 0, REF_LINEAR);
    cr_assert_eq(ref_out_size(&net), 6);
    ref_forward(&net, p, x, y);
    expect_near(y, want, 6, 1e-15, "conv 1x2 kernel, stride 2x1");
}

/* Floor in the output size: 5x5, kernel 2, stride 2, no pad -> (5−2)/2+1 = 2;
 * pad 1 -> (5+2−2)/2+1 = 3. */
Test(ref, conv_output_size_floors)
{
    ref_net a = ref_net_make(1, 5, 5, REF_QUADRATIC);
    ref_net b = ref_net_make(1, 5, 5, REF_QUADRATIC);
    ref_add_conv(&a, 3, 2, 2, 2, 2, 0, REF_RELU);
    ref_add_conv(&b, 3, 2, 2, 2, 2, 1, REF_RELU);
    cr_assert_eq(ref_out_size(&a), 3 * 2 * 2);
    cr_assert_eq(ref_out_size(&b), 3 * 3 * 3);
}

/* ---- maxpool ------------------------------------------------------------- */

/* 2x2 pool, stride 2, on two 4x4 channels; channel 1 = −channel 0.
 *   c0 =  1  5  2  0      c1 = −c0
 *         3  4  8  7
 *        −1 −2 −3 −4
 *        −5  0 −6 −7
 *   c0 -> [5 8; 0 −3];  c1 -> max of the negations = [−1 0; 5 7] */
Test(ref, maxpool_2x2_on_4x4_known_input)
{
    ref_net net = ref_net_make(2, 4, 4, REF_QUADRATIC);
    double x[32] = { 1, 5, 2, 0,  3, 4, 8, 7,  -1, -2, -3, -4,  -5, 0, -6, -7 };
    double want[8] = { 5, 8, 0, -3,  -1, 0, 5, 7 };
    double y[8];
    int i;
    for (i = 0; i < 16; ++i)
        x[16 + i] = -x[i];
    ref_add_pool(&net, 2, 2, 2, 2);
    cr_assert_eq(ref_out_size(&net), 8);
    cr_assert_eq(ref_param_count(&net), 0);
    ref_forward(&net, NULL, x, y);
    expect_near(y, want, 8, 0, "maxpool 2x2");
}

/* Overlapping pool (size 2, stride 1) on [1 2 3; 6 5 4; 7 8 0]:
 *   (0,0) max(1,2,6,5) = 6, (0,1) max(2,3,5,4) = 5,
 *   (1,0) max(6,5,7,8) = 8, (1,1) max(5,4,8,0) = 8 */
Test(ref, maxpool_overlapping_windows)
{
    ref_net net = ref_net_make(1, 3, 3, REF_QUADRATIC);
    double x[9] = { 1, 2, 3,  6, 5, 4,  7, 8, 0 };
    double want[4] = { 6, 5, 8, 8 }, y[4];
    ref_add_pool(&net, 2, 2, 1, 1);
    ref_forward(&net, NULL, x, y);
    expect_near(y, want, 4, 0, "maxpool size 2 stride 1");
}

/* All-negative window: the max is the largest negative value, not 0. */
Test(ref, maxpool_of_negative_values)
{
    ref_net net = ref_net_make(1, 2, 2, REF_QUADRATIC);
    double x[4] = { -4, -3, -2, -9 }, y;
    ref_add_pool(&net, 2, 2, 2, 2);
    ref_forward(&net, NULL, x, &y);
    cr_assert_eq(y, -2.0);
}

/* ---- dense --------------------------------------------------------------- */

/* x = [1 2 3], W = [1 0 −1; 0.5 0.5 0.5], b = [0.25 −1]:
 *   z0 = 1 − 3 + 0.25 = −1.75,  z1 = 0.5·6 − 1 = 2 */
Test(ref, dense_known_outputs)
{
    ref_net net = ref_net_make(1, 1, 3, REF_QUADRATIC);
    double x[3] = { 1, 2, 3 };
    double p[8] = { 1, 0, -1,  0.5, 0.5, 0.5,  0.25, -1 };
    double want[2] = { -1.75, 2 }, y[2];
    ref_add_dense(&net, 2, REF_LINEAR);
    cr_assert_eq(ref_param_count(&net), 8);
    ref_forward(&net, p, x, y);
    expect_near(y, want, 2, 1e-15, "dense");
}

/* dense flattens a conv's output [map][row][col]: input 1x1x2 = [1 2],
 * conv 1x1 with 2 maps (map 0: w = 1, map 1: w = −1, b = 0), so the conv's
 * output is [map0: 1 2 | map1: −1 −2]; a dense unit with
 * weights [1 10 100 1000] gives 1 + 20 − 100 − 2000 = −2079.
 * ([row][col][map] order would give 1 − 10 + 200 − 2000 = −1809.) */
Test(ref, dense_flattens_channel_row_col)
{
    ref_net net = ref_net_make(1, 1, 2, REF_QUADRATIC);
    double x[2] = { 1, 2 };
    double p[2 + 2 + 4 + 1] = { 1, -1,  0, 0,  1, 10, 100, 1000,  0 };
    double y;
    ref_add_conv(&net, 2, 1, 1, 1, 1, 0, REF_LINEAR);
    ref_add_dense(&net, 1, REF_LINEAR);
    cr_assert_eq(ref_param_count(&net), 9);
    ref_forward(&net, p, x, &y);
    cr_assert(tol_close(y, -2079, 1e-15, 0), "got %.17g", y);
}

/* ---- activations --------------------------------------------------------- */

/* σ at z = −2, 0, 0.5, 3 (closed forms evaluated to 17 digits). */
Test(ref, activations_at_known_points)
{
    static const double z[4] = { -2, 0, 0.5, 3 };
    static const double sig[4] = { 0.11920292202211755, 0.5, 0.6224593312018546, 0.9525741268224334 };
    static const double th[4] = { -0.9640275800758169, 0.0, 0.46211715726000974, 0.9950547536867305 };
    static const double relu[4] = { 0, 0, 0.5, 3 };
    double got[4];
    int i;
    for (i = 0; i < 4; ++i) got[i] = act_at(REF_SIGMOID, z[i]);
    expect_near(got, sig, 4, 1e-15, "sigmoid");
    for (i = 0; i < 4; ++i) got[i] = act_at(REF_TANH, z[i]);
    expect_near(got, th, 4, 1e-15, "tanh");
    for (i = 0; i < 4; ++i) got[i] = act_at(REF_RELU, z[i]);
    expect_near(got, relu, 4, 0, "relu");
    for (i = 0; i < 4; ++i) got[i] = act_at(REF_LINEAR, z[i]);
    expect_near(got, z, 4, 0, "linear");
}

/* Activations apply to conv outputs too: a 1x1 conv (w = 1, b = 0) with relu
 * on [−1 2]. */
Test(ref, activation_applies_to_conv)
{
    ref_net net = ref_net_make(1, 1, 2, REF_QUADRATIC);
    double x[2] = { -1, 2 }, p[2] = { 1, 0 }, y[2], want[2] = { 0, 2 };
    ref_add_conv(&net, 1, 1, 1, 1, 1, 0, REF_RELU);
    ref_forward(&net, p, x, y);
    expect_near(y, want, 2, 0, "conv relu");
}

/* Softmax through dense 3 -> 3 with W = I, b = 0:
 *   softmax(1,2,3) = e^k / (e + e² + e³) = 0.0900..., 0.2447..., 0.6652...
 *   softmax(1000,1000) = (0.5, 0.5): needs the max subtracted (e^1000 = inf). */
Test(ref, softmax_known_and_large_logits)
{
    ref_net n3 = ref_net_make(1, 1, 3, REF_LOGLIK);
    ref_net n2 = ref_net_make(1, 1, 2, REF_LOGLIK);
    double p3[12] = { 1, 0, 0,  0, 1, 0,  0, 0, 1,  0, 0, 0 };
    double p2[6] = { 1, 0,  0, 1,  0, 0 };
    double x3[3] = { 1, 2, 3 }, x2[2] = { 1000, 1000 };
    double want3[3] = { 0.09003057317038046, 0.24472847105479767, 0.6652409557748219 };
    double want2[2] = { 0.5, 0.5 };
    double y3[3], y2[2];
    ref_add_dense(&n3, 3, REF_SOFTMAX);
    ref_add_dense(&n2, 2, REF_SOFTMAX);
    ref_forward(&n3, p3, x3, y3);
    ref_forward(&n2, p2, x2, y2);
    expect_near(y3, want3, 3, 1e-15, "softmax(1,2,3)");
    expect_near(y2, want2, 2, 1e-15, "softmax(1000,1000)");
}

/* ---- costs --------------------------------------------------------------- */

/* A dense n -> n net with W = I, b = 0 and the given output act and cost:
 * its output z equals its input. params must hold n*n + n doubles. */
static ref_net identity_net(int n, int act, int cost, double *params)
{
    ref_net net = ref_net_make(1, 1, n, cost);
    int i;
    ref_add_dense(&net, n, act);
    memset(params, 0, (size_t)(n * n + n) * sizeof *params);
    for (i = 0; i < n; ++i)
        params[i * n + i] = 1;
    return net;
}

/* Log-likelihood: equal logits over 10 classes -> a = 1/10, C = ln 10. */
Test(ref, loglik_of_equal_logits_is_ln_n)
{
    double p[110], x[10] = { 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3 };
    int label = 7;
    ref_net net = identity_net(10, REF_SOFTMAX, REF_LOGLIK, p);
    double c = ref_cost(&net, p, x, &label, 1);
    cr_assert(tol_close(c, 2.302585092994046, 1e-15, 0), "got %.17g", c);
}

/* Log-likelihood of logits (1,2,3), label 2: ln(e + e² + e³) − 3 = 0.40760596444438;
 * the mean over that sample and (0,0,0) with label 1 (C = ln 3 = 1.0986122886681098)
 * is 0.7531091265562448. */
Test(ref, loglik_known_value_and_mean_over_samples)
{
    double p[12], x[6] = { 1, 2, 3,  0, 0, 0 };
    int labels[2] = { 2, 1 };
    ref_net net = identity_net(3, REF_SOFTMAX, REF_LOGLIK, p);
    double c1 = ref_cost(&net, p, x, labels, 1);
    double c2 = ref_cost(&net, p, x, labels, 2);
    cr_assert(tol_close(c1, 0.4076059644443803, 1e-14, 0), "got %.17g", c1);
    cr_assert(tol_close(c2, 0.7531091265562448, 1e-14, 0), "got %.17g", c2);
}

/* Log-likelihood from z, not from ln a: logits (0, 100), label 1 ->
 * C = ln(1 + e^−100) = 3.720075976020836e-44 (−ln a_1 would round to 0);
 * label 0 -> 100 + ln(1 + e^−100) = 100. */
Test(ref, loglik_is_accurate_for_confident_outputs)
{
    double p[6], x[2] = { 0, 100 };
    int one = 1, zero = 0;
    ref_net net = identity_net(2, REF_SOFTMAX, REF_LOGLIK, p);
    double c1 = ref_cost(&net, p, x, &one, 1);
    double c0 = ref_cost(&net, p, x, &zero, 1);
    cr_assert(tol_close(c1, 3.720075976020836e-44, 1e-12, 0), "got %.17g", c1);
    cr_assert(tol_close(c0, 100, 1e-15, 0), "got %.17g", c0);
}

/* Cross-entropy with sigmoid outputs, label 0 (y = (1, 0)):
 *   z = (0, 0):  C = −ln ½ − ln ½ = 2 ln 2 = 1.3862943611198906
 *   z = (2, −1): C = −ln σ(2) − ln(1 − σ(−1)) = ln(1+e^−2) + ln(1+e^−1) = 0.4401896985611954
 *   z = (40, −40): C = 2 ln(1 + e^−40) = 8.496708510583178e-18 (σ(40) rounds to 1) */
Test(ref, crossentropy_known_values)
{
    double p[6];
    double xa[2] = { 0, 0 }, xb[2] = { 2, -1 }, xc[2] = { 40, -40 };
    int label = 0;
    ref_net net = identity_net(2, REF_SIGMOID, REF_CROSSENTROPY, p);
    double ca = ref_cost(&net, p, xa, &label, 1);
    double cb = ref_cost(&net, p, xb, &label, 1);
    double cc = ref_cost(&net, p, xc, &label, 1);
    cr_assert(tol_close(ca, 1.3862943611198906, 1e-15, 0), "got %.17g", ca);
    cr_assert(tol_close(cb, 0.4401896985611954, 1e-14, 0), "got %.17g", cb);
    cr_assert(tol_close(cc, 8.496708510583178e-18, 1e-12, 0), "got %.17g", cc);
}

/* Quadratic, linear outputs a = (0.5, −1, 2), label 1 (y = (0, 1, 0)):
 *   C = ½ (0.25 + 4 + 4) = 4.125 */
Test(ref, quadratic_known_value)
{
    double p[12], x[3] = { 0.5, -1, 2 };
    int label = 1;
    ref_net net = identity_net(3, REF_LINEAR, REF_QUADRATIC, p);
    double c = ref_cost(&net, p, x, &label, 1);
    cr_assert(tol_close(c, 4.125, 1e-15, 0), "got %.17g", c);
}

/* ---- sizes --------------------------------------------------------------- */

/* examples/nielsen1.lua: 1x28x28, conv 20@5x5 sigmoid -> [20][24][24],
 * maxpool 2 -> [20][12][12], dense 100 sigmoid, dense 10 softmax:
 *   20·25 + 20 = 520;  100·2880 + 100 = 288100;  10·100 + 10 = 1010;
 *   total 289630, 10 outputs, 784 inputs. */
Test(ref, nielsen1_param_count)
{
    ref_net net = ref_net_make(1, 28, 28, REF_LOGLIK);
    ref_add_conv(&net, 20, 5, 5, 1, 1, 0, REF_SIGMOID);
    ref_add_pool(&net, 2, 2, 2, 2);
    ref_add_dense(&net, 100, REF_SIGMOID);
    ref_add_dense(&net, 10, REF_SOFTMAX);
    cr_assert_eq(ref_param_count(&net), 289630);
    cr_assert_eq(ref_out_size(&net), 10);
    cr_assert_eq(ref_in_size(&net), 784);
}

/* Conv weights count input channels: 3x32x32, conv 6@5x5 -> 6·3·25 + 6 = 456;
 * then conv 16@5x5 on [6][28][28] -> 16·6·25 + 16 = 2416. */
Test(ref, conv_param_count_counts_channels)
{
    ref_net net = ref_net_make(3, 32, 32, REF_LOGLIK);
    ref_add_conv(&net, 6, 5, 5, 1, 1, 0, REF_RELU);
    cr_assert_eq(ref_param_count(&net), 456);
    ref_add_conv(&net, 16, 5, 5, 1, 1, 0, REF_RELU);
    cr_assert_eq(ref_param_count(&net), 456 + 2416);
    cr_assert_eq(ref_out_size(&net), 16 * 24 * 24);
}

/* ---- finite differences -------------------------------------------------- */

/* dense 2 -> 1 linear, quadratic cost, label 0 (y = 1): C = ½ (w·x + b − 1)²,
 *   ∂C/∂w_k = (a − 1) x_k,  ∂C/∂b = a − 1.
 * x = (2, −3), w = (0.5, 0.25), b = 0.1: a = 1 − 0.75 + 0.1 = 0.35, a − 1 = −0.65:
 *   grad = (−1.3, 1.95, −0.65).
 * With a second sample x = (1, 1), label 0: a = 0.85, a − 1 = −0.15, grad
 * (−0.15, −0.15, −0.15); the mean cost's gradient is the mean: (−0.725, 0.9, −0.4).
 * C is quadratic in each parameter, so the central difference is exact up
 * to rounding. */
Test(ref, numgrad_matches_hand_gradient_of_linear_unit)
{
    ref_net net = ref_net_make(1, 1, 2, REF_QUADRATIC);
    double p[3] = { 0.5, 0.25, 0.1 }, x[4] = { 2, -3,  1, 1 };
    double want1[3] = { -1.3, 1.95, -0.65 }, want2[3] = { -0.725, 0.9, -0.4 };
    double g[3];
    int labels[2] = { 0, 0 };
    size_t k;
    ref_add_dense(&net, 1, REF_LINEAR);
    for (k = 0; k < 3; ++k)
        g[k] = ref_numgrad(&net, p, x, labels, 1, k, 1e-5);
    expect_near(g, want1, 3, 1e-9, "one sample");
    ref_numgrad_all(&net, p, x, labels, 2, 1e-5, g);
    expect_near(g, want2, 3, 1e-9, "mean of two samples");
    cr_assert(p[0] == 0.5 && p[1] == 0.25 && p[2] == 0.1, "params not restored");
}

/* Shared weights (BP3, BP4): input [1 2 3], conv 1 map, kernel 1x2 w = (0.5, −1),
 * b = 0.25, linear; quadratic cost, label 0 (y = (1, 0)):
 *   a0 = 0.5·1 − 1·2 + 0.25 = −1.25,  a1 = 0.5·2 − 1·3 + 0.25 = −1.75
 *   ∂C/∂w0 = (a0 − 1)·1 + a1·2 = −2.25 − 3.5  = −5.75
 *   ∂C/∂w1 = (a0 − 1)·2 + a1·3 = −4.5 − 5.25  = −9.75
 *   ∂C/∂b  = (a0 − 1) + a1                    = −4 */
Test(ref, numgrad_sums_shared_conv_weights)
{
    ref_net net = ref_net_make(1, 1, 3, REF_QUADRATIC);
    double p[3] = { 0.5, -1, 0.25 }, x[3] = { 1, 2, 3 };
    double want[3] = { -5.75, -9.75, -4 }, g[3];
    int label = 0;
    ref_add_conv(&net, 1, 1, 2, 1, 1, 0, REF_LINEAR);
    ref_numgrad_all(&net, p, x, &label, 1, 1e-5, g);
    expect_near(g, want, 3, 1e-9, "conv shared weights");
}

/* Max-pool routes the gradient to its winner only: input [1 4; 2 3], conv 1x1
 * (w = 0.5, b = 0) -> [0.5 2; 1 1.5], maxpool 2 -> 2 (the unit fed by x = 4),
 * dense 1 linear (w = 1, b = 0) -> a = 2; quadratic, label 0 (y = 1), a − 1 = 1:
 *   ∂C/∂w_conv = 1 · 1 · 4 = 4,  ∂C/∂b_conv = 1,  ∂C/∂w_dense = 2,  ∂C/∂b_dense = 1 */
Test(ref, numgrad_flows_through_pool_winner_only)
{
    ref_net net = ref_net_make(1, 2, 2, REF_QUADRATIC);
    double p[4] = { 0.5, 0, 1, 0 }, x[4] = { 1, 4, 2, 3 };
    double want[4] = { 4, 1, 2, 1 }, g[4];
    int label = 0;
    ref_add_conv(&net, 1, 1, 1, 1, 1, 0, REF_LINEAR);
    ref_add_pool(&net, 2, 2, 2, 2);
    ref_add_dense(&net, 1, REF_LINEAR);
    cr_assert_eq(ref_param_count(&net), 4);
    ref_numgrad_all(&net, p, x, &label, 1, 1e-5, g);
    expect_near(g, want, 4, 1e-9, "through maxpool");
}

/* BP1 for softmax + log-likelihood: ∂C/∂b_j = ∂C/∂z_j = a_j − y_j.
 * Logits (1, 2, 3) (identity dense), label 0:
 *   a − y = (0.09003057317038046 − 1, 0.24472847105479767, 0.6652409557748219) */
Test(ref, numgrad_of_softmax_loglik_bias_is_a_minus_y)
{
    double p[12], x[3] = { 1, 2, 3 }, g[12];
    double want[3] = { 0.09003057317038046 - 1, 0.24472847105479767, 0.6652409557748219 };
    int label = 0;
    ref_net net = identity_net(3, REF_SOFTMAX, REF_LOGLIK, p);
    ref_numgrad_all(&net, p, x, &label, 1, 1e-5, g);
    expect_near(g + 9, want, 3, 1e-8, "bias gradient");
}

/* ---- the Lua description ------------------------------------------------- */

/* nielsen1 written back as a description, every field explicit. */
Test(ref, lua_description_of_nielsen1)
{
    static const char want[] =
        "return network {\n"
        "  name = \"nielsen1\",\n"
        "  input = { 1, 28, 28 },\n"
        "  layers = {\n"
        "    conv { maps = 20, kernel = { 5, 5 }, stride = { 1, 1 }, pad = 0, act = \"sigmoid\" },\n"
        "    maxpool { size = { 2, 2 }, stride = { 2, 2 } },\n"
        "    dense { units = 100, act = \"sigmoid\" },\n"
        "    dense { units = 10, act = \"softmax\" },\n"
        "  },\n"
        "  cost = \"log-likelihood\",\n"
        "}\n";
    ref_net net = ref_net_make(1, 28, 28, REF_LOGLIK);
    char buf[1024];
    ref_add_conv(&net, 20, 5, 5, 1, 1, 0, REF_SIGMOID);
    ref_add_pool(&net, 2, 2, 2, 2);
    ref_add_dense(&net, 100, REF_SIGMOID);
    ref_add_dense(&net, 10, REF_SOFTMAX);
    ref_lua(&net, "nielsen1", buf, sizeof buf);
    cr_assert_str_eq(buf, want);
}

/* Rectangular shapes, padding, the other acts and costs are spelled as the DSL
 * spells them. */
Test(ref, lua_description_spells_every_field)
{
    ref_net net = ref_net_make(3, 9, 8, REF_CROSSENTROPY);
    char buf[1024];
    ref_add_conv(&net, 4, 3, 2, 2, 1, 1, REF_TANH);
    ref_add_pool(&net, 2, 3, 1, 2);
    ref_add_conv(&net, 2, 1, 1, 1, 1, 0, REF_RELU);
    ref_add_dense(&net, 5, REF_LINEAR);
    ref_add_dense(&net, 3, REF_SIGMOID);
    ref_lua(&net, "t", buf, sizeof buf);
    cr_assert(strstr(buf, "input = { 3, 9, 8 },"), "%s", buf);
    cr_assert(strstr(buf, "conv { maps = 4, kernel = { 3, 2 }, stride = { 2, 1 }, pad = 1, act = \"tanh\" },"), "%s", buf);
    cr_assert(strstr(buf, "maxpool { size = { 2, 3 }, stride = { 1, 2 } },"), "%s", buf);
    cr_assert(strstr(buf, "act = \"relu\""), "%s", buf);
    cr_assert(strstr(buf, "dense { units = 5, act = \"linear\" },"), "%s", buf);
    cr_assert(strstr(buf, "cost = \"cross-entropy\","), "%s", buf);
    net.cost = REF_QUADRATIC;
    ref_lua(&net, "t", buf, sizeof buf);
    cr_assert(strstr(buf, "cost = \"quadratic\","), "%s", buf);
}

/* A buffer too small is a test bug: ref_lua aborts rather than truncate. */
Test(ref, lua_description_too_long_aborts, .signal = SIGABRT)
{
    ref_net net = ref_net_make(1, 28, 28, REF_LOGLIK);
    char buf[32];
    ref_add_dense(&net, 10, REF_SOFTMAX);
    ref_lua(&net, "nielsen1", buf, sizeof buf);
}

/* An impossible net (kernel larger than its input) is a test bug: abort. */
Test(ref, invalid_net_aborts, .signal = SIGABRT)
{
    ref_net net = ref_net_make(1, 4, 4, REF_QUADRATIC);
    ref_add_conv(&net, 1, 5, 5, 1, 1, 0, REF_LINEAR);
    ref_param_count(&net);
}

/* ---- tolerance helpers --------------------------------------------------- */

/* |g − w| ≤ rtol·max(|g|,|w|) + atol, with the measured case of docs/hacking.md, "Tests":
 * g = 3.6e-6 vs fd = g + 2.3e-9 fails a pure 1e-6 relative test but passes
 * with atol 1e-8. NaN is never close; equal infinities are. */
Test(ref, tol_close_combined_form)
{
    cr_assert(tol_close(1.0, 1.0 + 1e-7, 1e-6, 0));
    cr_assert(!tol_close(1.0, 1.0 + 1e-5, 1e-6, 0));
    cr_assert(!tol_close(3.6e-6, 3.6e-6 + 2.3e-9, 1e-6, 0));
    cr_assert(tol_close(3.6e-6, 3.6e-6 + 2.3e-9, 1e-6, 1e-8));
    cr_assert(tol_close(0, 5e-9, 0, 1e-8));
    cr_assert(!tol_close(0, 2e-8, 0, 1e-8));
    cr_assert(!tol_close(NAN, NAN, 1, 1));
    cr_assert(!tol_close(1, NAN, 1, 1));
    cr_assert(tol_close(INFINITY, INFINITY, 0, 0));
    cr_assert(!tol_close(INFINITY, -INFINITY, 1, 1));
    cr_assert(tol_rel_err(2, 1) == 0.5);
    cr_assert(tol_rel_err(0, 0) == 0);
}

/* tol_compare counts the failures and reports the worst element (the one
 * using most of its tolerance) with both values and its relative error. */
Test(ref, tol_compare_reports_worst_index)
{
    double want[4] = { 1, 2, 3, 4 };
    double got[4] = { 1, 2.1, 3.6, 4 };
    float gotf[4] = { 1, 2, 3, 4.5f };
    char msg[256];
    cr_assert_eq(tol_compare(want, want, 4, 0, 0, msg, sizeof msg), 0);
    cr_assert_eq(tol_compare(got, want, 4, 1e-3, 0, msg, sizeof msg), 2);
    cr_assert(strstr(msg, "2 of 4"), "%s", msg);
    cr_assert(strstr(msg, "[2]"), "%s", msg);
    cr_assert(strstr(msg, "got 3.6"), "%s", msg);
    cr_assert(strstr(msg, "want 3"), "%s", msg);
    cr_assert(strstr(msg, "rel err 0.167"), "%s", msg);
    cr_assert_eq(tol_compare_f(gotf, want, 4, 1e-3, 0, msg, sizeof msg), 1);
    cr_assert(strstr(msg, "[3]"), "%s", msg);
    cr_assert(strstr(msg, "got 4.5 "), "%s", msg);
    got[1] = NAN;
    cr_assert_eq(tol_compare(got, want, 4, 1, 1, msg, sizeof msg), 1);
    cr_assert(strstr(msg, "[1]"), "%s", msg);
}
