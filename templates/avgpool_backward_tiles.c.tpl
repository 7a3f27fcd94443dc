${include("avgpool_doc_backward.c.tpl", "")}
static void ${P}_l${l}_avgpool_backward(${bwd_params})
{
    ptrdiff_t c, oy, ox, i, j;
    /* Loops with constant bounds, for an optimizing compiler: a row of
     * windows at a time, tap (i, j) by tap along the row (vectorizes) */
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy) {
            const ${real} *dk = w->d${l} + c*${L.oh * L.ow} + oy*${L.ow};   /* ∂C/∂a^${l}[c][oy][.] */
            ${real} *din = w->d${l-1} + c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")};   /* ∂C/∂a^${l-1}[c][${sy('oy')}][0] */
            ${real} v[${L.ow}];                                /* their shares, ∂C/∂a^${l}[c][oy][.] / ${L.window} */
            for (ox = 0; ox < ${L.ow}; ++ox) v[ox] = dk[ox] * ${inv};
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j)
                    for (ox = 0; ox < ${L.ow}; ++ox) din[i*${L.w} + j + ${sx('ox')}] = v[ox];
        }
}

