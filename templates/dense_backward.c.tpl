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
    /* Straight-line code for a compiler that does not optimize, sample by sample. */
    for (s = 0; s < n; ++s) {
        const ${real} *in = ${src("s")};   /* a^${l-1} of sample s, flattened */
@   if L.propagate then
        ${real} *din = w->s[s].d${l-1};
        for (u = 0; u < ${L.n_in}; ++u) din[u] = ${zero};
@   end
        for (o = 0; o < ${L.units}; ++o) {
@   if L.propagate then
            const ${real} *wo = p + ${L.woff} + o*${L.n_in};   /* w[o][.] */
@   end
            ${real} *gw = g + ${L.woff} + o*${L.n_in};         /* ∂C/∂w[o][.] */
@   if L.delta_given or act.identity then
            ${real} d = w->s[s].d${l}[o];
@   else
            ${real} a = w->s[s].a${l}[o];
            ${real} d = ${act.d_times("w->s[s].d" .. l .. "[o]", "a")};
            w->s[s].d${l}[o] = d;
@   end
            g[${L.boff} + o] += d;
@   if unroll == "full" then
${unrolled("            ", "gw[$u] += d*in[$u];")}
@     if L.propagate then
${unrolled("            ", "din[$u] += d*wo[$u];")}
@     end
@   else
            for (u = 0; u < ${L.n_in}; ++u) gw[u] += d * in[u];
@     if L.propagate then
            for (u = 0; u < ${L.n_in}; ++u) din[u] += d * wo[u];
@     end
@   end
        }
    }
@ end
}

