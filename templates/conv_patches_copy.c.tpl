@ -- the patches forms' first part: sample by sample, δ and the bias sums, then the patches
@ local NP, NK = L.oh * L.ow, L.ckk
@ local IN = L.pin == "x" and L.cin * L.h * L.w
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
