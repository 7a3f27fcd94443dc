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
@   if not act.softmax and not act.identity then
    for (s = 0; s < n; ++s) {                 /* a^${l} = σ(z^${l}), in one loop (vectorizes; one copy of σ) */
        ${real} *a = w->s[s].a${l};
        for (o = 0; o < ${L.units}; ++o) a[o] = ${act.sigma("a[o]")};
    }
@   end
@ else
@   if unroll == "kernel" and L.zlocal then
    /* Straight-line code for a compiler that does not optimize.  With ${zmin}
     * samples or more, ${xbw} inputs at a time: those of every sample (zeros
     * past n) copied into the local array xb, then for each unit o its ${xbw}
     * weights into wb, so that both factors of every product are read at
     * constant offsets of the stack frame (tcc keeps no value in a
     * register); the sums z^${l}_s[o] − b[o] grow in the local array zl[s][o]. */
    if (n >= ${zmin}) {
        ${real} xb[${chunk}][${xbw}], wb[${xbw}], zl[${chunk} * ${L.units}];
        ptrdiff_t v, k;
        for (k = 0; k < ${chunk * L.units}; ++k) zl[k] = ${zero};
@   for _, b in ipairs(xblocks) do
        for (u = ${b.from}; u < ${b.to}; u += ${b.size}) {          /* inputs u..u+${b.size - 1} */
            for (s = 0; s < n; ++s) {
                const ${real} *xs = ${src("s")} + u;
                for (v = 0; v < ${b.size}; ++v) xb[s][v] = xs[v];
            }
            for (; s < ${chunk}; ++s)
                for (v = 0; v < ${b.size}; ++v) xb[s][v] = ${zero};
            for (o = 0; o < ${L.units}; ++o) {
                const ${real} *wu = ${wbase} + o*${L.n_in} + u;   /* w[o][u..] */
                ${real} *zo = zl + o;                   /* zl[s][o] = zo[s*${L.units}] */
${xblock_sums("                ", b.size)}
            }
        }
@   end
        for (s = 0; s < n; ++s)
            for (o = 0; o < ${L.units}; ++o) {
                const ${real} z = ${bref("o")} + zl[s*${L.units} + o];
@   if act.softmax or L.store_z then
                w->s[s].z${l}[o] = z;
@   end
@   if not act.softmax then
                w->s[s].a${l}[o] = ${act.sigma("z")};
@   end
            }
    } else       /* fewer samples: the products straight from memory, summed
                  * as above (the same result whatever the chunk) */
@   end
@   if unroll == "full" then
    /* Straight-line code for a compiler that does not optimize: z^${l} as
     * sums of 8 products a statement, taking turns among 4 partial sums
     * (short chains of dependent additions). */
@   elseif not L.zlocal then
    /* Straight-line code for a compiler that does not optimize: z^${l} as sums
     * of ${xbw} products a statement, added as balanced trees (short chains of
     * dependent additions), in the order of the local-array form. */
@   end
    for (o = 0; o < ${L.units}; ++o) {
        const ${real} *wo = ${wbase} + o*${L.n_in};   /* w[o][.] */
        for (s = 0; s < n; ++s) {
            const ${real} *in = ${src("s")};   /* a^${l-1} of sample s, flattened */
@ if unroll == "full" then
${dot("            ")}
@ else
${xblocked_dot("            ")}
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

