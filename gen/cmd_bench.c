/*
 * cmd_bench.c -- `cnngen bench NET.lua... [--out PATH]`: how fast the
 * generated code trains and infers on this machine, against the machine's
 * own FP32 FMA peak (runtime/peak.h).
 *
 * For each net, on the real images of the data set (Fashion-MNIST unless
 * --data says otherwise):
 *   build    the time to generate the C (describe + generate, each
 *            backend's form) and to compile it with tcc and with cc (cold:
 *            a fresh cache directory every time);
 *   train    samples/s at batch 10 and 64 (--batch N: only N) on 1 and T
 *            threads (--threads T, default 2), for tcc and cc (steady
 *            state: the build done, the mini-batches gathered from a
 *            shuffled order as `run` does) and for auto (a cold run as
 *            `run --backend auto` makes it: generate both forms, start the
 *            cc build in the background, train on tcc, switch when it is
 *            ready; the clock runs from the start, so the figure includes
 *            every build; the run is as long as about 12 timed runs of cc);
 *   infer    µs per image at batch 1 (forward, one thread) and images/s at
 *            batch 256 (the 256 forwards split across the threads).
 * GFLOPS = 2 × MACs × samples/s (MACs from the generator, as `cnngen info`
 * prints them: forward + backward for training, forward for inference);
 * peak fraction = GFLOPS / (threads × the measured one-core peak).
 *
 * Noise.  The machine may be shared: every figure is the median of --runs
 * runs (default 5; 3 for the cold builds and auto runs), each timed over
 * enough work to last --min-time seconds (default 0.25), and the table
 * gives the spread, (max − min) / median.
 *
 * Output: the table on stdout, row by row as measured; with --out PATH,
 * a JSON list of objects, one per row, with the keys net, backend,
 * threads, batch, train_samples_per_s, infer_us, gflops, peak_fraction
 * (null where they do not apply) plus kind ("peak", "build", "train",
 * "infer"), runs, spread and the row's own figures.  Written all or
 * nothing (outfile.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "dataset.h"
#include "host.h"
#include "net.h"
#include "outfile.h"
#include "peak.h"
#include "pool.h"
#include "progress.h"
#include "tier.h"
#include "train.h"

#define BENCH_RUNS 5            /* runs per figure */
#define BENCH_COLD_RUNS 3       /* runs per cold build / auto figure (each compiles) */
#define BENCH_MIN_TIME 0.25     /* seconds of work per timed run */
#define BENCH_AUTO_LENGTH 12    /* an auto run lasts about this many min_times of cc */
#define BENCH_INFER_BATCH 256

/* ================================================================ */
/* Rows and statistics                                              */
/* ================================================================ */

typedef struct bench_stat {
    double med, lo, hi;         /* of the runs' rates */
    int runs;
} bench_stat;

typedef struct bench_row {
    const char *kind;           /* "peak", "build", "train", "infer" */
    char net[64];
    const char *backend;        /* "tcc", "cc", "auto", or NULL */
    int threads, batch;         /* 0: not applicable */
    double sps;                 /* train: samples/s; infer: images/s */
    double us;                  /* infer: µs per image */
    double gflops, frac;
    bench_stat st;
    double gen_ms, compile_ms;  /* build */
    bench_stat gen_st;
    long samples;               /* auto: length of the cold run */
    double switch_s;            /* auto: seconds from the start to the switch to cc (0: none) */
    double cold_cc, cold_tcc;   /* auto: a cold cc / tcc run of the same length, samples/s */
} bench_row;

typedef struct bench {
    const cli_opts *o;
    int runs, cold_runs;
    double min_time;
    int threads[2], nthreads;
    int batches[2], nbatches;
    int want_tcc, want_cc, want_auto;
    int cores;
    peak_result peak;
    char tmp[512];              /* scratch cache directories live here */
    int nscratch;
    dataset ds;
    int ds_open;
    bench_row *rows;
    int nrows, cap;
} bench;

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench_stats(double *v, int n, bench_stat *st)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    st->runs = n;
    st->lo = v[0];
    st->hi = v[n - 1];
    st->med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double bench_spread(const bench_stat *st)
{
    return st->med > 0 ? (st->hi - st->lo) / st->med : 0.0;
}

static bench_row *bench_add(bench *b, const char *kind, const char *net, const char *backend,
                            int threads, int batch)
{
    bench_row *r;
    if (b->nrows == b->cap) {
        int cap = b->cap ? 2 * b->cap : 64;
        bench_row *nr = realloc(b->rows, (size_t)cap * sizeof *nr);
        if (!nr)
            return NULL;
        b->rows = nr;
        b->cap = cap;
    }
    r = &b->rows[b->nrows++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    snprintf(r->net, sizeof r->net, "%s", net ? net : "");
    r->backend = backend;
    r->threads = threads;
    r->batch = batch;
    return r;
}

/* The peak of `threads` threads: one core's, times the cores they can use. */
static double bench_peak(const bench *b, int threads)
{
    int use = threads < b->cores ? threads : b->cores;
    return b->peak.gflops * (use > 0 ? use : 1);
}

/* ================================================================ */
/* Timing                                                           */
/* ================================================================ */

/* Do k units of work. */
typedef void (*bench_work_fn)(void *ctx, long k);

/* Units per second of fn: calibrate k so one run lasts about min_time,
 * then `runs` timed runs. */
static void bench_measure(const bench *b, bench_work_fn fn, void *ctx, bench_stat *st)
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
/* Scratch cache directories (cold cc builds)                       */
/* ================================================================ */

static int bench_tmp_init(bench *b)
{
    const char *base = getenv("TMPDIR");
    snprintf(b->tmp, sizeof b->tmp, "%s/cnngen-bench-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(b->tmp)) {
        fprintf(stderr, "cnngen: cannot create a scratch directory %s: %s\n", b->tmp,
                strerror(errno));
        b->tmp[0] = '\0';
        return -1;
    }
    return 0;
}

/* A new, not yet existing cache directory under b->tmp (jit_cc creates it). */
static void bench_scratch(bench *b, char *dir, size_t len)
{
    snprintf(dir, len, "%s/cc%d", b->tmp, b->nscratch++);
}

/* Remove b->tmp: the cache directories hold files only. */
static void bench_tmp_free(bench *b)
{
    DIR *d, *s;
    struct dirent *e, *f;
    char sub[1024], file[2048];
    if (!b->tmp[0] || !(d = opendir(b->tmp)))
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", b->tmp, e->d_name);
        if ((s = opendir(sub)) != NULL) {
            while ((f = readdir(s)) != NULL)
                if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
                    snprintf(file, sizeof file, "%s/%s", sub, f->d_name);
                    unlink(file);
                }
            closedir(s);
            rmdir(sub);
        } else {
            unlink(sub);
        }
    }
    closedir(d);
    rmdir(b->tmp);
}

/* ================================================================ */
/* One net                                                          */
/* ================================================================ */

typedef struct bench_net {
    net_request rq;             /* the command's request, for this description */
    net gen[2];                 /* [0] the tcc form, [1] the cc form */
    const net *net;             /* the records (layers, MACs, train{}): gen[0]'s */
    net_api api[2];             /* [0] tcc build, [1] cc build */
    double macs_train, macs_fwd;
    double rate[2][2][2];       /* steady samples/s [backend][thread idx][batch idx] */
    double gen_s[2], compile_s[2];
} bench_net;

static const char *const bench_backend[2] = { "tcc", "cc" };

/* ---- training ---------------------------------------------------------- */

typedef struct bench_train {
    train_ctx tr;
    int cursor;
} bench_train;

/* k mini-batches, gathered from the shuffled order as train_epoch does. */
static void bench_train_batches(bench_train *bt, long k)
{
    train_ctx *t = &bt->tr;
    const ds_split *d = t->data;
    size_t in = t->api->in_size;
    long b;
    for (b = 0; b < k; ++b) {
        int s;
        for (s = 0; s < t->batch; ++s) {
            int i = t->order[bt->cursor];
            memcpy(t->xbuf + (size_t)s * in, d->x + (size_t)i * in, in * sizeof *t->xbuf);
            t->ybuf[s] = d->y[i];
            if (++bt->cursor == d->n)
                bt->cursor = 0;
        }
        train_step(t, t->xbuf, t->ybuf, t->batch);
    }
}

static void bench_train_work(void *ctx, long k)
{
    bench_train_batches(ctx, k);
}

/* A training context on api with fresh parameters (init, the
 * description's seed), `threads` threads, mini-batches of `batch`. */
static int bench_train_init(bench *b, bench_net *bn, const net_api *api, int threads, int batch,
                            float *params, bench_train *bt)
{
    char err[1024];
    memset(bt, 0, sizeof *bt);
    api->init.f(params, bn->net->train.seed);
    if (train_init(&bt->tr, api, params, &b->ds.train, batch, (float)bn->net->train.eta,
                   (float)bn->net->train.l2, bn->net->train.seed, err, sizeof err) != 0
        || net_threads(bn->net, &bt->tr, threads, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        train_free(&bt->tr);
        return -1;
    }
    train_order(bt->tr.order, b->ds.train.n, bn->net->train.seed, 0);
    return 0;
}

/* ---- inference ----------------------------------------------------------- */

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

/* images/s of api on `threads` threads, batches of `batch` images. */
static int bench_infer_rate(bench *b, const net_api *api, const float *params, int threads,
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

/* ---- printing ------------------------------------------------------------ */

static void bench_print_header(void)
{
    printf("%-10s %-6s %-7s %3s %5s %12s %11s %8s %7s %7s %4s\n", "net", "what", "backend",
           "thr", "batch", "samples/s", "us/sample", "GFLOPS", "peak", "spread", "runs");
}

static void bench_print_row(const bench_row *r)
{
    printf("%-10s %-6s %-7s %3d %5d %12.1f %11.2f %8.3f %6.2f%% %6.1f%% %4d", r->net, r->kind,
           r->backend, r->threads, r->batch, r->sps, r->sps > 0 ? 1e6 / r->sps : 0.0,
           r->gflops, 100.0 * r->frac, 100.0 * bench_spread(&r->st), r->st.runs);
    if (r->samples > 0) {
        printf("   cold, %ld samples: ", r->samples);
        if (r->switch_s > 0)
            printf("on cc after %.2f s; ", r->switch_s);
        else
            printf("never switched; ");
        printf("cold cc %.0f/s, cold tcc %.0f/s", r->cold_cc, r->cold_tcc);
    }
    printf("\n");
    fflush(stdout);
}

/* A train or infer row from a rate (per second) and MACs per sample. */
static bench_row *bench_rate_row(bench *b, const bench_net *bn, const char *kind,
                                 const char *backend, int threads, int batch,
                                 const bench_stat *st, double macs)
{
    bench_row *r = bench_add(b, kind, bn->net->name, backend, threads, batch);
    if (!r)
        return NULL;
    r->st = *st;
    r->sps = st->med;
    if (!strcmp(kind, "infer"))
        r->us = st->med > 0 ? 1e6 / st->med : 0.0;
    r->gflops = 2.0 * macs * st->med * 1e-9;
    r->frac = r->gflops / bench_peak(b, threads);
    return r;
}

/* ---- the parts ----------------------------------------------------------- */

/* Generate both forms (timed) and build both (timed; cc cold). */
static int bench_builds(bench *b, lua_State *T, bench_net *bn)
{
    char err[4096], dir[1024];
    double v[64];
    int k, i, runs = b->runs < 64 ? b->runs : 64, cold = b->cold_runs < 64 ? b->cold_runs : 64;
    bench_row *r;

    for (k = 0; k < 2; ++k) {
        for (i = 0; i < runs; ++i) {
            double t;
            int rc;
            bn->rq.forms[0] = bench_backend[k];
            net_free(&bn->gen[k]);
            t = progress_now();
            rc = net_generate(T, &bn->rq, &bn->gen[k], err, sizeof err);
            t = progress_now() - t;
            if (rc != HOST_OK) {
                host_report(rc, err);
                return rc;
            }
            v[i] = t;
        }
        bn->net = &bn->gen[0];
        r = bench_add(b, "build", bn->net->name, bench_backend[k], 0, 0);
        if (!r)
            return HOST_INTERNAL;
        bench_stats(v, runs, &r->gen_st);
        r->gen_ms = 1e3 * r->gen_st.med;
        bn->gen_s[k] = r->gen_st.med;
    }
    /* tcc: in memory */
    for (i = 0; i < runs; ++i) {
        double t = progress_now();
        jit_release(&bn->api[0]);
        if (net_compile(&bn->gen[0], 0, NULL, &bn->api[0], err, sizeof err) != 0) {
            fprintf(stderr, "cnngen: %s\n", err);
            return HOST_FAIL;
        }
        v[i] = progress_now() - t;
    }
    r = &b->rows[b->nrows - 2];         /* the tcc build row */
    bench_stats(v, runs, &r->st);
    r->compile_ms = 1e3 * r->st.med;
    bn->compile_s[0] = r->st.med;
    /* cc: a fresh cache each time, so the compiler runs */
    for (i = 0; i < cold; ++i) {
        jit_cc_opts co;
        double t;
        memset(&co, 0, sizeof co);
        bench_scratch(b, dir, sizeof dir);
        co.cache_dir = dir;
        co.quiet = 1;
        jit_release(&bn->api[1]);
        t = progress_now();
        if (net_compile(&bn->gen[1], 0, &co, &bn->api[1], err, sizeof err) != 0) {
            fprintf(stderr, "cnngen: %s\n", err);
            return HOST_FAIL;
        }
        v[i] = progress_now() - t;
    }
    r = &b->rows[b->nrows - 1];
    bench_stats(v, cold, &r->st);
    r->compile_ms = 1e3 * r->st.med;
    bn->compile_s[1] = r->st.med;
    bn->macs_fwd = bn->net->macs_fwd;
    bn->macs_train = bn->net->macs_fwd + bn->net->macs_bwd;
    for (k = 0; k < 2; ++k) {
        r = &b->rows[b->nrows - 2 + k];
        printf("%-10s build  %-7s   generate %.1f ms (spread %.0f%%, %d runs), compile %.1f ms "
               "(spread %.0f%%, %d runs)%s\n", r->net, r->backend, r->gen_ms,
               100.0 * bench_spread(&r->gen_st), r->gen_st.runs, r->compile_ms,
               100.0 * bench_spread(&r->st), r->st.runs,
               k ? ", cold cache" : ", in memory");
    }
    fflush(stdout);
    return HOST_OK;
}

/* Steady-state training of both builds. */
static int bench_training(bench *b, bench_net *bn, float *params)
{
    int k, ti, bi;
    for (k = 0; k < 2; ++k) {
        if (!(k == 0 ? b->want_tcc : b->want_cc) && !(k == 1 && b->want_auto))
            continue;
        for (ti = 0; ti < b->nthreads; ++ti)
            for (bi = 0; bi < b->nbatches; ++bi) {
                bench_train bt;
                bench_stat st;
                bench_row *r;
                if (bench_train_init(b, bn, &bn->api[k], b->threads[ti], b->batches[bi], params,
                                     &bt) != 0)
                    return HOST_FAIL;
                bench_measure(b, bench_train_work, &bt, &st);
                train_free(&bt.tr);
                st.med *= b->batches[bi];   /* batches/s -> samples/s */
                st.lo *= b->batches[bi];
                st.hi *= b->batches[bi];
                bn->rate[k][ti][bi] = st.med;
                if (!(k == 0 ? b->want_tcc : b->want_cc))
                    continue;           /* measured only as auto's yardstick */
                r = bench_rate_row(b, bn, "train", bench_backend[k], b->threads[ti],
                                   b->batches[bi], &st, bn->macs_train);
                if (!r)
                    return HOST_INTERNAL;
                bench_print_row(r);
            }
    }
    return HOST_OK;
}

/* One cold auto run of `samples` samples: seconds from the start, and
 * when it switched (0: never). */
static int bench_auto_once(bench *b, lua_State *T, bench_net *bn, int threads, int batch,
                           long samples, float *params, double *secs, double *switch_s)
{
    char err[4096], dir[1024];
    net n;
    jit_cc_opts co;
    tier tr;
    net_api tcc;
    bench_train bt;
    double t0 = progress_now();
    long done = 0;
    int rc, switched = 0;

    memset(&tr, 0, sizeof tr);
    memset(&tcc, 0, sizeof tcc);
    *switch_s = 0.0;
    bn->rq.forms[0] = "cc";
    bn->rq.more = 1;
    rc = net_generate(T, &bn->rq, &n, err, sizeof err);
    bn->rq.more = 0;
    if (rc != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    memset(&co, 0, sizeof co);
    bench_scratch(b, dir, sizeof dir);
    co.cache_dir = dir;
    if (tier_start(&tr, n.form[0].unit, n.name, n.name, &co, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        net_free(&n);
        return HOST_FAIL;
    }
    if ((rc = net_more(&n, "tcc", err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        tier_stop(&tr);
        net_free(&n);
        return rc;
    }
    rc = net_compile(&n, 1, NULL, &tcc, err, sizeof err);
    net_free(&n);
    if (rc != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        tier_stop(&tr);
        return HOST_FAIL;
    }
    rc = HOST_OK;
    if (bench_train_init(b, bn, &tcc, tier_tcc_threads(threads), batch, params, &bt) != 0) {
        tier_stop(&tr);
        jit_release(&tcc);
        return HOST_FAIL;
    }
    while (done < samples) {
        if (!switched && tier_ready(&tr)) {     /* as run does: cc, and all the threads */
            const net_api *api = tier_wait(&tr);
            switched = 1;
            if (api && train_use_api(&bt.tr, api) == 0)
                *switch_s = progress_now() - t0;
            if (net_threads(bn->net, &bt.tr, threads, err, sizeof err) != 0) {
                fprintf(stderr, "cnngen: %s\n", err);
                rc = HOST_FAIL;
                break;
            }
        }
        bench_train_batches(&bt, 1);
        done += bt.tr.batch;
    }
    *secs = progress_now() - t0;
    train_free(&bt.tr);
    tier_stop(&tr);
    jit_release(&tcc);
    return rc;
}

/* Cold auto runs, compared with what cold cc and tcc runs of the same
 * length would take (their build times plus their steady rates). */
static int bench_auto(bench *b, lua_State *T, bench_net *bn, float *params)
{
    int ti, bi, i, cold = b->cold_runs < 64 ? b->cold_runs : 64, rc;
    for (ti = 0; ti < b->nthreads; ++ti)
        for (bi = 0; bi < b->nbatches; ++bi) {
            double v[64], sw[64], cc = bn->rate[1][ti][bi], tc = bn->rate[0][ti][bi];
            int batch = b->batches[bi];
            long samples = (long)(cc * b->min_time * BENCH_AUTO_LENGTH);
            bench_stat st, sst;
            bench_row *r;
            samples = (samples + batch - 1) / batch * batch;
            if (samples < 4L * batch)
                samples = 4L * batch;
            for (i = 0; i < cold; ++i) {
                double secs;
                if ((rc = bench_auto_once(b, T, bn, b->threads[ti], batch, samples, params,
                                          &secs, &sw[i])) != HOST_OK)
                    return rc;
                v[i] = (double)samples / secs;
            }
            bench_stats(v, cold, &st);
            bench_stats(sw, cold, &sst);
            r = bench_rate_row(b, bn, "train", "auto", b->threads[ti], batch, &st,
                               bn->macs_train);
            if (!r)
                return HOST_INTERNAL;
            r->samples = samples;
            r->switch_s = sst.med;
            if (cc > 0)
                r->cold_cc = (double)samples / (bn->gen_s[1] + bn->compile_s[1] + samples / cc);
            if (tc > 0)
                r->cold_tcc = (double)samples / (bn->gen_s[0] + bn->compile_s[0] + samples / tc);
            bench_print_row(r);
        }
    return HOST_OK;
}

/* Inference: µs per image at batch 1 (one thread), images/s at batch 256. */
static int bench_inference(bench *b, bench_net *bn, float *params)
{
    int k, ti;
    for (k = 0; k < 2; ++k) {
        bench_stat st;
        bench_row *r;
        if (!(k == 0 ? b->want_tcc : b->want_cc))
            continue;
        bn->api[k].init.f(params, bn->net->train.seed);
        if (bench_infer_rate(b, &bn->api[k], params, 1, 1, &st) != 0)
            return HOST_FAIL;
        if (!(r = bench_rate_row(b, bn, "infer", bench_backend[k], 1, 1, &st, bn->macs_fwd)))
            return HOST_INTERNAL;
        bench_print_row(r);
        for (ti = 0; ti < b->nthreads; ++ti) {
            if (bench_infer_rate(b, &bn->api[k], params, b->threads[ti], BENCH_INFER_BATCH,
                                 &st) != 0)
                return HOST_FAIL;
            st.med *= BENCH_INFER_BATCH;
            st.lo *= BENCH_INFER_BATCH;
            st.hi *= BENCH_INFER_BATCH;
            if (!(r = bench_rate_row(b, bn, "infer", bench_backend[k], b->threads[ti],
                                     BENCH_INFER_BATCH, &st, bn->macs_fwd)))
                return HOST_INTERNAL;
            bench_print_row(r);
        }
    }
    return HOST_OK;
}

static int bench_one(bench *b, lua_State *T, const char *path)
{
    char err[4096];
    bench_net bn;
    float *params = NULL;
    int rc, k;

    memset(&bn, 0, sizeof bn);
    opts_request(b->o, &bn.rq);
    bn.rq.path = path;
    bn.rq.nforms = 1;
    bn.rq.real = "float";
    if ((rc = bench_builds(b, T, &bn)) != HOST_OK)
        goto done;
    rc = HOST_FAIL;
    if (dataset_check(&b->ds, bn.net->in_c, bn.net->in_h, bn.net->in_w, (int)bn.net->out_size,
                      err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s: %s\n", path, err);
        goto done;
    }
    params = net_params_new(&bn.api[0]);
    if (!params) {
        fprintf(stderr, "cnngen: out of memory\n");
        goto done;
    }
    if ((rc = bench_training(b, &bn, params)) != HOST_OK)
        goto done;
    if (b->want_auto && (rc = bench_auto(b, T, &bn, params)) != HOST_OK)
        goto done;
    rc = bench_inference(b, &bn, params);
done:
    net_params_free(params);
    for (k = 0; k < 2; ++k) {
        jit_release(&bn.api[k]);
        net_free(&bn.gen[k]);
    }
    return rc;
}

/* ================================================================ */
/* JSON                                                             */
/* ================================================================ */

typedef struct bench_buf {
    char *s;
    size_t len, cap;
    int oom;
} bench_buf;

static void bench_put(bench_buf *w, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (w->oom)
        return;
    for (;;) {
        size_t room = w->cap - w->len;
        va_start(ap, fmt);
        n = vsnprintf(w->s ? w->s + w->len : NULL, w->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            w->oom = 1;
            return;
        }
        if (w->s && (size_t)n < room) {
            w->len += (size_t)n;
            return;
        }
        {
            size_t cap = (w->cap + (size_t)n + 1) * 2;
            char *ns = realloc(w->s, cap);
            if (!ns) {
                w->oom = 1;
                return;
            }
            w->s = ns;
            w->cap = cap;
        }
    }
}

/* ,"key":v with null for "not applicable" (v < 0 or not finite). */
static void bench_num(bench_buf *w, const char *key, double v)
{
    if (v >= 0 && v < 1e300)
        bench_put(w, ",\"%s\":%.6g", key, v);
    else
        bench_put(w, ",\"%s\":null", key);
}

static void bench_int(bench_buf *w, const char *key, int v)
{
    if (v > 0)
        bench_put(w, ",\"%s\":%d", key, v);
    else
        bench_put(w, ",\"%s\":null", key);
}

static int bench_write_json(const bench *b, const char *path)
{
    char err[4096], cpu[256] = "?";
    bench_buf w = { NULL, 0, 0, 0 };
    outfile_item item;
    FILE *f = fopen("/proc/cpuinfo", "r");
    int i, rc;
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                char *v = strchr(line, ':') + 1;
                while (*v == ' ')
                    ++v;
                v[strcspn(v, "\n\"\\")] = '\0';
                snprintf(cpu, sizeof cpu, "%s", v);
                break;
            }
        fclose(f);
    }
    bench_put(&w, "[\n");
    for (i = 0; i < b->nrows; ++i) {
        const bench_row *r = &b->rows[i];
        int train = !strcmp(r->kind, "train"), infer = !strcmp(r->kind, "infer");
        bench_put(&w, "  {\"kind\":\"%s\"", r->kind);
        if (r->net[0])
            bench_put(&w, ",\"net\":\"%s\"", r->net);
        else
            bench_put(&w, ",\"net\":null");
        if (r->backend)
            bench_put(&w, ",\"backend\":\"%s\"", r->backend);
        else
            bench_put(&w, ",\"backend\":null");
        bench_int(&w, "threads", r->threads);
        bench_int(&w, "batch", r->batch);
        bench_num(&w, "train_samples_per_s", train ? r->sps : -1);
        bench_num(&w, "infer_us", infer ? r->us : -1);
        bench_num(&w, "gflops", train || infer || !strcmp(r->kind, "peak") ? r->gflops : -1);
        bench_num(&w, "peak_fraction", train || infer || !strcmp(r->kind, "peak") ? r->frac : -1);
        if (infer)
            bench_num(&w, "infer_images_per_s", r->sps);
        bench_put(&w, ",\"runs\":%d", r->st.runs);
        bench_num(&w, "spread", bench_spread(&r->st));
        if (train || infer) {
            bench_num(&w, "min", r->st.lo);
            bench_num(&w, "max", r->st.hi);
        }
        if (!strcmp(r->kind, "build")) {
            bench_num(&w, "generate_ms", r->gen_ms);
            bench_num(&w, "compile_ms", r->compile_ms);
            bench_put(&w, ",\"generate_runs\":%d", r->gen_st.runs);
            bench_num(&w, "generate_spread", bench_spread(&r->gen_st));
        }
        if (r->samples > 0) {
            bench_put(&w, ",\"cold_samples\":%ld", r->samples);
            bench_num(&w, "switch_s", r->switch_s > 0 ? r->switch_s : -1);   /* null: no switch */
            bench_num(&w, "cold_cc_samples_per_s", r->cold_cc);
            bench_num(&w, "cold_tcc_samples_per_s", r->cold_tcc);
        }
        if (!strcmp(r->kind, "peak"))
            bench_put(&w, ",\"isa\":\"%s\",\"lanes\":%d,\"accumulators\":%d,\"ghz\":%.4g,"
                      "\"fma_per_cycle\":%.4g,\"gflops_avx2\":%.6g,\"gflops_avx512\":%.6g,"
                      "\"cores\":%d,\"cpu\":\"%s\"",
                      b->peak.isa, b->peak.lanes, b->peak.accumulators, b->peak.ghz,
                      b->peak.fma_per_cycle, b->peak.gflops_avx2, b->peak.gflops_avx512,
                      b->cores, cpu);
        bench_put(&w, "}%s\n", i + 1 < b->nrows ? "," : "");
    }
    bench_put(&w, "]\n");
    if (w.oom) {
        free(w.s);
        fprintf(stderr, "cnngen: out of memory writing %s\n", path);
        return HOST_INTERNAL;
    }
    item.path = path;
    item.data = w.s;
    item.len = w.len;
    rc = outfile_write(&item, 1, err, sizeof err);
    free(w.s);
    if (rc != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    return HOST_OK;
}

/* ================================================================ */
/* The command                                                      */
/* ================================================================ */

int cmd_bench(lua_State *T, const cli_opts *o)
{
    static const char *const not_for_bench[] = {
        "-o", "--weights", "--save", "--load", "--tolerance", "--inference", "--epochs",
        "--eta", "--l2", "--seed", "--limit", NULL
    };
    char err[4096];
    bench b;
    bench_row *r;
    const char *data = o->data ? o->data : "fashion-mnist";
    int rc, i, t;
    double t0 = progress_now();

    if ((rc = opts_reject_flags(o, "bench", not_for_bench)) != 0)
        return rc;
    if (o->json) {
        fprintf(stderr, "cnngen: bench writes its JSON with --out PATH, not --json "
                "(see cnngen --help)\n");
        return HOST_USER;
    }
    if (o->real && strcmp(o->real, "float") != 0) {
        fprintf(stderr, "cnngen: bench measures the float code; --real %s is for emit and check\n",
                o->real);
        return HOST_USER;
    }
    memset(&b, 0, sizeof b);
    b.o = o;
    b.runs = o->runs > 0 ? (int)(o->runs < 64 ? o->runs : 64) : BENCH_RUNS;
    b.cold_runs = b.runs < BENCH_COLD_RUNS ? b.runs : BENCH_COLD_RUNS;
    b.min_time = o->min_time > 0 ? o->min_time : BENCH_MIN_TIME;
    t = o->threads > 0 ? (int)(o->threads < 64 ? o->threads : 64) : 2;
    b.threads[b.nthreads++] = 1;
    if (t > 1)
        b.threads[b.nthreads++] = t;
    if (o->has_batch)
        b.batches[b.nbatches++] = (int)o->batch;
    else {
        b.batches[b.nbatches++] = 10;
        b.batches[b.nbatches++] = 64;
    }
    b.want_tcc = !o->backend || !strcmp(o->backend, "tcc");
    b.want_cc = !o->backend || !strcmp(o->backend, "cc");
    b.want_auto = !o->backend || !strcmp(o->backend, "auto");
    b.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (b.cores < 1)
        b.cores = 1;

    if (dataset_open(data, &b.ds, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    if (bench_tmp_init(&b) != 0) {
        dataset_free(&b.ds);
        return HOST_FAIL;
    }

    peak_measure(&b.peak, b.runs, b.min_time / 2);
    printf("cnngen bench: %d net%s on %s (%d training, %d test images); %d core%s\n",
           o->nnets, o->nnets == 1 ? "" : "s", data, b.ds.train.n, b.ds.test.n, b.cores,
           b.cores == 1 ? "" : "s");
    printf("peak: %.1f GFLOPS FP32 per core (%s: %d lanes, %d accumulators; %.2f FMA/cycle at "
           "%.2f GHz), spread %.1f%% over %d runs", b.peak.gflops, b.peak.isa, b.peak.lanes,
           b.peak.accumulators, b.peak.fma_per_cycle, b.peak.ghz, 100.0 * b.peak.spread,
           b.peak.runs);
    if (b.peak.gflops_avx2 > 0 && b.peak.gflops_avx512 > 0)
        printf("; AVX2+FMA %.1f, AVX-512 %.1f GFLOPS", b.peak.gflops_avx2, b.peak.gflops_avx512);
    printf("\n");
    printf("runs: medians of %d runs of >= %.2f s of work each (builds and auto: %d runs; auto "
           "runs are cold: every build included); spread = (max - min) / median; peak = "
           "GFLOPS / (threads x one core's peak)\n", b.runs, b.min_time, b.cold_runs);
    r = bench_add(&b, "peak", NULL, NULL, 1, 0);
    if (r) {
        r->gflops = b.peak.gflops;
        r->frac = 1.0;
        r->st.runs = b.peak.runs;
        r->st.med = 1.0;
        r->st.lo = 1.0 - b.peak.spread / 2;     /* carries the spread into the JSON */
        r->st.hi = 1.0 + b.peak.spread / 2;
    }
    bench_print_header();
    fflush(stdout);

    rc = HOST_OK;
    for (i = 0; i < o->nnets && rc == HOST_OK; ++i)
        rc = bench_one(&b, T, o->nets[i]);
    if (rc == HOST_OK)
        printf("bench: %.0f s in all\n", progress_now() - t0);
    if (rc == HOST_OK && o->out)
        rc = bench_write_json(&b, o->out);
    bench_tmp_free(&b);
    dataset_free(&b.ds);
    free(b.rows);
    return rc;
}
