/* ---- the driver: layers in order forward, in reverse backward, for the
 * n samples of a chunk (n <= ${chunk}, the samples ${P}_work holds).  Dense
 * layers run once for all n (each weight loaded once per chunk); the other
 * layers sample by sample, w->s[s] holding sample s's activations. */

@ -- forward_pass, and infer_pass where a layer has an infer function
@ for _, fp in ipairs({ { name = "forward", groups = fwd_groups }, infer_groups and { name = "infer", groups = infer_groups } or nil }) do
@   if fp.name == "infer" then
/* The forward pass outside training (${P}_forward, ${P}_predict): as
 * ${P}_forward_pass, but layers with an infer function leave out what only
 * the backward reads (a max-pool's winners) */
@   elseif keyed then
/* a^l = σ(z^l) for l = 1..${#layers}, from a^0 = x (n samples back to back);
 * key: dropout's key for sample 0 (seed, step, its index), or null outside
 * training (dropout is then the identity) */
@   else
/* a^l = σ(z^l) for l = 1..${#layers}, from a^0 = x (n samples back to back) */
@   end
@   if keyed then
static void ${P}_${fp.name}_pass(const ${real} *restrict p, ${P}_work *restrict w, const ${real} *restrict x, ptrdiff_t n,
${string.rep(" ", #P + #fp.name + 19)}const unsigned long long *restrict key)
@   else
static void ${P}_${fp.name}_pass(${train and ("const " .. real .. " *restrict p, ") or ""}${P}_work *restrict w, const ${real} *restrict x, ptrdiff_t n)
@   end
{
@   if fwd_per_sample then
    ptrdiff_t s;
@   end
@   if train and not uses_p_fwd then
    (void)p;
@   end
@   for _, grp in ipairs(fp.groups) do
@     if grp.batched then
    ${grp[1]}
@     else
    for (s = 0; s < n; ++s) {
@       for _, st in ipairs(grp) do
        ${st}
@       end
    }
@     end
@   end
}

@ end
@ if train then
/* δ^l and ∂C/∂w^l, ∂C/∂b^l (added into g) for l = ${#layers}..1, after the cost set δ^${#layers} */
static void ${P}_backward_pass(const ${real} *restrict p, ${P}_work *restrict w, const ${real} *restrict x,
                              ptrdiff_t n, ${real} *restrict g)
{
@   if bwd_per_sample then
    ptrdiff_t s;
@   end
@   if not uses_p_bwd then
    (void)p;
@   end
@   if not uses_x_bwd then
    (void)x;
@   end
@   for _, grp in ipairs(bwd_groups) do
@     if grp.batched then
    ${grp[1]}
@     else
    for (s = 0; s < n; ++s) {
@       for _, st in ipairs(grp) do
        ${st}
@       end
    }
@     end
@   end
}

@ end
@ if step_groups then
/* The backward pass of a one-chunk SGD step (${P}_train_chunk): as
 * ${P}_backward_pass, but in ${fused_list} the step w ← decay·w − step·∂C/∂w
 * is applied to the weights as ∂C/∂w is computed, and ∂C/∂w never goes
 * to g; every other parameter's gradient is added into g. */
static void ${P}_backward_step_pass(${real} *restrict p, ${P}_work *restrict w, const ${real} *restrict x,
                                   ptrdiff_t n, ${real} *restrict g, ${real} decay, ${real} step)
{
@   if step_per_sample then
    ptrdiff_t s;
@   end
@   if not step_uses_x then
    (void)x;
@   end
@   for _, grp in ipairs(step_groups) do
@     if grp.batched then
    ${grp[1]}
@     else
    for (s = 0; s < n; ++s) {
@       for _, st in ipairs(grp) do
        ${st}
@       end
    }
@     end
@   end
}

@ end
void ${P}_forward(${train and ("const " .. real .. " *params, ") or ""}${P}_work *w, const ${real} *x, ${real} *y)
{
    ptrdiff_t j;
    ${P}_${infer_groups and "infer" or "forward"}_pass(${train and "params, " or ""}w, x, 1${keyed and ", 0" or ""});
    for (j = 0; j < ${net.out_size}; ++j) y[j] = w->s[0].a${#layers}[j];
}

int ${P}_predict(${train and ("const " .. real .. " *params, ") or ""}${P}_work *w, const ${real} *x)
{
    const ${real} *a = w->s[0].a${#layers};
    ptrdiff_t j, best = 0;
    ${P}_${infer_groups and "infer" or "forward"}_pass(${train and "params, " or ""}w, x, 1${keyed and ", 0" or ""});
    for (j = 1; j < ${net.out_size}; ++j) if (a[j] > a[best]) best = j;
    return (int)best;
}

@ if train then
/* Σ_s C_s, and g = Σ_s ∂C_s/∂p: forward, cost (BP1), backward, ${chunk} samples at a time */
static double ${P}_cost_grad_sum(const ${real} *params, ${P}_work *w, const ${real} *x,
                                const int *labels, int n, ${real} *grad)
{
    double cost = 0.0;
@ -- (by8 writes fewer than 8 parameters out one by one, without k)
@ if unroll == "none" or net.param_count >= 8 then
    ptrdiff_t k;
@ end
    int s, s0;
@ if keyed then
    unsigned long long key[3];                /* dropout's key for the chunk's sample 0 */
    key[0] = w->key[0];
    key[1] = w->key[1];
@ end
@ if unroll == "none" then
    for (k = 0; k < ${net.param_count}; ++k) grad[k] = ${zero};
@ else
${by8("    ", 0, net.param_count, "$g = " .. zero .. ";")}
@ end
    for (s0 = 0; s0 < n; s0 += ${chunk}) {                /* a chunk: samples s0 .. s0+m-1 */
        const int m = n - s0 < ${chunk} ? n - s0 : ${chunk};
        const ${real} *xs = x + (ptrdiff_t)s0*${net.in_size};
@ if keyed then
        key[2] = w->key[2] + (unsigned long long)s0;
        ${P}_forward_pass(params, w, xs, m, key);
@ else
        ${P}_forward_pass(params, w, xs, m);
@ end
        for (s = 0; s < m; ++s) cost += ${P}_cost(&w->s[s], labels[s0 + s]);
        ${P}_backward_pass(params, w, xs, m, grad);
    }
    return cost;
}

@   if keyed then
/* The key of dropout's masks in the next loss_grad and train_batch calls on
 * w: sample s of such a call (0-based) is sample number first + s of step
 * `step` of a run seeded with `seed` (the runner: the mini-batch's number
 * since the start, the sample's position in the epoch's order). */
void ${P}_train_key(${P}_work *w, unsigned long long seed, unsigned long long step, unsigned long long first)
{
    w->key[0] = seed;
    w->key[1] = step;
    w->key[2] = first;
}

@   end
/* C = (1/n) Σ_s C_s and g = ∂C/∂p */
${real} ${P}_loss_grad(const ${real} *params, ${P}_work *w, const ${real} *x,
                  const int *labels, int n, ${real} *grad)
{
    double cost = ${P}_cost_grad_sum(params, w, x, labels, n, grad);
@ if unroll == "none" or net.param_count >= 8 then
    ptrdiff_t k;
@ end
    if (n > 0) {
        const ${real} scale = ${one} / (${real})n;
@ if unroll == "none" then
        for (k = 0; k < ${net.param_count}; ++k) grad[k] *= scale;
@ else
${by8("        ", 0, net.param_count, "$g *= scale;")}
@ end
        cost /= n;
    }
    return (${real})cost;
}

@ end
