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
@ if unroll == "none" and L.n_in >= 32 then
    /* 8 units x 2 samples at a time: each weight vector loaded serves 2
     * samples, each input vector 8 units (16 partial sums each: vectorizes) */
@   for _, ob in ipairs(oblocks) do
    for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {
@     if ob.size == 2 then
        ptrdiff_t o1;
@     end
        for (s = 0; s + 1 < n; s += 2) {
${include("dense_forward_block.c.tpl", "            ", { OB = ob.size, SB = 2, OV = "o" })}
        }
@     if ob.size == 2 then
        if (s < n)           /* the last sample, unit by unit (2 units x 1 sample: gcc 12 vectorizes the wrong loop) */
            for (o1 = o; o1 < o + 2; ++o1) {
${include("dense_forward_block.c.tpl", "                ", { OB = 1, SB = 1, OV = "o1" })}
            }
@     else
        if (s < n) {         /* the last sample (n odd; inference: the only one) */
${include("dense_forward_block.c.tpl", "            ", { OB = ob.size, SB = 1, OV = "o" })}
        }
@     end
    }
@   end
@ else
    for (o = 0; o < ${L.units}; ++o) {
        const ${real} *wo = ${wbase} + o*${L.n_in};   /* w[o][.] */
        for (s = 0; s < n; ++s) {
            const ${real} *in = ${src("s")};   /* a^${l-1} of sample s, flattened */
            ${real} z = ${bref("o")};
@ if unroll == "full" then
${dot("            ")}
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
@ end
@ if act.softmax then
    for (s = 0; s < n; ++s) {
${include("softmax.c.tpl", "        ")}
    }
@ end
}

