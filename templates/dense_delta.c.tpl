@ -- δ^l_s = ∂C/∂a^l_s ⊙ σ'(z^l_s) in place, and ∂C/∂b, for each sample of the chunk
    for (s = 0; s < n; ++s) {                       /* δ^${l}_s and ∂C/∂b */
        ${real} *d = w->s[s].d${l};
@ if not (L.delta_given or act.identity) then
        const ${real} *a = w->s[s].a${l};
@ end
        for (o = 0; o < ${L.units}; ++o) {
@ if not (L.delta_given or act.identity) then
            d[o] = ${act.d_times("d[o]", "a[o]")};
@ end
            g[${L.boff} + o] += d[o];
        }
    }
