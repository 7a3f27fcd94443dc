/* ---- initialization
 * Weights ~ N(0, 1/fan_in) (Nielsen), N(0, 2/fan_in) in relu layers (He);
 * biases ~ N(0, 1) in sigmoid and softmax layers (Nielsen), 0 elsewhere.
 * Normals from a splitmix64 stream seeded with `seed` (Box–Muller): the same
 * seed gives the same parameters with every compiler.
 */
static unsigned long long ${P}_splitmix64(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double ${P}_normal(unsigned long long *s)
{
    double u1 = ((double)(${P}_splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);   /* (0, 1) */
    double u2 = ((double)(${P}_splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void ${P}_init(${real} *params, unsigned long long seed)
{
    unsigned long long s = seed;
    ptrdiff_t k;
@ for _, L in ipairs(layers) do
@   if L.wcount > 0 then
@     local gain = L.act == "relu" and 2.0 or 1.0
@     local sd = math.sqrt(gain / L.fan_in)
@     local bsd = (L.act == "sigmoid" or L.act == "softmax") and 1 or 0
    /* layer ${L.index}, ${L.kind}, fan-in ${L.fan_in}: w ~ N(0, ${gain == 2.0 and "2" or "1"}/${L.fan_in}), b ${bsd == 1 and "~ N(0, 1)" or "= 0"} */
    for (k = ${L.woff}; k < ${L.woff + L.wcount}; ++k) params[k] = (${real})(${string.format("%.17g", sd)} * ${P}_normal(&s));
@     if bsd == 1 then
    for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) params[k] = (${real})${P}_normal(&s);
@     else
    for (k = ${L.boff}; k < ${L.boff + L.bcount}; ++k) params[k] = ${zero};
@     end
@   end
@ end
}

