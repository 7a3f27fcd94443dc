@ -- the header comment of every conv backward form
/* ---- layer ${l} backward: ${L.desc}
@ if L.delta_given then
 *   δ^${l} is given by the cost (BP1)
@ elseif pool_act and not pooled then
 *   δ^${l} = ∂C/∂a^${l} ⊙ σ'(z^${l}),  ${pool_act.ddoc}                      (BP2)
 *            is computed by the max-pool above, which applies this layer's σ
@ elseif pool_act then
 *   δ^${l} = ∂C/∂a^${l} ⊙ σ'(z^${l}),  ${pool_act.ddoc}, a from the max-pool above,
 *            which applies this layer's σ                         (BP2)
@ else
 *   δ^${l} = ∂C/∂a^${l} ⊙ σ'(z^${l}),  ${act.ddoc}                      (BP2)
@ end
 *   ∂C/∂b[m]          += Σ_{y,x} δ^${l}[m][y][x]                       (BP3, shared bias)
 *   ∂C/∂w[m][c][i][j] += Σ_{y,x} δ^${l}[m][y][x] · a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]   (BP4, shared weight)
@ if L.propagate then
 *   ∂C/∂a^${l-1}[c][${sy('y')}+i][${sx('x')}+j] = Σ_{m,y,x} w[m][c][i][j] · δ^${l}[m][y][x]   (first half of BP2 for layer ${l-1})
@ else
 * Layer ${l} reads the network input: no δ^${l-1} is propagated.
@ end
 */
