@ if fast_exp then
/* ---- e^x for the sigmoid and tanh, in plain arithmetic an optimizing
 * compiler vectorizes (libm's expf is a call per value):
 *   x = n·ln2 + r,  n = round(x/ln2),  |r| <= ln2/2   (ln2 in two parts, Cody-Waite;
 *       adding and subtracting 1.5·2^23 rounds to an integer in float arithmetic)
 *   e^r ≈ 1 + r + r²·P(r)                               (degree 5, Cephes' expf)
 *   e^x = 2^n · e^r,  2^n written straight into the exponent bits
 * As accurate as expf over the sigmoid's range (within 2.5 ulp of the exact
 * sigmoid); x is clamped to [-87, 88], where 2^n is a normal float and the
 * sigmoid has long since saturated.  Assumes IEEE binary32 floats and
 * 32-bit ints (checked below), as every current C target has. */
static inline float ${P}_exp(float x)
{
    typedef char float_and_int_are_32_bit[sizeof(float) == 4 && sizeof(int) == 4 ? 1 : -1];
    union { float f; int i; } s;
    float n, r, q;
    if (x > 88.0f) x = 88.0f;
    if (x < -87.0f) x = -87.0f;
    n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;   /* round(x/ln2): 1.5·2^23 */
    r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    q = 1.9875691500e-4f;
    q = q * r + 1.3981999507e-3f;
    q = q * r + 8.3334519073e-3f;
    q = q * r + 4.1665795894e-2f;
    q = q * r + 1.6666665459e-1f;
    q = q * r + 5.0000001201e-1f;
    q = q * r * r + r + 1.0f;
    s.i = ((int)n + 127) << 23;                                                /* 2^n */
    (void)sizeof(float_and_int_are_32_bit);
    return q * s.f;
}

@ end
@ if uses_tanh and fast_exp then
/* ---- tanh x, vectorizable like ${P}_exp (libm's tanhf is a call per value):
 *   |x| < 0.625:  tanh x ≈ x + x³·Q(x²)                  (degree 4, Cephes' tanhf)
 *   otherwise:    tanh x = ±(1 − 2/(e^{2|x|} + 1))
 * both computed, one chosen (a select, not a branch).  As accurate as tanhf
 * (measured: within 1.3 ulp of the exact tanh over [-100, 100]). */
static inline float ${P}_tanh(float x)
{
    const float ax = x < 0.0f ? -x : x, z = x * x;
    const float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                          + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    float large = 1.0f - 2.0f / (${P}_exp(2.0f * ax) + 1.0f);
    large = x < 0.0f ? -large : large;
    return ax < 0.625f ? small : large;
}

@ elseif uses_tanh then
/* ---- tanh x for a compiler that does not optimize (measured in lenet5's
 * training under tcc: libm's tanhf 26 ns a value, this 6 ns):
 *   |x| < 0.625:  tanh x ≈ x + x³·Q(x²)                  (degree 4, Cephes' tanhf)
 *   otherwise:    tanh x = ±(1 − 2/(e^{2|x|} + 1))       (libm's expf)
 * the same two formulas as the vectorizable form, one computed (a branch:
 * libm's expf is a call).  As accurate as tanhf. */
static inline float ${P}_tanh(float x)
{
    const float ax = x < 0.0f ? -x : x, z = x * x;
    float large;
    if (ax < 0.625f)
        return ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                 + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    large = 1.0f - 2.0f / (expf(2.0f * ax) + 1.0f);
    return x < 0.0f ? -large : large;
}

@ end
