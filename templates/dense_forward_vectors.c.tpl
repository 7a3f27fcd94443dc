${include("dense_doc_forward.c.tpl", "")}
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    ptrdiff_t o, s, u;
@ if sb5 then
    /* 4 units x 5 samples at a time (then 8 units x 2, then 8 x 1): each
     * weight vector loaded serves 5 samples, each input vector 4 units
     * (16 partial sums each: vectorizes)${one16 and "; one sample alone\n     * (inference), 16 units at a time: 16 chains of FMAs, 16 rows of w\n     * streamed at once" or ""} */
@ else
    /* 8 units x 2 samples at a time: each weight vector loaded serves 2
     * samples, each input vector 8 units (16 partial sums each: vectorizes)${one16 and ";\n     * one sample alone (inference), 16 units at a time: 16 chains of FMAs,\n     * 16 rows of w streamed at once" or ""} */
@ end
@ if one16 then
    if (n == 1) {                             /* one sample (inference): 16 units at a time */
        s = 0;
        for (o = 0; o < ${one16}; o += 16) {
${include("dense_sums_block.c.tpl", "            ", { OB = 16, SB = 1, OV = "o" })}
        }
@   if one16 < L.units then
        o = ${one16};
        {
${include("dense_sums_block.c.tpl", "            ", { OB = L.units - one16, SB = 1, OV = "o" })}
        }
@   end
    } else {
@ end
@ local ind = one16 and "    " or ""            -- (inside the else above)
@ for _, ob in ipairs(oblocks) do
${ind}    for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {
${include("dense_forward_units.c.tpl", ind .. "        ", { ob = ob })}
${ind}    }
@ end
@ if one16 then
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

