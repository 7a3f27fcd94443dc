/*
 * test_subproc.c -- suite "subproc": gen/subproc.c, the one way cnngen runs
 * a compiler: the child's status and its stdout and stderr together come
 * back, its capture file is gone; a fired cancel handle keeps a child from
 * starting and stops a running one (its whole process group); the line
 * picked from a compiler's output is the first that says "error".
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "subproc.h"

static void sp_setup(void)
{
    fs_scratch_make("subproc");
}

TestSuite(subproc, .init = sp_setup, .fini = fs_scratch_remove, .timeout = 30);

Test(subproc, status_and_both_streams_come_back_and_no_file_stays)
{
    char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL };
    char text[64];
    int status = 0;
    cr_assert_eq(subproc_run(argv, fs_scratch(), NULL, &status, text, sizeof text), SUBPROC_OK);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status %d", status);
    cr_expect_str_eq(text, "out\nerr\n");
    fs_expect_listing(fs_scratch(), "");
    /* a program that cannot be started */
    argv[0] = "/nonexistent/cnngen-no-such-program";
    cr_expect_eq(subproc_run(argv, fs_scratch(), NULL, &status, text, sizeof text), SUBPROC_START);
    cr_expect_eq(errno, ENOENT, "%s", strerror(errno));
}

/* The other thread of a cancel: fire once the child has started. */
static void *sp_fire_later(void *c)
{
    struct timespec t = { 0, 200 * 1000 * 1000 };
    nanosleep(&t, NULL);
    subproc_cancel_fire(c);
    return NULL;
}

Test(subproc, a_fired_handle_stops_the_group_or_keeps_it_from_starting)
{
    /* the grandchild `sleep` is in the group too: it is stopped with the shell */
    char cmd[600], touch[600], *text;
    char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    subproc_cancel c;
    pthread_t th;
    time_t t0 = time(NULL);
    int status, k;
    long sleeper;
    snprintf(cmd, sizeof cmd, "sleep 30 & echo $! > '%s'; wait", fs_path("pid"));
    subproc_cancel_init(&c);
    cr_assert_eq(pthread_create(&th, NULL, sp_fire_later, &c), 0);
    cr_expect_eq(subproc_run(argv, fs_scratch(), &c, &status, NULL, 0), SUBPROC_CANCELLED);
    pthread_join(th, NULL);
    cr_expect_lt(time(NULL) - t0, 10, "the cancelled run took %ld s", (long)(time(NULL) - t0));
    cr_expect(subproc_cancelled(&c));
    cr_expect_eq(c.pgid, 0, "the group id is still published");
    text = fs_slurp(fs_path("pid"), NULL);
    cr_assert_not_null(text);
    sleeper = atol(text);
    free(text);
    cr_assert_gt(sleeper, 1);
    for (k = 0; k < 50 && kill((pid_t)sleeper, 0) == 0; ++k) {
        struct timespec t = { 0, 100 * 1000 * 1000 };
        nanosleep(&t, NULL);
    }
    cr_expect_neq(kill((pid_t)sleeper, 0), 0, "the grandchild %ld still runs", sleeper);
    rm_tree(fs_path("pid"));
    /* fired already: nothing starts */
    snprintf(touch, sizeof touch, "touch '%s'", fs_path("started"));
    argv[2] = touch;
    cr_expect_eq(subproc_run(argv, fs_scratch(), &c, &status, NULL, 0), SUBPROC_CANCELLED);
    fs_expect_listing(fs_scratch(), "");
    subproc_cancel_destroy(&c);
}

Test(subproc, the_reported_line_is_the_first_error_else_the_first_non_blank)
{
    char line[64];
    subproc_pick_line("a.c: In function 'f':\na.c:3:1: error: expected ';'\nmore error\n", line, sizeof line);
    cr_expect_str_eq(line, "a.c:3:1: error: expected ';'");
    subproc_pick_line("\n  \nld: warning\n", line, sizeof line);
    cr_expect_str_eq(line, "ld: warning");
    subproc_pick_line("", line, sizeof line);
    cr_expect_str_eq(line, "no message from the compiler");
}
