/*
 * test_avgpool.c -- the average-pooling layer, avgpool { size, stride }:
 * a^l = the mean of each window; backward, ∂C/∂a^{l-1}[u] = Σ over the
 * windows containing u of ∂C/∂a^l / |window|.
 *
 *   - forward against the reference (ref.c) and every gradient component
 *     against finite differences (double, every --unroll form), the float
 *     gradient against the double one, over square, rectangular,
 *     overlapping and gapped windows, after a conv and on the input; two
 *     pools in a row and a pool as the output layer;
 *   - δ spread equally, exactly: overlapping windows add up, a unit in no
 *     window gets nothing;
 *   - the cc build (its default form, loops) computes what tcc's does;
 *   - the C of every form, training and inference, float and double, and
 *     int8, compiles without a diagnostic under gcc and clang (-std=c99
 *     -Wall -Wextra -pedantic -Werror) and tcc; inference code run from a
 *     driver equals the reference;
 *   - int8: the pool's input has a scale of its own; its int8 output is
 *     the requantized sum of the generated int8 input, exactly; the int8
 *     output stays within a worst-case bound of the float output (each
 *     rounding to int8 off by at most half a step, propagated through the
 *     layers);
 *   - `cnngen info` (its row, the footprint) and `cnngen check`.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "dataset.h"
#include "fsutil.h"
#include "idxw.h"
#include "netcheck.h"
#include "proc.h"

static const char *const unrolls[] = { "none", "kernel", "full" };

/* ---- forward and gradient ------------------------------------------------ */

struct pool_case {
    int c, h, w, kh, kw, sh, sw;
};

static struct pool_case pool_cases[] = {
    { 2, 8, 8, 2, 2, 2, 2 },
    { 3, 9, 9, 3, 3, 3, 3 },
    { 2, 6, 8, 2, 4, 2, 4 },      /* rectangular */
    { 2, 7, 7, 3, 3, 2, 2 },      /* overlapping */
    { 1, 6, 6, 2, 2, 1, 1 },      /* overlapping, stride 1 */
    { 2, 5, 9, 1, 3, 1, 3 },      /* 1xK */
    { 2, 7, 8, 2, 2, 5, 3 },      /* gaps: stride past the size */
    /* windows that do not reach the last rows and columns (PyTorch's floor):
     * those units get δ = 0 */
    { 2, 11, 11, 2, 2, 2, 2 },    /* stride = size, the last row and column dropped */
    { 2, 8, 9, 3, 2, 2, 3 },      /* overlapping rows and gapped columns, each dropping one */
    { 1, 7, 7, 2, 2, 3, 3 },      /* gaps, the last 2 rows and columns dropped */
};

ParameterizedTestParameters(avgpool, matches_reference_and_finite_differences)
{
    return cr_make_param_array(struct pool_case, pool_cases, sizeof pool_cases / sizeof pool_cases[0]);
}

/* Three nets around the pool: after a conv (δ reaches the conv through
 * the pool), on the input (no backward), and before a conv (a tanh conv's
 * δ spread back, the pool's input padded by nothing). */
ParameterizedTest(struct pool_case *tc, avgpool, matches_reference_and_finite_differences, .timeout = 120)
{
    static const char *const where[] = { "after a conv", "on the input", "before a conv" };
    ref_net nets[3];
    nc_result r;
    int u, k;
    nets[0] = ref_net_make(1, tc->h + 2, tc->w + 2, REF_LOGLIK);
    ref_add_conv(&nets[0], tc->c, 3, 3, 1, 1, 0, REF_SIGMOID);
    ref_add_avgpool(&nets[0], tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_dense(&nets[0], 4, REF_SOFTMAX);
    nets[1] = ref_net_make(tc->c, tc->h, tc->w, REF_CROSSENTROPY);
    ref_add_avgpool(&nets[1], tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_dense(&nets[1], 3, REF_SIGMOID);
    nets[2] = ref_net_make(1, tc->h, tc->w, REF_QUADRATIC);
    ref_add_conv(&nets[2], tc->c, 1, 1, 1, 1, 0, REF_TANH);
    ref_add_avgpool(&nets[2], tc->kh, tc->kw, tc->sh, tc->sw);
    ref_add_conv(&nets[2], 2, 1, 1, 1, 1, 0, REF_LINEAR);
    for (k = 0; k < 3; ++k)
        for (u = 0; u < 3; ++u) {
            nc_check(&nets[k], unrolls[u], 7 + (unsigned)(3 * k + u), 3, 0, &r);
            cr_assert(r.ok, "%s, --unroll %s: %s", where[k], unrolls[u], r.msg);
        }
    for (u = 0; u < 3; ++u) {
        nc_check_float(&nets[0], unrolls[u], 3, 2, &r);
        cr_assert(r.ok, "float, --unroll %s: %s", unrolls[u], r.msg);
    }
}

/* Two pools in a row (tiling, then overlapping), and a pool as the output
 * layer (quadratic cost: it takes ∂C/∂a^L, having no σ). */
Test(avgpool, stacked_and_as_output, .timeout = 60)
{
    ref_net n = ref_net_make(1, 10, 10, REF_QUADRATIC);
    nc_result r;
    int u;
    ref_add_conv(&n, 3, 3, 3, 1, 1, 1, REF_TANH);
    ref_add_avgpool(&n, 2, 2, 2, 2);
    ref_add_avgpool(&n, 3, 3, 1, 1);
    for (u = 0; u < 3; ++u) {
        nc_check(&n, unrolls[u], 4, 3, 0, &r);
        cr_assert(r.ok, "--unroll %s: %s", unrolls[u], r.msg);
    }
}

/* δ spread equally, exactly.  A 2-channel input whose channel 1 tags each
 * position u with u + 1; a 1x1 linear conv with weights (1, 0), bias 0,
 * copies channel 0 into a^1; the pool; a linear dense unit y = Σ_k v_k a^2[k].
 * With s = ∂C/∂y (the dense bias's gradient),
 *   ∂C/∂w[0][1] = Σ_u δ^1[u]·tag[u] = s·Σ_k v_k·(Σ_{u in window k} tag[u]) / |window|
 *   ∂C/∂b       = Σ_u δ^1[u]        = s·Σ_k v_k
 * over overlapping windows (a unit in two windows gets both shares) and
 * gapped ones (a unit in none gets nothing). */
Test(avgpool, spreads_delta_equally_over_each_window, .timeout = 60)
{
    static const struct { int h, w, kh, kw, sh, sw; } cases[] = {
        { 5, 5, 3, 3, 2, 2 }, { 7, 8, 2, 2, 5, 3 }, { 4, 6, 2, 3, 2, 3 },
    };
    size_t ci;
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ++ci) {
        int h = cases[ci].h, w = cases[ci].w, kh = cases[ci].kh, kw = cases[ci].kw, sh = cases[ci].sh,
            sw = cases[ci].sw;
        int oh = (h - kh) / sh + 1, ow = (w - kw) / sw + 1, np = oh * ow, hw = h * w, label = 0, k, i, j, u;
        double x[2 * 64], p[3 + 64 + 1], g[3 + 64 + 1], sum_tag = 0, sum_v = 0;
        char src[4096], err[700];
        ref_net n = ref_net_make(2, h, w, REF_QUADRATIC);
        ref_add_conv(&n, 1, 1, 1, 1, 1, 0, REF_LINEAR);
        ref_add_avgpool(&n, kh, kw, sh, sw);
        ref_add_dense(&n, 1, REF_LINEAR);
        cr_assert(hw <= 64 && np <= 64);
        for (u = 0; u < hw; ++u) x[u] = (double)((u * 37) % 11) / 10.0, x[hw + u] = u + 1;
        p[0] = 1.0, p[1] = 0.0, p[2] = 0.0;
        for (k = 0; k < np; ++k) {
            int y0 = (k / ow) * sh, x0 = (k % ow) * sw;
            double t = 0;
            p[3 + k] = 0.25 + 0.125 * k;
            for (i = 0; i < kh; ++i)
                for (j = 0; j < kw; ++j) t += x[hw + (y0 + i) * w + x0 + j];
            sum_tag += p[3 + k] * t / (kh * kw);
            sum_v += p[3 + k];
        }
        p[3 + np] = 0.0;
        ref_lua(&n, "spread", src, sizeof src);
        for (u = 0; u < 3; ++u) {
            net_api api;
            void *work;
            double s;
            cr_assert_eq(tb_build(src, "double", unrolls[u], "tcc", NULL, &api, err, sizeof err), 0, "%s", err);
            work = malloc(api.work_size);
            cr_assert(work);
            api.loss_grad.d(p, work, x, &label, 1, g);
            s = g[3 + np];
            cr_assert(s != 0.0);
            cr_assert(fabs(g[1] - s * sum_tag) <= 1e-12 * fabs(s * sum_tag),
                      "case %zu, --unroll %s: ∂C/∂w[0][1] = %.17g, δ spread equally gives %.17g", ci, unrolls[u],
                      g[1], s * sum_tag);
            cr_assert(fabs(g[2] - s * sum_v) <= 1e-12 * fabs(s * sum_v),
                      "case %zu, --unroll %s: ∂C/∂b = %.17g, expected %.17g", ci, unrolls[u], g[2], s * sum_v);
            free(work);
            jit_release(&api);
        }
    }
}

/* The cc build in its default form (loops) computes what the tcc build
 * of the same form does, in double: forward and gradient. */
Test(avgpool, cc_build_matches_tcc, .timeout = 120)
{
    ref_net n = ref_net_make(2, 9, 9, REF_LOGLIK);
    nc_result r;
    ref_add_conv(&n, 3, 3, 3, 1, 1, 1, REF_RELU);
    ref_add_avgpool(&n, 3, 3, 2, 2);
    ref_add_dense(&n, 5, REF_SOFTMAX);
    nc_check_cc(&n, 11, 2, &r);
    cr_assert(r.ok, "%s", r.msg);
}

/* ---- the C as a user gets it ------------------------------------------------- */

/* the net of the tests below: 1x10x10, conv relu (or tanh), the pool,
 * dense linear (a real output the int8 bound can follow) */
static ref_net small_net(int tanh_conv, int kh, int sh)
{
    ref_net n = ref_net_make(1, 10, 10, REF_QUADRATIC);
    ref_add_conv(&n, 4, 3, 3, 1, 1, 0, tanh_conv ? REF_TANH : REF_RELU);
    ref_add_avgpool(&n, kh, kh, sh, sh);
    ref_add_dense(&n, 5, REF_LINEAR);
    return n;
}

static void scratch_setup(void)
{
    fs_scratch_make("avgpool");
}

static void scratch_teardown(void)
{
    fs_scratch_remove();
}

/* Writes the description (net.lua) and float weights w.bin from the
 * generated init (seed); *p gets the weights as doubles (malloc'd). */
static void write_net(const ref_net *n, unsigned long long seed, double **p)
{
    char err[700];
    cr_assert_eq(nc_write_net(n, fs_path("net.lua"), fs_path("w.bin"), seed, p, err, sizeof err), 0, "%s", err);
}

/* A driver for <base>.c (a net named qn): reads float images from x.bin,
 * runs qn_forward on each and prints, one line each, the work struct's
 * tensors a0..a<ntensors-1> (show_tensors) and y. */
static void write_driver(const char *base, int ntensors)
{
    char text[4096];
    int n = 0, t;
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "#include <stdio.h>\n#include \"%s.h\"\n"
                  "#define SHOW(f) do { size_t i_; printf(#f); for (i_ = 0; i_ < sizeof w.s[0].f / sizeof w.s[0].f[0]; ++i_)"
                  " printf(\" %%.17g\", (double)w.s[0].f[i_]); printf(\"\\n\"); } while (0)\n"
                  "int main(int argc, char **argv)\n{\n"
                  "    static qn_work w;\n    float xf[QN_IN_SIZE];\n    qn_real x[QN_IN_SIZE], y[QN_OUT_SIZE];\n"
                  "    size_t i;\n    FILE *f = argc > 1 ? fopen(argv[1], \"rb\") : NULL;\n    if (!f) return 1;\n"
                  "    while (fread(xf, sizeof xf, 1, f) == 1) {\n"
                  "        for (i = 0; i < QN_IN_SIZE; ++i) x[i] = xf[i];\n        qn_forward(&w, x, y);\n", base);
    for (t = 0; t < ntensors; ++t) n += snprintf(text + n, sizeof text - (size_t)n, "        SHOW(a%d);\n", t);
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "        printf(\"y\");\n        for (i = 0; i < QN_OUT_SIZE; ++i) printf(\" %%.17g\", (double)y[i]);\n"
                  "        printf(\"\\n\");\n    }\n    fclose(f);\n    return 0;\n}\n");
    fs_spit(fs_path("drv.c"), text, (size_t)n);
}

static void compile_everywhere(const char *base, const char *what)
{
    proc_compile_everywhere(fs_scratch(), base, what);
}

/* The images in data/ (idx, as cnngen reads a data set) and x.bin (floats,
 * as the driver reads them): n random images with a bright blob each;
 * *x gets them as dataset_open reads them (malloc'd). */
static void write_images(int n, int h, int w, double **x)
{
    unsigned char *img = malloc((size_t)n * h * w), *lbl = malloc((size_t)n);
    unsigned dims[3];
    unsigned long long s = 4242;
    dataset ds;
    char err[512];
    float *xf;
    int i, u;
    cr_assert(img && lbl);
    for (i = 0; i < n; ++i) {
        int cy, cx;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        cy = (int)((s >> 33) % (unsigned)h), cx = (int)((s >> 40) % (unsigned)w);
        for (u = 0; u < h * w; ++u) {
            int y = u / w, xx = u % w, d2 = (y - cy) * (y - cy) + (xx - cx) * (xx - cx);
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            img[i * h * w + u] = (unsigned char)(d2 <= 4 ? 200 + (s >> 58) : (s >> 33) % 120);
        }
        lbl[i] = (unsigned char)(i % 5);
    }
    cr_assert_eq(mkdir(fs_path("data"), 0755), 0);
    dims[0] = (unsigned)n, dims[1] = (unsigned)h, dims[2] = (unsigned)w;
    idxw_write(fs_path("data/train-images-idx3-ubyte"), 3, dims, img, (size_t)n * h * w, 0);
    idxw_write(fs_path("data/train-labels-idx1-ubyte"), 1, dims, lbl, (size_t)n, 0);
    idxw_write(fs_path("data/t10k-images-idx3-ubyte"), 3, dims, img, (size_t)n * h * w, 0);
    idxw_write(fs_path("data/t10k-labels-idx1-ubyte"), 1, dims, lbl, (size_t)n, 0);
    free(img), free(lbl);
    cr_assert_eq(dataset_open(fs_path("data"), &ds, err, sizeof err), 0, "%s", err);
    *x = malloc((size_t)n * h * w * sizeof **x);
    xf = malloc((size_t)n * h * w * sizeof *xf);
    cr_assert(*x && xf);
    for (u = 0; u < n * h * w; ++u) (*x)[u] = xf[u] = ds.train.x[u];
    fs_spit(fs_path("x.bin"), xf, (size_t)n * h * w * sizeof *xf);
    free(xf);
    dataset_free(&ds);
}

/* The driver's lines: v[s][t] = tensor t of image s (the last one y). */
static double *parse_line(const char **p, const char *name, size_t n)
{
    double *v = malloc(n * sizeof *v);
    size_t k;
    int used;
    cr_assert(v);
    cr_assert(!strncmp(*p, name, strlen(name)) && (*p)[strlen(name)] == ' ', "expected %s, got %.40s", name, *p);
    *p += strlen(name);
    for (k = 0; k < n; ++k) {
        cr_assert_eq(sscanf(*p, " %lf%n", &v[k], &used), 1, "%s: fewer than %zu values", name, n);
        *p += used;
    }
    cr_assert_eq(**p, '\n', "%s: more than %zu values", name, n);
    ++*p;
    return v;
}

/* Training code of every form, float and double, and inference code of
 * every form: not a diagnostic from gcc, clang or tcc; the inference code,
 * run, equals the reference (1e-12 in double, 1e-5 in float).  Windows
 * that tile the input, that overlap, that leave gaps, that drop the last
 * row and column. */
Test(avgpool, every_form_compiles_and_inference_matches_reference, .init = scratch_setup,
     .fini = scratch_teardown, .timeout = 600)
{
    static const char *const reals[] = { "float", "double" };
    /* size, stride; the last drops a row and a column of its 8x8 input */
    static const int pools[][2] = { { 2, 2 }, { 3, 1 }, { 2, 3 }, { 3, 2 } };
    double *x;
    int pi, u, r, s;
    write_images(4, 10, 10, &x);
    for (pi = 0; pi < 4; ++pi) {
        ref_net n = small_net(pi == 1, pools[pi][0], pools[pi][1]);
        double *p, yr[5];
        write_net(&n, 3 + (unsigned)pi, &p);
        for (u = 0; u < 3; ++u)
            for (r = 0; r < 2; ++r) {
                char opts[64], what[128], *out;
                const char *q;
                snprintf(opts, sizeof opts, "--real %s --unroll %s", reals[r], unrolls[u]);
                snprintf(what, sizeof what, "%s, pools of %d stride %d", opts, pools[pi][0], pools[pi][1]);
                free(proc_ok("'%s' '%s' %s -o '%s' 2>&1", fs_env("CNNGEN"), fs_path("net.lua"), opts, fs_path("t.c")));
                compile_everywhere("t", what);
                free(proc_ok("'%s' '%s' --inference --weights '%s' %s -o '%s' 2>&1", fs_env("CNNGEN"),
                             fs_path("net.lua"), fs_path("w.bin"), opts, fs_path("i.c")));
                compile_everywhere("i", what);
                write_driver("i", 0);
                free(proc_ok("cd '%s' && gcc -std=c99 -O2 -o drv drv.c i.c -lm 2>&1", fs_scratch()));
                out = proc_ok("'%s/drv' '%s'", fs_scratch(), fs_path("x.bin"));
                q = out;
                for (s = 0; s < 4; ++s) {
                    double *y = parse_line(&q, "y", 5);
                    size_t k;
                    ref_forward(&n, p, x + s * 100, yr);
                    for (k = 0; k < 5; ++k)
                        cr_assert(fabs(y[k] - yr[k]) <= (r ? 1e-12 : 1e-5) * fmax(1, fabs(yr[k])),
                                  "%s --inference: image %d: y[%zu] = %.17g, the reference %.17g", what, s, k, y[k],
                                  yr[k]);
                    free(y);
                }
                free(out);
            }
        free(p);
    }
    free(x);
}

/* ---- int8 ----------------------------------------------------------------------- */

/* round half up, clamped to [lo, hi] */
static double q_round(double t, double lo, double hi)
{
    double q = floor(t + 0.5);
    return q < lo ? lo : q > hi ? hi : q;
}

/* The int8 representation of a tensor with values in [lo, hi] (the
 * scheme: unsigned when never negative). */
static void tensor_rep(double lo, double hi, double *s, double *qmin, double *qmax)
{
    if (lo >= 0) *s = hi > 0 ? hi / 255 : 1, *qmin = 0, *qmax = 255;
    else *s = fmax(-lo, hi) / 127, *qmin = -127, *qmax = 127;
}

/* The dequantized weights of a layer at p + off: rows of K weights
 * (then `rows` biases, kept), s_w = max |w| / 127, ŵ = s_w·round(w / s_w). */
static void dequantize(double *p, size_t off, size_t rows, size_t K)
{
    size_t m, k;
    for (m = 0; m < rows; ++m) {
        double *row = p + off + m * K, amax = 0, sw;
        for (k = 0; k < K; ++k) amax = fmax(amax, fabs(row[k]));
        sw = amax > 0 ? amax / 127 : 1;
        for (k = 0; k < K; ++k) row[k] = sw * q_round(row[k] / sw, -127, 127);
    }
}

/* the constant the generated int8 pool multiplies its int sum by */
static float requant_constant(const char *c)
{
    const char *f = strstr(c, "_l2_avgpool_forward(");
    cr_assert_not_null(f);
    f = strstr(f, "(float)s * ");
    cr_assert_not_null(f, "the int8 pool does not scale its int sum once");
    return strtof(f + strlen("(float)s * "), NULL);
}

/* For a tiling pool (2x2), an overlapping one (3x3, stride 1) and one
 * that drops the last row and column (3x3, stride 2) after a relu conv
 * (unsigned tensors) and a tanh one (signed):
 *   - the pool's input a^1 is calibrated on its own (its range over the
 *     images) and the code's constant is s_1 / (|window|·s_2);
 *   - q(a^2) is exactly the requantized sum of the generated q(a^1):
 *     round(float(Σ q) · constant), clamped;
 *   - y within a worst-case bound of the float inference code: every
 *     rounding to int8 is off by at most half a step, a layer with weights
 *     adds Σ |ŵ|·Δin + |Σ (ŵ − w)·a|, relu and tanh do not enlarge Δ, the
 *     mean does not either.
 * gcc -O2 and tcc builds of the int8 code print the same. */
Test(avgpool, int8_requantizes_and_stays_within_the_bound, .init = scratch_setup, .fini = scratch_teardown,
     .timeout = 240)
{
    /* the last: 3x3 windows at stride 2 drop the last row and column of 8x8 */
    static const struct { int tanh_conv, k, s; } cases[] = { { 0, 2, 2 }, { 1, 3, 1 }, { 0, 3, 2 } };
    enum { N = 16 };
    size_t ci;
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ++ci) {
        ref_net n = small_net(cases[ci].tanh_conv, cases[ci].k, cases[ci].s);
        size_t np = ref_param_count(&n), n0 = ref_layer_units(&n, 0), n1 = ref_layer_units(&n, 1),
               n2 = ref_layer_units(&n, 2), k, u;
        ref_shape s1 = ref_layer_shape(&n, 1), s2 = ref_layer_shape(&n, 2);
        double *p, *x, *a1 = malloc(N * n1 * sizeof *a1), *a2 = malloc(N * n2 * sizeof *a2), *qp, *wabs, *dw;
        double lo0 = HUGE_VAL, hi0 = -HUGE_VAL, lo1 = HUGE_VAL, hi1 = -HUGE_VAL, lo2 = HUGE_VAL, hi2 = -HUGE_VAL;
        double sc[3], qmin[3], qmax[3];
        char *qc, *outq, *outt, *outf;
        const char *q, *f;
        float K;
        int s, window = cases[ci].k * cases[ci].k;
        cr_assert(a1 && a2);
        rm_tree(fs_path("data"));
        write_net(&n, 17 + ci, &p);
        write_images(N, 10, 10, &x);
        /* the float network in double, and the calibration it implies */
        for (s = 0; s < N; ++s) {
            double z[400];
            ref_layer_forward(&n, 1, p, x + s * n0, z);
            ref_activate(n.layer[0].act, z, a1 + s * n1, n1);
            ref_layer_forward(&n, 2, NULL, a1 + s * n1, a2 + s * n2);
        }
        for (k = 0; k < N * n0; ++k) lo0 = fmin(lo0, x[k]), hi0 = fmax(hi0, x[k]);
        for (k = 0; k < N * n1; ++k) lo1 = fmin(lo1, a1[k]), hi1 = fmax(hi1, a1[k]);
        for (k = 0; k < N * n2; ++k) lo2 = fmin(lo2, a2[k]), hi2 = fmax(hi2, a2[k]);
        tensor_rep(lo0, hi0, &sc[0], &qmin[0], &qmax[0]);
        tensor_rep(lo1, hi1, &sc[1], &qmin[1], &qmax[1]);
        tensor_rep(lo2, hi2, &sc[2], &qmin[2], &qmax[2]);

        free(proc_ok("'%s' '%s' --inference --weights '%s' --quantize int8 --calibrate %d --data '%s' -o '%s' 2>&1",
                     fs_env("CNNGEN"), fs_path("net.lua"), fs_path("w.bin"), N, fs_path("data"), fs_path("q.c")));
        free(proc_ok("'%s' '%s' --inference --weights '%s' -o '%s' 2>&1", fs_env("CNNGEN"), fs_path("net.lua"),
                     fs_path("w.bin"), fs_path("f.c")));
        compile_everywhere("q", "int8");
        qc = fs_slurp(fs_path("q.c"), NULL);
        cr_assert_not_null(qc);
        cr_assert_not_null(strstr(qc, "A layer that requantizes (layer 2)"), "the scheme does not name the pool");
        K = requant_constant(qc);
        cr_assert(fabs(K - sc[1] / (window * sc[2])) <= 1e-5 * K, "case %zu: the pool scales by %.9g, not s_1/(%d s_2) = %.9g",
                  ci, K, window, sc[1] / (window * sc[2]));
        free(qc);
        write_driver("q", 3);
        free(proc_ok("cd '%s' && gcc -std=c99 -O2 -o drv drv.c q.c -lm 2>&1", fs_scratch()));
        outq = proc_ok("'%s/drv' '%s'", fs_scratch(), fs_path("x.bin"));
        free(proc_ok("cd '%s' && tcc -o drv drv.c q.c -lm 2>&1", fs_scratch()));
        outt = proc_ok("'%s/drv' '%s'", fs_scratch(), fs_path("x.bin"));
        cr_assert_str_eq(outt, outq, "case %zu: the tcc build of the int8 code computes otherwise", ci);
        write_driver("f", 0);
        free(proc_ok("cd '%s' && gcc -std=c99 -O2 -o drv drv.c f.c -lm 2>&1", fs_scratch()));
        outf = proc_ok("'%s/drv' '%s'", fs_scratch(), fs_path("x.bin"));

        /* the bound's pieces: |ŵ| and ŵ − w, layer by layer */
        qp = malloc(np * sizeof *qp), wabs = malloc(np * sizeof *wabs), dw = malloc(np * sizeof *dw);
        cr_assert(qp && wabs && dw);
        memcpy(qp, p, np * sizeof *p);
        dequantize(qp, 0, 4, 9);
        dequantize(qp, ref_layer_offset(&n, 3), 5, n2);
        for (k = 0; k < np; ++k) wabs[k] = fabs(qp[k]), dw[k] = qp[k] - p[k];
        for (k = ref_layer_offset(&n, 1) + 36; k < ref_layer_offset(&n, 1) + 40; ++k) wabs[k] = dw[k] = 0;
        for (k = ref_layer_offset(&n, 3) + 5 * n2; k < np; ++k) wabs[k] = dw[k] = 0;

        q = outq, f = outf;
        for (s = 0; s < N; ++s) {
            double *v0 = parse_line(&q, "a0", n0), *v1 = parse_line(&q, "a1", n1), *v2 = parse_line(&q, "a2", n2);
            double *yq = parse_line(&q, "y", 5), *yf = parse_line(&f, "y", 5);
            double d0[100], d1[400], d2[400], t1[400], t2[400], dy[5], sy[5];
            /* q(a^2) from the generated q(a^1), exactly */
            for (u = 0; u < n2; ++u) {
                int c = (int)u / (s2.h * s2.w), oy = (int)u % (s2.h * s2.w) / s2.w, ox = (int)u % s2.w, i, j;
                int sum = 0;
                float t;
                for (i = 0; i < cases[ci].k; ++i)
                    for (j = 0; j < cases[ci].k; ++j)
                        sum += (int)v1[(c * s1.h + oy * cases[ci].s + i) * s1.w + ox * cases[ci].s + j];
                t = (float)sum * K;
                t = t > (float)qmin[2] ? t : (float)qmin[2];
                t = t < (float)qmax[2] ? t : (float)qmax[2];
                cr_assert_eq(v2[u], qmin[2] < 0 ? (double)((int)(t + 128.5f) - 128) : (double)(unsigned char)(t + 0.5f),
                             "case %zu: image %d: q(a^2)[%zu] = %g, the requantized sum %d gives otherwise", ci, s, u,
                             v2[u], sum);
            }
            /* the bound: Δ0 = s0/2; Δ1 = Σ|ŵ|Δ0 + |Σ(ŵ−w)a0| + s1/2; Δ2 = mean Δ1 + s2/2;
             * Δy = Σ|ŵ|Δ2 + |Σ(ŵ−w)a2| */
            for (u = 0; u < n0; ++u) d0[u] = sc[0] / 2;
            ref_layer_forward(&n, 1, wabs, d0, d1);
            ref_layer_forward(&n, 1, dw, x + s * n0, t1);
            for (u = 0; u < n1; ++u) d1[u] += fabs(t1[u]) + sc[1] / 2;
            ref_layer_forward(&n, 2, NULL, d1, d2);
            for (u = 0; u < n2; ++u) d2[u] += sc[2] / 2;
            ref_layer_forward(&n, 3, wabs + ref_layer_offset(&n, 3), d2, dy);
            ref_layer_forward(&n, 3, dw + ref_layer_offset(&n, 3), a2 + s * n2, t2);
            for (k = 0; k < 5; ++k) {
                sy[k] = dy[k] + fabs(t2[k]) + 1e-5 * (1 + fabs(yf[k]));
                cr_assert(fabs(yq[k] - yf[k]) <= sy[k], "case %zu: image %d: y[%zu] = %.9g int8, %.9g float: "
                          "off by %.3g, past the bound %.3g", ci, s, k, yq[k], yf[k], fabs(yq[k] - yf[k]), sy[k]);
            }
            free(v0), free(v1), free(v2), free(yq), free(yf);
        }
        free(outq), free(outt), free(outf), free(qp), free(wabs), free(dw), free(p), free(x), free(a1), free(a2);
    }
}

/* ---- info and check --------------------------------------------------------------- */

/* `cnngen info`: the pool's row (kind, output shape, no parameters, its
 * work bytes: a^l and ∂C/∂a^l per sample in training, a^l alone in
 * inference), the footprint of its inference code, float and int8; and
 * `cnngen check` passes on a net with pools of both kinds of windows. */
Test(avgpool, info_and_check, .init = scratch_setup, .fini = scratch_teardown, .timeout = 240)
{
    static const char src[] =
        "return network { name = 'ip', input = { 1, 12, 12 }, layers = {\n"
        "  conv { maps = 3, kernel = 3, pad = 1, act = 'tanh' },\n"
        "  avgpool { size = 2 },\n"
        "  conv { maps = 4, kernel = 3, act = 'relu' },\n"
        "  avgpool { size = 3, stride = 1 },\n"
        "  dense { units = 10, act = 'softmax' } } }\n";
    char *out, row2[128], row4[128];
    /* a^2 and ∂C/∂a^2: 3*6*6 floats each, padded to 64 bytes: 2 x 448 */
    snprintf(row2, sizeof row2, "\n%-3d %-8s %-16s %12s %14s %14s %12s\n", 2, "avgpool", "[3][6][6]", "0", "0", "0", "896");
    snprintf(row4, sizeof row4, "\n%-3d %-8s %-16s %12s %14s %14s %12s\n", 4, "avgpool", "[4][2][2]", "0", "0", "0", "128");
    fs_spit(fs_path("ip.lua"), src, strlen(src));
    out = proc_ok("'%s' info '%s' 2>&1", fs_env("CNNGEN"), fs_path("ip.lua"));
    cr_assert(strstr(out, row2) && strstr(out, row4), "%s", out);
    free(out);
    out = proc_ok("'%s' info '%s' --inference 2>&1", fs_env("CNNGEN"), fs_path("ip.lua"));
    cr_assert(strstr(out, "\n2   avgpool  [3][6][6]") && strstr(out, "inference footprint") &&
              strstr(out, "  RAM  "), "%s", out);
    free(out);
    out = proc_ok("'%s' info '%s' --inference --quantize int8 2>&1", fs_env("CNNGEN"), fs_path("ip.lua"));
    cr_assert(strstr(out, "\n2   avgpool  [3][6][6]") && strstr(out, "--quantize int8") && strstr(out, "int8 weights"),
              "%s", out);
    free(out);
    out = proc_ok("'%s' check '%s' 2>&1", fs_env("CNNGEN"), fs_path("ip.lua"));
    cr_assert_not_null(strstr(out, "passed"), "%s", out);
    free(out);
    out = proc_ok("'%s' check '%s' --unroll kernel 2>&1", fs_env("CNNGEN"), fs_path("ip.lua"));
    cr_assert_not_null(strstr(out, "passed"), "%s", out);
    free(out);
}
