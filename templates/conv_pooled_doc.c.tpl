@ -- what the pooled forms compute, over the winners of the pool above (Q, layer q)
@ local q = pooled.index
@ local sa = pool_act or act
     *   δ^${l}[u] = ∂C/∂a^${q}[k] · σ'(z^${l}[u])                   (BP2 through the pool)
@ if not sa.identity then
     * (${sa.ddoc} with a = a^${q}[k], the pool's output: it applies this layer's σ)
@ end
     *   ∂C/∂w[m][.] += Σ_k δ^${l}[u] · (a^${l-1} patch at u)     (BP4 over the winners)
     * (a unit that wins two pools gets both sums, as in the pool's backward).
