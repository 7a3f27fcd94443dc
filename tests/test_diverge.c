/*
 * test_diverge.c -- suite "diverge": a training run that goes non-finite
 * stops at the mini-batch where it happened and names the sample and the
 * first layer (runtime/diverge.h), in-process on small nets and data made
 * here, and end to end: exit status 3, one line, the --json error object,
 * the weights file left as the last good epoch wrote it, the experiment
 * API's nil and message, and the warning of a cost grown 100-fold.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "diverge.h"
#include "fsutil.h"
#include "net.h"
#include "proc.h"
#include "rng.h"
#include "runfix.h"
#include "train.h"

TestSuite(diverge, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

/* A linear net under the quadratic cost: with a huge eta the first step
 * makes both layers' weights ~1e30, so the next mini-batch's a^1 is ~1e31
 * (finite) and a^2 = w^2 a^1 overflows: layer 2, forward. */
static const char linear_net[] =
    "return network { name = \"lin\", input = { 1, 4, 4 },\n"
    "  layers = { dense { units = 4, act = \"linear\" }, dense { units = 3, act = \"linear\" } },\n"
    "  cost = \"quadratic\" }\n";

static const char sigmoid_net[] =
    "return network { name = \"sig\", input = { 1, 4, 4 },\n"
    "  layers = { conv { maps = 2, kernel = 3, act = \"sigmoid\" },\n"
    "             dense { units = 3, act = \"softmax\" } } }\n";

/* A net built as the runner builds it (float, tcc, with the activation
 * read-out), count 4x4 samples (uniform in [0, 1), labels 0..2), and two
 * parameter vectors. */
typedef struct dv_case {
    net n;
    net_api api;
    ds_split s;
    float *p, *start;
} dv_case;

static void dv_open(dv_case *c, const char *src, int count)
{
    char path[256], err[4096];
    rng_state r;
    int i;
    memset(c, 0, sizeof *c);
    cr_assert_eq(tb_net(rt_path(path, sizeof path, "dv.lua"), src, &c->n, &c->api, err, sizeof err),
                 0, "%s", err);
    c->s.n = count;
    c->s.rows = c->s.cols = 4;
    c->s.x = malloc((size_t)count * 16 * sizeof *c->s.x);
    c->s.y = malloc((size_t)count * sizeof *c->s.y);
    c->p = net_params_new(&c->api);
    c->start = net_params_new(&c->api);
    cr_assert(c->s.x && c->s.y && c->p && c->start);
    rng_seed(&r, 7);
    for (i = 0; i < count * 16; ++i)
        c->s.x[i] = (float)rng_uniform01(&r);
    for (i = 0; i < count; ++i)
        c->s.y[i] = i % 3;
}

static void dv_close(dv_case *c)
{
    net_params_free(c->p);
    net_params_free(c->start);
    free(c->s.x);
    free(c->s.y);
    jit_release(&c->api);
    net_free(&c->n);
}

/* One epoch of c with eta from init(seed 1), watched; *where when it went
 * non-finite.  Returns diverge_watch_failed's answer; c->p holds the
 * parameters after (the epoch's start when it failed), c->start the
 * initial ones. */
static int dv_epoch(dv_case *c, float eta, diverge_where *where)
{
    char err[512];
    train_ctx t;
    diverge_watch w;
    train_epoch_result r;
    int failed;
    c->api.init.f(c->p, 1);
    memcpy(c->start, c->p, c->n.param_count * sizeof *c->p);
    cr_assert_eq(train_init(&t, &c->api, c->p, &c->s, 10, eta, 0.0f, 5, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(diverge_watch_init(&w, &c->api, err, sizeof err), 0, "%s", err);
    diverge_watch_begin(&w, c->p, NULL, 0);
    train_epoch(&t, 0, 0, NULL, NULL, &r);
    failed = diverge_watch_failed(&w, &t, &r);
    if (failed)
        cr_assert_eq(net_diverged(&c->n, &w, &t, 0, &r, where, err, sizeof err), 0, "%s", err);
    diverge_watch_free(&w);
    train_free(&t);
    return failed;
}

/* 1 when the epoch left the parameters where it started. */
static int dv_restored(const dv_case *c)
{
    return memcmp(c->p, c->start, c->n.param_count * sizeof *c->p) == 0;
}

/* The position of sample i in epoch 0's order (seed 5) of n samples. */
static int dv_position(int n, int i)
{
    int order[64], k;
    train_order(order, n, 5, 0);
    for (k = 0; k < n; ++k)
        if (order[k] == i)
            return k;
    return -1;
}

Test(diverge, a_huge_eta_overflows_layer_2_forward_in_the_second_mini_batch)
{
    dv_case c;
    diverge_where w;
    char line[512];
    int order[40];
    dv_open(&c, linear_net, 40);
    cr_assert_eq(dv_epoch(&c, 1e30f, &w), 1, "the epoch went non-finite");
    train_order(order, 40, 5, 0);
    cr_expect_eq(w.epoch, 1);
    cr_expect_eq(w.batch, 2, "the first step makes the weights huge, the second batch overflows");
    cr_expect_eq(w.sample, order[10], "the first sample of the second mini-batch");
    cr_expect_eq(w.layer, 2);
    cr_expect_str_eq(w.kind, "dense");
    cr_expect_str_eq(w.what, "forward a^2");
    cr_expect(!strcmp(w.value, "inf") || !strcmp(w.value, "-inf") || !strcmp(w.value, "nan"),
              "%s", w.value);       /* inf, or inf − inf in the sum */
    cr_expect(dv_restored(&c), "the parameters are back to the epoch's start");
    diverge_message(&w, 1e30, line, sizeof line);
    cr_expect(strstr(line, "diverged in epoch 1, mini-batch 2, training sample ") == line, "%s", line);
    cr_expect(strstr(line, ": layer 2 (dense) forward a^2 is ") != NULL, "%s", line);
    cr_expect(strstr(line, "try a smaller eta (now 1e+30)") != NULL, "%s", line);
    /* a sane eta: nothing to report */
    cr_expect_eq(dv_epoch(&c, 0.01f, &w), 0);
    dv_close(&c);
}

/* A NaN pixel (the IDX reader cannot make one; a data set built in
 * memory can, as an experiment's images could): its sample and pixel. */
Test(diverge, a_nan_pixel_is_named_with_its_sample)
{
    dv_case c;
    diverge_where w;
    char json[512];
    dv_open(&c, sigmoid_net, 40);
    c.s.x[17 * 16 + 5] = NAN;
    cr_assert_eq(dv_epoch(&c, 0.1f, &w), 1);
    cr_expect_eq(w.batch, dv_position(40, 17) / 10 + 1);
    cr_expect_eq(w.sample, 17);
    cr_expect_eq(w.layer, 0);
    cr_expect_str_eq(w.kind, "input");
    cr_expect_str_eq(w.what, "input x[5]");
    cr_expect_str_eq(w.value, "nan");
    diverge_json(&w, json, sizeof json);
    cr_expect(strstr(json, "\"sample\":17,\"layer\":0,\"kind\":\"input\",\"where\":\"input x[5]\","
                           "\"value\":\"nan\"") != NULL, "%s", json);
    dv_close(&c);
}

/* ---- end to end ------------------------------------------------------ */

/* The linear net of the runs below, on rt_make_data's 8x8 images: at eta
 * 1 its first epoch ends finite, with a cost 1e25 times its start, and
 * the second mini-batch's a^2 overflows. */
static void dv_fixture(void)
{
    rt_make_data("data", 40, 20, 8, 8, 4, 0);
    rt_write("l8.lua",
             "return network { name = \"l8\", input = { 1, 8, 8 },\n"
             "  layers = { conv { maps = 2, kernel = 3, act = \"linear\" },\n"
             "             dense { units = 4, act = \"linear\" } },\n"
             "  cost = \"quadratic\", train = { batch = 10, seed = 3, l2 = 0 } }\n");
}

static void dv_run(rt_out *o, const char *eta, const char *epochs, const char *save, int json)
{
    char net[256], data[256], w[256];
    const char *args[16];
    int k = 0;
    args[k++] = "run";
    args[k++] = rt_path(net, sizeof net, "l8.lua");
    args[k++] = "--data";
    args[k++] = rt_path(data, sizeof data, "data");
    args[k++] = "--eta";
    args[k++] = eta;
    args[k++] = "--epochs";
    args[k++] = epochs;
    if (save) {
        args[k++] = "--save";
        args[k++] = rt_path(w, sizeof w, save);
    }
    if (json)
        args[k++] = "--json";
    args[k] = NULL;
    rt_run(o, args, NULL);
}

Test(diverge, run_stops_with_status_3_and_keeps_the_last_good_epochs_weights)
{
    char a[256], b[256];
    const char *line;
    rt_out o;
    size_t count, i;
    float *w;
    dv_fixture();
    dv_run(&o, "1", "1", "one.bin", 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    dv_run(&o, "1", "4", "w.bin", 0);
    cr_assert_eq(o.status, 3, "stdout: %s\nstderr: %s", o.out, o.err);
    cr_expect(strstr(o.out, "epoch 1/4") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "epoch 2/4") == NULL, "%s", o.out);
    cr_expect(strstr(o.err, "cnngen: warning: the training cost has grown from ") == o.err,
              "the first epoch's cost, 100 times the start, is a warning: %s", o.err);
    line = strstr(o.err, "\ncnngen: diverged in epoch 2, mini-batch 1, training sample ");
    cr_assert_not_null(line, "%s", o.err);
    cr_expect(strstr(line, ": layer 2 (dense) forward a^2 is ") != NULL, "%s", line);
    cr_expect(strstr(line, "; try a smaller eta (now 1); ") != NULL, "%s", line);
    cr_expect(strstr(line, "w.bin holds the weights after epoch 1\n") != NULL, "%s", line);
    cr_expect(strchr(line + 1, '\n')[1] == '\0', "one line: %s", line);
    cr_expect(rt_same_file(rt_path(a, sizeof a, "w.bin"), rt_path(b, sizeof b, "one.bin")),
              "w.bin holds epoch 1's weights, as a run of one epoch saved them");
    w = rt_weights(a, &count);
    for (i = 0; i < count; ++i)
        cr_assert(isfinite(w[i]), "weight %zu is %g", i, (double)w[i]);
    free(w);
}

Test(diverge, json_gets_the_error_object)
{
    rt_out o;
    const char *e;
    dv_fixture();
    dv_run(&o, "1", "4", NULL, 1);
    cr_assert_eq(o.status, 3, "%s", o.err);
    e = strstr(o.out, "{\"error\":{\"type\":\"diverged\",\"epoch\":2,\"batch\":");
    cr_assert_not_null(e, "%s", o.out);
    cr_expect(strstr(e, ",\"sample\":") && strstr(e, ",\"layer\":2,\"kind\":\"dense\",\"where\":\"")
              && strstr(e, ",\"eta\":1,\"message\":\"diverged in epoch 2, mini-batch "),
              "%s", e);
    cr_expect_eq(e[strlen(e) - 1], '\n');
    cr_expect(strchr(e, '\n')[1] == '\0', "the last line: %s", o.out);
}

Test(diverge, experiment_train_returns_nil_and_the_message)
{
    char script[2048], data[256], path[256], w[256];
    rt_out o;
    size_t count, i;
    float *p;
    dv_fixture();
    snprintf(script, sizeof script,
             "local d = cnngen.data(\"%s\")\n"
             "local m = cnngen.compile(network { name = \"l8\", input = { 1, 8, 8 },\n"
             "  layers = { conv { maps = 2, kernel = 3, act = \"linear\" },\n"
             "             dense { units = 4, act = \"linear\" } },\n"
             "  cost = \"quadratic\", train = { batch = 10, seed = 3, l2 = 0 } })\n"
             "local acc, msg = m:train(d, { eta = 1, epochs = 4 })\n"
             "print(\"train\", acc, msg)\n"
             "m:save(\"%s\")\n",
             rt_path(data, sizeof data, "data"), rt_path(w, sizeof w, "kept.bin"));
    rt_write("exp.lua", script);
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "exp.lua"), NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s\nstdout: %s", o.err, o.out);
    cr_expect(strstr(o.out, "train\tnil\tdiverged in epoch 2, mini-batch ") != NULL, "%s", o.out);
    p = rt_weights(w, &count);
    for (i = 0; i < count; ++i)
        cr_assert(isfinite(p[i]), "the model keeps the last good epoch's weights: %zu is %g", i,
                  (double)p[i]);
    free(p);
    cr_expect(strstr(o.err, "l8: warning: the training cost has grown from ") != NULL, "%s", o.err);
}

/* An eta near float's largest value: the one mini-batch of the epoch has a
 * finite cost and a finite gradient, and the step w − η·∂C/∂w overflows.
 * The cost never says so; the parameters, checked at the epoch's end, do. */
Test(diverge, an_overflowing_step_is_caught_at_the_end_of_the_epoch)
{
    dv_case c;
    diverge_where w;
    char line[512];
    int i;
    dv_open(&c, linear_net, 10);
    for (i = 0; i < 10 * 16; ++i)
        c.s.x[i] *= 1000.0f;            /* gradients of some thousands */
    cr_assert_eq(dv_epoch(&c, 3e38f, &w), 1);
    cr_expect_eq(w.batch, 1);
    cr_expect_eq(w.sample, -1, "no one sample: the step");
    cr_expect(w.layer == 1 || w.layer == 2, "%d", w.layer);
    cr_expect(!strncmp(w.what, "step w^", 7) || !strncmp(w.what, "step b^", 7), "%s", w.what);
    cr_expect(dv_restored(&c));
    diverge_message(&w, 3e38, line, sizeof line);
    cr_expect(strstr(line, "diverged in epoch 1, mini-batch 1: layer ") == line, "%s", line);
    dv_close(&c);
}

/* The experiment API's own images (cnngen.data from tables) can carry a
 * NaN, which the IDX reader never makes: model:train names its sample and
 * pixel. */
Test(diverge, a_nan_pixel_in_an_experiments_images)
{
    char path[256];
    rt_out o;
    rt_write("nan.lua",
             "local function img(v) local t = {} for i = 1, 16 do t[i] = v end return t end\n"
             "local images, labels = {}, {}\n"
             "for i = 1, 20 do images[i] = img((i % 3) / 3) labels[i] = i % 3 end\n"
             "images[4][6] = 0 / 0\n"
             "local d = cnngen.data{ rows = 4, cols = 4, train = { images = images, labels = labels },\n"
             "                       test = { images = { img(0) }, labels = { 0 } } }\n"
             "local m = cnngen.compile(network { name = \"sig\", input = { 1, 4, 4 },\n"
             "  layers = { conv { maps = 2, kernel = 3 }, dense { units = 3, act = \"softmax\" } } })\n"
             "print(\"train\", m:train(d, { epochs = 2, eta = 0.1, batch = 10 }))\n");
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "nan.lua"), NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s\nstdout: %s", o.err, o.out);
    cr_expect(strstr(o.out, "train\tnil\tdiverged in epoch 1, mini-batch ") == o.out, "%s", o.out);
    cr_expect(strstr(o.out, ", training sample 3: input x[5] is nan; the data set has a value "
                            "that is not finite\n") != NULL, "%s", o.out);
}

/* cnngen.data from tables refuses an image of the wrong size: one line. */
Test(diverge, experiment_images_from_tables_are_checked)
{
    char path[256];
    rt_out o;
    rt_write("short.lua",
             "local d = cnngen.data{ rows = 2, cols = 2,\n"
             "  train = { images = { { 0, 0, 0, 0 }, { 0, 0, 0 } }, labels = { 0, 1 } },\n"
             "  test = { images = {}, labels = {} } }\n");
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "short.lua"), NULL }, NULL);
    rt_expect_error(&o, 2, "short.lua:1: data: train image 2 must be a list of 4 numbers");
}
