@ -- the forward's kw copies of its input shifted by a column each (one
@ -- sample), ow columns wide, then the zeros that the lanes past the
@ -- plane read (xjslack)
    {
        ptrdiff_t sc, sj, sy, sx;
        for (sc = 0; sc < ${L.cin}; ++sc)             /* xj${l}[c][j][y][x] = ${L.padded and ("x" .. l) or ("a^" .. (l - 1))}[c][y][${sx('x')}+j] */
            for (sj = 0; sj < ${L.kw}; ++sj)
                for (sy = 0; sy < ${L.H}; ++sy)
                    for (sx = 0; sx < ${L.ow}; ++sx)
                        ws->xj${l}[(sc*${L.kw} + sj)*${L.H * L.ow} + sy*${L.ow} + sx] = ${L.pin}[sc*${L.H * L.W} + sy*${L.W} + ${sx('sx')} + sj];
@ if xjslack > 0 then
        for (sx = ${L.cin * L.kw * L.H * L.ow}; sx < ${L.cin * L.kw * L.H * L.ow + xjslack}; ++sx) ws->xj${l}[sx] = ${zero};
@ end
    }
