/*
 * cnngen_mpi.c -- the MPI plugin: world.h's operations on MPI_COMM_WORLD.
 * Built with mpicc into lib/cnngen_mpi.so and loaded by world_join only
 * under mpirun, so cnngen itself never links MPI.
 *
 * The sums are formed in rank order by the plugin itself, not by
 * MPI_Allreduce, whose association of a float sum depends on the
 * library's choice of algorithm: an MPI_Alltoallv hands block b of every
 * rank's vector to rank b (a reduce-scatter's traffic), rank b adds the
 * blocks in rank order, and an MPI_Allgatherv returns the summed blocks
 * to everyone.  Each rank sends and receives (size-1)/size of the vector
 * twice, as in a ring all-reduce.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

typedef struct mpi_impl {
    int *cnt, *dsp, *rcnt, *rdsp;   /* [size] each: the block layout */
    void *recv;                     /* size blocks of one rank's share */
    size_t recv_bytes;
} mpi_impl;

static void die(const world *w, const char *what, size_t len)
{
    fprintf(stderr, "cnngen: rank %d: %s of %zu values: out of memory\n", w->rank, what, len);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* Block b of n values over size ranks: [n*b/size, n*(b+1)/size). */
static size_t block_at(size_t n, int size, int b)
{
    return (size_t)((unsigned long long)n * (unsigned long long)b / (unsigned long long)size);
}

/* The layout of a sum of n values of elem bytes; returns my block's length. */
static size_t layout(world *w, size_t n, size_t elem)
{
    mpi_impl *m = w->impl;
    size_t mine = block_at(n, w->size, w->rank + 1) - block_at(n, w->size, w->rank);
    int b;
    if (n > (size_t)INT32_MAX) {
        fprintf(stderr, "cnngen: rank %d: a sum of %zu values is too long\n", w->rank, n);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (b = 0; b < w->size; ++b) {
        m->dsp[b] = (int)block_at(n, w->size, b);
        m->cnt[b] = (int)(block_at(n, w->size, b + 1) - block_at(n, w->size, b));
        m->rcnt[b] = (int)mine;
        m->rdsp[b] = (int)(mine * (size_t)b);
    }
    if (mine * (size_t)w->size * elem > m->recv_bytes) {
        free(m->recv);
        m->recv_bytes = mine * (size_t)w->size * elem;
        if (!(m->recv = malloc(m->recv_bytes)))
            die(w, "a sum", n);
    }
    return mine;
}

/* r holds `size` blocks of `mine` values: add them into the first, in
 * rank order, (((v_0 + v_1) + v_2) + ...). */
static void fold_f(void *blocks, size_t mine, int size)
{
    float *r = blocks;
    size_t i;
    int b;
    for (b = 1; b < size; ++b)
        for (i = 0; i < mine; ++i)
            r[i] += r[(size_t)b * mine + i];
}

static void fold_d(void *blocks, size_t mine, int size)
{
    double *r = blocks;
    size_t i;
    int b;
    for (b = 1; b < size; ++b)
        for (i = 0; i < mine; ++i)
            r[i] += r[(size_t)b * mine + i];
}

/* The sum of world.h: the blocks to their ranks, folded, gathered back. */
static void sum(world *w, void *v, size_t n, size_t elem, MPI_Datatype type,
                void (*fold)(void *, size_t, int))
{
    mpi_impl *m = w->impl;
    size_t mine;
    if (w->size == 1 || n == 0)
        return;
    mine = layout(w, n, elem);
    MPI_Alltoallv(v, m->cnt, m->dsp, type, m->recv, m->rcnt, m->rdsp, type, MPI_COMM_WORLD);
    fold(m->recv, mine, w->size);
    MPI_Allgatherv(m->recv, (int)mine, type, v, m->cnt, m->dsp, type, MPI_COMM_WORLD);
}

static void sum_f(world *w, float *v, size_t n)
{
    sum(w, v, n, sizeof *v, MPI_FLOAT, fold_f);
}

static void sum_d(world *w, double *v, size_t n)
{
    sum(w, v, n, sizeof *v, MPI_DOUBLE, fold_d);
}

static void bcast(world *w, void *buf, size_t len)
{
    (void)w;
    MPI_Bcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD);
}

static char **gather(world *w, const char *s, size_t len, size_t *lens)
{
    mpi_impl *m = w->impl;
    int mine = (int)len, b;
    char *all = NULL, **out = NULL;
    size_t total = 0;
    MPI_Gather(&mine, 1, MPI_INT, m->rcnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (w->rank == 0) {
        for (b = 0; b < w->size; ++b) {
            m->rdsp[b] = (int)total;
            total += (size_t)m->rcnt[b];
        }
        all = malloc(total ? total : 1);
        out = calloc((size_t)w->size, sizeof *out);
        if (!all || !out)
            die(w, "a gather", total);
    }
    MPI_Gatherv(s, mine, MPI_BYTE, all, m->rcnt, m->rdsp, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (w->rank != 0)
        return NULL;
    for (b = 0; b < w->size; ++b) {
        size_t k = (size_t)m->rcnt[b];
        if (!(out[b] = malloc(k + 1)))
            die(w, "a gather", k);
        memcpy(out[b], all + m->rdsp[b], k);
        out[b][k] = '\0';
        if (lens)
            lens[b] = k;
    }
    free(all);
    return out;
}

static void abort_job(world *w, int status)
{
    (void)w;
    fflush(stdout);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, status);
}

static void leave(world *w)
{
    mpi_impl *m = w->impl;
    int done = 0;
    MPI_Finalized(&done);
    if (!done)
        MPI_Finalize();
    if (m) {
        free(m->cnt);
        free(m->recv);
        free(m);
    }
    w->impl = NULL;
}

int cnngen_world_open(world *w, char *err, size_t errlen);

int cnngen_world_open(world *w, char *err, size_t errlen)
{
    mpi_impl *m;
    int ok = 0;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI_Init failed");
        return -1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &w->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w->size);
    m = calloc(1, sizeof *m);
    if (m && (m->cnt = calloc(4 * (size_t)w->size, sizeof *m->cnt)) != NULL)
        ok = 1;
    if (!ok) {
        free(m);
        snprintf(err, errlen, "out of memory for %d ranks", w->size);
        MPI_Finalize();
        return -1;
    }
    m->dsp = m->cnt + w->size;
    m->rcnt = m->dsp + w->size;
    m->rdsp = m->rcnt + w->size;
    w->impl = m;
    w->sum_f = sum_f;
    w->sum_d = sum_d;
    w->bcast = bcast;
    w->gather = gather;
    w->abort = abort_job;
    w->leave = leave;
    return 0;
}
