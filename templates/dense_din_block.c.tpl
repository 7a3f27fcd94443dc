@ -- ∂C/∂a^{l-1}_{s+r}[u..u+UB-1] = Σ_o w[o][u..] · δ^l_{s+r}[o] for SB samples s+r
@ for r = 0, SB - 1 do
const ${real} *d${r} = w->s[s + ${r}].d${l};
${real} a${r}[${UB}];
@ end
ptrdiff_t v;
for (v = 0; v < ${UB}; ++v) {
@ for r = 0, SB - 1 do
    a${r}[v] = ${zero};
@ end
}
for (o = 0; o < ${L.units}; ++o) {
    const ${real} *wo = p + ${L.woff} + o*${L.n_in} + u;   /* w[o][u..] */
@ for r = 0, SB - 1 do
    const ${real} e${r} = d${r}[o];
@ end
    for (v = 0; v < ${UB}; ++v) {
@ for r = 0, SB - 1 do
        a${r}[v] += e${r} * wo[v];
@ end
    }
}
for (v = 0; v < ${UB}; ++v) {
@ for r = 0, SB - 1 do
    w->s[s + ${r}].d${l-1}[u + v] = a${r}[v];
@ end
}
