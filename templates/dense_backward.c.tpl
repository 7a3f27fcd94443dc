/* ---- layer ${l} backward: ${L.desc}
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ else
 *   δ^${l}[o] = ∂C/∂a^${l}[o] · σ'(z^${l}[o]),  ${act.ddoc}          (BP2)
@ end
 *   ∂C/∂b[o]    += δ^${l}[o]                                      (BP3)
 *   ∂C/∂w[o][u] += δ^${l}[o] · a^${l-1}[u]                            (BP4)
@ if L.propagate then
 *   ∂C/∂a^${l-1}[u] = Σ_o w[o][u] · δ^${l}[o]   ((w^${l})^T δ^${l}: first half of BP2 for layer ${l-1})
@ else
 * Layer ${l} reads the network input: no δ^${l-1} is propagated.
@ end
 */
static void ${P}_l${l}_dense_backward(${L.propagate and ("const " .. real .. " *restrict p, ") or ""}${L.src == "x" and ("const " .. real .. " *restrict x, ") or ""}${P}_work *restrict w, ${real} *restrict g)
{
    const ${real} *in = ${L.src};   /* a^${l-1}, flattened */
    ptrdiff_t o${unroll ~= "full" and ", u" or ""};
@ if L.propagate and unroll == "full" then
    ptrdiff_t u;
@ end
@ if L.propagate then
    for (u = 0; u < ${L.n_in}; ++u) w->d${l-1}[u] = ${zero};
@ end
    for (o = 0; o < ${L.units}; ++o) {
@ if L.propagate then
        const ${real} *wo = p + ${L.woff} + o*${L.n_in};   /* w[o][.] */
        ${real} *din = w->d${l-1};
@ end
        ${real} *gw = g + ${L.woff} + o*${L.n_in};         /* ∂C/∂w[o][.] */
@ if L.delta_given or act.identity then
        ${real} d = w->d${l}[o];
@ else
        ${real} a = w->a${l}[o];
        ${real} d = ${act.d_times("w->d" .. l .. "[o]", "a")};
        w->d${l}[o] = d;
@ end
        g[${L.boff} + o] += d;
@ if unroll == "full" then
${unrolled("        ", "gw[$u] += d*in[$u];")}
@   if L.propagate then
${unrolled("        ", "din[$u] += d*wo[$u];")}
@   end
@ else
        for (u = 0; u < ${L.n_in}; ++u) gw[u] += d * in[u];
@   if L.propagate then
        for (u = 0; u < ${L.n_in}; ++u) din[u] += d * wo[u];
@   end
@ end
    }
}

