@ -- ∂C/∂a^{l-1} out of the padded buffer's gradient (one sample)
    for (m = 0; m < ${L.cin}; ++m)                  /* ∂C/∂a^${l-1}[c][y][x] = ∂C/∂x${l}[c][${L.pt}+y][${L.pl}+x] */
        for (oy = 0; oy < ${L.h}; ++oy)
            for (ox = 0; ox < ${L.w}; ++ox)
                w->d${l-1}[m*${L.h * L.w} + oy*${L.w} + ox] = ws->dx${l}[m*${L.H * L.W} + (oy + ${L.pt})*${L.W} + ox + ${L.pl}];
