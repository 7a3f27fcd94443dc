/* ---- layer ${l}: ${L.desc}
 *   z^${l}[m][y][x] = b[m] + Σ_{c,i,j} w[m][c][i][j] · a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]
@ if pool_act then
 *   a^${l} = σ(z^${l}),  ${pool_act.doc}: applied by the max-pool above (layer ${l + 1}), as
 *   max σ(z) = σ(max z) for a σ that never decreases: once per pool, not once
 *   per unit.  Here a${l} holds z^${l}.
@ else
 *   a^${l} = σ(z^${l}),  ${act.doc}
@ end
@ if L.pad > 0 then
 * a^${l-1} is read through x${l}, a copy with ${L.pad} rows and columns of zeros
 * around it, so every kernel tap has a constant offset.
@ end
 */
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, oy, ox;
@ if unroll == "none" then
    ptrdiff_t c, i, j;
@ end
@ if L.pad > 0 then
    ptrdiff_t u, pc, py, px;
    for (u = 0; u < ${L.cin * L.H * L.W + (unroll == "none" and L.xslack or 0)}; ++u) w->x${l}[u] = ${zero};
    for (pc = 0; pc < ${L.cin}; ++pc)                 /* x${l}[c][${L.pad}+y][${L.pad}+x] = a^${l-1}[c][y][x] */
        for (py = 0; py < ${L.h}; ++py)
            for (px = 0; px < ${L.w}; ++px)
                w->x${l}[pc*${L.H * L.W} + (py + ${L.pad})*${L.W} + px + ${L.pad}] = ${L.src}[pc*${L.h * L.w} + py*${L.w} + px];
@ end
@ if unroll == "none" and L.im2col then
    /* Loops for an optimizing compiler, through the patches matrix t${l}:
     * z^${l}[m][p] = b[m] + Σ_k w[m][k] · t${l}[k][p]  (k = (c, i, j), p = (y, x));
     * ${L.gmb} maps x 16 positions at a time: their sums stay in registers
     * over all k, each patch vector loaded serves ${L.gmb} maps (vectorizes along p). */
    for (c = 0; c < ${L.cin}; ++c)
        for (i = 0; i < ${L.kh}; ++i)
            for (j = 0; j < ${L.kw}; ++j)
                for (oy = 0; oy < ${L.oh}; ++oy)
                    for (ox = 0; ox < ${L.ow}; ++ox)
                        ws->t${l}[((c*${L.kh} + i)*${L.kw} + j)*${L.oh * L.ow} + oy*${L.ow} + ox] =
                            ${L.pin}[c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + ${sx('ox')} + j];
    for (m = 0; m < ${L.maps}; m += ${L.gmb}) {
        ptrdiff_t q, k, u, v;
@   for _, pb in ipairs(L.pblocks) do
        for (u = ${pb.from}; u < ${pb.to}; u += ${pb.size}) {   /* positions u..u+${pb.size - 1} */
            ${real} z[${L.gmb}][${pb.size}];                  /* z^${l}[m..m+${L.gmb - 1}][u..u+${pb.size - 1}] */
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${pb.size}; ++v) z[q][v] = ${bref("m + q")};
            for (k = 0; k < ${L.ckk}; ++k) {
                const ${real} *t = ws->t${l} + k*${L.oh * L.ow} + u;
                const ${real} *wk = ${wbase} + m*${L.ckk} + k;              /* w[m][k] */
                ${real} wq[${L.gmb}];
                for (q = 0; q < ${L.gmb}; ++q) wq[q] = wk[q*${L.ckk}];
                for (v = 0; v < ${pb.size}; ++v) {
                    const ${real} tv = t[v];
                    for (q = 0; q < ${L.gmb}; ++q) z[q][v] += wq[q] * tv;
                }
            }
            for (q = 0; q < ${L.gmb}; ++q)
                for (v = 0; v < ${pb.size}; ++v) {
@     if L.store_z then
                    w->z${l}[(m + q)*${L.oh * L.ow} + u + v] = z[q][v];
@     end
                    w->a${l}[(m + q)*${L.oh * L.ow} + u + v] = ${act.sigma("z[q][v]")};
                }
        }
@   end
    }
@ elseif unroll == "none" then
    /* Loops for an optimizing compiler: ${L.mb} maps at a time, one output
     * row of sums each; the innermost loop runs along the row (vectorizes)
     * and every input value loaded serves ${L.mb} maps.
@   if L.owz > L.ow then
     * The rows of sums are ${L.owz} long, whole vectors (the sums past ${L.ow} are
     * never stored; x${l} has ${L.xslack} zeros after it for their reads).
@   end
     */
    for (m = 0; m < ${L.maps}; m += ${L.mb})
        for (oy = 0; oy < ${L.oh}; ++oy) {
            ${real} z[${L.mb}][${L.owz}];                  /* z^${l}[m..m+${L.mb - 1}][oy][.] */
            ptrdiff_t q;
            for (q = 0; q < ${L.mb}; ++q)
                for (ox = 0; ox < ${L.owz}; ++ox) z[q][ox] = ${bref("m + q")};
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) {
                        const ${real} *in = ${L.pin} + c*${L.H * L.W} + (${sy('oy')} + i)*${L.W} + j;   /* a^${l-1}[c][${sy('oy')}+i][j] */
                        const ${real} *wv = ${wbase} + m*${L.ckk} + (c*${L.kh} + i)*${L.kw} + j;     /* w[m][c][i][j] */
                        for (ox = 0; ox < ${L.owz}; ++ox) {
                            const ${real} v = in[${sx('ox')}];
@   for q = 0, L.mb - 1 do
                            z[${q}][ox] += wv[${q * L.ckk}] * v;
@   end
                        }
                    }
            for (q = 0; q < ${L.mb}; ++q)
                for (ox = 0; ox < ${L.ow}; ++ox) {
@   if L.store_z then
                    w->z${l}[(m + q)*${L.oh * L.ow} + oy*${L.ow} + ox] = z[q][ox];
@   end
                    w->a${l}[(m + q)*${L.oh * L.ow} + oy*${L.ow} + ox] = ${act.sigma("z[q][ox]")};
                }
        }
@ elseif L.pmajor then
    /* Straight-line code for a compiler that does not optimize, position by
     * position: the weights of all ${L.maps} maps and the patch of a^${l-1} under
     * the kernel are copied into local arrays, so that both factors of every
     * product are read at constant offsets of the stack frame (tcc keeps no
     * value in a register; measured on nielsen1's conv: 1.3x the map-by-map
     * form below, which a layer with more than ${pmajor_max} weights takes). */
    ${real} wl[${L.maps * L.ckk}], bl[${L.maps}], t[${L.ckk}];   /* w, b, the patch t[c][i][j] */
    const ${real} *wp = ${wbase};
    ptrdiff_t k;
    for (k = 0; k < ${L.maps * L.ckk}; ++k) wl[k] = wp[k];
    for (m = 0; m < ${L.maps}; ++m) bl[m] = ${bref("m")};
    for (oy = 0; oy < ${L.oh}; ++oy)
        for (ox = 0; ox < ${L.ow}; ++ox) {
            const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
            ${real} *a = w->a${l} + oy*${L.ow} + ox;   /* a^${l}[0][oy][ox] */
@   if L.store_z then
            ${real} *zo = w->z${l} + oy*${L.ow} + ox;
@   end
@   if act.identity and not L.store_z then
${patch_copy("            ")}
@     for m = 0, L.maps - 1 do
${pm_map_sum("            ", m, "a[" .. m * L.oh * L.ow .. "]")}
@     end
@   else
            ${real} zl[${L.maps}];   /* zl[m] = z^${l}[m][oy][ox] */
${patch_copy("            ")}
@     for m = 0, L.maps - 1 do
${pm_map_sum("            ", m, "zl[" .. m .. "]")}
@     end
            /* a^${l} = σ(z^${l}) at this position, after all the sums (measured on
             * nielsen1, σ a call to expf: 1.6x faster than σ after each sum) */
@     for m = 0, L.maps - 1 do
@       if L.store_z then
            zo[${m * L.oh * L.ow}] = zl[${m}];
@       end
            a[${m * L.oh * L.ow}] = ${act.sigma("zl[" .. m .. "]")};
@     end
@   end
        }
@ else
    /* Straight-line code for a compiler that does not optimize: each output
     * is one sum over the kernel, every tap a constant offset.  tcc keeps
     * no value in a register, so the kernel w[m] is copied into the local
     * array wl once per map: a tap then reads it at a constant offset of the
     * stack frame, with no pointer to load; four partial sums keep the
     * chains of dependent additions short (both together, measured on
     * nielsen2's second conv: 1.7x). */
@   local zs = {}
@   for q = 0, nsums - 1 do zs[#zs + 1] = "z" .. q end
@   if L.wlocal then
    ${real} wl[${L.ckk}];   /* w[m][.][.][.] */
    ptrdiff_t k;
@   end
    for (m = 0; m < ${L.maps}; ++m) {
@   if L.wlocal then
        const ${real} *wm = ${wbase} + m*${L.ckk};
@   else
        const ${real} *wl = ${wbase} + m*${L.ckk};   /* w[m][.][.][.] */
@   end
        const ${real} b = ${bref("m")};
@   if L.wlocal then
        for (k = 0; k < ${L.ckk}; ++k) wl[k] = wm[k];
@   end
@   local zr = act_calls and "zr[ox]" or "z"
        for (oy = 0; oy < ${L.oh}; ++oy) {
@   if act_calls then
            ${real} zr[${L.ow}];   /* z^${l}[m][oy][.] */
@   end
            for (ox = 0; ox < ${L.ow}; ++ox) {
                const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
                ${real} ${table.concat(zs, " = " .. zero .. ", ")} = ${zero}${act_calls and "" or ", z"};   /* partial sums of z^${l}[m][oy][ox] */
${fwd_sums("                ")}
@   if nsums == 1 then
                ${zr} = b + z0;
@   elseif nsums == 2 then
                ${zr} = b + (z0 + z1);
@   elseif nsums == 3 then
                ${zr} = b + ((z0 + z1) + z2);
@   else
                ${zr} = b + ((z0 + z1) + (z2 + z3));
@   end
@   if act_calls then
            }
            /* a^${l} = σ(z^${l}) along the row, after all its sums (σ is a call:
             * measured on lenet5: training 1.07x faster than σ after each sum) */
            for (ox = 0; ox < ${L.ow}; ++ox) {
@   end
@   if L.store_z then
                w->z${l}[m*${L.oh * L.ow} + oy*${L.ow} + ox] = ${zr};
@   end
                w->a${l}[m*${L.oh * L.ow} + oy*${L.ow} + ox] = ${act.sigma(zr)};
            }
        }
    }
@ end
}

