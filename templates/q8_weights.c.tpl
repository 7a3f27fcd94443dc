/* ---- the trained parameters, from ${opts.weights_source}, as int8
 * weights with their per-output scales folded into c (q8 scheme above);
 * the biases and c in hexadecimal floating constants (C99). */
@ for _, L in ipairs(layers) do
@   local q = plan.layer[L.index]
@   if q and q.qw then

/* layer ${L.index}, ${L.kind}: q_w ${L.wlayout:gsub(", b.*", "")}${q.KP > q.K and string.format(" in rows of %d (zeros past %d)", q.KP, q.K) or ""},
 * c[m] = s_a^${L.index - 1} · s_w[m], b [${L.bcount}] */
static const signed char ${P}_l${L.index}_qw[${L.bcount * q.KP}] = {
${ints(q.qw)}
};
static const ${real} ${P}_l${L.index}_c[${L.bcount}] = {
${reals(q.c)}
};
static const ${real} ${P}_l${L.index}_b[${L.bcount}] = {
${reals(q.b)}
};
@   end
@ end

