/* ---- the trained parameters, from ${opts.weights_source}
 * Written as hexadecimal floating constants (C99), so every value is the
 * exact ${real} that was trained. */
@ for _, L in ipairs(layers) do
@   if L.wcount > 0 then

/* layer ${L.index}, ${L.kind}: ${L.wlayout} */
static const ${real} ${P}_l${L.index}_w[${L.wcount}] = {
${values(L.woff, L.wcount)}
};
static const ${real} ${P}_l${L.index}_b[${L.bcount}] = {
${values(L.boff, L.bcount)}
};
@   end
@ end

