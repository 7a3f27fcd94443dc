/*
 * bench_measure.c -- how `cnngen bench` measures (see bench.h): the
 * statistics of its runs, the timing loop, and the work it times --
 * training mini-batches as `run` gathers them, inference batches split
 * across threads.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "progress.h"

/* ================================================================ */
/* Statistics                                                       */
/* ================================================================ */

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* See bench.h. */
void bench_stats(double *v, int n, bench_stat *st)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    st->runs = n;
    st->lo = v[0];
    st->hi = v[n - 1];
    st->med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* See bench.h. */
double bench_spread(const bench_stat *st)
{
    return st->med > 0 ? (st->hi - st->lo) / st->med : 0.0;
}

/* ================================================================ */
/* Timing                                                           */
/* ================================================================ */

/* See bench.h. */
void bench_measure(const bench *b, bench_work_fn fn, void *ctx, bench_stat *st)
{
    double v[64], t;
    long k = 1;
    int i, runs = b->runs < 64 ? b->runs : 64;
    for (;;) {                          /* the first runs double as warm-up */
        t = progress_now();
        fn(ctx, k);
        t = progress_now() - t;
        if (t >= b->min_time / 4 || k > (1L << 40))
            break;
        k *= t > 0 && b->min_time / 4 / t < 8 ? 2 : 8;
    }
    if (t > 0 && t < b->min_time)
        k = (long)((double)k * b->min_time / t) + 1;
    for (i = 0; i < runs; ++i) {
        t = progress_now();
        fn(ctx, k);
        t = progress_now() - t;
        v[i] = (double)k / (t > 0 ? t : 1e-9);
    }
    bench_stats(v, runs, st);
}

/* ================================================================ */
/* Training                                                         */
/* ================================================================ */

/* The next batch's first sample in the order: the cursor; a batch that
 * would run past the end starts the order again. */
static int bench_next_batch(bench_train *bt)
{
    int k;
    if (bt->cursor + bt->tr.batch > bt->tr.data->n)
        bt->cursor = 0;
    k = bt->cursor;
    bt->cursor += bt->tr.batch;
    return k;
}

/* See bench.h. */
void bench_train_gather(bench_train *bt)
{
    train_gather(&bt->tr, bench_next_batch(bt), bt->tr.batch);
}

/* See bench.h. */
void bench_train_batches(bench_train *bt, long k)
{
    long b;
    /* each batch gathered as train_epoch gathers it (a team: each thread
     * its slice) */
    for (b = 0; b < k; ++b)
        train_step_at(&bt->tr, bench_next_batch(bt), bt->tr.batch);
}

/* See bench.h. */
void bench_train_work(void *ctx, long k)
{
    bench_train_batches(ctx, k);
}

/* See bench.h. */
int bench_train_init(const bench *b, const net *n, const net_api *api, int threads, int batch,
                     float *params, bench_train *bt)
{
    char err[1024];
    memset(bt, 0, sizeof *bt);
    api->init.f(params, n->train.seed);
    if (train_init(&bt->tr, api, params, &b->ds.train, batch, (float)n->train.eta,
                   (float)n->train.l2, n->train.seed, err, sizeof err) != 0
        || net_threads(n, &bt->tr, threads, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        train_free(&bt->tr);
        return -1;
    }
    train_order(bt->tr.order, b->ds.train.n, n->train.seed, 0);
    return 0;
}

/* ================================================================ */
/* The threads' barrier                                             */
/* ================================================================ */

typedef struct bench_barrier_ctx {
    pool *pool;
    long k;
} bench_barrier_ctx;

/* k barriers in a row, on each thread of the team. */
static void bench_barrier_run(void *ctx, int t, int n)
{
    bench_barrier_ctx *c = ctx;
    long i;
    (void)t;
    (void)n;
    for (i = 0; i < c->k; ++i)
        pool_sync(c->pool);
}

static void bench_barrier_work(void *ctx, long k)
{
    bench_barrier_ctx *c = ctx;
    c->k = k;
    pool_run(c->pool, bench_barrier_run, c);
}

/* See bench.h. */
int bench_barrier(const bench *b, int threads, bench_stat *st)
{
    char err[256];
    bench_barrier_ctx c;
    c.k = 0;
    if (!(c.pool = pool_new(threads, err, sizeof err))) {
        fprintf(stderr, "cnngen: %s\n", err);
        return -1;
    }
    bench_measure(b, bench_barrier_work, &c, st);
    pool_free(c.pool);
    return 0;
}

/* ================================================================ */
/* Inference                                                        */
/* ================================================================ */

typedef struct bench_infer {
    const net_api *api;
    const float *params;
    const ds_split *d;
    pool *pool;
    void *work[64];
    float *y[64];
    int batch, cursor;
} bench_infer;

/* Thread t's slice of the current batch of images. */
static void bench_infer_slice(void *ctx, int t, int n)
{
    bench_infer *bi = ctx;
    int base = bi->batch / n, rem = bi->batch % n;
    int len = base + (t < rem), off = t * base + (t < rem ? t : rem), s;
    for (s = off; s < off + len; ++s) {
        int i = (bi->cursor + s) % bi->d->n;
        bi->api->forward.f(bi->params, bi->work[t], bi->d->x + (size_t)i * bi->api->in_size,
                           bi->y[t]);
    }
}

/* k batches of images (pool_run splits each). */
static void bench_infer_work(void *ctx, long k)
{
    bench_infer *bi = ctx;
    long b;
    for (b = 0; b < k; ++b) {
        pool_run(bi->pool, bench_infer_slice, bi);
        bi->cursor = (bi->cursor + bi->batch) % bi->d->n;
    }
}

/* See bench.h. */
int bench_infer_rate(const bench *b, const net_api *api, const float *params, int threads,
                     int batch, bench_stat *st)
{
    char err[256];
    bench_infer bi;
    int t, rc = 0;
    memset(&bi, 0, sizeof bi);
    if (threads > 64)
        threads = 64;
    bi.api = api;
    bi.params = params;
    bi.d = &b->ds.test;
    bi.batch = batch;
    for (t = 0; t < threads; ++t) {
        bi.work[t] = net_work_new(api);
        bi.y[t] = malloc(api->out_size * sizeof(float));
        if (!bi.work[t] || !bi.y[t])
            rc = -1;
    }
    if (rc == 0 && !(bi.pool = pool_new(threads, err, sizeof err)))
        rc = -1;
    if (rc == 0)
        bench_measure(b, bench_infer_work, &bi, st);
    else
        fprintf(stderr, "cnngen: out of memory or threads for inference\n");
    pool_free(bi.pool);
    for (t = 0; t < threads; ++t) {
        free(bi.work[t]);
        free(bi.y[t]);
    }
    return rc;
}
