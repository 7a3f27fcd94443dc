${include("maxpool_doc_forward.c.tpl", "")}
static void ${P}_l${l}_maxpool_${pass}(${fwd_params})
{
    ptrdiff_t c, oy, ox;
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
                ptrdiff_t u = c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")} + ${sx('ox')}, best = u;   /* a^${l-1}[c][${sy('oy')}][${sx('ox')}] */
@ -- Keep this form.  A tournament (pairs compared independently, the
@ -- winner read through a pointer to the window) ran 0.6% faster under
@ -- tcc, but gcc 12.2 miscompiles it with ptrdiff_t indices too: the
@ -- pool's stores dropped at -O1 in one file and at -O3 in another (the
@ -- same family as the int-index bug in the README; the compile matrix in
@ -- test_compile.c caught it).
@ for _, k in ipairs(offs) do
                best += (${L.src}[u + ${k}] > ${L.src}[best]) * (u + ${k} - best);   /* no branch: see --unroll none */
@ end
                w->a${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = ${L.src}[best];
@ if winners then
                w->m${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = (${L.mask_type})best;
@ end
            }
@ if pool_act then
${include("maxpool_act.c.tpl", "")}
@ end
}

