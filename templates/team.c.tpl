
/* ---- the team step, for cnngen's in-process builds (not in ${header}):
 * one SGD step on a mini-batch of exactly ${chunk} samples by T threads,
 * each calling ${P}_jit_team_step with its own k (0 <= k < T), its own work
 * struct team[k] and gradient buffer grads[k], and sync a barrier across
 * the T threads.  Thread k takes samples first .. first+n-1 of the batch
 * (n = ${chunk}/T, the first ${chunk}%T threads one more).  It runs the forward
 * pass and the cost of its samples (but a large hidden dense layer's
 * forward is split as its step is: each thread computes its rows of w for
 * the whole batch, dense_team_forward), and their backward through every
 * layer but ${fused_list}; those take their step together: δ of each
 * thread's own samples, then each thread's share of the rows of w (units)
 * for the whole batch (dense_team), so that no thread forms the gradient
 * of those weights, none has to be summed, and each thread's part of w is
 * one run of memory that stays in its core's cache (split by columns,
 * each row's halves met at two places a row, and the cores slowed each
 * other down: docs/performance.md).  ∂C/∂a^{l-1} through such a layer is
 * each thread's sum over its rows, added up for each sample by its own
 * thread (dense_team_din).  The other parameters' gradients are
 * summed over the threads' buffers at the end, each thread stepping its
 * share of them.  Returns the mean cost of thread k's samples. */
float ${P}_jit_team_step(float *params, float *const *grads, void *const *team, const float *xb,
                         const int *labels, int nb, float eta, float l2, int n_train, int k, int T,
                         void (*sync)(void *), void *ctx);
float ${P}_jit_team_step(float *params, float *const *grads, void *const *team, const float *xb,
                         const int *labels, int nb, float eta, float l2, int n_train, int k, int T,
                         void (*sync)(void *), void *ctx)
{
    const float decay = n_train > 0 ? 1.0f - eta * l2 / (float)n_train : 1.0f;
    const float step = eta / (float)nb;
    ${P}_sample *sp[${chunk}];              /* the batch's samples, in order */
    ${P}_work *w = (${P}_work *)team[k];
    float *p = params, *g = grads[k];
    const float *x;
    double cost = 0.0;
    ptrdiff_t i, n = 0, first = 0, lo, hi;
@ if team_dst then
    float *dst[${chunk}];                     /* where a fused layer's team step puts ∂C/∂a^{l-1} */
@ else
    float *const *dst = 0;                    /* (no fused layer propagates ∂C/∂a^{l-1}) */
@ end
    int j, s, off = 0;
@ if keyed then
    unsigned long long key[3];                /* dropout's key for my sample 0 */
    key[0] = w->key[0];
    key[1] = w->key[1];
    key[2] = w->key[2];
@ end
    for (j = 0; j < T; ++j) {                 /* thread j's samples: the runner's slices */
        const int len = nb / T + (j < nb % T);
        if (j == k) {
            first = off;
            n = len;
        }
        for (s = 0; s < len; ++s) sp[off + s] = &((${P}_work *)team[j])->s[s];
        off += len;
    }
    x = xb + first*${net.in_size};
    (void)x;                                  /* (unused when every layer that reads x takes the batch's) */
    (void)dst;
    (void)sp;                                 /* (unused when no layer takes a team step or forward) */
@ for _, sp in ipairs(team_spans) do
    for (i = ${sp.from}; i < ${sp.to}; ++i) g[i] = 0.0f;   /* ${sp.what} */
@ end
@ for _, grp in ipairs(team_fwd_groups) do
@   if grp.batched then
    ${grp[1]}
@   else
    for (s = 0; s < n; ++s) {
@     for _, st in ipairs(grp) do
        ${st}
@     end
    }
@   end
@ end
    for (s = 0; s < n; ++s) cost += ${P}_cost(&w->s[s], labels[first + s]);
@ for _, grp in ipairs(team_groups) do
@   if grp.batched then
    ${grp[1]}
@   else
    for (s = 0; s < n; ++s) {
@     for _, st in ipairs(grp) do
        ${st}
@     end
    }
@   end
@ end
    sync(ctx);                                /* every thread's gradient is in */
    /* the other parameters: g = Σ_j grads[j], my share of each range,
     * then Nielsen's update (sgd's formula); two threads (the common
     * case) in a loop that vectorizes: with T a variable, the sum over j
     * inside left gcc one value at a time (in the profile of nielsen2 on
     * two Zen 5 threads, 6% of the run) */
@ for _, sp in ipairs(team_spans) do
    lo = ${sp.from} + (ptrdiff_t)${sp.to - sp.from} * k / T;
    hi = ${sp.from} + (ptrdiff_t)${sp.to - sp.from} * (k + 1) / T;
    if (T == 2) {                             /* ${sp.what}: g = grads[0] + grads[1] */
        const float *restrict g0 = grads[0], *restrict g1 = grads[1];
        float *restrict q = p;
        for (i = lo; i < hi; ++i) {
            const float gi = g0[i] + g1[i];
@   if sp.decay then
            q[i] = decay * q[i] - step * gi;
@   else
            q[i] -= step * gi;
@   end
        }
    } else {
        for (i = lo; i < hi; ++i) {           /* ${sp.what} */
            float gi = grads[0][i];
            for (j = 1; j < T; ++j) gi += grads[j][i];
@   if sp.decay then
            p[i] = decay * p[i] - step * gi;
@   else
            p[i] -= step * gi;
@   end
        }
    }
@ end
    return n > 0 ? (float)(cost / (double)n) : 0.0f;
}
size_t ${P}_jit_team_chunk(void);
size_t ${P}_jit_team_chunk(void) { return ${chunk}; }
