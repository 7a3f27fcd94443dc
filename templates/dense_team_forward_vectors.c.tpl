
/* ---- layer ${l}'s forward for the team step, split as its step is: by
 * columns of w.  Each thread sums its columns u0 <= u < u1 (those it steps)
 * for every unit of all nb samples of the batch (sp: its samples in
 * order, x: its inputs back to back) into part, its share of z:
 *   part[s][o] = Σ_{u0 <= u < u1} w[o][u] · a^${l-1}_s[u]
 * so that each thread reads only the part of w it updates (which stays in
 * its core's cache from one step to the next).  Then, after a barrier,
 * ${P}_l${l}_dense_team_sum gives each thread's own samples
 *   z^${l}_s[o] = b[o] + Σ_k part_k[s][o],   a^${l}_s[o] = σ(z^${l}_s[o]) */
static void ${P}_l${l}_dense_team_forward(const ${real} *restrict p, ${P}_sample *const *sp,
                                         const ${real} *restrict x, ptrdiff_t nb, ptrdiff_t u0,
                                         ptrdiff_t u1, ${real} *restrict part)
{
    ptrdiff_t o, s, u;
@ if L.src ~= "x" then
    (void)x;
@ else
    (void)sp;
@ end
@ for _, ob in ipairs(oblocks) do
    for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {
${include("dense_forward_units.c.tpl", "        ", { ob = ob, NB = "nb", sums_in = team_in, partial = team_part })}
    }
@ end
}

static void ${P}_l${l}_dense_team_sum(const ${real} *restrict p, ${P}_work *restrict w, ptrdiff_t n,
                                     ptrdiff_t first, ${real} *const *parts, int T)
{
    ptrdiff_t o, s;
    int k;
    for (s = 0; s < n; ++s) {                 /* my samples: the batch's first .. first+n-1 */
        ${real} *a = w->s[s].a${l};
        for (o = 0; o < ${L.units}; ++o) {
            ${real} z = ${bref("o")};
            for (k = 0; k < T; ++k) z += parts[k][${L.woff} + (first + s)*${L.units} + o];
            a[o] = ${act.sigma("z")};
        }
    }
}
