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
static void ${P}_l${l}_conv_backward(${L.propagate and ("const " .. real .. " *restrict p, ") or (L.pin == "x" and ("const " .. real .. " *restrict x, ") or "")}${P}_work *restrict w, ${real} *restrict g)
{
    ptrdiff_t m, oy, ox;
@ if unroll == "none" then
    ptrdiff_t c, i, j;
@ end
@ if L.propagate then
    ptrdiff_t u;
    for (u = 0; u < ${L.cin * L.H * L.W}; ++u) ${L.dbuf}[u] = ${zero};   /* ∂C/∂a^${l-1} accumulates below */
@ end
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
@ if unroll == "none" then
                for (c = 0; c < ${L.cin}; ++c)
                    for (i = 0; i < ${L.kh}; ++i)
                        for (j = 0; j < ${L.kw}; ++j) {
                            gw[(c*${L.kh} + i)*${L.kw} + j] += d * in[c*${L.H * L.W} + i*${L.W} + j];
@   if L.propagate then
                            din[c*${L.H * L.W} + i*${L.W} + j] += d * wm[(c*${L.kh} + i)*${L.kw} + j];
@   end
                        }
@ else
${bwd_taps("                ", "gw[$w] += d*in[$x];")}
@   if L.propagate then
${bwd_taps("                ", "din[$x] += d*wm[$w];")}
@   end
@ end
            }
        g[${L.boff} + m] += gb;
    }
@ if L.propagate and L.pad > 0 then
    for (m = 0; m < ${L.cin}; ++m)                  /* ∂C/∂a^${l-1}[c][y][x] = ∂C/∂x${l}[c][${L.pad}+y][${L.pad}+x] */
        for (oy = 0; oy < ${L.h}; ++oy)
            for (ox = 0; ox < ${L.w}; ++ox)
                w->d${l-1}[m*${L.h * L.w} + oy*${L.w} + ox] = w->dx${l}[m*${L.H * L.W} + (oy + ${L.pad})*${L.W} + ox + ${L.pad}];
@ end
}

