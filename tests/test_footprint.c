/*
 * test_footprint.c -- suite "footprint": `cnngen info NET.lua --inference`
 * (gen/cmd_info.c, gen/footprint.c), the RAM and read-only bytes that
 * inference code needs.
 *
 *   - the pieces in-process: the stack of forward from .su texts as gcc and
 *     clang write them (inlined and not), the sizes of an ELF object against
 *     what was compiled into it, and non-ELF input refused;
 *   - the binary ($CNNGEN) on every example: weights = 4 bytes x parameters
 *     (8 with --real double); the work struct = sizeof(<name>_work) as a
 *     separately compiled program sees it in the header `--inference
 *     --weights` writes = the table's total; RAM = work struct + stack;
 *     read-only = weights + code + constants; every number plausible;
 *   - without a compiler (CC names none), exit 0 and the computable numbers,
 *     the others "unknown".
 * Work happens in /tmp/cnngen-footprint-XXXXXX, removed at the end.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "checkpoint.h"
#include "footprint.h"
#include "fsutil.h"
#include "proc.h"

static void fpt_setup(void)
{
    fs_scratch_make("footprint");
}

/* Run a shell command (printf-style); *out = stdout, *err = stderr
 * (malloc'd). Returns the exit status. */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int fpt_sh(char **out, char **err, const char *fmt, ...)
{
    char cmd[4096];
    proc_result r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    proc_sh(&r, cmd);
    *out = r.out;
    *err = r.err;
    return r.status;
}

/* ---- reading info's output ---- */

/* "1,234" at p -> 1234; *ok = 0 when p holds no number. */
static long long fpt_number(const char *p, int *ok)
{
    long long v = 0;
    int digits = 0;
    while (*p == ' ') ++p;
    for (; (*p >= '0' && *p <= '9') || (*p == ',' && digits); ++p)
        if (*p != ',') v = v * 10 + (*p - '0'), ++digits;
    *ok = digits > 0;
    return v;
}

/* The value of the footprint row `label` ("work struct", ...): the number,
 * or -1 for "unknown"; fails when the row is missing. */
static long long fpt_row(const char *text, const char *label)
{
    char key[64];
    const char *p;
    int ok;
    long long v;
    snprintf(key, sizeof key, "\n  %-12s ", label);
    p = strstr(text, key);
    cr_assert_not_null(p, "no row '%s' in:\n%s", label, text);
    p += strlen(key);
    v = fpt_number(p, &ok);
    if (!ok) {
        while (*p == ' ') ++p;
        cr_assert_eq(strncmp(p, "unknown", 7), 0, "row '%s' holds neither a number nor 'unknown':\n%s", label,
                     text);
        return -1;
    }
    return v;
}

/* The parameter count and the total work bytes of the layer table. */
static void fpt_table(const char *text, long long *params, long long *work)
{
    const char *p = strstr(text, "\nparameters: "), *t = strstr(text, "\n    total ");
    const char *end;
    int ok;
    cr_assert(p && t, "no layer table totals in:\n%s", text);
    *params = fpt_number(p + 13, &ok);
    cr_assert(ok);
    end = strchr(t + 1, '\n');
    while (end[-1] == ' ') --end;
    while (end[-1] != ' ') --end;
    *work = fpt_number(end, &ok);
    cr_assert(ok);
}

/* sizeof(<name>_work) of examples/<ex>.lua's inference code, as a program
 * compiled against the header of `--inference --weights` sees it (weights:
 * zeros, in a file made here with the training header's arch hash). */
static long long fpt_sizeof_work(const char *ex, const char *real)
{
    char *out, *err, *h, *p;
    const char *bin = fs_env("CNNGEN"), *root = fs_env("CNNGEN_ROOT");
    unsigned long long arch, count;
    char errbuf[512], prog[256];
    double *zeros;
    int st;
    st = fpt_sh(&out, &err, "'%s' '%s/examples/%s.lua' -o '%s'", bin, root, ex, fs_path("train.c"));
    cr_assert_eq(st, 0, "%s", err);
    free(out), free(err);
    h = fs_slurp(fs_path("train.h"), NULL);
    cr_assert_not_null(h);
    p = strstr(h, "_PARAM_COUNT ");
    cr_assert_not_null(p);
    count = strtoull(p + 13, NULL, 10);
    p = strstr(h, "_ARCH_HASH ");
    cr_assert_not_null(p);
    arch = strtoull(p + 11, NULL, 16);
    free(h);
    zeros = calloc(count, sizeof *zeros);
    cr_assert_not_null(zeros);
    cr_assert_eq(ckpt_save(fs_path("zero.bin"), zeros, count, 4, arch, errbuf, sizeof errbuf), 0, "%s", errbuf);
    free(zeros);
    st = fpt_sh(&out, &err, "'%s' '%s/examples/%s.lua' --inference --weights '%s' --real %s -o '%s'", bin, root, ex,
                fs_path("zero.bin"), real, fs_path("inf.c"));
    cr_assert_eq(st, 0, "%s", err);
    free(out), free(err);
    snprintf(prog, sizeof prog, "#include <stdio.h>\n#include \"inf.h\"\n"
                                "int main(void) { printf(\"%%zu\\n\", sizeof(%s_work)); return 0; }\n", ex);
    {
        FILE *f = fopen(fs_path("probe.c"), "w");
        cr_assert_not_null(f);
        fputs(prog, f);
        fclose(f);
    }
    st = fpt_sh(&out, &err, "cc -std=c99 -o '%s' '%s' && '%s'", fs_path("probe"), fs_path("probe.c"),
                fs_path("probe"));
    cr_assert_eq(st, 0, "%s", err);
    {
        long long v = atoll(out);
        free(out), free(err);
        return v;
    }
}

TestSuite(footprint, .init = fpt_setup, .fini = fs_scratch_remove, .timeout = 120);

/* ================================================================ */
/* In-process                                                       */
/* ================================================================ */

Test(footprint, stack_sums_forward_pass_and_the_deepest_layer)
{
    footprint fp;
    /* gcc: file:line:col:function, the dense layers inlined into forward_pass */
    static const char gcc_su[] =
        "net.c:10:13:n_l1_conv_forward\t544\tstatic\n"
        "net.c:20:13:n_l3_dense_forward\t64\tstatic\n"
        "net.c:30:13:n_forward_pass\t144\tstatic\n"
        "net.c:40:6:n_forward\t32\tstatic\n"
        "net.c:50:5:n_predict\t16\tstatic\n";
    /* clang: file:line:function, everything inlined into forward_pass */
    static const char clang_su[] =
        "net.c:40:n_forward\t24\tstatic\n"
        "net.c:30:n_forward_pass\t3256\tstatic\n"
        "net.c:50:n_predict\t40\tstatic\n";
    static const char dyn_su[] =
        "a.c:1:2:n_l1_conv_forward\t100\tdynamic\n"
        "a.c:2:2:n_forward\t8\tstatic\n";
    static const char bounded_su[] =
        "a.c:1:2:n_l1_conv_forward\t100\tdynamic,bounded\n"
        "a.c:2:2:n_predict\t8\tstatic\n";

    memset(&fp, 0, sizeof fp);
    cr_assert_eq(footprint_stack("n", gcc_su, &fp), 0);
    cr_expect_eq(fp.stack_bytes, 32 + 144 + 544);
    cr_expect(fp.has_stack && fp.stack_bounded);
    cr_expect_str_eq(fp.stack_chain, "n_forward 32 + n_forward_pass 144 + n_l1_conv_forward 544");

    memset(&fp, 0, sizeof fp);
    cr_assert_eq(footprint_stack("n", clang_su, &fp), 0);
    cr_expect_eq(fp.stack_bytes, 40 + 3256, "the larger entry (predict) counts");
    cr_expect_str_eq(fp.stack_chain, "n_predict 40 + n_forward_pass 3256");

    memset(&fp, 0, sizeof fp);
    cr_assert_eq(footprint_stack("n", dyn_su, &fp), 0);
    cr_expect_eq(fp.stack_bytes, 108);
    cr_expect_eq(fp.stack_bounded, 0, "a dynamic frame makes the number a lower bound");

    memset(&fp, 0, sizeof fp);
    cr_assert_eq(footprint_stack("n", bounded_su, &fp), 0);
    cr_expect_eq(fp.stack_bounded, 1);

    memset(&fp, 0, sizeof fp);
    cr_expect_eq(footprint_stack("m", gcc_su, &fp), -1, "another net's functions are not m's");
    cr_expect_eq(footprint_stack("n", "", &fp), -1);
}

Test(footprint, elf_sizes_match_what_was_compiled)
{
    static const char src[] =
        "static const float w[1000] = { 1.5f, 2.5f };\n"
        "char probe[1234];\n"
        "float f(int i) { return w[i] * 3.0f; }\n";
    char *out, *err, *obj, machine[32], why[256];
    size_t len, text, rodata, sym;
    int has, st;
    FILE *f = fopen(fs_path("t.c"), "w");
    cr_assert_not_null(f);
    fputs(src, f);
    fclose(f);
    st = fpt_sh(&out, &err, "cc -O2 -c '%s' -o '%s'", fs_path("t.c"), fs_path("t.o"));
    cr_assert_eq(st, 0, "%s", err);
    free(out), free(err);
    obj = fs_slurp(fs_path("t.o"), NULL);
    cr_assert_not_null(obj);
    {
        struct stat sb;
        cr_assert_eq(stat(fs_path("t.o"), &sb), 0);
        len = (size_t)sb.st_size;
    }
    cr_assert_eq(footprint_elf((unsigned char *)obj, len, "probe", &text, &rodata, &has, &sym, machine,
                               sizeof machine, why, sizeof why), 0, "%s", why);
    cr_expect(has, "the probe symbol was not found");
    cr_expect_eq(sym, 1234);
    cr_expect_geq(rodata, 4000, "the 1000 floats are read-only data");
    cr_expect_lt(rodata, 4200);
    cr_expect_gt(text, 0);
    cr_expect_lt(text, 256);
    cr_expect_neq(machine[0], '\0');

    /* not ELF, truncated */
    cr_expect_eq(footprint_elf((const unsigned char *)"hello, world", 12, NULL, &text, &rodata, &has, &sym,
                               machine, sizeof machine, why, sizeof why), -1);
    cr_expect_str_eq(why, "the object is not ELF");
    cr_expect_eq(footprint_elf((unsigned char *)obj, 40, NULL, &text, &rodata, &has, &sym, machine,
                               sizeof machine, why, sizeof why), -1);
    free(obj);
}

/* ================================================================ */
/* The binary                                                       */
/* ================================================================ */

/* info --inference on examples/<ex>.lua with extra flags; checks the
 * arithmetic of the rows and returns the output (caller frees). */
static char *fpt_info(const char *ex, const char *flags, const char *env)
{
    char *out, *err;
    long long work, stack, ram, weights, code, consts, ro;
    int st = fpt_sh(&out, &err, "%s '%s' info '%s/examples/%s.lua' --inference %s", env, fs_env("CNNGEN"),
                    fs_env("CNNGEN_ROOT"), ex, flags);
    cr_assert_eq(st, 0, "info %s: exit %d: %s", ex, st, err);
    cr_expect_str_eq(err, "", "info %s wrote to stderr", ex);
    free(err);
    work = fpt_row(out, "work struct");
    stack = fpt_row(out, "stack");
    ram = fpt_row(out, "RAM");
    weights = fpt_row(out, "weights");
    code = fpt_row(out, "code");
    consts = fpt_row(out, "constants");
    ro = fpt_row(out, "read-only");
    cr_assert_gt(work, 0, "%s", out);
    cr_assert_gt(weights, 0, "%s", out);
    if (stack >= 0) cr_expect_eq(ram, work + stack, "RAM != work struct + stack:\n%s", out);
    else cr_expect_eq(ram, -1, "%s", out);
    if (code >= 0) cr_expect_eq(ro, weights + code + consts, "read-only != weights + code + constants:\n%s", out);
    else cr_expect_eq(ro, -1, "%s", out);
    return out;
}

Test(footprint, info_inference_measures_every_example)
{
    static const char *const examples[] = { "nielsen1", "nielsen2", "lenet5", "keras" };
    size_t k;
    for (k = 0; k < sizeof examples / sizeof examples[0]; ++k) {
        const char *ex = examples[k];
        char *out = fpt_info(ex, "", "");
        long long params, table_work, work = fpt_row(out, "work struct"), stack = fpt_row(out, "stack");
        long long code = fpt_row(out, "code"), consts = fpt_row(out, "constants");
        char want[128];
        fpt_table(out, &params, &table_work);
        cr_expect_not_null(strstr(out, "inference footprint (--real float --unroll none --inference), cc -O2, "),
                           "%s", out);
        cr_expect_eq(fpt_row(out, "weights"), 4 * params, "%s: weights are not 4 bytes x %lld parameters", ex,
                     params);
        cr_expect_eq(work, table_work, "%s: measured work struct != the table's total:\n%s", ex, out);
        cr_expect_eq(work, fpt_sizeof_work(ex, "float"), "%s: work struct != sizeof as compiled", ex);
        snprintf(want, sizeof want, "sizeof(%s_work)", ex);
        cr_expect_not_null(strstr(out, want), "%s", out);
        /* plausible: a conv layer's frame is at most a few KiB, the code a few pages */
        cr_expect(stack > 0 && stack < 65536, "%s: stack %lld", ex, stack);
        cr_expect(strstr(out, "_forward "), "%s: no call chain:\n%s", ex, out);
        cr_expect(code > 256 && code < 1 << 20, "%s: code %lld", ex, code);
        cr_expect(consts >= 0 && consts < 4096, "%s: constants %lld", ex, consts);
        free(out);
    }
}

Test(footprint, info_inference_with_double_and_unroll)
{
    size_t u;
    for (u = 0; u < TB_NUNROLLS; ++u) {
        char flags[64], want[128], *out;
        long long params, table_work;
        snprintf(flags, sizeof flags, "--real double --unroll %s", tb_unrolls[u]);
        out = fpt_info("lenet5", flags, "");
        fpt_table(out, &params, &table_work);
        snprintf(want, sizeof want, "(--real double --unroll %s --inference)", tb_unrolls[u]);
        cr_expect_not_null(strstr(out, want), "%s", out);
        cr_expect_eq(fpt_row(out, "weights"), 8 * params, "%s", out);
        cr_expect_eq(fpt_row(out, "work struct"), table_work, "%s", out);
        if (u == 0) cr_expect_eq(table_work, fpt_sizeof_work("lenet5", "double"));
        free(out);
    }
}

Test(footprint, info_inference_without_a_compiler_prints_what_it_can)
{
    char *out = fpt_info("lenet5", "", "CC=/nonexistent/cc");
    long long params, table_work;
    fpt_table(out, &params, &table_work);
    cr_expect_not_null(strstr(out, "cannot run the C compiler '/nonexistent/cc'"), "%s", out);
    cr_expect_eq(fpt_row(out, "work struct"), table_work, "%s", out);
    cr_expect_eq(fpt_row(out, "weights"), 4 * params, "%s", out);
    cr_expect_eq(fpt_row(out, "stack"), -1);
    cr_expect_eq(fpt_row(out, "code"), -1);
    cr_expect_eq(fpt_row(out, "read-only"), -1);
    free(out);
}

Test(footprint, info_without_inference_has_no_footprint)
{
    char *out, *err;
    int st = fpt_sh(&out, &err, "'%s' info '%s/examples/lenet5.lua'", fs_env("CNNGEN"), fs_env("CNNGEN_ROOT"));
    cr_assert_eq(st, 0, "%s", err);
    cr_expect_null(strstr(out, "footprint"), "%s", out);
    free(out), free(err);
}
