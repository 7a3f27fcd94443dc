@ local Q = pooled
@ local q = Q.index
@ local PP = Q.oh * Q.ow
@ local kwp, ks = pooled_sizes(L)
@ local chw = L.cin * L.H * L.W
@ local OHW = L.oh * L.ow
@ -- winner(n, kx): the declarations of winner n (pool kx of map m): its
@ -- index u in a^l, its δ and its patch: in the loop form the patch's
@ -- first tap in xs (the padded input), in the straight-line forms its row
@ -- of t.  σ'(z) at the winner comes from the pool's output a = σ(z_u)
@ -- when the pool applies this layer's σ (conv.act_at_pool).
@ local sa = pool_act or act
@ local function winner(n, kx)
@   local a = sa.identity and "" or string.format("            const %s a%d = ak[%s];\n", real, n, kx)
@   local d = sa.identity and ("dk[" .. kx .. "]") or sa.d_times("dk[" .. kx .. "]", "a" .. n)
@   local t
@   if unroll == "none" then
@     t = string.format("ws->xs%d + %s + %s;   /* its patch: a^%d[0][%s][%s] */", l,
@                       cfmt.mul(L.sh * L.W, string.format("((u%d - m*%d)/%d)", n, OHW, L.ow)),
@                       cfmt.mul(L.sw, string.format("((u%d - m*%d)%%%d)", n, OHW, L.ow)), l - 1,
@                       cfmt.mul(L.sh, "y"), cfmt.mul(L.sw, "x"))
@   else
@     t = string.format("%s + po[u%d - m*%d];   /* its patch */", L.pin, n, OHW)
@   end
@   return string.format("            const ptrdiff_t u%d = mk[%s];\n%s            const %s d%d = %s;\n" ..
@                        "            const %s *t%d = %s", n, kx, a, real, n, d, real, n, t)
@ end
static void ${P}_l${l}_conv_backward(${bwd_params})
{
@ if unroll == "none" then
    ptrdiff_t m, c, i, j, k;
    /* Loops for an optimizing compiler, over the pool winners only: layer
     * ${q} (max-pool) passes ∂C/∂a^${l} to the unit that won each pool and 0 to
     * the others, so δ^${l} ≠ 0 only at a winner u = m${q}[k]:
     *   δ^${l}[u] = ∂C/∂a^${q}[k] · σ'(z^${l}[u])                   (BP2 through the pool)
@ if not sa.identity then
     * (${sa.ddoc} with a = a^${q}[k], the pool's output: it applies this layer's σ)
@ end
     *   ∂C/∂w[m][.] += Σ_k δ^${l}[u] · (a^${l-1} patch at u)     (BP4 over the winners)
     * (a unit that wins two pools gets both sums, as in the pool's backward).
     * Each winner's patch is read in place, each kernel row as ${kwp} values
     * (whole vectors; the sums of the taps past the row's end are never
     * stored), from xs${l}: a^${l-1}${L.pad > 0 and " zero-padded" or ""} and ${kwp} zeros, which the last
     * position's last row reads into (measured against copying the patches
     * out first: training 1.14x for nielsen1, 1.05x for nielsen2). */
    for (k = 0; k < ${chw}; ++k) ws->xs${l}[k] = ${L.pin}[k];
    for (k = ${chw}; k < ${chw + kwp}; ++k) ws->xs${l}[k] = ${zero};
    /* map by map, two winners at a time (two chains of sums) */
    for (m = 0; m < ${L.maps}; ++m) {
        const ${Q.mask_type} *mk = w->m${q} + m*${PP};   /* winners of map m's pools */
        const ${real} *dk = w->d${q} + m*${PP};       /* ∂C/∂a^${q}[m][.] */
@ if not sa.identity then
        const ${real} *ak = w->a${q} + m*${PP};       /* a^${q}[m][.] = σ(z^${l}) at the winners */
@ end
        ${real} s0[${ks}] = { ${zero} }, s1[${ks}] = { ${zero} }, gb = ${zero};   /* s[c][i][j < ${kwp}] */
        for (k = 0; k < ${PP - PP % 2}; k += 2) {
${winner(0, "k")}
${winner(1, "k + 1")}
            gb += d0 + d1;
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${kwp}; ++j) {
                        s0[(c*${L.kh} + i)*${kwp} + j] += d0 * t0[c*${L.H * L.W} + i*${L.W} + j];
                        s1[(c*${L.kh} + i)*${kwp} + j] += d1 * t1[c*${L.H * L.W} + i*${L.W} + j];
                    }
        }
@ if PP % 2 == 1 then
        {                                   /* the last winner (an odd number of pools) */
${winner(0, PP - 1)}
            gb += d0;
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${kwp}; ++j)
                        s0[(c*${L.kh} + i)*${kwp} + j] += d0 * t0[c*${L.H * L.W} + i*${L.W} + j];
        }
@ end
        g[${L.boff} + m] += gb;
        for (c = 0; c < ${L.cin}; ++c)
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j)
                    g[${L.woff} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j] +=
                        s0[(c*${L.kh} + i)*${kwp} + j] + s1[(c*${L.kh} + i)*${kwp} + j];
    }
@ else
    ptrdiff_t m, oy, ox, k, v, po[${OHW}];
    /* Straight-line code for a compiler that does not optimize, over the
     * pool winners only: layer ${q} (max-pool) passes ∂C/∂a^${l} to the unit that
     * won each pool and 0 to the others, so δ^${l} ≠ 0 only at a winner u = m${q}[k]:
     *   δ^${l}[u] = ∂C/∂a^${q}[k] · σ'(z^${l}[u])                   (BP2 through the pool)
@ if not sa.identity then
     * (${sa.ddoc} with a = a^${q}[k], the pool's output: it applies this layer's σ)
@ end
     *   ∂C/∂w[m][.] += Σ_k δ^${l}[u] · (a^${l-1} patch at u)     (BP4 over the winners)
     * (a unit that wins two pools gets both sums, as in the pool's backward).
     * Each winner's patch is read in place, every tap a constant offset from
     * its first; po[p] is that first tap's offset in a^${l-1} for position p
     * (measured under tcc: training 1.02x for nielsen1 and lenet5 against
     * copying every position's patch out first). */
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) po[oy*${L.ow} + ox] = ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
    /* map by map, 4 winners a statement, the sums in the local array gl
     * (read at constant offsets of the stack frame: tcc keeps no value in a
     * register) */
    for (m = 0; m < ${L.maps}; ++m) {
        const ${Q.mask_type} *mk = w->m${q} + m*${PP};   /* winners of map m's pools */
        const ${real} *dk = w->d${q} + m*${PP};       /* ∂C/∂a^${q}[m][.] */
@ if not sa.identity then
        const ${real} *ak = w->a${q} + m*${PP};       /* a^${q}[m][.] = σ(z^${l}) at the winners */
@ end
        ${real} gl[${L.ckk}], gb = ${zero};            /* Σ δ·patch, Σ δ */
        for (v = 0; v < ${L.ckk}; ++v) gl[v] = ${zero};
        for (k = 0; k + 3 < ${PP}; k += 4) {
${winner(0, "k")}
${winner(1, "k + 1")}
${winner(2, "k + 2")}
${winner(3, "k + 3")}
            gb += d0 + d1 + d2 + d3;
${row_taps("            ", "gl[$w] = gl[$w] + d0*t0[$x] + d1*t1[$x] + d2*t2[$x] + d3*t3[$x];")}
        }
@   if PP % 4 > 0 then
        for (; k < ${PP}; ++k) {               /* the last ${PP % 4} (the pools are not a multiple of 4) */
${winner(0, "k")}
            gb += d0;
${bwd_taps("            ", "gl[$w] += d0*t0[$x];")}
        }
@   end
        g[${L.boff} + m] += gb;
        for (v = 0; v < ${L.ckk}; ++v) g[${L.woff} + m*${L.ckk} + v] += gl[v];
    }
@ end
}
