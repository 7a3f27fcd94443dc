${include("conv_doc_backward.c.tpl", "")}
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t m, oy, ox;
@ if L.propagate then
    ptrdiff_t u;
    for (u = 0; u < ${L.cin * L.H * L.W}; ++u) ${L.dbuf}[u] = ${zero};   /* ∂C/∂a^${l-1} accumulates below */
@ end
    /* Straight-line code for a compiler that does not optimize, position by
     * position, every map's sums of ∂C/∂w and ∂C/∂b in the local arrays gl,
     * gbl and the patch of a^${l-1} under the kernel in t: both factors of a
     * product and its sum are at constant offsets of the stack frame (tcc
     * keeps no value in a register).  A map whose δ is 0 at a position (a
     * max-pool loser, a relu below its kink) adds nothing there: skipped. */
    ${real} gl[${L.maps * L.ckk}], gbl[${L.maps}], t[${L.ckk}];   /* Σ δ·a^${l-1}, Σ δ, the patch t[c][i][j] */
@ if L.propagate then
    ${real} wl[${L.maps * L.ckk}];                                /* w */
    const ${real} *wp = p + ${L.woff};
@ end
    ptrdiff_t k;
    for (k = 0; k < ${L.maps * L.ckk}; ++k) {
        gl[k] = ${zero};
@ if L.propagate then
        wl[k] = wp[k];
@ end
    }
    for (m = 0; m < ${L.maps}; ++m) gbl[m] = ${zero};
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) {
            const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
@ if L.propagate then
            ${real} *din = ${L.dbuf} + ${sy('oy')}*${L.W} + ${sx('ox')};
@ end
            ${real} *dp = w->d${l} + oy*${L.ow} + ox;   /* ∂C/∂a^${l}[0][oy][ox], then δ^${l} */
@ if not (L.delta_given or act.identity) then
            const ${real} *ap = w->a${l} + oy*${L.ow} + ox;
@ end
            ${real} d;
${patch_copy("            ")}
@ for m = 0, L.maps - 1 do
@   local o = m * L.oh * L.ow
@   if L.delta_given or act.identity then
            d = dp[${o}];
@   else
            d = ${act.d_times("dp[" .. o .. "]", "ap[" .. o .. "]")};
            dp[${o}] = d;
@   end
            if (d != ${zero}) {
                gbl[${m}] += d;
${bwd_taps("                ", "gl[$W] += d*t[$w];", m)}
@   if L.propagate then
${bwd_taps("                ", "din[$x] += d*wl[$W];", m)}
@   end
            }
@ end
        }
    for (k = 0; k < ${L.maps * L.ckk}; ++k) g[${L.woff} + k] += gl[k];
    for (m = 0; m < ${L.maps}; ++m) g[${L.boff} + m] += gbl[m];
@ if L.propagate and L.padded then
${include("conv_unpad.c.tpl", "")}
@ end
}

