${include("dense_doc_forward.c.tpl", "")}
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    ptrdiff_t o, s, u;
    /* Straight-line code for a compiler that does not optimize.  With ${zmin}
     * samples or more, ${xbw} inputs at a time: those of every sample (zeros
     * past n) copied into the local array xb, then for each unit o its ${xbw}
     * weights into wb, so that both factors of every product are read at
     * constant offsets of the stack frame (tcc keeps no value in a
     * register); the sums z^${l}_s[o] − b[o] grow in the local array zl[s][o]. */
    if (n >= ${zmin}) {
        ${real} xb[${chunk}][${xbw}], wb[${xbw}], zl[${chunk} * ${L.units}];
        ptrdiff_t v, k;
        for (k = 0; k < ${chunk * L.units}; ++k) zl[k] = ${zero};
@ for _, b in ipairs(xblocks) do
        for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {          /* inputs u..u+${b.size - 1} */
            for (s = 0; s < n; ++s) {
                const ${real} *xs = ${src("s")} + u;
                for (v = 0; v < ${b.size}; ++v) xb[s][v] = xs[v];
            }
            for (; s < ${chunk}; ++s)
                for (v = 0; v < ${b.size}; ++v) xb[s][v] = ${zero};
            for (o = 0; o < ${L.units}; ++o) {
                const ${real} *wu = ${wbase} + o*${L.n_in} + u;   /* w[o][u..] */
                ${real} *zo = zl + o;                   /* zl[s][o] = zo[s*${L.units}] */
${xblock_sums("                ", b.size)}
            }
        }
@ end
        for (s = 0; s < n; ++s)
            for (o = 0; o < ${L.units}; ++o) {
                const ${real} z = ${bref("o")} + zl[s*${L.units} + o];
@ if act.softmax or L.store_z then
                w->s[s].z${l}[o] = z;
@ end
@ if not act.softmax then
                w->s[s].a${l}[o] = ${act.sigma("z")};
@ end
            }
    } else       /* fewer samples: the products straight from memory, summed
                  * as above (the same result whatever the chunk) */
${include("dense_sums.c.tpl", "", { sum = xblocked_dot })}
@ if act.softmax then
${include("dense_softmax.c.tpl", "")}
@ end
}

