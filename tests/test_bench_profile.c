/*
 * test_bench_profile.c -- suite "bench_profile": the profile form bench's
 * per-layer breakdown times (gen/lua/profile.lua, templates/profile.c.tpl).
 * Its <name>_jit_profile takes train_batch's steps layer by layer: after
 * each of several mini-batches (chunks that divide the batch and one that
 * does not, dropout's masks, every --unroll under tcc, cc's default flags)
 * the parameters, the gradient and the cost are train_batch's, bit for
 * bit, and every step was timed.  Its streaming passes compute what they
 * say; code generated without the profile has none of it, and its code
 * compiles without a diagnostic under gcc, clang and tcc -Werror.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "fsutil.h"
#include "host.h"
#include "net.h"
#include "proc.h"

static void bp_setup(void)
{
    fs_scratch_make("profile");
}

TestSuite(bench_profile, .init = bp_setup, .fini = fs_scratch_remove, .timeout = 240);

typedef float (*bp_profile_fn)(float *params, float *grad, void *w, const float *x,
                               const int *labels, int n, float eta, float l2, int n_train,
                               double (*now)(void *), void *clock, double *t);
typedef void (*bp_update_fn)(float *p, const float *g, ptrdiff_t n, float a, float b);
typedef double (*bp_read_fn)(const float *p, ptrdiff_t n);
typedef unsigned (*bp_flags_fn)(int l);

/* A clock that ticks once a read: every step gets a positive time. */
static double bp_clock(void *ctx)
{
    double *c = ctx;
    return *c += 1.0;
}

/* Generate path's net (float, backend, unroll, chunk; the profile on or
 * off) and, when api, build it. */
static void bp_build(const char *path, const char *backend, const char *unroll, long chunk,
                     int profile, net *n, net_api *api)
{
    char err[4096], dir[512];
    lua_State *T = host_new();
    net_request rq;
    jit_cc_opts co;
    int rc;
    cr_assert_not_null(T);
    memset(&rq, 0, sizeof rq);
    rq.path = path;
    rq.forms[rq.nforms++] = backend;
    rq.real = "float";
    rq.unroll = unroll;
    rq.chunk = chunk;
    rq.profile = profile;
    rc = net_generate(T, &rq, n, err, sizeof err);
    lua_close(T);
    cr_assert_eq(rc, HOST_OK, "%s: %s", path, err);
    if (!api)
        return;
    memset(&co, 0, sizeof co);
    snprintf(dir, sizeof dir, "%s/cc", tb_tmpdir());
    co.cache_dir = dir;
    co.quiet = 1;
    cr_assert_eq(net_compile(n, 0, strcmp(backend, "cc") ? NULL : &co, api, err, sizeof err), 0,
                 "%s: %s", path, err);
}

static void *bp_sym(const net_api *api, const char *name, const char *suffix)
{
    char sym[128];
    void *p;
    snprintf(sym, sizeof sym, "%s%s", name, suffix);
    p = jit_symbol(api, sym);
    cr_assert_not_null(p, "no %s", sym);
    return p;
}

/* Train two copies of the net's parameters on the same mini-batches, one
 * with train_batch and one with the profile, and compare after each. */
static void bp_same_steps(const char *src, const char *backend, const char *unroll, long chunk,
                          int batch)
{
    char path[512];
    net n;
    net_api api;
    bp_profile_fn prof;
    void *p, *wa, *wb;
    float *pa, *pb, *ga, *gb, *x;
    double *t, clock = 0.0;
    int *y, step, k, nl, slots;
    size_t np, in;
    const char *form = unroll ? unroll : "(default)";

    snprintf(path, sizeof path, "%s", fs_path("p.lua"));
    fs_spit(path, src, strlen(src));
    bp_build(path, backend, unroll, chunk, 1, &n, &api);
    p = bp_sym(&api, n.name, "_jit_profile");
    memcpy(&prof, &p, sizeof p);
    np = api.param_count;
    in = api.in_size;
    nl = n.nlayers;
    slots = 3 * nl + 2;
    pa = net_params_new(&api);
    pb = net_params_new(&api);
    ga = net_params_new(&api);
    gb = net_params_new(&api);
    wa = net_work_new(&api);
    wb = net_work_new(&api);
    x = malloc((size_t)batch * in * sizeof *x);
    y = malloc((size_t)batch * sizeof *y);
    t = calloc((size_t)slots, sizeof *t);
    cr_assert(pa && pb && ga && gb && wa && wb && x && y && t);
    api.init.f(pa, 7);
    memcpy(pb, pa, np * sizeof *pa);
    /* the same start for g: the fused step (train_chunk) leaves the part
     * of its dense weights unwritten, in both */
    memset(ga, 0, np * sizeof *ga);
    memset(gb, 0, np * sizeof *gb);
    srand(11);
    for (step = 0; step < 4; ++step) {
        float ca, cb;
        int m = step == 3 ? batch - 1 : batch;     /* a short batch too */
        for (k = 0; k < m * (int)in; ++k)
            x[k] = (float)rand() / (float)RAND_MAX;
        for (k = 0; k < m; ++k)
            y[k] = rand() % (int)api.out_size;
        if (api.train_key) {
            api.train_key(wa, 5, (unsigned long long)step, 3ull * (unsigned long long)step);
            api.train_key(wb, 5, (unsigned long long)step, 3ull * (unsigned long long)step);
        }
        ca = api.train_batch.f(pa, ga, wa, x, y, m, 0.5f, 0.1f, 100);
        cb = prof(pb, gb, wb, x, y, m, 0.5f, 0.1f, 100, bp_clock, &clock, t);
        cr_expect(memcmp(&ca, &cb, sizeof ca) == 0, "%s %s chunk %ld, step %d: cost %.9g vs %.9g",
                  backend, form, chunk, step, ca, cb);
        for (k = 0; k < (int)np; ++k)
            if (memcmp(&pa[k], &pb[k], sizeof *pa) != 0 || memcmp(&ga[k], &gb[k], sizeof *ga) != 0)
                break;
        cr_expect_eq(k, (int)np, "%s %s chunk %ld, step %d: parameter %d: %.9g vs %.9g, "
                     "gradient %.9g vs %.9g", backend, form, chunk, step, k, pa[k], pb[k],
                     ga[k], gb[k]);
    }
    /* every pass a layer has, the cost and the zeroing were timed */
    {
        void *fp = bp_sym(&api, n.name, "_jit_profile_flags");
        bp_flags_fn flags;
        memcpy(&flags, &fp, sizeof fp);
        for (k = 0; k < nl; ++k) {
            unsigned f = flags(k + 1);
            cr_expect(f & 1, "layer %d has no forward", k + 1);
            cr_expect_eq((f & 16) != 0, k > 0 && (f & 2), "layer %d: dC/da^{l-1} %u", k + 1, f);
            cr_expect_eq(t[3 * k] > 0, 1, "layer %d's forward untimed", k + 1);
            cr_expect_eq(t[3 * k + 1] > 0, (f & 2) != 0, "layer %d's backward", k + 1);
            cr_expect_eq(t[3 * k + 2] > 0, n.layers[k].wcount > 0, "layer %d's sgd", k + 1);
        }
        cr_expect(t[3 * nl] > 0 && t[3 * nl + 1] > 0, "cost and zero untimed");
        cr_expect_eq(flags(0), 0u);
        cr_expect_eq(flags(nl + 1), 0u);
    }
    free(t);
    free(y);
    free(x);
    free(wa);
    free(wb);
    net_params_free(pa);
    net_params_free(pb);
    net_params_free(ga);
    net_params_free(gb);
    jit_release(&api);
    net_free(&n);
}

static const char conv_net[] =
    "return network { name = \"pc\", input = { 1, 10, 10 },\n"
    "  layers = { conv { maps = 3, kernel = 3, act = \"sigmoid\" },\n"
    "             maxpool { size = 2 },\n"
    "             dense { units = 6, act = \"tanh\" },\n"
    "             dense { units = 4, act = \"softmax\" } },\n"
    "  cost = \"log-likelihood\" }\n";

static const char dropout_net[] =
    "return network { name = \"pd\", input = { 1, 6, 6 },\n"
    "  layers = { conv { maps = 2, kernel = 3, act = \"relu\" },\n"
    "             dense { units = 9, act = \"relu\" },\n"
    "             dropout { p = 0.25 },\n"
    "             dense { units = 3, act = \"softmax\" } },\n"
    "  cost = \"log-likelihood\" }\n";

Test(bench_profile, steps_are_train_batchs_bit_for_bit_under_tcc)
{
    int u;
    for (u = 0; u < TB_NUNROLLS; ++u) {
        bp_same_steps(conv_net, "tcc", tb_unrolls[u], 0, 7);
        bp_same_steps(conv_net, "tcc", tb_unrolls[u], 3, 7);      /* chunks of 3, 3, 1 */
        bp_same_steps(dropout_net, "tcc", tb_unrolls[u], 2, 6);
    }
}

Test(bench_profile, steps_are_train_batchs_bit_for_bit_under_cc)
{
    bp_same_steps(conv_net, "cc", NULL, 0, 10);
    bp_same_steps(conv_net, "cc", NULL, 4, 10);
    bp_same_steps(dropout_net, "cc", NULL, 0, 8);
}

Test(bench_profile, streaming_passes_compute_what_they_say)
{
    char path[512];
    net n;
    net_api api;
    void *p;
    bp_update_fn update;
    bp_read_fn read;
    float a[131], g[131];
    double want = 0.0;
    int k;
    snprintf(path, sizeof path, "%s", fs_path("p.lua"));
    fs_spit(path, conv_net, strlen(conv_net));
    bp_build(path, "tcc", NULL, 0, 1, &n, &api);
    p = bp_sym(&api, n.name, "_jit_stream_update");
    memcpy(&update, &p, sizeof p);
    p = bp_sym(&api, n.name, "_jit_stream_read");
    memcpy(&read, &p, sizeof p);
    for (k = 0; k < 131; ++k) {
        a[k] = (float)k;
        g[k] = 1.0f;
    }
    update(a, g, 131, 2.0f, 0.5f);
    for (k = 0; k < 131; ++k) {
        cr_expect_eq(a[k], 2.0f * (float)k - 0.5f, "a[%d] = %g", k, a[k]);
        want += a[k];
    }
    cr_expect_eq(read(a, 131), want);               /* small integers and halves: exact */
    cr_expect_eq(read(a, 0), 0.0);
    jit_release(&api);
    net_free(&n);
}

Test(bench_profile, code_without_the_profile_has_none_of_it)
{
    char path[512];
    net plain, prof;
    snprintf(path, sizeof path, "%s", fs_path("p.lua"));
    fs_spit(path, conv_net, strlen(conv_net));
    bp_build(path, "cc", NULL, 0, 0, &plain, NULL);
    bp_build(path, "cc", NULL, 0, 1, &prof, NULL);
    cr_expect_null(strstr(plain.form[0].unit, "_jit_profile"));
    cr_expect_null(strstr(plain.form[0].unit, "_jit_stream"));
    cr_expect_not_null(strstr(prof.form[0].unit, "pc_jit_profile("));
    /* the profile only adds: the plain unit is where the profile's begins */
    cr_expect_eq(strncmp(plain.form[0].unit, prof.form[0].unit, strlen(plain.form[0].unit)), 0);
    net_free(&plain);
    net_free(&prof);
}

/* The profile's code keeps the generated code's promise: no diagnostic
 * under gcc and clang -std=c99 -Wall -Wextra -pedantic -Werror and tcc
 * -Wall -Werror, for the examples and a net with dropout, in the form of
 * each backend. */
Test(bench_profile, profile_code_is_warning_free, .timeout = 600)
{
    static const char *const nets[] = { "nielsen1", "nielsen2", "lenet5", NULL };
    static const char *const backends[] = { "cc", "tcc" };
    char path[1024], base[64];
    int i, k;
    for (i = 0; i <= 3; ++i)
        for (k = 0; k < 2; ++k) {
            net n;
            if (nets[i])
                snprintf(path, sizeof path, "%s/examples/%s.lua", fs_env("CNNGEN_ROOT"), nets[i]);
            else {
                snprintf(path, sizeof path, "%s", fs_path("p.lua"));
                fs_spit(path, dropout_net, strlen(dropout_net));
            }
            bp_build(path, backends[k], NULL, 0, 1, &n, NULL);
            cr_assert_not_null(strstr(n.form[0].unit, "_jit_profile("));
            snprintf(base, sizeof base, "unit%d%s", i, backends[k]);
            snprintf(path, sizeof path, "%s/%s.c", fs_scratch(), base);
            fs_spit(path, n.form[0].unit, strlen(n.form[0].unit));
            proc_compile_everywhere(fs_scratch(), base, base);
            net_free(&n);
        }
}
