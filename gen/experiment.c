/*
 * experiment.c -- `cnngen run EXP.lua` for a script that drives an
 * experiment instead of returning a network.
 *
 * The script runs in the same sandbox as a description, with one more
 * global, the `cnngen` module, and a print that writes to stdout:
 *
 *   local d = cnngen.data("fashion-mnist")        -- or a directory of IDX files
 *   local d = cnngen.data{ rows = 4, cols = 4, train = { images = { img, ... }, labels = { 0, ... } },
 *                          test = { images = ..., labels = ... } }   -- images as they are
 *   local m = cnngen.compile(net, { backend = "tcc" })   -- or "cc"
 *   local n = cnngen.network("conv2.lua")   -- a description file (beside the script)
 *   local m2 = cnngen.compile(n)            -- its train{} gives train()'s defaults
 *   m:train(d, { epochs = 1, eta = 0.1, batch = 10, l2 = 0.1, seed = 1, threads = 2,
 *                momentum = 0.9, expand = "shift1" })
 *                             -- nil, message when it diverged (diverge.h)
 *   local acc, cost = m:evaluate(d)
 *   m:save("w.bin"); m:load("w.bin")
 *   local class, p = m:predict(image)             -- image: a list of IN_SIZE numbers
 *   local train, valid = d:split(50000)           -- a validation split
 *   local acc, each = cnngen.vote({ m1, m2, m3 }, d)   -- an ensemble (ensemble.h)
 *   local h = m:history()     -- the epochs trained: { { epoch =, cost =, accuracy =, ... }, ... }
 *   m:report("r.html", { data = d, runs = { { label = "eta 0.1", epochs = h }, ... } })
 *   local rank, size = cnngen.world()             -- under mpirun (exp_world.c)
 *   local all = cnngen.gather(results)            -- on rank 0: every rank's results
 *
 * A data set has a training part and a test part; train() trains on the
 * former and reports accuracy on the latter after every epoch (each call
 * counts epochs from 1 and, with momentum, starts at rest); evaluate()
 * uses the test part.  d:split(n) makes two data sets from d's training
 * part: the first n samples (tested on the rest), and the rest (tested on
 * d's test part).  Training happens in C, so the sandbox's instruction
 * budget bounds the script, not the training.  Models and data sets are
 * userdata whose C memory is freed by their finalizers.
 */
#include "experiment.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lauxlib.h"
#include "checkpoint.h"
#include "dataset.h"
#include "diverge.h"
#include "ensemble.h"
#include "exp_world.h"
#include "host.h"
#include "net.h"
#include "report.h"
#include "train.h"

#define MODEL_MT "cnngen.model"
#define DATA_MT "cnngen.data"
#define DESC_MT "cnngen.description"

typedef struct exp_state {
    lua_State *T;               /* the trusted state (the generator) */
    const char *chunk;
    int used;                   /* the script called the module */
    /* what print wrote before the script used the module: an experiment's
     * report (stdout) or a description's chatter (stderr), not known yet */
    FILE *early;
    char *early_text;
    size_t early_len;
} exp_state;

typedef struct exp_model {
    net_api api;
    float *params;
    char name[64];
    train_cost cost;
    unsigned long long arch_hash;
    int in_c, in_h, in_w;
    double eta, l2, momentum;
    long batch, epochs;
    unsigned long long seed;
    const char *expand;         /* the description's train.expand (in net) */
    net net;                    /* the generator's records (model:report) */
    report_run history;         /* every epoch trained */
    net_desc desc;              /* the description, kept to build the code again ... */
    const char *path;           /* ... its name in messages ... */
    const char *backend;        /* ... for this backend ... */
    long built_batch;           /* ... when model:train takes a batch the chunk was not sized for */
} exp_model;

/* a description file run in a sandbox of its own (cnngen.network) */
typedef struct exp_desc {
    net_desc d;
    char path[4096];
} exp_desc;

typedef struct exp_data {
    dataset ds;                 /* train and test parts, owned */
} exp_data;

static exp_state *state_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* The script uses the module: it is an experiment, and what it printed so
 * far is the start of its report. */
static void exp_use(exp_state *st)
{
    if (st->used)
        return;
    st->used = 1;
    if (st->early && fflush(st->early) == 0)
        fwrite(st->early_text, 1, st->early_len, stdout);
}

/* Raise err as an error of the script (the sandbox adds file:line). */
static int fail(lua_State *L, const char *err)
{
    lua_pushstring(L, err);
    return lua_error(L);
}

/* ------------------------------------------------------------ data */

static int split_copy(ds_split *dst, const ds_split *src, int from, int n)
{
    size_t px = (size_t)src->rows * (size_t)src->cols;
    dst->n = n;
    dst->rows = src->rows;
    dst->cols = src->cols;
    dst->x = malloc((n ? (size_t)n : 1) * px * sizeof *dst->x);
    dst->y = malloc((n ? (size_t)n : 1) * sizeof *dst->y);
    if (!dst->x || !dst->y) {
        free(dst->x);
        free(dst->y);
        dst->x = NULL;
        dst->y = NULL;
        return -1;
    }
    memcpy(dst->x, src->x + (size_t)from * px, (size_t)n * px * sizeof *dst->x);
    memcpy(dst->y, src->y + from, (size_t)n * sizeof *dst->y);
    return 0;
}

static exp_data *data_new(lua_State *L)
{
    exp_data *d = lua_newuserdatauv(L, sizeof *d, 0);
    memset(d, 0, sizeof *d);
    luaL_setmetatable(L, DATA_MT);
    return d;
}

/* The most pixels cnngen.data takes from tables, per split (256 MiB). */
#define EXP_TABLE_VALUES (64 * 1024 * 1024)

/* A whole number in [lo, hi] at the top of the stack, or an error naming
 * what (and its index i, when i > 0). */
static int table_whole(lua_State *L, double lo, double hi, const char *what, int i)
{
    double v = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || !(v >= lo && v <= hi) || v != floor(v)) {
        if (i > 0)
            return luaL_error(L, "data: %s %d must be a whole number from %d to %d", what, i,
                              (int)lo, (int)hi);
        return luaL_error(L, "data: %s must be a whole number from %d to %d", what, (int)lo, (int)hi);
    }
    return (int)v;
}

/* v as a float: beyond float's range, an infinity (a plain cast would
 * be undefined), NaN as NaN. */
static float table_float(double v)
{
    if (v > FLT_MAX)
        return HUGE_VALF;
    if (v < -FLT_MAX)
        return -HUGE_VALF;
    return (float)v;
}

/* One split from the field k of the table at t: { images = { image, ... },
 * labels = { label, ... } }, each image a list of rows*cols numbers taken
 * as they are (not scaled: any float, NaN included). */
static void table_split(lua_State *L, int t, const char *k, int rows, int cols, ds_split *s)
{
    size_t px = (size_t)rows * (size_t)cols, u;
    lua_Integer n, i;
    lua_getfield(L, t, k);
    if (!lua_istable(L, -1))
        luaL_error(L, "data: '%s' must be a table { images = {...}, labels = {...} }", k);
    lua_getfield(L, -1, "images");
    lua_getfield(L, -2, "labels");
    if (!lua_istable(L, -2) || !lua_istable(L, -1) || luaL_len(L, -2) != luaL_len(L, -1))
        luaL_error(L, "data: %s.images and %s.labels must be lists of the same length", k, k);
    n = luaL_len(L, -1);
    if (n > EXP_TABLE_VALUES / (lua_Integer)px)     /* one image listed many times is cheap */
        luaL_error(L, "data: %s holds more than %d values (images x rows x cols)", k,
                   EXP_TABLE_VALUES);
    s->n = (int)n;
    s->rows = rows;
    s->cols = cols;
    s->x = malloc((n ? (size_t)n : 1) * px * sizeof *s->x);
    s->y = malloc((n ? (size_t)n : 1) * sizeof *s->y);
    if (!s->x || !s->y)
        luaL_error(L, "data: out of memory");
    for (i = 1; i <= n; ++i) {
        lua_rawgeti(L, -1, i);
        s->y[i - 1] = table_whole(L, 0, 255, "label", (int)i);
        lua_pop(L, 1);
        lua_rawgeti(L, -2, i);
        if (!lua_istable(L, -1) || luaL_len(L, -1) != (lua_Integer)px)
            luaL_error(L, "data: %s image %d must be a list of %d numbers", k, (int)i, (int)px);
        for (u = 0; u < px; ++u) {
            lua_rawgeti(L, -1, (lua_Integer)u + 1);
            if (lua_type(L, -1) != LUA_TNUMBER)
                luaL_error(L, "data: %s image %d: value %d is not a number", k, (int)i, (int)u + 1);
            s->x[(size_t)(i - 1) * px + u] = table_float(lua_tonumber(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 3);
}

/* cnngen.data(name_or_dir), or cnngen.data{ rows =, cols =, train = {
 * images =, labels = }, test = { ... } }: images made by the script */
static int exp_data_open(lua_State *L)
{
    exp_state *st = state_of(L);
    char err[1024];
    exp_data *d;
    int rows, cols, k;
    exp_use(st);
    if (!lua_istable(L, 1)) {
        const char *name = luaL_checkstring(L, 1);
        d = data_new(L);
        if (dataset_open(name, &d->ds, err, sizeof err) != 0) return fail(L, err);
        return 1;
    }
    lua_settop(L, 1);
    d = data_new(L);
    lua_getfield(L, 1, "rows");
    rows = table_whole(L, 1, 4096, "rows", 0);
    lua_getfield(L, 1, "cols");
    cols = table_whole(L, 1, 4096, "cols", 0);
    lua_pop(L, 2);
    table_split(L, 1, "train", rows, cols, &d->ds.train);
    table_split(L, 1, "test", rows, cols, &d->ds.test);
    for (k = 0; k < d->ds.train.n; ++k)
        if (d->ds.train.y[k] >= d->ds.n_classes) d->ds.n_classes = d->ds.train.y[k] + 1;
    for (k = 0; k < d->ds.test.n; ++k)
        if (d->ds.test.y[k] >= d->ds.n_classes) d->ds.n_classes = d->ds.test.y[k] + 1;
    snprintf(d->ds.name, sizeof d->ds.name, "data");
    return 1;
}

/* data:split(n) -> first n training samples (tested on the rest), rest */
static int data_split(lua_State *L)
{
    exp_data *d = luaL_checkudata(L, 1, DATA_MT), *a, *b;
    lua_Integer n = luaL_checkinteger(L, 2);
    const ds_split *tr = &d->ds.train;
    if (n < 1 || n >= tr->n)
        return luaL_error(L, "split: n must be between 1 and %d (the training samples), not %d",
                          tr->n - 1, (int)n);
    a = data_new(L);
    b = data_new(L);
    if (split_copy(&a->ds.train, tr, 0, (int)n) || split_copy(&a->ds.test, tr, (int)n, tr->n - (int)n) ||
        split_copy(&b->ds.train, tr, (int)n, tr->n - (int)n) || split_copy(&b->ds.test, &d->ds.test, 0, d->ds.test.n))
        return luaL_error(L, "split: out of memory");
    a->ds.n_classes = b->ds.n_classes = d->ds.n_classes;
    snprintf(a->ds.name, sizeof a->ds.name, "%s", d->ds.name);
    snprintf(b->ds.name, sizeof b->ds.name, "%s", d->ds.name);
    return 2;
}

/* data:size() -> training samples, test samples */
static int data_size(lua_State *L)
{
    exp_data *d = luaL_checkudata(L, 1, DATA_MT);
    lua_pushinteger(L, d->ds.train.n);
    lua_pushinteger(L, d->ds.test.n);
    return 2;
}

static int data_gc(lua_State *L)
{
    exp_data *d = luaL_checkudata(L, 1, DATA_MT);
    dataset_free(&d->ds);
    memset(d, 0, sizeof *d);
    return 0;
}

/* ----------------------------------------------------------- models */

static int num_field(lua_State *L, int t, const char *k, double *v)
{
    int ok;
    lua_getfield(L, t, k);
    ok = lua_type(L, -1) == LUA_TNUMBER;
    if (ok) *v = lua_tonumber(L, -1);
    else if (!lua_isnil(L, -1)) luaL_error(L, "field '%s' must be a number", k);
    lua_pop(L, 1);
    return ok;
}

static const char *str_field(lua_State *L, int t, const char *k, const char *def)
{
    const char *s = def;
    lua_getfield(L, t, k);
    if (lua_type(L, -1) == LUA_TSTRING) s = lua_tostring(L, -1);
    else if (!lua_isnil(L, -1)) luaL_error(L, "field '%s' must be a string", k);
    lua_pop(L, 1);
    return s;
}

/* cnngen.network(path) -> the description in the file at path (relative
 * to the script's directory unless absolute), run in a sandbox of its own
 * as `cnngen run` runs one; compile() takes it like a table, and messages
 * about it name its file and line. */
static int exp_network(lua_State *L)
{
    exp_state *st = state_of(L);
    const char *rel = luaL_checkstring(L, 1), *slash = strrchr(st->chunk, '/');
    char err[4096];
    exp_desc *e;
    int dir = rel[0] == '/' || !slash ? 0 : (int)(slash - st->chunk) + 1;
    exp_use(st);
    e = lua_newuserdatauv(L, sizeof *e, 0);
    memset(e, 0, sizeof *e);
    e->d.ref = LUA_NOREF;
    luaL_setmetatable(L, DESC_MT);
    if (snprintf(e->path, sizeof e->path, "%.*s%s", dir, st->chunk, rel) >= (int)sizeof e->path)
        return luaL_error(L, "network: the path is too long");
    if (net_describe(st->T, e->path, &e->d, err, sizeof err) != HOST_OK) return fail(L, err);
    return 1;
}

static int desc_gc(lua_State *L)
{
    exp_desc *e = luaL_checkudata(L, 1, DESC_MT);
    net_desc_free(&e->d);
    return 0;
}

/* The generator request of a model's code: float training code for its
 * backend, sized for mini-batches of `batch` (0: the description's). */
static void model_request(const exp_model *m, long batch, net_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->path = m->path;
    rq->desc = &m->desc;
    rq->forms[rq->nforms++] = m->backend;
    rq->real = "float";
    rq->batch = batch;
    rq->activations = 1;                /* model:report's feature maps ... */
    rq->with_info = 1;                  /* ... and layer table */
}

/* model:train at a batch the code was not built for: the code again, for
 * that batch (as `cnngen run --batch` builds it: a batch of exactly the
 * chunk takes the fused step; code that comes out the same is the cc
 * cache's); the parameters stay.  0, or -1 with err. */
static int model_rebuild(lua_State *T, exp_model *m, long batch, char *err, size_t errlen)
{
    net_request rq;
    net n;
    net_api api;
    if (batch == m->built_batch)
        return 0;
    model_request(m, batch, &rq);
    if (net_generate(T, &rq, &n, err, errlen) != HOST_OK)
        return -1;
    if (net_compile(&n, 0, NULL, &api, err, errlen) != 0) {
        net_free(&n);
        return -1;
    }
    jit_release(&m->api);
    net_free(&m->net);
    m->api = api;
    m->net = n;
    m->expand = m->net.train.expand;
    m->built_batch = batch;
    return 0;
}

/* cnngen.compile(net, { backend = "tcc" | "cc" }) -> model */
static int exp_compile(lua_State *L)
{
    exp_state *st = state_of(L);
    lua_State *T = st->T;
    const char *backend;
    char err[4096];
    int rc;
    exp_model *m;
    net_request rq;
    net n;
    exp_desc *e;
    exp_use(st);
    luaL_checkany(L, 1);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_newtable(L);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    backend = str_field(L, 2, "backend", "tcc");
    if (strcmp(backend, "tcc") && strcmp(backend, "cc"))
        return luaL_error(L, "compile: backend must be \"tcc\" or \"cc\", not \"%s\"", backend);
    m = lua_newuserdatauv(L, sizeof *m, 1);
    memset(m, 0, sizeof *m);
    m->desc.ref = LUA_NOREF;
    luaL_setmetatable(L, MODEL_MT);

    if ((e = luaL_testudata(L, 1, DESC_MT)) != NULL) {
        /* a description file: messages name it, its lines are its own */
        if (!e->d.T) return luaL_error(L, "compile: the description was released");
        lua_rawgeti(T, LUA_REGISTRYINDEX, e->d.ref);
        net_desc_keep(T, e->d.last_line, e->d.source_hash, &m->desc);
        m->path = lua_pushstring(L, e->path);
        lua_setiuservalue(L, -2, 1);    /* (the path lives as long as the model) */
    } else {
        /* the net, a table in this script: no file, no last line of its own */
        if (sandbox_copy(L, 1, T, err, sizeof err) != 0) return fail(L, err);
        net_desc_keep(T, 0, NULL, &m->desc);
        m->path = st->chunk;
    }
    m->backend = !strcmp(backend, "cc") ? "cc" : "tcc";
    model_request(m, 0, &rq);
    rc = net_generate(T, &rq, &n, err, sizeof err);
    /* a user error already reads "file:line: ..."; the description's line
     * is the network's, inside this script */
    if (rc != HOST_OK) return fail(L, err);
    snprintf(m->name, sizeof m->name, "%s", n.name);
    train_cost_parse(n.cost, &m->cost);
    m->arch_hash = n.arch_hash;
    m->in_c = n.in_c;
    m->in_h = n.in_h;
    m->in_w = n.in_w;
    m->eta = n.train.eta;
    m->l2 = n.train.l2;
    m->batch = n.train.batch;
    m->built_batch = n.train.batch;
    m->epochs = n.train.epochs;
    m->seed = n.train.seed;
    m->momentum = n.train.momentum;
    m->net = n;                         /* the model's now: freed by model_gc */
    m->expand = m->net.train.expand;
    snprintf(m->history.label, sizeof m->history.label, "%s", n.name);
    if (net_compile(&m->net, 0, NULL, &m->api, err, sizeof err) != 0) return fail(L, err);
    m->params = malloc(m->api.param_count * sizeof *m->params);
    if (!m->params) return luaL_error(L, "compile: out of memory");
    m->api.init.f(m->params, m->seed);
    return 1;
}

static int check_fit(lua_State *L, exp_model *m, exp_data *d)
{
    char err[1024];
    if (dataset_check(&d->ds, m->in_c, m->in_h, m->in_w, (int)m->api.out_size, err, sizeof err) != 0)
        return fail(L, err);
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* model:evaluate(data) -> accuracy (0..1), mean cost, on data's test part */
static int model_evaluate(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    exp_data *d = luaL_checkudata(L, 2, DATA_MT);
    train_eval_result r;
    char err[512];
    check_fit(L, m, d);
    if (train_eval(&m->api, m->params, &d->ds.test, m->cost, NULL, NULL, &r, err, sizeof err) != 0)
        return fail(L, err);
    lua_pushnumber(L, r.accuracy);
    lua_pushnumber(L, r.cost);
    train_eval_free(&r);
    return 2;
}

/* v is a whole number in [lo, hi) (NaN is not) */
static int whole_in(double v, double lo, double hi)
{
    return v >= lo && v < hi && v == floor(v);
}

/* The momentum and expansion of one model:train call (train.h): the
 * velocity at rest.  0, or -1 with a message (t is freed). */
static int model_train_extras(exp_model *m, train_ctx *t, double momentum, expand_kind expand,
                              float **velocity, char *err, size_t errlen)
{
    *velocity = NULL;
    if (momentum > 0) {
        if (!(*velocity = net_params_new(&m->api))) {
            train_free(t);
            snprintf(err, errlen, "train: out of memory");
            return -1;
        }
        memset(*velocity, 0, m->api.param_count * sizeof **velocity);
    }
    if ((*velocity && net_momentum(&m->net, t, momentum, *velocity, err, errlen) != 0)
        || (expand && train_expand(t, expand, err, errlen) != 0)) {
        train_free(t);
        net_params_free(*velocity);
        return -1;
    }
    return 0;
}

/* model:train's epoch e went non-finite (r): nil and the one line saying
 * where (diverge.h); the model keeps the weights of the epoch before. */
static int model_diverged(lua_State *L, exp_model *m, diverge_watch *w, train_ctx *t, int e,
                          const train_epoch_result *r, float *velocity)
{
    char err[512];
    diverge_where where;
    int rc = net_diverged(&m->net, w, t, e, r, &where, err, sizeof err);
    if (rc == 0)
        diverge_message(&where, t->eta, err, sizeof err);
    train_free(t);
    diverge_watch_free(w);
    net_params_free(velocity);
    if (rc != 0)
        return fail(L, err);
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
}

/* The epochs of model:train on t (set up, watched by dw): each trained,
 * evaluated on d's test part, kept in m's history and printed.  0 (*acc:
 * the last test accuracy), 1 when epoch *e went non-finite (*r), or -1
 * with the message in err. */
static int model_epochs(exp_model *m, exp_data *d, train_ctx *t, diverge_watch *dw, float *velocity,
                        int epochs, double eta, int *e, train_epoch_result *r, double *acc, char *err,
                        size_t errlen)
{
    for (*e = 0; *e < epochs; ++*e) {
        train_eval_result ev;
        report_epoch re;
        char warning[512];
        double t0 = now(), secs;
        if (diverge_watch_begin(dw, m->params, velocity, 0) != 0) {
            snprintf(err, errlen, "train: out of memory");
            return -1;
        }
        train_epoch(t, *e, 0, NULL, NULL, r);
        secs = now() - t0;
        if (diverge_watch_failed(dw, t, r))
            return 1;
        if (train_eval(&m->api, m->params, &d->ds.test, m->cost, NULL, NULL, &ev, err, errlen) != 0)
            return -1;
        *acc = ev.accuracy;
        re.epoch = m->history.n + 1;
        re.cost = r->cost;
        re.accuracy = ev.accuracy;
        re.seconds = secs;
        re.samples_per_s = secs > 0 ? r->samples / secs : 0.0;
        if (report_run_push(&m->history, &re) != 0) {
            train_eval_free(&ev);
            snprintf(err, errlen, "train: out of memory");
            return -1;
        }
        printf("%s: epoch %d/%d  cost %.4f  test accuracy %.2f%%  %.1f s  %.0f samples/s\n", m->name,
               *e + 1, epochs, r->cost, 100 * ev.accuracy, secs, re.samples_per_s);
        fflush(stdout);
        train_eval_free(&ev);
        if (diverge_watch_growth(dw, r->cost, eta, warning, sizeof warning))
            fprintf(stderr, "%s: %s\n", m->name, warning);
    }
    return 0;
}

/* model:train(data, { epochs, eta, batch, l2, seed, momentum, expand,
 * threads }) -> last test accuracy, or nil and a message when training
 * diverged; threads (default 1) as `cnngen run --threads` */
static int model_train(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    exp_data *d = luaL_checkudata(L, 2, DATA_MT);
    double eta = m->eta, l2 = m->l2, batch = (double)m->batch, epochs = (double)m->epochs,
           seed = (double)m->seed, momentum = m->momentum,
           threads = 1;
    const char *expand_text = m->expand;
    expand_kind expand;
    train_ctx t;
    float *velocity;
    diverge_watch dw;
    train_epoch_result r;
    char err[1024];
    int e = 0, rc;
    double acc = 0;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        num_field(L, 3, "eta", &eta);
        num_field(L, 3, "l2", &l2);
        num_field(L, 3, "batch", &batch);
        num_field(L, 3, "epochs", &epochs);
        num_field(L, 3, "seed", &seed);
        num_field(L, 3, "threads", &threads);
        num_field(L, 3, "momentum", &momentum);
        expand_text = str_field(L, 3, "expand", expand_text);
    }
    if (!(eta > 0 && eta < HUGE_VAL) || !(l2 >= 0 && l2 < HUGE_VAL) || !whole_in(batch, 1, INT_MAX + 1.0) ||
        !whole_in(epochs, 1, INT_MAX + 1.0) || !whole_in(seed, 0, 18446744073709551616.0)
        || !whole_in(threads, 1, TRAIN_MAX_THREADS + 1.0))
        return luaL_error(L, "train: eta must be > 0 and l2 >= 0 (finite), batch and epochs whole numbers"
                          " from 1 to %d, seed a whole number from 0 to 2^64 - 1, threads from 1 to %d",
                          INT_MAX, TRAIN_MAX_THREADS);
    if (!(momentum >= 0 && momentum < 1))
        return luaL_error(L, "train: momentum must be in [0, 1), not %f", momentum);
    if (expand_parse(expand_text, &expand) != 0)
        return luaL_error(L, "train: expand must be one of " EXPAND_NAMES ", not \"%s\"", expand_text);
    check_fit(L, m, d);
    if (model_rebuild(m->desc.T, m, (long)batch, err, sizeof err) != 0)
        return fail(L, err);
    if (train_init(&t, &m->api, m->params, &d->ds.train, (int)batch, (float)eta, (float)l2,
                   (unsigned long long)seed, err, sizeof err) != 0)
        return fail(L, err);
    if (threads > 1 && net_threads(&m->net, &t, (int)threads, err, sizeof err) != 0) {
        train_free(&t);
        return fail(L, err);
    }
    if (model_train_extras(m, &t, momentum, expand, &velocity, err, sizeof err) != 0)
        return fail(L, err);
    if (diverge_watch_init(&dw, &m->api, err, sizeof err) != 0) {
        train_free(&t);
        net_params_free(velocity);
        return fail(L, err);
    }
    rc = model_epochs(m, d, &t, &dw, velocity, (int)epochs, eta, &e, &r, &acc, err, sizeof err);
    if (rc == 1)
        return model_diverged(L, m, &dw, &t, e, &r, velocity);
    diverge_watch_free(&dw);
    train_free(&t);
    net_params_free(velocity);
    if (rc != 0)
        return fail(L, err);
    lua_pushnumber(L, acc);
    return 1;
}

/* cnngen.vote({ m1, m2, ... }, data) -> the vote's test accuracy, { each
 * member's }: models of one architecture voting (ensemble.h: a majority
 * of their arg-max, ties broken by the summed outputs) on data's test part */
static int exp_vote(lua_State *L)
{
    exp_model *first = NULL;
    exp_data *d;
    const float **params;
    ensemble_result r;
    char err[512];
    lua_Integer n, i;
    luaL_checktype(L, 1, LUA_TTABLE);
    d = luaL_checkudata(L, 2, DATA_MT);
    n = luaL_len(L, 1);
    if (n < 1 || n > 64)
        return luaL_error(L, "vote: give a list of 1 to 64 models, not %d", (int)n);
    params = lua_newuserdatauv(L, (size_t)n * sizeof *params, 0);
    for (i = 1; i <= n; ++i) {
        exp_model *m;
        lua_rawgeti(L, 1, i);
        m = luaL_testudata(L, -1, MODEL_MT);
        if (!m)
            return luaL_error(L, "vote: member %d is not a model (cnngen.compile)", (int)i);
        if (!first)
            first = m;
        else if (m->arch_hash != first->arch_hash || m->api.param_count != first->api.param_count)
            return luaL_error(L, "vote: member %d (%s) is another net than member 1 (%s): the "
                              "members of an ensemble share one architecture", (int)i, m->name,
                              first->name);
        params[i - 1] = m->params;
        lua_pop(L, 1);
    }
    check_fit(L, first, d);
    if (ensemble_eval(&first->api, params, (int)n, &d->ds.test, first->cost, &r, err, sizeof err) != 0)
        return fail(L, err);
    lua_pushnumber(L, r.vote.accuracy);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; ++i) {
        lua_pushnumber(L, r.member[i].accuracy);
        lua_rawseti(L, -2, i + 1);
    }
    ensemble_free(&r);
    return 2;
}

/* model:save(path), model:load(path) */
static int model_save(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    const char *path = luaL_checkstring(L, 2);
    char err[1024];
    if (ckpt_save(path, m->params, m->api.param_count, 4, m->arch_hash, err, sizeof err) != 0)
        return fail(L, err);
    return 0;
}

static int model_load(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    const char *path = luaL_checkstring(L, 2);
    char err[1024];
    if (ckpt_load(path, m->params, m->api.param_count, 4, m->arch_hash, err, sizeof err) != 0)
        return fail(L, err);
    return 0;
}

/* model:predict(image) -> class (0-based), its output value */
static int model_predict(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    size_t n = m->api.in_size, k;
    float *x, *y;
    void *work;
    int best = 0;
    double p;
    luaL_checktype(L, 2, LUA_TTABLE);
    if (luaL_len(L, 2) != (lua_Integer)n)
        return luaL_error(L, "predict: the image must be a list of %d numbers, not %d",
                          (int)n, (int)luaL_len(L, 2));
    x = malloc(n * sizeof *x);
    y = malloc(m->api.out_size * sizeof *y);
    work = net_work_new(&m->api);
    if (!x || !y || !work) {
        free(x); free(y); free(work);
        return luaL_error(L, "predict: out of memory");
    }
    for (k = 0; k < n; ++k) {
        lua_rawgeti(L, 2, (lua_Integer)k + 1);
        x[k] = (float)lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    m->api.forward.f(m->params, work, x, y);
    for (k = 1; k < m->api.out_size; ++k)
        if (y[k] > y[best]) best = (int)k;
    p = y[best];
    free(x); free(y); free(work);
    lua_pushinteger(L, best);
    lua_pushnumber(L, p);
    return 2;
}

/* model:history() -> { { epoch =, cost =, accuracy =, seconds =, samples_per_s = }, ... } */
static int model_history(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    int k;
    lua_createtable(L, m->history.n, 0);
    for (k = 0; k < m->history.n; ++k) {
        const report_epoch *e = &m->history.e[k];
        lua_createtable(L, 0, 5);
        lua_pushinteger(L, e->epoch);
        lua_setfield(L, -2, "epoch");
        lua_pushnumber(L, e->cost);
        lua_setfield(L, -2, "cost");
        lua_pushnumber(L, e->accuracy);
        lua_setfield(L, -2, "accuracy");
        lua_pushnumber(L, e->seconds);
        lua_setfield(L, -2, "seconds");
        lua_pushnumber(L, e->samples_per_s);
        lua_setfield(L, -2, "samples_per_s");
        lua_rawseti(L, -2, k + 1);
    }
    return 1;
}

/* model:report(path, { data = d, runs = {...}, names = {...} }) (report.h: report_script) */
static int model_report(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    const char *path = luaL_checkstring(L, 2);
    exp_data *d;
    report_in in;
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "data");
    d = luaL_testudata(L, -1, DATA_MT);
    if (!d) return luaL_error(L, "report: opts.data must be a data set (cnngen.data)");
    check_fit(L, m, d);
    memset(&in, 0, sizeof in);
    in.net = &m->net;
    in.api = &m->api;
    in.params = m->params;
    in.test = &d->ds.test;
    in.data = d->ds.name;
    report_script(L, 3, &in, &m->history, m->cost, path);
    return 0;
}

static int model_gc(lua_State *L)
{
    exp_model *m = luaL_checkudata(L, 1, MODEL_MT);
    net_free(&m->net);
    net_desc_free(&m->desc);
    report_run_free(&m->history);
    free(m->params);
    jit_release(&m->api);
    memset(m, 0, sizeof *m);
    return 0;
}

/* print(...) to stdout: an experiment's output is its report; until the
 * script uses the module, into st->early (experiment_try sends it on) */
static int exp_print(lua_State *L)
{
    exp_state *st = state_of(L);
    return sandbox_print_to(L, st->used ? stdout : st->early ? st->early : stderr);
}

/* cnngen.world(), cnngen.gather() (exp_world.c): sweeps under mpirun */
static int exp_world_use(lua_State *L)
{
    exp_use(state_of(L));
    return exp_world(L);
}

static int exp_gather_use(lua_State *L)
{
    exp_use(state_of(L));
    return exp_gather(L);
}

static void exp_open(lua_State *L, void *ud)
{
    static const luaL_Reg model_methods[] = {
        { "train", model_train }, { "evaluate", model_evaluate }, { "save", model_save },
        { "load", model_load }, { "predict", model_predict }, { "history", model_history },
        { "report", model_report }, { NULL, NULL } };
    static const luaL_Reg data_methods[] = { { "split", data_split }, { "size", data_size }, { NULL, NULL } };
    luaL_newmetatable(L, MODEL_MT);
    luaL_newlib(L, model_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, model_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "cnngen.model");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    luaL_newmetatable(L, DATA_MT);
    luaL_newlib(L, data_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, data_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "cnngen.data");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    luaL_newmetatable(L, DESC_MT);
    lua_pushcfunction(L, desc_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "cnngen.description");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    lua_newtable(L);
    lua_pushlightuserdata(L, ud);
    lua_pushcclosure(L, exp_compile, 1);
    lua_setfield(L, -2, "compile");
    lua_pushlightuserdata(L, ud);
    lua_pushcclosure(L, exp_data_open, 1);
    lua_setfield(L, -2, "data");
    lua_pushlightuserdata(L, ud);
    lua_pushcclosure(L, exp_network, 1);
    lua_setfield(L, -2, "network");
    lua_pushcfunction(L, exp_vote);
    lua_setfield(L, -2, "vote");
    lua_pushlightuserdata(L, ud);
    lua_pushcclosure(L, exp_world_use, 1);
    lua_setfield(L, -2, "world");
    lua_pushlightuserdata(L, ud);
    lua_pushcclosure(L, exp_gather_use, 1);
    lua_setfield(L, -2, "gather");
    lua_setglobal(L, "cnngen");
    lua_pushlightuserdata(L, ud);
    lua_pushcclosure(L, exp_print, 1);
    lua_setglobal(L, "print");
}

int experiment_try(lua_State *T, const char *path, int *status, net_desc *desc)
{
    exp_state st;
    sandbox_limits lim;
    char err[4096], hash[HOST_HASH_HEX];
    int last_line, rc, top = lua_gettop(T);
    memset(desc, 0, sizeof *desc);
    desc->ref = LUA_NOREF;
    memset(&st, 0, sizeof st);
    st.T = T;
    st.chunk = path;
    st.early = open_memstream(&st.early_text, &st.early_len);
    memset(&lim, 0, sizeof lim);
    lim.open_extra = exp_open;
    lim.extra_ud = &st;
    rc = host_describe_file(T, path, &lim, &last_line, hash, err, sizeof err);
    if (st.early)
        fclose(st.early);
    if (!st.used && rc == HOST_OK) {
        /* a plain description: what it printed goes where a description's
         * print goes (stderr), and its result is kept for the caller */
        fwrite(st.early_text, 1, st.early_len, stderr);
        net_desc_keep(T, last_line, hash, desc);
    }
    free(st.early_text);
    if (!st.used)
        return 0;                       /* an error: the normal path runs it again and reports it */
    lua_settop(T, top);
    if (rc != HOST_OK)
        host_report(rc, err);
    *status = rc;
    return 1;
}
