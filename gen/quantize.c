/*
 * quantize.c -- calibration for --quantize int8 (see quantize.h).
 */
#include "quantize.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "host.h"
#include "net.h"

/* <name>_jit_ranges(w, x, lo, hi) of a unit generated with opts.ranges */
typedef void (*quant_ranges_fn)(const void *w, const float *x, float *lo, float *hi);

/* See quantize.h. */
int quant_calibrate(lua_State *T, const cli_opts *o, const net_desc *d, int input_status,
                    dataset *ds_out, quant_calib *c)
{
    char sym[128], err[4096];
    net_request rq;
    net n;
    net_api api;
    dataset ds;
    float *params = NULL, *y = NULL;
    void *work = NULL, *p;
    quant_ranges_fn ranges;
    const char *data = NULL;
    long k;
    int t, rc;

    memset(c, 0, sizeof *c);
    memset(&ds, 0, sizeof ds);
    if (!o->weights) {
        fprintf(stderr, "cnngen: --inference needs --weights W: the trained parameters to bake into the code\n");
        return HOST_USER;
    }
    /* the float training code of the same net, with the ranges read-out,
     * its parameters loaded here (not baked) */
    memset(&rq, 0, sizeof rq);
    rq.path = o->net;
    rq.desc = d;
    rq.forms[rq.nforms++] = opts_backend(o, "tcc");
    rq.name = o->name;
    rq.real = "float";
    rq.ranges = 1;
    memset(&api, 0, sizeof api);
    if ((rc = net_generate(T, &rq, &n, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    if (net_compile(&n, 0, NULL, &api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        net_free(&n);
        return HOST_FAIL;
    }
    rc = input_status;
    snprintf(sym, sizeof sym, "%s_jit_ranges", n.name);
    p = jit_symbol(&api, sym);
    params = malloc(n.param_count * sizeof *params);
    y = malloc(n.out_size * sizeof *y);
    work = net_work_new(&api);
    c->ntensors = n.nlayers + 1;
    c->lo = malloc((size_t)c->ntensors * sizeof *c->lo);
    c->hi = malloc((size_t)c->ntensors * sizeof *c->hi);
    if (!p || !params || !y || !work || !c->lo || !c->hi) {
        fprintf(stderr, "cnngen: %s\n", p ? "out of memory for the calibration"
                : "internal error: the calibration build has no ranges read-out");
        rc = HOST_INTERNAL;
        goto done;
    }
    memcpy(&ranges, &p, sizeof p);
    if (net_weights_data(&n, o->weights, o->data, params, &ds, &data, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    c->n = o->has_calibrate ? o->calibrate : QUANT_DEFAULT_IMAGES;
    if (c->n > ds.train.n) {
        if (o->has_calibrate) {
            fprintf(stderr, "cnngen: --calibrate %ld: %s has only %d training images\n", c->n, data, ds.train.n);
            rc = HOST_USER;
            goto done;
        }
        c->n = ds.train.n;
    }
    snprintf(c->data, sizeof c->data, "%s", data);
    for (t = 0; t < c->ntensors; ++t) {
        c->lo[t] = HUGE_VALF;
        c->hi[t] = -HUGE_VALF;
    }
    for (k = 0; k < c->n; ++k) {
        const float *x = ds.train.x + (size_t)k * n.in_size;
        api.forward.f(params, work, x, y);
        ranges(work, x, c->lo, c->hi);
    }
    rc = HOST_OK;
done:
    if (rc != HOST_OK)
        quant_calib_free(c);
    if (rc == HOST_OK && ds_out) {
        *ds_out = ds;
    } else {
        dataset_free(&ds);
    }
    free(params);
    free(y);
    free(work);
    jit_release(&api);
    net_free(&n);
    return rc;
}

/* See quantize.h. */
int quant_build_int8(lua_State *T, const cli_opts *o, const net_desc *d, int input_status, net *n,
                     net_api *api, dataset *ds, char *data, size_t datalen, long *calibrated)
{
    char err[4096];
    net_request rq;
    net_desc own;
    quant_calib cal;
    int rc;
    memset(&own, 0, sizeof own);
    if (!d) {
        if ((rc = net_describe(T, o->net, &own, err, sizeof err)) != HOST_OK) {
            host_report(rc, err);
            return rc;
        }
        d = &own;
    }
    if ((rc = quant_calibrate(T, o, d, input_status, ds, &cal)) != HOST_OK) {
        net_desc_free(&own);
        return rc;
    }
    snprintf(data, datalen, "%s", cal.data);
    *calibrated = cal.n;
    opts_request(o, &rq);
    rq.desc = d;
    rq.forms[rq.nforms++] = opts_backend(o, "cc");
    rq.real = "float";
    rq.inference = 1;
    rq.weights = o->weights;
    rq.calib = &cal;
    rc = net_generate(T, &rq, n, err, sizeof err);
    quant_calib_free(&cal);
    net_desc_free(&own);
    if (rc != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    if (net_compile(n, 0, NULL, api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    return HOST_OK;
}
