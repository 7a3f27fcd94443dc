@ -- the header comment of the float dense forward forms
/* ---- layer ${l}: ${L.desc}
 *   z^${l}[o] = b[o] + Σ_u w[o][u] · a^${l-1}[u]                  (for each sample s of the chunk)
@ if act.softmax then
 *   a^${l}[o] = e^{z[o] − max z} / Σ_k e^{z[k] − max z}        (softmax; shifted by max z, same value)
@ else
 *   a^${l} = σ(z^${l}),  ${act.doc}
@ end
 * Each row w[o][.] is loaded once and used for all n samples.
 */
