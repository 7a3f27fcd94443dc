${include("conv_doc_backward.c.tpl", "")}
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t m, oy, ox;
@ if L.propagate then
    ptrdiff_t u;
    for (u = 0; u < ${L.cin * L.H * L.W}; ++u) ${L.dbuf}[u] = ${zero};   /* ∂C/∂a^${l-1} accumulates below */
@ end
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
@ if L.propagate and L.padded then
${include("conv_unpad.c.tpl", "")}
@ end
}

