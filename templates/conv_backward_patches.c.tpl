@ local NP, NK = L.oh * L.ow, L.ckk
@ local Q = wpool
@ local q, PP = Q and Q.index, Q and Q.oh * Q.ow
@ local IN = L.pin == "x" and L.cin * L.h * L.w
/* Loops for an optimizing compiler, through patches, for all n samples of
 * the chunk at once (t${l} holds one patches matrix per sample):
 *   t${l}_s[p][k] = a^${l-1}_s[c][${sy('y')}+i][${sx('x')}+j],  k = (c, i, j), p = (y, x)
 *   ∂C/∂w[m][k]  += Σ_s Σ_p δ^${l}_s[m][p] · t${l}_s[p][k]
@ if L.propagate then
 *   t${l}_s[k][p]  = Σ_m w[m][k] · δ^${l}_s[m][p]      (the gradient of each patch value)
 *   ∂C/∂a^${l-1}_s   = those gradients added back where the patches copied them from
@ end
 */
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t s, m, oy, ox, c, i, j, k, u;
    /* Sample by sample: δ and the bias sums, then the patches, one row per
     * output position (so that the ∂C/∂w loop below runs along k) */
    for (s = 0; s < n; ++s) {
        ${P}_sample *restrict w = &ws->s[s];
@ if IN then
        const ${real} *restrict x = xc + s*${IN};
@ end
        ${real} *t = ws->t${l} + s*${NP * NK};
${include("conv_delta.c.tpl", "    ")}
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox)
                for (c = 0; c < ${L.cin}; ++c)
                    for (i = 0; i < ${L.kh}; ++i)
                        for (j = 0; j < ${L.kw}; ++j)
                            t[(oy*${L.ow} + ox)*${NK} + (c*${L.kh} + i)*${L.kw} + j] =
                                ${L.pin}[c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + ${sx('ox')} + j];
    }
@ if Q then
    /* ∂C/∂w over the pool winners alone: layer ${q} (max-pool) passes δ to the
     * unit that won each pool and 0 to the others, so (BP4)
     *   ∂C/∂w[m][k] += Σ_s Σ_{pools r of map m} δ^${l}_s[u] · t${l}_s[u][k],   u = m${q}_s[r]
     * with δ^${l}_s[u] = ∂C/∂a^${q}_s[r] · σ'(z^${l}_s[u])${pool_act and (", " .. pool_act.ddoc .. ", a = a^" .. q .. "_s[r]") or ""}
     * (a quarter of the products under 2x2 pools).  Map by map, a block of
     * taps at a time: their sums stay in registers over every winner of every
     * sample, each patch value loaded serves one product (measured on
     * nielsen2's second conv: 1.03x the training step; sample by sample,
     * with the sums loaded and stored for each, ran 2% slower). */
    for (m = 0; m < ${L.maps}; ++m) {
@   for _, b in ipairs(L.wblocks) do
@     local nv = b.size // 16
@     local gw = string.format("g[%d + m*%d + vb*16 + v]", L.woff + b.from, NK)   -- ∂C/∂w[m][from + 16vb + v]
        {                                   /* taps ${b.from}..${b.from + b.store - 1}${b.store < b.size and " (the sums past them are not stored)" or ""} */
            ${real} acc[${nv}][16];         /* ∂C/∂w[m][${b.from} + 16vb + v] */
            ptrdiff_t r, vb, v;
            for (vb = 0; vb < ${nv}; ++vb)
                for (v = 0; v < 16; ++v) acc[vb][v] = ${b.store < b.size and string.format("vb*16 + v < %d ? %s : %s", b.store, gw, zero) or gw};
            for (s = 0; s < n; ++s) {
                const ${Q.mask_type} *mk = ws->s[s].m${q} + m*${PP};   /* winners of map m's pools */
                const ${real} *dk = ws->s[s].d${q} + m*${PP};       /* ∂C/∂a^${q}_s[m][.] */
@     if pool_act then
                const ${real} *ak = ws->s[s].a${q} + m*${PP};       /* a^${q}_s[m][.] = σ(z^${l}) at the winners */
@     end
                const ${real} *ts = ws->t${l} + s*${NP * NK} + ${b.from};
                for (r = 0; r < ${PP}; ++r) {
@     if pool_act then
                    const ${real} a = ak[r], d = ${pool_act.d_times("dk[r]", "a")};
@     else
                    const ${real} d = dk[r];
@     end
                    const ${real} *t = ts + (mk[r] - m*${NP})*${NK};   /* t${l}_s[u][${b.from}..] */
                    for (vb = 0; vb < ${nv}; ++vb)
                        for (v = 0; v < 16; ++v) acc[vb][v] += d * t[vb*16 + v];
                }
            }
            for (v = 0; v < ${b.store}; ++v) g[${L.woff + b.from} + m*${NK} + v] = acc[v / 16][v % 16];
        }
@   end
    }
@ else
    /* ∂C/∂w: ${L.gmb} maps x a block of taps k at a time; their sums stay in
     * registers and L1 while every position p of every sample adds to them (each
     * gradient loaded and stored once per chunk; each patch value loaded
     * serves ${L.gmb} maps) */
    for (m = 0; m < ${L.maps}; m += ${L.gmb}) {
@   for _, b in ipairs(L.gblocks) do
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
@   end
    }
@ end
@ if L.propagate then
    /* ∂C/∂a^${l-1}: the gradient of each patch value, a few taps k at a time
     * (their weights stay in cache for every sample; each δ value loaded
     * serves all the taps), written over the patches, which are done with */
@   for _, b in ipairs(L.dblocks) do
    for (k = ${b.from}; k < ${b.to}; k += ${b.size})   /* taps k..k+${b.size - 1} */
        for (s = 0; s < n; ++s) {
            const ${real} *ds = ws->s[s].d${l};
@     for _, pb in ipairs(L.pblocks) do
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
@     end
        }
@   end
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
@   if L.pad > 0 then
${include("conv_unpad.c.tpl", "    ")}
@   end
    }
@ end
}
