/*
 * outfile.c -- write output files all-or-nothing (see outfile.h).
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTFILE_MAX 8

/* Write all of data to fd; 0 or -1 (errno set). */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, data, len);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

int outfile_write(const outfile_item *items, int n, char *err, size_t errlen)
{
    char tmp[OUTFILE_MAX][4096];
    int i, made = 0;
    if (n > OUTFILE_MAX) {
        snprintf(err, errlen, "internal error: too many output files");
        return -1;
    }
    for (i = 0; i < n; ++i) {
        int fd, e;
        if (strlen(items[i].path) + 16 > sizeof tmp[i]) {
            snprintf(err, errlen, "%s: path too long", items[i].path);
            goto fail;
        }
        snprintf(tmp[i], sizeof tmp[i], "%s.tmpXXXXXX", items[i].path);
        fd = mkstemp(tmp[i]);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot write: %s", items[i].path, strerror(errno));
            goto fail;
        }
        made = i + 1;
        if (write_all(fd, items[i].data, items[i].len) != 0 || fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
            e = errno;
            close(fd);
            snprintf(err, errlen, "%s: cannot write: %s", items[i].path, strerror(e));
            goto fail;
        }
        if (close(fd) != 0) {
            snprintf(err, errlen, "%s: cannot write: %s", items[i].path, strerror(errno));
            goto fail;
        }
    }
    for (i = 0; i < n; ++i)
        if (rename(tmp[i], items[i].path) != 0) {
            snprintf(err, errlen, "%s: cannot write: %s", items[i].path, strerror(errno));
            made = n;
            for (; i < n; ++i) unlink(tmp[i]);
            return -1;
        }
    return 0;
fail:
    for (i = 0; i < made; ++i) unlink(tmp[i]);
    return -1;
}
