/* ---- cost: cross-entropy of the sigmoid output (layer ${l})
 *   C = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)] = Σ_j softplus(z_j) − y_j z_j
 *       softplus(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^−|z|)   (from z^${l}: no ln 0)
 *   δ^${l} = a^${l} − y                             (BP1 for sigmoid with cross-entropy)
 * y is the one-hot vector of the label.
 */
static ${real} ${P}_cost(${P}_sample *restrict w, int label)
{
    ptrdiff_t j;
    ${real} c = ${zero};
    for (j = 0; j < ${L.n_out}; ++j) {
        const ${real} z = w->z${l}[j], y = (j == label ? ${one} : ${zero});
        c += (z > ${zero} ? z : ${zero}) + ${fn("log1p")}(${fn("exp")}(-${fn("fabs")}(z))) - y * z;
        w->d${l}[j] = w->a${l}[j] - y;
    }
    return c;
}

