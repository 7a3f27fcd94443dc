@ -- the patches forms' ∂C/∂a^{l-1}: the gradients of the patch values, added back
@ local NP, NK = L.oh * L.ow, L.ckk
    /* ∂C/∂a^${l-1}: the gradient of each patch value, a few taps k at a time
     * (their weights stay in cache for every sample; each δ value loaded
     * serves all the taps), written over the patches, which are done with */
@ for _, b in ipairs(L.dblocks) do
    for (k = ${b.from}; k < ${b.to}; k += ${b.size})   /* taps k..k+${b.size - 1} */
        for (s = 0; s < n; ++s) {
            const ${real} *ds = ws->s[s].d${l};
@   for _, pb in ipairs(L.pblocks) do
            for (u = ${pb.from}; u < ${pb.to}; u += ${pb.size}) {   /* positions u..u+${pb.size - 1} */
                ${real} acc[${b.size}][${pb.size}];
                ptrdiff_t q, v;
                for (q = 0; q < ${b.size}; ++q)
                    for (v = 0; v < ${pb.size}; ++v) acc[q][v] = ${zero};
                for (m = 0; m < ${L.maps}; ++m) {
                    const ${real} *wk = p + ${L.woff} + m*${NK} + k;   /* w[m][k..] */
                    const ${real} *dm = ds + m*${NP} + u;                 /* δ^${l}_s[m][u..] */
                    ${real} wq[${b.size}];
                    for (q = 0; q < ${b.size}; ++q) wq[q] = wk[q];
                    for (v = 0; v < ${pb.size}; ++v) {
                        const ${real} dv = dm[v];
                        for (q = 0; q < ${b.size}; ++q) acc[q][v] += wq[q] * dv;
                    }
                }
                for (q = 0; q < ${b.size}; ++q)
                    for (v = 0; v < ${pb.size}; ++v) ws->t${l}[s*${NP * NK} + (k + q)*${NP} + u + v] = acc[q][v];
            }
@   end
        }
@ end
    /* then, sample by sample, each added back where its patch came from */
    for (s = 0; s < n; ++s) {
        ${P}_sample *restrict w = &ws->s[s];
        const ${real} *ts = ws->t${l} + s*${NP * NK};
        for (u = 0; u < ${L.cin * L.H * L.W}; ++u) ${L.dbuf}[u] = ${zero};
        for (c = 0; c < ${L.cin}; ++c)
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j) {
                    const ${real} *t = ts + ((c*${L.kh} + i)*${L.kw} + j)*${NP};
                    ${real} *din = ${L.dbuf} + c*${L.H * L.W} + i*${L.W} + j;   /* ∂C/∂a^${l-1}[c][i][j] */
                    for (oy = 0; oy < ${L.oh}; ++oy)
                        for (ox = 0; ox < ${L.ow}; ++ox)
                            din[${cfmt.mul(L.sh * L.W, "oy")} + ${sx('ox')}] += t[oy*${L.ow} + ox];
                }
@ if L.padded then
${include("conv_unpad.c.tpl", "    ")}
@ end
    }
