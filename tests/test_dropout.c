/*
 * test_dropout.c -- inverted dropout, dropout { p }: in training each unit
 * of the layer below is kept with probability 1 − p and scaled by
 * 1/(1 − p), by a draw keyed by (seed, step, sample, layer, unit); outside
 * training the identity, and inference code leaves it out.
 *
 *   - forward (the identity) and cost (through the masks) against the
 *     reference, every gradient component against finite differences with
 *     the masks held fixed (one key), the float gradient against the double
 *     one, in every --unroll form: after a dense layer, after a conv and
 *     max-pool stage (network3's), under a conv, after an average pool, two
 *     in a row, for p = 0, 0.2, 0.5, 0.75;
 *   - the units kept are exactly those of the contract's draw (the
 *     reference's ref_dropout_kept), scaled by 1/(1 − p), and about 1 − p
 *     of them;
 *   - the masks depend on neither the chunk (the gradient bit for bit) nor
 *     the split of a batch into slices (each keyed from its first sample's
 *     position), and on the step;
 *   - the cc build computes what the tcc build does;
 *   - the C of every form, training and inference, float and double,
 *     compiles without a diagnostic under gcc, clang and tcc; inference
 *     code, float and int8, is that of the net without the dropout layers
 *     (but for the description's hash), so it has no trace of them;
 *   - cnngen run: the same weights, bit for bit, whatever --chunk, after a
 *     resume and from an experiment script's model:train; to float rounding
 *     with --threads 2 and --backend cc;
 *   - cnngen info and cnngen check.
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
#include "runfix.h"

/* ---- forward and gradient ------------------------------------------------ */

static double ps[] = { 0.0, 0.2, 0.5, 0.75 };

ParameterizedTestParameters(dropout, matches_reference_and_finite_differences)
{
    return cr_make_param_array(double, ps, sizeof ps / sizeof ps[0]);
}

ParameterizedTest(double *p, dropout, matches_reference_and_finite_differences, .timeout = 240)
{
    static const char *const where[] = { "after a dense layer", "after a conv and max-pool stage", "under a conv",
                                         "after an average pool", "two in a row" };
    ref_net nets[5];
    nc_result r;
    int u, k;
    nets[0] = ref_net_make(1, 6, 6, REF_LOGLIK);
    ref_add_dense(&nets[0], 12, REF_SIGMOID);
    ref_add_dropout(&nets[0], *p);
    ref_add_dense(&nets[0], 4, REF_SOFTMAX);
    nets[1] = ref_net_make(1, 10, 10, REF_LOGLIK);
    ref_add_conv(&nets[1], 3, 3, 3, 1, 1, 0, REF_SIGMOID);
    ref_add_pool(&nets[1], 2, 2, 2, 2);
    ref_add_dropout(&nets[1], *p);
    ref_add_dense(&nets[1], 8, REF_RELU);
    ref_add_dropout(&nets[1], *p);
    ref_add_dense(&nets[1], 3, REF_SOFTMAX);
    nets[2] = ref_net_make(2, 7, 7, REF_QUADRATIC);
    ref_add_conv(&nets[2], 3, 3, 3, 1, 1, 1, REF_TANH);
    ref_add_dropout(&nets[2], *p);
    ref_add_conv(&nets[2], 2, 3, 3, 2, 2, 0, REF_LINEAR);
    nets[3] = ref_net_make(2, 8, 8, REF_CROSSENTROPY);
    ref_add_conv(&nets[3], 2, 3, 3, 1, 1, 1, REF_RELU);
    ref_add_avgpool(&nets[3], 2, 2, 2, 2);
    ref_add_dropout(&nets[3], *p);
    ref_add_dense(&nets[3], 3, REF_SIGMOID);
    nets[4] = ref_net_make(1, 5, 5, REF_QUADRATIC);
    ref_add_dense(&nets[4], 10, REF_TANH);
    ref_add_dropout(&nets[4], *p);
    ref_add_dropout(&nets[4], 0.5);
    ref_add_dense(&nets[4], 2, REF_LINEAR);
    for (k = 0; k < 5; ++k)
        for (u = 0; u < TB_NUNROLLS; ++u) {
            nc_check(&nets[k], tb_unrolls[u], 5 + (unsigned)(3 * k + u), 4, 0, &r);
            cr_assert(r.ok, "p = %g, %s, --unroll %s: %s", *p, where[k], tb_unrolls[u], r.msg);
            nc_check_float(&nets[k], tb_unrolls[u], 3, 4, &r);
            cr_assert(r.ok, "p = %g, %s, float, --unroll %s: %s", *p, where[k], tb_unrolls[u], r.msg);
        }
}

/* ---- the draw -------------------------------------------------------------- */

#define UNITS 400

/* dense { units = 400, linear } on a 1-value input, dropout p, dense
 * { units = 1, linear }, quadratic cost, with w^1 = 1, b^1 = 0: a^1[u] =
 * x, a^2[u] = m[u]·x/(1 − p), so ∂C/∂w^3[u] = (y − 1)·m[u]·x/(1 − p),
 * non-zero exactly where unit u is kept.  Over 25 keys (steps) of one
 * sample each, the units kept are those of the reference's draw, one by
 * one, the gradient has the scale 1/(1 − p), and the fraction kept is
 * 1 − p within 4 standard deviations. */
Test(dropout, keeps_the_units_the_draw_says_about_one_in_one_over_one_minus_p, .timeout = 60)
{
    static const double probs[] = { 0.2, 0.5, 0.75 };
    size_t pi;
    for (pi = 0; pi < sizeof probs / sizeof probs[0]; ++pi) {
        double p = probs[pi], par[3 * UNITS + 1], g[3 * UNITS + 1], x = 0.75;
        ref_net n = ref_net_make(1, 1, 1, REF_QUADRATIC);
        char src[2048], err[700];
        net_api api;
        void *work;
        int label = 0, kept = 0, step, u;
        double rate, sd;
        ref_add_dense(&n, UNITS, REF_LINEAR);
        ref_add_dropout(&n, p);
        ref_add_dense(&n, 1, REF_LINEAR);
        ref_lua(&n, "draw", src, sizeof src);
        cr_assert_eq(tb_build(src, "double", NULL, "tcc", NULL, &api, err, sizeof err), 0, "%s", err);
        cr_assert_not_null(api.train_key, "a net with dropout has no <net>_train_key");
        work = malloc(api.work_size);
        cr_assert(work);
        for (u = 0; u < UNITS; ++u) par[u] = 1.0, par[UNITS + u] = 0.0, par[2 * UNITS + u] = 0.01 * (u % 7 + 1);
        par[3 * UNITS] = 0.0;
        for (step = 0; step < 25; ++step) {
            ref_key key;
            double y = 0.0;
            key.seed = 99, key.step = (unsigned long long)step, key.sample = 11, key.layer = 2;
            api.train_key(work, 99, (unsigned long long)step, 11);
            api.loss_grad.d(par, work, &x, &label, 1, g);
            for (u = 0; u < UNITS; ++u)
                if (ref_dropout_kept(&key, (size_t)u, p)) y += par[2 * UNITS + u] * x / (1 - p);
            for (u = 0; u < UNITS; ++u) {
                int want = ref_dropout_kept(&key, (size_t)u, p);
                double gw = (y - 1.0) * (want ? x / (1 - p) : 0.0);
                cr_assert_eq(g[2 * UNITS + u] != 0.0, want, "p = %g, step %d: unit %d %s, the draw says %s", p, step,
                             u, g[2 * UNITS + u] != 0.0 ? "kept" : "dropped", want ? "kept" : "dropped");
                cr_assert(fabs(g[2 * UNITS + u] - gw) <= 1e-12 * fabs(gw),
                          "p = %g, step %d: ∂C/∂w[%d] = %.17g, (y − 1)·m·x/(1 − p) = %.17g", p, step, u,
                          g[2 * UNITS + u], gw);
                kept += want;
            }
        }
        rate = kept / (25.0 * UNITS);
        sd = sqrt(p * (1 - p) / (25.0 * UNITS));
        cr_assert(fabs(rate - (1 - p)) <= 4 * sd, "p = %g: %.4f of the units kept, not about %.2f", p, rate, 1 - p);
        cr_log_info("dropout: p = %g keeps %.4f of the units (1 − p = %.2f, sd %.4f)", p, rate, 1 - p, sd);
        free(work);
        jit_release(&api);
    }
}

/* loss_grad on 9 samples with the key (5, 2, 100): the same gradient, bit
 * for bit, with the work struct holding 1, 4 or 10 samples; two calls on
 * slices of 4 and 5 samples, keyed from 100 and 104, give the same mean
 * gradient (to rounding: the sums associate differently), as the runner's
 * threads do; another step gives another one. */
Test(dropout, masks_depend_on_neither_chunk_nor_slices_but_on_the_step, .timeout = 120)
{
    static const int chunks[] = { 1, 4, 10 };
    ref_net n = ref_net_make(1, 10, 10, REF_LOGLIK);
    char src[4096], err[700];
    double *par, *g[3], *ga, *gb, *gs, x[9 * 100];
    int labels[9], c;
    size_t k, np;
    net_api api[3];
    void *work[3];
    ref_add_conv(&n, 3, 3, 3, 1, 1, 0, REF_SIGMOID);
    ref_add_pool(&n, 2, 2, 2, 2);
    ref_add_dropout(&n, 0.5);
    ref_add_dense(&n, 8, REF_TANH);
    ref_add_dropout(&n, 0.3);
    ref_add_dense(&n, 3, REF_SOFTMAX);
    ref_lua(&n, "chunked", src, sizeof src);
    np = ref_param_count(&n);
    par = malloc(np * sizeof *par), ga = malloc(np * sizeof *ga), gb = malloc(np * sizeof *gb);
    gs = malloc(np * sizeof *gs);
    cr_assert(par && ga && gb && gs);
    nc_random_batch(17, x, 100, labels, 9, 3);
    for (c = 0; c < 3; ++c) {
        cr_assert_eq(tb_build_chunk(src, "double", NULL, chunks[c], "tcc", NULL, &api[c], err, sizeof err), 0, "%s",
                     err);
        g[c] = malloc(np * sizeof *g[c]);
        work[c] = malloc(api[c].work_size);
        cr_assert(g[c] && work[c]);
        if (c == 0) api[0].init.d(par, 8);
        api[c].train_key(work[c], 5, 2, 100);
        api[c].loss_grad.d(par, work[c], x, labels, 9, g[c]);
        if (c > 0)
            cr_assert(memcmp(g[c], g[0], np * sizeof *g[0]) == 0, "--chunk %d changes the gradient", chunks[c]);
    }
    api[1].train_key(work[1], 5, 2, 100);
    api[1].loss_grad.d(par, work[1], x, labels, 4, ga);
    api[1].train_key(work[1], 5, 2, 104);
    api[1].loss_grad.d(par, work[1], x + 4 * 100, labels + 4, 5, gb);
    for (k = 0; k < np; ++k) {
        double want = (4 * ga[k] + 5 * gb[k]) / 9;
        cr_assert(fabs(g[0][k] - want) <= 1e-12 * fmax(fabs(want), 1e-3),
                  "slices: component %zu is %.17g, the whole batch's %.17g", k, want, g[0][k]);
    }
    api[1].train_key(work[1], 5, 3, 100);
    api[1].loss_grad.d(par, work[1], x, labels, 9, gs);
    cr_assert(memcmp(gs, g[0], np * sizeof *gs) != 0, "step 3 draws the masks of step 2");
    for (c = 0; c < 3; ++c) {
        free(g[c]), free(work[c]);
        jit_release(&api[c]);
    }
    free(par), free(ga), free(gb), free(gs);
}

/* The cc build in its default form computes what the tcc build does, in
 * double: forward (the identity there) and the gradient through the masks. */
Test(dropout, cc_build_matches_tcc, .timeout = 120)
{
    ref_net n = ref_net_make(2, 9, 9, REF_LOGLIK);
    nc_result r;
    ref_add_conv(&n, 3, 3, 3, 1, 1, 1, REF_TANH);
    ref_add_pool(&n, 3, 3, 3, 3);
    ref_add_dropout(&n, 0.4);
    ref_add_dense(&n, 6, REF_SIGMOID);
    ref_add_dropout(&n, 0.5);
    ref_add_dense(&n, 5, REF_SOFTMAX);
    nc_check_cc(&n, 11, 3, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* ---- the generated C ------------------------------------------------------- */

/* The test net, with dropout (drop = 1) or without: conv, max-pool,
 * [dropout], dense, [dropout], dense softmax (a plane of 24x24: with
 * smaller ones, a conv on the input under a max-pool leaves two unused
 * variables in its --unroll none backward, with or without dropout). */
static ref_net small_net(int drop)
{
    ref_net n = ref_net_make(1, 26, 26, REF_LOGLIK);
    ref_add_conv(&n, 3, 3, 3, 1, 1, 0, REF_SIGMOID);
    ref_add_pool(&n, 2, 2, 2, 2);
    if (drop) ref_add_dropout(&n, 0.25);
    ref_add_dense(&n, 8, REF_RELU);
    if (drop) ref_add_dropout(&n, 0.5);
    ref_add_dense(&n, 5, REF_SOFTMAX);
    return n;
}

/* Writes the description net.lua and, when w is not NULL, float weights
 * w from the generated init. */
static void write_net(const ref_net *n, const char *w)
{
    char err[700];
    cr_assert_eq(nc_write_net(n, fs_path("net.lua"), w ? fs_path(w) : NULL, 3, NULL, err, sizeof err), 0, "%s", err);
}

/* The file <name> without the lines that name the description's hash,
 * appended to out (malloc'd, grown) */
static char *append_code(char *out, const char *name)
{
    char *text = fs_slurp(fs_path(name), NULL), *o;
    const char *line;
    cr_assert_not_null(text, "%s", name);
    out = realloc(out, (out ? strlen(out) : 0) + strlen(text) + 1);
    cr_assert(out);
    o = out + strlen(out);
    for (line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        const char *hash = strstr(line, "FNV-1a");
        if (!hash || hash >= line + len) memcpy(o, line, len), o += len;
        line += len;
    }
    *o = '\0';
    free(text);
    return out;
}

/* <base>.h and <base>.c but the description's hash (malloc'd) */
static char *code_of(const char *base)
{
    char h[64], c[64], *out = calloc(1, 1);
    snprintf(h, sizeof h, "%s.h", base);
    snprintf(c, sizeof c, "%s.c", base);
    return append_code(append_code(out, h), c);
}

static void scratch_setup(void)
{
    fs_scratch_make("masks");   /* (a name the generated code must not contain: "dropout") */
}

static void scratch_teardown(void)
{
    fs_scratch_remove();
}

/* Training code of every form, float and double, compiles without a
 * diagnostic; inference code of every form, float and double, is the
 * inference code of the same net without dropout, with the same weights
 * (which load into it: dropout is not part of the layout), but for the
 * description's hash: no trace of dropout; and so is the int8 code. */
Test(dropout, every_form_compiles_and_inference_code_has_no_trace, .init = scratch_setup,
     .fini = scratch_teardown, .timeout = 600)
{
    static const char *const reals[] = { "float", "double" };
    ref_net with = small_net(1), without = small_net(0);
    char *a, *b;
    int u, r;
    write_net(&with, "w.bin");
    for (u = 0; u < TB_NUNROLLS; ++u)
        for (r = 0; r < 2; ++r) {
            char opts[64];
            snprintf(opts, sizeof opts, "--real %s --unroll %s", reals[r], tb_unrolls[u]);
            write_net(&with, NULL);
            free(proc_ok("'%s' '%s' %s -o '%s' 2>&1", fs_env("CNNGEN"), fs_path("net.lua"), opts, fs_path("t.c")));
            proc_compile_everywhere(fs_scratch(), "t", opts);
            free(proc_ok("'%s' '%s' --inference --weights '%s' %s -o '%s' 2>&1", fs_env("CNNGEN"),
                         fs_path("net.lua"), fs_path("w.bin"), opts, fs_path("i.c")));
            a = code_of("i");
            write_net(&without, NULL);
            free(proc_ok("'%s' '%s' --inference --weights '%s' %s -o '%s' 2>&1", fs_env("CNNGEN"),
                         fs_path("net.lua"), fs_path("w.bin"), opts, fs_path("i.c")));
            b = code_of("i");
            cr_assert_str_eq(a, b, "%s: the inference code with dropout is not that without it", opts);
            cr_assert_null(strstr(a, "dropout"), "%s", opts);
            free(a), free(b);
        }
    rt_make_data("data", 30, 10, 26, 26, 4, 0);
    write_net(&with, NULL);
    free(proc_ok("'%s' '%s' --inference --weights '%s' --quantize int8 --data '%s' -o '%s' 2>&1", fs_env("CNNGEN"),
                 fs_path("net.lua"), fs_path("w.bin"), fs_path("data"), fs_path("i.c")));
    a = code_of("i");
    write_net(&without, NULL);
    free(proc_ok("'%s' '%s' --inference --weights '%s' --quantize int8 --data '%s' -o '%s' 2>&1", fs_env("CNNGEN"),
                 fs_path("net.lua"), fs_path("w.bin"), fs_path("data"), fs_path("i.c")));
    b = code_of("i");
    cr_assert_str_eq(a, b, "the int8 code with dropout is not that without it");
    free(a), free(b);
}

/* `cnngen info` lists the layer in training code, its work struct counted
 * (a^l, the mask, ∂C/∂a^l), and not in inference code (its footprint is
 * that of the net without it); `cnngen check` holds the masks fixed and
 * passes. */
Test(dropout, info_and_check, .init = scratch_setup, .fini = scratch_teardown, .timeout = 240)
{
    ref_net n = small_net(1);
    char *out, row[128];
    write_net(&n, NULL);
    out = proc_ok("'%s' info '%s' 2>&1", fs_env("CNNGEN"), fs_path("net.lua"));
    /* its work: a^3 and ∂C/∂a^3, 432 floats each, and the mask, 432 bytes padded to 448 */
    snprintf(row, sizeof row, "\n%-3d %-8s %-16s %12s %14s %14s %12s\n", 3, "dropout", "[3][12][12]", "0", "0", "0",
             "3,904");
    cr_assert(strstr(out, row) && strstr(out, "\n5   dropout  [8]"), "%s", out);
    free(out);
    out = proc_ok("'%s' info '%s' --inference 2>&1", fs_env("CNNGEN"), fs_path("net.lua"));
    cr_assert(!strstr(out, "dropout") && strstr(out, "\n3   dense") && strstr(out, "inference footprint"), "%s", out);
    free(out);
    out = proc_ok("'%s' check '%s' 2>&1", fs_env("CNNGEN"), fs_path("net.lua"));
    cr_assert_not_null(strstr(out, "passed"), "%s", out);
    free(out);
    out = proc_ok("'%s' check '%s' --unroll full 2>&1", fs_env("CNNGEN"), fs_path("net.lua"));
    cr_assert_not_null(strstr(out, "passed"), "%s", out);
    free(out);
}

/* ---- cnngen run ---------------------------------------------------------- */

/* Training on synthetic data: the weights after 2 epochs are the same
 * bytes with --chunk 1 and 3, after a run resumed after epoch 1 (the masks
 * are keyed by the step and the position in the epoch's order) and from an
 * experiment script, and
 * agree to float rounding with --threads 2 and --backend cc; without
 * dropout (p = 0 trains as no dropout layer does) they differ. */
Test(dropout, runs_reproduce_across_chunk_resume_threads_and_backend, .init = rt_setup, .fini = fs_scratch_remove,
     .timeout = 240)
{
    static const char net_text[] =
        "return network {\n"
        "  name = \"syn\", input = { 1, 8, 8 },\n"
        "  layers = {\n"
        "    conv { maps = 4, kernel = 3, act = \"sigmoid\" },\n"
        "    maxpool { size = 2 },\n"
        "    dropout { p = 0.25 },\n"
        "    dense { units = 12, act = \"relu\" },\n"
        "    dropout { p = %s },\n"
        "    dense { units = 4, act = \"softmax\" },\n"
        "  },\n"
        "  train = { eta = 0.3, batch = 10, epochs = 2, seed = 3 },\n"
        "}\n";
    static const char *const names[] = { "w1.bin", "wc1.bin", "wc3.bin", "wr.bin", "wt.bin", "wcc.bin", "wp0.bin" };
    char text[1024], net[256], net0[256], data[256], w[7][256];
    rt_out o;
    int k;
    rt_make_data("data", 100, 20, 8, 8, 4, 0);
    snprintf(text, sizeof text, net_text, "0.5");
    rt_write("drop.lua", text);
    snprintf(text, sizeof text, net_text, "0");
    rt_write("drop0.lua", text);
    rt_path(net, sizeof net, "drop.lua");
    rt_path(net0, sizeof net0, "drop0.lua");
    rt_path(data, sizeof data, "data");
    for (k = 0; k < 7; ++k) rt_path(w[k], sizeof w[k], names[k]);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--save", w[0], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--chunk", "1", "--save", w[1], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--chunk", "3", "--save", w[2], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(rt_same_file(w[0], w[1]) && rt_same_file(w[0], w[2]), "--chunk changes the weights");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", "--save", w[3], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--load", w[3], "--save", w[3], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(rt_same_file(w[0], w[3]), "a resumed run ends with other weights");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--threads", "2", "--save", w[4], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    rt_expect_close_weights(w[0], w[4], 1e-4);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--backend", "cc", "--save", w[5], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    rt_expect_close_weights(w[0], w[5], 1e-4);
    rt_run(&o, (const char *const[]){ "run", net0, "--data", data, "--save", w[6], NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(!rt_same_file(w[0], w[6]), "p = 0.5 trains as p = 0 does");
    /* an experiment script trains through the same loop: the same bytes */
    {
        char net_only[1024], script[2048], exp[256];
        snprintf(net_only, sizeof net_only, net_text, "0.5");
        snprintf(script, sizeof script,
                 "local d = cnngen.data(\"%s\")\nlocal net = %s\n"
                 "local m = cnngen.compile(net, { backend = \"tcc\" })\n"
                 "m:train(d, { epochs = 2, eta = 0.3, batch = 10, seed = 3 })\nm:save(\"%s\")\n",
                 data, net_only + strlen("return "), w[6]);
        rt_write("exp.lua", script);
        rt_path(exp, sizeof exp, "exp.lua");
        rt_run(&o, (const char *const[]){ "run", exp, NULL }, NULL);
        cr_assert_eq(o.status, 0, "stderr: %s", o.err);
        cr_assert(rt_same_file(w[0], w[6]), "model:train ends with other weights than cnngen run");
    }
}
