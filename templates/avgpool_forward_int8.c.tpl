/* ---- layer ${l}: ${L.desc}; int8
 *   q(a^${l})[c][y][x] = round(Σ_{i<${L.kh}, j<${L.kw}} q(a^${l-1})[c][${sy('y')}+i][${sx('x')}+j] · s_in / (${L.window} · s_out))
 *   s_in = ${lit(q.input.scale)}: a^${l-1} has a scale of its own (the mean of clipped values is not
 *   the clipped mean, so the pool cannot run in the scale of the tensor after it as a max-pool does)
 *   ${out_doc}
 * The window's sum in an int, then one multiply by the constant s_in / (${L.window} · s_out) and the
 * rounding (requantized).
 */
static void ${P}_l${l}_avgpool_forward(${fwd_params})
{
    ptrdiff_t c, oy, ox, i, j;
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
                const ${in_type} *in = ${L.src} + c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")} + ${sx('ox')};   /* q(a^${l-1})[c][${sy('oy')}][${sx('ox')}] */
                int s = 0;
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) s += in[i*${L.w} + j];
                w->a${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = ${P}_${q.output.round}((${real})s * ${requant});
            }
}

