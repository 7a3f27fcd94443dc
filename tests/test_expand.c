/*
 * test_expand.c -- suite "expand": the expanded training set (Nielsen,
 * chapter 6; runtime/expand.h): every image and its four one-pixel shifts,
 * made on the fly by the training loop, and `cnngen run --expand`, `train{
 * expand }` and the experiment API's model:train end to end.
 *
 * The shifts are checked pixel by pixel against their definition; what
 * the training loop feeds the net is seen through a stand-in net_api whose
 * train_batch records every sample it is given.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "train.h"

#include "fsutil.h"
#include "proc.h"
#include "runfix.h"

TestSuite(expand, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

#define EX_ROWS 3
#define EX_COLS 4
#define EX_PX (EX_ROWS * EX_COLS)

/* src shifted one pixel by variant, from the definition: the pixel that
 * lands on (r, c) came from (r + dr, c + dc), or is 0 off the image. */
static float ex_expected(const float *src, int variant, int r, int c)
{
    int dr = variant == EXPAND_UP ? 1 : variant == EXPAND_DOWN ? -1 : 0;
    int dc = variant == EXPAND_LEFT ? 1 : variant == EXPAND_RIGHT ? -1 : 0;
    int sr = r + dr, sc = c + dc;
    if (sr < 0 || sr >= EX_ROWS || sc < 0 || sc >= EX_COLS)
        return 0.0f;
    return src[sr * EX_COLS + sc];
}

/* Image k of a set whose pixels all differ: k·100 + pixel + 1. */
static void ex_image(float *x, int k)
{
    int p;
    for (p = 0; p < EX_PX; ++p)
        x[p] = (float)(k * 100 + p + 1);
}

Test(expand, shifts_move_every_pixel_one_place_and_fill_with_zeros)
{
    float src[EX_PX], dst[EX_PX];
    int v, r, c;
    ex_image(src, 0);
    for (v = EXPAND_SAME; v <= EXPAND_RIGHT; ++v) {
        memset(dst, 0xff, sizeof dst);
        expand_shift(dst, src, EX_ROWS, EX_COLS, v);
        for (r = 0; r < EX_ROWS; ++r)
            for (c = 0; c < EX_COLS; ++c)
                cr_expect_eq(dst[r * EX_COLS + c], ex_expected(src, v, r, c),
                             "variant %d, pixel (%d, %d): %g", v, r, c, dst[r * EX_COLS + c]);
    }
    /* up: the top row is gone, the bottom row is zeros */
    expand_shift(dst, src, EX_ROWS, EX_COLS, EXPAND_UP);
    cr_expect(dst[0] == 5.0f && dst[2 * EX_COLS] == 0.0f);
    /* right: column 0 is zeros, column 1 holds column 0 */
    expand_shift(dst, src, EX_ROWS, EX_COLS, EXPAND_RIGHT);
    cr_expect(dst[EX_COLS] == 0.0f && dst[EX_COLS + 1] == 5.0f);
}

Test(expand, names_and_factors)
{
    expand_kind k = EXPAND_SHIFT1;
    cr_expect(expand_parse("none", &k) == 0 && k == EXPAND_NONE);
    cr_expect(expand_parse("shift1", &k) == 0 && k == EXPAND_SHIFT1);
    cr_expect(expand_parse("shift2", &k) != 0 && expand_parse("", &k) != 0);
    cr_expect_str_eq(expand_name(EXPAND_SHIFT1), "shift1");
    cr_expect(expand_factor(EXPAND_NONE) == 1 && expand_factor(EXPAND_SHIFT1) == 5);
}

/* ================================================================ */
/* What the training loop feeds the net                             */
/* ================================================================ */

#define EX_MAX 1000

/* The stand-in net's record of every sample train_batch was given. */
static struct {
    float x[EX_MAX][EX_PX];
    int y[EX_MAX];
    int n, n_train;
} ex_seen;

static float ex_record(float *params, float *grad, void *w, const float *x, const int *labels,
                       int n, float eta, float l2, int n_train)
{
    int s;
    (void)params, (void)grad, (void)w, (void)eta, (void)l2;
    for (s = 0; s < n && ex_seen.n < EX_MAX; ++s, ++ex_seen.n) {
        memcpy(ex_seen.x[ex_seen.n], x + (size_t)s * EX_PX, sizeof ex_seen.x[0]);
        ex_seen.y[ex_seen.n] = labels[s];
    }
    ex_seen.n_train = n_train;
    return 0.0f;
}

/* n images of EX_ROWS x EX_COLS (ex_image), labels k mod 3; a stand-in
 * api; t set up to train on them with batch 4, expanded by kind. */
static void ex_setup(ds_split *d, net_api *api, float *params, train_ctx *t, int n,
                     expand_kind kind)
{
    char err[256];
    int k;
    d->n = n;
    d->rows = EX_ROWS;
    d->cols = EX_COLS;
    d->x = malloc((size_t)n * EX_PX * sizeof *d->x);
    d->y = malloc((size_t)n * sizeof *d->y);
    cr_assert(d->x && d->y);
    for (k = 0; k < n; ++k) {
        ex_image(d->x + (size_t)k * EX_PX, k);
        d->y[k] = k % 3;
    }
    memset(api, 0, sizeof *api);
    api->in_size = EX_PX;
    api->out_size = 3;
    api->param_count = 1;
    api->work_size = 1;
    api->train_batch.f = ex_record;
    api->backend = "record";
    cr_assert_eq(train_init(t, api, params, d, 4, 0.1f, 1.0f, 8, err, sizeof err), 0, "%s", err);
    if (kind)
        cr_assert_eq(train_expand(t, kind, err, sizeof err), 0, "%s", err);
    memset(&ex_seen, 0, sizeof ex_seen);
}

/* Which (image, variant) of the n images the recorded sample s is. */
static void ex_identify(int s, int n, int *image, int *variant)
{
    float want[EX_PX], src[EX_PX];
    int k, v;
    for (k = 0; k < n; ++k)
        for (v = EXPAND_SAME; v <= EXPAND_RIGHT; ++v) {
            int r, c, same = 1;
            ex_image(src, k);
            for (r = 0; r < EX_ROWS; ++r)
                for (c = 0; c < EX_COLS; ++c)
                    want[r * EX_COLS + c] = ex_expected(src, v, r, c);
            for (r = 0; r < EX_PX && same; ++r)
                same = want[r] == ex_seen.x[s][r];
            if (same) {
                *image = k;
                *variant = v;
                return;
            }
        }
    cr_assert_fail("sample %d is no image in any variant", s);
}

Test(expand, an_epoch_is_every_image_in_every_variant_once_in_the_seeded_order)
{
    enum { N = 7, TOTAL = 5 * N };
    ds_split d;
    net_api api;
    train_ctx t;
    train_epoch_result r;
    float params[1] = { 0 };
    int count[N][5], order[TOTAL], first[TOTAL][2], s, image, variant;
    memset(count, 0, sizeof count);
    ex_setup(&d, &api, params, &t, N, EXPAND_SHIFT1);
    cr_expect_eq(train_epoch_size(&t), TOTAL);
    train_epoch(&t, 2, 0, NULL, NULL, &r);
    cr_assert_eq(ex_seen.n, TOTAL, "the epoch trained %d samples", ex_seen.n);
    cr_expect_eq(r.samples, TOTAL);
    cr_expect_eq(ex_seen.n_train, TOTAL, "n in the L2 term is the expanded set's size");
    train_order(order, TOTAL, 8, 2);
    for (s = 0; s < TOTAL; ++s) {
        ex_identify(s, N, &image, &variant);
        ++count[image][variant];
        first[s][0] = image;
        first[s][1] = variant;
        cr_expect_eq(ex_seen.y[s], image % 3, "sample %d: the label of its image", s);
        /* the shuffle of the 5n index space: i -> image i mod n, variant i div n */
        cr_expect(image == order[s] % N && variant == order[s] / N,
                  "sample %d is (%d, %d), the order says index %d", s, image, variant, order[s]);
    }
    for (image = 0; image < N; ++image)
        for (variant = 0; variant < 5; ++variant)
            cr_expect_eq(count[image][variant], 1, "image %d variant %d seen %d times", image,
                         variant, count[image][variant]);
    /* the same (seed, epoch) again: the same samples; another epoch: another order */
    memset(&ex_seen, 0, sizeof ex_seen);
    train_epoch(&t, 2, 13, NULL, NULL, &r);
    cr_assert_eq(ex_seen.n, TOTAL - 13, "resumed at 13: %d samples", ex_seen.n);
    for (s = 0; s < TOTAL - 13; ++s) {
        ex_identify(s, N, &image, &variant);
        cr_expect(image == first[13 + s][0] && variant == first[13 + s][1],
                  "resumed sample %d differs from the unbroken epoch's", 13 + s);
    }
    memset(&ex_seen, 0, sizeof ex_seen);
    train_epoch(&t, 3, 0, NULL, NULL, &r);
    for (s = 0, image = 0; s < TOTAL; ++s) {
        int im, v;
        ex_identify(s, N, &im, &v);
        image += im != first[s][0] || v != first[s][1];
    }
    cr_expect(image > 0, "epochs 2 and 3 have the same order");
    train_free(&t);
    free(d.x);
    free(d.y);
}

Test(expand, none_trains_the_images_as_they_are)
{
    ds_split d;
    net_api api;
    train_ctx t;
    train_epoch_result r;
    float params[1] = { 0 };
    int order[6], s;
    ex_setup(&d, &api, params, &t, 6, EXPAND_NONE);
    train_epoch(&t, 0, 0, NULL, NULL, &r);
    cr_assert_eq(ex_seen.n, 6);
    cr_expect_eq(ex_seen.n_train, 6);
    train_order(order, 6, 8, 0);
    for (s = 0; s < 6; ++s)
        cr_expect(memcmp(ex_seen.x[s], d.x + (size_t)order[s] * EX_PX, sizeof ex_seen.x[0]) == 0);
    train_free(&t);
    free(d.x);
    free(d.y);
}

/* ================================================================ */
/* cnngen run --expand, train{ expand }, model:train                */
/* ================================================================ */

static void ex_run(rt_out *o, const char *const *extra, const char *save)
{
    char net[256], data[256];
    const char *args[24];
    int k = 0;
    args[k++] = "run"; args[k++] = rt_path(net, sizeof net, "syn.lua");
    args[k++] = "--data"; args[k++] = rt_path(data, sizeof data, "data");
    args[k++] = "--epochs"; args[k++] = "2"; args[k++] = "--eta"; args[k++] = "0.1";
    args[k++] = "--limit"; args[k++] = "120"; args[k++] = "--save"; args[k++] = save;
    while (*extra)
        args[k++] = *extra++;
    args[k] = NULL;
    rt_run(o, args, NULL);
    cr_assert_eq(o->status, 0, "stderr: %s", o->err);
}

Test(expand, run_expands_the_limited_set_whatever_the_chunk_and_threads)
{
    char a[256], b[256], c[256], d[256], plain[256];
    rt_out o;
    rt_standard(400);
    rt_path(a, sizeof a, "a.bin");
    rt_path(b, sizeof b, "b.bin");
    rt_path(c, sizeof c, "c.bin");
    rt_path(d, sizeof d, "d.bin");
    rt_path(plain, sizeof plain, "plain.bin");
    ex_run(&o, (const char *const[]){ "--expand", "shift1", NULL }, a);
    cr_expect(strstr(o.out, "120 training, 400 test samples") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "expand shift1 (600 training samples an epoch)") != NULL, "%s", o.out);
    ex_run(&o, (const char *const[]){ "--expand", "shift1", "--chunk", "3", NULL }, b);
    cr_expect(rt_same_file(a, b), "--chunk 3 changed the expanded run's weights");
    ex_run(&o, (const char *const[]){ "--expand", "shift1", "--threads", "2", "--json", NULL }, c);
    rt_expect_close_weights(a, c, 1e-4);
    ex_run(&o, (const char *const[]){ "--json", NULL }, plain);
    cr_expect(!rt_same_file(a, plain), "--expand shift1 trained like no expansion");
    ex_run(&o, (const char *const[]){ "--expand", "none", NULL }, d);
    cr_expect(rt_same_file(d, plain), "--expand none differs from no expansion");
    /* the description's train{} */
    rt_write("syn.lua", "return network { name = \"syn\", input = { 1, 8, 8 },\n"
             "  layers = { conv { maps = 4, kernel = 3, act = \"sigmoid\" }, maxpool { size = 2 },\n"
             "             dense { units = 4, act = \"softmax\" } },\n"
             "  cost = \"log-likelihood\",\n"
             "  train = { eta = 0.5, batch = 10, l2 = 0.1, epochs = 2, seed = 3, expand = \"shift1\" } }\n");
    ex_run(&o, (const char *const[]){ NULL }, d);
    cr_expect(rt_same_file(a, d), "train{ expand = \"shift1\" } differs from --expand shift1");
}

/* model:train(d, { <option> }) in a script on line 4: one line, exit 2. */
static void ex_bad_option(const char *data, const char *option, const char *want)
{
    char script[1024], path[256];
    rt_out o;
    snprintf(script, sizeof script,
             "local m = cnngen.compile(network { name = \"t\", input = { 1, 8, 8 },\n"
             "  layers = { dense { units = 4, act = \"softmax\" } } })\n"
             "local d = cnngen.data(\"%s\")\n"
             "m:train(d, { %s })\n", data, option);
    rt_write("bad.lua", script);
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "bad.lua"), NULL }, NULL);
    rt_expect_error(&o, 2, want);
}

/* The experiment API trains as the runner does: the same weights, bit for
 * bit, with momentum and expansion. */
Test(expand, model_train_takes_expand_and_momentum_like_the_runner, .timeout = 120)
{
    char script[2048], data[256], w[256], r[256], path[256], net[256];
    size_t na, nb;
    float *x, *y;
    rt_out o;
    rt_standard(150);
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "exp.bin");
    rt_path(r, sizeof r, "run.bin");
    snprintf(script, sizeof script,
             "local m = cnngen.compile(network { name = \"syn\", input = { 1, 8, 8 },\n"
             "  layers = { conv { maps = 4, kernel = 3, act = \"sigmoid\" }, maxpool { size = 2 },\n"
             "             dense { units = 4, act = \"softmax\" } },\n"
             "  cost = \"log-likelihood\",\n"
             "  train = { eta = 0.5, batch = 10, l2 = 0.1, epochs = 2, seed = 3 } }, { backend = \"tcc\" })\n"
             "m:train(cnngen.data(\"%s\"), { eta = 0.05, momentum = 0.9, expand = \"shift1\" })\n"
             "m:save(\"%s\")\n", data, w);
    rt_write("exp.lua", script);
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "exp.lua"), NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s\nstdout: %s", o.err, o.out);
    rt_run(&o, (const char *const[]){ "run", rt_path(net, sizeof net, "syn.lua"), "--data", data,
                                       "--eta", "0.05", "--momentum", "0.9", "--expand", "shift1",
                                       "--save", r, NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    x = rt_weights(w, &na);
    y = rt_weights(r, &nb);
    cr_assert_eq(na, nb);
    cr_expect(memcmp(x, y, na * sizeof *x) == 0, "model:train and cnngen run differ");
    free(x);
    free(y);
    /* mistakes name the script's line */
    ex_bad_option(data, "expand = \"shift2\"",
                  "bad.lua:4: train: expand must be one of none, shift1, not \"shift2\"");
    ex_bad_option(data, "momentum = 1", "bad.lua:4: train: momentum must be in [0, 1)");
}

Test(expand, bad_values_are_one_line_and_exit_2)
{
    char net[256], data[256];
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--expand", "shift2", NULL }, NULL);
    rt_expect_error(&o, 2, "--expand must be one of none, shift1, not 'shift2'");
    rt_run(&o, (const char *const[]){ "check", net, "--expand", "shift1", NULL }, NULL);
    rt_expect_error(&o, 2, "--expand is an option of run");
}
