/* ---- layer ${l}: ${L.desc}; int8
 *   acc[m][p] = Σ_k q_w[m][k] · q(a^${l-1})[c][${sy('y')}+i][${sx('x')}+j]     (int; p = (y, x) the output,
 *               k = (c, i, j) the tap: the sum runs along output p's patch)
 *   z^${l}[m][p] = acc[m][p] · c[m] + b[m],   c[m] = s_a^${l-1} · s_w[m]
 *   a^${l} = σ(z^${l}),  ${act.doc}
 *   ${out_doc}
@ if L.padded then
 * q(a^${l-1}) is read through x${l}, a copy with ${L.pad_zeros}
 * around it (q(0) = 0).
@ end
 * ${pblocks[1].size} outputs at a time: their patches into t${l} (t${l}[o][k] for output p+o), then
 * for each map their sums (int8 · int8 -> int along the patch: vectorizes),
 * then σ and q (vectorize).  Patches and weight rows hold ${q.KP} values, zeros
 * past the kernel's ${q.K}, so that every sum is whole vectors.
 */
static void ${P}_l${l}_conv_forward(${fwd_params})
{
    ptrdiff_t m, p, o, c, i, j, k;
@ if L.padded then
    for (k = 0; k < ${L.cin * L.H * L.W}; ++k) w->x${l}[k] = 0;
    for (c = 0; c < ${L.cin}; ++c)                 /* x${l}[c][${L.pt}+y][${L.pl}+x] = q(a^${l-1})[c][y][x] */
        for (i = 0; i < ${L.h}; ++i)
            for (j = 0; j < ${L.w}; ++j)
                w->x${l}[c*${L.H * L.W} + (i + ${L.pt})*${L.W} + j + ${L.pl}] = ${src}[c*${L.h * L.w} + i*${L.w} + j];
@ end
@ for _, pb in ipairs(pblocks) do
    for (p = ${pb.from}; p < ${pb.to}; p += ${pb.size}) {        /* outputs p..p+${pb.size - 1} */
        int acc[${pb.size}];
        for (o = 0; o < ${pb.size}; ++o) {                    /* their patches t${l}[o][.] */
            ${in_type} *t = w->t${l} + o*${q.KP};
            const ${in_type} *in = ${pin} + ${sy('((p + o)/' .. L.ow .. ')')}*${L.W} + ${sx('((p + o)%' .. L.ow .. ')')};   /* q(a^${l-1})[0][y][x], output p+o = (y, x) */
            for (c = 0; c < ${L.cin}; ++c)
                for (i = 0; i < ${L.kh}; ++i)
                    for (j = 0; j < ${L.kw}; ++j) t[(c*${L.kh} + i)*${L.kw} + j] = in[c*${L.H * L.W} + i*${L.W} + j];
@   if q.KP > q.K then
            for (k = ${q.K}; k < ${q.KP}; ++k) t[k] = 0;
@   end
        }
        for (m = 0; m < ${L.maps}; ++m) {
            const signed char *wm = ${P}_l${l}_qw + m*${q.KP};   /* q_w[m][.] */
            for (o = 0; o < ${pb.size}; ++o) {
                const ${in_type} *t = w->t${l} + o*${q.KP};
                int sum = 0;
                for (k = 0; k < ${q.KP}; ++k) sum += wm[k] * t[k];
                acc[o] = sum;
            }
            for (o = 0; o < ${pb.size}; ++o) {                /* σ and q (vectorize) */
                const ${real} z = (${real})acc[o] * ${P}_l${l}_c[m] + ${P}_l${l}_b[m];
                w->a${l}[m*${L.oh * L.ow} + p + o] = ${store(act.sigma("z"))};
            }
        }
    }
@ end
}

