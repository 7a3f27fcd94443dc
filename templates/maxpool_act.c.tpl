@ -- σ of the layer below, applied to the pools' outputs (max σ(z) = σ(max z))
    for (c = 0; c < ${L.n_out}; ++c)          /* a^${l} = σ(max z^${l-1}), ${pool_act.doc} */
        w->a${l}[c] = ${pool_act.sigma("w->a" .. l .. "[c]")};
