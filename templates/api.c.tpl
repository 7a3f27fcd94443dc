/* ---- the driver: layers in order forward, in reverse backward */

/* a^l = σ(z^l) for l = 1..${#layers}, from a^0 = x */
static void ${P}_forward_pass(${train and ("const " .. real .. " *restrict p, ") or ""}${P}_work *restrict w, const ${real} *restrict x)
{
@ if train and not uses_p_fwd then
    (void)p;
@ end
@ for k = 1, #layers do
    ${fwd[k]}
@ end
}

@ if train then
/* δ^l and ∂C/∂w^l, ∂C/∂b^l (added into g) for l = ${#layers}..1, after the cost set δ^${#layers} */
static void ${P}_backward_pass(const ${real} *restrict p, ${P}_work *restrict w, const ${real} *restrict x,
                              ${real} *restrict g)
{
@   if not uses_p_bwd then
    (void)p;
@   end
@   if not uses_x_bwd then
    (void)x;
@   end
@   for k = #layers, 1, -1 do
@     if bwd[k] then
    ${bwd[k]}
@     end
@   end
}

@ end
void ${P}_forward(${train and ("const " .. real .. " *params, ") or ""}${P}_work *w, const ${real} *x, ${real} *y)
{
    ptrdiff_t j;
    ${P}_forward_pass(${train and "params, " or ""}w, x);
    for (j = 0; j < ${net.out_size}; ++j) y[j] = w->a${#layers}[j];
}

int ${P}_predict(${train and ("const " .. real .. " *params, ") or ""}${P}_work *w, const ${real} *x)
{
    ptrdiff_t j, best = 0;
    ${P}_forward_pass(${train and "params, " or ""}w, x);
    for (j = 1; j < ${net.out_size}; ++j) if (w->a${#layers}[j] > w->a${#layers}[best]) best = j;
    return (int)best;
}

@ if train then
/* C = (1/n) Σ_s C_s and g = ∂C/∂p: forward, cost (BP1), backward, for each sample */
${real} ${P}_loss_grad(const ${real} *params, ${P}_work *w, const ${real} *x,
                  const int *labels, int n, ${real} *grad)
{
    double cost = 0.0;
    ptrdiff_t k;
    int s;
    for (k = 0; k < ${net.param_count}; ++k) grad[k] = ${zero};
    for (s = 0; s < n; ++s, x += ${net.in_size}) {
        ${P}_forward_pass(params, w, x);
        cost += ${P}_cost(w, labels[s]);
        ${P}_backward_pass(params, w, x, grad);
    }
    if (n > 0) {
        const ${real} scale = ${one} / (${real})n;
        for (k = 0; k < ${net.param_count}; ++k) grad[k] *= scale;
        cost /= n;
    }
    return (${real})cost;
}

@ end
