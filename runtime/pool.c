/*
 * pool.c -- the thread team of pool.h: one barrier (an atomic count of
 * arrivals and a generation counter, with a spin before sleeping) does all the work;
 * pool_run is "barrier, fn, barrier", and a worker loops on the same.
 */
#include "pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spin iterations before a thread at the barrier goes to sleep: about
 * 20-50 µs with the pause instruction, longer than the runner needs to
 * gather the next mini-batch. */
#define POOL_SPIN 4000

struct pool {
    int n;                      /* threads, the caller included */
    pthread_t *tid;             /* n - 1 workers */
    int started;                /* workers actually started */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int arrived;                /* threads at the current barrier (atomic) */
    unsigned gen;               /* +1 each time a barrier opens (atomic) */
    int sleepers;               /* threads asleep on cv (atomic; changed under mu) */
    pool_fn fn;                 /* the current run; set before the start barrier */
    void *ctx;
    int quit;                   /* set before the start barrier: workers exit */
};

typedef struct pool_worker {
    pool *p;
    int t;
} pool_worker;

static void pool_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The barrier.  A thread arrives by an atomic increment of `arrived`;
 * the last one to arrive resets it and opens the barrier (a store of the
 * new generation), the others spin on a load of the generation, then
 * sleep on the condition variable.  No mutex on the way through: a
 * contended mutex sent a thread into the kernel and made every barrier of
 * the team step cost about a microsecond (docs/performance.md).  The
 * opener takes the mutex and broadcasts only when a thread has gone to
 * sleep: a sleeper counts itself in (`sleepers`) before it looks at the
 * generation a last time, the opener stores the generation before it
 * looks at `sleepers` (both sequentially consistent), so one of the two
 * sees the other.  Each thread sees what the others wrote before they
 * arrived. */
static void pool_barrier(pool *p)
{
    unsigned g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
    int i;
    if (__atomic_add_fetch(&p->arrived, 1, __ATOMIC_ACQ_REL) == __atomic_load_n(&p->n, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&p->arrived, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&p->gen, g + 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&p->sleepers, __ATOMIC_SEQ_CST) > 0) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
        }
        return;
    }
    for (i = 0; i < POOL_SPIN; ++i) {
        if (__atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) != g)
            return;
        pool_pause();
    }
    pthread_mutex_lock(&p->mu);
    __atomic_add_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&p->gen, __ATOMIC_SEQ_CST) == g)
        pthread_cond_wait(&p->cv, &p->mu);
    __atomic_sub_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&p->mu);
}

static void *pool_main(void *arg)
{
    pool_worker *w = arg;
    pool *p = w->p;
    int t = w->t;
    free(w);
    for (;;) {
        pool_barrier(p);                /* start of a run */
        if (p->quit)
            break;
        p->fn(p->ctx, t, p->n);
        pool_barrier(p);                /* end of the run */
    }
    return NULL;
}

pool *pool_new(int threads, char *err, size_t errlen)
{
    pool *p;
    int k;
    if (threads < 1)
        threads = 1;
    p = calloc(1, sizeof *p);
    if (!p || (threads > 1 && !(p->tid = calloc((size_t)threads - 1, sizeof *p->tid)))) {
        free(p);
        snprintf(err, errlen, "out of memory for %d threads", threads);
        return NULL;
    }
    p->n = threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (k = 1; k < threads; ++k) {
        pool_worker *w = malloc(sizeof *w);
        int rc = w ? 0 : -1;
        if (w) {
            w->p = p;
            w->t = k;
            rc = pthread_create(&p->tid[k - 1], NULL, pool_main, w);
            if (rc != 0)
                free(w);
        }
        if (rc != 0) {
            snprintf(err, errlen, "cannot start thread %d of %d: %s", k + 1, threads,
                     rc > 0 ? strerror(rc) : "out of memory");
            /* the barrier counts the started ones only */
            __atomic_store_n(&p->n, p->started + 1, __ATOMIC_RELEASE);
            pool_free(p);
            return NULL;
        }
        p->started++;
    }
    return p;
}

void pool_free(pool *p)
{
    int k;
    if (!p)
        return;
    if (p->started > 0) {
        p->quit = 1;
        pool_barrier(p);
        for (k = 0; k < p->started; ++k)
            pthread_join(p->tid[k], NULL);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->tid);
    free(p);
}

int pool_size(const pool *p)
{
    return p ? p->n : 1;
}

void pool_run(pool *p, pool_fn fn, void *ctx)
{
    if (!p || p->n == 1) {
        fn(ctx, 0, 1);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    pool_barrier(p);
    fn(ctx, 0, p->n);
    pool_barrier(p);
}

void pool_sync(pool *p)
{
    if (p && p->n > 1)
        pool_barrier(p);
}
