/*
 * cmd_run.c -- `cnngen run NET.lua [flags]`: generate the net's C, build it
 * in-process (libtcc, or cc into a cached shared object), and train it on
 * a data set with progress, saving the weights after every epoch.
 *
 * Precedence of settings: a flag, else the description's train{} (whose
 * missing fields the generator fills with its defaults), else -- for the
 * seed of a resumed run -- the seed the run was started with.
 *
 * The description runs once: experiment_try, which tells a description
 * from an experiment script by running it, keeps a description's result,
 * and the generator resolves it once for every form the run builds.
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
 * Momentum (--momentum M, train{ momentum }): the code is generated with
 * train_batch_momentum; the velocity lives beside the parameters and is
 * saved with them (checkpoint.h, version 2), so a resumed run goes on
 * with it, bit for bit.  Expansion (--expand shift1,
 * train{ expand }): the epoch is the expanded index space (expand.h), and
 * the position saved is a sample of it.
 *
 * TEST-ONLY: with CNNGEN_AUTO_SWITCH_AT=N in the environment, auto
 * switches exactly before mini-batch N + 1 of the run, waiting for the cc
 * build if need be, so tests/test_run.c can compare a switched run with a
 * cc run at a known point.  It has no other use.
 *
 * Divergence (diverge.h): a mini-batch whose cost is not finite, or
 * parameters that are not at the end of an epoch, stop the run at once
 * with one line naming the epoch, the mini-batch, the sample and the
 * first layer where a non-finite value appeared; --save's file keeps the
 * last good epoch's weights.  An epoch's cost over 100 times the run's
 * first mini-batch's is a warning (training goes on).
 *
 * Under mpirun (world.h), every rank generates and builds the net (auto
 * means cc: every rank must train on the same build), reads the data and
 * trains its share of every mini-batch (train.h: train_threads); rank 0
 * alone loads, prints, saves and reports, and every rank starts from its
 * parameters and position.  Setting up is agreed on (world_agree): a rank
 * that fails ends the job with one line naming it.  After every epoch the
 * ranks compare their parameters' hashes.  TEST-ONLY: with
 * CNNGEN_WORLD_KILL=R:N, rank R kills itself (SIGKILL) after mini-batch N
 * of the run, so tests/test_mpi.c can watch a job lose a rank mid-epoch.
 *
 * Statuses: 2 bad flags or description, 1 data or weights problems (and
 * build failures), 3 diverged, 130 after Ctrl-C (the weights saved first,
 * if --save).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cmd.h"
#include "experiment.h"
#include "dataset.h"
#include "diverge.h"
#include "host.h"
#include "net.h"
#include "progress.h"
#include "report.h"
#include "tier.h"
#include "train.h"
#include "train_world.h"
#include "world.h"

#define RUN_INTERRUPTED 130     /* 128 + SIGINT, what a shell reports */
#define RUN_DIVERGED 3          /* a non-finite cost or parameter (diverge.h) */

/* ================================================================ */
/* run                                                              */
/* ================================================================ */

/* Everything a run holds, freed in one place. */
typedef struct run_job {
    net net;
    net_api api;                /* the build training runs on (auto: tcc at first) */
    dataset ds;
    float *params;
    train_ctx tr;
    train_state st;             /* the --save sidecar's contents */
    progress pg;
    const char *data;
    long epochs, batch, limit;
    double eta, l2, momentum;
    expand_kind expand;
    float *velocity;            /* momentum > 0: the velocity, saved with the weights */
    unsigned long long seed;
    int start_epoch, start_sample;
    long threads;
    /* --backend auto */
    tier tier;                  /* the cc build in the background */
    int tiering;                /* 1: training on tcc, the cc build not taken yet */
    long switch_at;             /* CNNGEN_AUTO_SWITCH_AT (tests): switch before this batch */
    long batches;               /* mini-batches started in this run */
    report_live report;         /* --report */
    diverge_watch watch;        /* the last good parameters, the first cost */
    /* under mpirun (world.h): the job's processes, and this one's stderr,
     * held until every rank has set up */
    world *world;
    world_hold hold;
    int agreed;                 /* world_agree was called */
    int differ;                 /* the ranks' parameters differ: all know, all stop */
    long kill_at;               /* CNNGEN_WORLD_KILL (tests): die after this batch */
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
    p.weights = train_params_hash(j->params, j->net.param_count);
    p.epoch = epoch;
    p.sample = sample;
    train_state_push(&j->st, &p);
    if (train_state_save(path, &j->st, err, sizeof err) != 0
        || ckpt_save_velocity(path, j->params, j->velocity, j->net.param_count, 4,
                              j->net.arch_hash, err, sizeof err) != 0) {
        progress_clear(&j->pg);
        fprintf(stderr, "cnngen: %s\n", err);
        return -1;
    }
    return 0;
}

/* The settings: flags over the description's train{}. */
static void run_settings(run_job *j, const cli_opts *o)
{
    j->epochs = o->has_epochs ? o->epochs : j->net.train.epochs;
    j->batch = o->has_batch ? o->batch : j->net.train.batch;
    j->eta = o->has_eta ? o->eta : j->net.train.eta;
    j->l2 = o->has_l2 ? o->l2 : j->net.train.l2;
    j->momentum = o->has_momentum ? o->momentum : j->net.train.momentum;
    if (expand_parse(o->expand ? o->expand : j->net.train.expand, &j->expand) != 0)
        j->expand = EXPAND_NONE;        /* both were checked: cli.c, dsl.lua */
    j->seed = o->has_seed ? o->seed : j->net.train.seed;
    j->limit = o->has_limit ? o->limit : j->net.train.limit;
    j->threads = o->threads > 0 ? o->threads : 1;
    j->data = o->data ? o->data : j->net.train.data;
}

/* --load: the weights, then the position and seed from the sidecar. */
static int run_load(run_job *j, const cli_opts *o)
{
    char err[4096];
    train_state ls;
    const train_pos *p;
    int got, has_velocity;
    if (ckpt_load_velocity(o->load, j->params, j->velocity, &has_velocity, j->net.param_count, 4,
                           j->net.arch_hash, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return -1;
    }
    got = train_state_load(o->load, &ls, err, sizeof err);
    if (got < 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return -1;
    }
    p = got ? train_state_find(&ls, train_params_hash(j->params, j->net.param_count))
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
        if (j->velocity && !has_velocity)
            fprintf(stderr, "cnngen: note: %s holds no velocity; momentum starts from rest\n",
                    o->load);
    }
    return 0;
}

/* The end of the tcc phase: all the threads again (tier_tcc_threads). */
static void run_threads_after_tcc(run_job *j)
{
    char err[512];
    if (net_threads(&j->net, &j->tr, (int)j->threads, err, sizeof err) != 0) {
        progress_clear(&j->pg);
        fprintf(stderr, "cnngen: note: %s; training goes on with %d thread%s\n", err,
                train_thread_count(&j->tr), train_thread_count(&j->tr) == 1 ? "" : "s");
    }
}

/* The generator request of a run: float training code for backend. */
static void run_request(const cli_opts *o, const net_desc *d, const char *backend,
                        net_request *rq)
{
    opts_request(o, rq);
    rq->desc = d;
    rq->forms[rq->nforms++] = backend;
    rq->real = "float";
    rq->activations = 1;        /* the report's feature maps; where a run diverged */
    rq->with_info = o->report != NULL;                     /* the report's layer table */
    rq->momentum = o->has_momentum && o->momentum > 0;     /* train{ momentum }: the generator's */
}

/* --backend tcc or cc. */
static int run_build(lua_State *T, const cli_opts *o, const net_desc *d, run_job *j)
{
    char err[4096];
    net_request rq;
    int rc;
    run_request(o, d, o->backend, &rq);
    if ((rc = net_generate(T, &rq, &j->net, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    if (net_compile(&j->net, 0, NULL, &j->api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    return HOST_OK;
}

/* --backend auto: the cc build from the cache if it is there; otherwise
 * start compiling it in the background and build the tcc one now.  Each
 * backend has its own form of the code (its default --unroll); the tcc
 * form is generated only when needed, from the same resolved net. */
static int run_build_auto(lua_State *T, const cli_opts *o, const net_desc *d, run_job *j)
{
    char err[4096];
    const char *at = getenv("CNNGEN_AUTO_SWITCH_AT");
    net_request rq;
    jit_cc_opts co;
    int rc;

    run_request(o, d, "cc", &rq);
    rq.more = 1;                        /* the tcc form, if need be */
    if ((rc = net_generate(T, &rq, &j->net, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    memset(&co, 0, sizeof co);          /* $CC, $CFLAGS, the cache: jit.h's defaults */
    co.quiet = 1;
    co.cached_only = 1;
    if (net_compile(&j->net, 0, &co, &j->api, err, sizeof err) == 0)
        return HOST_OK;
    co.cached_only = 0;
    if (tier_start(&j->tier, j->net.form[0].unit, j->net.name, j->net.name, &co, err,
                   sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    if ((rc = net_more(&j->net, "tcc", err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    if (net_compile(&j->net, 1, NULL, &j->api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
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

/* Epoch e (0-based) went non-finite (r): say where, in one line (and
 * --json's error object); the parameters are back to the epoch's start,
 * and --save's file holds the last epoch saved. */
static int run_diverged(run_job *j, const cli_opts *o, int e, const train_epoch_result *r)
{
    char err[512], msg[512], js[512];
    diverge_where w;
    progress_clear(&j->pg);
    if (net_diverged(&j->net, &j->watch, &j->tr, e, r, &w, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    if (j->world && j->world->rank > 0)
        return RUN_DIVERGED;            /* every rank found the same; rank 0 says it */
    diverge_message(&w, j->eta, msg, sizeof msg);
    if (o->json) {
        diverge_json(&w, js, sizeof js);
        printf("{\"error\":{\"type\":\"diverged\",%s,\"eta\":%g,\"message\":\"%s\"}}\n", js,
               j->eta, msg);
        fflush(stdout);
    }
    fprintf(stderr, "cnngen: %s", msg);
    if (o->save && e > j->start_epoch)
        fprintf(stderr, "; %s holds the weights after epoch %d\n", o->save, e);
    else if (o->save)
        fprintf(stderr, "; %s not written\n", o->save);
    else
        fprintf(stderr, "\n");
    return RUN_DIVERGED;
}

static int run_world_check(run_job *j, int epoch);

/* train_batch_fn under CNNGEN_WORLD_KILL: progress, then death on cue. */
static void run_batch_kill(void *ctx, int done, int total, double batch_cost, double mean_cost)
{
    run_job *j = ctx;
    progress_batch(&j->pg, done, total, batch_cost, mean_cost);
    if (--j->kill_at == 0)
        raise(SIGKILL);
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
    if (train_init(&j->tr, &j->api, j->params, &j->ds.train, (int)j->batch,
                   (float)j->eta, (float)j->l2, j->seed, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    j->tr.world = j->world;             /* NULL for a plain run */
    if (net_threads(&j->net, &j->tr, j->tiering ? tier_tcc_threads((int)j->threads)
                                                       : (int)j->threads, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    if ((j->velocity && net_momentum(&j->net, &j->tr, j->momentum, j->velocity, err,
                                     sizeof err) != 0)
        || (j->expand && train_expand(&j->tr, j->expand, err, sizeof err) != 0)) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    if (j->tiering) {
        j->tr.next_api = run_next_api;
        j->tr.next_ctx = j;
    }
    if (diverge_watch_init(&j->watch, &j->api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    progress_init(&j->pg, stdout, j->world && j->world->rank > 0 ? NULL : stderr, o->json,
                  j->api.backend, (int)j->epochs);
    if (j->world) {
        j->pg.ranks = j->world->size;
        j->pg.threads = train_thread_count(&j->tr);
    }
    train_sigint_install();
    for (e = j->start_epoch; e < j->epochs; ++e) {
        train_epoch_result r;
        double t0, secs;
        int start = e == j->start_epoch ? j->start_sample : 0;
        if (start >= train_epoch_size(&j->tr))  /* saved with a larger --limit or --expand */
            start = 0;
        progress_epoch_begin(&j->pg, e + 1, start);
        if (diverge_watch_begin(&j->watch, j->params, j->velocity, start) != 0) {
            fprintf(stderr, "cnngen: out of memory for a copy of the velocity\n");
            rc = HOST_FAIL;
            break;
        }
        j->tr.world_secs = 0.0;
        t0 = progress_now();
        if (j->kill_at > 0)
            train_epoch(&j->tr, e, start, run_batch_kill, j, &r);
        else
            train_epoch(&j->tr, e, start, progress_batch, &j->pg, &r);
        secs = progress_now() - t0;
        if (diverge_watch_failed(&j->watch, &j->tr, &r)) {
            rc = run_diverged(j, o, e, &r);
            break;
        }
        j->pg.sum_seconds = j->tr.world_secs;
        if (j->world && (rc = run_world_check(j, e + 1)) != HOST_OK)
            break;
        if (r.interrupted) {
            progress_clear(&j->pg);
            if (o->save && run_save(j, o->save, e, r.next) != 0) {
                rc = HOST_FAIL;
                break;
            }
            fprintf(stderr, "cnngen: interrupted in epoch %d after %d of %d samples; %s\n",
                    e + 1, r.next, train_epoch_size(&j->tr),
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
        if (j->world ? train_world_eval(j->world, j->tr.api, j->params, &j->ds.test, kind, &ev,
                                        err, sizeof err) != 0
                     : train_eval(j->tr.api, j->params, &j->ds.test, kind, progress_testing,
                                  &j->pg, &ev, err, sizeof err) != 0) {
            progress_clear(&j->pg);
            fprintf(stderr, "cnngen: %s\n", err);
            rc = HOST_FAIL;
            break;
        }
        progress_epoch_end(&j->pg, e + 1, r.cost, ev.accuracy, secs,
                           secs > 0 ? r.samples / secs : 0.0);
        j->pg.backend = j->tr.api->backend;     /* after "tcc→cc": "cc" */
        if (diverge_watch_growth(&j->watch, r.cost, j->eta, err, sizeof err))
            fprintf(stderr, "cnngen: %s\n", err);
        if (o->report)
            run_report(j, e + 1, &r, &ev, secs);
        train_eval_free(&ev);
        if ((j->world ? j->tr.world_stop : train_stop_requested()) && e + 1 < j->epochs) {
            fprintf(stderr, "cnngen: interrupted after epoch %d; %s\n", e + 1,
                    o->save ? "weights saved (resume with --load)" : "weights not saved (no --save)");
            rc = RUN_INTERRUPTED;
            break;
        }
    }
    train_sigint_restore();
    return rc;
}

/* ---- under mpirun ------------------------------------------------------ */

/* After epoch `epoch`: every rank must hold rank 0's parameters. */
static int run_world_check(run_job *j, int epoch)
{
    int r = train_world_check(j->world, j->params, j->net.param_count);
    if (r < 0)
        return HOST_OK;
    j->differ = 1;
    progress_clear(&j->pg);
    if (j->world->rank == 0)
        fprintf(stderr, "cnngen: rank %d's parameters differ from rank 0's after epoch %d; "
                "stopping\n", r, epoch);
    return HOST_FAIL;
}

/* Every rank has set up (world_agree): all start from rank 0's parameters
 * and position.  Returns the job's status. */
static int run_world_start(run_job *j, int status)
{
    int v[4];
    j->agreed = 1;
    if ((status = world_agree(j->world, &j->hold, status)) != HOST_OK)
        return status;
    v[0] = j->start_epoch;
    v[1] = j->start_sample;
    v[2] = (int)(j->seed & 0xffffffffu);
    v[3] = (int)(j->seed >> 32);
    train_world_share(j->world, j->params, j->net.param_count, v, 4);
    j->start_epoch = v[0];
    j->start_sample = v[1];
    j->seed = (unsigned long long)(unsigned)v[2] | (unsigned long long)(unsigned)v[3] << 32;
    return HOST_OK;
}

/* Under mpirun: hold stderr until every rank has set up, and return the
 * options as this rank follows them, in *ro: rank 0 alone prints, saves,
 * reports and loads; auto means cc (every rank must train on the same
 * build). */
static const cli_opts *run_world_join(run_job *j, const cli_opts *o, cli_opts *ro)
{
    const char *kill = getenv("CNNGEN_WORLD_KILL");
    if (kill && atoi(kill) == j->world->rank && strchr(kill, ':'))
        j->kill_at = atol(strchr(kill, ':') + 1);
    world_hold_stderr(&j->hold);
    *ro = *o;
    if (j->world->rank > 0) {
        ro->save = ro->report = ro->load = NULL;
        if (!freopen("/dev/null", "w", stdout))
            fclose(stdout);
    }
    if (!ro->backend || !strcmp(ro->backend, "auto"))
        ro->backend = "cc";
    return ro;
}

int cmd_run(lua_State *T, const cli_opts *o)
{
    static const char *const not_for_run[] = { "-o", "--weights", "--tolerance", "--inference", NULL };
    char err[4096];
    cli_opts ro;                        /* o as this rank of an mpirun job sees it */
    run_job j;
    net_desc d;
    int rc;

    if ((rc = opts_reject_flags(o, "run", not_for_run)) != 0)
        return rc;
    if (o->real && strcmp(o->real, "float") != 0) {
        fprintf(stderr, "cnngen: run trains in float; --real %s is for emit and check\n", o->real);
        return HOST_USER;
    }
    if (experiment_try(T, o->net, &rc, &d))     /* a script using the cnngen module */
        return rc;
    memset(&j, 0, sizeof j);
    if ((j.world = world_process()) != NULL)
        o = run_world_join(&j, o, &ro);
    /* d: the description's result, kept (NULL: it failed; run it again for its message) */
    if (!o->backend || !strcmp(o->backend, "auto"))
        rc = run_build_auto(T, o, d.T ? &d : NULL, &j);
    else
        rc = run_build(T, o, d.T ? &d : NULL, &j);
    net_desc_free(&d);
    if (rc != HOST_OK)
        goto done;
    run_settings(&j, o);
    rc = HOST_FAIL;
    if (o->save && run_check_writable(o->save) != 0)
        goto done;
    if (dataset_open(j.data, &j.ds, err, sizeof err) != 0
        || dataset_check(&j.ds, j.net.in_c, j.net.in_h, j.net.in_w, (int)j.net.out_size,
                         err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    if (j.limit > 0 && j.limit < j.ds.train.n)
        ds_split_take(&j.ds.train, (int)j.limit);

    j.params = net_params_new(&j.api);
    if (j.momentum > 0 && (j.velocity = net_params_new(&j.api)) != NULL)
        memset(j.velocity, 0, j.net.param_count * sizeof *j.velocity);     /* at rest */
    if (!j.params || (j.momentum > 0 && !j.velocity)) {
        fprintf(stderr, "cnngen: out of memory for %zu parameters\n", j.net.param_count);
        goto done;
    }
    if (o->load) {
        if (run_load(&j, o) != 0)
            goto done;
    } else {
        j.api.init.f(j.params, j.seed);
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
    if (j.world && (rc = run_world_start(&j, HOST_OK)) != HOST_OK)
        goto done;

    if (j.start_epoch >= j.epochs) {
        if (!j.world || j.world->rank == 0)
            fprintf(stderr, "cnngen: %s has already been trained for %d epoch%s (--epochs %ld "
                    "is the total); nothing to do\n", o->load, j.start_epoch,
                    j.start_epoch == 1 ? "" : "s", j.epochs);
        rc = HOST_OK;
        goto done;
    }
    if (o->report && (rc = report_live_start(&j.report, &j.net, o->report, &j.api, j.params, &j.ds,
                                             j.data)) != HOST_OK) {
        if (j.world)
            j.world->abort(j.world, rc);    /* rank 0 alone reports; the others wait */
        goto done;
    }
    if (!o->json) {
        printf("%s: %zu parameters, backend %s%s", j.net.name, j.net.param_count,
               j.api.backend, j.tiering ? " (cc compiling in the background)"
               : !strcmp(j.api.backend, "cc") && !j.api.compiled ? " (cached)" : "");
        if (j.world)
            printf(", %d rank%s \xc3\x97 %ld thread%s", j.world->size,
                   j.world->size == 1 ? "" : "s", j.threads, j.threads == 1 ? "" : "s");
        else if (j.threads > 1)
            printf(", %ld threads", j.threads);
        printf("; %s: %d training, %d test samples\n", j.data, j.ds.train.n, j.ds.test.n);
        printf("eta %g, batch %ld, l2 %g, seed %llu", j.eta, j.batch, j.l2, j.seed);
        if (j.momentum > 0)
            printf(", momentum %g", j.momentum);
        if (j.expand)
            printf(", expand %s (%d training samples an epoch)", expand_name(j.expand),
                   j.ds.train.n * expand_factor(j.expand));
        if (j.start_epoch > 0 || j.start_sample > 0)
            printf("; resuming %s at epoch %d, sample %d", o->load, j.start_epoch + 1,
                   j.start_sample);
        printf("\n");
        fflush(stdout);
    }
    rc = run_train(&j, o);
    if (j.world && rc == HOST_FAIL && !j.differ)
        j.world->abort(j.world, rc);    /* this rank alone failed; the others wait in a sum */
done:
    if (j.world && !j.agreed)
        rc = run_world_start(&j, rc);   /* this rank failed to set up: so does the job */
    train_free(&j.tr);
    diverge_watch_free(&j.watch);
    net_params_free(j.params);
    net_params_free(j.velocity);
    dataset_free(&j.ds);
    tier_stop(&j.tier);                 /* a build still running is cancelled */
    jit_release(&j.api);
    report_live_free(&j.report);
    net_free(&j.net);
    return rc;
}
