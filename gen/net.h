/*
 * net.h -- the generator, called once.  A network description goes in; out
 * come the facts of its network (name, cost, sizes, MACs, architecture
 * hash), its layer records, its train{} with the defaults filled in, and
 * the C code of every form asked for (gen/lua/build.lua).  The description
 * runs once in the sandbox and is resolved once, whatever the number of
 * forms.  Every command, the tiered backend, the int8 calibration and the
 * experiment API go through here.
 *
 *   net_request rq = { 0 };  net n;  net_api api;
 *   rq.path = "NET.lua";  rq.forms[rq.nforms++] = "cc";
 *   if (net_generate(T, &rq, &n, err, sizeof err) == HOST_OK
 *       && net_compile(&n, 0, NULL, &api, err, sizeof err) == 0) ...
 *   net_free(&n);
 *
 * Then, for a net in hand: net_more (another form of the same resolved
 * net), net_compile (a form built in-process), net_threads (training on
 * several threads, by its layers' parameter spans), net_weights_data (its
 * weights and a data set, checked against it).
 */
#ifndef CNNGEN_NET_H
#define CNNGEN_NET_H

#include <stddef.h>

#include "lua.h"
#include "calib.h"
#include "jit.h"

struct dataset;                 /* runtime/dataset.h */
struct train_ctx;               /* runtime/train.h */

#define NET_MAX_FORMS 2

/* A description run in the sandbox: its plain result, kept in T's
 * registry, and what messages and the code's front matter say of it. */
typedef struct net_desc {
    lua_State *T;
    int ref;                    /* the result; LUA_NOREF: none */
    int last_line;              /* 0: unknown (a table a script built) */
    char source_hash[17];       /* "": unknown */
} net_desc;

/* Run the description file at path in the sandbox, into *d.  HOST_OK, or
 * HOST_USER with the one-line message in err. */
int net_describe(lua_State *T, const char *path, net_desc *d, char *err, size_t errlen);

/* Keep the value on the top of T's stack (popped) as a description. */
void net_desc_keep(lua_State *T, int last_line, const char *source_hash, net_desc *d);

/* Release what d keeps; safe on a zeroed or freed d. */
void net_desc_free(net_desc *d);

/* What to generate.  Zero means "not asked": the description's name, the
 * form's default --unroll, float, training code. */
typedef struct net_request {
    const char *path;           /* the description's file: its name in messages and code */
    const net_desc *desc;       /* the description already run, or NULL: run path now */
    const char *forms[NET_MAX_FORMS];   /* the backend each form is for ("tcc",
                                   "cc": its --unroll and e^x), or NULL (none named) */
    int nforms;
    const char *name, *real, *unroll;
    long chunk;                 /* --chunk: samples a training work struct holds */
    long batch;                 /* --batch: the mini-batch the training code will take,
                                   which sizes the chunk when no --chunk is given (a
                                   batch of exactly the chunk takes the fused step);
                                   0: the description's train.batch */
    int inference;              /* inference code, weights baked in */
    const char *weights;        /* the weights file to bake in (inference) */
    const char *quantize;       /* "int8": quantized inference code, from calib */
    const quant_calib *calib;
    int ranges;                 /* the unit gets <name>_jit_ranges (calibration) */
    int activations;            /* the unit gets <name>_jit_activation (a report's
                                   feature maps) */
    int profile;                /* training code's unit gets <name>_jit_profile and
                                   the memory bound's passes (bench's breakdown) */
    int momentum;               /* training code gets <name>_train_batch_momentum
                                   (as when the description's train{} has momentum) */
    int with_info;              /* 1: also `cnngen info`'s table of the training
                                   code, in n->info.text (a report's) */
    const char *header_name, *c_name;   /* emit: the files' names (NULL: <name>.h, .c) */
    int files;                  /* 1: each form's c and h (emit); 0: its unit */
    int more;                   /* 1: keep the resolved net for net_more (then free
                                   the net before closing T) */
    int info;                   /* 1: `cnngen info`'s table (net.info) instead of code */
} net_request;

typedef struct net_layer {
    char kind[16], act[16];     /* act: "" for a kind without σ */
    char desc[256];             /* the generated code's one-line description */
    int index;                  /* 1-based, as in Nielsen */
    size_t woff, wcount, boff, bcount;
    int in[3], out[3];          /* its input's and output's [c][h][w] */
    int kh, kw;                 /* a kernel's or window's rows and columns; 0: none */
    double macs_fwd, macs_bwd;  /* per sample */
} net_layer;

/* The description's train{}, every field but limit filled in by the
 * generator's defaults (gen/lua/dsl.lua: train_schema). */
typedef struct net_train {
    double eta, l2;
    double momentum;            /* 0: plain SGD */
    long batch, epochs, limit;  /* limit 0: none */
    unsigned long long seed;
    char data[1024];
    char expand[16];            /* "none", "shift1" (runtime/expand.h) */
} net_train;

typedef struct net_form {
    const char *backend;        /* as asked: "tcc", "cc" or NULL */
    char *unit;                 /* the translation unit the JIT builds (rq.files 0) */
    char *c, *h;                /* <name>.c and <name>.h (rq.files 1) */
    size_t clen, hlen;
} net_form;

/* `cnngen info`: the layer table, and for inference code the code whose
 * footprint it measures (stand-in weights; cnngen.lua's info). */
typedef struct net_info {
    char *text;
    int measured;               /* 1: the fields below are set */
    char *c, *h;
    size_t clen, hlen;
    char name[64], header_name[80], options[256], weights_note[256];
    size_t work_bytes, weights_bytes;
} net_info;

typedef struct net {
    char name[64], cost[32];
    int is_double;              /* the request's --real double */
    unsigned long long arch_hash;
    size_t param_count, in_size, out_size;
    int in_c, in_h, in_w;
    double macs_fwd, macs_bwd;  /* per sample (`cnngen info`) */
    net_train train;
    net_layer *layers;
    int nlayers;
    net_form form[NET_MAX_FORMS];
    int nforms;
    net_info info;              /* rq.info; rq.with_info: its text alone */
    /* the generator's result, for net_more (rq.more); else T is NULL and
     * the net is plain C data, which may outlive T */
    lua_State *T;
    int ref;
    int files;
} net;

/* Generate what rq asks for into *n.  HOST_OK, or HOST_USER (the
 * description's or a flag's error) / HOST_INTERNAL with the message in
 * err, for host_report; *n is then empty. */
int net_generate(lua_State *T, const net_request *rq, net *n, char *err, size_t errlen);

/* One more form of n's net (generated with rq.more), for backend,
 * appended to n->form (the same resolved net: the description does not
 * run again).  HOST_OK or a
 * status as net_generate's. */
int net_more(net *n, const char *backend, char *err, size_t errlen);

/* Release what n holds; safe on a zeroed or freed n. */
void net_free(net *n);

/* Build form k of n in-process with its backend (NULL: tcc), cc with
 * `cc` (NULL: jit.h's defaults).  0, or -1 with the message in err. */
int net_compile(const net *n, int k, const jit_cc_opts *cc, net_api *api, char *err,
                size_t errlen);

/* Train t on `threads` threads from now on (train.h: train_threads), the
 * parameter spans from n's layer records.  0, or -1 with a message. */
int net_threads(const net *n, struct train_ctx *t, int threads, char *err, size_t errlen);

/* Train t with momentum mu from now on (train.h: train_momentum), the
 * weights and biases told apart by n's layer records; velocity: the
 * caller's param_count floats.  0, or -1 with a message. */
int net_momentum(const net *n, struct train_ctx *t, double mu, float *velocity, char *err,
                 size_t errlen);

/* Training t of n went non-finite in epoch `epoch` (0-based) with r
 * (diverge_watch_failed): where (diverge_find, on t's build and its
 * activation read-out, if the unit has one: rq.activations).  0, or -1
 * with a message; either way t's parameters are back to the epoch's start. */
struct diverge_watch;
struct diverge_where;
struct train_epoch_result;
int net_diverged(const net *n, struct diverge_watch *w, struct train_ctx *t, int epoch,
                 const struct train_epoch_result *r, struct diverge_where *where, char *err,
                 size_t errlen);

/* Load `weights` into params (n's parameter count, float) and the data
 * set `data` (NULL: the description's train.data; *data_name gets the one
 * used) into *ds, checked against n's input and outputs.  The weights
 * first, so a wrong file is reported before the data is read.  0, or -1
 * with the message in err (*ds left empty). */
int net_weights_data(const net *n, const char *weights, const char *data, float *params,
                     struct dataset *ds, const char **data_name, char *err, size_t errlen);

#endif
