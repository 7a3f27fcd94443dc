/*
 * test_quantize.c -- suite "quantize": post-training int8 inference code
 * (`cnngen NET.lua --inference --weights W --quantize int8`, README "int8").
 *
 * Random small nets (every layer kind, pad and stride, overlapping pools,
 * trailing pools, signed and unsigned tensors, every activation) get
 * random weights and a small data set of random images; the binary
 * calibrates on the training images and writes the int8 code, which a
 * driver compiled with it runs on the same images, printing every tensor
 * of the work struct and the output.  Against that:
 *
 *   - an independent reference of the quantized computation, written here
 *     from the scheme (README) on top of tests/support/ref.c's layers:
 *     ranges from the float reference, scales, int8 weights, then layer by
 *     layer from the generated code's own int8 input: every int8 value
 *     equal, or one step off where the exact value lies within 2e-3 of a
 *     rounding tie (the float code and the double reference round such a
 *     value either way), the real output within 1e-4;
 *   - the float reference, within a tolerance from a noise model of the
 *     scheme (qt_tolerance), and the same class wherever the float output's
 *     margin exceeds it;
 *   - gcc and clang at -O0..-O3 and tcc, -Werror: the same checks for
 *     every build, and the same outputs across builds; --real double;
 *   - the error cases of the command line; the weights ~1/4 of float
 *     (info); on Fashion-MNIST, int8 accuracy within 1.5 points of float.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "checkpoint.h"
#include "dataset.h"
#include "rng.h"

#include "fsutil.h"
#include "idxw.h"
#include "proc.h"
#include "ref.h"

#define QT_CAL 24               /* calibration images (the whole training split) */
#define QT_TIE 2e-3             /* how near a rounding tie a value may round either way */

/* ================================================================ */
/* Scratch directory                                                */
/* ================================================================ */

static void qt_setup(void)
{
    fs_scratch_make("quantize");
}

static void qt_teardown(void)
{
    fs_scratch_remove();
}

/* ================================================================ */
/* A case: net, weights, data, and the reference                    */
/* ================================================================ */

typedef struct qt_case {
    char what[100];             /* an array: Criterion copies parameters into another process */
    int h, w;                   /* input 1 x h x w */
    int cost;
    int nl;
    ref_layer L[6];
    unsigned long long seed;
} qt_case;

#define CONV(m, kh, kw, sh, sw, pad, act) { REF_CONV, m, kh, kw, sh, sw, pad, 0, act, 0, 0.0 }
#define CONV_SAME(m, kh, kw, sh, sw, act) { REF_CONV, m, kh, kw, sh, sw, 0, 0, act, 1, 0.0 }
#define POOL(kh, kw, sh, sw) { REF_MAXPOOL, 0, kh, kw, sh, sw, 0, 0, 0, 0, 0.0 }
#define DENSE(n, act) { REF_DENSE, 0, 0, 0, 0, 0, 0, n, act, 0, 0.0 }

static qt_case qt_cases[] = {
    { "conv pad 1 relu, pool, dense softmax", 8, 8, REF_LOGLIK, 3,
      { CONV(4, 3, 3, 1, 1, 1, REF_RELU), POOL(2, 2, 2, 2), DENSE(10, REF_SOFTMAX) }, 1 },
    { "conv stride 2 tanh (signed), dense sigmoid, dense softmax", 9, 9, REF_LOGLIK, 3,
      { CONV(3, 3, 3, 2, 2, 0, REF_TANH), DENSE(6, REF_SIGMOID), DENSE(4, REF_SOFTMAX) }, 2 },
    { "conv 2x3 stride 2x1 pad 1 sigmoid, overlapping pool, conv relu, pool, dense linear", 12, 11, REF_QUADRATIC, 5,
      { CONV(5, 2, 3, 2, 1, 1, REF_SIGMOID), POOL(2, 2, 1, 1), CONV(4, 3, 3, 1, 1, 0, REF_RELU), POOL(2, 2, 2, 2),
        DENSE(5, REF_LINEAR) }, 3 },
    { "dense tanh, dense relu, dense softmax", 6, 6, REF_LOGLIK, 3,
      { DENSE(16, REF_TANH), DENSE(8, REF_RELU), DENSE(3, REF_SOFTMAX) }, 4 },
    { "two conv + pool stages (relu, tanh pad 1), dense softmax", 16, 16, REF_LOGLIK, 5,
      { CONV(6, 5, 5, 1, 1, 0, REF_RELU), POOL(2, 2, 2, 2), CONV(8, 3, 3, 1, 1, 1, REF_TANH), POOL(2, 2, 2, 2),
        DENSE(10, REF_SOFTMAX) }, 5 },
    { "conv linear, then pools only (real output)", 7, 7, REF_QUADRATIC, 3,
      { CONV(4, 3, 3, 1, 1, 0, REF_LINEAR), POOL(2, 2, 1, 1), POOL(2, 2, 2, 2) }, 6 },
    { "a pool first (on the int8 input), conv stride 2 relu, dense softmax", 12, 12, REF_LOGLIK, 3,
      { POOL(2, 2, 2, 2), CONV(3, 2, 2, 2, 2, 0, REF_RELU), DENSE(4, REF_SOFTMAX) }, 7 },
    { "conv same stride 2 relu, pools dropping the last row and column, dense softmax", 14, 13, REF_LOGLIK, 4,
      { CONV_SAME(4, 3, 3, 2, 2, REF_RELU), POOL(2, 2, 2, 2), POOL(2, 3, 1, 2), DENSE(4, REF_SOFTMAX) }, 8 },
};

/* Everything one case needs: the net, its float parameters (as doubles),
 * the calibration images, and the reference's quantities. */
typedef struct qt_ref {
    ref_net net;
    int L;
    size_t np, units[REF_MAX_LAYERS + 1];
    double *p;                  /* parameters: the float values of the weights file */
    double *qp;                 /* dequantized: s_w[m]·q_w for weights, biases as p */
    double *x;                  /* the QT_CAL images, as dataset_open reads them */
    double *af[REF_MAX_LAYERS + 1];   /* float activations a^t of every image, [QT_CAL][units[t]] */
    /* the representation of a^t: quantized (scale, lo/hi of its type) or real */
    int quant[REF_MAX_LAYERS + 1];
    double scale[REF_MAX_LAYERS + 1], qmin[REF_MAX_LAYERS + 1], qmax[REF_MAX_LAYERS + 1];
    int calibrated[REF_MAX_LAYERS + 1];    /* a^t is a conv/dense layer's input */
} qt_ref;

static int qt_weighted(const ref_net *net, int l)
{
    return net->layer[l - 1].kind != REF_MAXPOOL;
}

static int qt_act(const ref_net *net, int l)
{
    return qt_weighted(net, l) ? net->layer[l - 1].act : REF_LINEAR;
}

/* round half up, as the scheme says */
static double qt_round(double t)
{
    return floor(t + 0.5);
}

/* q(a) for a^t: round(a / s) clamped to the type's range */
static double qt_q(const qt_ref *R, int t, double a)
{
    double q = qt_round(a / R->scale[t]);
    return q < R->qmin[t] ? R->qmin[t] : q > R->qmax[t] ? R->qmax[t] : q;
}

/* Write the case's description, weights (float) and data set (QT_CAL
 * random training images, 4 test images) into the scratch directory and
 * compute the reference in R. */
static void qt_prepare(const qt_case *tc, qt_ref *R)
{
    char src[4096], err[512];
    tb_gen g;
    float *pf;
    unsigned char *img, lbl[QT_CAL];
    unsigned dims[3];
    dataset ds;
    rng_state rng;
    const char *hash;
    size_t k, u;
    int l, s, t, n_out;

    memset(R, 0, sizeof *R);
    R->net = ref_net_make(1, tc->h, tc->w, tc->cost);
    for (l = 0; l < tc->nl; ++l) {
        const ref_layer *c = &tc->L[l];
        if (c->kind == REF_CONV && c->same) ref_add_conv_same(&R->net, c->maps, c->kh, c->kw, c->sh, c->sw, c->act);
        else if (c->kind == REF_CONV) ref_add_conv(&R->net, c->maps, c->kh, c->kw, c->sh, c->sw, c->pad, c->act);
        else if (c->kind == REF_MAXPOOL) ref_add_pool(&R->net, c->kh, c->kw, c->sh, c->sw);
        else ref_add_dense(&R->net, c->units, c->act);
    }
    R->L = tc->nl;
    R->np = ref_param_count(&R->net);
    for (l = 0; l <= R->L; ++l) R->units[l] = ref_layer_units(&R->net, l);
    n_out = (int)R->units[R->L];

    /* description and weights file (the arch hash from the generated header) */
    ref_lua(&R->net, "qn", src, sizeof src);
    fs_spit(fs_path("net.lua"), src, strlen(src));
    cr_assert_eq(tb_generate(src, "float", NULL, &g, err, sizeof err), 0, "%s", err);
    hash = strstr(g.h, "_ARCH_HASH");
    cr_assert_not_null(hash);
    rng_seed(&rng, tc->seed);
    R->p = calloc(R->np, sizeof *R->p);
    pf = calloc(R->np, sizeof *pf);
    cr_assert(R->p && pf);
    for (l = 1; l <= R->L; ++l) {
        size_t off = ref_layer_offset(&R->net, l), n, nb;
        if (!qt_weighted(&R->net, l)) continue;
        nb = R->net.layer[l - 1].kind == REF_CONV ? (size_t)R->net.layer[l - 1].maps : (size_t)R->net.layer[l - 1].units;
        n = (l < R->L ? ref_layer_offset(&R->net, l + 1) : R->np) - off;
        for (k = 0; k < n; ++k) {
            double fan = (double)(n - nb) / (double)nb;                 /* inputs per output */
            pf[off + k] = (float)(k < n - nb ? rng_normal(&rng) * sqrt(2.0 / fan) : 0.5 * rng_normal(&rng));
        }
    }
    for (k = 0; k < R->np; ++k) R->p[k] = pf[k];
    cr_assert_eq(ckpt_save(fs_path("w.bin"), pf, R->np, 4, strtoull(strchr(hash, '0'), NULL, 16), err, sizeof err),
                 0, "%s", err);
    free(pf);
    tb_gen_free(&g);

    /* the data set: random pixels, a bright blob somewhere (so the ranges
     * vary by image), labels 0..n_out-1 */
    cr_assert_eq(mkdir(fs_path("data"), 0755), 0);
    img = malloc((size_t)QT_CAL * R->units[0]);
    cr_assert_not_null(img);
    for (s = 0; s < QT_CAL; ++s) {
        unsigned char *im = img + (size_t)s * R->units[0];
        int cy = rng_uniform_int(&rng, tc->h), cx = rng_uniform_int(&rng, tc->w);
        for (u = 0; u < R->units[0]; ++u) {
            int y = (int)u / tc->w, x = (int)u % tc->w, d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
            im[u] = (unsigned char)(d2 <= 4 ? 200 + rng_uniform_int(&rng, 56) : rng_uniform_int(&rng, 120));
        }
        lbl[s] = (unsigned char)(s % n_out);
    }
    dims[0] = QT_CAL;
    dims[1] = (unsigned)tc->h;
    dims[2] = (unsigned)tc->w;
    idxw_write(fs_path("data/train-images-idx3-ubyte"), 3, dims, img, (size_t)QT_CAL * R->units[0], 0);
    idxw_write(fs_path("data/train-labels-idx1-ubyte"), 1, dims, lbl, QT_CAL, 0);
    dims[0] = 4;
    idxw_write(fs_path("data/t10k-images-idx3-ubyte"), 3, dims, img, 4 * R->units[0], 0);
    idxw_write(fs_path("data/t10k-labels-idx1-ubyte"), 1, dims, lbl, 4, 0);
    free(img);

    /* the images as cnngen reads them, and the float network on them */
    cr_assert_eq(dataset_open(fs_path("data"), &ds, err, sizeof err), 0, "%s", err);
    R->x = malloc((size_t)QT_CAL * R->units[0] * sizeof *R->x);
    cr_assert_not_null(R->x);
    for (k = 0; k < (size_t)QT_CAL * R->units[0]; ++k) R->x[k] = ds.train.x[k];
    dataset_free(&ds);
    for (t = 0; t <= R->L; ++t) {
        R->af[t] = malloc((size_t)QT_CAL * R->units[t] * sizeof *R->af[t]);
        cr_assert_not_null(R->af[t]);
    }
    memcpy(R->af[0], R->x, (size_t)QT_CAL * R->units[0] * sizeof *R->x);
    for (s = 0; s < QT_CAL; ++s)
        for (l = 1; l <= R->L; ++l) {
            double *z = malloc(R->units[l] * sizeof *z);
            cr_assert_not_null(z);
            ref_layer_forward(&R->net, l, R->p + ref_layer_offset(&R->net, l), R->af[l - 1] + s * R->units[l - 1], z);
            ref_activate(qt_act(&R->net, l), z, R->af[l] + s * R->units[l], R->units[l]);
            free(z);
        }

    /* the scheme: a^t calibrated when layer t+1 has weights (min, max over
     * the images); a tensor a pool reads takes the pool's representation;
     * after the last conv/dense layer, real */
    for (t = R->L; t >= 0; --t) {
        if (t == R->L) continue;                    /* quant[L] = 0: real */
        if (qt_weighted(&R->net, t + 1)) {
            double lo = HUGE_VAL, hi = -HUGE_VAL;
            for (k = 0; k < (size_t)QT_CAL * R->units[t]; ++k) {
                lo = fmin(lo, R->af[t][k]);
                hi = fmax(hi, R->af[t][k]);
            }
            R->calibrated[t] = R->quant[t] = 1;
            if (lo >= 0) {
                R->qmin[t] = 0, R->qmax[t] = 255, R->scale[t] = hi > 0 ? hi / 255 : 1;
            } else {
                R->qmin[t] = -127, R->qmax[t] = 127, R->scale[t] = fmax(-lo, hi) / 127;
            }
        } else {
            R->quant[t] = R->quant[t + 1];
            R->scale[t] = R->scale[t + 1], R->qmin[t] = R->qmin[t + 1], R->qmax[t] = R->qmax[t + 1];
        }
    }
    /* int8 weights per output row: s_w = max |w| / 127, q = round(w / s_w) */
    R->qp = malloc(R->np * sizeof *R->qp);
    cr_assert_not_null(R->qp);
    memcpy(R->qp, R->p, R->np * sizeof *R->p);
    for (l = 1; l <= R->L; ++l) {
        const ref_layer *c = &R->net.layer[l - 1];
        size_t off = ref_layer_offset(&R->net, l), rows, K, m;
        if (!qt_weighted(&R->net, l)) continue;
        rows = c->kind == REF_CONV ? (size_t)c->maps : (size_t)c->units;
        K = ((l < R->L ? ref_layer_offset(&R->net, l + 1) : R->np) - off) / rows - 1;
        for (m = 0; m < rows; ++m) {
            double *row = R->qp + off + m * K, amax = 0, sw;
            for (k = 0; k < K; ++k) amax = fmax(amax, fabs(row[k]));
            sw = amax > 0 ? amax / 127 : 1;
            for (k = 0; k < K; ++k) row[k] = sw * fmax(-127, fmin(127, qt_round(row[k] / sw)));
        }
    }
}

static void qt_ref_free(qt_ref *R)
{
    int t;
    free(R->p);
    free(R->qp);
    free(R->x);
    for (t = 0; t <= R->L; ++t) free(R->af[t]);
    memset(R, 0, sizeof *R);
}

/* ================================================================ */
/* The generated code, built and run                                */
/* ================================================================ */

/* cnngen net.lua --inference --weights w.bin --quantize int8 ... -o <out> */
static void qt_emit(const char *out, const char *extra)
{
    free(proc_ok("'%s' '%s' --inference --weights '%s' --quantize int8 --calibrate %d --data '%s' %s -o '%s'",
                 fs_env("CNNGEN"), fs_path("net.lua"), fs_path("w.bin"), QT_CAL, fs_path("data"), extra, out));
}

/* A driver that runs <base>.c's qn_forward on every image of <scratch>/x.bin
 * (floats) and prints, per image, each tensor a0..aL of the work struct and
 * y, one line each: "name v v v ...". */
static void qt_write_driver(const char *base, int L)
{
    char text[4096];
    int n = 0, l;
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "#include <stdio.h>\n#include \"%s.h\"\n"
                  "#define SHOW(f) do { size_t i_; printf(#f); for (i_ = 0; i_ < sizeof w.s[0].f / sizeof w.s[0].f[0]; ++i_)"
                  " printf(\" %%.9g\", (double)w.s[0].f[i_]); printf(\"\\n\"); } while (0)\n"
                  "int main(int argc, char **argv)\n{\n"
                  "    static qn_work w;\n    float xf[QN_IN_SIZE];\n    qn_real x[QN_IN_SIZE], y[QN_OUT_SIZE];\n"
                  "    size_t i;\n    FILE *f = argc > 1 ? fopen(argv[1], \"rb\") : NULL;\n"
                  "    if (!f) return 1;\n"
                  "    while (fread(xf, sizeof xf, 1, f) == 1) {\n"
                  "        for (i = 0; i < QN_IN_SIZE; ++i) x[i] = xf[i];\n"
                  "        qn_forward(&w, x, y);\n", base);
    for (l = 0; l <= L; ++l) n += snprintf(text + n, sizeof text - (size_t)n, "        SHOW(a%d);\n", l);
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "        printf(\"y\");\n        for (i = 0; i < QN_OUT_SIZE; ++i) printf(\" %%.9g\", (double)y[i]);\n"
                  "        printf(\"\\n\");\n    }\n    fclose(f);\n    return 0;\n}\n");
    fs_spit(fs_path("drv.c"), text, (size_t)n);
}

/* The images as the driver reads them. */
static void qt_write_inputs(const qt_ref *R)
{
    size_t k, n = (size_t)QT_CAL * R->units[0];
    float *xf = malloc(n * sizeof *xf);
    cr_assert_not_null(xf);
    for (k = 0; k < n; ++k) xf[k] = (float)R->x[k];
    fs_spit(fs_path("x.bin"), xf, n * sizeof *xf);
    free(xf);
}

/* Build <base>.c with the driver (cc and flags: every warning an error)
 * and run it; returns its output. */
static char *qt_run(const char *base, const char *cc, const char *flags)
{
    free(proc_ok("cd '%s' && %s %s -o drv drv.c %s.c -lm 2>&1", fs_scratch(), cc, flags, base));
    return proc_ok("'%s/drv' '%s'", fs_scratch(), fs_path("x.bin"));
}

/* The driver's output: out[s][t] = tensor t (a0..aL, then y at L+1) of image s. */
typedef struct qt_out {
    int L;
    double *v[QT_CAL][REF_MAX_LAYERS + 2];
    size_t n[QT_CAL][REF_MAX_LAYERS + 2];
} qt_out;

static void qt_parse(const char *text, const qt_ref *R, qt_out *o, const char *what)
{
    const char *p = text;
    int s, t;
    memset(o, 0, sizeof *o);
    o->L = R->L;
    for (s = 0; s < QT_CAL; ++s)
        for (t = 0; t <= R->L + 1; ++t) {
            size_t want = t <= R->L ? R->units[t] : R->units[R->L], k;
            char name[16];
            int used;
            if (t <= R->L) snprintf(name, sizeof name, "a%d", t);
            else snprintf(name, sizeof name, "y");
            cr_assert(!strncmp(p, name, strlen(name)) && p[strlen(name)] == ' ',
                      "%s: image %d: expected line %s, got %.60s", what, s, name, p);
            p += strlen(name);
            o->v[s][t] = malloc(want * sizeof(double));
            cr_assert_not_null(o->v[s][t]);
            for (k = 0; k < want; ++k) {
                cr_assert_eq(sscanf(p, " %lf%n", &o->v[s][t][k], &used), 1, "%s: image %d: %s has fewer than %zu values",
                             what, s, name, want);
                p += used;
            }
            o->n[s][t] = want;
            cr_assert_eq(*p, '\n', "%s: image %d: %s has more than %zu values", what, s, name, want);
            ++p;
        }
    cr_assert_eq(*p, '\0', "%s: more output than %d images", what, QT_CAL);
}

static void qt_out_free(qt_out *o)
{
    int s, t;
    for (s = 0; s < QT_CAL; ++s)
        for (t = 0; t <= o->L + 1; ++t) free(o->v[s][t]);
}

/* ================================================================ */
/* The checks                                                       */
/* ================================================================ */

/* got (the generated int8 value) against the exact value a of a^t: equal
 * to q(a), or one step off where a / s lies within QT_TIE of a rounding tie
 * (counted in *ties).  Fails the test otherwise. */
static void qt_expect_q(const qt_ref *R, int t, double a, double got, size_t *ties, const char *what, int s, size_t u)
{
    double want = qt_q(R, t, a), v = a / R->scale[t];
    if (got == want) return;
    cr_assert(fabs(got - want) == 1 && fabs(v - floor(v) - 0.5) < QT_TIE * fmax(1, fabs(v)),
              "%s: image %d: q(a^%d)[%zu] = %g, the reference says %g (a = %.9g, a/s = %.6f)", what, s, t, u, got,
              want, a, v);
    ++*ties;
}

/* Layer by layer from the generated code's own inputs: q(a^0) from x;
 * each conv/dense layer from the generated q(a^{l-1}) (dequantized) with
 * the reference's int8 weights; each pool from the generated a^{l-1}. */
static void qt_check_layers(const qt_ref *R, const qt_out *o, const char *what)
{
    size_t ties = 0, values = 0, u;
    int s, l;
    for (s = 0; s < QT_CAL; ++s) {
        const double *x = R->x + s * R->units[0];
        for (u = 0; u < R->units[0]; ++u) qt_expect_q(R, 0, x[u], o->v[s][0][u], &ties, what, s, u);
        values += R->units[0];
        for (l = 1; l <= R->L; ++l) {
            size_t nin = R->units[l - 1], n = R->units[l];
            double *in = malloc(nin * sizeof *in), *z = malloc(n * sizeof *z), *a = malloc(n * sizeof *a);
            cr_assert(in && z && a);
            for (u = 0; u < nin; ++u) in[u] = o->v[s][l - 1][u] * (R->quant[l - 1] ? R->scale[l - 1] : 1);
            if (qt_weighted(&R->net, l)) {
                ref_layer_forward(&R->net, l, R->qp + ref_layer_offset(&R->net, l), in, z);
                ref_activate(qt_act(&R->net, l), z, a, n);
                for (u = 0; u < n; ++u) {
                    if (R->quant[l])
                        qt_expect_q(R, l, a[u], o->v[s][l][u], &ties, what, s, u);
                    else
                        cr_assert(fabs(o->v[s][l][u] - a[u]) <= 1e-4 * fmax(1, fabs(a[u])),
                                  "%s: image %d: a^%d[%zu] = %.9g, the reference says %.9g", what, s, l, u,
                                  o->v[s][l][u], a[u]);
                }
            } else {
                ref_layer_forward(&R->net, l, NULL, o->v[s][l - 1], a);    /* the max of the generated values */
                for (u = 0; u < n; ++u)
                    cr_assert_eq(o->v[s][l][u], a[u], "%s: image %d: pool a^%d[%zu] = %g, not the max %g", what, s, l,
                                 u, o->v[s][l][u], a[u]);
            }
            values += n;
            free(in), free(z), free(a);
        }
        for (u = 0; u < R->units[R->L]; ++u)
            cr_assert_eq(o->v[s][R->L + 1][u], o->v[s][R->L][u], "%s: image %d: y[%zu] is not a^%d", what, s, u, R->L);
    }
    cr_expect(ties <= values / 200 + 2, "%s: %zu of %zu values rounded the other way at a tie", what, ties, values);
}

/* The expected |int8 − float| of one image's outputs, from a noise model
 * of the scheme, layer by layer (vectors over each tensor's values):
 *   - every rounding of an activation to int8 is an error uniform over
 *     ±s/2, independent of the others: mean 0, variance s²/12;
 *   - the weights' rounding is known exactly: it shifts z by
 *     Σ (ŵ − w) a  (computed with ref's layers, like the sums below);
 *   - a conv or dense layer adds up its input's errors:
 *     shift m_z = |Σ (ŵ − w) a| + Σ |ŵ| m_in,  variance v_z = Σ ŵ² v_in;
 *   - σ to first order: m_a = σ'(z) m_z, v_a = σ'(z)² v_z (relu: slope 1
 *     wherever z is within reach of the kink); softmax through its
 *     Jacobian J = diag(a) − a aᵀ: m_a = |J| m_z, v_a = J² v_z;
 *   - a max-pool takes the largest m and v of its pool.
 * tol = m + 6 sqrt(v) + a float slack: past 6 standard deviations the
 * int8 code is not computing what the scheme says. */
static void qt_tolerance(const qt_ref *R, int s, double *tol)
{
    size_t n0 = R->units[0], u, k;
    double *m = calloc(n0, sizeof *m), *v = malloc(n0 * sizeof *v);
    int l;
    cr_assert(m && v);
    for (u = 0; u < n0; ++u) v[u] = R->scale[0] * R->scale[0] / 12;
    for (l = 1; l <= R->L; ++l) {
        size_t nin = R->units[l - 1], n = R->units[l];
        double *mn = malloc(n * sizeof *mn), *vn = malloc(n * sizeof *vn);
        cr_assert(mn && vn);
        if (qt_weighted(&R->net, l)) {
            const ref_layer *c = &R->net.layer[l - 1];
            const double *ain = R->af[l - 1] + s * nin, *a = R->af[l] + s * n;
            size_t off = ref_layer_offset(&R->net, l), nb = c->kind == REF_CONV ? (size_t)c->maps : n;
            size_t nw = (l < R->L ? ref_layer_offset(&R->net, l + 1) : R->np) - off - nb;
            double *wa = calloc(nw + nb, sizeof *wa), *w2 = calloc(nw + nb, sizeof *w2), *dw = calloc(nw + nb, sizeof *dw);
            double *shift = malloc(n * sizeof *shift), *z = malloc(n * sizeof *z);
            int act = qt_act(&R->net, l);
            cr_assert(wa && w2 && dw && shift && z);
            for (k = 0; k < nw; ++k) {               /* the weights; the biases (last) stay 0 */
                double q = R->qp[off + k];
                wa[k] = fabs(q), w2[k] = q * q, dw[k] = q - R->p[off + k];
            }
            ref_layer_forward(&R->net, l, dw, ain, shift);
            ref_layer_forward(&R->net, l, wa, m, mn);
            ref_layer_forward(&R->net, l, w2, v, vn);
            ref_layer_forward(&R->net, l, R->p + off, ain, z);
            for (u = 0; u < n; ++u) mn[u] += fabs(shift[u]);
            if (act == REF_SOFTMAX) {
                double *ms = calloc(n, sizeof *ms), *vs = calloc(n, sizeof *vs);
                size_t j;
                cr_assert(ms && vs);
                for (j = 0; j < n; ++j)
                    for (k = 0; k < n; ++k) {
                        double J = (j == k ? a[j] : 0) - a[j] * a[k];
                        ms[j] += fabs(J) * mn[k];
                        vs[j] += J * J * vn[k];
                    }
                memcpy(mn, ms, n * sizeof *mn);
                memcpy(vn, vs, n * sizeof *vn);
                free(ms), free(vs);
            } else {
                for (u = 0; u < n; ++u) {
                    double d = act == REF_SIGMOID ? a[u] * (1 - a[u]) : act == REF_TANH ? 1 - a[u] * a[u]
                             : act == REF_RELU ? (z[u] > -(mn[u] + 6 * sqrt(vn[u])) ? 1 : 0) : 1;
                    mn[u] *= d;
                    vn[u] *= d * d;
                }
            }
            if (R->quant[l])                        /* rounded to int8 */
                for (u = 0; u < n; ++u) vn[u] += R->scale[l] * R->scale[l] / 12;
            free(wa), free(w2), free(dw), free(shift), free(z);
        } else {
            ref_layer_forward(&R->net, l, NULL, m, mn);
            ref_layer_forward(&R->net, l, NULL, v, vn);
        }
        free(m), free(v);
        m = mn, v = vn;
    }
    for (u = 0; u < R->units[R->L]; ++u)
        tol[u] = m[u] + 6 * sqrt(v[u]) + 1e-5 * (1 + fabs(R->af[R->L][s * R->units[R->L] + u]));
    free(m), free(v);
}

/* The int8 outputs against the float network: within qt_tolerance, and
 * the same class wherever the float margin exceeds the two tolerances
 * (at least a fifth of the images).  Returns the worst |int8 − float| / tol. */
static double qt_check_float(const qt_ref *R, const qt_out *o, const char *what)
{
    size_t n = R->units[R->L], u;
    double *e = malloc(n * sizeof *e), worst = 0;
    int s, decided = 0;
    cr_assert_not_null(e);
    for (s = 0; s < QT_CAL; ++s) {
        const double *yf = R->af[R->L] + s * n, *yq = o->v[s][R->L + 1];
        size_t b1 = 0, b2 = n > 1 ? 1 : 0, bq = 0;
        qt_tolerance(R, s, e);
        for (u = 0; u < n; ++u) {
            double d = fabs(yq[u] - yf[u]);
            cr_assert(d <= e[u], "%s: image %d: y[%zu] = %.9g int8, %.9g float: off by %.3g, past the tolerance %.3g",
                      what, s, u, yq[u], yf[u], d, e[u]);
            worst = fmax(worst, d / e[u]);
        }
        if (yf[b2] > yf[b1]) b1 = 1, b2 = 0;
        for (u = 2; u < n; ++u) {
            if (yf[u] > yf[b1]) b2 = b1, b1 = u;
            else if (yf[u] > yf[b2]) b2 = u;
        }
        for (u = 1; u < n; ++u)
            if (yq[u] > yq[bq]) bq = u;
        if (n > 1 && yf[b1] - yf[b2] > e[b1] + e[b2]) {
            ++decided;
            cr_assert_eq(bq, b1, "%s: image %d: int8 says class %zu, float %zu by a margin %.3g > the tolerances %.3g",
                         what, s, bq, b1, yf[b1] - yf[b2], e[b1] + e[b2]);
        }
    }
    free(e);
    cr_log_info("%s: worst |int8 - float| is %.2f of the tolerance; %d of %d classes decided by it", what, worst,
                decided, QT_CAL);
    if (n > 1)                  /* random nets on random images have near-ties; not all, though */
        cr_expect_geq(decided, QT_CAL / 5, "%s: the tolerance decides the class of only %d of %d images", what,
                      decided, QT_CAL);
    return worst;
}

/* ================================================================ */
/* Tests                                                            */
/* ================================================================ */

TestSuite(quantize, .init = qt_setup, .fini = qt_teardown, .timeout = 120);

ParameterizedTestParameters(quantize, matches_reference_and_float_within_bound)
{
    return cr_make_param_array(qt_case, qt_cases, sizeof qt_cases / sizeof qt_cases[0]);
}

/* Each case: the int8 code (gcc -O2) against the reference of the
 * quantized computation and against the float network. */
ParameterizedTest(qt_case *tc, quantize, matches_reference_and_float_within_bound)
{
    qt_ref R;
    qt_out o;
    char *text, *c;
    qt_prepare(tc, &R);
    qt_emit(fs_path("q.c"), "");
    c = fs_slurp(fs_path("q.c"), NULL);
    cr_assert_not_null(c);
    cr_expect_not_null(strstr(c, "int8"), "the front matter does not say int8");
    {
        char cal[128];
        snprintf(cal, sizeof cal, "calibrated on the first %d training images of\n * %s", QT_CAL, fs_path("data"));
        cr_expect_not_null(strstr(c, cal), "the front matter does not name the calibration: %s", cal);
    }
    free(c);
    qt_write_driver("q", R.L);
    qt_write_inputs(&R);
    text = qt_run("q", "gcc", "-std=c99 -Wall -Wextra -pedantic -Werror -O2");
    qt_parse(text, &R, &o, tc->what);
    qt_check_layers(&R, &o, tc->what);
    qt_check_float(&R, &o, tc->what);
    qt_out_free(&o);
    free(text);
    qt_ref_free(&R);
}

/* gcc and clang at -O0..-O3 and tcc, every warning an error: each build
 * passes the reference checks, and all compute the same outputs; the
 * object has no writable data and calls no malloc; --real double computes
 * the same int8 network. */
Test(quantize, every_compiler_and_level_and_double)
{
    static const char *const builds[][2] = {
        { "gcc", "-O0" }, { "gcc", "-O1" }, { "gcc", "-O2" }, { "gcc", "-O3 -march=native" },
        { "clang", "-O0" }, { "clang", "-O1" }, { "clang", "-O2" }, { "clang", "-O3 -march=native" },
        { "tcc", "" },
    };
    const qt_case *tc = &qt_cases[4];           /* two conv stages, padding, a signed tensor */
    qt_ref R;
    qt_out o, first;
    char *text, what[160], flags[160];
    size_t b, u;
    int s;
    qt_prepare(tc, &R);
    qt_emit(fs_path("q.c"), "");
    qt_write_driver("q", R.L);
    qt_write_inputs(&R);
    for (b = 0; b < sizeof builds / sizeof builds[0]; ++b) {
        snprintf(what, sizeof what, "%s %s", builds[b][0], builds[b][1]);
        snprintf(flags, sizeof flags, "%s %s", !strcmp(builds[b][0], "tcc") ? "-Wall -Werror"
                 : "-std=c99 -Wall -Wextra -pedantic -Werror", builds[b][1]);
        text = qt_run("q", builds[b][0], flags);
        qt_parse(text, &R, b ? &o : &first, what);
        free(text);
        qt_check_layers(&R, b ? &o : &first, what);
        if (!b) continue;
        for (s = 0; s < QT_CAL; ++s)
            for (u = 0; u < R.units[R.L]; ++u)
                cr_expect(fabs(o.v[s][R.L + 1][u] - first.v[s][R.L + 1][u]) <= 1e-5,
                          "%s: image %d: y[%zu] = %.9g, gcc -O0 computes %.9g", what, s, u, o.v[s][R.L + 1][u],
                          first.v[s][R.L + 1][u]);
        qt_out_free(&o);
    }
    /* no mutable globals, no malloc */
    text = proc_ok("cd '%s' && gcc -std=c99 -O2 -c q.c -o q.o && nm q.o", fs_scratch());
    cr_expect_null(strstr(text, " D "), "writable data in the int8 code:\n%s", text);
    cr_expect_null(strstr(text, " B "), "writable data in the int8 code:\n%s", text);
    cr_expect_null(strstr(text, " d "), "writable data in the int8 code:\n%s", text);
    cr_expect_null(strstr(text, " b "), "writable data in the int8 code:\n%s", text);
    cr_expect_null(strstr(text, "malloc"), "the int8 code calls malloc:\n%s", text);
    free(text);
    /* --real double: double in and out around the same int8 core */
    qt_emit(fs_path("qd.c"), "--real double");
    text = fs_slurp(fs_path("qd.h"), NULL);
    cr_assert_not_null(text);
    cr_expect_not_null(strstr(text, "typedef double qn_real;"), "%s", text);
    free(text);
    qt_write_driver("qd", R.L);
    text = qt_run("qd", "gcc", "-std=c99 -Wall -Wextra -pedantic -Werror -O2");
    qt_parse(text, &R, &o, "--real double");
    free(text);
    qt_check_layers(&R, &o, "--real double");
    qt_check_float(&R, &o, "--real double");
    qt_out_free(&o);
    qt_out_free(&first);
    qt_ref_free(&R);
}

/* Every error of the command line: one line on stderr, exit status 2,
 * and no file written. */
Test(quantize, errors_are_one_line_and_write_nothing)
{
    char net[600], w[600], data[600], out[600], big[4096];
    const char *bin = fs_env("CNNGEN");
    struct { const char *args, *err; } cases[12];
    qt_ref R;
    size_t k, n = 0;
    qt_prepare(&qt_cases[0], &R);
    qt_ref_free(&R);
    snprintf(net, sizeof net, "'%s'", fs_path("net.lua"));
    snprintf(w, sizeof w, "--weights '%s'", fs_path("w.bin"));
    snprintf(data, sizeof data, "%s", fs_path("data"));
    snprintf(out, sizeof out, "'%s'", fs_path("o.c"));
#define QT_ERR(a, e) (cases[n].args = (a), cases[n].err = (e), ++n)
    QT_ERR("--quantize int8", "cnngen: --quantize int8 quantizes inference code: add --inference (see cnngen --help)");
    QT_ERR("--inference --quantize int4", "cnngen: --quantize must be int8, not 'int4' (see cnngen --help)");
    QT_ERR("--inference --calibrate 10", "cnngen: --calibrate N needs --quantize int8 (N: the training images "
                                         "that calibrate its ranges) (see cnngen --help)");
    QT_ERR("--inference --quantize int8 --calibrate 0", "cnngen: --calibrate needs an integer >= 1, not '0'");
    QT_ERR("--inference --quantize int8 --calibrate 25", "cnngen: --calibrate 25: DATA has only 24 training images");
    QT_ERR("--inference --quantize int8 --unroll kernel", "cnngen: --quantize int8 generates one loop form, "
                                                         "--unroll none, not --unroll kernel (see cnngen --help)");
    QT_ERR("--inference --quantize int8 --unroll full", "cnngen: --quantize int8 generates one loop form, "
                                                       "--unroll none, not --unroll full (see cnngen --help)");
#undef QT_ERR
    for (k = 0; k < n; ++k) {
        proc_result r;
        char want[1024], *at;
        snprintf(want, sizeof want, "%s\n", cases[k].err);
        if ((at = strstr(want, "DATA")) != NULL) {     /* the data set's name */
            char tail[512];
            snprintf(tail, sizeof tail, "%s", at + 4);
            snprintf(at, sizeof want - (size_t)(at - want), "%s%s", data, tail);
        }
        proc_shf(&r, "'%s' %s %s --data '%s' %s -o %s", bin, net, w, data, cases[k].args, out);
        cr_expect_eq(r.status, 2, "%s: exit %d, stderr %s", cases[k].args, r.status, r.err);
        cr_expect_str_eq(r.err, want, "%s", cases[k].args);
        cr_expect_str_eq(r.out, "", "%s", cases[k].args);
        cr_expect(access(fs_path("o.c"), F_OK) != 0 && access(fs_path("o.h"), F_OK) != 0, "%s wrote a file",
                  cases[k].args);
        proc_free(&r);
    }
    /* other commands */
    {
        static const char *const other[][2] = {
            { "run NET --quantize int8",
              "cnngen: --quantize is for inference code (emit with --inference, eval, info, report), not run (see cnngen --help)" },
            { "info NET --inference --quantize int8 --calibrate 5",
              "cnngen: --calibrate: info does not calibrate (its footprint needs no data) (see cnngen --help)" },
            { "info NET --quantize int8",
              "cnngen: --quantize int8 quantizes inference code: add --inference (see cnngen --help)" },
            { "eval NET W --calibrate 5", "cnngen: --calibrate N needs --quantize int8 (N: the training images "
                                          "that calibrate its ranges) (see cnngen --help)" },
        };
        for (k = 0; k < sizeof other / sizeof other[0]; ++k) {
            proc_result r;
            char args[2048];
            const char *a = other[k][0];
            size_t o = 0;
            while (*a && o + 700 < sizeof args) {      /* NET and W become the files */
                if (!strncmp(a, "NET", 3)) o += (size_t)snprintf(args + o, sizeof args - o, "%s", net), a += 3;
                else if (*a == 'W' && (a[1] == ' ' || !a[1])) o += (size_t)snprintf(args + o, sizeof args - o, "%s", w), ++a;
                else args[o++] = *a++;
            }
            args[o] = '\0';
            proc_shf(&r, "'%s' %s", bin, args);
            cr_expect_eq(r.status, 2, "%s: exit %d, stderr %s", other[k][0], r.status, r.err);
            snprintf(big, sizeof big, "%s\n", other[k][1]);
            cr_expect_str_eq(r.err, big, "%s", other[k][0]);
            proc_free(&r);
        }
    }
    /* a layer whose int sums could overflow: 258*258 inputs, unsigned */
    {
        static const char src[] = "return network {\n  name = \"wide\",\n  input = { 1, 258, 258 },\n"
                                  "  layers = {\n    dense { units = 2, act = \"softmax\" },\n  },\n}\n";
        static unsigned char px[3 * 258 * 258];
        unsigned char lbl[3] = { 0, 1, 0 };
        unsigned dims[3] = { 3, 258, 258 };
        char e[512];
        float *zero = calloc(2 * 258 * 258 + 2, sizeof *zero);
        tb_gen g;
        const char *hash;
        proc_result r;
        cr_assert_not_null(zero);
        fs_spit(fs_path("wide.lua"), src, sizeof src - 1);
        cr_assert_eq(tb_generate(src, "float", NULL, &g, e, sizeof e), 0, "%s", e);
        hash = strstr(g.h, "_ARCH_HASH");
        cr_assert_not_null(hash);
        zero[0] = 1.0f;
        cr_assert_eq(ckpt_save(fs_path("wide.bin"), zero, 2 * 258 * 258 + 2, 4,
                               strtoull(strchr(hash, '0'), NULL, 16), e, sizeof e), 0, "%s", e);
        tb_gen_free(&g);
        free(zero);
        cr_assert_eq(mkdir(fs_path("wide"), 0755), 0);
        px[7] = 255;
        idxw_write(fs_path("wide/train-images-idx3-ubyte"), 3, dims, px, sizeof px, 0);
        idxw_write(fs_path("wide/train-labels-idx1-ubyte"), 1, dims, lbl, 3, 0);
        idxw_write(fs_path("wide/t10k-images-idx3-ubyte"), 3, dims, px, sizeof px, 0);
        idxw_write(fs_path("wide/t10k-labels-idx1-ubyte"), 1, dims, lbl, 3, 0);
        proc_shf(&r, "cd '%s' && '%s' wide.lua --inference --weights wide.bin --quantize int8 --data wide -o o.c",
                 fs_scratch(), bin);
        cr_expect_eq(r.status, 2, "exit %d, stderr %s", r.status, r.err);
        cr_expect_str_eq(r.err, "wide.lua:5: dense (layer 1): cannot be quantized: its int sums of 66564 products "
                                "of int8 values could reach 2155675140, past a 32-bit int (at most 66311 products "
                                "with unsigned char inputs)\n");
        cr_expect(access(fs_path("o.c"), F_OK) != 0, "a file was written");
        proc_free(&r);
    }
}

/* The int8 weights are about a quarter of the float ones, and the work
 * struct is smaller too (`cnngen info --inference [--quantize int8]`). */
Test(quantize, weights_are_a_quarter_of_float)
{
    static const char *const nets[] = { "nielsen1", "nielsen2" };
    size_t k;
    for (k = 0; k < 2; ++k) {
        double wf, wq, sf, sq;
        char *f = proc_ok("'%s' info '%s/examples/%s.lua' --inference", fs_env("CNNGEN"), fs_env("CNNGEN_ROOT"), nets[k]);
        char *q = proc_ok("'%s' info '%s/examples/%s.lua' --inference --quantize int8", fs_env("CNNGEN"),
                          fs_env("CNNGEN_ROOT"), nets[k]);
        const char *pf = strstr(f, "\n  weights "), *pq = strstr(q, "\n  weights ");
        const char *vf = strstr(f, "\n  work struct "), *vq = strstr(q, "\n  work struct ");
        cr_assert(pf && pq && vf && vq, "no footprint in:\n%s\n%s", f, q);
        cr_expect_not_null(strstr(q, "--quantize int8), "), "%s", q);
        cr_expect_not_null(strstr(q, "int8 weights, "), "%s", q);
        {
            /* "  weights   1,158,520 bytes": drop the commas */
            char a[64], b[64], c[64], d[64];
            size_t i, j;
            const char *src[4] = { pf + 10, pq + 10, vf + 14, vq + 14 };
            char *dst[4] = { a, b, c, d };
            for (i = 0; i < 4; ++i) {
                const char *p = src[i];
                while (*p == ' ') ++p;
                for (j = 0; (isdigit((unsigned char)*p) || *p == ',') && j + 1 < 64; ++p)
                    if (*p != ',') dst[i][j++] = *p;
                dst[i][j] = '\0';
            }
            wf = atof(a), wq = atof(b), sf = atof(c), sq = atof(d);
        }
        cr_expect(wq >= 0.25 * wf && wq <= 0.27 * wf, "%s: int8 weights %.0f bytes, float %.0f: not about 1/4",
                  nets[k], wq, wf);
        cr_expect(sq < sf, "%s: int8 work struct %.0f bytes, float %.0f", nets[k], sq, sf);
        free(f);
        free(q);
    }
}

/* "accuracy":X of eval --json's output */
static double qt_accuracy(const char *json)
{
    const char *p = strstr(json, "\"accuracy\":");
    cr_assert_not_null(p, "no accuracy in %s", json);
    return strtod(p + 11, NULL);
}

/* On real data: a small net trained briefly on Fashion-MNIST (the first
 * 4,000 training images, two epochs, cc), evaluated on the first 1,000
 * test images in float and in int8 (calibrated on 500 training images):
 * int8 within 1.5 points of float. */
Test(quantize, fashion_mnist_int8_accuracy_within_1_5_points_of_float, .timeout = 240)
{
    static const char net[] =
        "return network {\n  name = \"fm\",\n  input = { 1, 28, 28 },\n  layers = {\n"
        "    conv    { maps = 8, kernel = 5, act = \"relu\" },\n    maxpool { size = 2 },\n"
        "    dense   { units = 32, act = \"relu\" },\n    dense   { units = 10, act = \"softmax\" },\n  },\n"
        "  train = { eta = 0.05, batch = 10, l2 = 0.1, seed = 1 },\n}\n";
    const char *ds_env = getenv("CNNGEN_DATASETS_DIR");
    char dir[600], err[512], *text, env[700];
    dataset ds;
    unsigned dims[3] = { 0, 28, 28 };
    unsigned char *px, *lb;
    double af, aq;
    int k, i, ntr = 4000, nte = 1000;
    snprintf(dir, sizeof dir, "%s/fashion-mnist", ds_env && *ds_env ? ds_env : "/usr/share/datasets");
    if (access(dir, R_OK) != 0)
        cr_skip_test("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    cr_assert_eq(dataset_open("fashion-mnist", &ds, err, sizeof err), 0, "%s", err);
    /* the subsets, as IDX files cnngen reads back to the same floats */
    cr_assert_eq(mkdir(fs_path("fm"), 0755), 0);
    px = malloc((size_t)ntr * 784);
    lb = malloc((size_t)ntr);
    cr_assert(px && lb);
    for (k = 0; k < 2; ++k) {
        const ds_split *sp = k ? &ds.test : &ds.train;
        int n = k ? nte : ntr;
        for (i = 0; i < n * 784; ++i) px[i] = (unsigned char)lrintf(sp->x[i] * 255.0f);
        for (i = 0; i < n; ++i) lb[i] = (unsigned char)sp->y[i];
        dims[0] = (unsigned)n;
        idxw_write(fs_path(k ? "fm/t10k-images-idx3-ubyte" : "fm/train-images-idx3-ubyte"), 3, dims, px, (size_t)n * 784, 0);
        idxw_write(fs_path(k ? "fm/t10k-labels-idx1-ubyte" : "fm/train-labels-idx1-ubyte"), 1, dims, lb, (size_t)n, 0);
    }
    free(px);
    free(lb);
    dataset_free(&ds);
    fs_spit(fs_path("fm.lua"), net, sizeof net - 1);
    snprintf(env, sizeof env, "XDG_CACHE_HOME='%s'", fs_scratch());   /* the cc builds' cache */
    free(proc_ok("%s '%s' run '%s' --data '%s' --epochs 2 --backend cc --save '%s'", env, fs_env("CNNGEN"),
                 fs_path("fm.lua"), fs_path("fm"), fs_path("fm.bin")));
    text = proc_ok("%s '%s' eval '%s' --data '%s' --weights '%s' --backend cc --json", env, fs_env("CNNGEN"),
                   fs_path("fm.lua"), fs_path("fm"), fs_path("fm.bin"));
    af = qt_accuracy(text);
    free(text);
    text = proc_ok("%s '%s' eval '%s' --data '%s' --weights '%s' --quantize int8 --calibrate 500 --json", env,
                   fs_env("CNNGEN"), fs_path("fm.lua"), fs_path("fm"), fs_path("fm.bin"));
    cr_expect_not_null(strstr(text, "\"quantize\":\"int8\",\"calibrate\":500,"), "%s", text);
    cr_expect_not_null(strstr(text, "\"n\":1000,"), "%s", text);
    aq = qt_accuracy(text);
    free(text);
    cr_log_info("Fashion-MNIST, 1,000 test images: float %.1f%%, int8 %.1f%%", 100 * af, 100 * aq);
    cr_assert_geq(af, 0.70, "the net did not learn (float accuracy %.3f): the comparison would be weak", af);
    cr_expect(fabs(aq - af) <= 0.015, "int8 accuracy %.1f%%, float %.1f%%: more than 1.5 points apart", 100 * aq,
              100 * af);
}
