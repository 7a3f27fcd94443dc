/*
 * netcheck.c -- test support: generated network vs reference and finite
 * differences (see netcheck.h).
 */
#include "netcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "checkpoint.h"
#include "gradcheck.h"
#include "tol.h"

static unsigned long long nc_next(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void nc_random_batch(unsigned long long seed, double *x, size_t in_size, int *labels, int n, int nout)
{
    unsigned long long s = seed * 7919 + 17;
    size_t k;
    int i;
    for (k = 0; k < in_size * (size_t)n; ++k) x[k] = (double)(nc_next(&s) >> 11) / 9007199254740992.0;
    for (i = 0; i < n; ++i) labels[i] = (int)(nc_next(&s) % (unsigned long long)nout);
}

static int build(const ref_net *net, const char *real, const char *unroll, const char *backend, net_api *api,
                 char *msg, size_t len)
{
    char src[8192], err[700];
    ref_lua(net, "t", src, sizeof src);
    if (tb_build(src, real, unroll, backend, NULL, api, err, sizeof err) != 0) {
        snprintf(msg, len, "build failed: %.300s\n--- description:\n%.600s", err, src);
        return -1;
    }
    return 0;
}

/* Dropout (nets with api->train_key): the key of work's next training
 * calls, and the reference's, (seed, 7, 3): a step and a first sample
 * other than 0, so that a key the code read from the wrong place shows */
static void nc_key(const net_api *api, void *work, unsigned long long seed, ref_net *net)
{
    net->train = 1, net->seed = seed, net->step = 7, net->first = 3;
    if (api->train_key)
        api->train_key(work, seed, 7, 3);
}

void nc_check(const ref_net *net_in, const char *unroll, unsigned long long seed, int nsamp,
              size_t max_params, nc_result *r)
{
    ref_net keyed = *net_in;
    const ref_net *net = &keyed;
    net_api api;
    size_t np = ref_param_count(net), nin = ref_in_size(net), nout = ref_out_size(net), k, step;
    double *p, *g, *x, *y, *yr, *scratch;
    int *labels, i;
    void *work;
    double cost = 0.0, cref;
    gc_point fd;

    memset(r, 0, sizeof *r);
    if (build(net, "double", unroll, "tcc", &api, r->msg, sizeof r->msg) != 0) return;
    if (api.param_count != np || api.in_size != nin || api.out_size != nout) {
        snprintf(r->msg, sizeof r->msg, "sizes differ: generated %zu/%zu/%zu params/in/out, reference %zu/%zu/%zu",
                 api.param_count, api.in_size, api.out_size, np, nin, nout);
        jit_release(&api);
        return;
    }
    p = malloc(np * sizeof *p);
    g = malloc(np * sizeof *g);
    x = malloc(nin * (size_t)nsamp * sizeof *x);
    y = malloc(nout * sizeof *y);
    yr = malloc(nout * sizeof *yr);
    labels = malloc((size_t)nsamp * sizeof *labels);
    work = malloc(api.work_size);
    /* all ones, NaN in every real: the code may rely on nothing it did not
     * write itself (a unit no window reaches must get its δ = 0 written) */
    if (work) memset(work, 0xff, api.work_size);
    api.init.d(p, seed);
    nc_random_batch(seed, x, nin, labels, nsamp, (int)nout);
    nc_key(&api, work, seed, &keyed);        /* the masks stay fixed for every cost below */
    r->ok = 1;

    /* 1. forward vs reference */
    for (i = 0; i < nsamp && r->ok; ++i) {
        char m[512];
        api.forward.d(p, work, x + (size_t)i * nin, y);
        ref_forward(net, p, x + (size_t)i * nin, yr);
        if (tol_compare(y, yr, nout, 1e-12, 1e-14, m, sizeof m) != 0) {
            snprintf(r->msg, sizeof r->msg, "forward differs from the reference (sample %d): %s", i, m);
            r->ok = 0;
        }
    }
    /* 2. cost vs reference */
    if (r->ok) {
        cost = api.loss_grad.d(p, work, x, labels, nsamp, g);
        cref = ref_cost(net, p, x, labels, nsamp);
        if (!tol_close(cost, cref, 1e-11, 1e-13)) {
            snprintf(r->msg, sizeof r->msg, "cost %.17g differs from the reference %.17g", cost, cref);
            r->ok = 0;
        }
    }
    /* 3. gradient vs central differences of the generated cost */
    step = (max_params && np > max_params) ? np / max_params : 1;
    scratch = malloc(np * sizeof *scratch);
    fd.api = &api, fd.p = p, fd.scratch = scratch, fd.work = work, fd.x = x, fd.labels = labels, fd.n = nsamp;
    for (k = 0; k < np && r->ok; k += (k < max_params / 2 ? 1 : step)) {
        double h = 1e-5, central = gradcheck_central(&fd, k, h), right, left;
        double bound = 1e-6 * fmax(fabs(g[k]), fabs(central)) + 1e-8, err = fabs(g[k] - central);
        if (!(err <= bound)) {         /* a NaN fails too */
            /* Not smooth enough around p for a central difference: compare
             * the one-sided derivatives. Equal ones are the derivative
             * (e.g. where only f'' jumps), and backprop must match them. */
            right = gradcheck_one_sided(&fd, k, h, 1, cost);
            left = gradcheck_one_sided(&fd, k, h, -1, cost);
            if (fabs(right - left) <= 1e-5 * fmax(fabs(right), fabs(left)) + 1e-7) {
                if (!(fabs(g[k] - right) <= 1e-5 * fmax(fabs(g[k]), fabs(right)) + 1e-7)) {
                    snprintf(r->msg, sizeof r->msg, "gradient component %zu: backprop %.17g, finite difference "
                             "%.17g (|diff| %.3g > %.3g), one-sided derivatives %.17g (right), %.17g (left)",
                             k, g[k], central, err, bound, right, left);
                    r->ok = 0;
                    break;
                }
                r->checked++;                /* matched the one-sided derivatives */
                continue;
            } else if (fabs(gradcheck_central(&fd, k, h / 16) - central) > 10 * bound) {
                r->skipped++;                /* a kink inside [p−h, p+h]: the difference depends on h */
                continue;
            } else {
                r->kinks++;                  /* exactly on a kink: no derivative at p */
                continue;
            }
        }
        if (err / bound > r->worst_grad) r->worst_grad = err / bound;
        r->checked++;
    }
    free(scratch);
    if (r->ok && r->skipped * 100 > r->checked + r->skipped + r->kinks) {
        snprintf(r->msg, sizeof r->msg, "%zu of %zu gradient components sat near kinks", r->skipped,
                 r->checked + r->skipped + r->kinks);
        r->ok = 0;
    }
    if (r->ok && r->kinks * 5 > r->checked + r->skipped + r->kinks) {
        snprintf(r->msg, sizeof r->msg, "%zu of %zu gradient components sat exactly on kinks", r->kinks,
                 r->checked + r->skipped + r->kinks);
        r->ok = 0;
    }
    free(p); free(g); free(x); free(y); free(yr); free(labels); free(work);
    jit_release(&api);
}

void nc_check_float(const ref_net *net, const char *unroll, unsigned long long seed, int nsamp,
                    nc_result *r)
{
    net_api ad, af;
    size_t np = ref_param_count(net), nin = ref_in_size(net), nout = ref_out_size(net), k;
    double *pd, *gd, *xd;
    float *pf, *gf, *xf;
    int *labels;
    void *wd, *wf;
    char m[512];

    memset(r, 0, sizeof *r);
    if (build(net, "double", unroll, "tcc", &ad, r->msg, sizeof r->msg) != 0) return;
    if (build(net, "float", unroll, "tcc", &af, r->msg, sizeof r->msg) != 0) {
        jit_release(&ad);
        return;
    }
    pd = malloc(np * sizeof *pd); gd = malloc(np * sizeof *gd);
    pf = malloc(np * sizeof *pf); gf = malloc(np * sizeof *gf);
    xd = malloc(nin * (size_t)nsamp * sizeof *xd); xf = malloc(nin * (size_t)nsamp * sizeof *xf);
    labels = malloc((size_t)nsamp * sizeof *labels);
    wd = malloc(ad.work_size); wf = malloc(af.work_size);
    if (wd && wf) memset(wd, 0xff, ad.work_size), memset(wf, 0xff, af.work_size);   /* as nc_check */
    af.init.f(pf, seed);
    for (k = 0; k < np; ++k) pd[k] = pf[k];        /* the same (float) parameters in both */
    nc_random_batch(seed, xd, nin, labels, nsamp, (int)nout);
    for (k = 0; k < nin * (size_t)nsamp; ++k) xf[k] = (float)xd[k], xd[k] = xf[k];
    {
        ref_net keyed = *net;
        nc_key(&ad, wd, seed, &keyed);
        nc_key(&af, wf, seed, &keyed);
    }
    ad.loss_grad.d(pd, wd, xd, labels, nsamp, gd);
    af.loss_grad.f(pf, wf, xf, labels, nsamp, gf);
    r->ok = tol_compare_f(gf, gd, np, 2e-3, 1e-4, m, sizeof m) == 0;
    if (!r->ok) snprintf(r->msg, sizeof r->msg, "float gradient vs double: %s", m);
    free(pd); free(gd); free(pf); free(gf); free(xd); free(xf); free(labels); free(wd); free(wf);
    jit_release(&ad);
    jit_release(&af);
}

void nc_check_cc(const ref_net *net, unsigned long long seed, int nsamp, nc_result *r)
{
    net_api t, c;
    size_t np = ref_param_count(net), nin = ref_in_size(net), nout = ref_out_size(net), k;
    double *p, *gt, *gc, *x, *yt, *yc, *yr;
    int *labels, i;
    void *wt, *wc;
    ref_net keyed = *net;
    char m[512];

    memset(r, 0, sizeof *r);
    if (build(net, "double", "none", "tcc", &t, r->msg, sizeof r->msg) != 0) return;
    if (build(net, "double", NULL, "cc", &c, r->msg, sizeof r->msg) != 0) {
        jit_release(&t);
        return;
    }
    p = malloc(np * sizeof *p), gt = malloc(np * sizeof *gt), gc = malloc(np * sizeof *gc);
    x = malloc(nin * (size_t)nsamp * sizeof *x), labels = malloc((size_t)nsamp * sizeof *labels);
    yt = malloc(nout * sizeof *yt), yc = malloc(nout * sizeof *yc), yr = malloc(nout * sizeof *yr);
    wt = malloc(t.work_size), wc = malloc(c.work_size);
    t.init.d(p, seed);
    nc_random_batch(seed, x, nin, labels, nsamp, (int)nout);
    r->ok = 1;
    for (i = 0; i < nsamp && r->ok; ++i) {
        t.forward.d(p, wt, x + (size_t)i * nin, yt);
        c.forward.d(p, wc, x + (size_t)i * nin, yc);
        ref_forward(net, p, x + (size_t)i * nin, yr);
        if (tol_compare(yt, yr, nout, 1e-12, 1e-14, m, sizeof m) != 0 ||
            tol_compare(yc, yr, nout, 1e-12, 1e-14, m, sizeof m) != 0) {
            snprintf(r->msg, sizeof r->msg, "forward of the tcc or cc build differs from the reference (sample %d): %s",
                     i, m);
            r->ok = 0;
        }
    }
    nc_key(&t, wt, seed, &keyed);
    nc_key(&c, wc, seed, &keyed);
    t.loss_grad.d(p, wt, x, labels, nsamp, gt);
    c.loss_grad.d(p, wc, x, labels, nsamp, gc);
    for (k = 0; k < np && r->ok; ++k)
        if (fabs(gc[k] - gt[k]) > 1e-11 * fmax(fabs(gt[k]), 1e-3)) {
            snprintf(r->msg, sizeof r->msg, "g[%zu]: cc %.17g, tcc %.17g", k, gc[k], gt[k]);
            r->ok = 0;
        }
    free(p); free(gt); free(gc); free(x); free(labels); free(yt); free(yc); free(yr); free(wt); free(wc);
    jit_release(&t);
    jit_release(&c);
}

int nc_write_net(const ref_net *net, const char *lua_path, const char *w_path, unsigned long long seed, double **p,
                 char *err, size_t errlen)
{
    char src[8192];
    tb_gen g;
    net_api api;
    float *pf;
    const char *hash;
    size_t k, np = ref_param_count(net);
    FILE *f;
    int rc = -1;
    ref_lua(net, "qn", src, sizeof src);
    f = fopen(lua_path, "w");
    if (!f || fputs(src, f) == EOF || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", lua_path);
        return -1;
    }
    if (!w_path) return 0;
    if (tb_generate(src, "float", NULL, &g, err, errlen) != 0) return -1;
    hash = strstr(g.h, "_ARCH_HASH");
    if (tb_build(src, "float", NULL, "tcc", NULL, &api, err, errlen) != 0) {
        tb_gen_free(&g);
        return -1;
    }
    pf = malloc(np * sizeof *pf);
    if (pf && hash) {
        api.init.f(pf, seed);
        rc = ckpt_save(w_path, pf, np, 4, strtoull(strchr(hash, '0'), NULL, 16), err, errlen);
        if (rc == 0 && p) {
            *p = malloc(np * sizeof **p);
            if (*p)
                for (k = 0; k < np; ++k) (*p)[k] = pf[k];
            else
                rc = -1;
        }
    }
    free(pf);
    jit_release(&api);
    tb_gen_free(&g);
    return rc;
}

void nc_float_cc(const char *src, const char *cflags, const float *p, const float *x, const int *labels, int ns,
                 float ct, const float *gt, float rel, float abs, net_api *c, void **wc, nc_result *r)
{
    char err[512];
    float cc, *gc;
    size_t k;
    memset(r, 0, sizeof *r);
    *wc = NULL;
    if (tb_build(src, "float", "none", "cc", cflags, c, err, sizeof err) != 0) {
        snprintf(r->msg, sizeof r->msg, "cc %s: %s", cflags, err);
        return;
    }
    gc = net_params_new(c);
    *wc = net_work_new(c);
    if (!gc || !*wc) {
        snprintf(r->msg, sizeof r->msg, "cc %s: out of memory", cflags);
        goto fail;
    }
    cc = c->loss_grad.f(p, *wc, x, labels, ns, gc);
    if (!(fabsf(cc - ct) <= 1e-5f * fabsf(ct))) {
        snprintf(r->msg, sizeof r->msg, "cc %s: cost %.9g, tcc %.9g", cflags, cc, ct);
        goto fail;
    }
    for (k = 0; k < c->param_count; ++k)
        if (!(fabsf(gc[k] - gt[k]) <= rel * fmaxf(fabsf(gc[k]), fabsf(gt[k])) + abs)) {
            snprintf(r->msg, sizeof r->msg, "cc %s: ∂C/∂p[%zu] = %.9g, tcc %.9g", cflags, k, gc[k], gt[k]);
            goto fail;
        }
    net_params_free(gc);
    r->ok = 1;
    return;
fail:
    net_params_free(gc);
    free(*wc);
    *wc = NULL;
    jit_release(c);
}
