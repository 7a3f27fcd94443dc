/* ---- layer ${l} backward: ${L.desc}
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ elseif pool_act and not pooled then
 *   δ^${l} = ∂C/∂a^${l} ⊙ σ'(z^${l}),  ${pool_act.ddoc}                      (BP2)
 *            is computed by the max-pool above, which applies this layer's σ
@ elseif pool_act then
 *   δ^${l} = ∂C/∂a^${l} ⊙ σ'(z^${l}),  ${pool_act.ddoc}, a from the max-pool above,
 *            which applies this layer's σ                         (BP2)
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
@ if unroll == "none" and L.im2col then
${include("conv_backward_patches.c.tpl", "")}
@ elseif pooled then
${include("conv_backward_pooled.c.tpl", "")}
@ else
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
${include("conv_delta.c.tpl", "")}
    /* then ∂C/∂w[m][k] = Σ_p δ^${l}[m][p] · t${l}[k][p] as dot products along p
     * (vectorizes), through the patches t${l}[k][p] = a^${l-1}[c][${sy('y')}+i][${sx('x')}+j],
     * k = (c, i, j), p = (y, x): ${L.mb} maps at a time, 16 partial sums each
     * (measured: more taps at a time, 2 or 4, ran slower) */
    for (c = 0; c < ${L.cin}; ++c)
        for (i = 0; i < ${L.kh}; ++i)
            for (j = 0; j < ${L.kw}; ++j)
                for (oy = 0; oy < ${L.oh}; ++oy)
                    for (ox = 0; ox < ${L.ow}; ++ox)
                        ws->t${l}[((c*${L.kh} + i)*${L.kw} + j)*${L.oh * L.ow} + oy*${L.ow} + ox] =
                            ${L.pin}[c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + ${sx('ox')} + j];
    for (m = 0; m < ${L.maps}; m += ${L.mb}) {
        ptrdiff_t k;
        for (k = 0; k < ${L.ckk}; ++k) {
${include("conv_gw_dot.c.tpl", "            ", { MB = L.mb, KB = 1 })}
        }
    }
@   if L.propagate then
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
@ elseif L.pmajor then
    /* Straight-line code for a compiler that does not optimize, position by
     * position, every map's sums of ∂C/∂w and ∂C/∂b in the local arrays gl,
     * gbl and the patch of a^${l-1} under the kernel in t: both factors of a
     * product and its sum are at constant offsets of the stack frame (tcc
     * keeps no value in a register).  A map whose δ is 0 at a position (a
     * max-pool loser, a relu below its kink) adds nothing there: skipped. */
    ${real} gl[${L.maps * L.ckk}], gbl[${L.maps}], t[${L.ckk}];   /* Σ δ·a^${l-1}, Σ δ, the patch t[c][i][j] */
@   if L.propagate then
    ${real} wl[${L.maps * L.ckk}];                                /* w */
    const ${real} *wp = p + ${L.woff};
@   end
    ptrdiff_t k;
    for (k = 0; k < ${L.maps * L.ckk}; ++k) {
        gl[k] = ${zero};
@   if L.propagate then
        wl[k] = wp[k];
@   end
    }
    for (m = 0; m < ${L.maps}; ++m) gbl[m] = ${zero};
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) {
            const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
@   if L.propagate then
            ${real} *din = ${L.dbuf} + ${sy('oy')}*${L.W} + ${sx('ox')};
@   end
            ${real} *dp = w->d${l} + oy*${L.ow} + ox;   /* ∂C/∂a^${l}[0][oy][ox], then δ^${l} */
@   if not (L.delta_given or act.identity) then
            const ${real} *ap = w->a${l} + oy*${L.ow} + ox;
@   end
            ${real} d;
${patch_copy("            ")}
@   for m = 0, L.maps - 1 do
@     local o = m * L.oh * L.ow
@     if L.delta_given or act.identity then
            d = dp[${o}];
@     else
            d = ${act.d_times("dp[" .. o .. "]", "ap[" .. o .. "]")};
            dp[${o}] = d;
@     end
            if (d != ${zero}) {
                gbl[${m}] += d;
${bwd_taps("                ", "gl[$W] += d*t[$w];", m)}
@     if L.propagate then
${bwd_taps("                ", "din[$x] += d*wl[$W];", m)}
@     end
            }
@   end
        }
    for (k = 0; k < ${L.maps * L.ckk}; ++k) g[${L.woff} + k] += gl[k];
    for (m = 0; m < ${L.maps}; ++m) g[${L.boff} + m] += gbl[m];
@ else
    /* Straight-line code for a compiler that does not optimize: at each
     * output position, every tap is a constant offset.  A position whose
     * δ is 0 (a max-pool loser, a relu below its kink) adds nothing to
     * BP3, BP4 or ∂C/∂a^${l-1}: it is skipped (after a max-pool, 3 of 4 are). */
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
                if (d == ${zero}) continue;
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
${include("conv_unpad.c.tpl", "")}
@ end
}
@ end

