/* ---- layer ${l}: ${L.desc}
 *   z^${l}[o] = b[o] + Σ_u w[o][u] · a^${l-1}[u]
@ if act.softmax then
 *   a^${l}[o] = e^{z[o] − max z} / Σ_k e^{z[k] − max z}        (softmax; shifted by max z, same value)
@ else
 *   a^${l} = σ(z^${l}),  ${act.doc}
@ end
 */
static void ${P}_l${l}_dense_forward(const ${real} *restrict p, ${L.src == "x" and ("const " .. real .. " *restrict x, ") or ""}${P}_work *restrict w)
{
    const ${real} *in = ${L.src};   /* a^${l-1}, flattened */
    ptrdiff_t o${unroll ~= "full" and ", u" or ""};
@ if act.softmax then
    ${real} zmax, sum = ${zero};
@ end
    for (o = 0; o < ${L.units}; ++o) {
        const ${real} *wo = p + ${L.woff} + o*${L.n_in};   /* w[o][.] */
        ${real} z = p[${L.boff} + o];
@ if unroll == "full" then
${dot("        ")}
@ else
        for (u = 0; u < ${L.n_in}; ++u) z += wo[u] * in[u];
@ end
@ if act.softmax then
        w->z${l}[o] = z;
@ else
@   if L.store_z then
        w->z${l}[o] = z;
@   end
        w->a${l}[o] = ${act.sigma("z")};
@ end
    }
@ if act.softmax then
    zmax = w->z${l}[0];
    for (o = 1; o < ${L.units}; ++o) if (w->z${l}[o] > zmax) zmax = w->z${l}[o];
    for (o = 0; o < ${L.units}; ++o) sum += w->a${l}[o] = ${fn("exp")}(w->z${l}[o] - zmax);
    for (o = 0; o < ${L.units}; ++o) w->a${l}[o] /= sum;
@ end
}

