/*
 * ref.c -- plain double-precision reference of a cnngen net (see ref.h).
 *
 * Everything here is written from docs/design.md's equations, as directly as
 * possible, so that it can be trusted by reading it:
 *
 *   conv     z[m][oy][ox] = b[m] + Σ_{c,i,j} w[m][c][i][j] · in[c][oy·sh+i−pad][ox·sw+j−pad]
 *            (cross-correlation, as PyTorch; taps outside the input read 0)
 *   maxpool  a[c][oy][ox] = max_{i,j} in[c][oy·sh+i][ox·sw+j]
 *   avgpool  a[c][oy][ox] = (Σ_{i,j} in[c][oy·sh+i][ox·sw+j]) / (kh·kw)
 *   dense    z[u] = b[u] + Σ_k w[u][k] · in[k],  in flattened [channel][row][col]
 *   dropout  training: a[u] = in[u] / (1 − p) if unit u is kept (ref_dropout_kept), else 0;
 *            outside training: a = in
 *   act      a = σ(z); softmax over the whole output of the last layer
 *   costs    with y the one-hot target of the label:
 *            log-likelihood  C = −ln a_label       (= logsumexp(z) − z_label after softmax)
 *            cross-entropy   C = −Σ_j [y_j ln a_j + (1−y_j) ln(1−a_j)]
 *                                                  (= Σ_j softplus(z_j) − y_j z_j after sigmoid)
 *            the two rewritings are evaluated without cancellation (log1p,
 *            softplus(±z)), so that tiny costs of confident outputs stay exact.
 *            quadratic       C = ½ Σ_j (a_j − y_j)²
 *
 * Each kind is one entry of ref_kinds[] (at the end): its shape rule,
 * parameter count, forward, description text and random draw.
 *
 * Speed does not matter; buffers are malloc'd per call.
 */
#include "ref.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- failures ---------------------------------------------------------- */

/* A malformed net or a bad argument is a bug in the calling test: say what
 * it is on stderr and abort, so that the test fails loudly. */
static void ref_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("ref: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* malloc that never returns NULL (n == 0 allowed). */
static double *ref_alloc(size_t n)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        ref_fail("out of memory (%zu doubles)", n);
    return p;
}

/* ---- shapes ------------------------------------------------------------ */

/* ---- shapes ------------------------------------------------------------ */

/* Shape [c][h][w] of each layer's output: shape[0] is the input, shape[l]
 * the output of layer l (1-based, as in Nielsen). Checks the whole net on
 * the way and aborts on anything invalid. */
static void ref_shapes(const ref_net *net, ref_shape shape[REF_MAX_LAYERS + 1])
{
    int l;
    if (net->c < 1 || net->h < 1 || net->w < 1)
        ref_fail("input %dx%dx%d is empty", net->c, net->h, net->w);
    if (net->n_layers < 0 || net->n_layers > REF_MAX_LAYERS)
        ref_fail("n_layers = %d (0..%d)", net->n_layers, REF_MAX_LAYERS);
    if (net->cost != REF_LOGLIK && net->cost != REF_CROSSENTROPY && net->cost != REF_QUADRATIC)
        ref_fail("unknown cost %d", net->cost);
    shape[0].c = net->c;
    shape[0].h = net->h;
    shape[0].w = net->w;
    for (l = 1; l <= net->n_layers; ++l) {
        const ref_layer *L = &net->layer[l - 1];
        const ref_kind *K = ref_kind_of(L->kind);
        K->check(L, l, shape[l - 1], &shape[l]);
        if (K->has_act) {
            if (L->act < REF_SIGMOID || L->act > REF_SOFTMAX)
                ref_fail("layer %d: unknown act %d", l, L->act);
            if (L->act == REF_SOFTMAX && l != net->n_layers)
                ref_fail("layer %d: softmax on a layer that is not the last", l);
            if (L->act == REF_SOFTMAX && !K->softmax)
                ref_fail("layer %d: softmax on a %s layer", l, K->name);
        }
    }
}

/* Number of units in a shape. */
static size_t ref_units(ref_shape s)
{
    return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

/* Parameters of layer l (1-based) given its input shape. */
static size_t ref_layer_params(const ref_layer *L, ref_shape in)
{
    return ref_kind_of(L->kind)->params(L, in);
}

/* See ref.h. */
ref_shape ref_layer_shape(const ref_net *net, int l)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    ref_shapes(net, shape);
    if (l < 0 || l > net->n_layers)
        ref_fail("ref_layer_shape: no layer %d", l);
    return shape[l];
}

/* ---- building nets ----------------------------------------------------- */

/* A net with input c x h x w, the given cost, and no layers yet. */
ref_net ref_net_make(int c, int h, int w, int cost)
{
    ref_net net;
    memset(&net, 0, sizeof net);
    net.c = c;
    net.h = h;
    net.w = w;
    net.cost = cost;
    return net;
}

/* The next free layer slot of net, zeroed; aborts when all are used. */
static ref_layer *ref_push(ref_net *net)
{
    ref_layer *L;
    if (net->n_layers < 0 || net->n_layers >= REF_MAX_LAYERS)
        ref_fail("more than %d layers", REF_MAX_LAYERS);
    L = &net->layer[net->n_layers++];
    memset(L, 0, sizeof *L);
    return L;
}

/* Appends conv: maps output maps, kernel kh x kw, stride sh x sw, pad, act. */
void ref_add_conv(ref_net *net, int maps, int kh, int kw, int sh, int sw, int pad, int act)
{
    ref_layer *L = ref_push(net);
    L->kind = REF_CONV;
    L->maps = maps;
    L->kh = kh;
    L->kw = kw;
    L->sh = sh;
    L->sw = sw;
    L->pad = pad;
    L->act = act;
}

/* Appends conv with pad = "same": maps output maps, kernel kh x kw (odd),
 * stride sh x sw, act. */
void ref_add_conv_same(ref_net *net, int maps, int kh, int kw, int sh, int sw, int act)
{
    ref_add_conv(net, maps, kh, kw, sh, sw, 0, act);
    net->layer[net->n_layers - 1].same = 1;
}

/* Appends maxpool: window kh x kw, stride sh x sw. */
void ref_add_pool(ref_net *net, int kh, int kw, int sh, int sw)
{
    ref_layer *L = ref_push(net);
    L->kind = REF_MAXPOOL;
    L->kh = kh;
    L->kw = kw;
    L->sh = sh;
    L->sw = sw;
    L->act = REF_LINEAR;
}

/* Appends avgpool: window kh x kw, stride sh x sw. */
void ref_add_avgpool(ref_net *net, int kh, int kw, int sh, int sw)
{
    ref_add_pool(net, kh, kw, sh, sw);
    net->layer[net->n_layers - 1].kind = REF_AVGPOOL;
}

/* Appends dense: units outputs, act. */
void ref_add_dense(ref_net *net, int units, int act)
{
    ref_layer *L = ref_push(net);
    L->kind = REF_DENSE;
    L->units = units;
    L->act = act;
}

/* Appends dropout: units dropped with probability p in training. */
void ref_add_dropout(ref_net *net, double p)
{
    ref_layer *L = ref_push(net);
    L->kind = REF_DROPOUT;
    L->p = p;
    L->act = REF_LINEAR;
}

/* ---- sizes ------------------------------------------------------------- */

/* c*h*w of the input. */
size_t ref_in_size(const ref_net *net)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    ref_shapes(net, shape);
    return ref_units(shape[0]);
}

/* Units in the last layer's output (the input's, with no layers). */
size_t ref_out_size(const ref_net *net)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    ref_shapes(net, shape);
    return ref_units(shape[net->n_layers]);
}

/* Σ over layers of (weights + biases). */
size_t ref_param_count(const ref_net *net)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    size_t total = 0;
    int l;
    ref_shapes(net, shape);
    for (l = 1; l <= net->n_layers; ++l)
        total += ref_layer_params(&net->layer[l - 1], shape[l - 1]);
    return total;
}

/* ---- forward ----------------------------------------------------------- */

/* σ(z) for the elementwise activations. */
static double ref_act(int act, double z)
{
    switch (act) {
    case REF_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case REF_TANH:    return tanh(z);
    case REF_RELU:    return z > 0.0 ? z : 0.0;
    case REF_LINEAR:  return z;
    default:          ref_fail("ref_act: act %d is not elementwise", act); return 0.0;
    }
}

/* conv's zeros before the input along a dimension of n: pad, or for pad =
 * "same" half (rounded down) of what the ceil(n/s) windows need past n */
static int conv_before(const ref_layer *L, int n, int k, int s)
{
    int out = (n + s - 1) / s, need = (out - 1) * s + k - n;
    if (!L->same) return L->pad;
    return need > 0 ? need / 2 : 0;
}

/* conv: z[m][oy][ox] = b[m] + Σ_{c,i,j} w[m][c][i][j] · in[c][oy·sh+i−pt][ox·sw+j−pl],
 * reading 0 outside the input (zero padding; pt = pl = pad, or pad =
 * "same"'s). p points at the layer's weights; its biases follow them. */
static void conv_forward(const ref_layer *L, ref_shape in, ref_shape out,
                         const double *p, const double *a_in, double *z, const ref_key *key)
{
    (void)key;
    const double *wt = p;
    const double *b = p + (size_t)L->maps * in.c * L->kh * L->kw;
    int pt = conv_before(L, in.h, L->kh, L->sh), pl = conv_before(L, in.w, L->kw, L->sw);
    int m, oy, ox, c, i, j;
    for (m = 0; m < out.c; ++m)
        for (oy = 0; oy < out.h; ++oy)
            for (ox = 0; ox < out.w; ++ox) {
                double s = b[m];
                for (c = 0; c < in.c; ++c)
                    for (i = 0; i < L->kh; ++i)
                        for (j = 0; j < L->kw; ++j) {
                            int y = oy * L->sh + i - pt;
                            int x = ox * L->sw + j - pl;
                            double v, wv;
                            if (y < 0 || y >= in.h || x < 0 || x >= in.w)
                                continue;                   /* zero padding */
                            v = a_in[((size_t)c * in.h + y) * in.w + x];
                            wv = wt[(((size_t)m * in.c + c) * L->kh + i) * L->kw + j];
                            s += wv * v;
                        }
                z[((size_t)m * out.h + oy) * out.w + ox] = s;
            }
}

/* maxpool: a[c][oy][ox] = max_{i,j} in[c][oy·sh+i][ox·sw+j]. */
static void maxpool_forward(const ref_layer *L, ref_shape in, ref_shape out,
                            const double *p, const double *a_in, double *a, const ref_key *key)
{
    (void)key;
    int c, oy, ox, i, j;
    (void)p;
    for (c = 0; c < out.c; ++c)
        for (oy = 0; oy < out.h; ++oy)
            for (ox = 0; ox < out.w; ++ox) {
                double best = -HUGE_VAL;
                for (i = 0; i < L->kh; ++i)
                    for (j = 0; j < L->kw; ++j) {
                        double v = a_in[((size_t)c * in.h + oy * L->sh + i) * in.w + ox * L->sw + j];
                        if (v > best)
                            best = v;
                    }
                a[((size_t)c * out.h + oy) * out.w + ox] = best;
            }
}

/* avgpool: a[c][oy][ox] = (Σ_{i,j} in[c][oy·sh+i][ox·sw+j]) / (kh·kw). */
static void avgpool_forward(const ref_layer *L, ref_shape in, ref_shape out,
                            const double *p, const double *a_in, double *a, const ref_key *key)
{
    (void)key;
    int c, oy, ox, i, j;
    (void)p;
    for (c = 0; c < out.c; ++c)
        for (oy = 0; oy < out.h; ++oy)
            for (ox = 0; ox < out.w; ++ox) {
                double sum = 0.0;
                for (i = 0; i < L->kh; ++i)
                    for (j = 0; j < L->kw; ++j)
                        sum += a_in[((size_t)c * in.h + oy * L->sh + i) * in.w + ox * L->sw + j];
                a[((size_t)c * out.h + oy) * out.w + ox] = sum / (L->kh * L->kw);
            }
}

/* dense: z[u] = b[u] + Σ_k w[u][k] · in[k]; in is already flat [c][row][col]. */
static void dense_forward(const ref_layer *L, ref_shape in, ref_shape out,
                          const double *p, const double *a_in, double *z, const ref_key *key)
{
    (void)key;
    size_t n_in = ref_units(in);
    const double *wt = p;
    const double *b = p + (size_t)L->units * n_in;
    size_t u, k;
    (void)out;
    for (u = 0; u < (size_t)L->units; ++u) {
        double s = b[u];
        for (k = 0; k < n_in; ++k)
            s += wt[u * n_in + k] * a_in[k];
        z[u] = s;
    }
}

/* See ref.h: splitmix64's finalizer, the draw written from the contract. */
static unsigned long long ref_mix(unsigned long long z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int ref_dropout_kept(const ref_key *key, size_t unit, double p)
{
    unsigned long long ks = ref_mix(ref_mix(ref_mix(key->seed) ^ key->step) ^ key->sample);
    unsigned long long r = ref_mix(ks ^ ((unsigned long long)key->layer << 32 | (unsigned long long)unit));
    return (double)(r >> 32) >= floor(p * 4294967296.0);
}

/* dropout: training, a[u] = in[u] / (1 − p) where kept, else 0; outside, a = in. */
static void dropout_forward(const ref_layer *L, ref_shape in, ref_shape out,
                            const double *p, const double *a_in, double *a, const ref_key *key)
{
    size_t u, n = ref_units(in);
    (void)out, (void)p;
    for (u = 0; u < n; ++u)
        a[u] = !key ? a_in[u] : ref_dropout_kept(key, u, L->p) ? a_in[u] / (1.0 - L->p) : 0.0;
}

/* a = softmax(z) over n values: exp(z_j − max z) / Σ_k exp(z_k − max z). */
static void ref_softmax(const double *z, double *a, size_t n)
{
    double mx = -HUGE_VAL, sum = 0.0;
    size_t j;
    for (j = 0; j < n; ++j)
        if (z[j] > mx)
            mx = z[j];
    for (j = 0; j < n; ++j) {
        a[j] = exp(z[j] - mx);
        sum += a[j];
    }
    for (j = 0; j < n; ++j)
        a[j] /= sum;
}

/* See ref.h. */
size_t ref_layer_units(const ref_net *net, int l)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    ref_shapes(net, shape);
    if (l < 0 || l > net->n_layers)
        ref_fail("ref_layer_units: no layer %d", l);
    return ref_units(shape[l]);
}

/* See ref.h. */
size_t ref_layer_offset(const ref_net *net, int l)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    size_t off = 0;
    int k;
    ref_shapes(net, shape);
    if (l < 1 || l > net->n_layers)
        ref_fail("ref_layer_offset: no layer %d", l);
    for (k = 1; k < l; ++k)
        off += ref_layer_params(&net->layer[k - 1], shape[k - 1]);
    return off;
}

/* Layer l's forward, with the sample's key in training (NULL outside). */
static void ref_layer_forward_keyed(const ref_net *net, int l, const double *p, const double *a_in, double *z,
                                    const ref_key *key)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    const ref_layer *L;
    ref_key k;
    ref_shapes(net, shape);
    if (l < 1 || l > net->n_layers)
        ref_fail("ref_layer_forward: no layer %d", l);
    L = &net->layer[l - 1];
    if (key) k = *key, k.layer = l;
    ref_kind_of(L->kind)->forward(L, shape[l - 1], shape[l], p, a_in, z, key ? &k : NULL);
}

/* See ref.h (outside training). */
void ref_layer_forward(const ref_net *net, int l, const double *p, const double *a_in, double *z)
{
    ref_layer_forward_keyed(net, l, p, a_in, z, NULL);
}

/* See ref.h. */
void ref_activate(int act, const double *z, double *a, size_t n)
{
    size_t u;
    if (act == REF_SOFTMAX)
        ref_softmax(z, a, n);
    else
        for (u = 0; u < n; ++u)
            a[u] = ref_act(act, z[u]);
}

/* Runs the net on one sample. Writes the last layer's weighted input into
 * z_last and its activation into a_last (both ref_out_size long; for a
 * last layer without activation, or no layers, z_last = a_last). Returns
 * the last layer's activation kind (REF_LINEAR without activation or layers). */
static int ref_run(const ref_net *net, const double *params, const double *x,
                   const ref_key *key, double *z_last, double *a_last)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    size_t biggest, n, off = 0;
    double *a_prev, *z, *a;
    int l, act = REF_LINEAR;

    ref_shapes(net, shape);
    biggest = ref_units(shape[0]);
    for (l = 1; l <= net->n_layers; ++l)
        if (ref_units(shape[l]) > biggest)
            biggest = ref_units(shape[l]);
    a_prev = ref_alloc(biggest);
    z = ref_alloc(biggest);
    a = ref_alloc(biggest);

    n = ref_units(shape[0]);
    memcpy(a_prev, x, n * sizeof *x);
    memcpy(z, x, n * sizeof *x);
    for (l = 1; l <= net->n_layers; ++l) {
        const ref_layer *L = &net->layer[l - 1];
        n = ref_units(shape[l]);
        ref_layer_forward_keyed(net, l, params + off, a_prev, z, key);
        act = ref_kind_of(L->kind)->has_act ? L->act : REF_LINEAR;   /* no activation: a = z */
        ref_activate(act, z, a, n);
        off += ref_layer_params(L, shape[l - 1]);
        memcpy(a_prev, a, n * sizeof *a);
    }
    if (net->n_layers == 0)
        memcpy(a, a_prev, n * sizeof *a);
    memcpy(z_last, z, n * sizeof *z);
    memcpy(a_last, a, n * sizeof *a);
    free(a_prev);
    free(z);
    free(a);
    return act;
}

/* y = the net's output for one sample x. */
void ref_forward(const ref_net *net, const double *params, const double *x, double *y)
{
    size_t n = ref_out_size(net);
    double *z = ref_alloc(n);
    ref_run(net, params, x, NULL, z, y);
    free(z);
}

/* ---- costs ------------------------------------------------------------- */

/* softplus(z) = ln(1 + e^z), without overflow or loss of tiny values. */
static double ref_softplus(double z)
{
    return (z > 0.0 ? z : 0.0) + log1p(exp(-fabs(z)));
}

/* The cost of one sample whose last layer produced z, a (n values, last
 * activation act), against the one-hot target of label. */
static double ref_sample_cost(int cost, int act, const double *z, const double *a,
                              size_t n, int label)
{
    double c = 0.0;
    size_t j;
    switch (cost) {
    case REF_LOGLIK:                            /* C = −ln a_label */
        if (act == REF_SOFTMAX) {
            /* = logsumexp(z) − z_label = (max − z_label) + ln(1 + Σ_{j≠top} e^{z_j − max}),
             * top the (first) index of the max: log1p keeps a tiny C when
             * label = top, which ln(Σ_j e^{z_j − max}) would round to 0. */
            double mx = z[0], rest = 0.0;
            size_t top = 0;
            for (j = 1; j < n; ++j)
                if (z[j] > mx) {
                    mx = z[j];
                    top = j;
                }
            for (j = 0; j < n; ++j)
                if (j != top)
                    rest += exp(z[j] - mx);
            c = (mx - z[label]) + log1p(rest);
        } else {
            c = -log(a[label]);
        }
        break;
    case REF_CROSSENTROPY:                      /* C = −Σ_j [y ln a + (1−y) ln(1−a)] */
        for (j = 0; j < n; ++j) {
            int y = (j == (size_t)label);
            if (act == REF_SIGMOID)
                /* = Σ_j softplus(z_j) − y_j z_j: −ln σ(z) = softplus(−z) for
                 * y = 1, −ln(1 − σ(z)) = softplus(z) for y = 0, each term
                 * without cancellation. */
                c += y ? ref_softplus(-z[j]) : ref_softplus(z[j]);
            else
                c -= y ? log(a[j]) : log(1.0 - a[j]);
        }
        break;
    case REF_QUADRATIC:                         /* C = ½ Σ_j (a_j − y_j)² */
        for (j = 0; j < n; ++j) {
            double y = (j == (size_t)label) ? 1.0 : 0.0;
            c += 0.5 * (a[j] - y) * (a[j] - y);
        }
        break;
    default:
        ref_fail("unknown cost %d", cost);
    }
    return c;
}

/* (1/n) Σ_s C(x_s, labels[s]); no L2 term. */
double ref_cost(const ref_net *net, const double *params, const double *x,
                const int *labels, int n)
{
    size_t in = ref_in_size(net), out = ref_out_size(net);
    double *z = ref_alloc(out), *a = ref_alloc(out);
    double total = 0.0;
    int s;
    if (n < 1)
        ref_fail("ref_cost: n = %d samples", n);
    for (s = 0; s < n; ++s) {
        int act;
        ref_key key;
        if (labels[s] < 0 || (size_t)labels[s] >= out)
            ref_fail("ref_cost: label %d of sample %d not in [0, %zu)", labels[s], s, out);
        key.seed = net->seed, key.step = net->step, key.sample = net->first + (unsigned long long)s, key.layer = 0;
        act = ref_run(net, params, x + (size_t)s * in, net->train ? &key : NULL, z, a);
        total += ref_sample_cost(net->cost, act, z, a, out, labels[s]);
    }
    free(z);
    free(a);
    return total / n;
}

/* ---- finite differences ------------------------------------------------ */

/* (C(p_k + h) − C(p_k − h)) / 2h, params[k] restored bit for bit. */
double ref_numgrad(const ref_net *net, double *params, const double *x,
                   const int *labels, int n, size_t k, double h)
{
    double saved, cp, cm;
    if (k >= ref_param_count(net))
        ref_fail("ref_numgrad: k = %zu, only %zu parameters", k, ref_param_count(net));
    saved = params[k];
    params[k] = saved + h;
    cp = ref_cost(net, params, x, labels, n);
    params[k] = saved - h;
    cm = ref_cost(net, params, x, labels, n);
    params[k] = saved;
    return (cp - cm) / (2.0 * h);
}

/* Every component of the central-difference gradient. */
void ref_numgrad_all(const ref_net *net, double *params, const double *x,
                     const int *labels, int n, double h, double *grad)
{
    size_t k, np = ref_param_count(net);
    for (k = 0; k < np; ++k)
        grad[k] = ref_numgrad(net, params, x, labels, n, k, h);
}

/* ---- the description in Lua -------------------------------------------- */

/* Output cursor over buf; ref_put aborts on overflow rather than truncate. */
typedef struct ref_out { char *buf; size_t len, pos; } ref_out;

static void ref_put(ref_out *o, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= o->len - o->pos)
        ref_fail("ref_lua: description does not fit in %zu bytes", o->len);
    o->pos += (size_t)r;
}

/* The DSL's name of an activation. */
static const char *ref_act_name(int act)
{
    switch (act) {
    case REF_SIGMOID: return "sigmoid";
    case REF_TANH:    return "tanh";
    case REF_RELU:    return "relu";
    case REF_LINEAR:  return "linear";
    case REF_SOFTMAX: return "softmax";
    default:          ref_fail("unknown act %d", act); return "";
    }
}

/* The DSL's name of a cost. */
static const char *ref_cost_name(int cost)
{
    switch (cost) {
    case REF_LOGLIK:       return "log-likelihood";
    case REF_CROSSENTROPY: return "cross-entropy";
    case REF_QUADRATIC:    return "quadratic";
    default:               ref_fail("unknown cost %d", cost); return "";
    }
}

/* return network { name = "...", input = { c, h, w }, layers = { ... }, cost = "..." },
 * one layer a line, every field explicit. The name is written as a Lua
 * string literal (quotes, backslashes and control bytes escaped). */
void ref_lua(const ref_net *net, const char *name, char *buf, size_t len)
{
    ref_shape shape[REF_MAX_LAYERS + 1];
    ref_out o;
    const char *s;
    int l;

    if (!buf || len == 0)
        ref_fail("ref_lua: no buffer");
    ref_shapes(net, shape);
    o.buf = buf;
    o.len = len;
    o.pos = 0;
    buf[0] = '\0';
    ref_put(&o, "return network {\n  name = \"");
    for (s = name; *s; ++s) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            ref_put(&o, "\\%c", ch);
        else if (ch < 32 || ch == 127)
            ref_put(&o, "\\%03u", (unsigned)ch);
        else
            ref_put(&o, "%c", ch);
    }
    ref_put(&o, "\",\n  input = { %d, %d, %d },\n  layers = {\n", net->c, net->h, net->w);
    for (l = 0; l < net->n_layers; ++l) {
        char layer[256];
        int n = ref_kind_of(net->layer[l].kind)->lua(&net->layer[l], layer, sizeof layer);
        if (n < 0 || (size_t)n >= sizeof layer)
            ref_fail("ref_lua: layer %d's description does not fit in %zu bytes", l + 1, sizeof layer);
        ref_put(&o, "    %s,\n", layer);
    }
    ref_put(&o, "  },\n  cost = \"%s\",\n}\n", ref_cost_name(net->cost));
}

/* ---- the kinds ----------------------------------------------------------- */

/* See ref.h (splitmix64). */
int ref_pick(ref_rng *r, int lo, int hi)
{
    unsigned long long z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return lo + (int)(z % (unsigned long long)(hi - lo + 1));
}

static int ref_min(int a, int b) { return a < b ? a : b; }

/* conv: out = (in + 2*pad - k)/s + 1 (floor); pad = "same": ceil(in/s) */
static void conv_check(const ref_layer *L, int l, ref_shape in, ref_shape *out)
{
    if (L->maps < 1 || L->kh < 1 || L->kw < 1 || L->sh < 1 || L->sw < 1 || L->pad < 0)
        ref_fail("layer %d: conv maps %d kernel %dx%d stride %dx%d pad %d",
                 l, L->maps, L->kh, L->kw, L->sh, L->sw, L->pad);
    if (L->same) {
        if (L->kh % 2 == 0 || L->kw % 2 == 0)
            ref_fail("layer %d: conv pad \"same\" with an even kernel %dx%d", l, L->kh, L->kw);
        out->c = L->maps;
        out->h = (in.h + L->sh - 1) / L->sh;
        out->w = (in.w + L->sw - 1) / L->sw;
        return;
    }
    if (L->kh > in.h + 2 * L->pad || L->kw > in.w + 2 * L->pad)
        ref_fail("layer %d: conv kernel %dx%d larger than padded input %dx%d",
                 l, L->kh, L->kw, in.h + 2 * L->pad, in.w + 2 * L->pad);
    out->c = L->maps;
    out->h = (in.h + 2 * L->pad - L->kh) / L->sh + 1;
    out->w = (in.w + 2 * L->pad - L->kw) / L->sw + 1;
}

static size_t conv_params(const ref_layer *L, ref_shape in)
{
    return (size_t)L->maps * (size_t)in.c * (size_t)L->kh * (size_t)L->kw + (size_t)L->maps;
}

static int conv_lua(const ref_layer *L, char *buf, size_t len)
{
    char pad[16];
    if (L->same) snprintf(pad, sizeof pad, "\"same\"");
    else snprintf(pad, sizeof pad, "%d", L->pad);
    return snprintf(buf, len, "conv { maps = %d, kernel = { %d, %d }, stride = { %d, %d }, pad = %s, act = \"%s\" }",
                    L->maps, L->kh, L->kw, L->sh, L->sw, pad, ref_act_name(L->act));
}

/* kernels of 1-4 (rectangular sometimes), pad up to 2 (less than the
 * kernel), strides of 1 or 2; odd kernels sometimes pad = "same" */
static int conv_draw(ref_rng *r, ref_net *net, ref_shape in, int act)
{
    int kh = ref_pick(r, 1, 4), kw = ref_pick(r, 0, 1) ? ref_pick(r, 1, 4) : kh;
    int pad = ref_pick(r, 0, ref_min(ref_min(kh, kw) - 1, 2));
    int sh = ref_pick(r, 1, 2), sw = ref_pick(r, 0, 2) == 0 ? ref_pick(r, 1, 2) : sh;
    if (kh % 2 == 1 && kw % 2 == 1 && ref_pick(r, 0, 3) == 0) {
        ref_add_conv_same(net, ref_pick(r, 1, 4), kh, kw, sh, sw, act);
        return 1;
    }
    if (kh > in.h + 2 * pad || kw > in.w + 2 * pad) return 0;
    ref_add_conv(net, ref_pick(r, 1, 4), kh, kw, sh, sw, pad, act);
    return 1;
}

/* pools: as many windows as fit, out = (in - k)/s + 1 (floor): the last
 * rows and columns no window reaches are dropped (PyTorch, ceil_mode=False) */
static void pool_check(const ref_layer *L, int l, ref_shape in, ref_shape *out)
{
    if (L->kh < 1 || L->kw < 1 || L->sh < 1 || L->sw < 1)
        ref_fail("layer %d: pool size %dx%d stride %dx%d", l, L->kh, L->kw, L->sh, L->sw);
    if (L->kh > in.h || L->kw > in.w)
        ref_fail("layer %d: pool %dx%d larger than input %dx%d", l, L->kh, L->kw, in.h, in.w);
    out->c = in.c;
    out->h = (in.h - L->kh) / L->sh + 1;
    out->w = (in.w - L->kw) / L->sw + 1;
}

static size_t no_params(const ref_layer *L, ref_shape in)
{
    (void)L, (void)in;
    return 0;
}

static int maxpool_lua(const ref_layer *L, char *buf, size_t len)
{
    return snprintf(buf, len, "maxpool { size = { %d, %d }, stride = { %d, %d } }", L->kh, L->kw, L->sh, L->sw);
}

/* windows of 1-3 (rectangular sometimes), strides of 1 or 2 or the
 * default (= size), tiling the input or dropping its last rows or columns */
static int pool_draw(ref_rng *r, ref_net *net, ref_shape in, int kind)
{
    int kh = ref_pick(r, 1, 3), kw = ref_pick(r, 0, 2) == 0 ? ref_pick(r, 1, 3) : kh;
    int sh = ref_pick(r, 1, 2), sw = ref_pick(r, 0, 2) == 0 ? ref_pick(r, 1, 2) : sh;
    ref_layer *L;
    if (ref_pick(r, 0, 1)) sh = kh, sw = kw;                  /* the default: stride = size */
    if (kh > in.h || kw > in.w) return 0;
    ref_add_pool(net, kh, kw, sh, sw);
    L = &net->layer[net->n_layers - 1];
    L->kind = kind;
    return 1;
}

static int maxpool_draw(ref_rng *r, ref_net *net, ref_shape in, int act)
{
    (void)act;
    return pool_draw(r, net, in, REF_MAXPOOL);
}

static int avgpool_lua(const ref_layer *L, char *buf, size_t len)
{
    return snprintf(buf, len, "avgpool { size = { %d, %d }, stride = { %d, %d } }", L->kh, L->kw, L->sh, L->sw);
}

static int avgpool_draw(ref_rng *r, ref_net *net, ref_shape in, int act)
{
    (void)act;
    return pool_draw(r, net, in, REF_AVGPOOL);
}

static void dense_check(const ref_layer *L, int l, ref_shape in, ref_shape *out)
{
    (void)in;
    if (L->units < 1)
        ref_fail("layer %d: dense units %d", l, L->units);
    out->c = L->units;
    out->h = 1;
    out->w = 1;
}

static size_t dense_params(const ref_layer *L, ref_shape in)
{
    return (size_t)L->units * ref_units(in) + (size_t)L->units;
}

static int dense_lua(const ref_layer *L, char *buf, size_t len)
{
    return snprintf(buf, len, "dense { units = %d, act = \"%s\" }", L->units, ref_act_name(L->act));
}

/* 1-8 units (2-6 under softmax) */
static int dense_draw(ref_rng *r, ref_net *net, ref_shape in, int act)
{
    (void)in;
    ref_add_dense(net, act == REF_SOFTMAX ? ref_pick(r, 2, 6) : ref_pick(r, 1, 8), act);
    return 1;
}

static void dropout_check(const ref_layer *L, int l, ref_shape in, ref_shape *out)
{
    if (!(L->p >= 0.0 && L->p < 1.0))
        ref_fail("layer %d: dropout p = %g (0 <= p < 1)", l, L->p);
    *out = in;
}

static int dropout_lua(const ref_layer *L, char *buf, size_t len)
{
    return snprintf(buf, len, "dropout { p = %.17g }", L->p);
}

/* p of 0, 0.2, 0.5 or 0.75; never the first layer (the caller refuses a
 * net that ends in one) */
static int dropout_draw(ref_rng *r, ref_net *net, ref_shape in, int act)
{
    static const double ps[] = { 0.0, 0.2, 0.5, 0.75 };
    (void)in, (void)act;
    if (net->n_layers == 0) return 0;
    ref_add_dropout(net, ps[ref_pick(r, 0, 3)]);
    return 1;
}

/* The table, in the order of the REF_ kind constants. */
static const ref_kind ref_kinds[] = {
    { "conv", 1, 0, 4, 0, conv_check, conv_params, conv_forward, conv_lua, conv_draw },
    { "maxpool", 0, 0, 3, 0, pool_check, no_params, maxpool_forward, maxpool_lua, maxpool_draw },
    { "dense", 1, 1, 3, 0, dense_check, dense_params, dense_forward, dense_lua, dense_draw },
    { "avgpool", 0, 0, 2, 0, pool_check, no_params, avgpool_forward, avgpool_lua, avgpool_draw },
    { "dropout", 0, 0, 4, 1, dropout_check, no_params, dropout_forward, dropout_lua, dropout_draw },
};

int ref_kind_count(void)
{
    return (int)(sizeof ref_kinds / sizeof ref_kinds[0]);
}

const ref_kind *ref_kind_of(int kind)
{
    if (kind < 0 || kind >= ref_kind_count())
        ref_fail("unknown layer kind %d", kind);
    return &ref_kinds[kind];
}
