/*
 * mpirun.c -- running the binary under mpirun (mpirun.h).
 */
#include "mpirun.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

void rt_mpirun(rt_out *o, int quiet, const char *const *args, const char *const *env,
               double *seconds)
{
    const char *argv[64], *extra[16];
    proc_result r;
    int k = 0, i, n;
    argv[k++] = "/usr/bin/mpirun";
    argv[k++] = "--oversubscribe";
    if (quiet)
        argv[k++] = "-q";
    if (geteuid() == 0)
        argv[k++] = "--allow-run-as-root";
    for (i = 0; args[i] && k < 63; ++i)
        argv[k++] = strcmp(args[i], "@") ? args[i] : rt_bin();
    argv[k] = NULL;
    cr_assert(access(argv[0], X_OK) == 0, "mpirun is needed (Debian: openmpi-bin)");
    /* Open MPI frees little at exit, from components it has unloaded by
     * then: LSan cannot name, so cannot suppress, those reports.  Leaks of
     * cnngen's own are caught by the plain runs of the other suites. */
    n = 0;
    extra[n++] = "ASAN_OPTIONS=detect_leaks=0";
    for (i = 0; env && env[i] && n < 15; ++i)
        extra[n++] = env[i];
    extra[n] = NULL;
    proc_run(&r, NULL, (char *const *)argv, rt_env(extra), 60);
    o->status = r.signal ? 128 + r.signal : r.status;
    snprintf(o->out, sizeof o->out, "%s", r.out);
    snprintf(o->err, sizeof o->err, "%s", r.err);
    if (seconds)
        *seconds = r.seconds;
    proc_free(&r);
}
