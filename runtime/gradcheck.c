/*
 * gradcheck.c -- loss_grad against central finite differences (see
 * gradcheck.h for the method, the sampling and the kink rule).
 */
#include "errfmt.h"
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

void gradcheck_defaults(gc_opts *o)
{
    if (o->nsamp <= 0) o->nsamp = 2;
    if (!(o->h > 0)) o->h = 1e-5;
    if (!(o->tolerance > 0)) o->tolerance = 1e-4;
    if (!o->full_limit) o->full_limit = 5000;
    if (!o->per_group) o->per_group = 60;
    if (!o->ends) o->ends = 10;
    if (2 * o->ends > o->per_group) o->ends = o->per_group / 2;
}

double gradcheck_rel_err(double g, double fd)
{
    double m = fabs(g) > fabs(fd) ? fabs(g) : fabs(fd);
    if (m < 1e-8) m = 1e-8;
    return fabs(g - fd) / m;
}

int gradcheck_group_ok(const gc_result *r, double tolerance)
{
    size_t allowed = r->checked / 100 > 1 ? r->checked / 100 : 1;
    return r->worst <= tolerance && r->skipped <= allowed;
}

/* See gradcheck.h. */
double gradcheck_cost(const gc_point *c)
{
    return c->api->loss_grad.d(c->p, c->work, c->x, c->labels, c->n, c->scratch);
}

/* See gradcheck.h. */
double gradcheck_central(const gc_point *c, size_t k, double h)
{
    double orig = c->p[k], cp, cm;
    c->p[k] = orig + h;
    cp = gradcheck_cost(c);
    c->p[k] = orig - h;
    cm = gradcheck_cost(c);
    c->p[k] = orig;
    return (cp - cm) / (2.0 * h);
}

/* See gradcheck.h. */
double gradcheck_one_sided(const gc_point *c, size_t k, double h, int dir, double c0)
{
    double orig = c->p[k], d1, d2;
    c->p[k] = orig + dir * h;
    d1 = (gradcheck_cost(c) - c0) / (dir * h);
    c->p[k] = orig + dir * h / 2;
    d2 = (gradcheck_cost(c) - c0) / (dir * h / 2);
    c->p[k] = orig;
    return 2 * d2 - d1;
}

/* Compare component k of the gradient g, folding it into res. */
static void gc_component(const gc_point *r, const double *g, size_t k, const gc_opts *o, gc_result *res)
{
    double fd = gradcheck_central(r, k, o->h), e = gradcheck_rel_err(g[k], fd);
    if (e > o->tolerance) {
        double fd2 = gradcheck_central(r, k, o->h / 10);
        if (gradcheck_rel_err(fd, fd2) > o->tolerance
            && gradcheck_rel_err(g[k], fd2) > o->tolerance) {
            res->skipped++;             /* fd does not converge: a kink */
            return;
        }
        if (gradcheck_rel_err(g[k], fd2) < e) {
            fd = fd2;
            e = gradcheck_rel_err(g[k], fd2);
        }
    }
    res->checked++;
    if (e > res->worst || res->checked == 1) {
        res->worst = e;
        res->worst_index = k;
        res->worst_g = g[k];
        res->worst_fd = fd;
    }
}

/* The components of group gr to check, in increasing order, into idx
 * (room for min(count, per_group)); returns how many. */
static size_t gc_pick(const gc_group *gr, const gc_opts *o, int all, rng_state *rng,
                      size_t *idx, unsigned char *mark)
{
    size_t n = 0, i, mid, want;
    if (all || gr->count <= o->per_group) {
        for (i = 0; i < gr->count; ++i)
            idx[n++] = gr->off + i;
        return n;
    }
    /* the ends, then Floyd's sample of distinct middle components */
    memset(mark, 0, gr->count);
    for (i = 0; i < o->ends; ++i) {
        mark[i] = 1;
        mark[gr->count - 1 - i] = 1;
    }
    mid = gr->count - 2 * o->ends;
    want = o->per_group - 2 * o->ends;
    for (i = mid - want; i < mid; ++i) {
        size_t t = (size_t)rng_uniform_u64(rng, (unsigned long long)i + 1);
        if (mark[o->ends + t])
            t = i;
        mark[o->ends + t] = 1;
    }
    for (i = 0; i < gr->count; ++i)
        if (mark[i])
            idx[n++] = gr->off + i;
    return n;
}

/* See gradcheck.h. */
int gradcheck_run(const net_api *api, const gc_group *groups, int ngroups, const gc_opts *opts,
                  gc_result *res, char *err, size_t errlen)
{
    gc_opts o = *opts;
    gc_group all_group;
    gc_point r;
    rng_state rng;
    double *g, *x, *p, *scratch;
    int *labels;
    void *work;
    size_t i, maxcount = 0, *idx = NULL;
    unsigned char *mark = NULL;
    int gi, rc = -1, all;

    gradcheck_defaults(&o);
    if (!api->is_double)
        return errfmt(err, errlen, "internal error: the gradient check needs the double build");
    if (!groups || ngroups <= 0) {
        memset(&all_group, 0, sizeof all_group);
        snprintf(all_group.name, sizeof all_group.name, "all parameters");
        all_group.count = api->param_count;
        groups = &all_group;
        ngroups = 1;
    }
    for (gi = 0; gi < ngroups; ++gi) {
        if (groups[gi].off + groups[gi].count > api->param_count)
            return errfmt(err, errlen, "internal error: group '%s' [%zu, %zu) beyond the "
                            "%zu parameters", groups[gi].name, groups[gi].off,
                            groups[gi].off + groups[gi].count, api->param_count);
        if (groups[gi].count > maxcount)
            maxcount = groups[gi].count;
    }
    all = api->param_count <= o.full_limit;

    p = malloc(api->param_count * sizeof *p);
    g = malloc(api->param_count * sizeof *g);
    scratch = malloc(api->param_count * sizeof *scratch);
    x = malloc((size_t)o.nsamp * api->in_size * sizeof *x);
    labels = malloc((size_t)o.nsamp * sizeof *labels);
    work = net_work_new(api);
    idx = malloc((maxcount ? maxcount : 1) * sizeof *idx);
    mark = malloc(maxcount ? maxcount : 1);
    if (!p || !g || !scratch || !x || !labels || !work || !idx || !mark) {
        errfmt(err, errlen, "out of memory for the gradient check");
        goto done;
    }

    rng_seed(&rng, o.seed);
    api->init.d(p, o.seed);
    for (i = 0; i < (size_t)o.nsamp * api->in_size; ++i)
        x[i] = rng_uniform01(&rng);
    for (gi = 0; gi < o.nsamp; ++gi)
        labels[gi] = rng_uniform_int(&rng, (int)api->out_size);
    r.api = api, r.p = p, r.scratch = scratch, r.work = work, r.x = x, r.labels = labels, r.n = o.nsamp;
    if (api->train_key)                 /* dropout: one key, so every cost below has the same masks */
        api->train_key(work, o.seed, 0, 0);
    api->loss_grad.d(p, work, x, labels, o.nsamp, g);

    for (gi = 0; gi < ngroups; ++gi) {
        size_t n = gc_pick(&groups[gi], &o, all, &rng, idx, mark);
        memset(&res[gi], 0, sizeof res[gi]);
        if (o.break_grad && gi == 0 && n > 0)       /* TEST-ONLY, see gradcheck.h */
            g[idx[0]] += 1e-3 + 0.01 * fabs(g[idx[0]]);
        for (i = 0; i < n; ++i)
            gc_component(&r, g, idx[i], &o, &res[gi]);
    }
    rc = 0;
done:
    free(p);
    free(g);
    free(scratch);
    free(x);
    free(labels);
    free(work);
    free(idx);
    free(mark);
    return rc;
}
