${include("dense_doc_forward.c.tpl", "")}
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    ptrdiff_t o, s, u;
    /* 8 units x 2 samples at a time: each weight vector loaded serves 2
     * samples, each input vector 8 units (16 partial sums each: vectorizes) */
@ for _, ob in ipairs(oblocks) do
    for (o = ${ob.from}; o < ${ob.to}; o += ${ob.size}) {
@   if ob.size == 2 then
        ptrdiff_t o1;
@   end
        for (s = 0; s + 1 < n; s += 2) {
${include("dense_sums_block.c.tpl", "            ", { OB = ob.size, SB = 2, OV = "o" })}
        }
@   if ob.size == 2 then
        if (s < n)           /* the last sample, unit by unit (2 units x 1 sample: gcc 12 vectorizes the wrong loop) */
            for (o1 = o; o1 < o + 2; ++o1) {
${include("dense_sums_block.c.tpl", "                ", { OB = 1, SB = 1, OV = "o1" })}
            }
@   else
        if (s < n) {         /* the last sample (n odd; inference: the only one) */
${include("dense_sums_block.c.tpl", "            ", { OB = ob.size, SB = 1, OV = "o" })}
        }
@   end
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

