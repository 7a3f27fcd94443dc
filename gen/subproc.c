/*
 * subproc.c -- run a compiler and capture what it says (see subproc.h).
 */
#include "subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void subproc_cancel_init(subproc_cancel *c)
{
    pthread_mutex_init(&c->lock, NULL);
    c->pgid = 0;
    c->fired = 0;
}

void subproc_cancel_fire(subproc_cancel *c)
{
    pthread_mutex_lock(&c->lock);
    c->fired = 1;
    if (c->pgid > 0)
        kill(-c->pgid, SIGTERM);        /* gcc's driver removes its temporaries on SIGTERM */
    pthread_mutex_unlock(&c->lock);
}

void subproc_cancel_destroy(subproc_cancel *c)
{
    pthread_mutex_destroy(&c->lock);
}

int subproc_cancelled(subproc_cancel *c)
{
    int f;
    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock);
    f = c->fired;
    pthread_mutex_unlock(&c->lock);
    return f;
}

/* Wait for the child (pid) and reap it.  With a cancel handle, the group
 * id is withdrawn once the child has ended but before it is reaped
 * (waitid with WNOWAIT first), while the id cannot be reused yet. */
static int subproc_wait(pid_t pid, subproc_cancel *c, int *status)
{
    if (c) {
        siginfo_t info;
        while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0)
            if (errno != EINTR)
                break;
        pthread_mutex_lock(&c->lock);
        c->pgid = 0;
        pthread_mutex_unlock(&c->lock);
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* Start argv with stdout and stderr on fd, in its own process group when
 * there is a cancel handle (published in it).  0, or an errno value. */
static int subproc_start(char *const argv[], int fd, subproc_cancel *cancel, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0)
        return rc;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fd, 1);
    posix_spawn_file_actions_adddup2(&fa, fd, 2);
    if (fd > 2)
        posix_spawn_file_actions_addclose(&fa, fd);
    posix_spawnattr_init(&attr);
    if (cancel) {
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        pthread_mutex_lock(&cancel->lock);
        rc = cancel->fired ? ECANCELED : posix_spawn(pid, argv[0], &fa, &attr, argv, environ);
        if (rc == 0)
            cancel->pgid = *pid;
        pthread_mutex_unlock(&cancel->lock);
    } else {
        rc = posix_spawn(pid, argv[0], &fa, &attr, argv, environ);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Read up to len-1 bytes from the start of fd into buf, NUL-terminated. */
static void subproc_read_head(int fd, char *buf, size_t len)
{
    size_t got = 0;
    if (lseek(fd, 0, SEEK_SET) < 0)
        len = 1;
    while (got + 1 < len) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
}

/* See subproc.h. */
int subproc_run(char *const argv[], const char *capture_dir, subproc_cancel *cancel,
              int *status, char *out, size_t outlen)
{
    char path[4096];
    pid_t pid;
    int fd, rc, n;

    if (!capture_dir && (!(capture_dir = getenv("TMPDIR")) || !*capture_dir))
        capture_dir = "/tmp";
    n = snprintf(path, sizeof path, "%s/.cnngen-output-XXXXXX", capture_dir);

    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return SUBPROC_CAPTURE;
    }
    fd = mkstemp(path);
    if (fd < 0)
        return SUBPROC_CAPTURE;
    unlink(path);
    rc = subproc_start(argv, fd, cancel, &pid);
    if (rc != 0) {
        close(fd);
        errno = rc;
        return rc == ECANCELED ? SUBPROC_CANCELLED : SUBPROC_START;
    }
    if (subproc_wait(pid, cancel, status) < 0) {
        rc = errno;
        close(fd);
        errno = rc;
        return SUBPROC_WAIT;
    }
    if (subproc_cancelled(cancel)) {
        close(fd);
        errno = ECANCELED;
        return SUBPROC_CANCELLED;
    }
    if (out && outlen)
        subproc_read_head(fd, out, outlen);
    close(fd);
    return SUBPROC_OK;
}

/* See subproc.h. */
void subproc_pick_line(const char *out, char *line, size_t len)
{
    const char *p, *pick = NULL;
    size_t n;

    for (p = out; *p; ) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        const char *q;
        for (q = p; q + 5 <= p + l; ++q)
            if (memcmp(q, "error", 5) == 0)
                break;
        if (q + 5 <= p + l) {
            pick = p;
            break;
        }
        if (!pick && l > 0 && strspn(p, " \t") < l)
            pick = p;
        p = e ? e + 1 : p + l;
    }
    if (!pick) {
        snprintf(line, len, "no message from the compiler");
        return;
    }
    n = strcspn(pick, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(line, pick, n);
    line[n] = '\0';
}
