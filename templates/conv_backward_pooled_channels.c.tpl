@ local NP, NK = L.oh * L.ow, L.ckk
@ local R, RZ, NKZ = L.clrun, L.clrunz, L.clnkz
@ local NV = RZ // 16                      -- vectors a kernel row
@ local WC = L.W * L.cin                   -- values an input row (channel-last)
@ local HWC = L.H * WC
@ local Q = wpool
@ local q, PP = Q.index, Q.oh * Q.ow
@ local sa = pool_act or act
@ local G = regions                        -- pool regions of ∂C/∂a (conv.lua's regions), or false
@ local RB = math.max(1, math.min(L.kh, 16 // NV))   -- kernel rows a block of ∂C/∂w sums (the regions' form)
${include("conv_doc_backward.c.tpl", "")}
/* Loops for an optimizing compiler, over the pool winners alone, on the
 * input laid out channel-last: layer ${q} (max-pool) passes ∂C/∂a^${l} to the unit
 * that won each pool and 0 to the others, so δ^${l} ≠ 0 only at a winner
 * u = m${q}[r] = (m, y, x), and
 *   δ^${l}[u]           = ∂C/∂a^${q}[r] · σ'(z^${l}[u])${sa.identity and "" or (",  " .. sa.ddoc .. ", a = a^" .. q .. "[r]")}
 *   ∂C/∂b[m]           += Σ_r δ^${l}[u]
 *   ∂C/∂w[m][i][j][c]  += Σ_r δ^${l}[u] · a^${l-1}[${sy('y')}+i][${sx('x')}+j][c]
 *   ∂C/∂a^${l-1}[${sy('y')}+i][${sx('x')}+j][c] += Σ_r δ^${l}[u] · w[m][i][j][c]
 * With a^${l-1} as cl${l}[y][x][c], a kernel row i of a patch, (j, c) for j < ${L.kw},
@ if G then
 * is ${R} values in a row of memory, taken as ${NV} whole vector${NV > 1 and "s" or ""}; so are the
 * sums of ∂C/∂w, in gc${l}[m][i][(j, c)] (the ${RZ - R} past ${R} are not used), and
 * nothing is copied patch by patch.  Once for the chunk: the weights and the
 * gradient sums so far into that order
@ else
 * is ${R} values in a row of memory, taken as ${NV} whole vector${NV > 1 and "s" or ""} (the ${RZ - R} past it
 * meet weights of 0); so are the weights, in wc${l}[m][i][(j, c)], and the
 * gradients, in gc${l} and dcl${l}, and nothing is copied patch by patch.  Once
 * for the chunk: the weights and the gradient sums so far into that order
@ end
 * and, at the end, the sums back out of it (the sums go on from g's, so
@ if G then
 * they add up sample after sample in one order whatever the chunk).
 * ∂C/∂w: ${RB} kernel row${RB > 1 and "s" or ""} at a time, for every map, the sums stay in registers over
 * the map's winners.  ∂C/∂a^${l-1}: the winners of pool (py, px), one a map, have
 * their patches in one region of ${G.rh} rows of ${G.rw} values from
 * cl${l}[${L.sh * G.psh}py][${L.sw * G.psw}px][0], and a winner at (dy, dx) in the pool adds
 * δ · w[m][i][j][c] at its row ${cfmt.mul(L.sh, "dy")} + i, column ${cfmt.mul(L.sw * L.cin, "dx")} + (j, c): the region is summed
 * in registers over the pool's winners, from copies of the weights placed
 * at each dx (wr${l}), the winners taken row dy by row, and added to dcl${l} once a
 * pool (against a read, an add and a write of every winner's patch: 7.6 ->
 * 5.2 us a sample for lenet5's second conv on Zen 5). */
@ else
 * they add up sample after sample in one order whatever the chunk); a block of ${L.clblocks[1].size} taps at a time, for every map: the block's
 * ∂C/∂w and weights stay in registers over the map's winners. */
@ end
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t s, m, r, c, i, j, k;
@ if G then
    /* gc${l}[m][i][j][c] = ∂C/∂w[m][c][i][j] so far, 0 past j < ${L.kw}, and
     * wr${l}[m][dx][i][${L.sw * L.cin}dx + (j, c)] = w[m][c][i][j], 0 elsewhere */
    for (m = 0; m < ${L.maps}; ++m)
        for (i = 0; i < ${L.kh}; ++i) {
            for (j = 0; j < ${L.kw}; ++j)
                for (c = 0; c < ${L.cin}; ++c)
                    ws->gc${l}[(m*${L.kh} + i)*${RZ} + j*${L.cin} + c] = g[${L.woff} + m*${NK} + (c*${L.kh} + i)*${L.kw} + j];
@   if RZ > R then
            for (k = ${R}; k < ${RZ}; ++k) ws->gc${l}[(m*${L.kh} + i)*${RZ} + k] = ${zero};
@   end
            for (r = 0; r < ${G.pkw}; ++r) {
                ${real} *restrict wr = ws->wr${l} + ((m*${G.pkw} + r)*${L.kh} + i)*${G.vr};
                for (k = 0; k < ${G.vr}; ++k) wr[k] = ${zero};
                for (j = 0; j < ${L.kw}; ++j)
                    for (c = 0; c < ${L.cin}; ++c)
                        wr[r*${L.sw * L.cin} + j*${L.cin} + c] = p[${L.woff} + m*${NK} + (c*${L.kh} + i)*${L.kw} + j];
            }
        }
    for (k = ${HWC}; k < ${HWC + 16}; ++k) ws->cl${l}[k] = ${zero};   /* read past the rows, times 0 */
    for (k = ${HWC}; k < ${G.dcl}; ++k) ws->dcl${l}[k] = ${zero};   /* added 0 past the rows */
@ else
    /* wc${l}[m][i][j][c] = w[m][c][i][j] and gc${l}[m][i][j][c] = ∂C/∂w[m][c][i][j] so far,
     * 0 past j < ${L.kw} */
    for (m = 0; m < ${L.maps}; ++m)
        for (i = 0; i < ${L.kh}; ++i) {
            for (j = 0; j < ${L.kw}; ++j)
                for (c = 0; c < ${L.cin}; ++c) {
                    ws->wc${l}[(m*${L.kh} + i)*${RZ} + j*${L.cin} + c] = p[${L.woff} + m*${NK} + (c*${L.kh} + i)*${L.kw} + j];
                    ws->gc${l}[(m*${L.kh} + i)*${RZ} + j*${L.cin} + c] = g[${L.woff} + m*${NK} + (c*${L.kh} + i)*${L.kw} + j];
                }
@ if RZ > R then
            for (k = ${R}; k < ${RZ}; ++k) ws->wc${l}[(m*${L.kh} + i)*${RZ} + k] = ws->gc${l}[(m*${L.kh} + i)*${RZ} + k] = ${zero};
@ end
        }
    for (k = ${HWC}; k < ${HWC + 16}; ++k) ws->cl${l}[k] = ws->dcl${l}[k] = ${zero};   /* read and added 0 past the rows */
@ end
    for (s = 0; s < n; ++s) {
        ${P}_sample *restrict w = &ws->s[s];
@ if G then
        /* the winners${keeps_nonzero and " whose δ is not 0 (σ'(z) = 0 where a = 0)" or ""}, listed map by map (wd${l}, wo${l}: δ and
         * the patch's place in cl${l}) and pool by pool, by their row dy in the pool
         * (rd${l}, ro${l}: δ and the place of w[m] in wr${l} at their column dx)${keeps_nonzero and ";\n         * each written at the list's next place, kept (the place taken) only\n         * where δ ≠ 0, so that nothing branches on it" or ""} */
        for (k = 0; k < ${Q.oh * Q.ow * G.pkh}; ++k) ws->rn${l}[k] = 0;
        for (m = 0; m < ${L.maps}; ++m) {
            ptrdiff_t py, px;
            int e = 0;                   /* the map's list's next place */
            for (py = 0; py < ${Q.oh}; ++py)
                for (px = 0; px < ${Q.ow}; ++px) {
                    const ptrdiff_t u = m*${PP} + py*${Q.ow} + px;
                    const ptrdiff_t yx = (ptrdiff_t)(w->m${q}[u] - m*${NP});   /* (y, x) = (yx / ${L.ow}, yx % ${L.ow}) */
                    const ptrdiff_t y = yx / ${L.ow}, x = yx % ${L.ow};
                    const ptrdiff_t dy = y - ${cfmt.mul(G.psh, "py")}, dx = x - ${cfmt.mul(G.psw, "px")};   /* its place in the pool */
                    const ptrdiff_t b = (py*${Q.ow} + px)*${G.pkh} + dy;   /* its pool's list of row dy */
                    const int o = ws->rn${l}[b];
@   if keeps_nonzero then
                    const ${real} a = w->a${q}[u], dv = w->d${q}[u];   /* a^${q} = σ(z^${l}) at the winner */
                    const int nz = a > ${zero};   /* δ = ∂C/∂a^${q} · [a > 0] */
@   elseif sa.identity then
                    const ${real} dv = w->d${q}[u];
@   else
                    const ${real} a = w->a${q}[u];   /* a^${q} = σ(z^${l}) at the winner */
                    const ${real} dv = ${sa.d_times("w->d" .. q .. "[u]", "a")};
@   end
                    ws->wd${l}[m*${PP} + e] = dv;
                    ws->wo${l}[m*${PP} + e] = (int)((${cfmt.mul(L.sh * L.W, "y")} + ${cfmt.mul(L.sw, "x")})*${L.cin});
                    ws->rd${l}[b*${L.maps} + o] = dv;
                    ws->ro${l}[b*${L.maps} + o] = (int)((m*${G.pkw} + dx)*${L.kh * G.vr});
@   if keeps_nonzero then
                    e += nz;
                    ws->rn${l}[b] = o + nz;
@   else
                    ++e;
                    ws->rn${l}[b] = o + 1;
@   end
                }
@   if keeps_nonzero then
            ws->wn${l}[m] = e;
@   end
        }
@ else
        /* the winners${keeps_nonzero and " whose δ is not 0 (σ'(z) = 0 where a = 0)" or ""}:
         * each one's patch (its place in cl${l}) and δ, listed pool by pool in
         * ${cly} x ${clx} classes (py % ${cly}, px % ${clx}), so that a winner's patch does not
         * overlap the one before: the read-modify-writes of its ∂C/∂a^${l-1} would
         * wait for that one's stores to reach the cache
@ if keeps_nonzero then
         * (1.11x, lenet5); each written at the map's next place, kept (the place
         * taken) only where δ ≠ 0, so that nothing branches on it */
@ else
         * (1.11x, lenet5) */
@ end
        for (m = 0; m < ${L.maps}; ++m) {
            ptrdiff_t cy, cx, py, px;
            int e = 0;                   /* the list's next place */
            for (cy = 0; cy < ${cly}; ++cy)
                for (cx = 0; cx < ${clx}; ++cx)
                    for (py = cy; py < ${Q.oh}; py += ${cly})
                        for (px = cx; px < ${Q.ow}; px += ${clx}) {
                            const ptrdiff_t u = m*${PP} + py*${Q.ow} + px;
                            const size_t yx = (size_t)(w->m${q}[u] - m*${NP});   /* (y, x) = (yx / ${L.ow}, yx % ${L.ow}) */
@ if keeps_nonzero then
                            const ${real} a = w->a${q}[u], dv = w->d${q}[u];   /* a^${q} = σ(z^${l}) at the winner */
                            ws->wd${l}[m*${PP} + e] = dv;
@ elseif sa.identity then
                            ws->wd${l}[m*${PP} + e] = w->d${q}[u];
@ else
                            const ${real} a = w->a${q}[u];   /* a^${q} = σ(z^${l}) at the winner */
                            ws->wd${l}[m*${PP} + e] = ${sa.d_times("w->d" .. q .. "[u]", "a")};
@ end
                            ws->wo${l}[m*${PP} + e] = (int)((${cfmt.mul(L.sh * L.W, "(yx / " .. L.ow .. ")")} + ${cfmt.mul(L.sw, "(yx % " .. L.ow .. ")")})*${L.cin});
@ if keeps_nonzero then
                            e += a > ${zero};   /* δ = ∂C/∂a^${q} · [a > 0] */
@ else
                            ++e;
@ end
                        }
@ if keeps_nonzero then
            ws->wn${l}[m] = e;
@ end
        }
@ end
        /* cl${l}[y][x][c] = a^${l-1}[c][y][x]${L.padded and " (zero-padded)" or ""}, and its gradient from 0 */
        for (c = 0; c < ${L.cin}; ++c)
            for (k = 0; k < ${L.H * L.W}; ++k) ws->cl${l}[k*${L.cin} + c] = ${L.pin}[c*${L.H * L.W} + k];
        for (k = 0; k < ${HWC}; ++k) ws->dcl${l}[k] = ${zero};
@ if G then
@   for i0 = 0, L.kh - 1, RB do
@     local rb = math.min(RB, L.kh - i0)
        for (m = 0; m < ${L.maps}; ++m) {     /* kernel rows ${i0}..${i0 + rb - 1} */
            ${real} *restrict gm = ws->gc${l} + m*${NKZ}${i0 > 0 and (" + " .. i0 * RZ) or ""};
            ${real} acc[${rb}][${RZ}];           /* ∂C/∂w[m][${i0 > 0 and (i0 .. " + ") or ""}i][(j, c)] */
@     if i0 == 0 then
            ${real} gb = ${zero};           /* ∂C/∂b[m] = Σ_r δ^${l}[u] */
@     end
            for (i = 0; i < ${rb}; ++i)
                for (k = 0; k < ${RZ}; ++k) acc[i][k] = gm[i*${RZ} + k];
            for (r = 0; r < ${keeps_nonzero and ("ws->wn" .. l .. "[m]") or PP}; ++r) {
                const ${real} d = ws->wd${l}[m*${PP} + r];
                const ${real} *restrict t = ws->cl${l} + ws->wo${l}[m*${PP} + r]${i0 > 0 and (" + " .. i0 * WC) or ""};   /* a^${l-1}[${sy('y')}${i0 > 0 and (" + " .. i0) or ""}][${sx('x')}][0] */
@     if i0 == 0 then
                gb += d;
@     end
                for (i = 0; i < ${rb}; ++i)
                    for (k = 0; k < ${RZ}; ++k) acc[i][k] += d * t[i*${WC} + k];
            }
            for (i = 0; i < ${rb}; ++i)
                for (k = 0; k < ${RZ}; ++k) gm[i*${RZ} + k] = acc[i][k];
@     if i0 == 0 then
            g[${L.boff} + m] += gb;
@     end
        }
@   end
        {
            ptrdiff_t py, px, e;
            for (py = 0; py < ${Q.oh}; ++py)
                for (px = 0; px < ${Q.ow}; ++px) {   /* ∂C/∂a^${l-1} in pool (py, px)'s region */
                    const ptrdiff_t b = (py*${Q.ow} + px)*${G.pkh};
                    ${real} *restrict dt = ws->dcl${l} + ${cfmt.mul(L.sh * G.psh * WC, "py")} + ${cfmt.mul(L.sw * G.psw * L.cin, "px")};   /* cl${l}[${L.sh * G.psh}py][${L.sw * G.psw}px][0] */
                    ${real} acc[${G.rh}][${G.vr}];          /* Σ δ · w over the pool's winners */
                    for (i = 0; i < ${G.rh}; ++i)
                        for (k = 0; k < ${G.vr}; ++k) acc[i][k] = ${zero};
@   for dy = 0, G.pkh - 1 do
@     local bd = dy > 0 and ("(b + " .. dy .. ")") or "b"
                    for (e = 0; e < ws->rn${l}[${dy > 0 and ("b + " .. dy) or "b"}]; ++e) {   /* the winners of row ${dy} in the pool */
                        const ${real} d = ws->rd${l}[${bd}*${L.maps} + e];
                        const ${real} *restrict wr = ws->wr${l} + ws->ro${l}[${bd}*${L.maps} + e];
                        for (i = 0; i < ${L.kh}; ++i)
                            for (k = 0; k < ${G.vr}; ++k) acc[${dy > 0 and ((dy * L.sh) .. " + ") or ""}i][k] += d * wr[i*${G.vr} + k];
                    }
@   end
                    for (i = 0; i < ${G.rh}; ++i)
                        for (k = 0; k < ${G.vr}; ++k) dt[i*${WC} + k] += acc[i][k];
                }
        }
@ else
@ for _, b in ipairs(L.clblocks) do
@   local nv, F = b.size // 16, b.from // 16
        for (m = 0; m < ${L.maps}; ++m) {     /* taps ${b.from}..${b.from + b.size - 1} of (i, j, c), ${RZ} a kernel row */
            ${real} *restrict gm = ws->gc${l} + m*${NKZ} + ${b.from};
            const ${real} *restrict wm = ws->wc${l} + m*${NKZ} + ${b.from};
            ${real} acc[${nv}][16];           /* ∂C/∂w[m][${b.from} + 16vb + v] */
            ${real} wv[${nv}][16];            /* w[m][${b.from} + 16vb + v] */
            ptrdiff_t vb, v;
@   if b.from == 0 then
            ${real} gb = ${zero};           /* ∂C/∂b[m] = Σ_r δ^${l}[u] */
@   end
            for (vb = 0; vb < ${nv}; ++vb)
                for (v = 0; v < 16; ++v) {
                    acc[vb][v] = gm[vb*16 + v];
                    wv[vb][v] = wm[vb*16 + v];
                }
            for (r = 0; r < ${keeps_nonzero and ("ws->wn" .. l .. "[m]") or PP}; ++r) {
                const ${real} d = ws->wd${l}[m*${PP} + r];
                const ${real} *restrict t = ws->cl${l} + ws->wo${l}[m*${PP} + r];   /* a^${l-1}[${sy('y')}][${sx('x')}][0] */
                ${real} *restrict dt = ws->dcl${l} + ws->wo${l}[m*${PP} + r];      /* ∂C/∂a^${l-1}[${sy('y')}][${sx('x')}][0] */
@   if b.from == 0 then
                gb += d;
@   end
                for (vb = 0; vb < ${nv}; ++vb)      /* vector ${F} + vb: kernel row i = (${F} + vb) / ${NV}, its part (${F} + vb) % ${NV} */
                    for (v = 0; v < 16; ++v) {
                        const ptrdiff_t o = (${F} + vb) / ${NV} * ${WC} + (${F} + vb) % ${NV} * 16 + v;
                        acc[vb][v] += d * t[o];
                        dt[o] += d * wv[vb][v];
                    }
            }
            for (vb = 0; vb < ${nv}; ++vb)
                for (v = 0; v < 16; ++v) gm[vb*16 + v] = acc[vb][v];
@   if b.from == 0 then
            g[${L.boff} + m] += gb;
@   end
        }
@ end
@ end
        /* ∂C/∂a^${l-1}[c][y][x] back out of the channel-last order */
        for (c = 0; c < ${L.cin}; ++c)
            for (k = 0; k < ${L.H * L.W}; ++k) ${L.dbuf}[c*${L.H * L.W} + k] = ws->dcl${l}[k*${L.cin} + c];
@ if L.padded then
        {
            ptrdiff_t oy, ox;
${include("conv_unpad.c.tpl", "        ")}
        }
@ end
    }
    /* ∂C/∂w[m][c][i][j]: the sums, out of the channel-last order */
    for (m = 0; m < ${L.maps}; ++m)
        for (c = 0; c < ${L.cin}; ++c)
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j)
                    g[${L.woff} + m*${NK} + (c*${L.kh} + i)*${L.kw} + j] = ws->gc${l}[(m*${L.kh} + i)*${RZ} + j*${L.cin} + c];
}
