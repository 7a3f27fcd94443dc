@ local NP, NK = L.oh * L.ow, L.ckk
@ local Q = wpool
@ local q, PP = Q.index, Q.oh * Q.ow
${include("conv_doc_backward.c.tpl", "")}
${include("conv_patches_doc.c.tpl", "")}
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t s, m, oy, ox, c, i, j${L.propagate and ", k, u" or ""};
${include("conv_patches_copy.c.tpl", "")}
    /* ∂C/∂w over the pool winners alone: layer ${q} (max-pool) passes δ to the
     * unit that won each pool and 0 to the others, so (BP4)
     *   ∂C/∂w[m][k] += Σ_s Σ_{pools r of map m} δ^${l}_s[u] · t${l}_s[u][k],   u = m${q}_s[r]
     * with δ^${l}_s[u] = ∂C/∂a^${q}_s[r] · σ'(z^${l}_s[u])${pool_act and (", " .. pool_act.ddoc .. ", a = a^" .. q .. "_s[r]") or ""}
     * (a quarter of the products under 2x2 pools).  Map by map, a block of
     * taps at a time: their sums stay in registers over every winner of every
     * sample, each patch value loaded serves one product (measured on
     * nielsen2's second conv: 1.03x the training step; sample by sample,
     * with the sums loaded and stored for each, ran 2% slower). */
    for (m = 0; m < ${L.maps}; ++m) {
@ for _, b in ipairs(L.wblocks) do
@   local nv = b.size // 16
@   local gw = string.format("g[%d + m*%d + vb*16 + v]", L.woff + b.from, NK)   -- ∂C/∂w[m][from + 16vb + v]
        {                                   /* taps ${b.from}..${b.from + b.store - 1}${b.store < b.size and " (the sums past them are not stored)" or ""} */
            ${real} acc[${nv}][16];         /* ∂C/∂w[m][${b.from} + 16vb + v] */
            ptrdiff_t r, vb, v;
            for (vb = 0; vb < ${nv}; ++vb)
                for (v = 0; v < 16; ++v) acc[vb][v] = ${b.store < b.size and string.format("vb*16 + v < %d ? %s : %s", b.store, gw, zero) or gw};
            for (s = 0; s < n; ++s) {
                const ${Q.mask_type} *mk = ws->s[s].m${q} + m*${PP};   /* winners of map m's pools */
                const ${real} *dk = ws->s[s].d${q} + m*${PP};       /* ∂C/∂a^${q}_s[m][.] */
@   if pool_act then
                const ${real} *ak = ws->s[s].a${q} + m*${PP};       /* a^${q}_s[m][.] = σ(z^${l}) at the winners */
@   end
                const ${real} *ts = ws->t${l} + s*${NP * NK} + ${b.from};
                for (r = 0; r < ${PP}; ++r) {
@   if pool_act then
                    const ${real} a = ak[r], d = ${pool_act.d_times("dk[r]", "a")};
@   else
                    const ${real} d = dk[r];
@   end
                    const ${real} *t = ts + (mk[r] - m*${NP})*${NK};   /* t${l}_s[u][${b.from}..] */
                    for (vb = 0; vb < ${nv}; ++vb)
                        for (v = 0; v < 16; ++v) acc[vb][v] += d * t[vb*16 + v];
                }
            }
            for (v = 0; v < ${b.store}; ++v) g[${L.woff + b.from} + m*${NK} + v] = acc[v / 16][v % 16];
        }
@ end
    }
@ if L.propagate then
${include("conv_patches_din.c.tpl", "")}
@ end
}

