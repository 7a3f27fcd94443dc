/* ---- layer ${l}: ${L.desc}
 *   z^${l}[o] = b[o] + Σ_u w[o][u] · a^${l-1}[u]
@ if act.softmax then
 *   a^${l}[o] = e^{z[o] − max z} / Σ_k e^{z[k] − max z}        (softmax; shifted by max z, same value)
@ else
 *   a^${l} = σ(z^${l}),  ${act.doc}
@ end
 */
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    const ${real} *in = ${L.src};   /* a^${l-1}, flattened */
    ptrdiff_t o${unroll ~= "full" and ", u" or ""};
@ if act.softmax then
    ${real} zmax, sum = ${zero};
@ end
    for (o = 0; o < ${L.units}; ++o) {
        const ${real} *wo = ${wbase} + o*${L.n_in};   /* w[o][.] */
        ${real} z = ${bref("o")};
@ if unroll == "full" then
${dot("        ")}
@ elseif L.n_in >= 32 then
        ${real} acc[16] = { ${zero} };   /* 16 partial sums: independent chains a compiler can vectorize */
        ptrdiff_t j;
        for (u = 0; u < ${L.n_in - L.n_in % 16}; u += 16)
            for (j = 0; j < 16; ++j) acc[j] += wo[u + j] * in[u + j];
@   if L.n_in % 16 ~= 0 then
        for (u = ${L.n_in - L.n_in % 16}; u < ${L.n_in}; ++u) acc[u - ${L.n_in - L.n_in % 16}] += wo[u] * in[u];
@   end
        for (j = 0; j < 16; ++j) z += acc[j];
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

