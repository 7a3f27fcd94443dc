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

/* <name>_jit_ranges(w, x, lo, hi) of a unit generated with opts.ranges */
typedef void (*quant_ranges_fn)(const void *w, const float *x, float *lo, float *hi);

/* See quantize.h. */
int quant_calibrate(lua_State *T, const cli_opts *o, int input_status, dataset *ds_out,
                    quant_calib *c)
{
    char sym[128];
    cli_opts f = *o;
    cli_net n;
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
    /* the float training code of the same net, with the ranges read-out */
    f.inference = 0;
    f.quantize = NULL;
    f.unroll = NULL;
    f.real = NULL;
    f.calib = NULL;
    f.weights = NULL;               /* loaded here, not baked */
    f.jit_ranges = 1;
    if ((rc = cli_net_build(T, &f, 0, "tcc", &n)) != HOST_OK)
        return rc;
    rc = input_status;
    snprintf(sym, sizeof sym, "%s_jit_ranges", n.name);
    p = jit_symbol(&n.api, sym);
    params = malloc(n.api.param_count * sizeof *params);
    y = malloc(n.api.out_size * sizeof *y);
    work = net_work_new(&n.api);
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
    if (cli_load_weights_data(o, &n, params, &ds, &data) != 0)
        goto done;
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
        const float *x = ds.train.x + (size_t)k * n.api.in_size;
        n.api.forward.f(params, work, x, y);
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
    cli_net_free(&n);
    return rc;
}

void quant_calib_free(quant_calib *c)
{
    free(c->lo);
    free(c->hi);
    memset(c, 0, sizeof *c);
}

/* See quantize.h. */
void quant_push_calibration(lua_State *T, const quant_calib *c)
{
    int t;
    lua_createtable(T, 0, 3);
    lua_pushinteger(T, (lua_Integer)c->n);
    lua_setfield(T, -2, "n");
    lua_pushstring(T, c->data);
    lua_setfield(T, -2, "data");
    lua_newtable(T);
    for (t = 0; t < c->ntensors; ++t) {
        if (!(c->lo[t] <= c->hi[t]))
            continue;
        lua_createtable(T, 0, 2);
        lua_pushnumber(T, c->lo[t]);
        lua_setfield(T, -2, "lo");
        lua_pushnumber(T, c->hi[t]);
        lua_setfield(T, -2, "hi");
        lua_rawseti(T, -2, t);
    }
    lua_setfield(T, -2, "ranges");
    lua_setfield(T, -2, "calibration");
}
