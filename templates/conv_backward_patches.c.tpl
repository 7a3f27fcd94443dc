@ local NP, NK = L.oh * L.ow, L.ckk
${include("conv_doc_backward.c.tpl", "")}
${include("conv_patches_doc.c.tpl", "")}
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t s, m, oy, ox, c, i, j, k, u;
${include("conv_patches_copy.c.tpl", "")}
    /* ∂C/∂w: ${L.gmb} maps x a block of taps k at a time; their sums stay in
     * registers and L1 while every position p of every sample adds to them (each
     * gradient loaded and stored once per chunk; each patch value loaded
     * serves ${L.gmb} maps) */
    for (m = 0; m < ${L.maps}; m += ${L.gmb}) {
@ for _, b in ipairs(L.gblocks) do
        for (k = ${b.from}; k < ${b.to}; k += ${b.size}) {   /* taps k..k+${b.size - 1} */
            ${real} acc[${L.gmb}][${b.size}];           /* ∂C/∂w[m..m+${L.gmb - 1}][k..k+${b.size - 1}] */
            ptrdiff_t q, v;
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${b.size}; ++v) acc[q][v] = g[${L.woff} + (m + q)*${NK} + k + v];
            for (s = 0; s < n; ++s) {
                const ${real} *dm = ws->s[s].d${l} + m*${NP}, *ts = ws->t${l} + s*${NP * NK} + k;
                for (u = 0; u < ${NP}; ++u) {               /* p = u */
                    const ${real} *t = ts + u*${NK};
                    ${real} d[${L.gmb}];
                    for (q = 0; q < ${L.gmb}; ++q) d[q] = dm[q*${NP} + u];
                    for (v = 0; v < ${b.size}; ++v) {
                        const ${real} tv = t[v];
                        for (q = 0; q < ${L.gmb}; ++q) acc[q][v] += d[q] * tv;
                    }
                }
            }
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${b.size}; ++v) g[${L.woff} + (m + q)*${NK} + k + v] = acc[q][v];
        }
@ end
    }
@ if L.propagate then
${include("conv_patches_din.c.tpl", "")}
@ end
}

