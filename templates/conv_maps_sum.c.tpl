@ -- z^l[m][oy][ox] into zr (b + the kernel's sum, four partial sums) for the maps form
@ local zs = {}
@ for q = 0, nsums - 1 do zs[#zs + 1] = "z" .. q end
                const ${real} *in = ${L.pin} + ${sy('oy')}*${L.W} + ${sx('ox')};   /* a^${l-1}[0][${sy('oy')}][${sx('ox')}] */
                ${real} ${table.concat(zs, " = " .. zero .. ", ")} = ${zero}${act_calls and "" or ", z"};   /* partial sums of z^${l}[m][oy][ox] */
${fwd_sums("                ")}
                ${zr} = b + ${({ "z0", "(z0 + z1)", "((z0 + z1) + z2)", "((z0 + z1) + (z2 + z3))" })[nsums]};
