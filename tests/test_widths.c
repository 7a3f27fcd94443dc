/*
 * test_widths.c -- the loop form (--unroll none) at every vector width.
 *
 * The generated code names no vector width: it is C99 whose blocks (16
 * inputs a pass in the dense step, 5 maps x 2 rows in the conv row form)
 * are sized for AVX-512's 32 registers of 16 floats, and the compiler
 * picks the instructions from the target.  This machine runs AVX-512, so
 * each net here is built three times by cc from one description: for it
 * (the cc backend's default flags, -march=native with
 * -mprefer-vector-width=512: zmm registers), for AVX2 (-march=x86-64-v3:
 * 16 ymm registers of 8 floats, FMA) and for SSE (-march=x86-64-v2: xmm,
 * no FMA).  Each build's code is checked to use the width it was built
 * for (the AVX-512 build: more of its FMAs on zmm than on ymm; gcc's
 * -march=native alone on an Intel Xeon gave none on zmm), and
 * three steps of training at the net's batch (the fused step) from the
 * same start to end where the AVX-512 build's end, to float rounding.
 * tests/test_threads.c runs the team step of the threads at each width.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "net_api.h"
#include "proc.h"

/* The targets: the flags of each build (the default's optimization and
 * contraction), and which registers its code may and must use. */
typedef struct wid_target {
    const char *tag, *cflags;
    const char *must, *never;   /* a register name its code uses, one it does not */
} wid_target;

static const wid_target wid_targets[] = {
    { "avx512", "-O3 -march=native -mprefer-vector-width=512 -ffp-contract=fast", "zmm", NULL },
    { "avx2", "-O3 -march=x86-64-v3 -ffp-contract=fast", "ymm", "zmm" },
    { "sse", "-O3 -march=x86-64-v2 -ffp-contract=fast", "xmm", "ymm" },
};
#define WID_NTARGETS (sizeof wid_targets / sizeof wid_targets[0])

/* nielsen1's layers (the conv row form's 5 maps x 2 rows, the pooled
 * conv backward, the dense one pass over 2880 inputs) and nielsen2's
 * (conv through the patches matrix, relu) */
static const char *const wid_nets[] = {
    "return network { name = 'wid1_%s', input = { 1, 28, 28 },\n"
    "  layers = { conv { maps = 20, kernel = 5, act = 'sigmoid' }, maxpool { size = 2 },\n"
    "             dense { units = 100, act = 'sigmoid' }, dense { units = 10, act = 'softmax' } },\n"
    "  cost = 'log-likelihood', train = { batch = 10 } }\n",
    "return network { name = 'wid2_%s', input = { 1, 28, 28 },\n"
    "  layers = { conv { maps = 20, kernel = 5, act = 'relu' }, maxpool { size = 2 },\n"
    "             conv { maps = 40, kernel = 5, act = 'relu' }, maxpool { size = 2 },\n"
    "             dense { units = 100, act = 'relu' }, dense { units = 10, act = 'softmax' } },\n"
    "  cost = 'log-likelihood', train = { batch = 10 } }\n",
};
#define WID_NNETS (sizeof wid_nets / sizeof wid_nets[0])

#define WID_BATCH 10
#define WID_STEPS 3
#define WID_IN 784

/* Whether the file name f is a cached object of the net named `name`
 * (tb_tmpdir()'s NAME-HASH.so). */
static int wid_is_object(const char *f, const char *name)
{
    size_t len = strlen(name);
    const char *dot = strrchr(f, '.');
    return strncmp(f, name, len) == 0 && f[len] == '-' && dot && strcmp(dot, ".so") == 0;
}

/* Remove the cached objects of the net named `name` (an earlier run's,
 * perhaps built with other flags), so that those found after the build
 * are its own. */
static void wid_clear_objects(const char *name)
{
    DIR *d = opendir(tb_tmpdir());
    struct dirent *e;
    cr_assert_not_null(d, "cannot read %s", tb_tmpdir());
    while ((e = readdir(d))) {
        char path[1024];
        if (!wid_is_object(e->d_name, name))
            continue;
        snprintf(path, sizeof path, "%s/%s", tb_tmpdir(), e->d_name);
        cr_assert_eq(remove(path), 0, "cannot remove %s", path);
    }
    closedir(d);
}

/* How many lines of the disassembly of tb_tmpdir()'s object f match the
 * grep pattern pat. */
static int wid_grep_count(const char *f, const char *pat)
{
    char cmd[1024], *out = NULL;
    int n;
    snprintf(cmd, sizeof cmd, "objdump -d --no-show-raw-insn '%s/%s' | grep -c '%s'", tb_tmpdir(), f, pat);
    proc_sh_merged(cmd, &out);
    n = out ? atoi(out) : -1;
    free(out);
    return n;
}

/* The cached object of the net named `name`, just built with this
 * target's flags: its disassembly names `must` and never `never` (and,
 * for zmm, has more FMAs on zmm than on ymm); returns how many objects
 * there were. */
static int wid_check_objects(const char *name, const wid_target *t)
{
    DIR *d = opendir(tb_tmpdir());
    struct dirent *e;
    int found = 0;
    cr_assert_not_null(d, "cannot read %s", tb_tmpdir());
    while ((e = readdir(d))) {
        char pat[64];
        int n;
        if (!wid_is_object(e->d_name, name))
            continue;
        ++found;
        snprintf(pat, sizeof pat, "%%%s", t->must);
        n = wid_grep_count(e->d_name, pat);
        cr_expect(n > 0, "%s (%s): no %s register in its code: %d", e->d_name, t->cflags, t->must, n);
        if (!strcmp(t->must, "zmm")) {
            int wide = wid_grep_count(e->d_name, "vfmadd.*%zmm"), half = wid_grep_count(e->d_name, "vfmadd.*%ymm");
            cr_expect(wide > half, "%s (%s): %d FMAs on zmm, %d on ymm", e->d_name, t->cflags, wide, half);
        }
        if (t->never) {
            snprintf(pat, sizeof pat, "%%%s", t->never);
            n = wid_grep_count(e->d_name, pat);
            cr_expect(n == 0, "%s (%s): %d %s registers in code built without them", e->d_name, t->cflags, n,
                      t->never);
        }
    }
    closedir(d);
    return found;
}

/* The parameters after WID_STEPS steps of train_batch at WID_BATCH (the
 * fused step) from init(seed 3), on inputs in [0, 1), into p (malloc'd);
 * the cost of each step into cost[]. */
static float *wid_train(const net_api *api, const float *x, const int *y, float *cost)
{
    float *p = malloc(api->param_count * sizeof *p), *g = malloc(api->param_count * sizeof *g);
    void *w = malloc(api->work_size);
    int s;
    cr_assert(p && g && w);
    api->init.f(p, 3);
    for (s = 0; s < WID_STEPS; ++s)
        cost[s] = api->train_batch.f(p, g, w, x + (size_t)s * WID_BATCH * WID_IN, y + s * WID_BATCH, WID_BATCH,
                                     0.1f, 0.1f, 60000);
    free(g);
    free(w);
    return p;
}

Test(widths, each_width_trains_as_the_avx512_build_does, .timeout = 600)
{
    float x[WID_STEPS * WID_BATCH * WID_IN];
    int y[WID_STEPS * WID_BATCH];
    size_t i, n, t;
    unsigned long long r = 12345;
    for (i = 0; i < sizeof x / sizeof *x; ++i) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)(r >> 40) / (float)(1 << 24);
    }
    for (i = 0; i < sizeof y / sizeof *y; ++i)
        y[i] = (int)((i * 7 + 3) % 10);
    for (n = 0; n < WID_NNETS; ++n) {
        float *ref = NULL, refcost[WID_STEPS];
        size_t count = 0;
        for (t = 0; t < WID_NTARGETS; ++t) {
            const wid_target *wt = &wid_targets[t];
            char src[1024], name[64], err[4096];
            float *p, cost[WID_STEPS];
            net_api api;
            size_t k, worst = 0;
            double wd = 0.0;
            snprintf(src, sizeof src, wid_nets[n], wt->tag);
            snprintf(name, sizeof name, "wid%zu_%s", n + 1, wt->tag);
            wid_clear_objects(name);
            cr_assert_eq(tb_build(src, "float", "none", "cc", wt->cflags, &api, err, sizeof err), 0,
                         "%s: %s", name, err);
            cr_assert(api.team_step && api.team_chunk == WID_BATCH,
                      "%s: the loop form at batch 10 has the fused step (and the team step)", name);
            cr_expect_eq(wid_check_objects(name, wt), 1, "%s: not one object in %s", name, tb_tmpdir());
            p = wid_train(&api, x, y, cost);
            if (t == 0) {
                ref = p;
                count = api.param_count;
                memcpy(refcost, cost, sizeof cost);
                jit_release(&api);
                continue;
            }
            cr_assert_eq(api.param_count, count);
            for (k = 0; k < WID_STEPS; ++k)
                cr_expect(fabsf(cost[k] - refcost[k]) <= 1e-5f * fmaxf(1.0f, fabsf(refcost[k])),
                          "%s: step %zu's cost %.9g, the AVX-512 build's %.9g", name, k, cost[k], refcost[k]);
            for (k = 0; k < count; ++k) {
                double d = fabs((double)p[k] - ref[k]) / fmax(1.0, fabs(ref[k]));
                if (d > wd) {
                    wd = d;
                    worst = k;
                }
            }
            cr_expect(wd <= 1e-5, "%s: parameter %zu is %.9g, the AVX-512 build's %.9g (relative %.3g)", name,
                      worst, p[worst], ref[worst], wd);
            free(p);
            jit_release(&api);
        }
        free(ref);
    }
}
