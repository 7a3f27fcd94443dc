${include("dense_doc_forward.c.tpl", "")}
static void ${P}_l${l}_dense_forward(${fwd_params})
{
    ptrdiff_t o, s, u;
@ if not zlocal then
    /* Straight-line code for a compiler that does not optimize: z^${l} as sums
     * of ${xbw} products a statement, added as balanced trees (short chains of
     * dependent additions), in the order of the local-array form. */
@ end
${include("dense_sums.c.tpl", "", { sum = xblocked_dot })}
@ if act.softmax then
${include("dense_softmax.c.tpl", "")}
@ end
}

