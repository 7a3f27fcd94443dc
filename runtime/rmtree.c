/*
 * rmtree.c -- rm -rf (see rmtree.h).
 */
#include "rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* See rmtree.h.  Depth first; no state outside the call, so threads may
 * remove trees at the same time. */
int rm_tree(const char *path)
{
    struct stat st;
    struct dirent *e;
    DIR *d;
    int first = 0;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
    d = opendir(path);
    if (!d)
        first = errno;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *sub;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        sub = malloc(n);
        if (!sub) {
            first = first ? first : ENOMEM;
            continue;
        }
        snprintf(sub, n, "%s/%s", path, e->d_name);
        if (rm_tree(sub) != 0 && !first)
            first = errno;
        free(sub);
    }
    if (d)
        closedir(d);
    if (rmdir(path) != 0 && errno != ENOENT && !first)
        first = errno;
    errno = first;
    return first ? -1 : 0;
}
