@ local Q = pooled
@ local q = Q.index
@ local PP = Q.oh * Q.ow
@ local OHW = L.oh * L.ow
@ local kwp, ks = pooled_sizes(L)
@ local chw = L.cin * L.H * L.W
@ local sa = pool_act or act
@ local compact = keeps_nonzero
@ -- winner n of the list (kx its place): its δ d<n> and its patch t<n>
@ local function listed(n, kx)
@   return string.format("            const %s d%d = ws->wd%d[%s];\n" ..
@                        "            const %s *t%d = ws->xs%d + ws->wo%d[%s];   /* its patch */", real, n, l, kx, real, n, l, l, kx)
@ end
@ -- the sums of n winners' patches, kernel row by kernel row (row r = c*kh +
@ -- i), written out: with the rows a loop over i, gcc kept the last row's
@ -- sums on the stack (a store and a load a winner on the sums' chain);
@ -- measured on an AVX-512 Xeon, `cnngen bench`'s first conv backward:
@ -- nielsen1 6.4 -> 5.6 us, lenet5 3.1 -> 2.2, nielsen2 6.7 -> 6.2
@ local function rows(n)
@   for r = 0, L.cin * L.kh - 1 do
@     local c, i = r // L.kh, r % L.kh
@     for w = 0, n - 1 do
                s${w}[${r * kwp} + j] += d${w} * t${w}[${c * L.H * L.W + i * L.W} + j];${w == 0 and string.format("   /* s[%d][%d][j] += δ·a^%d[%d][y+%d][x+j] */", c, i, l - 1, c, i) or ""}
@     end
@   end
@ end
${include("conv_doc_backward.c.tpl", "")}
static void ${P}_l${l}_conv_backward(${bwd_params})
{
    ptrdiff_t m, c, i, j, k;
    /* Loops for an optimizing compiler, over the pool winners only: layer
     * ${q} (max-pool) passes ∂C/∂a^${l} to the unit that won each pool and 0 to
     * the others, so δ^${l} ≠ 0 only at a winner u = m${q}[k]:
${include("conv_pooled_doc.c.tpl", "")}
     * Each winner's patch is read in place, each kernel row as ${kwp} values
     * (whole vectors; the sums of the taps past the row's end are never
     * stored), from xs${l}: a^${l-1}${L.padded and " zero-padded" or ""} and ${kwp} zeros, which the last
     * position's last row reads into (measured against copying the patches
     * out first: training 1.14x for nielsen1, 1.05x for nielsen2). */
    for (k = 0; k < ${chw}; ++k) ws->xs${l}[k] = ${L.pin}[k];
    for (k = ${chw}; k < ${chw + kwp}; ++k) ws->xs${l}[k] = ${zero};
    /* map by map, two winners at a time (two chains of sums) */
    for (m = 0; m < ${L.maps}; ++m) {
        const ${Q.mask_type} *mk = w->m${q} + m*${PP};   /* winners of map m's pools */
        const ${real} *dk = w->d${q} + m*${PP};       /* ∂C/∂a^${q}[m][.] */
@ if compact then
        ptrdiff_t kept = 0;
@ end
        ${real} s0[${ks}] = { ${zero} }, s1[${ks}] = { ${zero} }, gb = ${zero};   /* s[c][i][j < ${kwp}] */
        /* each winner u = (m, y, x)'s patch, its place in xs${l}, ${cfmt.mul(L.sh * L.W, "y")} + ${cfmt.mul(L.sw, "x")},
         * and its δ, listed pool by pool first: a loop that vectorizes,
         * which takes the division and the δ out of the loop over the
         * patches (measured on an AVX-512 Xeon, in the training step:
         * nielsen1's first conv backward 1.07x, lenet5's 1.04-1.10x) */
        for (k = 0; k < ${PP}; ++k) {
            const unsigned r = (unsigned)mk[k] - (unsigned)(m*${OHW});   /* (y, x) = (r / ${L.ow}, r % ${L.ow}) */
@ if not sa.identity and not compact then
            const ${real} a = w->a${q}[m*${PP} + k];   /* a^${q} = σ(z^${l}) at the winner */
@ end
            ws->wo${l}[k] = (int)(${cfmt.mul(L.sh * L.W, "(r / " .. L.ow .. ")")} + ${cfmt.mul(L.sw, "(r % " .. L.ow .. ")")});
            ws->wd${l}[k] = ${(compact or sa.identity) and "dk[k]" or sa.d_times("dk[k]", "a")};
        }
@ if compact then
        /* δ^${l} = 0 where σ'(z) = 0 (a = 0): each winner is moved to the next
         * place and kept (the place taken) only where a > 0, so that nothing
         * branches on it, and only those winners are summed (a > 0 alone:
         * also testing δ ≠ 0 made nielsen2's first conv backward 1.25x
         * slower, measured on an AVX-512 Xeon) */
        for (k = 0; k < ${PP}; ++k) {
            const ${real} a = w->a${q}[m*${PP} + k];
            ws->wo${l}[kept] = ws->wo${l}[k];
            ws->wd${l}[kept] = ws->wd${l}[k];
            kept += a > ${zero};                 /* δ = ∂C/∂a^${q} · [a > 0] */
        }
@ end
        for (k = 0; k < ${compact and "kept - kept % 2" or (PP - PP % 2)}; k += 2) {
${listed(0, "k")}
${listed(1, "k + 1")}
            gb += d0 + d1;
            for (j = 0; j < ${kwp}; ++j) {
@ rows(2)
            }
        }
@ if compact then
        if (kept % 2 == 1) {                /* the last winner (an odd number kept) */
@ elseif PP % 2 == 1 then
        {                                   /* the last winner (an odd number of pools) */
@ end
@ if compact or PP % 2 == 1 then
${listed(0, compact and "kept - 1" or PP - 1)}
            gb += d0;
            for (j = 0; j < ${kwp}; ++j) {
@ rows(1)
            }
        }
@ end
        g[${L.boff} + m] += gb;
        for (c = 0; c < ${L.cin}; ++c)
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j)
                    g[${L.woff} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j] +=
                        s0[(c*${L.kh} + i)*${kwp} + j] + s1[(c*${L.kh} + i)*${kwp} + j];
    }
}

