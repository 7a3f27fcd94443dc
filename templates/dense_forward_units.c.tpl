@ -- the body of the forward's loop over units o, ob.size at a time: z^l[o..]
@ -- of every sample, 5 samples at a time (sb5: 4 units at a time of the
@ -- block), then 2, then the last one (n odd).
@ -- NB: the samples' count; sums_in(s), sample_at(s): dense_sums_block's a^{l-1}
@ -- of sample s and where its sums go (dense.lua's env)
@ if ob.size == 2 then
ptrdiff_t oo;
@ end
@ if sb5 then
for (s = 0; s + 4 < ${NB}; s += 5) {   /* 5 samples x 4 units at a time: each weight vector loaded serves 5 samples */
@   for q0 = 0, ob.size - 1, 4 do
    {
${include("dense_sums_block.c.tpl", "        ", { OB = math.min(4, ob.size - q0), SB = 5, OV = q0 == 0 and "o" or ("o + " .. q0) })}
    }
@   end
}
for (; s + 1 < ${NB}; s += 2) {
@ else
for (s = 0; s + 1 < ${NB}; s += 2) {
@ end
${include("dense_sums_block.c.tpl", "    ", { OB = ob.size, SB = 2, OV = "o" })}
}
@ if ob.size == 2 then
if (s < ${NB})           /* the last sample, unit by unit (2 units x 1 sample: gcc 12 vectorizes the wrong loop) */
    for (oo = o; oo < o + 2; ++oo) {
${include("dense_sums_block.c.tpl", "        ", { OB = 1, SB = 1, OV = "oo" })}
    }
@ else
if (s < ${NB}) {         /* the last sample (${NB} odd; inference: the only one) */
${include("dense_sums_block.c.tpl", "    ", { OB = ob.size, SB = 1, OV = "o" })}
}
@ end
