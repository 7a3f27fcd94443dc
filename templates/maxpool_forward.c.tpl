/* ---- layer ${l}: ${L.desc}
@ if pool_act then
 *   a^${l}[c][y][x] = σ(max_{i<${L.kh}, j<${L.kw}} z^${l-1}[c][${sy('y')}+i][${sx('x')}+j])
@ else
 *   a^${l}[c][y][x] = max_{i<${L.kh}, j<${L.kw}} a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]
@ end
@ if q8 then
 * On the int8 values: max commutes with the monotone quantizer, max q(a) = q(max a).
@ end
@ if pool_act then
 * The σ of the conv below (${pool_act.doc}) is applied here, once per pool: it
 * never decreases, so max σ(z) = σ(max z); a${l-1} holds z^${l-1}.
@ end
@ if train then
 *   m${l} remembers the winner: its index in a${l-1} (the first one on ties).
@ end
 */
static void ${P}_l${l}_maxpool_forward(${fwd_params})
{
    ptrdiff_t c, oy, ox;
@ if unroll == "none" then
    ptrdiff_t i, j;
@ end
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
                ptrdiff_t u = c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")} + ${sx('ox')}, best = u;   /* a^${l-1}[c][${sy('oy')}][${sx('ox')}] */
@ if unroll == "none" then
                ${elem} v = ${L.src}[u];
                /* best and v move to a larger value by arithmetic on the
                 * comparison (gt is 0 or 1), not by a branch: which unit wins
                 * varies from image to image, and a mispredicted branch per
                 * pool made this loop 5x slower on real images */
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) {
                        ${elem} t = ${L.src}[u + i*${L.w} + j];
                        ptrdiff_t gt = t > v;
                        best += gt * (u + i*${L.w} + j - best);
                        v = gt ? t : v;
                    }
                w->a${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = v;
@ else
@   -- Keep this form.  A tournament (pairs compared independently, the
@   -- winner read through a pointer to the window) ran 0.6% faster under
@   -- tcc, but gcc 12.2 miscompiles it with ptrdiff_t indices too: the
@   -- pool's stores dropped at -O1 in one file and at -O3 in another (the
@   -- same family as the int-index bug in the README; the compile matrix in
@   -- test_compile.c caught it).
@   for _, k in ipairs(offs) do
                best += (${L.src}[u + ${k}] > ${L.src}[best]) * (u + ${k} - best);   /* no branch: see --unroll none */
@   end
                w->a${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = ${L.src}[best];
@ end
@ if train then
                w->m${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = (${L.mask_type})best;
@ end
            }
@ if pool_act then
    for (c = 0; c < ${L.n_out}; ++c)          /* a^${l} = σ(max z^${l-1}), ${pool_act.doc} */
        w->a${l}[c] = ${pool_act.sigma("w->a" .. l .. "[c]")};
@ end
}

