/* ---- the counter-based draw of dropout's masks: a pure function of
 * (seed, step, sample, layer, unit), so the masks do not depend on the
 * chunk, the threads or the compiler.  mix is splitmix64's finalizer. */
static unsigned long long ${P}_mix(unsigned long long z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* key_s = mix(mix(mix(seed) ^ step) ^ sample) for sample key[2] + s */
static unsigned long long ${P}_key_sample(const unsigned long long *key, ptrdiff_t s)
{
    return ${P}_mix(${P}_mix(${P}_mix(key[0]) ^ key[1]) ^ (key[2] + (unsigned long long)s));
}

