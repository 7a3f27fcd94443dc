/*
 * net_use.c -- a generated net put to use in-process (see net.h): a form
 * built with its backend, training on several threads by its layers'
 * parameter spans, its weights and a data set checked against it.
 */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dataset.h"
#include "diverge.h"
#include "train.h"

/* See net.h. */
int net_compile(const net *n, int k, const jit_cc_opts *cc, net_api *api, char *err,
                size_t errlen)
{
    const net_form *f = &n->form[k];
    jit_cc_opts defaults;
    if (!f->backend || strcmp(f->backend, "cc") != 0)
        return jit_tcc_build(f->unit, n->name, n->is_double, n->name, api, err, errlen);
    if (!cc) {
        memset(&defaults, 0, sizeof defaults);  /* $CC, $CFLAGS, the cache: jit.h's defaults */
        cc = &defaults;
    }
    return jit_cc_build(f->unit, n->name, n->is_double, n->name, cc, api, err, errlen);
}

/* n's parameter spans (train.h), layer by layer: the weights (decayed)
 * and the biases; malloc'd, their number in *count; NULL (a message in
 * err) when out of memory. */
static train_span *net_spans(const net *n, int *count, char *err, size_t errlen)
{
    train_span *sp;
    int k, c = 0;
    sp = malloc((size_t)(2 * n->nlayers + 1) * sizeof *sp);
    if (!sp) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (k = 0; k < n->nlayers; ++k) {
        const net_layer *L = &n->layers[k];
        if (L->wcount) {
            sp[c].off = L->woff;
            sp[c].count = L->wcount;
            sp[c++].decay = 1;
        }
        if (L->bcount) {
            sp[c].off = L->boff;
            sp[c].count = L->bcount;
            sp[c++].decay = 0;
        }
    }
    *count = c;
    return sp;
}

/* See net.h. */
int net_threads(const net *n, train_ctx *t, int threads, char *err, size_t errlen)
{
    train_span *sp;
    int c, rc;
    if (threads == train_thread_count(t) && (t->team || !t->world))
        return 0;                       /* (a world trains through a team, even of one) */
    if (!(sp = net_spans(n, &c, err, errlen)))
        return -1;
    rc = train_threads(t, threads, sp, c, err, errlen);
    free(sp);
    return rc;
}

/* See net.h. */
int net_momentum(const net *n, train_ctx *t, double mu, float *velocity, char *err, size_t errlen)
{
    train_span *sp;
    int c, rc;
    if (!(sp = net_spans(n, &c, err, errlen)))
        return -1;
    rc = train_momentum(t, (float)mu, velocity, sp, c, err, errlen);
    free(sp);
    return rc;
}

/* See net.h. */
int net_weights_data(const net *n, const char *weights, const char *data, float *params,
                     dataset *ds, const char **data_name, char *err, size_t errlen)
{
    *data_name = data ? data : n->train.data;
    if (ckpt_load(weights, params, n->param_count, 4, n->arch_hash, err, errlen) != 0
        || dataset_open(*data_name, ds, err, errlen) != 0
        || dataset_check(ds, n->in_c, n->in_h, n->in_w, (int)n->out_size, err, errlen) != 0) {
        dataset_free(ds);
        return -1;
    }
    return 0;
}

/* See net.h. */
int net_diverged(const net *n, diverge_watch *w, train_ctx *t, int epoch,
                 const train_epoch_result *r, diverge_where *where, char *err, size_t errlen)
{
    char sym[96];
    diverge_net dn;
    void *p;
    int k, rc;
    memset(&dn, 0, sizeof dn);
    dn.layers = calloc((size_t)(n->nlayers > 0 ? n->nlayers : 1), sizeof *dn.layers);
    if (!dn.layers) {
        diverge_watch_restore(w, t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (k = 0; k < n->nlayers; ++k) {
        const net_layer *L = &n->layers[k];
        diverge_layer *d = &dn.layers[k];
        d->index = L->index;
        snprintf(d->kind, sizeof d->kind, "%s", L->kind);
        d->out = (size_t)L->out[0] * (size_t)L->out[1] * (size_t)L->out[2];
        d->woff = L->woff;
        d->wcount = L->wcount;
        d->boff = L->boff;
        d->bcount = L->bcount;
    }
    dn.nlayers = n->nlayers;
    snprintf(sym, sizeof sym, "%s_jit_activation", n->name);
    if ((p = jit_symbol(t->api, sym)) != NULL)
        memcpy(&dn.activation, &p, sizeof p);
    rc = diverge_find(w, t, &dn, epoch, r, where, err, errlen);
    diverge_net_free(&dn);
    return rc;
}
