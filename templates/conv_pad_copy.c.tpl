@ -- a^{l-1} copied into x<l>, zero-padded (one sample); slack: zeros past its end
    ptrdiff_t u, pc, py, px;
    for (u = 0; u < ${L.cin * L.H * L.W + slack}; ++u) w->x${l}[u] = ${zero};
    for (pc = 0; pc < ${L.cin}; ++pc)                 /* x${l}[c][${L.pt}+y][${L.pl}+x] = a^${l-1}[c][y][x] */
        for (py = 0; py < ${L.h}; ++py)
            for (px = 0; px < ${L.w}; ++px)
                w->x${l}[pc*${L.H * L.W} + (py + ${L.pt})*${L.W} + px + ${L.pl}] = ${L.src}[pc*${L.h * L.w} + py*${L.w} + px];
