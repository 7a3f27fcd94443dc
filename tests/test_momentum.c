/*
 * test_momentum.c -- suite "momentum": momentum-based gradient descent
 * (runtime/momentum.h, train.h: train_momentum), its velocity in the
 * weights file (checkpoint.h, version 2), and `cnngen run --momentum` end
 * to end on synthetic data (tests/support/runfix.h).
 *
 * The reference is a plain loop written here from the equations,
 *     v ← μ·v − η·(g + (λ/n)·w)  (weights)    v ← μ·v − η·g  (biases)
 *     w ← w + v
 * with g the mini-batch's mean gradient (the generated loss_grad, whose
 * gradient the layer suites check against finite differences).  Both
 * implementations are checked: the generated train_batch_momentum (code
 * generated for a description with train{ momentum } or for run
 * --momentum) and the runtime's momentum_update (several threads, and
 * code generated without it).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "checkpoint.h"
#include "dataset.h"
#include "rng.h"
#include "train.h"

#include "fsutil.h"
#include "proc.h"
#include "runfix.h"

TestSuite(momentum, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

/* ================================================================ */
/* The update, in-process, against the reference loop               */
/* ================================================================ */

/* A small net whose parameter spans are known: conv w [0, 18), b [18, 20);
 * dense w [20, 116), b [116, 119). */
static const char mo_src[] =
    "return network { name = \"mo\", input = { 1, 6, 6 },\n"
    "  layers = { conv { maps = 2, kernel = 3, act = \"sigmoid\" },\n"
    "             dense { units = 3, act = \"softmax\" } } }\n";
/* the same net with train{ momentum }: its code has train_batch_momentum */
static const char mo_src_momentum[] =
    "return network { name = \"mo\", input = { 1, 6, 6 },\n"
    "  layers = { conv { maps = 2, kernel = 3, act = \"sigmoid\" },\n"
    "             dense { units = 3, act = \"softmax\" } },\n"
    "  train = { momentum = 0.5 } }\n";
#define MO_PARAMS 119
static const train_span mo_spans[] = { { 0, 18, 1 }, { 18, 2, 0 }, { 20, 96, 1 }, { 116, 3, 0 } };
#define MO_NSPANS 4

/* n random samples of 6x6 in [0, 1), labels 0..2. */
static void mo_data(ds_split *d, int n)
{
    rng_state r;
    int i;
    rng_seed(&r, 99);
    d->n = n;
    d->rows = d->cols = 6;
    d->x = malloc((size_t)n * 36 * sizeof *d->x);
    d->y = malloc((size_t)n * sizeof *d->y);
    cr_assert(d->x && d->y);
    for (i = 0; i < n * 36; ++i)
        d->x[i] = (float)rng_uniform01(&r);
    for (i = 0; i < n; ++i)
        d->y[i] = rng_uniform_int(&r, 3);
}

/* The reference: `epochs` epochs of momentum SGD in the runner's order,
 * written from the equations above. */
static void mo_reference(const net_api *api, const ds_split *d, float *w, int epochs, int batch,
                         float eta, float l2, float mu, unsigned long long seed)
{
    float *v = calloc(MO_PARAMS, sizeof *v), *g = net_params_new(api);
    float *x = malloc((size_t)batch * 36 * sizeof *x);
    int *y = malloc((size_t)batch * sizeof *y), *order = malloc((size_t)d->n * sizeof *order);
    void *work = net_work_new(api);
    int e, k, s, sp;
    cr_assert(v && g && x && y && order && work);
    for (e = 0; e < epochs; ++e) {
        train_order(order, d->n, seed, e);
        for (k = 0; k < d->n; k += batch) {
            int n = d->n - k < batch ? d->n - k : batch;
            for (s = 0; s < n; ++s) {
                memcpy(x + s * 36, d->x + (size_t)order[k + s] * 36, 36 * sizeof *x);
                y[s] = d->y[order[k + s]];
            }
            api->loss_grad.f(w, work, x, y, n, g);
            for (sp = 0; sp < MO_NSPANS; ++sp) {
                size_t i;
                for (i = mo_spans[sp].off; i < mo_spans[sp].off + mo_spans[sp].count; ++i) {
                    float decay = mo_spans[sp].decay ? l2 / (float)d->n * w[i] : 0.0f;
                    v[i] = mu * v[i] - eta * (g[i] + decay);
                    w[i] = w[i] + v[i];
                }
            }
        }
    }
    free(v);
    net_params_free(g);
    free(x);
    free(y);
    free(order);
    free(work);
}

/* The largest |a − b| / max(1, |a|). */
static double mo_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0;
    size_t i;
    for (i = 0; i < n; ++i) {
        double d = fabs((double)a[i] - (double)b[i]) / fmax(1.0, fabs((double)a[i]));
        if (!(d <= worst))
            worst = d;
    }
    return worst;
}

/* Train with the runtime (threads 1 or more), `epochs` epochs. */
static void mo_runtime(const net_api *api, const ds_split *d, float *w, int threads, int epochs,
                       int batch, float eta, float l2, float mu, unsigned long long seed)
{
    train_ctx t;
    train_epoch_result r;
    char err[256];
    float *v = calloc(MO_PARAMS, sizeof *v);
    int e;
    cr_assert_not_null(v);
    cr_assert_eq(train_init(&t, api, w, d, batch, eta, l2, seed, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_threads(&t, threads, mo_spans, MO_NSPANS, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_momentum(&t, mu, mu > 0 ? v : NULL, mo_spans, MO_NSPANS, err, sizeof err), 0,
                 "%s", err);
    for (e = 0; e < epochs; ++e)
        train_epoch(&t, e, 0, NULL, NULL, &r);
    train_free(&t);
    free(v);
}

Test(momentum, runtime_follows_the_reference_loop_on_one_thread_and_two)
{
    net_api api;
    ds_split d;
    char err[4096];
    float w0[MO_PARAMS], ref[MO_PARAMS], one[MO_PARAMS], two[MO_PARAMS], plain[MO_PARAMS];
    cr_assert_eq(tb_build(mo_src, "float", NULL, "tcc", NULL, &api, err, sizeof err), 0, "%s", err);
    cr_assert_eq(api.param_count, MO_PARAMS);
    cr_assert_null(api.train_momentum, "code generated without momentum has train_batch_momentum");
    mo_data(&d, 57);                            /* a short last batch */
    api.init.f(w0, 5);
    memcpy(ref, w0, sizeof w0);
    memcpy(one, w0, sizeof w0);
    memcpy(two, w0, sizeof w0);
    memcpy(plain, w0, sizeof w0);
    mo_reference(&api, &d, ref, 3, 10, 0.1f, 2.0f, 0.9f, 4);
    mo_runtime(&api, &d, one, 1, 3, 10, 0.1f, 2.0f, 0.9f, 4);
    mo_runtime(&api, &d, two, 2, 3, 10, 0.1f, 2.0f, 0.9f, 4);
    mo_runtime(&api, &d, plain, 1, 3, 10, 0.1f, 2.0f, 0.0f, 4);
    cr_expect(mo_diff(ref, one, MO_PARAMS) <= 1e-6, "one thread: %g", mo_diff(ref, one, MO_PARAMS));
    cr_expect(mo_diff(ref, two, MO_PARAMS) <= 1e-5, "two threads: %g", mo_diff(ref, two, MO_PARAMS));
    cr_expect(mo_diff(ref, plain, MO_PARAMS) > 1e-3, "momentum changed nothing: %g",
              mo_diff(ref, plain, MO_PARAMS));
    free(d.x);
    free(d.y);
    jit_release(&api);
}

/* The generated step (train{ momentum }), built by tcc and by cc with
 * every warning an error, follows the reference loop too; it is what one
 * thread runs. */
Test(momentum, generated_step_follows_the_reference_loop, .timeout = 120)
{
    static const char *const backends[] = { "tcc", "cc" };
    char err[4096];
    ds_split d;
    int b;
    mo_data(&d, 57);
    for (b = 0; b < 2; ++b) {
        net_api api;
        float w0[MO_PARAMS], ref[MO_PARAMS], gen[MO_PARAMS];
        cr_assert_eq(tb_build(mo_src_momentum, "float", NULL, backends[b],
                              "-O2 -std=c99 -Wall -Wextra -pedantic -Werror", &api, err, sizeof err),
                     0, "%s: %s", backends[b], err);
        cr_assert_not_null(api.train_momentum, "%s: no train_batch_momentum", backends[b]);
        api.init.f(w0, 5);
        memcpy(ref, w0, sizeof w0);
        memcpy(gen, w0, sizeof w0);
        mo_reference(&api, &d, ref, 3, 10, 0.1f, 2.0f, 0.9f, 4);
        mo_runtime(&api, &d, gen, 1, 3, 10, 0.1f, 2.0f, 0.9f, 4);
        cr_expect(mo_diff(ref, gen, MO_PARAMS) <= 1e-5, "%s: %g", backends[b],
                  mo_diff(ref, gen, MO_PARAMS));
        jit_release(&api);
    }
    free(d.x);
    free(d.y);
}

/* text after its first line (which names the description and its hash) */
static const char *mo_after_hash(const char *text)
{
    const char *h = strchr(text, '\n');
    return h ? h : "";
}

/* Only momentum changes the code: momentum = 0 and an expansion generate
 * the bytes of a description without them (but its hash), in every form. */
Test(momentum, code_changes_only_for_a_momentum)
{
    static const char *const variants[] = { "momentum = 0", "expand = \"shift1\"",
                                            "momentum = 0.9" };
    char src[1024], err[4096];
    int u, k;
    for (u = 0; u < TB_NUNROLLS; ++u) {
        tb_gen plain, other;
        cr_assert_eq(tb_generate(mo_src, "float", tb_unrolls[u], &plain, err, sizeof err), 0, "%s", err);
        for (k = 0; k < 3; ++k) {
            snprintf(src, sizeof src,
                     "return network { name = \"mo\", input = { 1, 6, 6 },\n"
                     "  layers = { conv { maps = 2, kernel = 3, act = \"sigmoid\" },\n"
                     "             dense { units = 3, act = \"softmax\" } },\n"
                     "  train = { %s } }\n", variants[k]);
            cr_assert_eq(tb_generate(src, "float", tb_unrolls[u], &other, err, sizeof err), 0, "%s",
                         err);
            cr_expect_eq(!strcmp(mo_after_hash(plain.c), mo_after_hash(other.c))
                         && !strcmp(mo_after_hash(plain.h), mo_after_hash(other.h)), k < 2,
                         "--unroll %s, train{ %s }: the code %s", tb_unrolls[u], variants[k],
                         k < 2 ? "changed" : "did not change");
            cr_expect_eq(strstr(other.c, "_train_batch_momentum(") != NULL, k == 2);
            tb_gen_free(&other);
        }
        tb_gen_free(&plain);
    }
}

/* μ = 0 is plain SGD: the runtime goes back to train_batch, bit for bit. */
Test(momentum, zero_momentum_is_train_batch_bit_for_bit)
{
    net_api api;
    ds_split d;
    train_ctx t;
    train_epoch_result r;
    char err[4096];
    float a[MO_PARAMS], b[MO_PARAMS], v[MO_PARAMS] = { 0 };
    cr_assert_eq(tb_build(mo_src, "float", NULL, "tcc", NULL, &api, err, sizeof err), 0, "%s", err);
    mo_data(&d, 40);
    api.init.f(a, 5);
    memcpy(b, a, sizeof a);
    cr_assert_eq(train_init(&t, &api, a, &d, 10, 0.1f, 2.0f, 4, err, sizeof err), 0, "%s", err);
    train_epoch(&t, 0, 0, NULL, NULL, &r);
    train_free(&t);
    cr_assert_eq(train_init(&t, &api, b, &d, 10, 0.1f, 2.0f, 4, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_momentum(&t, 0.5f, v, mo_spans, MO_NSPANS, err, sizeof err), 0);
    cr_assert_eq(train_momentum(&t, 0.0f, v, mo_spans, MO_NSPANS, err, sizeof err), 0);
    cr_expect(t.velocity == NULL && t.mu == 0.0f);
    train_epoch(&t, 0, 0, NULL, NULL, &r);
    train_free(&t);
    cr_expect(memcmp(a, b, sizeof a) == 0, "momentum 0 differs from train_batch");
    free(d.x);
    free(d.y);
    jit_release(&api);
}

/* Stop the epoch as Ctrl-C would, once `ctx` samples are done. */
static void mo_stop_at(void *ctx, int done, int total, double batch_cost, double mean_cost)
{
    (void)total, (void)batch_cost, (void)mean_cost;
    if (done >= *(const int *)ctx)
        raise(SIGINT);
}

/* Momentum on the expanded set, stopped mid-epoch and resumed from the
 * weights, the velocity and the position (what --save keeps) in a fresh
 * context: the same bits as the unbroken epochs. */
Test(momentum, stopped_mid_epoch_and_resumed_with_expansion_is_bit_for_bit)
{
    net_api api;
    ds_split d;
    train_ctx t;
    train_epoch_result r;
    char err[4096];
    float w0[MO_PARAMS], whole[MO_PARAMS], part[MO_PARAMS], vw[MO_PARAMS] = { 0 },
          vp[MO_PARAMS] = { 0 }, saved_w[MO_PARAMS], saved_v[MO_PARAMS];
    int stop = 60, next;
    cr_assert_eq(tb_build(mo_src_momentum, "float", NULL, "tcc", NULL, &api, err, sizeof err), 0,
                 "%s", err);
    mo_data(&d, 23);                            /* 115 samples an epoch */
    api.init.f(w0, 5);
    memcpy(whole, w0, sizeof w0);
    memcpy(part, w0, sizeof w0);
    /* unbroken: epochs 0 and 1 */
    cr_assert_eq(train_init(&t, &api, whole, &d, 10, 0.1f, 1.0f, 4, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_momentum(&t, 0.9f, vw, mo_spans, MO_NSPANS, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_expand(&t, EXPAND_SHIFT1, err, sizeof err), 0, "%s", err);
    cr_expect_eq(train_epoch_size(&t), 115);
    train_epoch(&t, 0, 0, NULL, NULL, &r);
    train_epoch(&t, 1, 0, NULL, NULL, &r);
    train_free(&t);
    /* epoch 0, then epoch 1 stopped after 60 samples: keep what a save keeps */
    cr_assert_eq(train_init(&t, &api, part, &d, 10, 0.1f, 1.0f, 4, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_momentum(&t, 0.9f, vp, mo_spans, MO_NSPANS, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_expand(&t, EXPAND_SHIFT1, err, sizeof err), 0, "%s", err);
    train_epoch(&t, 0, 0, NULL, NULL, &r);
    train_sigint_install();
    train_epoch(&t, 1, 0, mo_stop_at, &stop, &r);
    train_sigint_restore();
    train_stop_reset();
    cr_assert(r.interrupted && r.next == 60, "stopped at %d", r.next);
    next = r.next;
    memcpy(saved_w, part, sizeof part);
    memcpy(saved_v, vp, sizeof vp);
    train_free(&t);
    /* a fresh start from them */
    memcpy(part, saved_w, sizeof part);
    memcpy(vp, saved_v, sizeof vp);
    cr_assert_eq(train_init(&t, &api, part, &d, 10, 0.1f, 1.0f, 4, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_momentum(&t, 0.9f, vp, mo_spans, MO_NSPANS, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_expand(&t, EXPAND_SHIFT1, err, sizeof err), 0, "%s", err);
    train_epoch(&t, 1, next, NULL, NULL, &r);
    train_free(&t);
    cr_expect(memcmp(whole, part, sizeof part) == 0 && memcmp(vw, vp, sizeof vp) == 0,
              "resumed weights or velocity differ from the unbroken run's (%g)",
              mo_diff(whole, part, MO_PARAMS));
    free(d.x);
    free(d.y);
    jit_release(&api);
}

/* ================================================================ */
/* The velocity in the weights file                                 */
/* ================================================================ */

Test(momentum, weights_file_version_2_carries_the_velocity)
{
    enum { N = 5 };
    const float w[N] = { 1.5f, -2.0f, 0.25f, 3.0f, -0.125f }, v[N] = { 0.5f, 0.0f, -1.0f, 2.0f, 1e-30f };
    float w2[N], v2[N];
    double wd[N], vd[N];
    char path[256], err[512];
    unsigned char *bytes;
    size_t len;
    ckpt_info info;
    int has = -1;
    rt_path(path, sizeof path, "v.bin");
    cr_assert_eq(ckpt_save_velocity(path, w, v, N, 4, 0x1234, err, sizeof err), 0, "%s", err);
    bytes = (unsigned char *)fs_slurp(path, &len);
    cr_expect_eq(len, (size_t)(40 + 2 * N * 4 + 8));
    cr_expect(bytes[8] == 2 && bytes[32] == 2 && bytes[36] == 0, "version 2, 2 vectors");
    cr_assert_eq(ckpt_peek(path, &info, err, sizeof err), 0, "%s", err);
    cr_expect(info.version == 2 && info.vectors == 2 && info.file_size == len);
    cr_assert_eq(ckpt_load_velocity(path, w2, v2, &has, N, 4, 0x1234, err, sizeof err), 0, "%s", err);
    cr_expect_eq(has, 1);
    cr_expect(memcmp(w, w2, sizeof w) == 0 && memcmp(v, v2, sizeof v) == 0);
    /* every reader of weights reads it: the weights alone, in either precision */
    memset(w2, 0, sizeof w2);
    cr_assert_eq(ckpt_load(path, w2, N, 4, 0x1234, err, sizeof err), 0, "%s", err);
    cr_expect(memcmp(w, w2, sizeof w) == 0);
    cr_assert_eq(ckpt_load_velocity(path, wd, vd, &has, N, 8, 0x1234, err, sizeof err), 0, "%s", err);
    cr_expect(has == 1 && wd[3] == 3.0 && vd[2] == -1.0);
    /* the checksum covers the velocity */
    bytes[len - 9] ^= 1;
    fs_spit(path, bytes, len);
    memset(v2, 0, sizeof v2);
    cr_expect_neq(ckpt_load_velocity(path, w2, v2, &has, N, 4, 0x1234, err, sizeof err), 0);
    cr_expect(strstr(err, "checksum mismatch") != NULL, "%s", err);
    cr_expect(has == 0 && v2[0] == 0.0f, "a refused file wrote its velocity");
    /* a truncated one is refused */
    fs_spit(path, bytes, len - 12);
    cr_expect_neq(ckpt_load(path, w2, N, 4, 0x1234, err, sizeof err), 0);
    cr_expect(strstr(err, "truncated") != NULL, "%s", err);
    /* a vector count other than 2 is corrupt */
    bytes[len - 9] ^= 1;
    bytes[32] = 3;
    fs_spit(path, bytes, len);
    cr_expect_neq(ckpt_peek(path, &info, err, sizeof err), 0);
    cr_expect(strstr(err, "3 vectors") != NULL, "%s", err);
    free(bytes);
}

Test(momentum, a_file_without_velocity_is_version_1_and_leaves_the_velocity_alone)
{
    enum { N = 3 };
    const float w[N] = { 1, 2, 3 };
    float w2[N], v2[N] = { 7, 7, 7 };
    char a[256], b[256], err[512];
    int has = -1;
    rt_path(a, sizeof a, "a.bin");
    rt_path(b, sizeof b, "b.bin");
    cr_assert_eq(ckpt_save(a, w, N, 4, 9, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_save_velocity(b, w, NULL, N, 4, 9, err, sizeof err), 0, "%s", err);
    cr_expect(rt_same_file(a, b), "no velocity: the same bytes as ckpt_save");
    cr_assert_eq(ckpt_load_velocity(a, w2, v2, &has, N, 4, 9, err, sizeof err), 0, "%s", err);
    cr_expect(has == 0 && v2[0] == 7 && w2[2] == 3);
}

/* ================================================================ */
/* cnngen run --momentum                                            */
/* ================================================================ */

static void mo_run(rt_out *o, const char *net, const char *data, const char *epochs,
                   const char *momentum, const char *load, const char *save)
{
    const char *args[20];
    int k = 0;
    args[k++] = "run"; args[k++] = net; args[k++] = "--data"; args[k++] = data;
    args[k++] = "--epochs"; args[k++] = epochs; args[k++] = "--eta"; args[k++] = "0.05";
    args[k++] = "--json";
    if (momentum) { args[k++] = "--momentum"; args[k++] = momentum; }
    if (load) { args[k++] = "--load"; args[k++] = load; }
    if (save) { args[k++] = "--save"; args[k++] = save; }
    args[k] = NULL;
    rt_run(o, args, NULL);
    cr_assert_eq(o->status, 0, "stderr: %s", o->err);
}

Test(momentum, run_learns_and_momentum_zero_gives_todays_weights_bit_for_bit)
{
    char net[256], data[256], a[256], b[256], c[256];
    double acc[4];
    size_t n;
    float *wa, *wc;
    rt_out o;
    rt_standard(600);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(a, sizeof a, "a.bin");
    rt_path(b, sizeof b, "b.bin");
    rt_path(c, sizeof c, "c.bin");
    mo_run(&o, net, data, "2", NULL, NULL, a);
    mo_run(&o, net, data, "2", "0", NULL, b);
    cr_expect(rt_same_file(a, b), "--momentum 0 changed the weights or their file");
    mo_run(&o, net, data, "2", "0.9", NULL, c);
    cr_assert_eq(rt_json_values(o.out, "accuracy", acc, 4), 2, "%s", o.out);
    cr_expect(acc[1] >= 0.9, "accuracy with momentum %g", acc[1]);
    wa = rt_weights(a, &n);
    wc = rt_weights(c, &n);
    cr_expect(mo_diff(wa, wc, n) > 1e-3, "momentum 0.9 trained like 0");
    free(wa);
    free(wc);
    /* the description's train{} sets it too */
    rt_write("mom.lua", "return network { name = \"syn\", input = { 1, 8, 8 },\n"
             "  layers = { conv { maps = 4, kernel = 3, act = \"sigmoid\" }, maxpool { size = 2 },\n"
             "             dense { units = 4, act = \"softmax\" } },\n"
             "  cost = \"log-likelihood\",\n"
             "  train = { eta = 0.5, batch = 10, l2 = 0.1, epochs = 2, seed = 3, momentum = 0.9 } }\n");
    mo_run(&o, rt_path(net, sizeof net, "mom.lua"), data, "2", NULL, NULL, b);
    cr_expect(rt_same_file(b, c), "train{ momentum = 0.9 } differs from --momentum 0.9");
}

/* Stopped after epoch 1 and resumed with --load: the same weights and
 * velocity, bit for bit, as the unbroken run; resumed without the
 * velocity, it ends elsewhere. */
Test(momentum, resumed_run_ends_bit_for_bit_where_an_unbroken_one_does)
{
    char net[256], data[256], a[256], b[256], c[256], err[512];
    float w[256], v[256];
    size_t n;
    float *p;
    int has = 0;
    ckpt_info info;
    rt_out o;
    rt_standard(500);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(a, sizeof a, "a.bin");
    rt_path(b, sizeof b, "b.bin");
    rt_path(c, sizeof c, "c.bin");
    mo_run(&o, net, data, "3", "0.9", NULL, a);
    mo_run(&o, net, data, "1", "0.9", NULL, b);
    cr_assert_eq(ckpt_peek(b, &info, err, sizeof err), 0, "%s", err);
    cr_assert(info.count <= 256);
    cr_assert_eq(ckpt_load_velocity(b, w, v, &has, (size_t)info.count, 4, info.arch_hash, err,
                                     sizeof err), 0, "%s", err);
    cr_assert_eq(has, 1, "no velocity saved");
    /* c: b's weights and position, without the velocity */
    cr_assert_eq(ckpt_save(c, w, (size_t)info.count, 4, info.arch_hash, err, sizeof err), 0);
    free(proc_ok("cp '%s.state' '%s.state'", b, c));
    mo_run(&o, net, data, "3", "0.9", b, b);
    cr_expect(strstr(o.out, "\"epoch\":2") && !strstr(o.out, "\"epoch\":1"), "%s", o.out);
    cr_expect(rt_same_file(a, b), "resumed weights or velocity differ from the unbroken run's");
    mo_run(&o, net, data, "3", "0.9", c, c);
    cr_expect(strstr(o.err, "holds no velocity") != NULL, "%s", o.err);
    p = rt_weights(c, &n);
    cr_expect(mo_diff(w, p, n) > 0, "resumed without velocity but still trained");
    free(p);
    cr_expect(!rt_same_file(a, c), "the velocity made no difference");
}

Test(momentum, bad_values_are_one_line_and_exit_2)
{
    char net[256], data[256];
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--momentum", "1", NULL }, NULL);
    rt_expect_error(&o, 2, "--momentum 1: the momentum must be below 1");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--momentum", "-0.1", NULL }, NULL);
    rt_expect_error(&o, 2, "--momentum needs a number >= 0, not '-0.1'");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--momentum", "fast", NULL }, NULL);
    rt_expect_error(&o, 2, "--momentum needs a number");
    rt_run(&o, (const char *const[]){ "eval", net, "--weights", "w", "--momentum", "0.5", NULL }, NULL);
    rt_expect_error(&o, 2, "--momentum is an option of run");
}
