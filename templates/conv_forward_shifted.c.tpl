${include("conv_doc_forward.c.tpl", "")}
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, u, v;
    ptrdiff_t c, i, j;
@ if L.padded then
    {
${include("conv_pad_copy.c.tpl", "    ", { slack = 0 })}
    }
@ end
@ local HW, XJ = L.H * L.ow, "ws->xj" .. l
    /* Loops for an optimizing compiler, over ${L.kw} copies of the input
     * shifted by a column each, xj${l}[c][j][y][x] = ${L.padded and ("x" .. l) or ("a^" .. (l - 1))}[c][y][${sx('x')}+j] (${L.ow} columns):
     * then z^${l}[m][p] = b[m] + Σ_{c,i,j} w[m][c][i][j] · xj${l}[c][j][p + ${L.ow}·i]
     * for the positions p = ${L.ow}·y + x of a map as one run of ${S.np}, so that
     * no vector lane falls past a row (a row of ${L.ow} is not whole vectors).
     * ${S.mblocks[1].size} maps x 48 positions (3 vectors) at a time, each
     * input vector loaded serving ${S.mblocks[1].size} maps and each weight 3 vectors; the
@ if S.rest > 0 then
     * last block, positions ${S.full}.., ${S.nv} vector${S.nv > 1 and "s" or ""} storing ${S.rest}${S.slack > 0 and string.format(" (xj%d has %d zeros", l, S.slack) or "."}
@   if S.slack > 0 then
     * after it for the lanes past the plane).
@   end
@ else
     * positions fill whole blocks.
@ end
     */
${include("conv_shifted_copy.c.tpl", "")}
@ -- zs(q, nv, fmt, sep): map q's nv vectors of sums, each named by fmt
@ local function zs(q, nv, fmt, sep)
@   local t = {}
@   for h = 0, nv - 1 do t[#t + 1] = string.format(fmt, q, h) end
@   return table.concat(t, sep)
@ end
@ -- block(mb, nv, store, ind): nv vectors of sums for mb maps at positions
@ -- u.., store of them stored
@ local function block(mb, nv, store, ind)
@   for q = 0, mb - 1 do
${ind}${real} ${zs(q, nv, "z%d_%d[16]", ", ")};   /* z^${l}[m+${q}][u..u+${16 * nv - 1}] */
@   end
${ind}for (v = 0; v < 16; ++v) {
@   for q = 0, mb - 1 do
${ind}    ${zs(q, nv, "z%d_%d[v]", " = ")} = ${bref("m + " .. q)};
@   end
${ind}}
${ind}for (c = 0; c < ${L.cin}; ++c)
${ind}    for (i = 0; i < ${L.kh}; ++i)
${ind}        for (j = 0; j < ${L.kw}; ++j) {
${ind}            const ${real} *in = ${XJ} + (c*${L.kw} + j)*${HW} + i*${L.ow} + u;   /* xj${l}[c][j][p + ${L.ow}·i] */
${ind}            const ${real} *wv = ${wbase} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j;     /* w[m][c][i][j] */
@   for q = 0, mb - 1 do
${ind}            const ${real} w${q} = wv[${q * L.ckk}];
@   end
${ind}            for (v = 0; v < 16; ++v) {
@   for h = 0, nv - 1 do
${ind}                const ${real} t${h} = in[${h * 16} + v];
@   end
@   for q = 0, mb - 1 do
@     for h = 0, nv - 1 do
${ind}                z${q}_${h}[v] += w${q} * t${h};
@     end
@   end
${ind}            }
${ind}        }
@   for h = 0, nv - 1 do
@     local n = math.min(16, store - 16 * h)
${ind}for (v = 0; v < ${n}; ++v) {
@     for q = 0, mb - 1 do
@       local at = string.format("(m + %d)*%d + u + %d + v", q, S.np, 16 * h)
@       if L.store_z then
${ind}    w->z${l}[${at}] = z${q}_${h}[v];
@       end
${ind}    w->a${l}[${at}] = ${act.sigma("z" .. q .. "_" .. h .. "[v]")};
@     end
${ind}}
@   end
@ end
@ for _, mb in ipairs(S.mblocks) do
    for (m = ${mb.from}; m < ${mb.to}; m += ${mb.size}) {
@   if S.full > 0 then
        for (u = 0; u < ${S.full}; u += 48) {   /* positions u..u+47 */
@     block(mb.size, 3, 48, "            ")
        }
@   end
@   if S.rest > 0 then
        u = ${S.full};                            /* positions ${S.full}..${S.np - 1} */
        {
@     block(mb.size, S.nv, S.rest, "            ")
        }
@   end
    }
@ end
}
