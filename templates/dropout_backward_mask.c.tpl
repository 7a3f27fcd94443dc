/* ---- layer ${l} backward: ${L.desc}
 * δ flows back through the kept units alone, scaled as the forward scaled them:
 *   ∂C/∂a^${l-1}[u] = m${l}[u] · ∂C/∂a^${l}[u] / (1 − p)        (0 for a dropped unit)
 */
static void ${P}_l${l}_dropout_backward(${bwd_params})
{
    ptrdiff_t u;
    for (u = 0; u < ${L.n_out}; ++u) w->d${l-1}[u] = w->m${l}[u] ? w->d${l}[u] * ${scale} : ${zero};
}

