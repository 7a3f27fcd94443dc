/*
 * pool.h -- a fixed team of threads that run one function together: the
 * mini-batch split of training (train.c) and the image batches of
 * `cnngen bench` (cmd_bench.c).
 *
 *   pool_run(p, fn, ctx)   calls fn(ctx, t, n) once on each of the n threads
 *                          of the team -- t = 0 on the caller's own thread,
 *                          1..n-1 on the workers -- and returns when every
 *                          call has returned.
 *   pool_sync(p)           inside fn: a barrier across the n threads.
 *
 * Everything fn's threads wrote before pool_run returns (or before a
 * pool_sync) is visible to every thread after it.  Between runs the
 * workers spin briefly, then sleep on a condition variable: a mini-batch
 * of a small net takes a millisecond or less, and waking a sleeping thread
 * costs tens of microseconds, so the spin catches the next batch without
 * burning a core while the runner evaluates or saves.
 *
 * A team of one has no threads: pool_run calls fn directly.
 */
#ifndef CNNGEN_POOL_H
#define CNNGEN_POOL_H

#include <stddef.h>

typedef void (*pool_fn)(void *ctx, int t, int n);

typedef struct pool pool;

/* A team of `threads` (>= 1) threads, the caller included.  NULL with a
 * message in err when a thread cannot be started or memory runs out. */
pool *pool_new(int threads, char *err, size_t errlen);

/* Stop and join the workers; safe on NULL. */
void pool_free(pool *p);

/* The number of threads, the caller included (1 for NULL). */
int pool_size(const pool *p);

void pool_run(pool *p, pool_fn fn, void *ctx);
void pool_sync(pool *p);

#endif
