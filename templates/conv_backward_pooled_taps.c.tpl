@ local Q = pooled
@ local q = Q.index
@ local PP = Q.oh * Q.ow
@ local OHW = L.oh * L.ow
@ local sa = pool_act or act
@ -- winner n's patch: its first tap, at the offset po[] of its position
@ local function patch(n)
@   return string.format("%s + po[u%d - m*%d];   /* its patch */", L.pin, n, OHW)
@ end
${include("conv_doc_backward.c.tpl", "")}
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t m, oy, ox, k, v, po[${OHW}];
    /* Straight-line code for a compiler that does not optimize, over the
     * pool winners only: layer ${q} (max-pool) passes ∂C/∂a^${l} to the unit that
     * won each pool and 0 to the others, so δ^${l} ≠ 0 only at a winner u = m${q}[k]:
${include("conv_pooled_doc.c.tpl", "")}
     * Each winner's patch is read in place, every tap a constant offset from
     * its first; po[p] is that first tap's offset in a^${l-1} for position p
     * (measured under tcc: training 1.02x for nielsen1 and lenet5 against
     * copying every position's patch out first). */
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) po[oy*${L.ow} + ox] = ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
    /* map by map, 4 winners a statement, the sums in the local array gl
     * (read at constant offsets of the stack frame: tcc keeps no value in a
     * register) */
    for (m = 0; m < ${L.maps}; ++m) {
        const ${Q.mask_type} *mk = w->m${q} + m*${PP};   /* winners of map m's pools */
        const ${real} *dk = w->d${q} + m*${PP};       /* ∂C/∂a^${q}[m][.] */
@ if not sa.identity then
        const ${real} *ak = w->a${q} + m*${PP};       /* a^${q}[m][.] = σ(z^${l}) at the winners */
@ end
        ${real} gl[${L.ckk}], gb = ${zero};            /* Σ δ·patch, Σ δ */
        for (v = 0; v < ${L.ckk}; ++v) gl[v] = ${zero};
        for (k = 0; k + 3 < ${PP}; k += 4) {
${winner(0, "k", patch)}
${winner(1, "k + 1", patch)}
${winner(2, "k + 2", patch)}
${winner(3, "k + 3", patch)}
            gb += d0 + d1 + d2 + d3;
${row_taps("            ", "gl[$w] = gl[$w] + d0*t0[$x] + d1*t1[$x] + d2*t2[$x] + d3*t3[$x];")}
        }
@ if PP % 4 > 0 then
        for (; k < ${PP}; ++k) {               /* the last ${PP % 4} (the pools are not a multiple of 4) */
${winner(0, "k", patch)}
            gb += d0;
${bwd_taps("            ", "gl[$w] += d0*t0[$x];")}
        }
@ end
        g[${L.boff} + m] += gb;
        for (v = 0; v < ${L.ckk}; ++v) g[${L.woff} + m*${L.ckk} + v] += gl[v];
    }
}

