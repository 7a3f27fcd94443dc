/*
 * runfix.c -- test support: the fixtures of the tests that run the cnngen
 * binary on synthetic data (see runfix.h).
 */
#include "runfix.h"

#include <criterion/criterion.h>

#include <dirent.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "checkpoint.h"
#include "fsutil.h"
#include "idxw.h"
#include "proc.h"
#include "rng.h"

/* ================================================================ */
/* Fixtures: a temporary directory, data, descriptions              */
/* ================================================================ */

void rt_setup(void)
{
    fs_scratch_make("run");
}

/* <scratch>/name into buf. */
const char *rt_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", fs_scratch(), name);
    return buf;
}

void rt_write(const char *name, const char *text)
{
    char p[256];
    FILE *f = fopen(rt_path(p, sizeof p, name), "w");
    cr_assert_not_null(f, "%s: %s", p, strerror(errno));
    fputs(text, f);
    fclose(f);
}

int rt_exists(const char *name)
{
    char p[256];
    struct stat st;
    return stat(rt_path(p, sizeof p, name), &st) == 0;
}

/* See runfix.h. */
int rt_count_files(void)
{
    int n;
    free(fs_listing(fs_scratch(), &n));
    return n;
}

/* Synthetic images of `classes` (≤ 4) classes, rows x cols (≥ 8x8): class
 * c lights the 3x3 patch at corner c, over noise in [0, 80). */
void rt_synth(unsigned char *img, unsigned char *lbl, int n, int rows, int cols,
              int classes, rng_state *r)
{
    static const int py[4] = { 1, 1, 4, 4 }, px[4] = { 1, 4, 1, 4 };
    int s, y, x;
    for (s = 0; s < n; ++s) {
        int c = rng_uniform_int(r, classes);
        unsigned char *im = img + (size_t)s * rows * cols;
        lbl[s] = (unsigned char)c;
        for (y = 0; y < rows; ++y)
            for (x = 0; x < cols; ++x) {
                int v = rng_uniform_int(r, 80);
                if (y >= py[c] && y < py[c] + 3 && x >= px[c] && x < px[c] + 3)
                    v += 170;
                im[y * cols + x] = (unsigned char)v;
            }
    }
}

/* A data set directory <scratch>/sub with ntrain / ntest synthetic samples;
 * label_bump is added to every test label (to make out-of-range labels).
 * The training images are gzip'd, the rest plain. */
void rt_make_data(const char *sub, int ntrain, int ntest, int rows, int cols,
                         int classes, int label_bump)
{
    char dir[256], p[512];
    unsigned char *img, *lbl;
    unsigned dims[3];
    rng_state r;
    int s, n = ntrain > ntest ? ntrain : ntest;
    rt_path(dir, sizeof dir, sub);
    cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s: %s", dir, strerror(errno));
    img = malloc((size_t)n * rows * cols);
    lbl = malloc((size_t)n);
    cr_assert(img && lbl);
    rng_seed(&r, 12345);
    rt_synth(img, lbl, ntrain, rows, cols, classes, &r);
    dims[0] = (unsigned)ntrain;
    dims[1] = (unsigned)rows;
    dims[2] = (unsigned)cols;
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
    idxw_write(p, 3, dims, img, (size_t)ntrain * rows * cols, 1);
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte", dir);
    idxw_write(p, 1, dims, lbl, (size_t)ntrain, 0);
    rt_synth(img, lbl, ntest, rows, cols, classes, &r);
    for (s = 0; s < ntest; ++s)
        lbl[s] = (unsigned char)(lbl[s] + label_bump);
    dims[0] = (unsigned)ntest;
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", dir);
    idxw_write(p, 3, dims, img, (size_t)ntest * rows * cols, 0);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", dir);
    idxw_write(p, 1, dims, lbl, (size_t)ntest, 0);
    free(img);
    free(lbl);
}

/* The synthetic net's description, written to <scratch>/name. act: the conv
 * layer's activation (changing it keeps the parameter count and changes
 * the architecture); side: input size. */
void rt_make_net(const char *name, const char *act, int side, int classes)
{
    char text[1024];
    snprintf(text, sizeof text,
             "return network {\n"
             "  name = \"syn\",\n"
             "  input = { 1, %d, %d },\n"
             "  layers = {\n"
             "    conv { maps = 4, kernel = 3, act = \"%s\" },\n"
             "    maxpool { size = 2 },\n"
             "    dense { units = %d, act = \"softmax\" },\n"
             "  },\n"
             "  cost = \"log-likelihood\",\n"
             "  train = { eta = 0.5, batch = 10, l2 = 0.1, epochs = 2, seed = 3 },\n"
             "}\n", side, side, act, classes);
    rt_write(name, text);
}

/* The usual fixture: data in <scratch>/data, the net in <scratch>/syn.lua. */
void rt_standard(int ntrain)
{
    rt_make_data("data", ntrain, 400, 8, 8, 4, 0);
    rt_make_net("syn.lua", "sigmoid", 8, 4);
}

/* ================================================================ */
/* Running the binary                                               */
/* ================================================================ */

const char *rt_bin(void)
{
    const char *b = getenv("CNNGEN");
    return b && *b ? b : "build/cnngen";
}

void rt_slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, len - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
}

/* The child's environment, built before fork (the child only execs):
 * ours, with the cc cache in the shared test directory and modest flags
 * (tests care about agreement, not speed), plus extra "K=V" entries.
 * Returns a static array. */
extern char **environ;

char *const *rt_env(const char *const *extra)
{
    static char cache[300], cflags[] = "CFLAGS=-O2";
    static char *env[256];
    char dir[256];
    int n = 0, k;
    snprintf(dir, sizeof dir, "%s/xdg", tb_tmpdir());
    mkdir(dir, 0700);
    snprintf(cache, sizeof cache, "XDG_CACHE_HOME=%s", dir);
    for (k = 0; extra && extra[k]; ++k)         /* a test's own cache replaces the shared one */
        if (!strncmp(extra[k], "XDG_CACHE_HOME=", 15))
            cache[0] = '\0';
    for (k = 0; environ[k] && n < 240; ++k) {
        const char *const *x;
        int keep = strncmp(environ[k], "XDG_CACHE_HOME=", 15) && strncmp(environ[k], "CFLAGS=", 7);
        for (x = extra; keep && x && *x; ++x) {
            size_t len = strcspn(*x, "=") + 1;      /* "K=" */
            keep = strncmp(environ[k], *x, len) != 0;
        }
        if (keep)
            env[n++] = environ[k];
    }
    if (cache[0])
        env[n++] = cache;
    env[n++] = cflags;
    for (; extra && *extra && n < 255; ++extra)
        env[n++] = (char *)*extra;
    env[n] = NULL;
    return env;
}

/* Run cnngen with args (NULL-terminated, without argv[0]) and extra
 * environment entries "K=V"; capture stdout and stderr. Runs in this
 * process's directory, so callers pass absolute paths.
 *
 * A `run` that names no backend gets `--backend tcc` (right after "run",
 * so it cannot become another flag's value): these tests are about
 * training, resuming and output, and compare runs bit for bit; the default
 * backend, auto, switches to cc at a moment that depends on timing.  The
 * tests of auto name it. */
static int rt_as_is;             /* 1: rt_run adds no --backend (rt_run_as_is) */

void rt_run(rt_out *o, const char *const *args, const char *const *env)
{
    const char *argv[44];
    proc_result r;
    int k = 0, i, named = 0;
    argv[k++] = rt_bin();
    for (i = 0; args[i]; ++i)
        named |= !strcmp(args[i], "--backend") || !strncmp(args[i], "--backend=", 10);
    for (i = 0; args[i] && k < 41; ++i) {
        argv[k++] = args[i];
        if (i == 0 && !strcmp(args[0], "run") && !named && !rt_as_is) {
            argv[k++] = "--backend";
            argv[k++] = "tcc";
        }
    }
    argv[k] = NULL;
    proc_run(&r, NULL, (char *const *)argv, rt_env(env), 0);
    o->status = r.signal ? 128 + r.signal : r.status;
    snprintf(o->out, sizeof o->out, "%s", r.out);
    snprintf(o->err, sizeof o->err, "%s", r.err);
    proc_free(&r);
}

/* Exactly one line on stderr, containing `want`, and the status. */
void rt_expect_error(const rt_out *o, int status, const char *want)
{
    cr_expect_eq(o->status, status, "status %d, want %d; stderr: %s", o->status, status, o->err);
    cr_expect(proc_one_line(o->err), "not exactly one line on stderr: [%s]", o->err);
    cr_expect(strstr(o->err, want) != NULL, "stderr [%s] lacks [%s]", o->err, want);
}

/* The values of key in each JSON line of text (at most max); returns how
 * many lines had it. */
int rt_json_values(const char *text, const char *key, double *v, int max)
{
    char pat[64];
    int n = 0;
    const char *p = text;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    while (n < max && (p = strstr(p, pat)) != NULL) {
        p += strlen(pat);
        v[n++] = strtod(p, NULL);
    }
    return n;
}

/* 1 when two files have the same bytes. */
int rt_same_file(const char *a, const char *b)
{
    size_t nx, ny;
    char *x = fs_slurp(a, &nx), *y = fs_slurp(b, &ny);
    int same;
    cr_assert(x && y, "cannot read %s or %s", a, b);
    same = nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return same;
}

/* rt_run, exactly these arguments (the default backend stays the default). */
void rt_run_as_is(rt_out *o, const char *const *args, const char *const *env)
{
    rt_as_is = 1;
    rt_run(o, args, env);
    rt_as_is = 0;
}

/* The parameters of a weights file (malloc'd), *count of them. */
float *rt_weights(const char *path, size_t *count)
{
    char err[512];
    ckpt_info info;
    float *p;
    cr_assert_eq(ckpt_peek(path, &info, err, sizeof err), 0, "%s", err);
    p = malloc((size_t)info.count * sizeof *p);
    cr_assert_not_null(p);
    cr_assert_eq(ckpt_load(path, p, (size_t)info.count, 4, info.arch_hash, err, sizeof err), 0,
                 "%s", err);
    *count = (size_t)info.count;
    return p;
}

/* Two weights files agree to tol (relative to max(1, |w|)). */
void rt_expect_close_weights(const char *a, const char *b, double tol)
{
    size_t na, nb, i, worst = 0;
    float *x = rt_weights(a, &na), *y = rt_weights(b, &nb);
    double wd = 0.0;
    cr_assert_eq(na, nb);
    for (i = 0; i < na; ++i) {
        double d = fabs((double)x[i] - (double)y[i]) / fmax(1.0, fabs((double)x[i]));
        if (!(d <= wd)) {
            wd = d;
            worst = i;
        }
    }
    cr_expect(wd <= tol, "%s and %s: parameter %zu: %.9g vs %.9g", a, b, worst, x[worst],
              y[worst]);
    free(x);
    free(y);
}

/* The epochs' costs of two JSON outputs agree to tol. */
void rt_expect_same_costs(const char *out1, const char *out2, int epochs, double tol)
{
    double c1[8], c2[8];
    int k;
    cr_assert_eq(rt_json_values(out1, "cost", c1, 8), epochs, "%s", out1);
    cr_assert_eq(rt_json_values(out2, "cost", c2, 8), epochs, "%s", out2);
    for (k = 0; k < epochs; ++k)
        cr_expect(fabs(c1[k] - c2[k]) <= tol * fabs(c1[k]) + 1e-6, "epoch %d cost %.9g vs %.9g",
                  k + 1, c1[k], c2[k]);
}

/* See runfix.h. */
unsigned long long rt_cached_chunks(const char *dir, int *units)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned long long set = 0;
    int count = 0;
    cr_assert(d, "no cache directory %s", dir);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        char path[1024], *text, *at;
        long chunk;
        if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        ++count;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        text = malloc(1 << 22);
        cr_assert(text);
        rt_slurp(path, text, 1 << 22);
        at = strstr(text, "_CHUNK ");       /* #define NAME_CHUNK <n> */
        cr_assert(at, "%s defines no chunk", path);
        chunk = strtol(at + 7, NULL, 10);
        cr_assert(chunk > 0 && chunk < 64, "%s: chunk %ld", path, chunk);
        set |= 1ULL << chunk;
        free(text);
    }
    closedir(d);
    if (units)
        *units = count;
    return set;
}
