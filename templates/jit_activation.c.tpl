
/* ---- cnngen report's read-out: after a forward pass, a^l of the sample
 * into out (the layer's values, [c][h][w] order); returns how many, 0 for
 * no layer l (1-based).  A conv whose max-pool applies its σ holds z^l:
 * σ is applied here. */
size_t ${P}_jit_activation(const ${P}_work *w, int l, ${real} *out);
size_t ${P}_jit_activation(const ${P}_work *w, int l, ${real} *out)
{
    ptrdiff_t u;
    switch (l) {
@ for _, r in ipairs(activations) do
    case ${r.l}:
        for (u = 0; u < ${r.count}; ++u) {
            const ${real} z = w->s[0].a${r.l}[u];
            out[u] = ${r.value};
        }
        return ${r.count};
@ end
    default:
        return 0;
    }
}
