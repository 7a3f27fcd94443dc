/* ---- layer ${l}: ${L.desc}
 *   z^${l}[o] = b[o] + Σ_u w[o][u] · a^${l-1}[u]                  (for each sample s of the chunk)
@ if act.softmax then
 *   a^${l}[o] = e^{z[o] − max z} / Σ_k e^{z[k] − max z}        (softmax; shifted by max z, same value)
@ else
 *   a^${l} = σ(z^${l}),  ${act.doc}
@ end
 * Each row w[o][.] is loaded once and used for all n samples.
 */
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    ptrdiff_t o, s${unroll ~= "full" and ", u" or ""};
    for (o = 0; o < ${L.units}; ++o) {
        const ${real} *wo = ${wbase} + o*${L.n_in};   /* w[o][.] */
        for (s = 0; s < n; ++s) {
            const ${real} *in = ${src("s")};   /* a^${l-1} of sample s, flattened */
            ${real} z = ${bref("o")};
@ if unroll == "full" then
${dot("            ")}
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
            w->s[s].z${l}[o] = z;
@ else
@   if L.store_z then
            w->s[s].z${l}[o] = z;
@   end
            w->s[s].a${l}[o] = ${act.sigma("z")};
@ end
        }
    }
@ if act.softmax then
    for (s = 0; s < n; ++s) {
${include("softmax.c.tpl", "        ")}
    }
@ end
}

