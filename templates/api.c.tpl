/* ---- the driver: layers in order forward, in reverse backward, for the
 * n samples of a chunk (n <= ${chunk}, the samples ${P}_work holds).  Dense
 * layers run once for all n (each weight loaded once per chunk); the other
 * layers sample by sample, w->s[s] holding sample s's activations. */

/* a^l = σ(z^l) for l = 1..${#layers}, from a^0 = x (n samples back to back) */
static void ${P}_forward_pass(${train and ("const " .. real .. " *restrict p, ") or ""}${P}_work *restrict w, const ${real} *restrict x, ptrdiff_t n)
{
@ if fwd_per_sample then
    ptrdiff_t s;
@ end
@ if train and not uses_p_fwd then
    (void)p;
@ end
@ for _, grp in ipairs(fwd_groups) do
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
}

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
void ${P}_forward(${train and ("const " .. real .. " *params, ") or ""}${P}_work *w, const ${real} *x, ${real} *y)
{
    ptrdiff_t j;
    ${P}_forward_pass(${train and "params, " or ""}w, x, 1);
    for (j = 0; j < ${net.out_size}; ++j) y[j] = w->s[0].a${#layers}[j];
}

int ${P}_predict(${train and ("const " .. real .. " *params, ") or ""}${P}_work *w, const ${real} *x)
{
    const ${real} *a = w->s[0].a${#layers};
    ptrdiff_t j, best = 0;
    ${P}_forward_pass(${train and "params, " or ""}w, x, 1);
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
@ if unroll == "none" then
    for (k = 0; k < ${net.param_count}; ++k) grad[k] = ${zero};
@ else
${by8("    ", 0, net.param_count, "$g = " .. zero .. ";")}
@ end
    for (s0 = 0; s0 < n; s0 += ${chunk}) {                /* a chunk: samples s0 .. s0+m-1 */
        const int m = n - s0 < ${chunk} ? n - s0 : ${chunk};
        const ${real} *xs = x + (ptrdiff_t)s0*${net.in_size};
        ${P}_forward_pass(params, w, xs, m);
        for (s = 0; s < m; ++s) cost += ${P}_cost(&w->s[s], labels[s0 + s]);
        ${P}_backward_pass(params, w, xs, m, grad);
    }
    return cost;
}

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
