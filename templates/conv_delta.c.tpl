@ -- δ^l = ∂C/∂a^l ⊙ σ'(z^l) in place and the bias sums, map by map (one sample)
    for (m = 0; m < ${L.maps}; ++m) {
        ${real} *dm = w->d${l} + m*${L.oh * L.ow}, gb = ${zero};   /* δ^${l}[m][.][.] */
@   if not (L.delta_given or act.identity) then
        const ${real} *am = w->a${l} + m*${L.oh * L.ow};
@   end
        ptrdiff_t q;
        for (q = 0; q < ${L.oh * L.ow}; ++q) {
@   if not (L.delta_given or act.identity) then
            const ${real} a = am[q];
            dm[q] = ${act.d_times("dm[q]", "a")};
@   end
            gb += dm[q];
        }
        g[${L.boff} + m] += gb;
    }
