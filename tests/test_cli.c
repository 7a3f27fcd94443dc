/*
 * test_cli.c -- suite "cli": the cnngen binary end to end.
 *
 * Runs $CNNGEN (set by make test, like $CNNGEN_ROOT, the repository) as a
 * child process, from the repository's root so that descriptions are
 * named as a user would name them (examples/nielsen1.lua), and checks the
 * contract of docs/design.md, "The runner": `cnngen NET.lua -o OUT.c`
 * writes OUT.c and OUT.h, byte-identical from run to run; --name, --real
 * and --unroll do what they say; `cnngen info` prints the layer table;
 * every bad flag or file gets exit status 2 (or another non-zero status
 * for a failed write) and exactly one line on stderr, and leaves no file
 * (not even a temporary) behind.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "build.h"
#include "fsutil.h"
#include "proc.h"
#include "tbuf.h"

#define CLI_SECONDS 60          /* a run that takes longer is killed */

/* Suite init: a fresh scratch directory for the test (fs_path names in it). */
static void cli_setup(void)
{
    fs_scratch_make("cli");
}

/* ================================================================ */
/* Running the binary                                                */
/* ================================================================ */

typedef proc_result cli_run;

/* Run $CNNGEN with the given arguments (NULL-terminated) from the
 * repository root, capturing stdout and stderr. */
static void cli_exec(cli_run *r, ...)
{
    const char *bin = fs_env("CNNGEN"), *root = fs_env("CNNGEN_ROOT");
    char *argv[32];
    int argc = 0;
    va_list ap;

    argv[argc++] = (char *)bin;
    va_start(ap, r);
    while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL) ++argc;
    va_end(ap);
    argv[argc] = NULL;
    proc_run(r, root, argv, NULL, CLI_SECONDS);
}

/* Free a run's captured output. */
static void cli_free(cli_run *r)
{
    proc_free(r);
}

/* A successful run: exit 0, not killed, nothing on stderr. */
static void cli_expect_ok(const cli_run *r)
{
    cr_expect_eq(r->signal, 0, "killed by signal %d", r->signal);
    cr_expect_eq(r->status, 0, "exit status %d; stderr: %s", r->status, r->err);
    cr_expect_eq(r->err_len, 0, "stderr is not empty: %s", r->err);
}

/* A user error: `status`, one line on stderr containing `want`, no stdout. */
static void cli_expect_error(const cli_run *r, int status, const char *want)
{
    cr_expect_eq(r->signal, 0, "killed by signal %d", r->signal);
    if (status) cr_expect_eq(r->status, status, "exit status %d, want %d; stderr: %s", r->status, status, r->err);
    else cr_expect(r->status > 0, "exit status %d, want non-zero", r->status);
    cr_expect(proc_one_line(r->err), "stderr is not exactly one line: '%s'", r->err);
    cr_expect(strstr(r->err, want) != NULL, "stderr '%s' does not mention '%s'", r->err, want);
    cr_expect(strstr(r->err, "internal error") == NULL, "an internal error for a user mistake: %s", r->err);
    cr_expect_eq(r->out_len, 0, "stdout is not empty: %s", r->out);
}

/* Expect text (named what in the message) to contain want. */
static void cli_expect_contains(const char *text, const char *what, const char *want)
{
    cr_expect(text && strstr(text, want) != NULL, "%s does not contain '%s'", what, want);
}

#define NET1 "examples/nielsen1.lua"

TestSuite(cli, .init = cli_setup, .fini = fs_scratch_remove, .timeout = CLI_SECONDS * 2);

/* ================================================================ */
/* Emitting C                                                        */
/* ================================================================ */

Test(cli, emit_writes_c_and_h_and_nothing_else)
{
    cli_run r;
    char *c;
    cli_exec(&r, NET1, "-o", fs_path("n1.c"), NULL);
    cli_expect_ok(&r);
    cr_expect_eq(r.out_len, 0, "stdout is not empty: %s", r.out);
    fs_expect_listing(fs_scratch(), "n1.c, n1.h");
    c = fs_slurp(fs_path("n1.c"), NULL);
    cr_assert_not_null(c, "n1.c was not written");
    cli_expect_contains(c, "n1.c", "#include \"n1.h\"");
    free(c);
    cli_free(&r);
}

Test(cli, output_is_byte_identical_from_run_to_run)
{
    cli_run r;
    char *c1, *h1, *c2, *h2;
    size_t cl1, hl1, cl2, hl2;
    cli_exec(&r, NET1, "-o", fs_path("n1.c"), NULL);
    cli_expect_ok(&r);
    cli_free(&r);
    c1 = fs_slurp(fs_path("n1.c"), &cl1);
    h1 = fs_slurp(fs_path("n1.h"), &hl1);
    cr_assert(c1 && h1, "first run wrote nothing");
    sleep(1);                   /* a timestamp would now differ */
    cli_exec(&r, NET1, "-o", fs_path("n1.c"), NULL);
    cli_expect_ok(&r);
    cli_free(&r);
    c2 = fs_slurp(fs_path("n1.c"), &cl2);
    h2 = fs_slurp(fs_path("n1.h"), &hl2);
    cr_assert(c2 && h2, "second run wrote nothing");
    cr_expect(cl1 == cl2 && memcmp(c1, c2, cl1) == 0, "n1.c differs between two runs");
    cr_expect(hl1 == hl2 && memcmp(h1, h2, hl1) == 0, "n1.h differs between two runs");
    fs_expect_listing(fs_scratch(), "n1.c, n1.h");
    free(c1);
    free(h1);
    free(c2);
    free(h2);
}

Test(cli, name_option_prefixes_every_symbol)
{
    cli_run r;
    char *c, *h;
    cli_exec(&r, NET1, "-o", fs_path("n1.c"), "--name", "foo", NULL);
    cli_expect_ok(&r);
    cli_free(&r);
    c = fs_slurp(fs_path("n1.c"), NULL);
    h = fs_slurp(fs_path("n1.h"), NULL);
    cr_assert(c && h, "nothing written");
    cli_expect_contains(h, "n1.h", "foo_forward(");
    cli_expect_contains(h, "n1.h", "foo_init(");
    cli_expect_contains(h, "n1.h", "foo_train_batch(");
    cli_expect_contains(h, "n1.h", "foo_work");
    cli_expect_contains(h, "n1.h", "#define FOO_IN_SIZE");
    cli_expect_contains(h, "n1.h", "#define FOO_PARAM_COUNT");
    cli_expect_contains(c, "n1.c", "foo_forward(");
    cr_expect(strstr(h, "nielsen1_") == NULL && strstr(h, "NIELSEN1_") == NULL, "n1.h still has nielsen1_ symbols");
    cr_expect(strstr(c, "nielsen1_") == NULL && strstr(c, "NIELSEN1_") == NULL, "n1.c still has nielsen1_ symbols");
    free(c);
    free(h);
}

/* Emit nielsen1 to <base>.c with one option `flag value`, expect success,
 * and return <base>.h's text (malloc'd). */
static char *cli_emit_header(const char *base, const char *flag, const char *value)
{
    cli_run r;
    char c[64], h[64], *text;
    snprintf(c, sizeof c, "%s.c", base);
    snprintf(h, sizeof h, "%s.h", base);
    cli_exec(&r, NET1, "-o", fs_path(c), flag, value, NULL);
    cli_expect_ok(&r);
    cli_free(&r);
    text = fs_slurp(fs_path(h), NULL);
    cr_assert_not_null(text, "%s was not written", h);
    return text;
}

Test(cli, real_double_gives_double_signatures)
{
    char *h = cli_emit_header("n1", "--real", "double");
    cli_expect_contains(h, "n1.h", "void nielsen1_forward(const double *params");
    cli_expect_contains(h, "n1.h", "double nielsen1_loss_grad(");
    cr_expect(strstr(h, "float") == NULL, "n1.h still mentions float");
    free(h);
}

Test(cli, every_unroll_mode_works)
{
    size_t len[3];
    int i;
    for (i = 0; i < TB_NUNROLLS; ++i) {
        cli_run r;
        char name[32], *c;
        snprintf(name, sizeof name, "%s.c", tb_unrolls[i]);
        cli_exec(&r, NET1, "-o", fs_path(name), "--unroll", tb_unrolls[i], NULL);
        cli_expect_ok(&r);
        cli_free(&r);
        c = fs_slurp(fs_path(name), &len[i]);
        cr_assert_not_null(c, "--unroll %s wrote nothing", tb_unrolls[i]);
        cli_expect_contains(c, name, "--unroll ");
        cli_expect_contains(c, name, tb_unrolls[i]);
        free(c);
    }
    cr_expect(len[2] > len[1], "--unroll full (%zu bytes) is not longer than --unroll kernel (%zu)", len[2], len[1]);
    fs_expect_listing(fs_scratch(), "full.c, full.h, kernel.c, kernel.h, none.c, none.h");
}

/* --backend picks the form and e^x the runner would build for that
 * compiler: straight-line code and libm's e^x for tcc, loops and the
 * vectorizable polynomial for cc (the default) */
Test(cli, backend_picks_the_form_for_that_compiler)
{
    static const struct { const char *file, *backend, *unroll, *options; int poly_exp; } cases[] = {
        { "t.c", "tcc", NULL, "Options: --real float --unroll kernel (libm e^x, for tcc)\n", 0 },
        { "c.c", "cc", NULL, "Options: --real float --unroll none\n", 1 },
        { "k.c", "tcc", "none", "Options: --real float --unroll none (libm e^x, for tcc)\n", 0 },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        cli_run r;
        char *c;
        /* without --unroll, the NULL after --backend ends the arguments */
        cli_exec(&r, NET1, "-o", fs_path(cases[i].file), "--backend", cases[i].backend,
                 cases[i].unroll ? "--unroll" : NULL, cases[i].unroll, NULL);
        cli_expect_ok(&r);
        cli_free(&r);
        c = fs_slurp(fs_path(cases[i].file), NULL);
        cr_assert_not_null(c);
        cli_expect_contains(c, cases[i].file, cases[i].options);
        cr_expect((strstr(c, "nielsen1_exp(") != NULL) == cases[i].poly_exp, "%s: the polynomial e^x is%s there",
                  cases[i].file, cases[i].poly_exp ? " not" : "");
        free(c);
    }
}

/* --chunk N sizes the training work struct without touching the
 * description's batch: the header's CHUNK and Options say so, and info
 * counts its bytes with it. */
Test(cli, chunk_sizes_the_training_work_struct)
{
    cli_run r;
    char *h = cli_emit_header("c3", "--chunk", "3");
    cli_expect_contains(h, "c3.h", "#define NIELSEN1_CHUNK       3 ");
    cli_expect_contains(h, "c3.h", "Options: --real float --unroll none --chunk 3\n");
    free(h);
    cli_exec(&r, "info", NET1, "--chunk", "4", NULL);
    cli_expect_ok(&r);
    cli_expect_contains(r.out, "info's output", "4 samples a chunk");
    cli_free(&r);
}

/* ================================================================ */
/* Bad flags and files: exit 2, one line, nothing written            */
/* ================================================================ */

/* a bad value of an option: the message names it */
Test(cli, bad_values_are_one_line)
{
    static const char *const cases[][2] = {
        { "--unroll", "some" }, { "--real", "half" },
        { "--backend", "auto" },     /* written code is for one compiler */
        { "--chunk", "0" }, { "--chunk", "2000" },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        cli_run r;
        cli_exec(&r, NET1, "-o", fs_path("n1.c"), cases[i][0], cases[i][1], NULL);
        cli_expect_error(&r, 2, cases[i][1]);
        fs_expect_listing(fs_scratch(), "");
        cli_free(&r);
    }
}

/* --chunk where it means nothing: one line naming it */
Test(cli, chunk_is_refused_where_it_means_nothing)
{
    cli_run r;
    cli_exec(&r, "check", NET1, "--chunk", "2", NULL);
    cli_expect_error(&r, 2, "--chunk is an option of emit, info and run");
    cli_free(&r);
    cli_exec(&r, NET1, "--inference", "--weights", fs_path("w.bin"), "-o", fs_path("i.c"), "--chunk", "2", NULL);
    cli_expect_error(&r, 2, "inference code holds one sample");
    fs_expect_listing(fs_scratch(), "");
    cli_free(&r);
}

Test(cli, name_that_is_not_a_c_identifier_is_one_line)
{
    cli_run r;
    cli_exec(&r, NET1, "-o", fs_path("n1.c"), "--name", "9lives", NULL);
    cli_expect_error(&r, 2, "9lives");
    fs_expect_listing(fs_scratch(), "");
    cli_free(&r);
}

/* --name follows the rule a description's name follows (one rule, in
 * gen/lua/check.lua): C keywords and over-long names are refused too, for
 * every command, and the message states the same rule as the
 * description's (tests/errors/name_keyword.lua). */
Test(cli, name_follows_the_rule_of_the_description)
{
    static const char *const bad[] = { "int", "_Bool", "while", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghi" };
    cli_run r, d;
    const char *rule_d, *rule_r;
    size_t k;
    for (k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
        cli_exec(&r, NET1, "-o", fs_path("n1.c"), "--name", bad[k], NULL);
        cli_expect_error(&r, 2, bad[k]);
        fs_expect_listing(fs_scratch(), "");
        cli_free(&r);
    }
    cli_exec(&r, "info", NET1, "--name", "int", NULL);
    cli_expect_error(&r, 2, "\"int\" is not a C identifier");
    cli_exec(&d, "tests/errors/name_keyword.lua", "-o", fs_path("n1.c"), NULL);
    cli_expect_error(&d, 2, "\"int\" is not a C identifier");
    rule_r = strstr(r.err, "is not a C identifier");
    rule_d = strstr(d.err, "is not a C identifier");
    cr_assert(rule_r && rule_d);
    cr_expect_str_eq(rule_r, rule_d, "--name states another rule than the description");
    cli_free(&r);
    cli_free(&d);
    /* the longest name the rule allows is fine */
    cli_exec(&r, NET1, "-o", fs_path("n1.c"), "--name", bad[3] + 1, NULL);
    cli_expect_ok(&r);
    cli_free(&r);
}

Test(cli, output_must_be_a_c_file)
{
    cli_run r;
    cli_exec(&r, NET1, "-o", fs_path("n1.txt"), NULL);
    cli_expect_error(&r, 2, "n1.txt");
    fs_expect_listing(fs_scratch(), "");
    cli_free(&r);
}

Test(cli, missing_output_is_one_line)
{
    cli_run r;
    cli_exec(&r, NET1, NULL);
    cli_expect_error(&r, 2, "-o");
    cli_free(&r);
}

Test(cli, flag_without_its_value_is_one_line)
{
    cli_run r;
    cli_exec(&r, NET1, "-o", NULL);
    cli_expect_error(&r, 2, "-o");
    cli_free(&r);
}

Test(cli, unknown_flag_is_one_line)
{
    cli_run r;
    cli_exec(&r, NET1, "-o", fs_path("n1.c"), "--frobnicate", NULL);        /* last */
    cli_expect_error(&r, 2, "--frobnicate");
    cr_expect(strstr(r.err, "unknown") != NULL, "does not say unknown: %s", r.err);
    cli_free(&r);
    cli_exec(&r, "--frobnicate", "3", NET1, "-o", fs_path("n1.c"), NULL);  /* with a value */
    cli_expect_error(&r, 2, "--frobnicate");
    cli_free(&r);
    fs_expect_listing(fs_scratch(), "");
}

Test(cli, missing_description_file_is_one_line_naming_it)
{
    cli_run r;
    cli_exec(&r, "examples/no_such_net.lua", "-o", fs_path("n1.c"), NULL);
    cli_expect_error(&r, 2, "examples/no_such_net.lua");
    fs_expect_listing(fs_scratch(), "");
    cli_free(&r);
}

Test(cli, output_into_a_missing_directory_fails_and_leaves_nothing)
{
    cli_run r;
    cli_exec(&r, NET1, "-o", fs_path("no_such_dir/n1.c"), NULL);
    cli_expect_error(&r, 0, "no_such_dir/n1.c");
    fs_expect_listing(fs_scratch(), "");
    cli_free(&r);
}

Test(cli, description_errors_name_the_file_as_given)
{
    cli_run r;
    const char *net = fs_path("bad.lua");
    char *want = malloc(strlen(net) + 8);
    fs_spit(net, "return network {\n  name = \"x\",\n}\n", 33);
    cli_exec(&r, net, "-o", fs_path("bad.c"), NULL);
    sprintf(want, "%s:1: ", net);
    cli_expect_error(&r, 2, want);
    cr_expect(strncmp(r.err, want, strlen(want)) == 0, "stderr does not start with '%s': %s", want, r.err);
    fs_expect_listing(fs_scratch(), "bad.lua");
    free(want);
    cli_free(&r);
}

Test(cli, precompiled_chunk_is_refused)
{
    static const char chunk[] = "\033Lua\x54\x00\x19\x93\r\n\x1a\n";
    cli_run r;
    const char *net = fs_path("bin.lua");
    char want[4200];
    fs_spit(net, chunk, sizeof chunk - 1);
    cli_exec(&r, net, "-o", fs_path("bin.c"), NULL);
    snprintf(want, sizeof want, "%s:1: ", net);
    cli_expect_error(&r, 2, want);
    fs_expect_listing(fs_scratch(), "bin.lua");
    cli_free(&r);
}

/* ================================================================ */
/* info, help, no arguments                                          */
/* ================================================================ */

Test(cli, info_prints_the_layer_table)
{
    static const char *const rows[][3] = {
        { "1", "conv", "[20][24][24]" },
        { "2", "maxpool", "[20][12][12]" },
        { "3", "dense", "[100]" },
        { "4", "dense", "[10]" },
    };
    static const char *const params[] = { "520", "0", "288,100", "1,010" };
    cli_run r;
    int i;
    cli_exec(&r, "info", NET1, NULL);
    cli_expect_ok(&r);
    cli_expect_contains(r.out, "info", "289,630");
    for (i = 0; i < 4; ++i) {
        /* a line that starts with the index and holds kind, shape, params */
        const char *p = r.out;
        int found = 0;
        while (p && *p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)(n < 511 ? n : 511), p);
            if (strncmp(line, rows[i][0], 1) == 0 && line[1] == ' ' && strstr(line, rows[i][1]) &&
                strstr(line, rows[i][2]) && strstr(line, params[i]))
                found = 1;
            p = nl ? nl + 1 : NULL;
        }
        cr_expect(found, "no row '%s %s %s ... %s' in:\n%s", rows[i][0], rows[i][1], rows[i][2], params[i],
                  r.out);
    }
    cli_free(&r);
}

Test(cli, help_exits_0)
{
    cli_run r;
    cli_exec(&r, "--help", NULL);
    cli_expect_ok(&r);
    cli_expect_contains(r.out, "--help", "usage: cnngen");
    cli_expect_contains(r.out, "--help", "-o OUT.c");
    cli_free(&r);
}

Test(cli, no_arguments_exit_2)
{
    cli_run r;
    cli_exec(&r, NULL);
    cr_expect_eq(r.signal, 0);
    cr_expect_eq(r.status, 2, "exit status %d", r.status);
    cr_expect_gt(r.err_len, 0, "nothing on stderr");
    cr_expect_eq(r.out_len, 0, "stdout is not empty: %s", r.out);
    cli_free(&r);
}
