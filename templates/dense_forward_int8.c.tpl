/* ---- layer ${l}: ${L.desc}; int8
 *   acc[o] = Σ_u q_w[o][u] · q(a^${l-1})[u]         (int; along the row: vectorizes)
 *   z^${l}[o] = acc[o] · c[o] + b[o],   c[o] = s_a^${l-1} · s_w[o]
@ if act.softmax then
 *   a^${l}[o] = e^{z[o] − max z} / Σ_k e^{z[k] − max z}        (softmax, in ${real})
@ else
 *   a^${l} = σ(z^${l}),  ${act.doc}
 *   ${out_doc}
@ end
 */
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    const ${in_type} *in = ${src};   /* q(a^${l-1}), flattened */
    ptrdiff_t o, u;
    for (o = 0; o < ${L.units}; ++o) {
        const signed char *wo = ${P}_l${l}_qw + o*${L.n_in};   /* q_w[o][.] */
        ${real} z;
        int acc = 0;
        for (u = 0; u < ${L.n_in}; ++u) acc += wo[u] * in[u];
        z = (${real})acc * ${P}_l${l}_c[o] + ${P}_l${l}_b[o];
@ if act.softmax then
        w->z${l}[o] = z;
@ else
        w->a${l}[o] = ${store(act.sigma("z"))};
@ end
    }
@ if act.softmax then
    {
${include("softmax.c.tpl", "        ")}
    }
@ end
}

