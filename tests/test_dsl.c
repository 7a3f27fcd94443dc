/*
 * test_dsl.c -- suite "dsl": every bad description, end to end.
 *
 * tests/errors/<case>.lua are golden bad descriptions (re2c's habit of
 * self-describing test files): the first line of each is
 *
 *     -- expect: <case>.lua:LINE: message
 *
 * the exact single line cnngen must print on stderr when run as
 * `cnngen <case>.lua -o out.c` from the case's own directory.  One test
 * runs them all, each in a fresh temporary directory that already holds an
 * out.c and an out.h, and checks: exit status 2, stderr exactly that line,
 * nothing on stdout, out.c and out.h untouched, no other file left behind
 * (no temporaries).  Every broken case is listed in one failure message.
 *
 * With CNNGEN_ACCEPT=1 (`make test-accept`) the test rewrites the expect
 * lines from what cnngen prints now instead of failing on them (TinyCC's
 * `+` target); review the diff before committing.
 *
 * The binary is $CNNGEN and the repository $CNNGEN_ROOT (set by make test).
 * The last tests time the sandbox's instruction and memory limits.
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

#include "fsutil.h"
#include "proc.h"
#include "tbuf.h"

#define DSL_CASE_SECONDS 30     /* a case that runs longer is killed and reported */
#define DSL_OLD_C "/* out.c from before: cnngen must not touch it */\n"
#define DSL_OLD_H "/* out.h from before: cnngen must not touch it */\n"

/* ================================================================ */
/* Small helpers                                                     */
/* ================================================================ */

/* Append a formatted string (at most 8 KiB) to b. */
static void dsl_addf(tbuf *b, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    tbuf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* ================================================================ */
/* Running the binary                                                */
/* ================================================================ */

typedef proc_result dsl_run;

/* Run argv (argv[0] = the binary) in cwd; capture stdout and stderr.
 * Killed after `limit` seconds. */
static void dsl_exec(const char *cwd, char *const argv[], double limit, dsl_run *r)
{
    proc_run(r, cwd, argv, NULL, limit);
}

/* Free a run's captured output. */
static void dsl_run_free(dsl_run *r)
{
    proc_free(r);
}

/* ================================================================ */
/* The golden cases                                                  */
/* ================================================================ */

#define EXPECT_TAG "-- expect: "

/* Rewrite the first line of path to "-- expect: <line>". */
static int dsl_accept(const char *path, const char *line)
{
    size_t len;
    char *src = fs_slurp(path, &len), *nl;
    tbuf b = { NULL, 0, 0 };
    if (!src) return -1;
    nl = strchr(src, '\n');
    tbuf_add(&b, EXPECT_TAG, strlen(EXPECT_TAG));
    tbuf_add(&b, line, strlen(line));
    if (nl) tbuf_add(&b, nl, len - (size_t)(nl - src));
    else tbuf_add(&b, "\n", 1);
    fs_spit(path, b.s, b.len);
    free(src);
    free(b.s);
    return 0;
}

/* Run one case; append what is wrong with it to report.  Returns 1 if an
 * expect line was rewritten (accept mode). */
static int dsl_case(const char *bin, const char *errdir, const char *name, int accept, tbuf *report)
{
    char src_path[8192], dir[] = "/tmp/cnngen_dsl_XXXXXX", path[4096], out_arg[] = "out.c", dash_o[] = "-o";
    char *src, *nl, *expected, *oldc, *oldh, *listing, *want_listing;
    char *argv[5];
    size_t len, elen;
    dsl_run r;
    tbuf problems = { NULL, 0, 0 };
    int accepted = 0;

    tbuf_add(&problems, "", 0);
    snprintf(src_path, sizeof src_path, "%s/%s", errdir, name);
    src = fs_slurp(src_path, &len);
    cr_assert_not_null(src, "cannot read %s", src_path);
    nl = strchr(src, '\n');
    if (strncmp(src, EXPECT_TAG, strlen(EXPECT_TAG)) != 0 || !nl) {
        dsl_addf(report, "\n  %s: the first line must be '" EXPECT_TAG "%s:LINE: message'", name, name);
        free(src);
        free(problems.s);
        return 0;
    }
    elen = (size_t)(nl - src) - strlen(EXPECT_TAG);
    expected = malloc(elen + 2);
    cr_assert_not_null(expected);
    memcpy(expected, src + strlen(EXPECT_TAG), elen);
    expected[elen] = '\n';
    expected[elen + 1] = '\0';

    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fs_spit(path, src, len);
    snprintf(path, sizeof path, "%s/out.c", dir);
    fs_spit(path, DSL_OLD_C, strlen(DSL_OLD_C));
    snprintf(path, sizeof path, "%s/out.h", dir);
    fs_spit(path, DSL_OLD_H, strlen(DSL_OLD_H));

    argv[0] = (char *)bin;
    argv[1] = (char *)name;
    argv[2] = dash_o;
    argv[3] = out_arg;
    argv[4] = NULL;
    dsl_exec(dir, argv, DSL_CASE_SECONDS, &r);

    if (r.timed_out)
        dsl_addf(&problems, "\n      ran for more than %d s (killed)", DSL_CASE_SECONDS);
    else if (r.signal)
        dsl_addf(&problems, "\n      crashed: signal %d (%s)", r.signal, strsignal(r.signal));
    else if (r.status != 2)
        dsl_addf(&problems, "\n      exit status %d, not 2", r.status);
    if (strcmp(r.err, expected) != 0) {
        size_t n = strlen(r.err);
        int one_line = proc_one_line(r.err);
        if (accept && one_line && !r.timed_out && !r.signal) {
            r.err[n - 1] = '\0';
            cr_assert(dsl_accept(src_path, r.err) == 0, "cannot rewrite %s", src_path);
            accepted = 1;
        } else {
            dsl_addf(&problems, "\n      stderr: %s%s", r.err[0] ? r.err : "(empty)\n",
                     one_line ? "" : "      (stderr must be exactly one line)\n");
            dsl_addf(&problems, "      want:   %s", expected);
            problems.len -= 1;                  /* drop the last newline */
            problems.s[problems.len] = '\0';
        }
    }
    if (r.out_len > 0)
        dsl_addf(&problems, "\n      stdout is not empty: %.200s", r.out);
    snprintf(path, sizeof path, "%s/out.c", dir);
    oldc = fs_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/out.h", dir);
    oldh = fs_slurp(path, NULL);
    if (!oldc || strcmp(oldc, DSL_OLD_C) != 0) dsl_addf(&problems, "\n      out.c was changed or removed");
    if (!oldh || strcmp(oldh, DSL_OLD_H) != 0) dsl_addf(&problems, "\n      out.h was changed or removed");
    listing = fs_listing(dir, NULL);
    want_listing = malloc(strlen(name) + 32);
    cr_assert_not_null(want_listing);
    if (strcmp(name, "out.c") < 0)
        sprintf(want_listing, "%s, out.c, out.h", name);
    else
        sprintf(want_listing, strcmp(name, "out.h") < 0 ? "out.c, %s, out.h" : "out.c, out.h, %s", name);
    if (strcmp(listing, want_listing) != 0)
        dsl_addf(&problems, "\n      files left: %s (want %s)", listing, want_listing);

    if (problems.len > 0) dsl_addf(report, "\n  %s:%s", name, problems.s);
    rm_tree(dir);
    dsl_run_free(&r);
    free(listing);
    free(want_listing);
    free(oldc);
    free(oldh);
    free(expected);
    free(problems.s);
    free(src);
    return accepted;
}

/* Is a directory entry a case (a .lua file)? */
static int dsl_is_case(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".lua") == 0 && name[0] != '.';
}

Test(dsl, every_bad_description_is_one_line_exit_2_and_writes_nothing, .timeout = 600)
{
    const char *bin = fs_env("CNNGEN"), *root = fs_env("CNNGEN_ROOT"), *acc = getenv("CNNGEN_ACCEPT");
    int accept = acc && !strcmp(acc, "1");
    char errdir[4096], **names;
    int n = 0, all, i, accepted = 0;
    tbuf report = { NULL, 0, 0 };

    snprintf(errdir, sizeof errdir, "%s/tests/errors", root);
    all = fs_names(errdir, &names);
    for (i = 0; i < all; ++i)
        if (dsl_is_case(names[i]))
            names[n++] = names[i];
        else
            free(names[i]);
    cr_assert(n > 0, "no cases in %s", errdir);

    tbuf_add(&report, "", 0);
    for (i = 0; i < n; ++i) {
        accepted += dsl_case(bin, errdir, names[i], accept, &report);
        free(names[i]);
    }
    free(names);
    if (accepted)
        cr_log_warn("CNNGEN_ACCEPT=1: rewrote the expect line of %d case(s) in %s; review the diff",
                    accepted, errdir);
    cr_expect(report.len == 0, "%d cases in %s; these are wrong:%s", n, errdir, report.s);
    free(report.s);
}

/* ================================================================ */
/* The sandbox's limits end a description quickly                    */
/* ================================================================ */

/* Run src as NET.lua in a fresh directory; expect exit 2, one stderr line
 * containing `want`, within `seconds`. */
static void dsl_limit(const char *src, const char *want, double seconds)
{
    const char *bin = fs_env("CNNGEN");
    char dir[] = "/tmp/cnngen_dsl_XXXXXX", path[4096], net[] = "NET.lua", dash_o[] = "-o", out[] = "out.c";
    char *argv[] = { (char *)bin, net, dash_o, out, NULL };
    char *listing;
    dsl_run r;
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/NET.lua", dir);
    fs_spit(path, src, strlen(src));
    dsl_exec(dir, argv, seconds + 20, &r);
    listing = fs_listing(dir, NULL);
    rm_tree(dir);
    cr_expect(!r.timed_out && r.signal == 0, "still running after %.0f s, or killed by a signal", seconds + 20);
    cr_expect(r.seconds < seconds, "took %.2f s, more than %.0f s", r.seconds, seconds);
    cr_expect_eq(r.status, 2, "exit status %d", r.status);
    cr_expect(strstr(r.err, want) != NULL, "stderr '%s' does not say '%s'", r.err, want);
    cr_expect(proc_one_line(r.err), "stderr is not one line: '%s'", r.err);
    cr_expect(strncmp(r.err, "NET.lua:", 8) == 0, "no position: '%s'", r.err);
    cr_expect_str_eq(listing, "NET.lua", "files left: %s", listing);
    cr_log_info("%s -> %.2f s", want, r.seconds);
    free(listing);
    dsl_run_free(&r);
}

Test(dsl, instruction_limit_ends_an_endless_loop_fast, .timeout = 60)
{
    dsl_limit("local n = 0\nwhile true do n = n + 1 end\n", "million instructions", 10);
}

Test(dsl, memory_limit_ends_an_endless_table_fast, .timeout = 60)
{
    dsl_limit("local t = {}\nwhile true do t[#t + 1] = {} end\n", "MiB of memory", 10);
}

Test(dsl, instruction_limit_cannot_be_caught_by_pcall, .timeout = 60)
{
    dsl_limit("while true do\n  pcall(function() while true do end end)\nend\n", "million instructions", 10);
}

Test(dsl, costly_library_calls_count_against_the_instruction_limit, .timeout = 60)
{
    /* few instructions, but each one copies 30 MB */
    dsl_limit("for i = 1, 1e9 do\n  local s = string.rep(\"x\", 3e7)\nend\n", "it allocated more than", 10);
}
