${include("maxpool_doc_forward.c.tpl", "")}
static void ${P}_l${l}_maxpool_${pass}(${fwd_params})
{
    ptrdiff_t c, oy, ox;
    ptrdiff_t i, j;
    for (c = 0; c < ${L.c}; ++c)
        for (oy = 0; oy < ${L.oh}; ++oy)
            for (ox = 0; ox < ${L.ow}; ++ox) {
@ if winners then
                ptrdiff_t u = c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")} + ${sx('ox')}, best = u;   /* a^${l-1}[c][${sy('oy')}][${sx('ox')}] */
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
                w->m${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = (${L.mask_type})best;
@ else
                const ptrdiff_t u = c*${L.h * L.w} + ${cfmt.mul(L.sh * L.w, "oy")} + ${sx('ox')};   /* a^${l-1}[c][${sy('oy')}][${sx('ox')}] */
                ${elem} v = ${L.src}[u];
                /* v = the max so far, by a select (no branch): the loop over
                 * ox vectorizes */
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) {
                        const ${elem} t = ${L.src}[u + i*${L.w} + j];
                        v = t > v ? t : v;
                    }
                w->a${l}[c*${L.oh * L.ow} + oy*${L.ow} + ox] = v;
@ end
            }
@ if pool_act then
${include("maxpool_act.c.tpl", "")}
@ end
}

