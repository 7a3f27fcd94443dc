/* ---- layer ${l}: ${L.desc}
 *   z^${l}[m][y][x] = b[m] + Σ_{c,i,j} w[m][c][i][j] · a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]
 *   a^${l} = σ(z^${l}),  ${act.doc}
@ if L.pad > 0 then
 * a^${l-1} is read through x${l}, a copy with ${L.pad} rows and columns of zeros
 * around it, so every kernel tap has a constant offset.
@ end
 */
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, oy, ox;
@ if unroll == "none" then
    ptrdiff_t c, i, j;
@ end
@ if L.pad > 0 then
    ptrdiff_t u, pc, py, px;
    for (u = 0; u < ${L.cin * L.H * L.W}; ++u) w->x${l}[u] = ${zero};
    for (pc = 0; pc < ${L.cin}; ++pc)                 /* x${l}[c][${L.pad}+y][${L.pad}+x] = a^${l-1}[c][y][x] */
        for (py = 0; py < ${L.h}; ++py)
            for (px = 0; px < ${L.w}; ++px)
                w->x${l}[pc*${L.H * L.W} + (py + ${L.pad})*${L.W} + px + ${L.pad}] = ${L.src}[pc*${L.h * L.w} + py*${L.w} + px];
@ end
    for (m = 0; m < ${L.maps}; ++m) {
        const ${real} *wm = ${wbase} + m*${L.ckk};   /* w[m][.][.][.] */
        const ${real} b = ${bref("m")};
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
                const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
                ${real} z = b;
@ if unroll == "none" then
                for (c = 0; c < ${L.cin}; ++c)
                    for (i = 0; i < ${L.kh}; ++i)
                        for (j = 0; j < ${L.kw}; ++j)
                            z += wm[(c*${L.kh} + i)*${L.kw} + j] * in[c*${L.H * L.W} + i*${L.W} + j];
@ else
${fwd_taps("                ")}
@ end
@ if L.store_z then
                w->z${l}[m*${L.oh * L.ow} + oy*${L.ow} + ox] = z;
@ end
                w->a${l}[m*${L.oh * L.ow} + oy*${L.ow} + ox] = ${act.sigma("z")};
            }
    }
}

