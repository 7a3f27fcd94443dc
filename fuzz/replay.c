/*
 * replay.c -- run a fuzz target on files, without libFuzzer: the main()
 * of build/asan/replay/fuzz_<target> (tests/test_fuzz_replay.c).
 *
 *   fuzz_<target> PATH...    each file, or each file in each directory
 *                            (in name order), once
 *
 * Each input is handed over in a buffer of exactly its size, as libFuzzer
 * does, so that a read past its end is caught, and may take REPLAY_CPU
 * seconds of CPU time (SIGPROF ends the process past that: a hang, as
 * libFuzzer's -timeout; CPU time, so that a loaded machine does not make
 * an input look hung).  "replaying PATH" goes to stderr before each, so
 * that a crash names its input; the count replayed goes to stdout.  Exit
 * status 0, or 2 for a path that cannot be read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "fuzz.h"

#define REPLAY_CPU 10

static int replay_file(const char *path)
{
    struct itimerval limit = { { 0, 0 }, { REPLAY_CPU, 0 } };
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(buf = malloc(n ? (size_t)n : 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f) fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    fprintf(stderr, "replaying %s\n", path);
    setitimer(ITIMER_PROF, &limit, NULL);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    int i, k, n, count = 0;
    for (i = 1; i < argc; ++i) {
        struct stat st;
        struct dirent **names;
        if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) != 0) return 2;
            ++count;
            continue;
        }
        if ((n = scandir(argv[i], &names, NULL, by_name)) < 0) {
            fprintf(stderr, "replay: cannot list %s\n", argv[i]);
            return 2;
        }
        for (k = 0; k < n; ++k) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
            if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (replay_file(path) != 0) return 2;
                ++count;
            }
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %d inputs\n", count);
    fuzz_cleanup();
    return 0;
}
