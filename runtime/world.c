/*
 * world.c -- finding and loading the MPI plugin (contract in world.h).
 */
#include "world.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errfmt.h"

int world_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL;
}

/* The plugin's candidate paths, relative to the executable's directory:
 * the build tree's, then an installation's (PREFIX/bin, PREFIX/lib/cnngen). */
static void *world_dlopen(char *err, size_t errlen)
{
    static const char *const rel[] = { "lib/cnngen_mpi.so", "../lib/cnngen/cnngen_mpi.so" };
    const char *env = getenv("CNNGEN_MPI_PLUGIN");
    char exe[4096], path[4200];
    ssize_t n;
    size_t k;
    void *dl;
    char *slash;
    /* RTLD_GLOBAL: Open MPI's own components resolve libmpi's symbols */
    if (env && *env) {
        if (!(dl = dlopen(env, RTLD_NOW | RTLD_GLOBAL)))
            errfmt(err, errlen, "cannot load the MPI plugin: %s", dlerror());
        return dl;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        errfmt(err, errlen, "cannot find the MPI plugin: the executable's path is unknown");
        return NULL;
    }
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash)
        slash[1] = '\0';
    for (k = 0; k < sizeof rel / sizeof *rel; ++k) {
        snprintf(path, sizeof path, "%s%s", exe, rel[k]);
        if (access(path, R_OK) == 0) {
            if (!(dl = dlopen(path, RTLD_NOW | RTLD_GLOBAL)))
                errfmt(err, errlen, "cannot load the MPI plugin: %s", dlerror());
            return dl;
        }
    }
    errfmt(err, errlen, "started by mpirun, but the MPI plugin is not in %s%s "
           "(make builds it; or set CNNGEN_MPI_PLUGIN)", exe, rel[0]);
    return NULL;
}

/* See world.h. */
int world_join(world *w, char *err, size_t errlen)
{
    world_open_fn open;
    void *dl;
    memset(w, 0, sizeof *w);
    if (!(dl = world_dlopen(err, errlen)))
        return -1;
    *(void **)(&open) = dlsym(dl, CNNGEN_WORLD_OPEN_SYM);
    if (!open) {
        dlclose(dl);
        return errfmt(err, errlen, "the MPI plugin has no %s", CNNGEN_WORLD_OPEN_SYM);
    }
    if (open(w, err, errlen) != 0) {
        dlclose(dl);
        return -1;
    }
    w->dl = dl;
    return 0;
}

/* See world.h.  The plugin stays loaded: MPI's libraries do not unload
 * cleanly after MPI_Finalize. */
void world_leave(world *w)
{
    if (w->leave)
        w->leave(w);
    w->leave = NULL;
}

/* The process's world: joined once, left at exit. */
static world world_the;
static int world_state;        /* 0 not asked, 1 plain, 2 joined */

static void world_at_exit(void)
{
    world_leave(&world_the);
}

/* See world.h. */
world *world_process(void)
{
    char err[4096];
    if (world_state == 0) {
        world_state = 1;
        if (world_launched()) {
            if (world_join(&world_the, err, sizeof err) != 0) {
                const char *r = getenv("OMPI_COMM_WORLD_RANK");
                fprintf(stderr, "cnngen: rank %s: %s\n", r ? r : "?", err);
                exit(1);
            }
            world_state = 2;
            atexit(world_at_exit);
        }
    }
    return world_state == 2 ? &world_the : NULL;
}

/* See world.h. */
void world_hold_stderr(world_hold *h)
{
    fflush(stderr);
    h->tmp = tmpfile();
    h->saved = h->tmp ? dup(2) : -1;
    if (h->saved < 0 || dup2(fileno(h->tmp), 2) < 0) {
        if (h->saved >= 0)
            close(h->saved);
        if (h->tmp)
            fclose(h->tmp);
        h->saved = -1;                  /* nothing held: messages go straight out */
        h->tmp = NULL;
    }
}

/* See world.h. */
int world_agree(world *w, world_hold *h, int status)
{
    char line[4096] = "", *text = NULL;
    const char *msg;
    size_t len = 0;
    double *st = calloc((size_t)w->size, sizeof *st);
    int r, first = -1, job = 0;
    if (h->saved >= 0) {
        fflush(stderr);
        dup2(h->saved, 2);
        close(h->saved);
        h->saved = -1;
        rewind(h->tmp);
        if (!fgets(line, sizeof line, h->tmp))
            line[0] = '\0';
        rewind(h->tmp);
        text = malloc(1 << 16);
        if (text)
            len = fread(text, 1, 1 << 16, h->tmp);
        fclose(h->tmp);
        h->tmp = NULL;
    }
    if (!st) {
        fprintf(stderr, "cnngen: rank %d: out of memory\n", w->rank);
        w->abort(w, 1);
    }
    st[w->rank] = status;
    w->sum_d(w, st, (size_t)w->size);
    for (r = 0; r < w->size && first < 0; ++r)
        if (st[r] != 0)
            first = r;
    if (first >= 0)
        job = (int)st[first];
    if (first == w->rank) {
        msg = strncmp(line, "cnngen: ", 8) == 0 ? line + 8 : line;
        fprintf(stderr, "cnngen: rank %d: %s%s", w->rank, *msg ? msg : "failed",
                *msg && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
    } else if (first < 0 && w->rank == 0 && text) {
        fwrite(text, 1, len, stderr);
    }
    fflush(stderr);
    free(text);
    free(st);
    return job;
}
