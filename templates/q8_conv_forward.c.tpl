/* ---- layer ${l}: ${L.desc}; int8
 *   acc[m][p] = Σ_k q_w[m][k] · t${l}[p][k],   t${l}[p][k] = q(a^${l-1})[c][${sy('y')}+i][${sx('x')}+j]
 *               (p = (y, x), k = (c, i, j): the patch under the kernel at output p)   (int)
 *   z^${l}[m][p] = acc[m][p] · c[m] + b[m],   c[m] = s_a^${l-1} · s_w[m]
 *   a^${l} = σ(z^${l}),  ${act.doc}
 *   ${out_doc}
@ if L.pad > 0 then
 * q(a^${l-1}) is read through x${l}, a copy with ${L.pad} rows and columns of zeros
 * around it (q(0) = 0).
@ end
 * ${pblocks[1].size} outputs at a time: their patches into t${l}, then for each map their
 * sums (int8 · int8 -> int along the patch: vectorizes), then σ and q (vectorize).
 * Patches and weight rows hold ${q.KP} values, zeros past the kernel's ${q.K}, so
 * that every sum is whole vectors.
 */
static void ${P}_l${l}_conv_forward(${P}_sample *restrict w)
{
    ptrdiff_t m, p, c, i, j, k;
@ if L.pad > 0 then
    ptrdiff_t oy, ox;
@ end
@ if L.pad > 0 then
    for (k = 0; k < ${L.cin * L.H * L.W}; ++k) w->x${l}[k] = 0;
    for (c = 0; c < ${L.cin}; ++c)                 /* x${l}[c][${L.pad}+y][${L.pad}+x] = q(a^${l-1})[c][y][x] */
        for (oy = 0; oy < ${L.h}; ++oy)
            for (ox = 0; ox < ${L.w}; ++ox)
                w->x${l}[c*${L.H * L.W} + (oy + ${L.pad})*${L.W} + ox + ${L.pad}] = ${src}[c*${L.h * L.w} + oy*${L.w} + ox];
@ end
@ for _, pb in ipairs(pblocks) do
    for (p = ${pb.from}; p < ${pb.to}; p += ${pb.size}) {        /* outputs p..p+${pb.size - 1} */
        int acc[${pb.size}];
        for (i = 0; i < ${pb.size}; ++i) {                    /* their patches t${l}[i][.] */
            ${in_type} *t = w->t${l} + i*${q.KP};
            const ${in_type} *in = ${pin} + ${sy('((p + i)/' .. L.ow .. ')')}*${L.W} + ${sx('((p + i)%' .. L.ow .. ')')};   /* q(a^${l-1})[0][y][x] at output p+i */
            for (c = 0; c < ${L.cin}; ++c)
                for (k = 0; k < ${L.kh}; ++k)
                    for (j = 0; j < ${L.kw}; ++j) t[(c*${L.kh} + k)*${L.kw} + j] = in[c*${L.H * L.W} + k*${L.W} + j];
@   if q.KP > q.K then
            for (k = ${q.K}; k < ${q.KP}; ++k) t[k] = 0;
@   end
        }
        for (m = 0; m < ${L.maps}; ++m) {
            const signed char *wm = ${P}_l${l}_qw + m*${q.KP};   /* q_w[m][.] */
            for (i = 0; i < ${pb.size}; ++i) {
                const ${in_type} *t = w->t${l} + i*${q.KP};
                int sum = 0;
                for (k = 0; k < ${q.KP}; ++k) sum += wm[k] * t[k];
                acc[i] = sum;
            }
            for (i = 0; i < ${pb.size}; ++i) {                /* σ and q (vectorize) */
                const ${real} z = (${real})acc[i] * ${P}_l${l}_c[m] + ${P}_l${l}_b[m];
                w->a${l}[m*${L.oh * L.ow} + p + i] = ${store(act.sigma("z"))};
            }
        }
    }
@ end
}

