/* ---- layer ${l}'s backward fused with the SGD step of its weights: ${L.desc}
 * For a batch of ${chunk} samples: δ^${l} of n of them (and their ∂C/∂b, into
 * g: ${P}_l${l}_dense_delta), then, for all ${chunk}, one pass over the columns
 * u0 <= u < u1 of w (${P}_l${l}_dense_team), each weight vector w[o][u..]
 * loaded once for every product that uses it, ∂C/∂w never going to memory.
 * train_chunk runs both on the whole chunk (${P}_l${l}_dense_step); the team
 * step of the threads splits them, δ by samples and w by columns:
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ else
 *   δ^${l}[o] = ∂C/∂a^${l}[o] · σ'(z^${l}[o]),  ${act.ddoc}          (BP2)
@ end
 *   ∂C/∂b[o]  += Σ_s δ^${l}_s[o]                                   (BP3, over its samples)
@ if L.propagate then
 *   ∂C/∂a^${l-1}_s[u] = Σ_o w[o][u] · δ^${l}_s[o]   (with w before its step)
@ end
 *   w[o][u] ← decay·w[o][u] − step·Σ_s δ^${l}_s[o] · a^${l-1}_s[u]     (BP4 and the step)
 * sp: the batch's samples in order, x: its inputs back to back. */
static void ${P}_l${l}_dense_delta(${P}_work *restrict w, ptrdiff_t n, ${real} *restrict g)
{
    ptrdiff_t o, s;
${include("dense_delta.c.tpl", "")}
}

static void ${P}_l${l}_dense_team(${real} *restrict p, ${P}_sample *const *sp, const ${real} *restrict x,
                                 ptrdiff_t u0, ptrdiff_t u1, ${real} decay, ${real} step)
{
    ptrdiff_t o, u;
@ if L.src ~= "x" then
    (void)x;
@ end
@ if whole16 > 0 then
    for (u = u0; u < u1 && u < ${whole16}; u += 16) {
${include("dense_step_block.c.tpl", "        ", { UB = 16 })}
    }
@ else
    (void)u0;
@ end
@ if whole16 < L.n_in then
    if (u1 == ${L.n_in}) {                    /* the last ${L.n_in - whole16} inputs */
        u = ${whole16};
        {
${include("dense_step_block.c.tpl", "            ", { UB = L.n_in - whole16 })}
        }
    }
@ end
}

