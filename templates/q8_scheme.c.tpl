/* ---- int8 (--quantize int8): post-training quantization, activation
 * ranges calibrated on the first ${cal.n} training images of ${cal.data}.
 * Every conv and dense layer l sums the products of its int8 weights and
 * its int8 input in an int, then scales the sum back to the real z:
 *   q_w[m][k] = round(w[m][k] / s_w[m]),  s_w[m] = max_k |w[m][k]| / 127      (per output map or unit)
 *   q_a[u]    = round(a[u] / s_a),   s_a = max a / 255 for a tensor that is never negative
 *               (unsigned char), else max |a| / 127 (signed char), from the calibration
 *   acc[m]    = Σ_k q_w[m][k] · q_a[k]             (int; cnngen checked K·127·255 < 2^31)
 *   z[m]      = acc[m] · c[m] + b[m],   c[m] = s_a · s_w[m]   (${real}; b the trained bias)
 *   a = σ(z) in ${real}, quantized for the next layer; the last layer writes a^${#net.layers} in ${real}.
 * Max-pools run on the int8 values (max commutes with the monotone q), so a
 * layer followed by pools quantizes with the scale of the tensor after them.
@ if requantized then
 * A layer that requantizes (${requantized}) has an input calibrated on its own: it
 * computes its int8 output from its int8 input, in ints, scaled once to s_out.
@ end
 * round() is half up; values past the calibrated range saturate.
 *   tensor  calibrated min .. max       type            s
@ for _, r in ipairs(tensors) do
 *   ${string.format("a^%-5d %-12.6g .. %-12.6g %-15s %.6g", r.t, r.lo, r.hi, r.type, r.scale)}
@ end
 */
typedef char ${P}_int_holds_32_bits[sizeof(int) >= 4 ? 1 : -1];   /* the sums need a 32-bit int */
@ if uses.q_u8 then

/* round(t) clamped to [0, 255] (NaN gives 0): t >= 0 after the clamp, so
 * converting t + 0.5 (truncation) rounds half up */
static unsigned char ${P}_q_u8(${real} t)
{
    t = t > ${zero} ? t : ${zero};
    t = t < ${lit(255)} ? t : ${lit(255)};
    return (unsigned char)(t + ${lit(0.5)});
}
@ end
@ if uses.q_s8 then

/* round(t) clamped to [-127, 127] (NaN gives -127): t + 128.5 is positive,
 * so its truncation rounds t half up */
static signed char ${P}_q_s8(${real} t)
{
    t = t > ${lit(-127)} ? t : ${lit(-127)};
    t = t < ${lit(127)} ? t : ${lit(127)};
    return (signed char)((int)(t + ${lit(128.5)}) - 128);
}
@ end

/* q(a^0) = round(x / s),  s = ${lit(in_rep.scale)}: the input as int8 */
static void ${P}_l0_quantize(const ${real} *restrict x, ${P}_sample *restrict w)
{
    ptrdiff_t u;
    for (u = 0; u < ${net.in_size}; ++u) w->a0[u] = ${P}_${in_rep.round}(x[u] * ${lit(1 / in_rep.scale)});
}

