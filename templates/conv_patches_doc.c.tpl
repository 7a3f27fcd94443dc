@ -- the comment of the patches forms
/* Loops for an optimizing compiler, through patches, for all n samples of
 * the chunk at once (t${l} holds one patches matrix per sample):
 *   t${l}_s[p][k] = a^${l-1}_s[c][${sy('y')}+i][${sx('x')}+j],  k = (c, i, j), p = (y, x)
 *   ∂C/∂w[m][k]  += Σ_s Σ_p δ^${l}_s[m][p] · t${l}_s[p][k]
@ if L.propagate then
 *   t${l}_s[k][p]  = Σ_m w[m][k] · δ^${l}_s[m][p]      (the gradient of each patch value)
 *   ∂C/∂a^${l-1}_s   = those gradients added back where the patches copied them from
@ end
 */
