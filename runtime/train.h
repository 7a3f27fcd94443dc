/*
 * train.h -- the training loop of `cnngen run` and the evaluation of
 * `cnngen run` / `cnngen eval`, on any network reached through struct
 * net_api (float build): epochs, seeded shuffling, mini-batches through
 * train_batch, test accuracy / cost / confusion matrix, Ctrl-C, and the
 * small training-state file that makes a resumed run bit-identical to an
 * uninterrupted one.
 *
 * Reproducibility.  The order of epoch e (0-based) is the identity
 * permutation of the training set shuffled by an rng seeded from (seed, e)
 * alone (train_order), not from the previous epoch's order; the parameters
 * start from init(params, seed).  So the state of a run after k samples of
 * epoch e is a function of (seed, hyper-parameters, e, k), and a run can be
 * resumed at any mini-batch boundary from the weights plus (e, k).
 *
 * Resume state ("W.state" beside a weights file W; see train_state_*).
 * The weights file format (checkpoint.h) has no room for the epoch, so it
 * goes into a text sidecar holding, for the last two saves, the checksum of
 * the weights saved and how far training had got:
 *
 *     cnngen training state 1
 *     arch 0123456789abcdef
 *     seed 1
 *     weights 89ab...  epoch 2 sample 0      <- the newest save
 *     weights 4567...  epoch 1 sample 0      <- the one before
 *
 * "epoch E sample K": E epochs complete, K samples of epoch E+1 done (K > 0
 * only after Ctrl-C).  A save writes the sidecar first (atomically), then
 * the weights (atomically), so at every instant -- kill -9 included -- the
 * weights on disk match one of the two lines; loading matches the loaded
 * weights' checksum against them.  Weights with no matching line (no
 * sidecar, or weights from elsewhere) start at epoch 1.
 */
#ifndef CNNGEN_TRAIN_H
#define CNNGEN_TRAIN_H

#include <stddef.h>

#include "dataset.h"
#include "expand.h"
#include "net_api.h"
#include "world.h"

/* ---- shuffling and the loop ------------------------------------------ */

/* order[0..n) = the permutation of 0..n-1 used in epoch `epoch` (0-based)
 * of a run seeded with `seed`: a pure function of (seed, epoch, n). */
void train_order(int *order, int n, unsigned long long seed, int epoch);

/* Called after every mini-batch: samples done in this epoch (from 0, the
 * resumed ones included), the epoch's size, the batch's cost, and the mean
 * cost of the samples trained in this run of the epoch so far. */
typedef void (*train_batch_fn)(void *ctx, int done, int total, double batch_cost,
                               double mean_cost);

typedef struct train_team train_team;  /* several threads: train_threads */

typedef struct train_ctx {
    const net_api *api;         /* float build */
    float *params;              /* param_count, the caller's */
    const ds_split *data;       /* training split */
    int batch;                  /* mini-batch size */
    float eta, l2;              /* n_train for L2 = data->n */
    unsigned long long seed;
    /* owned (train_init / train_free) */
    float *grad, *xbuf;
    int *ybuf, *order;
    void *work;
    train_team *team;           /* NULL: one thread, train_batch */
    /* Optional (the tiered backend): called before every mini-batch of
     * train_epoch; a non-NULL result other than api is another build of
     * the same net to train with from this batch on (train_use_api).  The
     * parameters live in params, so a switch loses nothing. */
    const net_api *(*next_api)(void *ctx);
    void *next_ctx;
    /* Optional: momentum (train_momentum) and the expanded set
     * (train_expand); zero when unused. */
    float mu;                   /* 0: plain SGD */
    float *velocity;            /* param_count, the caller's; NULL when mu = 0 */
    struct train_span *mspans;  /* owned: weights and biases, for the L2 term */
    int nmspans;
    expand_kind expand;
    /* Dropout (nets with api->train_key): the key of the step in progress,
     * set by train_epoch: the mini-batch's number since the start of
     * training and the position of its first sample in the epoch's order.
     * A slice of the batch on another thread starts that many samples on,
     * so the masks depend on neither --chunk nor --threads. */
    unsigned long long key_step, key_first;
    /* Optional: the processes of an mpirun job training together (set
     * before train_threads; see train_threads).  world_stop: a rank asked
     * to stop (Ctrl-C) in the last step, known to every rank at once. */
    world *world;
    int world_stop;
    double world_secs;          /* seconds spent in the ranks' sums (a caller resets it) */
} train_ctx;

/* Set up t for training params on data (allocates grad, work, a batch
 * buffer and the order).  Returns 0, or -1 with a message (out of memory,
 * sample size != api->in_size, empty data). */
int train_init(train_ctx *t, const net_api *api, float *params, const ds_split *data,
               int batch, float eta, float l2, unsigned long long seed,
               char *err, size_t errlen);
void train_free(train_ctx *t);

typedef struct train_epoch_result {
    int next;                   /* samples of the epoch done when it returned */
    int samples;                /* trained by this call */
    double cost;                /* their mean cost (train_batch's, before each step) */
    int interrupted;            /* 1: stopped early by train_stop_requested() */
    int diverged;               /* 1: stopped at the mini-batch starting at sample
                                   `next`, whose cost was not finite (diverge.h) */
    double first_cost;          /* the cost of its first mini-batch */
} train_epoch_result;

/* Train epoch `epoch` (0-based) from sample `start` of its order to its
 * end, in mini-batches of t->batch (the last one may be short), calling fn
 * (may be NULL) after each; stops early, at the end of a mini-batch, when
 * train_stop_requested() becomes true, or at once after a mini-batch whose
 * cost is not finite (r->diverged; diverge.h says where). */
void train_epoch(train_ctx *t, int epoch, int start, train_batch_fn fn, void *ctx,
                 train_epoch_result *r);

/* Samples in one epoch: the training set's, times the expansion's factor
 * (train_expand).  n in Nielsen's L2 term is this size. */
int train_epoch_size(const train_ctx *t);

/* Train on the expanded set (expand.h) from now on: each epoch shuffles
 * and trains train_epoch_size(t) samples, made on the fly.  Returns 0, or
 * -1 with a message (out of memory, a set too large). */
int train_expand(train_ctx *t, expand_kind kind, char *err, size_t errlen);

/* Samples k .. k+n-1 of t->order (train_order of the epoch) into t->xbuf
 * and t->ybuf, back to back: the mini-batch train_epoch trains on. */
void train_gather(train_ctx *t, int k, int n);

/* The step at sample k of epoch `epoch` (0-based) is next: dropout's key
 * (train_ctx.key_step, key_first) for it; train_epoch calls it before
 * each step, a replay of the epoch must too. */
void train_key_at(train_ctx *t, int epoch, int k);

/* ---- one step, on one thread or several -------------------------------- */

/* One SGD step on the n samples x (back to back) with labels y: with one
 * thread, the generated train_batch; with a team (train_threads), the
 * same step split across the threads (see train_threads).  Returns the
 * batch's mean cost before the step, as train_batch does. */
float train_step(train_ctx *t, const float *x, const int *y, int n);

/* The step on samples k .. k+n-1 of t->order (train_order of the epoch):
 * train_gather, then train_step on t->xbuf, t->ybuf; but a team (without
 * a world) gathers in its threads, each its own slice of the batch, so
 * that the samples a thread steps are in its core's cache and no thread
 * waits for a serial gather.  t->xbuf and t->ybuf hold the batch after. */
float train_step_at(train_ctx *t, int k, int n);

/* A range of the flat parameter vector: a layer's weights (decay = 1: the
 * L2 term shrinks them) or biases (decay = 0). */
typedef struct train_span {
    size_t off, count;
    int decay;
} train_span;

/* Train on `threads` threads from now on (1: back to train_batch).  The
 * spans must tile the parameter vector (every parameter in exactly one);
 * the generator knows them (net.h's net_threads).
 *
 * A step on T threads: thread k takes the k-th contiguous slice of the
 * mini-batch (n_k samples, sizes differing by at most one) and runs the
 * generated loss_grad on it, with its own work struct and gradient
 * buffer; after a barrier each thread reduces, for its own share of the
 * parameters, the slices' gradients weighted by n_k / n -- which is the
 * whole batch's mean gradient g -- and applies Nielsen's update exactly as
 * train_batch does:
 *     w <- (1 - eta*l2/n_train)*w - eta*g      b <- b - eta*g
 * So the step equals train_batch on the whole batch up to float rounding
 * (the sums are associated differently).  Unlike train_batch's, the step
 * leaves the gradient buffers holding the slices' gradients, not the
 * batch's.  Returns 0, or -1 with a message
 * (spans that do not tile, out of memory, a thread that cannot start).
 *
 * With t->world (several processes, any number of threads each, one
 * included: a world always trains through a team): rank r of R takes
 * the r-th contiguous slice of the mini-batch (train_slice's split) and
 * its T threads split that slice as above; each rank forms its part of
 * the mean gradient, Σ over its threads of (n_k / n) g_k, the ranks sum
 * the parts in rank order (world.h: sum_f, one all-reduce a step, the
 * batch's cost and the stop flag riding along), and every rank applies
 * the same update to its copy of the parameters.  R ranks of one thread
 * split a batch exactly as R threads do and add the same products in the
 * same order, so they end with the same weights, bit for bit, as one
 * process with --threads R. */
int train_threads(train_ctx *t, int threads, const train_span *spans, int nspans,
                  char *err, size_t errlen);          /* threads <= TRAIN_MAX_THREADS */

#define TRAIN_MAX_THREADS 256

/* Train with momentum mu (0 < mu < 1; momentum.h) from now on: on one
 * thread, a step is the generated train_batch_momentum when the code has
 * it (api->train_momentum), else loss_grad's mean gradient followed by
 * momentum_update over the spans (as train_threads': weights decayed,
 * biases not); on several, the reduced gradient followed by the same.  velocity is the caller's, param_count floats: zeros for a
 * fresh start, or the velocity saved with the weights to resume.  mu = 0
 * goes back to plain SGD.  Returns 0, or -1 with a message. */
int train_momentum(train_ctx *t, float mu, float *velocity, const train_span *spans, int nspans,
                   char *err, size_t errlen);

/* Slice k of count samples split n ways (a mini-batch across threads or
 * ranks, a test set across ranks): [*off, *off + *len), contiguous, in
 * order, sizes differing by at most one. */
void train_slice(int count, int n, int k, int *off, int *len);

/* The number of threads t trains on. */
int train_thread_count(const train_ctx *t);

/* Train with api from now on: another build (tcc, cc) of the same net --
 * same parameter count and sample size; work structs are reallocated if
 * its size differs.  Returns 0, or -1 (t unchanged) when api does not fit
 * or memory runs out. */
int train_use_api(train_ctx *t, const net_api *api);

/* ---- evaluation ------------------------------------------------------- */

/* The cost functions of docs/design.md, computed from a sample's outputs. */
typedef enum train_cost {
    TRAIN_COST_LOGLIK,          /* C = −ln a_y                          */
    TRAIN_COST_CROSSENTROPY,    /* C = −Σ_j [y_j ln a_j + (1−y_j) ln(1−a_j)] */
    TRAIN_COST_QUADRATIC        /* C = ½ Σ_j (a_j − y_j)²               */
} train_cost;

/* "log-likelihood", "cross-entropy", "quadratic" -> *out; 0 or -1. */
int train_cost_parse(const char *name, train_cost *out);

/* C of one sample with outputs a[0..n_out) and label y (one-hot).  The
 * logarithms clamp their argument at 1e-30, so a saturated float output
 * costs about 69 rather than infinity. */
double train_sample_cost(train_cost kind, const float *a, int n_out, int label);

typedef struct train_eval_result {
    int n, correct;
    double accuracy;            /* correct / n, 0..1 */
    double cost;                /* mean cost, without the L2 term */
    int classes;                /* api->out_size */
    long *confusion;            /* [true][predicted], classes², malloc'd */
} train_eval_result;

/* Evaluate params on every sample of s with api->forward (prediction =
 * the arg-max output, the first on ties, as predict).  Returns 0, or -1
 * (out of memory) with a message.  fn, if not NULL, is called every 1000
 * samples with (ctx, done, total, 0, 0). */
int train_eval(const net_api *api, const float *params, const ds_split *s, train_cost kind,
               train_batch_fn fn, void *ctx, train_eval_result *r, char *err, size_t errlen);
void train_eval_free(train_eval_result *r);

/* ---- Ctrl-C ----------------------------------------------------------- */

/* Install a SIGINT handler that only sets the stop flag (a second Ctrl-C
 * kills as usual), or restore the previous disposition.  The flag lives in
 * this file: it is the one piece of global state the runtime has, as a
 * signal handler needs. */
void train_sigint_install(void);
void train_sigint_restore(void);
int train_stop_requested(void);
void train_stop_reset(void);

/* ---- resume state ------------------------------------------------------ */

#define TRAIN_STATE_SUFFIX ".state"
#define TRAIN_STATE_ENTRIES 2

typedef struct train_pos {
    unsigned long long weights;     /* train_params_hash of the weights */
    int epoch;                      /* epochs complete */
    int sample;                     /* samples of the next epoch done */
} train_pos;

typedef struct train_state {
    unsigned long long arch_hash, seed;
    int n;                          /* entries used, newest first */
    train_pos pos[TRAIN_STATE_ENTRIES];
} train_state;

/* The checksum a weights file stores for these parameters (FNV-1a of
 * their little-endian float bytes; checkpoint.h). */
unsigned long long train_params_hash(const float *params, size_t count);

/* Read the sidecar of weights path `weights` into *st.  Returns 1 when it
 * was read, 0 when there is none, -1 (with a message) when it exists but
 * cannot be read or parsed. */
int train_state_load(const char *weights, train_state *st, char *err, size_t errlen);

/* Write *st as the sidecar of `weights`, atomically (temporary, fsync,
 * rename).  Returns 0, or -1 with a message. */
int train_state_save(const char *weights, const train_state *st, char *err, size_t errlen);

/* The entry of st whose checksum is `hash`, or NULL. */
const train_pos *train_state_find(const train_state *st, unsigned long long hash);

/* Make p the newest entry of st (the previous newest becomes the older). */
void train_state_push(train_state *st, const train_pos *p);

#endif
