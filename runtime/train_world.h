/*
 * train_world.h -- what the ranks of an mpirun job (world.h) do together
 * around the training loop: start from rank 0's parameters and position,
 * evaluate on shards of the test set, and check once an epoch that every
 * rank still holds the same parameters.  The step itself is train.c's
 * (train_threads: the mini-batch split across ranks).
 */
#ifndef CNNGEN_TRAIN_WORLD_H
#define CNNGEN_TRAIN_WORLD_H

#include <stddef.h>

#include "train.h"
#include "world.h"

/* Rank 0's parameters, and its int values (a position, a seed's halves),
 * to every rank. */
void train_world_share(world *w, float *params, size_t count, int *vals, int nvals);

/* train_eval on the whole of s, each rank evaluating its contiguous shard
 * (train_slice's split) and the counts, costs and confusion matrices
 * summed: the same accuracy and matrix as one process's, the cost to
 * float rounding.  Every rank gets the result.  Returns 0, or -1 with a
 * message (then the caller must end the job: the other ranks did not
 * fail). */
int train_world_eval(world *w, const net_api *api, const float *params, const ds_split *s,
                     train_cost kind, train_eval_result *r, char *err, size_t errlen);

/* Whether every rank holds rank 0's parameters (their hashes compared):
 * -1 when they do, else the first rank whose parameters differ -- on
 * every rank. */
int train_world_check(world *w, const float *params, size_t count);

#endif
