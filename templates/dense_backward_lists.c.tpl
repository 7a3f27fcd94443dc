${include("dense_doc_backward.c.tpl", "")}
static void ${P}_l${l}_dense_backward(${bwd_params})
{
    ptrdiff_t o, s, u;
    /* Straight-line code for a compiler that does not optimize.  tcc keeps
     * no value in a register: every name read is a load, every += a load
     * and a store, so each statement adds 8 products to its target. */
    ${real} dk[${klist}];         /* the factors δ ≠ 0 of a sum below ... */
    const ${real} *xk[${klist}];  /* ... and the vectors they multiply */
    ptrdiff_t k, nk;
${include("dense_delta.c.tpl", "")}
${include("dense_lists.c.tpl", "")}
}

