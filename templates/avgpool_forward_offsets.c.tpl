/* ---- layer ${l}: ${L.desc}
 *   a^${l}[c][y][x] = (1/${L.window}) Σ_{i<${L.kh}, j<${L.kw}} a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]
 * Straight-line code for a compiler that does not optimize: each window's
 * sum at constant offsets, added as a balanced tree; 1/${L.window} a constant.
 */
static void ${P}_l${l}_avgpool_forward(${fwd_params})
{
    ptrdiff_t c, oy, ox;
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
                const ${real} *in = ${L.src} + c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")} + ${sx('ox')};   /* a^${l-1}[c][${sy('oy')}][${sx('ox')}] */
${window_mean("                ", "w->a" .. l .. "[c*" .. L.oh * L.ow .. " + oy*" .. L.ow .. " + ox]", "in")}
            }
}

