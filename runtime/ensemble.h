/*
 * ensemble.h -- several trained nets of one architecture voting on each
 * test image, as in Nielsen's chapter 6 (five nets voting: 99.67%).
 *
 * The vote is Nielsen's: each member votes for its arg-max class (the
 * first on ties, as predict), the class with the most votes wins, and a
 * tie between classes is broken by the members' outputs summed over
 * the members: the tied class with the largest sum wins (the lowest class
 * if that ties too).  Summed outputs only break ties; they do not
 * outweigh a majority.
 */
#ifndef CNNGEN_ENSEMBLE_H
#define CNNGEN_ENSEMBLE_H

#include <stddef.h>

#include "dataset.h"
#include "net_api.h"
#include "train.h"

/* The vote of `members` output vectors y[m * classes + j] (above). */
int ensemble_vote(const float *y, int members, int classes);

typedef struct ensemble_result {
    int members;
    train_eval_result *member;  /* [members]: each alone, as train_eval gives it */
    train_eval_result vote;     /* the ensemble: accuracy and confusion of the vote;
                                   cost: of the members' mean output */
    int *predicted;             /* [n]: the vote on each sample */
    float *probability;         /* [n]: the members' mean output for that class */
} ensemble_result;

/* Evaluate the members params[0..members) (one build, api, float) on
 * every sample of s, each alone and voting.  0, or -1 (out of memory,
 * sample size) with a message. */
int ensemble_eval(const net_api *api, const float *const *params, int members, const ds_split *s,
                  train_cost kind, ensemble_result *r, char *err, size_t errlen);
void ensemble_free(ensemble_result *r);

#endif
