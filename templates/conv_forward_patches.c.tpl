${include("conv_doc_forward.c.tpl", "")}
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, oy, ox;
    ptrdiff_t c, i, j;
@ if L.padded then
${include("conv_pad_copy.c.tpl", "", { slack = L.xslack })}
@ end
    /* Loops for an optimizing compiler, through the patches matrix t${l}:
     * z^${l}[m][p] = b[m] + Σ_k w[m][k] · t${l}[k][p]  (k = (c, i, j), p = (y, x));
     * ${L.gmb} maps x 16 positions at a time: their sums stay in registers
     * over all k, each patch vector loaded serves ${L.gmb} maps (vectorizes along p). */
    for (c = 0; c < ${L.cin}; ++c)
        for (i = 0; i < ${L.kh}; ++i)
            for (j = 0; j < ${L.kw}; ++j)
                for (oy = 0; oy < ${L.oh}; ++oy)
                    for (ox = 0; ox < ${L.ow}; ++ox)
                        ws->t${l}[((c*${L.kh} + i)*${L.kw} + j)*${L.oh * L.ow} + oy*${L.ow} + ox] =
                            ${L.pin}[c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + ${sx('ox')} + j];
    for (m = 0; m < ${L.maps}; m += ${L.gmb}) {
        ptrdiff_t q, k, u, v;
@ for _, pb in ipairs(L.pblocks) do
        for (u = ${pb.from}; u < ${pb.to}; u += ${pb.size}) {   /* positions u..u+${pb.size - 1} */
            ${real} z[${L.gmb}][${pb.size}];                  /* z^${l}[m..m+${L.gmb - 1}][u..u+${pb.size - 1}] */
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${pb.size}; ++v) z[q][v] = ${bref("m + q")};
            for (k = 0; k < ${L.ckk}; ++k) {
                const ${real} *t = ws->t${l} + k*${L.oh * L.ow} + u;
                const ${real} *wk = ${wbase} + m*${L.ckk} + k;              /* w[m][k] */
                ${real} wq[${L.gmb}];
                for (q = 0; q < ${L.gmb}; ++q) wq[q] = wk[q*${L.ckk}];
                for (v = 0; v < ${pb.size}; ++v) {
                    const ${real} tv = t[v];
                    for (q = 0; q < ${L.gmb}; ++q) z[q][v] += wq[q] * tv;
                }
            }
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${pb.size}; ++v) {
@   if L.store_z then
                    w->z${l}[(m + q)*${L.oh * L.ow} + u + v] = z[q][v];
@   end
                    w->a${l}[(m + q)*${L.oh * L.ow} + u + v] = ${act.sigma("z[q][v]")};
                }
        }
@ end
    }
}

