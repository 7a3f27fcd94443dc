@ -- ∂C/∂w[m+q][k+r] += Σ_p δ[m+q][p] · t[k+r][p] for MB maps x KB taps (one sample)
@ local NP = L.oh * L.ow
@ local N16 = NP - NP % 16
@ for q = 0, MB - 1 do
const ${real} *d${q} = w->d${l} + (m + ${q})*${NP};   /* δ^${l}[m+${q}][.] */
@ end
@ for r = 0, KB - 1 do
const ${real} *t${r} = ws->t${l} + (k + ${r})*${NP};   /* t${l}[k+${r}][.] */
@ end
@ for q = 0, MB - 1 do
@   for r = 0, KB - 1 do
${real} a${q}${r}[16] = { ${zero} };
@   end
@ end
ptrdiff_t u, v;
for (u = 0; u < ${N16}; u += 16)
    for (v = 0; v < 16; ++v) {
@ for q = 0, MB - 1 do
@   for r = 0, KB - 1 do
        a${q}${r}[v] += d${q}[u + v] * t${r}[u + v];
@   end
@ end
    }
@ if N16 < NP then
for (u = ${N16}; u < ${NP}; ++u) {
@   for q = 0, MB - 1 do
@     for r = 0, KB - 1 do
    a${q}${r}[u - ${N16}] += d${q}[u] * t${r}[u];
@     end
@   end
}
@ end
@ for q = 0, MB - 1 do
@   for r = 0, KB - 1 do
{
    ${real} z = ${zero};
    for (v = 0; v < 16; ++v) z += a${q}${r}[v];
    g[${L.woff} + (m + ${q})*${L.ckk} + k + ${r}] += z;
}
@   end
@ end
