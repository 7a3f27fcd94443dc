/* ---- layer ${l} backward: ${L.desc}
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ else
 *   δ^${l} = ∂C/∂a^${l} ⊙ σ'(z^${l}),  ${act.ddoc}                      (BP2)
@ end
 *   ∂C/∂b[m]          += Σ_{y,x} δ^${l}[m][y][x]                       (BP3, shared bias)
 *   ∂C/∂w[m][c][i][j] += Σ_{y,x} δ^${l}[m][y][x] · a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]   (BP4, shared weight)
@ if L.propagate then
 *   ∂C/∂a^${l-1}[c][${sy('y')}+i][${sx('x')}+j] = Σ_{m,y,x} w[m][c][i][j] · δ^${l}[m][y][x]   (first half of BP2 for layer ${l-1})
@ else
 * Layer ${l} reads the network input: no δ^${l-1} is propagated.
@ end
 */
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t m, oy, ox;
@ if unroll == "none" then
    ptrdiff_t c, i, j;
@ end
@ if L.propagate then
    ptrdiff_t u;
    for (u = 0; u < ${L.cin * L.H * L.W}; ++u) ${L.dbuf}[u] = ${zero};   /* ∂C/∂a^${l-1} accumulates below */
@ end
@ if unroll == "none" then
    /* Loops for an optimizing compiler.  First δ and the bias sums, map by map: */
    for (m = 0; m < ${L.maps}; ++m) {
        ${real} *dm = w->d${l} + m*${L.oh * L.ow}, gb = ${zero};   /* δ^${l}[m][.][.] */
@   if not (L.delta_given or act.identity) then
        const ${real} *am = w->a${l} + m*${L.oh * L.ow};
@   end
        ptrdiff_t q;
        for (q = 0; q < ${L.oh * L.ow}; ++q) {
@   if not (L.delta_given or act.identity) then
            const ${real} a = am[q];
            dm[q] = ${act.d_times("dm[q]", "a")};
@   end
            gb += dm[q];
        }
        g[${L.boff} + m] += gb;
    }
@   if L.im2col then
@     local NP, NK = L.oh * L.ow, L.ckk
    /* then ∂C/∂w[m][k] = Σ_p δ^${l}[m][p] · t${l}[p][k], k = (c, i, j), p = (y, x),
     * through the patches again, now one row per output position:
     *   t${l}[p][k] = a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]
     * so that the innermost loop runs along k (vectorizes); ${L.gmb} maps at a time,
     * each patch value loaded serves them all. */
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox)
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j)
                        ws->t${l}[(oy*${L.ow} + ox)*${NK} + (c*${L.kh} + i)*${L.kw} + j] =
                            ${L.pin}[c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + ${sx('ox')} + j];
    for (m = 0; m < ${L.maps}; m += ${L.gmb}) {
        ptrdiff_t k;
@     for _, b in ipairs(L.gblocks) do
        for (k = ${b.from}; k < ${b.to}; k += ${b.size}) {   /* taps k..k+${b.size - 1} */
            ${real} s[${L.gmb}][${b.size}];           /* ∂C/∂w[m..m+${L.gmb - 1}][k..k+${b.size - 1}] */
            ptrdiff_t q, u, v;
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${b.size}; ++v) s[q][v] = ${zero};
            for (u = 0; u < ${NP}; ++u) {               /* p = u */
                const ${real} *t = ws->t${l} + u*${NK} + k;
                ${real} d[${L.gmb}];
                for (q = 0; q < ${L.gmb}; ++q) d[q] = w->d${l}[(m + q)*${NP} + u];
                for (v = 0; v < ${b.size}; ++v) {
                    const ${real} tv = t[v];
                    for (q = 0; q < ${L.gmb}; ++q) s[q][v] += d[q] * tv;
                }
            }
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${b.size}; ++v) g[${L.woff} + (m + q)*${NK} + k + v] += s[q][v];
        }
@     end
    }
@     if L.propagate then
    /* and ∂C/∂a^${l-1}: first the gradient of each patch value,
     *   t${l}[k][p] = Σ_m w[m][k] · δ^${l}[m][p]
     * a few taps k at a time (each δ value loaded serves them all), then each
     * is added back where the patch copied it from (the transpose of the copy). */
    {
        ptrdiff_t k;
@       for _, b in ipairs(L.dblocks) do
        for (k = ${b.from}; k < ${b.to}; k += ${b.size}) {   /* taps k..k+${b.size - 1} */
            ${real} s[${b.size}][${NP}];
            ptrdiff_t q, u;
            for (q = 0; q < ${b.size}; ++q)
                for (u = 0; u < ${NP}; ++u) s[q][u] = ${zero};
            for (m = 0; m < ${L.maps}; ++m) {
                const ${real} *wk = p + ${L.woff} + m*${NK} + k;   /* w[m][k..] */
                const ${real} *dm = w->d${l} + m*${NP};              /* δ^${l}[m][.] */
                ${real} wq[${b.size}];
                for (q = 0; q < ${b.size}; ++q) wq[q] = wk[q];
                for (u = 0; u < ${NP}; ++u) {
                    const ${real} dv = dm[u];
                    for (q = 0; q < ${b.size}; ++q) s[q][u] += wq[q] * dv;
                }
            }
            for (q = 0; q < ${b.size}; ++q)
                for (u = 0; u < ${NP}; ++u) ws->t${l}[(k + q)*${NP} + u] = s[q][u];
        }
@       end
    }
    for (c = 0; c < ${L.cin}; ++c)
        for (i = 0; i < ${L.kh}; ++i)
            for (j = 0; j < ${L.kw}; ++j) {
                const ${real} *t = ws->t${l} + ((c*${L.kh} + i)*${L.kw} + j)*${NP};
                ${real} *din = ${L.dbuf} + c*${L.H * L.W} + i*${L.W} + j;   /* ∂C/∂a^${l-1}[c][i][j] */
                for (oy = 0; oy < ${L.oh}; ++oy)
                    for (ox = 0; ox < ${L.ow}; ++ox)
                        din[${cfmt.mul(L.sh * L.W, "oy")} + ${sx('ox')}] += t[oy*${L.ow} + ox];
            }
@     end
@   else
    /* then ∂C/∂w, ${L.mb} maps at a time: for each tap, a row of partial
     * sums over y (vectorizes along x), added up once per tap: */
    for (m = 0; m < ${L.maps}; m += ${L.mb})
        for (c = 0; c < ${L.cin}; ++c)
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j) {
                    const ${real} *in = ${L.pin} + c*${L.H * L.W} + i*${L.W} + j;   /* a^${l-1}[c][i][j] */
                    const ${real} *dm = w->d${l} + m*${L.oh * L.ow};
                    ${real} acc[${L.mb}][${L.ow}];
                    ptrdiff_t q;
                    for (q = 0; q < ${L.mb}; ++q)
                        for (ox = 0; ox < ${L.ow}; ++ox) acc[q][ox] = ${zero};
                    for (oy = 0; oy < ${L.oh}; ++oy)
                        for (ox = 0; ox < ${L.ow}; ++ox) {
                            const ${real} v = in[${cfmt.mul(L.sh * L.W, "oy")} + ${sx('ox')}];
@   for q = 0, L.mb - 1 do
                            acc[${q}][ox] += dm[${q * L.oh * L.ow} + oy*${L.ow} + ox] * v;
@   end
                        }
                    for (q = 0; q < ${L.mb}; ++q) {
                        ${real} t = ${zero};
                        for (ox = 0; ox < ${L.ow}; ++ox) t += acc[q][ox];
                        g[${L.woff} + (m + q)*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j] += t;
                    }
                }
@   end
@   if L.propagate and not L.im2col then
    /* and ∂C/∂a^${l-1}: each weight times the δ plane, added row by row */
    for (m = 0; m < ${L.maps}; ++m)
        for (c = 0; c < ${L.cin}; ++c)
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j) {
                    const ${real} wv = p[${L.woff} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j];
                    const ${real} *dm = w->d${l} + m*${L.oh * L.ow};
                    ${real} *din = ${L.dbuf} + c*${L.H * L.W} + i*${L.W} + j;
                    for (oy = 0; oy < ${L.oh}; ++oy)
                        for (ox = 0; ox < ${L.ow}; ++ox)
                            din[${cfmt.mul(L.sh * L.W, "oy")} + ${sx('ox')}] += wv * dm[oy*${L.ow} + ox];
                }
@   end
@ else
    /* Straight-line code for a compiler that does not optimize: at each
     * output position, every tap is a constant offset. */
    for (m = 0; m < ${L.maps}; ++m) {
@ if L.propagate then
        const ${real} *wm = p + ${L.woff} + m*${L.ckk};   /* w[m][.][.][.] */
@ end
        ${real} *gw = g + ${L.woff} + m*${L.ckk};         /* ∂C/∂w[m][.][.][.] */
        ${real} gb = ${zero};
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
                ptrdiff_t o = m*${L.oh * L.ow} + oy*${L.ow} + ox;
                const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
@ if L.propagate then
                ${real} *din = ${L.dbuf} + ${sy('oy')}*${L.W} + ${sx('ox')};
@ end
@ if L.delta_given or act.identity then
                ${real} d = w->d${l}[o];
@ else
                ${real} a = w->a${l}[o];
                ${real} d = ${act.d_times("w->d" .. l .. "[o]", "a")};
                w->d${l}[o] = d;
@ end
                gb += d;
${bwd_taps("                ", "gw[$w] += d*in[$x];")}
@   if L.propagate then
${bwd_taps("                ", "din[$x] += d*wm[$w];")}
@   end
            }
        g[${L.boff} + m] += gb;
    }
@ end
@ if L.propagate and L.pad > 0 then
    for (m = 0; m < ${L.cin}; ++m)                  /* ∂C/∂a^${l-1}[c][y][x] = ∂C/∂x${l}[c][${L.pad}+y][${L.pad}+x] */
        for (oy = 0; oy < ${L.h}; ++oy)
            for (ox = 0; ox < ${L.w}; ++ox)
                w->d${l-1}[m*${L.h * L.w} + oy*${L.w} + ox] = ws->dx${l}[m*${L.H * L.W} + (oy + ${L.pad})*${L.W} + ox + ${L.pad}];
@ end
}

