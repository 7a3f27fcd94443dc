/*
 * test_check.c -- suite "check": `cnngen check` (the built binary, $CNNGEN)
 * and runtime/gradcheck.c in-process: the examples pass, a deliberately
 * broken gradient fails (the test-only hook CNNGEN_TEST_BREAK_GRAD=1, see
 * gen/cmd_check.c), small nets are checked in full and large ones sampled
 * per group, and bad invocations exit 2 with one line.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "fsutil.h"
#include "gradcheck.h"
#include "jit.h"
#include "proc.h"

static void ck_setup(void)
{
    fs_scratch_make("check");
}

/* <scratch>/name, written with text when text is not NULL. */
static const char *ck_file(char *buf, size_t len, const char *name, const char *text)
{
    snprintf(buf, len, "%s/%s", fs_scratch(), name);
    if (text) {
        FILE *f = fopen(buf, "w");
        cr_assert_not_null(f, "%s: %s", buf, strerror(errno));
        fputs(text, f);
        fclose(f);
    }
    return buf;
}

typedef struct ck_out {
    int status;
    char out[8192], err[2048];
} ck_out;

/* Run `cnngen check <net> [extra...]`, with env ("K=V") if not NULL. */
extern char **environ;

static void ck_run(ck_out *o, const char *net, const char *extra1, const char *extra2,
                   const char *env)
{
    const char *bin = getenv("CNNGEN");
    char cache[300];
    const char *argv[8];
    char *envp[256];
    proc_result r;
    int k = 0, n;
    argv[k++] = bin && *bin ? bin : "build/cnngen";
    argv[k++] = "check";
    argv[k++] = net;
    if (extra1) argv[k++] = extra1;
    if (extra2) argv[k++] = extra2;
    argv[k] = NULL;
    for (k = 0, n = 0; environ[k] && n < 250; ++k)
        if (strncmp(environ[k], "CNNGEN_TEST_BREAK_GRAD=", 23) && strncmp(environ[k], "XDG_CACHE_HOME=", 15))
            envp[n++] = environ[k];
    snprintf(cache, sizeof cache, "XDG_CACHE_HOME=%s/xdg", tb_tmpdir());
    envp[n++] = cache;
    if (env)
        envp[n++] = (char *)env;
    envp[n] = NULL;
    proc_run(&r, NULL, (char *const *)argv, envp, 0);
    o->status = r.signal ? 128 + r.signal : r.status;
    snprintf(o->out, sizeof o->out, "%s", r.out);
    snprintf(o->err, sizeof o->err, "%s", r.err);
    proc_free(&r);
}

static void ck_one_line(const ck_out *o, int status, const char *want)
{
    cr_expect_eq(o->status, status, "status %d, want %d; stderr: %s", o->status, status, o->err);
    cr_expect(proc_one_line(o->err), "not one line on stderr: [%s]", o->err);
    cr_expect(strstr(o->err, want) != NULL, "stderr [%s] lacks [%s]", o->err, want);
}

/* 2x6x6 input, conv + pool + two dense: 4 groups with parameters... */
static const char small_net[] =
    "return network {\n"
    "  name = \"small\", input = { 2, 6, 6 },\n"
    "  layers = {\n"
    "    conv { maps = 3, kernel = {3, 1}, act = \"tanh\" },\n"
    "    maxpool { size = 2 },\n"
    "    dense { units = 5, act = \"sigmoid\" },\n"
    "    dense { units = 3, act = \"softmax\" },\n"
    "  },\n"
    "}\n";

/* ... and one over 5000 parameters, to be sampled. */
static const char wide_net[] =
    "return network {\n"
    "  name = \"wide\", input = { 1, 8, 8 },\n"
    "  layers = { dense { units = 100, act = \"sigmoid\" }, dense { units = 10, act = \"softmax\" } },\n"
    "}\n";

TestSuite(check, .init = ck_setup, .fini = fs_scratch_remove, .timeout = 60);

/* ---- the examples ---------------------------------------------------- */

/* Names inline, not pointers: the parameters are copied into the worker. */
struct ck_example {
    char name[16];
};

ParameterizedTestParameters(check, examples_pass)
{
    static struct ck_example ex[] = { { "nielsen1" }, { "nielsen2" }, { "lenet5" } };
    return cr_make_param_array(struct ck_example, ex, sizeof ex / sizeof *ex);
}

ParameterizedTest(struct ck_example *ex, check, examples_pass)
{
    const char *root = getenv("CNNGEN_ROOT");
    char net[512];
    ck_out o;
    snprintf(net, sizeof net, "%s/examples/%s.lua", root && *root ? root : ".", ex->name);
    ck_run(&o, net, NULL, NULL, NULL);
    cr_assert_eq(o.status, 0, "stdout:\n%s\nstderr: %s", o.out, o.err);
    cr_expect(strstr(o.out, "passed: worst relative error") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "layer 1 conv w") && strstr(o.out, "layer 1 conv b"), "%s", o.out);
    cr_expect(strstr(o.out, "sampled per group") != NULL, "%s", o.out);
    cr_expect_str_empty(o.err);
}

/* ---- small nets in full, large ones sampled, the break hook ---------- */

Test(check, a_small_net_is_checked_in_full_and_passes)
{
    char net[128];
    ck_out o;
    ck_run(&o, ck_file(net, sizeof net, "small.lua", small_net), NULL, NULL, NULL);
    cr_assert_eq(o.status, 0, "stdout:\n%s\nstderr: %s", o.out, o.err);
    cr_expect(strstr(o.out, "(all checked)") != NULL, "%s", o.out);
    /* layer 1: 3 maps x 2 channels x 3x1 = 18 weights, all checked */
    cr_expect(strstr(o.out, "layer 1 conv w               18       18") != NULL, "%s", o.out);
}

Test(check, a_broken_gradient_fails_with_status_1)
{
    char net[128];
    ck_out o;
    ck_run(&o, ck_file(net, sizeof net, "small.lua", small_net), NULL, NULL,
           "CNNGEN_TEST_BREAK_GRAD=1");
    ck_one_line(&o, 1, "gradient check failed: layer 1 conv w: relative error");
    cr_expect(strstr(o.out, "FAIL") != NULL, "%s", o.out);
}

Test(check, a_broken_gradient_is_found_in_a_sampled_net_too)
{
    char net[128];
    ck_out o;
    ck_file(net, sizeof net, "wide.lua", wide_net);
    ck_run(&o, net, NULL, NULL, NULL);
    cr_assert_eq(o.status, 0, "stdout:\n%s\nstderr: %s", o.out, o.err);
    cr_expect(strstr(o.out, "sampled per group") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "layer 1 dense w            6400       60") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "layer 2 dense b              10       10") != NULL, "%s", o.out);
    ck_run(&o, net, NULL, NULL, "CNNGEN_TEST_BREAK_GRAD=1");
    ck_one_line(&o, 1, "gradient check failed: layer 1 dense w");
}

Test(check, tolerance_and_seed_flags_apply)
{
    char net[128];
    ck_out o;
    ck_file(net, sizeof net, "small.lua", small_net);
    /* 1e-10: far below what a finite difference resolves, yet above the
     * difference of two finite differences (h, h/10) where the cost is smooth;
     * under 1e-30 they would have to agree bit for bit, or every component
     * counts as a kink, and which do is the luck of the rounding */
    ck_run(&o, net, "--tolerance", "1e-10", NULL);
    ck_one_line(&o, 1, "> tolerance 1e-10");
    ck_run(&o, net, "--seed", "99", NULL);
    cr_expect_eq(o.status, 0, "%s%s", o.out, o.err);
    ck_run(&o, net, "--backend", "cc", NULL);
    cr_expect_eq(o.status, 0, "%s%s", o.out, o.err);
    cr_expect(strstr(o.out, "double (cc)") != NULL, "%s", o.out);
}

Test(check, bad_invocations_exit_2_with_one_line)
{
    char net[128], bad[128];
    ck_out o;
    ck_file(net, sizeof net, "small.lua", small_net);
    ck_run(&o, net, "--real", "float", NULL);
    ck_one_line(&o, 2, "check runs in double precision");
    ck_run(&o, net, "--data", "x", NULL);
    ck_one_line(&o, 2, "check does not take --data");
    ck_run(&o, net, "--tolerance", "-1", NULL);
    ck_one_line(&o, 2, "--tolerance");
    ck_file(bad, sizeof bad, "bad.lua", "return network { name = \"b\", input = {1, 4, 4},\n"
            "  layers = { conv { maps = 2, kernel = 5 } } }\n");
    ck_run(&o, bad, NULL, NULL, NULL);
    ck_one_line(&o, 2, "bad.lua:2:");
}

/* ---- gradcheck.c in-process ------------------------------------------ */

Test(check, gradcheck_run_compares_every_component_and_sees_a_break)
{
    net_api a;
    char err[1024];
    gc_opts go;
    gc_group g[2];
    gc_result r[2];
    cr_assert_eq(tb_build(small_net, "double", NULL, "tcc", NULL, &a, err, sizeof err), 0,
                 "%s", err);
    memset(g, 0, sizeof g);
    strcpy(g[0].name, "first half");
    g[0].count = a.param_count / 2;
    strcpy(g[1].name, "second half");
    g[1].off = g[0].count;
    g[1].count = a.param_count - g[0].count;
    memset(&go, 0, sizeof go);
    go.seed = 4;
    cr_assert_eq(gradcheck_run(&a, g, 2, &go, r, err, sizeof err), 0, "%s", err);
    cr_expect_eq(r[0].checked + r[0].skipped, g[0].count);
    cr_expect_eq(r[1].checked + r[1].skipped, g[1].count);
    cr_expect(r[0].worst < 1e-6 && r[1].worst < 1e-6, "worst %g, %g", r[0].worst, r[1].worst);
    cr_expect(gradcheck_group_ok(&r[0], 1e-4) && gradcheck_group_ok(&r[1], 1e-4));
    go.break_grad = 1;
    cr_assert_eq(gradcheck_run(&a, g, 2, &go, r, err, sizeof err), 0, "%s", err);
    cr_expect(!gradcheck_group_ok(&r[0], 1e-4), "break not seen: worst %g", r[0].worst);
    cr_expect(gradcheck_group_ok(&r[1], 1e-4));
    /* one group of everything by default; the float build is refused */
    cr_assert_eq(gradcheck_run(&a, NULL, 0, &go, r, err, sizeof err), 0, "%s", err);
    cr_expect_eq(r[0].checked + r[0].skipped, a.param_count);
    jit_release(&a);
    cr_assert_eq(tb_build(small_net, "float", NULL, "tcc", NULL, &a, err, sizeof err), 0);
    cr_expect_eq(gradcheck_run(&a, NULL, 0, &go, r, err, sizeof err), -1);
    jit_release(&a);
}

Test(check, relative_error_has_a_floor)
{
    cr_expect_eq(gradcheck_rel_err(0, 0), 0);
    cr_expect(fabs(gradcheck_rel_err(2e-9, 1e-9) - 0.1) < 1e-12);
    cr_expect(fabs(gradcheck_rel_err(1.0, 0.5) - 0.5) < 1e-12);
}
