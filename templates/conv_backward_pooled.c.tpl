@ local Q = pooled
@ local q = Q.index
@ local PP = Q.oh * Q.ow
@ local kwp, ks, ka = pooled_sizes(L)
@ local chw = L.cin * L.H * L.W
@ -- winner(n, kx, stride): the declarations of winner n (pool kx of map
@ -- m): its index u in a^l, its δ and its patch row (stride values a
@ -- position).  σ'(z) at the winner comes from the pool's output a = σ(z_u)
@ -- when the pool applies this layer's σ (conv.act_at_pool).
@ local sa = pool_act or act
@ local function winner(n, kx, stride)
@   local a = sa.identity and "" or string.format("            const %s a%d = ak[%s];\n", real, n, kx)
@   local d = sa.identity and ("dk[" .. kx .. "]") or sa.d_times("dk[" .. kx .. "]", "a" .. n)
@   return string.format("            const ptrdiff_t u%d = mk[%s];\n%s            const %s d%d = %s;\n" ..
@                        "            const %s *t%d = ws->t%d + (u%d - m*%d)*%d;", n, kx, a, real, n, d,
@                        real, n, l, n, L.oh * L.ow, stride or ks)
@ end
static void ${P}_l${l}_conv_backward(${bwd_params})
{
@ if unroll == "none" then
    ptrdiff_t m, oy, ox, c, i, j, k, v;
    /* Loops for an optimizing compiler, over the pool winners only: layer
     * ${q} (max-pool) passes ∂C/∂a^${l} to the unit that won each pool and 0 to
     * the others, so δ^${l} ≠ 0 only at a winner u = m${q}[k]:
     *   δ^${l}[u] = ∂C/∂a^${q}[k] · σ'(z^${l}[u])                   (BP2 through the pool)
@ if not sa.identity then
 * (${sa.ddoc} with a = a^${q}[k], the pool's output: it applies this layer's σ)
@ end
     *   ∂C/∂w[m][.] += Σ_k δ^${l}[u] · (a^${l-1} patch at u)     (BP4 over the winners)
     * (a unit that wins two pools gets both sums, as in the pool's backward).
     * First the patch of every position, each kernel row padded to ${kwp}
     * values (whole vectors; the taps past the row's end are never stored): */
    for (k = 0; k < ${chw}; ++k) ws->xs${l}[k] = ${L.pin}[k];
    for (k = ${chw}; k < ${chw + kwp}; ++k) ws->xs${l}[k] = ${zero};
@ if ka > ks then
    for (k = 0; k < ${ka - ks}; ++k) ws->t${l}[${L.oh * L.ow * ks} + k] = ${zero};   /* read by the last position's sums */
@ end
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) {
            ${real} *t = ws->t${l} + (oy*${L.ow} + ox)*${ks};   /* t${l}[oy][ox][.] */
            const ${real} *in = ws->xs${l} + ${cfmt.mul(L.sh * L.W, "oy")} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${kwp}; ++j)
                        t[(c*${L.kh} + i)*${kwp} + j] = in[c*${L.H * L.W} + i*${L.W} + j];
        }
    /* then map by map, two winners at a time (two chains of sums) */
    for (m = 0; m < ${L.maps}; ++m) {
        const ${Q.mask_type} *mk = w->m${q} + m*${PP};   /* winners of map m's pools */
        const ${real} *dk = w->d${q} + m*${PP};       /* ∂C/∂a^${q}[m][.] */
@ if not sa.identity then
        const ${real} *ak = w->a${q} + m*${PP};       /* a^${q}[m][.] = σ(z^${l}) at the winners */
@ end
        ${real} s0[${ka}] = { ${zero} }, s1[${ka}] = { ${zero} }, gb = ${zero};
        for (k = 0; k < ${PP - PP % 2}; k += 2) {
${winner(0, "k")}
${winner(1, "k + 1")}
            gb += d0 + d1;
            for (v = 0; v < ${ka}; v += 16)
                for (j = 0; j < 16; ++j) {
                    s0[v + j] += d0 * t0[v + j];
                    s1[v + j] += d1 * t1[v + j];
                }
        }
@ if PP % 2 == 1 then
        {                                   /* the last winner (an odd number of pools) */
${winner(0, PP - 1)}
            gb += d0;
            for (v = 0; v < ${ka}; v += 16)
                for (j = 0; j < 16; ++j) s0[v + j] += d0 * t0[v + j];
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
    ptrdiff_t m, oy, ox, k, v;
    /* Straight-line code for a compiler that does not optimize, over the
     * pool winners only: layer ${q} (max-pool) passes ∂C/∂a^${l} to the unit that
     * won each pool and 0 to the others, so δ^${l} ≠ 0 only at a winner u = m${q}[k]:
     *   δ^${l}[u] = ∂C/∂a^${q}[k] · σ'(z^${l}[u])                   (BP2 through the pool)
@ if not sa.identity then
 * (${sa.ddoc} with a = a^${q}[k], the pool's output: it applies this layer's σ)
@ end
     *   ∂C/∂w[m][.] += Σ_k δ^${l}[u] · (a^${l-1} patch at u)     (BP4 over the winners)
     * (a unit that wins two pools gets both sums, as in the pool's backward).
     * First the patch of every position, t${l}[y][x][c][i][j], at the kernel's
     * constant offsets: */
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) {
            ${real} *t = ws->t${l} + (oy*${L.ow} + ox)*${L.ckk};
            const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
${patch_copy("            ")}
        }
    /* then map by map, 4 winners a statement, the sums in the local array gl
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
${winner(0, "k", L.ckk)}
${winner(1, "k + 1", L.ckk)}
${winner(2, "k + 2", L.ckk)}
${winner(3, "k + 3", L.ckk)}
            gb += d0 + d1 + d2 + d3;
@   for v = 0, L.ckk - 1 do
            gl[${v}] = gl[${v}] + d0*t0[${v}] + d1*t1[${v}] + d2*t2[${v}] + d3*t3[${v}];
@   end
        }
@   if PP % 4 > 0 then
        for (; k < ${PP}; ++k) {               /* the last ${PP % 4} (the pools are not a multiple of 4) */
${winner(0, "k", L.ckk)}
            gb += d0;
${bwd_taps("            ", "gl[$w] += d0*t0[$w];")}
        }
@   end
        g[${L.boff} + m] += gb;
        for (v = 0; v < ${L.ckk}; ++v) g[${L.woff} + m*${L.ckk} + v] += gl[v];
    }
@ end
}
