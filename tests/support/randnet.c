/*
 * randnet.c -- test support: random valid networks (randnet.h).
 */
#include "randnet.h"

#include <stddef.h>

/* A variant of a kind's fields: with `percent` chance, after the kind's
 * own draw (ref.c) has appended a layer of `kind`, apply changes it; it
 * returns 0 when it does not fit that layer, which then stays as drawn.
 * Each variant keeps the layer valid for the input shape `in`. */
typedef struct rn_variant {
    int kind, percent;
    int (*apply)(ref_rng *r, ref_layer *L, ref_shape in);
} rn_variant;

/* one output map: loops of one turn, blocks of one map */
static int one_map(ref_rng *r, ref_layer *L, ref_shape in)
{
    (void)r, (void)in;
    L->maps = 1;
    return 1;
}

/* one unit, where the activation is not a softmax (which needs two) */
static int one_unit(ref_rng *r, ref_layer *L, ref_shape in)
{
    (void)r, (void)in;
    if (L->act == REF_SOFTMAX) return 0;
    L->units = 1;
    return 1;
}

/* a kernel the size of the padded input: one output position */
static int whole_input(ref_rng *r, ref_layer *L, ref_shape in)
{
    (void)r;
    L->kh = in.h + 2 * L->pad;
    L->kw = in.w + 2 * L->pad;
    return 1;
}

/* A new variant (a pool window that does not tile its input, pad =
 * "same", ...): one line here, once the reference (ref.c) models it. */
static const rn_variant rn_variants[] = {
    { REF_CONV, 8, one_map },
    { REF_CONV, 5, whole_input },
    { REF_DENSE, 8, one_unit },
};

/* A hidden layer's activation (softmax is for the last layer only). */
static int hidden_act(ref_rng *r)
{
    static const int acts[] = { REF_SIGMOID, REF_TANH, REF_RELU, REF_LINEAR };
    return acts[ref_pick(r, 0, 3)];
}

/* A kind for the next layer, drawn by the table's weights among those
 * that can be it: with an activation when need_act, the softmax output
 * when need_softmax. */
static int draw_kind(ref_rng *r, int need_act, int need_softmax)
{
    int k, total = 0, at;
    for (k = 0; k < ref_kind_count(); ++k) {
        const ref_kind *K = ref_kind_of(k);
        if ((!need_act || K->has_act) && (!need_softmax || K->softmax)) total += K->weight;
    }
    at = ref_pick(r, 0, total - 1);
    for (k = 0; k < ref_kind_count(); ++k) {
        const ref_kind *K = ref_kind_of(k);
        if ((!need_act || K->has_act) && (!need_softmax || K->softmax)) {
            if (at < K->weight) return k;
            at -= K->weight;
        }
    }
    return 0;
}

/* The variants of the layer just drawn, each with its chance. */
static void vary(ref_rng *r, ref_net *net, ref_shape in)
{
    ref_layer *L = &net->layer[net->n_layers - 1];
    size_t v;
    for (v = 0; v < sizeof rn_variants / sizeof rn_variants[0]; ++v)
        if (rn_variants[v].kind == L->kind && ref_pick(r, 1, 100) <= rn_variants[v].percent) {
            ref_layer keep = *L;
            if (!rn_variants[v].apply(r, L, in)) *L = keep;
        }
}

/* One attempt at a random valid net; 0 when it came out unusable (too
 * big, no parameters, an output layer that does not suit the cost). */
static int try_net(ref_rng *r, ref_net *out)
{
    int cost = ref_pick(r, 0, 2) == 0 ? REF_QUADRATIC : ref_pick(r, 0, 1) ? REF_LOGLIK : REF_CROSSENTROPY;
    /* one net in four wide, 20-40 pixels a side: the loop forms that
     * small output planes never take (conv rows, dots) */
    int cin = ref_pick(r, 1, 3), wide = ref_pick(r, 1, 4) == 1, lo = wide ? 20 : 4, hi = wide ? 40 : 12;
    int h = ref_pick(r, lo, hi), w = ref_pick(r, 0, 2) == 0 ? h : ref_pick(r, lo, hi);
    int nl = ref_pick(r, 1, 4), l, tries;
    ref_net net = ref_net_make(cin, h, w, cost);
    const ref_layer *last;

    for (l = 0; l < nl; ++l) {
        int is_last = l == nl - 1, ok = 0;
        /* the output layer of log-likelihood is a softmax, of cross-entropy a sigmoid */
        int need_softmax = is_last && cost == REF_LOGLIK, need_act = is_last && cost != REF_QUADRATIC;
        ref_shape in = ref_layer_shape(&net, net.n_layers);
        for (tries = 0; !ok && tries < 50; ++tries) {
            int kind = draw_kind(r, need_act, need_softmax), act = REF_LINEAR;
            const ref_kind *K = ref_kind_of(kind);
            if (need_softmax) act = REF_SOFTMAX;
            else if (need_act) act = REF_SIGMOID;
            /* quadratic nets may end in softmax, as in any layer that takes it */
            else if (K->has_act) act = is_last && K->softmax && ref_pick(r, 0, 3) == 0 ? REF_SOFTMAX : hidden_act(r);
            ok = K->draw(r, &net, in, act);
        }
        if (!ok) return 0;
        vary(r, &net, in);
    }
    last = &net.layer[nl - 1];
    if (cost != REF_QUADRATIC && !ref_kind_of(last->kind)->has_act) return 0;
    if (ref_kind_of(last->kind)->inner) return 0;                 /* dropout: never the last layer */
    if (ref_param_count(&net) == 0 || ref_param_count(&net) >= RN_MAX_PARAMS) return 0;   /* a net needs w, b */
    *out = net;
    return 1;
}

ref_net rn_net(unsigned long long seed)
{
    ref_rng r;
    ref_net net;
    r.s = seed * 1000003ULL + 12345;
    while (!try_net(&r, &net)) {}
    return net;
}
