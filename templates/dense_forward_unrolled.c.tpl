${include("dense_doc_forward.c.tpl", "")}
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    ptrdiff_t o, s;
    /* Straight-line code for a compiler that does not optimize: z^${l} as
     * sums of 8 products a statement, taking turns among 4 partial sums
     * (short chains of dependent additions). */
${include("dense_sums.c.tpl", "", { sum = dot })}
@ if act.softmax then
${include("dense_softmax.c.tpl", "")}
@ end
}

