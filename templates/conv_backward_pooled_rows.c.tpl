@ local Q = pooled
@ local q = Q.index
@ local PP = Q.oh * Q.ow
@ local OHW = L.oh * L.ow
@ local kwp, ks = pooled_sizes(L)
@ local chw = L.cin * L.H * L.W
@ local sa = pool_act or act
@ local nch = pooled_chains
@ -- each(fmt, sep): fmt formatted for each chain n (its %d), joined by sep
@ local function each(fmt, sep)
@   local t = {}
@   for n = 0, nch - 1 do t[#t + 1] = string.format(fmt, n) end
@   return table.concat(t, sep)
@ end
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
    /* map by map, ${nch} winners at a time: ${nch} chains of sums, ${nch} x ${ks // kwp} vectors
     * of ${kwp} in flight to hide the FMA's latency (keras' 3x3 kernels:
     * 2 chains 10.6 us a sample, 3, 4 or 6 chains 6.0-6.4, Zen 5) */
    for (m = 0; m < ${L.maps}; ++m) {
        const ${Q.mask_type} *mk = w->m${q} + m*${PP};   /* winners of map m's pools */
        const ${real} *dk = w->d${q} + m*${PP};       /* ∂C/∂a^${q}[m][.] */
        ${real} ${each("s%d[" .. ks .. "] = { " .. zero .. " }", ", ")}, gb = ${zero};   /* s[c][i][j < ${kwp}] */
        /* each winner u = (m, y, x)'s patch, its place in xs${l}, ${cfmt.mul(L.sh * L.W, "y")} + ${cfmt.mul(L.sw, "x")},
         * and its δ, listed pool by pool first: a loop that vectorizes,
         * which takes the division and the δ out of the loop over the
         * patches (measured on an AVX-512 Xeon, in the training step:
         * nielsen1's first conv backward 1.07x, lenet5's 1.04-1.10x) */
        for (k = 0; k < ${PP}; ++k) {
            const unsigned r = (unsigned)mk[k] - (unsigned)(m*${OHW});   /* (y, x) = (r / ${L.ow}, r % ${L.ow}) */
@ if not sa.identity then
            const ${real} a = w->a${q}[m*${PP} + k];   /* a^${q} = σ(z^${l}) at the winner */
@ end
            ws->wo${l}[k] = (int)(${cfmt.mul(L.sh * L.W, "(r / " .. L.ow .. ")")} + ${cfmt.mul(L.sw, "(r % " .. L.ow .. ")")});
            ws->wd${l}[k] = ${sa.identity and "dk[k]" or sa.d_times("dk[k]", "a")};
        }
@ if L.act == "relu" then
        /* under relu δ^${l} = 0 at the winners where a = 0, which add 0:
         * listing only the others (a loop that does not vectorize) cost
         * more than the sums it saves (Zen 5, first conv backward a
         * sample: nielsen2 5.2 -> 4.5 us, keras 7.6 -> 6.1 us) */
@ end
        for (k = 0; k < ${PP - PP % nch}; k += ${nch}) {
@ for n = 0, nch - 1 do
${listed(n, n == 0 and "k" or ("k + " .. n))}
@ end
            gb += ${each("d%d", " + ")};
            for (j = 0; j < ${kwp}; ++j) {
@ rows(nch)
            }
        }
@ if PP % nch == 1 then
        {                                   /* the last winner (${PP} pools) */
${listed(0, PP - 1)}
@ elseif PP % nch > 1 then
        for (k = ${PP - PP % nch}; k < ${PP}; ++k) {   /* the last ${PP % nch} winners */
${listed(0, "k")}
@ end
@ if PP % nch > 0 then
            gb += d0;
            for (j = 0; j < ${kwp}; ++j) {
@   rows(1)
            }
        }
@ end
        g[${L.boff} + m] += gb;
        for (c = 0; c < ${L.cin}; ++c)
            for (i = 0; i < ${L.kh}; ++i)
                for (j = 0; j < ${L.kw}; ++j)
                    g[${L.woff} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j] +=
                        ${each("s%d[(c*" .. L.kh .. " + i)*" .. kwp .. " + j]", " + ")};
    }
}

