/* ---- cost: log-likelihood of the softmax output (layer ${l})
 *   C = −ln a^${l}_y = ln Σ_k e^{z_k} − z_y       (from z^${l}, shifted by max z: no overflow, no ln 0)
 *   δ^${l} = a^${l} − y                             (BP1 for softmax with log-likelihood)
 * y is the one-hot vector of the label.
 */
static ${real} ${P}_cost(${P}_sample *restrict w, int label)
{
    ptrdiff_t j;
    ${real} zmax = w->z${l}[0], sum = ${zero};
    for (j = 1; j < ${L.n_out}; ++j) if (w->z${l}[j] > zmax) zmax = w->z${l}[j];
    for (j = 0; j < ${L.n_out}; ++j) sum += ${fn("exp")}(w->z${l}[j] - zmax);
    for (j = 0; j < ${L.n_out}; ++j) w->d${l}[j] = w->a${l}[j] - (j == label ? ${one} : ${zero});
    return ${fn("log")}(sum) + zmax - w->z${l}[label];
}

