/*
 * test_chunk.c -- the work struct holds a chunk of samples and loss_grad
 * takes a mini-batch a chunk at a time (dense layers once per chunk, the
 * others sample by sample).  The chunk size must not change any result:
 * every gradient is summed over the samples in the same order whatever the
 * chunk, so the results are equal bit for bit -- for mini-batches smaller
 * than, equal to and larger than a chunk, with partial last chunks; and
 * `cnngen run --chunk 3` ends bit for bit where the batch-sized chunk
 * does, on each backend.  Without --chunk, run sizes the chunk for the
 * batch it trains with (--batch, else the description's): a batch of
 * exactly the chunk takes the fused step.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "fsutil.h"
#include "jit.h"
#include "runfix.h"

static const char chunk_net[] =
    "return network { name = 'ck', input = { 2, 9, 9 }, layers = {\n"
    "  conv { maps = 4, kernel = 3, pad = 1, act = 'relu' },\n"
    "  maxpool { size = 3 },\n"
    "  conv { maps = 6, kernel = 2, act = 'tanh' },\n"
    "  dense { units = 70, act = 'sigmoid' },\n"
    "  dense { units = 5, act = 'softmax' } },\n"
    "  train = { batch = 4 } }\n";

/* dense first: it reads the input x itself, several samples at a time; 9
 * and 10 units: blocks of 8 units and the rest (1 and 2) */
static const char dense_net[] =
    "return network { name = 'cd', input = { 1, 5, 7 }, layers = {\n"
    "  dense { units = 9, act = 'relu' },\n"
    "  dense { units = 10, act = 'sigmoid' } } }\n";

/* a conv under a max-pool that propagates δ: its ∂C/∂w sums over the
 * winners once per chunk, in a channel-last scratch (conv_backward_pooled_channels),
 * which must go on from the sums before it, not start from 0 */
static const char pooled_net[] =
    "return network { name = 'cp', input = { 2, 12, 12 }, layers = {\n"
    "  conv { maps = 4, kernel = 3, pad = 1, act = 'relu' },\n"
    "  maxpool { size = 2 },\n"
    "  conv { maps = 6, kernel = 3, act = 'tanh' },\n"
    "  maxpool { size = 2 },\n"
    "  dense { units = 5, act = 'softmax' } },\n"
    "  train = { batch = 4 } }\n";

/* loss and gradient of n samples with the work struct holding `chunk` */
static float chunk_loss_grad(const char *src, const char *unroll, const char *backend, int chunk, int n,
                             float *grad, size_t *count)
{
    net_api api;
    char err[512];
    float *p, *x, cost;
    int *labels, k;
    void *w;
    cr_assert_eq(tb_build_chunk(src, "float", unroll, chunk, backend, "-O2", &api, err, sizeof err), 0,
                 "%s", err);
    p = malloc(api.param_count * sizeof *p);
    x = malloc((size_t)n * api.in_size * sizeof *x);
    labels = malloc((size_t)n * sizeof *labels);
    w = net_work_new(&api);
    cr_assert(p && x && labels && w);
    api.init.f(p, 7);
    for (k = 0; k < n * (int)api.in_size; ++k) x[k] = (float)((k * 37) % 101) / 50.0f - 1.0f;
    for (k = 0; k < n; ++k) labels[k] = (k * 3) % 5;
    cost = api.loss_grad.f(p, w, x, labels, n, grad);
    *count = api.param_count;
    free(p); free(x); free(labels); free(w);
    jit_release(&api);
    return cost;
}

static void check_chunks(const char *src, const char *unroll, const char *backend)
{
    static const int ns[] = { 1, 3, 4, 7, 13 };
    static const int chunks[] = { 1, 2, 4, 5, 32 };
    size_t count = 0, i, j, k;
    float *base = calloc(4096, sizeof *base), *g = calloc(4096, sizeof *g);
    cr_assert(base && g);
    for (i = 0; i < sizeof ns / sizeof ns[0]; ++i) {
        float c0 = chunk_loss_grad(src, unroll, backend, 1, ns[i], base, &count);
        cr_assert(count <= 4096);
        for (j = 1; j < sizeof chunks / sizeof chunks[0]; ++j) {
            float c = chunk_loss_grad(src, unroll, backend, chunks[j], ns[i], g, &count);
            cr_assert(memcmp(&c, &c0, sizeof c) == 0, "%s/%s n=%d chunk %d: cost %.9g != %.9g with chunk 1",
                      unroll, backend, ns[i], chunks[j], c, c0);
            for (k = 0; k < count; ++k)
                cr_assert(memcmp(&g[k], &base[k], sizeof g[k]) == 0,
                          "%s/%s n=%d chunk %d: grad[%zu] = %.9g, with chunk 1 %.9g",
                          unroll, backend, ns[i], chunks[j], k, g[k], base[k]);
        }
    }
    free(base);
    free(g);
}

Test(chunk, results_do_not_depend_on_the_chunk_loops, .timeout = 120)
{
    check_chunks(chunk_net, "none", "cc");
    check_chunks(dense_net, "none", "cc");
    check_chunks(pooled_net, "none", "cc");
}

Test(chunk, results_do_not_depend_on_the_chunk_straight_line, .timeout = 120)
{
    check_chunks(chunk_net, "full", "tcc");
    check_chunks(dense_net, "full", "tcc");
}

/* --unroll kernel: with 4 samples or more in a chunk, the dense layers keep
 * both factors of their products in local arrays (a chunk of 5 or 32 holds
 * 7 or 13 samples as full and partial chunks, rows past n zero) */
Test(chunk, results_do_not_depend_on_the_chunk_local_arrays, .timeout = 120)
{
    check_chunks(chunk_net, "kernel", "tcc");
    check_chunks(dense_net, "kernel", "tcc");
}

/* --chunk changes the work struct, not the training: the same weights
 * bit for bit with a chunk of 3 as with the description's batch of 10
 * (the generated code sums in one order whatever the chunk), on each
 * backend. */
Test(chunk, run_changes_the_work_struct_not_the_results, .init = rt_setup,
     .fini = fs_scratch_remove, .timeout = 60)
{
    static const char *const backends[] = { "tcc", "cc" };
    char p[4][256];             /* the net, the data, the weights of each run */
    rt_out o[2];
    size_t b;
    rt_standard(300);
    rt_path(p[0], sizeof p[0], "syn.lua");
    rt_path(p[1], sizeof p[1], "data");
    for (b = 0; b < 2; ++b) {
        rt_path(p[2], sizeof p[2], "whole.bin");
        rt_path(p[3], sizeof p[3], "chunk3.bin");
        rt_run(&o[0], (const char *const[]){ "run", p[0], "--data", p[1], "--epochs", "1", "--json",
                                              "--backend", backends[b], "--save", p[2], NULL }, NULL);
        rt_run(&o[1], (const char *const[]){ "run", p[0], "--data", p[1], "--epochs", "1", "--json",
                                              "--backend", backends[b], "--chunk", "3", "--save", p[3],
                                              NULL }, NULL);
        cr_assert(o[0].status == 0 && o[1].status == 0, "stderr: %s / %s", o[0].err, o[1].err);
        rt_expect_same_costs(o[0].out, o[1].out, 1, 0.0);
        rt_expect_close_weights(p[2], p[3], 0.0);
    }
}

/* The chunk of the one unit in the cc cache dir. */
static long cached_chunk(const char *dir)
{
    int units = 0;
    unsigned long long set = rt_cached_chunks(dir, &units);
    long chunk = 0;
    cr_assert_eq(units, 1, "%d units in %s", units, dir);
    while (!(set & 1ULL << chunk))
        ++chunk;
    return chunk;
}

/* run --batch N builds code whose chunk is N (at most 32), so that a
 * mini-batch is one chunk; the description's batch (10) without it; --chunk
 * still decides where given. */
Test(chunk, run_sizes_the_chunk_for_its_batch, .init = rt_setup, .fini = fs_scratch_remove,
     .timeout = 120)
{
    static const struct { const char *batch, *chunk; long want; } cases[] = {
        { NULL, NULL, 10 }, { "5", NULL, 5 }, { "64", NULL, 32 }, { "5", "3", 3 },
    };
    char net[256], data[256], cache[64], env[440], dir[400];
    size_t c;
    rt_standard(200);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    for (c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        const char *args[16];
        int a = 0;
        rt_out o;
        snprintf(cache, sizeof cache, "cache%zu", c);
        rt_path(dir, sizeof dir, cache);
        snprintf(env, sizeof env, "XDG_CACHE_HOME=%s", dir);
        args[a++] = "run"; args[a++] = net; args[a++] = "--data"; args[a++] = data;
        args[a++] = "--epochs"; args[a++] = "1"; args[a++] = "--backend"; args[a++] = "cc";
        if (cases[c].batch) { args[a++] = "--batch"; args[a++] = cases[c].batch; }
        if (cases[c].chunk) { args[a++] = "--chunk"; args[a++] = cases[c].chunk; }
        args[a] = NULL;
        rt_run(&o, args, (const char *const[]){ env, NULL });
        cr_assert_eq(o.status, 0, "stderr: %s", o.err);
        strcat(dir, "/cnngen");
        cr_assert_eq(cached_chunk(dir), cases[c].want, "--batch %s --chunk %s: chunk %ld, not %ld",
                     cases[c].batch ? cases[c].batch : "-", cases[c].chunk ? cases[c].chunk : "-",
                     cached_chunk(dir), cases[c].want);
    }
}
