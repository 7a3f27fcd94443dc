/*
 * cmd_run.c -- `cnngen run NET.lua [flags]`: generate the net's C, build it
 * in-process (libtcc, or cc into a cached shared object), and train it on
 * a data set with progress, saving the weights after every epoch; and the
 * helpers run, eval, check and bench share (cli_net_build, cli_net_generate,
 * cli_reject_flags).
 *
 * Precedence of settings: a flag, else the description's train{} (whose
 * missing fields the generator fills with its defaults), else -- for the
 * seed of a resumed run -- the seed the run was started with.
 *
 * Resuming (--load W): the weights come from W, and the training position
 * (epochs complete, samples into the next epoch) and the seed from W's
 * sidecar W.state when it describes exactly these weights (train.h).
 * --epochs is the total number of epochs of the run, not a number to add:
 * a run stopped at any point and restarted with the same command plus
 * `--load W` (W being its --save file) trains the remaining epochs and ends
 * with the same weights, bit for bit, as if it had never stopped, because
 * each epoch's order depends only on (seed, epoch).
 *
 * Backends (--backend): tcc, cc, or auto, the default: the tiered backend
 * (run_build_auto).  Training starts at once on the tcc build while the
 * cc build compiles in a background thread (tier.h); between two
 * mini-batches after it is ready, training moves to it (train.h:
 * next_api).  The parameters live in the runner's array, so the switch
 * loses nothing; the progress bar and the epoch line name the backend
 * ("tcc", "tcc→cc" for the epoch of the switch, then "cc").  The moment of
 * the switch depends on timing, so the bit-for-bit resume above holds for
 * a fixed backend; with auto, results agree to float rounding.
 *
 * Threads (--threads N): each mini-batch is split across N threads
 * (train.h: train_threads); the gradients are reduced once per batch.
 *
 * TEST-ONLY: with CNNGEN_AUTO_SWITCH_AT=N in the environment, auto
 * switches exactly before mini-batch N + 1 of the run, waiting for the cc
 * build if need be, so tests/test_run.c can compare a switched run with a
 * cc run at a known point.  It has no other use.
 *
 * Statuses: 2 bad flags or description, 1 data or weights problems (and
 * build failures), 130 after Ctrl-C (the weights saved first, if --save).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lauxlib.h"
#include "checkpoint.h"
#include "cli.h"
#include "experiment.h"
#include "dataset.h"
#include "host.h"
#include "progress.h"
#include "report.h"
#include "tier.h"
#include "train.h"

#define RUN_INTERRUPTED 130     /* 128 + SIGINT, what a shell reports */

/* ================================================================ */
/* Shared: describe, generate, build                                */
/* ================================================================ */

/* Field k of the table at idx as a string copied into out ("" if none). */
static void run_str(lua_State *T, int idx, const char *k, char *out, size_t len)
{
    const char *s;
    lua_getfield(T, idx, k);
    s = lua_tostring(T, -1);
    snprintf(out, len, "%s", s ? s : "");
    lua_pop(T, 1);
}

static double run_num(lua_State *T, int idx, const char *k, double dflt)
{
    double v = dflt;
    lua_getfield(T, idx, k);
    if (lua_isnumber(T, -1))
        v = lua_tonumber(T, -1);
    lua_pop(T, 1);
    return v;
}

static long long run_int(lua_State *T, int idx, const char *k, long long dflt)
{
    long long v = dflt;
    lua_getfield(T, idx, k);
    if (lua_isinteger(T, -1))
        v = (long long)lua_tointeger(T, -1);
    else if (lua_isnumber(T, -1))
        v = (long long)lua_tonumber(T, -1);
    lua_pop(T, 1);
    return v;
}

/* The layer records of the resolved net at idx (kind, index, parameter
 * offsets) into n->layers. */
static int run_read_layers(lua_State *T, int idx, cli_net *n)
{
    int k, count;
    lua_getfield(T, idx, "layers");
    count = lua_istable(T, -1) ? (int)lua_rawlen(T, -1) : 0;
    n->layers = calloc(count ? (size_t)count : 1, sizeof *n->layers);
    if (!n->layers) {
        lua_pop(T, 1);
        return -1;
    }
    for (k = 0; k < count; ++k) {
        cli_layer *L = &n->layers[k];
        lua_rawgeti(T, -1, k + 1);
        run_str(T, -1, "kind", L->kind, sizeof L->kind);
        L->index = (int)run_int(T, -1, "index", k + 1);
        L->woff = (size_t)run_int(T, -1, "woff", 0);
        L->wcount = (size_t)run_int(T, -1, "wcount", 0);
        L->boff = (size_t)run_int(T, -1, "boff", 0);
        L->bcount = (size_t)run_int(T, -1, "bcount", 0);
        lua_pop(T, 1);
    }
    n->nlayers = count;
    lua_pop(T, 1);
    return 0;
}

/* See cli.h. */
int cli_net_build(lua_State *T, const cli_opts *o, int is_double, const char *default_backend,
                  cli_net *n)
{
    char *unit;
    const char *backend = o->backend ? o->backend : default_backend;
    int rc;

    /* "auto" outside `run` (whose tiered backend is run_build_auto) means
     * the system compiler, the faster of the two once built. */
    if (!strcmp(backend, "auto"))
        backend = "cc";
    if ((rc = cli_net_generate(T, o, is_double, backend, n, &unit)) != HOST_OK)
        return rc;
    return cli_net_compile(is_double, n, unit);
}

/* See cli.h. */
int cli_net_compile(int is_double, cli_net *n, char *unit)
{
    char err[4096];
    const char *backend = n->backend;
    int rc;
    if (!strcmp(backend, "tcc")) {
        rc = jit_tcc_build(unit, n->name, is_double, n->name, &n->api, err, sizeof err);
    } else {
        jit_cc_opts cc;
        memset(&cc, 0, sizeof cc);      /* $CC, $CFLAGS, the cache: jit.h's defaults */
        rc = jit_cc_build(unit, n->name, is_double, n->name, &cc, &n->api, err, sizeof err);
    }
    free(unit);
    if (rc != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        cli_net_free(n);
        return HOST_FAIL;
    }
    return HOST_OK;
}

/* See cli.h. */
int cli_net_generate(lua_State *T, const cli_opts *o, int is_double, const char *backend,
                     cli_net *n, char **unit_out)
{
    char err[4096], arch[32];
    const char *unit;
    int rc, top = lua_gettop(T), res;

    memset(n, 0, sizeof *n);
    *unit_out = NULL;
    snprintf(n->backend, sizeof n->backend, "%s", backend);

    /* The resolved net: cost and the layers' parameter ranges. */
    cli_push_gen_opts(T, o);
    rc = host_describe_call(T, o->net, "resolve", -1, 1, err, sizeof err);
    if (rc != HOST_OK) {
        cli_error(rc, err);
        lua_settop(T, top);
        return rc;
    }
    res = lua_gettop(T);
    run_str(T, res, "cost", n->cost, sizeof n->cost);
    n->macs_fwd = run_num(T, res, "macs_fwd", 0.0);
    n->macs_bwd = run_num(T, res, "macs_bwd", 0.0);
    if (run_read_layers(T, res, n) < 0) {
        fprintf(stderr, "cnngen: out of memory\n");
        lua_settop(T, top);
        return HOST_INTERNAL;
    }
    lua_settop(T, top);

    /* The code, in the precision asked for. */
    cli_push_gen_opts(T, o);
    lua_pushstring(T, is_double ? "double" : "float");
    lua_setfield(T, -2, "real");
    lua_pushstring(T, backend);                 /* picks the default --unroll */
    lua_setfield(T, -2, "backend");
    rc = host_describe_call(T, o->net, "generate", -1, 1, err, sizeof err);
    if (rc != HOST_OK) {
        cli_error(rc, err);
        cli_net_free(n);
        lua_settop(T, top);
        return rc;
    }
    res = lua_gettop(T);
    run_str(T, res, "name", n->name, sizeof n->name);
    run_str(T, res, "arch_hash", arch, sizeof arch);
    n->arch_hash = strtoull(arch, NULL, 16);
    /* the sizes, known before any build (a build sets them again) */
    n->api.param_count = (size_t)run_int(T, res, "param_count", 0);
    n->api.in_size = (size_t)run_int(T, res, "in_size", 0);
    n->api.out_size = (size_t)run_int(T, res, "out_size", 0);
    lua_getfield(T, res, "input");
    if (lua_istable(T, -1)) {
        lua_rawgeti(T, -1, 1);
        lua_rawgeti(T, -2, 2);
        lua_rawgeti(T, -3, 3);
        n->in_c = (int)lua_tointeger(T, -3);
        n->in_h = (int)lua_tointeger(T, -2);
        n->in_w = (int)lua_tointeger(T, -1);
        lua_pop(T, 3);
    }
    lua_pop(T, 1);
    lua_getfield(T, res, "train");
    if (lua_istable(T, -1)) {
        int tr = lua_gettop(T);
        n->eta = run_num(T, tr, "eta", 0.1);
        n->l2 = run_num(T, tr, "l2", 0.0);
        n->batch = (long)run_int(T, tr, "batch", 10);
        n->epochs = (long)run_int(T, tr, "epochs", 1);
        n->limit = (long)run_int(T, tr, "limit", 0);
        n->seed = (unsigned long long)run_int(T, tr, "seed", 1);
        run_str(T, tr, "data", n->data, sizeof n->data);
    }
    lua_pop(T, 1);
    lua_getfield(T, res, "unit");
    unit = lua_tostring(T, -1);
    *unit_out = unit ? malloc(strlen(unit) + 1) : NULL;
    if (!*unit_out) {
        fprintf(stderr, "cnngen: %s\n", unit ? "out of memory"
                : "internal error: the generator returned no unit");
        cli_net_free(n);
        lua_settop(T, top);
        return HOST_INTERNAL;
    }
    strcpy(*unit_out, unit);
    lua_settop(T, top);
    return HOST_OK;
}

void cli_net_free(cli_net *n)
{
    jit_release(&n->api);
    free(n->layers);
    memset(n, 0, sizeof *n);
}

/* See cli.h. */
int cli_load_weights_data(const cli_opts *o, const cli_net *n, float *params, dataset *ds, const char **data)
{
    char err[4096];
    *data = o->data ? o->data : (n->data[0] ? n->data : "fashion-mnist");
    if (ckpt_load(o->weights, params, n->api.param_count, 4, n->arch_hash, err, sizeof err) != 0
        || dataset_open(*data, ds, err, sizeof err) != 0
        || dataset_check(ds, n->in_c, n->in_h, n->in_w, (int)n->api.out_size, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        dataset_free(ds);
        return -1;
    }
    return 0;
}

/* See cli.h. */
int cli_reject_flags(const cli_opts *o, const char *cmd, const char *const *flags)
{
    for (; *flags; ++flags) {
        const char *f = *flags;
        int set =
            !strcmp(f, "-o") ? o->output != NULL :
            !strcmp(f, "--weights") ? o->weights != NULL :
            !strcmp(f, "--save") ? o->save != NULL :
            !strcmp(f, "--load") ? o->load != NULL :
            !strcmp(f, "--data") ? o->data != NULL :
            !strcmp(f, "--json") ? o->json :
            !strcmp(f, "--inference") ? o->inference :
            !strcmp(f, "--tolerance") ? o->has_tolerance :
            !strcmp(f, "--epochs") ? o->has_epochs :
            !strcmp(f, "--eta") ? o->has_eta :
            !strcmp(f, "--batch") ? o->has_batch :
            !strcmp(f, "--l2") ? o->has_l2 :
            !strcmp(f, "--seed") ? o->has_seed :
            !strcmp(f, "--limit") ? o->has_limit : 0;
        if (set) {
            fprintf(stderr, "cnngen: %s does not take %s (see cnngen --help)\n", cmd, f);
            return HOST_USER;
        }
    }
    return 0;
}

/* ================================================================ */
/* run                                                              */
/* ================================================================ */

/* Everything a run holds, freed in one place. */
typedef struct run_job {
    cli_net net;
    dataset ds;
    float *params;
    train_ctx tr;
    train_state st;             /* the --save sidecar's contents */
    progress pg;
    const char *data;
    long epochs, batch, limit;
    double eta, l2;
    unsigned long long seed;
    int start_epoch, start_sample;
    long threads;
    /* --backend auto */
    tier tier;                  /* the cc build in the background */
    int tiering;                /* 1: training on tcc, the cc build not taken yet */
    long switch_at;             /* CNNGEN_AUTO_SWITCH_AT (tests): switch before this batch */
    long batches;               /* mini-batches started in this run */
    report_live report;         /* --report */
} run_job;

/* Fail early when the directory of path cannot take a new file. */
static int run_check_writable(const char *path)
{
    char dir[4096];
    char *slash;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "cnngen: --save %s: is a directory (give a file name)\n", path);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "cnngen: --save %s: cannot write in %s: %s\n", path, dir,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* Save the weights and the position (epoch epochs complete, sample samples
 * into the next): the sidecar first, then the weights (train.h says why). */
static int run_save(run_job *j, const char *path, int epoch, int sample)
{
    char err[4096];
    train_pos p;
    p.weights = train_params_hash(j->params, j->net.api.param_count);
    p.epoch = epoch;
    p.sample = sample;
    train_state_push(&j->st, &p);
    if (train_state_save(path, &j->st, err, sizeof err) != 0
        || ckpt_save(path, j->params, j->net.api.param_count, 4, j->net.arch_hash,
                     err, sizeof err) != 0) {
        progress_clear(&j->pg);
        fprintf(stderr, "cnngen: %s\n", err);
        return -1;
    }
    return 0;
}

/* The settings: flags over the description's train{}. */
static void run_settings(run_job *j, const cli_opts *o)
{
    j->epochs = o->has_epochs ? o->epochs : j->net.epochs;
    j->batch = o->has_batch ? o->batch : j->net.batch;
    j->eta = o->has_eta ? o->eta : j->net.eta;
    j->l2 = o->has_l2 ? o->l2 : j->net.l2;
    j->seed = o->has_seed ? o->seed : j->net.seed;
    j->limit = o->has_limit ? o->limit : j->net.limit;
    j->threads = o->threads > 0 ? o->threads : 1;
    j->data = o->data ? o->data : (j->net.data[0] ? j->net.data : "fashion-mnist");
}

/* --load: the weights, then the position and seed from the sidecar. */
static int run_load(run_job *j, const cli_opts *o)
{
    char err[4096];
    train_state ls;
    const train_pos *p;
    int got;
    if (ckpt_load(o->load, j->params, j->net.api.param_count, 4, j->net.arch_hash,
                  err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return -1;
    }
    got = train_state_load(o->load, &ls, err, sizeof err);
    if (got < 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return -1;
    }
    p = got ? train_state_find(&ls, train_params_hash(j->params, j->net.api.param_count))
            : NULL;
    if (got && (!p || ls.arch_hash != j->net.arch_hash)) {
        fprintf(stderr, "cnngen: note: %s%s does not describe these weights; "
                "counting epochs from 1\n", o->load, TRAIN_STATE_SUFFIX);
        p = NULL;
    }
    if (p) {
        j->start_epoch = p->epoch;
        j->start_sample = p->sample;
        if (!o->has_seed)
            j->seed = ls.seed;
    }
    return 0;
}

/* The end of the tcc phase: all the threads again (tier_tcc_threads). */
static void run_threads_after_tcc(run_job *j)
{
    char err[512];
    if (cli_net_threads(&j->net, &j->tr, (int)j->threads, err, sizeof err) != 0) {
        progress_clear(&j->pg);
        fprintf(stderr, "cnngen: note: %s; training goes on with %d thread%s\n", err,
                train_thread_count(&j->tr), train_thread_count(&j->tr) == 1 ? "" : "s");
    }
}

/* --backend auto: the cc build from the cache if it is there; otherwise
 * start compiling it in the background and build the tcc one now.  The
 * description is generated for each (each backend's default --unroll). */
static int run_build_auto(lua_State *T, const cli_opts *o, run_job *j)
{
    char err[4096], *unit;
    const char *at = getenv("CNNGEN_AUTO_SWITCH_AT");
    cli_net tn;
    jit_cc_opts co;
    int rc;

    if ((rc = cli_net_generate(T, o, 0, "cc", &j->net, &unit)) != HOST_OK)
        return rc;
    memset(&co, 0, sizeof co);          /* $CC, $CFLAGS, the cache: jit.h's defaults */
    co.quiet = 1;
    co.cached_only = 1;
    if (jit_cc_build(unit, j->net.name, 0, j->net.name, &co, &j->net.api, err, sizeof err) == 0) {
        free(unit);
        return HOST_OK;
    }
    co.cached_only = 0;
    rc = tier_start(&j->tier, unit, j->net.name, j->net.name, &co, err, sizeof err);
    free(unit);
    if (rc != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    if ((rc = cli_net_generate(T, o, 0, "tcc", &tn, &unit)) != HOST_OK)
        return rc;
    cli_net_free(&tn);                  /* the same net: j->net has its records */
    rc = jit_tcc_build(unit, j->net.name, 0, j->net.name, &j->net.api, err, sizeof err);
    free(unit);
    if (rc != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    snprintf(j->net.backend, sizeof j->net.backend, "tcc");
    j->tiering = 1;
    j->switch_at = at ? strtol(at, NULL, 10) : 0;
    return HOST_OK;
}

/* train_ctx's next_api while tiering: the cc build once it is ready (or,
 * with CNNGEN_AUTO_SWITCH_AT=N, exactly before mini-batch N + 1, waiting
 * for it: a switch at a known point, for tests), already switched to
 * (train_use_api) and with all of --threads again. */
static const net_api *run_next_api(void *ctx)
{
    run_job *j = ctx;
    const net_api *api;
    if (!j->tiering)
        return NULL;
    ++j->batches;
    if (j->switch_at > 0 ? j->batches <= j->switch_at : !tier_ready(&j->tier))
        return NULL;
    api = tier_wait(&j->tier);
    j->tiering = 0;
    if (!api || train_use_api(&j->tr, api) != 0) {
        progress_clear(&j->pg);
        fprintf(stderr, "cnngen: note: %s; training goes on with tcc\n",
                api ? "the cc build does not fit this run" : j->tier.err);
        api = NULL;
    }
    run_threads_after_tcc(j);           /* on cc or on tcc: the tcc phase is over */
    if (api)
        j->pg.backend = "tcc\xe2\x86\x92" "cc";    /* "tcc→cc", UTF-8 */
    return api;
}

/* --report: epoch `epoch` is done (r, its test evaluation ev, secs):
 * rewrite the page.  A failure is a note; training goes on. */
static void run_report(run_job *j, int epoch, const train_epoch_result *r, const train_eval_result *ev,
                       double secs)
{
    char err[4096];
    report_epoch e;
    e.epoch = epoch;
    e.cost = r->cost;
    e.accuracy = ev->accuracy;
    e.seconds = secs;
    e.samples_per_s = secs > 0 ? r->samples / secs : 0.0;
    if (report_live_epoch(&j->report, &e, j->tr.api, j->params, &j->ds, ev, err, sizeof err) != 0) {
        progress_clear(&j->pg);
        fprintf(stderr, "cnngen: note: --report %s; training goes on\n", err);
    }
}

/* The training loop proper; returns the exit status. */
static int run_train(run_job *j, const cli_opts *o)
{
    char err[4096];
    train_eval_result ev;
    train_cost kind;
    int e, rc = HOST_OK;

    if (train_cost_parse(j->net.cost, &kind) != 0)
        kind = TRAIN_COST_LOGLIK;
    if (train_init(&j->tr, &j->net.api, j->params, &j->ds.train, (int)j->batch,
                   (float)j->eta, (float)j->l2, j->seed, err, sizeof err) != 0
        || cli_net_threads(&j->net, &j->tr, j->tiering ? tier_tcc_threads((int)j->threads)
                                                       : (int)j->threads, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    if (j->tiering) {
        j->tr.next_api = run_next_api;
        j->tr.next_ctx = j;
    }
    progress_init(&j->pg, stdout, stderr, o->json, j->net.backend, (int)j->epochs);
    train_sigint_install();
    for (e = j->start_epoch; e < j->epochs; ++e) {
        train_epoch_result r;
        double t0, secs;
        int start = e == j->start_epoch ? j->start_sample : 0;
        if (start >= j->ds.train.n)         /* a position saved with a larger --limit */
            start = 0;
        progress_epoch_begin(&j->pg, e + 1, start);
        t0 = progress_now();
        train_epoch(&j->tr, e, start, progress_batch, &j->pg, &r);
        secs = progress_now() - t0;
        if (r.interrupted) {
            progress_clear(&j->pg);
            if (o->save && run_save(j, o->save, e, r.next) != 0) {
                rc = HOST_FAIL;
                break;
            }
            fprintf(stderr, "cnngen: interrupted in epoch %d after %d of %d samples; %s\n",
                    e + 1, r.next, j->ds.train.n,
                    o->save ? "weights saved (resume with --load)" : "weights not saved (no --save)");
            rc = RUN_INTERRUPTED;
            break;
        }
        if (o->save && run_save(j, o->save, e + 1, 0) != 0) {
            rc = HOST_FAIL;
            break;
        }
        if (j->tiering && !j->switch_at && tier_ready(&j->tier))
            (void)run_next_api(j);              /* evaluate on cc if it is ready */
        if (train_eval(j->tr.api, j->params, &j->ds.test, kind, progress_testing, &j->pg,
                       &ev, err, sizeof err) != 0) {
            progress_clear(&j->pg);
            fprintf(stderr, "cnngen: %s\n", err);
            rc = HOST_FAIL;
            break;
        }
        progress_epoch_end(&j->pg, e + 1, r.cost, ev.accuracy, secs,
                           secs > 0 ? r.samples / secs : 0.0);
        j->pg.backend = j->tr.api->backend;     /* after "tcc→cc": "cc" */
        if (o->report)
            run_report(j, e + 1, &r, &ev, secs);
        train_eval_free(&ev);
        if (train_stop_requested() && e + 1 < j->epochs) {
            fprintf(stderr, "cnngen: interrupted after epoch %d; %s\n", e + 1,
                    o->save ? "weights saved (resume with --load)" : "weights not saved (no --save)");
            rc = RUN_INTERRUPTED;
            break;
        }
    }
    train_sigint_restore();
    return rc;
}

int cmd_run(lua_State *T, const cli_opts *o)
{
    static const char *const not_for_run[] = { "-o", "--weights", "--tolerance", "--inference", NULL };
    char err[4096];
    cli_opts ro;
    run_job j;
    int rc;

    if ((rc = cli_reject_flags(o, "run", not_for_run)) != 0)
        return rc;
    if (o->real && strcmp(o->real, "float") != 0) {
        fprintf(stderr, "cnngen: run trains in float; --real %s is for emit and check\n", o->real);
        return HOST_USER;
    }
    if (experiment_try(T, o->net, &rc))     /* a script using the cnngen module */
        return rc;
    if (o->report) {                    /* the builds get the read-out of the feature maps */
        ro = *o;
        ro.jit_activations = 1;
        o = &ro;
    }
    memset(&j, 0, sizeof j);
    if (!o->backend || !strcmp(o->backend, "auto"))
        rc = run_build_auto(T, o, &j);
    else
        rc = cli_net_build(T, o, 0, o->backend, &j.net);
    if (rc != HOST_OK)
        goto done;
    run_settings(&j, o);
    rc = HOST_FAIL;
    if (o->save && run_check_writable(o->save) != 0)
        goto done;
    if (dataset_open(j.data, &j.ds, err, sizeof err) != 0
        || dataset_check(&j.ds, j.net.in_c, j.net.in_h, j.net.in_w, (int)j.net.api.out_size,
                         err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    if (j.limit > 0 && j.limit < j.ds.train.n)
        ds_split_take(&j.ds.train, (int)j.limit);

    j.params = jit_params_new(&j.net.api);
    if (!j.params) {
        fprintf(stderr, "cnngen: out of memory for %zu parameters\n", j.net.api.param_count);
        goto done;
    }
    if (o->load) {
        if (run_load(&j, o) != 0)
            goto done;
    } else {
        j.net.api.init.f(j.params, j.seed);
    }
    if (o->save) {
        /* keep the entries describing the file about to be replaced, so a
         * kill between the sidecar's rename and the weights' leaves a match */
        if (train_state_load(o->save, &j.st, err, sizeof err) <= 0
            || j.st.arch_hash != j.net.arch_hash)
            memset(&j.st, 0, sizeof j.st);
        j.st.arch_hash = j.net.arch_hash;
        j.st.seed = j.seed;
    }

    if (j.start_epoch >= j.epochs) {
        fprintf(stderr, "cnngen: %s has already been trained for %d epoch%s (--epochs %ld is "
                "the total); nothing to do\n", o->load, j.start_epoch,
                j.start_epoch == 1 ? "" : "s", j.epochs);
        rc = HOST_OK;
        goto done;
    }
    if (o->report && (rc = report_live_start(&j.report, T, o, o->report, j.net.name, &j.net.api,
                                             j.params, &j.ds, j.data)) != HOST_OK)
        goto done;
    if (!o->json) {
        printf("%s: %zu parameters, backend %s%s", j.net.name, j.net.api.param_count,
               j.net.backend, j.tiering ? " (cc compiling in the background)"
               : !strcmp(j.net.backend, "cc") && !j.net.api.compiled ? " (cached)" : "");
        if (j.threads > 1)
            printf(", %ld threads", j.threads);
        printf("; %s: %d training, %d test samples\n", j.data, j.ds.train.n, j.ds.test.n);
        printf("eta %g, batch %ld, l2 %g, seed %llu", j.eta, j.batch, j.l2, j.seed);
        if (j.start_epoch > 0 || j.start_sample > 0)
            printf("; resuming %s at epoch %d, sample %d", o->load, j.start_epoch + 1,
                   j.start_sample);
        printf("\n");
        fflush(stdout);
    }
    rc = run_train(&j, o);
done:
    train_free(&j.tr);
    jit_params_free(j.params);
    dataset_free(&j.ds);
    tier_stop(&j.tier);                 /* a build still running is cancelled */
    report_live_free(&j.report);
    cli_net_free(&j.net);
    return rc;
}
