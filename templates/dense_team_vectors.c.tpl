/* ---- layer ${l}'s backward fused with the SGD step of its weights: ${L.desc}
 * For a batch of ${chunk} samples: δ^${l} of n of them (and their ∂C/∂b, into
 * g: ${P}_l${l}_dense_delta), then, for all ${chunk}, one pass over the rows
 * o0 <= o < o1 of w (${P}_l${l}_dense_team), each weight vector w[o][u..]
 * loaded once for every product that uses it, ∂C/∂w never going to memory.
 * train_chunk runs both on the whole chunk (${P}_l${l}_dense_step); the team
 * step of the threads splits them, δ by samples and w by rows (units), so
 * that each thread's part of w is one run of memory:
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ else
 *   δ^${l}[o] = ∂C/∂a^${l}[o] · σ'(z^${l}[o]),  ${act.ddoc}          (BP2)
@ end
 *   ∂C/∂b[o]  += Σ_s δ^${l}_s[o]                                   (BP3, over its samples)
@ if L.propagate then
 *   ∂C/∂a^${l-1}_s[u] = Σ_o w[o][u] · δ^${l}_s[o]   (with w before its step; over
 *                      the rows o0..o1-1 alone into dst[s], the threads' sums
 *                      then added up by ${P}_l${l}_dense_team_din)
@ end
 *   w[o][u] ← decay·w[o][u] − step·Σ_s δ^${l}_s[o] · a^${l-1}_s[u]     (BP4 and the step)
 * sp: the batch's samples in order, x: its inputs back to back. */
static void ${P}_l${l}_dense_delta(${P}_work *restrict w, ptrdiff_t n, ${real} *restrict g)
{
    ptrdiff_t o, s;
${include("dense_delta.c.tpl", "")}
}

static void ${P}_l${l}_dense_team(${real} *restrict p, ${P}_sample *const *sp, const ${real} *restrict x,
                                 ptrdiff_t o0, ptrdiff_t o1, ${real} *const *dst, ${real} decay, ${real} step)
{
    ptrdiff_t o, u;
@ if L.src ~= "x" then
    (void)x;
@ end
@ if not L.propagate then
    (void)dst;
@ end
@ if whole16 > 0 then
    for (u = 0; u < ${whole16}; u += 16) {
${include("dense_step_block.c.tpl", "        ", { UB = 16 })}
    }
@ end
@ if whole16 < L.n_in then
    u = ${whole16};                           /* the last ${L.n_in - whole16} inputs */
    {
${include("dense_step_block.c.tpl", "        ", { UB = L.n_in - whole16 })}
    }
@ end
}
