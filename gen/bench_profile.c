/*
 * bench_profile.c -- `cnngen bench`'s per-layer breakdown and memory
 * bound (see bench.h).
 *
 * The breakdown.  The net is generated once more for cc with the profile
 * on (net_request.profile): its unit, and only its unit, gets
 * <name>_jit_profile, train_batch's steps in its order and arithmetic with
 * the clock read after each (templates/profile.c.tpl).  On one thread, in
 * mini-batches of the description's train.batch gathered from the
 * shuffled training set as `run` gathers them, runs of the plain build's
 * train_batch, of the profile build's own and of the profile alternate
 * (the machine may be shared: a slow moment touches all three); each
 * pass's figure is the median of its runs, in µs per sample.  GFLOPS = 2 × the pass's MACs (`cnngen info`'s:
 * forward and backward per layer; the SGD update 2 per weight, w ← d·w −
 * s·g, and 1 per bias) / its time.  A layer's backward computes
 * ∂C/∂a^{l−1} and ∂C/∂w, ∂C/∂b in one function: one figure, which says
 * which of them the function computes.
 *
 * The memory bound.  Two streaming passes compiled with the net (so with
 * its compiler and flags), over buffers of the net's parameter count: a
 * read (the sum of p) and the SGD's update (p ← a·p − b·g: p and g read, p
 * written); bandwidth = bytes / time, medians of the runs.  The bytes a
 * training step must move between the cores and the level of the memory
 * that holds its parameters are counted at the least, per chunk of the
 * work struct (the driver's batched layers read their weights once a
 * chunk; a per-sample layer's weights are re-read from nearer caches):
 * each layer's w and b read by its forward; read again by its backward
 * where it computes ∂C/∂a^{l−1} (never layer 1's: no ∂C/∂a^0); ∂C/∂w, ∂C/∂b
 * read and written as its backward adds into g; then once a step g
 * zeroed (written) and the update (p and g read, p written).  Reads are
 * timed at the read pass's bandwidth, the rest at the update pass's.
 * Activations, δs, masks and the images are not counted: the bound is a
 * lower bound on the time.
 * Batch-1 inference reads every parameter once an image.  The compute
 * bound is 2 × MACs / one core's peak; the nearer bound is the slower.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "progress.h"

/* <name>_jit_profile and the rest of the profile form (profile.c.tpl) */
typedef float (*bench_prof_fn)(float *params, float *grad, void *w, const float *x,
                               const int *labels, int n, float eta, float l2, int n_train,
                               double (*now)(void *), void *clock, double *t);
typedef unsigned (*bench_flags_fn)(int l);
typedef int (*bench_chunk_fn)(void);
typedef void (*bench_update_fn)(float *p, const float *g, ptrdiff_t n, float a, float b);
typedef double (*bench_read_fn)(const float *p, ptrdiff_t n);

typedef struct bench_prof {
    bench_prof_fn run;
    bench_flags_fn flags;
    bench_chunk_fn chunk;
    bench_update_fn update;
    bench_read_fn read;
} bench_prof;

/* Look sym up in api (the net's name + suffix) into *out. */
static int bench_sym(const net_api *api, const char *name, const char *suffix, void *out,
                     size_t size)
{
    char sym[128];
    void *p;
    snprintf(sym, sizeof sym, "%s%s", name, suffix);
    if (!(p = jit_symbol(api, sym))) {
        fprintf(stderr, "cnngen: internal error: the profile build has no %s\n", sym);
        return -1;
    }
    memcpy(out, &p, size);
    return 0;
}

static int bench_prof_bind(const net_api *api, const char *name, bench_prof *p)
{
    return bench_sym(api, name, "_jit_profile", &p->run, sizeof p->run)
        || bench_sym(api, name, "_jit_profile_flags", &p->flags, sizeof p->flags)
        || bench_sym(api, name, "_jit_profile_chunk", &p->chunk, sizeof p->chunk)
        || bench_sym(api, name, "_jit_stream_update", &p->update, sizeof p->update)
        || bench_sym(api, name, "_jit_stream_read", &p->read, sizeof p->read) ? -1 : 0;
}

static double bench_clock(void *ctx)
{
    (void)ctx;
    return progress_now();
}

/* ================================================================ */
/* The breakdown                                                    */
/* ================================================================ */

/* k profiled mini-batches, their seconds added into t. */
static void bench_prof_batches(const bench_prof *p, bench_train *bt, long k, double *t)
{
    train_ctx *tr = &bt->tr;
    long i;
    for (i = 0; i < k; ++i) {
        bench_train_gather(bt);
        p->run(tr->params, tr->grad, tr->work, tr->xbuf, tr->ybuf, tr->batch, tr->eta, tr->l2,
               train_epoch_size(tr), bench_clock, NULL, t);
    }
}

/* The figures of one slot of t (slot = 3(l−1) + pass, or the net's). */
typedef struct bench_slot {
    double v[64];
    bench_stat st;
} bench_slot;

/* Runs of api's train_batch, of the profile build's and of its profile,
 * alternating: slots[j].st the medians of µs per sample, step[0] and
 * step[1] the two train_batch's. */
static int bench_prof_measure(bench *b, const net *n, const net_api *api, const net_api *papi,
                              const bench_prof *p, bench_slot *slots, int nslots,
                              bench_stat *step)
{
    const net_api *apis[3];
    bench_train bt[3];
    float *params[3] = { NULL, NULL, NULL };
    double *t = calloc((size_t)nslots, sizeof *t), v[2][64];
    int batch = (int)n->train.batch, runs = b->runs < 64 ? b->runs : 64, i, j, ready = 0;
    int rc = -1;
    long k;

    apis[0] = api;                      /* train_batch, the plain build */
    apis[1] = papi;                     /* train_batch, the profile build */
    apis[2] = papi;                     /* the profile */
    memset(bt, 0, sizeof bt);
    for (j = 0; j < 3; ++j)
        if (!(params[j] = net_params_new(apis[j])))
            break;
    if (j < 3 || !t) {
        fprintf(stderr, "cnngen: out of memory\n");
        goto done;
    }
    for (ready = 0; ready < 3; ++ready)
        if (bench_train_init(b, n, apis[ready], 1, batch, params[ready], &bt[ready]) != 0)
            goto done;
    bench_measure(b, bench_train_work, &bt[0], &step[0]);  /* warms up; gives k */
    k = (long)(step[0].med * b->min_time) + 1;
    bench_train_batches(&bt[1], k);                         /* warm the others up */
    bench_prof_batches(p, &bt[2], k, t);
    for (i = 0; i < runs; ++i) {
        for (j = 0; j < 2; ++j) {
            double t0 = progress_now();
            bench_train_batches(&bt[j], k);
            v[j][i] = 1e6 * (progress_now() - t0) / ((double)k * batch);
        }
        memset(t, 0, (size_t)nslots * sizeof *t);
        bench_prof_batches(p, &bt[2], k, t);
        for (j = 0; j < nslots; ++j)
            slots[j].v[i] = 1e6 * t[j] / ((double)k * batch);
    }
    for (j = 0; j < 2; ++j)
        bench_stats(v[j], runs, &step[j]);
    for (j = 0; j < nslots; ++j)
        bench_stats(slots[j].v, runs, &slots[j].st);
    rc = 0;
done:
    for (j = 0; j < ready; ++j)
        train_free(&bt[j].tr);
    for (j = 0; j < 3; ++j)
        net_params_free(params[j]);
    free(t);
    return rc;
}

/* One layer row of the breakdown (the caller sets share). */
static bench_row *bench_layer_row(bench *b, const net *n, int layer, const char *kind,
                                  const char *pass, const bench_stat *st, double macs)
{
    bench_row *r = bench_add(b, "layer", n->name, "cc", 1, (int)n->train.batch);
    if (!r)
        return NULL;
    r->layer = layer;
    r->da = -1;
    snprintf(r->layer_kind, sizeof r->layer_kind, "%s", kind);
    r->pass = pass;
    r->st = *st;
    r->us = st->med;
    r->sps = st->med > 0 ? 1e6 / st->med : 0.0;
    r->gflops = st->med > 0 ? 2.0 * macs / (1e3 * st->med) : 0.0;
    r->frac = b->peak.gflops > 0 ? r->gflops / b->peak.gflops : 0.0;
    return r;
}

/* ================================================================ */
/* The memory bound                                                 */
/* ================================================================ */

typedef struct bench_stream {
    const bench_prof *p;
    float *a, *g;
    ptrdiff_t n;
    double sink;
} bench_stream;

static void bench_stream_read(void *ctx, long k)
{
    bench_stream *s = ctx;
    long i;
    for (i = 0; i < k; ++i)
        s->sink += s->p->read(s->a, s->n);
}

static void bench_stream_update(void *ctx, long k)
{
    bench_stream *s = ctx;
    long i;
    for (i = 0; i < k; ++i)
        s->p->update(s->a, s->g, s->n, 0.999f, 0.001f);
}

/* Read and update bandwidths (GB/s) over buffers of n floats. */
static int bench_bandwidth(const bench *b, const bench_prof *p, const net_api *papi,
                           double *read_gbs, double *update_gbs)
{
    bench_stream s;
    bench_stat st;
    size_t i;
    memset(&s, 0, sizeof s);
    s.p = p;
    s.n = (ptrdiff_t)papi->param_count;
    s.a = net_params_new(papi);
    s.g = net_params_new(papi);
    if (!s.a || !s.g) {
        fprintf(stderr, "cnngen: out of memory\n");
        net_params_free(s.a);
        net_params_free(s.g);
        return -1;
    }
    for (i = 0; i < papi->param_count; ++i) {
        s.a[i] = 1.0f;
        s.g[i] = 1.0f;
    }
    bench_measure(b, bench_stream_read, &s, &st);
    *read_gbs = st.med * 4.0 * (double)s.n * 1e-9;
    bench_measure(b, bench_stream_update, &s, &st);
    *update_gbs = st.med * 12.0 * (double)s.n * 1e-9;
    net_params_free(s.a);
    net_params_free(s.g);
    return 0;
}

/* The bytes a training step of `batch` samples moves, at the least (see
 * the top of the file): *rd read, *rw read and written. */
static void bench_step_bytes(const net *n, const bench_prof *p, int batch, double *rd,
                             double *rw)
{
    int chunk = p->chunk(), chunks = (batch + chunk - 1) / chunk, k;
    double r = 0.0, w = 0.0, via_g = 0.0;   /* via_g: parameters stepped from g */
    for (k = 0; k < n->nlayers; ++k) {
        const net_layer *L = &n->layers[k];
        double wbytes = 4.0 * (double)L->wcount, bytes = wbytes + 4.0 * (double)L->bcount;
        unsigned f = p->flags(L->index);
        r += bytes;                             /* forward: w, b read */
        if ((f & 2) && (f & 32) && batch == chunk) {
            w += wbytes;                        /* the fused step: w read once and written */
            w += 2.0 * (bytes - wbytes);        /* g of b read and written */
            via_g += (double)L->bcount;
        } else {
            if ((f & 2) && (f & 16))
                r += bytes;                     /* backward: w read for ∂C/∂a^{l−1} */
            if (f & 2)
                w += 2.0 * bytes;               /* g read and written */
            via_g += (double)(L->wcount + L->bcount);
        }
    }
    *rd = r * chunks;
    *rw = w * chunks + 4.0 * via_g              /* g zeroed */
          + 12.0 * via_g;                       /* the update */
}

/* ================================================================ */
/* The command's part                                               */
/* ================================================================ */

static const char *const bench_pass[3] = { "forward", "backward", "sgd" };

/* Print and add the rows of the breakdown from the slots' medians. */
static int bench_breakdown_rows(bench *b, const net *n, const bench_prof *p,
                                const bench_slot *slots, const bench_stat step[2])
{
    int L = n->nlayers, k, j, first = b->nrows;
    double sum = 0.0;
    bench_row *r;
    bench_stat sst;

    for (j = 0; j < 3 * L + 2; ++j)
        sum += slots[j].st.med;
    memset(&sst, 0, sizeof sst);
    sst.med = sst.lo = sst.hi = sum;
    sst.runs = step->runs;
    for (k = 0; k < L; ++k) {
        const net_layer *ly = &n->layers[k];
        unsigned f = p->flags(ly->index);
        const int fused = (f & 32) && n->train.batch == p->chunk();   /* w stepped in the backward */
        for (j = 0; j < 3; ++j) {
            double macs = j == 0 ? ly->macs_fwd : j == 1 ? ly->macs_bwd
                        : ((fused ? 0.0 : 2.0 * (double)ly->wcount) + (double)ly->bcount)
                          / (double)n->train.batch;
            if ((j == 0 && !(f & 1)) || (j == 2 && ly->wcount + ly->bcount == 0))
                continue;
            if (!(r = bench_layer_row(b, n, ly->index, ly->kind, bench_pass[j],
                                      &slots[3 * k + j].st, macs)))
                return HOST_INTERNAL;
            if (j == 1 && !(f & 2))
                r->done_by = ly->index - 1;     /* does_backward_of_next: the layer below */
            if (j == 1 && (f & 2))
                r->da = !(f & 16) ? 0 : ly->wcount + ly->bcount > 0 ? 1 : 2;
            if (fused) {
                if (j == 1)
                    r->da += 3;                 /* ... and the step of w (train_chunk) */
                if (j == 2)
                    r->steps_b_only = 1;
            }
        }
    }
    if (!(r = bench_layer_row(b, n, 0, "net", "cost", &slots[3 * L].st, 0.0))
        || !(r = bench_layer_row(b, n, 0, "net", "zero", &slots[3 * L + 1].st, 0.0))
        || !(r = bench_layer_row(b, n, 0, "net", "sum", &sst, n->macs_fwd + n->macs_bwd))
        || !(r = bench_layer_row(b, n, 0, "net", "step", &step[0], n->macs_fwd + n->macs_bwd))
        || !(r = bench_layer_row(b, n, 0, "net", "step_profile_build", &step[1],
                                 n->macs_fwd + n->macs_bwd)))
        return HOST_INTERNAL;
    for (k = first; k < b->nrows; ++k)
        b->rows[k].share = sum > 0 ? b->rows[k].us / sum : 0.0;
    bench_print_layer_header(&b->rows[first], step->med);
    for (k = first; k < b->nrows; ++k)
        bench_print_layer(&b->rows[k]);
    return HOST_OK;
}

/* See bench.h. */
int bench_profile(bench *b, lua_State *T, const net_request *rq, const net *n,
                  const net_api *api, double infer_us)
{
    char err[4096], dir[1024];
    net_request prq = *rq;
    net pn;
    net_api papi;
    jit_cc_opts co;
    bench_prof p;
    bench_slot *slots = NULL;
    bench_stat step[2];
    bench_row *r;
    double rd, rw;
    int rc, nslots = 3 * n->nlayers + 2;

    memset(&pn, 0, sizeof pn);
    memset(&papi, 0, sizeof papi);
    prq.forms[0] = "cc";
    prq.nforms = 1;
    prq.profile = 1;
    prq.more = 0;
    if ((rc = net_generate(T, &prq, &pn, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    memset(&co, 0, sizeof co);
    snprintf(dir, sizeof dir, "%s/profile%d", b->tmp, b->nscratch++);
    co.cache_dir = dir;
    co.quiet = 1;
    rc = HOST_FAIL;
    if (net_compile(&pn, 0, &co, &papi, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    if (bench_prof_bind(&papi, pn.name, &p) != 0) {
        rc = HOST_INTERNAL;
        goto done;
    }
    if (!(slots = calloc((size_t)nslots, sizeof *slots))) {
        fprintf(stderr, "cnngen: out of memory\n");
        goto done;
    }
    if (bench_prof_measure(b, n, api, &papi, &p, slots, nslots, step) != 0)
        goto done;
    if ((rc = bench_breakdown_rows(b, n, &p, slots, step)) != HOST_OK)
        goto done;
    rc = HOST_INTERNAL;
    if (!(r = bench_add(b, "memory", n->name, "cc", 1, (int)n->train.batch)))
        goto done;
    rc = HOST_FAIL;
    if (bench_bandwidth(b, &p, &papi, &r->read_gbs, &r->update_gbs) != 0)
        goto done;
    r->st.runs = b->runs;
    r->param_bytes = 4.0 * (double)n->param_count;
    bench_step_bytes(n, &p, (int)n->train.batch, &rd, &rw);
    r->train_bytes = (rd + rw) / (double)n->train.batch;
    r->train_mem_us = 1e-3 * (rd / r->read_gbs + rw / r->update_gbs) / (double)n->train.batch;
    r->train_flop_us = 2.0 * (n->macs_fwd + n->macs_bwd) / (1e3 * b->peak.gflops);
    r->train_us = step[0].med;
    r->infer_bytes = r->param_bytes;
    r->infer_mem_us = 1e-3 * r->infer_bytes / r->read_gbs;
    r->infer_flop_us = 2.0 * n->macs_fwd / (1e3 * b->peak.gflops);
    r->infer_us = infer_us;
    bench_print_memory(r);
    rc = HOST_OK;
done:
    free(slots);
    jit_release(&papi);
    net_free(&pn);
    return rc;
}
