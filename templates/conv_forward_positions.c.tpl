${include("conv_doc_forward.c.tpl", "")}
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, oy, ox;
@ if L.padded then
${include("conv_pad_copy.c.tpl", "", { slack = 0 })}
@ end
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
@ if L.store_z then
            ${real} *zo = w->z${l} + oy*${L.ow} + ox;
@ end
@ if act.identity and not L.store_z then
${patch_copy("            ")}
@   for m = 0, L.maps - 1 do
${pm_map_sum("            ", m, "a[" .. m * L.oh * L.ow .. "]")}
@   end
@ else
            ${real} zl[${L.maps}];   /* zl[m] = z^${l}[m][oy][ox] */
${patch_copy("            ")}
@   for m = 0, L.maps - 1 do
${pm_map_sum("            ", m, "zl[" .. m .. "]")}
@   end
            /* a^${l} = σ(z^${l}) at this position, after all the sums (measured on
             * nielsen1, σ a call to expf: 1.6x faster than σ after each sum) */
@   for m = 0, L.maps - 1 do
@     if L.store_z then
            zo[${m * L.oh * L.ow}] = zl[${m}];
@     end
            a[${m * L.oh * L.ow}] = ${act.sigma("zl[" .. m .. "]")};
@   end
@ end
        }
}

