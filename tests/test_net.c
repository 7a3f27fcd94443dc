/*
 * test_net.c -- suite "net": the generator's one call (gen/net.h,
 * gen/lua/build.lua).
 *
 * Properties:
 *   - every command runs the description once: a description that prints
 *     a line shows it once, on stderr (a cold `run --backend auto` used to
 *     run it five times: once to tell it from an experiment script, then
 *     once per resolve and generate of each backend's form);
 *   - an experiment script's prints before its first use of the module
 *     still go to stdout, its report;
 *   - the forms of one call (and net_more's) are byte for byte those of
 *     separate calls, so a resolved net can serve several forms;
 *   - train{}'s defaults come from the generator (gen/lua/dsl.lua), and
 *     the layer records tile the parameters.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "host.h"
#include "idxw.h"
#include "net.h"
#include "proc.h"

static void nt_setup(void)
{
    fs_scratch_make("net");
}

static void nt_teardown(void)
{
    fs_scratch_remove();
}

TestSuite(net, .init = nt_setup, .fini = nt_teardown, .timeout = 120);

#define NT_MARK "description-ran"

/* A small net on 8x8 images of 4 classes, with train{} and a print. */
static const char nt_desc[] =
    "print(\"" NT_MARK "\")\n"
    "return network {\n"
    "  name = \"once\",\n"
    "  input = { 1, 8, 8 },\n"
    "  layers = {\n"
    "    conv { maps = 3, kernel = 3, act = \"relu\" },\n"
    "    maxpool { size = 2 },\n"
    "    dense { units = 4, act = \"softmax\" },\n"
    "  },\n"
    "  train = { eta = 0.1, batch = 10, seed = 3 },\n"
    "}\n";

/* fs_path("data"): n training and n test images of noise, labels 0..3. */
static void nt_data(int n)
{
    unsigned dims[3] = { (unsigned)n, 8, 8 };
    unsigned char *img = malloc((size_t)n * 64), *lbl = malloc((size_t)n);
    int k;
    cr_assert(img && lbl);
    for (k = 0; k < n * 64; ++k)
        img[k] = (unsigned char)(k * 37 % 251);
    for (k = 0; k < n; ++k)
        lbl[k] = (unsigned char)(k % 4);
    cr_assert_eq(mkdir(fs_path("data"), 0755), 0);
    idxw_write(fs_path("data/train-images-idx3-ubyte"), 3, dims, img, (size_t)n * 64, 0);
    idxw_write(fs_path("data/train-labels-idx1-ubyte"), 1, dims, lbl, (size_t)n, 0);
    idxw_write(fs_path("data/t10k-images-idx3-ubyte"), 3, dims, img, (size_t)n * 64, 0);
    idxw_write(fs_path("data/t10k-labels-idx1-ubyte"), 1, dims, lbl, (size_t)n, 0);
    free(img);
    free(lbl);
}

static int nt_count(const char *text, const char *what)
{
    int n = 0;
    for (; (text = strstr(text, what)) != NULL; text += strlen(what))
        ++n;
    return n;
}

/* Run `cnngen ARGS` (a shell fragment) in the scratch directory with the
 * cc cache in its cache/ (cold for the first command); it must succeed and
 * print NT_MARK exactly once, on stderr. */
static void nt_once(const char *args)
{
    proc_result r;
    proc_shf(&r, "cd %s && XDG_CACHE_HOME=%s/cache CFLAGS=-O1 %s %s", fs_scratch(), fs_scratch(),
             fs_env("CNNGEN"), args);
    cr_assert_eq(r.status, 0, "cnngen %s: status %d\nstderr: %s", args, r.status, r.err);
    cr_expect_eq(nt_count(r.err, NT_MARK), 1, "cnngen %s: the description ran %d times\n%s", args,
                 nt_count(r.err, NT_MARK), r.err);
    cr_expect_eq(nt_count(r.out, NT_MARK), 0, "cnngen %s: its print reached stdout\n%s", args,
                 r.out);
    proc_free(&r);
}

Test(net, every_command_runs_the_description_once)
{
    fs_spit(fs_path("once.lua"), nt_desc, strlen(nt_desc));
    nt_data(200);
    /* the cc cache cold: auto trains on tcc while cc compiles */
    nt_once("run once.lua --backend auto --epochs 1 --limit 50 --data data --save w.bin");
    nt_once("run once.lua --backend auto --epochs 1 --limit 50 --data data");
    nt_once("run once.lua --backend tcc --epochs 1 --limit 50 --data data");
    nt_once("run once.lua --backend cc --epochs 1 --limit 50 --data data");
    nt_once("check once.lua");
    nt_once("info once.lua");
    nt_once("once.lua -o once.c");
    nt_once("eval once.lua --weights w.bin --data data");
    nt_once("eval once.lua --weights w.bin --data data --quantize int8 --calibrate 50");
    nt_once("once.lua --inference --weights w.bin --quantize int8 --calibrate 50 "
            "--data data -o once8.c");
    nt_once("run once.lua --backend auto --epochs 1 --limit 50 --data data --report r.html");
    nt_once("report once.lua --weights w.bin --data data --quantize int8 --calibrate 50 -o r.html");
}

Test(net, an_experiment_prints_to_stdout_from_its_first_line)
{
    static const char script[] =
        "print(\"first\")\n"
        "local d = cnngen.data(\"data\")\n"
        "print(\"second\", d:size())\n";
    proc_result r;
    fs_spit(fs_path("exp.lua"), script, strlen(script));
    nt_data(20);
    proc_shf(&r, "cd %s && %s run exp.lua", fs_scratch(), fs_env("CNNGEN"));
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect_str_eq(r.out, "first\nsecond\t20\t20\n");
    cr_expect_str_eq(r.err, "");
    proc_free(&r);
}

/* net_generate of src (a file in the scratch directory) for the forms
 * listed; its status. */
static int nt_generate(lua_State *T, const char *path, const char *f0, const char *f1,
                       const char *unroll, int more, net *n)
{
    char err[4096];
    net_request rq;
    int rc;
    memset(&rq, 0, sizeof rq);
    rq.path = path;
    rq.forms[rq.nforms++] = f0;
    if (f1)
        rq.forms[rq.nforms++] = f1;
    rq.unroll = unroll;
    rq.more = more;
    rc = net_generate(T, &rq, n, err, sizeof err);
    cr_assert_eq(rc, HOST_OK, "%s: %s", path, err);
    return rc;
}

/* The units of one call with two forms, and of net_more, against those of
 * one call per form, for the examples and every --unroll. */
Test(net, forms_of_one_call_are_those_of_separate_calls)
{
    static const char *const nets[] = { "nielsen1", "nielsen2", "lenet5" };
    static const char *const unrolls[] = { NULL, "none", "kernel", "full" };
    lua_State *T = host_new();
    int i, u;
    cr_assert_not_null(T);
    for (i = 0; i < 3; ++i)
        for (u = 0; u < 4; ++u) {
            char path[1024], err[4096];
            net both, more, cc, tcc;
            snprintf(path, sizeof path, "%s/examples/%s.lua", fs_env("CNNGEN_ROOT"), nets[i]);
            nt_generate(T, path, "cc", "tcc", unrolls[u], 0, &both);
            nt_generate(T, path, "cc", NULL, unrolls[u], 1, &more);
            cr_assert_eq(net_more(&more, "tcc", err, sizeof err), HOST_OK, "%s", err);
            nt_generate(T, path, "cc", NULL, unrolls[u], 0, &cc);
            nt_generate(T, path, "tcc", NULL, unrolls[u], 0, &tcc);
            cr_assert_eq(both.nforms, 2);
            cr_assert_eq(more.nforms, 2);
            cr_expect_str_eq(both.form[0].unit, cc.form[0].unit, "%s --unroll %s: cc", nets[i],
                             unrolls[u] ? unrolls[u] : "(default)");
            cr_expect_str_eq(both.form[1].unit, tcc.form[0].unit, "%s --unroll %s: tcc", nets[i],
                             unrolls[u] ? unrolls[u] : "(default)");
            cr_expect_str_eq(more.form[1].unit, tcc.form[0].unit, "%s --unroll %s: net_more",
                             nets[i], unrolls[u] ? unrolls[u] : "(default)");
            cr_expect(unrolls[u] || strcmp(cc.form[0].unit, tcc.form[0].unit) != 0,
                      "%s: the default forms of cc and tcc differ", nets[i]);
            net_free(&both);
            net_free(&more);
            net_free(&cc);
            net_free(&tcc);
        }
    lua_close(T);
}

Test(net, records_and_train_defaults_come_from_the_generator)
{
    static const char desc[] =
        "return network { name = \"plain\", input = { 1, 6, 6 },\n"
        "  layers = { conv { maps = 2, kernel = 3, act = \"relu\" },\n"
        "             dense { units = 3, act = \"softmax\" } } }\n";
    lua_State *T = host_new();
    size_t off = 0;
    net n;
    int k;
    cr_assert_not_null(T);
    fs_spit(fs_path("plain.lua"), desc, strlen(desc));
    nt_generate(T, fs_path("plain.lua"), "tcc", NULL, NULL, 0, &n);
    /* gen/lua/dsl.lua's train_schema */
    cr_expect_eq(n.train.eta, 0.1);
    cr_expect_eq(n.train.l2, 0.0);
    cr_expect_eq(n.train.batch, 10);
    cr_expect_eq(n.train.epochs, 1);
    cr_expect_eq(n.train.seed, 1);
    cr_expect_eq(n.train.limit, 0);
    cr_expect_str_eq(n.train.data, "fashion-mnist");
    cr_expect_str_eq(n.name, "plain");
    cr_expect_str_eq(n.cost, "log-likelihood");
    cr_expect_eq(n.in_c, 1);
    cr_expect_eq(n.in_h, 6);
    cr_expect_eq(n.in_w, 6);
    cr_expect_eq(n.out_size, 3);
    cr_expect_eq(n.macs_fwd, 2 * 16 * 9 + 32 * 3);
    cr_assert_eq(n.nlayers, 2);
    cr_expect_str_eq(n.layers[0].kind, "conv");
    cr_expect_str_eq(n.layers[1].kind, "dense");
    for (k = 0; k < n.nlayers; ++k) {
        cr_expect_eq(n.layers[k].index, k + 1);
        cr_expect_eq(n.layers[k].woff, off);
        off += n.layers[k].wcount;
        cr_expect_eq(n.layers[k].boff, off);
        off += n.layers[k].bcount;
    }
    cr_expect_eq(off, n.param_count);
    cr_expect_eq(n.param_count, 2 * 9 + 2 + 32 * 3 + 3);
    net_free(&n);
    lua_close(T);
}
