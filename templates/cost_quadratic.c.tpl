/* ---- cost: quadratic, on the output of layer ${l}
 *   C = ½ Σ_j (a_j − y_j)²
@ if act.softmax then
 *   δ^${l}_j = Σ_k (a_k − y_k) ∂a_k/∂z_j = a_j [(a_j − y_j) − Σ_k (a_k − y_k) a_k]   (BP1, softmax Jacobian)
@ elseif not L.delta_given then
 *   ∂C/∂a^${l} = a^${l} − y                          (a pool has no σ: the pool backward routes it)
@ else
 *   δ^${l} = (a^${l} − y) ⊙ σ'(z^${l}),  ${act.ddoc}            (BP1)
@ end
 * y is the one-hot vector of the label.
 */
static ${real} ${P}_cost(${P}_sample *restrict w, int label)
{
    ptrdiff_t j;
    ${real} c = ${zero};
@ if act.softmax then
    ${real} ga = ${zero};
    for (j = 0; j < ${L.n_out}; ++j) {
        const ${real} e = w->a${l}[j] - (j == label ? ${one} : ${zero});
        c += e * e;
        ga += e * w->a${l}[j];
    }
    for (j = 0; j < ${L.n_out}; ++j)
        w->d${l}[j] = w->a${l}[j] * (w->a${l}[j] - (j == label ? ${one} : ${zero}) - ga);
@ else
    for (j = 0; j < ${L.n_out}; ++j) {
        const ${real} a = w->a${l}[j], e = a - (j == label ? ${one} : ${zero});
        c += e * e;
@   if not L.delta_given then
        w->d${l}[j] = e;
@   else
        w->d${l}[j] = ${act.d_times("e", "a")};
@   end
    }
@ end
    return ${lit(0.5)} * c;
}

