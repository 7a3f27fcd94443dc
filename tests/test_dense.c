/*
 * test_dense.c -- the dense layer: forward against the reference, backward
 * against finite differences, after conv/pool outputs (flattening order)
 * and stacked.
 */
#include <criterion/criterion.h>

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
