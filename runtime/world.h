/*
 * world.h -- the processes of one job started by mpirun, as the runner
 * sees them: a rank, a size, and the few collective operations that
 * data-parallel training and sweeps need.  cnngen writes no networking of
 * its own; MPI does it, from a plugin (runtime/mpi/cnngen_mpi.c, built
 * with mpicc into lib/cnngen_mpi.so beside the binary) that world_join
 * loads only when the process was started by an MPI launcher.  A plain
 * `cnngen run` neither loads nor links MPI.
 *
 * Every operation is collective: every rank calls it, in the same order.
 * An operation that fails ends the whole job (MPI's default error
 * handler); none returns an error.
 *
 *   sum_f(w, v, n)     v[0..n) <- the sum over the ranks of every rank's
 *                      v, formed in rank order, (((v_0 + v_1) + v_2) + ...),
 *                      in float: the same bits on every rank, run after
 *                      run, whatever the MPI library's algorithms (a
 *                      reduce-scatter into n/size blocks, summed in rank
 *                      order, then an all-gather: 2(size-1)/size · 4n
 *                      bytes sent a rank, as a ring all-reduce sends)
 *   sum_d(w, v, n)     the same in double
 *   bcast(w, buf, len) rank 0's buf[0..len) to every rank
 *   gather(w, s, len)  on rank 0: a malloc'd array of `size` strings
 *                      (each malloc'd; NUL-terminated, lens optional)
 *                      holding every rank's s[0..len), in rank order;
 *                      NULL elsewhere
 *   abort(w, status)   end every process of the job now (after one
 *                      line on stderr: the caller's)
 *   leave(w)           the end of the job for this process (MPI_Finalize)
 *
 * The plugin exports one function, CNNGEN_WORLD_OPEN_SYM, of type
 * world_open_fn, which fills a world or writes a message.
 */
#ifndef CNNGEN_WORLD_H
#define CNNGEN_WORLD_H

#include <stddef.h>
#include <stdio.h>

typedef struct world world;

struct world {
    int rank, size;
    void (*sum_f)(world *w, float *v, size_t n);
    void (*sum_d)(world *w, double *v, size_t n);
    void (*bcast)(world *w, void *buf, size_t len);
    char **(*gather)(world *w, const char *s, size_t len, size_t *lens);
    void (*abort)(world *w, int status);
    void (*leave)(world *w);
    void *impl;                 /* the plugin's */
    void *dl;                   /* the plugin's dlopen handle */
};

#define CNNGEN_WORLD_OPEN_SYM "cnngen_world_open"
typedef int (*world_open_fn)(world *w, char *err, size_t errlen);

/* 1 when this process was started by an MPI launcher (mpirun sets
 * OMPI_COMM_WORLD_SIZE or PMIX_RANK): a getenv or two, nothing loaded. */
int world_launched(void);

/* Join the job: load the plugin ($CNNGEN_MPI_PLUGIN, else
 * lib/cnngen_mpi.so beside the executable, else ../lib/cnngen/cnngen_mpi.so)
 * and initialize MPI.  Returns 0, or -1 with a message. */
int world_join(world *w, char *err, size_t errlen);

/* Leave the job and unload the plugin; safe on a world never joined. */
void world_leave(world *w);

/* The one world of a process: NULL for a plain run, else the joined one
 * (world_process joins on its first call under a launcher; a failure is
 * one line and exit status 1).  cmd_run and the experiment API share it. */
world *world_process(void);

/* ---- one line, from the rank that failed ------------------------------

 * Setting up a run (generating, building, reading data) fails the same
 * way on every rank, or on one node alone.  world_hold sends this
 * process's stderr to a temporary file; world_agree, called by every rank
 * once, with the status of its setup, returns it to the terminal and
 * returns the job's status: 0 when every rank succeeded (rank 0 then
 * prints what it held: notes), else the status of the first rank that
 * failed, which alone prints the first line it held, as
 * "cnngen: rank R: message".  Every rank then ends with that status,
 * without a hang. */
typedef struct world_hold {
    int saved;                  /* the real stderr (dup), or -1 */
    FILE *tmp;
} world_hold;

void world_hold_stderr(world_hold *h);
int world_agree(world *w, world_hold *h, int status);

#endif
