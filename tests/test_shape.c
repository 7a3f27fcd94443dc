/*
 * test_shape.c -- shapes, parameter counts and MACs of the example nets:
 * `cnngen info` and the generated header's size macros against numbers
 * computed here, independently, from each example's architecture (written
 * out below as a ref_net, not read from the .lua file).
 *
 * MACs (multiply-accumulates per sample), as `info` defines them:
 *   forward   conv: outputs · cin·kh·kw;  dense: units · inputs;  pool: 0
 *   backward  the weight gradient costs as much as the forward pass; a layer
 *             that is not the first also propagates δ to the layer below,
 *             which costs as much again.
 *
 * The binary comes from $CNNGEN and the examples from $CNNGEN_ROOT/examples
 * (both set by `make test`; ./build/cnngen and . otherwise).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "jit.h"
#include "fsutil.h"
#include "proc.h"
#include "ref.h"

/* ---- running the binary -------------------------------------------------- */

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* ---- the examples' architectures ----------------------------------------- */

enum { NIELSEN1, NIELSEN2, LENET5, KERAS };

static ref_net example_net(int which)
{
    ref_net n = ref_net_make(1, 28, 28, REF_LOGLIK);
    switch (which) {
    case NIELSEN1:
        ref_add_conv(&n, 20, 5, 5, 1, 1, 0, REF_SIGMOID);
        ref_add_pool(&n, 2, 2, 2, 2);
        ref_add_dense(&n, 100, REF_SIGMOID);
        ref_add_dense(&n, 10, REF_SOFTMAX);
        break;
    case NIELSEN2:
        ref_add_conv(&n, 20, 5, 5, 1, 1, 0, REF_RELU);
        ref_add_pool(&n, 2, 2, 2, 2);
        ref_add_conv(&n, 40, 5, 5, 1, 1, 0, REF_RELU);
        ref_add_pool(&n, 2, 2, 2, 2);
        ref_add_dense(&n, 100, REF_RELU);
        ref_add_dense(&n, 10, REF_SOFTMAX);
        break;
    case KERAS:                 /* PyTorch's shapes: 11x11 pooled by 2 gives 5x5 */
        ref_add_conv(&n, 32, 3, 3, 1, 1, 0, REF_RELU);
        ref_add_pool(&n, 2, 2, 2, 2);
        ref_add_conv(&n, 64, 3, 3, 1, 1, 0, REF_RELU);
        ref_add_pool(&n, 2, 2, 2, 2);
        ref_add_dense(&n, 128, REF_RELU);
        ref_add_dense(&n, 10, REF_SOFTMAX);
        break;
    default:
        ref_add_conv(&n, 6, 5, 5, 1, 1, 2, REF_TANH);
        ref_add_pool(&n, 2, 2, 2, 2);
        ref_add_conv(&n, 16, 5, 5, 1, 1, 0, REF_TANH);
        ref_add_pool(&n, 2, 2, 2, 2);
        ref_add_dense(&n, 120, REF_TANH);
        ref_add_dense(&n, 84, REF_TANH);
        ref_add_dense(&n, 10, REF_SOFTMAX);
        break;
    }
    return n;
}

/* One layer's row of the `info` table, computed from the architecture. */
typedef struct row {
    int c, h, w;                 /* output shape */
    int dims;                    /* 3 for [c][h][w], 1 for dense's [units] */
    size_t params, fwd, bwd;
} row;

/* Rows of every layer of net (independent of ref.c's own shape code). */
static void expected_rows(const ref_net *net, row *rows)
{
    int c = net->c, h = net->h, w = net->w, l;
    for (l = 0; l < net->n_layers; ++l) {
        const ref_layer *L = &net->layer[l];
        row *r = &rows[l];
        size_t in = (size_t)c * h * w;
        memset(r, 0, sizeof *r);
        if (L->kind == REF_CONV) {
            int oh = (h + 2 * L->pad - L->kh) / L->sh + 1, ow = (w + 2 * L->pad - L->kw) / L->sw + 1;
            size_t taps = (size_t)c * L->kh * L->kw;
            r->params = (size_t)L->maps * taps + (size_t)L->maps;
            r->fwd = (size_t)L->maps * oh * ow * taps;
            c = L->maps, h = oh, w = ow;
            r->dims = 3;
        } else if (L->kind == REF_MAXPOOL) {
            h = (h - L->kh) / L->sh + 1;
            w = (w - L->kw) / L->sw + 1;
            r->dims = 3;
        } else {
            r->params = (size_t)L->units * in + (size_t)L->units;
            r->fwd = (size_t)L->units * in;
            c = L->units, h = 1, w = 1;
            r->dims = 1;
        }
        r->bwd = l == 0 ? r->fwd : 2 * r->fwd;
        r->c = c, r->h = h, r->w = w;
    }
}

/* Parses "1,234,567" at *s into a number; advances *s. */
static int parse_num(const char **s, size_t *v)
{
    const char *p = *s;
    size_t x = 0;
    int any = 0;
    while (*p == ' ') ++p;
    for (; (*p >= '0' && *p <= '9') || (*p == ',' && any); ++p)
        if (*p != ',') x = 10 * x + (size_t)(*p - '0'), any = 1;
    *s = p;
    *v = x;
    return any;
}

/* One parsed row of `info` output:
 *   "1   conv     [20][24][24]              520        288,000        288,000       92,160" */
static int parse_row(const char *line, int *index, char *kind, row *r)
{
    const char *p = line;
    size_t v, dims[3];
    int n = 0, off;
    memset(r, 0, sizeof *r);
    if (sscanf(p, "%d %15s %n", index, kind, &off) != 2) return 0;
    p += off;
    while (*p == '[' && n < 3) {
        ++p;
        if (!parse_num(&p, &v) || *p != ']') return 0;
        ++p;
        dims[n++] = v;
    }
    if (n == 0) return 0;
    r->dims = n;
    r->c = (int)dims[0];
    r->h = n == 3 ? (int)dims[1] : 1;
    r->w = n == 3 ? (int)dims[2] : 1;
    if (!parse_num(&p, &r->params) || !parse_num(&p, &r->fwd) || !parse_num(&p, &r->bwd)) return 0;
    return 1;
}

/* v with thousands separators: 1234567 -> "1,234,567". */
static const char *grouped(char *buf, size_t len, size_t v)
{
    char digits[32], *o = buf;
    size_t n, i;
    snprintf(digits, sizeof digits, "%zu", v);
    n = strlen(digits);
    for (i = 0; i < n && (size_t)(o - buf) + 2 < len; ++i) {
        if (i > 0 && (n - i) % 3 == 0) *o++ = ',';
        *o++ = digits[i];
    }
    *o = '\0';
    return buf;
}

struct example {
    char name[16];               /* an array: parameters are copied into a re-executed process */
    int which;
    size_t params;               /* the total, from docs/design.md */
};

static struct example examples[] = {
    { "nielsen1", NIELSEN1, 289630 },
    { "nielsen2", NIELSEN2, 85670 },
    { "lenet5", LENET5, 61706 },
    { "keras", KERAS, 225034 },  /* PyTorch's count for the same net */
};

ParameterizedTestParameters(shape, info_matches_independent_shapes_params_and_macs)
{
    return cr_make_param_array(struct example, examples, sizeof examples / sizeof examples[0]);
}

ParameterizedTest(struct example *ex, shape, info_matches_independent_shapes_params_and_macs, .timeout = 30)
{
    static const char *const kinds[] = { "conv", "maxpool", "dense" };
    ref_net net = example_net(ex->which);
    row want[REF_MAX_LAYERS], got;
    size_t total = 0, fwd = 0, bwd = 0, v;
    char cmd[2048], *out, *line, *save = NULL, kind[16], expect[256];
    int st, l, seen = 0, idx, real;

    expected_rows(&net, want);
    for (l = 0; l < net.n_layers; ++l) total += want[l].params, fwd += want[l].fwd, bwd += want[l].bwd;
    cr_assert_eq(total, ex->params, "%s: the architecture here has %zu params, expected %zu",
                 ex->name, total, ex->params);
    cr_assert_eq(ref_param_count(&net), total, "%s: ref.c counts %zu params", ex->name, ref_param_count(&net));

    for (real = 0; real < 2; ++real) {
        const char *rname = real ? "double" : "float";
        snprintf(cmd, sizeof cmd, "'%s' info '%s/examples/%s.lua' --real %s",
                 env_or("CNNGEN", "build/cnngen"), env_or("CNNGEN_ROOT", "."), ex->name, rname);
        st = proc_sh_merged(cmd, &out);
        cr_assert(out, "cannot run %s", cmd);
        cr_assert_eq(st, 0, "%s: exit %d:\n%s", cmd, st, out);
        seen = 0;
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            const char *p = line;
            if (*line >= '1' && *line <= '9' && parse_row(line, &idx, kind, &got)) {
                const row *w;
                cr_assert(idx >= 1 && idx <= net.n_layers, "%s: layer index %d in row '%s'", ex->name, idx, line);
                w = &want[idx - 1];
                cr_assert_str_eq(kind, kinds[net.layer[idx - 1].kind], "%s layer %d: kind in '%s'",
                                 ex->name, idx, line);
                cr_assert(got.dims == w->dims && got.c == w->c && got.h == w->h && got.w == w->w,
                          "%s layer %d: output shape in '%s', expected [%d][%d][%d] (%d dims)",
                          ex->name, idx, line, w->c, w->h, w->w, w->dims);
                cr_assert_eq(got.params, w->params, "%s layer %d: params in '%s', expected %zu",
                             ex->name, idx, line, w->params);
                cr_assert_eq(got.fwd, w->fwd, "%s layer %d: forward MACs in '%s', expected %zu",
                             ex->name, idx, line, w->fwd);
                cr_assert_eq(got.bwd, w->bwd, "%s layer %d: backward MACs in '%s', expected %zu",
                             ex->name, idx, line, w->bwd);
                seen |= 1 << (idx - 1);
            } else if (!strncmp(line, "    total", 9)) {
                p = line + 9;
                cr_assert(parse_num(&p, &v) && v == total, "%s: total params in '%s', expected %zu",
                          ex->name, line, total);
                cr_assert(parse_num(&p, &v) && v == fwd, "%s: total forward MACs in '%s', expected %zu",
                          ex->name, line, fwd);
                cr_assert(parse_num(&p, &v) && v == bwd, "%s: total backward MACs in '%s', expected %zu",
                          ex->name, line, bwd);
                seen |= 1 << 20;
            } else if (!strncmp(line, "parameters:", 11)) {
                char a[32], b[32], c[32], d[32];
                /* "parameters: 289,630 (1,158,520 bytes); per sample: 577,000 MACs forward, ..." */
                snprintf(expect, sizeof expect,
                         "parameters: %s (%s bytes); per sample: %s MACs forward, %s MACs forward+backward",
                         grouped(a, sizeof a, total), grouped(b, sizeof b, total * (real ? 8 : 4)),
                         grouped(c, sizeof c, fwd), grouped(d, sizeof d, fwd + bwd));
                cr_assert_str_eq(line, expect, "%s --real %s: summary line", ex->name, rname);
                seen |= 1 << 21;
            } else if (!strncmp(line, "training work struct:", 21)) {
                /* the bytes it gives are sizeof(<name>_work) as compiled */
                char path[1024], err[512], *src;
                net_api api;
                p = line + 21;
                cr_assert(parse_num(&p, &v), "%s: '%s'", ex->name, line);
                snprintf(path, sizeof path, "%s/examples/%s.lua", env_or("CNNGEN_ROOT", "."), ex->name);
                cr_assert_not_null(src = fs_slurp(path, NULL), "cannot read %s", path);
                cr_assert_eq(tb_build(src, rname, "none", "tcc", NULL, &api, err, sizeof err), 0, "%s", err);
                cr_assert_eq(v, api.work_size, "%s --real %s: info says %zu bytes of training work, sizeof is %zu",
                             ex->name, rname, v, api.work_size);
                jit_release(&api);
                free(src);
                seen |= 1 << 22;
            }
        }
        cr_assert_eq(seen, (1 << net.n_layers) - 1 + (1 << 20) + (1 << 21) + (1 << 22),
                     "%s: not every layer row, the total and the summary were found (mask %#x)", ex->name, seen);
        free(out);
    }
}

/* The generated header's size macros: IN_SIZE = c·h·w of the input,
 * OUT_SIZE = the last layer's units, PARAM_COUNT = the total above; the
 * same in both precisions and every unroll mode. */
ParameterizedTestParameters(shape, header_sizes_match_architecture)
{
    return cr_make_param_array(struct example, examples, sizeof examples / sizeof examples[0]);
}

ParameterizedTest(struct example *ex, shape, header_sizes_match_architecture, .timeout = 30)
{
    static const char *const opts[] = { "--real float", "--real double --unroll none" };
    ref_net net = example_net(ex->which);
    row want[REF_MAX_LAYERS];
    char dir[] = "/tmp/cnngen-shape-XXXXXX", cmd[2048], path[512], upper[64], key[128], *out, *h;
    size_t in = (size_t)net.c * net.h * net.w, outn, total = 0;
    int o, l, k;

    expected_rows(&net, want);
    for (l = 0; l < net.n_layers; ++l) total += want[l].params;
    outn = (size_t)want[net.n_layers - 1].c * want[net.n_layers - 1].h * want[net.n_layers - 1].w;
    for (k = 0; ex->name[k] && k < 63; ++k) upper[k] = (char)(ex->name[k] >= 'a' && ex->name[k] <= 'z'
                                                            ? ex->name[k] - 32 : ex->name[k]);
    upper[k] = '\0';
    cr_assert(mkdtemp(dir), "mkdtemp");
    for (o = 0; o < 2; ++o) {
        const char *macro[3] = { "IN_SIZE", "OUT_SIZE", "PARAM_COUNT" };
        size_t value[3];
        value[0] = in, value[1] = outn, value[2] = total;
        snprintf(cmd, sizeof cmd, "'%s' '%s/examples/%s.lua' -o '%s/net.c' %s", env_or("CNNGEN", "build/cnngen"),
                 env_or("CNNGEN_ROOT", "."), ex->name, dir, opts[o]);
        cr_assert_eq(proc_sh_merged(cmd, &out), 0, "%s:\n%s", cmd, out ? out : "");
        free(out);
        snprintf(path, sizeof path, "%s/net.h", dir);
        h = fs_slurp(path, NULL);
        cr_assert(h, "no %s", path);
        for (k = 0; k < 3; ++k) {
            const char *p;
            unsigned long long v = 0;
            snprintf(key, sizeof key, "#define %s_%s ", upper, macro[k]);
            p = strstr(h, key);
            cr_assert(p, "%s (%s): no '%s' in net.h", ex->name, opts[o], key);
            cr_assert(sscanf(p + strlen(key), "%llu", &v) == 1 && v == value[k],
                      "%s (%s): %s_%s is %llu, expected %zu", ex->name, opts[o], upper, macro[k], v, value[k]);
        }
        free(h);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
