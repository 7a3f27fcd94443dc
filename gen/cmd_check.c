/*
 * cmd_check.c -- `cnngen check NET.lua`: build the double-precision code
 * and compare its loss_grad with central finite differences of its cost on
 * random inputs (runtime/gradcheck.h: every parameter of a net with at most
 * 5000, else a random sample of each layer's weights and of its biases),
 * printing the worst relative error per group.
 *
 *   --tolerance T   fail above T (default 1e-4)
 *   --seed N        inputs, labels, initial parameters, sample (default 1)
 *   --backend B     tcc (default) or cc
 *   --unroll M      the code variant to check
 *
 * Exit status 0 when every group passes, 1 when one does not (the table
 * on stdout, one line naming the worst group on stderr), 2 for bad flags
 * or description.
 *
 * TEST-ONLY: with CNNGEN_TEST_BREAK_GRAD=1 in the environment, one
 * component of the analytic gradient is perturbed after loss_grad (see
 * gc_opts.break_grad), so the tests can watch the check fail.  It exists
 * for tests/test_check.c and has no other use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gradcheck.h"
#include "host.h"
#include "net.h"

/* One group per layer's weights and one per its biases. */
static int check_groups(const net *n, gc_group **out)
{
    gc_group *g = calloc(2 * (size_t)n->nlayers + 1, sizeof *g);
    int k, count = 0;
    if (!g)
        return -1;
    for (k = 0; k < n->nlayers; ++k) {
        const net_layer *L = &n->layers[k];
        if (L->wcount) {
            snprintf(g[count].name, sizeof g[count].name, "layer %d %s w", L->index, L->kind);
            g[count].off = L->woff;
            g[count++].count = L->wcount;
        }
        if (L->bcount) {
            snprintf(g[count].name, sizeof g[count].name, "layer %d %s b", L->index, L->kind);
            g[count].off = L->boff;
            g[count++].count = L->bcount;
        }
    }
    *out = g;
    return count;
}

int cmd_check(lua_State *T, const cli_opts *o)
{
    static const char *const not_for_check[] = {
        "-o", "--weights", "--save", "--load", "--data", "--json", "--inference", "--epochs",
        "--eta", "--batch", "--l2", "--limit", NULL
    };
    char err[4096];
    net_request rq;
    net n;
    net_api api;
    gc_group *groups = NULL;
    gc_result *res = NULL;
    gc_opts go;
    const char *brk = getenv("CNNGEN_TEST_BREAK_GRAD");
    int rc, ng, k, worst = -1, all;

    if ((rc = opts_reject_flags(o, "check", not_for_check)) != 0)
        return rc;
    if (o->real && strcmp(o->real, "double") != 0) {
        fprintf(stderr, "cnngen: check runs in double precision (finite differences "
                "in float are noise); drop --real %s\n", o->real);
        return HOST_USER;
    }
    opts_request(o, &rq);
    rq.forms[rq.nforms++] = opts_backend(o, "tcc");
    rq.real = "double";
    if ((rc = net_generate(T, &rq, &n, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    memset(&api, 0, sizeof api);
    if (net_compile(&n, 0, NULL, &api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        rc = HOST_FAIL;
        goto done;
    }
    rc = HOST_INTERNAL;
    ng = check_groups(&n, &groups);
    if (ng < 0 || !(res = calloc(ng ? (size_t)ng : 1, sizeof *res))) {
        fprintf(stderr, "cnngen: out of memory\n");
        goto done;
    }
    memset(&go, 0, sizeof go);
    go.seed = o->has_seed ? o->seed : 1;
    go.tolerance = o->has_tolerance ? o->tolerance : 1e-4;
    go.break_grad = brk && !strcmp(brk, "1");          /* TEST-ONLY, see above */
    gradcheck_defaults(&go);
    if (gradcheck_run(&api, groups, ng, &go, res, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }

    all = api.param_count <= go.full_limit;
    printf("%s: gradient check in double (%s), %zu parameters (%s), %d random samples, "
           "h = %g, tolerance %g\n", n.name, api.backend, api.param_count,
           all ? "all checked" : "sampled per group", go.nsamp, go.h, go.tolerance);
    printf("  %-20s %10s %8s %8s %12s %10s %14s %14s\n", "group", "params", "checked",
           "skipped", "worst error", "at", "loss_grad", "finite diff");
    rc = HOST_OK;
    for (k = 0; k < ng; ++k) {
        const gc_result *r = &res[k];
        int ok = gradcheck_group_ok(r, go.tolerance);
        printf("  %-20s %10zu %8zu %8zu %12.3g %10zu %14.6g %14.6g%s\n", groups[k].name,
               groups[k].count, r->checked, r->skipped, r->worst, r->worst_index, r->worst_g,
               r->worst_fd, ok ? "" : "  FAIL");
        if (!ok) {
            rc = HOST_FAIL;
            if (worst < 0 || r->worst > res[worst].worst)
                worst = k;
        }
    }
    fflush(stdout);
    if (rc == HOST_OK) {
        double w = 0;
        for (k = 0; k < ng; ++k)
            if (res[k].worst > w)
                w = res[k].worst;
        printf("passed: worst relative error %.3g <= %g\n", w, go.tolerance);
    } else {
        const gc_result *r = &res[worst];
        if (r->worst > go.tolerance)
            fprintf(stderr, "cnngen: gradient check failed: %s: relative error %.3g at "
                    "parameter %zu (loss_grad %.9g, finite difference %.9g) > tolerance %g\n",
                    groups[worst].name, r->worst, r->worst_index, r->worst_g, r->worst_fd,
                    go.tolerance);
        else
            fprintf(stderr, "cnngen: gradient check failed: %s: %zu of %zu components sit "
                    "on kinks (relu or max-pool ties); try another --seed\n",
                    groups[worst].name, r->skipped, r->checked + r->skipped);
    }
done:
    free(groups);
    free(res);
    jit_release(&api);
    net_free(&n);
    return rc;
}
