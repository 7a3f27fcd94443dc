${include("conv_doc_forward.c.tpl", "")}
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m${pshift and "" or ", oy, ox"};
    ptrdiff_t c, i, j;
@ if L.padded then
${include("conv_pad_copy.c.tpl", "", { slack = L.xslack })}
@ end
@ local NP, NPZ = L.oh * L.ow, L.npz
    /* Loops for an optimizing compiler, through the patches matrix t${l}:
     * z^${l}[m][p] = b[m] + Σ_k w[m][k] · t${l}[k][p]  (k = (c, i, j), p = (y, x)),
     * vectorized along p, a block's sums in registers over all k:
@ if pp2 > 0 then
     * positions 0..${pp2 - 1} go ${pm2blocks[1].size} maps x 32 positions (two vectors) at a
     * time, each pair of patch vectors loaded serving ${pm2blocks[1].size} maps and each
     * weight both vectors${#ppblocks > 0 and ";" or "."}
@ end
@ if #ppblocks > 0 then
     * ${pp2 > 0 and "the rest go " or ""}${pmblocks[1].size} maps x 16 positions at a time, each patch
     * vector loaded serving ${pmblocks[1].size} maps.
@ end
@ if not pshift then
     * The rows of t${l} are ${NPZ} long${NPZ > NP and string.format(", positions %d.. zeros whose sums are not stored", NP) or ""}.
@ end
@ local HW = L.H * L.ow
@ -- trow(u): the C of t's row (c, i, j) from position u
@ local function trow(u)
@   if pshift then
@     return string.format("ws->xj%d + (c*%d + j)*%d + i*%d + %s", l, L.kw, HW, L.ow, u)
@   end
@   return string.format("ws->t%d + ((c*%d + i)*%d + j)*%d + %s", l, L.kh, L.kw, NPZ, u)
@ end
@ if pshift then
     * Row k = (c, i, j) of t${l} is read in place from ${L.kw} copies of the input
     * shifted by a column each, xj${l}[c][j][y][x] = ${L.padded and ("x" .. l) or ("a^" .. (l - 1))}[c][y][${sx('x')}+j] (${L.ow} columns):
     * t${l}[(c, i, j)][p] = xj${l}[c][j][p + ${L.ow}·i]${NPZ > NP and "; positions " .. NP .. ".." .. (NPZ - 1) .. ", whose" or "."}
@   if NPZ > NP then
     * sums are not stored, read on into the next rows (xj${l} has ${NPZ - NP} zeros after it).
@   end
     */
${include("conv_shifted_copy.c.tpl", "")}
@ else
     */
    for (c = 0; c < ${L.cin}; ++c)
        for (i = 0; i < ${L.kh}; ++i)
            for (j = 0; j < ${L.kw}; ++j) {
                ${real} *t = ws->t${l} + ((c*${L.kh} + i)*${L.kw} + j)*${NPZ};
                for (oy = 0; oy < ${L.oh}; ++oy)
                    for (ox = 0; ox < ${L.ow}; ++ox)
                        t[oy*${L.ow} + ox] = ${L.pin}[c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + ${sx('ox')} + j];
@   if NPZ > NP then
                for (ox = ${NP}; ox < ${NPZ}; ++ox) t[ox] = ${zero};
@   end
            }
@ end
@ if pp2 > 0 then
@   for _, mb in ipairs(pm2blocks) do
    for (m = ${mb.from}; m < ${mb.to}; m += ${mb.size}) {
        ptrdiff_t u, v;
        for (u = 0; u < ${pp2}; u += 32) {   /* positions u..u+31 */
@     for q = 0, mb.size - 1 do
            ${real} z${q}a[16], z${q}b[16];     /* z^${l}[m+${q}][u..u+15], [u+16..u+31] */
@     end
            for (v = 0; v < 16; ++v) {
@     for q = 0, mb.size - 1 do
                z${q}a[v] = z${q}b[v] = ${bref("m + " .. q)};
@     end
            }
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) {
                        const ${real} *t = ${trow("u")};
                        const ${real} *wk = ${wbase} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j;   /* w[m][c][i][j] */
@     for q = 0, mb.size - 1 do
                        const ${real} w${q} = wk[${q * L.ckk}];
@     end
                        for (v = 0; v < 16; ++v) {
                            const ${real} ta = t[v], tb = t[16 + v];
@     for q = 0, mb.size - 1 do
                            z${q}a[v] += w${q} * ta;
                            z${q}b[v] += w${q} * tb;
@     end
                        }
                    }
            for (v = 0; v < 16; ++v) {
@     for q = 0, mb.size - 1 do
@       for h, nm in ipairs({ "a", "b" }) do
@         local at = string.format("(m + %d)*%d + u + %d + v", q, NP, (h - 1) * 16)
@         if L.store_z then
                w->z${l}[${at}] = z${q}${nm}[v];
@         end
                w->a${l}[${at}] = ${act.sigma("z" .. q .. nm .. "[v]")};
@       end
@     end
            }
        }
    }
@   end
@ end
@ for _, mb in ipairs(pmblocks) do
@   if #ppblocks > 0 then
    for (m = ${mb.from}; m < ${mb.to}; m += ${mb.size}) {
        ptrdiff_t q, u, v;
@   for _, pb in ipairs(ppblocks) do
        for (u = ${pb.from}; u < ${pb.to}; u += ${pb.size}) {   /* positions u..u+${pb.size - 1} */
            ${real} z[${mb.size}][${pb.size}];                  /* z^${l}[m..m+${mb.size - 1}][u..u+${pb.size - 1}] */
            for (q = 0; q < ${mb.size}; ++q)
                for (v = 0; v < ${pb.size}; ++v) z[q][v] = ${bref("m + q")};
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) {
                        const ${real} *t = ${trow("u")};
                        const ${real} *wk = ${wbase} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j;   /* w[m][c][i][j] */
                        ${real} wq[${mb.size}];
                        for (q = 0; q < ${mb.size}; ++q) wq[q] = wk[q*${L.ckk}];
                        for (v = 0; v < ${pb.size}; ++v) {
                            const ${real} tv = t[v];
                            for (q = 0; q < ${mb.size}; ++q) z[q][v] += wq[q] * tv;
                        }
                    }
            for (q = 0; q < ${mb.size}; ++q)
                for (v = 0; v < ${pb.store}; ++v) {
@     if L.store_z then
                    w->z${l}[(m + q)*${NP} + u + v] = z[q][v];
@     end
                    w->a${l}[(m + q)*${NP} + u + v] = ${act.sigma("z[q][v]")};
                }
        }
@   end
    }
@   end
@ end
}
