${include("conv_doc_backward.c.tpl", "")}
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t m, oy, ox;
    ptrdiff_t c, i, j;
@ if L.propagate then
    ptrdiff_t u;
    for (u = 0; u < ${L.cin * L.H * L.W}; ++u) ${L.dbuf}[u] = ${zero};   /* ∂C/∂a^${l-1} accumulates below */
@ end
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
@ if L.propagate then
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
@ end
@ if L.propagate and L.padded then
${include("conv_unpad.c.tpl", "")}
@ end
}

