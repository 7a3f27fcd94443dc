@ local NP, NK, NKZ = L.oh * L.ow, L.ckk, L.nkz
@ local Q = wpool
@ local q, PP = Q.index, Q.oh * Q.ow
@ local sa = pool_act or act
${include("conv_doc_backward.c.tpl", "")}
/* Loops for an optimizing compiler, over the pool winners alone: layer ${q}
 * (max-pool) passes ∂C/∂a^${l} to the unit that won each pool and 0 to the
 * others, so δ^${l} ≠ 0 only at a winner u = m${q}[r], and (a quarter of the
 * products under 2x2 pools)
 *   δ^${l}[u]      = ∂C/∂a^${q}[r] · σ'(z^${l}[u])${sa.identity and "" or (",  " .. sa.ddoc .. ", a = a^" .. q .. "[r]")}
 *   t${l}[u][k]    = a^${l-1}[c][${sy('y')}+i][${sx('x')}+j],  k = (c, i, j), u = (m, y, x)   (the patches)
 *   ∂C/∂b[m]      += Σ_r δ^${l}[u]
 *   ∂C/∂w[m][k]   += Σ_r δ^${l}[u] · t${l}[u][k]
@ if L.propagate then
 *   ∂C/∂t${l}[u][k] += δ^${l}[u] · w[m][k]      (only the winners' patch values get one)
 *   ∂C/∂a^${l-1}    = those gradients added back where the patches copied them from
@ end
 * over the winners r of each map m's pools (a unit that wins two pools
 * gets both).  Sample by sample; a block of ${L.wblocks[1].size} taps at a time, for
 * every map: the block's ∂C/∂w${L.propagate and " and weights" or ""} stay in registers over the map's
 * winners, and the block's patches${L.propagate and " and their gradients" or ""} stay in cache over every map. */
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t m, r, oy, ox, c, i, j;
@ if not keeps_nonzero then
    /* the winners: each one's patch row and δ */
    for (m = 0; m < ${L.maps}; ++m) {
        for (r = 0; r < ${PP}; ++r) {
            const ptrdiff_t u = m*${PP} + r;
@   if sa.identity then
            ws->wd${l}[u] = w->d${q}[u];
@   else
            const ${real} a = w->a${q}[u];   /* a^${q} = σ(z^${l}) at the winner */
            ws->wd${l}[u] = ${sa.d_times("w->d" .. q .. "[u]", "a")};
@   end
            ws->wo${l}[u] = (int)((w->m${q}[u] - m*${NP})*${NKZ});
        }
    }
@ else
    /* the winners whose δ is not 0 (σ'(z) = 0 where a = 0): each one's
     * patch row and δ, written at the map's next place and kept (the place
     * taken) only where δ ≠ 0, so that nothing branches on it */
    for (m = 0; m < ${L.maps}; ++m) {
        int kept = 0;
        for (r = 0; r < ${PP}; ++r) {
            const ptrdiff_t u = m*${PP} + r;
            const ${real} a = w->a${q}[u], dv = w->d${q}[u];   /* a^${q} = σ(z^${l}) at the winner */
            ws->wd${l}[m*${PP} + kept] = dv;
            ws->wo${l}[m*${PP} + kept] = (int)((w->m${q}[u] - m*${NP})*${NKZ});
            kept += (a > ${zero}) & (dv != ${zero});   /* δ = ∂C/∂a^${q} · [a > 0] */
        }
        ws->wn${l}[m] = kept;
    }
@ end
    /* the patches, a row of ${NKZ} an output position${NKZ > NK and string.format(" (taps %d.. are 0)", NK) or ""} */
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) {
            ${real} *t = ws->t${l} + (oy*${L.ow} + ox)*${NKZ};
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j)
                        t[(c*${L.kh} + i)*${L.kw} + j] = ${L.pin}[c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + ${sx('ox')} + j];
@ if NKZ > NK then
            for (j = ${NK}; j < ${NKZ}; ++j) t[j] = ${zero};
@ end
@ if L.propagate then
            for (j = 0; j < ${NKZ}; ++j) ws->dt${l}[(oy*${L.ow} + ox)*${NKZ} + j] = ${zero};
@ end
        }
@ for _, b in ipairs(L.wblocks) do
@   local nv = b.size // 16
@   local gw = string.format("g[%d + m*%d + vb*16 + v]", L.woff + b.from, NK)   -- ∂C/∂w[m][from + 16vb + v]
@   local pw = string.format("p[%d + m*%d + vb*16 + v]", L.woff + b.from, NK)   -- w[m][from + 16vb + v]
@   local partial = b.store < b.size
@   local first = b.from == 0
    for (m = 0; m < ${L.maps}; ++m) {     /* taps ${b.from}..${b.from + b.store - 1}${partial and " (the sums past them are not stored)" or ""} */
        ${real} acc[${nv}][16];           /* ∂C/∂w[m][${b.from} + 16vb + v] */
@   if L.propagate then
        ${real} wv[${nv}][16];            /* w[m][${b.from} + 16vb + v] */
@   end
        ptrdiff_t vb, v;
@   if first then
        ${real} gb = ${zero};           /* ∂C/∂b[m] = Σ_r δ^${l}[u] */
@   end
        for (vb = 0; vb < ${nv}; ++vb)
            for (v = 0; v < 16; ++v) {
                acc[vb][v] = ${partial and string.format("vb*16 + v < %d ? %s : %s", b.store, gw, zero) or gw};
@   if L.propagate then
                wv[vb][v] = ${partial and string.format("vb*16 + v < %d ? %s : %s", b.store, pw, zero) or pw};
@   end
            }
        for (r = 0; r < ${keeps_nonzero and ("ws->wn" .. l .. "[m]") or PP}; ++r) {
            const ${real} d = ws->wd${l}[m*${PP} + r];
            const ${real} *restrict t = ws->t${l} + ws->wo${l}[m*${PP} + r] + ${b.from};   /* t${l}[u][${b.from}..] */
@   if L.propagate then
            ${real} *restrict dt = ws->dt${l} + ws->wo${l}[m*${PP} + r] + ${b.from};   /* ∂C/∂t${l}[u][${b.from}..] */
@   end
@   if first then
            gb += d;
@   end
            for (vb = 0; vb < ${nv}; ++vb)
                for (v = 0; v < 16; ++v) {
                    acc[vb][v] += d * t[vb*16 + v];
@   if L.propagate then
                    dt[vb*16 + v] += d * wv[vb][v];
@   end
                }
        }
@   if partial then
        for (v = 0; v < ${b.store}; ++v) g[${L.woff + b.from} + m*${NK} + v] = acc[v / 16][v % 16];
@   else
        for (vb = 0; vb < ${nv}; ++vb)
            for (v = 0; v < 16; ++v) ${gw} = acc[vb][v];
@   end
@   if first then
        g[${L.boff} + m] += gb;
@   end
    }
@ end
@ if L.propagate then
    /* then each patch value's gradient added back where it came from */
    for (r = 0; r < ${L.cin * L.H * L.W}; ++r) ${L.dbuf}[r] = ${zero};
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) {
            const ${real} *dt = ws->dt${l} + (oy*${L.ow} + ox)*${NKZ};
            ${real} *din = ${L.dbuf} + ${cfmt.mul(L.sh * L.W, "oy")} + ${sx('ox')};   /* ∂C/∂a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j)
                        din[c*${L.H * L.W} + i*${L.W} + j] += dt[(c*${L.kh} + i)*${L.kw} + j];
        }
@   if L.padded then
${include("conv_unpad.c.tpl", "")}
@   end
@ end
}
