/*
 * test_fuzz_replay.c -- suite "fuzz": every fuzz target (fuzz/fuzz_<t>.c,
 * docs/fuzzing.md) replays its seed corpus (fuzz/corpus/<t>, and the
 * directories of the repository listed in fuzz/corpus/<t>.dirs) and the
 * inputs of the crashes fuzzing found, since fixed (fuzz/regress/<t>),
 * through its replay driver: $CNNGEN_REPLAY/fuzz_<t> (fuzz/replay.c), the
 * whole program built with the address and undefined sanitizers, which
 * `make test` builds.  A crash, a sanitizer's report, a leak or a target's
 * own check (fuzz_bug: an internal error, a message of two lines, ...)
 * ends the driver with a non-zero status; an input that takes more than
 * 10 s of CPU time ends it with SIGPROF (a hang, fuzz/replay.c), and the
 * whole replay is killed at FZ_SECONDS.  The failure shows the input being
 * replayed.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "proc.h"

#define FZ_SECONDS 120

/* The targets; every_target_is_replayed checks this list against fuzz/. */
static const char *const fz_targets[] = { "describe", "experiment", "idx", "weights", "state", "embed" };
#define FZ_NTARGETS (sizeof fz_targets / sizeof *fz_targets)

static int fz_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* What the driver wrote on stderr from the last input it began. */
static const char *fz_last_input(const char *err)
{
    const char *p = err, *last = err;
    while ((p = strstr(p, "replaying ")) != NULL) {
        if (p == err || p[-1] == '\n') last = p;
        ++p;
    }
    return last;
}

#define FZ_MAX_DIRS 16

static void fz_replay(const char *target)
{
    char paths[FZ_MAX_DIRS][4096], line[512];
    char *argv[FZ_MAX_DIRS + 1];
    const char *root = fs_env("CNNGEN_ROOT");
    int argc = 0, n = 0, k;
    proc_result r;
    FILE *f;
    snprintf(paths[argc++], sizeof paths[0], "%s/fuzz_%s", fs_env("CNNGEN_REPLAY"), target);
    snprintf(paths[argc++], sizeof paths[0], "%s/fuzz/corpus/%s", root, target);
    cr_assert(fz_is_dir(paths[1]), "no seed corpus %s", paths[1]);
    snprintf(paths[argc], sizeof paths[0], "%s/fuzz/regress/%s", root, target);
    if (fz_is_dir(paths[argc])) ++argc;
    snprintf(line, sizeof line, "%s/fuzz/corpus/%s.dirs", root, target);
    if ((f = fopen(line, "r")) != NULL) {
        while (argc < FZ_MAX_DIRS && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            if (!line[0]) continue;
            snprintf(paths[argc], sizeof paths[0], "%s/%s", root, line);
            cr_assert(fz_is_dir(paths[argc]), "fuzz/corpus/%s.dirs: no directory %s", target, line);
            ++argc;
        }
        fclose(f);
    }
    for (k = 0; k < argc; ++k) argv[k] = paths[k];
    argv[argc] = NULL;
    proc_run(&r, NULL, argv, NULL, FZ_SECONDS);
    cr_assert(!r.timed_out, "fuzz_%s: still running after %d s; the input it was on:\n%.3000s", target,
              FZ_SECONDS, fz_last_input(r.err));
    cr_assert_eq(r.status, 0, "fuzz_%s failed (status %d, signal %d%s) on the input it names last:\n%.6000s",
                 target, r.status, r.signal, r.signal == SIGPROF ? ": a hang" : "", fz_last_input(r.err));
    cr_expect(sscanf(r.out, "replayed %d inputs", &n) == 1 && n > 0, "fuzz_%s replayed nothing: %s", target,
              r.out);
    proc_free(&r);
}

TestSuite(fuzz, .timeout = 2 * FZ_SECONDS);

Test(fuzz, describe) { fz_replay("describe"); }
Test(fuzz, experiment) { fz_replay("experiment"); }
Test(fuzz, idx) { fz_replay("idx"); }
Test(fuzz, weights) { fz_replay("weights"); }
Test(fuzz, state) { fz_replay("state"); }
Test(fuzz, embed) { fz_replay("embed"); }

/* Every fuzz/fuzz_<t>.c is in fz_targets (so a Test above replays it),
 * and every regress directory belongs to a target. */
Test(fuzz, every_target_is_replayed)
{
    static const char *const dirs[] = { "fuzz", "fuzz/regress" };
    char path[4096];
    size_t d, k;
    for (d = 0; d < 2; ++d) {
        DIR *dir;
        struct dirent *e;
        snprintf(path, sizeof path, "%s/%s", fs_env("CNNGEN_ROOT"), dirs[d]);
        dir = opendir(path);
        if (!dir && d == 1) continue;           /* no regression inputs yet */
        cr_assert_not_null(dir, "cannot list %s", path);
        while ((e = readdir(dir)) != NULL) {
            char name[256];
            size_t len = strlen(e->d_name);
            int known = 0;
            if (d == 0) {
                if (strncmp(e->d_name, "fuzz_", 5) != 0 || len < 8 || strcmp(e->d_name + len - 2, ".c") != 0)
                    continue;
                snprintf(name, sizeof name, "%.*s", (int)(len - 7), e->d_name + 5);
            } else {
                if (e->d_name[0] == '.') continue;
                snprintf(name, sizeof name, "%s", e->d_name);
            }
            for (k = 0; k < FZ_NTARGETS; ++k) known |= strcmp(name, fz_targets[k]) == 0;
            cr_expect(known, "%s/%s: no replay test for the target '%s' (add it to fz_targets and a Test)",
                      dirs[d], e->d_name, name);
        }
        closedir(dir);
    }
}
