@ -- z^l[o+q] for OB units o+q and SB samples s+r: 16 partial sums each,
@ -- stored at sample_at(s + r) (the work struct's sample, or the team
@ -- forward's sp[s + r]).
@ local N16 = L.n_in - L.n_in % 16
@ for q = 0, OB - 1 do
const ${real} *w${q} = ${wbase} + (${OV} + ${q})*${L.n_in};   /* w[${OV}+${q}][.] */
@ end
@ for r = 0, SB - 1 do
const ${real} *i${r} = ${sums_in("s + " .. r)};   /* a^${l-1} of sample s+${r} */
@ end
@ for q = 0, OB - 1 do
@   for r = 0, SB - 1 do
${real} a${q}${r}[16] = { ${zero} };
@   end
@ end
ptrdiff_t j;
for (u = 0; u < ${N16}; u += 16)
    for (j = 0; j < 16; ++j) {
@ for q = 0, OB - 1 do
@   for r = 0, SB - 1 do
        a${q}${r}[j] += w${q}[u + j] * i${r}[u + j];
@   end
@ end
    }
@ if N16 < L.n_in then
for (u = ${N16}; u < ${L.n_in}; ++u) {
@   for q = 0, OB - 1 do
@     for r = 0, SB - 1 do
    a${q}${r}[u - ${N16}] += w${q}[u] * i${r}[u];
@     end
@   end
}
@ end
@ for q = 0, OB - 1 do
@   for r = 0, SB - 1 do
{
    ${real} z = ${bref(OV .. " + " .. q)};
    for (j = 0; j < 16; ++j) z += a${q}${r}[j];
@     if act.softmax or L.store_z then
    ${sample_at("s + " .. r)}z${l}[${OV} + ${q}] = z;
@     end
@     if not act.softmax then
    ${sample_at("s + " .. r)}a${l}[${OV} + ${q}] = z;     /* σ below */
@     end
}
@   end
@ end
