@ -- ∂C/∂a^{l-1} = (w^l)^T δ^l for every sample of the chunk
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
