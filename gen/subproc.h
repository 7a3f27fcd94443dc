/*
 * subproc.h -- run a compiler (any program) as a child process and capture
 * what it says: the one way cnngen starts other programs (the cc backend's
 * builds and its gcc probe, `cnngen info`'s footprint compile).
 *
 * The child gets stdin from /dev/null; its stdout and stderr go, together,
 * to an unlinked temporary file (not a pipe: a grandchild that keeps the
 * output open cannot hold the caller up), whose head the caller receives.
 *
 * With a cancel handle the child runs in a process group of its own (so
 * Ctrl-C at the terminal does not reach it either); subproc_cancel_fire,
 * from any thread, sends SIGTERM to that group, and the run reports
 * SUBPROC_CANCELLED.  A fire before the start keeps the child from starting.
 * The group id is published only while the child is alive and unreaped,
 * so a fire never signals a group whose id could have been reused.
 */
#ifndef CNNGEN_SUBPROC_H
#define CNNGEN_SUBPROC_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct subproc_cancel {
    pthread_mutex_t lock;
    pid_t pgid;                 /* the running child's process group, or 0 */
    int fired;
} subproc_cancel;

void subproc_cancel_init(subproc_cancel *c);
void subproc_cancel_fire(subproc_cancel *c);
void subproc_cancel_destroy(subproc_cancel *c);

/* Whether c (NULL: no handle) has been fired. */
int subproc_cancelled(subproc_cancel *c);

/* What subproc_run returns: the child ran and was reaped (SUBPROC_OK, status
 * in *status), or the step that failed with errno set. */
enum {
    SUBPROC_OK = 0,
    SUBPROC_CAPTURE,              /* the capture file could not be created */
    SUBPROC_START,                /* posix_spawn failed */
    SUBPROC_WAIT,                 /* waitpid failed */
    SUBPROC_CANCELLED             /* fired before the start, or while it ran */
};

/* Run argv[0] (a path; argv NULL-terminated) with this environment, its
 * output captured in a temporary created (and unlinked at once) in
 * capture_dir (NULL: $TMPDIR, else /tmp).  On SUBPROC_OK *status is waitpid's status and out[0..outlen)
 * holds the first outlen - 1 bytes of the output, NUL-terminated (out may
 * be NULL). */
int subproc_run(char *const argv[], const char *capture_dir, subproc_cancel *cancel,
              int *status, char *out, size_t outlen);

/* The line of a compiler's output to report, copied into line[0..len):
 * the first one containing "error", else the first non-blank one, else
 * "no message from the compiler". */
void subproc_pick_line(const char *out, char *line, size_t len);

#endif
