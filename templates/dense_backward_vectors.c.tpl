${include("dense_doc_backward.c.tpl", "")}
static void ${P}_l${l}_dense_backward(${bwd_params})
{
    ptrdiff_t o, s, u;
${include("dense_delta.c.tpl", "")}
${include("dense_dw_blocks.c.tpl", "")}
${include("dense_din_blocks.c.tpl", "")}
}

