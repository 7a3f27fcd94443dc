/*
 * test_maxpool.c -- the max-pool layer: forward against the reference,
 * δ routed through the pool mask checked by finite differences, over
 * square, rectangular and overlapping pools.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "netcheck.h"

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
};

ParameterizedTestParameters(maxpool, routes_delta_through_the_mask)
{
    return cr_make_param_array(struct pool_case, pool_cases, sizeof pool_cases / sizeof pool_cases[0]);
}

ParameterizedTest(struct pool_case *tc, maxpool, routes_delta_through_the_mask, .timeout = 120)
{
    static const char *const unrolls[] = { "none", "kernel", "full" };
    ref_net a, b;
    nc_result r;
    int u;
    /* conv -> pool -> dense: δ reaches the conv only through the winners */
    a = ref_net_make(1, tc->h + 2, tc->w + 2, REF_LOGLIK);
    ref_add_conv(&a, tc->c, 3, 3, 1, 1, 0, REF_SIGMOID);
    ref_add_pool(&a, tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_dense(&a, 4, REF_SOFTMAX);
    /* a pool reading the input directly */
    b = ref_net_make(tc->c, tc->h, tc->w, REF_CROSSENTROPY);
    ref_add_pool(&b, tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_dense(&b, 3, REF_SIGMOID);
    for (u = 0; u < 3; ++u) {
        nc_check(&a, unrolls[u], 7 + (unsigned)u, 3, 0, &r);
        cr_assert(r.ok, "after conv, --unroll %s: %s", unrolls[u], r.msg);
        nc_check(&b, unrolls[u], 9 + (unsigned)u, 3, 0, &r);
        cr_assert(r.ok, "on the input, --unroll %s: %s", unrolls[u], r.msg);
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
