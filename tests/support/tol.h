/*
 * tol.h -- tolerance helpers for comparing computed numbers with references.
 *
 * One criterion everywhere (docs/hacking.md, "Tests"): got is close to want when
 *
 *     |got − want| ≤ rtol · max(|got|, |want|) + atol
 *
 * A pure relative error fails on tiny components (finite-difference noise);
 * the atol term, scaled by the caller to the magnitude of the quantity (for
 * gradients, of the loss), absorbs that. NaN is never close to anything;
 * equal infinities are close.
 *
 * The array comparisons fill a message naming the worst element (the one
 * that uses most of its tolerance), both values and its relative error, for
 * use in Criterion assertions:
 *
 *     char msg[256];
 *     cr_assert(tol_compare(g, fd, n, 1e-6, 1e-8, msg, sizeof msg) == 0, "dW: %s", msg);
 */
#ifndef CNNGEN_TOL_H
#define CNNGEN_TOL_H

#include <stddef.h>

/* 1 when |got − want| ≤ rtol·max(|got|,|want|) + atol, else 0. */
int tol_close(double got, double want, double rtol, double atol);

/* |got − want| / max(|got|, |want|); 0 when both are 0 (NaN if either is). */
double tol_rel_err(double got, double want);

/* Compares got[i] with want[i] for i < n by tol_close. Returns how many are
 * not close (0: all are). Writes into msg (len bytes, always NUL-terminated,
 * may be NULL when len is 0) the count, the tolerances and the worst element:
 * its index, both values, absolute and relative error. */
size_t tol_compare(const double *got, const double *want, size_t n,
                   double rtol, double atol, char *msg, size_t len);

/* The same for a float result against a double reference (generated code
 * in its default float build). */
size_t tol_compare_f(const float *got, const double *want, size_t n,
                     double rtol, double atol, char *msg, size_t len);

#endif
