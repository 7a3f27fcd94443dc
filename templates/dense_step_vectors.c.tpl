${include("dense_team_vectors.c.tpl", "")}
/* ---- layer ${l} backward and SGD step, for a mini-batch of one whole
 * chunk (train_batch with n = ${chunk}: train_chunk): δ^${l} and ∂C/∂b (into g),
 * then the one pass over w above for every column, ∂C/∂w never going to
 * memory (measured on nielsen1: training 1.33x against the backward into
 * g and the update after it). */
static void ${P}_l${l}_dense_step(${step_params})
{
    ${P}_sample *sp[${chunk}];                 /* the chunk's samples */
    ${real} *dst[${chunk}];                    /* their ∂C/∂a^${l-1} */
    ptrdiff_t s;
    for (s = 0; s < ${chunk}; ++s) {
        sp[s] = &w->s[s];
@ if L.propagate then
        dst[s] = w->s[s].d${l-1};
@ else
        dst[s] = 0;
@ end
    }
    ${P}_l${l}_dense_delta(w, n, g);
    ${P}_l${l}_dense_team(p, sp, ${L.src == "x" and "x" or "0"}, 0, ${L.units}, dst, decay, step);
}

