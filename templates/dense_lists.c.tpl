@ -- ∂C/∂w and ∂C/∂a^{l-1} as sums over lists of the δ ≠ 0 (straight-line forms)
    /* ∂C/∂w[o][.] += Σ_s δ^${l}_s[o] · a^${l-1}_s[.], unit by unit, over the
     * samples whose δ_s[o] is not 0 (the others add nothing) */
    for (o = 0; o < ${L.units}; ++o) {
        ${real} *t = g + ${L.woff} + o*${L.n_in};   /* ∂C/∂w[o][.] */
        for (s = 0, nk = 0; s < n; ++s)
            if (w->s[s].d${l}[o] != ${zero}) {
                dk[nk] = w->s[s].d${l}[o];
                xk[nk++] = ${src("s")};
            }
${axpy("        ")}
    }
@ if L.propagate then
    /* ∂C/∂a^${l-1}_s[.] = Σ_o δ^${l}_s[o] · w[o][.], sample by sample, over the
     * units whose δ_s[o] is not 0, along the rows of w */
    for (s = 0; s < n; ++s) {
        ${real} *t = w->s[s].d${l-1};
        for (u = 0; u < ${L.n_in}; ++u) t[u] = ${zero};
        for (o = 0, nk = 0; o < ${L.units}; ++o)
            if (w->s[s].d${l}[o] != ${zero}) {
                dk[nk] = w->s[s].d${l}[o];
                xk[nk++] = p + ${L.woff} + o*${L.n_in};
            }
${axpy("        ")}
    }
@ end
