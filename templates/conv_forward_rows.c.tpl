${include("conv_doc_forward.c.tpl", "")}
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, oy, ox;
    ptrdiff_t c, i, j;
@ if L.padded then
${include("conv_pad_copy.c.tpl", "", { slack = L.xslack })}
@ end
    /* Loops for an optimizing compiler: ${L.mb} maps at a time, one output
     * row of sums each; the innermost loop runs along the row (vectorizes)
     * and every input value loaded serves ${L.mb} maps.
@ if L.owz > L.ow then
     * The rows of sums are ${L.owz} long, whole vectors (the sums past ${L.ow} are
     * never stored; x${l} has ${L.xslack} zeros after it for their reads).
@ end
     */
    for (m = 0; m < ${L.maps}; m += ${L.mb})
        for (oy = 0; oy < ${L.oh}; ++oy) {
            ${real} z[${L.mb}][${L.owz}];                  /* z^${l}[m..m+${L.mb - 1}][oy][.] */
            ptrdiff_t q;
            for (q = 0; q < ${L.mb}; ++q)
                for (ox = 0; ox < ${L.owz}; ++ox) z[q][ox] = ${bref("m + q")};
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) {
                        const ${real} *in = ${L.pin} + c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + j;   /* a^${l-1}[c][${sy('oy')}+i][j] */
                        const ${real} *wv = ${wbase} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j;     /* w[m][c][i][j] */
                        for (ox = 0; ox < ${L.owz}; ++ox) {
                            const ${real} v = in[${sx('ox')}];
@ for q = 0, L.mb - 1 do
                            z[${q}][ox] += wv[${q * L.ckk}] * v;
@ end
                        }
                    }
            for (q = 0; q < ${L.mb}; ++q)
                for (ox = 0; ox < ${L.ow}; ++ox) {
@ if L.store_z then
                    w->z${l}[(m + q)*${L.oh * L.ow} + oy*${L.ow} + ox] = z[q][ox];
@ end
                    w->a${l}[(m + q)*${L.oh * L.ow} + oy*${L.ow} + ox] = ${act.sigma("z[q][ox]")};
                }
        }
}

