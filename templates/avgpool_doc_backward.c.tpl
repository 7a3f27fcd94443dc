@ -- the header comment of the average-pool backward forms
/* ---- layer ${l} backward: ${L.desc}
 * Average pool: ∂C/∂a^${l} spreads equally over each window (the first half of BP2 for layer ${l-1}):
 *   ∂C/∂a^${l-1}[c][y][x] = Σ_{windows (c, oy, ox) ∋ (y, x)} ∂C/∂a^${l}[c][oy][ox] / ${L.window}
@ if L.tiles then
 * The windows tile the input: each unit is in exactly one, written once.
@ else
 * (overlapping windows add up; a unit in no window gets 0)
@ end
 */
