/*
 * proc.h -- test support: run a program (the cnngen binary, a shell
 * command) as a child process and capture its stdout, stderr and exit
 * status.
 */
#ifndef TESTS_PROC_H
#define TESTS_PROC_H

#include <stddef.h>

typedef struct proc_result {
    int status;                 /* exit status, or -1 if it did not exit */
    int signal;                 /* the signal that ended it, or 0 */
    int timed_out;              /* 1: killed (SIGKILL) at the time limit */
    double seconds;             /* wall time until it ended */
    char *out, *err;            /* what it wrote, NUL-terminated, malloc'd */
    size_t out_len, err_len;
} proc_result;

/* Run argv[0] (a path; argv NULL-terminated) in directory cwd (NULL: this
 * one) with environment envp (NULL: this process's), stdin from /dev/null,
 * and capture stdout and stderr apart. Killed after `limit` seconds (0: no
 * limit). Once the child has exited, what it wrote is read and the pipes
 * are left: a grandchild that still holds them does not keep the caller
 * waiting. Fails the test when it cannot fork or pipe. Free with
 * proc_free. */
void proc_run(proc_result *r, const char *cwd, char *const argv[], char *const envp[], double limit);

/* proc_run of /bin/sh -c cmd, here, with this environment, no limit. */
void proc_sh(proc_result *r, const char *cmd);

/* Run "CMD 2>&1" through /bin/sh (stderr of cmd's last command merged
 * into stdout): *out (malloc'd, NUL-terminated) gets the output. Returns the exit status, or -1 when it
 * did not exit. */
int proc_sh_merged(const char *cmd, char **out);

/* proc_sh of a printf-style command. */
#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
void proc_shf(proc_result *r, const char *fmt, ...);

/* Run a printf-style shell command that must succeed: the test fails,
 * showing its exit status and output, otherwise.  Returns its stdout
 * (malloc'd). */
#ifdef __GNUC__
__attribute__((format(printf, 1, 2)))
#endif
char *proc_ok(const char *fmt, ...);

/* Whether s is exactly one non-empty line ending in a newline: what
 * cnngen prints on stderr when it fails. */
int proc_one_line(const char *s);

/* Free what r holds (r is zeroed; safe twice). */
void proc_free(proc_result *r);

/* Compiles dir/<base>.c under gcc and clang (-std=c99 -Wall -Wextra
 * -pedantic -Werror -O2) and tcc (-Wall -Werror): the test fails (cr_assert,
 * naming `what`) at a diagnostic. */
void proc_compile_everywhere(const char *dir, const char *base, const char *what);

#endif
