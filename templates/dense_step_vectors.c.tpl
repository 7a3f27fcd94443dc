/* ---- layer ${l} backward and SGD step: ${L.desc}
 * The backward of this layer (BP2–BP4, as ${P}_l${l}_dense_backward) fused
 * with Nielsen's update of its weights, for a mini-batch that is one chunk
 * (train_batch with n <= ${chunk}): ∂C/∂w never goes to memory.
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ else
 *   δ^${l}[o] = ∂C/∂a^${l}[o] · σ'(z^${l}[o]),  ${act.ddoc}          (BP2)
@ end
 *   ∂C/∂b[o]  += Σ_s δ^${l}_s[o]                                   (BP3, into g)
@ if L.propagate then
 *   ∂C/∂a^${l-1}_s[u] = Σ_o w[o][u] · δ^${l}_s[o]   (with w before its step: first half of BP2 for layer ${l-1})
@ end
 *   w[o][u] ← decay·w[o][u] − step·Σ_s δ^${l}_s[o] · a^${l-1}_s[u]     (BP4 and the step: decay = 1 − η·λ/n_train, step = η/n)
 */
static void ${P}_l${l}_dense_step(${step_params})
{
    ptrdiff_t o, s, u;
${include("dense_delta.c.tpl", "")}
@ if one_pass then
    if (n == ${chunk}) {
        /* a whole chunk: one pass over w, 16 inputs u at a time, each
         * weight vector w[o][u..] loaded once for every product that uses
         * it (measured on nielsen1: training 1.25x faster than the two
         * passes below) */
@   for _, b in ipairs(ublocks16) do
        for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {
${include("dense_step_block.c.tpl", "            ", { UB = b.size, smp = chunk_sample })}
        }
@   end
        return;
    }
@ end
    /* a chunk's part: ∂C/∂a^${l-1} first (it reads w before the step), then
     * ∂C/∂w in blocks, each applied to w as its sums are done */
${include("dense_din_blocks.c.tpl", "")}
${include("dense_dw_blocks.c.tpl", "", { update = true })}
}

