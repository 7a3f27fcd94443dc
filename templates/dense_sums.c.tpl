@ -- z^l = b + Σ_u w[o][u]·a^{l-1}[u] unit by unit, for each sample, from memory
@ -- (sum(indent): the C of the sum z), then a^l = σ(z^l)
    for (o = 0; o < ${L.units}; ++o) {
        const ${real} *wo = ${wbase} + o*${L.n_in};   /* w[o][.] */
        for (s = 0; s < n; ++s) {
            const ${real} *in = ${src("s")};   /* a^${l-1} of sample s, flattened */
${sum("            ")}
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
