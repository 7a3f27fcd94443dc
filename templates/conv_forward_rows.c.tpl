${include("conv_doc_forward.c.tpl", "")}
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, oy, ox;
    ptrdiff_t c, i, j;
@ if L.padded then
${include("conv_pad_copy.c.tpl", "", { slack = L.xslack })}
@ elseif L.rowcopy then
${include("conv_row_copy.c.tpl", "")}
@ end
@ local RB = frb
@ -- zr(q, r): the row of sums of map m+q, output row oy+r
@ local function zr(q, r) return RB > 1 and ("z[" .. q .. "][" .. r .. "]") or ("z[" .. q .. "]") end
@ if RB > 1 then
    /* Loops for an optimizing compiler: ${fmb} maps x ${RB} output rows of
     * sums at a time; the innermost loop runs along the rows (vectorizes),
     * every input value loaded serves ${fmb} maps, every weight ${RB} rows.
@ else
    /* Loops for an optimizing compiler: ${fmb} maps at a time, one output
     * row of sums each; the innermost loop runs along the row (vectorizes)
     * and every input value loaded serves ${fmb} maps.
@ end
@ if L.rowcopy and RB == 1 and L.oh > 1 then
     * The rows of sums are ${L.owz} long, whole vectors (xr${l} has ${L.xslack} zeros
     * after it for their reads past a row).  They are stored whole but for
     * a map's last row: the ${L.owz - L.ow} sums past a row land on the next row's
     * start, which that row's own stores overwrite.
@ elseif L.owz > L.ow then
     * The rows of sums are ${L.owz} long, whole vectors (the sums past ${L.ow} are
     * never stored; x${L.rowcopy and "r" or ""}${l} has ${L.xslack} zeros after it for their reads).
@ end
     */
    for (m = 0; m < ${L.maps}; m += ${fmb})
        for (oy = 0; oy < ${L.oh}; ${RB > 1 and ("oy += " .. RB) or "++oy"}) {
            ${real} z[${fmb}]${RB > 1 and ("[" .. RB .. "]") or ""}[${L.owz}];                  /* z^${l}[m..m+${fmb - 1}][oy${RB > 1 and (".." .. "oy+" .. (RB - 1)) or ""}][.] */
            ptrdiff_t q;
            for (q = 0; q < ${fmb}; ++q)
@ if RB == 1 then
                for (ox = 0; ox < ${L.owz}; ++ox) z[q][ox] = ${bref("m + q")};
@ else
                for (ox = 0; ox < ${L.owz}; ++ox) {
@   for r = 0, RB - 1 do
                    ${zr("q", r)}[ox] = ${bref("m + q")};
@   end
                }
@ end
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) {
                        const ${real} *in = ${fin} + c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + j;   /* a^${l-1}[c][${sy('oy')}+i][j] */
                        const ${real} *wv = ${wbase} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j;     /* w[m][c][i][j] */
                        for (ox = 0; ox < ${L.owz}; ++ox) {
@ if RB == 1 then
                            const ${real} v = in[${sx('ox')}];
@ else
@   for r = 0, RB - 1 do
                            const ${real} v${r} = in[${r * L.sh * L.W} + ${sx('ox')}];   /* row oy+${r} */
@   end
@ end
@ for q = 0, fmb - 1 do
@   for r = 0, RB - 1 do
                            ${zr(q, r)}[ox] += wv[${q * L.ckk}] * v${RB > 1 and r or ""};
@   end
@ end
                        }
                    }
@ -- store(width, indent): the block's rows of sums, width values each
@ local function store(width, ind)
${ind}for (q = 0; q < ${fmb}; ++q)
${ind}    for (ox = 0; ox < ${width}; ++ox) {
@   for r = 0, RB - 1 do
@     local at = "(m + q)*" .. (L.oh * L.ow) .. " + " .. (RB > 1 and ("(oy + " .. r .. ")") or "oy") .. "*" .. L.ow .. " + ox"
@     if L.store_z then
${ind}        w->z${l}[${at}] = ${zr("q", r)}[ox];
@     end
${ind}        w->a${l}[${at}] = ${act.sigma(zr("q", r) .. "[ox]")};
@   end
${ind}    }
@ end
@ -- whole-vector stores with the copy xr<l> alone: for the padded copy's
@ -- rows (lenet5's first conv, 28 -> 32) they measured 1.03x slower
@ if RB == 1 and L.rowcopy and L.oh > 1 then
            if (oy < ${L.oh - 1}) {
@   store(L.owz, "                ")
            } else {                          /* a map's last row: ${L.ow} values */
@   store(L.ow, "                ")
            }
@ else
@   store(L.ow, "            ")
@ end
        }
}

