/*
 * mpirun.h -- test support: run the cnngen binary under Open MPI's
 * mpirun on this machine (the suite "mpi").
 */
#ifndef TESTS_MPIRUN_H
#define TESTS_MPIRUN_H

#include "runfix.h"

/* Run `mpirun --oversubscribe [-q] ARGS` (plus --allow-run-as-root when
 * running as root), with rt_env(env) as the environment; every "@" in
 * args becomes the binary (rt_bin()).  quiet: mpirun's -q, which keeps
 * the launcher's own reports of a failed job off stderr.  o->status is
 * mpirun's; *seconds (may be NULL) the wall time. */
void rt_mpirun(rt_out *o, int quiet, const char *const *args, const char *const *env,
               double *seconds);

#endif
