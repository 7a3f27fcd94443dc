
/* ---- layer ${l}'s forward for the team step, split as its step is: by
 * rows of w.  Each thread computes its units o0 <= o < o1 (the rows it
 * steps) for all nb samples of the batch (sp: its samples in order, x: its
 * inputs back to back):
 *   z^${l}_s[o] = b[o] + Σ_u w[o][u] · a^${l-1}_s[u],   a^${l}_s[o] = σ(z^${l}_s[o])
 * so that each thread reads only the part of w it updates (which stays in
 * its core's cache from one step to the next); a barrier after it gives
 * each thread every unit of its own samples. */
static void ${P}_l${l}_dense_team_forward(const ${real} *restrict p, ${P}_sample *const *sp,
                                         const ${real} *restrict x, ptrdiff_t nb, ptrdiff_t o0,
                                         ptrdiff_t o1)
{
    ptrdiff_t o, s, u;
@ if L.src ~= "x" then
    (void)x;
@ end
@ local W8 = L.units - L.units % 8
@ if W8 > 0 then
    for (o = o0; o < o1 && o < ${W8}; o += 8) {
${include("dense_forward_units.c.tpl", "        ", { ob = { size = 8 }, NB = "nb", sums_in = team_in, sample_at = team_sample })}
    }
@ end
@ if W8 < L.units then
    if (o1 == ${L.units}) {                  /* the last ${L.units - W8} units */
        o = ${W8};
        {
${include("dense_forward_units.c.tpl", "            ", { ob = { size = L.units - W8 }, NB = "nb", sums_in = team_in, sample_at = team_sample })}
        }
    }
@ end
    for (s = 0; s < nb; ++s) {               /* a^${l} = σ(z^${l}) */
        ${real} *a = sp[s]->a${l};
        for (o = o0; o < o1; ++o) a[o] = ${act.sigma("a[o]")};
    }
}
