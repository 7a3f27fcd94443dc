
/* ---- cnngen bench's per-layer breakdown (not in ${header}): ${P}_train_batch's
 * steps, in its order and arithmetic, each timed on its own.  The driver
 * runs a chunk's per-sample layers in one loop over the samples; here each
 * layer has a loop of its own (each sample's work is its own, so the
 * results are the same, bit for bit), and now(clock) is read after every
 * step.  t[] gets the seconds added (the caller zeroes it):
 *   t[3(l−1)]     layer l's forward       t[3(l−1)+1]  layer l's backward
 *   t[3(l−1)+2]   layer l's SGD update (its w and b spans)
 *   t[${3 * #layers}]  the cost and δ^${#layers} (BP1)    t[${3 * #layers + 1}]  zeroing g
 * A layer's backward computes ∂C/∂a^{l−1} (BP2) and ∂C/∂w, ∂C/∂b (BP3,
 * BP4) in one function: one figure.
@ if stepback then
 * A batch of one whole chunk takes train_chunk's steps: ${fused_list} apply the SGD
 * step of their weights in their backward (timed with it), zeroing g and
 * the SGD after the backward cover the other parameters.
@ end
 */
${real} ${P}_jit_profile(${real} *params, ${real} *grad, ${P}_work *w, const ${real} *xb,
                    const int *labels, int nb, ${real} eta, ${real} l2, int n_train,
                    double (*now)(void *), void *clock, double *t);
${real} ${P}_jit_profile(${real} *params, ${real} *grad, ${P}_work *w, const ${real} *xb,
                    const int *labels, int nb, ${real} eta, ${real} l2, int n_train,
                    double (*now)(void *), void *clock, double *t)
{
    double cost = 0.0, t0 = now(clock), t1;
    ${real} decay, step;
    ptrdiff_t k, s;
    int s0;
@ if keyed then
    unsigned long long key[3];
    key[0] = w->key[0];
    key[1] = w->key[1];
@ end
@ if stepback then
    if (nb == ${chunk}) {                           /* train_chunk's steps */
        ${real} *p = params, *g = grad;
        const ${real} *x = xb;
        const ptrdiff_t n = nb;
@   if keyed then
        key[2] = w->key[2];
@   end
        decay = n_train > 0 ? ${one} - eta * l2 / (${real})n_train : ${one};
        step = eta / (${real})nb;
@   for _, L in ipairs(layers) do
@     if L.wcount > 0 then
@       if not fused[L.index] then
        for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) g[k] = ${zero};
@       end
        for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) g[k] = ${zero};
@     end
@   end
        t1 = now(clock); t[${3 * #layers + 1}] += t1 - t0; t0 = t1;
@   for _, st in ipairs(forward) do
@     if st.batched then
        ${st.stmt}
@     else
        for (s = 0; s < n; ++s) ${st.stmt}
@     end
        t1 = now(clock); t[${st.slot}] += t1 - t0; t0 = t1;
@   end
        for (s = 0; s < n; ++s) cost += ${P}_cost(&w->s[s], labels[s]);
        t1 = now(clock); t[${3 * #layers}] += t1 - t0; t0 = t1;
@   for _, st in ipairs(stepback) do
@     if st.batched then
        ${st.stmt}
@     else
        for (s = 0; s < n; ++s) ${st.stmt}
@     end
        t1 = now(clock); t[${st.slot}] += t1 - t0; t0 = t1;
@   end
@   for _, L in ipairs(layers) do
@     if L.wcount > 0 then
@       if not fused[L.index] then
        for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) p[k] = decay * p[k] - step * g[k];   /* layer ${L.index} w */
@       end
        for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) p[k] -= step * g[k];                  /* layer ${L.index} b */
        t1 = now(clock); t[${3 * (L.index - 1) + 2}] += t1 - t0; t0 = t1;
@     end
@   end
        (void)x;
        return (${real})(cost / nb);
    }
@ end
@ if unroll == "none" then
    for (k = 0; k < ${net.param_count}; ++k) grad[k] = ${zero};
@ else
${by8("    ", 0, net.param_count, "$g = " .. zero .. ";")}
@ end
    t1 = now(clock); t[${3 * #layers + 1}] += t1 - t0; t0 = t1;
    for (s0 = 0; s0 < nb; s0 += ${chunk}) {
        const ptrdiff_t n = nb - s0 < ${chunk} ? nb - s0 : ${chunk};
        const ${real} *x = xb + (ptrdiff_t)s0*${net.in_size};
        const ${real} *p = params;
        ${real} *g = grad;
@ if keyed then
        key[2] = w->key[2] + (unsigned long long)s0;
@ end
        (void)x; (void)p; (void)g;
@ for _, st in ipairs(forward) do
@   if st.batched then
        ${st.stmt}
@   else
        for (s = 0; s < n; ++s) ${st.stmt}
@   end
        t1 = now(clock); t[${st.slot}] += t1 - t0; t0 = t1;
@ end
        for (s = 0; s < n; ++s) cost += ${P}_cost(&w->s[s], labels[s0 + s]);
        t1 = now(clock); t[${3 * #layers}] += t1 - t0; t0 = t1;
@ for _, st in ipairs(backward) do
@   if st.batched then
        ${st.stmt}
@   else
        for (s = 0; s < n; ++s) ${st.stmt}
@   end
        t1 = now(clock); t[${st.slot}] += t1 - t0; t0 = t1;
@ end
    }
    if (nb <= 0) return ${zero};
    decay = n_train > 0 ? ${one} - eta * l2 / (${real})n_train : ${one};
    step = eta / (${real})nb;
@ for _, L in ipairs(layers) do
@   if L.wcount > 0 then
@     if unroll == "none" then
    for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) params[k] = decay * params[k] - step * grad[k];   /* layer ${L.index} w */
@     else
    /* layer ${L.index} w */
${by8("    ", L.woff, L.woff + L.wcount, "$p = decay * $p - step * $g;")}
@     end
    for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) params[k] -= step * grad[k];                      /* layer ${L.index} b */
    t1 = now(clock); t[${3 * (L.index - 1) + 2}] += t1 - t0; t0 = t1;
@   end
@ end
    return (${real})(cost / nb);
}

/* What each layer's functions are, for the breakdown: bit 0 a forward,
 * bit 1 a backward, bit 2 the forward batched (once a chunk: its weights
 * read once for the chunk's samples; else once a sample), bit 3 the
 * backward batched, bit 4 the backward computes ∂C/∂a^{l−1} (BP2; not
 * layer 1's), bit 5 the backward applies the SGD step of the weights for
 * a batch of one chunk (train_chunk); 0 for no layer l (1-based). */
unsigned ${P}_jit_profile_flags(int l);
unsigned ${P}_jit_profile_flags(int l)
{
    switch (l) {
@ for _, f in ipairs(flags) do
    case ${f.l}: return ${f.bits}u;
@ end
    default: return 0u;
    }
}

/* The samples a chunk holds (the driver runs its batched layers once a chunk). */
int ${P}_jit_profile_chunk(void);
int ${P}_jit_profile_chunk(void) { return ${chunk}; }

/* The memory bound's yardsticks, compiled as the net is: a streaming
 * update over n reals (p ← a·p − b·g: two read, one written, the SGD's
 * pass) and a read of n reals (their sum, in 64 partial sums so that the
 * adds do not wait for one another). */
void ${P}_jit_stream_update(${real} *restrict p, const ${real} *restrict g, ptrdiff_t n, ${real} a, ${real} b);
void ${P}_jit_stream_update(${real} *restrict p, const ${real} *restrict g, ptrdiff_t n, ${real} a, ${real} b)
{
    ptrdiff_t k;
    for (k = 0; k < n; ++k) p[k] = a * p[k] - b * g[k];
}
double ${P}_jit_stream_read(const ${real} *restrict p, ptrdiff_t n);
double ${P}_jit_stream_read(const ${real} *restrict p, ptrdiff_t n)
{
    ${real} acc[64] = { ${zero} };
    double sum = 0.0;
    ptrdiff_t k, j;
    for (k = 0; k + 64 <= n; k += 64)
        for (j = 0; j < 64; ++j) acc[j] += p[k + j];
    for (; k < n; ++k) acc[0] += p[k];
    for (j = 0; j < 64; ++j) sum += acc[j];
    return sum;
}
