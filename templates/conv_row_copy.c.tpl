@ -- a^{l-1} copied into xr<l> (one sample), then the zeros that the rows of
@ -- sums read past the last row
    ptrdiff_t u;
    for (u = 0; u < ${L.cin * L.h * L.w}; ++u) ws->xr${l}[u] = ${L.src}[u];
    for (u = ${L.cin * L.h * L.w}; u < ${L.cin * L.h * L.w + L.xslack}; ++u) ws->xr${l}[u] = ${zero};
