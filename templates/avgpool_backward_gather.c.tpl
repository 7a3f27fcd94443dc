@ local vlen = (L.ow - 1) * L.sw + 1 + 2 * (L.kw - 1)
${include("avgpool_doc_backward.c.tpl", "")}
static void ${P}_l${l}_avgpool_backward(${bwd_params})
{
    ptrdiff_t c, oy, ox, i, j, x;
    /* Loops with constant bounds, for an optimizing compiler, windows that
     * overlap or leave gaps: a row of windows at a time, their shares spread
     * along a row first, each unit x of it gathering the shares of the
     * windows over it,
     *   h[x] = Σ_{j<${L.kw}} vp[x + ${L.kw - 1} − j],   vp[${L.kw - 1} + ${sx('ox')}] = ∂C/∂a^${l}[c][oy][ox] / ${L.window}, 0 elsewhere,
     * then h added to the window's ${L.kh} rows (each unit written once a
     * pass: it vectorizes, where spreading window by window would store to
     * places the next window loads from) */
    for (x = 0; x < ${L.n_in}; ++x) w->d${l-1}[x] = ${zero};
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy) {
            const ${real} *dk = w->d${l} + c*${L.oh * L.ow} + oy*${L.ow};   /* ∂C/∂a^${l}[c][oy][.] */
            ${real} *din = w->d${l-1} + c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")};   /* ∂C/∂a^${l-1}[c][${sy('oy')}][0] */
            ${real} vp[${vlen}], h[${cw}];
            for (x = 0; x < ${vlen}; ++x) vp[x] = ${zero};
            for (ox = 0; ox < ${L.ow}; ++ox) vp[${cfmt.offset(sx('ox'), L.kw - 1)}] = dk[ox] * ${inv};
            for (x = 0; x < ${cw}; ++x) {
                ${real} s = ${zero};
                for (j = 0; j < ${L.kw}; ++j) s += vp[x + ${L.kw - 1} - j];
                h[x] = s;
            }
            for (i = 0; i < ${L.kh}; ++i)
                for (x = 0; x < ${cw}; ++x) din[i*${L.w} + x] += h[x];
        }
}

