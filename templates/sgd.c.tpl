/* One SGD step (Nielsen's update with L2 regularization, λ = l2):
 *   w ← (1 − η·λ/n_train)·w − (η/n)·Σ_x ∂C_x/∂w      b ← b − (η/n)·Σ_x ∂C_x/∂b
 * (η/n times the sum: the mean gradient is never formed, one pass less
 * over grad).  n = 0 changes nothing (grad is zeroed, 0 returned). */
@ if step_groups then
/* The same step for a mini-batch of one whole chunk (n = ${chunk}): forward,
 * cost (BP1), then the backward with the step of the weights of
 * ${fused_list} fused into it (${P}_backward_step_pass), and the step of every
 * other parameter from g after it.  The same sums in the same order as the
 * general case below, without the passes over those weights' gradient
 * (zeroing it, storing it, reading it for the step). */
static ${real} ${P}_train_chunk(${real} *params, ${real} *grad, ${P}_work *w, const ${real} *x,
                              const int *labels, int n, ${real} eta, ${real} l2, int n_train)
{
    const ${real} decay = n_train > 0 ? ${one} - eta * l2 / (${real})n_train : ${one};
    const ${real} step = eta / (${real})n;
    double cost = 0.0;
    ptrdiff_t k;
    int s;
@   if keyed then
    unsigned long long key[3];                /* dropout's key for the chunk's sample 0 */
    key[0] = w->key[0];
    key[1] = w->key[1];
    key[2] = w->key[2];
@   end
@   for _, L in ipairs(layers) do
@     if L.wcount > 0 then
@       if not fused[L.index] then
    for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) grad[k] = ${zero};   /* layer ${L.index} w */
@       end
    for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) grad[k] = ${zero};   /* layer ${L.index} b */
@     end
@   end
    ${P}_forward_pass(params, w, x, n${keyed and ", key" or ""});
    for (s = 0; s < n; ++s) cost += ${P}_cost(&w->s[s], labels[s]);
    ${P}_backward_step_pass(params, w, x, n, grad, decay, step);
@   for _, L in ipairs(layers) do
@     if L.wcount > 0 then
@       if not fused[L.index] then
    for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) params[k] = decay * params[k] - step * grad[k];   /* layer ${L.index} w */
@       end
    for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) params[k] -= step * grad[k];                      /* layer ${L.index} b */
@     end
@   end
    return (${real})(cost / n);
}

@ end
${real} ${P}_train_batch(${real} *params, ${real} *grad, ${P}_work *w, const ${real} *x,
                    const int *labels, int n, ${real} eta, ${real} l2, int n_train)
{
@ if step_groups then
    if (n == ${chunk})                         /* one whole chunk: the fused step */
        return ${P}_train_chunk(params, grad, w, x, labels, n, eta, l2, n_train);
@ end
    const double cost = ${P}_cost_grad_sum(params, w, x, labels, n, grad);
    const ${real} decay = n_train > 0 ? ${one} - eta * l2 / (${real})n_train : ${one};
    ${real} step;
    ptrdiff_t k;
    if (n <= 0) return ${zero};       /* an empty batch is no step: not even the decay */
    step = eta / (${real})n;
@ for _, L in ipairs(layers) do
@   if L.wcount > 0 then
@     if unroll == "none" then
    for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) params[k] = decay * params[k] - step * grad[k];   /* layer ${L.index} w */
@     else
    /* layer ${L.index} w */
${by8("    ", L.woff, L.woff + L.wcount, "$p = decay * $p - step * $g;")}
@     end
    for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) params[k] -= step * grad[k];                      /* layer ${L.index} b */
@   end
@ end
    return (${real})(cost / n);
}
@ if momentum then

/* One step of momentum-based gradient descent (Nielsen, chapter 3), μ = mu,
 * with g = (1/n)·Σ_x ∂C_x/∂p, the batch's mean gradient (loss_grad's):
 *   v ← μ·v − η·(g + (λ/n_train)·w)   w ← w + v      (weights, λ = l2)
 *   v ← μ·v − η·g                     b ← b + v      (biases)
 * velocity holds v (zeros at the start).  n = 0 changes nothing. */
${real} ${P}_train_batch_momentum(${real} *params, ${real} *grad, ${real} *velocity, ${P}_work *w,
                             const ${real} *x, const int *labels, int n, ${real} eta,
                             ${real} l2, int n_train, ${real} mu)
{
    const double cost = ${P}_cost_grad_sum(params, w, x, labels, n, grad);
    const ${real} wd = n_train > 0 ? l2 / (${real})n_train : ${zero};
    ${real} scale;
    ptrdiff_t k;
    if (n <= 0) return ${zero};
    scale = ${one} / (${real})n;
@ for _, L in ipairs(layers) do
@   if L.wcount > 0 then
    for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) {       /* layer ${L.index} w */
        const ${real} v = mu * velocity[k] - eta * (grad[k] * scale + wd * params[k]);
        velocity[k] = v;
        params[k] += v;
    }
    for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) {       /* layer ${L.index} b */
        const ${real} v = mu * velocity[k] - eta * (grad[k] * scale);
        velocity[k] = v;
        params[k] += v;
    }
@   end
@ end
    return (${real})(cost / n);
}
@ end
