/*
 * test_act_cost.c -- every activation with every cost it can go with,
 * including the softmax Jacobian of the quadratic cost, checked against
 * the reference and finite differences.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "netcheck.h"

struct ac_case {
    int hidden, out, cost;
};

static struct ac_case ac_cases[] = {
    { REF_SIGMOID, REF_SOFTMAX, REF_LOGLIK },
    { REF_TANH, REF_SOFTMAX, REF_LOGLIK },
    { REF_RELU, REF_SOFTMAX, REF_LOGLIK },
    { REF_LINEAR, REF_SOFTMAX, REF_LOGLIK },
    { REF_SIGMOID, REF_SIGMOID, REF_CROSSENTROPY },
    { REF_RELU, REF_SIGMOID, REF_CROSSENTROPY },
    { REF_TANH, REF_SIGMOID, REF_QUADRATIC },
    { REF_SIGMOID, REF_TANH, REF_QUADRATIC },
    { REF_TANH, REF_RELU, REF_QUADRATIC },
    { REF_RELU, REF_LINEAR, REF_QUADRATIC },
    { REF_SIGMOID, REF_SOFTMAX, REF_QUADRATIC },
};

ParameterizedTestParameters(act_cost, gradients_match)
{
    return cr_make_param_array(struct ac_case, ac_cases, sizeof ac_cases / sizeof ac_cases[0]);
}

ParameterizedTest(struct ac_case *tc, act_cost, gradients_match, .timeout = 60)
{
    ref_net n = ref_net_make(2, 5, 5, tc->cost);
    nc_result r;
    ref_add_conv(&n, 3, 3, 3, 1, 1, 0, tc->hidden);
    ref_add_pool(&n, 3, 3, 1, 1);
    ref_add_dense(&n, 6, tc->hidden);
    ref_add_dense(&n, 4, tc->out);
    nc_check(&n, "kernel", 21, 4, 0, &r);
    cr_assert(r.ok, "%s", r.msg);
    nc_check_float(&n, "kernel", 22, 3, &r);
    cr_assert(r.ok, "%s", r.msg);
}
