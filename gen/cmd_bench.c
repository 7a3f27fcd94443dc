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
 *            each batch with the code `run --batch` would train it with
 *            (its chunk sized for that batch);
 *   infer    µs per image at batch 1 (forward, one thread) and images/s at
 *            batch 256 (the 256 forwards split across the threads);
 *   layers   (cc) a training step at the description's batch on one thread,
 *            layer by layer: each layer's forward, backward and SGD update,
 *            the cost and the zeroing of g, in µs per sample, beside the
 *            step as train_batch takes it (bench_profile.c);
 *   memory   (cc) the read and update bandwidths at the size of the
 *            parameters, the bytes a training step and a batch-1 inference
 *            must move, the bounds they imply against the compute bound, and
 *            which is nearer (bench_profile.c says how they are counted).
 * GFLOPS = 2 × MACs × samples/s (MACs from the generator, as `cnngen info`
 * prints them: forward + backward for training, forward for inference);
 * peak fraction = GFLOPS / (threads × the measured one-core peak).
 * With more than one thread, the time T threads take to meet at a barrier
 * (pool_sync) is measured first: about the time a cache line written on
 * one core takes to reach another, which varies between machines of one
 * kind (two vCPUs may share an L3 or not) and sets what a two-thread step
 * pays for each line one thread writes and the other then reads.
 *
 * Noise.  The machine may be shared: every figure is the median of --runs
 * runs (default 5; 3 for the cold builds and auto runs), each timed over
 * enough work to last --min-time seconds (default 0.25), and the table
 * gives the spread, (max − min) / median.
 *
 * Output: the table on stdout, row by row as measured; with --out PATH,
 * a JSON list of objects, one per row, with the keys net, backend,
 * threads, batch, train_samples_per_s, infer_us, gflops, peak_fraction
 * (null where they do not apply) plus kind ("peak", "barrier", "build",
 * "train", "infer", "layer", "memory"), runs, spread and the row's own figures
 * (a layer row: layer, layer_kind, pass, us_per_sample, layer_gflops,
 * layer_peak_fraction, share; a memory row: the bandwidths, bytes and
 * bounds; a barrier row: barrier_ns).  Written all or nothing (outfile.h).
 *
 * This file is the command: its settings, its scratch caches and what it
 * measures for each net; how it measures is bench_measure.c's, how it
 * reports bench_report.c's (bench.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cmd.h"
#include "host.h"
#include "progress.h"
#include "rmtree.h"
#include "tier.h"

#define BENCH_RUNS 5            /* runs per figure */
#define BENCH_COLD_RUNS 3       /* runs per cold build / auto figure (each compiles) */
#define BENCH_MIN_TIME 0.25     /* seconds of work per timed run */
#define BENCH_AUTO_LENGTH 12    /* an auto run lasts about this many min_times of cc */
#define BENCH_INFER_BATCH 256

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

/* Remove b->tmp and everything in it. */
static void bench_tmp_free(bench *b)
{
    if (b->tmp[0])
        rm_tree(b->tmp);
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
    double infer_us[2];         /* µs per image at batch 1 [backend] */
    double gen_s[2], compile_s[2];
} bench_net;

static const char *const bench_backend[2] = { "tcc", "cc" };

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
    for (k = 0; k < 2; ++k)
        bench_print_build(&b->rows[b->nrows - 2 + k], k);
    return HOST_OK;
}

/* The build of backend k that trains at `batch` as `cnngen run --batch`
 * would: the net's own where its chunk was sized for that batch (the
 * description's, or --batch), else one generated for the batch (the chunk
 * follows the batch: shape.lua), compiled into `own`.  *api is the one to use. */
static int bench_batch_api(lua_State *T, bench_net *bn, int k, int batch, net_api *own,
                           const net_api **api)
{
    char err[4096];
    net_request rq = bn->rq;
    net n;
    int rc;
    *api = &bn->api[k];
    if (bn->rq.batch || batch == bn->net->train.batch)
        return HOST_OK;
    rq.batch = batch;
    rq.forms[0] = bench_backend[k];
    if ((rc = net_generate(T, &rq, &n, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    rc = net_compile(&n, 0, NULL, own, err, sizeof err);
    net_free(&n);
    if (rc != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    *api = own;
    return HOST_OK;
}

/* Steady-state training of both builds. */
static int bench_training(bench *b, lua_State *T, bench_net *bn, float *params)
{
    int k, ti, bi, rc;
    for (k = 0; k < 2; ++k) {
        if (!(k == 0 ? b->want_tcc : b->want_cc) && !(k == 1 && b->want_auto))
            continue;
        for (ti = 0; ti < b->nthreads; ++ti)
            for (bi = 0; bi < b->nbatches; ++bi) {
                bench_train bt;
                bench_stat st;
                bench_row *r;
                net_api own;
                const net_api *api;
                memset(&own, 0, sizeof own);
                if ((rc = bench_batch_api(T, bn, k, b->batches[bi], &own, &api)) != HOST_OK)
                    return rc;
                if (bench_train_init(b, bn->net, api, b->threads[ti], b->batches[bi], params,
                                     &bt) != 0) {
                    jit_release(&own);
                    return HOST_FAIL;
                }
                bench_measure(b, bench_train_work, &bt, &st);
                train_free(&bt.tr);
                jit_release(&own);
                st.med *= b->batches[bi];   /* batches/s -> samples/s */
                st.lo *= b->batches[bi];
                st.hi *= b->batches[bi];
                bn->rate[k][ti][bi] = st.med;
                if (!(k == 0 ? b->want_tcc : b->want_cc))
                    continue;           /* measured only as auto's yardstick */
                r = bench_rate_row(b, bn->net->name, "train", bench_backend[k], b->threads[ti],
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
    net_request rq = bn->rq;
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
    rq.forms[0] = "cc";
    rq.more = 1;
    if (!rq.batch)
        rq.batch = batch;               /* the chunk follows the batch, as in run */
    rc = net_generate(T, &rq, &n, err, sizeof err);
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
    if (bench_train_init(b, bn->net, &tcc, tier_tcc_threads(threads), batch, params, &bt) != 0) {
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
            r = bench_rate_row(b, bn->net->name, "train", "auto", b->threads[ti], batch, &st,
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
        if (!(r = bench_rate_row(b, bn->net->name, "infer", bench_backend[k], 1, 1, &st, bn->macs_fwd)))
            return HOST_INTERNAL;
        bn->infer_us[k] = r->us;
        bench_print_row(r);
        for (ti = 0; ti < b->nthreads; ++ti) {
            if (bench_infer_rate(b, &bn->api[k], params, b->threads[ti], BENCH_INFER_BATCH,
                                 &st) != 0)
                return HOST_FAIL;
            st.med *= BENCH_INFER_BATCH;
            st.lo *= BENCH_INFER_BATCH;
            st.hi *= BENCH_INFER_BATCH;
            if (!(r = bench_rate_row(b, bn->net->name, "infer", bench_backend[k], b->threads[ti],
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
    if ((rc = bench_training(b, T, &bn, params)) != HOST_OK)
        goto done;
    if (b->want_auto && (rc = bench_auto(b, T, &bn, params)) != HOST_OK)
        goto done;
    if ((rc = bench_inference(b, &bn, params)) != HOST_OK)
        goto done;
    if (b->want_cc)
        rc = bench_profile(b, T, &bn.rq, bn.net, &bn.api[1], bn.infer_us[1]);
done:
    net_params_free(params);
    for (k = 0; k < 2; ++k) {
        jit_release(&bn.api[k]);
        net_free(&bn.gen[k]);
    }
    return rc;
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
    bench_intro(&b, data);
    if (b.nthreads > 1) {
        const int team = b.threads[b.nthreads - 1];
        bench_stat bst;
        if (bench_barrier(&b, team, &bst) == 0)
            bench_print_barrier(&b, team, &bst);
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
