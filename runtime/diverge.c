/*
 * diverge.c -- a training run gone non-finite: the replay of its epoch and
 * the layer-by-layer diagnosis of the first bad mini-batch (diverge.h).
 */
#include "errfmt.h"
#include "diverge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int diverge_finite(const float *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i)
        if (!isfinite(p[i]))
            return 0;
    return 1;
}

/* The first non-finite value of p[0..n), or -1. */
static long diverge_first_bad(const float *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i)
        if (!isfinite(p[i]))
            return (long)i;
    return -1;
}

void diverge_net_free(diverge_net *dn)
{
    free(dn->layers);
    memset(dn, 0, sizeof *dn);
}

int diverge_watch_init(diverge_watch *w, const net_api *api, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->count = api->param_count;
    w->first_cost = -1.0;
    w->good = net_params_new(api);
    if (!w->good)
        return errfmt(err, errlen, "out of memory for a copy of the parameters");
    return 0;
}

void diverge_watch_free(diverge_watch *w)
{
    net_params_free(w->good);
    free(w->good_v);
    memset(w, 0, sizeof *w);
}

int diverge_watch_begin(diverge_watch *w, const float *params, const float *velocity, int start)
{
    memcpy(w->good, params, w->count * sizeof *params);
    w->start = start;
    if (!velocity)
        return 0;
    if (!w->good_v && !(w->good_v = malloc(w->count * sizeof *w->good_v)))
        return -1;
    memcpy(w->good_v, velocity, w->count * sizeof *velocity);
    return 0;
}

void diverge_watch_restore(const diverge_watch *w, train_ctx *t)
{
    memcpy(t->params, w->good, w->count * sizeof *w->good);
    if (t->velocity && w->good_v)
        memcpy(t->velocity, w->good_v, w->count * sizeof *w->good_v);
}

/* ---- the diagnosis of one mini-batch ----------------------------------- */

/* The buffers of a diagnosis. */
typedef struct diag {
    const diverge_net *dn;
    const net_api *api;
    void *work;
    float *grad, *a, *y;
    size_t most;                /* the largest a^l */
} diag;

static void where_value(diverge_where *w, float v)
{
    snprintf(w->value, sizeof w->value, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

static void where_layer(diverge_where *w, const diverge_layer *L, const char *fmt, float v)
{
    w->layer = L->index;
    snprintf(w->kind, sizeof w->kind, "%s", L->kind);
    snprintf(w->what, sizeof w->what, fmt, L->index);
    where_value(w, v);
}

/* The gradient g, layer by layer from L down (backward order): δ^l (its
 * ∂C/∂b^l, BP3) before ∂C/∂w^l (BP4).  1 when a value is not finite. */
static int diag_backward(const diverge_net *dn, const float *g, diverge_where *w)
{
    int l;
    long i;
    for (l = dn->nlayers - 1; l >= 0; --l) {
        const diverge_layer *L = &dn->layers[l];
        if (L->bcount && (i = diverge_first_bad(g + L->boff, L->bcount)) >= 0) {
            where_layer(w, L, "backward \xce\xb4^%d", g[L->boff + (size_t)i]);   /* δ */
            return 1;
        }
        if (L->wcount && (i = diverge_first_bad(g + L->woff, L->wcount)) >= 0) {
            where_layer(w, L, "backward \xe2\x88\x82" "C/\xe2\x88\x82w^%d",      /* ∂C/∂w */
                        g[L->woff + (size_t)i]);
            return 1;
        }
    }
    return 0;
}

/* One sample x (label y) from parameters p, in computation order.  1 when
 * a value is not finite (w filled but for epoch, batch, sample). */
static int diag_sample(diag *d, const float *p, const float *x, int y, diverge_where *w)
{
    const diverge_net *dn = d->dn;
    float c;
    long i;
    int l;
    if ((i = diverge_first_bad(x, d->api->in_size)) >= 0) {
        w->layer = 0;
        snprintf(w->kind, sizeof w->kind, "input");
        snprintf(w->what, sizeof w->what, "input x[%ld]", i);
        where_value(w, x[i]);
        return 1;
    }
    if (dn->activation) {
        d->api->forward.f(p, d->work, x, d->y);
        for (l = 0; l < dn->nlayers; ++l) {
            const diverge_layer *L = &dn->layers[l];
            size_t n = dn->activation(d->work, L->index, d->a);
            if ((i = diverge_first_bad(d->a, n)) >= 0) {
                where_layer(w, L, "forward a^%d", d->a[i]);
                return 1;
            }
        }
    }
    c = d->api->loss_grad.f(p, d->work, x, &y, 1, d->grad);
    if (!isfinite(c)) {
        where_layer(w, &dn->layers[dn->nlayers - 1], "cost C", c);
        return 1;
    }
    return diag_backward(dn, d->grad, w);
}

/* Mini-batch x, y (n samples, their training-set indices idx) from the
 * parameters before its step, pre; after the step, post.  Fills w but
 * for epoch and batch; returns 1 when something was found. */
static int diag_batch(diag *d, const float *pre, const float *post, const float *x, const int *y,
                      const int *idx, int n, diverge_where *w)
{
    const diverge_net *dn = d->dn;
    int s, l;
    long i;
    for (s = 0; s < n; ++s)
        if (diag_sample(d, pre, x + (size_t)s * d->api->in_size, y[s], w)) {
            w->sample = idx[s];
            return 1;
        }
    w->sample = -1;
    (void)d->api->loss_grad.f(pre, d->work, x, y, n, d->grad);
    if (diag_backward(dn, d->grad, w)) {
        strncat(w->what, " (the batch's mean)", sizeof w->what - strlen(w->what) - 1);
        return 1;
    }
    for (l = 0; l < dn->nlayers; ++l) {
        const diverge_layer *L = &dn->layers[l];
        if (L->wcount && (i = diverge_first_bad(post + L->woff, L->wcount)) >= 0) {
            where_layer(w, L, "step w^%d", post[L->woff + (size_t)i]);
            return 1;
        }
        if (L->bcount && (i = diverge_first_bad(post + L->boff, L->bcount)) >= 0) {
            where_layer(w, L, "step b^%d", post[L->boff + (size_t)i]);
            return 1;
        }
    }
    return 0;
}

/* ---- the replay -------------------------------------------------------- */

/* See diverge.h. */
int diverge_watch_failed(diverge_watch *w, const train_ctx *t, const train_epoch_result *r)
{
    if (r->diverged || !diverge_finite(t->params, w->count))
        return 1;
    if (w->first_cost < 0 && r->samples > 0)
        w->first_cost = r->first_cost;
    return 0;
}

/* See diverge.h. */
int diverge_find(diverge_watch *w, train_ctx *t, const diverge_net *dn, int epoch,
                 const train_epoch_result *r, diverge_where *where, char *err, size_t errlen)
{
    size_t bytes = w->count * sizeof *w->good;
    int total = train_epoch_size(t), bad_at = r->diverged ? r->next : total, k, found = 0, rc = 0, l;
    float *pre;
    diag d;

    memset(where, 0, sizeof *where);
    memset(&d, 0, sizeof d);
    d.dn = dn;
    d.api = t->api;
    d.most = 1;
    for (l = 0; l < dn->nlayers; ++l)
        if (dn->layers[l].out > d.most)
            d.most = dn->layers[l].out;
    pre = net_params_new(t->api);
    d.work = net_work_new(t->api);
    d.grad = net_params_new(t->api);
    d.a = malloc(d.most * sizeof *d.a);
    d.y = malloc(t->api->out_size * sizeof *d.y);
    if (!pre || !d.work || !d.grad || !d.a || !d.y) {
        rc = errfmt(err, errlen, "out of memory to find where training diverged");
        goto done;
    }
    diverge_watch_restore(w, t);
    train_order(t->order, total, t->seed, epoch);
    for (k = w->start < 0 ? 0 : w->start; k < total && !found;) {
        int n = total - k < t->batch ? total - k : t->batch;
        float c;
        train_gather(t, k, n);
        train_key_at(t, epoch, k);
        memcpy(pre, t->params, bytes);
        c = train_step(t, t->xbuf, t->ybuf, n);
        if (!isfinite(c) || !diverge_finite(t->params, w->count) || k >= bad_at) {
            found = 1;
            where->epoch = epoch + 1;
            where->batch = k / t->batch + 1;
            if (!diag_batch(&d, pre, t->params, t->xbuf, t->ybuf, t->order + k, n, where)) {
                where->sample = where->layer = -1;
                snprintf(where->kind, sizeof where->kind, "net");
                snprintf(where->what, sizeof where->what, "cost C");
                snprintf(where->value, sizeof where->value, "nan");
            }
        }
        k += n;
    }
    if (!found) {                       /* not met again: the run's own batch */
        where->epoch = epoch + 1;
        where->batch = bad_at / t->batch + 1;
        where->sample = where->layer = -1;
        snprintf(where->kind, sizeof where->kind, "net");
        snprintf(where->what, sizeof where->what, "the cost or a parameter");
        snprintf(where->value, sizeof where->value, "nan");
    }
done:
    diverge_watch_restore(w, t);
    net_params_free(pre);
    net_params_free(d.grad);
    free(d.work);
    free(d.a);
    free(d.y);
    return rc;
}

/* ---- what the user reads ------------------------------------------------ */

int diverge_watch_growth(diverge_watch *w, double cost, double eta, char *line, size_t len)
{
    if (w->warned || !(w->first_cost > 0) || !(cost > DIVERGE_GROWTH * w->first_cost))
        return 0;
    w->warned = 1;
    snprintf(line, len, "warning: the training cost has grown from %.4g to %.4g (over %.0f\xc3\x97); "
             "try a smaller eta (now %g)", w->first_cost, cost, DIVERGE_GROWTH, eta);
    return 1;
}

void diverge_message(const diverge_where *w, double eta, char *line, size_t len)
{
    char sample[48] = "", layer[48];
    if (w->sample >= 0)
        snprintf(sample, sizeof sample, ", training sample %d", w->sample);
    if (w->layer > 0)
        snprintf(layer, sizeof layer, "layer %d (%s) ", w->layer, w->kind);
    else
        layer[0] = '\0';
    if (w->layer == 0)                  /* the input: the data, not the step size */
        snprintf(line, len, "diverged in epoch %d, mini-batch %d%s: %s is %s; the data set has a "
                 "value that is not finite", w->epoch, w->batch, sample, w->what, w->value);
    else
        snprintf(line, len, "diverged in epoch %d, mini-batch %d%s: %s%s is %s; try a smaller eta "
                 "(now %g)", w->epoch, w->batch, sample, layer, w->what, w->value, eta);
}

void diverge_json(const diverge_where *w, char *out, size_t len)
{
    char sample[16] = "null", layer[16] = "null";
    if (w->sample >= 0)
        snprintf(sample, sizeof sample, "%d", w->sample);
    if (w->layer >= 0)
        snprintf(layer, sizeof layer, "%d", w->layer);
    snprintf(out, len, "\"epoch\":%d,\"batch\":%d,\"sample\":%s,\"layer\":%s,\"kind\":\"%s\","
             "\"where\":\"%s\",\"value\":\"%s\"", w->epoch, w->batch, sample, layer, w->kind,
             w->what, w->value);
}
