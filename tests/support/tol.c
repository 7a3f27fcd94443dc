/*
 * tol.c -- tolerance helpers (see tol.h).
 */
#include "tol.h"

#include <math.h>
#include <stdio.h>

/* |got − want| ≤ rtol·max(|got|,|want|) + atol; exact equality (which
 * covers equal infinities) always passes, NaN never does, nor an infinity
 * against anything else (rtol·∞ would otherwise allow it). */
int tol_close(double got, double want, double rtol, double atol)
{
    double big;
    if (got == want)
        return 1;
    if (isnan(got) || isnan(want) || isinf(got) || isinf(want))
        return 0;                               /* NaN, or unequal with an infinity */
    big = fabs(got) > fabs(want) ? fabs(got) : fabs(want);
    return fabs(got - want) <= rtol * big + atol;
}

/* |got − want| / max(|got|,|want|), 0 for two zeros. */
double tol_rel_err(double got, double want)
{
    double big = fabs(got) > fabs(want) ? fabs(got) : fabs(want);
    if (got == want)
        return 0.0;
    return fabs(got - want) / big;
}

/* How much of its tolerance an element uses: |got − want| / (rtol·max + atol);
 * > 1 means not close. HUGE_VAL for NaN or when no tolerance is allowed and
 * the values differ. */
static double tol_usage(double got, double want, double rtol, double atol)
{
    double big, allowed;
    if (got == want)
        return 0.0;
    if (isnan(got) || isnan(want))
        return HUGE_VAL;
    big = fabs(got) > fabs(want) ? fabs(got) : fabs(want);
    allowed = rtol * big + atol;
    if (!(allowed > 0.0) || isinf(got) || isinf(want))
        return HUGE_VAL;
    return fabs(got - want) / allowed;
}

/* Shared by tol_compare and tol_compare_f: element i of got is fetched as a
 * double from either array kind. */
static size_t tol_compare_any(const double *gd, const float *gf, const double *want,
                              size_t n, double rtol, double atol, char *msg, size_t len)
{
    size_t i, bad = 0, worst = 0;
    double worst_use = -1.0;
    for (i = 0; i < n; ++i) {
        double g = gd ? gd[i] : (double)gf[i];
        double use = tol_usage(g, want[i], rtol, atol);
        if (!tol_close(g, want[i], rtol, atol))
            ++bad;
        if (use > worst_use) {
            worst_use = use;
            worst = i;
        }
    }
    if (msg && len > 0) {
        if (n == 0) {
            snprintf(msg, len, "0 elements compared");
        } else {
            double g = gd ? gd[worst] : (double)gf[worst];
            double w = want[worst];
            snprintf(msg, len,
                     "%zu of %zu not close (rtol %g, atol %g); worst [%zu]: "
                     "got %.17g want %.17g, abs err %.3g, rel err %.3g",
                     bad, n, rtol, atol, worst, g, w, fabs(g - w), tol_rel_err(g, w));
        }
    }
    return bad;
}

/* double result against a double reference. */
size_t tol_compare(const double *got, const double *want, size_t n,
                   double rtol, double atol, char *msg, size_t len)
{
    return tol_compare_any(got, NULL, want, n, rtol, atol, msg, len);
}

/* float result against a double reference. */
size_t tol_compare_f(const float *got, const double *want, size_t n,
                     double rtol, double atol, char *msg, size_t len)
{
    return tol_compare_any(NULL, got, want, n, rtol, atol, msg, len);
}
