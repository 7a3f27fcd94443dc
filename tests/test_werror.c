/*
 * test_werror.c -- a seeded property test: the generated C of every valid
 * description compiles without a single diagnostic, in every form, under
 * the compilers and flags the README promises (docs/design.md, "The
 * generated C (contract)").
 *
 * Each net is a random valid description (support/randnet.h: every layer
 * kind, odd shapes, strides, pads, overlapping pools, one-map and one-unit
 * layers, kernels the size of their input).  Its forms, generated
 * in-process the way `cnngen NET.lua -o net.c` writes them (gen/net.h):
 *
 *   training    --unroll none|kernel|full x --backend cc|tcc x --real
 *               float|double (12), with the net's --chunk
 *   inference   the same 12, --inference --weights W (random weights)
 *   int8        --unroll none x --backend cc|tcc x --real float|double (4),
 *               --inference --quantize int8 with random calibration ranges
 *               (signed or unsigned tensors, a dead relu's [0, 0]), so
 *               that any input shape is calibrated without a data set
 *
 * Every distinct text (the double forms of cc and tcc are the same code)
 * is compiled with gcc and clang -std=c99 -Wall -Wextra -pedantic -Werror
 * -c and with tcc -Wall -Werror -c, two compiles at a time; any output at
 * all fails the test.  clang at -O0 (its warnings come from the front
 * end); gcc at -O0 or -O2 by turns (form and net): the flow-based warnings
 * (maybe-uninitialized, array bounds) need -O2, which costs 3-5 times as
 * much as -O0, so every form meets both over the nets.
 *
 * `make test` runs WERROR_NETS nets (6) from seed WERROR_SEED (13), and
 * the descriptions found failing before, fixed; `make stress` runs
 * STRESS_NETS (500) from a new seed each time (docs/hacking.md, "Tests").
 * A failure names the net's seed (rerun it alone: WERROR_SEED=<seed>
 * WERROR_NETS=1, filter werror/random*), the form as cnngen's flags, the
 * compiler's command and output, and the description.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "fsutil.h"
#include "host.h"
#include "net.h"
#include "proc.h"
#include "randnet.h"

#define DEFAULT_NETS 6
#define DEFAULT_SEED 13         /* the first of them: chosen so that they cover the draw (the coverage test) */
#define MAX_NETS 100000

/* ---- the forms ---------------------------------------------------------------- */

enum { W_TRAIN, W_INFER, W_INT8 };

typedef struct wform {
    const char *unroll, *backend, *real;
    int mode;
} wform;

#define NFORMS 28

static void all_forms(wform f[NFORMS])
{
    static const char *const backends[] = { "cc", "tcc" }, *const reals[] = { "float", "double" };
    int n = 0, mode, u, b, r;
    for (mode = W_TRAIN; mode <= W_INT8; ++mode)
        for (u = 0; u < (mode == W_INT8 ? 1 : 3); ++u)
            for (b = 0; b < 2; ++b)
                for (r = 0; r < 2; ++r) {
                    static const char *const unrolls[] = { "none", "kernel", "full" };
                    f[n].unroll = unrolls[u], f[n].backend = backends[b], f[n].real = reals[r], f[n].mode = mode;
                    ++n;
                }
}

/* The form as cnngen's flags. */
static void form_flags(const wform *f, long chunk, char *buf, size_t len)
{
    char ch[32] = "";
    if (f->mode == W_TRAIN && chunk) snprintf(ch, sizeof ch, " --chunk %ld", chunk);
    snprintf(buf, len, "--unroll %s --backend %s --real %s%s%s", f->unroll, f->backend, f->real, ch,
             f->mode == W_TRAIN ? "" : f->mode == W_INFER ? " --inference --weights W"
                                                           : " --inference --weights W --quantize int8");
}

/* ---- what a net's forms need: weights, a calibration ------------------------------ */

/* Random ranges for every tensor: unsigned after relu, sigmoid and
 * softmax (and pools of such), either otherwise; one time in ten a dead
 * unsigned tensor, [0, 0]. */
static void draw_calib(ref_rng *r, const ref_net *net, quant_calib *c)
{
    int t, was_unsigned = 0;
    memset(c, 0, sizeof *c);
    snprintf(c->data, sizeof c->data, "random ranges (tests/test_werror.c)");
    c->ntensors = net->n_layers + 1;
    c->lo = malloc((size_t)c->ntensors * sizeof *c->lo);
    c->hi = malloc((size_t)c->ntensors * sizeof *c->hi);
    cr_assert(c->lo && c->hi);
    for (t = 0; t < c->ntensors; ++t) {
        const ref_layer *L = t ? &net->layer[t - 1] : NULL;
        int forced = L && (ref_kind_of(L->kind)->has_act ? L->act == REF_RELU || L->act == REF_SIGMOID ||
                                                               L->act == REF_SOFTMAX
                                                         : was_unsigned);
        int uns = forced || ref_pick(r, 0, 1);
        c->hi[t] = (float)ref_pick(r, 5, 400) / 100.0f;
        c->lo[t] = uns ? 0.0f : -(float)ref_pick(r, 5, 400) / 100.0f;
        if (uns && ref_pick(r, 1, 10) == 1) c->hi[t] = 0.0f;
        was_unsigned = uns;
    }
}

/* Random float weights for net into path, for the layout hash of its
 * generated code. */
static void write_weights(ref_rng *r, const char *path, size_t count, unsigned long long arch_hash)
{
    float *w = malloc((count ? count : 1) * sizeof *w);
    char err[512];
    size_t k;
    cr_assert(w);
    for (k = 0; k < count; ++k) w[k] = (float)(ref_pick(r, -1000, 1000) / 2000.0);
    cr_assert_eq(ckpt_save(path, w, count, 4, arch_hash, err, sizeof err), 0, "%s", err);
    free(w);
}

/* ---- generating and compiling ------------------------------------------------------ */

/* The compilers, by the tags of the compile jobs: `sh cc.sh <tag> <form
 * dir>` runs the command on <form dir>/net.c and leaves what it said in
 * <form dir>/<tag>.log, empty when it compiled without a word. */
static const struct wcc {
    const char *tag, *cmd;
} compilers[] = {
    { "gcc-O0", "gcc -std=c99 -Wall -Wextra -pedantic -Werror -O0 -c" },
    { "gcc-O2", "gcc -std=c99 -Wall -Wextra -pedantic -Werror -O2 -c" },
    { "clang-O0", "clang -std=c99 -Wall -Wextra -pedantic -Werror -O0 -c" },
    { "tcc", "tcc -Wall -Werror -c" },
};

static const char *cc_command(const char *tag)
{
    size_t k;
    for (k = 0; k < sizeof compilers / sizeof compilers[0] && strcmp(compilers[k].tag, tag); ++k) {}
    cr_assert(k < sizeof compilers / sizeof compilers[0], "no compiler %s", tag);
    return compilers[k].cmd;
}

static void write_cc_sh(const char *path)
{
    FILE *f = fopen(path, "w");
    size_t k;
    cr_assert(f, "cannot write %s", path);
    fprintf(f, "# $1: the compiler's tag, $2: the form's directory\ncase \"$1\" in\n");
    for (k = 0; k < sizeof compilers / sizeof compilers[0]; ++k)
        fprintf(f, "%s) %s \"$2/net.c\" -o \"$2/$1.o\" ;;\n", compilers[k].tag, compilers[k].cmd);
    fprintf(f, "esac >\"$2/$1.log\" 2>&1 || echo \"(exit status $?)\" >>\"$2/$1.log\"\n");
    cr_assert_eq(fclose(f), 0, "cannot write %s", path);
}

/* Generate the forms of the description `desc` (rn: its reference
 * structure, for the calibration) into dir/f<k>/net.c and net.h, compile
 * each distinct text with the compilers (gcc at -O0 or -O2 by turns:
 * -O2 for the forms k with k + k/2 + turn odd: of the four forms of an
 * --unroll, a float and a double one) and fail the test, naming `what`,
 * on any diagnostic. */
static void check_forms(const char *dir, const char *desc, const ref_net *rn, unsigned long long seed, int turn,
                        long chunk_given, const char *what)
{
    wform f[NFORMS];
    char path[1200], err[4096], wpath[1024], lpath[1200], flags[256], jobs[NFORMS * 4][16], *code[NFORMS];
    char *fails = NULL;
    size_t fails_len = 0;
    int k, j, njobs = 0, same[NFORMS], nfail = 0;
    long chunk;
    lua_State *T = host_new();
    net_desc d;
    quant_calib cal;
    ref_rng r;
    proc_result pr;
    FILE *jf;

    cr_assert(T, "out of memory");
    r.s = seed ^ 0x5eedULL;
    chunk = ref_pick(&r, 0, 2) ? 0 : ref_pick(&r, 1, 5);
    if (chunk_given >= 0) chunk = chunk_given;
    all_forms(f);
    cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s", dir);
    snprintf(path, sizeof path, "%s/net.lua", dir);
    fs_spit(path, desc, strlen(desc));
    snprintf(wpath, sizeof wpath, "%s/w.bin", dir);
    cr_assert_eq(net_describe(T, path, &d, err, sizeof err), HOST_OK, "%s: %s\n--- description:\n%s", what, err, desc);
    draw_calib(&r, rn, &cal);
    for (k = 0; k < NFORMS; ++k) {
        net_request rq;
        net n;
        char fdir[1100];
        memset(&rq, 0, sizeof rq);
        rq.path = path;
        rq.desc = &d;
        rq.forms[rq.nforms++] = f[k].backend;
        rq.real = f[k].real;
        rq.unroll = f[k].unroll;
        rq.chunk = f[k].mode == W_TRAIN ? chunk : 0;
        rq.inference = f[k].mode != W_TRAIN;
        rq.weights = f[k].mode != W_TRAIN ? wpath : NULL;
        rq.quantize = f[k].mode == W_INT8 ? "int8" : NULL;
        rq.calib = f[k].mode == W_INT8 ? &cal : NULL;
        rq.header_name = "net.h";
        rq.c_name = "net.c";
        rq.files = 1;
        form_flags(&f[k], chunk, flags, sizeof flags);
        cr_assert_eq(net_generate(T, &rq, &n, err, sizeof err), HOST_OK, "%s, %s: %s\n--- description:\n%s", what,
                     flags, err, desc);
        if (k == 0) write_weights(&r, wpath, n.param_count, n.arch_hash);
        code[k] = malloc(n.form[0].clen + n.form[0].hlen + 1);
        cr_assert(code[k]);
        memcpy(code[k], n.form[0].c, n.form[0].clen);
        memcpy(code[k] + n.form[0].clen, n.form[0].h, n.form[0].hlen);
        code[k][n.form[0].clen + n.form[0].hlen] = '\0';
        for (same[k] = 0; same[k] < k && strcmp(code[same[k]], code[k]); ++same[k]) {}
        if (same[k] == k) {
            snprintf(fdir, sizeof fdir, "%s/f%02d", dir, k);
            cr_assert_eq(mkdir(fdir, 0755), 0, "mkdir %s", fdir);
            snprintf(path, sizeof path, "%s/net.c", fdir);
            fs_spit(path, n.form[0].c, n.form[0].clen);
            snprintf(path, sizeof path, "%s/net.h", fdir);
            fs_spit(path, n.form[0].h, n.form[0].hlen);
            if ((k + k / 2 + turn) % 2 == 0) snprintf(jobs[njobs++], sizeof jobs[0], "gcc-O0 f%02d", k);
            if ((k + k / 2 + turn) % 2 == 1) snprintf(jobs[njobs++], sizeof jobs[0], "gcc-O2 f%02d", k);
            snprintf(jobs[njobs++], sizeof jobs[0], "clang-O0 f%02d", k);
            snprintf(jobs[njobs++], sizeof jobs[0], "tcc f%02d", k);
        }
        net_free(&n);
        snprintf(path, sizeof path, "%s/net.lua", dir);
    }
    quant_calib_free(&cal);
    net_desc_free(&d);
    lua_close(T);
    for (k = 0; k < NFORMS; ++k) free(code[k]);

    /* the compiles, two at a time, the slowest (gcc -O2) first */
    snprintf(path, sizeof path, "%s/cc.sh", dir);
    write_cc_sh(path);
    snprintf(path, sizeof path, "%s/jobs", dir);
    jf = fopen(path, "w");
    cr_assert(jf, "cannot write %s", path);
    for (k = 0; k < njobs; ++k)
        if (!strncmp(jobs[k], "gcc-O2", 6)) fprintf(jf, "%s\n", jobs[k]);
    for (k = 0; k < njobs; ++k)
        if (strncmp(jobs[k], "gcc-O2", 6)) fprintf(jf, "%s\n", jobs[k]);
    cr_assert_eq(fclose(jf), 0);
    proc_shf(&pr, "cd '%s' && xargs -P 2 -n 2 sh cc.sh < jobs", dir);
    cr_assert_eq(pr.status, 0, "%s: the compiles did not run: %s%s", what, pr.out, pr.err);
    proc_free(&pr);

    /* every log empty; the first three that are not, shown */
    for (k = 0; k < njobs; ++k) {
        char tag[16], form[8], *log;
        size_t len = 0;
        int fk;
        sscanf(jobs[k], "%15s %7s", tag, form);
        fk = atoi(form + 1);
        snprintf(lpath, sizeof lpath, "%s/%s/%s.log", dir, form, tag);
        log = fs_slurp(lpath, &len);
        cr_assert(log, "%s: no %s (did %s run?)", what, lpath, tag);
        if (len > 0 && nfail++ < 3) {
            char head[1400], others[600] = "";
            size_t hl;
            for (j = 0; j < NFORMS; ++j)
                if (j != fk && same[j] == fk) {
                    size_t ol = strlen(others);
                    form_flags(&f[j], chunk, flags, sizeof flags);
                    snprintf(others + ol, sizeof others - ol, "%s(the same code as %.200s)", ol ? "" : "\n", flags);
                }
            form_flags(&f[fk], chunk, flags, sizeof flags);
            hl = (size_t)snprintf(head, sizeof head, "\n--- %s%s\n--- `%s net.c` says:\n", flags, others,
                                  cc_command(tag));
            fails = realloc(fails, fails_len + hl + (len > 2000 ? 2000 : len) + 1);
            cr_assert(fails);
            memcpy(fails + fails_len, head, hl);
            memcpy(fails + fails_len + hl, log, len > 2000 ? 2000 : len);
            fails_len += hl + (len > 2000 ? 2000 : len);
            fails[fails_len] = '\0';
        }
        free(log);
    }
    cr_assert(nfail == 0, "%s: %d compile(s) gave diagnostics; the first %d:%s\n--- description:\n%s", what, nfail,
              nfail < 3 ? nfail : 3, fails, desc);
    free(fails);
}

/* ---- the random nets ------------------------------------------------------------- */

static long env_long(const char *name, long dflt, long lo, long hi)
{
    const char *v = getenv(name);
    char *end;
    long n;
    if (!v || !*v) return dflt;
    n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi) {
        fprintf(stderr, "werror: %s=%s is not a number in %ld..%ld; using %ld\n", name, v, lo, hi, dflt);
        return dflt;
    }
    return n;
}

static unsigned long long base_seed(void)
{
    const char *v = getenv("WERROR_SEED");
    return v && *v ? strtoull(v, NULL, 10) : DEFAULT_SEED;
}

static int nets[MAX_NETS];

ParameterizedTestParameters(werror, random_net_compiles_warning_free_in_every_form)
{
    long n = env_long("WERROR_NETS", DEFAULT_NETS, 1, MAX_NETS), k;
    for (k = 0; k < n; ++k) nets[k] = (int)k;
    return cr_make_param_array(int, nets, (size_t)n);
}

static void scratch_setup(void)
{
    fs_scratch_make("werror");
}

static void scratch_teardown(void)
{
    fs_scratch_remove();
}

ParameterizedTest(int *k, werror, random_net_compiles_warning_free_in_every_form, .init = scratch_setup,
                  .fini = scratch_teardown, .timeout = 240)
{
    unsigned long long seed = base_seed() + (unsigned long long)*k;
    ref_net net = rn_net(seed);
    char desc[4096], what[64];
    ref_lua(&net, "net", desc, sizeof desc);
    snprintf(what, sizeof what, "net of seed %llu (WERROR_SEED=%llu)", seed, seed);
    check_forms(fs_path("n"), desc, &net, seed, (int)(seed % 2), -1, what);
}

/* The nets `make test` draws cover what the draw promises: every layer
 * kind, padding, strides of 2, overlapping pools (stride < size), a
 * first layer without parameters and every cost. */
Test(werror, test_nets_cover_every_kind_pad_stride_and_overlap, .timeout = 10)
{
    int k, l, kinds[REF_MAX_LAYERS] = { 0 }, costs[3] = { 0 }, pad = 0, stride2 = 0, overlap = 0, first_free = 0;
    for (k = 0; k < DEFAULT_NETS; ++k) {
        ref_net n = rn_net(DEFAULT_SEED + (unsigned long long)k);
        costs[n.cost]++;
        first_free += ref_kind_of(n.layer[0].kind)->params(&n.layer[0], ref_layer_shape(&n, 0)) == 0;
        for (l = 0; l < n.n_layers; ++l) {
            const ref_layer *L = &n.layer[l];
            kinds[L->kind]++;
            pad += L->pad > 0;
            stride2 += L->sh == 2 || L->sw == 2;
            overlap += (L->kind == REF_MAXPOOL || L->kind == REF_AVGPOOL) && (L->sh < L->kh || L->sw < L->kw);
        }
    }
    for (k = 0; k < ref_kind_count(); ++k) cr_expect(kinds[k], "no net of `make test` has a %s layer", ref_kind_of(k)->name);
    cr_expect(pad && stride2 && overlap, "pad %d, stride 2 %d, overlapping pools %d", pad, stride2, overlap);
    cr_expect(costs[0] && costs[1] && costs[2], "costs %d/%d/%d", costs[0], costs[1], costs[2]);
    cr_expect(first_free, "no net of `make test` starts with a layer without parameters");
}

/* ---- the descriptions that failed before, fixed ------------------------------------ */

/* Each gave a warning in some form; compiled in every form as the random
 * nets are. */

/* conv first, under a max-pool it hands δ to (--unroll none, cc): k and u
 * declared for the ∂C/∂a^0 it does not compute */
static ref_net found_first_conv_under_maxpool(void)
{
    ref_net n = ref_net_make(1, 12, 12, REF_LOGLIK);
    ref_add_conv(&n, 4, 3, 3, 2, 2, 1, REF_TANH);
    ref_add_pool(&n, 2, 2, 2, 2);
    ref_add_dense(&n, 10, REF_SOFTMAX);
    return n;
}

/* a dense layer's forward in float (--unroll none) under a chunk of 2, 3
 * or 4: its blocks of 5 samples, which never run there, named samples past
 * the chunk, and gcc -O2 said so (-Warray-bounds) */
static ref_net found_dense_under_a_small_chunk(void)
{
    ref_net n = ref_net_make(1, 6, 6, REF_LOGLIK);
    ref_add_dense(&n, 7, REF_SIGMOID);
    ref_add_dense(&n, 3, REF_SOFTMAX);
    return n;
}

/* turn: the forms each compiles at gcc -O2 (check_forms), so that the
 * form it failed in meets the level it failed at; chunk: the --chunk it
 * failed with (-1: the seed's) */
static const struct found_net {
    ref_net (*net)(void);
    int turn;
    long chunk;
} found[] = {
    { found_first_conv_under_maxpool, 0, -1 },
    { found_dense_under_a_small_chunk, 1, 3 },
};

ParameterizedTestParameters(werror, found_net_compiles_warning_free_in_every_form)
{
    static int idx[sizeof found / sizeof found[0]];
    size_t k;
    for (k = 0; k < sizeof idx / sizeof idx[0]; ++k) idx[k] = (int)k;
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(int *k, werror, found_net_compiles_warning_free_in_every_form, .init = scratch_setup,
                  .fini = scratch_teardown, .timeout = 240)
{
    ref_net net = found[*k].net();
    char desc[4096], what[64];
    ref_lua(&net, "net", desc, sizeof desc);
    snprintf(what, sizeof what, "found net %d", *k + 1);
    check_forms(fs_path("n"), desc, &net, (unsigned long long)*k, found[*k].turn, found[*k].chunk, what);
}
