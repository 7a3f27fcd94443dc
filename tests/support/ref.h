/*
 * ref.h -- an independent, plain double-precision reference of a cnngen net.
 *
 * Written from the math in docs/design.md (Nielsen ch. 6), never from generated
 * code: simple nested loops, double precision, no cleverness. Tests compare
 * the generated forward pass with ref_forward, its cost with ref_cost, and
 * its gradient with ref_numgrad (central differences of ref_cost).
 *
 * A net is described by plain structs (build them with ref_net_make and the
 * ref_add_* helpers); ref_lua writes the same net as a cnngen description so
 * that one test case feeds both the generator and this reference.
 *
 * Parameter layout (docs/design.md): layer by layer in order, the weights then the
 * biases; conv weights [out_map][in_channel][kh][kw], bias [out_map]; dense
 * weights [unit][input], bias [unit], the input flattened [channel][row][col].
 * Activations and samples are laid out [channel][row][col].
 *
 * Invalid nets (a kernel larger than its padded input, softmax not last,
 * more than 16 layers, ...) are a bug in the test: every function prints a
 * message on stderr and aborts.
 */
#ifndef CNNGEN_REF_H
#define CNNGEN_REF_H

#include <stddef.h>

enum { REF_CONV, REF_MAXPOOL, REF_DENSE, REF_AVGPOOL, REF_DROPOUT }; /* ref_layer.kind: ref_kinds[] */
enum { REF_SIGMOID, REF_TANH, REF_RELU, REF_LINEAR, REF_SOFTMAX }; /* ref_layer.act */
enum { REF_LOGLIK, REF_CROSSENTROPY, REF_QUADRATIC };              /* ref_net.cost */

#define REF_MAX_LAYERS 16

typedef struct ref_layer {
    int kind;                   /* REF_CONV, REF_MAXPOOL, REF_DENSE, ...: an index in ref_kinds[] */
    int maps, kh, kw, sh, sw, pad;
        /* conv: maps output maps, kernel kh x kw, stride sh x sw, zero padding
         * pad on all four sides; out = (in + 2*pad - k)/s + 1 (floor).
         * maxpool, avgpool: window kh x kw, stride sh x sw; out = (in - k)/s + 1
         * (floor: the last rows and columns no window reaches are dropped). */
    int units;                  /* dense: output units */
    int act;                    /* conv and dense: REF_SIGMOID ... REF_SOFTMAX */
    int same;                   /* conv: pad = "same" (odd kernels; pad unused): out = ceil(in/s),
                                 * and the zeros the windows need, max((out - 1)*s + k - in, 0),
                                 * half (rounded down) before the input, the rest after
                                 * (TensorFlow's rule) */
    double p;                   /* dropout: the probability of dropping a unit */
} ref_layer;

typedef struct ref_net {
    int c, h, w;                /* input: channels, height, width */
    int n_layers;
    ref_layer layer[REF_MAX_LAYERS];
    int cost;                   /* REF_LOGLIK, REF_CROSSENTROPY or REF_QUADRATIC */
    /* Training (ref_cost alone; ref_forward never drops): dropout's masks
     * for sample s of ref_cost are keyed by (seed, step, first + s). */
    int train;
    unsigned long long seed, step, first;
} ref_net;

/* The key of one sample's dropout masks in training: the run's seed, the
 * step, the sample's number, and the layer (1-based) drawing. */
typedef struct ref_key { unsigned long long seed, step, sample; int layer; } ref_key;

/* Dropout's draw (docs/design.md, "The generated C (contract)"): whether
 * unit `unit` of the layer below layer key->layer is kept, p the
 * probability of dropping it:
 *   key_s = mix(mix(mix(seed) ^ step) ^ sample),  r = mix(key_s ^ (layer << 32 | unit)),
 *   kept ⇔ (r >> 32) ≥ ⌊p · 2^32⌋,   mix = splitmix64's finalizer. */
int ref_dropout_kept(const ref_key *key, size_t unit, double p);

/* The shape [c][h][w] of an activation (dense outputs: [units][1][1]). */
typedef struct ref_shape { int c, h, w; } ref_shape;

/* A seeded stream of pseudo-random numbers (splitmix64): the random-net
 * test draws its nets from it, a pure function of the seed. */
typedef struct ref_rng { unsigned long long s; } ref_rng;

/* Uniform in [lo, hi] (lo <= hi). */
int ref_pick(ref_rng *r, int lo, int hi);

/* The layer kinds, one entry each in ref.c's table (ref_kinds): adding a
 * kind to the reference is one entry there, and the tests that go through
 * the table (the random nets, ref_lua) take it up.
 *   name      the description's constructor ("conv")
 *   has_act   the layer has an activation (ref_layer.act); without one,
 *             a = z
 *   softmax   it may be the softmax output layer
 *   weight    how often the random nets draw it, relative to the others
 *   check     aborts (ref_fail) on fields the kind refuses for the input
 *             shape `in`, else sets *out, the output shape
 *   params    its parameters (weights, then biases) for the input shape
 *   inner     it may be neither the first nor the last layer
 *   forward   z (a for a kind without act) from its input a_in; p its
 *             parameters (NULL without); key: the sample's key in
 *             training, NULL outside (dropout draws its mask from it)
 *   lua       its constructor with every field explicit, into buf (len
 *             bytes; returns what snprintf returns)
 *   draw      appends a random valid instance with activation act (for a
 *             kind with one) to net for the input shape `in`, or returns 0
 *             when the drawn fields do not fit it (the caller draws again) */
typedef struct ref_kind {
    const char *name;
    int has_act, softmax, weight, inner;
    void (*check)(const ref_layer *L, int l, ref_shape in, ref_shape *out);
    size_t (*params)(const ref_layer *L, ref_shape in);
    void (*forward)(const ref_layer *L, ref_shape in, ref_shape out, const double *p,
                    const double *a_in, double *z, const ref_key *key);
    int (*lua)(const ref_layer *L, char *buf, size_t len);
    int (*draw)(ref_rng *r, ref_net *net, ref_shape in, int act);
} ref_kind;

/* The number of kinds and each one (kind = 0 .. ref_kind_count() - 1). */
int ref_kind_count(void);
const ref_kind *ref_kind_of(int kind);

/* The shape of a^l (l = 0: the input), l = 0 .. n_layers. */
ref_shape ref_layer_shape(const ref_net *net, int l);

/* Building nets: ref_net_make returns a net with no layers; each ref_add_*
 * appends one layer (aborts past REF_MAX_LAYERS). */
ref_net ref_net_make(int c, int h, int w, int cost);
void ref_add_conv(ref_net *net, int maps, int kh, int kw, int sh, int sw, int pad, int act);
void ref_add_conv_same(ref_net *net, int maps, int kh, int kw, int sh, int sw, int act);
void ref_add_pool(ref_net *net, int kh, int kw, int sh, int sw);
void ref_add_avgpool(ref_net *net, int kh, int kw, int sh, int sw);
void ref_add_dense(ref_net *net, int units, int act);
void ref_add_dropout(ref_net *net, double p);

/* Sizes: one input sample (c*h*w), the output of the last layer, and the
 * length of the flat parameter vector. */
size_t ref_in_size(const ref_net *net);
size_t ref_out_size(const ref_net *net);
size_t ref_param_count(const ref_net *net);

/* Layer by layer (for references of other arithmetic, such as int8):
 * ref_layer_units is the size of a^l (l = 0: the input), ref_layer_offset
 * where layer l's parameters start in the flat vector (l = 1..n_layers);
 * ref_layer_forward computes layer l alone from its input a_in: z, the
 * weighted input, for conv and dense (p: the layer's weights then biases),
 * the pooled a_in for maxpool; ref_activate is a = σ(z) over n values
 * (softmax: over all n). ref_forward is these, in order. */
size_t ref_layer_units(const ref_net *net, int l);
size_t ref_layer_offset(const ref_net *net, int l);
void ref_layer_forward(const ref_net *net, int l, const double *p, const double *a_in, double *z);
void ref_activate(int act, const double *z, double *a, size_t n);

/* y[ref_out_size] = the network's output for one sample x[ref_in_size]. */
void ref_forward(const ref_net *net, const double *params, const double *x, double *y);

/* The MEAN cost over n samples x[n * ref_in_size] with integer labels
 * (one-hot targets), without any L2 term; with net->train, sample s
 * through dropout's masks of key (seed, step, first + s). */
double ref_cost(const ref_net *net, const double *params, const double *x,
                const int *labels, int n);

/* Central difference (C(p_k + h) − C(p_k − h)) / 2h of ref_cost with respect
 * to params[k]. params is changed during the call and restored exactly. */
double ref_numgrad(const ref_net *net, double *params, const double *x,
                   const int *labels, int n, size_t k, double h);

/* grad[k] = ref_numgrad(..., k, h) for every k < ref_param_count. */
void ref_numgrad_all(const ref_net *net, double *params, const double *x,
                     const int *labels, int n, double h, double *grad);

/* Writes into buf (len bytes, NUL-terminated) the cnngen description of net,
 * `return network { name = "...", input = {...}, layers = {...}, cost = "..." }`,
 * with every field explicit (kernel, stride, pad). Aborts if it does not fit. */
void ref_lua(const ref_net *net, const char *name, char *buf, size_t len);

#endif
