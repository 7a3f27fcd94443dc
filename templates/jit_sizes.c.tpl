
/* ---- sizes as functions, for cnngen's in-process builds (not in ${header}) */
size_t ${P}_work_size(void);
size_t ${P}_in_size(void);
size_t ${P}_out_size(void);
size_t ${P}_param_count(void);
size_t ${P}_work_size(void) { return sizeof(${P}_work); }
size_t ${P}_in_size(void) { return ${PU}_IN_SIZE; }
size_t ${P}_out_size(void) { return ${PU}_OUT_SIZE; }
size_t ${P}_param_count(void) { return ${PU}_PARAM_COUNT; }
/* reals to leave before the parameter vector so that the largest layer's
 * weights start on a 64-byte line (aligned vector loads) */
size_t ${P}_param_lead(void);
size_t ${P}_param_lead(void) { return ${param_lead}; }
@ if not train then

/* ---- the entry points cnngen's in-process builds bind for inference
 * code, in the shape of the training API (the parameters are baked in:
 * params is ignored) */
void ${P}_jit_forward(const ${real} *params, ${P}_work *w, const ${real} *x, ${real} *y);
int ${P}_jit_predict(const ${real} *params, ${P}_work *w, const ${real} *x);
void ${P}_jit_forward(const ${real} *params, ${P}_work *w, const ${real} *x, ${real} *y)
{
    (void)params;
    ${P}_forward(w, x, y);
}
int ${P}_jit_predict(const ${real} *params, ${P}_work *w, const ${real} *x)
{
    (void)params;
    return ${P}_predict(w, x);
}
@ end
@ if ranges then

/* ---- calibration for --quantize int8: after a forward pass, widen
 * lo[t] .. hi[t] to hold every value of a^t, for each tensor a^t that a
 * conv or dense layer reads (a^0 = x) */
void ${P}_jit_ranges(const ${P}_work *w, const ${real} *x, ${real} *lo, ${real} *hi);
void ${P}_jit_ranges(const ${P}_work *w, const ${real} *x, ${real} *lo, ${real} *hi)
{
    ptrdiff_t u;
@   for _, r in ipairs(ranges) do
    for (u = 0; u < ${r.count}; ++u) {                 /* a^${r.t} */
        const ${real} v = ${r.t == 0 and "x" or ("w->s[0].a" .. r.t)}[u];
        if (v < lo[${r.t}]) lo[${r.t}] = v;
        if (v > hi[${r.t}]) hi[${r.t}] = v;
    }
@   end
}
@ end
