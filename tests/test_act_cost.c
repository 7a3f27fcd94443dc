/*
 * test_act_cost.c -- every activation with every cost it can go with,
 * including the softmax Jacobian of the quadratic cost, checked against
 * the reference and finite differences.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "build.h"
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

/* The float sigmoid's e^x and the float tanh are the generator's (templates/
 * exp.c.tpl), not libm's: they must be about as accurate, everywhere.  A
 * one-weight net (w = 1, b = 0) gives σ(x) directly; compared with the
 * exact function in double, in units in the last place of the result. */
static double sigmoid_ulps(float got, double want)
{
    int e;
    frexp(want, &e);
    return fabs((double)got - want) / ldexp(1.0, e - 24);
}

static double exact_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static void check_accuracy(const char *backend, const char *act, double (*exact)(double), double limit)
{
    char src[256];
    net_api api;
    char err[512];
    float p[2] = { 1.0f, 0.0f }, x, y;
    void *w;
    double worst = 0.0, worst_x = 0.0;
    long k;
    snprintf(src, sizeof src, "return network { name = 'act', input = { 1, 1, 1 },\n"
             "  layers = { dense { units = 1, act = '%s' } } }\n", act);
    cr_assert_eq(tb_build(src, "float", "none", backend, "-O2", &api, err, sizeof err), 0, "%s", err);
    w = calloc(1, api.work_size);
    cr_assert_not_null(w);
    for (k = -2000000; k <= 2000000; ++k) {
        double want, u;
        x = (float)k * (100.0f / 2000000.0f);      /* [-100, 100], steps of 5e-5 */
        api.forward.f(p, w, &x, &y);
        want = exact((double)x);
        if (fabs(want) < 1.2e-38) {                /* subnormal or zero: absolute */
            cr_assert(fabs((double)y - want) < 1e-38, "%s(%g) = %g, want %g", act, x, y, want);
            continue;
        }
        u = sigmoid_ulps(y, want);
        if (u > worst) { worst = u; worst_x = x; }
    }
    free(w);
    jit_release(&api);
    cr_assert(worst <= limit, "%s: %s(x) is off by %.2f ulp at x = %g (at most %g)", backend, act, worst, worst_x,
              limit);
}

/* libm's: sigmoid through expf within 2.5 ulp, tanhf within 1 */
Test(act_cost, float_sigmoid_is_as_accurate_as_libm_cc, .timeout = 120) { check_accuracy("cc", "sigmoid", exact_sigmoid, 3.0); }
Test(act_cost, float_sigmoid_is_as_accurate_as_libm_tcc, .timeout = 120) { check_accuracy("tcc", "sigmoid", exact_sigmoid, 3.0); }
Test(act_cost, float_tanh_is_accurate_cc, .timeout = 120) { check_accuracy("cc", "tanh", tanh, 3.0); }
Test(act_cost, float_tanh_is_accurate_tcc, .timeout = 120) { check_accuracy("tcc", "tanh", tanh, 3.0); }
