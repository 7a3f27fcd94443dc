/*
 * diverge.h -- a training run that has gone non-finite: stop, and say where.
 *
 * Watching costs nothing measurable: train_epoch already sums each
 * mini-batch's cost and stops at the first one that is not finite
 * (train_epoch_result.diverged); the parameters are checked once an
 * epoch, before they are saved (an inf weight under a saturated sigmoid
 * can leave the cost finite).  Only when one of the two fails does this
 * file do any work:
 *
 *   1. Replay.  The parameters at the start of the epoch (a copy taken
 *      once an epoch, diverge_watch_begin) are trained again, mini-batch
 *      by mini-batch in the epoch's order (a function of (seed, epoch)
 *      alone, train.h), through the very build that diverged, now with
 *      the cost and every parameter checked after each step and the
 *      parameters before the step kept: the first mini-batch whose cost
 *      or step is not finite.
 *   2. Diagnose.  That mini-batch again, from the parameters before its
 *      step, sample by sample in its order, in computation order: the
 *      input x; forward a^1 .. a^L (the unit's activation read-out,
 *      <net>_jit_activation); the cost; backward, from layer L down,
 *      δ^l (seen in ∂C/∂b^l = Σ δ^l, BP3) and ∂C/∂w^l (BP4), read from
 *      loss_grad's gradient by the layer's parameter ranges.  The first
 *      non-finite value names the sample and the layer.  When every
 *      sample is finite on its own, the batch's summed gradient, then the
 *      step w ← (1 − η·l2/n)·w − (η/m)·Σ ∂C/∂w itself, is what overflowed.
 *
 * The replay trains on the same build, threads and order, so it meets
 * the divergence where the run did; if it does not (a tiered run that
 * switched builds inside the epoch), the mini-batch the run saw is
 * diagnosed from the replayed parameters.  Either way the caller's
 * parameters are left as they were at the start of the epoch: the last
 * good ones.
 */
#ifndef CNNGEN_DIVERGE_H
#define CNNGEN_DIVERGE_H

#include <stddef.h>

#include "train.h"

/* After a forward pass, a^l (1-based) of the work struct's first sample
 * into out; returns its count, 0 for no layer l (<net>_jit_activation). */
typedef size_t (*diverge_activation_fn)(const void *work, int l, float *out);

/* What the diagnosis needs of one layer (the generator's layer record). */
typedef struct diverge_layer {
    int index;                  /* 1-based, as in Nielsen */
    char kind[16];              /* "conv", "dense", ... */
    size_t out;                 /* a^l's values */
    size_t woff, wcount, boff, bcount;  /* its ranges of the parameter vector */
} diverge_layer;

typedef struct diverge_net {
    diverge_layer *layers;      /* malloc'd, in order */
    int nlayers;
    diverge_activation_fn activation;   /* NULL: a^l is not read layer by layer */
} diverge_net;

/* Release dn's layers (dn zeroed; safe twice). */
void diverge_net_free(diverge_net *dn);

/* Where a non-finite value first appeared. */
typedef struct diverge_where {
    int epoch;                  /* 1-based */
    int batch;                  /* 1-based mini-batch of the epoch */
    int sample;                 /* training-set index; -1: no one sample (the batch's sum or step) */
    int layer;                  /* 1-based; 0: the input x; -1: none found (kind "net":
                                   the replay met no non-finite value) */
    char kind[16];              /* the layer's kind, "input" or "net" */
    char what[48];              /* "input x", "forward a^2", "cost", "backward δ^2",
                                   "backward ∂C/∂w^2", "step w^2", "step b^2" */
    char value[8];              /* "nan", "inf" or "-inf": the first such value */
} diverge_where;

/* 1 when p[0..n) are all finite. */
int diverge_finite(const float *p, size_t n);

/* The watch of one run of training: the parameters at the start of the
 * current epoch, and the cost the run started from (for the warning). */
typedef struct diverge_watch {
    float *good;                /* params at the start of the epoch (net_params_new) */
    float *good_v;              /* the momentum's velocity then (NULL: no momentum) */
    size_t count;
    int start;                  /* the sample of the epoch they are at */
    double first_cost;          /* the run's first mini-batch's cost; < 0: not seen */
    int warned;
} diverge_watch;

/* For training api's parameters.  Returns 0, or -1 (out of memory) with a
 * message. */
int diverge_watch_init(diverge_watch *w, const net_api *api, char *err, size_t errlen);
void diverge_watch_free(diverge_watch *w);

/* An epoch begins at sample start from params (and velocity, NULL
 * without momentum): keep them (one copy).  0, or -1 when the copy of the
 * velocity cannot be allocated. */
int diverge_watch_begin(diverge_watch *w, const float *params, const float *velocity, int start);

/* Put t's parameters (and velocity) back to the epoch's start. */
void diverge_watch_restore(const diverge_watch *w, train_ctx *t);

/* 1 when the epoch (0-based) that ended with r went non-finite: its
 * cost, or t's parameters (the one check an epoch). */
int diverge_watch_failed(diverge_watch *w, const train_ctx *t, const train_epoch_result *r);

/* After diverge_watch_failed: find where (replay and diagnosis above) on
 * t's build, whose layers are dn (its activation read-out that build's),
 * into *where.  t->params are back to the epoch's start.  0, or -1 (out
 * of memory; t->params back too) with a message. */
int diverge_find(diverge_watch *w, train_ctx *t, const diverge_net *dn, int epoch,
                 const train_epoch_result *r, diverge_where *where, char *err, size_t errlen);

/* After a finite epoch of mean cost `cost`: 1 (once a run) when it has
 * grown beyond DIVERGE_GROWTH times the run's first mini-batch's cost,
 * with the one-line warning (no "cnngen: " prefix, no newline) in line. */
#define DIVERGE_GROWTH 100.0
int diverge_watch_growth(diverge_watch *w, double cost, double eta, char *line, size_t len);

/* "diverged in epoch E, mini-batch B, training sample S: layer L (kind)
 * forward a^L is nan; try a smaller eta (now ETA)" (no prefix, no
 * newline); for the input x, "...: input x[P] is nan; the data set has a
 * value that is not finite". */
void diverge_message(const diverge_where *w, double eta, char *line, size_t len);

/* The same as JSON members, without braces:
 * "epoch":E,"batch":B,"sample":S,"layer":L,"kind":"dense","where":"forward a^2","value":"nan"
 * (sample or layer -1: null). */
void diverge_json(const diverge_where *w, char *out, size_t len);

#endif
