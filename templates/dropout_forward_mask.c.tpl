/* ---- layer ${l}: ${L.desc}
 * Inverted dropout.  Training (key given: key[0] the seed, key[1] the step,
 * key[2] the index of sample 0 of the chunk): unit u of sample s is kept
 * with probability 1 − p = ${keep},
 *   r = mix(key_s ^ (${l} << 32 | u)),  key_s = mix(mix(mix(seed) ^ step) ^ (key[2] + s)),
 *   m${l}[u] = ((r >> 32) ≥ ${L.threshold}),      a^${l}[u] = m${l}[u] · a^${l-1}[u] / (1 − p)
 * Outside training (no key): a^${l} = a^${l-1}.
 */
static void ${P}_l${l}_dropout_forward(${fwd_params})
{
    ptrdiff_t s, u;
    if (!key) {
        for (s = 0; s < n; ++s)
            for (u = 0; u < ${L.n_out}; ++u) w->s[s].a${l}[u] = w->s[s].a${l-1}[u];
        return;
    }
@ if L.threshold == 0 then
    /* p = 0: every unit kept, a^${l} = a^${l-1} (m${l} all ones, for the backward) */
@ end
    for (s = 0; s < n; ++s) {
        ${P}_sample *restrict ws = &w->s[s];
@ if L.threshold > 0 then
        const unsigned long long ks = ${P}_key_sample(key, s);
        for (u = 0; u < ${L.n_out}; ++u) {
            const int kept = (${P}_mix(ks ^ (${l}ULL << 32 | (unsigned long long)u)) >> 32) >= ${L.threshold}ULL;
            ws->m${l}[u] = (unsigned char)kept;
            ws->a${l}[u] = kept ? ws->a${l-1}[u] * ${scale} : ${zero};
        }
@ else
        for (u = 0; u < ${L.n_out}; ++u) {
            ws->m${l}[u] = 1;
            ws->a${l}[u] = ws->a${l-1}[u];
        }
@ end
    }
}

