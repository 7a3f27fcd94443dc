/* One SGD step (Nielsen's update with L2 regularization, λ = l2):
 *   w ← (1 − η·λ/n_train)·w − (η/n)·Σ_x ∂C_x/∂w      b ← b − (η/n)·Σ_x ∂C_x/∂b
 * (η/n times the sum: the mean gradient is never formed, one pass less
 * over grad).  n = 0 changes nothing (grad is zeroed, 0 returned). */
${real} ${P}_train_batch(${real} *params, ${real} *grad, ${P}_work *w, const ${real} *x,
                    const int *labels, int n, ${real} eta, ${real} l2, int n_train)
{
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
