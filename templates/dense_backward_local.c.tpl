${include("dense_doc_backward.c.tpl", "")}
static void ${P}_l${l}_dense_backward(${bwd_params})
{
    ptrdiff_t o, s, u;
    /* Straight-line code for a compiler that does not optimize.  tcc keeps
     * no value in a register: every name read is a load, every += a load
     * and a store, so each statement adds 8 products to its target. */
    ${real} dk[${klist}];         /* the factors δ ≠ 0 of a sum below ... */
    const ${real} *xk[${klist}];  /* ... and the vectors they multiply */
    ptrdiff_t k, nk;
${include("dense_delta.c.tpl", "")}
    if (n >= ${zmin}) {
        /* ∂C/∂w[o][u] += Σ_s δ^${l}_s[o] · a^${l-1}_s[u], the forward's way: ${xbw} inputs
         * u at a time, those of every sample copied into the local array xb,
         * then for each unit o its δ_s into ds, so that both factors of every
         * product are read at constant offsets of the stack frame; the samples
         * added in order (rows past n are 0 and add exact zeros).  One unit an
         * iteration keeps the loop's code small (tcc's code for a larger block
         * no longer fits the CPU's instruction caches: measured slower). */
        ${real} xb[${chunk}][${xbw}], ds[${chunk}], dt[${chunk * L.units}];   /* dt[o][s] = δ^${l}_s[o] */
        ptrdiff_t v;
        for (k = 0; k < ${chunk * L.units}; ++k) dt[k] = ${zero};
        for (s = 0; s < n; ++s)
            for (o = 0; o < ${L.units}; ++o) dt[o*${chunk} + s] = w->s[s].d${l}[o];
        for (s = n; s < ${chunk}; ++s)
            for (v = 0; v < ${xbw}; ++v) xb[s][v] = ${zero};
@ for _, b in ipairs(xblocks) do
        for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {          /* inputs u..u+${b.size - 1} */
${xcopy("            ", b.size)}
            for (o = 0; o < ${L.units}; ++o) {
                const ${real} *dq = dt + o*${chunk};
                ${real} *gu = g + ${L.woff} + o*${L.n_in} + u;   /* ∂C/∂w[o][u..] */
${dcopy("                ")}
${bgrad1("                ", b.size)}
            }
        }
@ end
@ if L.propagate then
        /* ∂C/∂a^${l-1}_s[u] = Σ_o w[o][u] · δ^${l}_s[o], the same way: 16 units o at a
         * time, their δ_s in db and for each input u their 16 weights in wc */
        {
            ${real} db[${chunk}][16], wc[16], *tp[${chunk}];   /* tp[s] = ∂C/∂a^${l-1}_s */
            for (s = 0; s < n; ++s) {
                tp[s] = w->s[s].d${l-1};
                for (u = 0; u < ${L.n_in}; ++u) tp[s][u] = ${zero};
            }
@   for _, ob in ipairs(dblocks) do
            for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {          /* units o..o+${ob.size - 1} */
                const ${real} *dq = dt + o*${chunk};
${dbcopy("                ", ob.size)}
                for (u = 0; u < ${L.n_in}; ++u) {
                    const ${real} *wq = ${wbase} + o*${L.n_in} + u;   /* w[o][u], w[o+1][u] ... */
${wccopy("                    ", ob.size)}
${bprop1("                    ", ob.size)}
                }
            }
@   end
        }
@ end
        return;
    }
    /* fewer samples: */
${include("dense_lists.c.tpl", "")}
}

