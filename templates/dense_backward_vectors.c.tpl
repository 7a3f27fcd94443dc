${include("dense_doc_backward.c.tpl", "")}
static void ${P}_l${l}_dense_backward(${bwd_params})
{
    ptrdiff_t o, s, u;
${include("dense_delta.c.tpl", "")}
    /* ∂C/∂w: 8 units x 16 inputs at a time, their sums held in registers
     * while every sample adds to them (each gradient loaded and stored once
     * per chunk; each input vector loaded serves 8 units) */
@ for _, ob in ipairs(gblocks) do
    for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {
@   for _, b in ipairs(ublocks16) do
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
@   end
    }
@ end
@ if L.propagate then
    /* ∂C/∂a^${l-1}: ${SBD} samples x 16 inputs at a time, summed over the units
     * in registers (each weight vector loaded serves ${SBD} samples) */
@   for _, b in ipairs(ublocks16) do
    for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {
        for (s = 0; s + ${SBD - 1} < n; s += ${SBD}) {
${include("dense_din_block.c.tpl", "            ", { SB = SBD, UB = b.size })}
        }
        for (; s < n; ++s) {
${include("dense_din_block.c.tpl", "            ", { SB = 1, UB = b.size })}
        }
    }
@   end
@ end
}

