${include("dense_doc_forward.c.tpl", "")}
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    ptrdiff_t o, s, u;
@ if sb5 then
    /* 4 units x 5 samples at a time (then 8 units x 2, then 8 x 1): each
     * weight vector loaded serves 5 samples, each input vector 4 units
     * (16 partial sums each: vectorizes)${one_units and "; one sample alone\n     * (inference), " .. one_block .. " units at a time: " .. one_block .. " chains of FMAs, " .. one_block .. " rows of w\n     * streamed at once" or ""} */
@ else
    /* 8 units x 2 samples at a time: each weight vector loaded serves 2
     * samples, each input vector 8 units (16 partial sums each: vectorizes)${one_units and ";\n     * one sample alone (inference), " .. one_block .. " units at a time: " .. one_block .. " chains of FMAs,\n     * " .. one_block .. " rows of w streamed at once" or ""} */
@ end
@ if one_units then
    if (n == 1) {                             /* one sample (inference): ${one_block} units at a time */
        /* the blocks of units first to last and last to first, call
         * after call: w outgrows L2, and the rows the last call read last
         * are the ones L2 still holds (each unit's sum is the same either way) */
        const ptrdiff_t back = w->back${l}[0] & 1;
        ptrdiff_t b;
        w->back${l}[0] = (unsigned char)(back ^ 1);
        s = 0;
        for (b = 0; b < ${one_units}; b += ${one_block}) {
            o = back ? ${one_units - one_block} - b : b;
            {
${include("dense_sums_block.c.tpl", "                ", { OB = one_block, SB = 1, OV = "o" })}
            }
        }
@   if one_units < L.units then
        o = ${one_units};
        {
${include("dense_sums_block.c.tpl", "            ", { OB = L.units - one_units, SB = 1, OV = "o" })}
        }
@   end
    } else {
@ end
@ local ind = one_units and "    " or ""            -- (inside the else above)
@ for _, ob in ipairs(oblocks) do
${ind}    for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {
${include("dense_forward_units.c.tpl", ind .. "        ", { ob = ob })}
${ind}    }
@ end
@ if one_units then
    }
@ end
@ if not act.softmax and not act.identity then
    for (s = 0; s < n; ++s) {                 /* a^${l} = σ(z^${l}), in one loop (vectorizes; one copy of σ) */
        ${real} *a = w->s[s].a${l};
        for (o = 0; o < ${L.units}; ++o) a[o] = ${act.sigma("a[o]")};
    }
@ end
@ if act.softmax then
${include("dense_softmax.c.tpl", "")}
@ end
}

