/*
 * jit.c -- what the two JIT backends share: binding the generated API's
 * symbols into a struct net_api (jit_bind) and releasing a built api
 * (jit_release). The backends themselves are jit_tcc.c and jit_cc.c.
 */
#include "jit.h"

#include <dlfcn.h>
#include <libtcc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Symbols arrive as void* (tcc_get_symbol, dlsym) and become function
 * pointers by copying their bytes: ISO C has no conversion between the two,
 * POSIX guarantees they have the same representation. This typedef fails
 * to compile where the sizes differ. */
typedef char jit_check_fnptr_size[sizeof(void *) == sizeof(void (*)(void)) ? 1 : -1];

typedef size_t (*jit_size_fn)(void);

/* See jit.h. */
int jit_bind(net_api *api, const char *prefix, int is_double, const char *name,
             const char *backend, jit_lookup_fn lookup, void *ctx,
             char *err, size_t errlen)
{
    /* The first five land in the api's function-pointer unions, the
     * last four are size functions called once to fill the size fields.
     * Inference code has no training entry points, and its forward and
     * predict take no parameters: the unit adds <prefix>_jit_forward and
     * _jit_predict in the training API's shape (templates/jit_sizes.c.tpl). */
    static const char *const train_suffix[9] = {
        "init", "forward", "predict", "loss_grad", "train_batch",
        "in_size", "out_size", "param_count", "work_size",
    };
    static const char *const inference_suffix[9] = {
        NULL, "jit_forward", "jit_predict", NULL, NULL,
        "in_size", "out_size", "param_count", "work_size",
    };
    const char *const *suffix = train_suffix;
    net_api b;
    void *fn_dst[5];
    size_t *size_dst[4];
    char sym[256];
    size_t k;

    memset(&b, 0, sizeof b);
    fn_dst[0] = &b.init;
    fn_dst[1] = &b.forward;
    fn_dst[2] = &b.predict;
    fn_dst[3] = &b.loss_grad;
    fn_dst[4] = &b.train_batch;
    size_dst[0] = &b.in_size;
    size_dst[1] = &b.out_size;
    size_dst[2] = &b.param_count;
    size_dst[3] = &b.work_size;

    if (snprintf(sym, sizeof sym, "%s_jit_forward", prefix) < (int)sizeof sym && lookup(ctx, sym)) {
        suffix = inference_suffix;
        b.inference = 1;
    }
    for (k = 0; k < 9; ++k) {
        void *p;
        int n;
        if (!suffix[k])
            continue;
        n = snprintf(sym, sizeof sym, "%s_%s", prefix, suffix[k]);
        if (n < 0 || (size_t)n >= sizeof sym) {
            if (err && errlen)
                snprintf(err, errlen, "internal error: symbol prefix '%.40s...' is too long", prefix);
            return -1;
        }
        p = lookup(ctx, sym);
        if (!p) {
            if (err && errlen)
                snprintf(err, errlen, "internal error: generated code for %s does not define %s"
                         " (%s backend)", name, sym, backend);
            return -1;
        }
        if (k < 5) {
            memcpy(fn_dst[k], &p, sizeof p);
        } else {
            jit_size_fn f;
            memcpy(&f, &p, sizeof p);
            *size_dst[k - 5] = f();
        }
    }
    api->train_momentum = NULL;
    if (!is_double && snprintf(sym, sizeof sym, "%s_train_batch_momentum", prefix) < (int)sizeof sym) {
        void *p = lookup(ctx, sym);      /* optional: code generated with momentum */
        if (p)
            memcpy(&api->train_momentum, &p, sizeof p);
    }
    if (snprintf(sym, sizeof sym, "%s_param_lead", prefix) < (int)sizeof sym) {
        void *p = lookup(ctx, sym);      /* optional: 0 when absent */
        if (p) {
            jit_size_fn f;
            memcpy(&f, &p, sizeof p);
            api->param_lead = f();
        }
    }
    api->train_key = NULL;
    if (!b.inference && snprintf(sym, sizeof sym, "%s_train_key", prefix) < (int)sizeof sym) {
        void *p = lookup(ctx, sym);      /* only nets with dropout have it */
        if (p)
            memcpy(&api->train_key, &p, sizeof p);
    }
    api->team_step = NULL;
    api->team_chunk = 0;
    if (!is_double && !b.inference && snprintf(sym, sizeof sym, "%s_jit_team_step", prefix) < (int)sizeof sym) {
        void *p = lookup(ctx, sym);      /* only the loop form of some nets has it */
        if (p && snprintf(sym, sizeof sym, "%s_jit_team_chunk", prefix) < (int)sizeof sym) {
            void *c = lookup(ctx, sym);
            if (c) {
                jit_size_fn f;
                memcpy(&api->team_step, &p, sizeof p);
                memcpy(&f, &c, sizeof c);
                api->team_chunk = f();
            }
        }
    }
    b.is_double = is_double != 0;
    api->is_double = b.is_double;
    api->in_size = b.in_size;
    api->out_size = b.out_size;
    api->param_count = b.param_count;
    api->work_size = b.work_size;
    api->init = b.init;
    api->forward = b.forward;
    api->predict = b.predict;
    api->loss_grad = b.loss_grad;
    api->train_batch = b.train_batch;
    api->inference = b.inference;
    return 0;
}

/* See jit.h. The backend string says what impl is: a TCCState that owns
 * the relocated code, or a dlopen handle. */
void jit_release(net_api *api)
{
    if (!api)
        return;
    if (api->impl && api->backend) {
        if (strcmp(api->backend, "tcc") == 0)
            tcc_delete((TCCState *)api->impl);
        else if (strcmp(api->backend, "cc") == 0)
            dlclose(api->impl);
    }
    memset(api, 0, sizeof *api);
}

/* See jit.h. */
void *jit_symbol(const net_api *api, const char *symbol)
{
    if (!api->impl || !api->backend)
        return NULL;
    if (strcmp(api->backend, "tcc") == 0)
        return tcc_get_symbol((TCCState *)api->impl, symbol);
    return dlsym(api->impl, symbol);
}
