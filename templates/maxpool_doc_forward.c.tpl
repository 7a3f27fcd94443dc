@ -- the header comment of the max-pool forward forms
@ if pass == "infer" then
/* ---- layer ${l} outside training (forward, predict): as ${P}_l${l}_maxpool_forward,
 * but no winners recorded (the backward alone reads them) */
@ else
/* ---- layer ${l}: ${L.desc}
@ if pool_act then
 *   a^${l}[c][y][x] = σ(max_{i<${L.kh}, j<${L.kw}} z^${l-1}[c][${sy('y')}+i][${sx('x')}+j])
@ else
 *   a^${l}[c][y][x] = max_{i<${L.kh}, j<${L.kw}} a^${l-1}[c][${sy('y')}+i][${sx('x')}+j]
@ end
@ if q8 then
 * On the int8 values: max commutes with the monotone quantizer, max q(a) = q(max a).
@ end
@ if pool_act then
 * The σ of the conv below (${pool_act.doc}) is applied here, once per pool: it
 * never decreases, so max σ(z) = σ(max z); a${l-1} holds z^${l-1}.
@ end
@ if winners then
 *   m${l} remembers the winner: its index in a${l-1} (the first one on ties).
@ end
 */
@ end
