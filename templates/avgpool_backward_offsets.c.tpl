${include("avgpool_doc_backward.c.tpl", "")}
static void ${P}_l${l}_avgpool_backward(${bwd_params})
{
    ptrdiff_t c, oy, ox;
@ if not L.tiles then
    ptrdiff_t u;
    for (u = 0; u < ${L.n_in}; ++u) w->d${l-1}[u] = ${zero};
@ end
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
                const ${real} v = w->d${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] * ${inv};
                ${real} *din = w->d${l-1} + c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")} + ${sx('ox')};   /* ∂C/∂a^${l-1}[c][${sy('oy')}][${sx('ox')}] */
${spread("                ", "din", "v")}
            }
}

