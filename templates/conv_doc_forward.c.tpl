@ -- the header comment of every float conv forward form
/* ---- layer ${l}: ${L.desc}
 *   z^${l}[m][y][x] = b[m] + Σ_{c,i,j} w[m][c][i][j] · a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]
@ if pool_act then
 *   a^${l} = σ(z^${l}),  ${pool_act.doc}: applied by the max-pool above (layer ${l + 1}), as
 *   max σ(z) = σ(max z) for a σ that never decreases: once per pool, not once
 *   per unit.  Here a${l} holds z^${l}.
@ else
 *   a^${l} = σ(z^${l}),  ${act.doc}
@ end
@ if L.padded then
 * a^${l-1} is read through x${l}, a copy with ${L.pad_zeros}
 * around it, so every kernel tap has a constant offset.
@ end
 */
