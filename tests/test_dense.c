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
