@ -- the header comment of the dense backward forms
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
