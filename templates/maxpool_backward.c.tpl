@ if L.propagate and not done_below then
/* ---- layer ${l} backward: ${L.desc}
 * Max-pool: δ flows back only to the unit that won its pool (the pool mask):
 *   ∂C/∂a^${l-1}[u] = Σ_{k : m${l}[k] = u} ∂C/∂a^${l}[k]        (0 for units that won nothing)
 */
static void ${P}_l${l}_maxpool_backward(${bwd_params})
{
    ptrdiff_t u, k;
    for (u = 0; u < ${L.n_in}; ++u) w->d${l-1}[u] = ${zero};
    for (k = 0; k < ${L.n_out}; ++k) w->d${l-1}[w->m${l}[k]] += w->d${l}[k];
}

@ end
