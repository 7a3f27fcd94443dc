/*
 * gradcheck.h -- compare a network's loss_grad with central finite
 * differences of its cost (used by `cnngen check` and by tests).
 *
 * On a batch of random inputs (uniform in [0, 1)) and labels, from
 * parameters set by the net's own init, the analytic gradient g = ∂C/∂p
 * from loss_grad is compared, component by component, with
 *
 *     fd = (C(p + h·e_k) − C(p − h·e_k)) / 2h
 *
 * by the relative error  |g − fd| / max(|g|, |fd|, 1e-8).  It needs the
 * double-precision build: in float, the cost's rounding divided by h swamps
 * the difference.
 *
 * Which components: every one when the net has at most full_limit
 * parameters; otherwise, in each group (each layer's weights, each layer's
 * biases), the first and last `ends`, and a uniform random sample of the
 * rest up to per_group in all.
 *
 * Kinks.  At a relu's zero or a max-pool tie the cost is not differentiable
 * and fd is meaningless.  A component over the tolerance is re-measured with
 * h/10: if the two differences disagree with each other by more than the
 * tolerance too, fd is not converging (a kink inside [p−h, p+h]) and the
 * component is counted as skipped, not failed; a wrong gradient has a stable
 * fd and still fails.  gradcheck_group_ok() also fails a group with more
 * than 1% of its components (and more than one) skipped.
 */
#ifndef CNNGEN_GRADCHECK_H
#define CNNGEN_GRADCHECK_H

#include <stddef.h>

#include "net_api.h"

/* A contiguous run of the flat parameter vector, reported on its own. */
typedef struct gc_group {
    char name[64];                  /* e.g. "layer 1 conv w" */
    size_t off, count;
} gc_group;

typedef struct gc_opts {
    int nsamp;                      /* samples in the random batch (default 2) */
    unsigned long long seed;        /* inputs, labels, init and the sample */
    double h;                       /* step (default 1e-5 ≈ cbrt(DBL_EPSILON)) */
    double tolerance;               /* for the kink test (default 1e-4) */
    size_t full_limit;              /* check all when param_count ≤ this (5000) */
    size_t per_group, ends;         /* otherwise (default 60 and 10) */
    /* TEST-ONLY: add a visible error to one component of the analytic
     * gradient (the first checked one of the first group) after loss_grad,
     * so tests can see the check fail.  Never set it otherwise. */
    int break_grad;
} gc_opts;

typedef struct gc_result {
    size_t checked, skipped;        /* components compared / skipped as kinks */
    double worst;                   /* worst relative error (0 when none) */
    size_t worst_index;             /* its index in the flat vector */
    double worst_g, worst_fd;
} gc_result;

/* One point of a double build's cost: the parameters p (the functions
 * below move one component and restore it exactly), a scratch gradient,
 * a work struct and the batch (x, labels, n). */
typedef struct gc_point {
    const net_api *api;
    double *p, *scratch;
    void *work;
    const double *x;
    const int *labels;
    int n;
} gc_point;

/* C(p): loss_grad's mean cost on the batch. */
double gradcheck_cost(const gc_point *c);

/* The central difference (C(p + h·e_k) − C(p − h·e_k)) / 2h. */
double gradcheck_central(const gc_point *c, size_t k, double h);

/* The one-sided derivative in component k from the right (dir = 1) or
 * the left (dir = -1), c0 = C(p): with D(t) = (C(p + dir·t·e_k) − c0) /
 * (dir·t), Richardson's 2·D(h/2) − D(h), O(h²) like the central
 * difference. Where the two sides differ, p sits on a kink. */
double gradcheck_one_sided(const gc_point *c, size_t k, double h, int dir, double c0);

/* Defaults as documented above; all zero fields of o take them. */
void gradcheck_defaults(gc_opts *o);

/* Check api (double build) on groups[0..ngroups) (NULL/0: one group, all
 * parameters); res[i] gets group i's result.  Returns 0, or -1 with a
 * message (float build, out of memory). */
int gradcheck_run(const net_api *api, const gc_group *groups, int ngroups, const gc_opts *o,
                  gc_result *res, char *err, size_t errlen);

/* 1 when group result r passes tolerance: r->worst ≤ tolerance and at
 * most max(1, checked/100) components skipped. */
int gradcheck_group_ok(const gc_result *r, double tolerance);

/* Relative error as above. */
double gradcheck_rel_err(double g, double fd);

#endif
