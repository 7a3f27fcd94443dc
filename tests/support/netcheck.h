/*
 * netcheck.h -- test support: check a generated network against the
 * independent reference (ref.c) and against finite differences.
 */
#ifndef TESTS_NETCHECK_H
#define TESTS_NETCHECK_H

#include <stddef.h>
#include "jit.h"
#include "ref.h"

typedef struct nc_result {
    int ok;
    char msg[1024];              /* why not, for cr_assert */
    double worst_fwd;            /* worst relative error, forward vs reference */
    double worst_grad;           /* worst |g − fd| / (1e-6·max(|g|,|fd|) + atol): ≤ 1 passes */
    size_t checked;              /* gradient components that passed */
    size_t skipped;              /* ... not checked: a relu/max kink inside [p−h, p+h] */
    size_t kinks;                /* ... not checked: exactly on a kink (no derivative) */
} nc_result;

/* Build `net` in double precision with tcc at the given unroll ("none",
 * "kernel", "full"; NULL = default), then on `nsamp` random samples:
 *   1. forward output vs ref_forward (relative 1e-12),
 *   2. loss_grad's cost vs ref_cost,
 *   3. every gradient component (when the net has more than `max_params`:
 *      the first max_params/2, then about max_params/2 evenly spread)
 *      vs a central difference of the cost,
 *      |g − fd| ≤ 1e-6·max(|g|, |fd|) + 1e-8.
 * Where that fails, the one-sided derivatives (from the right and the
 * left, Richardson-extrapolated) decide:
 *   - equal: the cost is differentiable there (a kink of f'' only, as
 *     relu under the quadratic cost gives), and g must match them within
 *     1e-5·max + 1e-7;
 *   - unequal, and the central difference changes with h: a relu or
 *     max-pool kink inside [p−h, p+h]; skipped and counted, more than 1%
 *     of the components fails;
 *   - unequal, and the central difference does not change with h: p sits
 *     exactly ON a kink, where no gradient is defined (e.g. zero relu
 *     biases under an all-zero receptive field give z = 0 exactly); counted
 *     in kinks, more than a fifth fails (a net that is mostly kinks tests
 *     nothing).
 * Forward, cost and build failures are never excused. */
void nc_check(const ref_net *net, const char *unroll, unsigned long long seed, int nsamp,
              size_t max_params, nc_result *r);

/* The same net in float: its gradient vs the double build's, within
 * |gf − gd| ≤ 2e-3·max(|gf|, |gd|) + 1e-4 (float rounding). */
void nc_check_float(const ref_net *net, const char *unroll, unsigned long long seed, int nsamp,
                    nc_result *r);

/* The cc build of net in its default form against the tcc build of
 * --unroll none, in double, on nsamp random samples (parameters from
 * init(seed)): the forward outputs against the reference (1e-12), the
 * gradients (through one dropout key) against each other,
 * |gc − gt| ≤ 1e-11·max(|gt|, 1e-3). */
void nc_check_cc(const ref_net *net, unsigned long long seed, int nsamp, nc_result *r);

/* The float build of src (--unroll none) by cc with cflags against a
 * tcc build's cost ct and gradient gt, both at parameters p on the ns
 * samples (x, labels): the cost within 1e-5 relative, each gradient
 * component within rel·max(|gc|, |gt|) + abs.  The build and a work
 * struct for it stay in *c and *wc (the caller frees *wc and releases
 * *c) when r->ok. */
void nc_float_cc(const char *src, const char *cflags, const float *p, const float *x, const int *labels, int ns,
                 float ct, const float *gt, float rel, float abs, net_api *c, void **wc, nc_result *r);

/* Writes net's description (named "qn") to lua_path and, when w_path is
 * not NULL, float weights from its generated init(seed) to w_path, with
 * the generated layout hash; *p (p not NULL) gets those weights as
 * doubles (malloc'd).  0, or -1 with a message in err. */
int nc_write_net(const ref_net *net, const char *lua_path, const char *w_path, unsigned long long seed, double **p,
                 char *err, size_t errlen);

/* Fill x (n samples) with values in [0, 1) and labels in [0, nout) from seed. */
void nc_random_batch(unsigned long long seed, double *x, size_t in_size, int *labels, int n, int nout);

#endif
