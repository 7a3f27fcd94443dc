/*
 * test_jit.c -- suite "jit": the two in-process build backends (gen/jit.c,
 * gen/jit_tcc.c, gen/jit_cc.c) build a unit, bind its API, compute the
 * right numbers, agree with each other, cache, and fail with one clear
 * line.
 *
 * The unit is hand-written here, not generated, so these tests do not
 * depend on the generator: a "tiny" net with IN_SIZE 2, OUT_SIZE 2,
 * PARAM_COUNT 6, y = softmax(W x + b), W[2][2] at params 0..3, b at 4..5,
 * log-likelihood cost, Nielsen's L2-regularized SGD step. It comes in a
 * float and a double variant, selected by its first lines.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jit.h"
#include "fsutil.h"

/* ---------------------------------------------------------------- */
/* The unit                                                         */
/* ---------------------------------------------------------------- */

/* Body of the tiny unit, after a head that defines `real`, API(f) (the
 * symbol prefix) and optionally OMIT_TRAIN_BATCH. Kept as separate lines
 * so no string literal is long enough to trouble -pedantic. */
static const char *const tiny_body[] = {
    "#include <math.h>",
    "#include <stddef.h>",
    "typedef struct API(work) { real a[2]; } API(work);",
    "size_t API(in_size)(void) { return 2; }",
    "size_t API(out_size)(void) { return 2; }",
    "size_t API(param_count)(void) { return 6; }",
    "size_t API(work_size)(void) { return sizeof(API(work)); }",
    "/* weights uniform in [-0.5, 0.5) from an LCG, biases 0 */",
    "void API(init)(real *p, unsigned long long seed)",
    "{",
    "    unsigned long long s = seed;",
    "    int j;",
    "    for (j = 0; j < 4; ++j) {",
    "        s = s * 6364136223846793005ULL + 1442695040888963407ULL;",
    "        p[j] = (real)((double)(s >> 11) / 9007199254740992.0 - 0.5);",
    "    }",
    "    p[4] = p[5] = 0;",
    "}",
    "void API(forward)(const real *p, API(work) *w, const real *x, real *y)",
    "{",
    "    real z0 = p[0]*x[0] + p[1]*x[1] + p[4], z1 = p[2]*x[0] + p[3]*x[1] + p[5];",
    "    real m = z0 > z1 ? z0 : z1;",
    "    real e0 = (real)exp(z0 - m), e1 = (real)exp(z1 - m);",
    "    w->a[0] = e0 / (e0 + e1);",
    "    w->a[1] = e1 / (e0 + e1);",
    "    if (y) { y[0] = w->a[0]; y[1] = w->a[1]; }",
    "}",
    "int API(predict)(const real *p, API(work) *w, const real *x)",
    "{",
    "    API(forward)(p, w, x, 0);",
    "    return w->a[1] > w->a[0];",
    "}",
    "/* C = mean of -ln a_y;  delta = a - onehot(y);  dC/dW = delta x^T, dC/db = delta */",
    "real API(loss_grad)(const real *p, API(work) *w, const real *x, const int *labels,",
    "                    int n, real *g)",
    "{",
    "    real cost = 0;",
    "    int s, j;",
    "    for (j = 0; j < 6; ++j) g[j] = 0;",
    "    for (s = 0; s < n; ++s, x += 2) {",
    "        real d0, d1;",
    "        API(forward)(p, w, x, 0);",
    "        cost += (real)-log(w->a[labels[s]]);",
    "        d0 = w->a[0] - (labels[s] == 0);",
    "        d1 = w->a[1] - (labels[s] == 1);",
    "        g[0] += d0*x[0]; g[1] += d0*x[1]; g[2] += d1*x[0]; g[3] += d1*x[1];",
    "        g[4] += d0; g[5] += d1;",
    "    }",
    "    for (j = 0; j < 6; ++j) g[j] /= n;",
    "    return cost / n;",
    "}",
    "#ifndef OMIT_TRAIN_BATCH",
    "/* w <- (1 - eta l2 / n_train) w - eta g;  b <- b - eta g */",
    "real API(train_batch)(real *p, real *g, API(work) *w, const real *x,",
    "                      const int *labels, int n, real eta, real l2, int n_train)",
    "{",
    "    real c = API(loss_grad)(p, w, x, labels, n, g), decay = 1 - eta*l2/n_train;",
    "    int j;",
    "    for (j = 0; j < 4; ++j) p[j] = decay*p[j] - eta*g[j];",
    "    for (j = 4; j < 6; ++j) p[j] -= eta*g[j];",
    "    return c;",
    "}",
    "#endif",
    NULL
};

enum { TINY_OK, TINY_SYNTAX_ERROR, TINY_MISSING_TRAIN_BATCH };

/* Line of the unit that holds the syntax error (TINY_SYNTAX_ERROR): the
 * head is 2 lines, then the body, then the broken line. */
static int tiny_error_line(void)
{
    int n = 0;
    while (tiny_body[n])
        ++n;
    return 2 + n + 1;
}

/* The tiny unit as one malloc'd string: precision, prefix, variant. */
static char *tiny_unit(int is_double, const char *prefix, int variant)
{
    char head[256];
    size_t len, k;
    char *u;

    snprintf(head, sizeof head, "typedef %s real;\n#define API(f) %s_##f\n%s",
             is_double ? "double" : "float", prefix,
             variant == TINY_MISSING_TRAIN_BATCH ? "#define OMIT_TRAIN_BATCH 1\n" : "");
    len = strlen(head) + 64;
    for (k = 0; tiny_body[k]; ++k)
        len += strlen(tiny_body[k]) + 1;
    u = malloc(len);
    cr_assert_not_null(u);
    strcpy(u, head);
    for (k = 0; tiny_body[k]; ++k) {
        strcat(u, tiny_body[k]);
        strcat(u, "\n");
    }
    if (variant == TINY_SYNTAX_ERROR)
        strcat(u, "int broken(void) { return 1 + ; }\n");
    return u;
}

/* ---------------------------------------------------------------- */
/* Reference and runs                                               */
/* ---------------------------------------------------------------- */

static const double tiny_p0[6] = { 0.1, -0.2, 0.3, 0.4, 0.05, -0.05 };
static const double tiny_x[6] = { 1.0, 2.0, -1.0, 0.5, 0.25, -1.5 };
static const int tiny_labels[3] = { 1, 0, 0 };
#define TINY_N 3
#define TINY_ETA 0.5
#define TINY_L2 0.1
#define TINY_NTRAIN 100

/* Everything one run of the API produces, widened to double. */
typedef struct tiny_results {
    size_t in_size, out_size, param_count, work_size;
    double init[6], init_again[6], init_other[6];
    double y[2];
    int pred[TINY_N];
    double loss, grad[6];
    double tb_loss, trained[6];
} tiny_results;

/* softmax(W x + b) in double. */
static void ref_forward(const double *p, const double *x, double *a)
{
    double z0 = p[0] * x[0] + p[1] * x[1] + p[4], z1 = p[2] * x[0] + p[3] * x[1] + p[5];
    double m = z0 > z1 ? z0 : z1, e0 = exp(z0 - m), e1 = exp(z1 - m);
    a[0] = e0 / (e0 + e1);
    a[1] = e1 / (e0 + e1);
}

/* The expected results for tiny_p0 / tiny_x / tiny_labels, in double,
 * computed independently of the unit. */
static void ref_results(tiny_results *r)
{
    double a[2];
    int s, j;

    memset(r, 0, sizeof *r);
    ref_forward(tiny_p0, tiny_x, r->y);
    for (s = 0; s < TINY_N; ++s) {
        const double *x = tiny_x + 2 * s;
        int y = tiny_labels[s];
        double d0, d1;
        ref_forward(tiny_p0, x, a);
        r->pred[s] = a[1] > a[0];
        r->loss += -log(a[y]) / TINY_N;
        d0 = a[0] - (y == 0);
        d1 = a[1] - (y == 1);
        r->grad[0] += d0 * x[0] / TINY_N;
        r->grad[1] += d0 * x[1] / TINY_N;
        r->grad[2] += d1 * x[0] / TINY_N;
        r->grad[3] += d1 * x[1] / TINY_N;
        r->grad[4] += d0 / TINY_N;
        r->grad[5] += d1 / TINY_N;
    }
    r->tb_loss = r->loss;
    for (j = 0; j < 6; ++j)
        r->trained[j] = j < 4
            ? (1.0 - TINY_ETA * TINY_L2 / TINY_NTRAIN) * tiny_p0[j] - TINY_ETA * r->grad[j]
            : tiny_p0[j] - TINY_ETA * r->grad[j];
}

/* Call every entry point of api on the fixed inputs, in its precision. */
static void run_tiny(const net_api *api, tiny_results *r)
{
    void *w = calloc(1, api->work_size ? api->work_size : 1);
    int s, j;

    cr_assert_not_null(w);
    memset(r, 0, sizeof *r);
    r->in_size = api->in_size;
    r->out_size = api->out_size;
    r->param_count = api->param_count;
    r->work_size = api->work_size;
    cr_assert_eq(api->param_count, 6);
    if (api->is_double) {
        double p[6], g[6], x[6], y[2];
        for (j = 0; j < 6; ++j)
            x[j] = tiny_x[j];
        api->init.d(p, 42);
        for (j = 0; j < 6; ++j) r->init[j] = p[j];
        api->init.d(p, 42);
        for (j = 0; j < 6; ++j) r->init_again[j] = p[j];
        api->init.d(p, 43);
        for (j = 0; j < 6; ++j) r->init_other[j] = p[j];
        for (j = 0; j < 6; ++j) p[j] = tiny_p0[j];
        api->forward.d(p, w, x, y);
        r->y[0] = y[0];
        r->y[1] = y[1];
        for (s = 0; s < TINY_N; ++s)
            r->pred[s] = api->predict.d(p, w, x + 2 * s);
        r->loss = api->loss_grad.d(p, w, x, tiny_labels, TINY_N, g);
        for (j = 0; j < 6; ++j) r->grad[j] = g[j];
        r->tb_loss = api->train_batch.d(p, g, w, x, tiny_labels, TINY_N,
                                        TINY_ETA, TINY_L2, TINY_NTRAIN);
        for (j = 0; j < 6; ++j) r->trained[j] = p[j];
    } else {
        float p[6], g[6], x[6], y[2];
        for (j = 0; j < 6; ++j)
            x[j] = (float)tiny_x[j];
        api->init.f(p, 42);
        for (j = 0; j < 6; ++j) r->init[j] = p[j];
        api->init.f(p, 42);
        for (j = 0; j < 6; ++j) r->init_again[j] = p[j];
        api->init.f(p, 43);
        for (j = 0; j < 6; ++j) r->init_other[j] = p[j];
        for (j = 0; j < 6; ++j) p[j] = (float)tiny_p0[j];
        api->forward.f(p, w, x, y);
        r->y[0] = y[0];
        r->y[1] = y[1];
        for (s = 0; s < TINY_N; ++s)
            r->pred[s] = api->predict.f(p, w, x + 2 * s);
        r->loss = api->loss_grad.f(p, w, x, tiny_labels, TINY_N, g);
        for (j = 0; j < 6; ++j) r->grad[j] = g[j];
        r->tb_loss = api->train_batch.f(p, g, w, x, tiny_labels, TINY_N,
                                        (float)TINY_ETA, (float)TINY_L2, TINY_NTRAIN);
        for (j = 0; j < 6; ++j) r->trained[j] = p[j];
    }
    free(w);
}

/* Every number of `got` within tol of `want` (init fields only if
 * with_init: the reference does not model init). */
static void assert_close(const tiny_results *got, const tiny_results *want, double tol,
                         int with_init, const char *what)
{
    int j;
#define CLOSE(a, b, label) cr_assert(fabs((a) - (b)) <= tol, "%s: %s: got %.17g, want %.17g", \
                                     what, label, (double)(a), (double)(b))
    for (j = 0; j < 2; ++j)
        CLOSE(got->y[j], want->y[j], "forward y");
    for (j = 0; j < TINY_N; ++j)
        cr_assert_eq(got->pred[j], want->pred[j], "%s: predict sample %d", what, j);
    CLOSE(got->loss, want->loss, "loss_grad cost");
    CLOSE(got->tb_loss, want->tb_loss, "train_batch cost");
    for (j = 0; j < 6; ++j) {
        CLOSE(got->grad[j], want->grad[j], "gradient");
        CLOSE(got->trained[j], want->trained[j], "parameters after train_batch");
        if (with_init)
            CLOSE(got->init[j], want->init[j], "init");
    }
#undef CLOSE
}

/* Sizes, init's contract, and the numbers against the double reference. */
static void check_tiny(const net_api *api, int is_double, tiny_results *r)
{
    tiny_results want;
    int j, differs = 0;

    cr_assert_eq(api->is_double, is_double);
    run_tiny(api, r);
    cr_assert_eq(r->in_size, 2);
    cr_assert_eq(r->out_size, 2);
    cr_assert_eq(r->param_count, 6);
    cr_assert_eq(r->work_size, 2 * (is_double ? sizeof(double) : sizeof(float)));
    for (j = 0; j < 6; ++j) {
        cr_assert_eq(r->init[j], r->init_again[j], "init is not deterministic");
        differs |= r->init[j] != r->init_other[j];
        if (j < 4)
            cr_assert(r->init[j] >= -0.5 && r->init[j] < 0.5, "init weight %d = %g", j, r->init[j]);
        else
            cr_assert_eq(r->init[j], 0.0, "init bias %d = %g", j, r->init[j]);
    }
    cr_assert(differs, "seeds 42 and 43 give the same parameters");
    ref_results(&want);
    assert_close(r, &want, is_double ? 1e-12 : 1e-6, 0, is_double ? "double" : "float");
}

/* ---------------------------------------------------------------- */
/* Files and helpers                                                */
/* ---------------------------------------------------------------- */

/* A fresh directory under /tmp (removed by rm_tree). */
static char *make_tmp_dir(void)
{
    char *d = strdup("/tmp/cnngen-test-jit-XXXXXX");
    cr_assert_not_null(d);
    cr_assert_not_null(mkdtemp(d), "mkdtemp: %s", strerror(errno));
    return d;
}

/* Names in dir: count of all entries, and of those ending in suffix; the
 * last matching name is copied into match[0..len) if match. */
static int count_files(const char *dir, const char *suffix, int *nsuffix, char *match, size_t len)
{
    char **names;
    int n = fs_names(dir, &names), i;
    size_t sl = strlen(suffix);

    *nsuffix = 0;
    for (i = 0; i < n; ++i) {
        size_t l = strlen(names[i]);
        if (l >= sl && strcmp(names[i] + l - sl, suffix) == 0) {
            ++*nsuffix;
            if (match)
                snprintf(match, len, "%s/%s", dir, names[i]);
        }
        free(names[i]);
    }
    free(names);
    return n;
}

/* The cache holds exactly one .c and one .so, and no temporaries;
 * the .so path goes to so[0..len). */
static void assert_clean_cache(const char *dir, char *so, size_t len)
{
    int nc, nso, total;
    total = count_files(dir, ".c", &nc, NULL, 0);
    count_files(dir, ".so", &nso, so, len);
    cr_assert_eq(nc, 1, "%d .c files in %s", nc, dir);
    cr_assert_eq(nso, 1, "%d .so files in %s", nso, dir);
    cr_assert_eq(total, 2, "%d files in %s: temporaries left behind", total, dir);
}

/* err is a single line. */
static void assert_one_line(const char *err)
{
    cr_assert(err[0] != '\0', "empty error message");
    cr_assert_null(strchr(err, '\n'), "message spans lines: %s", err);
}

/* The path in "... (source kept in PATH): ..." into path[0..len). */
static void kept_path(const char *err, char *path, size_t len)
{
    const char *p = strstr(err, "source kept in "), *e;
    cr_assert_not_null(p, "no kept source in: %s", err);
    p += strlen("source kept in ");
    e = strstr(p, "): ");
    cr_assert_not_null(e, "unterminated path in: %s", err);
    cr_assert_lt((size_t)(e - p), len);
    memcpy(path, p, (size_t)(e - p));
    path[e - p] = '\0';
}

/* Whole file into a malloc'd string. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The api is all zeros (what a failed build and jit_release leave). */
static void assert_zeroed(const net_api *api)
{
    net_api zero;
    memset(&zero, 0, sizeof zero);
    cr_assert(memcmp(api, &zero, sizeof zero) == 0, "net_api not zeroed");
}

/* Build `unit` with the cc backend into cache, quietly, with -O1 (fast)
 * unless flags is given. */
static int cc_build(const char *unit, const char *prefix, int is_double, const char *cache,
                    const char *flags, net_api *api, char *err, size_t errlen)
{
    jit_cc_opts o;
    memset(&o, 0, sizeof o);
    o.cache_dir = cache;
    o.cflags = flags ? flags : "-O1";
    o.quiet = 1;
    return jit_cc_build(unit, prefix, is_double, "tiny", &o, api, err, errlen);
}

/* ---------------------------------------------------------------- */
/* tcc                                                              */
/* ---------------------------------------------------------------- */

Test(jit, tcc_float_builds_and_computes_correctly, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), err[1024] = "";
    net_api api;
    tiny_results r;

    cr_assert_eq(jit_tcc_build(unit, "tiny", 0, "tiny", &api, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(api.backend, "tcc");
    cr_assert_not_null(api.impl);
    cr_assert_eq(api.compiled, 1);
    check_tiny(&api, 0, &r);
    jit_release(&api);
    assert_zeroed(&api);
    free(unit);
}

Test(jit, tcc_double_builds_and_computes_correctly, .timeout = 60)
{
    char *unit = tiny_unit(1, "tinyd", TINY_OK), err[1024] = "";
    net_api api;
    tiny_results r;

    cr_assert_eq(jit_tcc_build(unit, "tinyd", 1, "tinyd", &api, err, sizeof err), 0, "%s", err);
    check_tiny(&api, 1, &r);
    jit_release(&api);
    free(unit);
}

Test(jit, tcc_two_builds_live_side_by_side, .timeout = 60)
{
    char *uf = tiny_unit(0, "tiny", TINY_OK), *ud = tiny_unit(1, "tiny", TINY_OK), err[1024] = "";
    net_api a, b;
    tiny_results r;

    cr_assert_eq(jit_tcc_build(uf, "tiny", 0, "tiny", &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(jit_tcc_build(ud, "tiny", 1, "tiny", &b, err, sizeof err), 0, "%s", err);
    check_tiny(&a, 0, &r);
    check_tiny(&b, 1, &r);
    jit_release(&a);
    check_tiny(&b, 1, &r);
    jit_release(&b);
    free(uf);
    free(ud);
}

Test(jit, tcc_syntax_error_is_internal_error_with_kept_source, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_SYNTAX_ERROR), *kept;
    char *tmp = make_tmp_dir(), err[1024] = "", path[4096], where[64];
    net_api api;

    setenv("TMPDIR", tmp, 1);
    cr_assert_eq(jit_tcc_build(unit, "tiny", 0, "tiny", &api, err, sizeof err), -1);
    assert_one_line(err);
    assert_zeroed(&api);
    cr_assert_not_null(strstr(err, "internal error: generated code for tiny does not compile under tcc"),
                       "%s", err);
    /* tcc names the unit as tiny.c (#line 1) and the right line */
    snprintf(where, sizeof where, "tiny.c:%d:", tiny_error_line());
    cr_assert_not_null(strstr(err, where), "no '%s' in: %s", where, err);
    kept_path(err, path, sizeof path);
    cr_assert_eq(strncmp(path, tmp, strlen(tmp)), 0, "kept outside $TMPDIR: %s", path);
    kept = slurp(path);
    cr_assert_str_eq(kept, unit, "kept source differs from the unit");
    free(kept);
    rm_tree(tmp);
    free(tmp);
    free(unit);
}

Test(jit, tcc_missing_symbol_is_one_clear_line, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_MISSING_TRAIN_BATCH), err[1024] = "";
    net_api api;

    cr_assert_eq(jit_tcc_build(unit, "tiny", 0, "tiny", &api, err, sizeof err), -1);
    assert_one_line(err);
    assert_zeroed(&api);
    cr_assert_not_null(strstr(err, "does not define tiny_train_batch"), "%s", err);
    free(unit);
}

Test(jit, tcc_wrong_prefix_is_missing_symbol, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), err[1024] = "";
    net_api api;

    cr_assert_eq(jit_tcc_build(unit, "other", 0, "tiny", &api, err, sizeof err), -1);
    assert_one_line(err);
    cr_assert_not_null(strstr(err, "does not define other_init"), "%s", err);
    free(unit);
}

/* ---------------------------------------------------------------- */
/* cc                                                               */
/* ---------------------------------------------------------------- */

/* Build with both backends in one precision; cc must match tcc. */
static void cc_matches_tcc(int is_double)
{
    char *unit = tiny_unit(is_double, "tiny", TINY_OK), *cache = make_tmp_dir();
    char err[1024] = "", so[4096];
    net_api t, c;
    tiny_results rt, rc;

    cr_assert_eq(jit_tcc_build(unit, "tiny", is_double, "tiny", &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cc_build(unit, "tiny", is_double, cache, "-O3 -march=native", &c, err, sizeof err),
                 0, "%s", err);
    cr_assert_str_eq(c.backend, "cc");
    cr_assert_not_null(c.impl);
    cr_assert_eq(c.compiled, 1);
    check_tiny(&t, is_double, &rt);
    check_tiny(&c, is_double, &rc);
    assert_close(&rc, &rt, is_double ? 1e-12 : 1e-6, 1, "cc vs tcc");
    assert_clean_cache(cache, so, sizeof so);
    jit_release(&c);
    assert_zeroed(&c);
    jit_release(&t);
    rm_tree(cache);
    free(cache);
    free(unit);
}

Test(jit, cc_float_matches_tcc, .timeout = 60)
{
    cc_matches_tcc(0);
}

Test(jit, cc_double_matches_tcc, .timeout = 60)
{
    cc_matches_tcc(1);
}

Test(jit, cc_second_build_hits_cache, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *cache = make_tmp_dir();
    char err[1024] = "", so[4096], so2[4096];
    struct stat st1, st2;
    net_api api;
    tiny_results r;

    cr_assert_eq(cc_build(unit, "tiny", 0, cache, NULL, &api, err, sizeof err), 0, "%s", err);
    cr_assert_eq(api.compiled, 1);
    jit_release(&api);
    assert_clean_cache(cache, so, sizeof so);
    cr_assert_eq(stat(so, &st1), 0);

    cr_assert_eq(cc_build(unit, "tiny", 0, cache, NULL, &api, err, sizeof err), 0, "%s", err);
    cr_assert_eq(api.compiled, 0, "second build compiled again");
    check_tiny(&api, 0, &r);
    jit_release(&api);
    assert_clean_cache(cache, so2, sizeof so2);
    cr_assert_str_eq(so, so2);
    cr_assert_eq(stat(so2, &st2), 0);
    cr_assert_eq(st1.st_ino, st2.st_ino, "the .so was replaced");
    cr_assert_eq(st1.st_mtime, st2.st_mtime, "the .so was rewritten");

    /* other flags are another key: a second object beside the first */
    cr_assert_eq(cc_build(unit, "tiny", 0, cache, "-O2", &api, err, sizeof err), 0, "%s", err);
    cr_assert_eq(api.compiled, 1);
    jit_release(&api);
    {
        int nso;
        count_files(cache, ".so", &nso, NULL, 0);
        cr_assert_eq(nso, 2);
    }
    rm_tree(cache);
    free(cache);
    free(unit);
}

/* A killed build leaves *.tmp-XXXXXX files in the cache, and its
 * compiler's TMPDIR, <unit>.c.tmp-XXXXXX; opening the cache deletes those
 * last modified more than an hour ago, and nothing else: not a younger
 * temporary (a build may be running), not an old cached object, not a
 * name that merely looks similar, not another directory. */
Test(jit, cc_opening_the_cache_deletes_stale_temporaries, .timeout = 60)
{
    static const struct { const char *name; int old, dir, gone; } files[] = {
        { "tiny-00112233aabbccdd.so.tmp-a1B2c3", 1, 0, 1 },    /* a killed compile */
        { "tiny-00112233aabbccdd.c.tmp-Zz9yX8", 1, 0, 1 },     /* a killed source write */
        { "tiny-4455667788990011.so.tmp-q7W8e9", 0, 0, 0 },    /* a build in progress */
        { "tiny-00112233aabbccdd.so", 1, 0, 0 },               /* an old cached object */
        { "notes.tmp-abc", 1, 0, 0 },                          /* not mkstemp's six characters */
        { "notes.tmp-abc_de", 1, 0, 0 },
        { "stash.tmp-abcdef", 1, 1, 0 },                       /* a directory */
        { "tiny-00112233aabbccdd.c.tmp-Qq1Ww2", 1, 1, 1 },     /* a killed compiler's TMPDIR */
        { "tiny-4455667788990011.c.tmp-Ee3Rr4", 0, 1, 0 },     /* ... and a live one's */
    };
    char *unit = tiny_unit(0, "tiny", TINY_OK), *cache = make_tmp_dir(), err[1024] = "", path[4096];
    struct timespec two_hours_ago[2];
    struct stat st;
    net_api api;
    size_t k;

    clock_gettime(CLOCK_REALTIME, &two_hours_ago[0]);
    two_hours_ago[0].tv_sec -= 2 * 3600;
    two_hours_ago[1] = two_hours_ago[0];
    for (k = 0; k < sizeof files / sizeof files[0]; ++k) {
        snprintf(path, sizeof path, "%s/%s", cache, files[k].name);
        if (files[k].dir) {
            char inside[4200];
            FILE *f;
            cr_assert_eq(mkdir(path, 0700), 0, "mkdir %s: %s", path, strerror(errno));
            snprintf(inside, sizeof inside, "%s/cc0a1b2c.o", path);   /* a compiler's temporary */
            f = fopen(inside, "w");
            cr_assert_not_null(f, "%s: %s", inside, strerror(errno));
            cr_assert_eq(fclose(f), 0);
        } else {
            FILE *f = fopen(path, "w");
            cr_assert_not_null(f, "%s: %s", path, strerror(errno));
            fputs("partial", f);
            cr_assert_eq(fclose(f), 0);
        }
        if (files[k].old)
            cr_assert_eq(utimensat(AT_FDCWD, path, two_hours_ago, 0), 0, "utimensat: %s", strerror(errno));
    }

    cr_assert_eq(cc_build(unit, "tiny", 0, cache, NULL, &api, err, sizeof err), 0, "%s", err);
    jit_release(&api);
    for (k = 0; k < sizeof files / sizeof files[0]; ++k) {
        snprintf(path, sizeof path, "%s/%s", cache, files[k].name);
        if (files[k].gone)
            cr_expect_neq(lstat(path, &st), 0, "%s was left behind", files[k].name);
        else
            cr_expect_eq(lstat(path, &st), 0, "%s was deleted", files[k].name);
    }
    rm_tree(cache);
    free(cache);
    free(unit);
}

/* Run build with fd 2 going to a temporary file; return what was written. */
static char *capture_stderr_of_cc_build(const char *unit, const jit_cc_opts *o, int *rc,
                                        net_api *api, char *err, size_t errlen)
{
    char path[] = "/tmp/cnngen-test-jit-stderr-XXXXXX", *text;
    int fd = mkstemp(path), saved;

    cr_assert_geq(fd, 0);
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    *rc = jit_cc_build(unit, "tiny", 0, "tiny", o, api, err, errlen);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    text = slurp(path);
    unlink(path);
    return text;
}

Test(jit, cc_prints_compile_line_unless_quiet_or_cached, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *cache = make_tmp_dir(), *out;
    char err[1024] = "";
    jit_cc_opts o;
    net_api api;
    int rc;

    memset(&o, 0, sizeof o);
    o.cache_dir = cache;
    o.cc = "cc";
    o.cflags = "-O1";
    out = capture_stderr_of_cc_build(unit, &o, &rc, &api, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_str_eq(out, "cnngen: compiling tiny with cc -O1 ...\n");
    free(out);
    jit_release(&api);

    out = capture_stderr_of_cc_build(unit, &o, &rc, &api, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_str_eq(out, "", "a cache hit printed: %s", out);
    free(out);
    jit_release(&api);

    o.quiet = 1;
    o.cflags = "-O2";
    out = capture_stderr_of_cc_build(unit, &o, &rc, &api, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(api.compiled, 1);
    cr_assert_str_eq(out, "", "quiet build printed: %s", out);
    free(out);
    jit_release(&api);
    rm_tree(cache);
    free(cache);
    free(unit);
}

Test(jit, cc_default_cache_dir_is_created_under_xdg_cache_home, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *tmp = make_tmp_dir();
    char err[1024] = "", xdg[4096], cache[4200], so[4096];
    jit_cc_opts o;
    net_api api;

    snprintf(xdg, sizeof xdg, "%s/deep/er", tmp);   /* does not exist yet */
    snprintf(cache, sizeof cache, "%s/cnngen", xdg);
    setenv("XDG_CACHE_HOME", xdg, 1);
    setenv("CFLAGS", "-O1", 1);
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    cr_assert_eq(jit_cc_build(unit, "tiny", 0, "tiny", &o, &api, err, sizeof err), 0, "%s", err);
    assert_clean_cache(cache, so, sizeof so);
    jit_release(&api);
    rm_tree(tmp);
    free(tmp);
    free(unit);
}

Test(jit, cc_concurrent_builds_both_succeed_and_leave_no_temporaries, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *cache = make_tmp_dir();
    char err[1024] = "", so[4096];
    net_api api;
    tiny_results r;
    pid_t pid;
    int status;

    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char cerr[1024];
        net_api capi;
        int ok = cc_build(unit, "tiny", 0, cache, NULL, &capi, cerr, sizeof cerr) == 0 &&
                 capi.param_count == 6;
        jit_release(&capi);
        _exit(ok ? 0 : 1);
    }
    cr_assert_eq(cc_build(unit, "tiny", 0, cache, NULL, &api, err, sizeof err), 0, "%s", err);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the concurrent build failed");
    check_tiny(&api, 0, &r);
    jit_release(&api);
    assert_clean_cache(cache, so, sizeof so);
    rm_tree(cache);
    free(cache);
    free(unit);
}

Test(jit, cc_syntax_error_is_internal_error_with_kept_source, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_SYNTAX_ERROR), *cache = make_tmp_dir(), *kept;
    char err[1024] = "", path[4096], where[64];
    int nso, nc, total;
    net_api api;

    cr_assert_eq(cc_build(unit, "tiny", 0, cache, NULL, &api, err, sizeof err), -1);
    assert_one_line(err);
    assert_zeroed(&api);
    cr_assert_not_null(strstr(err, "internal error: generated code for tiny does not compile under cc"),
                       "%s", err);
    kept_path(err, path, sizeof path);
    cr_assert_eq(strncmp(path, cache, strlen(cache)), 0, "kept outside the cache: %s", path);
    snprintf(where, sizeof where, ".c:%d:", tiny_error_line());
    cr_assert_not_null(strstr(err, where), "no '%s' in: %s", where, err);
    kept = slurp(path);
    cr_assert_str_eq(kept, unit);
    free(kept);
    total = count_files(cache, ".so", &nso, NULL, 0);
    count_files(cache, ".c", &nc, NULL, 0);
    cr_assert_eq(nso, 0, "a .so exists after a failed compile");
    cr_assert_eq(total, 1, "temporaries left behind");
    rm_tree(cache);
    free(cache);
    free(unit);
}

Test(jit, cc_missing_symbol_is_one_clear_line, .timeout = 60)
{
    char *unit = tiny_unit(1, "tiny", TINY_MISSING_TRAIN_BATCH), *cache = make_tmp_dir();
    char err[1024] = "";
    net_api api;

    cr_assert_eq(cc_build(unit, "tiny", 1, cache, NULL, &api, err, sizeof err), -1);
    assert_one_line(err);
    assert_zeroed(&api);
    cr_assert_not_null(strstr(err, "does not define tiny_train_batch (cc backend)"), "%s", err);
    rm_tree(cache);
    free(cache);
    free(unit);
}

Test(jit, cc_bad_flags_are_not_called_internal_error, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *cache = make_tmp_dir();
    char err[1024] = "";
    net_api api;
    int nso;

    cr_assert_eq(cc_build(unit, "tiny", 0, cache, "-O1 --no-such-flag-cnngen", &api, err, sizeof err), -1);
    assert_one_line(err);
    cr_assert_null(strstr(err, "internal error"), "%s", err);
    cr_assert_not_null(strstr(err, "--no-such-flag-cnngen"), "%s", err);
    count_files(cache, ".so", &nso, NULL, 0);
    cr_assert_eq(nso, 0);
    rm_tree(cache);
    free(cache);
    free(unit);
}

Test(jit, cc_flags_past_the_limit_are_one_clear_line, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *cache = make_tmp_dir();
    char err[1024] = "", flags[6000];
    net_api api;
    int nso;

    memset(flags, ' ', sizeof flags - 5);
    memcpy(flags + sizeof flags - 5, "-O1", 4);     /* 5995 characters, as a shell reads them: -O1 */
    cr_assert_eq(cc_build(unit, "tiny", 0, cache, flags, &api, err, sizeof err), -1);
    assert_one_line(err);
    cr_assert_not_null(strstr(err, "compiler flags are longer than cnngen's limit"), "%s", err);
    count_files(cache, ".so", &nso, NULL, 0);
    cr_assert_eq(nso, 0);
    rm_tree(cache);
    free(cache);
    free(unit);
}

Test(jit, cc_missing_compiler_from_env_is_reported, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *cache = make_tmp_dir();
    char err[1024] = "";
    net_api api;

    setenv("CC", "/nonexistent/cnngen-cc", 1);
    cr_assert_eq(cc_build(unit, "tiny", 0, cache, NULL, &api, err, sizeof err), -1);
    assert_one_line(err);
    cr_assert_not_null(strstr(err, "cannot run the C compiler '/nonexistent/cnngen-cc'"), "%s", err);
    rm_tree(cache);
    free(cache);
    free(unit);
}

/* With no flags given, gcc gets two parallel link-time optimization jobs
 * on top of the default flags, and a compiler that is not gcc does not:
 * two wrappers around gcc, one that says it is gcc (passes --version
 * through) and one that says it is not and refuses -flto, each logging
 * its arguments. Both builds work and compute the tiny net right. */
Test(jit, cc_default_flags_add_lto_jobs_for_gcc_only, .timeout = 120)
{
    static const struct { const char *name, *version; int lto; } wrappers[] = {
        { "gcclike", "exec gcc --version", 1 },
        { "otherlike", "echo 'othercc 1.0'; exit 0", 0 },
    };
    char *unit = tiny_unit(0, "tiny", TINY_OK), *dir = make_tmp_dir();
    size_t k;
    unsetenv("CFLAGS");
    for (k = 0; k < sizeof wrappers / sizeof wrappers[0]; ++k) {
        char path[4200], log[4200], cache[4200], so[4200], err[1024] = "", *text;
        jit_cc_opts o;
        net_api api;
        tiny_results r;
        FILE *f;
        snprintf(path, sizeof path, "%s/%s", dir, wrappers[k].name);
        snprintf(log, sizeof log, "%s/%s.log", dir, wrappers[k].name);
        snprintf(cache, sizeof cache, "%s/cache-%s", dir, wrappers[k].name);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fprintf(f, "#!/bin/sh\n"
                   "echo \"$*\" >> '%s'\n"
                   "case \" $* \" in\n"
                   "*' --version '*) %s ;;\n"
                   "*-flto*) [ %d = 1 ] || { echo 'no -flto here' >&2; exit 1; } ;;\n"
                   "esac\n"
                   "exec gcc \"$@\"\n", log, wrappers[k].version, wrappers[k].lto);
        fclose(f);
        cr_assert_eq(chmod(path, 0755), 0);
        memset(&o, 0, sizeof o);
        o.cc = path;
        o.cache_dir = cache;
        o.quiet = 1;
        cr_assert_eq(jit_cc_build(unit, "tiny", 0, "tiny", &o, &api, err, sizeof err), 0,
                     "%s: %s", wrappers[k].name, err);
        check_tiny(&api, 0, &r);
        jit_release(&api);
        assert_clean_cache(cache, so, sizeof so);   /* the compiler's TMPDIR is gone too */
        text = slurp(log);
        cr_assert_not_null(text);
        cr_assert_not_null(strstr(text, "-O3 -march=native -mprefer-vector-width=512 -ffp-contract=fast"), "%s: %s", wrappers[k].name, text);
        if (wrappers[k].lto)
            cr_assert_not_null(strstr(text, "-flto=2"), "%s was not given -flto=2: %s", wrappers[k].name, text);
        else
            cr_assert_null(strstr(text, "-flto"), "%s was given -flto: %s", wrappers[k].name, text);
        free(text);
    }
    rm_tree(dir);
    free(dir);
    free(unit);
}

Test(jit, cc_unusable_cache_dir_is_reported, .timeout = 60)
{
    char *unit = tiny_unit(0, "tiny", TINY_OK), *tmp = make_tmp_dir();
    char err[1024] = "", file[4096], cache[4200];
    net_api api;
    int fd;

    snprintf(file, sizeof file, "%s/plain-file", tmp);
    fd = open(file, O_WRONLY | O_CREAT, 0644);
    cr_assert_geq(fd, 0);
    close(fd);
    snprintf(cache, sizeof cache, "%s/sub", file);
    cr_assert_eq(cc_build(unit, "tiny", 0, cache, NULL, &api, err, sizeof err), -1);
    assert_one_line(err);
    cr_assert_not_null(strstr(err, "cache directory"), "%s", err);
    cr_assert_eq(cc_build(unit, "tiny", 0, file, NULL, &api, err, sizeof err), -1);
    assert_one_line(err);
    cr_assert_not_null(strstr(err, "not a directory"), "%s", err);
    rm_tree(tmp);
    free(tmp);
    free(unit);
}

/* ---------------------------------------------------------------- */
/* jit_release                                                      */
/* ---------------------------------------------------------------- */

Test(jit, release_of_zeroed_or_released_api_is_safe, .timeout = 60)
{
    net_api api;

    memset(&api, 0, sizeof api);
    jit_release(&api);
    assert_zeroed(&api);
    jit_release(&api);
    jit_release(NULL);
}
