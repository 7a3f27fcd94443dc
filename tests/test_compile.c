/*
 * test_compile.c -- the generated C as a user gets it (`cnngen NET.lua -o
 * net.c`), under the compilers and flags users have (docs/design.md, "The
 * generated C (contract)"):
 *
 *   - it includes <math.h>, <stddef.h> and its own header, nothing else;
 *   - gcc and clang (-std=c99 -Wall -Wextra -pedantic -Werror) at -O0..-O3
 *     and tcc (-Wall -Werror) compile it without a single diagnostic;
 *   - the objects hold no mutable global or static state (nm: no D/d/B/b/C
 *     symbols; the only exception is tcc, which keeps its floating-point
 *     literals in .data as local labels L.<n>), define exactly the five API
 *     functions, and leave undefined only libm functions plus what the
 *     compilers insert themselves (memset/memcpy, tcc's conversion helpers):
 *     no malloc, calloc, realloc, free, nor anything else;
 *   - it RUNS the same everywhere: a driver written here calls init(42),
 *     loss_grad on three pseudo-random samples, forward, predict and one
 *     train_batch, printing the cost, per-block checksums of the gradient
 *     and the outputs; the driver linked with each object must print what
 *     the in-process tcc build (the JIT path) computes: within 1e-4
 *     relative in float, 1e-9 in double, predictions exactly. That catches
 *     a call an optimizer deleted (docs/hacking.md, Hazards 1: gcc 12.2 removed an
 *     int-indexed max-pool call at -O1/-O2, leaving stale activations):
 *     the gradient blocks of the layers below and the outputs would differ.
 *     The baseline itself must look alive: outputs overwritten, finite,
 *     summing to 1 (softmax), different for different samples, a nonzero
 *     gradient, a train step that changes the output.
 *
 * Every example at --unroll kernel in float and double; lenet5 also at
 * --unroll none and full (full unrolling of the nielsens takes gcc a minute);
 * which -O levels each configuration gets is decided by time, see cfgs[].
 * A configuration's compiles run two at a time (its gcc -O2 of nielsen2
 * alone takes 7 s of CPU), then each object is checked, linked and run.
 * The binary comes from $CNNGEN, the examples from $CNNGEN_ROOT/examples.
 * Work happens in a /tmp/cnngen-compile-XXXXXX directory, removed on
 * success and left for inspection on failure (messages name it).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "fsutil.h"
#include "proc.h"

/* ---- processes and files -------------------------------------------------- */

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert(fclose(f) == 0, "cannot write %s", path);
}

/* Generates examples/<ex>.lua with the binary into dir/net.c and dir/net.h. */
static void generate(const char *dir, const char *ex, const char *real, const char *unroll)
{
    char cmd[2048], *out;
    int st;
    snprintf(cmd, sizeof cmd, "'%s' '%s/examples/%s.lua' -o '%s/net.c' --real %s --unroll %s",
             env_or("CNNGEN", "build/cnngen"), env_or("CNNGEN_ROOT", "."), ex, dir, real, unroll);
    st = proc_sh_merged(cmd, &out);
    cr_assert_eq(st, 0, "%s: exit %d:\n%s", cmd, st, out);
    free(out);
}

/* ---- the contract's includes ---------------------------------------------- */

/* The #include lines of text ("<math.h>", "\"net.h\"", ...) must be exactly
 * the `n` allowed ones, each once. */
static void check_includes(const char *text, const char *file, const char *const *allowed, int n,
                           const char *what)
{
    const char *line = text;
    int seen[8] = { 0 }, k;
    while (line && *line) {
        const char *p = line, *end = strchr(line, '\n');
        while (*p == ' ' || *p == '\t') ++p;
        if (*p == '#') {
            ++p;
            while (*p == ' ' || *p == '\t') ++p;
            if (!strncmp(p, "include", 7)) {
                char name[128];
                int found = 0;
                p += 7;
                while (*p == ' ' || *p == '\t') ++p;
                snprintf(name, sizeof name, "%.*s", (int)((end ? end : p + strlen(p)) - p), p);
                while (*name && (name[strlen(name) - 1] == ' ' || name[strlen(name) - 1] == '\r'))
                    name[strlen(name) - 1] = '\0';
                for (k = 0; k < n; ++k)
                    if (!strcmp(name, allowed[k])) found = 1, seen[k]++;
                cr_assert(found, "%s: %s includes %s; only <math.h>, <stddef.h> and its own header are allowed",
                          what, file, name);
            }
        }
        line = end ? end + 1 : NULL;
    }
    for (k = 0; k < n; ++k)
        cr_assert(seen[k] <= 1, "%s: %s includes %s %d times", what, file, allowed[k], seen[k]);
}

Test(compile, includes_only_math_stddef_and_own_header, .timeout = 30)
{
    static const char *const examples[] = { "nielsen1", "nielsen2", "lenet5" };
    static const char *const reals[] = { "float", "double" };
    static const char *const c_ok[] = { "<math.h>", "<stddef.h>", "\"net.h\"" };
    static const char *const h_ok[] = { "<stddef.h>" };
    char dir[] = "/tmp/cnngen-compile-XXXXXX", path[512], what[128], cmd[600];
    int e, r, u;
    cr_assert(mkdtemp(dir), "mkdtemp");
    for (e = 0; e < 3; ++e)
        for (r = 0; r < 2; ++r)
            for (u = 0; u < TB_NUNROLLS; ++u) {
                char *c, *h;
                generate(dir, examples[e], reals[r], tb_unrolls[u]);
                snprintf(what, sizeof what, "%s --real %s --unroll %s", examples[e], reals[r], tb_unrolls[u]);
                snprintf(path, sizeof path, "%s/net.c", dir);
                c = fs_slurp(path, NULL);
                snprintf(path, sizeof path, "%s/net.h", dir);
                h = fs_slurp(path, NULL);
                cr_assert(c && h, "%s: no net.c/net.h in %s", what, dir);
                check_includes(c, "net.c", c_ok, 3, what);
                cr_assert(strstr(c, "#include \"net.h\""), "%s: net.c does not include its header net.h", what);
                check_includes(h, "net.h", h_ok, 1, what);
                free(c);
                free(h);
            }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- symbols --------------------------------------------------------------- */

/* What an object may leave undefined: the math library, and what compilers
 * insert on their own (gcc/clang turn zeroing loops into memset; tcc calls
 * libtcc1 helpers for unsigned 64-bit <-> floating conversions). */
static const char *const undef_ok[] = {
    "exp", "expf", "log", "logf", "tanh", "tanhf", "sqrt", "sqrtf", "cos", "cosf", "sin", "sinf",
    "fabs", "fabsf", "exp2", "exp2f", "expm1", "expm1f", "log1p", "log1pf", "pow", "powf",
    "fmax", "fmaxf", "fmin", "fminf", "floor", "floorf", "ceil", "ceilf", "erf", "erff",
    "memset", "memcpy", "memmove",
    "__floatundidf", "__floatundisf", "__fixunsdfdi", "__fixunssfdi", "__fixdfdi", "__fixsfdi",
    "__floatdidf", "__floatdisf",
};

static int in_list(const char *s, const char *const *list, size_t n)
{
    size_t k;
    for (k = 0; k < n; ++k)
        if (!strcmp(s, list[k])) return 1;
    return 0;
}

/* nm the object: see the file's header for the rules. */
static void check_symbols(const char *obj, const char *net, int is_tcc, const char *what)
{
    static const char *const api[] = { "init", "forward", "predict", "loss_grad", "train_batch" };
    char cmd[2200], *out, *line, *save = NULL, sym[5][64];
    int st, k, defined[5] = { 0 };
    for (k = 0; k < 5; ++k) snprintf(sym[k], sizeof sym[k], "%s_%s", net, api[k]);
    snprintf(cmd, sizeof cmd, "nm '%s'", obj);
    st = proc_sh_merged(cmd, &out);
    cr_assert_eq(st, 0, "%s: %s:\n%s", what, cmd, out);
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char type, f[3][256], *name;
        /* "0000000000000000 T name" or "                 U name" */
        int nf = sscanf(line, "%255s %255s %255s", f[0], f[1], f[2]);
        if (nf < 2 || strlen(f[nf - 2]) != 1)
            cr_assert_fail("%s: cannot read nm line '%s'", what, line);
        type = f[nf - 2][0];
        name = f[nf - 1];
        switch (type) {
        case 'T':
            for (k = 0; k < 5 && strcmp(name, sym[k]); ++k) {}
            cr_assert(k < 5, "%s: defines the global function %s, not part of the API", what, name);
            defined[k] = 1;
            break;
        case 't':
            cr_assert(!strncmp(name, net, strlen(net)) || name[0] == '.',
                      "%s: static function %s is not prefixed %s_", what, name, net);
            break;
        case 'r': case 'n': case 'N':            /* read-only data: literal pools; debug */
            break;
        case 'U':
            cr_assert(in_list(name, undef_ok, sizeof undef_ok / sizeof undef_ok[0]),
                      "%s: calls %s (only libm and compiler helpers may be undefined)", what, name);
            break;
        case 'd':
            /* tcc keeps floating-point constants in .data as local labels L.<n> */
            if (is_tcc && name[0] == 'L' && name[1] == '.' && strspn(name + 2, "0123456789") == strlen(name + 2))
                break;
            cr_assert_fail("%s: data symbol '%s' (type d): mutable static state", what, name);
            break;
        default:
            cr_assert_fail("%s: symbol '%s' of type %c (data, bss, common or other: global state?)",
                           what, name, type);
        }
    }
    for (k = 0; k < 5; ++k) cr_assert(defined[k], "%s: %s is not defined", what, sym[k]);
    free(out);
}

/* ---- the driver -------------------------------------------------------------- */

#define NSAMP 3
#define BLOCK 64

/* Everything but its first lines (which name the net and the precision) is
 * the same for every net. Checksums of the gradient: Σ|g| over blocks of
 * BLOCK parameters, summed in double in index order. */
static const char driver_body[] =
    "#include <stdio.h>\n"
    "#include \"net.h\"\n"
    "typedef API(real) real;   /* the header's precision: a wrong one breaks -Werror below */\n"
    "#define NS 3\n"
    "#define BLOCK 64\n"
    "static real params[UP(PARAM_COUNT)], grad[UP(PARAM_COUNT)], x[NS * UP(IN_SIZE)], y[UP(OUT_SIZE)];\n"
    "static int labels[NS];\n"
    "static API(work) w;\n"
    "static unsigned long long state = 12345;\n"
    "static unsigned long long next(void)\n"
    "{\n"
    "    unsigned long long z = (state += 0x9E3779B97F4A7C15ULL);\n"
    "    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;\n"
    "    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;\n"
    "    return z ^ (z >> 31);\n"
    "}\n"
    "static void outputs(const char *tag, int s)\n"
    "{\n"
    "    int j;\n"
    "    for (j = 0; j < UP(OUT_SIZE); ++j) y[j] = -1;\n"
    "    API(forward)(params, &w, x + s * UP(IN_SIZE), y);\n"
    "    for (j = 0; j < UP(OUT_SIZE); ++j) printf(\"%s \" FMT \"\\n\", tag, (double)y[j]);\n"
    "}\n"
    "int main(void)\n"
    "{\n"
    "    long k;\n"
    "    int s;\n"
    "    double c;\n"
    "    API(init)(params, 42);\n"
    "    for (k = 0; k < NS * UP(IN_SIZE); ++k) x[k] = (real)((double)(next() >> 11) / 9007199254740992.0);\n"
    "    for (s = 0; s < NS; ++s) labels[s] = (int)(next() % UP(OUT_SIZE));\n"
    "    c = API(loss_grad)(params, &w, x, labels, NS, grad);\n"
    "    printf(\"cost \" FMT \"\\n\", c);\n"
    "    for (k = 0; k < UP(PARAM_COUNT); k += BLOCK) {\n"
    "        double sum = 0.0;\n"
    "        long i;\n"
    "        for (i = k; i < k + BLOCK && i < UP(PARAM_COUNT); ++i) sum += grad[i] < 0 ? -(double)grad[i] : grad[i];\n"
    "        printf(\"g \" FMT \"\\n\", sum);\n"
    "    }\n"
    "    for (s = 0; s < NS; ++s) {\n"
    "        outputs(\"y\", s);\n"
    "        printf(\"pred %d\\n\", API(predict)(params, &w, x + s * UP(IN_SIZE)));\n"
    "    }\n"
    "    c = API(train_batch)(params, grad, &w, x, labels, NS, (real)0.1, (real)0.1, 1000);\n"
    "    printf(\"cost2 \" FMT \"\\n\", c);\n"
    "    outputs(\"y2\", 0);\n"
    "    return 0;\n"
    "}\n";

static void write_driver(const char *dir, const char *net, int dbl)
{
    char path[512], up[64], *text;
    size_t k, len = sizeof driver_body + 512;
    for (k = 0; net[k] && k < sizeof up - 1; ++k) up[k] = (char)(net[k] >= 'a' && net[k] <= 'z' ? net[k] - 32 : net[k]);
    up[k] = '\0';
    text = malloc(len);
    snprintf(text, len,
             "/* driver for %s (%s), written by tests/test_compile.c */\n"
             "#define FMT \"%s\"\n#define API(x) %s_##x\n#define UP(x) %s_##x\n%s",
             net, dbl ? "double" : "float", dbl ? "%.17g" : "%.9g", net, up, driver_body);
    snprintf(path, sizeof path, "%s/driver.c", dir);
    spit(path, text);
    free(text);
}

/* The driver's output: one "tag value" a line. */
typedef struct numbers {
    size_t n;
    char tag[8192][8];
    double v[8192];
} numbers;

/* Parses the driver output; 0 on a malformed line or overflow. */
static int parse_numbers(const char *text, numbers *nb)
{
    const char *p = text;
    nb->n = 0;
    while (*p) {
        char tag[8];
        double v;
        int used;
        if (sscanf(p, "%7s %lf%n", tag, &v, &used) != 2 || nb->n == 8192) return 0;
        memcpy(nb->tag[nb->n], tag, sizeof tag);
        nb->v[nb->n++] = v;
        p += used;
        while (*p == '\n' || *p == ' ') ++p;
    }
    return 1;
}

static void add(numbers *nb, const char *tag, double v)
{
    cr_assert(nb->n < 8192, "too many numbers");
    snprintf(nb->tag[nb->n], sizeof nb->tag[0], "%s", tag);
    nb->v[nb->n++] = v;
}

/* The driver's computation, in-process on a tcc build: the baseline. */
static void baseline(const net_api *api, numbers *nb)
{
    size_t np = api->param_count, nin = api->in_size, nout = api->out_size, k, i;
    int dbl = api->is_double, s, labels[NSAMP];
    size_t sz = dbl ? sizeof(double) : sizeof(float);
    void *p = calloc(np, sz), *g = calloc(np, sz), *x = calloc(NSAMP * nin, sz), *y = calloc(nout, sz);
    void *w = calloc(1, api->work_size);
    unsigned long long state = 12345;
    double c;
#define AT(buf, i) (dbl ? ((double *)(buf))[i] : (double)((float *)(buf))[i])
    nb->n = 0;
    if (dbl) api->init.d(p, 42); else api->init.f(p, 42);
    for (k = 0; k < NSAMP * nin; ++k) {
        unsigned long long z = (state += 0x9E3779B97F4A7C15ULL);
        double v;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        v = (double)(z >> 11) / 9007199254740992.0;
        if (dbl) ((double *)x)[k] = v; else ((float *)x)[k] = (float)v;
    }
    for (s = 0; s < NSAMP; ++s) {
        unsigned long long z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        labels[s] = (int)(z % nout);
    }
    c = dbl ? api->loss_grad.d(p, w, x, labels, NSAMP, g) : api->loss_grad.f(p, w, x, labels, NSAMP, g);
    add(nb, "cost", c);
    for (k = 0; k < np; k += BLOCK) {
        double sum = 0.0;
        for (i = k; i < k + BLOCK && i < np; ++i) sum += fabs(AT(g, i));
        add(nb, "g", sum);
    }
    for (s = 0; s < NSAMP + 1; ++s) {
        int si = s < NSAMP ? s : 0, pred;
        for (i = 0; i < nout; ++i)
            if (dbl) ((double *)y)[i] = -1; else ((float *)y)[i] = -1;
        if (s == NSAMP) {
            c = dbl ? api->train_batch.d(p, g, w, x, labels, NSAMP, 0.1, 0.1, 1000)
                    : api->train_batch.f(p, g, w, x, labels, NSAMP, 0.1f, 0.1f, 1000);
            add(nb, "cost2", c);
        }
        if (dbl) api->forward.d(p, w, (double *)x + (size_t)si * nin, y);
        else api->forward.f(p, w, (float *)x + (size_t)si * nin, y);
        for (i = 0; i < nout; ++i) add(nb, s < NSAMP ? "y" : "y2", AT(y, i));
        if (s < NSAMP) {
            pred = dbl ? api->predict.d(p, w, (double *)x + (size_t)s * nin)
                       : api->predict.f(p, w, (float *)x + (size_t)s * nin);
            add(nb, "pred", pred);
        }
    }
#undef AT
    free(p); free(g); free(x); free(y); free(w);
}

/* The baseline must show a working net (see the file's header). */
static void check_alive(const numbers *nb, size_t nout, const char *what)
{
    size_t k, j, nonzero_g = 0, ny = 0, differ = 0;
    const double *y0 = NULL;
    double cost = NAN, cost2 = NAN, sum = 0.0;
    for (k = 0; k < nb->n; ++k) {
        const char *t = nb->tag[k];
        double v = nb->v[k];
        cr_assert(isfinite(v), "%s: %s = %g", what, t, v);
        if (!strcmp(t, "cost")) cost = v;
        if (!strcmp(t, "cost2")) cost2 = v;
        if (!strcmp(t, "g")) nonzero_g += v != 0.0;
        if (!strcmp(t, "y")) {
            cr_assert(v != -1.0, "%s: forward left output %zu untouched", what, ny % nout);
            if (!y0) y0 = &nb->v[k];
            if (ny >= nout && v != y0[ny % nout]) differ++;
            sum += v;
            if (++ny % nout == 0) {
                cr_assert(fabs(sum - 1.0) < 1e-5, "%s: softmax outputs of a sample sum to %.9g", what, sum);
                sum = 0.0;
            }
        }
        if (!strcmp(t, "y2")) {
            for (j = 0; j < nout && nb->v[k + j] == y0[j]; ++j) {}
            cr_assert(j < nout, "%s: the train step did not change the output of sample 0", what);
            k += nout - 1;
        }
    }
    cr_assert(cost > 0.0, "%s: cost %g", what, cost);
    cr_assert(cost2 == cost, "%s: train_batch returned %.17g, loss_grad %.17g", what, cost2, cost);
    cr_assert(nonzero_g > 0, "%s: the gradient is zero", what);
    cr_assert(differ > 0, "%s: every sample gives the same outputs (a layer did not run?)", what);
}

/* Compares the driver output got with the baseline want: same tags in the
 * same order; predictions equal; values within rtol·max + atol, atol scaled
 * to the largest magnitude of the tag. */
static void compare(const numbers *got, const numbers *want, double rtol, const char *what)
{
    static const char *const tags[] = { "cost", "g", "y", "pred", "cost2", "y2" };
    double scale[6] = { 0 };
    size_t k;
    int t;
    cr_assert_eq(got->n, want->n, "%s: %zu numbers printed, the in-process build gives %zu", what, got->n, want->n);
    for (k = 0; k < want->n; ++k) {
        for (t = 0; t < 6 && strcmp(want->tag[k], tags[t]); ++t) {}
        cr_assert(t < 6, "unknown tag %s", want->tag[k]);
        if (fabs(want->v[k]) > scale[t]) scale[t] = fabs(want->v[k]);
    }
    for (k = 0; k < want->n; ++k) {
        double g = got->v[k], w = want->v[k];
        cr_assert_str_eq(got->tag[k], want->tag[k], "%s: line %zu", what, k + 1);
        for (t = 0; strcmp(want->tag[k], tags[t]); ++t) {}
        if (t == 3) {
            cr_assert(g == w, "%s: predict gave %g, the in-process build %g", what, g, w);
            continue;
        }
        cr_assert(fabs(g - w) <= rtol * fmax(fabs(g), fabs(w)) + 1e-3 * rtol * scale[t],
                  "%s: %s #%zu (line %zu) is %.17g, the in-process build gives %.17g (rel err %.3g)%s",
                  what, want->tag[k], k, k + 1, g, w, fabs(g - w) / fmax(fabs(g), fabs(w)),
                  t == 1 ? " -- a gradient checksum: did a layer's backward run?" : "");
    }
}

/* ---- the header's shape and precision ---------------------------------------- */

/* net.h gives the input's shape (NAME_IN_C, _IN_H, _IN_W) and the precision
 * (typedef NAME_real) to the program that includes it. A non-square,
 * multi-channel input, so that a swapped pair shows; the program is
 * compiled -Werror with NAME_real * assigned to the pointer type --real
 * asked for (a float/double mix-up is an incompatible-pointer error), its
 * negative-size arrays fail the compile on a wrong value, and what it
 * prints is checked too. */
Test(compile, header_gives_input_shape_and_real_type, .timeout = 60)
{
    static const char *const reals[] = { "float", "double" };
    static const char desc[] =
        "return network { name = \"shp\", input = { 3, 10, 7 },\n"
        "  layers = { conv { maps = 2, kernel = 3 }, dense { units = 4, act = \"softmax\" } } }\n";
    static const char prog[] =
        "#include <stdio.h>\n"
        "#include \"shp.h\"\n"
        "typedef char in_c_is_3[SHP_IN_C == 3 ? 1 : -1];\n"
        "typedef char in_h_is_10[SHP_IN_H == 10 ? 1 : -1];\n"
        "typedef char in_w_is_7[SHP_IN_W == 7 ? 1 : -1];\n"
        "typedef char in_size_is_c_h_w[SHP_IN_C * SHP_IN_H * SHP_IN_W == SHP_IN_SIZE ? 1 : -1];\n"
        "int main(void)\n"
        "{\n"
        "    static shp_real x[SHP_IN_SIZE];\n"
        "    REAL *p = x;\n"
        "    printf(\"%d %d %d %d\\n\", SHP_IN_C, SHP_IN_H, SHP_IN_W, (int)sizeof *p);\n"
        "    return 0;\n"
        "}\n";
    char dir[] = "/tmp/cnngen-compile-XXXXXX", path[512], cmd[2048], want[64], *out;
    int r, st;
    cr_assert(mkdtemp(dir), "mkdtemp");
    snprintf(path, sizeof path, "%s/shp.lua", dir);
    spit(path, desc);
    snprintf(path, sizeof path, "%s/prog.c", dir);
    spit(path, prog);
    for (r = 0; r < 2; ++r) {
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' shp.lua -o shp.c --real %s && "
                 "gcc -std=c99 -Wall -Wextra -pedantic -Werror -DREAL=%s prog.c -o prog && ./prog",
                 dir, env_or("CNNGEN", "build/cnngen"), reals[r], reals[r]);
        st = proc_sh_merged(cmd, &out);
        snprintf(want, sizeof want, "3 10 7 %d\n", r ? 8 : 4);
        cr_assert(st == 0 && !strcmp(out, want), "--real %s: `%s` exit %d, printed:\n%s(expected %s)",
                  reals[r], cmd, st, out, want);
        free(out);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- the matrix --------------------------------------------------------------- */

/* Optimization levels as bit masks: bit k = -Ok. */
#define O0 1
#define O1 2
#define O2 4
#define O3 8
#define ALL (O0 | O1 | O2 | O3)

struct cfg {
    char ex[16], real[8], unroll[8];
    int gcc, clang;              /* levels to build at */
};

/* Time (2 cores, ~60 s for the whole suite) decides the levels: nielsen1
 * and lenet5 at gcc -O0..-O3 in float; nielsen2 (the slowest to compile:
 * 500-tap unrolled rows) and the double and --unroll full builds skip gcc
 * -O3 but keep -O1 and -O2, where gcc 12.2 deleted the int-indexed pool
 * call; clang at -O0 and -O2, and at every level where it is cheap
 * (keras' loops: gcc at every level). */
static struct cfg cfgs[] = {
    { "nielsen2", "float", "kernel", O0 | O1 | O2, O0 | O2 },    /* the slowest first */
    { "lenet5", "float", "full", O0 | O1 | O2, O0 | O2 },
    { "nielsen2", "double", "kernel", O0 | O1 | O2, O0 | O2 },
    { "lenet5", "float", "kernel", ALL, ALL },
    { "lenet5", "double", "kernel", O0 | O1 | O2, O0 | O2 },
    { "lenet5", "float", "none", ALL, ALL },
    { "nielsen1", "float", "kernel", ALL, ALL },
    { "nielsen1", "double", "kernel", ALL, ALL },
    /* keras' first conv: the row form over a copy of the input with slack,
     * rows of 26 summed as 32 and stored whole, overlapping the next row */
    { "keras", "float", "none", ALL, O0 | O2 },
};

/* A compile job of the matrix (<dir>/<job>.log, .st: `cc flags opt`)
 * exited 0 without a word. */
static void compiled_quietly(const char *dir, const char *job, const char *flags, const char *opt, const char *what)
{
    char path[600], *log, *st;
    snprintf(path, sizeof path, "%s/%s.st", dir, job);
    st = fs_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/%s.log", dir, job);
    log = fs_slurp(path, NULL);
    cr_assert(st && log, "%s: %s did not run", what, job);
    cr_assert(atoi(st) == 0 && log[0] == '\0', "%s: %s (%s %s) exit %s, diagnostics:\n%.3000s", what, job, flags, opt,
              st, log);
    free(st);
    free(log);
}

ParameterizedTestParameters(compile, warning_free_global_free_and_same_results_everywhere)
{
    return cr_make_param_array(struct cfg, cfgs, sizeof cfgs / sizeof cfgs[0]);
}

ParameterizedTest(struct cfg *c, compile, warning_free_global_free_and_same_results_everywhere, .timeout = 300)
{
    static const char *const strict = "-std=c99 -Wall -Wextra -pedantic -Werror";
    struct { const char *cc, *opt; int level; } builds[] = {
        { "gcc", "-O0", O0 }, { "gcc", "-O1", O1 }, { "gcc", "-O2", O2 }, { "gcc", "-O3", O3 },
        { "clang", "-O0", O0 }, { "clang", "-O1", O1 }, { "clang", "-O2", O2 }, { "clang", "-O3", O3 },
        { "tcc", "", 0 },
    };
    char dir[] = "/tmp/cnngen-compile-XXXXXX", cmd[2048], obj[512], what[256], src_path[512], *out, *src;
    char drivers[32] = "", *d, *save = NULL;
    int dbl = !strcmp(c->real, "double"), b, st, ran = 0;
    FILE *jobs;
    numbers *want = malloc(sizeof *want), *got = malloc(sizeof *got);
    net_api api;
    char err[1024];

    cr_assert(want && got);
    cr_assert(mkdtemp(dir), "mkdtemp");
    generate(dir, c->ex, c->real, c->unroll);
    write_driver(dir, c->ex, dbl);

    /* the baseline: the same description built in-process (libtcc) */
    snprintf(src_path, sizeof src_path, "%s/examples/%s.lua", env_or("CNNGEN_ROOT", "."), c->ex);
    src = fs_slurp(src_path, NULL);
    cr_assert(src, "cannot read %s", src_path);
    cr_assert_eq(tb_build(src, c->real, c->unroll, "tcc", NULL, &api, err, sizeof err), 0, "%s: %s", src_path, err);
    snprintf(what, sizeof what, "%s --real %s --unroll %s, in-process tcc build", c->ex, c->real, c->unroll);
    baseline(&api, want);
    check_alive(want, api.out_size, what);
    jit_release(&api);
    free(src);

    /* 1. every compile of the configuration, two at a time (the slowest,
     * gcc, first): each build's object and each compiler's driver object,
     * by scripts that leave the output in <job>.log and the status in
     * <job>.st */
    snprintf(cmd, sizeof cmd, "%s/jobs", dir);
    jobs = fopen(cmd, "w");
    cr_assert(jobs, "cannot write %s", cmd);
    for (b = 0; b < (int)(sizeof builds / sizeof builds[0]); ++b) {
        const char *cc = builds[b].cc, *opt = builds[b].opt;
        int is_tcc = !strcmp(cc, "tcc");
        char script[128], tagname[32];
        if (!is_tcc && !(builds[b].level & (!strcmp(cc, "gcc") ? c->gcc : c->clang))) continue;
        snprintf(tagname, sizeof tagname, "%s%s", cc, opt);
        snprintf(script, sizeof script, "%s/net-%s.sh", dir, tagname);
        snprintf(cmd, sizeof cmd, "%s %s %s -c net.c -o net-%s.o >net-%s.log 2>&1; echo $? >net-%s.st\n", cc,
                 is_tcc ? "-Wall -Werror" : strict, opt, tagname, tagname, tagname);
        spit(script, cmd);
        fprintf(jobs, "net-%s.sh\n", tagname);
        if (!strstr(drivers, cc)) {
            snprintf(script, sizeof script, "%s/driver-%s.sh", dir, cc);
            snprintf(cmd, sizeof cmd, "%s %s -O0 -c driver.c -o driver-%s.o >driver-%s.log 2>&1; "
                     "echo $? >driver-%s.st\n", cc, is_tcc ? "-Wall -Werror" : strict, cc, cc, cc);
            spit(script, cmd);
            strcat(drivers, cc);
            strcat(drivers, " ");
        }
    }
    for (d = strtok_r(drivers, " ", &save); d; d = strtok_r(NULL, " ", &save)) fprintf(jobs, "driver-%s.sh\n", d);
    cr_assert_eq(fclose(jobs), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && xargs -P 2 -n 1 sh < jobs", dir);
    st = proc_sh_merged(cmd, &out);
    cr_assert_eq(st, 0, "`%s` exit %d:\n%s", cmd, st, out);
    free(out);

    for (b = 0; b < (int)(sizeof builds / sizeof builds[0]); ++b) {
        const char *cc = builds[b].cc, *opt = builds[b].opt;
        int is_tcc = !strcmp(cc, "tcc");
        char tagname[32];
        if (!is_tcc && !(builds[b].level & (!strcmp(cc, "gcc") ? c->gcc : c->clang))) continue;
        snprintf(tagname, sizeof tagname, "%s%s", cc, opt);
        snprintf(what, sizeof what, "%s --real %s --unroll %s, %s %s (in %s)", c->ex, c->real, c->unroll, cc, opt, dir);

        /* 2. compiled without a diagnostic (the net, and the driver) */
        snprintf(cmd, sizeof cmd, "net-%s", tagname);
        compiled_quietly(dir, cmd, is_tcc ? "tcc -Wall -Werror" : strict, opt, what);
        snprintf(cmd, sizeof cmd, "driver-%s", cc);
        compiled_quietly(dir, cmd, is_tcc ? "tcc -Wall -Werror" : strict, "-O0", what);

        /* 3. no global state, no malloc */
        snprintf(obj, sizeof obj, "%s/net-%s.o", dir, tagname);
        check_symbols(obj, c->ex, is_tcc, what);

        /* 4. runs and agrees with the in-process build */
        snprintf(cmd, sizeof cmd, "cd '%s' && %s driver-%s.o net-%s.o -lm -o drv-%s && ./drv-%s", dir, cc, cc,
                 tagname, tagname, tagname);
        st = proc_sh_merged(cmd, &out);
        cr_assert_eq(st, 0, "%s: `%s` exit %d:\n%.3000s", what, cmd, st, out);
        cr_assert(parse_numbers(out, got), "%s: cannot read the driver's output:\n%.2000s", what, out);
        free(out);
        compare(got, want, dbl ? 1e-9 : 1e-4, what);
        ++ran;
    }
    cr_assert(ran >= 6, "only %d builds ran", ran);
    free(want);
    free(got);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
