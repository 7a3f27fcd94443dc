@ -- one block of UB inputs u for the units o0 <= o < o1, the chunk's samples
@ -- written out: i<s> = a^{l-1}_s[u..], a<s> = ∂C/∂a^{l-1}_s[u..] summed over
@ -- those units in registers, then stored at dst[s][u..]; sp[s]: sample s of
@ -- the batch
ptrdiff_t v;
@ for s = 0, chunk - 1 do
${real} i${s}[${UB}]${L.propagate and (", a" .. s .. "[" .. UB .. "]") or ""};
@ end
@ for s = 0, chunk - 1 do
const ${real} *d${s} = sp[${s}]->d${l};
@ end
for (v = 0; v < ${UB}; ++v) {
@ for s = 0, chunk - 1 do
    i${s}[v] = ${src_at(s, "u + v")};${L.propagate and (" a" .. s .. "[v] = " .. zero .. ";") or ""}
@ end
}
for (o = o0; o < o1; ++o) {
    ${real} *wo = p + ${L.woff} + o*${L.n_in} + u;   /* w[o][u..] */
@ for s = 0, chunk - 1 do
    const ${real} e${s} = d${s}[o];
@ end
    for (v = 0; v < ${UB}; ++v) {
        const ${real} wv = wo[v];
@ if L.propagate then
@   for s = 0, chunk - 1 do
        a${s}[v] += e${s} * wv;
@   end
@ end
        wo[v] = decay * wv - step * (${gsum});
    }
}
@ if L.propagate then
for (v = 0; v < ${UB}; ++v) {
@   for s = 0, chunk - 1 do
    dst[${s}][u + v] = a${s}[v];
@   end
}
@ end
