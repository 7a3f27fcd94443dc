/*
 * train.c -- epochs, shuffling, mini-batches, evaluation, Ctrl-C and the
 * resume sidecar (contracts and the reproducibility argument in train.h).
 */
#include "errfmt.h"
#include "train.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomicfile.h"
#include "checkpoint.h"
#include "hash.h"
#include "momentum.h"
#include "pool.h"
#include "rng.h"

/* ================================================================ */
/* Shuffling and the loop                                           */
/* ================================================================ */

/* See train.h.  The epoch's generator is seeded with the first output of
 * a generator seeded with `seed`, plus the epoch: distinct epochs of one
 * run get distinct, unrelated streams (rng_seed mixes with splitmix64). */
void train_order(int *order, int n, unsigned long long seed, int epoch)
{
    rng_state r;
    uint64_t base;
    int i;
    rng_seed(&r, seed);
    base = rng_next_u64(&r);
    rng_seed(&r, base + (uint64_t)epoch);
    for (i = 0; i < n; ++i)
        order[i] = i;
    rng_shuffle_int(&r, order, n);
}

/* See train.h. */
int train_init(train_ctx *t, const net_api *api, float *params, const ds_split *data,
               int batch, float eta, float l2, unsigned long long seed,
               char *err, size_t errlen)
{
    size_t in = (size_t)data->rows * (size_t)data->cols;
    memset(t, 0, sizeof *t);
    if (api->is_double)
        return errfmt(err, errlen, "internal error: training needs the float build");
    if (data->n <= 0)
        return errfmt(err, errlen, "no training samples");
    if (in != api->in_size)
        return errfmt(err, errlen, "samples have %zu values but the network takes %zu",
                           in, api->in_size);
    if (batch < 1)
        return errfmt(err, errlen, "the mini-batch size must be at least 1");
    if (batch > data->n)
        batch = data->n;
    t->api = api;
    t->params = params;
    t->data = data;
    t->batch = batch;
    t->eta = eta;
    t->l2 = l2;
    t->seed = seed;
    t->grad = net_params_new(api);
    t->xbuf = malloc((size_t)batch * in * sizeof *t->xbuf);
    t->ybuf = malloc((size_t)batch * sizeof *t->ybuf);
    t->order = malloc((size_t)data->n * sizeof *t->order);
    t->work = net_work_new(api);
    if (!t->grad || !t->xbuf || !t->ybuf || !t->order || !t->work) {
        train_free(t);
        return errfmt(err, errlen, "out of memory for training buffers");
    }
    return 0;
}

static void train_team_free(train_team *m);

void train_free(train_ctx *t)
{
    train_team_free(t->team);
    free(t->mspans);
    net_params_free(t->grad);
    free(t->xbuf);
    free(t->ybuf);
    free(t->order);
    free(t->work);
    memset(t, 0, sizeof *t);
}

/* See train.h. */
int train_epoch_size(const train_ctx *t)
{
    return t->data->n * expand_factor(t->expand);
}

/* See train.h: the order grows to the expanded index space. */
int train_expand(train_ctx *t, expand_kind kind, char *err, size_t errlen)
{
    int *order;
    if (t->data->n > INT_MAX / expand_factor(kind))
        return errfmt(err, errlen, "%d samples expanded %d times are too many",
                      t->data->n, expand_factor(kind));
    order = realloc(t->order, (size_t)t->data->n * (size_t)expand_factor(kind) * sizeof *order);
    if (!order)
        return errfmt(err, errlen, "out of memory for the expanded training set");
    t->order = order;
    t->expand = kind;
    return 0;
}

/* See train.h (train_ctx.key_step: dropout's key). */
void train_key_at(train_ctx *t, int epoch, int k)
{
    unsigned long long per_epoch = ((unsigned long long)train_epoch_size(t) + (unsigned long long)t->batch - 1)
                                   / (unsigned long long)t->batch;
    t->key_step = (unsigned long long)epoch * per_epoch + (unsigned long long)(k / t->batch);
    t->key_first = (unsigned long long)k;
}

/* The work struct's key for a slice starting `off` samples into the step
 * (nothing for nets without dropout). */
static void train_key(const train_ctx *t, void *work, int off)
{
    if (t->api->train_key)
        t->api->train_key(work, t->seed, t->key_step, t->key_first + (unsigned long long)off);
}

/* Samples t->order[k + s] for s0 <= s < s1 into slots s of t->xbuf and
 * t->ybuf (an expanded set's made on the fly, expand.h). */
static void train_gather_slots(train_ctx *t, int k, int s0, int s1)
{
    const ds_split *d = t->data;
    size_t in = t->api->in_size;
    int s;
    for (s = s0; s < s1; ++s) {
        int i = t->order[k + s];
        if (t->expand)
            i = expand_sample(t->xbuf + (size_t)s * in, d->x, d->n, d->rows, d->cols, t->expand, i);
        else
            memcpy(t->xbuf + (size_t)s * in, d->x + (size_t)i * in, in * sizeof *t->xbuf);
        t->ybuf[s] = d->y[i];
    }
}

/* See train.h. */
void train_gather(train_ctx *t, int k, int n)
{
    train_gather_slots(t, k, 0, n);
}

/* See train.h.  Samples are gathered into one contiguous batch buffer in
 * the epoch's order (the generated train_batch takes x back to back); an
 * expanded set's samples are made here (expand.h). */
void train_epoch(train_ctx *t, int epoch, int start, train_batch_fn fn, void *ctx,
                 train_epoch_result *r)
{
    double sum = 0.0;
    int k = start < 0 ? 0 : start, done = 0, total = train_epoch_size(t);

    memset(r, 0, sizeof *r);
    train_order(t->order, total, t->seed, epoch);
    while (k < total) {
        int n = total - k < t->batch ? total - k : t->batch;
        float c;
        if (t->next_api) {
            const net_api *a = t->next_api(t->next_ctx);
            if (a && a != t->api)
                train_use_api(t, a);    /* on failure: keep training with the old build */
        }
        train_key_at(t, epoch, k);
        c = train_step_at(t, k, n);
        if (!isfinite(c)) {             /* diverge.h finds where */
            r->diverged = 1;
            break;
        }
        if (!done)
            r->first_cost = c;
        sum += (double)c * n;
        done += n;
        k += n;
        if (fn)
            fn(ctx, k, total, c, sum / done);
        if (k < total && (t->world ? t->world_stop : train_stop_requested())) {
            r->interrupted = 1;
            break;
        }
    }
    r->next = k;
    r->samples = done;
    r->cost = done ? sum / done : 0.0;
}

/* ================================================================ */
/* One step, on one thread or several                               */
/* ================================================================ */

/* The team of train_threads: thread k's work struct and gradient (k = 0
 * uses the context's own), the parameter spans sorted by offset, and the
 * step in progress, which pool_run hands to every thread. */
struct train_team {
    pool *pool;
    int n;                      /* threads */
    void **work;                /* [n] */
    float **grad;               /* [n] */
    train_span *spans;          /* [nspans], sorted by off */
    int nspans;
    /* the step in progress */
    train_ctx *t;
    const float *x;
    const int *y;
    int count;                  /* samples in the batch */
    int base, len;              /* this process's slice of it (all: 0, count) */
    int netstep;                /* 1: the net's team step takes this batch */
    int gather;                 /* >= 0: each thread first gathers its slice,
                                 * samples t->order[gather + s] (train_step_at) */
    float *cost;                /* [n]: each slice's mean cost */
    float *sum;                 /* with a world: the rank's part of the mean
                                 * gradient, then the batch's, [param_count + 2] */
};

/* See train.h. */
void train_slice(int count, int n, int k, int *off, int *len)
{
    int base = count / n, rem = count % n;
    *len = base + (k < rem);
    *off = k * base + (k < rem ? k : rem);
}

/* Thread k's share of the parameters: [*lo, *hi), in blocks of 16 floats
 * (a cache line) so no two threads write the same line. */
static void train_share(size_t count, int n, int k, size_t *lo, size_t *hi)
{
    size_t blocks = (count + 15) / 16;
    *lo = blocks * (size_t)k / (size_t)n * 16;
    *hi = k == n - 1 ? count : blocks * (size_t)(k + 1) / (size_t)n * 16;
    if (*lo > count) *lo = count;
    if (*hi > count) *hi = count;
}

/* λ/n of the L2 term: n is the (expanded) training set's size. */
static float train_wd(const train_ctx *t)
{
    return t->data->n > 0 ? t->l2 / (float)train_epoch_size(t) : 0.0f;
}

/* The weight decay factor of Nielsen's update, 1 − η·λ/n (sgd.c.tpl's
 * formula, associated as it is there). */
static float train_decay(const train_ctx *t)
{
    return t->data->n > 0 ? 1.0f - t->eta * t->l2 / (float)train_epoch_size(t) : 1.0f;
}

/* The batch's mean gradient over [lo, hi), Σ_j wt_j g_j, into out: thread
 * by thread, in straight loops, so each element's sum is
 * ((w_0 g_0 + w_1 g_1) + w_2 g_2) + ..., the threads' order. */
static void train_mean_grad(float *out, const float *const *g, const float *wt, int used, size_t lo,
                            size_t hi)
{
    size_t i;
    int j;
    for (i = lo; i < hi; ++i)
        out[i] = used > 0 ? wt[0] * g[0][i] : 0.0f;
    for (j = 1; j < used; ++j) {
        const float *gj = g[j], wj = wt[j];
        for (i = lo; i < hi; ++i)
            out[i] += wj * gj[i];
    }
}

/* The momentum update (momentum.h) of p[lo, hi) from the mean gradient g,
 * span by span (weights decayed, biases not). */
static void train_momentum_update(train_ctx *t, const float *g, size_t lo, size_t hi)
{
    const float wd = train_wd(t);
    int s;
    for (s = 0; s < t->nmspans; ++s) {
        const train_span *sp = &t->mspans[s];
        size_t a = sp->off > lo ? sp->off : lo;
        size_t b = sp->off + sp->count < hi ? sp->off + sp->count : hi;
        if (a < b)
            momentum_update(t->params, t->velocity, g, a, b, t->mu, t->eta, sp->decay ? wd : 0.0f);
    }
}

/* A team's step with momentum, for one thread's share [lo, hi): the
 * batch's mean gradient Σ_j wt_j g_j into out (thread 0's gradient, whose
 * share no other thread reads), then the momentum update. */
static void train_team_momentum(train_ctx *t, float *out, const float *const *g, const float *wt,
                                int used, size_t lo, size_t hi)
{
    train_mean_grad(out, g, wt, used, lo, hi);
    train_momentum_update(t, out, lo, hi);
}

/* Thread k's slice of the process's part of the batch: ∂C/∂p over it
 * into its gradient buffer, its mean cost; then a barrier. */
static void train_team_grad(train_team *m, int k, int n)
{
    train_ctx *t = m->t;
    const net_api *api = t->api;
    size_t in = api->in_size;
    int off, len;
    train_slice(m->len, n, k, &off, &len);
    off += m->base;
    train_key(t, m->work[k], off);
    m->cost[k] = len > 0 ? api->loss_grad.f(t->params, m->work[k], m->x + (size_t)off * in,
                                            m->y + off, len, m->grad[k])
                         : 0.0f;
    pool_sync(m->pool);
}

/* The threads' gradients that were computed, into g[], with their weights
 * n_j / n (n: the whole batch, every process's slices) into wt[];
 * returns how many. */
static int train_team_parts(const train_team *m, int n, const float **g, float *wt)
{
    int j, off, len, used = 0;
    for (j = 0; j < n; ++j) {
        train_slice(m->len, n, j, &off, &len);
        if (len == 0)
            continue;                   /* this thread's gradient was not computed */
        g[used] = m->grad[j];
        wt[used++] = (float)len / (float)m->count;
    }
    return used;
}

static void train_team_sync(void *ctx)
{
    pool_sync(ctx);
}

/* One thread's part of a step by the net's own team step (net_api.h's
 * team_step: the dense layers step by rows of w, no gradient of their
 * weights is formed or summed), on its slice of the batch. */
static void train_team_netstep(train_team *m, int k, int n)
{
    train_ctx *t = m->t;
    int off, len;
    train_slice(m->count, n, k, &off, &len);
    train_key(t, m->work[k], off);
    m->cost[k] = t->api->team_step(t->params, m->grad, m->work, m->x, m->y, m->count, t->eta, t->l2,
                                   train_epoch_size(t), k, n, train_team_sync, m->pool);
}

/* One thread's part of a step (pool_fn): loss_grad on its slice; the
 * barrier; then the reduction and update of its share of the parameters.
 * Or, for a batch the net's team step takes, that step. */
static void train_team_step(void *ctx, int k, int n)
{
    train_team *m = ctx;
    train_ctx *t = m->t;
    size_t lo, hi;
    float *p = t->params, wt[TRAIN_MAX_THREADS];
    const float *g[TRAIN_MAX_THREADS];
    const float decay = train_decay(t);
    const float eta = t->eta;
    int j, s, used;

    if (m->gather >= 0) {               /* my slice into my core's cache */
        int off, len;
        train_slice(m->count, n, k, &off, &len);
        train_gather_slots(t, m->gather, off, off + len);
    }
    if (m->netstep) {
        train_team_netstep(m, k, n);
        return;
    }
    /* 1. ∂C/∂p over my slice, its mean cost */
    train_team_grad(m, k, n);

    /* 2. for my share of the parameters: the whole batch's mean gradient
     *    g = Σ_j (n_j/n) g_j, then Nielsen's update (sgd.c.tpl's formula),
     *    in one pass that writes nothing but the parameters */
    train_share(t->api->param_count, n, k, &lo, &hi);
    used = train_team_parts(m, n, g, wt);
    if (t->velocity) {
        train_team_momentum(t, m->grad[0], g, wt, used, lo, hi);
        return;
    }
    for (s = 0; s < m->nspans; ++s) {
        const train_span *sp = &m->spans[s];
        size_t a = sp->off > lo ? sp->off : lo, i;
        size_t b = sp->off + sp->count < hi ? sp->off + sp->count : hi;
        if (used == 2) {                /* the common case, in straight loops */
            const float *g0 = g[0], *g1 = g[1];
            const float w0 = wt[0], w1 = wt[1];
            if (sp->decay)
                for (i = a; i < b; ++i) p[i] = decay * p[i] - eta * (w0 * g0[i] + w1 * g1[i]);
            else
                for (i = a; i < b; ++i) p[i] -= eta * (w0 * g0[i] + w1 * g1[i]);
            continue;
        }
        for (i = a; i < b; ++i) {
            float gi = wt[0] * g[0][i];
            for (j = 1; j < used; ++j)
                gi += wt[j] * g[j][i];
            if (sp->decay)
                p[i] = decay * p[i] - eta * gi;                 /* w */
            else
                p[i] -= eta * gi;                               /* b */
        }
    }
}

/* With a world, a step's first half (pool_fn): loss_grad on my slice,
 * the barrier, then this rank's part of the mean gradient, Σ_j (n_j/n) g_j
 * over its threads, for my share of the parameters, into m->sum. */
static void train_world_grad(void *ctx, int k, int n)
{
    train_team *m = ctx;
    size_t lo, hi;
    float wt[TRAIN_MAX_THREADS];
    const float *g[TRAIN_MAX_THREADS];
    int used;
    train_team_grad(m, k, n);
    train_share(m->t->api->param_count, n, k, &lo, &hi);
    used = train_team_parts(m, n, g, wt);
    train_mean_grad(m->sum, g, wt, used, lo, hi);
}

/* With a world, the second half (pool_fn), after the ranks' sum: Nielsen's
 * update of my share with the batch's mean gradient g = m->sum. */
static void train_world_apply(void *ctx, int k, int n)
{
    train_team *m = ctx;
    train_ctx *t = m->t;
    float *p = t->params;
    const float *g = m->sum;
    const float decay = train_decay(t);
    const float eta = t->eta;
    size_t lo, hi;
    int s;
    train_share(t->api->param_count, n, k, &lo, &hi);
    if (t->velocity) {                  /* momentum (momentum.h) */
        train_momentum_update(t, g, lo, hi);
        return;
    }
    for (s = 0; s < m->nspans; ++s) {
        const train_span *sp = &m->spans[s];
        size_t a = sp->off > lo ? sp->off : lo, i;
        size_t b = sp->off + sp->count < hi ? sp->off + sp->count : hi;
        if (sp->decay)
            for (i = a; i < b; ++i) p[i] = decay * p[i] - eta * g[i];   /* w */
        else
            for (i = a; i < b; ++i) p[i] -= eta * g[i];                 /* b */
    }
}

/* A step with a world: my slice's part of the mean gradient, the ranks'
 * sum (with the batch's total cost and the stop flag at its end), the
 * update.  Returns the batch's mean cost. */
static float train_world_step(train_ctx *t, train_team *m)
{
    size_t P = t->api->param_count;
    struct timespec t0, t1;
    double cost = 0.0;
    int k;
    train_slice(m->count, t->world->size, t->world->rank, &m->base, &m->len);
    pool_run(m->pool, train_world_grad, m);
    for (k = 0; k < m->n; ++k) {
        int off, len;
        train_slice(m->len, m->n, k, &off, &len);
        cost += (double)m->cost[k] * len;
    }
    m->sum[P] = (float)cost;
    m->sum[P + 1] = train_stop_requested() ? 1.0f : 0.0f;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t->world->sum_f(t->world, m->sum, P + 2);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    t->world_secs += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    t->world_stop = m->sum[P + 1] > 0.0f;
    pool_run(m->pool, train_world_apply, m);
    return m->sum[P] / (float)m->count;
}

/* train_step, or with gather >= 0 train_step_at(t, gather, n) on a team
 * (x, y: t->xbuf, t->ybuf, which the threads fill) */
static float train_step_team(train_ctx *t, const float *x, const int *y, int n, int gather);

/* See train.h. */
float train_step(train_ctx *t, const float *x, const int *y, int n)
{
    return train_step_team(t, x, y, n, -1);
}

/* See train.h. */
float train_step_at(train_ctx *t, int k, int n)
{
    /* a team without a world, stepping n > 0 samples, gathers them itself:
     * each thread its slice (the slices train_team_step steps) */
    if (t->team && !t->world && n > 0)
        return train_step_team(t, t->xbuf, t->ybuf, n, k);
    train_gather(t, k, n);
    return train_step(t, t->xbuf, t->ybuf, n);
}

static float train_step_team(train_ctx *t, const float *x, const int *y, int n, int gather)
{
    train_team *m = t->team;
    double sum = 0.0;
    int k;
    if (t->velocity && !m && n > 0) {   /* momentum on one thread */
        float c;
        train_key(t, t->work, 0);
        if (t->api->train_momentum)     /* the generated step */
            return t->api->train_momentum(t->params, t->grad, t->velocity, t->work, x, y, n,
                                          t->eta, t->l2, train_epoch_size(t), t->mu);
        c = t->api->loss_grad.f(t->params, t->work, x, y, n, t->grad);
        train_momentum_update(t, t->grad, 0, t->api->param_count);
        return c;
    }
    if (!m || n <= 0) {                 /* an empty batch: train_batch's rule (no step) */
        train_key(t, t->work, 0);
        return t->api->train_batch.f(t->params, t->grad, t->work, x, y, n, t->eta, t->l2,
                                     train_epoch_size(t));
    }
    m->t = t;
    m->x = x;
    m->y = y;
    m->count = n;
    if (t->world)
        return train_world_step(t, m);
    m->base = 0;
    m->len = n;
    m->gather = gather;
    /* the net's team step: plain SGD on a batch of exactly its chunk */
    m->netstep = t->api->team_step && !t->velocity && (size_t)n == t->api->team_chunk;
    pool_run(m->pool, train_team_step, m);
    for (k = 0; k < m->n; ++k) {
        int off, len;
        train_slice(n, m->n, k, &off, &len);
        sum += (double)m->cost[k] * len;
    }
    return (float)(sum / n);
}

static void train_team_free(train_team *m)
{
    int k;
    if (!m)
        return;
    pool_free(m->pool);
    for (k = 1; k < m->n; ++k) {        /* [0] belongs to the context */
        if (m->work) free(m->work[k]);
        if (m->grad) net_params_free(m->grad[k]);
    }
    free(m->work);
    free(m->grad);
    free(m->spans);
    free(m->cost);
    free(m->sum);
    free(m);
}

static int train_span_cmp(const void *a, const void *b)
{
    const train_span *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* See train.h. */
int train_threads(train_ctx *t, int threads, const train_span *spans, int nspans,
                  char *err, size_t errlen)
{
    train_team *m;
    size_t next = 0;
    int k;
    if (threads <= 1 && !t->world) {
        train_team_free(t->team);
        t->team = NULL;
        return 0;
    }
    if (threads < 1)
        threads = 1;
    if (threads > TRAIN_MAX_THREADS)
        return errfmt(err, errlen, "at most %d training threads, not %d",
                           TRAIN_MAX_THREADS, threads);
    m = calloc(1, sizeof *m);
    if (!m)
        return errfmt(err, errlen, "out of memory for %d training threads", threads);
    m->n = threads;
    m->gather = -1;
    m->nspans = nspans;
    m->spans = malloc((size_t)(nspans > 0 ? nspans : 1) * sizeof *m->spans);
    m->work = calloc((size_t)threads, sizeof *m->work);
    m->grad = calloc((size_t)threads, sizeof *m->grad);
    m->cost = calloc((size_t)threads, sizeof *m->cost);
    if (t->world)
        m->sum = malloc((t->api->param_count + 2) * sizeof *m->sum);
    if (!m->spans || !m->work || !m->grad || !m->cost || (t->world && !m->sum)) {
        train_team_free(m);
        return errfmt(err, errlen, "out of memory for %d training threads", threads);
    }
    if (nspans > 0)
        memcpy(m->spans, spans, (size_t)nspans * sizeof *spans);
    qsort(m->spans, (size_t)nspans, sizeof *m->spans, train_span_cmp);
    for (k = 0; k < nspans; ++k) {
        if (m->spans[k].off != next)
            break;
        next += m->spans[k].count;
    }
    if (k < nspans || next != t->api->param_count) {
        train_team_free(m);
        return errfmt(err, errlen, "internal error: the layers' parameter ranges do not "
                           "tile the %zu parameters", t->api->param_count);
    }
    m->work[0] = t->work;
    m->grad[0] = t->grad;
    for (k = 1; k < threads; ++k) {
        m->work[k] = net_work_new(t->api);
        m->grad[k] = net_params_new(t->api);
        if (!m->work[k] || !m->grad[k]) {
            train_team_free(m);
            return errfmt(err, errlen, "out of memory for %d training threads", threads);
        }
    }
    m->pool = pool_new(threads, err, errlen);
    if (!m->pool) {
        train_team_free(m);
        return -1;
    }
    train_team_free(t->team);
    t->team = m;
    return 0;
}

/* See train.h. */
int train_momentum(train_ctx *t, float mu, float *velocity, const train_span *spans, int nspans,
                   char *err, size_t errlen)
{
    train_span *copy = NULL;
    if (mu > 0.0f) {
        copy = malloc((size_t)(nspans > 0 ? nspans : 1) * sizeof *copy);
        if (!copy)
            return errfmt(err, errlen, "out of memory for momentum");
        if (nspans > 0)
            memcpy(copy, spans, (size_t)nspans * sizeof *spans);
    }
    free(t->mspans);
    t->mspans = copy;
    t->nmspans = copy ? nspans : 0;
    t->mu = copy ? mu : 0.0f;
    t->velocity = copy ? velocity : NULL;
    return 0;
}

int train_thread_count(const train_ctx *t)
{
    return t->team ? t->team->n : 1;
}

/* See train.h. */
int train_use_api(train_ctx *t, const net_api *api)
{
    const net_api *old = t->api;
    int n = t->team ? t->team->n : 1, k;
    void **fresh;
    if (api->is_double || api->param_count != old->param_count
        || api->in_size != old->in_size || api->out_size != old->out_size)
        return -1;
    if (api->work_size != old->work_size) {
        fresh = calloc((size_t)n, sizeof *fresh);
        if (!fresh)
            return -1;
        for (k = 0; k < n; ++k)
            if (!(fresh[k] = net_work_new(api))) {
                while (k-- > 0)
                    free(fresh[k]);
                free(fresh);
                return -1;
            }
        free(t->work);
        t->work = fresh[0];
        if (t->team) {
            for (k = 1; k < n; ++k) {
                free(t->team->work[k]);
                t->team->work[k] = fresh[k];
            }
            t->team->work[0] = t->work;
        }
        free(fresh);
    }
    t->api = api;
    return 0;
}

/* ================================================================ */
/* Evaluation                                                       */
/* ================================================================ */

int train_cost_parse(const char *name, train_cost *out)
{
    if (!strcmp(name, "log-likelihood")) *out = TRAIN_COST_LOGLIK;
    else if (!strcmp(name, "cross-entropy")) *out = TRAIN_COST_CROSSENTROPY;
    else if (!strcmp(name, "quadratic")) *out = TRAIN_COST_QUADRATIC;
    else return -1;
    return 0;
}

static double train_log(double v)
{
    return log(v > 1e-30 ? v : 1e-30);
}

/* See train.h. */
double train_sample_cost(train_cost kind, const float *a, int n_out, int label)
{
    double c = 0.0;
    int j;
    switch (kind) {
    case TRAIN_COST_LOGLIK:
        return -train_log(a[label]);
    case TRAIN_COST_CROSSENTROPY:
        for (j = 0; j < n_out; ++j)
            c -= j == label ? train_log(a[j]) : train_log(1.0 - a[j]);
        return c;
    case TRAIN_COST_QUADRATIC:
        for (j = 0; j < n_out; ++j) {
            double e = a[j] - (j == label ? 1.0 : 0.0);
            c += e * e;
        }
        return 0.5 * c;
    }
    return 0.0;
}

/* See train.h. */
int train_eval(const net_api *api, const float *params, const ds_split *s, train_cost kind,
               train_batch_fn fn, void *ctx, train_eval_result *r, char *err, size_t errlen)
{
    int classes = (int)api->out_size, i, j;
    float *y;
    void *work;
    double sum = 0.0;

    memset(r, 0, sizeof *r);
    if (api->is_double)
        return errfmt(err, errlen, "internal error: evaluation needs the float build");
    if ((size_t)s->rows * (size_t)s->cols != api->in_size)
        return errfmt(err, errlen, "samples have %d values but the network takes %zu",
                           s->rows * s->cols, api->in_size);
    y = malloc((size_t)classes * sizeof *y);
    work = net_work_new(api);
    r->confusion = calloc((size_t)classes * (size_t)classes, sizeof *r->confusion);
    if (!y || !work || !r->confusion) {
        free(y);
        free(work);
        train_eval_free(r);
        return errfmt(err, errlen, "out of memory for evaluation");
    }
    r->classes = classes;
    for (i = 0; i < s->n; ++i) {
        int best = 0, label = s->y[i];
        api->forward.f(params, work, s->x + (size_t)i * api->in_size, y);
        for (j = 1; j < classes; ++j)
            if (y[j] > y[best])
                best = j;
        if (label >= 0 && label < classes) {
            r->confusion[(size_t)label * (size_t)classes + (size_t)best]++;
            sum += train_sample_cost(kind, y, classes, label);
        }
        r->correct += best == label;
        if (fn && (i + 1) % 1000 == 0)
            fn(ctx, i + 1, s->n, 0.0, 0.0);
    }
    r->n = s->n;
    r->accuracy = s->n ? (double)r->correct / s->n : 0.0;
    r->cost = s->n ? sum / s->n : 0.0;
    free(y);
    free(work);
    return 0;
}

void train_eval_free(train_eval_result *r)
{
    free(r->confusion);
    memset(r, 0, sizeof *r);
}

/* ================================================================ */
/* Ctrl-C                                                           */
/* ================================================================ */

static volatile sig_atomic_t train_stop_flag;
static struct sigaction train_old_sigint;
static int train_sigint_installed;

static void train_on_sigint(int sig)
{
    (void)sig;
    train_stop_flag = 1;
}

/* SA_RESETHAND: the handler runs once; a second Ctrl-C gets the default
 * action and ends the process at once (the weights on disk are still the
 * last complete save). */
void train_sigint_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = train_on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    train_stop_flag = 0;
    if (sigaction(SIGINT, &sa, &train_old_sigint) == 0)
        train_sigint_installed = 1;
}

void train_sigint_restore(void)
{
    if (train_sigint_installed)
        sigaction(SIGINT, &train_old_sigint, NULL);
    train_sigint_installed = 0;
}

int train_stop_requested(void)
{
    return train_stop_flag != 0;
}

void train_stop_reset(void)
{
    train_stop_flag = 0;
}

/* ================================================================ */
/* Resume state                                                     */
/* ================================================================ */

#define TRAIN_STATE_MAGIC "cnngen training state 1"

/* See train.h: the bytes ckpt_save checksums, little-endian IEEE floats. */
unsigned long long train_params_hash(const float *params, size_t count)
{
    unsigned long long h = FNV1A_INIT;
    unsigned char b[4 * 256];
    size_t i = 0;
    while (i < count) {
        size_t n = count - i < 256 ? count - i : 256, k;
        for (k = 0; k < n; ++k) {
            uint32_t u;
            memcpy(&u, &params[i + k], 4);
            b[4 * k] = (unsigned char)u;
            b[4 * k + 1] = (unsigned char)(u >> 8);
            b[4 * k + 2] = (unsigned char)(u >> 16);
            b[4 * k + 3] = (unsigned char)(u >> 24);
        }
        h = fnv1a_update(h, b, 4 * n);
        i += n;
    }
    return h;
}

static int train_state_path(const char *weights, char *out, size_t len)
{
    int n = snprintf(out, len, "%s%s", weights, TRAIN_STATE_SUFFIX);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* See train.h. */
int train_state_load(const char *weights, train_state *st, char *err, size_t errlen)
{
    char path[4096], line[256];
    FILE *f;
    int lineno = 0, ok = 1;

    memset(st, 0, sizeof *st);
    if (train_state_path(weights, path, sizeof path) < 0)
        return errfmt(err, errlen, "%s: path too long", weights);
    f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        return errfmt(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    }
    while (ok && fgets(line, sizeof line, f)) {
        unsigned long long a, b;
        int e, s;
        ++lineno;
        if (lineno == 1)
            ok = strncmp(line, TRAIN_STATE_MAGIC "\n", sizeof TRAIN_STATE_MAGIC) == 0;
        else if (sscanf(line, "arch %16llx", &a) == 1)
            st->arch_hash = a;
        else if (sscanf(line, "seed %llu", &a) == 1)
            st->seed = a;
        else if (sscanf(line, "weights %16llx epoch %d sample %d", &b, &e, &s) == 3
                 && e >= 0 && s >= 0 && st->n < TRAIN_STATE_ENTRIES) {
            st->pos[st->n].weights = b;
            st->pos[st->n].epoch = e;
            st->pos[st->n].sample = s;
            st->n++;
        } else
            ok = 0;
    }
    if (ferror(f))
        ok = 0;
    fclose(f);
    if (!ok || lineno < 3) {
        memset(st, 0, sizeof *st);
        return errfmt(err, errlen, "%s: not a cnngen training state file (line %d)",
                           path, lineno);
    }
    return 1;
}

/* See train.h.  Written as ckpt_save writes weights (atomicfile.h). */
int train_state_save(const char *weights, const train_state *st, char *err, size_t errlen)
{
    char path[4096], text[512];
    size_t len = 0;
    int i, rc;

    if (train_state_path(weights, path, sizeof path) < 0)
        return errfmt(err, errlen, "%s: path too long", weights);
    len += (size_t)snprintf(text + len, sizeof text - len, "%s\narch %016llx\nseed %llu\n",
                            TRAIN_STATE_MAGIC, st->arch_hash, st->seed);
    for (i = 0; i < st->n && i < TRAIN_STATE_ENTRIES; ++i)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "weights %016llx epoch %d sample %d\n",
                                st->pos[i].weights, st->pos[i].epoch, st->pos[i].sample);
    rc = af_save(path, text, len, 0644);
    if (rc == AF_OK || rc == AF_SYNC_DIR)
        return 0;
    return errfmt(err, errlen, "%s: cannot %s: %s", path, rc == AF_CREATE ? "create" : "write",
                  strerror(errno));
}

const train_pos *train_state_find(const train_state *st, unsigned long long hash)
{
    int i;
    for (i = 0; i < st->n; ++i)
        if (st->pos[i].weights == hash)
            return &st->pos[i];
    return NULL;
}

void train_state_push(train_state *st, const train_pos *p)
{
    int i;
    if (st->n > 0 && st->pos[0].weights == p->weights) {
        st->pos[0] = *p;
        return;
    }
    for (i = TRAIN_STATE_ENTRIES - 1; i > 0; --i)
        st->pos[i] = st->pos[i - 1];
    st->pos[0] = *p;
    if (st->n < TRAIN_STATE_ENTRIES)
        st->n++;
}
