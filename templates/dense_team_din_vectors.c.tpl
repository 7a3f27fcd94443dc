
/* The team step's ∂C/∂a^${l-1} of my samples (the batch's first .. first+n-1):
 * the sums of the T threads' rows, each in its gradient buffer's space of w
 * (parts[k] + ${L.woff}: [${chunk}][${L.n_in}], the batch's samples in order) */
static void ${P}_l${l}_dense_team_din(${P}_work *restrict w, ptrdiff_t n, ptrdiff_t first,
                                     ${real} *const *parts, int T)
{
    ptrdiff_t s, u;
    int k;
    for (s = 0; s < n; ++s) {
        ${real} *d = w->s[s].d${l-1};
        for (u = 0; u < ${L.n_in}; ++u) d[u] = parts[0][${L.woff} + (first + s)*${L.n_in} + u];
        for (k = 1; k < T; ++k)
            for (u = 0; u < ${L.n_in}; ++u) d[u] += parts[k][${L.woff} + (first + s)*${L.n_in} + u];
    }
}
