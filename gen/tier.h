/*
 * tier.h -- the tiered backend's second tier: a cc build of the net run
 * in a background thread while training starts on the tcc build (`cnngen
 * run --backend auto`, `cnngen bench`).
 *
 * Only the background thread touches the cc backend (which runs the
 * compiler and dlopen: thread-safe); libtcc, which is not, stays on the
 * caller's thread.  The caller polls tier_ready between mini-batches and
 * switches when it is 1 (train.h: next_api); tier_stop at the end cancels
 * a build still running (the compiler gets SIGTERM; nothing is left in
 * the cache but the kept source) and releases the build.
 */
#ifndef CNNGEN_TIER_H
#define CNNGEN_TIER_H

#include <pthread.h>
#include <stddef.h>

#include "jit.h"

typedef struct tier {
    /* the build's inputs, owned */
    char *unit;
    char prefix[64], name[64];
    jit_cc_opts opts;
    jit_cc_cancel cancel;
    /* its result: valid once tier_ready is 1 */
    net_api api;                /* the cc build (rc 0) */
    int rc;                     /* 0 or -1 */
    char err[1024];             /* rc -1: why */
    double seconds;             /* the build's wall time */
    /* state */
    pthread_t thread;
    int started, joined;
    int done;                   /* set by the thread (atomic access) */
} tier;

/* Start building `unit` (copied) with the cc backend and `opts` (copied;
 * quiet is forced, and a cancel handle added) in a new thread.  Returns 0,
 * or -1 with a message (out of memory, no thread). */
int tier_start(tier *t, const char *unit, const char *prefix, const char *name,
               const jit_cc_opts *opts, char *err, size_t errlen);

/* 1 once the build has finished, well or not; never blocks. */
int tier_ready(tier *t);

/* Block until the build has finished; the api, or NULL (t->err says why). */
const net_api *tier_wait(tier *t);

/* Cancel a build still running, join the thread and release the build
 * (its function pointers die).  Safe on a zeroed tier and twice. */
void tier_stop(tier *t);

/* The threads to train on while the cc build compiles, for a run of
 * `threads` threads: with as many threads as the machine has cores (or
 * more), one core fewer (at least one thread), leaving that core to the
 * compiler, which is then ready sooner (measured on 2 cores with
 * --threads 2, one lenet5 epoch from a cold cache: the whole run 4.6-5.1
 * -> 4.2-4.8 s, against 3.9-4.5 s with cc alone); all of them again from
 * the switch on. */
int tier_tcc_threads(int threads);

#endif
