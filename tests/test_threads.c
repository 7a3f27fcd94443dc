/*
 * test_threads.c -- suite "threads": training on several threads
 * (runtime/train.c: train_threads, train_step; runtime/pool.c) and
 * switching builds between mini-batches (train_use_api).
 *
 * Properties:
 *   - the team runs fn once per thread and its barrier holds;
 *   - a threaded step equals train_batch on the whole batch, to float
 *     rounding, for any batch size (smaller than the team too) and team
 *     size, step after step, with the parameter ranges the generator gives
 *     (net_generate's layer records, as `cnngen run --threads` uses them);
 *   - with one thread, a step IS train_batch (counted through shims), and
 *     with several, train_batch is never called, loss_grad once per slice;
 *   - ranges that do not tile the parameters are refused;
 *   - a whole epoch on 2 threads ends where the 1-thread epoch does;
 *   - switching from the tcc build to the cc build mid-epoch ends where a
 *     cc-only epoch does.
 * No timing is asserted anywhere.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "host.h"
#include "net.h"
#include "pool.h"
#include "tier.h"
#include "train.h"

/* ================================================================ */
/* The team                                                         */
/* ================================================================ */

typedef struct th_team_ctx {
    pool *p;
    int calls[8];
    long slot[8];
    long sums[8];
    int round;
} th_team_ctx;

static void th_team_fn(void *ctx, int t, int n)
{
    th_team_ctx *c = ctx;
    long s = 0;
    int k;
    c->calls[t]++;
    c->slot[t] = (long)c->round * 100 + t;     /* written before the barrier */
    pool_sync(c->p);
    for (k = 0; k < n; ++k)                    /* read after it */
        s += c->slot[k];
    c->sums[t] = s;
    pool_sync(c->p);                           /* nobody rewrites a slot before all have read */
}

Test(threads, the_team_runs_fn_once_per_thread_and_its_barrier_holds)
{
    char err[256];
    int n, round, k;
    for (n = 1; n <= 4; ++n) {
        th_team_ctx c;
        memset(&c, 0, sizeof c);
        c.p = pool_new(n, err, sizeof err);
        cr_assert_not_null(c.p, "%s", err);
        cr_expect_eq(pool_size(c.p), n);
        for (round = 0; round < 500; ++round) {
            long want = 0;
            c.round = round;
            pool_run(c.p, th_team_fn, &c);
            for (k = 0; k < n; ++k)
                want += (long)round * 100 + k;
            for (k = 0; k < n; ++k)
                cr_assert_eq(c.sums[k], want, "n %d round %d thread %d: %ld, want %ld", n, round,
                             k, c.sums[k], want);
        }
        for (k = 0; k < n; ++k)
            cr_expect_eq(c.calls[k], 500, "n %d thread %d ran %d times", n, k, c.calls[k]);
        pool_free(c.p);
    }
}

/* ================================================================ */
/* A net, built the way `cnngen run` builds it                      */
/* ================================================================ */

/* Every kind of layer with parameters, and a pool in between; 8x8 input,
 * 4 classes. */
static const char th_desc[] =
    "return network {\n"
    "  name = \"thr\",\n"
    "  input = { 1, 8, 8 },\n"
    "  layers = {\n"
    "    conv { maps = 3, kernel = 3, act = \"sigmoid\" },\n"
    "    maxpool { size = 2 },\n"
    "    dense { units = 7, act = \"relu\" },\n"
    "    dense { units = 4, act = \"softmax\" },\n"
    "  },\n"
    "  cost = \"log-likelihood\",\n"
    "}\n";

typedef struct th_net {
    net net;
    net_api api;
    train_span spans[32];
    int nspans;
} th_net;

/* Dense layers alone, the first reading the input (its columns are the
 * input's): the team step with no per-sample layer.  The first two hidden
 * layers take their forward by rows too, one right after the other (one
 * barrier between them; blocks of 8 units, the rest to the last thread);
 * the third, with fewer units than the chunk has samples, takes its own
 * forward and backward for each thread's samples. */
static const char th_dense_desc[] =
    "return network {\n"
    "  name = \"thd\",\n"
    "  input = { 1, 8, 8 },\n"
    "  layers = {\n"
    "    dense { units = 1603, act = \"sigmoid\" },\n"
    "    dense { units = 70, act = \"tanh\" },\n"
    "    dense { units = 12, act = \"relu\" },\n"
    "    dense { units = 4, act = \"softmax\" },\n"
    "  },\n"
    "  cost = \"log-likelihood\",\n"
    "}\n";

static void th_build_desc(th_net *t, const char *desc, const char *backend);

/* the cc flags of the builds below */
static const char *th_cflags = "-O2";

/* Describe, generate and build th_desc with backend (net.h); the spans
 * from its layer records. */
static void th_build(th_net *t, const char *backend)
{
    th_build_desc(t, th_desc, backend);
}

static void th_build_desc(th_net *t, const char *desc, const char *backend)
{
    char path[] = "/tmp/cnngen_thr_XXXXXX", err[4096];
    net_request rq;
    lua_State *T;
    FILE *f;
    int fd = mkstemp(path), k, rc;
    cr_assert(fd >= 0);
    f = fdopen(fd, "w");
    fputs(desc, f);
    fclose(f);
    memset(&rq, 0, sizeof rq);
    rq.path = path;
    rq.forms[rq.nforms++] = backend;
    rq.real = "float";
    T = host_new();
    cr_assert_not_null(T);
    setenv("CFLAGS", th_cflags, 1);
    setenv("XDG_CACHE_HOME", tb_tmpdir(), 1);
    rc = net_generate(T, &rq, &t->net, err, sizeof err);
    cr_assert_eq(rc, HOST_OK, "net_generate failed (%d): %s", rc, err);
    rc = net_compile(&t->net, 0, NULL, &t->api, err, sizeof err);
    lua_close(T);
    unlink(path);
    cr_assert_eq(rc, 0, "net_compile failed: %s", err);
    t->nspans = 0;
    for (k = 0; k < t->net.nlayers; ++k) {
        const net_layer *L = &t->net.layers[k];
        if (L->wcount) {
            t->spans[t->nspans].off = L->woff;
            t->spans[t->nspans].count = L->wcount;
            t->spans[t->nspans++].decay = 1;
        }
        if (L->bcount) {
            t->spans[t->nspans].off = L->boff;
            t->spans[t->nspans].count = L->bcount;
            t->spans[t->nspans++].decay = 0;
        }
    }
    cr_assert(t->nspans >= 6 && t->nspans % 2 == 0, "layers with w and b: got %d spans", t->nspans);
}

/* n random samples (values in [0, 1), labels 0..3) in a ds_split. */
static void th_data(ds_split *d, int n, unsigned seed)
{
    int s, k;
    srand(seed);
    d->n = n;
    d->rows = 8;
    d->cols = 8;
    d->x = malloc((size_t)n * 64 * sizeof *d->x);
    d->y = malloc((size_t)n * sizeof *d->y);
    cr_assert(d->x && d->y);
    for (s = 0; s < n; ++s) {
        d->y[s] = rand() % 4;
        for (k = 0; k < 64; ++k)
            d->x[(size_t)s * 64 + k] = (float)rand() / (float)RAND_MAX
                                       + (k % 4 == d->y[s] ? 0.5f : 0.0f);
    }
}

/* |a − b| ≤ tol·max(1, |a|), elementwise; the worst violation reported. */
static void th_expect_close(const float *a, const float *b, size_t n, double tol, const char *what)
{
    size_t i, worst = 0;
    double wd = 0.0;
    for (i = 0; i < n; ++i) {
        double d = fabs((double)a[i] - (double)b[i]) / fmax(1.0, fabs((double)a[i]));
        if (!(d <= wd)) {
            wd = d;
            worst = i;
        }
    }
    cr_expect(wd <= tol, "%s: parameter %zu differs: %.9g vs %.9g (relative %.3g > %.3g)", what,
              worst, a[worst], b[worst], wd, tol);
}

/* ================================================================ */
/* A threaded step is train_batch on the whole batch                */
/* ================================================================ */

/* Threaded steps of t's net against train_batch, on teams of 2, 3 and 4
 * threads and batches of several sizes (the team step's, the chunk of 10,
 * among them where the build has one). */
static void th_steps_match(th_net *t_)
{
    static const int teams[] = { 2, 3, 4 }, batches[] = { 1, 2, 3, 5, 10, 64 };
    th_net t = *t_;
    ds_split d;
    size_t P;
    float *p1, *p2, *grad;
    void *work;
    int ti, bi, step;

    th_data(&d, 300, 7);
    P = t.api.param_count;
    p1 = malloc(P * sizeof *p1);
    p2 = malloc(P * sizeof *p2);
    grad = malloc(P * sizeof *grad);
    work = malloc(t.api.work_size);
    cr_assert(p1 && p2 && grad && work);
    for (ti = 0; ti < 3; ++ti)
        for (bi = 0; bi < 6; ++bi) {
            char err[256], what[64];
            train_ctx tr;
            int n = batches[bi];
            t.api.init.f(p1, 5);
            memcpy(p2, p1, P * sizeof *p1);
            cr_assert_eq(train_init(&tr, &t.api, p2, &d, n, 0.3f, 2.0f, 11, err, sizeof err),
                         0, "%s", err);
            cr_assert_eq(train_threads(&tr, teams[ti], t.spans, t.nspans, err, sizeof err), 0,
                         "%s", err);
            cr_expect_eq(train_thread_count(&tr), teams[ti]);
            for (step = 0; step < 4; ++step) {  /* consecutive steps, different samples */
                const float *x = d.x + (size_t)step * n * 64;
                const int *y = d.y + step * n;
                float c1 = t.api.train_batch.f(p1, grad, work, x, y, n, 0.3f, 2.0f, d.n);
                float c2 = train_step(&tr, x, y, n);
                snprintf(what, sizeof what, "%d threads, batch %d, step %d", teams[ti], n, step);
                cr_expect(fabsf(c1 - c2) <= 1e-5f * fmaxf(1.0f, fabsf(c1)),
                          "%s: cost %.9g vs train_batch's %.9g", what, c2, c1);
                th_expect_close(p1, p2, P, 2e-6, what);
            }
            train_free(&tr);
        }
    free(p1);
    free(p2);
    free(grad);
    free(work);
    free(d.x);
    free(d.y);
}

Test(threads, a_threaded_step_equals_train_batch_on_the_whole_batch, .timeout = 60)
{
    th_net t;
    th_build(&t, "tcc");
    cr_expect_null(t.api.team_step, "the straight-line form has no team step");
    th_steps_match(&t);
    jit_release(&t.api);
    net_free(&t.net);
}

/* The loop form's team step (templates/team.c.tpl): for a batch of its
 * chunk, the dense layers step by rows of w, thread by thread, and their
 * ∂C/∂a^{l-1} is added up over the threads' rows; those with fewer units
 * than the chunk's samples (thr's 7 and 4, thd's 4) take their plain
 * backward instead; thd's 12 units, in blocks of 8 rows, leave some
 * threads no rows at all; its hidden layers of 1603 units (reading x), 70
 * and 12 split their forward by rows too. */
Test(threads, the_team_step_equals_train_batch_on_the_whole_batch, .timeout = 120)
{
    th_net t;
    th_build(&t, "cc");
    cr_assert_not_null(t.api.team_step, "the loop form of a net with dense layers has a team step");
    cr_expect_eq(t.api.team_chunk, 10);
    th_steps_match(&t);
    jit_release(&t.api);
    net_free(&t.net);
    th_build_desc(&t, th_dense_desc, "cc");
    cr_assert_not_null(t.api.team_step);
    th_steps_match(&t);
    jit_release(&t.api);
    net_free(&t.net);
}

/* ... and built for AVX2 and for SSE on this AVX-512 machine (the code
 * names no width; tests/test_widths.c checks each build's registers and
 * its train_batch against the AVX-512 build's) */
Test(threads, the_team_step_equals_train_batch_at_every_vector_width, .timeout = 240)
{
    static const char *const flags[] = { "-O2 -march=x86-64-v3 -ffp-contract=fast",
                                         "-O2 -march=x86-64-v2" };
    size_t f;
    th_net t;
    for (f = 0; f < sizeof flags / sizeof *flags; ++f) {
        th_cflags = flags[f];
        th_build(&t, "cc");
        cr_assert_not_null(t.api.team_step);
        th_steps_match(&t);
        jit_release(&t.api);
        net_free(&t.net);
        th_build_desc(&t, th_dense_desc, "cc");
        th_steps_match(&t);
        jit_release(&t.api);
        net_free(&t.net);
    }
    th_cflags = "-O2";
}

/* A net built with backend, 40 samples of data, and the shim (a copy of
 * its API that a test may point at counting wrappers), its parameters
 * initialized in *p: what the tests that count calls start from. */
static void th_shim_start(th_net *t, const char *backend, net_api *shim, ds_split *d, float **p)
{
    th_build(t, backend);
    th_data(d, 40, 3);
    *shim = t->api;
    *p = malloc(shim->param_count * sizeof **p);
    cr_assert(*p);
    shim->init.f(*p, 1);
}

/* ... and what they end with */
static void th_shim_end(th_net *t, ds_split *d, float *p)
{
    free(p);
    free(d->x);
    free(d->y);
    jit_release(&t->api);
    net_free(&t->net);
}

/* The runner takes the team step for a batch of exactly its chunk, and
 * the per-slice gradients for any other. */
static net_team_step_fn th_real_team_step;
static int th_team_step_calls;

static float th_count_team_step(float *params, float *const *grads, void *const *team, const float *x,
                                const int *labels, int n, float eta, float l2, int n_train, int k, int T,
                                void (*sync)(void *), void *ctx)
{
    __atomic_add_fetch(&th_team_step_calls, 1, __ATOMIC_RELAXED);
    return th_real_team_step(params, grads, team, x, labels, n, eta, l2, n_train, k, T, sync, ctx);
}

Test(threads, the_team_step_is_taken_for_a_batch_of_its_chunk, .timeout = 60)
{
    th_net t;
    net_api shim;
    ds_split d;
    train_ctx tr;
    char err[256];
    float *p;
    th_shim_start(&t, "cc", &shim, &d, &p);
    th_real_team_step = t.api.team_step;
    shim.team_step = th_count_team_step;
    cr_assert_eq(train_init(&tr, &shim, p, &d, 10, 0.1f, 0.0f, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_threads(&tr, 2, t.spans, t.nspans, err, sizeof err), 0, "%s", err);
    th_team_step_calls = 0;
    train_step(&tr, d.x, d.y, 10);
    cr_expect_eq(th_team_step_calls, 2, "each of the 2 threads takes it once");
    train_step(&tr, d.x, d.y, 9);
    cr_expect_eq(th_team_step_calls, 2, "a batch of 9, not the chunk of 10, does not take it");
    train_free(&tr);
    th_shim_end(&t, &d, p);
}

/* ================================================================ */
/* One thread is train_batch; several never call it                 */
/* ================================================================ */

static net_train_batch_f th_real_train_batch;
static net_loss_grad_f th_real_loss_grad;
static int th_train_batch_calls, th_loss_grad_calls;

static float th_count_train_batch(float *params, float *grad, void *w, const float *x,
                                  const int *labels, int n, float eta, float l2, int n_train)
{
    __atomic_add_fetch(&th_train_batch_calls, 1, __ATOMIC_RELAXED);
    return th_real_train_batch(params, grad, w, x, labels, n, eta, l2, n_train);
}

static float th_count_loss_grad(const float *params, void *w, const float *x, const int *labels,
                                int n, float *grad)
{
    __atomic_add_fetch(&th_loss_grad_calls, 1, __ATOMIC_RELAXED);
    return th_real_loss_grad(params, w, x, labels, n, grad);
}

Test(threads, one_thread_uses_train_batch_and_several_use_loss_grad_per_slice)
{
    char err[256];
    th_net t;
    ds_split d;
    net_api shim;
    train_ctx tr;
    float *p;
    int k;

    th_shim_start(&t, "tcc", &shim, &d, &p);
    th_real_train_batch = shim.train_batch.f;
    th_real_loss_grad = shim.loss_grad.f;
    shim.train_batch.f = th_count_train_batch;
    shim.loss_grad.f = th_count_loss_grad;

    /* one thread: the default, and train_threads(1) */
    cr_assert_eq(train_init(&tr, &shim, p, &d, 10, 0.1f, 0.0f, 1, err, sizeof err), 0, "%s", err);
    cr_expect_eq(train_thread_count(&tr), 1);
    th_train_batch_calls = th_loss_grad_calls = 0;
    for (k = 0; k < 3; ++k)
        train_step(&tr, d.x + k * 640, d.y + k * 10, 10);
    cr_expect_eq(th_train_batch_calls, 3);
    cr_expect_eq(th_loss_grad_calls, 0, "the generated train_batch calls its own loss_grad");
    cr_assert_eq(train_threads(&tr, 3, t.spans, t.nspans, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_threads(&tr, 1, t.spans, t.nspans, err, sizeof err), 0, "%s", err);
    th_train_batch_calls = th_loss_grad_calls = 0;
    train_step(&tr, d.x, d.y, 10);
    cr_expect_eq(th_train_batch_calls, 1);

    /* three threads: loss_grad once per non-empty slice, never train_batch */
    cr_assert_eq(train_threads(&tr, 3, t.spans, t.nspans, err, sizeof err), 0, "%s", err);
    th_train_batch_calls = th_loss_grad_calls = 0;
    train_step(&tr, d.x, d.y, 10);
    cr_expect_eq(th_train_batch_calls, 0);
    cr_expect_eq(th_loss_grad_calls, 3);
    th_loss_grad_calls = 0;
    train_step(&tr, d.x, d.y, 2);              /* fewer samples than threads */
    cr_expect_eq(th_loss_grad_calls, 2);
    train_free(&tr);
    th_shim_end(&t, &d, p);
}

Test(threads, spans_that_do_not_tile_the_parameters_are_refused)
{
    char err[256];
    th_net t;
    ds_split d;
    train_ctx tr;
    train_span bad[32];
    float *p;

    th_build(&t, "tcc");
    th_data(&d, 20, 3);
    p = malloc(t.api.param_count * sizeof *p);
    cr_assert_eq(train_init(&tr, &t.api, p, &d, 10, 0.1f, 0.0f, 1, err, sizeof err), 0);
    memcpy(bad, t.spans, sizeof bad);
    cr_expect_eq(train_threads(&tr, 2, bad, t.nspans - 1, err, sizeof err), -1, "a span missing");
    cr_expect(strstr(err, "tile") != NULL, "%s", err);
    bad[2].count += 1;
    cr_expect_eq(train_threads(&tr, 2, bad, t.nspans, err, sizeof err), -1, "overlapping spans");
    cr_expect_eq(train_thread_count(&tr), 1);
    train_free(&tr);
    free(p);
    free(d.x);
    free(d.y);
    jit_release(&t.api);
    net_free(&t.net);
}

/* ================================================================ */
/* Whole epochs                                                     */
/* ================================================================ */

/* One epoch of d on api (threads, optional switch to `to` before batch
 * switch_at); the parameters into p, the epoch's cost returned. */
typedef struct th_switch {
    const net_api *to;
    int at, calls;
    int threads;                /* > 0: from the switch on, this many threads (as auto does) */
    const net *net;             /* ... with these layers' spans */
    train_ctx *tr;              /* set by th_epoch */
} th_switch;

static const net_api *th_next_api(void *ctx)
{
    th_switch *s = ctx;
    char err[256];
    if (++s->calls <= s->at)
        return NULL;
    if (s->threads > 0 && s->calls == s->at + 1) {
        cr_assert_eq(net_threads(s->net, s->tr, s->threads, err, sizeof err), 0, "%s", err);
        cr_assert_eq(train_thread_count(s->tr), s->threads);
    }
    return s->to;
}

static double th_epoch(const th_net *t, const net_api *api, const ds_split *d, int threads,
                       th_switch *sw, float *p)
{
    char err[256];
    train_ctx tr;
    train_epoch_result r;
    api->init.f(p, 9);
    cr_assert_eq(train_init(&tr, api, p, d, 10, 0.5f, 1.0f, 4, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_threads(&tr, threads, t->spans, t->nspans, err, sizeof err), 0, "%s", err);
    if (sw) {
        sw->tr = &tr;
        tr.next_api = th_next_api;
        tr.next_ctx = sw;
    }
    train_epoch(&tr, 0, 0, NULL, NULL, &r);
    if (sw && sw->to)
        cr_expect_eq(tr.api, sw->to, "the epoch ended on the new build");
    train_free(&tr);
    return r.cost;
}

Test(threads, an_epoch_on_two_threads_ends_where_the_one_thread_epoch_does)
{
    th_net t;
    ds_split d;
    float *p1, *p2;
    double c1, c2;
    th_build(&t, "tcc");
    th_data(&d, 500, 21);
    p1 = malloc(t.api.param_count * sizeof *p1);
    p2 = malloc(t.api.param_count * sizeof *p2);
    c1 = th_epoch(&t, &t.api, &d, 1, NULL, p1);
    c2 = th_epoch(&t, &t.api, &d, 2, NULL, p2);
    cr_expect(fabs(c1 - c2) <= 1e-4 * fmax(1.0, fabs(c1)), "cost %.9g vs %.9g", c2, c1);
    th_expect_close(p1, p2, t.api.param_count, 1e-4, "after 50 steps");
    free(p1);
    free(p2);
    free(d.x);
    free(d.y);
    jit_release(&t.api);
    net_free(&t.net);
}

Test(threads, switching_from_tcc_to_cc_mid_epoch_ends_where_a_cc_epoch_does, .timeout = 60)
{
    th_net tcc, cc;
    ds_split d;
    float *p1, *p2;
    double c1, c2;
    int threads;
    th_build(&tcc, "tcc");
    th_build(&cc, "cc");
    cr_assert_eq(tcc.api.param_count, cc.api.param_count);
    th_data(&d, 300, 5);
    p1 = malloc(cc.api.param_count * sizeof *p1);
    p2 = malloc(cc.api.param_count * sizeof *p2);
    for (threads = 1; threads <= 2; ++threads) {
        th_switch sw = { NULL, 7, 0, 0, NULL, NULL };
        sw.to = &cc.api;
        c1 = th_epoch(&cc, &cc.api, &d, threads, NULL, p1);
        c2 = th_epoch(&tcc, &tcc.api, &d, threads, &sw, p2);
        cr_expect(fabs(c1 - c2) <= 1e-4 * fmax(1.0, fabs(c1)), "%d threads: cost %.9g vs %.9g",
                  threads, c2, c1);
        th_expect_close(p1, p2, cc.api.param_count, 1e-4, "tcc then cc vs cc");
    }
    {   /* as auto trains with --threads 2 on 2 cores: tcc on one thread, then cc on two */
        th_switch sw = { NULL, 7, 0, 2, NULL, NULL };
        sw.to = &cc.api;
        sw.net = &cc.net;
        c1 = th_epoch(&cc, &cc.api, &d, 2, NULL, p1);
        c2 = th_epoch(&tcc, &tcc.api, &d, 1, &sw, p2);
        cr_expect(sw.calls > sw.at, "the switch never came");
        cr_expect(fabs(c1 - c2) <= 1e-4 * fmax(1.0, fabs(c1)), "1 thread then 2: cost %.9g vs %.9g", c2, c1);
        th_expect_close(p1, p2, cc.api.param_count, 1e-4, "tcc on 1 thread then cc on 2 vs cc on 2");
    }
    free(p1);
    free(p2);
    free(d.x);
    free(d.y);
    jit_release(&tcc.api);
    net_free(&tcc.net);
    jit_release(&cc.api);
    net_free(&cc.net);
}

/* auto's tcc phase leaves a core to the compiler when the run has as
 * many threads as the machine has cores, or more; fewer are kept. */
Test(threads, the_tcc_phase_of_auto_leaves_a_core_to_the_compiler)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int fewer = cores > 2 ? (int)cores - 1 : 1;
    cr_assert_gt(cores, 0);
    cr_expect_eq(tier_tcc_threads(1), 1);
    cr_expect_eq(tier_tcc_threads((int)cores), cores > 1 ? fewer : 1);
    cr_expect_eq(tier_tcc_threads((int)cores + 3), cores > 1 ? fewer : 1);
    if (cores > 2)
        cr_expect_eq(tier_tcc_threads((int)cores - 1), (int)cores - 1);
}
