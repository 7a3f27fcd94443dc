/*
 * net_api.h -- a generated network as the runtime reaches it: the
 * function pointers of its API (float or double build), its sizes, and the
 * work struct and parameter vectors it runs on.
 *
 * The generator's JIT backends (gen/jit.h) fill a net_api; training,
 * evaluation and the gradient check (train.h, gradcheck.h) only call
 * through one, so the runtime depends on nothing of the generator.
 */
#ifndef CNNGEN_NET_API_H
#define CNNGEN_NET_API_H

#include <stddef.h>

/* Signatures of the generated API, float build ("--real float"). */
typedef void  (*net_init_f)(float *params, unsigned long long seed);
typedef void  (*net_forward_f)(const float *params, void *w, const float *x, float *y);
typedef int   (*net_predict_f)(const float *params, void *w, const float *x);
typedef float (*net_loss_grad_f)(const float *params, void *w, const float *x,
                                 const int *labels, int n, float *grad);
typedef float (*net_train_batch_f)(float *params, float *grad, void *w, const float *x,
                                   const int *labels, int n, float eta, float l2, int n_train);
typedef float (*net_train_momentum_f)(float *params, float *grad, float *velocity, void *w,
                                      const float *x, const int *labels, int n, float eta,
                                      float l2, int n_train, float mu);
/* The same, double build ("--real double"). */
typedef void   (*net_init_d)(double *params, unsigned long long seed);
typedef void   (*net_forward_d)(const double *params, void *w, const double *x, double *y);
typedef int    (*net_predict_d)(const double *params, void *w, const double *x);
typedef double (*net_loss_grad_d)(const double *params, void *w, const double *x,
                                  const int *labels, int n, double *grad);
typedef double (*net_train_batch_d)(double *params, double *grad, void *w, const double *x,
                                    const int *labels, int n, double eta, double l2, int n_train);

/* Nets with dropout: the key of the next training calls' masks. */
typedef void (*net_train_key_fn)(void *w, unsigned long long seed, unsigned long long step,
                                 unsigned long long first);

typedef float (*net_team_step_fn)(float *params, float *const *grads, void *const *team, const float *x,
                                  const int *labels, int n, float eta, float l2, int n_train, int k,
                                  int T, void (*sync)(void *), void *ctx);

typedef struct net_api {
    int is_double;              /* 0: the f pointers are set; 1: the d pointers */
    int inference;              /* 1: inference code (weights baked in): forward and
                                   predict ignore params; init, loss_grad and
                                   train_batch are NULL */
    size_t in_size, out_size, param_count, work_size;
    union { net_init_f f; net_init_d d; } init;
    union { net_forward_f f; net_forward_d d; } forward;
    union { net_predict_f f; net_predict_d d; } predict;
    union { net_loss_grad_f f; net_loss_grad_d d; } loss_grad;
    union { net_train_batch_f f; net_train_batch_d d; } train_batch;
    net_train_momentum_f train_momentum;    /* float training code generated with
                                               momentum (train_batch_momentum), or NULL */
    const char *backend;        /* "tcc" or "cc" */
    void *impl;                 /* backend state: TCCState* or dlopen handle */
    size_t param_lead;          /* floats before a 64-byte line where parameter
                                   vectors start best (net_params_new) */
    int compiled;               /* 1: this build ran a compiler; 0: the cc backend
                                   reused a cached shared object */
    /* Nets with dropout (NULL without): the key of the masks of the next
     * loss_grad and train_batch calls on work w, <net>_train_key (float and
     * double builds alike).  Training sets it before every call. */
    net_train_key_fn train_key;
    /* The loop form of nets whose dense layers step by rows (float
     * training code; NULL without): <net>_jit_team_step, one SGD step on
     * a mini-batch of exactly team_chunk samples by T threads, each calling
     * it with its own k, work struct team[k] and gradient buffer grads[k],
     * sync a barrier across them (templates/team.c.tpl).  Returns the mean
     * cost of thread k's samples (train_slice's k-th slice). */
    net_team_step_fn team_step;
    size_t team_chunk;
} net_api;

/* A zeroed work struct for api (api->work_size bytes, at least 1), aligned
 * to 64 bytes: the generated code lays its arrays out on cache lines from
 * the struct's start. NULL when out of memory; release with free(). */
void *net_work_new(const net_api *api);

/* A float parameter (or gradient) vector for api, placed so that its
 * largest layer's weights start on a 64-byte line (api->param_lead floats
 * after one; measured: nielsen1's training step 6% faster than placed 16
 * bytes off); NULL when out of memory.  Release with net_params_free. */
float *net_params_new(const net_api *api);
void net_params_free(float *params);

#endif
