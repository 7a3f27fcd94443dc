/* ---- layer ${l} backward: ${L.desc}
 * Max-pool: δ flows back only to the unit that won its pool (the pool mask):
@ if pool_act then
 *   δ^${l-1}[u] = Σ_{k : m${l}[k] = u} ∂C/∂a^${l}[k] · σ'(z^${l-1}[u])   (0 for units that won nothing)
 * with σ' of the conv below, whose σ is applied here: ${pool_act.ddoc}, a = a^${l}[k]
 * (the σ of the winner's z).  So the conv's δ is computed here, at the winners alone.
@ else
 *   ∂C/∂a^${l-1}[u] = Σ_{k : m${l}[k] = u} ∂C/∂a^${l}[k]        (0 for units that won nothing)
@ end
 */
static void ${P}_l${l}_maxpool_backward(${bwd_params})
{
    ptrdiff_t u, k;
    for (u = 0; u < ${L.n_in}; ++u) w->d${l-1}[u] = ${zero};
@ if pool_act then
    for (k = 0; k < ${L.n_out}; ++k) {
        const ${real} a = w->a${l}[k];
        w->d${l-1}[w->m${l}[k]] += ${pool_act.d_times("w->d" .. l .. "[k]", "a")};
    }
@ else
    for (k = 0; k < ${L.n_out}; ++k) w->d${l-1}[w->m${l}[k]] += w->d${l}[k];
@ end
}

