${include("maxpool_doc_forward.c.tpl", "")}
@ -- rows: each row of pools as owp lanes, whole vectors, so that gcc
@ -- vectorizes the loop over ox with no scalar rest (layer/maxpool.lua's
@ -- rows_width says when the form applies)
static void ${P}_l${l}_maxpool_${pass}(${fwd_params})
{
    ptrdiff_t r, ox${pool_act and ", c" or ""};
    /* Row r of pools (c = r / ${L.oh}, y = r % ${L.oh}) as ${owp} lanes: whole vectors,
     * so the loop over ox vectorizes with no scalar rest.${owp > L.ow and string.format("  The %d lanes past\n     * the row's %d pools compute values the next row's pools then overwrite;\n     * the last row is %d lanes (no read or write leaves a^%d, a^%d).", owp - L.ow, L.ow, L.ow, l - 1, l) or ""}
@ if winners then
     * v moves to a larger value and b, the offset of the winner in the
     * window (exact in a ${elem}), with it, by selects, not by a branch (which
     * unit wins varies from image to image: a mispredicted branch per pool
     * made this loop 5x slower on real images); the winner's index then
     * in 32-bit ints, so that all lanes have one width.
@ else
     * v is the max so far, by selects (no branch).
@ end
     */
@ local function row(width)
        for (ox = 0; ox < ${width}; ++ox) {
            const ptrdiff_t u = u0 + ${sx('ox')};   /* a^${l-1}[c][${sy('y')}][${sx('ox')}] */
            ${elem} v = ${L.src}[u]${#offs > 0 and ", t" or ""};
@   if winners then
            ${elem} b = ${zero};
@   end
@   for _, off in ipairs(offs) do
            t = ${L.src}[u + ${off}];
@     if winners then
            b = t > v ? ${lit(off)} : b;
@     end
            v = t > v ? t : v;
@   end
            w->a${l}[r*${L.ow} + ox] = v;
@   if winners then
            w->m${l}[r*${L.ow} + ox] = (${L.mask_type})(base + ${L.sw}*(int)ox + (int)b);   /* the winner's index in a^${l-1} */
@   end
        }
@ end
    for (r = 0; r < ${L.c * L.oh - 1}; ++r) {
        const ptrdiff_t u0 = (r / ${L.oh})*${L.h * L.w} + (r % ${L.oh})*${L.sh * L.w};   /* a^${l-1}[c][${sy('y')}][0] */
@ if winners then
        const int base = (int)u0;
@ end
@ row(owp)
    }
    {                                   /* the last row */
        const ptrdiff_t u0 = ${(L.c - 1) * L.h * L.w + (L.oh - 1) * L.sh * L.w};   /* a^${l-1}[${L.c - 1}][${(L.oh - 1) * L.sh}][0] */
@ if winners then
        const int base = (int)u0;
@ end
        r = ${L.c * L.oh - 1};
@ row(L.ow)
    }
@ if pool_act then
${include("maxpool_act.c.tpl", "")}
@ end
}
