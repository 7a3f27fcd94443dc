/*
 * atomicfile.c -- write a file so that no reader ever sees half of it
 * (see atomicfile.h).
 */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Give up on a after a failure at `stage`: errno survives the cleanup. */
static int af_fail(atomicfile *a, int stage)
{
    af_abort(a);
    return stage;
}

/* See atomicfile.h. */
int af_begin(atomicfile *a, const char *path, int mode)
{
    struct stat st;
    int n = snprintf(a->tmp, sizeof a->tmp, "%s.tmp-XXXXXX", path);

    a->path = path;
    a->fd = -1;
    a->live = 0;
    if (n < 0 || (size_t)n >= sizeof a->tmp) {
        errno = ENAMETOOLONG;
        return AF_CREATE;
    }
    a->fd = mkstemp(a->tmp);
    if (a->fd < 0)
        return AF_CREATE;
    a->live = 1;
    if (mode == AF_KEEP_MODE)
        mode = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (int)(st.st_mode & 0777) : 0644;
    if (fchmod(a->fd, (mode_t)mode) != 0)
        return af_fail(a, AF_MODE);
    return AF_OK;
}

/* See atomicfile.h. */
int af_write(atomicfile *a, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(a->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return af_fail(a, AF_WRITE);
        }
        p += w;
        n -= (size_t)w;
    }
    return AF_OK;
}

/* See atomicfile.h. */
int af_finish(atomicfile *a)
{
    int fd = a->fd;
    if (fsync(fd) != 0)
        return af_fail(a, AF_SYNC);
    a->fd = -1;
    if (close(fd) != 0)
        return af_fail(a, AF_CLOSE);
    return AF_OK;
}

/* fsync the directory holding path, so that a rename into it survives a
 * crash.  Filesystems that cannot sync a directory (EINVAL) are fine. */
static int af_sync_dir(const char *path)
{
    char dir[AF_PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;
    int fd, rc = 0, e = 0;

    if (!slash)
        strcpy(dir, ".");
    else if (len == 0)
        strcpy(dir, "/");
    else if (len < sizeof dir) {
        memcpy(dir, path, len);
        dir[len] = '\0';
    } else {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    if (fsync(fd) != 0 && errno != EINVAL) {
        rc = -1;
        e = errno;
    }
    close(fd);
    errno = e;
    return rc;
}

/* See atomicfile.h. */
int af_commit(atomicfile *a)
{
    if (rename(a->tmp, a->path) != 0)
        return af_fail(a, AF_RENAME);
    a->live = 0;
    return af_sync_dir(a->path) == 0 ? AF_OK : AF_SYNC_DIR;
}

/* See atomicfile.h. */
void af_abort(atomicfile *a)
{
    int e = errno;
    if (a->fd >= 0)
        close(a->fd);
    if (a->live)
        unlink(a->tmp);
    a->fd = -1;
    a->live = 0;
    errno = e;
}

/* See atomicfile.h. */
int af_save(const char *path, const void *data, size_t len, int mode)
{
    atomicfile a;
    int rc = af_begin(&a, path, mode);
    if (rc == AF_OK)
        rc = af_write(&a, data, len);
    if (rc == AF_OK)
        rc = af_finish(&a);
    if (rc == AF_OK)
        rc = af_commit(&a);
    return rc;
}

/* See atomicfile.h. */
const char *af_stage_what(int stage)
{
    switch (stage) {
    case AF_OK:       return "ok";
    case AF_CREATE:   return "cannot create a temporary file beside it";
    case AF_MODE:     return "cannot prepare a temporary file";
    case AF_WRITE:    return "write failed";
    case AF_SYNC:     return "fsync failed";
    case AF_CLOSE:    return "close failed";
    case AF_RENAME:   return "cannot rename the temporary file onto it";
    case AF_SYNC_DIR: return "written, but syncing its directory failed";
    }
    return "failed";
}
