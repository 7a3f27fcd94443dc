/*
 * proc.c -- test support: child processes with captured output (proc.h).
 */
#include "proc.h"
#include "tbuf.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Monotonic seconds. */
static double proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read what fd holds now into b; 1 when the pipe is at its end (or
 * broken), 0 when it is merely empty for now. */
static int proc_drain(int fd, tbuf *b)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n > 0)
            tbuf_add(b, chunk, (size_t)n);
        else if (n < 0 && errno == EINTR)
            continue;
        else
            return n == 0 || errno != EAGAIN;
    }
}

void proc_run(proc_result *r, const char *cwd, char *const argv[], char *const envp[], double limit)
{
    int po[2], pe[2], fds[2], ws = 0, exited = 0, i;
    tbuf b[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
    double t0 = proc_now();
    pid_t pid;

    memset(r, 0, sizeof *r);
    r->status = -1;
    tbuf_add(&b[0], "", 0);
    tbuf_add(&b[1], "", 0);
    cr_assert(pipe(po) == 0 && pipe(pe) == 0, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        if (cwd && chdir(cwd) != 0) _exit(126);
        execve(argv[0], argv, envp ? envp : environ);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    fds[0] = po[0];
    fds[1] = pe[0];
    for (i = 0; i < 2; ++i) fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);

    /* read while it runs (a full pipe would stop it), until both pipes end
     * or it has exited */
    while ((fds[0] >= 0 || fds[1] >= 0) && !exited) {
        struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
        double left = limit > 0 ? limit - (proc_now() - t0) : 1.0;
        if (left <= 0) {
            kill(pid, SIGKILL);
            r->timed_out = 1;
            break;
        }
        if (poll(p, 2, left < 0.1 ? (int)(left * 1000) + 1 : 100) < 0 && errno != EINTR)
            break;
        for (i = 0; i < 2; ++i)
            if (fds[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) && proc_drain(fds[i], &b[i])) {
                close(fds[i]);
                fds[i] = -1;
            }
        exited = waitpid(pid, &ws, WNOHANG) == pid;
    }
    if (!exited)
        while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    r->seconds = proc_now() - t0;
    for (i = 0; i < 2; ++i)
        if (fds[i] >= 0) {
            proc_drain(fds[i], &b[i]);   /* what it wrote before it ended */
            close(fds[i]);
        }
    if (WIFEXITED(ws)) r->status = WEXITSTATUS(ws);
    if (WIFSIGNALED(ws)) r->signal = WTERMSIG(ws);
    r->out = b[0].s;
    r->out_len = b[0].len;
    r->err = b[1].s;
    r->err_len = b[1].len;
}

void proc_sh(proc_result *r, const char *cmd)
{
    char sh[] = "/bin/sh", c[] = "-c";
    char *argv[4];
    argv[0] = sh;
    argv[1] = c;
    argv[2] = (char *)cmd;
    argv[3] = NULL;
    proc_run(r, NULL, argv, NULL, 0);
}

int proc_sh_merged(const char *cmd, char **out)
{
    proc_result r;
    tbuf full = { NULL, 0, 0 };
    int status;
    tbuf_add(&full, cmd, strlen(cmd));
    tbuf_add(&full, " 2>&1", 5);          /* as popen("CMD 2>&1") would */
    proc_sh(&r, full.s);
    free(full.s);
    *out = r.out;
    status = r.status;
    r.out = NULL;
    proc_free(&r);
    return status;
}

void proc_shf(proc_result *r, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    proc_sh(r, cmd);
}

char *proc_ok(const char *fmt, ...)
{
    char cmd[8192];
    proc_result r;
    char *text;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    proc_sh(&r, cmd);
    cr_assert_eq(r.status, 0, "%s\nexit %d\nstdout:\n%.2000s\nstderr:\n%.2000s", cmd, r.status, r.out, r.err);
    text = r.out;
    r.out = NULL;
    proc_free(&r);
    return text;
}

void proc_free(proc_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

int proc_one_line(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len > 1 && s[len - 1] == '\n' && memchr(s, '\n', len - 1) == NULL;
}

void proc_compile_everywhere(const char *dir, const char *base, const char *what)
{
    static const char *const cc[] = { "gcc -std=c99 -Wall -Wextra -pedantic -Werror -O2",
                                      "clang -std=c99 -Wall -Wextra -pedantic -Werror -O2", "tcc -Wall -Werror" };
    int k;
    for (k = 0; k < 3; ++k) {
        proc_result r;
        proc_shf(&r, "cd '%s' && %s -c %s.c -o %s.o 2>&1", dir, cc[k], base, base);
        cr_assert(r.status == 0 && r.out_len == 0, "%s: %s: exit %d:\n%s", what, cc[k], r.status, r.out);
        proc_free(&r);
    }
}
