/* ---- layer ${l} backward: ${L.desc}
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ else
 *   δ^${l}[o] = ∂C/∂a^${l}[o] · σ'(z^${l}[o]),  ${act.ddoc}          (BP2)
@ end
 *   ∂C/∂b[o]    += Σ_s δ^${l}_s[o]                                 (BP3)
 *   ∂C/∂w[o][u] += Σ_s δ^${l}_s[o] · a^${l-1}_s[u]                     (BP4)
@ if L.propagate then
 *   ∂C/∂a^${l-1}_s[u] = Σ_o w[o][u] · δ^${l}_s[o]   ((w^${l})^T δ^${l}: first half of BP2 for layer ${l-1})
@ else
 * Layer ${l} reads the network input: no δ^${l-1} is propagated.
@ end
 * for the samples s of the chunk, all n at once.
 */
static void ${P}_l${l}_dense_backward(${bwd_params})
{
    ptrdiff_t o, s, u;
@ if unroll == "none" then
    for (s = 0; s < n; ++s) {                       /* δ^${l}_s and ∂C/∂b */
        ${real} *d = w->s[s].d${l};
@   if not (L.delta_given or act.identity) then
        const ${real} *a = w->s[s].a${l};
@   end
        for (o = 0; o < ${L.units}; ++o) {
@   if not (L.delta_given or act.identity) then
            d[o] = ${act.d_times("d[o]", "a[o]")};
@   end
            g[${L.boff} + o] += d[o];
        }
    }
    /* ∂C/∂w: 8 units x 16 inputs at a time, their sums held in registers
     * while every sample adds to them (each gradient loaded and stored once
     * per chunk; each input vector loaded serves 8 units) */
@   for _, ob in ipairs(gblocks) do
    for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {
@     for _, b in ipairs(ublocks16) do
        for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {   /* ∂C/∂w[o..o+${ob.size - 1}][u..u+${b.size - 1}] */
            ${real} acc[${ob.size}][${b.size}];
            ptrdiff_t q, v;
            for (q = 0; q < ${ob.size}; ++q)
                for (v = 0; v < ${b.size}; ++v) acc[q][v] = g[${L.woff} + (o + q)*${L.n_in} + u + v];
            for (s = 0; s < n; ++s) {
                const ${real} *in = ${src("s")} + u, *d = w->s[s].d${l} + o;
                for (v = 0; v < ${b.size}; ++v) {
                    const ${real} x = in[v];
                    for (q = 0; q < ${ob.size}; ++q) acc[q][v] += d[q] * x;
                }
            }
            for (q = 0; q < ${ob.size}; ++q)
                for (v = 0; v < ${b.size}; ++v) g[${L.woff} + (o + q)*${L.n_in} + u + v] = acc[q][v];
        }
@     end
    }
@   end
@   if L.propagate then
    /* ∂C/∂a^${l-1}: ${SBD} samples x 16 inputs at a time, summed over the units
     * in registers (each weight vector loaded serves ${SBD} samples) */
@     for _, b in ipairs(ublocks16) do
    for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {
        for (s = 0; s + ${SBD - 1} < n; s += ${SBD}) {
${include("dense_din_block.c.tpl", "            ", { SB = SBD, UB = b.size })}
        }
        for (; s < n; ++s) {
${include("dense_din_block.c.tpl", "            ", { SB = 1, UB = b.size })}
        }
    }
@     end
@   end
@ else
    /* Straight-line code for a compiler that does not optimize.  tcc keeps
     * no value in a register: every name read is a load, every += a load
     * and a store, so each statement adds 8 products to its target. */
    ${real} dk[${L.klist}];         /* the factors δ ≠ 0 of a sum below ... */
    const ${real} *xk[${L.klist}];  /* ... and the vectors they multiply */
    ptrdiff_t k, nk;
    for (s = 0; s < n; ++s) {                       /* δ^${l}_s and ∂C/∂b */
        ${real} *d = w->s[s].d${l};
@   if not (L.delta_given or act.identity) then
        const ${real} *a = w->s[s].a${l};
@   end
        for (o = 0; o < ${L.units}; ++o) {
@   if not (L.delta_given or act.identity) then
            d[o] = ${act.d_times("d[o]", "a[o]")};
@   end
            g[${L.boff} + o] += d[o];
        }
    }
@   if L.blocal then
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
@     for _, b in ipairs(xblocks) do
        for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {          /* inputs u..u+${b.size - 1} */
${xcopy("            ", b.size)}
            for (o = 0; o < ${L.units}; ++o) {
                const ${real} *dq = dt + o*${chunk};
                ${real} *gu = g + ${L.woff} + o*${L.n_in} + u;   /* ∂C/∂w[o][u..] */
${dcopy("                ")}
${bgrad1("                ", b.size)}
            }
        }
@     end
@     if L.propagate then
        /* ∂C/∂a^${l-1}_s[u] = Σ_o w[o][u] · δ^${l}_s[o], the same way: 16 units o at a
         * time, their δ_s in db and for each input u their 16 weights in wc */
        {
            ${real} db[${chunk}][16], wc[16], *tp[${chunk}];   /* tp[s] = ∂C/∂a^${l-1}_s */
            for (s = 0; s < n; ++s) {
                tp[s] = w->s[s].d${l-1};
                for (u = 0; u < ${L.n_in}; ++u) tp[s][u] = ${zero};
            }
@       for _, ob in ipairs(dblocks) do
            for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {          /* units o..o+${ob.size - 1} */
                const ${real} *dq = dt + o*${chunk};
${dbcopy("                ", ob.size)}
                for (u = 0; u < ${L.n_in}; ++u) {
                    const ${real} *wq = ${wbase} + o*${L.n_in} + u;   /* w[o][u], w[o+1][u] ... */
${wccopy("                    ", ob.size)}
${bprop1("                    ", ob.size)}
                }
            }
@       end
        }
@     end
        return;
    }
    /* fewer samples: */
@   end
    /* ∂C/∂w[o][.] += Σ_s δ^${l}_s[o] · a^${l-1}_s[.], unit by unit, over the
     * samples whose δ_s[o] is not 0 (the others add nothing) */
    for (o = 0; o < ${L.units}; ++o) {
        ${real} *t = g + ${L.woff} + o*${L.n_in};   /* ∂C/∂w[o][.] */
        for (s = 0, nk = 0; s < n; ++s)
            if (w->s[s].d${l}[o] != ${zero}) {
                dk[nk] = w->s[s].d${l}[o];
                xk[nk++] = ${src("s")};
            }
${axpy("        ")}
    }
@   if L.propagate then
    /* ∂C/∂a^${l-1}_s[.] = Σ_o δ^${l}_s[o] · w[o][.], sample by sample, over the
     * units whose δ_s[o] is not 0, along the rows of w */
    for (s = 0; s < n; ++s) {
        ${real} *t = w->s[s].d${l-1};
        for (u = 0; u < ${L.n_in}; ++u) t[u] = ${zero};
        for (o = 0, nk = 0; o < ${L.units}; ++o)
            if (w->s[s].d${l}[o] != ${zero}) {
                dk[nk] = w->s[s].d${l}[o];
                xk[nk++] = p + ${L.woff} + o*${L.n_in};
            }
${axpy("        ")}
    }
@   end
@ end
}

