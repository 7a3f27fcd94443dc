/*
 * tier.c -- a cc build in a background thread (see tier.h).
 */
#include "tier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double tier_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *tier_main(void *arg)
{
    tier *t = arg;
    double t0 = tier_now();
    t->rc = jit_cc_build(t->unit, t->prefix, 0, t->name, &t->opts, &t->api, t->err,
                         sizeof t->err);
    t->seconds = tier_now() - t0;
    __atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* See tier.h. */
int tier_start(tier *t, const char *unit, const char *prefix, const char *name,
               const jit_cc_opts *opts, char *err, size_t errlen)
{
    int rc;
    memset(t, 0, sizeof *t);
    t->unit = malloc(strlen(unit) + 1);
    if (!t->unit) {
        snprintf(err, errlen, "out of memory for the background cc build");
        return -1;
    }
    strcpy(t->unit, unit);
    snprintf(t->prefix, sizeof t->prefix, "%s", prefix);
    snprintf(t->name, sizeof t->name, "%s", name);
    if (opts)
        t->opts = *opts;
    t->opts.quiet = 1;                  /* the progress line says what runs */
    jit_cc_cancel_init(&t->cancel);
    t->opts.cancel = &t->cancel;
    rc = pthread_create(&t->thread, NULL, tier_main, t);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the background cc build: %s", strerror(rc));
        jit_cc_cancel_destroy(&t->cancel);
        free(t->unit);
        memset(t, 0, sizeof *t);
        return -1;
    }
    t->started = 1;
    return 0;
}

int tier_ready(tier *t)
{
    return t->started && __atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
}

static void tier_join(tier *t)
{
    if (t->started && !t->joined) {
        pthread_join(t->thread, NULL);
        t->joined = 1;
    }
}

const net_api *tier_wait(tier *t)
{
    if (!t->started)
        return NULL;
    tier_join(t);
    return t->rc == 0 ? &t->api : NULL;
}

void tier_stop(tier *t)
{
    if (!t->started)
        return;
    if (!tier_ready(t))
        jit_cc_cancel_fire(&t->cancel);
    tier_join(t);
    if (t->rc == 0)
        jit_release(&t->api);
    jit_cc_cancel_destroy(&t->cancel);
    free(t->unit);
    memset(t, 0, sizeof *t);
}

int tier_tcc_threads(int threads)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads <= 1 || cores <= 0 || threads < cores)
        return threads;
    return cores > 2 ? (int)cores - 1 : 1;
}
